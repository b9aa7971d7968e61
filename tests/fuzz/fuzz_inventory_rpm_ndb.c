/*
 * fuzz_inventory_rpm_ndb.c: the rpm ndb database walker on arbitrary bytes,
 * each blob it yields decoded as a header.
 */
#include "inventory/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum ks_code
blob_cb(void *ctx, const void *blob, size_t len, const char *where)
{
    struct ks_rpm_header h;
    struct ks_err err = KS_ERR_INIT;

    (void)where;
    (void)ks_rpm_header_parse(blob, len, ctx, &h, &err);
    return KS_OK;
}

static void
warn_cb(void *ctx, const char *msg)
{
    (void)ctx;
    (void)msg;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_arena *a = ks_arena_new(1 << 16);
    struct ks_err err = KS_ERR_INIT;

    if (a == NULL)
        return 0;
    (void)ks_rpm_ndb_each(data, size, blob_cb, warn_cb, a, &err);
    ks_arena_free(a);
    return 0;
}
