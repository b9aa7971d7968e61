/*
 * fuzz_vulndb_alma.c: AlmaLinux errata JSON (a streamed top-level array).
 */
#include "vulndb_sink.h"

#include "vulndb/distro_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_import(ks_vdb_alma_import, data, size);
    return 0;
}
