/*
 * oval.c: a streaming reader for OVAL 5 definition documents as the
 * distributions publish them (Debian, Ubuntu USN, Red Hat v2, Oracle ELSA,
 * CBL-Mariner/Azure Linux). It keeps what the distro importers need — the
 * definitions' metadata and criteria trees, and the tests, objects, states
 * and constant variables they point to — in one arena, so a 30 MB document
 * costs a few MB; each import_oval_*.c interprets the trees its own way.
 */
#include "vulndb/distro_int.h"

#include <string.h>

#include "base/banned.h"

#define MAX_NODES   20000  /* criteria nodes in one definition */
#define MAX_ITEMS   200000 /* refs, cves, platforms, values of one element */
#define MAX_DEPTH   64     /* criteria nesting */

struct ks_oval {
    struct ks_arena *a;
    struct ks_vec defs; /* struct ks_oval_def */
    struct ks_map *tests, *objects, *states, *vars;
    const char *product, *timestamp;
    struct ks_xml *x;
    struct ks_vdb_stream *in;
};

/* Growable arena arrays: the items live in the arena, doubling as they grow. */
static void *
grow(struct ks_arena *a, void *items, size_t *cap, size_t n, size_t size)
{
    void *bigger;

    if (n < *cap)
        return items;
    if (n >= MAX_ITEMS)
        return NULL;
    *cap = *cap ? *cap * 2 : 4;
    bigger = ks_arena_alloc(a, *cap * size);
    if (bigger != NULL && n > 0)
        memcpy(bigger, items, n * size);
    return bigger;
}

static const char *
attr(struct ks_oval *o, const char *name)
{
    const char *v = ks_xml_attr(o->x, name);

    return v ? ks_arena_strdup(o->a, v) : NULL;
}

static enum ks_code
oom(struct ks_err *err)
{
    return ks_err_set(err, KS_ENOMEM, "out of memory");
}

static enum ks_code
text(struct ks_oval *o, const char **out, struct ks_err *err)
{
    enum ks_code rc = ks_xml_text(o->x, o->a, out, err);

    if (rc == KS_ETOOBIG) {
        /* An oversized description is dropped, not the document. */
        ks_log(KS_LOG_WARN, "vulndb", "%s", err ? err->msg : "text too long");
        *out = NULL;
        return KS_OK;
    }
    return rc;
}

/* Next node inside the element at `depth`; KS_ENOTFOUND at its end. */
static enum ks_code
child(struct ks_oval *o, int depth, enum ks_xml_node *t, struct ks_err *err)
{
    enum ks_code rc;

    for (;;) {
        rc = ks_xml_next(o->x, t, err);
        if (rc == KS_ENOTFOUND)
            return ks_err_set(err, KS_EPARSE, "%s: truncated OVAL document", o->in->name);
        if (rc != KS_OK)
            return rc;
        if (*t == KS_XML_END && ks_xml_depth(o->x) == depth)
            return KS_ENOTFOUND;
        if (*t == KS_XML_START)
            return KS_OK;
    }
}

/* ------------------------------------------------------------------------ */
/* Definitions                                                              */

static int
op_of(const char *s)
{
    if (s == NULL || strcmp(s, "AND") == 0)
        return KS_OVAL_AND;
    if (strcmp(s, "OR") == 0)
        return KS_OVAL_OR;
    if (strcmp(s, "ONE") == 0)
        return KS_OVAL_ONE;
    return KS_OVAL_XOR;
}

static enum ks_code
read_criteria(struct ks_oval *o, struct ks_oval_def *d, size_t *cap, int parent, int level,
              struct ks_err *err)
{
    int depth = ks_xml_depth(o->x);
    bool empty = ks_xml_empty(o->x);
    enum ks_code rc;
    enum ks_xml_node t;

