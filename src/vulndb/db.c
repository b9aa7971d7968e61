/*
 * db.c: reading a DB. Opened in SQLite's immutable mode (no locks, no
 * journal: the file is never written in place, only replaced by rename), so
 * any number of scans and the server read it while `db update` builds the
 * next one. Queries use statements prepared once per handle.
 */
#include "vulndb/vulndb_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>
#include <sqlite3.h>
#include <zstd.h>

#include "base/banned.h"

enum {
    Q_FIND_ANY,
    Q_FIND_REL,
    Q_ADV,
    Q_ADV_HEAD,
    Q_ALIAS,
    Q_NVD,
    Q_EPSS,
    Q_KEV,
    Q_COUNT
};

#define FIND_COLS                                                                                  \
    "SELECT a.adv_id, a.modified, f.ecosystem, f.release, f.raw_name, f.purl, f.idx, f.status, "  \
    "f.vendor_severity, f.ranges FROM affected f JOIN advisories a ON a.id = f.adv "

static const char *const q_sql[Q_COUNT] = {
    [Q_FIND_ANY] = FIND_COLS "WHERE f.eco = ?1 AND f.name = ?2 AND f.withdrawn = 0 "
                             "ORDER BY a.adv_id, f.idx",
    [Q_FIND_REL] = FIND_COLS "WHERE f.eco = ?1 AND f.name = ?2 AND f.release = ?3 "
                             "AND f.withdrawn = 0 ORDER BY a.adv_id, f.idx",
    [Q_ADV] = "SELECT a.doc, s.name FROM advisories a LEFT JOIN sources s ON s.id = a.owner "
              "WHERE a.adv_id = ?",
    [Q_ADV_HEAD] = "SELECT a.head, s.name FROM advisories a LEFT JOIN sources s "
                   "ON s.id = a.owner WHERE a.adv_id = ?",
    [Q_ALIAS] = "SELECT adv_id FROM advisories WHERE adv_id = ?1 UNION "
                "SELECT a.adv_id FROM aliases l JOIN advisories a ON a.id = l.adv "
                "WHERE l.alias = ?1 ORDER BY 1",
    [Q_NVD] = "SELECT doc FROM nvd WHERE cve = ?",
    [Q_EPSS] = "SELECT score, percentile FROM epss WHERE cve = ?",
    [Q_KEV] = "SELECT date_added, due_date, ransomware, required_action, vendor_project, "
              "product, name FROM kev WHERE cve = ?",
};

struct src_age {
    char *name;
    time_t checked_at;
};

struct ks_vulndb {
    char *path;
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT];
    struct stat st; /* of the file when opened */
    uint64_t seq;
    char *lineage;
    struct src_age *srcs;
    size_t n_srcs;
};

enum ks_code
ks_vulndb_default_path(struct ks_buf *out, struct ks_err *err)
{
    const char *env = getenv("KENSA_DB");
    const char *xdg = getenv("XDG_CACHE_HOME");
    const char *home = getenv("HOME");

    if (env != NULL && env[0] != '\0')
        ks_buf_appends(out, env);
    else if (xdg != NULL && xdg[0] == '/') /* the XDG spec ignores relative paths */
        ks_buf_appendf(out, "%s/kensa/vuln.db", xdg);
    else if (home != NULL && home[0] != '\0')
        ks_buf_appendf(out, "%s/.cache/kensa/vuln.db", home);
    else
        return ks_err_set(err, KS_ENOTFOUND,
                          "no DB location: set --db, KENSA_DB, XDG_CACHE_HOME or HOME");
    if (ks_buf_err(out) != KS_OK)
        return ks_err_set(err, ks_buf_err(out), "DB path too long");
    return KS_OK;
}

const char *
ks_vulndb_path(const struct ks_vulndb *db)
{
    return db->path;
}

uint64_t
ks_vulndb_seq(const struct ks_vulndb *db)
{
    return db->seq;
}

const char *
ks_vulndb_lineage(const struct ks_vulndb *db)
{
    return db->lineage ? db->lineage : "";
}

