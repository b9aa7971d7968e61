/*
 * alloc.c: every allocation under src/ goes through here so tests can make
 * the Nth allocation fail and check that KS_ENOMEM comes back cleanly.
 */
#include "base/base.h"

#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

/* Failure injection state: single-threaded tests only (see base.h). */
static size_t alloc_count;
static size_t fail_at;

size_t
ks_alloc_fail_at(size_t n)
{
    size_t made = alloc_count;

    alloc_count = 0;
    fail_at = n;
    return made;
}

static bool
should_fail(void)
{
    if (fail_at == 0)
        return false;
    alloc_count++;
    return alloc_count >= fail_at;
}

void *
ks_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n == 0 ? 1 : n);
}

void *
ks_calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    if (count == 0 || size == 0)
        return calloc(1, 1);
    return calloc(count, size);
}

void *
ks_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n == 0 ? 1 : n);
}

void
ks_free(void *p)
{
    free(p);
}

char *
ks_strndup(const char *s, size_t n)
{
    char *d;

    if (s == NULL)
        return NULL;
    d = ks_malloc(n + 1);
    if (d == NULL)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *
ks_strdup(const char *s)
{
    if (s == NULL)
        return NULL;
    return ks_strndup(s, strlen(s));
}
