/*
 * maven.c: Maven's ComparableVersion, as maven-artifact 3.8.7 (the jar that
 * Debian ships and `mvn` uses): items split at '.', '-' and digit/letter
 * transitions; '-' and a letter/digit transition open a sub-list; trailing
 * "null" items (0, "", "ga", "final", "release", empty lists) are dropped;
 * qualifiers order alpha < beta < milestone < rc = cr < snapshot < "" = ga =
 * final = release < sp < unknown ones (lexically); numbers > lists >
 * qualifiers. Every new list nests in the previous one, so a version is a
 * chain of lists and we keep it as items tagged with their depth, on the
 * stack. Non-ASCII input is rejected (Java would apply Unicode digit and
 * case rules to it).
 */
#include "version/version_int.h"

#include <string.h>

#include "base/banned.h"

enum { MI_NUM, MI_STR };
enum { Q_ALPHA, Q_BETA, Q_MILESTONE, Q_RC, Q_SNAPSHOT, Q_RELEASE, Q_SP, Q_UNKNOWN };

struct mitem {
    const char *p; /* lower-cased on the fly when compared */
    uint16_t n;
    uint8_t kind;
    uint8_t qual;
};

#define MVN_MAX_ITEMS (KS_VER_MAX_LEN + 2)

struct mver {
    struct mitem items[MVN_MAX_ITEMS];
    uint16_t first[MVN_MAX_ITEMS]; /* first item of each list level */
    uint16_t count[MVN_MAX_ITEMS]; /* items of each level before normalising */
    uint16_t keep[MVN_MAX_ITEMS];  /* after dropping trailing null items */
    bool sub[MVN_MAX_ITEMS];       /* a non-empty sub-list follows the items */
    int levels;
    int n;
};

static int
qualifier(const char *p, size_t n, bool followed_by_digit)
{
    static const struct {
        const char *s;
        int q;
    } tab[] = {{"alpha", Q_ALPHA},   {"beta", Q_BETA},         {"milestone", Q_MILESTONE},
               {"rc", Q_RC},         {"cr", Q_RC},             {"snapshot", Q_SNAPSHOT},
               {"ga", Q_RELEASE},    {"final", Q_RELEASE},     {"release", Q_RELEASE},
               {"sp", Q_SP}};

    if (followed_by_digit && n == 1) { /* a1 = alpha-1, b1 = beta-1, m1 = milestone-1 */
        switch (ver_lower(*p)) {
        case 'a':
            return Q_ALPHA;
        case 'b':
            return Q_BETA;
        case 'm':
            return Q_MILESTONE;
        default:
            break;
        }
    }
    for (size_t i = 0; i < KS_ARRAY_LEN(tab); i++)
        if (ks_ver_ieq(p, n, tab[i].s))
            return tab[i].q;
    return Q_UNKNOWN;
}

static void
add(struct mver *v, const char *p, size_t n, bool digit, bool followed_by_digit)
{
    struct mitem *it = &v->items[v->n++];

    it->p = p;
    it->n = (uint16_t)n;
    it->kind = digit ? MI_NUM : MI_STR;
    it->qual = digit ? 0 : (uint8_t)qualifier(p, n, followed_by_digit);
    v->count[v->levels - 1]++;
}

static void
new_list(struct mver *v)
{
    v->first[v->levels] = (uint16_t)v->n;
    v->count[v->levels] = 0;
    v->levels++;
}

static bool
is_null(const struct mitem *it)
{
    if (it->kind == MI_STR)
        return it->qual == Q_RELEASE;
    for (size_t i = 0; i < it->n; i++)
        if (it->p[i] != '0')
            return false;
    return true;
}

