/*
 * image_source.c: from "where the image is" to one platform's manifest,
 * config and layer list, and verified streams over its blobs. Sources: an
 * OCI image layout directory (oci-layout, index.json, blobs/), a tar of
 * one (OCI archive), a `docker save` tar (manifest.json; legacy and OCI
 * member layouts), and a registry (registry.c). Indexes are followed to
 * the platform asked for (default: the host's); attestation manifests are
 * never images. Members of a tar are found by one listing pass and read
 * again by seeking to their header when the tar is not compressed.
 */
#include "fs/registry_int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <jansson.h>

#include "base/banned.h"

#define MAX_MEMBERS 1000000

struct img_src_ops {
    /* A manifest or index by descriptor: verified, at most IMG_MAX_JSON bytes. */
    enum ks_code (*read_manifest)(struct img_image *img, const struct img_desc *d,
                                  struct ks_buf *out, struct ks_err *err);
    /* A blob (config, layer) as a verified stream. */
    enum ks_code (*open_blob)(struct img_image *img, const struct img_desc *d,
                              struct img_stream **out, struct ks_err *err);
};

/* ------------------------------------------------------------------------ */
/* Reading small blobs.                                                     */

static enum ks_code
read_stream_all(struct img_stream *s, size_t max, struct ks_buf *out, struct ks_err *err)
{
    char buf[16384];
    size_t got;
    enum ks_code rc;

    do {
        if ((rc = img_stream_read(s, buf, sizeof(buf), &got, err)) != KS_OK)
            return rc;
        if (out->len + got > max)
            return ks_err_set(err, KS_ETOOBIG, "image: blob '%s' is over %zu bytes",
                              img_stream_name(s), max);
        ks_buf_append(out, buf, got);
    } while (got > 0);
    return ks_buf_err(out) == KS_OK ? KS_OK : ks_err_set(err, KS_ENOMEM, "image: out of memory");
}

static enum ks_code
read_blob(struct img_image *img, const struct img_desc *d, size_t max, struct ks_buf *out,
          struct ks_err *err)
{
    struct img_stream *s = NULL;
    enum ks_code rc;

    if (d->has_size && d->size > max)
        return ks_err_set(err, KS_ETOOBIG, "image: blob %s is %llu bytes (limit %zu)", d->digest,
                          (unsigned long long)d->size, max);
    if ((rc = img->ops->open_blob(img, d, &s, err)) != KS_OK)
        return rc;
    rc = read_stream_all(s, max, out, err);
    img_stream_close(s);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* OCI layout directory.                                                    */

static enum ks_code
layout_open_blob(struct img_image *img, const struct img_desc *d, struct img_stream **out,
                 struct ks_err *err)
{
    struct ks_buf path = KS_BUF_INIT(8192);
    struct stat st;
    enum ks_code rc;
    int fd;

