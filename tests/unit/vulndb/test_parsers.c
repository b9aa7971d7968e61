/*
 * test_parsers.c: the vulndb parsers on small inputs: the streaming JSON
 * splitter, YAML conversion, the range blob encoding, sniffing, the OSV
 * record model and the NVD/EPSS/KEV importers through a counting sink.
 */
#include "test.h"
#include "vulndb/vulndb_int.h"

#include <jansson.h>
#include <stdlib.h>

/* ------------------------------------------------------------------------ */
/* A sink that keeps what it is given.                                      */

struct rec {
    char id[64];
    double a, b;
};

struct seen {
    int advisories, nvd, epss, kev;
    struct rec last;
    char meta[128];
    char first_id[64];
    double first_score;
    int first_metrics;
};

static enum ks_code
s_adv(struct ks_vdb_sink *s, const struct ks_advisory *adv, struct ks_err *err)
{
    struct seen *c = s->ctx;

    (void)err;
    if (c->advisories++ == 0)
        snprintf(c->first_id, sizeof(c->first_id), "%s", adv->id);
    return KS_OK;
}

static enum ks_code
s_nvd(struct ks_vdb_sink *s, const struct ks_nvd_record *r, struct ks_err *err)
{
    struct seen *c = s->ctx;

    (void)err;
    if (c->nvd++ == 0) {
        snprintf(c->first_id, sizeof(c->first_id), "%s", r->id);
        c->first_metrics = (int)r->n_metrics;
        c->first_score = r->n_metrics ? r->metrics[0].base_score : -1;
    }
    return KS_OK;
}

static enum ks_code
s_epss(struct ks_vdb_sink *s, struct ks_str cve, double score, double pct, struct ks_err *err)
{
    struct seen *c = s->ctx;

    (void)err;
    c->epss++;
    snprintf(c->last.id, sizeof(c->last.id), KS_STR_FMT, KS_STR_ARG(cve));
    c->last.a = score;
    c->last.b = pct;
    return KS_OK;
}

static enum ks_code
s_kev(struct ks_vdb_sink *s, const struct ks_kev *k, struct ks_err *err)
{
    struct seen *c = s->ctx;

    (void)err;
    if (c->kev++ == 0)
        snprintf(c->first_id, sizeof(c->first_id), "%s", k->cve);
    return KS_OK;
}

static void
s_meta(struct ks_vdb_sink *s, const char *key, const char *value)
{
    struct seen *c = s->ctx;

    if (strcmp(key, "data_time") == 0)
        snprintf(c->meta, sizeof(c->meta), "%s", value);
}

static const struct ks_vdb_sink_ops seen_ops = {s_adv, s_nvd, s_epss, s_kev, s_meta};

