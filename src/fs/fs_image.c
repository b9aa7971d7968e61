/*
 * fs_image.c: the fs view over a container image or a function package
 * (ARCHITECTURE.md §2). Opening streams every layer once through the squash
 * tree (image_tree.c) and keeps only metadata; walk and lstat answer from
 * the tree; prefetch streams each layer that holds wanted files once more
 * and keeps their contents within limits.max_cache_bytes; anything not
 * cached is read by streaming its layer again up to the entry (bounded by
 * limits.max_file_bytes). Layers are never extracted to disk.
 *
 * The per-layer cache (layercache.c) sits under all of this: a layer whose
 * diff id has an entry (and whose blob digest was verified to give it) is
 * replayed into the tree from the entry's index instead of being streamed,
 * and contents the entry holds are served from it; whatever it lacks is
 * read from the layer as without it. What a scan read is stored when the
 * fs is freed, so the next scan of any image sharing the layer needs none
 * of it.
 */
#include "fs/fs_int.h"
#include "fs/layercache_int.h"
#include "fs/registry_int.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/banned.h"

/*
 * Contents of one tar entry (layer, ordinal) for this scan: all of it, or
 * (from the layer cache) only the byte ranges an earlier scan read; a read
 * outside them fetches the whole file from the layer.
 */
struct cached {
    uint16_t layer;
    uint32_t entry;
    uint64_t size;
    char *data;           /* whole contents, or NULL */
    struct lc_blob *part; /* without data: the ranges the layer cache holds */
    bool from_lc;         /* served by the layer cache: nothing new to store */
};

/* What this scan learnt about one entry's contents, for the layer cache. */
struct pend {
    uint32_t entry;
    uint64_t size;
    const char *whole; /* every byte (a cached's data, or owned), or NULL */
    char *owned;
    bool overflow; /* more ranges read than kept: store it whole */
    size_t n_ranges;
    struct lc_range ranges[LC_MAX_RANGES];
};

/* The layer cache's state for one layer of this image. */
struct lc_layer {
    struct lc_entry *entry; /* the cache's entry for the diff id (replayed or not) */
    struct lc_writer *w;    /* pass 1 streamed the layer: its index */
    bool replayed;
    struct ks_map *pend;  /* decimal ordinal -> struct pend * */
    struct ks_vec parts;  /* struct cached * of the mem cache holding ranges only */
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
    struct ks_map *cache; /* "layer:entry" -> struct cached * (prefetched contents) */
    uint64_t cache_bytes;
    struct ks_buf scratch;  /* lstat strings */
    struct ks_map *history; /* path -> struct ks_fs_version array (arena) */
    struct lc_cache *lc;    /* the per-layer cache, or NULL (off, or a function package) */
    struct lc_layer *lcl;   /* per layer, when lc */
    size_t n_replayed;      /* layers replayed from the layer cache */
    uint64_t layer_reads;   /* layer blobs opened: pass 1, contents, history */
};

static struct image_fs *
impl(struct ks_fs *fs)
{
    return fs->impl;
}

/* ------------------------------------------------------------------------ */
/* Layers.                                                                  */

static void layer_name(const struct image_fs *im, size_t i, char *out, size_t n);

/* why: what the read is for, in the debug log (tests count the layers a scan opens). */
static enum ks_code
open_layer_stream(struct image_fs *im, size_t i, const char *why, struct img_stream **out,
                  struct ks_err *err)
{
    int fd;
    struct stat st;
    char name[128];

