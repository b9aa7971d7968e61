/*
 * dpkg.c: Debian/Ubuntu version ordering, as `dpkg --compare-versions`
 * (dpkg 1.21: lib/dpkg/parsehelp.c parseversion() and lib/dpkg/version.c
 * verrevcmp()). What dpkg rejects with an error is KS_EPARSE here; what it
 * only warns about (no leading digit, odd characters) it still compares, and
 * so do we, the same way.
 */
#include "version/version_int.h"

#include <limits.h>

#include "base/banned.h"

struct deb_ver {
    long epoch;
    const char *up, *up_end;   /* upstream version */
    const char *rev, *rev_end; /* revision, empty when absent */
};

static bool
is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* C isspace() in the C locale: what strtol() skips before the epoch. */
static bool
is_cspace(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static const char *
parse(struct ks_str s, struct deb_ver *v)
{
    const char *p = s.ptr, *end = s.ptr + s.len, *colon = NULL, *q, *hyphen = NULL;

    while (p < end && is_blank(*p))
        p++;
    if (p == end)
        return "version string is empty";
    for (q = p; q < end && !is_blank(*q); q++)
        ;
    for (const char *r = q; r < end; r++)
        if (!is_blank(*r))
            return "version string has embedded spaces";
    end = q;
    for (q = p; q < end; q++)
        if (*q == ':') {
            colon = q;
            break;
        }
    v->epoch = 0;
    if (colon != NULL) {
        /* strtol(string, &end, 10) semantics: spaces, a sign, digits. */
        const char *d = p;
        bool neg = false, big = false;
        long e = 0;

        while (d < colon && is_cspace(*d))
            d++;
        if (d < colon && (*d == '+' || *d == '-'))
            neg = *d++ == '-';
        if (d == colon || !ver_isdigit(*d))
            return "epoch in version is empty"; /* strtol() converted nothing */
        for (; d < colon && ver_isdigit(*d); d++) {
            if (e > (LONG_MAX - (*d - '0')) / 10)
                big = true;
            else
                e = e * 10 + (*d - '0');
        }
        if (d != colon)
            return "epoch in version is not number";
        if (neg && (e != 0 || big))
            return "epoch in version is negative";
        if (big || e > INT_MAX)
            return "epoch in version is too big";
        if (colon + 1 == end)
            return "nothing after colon in version number";
        v->epoch = e;
        p = colon + 1;
    }
    for (q = p; q < end; q++)
        if (*q == '-')
            hyphen = q;
    v->up = p;
    if (hyphen != NULL) {
        if (hyphen + 1 == end)
            return "revision number is empty";
        v->up_end = hyphen;
        v->rev = hyphen + 1;
        v->rev_end = end;
    } else {
        v->up_end = end;
        v->rev = v->rev_end = end;
    }
    if (v->up == v->up_end)
        return "version number is empty";
    /* dpkg only warns about a missing leading digit and odd characters. */
    return NULL;
}

/*
 * dpkg's order(): digits 0, letters their code, '~' below everything
 * (even the end of the string), anything else after all letters. The byte is
 * a (signed) char in dpkg, so bytes >= 0x80 land between letters and
 * punctuation; we keep that.
 */
static int
order(const char *p, const char *end)
{
    int c;

    if (p >= end)
        return 0;
    c = (signed char)*p;
    if (ver_isdigit(*p))
        return 0;
    if (ver_isalpha(*p))
        return c;
    if (c == '~')
        return -1;
    return c + 256;
}

static int
verrevcmp(const char *a, const char *ae, const char *b, const char *be)
{
    while (a < ae || b < be) {
        int first_diff = 0;

        while ((a < ae && !ver_isdigit(*a)) || (b < be && !ver_isdigit(*b))) {
            int ac = order(a, ae), bc = order(b, be);

            if (ac != bc)
                return ac - bc;
            if (a < ae)
                a++;
            if (b < be)
                b++;
        }
        while (a < ae && *a == '0')
            a++;
        while (b < be && *b == '0')
            b++;
        while (a < ae && b < be && ver_isdigit(*a) && ver_isdigit(*b)) {
            if (!first_diff)
                first_diff = *a - *b;
            a++;
            b++;
        }
        if (a < ae && ver_isdigit(*a))
            return 1;
        if (b < be && ver_isdigit(*b))
            return -1;
        if (first_diff)
            return first_diff;
    }
    return 0;
}

enum ver_bad
ks_ver_cmp_dpkg(struct ks_str a, struct ks_str b, int *cmp, const char **why)
{
    struct deb_ver va, vb;
    int r;

    if ((*why = parse(a, &va)) != NULL)
        return VER_BAD_A;
    if ((*why = parse(b, &vb)) != NULL)
        return VER_BAD_B;
    if (va.epoch != vb.epoch) {
        *cmp = va.epoch < vb.epoch ? -1 : 1;
        return VER_OK;
    }
    r = verrevcmp(va.up, va.up_end, vb.up, vb.up_end);
    if (r == 0)
        r = verrevcmp(va.rev, va.rev_end, vb.rev, vb.rev_end);
    *cmp = ver_sign(r);
    return VER_OK;
}
