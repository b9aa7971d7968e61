/*
 * fs_image.c: the fs view over a container image or a function package
 * (ARCHITECTURE.md §2). Opening streams every layer once through the squash
 * tree (image_tree.c) and keeps only metadata; walk and lstat answer from
 * the tree; prefetch streams each layer that holds wanted files once more
 * and keeps their contents within limits.max_cache_bytes; anything not
 * cached is read by streaming its layer again up to the entry (bounded by
 * limits.max_file_bytes). Nothing is ever written to disk.
 */
#include "fs/fs_int.h"
#include "fs/registry_int.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/banned.h"

struct cached {
    char *data;
    size_t len;
};

struct image_fs {
    struct img_image *img;  /* NULL for a function package */
    struct ks_arena *arena; /* info, layers, function paths */
    struct img_tree *tree;
    struct img_limits limits;
    struct ks_image_info info;
    struct ks_image_layer *layers;
    struct img_layer_fmt *fmts; /* per layer: tar, or zip under a prefix */
    const char **zip_paths;     /* function: the zip of each layer */
    const char **watch;         /* history paths (arena) */
    size_t n_watch;
    struct ks_map *cache; /* canonical path -> struct cached * */
    uint64_t cache_bytes;
    struct ks_buf scratch;  /* lstat strings */
    struct ks_map *history; /* path -> struct ks_fs_version array (arena) */
};

static struct image_fs *
impl(struct ks_fs *fs)
{
    return fs->impl;
}

/* ------------------------------------------------------------------------ */
/* Layers.                                                                  */

static enum ks_code
open_layer_stream(struct image_fs *im, size_t i, struct img_stream **out, struct ks_err *err)
{
    int fd;
    struct stat st;

    if (im->img != NULL)
        return img_image_open_layer(im->img, i, out, err);
    fd = open(im->zip_paths[i], O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0)
            close(fd);
        return ks_err_set(err, KS_ENOTFOUND, "function: cannot open '%s'", im->zip_paths[i]);
    }
    /* The digest recorded in pass 1 must hold on later passes too. */
    return img_stream_fd(fd, im->zip_paths[i], im->layers[i].digest, (uint64_t)st.st_size, true,
                         out, err);
}

static void
fs_warn_cb(void *ctx, const char *msg)
{
    fs_warn(ctx, "%s", msg);
}

