/*
 * fuzz_vulndb_oval_debian.c: Debian OVAL through the OVAL reader (libxml2).
 */
#include "vulndb_sink.h"

#include "vulndb/distro_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_import(ks_vdb_debian_oval_import, data, size);
    return 0;
}