void
ks_vulndb_free(struct ks_vulndb *db)
{
    if (db == NULL)
        return;
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(db->q[i]);
    sqlite3_close(db->db);
    for (size_t i = 0; i < db->n_srcs; i++)
        ks_free(db->srcs[i].name);
    ks_free(db->srcs);
    ks_free(db->lineage);
    ks_free(db->path);
    ks_free(db);
}

static bool
same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

bool
ks_vulndb_changed(const struct ks_vulndb *db)
{
    struct stat now;

    if (stat(db->path, &now) != 0)
        return false;
    return !same_file(&now, &db->st);
}

/* "file:/path?immutable=1" with %, ? and # escaped (RFC 3986 as SQLite reads it). */
static enum ks_code
uri_for(const char *path, struct ks_buf *uri)
{
    ks_buf_appends(uri, "file:");
    for (const char *p = path; *p; p++) {
        if (*p == '%' || *p == '?' || *p == '#')
            ks_buf_appendf(uri, "%%%02X", (unsigned char)*p);
        else
            ks_buf_putc(uri, *p);
    }
    ks_buf_appends(uri, "?immutable=1");
    return ks_buf_err(uri);
}

static int64_t
pragma_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    int64_t v = -1;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static enum ks_code
load_sources(struct ks_vulndb *db, struct ks_err *err)
{
    sqlite3_stmt *st = NULL;
    int64_t n = pragma_int(db->db, "SELECT count(*) FROM sources");
    int step;

    if (n < 0)
        return ks_vdb_sqlerr(db->db, err, "sources");
    if (n == 0)
        return KS_OK;
    db->srcs = ks_calloc((size_t)n, sizeof(*db->srcs));
    if (db->srcs == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    if (ks_vdb_prepare(db->db, "SELECT name, checked_at FROM sources ORDER BY name", &st, err) !=
        KS_OK)
        return err->code;
    while ((step = sqlite3_step(st)) == SQLITE_ROW && db->n_srcs < (size_t)n) {
        struct src_age *s = &db->srcs[db->n_srcs++];

        s->name = ks_strdup((const char *)sqlite3_column_text(st, 0));
        s->checked_at = (time_t)sqlite3_column_int64(st, 1);
        if (s->name == NULL) {
            sqlite3_finalize(st);
            return ks_err_set(err, KS_ENOMEM, "out of memory");
        }
    }
    sqlite3_finalize(st);
    return KS_OK;
}

enum ks_code
ks_vulndb_open(const char *path, struct ks_vulndb **out, struct ks_err *err)
{
    struct ks_vulndb *db = ks_calloc(1, sizeof(*db));
    struct ks_buf uri = KS_BUF_INIT(8192);
    struct ks_arena *a = NULL;
    enum ks_code rc = KS_EINTERNAL;
    const char *v;

    if (db == NULL || (db->path = ks_strdup(path)) == NULL || (a = ks_arena_new(4096)) == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "out of memory");
        goto out;
    }
    if (uri_for(path, &uri) != KS_OK) {
        rc = ks_err_set(err, KS_ETOOBIG, "vulndb: path too long: '%s'", path);
        goto out;
    }
    /* stat, open, stat again: a rename in between would pair the wrong file */
    /* with the recorded inode, so retry until both agree.                   */
    for (int attempt = 0;; attempt++) {
        struct stat after;

        if (stat(path, &db->st) != 0) {
            rc = ks_err_set(err, errno == ENOENT ? KS_ENOTFOUND : KS_EIO,
                            "vulndb: no vulnerability DB at '%s' (run `kensa db update` or "
                            "`kensa db import`)",
                            path);
            goto out;
        }
        if (sqlite3_open_v2(uri.data, &db->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) !=
            SQLITE_OK) {
            rc = ks_vdb_sqlerr(db->db, err, "cannot open the DB");
            goto out;
        }
        if (stat(path, &after) == 0 && same_file(&after, &db->st))
            break;
        sqlite3_close(db->db);
        db->db = NULL;
        if (attempt == 3) {
            rc = ks_err_set(err, KS_EIO, "vulndb: '%s' keeps changing while being opened", path);
            goto out;
        }
    }
    if (pragma_int(db->db, "PRAGMA application_id") != KS_VDB_APPLICATION_ID) {
        rc = ks_err_set(err, KS_EDB, "vulndb: '%s' is not a Kensa vulnerability DB", path);
        goto out;
    }
    if (pragma_int(db->db, "PRAGMA user_version") != KS_VULNDB_SCHEMA_VERSION) {
        rc = ks_err_set(err, KS_EDB,
                        "vulndb: '%s' has schema version %lld, this Kensa reads %d "
                        "(run `kensa db update` to rebuild it)",
                        path, (long long)pragma_int(db->db, "PRAGMA user_version"),
                        KS_VULNDB_SCHEMA_VERSION);
        goto out;
    }
    (void)ks_vdb_exec(db->db, "PRAGMA query_only = 1; PRAGMA mmap_size = 268435456;", NULL);
    for (int i = 0; i < Q_COUNT; i++)
        if ((rc = ks_vdb_prepare(db->db, q_sql[i], &db->q[i], err)) != KS_OK)
            goto out;
    v = ks_vdb_meta_get(db->db, "seq", a);
    if (v != NULL)
        (void)ks_parse_u64(ks_str_c(v), UINT64_MAX, &db->seq);
    v = ks_vdb_meta_get(db->db, "lineage", a);
    db->lineage = ks_strdup(v ? v : "");
    if (db->lineage == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = load_sources(db, err)) != KS_OK)
        goto out;
    *out = db;
    db = NULL;
    rc = KS_OK;
