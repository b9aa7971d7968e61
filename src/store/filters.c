/*
 * filters.c: Inspector2 filters. A SUPPRESS filter hides the findings it
 * matches (status SUPPRESSED); creating, changing or deleting one re-applies
 * suppression to the account's open findings at once, with an event for
 * every finding whose status moves, in the same transaction.
 */
#include "store/store_int.h"

#include <math.h>
#include <string.h>

#include "base/banned.h"

/*
 * A copy of validated criteria with every date written as epoch seconds, so
 * the stored form reads back in the wire's own timestamp format.
 */
static json_t *
canonical_criteria(const json_t *criteria)
{
    json_t *c = json_deep_copy(criteria);
    const char *key;
    json_t *list;

    if (c == NULL)
        return NULL;
    json_object_foreach(c, key, list) {
        size_t i;
        json_t *f;
        bool is_date = false;

        for (size_t k = 0; k < ks_fc_findings.n_fields; k++)
            if (strcmp(ks_fc_findings.fields[k].name, key) == 0)
                is_date = ks_fc_findings.fields[k].kind == KS_FC_DATE;
        if (!is_date)
            continue;
        json_array_foreach(list, i, f) {
            static const char *const ends[] = {"startInclusive", "endInclusive"};

            for (int e = 0; e < 2; e++) {
                int64_t ms;

                if (ks_findings_parse_time(json_object_get(f, ends[e]), &ms) == KS_OK &&
                    json_object_set_new(f, ends[e], ks_findings_time_json(ms, KS_TS_EPOCH)) != 0) {
                    json_decref(c);
                    return NULL;
                }
            }
        }
    }
    return c;
}

static enum ks_code
check_text(const char *what, const char *v, size_t max, struct ks_err *err)
{
    size_t n;

    if (v == NULL)
        return KS_OK;
    n = strlen(v);
    if (n == 0 || n > max)
        return ks_err_set(err, KS_EINVAL, "%s: must be 1 to %zu characters", what, max);
    return KS_OK;
}

/* Validate a filter's members; criteria (when given) into *canon (caller decrefs). */
static enum ks_code
check_filter(const struct ks_store_filter *f, bool create, json_t **canon, struct ks_err *err)
{
    struct ks_arena *a;
    struct ks_criteria *c = NULL;
    enum ks_code rc;

    *canon = NULL;
    if (create && (f->name == NULL || f->action == NULL || f->criteria == NULL))
        return ks_err_set(err, KS_EINVAL, "filter: name, action and filterCriteria are required");
    if ((rc = check_text("name", f->name, 128, err)) != KS_OK ||
        (rc = check_text("description", f->description, 512, err)) != KS_OK ||
        (rc = check_text("reason", f->reason, 512, err)) != KS_OK)
        return rc;
    if (f->action != NULL && strcmp(f->action, "NONE") != 0 && strcmp(f->action, "SUPPRESS") != 0)
        return ks_err_set(err, KS_EINVAL, "action: '%.32s' is not one of NONE, SUPPRESS",
                          f->action);
    if (f->tags != NULL && !json_is_object(f->tags) && !json_is_null(f->tags))
        return ks_err_set(err, KS_EINVAL, "tags: must be a map of strings");
    if (f->criteria == NULL)
        return KS_OK;
    if ((a = ks_arena_new(8192)) == NULL)
        return ks_err_set(err, KS_ENOMEM, "store: out of memory");
    rc = ks_findings_criteria_parse(&ks_fc_findings, f->criteria, "filterCriteria", a, &c, err);
    if (rc == KS_OK && c->n == 0)
        rc = ks_err_set(err, KS_EINVAL,
                        "filterCriteria: must name at least one field (a filter matching every "
                        "finding is refused)");
    ks_arena_free(a);
    if (rc != KS_OK)
        return rc;
    if ((*canon = canonical_criteria(f->criteria)) == NULL)
        return ks_err_set(err, KS_ENOMEM, "store: out of memory");
    return KS_OK;
}

/* Re-apply suppression to the whole account and write an event per status change. */
static enum ks_code
resuppress(struct ks_store *s, const char *account_id, int64_t now_ms, struct ks_err *err)
{
    struct ks_map *changed = ks_map_new();
    size_t pos = 0;
    struct ks_str key;
    void *val;
    enum ks_code rc;

    if (changed == NULL)
        return ks_err_set(err, KS_ENOMEM, "store: out of memory");
    rc = st_apply_suppression(s, account_id, NULL, now_ms, changed, err);
    while (rc == KS_OK && ks_map_next(changed, &pos, &key, &val)) {
        char fid[KS_FINDING_MAX_ID + 1];

        if (key.len > KS_FINDING_MAX_ID)
            continue;
        memcpy(fid, key.ptr, key.len);
        fid[key.len] = '\0';
        rc = st_finding_event(s, account_id, fid, "updated", now_ms, err);
    }
    ks_map_free(changed);
    return rc;
}

