/*
 * test_findings_formats.c: the SARIF, CycloneDX, CSV and ASFF writers over
 * golden/doc.json (a scan document: real openssl findings, crafted texts
 * that need escaping, suppressed, UNKNOWN and UNTRIAGED findings, EC2, ECR,
 * Lambda and non-ECR image resources, an rpm package with epoch and
 * release). Outputs are compared byte for byte with golden/expected.*;
 * `KS_REGEN=1` rewrites them (review the diff). Also: the cell and text
 * helpers, garbage documents, determinism, and allocation failure at every
 * allocation (never a crash, a leak or a silently shortened report).
 */
#include "test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

#include "report/findings_int.h"

#define SDE "1700000000" /* 2023-11-14T22:13:20Z */

static const struct {
    enum ks_findings_format fmt;
    const char *golden;
} formats[] = {
    {KS_FINDINGS_SARIF, "golden/expected.sarif"},
    {KS_FINDINGS_CYCLONEDX_JSON, "golden/expected.cdx.json"},
    {KS_FINDINGS_CSV, "golden/expected.csv"},
    {KS_FINDINGS_ASFF, "golden/expected.asff.json"},
};

static json_t *
load_doc(const char *path)
{
    struct ks_buf b = KS_BUF_INIT(1 << 24);
    struct ks_err err = KS_ERR_INIT;
    json_t *doc = NULL;

    setenv("SOURCE_DATE_EPOCH", SDE, 1); /* every output's clock */
    if (ks_file_read(path, b.max, &b, &err) != KS_OK ||
        ks_json_parse(b.data, b.len, path, &doc, &err) != KS_OK)
        ks_test_fail(__FILE__, __LINE__, "cannot load %s: %s", path, err.msg);
    ks_buf_release(&b);
    return doc;
}

static enum ks_code
render(const json_t *doc, enum ks_findings_format f, struct ks_buf *out, struct ks_err *err)
{
    ks_buf_reset(out);
    return ks_report_findings(doc, f, NULL, out, err);
}

static void
test_golden(void)
{
    json_t *doc = load_doc("golden/doc.json");
    bool regen = getenv("KS_REGEN") != NULL;

    for (size_t i = 0; doc != NULL && i < KS_ARRAY_LEN(formats); i++) {
        struct ks_buf out = KS_BUF_INIT(1 << 24), want = KS_BUF_INIT(1 << 24);
        struct ks_err err = KS_ERR_INIT;

        CHECK_OK(render(doc, formats[i].fmt, &out, &err));
        if (regen)
            CHECK_OK(ks_file_write_atomic(formats[i].golden, out.data, out.len, 0644, &err));
        CHECK_OK(ks_file_read(formats[i].golden, want.max, &want, &err));
        CHECK_MSG(out.len == want.len && memcmp(out.data, want.data, out.len) == 0,
                  "%s differs from %s (KS_REGEN=1 rewrites it; review the diff)",
                  ks_findings_format_name(formats[i].fmt), formats[i].golden);
        /* The JSON formats are strict JSON (valid UTF-8 after every cut). */
        if (formats[i].fmt != KS_FINDINGS_CSV) {
            json_t *j = NULL;

            CHECK_OK(ks_json_parse(out.data, out.len, "output", &j, &err));
            json_decref(j);
        }
        ks_buf_release(&out);
        ks_buf_release(&want);
    }
    json_decref(doc);
}

static void
test_deterministic(void)
{
    json_t *doc = load_doc("golden/doc.json");

    for (size_t i = 0; doc != NULL && i < KS_ARRAY_LEN(formats); i++) {
        struct ks_buf a = KS_BUF_INIT(1 << 24), b = KS_BUF_INIT(1 << 24);

        CHECK_OK(render(doc, formats[i].fmt, &a, NULL));
        CHECK_OK(render(doc, formats[i].fmt, &b, NULL));
        CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
        ks_buf_release(&a);
        ks_buf_release(&b);
    }
    json_decref(doc);
}

static void
test_format_names(void)
{
    static const char *const names[] = {"table", "json", "sarif", "cyclonedx-json", "csv", "asff"};
    struct ks_err err = KS_ERR_INIT;
    enum ks_findings_format f;

    for (size_t i = 0; i < KS_ARRAY_LEN(names); i++) {
        CHECK_OK(ks_findings_format_parse(names[i], &f, &err));
        CHECK_STR(ks_findings_format_name(f), names[i]);
    }
    CHECK_INT(ks_findings_format_parse("spdx-json", &f, &err), KS_EINVAL);
    CHECK(strstr(err.msg, "sarif, cyclonedx-json, csv, asff") != NULL);
}

