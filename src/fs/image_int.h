/*
 * image_int.h: private to src/fs/: container images (issue 7). The pieces,
 * bottom up:
 *   - image_json.c: OCI / Docker manifests, indexes, image configs and
 *     docker-save manifest.json, parsed strictly into arena structs;
 *     platform selection.
 *   - image_tree.c: the squash model, a compact tree of every path of the
 *     image with the layer that introduced it, built by applying layer tar
 *     entries in order (whiteouts, opaque dirs, hardlinks, in-root symlinks).
 *   - image_layer.c: streams one layer blob through libarchive into the tree
 *     (pass 1) or hands selected entries' contents to a callback (pass 2),
 *     with decompression-bomb limits.
 *   - image_source.c: where blobs come from (OCI layout dir, docker-save
 *     or OCI-archive tar, registry) and ks_image_open() resolving a
 *     reference to one platform's manifest, config and layers.
 *   - registry.c, registry_auth.c, blobcache.c: the OCI distribution client,
 *     its auth (WWW-Authenticate, docker config.json) and the bounded
 *     digest-keyed blob cache.
 */
#ifndef KS_FS_IMAGE_INT_H
#define KS_FS_IMAGE_INT_H

#include "base/base.h"

/* ------------------------------------------------------------------------ */
/* Limits (STYLE.md §5).                                                     */

#define IMG_MAX_JSON        ((size_t)4 << 20)  /* manifest, index, manifest.json */
#define IMG_MAX_CONFIG      ((size_t)16 << 20) /* image config (long histories) */
#define IMG_MAX_DESCS       4096               /* entries of one index */
#define IMG_MAX_LAYERS      1000               /* layers of one image */
#define IMG_MAX_HISTORY     4096
#define IMG_MAX_LABELS      1024
#define IMG_MAX_INDEX_DEPTH 4    /* index -> index -> manifest */
#define IMG_DIGEST_MAX      72   /* "sha256:" + 64 hex + NUL */
#define IMG_MAX_NAME        1024 /* one path component in a layer */
#define IMG_MAX_LINK        4096 /* symlink target */
#define IMG_MAX_PATH        8192 /* one root-relative path */
#define IMG_MAX_HOPS        40   /* symlinks followed in one resolution */

/* ------------------------------------------------------------------------ */
/* Media types and documents (image_json.c).                                 */

#define IMG_MT_OCI_INDEX       "application/vnd.oci.image.index.v1+json"
#define IMG_MT_OCI_MANIFEST    "application/vnd.oci.image.manifest.v1+json"
#define IMG_MT_OCI_CONFIG      "application/vnd.oci.image.config.v1+json"
#define IMG_MT_DOCKER_LIST     "application/vnd.docker.distribution.manifest.list.v2+json"
#define IMG_MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define IMG_MT_DOCKER_CONFIG   "application/vnd.docker.container.image.v1+json"

enum img_doc {
    IMG_DOC_UNKNOWN = 0,
    IMG_DOC_INDEX,    /* OCI index or Docker manifest list */
    IMG_DOC_MANIFEST, /* OCI manifest or Docker schema 2 manifest */
    IMG_DOC_SCHEMA1,  /* Docker schema 1 (unsupported, named in the error) */
};

enum img_compression {
    IMG_COMP_UNKNOWN = 0, /* sniffed by libarchive */
    IMG_COMP_NONE,
    IMG_COMP_GZIP,
    IMG_COMP_ZSTD,
};

struct img_platform {
    const char *os;
    const char *arch;
    const char *variant; /* NULL when absent */
};

/* A content descriptor (OCI image-spec descriptor.md). Strings in the arena. */
struct img_desc {
    const char *media_type;      /* may be NULL (docker-save layers) */
    char digest[IMG_DIGEST_MAX]; /* "sha256:<64 hex>" or "" when unknown */
    uint64_t size;               /* 0 when unknown */
    bool has_size;
    bool has_platform;
    struct img_platform platform;
    const char *ref_name; /* org.opencontainers.image.ref.name */
    bool is_attestation;  /* buildkit attestation manifest: never an image */
    bool is_foreign;      /* non-distributable layer (has urls) */
    const char *path;     /* docker-save: member path inside the tar */
};

