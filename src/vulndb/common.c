/*
 * common.c: pieces every part of src/vulndb/ uses: importer input streams
 * (file descriptor, libarchive entry or memory, with a peeked head),
 * incremental SHA-256, the sink wrappers importers call, SQLite helpers and
 * small string checks.
 */
#include "vulndb/vulndb_int.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "base/banned.h"

/* ------------------------------------------------------------------------ */
/* Streams                                                                  */

void
ks_vdb_stream_mem(struct ks_vdb_stream *s, const char *name, const void *p, size_t n)
{
    memset(s, 0, sizeof(*s));
    s->name = name;
    s->fd = -1;
    s->mem = p;
    s->mem_len = n;
}

static ssize_t
raw_read(struct ks_vdb_stream *s, void *buf, size_t n, struct ks_err *err)
{
    if (s->eof || n == 0)
        return 0;
    if (s->mem != NULL || (s->ar == NULL && s->fd < 0)) {
        size_t left = s->mem_len - s->mem_pos;
        size_t k = KS_MIN(n, left);

        if (k > 0)
            memcpy(buf, s->mem + s->mem_pos, k);
        s->mem_pos += k;
        if (k == 0)
            s->eof = true;
        return (ssize_t)k;
    }
    if (s->ar != NULL) {
        la_ssize_t got = archive_read_data(s->ar, buf, n);

        if (got < 0) {
            ks_err_set(err, KS_EPARSE, "%s: corrupt or truncated data at byte %llu: %s", s->name,
                       (unsigned long long)s->offset, archive_error_string(s->ar));
            return -1;
        }
        if (got == 0)
            s->eof = true;
        return (ssize_t)got;
    }
    for (;;) {
        ssize_t got = read(s->fd, buf, n);

        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            ks_err_set(err, KS_EIO, "%s: read failed: %s", s->name, strerror(errno));
            return -1;
        }
        if (got == 0)
            s->eof = true;
        return got;
    }
}

enum ks_code
ks_vdb_peek(struct ks_vdb_stream *s, struct ks_err *err)
{
    if (s->head != NULL)
        return KS_OK;
    s->head = ks_malloc(KS_VDB_HEAD_BYTES + 1);
    if (s->head == NULL)
        return ks_err_set(err, KS_ENOMEM, "%s: out of memory", s->name);
    while (s->head_len < KS_VDB_HEAD_BYTES && !s->eof) {
        ssize_t got = raw_read(s, s->head + s->head_len, KS_VDB_HEAD_BYTES - s->head_len, err);

        if (got < 0)
            return err ? err->code : KS_EIO;
        s->head_len += (size_t)got;
    }
    s->head[s->head_len] = '\0';
    if (s->hash != NULL)
        ks_sha256_stream_update(s->hash, s->head, s->head_len);
    return KS_OK;
}

ssize_t
ks_vdb_read(struct ks_vdb_stream *s, void *buf, size_t n, struct ks_err *err)
{
    ssize_t got;

    if (s->head != NULL && s->head_pos < s->head_len) {
        size_t k = KS_MIN(n, s->head_len - s->head_pos);

        memcpy(buf, s->head + s->head_pos, k);
        s->head_pos += k;
        s->offset += k;
        return (ssize_t)k;
    }
    got = raw_read(s, buf, n, err);
    if (got > 0) {
        if (s->hash != NULL)
            ks_sha256_stream_update(s->hash, buf, (size_t)got);
        s->offset += (uint64_t)got;
    }
    return got;
}

enum ks_code
ks_vdb_read_all(struct ks_vdb_stream *s, size_t max, struct ks_buf *buf, struct ks_err *err)
{
    size_t start = buf->len;

    for (;;) {
        char *p = ks_buf_reserve(buf, 65536);
        ssize_t got;

        if (p == NULL)
            return ks_err_set(err, buf->err, "%s: %s", s->name,
                              buf->err == KS_ETOOBIG ? "record too large" : "out of memory");
        got = ks_vdb_read(s, p, 65536, err);
        if (got < 0)
            return err ? err->code : KS_EIO;
        if (got == 0)
            break;
        buf->len += (size_t)got;
        buf->data[buf->len] = '\0';
        if (buf->len - start > max)
            return ks_err_set(err, KS_ETOOBIG, "%s: larger than the limit of %zu bytes", s->name,
                              max);
    }
    return KS_OK;
}

void
ks_vdb_stream_release(struct ks_vdb_stream *s)
{
    ks_free(s->head);
    s->head = NULL;
    s->head_len = s->head_pos = 0;
}

/* ------------------------------------------------------------------------ */
/* SHA-256, incremental                                                     */

static const EVP_MD *
sha256_md(void)
{
    /* Fetched once: an implicit fetch per digest costs more than hashing a record. */
    static const EVP_MD *md;

    if (md == NULL)
        md = EVP_sha256();
    return md;
}