static void
test_csv_cells(void)
{
    static const struct {
        const char *in, *want;
    } cases[] = {
        {NULL, ""},
        {"", ""},
        {"plain", "\"plain\""},
        {"a \"quoted\" word", "\"a \"\"quoted\"\" word\""},
        {"line\r\nbreak, comma", "\"line\r\nbreak, comma\""},
        {"=HYPERLINK(\"x\")", "\"'=HYPERLINK(\"\"x\"\")\""}, /* formula injection */
        {"+1", "\"'+1\""},
        {"-2+3", "\"'-2+3\""},
        {"@SUM(A1)", "\"'@SUM(A1)\""},
        {"\tx", "\"'\tx\""},
        {"\rx", "\"'\rx\""},
        {"a=1", "\"a=1\""},               /* only a leading character is a formula */
        {"ünïcödé 😀", "\"ünïcödé 😀\""}, /* bytes untouched */
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct ks_buf b = KS_BUF_INIT(4096);

        ks_report_csv_cell(&b, cases[i].in, true);
        CHECK_STR(b.data, cases[i].want);
        ks_buf_reset(&b);
        ks_report_csv_cell(&b, cases[i].in, false);
        CHECK(b.data[0] == ',' && strcmp(b.data + 1, cases[i].want) == 0);
        ks_buf_release(&b);
    }
}

/* A CSV line's fields (RFC 4180, quotes doubled inside quoted fields). */
static size_t
csv_fields(const char *line, size_t len)
{
    size_t n = 1;
    bool q = false;

    for (size_t i = 0; i < len; i++) {
        if (line[i] == '"')
            q = !q;
        else if (line[i] == ',' && !q)
            n++;
    }
    return n;
}

static void
test_csv_rows(void)
{
    json_t *doc = load_doc("golden/doc.json");
    struct ks_buf b = KS_BUF_INIT(1 << 24);
    const char *p, *end;
    size_t rows = 0;
    bool q = false;

    CHECK_OK(ks_report_findings_csv_header(&b));
    CHECK_INT(csv_fields(b.data, b.len - 2), KS_REPORT_CSV_NCOLUMNS);
    CHECK(b.len > 2 && memcmp(b.data + b.len - 2, "\r\n", 2) == 0);
    ks_buf_reset(&b);
    CHECK_OK(ks_report_findings_csv(doc, (int64_t)1700000000 * 1000, &b, NULL));
    /* Every record (header included) has the 55 fields; newlines inside quotes don't split. */
    p = b.data;
    end = b.data + b.len;
    for (const char *s = p; s < end; s++) {
        if (*s == '"')
            q = !q;
        if (!q && *s == '\r' && s + 1 < end && s[1] == '\n') {
            CHECK_INT(csv_fields(p, (size_t)(s - p)), KS_REPORT_CSV_NCOLUMNS);
            rows++;
            p = s + 2;
        }
    }
    CHECK(p == end);
    CHECK_INT(rows, json_array_size(json_object_get(doc, "findings")) + 1);
    /* Age (Days): firstObservedAt 2023-11-01T10:00:00Z, now 2023-11-14T22:13:20Z. */
    CHECK(strstr(b.data, ",\"13\",") != NULL);
    /* rpm: [epoch:]version-release, as installed. */
    CHECK(strstr(b.data, "\"1:1.0.2k-24.amzn2.0.6\"") != NULL);
    ks_buf_release(&b);
    json_decref(doc);
}

