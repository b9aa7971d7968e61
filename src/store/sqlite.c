/*
 * sqlite.c: the SQLite backend of the store's driver interface
 * (store_int.h): WAL journal, foreign keys, a busy timeout so several
 * connections (server threads, `kensa admin`) share one file, and
 * BEGIN IMMEDIATE for write transactions.
 */
#include "store/store_int.h"

#include <errno.h>
#include <sys/stat.h>
#include <sqlite3.h>
#include <string.h>
#include <unistd.h>

#include "base/banned.h"

#define BUSY_TIMEOUT_MS 15000

struct st_db {
    sqlite3 *h;
};

struct st_stmt {
    struct st_db *db;
    sqlite3_stmt *h;
    int bind_rc; /* first failed bind */
};

static enum ks_code
db_error(struct st_db *db, int rc, struct ks_err *err, const char *what)
{
    enum ks_code code = KS_EDB;

    if (rc == SQLITE_NOMEM)
        code = KS_ENOMEM;
    else if (rc == SQLITE_CONSTRAINT || (rc & 0xff) == SQLITE_CONSTRAINT)
        code = KS_ECONFLICT;
    return ks_err_set(err, code, "store: %s: %s", what,
                      db && db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
}

enum ks_code
st_db_open(const char *path, struct st_db **out, struct ks_err *err)
{
    struct st_db *db = ks_calloc(1, sizeof(*db));
    enum ks_code rc = KS_EINTERNAL;
    int src;

    if (db == NULL)
        return ks_err_set(err, KS_ENOMEM, "store: out of memory");
    src = sqlite3_open_v2(path, &db->h,
                          SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (src != SQLITE_OK) {
        rc = db_error(db, src, err, "cannot open database");
        goto out;
    }
    /*
     * The file holds findings and sealed secrets: owner only (the -wal and
     * -shm files take the database's mode). chmod, never open()+close(): a
     * close(2) of any descriptor of the file drops every POSIX lock this
     * process holds on it, and other processes would then think our
     * connections are gone (and, say, checkpoint and delete the WAL).
     */
    if (chmod(path, 0600) != 0) {
        rc = ks_err_set(err, KS_EIO, "store: cannot chmod '%s': %s", path, strerror(errno));
        goto out;
    }
    sqlite3_extended_result_codes(db->h, 1);
    sqlite3_busy_timeout(db->h, BUSY_TIMEOUT_MS);
    if ((rc = st_exec(db,
                      "PRAGMA journal_mode=WAL;"
                      "PRAGMA synchronous=NORMAL;"
                      "PRAGMA foreign_keys=ON;"
                      "PRAGMA temp_store=MEMORY;"
                      "PRAGMA cache_size=-32000;",
                      err)) != KS_OK)
        goto out;
    *out = db;
    db = NULL;
    rc = KS_OK;
out:
    st_db_close(db);
    return rc;
}

void
st_db_close(struct st_db *db)
{
    if (db == NULL)
        return;
    if (db->h != NULL) {
        /* SQLite's advice: refresh stale planner statistics before closing. */
        sqlite3_exec(db->h, "PRAGMA optimize", NULL, NULL, NULL);
        sqlite3_close_v2(db->h);
    }
    ks_free(db);
}

enum st_dialect
st_db_dialect(const struct st_db *db)
{
    (void)db;
    return ST_SQLITE;
}

enum ks_code
st_exec(struct st_db *db, const char *sql, struct ks_err *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db->h, sql, NULL, NULL, &msg);

    if (rc != SQLITE_OK) {
        enum ks_code code = rc == SQLITE_NOMEM ? KS_ENOMEM : KS_EDB;

        ks_err_set(err, code, "store: %s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        return code;
    }
    return KS_OK;
}

enum ks_code
st_prepare(struct st_db *db, const char *sql, struct st_stmt **out, struct ks_err *err)
{
    struct st_stmt *st = ks_calloc(1, sizeof(*st));
    int rc;

    if (st == NULL)
        return ks_err_set(err, KS_ENOMEM, "store: out of memory");
    st->db = db;
    rc = sqlite3_prepare_v2(db->h, sql, -1, &st->h, NULL);
    if (rc != SQLITE_OK) {
        enum ks_code code = db_error(db, rc, err, "cannot prepare statement");

        ks_free(st);
        return code;
    }
    *out = st;
    return KS_OK;
}

void
st_finalize(struct st_stmt *st)
{
    if (st == NULL)
        return;
    sqlite3_finalize(st->h);
    ks_free(st);
}

static void
note_bind(struct st_stmt *st, int rc)
{
    if (rc != SQLITE_OK && st->bind_rc == SQLITE_OK)
        st->bind_rc = rc;
}

void
st_bind_text(struct st_stmt *st, int idx, const char *s)
{
    if (s == NULL)
        note_bind(st, sqlite3_bind_null(st->h, idx));
    else
        note_bind(st, sqlite3_bind_text(st->h, idx, s, -1, SQLITE_TRANSIENT));
}

void
st_bind_textn(struct st_stmt *st, int idx, const char *s, size_t n)
{
    if (s == NULL)
        note_bind(st, sqlite3_bind_null(st->h, idx));
    else
        note_bind(st, sqlite3_bind_text64(st->h, idx, s, n, SQLITE_TRANSIENT, SQLITE_UTF8));
}

void
st_bind_blob(struct st_stmt *st, int idx, const void *p, size_t n)
{
    note_bind(st, sqlite3_bind_blob64(st->h, idx, n ? p : "", n, SQLITE_TRANSIENT));
}

void
st_bind_int(struct st_stmt *st, int idx, int64_t v)
{
    note_bind(st, sqlite3_bind_int64(st->h, idx, v));
}

void
st_bind_double(struct st_stmt *st, int idx, double v)
{
    note_bind(st, sqlite3_bind_double(st->h, idx, v));
}

void
st_bind_null(struct st_stmt *st, int idx)
{
    note_bind(st, sqlite3_bind_null(st->h, idx));
}

enum ks_code
st_step(struct st_stmt *st, bool *row, struct ks_err *err)
{
    int rc;

    if (st->bind_rc != SQLITE_OK)
        return db_error(st->db, st->bind_rc, err, "cannot bind parameter");
    rc = sqlite3_step(st->h);
    if (rc == SQLITE_ROW) {
        *row = true;
        return KS_OK;
    }
    *row = false;
    if (rc == SQLITE_DONE)
        return KS_OK;
    return db_error(st->db, rc, err, "statement failed");
}

enum ks_code
st_run(struct st_stmt *st, struct ks_err *err)
{
    bool row;
    enum ks_code rc;

    while ((rc = st_step(st, &row, err)) == KS_OK && row)
        ;
    return rc;
}

void
st_reset(struct st_stmt *st)
{
    sqlite3_reset(st->h);
    sqlite3_clear_bindings(st->h);
    st->bind_rc = SQLITE_OK;
}

bool
st_col_null(struct st_stmt *st, int i)
{
    return sqlite3_column_type(st->h, i) == SQLITE_NULL;
}

int64_t
st_col_int(struct st_stmt *st, int i)
{
    return sqlite3_column_int64(st->h, i);
}

double
st_col_double(struct st_stmt *st, int i)
{
    return sqlite3_column_double(st->h, i);
}

const char *
st_col_text(struct st_stmt *st, int i)
{
    if (sqlite3_column_type(st->h, i) == SQLITE_NULL)
        return NULL;
    return (const char *)sqlite3_column_text(st->h, i);
}

size_t
st_col_bytes(struct st_stmt *st, int i)
{
    return (size_t)sqlite3_column_bytes(st->h, i);
}

const void *
st_col_blob(struct st_stmt *st, int i)
{
    return sqlite3_column_blob(st->h, i);
}

int64_t
st_changes(struct st_db *db)
{
    return sqlite3_changes64(db->h);
}

enum ks_code
st_begin(struct st_db *db, bool write, struct ks_err *err)
{
    return st_exec(db, write ? "BEGIN IMMEDIATE" : "BEGIN", err);
}

enum ks_code
st_commit(struct st_db *db, struct ks_err *err)
{
    return st_exec(db, "COMMIT", err);
}

void
st_rollback(struct st_db *db)
{
    if (!sqlite3_get_autocommit(db->h))
        sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

/* ------------------------------------------------------------------------ */
/* Dynamic SQL                                                              */

void
st_sql_init(struct st_sql *q)
{
    memset(q, 0, sizeof(*q));
    ks_buf_init(&q->sql, (size_t)1 << 20);
}

void
st_sql_release(struct st_sql *q)
{
    ks_buf_release(&q->sql);
    ks_free(q->params);
    memset(q, 0, sizeof(*q));
}

void
st_sql_add(struct st_sql *q, const char *text)
{
    ks_buf_appends(&q->sql, text);
}

void
st_sql_addf(struct st_sql *q, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    ks_buf_appendv(&q->sql, fmt, ap);
    va_end(ap);
}

static struct st_param *
push_param(struct st_sql *q)
{
    if (q->err != KS_OK)
        return NULL;
    if (q->n >= ST_MAX_PARAMS) {
        q->err = KS_ETOOBIG;
        return NULL;
    }
    if (q->n == q->cap) {
        size_t ncap = q->cap ? q->cap * 2 : 32;
        struct st_param *np = ks_realloc(q->params, ncap * sizeof(*np));

        if (np == NULL) {
            q->err = KS_ENOMEM;
            return NULL;
        }
        q->params = np;
        q->cap = ncap;
    }
    ks_buf_putc(&q->sql, '?');
    return &q->params[q->n++];
}

void
st_sql_text(struct st_sql *q, const char *s)
{
    struct st_param *p = push_param(q);

    if (p != NULL)
        *p = (struct st_param){.kind = ST_P_TEXT, .text = s};
}

void
st_sql_int(struct st_sql *q, int64_t v)
{
    struct st_param *p = push_param(q);

    if (p != NULL)
        *p = (struct st_param){.kind = ST_P_INT, .i = v};
}

void
st_sql_double(struct st_sql *q, double v)
{
    struct st_param *p = push_param(q);

    if (p != NULL)
        *p = (struct st_param){.kind = ST_P_DOUBLE, .d = v};
}

enum ks_code
st_sql_prepare(struct st_db *db, struct st_sql *q, struct st_stmt **out, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    enum ks_code rc;

    if (q->err != KS_OK)
        return ks_err_set(err, q->err, "store: query has too many parameters");
    if ((rc = ks_buf_err(&q->sql)) != KS_OK)
        return ks_err_set(err, rc, "store: query too long");
    if ((rc = st_prepare(db, q->sql.data, &st, err)) != KS_OK)
        return rc;
    for (size_t i = 0; i < q->n; i++) {
        const struct st_param *p = &q->params[i];

        switch (p->kind) {
        case ST_P_TEXT: st_bind_text(st, (int)i + 1, p->text); break;
        case ST_P_INT: st_bind_int(st, (int)i + 1, p->i); break;
        default: st_bind_double(st, (int)i + 1, p->d); break;
        }
    }
    *out = st;
    return KS_OK;
}
