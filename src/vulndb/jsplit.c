/*
 * jsplit.c: stream one array member of a big JSON document element by
 * element (NVD feed files: `{"resultsPerPage":...,"vulnerabilities":[{...},
 * ...]}`; the KEV catalog). Only the structure is checked here: brackets,
 * strings and separators, with byte offsets in errors. Each element and the
 * rest of the document (the "envelope") are then parsed strictly by
 * jansson, so memory stays at one element, never the whole feed
 * (dependencies-research.md §1: a DOM of a 200 MB feed takes ~2 GB).
 */
#include "vulndb/vulndb_int.h"

#include <string.h>

#include <jansson.h>

#include "base/banned.h"

#define WINDOW ((size_t)256 << 10)

struct rdr {
    struct ks_vdb_stream *in;
    char *buf;
    size_t pos, len;
    uint64_t base; /* stream offset of buf[0] */
    bool eof;
    struct ks_err *err;
};

static enum ks_code
refill(struct rdr *r)
{
    ssize_t got;

    if (r->eof)
        return KS_OK;
    r->base += r->len;
    r->pos = r->len = 0;
    got = ks_vdb_read(r->in, r->buf, WINDOW, r->err);
    if (got < 0)
        return r->err ? r->err->code : KS_EIO;
    if (got == 0)
        r->eof = true;
    r->len = (size_t)got;
    return KS_OK;
}

static uint64_t
where(const struct rdr *r)
{
    return r->base + r->pos;
}

static enum ks_code
fail(struct rdr *r, const char *what)
{
    if (r->eof && r->pos >= r->len)
        return ks_err_set(r->err, KS_EPARSE, "%s: truncated JSON at byte %llu (%s)", r->in->name,
                          (unsigned long long)where(r), what);
    return ks_err_set(r->err, KS_EPARSE, "%s: byte %llu: %s", r->in->name,
                      (unsigned long long)where(r), what);
}

/* Next non-whitespace byte without consuming it; -1 at the end, -2 on error. */
static int
peek_nonws(struct rdr *r)
{
    for (;;) {
        while (r->pos < r->len) {
            char c = r->buf[r->pos];

            if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
                return (unsigned char)c;
            r->pos++;
        }
        if (r->eof)
            return -1;
        if (refill(r) != KS_OK)
            return -2;
    }
}

/*
 * Scan one JSON value starting at r->pos, appending its text to out (NULL:
 * skip it). Strings and nesting are tracked; content is not validated.
 */
