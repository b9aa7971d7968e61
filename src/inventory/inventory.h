/*
 * inventory.h: from a target to an inventory (ARCHITECTURE.md §2).
 *
 * 1. Targets: ks_inventory_from_target("dir:/mnt/snap" | "archive:x.tgz" |
 *    "sbom:bom.json" | a bare path, auto-detected) opens the right fs view
 *    (or SBOM reader) and returns a finished inventory. It is the one place
 *    that knows the target kinds: issue 7 adds rows for image:, registry:,
 *    function: and repo:; the scan pipeline and the CLI both call it.
 *
 * 2. Extractors: each is one row of the registry table (registry.c) plus
 *    one file: {name, ecosystem, patterns, companions, flags, fn}. The fs
 *    view is walked once; every file whose root-relative path matches a
 *    row's patterns is handed to its fn (in table order, paths sorted), with
 *    its contents already read. Companion patterns name files an extractor
 *    reads besides its primary ones (dpkg's info/NAME.list files): they are collected
 *    in the same walk and prefetched, but fn is not called for them.
 *
 *    OS-package extractors (KS_EXT_OS) match only canonical paths relative
 *    to the root (var/lib/dpkg/status, never a copy deeper in the tree); the
 *    registry refuses '**' in their patterns.
 *
 * Bad input inside one file is a warning (file and line/offset named, via
 * ks_extract_warn) and the extractor goes on with the rest; only allocation
 * failure stops a collection.
 */
#ifndef KS_INVENTORY_H
#define KS_INVENTORY_H

#include "base/base.h"
#include "fs/fs.h"
#include "model/model.h"

/* ------------------------------------------------------------------------ */
/* Options and targets.                                                     */

struct ks_inventory_opts {
    const char *const *skip_dirs; /* --skip-dirs globs (root-relative), not walked */
    size_t n_skip_dirs;
    bool cross_mounts;          /* --cross-mounts: descend into other mounts */
    struct ks_fs_limits limits; /* zeroed fields take the defaults */
    bool no_kernel;             /* do not record the running kernel even on a live root */
    /* Images, registries, function packages (issue 7; target_image.c). */
    const char *platform;       /* --platform os/arch[/variant]; NULL: the host's */
    bool insecure;              /* --insecure: plain-HTTP / unverified-TLS registry */
    const char *auth_config;    /* docker config.json; NULL: $DOCKER_CONFIG, ~/.docker */
    const char *cache_dir;      /* registry blob cache; NULL: $XDG_CACHE_HOME/kensa/blobs */
    uint64_t blob_cache_max;    /* 0: $KENSA_BLOB_CACHE_MAX or 5 GiB */
    bool no_layer_cache;        /* --no-layer-cache: read every layer, store nothing */
    const char *const *function_layers; /* --layer ZIP (repeatable), in order */
    size_t n_function_layers;
    const char *runtime;        /* --runtime python3.12|nodejs20.x|java21|...; NULL: inferred */
};

enum ks_target_kind {
    KS_TARGET_AUTO = 0, /* a bare path: directory, archive or SBOM, by content */
    KS_TARGET_DIR,      /* dir:PATH */
    KS_TARGET_ARCHIVE,  /* archive:PATH */
    KS_TARGET_SBOM,     /* sbom:FILE (CycloneDX JSON, SPDX JSON, Kensa JSON) */
    KS_TARGET_IMAGE,    /* image:PATH[:NAME] (OCI layout dir, OCI archive, docker save tar) */
    KS_TARGET_REGISTRY, /* registry:HOST/REPO:TAG or @sha256:... */
    KS_TARGET_FUNCTION, /* function:ZIP (+ --layer ZIP, --runtime) */
    KS_TARGET_REPO,     /* repo:PATH (a directory or git work tree) */
    KS_TARGET_KIND_COUNT
};

struct ks_target_spec {
    enum ks_target_kind kind;
    const char *prefix; /* "dir", "archive", ... ("" for a bare path) */
    const char *path;   /* the rest of the argument (borrowed) */
};

