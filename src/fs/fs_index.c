/*
 * fs_index.c: the in-memory path index that archive-like backends share
 * (fs_int.h): one node per entry, built by a single streaming pass over an
 * archive; a later entry with the same path replaces an earlier one (as tar
 * extraction does), missing parents become implicit directories, whiteouts
 * and opaque directories remove nodes, and prefetched contents are cached
 * within the fs's cache budget.
 */
#include "fs/fs_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

enum ks_code
fs_index_init(struct fs_index *idx, struct ks_err *err)
{
    memset(idx, 0, sizeof(*idx));
    ks_vec_init(&idx->nodes, sizeof(struct fs_node *));
    idx->arena = ks_arena_new(64 * 1024);
    idx->map = ks_map_new();
    if (idx->arena == NULL || idx->map == NULL) {
        fs_index_release(idx);
        return ks_err_set(err, KS_ENOMEM, "fs: out of memory for an archive index");
    }
    return KS_OK;
}

void
fs_index_release(struct fs_index *idx)
{
    for (size_t i = 0; i < idx->nodes.len; i++) {
        struct fs_node *n = *(struct fs_node **)ks_vec_at(&idx->nodes, i);

        ks_free(n->data);
        n->data = NULL;
    }
    ks_vec_release(&idx->nodes);
    ks_map_free(idx->map);
    ks_arena_free(idx->arena);
    idx->map = NULL;
    idx->arena = NULL;
}

static struct fs_node *
new_node(struct fs_index *idx, struct ks_fs *fs, struct ks_str path, enum ks_fs_type type,
         struct ks_err *err)
{
    struct fs_node *n, **slot, *old;

    if (idx->n_live >= fs->limits.max_entries) {
        ks_err_set(err, KS_ETOOBIG, "'%s': more than %llu entries", fs->name,
                   (unsigned long long)fs->limits.max_entries);
        return NULL;
    }
    n = ks_arena_calloc(idx->arena, 1, sizeof(*n));
    if (n == NULL || (n->path = ks_arena_strdup_str(idx->arena, path)) == NULL)
        goto oom;
    n->path_len = path.len;
    n->type = type;
    n->mode = type == KS_FS_DIR ? 0755 : 0644;
    slot = ks_vec_push(&idx->nodes);
    if (slot == NULL)
        goto oom;
    *slot = n;
    old = NULL;
    if (ks_map_put(idx->map, path, n, (void **)&old) != KS_OK) {
        idx->nodes.len--;
        goto oom;
    }
    if (old != NULL) {
        old->removed = true;
        if (old->cached && idx->cache_bytes >= old->data_len)
            idx->cache_bytes -= old->data_len;
        ks_free(old->data);
        old->data = NULL;
        old->cached = false;
    } else {
        idx->n_live++;
    }
    return n;
oom:
    ks_err_set(err, KS_ENOMEM, "fs: out of memory indexing '%s'", fs->name);
    return NULL;
}

struct fs_node *
fs_index_put(struct fs_index *idx, struct ks_fs *fs, const char *path, enum ks_fs_type type,
             struct ks_err *err)
{
    size_t len = strlen(path);

    /* Parents first: every prefix ending before a '/' must be a directory. */
    for (size_t i = 0; i < len; i++) {
        struct ks_str parent;
        struct fs_node *p;

        if (path[i] != '/')
            continue;
        parent = ks_str_make(path, i);
        p = ks_map_get(idx->map, parent);
        if (p != NULL && p->type == KS_FS_DIR)
            continue;
        /* Missing, or a file/link in the way (tar would replace it): a directory. */
        p = new_node(idx, fs, parent, KS_FS_DIR, err);
        if (p == NULL)
            return NULL;
        p->implicit = true;
    }
    {
        struct fs_node *old = ks_map_get(idx->map, ks_str_make(path, len));

        /* A directory entry after its children were seen keeps them. */
        if (old != NULL && old->type == KS_FS_DIR && type == KS_FS_DIR) {
            old->implicit = false;
            return old;
        }
    }
    return new_node(idx, fs, ks_str_make(path, len), type, err);
}

struct fs_node *
fs_index_get(const struct fs_index *idx, const char *path)
{
    return ks_map_get(idx->map, ks_str_c(path));
}

static void
remove_node(struct fs_index *idx, struct fs_node *n)
{
    if (n->removed)
        return;
    n->removed = true;
    (void)ks_map_del(idx->map, ks_str_make(n->path, n->path_len));
    if (n->cached && idx->cache_bytes >= n->data_len)
        idx->cache_bytes -= n->data_len;
    ks_free(n->data);
    n->data = NULL;
    n->cached = false;
    if (idx->n_live > 0)
        idx->n_live--;
}

static bool
is_under(const struct fs_node *n, const char *dir, size_t dlen)
{
    return n->path_len > dlen && n->path[dlen] == '/' && memcmp(n->path, dir, dlen) == 0;
}

