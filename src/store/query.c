/*
 * query.c: findings queries. FilterCriteria become one SQL condition over
 * the extracted columns (multi-valued fields and vulnerable packages through
 * EXISTS on their side tables), so filters, sorting and paging run in the
 * database with its indexes. Aggregations group the ACTIVE findings in C.
 *
 * Semantics (docs/api.md): different fields are ANDed; within a field,
 * EQUALS/PREFIX filters are ORed and NOT_EQUALS filters ANDed; date, number,
 * map, port and package filters of one field are ORed; a port range filter
 * matches a finding whose open range overlaps it.
 */
#include "store/store_int.h"

#include <math.h>
#include <string.h>

#include "base/banned.h"

/* Column of a single-valued field ('s' text, 'n' number, 'd' epoch ms). */
static const struct {
    const char *col;
    char kind;
} fcols[KS_FF_COUNT] = {
    [KS_FF_FINDING_ARN] = {"f.arn", 's'},
    [KS_FF_AWS_ACCOUNT_ID] = {"f.account_id", 's'},
    [KS_FF_FINDING_TYPE] = {"f.finding_type", 's'},
    [KS_FF_SEVERITY] = {"f.severity", 's'},
    [KS_FF_FIRST_OBSERVED_AT] = {"f.first_observed_at", 'd'},
    [KS_FF_LAST_OBSERVED_AT] = {"f.last_observed_at", 'd'},
    [KS_FF_UPDATED_AT] = {"f.updated_at", 'd'},
    [KS_FF_FINDING_STATUS] = {"f.status", 's'},
    [KS_FF_TITLE] = {"f.title", 's'},
    [KS_FF_INSPECTOR_SCORE] = {"f.inspector_score", 'n'},
    [KS_FF_RESOURCE_TYPE] = {"f.resource_type", 's'},
    [KS_FF_RESOURCE_ID] = {"f.resource_id", 's'},
    [KS_FF_EC2_IMAGE_ID] = {"f.ec2_image_id", 's'},
    [KS_FF_EC2_VPC_ID] = {"f.ec2_vpc_id", 's'},
    [KS_FF_EC2_SUBNET_ID] = {"f.ec2_subnet_id", 's'},
    [KS_FF_ECR_PUSHED_AT] = {"f.ecr_pushed_at", 'd'},
    [KS_FF_ECR_ARCHITECTURE] = {"f.ecr_architecture", 's'},
    [KS_FF_ECR_REGISTRY] = {"f.ecr_registry", 's'},
    [KS_FF_ECR_REPOSITORY_NAME] = {"f.ecr_repository_name", 's'},
    [KS_FF_ECR_HASH] = {"f.ecr_image_hash", 's'},
    [KS_FF_ECR_LAST_IN_USE_AT] = {"f.ecr_last_in_use_at", 'd'},
    [KS_FF_ECR_IN_USE_COUNT] = {"f.ecr_in_use_count", 'n'},
    [KS_FF_NETWORK_PROTOCOL] = {"f.network_protocol", 's'},
    [KS_FF_VULNERABILITY_ID] = {"f.vulnerability_id", 's'},
    [KS_FF_VULNERABILITY_SOURCE] = {"f.vulnerability_source", 's'},
    [KS_FF_VENDOR_SEVERITY] = {"f.vendor_severity", 's'},
    [KS_FF_FIX_AVAILABLE] = {"f.fix_available", 's'},
    [KS_FF_LAMBDA_NAME] = {"f.lambda_function_name", 's'},
    [KS_FF_LAMBDA_RUNTIME] = {"f.lambda_runtime", 's'},
    [KS_FF_LAMBDA_LAST_MODIFIED_AT] = {"f.lambda_last_modified_at", 'd'},
    [KS_FF_LAMBDA_ROLE_ARN] = {"f.lambda_execution_role_arn", 's'},
    [KS_FF_EXPLOIT_AVAILABLE] = {"f.exploit_available", 's'},
    [KS_FF_CODE_DETECTOR_NAME] = {"f.code_detector_name", 's'},
    [KS_FF_CODE_FILE_PATH] = {"f.code_file_path", 's'},
    [KS_FF_EPSS_SCORE] = {"f.epss_score", 'n'},
    [KS_FF_CODE_PROJECT_NAME] = {"f.code_project_name", 's'},
    [KS_FF_CODE_PROVIDER_TYPE] = {"f.code_provider_type", 's'},
};

static const char *const pkg_cols[KS_PKG_STRING_COUNT] = {
    [KS_PKG_NAME] = "p.name",
    [KS_PKG_VERSION] = "p.version",
    [KS_PKG_RELEASE] = "p.release",
    [KS_PKG_ARCHITECTURE] = "p.arch",
    [KS_PKG_SOURCE_LAYER_HASH] = "p.source_layer_hash",
    [KS_PKG_SOURCE_LAMBDA_LAYER_ARN] = "p.source_lambda_layer_arn",
    [KS_PKG_FILE_PATH] = "p.file_path",
};

#define VALUES_EXISTS                                                                              \
    "EXISTS (SELECT 1 FROM finding_values v WHERE v.account_id = f.account_id"                     \
    " AND v.finding_id = f.finding_id AND v.field = "

/* col compared with one string filter (col may be NULL: NOT_EQUALS holds). */
static void
string_cond(struct st_sql *q, const char *col, const struct ks_fc_string *f)
{
    switch (f->cmp) {
    case KS_FC_EQUALS:
        st_sql_addf(q, "%s = ", col);
        st_sql_text(q, f->value);
        break;
    case KS_FC_PREFIX:
        st_sql_addf(q, "substr(%s, 1, %zu) = ", col, f->chars);
        st_sql_text(q, f->value);
        break;
    default:
        st_sql_addf(q, "(%s IS NULL OR %s <> ", col, col);
        st_sql_text(q, f->value);
        st_sql_add(q, ")");
        break;
    }
}

