/*
 * fs.h: the fs view, one read-only virtual filesystem over every kind of
 * source (ARCHITECTURE.md §2): a directory (a live root `/` or a mounted
 * snapshot), an archive file (tar, tar.gz/.zst/.xz/.bz2, zip) and an archive
 * held in memory (a jar inside a war inside an image, to any depth within
 * limits). Container images (issue 7) are one more backend behind the same
 * ops table (fs_int.h): layers applied in order, each entry carrying the
 * digest of the layer that introduced it.
 *
 * The contract, in the order a scan uses it:
 *   1. ks_fs_walk() visits every entry's metadata once (path relative to the
 *      root, type, size, mode, layer, symlink target). It never follows
 *      symlinks and never reads contents.
 *   2. ks_fs_prefetch() says which contents will be read, so streaming
 *      backends (images, archives) fetch them in one pass per layer; a no-op
 *      for directories.
 *   3. ks_fs_read() returns one file's contents.
 *
 * Paths are relative to the root: '/'-separated, no leading '/', no '.' or
 * '..' components, "" is the root itself. Nothing escapes the root: a symlink
 * is resolved *inside* it (an absolute target restarts at the root, '..' at
 * the root stays at the root, as with openat2(RESOLVE_IN_ROOT)), loops end
 * with KS_ETOOBIG after KS_FS_MAX_LINKS hops, and on a directory backend
 * every component is opened with O_NOFOLLOW, so a race that swaps in a
 * symlink fails closed instead of leaving the root.
 *
 * A struct ks_fs is not thread-safe: use one per thread.
 */
#ifndef KS_FS_H
#define KS_FS_H

#include "base/base.h"

/* Symlink hops allowed while resolving one path (Linux's own limit is 40). */
#define KS_FS_MAX_LINKS 40
/* Longest root-relative path handled; deeper entries are skipped with a warning. */
#define KS_FS_MAX_PATH 8192
/* Deepest directory nesting walked in a directory backend (one fd per level). */
#define KS_FS_MAX_DEPTH 256

enum ks_fs_type {
    KS_FS_FILE = 1, /* regular file (a tar hardlink is reported as the file it names) */
    KS_FS_DIR,
    KS_FS_SYMLINK,
    KS_FS_OTHER, /* device, fifo, socket: listed, never read */
};

/* "file", "dir", "symlink", "other". */
const char *ks_fs_type_name(enum ks_fs_type type);

/*
 * One entry's metadata. Every pointer is borrowed: valid during the walk
 * callback (or until the next call on the same fs for ks_fs_stat).
 */
struct ks_fs_entry {
    const char *path; /* root-relative, NUL-terminated */
    size_t path_len;
    enum ks_fs_type type;
    uint64_t size;     /* bytes for files, 0 otherwise */
    uint32_t mode;     /* permission bits (07777) */
    int64_t mtime;     /* seconds since the epoch, 0 when unknown */
    const char *link;  /* symlink target exactly as stored, NULL unless KS_FS_SYMLINK */
    const char *layer; /* digest of the layer that introduced the entry, or NULL */
};

/*
 * Limits against decompression bombs and runaway trees. A nested archive
 * counts its bytes against its outermost parent's budget, so a zip of zips
 * cannot multiply it.
 */
struct ks_fs_limits {
    uint64_t max_entries;     /* entries in one archive */
    uint64_t max_total_bytes; /* declared uncompressed bytes in one archive tree */
    uint64_t max_file_bytes;  /* one entry read into memory (ks_fs_read caps lower) */
    uint64_t max_cache_bytes; /* prefetched contents kept in memory per archive */
    uint32_t max_ratio;       /* uncompressed:compressed bytes of an in-memory archive */
    uint32_t max_depth;       /* archives nested inside archives */
};

/* Sensible defaults (see docs/inventory.md for the figures). */
void ks_fs_limits_default(struct ks_fs_limits *limits);

enum ks_fs_flags {
    /* Descend into other mounts below the root (default: stay on the root's device). */
    KS_FS_CROSS_MOUNTS = 1 << 0,
    /* Walk /proc, /sys, /dev and /run even on a live root (default: skipped there). */
    KS_FS_NO_SKIP_PSEUDO = 1 << 1,
};

/* Called for each non-fatal problem (unreadable directory, hostile archive entry). */
typedef void (*ks_fs_warn_fn)(void *ctx, const char *msg);

struct ks_fs_options {
    unsigned flags;                /* enum ks_fs_flags */
    const char *const *skip_globs; /* directories not walked (ks_fs_glob_match), copied */
    size_t n_skip_globs;
    struct ks_fs_limits limits; /* zeroed fields take the defaults */
    ks_fs_warn_fn warn;         /* NULL: ks_log at warn level */
    void *warn_ctx;
};