static enum ks_code
run(enum ks_code (*imp)(struct ks_vdb_stream *, struct ks_vdb_sink *, struct ks_err *),
    const char *text, struct seen *c, struct ks_vdb_sink *sink, struct ks_err *err)
{
    struct ks_vdb_stream s;
    enum ks_code rc;

    memset(c, 0, sizeof(*c));
    memset(sink, 0, sizeof(*sink));
    sink->ops = &seen_ops;
    sink->ctx = c;
    sink->file = "test";
    ks_vdb_stream_mem(&s, "test", text, strlen(text));
    rc = imp(&s, sink, err);
    ks_vdb_stream_release(&s);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* jsplit                                                                   */

struct split {
    int n;
    char last[256];
};

static enum ks_code
split_cb(void *ctx, const char *e, size_t n, uint64_t i, struct ks_err *err)
{
    struct split *s = ctx;

    (void)i;
    (void)err;
    s->n++;
    snprintf(s->last, sizeof(s->last), "%.*s", (int)n, e);
    return KS_OK;
}

static enum ks_code
split(const char *text, struct split *s, json_t **env, struct ks_err *err)
{
    struct ks_vdb_stream st;
    enum ks_code rc;

    memset(s, 0, sizeof(*s));
    ks_vdb_stream_mem(&st, "doc", text, strlen(text));
    rc = ks_jsplit(&st, "vulnerabilities", split_cb, s, env, err);
    ks_vdb_stream_release(&st);
    return rc;
}

static void
test_jsplit(void)
{
    struct split s;
    struct ks_err err = KS_ERR_INIT;
    json_t *env = NULL;

    CHECK_OK(split("{\"a\":1,\"vulnerabilities\":[{\"x\":\"]}\\\"\"},{\"y\":[1,{\"z\":2}]}],"
                   "\"b\":\"s\"}",
                   &s, &env, &err));
    CHECK_INT(s.n, 2);
    CHECK_STR(s.last, "{\"y\":[1,{\"z\":2}]}");
    CHECK_INT(json_integer_value(json_object_get(env, "a")), 1);
    CHECK_STR(ks_json_str(env, "b"), "s");
    json_decref(env);
    env = NULL;
    /* BOM, whitespace, an empty array, no member at all */
    CHECK_OK(split("\xEF\xBB\xBF {\n \"vulnerabilities\" : [ ] }\n", &s, NULL, &err));
    CHECK_INT(s.n, 0);
    CHECK_OK(split("{\"k\":[1,2]}", &s, &env, &err));
    CHECK_INT(s.n, 0);
    CHECK_INT(json_array_size(json_object_get(env, "k")), 2);
    json_decref(env);
    /* truncation, garbage, non-object elements and bad separators fail with the offset */
    CHECK_INT(split("{\"vulnerabilities\":[{\"a\":1},{\"b\":", &s, NULL, &err), KS_EPARSE);
    CHECK(strstr(err.msg, "truncated") != NULL);
    CHECK_INT(split("{\"vulnerabilities\":[{\"a\":1}]} x", &s, NULL, &err), KS_EPARSE);
    CHECK(strstr(err.msg, "after the end") != NULL);
    CHECK_INT(split("{\"vulnerabilities\":[1,2]}", &s, NULL, &err), KS_EPARSE);
    CHECK_INT(split("{\"vulnerabilities\":[{}{}]}", &s, NULL, &err), KS_EPARSE);
    CHECK_INT(split("[{\"a\":1}]", &s, NULL, &err), KS_EPARSE);
    CHECK_INT(split("{\"a\" 1}", &s, NULL, &err), KS_EPARSE);
    CHECK_INT(split("", &s, NULL, &err), KS_EPARSE);
    /* the envelope is parsed strictly */
    CHECK_INT(split("{\"a\":tru,\"vulnerabilities\":[]}", &s, NULL, &err), KS_EPARSE);
}

/* ------------------------------------------------------------------------ */
/* YAML                                                                     */

static void
test_yaml(void)
{
    const char *doc = "id: PYSEC-2021-1\nmodified: 2021-01-01T00:00:00Z\naffected:\n"
                      "- package: {name: Foo, ecosystem: PyPI}\n  versions: [1.10, 2.0, '3']\n"
                      "  x: ~\n  y: true\n";
    struct ks_err err = KS_ERR_INIT;
    json_t *j = NULL, *v;

    CHECK_OK(ks_vdb_yaml_to_json(doc, strlen(doc), "t.yaml", &j, &err));
    CHECK_STR(ks_json_str(j, "id"), "PYSEC-2021-1");
    CHECK_STR(ks_json_str(j, "modified"), "2021-01-01T00:00:00Z");
    v = json_array_get(ks_json_arr(j, "affected"), 0);
    /* versions stay strings: 1.10 is not the number 1.1 */
    CHECK_STR(json_string_value(json_array_get(ks_json_arr(v, "versions"), 0)), "1.10");
    CHECK_STR(json_string_value(json_array_get(ks_json_arr(v, "versions"), 1)), "2.0");
    CHECK(json_is_null(json_object_get(v, "x")));
    CHECK(json_is_true(json_object_get(v, "y")));
    json_decref(j);
    j = NULL;
    CHECK_INT(ks_vdb_yaml_to_json("a: &x 1\nb: *x\n", 14, "t", &j, &err), KS_EPARSE);
    CHECK(strstr(err.msg, "aliases") != NULL);
    CHECK_INT(ks_vdb_yaml_to_json("a: 1\na: 2\n", 10, "t", &j, &err), KS_EPARSE);
    CHECK(strstr(err.msg, "duplicate") != NULL);
    CHECK_INT(ks_vdb_yaml_to_json("a: [1\n", 6, "t", &j, &err), KS_EPARSE);
    CHECK_INT(ks_vdb_yaml_to_json("a: 1\n---\nb: 2\n", 14, "t", &j, &err), KS_EPARSE);
    CHECK_INT(ks_vdb_yaml_to_json("? [a]\n: 1\n", 10, "t", &j, &err), KS_EPARSE);
}

/* ------------------------------------------------------------------------ */
/* range blobs                                                              */

static void
test_ranges(void)
{
    struct ks_osv_event ev[] = {{KS_EV_INTRODUCED, KS_STR("0")},
                                {KS_EV_FIXED, KS_STR("1.2.3")},
                                {KS_EV_LAST_AFFECTED, KS_STR("")},
                                {KS_EV_LIMIT, KS_STR("*")}};
    struct ks_osv_range rg[] = {{KS_RANGE_SEMVER, ev, 2}, {KS_RANGE_GIT, ev + 2, 2}};
    struct ks_str vers[] = {KS_STR("1.0"), KS_STR("1.1")};
    struct ks_adv_affected aff = {0};
    struct ks_buf b = KS_BUF_INIT(1 << 20);
    struct ks_arena *a = ks_arena_new(4096);
    struct ks_osv_affected out;
    struct ks_err err = KS_ERR_INIT;

    aff.ranges = rg;
    aff.n_ranges = 2;
    aff.versions = vers;
    aff.n_versions = 2;
    CHECK_OK(ks_vdb_ranges_encode(&aff, &b));
    CHECK_OK(ks_vdb_ranges_decode(b.data, b.len, KS_SCHEME_SEMVER, a, &out, &err));
    CHECK_INT(out.n_ranges, 2);
    CHECK_INT(out.ranges[0].type, KS_RANGE_SEMVER);
    CHECK_INT(out.ranges[1].type, KS_RANGE_GIT);
    CHECK_INT(out.ranges[0].n_events, 2);
    CHECK_INT(out.ranges[0].events[1].type, KS_EV_FIXED);
    CHECK(ks_str_eq_c(out.ranges[0].events[1].version, "1.2.3"));
    CHECK_INT(out.ranges[1].events[1].type, KS_EV_LIMIT);
    CHECK_INT(out.ranges[1].events[0].version.len, 0);
    CHECK_INT(out.n_versions, 2);
    CHECK_STR(out.versions[1].ptr, "1.1"); /* NUL-terminated views */
    CHECK_INT(out.scheme, KS_SCHEME_SEMVER);
    /* every truncation and a trailing byte are corrupt, never a crash */
    for (size_t n = 0; n < b.len; n++)
        CHECK_INT(ks_vdb_ranges_decode(b.data, n, KS_SCHEME_SEMVER, a, &out, &err), KS_EDB);
    ks_buf_putc(&b, 0);
    CHECK_INT(ks_vdb_ranges_decode(b.data, b.len, KS_SCHEME_SEMVER, a, &out, &err), KS_EDB);
    CHECK_INT(ks_vdb_ranges_decode("\x01\xff\xff\xff\xff\x0f", 6, KS_SCHEME_SEMVER, a, &out, &err),
              KS_EDB);
    ks_buf_release(&b);
    ks_arena_free(a);
}

/* ------------------------------------------------------------------------ */
/* sniffing                                                                 */

static const char *
kind_of(const char *head, const char *name)
{
    const struct ks_vdb_importer *imp = ks_vdb_sniff(ks_str_c(head), name);

    return imp ? imp->format : "none";
}

struct keys {
    char all[256];
};

static bool
keys_cb(void *ctx, struct ks_str k, struct ks_str v)
{
    struct keys *c = ctx;
    size_t n = strlen(c->all);

    snprintf(c->all + n, sizeof(c->all) - n, "%.*s=%.*s;", (int)k.len, k.ptr, (int)v.len, v.ptr);
    return true;
}

static void
test_json_keys(void)
{
    struct keys c = {{0}};

    CHECK_INT(ks_vdb_json_keys(KS_STR("{\"a\": \"x\\\"}\" , \"b\\\\\":[1,{\"c\":\"]\"}],\"d\":tr"),
                               keys_cb, &c),
              3);
    CHECK_STR(c.all, "a=\"x\\\"}\";b\\\\=[1,{\"c\":\"]\"}];d=tr;");
    memset(&c, 0, sizeof(c));
    CHECK_INT(ks_vdb_json_keys(KS_STR("[{\"id\":1}]"), keys_cb, &c), 1);
    CHECK_INT(ks_vdb_json_keys(KS_STR("\"id\""), keys_cb, &c), 0);
    CHECK_INT(ks_vdb_json_keys(KS_STR("{\"a"), keys_cb, &c), 0);
}

static void
test_sniff(void)
{
    CHECK_STR(kind_of("{\"id\":\"GO-1\",\"modified\":\"x\",\"affected\":[]}", "a.json"),
              "OSV JSON record");
    /* GHSA records sort keys: a long affected[] comes first */
    CHECK_STR(kind_of("{\n  \"affected\": [ {\"package\": {\"name\": \"x\", \"versions\": [\"1",
                      "GHSA.json"),
              "OSV JSON record");
    CHECK_STR(kind_of("[{\"id\":\"A\",\"modified\":\"x\"}]", "vulns.json"), "OSV JSON record");
    CHECK_STR(kind_of("id: PYSEC-1\nmodified: x\naffected:\n", "PYSEC-1.yaml"), "OSV YAML record");
    CHECK_STR(kind_of("{\"resultsPerPage\":1,\"startIndex\":0,\"totalResults\":1,\"format\":"
                      "\"NVD_CVE\",\"version\":\"2.0\",\"vulnerabilities\":[{\"cve\":{",
                      "x.json"),
              "NVD CVE API 2.0 feed");
    CHECK_STR(kind_of("{\"id\":\"CVE-2021-1\",\"sourceIdentifier\":\"a\",\"published\":\"x\"}",
                      "CVE-2021-1.json"),
              "NVD CVE API 2.0 record");
    CHECK_STR(kind_of("{\"cve\":{\"id\":\"CVE-2021-1\"}}", "x"), "NVD CVE API 2.0 record");
    CHECK_STR(kind_of("{\"title\":\"CISA\",\"catalogVersion\":\"1\",\"vulnerabilities\":[]}", "k"),
              "CISA KEV catalog");
    CHECK_STR(kind_of("{\"vulnerabilities\":[{\"cveID\":\"CVE-2021-1\"}]}", "k"), "CISA KEV catalog");
    CHECK_STR(kind_of("#model_version:v1,score_date:2025-01-01\ncve,epss,percentile\n", "e"),
              "EPSS CSV");
    CHECK_STR(kind_of("cve,epss,percentile\nCVE-1999-0001,0.1,0.2\n", "e"), "EPSS CSV");
    CHECK_STR(kind_of("{\"name\":\"left-pad\",\"version\":\"1.0\"}", "package.json"), "none");
    CHECK_STR(kind_of("hello", "x.txt"), "none");
    CHECK_STR(kind_of("", "x"), "none");
}

/* ------------------------------------------------------------------------ */
/* the OSV model                                                            */

static const char go_rec[] =
    "{\"schema_version\":\"1.3.1\",\"id\":\"GO-2023-1840\",\"modified\":\"2023-06-01T00:00:00Z\","
    "\"aliases\":[\"CVE-2023-29403\"],\"summary\":\"Unsafe setuid\",\"affected\":[{\"package\":"
    "{\"name\":\"stdlib\",\"ecosystem\":\"Go\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":["
    "{\"introduced\":\"0\"},{\"fixed\":\"1.19.10\"},{\"introduced\":\"1.20.0-0\"},{\"fixed\":"
    "\"1.20.5\"}]}],\"ecosystem_specific\":{\"imports\":[{\"path\":\"runtime\"}]}},{\"package\":"
    "{\"name\":\"Django_Rest.Framework\",\"ecosystem\":\"PyPI\"},\"versions\":[\"1.0\"]},"
    "{\"package\":{\"name\":\"openssl\",\"ecosystem\":\"Debian:12\",\"purl\":\"pkg:deb/debian/"
    "openssl\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}],"
    "\"status\":\"will_not_fix\",\"vendor_severity\":\"low\"},{\"package\":{\"name\":\"x\","
    "\"ecosystem\":\"Bitnami:1\"},\"versions\":[\"1\"]}],\"references\":[{\"type\":\"FIX\","
    "\"url\":\"https://go.dev/cl/1\"}],\"credits\":[{\"name\":\"A\",\"contact\":[\"a@b\"]}],"
    "\"database_specific\":{\"url\":\"u\"}}";

static void
check_go(const struct ks_advisory *adv)
{
    CHECK_STR(adv->id, "GO-2023-1840");
    CHECK_STR(adv->modified, "2023-06-01T00:00:00Z");
    CHECK_INT(adv->n_aliases, 1);
    CHECK_INT(adv->n_affected, 4);
    CHECK_INT(adv->affected[0].eco, KS_ECO_GO);
    CHECK_STR(adv->affected[0].eco_name, "Go");
    CHECK_STR(adv->affected[0].release, "");
    CHECK_INT(adv->affected[0].n_ranges, 1);
    CHECK_INT(adv->affected[0].ranges[0].n_events, 4);
    CHECK(adv->affected[0].ecosystem_specific != NULL);
    CHECK_STR(adv->affected[1].norm_name, "django-rest-framework"); /* PEP 503 */
    CHECK_STR(adv->affected[2].release, "12");
    CHECK_STR(adv->affected[2].eco_name, "Debian");
    CHECK_INT(adv->affected[2].status, KS_VSTATUS_WILL_NOT_FIX);
    CHECK_STR(adv->affected[2].vendor_severity, "low");
    CHECK_INT(adv->affected[3].eco, KS_ECO_UNKNOWN); /* kept, named by its text */
    CHECK_STR(adv->affected[3].eco_name, "Bitnami");
    CHECK_STR(adv->affected[3].release, "1");
    CHECK_INT(adv->n_references, 1);
    CHECK_INT(adv->n_credits, 1);
    CHECK_INT(adv->credits[0].n_contact, 1);
}

static void
test_osv_model(void)
{
    struct ks_arena *a = ks_arena_new(4096);
    struct ks_err err = KS_ERR_INIT;
    struct ks_advisory adv, back;
    json_t *j = NULL, *j2 = NULL;
    struct ks_buf t1 = KS_BUF_INIT(1 << 20), t2 = KS_BUF_INIT(1 << 20);

    CHECK_OK(ks_json_parse(go_rec, strlen(go_rec), "go", &j, &err));
    CHECK_OK(ks_advisory_from_osv(j, a, &adv, &err));
    check_go(&adv);
    /* model -> canonical JSON -> model keeps everything; the JSON is a fixed point */
    CHECK_OK(ks_advisory_to_json(&adv, &j2, &err));
    CHECK_OK(ks_advisory_from_osv(j2, a, &back, &err));
    check_go(&back);
    CHECK_OK(ks_json_dump(j2, false, &t1, &err));
    {
        json_t *j3 = NULL; /* back borrows from j2: keep it */

        CHECK_OK(ks_advisory_to_json(&back, &j3, &err));
        CHECK_OK(ks_json_dump(j3, false, &t2, &err));
        json_decref(j3);
    }
    CHECK_STR(t1.data, t2.data);
    json_decref(j);
    json_decref(j2);
    ks_buf_release(&t1);
    ks_buf_release(&t2);
    ks_arena_free(a);
}

static void
test_osv_bad(void)
{
    static const struct {
        const char *json;
        const char *want; /* in the message */
    } cases[] = {
        {"{\"modified\":\"x\"}", "id"},
        {"{\"id\":\"a b\"}", "id"},
        {"{\"id\":\"A\",\"aliases\":\"CVE-1\"}", "aliases"},
        {"{\"id\":\"A\",\"aliases\":[1]}", "aliases"},
        {"{\"id\":\"A\",\"affected\":{}}", "affected"},
        {"{\"id\":\"A\",\"affected\":[{\"package\":{\"name\":\"x\"}}]}", "ecosystem"},
        {"{\"id\":\"A\",\"affected\":[{\"package\":{\"ecosystem\":\"Go\"}}]}", "name"},
        {"{\"id\":\"A\",\"affected\":[{\"package\":{\"ecosystem\":\"Go\",\"name\":\"x\"},"
         "\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"fixd\":\"1\"}]}]}]}",
         "affected[0]"},
        {"{\"id\":\"A\",\"affected\":[{\"package\":{\"ecosystem\":\"Go\",\"name\":\"x\"},"
         "\"status\":\"maybe\"}]}",
         "status"},
        {"{\"id\":\"A\",\"severity\":[{\"type\":\"CVSS_V3\"}]}", "severity"},
        {"{\"id\":\"A\",\"references\":[{\"type\":\"WEB\"}]}", "references"},
        {"[1]", "object"},
    };
    struct ks_arena *a = ks_arena_new(4096);

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct ks_err err = KS_ERR_INIT;
        struct ks_advisory adv;
        json_t *j = NULL;

        CHECK_OK(ks_json_parse(cases[i].json, strlen(cases[i].json), "t", &j, &err));
        CHECK_MSG(ks_advisory_from_osv(j, a, &adv, &err) == KS_EPARSE, "case %zu accepted", i);
        CHECK_MSG(strstr(err.msg, cases[i].want) != NULL, "case %zu: '%s' lacks '%s'", i, err.msg,
                  cases[i].want);
        json_decref(j);
    }
    ks_arena_free(a);
}

static void
test_osv_import(void)
{
    struct seen c;
    struct ks_vdb_sink sink;
    struct ks_err err = KS_ERR_INIT;

    CHECK_OK(run(ks_vdb_osv_import, go_rec, &c, &sink, &err));
    CHECK_INT(c.advisories, 1);
    CHECK_STR(c.first_id, "GO-2023-1840");
    /* a schema error is a counted warning, not a failure */
    CHECK_OK(run(ks_vdb_osv_import, "[{\"id\":\"A\"},{\"modified\":\"x\"},{\"id\":\"B\"}]", &c,
                 &sink, &err));
    CHECK_INT(c.advisories, 2);
    CHECK_INT(sink.malformed, 1);
    CHECK_OK(run(ks_vdb_osv_import, "{\"id\":", &c, &sink, &err));
    CHECK_INT(sink.malformed, 1);
    CHECK_OK(run(ks_vdb_osv_yaml_import, "id: Y-1\nmodified: '2021'\n", &c, &sink, &err));
    CHECK_INT(c.advisories, 1);
    CHECK_STR(c.first_id, "Y-1");
}

/* ------------------------------------------------------------------------ */
/* NVD, EPSS, KEV                                                           */

static const char nvd_page[] =
    "{\"resultsPerPage\":2,\"startIndex\":0,\"totalResults\":2,\"format\":\"NVD_CVE\","
    "\"timestamp\":\"2025-01-01T00:00:00.000\",\"vulnerabilities\":["
    "{\"cve\":{\"id\":\"CVE-2021-0001\",\"sourceIdentifier\":\"s\",\"lastModified\":\"2021-01-01\","
    "\"descriptions\":[{\"lang\":\"es\",\"value\":\"no\"},{\"lang\":\"en\",\"value\":\"yes\"}],"
    "\"metrics\":{\"cvssMetricV2\":[{\"source\":\"nvd@nist.gov\",\"type\":\"Primary\",\"cvssData\":"
    "{\"version\":\"2.0\",\"vectorString\":\"AV:L/AC:L/Au:N/C:P/I:N/A:N\",\"baseScore\":2.1},"
    "\"baseSeverity\":\"LOW\"}],\"cvssMetricV31\":[{\"source\":\"x@y\",\"type\":\"Secondary\","
    "\"cvssData\":{\"version\":\"3.1\",\"vectorString\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:"
    "H/A:H\",\"baseScore\":9.8,\"baseSeverity\":\"CRITICAL\"}},{\"source\":\"nvd@nist.gov\","
    "\"type\":\"Primary\",\"cvssData\":{\"version\":\"3.1\",\"vectorString\":\"CVSS:3.1/AV:L/AC:H/"
    "PR:L/UI:N/S:U/C:H/I:N/A:N\",\"baseScore\":4.7,\"baseSeverity\":\"MEDIUM\"}}]},"
    "\"weaknesses\":[{\"description\":[{\"lang\":\"en\",\"value\":\"CWE-203\"}]},"
    "{\"description\":[{\"lang\":\"en\",\"value\":\"CWE-203\"}]}]}},"
    "{\"cve\":{\"id\":\"NOT-A-CVE\"}}]}";

static void
test_nvd(void)
{
    struct seen c;
    struct ks_vdb_sink sink;
    struct ks_err err = KS_ERR_INIT;
    struct ks_arena *a = ks_arena_new(4096);
    json_t *j = NULL;
    struct ks_nvd_record r;
    const char *cve = strstr(nvd_page, "{\"id\":\"CVE-2021-0001\"");

    CHECK_OK(run(ks_vdb_nvd_import, nvd_page, &c, &sink, &err));
    CHECK_INT(c.nvd, 1);
    CHECK_INT(sink.malformed, 1);
    CHECK_STR(c.first_id, "CVE-2021-0001");
    CHECK_INT(c.first_metrics, 3);
    CHECK(c.first_score == 4.7); /* newest version first, Primary first within it */
    CHECK_STR(c.meta, "2025-01-01T00:00:00.000");
    /* the model of one record */
    CHECK_OK(ks_json_parse(cve, strlen(cve) - strlen("},{\"cve\":{\"id\":\"NOT-A-CVE\"}}]}"),
                           "cve", &j, &err));
    CHECK_OK(ks_vdb_nvd_from_json(j, a, &r, &err));
    CHECK_STR(r.description, "yes");
    CHECK_INT(r.n_cwes, 1);
    CHECK_STR(r.metrics[0].type, "Primary");
    CHECK_STR(r.metrics[1].source, "x@y");
    CHECK_STR(r.metrics[2].version, "2.0");
    CHECK_STR(r.metrics[2].base_severity, "LOW");
    json_decref(j);
    /* a page holding fewer records than it says is refused (truncated download) */
    CHECK_INT(run(ks_vdb_nvd_import,
                  "{\"resultsPerPage\":5,\"startIndex\":0,\"totalResults\":5,\"format\":\"NVD_CVE\","
                  "\"vulnerabilities\":[{\"cve\":{\"id\":\"CVE-2021-0001\"}}]}",
                  &c, &sink, &err),
              KS_EPARSE);
    CHECK(strstr(err.msg, "holds 1 records") != NULL);
    /* a single record, bare or wrapped */
    CHECK_OK(run(ks_vdb_nvd_import, "{\"cve\":{\"id\":\"CVE-2020-1234\",\"sourceIdentifier\":\"x\"}}",
                 &c, &sink, &err));
    CHECK_INT(c.nvd, 1);
    CHECK_STR(c.first_id, "CVE-2020-1234");
    ks_arena_free(a);
}

static void
test_epss(void)
{
    struct seen c;
    struct ks_vdb_sink sink;
    struct ks_err err = KS_ERR_INIT;

    CHECK_OK(run(ks_vdb_epss_import,
                 "#model_version:v2025.03.14,score_date:2025-08-16T00:00:00+0000\r\n"
                 "cve,epss,percentile\r\nCVE-1999-0001,0.03351,0.87650\r\n"
                 "CVE-1999-0002,1.5,0.5\nbogus,0.1,0.1\nCVE-1999-0003,0.1\n\n"
                 "CVE-2024-12345,0.000430000,0.120000000",
                 &c, &sink, &err));
    CHECK_INT(c.epss, 2);
    CHECK_INT(sink.malformed, 3);
    CHECK_STR(c.last.id, "CVE-2024-12345");
    CHECK(c.last.a == 0.00043);
    CHECK(c.last.b == 0.12);
    CHECK_STR(c.meta, "2025-08-16T00:00:00+0000");
    CHECK_INT(run(ks_vdb_epss_import, "cve,score\nCVE-1999-0001,0.1\n", &c, &sink, &err),
              KS_EPARSE);
    CHECK_INT(run(ks_vdb_epss_import, "#only a comment\n", &c, &sink, &err), KS_EPARSE);
}

static void
test_kev(void)
{
    struct seen c;
    struct ks_vdb_sink sink;
    struct ks_err err = KS_ERR_INIT;

    CHECK_OK(run(ks_vdb_kev_import,
                 "{\"title\":\"CISA\",\"catalogVersion\":\"2025.08.25\",\"dateReleased\":"
                 "\"2025-08-25T17:04:19.9796Z\",\"count\":3,\"vulnerabilities\":["
                 "{\"cveID\":\"CVE-2025-48384\",\"dateAdded\":\"2025-08-25\",\"dueDate\":"
                 "\"2025-09-15\",\"knownRansomwareCampaignUse\":\"Unknown\"},"
                 "{\"cveID\":\"bad\",\"dateAdded\":\"2025-08-25\"},"
                 "{\"cveID\":\"CVE-2025-1\",\"dateAdded\":\"yesterday\"}]}",
                 &c, &sink, &err));
    CHECK_INT(c.kev, 1);
    CHECK_INT(sink.malformed, 2);
    CHECK_STR(c.first_id, "CVE-2025-48384");
    CHECK_STR(c.meta, "2025-08-25T17:04:19.9796Z");
    CHECK_INT(run(ks_vdb_kev_import,
                  "{\"catalogVersion\":\"1\",\"count\":2,\"vulnerabilities\":[{\"cveID\":"
                  "\"CVE-2025-1\",\"dateAdded\":\"2025-01-01\"}]}",
                  &c, &sink, &err),
              KS_EPARSE);
}

static void
test_label(void)
{
    struct ks_arena *a = ks_arena_new(4096);

    CHECK_STR(ks_vdb_label_for_path("/m/osv/crates.io/all.zip", a), "crates.io");
    CHECK_STR(ks_vdb_label_for_path("Go/all.zip", a), "Go");
    CHECK_STR(ks_vdb_label_for_path("all.zip", a), "all");
    CHECK_STR(ks_vdb_label_for_path("/m/nvd/nvdcve-2.0-2021.json.gz", a), "2021");
    CHECK_STR(ks_vdb_label_for_path("epss/epss_scores-current.csv.gz", a), "epss");
    CHECK_STR(ks_vdb_label_for_path("known_exploited_vulnerabilities.json", a), "kev");
    CHECK_STR(ks_vdb_label_for_path("/x/advisories/", a), "advisories");
    CHECK_STR(ks_vdb_label_for_path("GHSA-1.yaml", a), "GHSA-1");
    CHECK(ks_vdb_nvd_incremental("nvd:modified"));
    CHECK(ks_vdb_nvd_incremental("nvd:api"));
    CHECK(!ks_vdb_nvd_incremental("nvd:2021"));
    ks_arena_free(a);
}

/* Every allocation failure in the model path gives KS_ENOMEM, never a crash. */
static void
test_alloc_failures(void)
{
    for (size_t n = 1; n < 400; n++) {
        struct ks_arena *a;
        struct ks_err err = KS_ERR_INIT;
        struct ks_advisory adv;
        json_t *j = NULL, *out = NULL;
        enum ks_code rc;

        ks_alloc_fail_at(n);
        a = ks_arena_new(4096);
        rc = a ? ks_json_parse(go_rec, strlen(go_rec), "go", &j, &err) : KS_ENOMEM;
        if (rc == KS_OK)
            rc = ks_advisory_from_osv(j, a, &adv, &err);
        if (rc == KS_OK)
            rc = ks_advisory_to_json(&adv, &out, &err);
        ks_alloc_fail_at(0);
        CHECK_MSG(rc == KS_OK || rc == KS_ENOMEM, "fail at %zu: %s %s", n, ks_code_name(rc), err.msg);
        json_decref(out);
        json_decref(j);
        ks_arena_free(a);
        if (rc == KS_OK)
            break;
    }
}

KS_TEST_MAIN(KS_TEST(test_jsplit), KS_TEST(test_yaml), KS_TEST(test_ranges), KS_TEST(test_json_keys), KS_TEST(test_sniff),
             KS_TEST(test_osv_model), KS_TEST(test_osv_bad), KS_TEST(test_osv_import),
             KS_TEST(test_nvd), KS_TEST(test_epss), KS_TEST(test_kev), KS_TEST(test_label),
             KS_TEST(test_alloc_failures))
