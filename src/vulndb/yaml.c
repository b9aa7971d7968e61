/*
 * yaml.c: one YAML document (OSV records as pypa/advisory-database writes
 * them) into a jansson value, through libyaml's event parser. Plain scalars
 * stay strings so that versions such as 1.10 or 2.0 are not turned into
 * numbers; only null/~/empty and true/false get their JSON types. Aliases
 * are rejected (no billion laughs), keys must be scalars and unique, and
 * depth and node count are limited.
 */
#include "vulndb/vulndb_int.h"

#include <string.h>

#include <jansson.h>
#include <yaml.h>

#include "base/banned.h"

#define YAML_MAX_DEPTH 64
#define YAML_MAX_NODES 1000000

struct frame {
    json_t *node;
    json_t *key; /* pending key of a mapping (string), or NULL */
};

static json_t *
scalar_value(const yaml_event_t *ev)
{
    const char *v = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;

    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
        if (n == 0 || (n == 1 && v[0] == '~') || (n == 4 && (memcmp(v, "null", 4) == 0 ||
                                                            memcmp(v, "Null", 4) == 0 ||
                                                            memcmp(v, "NULL", 4) == 0)))
            return json_null();
        if (n == 4 && (memcmp(v, "true", 4) == 0 || memcmp(v, "True", 4) == 0))
            return json_true();
        if (n == 5 && (memcmp(v, "false", 5) == 0 || memcmp(v, "False", 5) == 0))
            return json_false();
    }
    return json_stringn(v, n);
}

enum ks_code
ks_vdb_yaml_to_json(const char *data, size_t len, const char *source, json_t **out,
                    struct ks_err *err)
{
    yaml_parser_t parser;
    yaml_event_t ev;
    struct frame stack[YAML_MAX_DEPTH + 1];
    size_t depth = 0, nodes = 0;
    json_t *root = NULL;
    enum ks_code rc = KS_EINTERNAL;
    bool done = false, docs = false;

    memset(stack, 0, sizeof(stack));
    if (!yaml_parser_initialize(&parser))
        return ks_err_set(err, KS_ENOMEM, "%s: cannot initialise the YAML parser", source);
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    while (!done) {
        json_t *value = NULL;

        if (!yaml_parser_parse(&parser, &ev)) {
            rc = ks_err_set(err, parser.error == YAML_MEMORY_ERROR ? KS_ENOMEM : KS_EPARSE,
                            "%s:%zu:%zu: invalid YAML: %s", source, parser.problem_mark.line + 1,
                            parser.problem_mark.column + 1,
                            parser.problem ? parser.problem : "error");
            goto out;
        }
        switch (ev.type) {
        case YAML_STREAM_END_EVENT:
            done = true;
            break;
        case YAML_DOCUMENT_START_EVENT:
            if (docs) {
                rc = ks_err_set(err, KS_EPARSE, "%s:%zu: more than one YAML document", source,
                                ev.start_mark.line + 1);
                yaml_event_delete(&ev);
                goto out;
            }
            docs = true;
            break;
        case YAML_ALIAS_EVENT:
            rc = ks_err_set(err, KS_EPARSE, "%s:%zu: YAML aliases are not accepted", source,
                            ev.start_mark.line + 1);
            yaml_event_delete(&ev);
            goto out;
        case YAML_SCALAR_EVENT:
            value = scalar_value(&ev);
            break;
        case YAML_SEQUENCE_START_EVENT:
            value = json_array();
            break;
        case YAML_MAPPING_START_EVENT:
            value = json_object();
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT:
            if (depth == 0) {
                rc = ks_err_set(err, KS_EINTERNAL, "%s: unbalanced YAML events", source);
                yaml_event_delete(&ev);
                goto out;
            }
            json_decref(stack[depth].key);
            stack[depth].key = NULL;
            depth--;
            break;
        default:
            break;
        }
        if (value == NULL &&
            (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_SEQUENCE_START_EVENT ||
             ev.type == YAML_MAPPING_START_EVENT)) {
            rc = ks_err_set(err, ev.type == YAML_SCALAR_EVENT ? KS_EPARSE : KS_ENOMEM,
                            "%s:%zu: %s", source, ev.start_mark.line + 1,
                            ev.type == YAML_SCALAR_EVENT ? "invalid UTF-8 or NUL in a scalar"
                                                         : "out of memory");
            yaml_event_delete(&ev);
            goto out;
        }
        if (value != NULL) {
            size_t line = ev.start_mark.line + 1;
            bool container = json_is_object(value) || json_is_array(value);

            if (++nodes > YAML_MAX_NODES) {
                json_decref(value);
                rc = ks_err_set(err, KS_ETOOBIG, "%s: more than %d YAML nodes", source,
                                YAML_MAX_NODES);
                yaml_event_delete(&ev);
                goto out;
            }
            if (depth == 0) {
                if (root != NULL) {
                    json_decref(value);
                    rc = ks_err_set(err, KS_EPARSE, "%s:%zu: more than one root", source, line);
                    yaml_event_delete(&ev);
                    goto out;
                }
                root = json_incref(value);
            } else {
                struct frame *f = &stack[depth];

                if (json_is_array(f->node)) {
                    if (json_array_append(f->node, value) != 0)
                        rc = KS_ENOMEM;
                } else if (f->key == NULL) {
                    if (!json_is_string(value)) {
                        json_decref(value);
                        rc = ks_err_set(err, KS_EPARSE, "%s:%zu: a mapping key must be a string",
                                        source, line);
                        yaml_event_delete(&ev);
                        goto out;
                    }
                    f->key = json_incref(value);
                } else {
                    const char *k = json_string_value(f->key);

                    if (json_object_get(f->node, k) != NULL) {
                        json_decref(value);
                        rc = ks_err_set(err, KS_EPARSE, "%s:%zu: duplicate key '%s'", source,
                                        line, k);
                        yaml_event_delete(&ev);
                        goto out;
                    }
                    if (json_object_set(f->node, k, value) != 0)
                        rc = KS_ENOMEM;
                    json_decref(f->key);
                    f->key = NULL;
                }
                if (rc == KS_ENOMEM) {
                    json_decref(value);
                    rc = ks_err_set(err, KS_ENOMEM, "%s: out of memory", source);
                    yaml_event_delete(&ev);
                    goto out;
                }
            }
            if (container) {
                if (depth >= YAML_MAX_DEPTH) {
                    json_decref(value);
                    rc = ks_err_set(err, KS_ETOOBIG, "%s:%zu: nesting deeper than %d", source,
                                    line, YAML_MAX_DEPTH);
                    yaml_event_delete(&ev);
                    goto out;
                }
                depth++;
                stack[depth].node = value; /* borrowed: its parent (or root) holds it */
                stack[depth].key = NULL;
            }
            json_decref(value);
        }
        yaml_event_delete(&ev);
    }
    if (root == NULL) {
        rc = ks_err_set(err, KS_EPARSE, "%s: empty YAML document", source);
        goto out;
    }
    *out = root;
    root = NULL;
    rc = KS_OK;
out:
    for (size_t i = 0; i <= YAML_MAX_DEPTH; i++)
        json_decref(stack[i].key);
    json_decref(root);
    yaml_parser_delete(&parser);
    return rc;
}
