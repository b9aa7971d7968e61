/*
 * rpm.c: RPM ordering of [epoch:]version[-release] strings, as rpm 4.18's
 * rpmverParse()/rpmverCmp() (lib/rpmver.c) over rpmvercmp() (lib/rpmvercmp.c),
 * including `~` (sorts before everything, even the end) and `^` (sorts after
 * the end but before anything else). rpm orders any string, so only the
 * shared limits (empty, NUL, length) make an RPM version invalid.
 */
#include "version/version_int.h"

#include <string.h>

#include "base/banned.h"

struct rpm_ver {
    struct ks_str e; /* ptr NULL: no epoch (compared as "0") */
    struct ks_str v;
    struct ks_str r; /* ptr NULL: no release */
};

/* parseEVR(): leading digits then ':' make an epoch; the last '-' after them
 * starts the release. */
static void
parse(struct ks_str s, struct rpm_ver *out)
{
    const char *p = s.ptr, *end = s.ptr + s.len, *se = NULL;

    while (p < end && ver_isdigit(*p))
        p++;
    for (const char *q = p; q < end; q++)
        if (*q == '-')
            se = q;
    if (p < end && *p == ':') {
        out->e = p == s.ptr ? KS_STR("0") : ks_str_make(s.ptr, (size_t)(p - s.ptr));
        out->v.ptr = p + 1;
    } else {
        out->e = KS_STR_NULL;
        out->v.ptr = s.ptr;
    }
    if (se != NULL) {
        out->v.len = (size_t)(se - out->v.ptr);
        out->r = ks_str_make(se + 1, (size_t)(end - se - 1));
    } else {
        out->v.len = (size_t)(end - out->v.ptr);
        out->r = KS_STR_NULL;
    }
}

static bool
is_sep(char c)
{
    return !ver_isalnum(c) && c != '~' && c != '^';
}

/* rpmvercmp() over (ptr, len) strings. */
static int
rpmvercmp(struct ks_str sa, struct ks_str sb)
{
    const char *one = sa.ptr, *ae = sa.ptr + sa.len;
    const char *two = sb.ptr, *be = sb.ptr + sb.len;

    if (sa.len == sb.len && (sa.len == 0 || memcmp(sa.ptr, sb.ptr, sa.len) == 0))
        return 0;
    while (one < ae || two < be) {
        const char *s1, *s2;
        bool isnum;
        int rc;

        while (one < ae && is_sep(*one))
            one++;
        while (two < be && is_sep(*two))
            two++;
        if ((one < ae && *one == '~') || (two < be && *two == '~')) {
            if (one >= ae || *one != '~')
                return 1;
            if (two >= be || *two != '~')
                return -1;
            one++, two++;
            continue;
        }
        if ((one < ae && *one == '^') || (two < be && *two == '^')) {
            if (one >= ae)
                return -1;
            if (two >= be)
                return 1;
            if (*one != '^')
                return 1;
            if (*two != '^')
                return -1;
            one++, two++;
            continue;
        }
        if (!(one < ae && two < be))
            break;
        s1 = one;
        s2 = two;
        if (ver_isdigit(*s1)) {
            while (s1 < ae && ver_isdigit(*s1))
                s1++;
            while (s2 < be && ver_isdigit(*s2))
                s2++;
            isnum = true;
        } else {
            while (s1 < ae && ver_isalpha(*s1))
                s1++;
            while (s2 < be && ver_isalpha(*s2))
                s2++;
            isnum = false;
        }
        if (two == s2) /* segments of different kinds: numbers are newer */
            return isnum ? 1 : -1;
        if (isnum)
            rc = ks_ver_digits_cmp(one, (size_t)(s1 - one), two, (size_t)(s2 - two));
        else
            rc = ks_ver_bytes_cmp(one, (size_t)(s1 - one), two, (size_t)(s2 - two));
        if (rc)
            return rc;
        one = s1;
        two = s2;
    }
    if (one >= ae && two >= be)
        return 0;
    return one >= ae ? -1 : 1;
}

/* rpmverCmp()'s compare_values(): absent < present. */
static int
compare_values(struct ks_str a, struct ks_str b)
{
    if (a.ptr == NULL && b.ptr == NULL)
        return 0;
    if (b.ptr == NULL)
        return 1;
    if (a.ptr == NULL)
        return -1;
    return rpmvercmp(a, b);
}

enum ver_bad
ks_ver_cmp_rpm(struct ks_str a, struct ks_str b, int *cmp, const char **why)
{
    struct rpm_ver va, vb;
    int rc;

    (void)why;
    parse(a, &va);
    parse(b, &vb);
    if (va.e.ptr == NULL)
        va.e = KS_STR("0");
    if (vb.e.ptr == NULL)
        vb.e = KS_STR("0");
    rc = compare_values(va.e, vb.e);
    if (rc == 0)
        rc = compare_values(va.v, vb.v);
    if (rc == 0)
        rc = compare_values(va.r, vb.r);
    *cmp = ver_sign(rc);
    return VER_OK;
}