    if (level > MAX_DEPTH)
        return ks_err_set(err, KS_ETOOBIG, "%s: definition '%s': criteria nested over %d levels",
                          o->in->name, d->id ? d->id : "?", MAX_DEPTH);
    if (empty)
        return KS_OK;
    while ((rc = child(o, depth, &t, err)) == KS_OK) {
        const char *n = ks_xml_name(o->x);
        struct ks_oval_node *node;
        const char *neg;
        int me;

        if (strcmp(n, "criteria") != 0 && strcmp(n, "criterion") != 0 &&
            strcmp(n, "extend_definition") != 0) {
            if ((rc = ks_xml_skip(o->x, err)) != KS_OK)
                return rc;
            continue;
        }
        if (d->n_nodes >= MAX_NODES)
            return ks_err_set(err, KS_ETOOBIG, "%s: definition '%s': more than %d criteria",
                              o->in->name, d->id ? d->id : "?", MAX_NODES);
        d->nodes = grow(o->a, d->nodes, cap, d->n_nodes, sizeof(*d->nodes));
        if (d->nodes == NULL)
            return oom(err);
        me = (int)d->n_nodes++;
        node = &d->nodes[me];
        memset(node, 0, sizeof(*node));
        node->parent = parent;
        node->first_child = node->last_child = node->next_sibling = -1;
        if (d->nodes[parent].first_child < 0)
            d->nodes[parent].first_child = me;
        else
            d->nodes[d->nodes[parent].last_child].next_sibling = me;
        d->nodes[parent].last_child = me;
        node->kind = n[0] == 'e'               ? KS_OVAL_EXTEND
                     : strcmp(n, "criteria") == 0 ? KS_OVAL_CRITERIA
                                                  : KS_OVAL_CRITERION;
        node->op = op_of(ks_xml_attr(o->x, "operator"));
        neg = ks_xml_attr(o->x, "negate");
        node->negate = neg != NULL && strcmp(neg, "true") == 0;
        node->comment = attr(o, "comment");
        node->test_ref = attr(o, node->kind == KS_OVAL_EXTEND ? "definition_ref" : "test_ref");
        if (node->kind == KS_OVAL_CRITERIA) {
            if ((rc = read_criteria(o, d, cap, me, level + 1, err)) != KS_OK)
                return rc;
        } else if ((rc = ks_xml_skip(o->x, err)) != KS_OK) {
            return rc;
        }
    }
    return rc == KS_ENOTFOUND ? KS_OK : rc;
}