out:
    ks_buf_release(&uri);
    ks_arena_free(a);
    ks_vulndb_free(db);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Freshness                                                                */

int64_t
ks_vulndb_age(const struct ks_vulndb *db, time_t now, const char **oldest)
{
    const struct src_age *o = NULL;

    for (size_t i = 0; i < db->n_srcs; i++)
        if (o == NULL || db->srcs[i].checked_at < o->checked_at)
            o = &db->srcs[i];
    if (o == NULL)
        return -1;
    if (oldest != NULL)
        *oldest = o->name;
    /* A clock behind the DB's (SOURCE_DATE_EPOCH, skew) reads as fresh, not "no feeds". */
    return (int64_t)now > (int64_t)o->checked_at ? (int64_t)now - (int64_t)o->checked_at : 0;
}

bool
ks_vulndb_is_stale(const struct ks_vulndb *db, time_t now, int64_t max_age, struct ks_err *why)
{
    const char *oldest = NULL;
    int64_t age = ks_vulndb_age(db, now, &oldest);

    if (age < 0) {
        ks_err_set(why, KS_ENOTFOUND, "the vulnerability DB '%s' holds no feeds", db->path);
        return true;
    }
    if (age <= max_age)
        return false;
    ks_err_set(why, KS_EINVAL,
               "the vulnerability DB '%s' is %lld days old (source '%s' last checked %lld "
               "hours ago; limit %lld days): run `kensa db update`",
               db->path, (long long)(age / 86400), oldest, (long long)(age / 3600),
               (long long)(max_age / 86400));
    return true;
}

/* ------------------------------------------------------------------------ */
/* Queries                                                                  */

static const char *
col(sqlite3_stmt *st, int i, struct ks_arena *a, bool *oom)
{
    const char *v = ks_vdb_col_str(st, i, a);

    if (v == NULL && sqlite3_column_type(st, i) != SQLITE_NULL)
        *oom = true;
    return v;
}

enum ks_code
ks_vulndb_find_by_package(struct ks_vulndb *db, enum ks_eco eco, struct ks_str release,
                          struct ks_str name, struct ks_arena *arena, struct ks_vulndb_hits *out,
                          struct ks_err *err)
{
    const struct ks_eco_info *info = ks_eco_info(eco);
    struct ks_buf norm = KS_BUF_INIT(4096);
    sqlite3_stmt *st = db->q[release.len > 0 ? Q_FIND_REL : Q_FIND_ANY];
    struct ks_vulndb_hit *items = NULL;
    size_t n = 0, cap = 0;
    enum ks_code rc = KS_OK;
    int step;

