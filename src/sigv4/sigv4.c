/*
 * sigv4.c: AWS Signature Version 4 canonicalisation, signing and the parts
 * of verification that need no state (the server adds the key lookup, the
 * clock-skew window and replay checks in src/server/auth.c).
 */
#include "sigv4/sigv4.h"

#include <sodium.h>
#include <string.h>

#include "base/banned.h"

#define ALGORITHM "AWS4-HMAC-SHA256"

static bool
is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '~';
}

void
ks_sigv4_uri_encode(struct ks_str s, bool keep_slash, struct ks_buf *out)
{
    static const char hex[] = "0123456789ABCDEF";

    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];

        if (is_unreserved(c) || (keep_slash && c == '/')) {
            ks_buf_putc(out, (char)c);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};

            ks_buf_append(out, esc, 3);
        }
    }
}

void
ks_sigv4_payload_hash(const void *data, size_t len, char hex[65])
{
    ks_sha256_hex(data, len, hex);
}

bool
ks_sigv4_equal(struct ks_str a, struct ks_str b)
{
    if (a.len != b.len)
        return false;
    if (a.len == 0)
        return true;
    return sodium_memcmp(a.ptr, b.ptr, a.len) == 0;
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Append v trimmed, with inner whitespace runs collapsed to one space. */
static void
append_trimall(struct ks_buf *out, struct ks_str v)
{
    bool pending_space = false, any = false;

    for (size_t i = 0; i < v.len; i++) {
        if (is_space(v.ptr[i])) {
            pending_space = any;
            continue;
        }
        if (pending_space)
            ks_buf_putc(out, ' ');
        pending_space = false;
        any = true;
        ks_buf_putc(out, v.ptr[i]);
    }
}

static char
lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* ------------------------------------------------------------------------ */
/* Authorization header                                                     */

static bool
all_hex_lower(struct ks_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

static enum ks_code
check_signed_headers(struct ks_str sh, struct ks_err *err)
{
    struct ks_str rest = sh, prev = KS_STR_NULL;
    size_t n = 0;

    if (sh.len == 0)
        return ks_err_set(err, KS_EAUTH, "sigv4: SignedHeaders is empty");
    while (rest.len > 0) {
        struct ks_str name, tail;

        if (!ks_str_split2(rest, ';', &name, &tail)) {
            name = rest;
            tail = KS_STR_NULL;
        } else if (tail.len == 0) {
            return ks_err_set(err, KS_EAUTH, "sigv4: SignedHeaders ends with ';'");
        }
        if (name.len == 0)
            return ks_err_set(err, KS_EAUTH, "sigv4: SignedHeaders has an empty name");
        for (size_t i = 0; i < name.len; i++) {
            unsigned char c = (unsigned char)name.ptr[i];

            if (c <= ' ' || c >= 0x7f || (c >= 'A' && c <= 'Z') || c == ':' || c == ',')
                return ks_err_set(err, KS_EAUTH,
                                  "sigv4: SignedHeaders name '" KS_STR_FMT "' is not lowercase "
                                  "token characters",
                                  KS_STR_ARG(name));
        }
        if (prev.ptr != NULL && ks_str_cmp(prev, name) >= 0)
            return ks_err_set(err, KS_EAUTH, "sigv4: SignedHeaders is not sorted or repeats '"
                              KS_STR_FMT "'", KS_STR_ARG(name));
        if (++n > KS_SIGV4_MAX_SIGNED)
            return ks_err_set(err, KS_ETOOBIG, "sigv4: more than %d signed headers",
                              KS_SIGV4_MAX_SIGNED);
        prev = name;
        rest = tail;
    }
    return KS_OK;
}

enum ks_code
ks_sigv4_parse_auth(struct ks_str header, struct ks_sigv4_auth *out, struct ks_err *err)
{
    struct ks_sigv4_auth a;
    struct ks_str rest, cred = KS_STR_NULL, sh = KS_STR_NULL, sig = KS_STR_NULL;
    struct ks_str parts[5];
    enum ks_code rc;

    memset(&a, 0, sizeof(a));
    if (header.len > KS_SIGV4_MAX_AUTH)
        return ks_err_set(err, KS_ETOOBIG, "sigv4: Authorization header over %d bytes",
                          KS_SIGV4_MAX_AUTH);
    header = ks_str_trim(header);
    if (!ks_str_has_prefix(header, ALGORITHM " "))
        return ks_err_set(err, KS_EAUTH, "sigv4: Authorization is not " ALGORITHM);
    rest = ks_str_sub(header, sizeof(ALGORITHM), header.len);
    /* Comma-separated key=value items; whitespace around items is allowed. */
    while (rest.len > 0) {
        struct ks_str item, tail, key, val;

        if (!ks_str_split2(rest, ',', &item, &tail)) {
            item = rest;
            tail = KS_STR_NULL;
        }
        item = ks_str_trim(item);
        rest = tail;
        if (item.len == 0)
            continue;
        if (!ks_str_split2(item, '=', &key, &val))
            return ks_err_set(err, KS_EAUTH, "sigv4: Authorization item '" KS_STR_FMT
                              "' has no '='", KS_STR_ARG(item));
        if (ks_str_eq_c(key, "Credential") && cred.ptr == NULL)
            cred = val;
        else if (ks_str_eq_c(key, "SignedHeaders") && sh.ptr == NULL)
            sh = val;
        else if (ks_str_eq_c(key, "Signature") && sig.ptr == NULL)
            sig = val;
        else
            return ks_err_set(err, KS_EAUTH, "sigv4: unexpected or repeated Authorization item '"
                              KS_STR_FMT "'", KS_STR_ARG(key));
    }
    if (cred.ptr == NULL || sh.ptr == NULL || sig.ptr == NULL)
        return ks_err_set(err, KS_EAUTH,
                          "sigv4: Authorization needs Credential, SignedHeaders and Signature");
    /* Credential=AKID/DATE/REGION/SERVICE/aws4_request */
    for (int i = 0; i < 5; i++) {
        struct ks_str head, tail;

        if (i < 4) {
            if (!ks_str_split2(cred, '/', &head, &tail))
                return ks_err_set(err, KS_EAUTH, "sigv4: Credential needs 5 '/'-separated parts");
            parts[i] = head;
            cred = tail;
        } else {
            parts[i] = cred;
        }
        if (parts[i].len == 0)
            return ks_err_set(err, KS_EAUTH, "sigv4: Credential has an empty part");
    }
    if (ks_str_find_char(parts[4], '/') >= 0 || !ks_str_eq_c(parts[4], "aws4_request"))
        return ks_err_set(err, KS_EAUTH, "sigv4: Credential scope must end with aws4_request");
    if (parts[0].len > 128)
        return ks_err_set(err, KS_EAUTH, "sigv4: access key id over 128 bytes");
    if (parts[1].len != 8)
        return ks_err_set(err, KS_EAUTH, "sigv4: Credential date is not YYYYMMDD");
    for (size_t i = 0; i < 8; i++)
        if (parts[1].ptr[i] < '0' || parts[1].ptr[i] > '9')
            return ks_err_set(err, KS_EAUTH, "sigv4: Credential date is not YYYYMMDD");
    if (sig.len != 64 || !all_hex_lower(sig))
        return ks_err_set(err, KS_EAUTH, "sigv4: Signature is not 64 lowercase hex digits");
    if ((rc = check_signed_headers(sh, err)) != KS_OK)
        return rc;
    a.access_key_id = parts[0];
    a.date = parts[1];
    a.region = parts[2];
    a.service = parts[3];
    a.signed_headers = sh;
    a.signature = sig;
    *out = a;
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* Canonical request                                                        */

struct enc_pair {
    char *key; /* encoded, heap (one allocation holds both) */
    char *value;
};

static int
cmp_pair(const void *a, const void *b)
{
    const struct enc_pair *x = a, *y = b;
    int c = strcmp(x->key, y->key);

    return c != 0 ? c : strcmp(x->value, y->value);
}

static enum ks_code
append_query(const struct ks_sigv4_request *req, struct ks_buf *out, struct ks_err *err)
{
    struct enc_pair pairs[KS_SIGV4_MAX_QUERY];
    enum ks_code rc = KS_OK;
    size_t n = 0;

    if (req->n_query > KS_SIGV4_MAX_QUERY)
        return ks_err_set(err, KS_ETOOBIG, "sigv4: more than %d query parameters",
                          KS_SIGV4_MAX_QUERY);
    for (; n < req->n_query; n++) {
        struct ks_buf b = KS_BUF_INIT(4 * KS_SIGV4_MAX_PATH);
        size_t klen;

        ks_sigv4_uri_encode(req->query[n].key, false, &b);
        ks_buf_putc(&b, '\0');
        klen = b.len;
        ks_sigv4_uri_encode(req->query[n].value, false, &b);
        if ((rc = ks_buf_err(&b)) != KS_OK) {
            ks_buf_release(&b);
            rc = ks_err_set(err, rc, "sigv4: query parameter too long");
            goto out;
        }
        pairs[n].key = ks_buf_detach(&b, NULL);
        if (pairs[n].key == NULL) {
            rc = ks_err_set(err, KS_ENOMEM, "sigv4: out of memory");
            goto out;
        }
        pairs[n].value = pairs[n].key + klen;
    }
    qsort(pairs, n, sizeof(pairs[0]), cmp_pair);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            ks_buf_putc(out, '&');
        ks_buf_appends(out, pairs[i].key);
        ks_buf_putc(out, '=');
        ks_buf_appends(out, pairs[i].value);
    }
out:
    for (size_t i = 0; i < n; i++)
        ks_free(pairs[i].key);
    return rc;
}

static enum ks_code
append_headers(const struct ks_sigv4_request *req, struct ks_str signed_headers,
               struct ks_buf *out, struct ks_err *err)
{
    struct ks_str rest = signed_headers;

    if (req->n_headers > KS_SIGV4_MAX_HEADERS)
        return ks_err_set(err, KS_ETOOBIG, "sigv4: more than %d request headers",
                          KS_SIGV4_MAX_HEADERS);
    while (rest.len > 0) {
        struct ks_str name, tail;
        bool found = false;

        if (!ks_str_split2(rest, ';', &name, &tail)) {
            name = rest;
            tail = KS_STR_NULL;
        }
        rest = tail;
        for (size_t i = 0; i < name.len; i++)
            ks_buf_putc(out, lower(name.ptr[i]));
        ks_buf_putc(out, ':');
        for (size_t i = 0; i < req->n_headers; i++) {
            const struct ks_sigv4_kv *h = &req->headers[i];

            if (h->key.len == name.len) {
                bool same = true;

                for (size_t j = 0; j < name.len && same; j++)
                    same = lower(h->key.ptr[j]) == lower(name.ptr[j]);
                if (!same)
                    continue;
                if (h->value.len > KS_SIGV4_MAX_HEADER_VAL)
                    return ks_err_set(err, KS_ETOOBIG, "sigv4: header '" KS_STR_FMT
                                      "' over %d bytes", KS_STR_ARG(name),
                                      KS_SIGV4_MAX_HEADER_VAL);
                if (found)
                    ks_buf_putc(out, ',');
                append_trimall(out, h->value);
                found = true;
            }
        }
        if (!found)
            return ks_err_set(err, KS_EAUTH, "sigv4: signed header '" KS_STR_FMT
                              "' is not in the request", KS_STR_ARG(name));
        ks_buf_putc(out, '\n');
    }
    return KS_OK;
}

enum ks_code
ks_sigv4_canonical_request(const struct ks_sigv4_request *req, struct ks_str signed_headers,
                           struct ks_buf *out, struct ks_err *err)
{
    enum ks_code rc;
    struct ks_str path = req->path.len > 0 ? req->path : KS_STR("/");

    if (path.len > KS_SIGV4_MAX_PATH)
        return ks_err_set(err, KS_ETOOBIG, "sigv4: path over %d bytes", KS_SIGV4_MAX_PATH);
    for (size_t i = 0; i < req->method.len; i++)
        ks_buf_putc(out, req->method.ptr[i]);
    ks_buf_putc(out, '\n');
    if (req->s3) {
        ks_sigv4_uri_encode(path, true, out);
    } else {
        /* Every service but S3 encodes the already-encoded path again. */
        struct ks_buf once = KS_BUF_INIT(4 * KS_SIGV4_MAX_PATH);

        ks_sigv4_uri_encode(path, true, &once);
        if ((rc = ks_buf_err(&once)) != KS_OK) {
            ks_buf_release(&once);
            return ks_err_set(err, rc, "sigv4: cannot encode path");
        }
        ks_sigv4_uri_encode(ks_buf_str(&once), true, out);
        ks_buf_release(&once);
    }
    ks_buf_putc(out, '\n');
    if ((rc = append_query(req, out, err)) != KS_OK)
        return rc;
    ks_buf_putc(out, '\n');
    if ((rc = append_headers(req, signed_headers, out, err)) != KS_OK)
        return rc;
    ks_buf_putc(out, '\n');
    ks_buf_append_str(out, signed_headers);
    ks_buf_putc(out, '\n');
    ks_buf_append_str(out, req->payload_hash);
    if ((rc = ks_buf_err(out)) != KS_OK)
        return ks_err_set(err, rc, "sigv4: canonical request over its size limit");
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* Keys and signatures                                                      */

static void
hmac(const unsigned char *key, size_t key_len, const void *msg, size_t msg_len,
     unsigned char out[32])
{
    crypto_auth_hmacsha256_state st;

    crypto_auth_hmacsha256_init(&st, key, key_len);
    crypto_auth_hmacsha256_update(&st, msg, msg_len);
    crypto_auth_hmacsha256_final(&st, out);
    sodium_memzero(&st, sizeof(st));
}

void
ks_sigv4_signing_key(struct ks_str secret, struct ks_str date, struct ks_str region,
                     struct ks_str service, unsigned char key[32])
{
    unsigned char k[32];
    struct ks_buf first = KS_BUF_INIT(4096);

    ks_buf_appends(&first, "AWS4");
    ks_buf_append_str(&first, secret);
    hmac((const unsigned char *)first.data, first.len, date.ptr, date.len, k);
    sodium_memzero(first.data, first.len);
    ks_buf_release(&first);
    hmac(k, 32, region.ptr, region.len, k);
    hmac(k, 32, service.ptr, service.len, k);
    hmac(k, 32, "aws4_request", 12, key);
    sodium_memzero(k, sizeof(k));
}

enum ks_code
ks_sigv4_signature(const struct ks_sigv4_request *req, struct ks_str signed_headers,
                   struct ks_str amz_date, struct ks_str scope_date, struct ks_str region,
                   struct ks_str service, const unsigned char key[32], char sig_hex[65],
                   struct ks_err *err)
{
    struct ks_buf canon = KS_BUF_INIT((size_t)1 << 20);
    struct ks_buf sts = KS_BUF_INIT(4096);
    unsigned char mac[32];
    char canon_hash[65];
    enum ks_code rc;

    if ((rc = ks_sigv4_canonical_request(req, signed_headers, &canon, err)) != KS_OK)
        goto out;
    ks_sha256_hex(canon.data, canon.len, canon_hash);
    ks_buf_appendf(&sts, ALGORITHM "\n" KS_STR_FMT "\n" KS_STR_FMT "/" KS_STR_FMT "/" KS_STR_FMT
                   "/aws4_request\n%s", KS_STR_ARG(amz_date), KS_STR_ARG(scope_date),
                   KS_STR_ARG(region), KS_STR_ARG(service), canon_hash);
    if ((rc = ks_buf_err(&sts)) != KS_OK) {
        rc = ks_err_set(err, rc, "sigv4: string to sign too long");
        goto out;
    }
    hmac(key, 32, sts.data, sts.len, mac);
    ks_hex_encode(mac, 32, sig_hex);
    rc = KS_OK;
out:
    ks_buf_release(&canon);
    ks_buf_release(&sts);
    return rc;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

enum ks_code
ks_sigv4_sign(const struct ks_sigv4_request *req, struct ks_str access_key_id,
              struct ks_str secret, struct ks_str region, struct ks_str service,
              struct ks_str amz_date, struct ks_buf *out, struct ks_err *err)
{
    char *names[KS_SIGV4_MAX_SIGNED];
    size_t n = 0;
    struct ks_buf sh = KS_BUF_INIT(4096);
    unsigned char key[32];
    char sig[65];
    struct ks_str date;
    enum ks_code rc = KS_EINTERNAL;

    if (amz_date.len != 16)
        return ks_err_set(err, KS_EINVAL, "sigv4: x-amz-date must be YYYYMMDDTHHMMSSZ");
    date = ks_str_sub(amz_date, 0, 8);
    /* SignedHeaders: every header name, lowercased, sorted, without repeats. */
    for (size_t i = 0; i < req->n_headers; i++) {
        char *name;
        bool dup = false;

        name = ks_strndup(req->headers[i].key.ptr, req->headers[i].key.len);
        if (name == NULL) {
            rc = ks_err_set(err, KS_ENOMEM, "sigv4: out of memory");
            goto out;
        }
        for (char *p = name; *p; p++)
            *p = lower(*p);
        for (size_t j = 0; j < n && !dup; j++)
            dup = strcmp(names[j], name) == 0;
        if (dup) {
            ks_free(name);
            continue;
        }
        if (n >= KS_SIGV4_MAX_SIGNED) {
            ks_free(name);
            rc = ks_err_set(err, KS_ETOOBIG, "sigv4: more than %d headers to sign",
                            KS_SIGV4_MAX_SIGNED);
            goto out;
        }
        names[n++] = name;
    }
    qsort(names, n, sizeof(names[0]), cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            ks_buf_putc(&sh, ';');
        ks_buf_appends(&sh, names[i]);
    }
    if ((rc = ks_buf_err(&sh)) != KS_OK) {
        rc = ks_err_set(err, rc, "sigv4: signed header list too long");
        goto out;
    }
    ks_sigv4_signing_key(secret, date, region, service, key);
    rc = ks_sigv4_signature(req, ks_buf_str(&sh), amz_date, date, region, service, key, sig, err);
    sodium_memzero(key, sizeof(key));
    if (rc != KS_OK)
        goto out;
    ks_buf_appendf(out, ALGORITHM " Credential=" KS_STR_FMT "/" KS_STR_FMT "/" KS_STR_FMT "/"
                   KS_STR_FMT "/aws4_request, SignedHeaders=%s, Signature=%s",
                   KS_STR_ARG(access_key_id), KS_STR_ARG(date), KS_STR_ARG(region),
                   KS_STR_ARG(service), sh.data, sig);
    if ((rc = ks_buf_err(out)) != KS_OK)
        rc = ks_err_set(err, rc, "sigv4: Authorization header too long");
out:
    for (size_t i = 0; i < n; i++)
        ks_free(names[i]);
    ks_buf_release(&sh);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Dates                                                                    */

void
ks_sigv4_amz_date(time_t t, char out[17])
{
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) == 0)
        memcpy(out, "19700101T000000Z", 17);
}

static bool
take_num(const char *p, size_t n, int *out)
{
    int v = 0;

    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

enum ks_code
ks_sigv4_parse_amz_date(struct ks_str s, time_t *out)
{
    struct tm tm;
    int y, mo, d, h, mi, se;
    time_t t;

    memset(&tm, 0, sizeof(tm));
    if (s.len != 16 || s.ptr[8] != 'T' || s.ptr[15] != 'Z' || !take_num(s.ptr, 4, &y) ||
        !take_num(s.ptr + 4, 2, &mo) || !take_num(s.ptr + 6, 2, &d) ||
        !take_num(s.ptr + 9, 2, &h) || !take_num(s.ptr + 11, 2, &mi) ||
        !take_num(s.ptr + 13, 2, &se))
        return KS_EPARSE;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return KS_EPARSE;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = se;
    t = timegm(&tm);
    if (t == (time_t)-1)
        return KS_EPARSE;
    *out = t;
    return KS_OK;
}