void
fs_index_remove(struct fs_index *idx, const char *path)
{
    size_t dlen = strlen(path);
    struct fs_node *self = fs_index_get(idx, path);

    for (size_t i = 0; i < idx->nodes.len; i++) {
        struct fs_node *n = *(struct fs_node **)ks_vec_at(&idx->nodes, i);

        if (!n->removed && is_under(n, path, dlen))
            remove_node(idx, n);
    }
    if (self != NULL)
        remove_node(idx, self);
}

void
fs_index_clear_dir(struct fs_index *idx, const char *dir)
{
    size_t dlen = strlen(dir);

    for (size_t i = 0; i < idx->nodes.len; i++) {
        struct fs_node *n = *(struct fs_node **)ks_vec_at(&idx->nodes, i);

        if (!n->removed && is_under(n, dir, dlen))
            remove_node(idx, n);
    }
}

/* Path order with '/' below every other byte, so a directory's subtree is contiguous. */
static int
cmp_node(const void *x, const void *y)
{
    const struct fs_node *a = *(const struct fs_node *const *)x;
    const struct fs_node *b = *(const struct fs_node *const *)y;
    size_t n = KS_MIN(a->path_len, b->path_len);

    for (size_t i = 0; i < n; i++) {
        unsigned char ca = (unsigned char)a->path[i], cb = (unsigned char)b->path[i];

        if (ca == cb)
            continue;
        if (ca == '/')
            return -1;
        if (cb == '/')
            return 1;
        return ca < cb ? -1 : 1;
    }
    return a->path_len < b->path_len ? -1 : a->path_len > b->path_len;
}

static void
fill_entry(const struct fs_node *n, struct ks_fs_entry *e)
{
    memset(e, 0, sizeof(*e));
    e->path = n->path;
    e->path_len = n->path_len;
    e->type = n->type;
    e->size = n->type == KS_FS_FILE ? n->size : 0;
    e->mode = n->mode;
    e->mtime = n->mtime;
    e->link = n->type == KS_FS_SYMLINK ? (n->link ? n->link : "") : NULL;
    e->layer = n->layer;
}

enum ks_code
fs_index_walk(struct fs_index *idx, ks_fs_walk_fn fn, void *ctx, struct ks_err *err)
{
    struct fs_node **live = NULL;
    size_t n = 0;

    if (idx->n_live > 0) {
        live = ks_calloc((size_t)idx->n_live, sizeof(*live));
        if (live == NULL)
            return ks_err_set(err, KS_ENOMEM, "fs: out of memory walking an archive");
    }
    for (size_t i = 0; i < idx->nodes.len && n < idx->n_live; i++) {
        struct fs_node *node = *(struct fs_node **)ks_vec_at(&idx->nodes, i);

        if (!node->removed)
            live[n++] = node;
    }
    if (n > 1)
        qsort(live, n, sizeof(*live), cmp_node);
    for (size_t i = 0; i < n; i++) {
        struct ks_fs_entry e;
        enum ks_fs_visit v;

        fill_entry(live[i], &e);
        v = fn(ctx, &e);
        if (v == KS_FS_STOP)
            break;
        if (v == KS_FS_SKIP && live[i]->type == KS_FS_DIR) {
            const struct fs_node *d = live[i];

            while (i + 1 < n && is_under(live[i + 1], d->path, d->path_len))
                i++;
        }
    }
    ks_free(live);
    return KS_OK;
}

enum ks_code
fs_index_lstat(struct fs_index *idx, const char *path, struct ks_fs_entry *out,
               struct ks_err *err)
{
    struct fs_node *n = fs_index_get(idx, path);

    (void)err;
    if (n == NULL)
        return KS_ENOTFOUND;
    fill_entry(n, out);
    if (n->type == KS_FS_FILE && n->hardlink != NULL) {
        struct fs_node *d = fs_index_data_node(idx, n);

        out->size = d ? d->size : 0;
    }
    return KS_OK;
}

struct fs_node *
fs_index_data_node(struct fs_index *idx, struct fs_node *n)
{
    for (unsigned hops = 0; n != NULL && n->hardlink != NULL; hops++) {
        if (hops >= KS_FS_MAX_LINKS)
            return NULL;
        n = fs_index_get(idx, n->hardlink);
    }
    return n != NULL && n->type == KS_FS_FILE ? n : NULL;
}

void
fs_index_cache(struct fs_index *idx, struct ks_fs *fs, struct fs_node *n, const void *data,
               size_t len)
{
    void *copy;

    if (n->cached || idx->cache_bytes + len > fs->limits.max_cache_bytes)
        return;
    copy = ks_malloc(len ? len : 1);
    if (copy == NULL)
        return; /* only slower: the file is read again on demand */
    if (len > 0)
        memcpy(copy, data, len);
    n->data = copy;
    n->data_len = len;
    n->cached = true;
    idx->cache_bytes += len;
}