    out->items = NULL;
    out->n = 0;
    if (eco == KS_ECO_UNKNOWN)
        return ks_err_set(err, KS_EINVAL, "vulndb: unknown ecosystem");
    ks_eco_normalize_name(eco, name, &norm);
    if (ks_buf_err(&norm) != KS_OK) {
        ks_buf_release(&norm);
        return KS_OK; /* longer than any stored name: nothing can match */
    }
    sqlite3_bind_text(st, 1, info->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, norm.data, (int)norm.len, SQLITE_STATIC);
    if (release.len > 0)
        ks_vdb_bind_str(st, 3, release);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct ks_vulndb_hit *h;
        bool oom = false;
        const char *status;

        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            struct ks_vulndb_hit *ni = ks_arena_alloc(arena, ncap * sizeof(*ni));

            if (ni == NULL) {
                rc = ks_err_set(err, KS_ENOMEM, "out of memory");
                break;
            }
            if (n > 0)
                memcpy(ni, items, n * sizeof(*ni));
            items = ni;
            cap = ncap;
        }
        h = &items[n];
        memset(h, 0, sizeof(*h));
        h->id = col(st, 0, arena, &oom);
        h->modified = col(st, 1, arena, &oom);
        h->ecosystem = col(st, 2, arena, &oom);
        h->release = col(st, 3, arena, &oom);
        h->name = col(st, 4, arena, &oom);
        h->purl = col(st, 5, arena, &oom);
        h->affected_index = (uint32_t)sqlite3_column_int64(st, 6);
        status = (const char *)sqlite3_column_text(st, 7);
        if (status != NULL && ks_vuln_status_parse(ks_str_c(status), &h->status) != KS_OK) {
            rc = ks_err_set(err, KS_EDB, "vulndb: advisory '%s': unknown status '%s'",
                            h->id ? h->id : "?", status);
            break;
        }
        h->vendor_severity = col(st, 8, arena, &oom);
        if (oom) {
            rc = ks_err_set(err, KS_ENOMEM, "out of memory");
            break;
        }
        rc = ks_vdb_ranges_decode(sqlite3_column_blob(st, 9), (size_t)sqlite3_column_bytes(st, 9),
                                  info->scheme, arena, &h->affected, err);
        if (rc != KS_OK) {
            ks_err_prefix(err, "advisory '%s': ", h->id ? h->id : "?");
            break;
        }
        n++;
    }
    if (rc == KS_OK && step != SQLITE_DONE)
        rc = ks_vdb_sqlerr(db->db, err, "find_by_package");
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    ks_buf_release(&norm);
    if (rc != KS_OK)
        return rc;
    out->items = items;
    out->n = n;
    return KS_OK;
}

enum ks_code
ks_vdb_doc_decode(const void *blob, size_t len, json_t **out, struct ks_err *err)
{
    unsigned long long n = ZSTD_getFrameContentSize(blob, len);
    struct ks_buf text = KS_BUF_INIT(KS_VDB_MAX_RECORD + 1);
    enum ks_code rc;
    char *p;
    size_t got;

    if (n == ZSTD_CONTENTSIZE_ERROR || n == ZSTD_CONTENTSIZE_UNKNOWN || n > KS_VDB_MAX_RECORD)
        return ks_err_set(err, KS_EDB, "vulndb: corrupt advisory document");
    p = ks_buf_reserve(&text, (size_t)n + 1);
    if (p == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    got = ZSTD_decompress(p, (size_t)n + 1, blob, len);
    if (ZSTD_isError(got) || got != n) {
        ks_buf_release(&text);
        return ks_err_set(err, KS_EDB, "vulndb: corrupt advisory document");
    }
    rc = ks_json_parse(p, got, "vulndb advisory", out, err);
    ks_buf_release(&text);
    return rc;
}

static void
decref_cb(void *p)
{
    json_decref(p);
}

enum ks_code
ks_vulndb_has_data(struct ks_vulndb *db, enum ks_eco eco, struct ks_str release, bool *out,
                   struct ks_err *err)
{
    const struct ks_eco_info *info = ks_eco_info(eco);
    sqlite3_stmt *st = NULL;
    enum ks_code rc;
    int step;

    rc = ks_vdb_prepare(db->db,
                        release.len > 0
                            ? "SELECT 1 FROM affected WHERE eco = ?1 AND release = ?2 LIMIT 1"
                            : "SELECT 1 FROM affected WHERE eco = ?1 LIMIT 1",
                        &st, err);
    if (rc != KS_OK)
        return rc;
    sqlite3_bind_text(st, 1, info->name, -1, SQLITE_STATIC);
    if (release.len > 0)
        ks_vdb_bind_str(st, 2, release);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW || step == SQLITE_DONE) {
        *out = step == SQLITE_ROW;
        rc = KS_OK;
    } else {
        rc = ks_vdb_sqlerr(db->db, err, "has_data");
    }
    sqlite3_finalize(st);
    return rc;
}

