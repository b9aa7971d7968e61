/*
 * resources.c: coverage (every resource with its scan status, ListCoverage
 * and ListCoverageStatistics, filtered in C: accounts hold thousands of
 * resources, not millions) and the sweep that takes images past their ECR
 * rescan duration out of continuous monitoring. Stored inventories live in
 * inventory.c.
 */
#include "store/store_int.h"

#include <string.h>

#include "base/banned.h"

#define DAY_MS 86400000LL

static const char *
scan_type_of(const char *kensa_rtype)
{
    return strcmp(kensa_rtype, "CODE_REPOSITORY") == 0 ? "CODE" : "PACKAGE";
}

enum ks_code
st_coverage_event(struct ks_store *s, const char *account_id, const char *resource_id,
                  int64_t now_ms, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    json_t *detail = NULL, *res = NULL;
    enum ks_findings_rtype rt = KS_RT_HOST;
    bool row;
    enum ks_code rc;

    if ((rc = st_prepare(s->db,
                         "SELECT resource_type, scan_status, scan_reason, last_scanned_at"
                         " FROM resources WHERE account_id = ? AND resource_id = ?",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, account_id);
    st_bind_text(st, 2, resource_id);
    if ((rc = st_step(st, &row, err)) != KS_OK || !row)
        goto out;
    ks_findings_rtype_parse(ks_str_c(st_col_text(st, 0)), &rt);
    detail = json_pack("{s:{s:s, s:s}, s:s, s:s, s:s, s:s}", "scanStatus", "statusCode",
                       st_col_text(st, 1), "reason", st_col_text(st, 2), "resourceType",
                       ks_findings_rtype_aws(rt), "resourceId", resource_id, "accountId",
                       account_id, "scanType", scan_type_of(st_col_text(st, 0)));
    res = json_pack("[s]", resource_id);
    if (detail == NULL || res == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
        goto out;
    }
    if (!st_col_null(st, 3))
        json_object_set_new(detail, "lastScannedAt",
                            ks_findings_time_json(st_col_int(st, 3), KS_TS_RFC3339));
    rc = st_outbox_add(s, account_id, "Inspector2 Coverage", "coverage", now_ms, res, detail, err);
out:
    st_finalize(st);
    json_decref(detail);
    json_decref(res);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Coverage                                                                 */

/* One resource as coverage sees it. */
struct cov {
    const char *resource_id;
    enum ks_findings_rtype rtype;
    json_t *resource; /* owned */
    const char *status, *reason;
    bool has_scanned;
    int64_t last_scanned_ms;
    char platform[16];
};

static const char *
ec2_platform(const char *p)
{
    if (p == NULL)
        return "UNKNOWN";
    if (strstr(p, "WINDOWS") != NULL)
        return "WINDOWS";
    if (strstr(p, "MAC") != NULL)
        return "MACOS";
    return "LINUX";
}

static json_t *
covered_resource(const char *account_id, const struct cov *c)
{
    const json_t *details = json_object_get(c->resource, "details");
    const json_t *tags = json_object_get(c->resource, "tags");
    json_t *o, *meta = json_object(), *m;

    o = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s}}", "resourceType",
                  ks_findings_rtype_aws(c->rtype), "resourceId", c->resource_id, "accountId",
                  account_id, "scanType",
                  c->rtype == KS_RT_CODE_REPOSITORY ? "CODE" : "PACKAGE", "scanStatus",
                  "statusCode", c->status, "reason", c->reason);
    if (o == NULL || meta == NULL) {
        json_decref(o);
        json_decref(meta);
        return NULL;
    }
    if (c->has_scanned)
        json_object_set_new(o, "lastScannedAt",
                            ks_findings_time_json(c->last_scanned_ms, KS_TS_EPOCH));
    switch (c->rtype) {
    case KS_RT_HOST: {
        const json_t *ec2 = json_object_get(details, "awsEc2Instance");

        m = json_object();
        if (json_is_object(tags))
            json_object_set(m, "tags", (json_t *)tags);
        if (json_is_string(json_object_get(ec2, "imageId")))
            json_object_set(m, "amiId", json_object_get(ec2, "imageId"));
        json_object_set_new(m, "platform", json_string(ec2_platform(ks_json_str(ec2, "platform"))));
        json_object_set_new(meta, "ec2", m);
        json_object_set_new(o, "scanMode", json_string("EC2_SSM_AGENT_BASED"));
        break;
    }
    case KS_RT_CONTAINER_IMAGE: {
        const json_t *ecr = json_object_get(details, "awsEcrContainerImage");

        m = json_object();
        if (json_is_array(json_object_get(ecr, "imageTags")))
            json_object_set(m, "tags", json_object_get(ecr, "imageTags"));
        if (json_is_number(json_object_get(ecr, "lastInUseAt")))
            json_object_set(m, "lastInUseAt", json_object_get(ecr, "lastInUseAt"));
        if (json_is_integer(json_object_get(ecr, "inUseCount")))
            json_object_set(m, "inUseCount", json_object_get(ecr, "inUseCount"));
        json_object_set_new(meta, "ecrImage", m);
        if (json_is_string(json_object_get(ecr, "repositoryName")))
            json_object_set_new(meta, "ecrRepository",
                                json_pack("{s:O, s:s}", "name",
                                          json_object_get(ecr, "repositoryName"), "scanFrequency",
                                          "CONTINUOUS_SCAN"));
        break;
    }
    case KS_RT_FUNCTION: {
        const json_t *fn = json_object_get(details, "awsLambdaFunction");

        m = json_object();
        if (json_is_object(tags))
            json_object_set(m, "functionTags", (json_t *)tags);
        if (json_is_array(json_object_get(fn, "layers")))
            json_object_set(m, "layers", json_object_get(fn, "layers"));
        if (json_is_string(json_object_get(fn, "functionName")))
            json_object_set(m, "functionName", json_object_get(fn, "functionName"));
        if (json_is_string(json_object_get(fn, "runtime")))
            json_object_set(m, "runtime", json_object_get(fn, "runtime"));
        json_object_set_new(meta, "lambdaFunction", m);
        break;
    }
    default: {
        const json_t *code = json_object_get(details, "codeRepository");
        const char *project = ks_json_str(code, "projectName");
        const char *provider = ks_json_str(code, "providerType");

        json_object_set_new(meta, "codeRepository",
                            json_pack("{s:s, s:s, s:s}", "projectName",
                                      project ? project : c->resource_id, "providerType",
                                      provider ? provider : "UNKNOWN", "providerTypeVisibility",
                                      "PRIVATE"));
        break;
    }
    }
    json_object_set_new(o, "resourceMetadata", meta);
    return o;
}