/*
 * Split a target argument ("dir:/mnt", "archive:rootfs.tar", "/srv") into
 * kind and path. A bare path stays KS_TARGET_AUTO (see ks_target_detect).
 * An unknown "word:" prefix is taken as part of a path only when that path
 * exists; otherwise KS_EINVAL names the known prefixes. Does not allocate.
 */
enum ks_code ks_target_parse(const char *arg, struct ks_target_spec *out, struct ks_err *err);
/* The kind of a bare path by looking at it: directory, archive magic or SBOM JSON. */
enum ks_code ks_target_detect(const char *path, enum ks_target_kind *out, struct ks_err *err);
/* "dir", "archive", "sbom", "auto". */
const char *ks_target_kind_name(enum ks_target_kind kind);

/*
 * Inventory a target: parse, open, collect, finish. The inventory and
 * everything in it is allocated from arena. opts may be NULL.
 */
enum ks_code ks_inventory_from_target(const char *target, const struct ks_inventory_opts *opts,
                                      struct ks_arena *arena, struct ks_inventory **out,
                                      struct ks_err *err);

/*
 * Walk fs once, run every extractor on its files, detect the distribution,
 * mark the running kernel on a live root, and finish the inventory (ownership,
 * dependencies, order). inv->target is left to the caller. opts may be NULL.
 */
enum ks_code ks_inventory_collect(struct ks_fs *fs, const struct ks_inventory_opts *opts,
                                  struct ks_inventory *inv, struct ks_err *err);

/* Fill fs options (skip globs, mounts, limits, warnings into inv) from opts. */
void ks_inventory_fs_options(const struct ks_inventory_opts *opts, struct ks_inventory *inv,
                             struct ks_fs_options *out);

/* ------------------------------------------------------------------------ */
/* Extractor framework.                                                     */

struct ks_extract_ctx;

/* One file handed to an extractor. */
struct ks_extract_input {
    const char *path;   /* root-relative path that matched */
    uint64_t size;
    const char *layer;  /* layer digest, or NULL */
    struct ks_str data; /* the whole file (KS_STR_NULL with KS_EXT_NO_READ) */
};

/*
 * Parse one file. Return KS_OK after warning about bad input (the framework
 * never drops a file's packages because of one bad stanza); any other code
 * is reported as a warning naming the file, except KS_ENOMEM, which stops
 * the collection.
 */
typedef enum ks_code (*ks_extract_fn)(struct ks_extract_ctx *ctx,
                                      const struct ks_extract_input *in, struct ks_err *err);

enum ks_extractor_flags {
    KS_EXT_OS = 1 << 0,          /* OS package DB: canonical root paths only, no '**' */
    KS_EXT_NO_READ = 1 << 1,     /* do not read the file: fn calls ks_extract_read itself */
    KS_EXT_FOLLOW_LINKS = 1 << 2, /* glob patterns also match symlinks (exact ones always do) */
    KS_EXT_EXEC_ONLY = 1 << 3,   /* only files with an execute bit (binaries) */
};

struct ks_extractor {
    const char *name;       /* "dpkg": names warnings and pkg->extractor */
    enum ks_eco eco;        /* the ecosystem (family) it produces */
    const char *patterns;   /* space-separated exact paths or globs (fs.h glob syntax) */
    const char *companions; /* space-separated globs of extra files it reads, or NULL */
    unsigned flags;         /* enum ks_extractor_flags */
    ks_extract_fn fn;
    size_t max_file_bytes;  /* largest file read for it; 0: KS_EXTRACT_MAX_FILE */
};

/* Default cap on one file read for an extractor (status files of big hosts fit). */
#define KS_EXTRACT_MAX_FILE ((size_t)256 << 20)

/* The registry: rows in run order; *n gets the count. */
const struct ks_extractor *ks_extractors(size_t *n);
/*
 * Check the registry (and any table): names unique, patterns non-empty,
 * OS extractors free of '**'. KS_EINVAL names the bad row. Used by tests.
 */
