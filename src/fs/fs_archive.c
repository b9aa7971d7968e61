/*
 * fs_archive.c: archives as fs views, through libarchive with only what we
 * need enabled (tar in all its dialects and zip; gzip, bzip2, xz/lzma and
 * zstd filters). Opening makes one pass over the headers into an fs_index;
 * contents are read by one more pass (prefetch) or a pass per file, so an
 * archive is never extracted to disk. Archives in memory (a jar read out of
 * a war) nest to any depth under the limits of fs.h: entry count, declared
 * size against the outermost archive's budget, compression ratio, depth.
 * Entry paths are cleaned; one that would climb out of the root is skipped
 * with a warning, and nothing is ever written anywhere.
 */
#include "fs/fs_int.h"

#include <errno.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "base/banned.h"

struct archive_impl {
    struct fs_index idx;
    char *path;        /* archive file, or NULL when in memory */
    const void *mem;   /* in-memory archive (borrowed or fs->owned_data) */
    size_t mem_len;
    uint64_t n_entries; /* entries seen in the stream (ordinals) */
    uint64_t declared;  /* declared uncompressed bytes */
    const char *format; /* "tar", "zip", ... as libarchive named it */
};

static enum ks_code
reader_open(struct ks_fs *fs, struct archive_impl *ai, struct archive **out, struct ks_err *err)
{
    struct archive *a = archive_read_new();
    enum ks_code rc;
    int r;

    if (a == NULL)
        return ks_err_set(err, KS_ENOMEM, "'%s': out of memory opening the archive", fs->name);
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    archive_read_support_format_zip(a);
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_lzma(a);
    archive_read_support_filter_zstd(a);
    if (ai->path != NULL)
        r = archive_read_open_filename(a, ai->path, 1 << 16);
    else
        r = archive_read_open_memory(a, ai->mem, ai->mem_len);
    if (r != ARCHIVE_OK) {
        int e = archive_errno(a);

        rc = ks_err_set(err, e == ENOENT ? KS_ENOTFOUND : KS_EPARSE,
                        "'%s': not a readable archive: %s", fs->name,
                        archive_error_string(a) ? archive_error_string(a) : "unknown format");
        archive_read_free(a);
        return rc;
    }
    *out = a;
    return KS_OK;
}

