/*
 * fuzz_inventory_apk.c: the apk extractor (lib/apk/db/installed) on
 * arbitrary bytes.
 */
#include "inventory/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_arena *a = ks_arena_new(1 << 16);
    struct ks_inventory *inv = a ? ks_inventory_new(a) : NULL;
    struct ks_err err = KS_ERR_INIT;

    ks_log_set_level(KS_LOG_ERROR);
    if (inv != NULL && ks_extract_run("apk", "lib/apk/db/installed", data, size, inv, &err) == KS_OK)
        (void)ks_inventory_finish(inv, &err);
    ks_arena_free(a);
    return 0;
}
