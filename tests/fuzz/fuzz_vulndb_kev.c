/*
 * fuzz_vulndb_kev.c: the CISA KEV catalog (streamed), through the importer
 * and a sink that re-serialises what it gets.
 */
#include "vulndb_sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_import(ks_vdb_kev_import, data, size);
    return 0;
}
