/*
 * suppress.c: what marks a finding SUPPRESSED in a CLI scan: --ignore-file
 * rules (YAML: vulnerability id, package name or purl, path glob, an `until`
 * date, a reason) and --vex statements (OpenVEX, CycloneDX VEX) saying a
 * product is not_affected or fixed. Suppressed findings stay in the output.
 */
#include "scan/scan_int.h"

#include <fnmatch.h>
#include <string.h>

#include <yaml.h>

#include "base/banned.h"

#define MAX_SUPPRESS_FILE ((size_t)16 << 20)
#define MAX_RULES         100000
#define MAX_YAML_DEPTH    64

static enum ks_code
push_rule(struct ks_suppressions *list, struct ks_arena *a, struct ks_suppression **out,
          const char *file, struct ks_err *err)
{
    if (list->n >= MAX_RULES)
        return ks_err_set(err, KS_ETOOBIG, "'%s': more than %d rules", file, MAX_RULES);
    if (list->n == list->cap) {
        size_t ncap = list->cap ? list->cap * 2 : 16;
        struct ks_suppression *ni = ks_arena_calloc(a, ncap, sizeof(*ni));

        if (ni == NULL)
            return ks_err_set(err, KS_ENOMEM, "out of memory");
        if (list->n > 0)
            memcpy(ni, list->items, list->n * sizeof(*ni));
        list->items = ni;
        list->cap = ncap;
    }
    *out = &list->items[list->n++];
    memset(*out, 0, sizeof(**out));
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* Ignore file (YAML).                                                      */

/*
 * The document is either a list of rules or a mapping with an `ignore` (or
 * `rules`) list. A rule is a mapping of scalars:
 *   id | vulnerability   CVE-2023-1234, GHSA-…  (the finding's id or a related id)
 *   package | purl       openssl, or pkg:deb/debian/openssl@3.0.11-1
 *   path                 glob over the vulnerable package's file path
 *   until | expires      YYYY-MM-DD (the rule stops suppressing after that day)
 *   reason               shown on the finding
 */
struct yctx {
    yaml_parser_t parser;
    const char *file;
    struct ks_arena *a;
};

static enum ks_code
ynext(struct yctx *y, yaml_event_t *ev, struct ks_err *err)
{
    if (!yaml_parser_parse(&y->parser, ev))
        return ks_err_set(err, KS_EPARSE, "%s:%zu:%zu: invalid YAML: %s", y->file,
                          y->parser.problem_mark.line + 1, y->parser.problem_mark.column + 1,
                          y->parser.problem ? y->parser.problem : "syntax error");
    return KS_OK;
}

/* Skip the node whose first event is ev (already taken). */
static enum ks_code
yskip(struct yctx *y, yaml_event_t *ev, struct ks_err *err)
{
    int depth = 0;
    enum ks_code rc = KS_OK;

    for (;;) {
        yaml_event_type_t t = ev->type;

        if (t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT)
            depth++;
        else if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT)
            depth--;
        if (depth > MAX_YAML_DEPTH)
            return ks_err_set(err, KS_ETOOBIG, "%s: YAML nested deeper than %d", y->file,
                              MAX_YAML_DEPTH);
        yaml_event_delete(ev);
        if (depth <= 0)
            return KS_OK;
        if ((rc = ynext(y, ev, err)) != KS_OK)
            return rc;
    }
}

static const char *
yscalar(struct yctx *y, const yaml_event_t *ev)
{
    return ks_arena_strndup(y->a, (const char *)ev->data.scalar.value, ev->data.scalar.length);
}

static enum ks_code
parse_date(const char *file, size_t line, const char *s, time_t *out, struct ks_err *err)
{
    time_t t;

    if (ks_time_parse(ks_str_c(s), &t) != KS_OK)
        return ks_err_set(err, KS_EPARSE, "%s:%zu: 'until' is not a date: '%s'", file, line, s);
    /* A bare date means the whole day. */
    *out = strlen(s) == 10 ? t + 86400 - 1 : t;
    return KS_OK;
}