/* A string filter list: (pos OR pos …) AND neg AND neg … */
static void
string_list(struct st_sql *q, const char *col, const char *multi_field,
            const struct ks_fc_list *l)
{
    bool first = true, any_pos = false;

    st_sql_add(q, "(");
    for (size_t i = 0; i < l->n; i++) {
        const struct ks_fc_string *f = &l->u.str[i];

        if (f->cmp == KS_FC_NOT_EQUALS)
            continue;
        st_sql_add(q, any_pos ? " OR " : "(");
        any_pos = true;
        if (multi_field != NULL) {
            st_sql_add(q, VALUES_EXISTS);
            st_sql_text(q, multi_field);
            st_sql_add(q, " AND ");
            string_cond(q, "v.value", f);
            st_sql_add(q, ")");
        } else {
            string_cond(q, col, f);
        }
    }
    if (any_pos) {
        st_sql_add(q, ")");
        first = false;
    }
    for (size_t i = 0; i < l->n; i++) {
        const struct ks_fc_string *f = &l->u.str[i];

        if (f->cmp != KS_FC_NOT_EQUALS)
            continue;
        if (!first)
            st_sql_add(q, " AND ");
        first = false;
        if (multi_field != NULL) {
            st_sql_add(q, "NOT " VALUES_EXISTS);
            st_sql_text(q, multi_field);
            st_sql_add(q, " AND v.value = ");
            st_sql_text(q, f->value);
            st_sql_add(q, ")");
        } else {
            string_cond(q, col, f);
        }
    }
    st_sql_add(q, ")");
}

static void
range_cond(struct st_sql *q, const char *col, const struct ks_fc_range *r, bool is_date)
{
    st_sql_add(q, "(");
    if (r->has_lo) {
        st_sql_addf(q, "%s >= ", col);
        if (is_date)
            st_sql_int(q, (int64_t)r->lo);
        else
            st_sql_double(q, r->lo);
    }
    if (r->has_lo && r->has_hi)
        st_sql_add(q, " AND ");
    if (r->has_hi) {
        st_sql_addf(q, "%s <= ", col);
        if (is_date)
            st_sql_int(q, (int64_t)r->hi);
        else
            st_sql_double(q, r->hi);
    }
    st_sql_add(q, ")");
}

static void
package_cond(struct st_sql *q, const struct ks_fc_package *pk)
{
    st_sql_add(q, "EXISTS (SELECT 1 FROM finding_packages p WHERE p.account_id = f.account_id"
                  " AND p.finding_id = f.finding_id");
    for (int m = 0; m < KS_PKG_STRING_COUNT; m++) {
        if (pk->str[m] == NULL)
            continue;
        st_sql_add(q, " AND ");
        string_cond(q, pkg_cols[m], pk->str[m]);
    }
    if (pk->epoch != NULL) {
        st_sql_add(q, " AND ");
        range_cond(q, "p.epoch", pk->epoch, false);
    }
    st_sql_add(q, ")");
}