static char *
dump_or_null(const json_t *v)
{
    return v == NULL || json_is_null(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
}

enum ks_code
ks_store_filter_create(struct ks_store *s, const char *account_id,
                       const struct ks_store_filter *f, int64_t now_ms, char arn_out[160],
                       struct ks_err *err)
{
    struct st_stmt *st = NULL;
    json_t *canon = NULL;
    char *crit = NULL, *tags = NULL, hex[17], arn[160];
    struct ks_account acc;
    bool row;
    enum ks_code rc;

    if ((rc = ks_store_account_get(s, account_id, &acc, err)) != KS_OK ||
        (rc = check_filter(f, true, &canon, err)) != KS_OK)
        return rc;
    crit = dump_or_null(canon);
    tags = dump_or_null(f->tags);
    if (crit == NULL || (f->tags != NULL && !json_is_null(f->tags) && tags == NULL)) {
        rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
        goto out;
    }
    if ((rc = st_random_hex(hex, 8, err)) != KS_OK)
        goto out;
    snprintf(arn, sizeof(arn), "arn:aws:inspector2:%s:%s:owner/%s/filter/%s", s->region,
             account_id, account_id, hex);
    if ((rc = st_begin(s->db, true, err)) != KS_OK)
        goto out;
    if ((rc = st_prepare(s->db, "SELECT COUNT(*) FROM filters WHERE account_id = ?", &st, err)) !=
        KS_OK)
        goto out;
    st_bind_text(st, 1, account_id);
    if ((rc = st_step(st, &row, err)) != KS_OK)
        goto out;
    if (row && st_col_int(st, 0) >= KS_STORE_MAX_FILTERS) {
        rc = ks_err_set(err, KS_ETOOBIG, "filter: account %s already has %d filters", account_id,
                        KS_STORE_MAX_FILTERS);
        goto out;
    }
    st_finalize(st);
    st = NULL;
    if ((rc = st_prepare(s->db,
                         "INSERT INTO filters (account_id, arn, name, description, reason, action,"
                         " criteria, tags, created_at, updated_at)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         &st, err)) != KS_OK)
        goto out;
    st_bind_text(st, 1, account_id);
    st_bind_text(st, 2, arn);
    st_bind_text(st, 3, f->name);
    st_bind_text(st, 4, f->description);
    st_bind_text(st, 5, f->reason);
    st_bind_text(st, 6, f->action);
    st_bind_text(st, 7, crit);
    st_bind_text(st, 8, tags);
    st_bind_int(st, 9, now_ms);
    st_bind_int(st, 10, now_ms);
    if ((rc = st_run(st, err)) != KS_OK)
        goto out;
    if (strcmp(f->action, "SUPPRESS") == 0 && (rc = resuppress(s, account_id, now_ms, err)) != KS_OK)
        goto out;
    if ((rc = st_commit(s->db, err)) != KS_OK)
        goto out;
    memcpy(arn_out, arn, strlen(arn) + 1);
out:
    st_finalize(st);
    if (rc != KS_OK)
        st_rollback(s->db);
    json_decref(canon);
    ks_free(crit);
    ks_free(tags);
    return rc;
}

enum ks_code
ks_store_filter_update(struct ks_store *s, const char *account_id,
                       const struct ks_store_filter *f, int64_t now_ms, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    json_t *canon = NULL;
    char *crit = NULL;
    bool row;
    enum ks_code rc;

    if ((rc = st_check_account_id(account_id, err)) != KS_OK)
        return rc;
    if (f->arn == NULL)
        return ks_err_set(err, KS_EINVAL, "filterArn: required");
    if ((rc = check_filter(f, false, &canon, err)) != KS_OK)
        return rc;
    if (canon != NULL && (crit = dump_or_null(canon)) == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
        goto out;
    }
    if ((rc = st_begin(s->db, true, err)) != KS_OK)
        goto out;
    if ((rc = st_prepare(s->db, "SELECT action FROM filters WHERE account_id = ? AND arn = ?",
                         &st, err)) != KS_OK)
        goto out;
    st_bind_text(st, 1, account_id);
    st_bind_text(st, 2, f->arn);
    if ((rc = st_step(st, &row, err)) != KS_OK)
        goto out;
    if (!row) {
        rc = ks_err_set(err, KS_ENOTFOUND, "filter '%.160s' does not exist", f->arn);
        goto out;
    }
    st_finalize(st);
    st = NULL;
    if ((rc = st_prepare(s->db,
                         "UPDATE filters SET name = COALESCE(?, name),"
                         " description = COALESCE(?, description), reason = COALESCE(?, reason),"
                         " action = COALESCE(?, action), criteria = COALESCE(?, criteria),"
                         " updated_at = ? WHERE account_id = ? AND arn = ?",
                         &st, err)) != KS_OK)
        goto out;
    st_bind_text(st, 1, f->name);
    st_bind_text(st, 2, f->description);
    st_bind_text(st, 3, f->reason);
    st_bind_text(st, 4, f->action);
    st_bind_text(st, 5, crit);
    st_bind_int(st, 6, now_ms);
    st_bind_text(st, 7, account_id);
    st_bind_text(st, 8, f->arn);
    if ((rc = st_run(st, err)) != KS_OK || (rc = resuppress(s, account_id, now_ms, err)) != KS_OK)
        goto out;
    rc = st_commit(s->db, err);
out:
    st_finalize(st);
    if (rc != KS_OK)
        st_rollback(s->db);
    json_decref(canon);
    ks_free(crit);
    return rc;
}

enum ks_code
ks_store_filter_delete(struct ks_store *s, const char *account_id, const char *arn,
                       int64_t now_ms, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    enum ks_code rc;

    if ((rc = st_check_account_id(account_id, err)) != KS_OK)
        return rc;
    if ((rc = st_begin(s->db, true, err)) != KS_OK)
        return rc;
    if ((rc = st_prepare(s->db, "DELETE FROM filters WHERE account_id = ? AND arn = ?", &st,
                         err)) != KS_OK)
        goto out;
    st_bind_text(st, 1, account_id);
    st_bind_text(st, 2, arn);
    if ((rc = st_run(st, err)) != KS_OK)
        goto out;
    if (st_changes(s->db) == 0) {
        rc = ks_err_set(err, KS_ENOTFOUND, "filter '%.160s' does not exist", arn);
        goto out;
    }
    if ((rc = resuppress(s, account_id, now_ms, err)) != KS_OK)
        goto out;
    rc = st_commit(s->db, err);
out:
    st_finalize(st);
    if (rc != KS_OK)
        st_rollback(s->db);
    return rc;
}

enum ks_code
ks_store_filter_list(struct ks_store *s, const char *account_id, const char *const *arns,
                     size_t n_arns, const char *action, const struct ks_store_page *page,
                     enum ks_ts_style style, json_t **out, bool *more, struct ks_err *err)
{
    struct st_sql q;
    struct st_stmt *st = NULL;
    json_t *arr = NULL;
    size_t n = 0;
    bool row;
    enum ks_code rc;

    if ((rc = st_check_account_id(account_id, err)) != KS_OK)
        return rc;
    st_sql_init(&q);
    st_sql_add(&q, "SELECT arn, name, description, reason, action, criteria, tags, created_at,"
                   " updated_at FROM filters WHERE account_id = ");
    st_sql_text(&q, account_id);
    if (action != NULL) {
        st_sql_add(&q, " AND action = ");
        st_sql_text(&q, action);
    }
    if (n_arns > 0) {
        st_sql_add(&q, " AND arn IN (");
        for (size_t i = 0; i < n_arns; i++) {
            if (i > 0)
                st_sql_add(&q, ", ");
            st_sql_text(&q, arns[i]);
        }
        st_sql_add(&q, ")");
    }
    st_sql_add(&q, " ORDER BY created_at, arn LIMIT ");
    st_sql_int(&q, (int64_t)page->limit + 1);
    st_sql_add(&q, " OFFSET ");
    st_sql_int(&q, (int64_t)page->offset);
    if ((rc = st_sql_prepare(s->db, &q, &st, err)) != KS_OK)
        goto out;
    if ((arr = json_array()) == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
        goto out;
    }
    *more = false;
    while ((rc = st_step(st, &row, err)) == KS_OK && row) {
        json_t *o, *crit = NULL, *tags = NULL;

        if (n++ == page->limit) {
            *more = true;
            break;
        }
        if ((rc = ks_json_parse(st_col_text(st, 5), st_col_bytes(st, 5), "stored filter", &crit,
                                err)) != KS_OK)
            goto out;
        if (st_col_text(st, 6) != NULL &&
            (rc = ks_json_parse(st_col_text(st, 6), st_col_bytes(st, 6), "stored filter tags",
                                &tags, err)) != KS_OK) {
            json_decref(crit);
            goto out;
        }
        o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:o, s:o}", "arn", st_col_text(st, 0), "ownerId",
                      account_id, "name", st_col_text(st, 1), "criteria", crit, "action",
                      st_col_text(st, 4), "createdAt",
                      ks_findings_time_json(st_col_int(st, 7), style), "updatedAt",
                      ks_findings_time_json(st_col_int(st, 8), style));
        if (o == NULL) {
            json_decref(tags);
            rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
            goto out;
        }
        if (st_col_text(st, 2) != NULL)
            json_object_set_new(o, "description", json_string(st_col_text(st, 2)));
        if (st_col_text(st, 3) != NULL)
            json_object_set_new(o, "reason", json_string(st_col_text(st, 3)));
        if (tags != NULL)
            json_object_set_new(o, "tags", tags);
        if (json_array_append_new(arr, o) != 0) {
            rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
            goto out;
        }
    }
    if (rc != KS_OK)
        goto out;
    *out = arr;
    arr = NULL;
out:
    st_finalize(st);
    st_sql_release(&q);
    json_decref(arr);
    return rc;
}
