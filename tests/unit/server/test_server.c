/*
 * test_server.c: the server's pieces that need no network: routing from the
 * model, request validation against the model (messages name the member),
 * the listen address and the JSON config file.
 */
#include "test.h"

#include <jansson.h>

#include "server/server_int.h"

static void
test_routes(void)
{
    static const struct {
        const char *method, *path;
        enum srv_route_kind kind;
        const char *op;
        bool implemented, read_only;
    } cases[] = {
        {"POST", "/findings/list", SRV_ROUTE_INSPECTOR, "ListFindings", true, true},
        {"POST", "/findings/aggregation/list", SRV_ROUTE_INSPECTOR, "ListFindingAggregations", true, true},
        {"POST", "/filters/create", SRV_ROUTE_INSPECTOR, "CreateFilter", true, false},
        {"POST", "/status/batch/get", SRV_ROUTE_INSPECTOR, "BatchGetAccountStatus", true, true},
        {"POST", "/reporting/create", SRV_ROUTE_INSPECTOR, "CreateFindingsReport", true, false},
        {"POST", "/enable", SRV_ROUTE_INSPECTOR, "Enable", true, false},
        {"POST", "/members/list", SRV_ROUTE_INSPECTOR, "ListMembers", false, true},
        {"GET", "/tags/arn:aws:inspector2:us-east-1:123456789012:filter/x", SRV_ROUTE_INSPECTOR,
         "ListTagsForResource", false, true},
        {"GET", "/findings/list", SRV_ROUTE_METHOD, NULL, false, false},
        {"POST", "/findings/list/", SRV_ROUTE_NONE, NULL, false, false},
        {"POST", "/tags/", SRV_ROUTE_NONE, NULL, false, false},
        {"POST", "", SRV_ROUTE_NONE, NULL, false, false},
        {"GET", "/kensa/v1/healthz", SRV_ROUTE_KENSA, NULL, false, false},
        {"POST", "/kensa/v1/healthz", SRV_ROUTE_METHOD, NULL, false, false},
        {"GET", "/metrics", SRV_ROUTE_KENSA, NULL, false, false},
        {"GET", "/kensa/v1/reports/abc", SRV_ROUTE_KENSA, NULL, false, false},
        {"GET", "/kensa/v1/reports/a/b", SRV_ROUTE_NONE, NULL, false, false},
        {"GET", "/kensa/v1/nope", SRV_ROUTE_NONE, NULL, false, false},
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct srv_route rt;

        srv_route(ks_str_c(cases[i].method), ks_str_c(cases[i].path), &rt);
        CHECK_MSG(rt.kind == cases[i].kind, "case %zu (%s %s): kind %d", i, cases[i].method,
                  cases[i].path, rt.kind);
        if (cases[i].op != NULL && rt.op != NULL) {
            CHECK_STR(rt.op->name, cases[i].op);
            CHECK_MSG((rt.fn != NULL) == cases[i].implemented, "case %zu: implemented", i);
            CHECK_MSG(rt.read_only == cases[i].read_only, "case %zu: read-only", i);
        }
    }
    /* Every operation of the model routes to itself. */
    for (size_t i = 0; i < ks_model_n_ops; i++) {
        struct srv_route rt;
        char path[256];

        snprintf(path, sizeof(path), "%s", ks_model_ops[i].uri);
        for (char *b = strchr(path, '{'); b != NULL; b = strchr(path, '{')) {
            char *e = strchr(b, '}');

            if (e == NULL)
                break;
            *b = 'x';
            memmove(b + 1, e + 1, strlen(e + 1) + 1);
        }
        srv_route(ks_str_c(ks_model_ops[i].method), ks_str_c(path), &rt);
        CHECK_MSG(rt.kind == SRV_ROUTE_INSPECTOR && rt.op == &ks_model_ops[i], "%s",
                  ks_model_ops[i].name);
    }
}

