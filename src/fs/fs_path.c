/*
 * fs_path.c: pure path helpers of the fs view: cleaning untrusted paths to
 * root-relative form (never above the root) and the glob matcher extractors
 * and --skip-dirs use ('*', '?', '[...]', and '**' spanning components).
 */
#include "fs/fs_int.h"

#include <string.h>

#include "base/banned.h"

bool
ks_fs_path_clean(struct ks_str path, struct ks_buf *out)
{
    size_t start = out->len;
    size_t i = 0;

    while (i < path.len) {
        size_t j = i;
        struct ks_str comp;

        while (j < path.len && path.ptr[j] != '/')
            j++;
        comp = ks_str_make(path.ptr + i, j - i);
        i = j + 1;
        if (comp.len == 0 || ks_str_eq_c(comp, "."))
            continue;
        if (ks_str_eq_c(comp, "..")) {
            size_t k;

            if (out->len == start)
                return false; /* climbing above the root */
            k = out->len;
            while (k > start && out->data[k - 1] != '/')
                k--;
            fs_buf_truncate(out, k > start ? k - 1 : start);
            continue;
        }
        if (out->len > start)
            ks_buf_putc(out, '/');
        ks_buf_append(out, comp.ptr, comp.len);
    }
    if (ks_buf_err(out) != KS_OK || out->len == start) {
        fs_buf_truncate(out, start);
        return false;
    }
    return true;
}

bool
ks_fs_glob_is_literal(struct ks_str pattern)
{
    for (size_t i = 0; i < pattern.len; i++) {
        char c = pattern.ptr[i];

        if (c == '*' || c == '?' || c == '[')
            return false;
    }
    return true;
}

/* Match a character class starting after '['; *adv gets its length incl. ']'. */
static bool
class_match(struct ks_str p, size_t at, char c, size_t *adv, bool *ok)
{
    size_t i = at;
    bool neg = false, hit = false;

    if (i < p.len && (p.ptr[i] == '!' || p.ptr[i] == '^')) {
        neg = true;
        i++;
    }
    for (bool first = true; i < p.len && (first || p.ptr[i] != ']'); first = false) {
        char lo = p.ptr[i], hi = lo;

        if (i + 2 < p.len && p.ptr[i + 1] == '-' && p.ptr[i + 2] != ']') {
            hi = p.ptr[i + 2];
            i += 3;
        } else {
            i++;
        }
        if (c >= lo && c <= hi)
            hit = true;
    }
    if (i >= p.len) {
        *ok = false; /* unterminated: '[' is a literal */
        return false;
    }
    *ok = true;
    *adv = i + 1 - at + 1; /* the '[' itself, the body, the ']' */
    return hit != neg;
}

/* One component (no '/') against a component pattern (no '/'). */
static bool
comp_match(struct ks_str p, struct ks_str s)
{
    size_t pi = 0, si = 0, star_p = SIZE_MAX, star_s = 0;

    while (si < s.len) {
        if (pi < p.len) {
            char pc = p.ptr[pi];

            if (pc == '*') {
                star_p = pi++;
                star_s = si;
                continue;
            }
            if (pc == '?') {
                pi++;
                si++;
                continue;
            }
            if (pc == '[') {
                size_t adv = 0;
                bool ok = false, m = class_match(p, pi + 1, s.ptr[si], &adv, &ok);

                if (ok) {
                    if (m) {
                        pi += adv;
                        si++;
                        continue;
                    }
                    goto backtrack;
                }
            }
            if (pc == s.ptr[si]) {
                pi++;
                si++;
                continue;
            }
        }
backtrack:
        if (star_p == SIZE_MAX)
            return false;
        pi = star_p + 1;
        si = ++star_s;
    }
    while (pi < p.len && p.ptr[pi] == '*')
        pi++;
    return pi == p.len;
}

static struct ks_str
next_comp(struct ks_str s, size_t *pos)
{
    size_t i = *pos, j = i;

    while (j < s.len && s.ptr[j] != '/')
        j++;
    *pos = j < s.len ? j + 1 : s.len + 1;
    return ks_str_make(s.ptr + i, j - i);
}

static bool
glob_from(struct ks_str p, size_t pp, struct ks_str s, size_t sp)
{
    for (;;) {
        struct ks_str pc, sc;
        size_t pnext = pp, snext = sp;

        if (pp > p.len)
            return sp > s.len;
        pc = next_comp(p, &pnext);
        if (ks_str_eq_c(pc, "**")) {
            /* Zero components, or one more and try again. */
            if (glob_from(p, pnext, s, sp))
                return true;
            if (sp > s.len)
                return false;
            next_comp(s, &snext);
            sp = snext;
            continue;
        }
        if (sp > s.len)
            return false;
        sc = next_comp(s, &snext);
        if (!comp_match(pc, sc))
            return false;
        pp = pnext;
        sp = snext;
    }
}

bool
ks_fs_glob_match(struct ks_str pattern, struct ks_str path)
{
    while (pattern.len > 0 && pattern.ptr[0] == '/') {
        pattern.ptr++;
        pattern.len--;
    }
    if (pattern.len == 0)
        return path.len == 0;
    if (path.len == 0)
        return ks_str_eq_c(pattern, "**");
    return glob_from(pattern, 0, path, 0);
}
