/*
 * layercache_int.h: private to src/fs/: the per-layer inventory cache
 * (issue 7, docs/targets.md "Per-layer inventory cache"). One file per
 * layer, named by its diff id, beside the registry blob cache
 * ($XDG_CACHE_HOME/kensa/layers/sha256/<hex>), holding what a later scan
 * of any image that shares the layer needs so it never decompresses the
 * layer again:
 *   - the layer's *index*: every tar entry (type, raw path, size, mode,
 *     mtime, link target) in stream order, exactly as pass 1 handed it to
 *     the squash tree, so replaying it gives the same tree and warnings;
 *   - the blob digests that were verified to decompress to this diff id
 *     (a hit needs the image's blob digest to be one of them);
 *   - *contents* of the entries a scan read, by tar ordinal: the whole
 *     file, or only the byte ranges read (a binary's ELF headers and
 *     build-info section), each with its own checksum.
 *
 * File format, version 1 (integers little-endian):
 *
 *   [0,128)      header: "KSLAYERC", u32 version, u32 n_digests,
 *                u8 diff_id[32], u64 tar_bytes, u64 n_entries,
 *                u64 index_len, u64 n_records, u64 data_len, u32 flags (0),
 *                u32 reserved (0), u8 sum[32] at 96: SHA-256 of bytes
 *                [0,96) and [128, data_off) (header, digests, index, table)
 *   [128,640)    16 digest slots of 32 bytes (n_digests used, rest zero)
 *   [640, +index_len)  index: per entry u8 type (enum img_etype), u8 0,
 *                u16 0, u32 mode, u32 path_len, u32 link_len, u64 size,
 *                i64 mtime, then path and link bytes (no NUL inside)
 *   then n_records x 64 bytes: u32 ordinal (strictly increasing), u32
 *                n_ranges, u64 size (the file's), u64 blob_off, u64
 *                blob_len, u8 sum[32] (SHA-256 of the blob)
 *   data_off = 640 + index_len + 64 n_records: the data area, data_len
 *                bytes of blobs; a blob is n_ranges x (u64 off, u64 len),
 *                sorted and disjoint within [0,size), then their bytes.
 *   The file is exactly data_off + data_len bytes long.
 *
 * Concurrency: files are written to a temporary file in the cache
 * directory and renamed into place; merges into an existing entry and
 * eviction hold an flock on `layers/.lock`; readers take no lock (an
 * evicted file stays readable through its open descriptor).
 */
#ifndef KS_FS_LAYERCACHE_INT_H
#define KS_FS_LAYERCACHE_INT_H

#include "fs/image_int.h"

#define LC_MAGIC       "KSLAYERC"
#define LC_VERSION     1
#define LC_HEAD        128u
#define LC_MAX_DIGESTS 16u
#define LC_INDEX_OFF   (LC_HEAD + LC_MAX_DIGESTS * 32u)
#define LC_ENT_FIXED   32u
#define LC_REC_SIZE    64u
#define LC_RANGE_SIZE  16u
#define LC_MAX_STR     65535u               /* a path or link target in the index */
#define LC_MAX_RANGES  64u                  /* ranges kept of one file (more: whole) */
#define LC_MAX_ENTRIES (20ull * 1000 * 1000) /* entries of one layer */
#define LC_SMALL_FILE  ((uint64_t)64 << 10)  /* files up to this size are kept whole */
#define LC_DEFAULT_MAX ((uint64_t)1 << 30)   /* KENSA_LAYER_CACHE_MAX default */
#define LC_MAX_META    ((uint64_t)4 << 30)   /* header + index + table loaded at once */
#define LC_MAX_BAD     64u                  /* damaged records remembered per entry and scan */

struct lc_range {
    uint64_t off, len;
};

struct lc_head {
    uint32_t version;
    uint32_t n_digests;
    uint8_t diff_id[32];
    uint64_t tar_bytes; /* the uncompressed layer's size */
    uint64_t n_entries;
    uint64_t index_len;
    uint64_t n_records;
    uint64_t data_len;
    uint8_t digests[LC_MAX_DIGESTS][32];
};