    im->layer_reads++;
    layer_name(im, i, name, sizeof(name));
    ks_log(KS_LOG_DEBUG, "fs.image", "reading layer %s for %s", name, why);
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

static void
layer_name(const struct image_fs *im, size_t i, char *out, size_t n)
{
    const char *id = im->layers[i].diff_id;

    snprintf(out, n, "%zu (%.19s)", i + 1, id && id[0] ? id : im->layers[i].digest);
}

/*
 * Would replaying layer i keep within the limits pass 1 enforces? The
 * entry's totals bound every per-entry check pass 1 makes (an entry never
 * ends past the end of its layer), so a layer within them would have
 * passed; one that is not is streamed, which gives the exact error.
 */
static bool
replay_fits(const struct image_fs *im, size_t i, const struct lc_head *h, uint64_t entries,
            uint64_t bytes)
{
    const struct img_limits *l = &im->limits;
    const struct img_desc *d = &im->img->layers[i].blob;
    uint64_t compressed = d->has_size ? d->size : 0;

    if (h->n_entries > l->max_entries - KS_MIN(entries, l->max_entries) ||
        h->tar_bytes > l->max_layer_bytes ||
        h->tar_bytes > l->max_total_bytes - KS_MIN(bytes, l->max_total_bytes))
        return false;
    if (h->tar_bytes > l->ratio_floor &&
        (compressed == 0 || h->tar_bytes / compressed >= (uint64_t)l->max_ratio))
        return false;
    return true;
}

/*
 * Replay layer i from the layer cache when it has the layer: its entry
 * must name the image's blob digest among those verified to give this
 * diff id (a legacy docker-save layer has none: its member is the
 * uncompressed tar itself, hashed here against the diff id instead).
 * *done says whether the layer is now in the tree.
 */
static enum ks_code
try_replay(struct ks_fs *fs, size_t i, uint64_t *entries, uint64_t *bytes, bool *done,
           struct ks_err *err)
{
    struct image_fs *im = impl(fs);
    struct lc_layer *L = &im->lcl[i];
    const char *digest = im->layers[i].digest;
    struct ks_err e2 = KS_ERR_INIT;
    struct img_apply_bufs bufs;
    struct ks_cur cur;
    char name[128];
    uint32_t ordinal = 0;
    enum ks_code rc;

    *done = false;
    rc = lc_load(im->lc, im->layers[i].diff_id, &L->entry, &e2);
    if (rc == KS_ENOMEM)
        return ks_err_set(err, rc, "%s", e2.msg);
    if (rc != KS_OK)
        return KS_OK;
    if (!replay_fits(im, i, &L->entry->v.h, *entries, *bytes))
        return KS_OK;
    if (digest == NULL || digest[0] == '\0') {
        struct img_stream *s = NULL;

        if (open_layer_stream(im, i, "its diff id", &s, &e2) != KS_OK)
            return KS_OK; /* pass 1 gives the error */
        rc = img_stream_drain(s, &e2);
        img_stream_close(s);
        if (rc != KS_OK)
            return KS_OK;
    } else if (!lc_entry_has_digest(L->entry, digest)) {
        return KS_OK;
    }
    layer_name(im, i, name, sizeof(name));
    img_apply_bufs_init(&bufs);
    cur = ks_cur_make(L->entry->v.index, (size_t)L->entry->v.h.index_len);
    while (ks_cur_left(&cur) > 0) {
        struct img_entry e;

        if ((rc = lc_index_next(&cur, &e, err)) != KS_OK ||
            (rc = img_layer_apply_entry(im->tree, (uint16_t)i, name, ordinal, &e, e.path, false,
                                        fs_warn_cb, fs, &bufs, err)) != KS_OK)
            break;
        ordinal++;
    }
    img_apply_bufs_release(&bufs);
    if (rc != KS_OK)
        return rc;
    *entries += L->entry->v.h.n_entries;
    *bytes += L->entry->v.h.tar_bytes;
    L->replayed = true;
    im->n_replayed++;
    ks_log(KS_LOG_DEBUG, "fs.image", "layer %s replayed from the layer cache (%llu entries)",
           name, (unsigned long long)L->entry->v.h.n_entries);
    *done = true;
    return KS_OK;
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
        struct img_layer_stats st = {0, 0, 0};
        const char *id = im->layers[i].diff_id;
        struct lc_writer *w = NULL;
        bool done = false;
        char name[128];

