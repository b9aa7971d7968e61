/*
 * vec.c: growable array of fixed-size elements on the heap.
 */
#include "base/base.h"

#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

void
ks_vec_init(struct ks_vec *v, size_t elem_size)
{
    v->items = NULL;
    v->len = 0;
    v->cap = 0;
    v->elem_size = elem_size;
}

void
ks_vec_release(struct ks_vec *v)
{
    ks_free(v->items);
    ks_vec_init(v, v->elem_size);
}

bool
ks_vec_reserve(struct ks_vec *v, size_t n)
{
    size_t want, cap, bytes;
    void *p;

    if (!ks_size_add(v->len, n, &want))
        return false;
    if (want <= v->cap)
        return true;
    cap = v->cap ? v->cap : 8;
    while (cap < want) {
        if (cap > SIZE_MAX / 2)
            return false;
        cap *= 2;
    }
    if (!ks_size_mul(cap, v->elem_size, &bytes))
        return false;
    p = ks_realloc(v->items, bytes);
    if (p == NULL)
        return false;
    v->items = p;
    v->cap = cap;
    return true;
}

void *
ks_vec_push(struct ks_vec *v)
{
    void *slot;

    if (!ks_vec_reserve(v, 1))
        return NULL;
    slot = (char *)v->items + v->len * v->elem_size;
    memset(slot, 0, v->elem_size);
    v->len++;
    return slot;
}

void
ks_vec_sort(struct ks_vec *v, int (*cmp)(const void *, const void *))
{
    if (v->len > 1)
        qsort(v->items, v->len, v->elem_size, cmp);
}
