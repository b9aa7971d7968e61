/*
 * fuzz_vulndb_secdb.c: Alpine/Wolfi/Chainguard secdb JSON, with the id
 * extraction regex over every secfixes entry.
 */
#include "vulndb_sink.h"

#include "vulndb/distro_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_import(ks_vdb_secdb_import, data, size);
    return 0;
}