struct img_kv {
    const char *key;
    const char *value;
};

struct img_index {
    const char *media_type;
    struct img_desc *items;
    size_t n;
};

struct img_manifest {
    const char *media_type;
    struct img_desc config;
    struct img_desc *layers;
    size_t n_layers;
    struct img_kv *annotations; /* sorted by key */
    size_t n_annotations;
};

struct img_history {
    const char *created;
    const char *created_by;
    const char *comment;
    bool empty_layer;
};

struct img_config {
    const char *os, *arch, *variant;
    const char *created;
    const char *author;
    const char **diff_ids; /* validated digests */
    size_t n_diff_ids;
    struct img_history *history;
    size_t n_history;
    struct img_kv *labels; /* config.Labels, sorted by key */
    size_t n_labels;
};

/* One image of a docker-save manifest.json. */
struct img_save_entry {
    const char *config; /* member path */
    const char **repo_tags;
    size_t n_repo_tags;
    const char **layers; /* member paths */
    size_t n_layers;
};

/* True if s is "sha256:" followed by exactly 64 lowercase hex digits. */
bool img_digest_valid(struct ks_str s);
/* Which document this is, by mediaType or (when absent) by shape. */
enum img_doc img_doc_kind(const void *data, size_t len);
/* Compression of a layer from its media type (UNKNOWN: sniff). */
enum img_compression img_layer_compression(const char *media_type);
/* Is this a layer media type we can read (tar, gzip, zstd; OCI or Docker)? */
bool img_layer_media_ok(const char *media_type);

/*
 * Parsers over untrusted bytes. `source` names the document in errors.
 * Everything is allocated from a; KS_EPARSE / KS_ETOOBIG / KS_EUNSUPPORTED
 * name the field. Thread-safe (a is the caller's).
 */
enum ks_code img_parse_index(const void *data, size_t len, const char *source, struct ks_arena *a,
                             struct img_index *out, struct ks_err *err);
enum ks_code img_parse_manifest(const void *data, size_t len, const char *source,
                                struct ks_arena *a, struct img_manifest *out, struct ks_err *err);
enum ks_code img_parse_config(const void *data, size_t len, const char *source, struct ks_arena *a,
                              struct img_config *out, struct ks_err *err);
enum ks_code img_parse_save_manifest(const void *data, size_t len, const char *source,
                                     struct ks_arena *a, struct img_save_entry **out, size_t *n,
                                     struct ks_err *err);

/*
 * "linux/arm64/v8" -> platform (strings in a). KS_EINVAL names the text.
 * NULL or "" gives the host's platform (uname: x86_64 -> amd64, aarch64 ->
 * arm64, armv7l -> arm/v7, ...).
 */
enum ks_code img_platform_parse(const char *text, struct ks_arena *a, struct img_platform *out,
                                struct ks_err *err);
/* "linux/amd64", "linux/arm/v7" into out (appending). */
void img_platform_format(const struct img_platform *p, struct ks_buf *out);
/*
 * Choose the index entry for want: os and arch equal; variant equal when
 * want has one (arm64 treats "" and "v8" alike); attestation manifests
 * never. Returns the index or -1.
 */
ptrdiff_t img_platform_select(const struct img_index *idx, const struct img_platform *want);

/*
 * Map each layer to its history entry: out[i] = index into cfg->history
 * of the i-th entry without empty_layer, or -1 when the history is short.
 * out has n_layers slots.
 */
void img_history_map(const struct img_config *cfg, size_t n_layers, ptrdiff_t *out);

/* ------------------------------------------------------------------------ */
/* The squash model (image_tree.c).                                          */

enum img_ntype {
    IMG_N_DIR = 1,
    IMG_N_FILE,
    IMG_N_SYMLINK,
    IMG_N_OTHER, /* fifo: listed, never read */
};

enum img_nflags {
    IMG_NF_IMPLICIT = 1 << 0, /* a parent directory no entry declared */
    IMG_NF_FREE = 1 << 1,     /* slot on the free list */
};