    if (!img_digest_valid(ks_str_c(d->digest)))
        return ks_err_set(err, KS_EPARSE, "image: invalid digest");
    ks_buf_appendf(&path, "%s/blobs/sha256/%s", img->path, d->digest + 7);
    if (ks_buf_err(&path) != KS_OK) {
        ks_buf_release(&path);
        return ks_err_set(err, KS_ENOMEM, "image: out of memory");
    }
    fd = open(path.data, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = ks_err_set(err, errno == ENOENT ? KS_ENOTFOUND : KS_EIO, "image: blob '%s': %s",
                        path.data, strerror(errno));
        ks_buf_release(&path);
        return rc;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        rc = ks_err_set(err, KS_EIO, "image: blob '%s' is not a regular file", path.data);
        ks_buf_release(&path);
        return rc;
    }
    rc = img_stream_fd(fd, path.data, d->digest, d->has_size ? d->size : (uint64_t)st.st_size, true,
                       out, err);
    ks_buf_release(&path);
    return rc;
}

static enum ks_code
layout_read_manifest(struct img_image *img, const struct img_desc *d, struct ks_buf *out,
                     struct ks_err *err)
{
    return read_blob(img, d, IMG_MAX_JSON, out, err);
}

static const struct img_src_ops layout_ops = {layout_read_manifest, layout_open_blob};

/* ------------------------------------------------------------------------ */
/* Tar archives (docker save, OCI archive).                                 */

struct member {
    int64_t header_offset; /* in the uncompressed tar */
    uint64_t size;
    char *link; /* symlink member: its target, cleaned relative to the archive root */
};

struct tar_src {
    struct ks_map *members; /* cleaned path -> struct member * */
    bool plain;             /* not compressed: members are reached by seeking */
};

static void
tar_src_free(void *p)
{
    struct tar_src *t = p;
    size_t pos = 0;
    struct ks_str k;
    void *v;

    if (t == NULL || t->members == NULL)
        return;
    while (ks_map_next(t->members, &pos, &k, &v)) {
        struct member *m = v;

        ks_free(m->link);
        ks_free(m);
    }
    ks_map_free(t->members);
}

static struct archive *
outer_reader(void)
{
    struct archive *a = archive_read_new();

    if (a == NULL)
        return NULL;
    archive_read_support_filter_gzip(a);
    archive_read_support_filter_zstd(a);
    archive_read_support_filter_xz(a);
    archive_read_support_filter_bzip2(a);
    archive_read_support_format_tar(a);
    return a;
}

static enum ks_code
tar_index(struct img_image *img, struct tar_src *t, struct ks_err *err)
{
    struct archive *a = outer_reader();
    struct archive_entry *ae;
    struct ks_buf clean = KS_BUF_INIT(IMG_MAX_PATH + 1);
    enum ks_code rc = KS_OK;
    size_t n = 0;
    int ar;

    t->members = ks_map_new();
    if (a == NULL || t->members == NULL) {
        archive_read_free(a);
        return ks_err_set(err, KS_ENOMEM, "image: out of memory");
    }
    if (archive_read_open_filename(a, img->path, 64 * 1024) != ARCHIVE_OK) {
        rc = ks_err_set(err, KS_EPARSE, "image: '%s': %s", img->path, archive_error_string(a));
        goto out;
    }
    while ((ar = archive_read_next_header(a, &ae)) == ARCHIVE_OK || ar == ARCHIVE_WARN) {
        const char *p = archive_entry_pathname(ae);
        struct member *m;
        void *old = NULL;

        if (++n > MAX_MEMBERS) {
            rc = ks_err_set(err, KS_ETOOBIG, "image: '%s' has over %d members", img->path,
                            MAX_MEMBERS);
            goto out;
        }
        ks_buf_reset(&clean);
        if (p == NULL || p[0] == '/' || !img_path_clean(ks_str_c(p), &clean) || clean.len == 0)
            continue; /* never looked up: harmless */
        if (archive_entry_filetype(ae) != AE_IFREG && archive_entry_filetype(ae) != AE_IFLNK)
            continue;
        m = ks_calloc(1, sizeof(*m));
        if (m == NULL) {
            rc = ks_err_set(err, KS_ENOMEM, "image: out of memory");
            goto out;
        }
        m->header_offset = archive_read_header_position(a);
        m->size = archive_entry_size_is_set(ae) ? (uint64_t)archive_entry_size(ae) : 0;
        if (archive_entry_filetype(ae) == AE_IFLNK && archive_entry_symlink(ae) != NULL) {
            /* docker save: <id>/layer.tar -> ../<digest>.tar, resolved from the member's dir. */
            struct ks_buf target = KS_BUF_INIT(IMG_MAX_PATH + 1);
            const char *slash = strrchr(clean.data, '/');

            if (slash != NULL)
                ks_buf_append(&target, clean.data, (size_t)(slash - clean.data) + 1);
            ks_buf_appends(&target, archive_entry_symlink(ae));
            struct ks_buf t2 = KS_BUF_INIT(IMG_MAX_PATH + 1);

            if (archive_entry_symlink(ae)[0] != '/' && img_path_clean(ks_buf_str(&target), &t2))
                m->link = ks_strdup(t2.data);
            ks_buf_release(&target);
            ks_buf_release(&t2);
            if (m->link == NULL) {
                ks_free(m);
                continue;
            }
        }
        if (ks_map_put(t->members, ks_buf_str(&clean), m, &old) != KS_OK) {
            ks_free(m->link);
            ks_free(m);
            rc = ks_err_set(err, KS_ENOMEM, "image: out of memory");
            goto out;
        }
        if (old != NULL) {
            ks_free(((struct member *)old)->link);
            ks_free(old);
        }
    }
    if (ar != ARCHIVE_EOF) {
        rc = ks_err_set(err, KS_EPARSE, "image: '%s': bad tar after %zu members: %s", img->path, n,
                        archive_error_string(a));
        goto out;
    }
    t->plain = archive_filter_code(a, 0) == ARCHIVE_FILTER_NONE;
out:
    archive_read_free(a);
    ks_buf_release(&clean);
    return rc;
}

/* A member stream: an archive reader positioned at the member's data. */
struct member_rd {
    struct archive *a;
    int fd;
    char buf[64 * 1024];
};

static enum ks_code
member_read(struct img_stream *s, void *buf, size_t n, size_t *got, struct ks_err *err)
{
    struct member_rd *m = s->impl;
    la_ssize_t r = archive_read_data(m->a, buf, n);

    if (r < 0)
        return ks_err_set(err, KS_EIO, "image: reading '%s': %s", s->name,
                          archive_error_string(m->a));
    *got = (size_t)r;
    return KS_OK;
}

static void
member_close(struct img_stream *s)
{
    struct member_rd *m = s->impl;

    if (m == NULL)
        return;
    archive_read_free(m->a);
    if (m->fd >= 0)
        close(m->fd);
    ks_free(m);
}

static const struct img_stream_ops member_ops = {member_read, member_close};

static la_ssize_t
fd_cb(struct archive *a, void *ctx, const void **buf)
{
    struct member_rd *m = ctx;
    ssize_t r;

    do
        r = read(m->fd, m->buf, sizeof(m->buf));
    while (r < 0 && errno == EINTR);
    if (r < 0) {
        archive_set_error(a, errno, "%s", strerror(errno));
        return -1;
    }
    *buf = m->buf;
    return r;
}

static enum ks_code
open_member(struct img_image *img, const char *path, const char *digest, uint64_t size,
            bool has_size, struct img_stream **out, struct ks_err *err)
{
    struct tar_src *t = img->impl;
    struct member *mem = NULL;
    struct member_rd *m = NULL;
    struct archive_entry *ae;
    struct img_stream *s = NULL;
    const char *want = path;
    enum ks_code rc;
    int ar;

    for (int hops = 0; hops < 8; hops++) {
        mem = ks_map_get(t->members, ks_str_c(want));
        if (mem == NULL || mem->link == NULL)
            break;
        want = mem->link;
    }
    if (mem == NULL || mem->link != NULL)
        return ks_err_set(err, KS_ENOTFOUND, "image: '%s' has no member '%s'", img->path, path);
    m = ks_calloc(1, sizeof(*m));
    if (m == NULL)
        return ks_err_set(err, KS_ENOMEM, "image: out of memory");
    m->fd = -1;
    m->a = outer_reader();
    if (m->a == NULL) {
        ks_free(m);
        return ks_err_set(err, KS_ENOMEM, "image: out of memory");
    }
    if (t->plain) {
        /* Seek straight to the member's header: no pass over the layers before it. */
        m->fd = open(img->path, O_RDONLY | O_CLOEXEC);
        if (m->fd < 0 || lseek(m->fd, mem->header_offset, SEEK_SET) != mem->header_offset ||
            archive_read_open(m->a, m, NULL, fd_cb, NULL) != ARCHIVE_OK) {
            rc = ks_err_set(err, KS_EIO, "image: '%s': cannot reach member '%s'", img->path, want);
            goto fail;
        }
        ar = archive_read_next_header(m->a, &ae);
        if ((ar != ARCHIVE_OK && ar != ARCHIVE_WARN) || archive_entry_pathname(ae) == NULL) {
            rc = ks_err_set(err, KS_EPARSE, "image: '%s': bad header at member '%s'", img->path,
                            want);
            goto fail;
        }
    } else {
        struct ks_buf clean = KS_BUF_INIT(IMG_MAX_PATH + 1);
        bool found = false;

        if (archive_read_open_filename(m->a, img->path, 64 * 1024) != ARCHIVE_OK) {
            rc = ks_err_set(err, KS_EIO, "image: '%s': %s", img->path, archive_error_string(m->a));
            goto fail;
        }
        while ((ar = archive_read_next_header(m->a, &ae)) == ARCHIVE_OK || ar == ARCHIVE_WARN) {
            const char *p = archive_entry_pathname(ae);

            ks_buf_reset(&clean);
            if (p != NULL && img_path_clean(ks_str_c(p), &clean) && strcmp(clean.data, want) == 0 &&
                archive_entry_filetype(ae) == AE_IFREG) {
                found = true;
                break;
            }
        }
        ks_buf_release(&clean);
        if (!found) {
            rc =
                ks_err_set(err, KS_ENOTFOUND, "image: '%s': member '%s' vanished", img->path, want);
            goto fail;
        }
    }
    if ((rc = img_stream_new(&member_ops, want, digest, size, has_size, &s, err)) != KS_OK)
        goto fail;
    s->impl = m;
    *out = s;
    return KS_OK;
fail:
    archive_read_free(m->a);
    if (m->fd >= 0)
        close(m->fd);
    ks_free(m);
    return rc;
}

/* OCI archive: the layout's blobs are members. */
static enum ks_code
ociar_open_blob(struct img_image *img, const struct img_desc *d, struct img_stream **out,
                struct ks_err *err)
{
    char path[96];

