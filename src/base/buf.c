/*
 * buf.c: the growable buffer. data is never NULL and always NUL-terminated;
 * the first failure (OOM or the size cap) sticks and is checked once.
 */
#include "base/base.h"

#include <stdio.h>
#include <string.h>

#include "base/banned.h"

const char ks_buf_empty_[1] = "";

void
ks_buf_init(struct ks_buf *b, size_t max)
{
    b->data = (char *)ks_buf_empty_;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->err = KS_OK;
}

void
ks_buf_release(struct ks_buf *b)
{
    if (b->cap > 0)
        ks_free(b->data);
    ks_buf_init(b, b->max);
}

void
ks_buf_reset(struct ks_buf *b)
{
    b->len = 0;
    if (b->cap > 0)
        b->data[0] = '\0';
    b->err = KS_OK;
}

char *
ks_buf_detach(struct ks_buf *b, size_t *len)
{
    char *p;

    if (b->err != KS_OK)
        return NULL;
    if (b->cap == 0) {
        p = ks_strndup("", 0);
        if (p == NULL)
            return NULL;
    } else {
        p = b->data;
    }
    if (len != NULL)
        *len = b->len;
    ks_buf_init(b, b->max);
    return p;
}

char *
ks_buf_reserve(struct ks_buf *b, size_t n)
{
    size_t need, cap;
    char *p;

    if (b->err != KS_OK)
        return NULL;
    if (!ks_size_add(b->len, n, &need) || need > b->max) {
        b->err = KS_ETOOBIG;
        return NULL;
    }
    if (need + 1 <= b->cap)
        return b->data + b->len;
    cap = b->cap ? b->cap : 64;
    while (cap < need + 1) {
        if (cap > SIZE_MAX / 2) {
            cap = need + 1;
            break;
        }
        cap *= 2;
    }
    if (cap > b->max + 1 && b->max + 1 > need)
        cap = b->max + 1;
    p = ks_realloc(b->cap ? b->data : NULL, cap);
    if (p == NULL) {
        b->err = KS_ENOMEM;
        return NULL;
    }
    if (b->cap == 0)
        p[0] = '\0';
    b->data = p;
    b->cap = cap;
    return b->data + b->len;
}

void
ks_buf_append(struct ks_buf *b, const void *src, size_t n)
{
    char *p;

    if (n == 0)
        return;
    p = ks_buf_reserve(b, n);
    if (p == NULL)
        return;
    memcpy(p, src, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void
ks_buf_appends(struct ks_buf *b, const char *s)
{
    ks_buf_append(b, s, strlen(s));
}

void
ks_buf_append_str(struct ks_buf *b, struct ks_str s)
{
    ks_buf_append(b, s.ptr, s.len);
}

void
ks_buf_putc(struct ks_buf *b, char c)
{
    ks_buf_append(b, &c, 1);
}

void
ks_buf_appendv(struct ks_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    int n;
    char *p;

    if (b->err != KS_OK)
        return;
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0) {
        b->err = KS_EINTERNAL;
        return;
    }
    p = ks_buf_reserve(b, (size_t)n);
    if (p == NULL)
        return;
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void
ks_buf_appendf(struct ks_buf *b, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    ks_buf_appendv(b, fmt, ap);
    va_end(ap);
}

enum ks_code
ks_buf_err(const struct ks_buf *b)
{
    return b->err;
}