/*
 * One path of the squashed image: 48 bytes, so millions of files fit in
 * tens of megabytes. Names and symlink targets live in the tree's pool.
 * Contents are found again by (data_layer, data_entry): the ordinal of the
 * tar entry in that layer's stream, which a hardlink copies from its target.
 */
struct img_node {
    uint32_t parent;
    uint32_t first_child;
    uint32_t next_sibling;
    uint32_t prev_sibling;
    uint32_t name_off;
    uint32_t link_off;
    uint64_t size;
    uint32_t data_entry;
    uint32_t mtime; /* seconds; 0 unknown */
    uint16_t name_len;
    uint16_t link_len;
    uint16_t layer;      /* layer that introduced the entry (last to write it) */
    uint16_t data_layer; /* layer whose tar holds the contents */
    uint16_t mode;       /* 07777 */
    uint8_t type;        /* enum img_ntype */
    uint8_t flags;       /* enum img_nflags */
};

#define IMG_ROOT    0u
#define IMG_NO_NODE 0xffffffffu

/* One tar entry as read from a layer. */
enum img_etype {
    IMG_E_FILE = 1,
    IMG_E_DIR,
    IMG_E_SYMLINK,
    IMG_E_HARDLINK,
    IMG_E_FIFO,
    IMG_E_DEVICE, /* char/block device or socket: refused */
};

struct img_entry {
    struct ks_str path; /* raw, as stored in the tar */
    enum img_etype type;
    uint64_t size;
    uint32_t mode;
    int64_t mtime;
    struct ks_str link; /* symlink target or hardlink target path */
};

struct img_tree;

struct img_tree_stats {
    uint64_t nodes;     /* live nodes, root included */
    uint64_t slots;     /* node slots allocated */
    uint64_t bytes;     /* memory held by the tree */
    uint64_t whiteouts; /* whiteout and opaque markers applied */
    uint64_t skipped;   /* hostile or impossible entries skipped */
};

/* max_nodes bounds live + free slots (KS_ETOOBIG past it). */
enum ks_code img_tree_new(uint64_t max_nodes, struct img_tree **out, struct ks_err *err);

/* One write (or deletion) of a watched path, in layer order. */
struct img_version {
    uint16_t layer;      /* the layer that wrote or deleted it */
    uint16_t data_layer; /* where its bytes are (a hardlink's target's layer) */
    uint32_t data_entry;
    uint64_t size;
    bool deleted; /* a whiteout, an opaque directory or a replacement by a non-file */
};

/*
 * Keep the history of a canonical path (a package database every layer
 * rewrites whole), so that a package can be traced to the layer that
 * first shipped it. Call before applying layers. KS_ENOMEM only.
 */
enum ks_code img_tree_watch(struct img_tree *t, const char *path, struct ks_err *err);
/* Record the watched paths' state after a whole layer was applied. */
enum ks_code img_tree_note_layer(struct img_tree *t, uint16_t layer, struct ks_err *err);
/* The versions of a watched path, oldest first; *n is 0 when it has none. */
const struct img_version *img_tree_versions(const struct img_tree *t, const char *path, size_t *n);
void img_tree_free(struct img_tree *t);

/*
 * Apply one tar entry of layer `layer` (entry ordinal `ordinal` in that
 * layer's stream). A hostile or impossible entry (path leaving the root,
 * absolute path, device node, hardlink to nothing, whiteout of '..') is
 * skipped: KS_OK with *skipped set and a message naming the entry in why.
 * Only allocation failure and the node limit are errors.
 */
enum ks_code img_tree_apply(struct img_tree *t, uint16_t layer, uint32_t ordinal,
                            const struct img_entry *e, bool *skipped, struct ks_buf *why,
                            struct ks_err *err);

