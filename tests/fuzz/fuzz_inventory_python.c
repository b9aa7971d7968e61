/*
 * fuzz_inventory_python.c: the python extractors on arbitrary bytes; the first byte
 * picks the extractor (and the path it believes it reads), the rest is the file.
 */
#include "inventory/inventory.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct {
    const char *ext, *path;
} targets[] = {
    {"python-installed", "site-packages/x-1.0.dist-info/METADATA"},
    {"python-requirements", "requirements.txt"},
    {"pipenv", "Pipfile.lock"},
    {"poetry", "poetry.lock"},
    {"pdm", "pdm.lock"},
    {"uv", "uv.lock"},
    {"pylock", "pylock.toml"},
    {"pyproject", "pyproject.toml"},
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
