/*
 * fs_index.c: the in-memory index behind archive-like backends (archive
 * files, in-memory archives, and the squashed container image of issue 7).
 * One streaming pass puts every entry in; a later entry for the same path
 * replaces the earlier one, as extraction would; whiteouts remove subtrees.
 * Walks are sorted with '/' ordered before every other byte, so a directory
 * comes right before its contents and pruning is a prefix skip.
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
    idx->arena = ks_arena_new(1 << 16);
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
    }
    ks_vec_release(&idx->nodes);
    ks_map_free(idx->map);
    ks_arena_free(idx->arena);
    idx->map = NULL;
    idx->arena = NULL;
}

struct fs_node *
fs_index_get(const struct fs_index *idx, const char *path)
{
    return ks_map_get(idx->map, ks_str_c(path));
}

static struct fs_node *
new_node(struct fs_index *idx, struct ks_fs *fs, const char *path, size_t len,
         enum ks_fs_type type, struct ks_err *err)
{
    struct fs_node *n, **slot;

    if (idx->n_live >= fs->limits.max_entries) {
        ks_err_set(err, KS_ETOOBIG, "'%s': more than %llu entries", fs->name,
                   (unsigned long long)fs->limits.max_entries);
        return NULL;
    }
    n = ks_arena_calloc(idx->arena, 1, sizeof(*n));
    if (n == NULL || (n->path = ks_arena_strndup(idx->arena, path, len)) == NULL)
        goto oom;
    n->path_len = len;
    n->type = type;
    n->mode = type == KS_FS_DIR ? 0755 : 0644;
    slot = ks_vec_push(&idx->nodes);
    if (slot == NULL)
        goto oom;
    *slot = n;
    if (ks_map_put(idx->map, ks_str_make(n->path, len), n, NULL) != KS_OK) {
        idx->nodes.len--;
        goto oom;
    }
    idx->n_live++;
    return n;
oom:
    ks_err_set(err, KS_ENOMEM, "fs: out of memory indexing '%s'", fs->name);
    return NULL;
}

static void
drop(struct fs_index *idx, struct fs_node *n)
{
    if (n->removed)
        return;
    ks_map_del(idx->map, ks_str_make(n->path, n->path_len));
    n->removed = true;
    ks_free(n->data);
    n->data = NULL;
    if (n->cached && idx->cache_bytes >= n->data_len)
        idx->cache_bytes -= n->data_len;
    n->cached = false;
    idx->n_live--;
}

static void
remove_under(struct fs_index *idx, const char *dir, size_t len)
{
    for (size_t i = 0; i < idx->nodes.len; i++) {
        struct fs_node *n = *(struct fs_node **)ks_vec_at(&idx->nodes, i);

        if (!n->removed && n->path_len > len && n->path[len] == '/' &&
            memcmp(n->path, dir, len) == 0)
            drop(idx, n);
    }
}

void
fs_index_remove(struct fs_index *idx, const char *path)
{
    struct fs_node *n = fs_index_get(idx, path);

    if (n == NULL)
        return;
    if (n->type == KS_FS_DIR)
        remove_under(idx, n->path, n->path_len);
    drop(idx, n);
}

void
fs_index_clear_dir(struct fs_index *idx, const char *dir)
{
    remove_under(idx, dir, strlen(dir));
}

struct fs_node *
fs_index_put(struct fs_index *idx, struct ks_fs *fs, const char *path, enum ks_fs_type type,
             struct ks_err *err)
{
    size_t len = strlen(path);
    struct fs_node *n;

    /* Parents first: each must be a directory (made up if the archive never said). */
    for (size_t i = 1; i < len; i++) {
        struct fs_node *parent;

        if (path[i] != '/')
            continue;
        parent = ks_map_get(idx->map, ks_str_make(path, i));
        if (parent == NULL) {
            parent = new_node(idx, fs, path, i, KS_FS_DIR, err);
            if (parent == NULL)
                return NULL;
            parent->implicit = true;
        } else if (parent->type == KS_FS_SYMLINK) {
            /* Writing through a symlinked directory is how archives escape: refuse. */
            ks_err_set(err, KS_EINVAL, "'%s': entry '%s' lies under the symlink '%.*s'", fs->name,
                       path, (int)i, path);
            return NULL;
        } else if (parent->type != KS_FS_DIR) {
            parent->type = KS_FS_DIR; /* a later directory replaces an earlier file */
            parent->hardlink = NULL;
            parent->size = 0;
        }
    }
    n = ks_map_get(idx->map, ks_str_make(path, len));
    if (n != NULL) {
        if (n->type == KS_FS_DIR && type != KS_FS_DIR)
            remove_under(idx, n->path, n->path_len);
        ks_free(n->data);
        n->data = NULL;
        if (n->cached && idx->cache_bytes >= n->data_len)
            idx->cache_bytes -= n->data_len;
        n->cached = false;
        n->type = type;
        n->implicit = false;
        n->link = n->hardlink = NULL;
        n->size = 0;
        n->layer = NULL;
        return n;
    }
    return new_node(idx, fs, path, len, type, err);
}