enum ks_code
st_where_criteria(struct st_sql *q, const struct ks_criteria *c, bool suppression_mode,
                  struct ks_err *err)
{
    if (c == NULL || c->n == 0) {
        st_sql_add(q, "1 = 1");
        return KS_OK;
    }
    if (c->schema != &ks_fc_findings)
        return ks_err_set(err, KS_EINTERNAL, "store: criteria are not finding criteria");
    st_sql_add(q, "(");
    for (size_t i = 0; i < c->n; i++) {
        const struct ks_fc_list *l = &c->lists[i];
        const struct ks_fc_field *fd = &ks_fc_findings.fields[l->field];
        const char *col = fcols[l->field].col;

        if (i > 0)
            st_sql_add(q, " AND ");
        /* A SUPPRESS filter sees the lifecycle, never its own effect. */
        if (suppression_mode && l->field == KS_FF_FINDING_STATUS)
            col = "f.lifecycle";
        switch (fd->kind) {
        case KS_FC_STRING:
            string_list(q, col, fd->multi ? fd->name : NULL, l);
            break;
        case KS_FC_DATE:
        case KS_FC_NUMBER:
            st_sql_add(q, "(");
            for (size_t j = 0; j < l->n; j++) {
                if (j > 0)
                    st_sql_add(q, " OR ");
                range_cond(q, col, &l->u.range[j], fd->kind == KS_FC_DATE);
            }
            st_sql_add(q, ")");
            break;
        case KS_FC_MAP:
            st_sql_add(q, "(");
            for (size_t j = 0; j < l->n; j++) {
                if (j > 0)
                    st_sql_add(q, " OR ");
                st_sql_add(q, VALUES_EXISTS);
                st_sql_text(q, fd->name);
                st_sql_add(q, " AND v.tag_key = ");
                st_sql_text(q, l->u.map[j].key);
                if (l->u.map[j].value != NULL) {
                    st_sql_add(q, " AND v.value = ");
                    st_sql_text(q, l->u.map[j].value);
                }
                st_sql_add(q, ")");
            }
            st_sql_add(q, ")");
            break;
        case KS_FC_PORT:
            st_sql_add(q, "(");
            for (size_t j = 0; j < l->n; j++) {
                if (j > 0)
                    st_sql_add(q, " OR ");
                st_sql_add(q, "(f.port_begin <= ");
                st_sql_int(q, l->u.port[j].end);
                st_sql_add(q, " AND f.port_end >= ");
                st_sql_int(q, l->u.port[j].begin);
                st_sql_add(q, ")");
            }
            st_sql_add(q, ")");
            break;
        case KS_FC_PACKAGE:
            st_sql_add(q, "(");
            for (size_t j = 0; j < l->n; j++) {
                if (j > 0)
                    st_sql_add(q, " OR ");
                package_cond(q, &l->u.pkg[j]);
            }
            st_sql_add(q, ")");
            break;
        }
    }
    st_sql_add(q, ")");
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* Listing                                                                  */

static const struct {
    const char *name;
    const char *expr;
} sorts[KS_SORT_COUNT] = {
    [KS_SORT_DEFAULT] = {NULL, "f.severity_rank"},
    [KS_SORT_AWS_ACCOUNT_ID] = {"AWS_ACCOUNT_ID", "f.account_id"},
    [KS_SORT_FINDING_TYPE] = {"FINDING_TYPE", "f.finding_type"},
    [KS_SORT_SEVERITY] = {"SEVERITY", "f.severity_rank"},
    [KS_SORT_FIRST_OBSERVED_AT] = {"FIRST_OBSERVED_AT", "f.first_observed_at"},
    [KS_SORT_LAST_OBSERVED_AT] = {"LAST_OBSERVED_AT", "f.last_observed_at"},
    [KS_SORT_FINDING_STATUS] = {"FINDING_STATUS", "f.status"},
    [KS_SORT_RESOURCE_TYPE] = {"RESOURCE_TYPE", "f.resource_type"},
    [KS_SORT_ECR_IMAGE_PUSHED_AT] = {"ECR_IMAGE_PUSHED_AT", "f.ecr_pushed_at"},
    [KS_SORT_ECR_IMAGE_REPOSITORY_NAME] = {"ECR_IMAGE_REPOSITORY_NAME", "f.ecr_repository_name"},
    [KS_SORT_ECR_IMAGE_REGISTRY] = {"ECR_IMAGE_REGISTRY", "f.ecr_registry"},
    [KS_SORT_NETWORK_PROTOCOL] = {"NETWORK_PROTOCOL", "f.network_protocol"},
    [KS_SORT_COMPONENT_TYPE] = {"COMPONENT_TYPE",
                                "(SELECT MIN(v.value) FROM finding_values v WHERE v.account_id ="
                                " f.account_id AND v.finding_id = f.finding_id AND v.field ="
                                " 'componentType')"},
    [KS_SORT_VULNERABILITY_ID] = {"VULNERABILITY_ID", "f.vulnerability_id"},
    [KS_SORT_VULNERABILITY_SOURCE] = {"VULNERABILITY_SOURCE", "f.vulnerability_source"},
    [KS_SORT_INSPECTOR_SCORE] = {"INSPECTOR_SCORE", "f.inspector_score"},
    [KS_SORT_VENDOR_SEVERITY] = {"VENDOR_SEVERITY", "f.vendor_severity"},
    [KS_SORT_EPSS_SCORE] = {"EPSS_SCORE", "f.epss_score"},
};

bool
ks_store_sort_parse(struct ks_str s, enum ks_sort_field *out)
{
    for (int i = 1; i < KS_SORT_COUNT; i++) {
        if (ks_str_eq_c(s, sorts[i].name)) {
            *out = (enum ks_sort_field)i;
            return true;
        }
    }
    return false;
}

static json_t *
render_row(struct st_stmt *st, int first, enum ks_ts_style style, struct ks_err *err,
           enum ks_code *rc)
{
    json_t *doc = NULL, *out;
    struct ks_finding_state fs;

    if ((*rc = ks_json_parse(st_col_text(st, first), st_col_bytes(st, first), "stored finding",
                             &doc, err)) != KS_OK)
        return NULL;
    fs.status = st_col_text(st, first + 1);
    fs.first_observed_ms = st_col_int(st, first + 2);
    fs.last_observed_ms = st_col_int(st, first + 3);
    fs.updated_ms = st_col_int(st, first + 4);
    out = ks_findings_render(doc, &fs, style);
    json_decref(doc);
    if (out == NULL)
        *rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
    return out;
}

/* The shared SELECT of a findings page (doc, status, first, last, updated). */
static enum ks_code
list_query(struct ks_store *s, const char *account_id, const struct ks_criteria *criteria,
           enum ks_sort_field sort, bool descending, const struct ks_store_page *page,
           struct st_sql *q, struct st_stmt **st, struct ks_err *err)
{
    const char *expr;
    enum ks_code rc;

