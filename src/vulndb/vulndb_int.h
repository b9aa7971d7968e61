/*
 * vulndb_int.h: private to src/vulndb/. The importer interface (a byte
 * stream in, records out through a sink), the importer table, the builder
 * that writes a new DB file, and small shared helpers. To add a feed: write
 * import_<name>.c with a sniff and an import function, and add one row to
 * the table in importers.c (see docs/vulndb.md, "Adding an importer").
 */
#ifndef KS_VULNDB_INT_H
#define KS_VULNDB_INT_H

#include "vulndb/vulndb.h"

#include <sys/types.h>

struct archive;
struct sqlite3;
struct sqlite3_stmt;

/* ------------------------------------------------------------------------ */
/* Limits (STYLE.md §5).                                                    */

#define KS_VDB_MAX_RECORD   ((size_t)64 << 20) /* one record / document read whole */
#define KS_VDB_MAX_ELEMENT  ((size_t)64 << 20) /* one element of a streamed JSON array */
#define KS_VDB_MAX_ENVELOPE ((size_t)1 << 20)  /* the rest of a streamed JSON document */
#define KS_VDB_HEAD_BYTES   ((size_t)64 << 10) /* bytes peeked from each document */
#define KS_VDB_SNIFF_BYTES  ((size_t)4 << 10)  /* of which sniffers look at */
#define KS_VDB_MAX_ENTRIES  2000000            /* files in one archive or directory walk */
#define KS_VDB_MAX_DEPTH    16                 /* directory levels */
#define KS_VDB_MAX_LINE     ((size_t)1 << 16)  /* one CSV line */
#define KS_VDB_MAX_ID       256                /* advisory / CVE id length */
#define KS_VDB_MAX_ARRAY    100000             /* entries of one array in a record */
#define KS_VDB_ZSTD_LEVEL   1                  /* stored advisory documents */

/* ------------------------------------------------------------------------ */
/* Streams: what an importer reads. A plain file, a decompressed file, a   */
/* zip entry, or memory (tests, fuzzing). The first bytes are peeked for    */
/* sniffing and handed out again by ks_vdb_read().                          */

struct ks_vdb_stream {
    const char *name; /* for messages: "osv/Go/all.zip:GO-2023-1840.json" */
    /* exactly one source */
    struct archive *ar; /* reading the current entry's data */
    int fd;             /* -1 when unused */
    const char *mem;
    size_t mem_len, mem_pos;
    /* peeked head */
    char *head;
    size_t head_len, head_pos;
    uint64_t offset; /* bytes handed out so far (for messages) */
    bool eof;
    struct ks_sha256_stream *hash; /* when set, every byte read is hashed */
};

void ks_vdb_stream_mem(struct ks_vdb_stream *s, const char *name, const void *p, size_t n);
/* Read up to n bytes: >0 bytes, 0 at the end, -1 on error (err names the stream). */
ssize_t ks_vdb_read(struct ks_vdb_stream *s, void *buf, size_t n, struct ks_err *err);
/* Read the rest into buf (appending), failing with KS_ETOOBIG past max. */
enum ks_code ks_vdb_read_all(struct ks_vdb_stream *s, size_t max, struct ks_buf *buf,
                             struct ks_err *err);
/* Fill s->head with up to KS_VDB_HEAD_BYTES (no-op if already done). */
enum ks_code ks_vdb_peek(struct ks_vdb_stream *s, struct ks_err *err);
void ks_vdb_stream_release(struct ks_vdb_stream *s);

/* Incremental SHA-256 (OpenSSL EVP). */
struct ks_sha256_stream {
    void *ctx;
};
enum ks_code ks_sha256_stream_begin(struct ks_sha256_stream *h);
/* One-shot SHA-256 reusing h's context (OpenSSL 3 makes ks_sha256's per-call fetch costly). */
void ks_sha256_stream_once(struct ks_sha256_stream *h, const void *p, size_t n,
                           unsigned char out[32]);
void ks_sha256_stream_update(struct ks_sha256_stream *h, const void *p, size_t n);
void ks_sha256_stream_end(struct ks_sha256_stream *h, char hex[65]); /* also frees */

/* ------------------------------------------------------------------------ */
/* Sinks: where importers put records. The builder is one; the fuzz targets */
/* and unit tests use counting sinks.                                       */