static enum ks_code
read_advisory(struct ks_oval *o, struct ks_oval_def *d, struct ks_err *err)
{
    int depth = ks_xml_depth(o->x);
    size_t cves_cap = 0, res_cap = 0;
    enum ks_code rc;
    enum ks_xml_node t;

    if (ks_xml_empty(o->x))
        return KS_OK;
    while ((rc = child(o, depth, &t, err)) == KS_OK) {
        const char *n = ks_xml_name(o->x);

        if (strcmp(n, "severity") == 0) {
            rc = text(o, &d->severity, err);
        } else if (strcmp(n, "issued") == 0 || strcmp(n, "updated") == 0) {
            const char *v = attr(o, "date");

            if (n[0] == 'i')
                d->issued = v;
            else
                d->updated = v;
            rc = ks_xml_skip(o->x, err);
        } else if (strcmp(n, "cve") == 0) {
            struct ks_oval_cve *c;

            d->cves = grow(o->a, d->cves, &cves_cap, d->n_cves, sizeof(*d->cves));
            if (d->cves == NULL)
                return oom(err);
            c = &d->cves[d->n_cves++];
            memset(c, 0, sizeof(*c));
            c->priority = attr(o, "priority");
            c->cvss3 = attr(o, "cvss3");
            c->cvss_vector = attr(o, "cvss_vector");
            c->impact = attr(o, "impact");
            c->href = attr(o, "href");
            rc = text(o, &c->id, err);
        } else if (strcmp(n, "affected") == 0) {
            /* Red Hat: <affected><resolution state="Will not fix"><component>x</component> */
            int ad = ks_xml_depth(o->x);

            while (!ks_xml_empty(o->x) && (rc = child(o, ad, &t, err)) == KS_OK) {
                if (strcmp(ks_xml_name(o->x), "resolution") == 0) {
                    struct ks_oval_resolution *r;
                    int rd = ks_xml_depth(o->x);
                    size_t ccap = 0;

                    d->resolutions = grow(o->a, d->resolutions, &res_cap, d->n_resolutions,
                                          sizeof(*d->resolutions));
                    if (d->resolutions == NULL)
                        return oom(err);
                    r = &d->resolutions[d->n_resolutions++];
                    memset(r, 0, sizeof(*r));
                    r->state = attr(o, "state");
                    while (!ks_xml_empty(o->x) && (rc = child(o, rd, &t, err)) == KS_OK) {
                        if (strcmp(ks_xml_name(o->x), "component") == 0) {
                            r->components = grow(o->a, r->components, &ccap, r->n_components,
                                                 sizeof(*r->components));
                            if (r->components == NULL)
                                return oom(err);
                            if ((rc = text(o, &r->components[r->n_components], err)) != KS_OK)
                                return rc;
                            r->n_components++;
                        } else if ((rc = ks_xml_skip(o->x, err)) != KS_OK) {
                            return rc;
                        }
                    }
                    if (rc != KS_OK && rc != KS_ENOTFOUND)
                        return rc;
                    rc = KS_OK;
                } else if ((rc = ks_xml_skip(o->x, err)) != KS_OK) {
                    return rc;
                }
            }
            if (rc == KS_ENOTFOUND)
                rc = KS_OK;
        } else {
            rc = ks_xml_skip(o->x, err);
        }
        if (rc != KS_OK)
            return rc;
    }
    return rc == KS_ENOTFOUND ? KS_OK : rc;
}

static enum ks_code
read_metadata(struct ks_oval *o, struct ks_oval_def *d, struct ks_err *err)
{
    int depth = ks_xml_depth(o->x);
    size_t refs_cap = 0, plat_cap = 0;
    enum ks_code rc;
    enum ks_xml_node t;

    if (ks_xml_empty(o->x))
        return KS_OK;
    while ((rc = child(o, depth, &t, err)) == KS_OK) {
        const char *n = ks_xml_name(o->x);

        if (strcmp(n, "title") == 0) {
            rc = text(o, &d->title, err);
        } else if (strcmp(n, "description") == 0) {
            rc = text(o, &d->description, err);
        } else if (strcmp(n, "patchable") == 0) {
            rc = text(o, &d->patchable, err);
        } else if (strcmp(n, "advisory_id") == 0) {
            rc = text(o, &d->advisory_id, err);
        } else if (strcmp(n, "severity") == 0) { /* Mariner puts it here */
            rc = text(o, &d->severity, err);
        } else if (strcmp(n, "reference") == 0) {
            struct ks_oval_ref *r;

            d->refs = grow(o->a, d->refs, &refs_cap, d->n_refs, sizeof(*d->refs));
            if (d->refs == NULL)
                return oom(err);
            r = &d->refs[d->n_refs++];
            r->source = attr(o, "source");
            r->id = attr(o, "ref_id");
            r->url = attr(o, "ref_url");
            rc = ks_xml_skip(o->x, err);
        } else if (strcmp(n, "affected") == 0) {
            int ad = ks_xml_depth(o->x);

            while (!ks_xml_empty(o->x) && (rc = child(o, ad, &t, err)) == KS_OK) {
                if (strcmp(ks_xml_name(o->x), "platform") == 0 ||
                    strcmp(ks_xml_name(o->x), "product") == 0) {
                    bool plat = ks_xml_name(o->x)[1] == 'l';
                    const char *v;

                    if ((rc = text(o, &v, err)) != KS_OK)
                        return rc;
                    if (!plat) {
                        d->product = v;
                        continue;
                    }
                    d->platforms =
                        grow(o->a, d->platforms, &plat_cap, d->n_platforms, sizeof(*d->platforms));
                    if (d->platforms == NULL)
                        return oom(err);
                    d->platforms[d->n_platforms++] = v;
                } else if ((rc = ks_xml_skip(o->x, err)) != KS_OK) {
                    return rc;
                }
            }
            if (rc == KS_ENOTFOUND)
                rc = KS_OK;
        } else if (strcmp(n, "advisory") == 0) {
            rc = read_advisory(o, d, err);
        } else if (strcmp(n, "debian") == 0) {
            /* <debian><moreinfo>...</moreinfo></debian>: <date> in older files */
            rc = ks_xml_skip(o->x, err);
        } else {
            rc = ks_xml_skip(o->x, err);
        }
        if (rc != KS_OK)
            return rc;
    }
    return rc == KS_ENOTFOUND ? KS_OK : rc;
}

