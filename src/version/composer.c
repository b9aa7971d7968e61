/*
 * composer.c: Packagist ordering as Composer orders packages: each version
 * is normalised like composer/semver VersionParser::normalize() ("1.0" ->
 * "1.0.0.0", "1.0b2" -> "1.0.0.0-beta2", "1.x-dev" ->
 * "1.9999999.9999999.9999999-dev", "dev-main" stays a branch), then the
 * normalised strings are ordered by PHP's version_compare(), as
 * Constraint::versionCompare() does. What normalize() rejects ("Invalid
 * version string") is KS_EPARSE. We never build the normalised string: we
 * emit the tokens version_compare() would split it into.
 *
 * Branches ("dev-foo") sort below every version, as version_compare() puts
 * them; Composer refuses to order two different branches, we order them by
 * name so that the order is total (equal only when the names are).
 */
#include "version/version_int.h"

#include <string.h>

#include "base/banned.h"

#define CMP_MAX_TOKENS (KS_VER_MAX_LEN + 8)

enum { TK_NUM, TK_WORD };

struct ctok {
    const char *p;
    uint16_t n;
    uint8_t kind;
};

struct cver {
    bool branch;
    struct ks_str branch_name;
    struct ctok t[CMP_MAX_TOKENS];
    int n;
};

static void
push(struct cver *v, const char *p, size_t n, int kind)
{
    if (v->n < CMP_MAX_TOKENS)
        v->t[v->n++] = (struct ctok){p, (uint16_t)n, (uint8_t)kind};
}

/* PHP trim()'s set, and PCRE's \s. */
static bool
php_trim_char(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\0';
}

