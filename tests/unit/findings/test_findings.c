/*
 * test_findings.c: the FilterCriteria parser (accepts the model's shapes,
 * refuses absurd and malformed ones naming the member), in-memory matching
 * semantics, and extraction/normalisation/rendering of real-shaped findings.
 */
#include "test.h"

#include "findings/findings.h"

static json_t *
load_json(const char *path)
{
    struct ks_buf b = KS_BUF_INIT(1 << 22);
    struct ks_err err = KS_ERR_INIT;
    json_t *doc = NULL;

    CHECK_OK(ks_file_read(path, 1 << 22, &b, &err));
    CHECK_OK(ks_json_parse(b.data, b.len, path, &doc, &err));
    ks_buf_release(&b);
    return doc;
}

static enum ks_code
parse(const struct ks_fc_schema *schema, const char *text, struct ks_arena *a,
      struct ks_criteria **c, struct ks_err *err)
{
    json_t *doc = NULL;
    enum ks_code rc = ks_json_parse(text, strlen(text), "test", &doc, err);

    if (rc != KS_OK)
        return rc;
    rc = ks_findings_criteria_parse(schema, doc, "filterCriteria", a, c, err);
    /* The criteria borrow from doc; tests keep it alive in the arena. */
    ks_arena_on_free(a, (void (*)(void *))json_decref, doc);
    return rc;
}

static void
test_criteria_valid(void)
{
    struct ks_arena *a = ks_arena_new(4096);
    struct ks_err err = KS_ERR_INIT;
    struct ks_criteria *c = NULL;
    const struct ks_fc_list *l;

    CHECK_OK(parse(&ks_fc_findings,
                   "{\"severity\":[{\"comparison\":\"EQUALS\",\"value\":\"HIGH\"},"
                   "{\"comparison\":\"EQUALS\",\"value\":\"CRITICAL\"}],"
                   "\"title\":[{\"comparison\":\"PREFIX\",\"value\":\"CVE-2023\"}],"
                   "\"inspectorScore\":[{\"lowerInclusive\":7,\"upperInclusive\":10}],"
                   "\"firstObservedAt\":[{\"startInclusive\":1704067200.5,"
                   "\"endInclusive\":\"2024-12-31T00:00:00Z\"}],"
                   "\"resourceTags\":[{\"comparison\":\"EQUALS\",\"key\":\"env\",\"value\":\"prod\"}],"
                   "\"portRange\":[{\"beginInclusive\":22}],"
                   "\"vulnerablePackages\":[{\"name\":{\"comparison\":\"EQUALS\",\"value\":\"curl\"},"
                   "\"epoch\":{\"lowerInclusive\":0}}]}",
                   a, &c, &err));
    CHECK_INT(c->n, 7);
    l = ks_findings_criteria_get(c, KS_FF_SEVERITY);
    CHECK(l != NULL && l->n == 2 && strcmp(l->u.str[1].value, "CRITICAL") == 0);
    l = ks_findings_criteria_get(c, KS_FF_FIRST_OBSERVED_AT);
    CHECK(l != NULL && l->u.range[0].lo == 1704067200500.0 && l->u.range[0].hi == 1735603200000.0);
    l = ks_findings_criteria_get(c, KS_FF_PORT_RANGE);
    CHECK(l != NULL && l->u.port[0].begin == 22 && l->u.port[0].end == 65535);
    l = ks_findings_criteria_get(c, KS_FF_VULNERABLE_PACKAGES);
    CHECK(l != NULL && l->u.pkg[0].str[KS_PKG_NAME] != NULL && l->u.pkg[0].epoch != NULL &&
          l->u.pkg[0].str[KS_PKG_VERSION] == NULL);
    CHECK(ks_findings_criteria_get(c, KS_FF_EPSS_SCORE) == NULL);
    CHECK_OK(parse(&ks_fc_findings, "{}", a, &c, &err));
    CHECK_INT(c->n, 0);
    ks_arena_free(a);
}