enum ks_code ks_extractors_check(const struct ks_extractor *rows, size_t n, struct ks_err *err);

/* --- what an extractor may call ----------------------------------------- */

struct ks_inventory *ks_extract_inventory(struct ks_extract_ctx *ctx);
struct ks_arena *ks_extract_arena(struct ks_extract_ctx *ctx);
struct ks_fs *ks_extract_fs(struct ks_extract_ctx *ctx);
/* The distribution detected before extractors ran, or NULL if unknown. */
const struct ks_os *ks_extract_os(struct ks_extract_ctx *ctx);
const struct ks_extractor *ks_extract_self(struct ks_extract_ctx *ctx);

/*
 * A new package preset with the current file's path and layer and this
 * extractor's name (in the inventory's arena); NULL on OOM.
 */
struct ks_pkg *ks_extract_pkg(struct ks_extract_ctx *ctx);
/*
 * Add a package: fills the purl of OS packages when unset, then
 * ks_inventory_add (which merges duplicates). *added (may be NULL) gets
 * the package now in the inventory.
 */
enum ks_code ks_extract_emit(struct ks_extract_ctx *ctx, struct ks_pkg *p, struct ks_pkg **added,
                             struct ks_err *err);
/* A warning from this extractor: "NAME: MESSAGE" (message names file and line). */
void ks_extract_warn(struct ks_extract_ctx *ctx, const char *fmt, ...) KS_PRINTF(2, 3);

/* Read another file of the fs (companions, or the input with KS_EXT_NO_READ). */
enum ks_code ks_extract_read(struct ks_extract_ctx *ctx, const char *path, size_t max,
                             struct ks_buf *out, struct ks_err *err);
/*
 * Open a file for streaming (the input of a KS_EXT_NO_READ extractor, or a
 * large companion); close with ks_fs_file_close.
 */
enum ks_code ks_extract_open(struct ks_extract_ctx *ctx, const char *path, struct ks_fs_file **out,
                             struct ks_err *err);
/* The same, a file that cannot be opened being a warning (*out NULL), not an error. */
enum ks_code ks_extract_open_or_warn(struct ks_extract_ctx *ctx, const char *path,
                                     struct ks_fs_file **out, struct ks_err *err);
/* Companion paths this extractor's patterns matched in the walk (sorted). */
const char *const *ks_extract_companions(struct ks_extract_ctx *ctx, size_t *n);
/* Is path among this extractor's matched companions? */
bool ks_extract_has_companion(struct ks_extract_ctx *ctx, const char *path);
/* Primary paths this extractor matched (sorted), to let one file defer to a sibling. */
const char *const *ks_extract_matches(struct ks_extract_ctx *ctx, size_t *n);

/*
 * Record that OS package p owns path (absolute or root-relative, as the
 * package database writes it). The directory part is resolved inside the
 * root (so /bin/ls owned on a merged-/usr system is found as usr/bin/ls).
 */
enum ks_code ks_extract_own(struct ks_extract_ctx *ctx, const struct ks_pkg *p, struct ks_str path);

/*
 * Run the extractor called `name` on bytes that claim to be the file `path`
 * (no fs: companions are absent). For unit tests and fuzz targets of every
 * extractor. KS_ENOTFOUND if no extractor has that name.
 */
