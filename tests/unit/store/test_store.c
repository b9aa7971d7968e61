/*
 * test_store.c: the state store on a throwaway data dir. The finding
 * lifecycle through ks_store_apply_evaluation (the call the scan makes) with
 * Finding documents shaped like the AWS model's, suppression, the criteria
 * queries, aggregations, coverage, account isolation, keys sealed at rest,
 * the outbox, reports, and allocation failures.
 */
#include "test.h"

#include <jansson.h>
#include <sys/stat.h>

#include "store/store.h"

#define T0 1704067200000LL /* 2024-01-01T00:00:00Z */
#define HOUR 3600000LL

static int dir_seq;

static bool
contains(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);

    for (size_t i = 0; i + m <= n; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return true;
    return false;
}

static struct ks_store *
open_store(void)
{
    char dir[4200];
    struct ks_store_options opt;
    struct ks_store *s = NULL;
    struct ks_err err = KS_ERR_INIT;

    snprintf(dir, sizeof(dir), "%s/data%d", ks_test_tmpdir(), ++dir_seq);
    opt.data_dir = dir;
    opt.region = "us-east-1";
    CHECK_OK(ks_store_open(&opt, &s, &err));
    if (s == NULL)
        fprintf(stderr, "open: %s\n", err.msg);
    return s;
}

static json_t *
fixture(const char *name)
{
    char path[256];
    struct ks_buf b = KS_BUF_INIT(1 << 22);
    struct ks_err err = KS_ERR_INIT;
    json_t *doc = NULL, *arr;

    snprintf(path, sizeof(path), "../../fixtures/findings/%s", name);
    CHECK_OK(ks_file_read(path, 1 << 22, &b, &err));
    CHECK_OK(ks_json_parse(b.data, b.len, path, &doc, &err));
    ks_buf_release(&b);
    arr = json_incref(json_object_get(doc, "findings"));
    json_decref(doc);
    return arr;
}

/* Apply an evaluation; takes the reference to findings. */
static enum ks_code
apply(struct ks_store *s, const char *acc, enum ks_findings_rtype rt, const char *rid,
      json_t *findings, int64_t now, struct ks_store_eval_result *res)
{
    char r[1100];
    struct ks_store_evaluation ev = {acc, rt, r, NULL, findings, now};
    struct ks_err err = KS_ERR_INIT;
    enum ks_code rc;

    snprintf(r, sizeof(r), "%s", rid); /* rid may point into findings */
    rc = ks_store_apply_evaluation(s, &ev, res, &err);
    if (rc != KS_OK)
        fprintf(stderr, "apply: %s\n", err.msg);
    json_decref(findings);
    return rc;
}

static const char *
rid_of(json_t *findings)
{
    return ks_json_str(json_array_get(ks_json_arr(json_array_get(findings, 0), "resources"), 0),
                       "id");
}

/* Seed an account with all four fixtures; returns the account id in acc. */
static void
seed(struct ks_store *s, char acc[13], int64_t now)
{
    static const struct {
        const char *file;
        enum ks_findings_rtype rt;
    } fx[] = {{"host.json", KS_RT_HOST},
              {"image.json", KS_RT_CONTAINER_IMAGE},
              {"function.json", KS_RT_FUNCTION},
              {"repository.json", KS_RT_CODE_REPOSITORY}};
    struct ks_account a;
    struct ks_err err = KS_ERR_INIT;

    CHECK_OK(ks_store_account_create(s, "test", now, &a, &err));
    memcpy(acc, a.account_id, 13);
    for (size_t i = 0; i < KS_ARRAY_LEN(fx); i++) {
        json_t *f = fixture(fx[i].file);

        CHECK_OK(apply(s, acc, fx[i].rt, rid_of(f), f, now, NULL));
    }
}

static size_t
count(struct ks_store *s, const char *acc, const char *criteria_json)
{
    struct ks_arena *a = ks_arena_new(8192);
    struct ks_err err = KS_ERR_INIT;
    struct ks_criteria *c = NULL;
    json_t *doc = NULL;
    size_t n = (size_t)-1;

    CHECK_OK(ks_json_parse(criteria_json, strlen(criteria_json), "criteria", &doc, &err));
    if (ks_findings_criteria_parse(&ks_fc_findings, doc, "filterCriteria", a, &c, &err) != KS_OK)
        fprintf(stderr, "criteria: %s\n", err.msg);
    else
        CHECK_OK(ks_store_findings_count(s, acc, c, &n, &err));
    json_decref(doc);
    ks_arena_free(a);
    return n;
}

static json_t *
get_finding(struct ks_store *s, const char *acc, const char *id)
{
    struct ks_err err = KS_ERR_INIT;
    json_t *f = NULL;

    CHECK_OK(ks_store_finding_get(s, acc, id, KS_TS_EPOCH, &f, &err));
    return f;
}

static const char *
fid_of(json_t *finding)
{
    const char *arn = ks_json_str(finding, "findingArn");

    return strrchr(arn, '/') + 1;
}

static int64_t
pending(struct ks_store *s, const char *target)
{
    struct ks_err err = KS_ERR_INIT;
    int64_t n = -1;

    CHECK_OK(ks_store_outbox_pending(s, target, &n, &err));
    return n;
}

/* ------------------------------------------------------------------------ */

