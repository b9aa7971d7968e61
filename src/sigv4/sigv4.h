/*
 * sigv4.h: AWS Signature Version 4, both sides. The server verifies every
 * Inspector2 API request with it; `kensa push`, the S3 report uploader and
 * the benchmarks sign with it. Pure functions over borrowed strings: no I/O,
 * no clock (callers pass the time), no global state; thread-safe.
 *
 * The canonical request follows AWS's rules as botocore implements them
 * (tests/unit/sigv4/golden/ holds signatures botocore computed):
 *   METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n
 *   SignedHeaders \n HexSHA256(payload)
 * CanonicalURI is the path URI-encoded once for S3 and twice for every other
 * service; query pairs are encoded and sorted; header values are trimmed and
 * inner whitespace runs collapsed to one space.
 */
#ifndef KS_SIGV4_H
#define KS_SIGV4_H

#include "base/base.h"

/* Named limits: requests over them are refused with KS_ETOOBIG. */
#define KS_SIGV4_MAX_PATH        8192 /* bytes of the decoded path */
#define KS_SIGV4_MAX_QUERY       64   /* query parameters */
#define KS_SIGV4_MAX_HEADERS     128  /* request headers looked through */
#define KS_SIGV4_MAX_SIGNED      32   /* names in SignedHeaders */
#define KS_SIGV4_MAX_AUTH        2048 /* bytes of the Authorization header */
#define KS_SIGV4_MAX_HEADER_VAL  8192 /* bytes of one header value */

/* A name/value pair: a header (name in any case) or a decoded query parameter. */
struct ks_sigv4_kv {
    struct ks_str key;
    struct ks_str value;
};

/* One HTTP request as the signer or verifier sees it. Everything is borrowed. */
struct ks_sigv4_request {
    struct ks_str method;              /* "POST" */
    struct ks_str path;                /* decoded path ("/findings/list"); empty means "/" */
    const struct ks_sigv4_kv *query;   /* decoded parameters, any order, repeats allowed */
    size_t n_query;
    const struct ks_sigv4_kv *headers; /* as received; repeated names are joined with ',' */
    size_t n_headers;
    struct ks_str payload_hash;        /* lowercase hex SHA-256 of the body */
    bool s3;                           /* S3 rules: path encoded once, not twice */
};

/* The parts of an Authorization header; views into the header string. */
struct ks_sigv4_auth {
    struct ks_str access_key_id;
    struct ks_str date;           /* YYYYMMDD of the credential scope */
    struct ks_str region;
    struct ks_str service;
    struct ks_str signed_headers; /* "content-type;host;x-amz-date" */
    struct ks_str signature;      /* 64 lowercase hex */
};

/*
 * Parse "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request,
 * SignedHeaders=a;b, Signature=hex". KS_EAUTH (err says which part) when the
 * header is malformed or uses another algorithm; KS_ETOOBIG over the limits.
 * Checks SignedHeaders is lowercase, sorted, without repeats and within
 * KS_SIGV4_MAX_SIGNED, and that the signature is 64 hex digits.
 */
enum ks_code ks_sigv4_parse_auth(struct ks_str header, struct ks_sigv4_auth *out,
                                 struct ks_err *err);

/*
 * Append the canonical request for req, signing the headers named in
 * signed_headers (as in ks_sigv4_auth), to out. KS_EAUTH when a signed header
 * is absent from the request, KS_ETOOBIG over the limits.
 */
enum ks_code ks_sigv4_canonical_request(const struct ks_sigv4_request *req,
                                        struct ks_str signed_headers, struct ks_buf *out,
                                        struct ks_err *err);

/* kSigning = HMAC chain over "AWS4"+secret, date, region, service, "aws4_request". */
void ks_sigv4_signing_key(struct ks_str secret, struct ks_str date, struct ks_str region,
                          struct ks_str service, unsigned char key[32]);

/*
 * The hex signature of req under a signing key: builds the canonical request
 * and the string to sign ("AWS4-HMAC-SHA256\n" amz_date "\n" scope "\n"
 * hex(sha256(canonical))). scope_date/region/service make the scope.
 */
enum ks_code ks_sigv4_signature(const struct ks_sigv4_request *req, struct ks_str signed_headers,
                                struct ks_str amz_date, struct ks_str scope_date,
                                struct ks_str region, struct ks_str service,
                                const unsigned char key[32], char sig_hex[65],
                                struct ks_err *err);

/*
 * Client side: sign every header in req (the caller includes "host" and
 * "x-amz-date", and "x-amz-content-sha256" for S3) and append the whole
 * Authorization header value to out. amz_date is "YYYYMMDDTHHMMSSZ".
 */
enum ks_code ks_sigv4_sign(const struct ks_sigv4_request *req, struct ks_str access_key_id,
                           struct ks_str secret, struct ks_str region, struct ks_str service,
                           struct ks_str amz_date, struct ks_buf *out, struct ks_err *err);

/* "20240102T030405Z" for t into out[17]. */
void ks_sigv4_amz_date(time_t t, char out[17]);
/* Parse "YYYYMMDDTHHMMSSZ" strictly. KS_EPARSE otherwise. */
enum ks_code ks_sigv4_parse_amz_date(struct ks_str s, time_t *out);

/*
 * AWS URI encoding: unreserved bytes (A-Z a-z 0-9 - _ . ~) stay, everything
 * else becomes %XX (uppercase); '/' stays when keep_slash. Appends to out.
 */
void ks_sigv4_uri_encode(struct ks_str s, bool keep_slash, struct ks_buf *out);

/* Lowercase hex SHA-256 of data into hex[65] (the payload hash). */
void ks_sigv4_payload_hash(const void *data, size_t len, char hex[65]);

/* Constant-time comparison of two equal-length strings; false if lengths differ. */
bool ks_sigv4_equal(struct ks_str a, struct ks_str b);

#endif
