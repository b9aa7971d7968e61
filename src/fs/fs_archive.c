/*
 * fs_archive.c: the archive backends of the fs view. An archive file (tar,
 * optionally gzip/bzip2/xz/zstd compressed, or zip) or an archive held in
 * memory (a jar inside a war inside an image) is listed once into an index
 * (fs_index.c); contents are read on demand, or for many files in one more
 * pass by prefetch. Only the tar and zip formats are enabled (less attack
 * surface). libarchive does not guard against bombs, so this file does:
 * entry counts, declared and actual bytes per archive tree (nested archives
 * count against their outermost parent), the uncompressed:compressed ratio
 * of in-memory archives, and the nesting depth.
 */
#include "fs/fs_int.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

/* Below this many uncompressed bytes the ratio check does not apply: small */
/* archives of text or zeros legitimately compress far better than 200:1.  */
#define ARC_RATIO_FLOOR ((uint64_t)32 << 20)
#define ARC_READ_BLOCK  (64 * 1024)

struct arc_impl {
    struct fs_index idx;
    char *file;       /* archive on disk, or NULL */
    const void *mem;  /* archive in memory (borrowed or fs->owned_data) */
    size_t mem_len;
    uint64_t n_entries;   /* headers seen in the listing pass (ordinals) */
    uint64_t read_bytes;  /* bytes actually decompressed from this archive */
};

static enum ks_code
arc_reader(struct ks_fs *fs, struct archive **out, struct ks_err *err)
{
    struct arc_impl *impl = fs->impl;
    struct archive *a = archive_read_new();
    int r;

    if (a == NULL)
        return ks_err_set(err, KS_ENOMEM, "fs: out of memory opening '%s'", fs->name);
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_format_tar(a);
    archive_read_support_format_zip(a);
    if (impl->file != NULL)
        r = archive_read_open_filename(a, impl->file, ARC_READ_BLOCK);
    else
        r = archive_read_open_memory(a, impl->mem, impl->mem_len);
    if (r != ARCHIVE_OK) {
        enum ks_code rc = ks_err_set(err, KS_EPARSE, "'%s': not a tar or zip archive (%s)",
                                     fs->name, archive_error_string(a) ? archive_error_string(a)
                                                                       : "unrecognised format");

        archive_read_free(a);
        return rc;
    }
    *out = a;
    return KS_OK;
}

/* Account for bytes decompressed: the tree's budget and this archive's ratio. */
static enum ks_code
charge(struct ks_fs *fs, uint64_t n, const char *what, struct ks_err *err)
{
    struct arc_impl *impl = fs->impl;

    impl->read_bytes += n;
    fs->budget->total_bytes += n;
    if (fs->budget->total_bytes > fs->limits.max_total_bytes)
        return ks_err_set(err, KS_ETOOBIG,
                          "'%s': more than %llu bytes decompressed in this archive tree at '%s'",
                          fs->name, (unsigned long long)fs->limits.max_total_bytes, what);
    if (impl->mem != NULL && impl->read_bytes > ARC_RATIO_FLOOR &&
        impl->read_bytes / (impl->mem_len ? impl->mem_len : 1) > fs->limits.max_ratio)
        return ks_err_set(err, KS_ETOOBIG,
                          "'%s': decompresses more than %u:1 at '%s' (a decompression bomb?)",
                          fs->name, fs->limits.max_ratio, what);
    return KS_OK;
}

static enum ks_fs_type
entry_type(struct archive_entry *ae)
{
    switch (archive_entry_filetype(ae)) {
    case AE_IFREG:
        return KS_FS_FILE;
    case AE_IFDIR:
        return KS_FS_DIR;
    case AE_IFLNK:
        return KS_FS_SYMLINK;
    default:
        return KS_FS_OTHER;
    }
}

static const char *
entry_path(struct archive_entry *ae)
{
    const char *p = archive_entry_pathname(ae);

    return p != NULL ? p : archive_entry_pathname_utf8(ae);
}

