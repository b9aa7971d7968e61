/*
 * toml.c: a small strict TOML 1.0 parser that builds a jansson tree, so
 * lockfiles written in TOML (poetry.lock, Cargo.lock, uv.lock, pylock.toml,
 * ...) are read with the same code paths as JSON ones. Debian bookworm ships
 * no C TOML library (only C++ and Perl ones), hence our own. Tables become
 * objects, arrays arrays, integers json integers, floats reals (inf/nan as
 * strings), and date-times their RFC 3339 text as strings.
 *
 * Strict: invalid UTF-8, duplicate keys, a table defined twice, dotted keys
 * reopening a [table], appending to a static array with [[...]], extending an
 * inline table, bad escapes, leading zeros and integer overflow are all
 * errors naming source:line:column. Nesting is limited to KS_TOML_MAX_DEPTH.
 */
#include "base/base.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/banned.h"

/* Table and array states (kept beside the tree, keyed by node address). */
enum {
    T_IMPLICIT = 1 << 0, /* made as a parent of a [header] */
    T_DEFINED = 1 << 1,  /* named by its own [header] */
    T_DOTTED = 1 << 2,   /* made by a dotted key */
    T_INLINE = 1 << 3,   /* an inline table: frozen */
    A_STATIC = 1 << 4,   /* an array value: not appendable by [[...]] */
    A_TABLES = 1 << 5,   /* an array of tables */
    F_SET = 1 << 8,      /* marks presence in the map */
};

struct tp {
    const char *p, *end, *start;
    const char *src;
    struct ks_err *err;
    enum ks_code rc;
    struct ks_map *flags;
    unsigned depth;
    size_t line;
    const char *line_start;
    struct ks_buf sbuf; /* string scratch */
};

static enum ks_code
fail(struct tp *t, enum ks_code code, const char *fmt, ...) KS_PRINTF(3, 4);

static enum ks_code
fail(struct tp *t, enum ks_code code, const char *fmt, ...)
{
    char msg[300];
    va_list ap;

    if (t->rc != KS_OK)
        return t->rc;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    t->rc = code;
    ks_err_set(t->err, code, "%s:%zu:%zu: %s TOML: %s", t->src, t->line,
               (size_t)(t->p - t->line_start) + 1, code == KS_ENOMEM ? "out of memory in" : "invalid",
               msg);
    return code;
}

static enum ks_code
oom(struct tp *t)
{
    return fail(t, KS_ENOMEM, "out of memory");
}

static unsigned
get_flags(struct tp *t, const json_t *node)
{
    void *v = ks_map_get(t->flags, ks_str_make((const char *)&node, sizeof(node)));

    return (unsigned)(uintptr_t)v;
}

static enum ks_code
set_flags(struct tp *t, const json_t *node, unsigned f)
{
    if (ks_map_put(t->flags, ks_str_make((const char *)&node, sizeof(node)),
                   (void *)(uintptr_t)(f | F_SET), NULL) != KS_OK)
        return oom(t);
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* Characters.                                                              */

static bool
at_end(const struct tp *t)
{
    return t->p >= t->end;
}

static int
peek(const struct tp *t, size_t k)
{
    return t->p + k < t->end ? (unsigned char)t->p[k] : -1;
}

static void
newline_seen(struct tp *t)
{
    t->line++;
    t->line_start = t->p;
}

static void
skip_ws(struct tp *t)
{
    while (!at_end(t) && (*t->p == ' ' || *t->p == '\t'))
        t->p++;
}

/* A comment's body: any character but control characters other than tab. */
static enum ks_code
skip_comment(struct tp *t)
{
    if (at_end(t) || *t->p != '#')
        return KS_OK;
    while (!at_end(t) && *t->p != '\n') {
        unsigned char c = (unsigned char)*t->p;

        if ((c < 0x20 && c != '\t' && !(c == '\r' && peek(t, 1) == '\n')) || c == 0x7f)
            return fail(t, KS_EPARSE, "control character in a comment");
        t->p++;
    }
    return KS_OK;
}

/* Newline: LF or CRLF. */
static bool
eat_newline(struct tp *t)
{
    if (!at_end(t) && *t->p == '\n') {
        t->p++;
        newline_seen(t);
        return true;
    }
    if (peek(t, 0) == '\r' && peek(t, 1) == '\n') {
        t->p += 2;
        newline_seen(t);
        return true;
    }
    return false;
}

/* Whitespace, comments and newlines (inside arrays). */
static enum ks_code
skip_ws_nl(struct tp *t)
{
    for (;;) {
        skip_ws(t);
        if (skip_comment(t) != KS_OK)
            return t->rc;
        if (!eat_newline(t))
            return KS_OK;
    }
}

/* The end of a line: whitespace, an optional comment, a newline or the end. */
static enum ks_code
end_of_line(struct tp *t)
{
    skip_ws(t);
    if (skip_comment(t) != KS_OK)
        return t->rc;
    if (at_end(t) || eat_newline(t))
        return KS_OK;
    return fail(t, KS_EPARSE, "expected the end of the line");
}

static bool
valid_utf8(const unsigned char *s, size_t n, size_t *bad)
{
    size_t i = 0;

    while (i < n) {
        unsigned char c = s[i];
        size_t k;
        uint32_t cp;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            k = 1;
            cp = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            k = 2;
            cp = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            k = 3;
            cp = c & 0x07;
        } else {
            *bad = i;
            return false;
        }
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (s[i + j] & 0xc0) != 0x80) {
                *bad = i;
                return false;
            }
            cp = (cp << 6) | (s[i + j] & 0x3f);
        }
        if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff)) {
            *bad = i;
            return false;
        }
        i += k + 1;
    }
    return true;
}

