/*
 * yaml.c: YAML into jansson trees through libyaml's event parser, for
 * lockfiles written in YAML (pnpm-lock.yaml, yarn berry's yarn.lock). Every
 * scalar stays a string (no implicit typing: "1.10" must not become 1.1),
 * plain null/~ become json null. Aliases share the anchored node (no copy),
 * but every expansion is counted, so a billion-laughs document stops at
 * KS_YAML_MAX_NODES instead of making consumers walk 10^9 nodes.
 */
#include "base/base.h"

#include <string.h>

#include <jansson.h>
#include <yaml.h>

#include "base/banned.h"

struct frame {
    json_t *node;
    char *key;         /* pending mapping key (NULL when the next scalar is a key) */
    char *anchor;      /* anchor to register when the node completes */
    uint64_t weight;   /* nodes inside, aliases expanded */
};

struct yp {
    const char *src;
    struct ks_err *err;
    struct ks_map *anchors; /* name -> json_t* (borrowed from the tree) */
    struct ks_map *weights; /* name -> weight (uintptr) */
    struct frame stack[KS_YAML_MAX_DEPTH + 1];
    size_t depth;
    uint64_t nodes;
    json_t *docs;
    json_t *doc;
};

static enum ks_code
yfail(struct yp *y, enum ks_code code, const yaml_mark_t *m, const char *fmt, ...)
    KS_PRINTF(4, 5);

static enum ks_code
yfail(struct yp *y, enum ks_code code, const yaml_mark_t *m, const char *fmt, ...)
{
    char msg[300];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return ks_err_set(y->err, code, "%s:%zu:%zu: %s YAML: %s", y->src, m ? m->line + 1 : 0,
                      m ? m->column + 1 : 0, code == KS_ENOMEM ? "out of memory in" : "invalid",
                      msg);
}

static void
anchors_free(struct yp *y)
{
    size_t pos = 0;
    struct ks_str k;
    void *v;

    if (y->anchors != NULL) {
        while (ks_map_next(y->anchors, &pos, &k, &v))
            json_decref(v);
    }
    ks_map_free(y->anchors);
    ks_map_free(y->weights);
    y->anchors = y->weights = NULL;
}

