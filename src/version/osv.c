/*
 * osv.c: the OSV `affected` evaluator (https://ossf.github.io/osv-schema/,
 * "Evaluation") and the reader of an `affected[]` JSON object. A version is
 * affected when it is listed in `versions` or lies in any ECOSYSTEM/SEMVER
 * range; GIT ranges need a commit graph and are skipped. Whatever cannot be
 * ordered (an unparsable installed or event version, an ecosystem without a
 * known ordering) makes the answer KS_AFFECT_UNKNOWN, never "not affected".
 */
#include "version/version.h"

#include <jansson.h>
#include <string.h>

#include "base/banned.h"

/* The scheme a range's versions are ordered by. */
static enum ks_scheme
range_scheme(const struct ks_osv_affected *a, const struct ks_osv_range *r)
{
    if (r->type == KS_RANGE_SEMVER)
        return a->scheme == KS_SCHEME_GO ? KS_SCHEME_GO : KS_SCHEME_SEMVER;
    return a->scheme;
}

static bool
is_zero_introduced(const struct ks_osv_event *e)
{
    return e->type == KS_EV_INTRODUCED && ks_str_eq_c(e->version, "0");
}

/* One range's verdict. */
struct range_verdict {
    enum ks_affect affected;
    struct ks_str fixed; /* nearest fixed above the version, when affected */
    struct ks_err err;   /* why, when unknown */
};

/*
 * The spec walks the events sorted by version and lets each one that fires
 * set the state (introduced: v >= e; fixed: v >= e; last_affected: v > e).
 * Fired events form a prefix of that order, so the state after the walk is
 * the type of the greatest fired event (ties keep the events' own order, as
 * a stable sort would). We find that event in one pass instead of sorting.
 */
static void
eval_range(const struct ks_osv_affected *a, const struct ks_osv_range *r, struct ks_str v,
           struct range_verdict *out)
{
    enum ks_scheme scheme = range_scheme(a, r);
    const struct ks_osv_event *best = NULL, *fix = NULL;
    bool has_limit = false, before_limit = false;
    int c;

    out->affected = KS_AFFECT_NO;
    out->fixed = KS_STR_NULL;
    if (scheme == KS_SCHEME_NONE) {
        out->affected = KS_AFFECT_UNKNOWN;
        ks_err_set(&out->err, KS_EUNSUPPORTED, "no version ordering for this ecosystem");
        return;
    }
    if (ks_ver_check(scheme, v, &out->err) != KS_OK)
        goto unknown;
    for (size_t i = 0; i < r->n_events; i++) {
        const struct ks_osv_event *e = &r->events[i];

        if (e->type != KS_EV_LIMIT)
            continue;
        has_limit = true;
        if (ks_str_find_char(e->version, '*') >= 0) {
            before_limit = true; /* "*" is infinity */
            continue;
        }
        if (ks_ver_compare(scheme, v, e->version, &c, &out->err) != KS_OK)
            goto unknown;
        if (c < 0)
            before_limit = true;
    }
    if (has_limit && !before_limit)
        return;
    for (size_t i = 0; i < r->n_events; i++) {
        const struct ks_osv_event *e = &r->events[i];
        bool fires;

        if (e->type == KS_EV_LIMIT)
            continue;
        if (is_zero_introduced(e)) {
            c = 1; /* "0" sorts before every version */
        } else if (ks_ver_compare(scheme, v, e->version, &c, &out->err) != KS_OK) {
            goto unknown;
        }
        fires = e->type == KS_EV_LAST_AFFECTED ? c > 0 : c >= 0;
        if (!fires) {
            if (e->type == KS_EV_FIXED) {
                int fc = -1;

                if (fix != NULL &&
                    ks_ver_compare(scheme, e->version, fix->version, &fc, &out->err) != KS_OK)
                    goto unknown;
                if (fc < 0)
                    fix = e;
            }
            continue;
        }
        if (best == NULL || is_zero_introduced(e)) {
            if (best == NULL)
                best = e;
            continue;
        }
        if (is_zero_introduced(best)) {
            best = e;
            continue;
        }
        if (ks_ver_compare(scheme, e->version, best->version, &c, &out->err) != KS_OK)
            goto unknown;
        if (c >= 0)
            best = e; /* later in the events on a tie, as a stable sort keeps it */
    }
    if (best != NULL && best->type == KS_EV_INTRODUCED) {
        out->affected = KS_AFFECT_YES;
        if (fix != NULL)
            out->fixed = fix->version;
    }
    return;
unknown:
    out->affected = KS_AFFECT_UNKNOWN;
}