static enum ks_code
get_advisory(struct ks_vulndb *db, sqlite3_stmt *st, struct ks_str id, struct ks_arena *arena,
             struct ks_advisory *out, struct ks_err *err)
{
    json_t *doc = NULL;
    enum ks_code rc;
    const char *source;
    int step;

    ks_vdb_bind_str(st, 1, id);
    step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        sqlite3_reset(st);
        return ks_err_set(err, KS_ENOTFOUND, "vulndb: no advisory '" KS_STR_FMT "'",
                          KS_STR_ARG(id));
    }
    if (step != SQLITE_ROW) {
        rc = ks_vdb_sqlerr(db->db, err, "get_advisory");
        sqlite3_reset(st);
        return rc;
    }
    rc = ks_vdb_doc_decode(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0),
                           &doc, err);
    source = ks_vdb_col_str(st, 1, arena);
    sqlite3_reset(st);
    if (rc != KS_OK)
        return rc == KS_ENOMEM ? rc : ks_err_set(err, KS_EDB, "vulndb: corrupt advisory record");
    if (!ks_arena_on_free(arena, decref_cb, doc)) {
        json_decref(doc);
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    }
    if ((rc = ks_advisory_from_osv(doc, arena, out, err)) != KS_OK)
        return rc == KS_ENOMEM ? rc : ks_err_prefix(err, "vulndb: stored advisory: ");
    out->source = source;
    return KS_OK;
}

enum ks_code
ks_vulndb_get_advisory(struct ks_vulndb *db, struct ks_str id, struct ks_arena *arena,
                       struct ks_advisory *out, struct ks_err *err)
{
    return get_advisory(db, db->q[Q_ADV], id, arena, out, err);
}

enum ks_code
ks_vulndb_get_advisory_head(struct ks_vulndb *db, struct ks_str id, struct ks_arena *arena,
                            struct ks_advisory *out, struct ks_err *err)
{
    return get_advisory(db, db->q[Q_ADV_HEAD], id, arena, out, err);
}

enum ks_code
ks_vulndb_find_by_alias(struct ks_vulndb *db, struct ks_str id, struct ks_arena *arena,
                        const char ***ids, size_t *n, struct ks_err *err)
{
    sqlite3_stmt *st = db->q[Q_ALIAS];
    const char **items = NULL;
    size_t count = 0, cap = 0;
    enum ks_code rc = KS_OK;
    int step;

    ks_vdb_bind_str(st, 1, id);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            const char **ni = ks_arena_alloc(arena, ncap * sizeof(*ni));

            if (ni == NULL) {
                rc = ks_err_set(err, KS_ENOMEM, "out of memory");
                break;
            }
            if (count)
                memcpy(ni, items, count * sizeof(*ni));
            items = ni;
            cap = ncap;
        }
        items[count] = ks_vdb_col_str(st, 0, arena);
        if (items[count] == NULL) {
            rc = ks_err_set(err, KS_ENOMEM, "out of memory");
            break;
        }
        count++;
    }
    if (rc == KS_OK && step != SQLITE_DONE)
        rc = ks_vdb_sqlerr(db->db, err, "find_by_alias");
    sqlite3_reset(st);
    if (rc != KS_OK)
        return rc;
    *ids = items;
    *n = count;
    return KS_OK;
}