    if (!img_digest_valid(ks_str_c(d->digest)))
        return ks_err_set(err, KS_EPARSE, "image: invalid digest");
    snprintf(path, sizeof(path), "blobs/sha256/%s", d->digest + 7);
    return open_member(img, path, d->digest, d->size, d->has_size, out, err);
}

static enum ks_code
ociar_read_manifest(struct img_image *img, const struct img_desc *d, struct ks_buf *out,
                    struct ks_err *err)
{
    return read_blob(img, d, IMG_MAX_JSON, out, err);
}

static const struct img_src_ops ociar_ops = {ociar_read_manifest, ociar_open_blob};

/* docker save: layers are named by path; each is checked against its diff id. */
static enum ks_code
save_open_blob(struct img_image *img, const struct img_desc *d, struct img_stream **out,
               struct ks_err *err)
{
    struct tar_src *t = img->impl;
    struct member *m;

    if (d->path == NULL)
        return ociar_open_blob(img, d, out, err);
    m = ks_map_get(t->members, ks_str_c(d->path));
    (void)m;
    return open_member(img, d->path, d->digest, d->size, d->has_size, out, err);
}

static const struct img_src_ops save_ops = {ociar_read_manifest, save_open_blob};

/* ------------------------------------------------------------------------ */
/* Registry.                                                                */

static enum ks_code
reg_read_manifest(struct img_image *img, const struct img_desc *d, struct ks_buf *out,
                  struct ks_err *err)
{
    char got[IMG_DIGEST_MAX];