void
ks_sha256_stream_once(struct ks_sha256_stream *h, const void *p, size_t n, unsigned char out[32])
{
    unsigned int len = 32;

    if (EVP_DigestInit_ex(h->ctx, NULL, NULL) != 1 || EVP_DigestUpdate(h->ctx, p, n) != 1 ||
        EVP_DigestFinal_ex(h->ctx, out, &len) != 1)
        KS_BUG("sha256 failed");
}

enum ks_code
ks_sha256_stream_begin(struct ks_sha256_stream *h)
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();

    h->ctx = NULL;
    if (c == NULL)
        return KS_ENOMEM;
    if (EVP_DigestInit_ex(c, sha256_md(), NULL) != 1) {
        EVP_MD_CTX_free(c);
        return KS_EINTERNAL;
    }
    h->ctx = c;
    return KS_OK;
}

void
ks_sha256_stream_update(struct ks_sha256_stream *h, const void *p, size_t n)
{
    if (h->ctx != NULL && n > 0 && EVP_DigestUpdate(h->ctx, p, n) != 1)
        KS_BUG("EVP_DigestUpdate failed");
}

void
ks_sha256_stream_end(struct ks_sha256_stream *h, char hex[65])
{
    unsigned char d[32];
    unsigned int n = 32;

    if (h->ctx == NULL) {
        hex[0] = '\0';
        return;
    }
    if (EVP_DigestFinal_ex(h->ctx, d, &n) != 1)
        KS_BUG("EVP_DigestFinal_ex failed");
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
    ks_hex_encode(d, sizeof(d), hex);
}

/* ------------------------------------------------------------------------ */
/* Sink wrappers                                                            */

void
ks_vdb_malformed(struct ks_vdb_sink *s, const char *record, const char *fmt, ...)
{
    char msg[600];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    s->malformed++;
    ks_log(KS_LOG_WARN, "vulndb", "skipping record '%s' in '%s': %s", record ? record : "?",
           s->file ? s->file : "?", msg);
}

enum ks_code
ks_vdb_put_advisory(struct ks_vdb_sink *s, const struct ks_advisory *adv, struct ks_err *err)
{
    s->records++;
    return s->ops->advisory ? s->ops->advisory(s, adv, err) : KS_OK;
}

enum ks_code
ks_vdb_put_nvd(struct ks_vdb_sink *s, const struct ks_nvd_record *rec, struct ks_err *err)
{
    s->records++;
    return s->ops->nvd ? s->ops->nvd(s, rec, err) : KS_OK;
}

enum ks_code
ks_vdb_put_epss(struct ks_vdb_sink *s, struct ks_str cve, double score, double pct,
                struct ks_err *err)
{
    s->records++;
    return s->ops->epss ? s->ops->epss(s, cve, score, pct, err) : KS_OK;
}

enum ks_code
ks_vdb_put_kev(struct ks_vdb_sink *s, const struct ks_kev *kev, struct ks_err *err)
{
    s->records++;
    return s->ops->kev ? s->ops->kev(s, kev, err) : KS_OK;
}

void
ks_vdb_put_meta(struct ks_vdb_sink *s, const char *key, const char *value)
{
    if (s->ops->meta)
        s->ops->meta(s, key, value);
}

/* ------------------------------------------------------------------------ */
/* SQLite helpers                                                           */

enum ks_code
ks_vdb_sqlerr(sqlite3 *db, struct ks_err *err, const char *what)
{
    int code = db ? sqlite3_errcode(db) : SQLITE_ERROR;

    if (code == SQLITE_NOMEM)
        return ks_err_set(err, KS_ENOMEM, "vulndb: %s: out of memory", what);
    if (code == SQLITE_FULL || code == SQLITE_IOERR)
        return ks_err_set(err, KS_EIO, "vulndb: %s: %s", what,
                          db ? sqlite3_errmsg(db) : "i/o error");
    return ks_err_set(err, KS_EDB, "vulndb: %s: %s", what, db ? sqlite3_errmsg(db) : "error");
}

enum ks_code
ks_vdb_exec(sqlite3 *db, const char *sql, struct ks_err *err)
{
    char *msg = NULL;

    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        enum ks_code rc = ks_err_set(err, KS_EDB, "vulndb: %s", msg ? msg : "sql error");

        sqlite3_free(msg);
        return rc;
    }
    return KS_OK;
}

enum ks_code
ks_vdb_prepare(sqlite3 *db, const char *sql, sqlite3_stmt **st, struct ks_err *err)
{
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return ks_vdb_sqlerr(db, err, "prepare");
    return KS_OK;
}

