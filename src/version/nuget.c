/*
 * nuget.c: NuGet ordering as NuGet.Versioning's NuGetVersion.TryParse() and
 * VersionComparer (VersionComparison.Default): up to four numeric parts
 * (System.Version, each an Int32; "1" means "1.0"), release labels compared
 * as SemVer 2.0 identifiers but case-insensitively, numeric labels by value
 * (labels that Int32 cannot hold compare as text, as Int32.TryParse fails on
 * them), build metadata ignored. System.Version would also take spaces and a
 * '+' sign inside a part; we reject those.
 */
#include "version/version_int.h"

#include <string.h>

#include "base/banned.h"

struct nv {
    struct ks_str part[4];
    int nparts;
    struct ks_str labels; /* after '-', before '+'; ptr NULL: none */
};

static bool
label_char(char c)
{
    return ver_isalnum(c) || c == '-';
}

static bool
fits_int32(const char *p, size_t n)
{
    return ks_ver_digits_cmp(p, n, "2147483647", 10) <= 0;
}

/* IsValidPart(): non-empty, [0-9A-Za-z-], no leading zero on an all-digit part (unless allowed). */
static const char *
check_parts(struct ks_str s, bool allow_zeros)
{
    const char *p = s.ptr, *end = s.ptr + s.len;

    for (;;) {
        const char *q = p;
        bool digits = true;

        while (q < end && *q != '.') {
            if (!label_char(*q))
                return "labels may only hold [0-9A-Za-z-]";
            digits = digits && ver_isdigit(*q);
            q++;
        }
        if (q == p)
            return "empty label";
        if (!allow_zeros && q - p > 1 && *p == '0' && digits)
            return "numeric label with a leading zero";
        if (q == end)
            return NULL;
        p = q + 1;
    }
}

static const char *
parse(struct ks_str s, struct nv *v)
{
    const char *p = s.ptr, *end = s.ptr + s.len, *q, *why;
    const char *dash = NULL, *plus = NULL;

    memset(v, 0, sizeof(*v));
    /* .NET Trim(): white space at both ends */
    while (p < end && (*p == ' ' || (*p >= '\t' && *p <= '\r')))
        p++;
    while (end > p && (end[-1] == ' ' || (end[-1] >= '\t' && end[-1] <= '\r')))
        end--;
    for (q = p; q < end; q++) {
        if (dash == NULL && plus == NULL && *q == '-')
            dash = q;
        else if (plus == NULL && *q == '+')
            plus = q;
    }
    q = dash ? dash : plus ? plus : end;
    /* System.Version: 2 to 4 parts; "1" is read as "1.0" */
    for (const char *r = p; r <= q;) {
        const char *t = r;

        while (t < q && *t != '.')
            t++;
        if (v->nparts == 4)
            return "more than four numeric parts";
        if (t == r || ks_ver_span_digits(r, t) != (size_t)(t - r))
            return "version parts must be numbers";
        if (!fits_int32(r, (size_t)(t - r)))
            return "version part does not fit in Int32";
        v->part[v->nparts++] = ks_str_make(r, (size_t)(t - r));
        if (t == q)
            break;
        r = t + 1;
    }
    for (int i = v->nparts; i < 4; i++)
        v->part[i] = KS_STR("0");
    if (dash != NULL) {
        const char *le = plus ? plus : end;

        v->labels = ks_str_make(dash + 1, (size_t)(le - dash - 1));
        if ((why = check_parts(v->labels, false)) != NULL)
            return why;
    }
    if (plus != NULL) {
        struct ks_str meta = ks_str_make(plus + 1, (size_t)(end - plus - 1));

        if ((why = check_parts(meta, true)) != NULL)
            return why;
    }
    return NULL;
}

/* Int32.TryParse on a label: optional '-', digits, in range. */
static bool
label_int(struct ks_str s, bool *neg, struct ks_str *digits)
{
    size_t i = 0;

    *neg = false;
    if (s.len > 0 && s.ptr[0] == '-')
        *neg = true, i = 1;
    if (i == s.len || ks_ver_span_digits(s.ptr + i, s.ptr + s.len) != s.len - i)
        return false;
    *digits = ks_str_make(s.ptr + i, s.len - i);
    if (*neg)
        return ks_ver_digits_cmp(digits->ptr, digits->len, "2147483648", 10) <= 0;
    return fits_int32(digits->ptr, digits->len);
}

static bool
next_label(struct ks_str s, size_t *pos, struct ks_str *out)
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

static int
label_cmp(struct ks_str a, struct ks_str b)
{
    bool an, bn;
    struct ks_str ad, bd;
    bool ai = label_int(a, &an, &ad), bi = label_int(b, &bn, &bd);

    if (ai && bi) {
        bool az = ks_ver_digits_cmp(ad.ptr, ad.len, "0", 1) == 0;
        bool bz = ks_ver_digits_cmp(bd.ptr, bd.len, "0", 1) == 0;

        if (az)
            an = false;
        if (bz)
            bn = false;
        if (an != bn)
            return an ? -1 : 1;
        int c = ks_ver_digits_cmp(ad.ptr, ad.len, bd.ptr, bd.len);

        return an ? -c : c;
    }
    if (ai || bi)
        return ai ? -1 : 1; /* numeric labels come before alphanumeric ones */
    /* StringComparer.OrdinalIgnoreCase: upper-case both, compare code units */
    for (size_t i = 0; i < a.len && i < b.len; i++) {
        char x = a.ptr[i], y = b.ptr[i];

        x = (x >= 'a' && x <= 'z') ? (char)(x - 32) : x;
        y = (y >= 'a' && y <= 'z') ? (char)(y - 32) : y;
        if (x != y)
            return (unsigned char)x < (unsigned char)y ? -1 : 1;
    }
    return a.len < b.len ? -1 : a.len > b.len ? 1 : 0;
}

static int
compare(const struct nv *a, const struct nv *b)
{
    size_t pa = 0, pb = 0;
    struct ks_str la, lb;
    int c;

    for (int i = 0; i < 4; i++)
        if ((c = ks_ver_digits_cmp(a->part[i].ptr, a->part[i].len, b->part[i].ptr,
                                   b->part[i].len)))
            return c;
    if ((a->labels.ptr == NULL) != (b->labels.ptr == NULL))
        return a->labels.ptr == NULL ? 1 : -1; /* a release is newer than its pre-releases */
    if (a->labels.ptr == NULL)
        return 0;
    for (;;) {
        bool ha = next_label(a->labels, &pa, &la), hb = next_label(b->labels, &pb, &lb);

        if (!ha || !hb)
            return ha ? 1 : hb ? -1 : 0;
        if ((c = label_cmp(la, lb)) != 0)
            return c;
    }
}

enum ver_bad
ks_ver_cmp_nuget(struct ks_str a, struct ks_str b, int *cmp, const char **why)
{
    struct nv va, vb;

    if ((*why = parse(a, &va)) != NULL)
        return VER_BAD_A;
    if ((*why = parse(b, &vb)) != NULL)
        return VER_BAD_B;
    *cmp = compare(&va, &vb);
    return VER_OK;
}