static const char *
row_str(const json_t *row, size_t i, struct ks_arena *a, bool *oom)
{
    const char *v = json_string_value(json_array_get(row, i));
    const char *c;

    if (v == NULL)
        return NULL;
    c = ks_arena_strdup(a, v);
    if (c == NULL)
        *oom = true;
    return c;
}

enum ks_code
ks_vulndb_nvd(struct ks_vulndb *db, struct ks_str cve, struct ks_arena *arena,
              struct ks_nvd_record *out, struct ks_err *err)
{
    sqlite3_stmt *st = db->q[Q_NVD];
    struct ks_nvd_record rec = {0};
    json_t *row = NULL, *cwes, *metrics;
    enum ks_code rc;
    bool oom = false;
    int step;

    ks_vdb_bind_str(st, 1, cve);
    step = sqlite3_step(st);
    if (step != SQLITE_ROW) {
        sqlite3_reset(st);
        if (step == SQLITE_DONE)
            return ks_err_set(err, KS_ENOTFOUND, "vulndb: no NVD record for '" KS_STR_FMT "'",
                              KS_STR_ARG(cve));
        return ks_vdb_sqlerr(db->db, err, "nvd");
    }
    rc = ks_vdb_doc_decode(sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0), &row,
                           err);
    sqlite3_reset(st);
    if (rc != KS_OK)
        return rc == KS_ENOMEM ? rc : ks_err_set(err, KS_EDB, "vulndb: corrupt NVD row");
    cwes = json_array_get(row, 5);
    metrics = json_array_get(row, 6);
    if (!json_is_array(row) || !json_is_array(cwes) || !json_is_array(metrics)) {
        json_decref(row);
        return ks_err_set(err, KS_EDB, "vulndb: corrupt NVD row for '" KS_STR_FMT "'",
                          KS_STR_ARG(cve));
    }
    rec.id = ks_arena_strdup_str(arena, cve);
    rec.source_identifier = row_str(row, 0, arena, &oom);
    rec.published = row_str(row, 1, arena, &oom);
    rec.last_modified = row_str(row, 2, arena, &oom);
    rec.vuln_status = row_str(row, 3, arena, &oom);
    rec.description = row_str(row, 4, arena, &oom);
    if (json_array_size(cwes) > 0) {
        const char **c = ks_arena_calloc(arena, json_array_size(cwes), sizeof(*c));

        oom |= c == NULL;
        for (size_t i = 0; c != NULL && i < json_array_size(cwes); i++)
            if ((c[rec.n_cwes] = row_str(cwes, i, arena, &oom)) != NULL)
                rec.n_cwes++;
        rec.cwes = c;
    }
    if (json_array_size(metrics) > 0) {
        struct ks_nvd_metric *m = ks_arena_calloc(arena, json_array_size(metrics), sizeof(*m));

        oom |= m == NULL;
        for (size_t i = 0; m != NULL && i < json_array_size(metrics); i++) {
            json_t *r = json_array_get(metrics, i), *score = json_array_get(r, 4);
            struct ks_nvd_metric *o = &m[rec.n_metrics];

            o->version = row_str(r, 0, arena, &oom);
            o->source = row_str(r, 1, arena, &oom);
            o->type = row_str(r, 2, arena, &oom);
            o->vector = row_str(r, 3, arena, &oom);
            o->base_score = json_is_number(score) ? json_number_value(score) : -1;
            o->base_severity = row_str(r, 5, arena, &oom);
            if (o->version != NULL && o->vector != NULL)
                rec.n_metrics++;
        }
        rec.metrics = m;
    }
    json_decref(row);
    if (oom || rec.id == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    *out = rec;
    return KS_OK;
}

