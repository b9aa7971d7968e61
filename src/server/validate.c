/*
 * validate.c: request bodies checked against the Inspector2 model's input
 * shapes (model_gen.c): types, required members, unknown members, enums,
 * lengths and ranges, list and map sizes, unions and the model's patterns
 * (PCRE2, unanchored as Smithy defines them). The first violation becomes a
 * ValidationException naming the member path.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include "server/server_int.h"

#include <math.h>
#include <pcre2.h>
#include <pthread.h>
#include <string.h>

#include "base/banned.h"

#define MAX_DEPTH 32

static pthread_mutex_t re_mu = PTHREAD_MUTEX_INITIALIZER;
static pcre2_code **re_cache;    /* one per shape, compiled on first use */
static unsigned char *re_failed; /* patterns PCRE2 refused: not enforced */

int
srv_model_shape(const char *name)
{
    for (size_t i = 0; i < ks_model_n_shapes; i++)
        if (strcmp(ks_model_shapes[i].name, name) == 0)
            return (int)i;
    return -1;
}

void
srv_validate_cleanup(void)
{
    pthread_mutex_lock(&re_mu);
    if (re_cache != NULL) {
        for (size_t i = 0; i < ks_model_n_shapes; i++)
            pcre2_code_free(re_cache[i]);
    }
    ks_free(re_cache);
    ks_free(re_failed);
    re_cache = NULL;
    re_failed = NULL;
    pthread_mutex_unlock(&re_mu);
}

/* The compiled pattern of a shape, or NULL (none, or not compilable). */
static pcre2_code *
pattern(int shape)
{
    pcre2_code *re = NULL;

    pthread_mutex_lock(&re_mu);
    if (re_cache == NULL) {
        re_cache = ks_calloc(ks_model_n_shapes, sizeof(*re_cache));
        re_failed = ks_calloc(ks_model_n_shapes, 1);
        if (re_cache == NULL || re_failed == NULL) {
            ks_free(re_cache);
            ks_free(re_failed);
            re_cache = NULL;
            re_failed = NULL;
            pthread_mutex_unlock(&re_mu);
            return NULL;
        }
    }
    if (re_cache[shape] == NULL && !re_failed[shape]) {
        int ec;
        PCRE2_SIZE off;

        re_cache[shape] = pcre2_compile((PCRE2_SPTR)ks_model_shapes[shape].pattern,
                                        PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &off, NULL);
        if (re_cache[shape] == NULL) {
            re_failed[shape] = 1;
            ks_log(KS_LOG_WARN, "server.validate", "pattern of %s not enforced (PCRE2 error %d)",
                   ks_model_shapes[shape].name, ec);
        }
    }
    re = re_cache[shape];
    pthread_mutex_unlock(&re_mu);
    return re;
}

static bool
fail(struct srv_vfail *f, const char *path, const char *fmt, ...) KS_PRINTF(3, 4);

