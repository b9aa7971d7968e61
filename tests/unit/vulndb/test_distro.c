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
    CHECK(c.last != NULL && has_id(c.last, "upstream", "XSA-1"));
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

KS_TEST_MAIN(KS_TEST(test_alas_goldens), KS_TEST(test_rocky_goldens), KS_TEST(test_secdb_goldens),
             KS_TEST(test_updateinfo_bad), KS_TEST(test_secdb_bad), KS_TEST(test_extract_ids),
             KS_TEST(test_os_ecosystems), KS_TEST(test_purl_binary))