/* The listing pass: one node per entry; ordinals let later passes find it. */
static enum ks_code
arc_index(struct ks_fs *fs, struct ks_err *err)
{
    struct arc_impl *impl = fs->impl;
    struct archive *a = NULL;
    struct archive_entry *ae;
    struct ks_buf clean = KS_BUF_INIT(KS_FS_MAX_PATH + 1);
    uint64_t declared = 0;
    enum ks_code rc;

    if ((rc = arc_reader(fs, &a, err)) != KS_OK)
        return rc;
    for (;;) {
        int r = archive_read_next_header(a, &ae);
        const char *raw, *link;
        struct fs_node *n;
        enum ks_fs_type type;
        uint64_t ordinal = impl->n_entries;

        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            const char *why = archive_error_string(a) ? archive_error_string(a) : "bad header";

            if (impl->n_entries == 0) {
                rc = ks_err_set(err, KS_EPARSE, "'%s': not a readable archive (%s)", fs->name,
                                why);
                goto out;
            }
            fs_warn(fs, "'%s': damaged after %llu entries (%s); keeping what was read", fs->name,
                    (unsigned long long)impl->n_entries, why);
            break;
        }
        impl->n_entries++;
        raw = entry_path(ae);
        if (raw == NULL || raw[0] == '\0')
            continue;
        ks_buf_reset(&clean);
        if (raw[0] == '/' || !ks_fs_path_clean(ks_str_c(raw), &clean)) {
            if (strcmp(raw, "./") != 0 && strcmp(raw, ".") != 0 && strcmp(raw, "/") != 0)
                fs_warn(fs, "'%s': entry '%.200s' would leave the root, skipped", fs->name, raw);
            continue;
        }
        if (clean.len > KS_FS_MAX_PATH) {
            fs_warn(fs, "'%s': entry path longer than %d bytes, skipped", fs->name,
                    KS_FS_MAX_PATH);
            continue;
        }
        type = entry_type(ae);
        link = archive_entry_hardlink(ae);
        if (link != NULL)
            type = KS_FS_FILE;
        n = fs_index_put(&impl->idx, fs, clean.data, type, err);
        if (n == NULL) {
            rc = err ? err->code : KS_ENOMEM;
            goto out;
        }
        n->source = (uint32_t)KS_MIN(ordinal, UINT32_MAX);
        n->mode = (uint32_t)archive_entry_perm(ae) & 07777;
        if (n->mode == 0)
            n->mode = type == KS_FS_DIR ? 0755 : 0644;
        n->mtime = archive_entry_mtime_is_set(ae) ? (int64_t)archive_entry_mtime(ae) : 0;
        if (link != NULL) {
            struct ks_buf t = KS_BUF_INIT(KS_FS_MAX_PATH + 1);

            if (link[0] != '/' && ks_fs_path_clean(ks_str_c(link), &t))
                n->hardlink = ks_arena_strndup(impl->idx.arena, t.data, t.len);
            ks_buf_release(&t);
            if (n->hardlink == NULL) {
                fs_warn(fs, "'%s': hardlink '%.200s' to '%.200s' is unusable", fs->name,
                        clean.data, link);
                n->type = KS_FS_OTHER;
            }
        } else if (type == KS_FS_SYMLINK) {
            const char *target = archive_entry_symlink(ae);

            n->link = ks_arena_strdup(impl->idx.arena, target ? target : "");
            if (n->link == NULL) {
                rc = ks_err_set(err, KS_ENOMEM, "fs: out of memory indexing '%s'", fs->name);
                goto out;
            }
        } else if (type == KS_FS_FILE) {
            int64_t sz = archive_entry_size_is_set(ae) ? archive_entry_size(ae) : 0;

            n->size = sz > 0 ? (uint64_t)sz : 0;
            declared += n->size;
            if (fs->budget->total_bytes + declared > fs->limits.max_total_bytes) {
                rc = ks_err_set(err, KS_ETOOBIG,
                                "'%s': declares more than %llu bytes in this archive tree",
                                fs->name, (unsigned long long)fs->limits.max_total_bytes);
                goto out;
            }
        }
    }
    if (impl->mem != NULL && declared > ARC_RATIO_FLOOR &&
        declared / (impl->mem_len ? impl->mem_len : 1) > fs->limits.max_ratio) {
        rc = ks_err_set(err, KS_ETOOBIG,
                        "'%s': declares %llu bytes in %zu, over %u:1 (a decompression bomb?)",
                        fs->name, (unsigned long long)declared, impl->mem_len,
                        fs->limits.max_ratio);
        goto out;
    }
    rc = KS_OK;
out:
    ks_buf_release(&clean);
    archive_read_free(a);
    return rc;
}

/* Read the current entry's data (at most max bytes) into out. */
static enum ks_code
read_entry(struct ks_fs *fs, struct archive *a, const char *path, uint64_t max,
           struct ks_buf *out, struct ks_err *err)
{
    char block[ARC_READ_BLOCK];
    enum ks_code rc;

