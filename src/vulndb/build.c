/*
 * build.c: writing a new DB. Copy-then-modify: the old file is copied to
 * <db>.new-<pid>, sources are replaced in the copy (snapshot sources drop
 * what they no longer hold; records keep their content hash so identical
 * data changes nothing), the change set and metadata are written, and the
 * copy is fsynced and renamed over the old file. The old file is never
 * written, so readers (immutable mode) and a killed update are safe: a
 * leftover .new file is removed by the next writer, under the lock.
 */
#include "vulndb/vulndb_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>
#include <zstd.h>

#include "base/banned.h"

/* The state of one source while its container is imported. */
struct src_state {
    int64_t id;
    char *name;
    char *kind;
    bool snapshot;
    bool track;    /* it held records before: remember what is seen, drop the rest */
    bool existed;  /* its sources row existed before this run */
    bool epss_cleared;
    uint64_t records, malformed;
    uint64_t counts[KS_CHANGE_COUNT];
    char *data_time;
};

struct old_source {
    char *name, *label, *digest, *etag, *last_modified, *location;
    time_t checked_at;
    uint64_t records;
};

/* A source found unchanged: written into sources only if a new file is written. */
struct pending_check {
    char *name, *location, *etag, *last_modified;
};

struct result {
    char *name, *location, *state;
    uint64_t records, malformed;
    uint64_t counts[KS_CHANGE_COUNT];
};

struct eco_count {
    uint64_t counts[KS_CHANGE_COUNT];
};

enum {
    ST_ADV_GET,
    ST_ADV_INS,
    ST_ADV_UPD,
    ST_ADV_DEL,
    ST_ADV_OWNER,
    ST_ALIAS_INS,
    ST_ALIAS_DEL,
    ST_AFF_INS,
    ST_AFF_DEL,
    ST_AFF_PKGS,
    ST_MEM_INS,
    ST_MEM_DEL,
    ST_MEM_OTHER,
    ST_SEEN_ADV,
    ST_SEEN_CVE,
    ST_CHG_INS,
    ST_NVD_GET,
    ST_NVD_PUT,
    ST_EPSS_PUT,
    ST_KEV_GET,
    ST_KEV_PUT,
    ST_COUNT
};

static const char *const stmt_sql[ST_COUNT] = {
    [ST_ADV_GET] = "SELECT id, owner, modified, hash, withdrawn FROM advisories WHERE adv_id = ?",
    [ST_ADV_INS] = "INSERT INTO advisories(adv_id, owner, modified, withdrawn, hash, doc, head) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
    [ST_ADV_UPD] = "UPDATE advisories SET owner = ?, modified = ?, withdrawn = ?, hash = ?, "
                   "doc = ?, head = ? WHERE id = ?",
    [ST_ADV_DEL] = "DELETE FROM advisories WHERE id = ?",
    [ST_ADV_OWNER] = "UPDATE advisories SET owner = ? WHERE id = ?",
    [ST_ALIAS_INS] = "INSERT OR IGNORE INTO aliases(alias, adv, kind) VALUES (?, ?, ?)",
    [ST_ALIAS_DEL] = "DELETE FROM aliases WHERE adv = ?",
    [ST_AFF_INS] = "INSERT INTO affected(eco, name, release, adv, idx, withdrawn, ecosystem, "
                   "raw_name, purl, status, vendor_severity, ranges) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [ST_AFF_DEL] = "DELETE FROM affected WHERE adv = ?",
    [ST_AFF_PKGS] = "SELECT DISTINCT eco, release, name FROM affected WHERE adv = ?",
    [ST_MEM_INS] = "INSERT OR IGNORE INTO adv_sources(source, adv) VALUES (?, ?)",
    [ST_MEM_DEL] = "DELETE FROM adv_sources WHERE source = ? AND adv = ?",
    [ST_MEM_OTHER] = "SELECT source FROM adv_sources WHERE adv = ? AND source <> ? LIMIT 1",
    [ST_SEEN_ADV] = "INSERT OR IGNORE INTO temp.seen_adv(adv) VALUES (?)",
    [ST_SEEN_CVE] = "INSERT OR IGNORE INTO temp.seen_cve(cve) VALUES (?)",
    [ST_CHG_INS] = "INSERT INTO changes(seq, kind, subject, id, eco, release, name) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?)",
    [ST_NVD_GET] = "SELECT owner, last_modified, hash FROM nvd WHERE cve = ?",
    [ST_NVD_PUT] = "INSERT OR REPLACE INTO nvd(cve, owner, hash, last_modified, doc) "
                   "VALUES (?, ?, ?, ?, ?)",
    [ST_EPSS_PUT] = "INSERT OR REPLACE INTO epss(cve, score, percentile) VALUES (?, ?, ?)",
    [ST_KEV_GET] = "SELECT hash FROM kev WHERE cve = ?",
    [ST_KEV_PUT] = "INSERT OR REPLACE INTO kev(cve, hash, date_added, due_date, ransomware, "
                   "required_action, vendor_project, product, name) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
};

struct ks_vdb_build {
    char *db_path, *tmp_path, *lock_path, *dir, *base;
    char *command;
    int lock_fd;
    sqlite3 *db;
    sqlite3_stmt *st[ST_COUNT];
    bool from_scratch, force, dirty, nvd_initial;
    uint64_t seq;
    time_t now;
    struct ks_vdb_sink sink;
    /* the open container */
    bool in_container;
    char *label, *location, *etag, *last_modified;
    char *pending_etag, *pending_last_modified; /* for the next container */
    struct src_state *srcs[8];
    size_t n_srcs;
    struct ks_err *cb_err; /* where sink callbacks report (the importer's err) */
    /* results */
    struct ks_vec results; /* struct result */
    struct ks_map *ecos;   /* family -> struct eco_count* */
    uint64_t nvd_counts[KS_CHANGE_COUNT], kev_counts[KS_CHANGE_COUNT];
    struct ks_vec old;     /* struct old_source */
    struct ks_vec checks;  /* struct pending_check */
    bool have_old;         /* a usable old DB exists (copy it when writing) */
    char *old_content_hash;
    uint64_t old_advisories;
    struct ks_buf json, blob, zdoc, zhead;
    ZSTD_CCtx *zc;
    struct ks_sha256_stream sha; /* reused for record hashes */
};

static enum ks_code
oom(struct ks_err *err)
{
    return ks_err_set(err, KS_ENOMEM, "vulndb: out of memory");
}

static char *
dupf(const char *fmt, ...) KS_PRINTF(1, 2);

static char *
dupf(const char *fmt, ...)
{
    struct ks_buf b = KS_BUF_INIT(1 << 16);
    va_list ap;

    va_start(ap, fmt);
    ks_buf_appendv(&b, fmt, ap);
    va_end(ap);
    if (ks_buf_err(&b) != KS_OK) {
        ks_buf_release(&b);
        return NULL;
    }
    return ks_buf_detach(&b, NULL);
}

const char *
ks_vdb_build_dir(const struct ks_vdb_build *b)
{
    return b->dir;
}

/* ------------------------------------------------------------------------ */
/* Begin                                                                    */

static void
remove_tree(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *de;

    if (d == NULL) {
        unlink(path);
        return;
    }
    while ((de = readdir(d)) != NULL) {
        char *p;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        p = dupf("%s/%s", path, de->d_name);
        if (p != NULL) {
            remove_tree(p);
            ks_free(p);
        }
    }
    closedir(d);
    rmdir(path);
}

/* Leftovers of killed runs: <base>.new-* files and <base>.dl-* directories. */
static void
remove_leftovers(struct ks_vdb_build *b)
{
    DIR *d = opendir(b->dir);
    struct dirent *de;
    size_t bl = strlen(b->base);

    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, b->base, bl) != 0)
            continue;
        if (strncmp(de->d_name + bl, ".new-", 5) == 0 || strncmp(de->d_name + bl, ".dl-", 4) == 0) {
            char *p = dupf("%s/%s", b->dir, de->d_name);

            if (p != NULL) {
                ks_log(KS_LOG_INFO, "vulndb", "removing '%s' left by an interrupted update", p);
                remove_tree(p);
                ks_free(p);
            }
        }
    }
    closedir(d);
}

static enum ks_code
copy_file(const char *from, const char *to, struct ks_err *err)
{
    enum ks_code rc = KS_EINTERNAL;
    int in = -1, out = -1;
    char *buf = ks_malloc((size_t)1 << 20);

    if (buf == NULL)
        return oom(err);
    in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        rc = ks_err_set(err, KS_EIO, "vulndb: cannot open '%s': %s", from, strerror(errno));
        goto out;
    }
    out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) {
        rc = ks_err_set(err, KS_EIO, "vulndb: cannot create '%s': %s", to, strerror(errno));
        goto out;
    }
    for (;;) {
        ssize_t n = read(in, buf, (size_t)1 << 20), w = 0;

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = ks_err_set(err, KS_EIO, "vulndb: cannot read '%s': %s", from, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        while (w < n) {
            ssize_t k = write(out, buf + w, (size_t)(n - w));

            if (k < 0 && errno == EINTR)
                continue;
            if (k < 0) {
                rc = ks_err_set(err, KS_EIO, "vulndb: cannot write '%s': %s", to,
                                strerror(errno));
                goto out;
            }
            w += k;
        }
    }
    rc = KS_OK;
out:
    if (in >= 0)
        close(in);
    if (out >= 0 && close(out) != 0 && rc == KS_OK)
        rc = ks_err_set(err, KS_EIO, "vulndb: cannot write '%s': %s", to, strerror(errno));
    ks_free(buf);
    return rc;
}

static enum ks_code
set_meta(struct ks_vdb_build *b, const char *key, const char *value, struct ks_err *err)
{
    sqlite3_stmt *st = NULL;
    enum ks_code rc = KS_OK;

    if (sqlite3_prepare_v2(b->db, "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", -1,
                           &st, NULL) != SQLITE_OK)
        return ks_vdb_sqlerr(b->db, err, "meta");
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = ks_vdb_sqlerr(b->db, err, "meta");
    sqlite3_finalize(st);
    return rc;
}

