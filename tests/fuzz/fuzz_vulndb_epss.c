/*
 * fuzz_vulndb_epss.c: the EPSS CSV, through the importer
 * and a sink that re-serialises what it gets.
 */
#include "vulndb_sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_import(ks_vdb_epss_import, data, size);
    return 0;
}
