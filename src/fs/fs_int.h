/*
 * fs_int.h: private to src/fs/. The ops table every backend fills, the
 * common struct ks_fs, and the in-memory index that archive-like backends
 * (archive files, in-memory archives, and container images in issue 7) share:
 * a path -> node map built by one streaming pass, whiteouts and opaque
 * directories applied by removing nodes, contents cached by a prefetch pass.
 */
#ifndef KS_FS_INT_H
#define KS_FS_INT_H

#include "fs/fs.h"

struct ks_fs_ops {
    const char *kind;
    /* Visit every entry (skip globs are applied by the caller's wrapper). */
    enum ks_code (*walk)(struct ks_fs *fs, ks_fs_walk_fn fn, void *ctx, struct ks_err *err);
    /*
     * lstat one path whose parent is already canonical (no symlinks in it).
     * KS_ENOTFOUND when absent. Strings in *out live until the next call.
     */
    enum ks_code (*lstat)(struct ks_fs *fs, const char *path, struct ks_fs_entry *out,
                          struct ks_err *err);
    /* Open a canonical path (no symlink anywhere in it) for streaming. */
    enum ks_code (*open)(struct ks_fs *fs, const char *path, struct ks_fs_file **out,
                         struct ks_err *err);
    /* Optional: fetch these canonical paths now. NULL: nothing to do. */
    enum ks_code (*prefetch)(struct ks_fs *fs, const char *const *paths, size_t n,
                             struct ks_err *err);
    /* Release impl. */
    void (*close)(struct ks_fs *fs);
};

/* A stream: backends fill ops and their own fields. */
struct ks_fs_file_ops {
    enum ks_code (*read)(struct ks_fs_file *f, void *buf, size_t n, size_t *got,
                         struct ks_err *err);
    void (*close)(struct ks_fs_file *f); /* release impl (not the struct) */
    /* Optional: move to an absolute offset. NULL: forward-only (emulated by reading). */
    enum ks_code (*seek)(struct ks_fs_file *f, uint64_t off, struct ks_err *err);
};

struct ks_fs_file {
    const struct ks_fs_file_ops *ops;
    char *name;
    uint64_t size;
    void *impl;
    int fd;           /* directory backend */
    const char *data; /* memory-backed */
    size_t len, pos;
    uint64_t read_pos; /* bytes consumed so far, for forward-only seeks */
};

/* A heap handle with name copied; ops set by the caller. NULL on OOM. */
struct ks_fs_file *fs_file_new(const struct ks_fs_file_ops *ops, const char *name, uint64_t size);
/* A memory-backed handle over borrowed bytes. */
struct ks_fs_file *fs_file_mem(const void *data, size_t len, const char *name);

/* Bytes decompressed so far across one tree of nested archives. */
struct fs_budget {
    uint64_t total_bytes;
    unsigned refs;
};

struct ks_fs {
    const struct ks_fs_ops *ops;
    void *impl;
    char *name;
    unsigned flags;
    char **skip_globs;
    size_t n_skip_globs;
    struct ks_fs_limits limits;
    ks_fs_warn_fn warn;
    void *warn_ctx;
    struct fs_budget *budget;
    unsigned depth;
    bool live_root;
    void *owned_data; /* ks_fs_open_nested: the bytes the archive reads from */
    struct ks_buf scratch; /* ks_fs_stat strings */
};

/* Shorten b to len (never writes to the shared empty string). */
static inline void
fs_buf_truncate(struct ks_buf *b, size_t len)
{
    if (b->cap > 0 && len <= b->len) {
        b->len = len;
        b->data[len] = '\0';
    }
}

/* Allocate the common part (options copied, limits defaulted). */
enum ks_code fs_new(const struct ks_fs_ops *ops, const char *name,
                    const struct ks_fs_options *opts, struct ks_fs **out, struct ks_err *err);
/* Report a non-fatal problem through the fs's warn callback. */
void fs_warn(struct ks_fs *fs, const char *fmt, ...) KS_PRINTF(2, 3);

/* Linux: is the directory on a pseudo filesystem (proc, sysfs, devpts, ...)? */
bool fs_is_pseudo_fs(int dirfd);

/* ------------------------------------------------------------------------ */
/* The index shared by archive-like backends.                               */

struct fs_node {
    char *path; /* canonical root-relative path (arena) */
    size_t path_len;
    enum ks_fs_type type;
    uint64_t size;
    uint32_t mode;
    int64_t mtime;
    char *link;     /* symlink target as stored */
    char *hardlink; /* tar hardlink: canonical path of the entry holding the data */
    const char *layer;
    uint32_t source; /* backend-private: which layer/stream holds the data */
    bool implicit;   /* a parent directory no entry declared */
    bool removed;    /* deleted by a later entry (whiteout) */
    bool cached;
    void *data; /* cached contents (heap, ks_free) */
    size_t data_len;
};

struct fs_index {
    struct ks_arena *arena;
    struct ks_map *map; /* path -> struct fs_node * (live nodes only) */
    struct ks_vec nodes; /* struct fs_node *, insertion order, includes removed */
    uint64_t n_live;
    uint64_t cache_bytes;
};

enum ks_code fs_index_init(struct fs_index *idx, struct ks_err *err);
void fs_index_release(struct fs_index *idx);
/*
 * Add or replace the node at canonical path (a later archive entry wins, as
 * tar extraction does). Missing parents become implicit directories.
 * Strings are copied. Returns the node or NULL on OOM / limit (err set).
 */
struct fs_node *fs_index_put(struct fs_index *idx, struct ks_fs *fs, const char *path,
                             enum ks_fs_type type, struct ks_err *err);
struct fs_node *fs_index_get(const struct fs_index *idx, const char *path);
/* Remove path and everything under it (an image whiteout). */
void fs_index_remove(struct fs_index *idx, const char *path);
/* Remove everything under dir but keep dir (an opaque directory). */
void fs_index_clear_dir(struct fs_index *idx, const char *dir);
/* Walk the live nodes sorted by path, parents first, honouring KS_FS_SKIP. */
enum ks_code fs_index_walk(struct fs_index *idx, ks_fs_walk_fn fn, void *ctx, struct ks_err *err);
/* lstat from the index. */
enum ks_code fs_index_lstat(struct fs_index *idx, const char *path, struct ks_fs_entry *out,
                            struct ks_err *err);
/* Follow a hardlink chain to the node holding the data (NULL if broken or looping). */
struct fs_node *fs_index_data_node(struct fs_index *idx, struct fs_node *n);
/* Keep a copy of data as n's contents if the cache budget allows. */
void fs_index_cache(struct fs_index *idx, struct ks_fs *fs, struct fs_node *n, const void *data,
                    size_t len);

#endif
