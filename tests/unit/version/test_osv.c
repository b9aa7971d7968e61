/*
 * test_osv.c: the OSV affected[] evaluator on constructed ranges (every
 * event kind, re-introductions, limits, explicit versions, GIT skipped,
 * unknowns), the JSON reader's errors, and every real record of the shared
 * OSV archives: each affected[] must read, and simple ranges must evaluate
 * to the obvious answers at their own boundaries.
 */
#include "test.h"
#include "version/version.h"

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define EV(t, v) {KS_EV_##t, KS_STR(v)}

static enum ks_affect
eval(const struct ks_osv_affected *a, const char *v, struct ks_affect_result *res)
{
    struct ks_err err = KS_ERR_INIT;

    CHECK_OK(ks_osv_evaluate(a, ks_str_c(v), res, &err));
    return res->affected;
}

static void
test_ranges(void)
{
    /* [1.0.0, 1.0.2) and [3.0.0, 3.2.5): the spec's multiple-range example */
    static const struct ks_osv_event ev[] = {EV(INTRODUCED, "1.0.0"), EV(FIXED, "1.0.2"),
                                             EV(INTRODUCED, "3.0.0"), EV(FIXED, "3.2.5")};
    const struct ks_osv_range r = {KS_RANGE_SEMVER, ev, KS_ARRAY_LEN(ev)};
    const struct ks_osv_affected a = {KS_SCHEME_SEMVER, &r, 1, NULL, 0};
    struct ks_affect_result res;

    CHECK_INT(eval(&a, "0.9.0", &res), KS_AFFECT_NO);
    CHECK_INT(eval(&a, "1.0.0", &res), KS_AFFECT_YES);
    CHECK(ks_str_eq_c(res.fixed, "1.0.2"));
    CHECK_INT(eval(&a, "1.0.1", &res), KS_AFFECT_YES);
    CHECK_INT(eval(&a, "1.0.2", &res), KS_AFFECT_NO);
    CHECK_INT(eval(&a, "2.0.0", &res), KS_AFFECT_NO);
    CHECK_INT(eval(&a, "3.1.0", &res), KS_AFFECT_YES);
    CHECK(ks_str_eq_c(res.fixed, "3.2.5"));
    CHECK_INT(eval(&a, "3.2.5", &res), KS_AFFECT_NO);
    CHECK_INT(eval(&a, "3.2.5-rc1", &res), KS_AFFECT_YES); /* pre-release of the fix */
    CHECK_INT(eval(&a, "4.0.0", &res), KS_AFFECT_NO);
}

static void
test_unsorted_and_zero(void)
{
    /* events out of order, as some records have them; "0" sorts first */
    static const struct ks_osv_event ev[] = {EV(FIXED, "1.19.1"), EV(INTRODUCED, "1.19.0-0"),
                                             EV(FIXED, "1.18.6"), EV(INTRODUCED, "0")};
    const struct ks_osv_range r = {KS_RANGE_SEMVER, ev, KS_ARRAY_LEN(ev)};
    const struct ks_osv_affected a = {KS_SCHEME_GO, &r, 1, NULL, 0};
    struct ks_affect_result res;

    CHECK_INT(eval(&a, "v1.18.5", &res), KS_AFFECT_YES);
    CHECK(ks_str_eq_c(res.fixed, "1.18.6"));
    CHECK_INT(eval(&a, "1.18.6", &res), KS_AFFECT_NO);
    CHECK_INT(eval(&a, "1.19.0-rc.1", &res), KS_AFFECT_YES);
    CHECK(ks_str_eq_c(res.fixed, "1.19.1"));
    CHECK_INT(eval(&a, "v1.19.1", &res), KS_AFFECT_NO);
    CHECK_INT(eval(&a, "v1.20", &res), KS_AFFECT_NO);
}

static void
test_last_affected_and_limit(void)
{
    static const struct ks_osv_event la[] = {EV(INTRODUCED, "1.0"), EV(LAST_AFFECTED, "1.5")};
    static const struct ks_osv_event lim[] = {EV(INTRODUCED, "0"), EV(LIMIT, "2.0")};
    static const struct ks_osv_event star[] = {EV(INTRODUCED, "1.0"), EV(LIMIT, "*")};
    const struct ks_osv_range r1 = {KS_RANGE_ECOSYSTEM, la, 2}, r2 = {KS_RANGE_ECOSYSTEM, lim, 2},
                              r3 = {KS_RANGE_ECOSYSTEM, star, 2};
    const struct ks_osv_affected a1 = {KS_SCHEME_PEP440, &r1, 1, NULL, 0};
    const struct ks_osv_affected a2 = {KS_SCHEME_PEP440, &r2, 1, NULL, 0};
    const struct ks_osv_affected a3 = {KS_SCHEME_PEP440, &r3, 1, NULL, 0};
    struct ks_affect_result res;

    CHECK_INT(eval(&a1, "1.5", &res), KS_AFFECT_YES);
    CHECK_INT(res.fixed.len, 0); /* last_affected gives no fix */
    CHECK_INT(eval(&a1, "1.5.0", &res), KS_AFFECT_YES);
    CHECK_INT(eval(&a1, "1.5.post1", &res), KS_AFFECT_NO);
    CHECK_INT(eval(&a1, "0.9", &res), KS_AFFECT_NO);
    CHECK_INT(eval(&a2, "1.9", &res), KS_AFFECT_YES);
    CHECK_INT(eval(&a2, "2.0", &res), KS_AFFECT_NO);
    CHECK_INT(eval(&a3, "99", &res), KS_AFFECT_YES);
}

static void
test_versions_git_unknown(void)
{
    static const struct ks_osv_event git[] = {EV(INTRODUCED, "0"), EV(FIXED, "abcdef0123")};
    static const struct ks_osv_event eco[] = {EV(INTRODUCED, "0"), EV(FIXED, "2.0-1")};
    static const struct ks_osv_event bad[] = {EV(INTRODUCED, "1:"), EV(FIXED, "2.0")};
    static const struct ks_str versions[] = {KS_STR("1.0-1"), KS_STR("not a version!")};
    const struct ks_osv_range rg = {KS_RANGE_GIT, git, 2};
    const struct ks_osv_range rs[] = {{KS_RANGE_GIT, git, 2}, {KS_RANGE_ECOSYSTEM, eco, 2}};
    const struct ks_osv_range rb = {KS_RANGE_ECOSYSTEM, bad, 2};
    const struct ks_osv_affected only_git = {KS_SCHEME_DPKG, &rg, 1, versions, 2};
    const struct ks_osv_affected both = {KS_SCHEME_DPKG, rs, 2, NULL, 0};
    const struct ks_osv_affected bad_event = {KS_SCHEME_DPKG, &rb, 1, NULL, 0};
    const struct ks_osv_affected no_scheme = {KS_SCHEME_NONE, rs, 2, versions, 2};
    struct ks_affect_result res;

    CHECK_INT(eval(&only_git, "1.0-1", &res), KS_AFFECT_YES);   /* listed */
    CHECK_INT(eval(&only_git, "1.0-01", &res), KS_AFFECT_YES);  /* equal as dpkg orders */
    CHECK_INT(eval(&only_git, "1.0-2", &res), KS_AFFECT_NO);    /* GIT range skipped */
    CHECK_INT(eval(&only_git, "not a version!", &res), KS_AFFECT_YES); /* same string */
    CHECK_INT(eval(&both, "1.9", &res), KS_AFFECT_YES);
    CHECK(ks_str_eq_c(res.fixed, "2.0-1"));
    CHECK_INT(eval(&both, "1:", &res), KS_AFFECT_UNKNOWN);      /* unparsable installed */
    CHECK(strstr(res.reason, "'1:'") != NULL);
    CHECK_INT(eval(&bad_event, "1.5", &res), KS_AFFECT_UNKNOWN); /* unparsable event */
    CHECK(strstr(res.reason, "'1:'") != NULL);
    CHECK_INT(eval(&no_scheme, "1.5", &res), KS_AFFECT_UNKNOWN); /* no ordering */
    CHECK_INT(eval(&no_scheme, "1.0-1", &res), KS_AFFECT_YES);   /* but listed */
}

static void
test_ties_and_nearest_fix(void)
{
    /* a fix cherry-picked to several branches: the nearest one above v */
    static const struct ks_osv_event ev[] = {EV(INTRODUCED, "0"), EV(FIXED, "2.4.1"),
                                             EV(FIXED, "1.9.8"), EV(FIXED, "2.0.5")};
    /* introduced and fixed at the same version: the later event wins the tie */
    static const struct ks_osv_event tie[] = {EV(INTRODUCED, "1.0"), EV(FIXED, "1.0")};
    const struct ks_osv_range r = {KS_RANGE_ECOSYSTEM, ev, 4}, rt = {KS_RANGE_ECOSYSTEM, tie, 2};
    const struct ks_osv_affected a = {KS_SCHEME_MAVEN, &r, 1, NULL, 0};
    const struct ks_osv_affected at = {KS_SCHEME_MAVEN, &rt, 1, NULL, 0};
    struct ks_affect_result res;

    CHECK_INT(eval(&a, "1.5", &res), KS_AFFECT_YES);
    CHECK(ks_str_eq_c(res.fixed, "1.9.8"));
    CHECK_INT(eval(&a, "1.9.8", &res), KS_AFFECT_NO);
    CHECK_INT(eval(&at, "1.0", &res), KS_AFFECT_NO);
    CHECK_INT(eval(&at, "0.9", &res), KS_AFFECT_NO);
}

static void
test_from_json(void)
{
    static const struct {
        const char *json, *err;
    } bad[] = {
        {"{\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"fixd\":\"1\"}]}]}",
         "ranges[0].events[0]: unknown event type 'fixd'"},
        {"{\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\",\"fixed\":\"1\"}]}]}",
         "more than one event"},
        {"{\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{}]}]}", "empty event"},
        {"{\"ranges\":[{\"type\":\"SEMVERX\",\"events\":[]}]}", "unknown range type 'SEMVERX'"},
        {"{\"ranges\":[{\"events\":[]}]}", "ranges[0].type"},
        {"{\"ranges\":[{\"type\":\"GIT\"}]}", "ranges[0].events"},
        {"{\"ranges\":[{\"type\":\"GIT\",\"events\":[{\"fixed\":1}]}]}", "not a string"},
        {"{\"versions\":[\"1\",2]}", "versions[1]: not a string"},
        {"{\"versions\":{}}", "versions: not an array"},
        {"[]", "not an object"},
    };
    const char *good = "{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"x\"},"
                       "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},"
                       "{\"fixed\":\"1.2-3\"}]},{\"type\":\"GIT\",\"repo\":\"r\",\"events\":"
                       "[{\"introduced\":\"abc\"}]}],\"versions\":[\"1.0-1\"]}";
    struct ks_arena *arena = ks_arena_new(4096);
    struct ks_err err = KS_ERR_INIT;
    struct ks_osv_affected a;
    struct ks_affect_result res;
    json_t *j;

    for (size_t i = 0; i < KS_ARRAY_LEN(bad); i++) {
        j = json_loads(bad[i].json, 0, NULL);
        CHECK(j != NULL);
        CHECK_INT(ks_osv_affected_from_json(j, arena, &a, &err), KS_EPARSE);
        CHECK_MSG(strstr(err.msg, bad[i].err) != NULL, "'%s' -> '%s'", bad[i].json, err.msg);
        json_decref(j);
    }
    j = json_loads(good, 0, NULL);
    CHECK_OK(ks_osv_affected_from_json(j, arena, &a, &err));
    CHECK_INT(a.scheme, KS_SCHEME_DPKG);
    CHECK_INT(a.n_ranges, 2);
    CHECK_INT(a.ranges[0].n_events, 2);
    CHECK_INT(a.ranges[1].type, KS_RANGE_GIT);
    CHECK_INT(a.n_versions, 1);
    CHECK_INT(eval(&a, "1.2-2", &res), KS_AFFECT_YES);
    CHECK(ks_str_eq_c(res.fixed, "1.2-3"));
    CHECK_INT(eval(&a, "1.2-3", &res), KS_AFFECT_NO);
    json_decref(j);
    CHECK_INT(ks_osv_affected_from_json(NULL, arena, &a, &err), KS_EINVAL);
    CHECK_INT(ks_osv_evaluate(NULL, KS_STR("1"), &res, &err), KS_EINVAL);
    ks_arena_free(arena);
}

/* Every allocation failure while reading an entry gives KS_ENOMEM, never a crash. */
static void
test_alloc_failures(void)
{
    const char *js = "{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"x\"},\"ranges\":["
                     "{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"2\"}]}],"
                     "\"versions\":[\"1.0\",\"1.1\"]}";
    json_t *j = json_loads(js, 0, NULL);
    bool done = false;

    CHECK(j != NULL);
    for (size_t n = 1; n < 64 && !done; n++) {
        struct ks_arena *arena;
        struct ks_osv_affected a;
        struct ks_err err = KS_ERR_INIT;
        enum ks_code rc = KS_ENOMEM;

        ks_alloc_fail_at(n);
        arena = ks_arena_new(64); /* small chunks: every array needs a new block */
        if (arena != NULL)
            rc = ks_osv_affected_from_json(j, arena, &a, &err);
        ks_alloc_fail_at(0);
        CHECK_MSG(rc == KS_OK || rc == KS_ENOMEM, "failing allocation %zu: %s", n,
                  ks_code_name(rc));
        done = rc == KS_OK;
        ks_arena_free(arena);
    }
    CHECK(done);
    json_decref(j);
}

/* Every record of one all.zip: read each affected[], check simple ranges. */
struct zip_stats {
    size_t records, affected, checked, unknown_bounds;
};

static void
check_entry(const json_t *entry, struct ks_arena *arena, const char *name, struct zip_stats *st)
{
    struct ks_osv_affected a;
    struct ks_err err = KS_ERR_INIT;
    struct ks_affect_result res;

    if (ks_osv_affected_from_json(entry, arena, &a, &err) != KS_OK) {
        ks_test_fail(__FILE__, __LINE__, "%s: %s", name, err.msg);
        return;
    }
    st->affected++;
    /* A version listed in `versions` is affected (a spread of up to 16 per entry: the */
    /* sanitizer build runs this too, and long lists add time, not coverage).         */
    size_t step = a.n_versions > 16 ? a.n_versions / 16 : 1;

    for (size_t i = 0; i < a.n_versions; i += step) {
        CHECK_OK(ks_osv_evaluate(&a, a.versions[i], &res, &err));
        CHECK_MSG(res.affected == KS_AFFECT_YES, "%s: listed version '%.*s' not affected", name,
                  (int)a.versions[i].len, a.versions[i].ptr);
        st->checked++;
    }
    /* One range [introduced I, fixed F), nothing else: I is affected (with fix F), F is not. */
    if (a.n_ranges == 1 && a.n_versions == 0 && a.ranges[0].type != KS_RANGE_GIT &&
        a.ranges[0].n_events == 2 && a.ranges[0].events[0].type == KS_EV_INTRODUCED &&
        a.ranges[0].events[1].type == KS_EV_FIXED && a.scheme != KS_SCHEME_NONE) {
        struct ks_str in = a.ranges[0].events[0].version, fx = a.ranges[0].events[1].version;

        CHECK_OK(ks_osv_evaluate(&a, fx, &res, &err));
        if (res.affected == KS_AFFECT_UNKNOWN) {
            st->unknown_bounds++; /* the record's own version does not parse: never "no" */
            return;
        }
        CHECK_MSG(res.affected == KS_AFFECT_NO, "%s: fixed '%.*s' evaluates %d", name,
                  (int)fx.len, fx.ptr, res.affected);
        if (!ks_str_eq_c(in, "0")) {
            CHECK_OK(ks_osv_evaluate(&a, in, &res, &err));
            CHECK_MSG(res.affected == KS_AFFECT_YES && ks_str_eq(res.fixed, fx),
                      "%s: introduced '%.*s' evaluates %d", name, (int)in.len, in.ptr,
                      res.affected);
        }
        st->checked += 2;
    }
}

static void
check_zip(const char *rel, size_t min_records)
{
    const char *path = ks_test_data(rel);
    struct archive *ar = archive_read_new();
    struct archive_entry *ae;
    struct ks_buf buf = KS_BUF_INIT((size_t)16 << 20);
    struct zip_stats st = {0};

    CHECK(path != NULL);
    archive_read_support_format_zip(ar);
    if (path == NULL || archive_read_open_filename(ar, path, 1 << 16) != ARCHIVE_OK) {
        ks_test_fail(__FILE__, __LINE__, "cannot open %s", path ? path : rel);
        archive_read_free(ar);
        return;
    }
    while (archive_read_next_header(ar, &ae) == ARCHIVE_OK) {
        struct ks_err err = KS_ERR_INIT;
        struct ks_arena *arena = ks_arena_new(16 * 1024);
        json_t *doc = NULL, *aff;
        char *w;
        la_ssize_t n;

        ks_buf_reset(&buf);
        while ((w = ks_buf_reserve(&buf, 1 << 16)) != NULL &&
               (n = archive_read_data(ar, w, 1 << 16)) > 0)
            buf.len += (size_t)n;
        if (ks_json_parse(buf.data, buf.len, archive_entry_pathname(ae), &doc, &err) != KS_OK) {
            ks_test_fail(__FILE__, __LINE__, "%s", err.msg);
            ks_arena_free(arena);
            continue;
        }
        st.records++;
        aff = json_object_get(doc, "affected");
        for (size_t i = 0; i < json_array_size(aff); i++)
            check_entry(json_array_get(aff, i), arena, archive_entry_pathname(ae), &st);
        json_decref(doc);
        ks_arena_free(arena);
    }
    archive_read_free(ar);
    ks_buf_release(&buf);
    printf("  %-22s %6zu records, %6zu affected[], %7zu boundary checks, %zu unparsable "
           "bounds (unknown)\n",
           rel, st.records, st.affected, st.checked, st.unknown_bounds);
    CHECK_MSG(st.records >= min_records, "%s: only %zu records", rel, st.records);
}

static void
test_real_records(void)
{
    static const struct {
        const char *zip;
        size_t min;
    } zips[] = {{"osv/Go/all.zip", 4000},       {"osv/PyPI/all.zip", 2600},
                {"osv/crates.io/all.zip", 1200}, {"osv/Maven/all.zip", 400},
                {"osv/npm/all.zip", 150},       {"osv/RubyGems/all.zip", 15},
                {"osv/NuGet/all.zip", 10},      {"osv/Packagist/all.zip", 5},
                {"osv/SwiftURL/all.zip", 1},    {"osv/Debian/all.zip", 23000},
                {"osv/Alpine/all.zip", 7500}};

    for (size_t i = 0; i < KS_ARRAY_LEN(zips); i++)
        check_zip(zips[i].zip, zips[i].min);
}

KS_TEST_MAIN(KS_TEST(test_ranges), KS_TEST(test_unsorted_and_zero),
             KS_TEST(test_last_affected_and_limit), KS_TEST(test_versions_git_unknown),
             KS_TEST(test_ties_and_nearest_fix), KS_TEST(test_from_json),
             KS_TEST(test_alloc_failures),
             KS_TEST(test_real_records))
