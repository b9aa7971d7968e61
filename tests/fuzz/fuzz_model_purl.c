/*
 * fuzz_model_purl.c: parse an untrusted purl and build it back; a parsed
 * purl must build, and re-parse to the same canonical string.
 */
#include "model/model.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_arena *a = ks_arena_new(1 << 14);
    struct ks_purl p, q;
    struct ks_err err = KS_ERR_INIT;
    struct ks_buf b1 = KS_BUF_INIT(1 << 20), b2 = KS_BUF_INIT(1 << 20);

    if (a == NULL)
        return 0;
    if (ks_purl_parse(ks_str_make((const char *)data, size), a, &p, &err) == KS_OK) {
        ks_purl_build(&p, &b1);
        if (ks_buf_err(&b1) == KS_OK &&
            ks_purl_parse(ks_buf_str(&b1), a, &q, &err) == KS_OK) {
            ks_purl_build(&q, &b2);
            if (ks_buf_err(&b2) == KS_OK && strcmp(b1.data, b2.data) != 0)
                abort(); /* canonical form must be a fixed point */
        }
    }
    ks_buf_release(&b1);
    ks_buf_release(&b2);
    ks_arena_free(a);
    return 0;
}
