/*
 * fuzz_layercache.c: libFuzzer target for the per-layer cache's entry
 * format (layercache_int.h). The input is one cache file. It is parsed
 * without its checksum (so mutations reach the structure checks behind
 * it): every index entry is replayed into a squash tree as a scan does,
 * and no walked path may leave the root; every record's blob is parsed and
 * its ranges must stay inside the file and the blob. Then the same bytes
 * are loaded from disk through lc_load and lc_entry_blob, checksums on.
 */
#include "fs/layercache_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum img_visit
check_walk(void *ctx, uint32_t id, const char *path, size_t len)
{
    const struct img_tree *t = ctx;

    if (path[0] == '/' || strstr(path, "/../") != NULL || strncmp(path, "../", 3) == 0 ||
        strcmp(path, "..") == 0 || (len >= 3 && strcmp(path + len - 3, "/..") == 0))
        KS_BUG("replayed path '%s' leaves the root", path);
    if (img_tree_lookup(t, ks_str_make(path, len)) != id)
        KS_BUG("replayed path '%s' does not look up to its node", path);
    return IMG_CONTINUE;
}

/* Replay the index into a tree exactly as fs_image.c's try_replay does. */
static void
replay(const struct lc_view *v)
{
    struct img_tree *t = NULL;
    struct ks_err err = KS_ERR_INIT;
    struct img_apply_bufs bufs;
    struct ks_cur cur = ks_cur_make(v->index, (size_t)v->h.index_len);
    uint64_t n = 0;

    if (img_tree_new(200000, &t, &err) != KS_OK)
        return;
    img_apply_bufs_init(&bufs);
    while (ks_cur_left(&cur) > 0) {
        struct img_entry e;

        if (lc_index_next(&cur, &e, &err) != KS_OK)
            KS_BUG("a validated index fails at entry %llu: %s", (unsigned long long)n, err.msg);
        if (img_layer_apply_entry(t, 0, "1 (fuzz)", (uint32_t)n, &e, e.path, false, NULL, NULL,
                                  &bufs, &err) != KS_OK)
            break; /* the tree's own limits */
        n++;
    }
    img_apply_bufs_release(&bufs);
    (void)img_tree_walk(t, check_walk, t, &err);
    img_tree_free(t);
}

/* Every record: found by its ordinal, its blob inside the data area, its ranges inside it. */
static void
records(const struct lc_view *v, const uint8_t *data, size_t size)
{
    for (size_t i = 0; i < v->h.n_records; i++) {
        struct lc_rec r;
        struct lc_range ranges[LC_MAX_RANGES];
        const uint8_t *bytes = NULL;
        struct ks_err err = KS_ERR_INIT;
        uint64_t total = 0;

        lc_view_rec(v, i, &r);
        if (lc_view_find(v, r.ordinal) != (ptrdiff_t)i)
            KS_BUG("record %zu is not found by its ordinal %u", i, r.ordinal);
        if (v->data_off + r.blob_off + r.blob_len > size)
            KS_BUG("record %zu's blob ends past the file", i);
        if (lc_parse_blob(data + v->data_off + r.blob_off, (size_t)r.blob_len, &r, ranges, &bytes,
                          &err) != KS_OK)
            continue;
        for (uint32_t k = 0; k < r.n_ranges; k++) {
            const uint8_t *p = NULL;
            size_t got;

            if (ranges[k].off + ranges[k].len > r.size)
                KS_BUG("record %zu range %u ends past the file's size", i, k);
            total += ranges[k].len;
            {
                struct lc_blob b = {r.size, r.n_ranges, {{0, 0}}, NULL, bytes};

                memcpy(b.ranges, ranges, r.n_ranges * sizeof(ranges[0]));
                got = lc_blob_at(&b, ranges[k].off, &p);
                if (got != ranges[k].len || p < bytes ||
                    p + got > bytes + (r.blob_len - r.n_ranges * 16))
                    KS_BUG("record %zu range %u maps outside its blob", i, k);
            }
        }
        if (total + (uint64_t)r.n_ranges * LC_RANGE_SIZE != r.blob_len)
            KS_BUG("record %zu's ranges do not add up to its blob", i);
    }
}

/* A scratch cache directory for the whole run. */
static struct lc_cache *cache;
static char root[256];

static void
cleanup(void)
{
    char p[400];

    lc_close(cache);
    snprintf(p, sizeof(p), "%s/layers/.lock", root);
    (void)unlink(p);
    snprintf(p, sizeof(p), "%s/layers/sha256", root);
    (void)rmdir(p);
    snprintf(p, sizeof(p), "%s/layers", root);
    (void)rmdir(p);
    (void)rmdir(root);
}

/* The loader over the same bytes as a file named by the diff id it claims. */
static void
load(const uint8_t *data, size_t size)
{
    struct ks_err err = KS_ERR_INIT;
    struct lc_entry *e = NULL;
    char diff_id[72], path[400];
    FILE *f;

    if (cache == NULL) {
        const char *tmp = getenv("TMPDIR");
        char dir[300];

        ks_log_set_level(KS_LOG_ERROR); /* every mutated entry is a warning */
        snprintf(root, sizeof(root), "%s/kensa-fuzz-lc.XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
        if (mkdtemp(root) == NULL)
            return;
        snprintf(dir, sizeof(dir), "%s/layers", root);
        if (lc_open(dir, (uint64_t)1 << 30, &cache, &err) != KS_OK || cache == NULL)
            return;
        atexit(cleanup);
    }
    if (size < 48)
        return;
    memcpy(diff_id, "sha256:", 7);
    ks_hex_encode(data + 16, 32, diff_id + 7);
    snprintf(path, sizeof(path), "%s/layers/sha256/%s", root, diff_id + 7);
    f = fopen(path, "wb");
    if (f == NULL)
        return;
    if (fwrite(data, 1, size, f) != size) {
        fclose(f);
        (void)unlink(path);
        return;
    }
    fclose(f);
    if (lc_load(cache, diff_id, &e, &err) == KS_OK) {
        for (size_t i = 0; i < e->v.h.n_records; i++) {
            struct lc_rec r;
            struct lc_blob *b = NULL;

            lc_view_rec(&e->v, i, &r);
            if (lc_entry_blob(e, i, r.size, &b, &err) == KS_OK && lc_blob_whole(b))
                ks_free(lc_blob_take_whole(b));
            else
                lc_blob_free(b);
        }
        lc_entry_free(e);
    }
    (void)unlink(path);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lc_view v;
    struct ks_err err = KS_ERR_INIT;

    if (lc_parse(data, size, size, false, &v, &err) == KS_OK) {
        if (v.data_off + v.h.data_len != size)
            KS_BUG("a parsed entry is not exactly its file");
        replay(&v);
        records(&v, data, size);
    }
    load(data, size);
    return 0;
}
