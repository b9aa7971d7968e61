/*
 * base.h: the small pieces every module uses (STYLE.md): errors, string views,
 * allocation with failure injection, arena, growable buffer, vector, seeded
 * hash map, cursor helpers for untrusted bytes, logging, files, hashing, time
 * and a thin strict layer over jansson. This is the only header of src/base/
 * that other modules include (plus banned.h, last, in every .c).
 */
#ifndef KS_BASE_H
#define KS_BASE_H

#include "base/config.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#if defined(__GNUC__) || defined(__clang__)
#define KS_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define KS_UNUSED            __attribute__((unused))
#define KS_NORETURN          __attribute__((noreturn))
#else
#define KS_PRINTF(fmt, args)
#define KS_UNUSED
#define KS_NORETURN
#endif

#define KS_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define KS_MIN(a, b)    ((a) < (b) ? (a) : (b))
#define KS_MAX(a, b)    ((a) > (b) ? (a) : (b))

/* Our own broken invariant (never bad input): print and abort. */
#define KS_BUG(...) ks_bug(__FILE__, __LINE__, __VA_ARGS__)
KS_NORETURN void ks_bug(const char *file, int line, const char *fmt, ...) KS_PRINTF(3, 4);

/* ------------------------------------------------------------------------ */
/* Errors (STYLE.md §4)                                                     */

#define KS_CODES(X)                                                                                \
    X(OK, "success")                                                                               \
    X(ENOMEM, "out of memory")                                                                     \
    X(EINVAL, "invalid argument")                                                                  \
    X(EPARSE, "malformed input")                                                                   \
    X(ETOOBIG, "over a limit")                                                                     \
    X(EIO, "i/o error")                                                                            \
    X(ENOTFOUND, "not found")                                                                      \
    X(EDB, "database error")                                                                       \
    X(EUNSUPPORTED, "not supported")                                                               \
    X(ENET, "network error")                                                                       \
    X(EAUTH, "authentication failed")                                                              \
    X(ECONFLICT, "conflict")                                                                       \
    X(EINTERNAL, "internal error")

enum ks_code {
#define KS_CODE_ENUM(name, text) KS_##name,
    KS_CODES(KS_CODE_ENUM)
#undef KS_CODE_ENUM
        KS_CODE_COUNT
};

/* "EPARSE" for KS_EPARSE; never NULL. */
const char *ks_code_name(enum ks_code code);
/* "malformed input" for KS_EPARSE; never NULL. */
const char *ks_code_text(enum ks_code code);

/*
 * One error type. msg says what failed and where, in lower case without a
 * full stop: "dpkg: var/lib/dpkg/status:1402: field 'Version' is empty".
 */
struct ks_err {
    enum ks_code code;
    char msg[512];
};

#define KS_ERR_INIT {KS_OK, {0}}

/* Fills err (may be NULL) and returns code: `return ks_err_set(err, ...)`. */
enum ks_code ks_err_set(struct ks_err *err, enum ks_code code, const char *fmt, ...)
    KS_PRINTF(3, 4);
enum ks_code ks_err_setv(struct ks_err *err, enum ks_code code, const char *fmt, va_list ap);
/*
 * Prefix the message already in err with more context ("while reading 'x': ")
 * and return err->code. For layers that add where, never what.
 */
