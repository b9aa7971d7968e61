/*
 * test_distro.c: the distro feed importers (issue 4) on the real samples in
 * ../shared/data/fixtures/native-feeds/vuln-list-update: where the sample
 * comes with vuln-list-update's golden JSON (the facts an established
 * scanner's fetcher kept), the same ids, packages, fixed versions,
 * severities and dates must come out of Kensa's DB. Also bad input through
 * a counting sink, id extraction, and the distribution -> ecosystem table.
 */
#include "test.h"
#include "vulndb/distro_int.h"

#include <jansson.h>
#include <stdlib.h>

#define VLU "fixtures/native-feeds/vuln-list-update/"

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

static int db_seq;

/* Import paths into a fresh DB; returns its path (static buffer per call). */
static const char *
fresh_db(const char *const *paths, size_t n, struct ks_vulndb_summary *sum_out)
{
    static char path[4096];
    struct ks_arena *a = ks_arena_new(1 << 16);
    struct ks_err err = KS_ERR_INIT;
    struct ks_vulndb_summary sum;
    enum ks_code rc;

    snprintf(path, sizeof(path), "%s/distro-%d.db", ks_test_tmpdir(), db_seq++);
    rc = ks_vulndb_import(path, paths, n, NULL, a, &sum, &err);
    CHECK_MSG(rc == KS_OK, "import: %s", err.msg);
    if (sum_out != NULL && rc == KS_OK) {
        *sum_out = sum;
        sum_out->sources = NULL; /* the arena goes away */
        sum_out->ecosystems = NULL;
    }
    ks_arena_free(a);
    return path;
}

/* The stored JSON of advisory id (new reference) or NULL. */
static json_t *
stored(const char *db_path, const char *id)
{
    struct ks_arena *a = ks_arena_new(1 << 16);
    struct ks_err err = KS_ERR_INIT;
    struct ks_vulndb *db = NULL;
    struct ks_advisory adv;
    json_t *out = NULL;

    if (ks_vulndb_open(db_path, &db, &err) == KS_OK &&
        ks_vulndb_get_advisory(db, ks_str_c(id), a, &adv, &err) == KS_OK)
        CHECK_OK(ks_advisory_to_json(&adv, &out, &err));
    else
        ks_test_fail(__FILE__, __LINE__, "advisory '%s': %s", id, err.msg);
    ks_vulndb_free(db);
    ks_arena_free(a);
    return out;
}

static json_t *
load_json(const char *rel)
{
    struct ks_buf b = KS_BUF_INIT(64 << 20);
    struct ks_err err = KS_ERR_INIT;
    json_t *j = NULL;
    const char *p = ks_test_data(rel);

    if (p == NULL || ks_file_read(p, 64 << 20, &b, &err) != KS_OK ||
        ks_json_parse(b.data, b.len, p, &j, &err) != KS_OK)
        ks_test_fail(__FILE__, __LINE__, "cannot read %s: %s", rel, err.msg);
    ks_buf_release(&b);
    return j;
}

/* Does affected[] of adv hold (ecosystem, name) fixed in `fixed` with status? */
static bool
has_fix(const json_t *adv, const char *eco, const char *name, const char *fixed,
        const char *status)
{
    json_t *aff = json_object_get(adv, "affected"), *e;
    size_t i;

    json_array_foreach(aff, i, e)
    {
        json_t *pkg = json_object_get(e, "package");
        json_t *ev = json_object_get(json_array_get(json_object_get(e, "ranges"), 0), "events");
        const char *fx = ks_json_str(json_array_get(ev, 1), "fixed");

        if (strcmp(ks_json_str(pkg, "ecosystem"), eco) != 0 ||
            strcmp(ks_json_str(pkg, "name"), name) != 0)
            continue;
        if (status != NULL && strcmp(ks_json_str(e, "status"), status) != 0)
            continue;
        if (fixed == NULL ? fx == NULL : (fx != NULL && strcmp(fx, fixed) == 0))
            return true;
    }
    return false;
}

static bool
has_id(const json_t *adv, const char *key, const char *id)
{
    json_t *arr = json_object_get(adv, key), *v;
    size_t i;

    json_array_foreach(arr, i, v)
        if (strcmp(json_string_value(v), id) == 0)
            return true;
    return false;
}

/* "2023-02-17 20:41" -> "2023-02-17T20:41:00Z" */
static void
golden_time(const char *in, char out[32])
{
    struct ks_arena *a = ks_arena_new(256);
    char *t = ks_df_time(a, ks_str_c(in));

    snprintf(out, 32, "%s", t ? t : "?");
    ks_arena_free(a);
}

static char *
evr(const json_t *p)
{
    static char buf[256];
    const char *e = ks_json_str(p, "epoch");

    snprintf(buf, sizeof(buf), "%s%s%s-%s", e && strcmp(e, "0") ? e : "", e && strcmp(e, "0") ? ":" : "",
             ks_json_str(p, "version"), ks_json_str(p, "release"));
    return buf;
}

/* ------------------------------------------------------------------------ */
/* updateinfo: Amazon Linux and Rocky against vuln-list-update's goldens    */

