/*
 * err.c: the one error type (code + message naming what and where), overflow
 * checked size arithmetic and KS_BUG for our own broken invariants.
 */
#include "base/base.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

static const char *const code_names[] = {
#define KS_CODE_NAME(name, text) #name,
    KS_CODES(KS_CODE_NAME)
#undef KS_CODE_NAME
};

static const char *const code_texts[] = {
#define KS_CODE_TEXT(name, text) text,
    KS_CODES(KS_CODE_TEXT)
#undef KS_CODE_TEXT
};

const char *
ks_code_name(enum ks_code code)
{
    if ((unsigned)code >= KS_CODE_COUNT)
        return "EUNKNOWN";
    return code_names[code];
}

const char *
ks_code_text(enum ks_code code)
{
    if ((unsigned)code >= KS_CODE_COUNT)
        return "unknown error";
    return code_texts[code];
}

enum ks_code
ks_err_setv(struct ks_err *err, enum ks_code code, const char *fmt, va_list ap)
{
    if (err == NULL)
        return code;
    err->code = code;
    if (fmt == NULL) {
        snprintf(err->msg, sizeof(err->msg), "%s", ks_code_text(code));
        return code;
    }
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    return code;
}

enum ks_code
ks_err_set(struct ks_err *err, enum ks_code code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    ks_err_setv(err, code, fmt, ap);
    va_end(ap);
    return code;
}

enum ks_code
ks_err_prefix(struct ks_err *err, const char *fmt, ...)
{
    char prefix[256];
    char old[sizeof(err->msg)];
    va_list ap;

    if (err == NULL)
        return KS_EINTERNAL;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    size_t np = strlen(prefix), no;

    memcpy(old, err->msg, sizeof(old));
    old[sizeof(old) - 1] = '\0';
    no = strlen(old);
    if (np > sizeof(err->msg) - 1)
        np = sizeof(err->msg) - 1;
    if (no > sizeof(err->msg) - 1 - np)
        no = sizeof(err->msg) - 1 - np;
    memcpy(err->msg, prefix, np);
    memcpy(err->msg + np, old, no);
    err->msg[np + no] = '\0';
    return err->code;
}

void
ks_err_clear(struct ks_err *err)
{
    if (err != NULL) {
        err->code = KS_OK;
        err->msg[0] = '\0';
    }
}

bool
ks_size_add(size_t a, size_t b, size_t *out)
{
    if (a > SIZE_MAX - b)
        return false;
    *out = a + b;
    return true;
}

bool
ks_size_mul(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return false;
    *out = a * b;
    return true;
}

void
ks_bug(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "kensa: internal bug at %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}