enum ks_code ks_err_prefix(struct ks_err *err, const char *fmt, ...) KS_PRINTF(2, 3);
void ks_err_clear(struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Overflow-checked size arithmetic: false (and *out untouched) on overflow. */

bool ks_size_add(size_t a, size_t b, size_t *out);
bool ks_size_mul(size_t a, size_t b, size_t *out);

/* ------------------------------------------------------------------------ */
/* Allocation. Every allocation under src/ goes through these, so tests can  */
/* make the Nth one fail (ks_alloc_fail_at) and check for KS_ENOMEM.         */

void *ks_malloc(size_t n);
void *ks_calloc(size_t count, size_t size);
void *ks_realloc(void *p, size_t n);
void ks_free(void *p);
char *ks_strdup(const char *s);
char *ks_strndup(const char *s, size_t n);

/*
 * Test hook: the n-th allocation from now (1-based) and every later one fail;
 * 0 switches failure injection off. Returns the number of allocations made
 * since the last call. Not thread-safe; for single-threaded tests only.
 */
size_t ks_alloc_fail_at(size_t n);

/* ------------------------------------------------------------------------ */
/* String views: borrowed, not NUL-terminated.                              */

struct ks_str {
    const char *ptr;
    size_t len;
};

#define KS_STR(lit)     ((struct ks_str){(lit), sizeof(lit) - 1})
#define KS_STR_NULL     ((struct ks_str){NULL, 0})
#define KS_STR_FMT      "%.*s"
#define KS_STR_ARG(s)   (int)((s).len > 0x7fffffff ? 0x7fffffff : (s).len), ((s).ptr ? (s).ptr : "")

struct ks_str ks_str_c(const char *s); /* view of a C string; NULL gives {NULL, 0} */
struct ks_str ks_str_make(const char *p, size_t n);
bool ks_str_eq(struct ks_str a, struct ks_str b);
bool ks_str_eq_c(struct ks_str a, const char *b);
bool ks_str_ieq_c(struct ks_str a, const char *b); /* ASCII case-insensitive */
bool ks_str_has_prefix(struct ks_str s, const char *prefix);
bool ks_str_has_suffix(struct ks_str s, const char *suffix);
int ks_str_cmp(struct ks_str a, struct ks_str b); /* memcmp order, shorter first on tie */
struct ks_str ks_str_trim(struct ks_str s);       /* ASCII space, tab, CR, LF */
struct ks_str ks_str_sub(struct ks_str s, size_t from, size_t len);
/* Index of the first c in s, or -1. */
ptrdiff_t ks_str_find_char(struct ks_str s, char c);
/* Split at the first `sep`: head before it, tail after it; false if absent. */
bool ks_str_split2(struct ks_str s, char sep, struct ks_str *head, struct ks_str *tail);

/*
 * Parse a decimal unsigned integer from all of s (no sign, no spaces).
 * KS_EPARSE if empty or non-digit, KS_ETOOBIG if over max.
 */
enum ks_code ks_parse_u64(struct ks_str s, uint64_t max, uint64_t *out);

/* ------------------------------------------------------------------------ */
/* Arena: everything made for one scan, request or import; freed in one call. */

struct ks_arena;

/* chunk_size is the default block size (rounded up to at least 4 KiB). NULL on OOM. */
struct ks_arena *ks_arena_new(size_t chunk_size);
void ks_arena_free(struct ks_arena *a); /* NULL is a no-op; runs on_free callbacks LIFO */
/* NULL on OOM or overflow. Memory is aligned for any type; calloc zeroes it. */
void *ks_arena_alloc(struct ks_arena *a, size_t n);
void *ks_arena_calloc(struct ks_arena *a, size_t count, size_t size);
void *ks_arena_memdup(struct ks_arena *a, const void *p, size_t n);
char *ks_arena_strdup(struct ks_arena *a, const char *s);     /* NULL s gives NULL */
char *ks_arena_strndup(struct ks_arena *a, const char *s, size_t n);
char *ks_arena_strdup_str(struct ks_arena *a, struct ks_str s); /* NUL-terminated copy */
char *ks_arena_sprintf(struct ks_arena *a, const char *fmt, ...) KS_PRINTF(2, 3);
/* Register a non-memory resource to release when the arena is freed. 0 on OOM. */
bool ks_arena_on_free(struct ks_arena *a, void (*fn)(void *), void *arg);
/* Bytes handed out so far (for limits and benchmarks). */
size_t ks_arena_used(const struct ks_arena *a);

/* ------------------------------------------------------------------------ */
/* Growable buffer: data is never NULL and always NUL-terminated; grows up   */
/* to max bytes; appends record the first failure; check ks_buf_err once.    */

struct ks_buf {
    char *data;
    size_t len;
    size_t cap; /* 0 while data points at the shared empty string */
    size_t max;
    enum ks_code err;
};

#define KS_BUF_INIT(max_bytes) {(char *)ks_buf_empty_, 0, 0, (max_bytes), KS_OK}
extern const char ks_buf_empty_[1];

void ks_buf_init(struct ks_buf *b, size_t max);
void ks_buf_release(struct ks_buf *b);
void ks_buf_reset(struct ks_buf *b); /* len = 0, keeps memory, clears err */
/* Heap string owned by the caller (ks_free); the buffer is left empty. NULL on error. */
char *ks_buf_detach(struct ks_buf *b, size_t *len);
void ks_buf_append(struct ks_buf *b, const void *p, size_t n);
void ks_buf_appends(struct ks_buf *b, const char *s);
void ks_buf_append_str(struct ks_buf *b, struct ks_str s);
void ks_buf_putc(struct ks_buf *b, char c);
void ks_buf_appendf(struct ks_buf *b, const char *fmt, ...) KS_PRINTF(2, 3);
void ks_buf_appendv(struct ks_buf *b, const char *fmt, va_list ap);
/* Make room for n more bytes; returns a pointer to write at, or NULL (err set). */
char *ks_buf_reserve(struct ks_buf *b, size_t n);
enum ks_code ks_buf_err(const struct ks_buf *b);
static inline struct ks_str ks_buf_str(const struct ks_buf *b)
{
    return (struct ks_str){b->data, b->len};
}

/* ------------------------------------------------------------------------ */
/* Vector: growable array of fixed-size elements (heap).                    */

struct ks_vec {
    void *items;
    size_t len;
    size_t cap;
    size_t elem_size;
};

#define KS_VEC_INIT(type) {NULL, 0, 0, sizeof(type)}

void ks_vec_init(struct ks_vec *v, size_t elem_size);
void ks_vec_release(struct ks_vec *v);
/* A zeroed slot at the end, or NULL on OOM (the vector is unchanged). */
void *ks_vec_push(struct ks_vec *v);
bool ks_vec_reserve(struct ks_vec *v, size_t n);
void ks_vec_sort(struct ks_vec *v, int (*cmp)(const void *, const void *));
static inline void *ks_vec_at(const struct ks_vec *v, size_t i)
{
    return (char *)v->items + i * v->elem_size;
}

/* ------------------------------------------------------------------------ */
/* Hash map: string keys (copied), void* values, open addressing, SipHash    */
/* keyed with a per-process random seed: feeds and HTTP clients choose keys. */

struct ks_map;

struct ks_map *ks_map_new(void); /* NULL on OOM */
void ks_map_free(struct ks_map *m);
size_t ks_map_len(const struct ks_map *m);
/* The value for key, or NULL. */
void *ks_map_get(const struct ks_map *m, struct ks_str key);
bool ks_map_has(const struct ks_map *m, struct ks_str key);
/* Insert or replace. If old is not NULL it receives the replaced value (or NULL). */
enum ks_code ks_map_put(struct ks_map *m, struct ks_str key, void *value, void **old);
/* Remove; returns the removed value or NULL. */
void *ks_map_del(struct ks_map *m, struct ks_str key);
/* Iterate: start with *pos = 0; returns false at the end. Order is unspecified. */
bool ks_map_next(const struct ks_map *m, size_t *pos, struct ks_str *key, void **value);
/* SipHash-2-4 with the process seed (also for callers' own tables). */
uint64_t ks_hash(const void *p, size_t n);

/* ------------------------------------------------------------------------ */
/* Cursor over untrusted bytes (STYLE.md §5).                               */

struct ks_cur {
    const char *p, *end;
};

static inline struct ks_cur ks_cur_make(const void *p, size_t n)
{
    return (struct ks_cur){(const char *)p, (const char *)p + n};
}
static inline size_t ks_cur_left(const struct ks_cur *c)
{
    return (size_t)(c->end - c->p);
}
/*
 * Next line without its LF (and without a CR before it). KS_ENOTFOUND at the
 * end, KS_ETOOBIG if a line is longer than max (the cursor then skips it).
 */
enum ks_code ks_cur_line(struct ks_cur *c, size_t max, struct ks_str *line);
/* Bytes before delim, stepping past it. KS_EPARSE if absent, KS_ETOOBIG if over max. */
enum ks_code ks_cur_take_until(struct ks_cur *c, char delim, size_t max, struct ks_str *out);

/* ------------------------------------------------------------------------ */
/* Logging to stderr: error, warn, info, debug; debug per module.           */

enum ks_log_level { KS_LOG_ERROR, KS_LOG_WARN, KS_LOG_INFO, KS_LOG_DEBUG };

void ks_log(enum ks_log_level level, const char *module, const char *fmt, ...) KS_PRINTF(3, 4);
void ks_log_set_level(enum ks_log_level level);
enum ks_log_level ks_log_get_level(void);
/* "error"|"warn"|"info"|"debug" -> level; KS_EINVAL otherwise. */
enum ks_code ks_log_parse_level(const char *s, enum ks_log_level *out);
/* Comma-separated module names (prefix match on the dot path: "inventory" */
/* covers "inventory.dpkg"), or "all". Implies debug for those modules.      */
enum ks_code ks_log_enable_debug(const char *modules);
bool ks_log_enabled(enum ks_log_level level, const char *module);
/* Redirect output (tests); NULL restores stderr. */
void ks_log_set_stream(FILE *f);
/* Count of warnings logged since start (summaries, tests). */
size_t ks_log_warn_count(void);

/* ------------------------------------------------------------------------ */
/* Files.                                                                   */

/*
 * Read a whole file into buf (appending). KS_ETOOBIG if it is over max
 * bytes, KS_ENOTFOUND if it does not exist, KS_EIO otherwise; err names path.
 */
enum ks_code ks_file_read(const char *path, size_t max, struct ks_buf *buf, struct ks_err *err);
/* Read all of an open stream (stdin) with the same limit rules. */
enum ks_code ks_stream_read(FILE *f, const char *name, size_t max, struct ks_buf *buf,
                            struct ks_err *err);
/*
 * Replace path atomically: write to a temporary file beside it, fsync,
 * rename over path, fsync the directory. mode is the new file's mode.
 */
enum ks_code ks_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                                  struct ks_err *err);
/* mkdir -p; existing directories are fine. */
enum ks_code ks_mkdir_p(const char *path, unsigned mode, struct ks_err *err);
bool ks_path_exists(const char *path);