static enum ks_code
read_definition(struct ks_oval *o, struct ks_err *err)
{
    int depth = ks_xml_depth(o->x);
    struct ks_oval_def *d;
    size_t cap = 0;
    enum ks_code rc;
    enum ks_xml_node t;

    if (o->defs.len >= KS_DF_MAX_RECORDS)
        return ks_err_set(err, KS_ETOOBIG, "%s: more than %d definitions", o->in->name,
                          KS_DF_MAX_RECORDS);
    d = ks_vec_push(&o->defs);
    if (d == NULL)
        return oom(err);
    d->id = attr(o, "id");
    d->klass = attr(o, "class");
    d->line = ks_xml_line(o->x);
    if (ks_xml_empty(o->x))
        return KS_OK;
    while ((rc = child(o, depth, &t, err)) == KS_OK) {
        const char *n = ks_xml_name(o->x);

        if (strcmp(n, "metadata") == 0)
            rc = read_metadata(o, d, err);
        else if (strcmp(n, "criteria") == 0 && d->n_nodes == 0) {
            /* The root criteria is node 0 (parent -1), its subtree after it. */
            struct ks_oval_node *root;

            d->nodes = grow(o->a, d->nodes, &cap, 0, sizeof(*d->nodes));
            if (d->nodes == NULL)
                return oom(err);
            root = &d->nodes[0];
            memset(root, 0, sizeof(*root));
            root->kind = KS_OVAL_CRITERIA;
            root->parent = -1;
            root->first_child = root->last_child = root->next_sibling = -1;
            root->op = op_of(ks_xml_attr(o->x, "operator"));
            root->comment = attr(o, "comment");
            {
                const char *neg = ks_xml_attr(o->x, "negate");

                root->negate = neg != NULL && strcmp(neg, "true") == 0;
            }
            d->n_nodes = 1;
            rc = read_criteria(o, d, &cap, 0, 1, err);
        } else
            rc = ks_xml_skip(o->x, err);
        if (rc != KS_OK)
            return rc;
    }
    return rc == KS_ENOTFOUND ? KS_OK : rc;
}

/* ------------------------------------------------------------------------ */
/* Tests, objects, states, variables                                        */

static enum ks_code
put(struct ks_map *m, const char *id, void *v, struct ks_err *err)
{
    if (id == NULL)
        return KS_OK; /* unreferencable: ignore */
    return ks_map_put(m, ks_str_c(id), v, NULL) == KS_OK ? KS_OK : oom(err);
}

static enum ks_code
read_test(struct ks_oval *o, struct ks_err *err)
{
    int depth = ks_xml_depth(o->x);
    struct ks_oval_test *t = ks_arena_calloc(o->a, 1, sizeof(*t));
    enum ks_code rc;
    enum ks_xml_node nt;

    if (t == NULL)
        return oom(err);
    t->id = attr(o, "id");
    t->kind = ks_arena_strdup(o->a, ks_xml_name(o->x));
    t->comment = attr(o, "comment");
    t->check = attr(o, "check");
    if ((rc = put(o->tests, t->id, t, err)) != KS_OK || ks_xml_empty(o->x))
        return rc;
    while ((rc = child(o, depth, &nt, err)) == KS_OK) {
        const char *n = ks_xml_name(o->x);

        if (strcmp(n, "object") == 0)
            t->object_ref = attr(o, "object_ref");
        else if (strcmp(n, "state") == 0 && t->state_ref == NULL)
            t->state_ref = attr(o, "state_ref");
        if ((rc = ks_xml_skip(o->x, err)) != KS_OK)
            return rc;
    }
    return rc == KS_ENOTFOUND ? KS_OK : rc;
}