static enum ks_code
scan_value(struct rdr *r, struct ks_buf *out, size_t max)
{
    size_t start = r->pos, depth = 0, total = 0;
    bool in_str = false, esc = false, scalar;
    int first = peek_nonws(r);

    if (first == -2)
        return r->err ? r->err->code : KS_EIO;
    if (first < 0)
        return fail(r, "expected a value");
    start = r->pos;
    scalar = first != '{' && first != '[' && first != '"';
    if (first == '}' || first == ']' || first == ',' || first == ':')
        return fail(r, "expected a value");
    for (;;) {
        if (r->pos >= r->len) {
            size_t n = r->len - start;

            if (out != NULL) {
                ks_buf_append(out, r->buf + start, n);
                if (ks_buf_err(out) != KS_OK)
                    return ks_err_set(r->err, ks_buf_err(out),
                                      "%s: element at byte %llu is too large",
                                      r->in->name, (unsigned long long)where(r));
            }
            total += n;
            if (total > max)
                return ks_err_set(r->err, KS_ETOOBIG, "%s: a value over %zu bytes at byte %llu",
                                  r->in->name, max, (unsigned long long)where(r));
            if (r->eof) {
                if (scalar)
                    return KS_OK;
                return fail(r, "unterminated value");
            }
            if (refill(r) != KS_OK)
                return r->err ? r->err->code : KS_EIO;
            start = 0;
            if (r->eof && scalar)
                return KS_OK;
            if (r->eof)
                return fail(r, "unterminated value");
            continue;
        }
        char c = r->buf[r->pos];

        if (in_str) {
            if (esc) {
                esc = false;
            } else if (c == '\\') {
                esc = true;
            } else if (c == '"') {
                in_str = false;
                if (depth == 0) {
                    r->pos++;
                    break;
                }
            } else {
                /* Skip ahead to the next quote or backslash in one go. */
                const char *q = memchr(r->buf + r->pos, '"', r->len - r->pos);
                size_t upto = q ? (size_t)(q - r->buf) : r->len;
                const char *bs = memchr(r->buf + r->pos, '\\', upto - r->pos);
                const char *stop = bs ? bs : q;

                r->pos = stop ? (size_t)(stop - r->buf) : r->len;
                continue;
            }
            r->pos++;
            continue;
        }
        if (scalar) {
            if (c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r' ||
                c == '\n')
                break;
            if (c == '{' || c == '[' || c == '"' || c == ':')
                return fail(r, "unexpected character in a scalar");
            r->pos++;
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > KS_JSON_MAX_DEPTH)
                return ks_err_set(r->err, KS_ETOOBIG, "%s: nesting deeper than %d at byte %llu",
                                  r->in->name, KS_JSON_MAX_DEPTH, (unsigned long long)where(r));
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return fail(r, "unbalanced bracket");
            if (--depth == 0) {
                r->pos++;
                break;
            }
        }
        r->pos++;
    }
    if (out != NULL) {
        ks_buf_append(out, r->buf + start, r->pos - start);
        if (ks_buf_err(out) != KS_OK)
            return ks_err_set(r->err, ks_buf_err(out), "%s: value at byte %llu is too large",
                              r->in->name, (unsigned long long)where(r));
    }
    if (total + (r->pos - start) > max)
        return ks_err_set(r->err, KS_ETOOBIG, "%s: a value over %zu bytes at byte %llu",
                          r->in->name, max, (unsigned long long)where(r));
    return KS_OK;
}

/* Consume c (after optional whitespace) or fail. */
static enum ks_code
expect(struct rdr *r, char c, const char *what)
{
    int got = peek_nonws(r);

    if (got == -2)
        return r->err ? r->err->code : KS_EIO;
    if (got != (unsigned char)c)
        return fail(r, what);
    r->pos++;
    return KS_OK;
}

static enum ks_code
stream_array(struct rdr *r, ks_jsplit_fn fn, void *ctx, struct ks_buf *elem)
{
    uint64_t index = 0;
    enum ks_code rc;
    int c;

    if ((rc = expect(r, '[', "expected '['")) != KS_OK)
        return rc;
    c = peek_nonws(r);
    if (c == ']') {
        r->pos++;
        return KS_OK;
    }
    for (;;) {
        c = peek_nonws(r);
        if (c == -2)
            return r->err ? r->err->code : KS_EIO;
        if (c != '{')
            return fail(r, "expected an object in the array");
        ks_buf_reset(elem);
        if ((rc = scan_value(r, elem, KS_VDB_MAX_ELEMENT)) != KS_OK)
            return rc;
        if ((rc = fn(ctx, elem->data, elem->len, index++, r->err)) != KS_OK)
            return rc;
        c = peek_nonws(r);
        if (c == -2)
            return r->err ? r->err->code : KS_EIO;
        if (c == ']') {
            r->pos++;
            return KS_OK;
        }
        if (c != ',')
            return fail(r, "expected ',' or ']' after an array element");
        r->pos++;
    }
}

