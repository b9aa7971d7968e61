/*
 * rubygems.c: Gem::Version (RubyGems 3.3): ANCHORED_VERSION_PATTERN, '-'
 * read as ".pre.", segments are runs of digits or letters, trailing zeros
 * dropped separately from the numeric prefix and from the part after the
 * first letter run, then compared pairwise with missing segments as 0 and
 * any string below any number (so 1.0.a < 1.0: a prerelease).
 */
#include "version/version_int.h"

#include <string.h>

#include "base/banned.h"

/* Ruby's \s: [ \t\r\n\f\v] */
static bool
is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool
ident(char c)
{
    return ver_isalnum(c) || c == '-';
}

/* \A\s*([0-9]+(?>\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?\s*\z */
static const char *
check(struct ks_str s, struct ks_str *core)
{
    const char *p = s.ptr, *end = s.ptr + s.len, *q;

    while (p < end && is_space(*p))
        p++;
    while (end > p && is_space(end[-1]))
        end--;
    if (p == end)
        return "version is blank"; /* Gem::Version takes it as "0"; we do not */
    q = p;
    if (!ver_isdigit(*p))
        return "must start with a digit";
    while (p < end && ver_isdigit(*p))
        p++;
    while (p + 1 < end && *p == '.' && ver_isalnum(p[1])) {
        p++;
        while (p < end && ver_isalnum(*p))
            p++;
    }
    if (p < end && *p == '-') {
        for (;;) {
            const char *r = ++p;

            while (p < end && ident(*p))
                p++;
            if (p == r)
                return "empty segment after '-' or '.'";
            if (p == end || *p != '.')
                break;
        }
    }
    if (p != end)
        return "malformed version number string";
    *core = ks_str_make(q, (size_t)(end - q));
    return NULL;
}

/*
 * Segments of `version.gsub("-", ".pre.")`: digit runs and letter runs; the
 * '-' itself becomes the letter run "pre".
 */
struct segs {
    struct ks_str s;
    size_t pos;
    bool pending_pre; /* a '-' was seen: yield "pre" next */
};

enum { SEG_END, SEG_NUM, SEG_STR };

static int
next_seg(struct segs *it, struct ks_str *out)
{
    const char *p = it->s.ptr, *end = it->s.ptr + it->s.len;
    size_t i = it->pos;

    if (it->pending_pre) {
        it->pending_pre = false;
        *out = KS_STR("pre");
        return SEG_STR;
    }
    while (i < it->s.len && !ver_isalnum(p[i])) {
        if (p[i] == '-') {
            it->pos = i + 1;
            *out = KS_STR("pre");
            return SEG_STR;
        }
        i++;
    }
    if (i >= it->s.len) {
        it->pos = i;
        return SEG_END;
    }
    size_t j = i;

    if (ver_isdigit(p[i])) {
        while (p + j < end && ver_isdigit(p[j]))
            j++;
        *out = ks_str_make(p + i, j - i);
        it->pos = j;
        return SEG_NUM;
    }
    while (p + j < end && ver_isalpha(p[j]))
        j++;
    *out = ks_str_make(p + i, j - i);
    it->pos = j;
    return SEG_STR;
}

#define GEM_MAX_SEGS (2 * KS_VER_MAX_LEN + 2)

struct gem {
    struct ks_str seg[GEM_MAX_SEGS];
    uint8_t kind[GEM_MAX_SEGS];
    size_t n;
};

static bool
is_zero(struct ks_str s)
{
    for (size_t i = 0; i < s.len; i++)
        if (s.ptr[i] != '0')
            return false;
    return true;
}

/* canonical_segments: drop trailing zeros of the numeric prefix and of the rest. */
static void
canonical(struct ks_str core, struct gem *g)
{
    struct segs it = {core, 0, false};
    struct ks_str s;
    int k;
    size_t first_str = (size_t)-1, keep_num;

    g->n = 0;
    while ((k = next_seg(&it, &s)) != SEG_END && g->n < GEM_MAX_SEGS) {
        if (k == SEG_STR && first_str == (size_t)-1)
            first_str = g->n;
        g->seg[g->n] = s;
        g->kind[g->n++] = (uint8_t)k;
    }
    if (first_str == (size_t)-1)
        first_str = g->n;
    keep_num = first_str;
    while (keep_num > 0 && is_zero(g->seg[keep_num - 1]))
        keep_num--;
    while (g->n > first_str && g->kind[g->n - 1] == SEG_NUM && is_zero(g->seg[g->n - 1]))
        g->n--;
    if (keep_num < first_str) {
        memmove(&g->seg[keep_num], &g->seg[first_str], (g->n - first_str) * sizeof(g->seg[0]));
        memmove(&g->kind[keep_num], &g->kind[first_str], (g->n - first_str) * sizeof(g->kind[0]));
        g->n -= first_str - keep_num;
    }
}

static int
compare(const struct gem *a, const struct gem *b)
{
    size_t n = a->n > b->n ? a->n : b->n;

    for (size_t i = 0; i < n; i++) {
        struct ks_str x = i < a->n ? a->seg[i] : KS_STR("0");
        struct ks_str y = i < b->n ? b->seg[i] : KS_STR("0");
        int kx = i < a->n ? a->kind[i] : SEG_NUM, ky = i < b->n ? b->kind[i] : SEG_NUM, c;

        if (kx != ky)
            return kx == SEG_STR ? -1 : 1;
        c = kx == SEG_NUM ? ks_ver_digits_cmp(x.ptr, x.len, y.ptr, y.len)
                          : ks_ver_bytes_cmp(x.ptr, x.len, y.ptr, y.len);
        if (c)
            return c;
    }
    return 0;
}

enum ver_bad
ks_ver_cmp_rubygems(struct ks_str a, struct ks_str b, int *cmp, const char **why)
{
    struct ks_str ca, cb;
    struct gem ga, gb;

    if ((*why = check(a, &ca)) != NULL)
        return VER_BAD_A;
    if ((*why = check(b, &cb)) != NULL)
        return VER_BAD_B;
    canonical(ca, &ga);
    canonical(cb, &gb);
    *cmp = compare(&ga, &gb);
    return VER_OK;
}