static enum ks_code
read_object(struct ks_oval *o, struct ks_err *err)
{
    int depth = ks_xml_depth(o->x);
    struct ks_oval_object *ob = ks_arena_calloc(o->a, 1, sizeof(*ob));
    enum ks_code rc;
    enum ks_xml_node t;

    if (ob == NULL)
        return oom(err);
    ob->id = attr(o, "id");
    if ((rc = put(o->objects, ob->id, ob, err)) != KS_OK || ks_xml_empty(o->x))
        return rc;
    while ((rc = child(o, depth, &t, err)) == KS_OK) {
        if (strcmp(ks_xml_name(o->x), "name") == 0) {
            ob->var_ref = attr(o, "var_ref");
            rc = ob->var_ref ? ks_xml_skip(o->x, err) : text(o, &ob->name, err);
        } else {
            rc = ks_xml_skip(o->x, err);
        }
        if (rc != KS_OK)
            return rc;
    }
    return rc == KS_ENOTFOUND ? KS_OK : rc;
}

static enum ks_code
read_state(struct ks_oval *o, struct ks_err *err)
{
    int depth = ks_xml_depth(o->x);
    struct ks_oval_state *s = ks_arena_calloc(o->a, 1, sizeof(*s));
    enum ks_code rc;
    enum ks_xml_node t;

    if (s == NULL)
        return oom(err);
    s->id = attr(o, "id");
    if ((rc = put(o->states, s->id, s, err)) != KS_OK || ks_xml_empty(o->x))
        return rc;
    while ((rc = child(o, depth, &t, err)) == KS_OK) {
        const char *n = ks_xml_name(o->x);

        if (strcmp(n, "evr") == 0) {
            s->evr_op = attr(o, "operation");
            rc = text(o, &s->evr, err);
        } else if (strcmp(n, "version") == 0) {
            s->version_op = attr(o, "operation");
            rc = text(o, &s->version, err);
        } else if (strcmp(n, "arch") == 0) {
            rc = text(o, &s->arch, err);
        } else if (strcmp(n, "signature_keyid") == 0) {
            rc = text(o, &s->sigkey, err);
        } else {
            rc = ks_xml_skip(o->x, err);
        }
        if (rc != KS_OK)
            return rc;
    }
    return rc == KS_ENOTFOUND ? KS_OK : rc;
}

static enum ks_code
read_variable(struct ks_oval *o, struct ks_err *err)
{
    int depth = ks_xml_depth(o->x);
    struct ks_oval_var *v;
    size_t cap = 0;
    enum ks_code rc;
    enum ks_xml_node t;

    if (strcmp(ks_xml_name(o->x), "constant_variable") != 0)
        return ks_xml_skip(o->x, err); /* local_variable (kernel regexes): not names */
    v = ks_arena_calloc(o->a, 1, sizeof(*v));
    if (v == NULL)
        return oom(err);
    v->id = attr(o, "id");
    if ((rc = put(o->vars, v->id, v, err)) != KS_OK || ks_xml_empty(o->x))
        return rc;
    while ((rc = child(o, depth, &t, err)) == KS_OK) {
        if (strcmp(ks_xml_name(o->x), "value") == 0) {
            v->values = grow(o->a, v->values, &cap, v->n_values, sizeof(*v->values));
            if (v->values == NULL)
                return oom(err);
            if ((rc = text(o, &v->values[v->n_values], err)) != KS_OK)
                return rc;
            if (v->values[v->n_values] != NULL)
                v->n_values++;
        } else if ((rc = ks_xml_skip(o->x, err)) != KS_OK) {
            return rc;
        }
    }
    return rc == KS_ENOTFOUND ? KS_OK : rc;
}