static void
put_utf8(struct ks_buf *b, uint32_t cp)
{
    if (cp < 0x80) {
        ks_buf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        ks_buf_putc(b, (char)(0xc0 | (cp >> 6)));
        ks_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        ks_buf_putc(b, (char)(0xe0 | (cp >> 12)));
        ks_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        ks_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
    } else {
        ks_buf_putc(b, (char)(0xf0 | (cp >> 18)));
        ks_buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
        ks_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        ks_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
    }
}

static int
hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* ------------------------------------------------------------------------ */
/* Strings. The result is in t->sbuf.                                       */

static enum ks_code
escape(struct tp *t)
{
    int c = peek(t, 0);
    int n = 0;
    uint32_t cp = 0;

    t->p++;
    switch (c) {
    case 'b':
        ks_buf_putc(&t->sbuf, '\b');
        return KS_OK;
    case 't':
        ks_buf_putc(&t->sbuf, '\t');
        return KS_OK;
    case 'n':
        ks_buf_putc(&t->sbuf, '\n');
        return KS_OK;
    case 'f':
        ks_buf_putc(&t->sbuf, '\f');
        return KS_OK;
    case 'r':
        ks_buf_putc(&t->sbuf, '\r');
        return KS_OK;
    case '"':
        ks_buf_putc(&t->sbuf, '"');
        return KS_OK;
    case '\\':
        ks_buf_putc(&t->sbuf, '\\');
        return KS_OK;
    case 'u':
        n = 4;
        break;
    case 'U':
        n = 8;
        break;
    default:
        t->p--;
        return fail(t, KS_EPARSE, "unknown escape sequence");
    }
    for (int i = 0; i < n; i++) {
        int h = hexval(peek(t, 0));

        if (h < 0)
            return fail(t, KS_EPARSE, "bad \\%c escape", c);
        cp = cp * 16 + (uint32_t)h;
        t->p++;
    }
    if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return fail(t, KS_EPARSE, "escape is not a Unicode scalar value");
    if (cp == 0)
        return fail(t, KS_EUNSUPPORTED, "\\u0000 in a string is not supported");
    put_utf8(&t->sbuf, cp);
    return KS_OK;
}

static bool
bad_ctl(unsigned char c)
{
    return (c < 0x20 && c != '\t') || c == 0x7f;
}

static enum ks_code
basic_string(struct tp *t)
{
    t->p++; /* opening quote */
    for (;;) {
        unsigned char c;

        if (at_end(t) || *t->p == '\n' || (*t->p == '\r'))
            return fail(t, KS_EPARSE, "unterminated string");
        c = (unsigned char)*t->p;
        if (c == '"') {
            t->p++;
            return ks_buf_err(&t->sbuf) == KS_OK ? KS_OK : oom(t);
        }
        if (c == '\\') {
            t->p++;
            if (escape(t) != KS_OK)
                return t->rc;
            continue;
        }
        if (bad_ctl(c))
            return fail(t, KS_EPARSE, "control character in a string");
        ks_buf_putc(&t->sbuf, (char)c);
        t->p++;
    }
}

