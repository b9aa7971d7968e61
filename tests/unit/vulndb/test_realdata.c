/*
 * test_realdata.c: the real feeds in ../shared/data (MANIFEST.md): OSV Go
 * and crates.io archives, one NVD yearly file, EPSS and KEV, imported once
 * into a scratch DB; counts and specific records are checked. Also measures
 * the matcher's query path (lookups per second) and the range encoding
 * against parsing the affected[] JSON with jansson (printed; bench/ keeps
 * the figures). KS_BENCH_ROUNDS=N repeats the measurements N times.
 */
#include "test.h"
#include "vulndb/vulndb_int.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdlib.h>

static char dbpath[4096];
static bool built;

static void
build(void)
{
    struct ks_arena *a;
    struct ks_err err = KS_ERR_INIT;
    struct ks_vulndb_summary sum;
    const char *paths[] = {
        ks_test_data("osv/Go/all.zip"),
        ks_test_data("osv/crates.io/all.zip"),
        ks_test_data("nvd/nvdcve-2.0-2021.json.gz"),
        ks_test_data("epss/epss_scores-current.csv.gz"),
        ks_test_data("kev/known_exploited_vulnerabilities.json"),
    };
    uint64_t t0 = ks_clock_ns();

    if (built)
        return; /* built once; later calls only need dbpath */
    built = true;
    a = ks_arena_new(1 << 16);
    snprintf(dbpath, sizeof(dbpath), "%s/real.db", ks_test_tmpdir());
    CHECK_OK(ks_vulndb_import(dbpath, paths, KS_ARRAY_LEN(paths), NULL, a, &sum, &err));
    if (err.code != KS_OK)
        fprintf(stderr, "%s\n", err.msg);
    printf("import: %.2f s\n", (double)(ks_clock_ns() - t0) / 1e9);
    CHECK_INT(sum.n_sources, 5);
    if (sum.n_sources == 5) {
        /* MANIFEST.md: Go 4,291 records (17 withdrawn), crates.io 1,206, */
        /* NVD 2021 12,384, EPSS 360,142 rows, KEV 1,404 entries.         */
        CHECK_STR(sum.sources[0].name, "osv:Go");
        CHECK_INT(sum.sources[0].records, 4291);
        CHECK_INT(sum.sources[0].counts[KS_CHANGE_ADDED], 4291);
        CHECK_STR(sum.sources[1].name, "osv:crates.io");
        CHECK_INT(sum.sources[1].records, 1206);
        CHECK_STR(sum.sources[2].name, "nvd:2021");
        CHECK_INT(sum.sources[2].records, 12384);
        CHECK_STR(sum.sources[3].name, "epss");
        CHECK_INT(sum.sources[3].records, 360142);
        CHECK_STR(sum.sources[4].name, "kev");
        CHECK_INT(sum.sources[4].records, 1404);
        CHECK_INT(sum.malformed, 0);
    }
    CHECK_INT(sum.advisories_total, 4291 + 1206);
    ks_arena_free(a);
}

static void
test_counts(void)
{
    struct ks_arena *a = ks_arena_new(1 << 16);
    struct ks_err err = KS_ERR_INIT;
    struct ks_vulndb *db = NULL;
    struct ks_vulndb_status st;

    build();
    CHECK_OK(ks_vulndb_open(dbpath, &db, &err));
    CHECK_OK(ks_vulndb_status(db, a, &st, &err));
    CHECK_INT(st.advisories, 5497);
    CHECK_INT(st.withdrawn, 17 + 13); /* Go 17, crates.io 13 (MANIFEST.md) */
    CHECK_INT(st.nvd_records, 12384);
    CHECK_INT(st.epss_records, 360142);
    CHECK_INT(st.kev_records, 1404);
    CHECK_INT(st.n_sources, 5);
    ks_vulndb_free(db);
    ks_arena_free(a);
}