/* A golden (vuln-list's JSON of one <update>) against what Kensa stored. */
static void
check_updateinfo_golden(const char *db_path, const char *golden_rel, const char *eco)
{
    json_t *g = load_json(golden_rel), *adv, *pkgs, *p, *cves, *c;
    const char *id;
    char t[32], sev[64];
    size_t i, n_aff = 0, n_distinct = 0;

    if (g == NULL)
        return;
    id = ks_json_str(g, "id");
    adv = stored(db_path, id);
    if (adv == NULL) {
        json_decref(g);
        return;
    }
    CHECK_STR(ks_json_str(adv, "id"), id);
    CHECK_STR(ks_json_str(adv, "summary"), ks_json_str(g, "title"));
    golden_time(ks_json_str(ks_json_obj(g, "issued"), "date"), t);
    CHECK_STR(ks_json_str(adv, "published"), t);
    /* modified is the later of issued and updated (Rocky states them inverted) */
    {
        char u[32];
        const char *mod = ks_json_str(adv, "modified");

        golden_time(ks_json_str(ks_json_obj(g, "updated"), "date"), u);
        CHECK_MSG(mod != NULL && (strcmp(mod, t) == 0 || strcmp(mod, u) == 0) &&
                      strcmp(mod, t) >= 0 && strcmp(mod, u) >= 0,
                  "%s: modified %s (issued %s, updated %s)", id, mod ? mod : "(null)", t, u);
    }
    /* every CVE the golden lists is upstream, and nothing else is */
    cves = json_object_get(g, "cveids");
    json_array_foreach(cves, i, c)
        CHECK_MSG(has_id(adv, "upstream", json_string_value(c)), "%s: no upstream %s", id,
                  json_string_value(c));
    CHECK_INT(json_array_size(json_object_get(adv, "upstream")), json_array_size(cves));
    /* every (package, epoch:version-release) of the golden is a fixed entry */
    snprintf(sev, sizeof(sev), "%s", ks_json_str(g, "severity"));
    for (char *s = sev; *s; s++)
        *s = (char)(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
    pkgs = json_object_get(g, "packages");
    json_array_foreach(pkgs, i, p)
    {
        const char *name = ks_json_str(p, "name");
        bool dup = false;

        for (size_t k = 0; k < i && !dup; k++) {
            json_t *q = json_array_get(pkgs, k);

            dup = strcmp(ks_json_str(q, "name"), name) == 0 && strcmp(evr(q), evr(p)) == 0;
        }
        n_distinct += !dup;
        CHECK_MSG(has_fix(adv, eco, name, evr(p), "fixed"), "%s: %s not fixed in %s", id, name,
                  evr(p));
    }
    /* and nothing more: one entry per distinct (name, evr) */
    n_aff = json_array_size(json_object_get(adv, "affected"));
    CHECK_INT(n_aff, n_distinct);
    json_array_foreach(json_object_get(adv, "affected"), i, p)
        CHECK_STR(ks_json_str(p, "vendor_severity"), sev);
    json_decref(adv);
    json_decref(g);
}

static void
test_alas_goldens(void)
{
    const char *paths[] = {
        ks_test_data(VLU "amazon-alas/fixtures/updateinfo_AL2023.xml.gz"),
        ks_test_data(VLU "amazon-alas/fixtures/updateinfo_AL2022.xml.gz"),
        ks_test_data(VLU "amazon-alas/fixtures/updateinfo_2_items.xml.gz"),
    };
    const char *one[] = {ks_test_data(VLU "amazon-alas/fixtures/updateinfo_1_item.xml.gz")};
    struct ks_vulndb_summary sum;
    const char *db;

    /* The 1-item file is another snapshot of the same AL2 feed (source */
    /* alas:2): imported into the same DB it would replace the 2 items. */
    db = fresh_db(one, 1, &sum);
    CHECK_INT(sum.advisories_total, 1);
    check_updateinfo_golden(db, VLU "amazon-alas/ALAS2-2018-939.json.golden", "Amazon Linux:2");
    db = fresh_db(paths, KS_ARRAY_LEN(paths), &sum);
    /* 1 + 1 + 2 updates; each file is its own source, named by its release */
    CHECK_INT(sum.advisories_total, 4);
    CHECK_INT(sum.malformed, 0);
    check_updateinfo_golden(db, VLU "amazon-alas/ALAS2023-2023-001.json.golden",
                            "Amazon Linux:2023");
    check_updateinfo_golden(db, VLU "amazon-alas/ALAS2022-2021-001.json.golden",
                            "Amazon Linux:2022");
    check_updateinfo_golden(db, VLU "amazon-alas/ALAS2-2018-942.json.golden", "Amazon Linux:2");
    check_updateinfo_golden(db, VLU "amazon-alas/ALAS2-2018-949.json.golden", "Amazon Linux:2");
    {
        /* epoch 10 is kept: qemu-kvm 10:1.5.3-141.amzn2.5.3 */
        json_t *adv = stored(db, "ALAS2-2018-942");

        CHECK(adv != NULL && has_fix(adv, "Amazon Linux:2", "qemu-kvm",
                                     "10:1.5.3-141.amzn2.5.3", "fixed"));
        json_decref(adv);
    }
}

static void
test_rocky_goldens(void)
{
    const char *paths[] = {ks_test_data(VLU "rocky-updateinfo/fixtures/happy/updateinfo.xml")};
    struct ks_vulndb_summary sum;
    const char *db = fresh_db(paths, 1, &sum);
    json_t *adv;

    /* 4 updates, one of them a bug fix (RLBA), which is no advisory */
    CHECK_INT(sum.advisories_total, 3);
    check_updateinfo_golden(db, VLU "rocky-updateinfo/golden/2021/RLSA-2021:2575.json",
                            "Rocky Linux:8");
    check_updateinfo_golden(db, VLU "rocky-updateinfo/golden/2021/RLSA-2021:3057.json",
                            "Rocky Linux:8");
    check_updateinfo_golden(db, VLU "rocky-updateinfo/golden/2019/RLSA-2019:1972.json",
                            "Rocky Linux:8");
    /* the ruby:2.6 module stream travels with its packages */
    adv = stored(db, "RLSA-2019:1972");
    if (adv != NULL) {
        json_t *e = json_array_get(json_object_get(adv, "affected"), 0);
        const char *purl = ks_json_str(json_object_get(e, "package"), "purl");
        struct ks_str m = ks_vulndb_purl_module(purl);

        CHECK(ks_str_eq_c(m, "ruby:2.6"));
        CHECK_STR(ks_json_str(json_object_get(e, "ecosystem_specific"), "module"), "ruby:2.6");
        CHECK(ks_vulndb_module_applies(m, "ruby:2.6:8060020220628150300:d63f516d"));
        CHECK(!ks_vulndb_module_applies(m, "ruby:2.5:8010020190801165031:a8f54fa4"));
        CHECK(!ks_vulndb_module_applies(m, NULL));
        CHECK(!ks_vulndb_module_applies(KS_STR_NULL, "ruby:2.6:1:2"));
        CHECK(ks_vulndb_module_applies(KS_STR_NULL, ""));
    }
    json_decref(adv);
}

/* ------------------------------------------------------------------------ */
/* secdb: Alpine, Wolfi, Chainguard                                         */

/* Every secfixes entry of a golden package is in the DB as the scheme says. */
static void
check_secdb_golden(const char *db, const char *golden_rel, const char *prefix, const char *eco,
                   const char *scope)
{
    json_t *g = load_json(golden_rel), *fixes, *ids, *v;
    const char *ver, *name;
    size_t i;

    if (g == NULL)
        return;
    name = ks_json_str(g, "name");
    fixes = json_object_get(g, "secfixes");
    CHECK(json_object_size(fixes) > 0);
    json_object_foreach(fixes, ver, ids)
    {
        json_array_foreach(ids, i, v)
        {
            char id[256];
            json_t *adv;

            snprintf(id, sizeof(id), "%s-%s%s", prefix, json_string_value(v), scope);
            adv = stored(db, id);
            if (adv == NULL)
                continue;
            CHECK(has_id(adv, "upstream", json_string_value(v)));
            if (strcmp(ver, "0") == 0)
                CHECK(has_fix(adv, eco, name, NULL, "not_affected"));
            else
                CHECK_MSG(has_fix(adv, eco, name, ver, "fixed"), "%s: %s not fixed in %s", id,
                          name, ver);
            json_decref(adv);
        }
    }
    json_decref(g);
}

static void
test_secdb_goldens(void)
{
    const char *paths[] = {
        ks_test_data(VLU "alpine-secdb/312-main.json"),
        ks_test_data(VLU "alpine-secdb/311-main.json"),
        ks_test_data(VLU "alpine-secdb/edge-main.json"),
        ks_test_data(VLU "wolfi-secdb/security.json"),
        ks_test_data(VLU "chainguard-secdb/security.json"),
    };
    struct ks_vulndb_summary sum;
    const char *db = fresh_db(paths, KS_ARRAY_LEN(paths), &sum);

    /* 312-main.json: "2.8.0-r0": {} is not a list of ids: one warning */
    CHECK_INT(sum.malformed, 1);
    check_secdb_golden(db, VLU "alpine-secdb/golden/312-ansible.json", "ALPINE", "Alpine:v3.12",
                       "/v3.12-main");
    check_secdb_golden(db, VLU "alpine-secdb/golden/311-apache2.json", "ALPINE", "Alpine:v3.11",
                       "/v3.11-main");
    check_secdb_golden(db, VLU "alpine-secdb/golden/edge-apk-tools.json", "ALPINE",
                       "Alpine:edge", "/edge-main");
    check_secdb_golden(db, VLU "wolfi-secdb/golden/binutils.json", "WOLFI", "Wolfi", "");
    check_secdb_golden(db, VLU "chainguard-secdb/golden/binutils.json", "CHAINGUARD",
                       "Chainguard", "");
}

/* ------------------------------------------------------------------------ */
/* Bad input through a counting sink                                        */

struct seen {
    int advisories;
    char last_id[128];
    json_t *last;
};

static enum ks_code
s_adv(struct ks_vdb_sink *s, const struct ks_advisory *adv, struct ks_err *err)
{
    struct seen *c = s->ctx;

    c->advisories++;
    snprintf(c->last_id, sizeof(c->last_id), "%s", adv->id);
    json_decref(c->last);
    c->last = NULL;
    return ks_advisory_to_json(adv, &c->last, err);
}

static void
s_meta(struct ks_vdb_sink *s, const char *key, const char *value)
{
    (void)s;
    (void)key;
    (void)value;
}

static const struct ks_vdb_sink_ops seen_ops = {.advisory = s_adv, .meta = s_meta};

static enum ks_code
run(enum ks_code (*imp)(struct ks_vdb_stream *, struct ks_vdb_sink *, struct ks_err *),
    const char *text, struct seen *c, struct ks_vdb_sink *sink, struct ks_err *err)
{
    struct ks_vdb_stream s;
    enum ks_code rc;

    json_decref(c->last);
    memset(c, 0, sizeof(*c));
    memset(sink, 0, sizeof(*sink));
    sink->ops = &seen_ops;
    sink->ctx = c;
    sink->file = "test";
    ks_err_clear(err);
    ks_vdb_stream_mem(&s, "test", text, strlen(text));
    rc = imp(&s, sink, err);
    ks_vdb_stream_release(&s);
    return rc;
}

static void
test_updateinfo_bad(void)
{
    struct seen c = {0};
    struct ks_vdb_sink sink;
    struct ks_err err = KS_ERR_INIT;
    const char *truncated = ks_test_data(VLU "amazon-alas/fixtures/updateinfo_invalid.xml.gz");
    const char *paths[] = {truncated};
    struct ks_arena *a = ks_arena_new(4096);
    struct ks_vulndb_summary sum;
    char dbp[4096];

    /* a truncated file is an error naming the file and line; the DB is untouched */
    snprintf(dbp, sizeof(dbp), "%s/bad.db", ks_test_tmpdir());
    CHECK(ks_vulndb_import(dbp, paths, 1, NULL, a, &sum, &err) == KS_EPARSE);
    CHECK(strstr(err.msg, "updateinfo_invalid.xml.gz") != NULL);
    CHECK(!ks_path_exists(dbp));
    ks_arena_free(a);

    /* malformed XML */
    CHECK(run(ks_vdb_alas_import, "<updates><update type=\"security\"><id>ALAS2-2018-1</id>",
              &c, &sink, &err) == KS_EPARSE);
    CHECK(run(ks_vdb_alas_import, "<updates><update></updat></updates>", &c, &sink, &err) ==
          KS_EPARSE);
    CHECK(strstr(err.msg, "test:1") != NULL);
    /* a DOCTYPE (entity tricks) is refused before anything is expanded */
    CHECK(run(ks_vdb_alas_import,
              "<?xml version=\"1.0\"?><!DOCTYPE updates [<!ENTITY x SYSTEM "
              "\"file:///etc/passwd\">]><updates><update type=\"security\"><id>&x;</id>"
              "</update></updates>",
              &c, &sink, &err) == KS_EPARSE);
    CHECK(strstr(err.msg, "DTD") != NULL);
    CHECK_INT(c.advisories, 0);
    /* missing fields and unknown ids: warnings, the rest goes on */
    CHECK_OK(run(ks_vdb_alas_import,
                 "<updates>"
                 "<update type=\"security\"><title>no id</title></update>"
                 "<update type=\"security\"><id>FOO-1</id><pkglist><collection>"
                 "<package name=\"a\" version=\"1\" release=\"1\" epoch=\"0\"/>"
                 "</collection></pkglist></update>"
                 "<update type=\"security\"><id>ALAS2-2020-1</id></update>"
                 "<update type=\"security\"><id>ALAS2-2020-2</id><pkglist><collection>"
                 "<package name=\"b\" version=\"1\"/></collection></pkglist></update>"
                 "<update type=\"security\"><id>ALAS2-2020-3</id><issued date=\"yesterday\"/>"
                 "<pkglist><collection><package name=\"c\" version=\"1\" release=\"2\"/>"
                 "</collection></pkglist></update>"
                 "<update type=\"security\"><id>ALAS2-2020-4</id><severity>Low</severity>"
                 "<references><reference type=\"cve\" id=\"CVE-2020-1\"/>"
                 "<reference type=\"cve\" id=\"CVE-2020-1234\" href=\"https://x/CVE-2020-1234\"/>"
                 "</references><pkglist><collection>"
                 "<package name=\"d\" version=\"1.0\" release=\"2.amzn2\" epoch=\"1\"/>"
                 "</collection></pkglist></update>"
                 "</updates>",
                 &c, &sink, &err));
    CHECK_INT(sink.malformed, 5);
    CHECK_INT(c.advisories, 1);
    CHECK_STR(c.last_id, "ALAS2-2020-4");
    CHECK(c.last != NULL && has_fix(c.last, "Amazon Linux:2", "d", "1:1.0-2.amzn2", "fixed"));
    CHECK(c.last != NULL && has_id(c.last, "upstream", "CVE-2020-1234") &&
          !has_id(c.last, "upstream", "CVE-2020-1"));
    /* not an updateinfo at all */
    CHECK(run(ks_vdb_alas_import, "<html><body/></html>", &c, &sink, &err) == KS_EPARSE);
    CHECK(run(ks_vdb_alas_import, "", &c, &sink, &err) == KS_EPARSE);
    json_decref(c.last);
}

static void
test_secdb_bad(void)
{
    struct seen c = {0};
    struct ks_vdb_sink sink;
    struct ks_err err = KS_ERR_INIT;

    CHECK(run(ks_vdb_secdb_import, "{\"packages\": [", &c, &sink, &err) == KS_EPARSE);
    CHECK(run(ks_vdb_secdb_import, "{\"packages\": {}}", &c, &sink, &err) == KS_EPARSE);
    /* neither Alpine (no distroversion) nor Wolfi/Chainguard */
    CHECK(run(ks_vdb_secdb_import, "{\"packages\": [], \"reponame\": \"x\"}", &c, &sink, &err) ==
          KS_EPARSE);
    CHECK_OK(run(ks_vdb_secdb_import,
                 "{\"distroversion\": \"v3.20\", \"reponame\": \"main\", \"packages\": ["
                 "{\"pkg\": {\"secfixes\": {\"1-r0\": [\"CVE-2020-1234\"]}}},"
                 "{\"pkg\": {\"name\": \"a\", \"secfixes\": [\"CVE-2020-1234\"]}},"
                 "{\"pkg\": {\"name\": \"b\", \"secfixes\": {\"1-r0\": {}, \"2-r0\": [1, "
                 "\"CVE-46838\", \"CVE N/A ZBX-11023\", \"nothing here\"], "
                 "\"0\": [\"CVE-2021-1111 XSA-1\"]}}},"
                 "{\"pkg\": {\"name\": \"c\"}}]}",
                 &c, &sink, &err));
    /* no name, secfixes a list, {} , 1, CVE-46838, "nothing here" */
    CHECK_INT(sink.malformed, 6);
    CHECK_INT(c.advisories, 2); /* ALPINE-ZBX-11023, ALPINE-CVE-2021-1111 */
    CHECK_STR(c.last_id, "ALPINE-CVE-2021-1111/v3.20-main");
    CHECK(c.last != NULL && has_fix(c.last, "Alpine:v3.20", "b", NULL, "not_affected"));
    CHECK(c.last != NULL && has_id(c.last, "related", "XSA-1") && !has_id(c.last, "upstream", "XSA-1"));
    json_decref(c.last);
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

struct ids {
    char s[8][64];
    int n;
};

static void
add_id(void *ctx, struct ks_str id)
{
    struct ids *l = ctx;

    if (l->n < 8)
        snprintf(l->s[l->n++], 64, KS_STR_FMT, KS_STR_ARG(id));
}

static void
test_extract_ids(void)
{
    static const struct {
        const char *text, *want, *bad;
    } cases[] = {
        {"CVE-2016-10013 XSA-204", "CVE-2016-10013 XSA-204", ""},
        {"CVE N/A ZBX-11023", "ZBX-11023", ""},
        {"CVE-?\?\?\?-?\?\?\?\? TS-2024-005", "TS-2024-005", "CVE-?\?\?\?-?\?\?\?\?"},
        {"CVE-46838", "", "CVE-46838"},
        {"ALPINE-13661", "ALPINE-13661", ""},
        {"GHSA-fhpf-pp6p-55qc", "GHSA-fhpf-pp6p-55qc", ""},
        {"CVE-2022-45059 VSV00010", "CVE-2022-45059 VSV00010", ""},
        {"DW202402-001", "DW202402-001", ""},
        {"CVE-2024-28834 GNUTLS-SA-2023-12-04", "CVE-2024-28834 GNUTLS-SA-2023-12-04", ""},
        {"cve-2020-1 lower case", "", ""},
        {"", "", ""},
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct ids l = {.n = 0};
        struct ks_str bad;
        char got[512] = "";

        ks_df_extract_ids(ks_str_c(cases[i].text), add_id, &l, &bad);
        for (int k = 0; k < l.n; k++) {
            if (k)
                strncat(got, " ", sizeof(got) - strlen(got) - 1);
            strncat(got, l.s[k], sizeof(got) - strlen(got) - 1);
        }
        CHECK_MSG(strcmp(got, cases[i].want) == 0, "'%s': got '%s', want '%s'", cases[i].text,
                  got, cases[i].want);
        CHECK_MSG(ks_str_eq_c(bad, cases[i].bad), "'%s': bad '" KS_STR_FMT "'", cases[i].text,
                  KS_STR_ARG(bad));
    }
}

static void
test_os_ecosystems(void)
{
    static const struct {
        const char *id, *version_id, *want; /* want: ecosystems joined by '|' */
    } cases[] = {
        {"amzn", "2023", "Amazon Linux:2023"},
        {"amzn", "2", "Amazon Linux:2"},
        {"amzn", "2022", "Amazon Linux:2022"},
        {"amzn", "2018.03", "Amazon Linux:1"},
        {"rhel", "8.6", "Red Hat:8"},
        {"centos", "7", "CentOS:7|Red Hat:7"},
        {"centos", "9", "CentOS:9"},
        {"rocky", "9.2", "Rocky Linux:9"},
        {"almalinux", "8.8", "AlmaLinux:8"},
        {"ol", "8.7", "Oracle Linux:8"},
        {"debian", "12", "Debian:12"},
        {"ubuntu", "22.04", "Ubuntu:22.04"},
        {"alpine", "3.19.1", "Alpine:v3.19"},
        {"alpine", "3.21_alpha20240807", "Alpine:v3.21|Alpine:edge"},
        {"wolfi", "20230201", "Wolfi"},
        {"chainguard", NULL, "Chainguard"},
        {"photon", "5.0", "Photon OS:5.0"},
        {"photon", "4", "Photon OS:4.0"},
        {"mariner", "2.0", "Azure Linux:2.0"},
        {"azurelinux", "3.0", "Azure Linux:3.0"},
        {"sles", "15.5", "SUSE:Linux Enterprise Server 15 SP5"},
        {"opensuse-leap", "15.5", "openSUSE:Leap 15.5"},
        {"debian", NULL, ""},
        {"linuxmint", "21.2", ""},
    };
    struct ks_arena *a = ks_arena_new(4096);

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct ks_vulndb_os_eco out[4];
        size_t n = ks_vulndb_os_ecosystems(cases[i].id, cases[i].version_id, a, out, 4);
        char got[256] = "";

        for (size_t k = 0; k < n; k++) {
            if (k)
                strncat(got, "|", sizeof(got) - strlen(got) - 1);
            strncat(got, out[k].ecosystem, sizeof(got) - strlen(got) - 1);
        }
        CHECK_MSG(strcmp(got, cases[i].want) == 0, "%s %s: got '%s', want '%s'", cases[i].id,
                  cases[i].version_id ? cases[i].version_id : "(none)", got, cases[i].want);
    }
    ks_arena_free(a);
}

static void
test_purl_binary(void)
{
    CHECK(!ks_vulndb_purl_is_binary(KS_ECO_UBUNTU, NULL));
    CHECK(!ks_vulndb_purl_is_binary(KS_ECO_UBUNTU, "pkg:deb/ubuntu/openssl?arch=source"));
    CHECK(ks_vulndb_purl_is_binary(KS_ECO_UBUNTU, "pkg:deb/ubuntu/libssl3?distro=ubuntu-22.04"));
    CHECK(!ks_vulndb_purl_is_binary(KS_ECO_ALPINE, "pkg:apk/alpine/musl"));
    CHECK(ks_str_eq_c(ks_vulndb_purl_module("pkg:rpm/redhat/nodejs@1?arch=src&rpmmod=nodejs:18:"
                                            "8070020230306170042:ad008a3a"),
                      "nodejs:18"));
    CHECK(ks_vulndb_purl_module("pkg:rpm/redhat/bash").len == 0);
}

/* ------------------------------------------------------------------------ */
/* The other importers on small inputs                                      */

static void
test_debian_lists(void)
{
    struct seen c = {0};
    struct ks_vdb_sink sink;
    struct ks_err err = KS_ERR_INIT;

    /* a release without its own line inherits unstable's fix as a limit */
    CHECK_OK(run(ks_vdb_debian_cve_import,
                 "CVE-2020-1234 (a flaw ...)\n"
                 "\t- foo 1.2-3 (low; bug #1)\n"
                 "\t[bookworm] - foo 1.2-2+deb12u1\n"
                 "\t[bullseye] - foo <postponed> (Fix along with a future DSA)\n"
                 "\t[buster] - foo <ignored> (Minor issue)\n"
                 "\t[stretch] - foo <end-of-life>\n"
                 "\t[jessie] - foo <frobnicated>\n"
                 "\t[hamlet] - foo 1\n"
                 "\t- bar <not-affected> (Vulnerable code not present)\n"
                 "CVE-2020-XXXX [not yet assigned]\n"
                 "\t- baz <unfixed>\n",
                 &c, &sink, &err));
    CHECK_INT(c.advisories, 1);
    CHECK_STR(c.last_id, "DEBIAN-CVE-2020-1234");
    CHECK_INT(sink.malformed, 2); /* <frobnicated>, [hamlet] */
    CHECK(c.last && has_fix(c.last, "Debian:12", "foo", "1.2-2+deb12u1", "fixed"));
    CHECK(c.last && has_fix(c.last, "Debian:11", "foo", NULL, "fix_deferred"));
    CHECK(c.last && has_fix(c.last, "Debian:10", "foo", NULL, "will_not_fix"));
    CHECK(c.last && has_fix(c.last, "Debian:9", "foo", NULL, "end_of_life"));
    CHECK(c.last && has_fix(c.last, "Debian:13", "foo", "1.2-3", "affected"));
    CHECK(c.last && has_fix(c.last, "Debian:12", "bar", NULL, "not_affected"));
    {
        json_t *e = json_array_get(json_object_get(c.last, "affected"), 0);

        CHECK_STR(ks_json_str(e, "vendor_severity"), "low");
    }
    CHECK(run(ks_vdb_debian_cve_import, "not a list\n", &c, &sink, &err) == KS_EPARSE);
    CHECK_OK(run(ks_vdb_debian_dsa_import,
                 "[03 Jan 2024] DSA-5590-1 haproxy - security update\n"
                 "\t{CVE-2023-45539}\n"
                 "\t[bookworm] - haproxy 2.6.12-1+deb12u1\n"
                 "\t[bullseye] - haproxy <not-affected> (Vulnerable code introduced later)\n"
                 "[04 Jan 2024] DSA-5591 broken\n"
                 "\t[bookworm] - x 1\n",
                 &c, &sink, &err));
    CHECK_INT(c.advisories, 2);
    CHECK_INT(sink.malformed, 0);
    json_decref(c.last);
}

static void
test_uct(void)
{
    struct seen c = {0};
    struct ks_vdb_sink sink;
    struct ks_err err = KS_ERR_INIT;

    CHECK_OK(run(ks_vdb_uct_import,
                 "Candidate: CVE-2023-1234\n"
                 "PublicDate: 2023-03-01 12:00:00 UTC\n"
                 "Description:\n a flaw\n in two lines\n"
                 "Priority: high\n"
                 "Priority_bar: low\n"
                 "\n"
                 "Patches_foo:\n"
                 "upstream_foo: released (1.2)\n"
                 "jammy_foo: released (1.0-1ubuntu0.1)\n"
                 "focal_foo: deferred (2023-05-01)\n"
                 "bionic_foo: ignored (end of standard support)\n"
                 "xenial_foo: ignored (no fix planned)\n"
                 "esm-infra/xenial_foo: released (1.0-1ubuntu0.1~esm1)\n"
                 "noble_foo: not-affected (code not present)\n"
                 "mantic_foo: DNE\n"
                 "lunar_foo: frobnicated\n"
                 "jammy_bar: needed\n"
                 "fips/jammy_bar: needed\n"
                 "zorro_bar: needed\n",
                 &c, &sink, &err));
    CHECK_INT(c.advisories, 1);
    CHECK_STR(c.last_id, "UBUNTU-CVE-2023-1234");
    CHECK_INT(sink.malformed, 2); /* frobnicated (kept as affected), zorro */
    CHECK(c.last && has_fix(c.last, "Ubuntu:22.04", "foo", "1.0-1ubuntu0.1", "fixed"));
    CHECK(c.last && has_fix(c.last, "Ubuntu:20.04", "foo", NULL, "fix_deferred"));
    CHECK(c.last && has_fix(c.last, "Ubuntu:18.04", "foo", NULL, "end_of_life"));
    CHECK(c.last && has_fix(c.last, "Ubuntu:16.04", "foo", NULL, "will_not_fix"));
    CHECK(c.last && has_fix(c.last, "Ubuntu:16.04", "foo", "1.0-1ubuntu0.1~esm1", "fixed"));
    CHECK(c.last && has_fix(c.last, "Ubuntu:24.04", "foo", NULL, "not_affected"));
    CHECK(c.last && has_fix(c.last, "Ubuntu:23.04", "foo", NULL, "affected"));
    CHECK(c.last && has_fix(c.last, "Ubuntu:22.04", "bar", NULL, "affected"));
    CHECK_STR(ks_json_str(c.last, "published"), "2023-03-01T12:00:00Z");
    {
        json_t *aff = json_object_get(c.last, "affected"), *e;
        size_t i;
        int pro = 0;

        json_array_foreach(aff, i, e)
        {
            const char *n = ks_json_str(json_object_get(e, "package"), "name");

            if (json_is_true(json_object_get(json_object_get(e, "database_specific"),
                                             "ubuntu_pro")))
                pro++;
            CHECK_STR(ks_json_str(e, "vendor_severity"), strcmp(n, "bar") == 0 ? "low" : "high");
        }
        CHECK_INT(pro, 1);
    }
    CHECK_OK(run(ks_vdb_uct_import, "PublicDate: 2023\nCandidate: nope\nx_y: needed\n", &c,
                 &sink, &err));
    CHECK_INT(c.advisories, 0);
    CHECK_INT(sink.malformed, 2); /* release "x", no CVE */
    json_decref(c.last);
}

/* A small OVAL document: one definition, its tests, objects and states. */
#define OVAL_HEAD "<oval_definitions xmlns=\"http://oval.mitre.org/XMLSchema/oval-definitions-5\">"

static void
test_oval(void)
{
    struct seen c = {0};
    struct ks_vdb_sink sink;
    struct ks_err err = KS_ERR_INIT;

    /* Red Hat: an erratum with a module stream, and the release guard */
    CHECK_OK(run(ks_vdb_redhat_oval_import,
                 OVAL_HEAD "<definitions><definition id=\"oval:com.redhat.rhsa:def:1\" class=\"patch\">"
                 "<metadata><title>RHSA-2023:1: nodejs:18 security update (Important)</title>"
                 "<reference source=\"RHSA\" ref_id=\"RHSA-2023:1\" ref_url=\"https://x/1\"/>"
                 "<reference source=\"CVE\" ref_id=\"CVE-2023-1\" ref_url=\"https://x/c\"/>"
                 "<advisory><severity>Important</severity><issued date=\"2023-01-02\"/></advisory>"
                 "</metadata><criteria operator=\"OR\">"
                 "<criterion comment=\"Red Hat Enterprise Linux must be installed\" test_ref=\"t0\"/>"
                 "<criteria operator=\"AND\">"
                 "<criterion comment=\"Red Hat Enterprise Linux 8 is installed\" test_ref=\"t1\"/>"
                 "<criterion comment=\"Module nodejs:18 is enabled\" test_ref=\"t2\"/>"
                 "<criterion comment=\"nodejs is earlier than 1:18.14.2-2.module+el8\" test_ref=\"t3\"/>"
                 "</criteria></criteria></definition></definitions>"
                 "<tests><rpminfo_test id=\"t3\" comment=\"nodejs is earlier than ...\">"
                 "<object object_ref=\"o3\"/><state state_ref=\"s3\"/></rpminfo_test></tests>"
                 "<objects><rpminfo_object id=\"o3\"><name>nodejs</name></rpminfo_object></objects>"
                 "<states><rpminfo_state id=\"s3\"><evr operation=\"less than\">1:18.14.2-2.module+el8"
                 "</evr></rpminfo_state></states></oval_definitions>",
                 &c, &sink, &err));
    CHECK_INT(c.advisories, 1);
    CHECK(c.last && has_fix(c.last, "Red Hat:8", "nodejs", "1:18.14.2-2.module+el8", "fixed"));
    {
        json_t *e = json_array_get(json_object_get(c.last, "affected"), 0);

        CHECK(ks_str_eq_c(ks_vulndb_purl_module(ks_json_str(json_object_get(e, "package"), "purl")),
                          "nodejs:18"));
    }
    /* Mariner: "less than or equal" is the last affected version */
    CHECK_OK(run(ks_vdb_azure_oval_import,
                 OVAL_HEAD "<definitions><definition id=\"oval:com.microsoft.cbl-mariner:def:1\" "
                 "class=\"vulnerability\"><metadata><title>CVE-2021-1111 affecting package x 1.0</title>"
                 "<reference ref_id=\"CVE-2021-1111\" source=\"CVE\" ref_url=\"u\"/><severity>High</severity>"
                 "</metadata><criteria><criterion comment=\"c\" test_ref=\"t\"/></criteria>"
                 "</definition></definitions><tests><rpminfo_test id=\"t\"><object object_ref=\"o\"/>"
                 "<state state_ref=\"s\"/></rpminfo_test></tests><objects><rpminfo_object id=\"o\">"
                 "<name>x</name></rpminfo_object></objects><states><rpminfo_state id=\"s\">"
                 "<evr operation=\"less than or equal\">0:1.0-2.cm2</evr></rpminfo_state></states>"
                 "</oval_definitions>",
                 &c, &sink, &err));
    CHECK_STR(c.last_id, "AZURELINUX-CVE-2021-1111/2.0"); /* release from the dist tag */
    {
        json_t *e = json_array_get(json_object_get(c.last, "affected"), 0);
        json_t *ev = json_object_get(json_array_get(json_object_get(e, "ranges"), 0), "events");

        CHECK_STR(ks_json_str(json_array_get(ev, 1), "last_affected"), "1.0-2.cm2");
        CHECK_STR(ks_json_str(e, "status"), "affected");
    }
    /* truncated, not OVAL, missing references */
    CHECK(run(ks_vdb_usn_oval_import, OVAL_HEAD "<definitions><definition id=\"x\">", &c, &sink,
              &err) == KS_EPARSE);
    CHECK(strstr(err.msg, "test") != NULL);
    CHECK(run(ks_vdb_oracle_oval_import, "<html/>", &c, &sink, &err) == KS_EPARSE);
    CHECK_OK(run(ks_vdb_oracle_oval_import,
                 OVAL_HEAD "<definitions><definition id=\"d\" class=\"patch\"><metadata>"
                 "<title>no id here</title></metadata></definition></definitions></oval_definitions>",
                 &c, &sink, &err));
    CHECK_INT(c.advisories, 0);
    CHECK_INT(sink.malformed, 1);
    json_decref(c.last);
}

static void
test_alma_photon(void)
{
    struct seen c = {0};
    struct ks_vdb_sink sink;
    struct ks_err err = KS_ERR_INIT;

    CHECK_OK(run(ks_vdb_alma_import,
                 "[{\"updateinfo_id\": \"ALSA-2023:1\", \"type\": \"security\", \"severity\": \"Low\","
                 " \"issued_date\": {\"$date\": 1672531200000},"
                 " \"pkglist\": {\"name\": \"almalinux-9-for-x86_64-appstream-rpms\","
                 "   \"module\": {\"name\": \"nodejs\", \"stream\": \"18\"},"
                 "   \"packages\": [{\"name\": \"nodejs\", \"epoch\": \"1\", \"version\": \"18.1\","
                 "   \"release\": \"1.module_el9\"}, {\"name\": \"bad\"}]},"
                 " \"references\": [{\"type\": \"cve\", \"id\": \"CVE-2023-2222\", \"href\": \"h\"}]},"
                 " {\"updateinfo_id\": \"ALBA-2023:2\", \"type\": \"bugfix\"},"
                 " {\"type\": \"security\"}]",
                 &c, &sink, &err));
    CHECK_INT(c.advisories, 1);
    CHECK_INT(sink.malformed, 2); /* bad package, no id */
    CHECK(c.last && has_fix(c.last, "AlmaLinux:9", "nodejs", "1:18.1-1.module_el9", "fixed"));
    CHECK_STR(ks_json_str(c.last, "published"), "2023-01-01T00:00:00Z");
    CHECK(run(ks_vdb_alma_import, "[{\"updateinfo_id\": 1},", &c, &sink, &err) == KS_EPARSE);
    CHECK_OK(run(ks_vdb_photon_import,
                 "[{\"cve_id\": \"CVE-2023-3333\", \"pkg\": \"curl\", \"cve_score\": 7.5,"
                 " \"aff_ver\": \"all versions before 8.0.1-1.ph5 are vulnerable\","
                 " \"res_ver\": \"8.0.1-1.ph5\"},"
                 " {\"cve_id\": \"CVE-2023-4444\", \"pkg\": \"curl\", \"res_ver\": \"NA\","
                 " \"aff_ver\": \"all versions before NA are vulnerable\"}]",
                 &c, &sink, &err));
    CHECK_INT(c.advisories, 1); /* CVE-2023-4444: no release (no .phN, no file name) */
    CHECK_INT(sink.malformed, 1);
    CHECK_STR(c.last_id, "PHOTON-CVE-2023-3333/5.0");
    json_decref(c.last);
}

static void
test_repomd(void)
{
    struct ks_buf b = KS_BUF_INIT(1 << 20);
    struct ks_err err = KS_ERR_INIT;
    char *href = NULL;

    CHECK_OK(ks_file_read(ks_test_data(VLU "amazon-alas/fixtures/repomd_valid.xml"), 1 << 20, &b,
                          &err));
    CHECK_OK(ks_vdb_repomd_updateinfo(b.data, b.len, "repomd", &href, &err));
    CHECK_STR(href, "repodata/updateinfo.xml.gz");
    ks_free(href);
    ks_buf_reset(&b);
    CHECK_OK(ks_file_read(ks_test_data(VLU "amazon-alas/fixtures/repomd_invalid.xml"), 1 << 20,
                          &b, &err));
    CHECK(ks_vdb_repomd_updateinfo(b.data, b.len, "repomd", &href, &err) == KS_ENOTFOUND);
    /* a location outside the repository is refused */
    {
        static const char outside[] = "<repomd><data type=\"updateinfo\"><location "
                                      "href=\"../../etc/x\"/></data></repomd>";

        CHECK(ks_vdb_repomd_updateinfo(outside, strlen(outside), "r", &href, &err) == KS_EPARSE);
    }
    ks_buf_release(&b);
}

/* Two AL2 updateinfo files merged into one source: all three advisories. */
static void
test_merged(void)
{
    struct ks_arena *a = ks_arena_new(4096);
    struct ks_err err = KS_ERR_INIT;
    struct ks_vulndb_summary sum;
    struct ks_vdb_build *b = NULL;
    const char *paths[] = {ks_test_data(VLU "amazon-alas/fixtures/updateinfo_2_items.xml.gz"),
                           ks_test_data(VLU "amazon-alas/fixtures/updateinfo_1_item.xml.gz")};
    char db[4096];

    snprintf(db, sizeof(db), "%s/merged.db", ks_test_tmpdir());
    CHECK_OK(ks_vdb_build_begin(db, "test", false, &b, &err));
    CHECK_OK(ks_vdb_import_merged(b, paths, NULL, 2, "2", "test", &err));
    CHECK_OK(ks_vdb_build_commit(b, false, a, &sum, &err));
    CHECK_INT(sum.advisories_total, 3);
    CHECK_INT(sum.n_sources, 1);
    if (sum.n_sources == 1)
        CHECK_STR(sum.sources[0].name, "alas:2");
    ks_arena_free(a);
}

/* Every allocation failure while importing gives KS_ENOMEM, never a crash or a leak. */
static void
test_alloc_failures(void)
{
    static const char secdb[] = "{\"distroversion\": \"v3.20\", \"reponame\": \"main\", "
                                "\"packages\": [{\"pkg\": {\"name\": \"a\", \"secfixes\": "
                                "{\"1-r0\": [\"CVE-2020-1 XSA-1\"], \"0\": [\"CVE-2020-2\"]}}}]}";
    static const char ui[] = "<updates><update type=\"security\"><id>ALAS2-2020-1</id>"
                             "<references><reference type=\"cve\" id=\"CVE-2020-1\" href=\"h\"/>"
                             "</references><pkglist><collection><package name=\"a\" version=\"1\" "
                             "release=\"2\" epoch=\"3\"/></collection></pkglist></update></updates>";
    static const char uct[] = "Candidate: CVE-2023-1\nPublicDate: 2023-01-01\nPriority: low\n"
                              "jammy_a: released (1.0)\ntrusty/esm_a: needed\n";
    static const struct {
        enum ks_code (*imp)(struct ks_vdb_stream *, struct ks_vdb_sink *, struct ks_err *);
        const char *text;
    } cases[] = {{ks_vdb_secdb_import, secdb}, {ks_vdb_alas_import, ui}, {ks_vdb_uct_import, uct}};

    for (size_t k = 0; k < KS_ARRAY_LEN(cases); k++) {
        for (size_t n = 1; n < 2000; n++) {
            struct seen c = {0};
            struct ks_vdb_sink sink;
            struct ks_err err = KS_ERR_INIT;
            enum ks_code rc;

            ks_alloc_fail_at(n);
            rc = run(cases[k].imp, cases[k].text, &c, &sink, &err);
            ks_alloc_fail_at(0);
            CHECK_MSG(rc == KS_OK || rc == KS_ENOMEM, "case %zu, fail at %zu: %s %s", k, n,
                      ks_code_name(rc), err.msg);
            json_decref(c.last);
            if (rc == KS_OK && c.advisories > 0)
                break;
        }
    }
}

KS_TEST_MAIN(KS_TEST(test_alas_goldens), KS_TEST(test_rocky_goldens), KS_TEST(test_secdb_goldens),
             KS_TEST(test_updateinfo_bad), KS_TEST(test_secdb_bad), KS_TEST(test_extract_ids),
             KS_TEST(test_os_ecosystems), KS_TEST(test_purl_binary), KS_TEST(test_debian_lists),
             KS_TEST(test_uct), KS_TEST(test_oval), KS_TEST(test_alma_photon), KS_TEST(test_repomd),
             KS_TEST(test_merged), KS_TEST(test_alloc_failures))
