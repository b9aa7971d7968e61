/*
 * auth.c: who is calling. Every request but /kensa/v1/healthz carries an
 * AWS Signature Version 4 made with a Kensa-issued access key: the clock
 * must be within the skew window, the scope must name this region and the
 * inspector2 service, and the signature must match the stored (sealed)
 * secret. Mutating operations may not be replayed inside the window (reads
 * may: they change nothing). A token bucket per key rate-limits callers.
 * Errors use AWS's own types and messages, with no detail an attacker could
 * use (the log says which check failed).
 */
#include "server/server_int.h"

#include <sodium.h>
#include <string.h>

#include "base/banned.h"

#define KEY_TTL_MS      5000
#define MAX_CACHED_KEYS 10000
#define MAX_REPLAY      200000
#define SERVICE         "inspector2"

struct srv_key {
    char account_id[KS_ACCOUNT_ID_LEN + 1];
    char secret[KS_SECRET_KEY_LEN + 1];
    bool known, revoked;
    int64_t fetched_ms;
};

struct srv_bucket {
    double tokens;
    int64_t last_ms;
};

static const struct ks_str *
header(const struct srv_request *rq, const char *name)
{
    for (size_t i = 0; i < rq->n_headers; i++)
        if (ks_str_ieq_c(rq->headers[i].key, name))
            return &rq->headers[i].value;
    return NULL;
}

static void
free_map_values(struct ks_map *m)
{
    size_t pos = 0;
    struct ks_str k;
    void *v;

    while (m != NULL && ks_map_next(m, &pos, &k, &v))
        ks_free(v);
}

void
srv_auth_free(struct srv *s)
{
    size_t pos = 0;
    struct ks_str k;
    void *v;

    while (s->keys != NULL && ks_map_next(s->keys, &pos, &k, &v)) {
        sodium_memzero(v, sizeof(struct srv_key));
        ks_free(v);
    }
    ks_map_free(s->keys);
    free_map_values(s->replay);
    ks_map_free(s->replay);
    free_map_values(s->buckets);
    ks_map_free(s->buckets);
    s->keys = s->replay = s->buckets = NULL;
}

static void
deny(struct srv_response *rs, const char *type, const char *message)
{
    srv_error_response(rs, 403, type, message, NULL);
}

/* The cached key, refreshed from the store after KEY_TTL_MS. Called with auth_mu held. */
static const struct srv_key *
key_lookup(struct srv *s, struct ks_str id, int64_t now, bool *internal)
{
    struct srv_key *k = ks_map_get(s->keys, id);
    struct ks_store *store;
    struct ks_access_key ak;
    struct ks_err err = KS_ERR_INIT;
    enum ks_code rc;

    *internal = false;
    if (k != NULL && now - k->fetched_ms < KEY_TTL_MS)
        return k;
    if (ks_map_len(s->keys) >= MAX_CACHED_KEYS) {
        size_t pos = 0;
        struct ks_str kk;
        void *v;

        while (ks_map_next(s->keys, &pos, &kk, &v))
            ks_free(v);
        ks_map_free(s->keys);
        s->keys = ks_map_new();
        k = NULL;
        if (s->keys == NULL) {
            *internal = true;
            return NULL;
        }
    }
    if ((store = srv_pool_get(s, &err)) == NULL) {
        *internal = true;
        ks_log(KS_LOG_ERROR, "server.auth", "no store handle: %s", err.msg);
        return NULL;
    }
    rc = ks_store_key_lookup(store, id, &ak, &err);
    srv_pool_put(s, store);
    if (rc != KS_OK && rc != KS_ENOTFOUND) {
        *internal = true;
        ks_log(KS_LOG_ERROR, "server.auth", "key lookup failed: %s", err.msg);
        return NULL;
    }
    if (k == NULL) {
        if ((k = ks_calloc(1, sizeof(*k))) == NULL ||
            ks_map_put(s->keys, id, k, NULL) != KS_OK) {
            ks_free(k);
            sodium_memzero(&ak, sizeof(ak));
            *internal = true;
            return NULL;
        }
    }
    memset(k, 0, sizeof(*k));
    k->fetched_ms = now;
    if (rc == KS_OK) {
        k->known = true;
        k->revoked = ak.revoked;
        memcpy(k->account_id, ak.account_id, sizeof(k->account_id));
        memcpy(k->secret, ak.secret_access_key, sizeof(k->secret));
    }
    sodium_memzero(&ak, sizeof(ak));
    return k;
}