static enum ks_fs_type
entry_type(struct archive_entry *e)
{
    switch (archive_entry_filetype(e)) {
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

/* The header pass: every entry into the index. */
static enum ks_code
index_pass(struct ks_fs *fs, struct archive_impl *ai, struct ks_err *err)
{
    struct archive *a = NULL;
    struct archive_entry *e;
    struct ks_buf clean = KS_BUF_INIT(KS_FS_MAX_PATH + 1);
    struct ks_buf link = KS_BUF_INIT(KS_FS_MAX_PATH + 1);
    enum ks_code rc;
    int r;

    if ((rc = reader_open(fs, ai, &a, err)) != KS_OK)
        return rc;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *name = archive_entry_pathname(e);
        const char *hl = archive_entry_hardlink(e);
        enum ks_fs_type type = hl ? KS_FS_FILE : entry_type(e);
        struct fs_node *n;
        struct ks_err e2 = KS_ERR_INIT;
        uint64_t ordinal = ai->n_entries++;

        if (ai->format == NULL)
            ai->format = archive_format_name(a);
        if (name == NULL) {
            fs_warn(fs, "'%s': entry %llu has a name that cannot be decoded, skipped", fs->name,
                    (unsigned long long)ordinal);
            continue;
        }
        ks_buf_reset(&clean);
        if (!ks_fs_path_clean(ks_str_c(name), &clean)) {
            if (strstr(name, "..") != NULL)
                fs_warn(fs, "'%s': entry '%.200s' would leave the root, skipped", fs->name, name);
            continue; /* "./" or "/" itself */
        }
        if (ai->n_entries > fs->limits.max_entries) {
            rc = ks_err_set(err, KS_ETOOBIG, "'%s': more than %llu entries", fs->name,
                            (unsigned long long)fs->limits.max_entries);
            goto out;
        }
        if (type == KS_FS_FILE && !hl && archive_entry_size_is_set(e)) {
            uint64_t sz = (uint64_t)KS_MAX(archive_entry_size(e), 0);

            ai->declared += sz;
            fs->budget->total_bytes += sz;
            if (fs->budget->total_bytes > fs->limits.max_total_bytes) {
                rc = ks_err_set(err, KS_ETOOBIG,
                                "'%s': contents larger than the limit of %llu bytes "
                                "(a decompression bomb?)",
                                fs->name, (unsigned long long)fs->limits.max_total_bytes);
                goto out;
            }
        }
        n = fs_index_put(&ai->idx, fs, clean.data, type, &e2);
        if (n == NULL) {
            if (e2.code == KS_ENOMEM || e2.code == KS_ETOOBIG) {
                rc = ks_err_set(err, e2.code, "%s", e2.msg);
                goto out;
            }
            fs_warn(fs, "%s, skipped", e2.msg);
            continue;
        }
        n->mode = (uint32_t)(archive_entry_perm(e) & 07777);
        n->mtime = (int64_t)archive_entry_mtime(e);
        n->source = (uint32_t)KS_MIN(ordinal, UINT32_MAX);
        n->size = type == KS_FS_FILE && archive_entry_size_is_set(e)
                      ? (uint64_t)KS_MAX(archive_entry_size(e), 0)
                      : 0;
        if (hl != NULL) {
            ks_buf_reset(&link);
            if (!ks_fs_path_clean(ks_str_c(hl), &link)) {
                fs_warn(fs, "'%s': hardlink '%.200s' -> '%.200s' leaves the root, skipped",
                        fs->name, clean.data, hl);
                fs_index_remove(&ai->idx, clean.data);
                continue;
            }
            if ((n->hardlink = ks_arena_strndup(ai->idx.arena, link.data, link.len)) == NULL)
                goto oom;
        } else if (type == KS_FS_SYMLINK) {
            const char *target = archive_entry_symlink(e);

            /* Stored as written: resolution inside the root happens on use. */
            if ((n->link = ks_arena_strdup(ai->idx.arena, target ? target : "")) == NULL)
                goto oom;
        }
    }
    if (r != ARCHIVE_EOF) {
        /* A truncated or corrupt stream: keep what was listed, say where it broke. */
        fs_warn(fs, "'%s': archive unreadable after entry %llu (byte %lld): %s; the rest is "
                    "not read",
                fs->name, (unsigned long long)ai->n_entries,
                (long long)archive_filter_bytes(a, -1),
                archive_error_string(a) ? archive_error_string(a) : "corrupt");
        if (ai->n_entries == 0) {
            rc = ks_err_set(err, KS_EPARSE, "'%s': not a readable archive: %s", fs->name,
                            archive_error_string(a) ? archive_error_string(a) : "corrupt");
            goto out;
        }
    }
    goto out;
oom:
    rc = ks_err_set(err, KS_ENOMEM, "fs: out of memory indexing '%s'", fs->name);
out:
    archive_read_free(a);
    ks_buf_release(&clean);
    ks_buf_release(&link);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Streams: a reader positioned at one entry.                               */

struct stream {
    struct archive *a;
    uint64_t left; /* bytes allowed (declared size or the file limit) */
};

static enum ks_code
stream_read(struct ks_fs_file *f, void *buf, size_t n, size_t *got, struct ks_err *err)
{
    struct stream *s = f->impl;
    la_ssize_t r;

    if (s->left == 0) {
        char probe;

        /* Nothing more is allowed: anything the entry still yields is too much. */
        r = archive_read_data(s->a, &probe, 1);
        if (r > 0)
            return ks_err_set(err, KS_ETOOBIG, "'%s': more data than the archive declared",
                              f->name);
        *got = 0;
        return KS_OK;
    }
    if (n > s->left)
        n = (size_t)s->left;
    r = archive_read_data(s->a, buf, n);
    if (r < 0)
        return ks_err_set(err, KS_EIO, "'%s': %s", f->name,
                          archive_error_string(s->a) ? archive_error_string(s->a) : "read error");
    *got = (size_t)r;
    s->left -= (uint64_t)r;
    return KS_OK;
}

static void
stream_close(struct ks_fs_file *f)
{
    struct stream *s = f->impl;

    if (s != NULL) {
        archive_read_free(s->a);
        ks_free(s);
    }
    f->impl = NULL;
}

/* forward-only: ks_fs_file_seek reads ahead, and refuses to go back */
static const struct ks_fs_file_ops stream_ops = {stream_read, stream_close, NULL};

/* Advance a fresh reader to the entry with the given ordinal. */
static enum ks_code
seek_entry(struct ks_fs *fs, struct archive_impl *ai, uint32_t ordinal, struct archive **out,
           struct ks_err *err)
{
    struct archive *a = NULL;
    struct archive_entry *e;
    uint64_t i = 0;
    enum ks_code rc;
    int r;

    if ((rc = reader_open(fs, ai, &a, err)) != KS_OK)
        return rc;
    while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        if (i++ == ordinal) {
            *out = a;
            return KS_OK;
        }
    }
    rc = ks_err_set(err, KS_EIO, "'%s': entry %u is no longer readable: %s", fs->name, ordinal,
                    archive_error_string(a) ? archive_error_string(a) : "end of archive");
    archive_read_free(a);
    return rc;
}

static enum ks_code
archive_open_file(struct ks_fs *fs, const char *path, struct ks_fs_file **out, struct ks_err *err)
{
    struct archive_impl *ai = fs->impl;
    struct fs_node *n = fs_index_get(&ai->idx, path);
    struct fs_node *d = n ? fs_index_data_node(&ai->idx, n) : NULL;
    struct ks_fs_file *f;
    struct stream *s;

    if (n == NULL)
        return ks_err_set(err, KS_ENOTFOUND, "'%s': no such file in '%s'", path, fs->name);
    if (d == NULL)
        return ks_err_set(err, KS_ENOTFOUND, "'%s': broken hardlink in '%s'", path, fs->name);
    if (d->type != KS_FS_FILE)
        return ks_err_set(err, KS_EINVAL, "'%s': not a regular file", path);
    if (d->cached) {
        *out = fs_file_mem(d->data, d->data_len, path);
        return *out ? KS_OK : ks_err_set(err, KS_ENOMEM, "fs: out of memory");
    }
    s = ks_calloc(1, sizeof(*s));
    f = fs_file_new(&stream_ops, path, d->size);
    if (s == NULL || f == NULL) {
        ks_free(s);
        ks_fs_file_close(f);
        return ks_err_set(err, KS_ENOMEM, "fs: out of memory");
    }
    {
        enum ks_code rc = seek_entry(fs, ai, d->source, &s->a, err);

        if (rc != KS_OK) {
            ks_free(s);
            ks_fs_file_close(f);
            return rc;
        }
    }
    s->left = d->size > 0 ? d->size : fs->limits.max_file_bytes;
    if (s->left > fs->limits.max_file_bytes)
        s->left = fs->limits.max_file_bytes;
    f->impl = s;
    *out = f;
    return KS_OK;
}

/* One pass caching every wanted file (within limits.max_cache_bytes). */
static enum ks_code
archive_prefetch(struct ks_fs *fs, const char *const *paths, size_t n, struct ks_err *err)
{
    struct archive_impl *ai = fs->impl;
    struct fs_node **by_ordinal = NULL;
    struct archive *a = NULL;
    struct archive_entry *e;
    struct ks_buf data = KS_BUF_INIT(SIZE_MAX);
    size_t wanted = 0;
    uint64_t i = 0;
    enum ks_code rc = KS_OK;
    int r;

    if (ai->n_entries == 0 || n == 0)
        return KS_OK;
    by_ordinal = ks_calloc(ai->n_entries, sizeof(*by_ordinal));
    if (by_ordinal == NULL)
        return ks_err_set(err, KS_ENOMEM, "fs: out of memory in prefetch");
    for (size_t k = 0; k < n; k++) {
        struct fs_node *node = fs_index_get(&ai->idx, paths[k]);
        struct fs_node *d = node ? fs_index_data_node(&ai->idx, node) : NULL;

        if (d == NULL || d->type != KS_FS_FILE || d->cached || d->source >= ai->n_entries ||
            d->size > fs->limits.max_file_bytes || by_ordinal[d->source] != NULL)
            continue;
        by_ordinal[d->source] = d;
        wanted++;
    }
    if (wanted == 0)
        goto out;
    if ((rc = reader_open(fs, ai, &a, err)) != KS_OK)
        goto out;
    while (wanted > 0 && ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN)) {
        struct fs_node *d = i < ai->n_entries ? by_ordinal[i] : NULL;
        char buf[65536];
        la_ssize_t got;
        bool over = false;

        i++;
        if (d == NULL)
            continue;
        wanted--;
        ks_buf_reset(&data);
        while ((got = archive_read_data(a, buf, sizeof(buf))) > 0) {
            if (data.len + (size_t)got > fs->limits.max_file_bytes ||
                data.len + (size_t)got > d->size) {
                over = true;
                break;
            }
            ks_buf_append(&data, buf, (size_t)got);
            if (ks_buf_err(&data) != KS_OK) {
                rc = ks_err_set(err, KS_ENOMEM, "fs: out of memory in prefetch");
                goto out;
            }
        }
        if (got < 0 || over) {
            if (over)
                fs_warn(fs, "'%s': '%s' holds more data than declared, not cached", fs->name,
                        d->path);
            continue; /* read later (and fail there with its own message) */
        }
        fs_index_cache(&ai->idx, fs, d, data.data, data.len);
    }
out:
    if (a != NULL)
        archive_read_free(a);
    ks_free(by_ordinal);
    ks_buf_release(&data);
    return rc;
}