    if ((rc = st_check_account_id(account_id, err)) != KS_OK)
        return rc;
    if ((unsigned)sort >= KS_SORT_COUNT || page->limit == 0 || page->limit > 1000)
        return ks_err_set(err, KS_EINVAL, "store: bad sort or page size");
    if (sort == KS_SORT_DEFAULT)
        descending = true;
    expr = sorts[sort].expr;
    st_sql_add(q, "SELECT f.doc, f.status, f.first_observed_at, f.last_observed_at,"
                  " f.updated_at FROM findings f WHERE f.account_id = ");
    st_sql_text(q, account_id);
    st_sql_add(q, " AND ");
    if ((rc = st_where_criteria(q, criteria, false, err)) != KS_OK)
        return rc;
    /*
     * NULLs last in both orders (SQLite and PostgreSQL both take NULLS LAST);
     * the tie-break runs the same way, so an index on the sort column serves
     * the whole ORDER BY and LIMIT stops early (findings_triage).
     */
    st_sql_addf(q, " ORDER BY %s %s NULLS LAST, f.finding_id %s LIMIT ", expr,
                descending ? "DESC" : "ASC", descending ? "DESC" : "ASC");
    st_sql_int(q, (int64_t)page->limit + 1);
    st_sql_add(q, " OFFSET ");
    st_sql_int(q, (int64_t)page->offset);
    return st_sql_prepare(s->db, q, st, err);
}

static void
append_time(struct ks_buf *out, int64_t ms)
{
    if (ms % 1000 == 0)
        ks_buf_appendf(out, "%lld", (long long)(ms / 1000));
    else
        ks_buf_appendf(out, "%lld.%03lld", (long long)(ms / 1000), (long long)(ms % 1000));
}

enum ks_code
ks_store_findings_list_text(struct ks_store *s, const char *account_id,
                            const struct ks_criteria *criteria, enum ks_sort_field sort,
                            bool descending, const struct ks_store_page *page, struct ks_buf *out,
                            bool *more, struct ks_err *err)
{
    struct st_sql q;
    struct st_stmt *st = NULL;
    size_t n = 0;
    bool row;
    enum ks_code rc;

    st_sql_init(&q);
    *more = false;
    if ((rc = list_query(s, account_id, criteria, sort, descending, page, &q, &st, err)) != KS_OK)
        goto out;
    ks_buf_putc(out, '[');
    while ((rc = st_step(st, &row, err)) == KS_OK && row) {
        const char *doc = st_col_text(st, 0);
        size_t len = st_col_bytes(st, 0);

        if (n == page->limit) {
            *more = true;
            break;
        }
        /*
         * Stored documents are compact objects without the lifecycle members
         * (ks_findings_normalize drops them), timestamps already in epoch
         * seconds: splice the members in before the closing brace.
         */
        if (len < 2 || doc[0] != '{' || doc[len - 1] != '}') {
            rc = ks_err_set(err, KS_EDB, "store: a stored finding is not a JSON object");
            goto out;
        }
        if (n > 0)
            ks_buf_putc(out, ',');
        ks_buf_append(out, doc, len - 1);
        ks_buf_appendf(out, "%s\"status\":\"%s\",\"firstObservedAt\":", len > 2 ? "," : "",
                       st_col_text(st, 1));
        append_time(out, st_col_int(st, 2));
        ks_buf_appends(out, ",\"lastObservedAt\":");
        append_time(out, st_col_int(st, 3));
        ks_buf_appends(out, ",\"updatedAt\":");
        append_time(out, st_col_int(st, 4));
        ks_buf_putc(out, '}');
        n++;
    }
    if (rc != KS_OK)
        goto out;
    ks_buf_putc(out, ']');
    if ((rc = ks_buf_err(out)) != KS_OK)
        rc = ks_err_set(err, rc, "store: findings page over the response limit");
out:
    st_finalize(st);
    st_sql_release(&q);
    return rc;
}

enum ks_code
ks_store_findings_list(struct ks_store *s, const char *account_id,
                       const struct ks_criteria *criteria, enum ks_sort_field sort,
                       bool descending, const struct ks_store_page *page, enum ks_ts_style style,
                       json_t **out, bool *more, struct ks_err *err)
{
    struct st_sql q;
    struct st_stmt *st = NULL;
    json_t *arr = NULL;
    size_t n = 0;
    bool row;
    enum ks_code rc;

    st_sql_init(&q);
    if ((rc = list_query(s, account_id, criteria, sort, descending, page, &q, &st, err)) != KS_OK)
        goto out;
    if ((arr = json_array()) == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
        goto out;
    }
    *more = false;
    while ((rc = st_step(st, &row, err)) == KS_OK && row) {
        json_t *f;

        if (n == page->limit) {
            *more = true;
            break;
        }
        if ((f = render_row(st, 0, style, err, &rc)) == NULL)
            goto out;
        if (json_array_append_new(arr, f) != 0) {
            rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
            goto out;
        }
        n++;
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

enum ks_code
ks_store_findings_count(struct ks_store *s, const char *account_id,
                        const struct ks_criteria *criteria, size_t *count, struct ks_err *err)
{
    struct st_sql q;
    struct st_stmt *st = NULL;
    bool row;
    enum ks_code rc;

    if ((rc = st_check_account_id(account_id, err)) != KS_OK)
        return rc;
    st_sql_init(&q);
    st_sql_add(&q, "SELECT COUNT(*) FROM findings f WHERE f.account_id = ");
    st_sql_text(&q, account_id);
    st_sql_add(&q, " AND ");
    if ((rc = st_where_criteria(&q, criteria, false, err)) == KS_OK &&
        (rc = st_sql_prepare(s->db, &q, &st, err)) == KS_OK &&
        (rc = st_step(st, &row, err)) == KS_OK)
        *count = row ? (size_t)st_col_int(st, 0) : 0;
    st_finalize(st);
    st_sql_release(&q);
    return rc;
}

enum ks_code
ks_store_finding_get(struct ks_store *s, const char *account_id, const char *finding_id,
                     enum ks_ts_style style, json_t **out, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    bool row;
    enum ks_code rc;

    *out = NULL;
    if ((rc = st_check_account_id(account_id, err)) != KS_OK)
        return rc;
    if ((rc = st_prepare(s->db,
                         "SELECT doc, status, first_observed_at, last_observed_at, updated_at"
                         " FROM findings WHERE account_id = ? AND finding_id = ?",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, account_id);
    st_bind_text(st, 2, finding_id);
    if ((rc = st_step(st, &row, err)) == KS_OK && row)
        *out = render_row(st, 0, style, err, &rc);
    st_finalize(st);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Aggregations                                                             */

static const char *const agg_names[KS_AGG_COUNT] = {
    [KS_AGG_ACCOUNT] = "ACCOUNT",
    [KS_AGG_AMI] = "AMI",
    [KS_AGG_AWS_EC2_INSTANCE] = "AWS_EC2_INSTANCE",
    [KS_AGG_AWS_ECR_CONTAINER] = "AWS_ECR_CONTAINER",
    [KS_AGG_IMAGE_LAYER] = "IMAGE_LAYER",
    [KS_AGG_PACKAGE] = "PACKAGE",
    [KS_AGG_REPOSITORY] = "REPOSITORY",
    [KS_AGG_TITLE] = "TITLE",
    [KS_AGG_FINDING_TYPE] = "FINDING_TYPE",
    [KS_AGG_AWS_LAMBDA_FUNCTION] = "AWS_LAMBDA_FUNCTION",
    [KS_AGG_LAMBDA_LAYER] = "LAMBDA_LAYER",
    [KS_AGG_CODE_REPOSITORY] = "CODE_REPOSITORY",
};

bool
ks_store_agg_parse(struct ks_str s, enum ks_agg_type *out)
{
    for (int i = 0; i < KS_AGG_COUNT; i++) {
        if (ks_str_eq_c(s, agg_names[i])) {
            *out = (enum ks_agg_type)i;
            return true;
        }
    }
    return false;
}

const char *
ks_store_agg_name(enum ks_agg_type t)
{
    return (unsigned)t < KS_AGG_COUNT ? agg_names[t] : "UNKNOWN";
}

/* Columns the aggregation query reads, in order. */
enum {
    AC_ID, AC_SEVERITY, AC_FIX, AC_EXPLOIT, AC_TYPE, AC_RTYPE, AC_RID, AC_TITLE, AC_VULN, AC_AMI,
    AC_PLATFORM, AC_REPO, AC_HASH, AC_ARCH, AC_FN, AC_RUNTIME, AC_FN_MODIFIED, AC_PROJECT,
    AC_PROVIDER, AC_LAST_IN_USE, AC_IN_USE, AC_PKG_NAME, AC_LAYER, AC_LAMBDA_LAYER, AC_N
};

struct agg_group {
    char *key;
    char *str[AC_N];          /* representative values (the first finding's) */
    bool has_num[AC_N];
    double num[AC_N];
    int64_t all, medium, high, critical, exploit, fix, network;
    struct ks_map *resources; /* distinct resource ids (affected instances/images) */
};

static char *
dup_col(struct st_stmt *st, int i)
{
    const char *v = st_col_text(st, i);

    return v ? ks_strdup(v) : NULL;
}

/* Group key of a row for the type; NULL when the row does not belong to any group. */
static const char *
group_key(enum ks_agg_type t, struct st_stmt *st, struct ks_buf *kb)
{
    const char *rt = st_col_text(st, AC_RTYPE);

    ks_buf_reset(kb);
    switch (t) {
    case KS_AGG_ACCOUNT:
    case KS_AGG_FINDING_TYPE: return "account";
    case KS_AGG_AMI: return strcmp(rt, "AWS_EC2_INSTANCE") == 0 ? st_col_text(st, AC_AMI) : NULL;
    case KS_AGG_AWS_EC2_INSTANCE:
        return strcmp(rt, "AWS_EC2_INSTANCE") == 0 ? st_col_text(st, AC_RID) : NULL;
    case KS_AGG_AWS_ECR_CONTAINER:
        return strcmp(rt, "AWS_ECR_CONTAINER_IMAGE") == 0 ? st_col_text(st, AC_RID) : NULL;
    case KS_AGG_REPOSITORY:
        return strcmp(rt, "AWS_ECR_CONTAINER_IMAGE") == 0 ? st_col_text(st, AC_REPO) : NULL;
    case KS_AGG_AWS_LAMBDA_FUNCTION:
        return strcmp(rt, "AWS_LAMBDA_FUNCTION") == 0 ? st_col_text(st, AC_RID) : NULL;
    case KS_AGG_CODE_REPOSITORY:
        return strcmp(rt, "CODE_REPOSITORY") == 0 ? st_col_text(st, AC_RID) : NULL;
    case KS_AGG_TITLE: return st_col_text(st, AC_TITLE);
    case KS_AGG_PACKAGE: return st_col_text(st, AC_PKG_NAME);
    case KS_AGG_IMAGE_LAYER:
        if (st_col_text(st, AC_LAYER) == NULL || strcmp(rt, "AWS_ECR_CONTAINER_IMAGE") != 0)
            return NULL;
        ks_buf_appendf(kb, "%s\n%s", st_col_text(st, AC_RID), st_col_text(st, AC_LAYER));
        return ks_buf_err(kb) == KS_OK ? kb->data : NULL;
    case KS_AGG_LAMBDA_LAYER:
        if (st_col_text(st, AC_LAMBDA_LAYER) == NULL || strcmp(rt, "AWS_LAMBDA_FUNCTION") != 0)
            return NULL;
        ks_buf_appendf(kb, "%s\n%s", st_col_text(st, AC_RID), st_col_text(st, AC_LAMBDA_LAYER));
        return ks_buf_err(kb) == KS_OK ? kb->data : NULL;
    default: return NULL;
    }
}

static const struct ks_fc_list *
req_filter(const struct ks_agg_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_filters; i++)
        if (strcmp(req->filters[i].name, name) == 0)
            return req->filters[i].list;
    return NULL;
}

static bool
match_one(const struct ks_agg_request *req, const char *name, const char *value)
{
    const struct ks_fc_list *l = req_filter(req, name);

    return l == NULL || ks_findings_match_strings(l, &value, 1);
}

/* Tags of a resource from its stored Resource document (for tag filters and output). */
static json_t *
resource_json(struct ks_store *s, const char *account_id, const char *resource_id)
{
    struct st_stmt *st = NULL;
    json_t *doc = NULL;
    struct ks_err err = KS_ERR_INIT;
    bool row;

    if (st_prepare(s->db, "SELECT resource FROM resources WHERE account_id = ? AND resource_id = ?",
                   &st, &err) != KS_OK)
        return NULL;
    st_bind_text(st, 1, account_id);
    st_bind_text(st, 2, resource_id);
    if (st_step(st, &row, &err) == KS_OK && row)
        ks_json_parse(st_col_text(st, 0), st_col_bytes(st, 0), "stored resource", &doc, &err);
    st_finalize(st);
    return doc;
}

static bool
match_tags(const struct ks_fc_list *l, const json_t *tags)
{
    const char *keys[64], *vals[64];
    size_t n = 0;
    const char *k;
    json_t *v;

    if (l == NULL)
        return true;
    json_object_foreach((json_t *)tags, k, v) {
        if (n < 64 && json_is_string(v)) {
            keys[n] = k;
            vals[n++] = json_string_value(v);
        }
    }
    return ks_findings_match_map(l, keys, vals, n);
}

static bool
match_string_array(const struct ks_fc_list *l, const json_t *arr)
{
    const char *vals[64];
    size_t n = 0, i;
    json_t *v;

    if (l == NULL)
        return true;
    json_array_foreach((json_t *)arr, i, v) {
        if (n < 64 && json_is_string(v))
            vals[n++] = json_string_value(v);
    }
    return ks_findings_match_strings(l, vals, n);
}

/* Group-level filters; may load the resource document (tags). */
static bool
group_passes(struct ks_store *s, const char *account_id, const struct ks_agg_request *req,
             struct agg_group *g, json_t **resource)
{
    const char *rid = g->str[AC_RID];
    const json_t *details, *ecr, *tags;

    switch (req->type) {
    case KS_AGG_AMI: return match_one(req, "amis", g->key);
    case KS_AGG_AWS_EC2_INSTANCE:
        if (!match_one(req, "amis", g->str[AC_AMI]) ||
            !match_one(req, "operatingSystems", g->str[AC_PLATFORM]) ||
            !match_one(req, "instanceIds", rid))
            return false;
        *resource = resource_json(s, account_id, rid);
        return match_tags(req_filter(req, "instanceTags"), json_object_get(*resource, "tags"));
    case KS_AGG_AWS_ECR_CONTAINER:
        if (!match_one(req, "resourceIds", rid) || !match_one(req, "imageShas", g->str[AC_HASH]) ||
            !match_one(req, "repositories", g->str[AC_REPO]) ||
            !match_one(req, "architectures", g->str[AC_ARCH]))
            return false;
        if (req_filter(req, "lastInUseAt") != NULL &&
            !ks_findings_match_range(req_filter(req, "lastInUseAt"), g->has_num[AC_LAST_IN_USE],
                                     g->num[AC_LAST_IN_USE]))
            return false;
        if (req_filter(req, "inUseCount") != NULL &&
            !ks_findings_match_range(req_filter(req, "inUseCount"), g->has_num[AC_IN_USE],
                                     g->num[AC_IN_USE]))
            return false;
        *resource = resource_json(s, account_id, rid);
        details = json_object_get(*resource, "details");
        ecr = json_object_get(details, "awsEcrContainerImage");
        return match_string_array(req_filter(req, "imageTags"), json_object_get(ecr, "imageTags"));
    case KS_AGG_IMAGE_LAYER:
        return match_one(req, "repositories", g->str[AC_REPO]) &&
               match_one(req, "resourceIds", rid) &&
               match_one(req, "layerHashes", g->str[AC_LAYER]);
    case KS_AGG_PACKAGE: return match_one(req, "packageNames", g->key);
    case KS_AGG_REPOSITORY: return match_one(req, "repositories", g->key);
    case KS_AGG_TITLE:
        return match_one(req, "titles", g->key) &&
               match_one(req, "vulnerabilityIds", g->str[AC_VULN]);
    case KS_AGG_AWS_LAMBDA_FUNCTION:
        if (!match_one(req, "resourceIds", rid) || !match_one(req, "functionNames", g->str[AC_FN]) ||
            !match_one(req, "runtimes", g->str[AC_RUNTIME]))
            return false;
        *resource = resource_json(s, account_id, rid);
        tags = json_object_get(*resource, "tags");
        return match_tags(req_filter(req, "functionTags"), tags);
    case KS_AGG_LAMBDA_LAYER:
        return match_one(req, "functionNames", g->str[AC_FN]) &&
               match_one(req, "resourceIds", rid) &&
               match_one(req, "layerArns", g->str[AC_LAMBDA_LAYER]);
    case KS_AGG_CODE_REPOSITORY:
        return match_one(req, "projectNames", g->str[AC_PROJECT]) &&
               match_one(req, "providerTypes", g->str[AC_PROVIDER]) &&
               match_one(req, "resourceIds", rid);
    default: return true;
    }
}

static json_t *
severity_counts(const struct agg_group *g)
{
    return json_pack("{s:I, s:I, s:I, s:I}", "all", (json_int_t)g->all, "medium",
                     (json_int_t)g->medium, "high", (json_int_t)g->high, "critical",
                     (json_int_t)g->critical);
}

static void
set_str(json_t *o, const char *k, const char *v)
{
    if (v != NULL)
        json_object_set_new(o, k, json_string(v));
}

/* The AggregationResponse of one group. */
static json_t *
group_response(enum ks_agg_type t, const char *account_id, const struct agg_group *g,
               const json_t *resource)
{
    json_t *o = json_object(), *wrap = json_object();
    const json_t *details = json_object_get(resource, "details");
    const char *member = NULL;

    if (o == NULL || wrap == NULL) {
        json_decref(o);
        json_decref(wrap);
        return NULL;
    }
    json_object_set_new(o, "accountId", json_string(account_id));
    json_object_set_new(o, "severityCounts", severity_counts(g));
    switch (t) {
    case KS_AGG_ACCOUNT:
    case KS_AGG_FINDING_TYPE:
        member = t == KS_AGG_ACCOUNT ? "accountAggregation" : "findingTypeAggregation";
        json_object_set_new(o, "exploitAvailableCount", json_integer(g->exploit));
        json_object_set_new(o, "fixAvailableCount", json_integer(g->fix));
        break;
    case KS_AGG_AMI:
        member = "amiAggregation";
        set_str(o, "ami", g->key);
        json_object_set_new(o, "affectedInstances",
                            json_integer((json_int_t)ks_map_len(g->resources)));
        break;
    case KS_AGG_AWS_EC2_INSTANCE:
        member = "ec2InstanceAggregation";
        set_str(o, "instanceId", g->key);
        set_str(o, "ami", g->str[AC_AMI]);
        set_str(o, "operatingSystem", g->str[AC_PLATFORM]);
        if (json_is_object(json_object_get(resource, "tags")))
            json_object_set(o, "instanceTags", json_object_get(resource, "tags"));
        json_object_set_new(o, "networkFindings", json_integer(g->network));
        break;
    case KS_AGG_AWS_ECR_CONTAINER: {
        const json_t *ecr = json_object_get(details, "awsEcrContainerImage");

        member = "awsEcrContainerAggregation";
        set_str(o, "resourceId", g->key);
        set_str(o, "imageSha", g->str[AC_HASH]);
        set_str(o, "repository", g->str[AC_REPO]);
        set_str(o, "architecture", g->str[AC_ARCH]);
        if (json_is_array(json_object_get(ecr, "imageTags")))
            json_object_set(o, "imageTags", json_object_get(ecr, "imageTags"));
        if (g->has_num[AC_LAST_IN_USE])
            json_object_set_new(o, "lastInUseAt",
                                ks_findings_time_json((int64_t)g->num[AC_LAST_IN_USE], KS_TS_EPOCH));
        if (g->has_num[AC_IN_USE])
            json_object_set_new(o, "inUseCount", json_integer((json_int_t)g->num[AC_IN_USE]));
        break;
    }
    case KS_AGG_IMAGE_LAYER:
        member = "imageLayerAggregation";
        set_str(o, "repository", g->str[AC_REPO] ? g->str[AC_REPO] : "");
        set_str(o, "resourceId", g->str[AC_RID]);
        set_str(o, "layerHash", g->str[AC_LAYER]);
        break;
    case KS_AGG_PACKAGE:
        member = "packageAggregation";
        set_str(o, "packageName", g->key);
        break;
    case KS_AGG_REPOSITORY:
        member = "repositoryAggregation";
        set_str(o, "repository", g->key);
        json_object_set_new(o, "affectedImages", json_integer((json_int_t)ks_map_len(g->resources)));
        break;
    case KS_AGG_TITLE:
        member = "titleAggregation";
        set_str(o, "title", g->key);
        set_str(o, "vulnerabilityId", g->str[AC_VULN]);
        break;
    case KS_AGG_AWS_LAMBDA_FUNCTION:
        member = "lambdaFunctionAggregation";
        set_str(o, "resourceId", g->key);
        set_str(o, "functionName", g->str[AC_FN]);
        set_str(o, "runtime", g->str[AC_RUNTIME]);
        if (json_is_object(json_object_get(resource, "tags")))
            json_object_set(o, "lambdaTags", json_object_get(resource, "tags"));
        if (g->has_num[AC_FN_MODIFIED])
            json_object_set_new(o, "lastModifiedAt",
                                ks_findings_time_json((int64_t)g->num[AC_FN_MODIFIED], KS_TS_EPOCH));
        break;
    case KS_AGG_LAMBDA_LAYER:
        member = "lambdaLayerAggregation";
        set_str(o, "functionName", g->str[AC_FN] ? g->str[AC_FN] : "");
        set_str(o, "resourceId", g->str[AC_RID]);
        set_str(o, "layerArn", g->str[AC_LAMBDA_LAYER]);
        break;
    case KS_AGG_CODE_REPOSITORY:
        member = "codeRepositoryAggregation";
        set_str(o, "projectNames", g->str[AC_PROJECT] ? g->str[AC_PROJECT] : g->key);
        set_str(o, "providerType", g->str[AC_PROVIDER]);
        set_str(o, "resourceId", g->key);
        json_object_set_new(o, "exploitAvailableActiveFindingsCount", json_integer(g->exploit));
        json_object_set_new(o, "fixAvailableActiveFindingsCount", json_integer(g->fix));
        break;
    default: break;
    }
    json_object_set_new(wrap, member ? member : "unknown", o);
    return wrap;
}

static int64_t
sort_value(const struct agg_group *g, const char *sort_by)
{
    if (sort_by == NULL || strcmp(sort_by, "CRITICAL") == 0)
        return g->critical;
    if (strcmp(sort_by, "HIGH") == 0)
        return g->high;
    if (strcmp(sort_by, "ALL") == 0)
        return g->all;
    if (strcmp(sort_by, "NETWORK_FINDINGS") == 0)
        return g->network;
    /* AFFECTED_INSTANCES, AFFECTED_IMAGES */
    return (int64_t)ks_map_len(g->resources);
}

/* qsort has no context argument: the sort settings of the running call. */
static _Thread_local const char *sort_by_ctx;
static _Thread_local bool sort_desc_ctx;

static int
cmp_groups(const void *a, const void *b)
{
    const struct agg_group *x = *(struct agg_group *const *)a, *y = *(struct agg_group *const *)b;
    int64_t vx = sort_value(x, sort_by_ctx), vy = sort_value(y, sort_by_ctx);

    if (vx != vy)
        return (vx < vy) == sort_desc_ctx ? 1 : -1;
    return strcmp(x->key, y->key);
}

static void
group_free(struct agg_group *g)
{
    ks_free(g->key);
    for (int i = 0; i < AC_N; i++)
        ks_free(g->str[i]);
    ks_map_free(g->resources);
}

enum ks_code
ks_store_findings_aggregate(struct ks_store *s, const char *account_id,
                            const struct ks_agg_request *req, const struct ks_store_page *page,
                            json_t **out, bool *more, struct ks_err *err)
{
    struct st_sql q;
    struct st_stmt *st = NULL;
    struct ks_map *index = NULL;
    struct ks_vec groups = KS_VEC_INIT(struct agg_group *);
    struct ks_vec kept = KS_VEC_INIT(struct agg_group *);
    struct ks_buf kb = KS_BUF_INIT(4096);
    json_t *arr = NULL;
    bool row, pkgs;
    enum ks_code rc;

    if ((rc = st_check_account_id(account_id, err)) != KS_OK)
        return rc;
    if ((unsigned)req->type >= KS_AGG_COUNT)
        return ks_err_set(err, KS_EINVAL, "store: unknown aggregation type");
    st_sql_init(&q);
    /* accountIds filters apply to the caller's one account. */
    if (req->account_ids != NULL && !ks_findings_match_strings(req->account_ids, &account_id, 1)) {
        if ((*out = json_array()) == NULL)
            rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
        *more = false;
        goto out;
    }
    pkgs = req->type == KS_AGG_PACKAGE || req->type == KS_AGG_IMAGE_LAYER ||
           req->type == KS_AGG_LAMBDA_LAYER;
    st_sql_add(&q, "SELECT DISTINCT f.finding_id, f.severity, f.fix_available,"
                   " f.exploit_available, f.finding_type, f.resource_type, f.resource_id,"
                   " f.title, f.vulnerability_id, f.ec2_image_id, f.ec2_platform,"
                   " f.ecr_repository_name, f.ecr_image_hash, f.ecr_architecture,"
                   " f.lambda_function_name, f.lambda_runtime, f.lambda_last_modified_at,"
                   " f.code_project_name, f.code_provider_type, f.ecr_last_in_use_at,"
                   " f.ecr_in_use_count, ");
    st_sql_add(&q, pkgs ? "p.name, p.source_layer_hash, p.source_lambda_layer_arn"
                        " FROM findings f JOIN finding_packages p ON p.account_id = f.account_id"
                        " AND p.finding_id = f.finding_id"
                        : "NULL, NULL, NULL FROM findings f");
    st_sql_add(&q, " WHERE f.account_id = ");
    st_sql_text(&q, account_id);
    st_sql_add(&q, " AND f.status = 'ACTIVE'");
    if (req->finding_type != NULL) {
        st_sql_add(&q, " AND f.finding_type = ");
        st_sql_text(&q, req->finding_type);
    }
    if (req->resource_type != NULL) {
        st_sql_add(&q, " AND f.resource_type = ");
        st_sql_text(&q, req->resource_type);
    }
    if ((rc = st_sql_prepare(s->db, &q, &st, err)) != KS_OK)
        goto out;
    if ((index = ks_map_new()) == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
        goto out;
    }
    while ((rc = st_step(st, &row, err)) == KS_OK && row) {
        const char *key = group_key(req->type, st, &kb), *sev;
        struct agg_group *g;

        if (key == NULL)
            continue;
        g = ks_map_get(index, ks_str_c(key));
        if (g == NULL) {
            struct agg_group **slot;

            if ((g = ks_calloc(1, sizeof(*g))) == NULL ||
                (slot = ks_vec_push(&groups)) == NULL) {
                ks_free(g);
                rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
                goto out;
            }
            *slot = g;
            g->key = ks_strdup(key);
            g->resources = ks_map_new();
            for (int i = 0; i < AC_N; i++) {
                if (i == AC_FN_MODIFIED || i == AC_LAST_IN_USE || i == AC_IN_USE) {
                    g->has_num[i] = !st_col_null(st, i);
                    g->num[i] = st_col_double(st, i);
                } else {
                    g->str[i] = dup_col(st, i);
                }
            }
            if (g->key == NULL || g->resources == NULL ||
                ks_map_put(index, ks_str_c(g->key), g, NULL) != KS_OK) {
                rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
                goto out;
            }
        }
        sev = st_col_text(st, AC_SEVERITY);
        g->all++;
        g->medium += strcmp(sev, "MEDIUM") == 0;
        g->high += strcmp(sev, "HIGH") == 0;
        g->critical += strcmp(sev, "CRITICAL") == 0;
        g->fix += st_col_text(st, AC_FIX) && strcmp(st_col_text(st, AC_FIX), "YES") == 0;
        g->exploit += st_col_text(st, AC_EXPLOIT) && strcmp(st_col_text(st, AC_EXPLOIT), "YES") == 0;
        g->network += strcmp(st_col_text(st, AC_TYPE), "NETWORK_REACHABILITY") == 0;
        if (ks_map_put(g->resources, ks_str_c(st_col_text(st, AC_RID)), g, NULL) != KS_OK) {
            rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
            goto out;
        }
    }
    if (rc != KS_OK)
        goto out;
    st_finalize(st);
    st = NULL;
    /* Filter groups, then sort and page. */
    for (size_t i = 0; i < groups.len; i++) {
        struct agg_group *g = *(struct agg_group **)ks_vec_at(&groups, i);
        json_t *resource = NULL;
        struct agg_group **slot;
        bool pass = group_passes(s, account_id, req, g, &resource);

        json_decref(resource);
        if (!pass)
            continue;
        if ((slot = ks_vec_push(&kept)) == NULL) {
            rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
            goto out;
        }
        *slot = g;
    }
    sort_by_ctx = req->sort_by;
    sort_desc_ctx = req->descending;
    ks_vec_sort(&kept, cmp_groups);
    if ((arr = json_array()) == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
        goto out;
    }
    for (size_t i = page->offset; i < kept.len && i < page->offset + page->limit; i++) {
        struct agg_group *g = *(struct agg_group **)ks_vec_at(&kept, i);
        json_t *resource = NULL, *resp;

        if (req->type == KS_AGG_AWS_EC2_INSTANCE || req->type == KS_AGG_AWS_ECR_CONTAINER ||
            req->type == KS_AGG_AWS_LAMBDA_FUNCTION)
            resource = resource_json(s, account_id, g->str[AC_RID]);
        resp = group_response(req->type, account_id, g, resource);
        json_decref(resource);
        if (resp == NULL || json_array_append_new(arr, resp) != 0) {
            rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
            goto out;
        }
    }
    *more = kept.len > page->offset + page->limit;
    *out = arr;
    arr = NULL;
out:
    st_finalize(st);
    st_sql_release(&q);
    for (size_t i = 0; i < groups.len; i++) {
        struct agg_group *g = *(struct agg_group **)ks_vec_at(&groups, i);

        group_free(g);
        ks_free(g);
    }
    ks_vec_release(&groups);
    ks_vec_release(&kept);
    ks_map_free(index);
    ks_buf_release(&kb);
    json_decref(arr);
    return rc;
}
