/*
 * test_sigv4.c: SigV4 against botocore (golden/botocore.jsonl, made by
 * gen_golden.py with the AWS CLI's own signer), plus the parser's refusals.
 */
#include "test.h"

#include <jansson.h>

#include "sigv4/sigv4.h"

#define MAXKV 32

/* Recompute the signature of every golden request; must match botocore's. */
static void
test_golden_botocore(void)
{
    struct ks_buf file = KS_BUF_INIT(1 << 20);
    struct ks_err err = KS_ERR_INIT;
    struct ks_cur cur;
    struct ks_str line;
    int cases = 0;

    CHECK_OK(ks_file_read("golden/botocore.jsonl", 1 << 20, &file, &err));
    cur = ks_cur_make(file.data, file.len);
    while (ks_cur_line(&cur, 1 << 16, &line) == KS_OK) {
        json_t *doc = NULL, *v;
        struct ks_sigv4_kv q[MAXKV], h[MAXKV];
        struct ks_sigv4_request req;
        struct ks_sigv4_auth auth;
        struct ks_buf signed_auth = KS_BUF_INIT(4096);
        char payload[65], sig[65];
        unsigned char key[32];
        size_t i;
        const char *want;
        struct ks_str amz = KS_STR_NULL;

        if (line.len == 0)
            continue;
        CHECK_OK(ks_json_parse(line.ptr, line.len, "golden", &doc, &err));
        if (doc == NULL)
            break;
        memset(&req, 0, sizeof(req));
        req.method = ks_json_strv(doc, "method");
        req.path = ks_json_strv(doc, "path");
        json_array_foreach(ks_json_arr(doc, "query"), i, v) {
            q[i].key = ks_str_c(json_string_value(json_array_get(v, 0)));
            q[i].value = ks_str_c(json_string_value(json_array_get(v, 1)));
            req.n_query = i + 1;
        }
        json_array_foreach(ks_json_arr(doc, "headers"), i, v) {
            h[i].key = ks_str_c(json_string_value(json_array_get(v, 0)));
            h[i].value = ks_str_c(json_string_value(json_array_get(v, 1)));
            if (ks_str_eq_c(h[i].key, "x-amz-date"))
                amz = h[i].value;
            req.n_headers = i + 1;
        }
        req.query = q;
        req.headers = h;
        ks_sigv4_payload_hash(ks_json_str(doc, "body"), strlen(ks_json_str(doc, "body")),
                              payload);
        req.payload_hash = ks_str_c(payload);
        req.s3 = ks_json_bool(doc, "s3", false);
        want = ks_json_str(doc, "authorization");

        /* Verify side: parse botocore's header, recompute, compare. */
        CHECK_OK(ks_sigv4_parse_auth(ks_str_c(want), &auth, &err));
        ks_sigv4_signing_key(ks_json_strv(doc, "secret"), auth.date, auth.region, auth.service,
                             key);
        CHECK_OK(ks_sigv4_signature(&req, auth.signed_headers, amz, auth.date, auth.region,
                                    auth.service, key, sig, &err));
        CHECK_MSG(ks_sigv4_equal(ks_str_c(sig), auth.signature), "case %d: %s vs " KS_STR_FMT,
                  cases, sig, KS_STR_ARG(auth.signature));

        /* Sign side: signing all of botocore's headers gives its exact header. */
        CHECK_OK(ks_sigv4_sign(&req, auth.access_key_id, ks_json_strv(doc, "secret"),
                               ks_json_strv(doc, "region"), ks_json_strv(doc, "service"), amz,
                               &signed_auth, &err));
        CHECK_STR(signed_auth.data, want);
        ks_buf_release(&signed_auth);
        json_decref(doc);
        cases++;
    }
    CHECK(cases >= 6);
    ks_buf_release(&file);
}