static void
test_records(void)
{
    struct ks_arena *a = ks_arena_new(1 << 16);
    struct ks_err err = KS_ERR_INIT;
    struct ks_vulndb *db = NULL;
    struct ks_vulndb_hits hits;
    struct ks_advisory adv;
    struct ks_nvd_record nvd;
    struct ks_epss ep;
    struct ks_kev kev;
    struct ks_affect_result r;
    const char **ids;
    size_t n;
    bool found = false;

    build();
    CHECK_OK(ks_vulndb_open(dbpath, &db, &err));
    /* GO-2023-1840: stdlib, fixed in 1.19.10 and 1.20.5 */
    CHECK_OK(ks_vulndb_get_advisory(db, KS_STR("GO-2023-1840"), a, &adv, &err));
    CHECK_STR(adv.summary, "Unsafe behavior in setuid/setgid binaries in runtime");
    CHECK_STR(adv.source, "osv:Go");
    CHECK_OK(ks_vulndb_find_by_package(db, KS_ECO_GO, KS_STR_NULL, KS_STR("stdlib"), a, &hits,
                                       &err));
    CHECK(hits.n > 100);
    for (size_t i = 0; i < hits.n; i++) {
        if (strcmp(hits.items[i].id, "GO-2023-1840") != 0)
            continue;
        found = true;
        CHECK_OK(ks_osv_evaluate(&hits.items[i].affected, KS_STR("1.20.4"), &r, &err));
        CHECK_INT(r.affected, KS_AFFECT_YES);
        CHECK(ks_str_eq_c(r.fixed, "1.20.5"));
        CHECK_OK(ks_osv_evaluate(&hits.items[i].affected, KS_STR("1.19.10"), &r, &err));
        CHECK_INT(r.affected, KS_AFFECT_NO);
    }
    CHECK(found);
    CHECK_OK(ks_vulndb_find_by_alias(db, KS_STR("CVE-2023-29403"), a, &ids, &n, &err));
    CHECK_INT(n, 1);
    /* RUSTSEC-2021-0003 smallvec; withdrawn records never match */
    CHECK_OK(ks_vulndb_find_by_package(db, KS_ECO_CRATES, KS_STR_NULL, KS_STR("smallvec"), a,
                                       &hits, &err));
    found = false;
    for (size_t i = 0; i < hits.n; i++)
        found |= strcmp(hits.items[i].id, "RUSTSEC-2021-0003") == 0;
    CHECK(found);
    /* NVD: CVE-2021-0001 (Intel IPP) v3.1 4.7 MEDIUM Primary, CWE-203 */
    CHECK_OK(ks_vulndb_nvd(db, KS_STR("CVE-2021-0001"), a, &nvd, &err));
    CHECK_STR(nvd.metrics[0].version, "3.1");
    CHECK_STR(nvd.metrics[0].type, "Primary");
    CHECK(nvd.metrics[0].base_score == 4.7);
    CHECK_STR(nvd.metrics[0].base_severity, "MEDIUM");
    CHECK_STR(nvd.cwes[0], "CWE-203");
    /* EPSS first row; KEV: log4shell */
    CHECK_OK(ks_vulndb_epss(db, KS_STR("CVE-1999-0001"), &ep, &err));
    CHECK(ep.score == 0.03351 && ep.percentile == 0.8765);
    CHECK_OK(ks_vulndb_kev(db, KS_STR("CVE-2021-44228"), a, &kev, &err));
    CHECK_STR(kev.date_added, "2021-12-10");
    CHECK_STR(kev.vendor_project, "Apache");
    CHECK_STR(kev.known_ransomware_campaign_use, "Known");
    ks_vulndb_free(db);
    ks_arena_free(a);
}