static void
test_open_and_keys(void)
{
    struct ks_store *s = open_store();
    struct ks_err err = KS_ERR_INIT;
    struct ks_account a;
    struct ks_access_key k, got;
    enum ks_enable_status st[KS_SCAN_TYPE_COUNT];
    struct stat sb;
    char path[4300];
    struct ks_buf dbfile = KS_BUF_INIT((size_t)64 << 20);
    char secret[KS_SECRET_KEY_LEN + 1];

    CHECK_OK(ks_store_account_create(s, "acme", T0, &a, &err));
    CHECK_INT(strlen(a.account_id), 12);
    CHECK_OK(ks_store_scan_types_get(s, a.account_id, st, &err));
    for (int i = 0; i < KS_SCAN_TYPE_COUNT; i++)
        CHECK_INT(st[i], KS_ENABLED);
    CHECK_OK(ks_store_key_create(s, a.account_id, T0, &k, &err));
    CHECK_INT(strlen(k.access_key_id), KS_ACCESS_KEY_LEN);
    CHECK_INT(strlen(k.secret_access_key), KS_SECRET_KEY_LEN);
    CHECK(strncmp(k.access_key_id, "KSIA", 4) == 0);
    memcpy(secret, k.secret_access_key, sizeof(secret));
    CHECK_OK(ks_store_key_lookup(s, ks_str_c(k.access_key_id), &got, &err));
    CHECK_STR(got.secret_access_key, secret);
    CHECK_STR(got.account_id, a.account_id);
    CHECK(!got.revoked);
    CHECK_INT(ks_store_key_lookup(s, KS_STR("KSIAAAAAAAAAAAAAAAAA"), &got, &err), KS_ENOTFOUND);
    CHECK_INT(ks_store_key_create(s, "999999999999", T0, &got, &err), KS_ENOTFOUND);
    CHECK_OK(ks_store_key_revoke(s, k.access_key_id, T0 + 1, &err));
    CHECK_OK(ks_store_key_lookup(s, ks_str_c(k.access_key_id), &got, &err));
    CHECK(got.revoked);
    CHECK_INT(ks_store_key_revoke(s, "KSIANOPE", T0, &err), KS_ENOTFOUND);

    /* Files are private and the secret is not in the database in clear. */
    snprintf(path, sizeof(path), "%s/%s", ks_store_data_dir(s), KS_STORE_KEY_FILE);
    CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0777) == 0600 && sb.st_size == 32);
    snprintf(path, sizeof(path), "%s/%s", ks_store_data_dir(s), KS_STORE_DB_FILE);
    CHECK(stat(path, &sb) == 0 && (sb.st_mode & 0077) == 0);
    ks_store_free(s); /* checkpoint the WAL into the file */
    CHECK_OK(ks_file_read(path, (size_t)64 << 20, &dbfile, &err));
    CHECK(!contains(dbfile.data, dbfile.len, secret));
    CHECK(contains(dbfile.data, dbfile.len, k.access_key_id));
    ks_buf_release(&dbfile);
    CHECK_INT(ks_store_schema_version(), 1);
}

static void
test_lifecycle(void)
{
    struct ks_store *s = open_store();
    struct ks_err err = KS_ERR_INIT;
    struct ks_account a;
    struct ks_store_eval_result r;
    json_t *f = fixture("host.json"), *less, *changed, *got;
    const char *rid = rid_of(f);
    char id0[64], id1[64];

    CHECK_OK(ks_store_account_create(s, "", T0, &a, &err));
    CHECK_OK(ks_store_outbox_target(s, "test", T0, &err));
    snprintf(id0, sizeof(id0), "%s", fid_of(json_array_get(f, 0)));
    snprintf(id1, sizeof(id1), "%s", fid_of(json_array_get(f, 1)));

    /* First evaluation: everything new and ACTIVE. */
    CHECK_OK(apply(s, a.account_id, KS_RT_HOST, rid, json_deep_copy(f), T0, &r));
    CHECK_INT(r.created, 5);
    CHECK_INT(r.closed + r.updated + r.reopened + r.unchanged, 0);
    CHECK_INT(r.events, 5 + 1 + 1); /* 5 findings, the scan, coverage of a new resource */
    CHECK_INT(pending(s, "test"), 7);
    got = get_finding(s, a.account_id, id0);
    CHECK_STR(ks_json_str(got, "status"), "ACTIVE");
    CHECK_INT(json_integer_value(json_object_get(got, "firstObservedAt")), T0 / 1000);
    CHECK_STR(ks_json_str(got, "awsAccountId"), a.account_id);
    CHECK(strstr(ks_json_str(got, "findingArn"), a.account_id) != NULL);
    json_decref(got);

    /* Same result an hour later: only lastObservedAt moves; no finding events. */
    CHECK_OK(apply(s, a.account_id, KS_RT_HOST, rid, json_deep_copy(f), T0 + HOUR, &r));
    CHECK_INT(r.unchanged, 5);
    CHECK_INT(r.events, 1); /* the scan event */
    got = get_finding(s, a.account_id, id0);
    CHECK_INT(json_integer_value(json_object_get(got, "lastObservedAt")), (T0 + HOUR) / 1000);
    CHECK_INT(json_integer_value(json_object_get(got, "updatedAt")), T0 / 1000);
    json_decref(got);

    /* The package was upgraded: its finding is CLOSED. */
    less = json_deep_copy(f);
    json_array_remove(less, 0);
    CHECK_OK(apply(s, a.account_id, KS_RT_HOST, rid, less, T0 + 2 * HOUR, &r));
    CHECK_INT(r.closed, 1);
    CHECK_INT(r.unchanged, 4);
    got = get_finding(s, a.account_id, id0);
    CHECK_STR(ks_json_str(got, "status"), "CLOSED");
    CHECK_INT(json_integer_value(json_object_get(got, "updatedAt")), (T0 + 2 * HOUR) / 1000);
    json_decref(got);
    CHECK_INT(count(s, a.account_id, "{\"findingStatus\":[{\"comparison\":\"EQUALS\","
                                     "\"value\":\"CLOSED\"}]}"),
              1);

    /* It comes back: re-opened, firstObservedAt kept. */
    CHECK_OK(apply(s, a.account_id, KS_RT_HOST, rid, json_deep_copy(f), T0 + 3 * HOUR, &r));
    CHECK_INT(r.reopened, 1);
    got = get_finding(s, a.account_id, id0);
    CHECK_STR(ks_json_str(got, "status"), "ACTIVE");
    CHECK_INT(json_integer_value(json_object_get(got, "firstObservedAt")), T0 / 1000);
    CHECK_INT(json_integer_value(json_object_get(got, "updatedAt")), (T0 + 3 * HOUR) / 1000);
    json_decref(got);

    /* A new advisory version raises the severity: updated, updatedAt moves. */
    changed = json_deep_copy(f);
    json_object_set_new(json_array_get(changed, 1), "severity", json_string("HIGH"));
    json_object_set_new(json_array_get(changed, 1), "inspectorScore", json_real(8.1));
    CHECK_OK(apply(s, a.account_id, KS_RT_HOST, rid, changed, T0 + 4 * HOUR, &r));
    CHECK_INT(r.updated, 1);
    CHECK_INT(r.unchanged, 4);
    CHECK_INT(r.events, 2);
    got = get_finding(s, a.account_id, id1);
    CHECK_STR(ks_json_str(got, "severity"), "HIGH");
    CHECK_INT(json_integer_value(json_object_get(got, "updatedAt")), (T0 + 4 * HOUR) / 1000);
    json_decref(got);

    /* No findings at all: everything closes. */
    CHECK_OK(apply(s, a.account_id, KS_RT_HOST, rid, json_array(), T0 + 5 * HOUR, &r));
    CHECK_INT(r.closed, 5);
    CHECK_INT(count(s, a.account_id, "{}"), 5);
    CHECK_INT(count(s, a.account_id, "{\"findingStatus\":[{\"comparison\":\"EQUALS\","
                                     "\"value\":\"ACTIVE\"}]}"),
              0);
    json_decref(f);
    ks_store_free(s);
}