static const char *
parse(struct ks_str s, struct mver *v)
{
    size_t start = 0;
    bool is_digit = false;

    for (size_t i = 0; i < s.len; i++)
        if ((unsigned char)s.ptr[i] >= 0x80)
            return "non-ASCII character";
    v->n = 0;
    v->levels = 0;
    new_list(v);
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];

        if (c == '.' || c == '-') {
            if (i == start)
                add(v, "0", 1, true, false); /* IntItem.ZERO */
            else
                add(v, s.ptr + start, i - start, is_digit, false);
            start = i + 1;
            if (c == '-')
                new_list(v);
        } else if (ver_isdigit(c)) {
            if (!is_digit && i > start) {
                if (v->count[v->levels - 1] > 0)
                    new_list(v);
                add(v, s.ptr + start, i - start, false, true);
                start = i;
                new_list(v);
            }
            is_digit = true;
        } else {
            if (is_digit && i > start) {
                add(v, s.ptr + start, i - start, true, false);
                start = i;
                new_list(v);
            }
            is_digit = false;
        }
    }
    if (s.len > start) {
        /* 1.0.0.X1 < 1.0.0-X2: a trailing ".X" is treated as "-X" */
        if (!is_digit && v->count[v->levels - 1] > 0)
            new_list(v);
        add(v, s.ptr + start, s.len - start, is_digit, false);
    }
    /* normalize(), innermost list first */
    for (int l = v->levels - 1; l >= 0; l--) {
        uint16_t k = v->count[l];

        while (k > 0 && is_null(&v->items[v->first[l] + k - 1]))
            k--;
        v->keep[l] = k;
        v->sub[l] = l + 1 < v->levels && (v->keep[l + 1] > 0 || v->sub[l + 1]);
    }
    return NULL;
}

/* An element of a list: an item, the sub-list (last), or nothing. */
enum { EL_NONE, EL_NUM, EL_STR, EL_LIST };

static int
element(const struct mver *v, int l, int i, const struct mitem **it)
{
    if (i < v->keep[l]) {
        *it = &v->items[v->first[l] + i];
        return (*it)->kind == MI_NUM ? EL_NUM : EL_STR;
    }
    if (i == v->keep[l] && v->sub[l])
        return EL_LIST;
    return EL_NONE;
}

static int
qual_cmp(const struct mitem *a, const struct mitem *b)
{
    if (a->qual != Q_UNKNOWN || b->qual != Q_UNKNOWN)
        return a->qual < b->qual ? -1 : a->qual > b->qual ? 1 : 0;
    for (size_t i = 0; i < a->n && i < b->n; i++) {
        char x = ver_lower(a->p[i]), y = ver_lower(b->p[i]);

        if (x != y)
            return x < y ? -1 : 1;
    }
    return a->n < b->n ? -1 : a->n > b->n ? 1 : 0;
}

static int list_cmp_null(const struct mver *v, int l);

/* item.compareTo(null) */
static int
el_cmp_null(const struct mver *v, int l, int kind, const struct mitem *it)
{
    switch (kind) {
    case EL_NUM:
        return is_null(it) ? 0 : 1;
    case EL_STR: /* 1-rc < 1, 1-ga = 1, 1-sp > 1 */
        return it->qual < Q_RELEASE ? -1 : it->qual > Q_RELEASE ? 1 : 0;
    case EL_LIST:
        return list_cmp_null(v, l + 1);
    default:
        return 0;
    }
}

static int
list_cmp_null(const struct mver *v, int l)
{
    const struct mitem *it = NULL;
    int kind, r;

    for (int i = 0; (kind = element(v, l, i, &it)) != EL_NONE; i++)
        if ((r = el_cmp_null(v, l, kind, it)) != 0)
            return r;
    return 0;
}

static int
list_cmp(const struct mver *a, int la, const struct mver *b, int lb)
{
    for (int i = 0;; i++) {
        const struct mitem *x = NULL, *y = NULL;
        int ka = element(a, la, i, &x), kb = element(b, lb, i, &y), r;

        if (ka == EL_NONE && kb == EL_NONE)
            return 0;
        if (ka == EL_NONE)
            r = -el_cmp_null(b, lb, kb, y);
        else if (kb == EL_NONE)
            r = el_cmp_null(a, la, ka, x);
        else if (ka == EL_NUM)
            r = kb == EL_NUM ? ks_ver_digits_cmp(x->p, x->n, y->p, y->n) : 1;
        else if (ka == EL_STR)
            r = kb == EL_STR ? qual_cmp(x, y) : -1;
        else /* list: below numbers, above qualifiers */
            r = kb == EL_NUM ? -1 : kb == EL_STR ? 1 : list_cmp(a, la + 1, b, lb + 1);
        if (r != 0)
            return r;
    }
}

enum ver_bad
ks_ver_cmp_maven(struct ks_str a, struct ks_str b, int *cmp, const char **why)
{
    struct mver va, vb;

    if ((*why = parse(a, &va)) != NULL)
        return VER_BAD_A;
    if ((*why = parse(b, &vb)) != NULL)
        return VER_BAD_B;
    *cmp = list_cmp(&va, 0, &vb, 0);
    return VER_OK;
}