enum ks_code
ks_vulndb_epss(struct ks_vulndb *db, struct ks_str cve, struct ks_epss *out, struct ks_err *err)
{
    sqlite3_stmt *st = db->q[Q_EPSS];
    int step;

    ks_vdb_bind_str(st, 1, cve);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        out->score = sqlite3_column_double(st, 0);
        out->percentile = sqlite3_column_double(st, 1);
    }
    sqlite3_reset(st);
    if (step == SQLITE_ROW)
        return KS_OK;
    if (step == SQLITE_DONE)
        return ks_err_set(err, KS_ENOTFOUND, "vulndb: no EPSS score for '" KS_STR_FMT "'",
                          KS_STR_ARG(cve));
    return ks_vdb_sqlerr(db->db, err, "epss");
}

enum ks_code
ks_vulndb_kev(struct ks_vulndb *db, struct ks_str cve, struct ks_arena *arena, struct ks_kev *out,
              struct ks_err *err)
{
    sqlite3_stmt *st = db->q[Q_KEV];
    struct ks_kev k = {0};
    bool oom = false;
    int step;

    ks_vdb_bind_str(st, 1, cve);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        k.cve = ks_arena_strdup_str(arena, cve);
        k.date_added = col(st, 0, arena, &oom);
        k.due_date = col(st, 1, arena, &oom);
        k.known_ransomware_campaign_use = col(st, 2, arena, &oom);
        k.required_action = col(st, 3, arena, &oom);
        k.vendor_project = col(st, 4, arena, &oom);
        k.product = col(st, 5, arena, &oom);
        k.vulnerability_name = col(st, 6, arena, &oom);
    }
    sqlite3_reset(st);
    if (step == SQLITE_DONE)
        return ks_err_set(err, KS_ENOTFOUND, "vulndb: '" KS_STR_FMT "' is not in CISA KEV",
                          KS_STR_ARG(cve));
    if (step != SQLITE_ROW)
        return ks_vdb_sqlerr(db->db, err, "kev");
    if (oom || k.cve == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    *out = k;
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* Change sets                                                              */

static enum ks_change_kind
kind_from(const char *s)
{
    for (int k = 0; k < KS_CHANGE_COUNT; k++)
        if (s != NULL && strcmp(s, ks_change_kind_name((enum ks_change_kind)k)) == 0)
            return (enum ks_change_kind)k;
    return KS_CHANGE_MODIFIED;
}

enum ks_code
ks_vulndb_changes_since(struct ks_vulndb *db, uint64_t since, struct ks_arena *arena,
                        struct ks_vulndb_changes *out, struct ks_err *err)
{
    sqlite3_stmt *st = NULL;
    struct ks_vulndb_change *items = NULL;
    size_t n = 0, cap = 0;
    enum ks_code rc = KS_OK;
    int64_t oldest;
    int step;

    out->items = NULL;
    out->n = 0;
    if (since > db->seq)
        return ks_err_set(err, KS_ENOTFOUND,
                          "vulndb: update %llu is newer than this DB (%llu): re-evaluate all",
                          (unsigned long long)since, (unsigned long long)db->seq);
    if (since == db->seq)
        return KS_OK;
    oldest = pragma_int(db->db, "SELECT coalesce(min(seq), 0) FROM updates");
    if (oldest < 0 || (uint64_t)oldest > since + 1)
        return ks_err_set(err, KS_ENOTFOUND,
                          "vulndb: the change sets after update %llu are no longer kept: "
                          "re-evaluate all",
                          (unsigned long long)since);
    if ((rc = ks_vdb_prepare(db->db,
                             "SELECT seq, kind, subject, id, eco, release, name FROM changes "
                             "WHERE seq > ? ORDER BY seq, rowid",
                             &st, err)) != KS_OK)
        return rc;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)since);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        struct ks_vulndb_change *c;
        bool oom = false;

        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            struct ks_vulndb_change *ni = ks_arena_alloc(arena, ncap * sizeof(*ni));

            if (ni == NULL) {
                rc = ks_err_set(err, KS_ENOMEM, "out of memory");
                break;
            }
            if (n)
                memcpy(ni, items, n * sizeof(*ni));
            items = ni;
            cap = ncap;
        }
        c = &items[n++];
        c->seq = (uint64_t)sqlite3_column_int64(st, 0);
        c->kind = kind_from((const char *)sqlite3_column_text(st, 1));
        c->subject = col(st, 2, arena, &oom);
        c->id = col(st, 3, arena, &oom);
        c->ecosystem = col(st, 4, arena, &oom);
        c->release = col(st, 5, arena, &oom);
        c->name = col(st, 6, arena, &oom);
        if (c->release == NULL && !oom)
            c->release = "";
        if (oom) {
            rc = ks_err_set(err, KS_ENOMEM, "out of memory");
            break;
        }
    }
    if (rc == KS_OK && step != SQLITE_DONE)
        rc = ks_vdb_sqlerr(db->db, err, "changes");
    sqlite3_finalize(st);
    if (rc != KS_OK)
        return rc;
    out->items = items;
    out->n = n;
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* Status                                                                   */

