/*
 * apk.c: Alpine/Wolfi/Chainguard ordering, as apk-tools 2.x (src/version.c:
 * next_token()/get_token()/apk_version_compare_blob()), the apk that every
 * Alpine branch in the advisory data (v3.2 to v3.22), Wolfi and Chainguard
 * order with. Grammar: digit{.digit}...{letter}{_suf{#}}...{-r#}; suffixes
 * _alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p; a
 * component with leading zeros sorts by its zero count first. A version
 * apk_version_validate() rejects is KS_EPARSE here (apk would still order
 * it by its token rules, but such an order means nothing for matching).
 *
 * apk-tools 3 (Alpine 3.23+) is stricter: it rejects a letter followed by
 * digits ("1.9.5p2", the form sudo's Alpine versions had for years) and
 * "-r" without a number; docs/versions.md lists the differences. Numbers
 * are 64-bit here; apk 2 keeps them in a C int.
 */
#include "version/version_int.h"

#include <string.h>

#include "base/banned.h"

enum {
    TOKEN_INVALID = -1,
    TOKEN_DIGIT_OR_ZERO,
    TOKEN_DIGIT,
    TOKEN_LETTER,
    TOKEN_SUFFIX,
    TOKEN_SUFFIX_NO,
    TOKEN_REVISION_NO,
    TOKEN_END,
};

struct blob {
    const char *p;
    size_t n;
};

static bool
is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

/* The type of the token that starts at b (consuming its separator). */
static void
next_token(int *type, struct blob *b)
{
    int n = TOKEN_INVALID;

    if (b->n == 0) {
        n = TOKEN_END;
    } else if ((*type == TOKEN_DIGIT || *type == TOKEN_DIGIT_OR_ZERO) && is_lower(b->p[0])) {
        n = TOKEN_LETTER;
    } else if (*type == TOKEN_LETTER && ver_isdigit(b->p[0])) {
        n = TOKEN_DIGIT;
    } else if (*type == TOKEN_SUFFIX && ver_isdigit(b->p[0])) {
        n = TOKEN_SUFFIX_NO;
    } else {
        switch (b->p[0]) {
        case '.':
            n = TOKEN_DIGIT_OR_ZERO;
            break;
        case '_':
            n = TOKEN_SUFFIX;
            break;
        case '-':
            if (b->n > 1 && b->p[1] == 'r') {
                n = TOKEN_REVISION_NO;
                b->p++, b->n--;
            }
            break;
        default:
            break;
        }
        b->p++, b->n--;
    }
    /* tokens only move forward, with three exceptions */
    if (n < *type) {
        if (!((n == TOKEN_DIGIT_OR_ZERO && *type == TOKEN_DIGIT) ||
              (n == TOKEN_SUFFIX && *type == TOKEN_SUFFIX_NO) ||
              (n == TOKEN_DIGIT && *type == TOKEN_LETTER)))
            n = TOKEN_INVALID;
    }
    *type = n;
}

static bool
has_prefix(const struct blob *b, const char *s)
{
    size_t n = strlen(s);

    return n <= b->n && memcmp(b->p, s, n) == 0;
}

/* The value of the token of type *type at b; advances *type to the next one. */
static int64_t
get_token(int *type, struct blob *b)
{
    static const char *const pre[] = {"alpha", "beta", "pre", "rc"};
    static const char *const post[] = {"cvs", "svn", "git", "hg", "p"};
    int64_t v = 0;
    size_t i = 0, k;
    int nt = TOKEN_INVALID;

    if (b->n == 0) {
        *type = TOKEN_END;
        return 0;
    }
    switch (*type) {
    case TOKEN_DIGIT_OR_ZERO:
        if (b->p[0] == '0') { /* leading zeros: the more, the smaller */
            while (i < b->n && b->p[i] == '0')
                i++;
            nt = TOKEN_DIGIT;
            v = -(int64_t)i;
            break;
        }
        /* a component without leading zeros is an ordinary number */
        while (i < b->n && ver_isdigit(b->p[i]))
            v = (int64_t)((uint64_t)v * 10 + (uint64_t)(b->p[i++] - '0'));
        break;
    case TOKEN_DIGIT:
    case TOKEN_SUFFIX_NO:
    case TOKEN_REVISION_NO:
        while (i < b->n && ver_isdigit(b->p[i]))
            v = (int64_t)((uint64_t)v * 10 + (uint64_t)(b->p[i++] - '0'));
        break;
    case TOKEN_LETTER:
        v = (unsigned char)b->p[i++];
        break;
    case TOKEN_SUFFIX:
        for (k = 0; k < KS_ARRAY_LEN(pre); k++)
            if (has_prefix(b, pre[k]))
                break;
        if (k < KS_ARRAY_LEN(pre)) {
            i = strlen(pre[k]);
            v = (int64_t)k - (int64_t)KS_ARRAY_LEN(pre); /* pre-release: negative */
            break;
        }
        for (k = 0; k < KS_ARRAY_LEN(post); k++)
            if (has_prefix(b, post[k]))
                break;
        if (k < KS_ARRAY_LEN(post)) {
            i = strlen(post[k]);
            v = (int64_t)k;
            break;
        }
        *type = TOKEN_INVALID; /* unknown suffix */
        return -1;
    default:
        *type = TOKEN_INVALID;
        return -1;
    }
    b->p += i;
    b->n -= i;
    if (b->n == 0)
        *type = TOKEN_END;
    else if (nt != TOKEN_INVALID)
        *type = nt;
    else
        next_token(type, b);
    return v;
}

static const char *
validate(struct ks_str v)
{
    struct blob b = {v.ptr, v.len};
    int t = TOKEN_DIGIT;

    while (t != TOKEN_END && t != TOKEN_INVALID)
        get_token(&t, &b);
    if (t == TOKEN_END)
        return NULL;
    return "not an apk version (digit{.digit}...{letter}{_suffix{#}}...{-r#})";
}

enum ver_bad
ks_ver_cmp_apk(struct ks_str a, struct ks_str b, int *cmp, const char **why)
{
    struct blob ba = {a.ptr, a.len}, bb = {b.ptr, b.len};
    int at = TOKEN_DIGIT, bt = TOKEN_DIGIT, tt;
    int64_t av = 0, bv = 0;

    if ((*why = validate(a)) != NULL)
        return VER_BAD_A;
    if ((*why = validate(b)) != NULL)
        return VER_BAD_B;
    while (at == bt && at != TOKEN_END && at != TOKEN_INVALID && av == bv) {
        av = get_token(&at, &ba);
        bv = get_token(&bt, &bb);
    }
    if (av != bv) {
        *cmp = av < bv ? -1 : 1;
        return VER_OK;
    }
    if (at == bt) {
        *cmp = 0;
        return VER_OK;
    }
    /* Equal so far: the longer one is newer unless it goes on with a pre-release suffix. */
    tt = at;
    if (at == TOKEN_SUFFIX && get_token(&tt, &ba) < 0) {
        *cmp = -1;
        return VER_OK;
    }
    tt = bt;
    if (bt == TOKEN_SUFFIX && get_token(&tt, &bb) < 0) {
        *cmp = 1;
        return VER_OK;
    }
    *cmp = at > bt ? -1 : bt > at ? 1 : 0;
    return VER_OK;
}