static bool
range_ok(const struct ks_criteria *c, int field, const json_t *v)
{
    const struct ks_fc_list *l = ks_findings_criteria_get(c, field);
    int64_t ms;

    if (l == NULL)
        return true;
    if (l->u.range == NULL)
        return false;
    if (field == KS_CF_ECR_IN_USE_COUNT)
        return ks_findings_match_range(l, json_is_number(v), json_is_number(v) ? json_number_value(v) : 0);
    return ks_findings_match_range(l, ks_findings_parse_time(v, &ms) == KS_OK, (double)ms);
}

static bool
str_ok(const struct ks_criteria *c, int field, const char *v)
{
    const struct ks_fc_list *l = ks_findings_criteria_get(c, field);

    return l == NULL || ks_findings_match_strings(l, &v, 1);
}

static bool
tags_ok(const struct ks_criteria *c, int field, const json_t *tags)
{
    const struct ks_fc_list *l = ks_findings_criteria_get(c, field);
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
coverage_matches(const struct ks_criteria *c, const char *account_id, const json_t *cr)
{
    const json_t *meta = json_object_get(cr, "resourceMetadata");
    const json_t *ecr = json_object_get(meta, "ecrImage");
    const json_t *repo = json_object_get(meta, "ecrRepository");
    const json_t *ec2 = json_object_get(meta, "ec2");
    const json_t *fn = json_object_get(meta, "lambdaFunction");
    const json_t *code = json_object_get(meta, "codeRepository");
    const json_t *status = json_object_get(cr, "scanStatus");
    const struct ks_fc_list *l;

    if (c == NULL || c->n == 0)
        return true;
    if (!str_ok(c, KS_CF_SCAN_STATUS_CODE, ks_json_str(status, "statusCode")) ||
        !str_ok(c, KS_CF_SCAN_STATUS_REASON, ks_json_str(status, "reason")) ||
        !str_ok(c, KS_CF_ACCOUNT_ID, account_id) ||
        !str_ok(c, KS_CF_RESOURCE_ID, ks_json_str(cr, "resourceId")) ||
        !str_ok(c, KS_CF_RESOURCE_TYPE, ks_json_str(cr, "resourceType")) ||
        !str_ok(c, KS_CF_SCAN_TYPE, ks_json_str(cr, "scanType")) ||
        !str_ok(c, KS_CF_ECR_REPOSITORY_NAME, ks_json_str(repo, "name")) ||
        !str_ok(c, KS_CF_LAMBDA_NAME, ks_json_str(fn, "functionName")) ||
        !str_ok(c, KS_CF_LAMBDA_RUNTIME, ks_json_str(fn, "runtime")) ||
        !str_ok(c, KS_CF_SCAN_MODE, ks_json_str(cr, "scanMode")) ||
        !str_ok(c, KS_CF_CODE_PROJECT_NAME, ks_json_str(code, "projectName")) ||
        !str_ok(c, KS_CF_CODE_PROVIDER_TYPE, ks_json_str(code, "providerType")) ||
        !str_ok(c, KS_CF_CODE_PROVIDER_VISIBILITY, ks_json_str(code, "providerTypeVisibility")) ||
        !str_ok(c, KS_CF_LAST_SCANNED_COMMIT_ID, ks_json_str(code, "lastScannedCommitId")))
        return false;
    if (!tags_ok(c, KS_CF_EC2_INSTANCE_TAGS, json_object_get(ec2, "tags")) ||
        !tags_ok(c, KS_CF_LAMBDA_TAGS, json_object_get(fn, "functionTags")))
        return false;
    if ((l = ks_findings_criteria_get(c, KS_CF_ECR_IMAGE_TAGS)) != NULL) {
        const char *vals[64];
        size_t n = 0, i;
        json_t *v;

        json_array_foreach(json_object_get(ecr, "tags"), i, v) {
            if (n < 64 && json_is_string(v))
                vals[n++] = json_string_value(v);
        }
        if (!ks_findings_match_strings(l, vals, n))
            return false;
    }
    return range_ok(c, KS_CF_LAST_SCANNED_AT, json_object_get(cr, "lastScannedAt")) &&
           range_ok(c, KS_CF_IMAGE_PULLED_AT, json_object_get(ecr, "imagePulledAt")) &&
           range_ok(c, KS_CF_ECR_LAST_IN_USE_AT, json_object_get(ecr, "lastInUseAt")) &&
           range_ok(c, KS_CF_ECR_IN_USE_COUNT, json_object_get(ecr, "inUseCount"));
}

/* Call fn for each covered resource of the account matching criteria, by resource id. */
typedef enum ks_code (*cov_fn)(void *ctx, json_t *covered, struct ks_err *err);

static enum ks_code
coverage_walk(struct ks_store *s, const char *account_id, const struct ks_criteria *criteria,
              int64_t now_ms, cov_fn fn, void *ctx, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    enum ks_enable_status types[KS_SCAN_TYPE_COUNT];
    struct ks_account_config cfg;
    int days;
    bool row;
    enum ks_code rc;

    if ((rc = ks_store_scan_types_get(s, account_id, types, err)) != KS_OK ||
        (rc = ks_store_config_get(s, account_id, &cfg, err)) != KS_OK)
        return rc;
    days = ks_store_rescan_days(cfg.ecr_rescan_duration);
    if ((rc = st_prepare(s->db,
                         "SELECT resource_id, resource_type, resource, scan_status, scan_reason,"
                         " last_scanned_at, eligible_from FROM resources WHERE account_id = ?"
                         " ORDER BY resource_id",
                         &st, err)) != KS_OK)
        return rc;
    st_bind_text(st, 1, account_id);
    while ((rc = st_step(st, &row, err)) == KS_OK && row) {
        struct cov c;
        json_t *cr;

        memset(&c, 0, sizeof(c));
        if (!ks_findings_rtype_parse(ks_str_c(st_col_text(st, 1)), &c.rtype) ||
            types[ks_findings_rtype_scan_type(c.rtype)] != KS_ENABLED)
            continue;
        c.resource_id = st_col_text(st, 0);
        c.status = st_col_text(st, 3);
        c.reason = st_col_text(st, 4);
        c.has_scanned = !st_col_null(st, 5);
        c.last_scanned_ms = st_col_int(st, 5);
        /* Past the rescan duration counts as expired even before the sweep ran. */
        if (c.rtype == KS_RT_CONTAINER_IMAGE && days > 0 && strcmp(c.status, "ACTIVE") == 0 &&
            st_col_int(st, 6) + days * DAY_MS < now_ms) {
            c.status = "INACTIVE";
            c.reason = "SCAN_ELIGIBILITY_EXPIRED";
        }
        if (ks_json_parse(st_col_text(st, 2), st_col_bytes(st, 2), "stored resource", &c.resource,
                          err) != KS_OK)
            c.resource = json_object();
        cr = covered_resource(account_id, &c);
        json_decref(c.resource);
        if (cr == NULL) {
            rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
            break;
        }
        if (!coverage_matches(criteria, account_id, cr)) {
            json_decref(cr);
            continue;
        }
        rc = fn(ctx, cr, err); /* takes cr */
        if (rc != KS_OK)
            break;
    }
    st_finalize(st);
    return rc;
}

struct list_ctx {
    const struct ks_store_page *page;
    size_t seen;
    json_t *arr;
    bool more;
};

static enum ks_code
list_one(void *ctx, json_t *cr, struct ks_err *err)
{
    struct list_ctx *lc = ctx;
    size_t i = lc->seen++;

    if (i < lc->page->offset || lc->more) {
        json_decref(cr);
        return KS_OK;
    }
    if (i >= lc->page->offset + lc->page->limit) {
        lc->more = true;
        json_decref(cr);
        return KS_OK;
    }
    if (json_array_append_new(lc->arr, cr) != 0)
        return ks_err_set(err, KS_ENOMEM, "store: out of memory");
    return KS_OK;
}

enum ks_code
ks_store_coverage_list(struct ks_store *s, const char *account_id,
                       const struct ks_criteria *criteria, const struct ks_store_page *page,
                       int64_t now_ms, json_t **out, bool *more, struct ks_err *err)
{
    struct list_ctx lc = {page, 0, json_array(), false};
    enum ks_code rc;

    if (lc.arr == NULL)
        return ks_err_set(err, KS_ENOMEM, "store: out of memory");
    if ((rc = coverage_walk(s, account_id, criteria, now_ms, list_one, &lc, err)) != KS_OK) {
        json_decref(lc.arr);
        return rc;
    }
    *out = lc.arr;
    *more = lc.more;
    return KS_OK;
}

struct stats_ctx {
    const char *group_by;
    struct ks_map *counts; /* key -> (void *)(intptr_t)count */
    int64_t total;
};

static enum ks_code
stats_one(void *ctx, json_t *cr, struct ks_err *err)
{
    struct stats_ctx *sc = ctx;
    const char *key = NULL;
    enum ks_code rc = KS_OK;

    sc->total++;
    if (sc->group_by == NULL)
        ;
    else if (strcmp(sc->group_by, "SCAN_STATUS_CODE") == 0)
        key = ks_json_str(json_object_get(cr, "scanStatus"), "statusCode");
    else if (strcmp(sc->group_by, "SCAN_STATUS_REASON") == 0)
        key = ks_json_str(json_object_get(cr, "scanStatus"), "reason");
    else if (strcmp(sc->group_by, "ACCOUNT_ID") == 0)
        key = ks_json_str(cr, "accountId");
    else if (strcmp(sc->group_by, "RESOURCE_TYPE") == 0)
        key = ks_json_str(cr, "resourceType");
    else if (strcmp(sc->group_by, "ECR_REPOSITORY_NAME") == 0)
        key = ks_json_str(json_object_get(json_object_get(cr, "resourceMetadata"), "ecrRepository"),
                          "name");
    if (key != NULL) {
        intptr_t n = (intptr_t)ks_map_get(sc->counts, ks_str_c(key));

        if (ks_map_put(sc->counts, ks_str_c(key), (void *)(n + 1), NULL) != KS_OK)
            rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
    }
    json_decref(cr);
    return rc;
}

static int
cmp_counts(const void *a, const void *b)
{
    return strcmp(ks_json_str(*(json_t *const *)a, "groupKey"),
                  ks_json_str(*(json_t *const *)b, "groupKey"));
}

enum ks_code
ks_store_coverage_stats(struct ks_store *s, const char *account_id,
                        const struct ks_criteria *criteria, const char *group_by, int64_t now_ms,
                        json_t **counts, int64_t *total, struct ks_err *err)
{
    struct stats_ctx sc = {group_by, ks_map_new(), 0};
    struct ks_vec items = KS_VEC_INIT(json_t *);
    json_t *arr = NULL;
    size_t pos = 0;
    struct ks_str key;
    void *val;
    enum ks_code rc;

    if (sc.counts == NULL)
        return ks_err_set(err, KS_ENOMEM, "store: out of memory");
    if ((rc = coverage_walk(s, account_id, criteria, now_ms, stats_one, &sc, err)) != KS_OK)
        goto out;
    while (ks_map_next(sc.counts, &pos, &key, &val)) {
        json_t **slot = ks_vec_push(&items);

        if (slot == NULL || (*slot = json_pack("{s:I, s:s%}", "count", (json_int_t)(intptr_t)val,
                                               "groupKey", key.ptr, key.len)) == NULL) {
            rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
            goto out;
        }
    }
    ks_vec_sort(&items, cmp_counts);
    if ((arr = json_array()) == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "store: out of memory");
        goto out;
    }
    for (size_t i = 0; i < items.len; i++) {
        json_array_append(arr, *(json_t **)ks_vec_at(&items, i));
    }
    *counts = arr;
    arr = NULL;
    *total = sc.total;
out:
    for (size_t i = 0; i < items.len; i++)
        json_decref(*(json_t **)ks_vec_at(&items, i));
    ks_vec_release(&items);
    ks_map_free(sc.counts);
    json_decref(arr);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Expiry of images past the ECR rescan duration                            */

enum ks_code
st_sweep_add(struct ks_vec *rows, const char *account_id, const char *resource_id,
             struct ks_err *err)
{
    struct ks_buf line = KS_BUF_INIT(256);
    char **slot;

    ks_buf_appendf(&line, "%s\t%s", account_id, resource_id);
    if (ks_buf_err(&line) != KS_OK || (slot = ks_vec_push(rows)) == NULL ||
        (*slot = ks_buf_detach(&line, NULL)) == NULL) {
        ks_buf_release(&line);
        return ks_err_set(err, KS_ENOMEM, "store: out of memory");
    }
    return KS_OK;
}

enum ks_code
st_sweep_deactivate(struct ks_store *s, const struct ks_vec *rows, const char *reason,
                    bool close_findings, int64_t now_ms, size_t *n, struct ks_err *err)
{
    struct st_stmt *upd = NULL;
    enum ks_code rc;

    if ((rc = st_prepare(s->db,
                         "UPDATE resources SET scan_status = 'INACTIVE', scan_reason = ?,"
                         " updated_at = ? WHERE account_id = ? AND resource_id = ?",
                         &upd, err)) != KS_OK)
        return rc;
    for (size_t i = 0; i < rows->len; i++) {
        char *acc = *(char **)ks_vec_at(rows, i), *rid = strchr(acc, '\t');
        size_t closed = 0;

        if (rid == NULL)
            continue;
        *rid++ = '\0';
        st_bind_text(upd, 1, reason);
        st_bind_int(upd, 2, now_ms);
        st_bind_text(upd, 3, acc);
        st_bind_text(upd, 4, rid);
        rc = st_run(upd, err);
        st_reset(upd);
        if (rc == KS_OK && close_findings)
            rc = st_close_findings(s, acc, rid, NULL, now_ms, &closed, err);
        if (rc == KS_OK)
            rc = st_coverage_event(s, acc, rid, now_ms, err);
        rid[-1] = '\t';
        if (rc != KS_OK)
            break;
        (*n)++;
    }
    st_finalize(upd);
    return rc;
}

void
st_sweep_release(struct ks_vec *rows)
{
    for (size_t i = 0; i < rows->len; i++)
        ks_free(*(char **)ks_vec_at(rows, i));
    ks_vec_release(rows);
}

enum ks_code
ks_store_expire_images(struct ks_store *s, int64_t now_ms, size_t *n_expired, struct ks_err *err)
{
    struct st_stmt *st = NULL;
    struct ks_vec rows = KS_VEC_INIT(char *);
    bool row;
    enum ks_code rc;

    *n_expired = 0;
    if ((rc = st_begin(s->db, true, err)) != KS_OK)
        return rc;
    /* every image past its account's duration */
    if ((rc = st_prepare(s->db,
                         "SELECT r.account_id, r.resource_id, r.eligible_from,"
                         " a.ecr_rescan_duration FROM resources r JOIN accounts a"
                         " ON a.account_id = r.account_id WHERE r.resource_type = 'CONTAINER_IMAGE'"
                         " AND r.scan_status = 'ACTIVE' AND a.ecr_rescan_duration <> 'LIFETIME'",
                         &st, err)) != KS_OK)
        goto out;
    while ((rc = st_step(st, &row, err)) == KS_OK && row) {
        int days = ks_store_rescan_days(st_col_text(st, 3));

        if (days <= 0 || st_col_int(st, 2) + days * DAY_MS >= now_ms)
            continue;
        if ((rc = st_sweep_add(&rows, st_col_text(st, 0), st_col_text(st, 1), err)) != KS_OK)
            goto out;
    }
    if (rc != KS_OK ||
        (rc = st_sweep_deactivate(s, &rows, "SCAN_ELIGIBILITY_EXPIRED", true, now_ms, n_expired,
                                  err)) != KS_OK)
        goto out;
    rc = st_commit(s->db, err);
out:
    st_finalize(st);
    if (rc != KS_OK)
        st_rollback(s->db);
    st_sweep_release(&rows);
    return rc;
}