static enum ks_code
open_rw(struct ks_vdb_build *b, struct ks_err *err)
{
    if (sqlite3_open_v2(b->tmp_path, &b->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK)
        return ks_vdb_sqlerr(b->db, err, "cannot open the new DB");
    /* No journal: a failed build deletes the file instead of rolling back. */
    return ks_vdb_exec(b->db,
                       "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
                       "PRAGMA locking_mode = EXCLUSIVE; PRAGMA temp_store = MEMORY;"
                       "PRAGMA cache_size = -131072;",
                       err);
}

static bool
is_kensa_db(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    bool ok = false;

    if (sqlite3_prepare_v2(db, "PRAGMA application_id", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        ok = sqlite3_column_int(st, 0) == KS_VDB_APPLICATION_ID;
    sqlite3_finalize(st);
    return ok;
}

/* The copy is a Kensa DB of our schema version? */
static bool
schema_ok(sqlite3 *db)
{
    sqlite3_stmt *st = NULL;
    bool ok = false;

    if (sqlite3_prepare_v2(db, "PRAGMA application_id", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        ok = sqlite3_column_int(st, 0) == KS_VDB_APPLICATION_ID;
    sqlite3_finalize(st);
    if (!ok)
        return false;
    ok = false;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        ok = sqlite3_column_int(st, 0) == KS_VULNDB_SCHEMA_VERSION;
    sqlite3_finalize(st);
    return ok;
}

static enum ks_code
create_schema(struct ks_vdb_build *b, struct ks_err *err)
{
    unsigned char rnd[16];
    char lineage[33], now[21], ver[16];
    enum ks_code rc;

    if ((rc = ks_vdb_exec(b->db, ks_vdb_schema_sql, err)) != KS_OK)
        return rc;
    if ((rc = ks_random_bytes(rnd, sizeof(rnd), err)) != KS_OK)
        return rc;
    ks_hex_encode(rnd, sizeof(rnd), lineage);
    ks_time_rfc3339(b->now, now);
    snprintf(ver, sizeof(ver), "%d", KS_VULNDB_SCHEMA_VERSION);
    if ((rc = set_meta(b, "schema_version", ver, err)) != KS_OK ||
        (rc = set_meta(b, "lineage", lineage, err)) != KS_OK ||
        (rc = set_meta(b, "created_at", now, err)) != KS_OK ||
        (rc = set_meta(b, "seq", "0", err)) != KS_OK)
        return rc;
    char pragma[128];

    snprintf(pragma, sizeof(pragma), "PRAGMA application_id = %d; PRAGMA user_version = %d;",
             KS_VDB_APPLICATION_ID, KS_VULNDB_SCHEMA_VERSION);
    return ks_vdb_exec(b->db, pragma, err);
}

static enum ks_code
load_old_sources(struct ks_vdb_build *b, sqlite3 *db, struct ks_err *err)
{
    sqlite3_stmt *st = NULL;
    int s;

    if (ks_vdb_prepare(db, "SELECT name, label, digest, etag, last_modified, location, "
                           "checked_at, records FROM sources", &st, err) != KS_OK)
        return err->code;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        struct old_source *o = ks_vec_push(&b->old);
        const unsigned char *v;

        if (o == NULL) {
            sqlite3_finalize(st);
            return oom(err);
        }
#define COL(i, f)                                                                                  \
    v = sqlite3_column_text(st, i);                                                                \
    o->f = v ? ks_strdup((const char *)v) : NULL;
        COL(0, name)
        COL(1, label)
        COL(2, digest)
        COL(3, etag)
        COL(4, last_modified)
        COL(5, location)
#undef COL
        o->checked_at = (time_t)sqlite3_column_int64(st, 6);
        o->records = (uint64_t)sqlite3_column_int64(st, 7);
    }
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? KS_OK : ks_vdb_sqlerr(db, err, "sources");
}

static uint64_t
meta_u64(sqlite3 *db, const char *key)
{
    struct ks_arena *a = ks_arena_new(4096);
    const char *v = a ? ks_vdb_meta_get(db, key, a) : NULL;
    uint64_t n = 0;

    if (v != NULL)
        (void)ks_parse_u64(ks_str_c(v), UINT64_MAX, &n);
    ks_arena_free(a);
    return n;
}

static bool
table_empty(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    bool empty = true;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK)
        empty = sqlite3_step(st) != SQLITE_ROW;
    sqlite3_finalize(st);
    return empty;
}

static void sink_init(struct ks_vdb_build *b);

/* The old DB, opened read-only: its sources, update number and NVD state. */
static enum ks_code
read_old(struct ks_vdb_build *b, struct ks_err *err)
{
    struct ks_buf uri = KS_BUF_INIT(8192);
    struct ks_arena *a = ks_arena_new(4096);
    sqlite3 *old = NULL;
    enum ks_code rc = KS_OK;

    ks_buf_appends(&uri, "file:");
    for (const char *p = b->db_path; *p; p++) {
        if (*p == '%' || *p == '?' || *p == '#')
            ks_buf_appendf(&uri, "%%%02X", (unsigned char)*p);
        else
            ks_buf_putc(&uri, *p);
    }
    ks_buf_appends(&uri, "?immutable=1");
    if (a == NULL || ks_buf_err(&uri) != KS_OK) {
        rc = oom(err);
        goto out;
    }
    /* Replace only a Kensa DB (of another schema version: rebuilt); never */
    /* a file that is something else, which a wrong --db would destroy.    */
    if (sqlite3_open_v2(uri.data, &old, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) !=
            SQLITE_OK ||
        !is_kensa_db(old)) {
        rc = ks_err_set(err, KS_EDB,
                        "vulndb: '%s' exists and is not a Kensa vulnerability DB; remove it or "
                        "choose another --db",
                        b->db_path);
        goto out;
    }
    if (!schema_ok(old)) {
        ks_log(KS_LOG_WARN, "vulndb",
               "'%s' is a Kensa DB of another schema version: building a new one", b->db_path);
        goto out;
    }
    if ((rc = load_old_sources(b, old, err)) != KS_OK)
        goto out;
    b->have_old = true;
    b->seq = meta_u64(old, "seq") + 1;
    b->nvd_initial = table_empty(old, "SELECT 1 FROM nvd LIMIT 1");
    {
        sqlite3_stmt *st = NULL;

        if (sqlite3_prepare_v2(old, "SELECT count(*) FROM advisories", -1, &st, NULL) ==
                SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            b->old_advisories = (uint64_t)sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    {
        const char *h = ks_vdb_meta_get(old, "content_hash", a);

        b->old_content_hash = h ? ks_strdup(h) : NULL;
    }
out:
    sqlite3_close(old);
    ks_arena_free(a);
    ks_buf_release(&uri);
    return rc;
}

/* The writable copy, made on first need. */
static enum ks_code
ensure_db(struct ks_vdb_build *b, struct ks_err *err)
{
    enum ks_code rc;

    if (b->db != NULL)
        return KS_OK;
    if (b->have_old) {
        if ((rc = copy_file(b->db_path, b->tmp_path, err)) != KS_OK ||
            (rc = open_rw(b, err)) != KS_OK)
            return rc;
    } else if ((rc = open_rw(b, err)) != KS_OK || (rc = create_schema(b, err)) != KS_OK) {
        return rc;
    }
    if ((rc = ks_vdb_exec(b->db,
                          "CREATE TEMP TABLE seen_adv(adv INTEGER PRIMARY KEY);"
                          "CREATE TEMP TABLE seen_cve(cve TEXT PRIMARY KEY) WITHOUT ROWID;"
                          "BEGIN;",
                          err)) != KS_OK)
        return rc;
    for (int i = 0; i < ST_COUNT; i++)
        if ((rc = ks_vdb_prepare(b->db, stmt_sql[i], &b->st[i], err)) != KS_OK)
            return rc;
    return KS_OK;
}

enum ks_code
ks_vdb_build_begin(const char *db_path, const char *command, bool force,
                   struct ks_vdb_build **out, struct ks_err *err)
{
    struct ks_vdb_build *b = ks_calloc(1, sizeof(*b));
    enum ks_code rc = KS_EINTERNAL;
    const char *slash;

    if (b == NULL)
        return oom(err);
    b->lock_fd = -1;
    b->now = ks_time_now();
    b->force = force;
    ks_vec_init(&b->results, sizeof(struct result));
    ks_vec_init(&b->old, sizeof(struct old_source));
    ks_vec_init(&b->checks, sizeof(struct pending_check));
    ks_buf_init(&b->json, KS_VDB_MAX_RECORD * 2);
    ks_buf_init(&b->blob, KS_VDB_MAX_RECORD);
    ks_buf_init(&b->zdoc, KS_VDB_MAX_RECORD * 2);
    ks_buf_init(&b->zhead, KS_VDB_MAX_RECORD * 2);
    b->ecos = ks_map_new();
    b->zc = ZSTD_createCCtx();
    if (b->zc != NULL &&
        ZSTD_isError(ZSTD_CCtx_setParameter(b->zc, ZSTD_c_compressionLevel, KS_VDB_ZSTD_LEVEL))) {
        ZSTD_freeCCtx(b->zc);
        b->zc = NULL;
    }
    if (ks_sha256_stream_begin(&b->sha) != KS_OK)
        b->sha.ctx = NULL;
    slash = strrchr(db_path, '/');
    b->db_path = ks_strdup(db_path);
    b->command = ks_strdup(command);
    b->dir = slash ? ks_strndup(db_path, slash == db_path ? 1 : (size_t)(slash - db_path))
                   : ks_strdup(".");
    b->base = ks_strdup(slash ? slash + 1 : db_path);
    b->lock_path = dupf("%s.lock", db_path);
    b->tmp_path = dupf("%s.new-%ld", db_path, (long)getpid());
    if (b->ecos == NULL || b->zc == NULL || b->sha.ctx == NULL || b->db_path == NULL ||
        b->command == NULL || b->dir == NULL ||
        b->base == NULL || b->lock_path == NULL || b->tmp_path == NULL) {
        rc = oom(err);
        goto fail;
    }
    if (b->base[0] == '\0') {
        rc = ks_err_set(err, KS_EINVAL, "vulndb: '%s' names a directory, not a DB file", db_path);
        goto fail;
    }
    if ((rc = ks_mkdir_p(b->dir, 0755, err)) != KS_OK)
        goto fail;
    b->lock_fd = open(b->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (b->lock_fd < 0) {
        rc = ks_err_set(err, KS_EIO, "vulndb: cannot open the lock file '%s': %s", b->lock_path,
                        strerror(errno));
        goto fail;
    }
    if (flock(b->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        rc = ks_err_set(err, KS_ECONFLICT,
                        "vulndb: another kensa db import/update is writing '%s' (lock '%s')",
                        db_path, b->lock_path);
        goto fail;
    }
    remove_leftovers(b);
    /* Read what the old DB says now; copy it only when something is written, */
    /* so an import of unchanged data costs its digests and nothing more.     */
    if (ks_path_exists(db_path) && (rc = read_old(b, err)) != KS_OK)
        goto fail;
    if (!b->have_old) {
        b->from_scratch = true;
        b->seq = 1;
        b->nvd_initial = true;
    }
    sink_init(b);
    *out = b;
    return KS_OK;
fail:
    ks_vdb_build_abort(b);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Sources and change rows                                                  */

static void
src_free(struct src_state *s)
{
    if (s == NULL)
        return;
    ks_free(s->name);
    ks_free(s->kind);
    ks_free(s->data_time);
    ks_free(s);
}

/* The source a document of importer imp in the open container belongs to. */
static enum ks_code
src_get(struct ks_vdb_build *b, const struct ks_vdb_importer *imp, struct src_state **out,
        struct ks_err *err)
{
    struct src_state *s;
    sqlite3_stmt *st = NULL;
    char *name;
    int step;

    for (size_t i = 0; i < b->n_srcs; i++) {
        if (strcmp(b->srcs[i]->kind, imp->kind) == 0) {
            *out = b->srcs[i];
            return KS_OK;
        }
    }
    if (b->n_srcs >= KS_ARRAY_LEN(b->srcs))
        return ks_err_set(err, KS_ETOOBIG, "vulndb: too many kinds of feed in '%s'",
                          b->location ? b->location : "?");
    name = imp->unlabeled || b->label == NULL ? ks_strdup(imp->kind)
                                              : dupf("%s:%s", imp->kind, b->label);
    s = ks_calloc(1, sizeof(*s));
    if (name == NULL || s == NULL) {
        ks_free(name);
        ks_free(s);
        return oom(err);
    }
    s->name = name;
    s->kind = ks_strdup(imp->kind);
    if (s->kind == NULL) {
        src_free(s);
        return oom(err);
    }
    s->snapshot = imp->incremental == NULL || !imp->incremental(name);
    if (ks_vdb_prepare(b->db, "SELECT id, records FROM sources WHERE name = ?", &st, err) !=
        KS_OK) {
        src_free(s);
        return err->code;
    }
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        s->id = sqlite3_column_int64(st, 0);
        s->existed = true;
        s->track = s->snapshot && sqlite3_column_int64(st, 1) > 0;
    }
    sqlite3_finalize(st);
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        src_free(s);
        return ks_vdb_sqlerr(b->db, err, "sources");
    }
    if (step == SQLITE_DONE) {
        if (ks_vdb_prepare(b->db, "INSERT INTO sources(name, kind) VALUES (?, ?)", &st, err) !=
            KS_OK) {
            src_free(s);
            return err->code;
        }
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, imp->kind, -1, SQLITE_STATIC);
        step = sqlite3_step(st);
        sqlite3_finalize(st);
        if (step != SQLITE_DONE) {
            src_free(s);
            return ks_vdb_sqlerr(b->db, err, "sources");
        }
        s->id = sqlite3_last_insert_rowid(b->db);
        b->dirty = true;
    }
    b->srcs[b->n_srcs++] = s;
    *out = s;
    return KS_OK;
}

static enum ks_code
step_done(struct ks_vdb_build *b, sqlite3_stmt *st, const char *what, struct ks_err *err)
{
    int s = sqlite3_step(st);

    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (s != SQLITE_DONE)
        return ks_vdb_sqlerr(b->db, err, what);
    return KS_OK;
}

static enum ks_code
add_change(struct ks_vdb_build *b, enum ks_change_kind kind, const char *subject, const char *id,
           const char *eco, const char *release, const char *name, struct ks_err *err)
{
    sqlite3_stmt *st = b->st[ST_CHG_INS];

    sqlite3_bind_int64(st, 1, (sqlite3_int64)b->seq);
    sqlite3_bind_text(st, 2, ks_change_kind_name(kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, subject, -1, SQLITE_STATIC);
    ks_vdb_bind_cstr(st, 4, id);
    ks_vdb_bind_cstr(st, 5, eco);
    ks_vdb_bind_cstr(st, 6, release);
    ks_vdb_bind_cstr(st, 7, name);
    b->dirty = true;
    return step_done(b, st, "changes", err);
}

static enum ks_code
count_eco(struct ks_vdb_build *b, const char *family, enum ks_change_kind kind, struct ks_err *err)
{
    struct eco_count *c = ks_map_get(b->ecos, ks_str_c(family));

    if (c == NULL) {
        c = ks_calloc(1, sizeof(*c));
        if (c == NULL || ks_map_put(b->ecos, ks_str_c(family), c, NULL) != KS_OK) {
            ks_free(c);
            return oom(err);
        }
    }
    c->counts[kind]++;
    return KS_OK;
}

/* A package an advisory names, as change rows and summaries want it. */
struct pkg {
    char *eco, *release, *name;
};

static void
pkgs_release(struct ks_vec *v)
{
    for (size_t i = 0; i < v->len; i++) {
        struct pkg *p = ks_vec_at(v, i);

        ks_free(p->eco);
        ks_free(p->release);
        ks_free(p->name);
    }
    ks_vec_release(v);
}

static enum ks_code
pkgs_add(struct ks_vec *v, const char *eco, const char *release, const char *name,
         struct ks_err *err)
{
    struct pkg *p;

    for (size_t i = 0; i < v->len; i++) {
        p = ks_vec_at(v, i);
        if (strcmp(p->eco, eco) == 0 && strcmp(p->release, release) == 0 &&
            strcmp(p->name, name) == 0)
            return KS_OK;
    }
    p = ks_vec_push(v);
    if (p == NULL)
        return oom(err);
    p->eco = ks_strdup(eco);
    p->release = ks_strdup(release);
    p->name = ks_strdup(name);
    if (p->eco == NULL || p->release == NULL || p->name == NULL)
        return oom(err);
    return KS_OK;
}

static enum ks_code
pkgs_from_db(struct ks_vdb_build *b, int64_t adv, struct ks_vec *v, struct ks_err *err)
{
    sqlite3_stmt *st = b->st[ST_AFF_PKGS];
    enum ks_code rc = KS_OK;
    int s;

    sqlite3_bind_int64(st, 1, adv);
    while (rc == KS_OK && (s = sqlite3_step(st)) == SQLITE_ROW)
        rc = pkgs_add(v, (const char *)sqlite3_column_text(st, 0),
                      (const char *)sqlite3_column_text(st, 1),
                      (const char *)sqlite3_column_text(st, 2), err);
    if (rc == KS_OK && s != SQLITE_DONE)
        rc = ks_vdb_sqlerr(b->db, err, "affected");
    sqlite3_reset(st);
    return rc;
}

static enum ks_code
pkgs_from_adv(const struct ks_advisory *adv, struct ks_vec *v, struct ks_err *err)
{
    enum ks_code rc = KS_OK;

    for (size_t i = 0; rc == KS_OK && i < adv->n_affected; i++) {
        const struct ks_adv_affected *a = &adv->affected[i];

        if (a->name != NULL && a->eco_name != NULL)
            rc = pkgs_add(v, a->eco_name, a->release, a->norm_name, err);
    }
    return rc;
}

/* Change rows (one per package) and counts for one advisory. */
static enum ks_code
record_adv_change(struct ks_vdb_build *b, struct src_state *s, enum ks_change_kind kind,
                  const char *id, const struct ks_vec *pkgs, struct ks_err *err)
{
    enum ks_code rc = KS_OK;
    struct ks_vec fams = KS_VEC_INIT(const char *);

    s->counts[kind]++;
    if (pkgs->len == 0) {
        rc = add_change(b, kind, "advisory", id, NULL, NULL, NULL, err);
        if (rc == KS_OK)
            rc = count_eco(b, "(none)", kind, err);
    }
    for (size_t i = 0; rc == KS_OK && i < pkgs->len; i++) {
        const struct pkg *p = ks_vec_at(pkgs, i);
        bool seen = false;

        rc = add_change(b, kind, "advisory", id, p->eco, p->release, p->name, err);
        for (size_t k = 0; k < fams.len && !seen; k++)
            seen = strcmp(*(const char **)ks_vec_at(&fams, k), p->eco) == 0;
        if (rc == KS_OK && !seen) {
            const char **slot = ks_vec_push(&fams);

            if (slot == NULL) {
                rc = oom(err);
                break;
            }
            *slot = p->eco;
            rc = count_eco(b, p->eco, kind, err);
        }
    }
    ks_vec_release(&fams);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Advisories                                                               */

static enum ks_code
insert_children(struct ks_vdb_build *b, int64_t rowid, const struct ks_advisory *adv,
                struct ks_err *err)
{
    enum ks_code rc;
    sqlite3_stmt *st = b->st[ST_ALIAS_INS];

    for (int kind = 0; kind < 2; kind++) {
        const char *const *list = kind == 0 ? adv->aliases : adv->upstream;
        size_t n = kind == 0 ? adv->n_aliases : adv->n_upstream;

        for (size_t i = 0; i < n; i++) {
            sqlite3_bind_text(st, 1, list[i], -1, SQLITE_STATIC);
            sqlite3_bind_int64(st, 2, rowid);
            sqlite3_bind_int(st, 3, kind);
            if ((rc = step_done(b, st, "aliases", err)) != KS_OK)
                return rc;
        }
    }
    st = b->st[ST_AFF_INS];
    for (size_t i = 0; i < adv->n_affected; i++) {
        const struct ks_adv_affected *a = &adv->affected[i];

        if (a->name == NULL || a->eco_name == NULL)
            continue; /* no package: nothing to look up by */
        ks_buf_reset(&b->blob);
        if (ks_vdb_ranges_encode(a, &b->blob) != KS_OK)
            return ks_err_set(err, KS_ETOOBIG, "vulndb: advisory '%s': affected[%zu] is too large",
                              adv->id, i);
        sqlite3_bind_text(st, 1, a->eco_name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, a->norm_name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, a->release ? a->release : "", -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, rowid);
        sqlite3_bind_int64(st, 5, (sqlite3_int64)i);
        sqlite3_bind_int(st, 6, adv->withdrawn != NULL);
        sqlite3_bind_text(st, 7, a->ecosystem, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, a->name, -1, SQLITE_STATIC);
        ks_vdb_bind_cstr(st, 9, a->purl);
        ks_vdb_bind_cstr(st, 10, a->status != KS_VSTATUS_NONE ? ks_vuln_status_name(a->status)
                                                               : NULL);
        ks_vdb_bind_cstr(st, 11, a->vendor_severity);
        sqlite3_bind_blob(st, 12, b->blob.data, (int)b->blob.len, SQLITE_STATIC);
        if ((rc = step_done(b, st, "affected", err)) != KS_OK)
            return rc;
    }
    return KS_OK;
}

static enum ks_code
delete_children(struct ks_vdb_build *b, int64_t rowid, struct ks_err *err)
{
    enum ks_code rc;

    sqlite3_bind_int64(b->st[ST_AFF_DEL], 1, rowid);
    if ((rc = step_done(b, b->st[ST_AFF_DEL], "affected", err)) != KS_OK)
        return rc;
    sqlite3_bind_int64(b->st[ST_ALIAS_DEL], 1, rowid);
    return step_done(b, b->st[ST_ALIAS_DEL], "aliases", err);
}

/* Is `a` at least as new as `b`? Parsed as times; text order breaks ties. */
static bool
newer_or_same(const char *a, const char *bb)
{
    time_t ta, tb;

    if (a == NULL || bb == NULL)
        return true;
    if (ks_time_parse(ks_str_c(a), &ta) == KS_OK && ks_time_parse(ks_str_c(bb), &tb) == KS_OK &&
        ta != tb)
        return ta > tb;
    return strcmp(a, bb) >= 0;
}

static enum ks_code
membership(struct ks_vdb_build *b, struct src_state *s, int64_t rowid, struct ks_err *err)
{
    enum ks_code rc;

    sqlite3_bind_int64(b->st[ST_MEM_INS], 1, s->id);
    sqlite3_bind_int64(b->st[ST_MEM_INS], 2, rowid);
    if ((rc = step_done(b, b->st[ST_MEM_INS], "adv_sources", err)) != KS_OK)
        return rc;
    if (sqlite3_changes(b->db) > 0)
        b->dirty = true;
    if (!s->track)
        return KS_OK;
    sqlite3_bind_int64(b->st[ST_SEEN_ADV], 1, rowid);
    return step_done(b, b->st[ST_SEEN_ADV], "seen", err);
}

/* The stored form of an advisory: its JSON text, zstd-compressed (~4x smaller). */
static enum ks_code
compress_into(struct ks_vdb_build *b, struct ks_str text, struct ks_buf *out, struct ks_err *err)
{
    size_t bound = ZSTD_compressBound(text.len), n;
    char *p;

    ks_buf_reset(out);
    p = ks_buf_reserve(out, bound);
    if (p == NULL)
        return ks_err_set(err, out->err, "vulndb: a record of %zu bytes is too large", text.len);
    /* compress2 keeps the parameters set once: compressCCtx re-derives them per call. */
    n = ZSTD_compress2(b->zc, p, bound, text.ptr, text.len);
    if (ZSTD_isError(n))
        return ks_err_set(err, KS_EINTERNAL, "vulndb: zstd: %s", ZSTD_getErrorName(n));
    out->len = n;
    return KS_OK;
}

static enum ks_code
compress_doc(struct ks_vdb_build *b, struct ks_str text, struct ks_err *err)
{
    return compress_into(b, text, &b->zdoc, err);
}

/*
 * The advisory's head (ks_vulndb_get_advisory_head): the canonical JSON of
 * the model with each affected entry cut to package, severity and vendor
 * fields, compressed into b->zhead.
 */
static enum ks_code
compress_head(struct ks_vdb_build *b, const struct ks_advisory *adv, struct ks_err *err)
{
    struct ks_advisory head = *adv;
    struct ks_adv_affected *aff = NULL;
    json_t *doc = NULL;
    enum ks_code rc;

    if (adv->n_affected > 0) {
        aff = ks_calloc(adv->n_affected, sizeof(*aff));
        if (aff == NULL)
            return oom(err);
        for (size_t i = 0; i < adv->n_affected; i++) {
            aff[i] = adv->affected[i];
            aff[i].ranges = NULL;
            aff[i].n_ranges = 0;
            aff[i].range_repos = NULL;
            aff[i].versions = NULL;
            aff[i].n_versions = 0;
            aff[i].ecosystem_specific = NULL;
            aff[i].database_specific = NULL;
        }
        head.affected = aff;
    }
    head.raw_json = KS_STR_NULL;
    rc = ks_advisory_to_json(&head, &doc, err);
    ks_free(aff);
    if (rc != KS_OK)
        return rc;
    ks_buf_reset(&b->json);
    rc = ks_json_dump(doc, false, &b->json, err);
    json_decref(doc);
    if (rc != KS_OK)
        return rc;
    return compress_into(b, ks_buf_str(&b->json), &b->zhead, err);
}

static enum ks_code
sink_advisory(struct ks_vdb_sink *sink, const struct ks_advisory *adv, struct ks_err *err)
{
    struct ks_vdb_build *b = sink->ctx;
    struct src_state *s;
    json_t *doc = NULL;
    unsigned char hash[32];
    sqlite3_stmt *st = b->st[ST_ADV_GET];
    struct ks_vec pkgs = KS_VEC_INIT(struct pkg);
    enum ks_code rc;
    int step;
    bool withdrawn = adv->withdrawn != NULL;
    struct ks_str text;

    if ((rc = src_get(b, sink->importer, &s, err)) != KS_OK)
        return rc;
    s->records++;
    if (adv->raw_json.len > 0) {
        text = adv->raw_json;
    } else {
        if ((rc = ks_advisory_to_json(adv, &doc, err)) != KS_OK) {
            if (rc == KS_EPARSE) {
                ks_vdb_malformed(sink, adv->id, "%s", err->msg);
                return KS_OK;
            }
            return rc;
        }
        ks_buf_reset(&b->json);
        rc = ks_json_dump(doc, false, &b->json, err);
        json_decref(doc);
        if (rc != KS_OK)
            return rc;
        text = ks_buf_str(&b->json);
    }
    ks_sha256_stream_once(&b->sha, text.ptr, text.len, hash);
    if ((rc = compress_doc(b, text, err)) != KS_OK)
        return rc;
    if ((rc = compress_head(b, adv, err)) != KS_OK) {
        if (rc == KS_EPARSE) {
            ks_vdb_malformed(sink, adv->id, "%s", err->msg);
            return KS_OK;
        }
        return rc;
    }

    sqlite3_bind_text(st, 1, adv->id, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        sqlite3_reset(st);
        st = b->st[ST_ADV_INS];
        sqlite3_bind_text(st, 1, adv->id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, s->id);
        sqlite3_bind_text(st, 3, adv->modified ? adv->modified : "", -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 4, withdrawn);
        sqlite3_bind_blob(st, 5, hash, sizeof(hash), SQLITE_STATIC);
        sqlite3_bind_blob(st, 6, b->zdoc.data, (int)b->zdoc.len, SQLITE_STATIC);
        sqlite3_bind_blob(st, 7, b->zhead.data, (int)b->zhead.len, SQLITE_STATIC);
        if ((rc = step_done(b, st, "advisories", err)) != KS_OK)
            return rc;
        int64_t rowid = sqlite3_last_insert_rowid(b->db);

        if ((rc = insert_children(b, rowid, adv, err)) != KS_OK ||
            (rc = membership(b, s, rowid, err)) != KS_OK ||
            (rc = pkgs_from_adv(adv, &pkgs, err)) != KS_OK ||
            (rc = record_adv_change(b, s, KS_CHANGE_ADDED, adv->id, &pkgs, err)) != KS_OK)
            goto out;
        rc = KS_OK;
        goto out;
    }
    if (step != SQLITE_ROW) {
        sqlite3_reset(st);
        return ks_vdb_sqlerr(b->db, err, "advisories");
    }
    int64_t rowid = sqlite3_column_int64(st, 0);
    int64_t owner = sqlite3_column_int64(st, 1);
    char *old_modified = ks_strdup((const char *)sqlite3_column_text(st, 2));
    bool same = sqlite3_column_bytes(st, 3) == (int)sizeof(hash) &&
                memcmp(sqlite3_column_blob(st, 3), hash, sizeof(hash)) == 0;
    bool old_withdrawn = sqlite3_column_int(st, 4) != 0;
    bool take;

    sqlite3_reset(st);
    if (old_modified == NULL)
        return oom(err);
    take = !same && (owner == s->id || newer_or_same(adv->modified, old_modified));
    ks_free(old_modified);
    if ((rc = membership(b, s, rowid, err)) != KS_OK)
        goto out;
    if (!take) {
        if (!same)
            ks_log(KS_LOG_DEBUG, "vulndb", "'%s' from %s is older than the copy already held",
                   adv->id, s->name);
        rc = KS_OK;
        goto out;
    }
    if ((rc = pkgs_from_db(b, rowid, &pkgs, err)) != KS_OK ||
        (rc = delete_children(b, rowid, err)) != KS_OK)
        goto out;
    st = b->st[ST_ADV_UPD];
    sqlite3_bind_int64(st, 1, s->id);
    sqlite3_bind_text(st, 2, adv->modified ? adv->modified : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, withdrawn);
    sqlite3_bind_blob(st, 4, hash, sizeof(hash), SQLITE_STATIC);
    sqlite3_bind_blob(st, 5, b->zdoc.data, (int)b->zdoc.len, SQLITE_STATIC);
    sqlite3_bind_blob(st, 6, b->zhead.data, (int)b->zhead.len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, rowid);
    if ((rc = step_done(b, st, "advisories", err)) != KS_OK ||
        (rc = insert_children(b, rowid, adv, err)) != KS_OK ||
        (rc = pkgs_from_adv(adv, &pkgs, err)) != KS_OK)
        goto out;
    rc = record_adv_change(b, s,
                           withdrawn && !old_withdrawn && !b->from_scratch ? KS_CHANGE_WITHDRAWN
                                                                           : KS_CHANGE_MODIFIED,
                           adv->id, &pkgs, err);
out:
    pkgs_release(&pkgs);
    return rc;
}

/* Snapshot: drop this source's membership of advisories it no longer holds. */
static enum ks_code
drop_unseen_advisories(struct ks_vdb_build *b, struct src_state *s, struct ks_err *err)
{
    sqlite3_stmt *q = NULL;
    struct ks_vec gone = KS_VEC_INIT(int64_t);
    enum ks_code rc = KS_OK;
    int step;

    if (ks_vdb_prepare(b->db,
                       "SELECT adv FROM adv_sources WHERE source = ? "
                       "AND adv NOT IN (SELECT adv FROM temp.seen_adv)",
                       &q, err) != KS_OK)
        return err->code;
    sqlite3_bind_int64(q, 1, s->id);
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        int64_t *slot = ks_vec_push(&gone);

        if (slot == NULL) {
            rc = oom(err);
            break;
        }
        *slot = sqlite3_column_int64(q, 0);
    }
    if (rc == KS_OK && step != SQLITE_DONE)
        rc = ks_vdb_sqlerr(b->db, err, "adv_sources");
    sqlite3_finalize(q);
    for (size_t i = 0; rc == KS_OK && i < gone.len; i++) {
        int64_t adv = *(int64_t *)ks_vec_at(&gone, i);
        sqlite3_stmt *other = b->st[ST_MEM_OTHER];
        int64_t other_src = 0;

        sqlite3_bind_int64(b->st[ST_MEM_DEL], 1, s->id);
        sqlite3_bind_int64(b->st[ST_MEM_DEL], 2, adv);
        if ((rc = step_done(b, b->st[ST_MEM_DEL], "adv_sources", err)) != KS_OK)
            break;
        b->dirty = true;
        sqlite3_bind_int64(other, 1, adv);
        sqlite3_bind_int64(other, 2, s->id);
        if (sqlite3_step(other) == SQLITE_ROW)
            other_src = sqlite3_column_int64(other, 0);
        sqlite3_reset(other);
        if (other_src != 0) {
            /* Still in another feed (the OSV bucket repeats records per ecosystem). */
            sqlite3_bind_int64(b->st[ST_ADV_OWNER], 1, other_src);
            sqlite3_bind_int64(b->st[ST_ADV_OWNER], 2, adv);
            rc = step_done(b, b->st[ST_ADV_OWNER], "advisories", err);
            continue;
        }
        struct ks_vec pkgs = KS_VEC_INIT(struct pkg);
        sqlite3_stmt *idq = NULL;
        char *id = NULL;

        if (ks_vdb_prepare(b->db, "SELECT adv_id FROM advisories WHERE id = ?", &idq, err) ==
            KS_OK) {
            sqlite3_bind_int64(idq, 1, adv);
            if (sqlite3_step(idq) == SQLITE_ROW)
                id = ks_strdup((const char *)sqlite3_column_text(idq, 0));
            sqlite3_finalize(idq);
        } else {
            rc = err->code;
        }
        if (rc == KS_OK && id == NULL)
            rc = ks_err_set(err, KS_EDB, "vulndb: advisory row %lld vanished", (long long)adv);
        if (rc == KS_OK)
            rc = pkgs_from_db(b, adv, &pkgs, err);
        if (rc == KS_OK)
            rc = delete_children(b, adv, err);
        if (rc == KS_OK) {
            sqlite3_bind_int64(b->st[ST_ADV_DEL], 1, adv);
            rc = step_done(b, b->st[ST_ADV_DEL], "advisories", err);
        }
        if (rc == KS_OK)
            rc = record_adv_change(b, s, KS_CHANGE_REMOVED, id, &pkgs, err);
        pkgs_release(&pkgs);
        ks_free(id);
    }
    ks_vec_release(&gone);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* NVD, EPSS, KEV                                                           */

static int64_t
hash64(struct ks_vdb_build *b, const void *p, size_t n)
{
    unsigned char d[32];
    uint64_t v = 0;

    ks_sha256_stream_once(&b->sha, p, n, d);
    for (int i = 0; i < 8; i++)
        v = (v << 8) | d[i];
    return (int64_t)v;
}

static enum ks_code
seen_cve(struct ks_vdb_build *b, const char *cve, struct ks_err *err)
{
    sqlite3_bind_text(b->st[ST_SEEN_CVE], 1, cve, -1, SQLITE_STATIC);
    return step_done(b, b->st[ST_SEEN_CVE], "seen", err);
}

static enum ks_code
sink_nvd(struct ks_vdb_sink *sink, const struct ks_nvd_record *rec, struct ks_err *err)
{
    struct ks_vdb_build *b = sink->ctx;
    struct src_state *s;
    json_t *row = NULL, *metrics = NULL, *cwes = NULL;
    sqlite3_stmt *st = b->st[ST_NVD_GET];
    enum ks_code rc;
    int64_t h;
    int step;
    bool take = true;
    enum ks_change_kind kind = KS_CHANGE_ADDED;

    if ((rc = src_get(b, sink->importer, &s, err)) != KS_OK)
        return rc;
    s->records++;
    /* Stored as one compact JSON array (docs/vulndb.md), zstd-compressed: */
    /* [sourceIdentifier, published, lastModified, vulnStatus, description, */
    /*  [cwe...], [[version, source, type, vector, score, severity]...]]    */
    metrics = json_array();
    cwes = json_array();
    if (metrics == NULL || cwes == NULL) {
        json_decref(metrics);
        json_decref(cwes);
        return oom(err);
    }
    for (size_t i = 0; i < rec->n_metrics; i++) {
        const struct ks_nvd_metric *m = &rec->metrics[i];
        json_t *mr = json_pack("[sssso?s?]", m->version ? m->version : "",
                               m->source ? m->source : "", m->type ? m->type : "", m->vector,
                               m->base_score >= 0 ? json_real(m->base_score) : NULL,
                               m->base_severity);

        if (mr == NULL || json_array_append_new(metrics, mr) != 0) {
            json_decref(metrics);
            json_decref(cwes);
            ks_vdb_malformed(sink, rec->id, "a metric is not valid UTF-8");
            return KS_OK;
        }
    }
    for (size_t i = 0; i < rec->n_cwes; i++)
        json_array_append_new(cwes, json_string(rec->cwes[i]));
    row = json_pack("[s?s?s?s?s?oo]", rec->source_identifier, rec->published,
                    rec->last_modified, rec->vuln_status, rec->description, cwes, metrics);
    if (row == NULL) {
        ks_vdb_malformed(sink, rec->id, "a field is not valid UTF-8");
        return KS_OK;
    }
    ks_buf_reset(&b->json);
    rc = ks_json_dump(row, false, &b->json, err);
    json_decref(row);
    if (rc != KS_OK)
        return rc;
    h = hash64(b, b->json.data, b->json.len);
    sqlite3_bind_text(st, 1, rec->id, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        const char *old_lm = (const char *)sqlite3_column_text(st, 1);

        kind = KS_CHANGE_MODIFIED;
        if (sqlite3_column_int64(st, 2) == h)
            take = false;
        else if (sqlite3_column_int64(st, 0) != s->id && !newer_or_same(rec->last_modified, old_lm))
            take = false;
    } else if (step != SQLITE_DONE) {
        sqlite3_reset(st);
        return ks_vdb_sqlerr(b->db, err, "nvd");
    }
    sqlite3_reset(st);
    if (s->track && (rc = seen_cve(b, rec->id, err)) != KS_OK)
        return rc;
    if (!take)
        return KS_OK;
    if ((rc = compress_doc(b, ks_buf_str(&b->json), err)) != KS_OK)
        return rc;
    st = b->st[ST_NVD_PUT];
    sqlite3_bind_text(st, 1, rec->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, s->id);
    sqlite3_bind_int64(st, 3, h);
    ks_vdb_bind_cstr(st, 4, rec->last_modified);
    sqlite3_bind_blob(st, 5, b->zdoc.data, (int)b->zdoc.len, SQLITE_STATIC);
    if ((rc = step_done(b, st, "nvd", err)) != KS_OK)
        return rc;
    b->dirty = true;
    s->counts[kind]++;
    b->nvd_counts[kind]++;
    if (!b->nvd_initial)
        rc = add_change(b, kind, "nvd", rec->id, NULL, NULL, NULL, err);
    return rc;
}

static enum ks_code
drop_unseen_nvd(struct ks_vdb_build *b, struct src_state *s, struct ks_err *err)
{
    sqlite3_stmt *q = NULL, *del = NULL;
    enum ks_code rc = KS_OK;
    int step;

    if (ks_vdb_prepare(b->db,
                       "SELECT cve FROM nvd WHERE owner = ? "
                       "AND cve NOT IN (SELECT cve FROM temp.seen_cve)",
                       &q, err) != KS_OK ||
        ks_vdb_prepare(b->db, "DELETE FROM nvd WHERE cve = ?", &del, err) != KS_OK) {
        sqlite3_finalize(q);
        return err->code;
    }
    /* Collect first: deleting while stepping over the same table is unsafe. */
    struct ks_vec gone = KS_VEC_INIT(char *);

    sqlite3_bind_int64(q, 1, s->id);
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        char **slot = ks_vec_push(&gone);

        if (slot == NULL || (*slot = ks_strdup((const char *)sqlite3_column_text(q, 0))) == NULL) {
            rc = oom(err);
            break;
        }
    }
    if (rc == KS_OK && step != SQLITE_DONE)
        rc = ks_vdb_sqlerr(b->db, err, "nvd");
    for (size_t i = 0; rc == KS_OK && i < gone.len; i++) {
        const char *cve = *(char **)ks_vec_at(&gone, i);

        sqlite3_bind_text(del, 1, cve, -1, SQLITE_STATIC);
        if ((rc = step_done(b, del, "nvd", err)) != KS_OK)
            break;
        s->counts[KS_CHANGE_REMOVED]++;
        b->nvd_counts[KS_CHANGE_REMOVED]++;
        rc = add_change(b, KS_CHANGE_REMOVED, "nvd", cve, NULL, NULL, NULL, err);
    }
    for (size_t i = 0; i < gone.len; i++)
        ks_free(*(char **)ks_vec_at(&gone, i));
    ks_vec_release(&gone);
    sqlite3_finalize(q);
    sqlite3_finalize(del);
    return rc;
}

static enum ks_code
sink_epss(struct ks_vdb_sink *sink, struct ks_str cve, double score, double pct,
          struct ks_err *err)
{
    struct ks_vdb_build *b = sink->ctx;
    struct src_state *s;
    sqlite3_stmt *st = b->st[ST_EPSS_PUT];
    enum ks_code rc;

    if ((rc = src_get(b, sink->importer, &s, err)) != KS_OK)
        return rc;
    if (!s->epss_cleared) {
        /* The CSV is the whole table: replace it. */
        if ((rc = ks_vdb_exec(b->db, "DELETE FROM epss", err)) != KS_OK)
            return rc;
        s->epss_cleared = true;
    }
    s->records++;
    ks_vdb_bind_str(st, 1, cve);
    sqlite3_bind_double(st, 2, score);
    sqlite3_bind_double(st, 3, pct);
    return step_done(b, st, "epss", err);
}

static enum ks_code
sink_kev(struct ks_vdb_sink *sink, const struct ks_kev *k, struct ks_err *err)
{
    struct ks_vdb_build *b = sink->ctx;
    struct src_state *s;
    sqlite3_stmt *st = b->st[ST_KEV_GET];
    struct ks_buf all = KS_BUF_INIT(1 << 20);
    enum ks_change_kind kind = KS_CHANGE_ADDED;
    enum ks_code rc;
    int64_t h;
    int step;

    if ((rc = src_get(b, sink->importer, &s, err)) != KS_OK)
        return rc;
    s->records++;
    ks_buf_appendf(&all, "%s\n%s\n%s\n%s\n%s\n%s\n%s", k->date_added ? k->date_added : "",
                   k->due_date ? k->due_date : "",
                   k->known_ransomware_campaign_use ? k->known_ransomware_campaign_use : "",
                   k->required_action ? k->required_action : "",
                   k->vendor_project ? k->vendor_project : "", k->product ? k->product : "",
                   k->vulnerability_name ? k->vulnerability_name : "");
    if (ks_buf_err(&all) != KS_OK) {
        ks_buf_release(&all);
        return ks_err_set(err, KS_ETOOBIG, "vulndb: KEV entry %s is too large", k->cve);
    }
    h = hash64(b, all.data, all.len);
    ks_buf_release(&all);
    if ((rc = seen_cve(b, k->cve, err)) != KS_OK)
        return rc;
    sqlite3_bind_text(st, 1, k->cve, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        bool same = sqlite3_column_int64(st, 0) == h;

        sqlite3_reset(st);
        if (same)
            return KS_OK;
        kind = KS_CHANGE_MODIFIED;
    } else {
        sqlite3_reset(st);
        if (step != SQLITE_DONE)
            return ks_vdb_sqlerr(b->db, err, "kev");
    }
    st = b->st[ST_KEV_PUT];
    sqlite3_bind_text(st, 1, k->cve, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, h);
    ks_vdb_bind_cstr(st, 3, k->date_added);
    ks_vdb_bind_cstr(st, 4, k->due_date);
    ks_vdb_bind_cstr(st, 5, k->known_ransomware_campaign_use);
    ks_vdb_bind_cstr(st, 6, k->required_action);
    ks_vdb_bind_cstr(st, 7, k->vendor_project);
    ks_vdb_bind_cstr(st, 8, k->product);
    ks_vdb_bind_cstr(st, 9, k->vulnerability_name);
    if ((rc = step_done(b, st, "kev", err)) != KS_OK)
        return rc;
    s->counts[kind]++;
    b->kev_counts[kind]++;
    return add_change(b, kind, "kev", k->cve, NULL, NULL, NULL, err);
}

static enum ks_code
drop_unseen_kev(struct ks_vdb_build *b, struct src_state *s, struct ks_err *err)
{
    sqlite3_stmt *q = NULL;
    struct ks_vec gone = KS_VEC_INIT(char *);
    enum ks_code rc = KS_OK;
    int step;

    if (ks_vdb_prepare(b->db,
                       "SELECT cve FROM kev WHERE cve NOT IN (SELECT cve FROM temp.seen_cve)",
                       &q, err) != KS_OK)
        return err->code;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) {
        char **slot = ks_vec_push(&gone);

        if (slot == NULL || (*slot = ks_strdup((const char *)sqlite3_column_text(q, 0))) == NULL) {
            rc = oom(err);
            break;
        }
    }
    if (rc == KS_OK && step != SQLITE_DONE)
        rc = ks_vdb_sqlerr(b->db, err, "kev");
    sqlite3_finalize(q);
    q = NULL;
    if (rc == KS_OK && gone.len > 0 &&
        ks_vdb_prepare(b->db, "DELETE FROM kev WHERE cve = ?", &q, err) != KS_OK)
        rc = err->code;
    for (size_t i = 0; rc == KS_OK && i < gone.len; i++) {
        const char *cve = *(char **)ks_vec_at(&gone, i);

        sqlite3_bind_text(q, 1, cve, -1, SQLITE_STATIC);
        if ((rc = step_done(b, q, "kev", err)) != KS_OK)
            break;
        s->counts[KS_CHANGE_REMOVED]++;
        b->kev_counts[KS_CHANGE_REMOVED]++;
        rc = add_change(b, KS_CHANGE_REMOVED, "kev", cve, NULL, NULL, NULL, err);
    }
    for (size_t i = 0; i < gone.len; i++)
        ks_free(*(char **)ks_vec_at(&gone, i));
    ks_vec_release(&gone);
    sqlite3_finalize(q);
    return rc;
}

static void
sink_meta(struct ks_vdb_sink *sink, const char *key, const char *value)
{
    struct ks_vdb_build *b = sink->ctx;
    struct src_state *s;

    if (strcmp(key, "data_time") != 0 || sink->importer == NULL)
        return;
    if (src_get(b, sink->importer, &s, NULL) != KS_OK)
        return;
    ks_free(s->data_time);
    s->data_time = ks_strdup(value);
}

static const struct ks_vdb_sink_ops build_ops = {
    .advisory = sink_advisory,
    .nvd = sink_nvd,
    .epss = sink_epss,
    .kev = sink_kev,
    .meta = sink_meta,
};

static void
sink_init(struct ks_vdb_build *b)
{
    b->sink.ops = &build_ops;
    b->sink.ctx = b;
}

struct ks_vdb_sink *
ks_vdb_build_sink(struct ks_vdb_build *b)
{
    return &b->sink;
}

/* ------------------------------------------------------------------------ */
/* Containers                                                               */

static void
container_clear(struct ks_vdb_build *b)
{
    for (size_t i = 0; i < b->n_srcs; i++)
        src_free(b->srcs[i]);
    b->n_srcs = 0;
    ks_free(b->label);
    ks_free(b->location);
    ks_free(b->etag);
    ks_free(b->last_modified);
    b->label = b->location = b->etag = b->last_modified = NULL;
    b->in_container = false;
    b->sink.importer = NULL;
    b->sink.file = NULL;
}

enum ks_code
ks_vdb_build_container_begin(struct ks_vdb_build *b, const char *label, const char *location,
                             const char *digest, struct ks_err *err)
{
    enum ks_code rc;

    (void)digest;
    container_clear(b);
    if ((rc = ensure_db(b, err)) != KS_OK)
        return rc;
    b->label = label ? ks_strdup(label) : NULL;
    b->location = location ? ks_strdup(location) : NULL;
    if ((label && b->label == NULL) || (location && b->location == NULL))
        return oom(err);
    /* HTTP validators set just before belong to this container. */
    b->etag = b->pending_etag;
    b->last_modified = b->pending_last_modified;
    b->pending_etag = b->pending_last_modified = NULL;
    b->in_container = true;
    b->sink.malformed = 0;
    b->sink.records = 0;
    return ks_vdb_exec(b->db, "DELETE FROM temp.seen_adv; DELETE FROM temp.seen_cve;", err);
}

void
ks_vdb_build_set_http(struct ks_vdb_build *b, const char *etag, const char *last_modified)
{
    ks_free(b->pending_etag);
    ks_free(b->pending_last_modified);
    b->pending_etag = etag ? ks_strdup(etag) : NULL;
    b->pending_last_modified = last_modified ? ks_strdup(last_modified) : NULL;
}

time_t
ks_vdb_build_source_checked(struct ks_vdb_build *b, const char *name)
{
    for (size_t i = 0; i < b->old.len; i++) {
        const struct old_source *o = ks_vec_at(&b->old, i);

        if (strcmp(o->name, name) == 0)
            return o->checked_at;
    }
    return 0;
}

static enum ks_code
push_result(struct ks_vdb_build *b, const char *name, const char *location, const char *state,
            const struct src_state *s, struct ks_err *err)
{
    struct result *r = ks_vec_push(&b->results);

    if (r == NULL)
        return oom(err);
    r->name = ks_strdup(name);
    r->location = location ? ks_strdup(location) : NULL;
    r->state = ks_strdup(state);
    if (s != NULL) {
        r->records = s->records;
        r->malformed = s->malformed;
        memcpy(r->counts, s->counts, sizeof(r->counts));
    }
    if (r->name == NULL || r->state == NULL || (location && r->location == NULL))
        return oom(err);
    return KS_OK;
}

static int64_t
count_rows(struct ks_vdb_build *b, const char *sql, int64_t id)
{
    sqlite3_stmt *st = NULL;
    int64_t n = 0;

    if (sqlite3_prepare_v2(b->db, sql, -1, &st, NULL) != SQLITE_OK)
        return 0;
    if (id >= 0)
        sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

enum ks_code
ks_vdb_build_container_end(struct ks_vdb_build *b, const char *digest, struct ks_err *err)
{
    enum ks_code rc = KS_OK;

    for (size_t i = 0; rc == KS_OK && i < b->n_srcs; i++) {
        struct src_state *s = b->srcs[i];
        sqlite3_stmt *st = NULL;
        uint64_t changes = 0;
        int64_t held;

        if (s->snapshot && s->track) {
            if (strcmp(s->kind, "nvd") == 0)
                rc = drop_unseen_nvd(b, s, err);
            else if (strcmp(s->kind, "kev") == 0)
                rc = drop_unseen_kev(b, s, err);
            else if (strcmp(s->kind, "epss") != 0)
                rc = drop_unseen_advisories(b, s, err);
        }
        if (rc != KS_OK)
            break;
        if (strcmp(s->kind, "nvd") == 0)
            held = count_rows(b, "SELECT count(*) FROM nvd WHERE owner = ?", s->id);
        else if (strcmp(s->kind, "kev") == 0)
            held = count_rows(b, "SELECT count(*) FROM kev", -1);
        else if (strcmp(s->kind, "epss") == 0)
            held = count_rows(b, "SELECT count(*) FROM epss", -1);
        else
            held = count_rows(b, "SELECT count(*) FROM adv_sources WHERE source = ?", s->id);
        if (strcmp(s->kind, "epss") == 0 && s->records > 0) {
            enum ks_change_kind k = s->existed ? KS_CHANGE_MODIFIED : KS_CHANGE_ADDED;

            s->counts[k] = s->records;
            rc = add_change(b, k, "epss", NULL, NULL, NULL, NULL, err);
            if (rc != KS_OK)
                break;
        }
        for (int k = 0; k < KS_CHANGE_COUNT; k++)
            changes += s->counts[k];
        if (ks_vdb_prepare(b->db,
                           "UPDATE sources SET label = ?, location = ?, etag = ?, "
                           "last_modified = ?, digest = ?, data_time = coalesce(?, data_time), "
                           "records = ?, malformed = ?, checked_at = ?, "
                           "changed_at = CASE WHEN ? THEN ? ELSE changed_at END WHERE id = ?",
                           &st, err) != KS_OK) {
            rc = err->code;
            break;
        }
        ks_vdb_bind_cstr(st, 1, b->label);
        ks_vdb_bind_cstr(st, 2, b->location);
        ks_vdb_bind_cstr(st, 3, b->etag);
        ks_vdb_bind_cstr(st, 4, b->last_modified);
        ks_vdb_bind_cstr(st, 5, digest);
        ks_vdb_bind_cstr(st, 6, s->data_time);
        sqlite3_bind_int64(st, 7, held);
        sqlite3_bind_int64(st, 8, (sqlite3_int64)s->malformed);
        sqlite3_bind_int64(st, 9, (sqlite3_int64)b->now);
        sqlite3_bind_int(st, 10, changes > 0 || !s->existed);
        sqlite3_bind_int64(st, 11, (sqlite3_int64)b->now);
        sqlite3_bind_int64(st, 12, s->id);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = ks_vdb_sqlerr(b->db, err, "sources");
        sqlite3_finalize(st);
        if (rc == KS_OK)
            rc = push_result(b, s->name, b->location, "imported", s, err);
    }
    container_clear(b);
    return rc;
}

void
ks_vdb_build_container_fail(struct ks_vdb_build *b)
{
    container_clear(b);
}

enum ks_code
ks_vdb_build_use(struct ks_vdb_build *b, const struct ks_vdb_importer *imp, const char *file,
                 struct ks_err *err)
{
    struct src_state *s;
    enum ks_code rc;

    b->sink.importer = imp;
    b->sink.file = file;
    if ((rc = src_get(b, imp, &s, err)) != KS_OK)
        return rc;
    return KS_OK;
}

void
ks_vdb_build_doc_done(struct ks_vdb_build *b, uint64_t malformed_before)
{
    struct src_state *s;

    if (b->sink.importer != NULL && src_get(b, b->sink.importer, &s, NULL) == KS_OK)
        s->malformed += b->sink.malformed - malformed_before;
}

bool
ks_vdb_build_old_source(struct ks_vdb_build *b, const char *name, const char **digest,
                        const char **etag, const char **last_modified, const char **location)
{
    for (size_t i = 0; i < b->old.len; i++) {
        const struct old_source *o = ks_vec_at(&b->old, i);

        if (strcmp(o->name, name) == 0) {
            if (digest)
                *digest = o->digest;
            if (etag)
                *etag = o->etag;
            if (last_modified)
                *last_modified = o->last_modified;
            if (location)
                *location = o->location;
            return true;
        }
    }
    return false;
}

bool
ks_vdb_build_find_label(struct ks_vdb_build *b, const char *label, const char *digest)
{
    bool any = false;

    if (b->force || label == NULL || digest == NULL)
        return false;
    for (size_t i = 0; i < b->old.len; i++) {
        const struct old_source *o = ks_vec_at(&b->old, i);

        if (o->label == NULL || strcmp(o->label, label) != 0)
            continue;
        if (o->digest == NULL || strcmp(o->digest, digest) != 0)
            return false;
        any = true;
    }
    return any;
}

size_t
ks_vdb_build_label_sources(struct ks_vdb_build *b, const char *label, const char **names,
                           size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < b->old.len && n < max; i++) {
        const struct old_source *o = ks_vec_at(&b->old, i);

        if (o->label != NULL && strcmp(o->label, label) == 0)
            names[n++] = o->name;
    }
    return n;
}

enum ks_code
ks_vdb_build_unchanged(struct ks_vdb_build *b, const char *name, const char *location,
                       const char *state, struct ks_err *err)
{
    struct pending_check *c = ks_vec_push(&b->checks);
    struct src_state s = {0};

    if (c == NULL)
        return oom(err);
    /* Validators of a 200 whose body turned out identical are the new ones. */
    c->name = ks_strdup(name);
    c->location = location ? ks_strdup(location) : NULL;
    c->etag = b->pending_etag ? ks_strdup(b->pending_etag) : NULL;
    c->last_modified = b->pending_last_modified ? ks_strdup(b->pending_last_modified) : NULL;
    if (c->name == NULL)
        return oom(err);
    for (size_t i = 0; i < b->old.len; i++) {
        const struct old_source *o = ks_vec_at(&b->old, i);

        if (strcmp(o->name, name) == 0)
            s.records = o->records;
    }
    return push_result(b, name, location, state, &s, err);
}

/* Move the check time of every unchanged source (only when writing a file). */
static enum ks_code
apply_checks(struct ks_vdb_build *b, struct ks_err *err)
{
    sqlite3_stmt *st = NULL;
    enum ks_code rc = KS_OK;

    if (b->checks.len == 0)
        return KS_OK;
    if (ks_vdb_prepare(b->db,
                       "UPDATE sources SET checked_at = ?, location = coalesce(?, location), "
                       "etag = coalesce(?, etag), last_modified = coalesce(?, last_modified) "
                       "WHERE name = ?",
                       &st, err) != KS_OK)
        return err->code;
    for (size_t i = 0; rc == KS_OK && i < b->checks.len; i++) {
        const struct pending_check *c = ks_vec_at(&b->checks, i);

        sqlite3_bind_int64(st, 1, (sqlite3_int64)b->now);
        ks_vdb_bind_cstr(st, 2, c->location);
        ks_vdb_bind_cstr(st, 3, c->etag);
        ks_vdb_bind_cstr(st, 4, c->last_modified);
        sqlite3_bind_text(st, 5, c->name, -1, SQLITE_STATIC);
        rc = step_done(b, st, "sources", err);
    }
    sqlite3_finalize(st);
    return rc;
}

void
ks_vdb_build_missing(struct ks_vdb_build *b, const char *name, const char *location)
{
    (void)push_result(b, name, location, "missing", NULL, NULL);
}

/* ------------------------------------------------------------------------ */
/* Commit                                                                   */

static enum ks_code
content_hash(struct ks_vdb_build *b, char hex[65], struct ks_err *err)
{
    struct ks_sha256_stream h;
    sqlite3_stmt *st = NULL;
    int step;

    if (ks_sha256_stream_begin(&h) != KS_OK)
        return oom(err);
    if (ks_vdb_prepare(b->db, "SELECT name, coalesce(digest, '') FROM sources ORDER BY name", &st,
                       err) != KS_OK) {
        ks_sha256_stream_end(&h, hex);
        return err->code;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        ks_sha256_stream_update(&h, sqlite3_column_text(st, 0),
                                (size_t)sqlite3_column_bytes(st, 0));
        ks_sha256_stream_update(&h, " ", 1);
        ks_sha256_stream_update(&h, sqlite3_column_text(st, 1),
                                (size_t)sqlite3_column_bytes(st, 1));
        ks_sha256_stream_update(&h, "\n", 1);
    }
    sqlite3_finalize(st);
    ks_sha256_stream_end(&h, hex);
    if (step != SQLITE_DONE)
        return ks_vdb_sqlerr(b->db, err, "sources");
    return KS_OK;
}

static json_t *
summary_json(struct ks_vdb_build *b)
{
    json_t *arr = json_array();

    for (size_t i = 0; arr != NULL && i < b->results.len; i++) {
        const struct result *r = ks_vec_at(&b->results, i);
        json_t *o = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "source", r->name,
                              "state", r->state, "records", (json_int_t)r->records, "added",
                              (json_int_t)r->counts[KS_CHANGE_ADDED], "modified",
                              (json_int_t)r->counts[KS_CHANGE_MODIFIED], "withdrawn",
                              (json_int_t)r->counts[KS_CHANGE_WITHDRAWN], "removed",
                              (json_int_t)r->counts[KS_CHANGE_REMOVED], "malformed",
                              (json_int_t)r->malformed);

        if (o == NULL || json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

static int
eco_cmp(const void *a, const void *b)
{
    return strcmp(((const struct ks_vulndb_eco_summary *)a)->ecosystem,
                  ((const struct ks_vulndb_eco_summary *)b)->ecosystem);
}

static enum ks_code
fill_summary(struct ks_vdb_build *b, struct ks_arena *a, struct ks_vulndb_summary *out,
             const char *hash, struct ks_err *err)
{
    size_t pos = 0, n = 0;
    struct ks_str key;
    void *val;

    memset(out, 0, sizeof(*out));
    out->from_scratch = b->from_scratch;
    out->content_hash = hash ? ks_arena_strdup(a, hash) : NULL;
    out->sources = ks_arena_calloc(a, b->results.len + 1, sizeof(*out->sources));
    out->ecosystems = ks_arena_calloc(a, ks_map_len(b->ecos) + 1, sizeof(*out->ecosystems));
    if (out->sources == NULL || out->ecosystems == NULL)
        return oom(err);
    for (size_t i = 0; i < b->results.len; i++) {
        const struct result *r = ks_vec_at(&b->results, i);
        struct ks_vulndb_source_result *o = &out->sources[i];

        o->name = ks_arena_strdup(a, r->name);
        o->location = ks_arena_strdup(a, r->location);
        o->state = ks_arena_strdup(a, r->state);
        o->records = r->records;
        o->malformed = r->malformed;
        memcpy(o->counts, r->counts, sizeof(o->counts));
        out->malformed += r->malformed;
    }
    out->n_sources = b->results.len;
    while (ks_map_next(b->ecos, &pos, &key, &val)) {
        struct ks_vulndb_eco_summary *e = &out->ecosystems[n++];

        e->ecosystem = ks_arena_strdup_str(a, key);
        memcpy(e->counts, ((struct eco_count *)val)->counts, sizeof(e->counts));
    }
    out->n_ecosystems = n;
    qsort(out->ecosystems, n, sizeof(*out->ecosystems), eco_cmp);
    memcpy(out->nvd_counts, b->nvd_counts, sizeof(out->nvd_counts));
    memcpy(out->kev_counts, b->kev_counts, sizeof(out->kev_counts));
    out->advisories_total = b->db ? (uint64_t)count_rows(b, "SELECT count(*) FROM advisories", -1)
                                  : b->old_advisories;
    return KS_OK;
}

static enum ks_code
fsync_path(const char *path, bool dir, struct ks_err *err)
{
    int fd = open(path, (dir ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);

    if (fd < 0)
        return ks_err_set(err, KS_EIO, "vulndb: cannot open '%s': %s", path, strerror(errno));
    if (fsync(fd) != 0 && !dir) {
        close(fd);
        return ks_err_set(err, KS_EIO, "vulndb: cannot sync '%s': %s", path, strerror(errno));
    }
    close(fd);
    return KS_OK;
}

enum ks_code
ks_vdb_build_commit(struct ks_vdb_build *b, bool always_write, struct ks_arena *arena,
                    struct ks_vulndb_summary *summary, struct ks_err *err)
{
    enum ks_code rc = KS_EINTERNAL;
    char hash[65] = "", seqs[24], now[21];
    struct ks_buf sj = KS_BUF_INIT(1 << 24);
    json_t *sjson = NULL;
    sqlite3_stmt *st = NULL;

    if (!b->dirty && !always_write) {
        /* Nothing changed: keep the old file (and its inode: readers see no change). */
        rc = fill_summary(b, arena, summary, NULL, err);
        if (rc == KS_OK) {
            summary->content_hash = ks_arena_strdup(arena, b->old_content_hash);
            summary->seq = b->seq - 1;
            summary->from_scratch = false;
        }
        ks_vdb_build_abort(b);
        return rc;
    }
    if ((rc = ensure_db(b, err)) != KS_OK || (rc = apply_checks(b, err)) != KS_OK)
        goto fail;
    /* A first NVD load is one change row, not 200k: re-score everything. */
    if (b->nvd_initial && b->nvd_counts[KS_CHANGE_ADDED] > 0 &&
        (rc = add_change(b, KS_CHANGE_ADDED, "nvd", NULL, NULL, NULL, NULL, err)) != KS_OK)
        goto fail;
    snprintf(seqs, sizeof(seqs), "%llu", (unsigned long long)b->seq);
    ks_time_rfc3339(b->now, now);
    sjson = summary_json(b);
    if (sjson == NULL || (rc = ks_json_dump(sjson, false, &sj, err)) != KS_OK) {
        rc = sjson == NULL ? oom(err) : rc;
        goto fail;
    }
    if ((rc = ks_vdb_prepare(b->db, "INSERT INTO updates(seq, at, command, summary) "
                                    "VALUES (?, ?, ?, ?)",
                             &st, err)) != KS_OK)
        goto fail;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)b->seq);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)b->now);
    sqlite3_bind_text(st, 3, b->command, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, sj.data, (int)sj.len, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = ks_vdb_sqlerr(b->db, err, "updates");
        goto fail;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (b->seq > KS_VULNDB_KEEP_CHANGESETS) {
        char sql[160];

        snprintf(sql, sizeof(sql),
                 "DELETE FROM changes WHERE seq <= %llu; DELETE FROM updates WHERE seq <= %llu;",
                 (unsigned long long)(b->seq - KS_VULNDB_KEEP_CHANGESETS),
                 (unsigned long long)(b->seq - KS_VULNDB_KEEP_CHANGESETS));
        if ((rc = ks_vdb_exec(b->db, sql, err)) != KS_OK)
            goto fail;
    }
    if ((rc = content_hash(b, hash, err)) != KS_OK ||
        (rc = set_meta(b, "seq", seqs, err)) != KS_OK ||
        (rc = set_meta(b, "built_at", now, err)) != KS_OK ||
        (rc = set_meta(b, "content_hash", hash, err)) != KS_OK ||
        (rc = set_meta(b, "kensa_version", KS_VERSION_STRING, err)) != KS_OK)
        goto fail;
    if ((rc = fill_summary(b, arena, summary, hash, err)) != KS_OK)
        goto fail;
    summary->seq = b->seq;
    summary->written = true;
    for (int i = 0; i < ST_COUNT; i++) {
        sqlite3_finalize(b->st[i]);
        b->st[i] = NULL;
    }
    if ((rc = ks_vdb_exec(b->db, "COMMIT;", err)) != KS_OK)
        goto fail;
    /* Deleted sources leave free pages behind in a copied file: compact it. */
    if (count_rows(b, "PRAGMA freelist_count", -1) * 4 > count_rows(b, "PRAGMA page_count", -1) &&
        (rc = ks_vdb_exec(b->db, "VACUUM;", err)) != KS_OK)
        goto fail;
    if (sqlite3_close(b->db) != SQLITE_OK) {
        rc = ks_vdb_sqlerr(b->db, err, "close");
        goto fail;
    }
    b->db = NULL;
    if ((rc = fsync_path(b->tmp_path, false, err)) != KS_OK)
        goto fail;
    if (rename(b->tmp_path, b->db_path) != 0) {
        rc = ks_err_set(err, KS_EIO, "vulndb: cannot rename '%s' to '%s': %s", b->tmp_path,
                        b->db_path, strerror(errno));
        goto fail;
    }
    (void)fsync_path(b->dir, true, NULL);
    ks_free(b->tmp_path);
    b->tmp_path = NULL; /* renamed: nothing to delete */
    json_decref(sjson);
    ks_buf_release(&sj);
    ks_vdb_build_abort(b);
    return KS_OK;
fail:
    sqlite3_finalize(st);
    json_decref(sjson);
    ks_buf_release(&sj);
    ks_vdb_build_abort(b);
    return rc;
}

void
ks_vdb_build_abort(struct ks_vdb_build *b)
{
    size_t pos = 0;
    struct ks_str key;
    void *val;

    if (b == NULL)
        return;
    container_clear(b);
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(b->st[i]);
    if (b->db != NULL)
        sqlite3_close(b->db);
    if (b->tmp_path != NULL)
        unlink(b->tmp_path);
    if (b->lock_fd >= 0)
        close(b->lock_fd); /* releases the flock */
    for (size_t i = 0; i < b->results.len; i++) {
        struct result *r = ks_vec_at(&b->results, i);

        ks_free(r->name);
        ks_free(r->location);
        ks_free(r->state);
    }
    ks_vec_release(&b->results);
    for (size_t i = 0; i < b->old.len; i++) {
        struct old_source *o = ks_vec_at(&b->old, i);

        ks_free(o->name);
        ks_free(o->label);
        ks_free(o->digest);
        ks_free(o->etag);
        ks_free(o->last_modified);
        ks_free(o->location);
    }
    ks_vec_release(&b->old);
    for (size_t i = 0; i < b->checks.len; i++) {
        struct pending_check *c = ks_vec_at(&b->checks, i);

        ks_free(c->name);
        ks_free(c->location);
        ks_free(c->etag);
        ks_free(c->last_modified);
    }
    ks_vec_release(&b->checks);
    ks_free(b->old_content_hash);
    if (b->ecos != NULL) {
        while (ks_map_next(b->ecos, &pos, &key, &val))
            ks_free(val);
        ks_map_free(b->ecos);
    }
    ks_buf_release(&b->json);
    ks_buf_release(&b->blob);
    ks_buf_release(&b->zdoc);
    ks_buf_release(&b->zhead);
    ZSTD_freeCCtx(b->zc);
    {
        char unused[65];

        ks_sha256_stream_end(&b->sha, unused);
    }
    ks_free(b->pending_etag);
    ks_free(b->pending_last_modified);
    ks_free(b->db_path);
    ks_free(b->tmp_path);
    ks_free(b->lock_path);
    ks_free(b->dir);
    ks_free(b->base);
    ks_free(b->command);
    ks_free(b);
}