static void
test_criteria_refusals(void)
{
    static const struct {
        const char *json, *needle;
    } bad[] = {
        {"[]", "filterCriteria: must be an object"},
        {"{\"sevrity\":[{\"comparison\":\"EQUALS\",\"value\":\"HIGH\"}]}", "unknown filter field 'sevrity'"},
        {"{\"severity\":[]}", "filterCriteria.severity: must hold 1 to 10"},
        {"{\"severity\":{}}", "filterCriteria.severity: must be a list"},
        {"{\"severity\":[{\"comparison\":\"LIKE\",\"value\":\"x\"}]}",
         "filterCriteria.severity[0].comparison: 'LIKE' is not one of"},
        {"{\"severity\":[{\"comparison\":\"EQUALS\",\"value\":\"\"}]}", "severity[0].value: must not be empty"},
        {"{\"severity\":[{\"comparison\":\"EQUALS\"}]}", "severity[0].value: required"},
        {"{\"severity\":[{\"comparison\":\"EQUALS\",\"value\":\"x\",\"extra\":1}]}", "unknown member 'extra'"},
        {"{\"inspectorScore\":[{\"lowerInclusive\":9,\"upperInclusive\":1}]}", "lowerInclusive is after upperInclusive"},
        {"{\"inspectorScore\":[{\"lowerInclusive\":1e300}]}", "outside"},
        {"{\"inspectorScore\":[{}]}", "needs lowerInclusive or upperInclusive"},
        {"{\"inspectorScore\":[{\"upperInclusive\":11}]}", "outside 0 to 10"},
        {"{\"epssScore\":[{\"lowerInclusive\":-0.5}]}", "outside 0 to 1"},
        {"{\"inspectorScore\":[{\"lowerInclusive\":\"1\"}]}", "must be a number"},
        {"{\"updatedAt\":[{\"startInclusive\":-5}]}", "not a timestamp"},
        {"{\"updatedAt\":[{\"startInclusive\":1e20}]}", "not a timestamp"},
        {"{\"updatedAt\":[{\"startInclusive\":\"yesterday\"}]}", "not a timestamp"},
        {"{\"updatedAt\":[{\"startInclusive\":20,\"endInclusive\":10}]}", "startInclusive is after"},
        {"{\"portRange\":[{\"beginInclusive\":70000}]}", "0 to 65535"},
        {"{\"portRange\":[{\"beginInclusive\":90,\"endInclusive\":80}]}", "beginInclusive is after"},
        {"{\"resourceTags\":[{\"comparison\":\"PREFIX\",\"key\":\"a\"}]}", "must be EQUALS"},
        {"{\"resourceTags\":[{\"comparison\":\"EQUALS\",\"key\":\"\"}]}", "key: required string"},
        {"{\"vulnerablePackages\":[{}]}", "needs at least one member"},
        {"{\"vulnerablePackages\":[{\"name\":{\"comparison\":\"EQUALS\",\"value\":\"\"}}]}",
         "vulnerablePackages[0].name.value: must not be empty"},
        {"{\"severity\":[1,2,3,4,5,6,7,8,9,10,11]}", "1 to 10"},
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(bad); i++) {
        struct ks_arena *a = ks_arena_new(4096);
        struct ks_err err = KS_ERR_INIT;
        struct ks_criteria *c = NULL;
        enum ks_code rc = parse(&ks_fc_findings, bad[i].json, a, &c, &err);

        CHECK_MSG(rc == KS_EINVAL, "case %zu: %s", i, ks_code_name(rc));
        CHECK_MSG(strstr(err.msg, bad[i].needle) != NULL, "case %zu: '%s' lacks '%s'", i, err.msg,
                  bad[i].needle);
        ks_arena_free(a);
    }
    /* Coverage strings refuse PREFIX. */
    {
        struct ks_arena *a = ks_arena_new(4096);
        struct ks_err err = KS_ERR_INIT;
        struct ks_criteria *c = NULL;

        CHECK_INT(parse(&ks_fc_coverage,
                        "{\"resourceId\":[{\"comparison\":\"PREFIX\",\"value\":\"i-\"}]}", a, &c,
                        &err),
                  KS_EINVAL);
        CHECK(strstr(err.msg, "EQUALS, NOT_EQUALS") != NULL);
        ks_arena_free(a);
    }
}

