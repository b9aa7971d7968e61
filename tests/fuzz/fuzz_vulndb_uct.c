/*
 * fuzz_vulndb_uct.c: the Ubuntu CVE tracker's per-CVE files.
 */
#include "vulndb_sink.h"

#include "vulndb/distro_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_import(ks_vdb_uct_import, data, size);
    return 0;
}
