/*
 * fuzz_image_json.c: libFuzzer target for the image documents. The first
 * byte picks the parser (index, manifest, config, docker-save manifest,
 * kind sniffing); the rest is the document. Any input is parsed or
 * rejected with a message, never a crash; a parsed index is also run
 * through platform selection.
 */
#include "fs/image_int.h"

#include "base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_arena *a;
    struct ks_err err = KS_ERR_INIT;
    enum ks_code rc = KS_OK;

    if (size < 1)
        return 0;
    a = ks_arena_new(0);
    if (a == NULL)
        return 0;
    switch (data[0] % 5) {
    case 0: {
        struct img_index idx;
        struct img_platform p = {"linux", "arm64", NULL};

        rc = img_parse_index(data + 1, size - 1, "fuzz", a, &idx, &err);
        if (rc == KS_OK && img_platform_select(&idx, &p) >= (ptrdiff_t)idx.n)
            KS_BUG("platform select out of range");
        break;
    }
    case 1: {
        struct img_manifest m;

        rc = img_parse_manifest(data + 1, size - 1, "fuzz", a, &m, &err);
        if (rc == KS_OK)
            for (size_t i = 0; i < m.n_layers; i++)
                if (!img_digest_valid(ks_str_c(m.layers[i].digest)))
                    KS_BUG("accepted an invalid layer digest");
        break;
    }
    case 2: {
        struct img_config c;
        ptrdiff_t map[8];

        rc = img_parse_config(data + 1, size - 1, "fuzz", a, &c, &err);
        if (rc == KS_OK)
            img_history_map(&c, c.n_diff_ids < 8 ? c.n_diff_ids : 8, map);
        break;
    }
    case 3: {
        struct img_save_entry *es;
        size_t n;

        rc = img_parse_save_manifest(data + 1, size - 1, "fuzz", a, &es, &n, &err);
        break;
    }
    default:
        (void)img_doc_kind(data + 1, size - 1);
        break;
    }
    if (rc != KS_OK && rc != KS_ENOMEM && err.msg[0] == '\0')
        KS_BUG("rejection without a message");
    ks_arena_free(a);
    return 0;
}
