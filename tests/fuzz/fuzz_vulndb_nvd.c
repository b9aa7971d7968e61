/*
 * fuzz_vulndb_nvd.c: NVD CVE API 2.0 documents: the streaming splitter and single records, through the importer
 * and a sink that re-serialises what it gets.
 */
#include "vulndb_sink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_import(ks_vdb_nvd_import, data, size);
    return 0;
}
