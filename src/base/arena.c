/*
 * arena.c: bump allocator for everything made for one scan, request or feed
 * import. Freed in one call; non-memory resources ride along via on_free.
 */
#include "base/base.h"

#include <stdio.h>
#include <string.h>

#include "base/banned.h"

#define ARENA_ALIGN 16u

struct arena_block {
    struct arena_block *next;
    size_t size;
    size_t used;
    /* data follows, aligned */
    _Alignas(16) unsigned char data[];
};

struct arena_cleanup {
    struct arena_cleanup *next;
    void (*fn)(void *);
    void *arg;
};

struct ks_arena {
    struct arena_block *head;
    struct arena_cleanup *cleanups;
    size_t chunk_size;
    size_t used;
};

struct ks_arena *
ks_arena_new(size_t chunk_size)
{
    struct ks_arena *a = ks_calloc(1, sizeof(*a));

    if (a == NULL)
        return NULL;
    a->chunk_size = chunk_size < 4096 ? 4096 : chunk_size;
    return a;
}

void
ks_arena_free(struct ks_arena *a)
{
    if (a == NULL)
        return;
    while (a->cleanups != NULL) {
        struct arena_cleanup *c = a->cleanups;

        a->cleanups = c->next;
        c->fn(c->arg); /* the node itself lives in a block, freed below */
    }
    while (a->head != NULL) {
        struct arena_block *b = a->head;

        a->head = b->next;
        ks_free(b);
    }
    ks_free(a);
}

static struct arena_block *
new_block(size_t size)
{
    size_t total;
    struct arena_block *b;

    if (!ks_size_add(sizeof(struct arena_block), size, &total))
        return NULL;
    b = ks_malloc(total);
    if (b == NULL)
        return NULL;
    b->next = NULL;
    b->size = size;
    b->used = 0;
    return b;
}

void *
ks_arena_alloc(struct ks_arena *a, size_t n)
{
    struct arena_block *b = a->head;
    size_t need;

    if (!ks_size_add(n, ARENA_ALIGN - 1, &need))
        return NULL;
    need &= ~(size_t)(ARENA_ALIGN - 1);
    if (need == 0)
        need = ARENA_ALIGN;
    if (b == NULL || b->size - b->used < need) {
        if (need > a->chunk_size / 4) {
            /* Big request: its own block, linked behind the current one so */
            /* the current block's free space is not wasted.                 */
            struct arena_block *big = new_block(need);

            if (big == NULL)
                return NULL;
            big->used = need;
            if (b == NULL) {
                a->head = big;
            } else {
                big->next = b->next;
                b->next = big;
            }
            a->used += need;
            return big->data;
        }
        b = new_block(a->chunk_size);
        if (b == NULL)
            return NULL;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->used += need;
    return p;
}

void *
ks_arena_calloc(struct ks_arena *a, size_t count, size_t size)
{
    size_t n;
    void *p;

    if (!ks_size_mul(count, size, &n))
        return NULL;
    p = ks_arena_alloc(a, n);
    if (p != NULL)
        memset(p, 0, n);
    return p;
}

void *
ks_arena_memdup(struct ks_arena *a, const void *src, size_t n)
{
    void *p = ks_arena_alloc(a, n);

    if (p != NULL && n > 0)
        memcpy(p, src, n);
    return p;
}

char *
ks_arena_strndup(struct ks_arena *a, const char *s, size_t n)
{
    size_t total;
    char *p;

    if (s == NULL || !ks_size_add(n, 1, &total))
        return NULL;
    p = ks_arena_alloc(a, total);
    if (p == NULL)
        return NULL;
    if (n > 0)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *
ks_arena_strdup(struct ks_arena *a, const char *s)
{
    if (s == NULL)
        return NULL;
    return ks_arena_strndup(a, s, strlen(s));
}

char *
ks_arena_strdup_str(struct ks_arena *a, struct ks_str s)
{
    return ks_arena_strndup(a, s.ptr ? s.ptr : "", s.len);
}

char *
ks_arena_sprintf(struct ks_arena *a, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *p;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    p = ks_arena_alloc(a, (size_t)n + 1);
    if (p == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

bool
ks_arena_on_free(struct ks_arena *a, void (*fn)(void *), void *arg)
{
    struct arena_cleanup *c = ks_arena_alloc(a, sizeof(*c));

    if (c == NULL)
        return false;
    c->fn = fn;
    c->arg = arg;
    c->next = a->cleanups;
    a->cleanups = c;
    return true;
}

size_t
ks_arena_used(const struct ks_arena *a)
{
    return a->used;
}