enum ks_code ks_extract_run(const char *name, const char *path, const void *data, size_t len,
                            struct ks_inventory *inv, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* OS detection and the parsers behind the OS extractors (fuzzed directly). */

/*
 * Parse an os-release file (KEY=value, shell quoting) into os: ID,
 * VERSION_ID, VERSION_CODENAME (or UBUNTU_CODENAME), PRETTY_NAME (or NAME),
 * ID_LIKE. Strings are copied into a. Bad lines are reported through warn
 * (may be NULL) with their line number and skipped.
 */
enum ks_code ks_os_release_parse(struct ks_str data, const char *path, struct ks_arena *a,
                                 struct ks_os *os,
                                 void (*warn)(void *ctx, const char *msg), void *warn_ctx);

/* --- rpm databases -------------------------------------------------------- */

/* One package header (a blob from any of the three database formats). */
struct ks_rpm_header {
    const char *name, *version, *release, *arch;
    bool has_epoch; /* the header carries EPOCH (0 is an epoch; absent is not) */
    uint32_t epoch;
    const char *sourcerpm; /* NULL for "(none)" */
    const char *license, *vendor, *modularitylabel, *summary;
    const char **basenames, **dirnames, **oldfilenames;
    const uint32_t *dirindexes;
    size_t n_basenames, n_dirnames, n_dirindexes, n_oldfilenames;
    const char **requires, **provides;
    size_t n_requires, n_provides;
    bool bad_file_list; /* BASENAMES/DIRINDEXES/DIRNAMES disagree: file list dropped */
};

/*
 * Decode an rpm header blob (big-endian il, dl, il index entries, data
 * store), validating every offset, count and string against the blob.
 * Strings are copied into a. KS_EPARSE says what is wrong and at which
 * byte offset of the blob.
 */
enum ks_code ks_rpm_header_parse(const void *blob, size_t len, struct ks_arena *a,
                                 struct ks_rpm_header *out, struct ks_err *err);

/* Called with each header blob found in a database; `where` names it ("page 12"). */
typedef enum ks_code (*ks_rpm_blob_fn)(void *ctx, const void *blob, size_t len, const char *where);
/* Problems that lose one record (a corrupt page) come here; the walk goes on. */
typedef void (*ks_rpm_warn_fn)(void *ctx, const char *msg);

/*
 * Walk a Berkeley DB hash database (`Packages`, RHEL 5-8, CentOS, Amazon
 * Linux 2): meta page, hash pages, inline and overflow values, either byte
 * order. Only KS_ENOMEM from fn (or an unusable meta page: KS_EPARSE) stops it.
 */
enum ks_code ks_rpm_bdb_each(const void *db, size_t len, ks_rpm_blob_fn fn, ks_rpm_warn_fn warn,
                             void *ctx, struct ks_err *err);
/* Walk an NDB database (`Packages.db`, SUSE): header, slot pages, blobs. */
enum ks_code ks_rpm_ndb_each(const void *db, size_t len, ks_rpm_blob_fn fn, ks_rpm_warn_fn warn,
                             void *ctx, struct ks_err *err);
/*
 * Walk an SQLite database (`rpmdb.sqlite`: RHEL 9, Fedora, Amazon Linux
 * 2023, Azure Linux): the bytes are loaded read-only into memory (WAL-mode
 * files included), so nothing is ever written beside the scanned file.
 */
enum ks_code ks_rpm_sqlite_each(const void *db, size_t len, ks_rpm_blob_fn fn, ks_rpm_warn_fn warn,
                                void *ctx, struct ks_err *err);

/* --- SBOMs as input ------------------------------------------------------- */

/*
 * Read an SBOM document into inv (not finished): CycloneDX JSON, SPDX 2.x
 * JSON or Kensa inventory JSON, recognised by its top-level keys. name is
 * used in messages. Components without a purl are counted in one warning
 * (their ecosystem cannot be known); KS_EPARSE for a document that is not
 * one of these, KS_ETOOBIG over 256 MiB.
 */
enum ks_code ks_sbom_read(struct ks_str data, const char *name, struct ks_inventory *inv,
                          struct ks_err *err);

/* ------------------------------------------------------------------------ */

/* Detect the distribution of fs (os-release, then the legacy release files). */
enum ks_code ks_os_detect(struct ks_fs *fs, struct ks_inventory *inv, struct ks_err *err);
/* The root-relative files ks_os_detect may read (NULL-terminated). */
extern const char *const ks_os_release_paths[];

#endif
