/*
 * pep440.c: Python package versions as packaging.version.Version (PEP 440):
 * VERSION_PATTERN (case-insensitive, optional "v", surrounding whitespace)
 * and the _cmpkey() order: epoch, release (trailing zeros dropped), pre
 * (a < b < rc; dev-only releases before all pre-releases), post, dev, local
 * (numeric segments > alphanumeric ones). Normalisation falls out of the
 * parse: "1.0-1" == "1.0.post1", "1.0alpha" == "1.0a0", "RC" == "rc".
 * Non-ASCII input is rejected (packaging's Unicode case folding would take
 * e.g. U+212A KELVIN SIGN for "k"; no real version relies on that).
 */
#include "version/version_int.h"

#include <string.h>

#include "base/banned.h"

enum { PRE_A, PRE_B, PRE_RC };

struct pep {
    struct ks_str epoch; /* digits; "0" when absent */
    struct ks_str release;
    bool has_pre, has_post, has_dev, has_local;
    int pre_l;
    struct ks_str pre_n, post_n, dev_n; /* digits; len 0 means 0 */
    struct ks_str local;
};

/* Python's \s over ASCII (str patterns also take \x1c-\x1f as space). */
static bool
is_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f);
}

static bool
is_sep(char c)
{
    return c == '-' || c == '_' || c == '.';
}

/* Case-insensitive keyword at p; returns its length or 0. */
static size_t
keyword(const char *p, const char *end, const char *kw)
{
    size_t n = strlen(kw);

    if ((size_t)(end - p) < n || !ks_ver_ieq(p, n, kw))
        return 0;
    return n;
}

static struct ks_str
digits_at(const char **pp, const char *end)
{
    size_t n = ks_ver_span_digits(*pp, end);
    struct ks_str s = ks_str_make(*pp, n);

    *pp += n;
    return s;
}

/* [-_.]? KEYWORD [-_.]? [0-9]* with keywords tried longest first, as the
 * regex alternation ends up choosing. Returns the keyword index or -1. */
static int
letter_part(const char **pp, const char *end, const char *const *kws, size_t nkw,
            struct ks_str *num)
{
    const char *p = *pp;

    if (p < end && is_sep(*p))
        p++;
    for (size_t i = 0; i < nkw; i++) {
        size_t n = keyword(p, end, kws[i]);

        if (n == 0)
            continue;
        p += n;
        if (p < end && is_sep(*p))
            p++;
        *num = digits_at(&p, end);
        *pp = p;
        return (int)i;
    }
    return -1;
}

static const char *
parse(struct ks_str s, struct pep *v)
{
    static const char *const pre_kws[] = {"preview", "alpha", "beta", "pre", "rc", "a", "b", "c"};
    static const int pre_rank[] = {PRE_RC, PRE_A, PRE_B, PRE_RC, PRE_RC, PRE_A, PRE_B, PRE_RC};
    static const char *const post_kws[] = {"post", "rev", "r"};
    static const char *const dev_kws[] = {"dev"};
    const char *p = s.ptr, *end = s.ptr + s.len, *q;
    struct ks_str d;
    int k;

    memset(v, 0, sizeof(*v));
    for (size_t i = 0; i < s.len; i++)
        if ((unsigned char)s.ptr[i] >= 0x80)
            return "non-ASCII character";
    while (p < end && is_space(*p))
        p++;
    while (end > p && is_space(end[-1]))
        end--;
    if (p < end && (*p == 'v' || *p == 'V'))
        p++;
    d = digits_at(&p, end);
    if (d.len == 0)
        return "expected a release number";
    if (p < end && *p == '!') {
        v->epoch = d;
        p++;
        d = digits_at(&p, end);
        if (d.len == 0)
            return "expected a release number after the epoch";
    } else {
        v->epoch = KS_STR("0");
    }
    q = d.ptr;
    while (p + 1 < end && *p == '.' && ver_isdigit(p[1])) {
        p++;
        (void)digits_at(&p, end);
    }
    v->release = ks_str_make(q, (size_t)(p - q));
    /* pre-release */
    q = p;
    if ((k = letter_part(&q, end, pre_kws, KS_ARRAY_LEN(pre_kws), &v->pre_n)) >= 0) {
        v->has_pre = true;
        v->pre_l = pre_rank[k];
        p = q;
    }
    /* post-release: "-N" or [-_.]? (post|rev|r) [-_.]? N? */
    if (p + 1 < end && *p == '-' && ver_isdigit(p[1])) {
        p++;
        v->post_n = digits_at(&p, end);
        v->has_post = true;
    } else {
        q = p;
        if (letter_part(&q, end, post_kws, KS_ARRAY_LEN(post_kws), &v->post_n) >= 0) {
            v->has_post = true;
            p = q;
        }
    }
    q = p;
    if (letter_part(&q, end, dev_kws, 1, &v->dev_n) >= 0) {
        v->has_dev = true;
        p = q;
    }
    if (p < end && *p == '+') {
        q = ++p;
        for (;;) {
            const char *r = p;

            while (p < end && ver_isalnum(*p))
                p++;
            if (p == r)
                return "empty local version segment";
            if (p == end || !is_sep(*p))
                break;
            p++;
        }
        v->local = ks_str_make(q, (size_t)(p - q));
        v->has_local = true;
    }
    if (p != end)
        return "not a PEP 440 version";
    return NULL;
}