/* The matcher's path: lookups per second over every Go package name. */
static void
test_query_rate(void)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_vulndb *db = NULL;
    sqlite3 *raw = NULL;
    sqlite3_stmt *st = NULL;
    struct ks_vec names = KS_VEC_INIT(char *);
    const char *rounds_env = getenv("KS_BENCH_ROUNDS");
    int rounds = rounds_env ? (int)strtol(rounds_env, NULL, 10) : 1;
    uint64_t lookups = 0, hits_total = 0, t0;

    build();
    CHECK(sqlite3_open_v2(dbpath, &raw, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    CHECK(sqlite3_prepare_v2(raw, "SELECT DISTINCT name FROM affected WHERE eco = 'Go'", -1, &st,
                             NULL) == SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        char **slot = ks_vec_push(&names);

        *slot = ks_strdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    sqlite3_close(raw);
    CHECK(names.len > 1000);
    CHECK_OK(ks_vulndb_open(dbpath, &db, &err));
    t0 = ks_clock_ns();
    for (int r = 0; r < (rounds > 0 ? rounds : 1); r++) {
        for (size_t i = 0; i < names.len; i++) {
            struct ks_arena *a = ks_arena_new(16 * 1024);
            struct ks_vulndb_hits hits;
            struct ks_affect_result res;

            CHECK_OK(ks_vulndb_find_by_package(db, KS_ECO_GO, KS_STR_NULL,
                                               ks_str_c(*(char **)ks_vec_at(&names, i)), a, &hits,
                                               &err));
            for (size_t k = 0; k < hits.n; k++)
                (void)ks_osv_evaluate(&hits.items[k].affected, KS_STR("1.0.0"), &res, NULL);
            hits_total += hits.n;
            lookups++;
            ks_arena_free(a);
        }
    }
    printf("query path: %llu lookups (%llu hits, each evaluated) in %.3f s: %.0f lookups/s\n",
           (unsigned long long)lookups, (unsigned long long)hits_total,
           (double)(ks_clock_ns() - t0) / 1e9,
           (double)lookups / ((double)(ks_clock_ns() - t0) / 1e9));
    for (size_t i = 0; i < names.len; i++)
        ks_free(*(char **)ks_vec_at(&names, i));
    ks_vec_release(&names);
    ks_vulndb_free(db);
}

/* Compact range blobs against jansson on each affected[] object's JSON text. */
static void
test_range_encoding_cost(void)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_vulndb *db = NULL;
    struct ks_arena *a = ks_arena_new(1 << 20);
    struct ks_vec blobs = KS_VEC_INIT(struct ks_buf), texts = KS_VEC_INIT(struct ks_buf);
    uint64_t t0, t1, t2;
    size_t blob_bytes = 0, text_bytes = 0;
    const char *ids[] = {"stdlib", "golang.org/x/net", "golang.org/x/crypto", "github.com/gin-gonic/gin"};

    build();
    CHECK_OK(ks_vulndb_open(dbpath, &db, &err));
    /* Collect each hit's blob and the same entry's affected[] JSON text. */
    for (size_t p = 0; p < KS_ARRAY_LEN(ids); p++) {
        struct ks_vulndb_hits hits;

        CHECK_OK(ks_vulndb_find_by_package(db, KS_ECO_GO, KS_STR_NULL, ks_str_c(ids[p]), a, &hits,
                                           &err));
        for (size_t i = 0; i < hits.n; i++) {
            struct ks_advisory adv;
            struct ks_buf *b = ks_vec_push(&blobs), *t = ks_vec_push(&texts);
            json_t *aff;

            ks_buf_init(b, 1 << 20);
            ks_buf_init(t, 1 << 20);
            CHECK_OK(ks_vulndb_get_advisory(db, ks_str_c(hits.items[i].id), a, &adv, &err));
            CHECK_OK(ks_vdb_ranges_encode(&adv.affected[hits.items[i].affected_index], b));
            CHECK_OK(ks_advisory_to_json(&adv, &aff, &err));
            CHECK_OK(ks_json_dump(json_array_get(json_object_get(aff, "affected"),
                                                 hits.items[i].affected_index),
                                  false, t, &err));
            json_decref(aff);
            blob_bytes += b->len;
            text_bytes += t->len;
        }
    }
    t0 = ks_clock_ns();
    for (size_t i = 0; i < blobs.len; i++) {
        struct ks_buf *b = ks_vec_at(&blobs, i);
        struct ks_arena *x = ks_arena_new(4096);
        struct ks_osv_affected o;

        CHECK_OK(ks_vdb_ranges_decode(b->data, b->len, KS_SCHEME_GO, x, &o, &err));
        ks_arena_free(x);
    }
    t1 = ks_clock_ns();
    for (size_t i = 0; i < texts.len; i++) {
        struct ks_buf *t = ks_vec_at(&texts, i);
        struct ks_arena *x = ks_arena_new(4096);
        struct ks_osv_affected o;
        json_t *j = NULL;

        CHECK_OK(ks_json_parse(t->data, t->len, "affected", &j, &err));
        CHECK_OK(ks_osv_affected_from_json(j, x, &o, &err));
        json_decref(j);
        ks_arena_free(x);
    }
    t2 = ks_clock_ns();
    printf("range data of %zu affected entries: blob %zu bytes, decode %.2f us each; "
           "JSON %zu bytes, jansson + ks_osv_affected_from_json %.2f us each\n",
           blobs.len, blob_bytes, (double)(t1 - t0) / 1e3 / (double)blobs.len, text_bytes,
           (double)(t2 - t1) / 1e3 / (double)texts.len);
    for (size_t i = 0; i < blobs.len; i++) {
        ks_buf_release(ks_vec_at(&blobs, i));
        ks_buf_release(ks_vec_at(&texts, i));
    }
    ks_vec_release(&blobs);
    ks_vec_release(&texts);
    ks_vulndb_free(db);
    ks_arena_free(a);
}

KS_TEST_MAIN(KS_TEST(test_counts), KS_TEST(test_records), KS_TEST(test_query_rate),
             KS_TEST(test_range_encoding_cost))
