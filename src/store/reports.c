/*
 * reports.c: findings reports and SBOM exports (queued, claimed by a worker,
 * finished or cancelled) and scan jobs. Claims are an UPDATE guarded by the
 * row's state inside a write transaction; a stale claim (a worker that died)
 * is taken over. PostgreSQL will claim with FOR UPDATE SKIP LOCKED instead.
 */
#include "store/store_int.h"

#include <string.h>

#include "base/banned.h"

static const char *
kind_name(enum ks_report_kind k)
{
    return k == KS_REPORT_SBOM ? "SBOM" : "FINDINGS";
}

void
ks_store_report_release(struct ks_store_report *r)
{
    if (r == NULL)
        return;
    json_decref(r->criteria);
    json_decref(r->destination);
    r->criteria = r->destination = NULL;
}

enum ks_code
ks_store_report_create(struct ks_store *s, const char *account_id, enum ks_report_kind kind,
                       const char *format, const json_t *criteria, const json_t *destination,
                       int64_t now_ms, char report_id_out[37], struct ks_err *err)
{
    struct st_stmt *st = NULL;
    struct ks_account acc;
    char id[37], *crit = NULL, *dest = NULL;
    enum ks_code rc;

    if ((rc = ks_store_account_get(s, account_id, &acc, err)) != KS_OK ||
        (rc = st_uuid(id, err)) != KS_OK)
        return rc;
    if ((criteria != NULL && (crit = json_dumps(criteria, JSON_COMPACT | JSON_SORT_KEYS)) == NULL) ||
        (destination != NULL &&
         (dest = json_dumps(destination, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)) {
        rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
        goto out;
    }
    if ((rc = st_prepare(s->db,
                         "INSERT INTO reports (report_id, account_id, kind, status, format,"
                         " criteria, destination, created_at, updated_at)"
                         " VALUES (?, ?, ?, 'IN_PROGRESS', ?, ?, ?, ?, ?)",
                         &st, err)) != KS_OK)
        goto out;
    st_bind_text(st, 1, id);
    st_bind_text(st, 2, account_id);
    st_bind_text(st, 3, kind_name(kind));
    st_bind_text(st, 4, format);
    st_bind_text(st, 5, crit);
    st_bind_text(st, 6, dest);
    st_bind_int(st, 7, now_ms);
    st_bind_int(st, 8, now_ms);
    if ((rc = st_run(st, err)) == KS_OK)
        memcpy(report_id_out, id, 37);
out:
    st_finalize(st);
    ks_free(crit);
    ks_free(dest);
    return rc;
}

#define REPORT_COLS                                                                                \
    "report_id, account_id, kind, status, format, criteria, destination, error_code,"             \
    " error_message, object_key, local_path, created_at, updated_at"

static enum ks_code
read_report(struct st_stmt *st, struct ks_store_report *r, struct ks_err *err)
{
    enum ks_code rc;

    memset(r, 0, sizeof(*r));
    snprintf(r->report_id, sizeof(r->report_id), "%s", st_col_text(st, 0));
    snprintf(r->account_id, sizeof(r->account_id), "%s", st_col_text(st, 1));
    r->kind = strcmp(st_col_text(st, 2), "SBOM") == 0 ? KS_REPORT_SBOM : KS_REPORT_FINDINGS;
    snprintf(r->status, sizeof(r->status), "%s", st_col_text(st, 3));
    snprintf(r->format, sizeof(r->format), "%s", st_col_text(st, 4));
    if (st_col_text(st, 5) != NULL &&
        (rc = ks_json_parse(st_col_text(st, 5), st_col_bytes(st, 5), "stored report",
                            &r->criteria, err)) != KS_OK)
        return rc;
    if (st_col_text(st, 6) != NULL &&
        (rc = ks_json_parse(st_col_text(st, 6), st_col_bytes(st, 6), "stored report",
                            &r->destination, err)) != KS_OK) {
        ks_store_report_release(r);
        return rc;
    }
    snprintf(r->error_code, sizeof(r->error_code), "%s",
             st_col_text(st, 7) ? st_col_text(st, 7) : "");
    snprintf(r->error_message, sizeof(r->error_message), "%s",
             st_col_text(st, 8) ? st_col_text(st, 8) : "");
    snprintf(r->object_key, sizeof(r->object_key), "%s",
             st_col_text(st, 9) ? st_col_text(st, 9) : "");
    snprintf(r->local_path, sizeof(r->local_path), "%s",
             st_col_text(st, 10) ? st_col_text(st, 10) : "");
    r->created_ms = st_col_int(st, 11);
    r->updated_ms = st_col_int(st, 12);
    return KS_OK;
}

enum ks_code
ks_store_report_get(struct ks_store *s, const char *account_id, enum ks_report_kind kind,
                    const char *report_id, struct ks_store_report *out, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    bool row;
    enum ks_code rc;

    if ((rc = st_check_account_id(account_id, err)) != KS_OK)
        return rc;
    if ((rc = st_prepare(s->db,
                         "SELECT " REPORT_COLS " FROM reports WHERE account_id = ?"
                         " AND report_id = ? AND kind = ?",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, account_id);
    st_bind_text(st, 2, report_id);
    st_bind_text(st, 3, kind_name(kind));
    if ((rc = st_step(st, &row, err)) == KS_OK) {
        if (!row)
            rc = ks_err_set(err, KS_ENOTFOUND, "report '%.64s' does not exist", report_id);
        else
            rc = read_report(st, out, err);
    }
    st_finalize(st);
    return rc;
}

enum ks_code
ks_store_report_latest(struct ks_store *s, const char *account_id, enum ks_report_kind kind,
                       struct ks_store_report *out, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    bool row;
    enum ks_code rc;

    if ((rc = st_check_account_id(account_id, err)) != KS_OK)
        return rc;
    if ((rc = st_prepare(s->db,
                         "SELECT " REPORT_COLS " FROM reports WHERE account_id = ? AND kind = ?"
                         " ORDER BY created_at DESC, report_id LIMIT 1",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, account_id);
    st_bind_text(st, 2, kind_name(kind));
    if ((rc = st_step(st, &row, err)) == KS_OK) {
        if (!row)
            rc = ks_err_set(err, KS_ENOTFOUND, "there is no report yet");
        else
            rc = read_report(st, out, err);
    }
    st_finalize(st);
    return rc;
}

enum ks_code
ks_store_report_cancel(struct ks_store *s, const char *account_id, enum ks_report_kind kind,
                       const char *report_id, int64_t now_ms, struct ks_err *err)
{
    struct ks_store_report r;
    struct st_stmt *st = NULL;
    enum ks_code rc;

    if ((rc = ks_store_report_get(s, account_id, kind, report_id, &r, err)) != KS_OK)
        return rc;
    ks_store_report_release(&r);
    if ((rc = st_prepare(s->db,
                         "UPDATE reports SET status = 'CANCELLED', updated_at = ?"
                         " WHERE account_id = ? AND report_id = ? AND status = 'IN_PROGRESS'",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_int(st, 1, now_ms);
    st_bind_text(st, 2, account_id);
    st_bind_text(st, 3, report_id);
    if ((rc = st_run(st, err)) == KS_OK && st_changes(s->db) == 0)
        rc = ks_err_set(err, KS_ECONFLICT, "report '%.64s' has already finished", report_id);
    st_finalize(st);
    return rc;
}

enum ks_code
ks_store_report_claim(struct ks_store *s, int64_t now_ms, int64_t stale_ms,
                      struct ks_store_report *out, bool *found, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    bool row;
    enum ks_code rc;

    *found = false;
    if ((rc = st_begin(s->db, true, err)) != KS_OK)
        return rc;
    if ((rc = st_prepare(s->db,
                         "SELECT " REPORT_COLS " FROM reports WHERE status = 'IN_PROGRESS'"
                         " AND (claimed_at IS NULL OR claimed_at < ?) ORDER BY created_at LIMIT 1",
                         &st, err)) != KS_OK)
        goto out;
    st_bind_int(st, 1, now_ms - stale_ms);
    if ((rc = st_step(st, &row, err)) != KS_OK || !row)
        goto out;
    if ((rc = read_report(st, out, err)) != KS_OK)
        goto out;
    st_finalize(st);
    st = NULL;
    if ((rc = st_prepare(s->db, "UPDATE reports SET claimed_at = ? WHERE report_id = ?", &st,
                         err)) != KS_OK)
        goto out;
    st_bind_int(st, 1, now_ms);
    st_bind_text(st, 2, out->report_id);
    if ((rc = st_run(st, err)) == KS_OK)
        *found = true;
out:
    st_finalize(st);
    if (rc == KS_OK)
        rc = st_commit(s->db, err);
    if (rc != KS_OK) {
        st_rollback(s->db);
        if (*found)
            ks_store_report_release(out);
        *found = false;
    }
    return rc;
}

enum ks_code
ks_store_report_finish(struct ks_store *s, const struct ks_store_report *r, int64_t now_ms,
                       bool *cancelled, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    enum ks_code rc;

    *cancelled = false;
    if ((rc = st_prepare(s->db,
                         "UPDATE reports SET status = ?, error_code = ?, error_message = ?,"
                         " object_key = ?, local_path = ?, updated_at = ?"
                         " WHERE report_id = ? AND status = 'IN_PROGRESS'",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, r->status);
    st_bind_text(st, 2, r->error_code[0] ? r->error_code : NULL);
    st_bind_text(st, 3, r->error_message[0] ? r->error_message : NULL);
    st_bind_text(st, 4, r->object_key[0] ? r->object_key : NULL);
    st_bind_text(st, 5, r->local_path[0] ? r->local_path : NULL);
    st_bind_int(st, 6, now_ms);
    st_bind_text(st, 7, r->report_id);
    if ((rc = st_run(st, err)) == KS_OK && st_changes(s->db) == 0)
        *cancelled = true;
    st_finalize(st);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Scan jobs                                                                */

void
ks_store_job_release(struct ks_store_job *j)
{
    if (j == NULL)
        return;
    json_decref(j->payload);
    j->payload = NULL;
}

enum ks_code
ks_store_job_add(struct ks_store *s, const char *account_id, const char *kind,
                 const json_t *payload, int64_t now_ms, char job_id_out[37], struct ks_err *err)
{
    struct st_stmt *st = NULL;
    char id[37], *text = NULL;
    enum ks_code rc;

    if ((rc = st_check_account_id(account_id, err)) != KS_OK || (rc = st_uuid(id, err)) != KS_OK)
        return rc;
    if ((text = payload ? json_dumps(payload, JSON_COMPACT) : ks_strdup("{}")) == NULL)
        return ks_err_set(err, KS_ENOMEM, "store: out of memory");
    if ((rc = st_prepare(s->db,
                         "INSERT INTO scan_jobs (job_id, account_id, kind, status, payload,"
                         " attempts, created_at) VALUES (?, ?, ?, 'QUEUED', ?, 0, ?)",
                         &st, err)) == KS_OK) {
        st_bind_text(st, 1, id);
        st_bind_text(st, 2, account_id);
        st_bind_text(st, 3, kind);
        st_bind_text(st, 4, text);
        st_bind_int(st, 5, now_ms);
        if ((rc = st_run(st, err)) == KS_OK)
            memcpy(job_id_out, id, 37);
    }
    st_finalize(st);
    ks_free(text);
    return rc;
}

#define JOB_COLS "job_id, account_id, kind, status, payload, error, created_at, started_at," \
                 " finished_at"

static enum ks_code
read_job(struct st_stmt *st, struct ks_store_job *j, struct ks_err *err)
{
    memset(j, 0, sizeof(*j));
    snprintf(j->job_id, sizeof(j->job_id), "%s", st_col_text(st, 0));
    snprintf(j->account_id, sizeof(j->account_id), "%s", st_col_text(st, 1));
    snprintf(j->kind, sizeof(j->kind), "%s", st_col_text(st, 2));
    snprintf(j->status, sizeof(j->status), "%s", st_col_text(st, 3));
    snprintf(j->error, sizeof(j->error), "%s", st_col_text(st, 5) ? st_col_text(st, 5) : "");
    j->created_ms = st_col_int(st, 6);
    j->started_ms = st_col_int(st, 7);
    j->finished_ms = st_col_int(st, 8);
    return ks_json_parse(st_col_text(st, 4), st_col_bytes(st, 4), "stored job", &j->payload, err);
}

enum ks_code
ks_store_job_claim(struct ks_store *s, int64_t now_ms, int64_t stale_ms, struct ks_store_job *out,
                   bool *found, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    bool row;
    enum ks_code rc;

    *found = false;
    if ((rc = st_begin(s->db, true, err)) != KS_OK)
        return rc;
    if ((rc = st_prepare(s->db,
                         "SELECT " JOB_COLS " FROM scan_jobs WHERE status = 'QUEUED'"
                         " OR (status = 'RUNNING' AND started_at < ?) ORDER BY created_at LIMIT 1",
                         &st, err)) != KS_OK)
        goto out;
    st_bind_int(st, 1, now_ms - stale_ms);
    if ((rc = st_step(st, &row, err)) != KS_OK || !row)
        goto out;
    if ((rc = read_job(st, out, err)) != KS_OK)
        goto out;
    st_finalize(st);
    st = NULL;
    if ((rc = st_prepare(s->db,
                         "UPDATE scan_jobs SET status = 'RUNNING', started_at = ?,"
                         " attempts = attempts + 1 WHERE job_id = ?",
                         &st, err)) != KS_OK)
        goto out;
    st_bind_int(st, 1, now_ms);
    st_bind_text(st, 2, out->job_id);
    if ((rc = st_run(st, err)) == KS_OK) {
        *found = true;
        snprintf(out->status, sizeof(out->status), "RUNNING");
        out->started_ms = now_ms;
    }
out:
    st_finalize(st);
    if (rc == KS_OK)
        rc = st_commit(s->db, err);
    if (rc != KS_OK) {
        st_rollback(s->db);
        if (*found)
            ks_store_job_release(out);
        *found = false;
    }
    return rc;
}

enum ks_code
ks_store_job_finish(struct ks_store *s, const char *job_id, bool ok, const char *error,
                    int64_t now_ms, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    enum ks_code rc;

    if ((rc = st_prepare(s->db,
                         "UPDATE scan_jobs SET status = ?, error = ?, finished_at = ?"
                         " WHERE job_id = ?",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, ok ? "SUCCEEDED" : "FAILED");
    st_bind_text(st, 2, error);
    st_bind_int(st, 3, now_ms);
    st_bind_text(st, 4, job_id);
    if ((rc = st_run(st, err)) == KS_OK && st_changes(s->db) == 0)
        rc = ks_err_set(err, KS_ENOTFOUND, "job '%.64s' does not exist", job_id);
    st_finalize(st);
    return rc;
}

enum ks_code
ks_store_job_get(struct ks_store *s, const char *account_id, const char *job_id,
                 struct ks_store_job *out, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    bool row;
    enum ks_code rc;

    if ((rc = st_check_account_id(account_id, err)) != KS_OK)
        return rc;
    if ((rc = st_prepare(s->db,
                         "SELECT " JOB_COLS " FROM scan_jobs WHERE account_id = ? AND job_id = ?",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, account_id);
    st_bind_text(st, 2, job_id);
    if ((rc = st_step(st, &row, err)) == KS_OK) {
        if (!row)
            rc = ks_err_set(err, KS_ENOTFOUND, "job '%.64s' does not exist", job_id);
        else
            rc = read_job(st, out, err);
    }
    st_finalize(st);
    return rc;
}