static enum ks_code
literal_string(struct tp *t)
{
    t->p++;
    for (;;) {
        unsigned char c;

        if (at_end(t) || *t->p == '\n' || *t->p == '\r')
            return fail(t, KS_EPARSE, "unterminated string");
        c = (unsigned char)*t->p;
        if (c == '\'') {
            t->p++;
            return ks_buf_err(&t->sbuf) == KS_OK ? KS_OK : oom(t);
        }
        if (bad_ctl(c))
            return fail(t, KS_EPARSE, "control character in a string");
        ks_buf_putc(&t->sbuf, (char)c);
        t->p++;
    }
}

/* """...""" or '''...''' */
static enum ks_code
ml_string(struct tp *t, char q)
{
    bool basic = q == '"';

    t->p += 3;
    eat_newline(t); /* a newline right after the opening delimiter is trimmed */
    for (;;) {
        unsigned char c;

        if (at_end(t))
            return fail(t, KS_EPARSE, "unterminated multi-line string");
        c = (unsigned char)*t->p;
        if (c == (unsigned char)q && peek(t, 1) == q && peek(t, 2) == q) {
            /* Up to two more quotes belong to the content. */
            int extra = 0;

            while (extra < 2 && peek(t, 3 + (size_t)extra) == q)
                extra++;
            for (int i = 0; i < extra; i++)
                ks_buf_putc(&t->sbuf, q);
            t->p += 3 + (size_t)extra;
            return ks_buf_err(&t->sbuf) == KS_OK ? KS_OK : oom(t);
        }
        if (c == '\n' || (c == '\r' && peek(t, 1) == '\n')) {
            ks_buf_putc(&t->sbuf, '\n');
            eat_newline(t);
            continue;
        }
        if (basic && c == '\\') {
            const char *save = t->p;

            t->p++;
            /* line-ending backslash: skip whitespace and newlines */
            skip_ws(t);
            if (peek(t, 0) == '\n' || (peek(t, 0) == '\r' && peek(t, 1) == '\n')) {
                for (;;) {
                    skip_ws(t);
                    if (!eat_newline(t))
                        break;
                }
                continue;
            }
            t->p = save + 1;
            if (escape(t) != KS_OK)
                return t->rc;
            continue;
        }
        if (bad_ctl(c))
            return fail(t, KS_EPARSE, "control character in a string");
        ks_buf_putc(&t->sbuf, (char)c);
        t->p++;
    }
}

static enum ks_code
any_string(struct tp *t, bool allow_ml)
{
    char q = *t->p;

    ks_buf_reset(&t->sbuf);
    if (peek(t, 1) == q && peek(t, 2) == q) {
        if (!allow_ml)
            return fail(t, KS_EPARSE, "multi-line string used as a key");
        return ml_string(t, q);
    }
    return q == '"' ? basic_string(t) : literal_string(t);
}

/* ------------------------------------------------------------------------ */
/* Keys.                                                                    */

#define TOML_MAX_KEY_PARTS 64

struct key {
    char *parts[TOML_MAX_KEY_PARTS];
    size_t lens[TOML_MAX_KEY_PARTS];
    size_t n;
};

static void
key_release(struct key *k)
{
    for (size_t i = 0; i < k->n; i++)
        ks_free(k->parts[i]);
    k->n = 0;
}

static bool
bare_char(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-';
}

static enum ks_code
parse_key(struct tp *t, struct key *k)
{
    k->n = 0;
    for (;;) {
        skip_ws(t);
        if (k->n >= TOML_MAX_KEY_PARTS)
            return fail(t, KS_ETOOBIG, "key with more than %d parts", TOML_MAX_KEY_PARTS);
        if (!at_end(t) && (*t->p == '"' || *t->p == '\'')) {
            if (any_string(t, false) != KS_OK)
                return t->rc;
            if (memchr(t->sbuf.data, '\0', t->sbuf.len) != NULL)
                return fail(t, KS_EPARSE, "NUL in a key");
            k->parts[k->n] = ks_strndup(t->sbuf.data, t->sbuf.len);
            k->lens[k->n] = t->sbuf.len;
        } else {
            const char *s = t->p;

            while (!at_end(t) && bare_char((unsigned char)*t->p))
                t->p++;
            if (t->p == s)
                return fail(t, KS_EPARSE, "expected a key");
            k->parts[k->n] = ks_strndup(s, (size_t)(t->p - s));
            k->lens[k->n] = (size_t)(t->p - s);
        }
        if (k->parts[k->n] == NULL)
            return oom(t);
        k->n++;
        skip_ws(t);
        if (at_end(t) || *t->p != '.')
            return KS_OK;
        t->p++;
    }
}