static void
test_match_semantics(void)
{
    struct ks_arena *a = ks_arena_new(4096);
    struct ks_err err = KS_ERR_INIT;
    struct ks_criteria *c = NULL;
    const struct ks_fc_list *l;
    const char *one[] = {"HIGH"}, *two[] = {"latest", "1.0"}, *none[] = {NULL};

    CHECK_OK(parse(&ks_fc_findings,
                   "{\"severity\":[{\"comparison\":\"EQUALS\",\"value\":\"HIGH\"},"
                   "{\"comparison\":\"PREFIX\",\"value\":\"CRIT\"}],"
                   "\"ecrImageTags\":[{\"comparison\":\"NOT_EQUALS\",\"value\":\"latest\"}],"
                   "\"title\":[{\"comparison\":\"NOT_EQUALS\",\"value\":\"a\"},"
                   "{\"comparison\":\"NOT_EQUALS\",\"value\":\"b\"}]}",
                   a, &c, &err));
    l = ks_findings_criteria_get(c, KS_FF_SEVERITY);
    CHECK(ks_findings_match_strings(l, one, 1));
    one[0] = "CRITICAL";
    CHECK(ks_findings_match_strings(l, one, 1));
    one[0] = "LOW";
    CHECK(!ks_findings_match_strings(l, one, 1));
    CHECK(!ks_findings_match_strings(l, none, 1));
    l = ks_findings_criteria_get(c, KS_FF_ECR_TAGS);
    CHECK(!ks_findings_match_strings(l, two, 2)); /* one tag is "latest" */
    two[0] = "2.0";
    CHECK(ks_findings_match_strings(l, two, 2));
    CHECK(ks_findings_match_strings(l, NULL, 0)); /* no tags: nothing equals */
    l = ks_findings_criteria_get(c, KS_FF_TITLE);
    one[0] = "a";
    CHECK(!ks_findings_match_strings(l, one, 1)); /* NOT_EQUALS are ANDed */
    one[0] = "c";
    CHECK(ks_findings_match_strings(l, one, 1));
    ks_arena_free(a);
}

static void
test_extract_fixtures(void)
{
    static const char *const files[] = {"../../fixtures/findings/host.json",
                                        "../../fixtures/findings/image.json",
                                        "../../fixtures/findings/function.json",
                                        "../../fixtures/findings/repository.json"};
    size_t total = 0;

    for (size_t f = 0; f < KS_ARRAY_LEN(files); f++) {
        json_t *doc = load_json(files[f]), *fd;
        size_t i;

        json_array_foreach(ks_json_arr(doc, "findings"), i, fd) {
            struct ks_arena *a = ks_arena_new(4096);
            struct ks_err err = KS_ERR_INIT;
            struct ks_finding_info info;

            CHECK_OK(ks_findings_extract(fd, a, &info, &err));
            CHECK(info.id != NULL && strlen(info.id) == 32);
            CHECK(info.str[KS_FF_RESOURCE_ID] != NULL);
            CHECK(info.severity_rank >= 1);
            total++;
            ks_arena_free(a);
        }
        json_decref(doc);
    }
    CHECK_INT(total, 9);
}

