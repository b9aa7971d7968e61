/*
 * fuzz_inventory_sbom.c: the SBOM readers (CycloneDX, SPDX, Kensa JSON) on
 * arbitrary bytes, then the inventory finished and written back as Kensa
 * JSON (what the CLI does with an sbom: target).
 */
#include "inventory/inventory.h"
#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_arena *a = ks_arena_new(1 << 16);
    struct ks_inventory *inv = a ? ks_inventory_new(a) : NULL;
    struct ks_err err = KS_ERR_INIT;
    struct ks_buf out = KS_BUF_INIT(64 << 20);

    ks_log_set_level(KS_LOG_ERROR);
    ks_json_use_ks_alloc();
    if (inv != NULL && ks_sbom_read(ks_str_make((const char *)data, size), "fuzz", inv, &err) == KS_OK &&
        ks_inventory_finish(inv, &err) == KS_OK)
        (void)ks_report_inventory_json(inv, &out, &err);
    ks_buf_release(&out);
    ks_arena_free(a);
    return 0;
}