static void
test_text_helpers(void)
{
    static const struct {
        const char *in;
        size_t max;
        const char *want;
    } cut[] = {
        {"abcdef", 6, "abcdef"},
        {"abcdef", 5, "ab..."},
        {"ééééé", 4, "é..."},          /* code points, not bytes */
        {"😀😀😀😀😀", 4, "😀..."},    /* 4-byte sequences stay whole */
        {"aé", 1, "a"},                /* under 3: no room for "..." */
        {"éa", 1, "é"},
        {"", 0, ""},
    };
    static const struct {
        double v;
        const char *want;
    } nums[] = {
        {7.2, "7.2"},   {0.000043, "0.000043"}, {10, "10"},           {0, "0"},
        {-0.0, "0"},    {0.1 + 0.2, "0.3"},     {9.8, "9.8"},         {-1.5, "-1.5"},
        {1e20, "100000000000000000000"},        {0.91234, "0.91234"},
    };
    char num[64], t[21];

    for (size_t i = 0; i < KS_ARRAY_LEN(cut); i++) {
        struct ks_buf b = KS_BUF_INIT(4096);

        rf_append_trunc(&b, cut[i].in, cut[i].max);
        CHECK_STR(b.data, cut[i].want);
        CHECK(rf_utf8_len(b.data) <= cut[i].max);
        ks_buf_release(&b);
    }
    for (size_t i = 0; i < KS_ARRAY_LEN(nums); i++) {
        rf_num(nums[i].v, num);
        CHECK_STR(num, nums[i].want);
    }
    CHECK(ks_str_eq_c(rf_arn_region("arn:aws:inspector2:us-east-1:123456789012:finding/ab"),
                      "us-east-1"));
    CHECK(ks_str_eq_c(rf_arn_account("arn:aws:inspector2:us-east-1:123456789012:finding/ab"),
                      "123456789012"));
    CHECK_INT(rf_arn_region("not-an-arn").len, 0);
    CHECK_INT(rf_arn_account("arn:aws:x").len, 0);
    CHECK_INT(rf_arn_region(NULL).len, 0);
    CHECK(rf_time("2022-01-02T03:04:05.123+02:00", t));
    CHECK_STR(t, "2022-01-02T01:04:05Z");
    CHECK(!rf_time("yesterday", t));
    {
        struct ks_buf b = KS_BUF_INIT(4096);

        rf_append_url(&b, "https://x.org/a b?q=\"ü\"&r=<1>|%20");
        CHECK_STR(b.data, "https://x.org/a%20b?q=%22%C3%BC%22&r=%3C1%3E%7C%20");
        ks_buf_release(&b);
    }
}

/* Documents of the wrong shape: every writer copes, none crashes. */
static void
test_garbage(void)
{
    static const char *const docs[] = {
        "{}",
        "[]",
        "{\"findings\": 5}",
        "{\"findings\": [5, \"x\", null, []]}",
        "{\"findings\": [{\"awsAccountId\": \"123456789012\"}], \"target\": 3}",
        "{\"findings\": [{\"awsAccountId\": \"123456789012\", \"severity\": 7, \"title\": \"  \","
        " \"packageVulnerabilityDetails\": {\"vulnerablePackages\": [1, {\"name\": 2}, {}],"
        " \"cvss\": [{\"baseScore\": \"x\"}, 3], \"referenceUrls\": [1, \"\"]},"
        " \"inspectorScore\": 99, \"resources\": {\"id\": 1}, \"epss\": [], \"suppression\": 1,"
        " \"status\": \"SUPPRESSED\", \"firstObservedAt\": \"never\"}]}",
    };

    for (size_t d = 0; d < KS_ARRAY_LEN(docs); d++) {
        struct ks_err err = KS_ERR_INIT;
        json_t *doc = NULL;

        CHECK_OK(ks_json_parse(docs[d], strlen(docs[d]), "doc", &doc, &err));
        for (size_t i = 0; doc != NULL && i < KS_ARRAY_LEN(formats); i++) {
            struct ks_buf out = KS_BUF_INIT(1 << 20);
            enum ks_code rc = render(doc, formats[i].fmt, &out, &err);

            CHECK_MSG(rc == KS_OK, "doc %zu, %s: %s (%s)", d,
                      ks_findings_format_name(formats[i].fmt), ks_code_name(rc), err.msg);
            ks_buf_release(&out);
        }
        json_decref(doc);
    }
    /* ASFF needs a 12-digit account: say so instead of writing an invalid finding. */
    {
        const char *s = "{\"findings\": [{\"findingArn\": \"arn:aws:inspector2:r:12:finding/x\"}]}";
        struct ks_err err = KS_ERR_INIT;
        struct ks_buf out = KS_BUF_INIT(1 << 20);
        json_t *doc = NULL;

        CHECK_OK(ks_json_parse(s, strlen(s), "doc", &doc, &err));
        CHECK_INT(render(doc, KS_FINDINGS_ASFF, &out, &err), KS_EINVAL);
        CHECK(strstr(err.msg, "not 12 digits") != NULL);
        ks_buf_release(&out);
        json_decref(doc);
    }
}