static void
test_evaluation_refusals(void)
{
    struct ks_store *s = open_store();
    struct ks_err err = KS_ERR_INIT;
    struct ks_account a;
    json_t *f = fixture("host.json"), *dup, *bad;
    struct ks_store_evaluation ev;

    CHECK_OK(ks_store_account_create(s, "", T0, &a, &err));
    /* A finding of another resource. */
    ev = (struct ks_store_evaluation){a.account_id, KS_RT_HOST, "other-host", NULL,
                                      json_deep_copy(f), T0};
    CHECK_INT(ks_store_apply_evaluation(s, &ev, NULL, &err), KS_EINVAL);
    CHECK(strstr(err.msg, "not the evaluated HOST 'other-host'") != NULL);
    json_decref(ev.findings);
    /* The same id twice. */
    dup = json_deep_copy(f);
    json_array_append(dup, json_array_get(dup, 0));
    ev = (struct ks_store_evaluation){a.account_id, KS_RT_HOST, rid_of(f), NULL, dup, T0};
    CHECK_INT(ks_store_apply_evaluation(s, &ev, NULL, &err), KS_EINVAL);
    CHECK(strstr(err.msg, "appears twice") != NULL);
    json_decref(dup);
    /* An invalid document names the finding and member; nothing was stored. */
    bad = json_deep_copy(f);
    json_object_set_new(json_array_get(bad, 2), "severity", json_string("SEVERE"));
    ev = (struct ks_store_evaluation){a.account_id, KS_RT_HOST, rid_of(f), NULL, bad, T0};
    CHECK_INT(ks_store_apply_evaluation(s, &ev, NULL, &err), KS_EINVAL);
    CHECK(strstr(err.msg, "findings[2]") != NULL && strstr(err.msg, "severity") != NULL);
    CHECK_INT(count(s, a.account_id, "{}"), 0);
    json_decref(bad);
    /* Unknown account. */
    ev = (struct ks_store_evaluation){"123456789012", KS_RT_HOST, rid_of(f), NULL, f, T0};
    CHECK_INT(ks_store_apply_evaluation(s, &ev, NULL, &err), KS_ENOTFOUND);
    /* Disabled scan type: refused, and disabling closed what was there. */
    CHECK_OK(apply(s, a.account_id, KS_RT_HOST, rid_of(f), json_deep_copy(f), T0, NULL));
    CHECK_OK(ks_store_scan_types_set(s, a.account_id, 1u << KS_SCAN_EC2, KS_DISABLED, T0 + 1,
                                     &err));
    ev = (struct ks_store_evaluation){a.account_id, KS_RT_HOST, rid_of(f), NULL, f, T0 + 2};
    CHECK_INT(ks_store_apply_evaluation(s, &ev, NULL, &err), KS_ECONFLICT);
    CHECK(strstr(err.msg, "disabled") != NULL);
    CHECK_INT(count(s, a.account_id, "{\"findingStatus\":[{\"comparison\":\"EQUALS\","
                                     "\"value\":\"CLOSED\"}]}"),
              5);
    json_decref(f);
    ks_store_free(s);
}

static void
test_queries(void)
{
    static const struct {
        const char *criteria;
        size_t want;
    } cases[] = {
        {"{}", 9},
        {"{\"severity\":[{\"comparison\":\"EQUALS\",\"value\":\"CRITICAL\"}]}", 3},
        {"{\"severity\":[{\"comparison\":\"EQUALS\",\"value\":\"CRITICAL\"},"
         "{\"comparison\":\"EQUALS\",\"value\":\"HIGH\"}]}", 5},
        {"{\"severity\":[{\"comparison\":\"NOT_EQUALS\",\"value\":\"CRITICAL\"},"
         "{\"comparison\":\"NOT_EQUALS\",\"value\":\"HIGH\"}]}", 4},
        {"{\"title\":[{\"comparison\":\"PREFIX\",\"value\":\"CVE-2023\"}]}", 5},
        {"{\"title\":[{\"comparison\":\"PREFIX\",\"value\":\"CVE-2023\"}],"
         "\"severity\":[{\"comparison\":\"EQUALS\",\"value\":\"CRITICAL\"}]}", 1},
        {"{\"findingType\":[{\"comparison\":\"EQUALS\",\"value\":\"NETWORK_REACHABILITY\"}]}", 1},
        {"{\"resourceType\":[{\"comparison\":\"EQUALS\",\"value\":\"AWS_ECR_CONTAINER_IMAGE\"}]}", 2},
        {"{\"inspectorScore\":[{\"lowerInclusive\":9.0}]}", 3},
        {"{\"inspectorScore\":[{\"lowerInclusive\":5,\"upperInclusive\":7},"
         "{\"upperInclusive\":3.5}]}", 3},
        {"{\"epssScore\":[{\"lowerInclusive\":0.5}]}", 1},
        {"{\"vulnerablePackages\":[{\"name\":{\"comparison\":\"EQUALS\",\"value\":\"curl\"}}]}", 1},
        {"{\"vulnerablePackages\":[{\"name\":{\"comparison\":\"PREFIX\",\"value\":\"libc\"},"
         "\"version\":{\"comparison\":\"EQUALS\",\"value\":\"2.36\"}}]}", 1},
        {"{\"vulnerablePackages\":[{\"name\":{\"comparison\":\"EQUALS\",\"value\":\"curl\"},"
         "\"version\":{\"comparison\":\"EQUALS\",\"value\":\"2.36\"}}]}", 0},
        {"{\"vulnerablePackages\":[{\"epoch\":{\"lowerInclusive\":1}}]}", 1},
        {"{\"vulnerablePackages\":[{\"sourceLayerHash\":{\"comparison\":\"PREFIX\","
         "\"value\":\"sha256:\"}}]}", 2},
        {"{\"resourceTags\":[{\"comparison\":\"EQUALS\",\"key\":\"env\",\"value\":\"prod\"}]}", 5},
        {"{\"resourceTags\":[{\"comparison\":\"EQUALS\",\"key\":\"env\"}]}", 6},
        {"{\"ecrImageTags\":[{\"comparison\":\"EQUALS\",\"value\":\"latest\"}]}", 2},
        {"{\"ecrImageTags\":[{\"comparison\":\"NOT_EQUALS\",\"value\":\"latest\"}]}", 7},
        {"{\"ecrImageRepositoryName\":[{\"comparison\":\"EQUALS\",\"value\":\"shop/api\"}]}", 2},
        {"{\"relatedVulnerabilities\":[{\"comparison\":\"EQUALS\",\"value\":\"PYSEC-2023-74\"}]}", 1},
        {"{\"portRange\":[{\"beginInclusive\":20,\"endInclusive\":25}]}", 1},
        {"{\"portRange\":[{\"beginInclusive\":80,\"endInclusive\":443}]}", 0},
        {"{\"componentType\":[{\"comparison\":\"EQUALS\",\"value\":\"AWS::EC2::InternetGateway\"}]}", 1},
        {"{\"networkProtocol\":[{\"comparison\":\"EQUALS\",\"value\":\"TCP\"}]}", 1},
        {"{\"fixAvailable\":[{\"comparison\":\"EQUALS\",\"value\":\"NO\"}]}", 1},
        {"{\"exploitAvailable\":[{\"comparison\":\"EQUALS\",\"value\":\"YES\"}]}", 2},
        {"{\"lambdaFunctionName\":[{\"comparison\":\"EQUALS\",\"value\":\"orders-worker\"}]}", 1},
        {"{\"lambdaFunctionLayers\":[{\"comparison\":\"PREFIX\",\"value\":\"arn:aws:lambda\"}]}", 1},
        {"{\"lambdaFunctionLastModifiedAt\":[{\"startInclusive\":\"2024-02-01T00:00:00Z\"}]}", 1},
        {"{\"codeVulnerabilityDetectorName\":[{\"comparison\":\"EQUALS\",\"value\":\"SQL injection\"}]}", 1},
        {"{\"codeVulnerabilityDetectorTags\":[{\"comparison\":\"EQUALS\",\"value\":\"python\"}]}", 1},
        {"{\"codeRepositoryProviderType\":[{\"comparison\":\"EQUALS\",\"value\":\"GITHUB\"}]}", 1},
        {"{\"ec2InstanceVpcId\":[{\"comparison\":\"EQUALS\",\"value\":\"vpc-0123abcd\"}]}", 5},
        {"{\"ecrImagePushedAt\":[{\"startInclusive\":1704067200,\"endInclusive\":1735689600}]}", 2},
        {"{\"firstObservedAt\":[{\"startInclusive\":1704067200}]}", 9},
        {"{\"firstObservedAt\":[{\"endInclusive\":1704067199}]}", 0},
        {"{\"vulnerabilityId\":[{\"comparison\":\"EQUALS\",\"value\":\"CVE-2021-44228\"}]}", 1},
        {"{\"vendorSeverity\":[{\"comparison\":\"EQUALS\",\"value\":\"MEDIUM\"}]}", 2},
        {"{\"findingArn\":[{\"comparison\":\"PREFIX\",\"value\":\"arn:aws:inspector2:us-east-1:\"}]}", 9},
    };
    struct ks_store *s = open_store();
    char acc[13], other[13];

    seed(s, acc, T0);
    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        size_t n = count(s, acc, cases[i].criteria);

        CHECK_MSG(n == cases[i].want, "case %zu: %zu != %zu: %s", i, n, cases[i].want,
                  cases[i].criteria);
    }
    /* Another account with the very same findings sees only its own. */
    seed(s, other, T0);
    CHECK_INT(count(s, other, "{}"), 9);
    CHECK_INT(count(s, acc, "{}"), 9);
    {
        char crit[200];

        snprintf(crit, sizeof(crit),
                 "{\"awsAccountId\":[{\"comparison\":\"EQUALS\",\"value\":\"%s\"}]}", other);
        CHECK_INT(count(s, acc, crit), 0);
    }
    ks_store_free(s);
}

