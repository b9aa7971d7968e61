/*
 * test_db.c: building and reading DBs from small record sets written into
 * a scratch directory: queries, withdrawn records, re-import as a no-op,
 * change sets across updates, sources holding the same advisory, NVD/EPSS/
 * KEV lookups, freshness, and failures that must leave the old DB alone.
 */
#include "test.h"
#include "vulndb/vulndb_int.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static char dbpath[4096];

static void
put_file(const char *dir, const char *name, const char *text)
{
    char p[4096];
    FILE *f;

    snprintf(p, sizeof(p), "%s/%s", ks_test_tmpdir(), dir);
    (void)ks_mkdir_p(p, 0755, NULL);
    snprintf(p, sizeof(p), "%s/%s/%s", ks_test_tmpdir(), dir, name);
    f = fopen(p, "w");
    if (f == NULL) {
        perror(p);
        exit(3);
    }
    fputs(text, f);
    fclose(f);
}

static void
rm_file(const char *dir, const char *name)
{
    char p[4096];

    snprintf(p, sizeof(p), "%s/%s/%s", ks_test_tmpdir(), dir, name);
    unlink(p);
}

static const char *
tpath(const char *rel)
{
    static char p[4][4096];
    static int slot;

    slot = (slot + 1) % 4;
    snprintf(p[slot], sizeof(p[slot]), "%s/%s", ks_test_tmpdir(), rel);
    return p[slot];
}

static enum ks_code
import1(const char *rel, struct ks_arena *a, struct ks_vulndb_summary *s, struct ks_err *err)
{
    const char *paths[1] = {tpath(rel)};

    return ks_vulndb_import(dbpath, paths, 1, NULL, a, s, err);
}

static const char rec_a[] =
    "{\"id\":\"A-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"aliases\":[\"CVE-2000-0001\"],"
    "\"summary\":\"foo is bad\",\"affected\":[{\"package\":{\"ecosystem\":\"Go\",\"name\":"
    "\"example.com/foo\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},"
    "{\"fixed\":\"1.2.0\"}]}]}]}";
static const char rec_a2[] =
    "{\"id\":\"A-1\",\"modified\":\"2024-02-01T00:00:00Z\",\"aliases\":[\"CVE-2000-0001\"],"
    "\"summary\":\"foo is bad\",\"affected\":[{\"package\":{\"ecosystem\":\"Go\",\"name\":"
    "\"example.com/foo\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},"
    "{\"fixed\":\"1.3.0\"}]}]}]}";
static const char rec_b[] =
    "{\"id\":\"B-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"withdrawn\":\"2024-01-02T00:00:00Z\","
    "\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"Foo_Bar\"},\"versions\":[\"1.0\"]}]}";
static const char rec_c[] =
    "{\"id\":\"DSA-1-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"upstream\":[\"CVE-2000-0001\"],"
    "\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":\"openssl\"},\"ranges\":"
    "[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"3.0.11-1~deb12u1\"}]}]}]}";
static const char rec_d_yaml[] = "id: PYSEC-1\nmodified: '2024-01-01T00:00:00Z'\naffected:\n"
                                 "- package:\n    ecosystem: PyPI\n    name: Django\n"
                                 "  ranges:\n  - type: ECOSYSTEM\n    events:\n"
                                 "    - introduced: '0'\n    - fixed: 3.2.5\n";
static const char rec_e[] =
    "{\"id\":\"E-1\",\"modified\":\"2024-03-01T00:00:00Z\",\"affected\":[{\"package\":"
    "{\"ecosystem\":\"npm\",\"name\":\"left-pad\"},\"versions\":[\"1.0.0\"]}]}";

static uint64_t
count_changes(const struct ks_vulndb_changes *c, uint64_t seq, enum ks_change_kind k,
              const char *id)
{
    uint64_t n = 0;

    for (size_t i = 0; i < c->n; i++)
        if (c->items[i].seq == seq && c->items[i].kind == k && c->items[i].id != NULL &&
            strcmp(c->items[i].id, id) == 0)
            n++;
    return n;
}