/* A parsed entry over its metadata bytes [0, data_off) (borrowed). */
struct lc_view {
    struct lc_head h;
    const uint8_t *index; /* h.index_len bytes */
    const uint8_t *table; /* h.n_records * LC_REC_SIZE bytes */
    uint64_t data_off;    /* where the data area starts in the file */
};

struct lc_rec {
    uint32_t ordinal;
    uint32_t n_ranges;
    uint64_t size;
    uint64_t blob_off; /* in the data area */
    uint64_t blob_len;
    uint8_t sum[32];
};

/* ------------------------------------------------------------------------ */
/* The format: parsers over untrusted bytes (ptr, len). No allocation.      */

/*
 * The fixed header from the first LC_INDEX_OFF bytes. *meta_len is where
 * the data area starts (header, digests, index and table). KS_EPARSE names
 * the field; KS_EUNSUPPORTED for another format version.
 */
enum ks_code lc_parse_head(const void *data, size_t len, struct lc_head *out, uint64_t *meta_len,
                           struct ks_err *err);
/*
 * A whole entry's metadata, data = bytes [0, len) of a file file_size
 * long: header, checksum (when check_sum), every index entry and every
 * record are validated. Pointers in out borrow data.
 */
enum ks_code lc_parse(const void *data, size_t len, uint64_t file_size, bool check_sum,
                      struct lc_view *out, struct ks_err *err);
/* Next entry of an index (cursor over lc_view.index). Strings borrow it. */
enum ks_code lc_index_next(struct ks_cur *c, struct img_entry *out, struct ks_err *err);
/* Record i of the table (i < n_records; the view was validated). */
void lc_view_rec(const struct lc_view *v, size_t i, struct lc_rec *out);
/* The record for a tar ordinal, or -1. */
ptrdiff_t lc_view_find(const struct lc_view *v, uint32_t ordinal);
/*
 * A record's blob (its sum already checked by the caller): the ranges into
 * out (LC_MAX_RANGES slots) and *bytes at their concatenated bytes.
 */
enum ks_code lc_parse_blob(const void *blob, size_t len, const struct lc_rec *r,
                           struct lc_range *out, const uint8_t **bytes, struct ks_err *err);
/* Do ranges cover [0,size) entirely (every file of size 0 is whole)? */
bool lc_ranges_whole(const struct lc_range *r, size_t n, uint64_t size);
/* Add [off, off+len) to a sorted disjoint set (adjacent ranges merge). false past max. */
bool lc_ranges_add(struct lc_range *r, size_t *n, size_t max, uint64_t off, uint64_t len);
/* Does the set a (n_a) cover every byte of b (n_b)? */
bool lc_ranges_cover(const struct lc_range *a, size_t n_a, const struct lc_range *b, size_t n_b);

/* ------------------------------------------------------------------------ */
/* The cache directory.                                                     */

struct lc_cache;

/*
 * Open (creating it) the cache at dir, else $KENSA_CACHE_DIR/layers, else
 * $XDG_CACHE_HOME/kensa/layers, else ~/.cache/kensa/layers. max_bytes 0
 * takes $KENSA_LAYER_CACHE_MAX (bytes or K/M/G/T suffix; "0" or "off":
 * disabled) or LC_DEFAULT_MAX; UINT64_MAX disables it. *out is NULL with
 * KS_OK when the cache is disabled or cannot be created (logged): the
 * cache only ever saves work. KS_EINVAL names a bad KENSA_LAYER_CACHE_MAX.
 */
enum ks_code lc_open(const char *dir, uint64_t max_bytes, struct lc_cache **out,
                     struct ks_err *err);
void lc_close(struct lc_cache *c);
const char *lc_dir(const struct lc_cache *c);
uint64_t lc_max(const struct lc_cache *c);
/* Bytes held by entries now. */
uint64_t lc_size(struct lc_cache *c);
/* Delete least recently used entries until the total fits (keep_hex spared). */
enum ks_code lc_evict(struct lc_cache *c, const char *keep_hex, struct ks_err *err);