enum ks_code
ks_jsplit(struct ks_vdb_stream *in, const char *member, ks_jsplit_fn fn, void *ctx,
          json_t **envelope, struct ks_err *err)
{
    struct rdr r = {.in = in, .err = err};
    struct ks_buf env = KS_BUF_INIT(KS_VDB_MAX_ENVELOPE);
    struct ks_buf key = KS_BUF_INIT(4096);
    struct ks_buf elem = KS_BUF_INIT(KS_VDB_MAX_ELEMENT + 1);
    size_t member_len = strlen(member);
    bool first = true, seen_member = false;
    enum ks_code rc = KS_EINTERNAL;
    int c;

    r.buf = ks_malloc(WINDOW);
    if (r.buf == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = refill(&r)) != KS_OK)
        goto out;
    /* A UTF-8 byte order mark is tolerated (RFC 8259 §8.1). */
    if (r.len >= 3 && memcmp(r.buf, "\xEF\xBB\xBF", 3) == 0)
        r.pos = 3;
    if ((rc = expect(&r, '{', "expected a JSON object")) != KS_OK)
        goto out;
    ks_buf_putc(&env, '{');
    for (;;) {
        c = peek_nonws(&r);
        if (c == -2) {
            rc = err ? err->code : KS_EIO;
            goto out;
        }
        if (c == '}' && first) {
            r.pos++;
            break;
        }
        if (c != '"') {
            rc = fail(&r, "expected a member name");
            goto out;
        }
        ks_buf_reset(&key);
        if ((rc = scan_value(&r, &key, 4096)) != KS_OK)
            goto out;
        if ((rc = expect(&r, ':', "expected ':'")) != KS_OK)
            goto out;
        if (key.len == member_len + 2 && memcmp(key.data + 1, member, member_len) == 0 &&
            peek_nonws(&r) == '[' && !seen_member) {
            seen_member = true;
            if ((rc = stream_array(&r, fn, ctx, &elem)) != KS_OK)
                goto out;
        } else {
            if (env.len > 1)
                ks_buf_putc(&env, ',');
            ks_buf_append(&env, key.data, key.len);
            ks_buf_putc(&env, ':');
            if ((rc = scan_value(&r, &env, KS_VDB_MAX_ENVELOPE)) != KS_OK)
                goto out;
        }
        first = false;
        c = peek_nonws(&r);
        if (c == -2) {
            rc = err ? err->code : KS_EIO;
            goto out;
        }
        if (c == '}') {
            r.pos++;
            break;
        }
        if (c != ',') {
            rc = fail(&r, "expected ',' or '}' after a member");
            goto out;
        }
        r.pos++;
    }
    c = peek_nonws(&r);
    if (c == -2) {
        rc = err ? err->code : KS_EIO;
        goto out;
    }
    if (c != -1) {
        rc = fail(&r, "data after the end of the JSON document");
        goto out;
    }
    ks_buf_putc(&env, '}');
    if (ks_buf_err(&env) != KS_OK) {
        rc = ks_err_set(err, KS_ETOOBIG, "%s: the document outside '%s' is over %zu bytes",
                        in->name, member, KS_VDB_MAX_ENVELOPE);
        goto out;
    }
    /* Always parsed: the envelope is part of the document and must be valid too. */
    {
        json_t *e = NULL;

        if ((rc = ks_json_parse(env.data, env.len, in->name, &e, err)) != KS_OK)
            goto out;
        if (envelope != NULL)
            *envelope = e;
        else
            json_decref(e);
    }
    rc = KS_OK;
out:
    ks_free(r.buf);
    ks_buf_release(&env);
    ks_buf_release(&key);
    ks_buf_release(&elem);
    return rc;
}

enum ks_code
ks_jsplit_array(struct ks_vdb_stream *in, ks_jsplit_fn fn, void *ctx, struct ks_err *err)
{
    struct rdr r = {.in = in, .err = err};
    struct ks_buf elem = KS_BUF_INIT(KS_VDB_MAX_ELEMENT + 1);
    enum ks_code rc;
    int c;

    r.buf = ks_malloc(WINDOW);
    if (r.buf == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = refill(&r)) != KS_OK)
        goto out;
    if (r.len >= 3 && memcmp(r.buf, "\xEF\xBB\xBF", 3) == 0)
        r.pos = 3;
    if ((rc = stream_array(&r, fn, ctx, &elem)) != KS_OK)
        goto out;
    c = peek_nonws(&r);
    if (c == -2)
        rc = err ? err->code : KS_EIO;
    else if (c != -1)
        rc = fail(&r, "data after the end of the JSON document");
out:
    ks_free(r.buf);
    ks_buf_release(&elem);
    return rc;
}