static void
test_sort_and_page(void)
{
    struct ks_store *s = open_store();
    struct ks_err err = KS_ERR_INIT;
    struct ks_store_page page = {0, 4};
    json_t *out = NULL;
    bool more = false;
    char acc[13];
    double prev = 11;
    size_t total = 0;

    seed(s, acc, T0);
    for (;;) {
        size_t i;
        json_t *f;

        CHECK_OK(ks_store_findings_list(s, acc, NULL, KS_SORT_INSPECTOR_SCORE, true, &page,
                                        KS_TS_EPOCH, &out, &more, &err));
        json_array_foreach(out, i, f) {
            json_t *sc = json_object_get(f, "inspectorScore");

            if (sc != NULL) {
                CHECK(json_number_value(sc) <= prev);
                prev = json_number_value(sc);
            } else {
                prev = -1; /* unscored come last */
            }
            total++;
        }
        json_decref(out);
        if (!more)
            break;
        page.offset += page.limit;
    }
    CHECK_INT(total, 9);
    /* The text path (ListFindings' hot path) says exactly what the JSON path says. */
    for (int sort = 0; sort < KS_SORT_COUNT; sort++) {
        struct ks_buf text = KS_BUF_INIT(1 << 22);
        json_t *parsed = NULL;
        bool more2 = false;

        page = (struct ks_store_page){1, 5};
        CHECK_OK(ks_store_findings_list(s, acc, NULL, (enum ks_sort_field)sort, sort % 2 == 0,
                                        &page, KS_TS_EPOCH, &out, &more, &err));
        CHECK_OK(ks_store_findings_list_text(s, acc, NULL, (enum ks_sort_field)sort, sort % 2 == 0,
                                             &page, &text, &more2, &err));
        CHECK_OK(ks_json_parse(text.data, text.len, "page", &parsed, &err));
        CHECK_MSG(json_equal(out, parsed), "sort %d: text and JSON pages differ", sort);
        CHECK(more == more2);
        json_decref(parsed);
        json_decref(out);
        ks_buf_release(&text);
    }
    /* Default order: CRITICAL first. */
    page = (struct ks_store_page){0, 1};
    CHECK_OK(ks_store_findings_list(s, acc, NULL, KS_SORT_DEFAULT, false, &page, KS_TS_EPOCH,
                                    &out, &more, &err));
    CHECK_STR(ks_json_str(json_array_get(out, 0), "severity"), "CRITICAL");
    CHECK(more);
    json_decref(out);
    ks_store_free(s);
}

static enum ks_code
make_filter(struct ks_store *s, const char *acc, const char *action, const char *criteria,
            int64_t now, char arn[160])
{
    struct ks_err err = KS_ERR_INIT;
    json_t *c = NULL;
    struct ks_store_filter f = {NULL, "rule", "why", "accepted risk", action, NULL, NULL};
    enum ks_code rc;

    CHECK_OK(ks_json_parse(criteria, strlen(criteria), "criteria", &c, &err));
    f.criteria = c;
    rc = ks_store_filter_create(s, acc, &f, now, arn, &err);
    if (rc != KS_OK)
        fprintf(stderr, "filter: %s\n", err.msg);
    json_decref(c);
    return rc;
}