static bool
fail(struct srv_vfail *f, const char *path, const char *fmt, ...)
{
    char what[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    snprintf(f->field, sizeof(f->field), "%s", path[0] ? path : "(body)");
    snprintf(f->message, sizeof(f->message), "1 validation error detected: %s%s%s",
             path[0] ? "value at '" : "", path[0] ? f->field : "", path[0] ? "' " : "");
    {
        size_t n = strlen(f->message);

        snprintf(f->message + n, sizeof(f->message) - n, "%s", what);
    }
    f->reason = "FIELD_VALIDATION_FAILED";
    return false;
}

static size_t
utf8_chars(const char *s, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

static const char *
type_name(enum ks_model_type t)
{
    switch (t) {
    case KS_MT_STRUCT: return "an object";
    case KS_MT_LIST: return "a list";
    case KS_MT_MAP: return "a map";
    case KS_MT_STRING:
    case KS_MT_BLOB: return "a string";
    case KS_MT_INTEGER:
    case KS_MT_LONG: return "an integer";
    case KS_MT_DOUBLE: return "a number";
    case KS_MT_BOOLEAN: return "true or false";
    default: return "a timestamp (epoch seconds or RFC 3339)";
    }
}

static bool check(int shape, const json_t *v, char *path, size_t plen, size_t cap, int depth,
                  struct srv_vfail *f);

static bool
check_string(const struct ks_model_shape *sh, int shape, const char *s, size_t len,
             const char *path, struct srv_vfail *f)
{
    size_t chars = utf8_chars(s, len);

    if (sh->has_min && (double)chars < sh->min)
        return fail(f, path, "must have length at least %g", sh->min);
    if (sh->has_max && (double)chars > sh->max)
        return fail(f, path, "must have length at most %g", sh->max);
    if (sh->n_enums > 0) {
        bool ok = false;
        char allowed[300];
        size_t n = 0;

        for (size_t i = 0; i < sh->n_enums && !ok; i++)
            ok = strlen(sh->enums[i]) == len && memcmp(sh->enums[i], s, len) == 0;
        if (ok)
            return true;
        allowed[0] = '\0';
        for (size_t i = 0; i < sh->n_enums && n < sizeof(allowed) - 40; i++)
            n += (size_t)snprintf(allowed + n, sizeof(allowed) - n, "%s%s", i ? ", " : "",
                                  sh->enums[i]);
        return fail(f, path, "'%.*s' must be one of [%s]", (int)KS_MIN(len, 64), s, allowed);
    }
    if (sh->pattern != NULL) {
        pcre2_code *re = pattern(shape);

        if (re != NULL) {
            pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
            int m;

            if (md == NULL)
                return fail(f, path, "cannot be checked (out of memory)");
            m = pcre2_match(re, (PCRE2_SPTR)s, len, 0, 0, md, NULL);
            pcre2_match_data_free(md);
            if (m < 0)
                return fail(f, path, "'%.*s' must satisfy pattern %s", (int)KS_MIN(len, 64), s,
                            sh->pattern);
        }
    }
    return true;
}

static void
join(char *path, size_t plen, size_t cap, const char *fmt, ...) KS_PRINTF(4, 5);

static void
join(char *path, size_t plen, size_t cap, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(path + plen, cap - plen, fmt, ap);
    va_end(ap);
}

static bool
check(int shape, const json_t *v, char *path, size_t plen, size_t cap, int depth,
      struct srv_vfail *f)
{
    const struct ks_model_shape *sh = &ks_model_shapes[shape];

    path[plen] = '\0';
    if (depth > MAX_DEPTH)
        return fail(f, path, "is nested too deeply");
    switch (sh->type) {
    case KS_MT_STRUCT: {
        const char *key;
        json_t *x;
        size_t set = 0;

        if (!json_is_object(v))
            return fail(f, path, "must be %s", type_name(sh->type));
        json_object_foreach((json_t *)v, key, x) {
            const struct ks_model_member *m = NULL;

            for (size_t i = 0; i < sh->n_members && m == NULL; i++)
                if (sh->members[i].loc == KS_ML_BODY && strcmp(sh->members[i].name, key) == 0)
                    m = &sh->members[i];
            join(path, plen, cap, "%s%.80s", plen ? "." : "", key);
            if (m == NULL)
                return fail(f, path, "is not a member of %s", sh->name);
            if (json_is_null(x))
                continue;
            set++;
            if (!check(m->shape, x, path, strlen(path), cap, depth + 1, f))
                return false;
        }
        for (size_t i = 0; i < sh->n_members; i++) {
            const struct ks_model_member *m = &sh->members[i];
            const json_t *mv = json_object_get(v, m->name);

            if (m->required && m->loc == KS_ML_BODY && (mv == NULL || json_is_null(mv))) {
                join(path, plen, cap, "%s%s", plen ? "." : "", m->name);
                return fail(f, path, "is required");
            }
        }
        path[plen] = '\0';
        if (sh->is_union && set != 1)
            return fail(f, path, "must set exactly one member of %s", sh->name);
        return true;
    }
    case KS_MT_LIST: {
        size_t n, i;
        json_t *x;

        if (!json_is_array(v))
            return fail(f, path, "must be %s", type_name(sh->type));
        n = json_array_size(v);
        if (sh->has_min && (double)n < sh->min)
            return fail(f, path, "must have at least %g entries", sh->min);
        if (sh->has_max && (double)n > sh->max)
            return fail(f, path, "must have at most %g entries", sh->max);
        json_array_foreach((json_t *)v, i, x) {
            join(path, plen, cap, "[%zu]", i);
            if (!check(sh->elem, x, path, strlen(path), cap, depth + 1, f))
                return false;
        }
        return true;
    }
    case KS_MT_MAP: {
        const char *key;
        json_t *x;
        size_t n;

        if (!json_is_object(v))
            return fail(f, path, "must be %s", type_name(sh->type));
        n = json_object_size(v);
        if (sh->has_min && (double)n < sh->min)
            return fail(f, path, "must have at least %g entries", sh->min);
        if (sh->has_max && (double)n > sh->max)
            return fail(f, path, "must have at most %g entries", sh->max);
        json_object_foreach((json_t *)v, key, x) {
            join(path, plen, cap, "%s%.80s", plen ? "." : "", key);
            if (!check_string(&ks_model_shapes[sh->key], sh->key, key, strlen(key), path, f) ||
                !check(sh->elem, x, path, strlen(path), cap, depth + 1, f))
                return false;
        }
        return true;
    }
    case KS_MT_STRING:
    case KS_MT_BLOB:
        if (!json_is_string(v))
            return fail(f, path, "must be %s", type_name(sh->type));
        return sh->type == KS_MT_BLOB ||
               check_string(sh, shape, json_string_value(v), json_string_length(v), path, f);
    case KS_MT_INTEGER:
    case KS_MT_LONG: {
        json_int_t x;

        if (!json_is_integer(v))
            return fail(f, path, "must be %s", type_name(sh->type));
        x = json_integer_value(v);
        if (sh->type == KS_MT_INTEGER && (x < INT32_MIN || x > INT32_MAX))
            return fail(f, path, "must fit a 32-bit integer");
        if (sh->has_min && (double)x < sh->min)
            return fail(f, path, "must be at least %g", sh->min);
        if (sh->has_max && (double)x > sh->max)
            return fail(f, path, "must be at most %g", sh->max);
        return true;
    }
    case KS_MT_DOUBLE: {
        double x;

        if (!json_is_number(v))
            return fail(f, path, "must be %s", type_name(sh->type));
        x = json_number_value(v);
        if (!isfinite(x))
            return fail(f, path, "must be finite");
        if (sh->has_min && x < sh->min)
            return fail(f, path, "must be at least %g", sh->min);
        if (sh->has_max && x > sh->max)
            return fail(f, path, "must be at most %g", sh->max);
        return true;
    }
    case KS_MT_BOOLEAN:
        if (!json_is_boolean(v))
            return fail(f, path, "must be %s", type_name(sh->type));
        return true;
    case KS_MT_TIMESTAMP: {
        if (json_is_number(v)) {
            double x = json_number_value(v);

            if (!isfinite(x) || x < 0 || x > 253402300799.0)
                return fail(f, path, "must be a timestamp between 1970 and 9999");
            return true;
        }
        if (json_is_string(v)) {
            time_t t;

            if (ks_time_parse(ks_str_make(json_string_value(v), json_string_length(v)), &t) !=
                    KS_OK ||
                t < 0 || (int64_t)t > 253402300799LL)
                return fail(f, path, "must be a timestamp (epoch seconds or RFC 3339)");
            return true;
        }
        return fail(f, path, "must be %s", type_name(sh->type));
    }
    }
    return fail(f, path, "has an unknown type");
}

bool
srv_validate(int shape, const json_t *v, struct srv_vfail *f)
{
    char path[256];

    memset(f, 0, sizeof(*f));
    path[0] = '\0';
    if (shape < 0 || (size_t)shape >= ks_model_n_shapes)
        return fail(f, "", "the operation has no input shape");
    return check(shape, v, path, 0, sizeof(path), 0, f);
}
