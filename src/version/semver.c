/*
 * semver.c: three schemes built on SemVer 2.0 precedence (semver.org §11).
 * - SEMVER (npm, crates.io, Hex, SwiftURL, OSV SEMVER ranges): the spec's
 *   grammar, with an optional leading "v" as node-semver accepts; numbers of
 *   any length.
 * - GO: golang.org/x/mod/semver (Compare), the "v" optional because OSV's Go
 *   records omit it; vMAJOR and vMAJOR.MINOR shorthands; build ignored, so
 *   +incompatible does not change the order; pseudo-versions order as the
 *   pre-releases they are.
 * - PUB: Dart's pub_semver Version.parse/compareTo: leading zeros allowed,
 *   numbers must fit in 64 bits, and build metadata orders too (after
 *   no-build, by the same identifier rules).
 */
#include "version/version_int.h"

#include <string.h>

#include "base/banned.h"

struct sv {
    struct ks_str num[3];
    struct ks_str pre;   /* without '-'; len 0: none */
    struct ks_str build; /* without '+'; len 0: none */
    bool has_pre, has_build;
};

static bool
ident_char(char c)
{
    return ver_isalnum(c) || c == '-';
}

static bool
all_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!ver_isdigit(p[i]))
            return false;
    return n > 0;
}

/* Dot-separated identifiers [0-9A-Za-z-]+; numeric ones without leading zeros if strict. */
static const char *
check_idents(struct ks_str s, bool strict_num, const char *what_empty, const char *what_zero)
{
    const char *p = s.ptr, *end = s.ptr + s.len;

    for (;;) {
        const char *q = p;

        while (q < end && *q != '.') {
            if (!ident_char(*q))
                return "identifiers may only hold [0-9A-Za-z-]";
            q++;
        }
        if (q == p)
            return what_empty;
        if (strict_num && q - p > 1 && *p == '0' && all_digits(p, (size_t)(q - p)))
            return what_zero;
        if (q == end)
            return NULL;
        p = q + 1;
    }
}

/* "0" or [1-9][0-9]*, or any digits when lax; advances *pp. */
static const char *
take_num(const char **pp, const char *end, bool lax, struct ks_str *out)
{
    const char *p = *pp;
    size_t n = ks_ver_span_digits(p, end);

    if (n == 0)
        return "expected a number";
    if (!lax && n > 1 && *p == '0')
        return "numbers may not have leading zeros";
    *out = ks_str_make(p, n);
    *pp = p + n;
    return NULL;
}

enum sv_mode { SV_SEMVER, SV_GO, SV_PUB };

static const char *
parse(struct ks_str s, enum sv_mode mode, struct sv *v)
{
    const char *p = s.ptr, *end = s.ptr + s.len, *why;
    int i;

    memset(v, 0, sizeof(*v));
    if (mode != SV_PUB && p < end && *p == 'v')
        p++;
    for (i = 0; i < 3; i++) {
        if (i > 0) {
            if (mode == SV_GO && p == end) {
                /* x/mod/semver: v1 = v1.0.0, v1.2 = v1.2.0, with nothing after */
                for (; i < 3; i++)
                    v->num[i] = KS_STR("0");
                return NULL;
            }
            if (p == end || *p != '.')
                return "expected MAJOR.MINOR.PATCH";
            p++;
        }
        if ((why = take_num(&p, end, mode == SV_PUB, &v->num[i])) != NULL)
            return why;
        if (mode == SV_PUB && ks_ver_digits_cmp(v->num[i].ptr, v->num[i].len, "9223372036854775807",
                                                19) > 0)
            return "number does not fit in 64 bits";
    }
    if (p < end && *p == '-') {
        const char *q = ++p;

        while (q < end && *q != '+')
            q++;
        v->pre = ks_str_make(p, (size_t)(q - p));
        v->has_pre = true;
        if ((why = check_idents(v->pre, mode != SV_PUB, "empty pre-release identifier",
                                "numeric pre-release identifier with a leading zero")) != NULL)
            return why;
        p = q;
    }
    if (p < end && *p == '+') {
        p++;
        v->build = ks_str_make(p, (size_t)(end - p));
        v->has_build = true;
        if ((why = check_idents(v->build, false, "empty build identifier", NULL)) != NULL)
            return why;
        p = end;
    }
    if (p != end)
        return "unexpected character after the version";
    return NULL;
}

/* Next dot-separated identifier of s from *pos; false at the end. */
static bool
next_ident(struct ks_str s, size_t *pos, struct ks_str *out)
{
    size_t i = *pos;

    if (i > s.len)
        return false;
    while (i < s.len && s.ptr[i] != '.')
        i++;
    *out = ks_str_make(s.ptr + *pos, i - *pos);
    *pos = i + 1;
    return true;
}

