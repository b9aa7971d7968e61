/*
 * image_layer.c: one layer blob through libarchive (tar, plain or gzip or
 * zstd compressed, sniffed), never extracted to disk. Pass 1 applies every
 * entry header to the squash tree and skips contents; pass 2 streams the
 * layer again and hands the wanted entries' contents to a callback.
 * Decompression bombs are stopped before they cost time: each entry's
 * declared size is checked against the per-layer and per-image budgets and
 * the uncompressed:compressed ratio before libarchive decompresses it.
 */
#include "fs/image_int.h"

#include <errno.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "base/banned.h"

void
img_limits_default(struct img_limits *l)
{
    l->max_entries = 20u * 1000 * 1000;
    l->max_layer_bytes = (uint64_t)64 << 30;
    l->max_total_bytes = (uint64_t)256 << 30;
    /* Real layers stay under ~20:1; files of zeros reach gzip's ~1000:1. */
    l->max_ratio = 1100;
    l->ratio_floor = (uint64_t)256 << 20;
}

void
img_limits_fill(struct img_limits *l)
{
    struct img_limits d;

    img_limits_default(&d);
    if (l->max_entries == 0)
        l->max_entries = d.max_entries;
    if (l->max_layer_bytes == 0)
        l->max_layer_bytes = d.max_layer_bytes;
    if (l->max_total_bytes == 0)
        l->max_total_bytes = d.max_total_bytes;
    if (l->max_ratio == 0)
        l->max_ratio = d.max_ratio;
    if (l->ratio_floor == 0)
        l->ratio_floor = d.ratio_floor;
}

#define READ_CHUNK (128 * 1024)

/*
 * Two libarchive readers per layer: `outer` undoes the compression (gzip,
 * zstd or none, as the raw format), `inner` reads the tar from the bytes
 * outer yields. In between, the uncompressed bytes are hashed, so a layer's
 * diff id (what the per-layer inventory cache is keyed by) is verified
 * too, not only the digest of its compressed blob.
 */
struct reader {
    struct img_stream *s;
    struct archive *outer;
    char *buf;
    enum ks_code rc;
    struct ks_err err;
    EVP_MD_CTX *md;
    uint64_t tar_bytes;
    bool outer_eof;
};

static la_ssize_t
raw_cb(struct archive *a, void *ctx, const void **buf)
{
    struct reader *r = ctx;
    size_t got = 0;

    r->rc = img_stream_read(r->s, r->buf, READ_CHUNK, &got, &r->err);
    if (r->rc != KS_OK) {
        archive_set_error(a, EIO, "%s", r->err.msg);
        return -1;
    }
    *buf = r->buf;
    return (la_ssize_t)got;
}

static la_ssize_t
tar_cb(struct archive *a, void *ctx, const void **buf)
{
    struct reader *r = ctx;
    const void *p;
    size_t n;
    la_int64_t off;
    int ar;

    if (r->outer_eof)
        return 0;
    ar = archive_read_data_block(r->outer, &p, &n, &off);
    if (ar == ARCHIVE_EOF) {
        r->outer_eof = true;
        return 0;
    }
    if (ar != ARCHIVE_OK && ar != ARCHIVE_WARN) {
        if (r->rc == KS_OK)
            r->rc = ks_err_set(&r->err, KS_EPARSE, "image: layer '%s': %s", img_stream_name(r->s),
                               archive_error_string(r->outer) ? archive_error_string(r->outer)
                                                              : "decompression failed");
        if (a != NULL)
            archive_set_error(a, EIO, "%s", r->err.msg);
        return -1;
    }
    if (EVP_DigestUpdate(r->md, p, n) != 1) {
        r->rc = ks_err_set(&r->err, KS_EINTERNAL, "image: sha256 failed");
        return -1;
    }
    r->tar_bytes += n;
    *buf = p;
    return (la_ssize_t)n;
}

static void
close_layer(struct reader *r, struct archive *inner)
{
    archive_read_free(inner);
    archive_read_free(r->outer);
    r->outer = NULL;
    EVP_MD_CTX_free(r->md);
    r->md = NULL;
    ks_free(r->buf);
    r->buf = NULL;
}