/* ------------------------------------------------------------------------ */
/* Hashing and randomness.                                                  */

/* SHA-256 of data as 64 lowercase hex chars + NUL into hex[65]. */
void ks_sha256_hex(const void *data, size_t len, char hex[65]);
void ks_sha256(const void *data, size_t len, unsigned char out[32]);
void ks_hex_encode(const unsigned char *in, size_t n, char *out /* 2n+1 */);
/* Fill with cryptographically secure random bytes (getrandom). */
enum ks_code ks_random_bytes(void *out, size_t n, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Time.                                                                    */

/* Wall clock, honouring SOURCE_DATE_EPOCH when set (reproducible output). */
time_t ks_time_now(void);
/* The same in epoch milliseconds (SOURCE_DATE_EPOCH gives whole seconds). */
int64_t ks_time_now_ms(void);
/* "2026-11-21T23:54:03Z" into out[21]. */
void ks_time_rfc3339(time_t t, char out[21]);
/*
 * Parse RFC 3339 / ISO 8601 timestamps as feeds write them: date only,
 * "T" or space, optional seconds, fraction, "Z" or +hh:mm / +hhmm.
 */
enum ks_code ks_time_parse(struct ks_str s, time_t *out);
/* Monotonic clock in nanoseconds (benchmarks, timeouts). */
uint64_t ks_clock_ns(void);

/* ------------------------------------------------------------------------ */
/* JSON over jansson. Untrusted input is parsed strictly: invalid UTF-8,    */
/* \u0000 and duplicate keys are errors naming the source and line:column.  */

typedef struct json_t json_t;

/* Limits for one document (STYLE.md §5). */
#define KS_JSON_MAX_DEPTH 256 /* jansson's own compile-time limit is 2048 */

/*
 * Parse len bytes of one JSON document. `source` names it in errors
 * ("package-lock.json"). *out is a new reference the caller json_decref()s.
 */
enum ks_code ks_json_parse(const void *data, size_t len, const char *source, json_t **out,
                           struct ks_err *err);
/* Typed lookups: NULL / false / fallback when absent or of another type. */
const char *ks_json_str(const json_t *obj, const char *key);
struct ks_str ks_json_strv(const json_t *obj, const char *key);
json_t *ks_json_obj(const json_t *obj, const char *key);
json_t *ks_json_arr(const json_t *obj, const char *key);
bool ks_json_bool(const json_t *obj, const char *key, bool fallback);
double ks_json_num(const json_t *obj, const char *key, double fallback);
/*
 * Serialise compactly into buf (appending). Key order is insertion order, so
 * output is deterministic when construction is. pretty indents by 2.
 */
enum ks_code ks_json_dump(const json_t *v, bool pretty, struct ks_buf *buf, struct ks_err *err);
/* Route jansson's allocations through ks_malloc/ks_free (done once at startup). */
void ks_json_use_ks_alloc(void);

/* ------------------------------------------------------------------------ */
/* TOML 1.0 (toml.c) and YAML (yaml.c, libyaml) into jansson trees, so       */
/* lockfiles in those formats are read like JSON ones.                       */

#define KS_TOML_MAX_DEPTH 128

/*
 * Parse a TOML document strictly (invalid UTF-8, duplicate keys, tables
 * defined twice, bad escapes and numbers are errors naming
 * source:line:column) into a new object the caller json_decref()s. Integers
 * become json integers, floats reals (inf/nan strings), date-times their
 * text. Nesting over KS_TOML_MAX_DEPTH is KS_ETOOBIG. Thread-safe.
 */
enum ks_code ks_toml_parse(const void *data, size_t len, const char *source, json_t **out,
                           struct ks_err *err);

/* Limits for YAML documents (aliases are the billion-laughs vector). */
#define KS_YAML_MAX_DEPTH 256
#define KS_YAML_MAX_NODES 5000000 /* nodes built per document, aliases expanded */

/*
 * Parse YAML into json trees: mappings become objects (keys as their scalar
 * text; a duplicate key is an error), sequences arrays, and every scalar a
 * string (plain `null`/`~` become json null; no other implicit typing, so a
 * version 1.10 stays "1.10"). Anchors and aliases are resolved, with every
 * expanded node counted against KS_YAML_MAX_NODES. *out is an array with
 * one element per document (an empty document is null). Errors name
 * source:line:column. Thread-safe.
 */
enum ks_code ks_yaml_parse(const void *data, size_t len, const char *source, json_t **out,
                           struct ks_err *err);

#endif