static bool
pcre_space(char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool
ieq_prefix(const char *p, const char *end, const char *lit)
{
    size_t n = strlen(lit);

    return (size_t)(end - p) >= n && ks_ver_ieq(p, n, lit);
}

/*
 * The modifier tail shared by the classical and the date patterns:
 * [._-]?(?:(stable|beta|b|RC|alpha|a|patch|pl|p)((?:[.-]?\d+)*+)?)?([.-]?dev)?$
 * On success appends the tokens of the normalised modifiers. Returns false
 * when the tail does not match.
 */
static bool
modifier(const char *p, const char *end, struct cver *v)
{
    static const char *const words[] = {"stable", "beta", "b", "rc", "alpha", "a", "patch", "pl",
                                        "p"};
    static const char *const expanded[] = {"stable", "beta",  "beta", "RC", "alpha",
                                           "alpha",  "patch", "patch", "patch"};
    const char *starts[2] = {p, NULL};
    int nstarts = 1;

    if (p < end && (*p == '.' || *p == '_' || *p == '-'))
        starts[nstarts++] = p + 1; /* [._-]? taken; the regex tries this first */
    for (int s = nstarts - 1; s >= 0; s--) {
        const char *q = starts[s], *word = NULL, *nums = NULL, *nums_end = NULL;
        size_t wi = 0, wlen = 0;
        bool dev = false;

        for (wi = 0; wi < KS_ARRAY_LEN(words); wi++) {
            if (ieq_prefix(q, end, words[wi])) {
                word = q;
                wlen = strlen(words[wi]);
                q += wlen;
                break;
            }
        }
        if (word != NULL) {
            nums = q;
            for (;;) { /* ((?:[.-]?\d+)*+) */
                const char *r = q;

                if (r < end && (*r == '.' || *r == '-'))
                    r++;
                if (r == end || !ver_isdigit(*r))
                    break;
                while (r < end && ver_isdigit(*r))
                    r++;
                q = r;
            }
            nums_end = q;
        }
        {
            const char *r = q;

            if (r < end && (*r == '.' || *r == '-'))
                r++;
            if (ieq_prefix(r, end, "dev") && r + 3 == end) {
                dev = true;
                q = end;
            }
        }
        if (q != end)
            continue;
        if (word != NULL) {
            /* 'stable' === $matches[...]: only the lower-case spelling returns early */
            if (wi == 0 && memcmp(word, "stable", 6) == 0)
                return true;
            push(v, expanded[wi], strlen(expanded[wi]), TK_WORD);
            for (const char *r = nums; r < nums_end;) {
                const char *d;

                while (r < nums_end && !ver_isdigit(*r))
                    r++;
                d = r;
                while (r < nums_end && ver_isdigit(*r))
                    r++;
                if (r > d)
                    push(v, d, (size_t)(r - d), TK_NUM);
            }
        }
        if (dev)
            push(v, "dev", 3, TK_WORD);
        return true;
    }
    return false;
}

/* ^v?(\d{1,5})(\.\d++)?(\.\d++)?(\.\d++)? + modifier */
static bool
classical(const char *p, const char *end, struct cver *v)
{
    size_t n;
    int comps = 1;

    if (p < end && (*p == 'v' || *p == 'V'))
        p++;
    n = ks_ver_span_digits(p, end);
    if (n == 0 || n > 5)
        return false;
    v->n = 0;
    push(v, p, n, TK_NUM);
    p += n;
    while (comps < 4 && p + 1 < end && *p == '.' && ver_isdigit(p[1])) {
        p++;
        n = ks_ver_span_digits(p, end);
        push(v, p, n, TK_NUM);
        p += n;
        comps++;
    }
    for (; comps < 4; comps++)
        push(v, "0", 1, TK_NUM);
    return modifier(p, end, v);
}

/* Does the digits/separators run P match \d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3})? exactly? */
static bool
date_group(const char *p, const char *end)
{
    int groups = 0;

    if (ks_ver_span_digits(p, end) < 4)
        return false;
    p += 4;
    for (;;) {
        const char *q = p;
        size_t n;

        if (q == end)
            return groups >= 1;
        if (*q == '.' || *q == ':' || *q == '-')
            q++;
        n = ks_ver_span_digits(q, end);
        if (groups < 6 && n >= 2) {
            /* a 2-digit group; a final 1-3 digit group may end P too */
            if (groups >= 1 && n <= 3 && q + n == end)
                return true;
            groups++;
            p = q + 2;
            continue;
        }
        return groups >= 1 && n >= 1 && n <= 3 && q + n == end;
    }
}

static bool
date(const char *p, const char *end, struct cver *v)
{
    const char *q, *pe;

    if (p < end && (*p == 'v' || *p == 'V'))
        p++;
    for (q = p; q < end && (ver_isdigit(*q) || *q == '.' || *q == ':' || *q == '-'); q++)
        ;
    pe = q;
    while (pe > p && !ver_isdigit(pe[-1]))
        pe--;
    if (!date_group(p, pe))
        return false;
    v->n = 0;
    for (q = p; q < pe;) {
        const char *d;

        while (q < pe && !ver_isdigit(*q))
            q++;
        d = q;
        while (q < pe && ver_isdigit(*q))
            q++;
        push(v, d, (size_t)(q - d), TK_NUM);
    }
    return modifier(pe, end, v);
}

/* normalizeBranch(): ^v?(\d++)(\.(?:\d++|[xX*]))?{3}$ -> numbers, x -> 9999999, "-dev" */
static bool
numeric_branch(const char *p, const char *end, struct cver *v)
{
    int comps = 0;

    while (p < end && php_trim_char(*p))
        p++;
    while (end > p && php_trim_char(end[-1]))
        end--;
    if (p < end && (*p == 'v' || *p == 'V'))
        p++;
    v->n = 0;
    while (p < end && comps < 4) {
        size_t n;

        if (comps > 0) {
            if (*p != '.')
                return false;
            p++;
            if (p < end && (*p == 'x' || *p == 'X' || *p == '*')) {
                push(v, "9999999", 7, TK_NUM);
                p++;
                comps++;
                continue;
            }
        }
        n = ks_ver_span_digits(p, end);
        if (n == 0)
            return false;
        push(v, p, n, TK_NUM);
        p += n;
        comps++;
    }
    if (p != end || comps == 0)
        return false;
    for (; comps < 4; comps++)
        push(v, "9999999", 7, TK_NUM);
    push(v, "dev", 3, TK_WORD);
    return true;
}

static const char *
normalize(struct ks_str s, struct cver *v)
{
    const char *p = s.ptr, *end = s.ptr + s.len, *q;

    memset(v, 0, offsetof(struct cver, t));
    v->n = 0;
    while (p < end && php_trim_char(*p))
        p++;
    while (end > p && php_trim_char(end[-1]))
        end--;
    /* strip off aliasing: ^([^,\s]++) ++as ++([^,\s]++)$ */
    for (q = p; q < end && *q != ',' && !pcre_space(*q); q++)
        ;
    if (q > p && q < end && *q == ' ') {
        const char *r = q, *t;

        while (r < end && *r == ' ')
            r++;
        if (end - r >= 2 && r[0] == 'a' && r[1] == 's' && r + 2 < end && r[2] == ' ') {
            r += 2;
            while (r < end && *r == ' ')
                r++;
            for (t = r; t < end && *t != ',' && !pcre_space(*t); t++)
                ;
            if (t > r && t == end)
                end = q;
        }
    }
    /* strip off stability flag: @(stable|RC|beta|alpha|dev)$ */
    {
        static const char *const flags[] = {"@stable", "@rc", "@beta", "@alpha", "@dev"};

        for (size_t i = 0; i < KS_ARRAY_LEN(flags); i++) {
            size_t n = strlen(flags[i]);

            if ((size_t)(end - p) >= n && ks_ver_ieq(end - n, n, flags[i])) {
                end -= n;
                break;
            }
        }
    }
    if (end - p == 6 && (memcmp(p, "master", 6) == 0)) {
        v->branch = true;
        v->branch_name = ks_str_make(p, 6);
        return NULL;
    }
    if ((end - p == 5 && memcmp(p, "trunk", 5) == 0) ||
        (end - p == 7 && memcmp(p, "default", 7) == 0)) {
        v->branch = true;
        v->branch_name = ks_str_make(p, (size_t)(end - p));
        return NULL;
    }
    if (end - p >= 4 && ks_ver_ieq(p, 4, "dev-")) {
        v->branch = true;
        v->branch_name = ks_str_make(p + 4, (size_t)(end - p - 4));
        return NULL;
    }
    /* strip off build metadata: ^([^,\s+]++)\+[^\s]++$ */
    for (q = p; q < end && *q != ',' && *q != '+' && !pcre_space(*q); q++)
        ;
    if (q > p && q < end && *q == '+' && q + 1 < end) {
        const char *r = q + 1;

        while (r < end && !pcre_space(*r))
            r++;
        if (r == end)
            end = q;
    }
    if (p == end)
        return "invalid version string";
    if (classical(p, end, v) || date(p, end, v))
        return NULL;
    /* (.*?)[.-]?dev$: '.' stops at a newline, so the match starts after the last one */
    if (end - p >= 3 && ks_ver_ieq(end - 3, 3, "dev")) {
        const char *b = p, *be = end - 3;

        for (q = p; q < end; q++)
            if (*q == '\n')
                b = q + 1;
        if (be > b && (be[-1] == '.' || be[-1] == '-'))
            be--;
        if (be >= b && numeric_branch(b, be, v))
            return NULL;
    }
    return "invalid version string (composer/semver cannot normalize it)";
}

/* version_compare()'s special forms, matched by prefix; numbers rank as "#". */
static int
special_order(const struct ctok *t)
{
    static const struct {
        const char *name;
        int order;
    } forms[] = {{"dev", 0}, {"alpha", 1}, {"a", 1},  {"beta", 2}, {"b", 2},
                 {"RC", 3},  {"rc", 3},    {"#", 4},  {"pl", 5},   {"p", 5}};

    if (t->kind == TK_NUM)
        return 4;
    for (size_t i = 0; i < KS_ARRAY_LEN(forms); i++) {
        size_t n = strlen(forms[i].name);

        if (t->n >= n && memcmp(t->p, forms[i].name, n) == 0)
            return forms[i].order;
    }
    return -1;
}

/* strtol() saturates at LONG_MAX: numbers past it compare equal. */
static int
php_num_cmp(const struct ctok *a, const struct ctok *b)
{
    static const char lmax[] = "9223372036854775807";
    const char *x = a->p, *y = b->p;
    size_t xn = a->n, yn = b->n;

    while (xn > 0 && *x == '0')
        x++, xn--;
    while (yn > 0 && *y == '0')
        y++, yn--;
    if (xn > 19 || (xn == 19 && memcmp(x, lmax, 19) > 0))
        x = lmax, xn = 19;
    if (yn > 19 || (yn == 19 && memcmp(y, lmax, 19) > 0))
        y = lmax, yn = 19;
    return ks_ver_digits_cmp(x, xn, y, yn);
}

static int
version_compare(const struct cver *a, const struct cver *b)
{
    int i;

    for (i = 0; i < a->n && i < b->n; i++) {
        const struct ctok *x = &a->t[i], *y = &b->t[i];
        int c;

        if (x->kind == TK_NUM && y->kind == TK_NUM)
            c = php_num_cmp(x, y);
        else
            c = ver_sign(special_order(x) - special_order(y));
        if (c != 0)
            return c;
    }
    if (i < a->n)
        return a->t[i].kind == TK_NUM ? 1 : ver_sign(special_order(&a->t[i]) - 4);
    if (i < b->n)
        return b->t[i].kind == TK_NUM ? -1 : ver_sign(4 - special_order(&b->t[i]));
    return 0;
}

enum ver_bad
ks_ver_cmp_composer(struct ks_str a, struct ks_str b, int *cmp, const char **why)
{
    struct cver va, vb;

    if ((*why = normalize(a, &va)) != NULL)
        return VER_BAD_A;
    if ((*why = normalize(b, &vb)) != NULL)
        return VER_BAD_B;
    if (va.branch || vb.branch) {
        if (va.branch && vb.branch)
            *cmp = ks_ver_bytes_cmp(va.branch_name.ptr, va.branch_name.len, vb.branch_name.ptr,
                                    vb.branch_name.len);
        else
            *cmp = va.branch ? -1 : 1;
        return VER_OK;
    }
    *cmp = version_compare(&va, &vb);
    return VER_OK;
}