static void
set_reason(struct ks_affect_result *out, const char *msg)
{
    size_t n = strlen(msg);

    if (n >= sizeof(out->reason))
        n = sizeof(out->reason) - 1; /* the start says what; the cut tail is detail */
    memcpy(out->reason, msg, n);
    out->reason[n] = '\0';
}

enum ks_code
ks_osv_evaluate(const struct ks_osv_affected *a, struct ks_str version,
                struct ks_affect_result *out, struct ks_err *err)
{
    bool listed = false, unknown = false, yes = false;
    enum ks_scheme fixed_scheme = KS_SCHEME_NONE;
    struct ks_affect_result res;

    if (a == NULL || out == NULL || (a->n_ranges > 0 && a->ranges == NULL) ||
        (a->n_versions > 0 && a->versions == NULL))
        return ks_err_set(err, KS_EINVAL, "ks_osv_evaluate: invalid arguments");
    memset(&res, 0, sizeof(res));
    res.affected = KS_AFFECT_NO;
    /* Explicit versions: the same string, or equal in the ecosystem's order. */
    for (size_t i = 0; i < a->n_versions && !listed; i++) {
        int c;

        if (ks_str_eq(a->versions[i], version))
            listed = true;
        else if (a->scheme != KS_SCHEME_NONE &&
                 ks_ver_compare(a->scheme, version, a->versions[i], &c, NULL) == KS_OK && c == 0)
            listed = true;
    }
    for (size_t i = 0; i < a->n_ranges; i++) {
        const struct ks_osv_range *r = &a->ranges[i];
        struct range_verdict rv;

        if (r->type == KS_RANGE_GIT)
            continue;
        memset(&rv, 0, sizeof(rv));
        eval_range(a, r, version, &rv);
        if (rv.affected == KS_AFFECT_UNKNOWN) {
            if (!unknown)
                set_reason(&res, rv.err.msg);
            unknown = true;
            continue;
        }
        if (rv.affected != KS_AFFECT_YES)
            continue;
        yes = true;
        if (rv.fixed.len == 0)
            continue;
        /* Several ranges may affect it (e.g. ECOSYSTEM and SEMVER): keep the nearest fix. */
        enum ks_scheme s = range_scheme(a, r);
        int c;

        if (res.fixed.len == 0 ||
            (s == fixed_scheme && ks_ver_compare(s, rv.fixed, res.fixed, &c, NULL) == KS_OK &&
             c < 0)) {
            res.fixed = rv.fixed;
            fixed_scheme = s;
        }
    }
    if (yes || listed) {
        res.affected = KS_AFFECT_YES;
        res.reason[0] = '\0';
    } else if (unknown) {
        res.affected = KS_AFFECT_UNKNOWN;
    }
    *out = res;
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* Reading one affected[] object.                                           */

static enum ks_code
read_events(const json_t *arr, size_t ri, struct ks_arena *arena, struct ks_osv_range *r,
            struct ks_err *err)
{
    size_t n = json_array_size(arr);
    struct ks_osv_event *ev;

    if (n == 0) {
        r->events = NULL;
        r->n_events = 0;
        return KS_OK;
    }
    if ((ev = ks_arena_calloc(arena, n, sizeof(*ev))) == NULL)
        return ks_err_set(err, KS_ENOMEM, "osv: cannot allocate %zu events", n);
    for (size_t j = 0; j < n; j++) {
        const json_t *e = json_array_get(arr, j);
        const char *key;
        json_t *val;
        int seen = 0;

        if (!json_is_object(e))
            return ks_err_set(err, KS_EPARSE, "ranges[%zu].events[%zu]: not an object", ri, j);
        json_object_foreach((json_t *)e, key, val) {
            enum ks_osv_event_type t;

            if (strcmp(key, "introduced") == 0)
                t = KS_EV_INTRODUCED;
            else if (strcmp(key, "fixed") == 0)
                t = KS_EV_FIXED;
            else if (strcmp(key, "last_affected") == 0)
                t = KS_EV_LAST_AFFECTED;
            else if (strcmp(key, "limit") == 0)
                t = KS_EV_LIMIT;
            else
                return ks_err_set(err, KS_EPARSE,
                                  "ranges[%zu].events[%zu]: unknown event type '%.64s'", ri, j,
                                  key);
            if (!json_is_string(val))
                return ks_err_set(err, KS_EPARSE, "ranges[%zu].events[%zu].%s: not a string", ri,
                                  j, key);
            if (++seen > 1)
                return ks_err_set(err, KS_EPARSE,
                                  "ranges[%zu].events[%zu]: more than one event in one object", ri,
                                  j);
            ev[j].type = t;
            ev[j].version = ks_str_make(json_string_value(val), json_string_length(val));
        }
        if (seen == 0)
            return ks_err_set(err, KS_EPARSE, "ranges[%zu].events[%zu]: empty event", ri, j);
    }
    r->events = ev;
    r->n_events = n;
    return KS_OK;
}

enum ks_code
ks_osv_affected_from_json(const json_t *affected, struct ks_arena *arena,
                          struct ks_osv_affected *out, struct ks_err *err)
{
    const json_t *pkg, *ranges, *versions, *eco;
    struct ks_osv_affected res;
    enum ks_code rc;

