/*
 * fuzz_sigv4.c: the SigV4 Authorization parser and canonicaliser on
 * attacker-chosen requests. Input lines: Authorization value, method, path,
 * then "name: value" headers up to an empty line, then the body.
 */
#include "sigv4/sigv4.h"

#include <string.h>

#define MAX_H 40

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_cur c = ks_cur_make(data, size);
    struct ks_str auth = KS_STR_NULL, method = KS_STR_NULL, path = KS_STR_NULL, line;
    struct ks_sigv4_kv h[MAX_H], q[4];
    struct ks_sigv4_request rq;
    struct ks_sigv4_auth a;
    struct ks_buf canon = KS_BUF_INIT(1 << 20), signed_auth = KS_BUF_INIT(1 << 16);
    struct ks_err err = KS_ERR_INIT;
    unsigned char key[32];
    char payload[65], sig[65];
    size_t n = 0;
    time_t t;

    if (ks_cur_line(&c, 4096, &auth) != KS_OK || ks_cur_line(&c, 64, &method) != KS_OK ||
        ks_cur_line(&c, 9000, &path) != KS_OK)
        return 0;
    while (n < MAX_H && ks_cur_line(&c, 9000, &line) == KS_OK && line.len > 0) {
        struct ks_str k, v;

        if (!ks_str_split2(line, ':', &k, &v))
            continue;
        h[n].key = k;
        h[n].value = v;
        if (ks_sigv4_parse_amz_date(ks_str_trim(v), &t) == KS_OK)
            sink += (size_t)t;
        n++;
    }
    ks_sigv4_payload_hash(c.p, ks_cur_left(&c), payload);
    q[0] = (struct ks_sigv4_kv){path, method};
    q[1] = (struct ks_sigv4_kv){method, auth};
    memset(&rq, 0, sizeof(rq));
    rq.method = method;
    rq.path = path;
    rq.headers = h;
    rq.n_headers = n;
    rq.query = q;
    rq.n_query = 2;
    rq.payload_hash = ks_str_c(payload);
    rq.s3 = size % 2 == 0;
    if (ks_sigv4_parse_auth(auth, &a, &err) == KS_OK) {
        if (ks_sigv4_canonical_request(&rq, a.signed_headers, &canon, &err) == KS_OK)
            sink += canon.len;
        ks_sigv4_signing_key(KS_STR("secret"), a.date, a.region, a.service, key);
        if (ks_sigv4_signature(&rq, a.signed_headers, KS_STR("20240101T000000Z"), a.date, a.region,
                               a.service, key, sig, &err) == KS_OK)
            sink += ks_sigv4_equal(ks_str_c(sig), a.signature);
    }
    if (ks_sigv4_sign(&rq, KS_STR("KSIAFUZZ"), KS_STR("secret"), KS_STR("us-east-1"),
                      KS_STR("inspector2"), KS_STR("20240101T000000Z"), &signed_auth, &err) == KS_OK)
        sink += signed_auth.len;
    ks_buf_release(&canon);
    ks_buf_release(&signed_auth);
    return 0;
}