static void
test_suppression(void)
{
    struct ks_store *s = open_store();
    struct ks_err err = KS_ERR_INIT;
    struct ks_store_eval_result r;
    char acc[13], arn[160], arn2[160];
    json_t *host = fixture("host.json"), *list = NULL;
    struct ks_store_page page = {0, 100};
    bool more;
    const char *supp = "{\"findingStatus\":[{\"comparison\":\"EQUALS\",\"value\":\"SUPPRESSED\"}]}";

    seed(s, acc, T0);
    CHECK_OK(ks_store_outbox_target(s, "t", T0, &err));
    /* Retroactive: existing LOW and MEDIUM findings are suppressed at once. */
    CHECK_OK(make_filter(s, acc, "SUPPRESS",
                         "{\"severity\":[{\"comparison\":\"EQUALS\",\"value\":\"LOW\"},"
                         "{\"comparison\":\"EQUALS\",\"value\":\"MEDIUM\"}]}",
                         T0 + HOUR, arn));
    CHECK(strstr(arn, ":owner/") != NULL && strstr(arn, "/filter/") != NULL);
    CHECK_INT(count(s, acc, supp), 4);
    CHECK_INT(pending(s, "t"), 4); /* one event per status change */
    /* A NONE filter changes nothing. */
    CHECK_OK(make_filter(s, acc, "NONE",
                         "{\"severity\":[{\"comparison\":\"EQUALS\",\"value\":\"CRITICAL\"}]}",
                         T0 + HOUR, arn2));
    CHECK_INT(count(s, acc, supp), 4);
    /* A new evaluation keeps them suppressed (and reports no change). */
    CHECK_OK(apply(s, acc, KS_RT_HOST, rid_of(host), json_deep_copy(host), T0 + 2 * HOUR, &r));
    CHECK_INT(r.unchanged, 5);
    CHECK_INT(r.suppressed + r.unsuppressed, 0);
    CHECK_INT(count(s, acc, supp), 4);
    /* Narrowing the filter un-suppresses what no longer matches. */
    {
        json_t *c = NULL;
        const char *cj = "{\"severity\":[{\"comparison\":\"EQUALS\",\"value\":\"LOW\"}]}";
        struct ks_store_filter f = {arn, NULL, NULL, NULL, NULL, NULL, NULL};

        CHECK_OK(ks_json_parse(cj, strlen(cj), "c", &c, &err));
        f.criteria = c;
        CHECK_OK(ks_store_filter_update(s, acc, &f, T0 + 3 * HOUR, &err));
        json_decref(c);
    }
    CHECK_INT(count(s, acc, supp), 1);
    CHECK_OK(ks_store_filter_list(s, acc, NULL, 0, "SUPPRESS", &page, KS_TS_EPOCH, &list, &more,
                                  &err));
    CHECK_INT(json_array_size(list), 1);
    CHECK_STR(ks_json_str(json_array_get(list, 0), "arn"), arn);
    CHECK_STR(ks_json_str(json_array_get(list, 0), "ownerId"), acc);
    CHECK(json_object_get(json_object_get(json_array_get(list, 0), "criteria"), "severity"));
    json_decref(list);
    /* A filter on findingStatus ACTIVE sees the lifecycle, not its own effect (no flapping). */
    CHECK_OK(make_filter(s, acc, "SUPPRESS",
                         "{\"findingStatus\":[{\"comparison\":\"EQUALS\",\"value\":\"ACTIVE\"}],"
                         "\"findingType\":[{\"comparison\":\"EQUALS\",\"value\":\"CODE_VULNERABILITY\"}]}",
                         T0 + 4 * HOUR, arn2));
    CHECK_INT(count(s, acc, supp), 2);
    CHECK_OK(apply(s, acc, KS_RT_HOST, rid_of(host), json_deep_copy(host), T0 + 5 * HOUR, &r));
    CHECK_INT(count(s, acc, supp), 2);
    /* Deleting the filters lifts their suppressions. */
    CHECK_OK(ks_store_filter_delete(s, acc, arn, T0 + 6 * HOUR, &err));
    CHECK_OK(ks_store_filter_delete(s, acc, arn2, T0 + 6 * HOUR, &err));
    CHECK_INT(count(s, acc, supp), 0);
    CHECK_INT(ks_store_filter_delete(s, acc, arn, T0, &err), KS_ENOTFOUND);
    /* Suppressed at birth: a new finding matching a filter is created SUPPRESSED. */
    CHECK_OK(make_filter(s, acc, "SUPPRESS",
                         "{\"vulnerabilityId\":[{\"comparison\":\"EQUALS\",\"value\":\"CVE-2023-4039\"}]}",
                         T0 + 7 * HOUR, arn));
    {
        char other[13];
        struct ks_account a;

        CHECK_OK(ks_store_account_create(s, "", T0, &a, &err));
        memcpy(other, a.account_id, 13);
        CHECK_OK(apply(s, other, KS_RT_HOST, rid_of(host), json_deep_copy(host), T0 + 8 * HOUR,
                       &r));
        CHECK_INT(r.suppressed, 0); /* the filter is the other account's */
    }
    CHECK_INT(count(s, acc, supp), 1);
    /* Bad filters are refused naming the member. */
    CHECK_INT(make_filter(s, acc, "SUPPRESS", "{}", T0, arn), KS_EINVAL);
    CHECK_INT(make_filter(s, acc, "HIDE", "{\"severity\":[{\"comparison\":\"EQUALS\","
                                          "\"value\":\"LOW\"}]}", T0, arn),
              KS_EINVAL);
    CHECK_INT(make_filter(s, acc, "SUPPRESS", "{\"severity\":[{\"comparison\":\"EQUALZ\","
                                              "\"value\":\"LOW\"}]}", T0, arn),
              KS_EINVAL);
    json_decref(host);
    ks_store_free(s);
}

static json_t *
aggregate(struct ks_store *s, const char *acc, struct ks_agg_request *req)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_store_page page = {0, 100};
    json_t *out = NULL;
    bool more;

    CHECK_OK(ks_store_findings_aggregate(s, acc, req, &page, &out, &more, &err));
    return out;
}

