/*
 * ops_filters.c: ListCoverage, ListCoverageStatistics and the filter
 * operations (CreateFilter, UpdateFilter, DeleteFilter, ListFilters); a
 * SUPPRESS filter takes effect on existing findings before the call returns.
 */
#include "server/server_int.h"

#include <string.h>

#include "base/banned.h"

enum ks_code
srv_op_list_coverage(struct srv_call *c)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_arena *a = ks_arena_new(8192);
    struct ks_criteria *crit = NULL;
    struct srv_paging p;
    struct ks_store_page page;
    json_t *list = NULL;
    bool more = false;
    enum ks_code rc;

    if (a == NULL)
        return srv_fail(c, 500, "InternalServerException", "internal error");
    if ((rc = srv_paging_begin(c, 100, 200, &p)) != KS_OK)
        goto out;
    if ((rc = ks_findings_criteria_parse(&ks_fc_coverage, json_object_get(c->in, "filterCriteria"),
                                         "filterCriteria", a, &crit, &err)) != KS_OK) {
        rc = srv_fail_store(c, rc, &err);
        goto out;
    }
    page = (struct ks_store_page){p.offset, p.limit};
    if ((rc = ks_store_coverage_list(c->store, c->account_id, crit, &page, c->now_ms, &list, &more,
                                     &err)) != KS_OK) {
        rc = srv_fail_store(c, rc, &err);
        goto out;
    }
    if ((c->out = json_pack("{s:o}", "coveredResources", list)) == NULL) {
        rc = srv_fail(c, 500, "InternalServerException", "internal error");
        goto out;
    }
    rc = srv_paging_end(c, &p, more);
out:
    ks_arena_free(a);
    return rc;
}

enum ks_code
srv_op_list_coverage_statistics(struct srv_call *c)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_arena *a = ks_arena_new(8192);
    struct ks_criteria *crit = NULL;
    json_t *counts = NULL;
    int64_t total = 0;
    enum ks_code rc;

    if (a == NULL)
        return srv_fail(c, 500, "InternalServerException", "internal error");
    if ((rc = ks_findings_criteria_parse(&ks_fc_coverage, json_object_get(c->in, "filterCriteria"),
                                         "filterCriteria", a, &crit, &err)) != KS_OK ||
        (rc = ks_store_coverage_stats(c->store, c->account_id, crit,
                                      ks_json_str(c->in, "groupBy"), c->now_ms, &counts, &total,
                                      &err)) != KS_OK) {
        rc = srv_fail_store(c, rc, &err);
        goto out;
    }
    c->out = json_pack("{s:o, s:I}", "countsByGroup", counts, "totalCounts", (json_int_t)total);
    if (c->out == NULL)
        rc = srv_fail(c, 500, "InternalServerException", "internal error");
out:
    ks_arena_free(a);
    return rc;
}

static void
filter_from_input(const json_t *in, struct ks_store_filter *f)
{
    memset(f, 0, sizeof(*f));
    f->name = ks_json_str(in, "name");
    f->description = ks_json_str(in, "description");
    f->reason = ks_json_str(in, "reason");
    f->action = ks_json_str(in, "action");
    f->criteria = json_object_get(in, "filterCriteria");
    f->tags = json_object_get(in, "tags");
}

enum ks_code
srv_op_create_filter(struct srv_call *c)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_store_filter f;
    char arn[160];
    enum ks_code rc;

    filter_from_input(c->in, &f);
    if ((rc = ks_store_filter_create(c->store, c->account_id, &f, c->now_ms, arn, &err)) !=
        KS_OK) {
        if (rc == KS_EINVAL)
            return srv_fail(c, 400, "ValidationException", "%s", err.msg);
        return srv_fail_store(c, rc, &err);
    }
    c->out = json_pack("{s:s}", "arn", arn);
    c->wrote_events = true;
    return c->out ? KS_OK : srv_fail(c, 500, "InternalServerException", "internal error");
}

enum ks_code
srv_op_update_filter(struct srv_call *c)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_store_filter f;
    enum ks_code rc;

    filter_from_input(c->in, &f);
    f.arn = ks_json_str(c->in, "filterArn");
    if ((rc = ks_store_filter_update(c->store, c->account_id, &f, c->now_ms, &err)) != KS_OK)
        return srv_fail_store(c, rc, &err);
    c->out = json_pack("{s:s}", "arn", f.arn);
    c->wrote_events = true;
    return c->out ? KS_OK : srv_fail(c, 500, "InternalServerException", "internal error");
}

enum ks_code
srv_op_delete_filter(struct srv_call *c)
{
    struct ks_err err = KS_ERR_INIT;
    const char *arn = ks_json_str(c->in, "arn");
    enum ks_code rc;

    if ((rc = ks_store_filter_delete(c->store, c->account_id, arn, c->now_ms, &err)) != KS_OK)
        return srv_fail_store(c, rc, &err);
    c->out = json_pack("{s:s}", "arn", arn);
    c->wrote_events = true;
    return c->out ? KS_OK : srv_fail(c, 500, "InternalServerException", "internal error");
}

enum ks_code
srv_op_list_filters(struct srv_call *c)
{
    struct ks_err err = KS_ERR_INIT;
    struct srv_paging p;
    struct ks_store_page page;
    const json_t *arns = json_object_get(c->in, "arns");
    const char *list_arns[100];
    size_t n = 0, i;
    json_t *v, *list = NULL;
    bool more = false;
    enum ks_code rc;

    if ((rc = srv_paging_begin(c, 100, 100, &p)) != KS_OK)
        return rc;
    if (json_array_size(arns) > KS_ARRAY_LEN(list_arns))
        return srv_fail(c, 400, "ValidationException", "arns: at most %zu filter ARNs",
                        KS_ARRAY_LEN(list_arns));
    json_array_foreach((json_t *)arns, i, v)
        list_arns[n++] = json_string_value(v);
    page = (struct ks_store_page){p.offset, p.limit};
    if ((rc = ks_store_filter_list(c->store, c->account_id, list_arns, n,
                                   ks_json_str(c->in, "action"), &page, KS_TS_EPOCH, &list, &more,
                                   &err)) != KS_OK)
        return srv_fail_store(c, rc, &err);
    if ((c->out = json_pack("{s:o}", "filters", list)) == NULL)
        return srv_fail(c, 500, "InternalServerException", "internal error");
    return srv_paging_end(c, &p, more);
}
