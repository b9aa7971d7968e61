/*
 * findings.c: the finding lifecycle as one store operation. Applying an
 * evaluation of a resource upserts what the matcher produced, closes what it
 * no longer produces, re-opens what came back, applies SUPPRESS filters and
 * writes the events, all in one transaction. Filters call the suppression
 * pass here too (retroactively, for the whole account).
 */
#include "store/store_int.h"

#include <math.h>
#include <string.h>

#include "base/banned.h"

/* The single-valued columns taken from struct ks_finding_info. */
static const struct {
    int field;
    const char *col;
    char kind; /* 's' text, 'n' number, 'd' date (epoch ms) */
} ext_cols[] = {
    {KS_FF_FINDING_TYPE, "finding_type", 's'},
    {KS_FF_SEVERITY, "severity", 's'},
    {KS_FF_TITLE, "title", 's'},
    {KS_FF_INSPECTOR_SCORE, "inspector_score", 'n'},
    {KS_FF_EPSS_SCORE, "epss_score", 'n'},
    {KS_FF_FIX_AVAILABLE, "fix_available", 's'},
    {KS_FF_EXPLOIT_AVAILABLE, "exploit_available", 's'},
    {KS_FF_VULNERABILITY_ID, "vulnerability_id", 's'},
    {KS_FF_VULNERABILITY_SOURCE, "vulnerability_source", 's'},
    {KS_FF_VENDOR_SEVERITY, "vendor_severity", 's'},
    {KS_FF_RESOURCE_TYPE, "resource_type", 's'},
    {KS_FF_EC2_IMAGE_ID, "ec2_image_id", 's'},
    {KS_FF_EC2_VPC_ID, "ec2_vpc_id", 's'},
    {KS_FF_EC2_SUBNET_ID, "ec2_subnet_id", 's'},
    {KS_FF_ECR_PUSHED_AT, "ecr_pushed_at", 'd'},
    {KS_FF_ECR_ARCHITECTURE, "ecr_architecture", 's'},
    {KS_FF_ECR_REGISTRY, "ecr_registry", 's'},
    {KS_FF_ECR_REPOSITORY_NAME, "ecr_repository_name", 's'},
    {KS_FF_ECR_HASH, "ecr_image_hash", 's'},
    {KS_FF_ECR_LAST_IN_USE_AT, "ecr_last_in_use_at", 'd'},
    {KS_FF_ECR_IN_USE_COUNT, "ecr_in_use_count", 'n'},
    {KS_FF_NETWORK_PROTOCOL, "network_protocol", 's'},
    {KS_FF_LAMBDA_NAME, "lambda_function_name", 's'},
    {KS_FF_LAMBDA_RUNTIME, "lambda_runtime", 's'},
    {KS_FF_LAMBDA_LAST_MODIFIED_AT, "lambda_last_modified_at", 'd'},
    {KS_FF_LAMBDA_ROLE_ARN, "lambda_execution_role_arn", 's'},
    {KS_FF_CODE_DETECTOR_NAME, "code_detector_name", 's'},
    {KS_FF_CODE_FILE_PATH, "code_file_path", 's'},
    {KS_FF_CODE_PROJECT_NAME, "code_project_name", 's'},
    {KS_FF_CODE_PROVIDER_TYPE, "code_provider_type", 's'},
};

#define N_EXT KS_ARRAY_LEN(ext_cols)
/* Columns after the extracted ones, in statement order. */
#define TAIL_COLS "severity_rank, ec2_platform, port_begin, port_end, arn, content_hash, doc"

/* Bind the extracted columns from position `first`; returns the next position. */
static int
bind_info(struct st_stmt *st, int first, const struct ks_finding_info *info, const char *arn,
          const char *hash, const char *doc)
{
    int i = first;

    for (size_t c = 0; c < N_EXT; c++, i++) {
        int f = ext_cols[c].field;

        if (ext_cols[c].kind == 's')
            st_bind_text(st, i, info->str[f]);
        else if (!info->has_num[f])
            st_bind_null(st, i);
        else if (ext_cols[c].kind == 'd')
            st_bind_int(st, i, (int64_t)info->num[f]);
        else
            st_bind_double(st, i, info->num[f]);
    }
    st_bind_int(st, i++, info->severity_rank);
    st_bind_text(st, i++, info->ec2_platform);
    if (info->has_port) {
        st_bind_int(st, i++, info->port_begin);
        st_bind_int(st, i++, info->port_end);
    } else {
        st_bind_null(st, i++);
        st_bind_null(st, i++);
    }
    st_bind_text(st, i++, arn);
    st_bind_text(st, i++, hash);
    st_bind_text(st, i++, doc);
    return i;
}

/* The prepared statements one evaluation reuses for every finding. */
struct eval_stmts {
    struct st_stmt *get, *insert, *update, *touch, *reopen, *del_values, *del_pkgs, *ins_value,
        *ins_pkg;
};

static void
stmts_free(struct eval_stmts *s)
{
    st_finalize(s->get);
    st_finalize(s->insert);
    st_finalize(s->update);
    st_finalize(s->touch);
    st_finalize(s->reopen);
    st_finalize(s->del_values);
    st_finalize(s->del_pkgs);
    st_finalize(s->ins_value);
    st_finalize(s->ins_pkg);
}