static void
test_aggregations(void)
{
    struct ks_store *s = open_store();
    char acc[13];
    struct ks_agg_request req;
    json_t *out, *o;

    seed(s, acc, T0);
    memset(&req, 0, sizeof(req));
    req.type = KS_AGG_ACCOUNT;
    req.descending = true;
    out = aggregate(s, acc, &req);
    o = json_object_get(json_array_get(out, 0), "accountAggregation");
    CHECK_STR(ks_json_str(o, "accountId"), acc);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(o, "severityCounts"), "all")), 9);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(o, "severityCounts"),
                                                 "critical")), 3);
    CHECK_INT(json_integer_value(json_object_get(o, "exploitAvailableCount")), 2);
    json_decref(out);

    req.type = KS_AGG_PACKAGE;
    req.sort_by = "ALL";
    out = aggregate(s, acc, &req);
    CHECK_INT(json_array_size(out), 9); /* libc6 libc-bin curl libcurl4 libssl3 gcc log4j zlib requests */
    json_decref(out);

    req.type = KS_AGG_AWS_ECR_CONTAINER;
    out = aggregate(s, acc, &req);
    o = json_object_get(json_array_get(out, 0), "awsEcrContainerAggregation");
    CHECK_STR(ks_json_str(o, "repository"), "shop/api");
    CHECK_INT(json_array_size(json_object_get(o, "imageTags")), 2);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(o, "severityCounts"),
                                                 "critical")), 2);
    json_decref(out);

    req.type = KS_AGG_IMAGE_LAYER;
    out = aggregate(s, acc, &req);
    CHECK_INT(json_array_size(out), 2);
    json_decref(out);

    req.type = KS_AGG_AMI;
    req.sort_by = "AFFECTED_INSTANCES";
    out = aggregate(s, acc, &req);
    o = json_object_get(json_array_get(out, 0), "amiAggregation");
    CHECK_STR(ks_json_str(o, "ami"), "ami-0abcdef1234567890");
    CHECK_INT(json_integer_value(json_object_get(o, "affectedInstances")), 1);
    json_decref(out);

    req.type = KS_AGG_AWS_EC2_INSTANCE;
    req.sort_by = "NETWORK_FINDINGS";
    out = aggregate(s, acc, &req);
    o = json_object_get(json_array_get(out, 0), "ec2InstanceAggregation");
    CHECK_INT(json_integer_value(json_object_get(o, "networkFindings")), 1);
    CHECK_STR(ks_json_str(json_object_get(o, "instanceTags"), "env"), "prod");
    json_decref(out);

    req.type = KS_AGG_LAMBDA_LAYER;
    req.sort_by = NULL;
    out = aggregate(s, acc, &req);
    o = json_object_get(json_array_get(out, 0), "lambdaLayerAggregation");
    CHECK_STR(ks_json_str(o, "functionName"), "orders-worker");
    json_decref(out);

    req.type = KS_AGG_CODE_REPOSITORY;
    out = aggregate(s, acc, &req);
    o = json_object_get(json_array_get(out, 0), "codeRepositoryAggregation");
    CHECK_STR(ks_json_str(o, "projectNames"), "example/shop");
    json_decref(out);

    /* TITLE with a restriction and a key filter. */
    {
        struct ks_arena *a = ks_arena_new(4096);
        struct ks_err err = KS_ERR_INIT;
        struct ks_fc_list l;
        const char *j = "[{\"comparison\":\"PREFIX\",\"value\":\"CVE-2023-4\"}]";
        json_t *arr = NULL;

        CHECK_OK(ks_json_parse(j, strlen(j), "t", &arr, &err));
        CHECK_OK(ks_findings_string_filters_parse(arr, "titles", true, a, &l, &err));
        memset(&req, 0, sizeof(req));
        req.type = KS_AGG_TITLE;
        req.filters[0].name = "titles";
        req.filters[0].list = &l;
        req.n_filters = 1;
        req.resource_type = "AWS_EC2_INSTANCE";
        out = aggregate(s, acc, &req);
        CHECK_INT(json_array_size(out), 2); /* CVE-2023-4911, CVE-2023-4039 */
        json_decref(out);
        json_decref(arr);
        ks_arena_free(a);
    }
    ks_store_free(s);
}

static void
test_coverage(void)
{
    struct ks_store *s = open_store();
    struct ks_err err = KS_ERR_INIT;
    struct ks_store_page page = {0, 100};
    struct ks_account_config cfg;
    json_t *out = NULL, *counts = NULL, *img;
    int64_t total = 0;
    size_t expired = 0;
    bool more;
    char acc[13];

    seed(s, acc, T0);
    CHECK_OK(ks_store_coverage_list(s, acc, NULL, &page, T0, &out, &more, &err));
    CHECK_INT(json_array_size(out), 4);
    json_decref(out);
    CHECK_OK(ks_store_coverage_stats(s, acc, NULL, "RESOURCE_TYPE", T0, &counts, &total, &err));
    CHECK_INT(total, 4);
    CHECK_INT(json_array_size(counts), 4);
    json_decref(counts);

    /* The image was pushed 2024-02-01; with DAYS_30 it expires in March. */
    memset(&cfg, 0, sizeof(cfg));
    snprintf(cfg.ecr_rescan_duration, sizeof(cfg.ecr_rescan_duration), "DAYS_30");
    CHECK_OK(ks_store_config_set(s, acc, &cfg, T0, &err));
    CHECK_OK(ks_store_expire_images(s, T0 + 24 * HOUR, &expired, &err));
    CHECK_INT(expired, 0);
    CHECK_OK(ks_store_expire_images(s, 1710028800000LL /* 2024-03-10 */, &expired,
                                    &err));
    CHECK_INT(expired, 1);
    {
        struct ks_arena *a = ks_arena_new(4096);
        struct ks_criteria *c = NULL;
        const char *j = "{\"scanStatusReason\":[{\"comparison\":\"EQUALS\","
                        "\"value\":\"SCAN_ELIGIBILITY_EXPIRED\"}]}";
        json_t *cj = NULL;

        CHECK_OK(ks_json_parse(j, strlen(j), "t", &cj, &err));
        CHECK_OK(ks_findings_criteria_parse(&ks_fc_coverage, cj, "filterCriteria", a, &c, &err));
        CHECK_OK(ks_store_coverage_list(s, acc, c, &page, T0, &out, &more, &err));
        CHECK_INT(json_array_size(out), 1);
        CHECK_STR(ks_json_str(json_array_get(out, 0), "resourceType"), "AWS_ECR_CONTAINER_IMAGE");
        json_decref(out);
        json_decref(cj);
        ks_arena_free(a);
    }
    CHECK_INT(count(s, acc, "{\"resourceType\":[{\"comparison\":\"EQUALS\","
                            "\"value\":\"AWS_ECR_CONTAINER_IMAGE\"}],\"findingStatus\":"
                            "[{\"comparison\":\"EQUALS\",\"value\":\"CLOSED\"}]}"),
              2);
    /* A re-evaluation of the expired image is refused. */
    img = fixture("image.json");
    CHECK_INT(apply(s, acc, KS_RT_CONTAINER_IMAGE, rid_of(img), img, 1712000000000LL, NULL),
              KS_ECONFLICT);
    /* Disabling ECR drops images from coverage. */
    CHECK_OK(ks_store_scan_types_set(s, acc, 1u << KS_SCAN_ECR, KS_DISABLED, T0, &err));
    CHECK_OK(ks_store_coverage_list(s, acc, NULL, &page, T0, &out, &more, &err));
    CHECK_INT(json_array_size(out), 3);
    json_decref(out);
    ks_store_free(s);
}

