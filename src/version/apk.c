/*
 * apk.c: Alpine/Wolfi/Chainguard ordering, as apk-tools 3 (src/version.c:
 * token_next()/token_cmp()/apk_version_compare()). Grammar:
 * digit{.digit}...{letter}{_suf{#}}...{~hash}{-r#}. A version that
 * apk_version_validate() rejects is KS_EPARSE here (apk would still order it
 * by its token rules, but such an order means nothing for matching).
 */
#include "version/version_int.h"

#include <string.h>

#include "base/banned.h"

enum {
    TOKEN_INITIAL_DIGIT,
    TOKEN_DIGIT,
    TOKEN_LETTER,
    TOKEN_SUFFIX,
    TOKEN_SUFFIX_NO,
    TOKEN_COMMIT_HASH,
    TOKEN_REVISION_NO,
    TOKEN_END,
    TOKEN_INVALID,
};

/* Suffix ranks; NONE is the pivot between pre- and post-release suffixes. */
enum {
    SUFFIX_INVALID,
    SUFFIX_ALPHA,
    SUFFIX_BETA,
    SUFFIX_PRE,
    SUFFIX_RC,
    SUFFIX_NONE,
    SUFFIX_CVS,
    SUFFIX_SVN,
    SUFFIX_GIT,
    SUFFIX_HG,
    SUFFIX_P,
};

struct tok {
    int token;
    int suffix;
    uint64_t number; /* apk_blob_pull_uint(): wraps modulo 2^64, as apk does */
    const char *vp;  /* value */
    size_t vn;
};

struct blob {
    const char *p;
    size_t n;
};

static int
suffix_value(const char *p, size_t n)
{
    static const struct {
        const char *s;
        int v;
    } tab[] = {{"alpha", SUFFIX_ALPHA}, {"beta", SUFFIX_BETA}, {"pre", SUFFIX_PRE},
               {"rc", SUFFIX_RC},       {"cvs", SUFFIX_CVS},   {"svn", SUFFIX_SVN},
               {"git", SUFFIX_GIT},     {"hg", SUFFIX_HG},     {"p", SUFFIX_P}};

    for (size_t i = 0; i < KS_ARRAY_LEN(tab); i++)
        if (strlen(tab[i].s) == n && memcmp(tab[i].s, p, n) == 0)
            return tab[i].v;
    return SUFFIX_INVALID;
}

static void
parse_digits(struct tok *t, struct blob *b)
{
    size_t i = 0;

    t->number = 0;
    while (i < b->n && ver_isdigit(b->p[i]))
        t->number = t->number * 10 + (uint64_t)(b->p[i++] - '0');
    t->vp = b->p;
    t->vn = i;
    b->p += i;
    b->n -= i;
    if (i == 0)
        t->token = TOKEN_INVALID;
}

static void
token_first(struct tok *t, struct blob *b)
{
    t->token = TOKEN_INITIAL_DIGIT;
    parse_digits(t, b);
}