static enum ks_code
parse_rule(struct yctx *y, struct ks_suppressions *list, struct ks_err *err)
{
    struct ks_suppression *r;
    size_t line = y->parser.mark.line + 1;
    enum ks_code rc = push_rule(list, y->a, &r, y->file, err);

    if (rc != KS_OK)
        return rc;
    r->source = "ignore-file";
    r->file = y->file;
    for (;;) {
        yaml_event_t k, v;
        const char *key, *val;

        if ((rc = ynext(y, &k, err)) != KS_OK)
            return rc;
        if (k.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&k);
            break;
        }
        if (k.type != YAML_SCALAR_EVENT) {
            yaml_event_delete(&k);
            return ks_err_set(err, KS_EPARSE, "%s:%zu: a rule's keys must be plain words",
                              y->file, line);
        }
        key = yscalar(y, &k);
        yaml_event_delete(&k);
        if ((rc = ynext(y, &v, err)) != KS_OK)
            return rc;
        if (v.type != YAML_SCALAR_EVENT) {
            rc = yskip(y, &v, err);
            if (rc != KS_OK)
                return rc;
            return ks_err_set(err, KS_EPARSE, "%s:%zu: rule field '%s' must be a single value",
                              y->file, line, key ? key : "?");
        }
        val = yscalar(y, &v);
        yaml_event_delete(&v);
        if (key == NULL || val == NULL)
            return ks_err_set(err, KS_ENOMEM, "out of memory");
        if (strcmp(key, "id") == 0 || strcmp(key, "vulnerability") == 0)
            r->vuln_id = val;
        else if (strcmp(key, "package") == 0 || strcmp(key, "purl") == 0)
            r->package = val;
        else if (strcmp(key, "path") == 0)
            r->path = val;
        else if (strcmp(key, "until") == 0 || strcmp(key, "expires") == 0) {
            if ((rc = parse_date(y->file, line, val, &r->until, err)) != KS_OK)
                return rc;
        } else if (strcmp(key, "reason") == 0 || strcmp(key, "statement") == 0)
            r->reason = val;
        else
            return ks_err_set(err, KS_EPARSE,
                              "%s:%zu: unknown rule field '%s' (id, package, path, until, reason)",
                              y->file, line, key);
    }
    if (r->vuln_id == NULL && r->package == NULL && r->path == NULL)
        return ks_err_set(err, KS_EPARSE,
                          "%s:%zu: a rule needs at least one of id, package or path", y->file,
                          line);
    return KS_OK;
}

static enum ks_code
parse_rule_list(struct yctx *y, struct ks_suppressions *list, struct ks_err *err)
{
    enum ks_code rc;

    for (;;) {
        yaml_event_t ev;

        if ((rc = ynext(y, &ev, err)) != KS_OK)
            return rc;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return KS_OK;
        }
        if (ev.type != YAML_MAPPING_START_EVENT) {
            size_t line = ev.start_mark.line + 1;

            yaml_event_delete(&ev);
            return ks_err_set(err, KS_EPARSE, "%s:%zu: each rule must be a mapping", y->file,
                              line);
        }
        yaml_event_delete(&ev);
        if ((rc = parse_rule(y, list, err)) != KS_OK)
            return rc;
    }
}

enum ks_code
ks_suppress_load_ignore(const char *path, struct ks_arena *arena, struct ks_suppressions *list,
                        struct ks_err *err)
{
    struct ks_buf buf = KS_BUF_INIT(MAX_SUPPRESS_FILE);
    struct yctx y;
    enum ks_code rc;
    bool parser_ready = false;
    const char *file = ks_arena_strdup(arena, path);

