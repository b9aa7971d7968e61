/*
 * fuzz_vulndb_oval_redhat.c: Red Hat OVAL v2 (errata, unpatched and unaffected CVE definitions).
 */
#include "vulndb_sink.h"

#include "vulndb/distro_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_import(ks_vdb_redhat_oval_import, data, size);
    return 0;
}
