/*
 * listver.c: the two schemes whose versions are plain lists of numbers,
 * ordered element by element, a shorter list first when it is a prefix of
 * the longer one (so 1.0 < 1.0.0):
 * - CRAN: R's package_version(): at least two numbers separated by '.' or
 *   '-' ("1.2-3").
 * - Hackage: Cabal's Version: numbers separated by '.', no leading zeros, at
 *   most 9 digits each.
 */
#include "version/version_int.h"

#include "base/banned.h"

static const char *
check(struct ks_str s, bool cran)
{
    const char *p = s.ptr, *end = s.ptr + s.len;
    int parts = 0;

    for (;;) {
        size_t n = ks_ver_span_digits(p, end);

        if (n == 0)
            return cran ? "expected numbers separated by '.' or '-'" : "expected numbers separated by '.'";
        if (!cran && n > 1 && *p == '0')
            return "version digit with leading zero";
        if (!cran && n > 9)
            return "at most 9 digits are allowed per version number part";
        p += n;
        parts++;
        if (p == end)
            break;
        if (*p != '.' && !(cran && *p == '-'))
            return cran ? "expected numbers separated by '.' or '-'" : "expected numbers separated by '.'";
        p++;
    }
    if (cran && parts < 2)
        return "a package version needs at least two numbers";
    return NULL;
}

static int
compare(struct ks_str a, struct ks_str b)
{
    const char *p = a.ptr, *pe = a.ptr + a.len, *q = b.ptr, *qe = b.ptr + b.len;

    for (;;) {
        size_t n, m;
        int c;

        if (p >= pe || q >= qe)
            return (p < pe) - (q < qe);
        n = ks_ver_span_digits(p, pe);
        m = ks_ver_span_digits(q, qe);
        if ((c = ks_ver_digits_cmp(p, n, q, m)) != 0)
            return c;
        p += n + 1;
        q += m + 1;
    }
}

static enum ver_bad
cmp_lists(struct ks_str a, struct ks_str b, int *cmp, const char **why, bool cran)
{
    if ((*why = check(a, cran)) != NULL)
        return VER_BAD_A;
    if ((*why = check(b, cran)) != NULL)
        return VER_BAD_B;
    *cmp = compare(a, b);
    return VER_OK;
}

enum ver_bad
ks_ver_cmp_cran(struct ks_str a, struct ks_str b, int *cmp, const char **why)
{
    return cmp_lists(a, b, cmp, why, true);
}

enum ver_bad
ks_ver_cmp_hackage(struct ks_str a, struct ks_str b, int *cmp, const char **why)
{
    return cmp_lists(a, b, cmp, why, false);
}