        if (im->lc != NULL && (rc = try_replay(fs, i, &entries, &bytes, &done, err)) != KS_OK)
            return ks_err_prefix(err, "'%s': ", fs->name);
        if (!done) {
            layer_name(im, i, name, sizeof(name));
            if (im->lc != NULL && (rc = lc_writer_new(im->lc, &im->lcl[i].w, err)) != KS_OK)
                return rc;
            w = im->lc != NULL ? im->lcl[i].w : NULL;
            if ((rc = open_layer_stream(im, i, "its entries", &s, err)) != KS_OK)
                return rc;
            rc = img_layer_apply_ex(im->tree, (uint16_t)i, name, &im->fmts[i], s,
                                    im->img ? id : NULL, &im->limits, &entries, &bytes, fs_warn_cb,
                                    fs, w ? lc_writer_entry : NULL, w, &st, err);
            if (rc == KS_OK && w != NULL)
                lc_writer_finish(w, st.tar_bytes); /* both digests verified */
            if (rc == KS_OK && im->img == NULL) {
                /* A function layer is named by the sha256 of its zip. */
                char *d = ks_arena_strdup(im->arena, s->actual);

                if (d == NULL)
                    rc = ks_err_set(err, KS_ENOMEM, "function: out of memory");
                else
                    im->layers[i].digest = im->layers[i].diff_id = d;
            }
            img_stream_close(s);
        }
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
    ks_log(KS_LOG_DEBUG, "fs.image",
           "'%s': %zu layers (%zu from the layer cache), %llu entries, %llu paths, tree %llu "
           "bytes",
           fs->name, im->info.n_layers, im->n_replayed, (unsigned long long)entries,
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

/* The mem cache's key of a tar entry. */
static struct ks_str
ckey(char buf[32], uint16_t layer, uint32_t entry)
{
    int n = snprintf(buf, 32, "%u:%u", (unsigned)layer, (unsigned)entry);

    return ks_str_make(buf, (size_t)n);
}

static void
cached_free(struct cached *c)
{
    if (c == NULL)
        return;
    ks_free(c->data);
    lc_blob_free(c->part);
    ks_free(c);
}

/* ---- the layer cache's side ---------------------------------------------- */

static struct pend *
pend_get(struct image_fs *im, const struct cached *c, struct ks_err *err)
{
    struct lc_layer *L = &im->lcl[c->layer];
    char key[16];
    struct pend *p;
    int n = snprintf(key, sizeof(key), "%u", (unsigned)c->entry);

    if (L->pend == NULL && (L->pend = ks_map_new()) == NULL)
        goto oom;
    p = ks_map_get(L->pend, ks_str_make(key, (size_t)n));
    if (p != NULL)
        return p;
    p = ks_calloc(1, sizeof(*p));
    if (p == NULL)
        goto oom;
    p->entry = c->entry;
    p->size = c->size;
    if (ks_map_put(L->pend, ks_str_make(key, (size_t)n), p, NULL) != KS_OK) {
        ks_free(p);
        goto oom;
    }
    return p;
oom:
    ks_err_set(err, KS_ENOMEM, "image: out of memory");
    return NULL;
}

/*
 * A handle on c is closing after reading `ranges`: remember them (and,
 * when c holds every byte, where the bytes are) for the layer cache. An
 * owned c hands its bytes over.
 */
static enum ks_code
note_read(struct image_fs *im, struct cached *c, bool owned, const struct lc_range *ranges,
          size_t n, bool overflow, struct ks_err *err)
{
    struct pend *p;

    if (im->lc == NULL || c->from_lc)
        return KS_OK; /* off, or served by an entry that holds every byte read */
    if ((p = pend_get(im, c, err)) == NULL)
        return KS_ENOMEM;
    for (size_t i = 0; i < n && !p->overflow; i++)
        if (!lc_ranges_add(p->ranges, &p->n_ranges, LC_MAX_RANGES, ranges[i].off, ranges[i].len))
            p->overflow = true;
    p->overflow |= overflow;
    if (c->data != NULL && p->whole == NULL) {
        if (owned) {
            p->owned = c->data;
            c->data = NULL;
            p->whole = p->owned;
        } else {
            p->whole = c->data; /* the mem cache lives until the flush */
        }
    }
    return KS_OK;
}

/*
 * Fill c from the layer cache's entry for its layer, if that holds it
 * (whole, or the ranges an earlier scan read). A record that fails its
 * checksum is logged and left to the layer. *filled says what happened.
 */
static enum ks_code
fill_from_lc(struct image_fs *im, struct cached *c, bool in_mem_cache, bool *filled,
             struct ks_err *err)
{
    struct lc_layer *L;
    struct lc_blob *b = NULL;
    struct ks_err e2 = KS_ERR_INIT;
    ptrdiff_t j;
    enum ks_code rc;

    *filled = false;
    if (im->lc == NULL || (L = &im->lcl[c->layer])->entry == NULL)
        return KS_OK;
    if ((j = lc_view_find(&L->entry->v, c->entry)) < 0)
        return KS_OK;
    rc = lc_entry_blob(L->entry, (size_t)j, c->size, &b, &e2);
    if (rc == KS_ENOMEM)
        return ks_err_set(err, rc, "%s", e2.msg);
    if (rc != KS_OK) {
        ks_log(KS_LOG_WARN, "fs.layercache", "%s; reading the layer instead", e2.msg);
        return KS_OK;
    }
    if (lc_blob_whole(b)) {
        c->data = lc_blob_take_whole(b);
    } else {
        if (in_mem_cache) {
            struct cached **slot = ks_vec_push(&L->parts);

            if (slot == NULL) {
                lc_blob_free(b);
                return ks_err_set(err, KS_ENOMEM, "image: out of memory");
            }
            *slot = c;
        }
        c->part = b;
    }
    c->from_lc = true;
    *filled = true;
    return KS_OK;
}

/* ---- streaming contents out of a layer ------------------------------------ */

struct fetch {
    struct cached **items; /* sorted by entry */
    size_t n;
    size_t done;
    struct ks_buf cur;
    bool verify; /* read the layer to its end: only verified bytes reach the layer cache */
};

static int
item_cmp(const void *a, const void *b)
{
    const struct cached *x = *(struct cached *const *)a, *y = *(struct cached *const *)b;

    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

static struct cached *
find_item(struct fetch *f, uint32_t entry)
{
    struct cached key = {0, entry, 0, NULL, NULL, false}, *kp = &key;
    struct cached **hit = bsearch(&kp, f->items, f->n, sizeof(*f->items), item_cmp);

    return hit ? *hit : NULL;
}

static int
fetch_want(void *ctx, uint32_t ordinal, uint64_t size)
{
    struct fetch *f = ctx;
    struct cached *c;

    (void)size;
    if (f->done >= f->n && !f->verify)
        return IMG_WANT_STOP; /* everything is in; pass 1 checked the digests */
    c = find_item(f, ordinal);
    if (c == NULL || c->data != NULL)
        return IMG_WANT_SKIP;
    ks_buf_reset(&f->cur);
    return IMG_WANT_READ;
}

static enum ks_code
fetch_take(void *ctx, uint32_t ordinal, uint64_t off, const void *data, size_t len,
           struct ks_err *err)
{
    struct fetch *f = ctx;
    struct cached *c;

    (void)off;
    if (len > 0) {
        ks_buf_append(&f->cur, data, len);
        return ks_buf_err(&f->cur) == KS_OK
                   ? KS_OK
                   : ks_err_set(err, KS_ENOMEM, "image: out of memory reading contents");
    }
    c = find_item(f, ordinal);
    if (c != NULL && c->data == NULL) {
        c->data = ks_buf_detach(&f->cur, NULL);
        if (c->data == NULL)
            return ks_err_set(err, KS_ENOMEM, "image: out of memory reading contents");
        f->done++;
    }
    return KS_OK;
}

/*
 * Stream layer `layer` once and fill items (entries of that layer, any
 * order, no duplicates). With the layer cache on, the pass reads the layer
 * to its end so both digests are checked before anything is kept.
 */
static enum ks_code
fetch_layer(struct ks_fs *fs, size_t layer, struct cached **items, size_t n, struct ks_err *err)
{
    struct image_fs *im = impl(fs);
    struct fetch f = {items, n, 0, KS_BUF_INIT(SIZE_MAX), im->lc != NULL};
    struct img_stream *s = NULL;
    bool *filled;
    char name[128];
    enum ks_code rc;

    qsort(items, n, sizeof(*items), item_cmp);
    layer_name(im, layer, name, sizeof(name));
    /* Which items this pass fills: on a failure (a digest mismatch shows only at the end) */
    /* their bytes are dropped, so nothing unverified is read or stored in the layer cache. */
    filled = ks_calloc(n + 1, sizeof(*filled));
    if (filled == NULL)
        return ks_err_set(err, KS_ENOMEM, "image: out of memory");
    for (size_t i = 0; i < n; i++)
        filled[i] = items[i]->data == NULL;
    if ((rc = open_layer_stream(im, layer, "contents", &s, err)) != KS_OK)
        goto out;
    rc = img_layer_fetch_ex(name, &im->fmts[layer], s, im->img ? im->layers[layer].diff_id : NULL,
                            &im->limits, fetch_want, fetch_take, &f, err);
    img_stream_close(s);
    if (rc != KS_OK)
        for (size_t i = 0; i < n; i++)
            if (filled[i] && items[i]->data != NULL) {
                ks_free(items[i]->data);
                items[i]->data = NULL;
            }
out:
    ks_free(filled);
    ks_buf_release(&f.cur);
    return rc;
}

/*
 * A read went past what the layer cache holds of c (an extractor reading
 * more of a binary than the scan that stored it): stream the layer once
 * for c and every other file of that layer served by ranges only, so a
 * layer costs at most one more pass, not one per file.
 */
static enum ks_code
fill_whole(struct ks_fs *fs, struct cached *c, struct ks_err *err)
{
    struct image_fs *im = impl(fs);
    struct lc_layer *L = &im->lcl[c->layer];
    struct cached **items;
    size_t n = 0;
    enum ks_code rc;

    items = ks_calloc(L->parts.len + 1, sizeof(*items));
    if (items == NULL)
        return ks_err_set(err, KS_ENOMEM, "image: out of memory");
    for (size_t i = 0; i < L->parts.len; i++) {
        struct cached *p = *(struct cached **)ks_vec_at(&L->parts, i);

        if (p->data == NULL && p != c)
            items[n++] = p;
    }
    items[n++] = c;
    rc = fetch_layer(fs, c->layer, items, n, err);
    for (size_t i = 0; i < n; i++)
        if (items[i]->data != NULL) {
            lc_blob_free(items[i]->part);
            items[i]->part = NULL;
            items[i]->from_lc = false;
        }
    L->parts.len = 0;
    ks_free(items);
    if (rc == KS_OK && c->data == NULL)
        rc = ks_err_set(err, KS_EIO, "image: entry %u not found in layer %u", c->entry,
                        (unsigned)c->layer + 1);
    return rc;
}

/* ---- prefetch ------------------------------------------------------------ */

struct want {
    uint16_t layer;
    uint32_t entry;
    uint64_t size;
};

static int
want_cmp(const void *a, const void *b)
{
    const struct want *x = a, *y = b;

    if (x->layer != y->layer)
        return x->layer < y->layer ? -1 : 1;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/*
 * Which wanted entries are kept in memory is decided up front, in (layer,
 * entry) order, against limits.max_cache_bytes: the same decision whether
 * their bytes then come from the layer cache or from the layer, so a
 * scan reads the same files the same way with and without the cache.
 */
static enum ks_code
image_prefetch(struct ks_fs *fs, const char *const *paths, size_t n, struct ks_err *err)
{
    struct image_fs *im = impl(fs);
    struct want *wants = NULL;
    struct cached **stream = NULL;
    size_t m = 0, n_stream = 0;
    uint64_t budget;
    enum ks_code rc = KS_OK;
    char key[32];

    if (n == 0)
        return KS_OK;
    wants = ks_calloc(n, sizeof(*wants));
    stream = ks_calloc(n, sizeof(*stream));
    if (wants == NULL || stream == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "image: out of memory in prefetch");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t id = img_tree_lookup(im->tree, ks_str_c(paths[i]));
        const struct img_node *nd;

        if (id == IMG_NO_NODE)
            continue;
        nd = img_tree_node(im->tree, id);
        if (nd->type != IMG_N_FILE ||
            ks_map_has(im->cache, ckey(key, nd->data_layer, nd->data_entry)))
            continue;
        wants[m++] = (struct want){nd->data_layer, nd->data_entry, nd->size};
    }
    qsort(wants, m, sizeof(*wants), want_cmp);
    budget = fs->limits.max_cache_bytes > im->cache_bytes
                 ? fs->limits.max_cache_bytes - im->cache_bytes
                 : 0;
    for (size_t i = 0; i < m; i++) {
        struct cached *c;
        bool filled = false;

        if (i > 0 && wants[i].layer == wants[i - 1].layer && wants[i].entry == wants[i - 1].entry)
            continue;
        /* Over the budget: read later by streaming the layer again (and bounded then). */
        if (wants[i].size > budget || wants[i].size > fs->limits.max_file_bytes)
            continue;
        budget -= wants[i].size;
        c = ks_calloc(1, sizeof(*c));
        if (c == NULL) {
            rc = ks_err_set(err, KS_ENOMEM, "image: out of memory in prefetch");
            goto out;
        }
        c->layer = wants[i].layer;
        c->entry = wants[i].entry;
        c->size = wants[i].size;
        if (ks_map_put(im->cache, ckey(key, c->layer, c->entry), c, NULL) != KS_OK) {
            ks_free(c);
            rc = ks_err_set(err, KS_ENOMEM, "image: out of memory in prefetch");
            goto out;
        }
        im->cache_bytes += c->size;
        if ((rc = fill_from_lc(im, c, true, &filled, err)) != KS_OK)
            goto out;
        if (!filled)
            stream[n_stream++] = c;
    }
    /* One pass per layer that holds something the layer cache did not. */
    for (size_t i = 0; i < n_stream;) {
        size_t j = i;

        while (j < n_stream && stream[j]->layer == stream[i]->layer)
            j++;
        if ((rc = fetch_layer(fs, stream[i]->layer, stream + i, j - i, err)) != KS_OK)
            goto out;
        i = j;
    }
out:
    ks_free(wants);
    ks_free(stream);
    return rc;
}

/* ---- reading ------------------------------------------------------------- */

/*
 * A handle on a cached: reads from its bytes (or ranges) and remembers
 * which ranges were read, so the layer cache keeps what an extractor
 * needs of a binary, not the whole binary.
 */
struct track {
    struct ks_fs *fs;
    struct cached *c;
    bool owned; /* c belongs to this handle, not to the mem cache */
    bool overflow;
    size_t n_ranges;
    struct lc_range ranges[LC_MAX_RANGES];
};

static enum ks_code
track_read(struct ks_fs_file *f, void *buf, size_t n, size_t *got, struct ks_err *err)
{
    struct track *t = f->impl;
    struct cached *c = t->c;
    uint64_t pos = f->pos;
    const uint8_t *src = NULL;
    size_t k;
    enum ks_code rc;

    *got = 0;
    if (pos >= c->size)
        return KS_OK;
    if (c->data == NULL) {
        k = c->part != NULL ? lc_blob_at(c->part, pos, &src) : 0;
        /* Past what the layer cache holds: the whole file, from its layer. */
        if (k == 0 && (rc = fill_whole(t->fs, c, err)) != KS_OK)
            return ks_err_prefix(err, "'%s': ", f->name);
    }
    if (c->data != NULL) {
        src = (const uint8_t *)c->data + pos;
        k = (size_t)KS_MIN(c->size - pos, (uint64_t)SIZE_MAX);
    }
    if (k > n)
        k = n;
    memcpy(buf, src, k);
    if (impl(t->fs)->lc != NULL && !t->overflow &&
        !lc_ranges_add(t->ranges, &t->n_ranges, LC_MAX_RANGES, pos, k))
        t->overflow = true;
    f->pos += k;
    *got = k;
    return KS_OK;
}

static enum ks_code
track_seek(struct ks_fs_file *f, uint64_t off, struct ks_err *err)
{
    struct track *t = f->impl;

    (void)err;
    f->pos = (size_t)KS_MIN(off, t->c->size);
    return KS_OK;
}

static void
track_close(struct ks_fs_file *f)
{
    struct track *t = f->impl;
    struct ks_err e2 = KS_ERR_INIT;

    if (t == NULL)
        return;
    /* Out of memory here only costs the layer cache this file. */
    (void)note_read(impl(t->fs), t->c, t->owned, t->ranges, t->n_ranges, t->overflow, &e2);
    if (t->owned)
        cached_free(t->c);
    ks_free(t);
    f->impl = NULL;
}

static const struct ks_fs_file_ops track_ops = {track_read, track_close, track_seek};

static enum ks_code
track_open(struct ks_fs *fs, struct cached *c, bool owned, const char *path,
           struct ks_fs_file **out, struct ks_err *err)
{
    struct track *t = ks_calloc(1, sizeof(*t));
    struct ks_fs_file *f = t ? fs_file_new(&track_ops, path, c->size) : NULL;

    if (f == NULL) {
        ks_free(t);
        if (owned)
            cached_free(c);
        return ks_err_set(err, KS_ENOMEM, "out of memory opening '%s'", path);
    }
    t->fs = fs;
    t->c = c;
    t->owned = owned;
    f->impl = t;
    *out = f;
    return KS_OK;
}

/*
 * The contents of one entry outside the mem cache: from the layer cache,
 * else by streaming its layer up to it. The result is the caller's.
 */
static enum ks_code
load_one(struct ks_fs *fs, uint16_t layer, uint32_t entry, uint64_t size, struct cached **out,
         struct ks_err *err)
{
    struct image_fs *im = impl(fs);
    struct cached *c = ks_calloc(1, sizeof(*c));
    bool filled = false;
    enum ks_code rc;

    if (c == NULL)
        return ks_err_set(err, KS_ENOMEM, "image: out of memory");
    c->layer = layer;
    c->entry = entry;
    c->size = size;
    if ((rc = fill_from_lc(im, c, false, &filled, err)) != KS_OK ||
        (!filled && (rc = fetch_layer(fs, layer, &c, 1, err)) != KS_OK)) {
        cached_free(c);
        return rc;
    }
    if (c->data == NULL && c->part == NULL) {
        cached_free(c);
        return ks_err_set(err, KS_EIO, "image: entry %u not found in layer %u", entry,
                          (unsigned)layer + 1);
    }
    *out = c;
    return KS_OK;
}

static enum ks_code
image_open(struct ks_fs *fs, const char *path, struct ks_fs_file **out, struct ks_err *err)
{
    struct image_fs *im = impl(fs);
    uint32_t id = img_tree_lookup(im->tree, ks_str_c(path));
    const struct img_node *nd;
    struct cached *c;
    enum ks_code rc;
    char key[32];

    if (id == IMG_NO_NODE)
        return ks_err_set(err, KS_ENOTFOUND, "'%s': no such file", path);
    nd = img_tree_node(im->tree, id);
    if (nd->type != IMG_N_FILE)
        return ks_err_set(err, KS_EINVAL, "'%s': not a regular file", path);
    c = ks_map_get(im->cache, ckey(key, nd->data_layer, nd->data_entry));
    if (c != NULL && (c->data != NULL || c->part != NULL))
        return track_open(fs, c, false, path, out, err);
    /* Not prefetched: bounded, and its bytes go when the handle closes. */
    if (nd->size > fs->limits.max_file_bytes)
        return ks_err_set(err, KS_ETOOBIG, "'%s': %llu bytes, over the limit of %llu", path,
                          (unsigned long long)nd->size,
                          (unsigned long long)fs->limits.max_file_bytes);
    if ((rc = load_one(fs, nd->data_layer, nd->data_entry, nd->size, &c, err)) != KS_OK)
        return rc == KS_EIO ? ks_err_set(err, KS_EIO, "'%s': not found in its layer", path) : rc;
    return track_open(fs, c, true, path, out, err);
}

/* ---- storing what the scan learnt ----------------------------------------- */

static int
pend_cmp(const void *a, const void *b)
{
    const struct lc_content *x = a, *y = b;

    return x->ordinal < y->ordinal ? -1 : x->ordinal > y->ordinal;
}

/*
 * Decide what to keep of a file: small ones, and those mostly read, whole
 * (a later scan of another image may read more of them); of others (a
 * binary's headers and build info) the ranges read.
 */
static void
content_of(const struct pend *p, struct lc_content *out)
{
    uint64_t covered = 0;

    for (size_t i = 0; i < p->n_ranges; i++)
        covered += p->ranges[i].len;
    out->ordinal = p->entry;
    out->size = p->size;
    out->whole = (const uint8_t *)p->whole;
    out->keep_whole = p->whole != NULL &&
                      (p->size <= LC_SMALL_FILE || p->overflow || covered >= p->size / 2);
    out->ranges = p->ranges;
    out->n_ranges = p->n_ranges;
}

/* Store every layer's index and contents this scan learnt (at close; never fails the scan). */
static void
flush_layer_cache(struct ks_fs *fs)
{
    struct image_fs *im = impl(fs);
    size_t pos = 0, stored = 0;
    struct ks_str k;
    void *v;

    if (im->lc == NULL || im->lcl == NULL)
        return;
    /* Files read into memory but never opened still go in: the next scan wants them too. */
    while (ks_map_next(im->cache, &pos, &k, &v)) {
        struct cached *c = v;
        struct ks_err e2 = KS_ERR_INIT;
        struct pend *p;

        if (c->data == NULL || c->from_lc)
            continue;
        if ((p = pend_get(im, c, &e2)) == NULL)
            break;
        if (p->whole == NULL)
            p->whole = c->data;
    }
    for (size_t i = 0; i < im->info.n_layers; i++) {
        struct lc_layer *L = &im->lcl[i];
        struct lc_content *recs = NULL;
        size_t n = 0, mp = 0;
        struct ks_err e2 = KS_ERR_INIT;
        bool wrote = false;

        if (L->w == NULL && L->entry == NULL)
            continue;
        if (L->pend != NULL) {
            recs = ks_calloc(ks_map_len(L->pend) + 1, sizeof(*recs));
            if (recs == NULL) {
                ks_log(KS_LOG_WARN, "fs.layercache", "out of memory storing layer %zu", i + 1);
                continue;
            }
            while (ks_map_next(L->pend, &mp, &k, &v))
                content_of(v, &recs[n++]);
            qsort(recs, n, sizeof(*recs), pend_cmp);
        }
        /* A streamed layer's blob digest was verified to give its diff id: a later hit needs it. */
        if (lc_commit(im->lc, im->layers[i].diff_id, L->w ? im->layers[i].digest : NULL, L->w,
                      L->entry, recs, n, &wrote, &e2) != KS_OK)
            ks_log(KS_LOG_WARN, "fs.layercache", "layer %zu: %s", i + 1, e2.msg);
        stored += wrote;
        ks_free(recs);
    }
    ks_log(KS_LOG_INFO, "fs.image",
           "'%s': layer cache: %zu of %zu layers replayed, %llu layer reads, %zu entries stored",
           fs->name, im->n_replayed, im->info.n_layers, (unsigned long long)im->layer_reads,
           stored);
}

static void
lc_layers_free(struct image_fs *im)
{
    if (im->lcl == NULL)
        return;
    for (size_t i = 0; i < im->info.n_layers; i++) {
        struct lc_layer *L = &im->lcl[i];
        size_t pos = 0;
        struct ks_str k;
        void *v;

        if (L->pend != NULL) {
            while (ks_map_next(L->pend, &pos, &k, &v)) {
                ks_free(((struct pend *)v)->owned);
                ks_free(v);
            }
            ks_map_free(L->pend);
        }
        ks_vec_release(&L->parts);
        lc_entry_free(L->entry);
        lc_writer_free(L->w);
    }
    ks_free(im->lcl);
    im->lcl = NULL;
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
    flush_layer_cache(fs);
    if (im->img != NULL && im->lc == NULL)
        ks_log(KS_LOG_INFO, "fs.image", "'%s': layer cache off, %llu layer reads", fs->name,
               (unsigned long long)im->layer_reads);
    if (im->cache != NULL) {
        while (ks_map_next(im->cache, &pos, &k, &v))
            cached_free(v);
        ks_map_free(im->cache);
    }
    lc_layers_free(im);
    lc_close(im->lc);
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

/* The per-layer cache for an image (functions have none: their layers are zips read whole). */
static enum ks_code
open_layer_cache(struct image_fs *im, const struct ks_image_opts *io, struct ks_err *err)
{
    enum ks_code rc = lc_open(io ? io->layer_cache_dir : NULL, io ? io->layer_cache_max : 0,
                              &im->lc, err);

    if (rc != KS_OK || im->lc == NULL)
        return rc;
    im->lcl = ks_calloc(im->info.n_layers + 1, sizeof(*im->lcl));
    if (im->lcl == NULL)
        return ks_err_set(err, KS_ENOMEM, "image: out of memory");
    for (size_t i = 0; i < im->info.n_layers; i++)
        ks_vec_init(&im->lcl[i].parts, sizeof(struct cached *));
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
    if (rc != KS_OK || (rc = fill_info(im, err)) != KS_OK ||
        (rc = open_layer_cache(im, iopts, err)) != KS_OK || (rc = build_tree(fs, err)) != KS_OK) {
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

enum ks_code
ks_fs_image_read_version(struct ks_fs *fs, const char *path, size_t k, size_t max,
                         struct ks_buf *out, struct ks_err *err)
{
    struct image_fs *im;
    const struct img_version *v;
    struct cached *c;
    struct lc_range all;
    size_t count;
    enum ks_code rc;
    char key[32];

    if (ks_fs_image_info(fs) == NULL)
        return ks_err_set(err, KS_EINVAL, "'%s': not an image", fs->name);
    im = impl(fs);
    v = img_tree_versions(im->tree, path, &count);
    if (k >= count || v[k].deleted)
        return ks_err_set(err, KS_ENOTFOUND, "'%s': no version %zu", path, k);
    if (v[k].size > max)
        return ks_err_set(err, KS_ETOOBIG, "'%s': version %zu is over %zu bytes", path, k, max);
    all = (struct lc_range){0, v[k].size};
    c = ks_map_get(im->cache, ckey(key, v[k].data_layer, v[k].data_entry));
    if (c != NULL && c->data != NULL) {
        ks_buf_append(out, c->data, (size_t)c->size);
        rc = note_read(im, c, false, &all, 1, false, err);
    } else {
        rc = load_one(fs, v[k].data_layer, v[k].data_entry, v[k].size, &c, err);
        if (rc == KS_EIO)
            return ks_err_set(err, KS_EIO, "'%s': version %zu not found in its layer", path, k);
        if (rc != KS_OK)
            return rc;
        if (c->data == NULL && (rc = fill_whole(fs, c, err)) != KS_OK) {
            cached_free(c);
            return rc;
        }
        ks_buf_append(out, c->data, (size_t)c->size);
        rc = note_read(im, c, true, &all, 1, false, err);
        cached_free(c);
    }
    if (rc == KS_OK && ks_buf_err(out) != KS_OK)
        rc = ks_err_set(err, KS_ENOMEM, "image: out of memory");
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