/* Every child element of a section, read with fn. */
static enum ks_code
section(struct ks_oval *o, enum ks_code (*fn)(struct ks_oval *, struct ks_err *),
        struct ks_err *err)
{
    int depth = ks_xml_depth(o->x);
    enum ks_code rc;
    enum ks_xml_node t;

    if (ks_xml_empty(o->x))
        return KS_OK;
    while ((rc = child(o, depth, &t, err)) == KS_OK)
        if ((rc = fn(o, err)) != KS_OK)
            return rc;
    return rc == KS_ENOTFOUND ? KS_OK : rc;
}

static enum ks_code
def_or_skip(struct ks_oval *o, struct ks_err *err)
{
    if (strcmp(ks_xml_name(o->x), "definition") == 0)
        return read_definition(o, err);
    return ks_xml_skip(o->x, err);
}

static enum ks_code
read_generator(struct ks_oval *o, struct ks_err *err)
{
    int depth = ks_xml_depth(o->x);
    enum ks_code rc;
    enum ks_xml_node t;

    if (ks_xml_empty(o->x))
        return KS_OK;
    while ((rc = child(o, depth, &t, err)) == KS_OK) {
        const char *n = ks_xml_name(o->x);

        if (strcmp(n, "product_name") == 0)
            rc = text(o, &o->product, err);
        else if (strcmp(n, "timestamp") == 0)
            rc = text(o, &o->timestamp, err);
        else
            rc = ks_xml_skip(o->x, err);
        if (rc != KS_OK)
            return rc;
    }
    return rc == KS_ENOTFOUND ? KS_OK : rc;
}

enum ks_code
ks_oval_read(struct ks_vdb_stream *in, struct ks_oval **out, struct ks_err *err)
{
    struct ks_oval *o = ks_calloc(1, sizeof(*o));
    enum ks_code rc;
    bool root = false;

    if (o == NULL)
        return oom(err);
    o->in = in;
    ks_vec_init(&o->defs, sizeof(struct ks_oval_def));
    o->a = ks_arena_new(1 << 20);
    o->tests = ks_map_new();
    o->objects = ks_map_new();
    o->states = ks_map_new();
    o->vars = ks_map_new();
    if (o->a == NULL || o->tests == NULL || o->objects == NULL || o->states == NULL ||
        o->vars == NULL) {
        rc = oom(err);
        goto fail;
    }
    if ((rc = ks_xml_open(in, &o->x, err)) != KS_OK)
        goto fail;
    for (;;) {
        enum ks_xml_node t;
        const char *n;

        rc = ks_xml_next(o->x, &t, err);
        if (rc == KS_ENOTFOUND) {
            rc = root ? KS_OK
                      : ks_err_set(err, KS_EPARSE, "%s: not an OVAL document", in->name);
            break;
        }
        if (rc != KS_OK)
            break;
        if (t != KS_XML_START)
            continue;
        n = ks_xml_name(o->x);
        if (ks_xml_depth(o->x) == 0) {
            if (strcmp(n, "oval_definitions") != 0) {
                rc = ks_err_set(err, KS_EPARSE, "%s: root element is <%s>, not <oval_definitions>",
                                in->name, n);
                break;
            }
            root = true;
            continue;
        }
        if (ks_xml_depth(o->x) != 1) {
            rc = ks_xml_skip(o->x, err);
        } else if (strcmp(n, "generator") == 0) {
            rc = read_generator(o, err);
        } else if (strcmp(n, "definitions") == 0) {
            rc = section(o, def_or_skip, err);
        } else if (strcmp(n, "tests") == 0) {
            rc = section(o, read_test, err);
        } else if (strcmp(n, "objects") == 0) {
            rc = section(o, read_object, err);
        } else if (strcmp(n, "states") == 0) {
            rc = section(o, read_state, err);
        } else if (strcmp(n, "variables") == 0) {
            rc = section(o, read_variable, err);
        } else {
            rc = ks_xml_skip(o->x, err);
        }
        if (rc != KS_OK)
            break;
    }
    ks_xml_free(o->x);
    o->x = NULL;
    if (rc != KS_OK)
        goto fail;
    *out = o;
    return KS_OK;
fail:
    ks_oval_free(o);
    return rc;
}

