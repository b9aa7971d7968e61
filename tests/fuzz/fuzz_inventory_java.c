/*
 * fuzz_inventory_java.c: the java extractors on arbitrary bytes; the first byte
 * picks the extractor (and the path it believes it reads), the rest is the file.
 */
#include "inventory/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
    const char *ext, *path;
} targets[] = {
    {"java-archive", "app.war"},
    {"maven-pom", "pom.xml"},
    {"gradle-lock", "gradle.lockfile"},
    {"gradle-verification", "gradle/verification-metadata.xml"},
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_arena *a;
    struct ks_inventory *inv;
    struct ks_err err = KS_ERR_INIT;
    size_t pick;

    if (size < 1)
        return 0;
    pick = data[0] % (sizeof(targets) / sizeof(targets[0]));
    ks_log_set_level(KS_LOG_ERROR);
    a = ks_arena_new(1 << 16);
    inv = a ? ks_inventory_new(a) : NULL;
    if (inv != NULL && ks_extract_run(targets[pick].ext, targets[pick].path, data + 1, size - 1,
                                      inv, &err) == KS_OK)
        (void)ks_inventory_finish(inv, &err);
    ks_arena_free(a);
    return 0;
}