static enum ks_code
archive_walk(struct ks_fs *fs, ks_fs_walk_fn fn, void *ctx, struct ks_err *err)
{
    struct archive_impl *ai = fs->impl;

    return fs_index_walk(&ai->idx, fn, ctx, err);
}

static enum ks_code
archive_lstat(struct ks_fs *fs, const char *path, struct ks_fs_entry *out, struct ks_err *err)
{
    struct archive_impl *ai = fs->impl;

    return fs_index_lstat(&ai->idx, path, out, err);
}

static void
archive_close(struct ks_fs *fs)
{
    struct archive_impl *ai = fs->impl;

    fs_index_release(&ai->idx);
    ks_free(ai->path);
    ks_free(ai);
    fs->impl = NULL;
}

static const struct ks_fs_ops archive_ops = {
    .kind = "archive",
    .walk = archive_walk,
    .lstat = archive_lstat,
    .open = archive_open_file,
    .prefetch = archive_prefetch,
    .close = archive_close,
};

static enum ks_code
archive_setup(struct ks_fs *fs, const char *path, const void *mem, size_t len, struct ks_err *err)
{
    struct archive_impl *ai = ks_calloc(1, sizeof(*ai));
    enum ks_code rc;

    if (ai == NULL)
        return ks_err_set(err, KS_ENOMEM, "fs: out of memory opening '%s'", fs->name);
    fs->impl = ai;
    if ((rc = fs_index_init(&ai->idx, err)) != KS_OK)
        return rc;
    if (path != NULL && (ai->path = ks_strdup(path)) == NULL)
        return ks_err_set(err, KS_ENOMEM, "fs: out of memory opening '%s'", fs->name);
    ai->mem = mem;
    ai->mem_len = len;
    if ((rc = index_pass(fs, ai, err)) != KS_OK)
        return rc;
    if (mem != NULL && ai->declared > (uint64_t)1 << 20 &&
        ai->declared / (len ? len : 1) > fs->limits.max_ratio)
        return ks_err_set(err, KS_ETOOBIG,
                          "'%s': %llu bytes unpack from %zu, over the %u:1 ratio limit "
                          "(a decompression bomb?)",
                          fs->name, (unsigned long long)ai->declared, len, fs->limits.max_ratio);
    return KS_OK;
}