/*
 * Pub's int.tryParse() on an identifier: decimal with an optional sign, or
 * 0x-hex; must fit in int64. Numbers compare by value; we keep them as
 * (negative, value) for that.
 */
static bool
dart_int(struct ks_str s, bool *neg, uint64_t *val)
{
    size_t i = 0;
    uint64_t v = 0, lim;
    int base = 10;

    *neg = false;
    if (i < s.len && (s.ptr[i] == '-' || s.ptr[i] == '+'))
        *neg = s.ptr[i++] == '-';
    if (i + 1 < s.len && s.ptr[i] == '0' &&
        (s.ptr[i + 1] == 'x' || s.ptr[i + 1] == 'X')) {
        base = 16;
        i += 2;
    }
    if (i >= s.len)
        return false;
    lim = *neg ? (uint64_t)1 << 63 : ((uint64_t)1 << 63) - 1;
    for (; i < s.len; i++) {
        char c = s.ptr[i];
        unsigned d;

        if (ver_isdigit(c))
            d = (unsigned)(c - '0');
        else if (base == 16 && ver_lower(c) >= 'a' && ver_lower(c) <= 'f')
            d = (unsigned)(ver_lower(c) - 'a' + 10);
        else
            return false;
        if (v > (lim - d) / (unsigned)base)
            return false;
        v = v * (unsigned)base + d;
    }
    if (*neg && v == 0)
        *neg = false;
    *val = v;
    return true;
}

static int
cmp_ident(struct ks_str a, struct ks_str b, enum sv_mode mode)
{
    if (mode == SV_PUB) {
        bool an, bn;
        uint64_t av, bv;
        bool ai = dart_int(a, &an, &av), bi = dart_int(b, &bn, &bv);

        if (ai && bi) {
            if (an != bn)
                return an ? -1 : 1;
            if (av == bv)
                return 0;
            return (av < bv) != an ? -1 : 1;
        }
        if (ai)
            return -1;
        if (bi)
            return 1;
        return ks_ver_bytes_cmp(a.ptr, a.len, b.ptr, b.len);
    }
    /* SemVer §11.4: numeric < alphanumeric, numbers by value, the rest in ASCII order */
    bool ad = all_digits(a.ptr, a.len), bd = all_digits(b.ptr, b.len);

    if (ad && bd)
        return ks_ver_digits_cmp(a.ptr, a.len, b.ptr, b.len);
    if (ad)
        return -1;
    if (bd)
        return 1;
    return ks_ver_bytes_cmp(a.ptr, a.len, b.ptr, b.len);
}

static int
cmp_idents(struct ks_str a, struct ks_str b, enum sv_mode mode)
{
    size_t pa = 0, pb = 0;
    struct ks_str ia, ib;

    for (;;) {
        bool ha = next_ident(a, &pa, &ia), hb = next_ident(b, &pb, &ib);
        int c;

        if (!ha || !hb)
            return ha ? 1 : hb ? -1 : 0; /* a larger set of fields wins */
        if ((c = cmp_ident(ia, ib, mode)) != 0)
            return c;
    }
}

static int
compare(const struct sv *a, const struct sv *b, enum sv_mode mode)
{
    int c;

    for (int i = 0; i < 3; i++)
        if ((c = ks_ver_digits_cmp(a->num[i].ptr, a->num[i].len, b->num[i].ptr, b->num[i].len)))
            return c;
    if (a->has_pre != b->has_pre)
        return a->has_pre ? -1 : 1; /* a pre-release sorts before its release */
    if (a->has_pre && (c = cmp_idents(a->pre, b->pre, mode)) != 0)
        return c;
    if (mode != SV_PUB)
        return 0; /* build metadata does not order */
    if (a->has_build != b->has_build)
        return a->has_build ? 1 : -1; /* pub: builds sort after no build */
    return a->has_build ? cmp_idents(a->build, b->build, mode) : 0;
}

static enum ver_bad
cmp_mode(struct ks_str a, struct ks_str b, int *cmp, const char **why, enum sv_mode mode)
{
    struct sv va, vb;

    if ((*why = parse(a, mode, &va)) != NULL)
        return VER_BAD_A;
    if ((*why = parse(b, mode, &vb)) != NULL)
        return VER_BAD_B;
    *cmp = compare(&va, &vb, mode);
    return VER_OK;
}

enum ver_bad
ks_ver_cmp_semver(struct ks_str a, struct ks_str b, int *cmp, const char **why)
{
    return cmp_mode(a, b, cmp, why, SV_SEMVER);
}

enum ver_bad
ks_ver_cmp_go(struct ks_str a, struct ks_str b, int *cmp, const char **why)
{
    return cmp_mode(a, b, cmp, why, SV_GO);
}

enum ver_bad
ks_ver_cmp_pub(struct ks_str a, struct ks_str b, int *cmp, const char **why)
{
    return cmp_mode(a, b, cmp, why, SV_PUB);
}