struct ks_vdb_sink;

struct ks_vdb_sink_ops {
    enum ks_code (*advisory)(struct ks_vdb_sink *s, const struct ks_advisory *adv,
                             struct ks_err *err);
    enum ks_code (*nvd)(struct ks_vdb_sink *s, const struct ks_nvd_record *rec,
                        struct ks_err *err);
    enum ks_code (*epss)(struct ks_vdb_sink *s, struct ks_str cve, double score,
                         double percentile, struct ks_err *err);
    enum ks_code (*kev)(struct ks_vdb_sink *s, const struct ks_kev *kev, struct ks_err *err);
    /* The feed's own metadata: "data_time" (EPSS score_date, KEV dateReleased, ...). */
    void (*meta)(struct ks_vdb_sink *s, const char *key, const char *value);
};

struct ks_vdb_importer;

struct ks_vdb_sink {
    const struct ks_vdb_sink_ops *ops;
    void *ctx;
    const struct ks_vdb_importer *importer; /* set by the driver before each document */
    const char *file;  /* the document being read (for warnings) */
    uint64_t malformed; /* records skipped with a warning */
    uint64_t records;   /* records handed to the sink */
};

/*
 * A record could not be used: log a warning naming the file and the record
 * id (or its position when it has none) and count it. Importing goes on.
 */
void ks_vdb_malformed(struct ks_vdb_sink *s, const char *record, const char *fmt, ...)
    KS_PRINTF(3, 4);
/* Convenience wrappers that count records. */
enum ks_code ks_vdb_put_advisory(struct ks_vdb_sink *s, const struct ks_advisory *adv,
                                 struct ks_err *err);
enum ks_code ks_vdb_put_nvd(struct ks_vdb_sink *s, const struct ks_nvd_record *rec,
                            struct ks_err *err);
enum ks_code ks_vdb_put_epss(struct ks_vdb_sink *s, struct ks_str cve, double score, double pct,
                             struct ks_err *err);
enum ks_code ks_vdb_put_kev(struct ks_vdb_sink *s, const struct ks_kev *kev, struct ks_err *err);
void ks_vdb_put_meta(struct ks_vdb_sink *s, const char *key, const char *value);

/* ------------------------------------------------------------------------ */
/* Importers.                                                               */

/*
 * How a document maps to sources: a FEED document is a source of its own
 * (an NVD yearly file, the EPSS CSV, the KEV catalog); RECORD documents hold
 * one record each and join the source of the archive or directory holding
 * them (OSV's all.zip, a directory of OSV YAML).
 */
enum ks_vdb_doc { KS_VDB_DOC_RECORD, KS_VDB_DOC_FEED };

/*
 * A record document parsed ahead, on any thread, without the sink: what a
 * prepare function fills and its put function hands to the sink later on
 * the importing thread. Owns its arena and state; release frees them.
 */
struct ks_vdb_prepared {
    struct ks_arena *arena;
    void *state;     /* the importer's, allocated in arena */
    enum ks_code rc; /* KS_ENOMEM when preparing failed for lack of memory */
};

struct ks_vdb_importer {
    const char *kind;     /* source name prefix: "osv", "nvd", "epss", "kev" */
    const char *format;   /* for messages and docs: "OSV JSON", "NVD CVE API 2.0 feed" */
    enum ks_vdb_doc doc;
    bool unlabeled;       /* one source per kind ("epss", "kev"), not "<kind>:<label>" */
    /*
     * 0..100: how sure the importer is that a document with this head (the
     * first up to KS_VDB_HEAD_BYTES decompressed bytes) and file name is
     * its format. The best score >= KS_VDB_SNIFF_MIN wins.
     */
    int (*sniff)(struct ks_str head, const char *name);
    /* Read the whole document from `in` and put its records into `sink`. */
    enum ks_code (*import)(struct ks_vdb_stream *in, struct ks_vdb_sink *sink,
                           struct ks_err *err);
    /*
     * Snapshot sources replace everything they held on re-import; an
     * incremental source (NVD modified/recent feeds, API pages) only adds
     * and updates. NULL: always snapshot.
     */
    bool (*incremental)(const char *source_name);
    /*
     * Optional (record documents): parse a whole document held in memory
     * (data is handed over: the prepared record owns it, ks_free) without
     * touching a sink, so worker threads can do it; put then stores the
     * result through the sink on the importing thread, and release frees
     * it. Archives of records use them to parse in parallel.
     */
    void (*prepare)(char *data, size_t len, const char *name, struct ks_vdb_prepared *out);
    enum ks_code (*put)(struct ks_vdb_prepared *p, struct ks_vdb_sink *sink, struct ks_err *err);
    void (*release)(struct ks_vdb_prepared *p);
};