enum ks_code
ks_fs_open_archive(const char *path, const struct ks_fs_options *opts, struct ks_fs **out,
                   struct ks_err *err)
{
    struct ks_fs *fs = NULL;
    enum ks_code rc;

    if ((rc = fs_new(&archive_ops, path, opts, &fs, err)) != KS_OK)
        return rc;
    if ((rc = archive_setup(fs, path, NULL, 0, err)) != KS_OK) {
        ks_fs_free(fs);
        return rc;
    }
    *out = fs;
    return KS_OK;
}

static enum ks_code
open_mem(struct ks_fs *parent, const char *name, const void *data, size_t len, void *owned,
         struct ks_fs **out, struct ks_err *err)
{
    struct ks_fs_options opts;
    struct ks_fs *fs = NULL;
    enum ks_code rc;

    memset(&opts, 0, sizeof(opts));
    if (parent != NULL) {
        opts.flags = parent->flags;
        opts.limits = parent->limits;
        opts.warn = parent->warn;
        opts.warn_ctx = parent->warn_ctx;
        if (parent->depth + 1 > parent->limits.max_depth) {
            ks_free(owned);
            return ks_err_set(err, KS_ETOOBIG, "'%s': archives nested deeper than %u", name,
                              parent->limits.max_depth);
        }
    }
    if ((rc = fs_new(&archive_ops, name, &opts, &fs, err)) != KS_OK) {
        ks_free(owned);
        return rc;
    }
    fs->owned_data = owned;
    if (parent != NULL) {
        /* Nested archives spend their outermost parent's budget. */
        ks_free(fs->budget);
        fs->budget = parent->budget;
        fs->budget->refs++;
        fs->depth = parent->depth + 1;
    }
    if ((rc = archive_setup(fs, NULL, data, len, err)) != KS_OK) {
        ks_fs_free(fs);
        return rc;
    }
    *out = fs;
    return KS_OK;
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
    struct ks_buf b = KS_BUF_INIT(SIZE_MAX);
    struct ks_buf name = KS_BUF_INIT(KS_FS_MAX_PATH * 2);
    enum ks_code rc;
    size_t len = 0;
    void *data;

    if (parent->depth + 1 > parent->limits.max_depth)
        return ks_err_set(err, KS_ETOOBIG, "'%s!%s': archives nested deeper than %u",
                          parent->name, path, parent->limits.max_depth);
    rc = ks_fs_read(parent, path, (size_t)KS_MIN(parent->limits.max_file_bytes, SIZE_MAX), &b,
                    err);
    if (rc != KS_OK) {
        ks_buf_release(&b);
        return rc;
    }
    ks_buf_appendf(&name, "%s!%s", parent->name, path);
    if (ks_buf_err(&name) != KS_OK) {
        ks_buf_release(&b);
        ks_buf_release(&name);
        return ks_err_set(err, KS_ENOMEM, "fs: out of memory");
    }
    data = ks_buf_detach(&b, &len);
    if (data == NULL) {
        ks_buf_release(&name);
        return ks_err_set(err, KS_ENOMEM, "fs: out of memory");
    }
    rc = open_mem(parent, name.data, data, len, data, out, err);
    ks_buf_release(&name);
    return rc;
}