struct ks_fs;

/*
 * Open a directory as a root. Detects a live root (the directory is the
 * host's `/`): then /proc, /sys, /dev and /run are skipped. opts may be NULL.
 * KS_ENOTFOUND / KS_EIO name the path. The result is freed with ks_fs_free.
 */
enum ks_code ks_fs_open_dir(const char *path, const struct ks_fs_options *opts, struct ks_fs **out,
                            struct ks_err *err);
/*
 * Open an archive file (tar, optionally gzip/bzip2/xz/zstd compressed, or
 * zip). Reads the whole listing once; contents are read on demand or by
 * ks_fs_prefetch in one more pass. Entries whose path would leave the root
 * ('../', absolute paths) are skipped with a warning.
 */
enum ks_code ks_fs_open_archive(const char *path, const struct ks_fs_options *opts,
                                struct ks_fs **out, struct ks_err *err);
/*
 * Open an archive held in memory (a jar or wheel read out of another fs).
 * data is borrowed and must outlive the result. name is used in messages.
 * parent may be NULL; when given, its options, limits, budget and depth
 * apply (KS_ETOOBIG past max_depth or max_ratio).
 */
enum ks_code ks_fs_open_archive_mem(struct ks_fs *parent, const char *name, const void *data,
                                    size_t len, struct ks_fs **out, struct ks_err *err);
/*
 * Read `path` out of parent (at most limits.max_file_bytes) and open it as a
 * nested in-memory archive; the bytes are owned by the result.
 */
enum ks_code ks_fs_open_nested(struct ks_fs *parent, const char *path, struct ks_fs **out,
                               struct ks_err *err);
void ks_fs_free(struct ks_fs *fs);

/* "dir", "archive", "image", ... */
const char *ks_fs_kind(const struct ks_fs *fs);
/* What was opened: the directory or archive path, or "outer!inner/path" for nested archives. */
const char *ks_fs_name(const struct ks_fs *fs);
/* True when the directory is the running host's own `/`. */
bool ks_fs_is_live_root(const struct ks_fs *fs);
/* Archive nesting depth: 0 for a top-level source. */
unsigned ks_fs_depth(const struct ks_fs *fs);

enum ks_fs_visit {
    KS_FS_CONTINUE = 0, /* go on (into the directory, if this is one) */
    KS_FS_SKIP,         /* do not descend into this directory */
    KS_FS_STOP,         /* end the walk (ks_fs_walk returns KS_OK) */
};

typedef enum ks_fs_visit (*ks_fs_walk_fn)(void *ctx, const struct ks_fs_entry *entry);

/*
 * Visit every entry once, parents before children; the root itself is not
 * reported. Order within a directory is unspecified for directories and
 * sorted for archives. Symlinks are reported, never followed. Directories
 * matching a skip glob are reported to no one and not entered. Unreadable
 * directories are warned about and skipped; only allocation failure or an
 * unusable root fails the walk.
 */
enum ks_code ks_fs_walk(struct ks_fs *fs, ks_fs_walk_fn fn, void *ctx, struct ks_err *err);

/*
 * Announce the files about to be read (root-relative paths, resolved like
 * ks_fs_read). Backends that stream fetch them now, within
 * limits.max_cache_bytes; anything not cached is still readable later, only
 * slower. Missing paths are ignored.
 */
enum ks_code ks_fs_prefetch(struct ks_fs *fs, const char *const *paths, size_t n,
                            struct ks_err *err);

/*
 * Append the contents of the regular file at `path` (symlinks resolved in the
 * root) to out. KS_ENOTFOUND if absent, KS_EINVAL if not a regular file,
 * KS_ETOOBIG if it holds more than max bytes (out is then unchanged), KS_EIO.
 * err names the path.
 */