static void
test_outbox(void)
{
    struct ks_store *s = open_store();
    struct ks_err err = KS_ERR_INIT;
    struct ks_outbox_event ev[64];
    size_t n = 0;

    memset(ev, 0, sizeof(ev));
    int64_t deleted = 0;
    char acc[13];

    seed(s, acc, T0); /* events before the target exists are not its business */
    CHECK_OK(ks_store_outbox_target(s, "hook", T0, &err));
    CHECK_INT(pending(s, "hook"), 0);
    {
        json_t *f = fixture("function.json");

        CHECK_OK(apply(s, acc, KS_RT_FUNCTION, rid_of(f), json_array(), T0 + HOUR, NULL));
        json_decref(f);
    }
    CHECK_INT(pending(s, "hook"), 2); /* closed + scan */
    CHECK_OK(ks_store_outbox_due(s, "hook", T0 + HOUR, ev, 64, &n, &err));
    CHECK_INT(n, 2);
    CHECK_STR(ev[0].detail_type, "Inspector2 Finding");
    CHECK_STR(ev[0].kind, "closed");
    CHECK(strstr(ev[0].detail, "\"status\":\"CLOSED\"") != NULL);
    CHECK(strstr(ev[0].detail, "\"updatedAt\":\"2024-01-01T01:00:00Z\"") != NULL);
    CHECK_STR(ev[1].detail_type, "Inspector2 Scan");
    /* A failed attempt waits for its retry time; a delivered one is done. */
    CHECK_OK(ks_store_outbox_failed(s, "hook", ev[0].seq, T0 + 2 * HOUR, false, "HTTP 500", &err));
    CHECK_OK(ks_store_outbox_delivered(s, "hook", ev[1].seq, T0 + HOUR, &err));
    for (size_t i = 0; i < n; i++)
        ks_outbox_event_release(&ev[i]);
    CHECK_OK(ks_store_outbox_due(s, "hook", T0 + HOUR, ev, 64, &n, &err));
    CHECK_INT(n, 0);
    CHECK_OK(ks_store_outbox_due(s, "hook", T0 + 2 * HOUR, ev, 64, &n, &err));
    CHECK_INT(n, 1);
    CHECK_INT(ev[0].attempts, 1);
    CHECK_OK(ks_store_outbox_delivered(s, "hook", ev[0].seq, T0 + 2 * HOUR, &err));
    ks_outbox_event_release(&ev[0]);
    CHECK_INT(pending(s, "hook"), 0);
    CHECK_OK(ks_store_outbox_prune(s, T0 + 30 * 24 * HOUR, 24 * HOUR, &deleted, &err));
    CHECK(deleted >= 2);
    CHECK_INT(pending(s, "hook"), 0);
    ks_store_free(s);
}

static void
test_reports_and_jobs(void)
{
    struct ks_store *s = open_store();
    struct ks_err err = KS_ERR_INIT;
    struct ks_store_report r, c;
    struct ks_store_job j;
    struct ks_account a;
    char id[37], id2[37], job[37];
    bool found, cancelled;
    json_t *dest = json_pack("{s:s, s:s}", "bucketName", "b", "kmsKeyArn", "k");

    CHECK_OK(ks_store_account_create(s, "", T0, &a, &err));
    CHECK_OK(ks_store_report_create(s, a.account_id, KS_REPORT_FINDINGS, "CSV", NULL, dest, T0,
                                    id, &err));
    CHECK_INT(strlen(id), 36);
    CHECK_OK(ks_store_report_create(s, a.account_id, KS_REPORT_FINDINGS, "JSON", NULL, dest,
                                    T0 + 1, id2, &err));
    CHECK_OK(ks_store_report_cancel(s, a.account_id, KS_REPORT_FINDINGS, id2, T0 + 2, &err));
    CHECK_INT(ks_store_report_cancel(s, a.account_id, KS_REPORT_FINDINGS, id2, T0 + 2, &err),
              KS_ECONFLICT);
    CHECK_INT(ks_store_report_get(s, "000000000000", KS_REPORT_FINDINGS, id, &r, &err),
              KS_ENOTFOUND);
    CHECK_OK(ks_store_report_claim(s, T0 + 3, 60000, &c, &found, &err));
    CHECK(found);
    CHECK_STR(c.report_id, id);
    CHECK_STR(ks_json_str(c.destination, "bucketName"), "b");
    /* Claimed: not handed out again until stale. */
    CHECK_OK(ks_store_report_claim(s, T0 + 4, 60000, &r, &found, &err));
    CHECK(!found);
    snprintf(c.status, sizeof(c.status), "SUCCEEDED");
    snprintf(c.object_key, sizeof(c.object_key), "reports/%s.csv", id);
    CHECK_OK(ks_store_report_finish(s, &c, T0 + 5, &cancelled, &err));
    CHECK(!cancelled);
    ks_store_report_release(&c);
    CHECK_OK(ks_store_report_get(s, a.account_id, KS_REPORT_FINDINGS, id, &r, &err));
    CHECK_STR(r.status, "SUCCEEDED");
    ks_store_report_release(&r);

    CHECK_OK(ks_store_job_add(s, a.account_id, "scan-image", NULL, T0, job, &err));
    CHECK_OK(ks_store_job_claim(s, T0 + 1, 60000, &j, &found, &err));
    CHECK(found && strcmp(j.job_id, job) == 0);
    ks_store_job_release(&j);
    CHECK_OK(ks_store_job_claim(s, T0 + 2, 60000, &j, &found, &err));
    CHECK(!found);
    CHECK_OK(ks_store_job_finish(s, job, true, NULL, T0 + 3, &err));
    CHECK_OK(ks_store_job_get(s, a.account_id, job, &j, &err));
    CHECK_STR(j.status, "SUCCEEDED");
    ks_store_job_release(&j);
    json_decref(dest);
    ks_store_free(s);
}

static void
test_usage(void)
{
    struct ks_store *s = open_store();
    struct ks_err err = KS_ERR_INIT;
    json_t *u = NULL, *img = fixture("image.json");
    char acc[13];
    size_t i;
    json_t *x;
    bool initial = false, rescan = false, hours = false;

    seed(s, acc, T0);
    CHECK_OK(apply(s, acc, KS_RT_CONTAINER_IMAGE, rid_of(img), json_incref(img), T0 + HOUR, NULL));
    CHECK_OK(ks_store_usage(s, acc, T0 + 2 * HOUR, &u, &err));
    json_array_foreach(u, i, x) {
        initial |= strcmp(ks_json_str(x, "type"), "ECR_INITIAL_SCAN") == 0;
        rescan |= strcmp(ks_json_str(x, "type"), "ECR_RESCAN") == 0;
        hours |= strcmp(ks_json_str(x, "type"), "EC2_INSTANCE_HOURS") == 0 &&
                 json_number_value(json_object_get(x, "total")) == 2.0;
    }
    CHECK(initial && rescan && hours);
    json_decref(u);
    json_decref(img);
    ks_store_free(s);
}

