/*
 * fuzz_vulndb_photon.c: Photon OS CVE data JSON.
 */
#include "vulndb_sink.h"

#include "vulndb/distro_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_import(ks_vdb_photon_import, data, size);
    return 0;
}