#define KS_VDB_SNIFF_MIN 30

extern const struct ks_vdb_importer ks_vdb_importers[];
extern const size_t ks_vdb_n_importers;

/* The best importer for head/name, or NULL. */
const struct ks_vdb_importer *ks_vdb_sniff(struct ks_str head, const char *name);

/* Importer entry points (one file each). */
int ks_vdb_osv_sniff(struct ks_str head, const char *name);
enum ks_code ks_vdb_osv_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink,
                               struct ks_err *err);
void ks_vdb_osv_prepare(char *data, size_t len, const char *name, struct ks_vdb_prepared *out);
enum ks_code ks_vdb_osv_put(struct ks_vdb_prepared *p, struct ks_vdb_sink *sink,
                            struct ks_err *err);
void ks_vdb_osv_release(struct ks_vdb_prepared *p);
int ks_vdb_osv_yaml_sniff(struct ks_str head, const char *name);
enum ks_code ks_vdb_osv_yaml_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink,
                                    struct ks_err *err);
int ks_vdb_nvd_feed_sniff(struct ks_str head, const char *name);
int ks_vdb_nvd_record_sniff(struct ks_str head, const char *name);
enum ks_code ks_vdb_nvd_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink,
                               struct ks_err *err);
bool ks_vdb_nvd_incremental(const char *source_name);
int ks_vdb_epss_sniff(struct ks_str head, const char *name);
enum ks_code ks_vdb_epss_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink,
                                struct ks_err *err);
int ks_vdb_kev_sniff(struct ks_str head, const char *name);
enum ks_code ks_vdb_kev_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink,
                               struct ks_err *err);