    for (;;) {
        la_ssize_t got = archive_read_data(a, block, sizeof(block));

        if (got == 0)
            return KS_OK;
        if (got < 0)
            return ks_err_set(err, KS_EIO, "'%s': cannot read '%s' (%s)", fs->name, path,
                              archive_error_string(a) ? archive_error_string(a) : "bad data");
        if ((rc = charge(fs, (uint64_t)got, path, err)) != KS_OK)
            return rc;
        if (out->len + (size_t)got > max)
            return ks_err_set(err, KS_ETOOBIG, "'%s': '%s' is larger than %llu bytes", fs->name,
                              path, (unsigned long long)max);
        ks_buf_append(out, block, (size_t)got);
        if (ks_buf_err(out) != KS_OK)
            return ks_err_set(err, KS_ENOMEM, "fs: out of memory reading '%s' in '%s'", path,
                              fs->name);
    }
}

/* Position a reader on the entry with this ordinal. */
static enum ks_code
seek_ordinal(struct ks_fs *fs, struct archive *a, uint32_t ordinal, const char *path,
             struct ks_err *err)
{
    struct archive_entry *ae;

    for (uint64_t i = 0;; i++) {
        int r = archive_read_next_header(a, &ae);

        if (r == ARCHIVE_EOF || (r != ARCHIVE_OK && r != ARCHIVE_WARN))
            return ks_err_set(err, KS_EIO, "'%s': entry '%s' is no longer readable", fs->name,
                              path);
        if (i == ordinal)
            return KS_OK;
    }
}

/* A memory handle that owns its bytes. */
static enum ks_code
owned_read(struct ks_fs_file *f, void *buf, size_t n, size_t *got, struct ks_err *err)
{
    size_t left = f->len - f->pos;

    (void)err;
    if (n > left)
        n = left;
    if (n > 0)
        memcpy(buf, f->data + f->pos, n);
    f->pos += n;
    *got = n;
    return KS_OK;
}

static enum ks_code
owned_seek(struct ks_fs_file *f, uint64_t off, struct ks_err *err)
{
    (void)err;
    f->pos = off > f->len ? f->len : (size_t)off;
    return KS_OK;
}

static void
owned_close(struct ks_fs_file *f)
{
    ks_free(f->impl);
    f->impl = NULL;
}

static const struct ks_fs_file_ops owned_ops = {owned_read, owned_close, owned_seek};

static enum ks_code
arc_open(struct ks_fs *fs, const char *path, struct ks_fs_file **out, struct ks_err *err)
{
    struct arc_impl *impl = fs->impl;
    struct fs_node *n = fs_index_get(&impl->idx, path);
    struct archive *a = NULL;
    struct ks_buf data = KS_BUF_INIT(SIZE_MAX);
    struct ks_fs_file *f;
    enum ks_code rc;

    if (n == NULL)
        return ks_err_set(err, KS_ENOTFOUND, "'%s': no such file in '%s'", path, fs->name);
    if (n->type != KS_FS_FILE)
        return ks_err_set(err, KS_EINVAL, "'%s': not a regular file in '%s'", path, fs->name);
    n = fs_index_data_node(&impl->idx, n);
    if (n == NULL)
        return ks_err_set(err, KS_ENOTFOUND, "'%s': broken hardlink in '%s'", path, fs->name);
    if (n->cached) {
        f = fs_file_mem(n->data, n->data_len, path);
        if (f == NULL)
            return ks_err_set(err, KS_ENOMEM, "fs: out of memory opening '%s'", path);
        *out = f;
        return KS_OK;
    }
    if ((rc = arc_reader(fs, &a, err)) != KS_OK)
        return rc;
    if ((rc = seek_ordinal(fs, a, n->source, path, err)) != KS_OK ||
        (rc = read_entry(fs, a, path, fs->limits.max_file_bytes, &data, err)) != KS_OK)
        goto out;
    f = fs_file_new(&owned_ops, path, data.len);
    if (f == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "fs: out of memory opening '%s'", path);
        goto out;
    }
    f->len = data.len;
    f->impl = ks_buf_detach(&data, NULL);
    f->data = f->impl;
    if (f->impl == NULL) {
        ks_fs_file_close(f);
        rc = ks_err_set(err, KS_ENOMEM, "fs: out of memory opening '%s'", path);
        goto out;
    }
    *out = f;
    rc = KS_OK;
out:
    ks_buf_release(&data);
    archive_read_free(a);
    return rc;
}

static int
cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

    return a < b ? -1 : a > b;
}