/* Remember a mutating request's signature for the window; false if seen. */
static bool
replay_check(struct srv *s, struct ks_str sig, int64_t now)
{
    int64_t *exp = ks_map_get(s->replay, sig);

    if (exp != NULL && *exp > now)
        return false;
    /* Sweep expired entries now and then; refuse to grow without bound. */
    if (now - s->replay_swept_ms > s->cfg.clock_skew_ms || ks_map_len(s->replay) >= MAX_REPLAY) {
        struct ks_map *fresh = ks_map_new();
        size_t pos = 0;
        struct ks_str k;
        void *v;

        if (fresh != NULL) {
            while (ks_map_next(s->replay, &pos, &k, &v)) {
                if (*(int64_t *)v > now && ks_map_len(fresh) < MAX_REPLAY / 2 &&
                    ks_map_put(fresh, k, v, NULL) == KS_OK)
                    continue;
                ks_free(v);
            }
            ks_map_free(s->replay);
            s->replay = fresh;
        }
        s->replay_swept_ms = now;
        exp = NULL;
    }
    if (exp == NULL) {
        if ((exp = ks_malloc(sizeof(*exp))) == NULL)
            return true; /* cannot remember: the timestamp window still applies */
        if (ks_map_put(s->replay, sig, exp, NULL) != KS_OK) {
            ks_free(exp);
            return true;
        }
    }
    /* A signature stays valid for skew on either side of its x-amz-date. */
    *exp = now + 2 * s->cfg.clock_skew_ms;
    return true;
}

/* Take a token from the key's bucket; false (and retry_after) when empty. */
static bool
rate_take(struct srv *s, struct ks_str key_id, int64_t now, unsigned *retry_after)
{
    struct srv_bucket *b;
    double rate = s->cfg.rate_per_sec, burst = s->cfg.rate_burst;

    if (rate <= 0)
        return true;
    b = ks_map_get(s->buckets, key_id);
    if (b == NULL) {
        if (ks_map_len(s->buckets) >= MAX_CACHED_KEYS)
            return true;
        if ((b = ks_calloc(1, sizeof(*b))) == NULL ||
            ks_map_put(s->buckets, key_id, b, NULL) != KS_OK) {
            ks_free(b);
            return true;
        }
        b->tokens = burst;
        b->last_ms = now;
    }
    b->tokens += (double)(now - b->last_ms) * rate / 1000.0;
    if (b->tokens > burst)
        b->tokens = burst;
    b->last_ms = now;
    if (b->tokens < 1.0) {
        *retry_after = (unsigned)((1.0 - b->tokens) / rate) + 1;
        return false;
    }
    b->tokens -= 1.0;
    return true;
}

static bool
has_signed(struct ks_str list, const char *name)
{
    struct ks_str rest = list, item;

    while (rest.len > 0) {
        struct ks_str tail;

        if (!ks_str_split2(rest, ';', &item, &tail)) {
            item = rest;
            tail = KS_STR_NULL;
        }
        if (ks_str_eq_c(item, name))
            return true;
        rest = tail;
    }
    return false;
}

bool
srv_authenticate(struct srv *s, const struct srv_request *rq, bool read_only,
                 struct srv_auth *out, struct srv_response *rs)
{
    const struct ks_str *authz = header(rq, "authorization"), *amz = header(rq, "x-amz-date");
    struct ks_sigv4_auth a;
    struct ks_sigv4_request sr;
    struct ks_err err = KS_ERR_INIT;
    const struct srv_key *k;
    unsigned char skey[32];
    char payload[65], sig[65], now_s[17];
    time_t t;
    int64_t now = ks_time_now_ms();
    unsigned retry = 0;
    bool internal = false, ok;