    return img_registry_manifest(img->impl, d->digest, out, got, err);
}

static enum ks_code
reg_open_blob(struct img_image *img, const struct img_desc *d, struct img_stream **out,
              struct ks_err *err)
{
    return img_registry_blob(img->impl, d, out, err);
}

static const struct img_src_ops reg_ops = {reg_read_manifest, reg_open_blob};

/* ------------------------------------------------------------------------ */
/* Resolving a document to one image.                                       */

static void warn(struct img_image *img, const char *fmt, ...) KS_PRINTF(2, 3);

static void
warn(struct img_image *img, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (img->warn != NULL)
        img->warn(img->warn_ctx, msg);
    else
        ks_log(KS_LOG_WARN, "fs.image", "%s", msg);
}

static void
list_platforms(const struct img_index *idx, struct ks_buf *out)
{
    for (size_t i = 0; i < idx->n; i++) {
        if (idx->items[i].is_attestation || !idx->items[i].has_platform)
            continue;
        if (out->len > 0)
            ks_buf_appends(out, ", ");
        img_platform_format(&idx->items[i].platform, out);
    }
}

static enum ks_code load_manifest(struct img_image *img, const void *data, size_t len,
                                  const char *digest, int depth, struct ks_err *err);

/* Pick the platform's entry of an index and load it. */
static enum ks_code
load_index(struct img_image *img, const void *data, size_t len, const char *source, int depth,
           struct ks_err *err)
{
    struct img_index idx;
    struct ks_buf body = KS_BUF_INIT(IMG_MAX_JSON);
    ptrdiff_t pick = -1;
    size_t images = 0, last = 0;
    enum ks_code rc;

    if (depth > IMG_MAX_INDEX_DEPTH)
        return ks_err_set(err, KS_ETOOBIG, "image: indexes nested deeper than %d",
                          IMG_MAX_INDEX_DEPTH);
    if ((rc = img_parse_index(data, len, source, img->arena, &idx, err)) != KS_OK)
        return rc;
    for (size_t i = 0; i < idx.n; i++)
        if (!idx.items[i].is_attestation) {
            images++;
            last = i;
        }
    if (images == 0) {
        rc = ks_err_set(err, KS_ENOTFOUND, "image: %s lists no image", source);
        goto out;
    }
    pick = img_platform_select(&idx, &img->want);
    if (pick < 0) {
        bool any_platform = false;

        for (size_t i = 0; i < idx.n; i++)
            any_platform |= idx.items[i].has_platform && !idx.items[i].is_attestation;
        if (images == 1 && !any_platform) {
            pick = (ptrdiff_t)last; /* one image, no platform said: take it */
        } else {
            struct ks_buf have = KS_BUF_INIT(2048), want = KS_BUF_INIT(64);

            list_platforms(&idx, &have);
            img_platform_format(&img->want, &want);
            rc = ks_err_set(err, KS_ENOTFOUND,
                            "image: %s has no image for platform %s (it has: %s); choose one "
                            "with --platform",
                            source, want.data, have.len ? have.data : "no platform information");
            ks_buf_release(&have);
            ks_buf_release(&want);
            goto out;
        }
    }
    {
        const struct img_desc *d = &idx.items[pick];

        if ((rc = img->ops->read_manifest(img, d, &body, err)) != KS_OK)
            goto out;
        rc = load_manifest(img, body.data, body.len, d->digest, depth + 1, err);
    }
out:
    ks_buf_release(&body);
    return rc;
}

static enum ks_code
finish_layers(struct img_image *img, struct ks_err *err)
{
    ptrdiff_t *hist;

    if (img->config.n_diff_ids != img->n_layers)
        return ks_err_set(err, KS_EPARSE,
                          "image: the manifest has %zu layers, the config %zu "
                          "diff_ids",
                          img->n_layers, img->config.n_diff_ids);
    hist = ks_arena_calloc(img->arena, img->n_layers + 1, sizeof(*hist));
    if (hist == NULL)
        return ks_err_set(err, KS_ENOMEM, "image: out of memory");
    img_history_map(&img->config, img->n_layers, hist);
    for (size_t i = 0; i < img->n_layers; i++) {
        struct img_layer_info *l = &img->layers[i];

        l->diff_id = img->config.diff_ids[i];
        l->history = hist[i];
        if (hist[i] >= 0) {
            l->created_by = img->config.history[hist[i]].created_by;
            l->created = img->config.history[hist[i]].created;
        }
    }
    return KS_OK;
}

static enum ks_code
load_config(struct img_image *img, struct ks_err *err)
{
    struct ks_buf body = KS_BUF_INIT(IMG_MAX_CONFIG);
    enum ks_code rc;

    if ((rc = read_blob(img, &img->config_desc, IMG_MAX_CONFIG, &body, err)) == KS_OK)
        rc = img_parse_config(body.data, body.len, "image config", img->arena, &img->config, err);
    ks_buf_release(&body);
    return rc;
}

static enum ks_code
load_manifest(struct img_image *img, const void *data, size_t len, const char *digest, int depth,
              struct ks_err *err)
{
    enum img_doc kind = img_doc_kind(data, len);
    enum ks_code rc;