static time_t
parse_time(const char *s)
{
    time_t t = 0;

    if (s != NULL)
        (void)ks_time_parse(ks_str_c(s), &t);
    return t;
}

enum ks_code
ks_vulndb_status(struct ks_vulndb *db, struct ks_arena *arena, struct ks_vulndb_status *out,
                 struct ks_err *err)
{
    struct ks_vulndb_status s = {0};
    sqlite3_stmt *st = NULL;
    struct ks_vulndb_source_info *srcs;
    size_t n = 0;
    int64_t total = pragma_int(db->db, "SELECT count(*) FROM sources");
    int step;

    s.path = db->path;
    s.schema_version = (int)pragma_int(db->db, "PRAGMA user_version");
    s.lineage = ks_arena_strdup(arena, db->lineage);
    s.seq = db->seq;
    s.built_at = parse_time(ks_vdb_meta_get(db->db, "built_at", arena));
    s.content_hash = ks_vdb_meta_get(db->db, "content_hash", arena);
    s.kensa_version = ks_vdb_meta_get(db->db, "kensa_version", arena);
    s.advisories = (uint64_t)pragma_int(db->db, "SELECT count(*) FROM advisories");
    s.withdrawn = (uint64_t)pragma_int(db->db, "SELECT count(*) FROM advisories WHERE withdrawn");
    s.affected_rows = (uint64_t)pragma_int(db->db, "SELECT count(*) FROM affected");
    s.nvd_records = (uint64_t)pragma_int(db->db, "SELECT count(*) FROM nvd");
    s.epss_records = (uint64_t)pragma_int(db->db, "SELECT count(*) FROM epss");
    s.kev_records = (uint64_t)pragma_int(db->db, "SELECT count(*) FROM kev");
    if (total < 0)
        return ks_vdb_sqlerr(db->db, err, "status");
    srcs = ks_arena_calloc(arena, (size_t)total + 1, sizeof(*srcs));
    if (srcs == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    if (ks_vdb_prepare(db->db,
                       "SELECT name, kind, location, etag, last_modified, digest, data_time, "
                       "records, malformed, checked_at, changed_at FROM sources ORDER BY name",
                       &st, err) != KS_OK)
        return err->code;
    while ((step = sqlite3_step(st)) == SQLITE_ROW && n < (size_t)total) {
        struct ks_vulndb_source_info *o = &srcs[n++];
        bool oom = false;

        o->name = col(st, 0, arena, &oom);
        o->kind = col(st, 1, arena, &oom);
        o->location = col(st, 2, arena, &oom);
        o->etag = col(st, 3, arena, &oom);
        o->last_modified = col(st, 4, arena, &oom);
        o->digest = col(st, 5, arena, &oom);
        o->data_time = col(st, 6, arena, &oom);
        o->records = (uint64_t)sqlite3_column_int64(st, 7);
        o->malformed = (uint64_t)sqlite3_column_int64(st, 8);
        o->checked_at = (time_t)sqlite3_column_int64(st, 9);
        o->changed_at = (time_t)sqlite3_column_int64(st, 10);
        if (oom) {
            sqlite3_finalize(st);
            return ks_err_set(err, KS_ENOMEM, "out of memory");
        }
    }
    sqlite3_finalize(st);
    s.sources = srcs;
    s.n_sources = n;
    *out = s;
    return KS_OK;
}