/* One pass reading every wanted entry into the cache (as far as the cache allows). */
static enum ks_code
arc_prefetch(struct ks_fs *fs, const char *const *paths, size_t n, struct ks_err *err)
{
    struct arc_impl *impl = fs->impl;
    struct archive *a = NULL;
    struct archive_entry *ae;
    uint32_t *want = NULL;
    size_t m = 0, k = 0;
    struct ks_buf data = KS_BUF_INIT(SIZE_MAX);
    enum ks_code rc = KS_OK;

    if (n == 0)
        return KS_OK;
    want = ks_calloc(n, sizeof(*want));
    if (want == NULL)
        return ks_err_set(err, KS_ENOMEM, "fs: out of memory in prefetch");
    for (size_t i = 0; i < n; i++) {
        struct fs_node *node = fs_index_get(&impl->idx, paths[i]);

        node = node && node->type == KS_FS_FILE ? fs_index_data_node(&impl->idx, node) : NULL;
        if (node != NULL && !node->cached && node->size <= fs->limits.max_file_bytes)
            want[m++] = node->source;
    }
    if (m == 0)
        goto out;
    qsort(want, m, sizeof(*want), cmp_u32);
    if ((rc = arc_reader(fs, &a, err)) != KS_OK)
        goto out;
    for (uint64_t ord = 0; k < m; ord++) {
        int r = archive_read_next_header(a, &ae);
        struct ks_err e2 = KS_ERR_INIT;
        struct fs_node *node;
        struct ks_buf clean = KS_BUF_INIT(KS_FS_MAX_PATH + 1);
        const char *raw;

        if (r == ARCHIVE_EOF || (r != ARCHIVE_OK && r != ARCHIVE_WARN))
            break;
        while (k < m && want[k] < ord)
            k++;
        if (k >= m || want[k] != ord)
            continue;
        raw = entry_path(ae);
        node = raw && ks_fs_path_clean(ks_str_c(raw), &clean)
                   ? fs_index_get(&impl->idx, clean.data)
                   : NULL;
        ks_buf_release(&clean);
        if (node == NULL || node->source != ord || node->cached)
            continue;
        ks_buf_reset(&data);
        rc = read_entry(fs, a, node->path, fs->limits.max_file_bytes, &data, &e2);
        if (rc == KS_ENOMEM) {
            rc = ks_err_set(err, rc, "%s", e2.msg);
            goto out;
        }
        if (rc == KS_ETOOBIG && (fs->budget->total_bytes > fs->limits.max_total_bytes ||
                                 strstr(e2.msg, "bomb") != NULL)) {
            fs_warn(fs, "%s", e2.msg);
            rc = KS_OK;
            break; /* the tree's budget is spent: later reads fail on their own */
        }
        rc = KS_OK;
        if (e2.code == KS_OK)
            fs_index_cache(&impl->idx, fs, node, data.data, data.len);
    }
out:
    ks_buf_release(&data);
    archive_read_free(a);
    ks_free(want);
    return rc;
}

static enum ks_code
arc_walk(struct ks_fs *fs, ks_fs_walk_fn fn, void *ctx, struct ks_err *err)
{
    struct arc_impl *impl = fs->impl;

    return fs_index_walk(&impl->idx, fn, ctx, err);
}

static enum ks_code
arc_lstat(struct ks_fs *fs, const char *path, struct ks_fs_entry *out, struct ks_err *err)
{
    struct arc_impl *impl = fs->impl;

    return fs_index_lstat(&impl->idx, path, out, err);
}

static void
arc_close(struct ks_fs *fs)
{
    struct arc_impl *impl = fs->impl;

    fs_index_release(&impl->idx);
    ks_free(impl->file);
    ks_free(impl);
    fs->impl = NULL;
}

static const struct ks_fs_ops arc_ops = {
    .kind = "archive",
    .walk = arc_walk,
    .lstat = arc_lstat,
    .open = arc_open,
    .prefetch = arc_prefetch,
    .close = arc_close,
};

static enum ks_code
arc_new(struct ks_fs *fs, struct ks_err *err)
{
    struct arc_impl *impl = ks_calloc(1, sizeof(*impl));
    enum ks_code rc;

    if (impl == NULL)
        return ks_err_set(err, KS_ENOMEM, "fs: out of memory opening '%s'", fs->name);
    if ((rc = fs_index_init(&impl->idx, err)) != KS_OK) {
        ks_free(impl);
        return rc;
    }
    fs->impl = impl;
    return KS_OK;
}