static void
test_validate(void)
{
    static const struct {
        const char *op, *body, *field;
    } cases[] = {
        {"ListFindings", "{}", NULL},
        {"ListFindings", "{\"maxResults\":100,\"sortCriteria\":{\"field\":\"SEVERITY\","
                         "\"sortOrder\":\"ASC\"}}", NULL},
        {"ListFindings", "{\"maxResults\":101}", "maxResults"},
        {"ListFindings", "{\"maxResults\":1.5}", "maxResults"},
        {"ListFindings", "{\"sortCriteria\":{\"field\":\"SEVERITY\"}}", "sortCriteria.sortOrder"},
        {"ListFindings", "{\"sortCriteria\":{\"field\":\"COLOUR\",\"sortOrder\":\"ASC\"}}",
         "sortCriteria.field"},
        {"ListFindings", "{\"filterCriteria\":{\"severity\":[{\"comparison\":\"EQUALS\"}]}}",
         "filterCriteria.severity[0].value"},
        {"ListFindings", "{\"filterCriteria\":{\"firstObservedAt\":[{\"startInclusive\":\"x\"}]}}",
         "filterCriteria.firstObservedAt[0].startInclusive"},
        {"ListFindings", "{\"filterCriteria\":{\"firstObservedAt\":[{\"startInclusive\":\"2024-01-01T00:00:00Z\"}]}}", NULL},
        {"ListFindings", "{\"extra\":1}", "extra"},
        {"Enable", "{}", "resourceTypes"},
        {"Enable", "{\"resourceTypes\":[\"EC2\",\"VM\"]}", "resourceTypes[1]"},
        {"Enable", "{\"resourceTypes\":[\"EC2\"],\"accountIds\":[\"12345\"]}", "accountIds[0]"},
        {"BatchGetFindingDetails", "{\"findingArns\":[]}", "findingArns"},
        {"ListFindingAggregations", "{\"aggregationType\":\"AMI\",\"aggregationRequest\":{}}",
         "aggregationRequest"},
        {"ListFindingAggregations",
         "{\"aggregationType\":\"AMI\",\"aggregationRequest\":{\"amiAggregation\":{},"
         "\"titleAggregation\":{}}}", "aggregationRequest"},
        {"CreateFindingsReport", "{\"reportFormat\":\"CSV\",\"s3Destination\":{\"bucketName\":\"b\"}}",
         "s3Destination.kmsKeyArn"},
        {"GetFindingsReportStatus", "{\"reportId\":\"not-a-uuid\"}", "reportId"},
        {"GetFindingsReportStatus", "{\"reportId\":\"0f8fad5b-d9cb-469f-a165-70867728950e\"}", NULL},
        {"CreateFilter", "{\"name\":\"n\",\"action\":\"SUPPRESS\",\"filterCriteria\":{},"
                         "\"tags\":{\"k\":1}}", "tags.k"},
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct ks_err err = KS_ERR_INIT;
        struct srv_vfail vf;
        json_t *body = NULL;
        int shape = -1;
        bool ok;

        for (size_t o = 0; o < ks_model_n_ops; o++)
            if (strcmp(ks_model_ops[o].name, cases[i].op) == 0)
                shape = ks_model_ops[o].input;
        CHECK(shape >= 0);
        CHECK_OK(ks_json_parse(cases[i].body, strlen(cases[i].body), "body", &body, &err));
        ok = srv_validate(shape, body, &vf);
        if (cases[i].field == NULL) {
            CHECK_MSG(ok, "case %zu: %s", i, vf.message);
        } else {
            CHECK_MSG(!ok, "case %zu accepted", i);
            CHECK_MSG(strcmp(vf.field, cases[i].field) == 0, "case %zu: field '%s' (%s)", i,
                      vf.field, vf.message);
            CHECK(strstr(vf.message, "1 validation error detected") != NULL);
        }
        json_decref(body);
    }
    srv_validate_cleanup();
}