static enum ks_code
stmts_prepare(struct st_db *db, struct eval_stmts *s, struct ks_err *err)
{
    struct ks_buf ins = KS_BUF_INIT(8192), upd = KS_BUF_INIT(8192);
    enum ks_code rc;
    size_t ntail = 7;

    /* INSERT: account, id, resource, lifecycle/status, 3 times, extracted, tail. */
    ks_buf_appends(&ins, "INSERT INTO findings (account_id, finding_id, resource_id, lifecycle,"
                         " status, first_observed_at, last_observed_at, updated_at");
    for (size_t c = 0; c < N_EXT; c++)
        ks_buf_appendf(&ins, ", %s", ext_cols[c].col);
    ks_buf_appends(&ins, ", " TAIL_COLS ") VALUES (?, ?, ?, 'ACTIVE', 'ACTIVE', ?, ?, ?");
    for (size_t c = 0; c < N_EXT + ntail; c++)
        ks_buf_appends(&ins, ", ?");
    ks_buf_appends(&ins, ")");
    /* UPDATE on a content change: everything, and the lifecycle back to ACTIVE. */
    ks_buf_appends(&upd, "UPDATE findings SET resource_id = ?, last_observed_at = ?,"
                         " updated_at = ?, lifecycle = 'ACTIVE', closed_at = NULL,"
                         " status = CASE WHEN status = 'CLOSED' THEN 'ACTIVE' ELSE status END");
    for (size_t c = 0; c < N_EXT; c++)
        ks_buf_appendf(&upd, ", %s = ?", ext_cols[c].col);
    ks_buf_appends(&upd, ", severity_rank = ?, ec2_platform = ?, port_begin = ?, port_end = ?,"
                         " arn = ?, content_hash = ?, doc = ?"
                         " WHERE account_id = ? AND finding_id = ?");
    if (ks_buf_err(&ins) != KS_OK || ks_buf_err(&upd) != KS_OK) {
        rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
        goto out;
    }
    if ((rc = st_prepare(db,
                         "SELECT lifecycle, status, severity, inspector_score, content_hash,"
                         " resource_id FROM findings WHERE account_id = ? AND finding_id = ?",
                         &s->get, err)) != KS_OK ||
        (rc = st_prepare(db, ins.data, &s->insert, err)) != KS_OK ||
        (rc = st_prepare(db, upd.data, &s->update, err)) != KS_OK ||
        (rc = st_prepare(db,
                         "UPDATE findings SET last_observed_at = ? WHERE account_id = ?"
                         " AND finding_id = ?",
                         &s->touch, err)) != KS_OK ||
        (rc = st_prepare(db,
                         "UPDATE findings SET last_observed_at = ?, updated_at = ?,"
                         " lifecycle = 'ACTIVE', status = 'ACTIVE', closed_at = NULL"
                         " WHERE account_id = ? AND finding_id = ?",
                         &s->reopen, err)) != KS_OK ||
        (rc = st_prepare(db, "DELETE FROM finding_values WHERE account_id = ? AND finding_id = ?",
                         &s->del_values, err)) != KS_OK ||
        (rc = st_prepare(db,
                         "DELETE FROM finding_packages WHERE account_id = ? AND finding_id = ?",
                         &s->del_pkgs, err)) != KS_OK ||
        (rc = st_prepare(db,
                         "INSERT INTO finding_values (account_id, finding_id, field, tag_key,"
                         " value) VALUES (?, ?, ?, ?, ?)",
                         &s->ins_value, err)) != KS_OK ||
        (rc = st_prepare(db,
                         "INSERT INTO finding_packages (account_id, finding_id, idx, name,"
                         " version, epoch, release, arch, source_layer_hash,"
                         " source_lambda_layer_arn, file_path)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                         &s->ins_pkg, err)) != KS_OK)
        goto out;
out:
    ks_buf_release(&ins);
    ks_buf_release(&upd);
    return rc;
}

/* Replace the multi-valued rows of a finding. */
static enum ks_code
write_children(struct eval_stmts *s, const char *account_id, const char *fid,
               const struct ks_finding_info *info, bool replace, struct ks_err *err)
{
    enum ks_code rc;

    if (replace) {
        st_bind_text(s->del_values, 1, account_id);
        st_bind_text(s->del_values, 2, fid);
        st_bind_text(s->del_pkgs, 1, account_id);
        st_bind_text(s->del_pkgs, 2, fid);
        rc = st_run(s->del_values, err);
        st_reset(s->del_values);
        if (rc != KS_OK)
            return rc;
        rc = st_run(s->del_pkgs, err);
        st_reset(s->del_pkgs);
        if (rc != KS_OK)
            return rc;
    }
    for (size_t i = 0; i < info->n_values; i++) {
        const struct ks_finding_value *v = &info->values[i];

        st_bind_text(s->ins_value, 1, account_id);
        st_bind_text(s->ins_value, 2, fid);
        st_bind_text(s->ins_value, 3, ks_fc_findings.fields[v->field].name);
        st_bind_text(s->ins_value, 4, v->key);
        st_bind_text(s->ins_value, 5, v->value);
        rc = st_run(s->ins_value, err);
        st_reset(s->ins_value);
        if (rc != KS_OK)
            return rc;
    }
    for (size_t i = 0; i < info->n_pkgs; i++) {
        const struct ks_finding_pkg *p = &info->pkgs[i];

        st_bind_text(s->ins_pkg, 1, account_id);
        st_bind_text(s->ins_pkg, 2, fid);
        st_bind_int(s->ins_pkg, 3, (int64_t)i);
        st_bind_text(s->ins_pkg, 4, p->str[KS_PKG_NAME]);
        st_bind_text(s->ins_pkg, 5, p->str[KS_PKG_VERSION]);
        if (p->has_epoch)
            st_bind_int(s->ins_pkg, 6, p->epoch);
        else
            st_bind_null(s->ins_pkg, 6);
        st_bind_text(s->ins_pkg, 7, p->str[KS_PKG_RELEASE]);
        st_bind_text(s->ins_pkg, 8, p->str[KS_PKG_ARCHITECTURE]);
        st_bind_text(s->ins_pkg, 9, p->str[KS_PKG_SOURCE_LAYER_HASH]);
        st_bind_text(s->ins_pkg, 10, p->str[KS_PKG_SOURCE_LAMBDA_LAYER_ARN]);
        st_bind_text(s->ins_pkg, 11, p->str[KS_PKG_FILE_PATH]);
        rc = st_run(s->ins_pkg, err);
        st_reset(s->ins_pkg);
        if (rc != KS_OK)
            return rc;
    }
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* Events                                                                   */

enum ks_code
st_finding_event(struct ks_store *s, const char *account_id, const char *finding_id,
                 const char *kind, int64_t now_ms, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    json_t *doc = NULL, *rendered = NULL, *res = NULL;
    struct ks_finding_state fs;
    bool row;
    enum ks_code rc;

    if ((rc = st_prepare(s->db,
                         "SELECT doc, status, first_observed_at, last_observed_at, updated_at,"
                         " arn FROM findings WHERE account_id = ? AND finding_id = ?",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, account_id);
    st_bind_text(st, 2, finding_id);
    if ((rc = st_step(st, &row, err)) != KS_OK)
        goto out;
    if (!row) {
        rc = ks_err_set(err, KS_EINTERNAL, "store: finding '%s' vanished", finding_id);
        goto out;
    }
    if ((rc = ks_json_parse(st_col_text(st, 0), st_col_bytes(st, 0), "stored finding", &doc,
                            err)) != KS_OK)
        goto out;
    fs.status = st_col_text(st, 1);
    fs.first_observed_ms = st_col_int(st, 2);
    fs.last_observed_ms = st_col_int(st, 3);
    fs.updated_ms = st_col_int(st, 4);
    rendered = ks_findings_render(doc, &fs, KS_TS_RFC3339);
    res = json_array();
    if (rendered == NULL || res == NULL ||
        json_array_append_new(res, json_string(st_col_text(st, 5))) != 0) {
        rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
        goto out;
    }
    rc = st_outbox_add(s, account_id, "Inspector2 Finding", kind, now_ms, res, rendered, err);
out:
    st_finalize(st);
    json_decref(doc);
    json_decref(rendered);
    json_decref(res);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Suppression                                                              */

struct suppress_filter {
    char *arn;
    json_t *criteria_json;
    struct ks_criteria *criteria;
};

enum ks_code
st_apply_suppression(struct ks_store *s, const char *account_id, const char *resource_id,
                     int64_t now_ms, struct ks_map *changed_ids, struct ks_err *err)
{
    struct st_stmt *st = NULL, *upd = NULL;
    struct ks_arena *a = ks_arena_new(16384);
    struct ks_vec filters = KS_VEC_INIT(struct suppress_filter);
    struct ks_vec changes = KS_VEC_INIT(char *);
    struct st_sql q;
    bool row;
    enum ks_code rc = KS_OK;

    st_sql_init(&q);
    if (a == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
        goto out;
    }
    if ((rc = st_prepare(s->db,
                         "SELECT arn, criteria FROM filters WHERE account_id = ?"
                         " AND action = 'SUPPRESS' ORDER BY created_at, arn",
                         &st, err)) != KS_OK)
        goto out;
    st_bind_text(st, 1, account_id);
    while ((rc = st_step(st, &row, err)) == KS_OK && row) {
        struct suppress_filter *f = ks_vec_push(&filters);

        if (f == NULL || (f->arn = ks_arena_strdup(a, st_col_text(st, 0))) == NULL) {
            rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
            goto out;
        }
        if ((rc = ks_json_parse(st_col_text(st, 1), st_col_bytes(st, 1), "stored filter",
                                &f->criteria_json, err)) != KS_OK ||
            (rc = ks_findings_criteria_parse(&ks_fc_findings, f->criteria_json, "filterCriteria",
                                             a, &f->criteria, err)) != KS_OK) {
            ks_err_prefix(err, "filter %s: ", f->arn);
            goto out;
        }
    }
    st_finalize(st);
    st = NULL;
    if (rc != KS_OK)
        goto out;

    /* One pass: which filter (first by creation) suppresses each open finding. */
    st_sql_add(&q, "SELECT f.finding_id, f.status, f.suppressed_by, ");
    if (filters.len == 0) {
        st_sql_add(&q, "NULL");
    } else {
        st_sql_add(&q, "CASE");
        for (size_t i = 0; i < filters.len; i++) {
            struct suppress_filter *f = ks_vec_at(&filters, i);

            st_sql_add(&q, " WHEN ");
            if ((rc = st_where_criteria(&q, f->criteria, true, err)) != KS_OK)
                goto out;
            st_sql_add(&q, " THEN ");
            st_sql_text(&q, f->arn);
        }
        st_sql_add(&q, " ELSE NULL END");
    }
    st_sql_add(&q, " FROM findings f WHERE f.account_id = ");
    st_sql_text(&q, account_id);
    st_sql_add(&q, " AND f.lifecycle = 'ACTIVE'");
    if (resource_id != NULL) {
        st_sql_add(&q, " AND f.resource_id = ");
        st_sql_text(&q, resource_id);
    }
    if ((rc = st_sql_prepare(s->db, &q, &st, err)) != KS_OK)
        goto out;
    /* Collect first: updating rows under an open cursor is not portable. */
    while ((rc = st_step(st, &row, err)) == KS_OK && row) {
        const char *fid = st_col_text(st, 0), *status = st_col_text(st, 1);
        const char *by = st_col_text(st, 2), *want_by = st_col_text(st, 3);
        bool is_supp = strcmp(status, "SUPPRESSED") == 0;
        char **slot;
        struct ks_buf line = KS_BUF_INIT(4096);

        if (is_supp == (want_by != NULL) &&
            ((by == NULL && want_by == NULL) || (by && want_by && strcmp(by, want_by) == 0)))
            continue;
        /* "id\tfilter-arn-or-empty\tstatus-changed" */
        ks_buf_appendf(&line, "%s\t%s\t%d", fid, want_by ? want_by : "",
                       is_supp != (want_by != NULL));
        if (ks_buf_err(&line) != KS_OK || (slot = ks_vec_push(&changes)) == NULL ||
            (*slot = ks_buf_detach(&line, NULL)) == NULL) {
            ks_buf_release(&line);
            rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
            goto out;
        }
    }
    st_finalize(st);
    st = NULL;
    if (rc != KS_OK)
        goto out;
    if ((rc = st_prepare(s->db,
                         "UPDATE findings SET status = ?, suppressed_by = ?,"
                         " updated_at = CASE WHEN status <> ? THEN ? ELSE updated_at END"
                         " WHERE account_id = ? AND finding_id = ?",
                         &upd, err)) != KS_OK)
        goto out;
    for (size_t i = 0; i < changes.len; i++) {
        char *line = *(char **)ks_vec_at(&changes, i);
        char *tab1 = strchr(line, '\t'), *tab2;
        const char *status;

        if (tab1 == NULL || (tab2 = strchr(tab1 + 1, '\t')) == NULL)
            continue;
        *tab1 = '\0';
        *tab2 = '\0';
        status = tab1[1] ? "SUPPRESSED" : "ACTIVE";
        st_bind_text(upd, 1, status);
        st_bind_text(upd, 2, tab1[1] ? tab1 + 1 : NULL);
        st_bind_text(upd, 3, status);
        st_bind_int(upd, 4, now_ms);
        st_bind_text(upd, 5, account_id);
        st_bind_text(upd, 6, line);
        rc = st_run(upd, err);
        st_reset(upd);
        if (rc != KS_OK)
            goto out;
        if (tab2[1] == '1' && changed_ids != NULL &&
            (rc = ks_map_put(changed_ids, ks_str_c(line), (void *)status, NULL)) != KS_OK) {
            rc = ks_err_set(err, rc, "store: out of memory");
            goto out;
        }
    }
out:
    st_finalize(st);
    st_finalize(upd);
    for (size_t i = 0; i < filters.len; i++)
        json_decref(((struct suppress_filter *)ks_vec_at(&filters, i))->criteria_json);
    for (size_t i = 0; i < changes.len; i++)
        ks_free(*(char **)ks_vec_at(&changes, i));
    ks_vec_release(&filters);
    ks_vec_release(&changes);
    st_sql_release(&q);
    ks_arena_free(a);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Closing                                                                  */

/* Ids selected by a one-text-column query, collected before changing rows. */
static enum ks_code
collect_ids(struct st_stmt *st, struct ks_vec *ids, struct ks_err *err)
{
    bool row;
    enum ks_code rc;

    while ((rc = st_step(st, &row, err)) == KS_OK && row) {
        char **slot = ks_vec_push(ids);

        if (slot == NULL || (*slot = ks_strdup(st_col_text(st, 0))) == NULL)
            return ks_err_set(err, KS_ENOMEM, "store: out of memory");
    }
    return rc;
}

static void
free_ids(struct ks_vec *ids)
{
    for (size_t i = 0; i < ids->len; i++)
        ks_free(*(char **)ks_vec_at(ids, i));
    ks_vec_release(ids);
}

static enum ks_code
close_one(struct ks_store *s, struct st_stmt *upd, const char *account_id, const char *fid,
          int64_t now_ms, struct ks_err *err)
{
    enum ks_code rc;

    st_bind_int(upd, 1, now_ms);
    st_bind_int(upd, 2, now_ms);
    st_bind_text(upd, 3, account_id);
    st_bind_text(upd, 4, fid);
    rc = st_run(upd, err);
    st_reset(upd);
    if (rc != KS_OK)
        return rc;
    return st_finding_event(s, account_id, fid, "closed", now_ms, err);
}

#define CLOSE_SQL                                                                                  \
    "UPDATE findings SET lifecycle = 'CLOSED', status = 'CLOSED', suppressed_by = NULL,"           \
    " closed_at = ?, updated_at = ? WHERE account_id = ? AND finding_id = ?"

enum ks_code
st_close_findings(struct ks_store *s, const char *account_id, const char *resource_id,
                  const char *aws_resource_type, int64_t now_ms, size_t *closed,
                  struct ks_err *err)
{
    struct st_stmt *st = NULL, *upd = NULL;
    struct ks_vec ids = KS_VEC_INIT(char *);
    enum ks_code rc;

    *closed = 0;
    if ((rc = st_prepare(s->db,
                         resource_id != NULL
                             ? "SELECT finding_id FROM findings WHERE account_id = ?"
                               " AND lifecycle = 'ACTIVE' AND resource_id = ?"
                             : "SELECT finding_id FROM findings WHERE account_id = ?"
                               " AND lifecycle = 'ACTIVE' AND resource_type = ?",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, account_id);
    st_bind_text(st, 2, resource_id != NULL ? resource_id : aws_resource_type);
    if ((rc = collect_ids(st, &ids, err)) != KS_OK ||
        (rc = st_prepare(s->db, CLOSE_SQL, &upd, err)) != KS_OK)
        goto out;
    for (size_t i = 0; i < ids.len; i++) {
        if ((rc = close_one(s, upd, account_id, *(char **)ks_vec_at(&ids, i), now_ms, err)) !=
            KS_OK)
            goto out;
        (*closed)++;
    }
out:
    st_finalize(st);
    st_finalize(upd);
    free_ids(&ids);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Applying an evaluation                                                   */

enum touch_kind { T_CREATED = 1, T_CHANGED, T_REOPENED, T_CLOSED };

/* What a finding looked like before this evaluation touched it. */
struct touched {
    enum touch_kind kind;
    char status[16];
    char severity[16];
    bool has_score;
    double score;
};

static enum ks_code
usage_add(struct ks_store *s, const char *account_id, const char *usage_type, double n,
          int64_t now_ms, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    char month[8];
    time_t t = (time_t)(now_ms / 1000);
    struct tm tm;
    enum ks_code rc;

    gmtime_r(&t, &tm);
    strftime(month, sizeof(month), "%Y-%m", &tm);
    if ((rc = st_prepare(s->db,
                         "INSERT INTO usage_counters (account_id, month, usage_type, total)"
                         " VALUES (?, ?, ?, ?) ON CONFLICT (account_id, month, usage_type)"
                         " DO UPDATE SET total = usage_counters.total + excluded.total",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, account_id);
    st_bind_text(st, 2, month);
    st_bind_text(st, 3, usage_type);
    st_bind_double(st, 4, n);
    rc = st_run(st, err);
    st_finalize(st);
    return rc;
}

/*
 * Record the resource as evaluated now; was_status and was_reason get its
 * coverage before ("" when new); evaluations counts earlier evaluations.
 */
static enum ks_code
record_resource(struct ks_store *s, const struct ks_store_evaluation *ev, const json_t *resource,
                char was_status[16], char was_reason[48], int64_t *evaluations, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    char *text = NULL;
    int64_t pushed = -1;
    const json_t *ecr = json_object_get(json_object_get(resource, "details"),
                                        "awsEcrContainerImage");
    bool row;
    enum ks_code rc;

    was_status[0] = was_reason[0] = '\0';
    *evaluations = 0;
    if (ecr != NULL && ks_findings_parse_time(json_object_get(ecr, "pushedAt"), &pushed) != KS_OK)
        pushed = -1;
    if ((text = json_dumps(resource, JSON_COMPACT)) == NULL)
        return ks_err_set(err, KS_ENOMEM, "store: out of memory");
    if ((rc = st_prepare(s->db,
                         "SELECT scan_status, scan_reason, evaluations FROM resources"
                         " WHERE account_id = ? AND resource_id = ?",
                         &st, err)) != KS_OK)
        goto out;
    st_bind_text(st, 1, ev->account_id);
    st_bind_text(st, 2, ev->resource_id);
    if ((rc = st_step(st, &row, err)) != KS_OK)
        goto out;
    if (row) {
        snprintf(was_status, 16, "%s", st_col_text(st, 0));
        snprintf(was_reason, 48, "%s", st_col_text(st, 1));
        *evaluations = st_col_int(st, 2);
    }
    st_finalize(st);
    st = NULL;
    if ((rc = st_prepare(s->db,
                         "INSERT INTO resources (account_id, resource_id, resource_type, resource,"
                         " scan_status, scan_reason, created_at, updated_at, last_scanned_at,"
                         " eligible_from, evaluations)"
                         " VALUES (?, ?, ?, ?, 'ACTIVE', 'SUCCESSFUL', ?, ?, ?, ?, 1)"
                         " ON CONFLICT (account_id, resource_id) DO UPDATE SET"
                         " resource_type = excluded.resource_type, resource = excluded.resource,"
                         " scan_status = 'ACTIVE', scan_reason = 'SUCCESSFUL',"
                         " updated_at = excluded.updated_at,"
                         " last_scanned_at = excluded.last_scanned_at,"
                         " eligible_from = CASE WHEN ? >= 0 THEN ? ELSE resources.eligible_from END,"
                         " evaluations = resources.evaluations + 1",
                         &st, err)) != KS_OK)
        goto out;
    st_bind_text(st, 1, ev->account_id);
    st_bind_text(st, 2, ev->resource_id);
    st_bind_text(st, 3, ks_findings_rtype_name(ev->rtype));
    st_bind_text(st, 4, text);
    st_bind_int(st, 5, ev->now_ms);
    st_bind_int(st, 6, ev->now_ms);
    st_bind_int(st, 7, ev->now_ms);
    st_bind_int(st, 8, pushed >= 0 ? pushed : ev->now_ms);
    st_bind_int(st, 9, pushed);
    st_bind_int(st, 10, pushed);
    rc = st_run(st, err);
out:
    st_finalize(st);
    ks_free(text);
    return rc;
}

/* The Resource document to record: given, else the first finding's, else a bare one. */
static json_t *
resource_doc(const struct ks_store_evaluation *ev)
{
    const json_t *src = ev->resource;
    json_t *r;

    if (src == NULL && json_array_size(ev->findings) > 0)
        src = json_array_get(json_object_get(json_array_get(ev->findings, 0), "resources"), 0);
    r = json_is_object(src) ? json_deep_copy(src) : json_object();
    if (r == NULL ||
        json_object_set_new(r, "type", json_string(ks_findings_rtype_aws(ev->rtype))) != 0 ||
        json_object_set_new(r, "id", json_string(ev->resource_id)) != 0) {
        json_decref(r);
        return NULL;
    }
    return r;
}

static enum ks_code
scan_event(struct ks_store *s, const struct ks_store_evaluation *ev, const json_t *resource,
           bool initial, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    json_t *detail = NULL, *counts = NULL, *res = NULL;
    int64_t total = 0;
    bool row;
    enum ks_code rc;
    const json_t *ecr = json_object_get(json_object_get(resource, "details"),
                                        "awsEcrContainerImage");

    if ((rc = st_prepare(s->db,
                         "SELECT severity, COUNT(*) FROM findings WHERE account_id = ?"
                         " AND resource_id = ? AND status = 'ACTIVE' GROUP BY severity",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, ev->account_id);
    st_bind_text(st, 2, ev->resource_id);
    counts = json_object();
    detail = json_object();
    res = json_array();
    if (counts == NULL || detail == NULL || res == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
        goto out;
    }
    while ((rc = st_step(st, &row, err)) == KS_OK && row) {
        json_object_set_new(counts, st_col_text(st, 0), json_integer(st_col_int(st, 1)));
        total += st_col_int(st, 1);
    }
    if (rc != KS_OK)
        goto out;
    json_object_set_new(counts, "TOTAL", json_integer(total));
    json_object_set_new(detail, "scan-status",
                        json_string(initial ? "INITIAL_SCAN_COMPLETE" : "SCAN_COMPLETE"));
    json_object_set_new(detail, "resource-type", json_string(ks_findings_rtype_aws(ev->rtype)));
    json_object_set_new(detail, "resource-id", json_string(ev->resource_id));
    if (json_is_object(ecr)) {
        if (json_is_string(json_object_get(ecr, "repositoryName")))
            json_object_set(detail, "repository-name", json_object_get(ecr, "repositoryName"));
        if (json_is_string(json_object_get(ecr, "imageHash")))
            json_object_set(detail, "image-digest", json_object_get(ecr, "imageHash"));
        if (json_is_array(json_object_get(ecr, "imageTags")))
            json_object_set(detail, "image-tags", json_object_get(ecr, "imageTags"));
    }
    json_object_set(detail, "finding-severity-counts", counts);
    json_array_append_new(res, json_string(ev->resource_id));
    rc = st_outbox_add(s, ev->account_id, "Inspector2 Scan", "scan", ev->now_ms, res, detail, err);
out:
    st_finalize(st);
    json_decref(detail);
    json_decref(counts);
    json_decref(res);
    return rc;
}

static bool
same_score(const struct touched *t, bool has, double v)
{
    return t->has_score == has && (!has || fabs(t->score - v) < 1e-9);
}

/* Emit the events of one touched finding; returns how many (0 or 1). */
static enum ks_code
touched_event(struct ks_store *s, const char *account_id, const char *fid,
              const struct touched *t, const char *supp, int64_t now_ms, size_t *events,
              struct ks_store_eval_result *res, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    bool row, emit = false;
    const char *kind = "updated";
    enum ks_code rc;

    if (t == NULL) { /* only the suppression pass changed it */
        if (supp != NULL && strcmp(supp, "SUPPRESSED") == 0)
            res->suppressed++;
        else
            res->unsuppressed++;
        (*events)++;
        return st_finding_event(s, account_id, fid, "updated", now_ms, err);
    }
    if (t->kind == T_CREATED) {
        if (supp != NULL)
            res->suppressed++;
        (*events)++;
        return st_finding_event(s, account_id, fid, "created", now_ms, err);
    }
    if (t->kind == T_CLOSED) {
        (*events)++;
        return st_finding_event(s, account_id, fid, "closed", now_ms, err);
    }
    if ((rc = st_prepare(s->db,
                         "SELECT status, severity, inspector_score FROM findings"
                         " WHERE account_id = ? AND finding_id = ?",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, account_id);
    st_bind_text(st, 2, fid);
    if ((rc = st_step(st, &row, err)) != KS_OK || !row)
        goto out;
    if (supp != NULL) {
        if (strcmp(supp, "SUPPRESSED") == 0)
            res->suppressed++;
        else
            res->unsuppressed++;
    }
    /* Events for what Inspector reports as updates: severity, score, status. */
    emit = t->kind == T_REOPENED || strcmp(t->status, st_col_text(st, 0)) != 0 ||
           strcmp(t->severity, st_col_text(st, 1)) != 0 ||
           !same_score(t, !st_col_null(st, 2), st_col_double(st, 2));
    st_finalize(st);
    st = NULL;
    if (emit) {
        (*events)++;
        rc = st_finding_event(s, account_id, fid, kind, now_ms, err);
    }
out:
    st_finalize(st);
    return rc;
}

/*
 * An image past its account's ECR rescan duration (from pushedAt, else from
 * when Kensa first saw it) is out of continuous monitoring: refuse.
 */
static enum ks_code
check_eligible(struct ks_store *s, const struct ks_store_evaluation *ev, struct ks_err *err)
{
    struct ks_account_config cfg;
    struct st_stmt *st = NULL;
    const json_t *src = ev->resource;
    int64_t from = ev->now_ms;
    int days;
    bool row;
    enum ks_code rc;

    if ((rc = ks_store_config_get(s, ev->account_id, &cfg, err)) != KS_OK)
        return rc;
    days = ks_store_rescan_days(cfg.ecr_rescan_duration);
    if (days <= 0)
        return KS_OK;
    if (src == NULL && json_array_size(ev->findings) > 0)
        src = json_array_get(json_object_get(json_array_get(ev->findings, 0), "resources"), 0);
    if (ks_findings_parse_time(json_object_get(json_object_get(json_object_get(src, "details"),
                                                               "awsEcrContainerImage"),
                                               "pushedAt"),
                               &from) != KS_OK) {
        from = ev->now_ms;
        if ((rc = st_prepare(s->db,
                             "SELECT eligible_from FROM resources WHERE account_id = ?"
                             " AND resource_id = ?",
                             &st, err)) != KS_OK)
            return rc;
        st_bind_text(st, 1, ev->account_id);
        st_bind_text(st, 2, ev->resource_id);
        if ((rc = st_step(st, &row, err)) == KS_OK && row)
            from = st_col_int(st, 0);
        st_finalize(st);
        if (rc != KS_OK)
            return rc;
    }
    if (from + (int64_t)days * 86400000LL < ev->now_ms)
        return ks_err_set(err, KS_ECONFLICT, "store: image '%.200s' is past its ECR rescan "
                          "duration (%s): it is no longer monitored", ev->resource_id,
                          cfg.ecr_rescan_duration);
    return KS_OK;
}

enum ks_code
ks_store_apply_evaluation(struct ks_store *s, const struct ks_store_evaluation *ev,
                          struct ks_store_eval_result *res, struct ks_err *err)
{
    struct eval_stmts stm;
    struct ks_map *seen = NULL, *supp = NULL;
    struct ks_arena *a = NULL;
    struct ks_vec closing = KS_VEC_INIT(char *);
    struct st_stmt *st = NULL;
    enum ks_enable_status types[KS_SCAN_TYPE_COUNT];
    json_t *resource = NULL;
    char was_status[16], was_reason[48];
    int64_t evaluations = 0;
    struct ks_store_eval_result r;
    size_t i, pos;
    struct ks_str key;
    void *val;
    json_t *doc;
    enum ks_code rc;

    memset(&stm, 0, sizeof(stm));
    memset(&r, 0, sizeof(r));
    if ((rc = st_check_account_id(ev->account_id, err)) != KS_OK)
        return rc;
    if (ev->resource_id == NULL || ev->resource_id[0] == '\0' || strlen(ev->resource_id) > 1024)
        return ks_err_set(err, KS_EINVAL, "store: resource id must be 1 to 1024 bytes");
    if (!json_is_array(ev->findings))
        return ks_err_set(err, KS_EINVAL, "store: findings must be a JSON array");
    if ((unsigned)ev->rtype >= KS_RT_COUNT)
        return ks_err_set(err, KS_EINVAL, "store: unknown resource type");
    if ((rc = ks_store_scan_types_get(s, ev->account_id, types, err)) != KS_OK)
        return rc;
    if (types[ks_findings_rtype_scan_type(ev->rtype)] != KS_ENABLED)
        return ks_err_set(err, KS_ECONFLICT, "store: scanning %s resources (%s) is disabled for "
                          "account %s", ks_findings_rtype_name(ev->rtype),
                          ks_findings_scan_type_name(ks_findings_rtype_scan_type(ev->rtype)),
                          ev->account_id);
    if (ev->rtype == KS_RT_CONTAINER_IMAGE &&
        (rc = check_eligible(s, ev, err)) != KS_OK)
        return rc;
    if ((seen = ks_map_new()) == NULL || (supp = ks_map_new()) == NULL ||
        (a = ks_arena_new(65536)) == NULL || (resource = resource_doc(ev)) == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
        goto out;
    }
    if ((rc = st_begin(s->db, true, err)) != KS_OK)
        goto out;
    if ((rc = record_resource(s, ev, resource, was_status, was_reason, &evaluations, err)) !=
            KS_OK ||
        (rc = stmts_prepare(s->db, &stm, err)) != KS_OK)
        goto out;

    json_array_foreach(ev->findings, i, doc) {
        struct ks_finding_info info;
        char fid[KS_FINDING_MAX_ID + 1], hash[65];
        char *text = NULL;
        struct touched *t = NULL;
        bool row, need_t = true;

        if ((rc = ks_findings_normalize(doc, ev->account_id, s->region, fid, err)) != KS_OK ||
            (rc = ks_findings_extract(doc, a, &info, err)) != KS_OK) {
            ks_err_prefix(err, "findings[%zu]: ", i);
            goto out;
        }
        if (info.rtype != ev->rtype || strcmp(info.str[KS_FF_RESOURCE_ID], ev->resource_id) != 0) {
            rc = ks_err_set(err, KS_EINVAL, "findings[%zu]: finding '%s' is about %s '%s', not "
                            "the evaluated %s '%s'", i, fid, ks_findings_rtype_name(info.rtype),
                            info.str[KS_FF_RESOURCE_ID], ks_findings_rtype_name(ev->rtype),
                            ev->resource_id);
            goto out;
        }
        if (ks_map_has(seen, ks_str_c(fid))) {
            rc = ks_err_set(err, KS_EINVAL, "findings[%zu]: finding id '%s' appears twice", i,
                            fid);
            goto out;
        }
        if ((rc = ks_findings_content_hash(doc, hash, err)) != KS_OK)
            goto out;
        st_bind_text(stm.get, 1, ev->account_id);
        st_bind_text(stm.get, 2, fid);
        if ((rc = st_step(stm.get, &row, err)) != KS_OK)
            goto out;
        /* The document text is written only when it is new or changed. */
        if ((!row || strcmp(st_col_text(stm.get, 4), hash) != 0 ||
             strcmp(st_col_text(stm.get, 5), ev->resource_id) != 0) &&
            (text = json_dumps(doc, JSON_COMPACT)) == NULL) {
            st_reset(stm.get);
            rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
            goto out;
        }
        if (!row) {
            int p = 1;

            st_reset(stm.get);
            st_bind_text(stm.insert, p++, ev->account_id);
            st_bind_text(stm.insert, p++, fid);
            st_bind_text(stm.insert, p++, ev->resource_id);
            st_bind_int(stm.insert, p++, ev->now_ms);
            st_bind_int(stm.insert, p++, ev->now_ms);
            st_bind_int(stm.insert, p++, ev->now_ms);
            bind_info(stm.insert, p, &info, ks_json_str(doc, "findingArn"), hash, text);
            rc = st_run(stm.insert, err);
            st_reset(stm.insert);
            if (rc == KS_OK)
                rc = write_children(&stm, ev->account_id, fid, &info, false, err);
            if ((t = ks_arena_calloc(a, 1, sizeof(*t))) != NULL)
                t->kind = T_CREATED;
            r.created++;
        } else {
            bool closed = strcmp(st_col_text(stm.get, 0), "CLOSED") == 0;
            bool changed = strcmp(st_col_text(stm.get, 4), hash) != 0 ||
                           strcmp(st_col_text(stm.get, 5), ev->resource_id) != 0;

            if ((t = ks_arena_calloc(a, 1, sizeof(*t))) != NULL) {
                t->kind = closed ? T_REOPENED : T_CHANGED;
                snprintf(t->status, sizeof(t->status), "%s", st_col_text(stm.get, 1));
                snprintf(t->severity, sizeof(t->severity), "%s", st_col_text(stm.get, 2));
                t->has_score = !st_col_null(stm.get, 3);
                t->score = st_col_double(stm.get, 3);
            }
            st_reset(stm.get);
            if (changed) {
                int p = 1;

                st_bind_text(stm.update, p++, ev->resource_id);
                st_bind_int(stm.update, p++, ev->now_ms);
                st_bind_int(stm.update, p++, ev->now_ms);
                p = bind_info(stm.update, p, &info, ks_json_str(doc, "findingArn"), hash, text);
                st_bind_text(stm.update, p++, ev->account_id);
                st_bind_text(stm.update, p++, fid);
                rc = st_run(stm.update, err);
                st_reset(stm.update);
                if (rc == KS_OK)
                    rc = write_children(&stm, ev->account_id, fid, &info, true, err);
                if (closed)
                    r.reopened++;
                else
                    r.updated++;
            } else if (closed) {
                st_bind_int(stm.reopen, 1, ev->now_ms);
                st_bind_int(stm.reopen, 2, ev->now_ms);
                st_bind_text(stm.reopen, 3, ev->account_id);
                st_bind_text(stm.reopen, 4, fid);
                rc = st_run(stm.reopen, err);
                st_reset(stm.reopen);
                r.reopened++;
            } else {
                st_bind_int(stm.touch, 1, ev->now_ms);
                st_bind_text(stm.touch, 2, ev->account_id);
                st_bind_text(stm.touch, 3, fid);
                rc = st_run(stm.touch, err);
                st_reset(stm.touch);
                r.unchanged++;
                t = NULL; /* nothing to report unless suppression moves it */
                need_t = false;
            }
        }
        ks_free(text);
        if (rc != KS_OK)
            goto out;
        if (t == NULL && need_t) {
            rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
            goto out;
        }
        if ((rc = ks_map_put(seen, ks_str_c(fid), t, NULL)) != KS_OK) {
            rc = ks_err_set(err, rc, "store: out of memory");
            goto out;
        }
    }

    /* Close what this evaluation no longer produced. */
    if ((rc = st_prepare(s->db,
                         "SELECT finding_id FROM findings WHERE account_id = ? AND resource_id = ?"
                         " AND lifecycle = 'ACTIVE'",
                         &st, err)) != KS_OK)
        goto out;
    st_bind_text(st, 1, ev->account_id);
    st_bind_text(st, 2, ev->resource_id);
    if ((rc = collect_ids(st, &closing, err)) != KS_OK)
        goto out;
    st_finalize(st);
    st = NULL;
    if ((rc = st_prepare(s->db, CLOSE_SQL, &st, err)) != KS_OK)
        goto out;
    for (i = 0; i < closing.len; i++) {
        const char *fid = *(char **)ks_vec_at(&closing, i);

        if (ks_map_has(seen, ks_str_c(fid)))
            continue;
        st_bind_int(st, 1, ev->now_ms);
        st_bind_int(st, 2, ev->now_ms);
        st_bind_text(st, 3, ev->account_id);
        st_bind_text(st, 4, fid);
        rc = st_run(st, err);
        st_reset(st);
        if (rc != KS_OK)
            goto out;
        r.closed++;
        r.events++;
        if ((rc = st_finding_event(s, ev->account_id, fid, "closed", ev->now_ms, err)) != KS_OK)
            goto out;
    }

    /* Suppression over the resource's open findings, then one event per change. */
    if ((rc = st_apply_suppression(s, ev->account_id, ev->resource_id, ev->now_ms, supp, err)) !=
        KS_OK)
        goto out;
    pos = 0;
    while (ks_map_next(seen, &pos, &key, &val)) {
        char fid[KS_FINDING_MAX_ID + 1];

        if (val == NULL && !ks_map_has(supp, key))
            continue;
        memcpy(fid, key.ptr, key.len);
        fid[key.len] = '\0';
        if ((rc = touched_event(s, ev->account_id, fid, val, ks_map_get(supp, key), ev->now_ms,
                                &r.events, &r, err)) != KS_OK)
            goto out;
    }
    if ((rc = scan_event(s, ev, resource, evaluations == 0, err)) != KS_OK)
        goto out;
    r.events++;
    if (strcmp(was_status, "ACTIVE") != 0 || strcmp(was_reason, "SUCCESSFUL") != 0) {
        if ((rc = st_coverage_event(s, ev->account_id, ev->resource_id, ev->now_ms, err)) !=
            KS_OK)
            goto out;
        r.events++;
    }
    if (ev->rtype == KS_RT_CONTAINER_IMAGE)
        rc = usage_add(s, ev->account_id, evaluations == 0 ? "ECR_INITIAL_SCAN" : "ECR_RESCAN", 1,
                       ev->now_ms, err);
    else if (ev->rtype == KS_RT_CODE_REPOSITORY)
        rc = usage_add(s, ev->account_id, "CODE_REPOSITORY_SCA", 1, ev->now_ms, err);
    if (rc != KS_OK)
        goto out;
    if ((rc = st_commit(s->db, err)) != KS_OK)
        goto out;
    if (res != NULL)
        *res = r;
out:
    stmts_free(&stm);
    st_finalize(st);
    if (rc != KS_OK)
        st_rollback(s->db);
    free_ids(&closing);
    ks_map_free(seen);
    ks_map_free(supp);
    ks_arena_free(a);
    json_decref(resource);
    return rc;
}
