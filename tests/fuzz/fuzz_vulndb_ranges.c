/*
 * fuzz_vulndb_ranges.c: decoding stored range blobs (a corrupt DB must give
 * KS_EDB, never a crash); what decodes must re-encode and decode to the
 * same structure (varints may be non-minimal, so bytes can differ).
 */
#include "vulndb/vulndb_int.h"

#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_arena *a = ks_arena_new(4096);
    struct ks_osv_affected o;
    struct ks_err err = KS_ERR_INIT;

    if (a == NULL)
        return 0;
    if (ks_vdb_ranges_decode(data, size, KS_SCHEME_SEMVER, a, &o, &err) == KS_OK) {
        struct ks_adv_affected aff = {0};
        struct ks_buf b = KS_BUF_INIT(1 << 24);

        aff.ranges = o.ranges;
        aff.n_ranges = o.n_ranges;
        aff.versions = o.versions;
        aff.n_versions = o.n_versions;
        struct ks_osv_affected o2;

        if (ks_vdb_ranges_encode(&aff, &b) != KS_OK ||
            ks_vdb_ranges_decode(b.data, b.len, KS_SCHEME_SEMVER, a, &o2, &err) != KS_OK ||
            o2.n_ranges != o.n_ranges || o2.n_versions != o.n_versions)
            __builtin_trap();
        for (size_t i = 0; i < o.n_versions; i++)
            if (!ks_str_eq(o.versions[i], o2.versions[i]))
                __builtin_trap();
        ks_buf_release(&b);
    }
    ks_arena_free(a);
    return 0;
}
