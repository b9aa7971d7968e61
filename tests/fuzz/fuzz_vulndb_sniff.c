/*
 * fuzz_vulndb_sniff.c: format detection over arbitrary heads: the top-level
 * key scanner and every importer's sniffer.
 */
#include "vulndb/vulndb_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

static bool
key_cb(void *ctx, struct ks_str k, struct ks_str v)
{
    (void)ctx;
    sink += k.len + v.len;
    return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_str head = ks_str_make((const char *)data, size);
    const struct ks_vdb_importer *imp = ks_vdb_sniff(head, "fuzz.json");

    sink += imp != NULL;
    sink += ks_vdb_json_keys(head, key_cb, NULL);
    return 0;
}