void
ks_oval_free(struct ks_oval *o)
{
    if (o == NULL)
        return;
    ks_xml_free(o->x);
    ks_vec_release(&o->defs);
    ks_map_free(o->tests);
    ks_map_free(o->objects);
    ks_map_free(o->states);
    ks_map_free(o->vars);
    ks_arena_free(o->a);
    ks_free(o);
}

size_t
ks_oval_count(const struct ks_oval *o)
{
    return o->defs.len;
}

const struct ks_oval_def *
ks_oval_def(const struct ks_oval *o, size_t i)
{
    return ks_vec_at(&o->defs, i);
}

const char *
ks_oval_product(const struct ks_oval *o)
{
    return o->product;
}

const char *
ks_oval_timestamp(const struct ks_oval *o)
{
    return o->timestamp;
}

const struct ks_oval_test *
ks_oval_test(const struct ks_oval *o, const char *id)
{
    return id ? ks_map_get(o->tests, ks_str_c(id)) : NULL;
}

const struct ks_oval_state *
ks_oval_state_of(const struct ks_oval *o, const struct ks_oval_test *t)
{
    return t && t->state_ref ? ks_map_get(o->states, ks_str_c(t->state_ref)) : NULL;
}

size_t
ks_oval_names(const struct ks_oval *o, const struct ks_oval_test *t, const char *const **names)
{
    const struct ks_oval_object *ob;
    const struct ks_oval_var *v;

    *names = NULL;
    if (t == NULL || t->object_ref == NULL ||
        (ob = ks_map_get(o->objects, ks_str_c(t->object_ref))) == NULL)
        return 0;
    if (ob->name != NULL) {
        *names = &ob->name;
        return 1;
    }
    if (ob->var_ref != NULL && (v = ks_map_get(o->vars, ks_str_c(ob->var_ref))) != NULL) {
        *names = v->values;
        return v->n_values;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Walking criteria                                                         */

static void
walk(const struct ks_oval_def *d, int node, const char **ctx, size_t n_ctx,
     ks_oval_walk_fn fn, void *arg, int level)
{
    const struct ks_oval_node *me = &d->nodes[node];
    const char *local[16];
    size_t n = n_ctx;

    if (level > MAX_DEPTH)
        return;
    if (me->kind != KS_OVAL_CRITERIA) {
        fn(arg, d, me, ctx, n_ctx);
        return;
    }
    /* An AND's direct criteria (release, module, signature) qualify the rest. */
    if (n_ctx > 0)
        memcpy(local, ctx, KS_MIN(n_ctx, KS_ARRAY_LEN(local)) * sizeof(*local));
    if (me->op == KS_OVAL_AND) {
        for (int i = me->first_child; i >= 0; i = d->nodes[i].next_sibling)
            if (d->nodes[i].kind == KS_OVAL_CRITERION && d->nodes[i].comment != NULL &&
                n < KS_ARRAY_LEN(local))
                local[n++] = d->nodes[i].comment;
    }
    for (int i = me->first_child; i >= 0; i = d->nodes[i].next_sibling)
        walk(d, i, local, n, fn, arg, level + 1);
}

void
ks_oval_walk(const struct ks_oval_def *d, ks_oval_walk_fn fn, void *arg)
{
    if (d->n_nodes > 0)
        walk(d, 0, NULL, 0, fn, arg, 0);
}