static void
test_build_and_query(void)
{
    struct ks_arena *a = ks_arena_new(1 << 16);
    struct ks_err err = KS_ERR_INIT;
    struct ks_vulndb_summary sum;
    struct ks_vulndb *db = NULL, *db2 = NULL;
    struct ks_vulndb_hits hits;
    struct ks_advisory adv;
    struct ks_affect_result res;
    struct ks_vulndb_changes ch;
    const char **ids;
    size_t n;

    snprintf(dbpath, sizeof(dbpath), "%s/sub/dir/vuln.db", ks_test_tmpdir());
    put_file("recs", "A-1.json", rec_a);
    put_file("recs", "B-1.json", rec_b);
    put_file("recs", "DSA-1-1.json", rec_c);
    put_file("recs", "PYSEC-1.yaml", rec_d_yaml);
    put_file("recs", "README.txt", "not a feed\n");
    CHECK_OK(import1("recs", a, &sum, &err));
    CHECK(sum.written);
    CHECK(sum.from_scratch);
    CHECK_INT(sum.seq, 1);
    CHECK_INT(sum.n_sources, 1);
    CHECK_STR(sum.sources[0].name, "osv:recs");
    CHECK_INT(sum.sources[0].counts[KS_CHANGE_ADDED], 4);
    CHECK_INT(sum.advisories_total, 4);
    CHECK_INT(sum.n_ecosystems, 3); /* Debian, Go, PyPI */
    CHECK_STR(sum.ecosystems[0].ecosystem, "Debian");

    CHECK_OK(ks_vulndb_open(dbpath, &db, &err));
    CHECK_OK(ks_vulndb_find_by_package(db, KS_ECO_GO, KS_STR_NULL, KS_STR("example.com/foo"), a,
                                       &hits, &err));
    CHECK_INT(hits.n, 1);
    CHECK_STR(hits.items[0].id, "A-1");
    CHECK_STR(hits.items[0].ecosystem, "Go");
    CHECK_INT(hits.items[0].affected.scheme, KS_SCHEME_GO);
    CHECK_OK(ks_osv_evaluate(&hits.items[0].affected, KS_STR("1.1.0"), &res, &err));
    CHECK_INT(res.affected, KS_AFFECT_YES);
    CHECK(ks_str_eq_c(res.fixed, "1.2.0"));
    CHECK_OK(ks_osv_evaluate(&hits.items[0].affected, KS_STR("1.2.0"), &res, &err));
    CHECK_INT(res.affected, KS_AFFECT_NO);
    /* withdrawn: stored, never matched */
    CHECK_OK(ks_vulndb_find_by_package(db, KS_ECO_PYPI, KS_STR_NULL, KS_STR("foo-bar"), a, &hits,
                                       &err));
    CHECK_INT(hits.n, 0);
    CHECK_OK(ks_vulndb_get_advisory(db, KS_STR("B-1"), a, &adv, &err));
    CHECK(adv.withdrawn != NULL);
    CHECK_STR(adv.source, "osv:recs");
    /* names are normalised on the way in and on lookup (PEP 503) */
    CHECK_OK(ks_vulndb_find_by_package(db, KS_ECO_PYPI, KS_STR_NULL, KS_STR("DJANGO"), a, &hits,
                                       &err));
    CHECK_INT(hits.n, 1);
    /* releases */
    CHECK_OK(ks_vulndb_find_by_package(db, KS_ECO_DEBIAN, KS_STR("12"), KS_STR("openssl"), a,
                                       &hits, &err));
    CHECK_INT(hits.n, 1);
    CHECK_STR(hits.items[0].release, "12");
    CHECK_OK(ks_vulndb_find_by_package(db, KS_ECO_DEBIAN, KS_STR("11"), KS_STR("openssl"), a,
                                       &hits, &err));
    CHECK_INT(hits.n, 0);
    CHECK_OK(ks_vulndb_find_by_package(db, KS_ECO_DEBIAN, KS_STR_NULL, KS_STR("openssl"), a,
                                       &hits, &err));
    CHECK_INT(hits.n, 1);
    CHECK_OK(ks_vulndb_find_by_package(db, KS_ECO_NPM, KS_STR_NULL, KS_STR("nothing"), a, &hits,
                                       &err));
    CHECK_INT(hits.n, 0);
    /* aliases and upstream */
    CHECK_OK(ks_vulndb_find_by_alias(db, KS_STR("CVE-2000-0001"), a, &ids, &n, &err));
    CHECK_INT(n, 2);
    if (n == 2) {
        CHECK_STR(ids[0], "A-1");
        CHECK_STR(ids[1], "DSA-1-1");
    }
    CHECK_OK(ks_vulndb_find_by_alias(db, KS_STR("A-1"), a, &ids, &n, &err));
    CHECK_INT(n, 1);
    CHECK_INT(ks_vulndb_get_advisory(db, KS_STR("Z-9"), a, &adv, &err), KS_ENOTFOUND);
    CHECK_INT(ks_vulndb_seq(db), 1);

    /* the same data again: nothing written, the file (and inode) stays */
    CHECK_OK(import1("recs", a, &sum, &err));
    CHECK(!sum.written);
    CHECK(!ks_vulndb_changed(db));

    /* A modified, DSA removed, E added */
    put_file("recs", "A-1.json", rec_a2);
    rm_file("recs", "DSA-1-1.json");
    put_file("recs", "E-1.json", rec_e);
    CHECK_OK(import1("recs", a, &sum, &err));
    CHECK(sum.written);
    CHECK(!sum.from_scratch);
    CHECK_INT(sum.seq, 2);
    CHECK_INT(sum.sources[0].counts[KS_CHANGE_ADDED], 1);
    CHECK_INT(sum.sources[0].counts[KS_CHANGE_MODIFIED], 1);
    CHECK_INT(sum.sources[0].counts[KS_CHANGE_REMOVED], 1);
    CHECK(ks_vulndb_changed(db));
    /* the old handle still reads the old file */
    CHECK_OK(ks_vulndb_find_by_package(db, KS_ECO_DEBIAN, KS_STR("12"), KS_STR("openssl"), a,
                                       &hits, &err));
    CHECK_INT(hits.n, 1);
    CHECK_OK(ks_vulndb_open(dbpath, &db2, &err));
    CHECK_STR(ks_vulndb_lineage(db2), ks_vulndb_lineage(db));
    CHECK_OK(ks_vulndb_find_by_package(db2, KS_ECO_DEBIAN, KS_STR("12"), KS_STR("openssl"), a,
                                       &hits, &err));
    CHECK_INT(hits.n, 0);
    CHECK_OK(ks_vulndb_changes_since(db2, 1, a, &ch, &err));
    CHECK_INT(ch.n, 3);
    CHECK_INT(count_changes(&ch, 2, KS_CHANGE_MODIFIED, "A-1"), 1);
    CHECK_INT(count_changes(&ch, 2, KS_CHANGE_REMOVED, "DSA-1-1"), 1);
    CHECK_INT(count_changes(&ch, 2, KS_CHANGE_ADDED, "E-1"), 1);
    for (size_t i = 0; i < ch.n; i++)
        if (strcmp(ch.items[i].id, "DSA-1-1") == 0) {
            CHECK_STR(ch.items[i].ecosystem, "Debian");
            CHECK_STR(ch.items[i].release, "12");
            CHECK_STR(ch.items[i].name, "openssl");
        }
    CHECK_OK(ks_vulndb_changes_since(db2, 0, a, &ch, &err));
    CHECK_INT(count_changes(&ch, 1, KS_CHANGE_ADDED, "DSA-1-1"), 1);
    CHECK_OK(ks_vulndb_changes_since(db2, 2, a, &ch, &err));
    CHECK_INT(ch.n, 0);
    CHECK_INT(ks_vulndb_changes_since(db2, 3, a, &ch, &err), KS_ENOTFOUND);
    CHECK_OK(ks_vulndb_find_by_package(db2, KS_ECO_GO, KS_STR_NULL, KS_STR("example.com/foo"), a,
                                       &hits, &err));
    CHECK_OK(ks_osv_evaluate(&hits.items[0].affected, KS_STR("1.2.0"), &res, &err));
    CHECK_INT(res.affected, KS_AFFECT_YES); /* the new range */
    ks_vulndb_free(db2);
    db2 = NULL;

    /* A withdrawn */
    {
        char w[sizeof(rec_a2) + 64];

        snprintf(w, sizeof(w), "{\"withdrawn\":\"2024-03-01T00:00:00Z\",%s", rec_a2 + 1);
        put_file("recs", "A-1.json", w);
    }
    CHECK_OK(import1("recs", a, &sum, &err));
    CHECK_INT(sum.sources[0].counts[KS_CHANGE_WITHDRAWN], 1);
    CHECK_OK(ks_vulndb_open(dbpath, &db2, &err));
    CHECK_OK(ks_vulndb_find_by_package(db2, KS_ECO_GO, KS_STR_NULL, KS_STR("example.com/foo"), a,
                                       &hits, &err));
    CHECK_INT(hits.n, 0);
    CHECK_OK(ks_vulndb_changes_since(db2, 2, a, &ch, &err));
    CHECK_INT(count_changes(&ch, 3, KS_CHANGE_WITHDRAWN, "A-1"), 1);
    {
        struct ks_vulndb_status st;

        CHECK_OK(ks_vulndb_status(db2, a, &st, &err));
        CHECK_INT(st.schema_version, KS_VULNDB_SCHEMA_VERSION);
        CHECK_INT(st.seq, 3);
        CHECK_INT(st.advisories, 4);
        CHECK_INT(st.withdrawn, 2);
        CHECK_INT(st.n_sources, 1);
        CHECK_STR(st.sources[0].name, "osv:recs");
        CHECK_INT(st.sources[0].records, 4);
        CHECK(st.content_hash != NULL && strlen(st.content_hash) == 64);
    }
    /* freshness */
    {
        const char *oldest = NULL;
        time_t now = ks_time_now();
        struct ks_err why = KS_ERR_INIT;

        CHECK(ks_vulndb_age(db2, now, &oldest) <= 60);
        CHECK_STR(oldest, "osv:recs");
        CHECK(!ks_vulndb_is_stale(db2, now, 7 * 86400, &why));
        CHECK(ks_vulndb_is_stale(db2, now + 8 * 86400, 7 * 86400, &why));
        CHECK(strstr(why.msg, "8 days old") != NULL);
    }
    ks_vulndb_free(db2);
    ks_vulndb_free(db);
    ks_arena_free(a);
}