    if (authz == NULL) {
        deny(rs, "MissingAuthenticationTokenException", "Missing Authentication Token");
        return false;
    }
    if (ks_sigv4_parse_auth(*authz, &a, &err) != KS_OK) {
        ks_log(KS_LOG_INFO, "server.auth", "req=%s denied: %s", rq->request_id, err.msg);
        deny(rs, "IncompleteSignatureException",
             "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' "
             "with AWS4-HMAC-SHA256");
        return false;
    }
    snprintf(rs->key_id, sizeof(rs->key_id), KS_STR_FMT, KS_STR_ARG(a.access_key_id));
    if (amz == NULL || ks_sigv4_parse_amz_date(*amz, &t) != KS_OK) {
        deny(rs, "IncompleteSignatureException",
             "Authorization requires an x-amz-date header in YYYYMMDDTHHMMSSZ form");
        return false;
    }
    if (!has_signed(a.signed_headers, "host") || !has_signed(a.signed_headers, "x-amz-date")) {
        deny(rs, "IncompleteSignatureException", "SignedHeaders must include host and x-amz-date");
        return false;
    }
    if (!ks_str_eq(a.date, ks_str_sub(*amz, 0, 8))) {
        deny(rs, "InvalidSignatureException",
             "Credential scope date does not match the x-amz-date header");
        return false;
    }
    if (!ks_str_eq_c(a.service, SERVICE) || !ks_str_eq_c(a.region, s->cfg.region)) {
        char msg[256];

        snprintf(msg, sizeof(msg), "Credential should be scoped to region '%s' and service '%s'",
                 s->cfg.region, SERVICE);
        deny(rs, "InvalidSignatureException", msg);
        return false;
    }
    if ((int64_t)t * 1000 < now - s->cfg.clock_skew_ms ||
        (int64_t)t * 1000 > now + s->cfg.clock_skew_ms) {
        char msg[256];

        ks_sigv4_amz_date((time_t)(now / 1000), now_s);
        snprintf(msg, sizeof(msg),
                 "Signature expired: " KS_STR_FMT " is outside the %lld-second window around "
                 "the server's time %s",
                 KS_STR_ARG(*amz), (long long)(s->cfg.clock_skew_ms / 1000), now_s);
        deny(rs, "InvalidSignatureException", msg);
        return false;
    }
    pthread_mutex_lock(&s->auth_mu);
    k = key_lookup(s, a.access_key_id, now, &internal);
    if (k == NULL || !k->known || k->revoked) {
        pthread_mutex_unlock(&s->auth_mu);
        if (internal)
            srv_error_response(rs, 500, "InternalServerException", "internal error", NULL);
        else
            deny(rs, "UnrecognizedClientException",
                 "The security token included in the request is invalid.");
        return false;
    }
    memcpy(out->account_id, k->account_id, sizeof(out->account_id));
    ks_sigv4_signing_key(ks_str_c(k->secret), a.date, a.region, a.service, skey);
    pthread_mutex_unlock(&s->auth_mu);
    snprintf(out->key_id, sizeof(out->key_id), KS_STR_FMT, KS_STR_ARG(a.access_key_id));
    memcpy(rs->account_id, out->account_id, sizeof(out->account_id));

    ks_sigv4_payload_hash(rq->body ? rq->body : "", rq->body_len, payload);
    memset(&sr, 0, sizeof(sr));
    sr.method = ks_str_c(rq->method);
    sr.path = ks_str_c(rq->path);
    sr.query = rq->query;
    sr.n_query = rq->n_query;
    sr.headers = rq->headers;
    sr.n_headers = rq->n_headers;
    sr.payload_hash = ks_str_c(payload);
    ok = ks_sigv4_signature(&sr, a.signed_headers, *amz, a.date, a.region, a.service, skey, sig,
                            &err) == KS_OK;
    sodium_memzero(skey, sizeof(skey));
    if (!ok || !ks_sigv4_equal(ks_str_c(sig), a.signature)) {
        if (!ok)
            ks_log(KS_LOG_INFO, "server.auth", "req=%s denied: %s", rq->request_id, err.msg);
        deny(rs, "InvalidSignatureException",
             "The request signature we calculated does not match the signature you provided. "
             "Check your AWS Secret Access Key and signing method.");
        return false;
    }
    pthread_mutex_lock(&s->auth_mu);
    if (!read_only && !replay_check(s, a.signature, now)) {
        pthread_mutex_unlock(&s->auth_mu);
        deny(rs, "InvalidSignatureException",
             "This signed request was already received: sign every request anew");
        return false;
    }
    ok = rate_take(s, a.access_key_id, now, &retry);
    pthread_mutex_unlock(&s->auth_mu);
    if (!ok) {
        srv_error_response(rs, 429, "ThrottlingException", "Rate exceeded", NULL);
        rs->retry_after = retry;
        return false;
    }
    return true;
}