const struct img_node *img_tree_node(const struct img_tree *t, uint32_t id);
struct ks_str img_tree_name(const struct img_tree *t, uint32_t id);
struct ks_str img_tree_link(const struct img_tree *t, uint32_t id);
/* Child `name` of dir, or IMG_NO_NODE. No symlink is followed. */
uint32_t img_tree_child(const struct img_tree *t, uint32_t dir, struct ks_str name);
/* The node at a canonical root-relative path (no symlink followed), or
 * IMG_NO_NODE. */
uint32_t img_tree_lookup(const struct img_tree *t, struct ks_str path);
/*
 * Resolve path inside the root: symlinks in every component followed (and
 * the final one when follow), absolute targets re-rooted, '..' clamped at
 * the root, at most 40 hops (KS_ETOOBIG). KS_ENOTFOUND when missing.
 */
enum ks_code img_tree_resolve(const struct img_tree *t, struct ks_str path, bool follow,
                              uint32_t *out, struct ks_err *err);
/* The canonical path of id, appended to out. */
void img_tree_path(const struct img_tree *t, uint32_t id, struct ks_buf *out);

enum img_visit { IMG_CONTINUE = 0, IMG_SKIP, IMG_STOP };
/* Visit every live node but the root, sorted by path, parents first. */
typedef enum img_visit (*img_tree_walk_fn)(void *ctx, uint32_t id, const char *path,
                                           size_t path_len);
enum ks_code img_tree_walk(const struct img_tree *t, img_tree_walk_fn fn, void *ctx,
                           struct ks_err *err);
void img_tree_stats(const struct img_tree *t, struct img_tree_stats *out);

/*
 * Normalise a layer entry path: "./" and leading "./" dropped, '//' and '.'
 * folded, '..' applied. False for an absolute path, a '..' that climbs
 * above the root, a NUL or an over-long path; "" means the root itself.
 */
bool img_path_clean(struct ks_str path, struct ks_buf *out);

/* ------------------------------------------------------------------------ */
/* Blob streams (image_source.c) and layers (image_layer.c).                 */

/*
 * A raw byte stream over one blob that verifies what it delivers: at its
 * end the SHA-256 of every byte must equal `digest` (when set) and the
 * count must equal `size` (when known); otherwise the read that reaches the
 * end fails with KS_EPARSE naming the blob. Bytes past `size` fail at once.
 */
struct img_stream;

struct img_stream_ops {
    enum ks_code (*read)(struct img_stream *s, void *buf, size_t n, size_t *got,
                         struct ks_err *err);
    void (*close)(struct img_stream *s);
};

struct evp_md_ctx_st;

struct img_stream {
    const struct img_stream_ops *ops;
    char *name;
    char digest[IMG_DIGEST_MAX]; /* "" when not checked */
    char actual[IMG_DIGEST_MAX]; /* the bytes' sha256, set at the end of the stream */
    uint64_t size;
    bool has_size;
    uint64_t count; /* raw bytes delivered */
    bool eof;
    enum ks_code failed; /* sticky: a failed stream stays failed */
    char fail_msg[256];
    struct evp_md_ctx_st *md;
    int fd;     /* owned, or -1 */
    void *impl; /* backend state, released by ops->close */
};

/* A stream with the given ops (impl/fd set by the caller afterwards). */
enum ks_code img_stream_new(const struct img_stream_ops *ops, const char *name, const char *digest,
                            uint64_t size, bool has_size, struct img_stream **out,
                            struct ks_err *err);

enum ks_code img_stream_read(struct img_stream *s, void *buf, size_t n, size_t *got,
                             struct ks_err *err);
/* Read to the end (so the digest is checked). */
enum ks_code img_stream_drain(struct img_stream *s, struct ks_err *err);
/* Raw bytes delivered so far. */
uint64_t img_stream_count(const struct img_stream *s);
const char *img_stream_name(const struct img_stream *s);
void img_stream_close(struct img_stream *s); /* NULL is a no-op */

/* A stream over an open fd (owned), verified against digest/size (either may be
 * unset). */
enum ks_code img_stream_fd(int fd, const char *name, const char *digest, uint64_t size,
                           bool has_size, struct img_stream **out, struct ks_err *err);