static int
num_cmp(struct ks_str a, struct ks_str b)
{
    return ks_ver_digits_cmp(a.ptr, a.len, b.ptr, b.len);
}

/* Next '.'-separated release component; false at the end. */
static bool
next_comp(struct ks_str *rest, struct ks_str *comp)
{
    const char *p = rest->ptr, *end = rest->ptr + rest->len;
    size_t n;

    if (rest->len == 0)
        return false;
    if (*p == '.')
        p++;
    n = ks_ver_span_digits(p, end);
    *comp = ks_str_make(p, n);
    *rest = ks_str_make(p + n, (size_t)(end - p - (ptrdiff_t)n));
    return true;
}

static int
release_cmp(struct ks_str a, struct ks_str b)
{
    struct ks_str ca, cb;

    for (;;) {
        bool ha = next_comp(&a, &ca), hb = next_comp(&b, &cb);
        int c;

        if (!ha && !hb)
            return 0;
        /* trailing zeros do not count: a missing component compares as 0 */
        if ((c = num_cmp(ha ? ca : KS_STR("0"), hb ? cb : KS_STR("0"))) != 0)
            return c;
    }
}

/* Next local segment from *pos; false at the end. */
static bool
next_local(struct ks_str s, size_t *pos, struct ks_str *out)
{
    size_t i = *pos;

    if (i > s.len || s.len == 0)
        return false;
    while (i < s.len && !is_sep(s.ptr[i]))
        i++;
    *out = ks_str_make(s.ptr + *pos, i - *pos);
    *pos = i + 1;
    return true;
}

static bool
all_digits(struct ks_str s)
{
    return ks_ver_span_digits(s.ptr, s.ptr + s.len) == s.len;
}

static int
local_cmp(struct ks_str a, struct ks_str b)
{
    size_t pa = 0, pb = 0;
    struct ks_str sa, sb;

    for (;;) {
        bool ha = next_local(a, &pa, &sa), hb = next_local(b, &pb, &sb);
        bool da, db;

        if (!ha || !hb)
            return ha ? 1 : hb ? -1 : 0;
        da = all_digits(sa);
        db = all_digits(sb);
        if (da && db) {
            int c = num_cmp(sa, sb);

            if (c)
                return c;
        } else if (da != db) {
            return da ? 1 : -1; /* (int, "") > (-Infinity, str) */
        } else {
            size_t n = sa.len < sb.len ? sa.len : sb.len;

            for (size_t i = 0; i < n; i++) {
                char x = ver_lower(sa.ptr[i]), y = ver_lower(sb.ptr[i]);

                if (x != y)
                    return x < y ? -1 : 1;
            }
            if (sa.len != sb.len)
                return sa.len < sb.len ? -1 : 1;
        }
    }
}

/* _cmpkey's pre: -inf for dev-only releases, +inf without a pre-release. */
static int
pre_key_cmp(const struct pep *a, const struct pep *b)
{
    int ka = a->has_pre ? 1 : (!a->has_post && a->has_dev) ? 0 : 2;
    int kb = b->has_pre ? 1 : (!b->has_post && b->has_dev) ? 0 : 2;

    if (ka != kb)
        return ka < kb ? -1 : 1;
    if (ka != 1)
        return 0;
    if (a->pre_l != b->pre_l)
        return a->pre_l < b->pre_l ? -1 : 1;
    return num_cmp(a->pre_n, b->pre_n);
}

static int
compare(const struct pep *a, const struct pep *b)
{
    int c;

    if ((c = num_cmp(a->epoch, b->epoch)) || (c = release_cmp(a->release, b->release)) ||
        (c = pre_key_cmp(a, b)))
        return c;
    if (a->has_post != b->has_post)
        return a->has_post ? 1 : -1; /* no post: -inf */
    if (a->has_post && (c = num_cmp(a->post_n, b->post_n)))
        return c;
    if (a->has_dev != b->has_dev)
        return a->has_dev ? -1 : 1; /* no dev: +inf */
    if (a->has_dev && (c = num_cmp(a->dev_n, b->dev_n)))
        return c;
    if (a->has_local != b->has_local)
        return a->has_local ? 1 : -1; /* no local: -inf */
    return a->has_local ? local_cmp(a->local, b->local) : 0;
}

enum ver_bad
ks_ver_cmp_pep440(struct ks_str a, struct ks_str b, int *cmp, const char **why)
{
    struct pep va, vb;

    if ((*why = parse(a, &va)) != NULL)
        return VER_BAD_A;
    if ((*why = parse(b, &vb)) != NULL)
        return VER_BAD_B;
    *cmp = compare(&va, &vb);
    return VER_OK;
}