static void
test_extract_columns(void)
{
    json_t *doc = load_json("../../fixtures/findings/image.json");
    json_t *log4j = json_array_get(ks_json_arr(doc, "findings"), 0);
    struct ks_arena *a = ks_arena_new(4096);
    struct ks_err err = KS_ERR_INIT;
    struct ks_finding_info info;
    int tags = 0, related = 0;

    CHECK_OK(ks_findings_extract(log4j, a, &info, &err));
    CHECK_STR(info.str[KS_FF_VULNERABILITY_ID], "CVE-2021-44228");
    CHECK_STR(info.str[KS_FF_RESOURCE_TYPE], "AWS_ECR_CONTAINER_IMAGE");
    CHECK_INT(info.rtype, KS_RT_CONTAINER_IMAGE);
    CHECK_STR(info.str[KS_FF_ECR_REPOSITORY_NAME], "shop/api");
    CHECK(info.has_num[KS_FF_ECR_PUSHED_AT] && info.num[KS_FF_ECR_PUSHED_AT] == 1706788800000.0);
    CHECK(info.has_num[KS_FF_INSPECTOR_SCORE] && info.num[KS_FF_INSPECTOR_SCORE] == 10.0);
    CHECK(info.has_num[KS_FF_EPSS_SCORE]);
    CHECK_INT(info.n_pkgs, 1);
    CHECK_STR(info.pkgs[0].str[KS_PKG_NAME], "org.apache.logging.log4j:log4j-core");
    CHECK(info.pkgs[0].str[KS_PKG_SOURCE_LAYER_HASH] != NULL);
    for (size_t i = 0; i < info.n_values; i++) {
        tags += info.values[i].field == KS_FF_ECR_TAGS;
        related += info.values[i].field == KS_FF_RELATED_VULNERABILITIES;
    }
    CHECK_INT(tags, 2);
    CHECK_INT(related, 1);
    ks_arena_free(a);
    json_decref(doc);
}

static void
test_extract_refusals(void)
{
    static const struct {
        const char *json, *needle;
    } bad[] = {
        {"{}", "findingArn"},
        {"{\"findingArn\":\"arn:x:finding/\"}", "has no id"},
        {"{\"findingArn\":\"arn:x:finding/a b\"}", "id may hold only"},
        {"{\"findingArn\":\"f/1\",\"type\":\"X\"}", "type must be"},
        {"{\"findingArn\":\"f/1\",\"type\":\"PACKAGE_VULNERABILITY\",\"severity\":\"SEVERE\"}",
         "severity must be"},
        {"{\"findingArn\":\"f/1\",\"type\":\"PACKAGE_VULNERABILITY\",\"severity\":\"LOW\"}",
         "description"},
        {"{\"findingArn\":\"f/1\",\"type\":\"PACKAGE_VULNERABILITY\",\"severity\":\"LOW\","
         "\"description\":\"d\",\"remediation\":{},\"resources\":[]}",
         "resources must list"},
        {"{\"findingArn\":\"f/1\",\"type\":\"PACKAGE_VULNERABILITY\",\"severity\":\"LOW\","
         "\"description\":\"d\",\"remediation\":{},\"resources\":[{\"type\":\"VM\",\"id\":\"x\"}]}",
         "is not a resource type"},
        {"{\"findingArn\":\"f/1\",\"type\":\"PACKAGE_VULNERABILITY\",\"severity\":\"LOW\","
         "\"description\":\"d\",\"remediation\":{},\"inspectorScore\":11,"
         "\"resources\":[{\"type\":\"HOST\",\"id\":\"x\"}]}",
         "inspectorScore"},
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(bad); i++) {
        struct ks_arena *a = ks_arena_new(4096);
        struct ks_err err = KS_ERR_INIT;
        struct ks_finding_info info;
        json_t *doc = NULL;

        CHECK_OK(ks_json_parse(bad[i].json, strlen(bad[i].json), "t", &doc, &err));
        CHECK_INT(ks_findings_extract(doc, a, &info, &err), KS_EINVAL);
        CHECK_MSG(strstr(err.msg, bad[i].needle) != NULL, "case %zu: '%s'", i, err.msg);
        json_decref(doc);
        ks_arena_free(a);
    }
}