static enum ks_code
open_layer(struct reader *r, struct img_stream *s, bool zip, struct archive **out,
           struct ks_err *err)
{
    struct archive *inner = NULL;
    struct archive_entry *ae;
    int ar;

    r->s = s;
    if (zip) {
        /* A function package: one zip reader straight over the blob. */
        r->buf = ks_malloc(READ_CHUNK);
        inner = archive_read_new();
        if (inner == NULL || r->buf == NULL) {
            close_layer(r, inner);
            return ks_err_set(err, KS_ENOMEM, "image: out of memory opening '%s'",
                              img_stream_name(s));
        }
        r->outer_eof = true;
        archive_read_support_format_zip_streamable(inner);
        archive_read_support_format_empty(inner);
        if (archive_read_open(inner, r, NULL, raw_cb, NULL) != ARCHIVE_OK) {
            enum ks_code rc = r->rc != KS_OK
                                  ? ks_err_set(err, r->rc, "%s", r->err.msg)
                                  : ks_err_set(err, KS_EPARSE, "'%s' is not a zip: %s",
                                               img_stream_name(s), archive_error_string(inner));

            close_layer(r, inner);
            return rc;
        }
        *out = inner;
        return KS_OK;
    }
    r->rc = KS_OK;
    r->buf = ks_malloc(READ_CHUNK);
    r->md = EVP_MD_CTX_new();
    r->outer = archive_read_new();
    inner = archive_read_new();
    if (inner == NULL || r->outer == NULL || r->buf == NULL || r->md == NULL ||
        EVP_DigestInit_ex(r->md, EVP_sha256(), NULL) != 1) {
        close_layer(r, inner);
        return ks_err_set(err, KS_ENOMEM, "image: out of memory opening layer '%s'",
                          img_stream_name(s));
    }
    /* Only what image-spec layers may be: tar, optionally gzip or zstd. */
    archive_read_support_filter_gzip(r->outer);
    archive_read_support_filter_zstd(r->outer);
    archive_read_support_format_raw(r->outer);
    archive_read_support_format_empty(r->outer);
    if (archive_read_open(r->outer, r, NULL, raw_cb, NULL) != ARCHIVE_OK)
        goto bad;
    ar = archive_read_next_header(r->outer, &ae);
    if (ar == ARCHIVE_EOF)
        r->outer_eof = true; /* an empty blob: an empty layer */
    else if (ar != ARCHIVE_OK && ar != ARCHIVE_WARN)
        goto bad;
    archive_read_support_format_tar(inner);
    archive_read_support_format_empty(inner);
    if (archive_read_open(inner, r, NULL, tar_cb, NULL) != ARCHIVE_OK) {
        enum ks_code rc = r->rc != KS_OK
                              ? ks_err_set(err, r->rc, "%s", r->err.msg)
                              : ks_err_set(err, KS_EPARSE, "image: layer '%s' is not a tar: %s",
                                           img_stream_name(s), archive_error_string(inner));

        close_layer(r, inner);
        return rc;
    }
    *out = inner;
    return KS_OK;
bad:;
    enum ks_code rc = r->rc != KS_OK
                          ? ks_err_set(err, r->rc, "%s", r->err.msg)
                          : ks_err_set(err, KS_EPARSE, "image: layer '%s': %s", img_stream_name(s),
                                       archive_error_string(r->outer));

    close_layer(r, inner);
    return rc;
}

/*
 * After the tar's end: read what is left of the uncompressed stream and
 * the blob, then check the diff id (the blob digest is checked by s).
 */
static enum ks_code
finish_layer(struct reader *r, const char *layer_name, const char *diff_id, struct ks_err *err)
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    char hex[65];
    const void *p;

    while (!r->outer_eof && r->outer != NULL) {
        if (tar_cb(NULL, r, &p) < 0)
            return ks_err_set(err, r->rc != KS_OK ? r->rc : KS_EPARSE, "%s", r->err.msg);
    }
    if (img_stream_drain(r->s, err) != KS_OK)
        return err ? err->code : KS_EPARSE;
    if (diff_id == NULL || diff_id[0] == '\0' || r->outer == NULL)
        return KS_OK;
    if (EVP_DigestFinal_ex(r->md, md, &mdlen) != 1 || mdlen != 32)
        return ks_err_set(err, KS_EINTERNAL, "image: sha256 failed");
    ks_hex_encode(md, 32, hex);
    if (strlen(diff_id) != 71 || strcmp(diff_id + 7, hex) != 0)
        return ks_err_set(err, KS_EPARSE,
                          "image: layer %s: diff id mismatch: the config says %s, the "
                          "uncompressed layer is sha256:%s",
                          layer_name, diff_id, hex);
    return KS_OK;
}

