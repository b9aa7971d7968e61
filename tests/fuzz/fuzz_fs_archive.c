/*
 * fuzz_fs_archive.c: the archive backend on arbitrary bytes held in memory
 * (what a jar inside a war is): open, walk, prefetch and read every file,
 * and open nested archives one level down.
 */
#include "fs/fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct paths {
    char *p[64];
    size_t n;
};

static enum ks_fs_visit
collect(void *ctx, const struct ks_fs_entry *e)
{
    struct paths *ps = ctx;

    if (ps->n < 64 && (e->type == KS_FS_FILE || e->type == KS_FS_SYMLINK))
        ps->p[ps->n++] = ks_strndup(e->path, e->path_len);
    return KS_FS_CONTINUE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_fs *fs = NULL;
    struct ks_err err = KS_ERR_INIT;
    struct paths ps = {{0}, 0};

    ks_log_set_level(KS_LOG_ERROR);
    if (ks_fs_open_archive_mem(NULL, "fuzz.zip", data, size, &fs, &err) != KS_OK)
        return 0;
    (void)ks_fs_walk(fs, collect, &ps, &err);
    (void)ks_fs_prefetch(fs, (const char *const *)ps.p, ps.n, &err);
    for (size_t i = 0; i < ps.n; i++) {
        struct ks_buf b = KS_BUF_INIT(1 << 20);
        struct ks_fs *child = NULL;

        if (ps.p[i] == NULL)
            continue;
        (void)ks_fs_read(fs, ps.p[i], 1 << 20, &b, &err);
        ks_buf_release(&b);
        if (ks_fs_open_nested(fs, ps.p[i], &child, &err) == KS_OK)
            ks_fs_free(child);
        ks_free(ps.p[i]);
    }
    ks_fs_free(fs);
    return 0;
}
