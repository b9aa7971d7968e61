/*
 * str.c: borrowed string views (struct ks_str) and the integer parser that
 * replaces atoi/strtol on untrusted input.
 */
#include "base/base.h"

#include <string.h>

#include "base/banned.h"

struct ks_str
ks_str_c(const char *s)
{
    if (s == NULL)
        return KS_STR_NULL;
    return (struct ks_str){s, strlen(s)};
}

struct ks_str
ks_str_make(const char *p, size_t n)
{
    return (struct ks_str){p, n};
}

bool
ks_str_eq(struct ks_str a, struct ks_str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

bool
ks_str_eq_c(struct ks_str a, const char *b)
{
    return ks_str_eq(a, ks_str_c(b));
}

static char
ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

bool
ks_str_ieq_c(struct ks_str a, const char *b)
{
    size_t n = strlen(b);

    if (a.len != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(a.ptr[i]) != ascii_lower(b[i]))
            return false;
    return true;
}

bool
ks_str_has_prefix(struct ks_str s, const char *prefix)
{
    size_t n = strlen(prefix);

    return s.len >= n && (n == 0 || memcmp(s.ptr, prefix, n) == 0);
}

bool
ks_str_has_suffix(struct ks_str s, const char *suffix)
{
    size_t n = strlen(suffix);

    return s.len >= n && (n == 0 || memcmp(s.ptr + s.len - n, suffix, n) == 0);
}

int
ks_str_cmp(struct ks_str a, struct ks_str b)
{
    size_t n = KS_MIN(a.len, b.len);
    int c = n ? memcmp(a.ptr, b.ptr, n) : 0;

    if (c != 0)
        return c < 0 ? -1 : 1;
    if (a.len == b.len)
        return 0;
    return a.len < b.len ? -1 : 1;
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

struct ks_str
ks_str_trim(struct ks_str s)
{
    while (s.len > 0 && is_space(s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len > 0 && is_space(s.ptr[s.len - 1]))
        s.len--;
    return s;
}

struct ks_str
ks_str_sub(struct ks_str s, size_t from, size_t len)
{
    if (from > s.len)
        from = s.len;
    if (len > s.len - from)
        len = s.len - from;
    return (struct ks_str){s.ptr + from, len};
}

ptrdiff_t
ks_str_find_char(struct ks_str s, char c)
{
    const char *hit = s.len ? memchr(s.ptr, c, s.len) : NULL;

    return hit ? hit - s.ptr : -1;
}

bool
ks_str_split2(struct ks_str s, char sep, struct ks_str *head, struct ks_str *tail)
{
    ptrdiff_t i = ks_str_find_char(s, sep);

    if (i < 0)
        return false;
    *head = (struct ks_str){s.ptr, (size_t)i};
    *tail = (struct ks_str){s.ptr + i + 1, s.len - (size_t)i - 1};
    return true;
}

enum ks_code
ks_parse_u64(struct ks_str s, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;

    if (s.len == 0)
        return KS_EPARSE;
    for (size_t i = 0; i < s.len; i++) {
        unsigned d;

        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return KS_EPARSE;
        d = (unsigned)(s.ptr[i] - '0');
        if (d > max || v > (max - d) / 10)
            return KS_ETOOBIG;
        v = v * 10 + d;
    }
    *out = v;
    return KS_OK;
}