static enum img_etype
entry_type(struct archive_entry *ae)
{
    if (archive_entry_hardlink(ae) != NULL)
        return IMG_E_HARDLINK;
    switch (archive_entry_filetype(ae)) {
    case AE_IFREG:
        return IMG_E_FILE;
    case AE_IFDIR:
        return IMG_E_DIR;
    case AE_IFLNK:
        return IMG_E_SYMLINK;
    case AE_IFIFO:
        return IMG_E_FIFO;
    default:
        return IMG_E_DEVICE;
    }
}

/* Check an entry's declared size against every budget before it is read or
 * skipped. */
static enum ks_code
check_budget(struct archive *a, struct img_stream *s, const char *layer_name, const char *path,
             uint64_t size, const struct img_limits *l, uint64_t before_total, struct ks_err *err)
{
    uint64_t pos = (uint64_t)archive_filter_bytes(a, 0);
    uint64_t projected = pos + size;
    uint64_t compressed = s->has_size ? s->size : img_stream_count(s);

    if (projected < pos || projected > l->max_layer_bytes)
        return ks_err_set(err, KS_ETOOBIG,
                          "image: layer %s: entry '%s' (%llu bytes) takes the layer past %llu "
                          "uncompressed bytes (limit)",
                          layer_name, path, (unsigned long long)size,
                          (unsigned long long)l->max_layer_bytes);
    if (before_total + projected > l->max_total_bytes)
        return ks_err_set(err, KS_ETOOBIG,
                          "image: layer %s: entry '%s' takes the image past %llu uncompressed "
                          "bytes (limit)",
                          layer_name, path, (unsigned long long)l->max_total_bytes);
    if (projected > l->ratio_floor && compressed > 0 &&
        projected / compressed >= (uint64_t)l->max_ratio)
        return ks_err_set(err, KS_ETOOBIG,
                          "image: layer %s: decompression bomb: entry '%s' makes %llu bytes "
                          "out of %llu compressed (ratio over %u:1)",
                          layer_name, path, (unsigned long long)projected,
                          (unsigned long long)compressed, l->max_ratio);
    return KS_OK;
}

static enum ks_code
header_error(struct archive *a, struct reader *r, const char *layer_name, uint32_t ordinal,
             struct ks_err *err)
{
    if (r->rc != KS_OK)
        return ks_err_set(err, r->rc, "%s", r->err.msg);
    return ks_err_set(err, KS_EPARSE, "image: layer %s: bad tar at entry %u: %s", layer_name,
                      ordinal, archive_error_string(a) ? archive_error_string(a) : "unknown");
}

enum ks_code
img_layer_apply(struct img_tree *t, uint16_t layer, const char *layer_name, struct img_stream *s,
                const char *diff_id, const struct img_limits *limits, uint64_t *total_entries,
                uint64_t *total_bytes, img_warn_fn warn, void *warn_ctx,
                struct img_layer_stats *stats, struct ks_err *err)
{
    return img_layer_apply_ex(t, layer, layer_name, NULL, s, diff_id, limits, total_entries,
                              total_bytes, warn, warn_ctx, NULL, NULL, stats, err);
}

enum ks_code
img_layer_apply_entry(struct img_tree *t, uint16_t layer, const char *layer_name, uint32_t ordinal,
                      const struct img_entry *e, struct ks_str raw_path, bool hostile,
                      img_warn_fn warn, void *warn_ctx, struct img_apply_bufs *bufs,
                      struct ks_err *err)
{
    bool skipped = false;
    enum ks_code rc;

