/*
 * cur.c: cursor steps over untrusted bytes; every step checks the end and
 * a caller-given limit (STYLE.md §5).
 */
#include "base/base.h"

#include <string.h>

#include "base/banned.h"

enum ks_code
ks_cur_line(struct ks_cur *c, size_t max, struct ks_str *line)
{
    const char *nl;
    size_t n;

    if (c->p >= c->end)
        return KS_ENOTFOUND;
    nl = memchr(c->p, '\n', ks_cur_left(c));
    n = nl ? (size_t)(nl - c->p) : ks_cur_left(c);
    if (n > max) {
        c->p = nl ? nl + 1 : c->end;
        return KS_ETOOBIG;
    }
    *line = (struct ks_str){c->p, n};
    if (n > 0 && line->ptr[n - 1] == '\r')
        line->len--;
    c->p = nl ? nl + 1 : c->end;
    return KS_OK;
}

enum ks_code
ks_cur_take_until(struct ks_cur *c, char delim, size_t max, struct ks_str *out)
{
    const char *hit = memchr(c->p, delim, ks_cur_left(c));

    if (hit == NULL)
        return KS_EPARSE;
    if ((size_t)(hit - c->p) > max)
        return KS_ETOOBIG;
    *out = (struct ks_str){c->p, (size_t)(hit - c->p)};
    c->p = hit + 1;
    return KS_OK;
}