static void
test_listen_and_config(void)
{
    struct ks_server_config c;
    struct ks_err err = KS_ERR_INIT;
    char path[4200];
    static const struct {
        const char *json, *needle;
    } bad[] = {
        {"[]", "must be a JSON object"},
        {"{\"lisen\":\"x\"}", "unknown setting 'lisen'"},
        {"{\"threads\":0}", "'threads' must be a number from 1 to 64"},
        {"{\"rateLimit\":{\"burst\":0}}", "'burst'"},
        {"{\"webhooks\":[{\"secretFile\":\"x\"}]}", "needs a url"},
        {"{\"listen\":\"nohost\"}", "HOST:PORT"},
    };

    ks_server_config_defaults(&c);
    CHECK_STR(c.listen_host, "127.0.0.1");
    CHECK_INT(c.port, 8080);
    CHECK_OK(ks_server_parse_listen("0.0.0.0:9443", &c, &err));
    CHECK_STR(c.listen_host, "0.0.0.0");
    CHECK_INT(c.port, 9443);
    CHECK_OK(ks_server_parse_listen("[::1]:0", &c, &err));
    CHECK_STR(c.listen_host, "::1");
    CHECK_INT(c.port, 0);
    CHECK_INT(ks_server_parse_listen("host:70000", &c, &err), KS_EINVAL);
    CHECK_INT(ks_server_parse_listen(":80", &c, &err), KS_EINVAL);

    snprintf(path, sizeof(path), "%s/good.json", ks_test_tmpdir());
    {
        const char *j = "{\"listen\":\"127.0.0.1:0\",\"region\":\"eu-west-1\",\"threads\":2,"
                        "\"rateLimit\":{\"requestsPerSecond\":5,\"burst\":10},"
                        "\"clockSkewSeconds\":60,\"webhooks\":[{\"url\":\"http://127.0.0.1:1/h\"}],"
                        "\"webhookRetry\":{\"baseMs\":10,\"maxAttempts\":3},"
                        "\"s3\":{\"endpoint\":\"http://127.0.0.1:2\",\"accessKeyId\":\"a\","
                        "\"secretAccessKey\":\"b\"},\"metricsToken\":\"t\"}";

        CHECK_OK(ks_file_write_atomic(path, j, strlen(j), 0600, &err));
    }
    ks_server_config_defaults(&c);
    CHECK_OK(ks_server_config_load(path, &c, &err));
    CHECK_STR(c.region, "eu-west-1");
    CHECK_INT(c.threads, 2);
    CHECK(c.rate_per_sec == 5 && c.rate_burst == 10);
    CHECK_INT(c.clock_skew_ms, 60000);
    CHECK_INT(c.n_webhooks, 1);
    CHECK_INT(c.events.retry_base_ms, 10);
    CHECK_INT(c.events.max_attempts, 3);
    CHECK_STR(c.s3_endpoint, "http://127.0.0.1:2");
    for (size_t i = 0; i < KS_ARRAY_LEN(bad); i++) {
        ks_server_config_defaults(&c);
        CHECK_OK(ks_file_write_atomic(path, bad[i].json, strlen(bad[i].json), 0600, &err));
        CHECK_INT(ks_server_config_load(path, &c, &err), KS_EINVAL);
        CHECK_MSG(strstr(err.msg, bad[i].needle) != NULL, "case %zu: %s", i, err.msg);
    }
}

static void
test_webhook_secret(void)
{
    unsigned char a[64], b[64];
    struct ks_err err = KS_ERR_INIT;
    char dir[4200];

    snprintf(dir, sizeof(dir), "%s", ks_test_tmpdir());
    CHECK_OK(ks_server_webhook_secret(dir, a, &err));
    CHECK_OK(ks_server_webhook_secret(dir, b, &err));
    CHECK(memcmp(a, b, 64) == 0); /* created once, then read */
    for (int i = 0; i < 64; i++)
        CHECK((a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'f'));
}

KS_TEST_MAIN(KS_TEST(test_routes), KS_TEST(test_validate), KS_TEST(test_listen_and_config),
             KS_TEST(test_webhook_secret))
