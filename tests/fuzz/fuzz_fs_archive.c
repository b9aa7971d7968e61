/*
 * fuzz_fs_archive.c: open arbitrary bytes as an in-memory archive, walk
 * it, and read every file through the fs view (symlinks resolved inside the
 * root, hardlinks followed, limits enforced).
 */
#include "fs/fs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ctx {
    struct ks_fs *fs;
    int reads;
};

static enum ks_fs_visit
visit(void *arg, const struct ks_fs_entry *e)
{
    struct ctx *c = arg;
    struct ks_buf b = KS_BUF_INIT(1 << 20);
    struct ks_err err = KS_ERR_INIT;

    if ((e->type == KS_FS_FILE || e->type == KS_FS_SYMLINK) && c->reads++ < 64) {
        char copy[KS_FS_MAX_PATH + 1];

        snprintf(copy, sizeof(copy), "%s", e->path); /* the entry dies with the read */
        (void)ks_fs_read(c->fs, copy, 1 << 20, &b, &err);
    }
    ks_buf_release(&b);
    return KS_FS_CONTINUE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_fs *fs = NULL;
    struct ks_err err = KS_ERR_INIT;
    struct ctx c = {NULL, 0};

    ks_log_set_level(KS_LOG_ERROR);
    if (ks_fs_open_archive_mem(NULL, "fuzz", data, size, &fs, &err) == KS_OK) {
        c.fs = fs;
        (void)ks_fs_walk(fs, visit, &c, &err);
        ks_fs_free(fs);
    }
    return 0;
}