    ks_buf_reset(&bufs->why);
    if (hostile) {
        skipped = true;
        ks_buf_appends(&bufs->why, "path leaves the package root");
    } else if ((rc = img_tree_apply(t, layer, ordinal, e, &skipped, &bufs->why, err)) != KS_OK)
        return rc;
    if (skipped && warn != NULL) {
        ks_buf_reset(&bufs->msg);
        ks_buf_appendf(&bufs->msg, "image: layer %s: skipping entry '%.*s': %s", layer_name,
                       (int)KS_MIN(raw_path.len, (size_t)IMG_MAX_PATH),
                       raw_path.ptr ? raw_path.ptr : "", bufs->why.data);
        warn(warn_ctx, bufs->msg.data);
    }
    return KS_OK;
}

void
img_apply_bufs_init(struct img_apply_bufs *b)
{
    ks_buf_init(&b->why, IMG_MAX_PATH + 512);
    ks_buf_init(&b->msg, 2 * IMG_MAX_PATH + 1024);
}

void
img_apply_bufs_release(struct img_apply_bufs *b)
{
    ks_buf_release(&b->why);
    ks_buf_release(&b->msg);
}

enum ks_code
img_layer_apply_ex(struct img_tree *t, uint16_t layer, const char *layer_name,
                   const struct img_layer_fmt *fmt, struct img_stream *s, const char *diff_id,
                   const struct img_limits *limits, uint64_t *total_entries, uint64_t *total_bytes,
                   img_warn_fn warn, void *warn_ctx, img_record_fn rec, void *rec_ctx,
                   struct img_layer_stats *stats, struct ks_err *err)
{
    struct ks_buf full = KS_BUF_INIT(IMG_MAX_PATH + 1);
    bool zip = fmt != NULL && fmt->zip;
    const char *prefix = fmt != NULL && fmt->prefix != NULL ? fmt->prefix : NULL;
    struct reader r = {0};
    struct archive *a = NULL;
    struct archive_entry *ae;
    struct img_apply_bufs bufs;
    uint32_t ordinal = 0;
    enum ks_code rc;
    int ar;

    img_apply_bufs_init(&bufs);
    if ((rc = open_layer(&r, s, zip, &a, err)) != KS_OK)
        goto out;
    while ((ar = archive_read_next_header(a, &ae)) == ARCHIVE_OK || ar == ARCHIVE_WARN) {
        const char *path = archive_entry_pathname(ae);
        struct img_entry e = {0};
        bool hostile = false;

        if (path == NULL)
            path = "";
        if (++*total_entries > limits->max_entries) {
            rc = ks_err_set(err, KS_ETOOBIG, "image: more than %llu entries (limit) at layer %s",
                            (unsigned long long)limits->max_entries, layer_name);
            goto out;
        }
        e.type = entry_type(ae);
        e.path = ks_str_c(path);
        if (prefix != NULL) {
            /* Check the entry as it is before placing it under the prefix. */
            ks_buf_reset(&full);
            if (path[0] == '/' || !img_path_clean(e.path, &full)) {
                hostile = true;
            } else {
                struct ks_buf joined = KS_BUF_INIT(IMG_MAX_PATH + 1);

                ks_buf_appendf(&joined, "%s/%s", prefix, full.data);
                ks_buf_reset(&full);
                ks_buf_append(&full, joined.data, joined.len);
                ks_buf_release(&joined);
                e.path = ks_buf_str(&full);
            }
        }
        e.size = archive_entry_size_is_set(ae) && archive_entry_size(ae) > 0
                     ? (uint64_t)archive_entry_size(ae)
                     : 0;
        if ((rc = check_budget(a, s, layer_name, path, e.size, limits, *total_bytes, err)) != KS_OK)
            goto out;
        e.mode = (uint32_t)archive_entry_perm(ae);
        e.mtime = archive_entry_mtime_is_set(ae) ? (int64_t)archive_entry_mtime(ae) : 0;
        if (e.type == IMG_E_SYMLINK)
            e.link = ks_str_c(archive_entry_symlink(ae));
        else if (e.type == IMG_E_HARDLINK)
            e.link = ks_str_c(archive_entry_hardlink(ae));
        if (e.type == IMG_E_HARDLINK)
            e.size = 0; /* the data lives with the target */
        /* The layer cache's index holds exactly what the tree is given (images have no prefix). */
        if (rec != NULL && prefix == NULL && (rc = rec(rec_ctx, &e, err)) != KS_OK)
            goto out;
        if ((rc = img_layer_apply_entry(t, layer, layer_name, ordinal, &e, ks_str_c(path), hostile,
                                        warn, warn_ctx, &bufs, err)) != KS_OK)
            goto out;
        ordinal++;
    }
    if (ar != ARCHIVE_EOF) {
        rc = header_error(a, &r, layer_name, ordinal, err);
        goto out;
    }
    /* Whatever follows the end-of-archive blocks still counts for the digests. */
    if ((rc = finish_layer(&r, layer_name, diff_id, err)) != KS_OK)
        goto out;
    {
        uint64_t tar_bytes = r.tar_bytes;

        *total_bytes += tar_bytes;
        if (stats != NULL) {
            stats->entries = ordinal;
            stats->raw_bytes = img_stream_count(s);
            stats->tar_bytes = tar_bytes;
        }
    }
    rc = KS_OK;
out:
    close_layer(&r, a);
    ks_buf_release(&full);
    img_apply_bufs_release(&bufs);
    return rc;
}