enum ks_code
ks_fs_open_archive(const char *path, const struct ks_fs_options *opts, struct ks_fs **out,
                   struct ks_err *err)
{
    struct ks_fs *fs = NULL;
    struct arc_impl *impl;
    enum ks_code rc;

    if ((rc = fs_new(&arc_ops, path, opts, &fs, err)) != KS_OK)
        return rc;
    if ((rc = arc_new(fs, err)) != KS_OK)
        goto fail;
    impl = fs->impl;
    impl->file = ks_strdup(path);
    if (impl->file == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "fs: out of memory opening '%s'", path);
        goto fail;
    }
    if ((rc = arc_index(fs, err)) != KS_OK)
        goto fail;
    *out = fs;
    return KS_OK;
fail:
    ks_fs_free(fs);
    return rc;
}

/* Options for a nested archive: the parent's flags, limits and warnings. */
static void
child_options(const struct ks_fs *parent, struct ks_fs_options *o)
{
    memset(o, 0, sizeof(*o));
    if (parent == NULL)
        return;
    o->flags = parent->flags;
    o->limits = parent->limits;
    o->warn = parent->warn;
    o->warn_ctx = parent->warn_ctx;
}

static enum ks_code
open_mem(struct ks_fs *parent, const char *name, const void *data, size_t len, void *owned,
         struct ks_fs **out, struct ks_err *err)
{
    struct ks_fs_options o;
    struct ks_fs *fs = NULL;
    struct arc_impl *impl;
    enum ks_code rc;

    if (parent != NULL && parent->depth + 1 > parent->limits.max_depth) {
        ks_free(owned);
        return ks_err_set(err, KS_ETOOBIG, "'%s': archives nested more than %u deep", name,
                          parent->limits.max_depth);
    }
    child_options(parent, &o);
    if ((rc = fs_new(&arc_ops, name, parent ? &o : NULL, &fs, err)) != KS_OK) {
        ks_free(owned);
        return rc;
    }
    fs->owned_data = owned;
    if (parent != NULL) {
        /* Share the outermost parent's budget: a zip of zips cannot multiply it. */
        ks_free(fs->budget);
        fs->budget = parent->budget;
        fs->budget->refs++;
        fs->depth = parent->depth + 1;
    }
    if ((rc = arc_new(fs, err)) != KS_OK)
        goto fail;
    impl = fs->impl;
    impl->mem = data;
    impl->mem_len = len;
    if (len == 0) {
        rc = ks_err_set(err, KS_EPARSE, "'%s': empty file, not an archive", name);
        goto fail;
    }
    if ((rc = arc_index(fs, err)) != KS_OK)
        goto fail;
    *out = fs;
    return KS_OK;
fail:
    ks_fs_free(fs);
    return rc;
}

enum ks_code
ks_fs_open_archive_mem(struct ks_fs *parent, const char *name, const void *data, size_t len,
                       struct ks_fs **out, struct ks_err *err)
{
    return open_mem(parent, name, data, len, NULL, out, err);
}

enum ks_code
ks_fs_open_nested(struct ks_fs *parent, const char *path, struct ks_fs **out, struct ks_err *err)
{
    struct ks_buf data = KS_BUF_INIT(SIZE_MAX);
    struct ks_buf name = KS_BUF_INIT(KS_FS_MAX_PATH * 4);
    enum ks_code rc;
    size_t len = 0;
    void *bytes;

    if (parent->depth + 1 > parent->limits.max_depth)
        return ks_err_set(err, KS_ETOOBIG, "'%s!%s': archives nested more than %u deep",
                          parent->name, path, parent->limits.max_depth);
    rc = ks_fs_read(parent, path, (size_t)KS_MIN(parent->limits.max_file_bytes, SIZE_MAX), &data,
                    err);
    if (rc != KS_OK) {
        ks_buf_release(&data);
        return rc;
    }
    ks_buf_appendf(&name, "%s!%s", parent->name, path);
    if (ks_buf_err(&name) != KS_OK) {
        ks_buf_release(&data);
        ks_buf_release(&name);
        return ks_err_set(err, KS_ETOOBIG, "'%s': nested path too long", path);
    }
    bytes = ks_buf_detach(&data, &len);
    if (bytes == NULL) {
        ks_buf_release(&name);
        return ks_err_set(err, KS_ENOMEM, "fs: out of memory opening '%s'", path);
    }
    rc = open_mem(parent, name.data, bytes, len, bytes, out, err);
    ks_buf_release(&name);
    return rc;
}