/* One NVD `cve` object (the API's vulnerabilities[].cve) into *out (arena). */
enum ks_code ks_vdb_nvd_from_json(const json_t *cve, struct ks_arena *arena,
                                  struct ks_nvd_record *out, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* An ordered pipeline (pipe.c): work(item) runs on worker threads, items   */
/* come back from take() in the order they were pushed. Push only when not  */
/* full; take every item back before freeing the pipe. Not thread-safe      */
/* itself: one thread pushes and takes. Inline when no threads can start.   */

struct ks_vdb_pipe;

struct ks_vdb_pipe *ks_vdb_pipe_new(void (*work)(void *item)); /* NULL on OOM */
bool ks_vdb_pipe_full(const struct ks_vdb_pipe *p);
void ks_vdb_pipe_push(struct ks_vdb_pipe *p, void *item);
/* The oldest item if its work is done (or, with wait, once it is); NULL when empty. */
void *ks_vdb_pipe_take(struct ks_vdb_pipe *p, bool wait);
void ks_vdb_pipe_free(struct ks_vdb_pipe *p);

/* ------------------------------------------------------------------------ */
/* Streaming JSON: the elements of one top-level array member, one at a     */
/* time, without building the whole document (NVD yearly files are 20+ MB  */
/* of JSON; the real ones are 10x that). Everything else of the top-level   */
/* object is kept (up to KS_VDB_MAX_ENVELOPE) and parsed at the end.       */

/* Called with each element's text; return non-OK to stop. */
typedef enum ks_code (*ks_jsplit_fn)(void *ctx, const char *elem, size_t len, uint64_t index,
                                     struct ks_err *err);

/*
 * Read a JSON document `{..., "<member>": [elem, elem, ...], ...}` from in.
 * Elements must be objects. *envelope (may be NULL) receives the other
 * members as a parsed object (new reference). KS_EPARSE names the byte
 * offset of a structural error (unbalanced brackets, truncation, garbage
 * after the document). The member may be absent (no callbacks).
 */
enum ks_code ks_jsplit(struct ks_vdb_stream *in, const char *member, ks_jsplit_fn fn, void *ctx,
                       json_t **envelope, struct ks_err *err);
/* The same for a document that is one top-level array of objects (AlmaLinux errata). */
enum ks_code ks_jsplit_array(struct ks_vdb_stream *in, ks_jsplit_fn fn, void *ctx,
                             struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* YAML (libyaml) into jansson, for OSV YAML records. Plain scalars stay    */
/* strings (versions like 1.10 must not become numbers) except null/~ and  */
/* true/false. Aliases, tags with other meanings and duplicate keys are     */
/* rejected; depth and node count are limited.                              */

enum ks_code ks_vdb_yaml_to_json(const char *data, size_t len, const char *source, json_t **out,
                                 struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Compact encoding of an affected entry's version data (the `ranges`       */
/* column): decoding is a bounds-checked walk with no allocation beyond the */
/* event and range arrays; strings point into the blob. Format in docs.     */

enum ks_code ks_vdb_ranges_encode(const struct ks_adv_affected *aff, struct ks_buf *out);
enum ks_code ks_vdb_ranges_decode(const void *blob, size_t len, enum ks_scheme scheme,
                                  struct ks_arena *arena, struct ks_osv_affected *out,
                                  struct ks_err *err);

/* A stored advisory document (zstd-compressed JSON) parsed; *out is a new reference. */
enum ks_code ks_vdb_doc_decode(const void *blob, size_t len, json_t **out, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* SQLite helpers and the schema.                                           */

extern const char ks_vdb_schema_sql[];
#define KS_VDB_APPLICATION_ID 0x4b534442 /* "KSDB" */

/* KS_EDB with sqlite's message: "vulndb: <what>: <sqlite message>". */
enum ks_code ks_vdb_sqlerr(struct sqlite3 *db, struct ks_err *err, const char *what);
enum ks_code ks_vdb_exec(struct sqlite3 *db, const char *sql, struct ks_err *err);
enum ks_code ks_vdb_prepare(struct sqlite3 *db, const char *sql, struct sqlite3_stmt **st,
                            struct ks_err *err);
/* Bind a string view (NULL ptr binds NULL). */
int ks_vdb_bind_str(struct sqlite3_stmt *st, int i, struct ks_str s);
int ks_vdb_bind_cstr(struct sqlite3_stmt *st, int i, const char *s);
/* Column text copied into arena (NULL stays NULL). */
const char *ks_vdb_col_str(struct sqlite3_stmt *st, int i, struct ks_arena *a);
/* meta table: value of key into arena, or NULL. */
const char *ks_vdb_meta_get(struct sqlite3 *db, const char *key, struct ks_arena *a);

/* The family part of an ecosystem string: "Debian:12" -> "Debian". */
struct ks_str ks_vdb_eco_family(struct ks_str ecosystem);
/*
 * The member names of the JSON object that head starts (or of the first
 * object of a top-level array), in order, as far as head goes: fn gets
 * each key and its value's text (cut short when head ends inside it) and
 * returns false to stop. Values are skipped structurally, not validated.
 * For sniffers: key order varies between feeds, so substring checks of a
 * head are not enough. Returns the number of keys seen.
 */
size_t ks_vdb_json_keys(struct ks_str head,
                        bool (*fn)(void *ctx, struct ks_str key, struct ks_str value), void *ctx);
/* memmem (glibc declares it only under _GNU_SOURCE). */
const void *ks_vdb_memmem(const void *hay, size_t n, const void *needle, size_t k);
/* "CVE-2021-44228" -> true (also checks digits). */
bool ks_vdb_is_cve(struct ks_str s);

/* ------------------------------------------------------------------------ */
/* The builder: a new DB file beside the old one.                           */

struct ks_vdb_build;

/*
 * Take the writer lock (<db>.lock), remove leftovers of killed runs, copy
 * the old DB (if any, and of this schema version) to <db>.new-<pid>, open
 * it for writing. command names the run in the update log ("import").
 */
enum ks_code ks_vdb_build_begin(const char *db_path, const char *command, bool force,
                                struct ks_vdb_build **out, struct ks_err *err);
/* The sink that stores records (source chosen by sink->importer and the label). */
struct ks_vdb_sink *ks_vdb_build_sink(struct ks_vdb_build *b);
/*
 * Before each document of the open container: route its records to the
 * source "<imp->kind>:<label>" (created if new; an empty document still
 * counts as the source's whole content). file names it in warnings.
 */
enum ks_code ks_vdb_build_use(struct ks_vdb_build *b, const struct ks_vdb_importer *imp,
                              const char *file, struct ks_err *err);
/* After each document: charge the malformed records counted since to its source. */
void ks_vdb_build_doc_done(struct ks_vdb_build *b, uint64_t malformed_before);
/*
 * Start a container (file, archive, directory or URL) whose sources are
 * named "<kind>:<label>" ("kind" alone when label is NULL, e.g. "epss").
 * location is recorded in the sources table. digest is the raw bytes' sha256
 * (NULL when not known up front).
 */
enum ks_code ks_vdb_build_container_begin(struct ks_vdb_build *b, const char *label,
                                          const char *location, const char *digest,
                                          struct ks_err *err);
/* HTTP validators for the next container begun (update only). */
void ks_vdb_build_set_http(struct ks_vdb_build *b, const char *etag, const char *last_modified);
/* checked_at of a source in the old DB, 0 if it has none. */
time_t ks_vdb_build_source_checked(struct ks_vdb_build *b, const char *name);
/* End the container: snapshot removal for its sources, sources rows, counts. */
enum ks_code ks_vdb_build_container_end(struct ks_vdb_build *b, const char *digest,
                                        struct ks_err *err);
/* Drop the open container's partial state after an error (the build fails anyway). */
void ks_vdb_build_container_fail(struct ks_vdb_build *b);
/*
 * The old DB's record of a source (for conditional requests and the
 * unchanged-digest fast path). Fields borrowed from the builder; false if
 * the old DB has no such source.
 */
bool ks_vdb_build_old_source(struct ks_vdb_build *b, const char *name, const char **digest,
                             const char **etag, const char **last_modified,
                             const char **location);
/* Does the old DB hold sources read from a container with this label, all with this digest? */
bool ks_vdb_build_find_label(struct ks_vdb_build *b, const char *label, const char *digest);
/* Names of the old DB's sources with this label (borrowed); returns how many (<= max). */
size_t ks_vdb_build_label_sources(struct ks_vdb_build *b, const char *label, const char **names,
                                  size_t max);
/*
 * A source that was checked and found unchanged (same digest or HTTP 304):
 * keep its records, move its checked_at, report it with `state`.
 */
enum ks_code ks_vdb_build_unchanged(struct ks_vdb_build *b, const char *name,
                                    const char *location, const char *state,
                                    struct ks_err *err);
/* Report a source the mirror lacks (not an error, nothing changes). */
void ks_vdb_build_missing(struct ks_vdb_build *b, const char *name, const char *location);
/*
 * Finish: record the change set, content hash and metadata, and rename the
 * new file over the old one. If nothing changed and !always_write, the new
 * file is dropped and the old one kept (summary->written false). Fills
 * *summary (strings in arena). Frees b in every case.
 */
enum ks_code ks_vdb_build_commit(struct ks_vdb_build *b, bool always_write,
                                 struct ks_arena *arena, struct ks_vulndb_summary *summary,
                                 struct ks_err *err);
/* Give up: delete the new file, release the lock, free b. NULL is a no-op. */
void ks_vdb_build_abort(struct ks_vdb_build *b);
/* Directory of the DB (for downloads), borrowed. */
const char *ks_vdb_build_dir(const struct ks_vdb_build *b);

/* ------------------------------------------------------------------------ */
/* The import driver (import.c), shared by `db import` and `db update`.     */

/*
 * Import one local file as a container: detect compression/zip/plain by
 * magic bytes, sniff the documents, and feed the importers. label names its
 * sources (NULL: derived from the path). If `digest` is NULL it is computed
 * first; an unchanged digest skips the file unless the build is forced.
 */
enum ks_code ks_vdb_import_file(struct ks_vdb_build *b, const char *path, const char *label,
                                const char *location, struct ks_err *err);
/* Import every file under a directory (see ks_vulndb_import). */
enum ks_code ks_vdb_import_dir(struct ks_vdb_build *b, const char *path, struct ks_err *err);
/* The label a path's sources get: "<Eco>" for <Eco>/all.zip, "2021" for */
/* nvdcve-2.0-2021.json.gz, else the base name without extensions.       */
const char *ks_vdb_label_for_path(const char *path, struct ks_arena *a);

#endif