/* Bomb limits for layers; zero fields take the defaults. */
struct img_limits {
    uint64_t max_entries;     /* entries across all layers */
    uint64_t max_layer_bytes; /* uncompressed bytes of one layer */
    uint64_t max_total_bytes; /* uncompressed bytes of the whole image */
    uint32_t max_ratio;       /* uncompressed:compressed, once past ratio_floor */
    uint64_t ratio_floor;     /* below this many uncompressed bytes, no ratio check */
};

void img_limits_default(struct img_limits *l);
void img_limits_fill(struct img_limits *l); /* zero fields -> defaults */

typedef void (*img_warn_fn)(void *ctx, const char *msg);

struct img_layer_stats {
    uint64_t entries;
    uint64_t raw_bytes; /* compressed bytes read */
    uint64_t tar_bytes; /* uncompressed bytes */
};

/*
 * Pass 1: read every entry header of a layer's tar (gzip, zstd or plain,
 * sniffed) and apply it to the tree. Contents are skipped. Hostile entries
 * are warned about ("layer N (sha256:...): skipping '../x': ...") and
 * skipped. *total_bytes accumulates uncompressed bytes against
 * limits->max_total_bytes. The stream is drained, so its digest is checked;
 * the SHA-256 of the uncompressed tar must equal diff_id (when not NULL).
 */
enum ks_code img_layer_apply(struct img_tree *t, uint16_t layer, const char *layer_name,
                             struct img_stream *s, const char *diff_id,
                             const struct img_limits *limits, uint64_t *total_entries,
                             uint64_t *total_bytes, img_warn_fn warn, void *warn_ctx,
                             struct img_layer_stats *stats, struct ks_err *err);

/*
 * Pass 2: stream a layer again and call `want` with each entry's ordinal;
 * IMG_WANT_STOP ends the pass early; on IMG_WANT_READ the entry's data is read and handed to `take`
 * in chunks (off, data, len), then `take` gets len 0 at the entry's end. A `take` error stops the
 * pass.
 */
enum img_want { IMG_WANT_SKIP = 0, IMG_WANT_READ = 1, IMG_WANT_STOP = 2 };
typedef int (*img_want_fn)(void *ctx, uint32_t ordinal, uint64_t size);
typedef enum ks_code (*img_take_fn)(void *ctx, uint32_t ordinal, uint64_t off, const void *data,
                                    size_t len, struct ks_err *err);
/* How a layer is laid out: a tar (images) or a zip placed under a prefix (functions). */
struct img_layer_fmt {
    bool zip;
    const char *prefix; /* "var/task", "opt", or NULL */
};

/*
 * Called with each tar entry of an image layer, in order, exactly as pass 1
 * hands it to the tree (the per-layer cache records it as the layer's
 * index; layercache.c). Strings are borrowed for the call. An error stops
 * the pass.
 */
typedef enum ks_code (*img_record_fn)(void *ctx, const struct img_entry *e, struct ks_err *err);

enum ks_code img_layer_apply_ex(struct img_tree *t, uint16_t layer, const char *layer_name,
                                const struct img_layer_fmt *fmt, struct img_stream *s,
                                const char *diff_id, const struct img_limits *limits,
                                uint64_t *total_entries, uint64_t *total_bytes, img_warn_fn warn,
                                void *warn_ctx, img_record_fn rec, void *rec_ctx,
                                struct img_layer_stats *stats, struct ks_err *err);

/* Scratch buffers for img_layer_apply_entry (one set per layer). */
struct img_apply_bufs {
    struct ks_buf why, msg;
};
void img_apply_bufs_init(struct img_apply_bufs *b);
void img_apply_bufs_release(struct img_apply_bufs *b);
/*
 * Apply one entry of a layer to the tree and warn about it, word for word
 * as pass 1 does, when it is skipped ("image: layer N (sha256:...):
 * skipping entry 'RAW': why"). Pass 1 and the layer cache's replay both
 * go through here, so a replayed layer gives the same tree and warnings.
 */
enum ks_code img_layer_apply_entry(struct img_tree *t, uint16_t layer, const char *layer_name,
                                   uint32_t ordinal, const struct img_entry *e,
                                   struct ks_str raw_path, bool hostile, img_warn_fn warn,
                                   void *warn_ctx, struct img_apply_bufs *bufs,
                                   struct ks_err *err);