/* ------------------------------------------------------------------------ */
/* Scalars.                                                                 */

static bool
is_digit(int c)
{
    return c >= '0' && c <= '9';
}

/* digits with single underscores between them; appends digits to b */
static bool
digits(struct tp *t, struct ks_buf *b, int (*ok)(int))
{
    bool any = false, last_us = false;

    while (!at_end(t)) {
        int c = (unsigned char)*t->p;

        if (c == '_') {
            if (!any || last_us)
                return false;
            last_us = true;
            t->p++;
            continue;
        }
        if (!ok(c))
            break;
        ks_buf_putc(b, (char)c);
        any = true;
        last_us = false;
        t->p++;
    }
    return any && !last_us;
}

static int
dec_ok(int c)
{
    return is_digit(c);
}
static int
hex_ok(int c)
{
    return hexval(c) >= 0;
}
static int
oct_ok(int c)
{
    return c >= '0' && c <= '7';
}
static int
bin_ok(int c)
{
    return c == '0' || c == '1';
}

static bool
take_n_digits(struct tp *t, int n, int *val)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (!is_digit(peek(t, 0)))
            return false;
        v = v * 10 + (*t->p - '0');
        t->p++;
    }
    *val = v;
    return true;
}

/* HH:MM:SS(.frac)? */
static bool
time_part(struct tp *t)
{
    int h, m, s;

    if (!take_n_digits(t, 2, &h) || peek(t, 0) != ':')
        return false;
    t->p++;
    if (!take_n_digits(t, 2, &m) || peek(t, 0) != ':')
        return false;
    t->p++;
    if (!take_n_digits(t, 2, &s))
        return false;
    if (h > 23 || m > 59 || s > 60)
        return false;
    if (peek(t, 0) == '.') {
        t->p++;
        if (!is_digit(peek(t, 0)))
            return false;
        while (is_digit(peek(t, 0)))
            t->p++;
    }
    return true;
}