enum ks_code ks_fs_read(struct ks_fs *fs, const char *path, size_t max, struct ks_buf *out,
                        struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Streaming reads: bounded memory for files of any size.                   */

struct ks_fs_file;

/*
 * Open the regular file at path (symlinks resolved in the root) for
 * streaming. KS_ENOTFOUND / KS_EINVAL (not a regular file) / KS_EIO.
 * The handle must be closed before fs is freed.
 */
enum ks_code ks_fs_open(struct ks_fs *fs, const char *path, struct ks_fs_file **out,
                        struct ks_err *err);
/* A handle over bytes in memory (borrowed); name is used in messages. NULL on OOM. */
struct ks_fs_file *ks_fs_file_mem(const void *data, size_t len, const char *name);
/* Read up to n bytes; *got is 0 at the end of the file. */
enum ks_code ks_fs_file_read(struct ks_fs_file *f, void *buf, size_t n, size_t *got,
                             struct ks_err *err);
/*
 * Move to the absolute offset off (random access for binaries: ELF section
 * headers sit at the end). Directory and in-memory files seek directly;
 * other streams move forward by reading and refuse to go back
 * (KS_EUNSUPPORTED). Seeking past the end leaves the next read empty.
 */
enum ks_code ks_fs_file_seek(struct ks_fs_file *f, uint64_t off, struct ks_err *err);
/* Size as the source declares it (0 when unknown). */
uint64_t ks_fs_file_size(const struct ks_fs_file *f);
const char *ks_fs_file_name(const struct ks_fs_file *f);
void ks_fs_file_close(struct ks_fs_file *f); /* NULL is a no-op */

/*
 * Line reader over a stream: memory stays at max_line whatever the input.
 * A longer line is skipped and reported once as KS_ETOOBIG (line_no and
 * offset then name it), so one 1 GB line costs time, not memory.
 */
struct ks_line_reader {
    struct ks_fs_file *f;
    char *buf;
    size_t cap, start, end;
    size_t max_line;
    uint64_t line_no; /* 1-based number of the line just returned */
    uint64_t offset;  /* byte offset of the line just returned */
    uint64_t next_offset;
    bool eof;
};

enum ks_code ks_line_reader_init(struct ks_line_reader *r, struct ks_fs_file *f, size_t max_line);
/*
 * Next line without its LF (and a CR before it). KS_ENOTFOUND at the end,
 * KS_ETOOBIG for an over-long line (already skipped), KS_EIO from the source.
 */
enum ks_code ks_line_reader_next(struct ks_line_reader *r, struct ks_str *line,
                                 struct ks_err *err);
void ks_line_reader_release(struct ks_line_reader *r);

/*
 * Metadata of path; follow resolves a final symlink (inside the root).
 * Pointers in *out are valid until the next call on fs.
 */
enum ks_code ks_fs_stat(struct ks_fs *fs, const char *path, bool follow, struct ks_fs_entry *out,
                        struct ks_err *err);

/*
 * Canonical form of path: every symlink resolved inside the root, '.'/'..'
 * folded. The final component need not exist (its parent must); returns
 * KS_ENOTFOUND when a directory on the way is missing, KS_ETOOBIG on a loop.
 * The result is appended to out.
 */
enum ks_code ks_fs_resolve(struct ks_fs *fs, const char *path, struct ks_buf *out,
                           struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Paths and globs (pure functions, thread-safe).                           */

/*
 * Normalise an untrusted path to root-relative form: leading '/' and './'
 * dropped, '//' and '.' folded, '..' applied. Returns false (out unchanged)
 * when '..' would climb above the root or the result is empty. Appends to out.
 */
bool ks_fs_path_clean(struct ks_str path, struct ks_buf *out);

/*
 * Match a root-relative path against a glob: '*' matches any run of
 * characters within one component, '?' one character other than '/',
 * '[abc]' / '[a-z]' / '[!x]' a character class, and a whole '**' component
 * any number of components (including none): the pattern
 * `**` `/package.json` (written without the break) matches "package.json" and
 * "a/b/package.json". A leading '/' in the pattern is
 * ignored. No allocation; recursion depth is bounded by the pattern's '**'s.
 */
bool ks_fs_glob_match(struct ks_str pattern, struct ks_str path);
/* True if the pattern contains no glob characters (an exact path). */
bool ks_fs_glob_is_literal(struct ks_str pattern);

/* ------------------------------------------------------------------------ */
/* Container images and function packages (issue 7; fs_image.c).            */
/*                                                                          */
/* Layers are streamed, never extracted: opening reads every layer's tar   */
/* headers once into a compact squashed tree (whiteouts, opaque dirs,      */
/* hardlinks and in-root symlinks applied, hostile entries skipped with a  */
/* warning); ks_fs_prefetch streams each layer holding wanted files once   */
/* more; other reads stream the one layer they need. Every entry's layer  */
/* is the diff id (sha256 of the uncompressed tar) of the layer that last  */
/* wrote it, checked while streaming.                                       */

struct ks_image_opts {
    const char *platform;     /* "os/arch[/variant]"; NULL or "": the host's */
    bool insecure;            /* registry over plain HTTP or with unverified TLS */
    const char *auth_config;  /* docker config.json; NULL: $DOCKER_CONFIG, ~/.docker, ... */
    const char *cache_dir;    /* registry blob cache; NULL: $XDG_CACHE_HOME/kensa/blobs */
    uint64_t cache_max_bytes; /* 0: $KENSA_BLOB_CACHE_MAX or 5 GiB; UINT64_MAX: no cache */
    /* Per-layer cache (docs/targets.md): layers already seen are not read again. */
    const char *layer_cache_dir; /* NULL: $KENSA_CACHE_DIR/layers, $XDG_CACHE_HOME/kensa/layers */
    uint64_t layer_cache_max;    /* 0: $KENSA_LAYER_CACHE_MAX or 1 GiB; UINT64_MAX: off */
    /* Paths whose every version is remembered (package databases a layer */
    /* rewrites whole), for ks_fs_image_history. Copied. */
    const char *const *history_paths;
    size_t n_history_paths;
};

struct ks_image_kv {
    const char *key;
    const char *value;
};

struct ks_image_layer {
    const char *digest;     /* blob digest from the manifest ("" for a legacy docker save) */
    const char *diff_id;    /* sha256 of the uncompressed tar: what entries' layer holds */
    const char *media_type; /* NULL when unknown */
    uint64_t size;          /* blob bytes */
    const char *created_by; /* its history entry's created_by, or NULL */
    const char *created;
};

struct ks_image_info {
    const char *source;     /* "oci-layout", "oci-archive", "docker-archive", "registry", "function" */
    const char *name;       /* as given */
    const char *repository; /* registry host/repo, or NULL */
    const char *tag;        /* registry tag or layout ref name, or NULL */
    const char *const *repo_tags; /* docker save RepoTags */
    size_t n_repo_tags;
    const char *digest;          /* what the reference resolved to, or NULL */
    const char *manifest_digest; /* this platform's manifest, or NULL */
    const char *config_digest;   /* the image id */
    const char *os, *arch, *variant, *created, *author;
    const struct ks_image_kv *labels; /* config labels, sorted by key */
    size_t n_labels;
    const struct ks_image_layer *layers;
    size_t n_layers;
    uint64_t paths;      /* paths in the squashed tree */
    uint64_t tree_bytes; /* memory the tree holds */
    uint64_t downloaded; /* registry bytes fetched (0: local or all cached) */
};

/*
 * Open an image at a path: an OCI layout directory, an OCI archive or a
 * `docker save` tar, detected; "PATH:NAME" picks one of several images
 * (layout ref name or RepoTag). iopts and opts may be NULL. Errors name the
 * file and what is wrong (KS_ENOTFOUND for a platform the index lacks, with
 * the platforms it has; KS_ETOOBIG for a decompression bomb).
 */
enum ks_code ks_fs_open_image(const char *spec, const struct ks_image_opts *iopts,
                              const struct ks_fs_options *opts, struct ks_fs **out,
                              struct ks_err *err);
/* Pull HOST/REPO:TAG or HOST/REPO@sha256:... (OCI distribution API v2). */
enum ks_code ks_fs_open_registry(const char *ref, const struct ks_image_opts *iopts,
                                 const struct ks_fs_options *opts, struct ks_fs **out,
                                 struct ks_err *err);
/*
 * A function package: the deployment zip's entries under var/task, then
 * each layer zip's under opt, in order (as the platform lays them out: a
 * later layer's file replaces an earlier one's).
 */
enum ks_code ks_fs_open_function(const char *zip, const char *const *layers, size_t n_layers,
                                 const struct ks_fs_options *opts, struct ks_fs **out,
                                 struct ks_err *err);
/* The image's metadata, or NULL when fs is not an image. Lives as long as fs. */
const struct ks_image_info *ks_fs_image_info(const struct ks_fs *fs);
/*
 * The versions of a history path (ks_image_opts.history_paths): every layer
 * that changed it, oldest first; the last is what the image holds now
 * unless it says deleted. *n is 0 when the path never existed or fs is no
 * image. Valid as long as fs.
 */
struct ks_fs_version {
    const char *layer; /* diff id of the layer that wrote (or deleted) it */
    size_t layer_index;
    bool deleted;
};
enum ks_code ks_fs_image_history(struct ks_fs *fs, const char *path,
                                 const struct ks_fs_version **out, size_t *n, struct ks_err *err);
/* Read version k of a history path (at most max bytes) into out. */
enum ks_code ks_fs_image_read_version(struct ks_fs *fs, const char *path, size_t k, size_t max,
                                      struct ks_buf *out, struct ks_err *err);
/* The layer whose diff id is diff_id, or NULL. */
const struct ks_image_layer *ks_fs_image_layer(const struct ks_fs *fs, const char *diff_id);

#endif