static void
token_next(struct tok *t, struct blob *b)
{
    char c;
    size_t i;

    if (b->n == 0) {
        t->token = TOKEN_END;
        return;
    }
    c = b->p[0];
    if (c >= 'a' && c <= 'z') {
        if (t->token > TOKEN_DIGIT)
            goto invalid;
        t->vp = b->p;
        t->vn = 1;
        t->token = TOKEN_LETTER;
        b->p++, b->n--;
        return;
    }
    if (c == '.' || ver_isdigit(c)) {
        if (c == '.') {
            if (t->token > TOKEN_DIGIT)
                goto invalid;
            b->p++, b->n--;
        }
        switch (t->token) {
        case TOKEN_INITIAL_DIGIT:
        case TOKEN_DIGIT:
            t->token = TOKEN_DIGIT;
            break;
        case TOKEN_SUFFIX:
            t->token = TOKEN_SUFFIX_NO;
            break;
        default:
            goto invalid;
        }
        parse_digits(t, b);
        return;
    }
    switch (c) {
    case '_':
        if (t->token > TOKEN_SUFFIX_NO)
            goto invalid;
        b->p++, b->n--;
        for (i = 0; i < b->n && b->p[i] >= 'a' && b->p[i] <= 'z'; i++)
            ;
        t->vp = b->p;
        t->vn = i;
        b->p += i, b->n -= i;
        t->suffix = suffix_value(t->vp, t->vn);
        if (t->suffix == SUFFIX_INVALID)
            goto invalid;
        t->token = TOKEN_SUFFIX;
        return;
    case '~':
        if (t->token >= TOKEN_COMMIT_HASH)
            goto invalid;
        b->p++, b->n--;
        for (i = 0; i < b->n && (ver_isdigit(b->p[i]) || (b->p[i] >= 'a' && b->p[i] <= 'f'));
             i++)
            ;
        t->vp = b->p;
        t->vn = i;
        b->p += i, b->n -= i;
        if (i == 0)
            goto invalid;
        t->token = TOKEN_COMMIT_HASH;
        return;
    case '-':
        if (t->token >= TOKEN_REVISION_NO)
            goto invalid;
        if (b->n < 2 || b->p[1] != 'r')
            goto invalid;
        b->p += 2, b->n -= 2;
        t->token = TOKEN_REVISION_NO;
        parse_digits(t, b);
        return;
    default:
        break;
    }
invalid:
    t->token = TOKEN_INVALID;
}

static const char *
validate(struct ks_str v)
{
    struct blob b = {v.ptr, v.len};
    struct tok t;

    for (token_first(&t, &b); t.token < TOKEN_END; token_next(&t, &b))
        ;
    if (t.token == TOKEN_END)
        return NULL;
    /* Name the rule broken, as `apk version -c` would. */
    return "not an apk version (digit{.digit}...{letter}{_suffix{#}}...{~hash}{-r#})";
}

static int
token_cmp(const struct tok *a, const struct tok *b)
{
    uint64_t x, y;

    switch (a->token) {
    case TOKEN_DIGIT:
        if (a->vp[0] == '0' || b->vp[0] == '0') /* leading zero: string order (Gentoo) */
            return ks_ver_bytes_cmp(a->vp, a->vn, b->vp, b->vn);
        /* fall through */
    case TOKEN_INITIAL_DIGIT:
    case TOKEN_SUFFIX_NO:
    case TOKEN_REVISION_NO:
        x = a->number;
        y = b->number;
        break;
    case TOKEN_LETTER:
        x = (unsigned char)a->vp[0];
        y = (unsigned char)b->vp[0];
        break;
    case TOKEN_SUFFIX:
        x = (uint64_t)a->suffix;
        y = (uint64_t)b->suffix;
        break;
    default:
        return ks_ver_bytes_cmp(a->vp, a->vn, b->vp, b->vn);
    }
    return (x > y) - (x < y);
}

enum ver_bad
ks_ver_cmp_apk(struct ks_str a, struct ks_str b, int *cmp, const char **why)
{
    struct blob ba = {a.ptr, a.len}, bb = {b.ptr, b.len};
    struct tok ta, tb;

    if ((*why = validate(a)) != NULL)
        return VER_BAD_A;
    if ((*why = validate(b)) != NULL)
        return VER_BAD_B;
    for (token_first(&ta, &ba), token_first(&tb, &bb); ta.token == tb.token && ta.token < TOKEN_END;
         token_next(&ta, &ba), token_next(&tb, &bb)) {
        int r = token_cmp(&ta, &tb);

        if (r != 0) {
            *cmp = r;
            return VER_OK;
        }
    }
    if (ta.token == tb.token)
        *cmp = 0;
    else if (ta.token == TOKEN_SUFFIX && ta.suffix < SUFFIX_NONE)
        *cmp = -1; /* a pre-release suffix sorts before the end */
    else if (tb.token == TOKEN_SUFFIX && tb.suffix < SUFFIX_NONE)
        *cmp = 1;
    else
        *cmp = ta.token > tb.token ? -1 : tb.token > ta.token ? 1 : 0;
    return VER_OK;
}
