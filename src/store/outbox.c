/*
 * outbox.c: the event outbox (written in the transaction of the change it
 * describes) and per-target delivery state, so every configured webhook gets
 * every event at least once across crashes; plus the change log of
 * vulnerability-DB updates. Delivery itself (HTTP, signing, backoff) is in
 * src/events/.
 */
#include "store/store_int.h"

#include <string.h>

#include "base/banned.h"

enum ks_code
st_outbox_add(struct ks_store *s, const char *account_id, const char *detail_type,
              const char *kind, int64_t time_ms, const json_t *resources, const json_t *detail,
              struct ks_err *err)
{
    struct st_stmt *st = NULL;
    char id[37], *res = NULL, *det = NULL;
    enum ks_code rc;

    if ((rc = st_uuid(id, err)) != KS_OK)
        return rc;
    if ((res = json_dumps(resources, JSON_COMPACT)) == NULL ||
        (det = json_dumps(detail, JSON_COMPACT)) == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
        goto out;
    }
    if ((rc = st_prepare(s->db,
                         "INSERT INTO outbox (event_id, account_id, region, detail_type, kind,"
                         " time_ms, resources, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         &st, err)) != KS_OK)
        goto out;
    st_bind_text(st, 1, id);
    st_bind_text(st, 2, account_id);
    st_bind_text(st, 3, s->region);
    st_bind_text(st, 4, detail_type);
    st_bind_text(st, 5, kind);
    st_bind_int(st, 6, time_ms);
    st_bind_text(st, 7, res);
    st_bind_text(st, 8, det);
    rc = st_run(st, err);
out:
    st_finalize(st);
    ks_free(res);
    ks_free(det);
    return rc;
}

void
ks_outbox_event_release(struct ks_outbox_event *e)
{
    if (e == NULL)
        return;
    ks_free(e->resources);
    ks_free(e->detail);
    e->resources = e->detail = NULL;
}

enum ks_code
ks_store_outbox_target(struct ks_store *s, const char *target, int64_t now_ms,
                       struct ks_err *err)
{
    struct st_stmt *st = NULL;
    enum ks_code rc;

    if ((rc = st_prepare(s->db,
                         "INSERT INTO outbox_targets (target, since_seq, done_seq, created_at)"
                         " SELECT ?, COALESCE(MAX(seq), 0), COALESCE(MAX(seq), 0), ? FROM outbox"
                         /* "WHERE" keeps SQLite's parser from reading ON as a join. */
                         " WHERE 1 = 1 ON CONFLICT (target) DO NOTHING",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, target);
    st_bind_int(st, 2, now_ms);
    rc = st_run(st, err);
    st_finalize(st);
    return rc;
}

enum ks_code
ks_store_outbox_due(struct ks_store *s, const char *target, int64_t now_ms,
                    struct ks_outbox_event *out, size_t max, size_t *n, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    bool row;
    enum ks_code rc;

    *n = 0;
    if ((rc = st_prepare(s->db,
                         "SELECT o.seq, o.event_id, o.account_id, o.region, o.detail_type, o.kind,"
                         " o.time_ms, o.resources, o.detail, COALESCE(d.attempts, 0)"
                         " FROM outbox o JOIN outbox_targets t ON t.target = ?"
                         " LEFT JOIN outbox_deliveries d ON d.target = t.target AND d.seq = o.seq"
                         " WHERE o.seq > t.done_seq AND (d.seq IS NULL OR (d.delivered_at IS NULL"
                         " AND d.dead = 0 AND d.next_attempt_at <= ?))"
                         " ORDER BY o.seq LIMIT ?",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, target);
    st_bind_int(st, 2, now_ms);
    st_bind_int(st, 3, (int64_t)max);
    while (*n < max && (rc = st_step(st, &row, err)) == KS_OK && row) {
        struct ks_outbox_event *e = &out[*n];

        memset(e, 0, sizeof(*e));
        e->seq = st_col_int(st, 0);
        snprintf(e->event_id, sizeof(e->event_id), "%s", st_col_text(st, 1));
        snprintf(e->account_id, sizeof(e->account_id), "%s", st_col_text(st, 2));
        snprintf(e->region, sizeof(e->region), "%s", st_col_text(st, 3));
        snprintf(e->detail_type, sizeof(e->detail_type), "%s", st_col_text(st, 4));
        snprintf(e->kind, sizeof(e->kind), "%s", st_col_text(st, 5));
        e->time_ms = st_col_int(st, 6);
        e->resources = ks_strdup(st_col_text(st, 7));
        e->detail = ks_strdup(st_col_text(st, 8));
        e->attempts = (int)st_col_int(st, 9);
        if (e->resources == NULL || e->detail == NULL) {
            ks_outbox_event_release(e);
            rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
            break;
        }
        (*n)++;
    }
    st_finalize(st);
    if (rc != KS_OK) {
        for (size_t i = 0; i < *n; i++)
            ks_outbox_event_release(&out[i]);
        *n = 0;
    }
    return rc;
}

static enum ks_code
record(struct ks_store *s, const char *target, int64_t seq, bool delivered, int64_t at_ms,
       bool dead, const char *error, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    enum ks_code rc;

    if ((rc = st_prepare(s->db,
                         "INSERT INTO outbox_deliveries (target, seq, attempts, next_attempt_at,"
                         " delivered_at, dead, last_error) VALUES (?, ?, ?, ?, ?, ?, ?)"
                         " ON CONFLICT (target, seq) DO UPDATE SET"
                         " attempts = outbox_deliveries.attempts + excluded.attempts,"
                         " next_attempt_at = excluded.next_attempt_at,"
                         " delivered_at = excluded.delivered_at, dead = excluded.dead,"
                         " last_error = excluded.last_error",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, target);
    st_bind_int(st, 2, seq);
    st_bind_int(st, 3, delivered ? 0 : 1);
    st_bind_int(st, 4, delivered ? 0 : at_ms);
    if (delivered)
        st_bind_int(st, 5, at_ms);
    else
        st_bind_null(st, 5);
    st_bind_int(st, 6, dead ? 1 : 0);
    st_bind_text(st, 7, error);
    rc = st_run(st, err);
    st_finalize(st);
    return rc;
}

enum ks_code
ks_store_outbox_delivered(struct ks_store *s, const char *target, int64_t seq, int64_t now_ms,
                          struct ks_err *err)
{
    return record(s, target, seq, true, now_ms, false, NULL, err);
}

enum ks_code
ks_store_outbox_failed(struct ks_store *s, const char *target, int64_t seq,
                       int64_t next_attempt_ms, bool dead, const char *error, struct ks_err *err)
{
    return record(s, target, seq, false, next_attempt_ms, dead, error, err);
}

enum ks_code
ks_store_outbox_pending(struct ks_store *s, const char *target, int64_t *n, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    bool row;
    enum ks_code rc;

    *n = 0;
    if ((rc = st_prepare(s->db,
                         "SELECT COUNT(*) FROM outbox o JOIN outbox_targets t ON t.target = ?"
                         " LEFT JOIN outbox_deliveries d ON d.target = t.target AND d.seq = o.seq"
                         " WHERE o.seq > t.done_seq AND (d.seq IS NULL OR"
                         " (d.delivered_at IS NULL AND d.dead = 0))",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, target);
    if ((rc = st_step(st, &row, err)) == KS_OK && row)
        *n = st_col_int(st, 0);
    st_finalize(st);
    return rc;
}

enum ks_code
ks_store_outbox_prune(struct ks_store *s, int64_t now_ms, int64_t retain_ms, int64_t *deleted,
                      struct ks_err *err)
{
    struct st_stmt *st = NULL;
    int64_t targets = 0;
    bool row;
    enum ks_code rc;

    *deleted = 0;
    if ((rc = st_begin(s->db, true, err)) != KS_OK)
        return rc;
    /* Move each target's done mark past every event it has finished with. */
    if ((rc = st_exec(s->db,
                      "UPDATE outbox_targets SET done_seq = COALESCE("
                      " (SELECT MIN(o.seq) - 1 FROM outbox o LEFT JOIN outbox_deliveries d"
                      "  ON d.target = outbox_targets.target AND d.seq = o.seq"
                      "  WHERE o.seq > outbox_targets.done_seq AND (d.seq IS NULL OR"
                      "  (d.delivered_at IS NULL AND d.dead = 0))),"
                      " (SELECT MAX(seq) FROM outbox), done_seq)",
                      err)) != KS_OK)
        goto out;
    if ((rc = st_prepare(s->db, "SELECT COUNT(*) FROM outbox_targets", &st, err)) != KS_OK ||
        (rc = st_step(st, &row, err)) != KS_OK)
        goto out;
    targets = row ? st_col_int(st, 0) : 0;
    st_finalize(st);
    st = NULL;
    if ((rc = st_prepare(s->db,
                         targets > 0
                             ? "DELETE FROM outbox WHERE time_ms < ? AND seq <="
                               " (SELECT MIN(done_seq) FROM outbox_targets)"
                             : "DELETE FROM outbox WHERE time_ms < ?",
                         &st, err)) != KS_OK)
        goto out;
    st_bind_int(st, 1, now_ms - retain_ms);
    if ((rc = st_run(st, err)) != KS_OK)
        goto out;
    *deleted = st_changes(s->db);
    st_finalize(st);
    st = NULL;
    if ((rc = st_exec(s->db,
                      "DELETE FROM outbox_deliveries WHERE seq <= (SELECT done_seq FROM"
                      " outbox_targets t WHERE t.target = outbox_deliveries.target)",
                      err)) != KS_OK)
        goto out;
    rc = st_commit(s->db, err);
out:
    st_finalize(st);
    if (rc != KS_OK)
        st_rollback(s->db);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Change log                                                               */

enum ks_code
ks_store_changelog_add(struct ks_store *s, const char *db_id, const json_t *change_set,
                       int64_t now_ms, int64_t *change_id, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    char *text = json_dumps(change_set, JSON_COMPACT);
    bool row;
    enum ks_code rc;

    if (text == NULL)
        return ks_err_set(err, KS_ENOMEM, "store: out of memory");
    if ((rc = st_prepare(s->db,
                         "INSERT INTO db_changes (db_id, change_set, recorded_at) VALUES (?, ?, ?)"
                         " RETURNING change_id",
                         &st, err)) == KS_OK) {
        st_bind_text(st, 1, db_id);
        st_bind_text(st, 2, text);
        st_bind_int(st, 3, now_ms);
        if ((rc = st_step(st, &row, err)) == KS_OK && row)
            *change_id = st_col_int(st, 0);
        if (rc == KS_OK)
            rc = st_run(st, err);
    }
    st_finalize(st);
    ks_free(text);
    return rc;
}

enum ks_code
ks_store_changelog_done(struct ks_store *s, int64_t change_id, int64_t resources, int64_t now_ms,
                        struct ks_err *err)
{
    struct st_stmt *st = NULL;
    enum ks_code rc;

    if ((rc = st_prepare(s->db,
                         "UPDATE db_changes SET evaluated_at = ?, resources_evaluated = ?"
                         " WHERE change_id = ?",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_int(st, 1, now_ms);
    st_bind_int(st, 2, resources);
    st_bind_int(st, 3, change_id);
    rc = st_run(st, err);
    st_finalize(st);
    return rc;
}

enum ks_code
ks_store_changelog_last(struct ks_store *s, char *out, size_t cap, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    bool row;
    enum ks_code rc;

    out[0] = '\0';
    if ((rc = st_prepare(s->db, "SELECT db_id FROM db_changes ORDER BY change_id DESC LIMIT 1",
                         &st, err)) != KS_OK)
        return rc;
    if ((rc = st_step(st, &row, err)) == KS_OK && row)
        snprintf(out, cap, "%s", st_col_text(st, 0));
    st_finalize(st);
    return rc;
}