/* The ASFF limits hold where the document's texts are longer. */
static void
test_asff_limits(void)
{
    json_t *doc = load_doc("golden/doc.json"), *asff = NULL;
    struct ks_buf out = KS_BUF_INIT(1 << 24);
    size_t i;
    json_t *f;

    CHECK_OK(render(doc, KS_FINDINGS_ASFF, &out, NULL));
    CHECK_OK(ks_json_parse(out.data, out.len, "asff", &asff, NULL));
    CHECK_INT(json_array_size(ks_json_arr(asff, "Findings")),
              json_array_size(ks_json_arr(doc, "findings")));
    json_array_foreach(ks_json_arr(asff, "Findings"), i, f) {
        const json_t *res = json_array_get(ks_json_arr(f, "Resources"), 0);
        const char *type = ks_json_str(res, "Type");

        CHECK(rf_utf8_len(ks_json_str(f, "Title")) <= 256);
        CHECK(rf_utf8_len(ks_json_str(f, "Description")) <= 1024);
        CHECK(json_object_size(ks_json_obj(f, "ProductFields")) <= 50);
        CHECK(type != NULL);
        if (strncmp(ks_json_str(f, "Title"), "ALAS2", 5) == 0) {
            CHECK_STR(type, "AwsEc2Instance");
            CHECK_STR(ks_json_str(res, "Id"),
                      "arn:aws:ec2:us-east-1:123456789012:instance/i-0abc12345def67890");
        }
        if (strstr(ks_json_str(res, "Id"), ".dkr.ecr.") != NULL)
            CHECK_STR(type, "AwsEcrContainerImage");
        if (strncmp(ks_json_str(res, "Id"), "arn:aws:lambda:", 15) == 0)
            CHECK_STR(type, "AwsLambdaFunction");
        if (strncmp(ks_json_str(res, "Id"), "docker.io/", 10) == 0)
            CHECK_STR(type, "Other");
    }
    json_decref(asff);
    ks_buf_release(&out);
    json_decref(doc);
}

/*
 * Fail the Nth allocation for every N: the writer reports KS_ENOMEM, and
 * when it reports success the output is exactly the full one (nothing
 * dropped on the way). A small document keeps this quick under ASan.
 */
static void
test_alloc_failure(void)
{
    json_t *full = load_doc("golden/doc.json"), *doc = json_object(), *fs = json_array();
    static const size_t pick[] = {0, 5, 7, 8, 9, 11, 12};

    for (size_t i = 0; full != NULL && i < KS_ARRAY_LEN(pick); i++)
        json_array_append(fs, json_array_get(ks_json_arr(full, "findings"), pick[i]));
    json_object_set_new(doc, "findings", fs);
    json_object_set(doc, "target", json_object_get(full, "target"));
    for (size_t i = 0; i < KS_ARRAY_LEN(formats); i++) {
        struct ks_buf want = KS_BUF_INIT(1 << 24);
        bool done = false;
        size_t n;

        CHECK_OK(render(doc, formats[i].fmt, &want, NULL));
        for (n = 1; n < 200000 && !done; n++) {
            struct ks_buf out = KS_BUF_INIT(1 << 24);
            struct ks_err err = KS_ERR_INIT;
            enum ks_code rc;

            ks_alloc_fail_at(n);
            rc = render(doc, formats[i].fmt, &out, &err);
            ks_alloc_fail_at(0);
            CHECK_MSG(rc == KS_OK || rc == KS_ENOMEM, "%s, failing allocation %zu: %s",
                      ks_findings_format_name(formats[i].fmt), n, ks_code_name(rc));
            if (rc == KS_OK) {
                CHECK_MSG(out.len == want.len && memcmp(out.data, want.data, out.len) == 0,
                          "%s: allocation %zu failed yet the report was cut short",
                          ks_findings_format_name(formats[i].fmt), n);
                done = true;
            }
            ks_buf_release(&out);
        }
        CHECK(done);
        ks_buf_release(&want);
    }
    json_decref(doc);
    json_decref(full);
}

KS_TEST_MAIN(KS_TEST(test_golden), KS_TEST(test_deterministic), KS_TEST(test_format_names),
             KS_TEST(test_csv_cells), KS_TEST(test_csv_rows), KS_TEST(test_text_helpers),
             KS_TEST(test_garbage), KS_TEST(test_asff_limits), KS_TEST(test_alloc_failure))
