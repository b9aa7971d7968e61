/*
 * fuzz_vulndb_debian.c: the Debian security tracker's data/CVE/list and DSA/DLA lists.
 */
#include "vulndb_sink.h"

#include "vulndb/distro_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_import(ks_vdb_debian_cve_import, data, size);
    fuzz_import(ks_vdb_debian_dsa_import, data, size);
    return 0;
}
