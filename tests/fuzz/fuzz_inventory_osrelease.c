/*
 * fuzz_inventory_osrelease.c: the os-release parser and the OS derivation
 * (ecosystem, purl distro) on arbitrary bytes.
 */
#include "inventory/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_arena *a = ks_arena_new(1 << 14);
    struct ks_os os = {0};

    if (a == NULL)
        return 0;
    if (ks_os_release_parse(ks_str_make((const char *)data, size), "etc/os-release", a, &os, NULL,
                            NULL) == KS_OK)
        (void)ks_os_finish(&os, a);
    ks_arena_free(a);
    return 0;
}