static void
test_normalize_render(void)
{
    json_t *doc = load_json("../../fixtures/findings/host.json");
    json_t *f = json_deep_copy(json_array_get(ks_json_arr(doc, "findings"), 0)), *r;
    struct ks_err err = KS_ERR_INIT;
    char id[KS_FINDING_MAX_ID + 1], h1[65], h2[65];
    struct ks_finding_state st = {"SUPPRESSED", 1704067200000, 1704067260500, 1704067260500};

    json_object_set_new(f, "status", json_string("ACTIVE"));
    json_object_set_new(json_array_get(ks_json_arr(f, "resources"), 0), "type",
                        json_string("HOST"));
    CHECK_OK(ks_findings_normalize(f, "123456789012", "eu-west-1", id, &err));
    CHECK_STR(id, "c4a4d60a2280f5ecabad023774556e6a");
    CHECK_STR(ks_json_str(f, "findingArn"),
              "arn:aws:inspector2:eu-west-1:123456789012:finding/c4a4d60a2280f5ecabad023774556e6a");
    CHECK_STR(ks_json_str(f, "awsAccountId"), "123456789012");
    CHECK(json_object_get(f, "status") == NULL);
    CHECK_STR(ks_json_str(json_array_get(ks_json_arr(f, "resources"), 0), "type"),
              "AWS_EC2_INSTANCE");
    CHECK_OK(ks_findings_content_hash(f, h1, &err));
    json_object_set_new(f, "severity", json_string("CRITICAL"));
    CHECK_OK(ks_findings_content_hash(f, h2, &err));
    CHECK(strcmp(h1, h2) != 0);

    r = ks_findings_render(f, &st, KS_TS_EPOCH);
    CHECK_STR(ks_json_str(r, "status"), "SUPPRESSED");
    CHECK(json_integer_value(json_object_get(r, "firstObservedAt")) == 1704067200);
    CHECK(json_real_value(json_object_get(r, "updatedAt")) == 1704067260.5);
    /* Timestamps inside the document follow the style too. */
    CHECK(json_is_integer(json_object_get(ks_json_obj(r, "packageVulnerabilityDetails"),
                                          "vendorCreatedAt")));
    json_decref(r);
    r = ks_findings_render(f, &st, KS_TS_RFC3339);
    CHECK_STR(ks_json_str(r, "updatedAt"), "2024-01-01T00:01:00.500Z");
    CHECK_STR(ks_json_str(r, "firstObservedAt"), "2024-01-01T00:00:00Z");
    json_decref(r);
    json_decref(f);
    json_decref(doc);
}

static void
test_types(void)
{
    enum ks_findings_rtype rt;
    enum ks_findings_scan_type st;

    CHECK(ks_findings_rtype_parse(KS_STR("AWS_ECR_CONTAINER_IMAGE"), &rt) &&
          rt == KS_RT_CONTAINER_IMAGE);
    CHECK(ks_findings_rtype_parse(KS_STR("FUNCTION"), &rt) && rt == KS_RT_FUNCTION);
    CHECK(!ks_findings_rtype_parse(KS_STR("VM"), &rt));
    CHECK(ks_findings_scan_type_parse(KS_STR("LAMBDA_CODE"), &st) && st == KS_SCAN_LAMBDA_CODE);
    CHECK_STR(ks_findings_scan_type_member(KS_SCAN_CODE_REPOSITORY), "codeRepository");
    CHECK_INT(ks_findings_rtype_scan_type(KS_RT_HOST), KS_SCAN_EC2);
    CHECK_INT(ks_findings_severity_rank("CRITICAL"), 5);
    CHECK_INT(ks_findings_severity_rank("UNTRIAGED"), 0);
    CHECK_INT(ks_findings_severity_rank("SEVERE"), -1);
}

KS_TEST_MAIN(KS_TEST(test_criteria_valid), KS_TEST(test_criteria_refusals),
             KS_TEST(test_match_semantics), KS_TEST(test_extract_fixtures),
             KS_TEST(test_extract_columns), KS_TEST(test_extract_refusals),
             KS_TEST(test_normalize_render), KS_TEST(test_types))