/* Two feeds holding the same advisory: it goes only when neither has it. */
static void
test_shared_advisory(void)
{
    struct ks_arena *a = ks_arena_new(1 << 16);
    struct ks_err err = KS_ERR_INIT;
    struct ks_vulndb_summary sum;
    struct ks_vulndb *db = NULL;
    struct ks_advisory adv;

    snprintf(dbpath, sizeof(dbpath), "%s/shared.db", ks_test_tmpdir());
    put_file("x", "E-1.json", rec_e);
    put_file("y", "E-1.json", rec_e);
    put_file("y", "A-1.json", rec_a);
    CHECK_OK(import1("x", a, &sum, &err));
    CHECK_OK(import1("y", a, &sum, &err));
    CHECK_INT(sum.sources[0].counts[KS_CHANGE_ADDED], 1); /* E-1 was there already */
    rm_file("x", "E-1.json");
    put_file("x", "A-1.json", rec_a);
    CHECK_OK(import1("x", a, &sum, &err));
    CHECK_INT(sum.sources[0].counts[KS_CHANGE_REMOVED], 0);
    CHECK_OK(ks_vulndb_open(dbpath, &db, &err));
    CHECK_OK(ks_vulndb_get_advisory(db, KS_STR("E-1"), a, &adv, &err));
    CHECK_STR(adv.source, "osv:y");
    ks_vulndb_free(db);
    db = NULL;
    rm_file("y", "E-1.json");
    CHECK_OK(import1("y", a, &sum, &err));
    CHECK_INT(sum.sources[0].counts[KS_CHANGE_REMOVED], 1);
    CHECK_OK(ks_vulndb_open(dbpath, &db, &err));
    CHECK_INT(ks_vulndb_get_advisory(db, KS_STR("E-1"), a, &adv, &err), KS_ENOTFOUND);
    ks_vulndb_free(db);
    ks_arena_free(a);
}