    if (kind == IMG_DOC_INDEX)
        return load_index(img, data, len, "image index", depth, err);
    if (kind == IMG_DOC_SCHEMA1)
        return ks_err_set(err, KS_EUNSUPPORTED,
                          "image: Docker image manifest schema 1 is not supported (deprecated "
                          "since 2017; re-push the image)");
    if (kind != IMG_DOC_MANIFEST) {
        /* Let the parser say what is wrong with it. */
        struct img_manifest m;

        rc = img_parse_manifest(data, len, "image manifest", img->arena, &m, err);
        return rc != KS_OK ? rc : ks_err_set(err, KS_EPARSE, "image: not a manifest or an index");
    }
    if ((rc = img_parse_manifest(data, len, "image manifest", img->arena, &img->manifest, err)) !=
        KS_OK)
        return rc;
    if (digest != NULL)
        snprintf(img->manifest_digest, sizeof(img->manifest_digest), "%s", digest);
    img->config_desc = img->manifest.config;
    snprintf(img->config_digest, sizeof(img->config_digest), "%s", img->config_desc.digest);
    img->n_layers = img->manifest.n_layers;
    img->layers = ks_arena_calloc(img->arena, img->n_layers + 1, sizeof(*img->layers));
    if (img->layers == NULL)
        return ks_err_set(err, KS_ENOMEM, "image: out of memory");
    for (size_t i = 0; i < img->n_layers; i++) {
        img->layers[i].blob = img->manifest.layers[i];
        if (img->layers[i].blob.is_foreign)
            warn(img,
                 "image: layer %zu (%s) is a foreign layer; reading it from the source "
                 "anyway",
                 i, img->layers[i].blob.digest);
    }
    if ((rc = load_config(img, err)) != KS_OK)
        return rc;
    return finish_layers(img, err);
}

/* An OCI layout (directory or archive): index.json, filtered by ref name. */
static enum ks_code
load_layout(struct img_image *img, const void *data, size_t len, struct ks_err *err)
{
    struct img_index idx;
    struct ks_buf body = KS_BUF_INIT(IMG_MAX_JSON);
    enum ks_code rc;
    size_t keep = 0;

    if ((rc = img_parse_index(data, len, "index.json", img->arena, &idx, err)) != KS_OK)
        return rc;
    if (img->ref != NULL) {
        for (size_t i = 0; i < idx.n; i++)
            if (idx.items[i].ref_name != NULL && strcmp(idx.items[i].ref_name, img->ref) == 0)
                idx.items[keep++] = idx.items[i];
        if (keep == 0)
            return ks_err_set(err, KS_ENOTFOUND, "image: '%s' has no image named '%s'", img->path,
                              img->ref);
        idx.n = keep;
    } else {
        /* Several named images and none asked for: say which exist. */
        struct ks_buf names = KS_BUF_INIT(2048);
        size_t named = 0;

        for (size_t i = 0; i < idx.n; i++)
            if (idx.items[i].ref_name != NULL && !idx.items[i].is_attestation) {
                bool dup = false;

                for (size_t j = 0; j < i; j++)
                    dup |= idx.items[j].ref_name != NULL &&
                           strcmp(idx.items[j].ref_name, idx.items[i].ref_name) == 0;
                if (!dup) {
                    ks_buf_appendf(&names, "%s%s", named ? ", " : "", idx.items[i].ref_name);
                    named++;
                }
            }
        if (named > 1) {
            rc = ks_err_set(err, KS_EINVAL,
                            "image: '%s' holds several images (%s); name one as PATH:NAME",
                            img->path, names.data);
            ks_buf_release(&names);
            return rc;
        }
        ks_buf_release(&names);
    }
    if (idx.n == 1 && !idx.items[0].has_platform) {
        img->tag = idx.items[0].ref_name;
        if ((rc = img->ops->read_manifest(img, &idx.items[0], &body, err)) == KS_OK)
            rc = load_manifest(img, body.data, body.len, idx.items[0].digest, 1, err);
        ks_buf_release(&body);
        return rc;
    }
    /* Re-serialise is not needed: load_index works on the parsed form. */
    {
        ptrdiff_t pick = img_platform_select(&idx, &img->want);

        if (pick < 0) {
            struct ks_buf have = KS_BUF_INIT(2048), want = KS_BUF_INIT(64);

            list_platforms(&idx, &have);
            img_platform_format(&img->want, &want);
            rc = ks_err_set(err, KS_ENOTFOUND,
                            "image: '%s' has no image for platform %s (it has: %s); choose one "
                            "with --platform",
                            img->path, want.data, have.len ? have.data : "none named");
            ks_buf_release(&have);
            ks_buf_release(&want);
            return rc;
        }
        img->tag = idx.items[pick].ref_name;
        if ((rc = img->ops->read_manifest(img, &idx.items[pick], &body, err)) == KS_OK)
            rc = load_manifest(img, body.data, body.len, idx.items[pick].digest, 1, err);
        ks_buf_release(&body);
        return rc;
    }
}

/* docker save: manifest.json, by RepoTag when several. */
static bool
tag_matches(const char *repo_tag, const char *want)
{
    size_t n = strlen(repo_tag), w = strlen(want);

    if (strcmp(repo_tag, want) == 0)
        return true;
    /* "docker.io/library/app:1" answers to "app:1" */
    if (n > w && repo_tag[n - w - 1] == '/' && strcmp(repo_tag + n - w, want) == 0)
        return true;
    return false;
}

static enum ks_code
load_save(struct img_image *img, const void *data, size_t len, struct ks_err *err)
{
    struct img_save_entry *es;
    size_t n, pick = 0;
    enum ks_code rc;
    struct ks_buf body = KS_BUF_INIT(IMG_MAX_CONFIG);
    struct tar_src *t = img->impl;
    char hex[65];

    if ((rc = img_parse_save_manifest(data, len, "manifest.json", img->arena, &es, &n, err)) !=
        KS_OK)
        return rc;
    if (img->ref != NULL) {
        bool found = false;

        for (size_t i = 0; i < n && !found; i++)
            for (size_t j = 0; j < es[i].n_repo_tags; j++)
                if (tag_matches(es[i].repo_tags[j], img->ref)) {
                    pick = i;
                    found = true;
                    break;
                }
        if (!found)
            return ks_err_set(err, KS_ENOTFOUND, "image: '%s' has no image tagged '%s'", img->path,
                              img->ref);
    } else if (n > 1) {
        return ks_err_set(err, KS_EINVAL, "image: '%s' holds %zu images; name one as PATH:REPO:TAG",
                          img->path, n);
    }
    img->repo_tags = es[pick].repo_tags;
    img->n_repo_tags = es[pick].n_repo_tags;
    /* The config: its sha256 is the image id. */
    {
        struct img_stream *s = NULL;
        struct member *m = ks_map_get(t->members, ks_str_c(es[pick].config));

        if (m == NULL)
            return ks_err_set(err, KS_ENOTFOUND, "image: '%s' has no member '%s'", img->path,
                              es[pick].config);
        if ((rc = open_member(img, es[pick].config, NULL, 0, false, &s, err)) != KS_OK)
            return rc;
        rc = read_stream_all(s, IMG_MAX_CONFIG, &body, err);
        img_stream_close(s);
        if (rc != KS_OK)
            goto out;
    }
    ks_sha256_hex(body.data, body.len, hex);
    snprintf(img->config_digest, sizeof(img->config_digest), "sha256:%s", hex);
    /* A member named by digest must hash to it. */
    {
        const char *base = strrchr(es[pick].config, '/');

        base = base ? base + 1 : es[pick].config;
        if (strlen(base) >= 64 && strspn(base, "0123456789abcdef") == 64 &&
            strncmp(base, hex, 64) != 0) {
            rc = ks_err_set(err, KS_EPARSE, "image: config '%s': digest mismatch (sha256:%s)",
                            es[pick].config, hex);
            goto out;
        }
    }
    if ((rc = img_parse_config(body.data, body.len, es[pick].config, img->arena, &img->config,
                               err)) != KS_OK)
        goto out;
    img->n_layers = es[pick].n_layers;
    img->layers = ks_arena_calloc(img->arena, img->n_layers + 1, sizeof(*img->layers));
    if (img->layers == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "image: out of memory");
        goto out;
    }
    if (img->config.n_diff_ids != img->n_layers) {
        rc = ks_err_set(err, KS_EPARSE, "image: manifest.json lists %zu layers, the config %zu",
                        img->n_layers, img->config.n_diff_ids);
        goto out;
    }
    for (size_t i = 0; i < img->n_layers; i++) {
        struct img_desc *d = &img->layers[i].blob;
        const char *p = es[pick].layers[i];
        struct member *m;

        d->path = p;
        /* blobs/sha256/<hex> members (docker 25+) are named by their digest. */
        if (strncmp(p, "blobs/sha256/", 13) == 0 && strlen(p) == 13 + 64)
            snprintf(d->digest, sizeof(d->digest), "sha256:%s", p + 13);
        for (int hops = 0; hops < 8; hops++) {
            m = ks_map_get(t->members, ks_str_c(p));
            if (m == NULL || m->link == NULL)
                break;
            p = m->link;
        }
        if (m == NULL) {
            rc = ks_err_set(err, KS_ENOTFOUND, "image: '%s' has no layer member '%s'", img->path,
                            es[pick].layers[i]);
            goto out;
        }
        d->size = m->size;
        d->has_size = true;
    }
    rc = finish_layers(img, err);
out:
    ks_buf_release(&body);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Opening.                                                                 */

static enum ks_code
image_new(const char *name, const struct img_open_opts *opts, struct img_image **out,
          struct ks_err *err)
{
    struct ks_arena *a = ks_arena_new(64 * 1024);
    struct img_image *img;
    enum ks_code rc;

