/*
 * json.c: a thin, strict layer over jansson. Untrusted documents are parsed
 * with duplicate keys rejected; jansson itself rejects invalid UTF-8 and
 * \u0000 (no JSON_ALLOW_NUL). Errors name the source and line:column.
 */
#include "base/base.h"

#include <string.h>

#include <jansson.h>

#include "base/banned.h"

/*
 * jansson reports some allocation failures as syntax errors ("invalid
 * token" when a string buffer cannot grow), so the allocator records a
 * failure for ks_json_parse to report as KS_ENOMEM.
 */
static _Thread_local bool json_alloc_failed;

static void *
json_ks_malloc(size_t n)
{
    void *p = ks_malloc(n);

    if (p == NULL)
        json_alloc_failed = true;
    return p;
}

static void
json_ks_free(void *p)
{
    ks_free(p);
}

void
ks_json_use_ks_alloc(void)
{
    json_set_alloc_funcs(json_ks_malloc, json_ks_free);
}

enum ks_code
ks_json_parse(const void *data, size_t len, const char *source, json_t **out, struct ks_err *err)
{
    json_error_t je;
    json_t *root;

    json_alloc_failed = false;
    root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (root == NULL) {
        enum json_error_code jc = json_error_code(&je);
        enum ks_code code = KS_EPARSE;

        if (jc == json_error_out_of_memory || json_alloc_failed)
            code = KS_ENOMEM;
        else if (jc == json_error_stack_overflow)
            code = KS_ETOOBIG;
        return ks_err_set(err, code, "%s:%d:%d: invalid JSON: %s", source ? source : "<input>",
                          je.line, je.column, je.text);
    }
    *out = root;
    return KS_OK;
}

const char *
ks_json_str(const json_t *obj, const char *key)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;

    return json_is_string(v) ? json_string_value(v) : NULL;
}

struct ks_str
ks_json_strv(const json_t *obj, const char *key)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;

    if (!json_is_string(v))
        return KS_STR_NULL;
    return (struct ks_str){json_string_value(v), json_string_length(v)};
}

json_t *
ks_json_obj(const json_t *obj, const char *key)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;

    return json_is_object(v) ? v : NULL;
}

json_t *
ks_json_arr(const json_t *obj, const char *key)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;

    return json_is_array(v) ? v : NULL;
}

bool
ks_json_bool(const json_t *obj, const char *key, bool fallback)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;

    return json_is_boolean(v) ? json_is_true(v) : fallback;
}

double
ks_json_num(const json_t *obj, const char *key, double fallback)
{
    json_t *v = obj ? json_object_get(obj, key) : NULL;

    return json_is_number(v) ? json_number_value(v) : fallback;
}

static int
dump_cb(const char *p, size_t n, void *data)
{
    struct ks_buf *b = data;

    ks_buf_append(b, p, n);
    return ks_buf_err(b) == KS_OK ? 0 : -1;
}

enum ks_code
ks_json_dump(const json_t *v, bool pretty, struct ks_buf *buf, struct ks_err *err)
{
    size_t flags = JSON_ENCODE_ANY | JSON_REAL_PRECISION(10);

    flags |= pretty ? JSON_INDENT(2) : JSON_COMPACT;
    if (json_dump_callback(v, dump_cb, buf, flags) != 0 || ks_buf_err(buf) != KS_OK)
        return ks_err_set(err, ks_buf_err(buf) != KS_OK ? ks_buf_err(buf) : KS_ENOMEM,
                          "cannot serialise JSON");
    return KS_OK;
}