/* One entry loaded for a scan: its metadata in memory, its data read on demand. */
struct lc_entry {
    int fd;
    uint64_t file_size;
    uint8_t *meta; /* [0, data_off) */
    size_t meta_len;
    struct lc_view v;
    char *path;
    uint64_t dev, ino;
    /* Records whose blob failed its checks in this scan: never copied, rewritten from the layer. */
    uint32_t bad[LC_MAX_BAD];
    size_t n_bad;
    bool bad_overflow; /* more than LC_MAX_BAD: the next commit keeps none of the old records */
};

/*
 * Load the entry of diff_id ("sha256:<hex>"), refreshing its place in the
 * LRU order. KS_ENOTFOUND when there is none, it is of another format
 * version, or it is corrupt (then it is logged at warn level and removed).
 * KS_ENOMEM.
 */
enum ks_code lc_load(struct lc_cache *c, const char *diff_id, struct lc_entry **out,
                     struct ks_err *err);
void lc_entry_free(struct lc_entry *e);
/* Was the blob digest ("sha256:<hex>") verified to give this entry's diff id? */
bool lc_entry_has_digest(const struct lc_entry *e, const char *digest);

/* One record's contents read back and verified. */
struct lc_blob {
    uint64_t size; /* the file's */
    size_t n_ranges;
    struct lc_range ranges[LC_MAX_RANGES];
    uint8_t *buf;         /* owned */
    const uint8_t *bytes; /* the ranges' bytes, concatenated, inside buf */
};

/*
 * Read record i back, for a file the image's tree says is size bytes long
 * (checked before anything is allocated, so a record cannot make a scan
 * allocate more than the file). KS_EPARSE (err names the cache file and
 * says why) when the record's size differs or its checksum or ranges are
 * wrong: the record is then remembered as damaged (lc_commit rewrites it).
 */
enum ks_code lc_entry_blob(struct lc_entry *e, size_t i, uint64_t size, struct lc_blob **out,
                           struct ks_err *err);
bool lc_blob_whole(const struct lc_blob *b);
/* The bytes at offset off (inside a range), n at most; 0 when off is in no range. */
size_t lc_blob_at(const struct lc_blob *b, uint64_t off, const uint8_t **p);
/* A whole blob's contents as one heap buffer of size bytes (b is freed). */
char *lc_blob_take_whole(struct lc_blob *b);
void lc_blob_free(struct lc_blob *b);

/* ------------------------------------------------------------------------ */
/* Writing.                                                                 */

/*
 * Records a layer's index while pass 1 streams it (img_record_fn), into a
 * temporary file in the cache. I/O problems are logged once and make the
 * writer broken (nothing is committed); only KS_ENOMEM is an error.
 */
struct lc_writer;

enum ks_code lc_writer_new(struct lc_cache *c, struct lc_writer **out, struct ks_err *err);
enum ks_code lc_writer_entry(void *w, const struct img_entry *e, struct ks_err *err);
/* The layer was read to its end and both digests checked. */
void lc_writer_finish(struct lc_writer *w, uint64_t tar_bytes);
void lc_writer_free(struct lc_writer *w); /* removes an uncommitted temporary file */

/* What a scan learnt about one entry's contents. */
struct lc_content {
    uint32_t ordinal;
    uint64_t size;
    const uint8_t *whole; /* all size bytes (verified), or NULL */
    bool keep_whole;      /* store all of whole, not only the ranges read */
    const struct lc_range *ranges; /* read in this scan (sorted, disjoint) */
    size_t n_ranges;
};

/*
 * Store what this scan learnt about the layer diff_id: its index (from w
 * when pass 1 streamed it, else from loaded), the blob digest that was
 * verified to give it (digest may be NULL or ""), and contents (sorted by
 * ordinal). Merged with the entry on disk now, under the cache lock;
 * written to a temporary file, renamed into place, then older entries are
 * evicted. *wrote says whether anything changed. I/O problems are logged
 * and give KS_OK; only KS_ENOMEM is an error.
 */
enum ks_code lc_commit(struct lc_cache *c, const char *diff_id, const char *digest,
                       struct lc_writer *w, struct lc_entry *loaded,
                       const struct lc_content *recs, size_t n, bool *wrote, struct ks_err *err);

#endif