    if (a == NULL || (img = ks_arena_calloc(a, 1, sizeof(*img))) == NULL) {
        ks_arena_free(a);
        return ks_err_set(err, KS_ENOMEM, "image: out of memory");
    }
    img->arena = a;
    img->name = ks_arena_strdup(a, name);
    if (opts != NULL) {
        img->warn = opts->warn;
        img->warn_ctx = opts->warn_ctx;
        img->platform_explicit = opts->platform != NULL && opts->platform[0] != '\0';
    }
    if ((rc = img_platform_parse(opts ? opts->platform : NULL, a, &img->want, err)) != KS_OK) {
        ks_arena_free(a);
        return rc;
    }
    *out = img;
    return KS_OK;
}

void
img_image_free(struct img_image *img)
{
    if (img == NULL)
        return;
    if (img->kind == IMG_SRC_REGISTRY)
        img_registry_free(img->impl);
    else if (img->kind == IMG_SRC_DOCKER_ARCHIVE || img->kind == IMG_SRC_OCI_ARCHIVE)
        tar_src_free(img->impl);
    img_cache_free(img->cache);
    ks_arena_free(img->arena);
}

static enum ks_code
check_platform(struct img_image *img, struct ks_err *err)
{
    struct ks_buf have = KS_BUF_INIT(64), want = KS_BUF_INIT(64);
    struct img_platform p = {img->config.os, img->config.arch, img->config.variant};
    struct img_index one = {0};
    struct img_desc d = {0};

    (void)err;
    img->platform = p;
    if (p.os == NULL || p.arch == NULL)
        return KS_OK;
    d.has_platform = true;
    d.platform = p;
    one.items = &d;
    one.n = 1;
    if (img->platform_explicit && img_platform_select(&one, &img->want) < 0) {
        img_platform_format(&p, &have);
        img_platform_format(&img->want, &want);
        warn(img, "image: '%s' is %s, not the %s asked for with --platform; scanning it anyway",
             img->name, have.data, want.data);
    }
    ks_buf_release(&have);
    ks_buf_release(&want);
    return KS_OK;
}

/* "PATH" or "PATH:REF" where PATH exists. */
static enum ks_code
split_path_ref(struct img_image *img, const char *spec, struct ks_err *err)
{
    const char *colon;

    if (ks_path_exists(spec)) {
        img->path = ks_arena_strdup(img->arena, spec);
        return img->path ? KS_OK : ks_err_set(err, KS_ENOMEM, "image: out of memory");
    }
    /* The first ':' after which the prefix is an existing path (REF may hold ':'). */
    for (colon = strchr(spec, ':'); colon != NULL; colon = strchr(colon + 1, ':')) {
        char *p = ks_arena_strndup(img->arena, spec, (size_t)(colon - spec));

        if (p == NULL)
            return ks_err_set(err, KS_ENOMEM, "image: out of memory");
        if (ks_path_exists(p) && colon[1] != '\0') {
            img->path = p;
            img->ref = ks_arena_strdup(img->arena, colon + 1);
            return img->ref ? KS_OK : ks_err_set(err, KS_ENOMEM, "image: out of memory");
        }
    }
    return ks_err_set(err, KS_ENOTFOUND, "image '%s': no such file or directory", spec);
}

static enum ks_code
open_layout_dir(struct img_image *img, struct ks_err *err)
{
    struct ks_buf p = KS_BUF_INIT(8192), body = KS_BUF_INIT(IMG_MAX_JSON);
    enum ks_code rc;
    json_t *root = NULL;

    img->kind = IMG_SRC_OCI_LAYOUT;
    img->ops = &layout_ops;
    img->source = "oci-layout";
    ks_buf_appendf(&p, "%s/oci-layout", img->path);
    if (ks_buf_err(&p) != KS_OK) {
        rc = ks_err_set(err, KS_ENOMEM, "image: out of memory");
        goto out;
    }
    if ((rc = ks_file_read(p.data, 4096, &body, err)) != KS_OK) {
        if (rc == KS_ENOTFOUND)
            rc = ks_err_set(err, KS_EINVAL, "image '%s': not an OCI image layout (no oci-layout)",
                            img->path);
        goto out;
    }
    if ((rc = ks_json_parse(body.data, body.len, "oci-layout", &root, err)) != KS_OK)
        goto out;
    if (ks_json_str(root, "imageLayoutVersion") == NULL) {
        rc = ks_err_set(err, KS_EPARSE, "image '%s': oci-layout has no imageLayoutVersion",
                        img->path);
        goto out;
    }
    ks_buf_reset(&p);
    ks_buf_reset(&body);
    ks_buf_appendf(&p, "%s/index.json", img->path);
    if (ks_buf_err(&p) != KS_OK) {
        rc = ks_err_set(err, KS_ENOMEM, "image: out of memory");
        goto out;
    }
    if ((rc = ks_file_read(p.data, IMG_MAX_JSON, &body, err)) != KS_OK)
        goto out;
    rc = load_layout(img, body.data, body.len, err);
out:
    json_decref(root);
    ks_buf_release(&p);
    ks_buf_release(&body);
    return rc;
}

static enum ks_code
read_member_all(struct img_image *img, const char *path, struct ks_buf *out, struct ks_err *err)
{
    struct img_stream *s = NULL;
    enum ks_code rc = open_member(img, path, NULL, 0, false, &s, err);

    if (rc == KS_OK)
        rc = read_stream_all(s, IMG_MAX_JSON, out, err);
    img_stream_close(s);
    return rc;
}

static enum ks_code
open_tar(struct img_image *img, struct ks_err *err)
{
    struct tar_src *t = ks_arena_calloc(img->arena, 1, sizeof(*t));
    struct ks_buf body = KS_BUF_INIT(IMG_MAX_JSON);
    enum ks_code rc;

    if (t == NULL)
        return ks_err_set(err, KS_ENOMEM, "image: out of memory");
    img->impl = t;
    img->kind = IMG_SRC_DOCKER_ARCHIVE; /* so that free releases the index */
    if ((rc = tar_index(img, t, err)) != KS_OK)
        goto out;
    if (ks_map_has(t->members, KS_STR("manifest.json"))) {
        img->source = "docker-archive";
        img->ops = &save_ops;
        if ((rc = read_member_all(img, "manifest.json", &body, err)) == KS_OK)
            rc = load_save(img, body.data, body.len, err);
    } else if (ks_map_has(t->members, KS_STR("index.json")) &&
               ks_map_has(t->members, KS_STR("oci-layout"))) {
        img->kind = IMG_SRC_OCI_ARCHIVE;
        img->source = "oci-archive";
        img->ops = &ociar_ops;
        if ((rc = read_member_all(img, "index.json", &body, err)) == KS_OK)
            rc = load_layout(img, body.data, body.len, err);
    } else {
        rc = ks_err_set(err, KS_EINVAL,
                        "image '%s': a tar with neither manifest.json (docker save) nor "
                        "oci-layout and index.json (OCI archive)",
                        img->path);
    }
out:
    ks_buf_release(&body);
    return rc;
}

enum ks_code
img_image_open_path(const char *spec, const struct img_open_opts *opts, struct img_image **out,
                    struct ks_err *err)
{
    struct img_image *img = NULL;
    struct stat st;
    enum ks_code rc;