enum ks_code
img_layer_fetch(const char *layer_name, struct img_stream *s, const char *diff_id,
                const struct img_limits *limits, img_want_fn want, img_take_fn take, void *ctx,
                struct ks_err *err)
{
    return img_layer_fetch_ex(layer_name, NULL, s, diff_id, limits, want, take, ctx, err);
}

enum ks_code
img_layer_fetch_ex(const char *layer_name, const struct img_layer_fmt *fmt, struct img_stream *s,
                   const char *diff_id, const struct img_limits *limits, img_want_fn want,
                   img_take_fn take, void *ctx, struct ks_err *err)
{
    bool stopped = false;
    struct reader r = {0};
    struct archive *a = NULL;
    struct archive_entry *ae;
    uint32_t ordinal = 0;
    enum ks_code rc;
    int ar;
    char *chunk = NULL;

    if ((rc = open_layer(&r, s, fmt != NULL && fmt->zip, &a, err)) != KS_OK)
        goto out;
    chunk = ks_malloc(READ_CHUNK);
    if (chunk == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "image: out of memory reading layer %s", layer_name);
        goto out;
    }
    while ((ar = archive_read_next_header(a, &ae)) == ARCHIVE_OK || ar == ARCHIVE_WARN) {
        const char *path = archive_entry_pathname(ae);
        uint64_t size = archive_entry_size_is_set(ae) && archive_entry_size(ae) > 0
                            ? (uint64_t)archive_entry_size(ae)
                            : 0;

        if ((rc = check_budget(a, s, layer_name, path ? path : "", size, limits, 0, err)) != KS_OK)
            goto out;
        int w = archive_entry_filetype(ae) == AE_IFREG && archive_entry_hardlink(ae) == NULL
                    ? want(ctx, ordinal, size)
                    : IMG_WANT_SKIP;

        if (w == IMG_WANT_STOP) {
            stopped = true; /* everything wanted is in: the digests were checked in pass 1 */
            break;
        }
        if (w == IMG_WANT_READ) {
            uint64_t off = 0;

            for (;;) {
                la_ssize_t n = archive_read_data(a, chunk, READ_CHUNK);

                if (n < 0) {
                    rc = r.rc != KS_OK
                             ? ks_err_set(err, r.rc, "%s", r.err.msg)
                             : ks_err_set(err, KS_EPARSE, "image: layer %s: entry '%s': %s",
                                          layer_name, path ? path : "", archive_error_string(a));
                    goto out;
                }
                if ((uint64_t)n + off > size) {
                    rc = ks_err_set(err, KS_EPARSE,
                                    "image: layer %s: entry '%s' holds more than its size",
                                    layer_name, path ? path : "");
                    goto out;
                }
                if ((rc = take(ctx, ordinal, off, chunk, (size_t)n, err)) != KS_OK)
                    goto out;
                if (n == 0)
                    break;
                off += (uint64_t)n;
            }
        }
        ordinal++;
    }
    if (stopped) {
        rc = KS_OK;
        goto out;
    }
    if (ar != ARCHIVE_EOF) {
        rc = header_error(a, &r, layer_name, ordinal, err);
        goto out;
    }
    rc = finish_layer(&r, layer_name, diff_id, err);
out:
    close_layer(&r, a);
    ks_free(chunk);
    return rc;
}
