/*
 * store_int.h: private to src/store/. The SQL driver interface every store
 * file talks to, so that the statements (standard SQL with `?` parameters,
 * no JSON functions, no dialect-specific upserts) are shared by the SQLite
 * backend (sqlite.c) and the PostgreSQL backend to come; what differs
 * (DDL types, transaction start, job claiming) goes through `st_dialect`.
 */
#ifndef KS_STORE_INT_H
#define KS_STORE_INT_H

#include "store/store.h"

/* ------------------------------------------------------------------------ */
/* Driver                                                                   */

struct st_db;
struct st_stmt;

enum st_dialect { ST_SQLITE, ST_POSTGRES };

/* Open (creating) the database file; WAL, foreign keys and a busy timeout on. */
enum ks_code st_db_open(const char *path, struct st_db **out, struct ks_err *err);
void st_db_close(struct st_db *db);
enum st_dialect st_db_dialect(const struct st_db *db);

/* Run one or more statements without parameters. */
enum ks_code st_exec(struct st_db *db, const char *sql, struct ks_err *err);

enum ks_code st_prepare(struct st_db *db, const char *sql, struct st_stmt **out,
                        struct ks_err *err);
void st_finalize(struct st_stmt *st);
/* Parameters are 1-based. Text and blobs are copied. Errors surface at st_step. */
void st_bind_text(struct st_stmt *st, int idx, const char *s); /* NULL binds NULL */
void st_bind_textn(struct st_stmt *st, int idx, const char *s, size_t n);
void st_bind_blob(struct st_stmt *st, int idx, const void *p, size_t n);
void st_bind_int(struct st_stmt *st, int idx, int64_t v);
void st_bind_double(struct st_stmt *st, int idx, double v);
void st_bind_null(struct st_stmt *st, int idx);
/* *row is true when a row is ready; false when the statement is done. */
enum ks_code st_step(struct st_stmt *st, bool *row, struct ks_err *err);
/* Step a statement that returns no rows. */
enum ks_code st_run(struct st_stmt *st, struct ks_err *err);
void st_reset(struct st_stmt *st); /* reset and clear bindings */

bool st_col_null(struct st_stmt *st, int i);
int64_t st_col_int(struct st_stmt *st, int i);
double st_col_double(struct st_stmt *st, int i);
const char *st_col_text(struct st_stmt *st, int i); /* NULL for SQL NULL; valid until next step */
size_t st_col_bytes(struct st_stmt *st, int i);
const void *st_col_blob(struct st_stmt *st, int i);

/* Rows changed by the last INSERT/UPDATE/DELETE on this connection. */
int64_t st_changes(struct st_db *db);

/* Transactions. write=true takes the write lock up front (no upgrade deadlocks). */
enum ks_code st_begin(struct st_db *db, bool write, struct ks_err *err);
enum ks_code st_commit(struct st_db *db, struct ks_err *err);
void st_rollback(struct st_db *db);

/* ------------------------------------------------------------------------ */
/* Dynamic SQL with parameters (the filter-criteria WHERE builder)          */

enum st_param_kind { ST_P_TEXT, ST_P_INT, ST_P_DOUBLE };

struct st_param {
    enum st_param_kind kind;
    const char *text; /* borrowed: valid until the statement is prepared and run */
    int64_t i;
    double d;
};

#define ST_MAX_PARAMS 2000

struct st_sql {
    struct ks_buf sql;
    struct st_param *params;
    size_t n, cap;
    enum ks_code err;
};

void st_sql_init(struct st_sql *q);
void st_sql_release(struct st_sql *q);
void st_sql_add(struct st_sql *q, const char *text);
void st_sql_addf(struct st_sql *q, const char *fmt, ...) KS_PRINTF(2, 3);
/* Append "?" and record the value. */
void st_sql_text(struct st_sql *q, const char *s);
void st_sql_int(struct st_sql *q, int64_t v);
void st_sql_double(struct st_sql *q, double v);
/* Prepare q and bind its parameters. */
enum ks_code st_sql_prepare(struct st_db *db, struct st_sql *q, struct st_stmt **out,
                            struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* The store handle                                                         */

struct ks_store {
    struct st_db *db;
    char *data_dir;
    char *db_path;
    char region[32];
    unsigned char server_key[32];
};

/* schema.c */
enum ks_code st_migrate(struct st_db *db, struct ks_err *err);

/* Helpers shared by the store files. */
enum ks_code st_check_account_id(const char *account_id, struct ks_err *err);
/* Random lowercase hex id of n bytes (2n chars) into out[2n+1]. */
enum ks_code st_random_hex(char *out, size_t n_bytes, struct ks_err *err);
/* RFC 4122 version-4 UUID, lowercase, into out[37]. */
enum ks_code st_uuid(char out[37], struct ks_err *err);

/* outbox.c: write one event inside the caller's transaction. */
enum ks_code st_outbox_add(struct ks_store *s, const char *account_id, const char *detail_type,
                           const char *kind, int64_t time_ms, const json_t *resources,
                           const json_t *detail, struct ks_err *err);

/* findings.c: recompute SUPPRESSED for the account (resource_id NULL: every resource). */
enum ks_code st_apply_suppression(struct ks_store *s, const char *account_id,
                                  const char *resource_id, int64_t now_ms,
                                  struct ks_map *changed_ids, struct ks_err *err);
/* findings.c: emit an "Inspector2 Finding" event for the stored finding. */
enum ks_code st_finding_event(struct ks_store *s, const char *account_id, const char *finding_id,
                              const char *kind, int64_t now_ms, struct ks_err *err);
/* findings.c: close every ACTIVE finding of resource_id (or of a resource type). */
enum ks_code st_close_findings(struct ks_store *s, const char *account_id,
                               const char *resource_id, const char *aws_resource_type,
                               int64_t now_ms, size_t *closed, struct ks_err *err);

/* query.c: append the SQL condition for criteria over findings aliased "f". */
enum ks_code st_where_criteria(struct st_sql *q, const struct ks_criteria *c,
                               bool suppression_mode, struct ks_err *err);

/* inventory.c: check an inventory's index before a transaction; write it inside one. */
enum ks_code st_inventory_check(const struct ks_store_inventory *inv, struct ks_err *err);
enum ks_code st_inventory_write(struct ks_store *s, const char *account_id,
                                const char *resource_id, const struct ks_store_inventory *inv,
                                int64_t now_ms, struct ks_err *err);

/* resources.c: coverage event for a resource's current scan status. */
enum ks_code st_coverage_event(struct ks_store *s, const char *account_id,
                               const char *resource_id, int64_t now_ms, struct ks_err *err);

/*
 * resources.c: the sweeps that take resources out of monitoring (stale host
 * inventories, images past their re-scan duration) collect "account\tresource"
 * rows while their SELECT runs, then mark each INACTIVE with `reason`
 * (closing its ACTIVE findings when asked) and emit its coverage event, all
 * in the caller's transaction. st_sweep_release frees the rows.
 */
enum ks_code st_sweep_add(struct ks_vec *rows, const char *account_id, const char *resource_id,
                          struct ks_err *err);
enum ks_code st_sweep_deactivate(struct ks_store *s, const struct ks_vec *rows, const char *reason,
                                 bool close_findings, int64_t now_ms, size_t *n,
                                 struct ks_err *err);
void st_sweep_release(struct ks_vec *rows);

#endif