/* Every allocation failing in turn: an error, never a crash, a leak or a half-write. */
static void
test_alloc_failures(void)
{
    struct ks_store *s = open_store();
    struct ks_err err = KS_ERR_INIT;
    struct ks_account a;
    json_t *f = fixture("image.json");
    const char *rid = rid_of(f);
    size_t n;

    CHECK_OK(ks_store_account_create(s, "", T0, &a, &err));
    for (n = 1; n < 5000; n++) {
        json_t *copy = json_deep_copy(f);
        struct ks_store_evaluation ev = {a.account_id, KS_RT_CONTAINER_IMAGE, rid, NULL, copy, T0};
        enum ks_code rc;

        ks_alloc_fail_at(n);
        rc = ks_store_apply_evaluation(s, &ev, NULL, &err);
        ks_alloc_fail_at(0);
        json_decref(copy);
        if (rc == KS_OK)
            break;
        CHECK_MSG(rc == KS_ENOMEM || rc == KS_EDB || rc == KS_EINVAL, "n=%zu: %s %s", n, err.msg,
                  ks_code_name(rc));
        CHECK_INT(count(s, a.account_id, "{}"), 0);
    }
    CHECK(n < 5000);
    CHECK_INT(count(s, a.account_id, "{}"), 2);
    json_decref(f);
    ks_store_free(s);
}

/*
 * In another process (the sqlite3 command, a fresh SQLite: a forked child
 * would inherit our SQLite's lock bookkeeping): 0 when it sees the account.
 * When it believes it is the only connection it checkpoints and deletes
 * the WAL on exit, as any other process would.
 */
static int
child_sees(const char *dir, const char *account_id)
{
    char cmd[4600], out[64] = "";
    FILE *p;

    snprintf(cmd, sizeof(cmd),
             "sqlite3 '%s/kensa.db' \"select count(*) from accounts where account_id = '%s'\"",
             dir, account_id);
    if ((p = popen(cmd, "r")) == NULL)
        return -1;
    if (fgets(out, sizeof(out), p) == NULL)
        out[0] = '\0';
    if (pclose(p) != 0)
        return -1;
    return strcmp(out, "1\n") == 0 ? 0 : 1;
}

/*
 * Regression: opening a second connection used to open()+close() the
 * database file, which drops every POSIX lock of the process; another
 * process then believed it was alone, checkpointed and deleted the WAL, and
 * later commits of this process became invisible to everyone else.
 */
static void
test_multi_process_visibility(void)
{
    struct ks_store *s1 = open_store(), *s2;
    struct ks_store_options o;
    struct ks_err err = KS_ERR_INIT;
    struct ks_account a, b;

    o.data_dir = ks_store_data_dir(s1);
    o.region = "us-east-1";
    CHECK_OK(ks_store_open(&o, &s2, &err));
    CHECK_OK(ks_store_account_create(s1, "", T0, &a, &err));
    CHECK_INT(child_sees(o.data_dir, a.account_id), 0);
    CHECK_OK(ks_store_account_create(s1, "", T0, &b, &err));
    CHECK_INT(child_sees(o.data_dir, b.account_id), 0);
    ks_store_free(s2);
    ks_store_free(s1);
}

static void
test_inventory_and_changelog(void)
{
    struct ks_store *s = open_store();
    struct ks_err err = KS_ERR_INIT;
    struct ks_account a;
    struct ks_buf b = KS_BUF_INIT(1 << 20);
    struct ks_store_page page = {0, 10};
    json_t *out = NULL, *cs;
    char fmt[32], last[64];
    int64_t at = 0, id = 0;
    bool more;
    static const char inv[] = "{\"packages\":[{\"name\":\"curl\",\"version\":\"7.88.1-10\"}]}";

    CHECK_OK(ks_store_account_create(s, "", T0, &a, &err));
    CHECK_OK(ks_store_outbox_target(s, "t", T0, &err));
    CHECK_OK(ks_store_inventory_put(s, a.account_id, KS_RT_HOST, "web-01", NULL, "kensa-inventory",
                                    inv, sizeof(inv) - 1, T0, &err));
    CHECK_OK(ks_store_inventory_get(s, a.account_id, "web-01", &b, fmt, &at, &err));
    CHECK_STR(b.data, inv);
    CHECK_STR(fmt, "kensa-inventory");
    CHECK_INT(at, T0);
    CHECK_INT(pending(s, "t"), 1); /* coverage: the resource appeared */
    CHECK_OK(ks_store_coverage_list(s, a.account_id, NULL, &page, T0, &out, &more, &err));
    CHECK_STR(ks_json_str(json_object_get(json_array_get(out, 0), "scanStatus"), "reason"),
              "PENDING_INITIAL_SCAN");
    json_decref(out);
    /* Other accounts see no inventory. */
    ks_buf_reset(&b);
    CHECK_INT(ks_store_inventory_get(s, "000000000000", "web-01", &b, fmt, &at, &err),
              KS_ENOTFOUND);
    /* A second push replaces it and is no new resource. */
    CHECK_OK(ks_store_inventory_put(s, a.account_id, KS_RT_HOST, "web-01", NULL, NULL, "{}", 2,
                                    T0 + 1, &err));
    CHECK_INT(pending(s, "t"), 1);
    ks_buf_release(&b);

    cs = json_pack("{s:[{s:s, s:s}]}", "modified", "ecosystem", "Debian:12", "package", "curl");
    CHECK_OK(ks_store_changelog_last(s, last, sizeof(last), &err));
    CHECK_STR(last, "");
    CHECK_OK(ks_store_changelog_add(s, "vulndb-2026-11-21", cs, T0, &id, &err));
    CHECK(id > 0);
    CHECK_OK(ks_store_changelog_done(s, id, 3, T0 + 1, &err));
    CHECK_OK(ks_store_changelog_last(s, last, sizeof(last), &err));
    CHECK_STR(last, "vulndb-2026-11-21");
    json_decref(cs);
    ks_store_free(s);
}

KS_TEST_MAIN(KS_TEST(test_open_and_keys), KS_TEST(test_inventory_and_changelog), KS_TEST(test_multi_process_visibility), KS_TEST(test_lifecycle),
             KS_TEST(test_evaluation_refusals), KS_TEST(test_queries), KS_TEST(test_sort_and_page),
             KS_TEST(test_suppression), KS_TEST(test_aggregations), KS_TEST(test_coverage),
             KS_TEST(test_outbox), KS_TEST(test_reports_and_jobs), KS_TEST(test_usage),
             KS_TEST(test_alloc_failures))