    if ((rc = image_new(spec, opts, &img, err)) != KS_OK)
        return rc;
    if ((rc = split_path_ref(img, spec, err)) != KS_OK)
        goto fail;
    if (stat(img->path, &st) != 0) {
        rc = ks_err_set(err, KS_EIO, "image '%s': %s", img->path, strerror(errno));
        goto fail;
    }
    rc = S_ISDIR(st.st_mode) ? open_layout_dir(img, err) : open_tar(img, err);
    if (rc != KS_OK)
        goto fail;
    if ((rc = check_platform(img, err)) != KS_OK)
        goto fail;
    if (img->manifest_digest[0] != '\0')
        memcpy(img->digest, img->manifest_digest, sizeof(img->digest));
    *out = img;
    return KS_OK;
fail:
    img_image_free(img);
    return rc;
}

enum ks_code
img_image_open_registry(const char *reference, const struct img_open_opts *opts,
                        struct img_image **out, struct ks_err *err)
{
    struct img_image *img = NULL;
    struct img_ref ref;
    struct img_registry_opts ro = {0};
    struct img_registry *reg = NULL;
    struct ks_buf body = KS_BUF_INIT(IMG_MAX_JSON);
    char digest[IMG_DIGEST_MAX];
    enum ks_code rc;

    if ((rc = img_ref_parse(reference, &ref, err)) != KS_OK)
        return rc;
    if ((rc = image_new(reference, opts, &img, err)) != KS_OK)
        return rc;
    img->kind = IMG_SRC_REGISTRY;
    img->source = "registry";
    img->ops = &reg_ops;
    if (opts != NULL && opts->cache_max_bytes != UINT64_MAX) {
        rc = img_cache_open(opts->cache_dir, opts->cache_max_bytes, &img->cache, err);
        if (rc != KS_OK)
            goto fail;
    }
    ro.insecure = opts ? opts->insecure : false;
    ro.auth_config = opts ? opts->auth_config : NULL;
    ro.cache = img->cache;
    ro.warn = img->warn;
    ro.warn_ctx = img->warn_ctx;
    if ((rc = img_registry_new(&ref, &ro, &reg, err)) != KS_OK)
        goto fail;
    img->impl = reg;
    img->repository = ks_arena_sprintf(img->arena, "%s/%s", ref.host, ref.repo);
    if (ref.tag[0] != '\0')
        img->tag = ks_arena_strdup(img->arena, ref.tag);
    if ((rc = img_registry_manifest(reg, ref.digest[0] ? ref.digest : ref.tag, &body, digest,
                                    err)) != KS_OK)
        goto fail;
    memcpy(img->digest, digest, sizeof(img->digest));
    if ((rc = load_manifest(img, body.data, body.len, digest, 0, err)) != KS_OK)
        goto fail;
    if ((rc = check_platform(img, err)) != KS_OK)
        goto fail;
    ks_buf_release(&body);
    *out = img;
    return KS_OK;
fail:
    ks_buf_release(&body);
    img_image_free(img);
    return rc;
}

enum ks_code
img_image_open_layer(struct img_image *img, size_t i, struct img_stream **out, struct ks_err *err)
{
    const struct img_desc *d;

    if (i >= img->n_layers)
        return ks_err_set(err, KS_EINVAL, "image: no layer %zu", i);
    d = &img->layers[i].blob;
    if (img->kind == IMG_SRC_DOCKER_ARCHIVE && d->digest[0] == '\0') {
        /* Legacy docker save: the member is the uncompressed tar; its diff id is its digest. */
        return open_member(img, d->path, img->layers[i].diff_id, d->size, d->has_size, out, err);
    }
    return img->ops->open_blob(img, d, out, err);
}

uint64_t
img_image_downloaded(const struct img_image *img)
{
    return img->kind == IMG_SRC_REGISTRY ? img_registry_downloaded(img->impl) : 0;
}