static enum ks_code
datetime(struct tp *t, json_t **out)
{
    const char *s = t->p;
    int y, mo, d;

    if (is_digit(peek(t, 0)) && is_digit(peek(t, 1)) && peek(t, 2) == ':') {
        if (!time_part(t))
            return fail(t, KS_EPARSE, "bad local time");
    } else {
        if (!take_n_digits(t, 4, &y) || peek(t, 0) != '-')
            return fail(t, KS_EPARSE, "bad date");
        t->p++;
        if (!take_n_digits(t, 2, &mo) || peek(t, 0) != '-')
            return fail(t, KS_EPARSE, "bad date");
        t->p++;
        if (!take_n_digits(t, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31)
            return fail(t, KS_EPARSE, "bad date");
        if ((peek(t, 0) == 'T' || peek(t, 0) == 't' ||
             (peek(t, 0) == ' ' && is_digit(peek(t, 1)))) &&
            is_digit(peek(t, 1))) {
            t->p++;
            if (!time_part(t))
                return fail(t, KS_EPARSE, "bad date-time");
            if (peek(t, 0) == 'Z' || peek(t, 0) == 'z') {
                t->p++;
            } else if (peek(t, 0) == '+' || peek(t, 0) == '-') {
                int oh, om;

                t->p++;
                if (!take_n_digits(t, 2, &oh) || peek(t, 0) != ':')
                    return fail(t, KS_EPARSE, "bad offset");
                t->p++;
                if (!take_n_digits(t, 2, &om) || oh > 23 || om > 59)
                    return fail(t, KS_EPARSE, "bad offset");
            }
        }
    }
    *out = json_stringn(s, (size_t)(t->p - s));
    return *out ? KS_OK : oom(t);
}

static enum ks_code
number(struct tp *t, json_t **out)
{
    struct ks_buf b = KS_BUF_INIT(4096);
    const char *s = t->p;
    bool neg = false, is_float = false;
    int c = peek(t, 0);
    enum ks_code rc = KS_OK;

    /* date-time? four digits and '-' or two digits and ':' */
    if (is_digit(c) && is_digit(peek(t, 1)) &&
        (peek(t, 2) == ':' || (is_digit(peek(t, 2)) && is_digit(peek(t, 3)) && peek(t, 4) == '-')))
        return datetime(t, out);
    if (c == '+' || c == '-') {
        neg = c == '-';
        ks_buf_putc(&b, (char)c);
        t->p++;
    }
    if ((peek(t, 0) == 'i' && peek(t, 1) == 'n' && peek(t, 2) == 'f') ||
        (peek(t, 0) == 'n' && peek(t, 1) == 'a' && peek(t, 2) == 'n')) {
        t->p += 3;
        *out = json_stringn(s, (size_t)(t->p - s));
        ks_buf_release(&b);
        return *out ? KS_OK : oom(t);
    }
    if (peek(t, 0) == '0' && (peek(t, 1) == 'x' || peek(t, 1) == 'o' || peek(t, 1) == 'b')) {
        int base = peek(t, 1) == 'x' ? 16 : peek(t, 1) == 'o' ? 8 : 2;
        char *endp;
        unsigned long long v;

        if (s != t->p) {
            ks_buf_release(&b);
            return fail(t, KS_EPARSE, "signed non-decimal integer");
        }
        t->p += 2;
        ks_buf_reset(&b);
        if (!digits(t, &b, base == 16 ? hex_ok : base == 8 ? oct_ok : bin_ok)) {
            ks_buf_release(&b);
            return fail(t, KS_EPARSE, "bad integer");
        }
        errno = 0;
        v = strtoull(b.data, &endp, base);
        ks_buf_release(&b);
        if (errno != 0 || v > (unsigned long long)INT64_MAX)
            return fail(t, KS_EPARSE, "integer out of range");
        *out = json_integer((json_int_t)v);
        return *out ? KS_OK : oom(t);
    }
    /* decimal integer part: no leading zeros */
    if (peek(t, 0) == '0' && (is_digit(peek(t, 1)) || peek(t, 1) == '_')) {
        ks_buf_release(&b);
        return fail(t, KS_EPARSE, "leading zero in a number");
    }
    if (!digits(t, &b, dec_ok)) {
        ks_buf_release(&b);
        return fail(t, KS_EPARSE, "expected a value");
    }
    if (peek(t, 0) == '.') {
        is_float = true;
        ks_buf_putc(&b, '.');
        t->p++;
        if (!digits(t, &b, dec_ok)) {
            ks_buf_release(&b);
            return fail(t, KS_EPARSE, "bad fraction");
        }
    }
    if (peek(t, 0) == 'e' || peek(t, 0) == 'E') {
        is_float = true;
        ks_buf_putc(&b, 'e');
        t->p++;
        if (peek(t, 0) == '+' || peek(t, 0) == '-') {
            ks_buf_putc(&b, *t->p);
            t->p++;
        }
        if (!digits(t, &b, dec_ok)) {
            ks_buf_release(&b);
            return fail(t, KS_EPARSE, "bad exponent");
        }
    }
    if (ks_buf_err(&b) != KS_OK) {
        ks_buf_release(&b);
        return fail(t, KS_ETOOBIG, "number too long");
    }
    if (is_float) {
        char *endp;
        double v;

        errno = 0;
        v = strtod(b.data, &endp);
        if (*endp != '\0' || !isfinite(v))
            rc = fail(t, KS_EPARSE, "float out of range");
        else if ((*out = json_real(v)) == NULL)
            rc = oom(t);
    } else {
        char *endp;
        long long v;

        errno = 0;
        v = strtoll(b.data, &endp, 10);
        if (errno != 0 || *endp != '\0')
            rc = fail(t, KS_EPARSE, "integer out of range");
        else if ((*out = json_integer((json_int_t)v)) == NULL)
            rc = oom(t);
    }
    (void)neg;
    ks_buf_release(&b);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Values, arrays, inline tables.                                           */

static enum ks_code value(struct tp *t, json_t **out);
static enum ks_code assign(struct tp *t, json_t *table, struct key *k, json_t *v, bool in_inline);

/* Mark an inline table and everything inside it frozen. */
static enum ks_code
freeze(struct tp *t, json_t *v)
{
    if (json_is_object(v)) {
        const char *key;
        json_t *sub;

        if (set_flags(t, v, T_INLINE | T_DEFINED) != KS_OK)
            return t->rc;
        json_object_foreach(v, key, sub)
        {
            if (freeze(t, sub) != KS_OK)
                return t->rc;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *sub;

        if (set_flags(t, v, A_STATIC) != KS_OK)
            return t->rc;
        json_array_foreach(v, i, sub)
        {
            if (freeze(t, sub) != KS_OK)
                return t->rc;
        }
    }
    return KS_OK;
}

static enum ks_code
array(struct tp *t, json_t **out)
{
    json_t *a = json_array();

    if (a == NULL)
        return oom(t);
    t->p++;
    if (++t->depth > KS_TOML_MAX_DEPTH) {
        json_decref(a);
        return fail(t, KS_ETOOBIG, "nested deeper than %d", KS_TOML_MAX_DEPTH);
    }
    for (;;) {
        json_t *v = NULL;

        if (skip_ws_nl(t) != KS_OK)
            goto bad;
        if (!at_end(t) && *t->p == ']') {
            t->p++;
            break;
        }
        if (value(t, &v) != KS_OK)
            goto bad;
        if (json_array_append_new(a, v) != 0) {
            oom(t);
            goto bad;
        }
        if (skip_ws_nl(t) != KS_OK)
            goto bad;
        if (!at_end(t) && *t->p == ',') {
            t->p++;
            continue;
        }
        if (!at_end(t) && *t->p == ']') {
            t->p++;
            break;
        }
        fail(t, KS_EPARSE, "expected ',' or ']' in an array");
        goto bad;
    }
    t->depth--;
    *out = a;
    return KS_OK;
bad:
    json_decref(a);
    return t->rc;
}

static enum ks_code
inline_table(struct tp *t, json_t **out)
{
    json_t *o = json_object();
    bool first = true;

    if (o == NULL)
        return oom(t);
    t->p++;
    if (++t->depth > KS_TOML_MAX_DEPTH) {
        json_decref(o);
        return fail(t, KS_ETOOBIG, "nested deeper than %d", KS_TOML_MAX_DEPTH);
    }
    for (;;) {
        struct key k;
        json_t *v = NULL;

        skip_ws(t);
        if (!at_end(t) && *t->p == '}') {
            if (!first) {
                fail(t, KS_EPARSE, "trailing comma in an inline table");
                goto bad;
            }
            t->p++;
            break;
        }
        k.n = 0;
        if (parse_key(t, &k) != KS_OK) {
            key_release(&k);
            goto bad;
        }
        skip_ws(t);
        if (at_end(t) || *t->p != '=') {
            key_release(&k);
            fail(t, KS_EPARSE, "expected '=' after a key");
            goto bad;
        }
        t->p++;
        skip_ws(t);
        if (value(t, &v) != KS_OK) {
            key_release(&k);
            goto bad;
        }
        if (assign(t, o, &k, v, true) != KS_OK) {
            key_release(&k);
            goto bad;
        }
        key_release(&k);
        first = false;
        skip_ws(t);
        if (!at_end(t) && *t->p == ',') {
            t->p++;
            skip_ws(t);
            if (!at_end(t) && *t->p == '}') {
                fail(t, KS_EPARSE, "trailing comma in an inline table");
                goto bad;
            }
            continue;
        }
        if (!at_end(t) && *t->p == '}') {
            t->p++;
            break;
        }
        fail(t, KS_EPARSE, "expected ',' or '}' in an inline table");
        goto bad;
    }
    t->depth--;
    if (freeze(t, o) != KS_OK)
        goto bad;
    *out = o;
    return KS_OK;
bad:
    json_decref(o);
    return t->rc;
}

static bool
word(struct tp *t, const char *w)
{
    size_t n = strlen(w);

    if ((size_t)(t->end - t->p) < n || memcmp(t->p, w, n) != 0)
        return false;
    if (t->p + n < t->end && bare_char((unsigned char)t->p[n]))
        return false;
    t->p += n;
    return true;
}

static enum ks_code
value(struct tp *t, json_t **out)
{
    int c = peek(t, 0);

    if (c == '"' || c == '\'') {
        if (any_string(t, true) != KS_OK)
            return t->rc;
        *out = json_stringn(t->sbuf.data, t->sbuf.len);
        return *out ? KS_OK : oom(t);
    }
    if (c == '[')
        return array(t, out);
    if (c == '{')
        return inline_table(t, out);
    if (word(t, "true")) {
        *out = json_true();
        return KS_OK;
    }
    if (word(t, "false")) {
        *out = json_false();
        return KS_OK;
    }
    if (c == '+' || c == '-' || is_digit(c) || c == 'i' || c == 'n') {
        if ((c == 'i' || c == 'n') && !(word(t, "inf") || word(t, "nan")))
            return fail(t, KS_EPARSE, "expected a value");
        if (c == 'i' || c == 'n') {
            *out = json_string(c == 'i' ? "inf" : "nan");
            return *out ? KS_OK : oom(t);
        }
        if (number(t, out) != KS_OK)
            return t->rc;
        /* a number must end at a delimiter */
        c = peek(t, 0);
        if (c != -1 && c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != ',' && c != ']' &&
            c != '}' && c != '#') {
            json_decref(*out);
            *out = NULL;
            return fail(t, KS_EPARSE, "unexpected character after a value");
        }
        return KS_OK;
    }
    return fail(t, KS_EPARSE, "expected a value");
}

/* ------------------------------------------------------------------------ */
/* Assignment and tables.                                                   */

static json_t *
get_n(json_t *obj, const char *key, size_t len)
{
    (void)len;
    return json_object_get(obj, key);
}

/* Set table[k] = v, creating dotted intermediate tables. Steals v. */
static enum ks_code
assign(struct tp *t, json_t *table, struct key *k, json_t *v, bool in_inline)
{
    json_t *cur = table;

    for (size_t i = 0; i + 1 < k->n; i++) {
        json_t *next = get_n(cur, k->parts[i], k->lens[i]);

        if (next == NULL) {
            next = json_object();
            if (next == NULL || json_object_set_new(cur, k->parts[i], next) != 0) {
                json_decref(v);
                return oom(t);
            }
            if (set_flags(t, next, T_DOTTED) != KS_OK) {
                json_decref(v);
                return t->rc;
            }
        } else {
            unsigned f = get_flags(t, next);

            (void)in_inline;
            if (!json_is_object(next) || (f & T_INLINE) || !(f & T_DOTTED)) {
                json_decref(v);
                return fail(t, KS_EPARSE, "key '%s' cannot be extended here", k->parts[i]);
            }
        }
        cur = next;
    }
    if (json_object_get(cur, k->parts[k->n - 1]) != NULL) {
        json_decref(v);
        return fail(t, KS_EPARSE, "duplicate key '%s'", k->parts[k->n - 1]);
    }
    if (json_object_set_new(cur, k->parts[k->n - 1], v) != 0)
        return oom(t);
    if (json_is_array(v) && !(get_flags(t, v) & F_SET))
        return set_flags(t, v, A_STATIC);
    return KS_OK;
}

/* [a.b.c] or [[a.b.c]]: find or make the table; *out gets it. */
static enum ks_code
header(struct tp *t, json_t *root, bool array_of_tables, json_t **out)
{
    struct key k;
    json_t *cur = root;
    enum ks_code rc = KS_OK;

    k.n = 0;
    t->p += array_of_tables ? 2 : 1;
    if (parse_key(t, &k) != KS_OK)
        goto out;
    skip_ws(t);
    if (array_of_tables) {
        if (peek(t, 0) != ']' || peek(t, 1) != ']') {
            fail(t, KS_EPARSE, "expected ']]'");
            goto out;
        }
        t->p += 2;
    } else {
        if (peek(t, 0) != ']') {
            fail(t, KS_EPARSE, "expected ']'");
            goto out;
        }
        t->p++;
    }
    for (size_t i = 0; i < k.n; i++) {
        bool last = i + 1 == k.n;
        json_t *next = json_object_get(cur, k.parts[i]);
        unsigned f = next ? get_flags(t, next) : 0;

        if (next == NULL) {
            if (last && array_of_tables) {
                json_t *arr = json_array(), *tbl = json_object();

                if (arr == NULL || tbl == NULL || json_array_append_new(arr, tbl) != 0 ||
                    json_object_set_new(cur, k.parts[i], arr) != 0) {
                    oom(t);
                    goto out;
                }
                if (set_flags(t, arr, A_TABLES) != KS_OK || set_flags(t, tbl, T_DEFINED) != KS_OK)
                    goto out;
                cur = tbl;
                break;
            }
            next = json_object();
            if (next == NULL || json_object_set_new(cur, k.parts[i], next) != 0) {
                oom(t);
                goto out;
            }
            if (set_flags(t, next, last ? T_DEFINED : T_IMPLICIT) != KS_OK)
                goto out;
            cur = next;
            continue;
        }
        if (json_is_array(next)) {
            if (!(f & A_TABLES)) {
                fail(t, KS_EPARSE, "'%s' is a static array", k.parts[i]);
                goto out;
            }
            if (last) {
                if (!array_of_tables) {
                    fail(t, KS_EPARSE, "'%s' is an array of tables", k.parts[i]);
                    goto out;
                }
                json_t *tbl = json_object();

                if (tbl == NULL || json_array_append_new(next, tbl) != 0) {
                    oom(t);
                    goto out;
                }
                if (set_flags(t, tbl, T_DEFINED) != KS_OK)
                    goto out;
                cur = tbl;
                break;
            }
            cur = json_array_get(next, json_array_size(next) - 1);
            continue;
        }
        if (!json_is_object(next) || (f & T_INLINE)) {
            fail(t, KS_EPARSE, "'%s' is already a value", k.parts[i]);
            goto out;
        }
        if (last) {
            if (array_of_tables || (f & (T_DEFINED | T_DOTTED))) {
                fail(t, KS_EPARSE, "table '%s' defined twice", k.parts[i]);
                goto out;
            }
            if (set_flags(t, next, (f & ~(unsigned)(T_IMPLICIT | F_SET)) | T_DEFINED) != KS_OK)
                goto out;
        }
        cur = next;
    }
    if (t->rc == KS_OK && end_of_line(t) == KS_OK)
        *out = cur;
out:
    rc = t->rc;
    key_release(&k);
    return rc;
}

static enum ks_code
document(struct tp *t, json_t *root)
{
    json_t *cur = root;

    while (!at_end(t)) {
        skip_ws(t);
        if (skip_comment(t) != KS_OK)
            return t->rc;
        if (eat_newline(t))
            continue;
        if (at_end(t))
            break;
        if (*t->p == '[') {
            if (header(t, root, peek(t, 1) == '[', &cur) != KS_OK)
                return t->rc;
            continue;
        }
        {
            struct key k;
            json_t *v = NULL;

            k.n = 0;
            if (parse_key(t, &k) != KS_OK) {
                key_release(&k);
                return t->rc;
            }
            skip_ws(t);
            if (at_end(t) || *t->p != '=') {
                key_release(&k);
                return fail(t, KS_EPARSE, "expected '=' after a key");
            }
            t->p++;
            skip_ws(t);
            if (value(t, &v) != KS_OK) {
                key_release(&k);
                return t->rc;
            }
            if (assign(t, cur, &k, v, false) != KS_OK) {
                key_release(&k);
                return t->rc;
            }
            key_release(&k);
            if (end_of_line(t) != KS_OK)
                return t->rc;
        }
    }
    return KS_OK;
}

enum ks_code
ks_toml_parse(const void *data, size_t len, const char *source, json_t **out, struct ks_err *err)
{
    struct tp t;
    json_t *root = NULL;
    size_t bad = 0;
    enum ks_code rc;

    memset(&t, 0, sizeof(t));
    t.start = t.p = data ? data : "";
    t.end = t.p + len;
    t.src = source ? source : "<input>";
    t.err = err;
    t.line = 1;
    t.line_start = t.p;
    ks_buf_init(&t.sbuf, len + 16);
    if (!valid_utf8((const unsigned char *)t.p, len, &bad)) {
        /* name the line of the bad byte */
        for (const char *q = t.p; q < t.p + bad; q++)
            if (*q == '\n') {
                t.line++;
                t.line_start = q + 1;
            }
        t.p += bad;
        rc = fail(&t, KS_EPARSE, "invalid UTF-8");
        goto out;
    }
    if (len >= 3 && memcmp(t.p, "\xef\xbb\xbf", 3) == 0) /* BOM */
        t.p += 3;
    t.flags = ks_map_new();
    root = json_object();
    if (t.flags == NULL || root == NULL) {
        rc = oom(&t);
        goto out;
    }
    if ((rc = document(&t, root)) != KS_OK)
        goto out;
    *out = root;
    root = NULL;
    rc = KS_OK;
out:
    json_decref(root);
    ks_map_free(t.flags);
    ks_buf_release(&t.sbuf);
    return rc;
}