    if (affected == NULL || arena == NULL || out == NULL)
        return ks_err_set(err, KS_EINVAL, "ks_osv_affected_from_json: invalid arguments");
    if (!json_is_object(affected))
        return ks_err_set(err, KS_EPARSE, "affected: not an object");
    memset(&res, 0, sizeof(res));
    res.scheme = KS_SCHEME_NONE;
    pkg = json_object_get(affected, "package");
    if (pkg != NULL && !json_is_object(pkg))
        return ks_err_set(err, KS_EPARSE, "package: not an object");
    eco = pkg ? json_object_get(pkg, "ecosystem") : NULL;
    if (eco != NULL && !json_is_string(eco))
        return ks_err_set(err, KS_EPARSE, "package.ecosystem: not a string");
    if (eco != NULL) {
        enum ks_eco e;

        if (ks_eco_parse(ks_str_make(json_string_value(eco), json_string_length(eco)), &e, NULL,
                         NULL) == KS_OK)
            res.scheme = ks_eco_info(e)->scheme;
    }
    ranges = json_object_get(affected, "ranges");
    if (ranges != NULL && !json_is_array(ranges))
        return ks_err_set(err, KS_EPARSE, "ranges: not an array");
    if (ranges != NULL && json_array_size(ranges) > 0) {
        size_t n = json_array_size(ranges);
        struct ks_osv_range *rs = ks_arena_calloc(arena, n, sizeof(*rs));

        if (rs == NULL)
            return ks_err_set(err, KS_ENOMEM, "osv: cannot allocate %zu ranges", n);
        for (size_t i = 0; i < n; i++) {
            const json_t *r = json_array_get(ranges, i), *type, *events;
            const char *t;

            if (!json_is_object(r))
                return ks_err_set(err, KS_EPARSE, "ranges[%zu]: not an object", i);
            type = json_object_get(r, "type");
            if (!json_is_string(type))
                return ks_err_set(err, KS_EPARSE, "ranges[%zu].type: missing or not a string", i);
            t = json_string_value(type);
            if (strcmp(t, "ECOSYSTEM") == 0)
                rs[i].type = KS_RANGE_ECOSYSTEM;
            else if (strcmp(t, "SEMVER") == 0)
                rs[i].type = KS_RANGE_SEMVER;
            else if (strcmp(t, "GIT") == 0)
                rs[i].type = KS_RANGE_GIT;
            else
                return ks_err_set(err, KS_EPARSE, "ranges[%zu].type: unknown range type '%.64s'",
                                  i, t);
            events = json_object_get(r, "events");
            if (!json_is_array(events))
                return ks_err_set(err, KS_EPARSE, "ranges[%zu].events: missing or not an array",
                                  i);
            if ((rc = read_events(events, i, arena, &rs[i], err)) != KS_OK)
                return rc;
        }
        res.ranges = rs;
        res.n_ranges = n;
    }
    versions = json_object_get(affected, "versions");
    if (versions != NULL && !json_is_array(versions))
        return ks_err_set(err, KS_EPARSE, "versions: not an array");
    if (versions != NULL && json_array_size(versions) > 0) {
        size_t n = json_array_size(versions);
        struct ks_str *vs = ks_arena_calloc(arena, n, sizeof(*vs));

        if (vs == NULL)
            return ks_err_set(err, KS_ENOMEM, "osv: cannot allocate %zu versions", n);
        for (size_t i = 0; i < n; i++) {
            const json_t *v = json_array_get(versions, i);

            if (!json_is_string(v))
                return ks_err_set(err, KS_EPARSE, "versions[%zu]: not a string", i);
            vs[i] = ks_str_make(json_string_value(v), json_string_length(v));
        }
        res.versions = vs;
        res.n_versions = n;
    }
    *out = res;
    return KS_OK;
}