static const char nvd_file[] =
    "{\"resultsPerPage\":2,\"startIndex\":0,\"totalResults\":2,\"format\":\"NVD_CVE\","
    "\"vulnerabilities\":[{\"cve\":{\"id\":\"CVE-2000-0001\",\"sourceIdentifier\":\"s\","
    "\"published\":\"2000-01-01T00:00:00.000\",\"lastModified\":\"2000-01-02T00:00:00.000\","
    "\"vulnStatus\":\"Analyzed\",\"descriptions\":[{\"lang\":\"en\",\"value\":\"bad \\u00e9\"}],"
    "\"metrics\":{\"cvssMetricV31\":[{\"source\":\"nvd@nist.gov\",\"type\":\"Primary\","
    "\"cvssData\":{\"version\":\"3.1\",\"vectorString\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/"
    "I:H/A:H\",\"baseScore\":9.8,\"baseSeverity\":\"CRITICAL\"}}]},\"weaknesses\":[{"
    "\"description\":[{\"lang\":\"en\",\"value\":\"CWE-79\"}]}]}},{\"cve\":{\"id\":"
    "\"CVE-2000-0002\",\"sourceIdentifier\":\"s\"}}]}";

static void
test_scores(void)
{
    struct ks_arena *a = ks_arena_new(1 << 16);
    struct ks_err err = KS_ERR_INIT;
    struct ks_vulndb_summary sum;
    struct ks_vulndb *db = NULL;
    struct ks_nvd_record nvd;
    struct ks_epss ep;
    struct ks_kev kev;
    const char *paths[3];

    snprintf(dbpath, sizeof(dbpath), "%s/scores.db", ks_test_tmpdir());
    put_file("s", "nvdcve-2.0-2000.json", nvd_file);
    put_file("s", "epss.csv", "#model_version:v1,score_date:2025-01-01T00:00:00+0000\n"
                              "cve,epss,percentile\nCVE-2000-0001,0.5,0.9\n");
    put_file("s", "kev.json",
             "{\"catalogVersion\":\"1\",\"dateReleased\":\"2025-01-01T00:00:00Z\",\"count\":1,"
             "\"vulnerabilities\":[{\"cveID\":\"CVE-2000-0001\",\"dateAdded\":\"2021-12-10\","
             "\"dueDate\":\"2021-12-24\",\"knownRansomwareCampaignUse\":\"Known\","
             "\"requiredAction\":\"Patch.\"}]}");
    paths[0] = tpath("s/nvdcve-2.0-2000.json");
    paths[1] = tpath("s/epss.csv");
    paths[2] = tpath("s/kev.json");
    CHECK_OK(ks_vulndb_import(dbpath, paths, 3, NULL, a, &sum, &err));
    CHECK_INT(sum.n_sources, 3);
    CHECK_STR(sum.sources[0].name, "nvd:2000");
    CHECK_STR(sum.sources[1].name, "epss");
    CHECK_STR(sum.sources[2].name, "kev");
    CHECK_INT(sum.nvd_counts[KS_CHANGE_ADDED], 2);
    CHECK_OK(ks_vulndb_open(dbpath, &db, &err));
    {
        /* the first NVD load is one row without an id; KEV and EPSS have theirs */
        struct ks_vulndb_changes ch;
        int nvd_rows = 0, kev_rows = 0, epss_rows = 0;

        CHECK_OK(ks_vulndb_changes_since(db, 0, a, &ch, &err));
        for (size_t i = 0; i < ch.n; i++) {
            nvd_rows += strcmp(ch.items[i].subject, "nvd") == 0 && ch.items[i].id == NULL;
            kev_rows += strcmp(ch.items[i].subject, "kev") == 0;
            epss_rows += strcmp(ch.items[i].subject, "epss") == 0;
        }
        CHECK_INT(ch.n, 3);
        CHECK_INT(nvd_rows, 1);
        CHECK_INT(kev_rows, 1);
        CHECK_INT(epss_rows, 1);
    }
    CHECK_OK(ks_vulndb_nvd(db, KS_STR("CVE-2000-0001"), a, &nvd, &err));
    CHECK_STR(nvd.description, "bad \xc3\xa9");
    CHECK_STR(nvd.vuln_status, "Analyzed");
    CHECK_INT(nvd.n_metrics, 1);
    CHECK_STR(nvd.metrics[0].vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
    CHECK(nvd.metrics[0].base_score == 9.8);
    CHECK_STR(nvd.metrics[0].base_severity, "CRITICAL");
    CHECK_INT(nvd.n_cwes, 1);
    CHECK_STR(nvd.cwes[0], "CWE-79");
    CHECK_OK(ks_vulndb_nvd(db, KS_STR("CVE-2000-0002"), a, &nvd, &err));
    CHECK_INT(nvd.n_metrics, 0);
    CHECK_INT(ks_vulndb_nvd(db, KS_STR("CVE-2000-0003"), a, &nvd, &err), KS_ENOTFOUND);
    CHECK_OK(ks_vulndb_epss(db, KS_STR("CVE-2000-0001"), &ep, &err));
    CHECK(ep.score == 0.5 && ep.percentile == 0.9);
    CHECK_INT(ks_vulndb_epss(db, KS_STR("CVE-2000-0002"), &ep, &err), KS_ENOTFOUND);
    CHECK_OK(ks_vulndb_kev(db, KS_STR("CVE-2000-0001"), a, &kev, &err));
    CHECK_STR(kev.date_added, "2021-12-10");
    CHECK_STR(kev.due_date, "2021-12-24");
    CHECK_STR(kev.known_ransomware_campaign_use, "Known");
    CHECK_STR(kev.required_action, "Patch.");
    ks_vulndb_free(db);
    db = NULL;
    /* the KEV entry leaves the catalog; an NVD record goes from the yearly file */
    put_file("s", "kev.json", "{\"catalogVersion\":\"2\",\"count\":0,\"vulnerabilities\":[]}");
    {
        char smaller[sizeof(nvd_file)];
        const char *cut = strstr(nvd_file, ",{\"cve\":{\"id\":\"CVE-2000-0002\"");

        snprintf(smaller, sizeof(smaller), "%.*s]}", (int)(cut - nvd_file), nvd_file);
        /* resultsPerPage/totalResults must agree with what it holds */
        memcpy(strstr(smaller, "\"resultsPerPage\":2"), "\"resultsPerPage\":1", 18);
        memcpy(strstr(smaller, "\"totalResults\":2"), "\"totalResults\":1", 16);
        put_file("s", "nvdcve-2.0-2000.json", smaller);
    }
    CHECK_OK(ks_vulndb_import(dbpath, paths, 3, NULL, a, &sum, &err));
    CHECK_INT(sum.kev_counts[KS_CHANGE_REMOVED], 1);
    CHECK_INT(sum.nvd_counts[KS_CHANGE_REMOVED], 1);
    CHECK_STR(sum.sources[1].state, "unchanged"); /* same EPSS file: not even read */
    CHECK_OK(ks_vulndb_open(dbpath, &db, &err));
    CHECK_INT(ks_vulndb_kev(db, KS_STR("CVE-2000-0001"), a, &kev, &err), KS_ENOTFOUND);
    CHECK_INT(ks_vulndb_nvd(db, KS_STR("CVE-2000-0002"), a, &nvd, &err), KS_ENOTFOUND);
    {
        struct ks_vulndb_changes ch;

        CHECK_OK(ks_vulndb_changes_since(db, 1, a, &ch, &err));
        CHECK_INT(ch.n, 2);
    }
    ks_vulndb_free(db);
    ks_arena_free(a);
}

/* Failures leave the old DB exactly as it was. */
static void
test_failures_keep_old(void)
{
    struct ks_arena *a = ks_arena_new(1 << 16);
    struct ks_err err = KS_ERR_INIT;
    struct ks_vulndb_summary sum;
    struct stat before, after;
    char lock[4200], stale[4200];
    int fd;

    snprintf(dbpath, sizeof(dbpath), "%s/keep.db", ks_test_tmpdir());
    put_file("k", "E-1.json", rec_e);
    CHECK_OK(import1("k", a, &sum, &err));
    CHECK_INT(stat(dbpath, &before), 0);
    /* an unrecognised file given explicitly, a truncated gzip, a corrupt zip */
    put_file("bad", "notes.txt", "hello\n");
    CHECK_INT(import1("bad/notes.txt", a, &sum, &err), KS_EPARSE);
    CHECK(strstr(err.msg, "not a recognised feed") != NULL);
    put_file("bad", "trunc.json.gz", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03\xab\x56");
    CHECK(import1("bad/trunc.json.gz", a, &sum, &err) != KS_OK);
    put_file("bad", "bad.zip", "PK\x03\x04garbage that is not a zip at all");
    CHECK(import1("bad/bad.zip", a, &sum, &err) != KS_OK);
    CHECK(strstr(err.msg, "bad.zip") != NULL);
    CHECK_INT(import1("bad/missing.json", a, &sum, &err), KS_ENOTFOUND);
    /* a --db that names something else is never overwritten */
    {
        char keep[4096];

        snprintf(keep, sizeof(keep), "%s", dbpath);
        snprintf(dbpath, sizeof(dbpath), "%s/k/E-1.json", ks_test_tmpdir());
        CHECK_INT(import1("k", a, &sum, &err), KS_EDB);
        CHECK(strstr(err.msg, "not a Kensa vulnerability DB") != NULL);
        snprintf(dbpath, sizeof(dbpath), "%s", keep);
    }
    /* a writer holding the lock */
    snprintf(lock, sizeof(lock), "%s.lock", dbpath);
    fd = open(lock, O_RDWR | O_CREAT, 0644);
    CHECK(fd >= 0 && flock(fd, LOCK_EX) == 0);
    put_file("k", "A-1.json", rec_a);
    CHECK_INT(import1("k", a, &sum, &err), KS_ECONFLICT);
    close(fd);
    CHECK_INT(stat(dbpath, &after), 0);
    CHECK(before.st_ino == after.st_ino && before.st_size == after.st_size);
    /* a killed run's leftover is removed by the next writer */
    snprintf(stale, sizeof(stale), "%s.new-99999", dbpath);
    fd = open(stale, O_WRONLY | O_CREAT, 0644);
    CHECK(fd >= 0);
    close(fd);
    CHECK_OK(import1("k", a, &sum, &err));
    CHECK(!ks_path_exists(stale));
    ks_arena_free(a);
}

KS_TEST_MAIN(KS_TEST(test_build_and_query), KS_TEST(test_shared_advisory), KS_TEST(test_scores),
             KS_TEST(test_failures_keep_old))