static void
test_parse_auth_refusals(void)
{
    static const char *const bad[] = {
        "",
        "AWS4-HMAC-SHA1 Credential=a/20240101/us-east-1/inspector2/aws4_request, "
        "SignedHeaders=host, Signature=0000000000000000000000000000000000000000000000000000000000000000",
        "AWS4-HMAC-SHA256 Credential=a/2024010/us-east-1/inspector2/aws4_request, "
        "SignedHeaders=host, Signature=0000000000000000000000000000000000000000000000000000000000000000",
        "AWS4-HMAC-SHA256 Credential=a/20240101/us-east-1/inspector2/aws5_request, "
        "SignedHeaders=host, Signature=0000000000000000000000000000000000000000000000000000000000000000",
        "AWS4-HMAC-SHA256 Credential=a/20240101/us-east-1/inspector2/aws4_request, "
        "SignedHeaders=x-amz-date;host, Signature=0000000000000000000000000000000000000000000000000000000000000000",
        "AWS4-HMAC-SHA256 Credential=a/20240101/us-east-1/inspector2/aws4_request, "
        "SignedHeaders=Host, Signature=0000000000000000000000000000000000000000000000000000000000000000",
        "AWS4-HMAC-SHA256 Credential=a/20240101/us-east-1/inspector2/aws4_request, "
        "SignedHeaders=host;host, Signature=0000000000000000000000000000000000000000000000000000000000000000",
        "AWS4-HMAC-SHA256 Credential=a/20240101/us-east-1/inspector2/aws4_request, "
        "SignedHeaders=host, Signature=00000000000000000000000000000000000000000000000000000000000000",
        "AWS4-HMAC-SHA256 Credential=a/20240101/us-east-1/inspector2/aws4_request, "
        "SignedHeaders=host, Signature=000000000000000000000000000000000000000000000000000000000000000G",
        "AWS4-HMAC-SHA256 Credential=a/20240101/us-east-1/inspector2/aws4_request, SignedHeaders=host",
        "AWS4-HMAC-SHA256 Credential=/20240101/us-east-1/inspector2/aws4_request, "
        "SignedHeaders=host, Signature=0000000000000000000000000000000000000000000000000000000000000000",
        "AWS4-HMAC-SHA256 Credential=a/20240101/us-east-1/inspector2/aws4_request, "
        "SignedHeaders=host, SignedHeaders=host, Signature=0000000000000000000000000000000000000000000000000000000000000000",
    };
    struct ks_sigv4_auth a;

    for (size_t i = 0; i < KS_ARRAY_LEN(bad); i++) {
        struct ks_err err = KS_ERR_INIT;
        enum ks_code rc = ks_sigv4_parse_auth(ks_str_c(bad[i]), &a, &err);

        CHECK_MSG(rc == KS_EAUTH, "case %zu: %s", i, ks_code_name(rc));
        CHECK(err.msg[0] != '\0');
    }
}

static void
test_missing_signed_header(void)
{
    struct ks_sigv4_kv h[] = {{KS_STR("host"), KS_STR("x")}};
    struct ks_sigv4_request req = {.method = KS_STR("GET"), .path = KS_STR("/"),
                                   .headers = h, .n_headers = 1,
                                   .payload_hash = KS_STR("e3b0")};
    struct ks_buf out = KS_BUF_INIT(4096);
    struct ks_err err = KS_ERR_INIT;

    CHECK_INT(ks_sigv4_canonical_request(&req, KS_STR("host;x-amz-date"), &out, &err), KS_EAUTH);
    CHECK(strstr(err.msg, "x-amz-date") != NULL);
    ks_buf_release(&out);
}

static void
test_amz_date(void)
{
    time_t t = 0;
    char s[17];

    CHECK_OK(ks_sigv4_parse_amz_date(KS_STR("20240102T030405Z"), &t));
    CHECK_INT(t, 1704164645);
    ks_sigv4_amz_date(t, s);
    CHECK_STR(s, "20240102T030405Z");
    CHECK_INT(ks_sigv4_parse_amz_date(KS_STR("2024-01-02T03:04:05Z"), &t), KS_EPARSE);
    CHECK_INT(ks_sigv4_parse_amz_date(KS_STR("20241302T030405Z"), &t), KS_EPARSE);
    CHECK_INT(ks_sigv4_parse_amz_date(KS_STR("20240102T030405"), &t), KS_EPARSE);
}

static void
test_uri_encode(void)
{
    struct ks_buf b = KS_BUF_INIT(256);

    ks_sigv4_uri_encode(KS_STR("a b/c~d+e%é"), true, &b);
    CHECK_STR(b.data, "a%20b/c~d%2Be%25%C3%A9");
    ks_buf_reset(&b);
    ks_sigv4_uri_encode(KS_STR("a/b"), false, &b);
    CHECK_STR(b.data, "a%2Fb");
    ks_buf_release(&b);
}

KS_TEST_MAIN(KS_TEST(test_golden_botocore), KS_TEST(test_parse_auth_refusals),
             KS_TEST(test_missing_signed_header), KS_TEST(test_amz_date), KS_TEST(test_uri_encode))