struct fs_node *
fs_index_data_node(struct fs_index *idx, struct fs_node *n)
{
    for (int hops = 0; n != NULL && n->hardlink != NULL; hops++) {
        if (hops >= 16)
            return NULL;
        n = fs_index_get(idx, n->hardlink);
    }
    return n;
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
        return; /* not cached: read again later */
    memcpy(copy, data, len);
    n->data = copy;
    n->data_len = len;
    n->cached = true;
    idx->cache_bytes += len;
}

enum ks_code
fs_index_lstat(struct fs_index *idx, const char *path, struct ks_fs_entry *out, struct ks_err *err)
{
    struct fs_node *n = fs_index_get(idx, path);
    struct fs_node *d;

    (void)err;
    if (n == NULL)
        return KS_ENOTFOUND;
    d = n->hardlink ? fs_index_data_node(idx, n) : n;
    out->path = n->path;
    out->path_len = n->path_len;
    out->type = n->type;
    out->size = d ? d->size : 0;
    out->mode = n->mode;
    out->mtime = n->mtime;
    out->link = n->type == KS_FS_SYMLINK ? (n->link ? n->link : "") : NULL;
    out->layer = n->layer;
    return KS_OK;
}

/* Order paths component by component: '/' sorts before any other byte. */
static int
cmp_node_path(const void *x, const void *y)
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

enum ks_code
fs_index_walk(struct fs_index *idx, ks_fs_walk_fn fn, void *ctx, struct ks_err *err)
{
    struct fs_node **live = ks_calloc(idx->n_live + 1, sizeof(*live));
    size_t n = 0;
    const struct fs_node *pruned = NULL;

    if (live == NULL)
        return ks_err_set(err, KS_ENOMEM, "fs: out of memory walking an archive");
    for (size_t i = 0; i < idx->nodes.len; i++) {
        struct fs_node *node = *(struct fs_node **)ks_vec_at(&idx->nodes, i);

        if (!node->removed && n < idx->n_live)
            live[n++] = node;
    }
    qsort(live, n, sizeof(*live), cmp_node_path);
    for (size_t i = 0; i < n; i++) {
        const struct fs_node *node = live[i];
        struct ks_fs_entry e;
        enum ks_fs_visit v;

        if (pruned != NULL && node->path_len > pruned->path_len &&
            node->path[pruned->path_len] == '/' &&
            memcmp(node->path, pruned->path, pruned->path_len) == 0)
            continue;
        pruned = NULL;
        fs_index_lstat(idx, node->path, &e, err);
        v = fn(ctx, &e);
        if (v == KS_FS_STOP)
            break;
        if (v == KS_FS_SKIP && node->type == KS_FS_DIR)
            pruned = node;
    }
    ks_free(live);
    return KS_OK;
}