static bool
plain_null(const yaml_event_t *e)
{
    const char *v = (const char *)e->data.scalar.value;
    size_t n = e->data.scalar.length;

    if (e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    return n == 0 || (n == 1 && v[0] == '~') ||
           (n == 4 && (memcmp(v, "null", 4) == 0 || memcmp(v, "Null", 4) == 0 ||
                       memcmp(v, "NULL", 4) == 0));
}

/* Attach a completed node to its parent (or make it the document). Steals v. */
static enum ks_code
attach(struct yp *y, json_t *v, uint64_t weight, const char *anchor, const yaml_mark_t *m)
{
    y->nodes += weight;
    if (y->nodes > KS_YAML_MAX_NODES) {
        json_decref(v);
        return yfail(y, KS_ETOOBIG, m, "more than %d nodes (alias expansion?)",
                     KS_YAML_MAX_NODES);
    }
    if (anchor != NULL) {
        void *old = NULL;

        if (ks_map_put(y->anchors, ks_str_c(anchor), json_incref(v), &old) != KS_OK ||
            ks_map_put(y->weights, ks_str_c(anchor), (void *)(uintptr_t)weight, NULL) != KS_OK) {
            json_decref(v);
            json_decref(v);
            return yfail(y, KS_ENOMEM, m, "out of memory");
        }
        json_decref(old); /* a redefined anchor replaces the earlier one */
    }
    if (y->depth == 0) {
        json_decref(y->doc);
        y->doc = v;
        return KS_OK;
    }
    {
        struct frame *f = &y->stack[y->depth - 1];

        f->weight += weight;
        if (json_is_array(f->node)) {
            if (json_array_append_new(f->node, v) != 0)
                return yfail(y, KS_ENOMEM, m, "out of memory");
            return KS_OK;
        }
        if (f->key == NULL) {
            /* v is a key: only scalars can be keys here */
            if (!json_is_string(v) && !json_is_null(v)) {
                json_decref(v);
                return yfail(y, KS_EUNSUPPORTED, m, "a mapping key that is not a scalar");
            }
            f->key = ks_strdup(json_is_string(v) ? json_string_value(v) : "");
            json_decref(v);
            return f->key ? KS_OK : yfail(y, KS_ENOMEM, m, "out of memory");
        }
        if (json_object_get(f->node, f->key) != NULL) {
            enum ks_code rc = yfail(y, KS_EPARSE, m, "duplicate key '%.100s'", f->key);

            json_decref(v);
            return rc;
        }
        if (json_object_set_new(f->node, f->key, v) != 0)
            return yfail(y, KS_ENOMEM, m, "out of memory");
        ks_free(f->key);
        f->key = NULL;
        return KS_OK;
    }
}

static char *
dup_anchor(const yaml_char_t *a)
{
    return a ? ks_strdup((const char *)a) : NULL;
}

static enum ks_code
on_event(struct yp *y, yaml_event_t *e)
{
    const yaml_mark_t *m = &e->start_mark;

    switch (e->type) {
    case YAML_DOCUMENT_START_EVENT:
        json_decref(y->doc);
        y->doc = NULL;
        return KS_OK;
    case YAML_DOCUMENT_END_EVENT:
        if (json_array_append_new(y->docs, y->doc ? y->doc : json_null()) != 0) {
            y->doc = NULL;
            return yfail(y, KS_ENOMEM, m, "out of memory");
        }
        y->doc = NULL;
        /* anchors do not cross documents */
        anchors_free(y);
        y->anchors = ks_map_new();
        y->weights = ks_map_new();
        y->nodes = 0;
        return y->anchors && y->weights ? KS_OK : yfail(y, KS_ENOMEM, m, "out of memory");
    case YAML_SCALAR_EVENT: {
        json_t *v;
        char *anchor = NULL;
        enum ks_code rc;
        const char *s = (const char *)e->data.scalar.value;

        if (plain_null(e)) {
            v = json_null();
        } else {
            if (memchr(s, '\0', e->data.scalar.length) != NULL)
                return yfail(y, KS_EPARSE, m, "NUL in a scalar");
            v = json_stringn(s, e->data.scalar.length);
            if (v == NULL)
                return yfail(y, KS_EPARSE, m, "scalar is not valid UTF-8");
        }
        if (e->data.scalar.anchor && (anchor = dup_anchor(e->data.scalar.anchor)) == NULL) {
            json_decref(v);
            return yfail(y, KS_ENOMEM, m, "out of memory");
        }
        rc = attach(y, v, 1, anchor, m);
        ks_free(anchor);
        return rc;
    }
    case YAML_ALIAS_EVENT: {
        const char *name = (const char *)e->data.alias.anchor;
        json_t *v = ks_map_get(y->anchors, ks_str_c(name));
        uint64_t w = (uint64_t)(uintptr_t)ks_map_get(y->weights, ks_str_c(name));

        if (v == NULL)
            return yfail(y, KS_EPARSE, m, "alias '*%.100s' names no earlier anchor", name);
        return attach(y, json_incref(v), w ? w : 1, NULL, m);
    }
    case YAML_SEQUENCE_START_EVENT:
    case YAML_MAPPING_START_EVENT: {
        struct frame *f;
        const yaml_char_t *anchor = e->type == YAML_SEQUENCE_START_EVENT
                                        ? e->data.sequence_start.anchor
                                        : e->data.mapping_start.anchor;

        if (y->depth >= KS_YAML_MAX_DEPTH)
            return yfail(y, KS_ETOOBIG, m, "nested deeper than %d", KS_YAML_MAX_DEPTH);
        f = &y->stack[y->depth];
        memset(f, 0, sizeof(*f));
        f->node = e->type == YAML_SEQUENCE_START_EVENT ? json_array() : json_object();
        f->weight = 1;
        if (f->node == NULL || (anchor && (f->anchor = dup_anchor(anchor)) == NULL)) {
            json_decref(f->node);
            f->node = NULL;
            return yfail(y, KS_ENOMEM, m, "out of memory");
        }
        y->depth++;
        return KS_OK;
    }
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: {
        struct frame f;
        enum ks_code rc;

        if (y->depth == 0)
            return yfail(y, KS_EPARSE, m, "unbalanced end of a collection");
        f = y->stack[--y->depth];
        ks_free(f.key); /* a key without value: libyaml reports it as null first */
        rc = attach(y, f.node, f.weight, f.anchor, m);
        ks_free(f.anchor);
        return rc;
    }
    default:
        return KS_OK;
    }
}

enum ks_code
ks_yaml_parse(const void *data, size_t len, const char *source, json_t **out, struct ks_err *err)
{
    yaml_parser_t parser;
    struct yp y;
    enum ks_code rc = KS_EINTERNAL;
    bool done = false;

    memset(&y, 0, sizeof(y));
    y.src = source ? source : "<input>";
    y.err = err;
    if (!yaml_parser_initialize(&parser))
        return ks_err_set(err, KS_ENOMEM, "%s: out of memory starting the YAML parser", y.src);
    yaml_parser_set_input_string(&parser, data ? data : (const void *)"", len);
    y.docs = json_array();
    y.anchors = ks_map_new();
    y.weights = ks_map_new();
    if (y.docs == NULL || y.anchors == NULL || y.weights == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "%s: out of memory", y.src);
        goto out;
    }
    while (!done) {
        yaml_event_t e;

        if (!yaml_parser_parse(&parser, &e)) {
            if (parser.error == YAML_MEMORY_ERROR)
                rc = ks_err_set(err, KS_ENOMEM, "%s: out of memory parsing YAML", y.src);
            else
                rc = ks_err_set(err, KS_EPARSE, "%s:%zu:%zu: invalid YAML: %s", y.src,
                                parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                                parser.problem ? parser.problem : "syntax error");
            goto out;
        }
        done = e.type == YAML_STREAM_END_EVENT;
        rc = on_event(&y, &e);
        yaml_event_delete(&e);
        if (rc != KS_OK)
            goto out;
    }
    *out = y.docs;
    y.docs = NULL;
    rc = KS_OK;
out:
    while (y.depth > 0) {
        struct frame *f = &y.stack[--y.depth];

        json_decref(f->node);
        ks_free(f->key);
        ks_free(f->anchor);
    }
    json_decref(y.doc);
    json_decref(y.docs);
    anchors_free(&y);
    yaml_parser_delete(&parser);
    return rc;
}