static enum ks_code
build_tree(struct ks_fs *fs, struct ks_err *err)
{
    struct image_fs *im = impl(fs);
    uint64_t entries = 0, bytes = 0;
    struct img_tree_stats ts;
    enum ks_code rc;

    if ((rc = img_tree_new(im->limits.max_entries + 1, &im->tree, err)) != KS_OK)
        return rc;
    for (size_t i = 0; i < im->n_watch; i++)
        if ((rc = img_tree_watch(im->tree, im->watch[i], err)) != KS_OK)
            return rc;
    for (size_t i = 0; i < im->info.n_layers; i++) {
        struct img_stream *s = NULL;
        const char *id = im->layers[i].diff_id;
        char name[128];

        snprintf(name, sizeof(name), "%zu (%.19s)", i + 1, id && id[0] ? id : im->layers[i].digest);
        if ((rc = open_layer_stream(im, i, &s, err)) != KS_OK)
            return rc;
        rc = img_layer_apply_ex(im->tree, (uint16_t)i, name, &im->fmts[i], s, im->img ? id : NULL,
                                &im->limits, &entries, &bytes, fs_warn_cb, fs, NULL, err);
        if (rc == KS_OK && im->img == NULL) {
            /* A function layer is named by the sha256 of its zip. */
            char *d = ks_arena_strdup(im->arena, s->actual);

            if (d == NULL)
                rc = ks_err_set(err, KS_ENOMEM, "function: out of memory");
            else
                im->layers[i].digest = im->layers[i].diff_id = d;
        }
        img_stream_close(s);
        if (rc == KS_OK)
            rc = img_tree_note_layer(im->tree, (uint16_t)i, err);
        if (rc != KS_OK)
            return ks_err_prefix(err, "'%s': ", fs->name);
    }
    img_tree_stats(im->tree, &ts);
    im->info.paths = ts.nodes > 0 ? ts.nodes - 1 : 0;
    im->info.tree_bytes = ts.bytes;
    if (im->img != NULL)
        im->info.downloaded = img_image_downloaded(im->img);
    ks_log(KS_LOG_DEBUG, "fs.image", "'%s': %zu layers, %llu entries, %llu paths, tree %llu bytes",
           fs->name, im->info.n_layers, (unsigned long long)entries,
           (unsigned long long)im->info.paths, (unsigned long long)ts.bytes);
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* Entries.                                                                 */

static enum ks_fs_type
fs_type(uint8_t t)
{
    switch (t) {
    case IMG_N_DIR:
        return KS_FS_DIR;
    case IMG_N_FILE:
        return KS_FS_FILE;
    case IMG_N_SYMLINK:
        return KS_FS_SYMLINK;
    default:
        return KS_FS_OTHER;
    }
}

/* Fill e from node id; the link string goes into buf. */
static void
fill_entry(struct image_fs *im, uint32_t id, const char *path, size_t path_len, struct ks_buf *buf,
           struct ks_fs_entry *e)
{
    const struct img_node *n = img_tree_node(im->tree, id);

    memset(e, 0, sizeof(*e));
    e->path = path;
    e->path_len = path_len;
    e->type = fs_type(n->type);
    e->size = n->type == IMG_N_FILE ? n->size : 0;
    e->mode = n->mode;
    e->mtime = n->mtime;
    e->layer = n->layer < im->info.n_layers ? im->layers[n->layer].diff_id : NULL;
    if (n->type == IMG_N_SYMLINK) {
        struct ks_str l = img_tree_link(im->tree, id);

        ks_buf_reset(buf);
        ks_buf_append_str(buf, l);
        e->link = buf->data;
    }
}

struct walk_ctx {
    struct image_fs *im;
    ks_fs_walk_fn fn;
    void *ctx;
    struct ks_buf link;
    bool stopped;
};

static enum img_visit
walk_cb(void *ctx, uint32_t id, const char *path, size_t len)
{
    struct walk_ctx *w = ctx;
    struct ks_fs_entry e;
    enum ks_fs_visit v;

    fill_entry(w->im, id, path, len, &w->link, &e);
    v = w->fn(w->ctx, &e);
    if (v == KS_FS_STOP)
        return IMG_STOP;
    return v == KS_FS_SKIP ? IMG_SKIP : IMG_CONTINUE;
}

static enum ks_code
image_walk(struct ks_fs *fs, ks_fs_walk_fn fn, void *ctx, struct ks_err *err)
{
    struct walk_ctx w = {impl(fs), fn, ctx, KS_BUF_INIT(IMG_MAX_LINK + 1), false};
    enum ks_code rc = img_tree_walk(impl(fs)->tree, walk_cb, &w, err);

    ks_buf_release(&w.link);
    return rc;
}

static enum ks_code
image_lstat(struct ks_fs *fs, const char *path, struct ks_fs_entry *out, struct ks_err *err)
{
    struct image_fs *im = impl(fs);
    uint32_t id = img_tree_lookup(im->tree, ks_str_c(path));

    if (id == IMG_NO_NODE || id == IMG_ROOT)
        return ks_err_set(err, KS_ENOTFOUND, "'%s': no such file or directory", path);
    fill_entry(im, id, path, strlen(path), &im->scratch, out);
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* Contents.                                                                */

/* One wanted blob of contents: an entry of a layer, and who asked for it. */
struct want {
    uint32_t entry;
    const char *path; /* canonical path to cache it under */
    uint64_t size;
};

struct fetch {
    struct image_fs *im;
    struct want *w; /* this layer's, sorted by entry */
    size_t n;
    size_t done;
    struct ks_buf cur;
    uint64_t budget;
    bool keep_all; /* an on-demand read: ignore the cache budget */
};

static int
want_cmp(const void *a, const void *b)
{
    const struct want *x = a, *y = b;

    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

static struct want *
find_want(struct fetch *f, uint32_t entry)
{
    struct want key = {entry, NULL, 0};

    return bsearch(&key, f->w, f->n, sizeof(*f->w), want_cmp);
}

static int
fetch_want(void *ctx, uint32_t ordinal, uint64_t size)
{
    struct fetch *f = ctx;
    struct want *w;

    if (f->done >= f->n)
        return IMG_WANT_STOP;
    w = find_want(f, ordinal);
    if (w == NULL)
        return IMG_WANT_SKIP;
    if (!f->keep_all && size > f->budget) {
        /* Over the budget: read later by streaming the layer again. */
        while (w > f->w && (w - 1)->entry == ordinal)
            w--;
        for (; w < f->w + f->n && w->entry == ordinal; w++)
            f->done++;
        return IMG_WANT_SKIP;
    }
    ks_buf_reset(&f->cur);
    return IMG_WANT_READ;
}

static enum ks_code
store(struct image_fs *im, const char *path, const char *data, size_t len, struct ks_err *err)
{
    struct cached *c;
    void *old = NULL;

    if (ks_map_has(im->cache, ks_str_c(path)))
        return KS_OK;
    c = ks_calloc(1, sizeof(*c));
    if (c == NULL || (c->data = ks_malloc(len ? len : 1)) == NULL) {
        ks_free(c);
        return ks_err_set(err, KS_ENOMEM, "image: out of memory caching '%s'", path);
    }
    if (len > 0)
        memcpy(c->data, data, len);
    c->len = len;
    if (ks_map_put(im->cache, ks_str_c(path), c, &old) != KS_OK) {
        ks_free(c->data);
        ks_free(c);
        return ks_err_set(err, KS_ENOMEM, "image: out of memory caching '%s'", path);
    }
    im->cache_bytes += len;
    return KS_OK;
}

static enum ks_code
fetch_take(void *ctx, uint32_t ordinal, uint64_t off, const void *data, size_t len,
           struct ks_err *err)
{
    struct fetch *f = ctx;
    struct want *w;
    enum ks_code rc;

    (void)off;
    if (len > 0) {
        ks_buf_append(&f->cur, data, len);
        return ks_buf_err(&f->cur) == KS_OK
                   ? KS_OK
                   : ks_err_set(err, KS_ENOMEM, "image: out of memory reading contents");
    }
    w = find_want(f, ordinal);
    while (w > f->w && (w - 1)->entry == ordinal)
        w--;
    for (; w != NULL && w < f->w + f->n && w->entry == ordinal; w++) {
        if ((rc = store(f->im, w->path, f->cur.data, f->cur.len, err)) != KS_OK)
            return rc;
        f->done++;
    }
    f->budget = f->budget > f->cur.len ? f->budget - f->cur.len : 0;
    return KS_OK;
}

/* Stream layer `layer` once and cache every wanted entry of it. */
static enum ks_code
fetch_layer(struct ks_fs *fs, size_t layer, struct want *w, size_t n, bool keep_all,
            struct ks_err *err)
{
    struct image_fs *im = impl(fs);
    struct fetch f = {im, w, n, 0, KS_BUF_INIT(fs->limits.max_file_bytes), 0, keep_all};
    struct img_stream *s = NULL;
    char name[128];
    enum ks_code rc;

    qsort(w, n, sizeof(*w), want_cmp);
    f.budget = fs->limits.max_cache_bytes > im->cache_bytes
                   ? fs->limits.max_cache_bytes - im->cache_bytes
                   : 0;
    snprintf(name, sizeof(name), "%zu (%.19s)", layer + 1, im->layers[layer].diff_id);
    if ((rc = open_layer_stream(im, layer, &s, err)) != KS_OK)
        return rc;
    rc = img_layer_fetch_ex(name, &im->fmts[layer], s, im->img ? im->layers[layer].diff_id : NULL,
                            &im->limits, fetch_want, fetch_take, &f, err);
    img_stream_close(s);
    ks_buf_release(&f.cur);
    return rc;
}

static int
by_layer(const void *a, const void *b)
{
    const uint32_t *x = a, *y = b;

    return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : (x[1] < y[1] ? -1 : x[1] > y[1]);
}

static enum ks_code
image_prefetch(struct ks_fs *fs, const char *const *paths, size_t n, struct ks_err *err)
{
    struct image_fs *im = impl(fs);
    uint32_t(*order)[2] = NULL; /* (data_layer, index into wants) */
    struct want *wants = NULL;
    size_t m = 0;
    enum ks_code rc = KS_OK;

    if (n == 0)
        return KS_OK;
    wants = ks_calloc(n, sizeof(*wants));
    order = ks_calloc(n, sizeof(*order));
    if (wants == NULL || order == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "image: out of memory in prefetch");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t id = img_tree_lookup(im->tree, ks_str_c(paths[i]));
        const struct img_node *nd;

        if (id == IMG_NO_NODE || ks_map_has(im->cache, ks_str_c(paths[i])))
            continue;
        nd = img_tree_node(im->tree, id);
        if (nd->type != IMG_N_FILE)
            continue;
        wants[m] = (struct want){nd->data_entry, paths[i], nd->size};
        order[m][0] = nd->data_layer;
        order[m][1] = (uint32_t)m;
        m++;
    }
    qsort(order, m, sizeof(*order), by_layer);
    /* One pass per layer that holds something wanted. */
    for (size_t i = 0; i < m;) {
        size_t j = i, k = 0;
        struct want *lw;

        while (j < m && order[j][0] == order[i][0])
            j++;
        lw = ks_calloc(j - i, sizeof(*lw));
        if (lw == NULL) {
            rc = ks_err_set(err, KS_ENOMEM, "image: out of memory in prefetch");
            goto out;
        }
        for (size_t x = i; x < j; x++)
            lw[k++] = wants[order[x][1]];
        rc = fetch_layer(fs, order[i][0], lw, k, false, err);
        ks_free(lw);
        if (rc != KS_OK)
            goto out;
        i = j;
    }
out:
    ks_free(wants);
    ks_free(order);
    return rc;
}

/* A read that was not prefetched owns its bytes: they go when the handle closes. */
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

static void
owned_close(struct ks_fs_file *f)
{
    ks_free(f->impl);
    f->impl = NULL;
}

static enum ks_code
owned_seek(struct ks_fs_file *f, uint64_t off, struct ks_err *err)
{
    (void)err;
    f->pos = off > f->len ? f->len : (size_t)off;
    return KS_OK;
}

static const struct ks_fs_file_ops owned_ops = {owned_read, owned_close, owned_seek};

static enum ks_code
image_open(struct ks_fs *fs, const char *path, struct ks_fs_file **out, struct ks_err *err)
{
    struct image_fs *im = impl(fs);
    uint32_t id = img_tree_lookup(im->tree, ks_str_c(path));
    const struct img_node *nd;
    struct cached *c;
    enum ks_code rc;

    if (id == IMG_NO_NODE)
        return ks_err_set(err, KS_ENOTFOUND, "'%s': no such file", path);
    nd = img_tree_node(im->tree, id);
    if (nd->type != IMG_N_FILE)
        return ks_err_set(err, KS_EINVAL, "'%s': not a regular file", path);
    c = ks_map_get(im->cache, ks_str_c(path));
    if (c == NULL) {
        struct want w = {nd->data_entry, path, nd->size};

        if (nd->size > fs->limits.max_file_bytes)
            return ks_err_set(err, KS_ETOOBIG, "'%s': %llu bytes, over the limit of %llu", path,
                              (unsigned long long)nd->size,
                              (unsigned long long)fs->limits.max_file_bytes);
        struct ks_fs_file *f;

        /* Not prefetched: stream its layer up to the entry; the bytes are not kept. */
        if ((rc = fetch_layer(fs, nd->data_layer, &w, 1, true, err)) != KS_OK)
            return rc;
        c = ks_map_del(im->cache, ks_str_c(path));
        if (c == NULL)
            return ks_err_set(err, KS_EIO, "'%s': not found in its layer", path);
        im->cache_bytes -= c->len;
        f = fs_file_new(&owned_ops, path, c->len);
        if (f == NULL) {
            ks_free(c->data);
            ks_free(c);
            return ks_err_set(err, KS_ENOMEM, "out of memory opening '%s'", path);
        }
        f->impl = c->data;
        f->data = c->data;
        f->len = c->len;
        ks_free(c);
        *out = f;
        return KS_OK;
    }
    *out = fs_file_mem(c->data, c->len, path);
    return *out ? KS_OK : ks_err_set(err, KS_ENOMEM, "out of memory opening '%s'", path);
}

static void
image_close(struct ks_fs *fs)
{
    struct image_fs *im = impl(fs);
    size_t pos = 0;
    struct ks_str k;
    void *v;

    if (im == NULL)
        return;
    if (im->cache != NULL) {
        while (ks_map_next(im->cache, &pos, &k, &v)) {
            ks_free(((struct cached *)v)->data);
            ks_free(v);
        }
        ks_map_free(im->cache);
    }
    img_tree_free(im->tree);
    img_image_free(im->img);
    ks_buf_release(&im->scratch);
    ks_arena_free(im->arena);
    ks_free(im);
    fs->impl = NULL;
}

static const struct ks_fs_ops image_ops = {
    "image", image_walk, image_lstat, image_open, image_prefetch, image_close,
};

/* ------------------------------------------------------------------------ */
/* Opening.                                                                 */

static enum ks_code
new_image_fs(const char *name, const struct ks_fs_options *opts, struct ks_fs **out,
             struct image_fs **imp, struct ks_err *err)
{
    struct image_fs *im;
    enum ks_code rc;

    if ((rc = fs_new(&image_ops, name, opts, out, err)) != KS_OK)
        return rc;
    im = ks_calloc(1, sizeof(*im));
    if (im == NULL || (im->arena = ks_arena_new(16 * 1024)) == NULL ||
        (im->cache = ks_map_new()) == NULL) {
        if (im != NULL) {
            ks_arena_free(im->arena);
            ks_free(im);
        }
        ks_fs_free(*out);
        *out = NULL;
        return ks_err_set(err, KS_ENOMEM, "image: out of memory opening '%s'", name);
    }
    ks_buf_init(&im->scratch, IMG_MAX_LINK + 1);
    (*out)->impl = im;
    /* The fs limits bound the image too (the ratio only past 256 MiB of output). */
    img_limits_default(&im->limits);
    im->limits.max_entries = (*out)->limits.max_entries;
    im->limits.max_total_bytes = (*out)->limits.max_total_bytes;
    im->limits.max_ratio = (*out)->limits.max_ratio;
    *imp = im;
    return KS_OK;
}

static void
img_opts_from(const struct ks_image_opts *io, const struct ks_fs *fs, struct img_open_opts *o)
{
    memset(o, 0, sizeof(*o));
    if (io != NULL) {
        o->platform = io->platform;
        o->insecure = io->insecure;
        o->auth_config = io->auth_config;
        o->cache_dir = io->cache_dir;
        o->cache_max_bytes = io->cache_max_bytes;
    }
    o->warn = fs_warn_cb;
    o->warn_ctx = (void *)fs;
}

static enum ks_code
fill_info(struct image_fs *im, struct ks_err *err)
{
    struct img_image *img = im->img;
    struct ks_image_info *in = &im->info;

    in->source = img->source;
    in->name = img->name;
    in->repository = img->repository;
    in->tag = img->tag;
    in->repo_tags = img->repo_tags;
    in->n_repo_tags = img->n_repo_tags;
    in->digest = img->digest[0] ? img->digest : NULL;
    in->manifest_digest = img->manifest_digest[0] ? img->manifest_digest : NULL;
    in->config_digest = img->config_digest[0] ? img->config_digest : NULL;
    in->os = img->config.os;
    in->arch = img->config.arch;
    in->variant = img->config.variant;
    in->created = img->config.created;
    in->author = img->config.author;
    in->labels = (const struct ks_image_kv *)img->config.labels;
    in->n_labels = img->config.n_labels;
    in->n_layers = img->n_layers;
    if (img->n_layers > 0xfffe)
        return ks_err_set(err, KS_ETOOBIG, "image: too many layers");
    im->layers = ks_arena_calloc(im->arena, img->n_layers + 1, sizeof(*im->layers));
    im->fmts = ks_arena_calloc(im->arena, img->n_layers + 1, sizeof(*im->fmts));
    if (im->layers == NULL || im->fmts == NULL)
        return ks_err_set(err, KS_ENOMEM, "image: out of memory");
    for (size_t i = 0; i < img->n_layers; i++) {
        const struct img_layer_info *l = &img->layers[i];

        im->layers[i].digest = l->blob.digest;
        im->layers[i].diff_id = l->diff_id;
        im->layers[i].media_type = l->blob.media_type;
        im->layers[i].size = l->blob.size;
        im->layers[i].created_by = l->created_by;
        im->layers[i].created = l->created;
    }
    in->layers = im->layers;
    return KS_OK;
}

static enum ks_code
open_common(const char *spec, bool registry, const struct ks_image_opts *iopts,
            const struct ks_fs_options *opts, struct ks_fs **out, struct ks_err *err)
{
    struct ks_fs *fs = NULL;
    struct image_fs *im = NULL;
    struct img_open_opts o;
    enum ks_code rc;

    if ((rc = new_image_fs(spec, opts, &fs, &im, err)) != KS_OK)
        return rc;
    if (iopts != NULL && iopts->n_history_paths > 0) {
        im->watch = ks_arena_calloc(im->arena, iopts->n_history_paths, sizeof(char *));
        if (im->watch == NULL) {
            ks_fs_free(fs);
            return ks_err_set(err, KS_ENOMEM, "image: out of memory");
        }
        for (size_t i = 0; i < iopts->n_history_paths; i++) {
            struct ks_buf c = KS_BUF_INIT(IMG_MAX_PATH + 1);

            if (img_path_clean(ks_str_c(iopts->history_paths[i]), &c) && c.len > 0)
                im->watch[im->n_watch++] = ks_arena_strdup(im->arena, c.data);
            ks_buf_release(&c);
            if (im->n_watch > 0 && im->watch[im->n_watch - 1] == NULL) {
                ks_fs_free(fs);
                return ks_err_set(err, KS_ENOMEM, "image: out of memory");
            }
        }
    }
    img_opts_from(iopts, fs, &o);
    rc = registry ? img_image_open_registry(spec, &o, &im->img, err)
                  : img_image_open_path(spec, &o, &im->img, err);
    if (rc != KS_OK || (rc = fill_info(im, err)) != KS_OK || (rc = build_tree(fs, err)) != KS_OK) {
        ks_fs_free(fs);
        return rc;
    }
    *out = fs;
    return KS_OK;
}

enum ks_code
ks_fs_open_image(const char *spec, const struct ks_image_opts *iopts,
                 const struct ks_fs_options *opts, struct ks_fs **out, struct ks_err *err)
{
    return open_common(spec, false, iopts, opts, out, err);
}

enum ks_code
ks_fs_open_registry(const char *ref, const struct ks_image_opts *iopts,
                    const struct ks_fs_options *opts, struct ks_fs **out, struct ks_err *err)
{
    return open_common(ref, true, iopts, opts, out, err);
}

enum ks_code
ks_fs_open_function(const char *zip, const char *const *layers, size_t n_layers,
                    const struct ks_fs_options *opts, struct ks_fs **out, struct ks_err *err)
{
    struct ks_fs *fs = NULL;
    struct image_fs *im = NULL;
    enum ks_code rc;
    size_t n = n_layers + 1;

    if (n > 1000)
        return ks_err_set(err, KS_ETOOBIG, "function: too many layers");
    if ((rc = new_image_fs(zip, opts, &fs, &im, err)) != KS_OK)
        return rc;
    im->layers = ks_arena_calloc(im->arena, n, sizeof(*im->layers));
    im->fmts = ks_arena_calloc(im->arena, n, sizeof(*im->fmts));
    im->zip_paths = ks_arena_calloc(im->arena, n, sizeof(*im->zip_paths));
    if (im->layers == NULL || im->fmts == NULL || im->zip_paths == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "function: out of memory");
        goto fail;
    }
    for (size_t i = 0; i < n; i++) {
        const char *p = i == 0 ? zip : layers[i - 1];

        im->zip_paths[i] = ks_arena_strdup(im->arena, p);
        im->fmts[i].zip = true;
        /* The platform unpacks the code to /var/task and layers to /opt. */
        im->fmts[i].prefix = i == 0 ? "var/task" : "opt";
        im->layers[i].digest = "";
        im->layers[i].created_by =
            i == 0 ? "function code" : ks_arena_sprintf(im->arena, "function layer %s", p);
        if (im->zip_paths[i] == NULL || im->layers[i].created_by == NULL) {
            rc = ks_err_set(err, KS_ENOMEM, "function: out of memory");
            goto fail;
        }
    }
    im->info.source = "function";
    im->info.name = im->zip_paths[0];
    im->info.layers = im->layers;
    im->info.n_layers = n;
    if ((rc = build_tree(fs, err)) != KS_OK)
        goto fail;
    *out = fs;
    return KS_OK;
fail:
    ks_fs_free(fs);
    return rc;
}

const struct ks_image_info *
ks_fs_image_info(const struct ks_fs *fs)
{
    if (fs == NULL || fs->ops != &image_ops || fs->impl == NULL)
        return NULL;
    return &((struct image_fs *)fs->impl)->info;
}

enum ks_code
ks_fs_image_history(struct ks_fs *fs, const char *path, const struct ks_fs_version **out, size_t *n,
                    struct ks_err *err)
{
    struct image_fs *im;
    const struct img_version *v;
    struct ks_fs_version *res;
    size_t count;

    *out = NULL;
    *n = 0;
    if (ks_fs_image_info(fs) == NULL)
        return KS_OK;
    im = impl(fs);
    v = img_tree_versions(im->tree, path, &count);
    if (count == 0)
        return KS_OK;
    res = ks_arena_calloc(im->arena, count, sizeof(*res));
    if (res == NULL)
        return ks_err_set(err, KS_ENOMEM, "image: out of memory");
    for (size_t i = 0; i < count; i++) {
        res[i].layer = im->layers[v[i].layer].diff_id;
        res[i].layer_index = v[i].layer;
        res[i].deleted = v[i].deleted;
    }
    *out = res;
    *n = count;
    return KS_OK;
}

struct grab {
    uint32_t entry;
    struct ks_buf *out;
    bool got;
};

static int
grab_want(void *ctx, uint32_t ordinal, uint64_t size)
{
    struct grab *g = ctx;

    (void)size;
    if (g->got)
        return IMG_WANT_STOP;
    return ordinal == g->entry ? IMG_WANT_READ : IMG_WANT_SKIP;
}

static enum ks_code
grab_take(void *ctx, uint32_t ordinal, uint64_t off, const void *data, size_t len,
          struct ks_err *err)
{
    struct grab *g = ctx;

    (void)ordinal;
    (void)off;
    if (len == 0) {
        g->got = true;
        return KS_OK;
    }
    ks_buf_append(g->out, data, len);
    return ks_buf_err(g->out) == KS_OK
               ? KS_OK
               : ks_err_set(err, ks_buf_err(g->out), "image: earlier version over its limit");
}

enum ks_code
ks_fs_image_read_version(struct ks_fs *fs, const char *path, size_t k, size_t max,
                         struct ks_buf *out, struct ks_err *err)
{
    struct image_fs *im;
    const struct img_version *v;
    struct img_stream *s = NULL;
    struct ks_buf tmp = KS_BUF_INIT(max);
    struct grab g = {0, &tmp, false};
    size_t count;
    enum ks_code rc;
    char name[128];

    if (ks_fs_image_info(fs) == NULL)
        return ks_err_set(err, KS_EINVAL, "'%s': not an image", fs->name);
    im = impl(fs);
    v = img_tree_versions(im->tree, path, &count);
    if (k >= count || v[k].deleted)
        return ks_err_set(err, KS_ENOTFOUND, "'%s': no version %zu", path, k);
    if (v[k].size > max)
        return ks_err_set(err, KS_ETOOBIG, "'%s': version %zu is over %zu bytes", path, k, max);
    g.entry = v[k].data_entry;
    snprintf(name, sizeof(name), "%u (%.19s)", v[k].data_layer + 1u,
             im->layers[v[k].data_layer].diff_id);
    if ((rc = open_layer_stream(im, v[k].data_layer, &s, err)) != KS_OK)
        return rc;
    rc = img_layer_fetch_ex(name, &im->fmts[v[k].data_layer], s,
                            im->img ? im->layers[v[k].data_layer].diff_id : NULL, &im->limits,
                            grab_want, grab_take, &g, err);
    img_stream_close(s);
    if (rc == KS_OK && !g.got)
        rc = ks_err_set(err, KS_EIO, "'%s': version %zu not found in its layer", path, k);
    if (rc == KS_OK) {
        ks_buf_append(out, tmp.data, tmp.len);
        if (ks_buf_err(out) != KS_OK)
            rc = ks_err_set(err, KS_ENOMEM, "image: out of memory");
    }
    ks_buf_release(&tmp);
    return rc;
}

const struct ks_image_layer *
ks_fs_image_layer(const struct ks_fs *fs, const char *diff_id)
{
    const struct ks_image_info *in = ks_fs_image_info(fs);

    if (in == NULL || diff_id == NULL)
        return NULL;
    for (size_t i = 0; i < in->n_layers; i++)
        if (in->layers[i].diff_id != NULL && strcmp(in->layers[i].diff_id, diff_id) == 0)
            return &in->layers[i];
    return NULL;
}
