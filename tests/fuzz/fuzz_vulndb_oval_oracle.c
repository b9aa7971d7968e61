/*
 * fuzz_vulndb_oval_oracle.c: Oracle Linux ELSA OVAL.
 */
#include "vulndb_sink.h"

#include "vulndb/distro_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_import(ks_vdb_oracle_oval_import, data, size);
    return 0;
}
