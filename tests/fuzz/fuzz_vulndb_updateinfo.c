/*
 * fuzz_vulndb_updateinfo.c: yum updateinfo.xml as Amazon Linux (ALAS) and
 * Rocky Linux publish it, through both importers (libxml2 xmlTextReader).
 */
#include "vulndb_sink.h"

#include "vulndb/distro_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_import(ks_vdb_alas_import, data, size);
    fuzz_import(ks_vdb_rocky_import, data, size);
    return 0;
}