    if (file == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    if ((rc = ks_file_read(path, MAX_SUPPRESS_FILE, &buf, err)) != KS_OK)
        goto out;
    memset(&y, 0, sizeof(y));
    y.file = file;
    y.a = arena;
    if (!yaml_parser_initialize(&y.parser)) {
        rc = ks_err_set(err, KS_ENOMEM, "out of memory");
        goto out;
    }
    parser_ready = true;
    yaml_parser_set_input_string(&y.parser, (const unsigned char *)buf.data, buf.len);
    for (;;) {
        yaml_event_t ev;

        if ((rc = ynext(&y, &ev, err)) != KS_OK)
            goto out;
        if (ev.type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (ev.type == YAML_SEQUENCE_START_EVENT) {
            yaml_event_delete(&ev);
            if ((rc = parse_rule_list(&y, list, err)) != KS_OK)
                goto out;
        } else if (ev.type == YAML_MAPPING_START_EVENT) {
            yaml_event_delete(&ev);
            for (;;) {
                yaml_event_t k, v;
                bool rules;

                if ((rc = ynext(&y, &k, err)) != KS_OK)
                    goto out;
                if (k.type == YAML_MAPPING_END_EVENT) {
                    yaml_event_delete(&k);
                    break;
                }
                rules = k.type == YAML_SCALAR_EVENT &&
                        (strcmp((const char *)k.data.scalar.value, "ignore") == 0 ||
                         strcmp((const char *)k.data.scalar.value, "rules") == 0);
                yaml_event_delete(&k);
                if ((rc = ynext(&y, &v, err)) != KS_OK)
                    goto out;
                if (rules && v.type == YAML_SEQUENCE_START_EVENT) {
                    yaml_event_delete(&v);
                    if ((rc = parse_rule_list(&y, list, err)) != KS_OK)
                        goto out;
                } else if (rules && v.type == YAML_SCALAR_EVENT &&
                           v.data.scalar.length == 0) {
                    yaml_event_delete(&v); /* "ignore:" with nothing under it */
                } else if (rules) {
                    size_t line = v.start_mark.line + 1;

                    yaml_event_delete(&v);
                    rc = ks_err_set(err, KS_EPARSE, "%s:%zu: 'ignore' must be a list of rules",
                                    file, line);
                    goto out;
                } else if ((rc = yskip(&y, &v, err)) != KS_OK) {
                    goto out;
                }
            }
        } else if (ev.type == YAML_SCALAR_EVENT && ev.data.scalar.length == 0) {
            yaml_event_delete(&ev); /* an empty document */
        } else if (ev.type == YAML_SCALAR_EVENT) {
            size_t line = ev.start_mark.line + 1;

            yaml_event_delete(&ev);
            rc = ks_err_set(err, KS_EPARSE, "%s:%zu: expected a list of rules", file, line);
            goto out;
        } else {
            yaml_event_delete(&ev);
        }
    }
    rc = KS_OK;
out:
    if (parser_ready)
        yaml_parser_delete(&y.parser);
    ks_buf_release(&buf);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* VEX (OpenVEX 0.2, CycloneDX 1.4+ vulnerabilities[].analysis).            */

static bool
vex_suppresses(const char *status)
{
    return status != NULL &&
           (strcmp(status, "not_affected") == 0 || strcmp(status, "fixed") == 0 ||
            strcmp(status, "resolved") == 0 || strcmp(status, "false_positive") == 0 ||
            strcmp(status, "resolved_with_pedigree") == 0);
}

static enum ks_code
add_vex(struct ks_suppressions *list, struct ks_arena *a, const char *file, const char *vuln,
        const char *product, const char *status, const char *reason, struct ks_err *err)
{
    struct ks_suppression *r;
    enum ks_code rc = push_rule(list, a, &r, file, err);

    if (rc != KS_OK)
        return rc;
    r->source = "vex";
    r->file = file;
    r->vuln_id = ks_arena_strdup(a, vuln);
    r->package = product ? ks_arena_strdup(a, product) : NULL;
    r->status = ks_arena_strdup(a, status);
    r->reason = reason ? ks_arena_strdup(a, reason) : NULL;
    if (r->vuln_id == NULL || r->status == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    return KS_OK;
}

static const char *
openvex_vuln(const json_t *st)
{
    const json_t *v = json_object_get(st, "vulnerability");

    if (json_is_string(v))
        return json_string_value(v); /* OpenVEX 0.0.x wrote a plain string */
    if (json_is_object(v))
        return ks_json_str(v, "name") ? ks_json_str(v, "name") : ks_json_str(v, "@id");
    return NULL;
}

static const char *
openvex_product(const json_t *p)
{
    const json_t *ids;

    if (json_is_string(p))
        return json_string_value(p);
    ids = ks_json_obj(p, "identifiers");
    if (ids != NULL && ks_json_str(ids, "purl") != NULL)
        return ks_json_str(ids, "purl");
    return ks_json_str(p, "@id");
}

static enum ks_code
load_openvex(const json_t *doc, const char *file, struct ks_arena *a,
             struct ks_suppressions *list, struct ks_err *err)
{
    const json_t *sts = ks_json_arr(doc, "statements");
    size_t i;
    json_t *st;
    enum ks_code rc;

    if (sts == NULL)
        return ks_err_set(err, KS_EPARSE, "%s: OpenVEX document without 'statements'", file);
    json_array_foreach(sts, i, st) {
        const char *vuln = openvex_vuln(st), *status = ks_json_str(st, "status");
        const char *reason = ks_json_str(st, "justification");
        const json_t *products = ks_json_arr(st, "products");
        size_t k;
        json_t *p;

        if (ks_json_str(st, "impact_statement") != NULL)
            reason = ks_json_str(st, "impact_statement");
        if (vuln == NULL || status == NULL)
            return ks_err_set(err, KS_EPARSE, "%s: statements[%zu]: missing vulnerability or status",
                              file, i);
        if (!vex_suppresses(status))
            continue;
        if (products == NULL || json_array_size(products) == 0) {
            if ((rc = add_vex(list, a, file, vuln, NULL, status, reason, err)) != KS_OK)
                return rc;
            continue;
        }
        json_array_foreach(products, k, p) {
            if ((rc = add_vex(list, a, file, vuln, openvex_product(p), status, reason, err)) !=
                KS_OK)
                return rc;
        }
    }
    return KS_OK;
}

/* A CycloneDX affects[].ref names a component by bom-ref (or is a purl). */
static const char *
cdx_ref_purl(const json_t *doc, const char *ref)
{
    const json_t *comps = ks_json_arr(doc, "components");
    size_t i;
    json_t *c;

    if (ref == NULL || strncmp(ref, "pkg:", 4) == 0)
        return ref;
    json_array_foreach(comps, i, c) {
        const char *br = ks_json_str(c, "bom-ref");

        if (br != NULL && strcmp(br, ref) == 0)
            return ks_json_str(c, "purl") ? ks_json_str(c, "purl") : ks_json_str(c, "name");
    }
    return ref;
}

static enum ks_code
load_cdx(const json_t *doc, const char *file, struct ks_arena *a, struct ks_suppressions *list,
         struct ks_err *err)
{
    const json_t *vulns = ks_json_arr(doc, "vulnerabilities");
    size_t i;
    json_t *v;
    enum ks_code rc;

    json_array_foreach(vulns, i, v) {
        const char *id = ks_json_str(v, "id");
        const json_t *an = ks_json_obj(v, "analysis");
        const char *state = ks_json_str(an, "state");
        const char *reason = ks_json_str(an, "detail") ? ks_json_str(an, "detail")
                                                       : ks_json_str(an, "justification");
        const json_t *affects = ks_json_arr(v, "affects");
        size_t k;
        json_t *af;

        if (id == NULL)
            return ks_err_set(err, KS_EPARSE, "%s: vulnerabilities[%zu]: missing 'id'", file, i);
        if (!vex_suppresses(state))
            continue;
        if (affects == NULL || json_array_size(affects) == 0) {
            if ((rc = add_vex(list, a, file, id, NULL, state, reason, err)) != KS_OK)
                return rc;
            continue;
        }
        json_array_foreach(affects, k, af) {
            const char *purl = cdx_ref_purl(doc, ks_json_str(af, "ref"));

            if ((rc = add_vex(list, a, file, id, purl, state, reason, err)) != KS_OK)
                return rc;
        }
    }
    return KS_OK;
}

enum ks_code
ks_suppress_load_vex(const char *path, struct ks_arena *arena, struct ks_suppressions *list,
                     struct ks_err *err)
{
    struct ks_buf buf = KS_BUF_INIT(MAX_SUPPRESS_FILE);
    json_t *doc = NULL;
    const char *file = ks_arena_strdup(arena, path);
    enum ks_code rc;

    if (file == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    if ((rc = ks_file_read(path, MAX_SUPPRESS_FILE, &buf, err)) != KS_OK ||
        (rc = ks_json_parse(buf.data, buf.len, path, &doc, err)) != KS_OK)
        goto out;
    if (ks_json_arr(doc, "statements") != NULL ||
        (ks_json_str(doc, "@context") != NULL &&
         strstr(ks_json_str(doc, "@context"), "openvex") != NULL))
        rc = load_openvex(doc, file, arena, list, err);
    else if (ks_json_str(doc, "bomFormat") != NULL &&
             strcmp(ks_json_str(doc, "bomFormat"), "CycloneDX") == 0)
        rc = load_cdx(doc, file, arena, list, err);
    else
        rc = ks_err_set(err, KS_EPARSE,
                        "%s: not a VEX document (expected OpenVEX 'statements' or a CycloneDX "
                        "BOM with 'vulnerabilities')",
                        path);
out:
    json_decref(doc);
    ks_buf_release(&buf);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Matching rules to findings.                                              */

static bool
id_matches(const char *want, const struct ks_match_group *g)
{
    if (want == NULL)
        return true;
    if (strcmp(want, g->vuln_id) == 0)
        return true;
    for (size_t i = 0; i < g->n_related; i++)
        if (strcmp(want, g->related[i]) == 0)
            return true;
    return false;
}

/* A purl rule matches a package of the same type, namespace and name, and  */
/* version when the rule gives one; qualifiers are not compared.             */
static bool
purl_matches(const char *rule, const struct ks_pkg *p)
{
    struct ks_arena *a = ks_arena_new(4096);
    struct ks_purl r, q;
    bool ok = false;

    if (a == NULL || p->purl == NULL)
        goto out;
    if (ks_purl_parse(ks_str_c(rule), a, &r, NULL) != KS_OK ||
        ks_purl_parse(ks_str_c(p->purl), a, &q, NULL) != KS_OK)
        goto out;
    ok = strcmp(r.type, q.type) == 0 && strcmp(r.name, q.name) == 0 &&
         ((r.namespace == NULL && q.namespace == NULL) ||
          (r.namespace != NULL && q.namespace != NULL && strcmp(r.namespace, q.namespace) == 0)) &&
         (r.version == NULL || (q.version != NULL && strcmp(r.version, q.version) == 0));
out:
    ks_arena_free(a);
    return ok;
}

static bool
pkg_matches(const struct ks_suppression *r, const struct ks_pkg *p)
{
    if (r->package != NULL) {
        if (strncmp(r->package, "pkg:", 4) == 0) {
            if (!purl_matches(r->package, p))
                return false;
        } else if (strcmp(r->package, p->name) != 0 &&
                   (p->source_name == NULL || strcmp(r->package, p->source_name) != 0)) {
            return false;
        }
    }
    if (r->path != NULL) {
        char full[KS_FS_MAX_PATH + 2];

        if (p->path == NULL)
            return false;
        snprintf(full, sizeof(full), "/%s", p->path);
        if (fnmatch(r->path, full, 0) != 0 && fnmatch(r->path, p->path, 0) != 0)
            return false;
    }
    return true;
}

const struct ks_suppression *
ks_suppress_find(const struct ks_suppressions *list, time_t now, const struct ks_match_group *g)
{
    for (size_t i = 0; i < list->n; i++) {
        const struct ks_suppression *r = &list->items[i];
        bool any = r->package == NULL && r->path == NULL;

        if (r->until != 0 && now > r->until)
            continue; /* expired: stops suppressing */
        if (!id_matches(r->vuln_id, g))
            continue;
        for (size_t k = 0; k < g->n_pkgs && !any; k++)
            any = pkg_matches(r, g->pkgs[k].pkg);
        if (any)
            return r;
    }
    return NULL;
}
