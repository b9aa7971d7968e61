/*
 * fuzz_inventory_rpm_header.c: the rpm header blob decoder on arbitrary
 * bytes; a decoded header's arrays must be as long as they say.
 */
#include "inventory/inventory.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_arena *a = ks_arena_new(1 << 16);
    struct ks_rpm_header h;
    struct ks_err err = KS_ERR_INIT;
    volatile size_t sink = 0;

    if (a == NULL)
        return 0;
    if (ks_rpm_header_parse(data, size, a, &h, &err) == KS_OK) {
        sink += strlen(h.name) + strlen(h.version);
        for (size_t i = 0; i < h.n_basenames; i++) {
            if (h.dirindexes[i] >= h.n_dirnames)
                abort();
            sink += strlen(h.basenames[i]) + strlen(h.dirnames[h.dirindexes[i]]);
        }
        for (size_t i = 0; i < h.n_requires; i++)
            sink += strlen(h.requires[i]);
    }
    (void)sink;
    ks_arena_free(a);
    return 0;
}