int
ks_vdb_bind_str(sqlite3_stmt *st, int i, struct ks_str s)
{
    if (s.ptr == NULL)
        return sqlite3_bind_null(st, i);
    if (s.len > 0x7fffffff)
        return SQLITE_TOOBIG;
    return sqlite3_bind_text(st, i, s.ptr, (int)s.len, SQLITE_STATIC);
}

int
ks_vdb_bind_cstr(sqlite3_stmt *st, int i, const char *s)
{
    return ks_vdb_bind_str(st, i, ks_str_c(s));
}

const char *
ks_vdb_col_str(sqlite3_stmt *st, int i, struct ks_arena *a)
{
    const unsigned char *t = sqlite3_column_text(st, i);

    if (t == NULL)
        return NULL;
    return ks_arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(st, i));
}

const char *
ks_vdb_meta_get(sqlite3 *db, const char *key, struct ks_arena *a)
{
    sqlite3_stmt *st = NULL;
    const char *v = NULL;

    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return NULL;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = ks_vdb_col_str(st, 0, a);
    sqlite3_finalize(st);
    return v;
}

/* ------------------------------------------------------------------------ */
/* Strings                                                                  */

struct ks_str
ks_vdb_eco_family(struct ks_str ecosystem)
{
    ptrdiff_t colon = ks_str_find_char(ecosystem, ':');

    return colon < 0 ? ecosystem : ks_str_sub(ecosystem, 0, (size_t)colon);
}

/* Skip one JSON string starting at p (on the quote); returns past it or NULL. */
static const char *
skip_string(const char *p, const char *end)
{
    for (p++; p < end;) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        size_t bs = 0;

        if (q == NULL)
            return NULL;
        /* escaped when preceded by an odd number of backslashes */
        while (q - bs > p && q[-1 - (ptrdiff_t)bs] == '\\')
            bs++;
        if (bs % 2 == 0)
            return q + 1;
        p = q + 1;
    }
    return NULL;
}

static const char *
skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

/* Skip one value; NULL when head ends inside it. */
static const char *
skip_value(const char *p, const char *end)
{
    size_t depth = 0;

    p = skip_ws(p, end);
    if (p >= end)
        return NULL;
    if (*p == '"')
        return skip_string(p, end);
    if (*p != '{' && *p != '[') {
        while (p < end && *p != ',' && *p != '}' && *p != ']')
            p++;
        return p < end ? p : NULL;
    }
    for (; p < end; p++) {
        if (*p == '"') {
            p = skip_string(p, end);
            if (p == NULL)
                return NULL;
            p--;
        } else if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            if (--depth == 0)
                return p + 1;
        }
    }
    return NULL;
}

size_t
ks_vdb_json_keys(struct ks_str head, bool (*fn)(void *ctx, struct ks_str key, struct ks_str value),
                 void *ctx)
{
    const char *p = head.ptr, *end = head.ptr + head.len;
    size_t n = 0;

    if (head.len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        p += 3;
    p = skip_ws(p, end);
    if (p < end && *p == '[') /* an array of records: look at the first */
        p = skip_ws(p + 1, end);
    if (p >= end || *p != '{')
        return 0;
    p++;
    for (;;) {
        const char *k, *kend, *v, *ve;

        p = skip_ws(p, end);
        if (p >= end || *p != '"')
            return n;
        k = p;
        kend = skip_string(p, end);
        if (kend == NULL)
            return n;
        p = skip_ws(kend, end);
        if (p >= end || *p != ':')
            return n;
        v = skip_ws(p + 1, end);
        ve = skip_value(v, end);
        n++;
        if (!fn(ctx, ks_str_make(k + 1, (size_t)(kend - k) - 2),
                ks_str_make(v, (size_t)((ve ? ve : end) - v))))
            return n;
        if (ve == NULL)
            return n;
        p = skip_ws(ve, end);
        if (p >= end || *p != ',')
            return n;
        p++;
    }
}

const void *
ks_vdb_memmem(const void *hay, size_t n, const void *needle, size_t k)
{
    const char *h = hay, *end;

    if (k == 0)
        return hay;
    if (n < k)
        return NULL;
    end = h + (n - k);
    while (h <= end) {
        const char *p = memchr(h, *(const char *)needle, (size_t)(end - h) + 1);

        if (p == NULL)
            return NULL;
        if (memcmp(p, needle, k) == 0)
            return p;
        h = p + 1;
    }
    return NULL;
}

bool
ks_vdb_is_cve(struct ks_str s)
{
    size_t i, digits = 0;

    if (s.len < 13 || s.len > 32 || memcmp(s.ptr, "CVE-", 4) != 0)
        return false;
    for (i = 4; i < 8; i++)
        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return false;
    if (s.ptr[8] != '-')
        return false;
    for (i = 9; i < s.len; i++, digits++)
        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return false;
    return digits >= 4;
}