enum ks_code img_layer_fetch_ex(const char *layer_name, const struct img_layer_fmt *fmt,
                                struct img_stream *s, const char *diff_id,
                                const struct img_limits *limits, img_want_fn want, img_take_fn take,
                                void *ctx, struct ks_err *err);
enum ks_code img_layer_fetch(const char *layer_name, struct img_stream *s, const char *diff_id,
                             const struct img_limits *limits, img_want_fn want, img_take_fn take,
                             void *ctx, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Images (image_source.c).                                                  */

enum img_src_kind {
    IMG_SRC_OCI_LAYOUT = 1,
    IMG_SRC_OCI_ARCHIVE,
    IMG_SRC_DOCKER_ARCHIVE,
    IMG_SRC_REGISTRY,
};

struct img_open_opts {
    const char *platform;     /* "os/arch[/variant]"; NULL or "": the host's */
    bool insecure;            /* registry: plain HTTP / unverified TLS */
    const char *auth_config;  /* docker config.json; NULL: the usual places */
    const char *cache_dir;    /* blob cache; NULL: the default */
    uint64_t cache_max_bytes; /* 0: default bound; UINT64_MAX: no cache */
    img_warn_fn warn;
    void *warn_ctx;
};

struct img_layer_info {
    struct img_desc blob;   /* digest "" for legacy docker-save members (path set) */
    const char *diff_id;    /* sha256 of the uncompressed tar (verified when read) */
    ptrdiff_t history;      /* index into config.history, or -1 */
    const char *created_by; /* that history entry's created_by, or NULL */
    const char *created;
};

struct img_src_ops;
struct img_cache;

/* One resolved image: one platform's manifest, config and layers. */
struct img_image {
    struct ks_arena *arena; /* everything below lives in it */
    enum img_src_kind kind;
    const struct img_src_ops *ops;
    void *impl;
    struct img_cache *cache;
    const char *name;       /* as the user gave it */
    const char *path;       /* layout dir or tar */
    const char *ref;        /* the image named inside a layout/tar, or NULL */
    const char *source;     /* "oci-layout", "oci-archive", "docker-archive", "registry" */
    const char *repository; /* registry: host/repo */
    const char *tag;        /* registry tag or layout ref name */
    const char **repo_tags; /* docker save RepoTags */
    size_t n_repo_tags;
    char digest[IMG_DIGEST_MAX];          /* what the reference resolved to ("" if unknown) */
    char manifest_digest[IMG_DIGEST_MAX]; /* the platform's manifest */
    char config_digest[IMG_DIGEST_MAX];   /* the image id */
    struct img_platform want;
    bool platform_explicit;
    struct img_platform platform; /* from the config */
    struct img_manifest manifest;
    struct img_desc config_desc;
    struct img_config config;
    struct img_layer_info *layers;
    size_t n_layers;
    img_warn_fn warn;
    void *warn_ctx;
};

/*
 * Open an image at a path: an OCI layout directory, an OCI archive or a
 * docker-save tar (detected), optionally "PATH:NAME" to pick one of
 * several images (ref name or RepoTag). Reads the index/manifest/config,
 * not the layers. The result is freed with img_image_free.
 */
enum ks_code img_image_open_path(const char *spec, const struct img_open_opts *opts,
                                 struct img_image **out, struct ks_err *err);
/* Open HOST/REPO:TAG or HOST/REPO@sha256:... from a registry. */
enum ks_code img_image_open_registry(const char *reference, const struct img_open_opts *opts,
                                     struct img_image **out, struct ks_err *err);
void img_image_free(struct img_image *img);
/* A verified stream over layer i's blob (close with img_stream_close). */
enum ks_code img_image_open_layer(struct img_image *img, size_t i, struct img_stream **out,
                                  struct ks_err *err);
/* Registry bytes downloaded (0 for local images). */
uint64_t img_image_downloaded(const struct img_image *img);

#endif
