/*
 * ops_findings.c: ListFindings (FilterCriteria, SortCriteria, paging),
 * BatchGetFindingDetails and ListFindingAggregations, over the caller's
 * account only.
 */
#include "server/server_int.h"

#include <math.h>
#include <string.h>

#include "base/banned.h"

enum ks_code
srv_op_list_findings(struct srv_call *c)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_arena *a = ks_arena_new(16384);
    struct ks_criteria *crit = NULL;
    struct srv_paging p;
    struct ks_store_page page;
    const json_t *sc = json_object_get(c->in, "sortCriteria");
    enum ks_sort_field sort = KS_SORT_DEFAULT;
    bool desc = true, more = false;
    enum ks_code rc;

    if (a == NULL)
        return srv_fail(c, 500, "InternalServerException", "internal error");
    if ((rc = srv_paging_begin(c, 50, 100, &p)) != KS_OK)
        goto out;
    if ((rc = ks_findings_criteria_parse(&ks_fc_findings, json_object_get(c->in, "filterCriteria"),
                                         "filterCriteria", a, &crit, &err)) != KS_OK) {
        rc = srv_fail_store(c, rc, &err);
        goto out;
    }
    if (sc != NULL) {
        if (!ks_store_sort_parse(ks_json_strv(sc, "field"), &sort)) {
            rc = srv_fail(c, 400, "ValidationException", "sortCriteria.field is not sortable");
            goto out;
        }
        desc = strcmp(ks_json_str(sc, "sortOrder"), "DESC") == 0;
    }
    page = (struct ks_store_page){p.offset, p.limit};
    /* The hot path: the page is written as text, stored documents unparsed. */
    ks_buf_appends(c->out_text, "{\"findings\":");
    if ((rc = ks_store_findings_list_text(c->store, c->account_id, crit, sort, desc, &page,
                                          c->out_text, &more, &err)) != KS_OK) {
        ks_buf_reset(c->out_text);
        rc = srv_fail_store(c, rc, &err);
        goto out;
    }
    if (more)
        ks_buf_appendf(c->out_text, ",\"nextToken\":\"%zu.%s\"", p.offset + p.limit, p.hash);
    ks_buf_putc(c->out_text, '}');
    if (ks_buf_err(c->out_text) != KS_OK) {
        ks_buf_reset(c->out_text);
        rc = srv_fail(c, 500, "InternalServerException", "internal error");
    }
out:
    ks_arena_free(a);
    return rc;
}

/* "arn:aws:inspector2:REGION:ACCOUNT:finding/ID" of the caller: the id, or NULL. */
static const char *
own_finding_id(struct srv_call *c, const char *arn)
{
    char prefix[128];
    size_t n;

    n = (size_t)snprintf(prefix, sizeof(prefix), "arn:aws:inspector2:%s:%s:finding/",
                         c->srv->cfg.region, c->account_id);
    if (strncmp(arn, prefix, n) != 0 || arn[n] == '\0' || strlen(arn + n) > KS_FINDING_MAX_ID)
        return NULL;
    return arn + n;
}

static void
copy_member(json_t *dst, const char *dst_key, const json_t *src, const char *src_key)
{
    json_t *v = json_object_get(src, src_key);

    if (v != NULL)
        json_object_set(dst, dst_key, v);
}

enum ks_code
srv_op_batch_get_finding_details(struct srv_call *c)
{
    const json_t *arns = json_object_get(c->in, "findingArns");
    json_t *details = json_array(), *errors = json_array(), *v;
    size_t i;

    c->out = json_pack("{s:o, s:o}", "findingDetails", details, "errors", errors);
    if (c->out == NULL)
        return srv_fail(c, 500, "InternalServerException", "internal error");
    json_array_foreach((json_t *)arns, i, v) {
        const char *arn = json_string_value(v), *id = own_finding_id(c, arn);
        struct ks_err err = KS_ERR_INIT;
        json_t *f = NULL, *d;
        const json_t *pvd, *cvd, *score;
        enum ks_code rc;

        if (id != NULL &&
            (rc = ks_store_finding_get(c->store, c->account_id, id, KS_TS_EPOCH, &f, &err)) !=
                KS_OK)
            return srv_fail_store(c, rc, &err);
        if (f == NULL) {
            /* Unknown and another account's look the same. */
            json_array_append_new(errors, json_pack("{s:s, s:s, s:s}", "findingArn", arn,
                                                    "errorCode", "FINDING_DETAILS_NOT_FOUND",
                                                    "errorMessage", "no such finding"));
            continue;
        }
        d = json_pack("{s:s}", "findingArn", arn);
        pvd = json_object_get(f, "packageVulnerabilityDetails");
        cvd = json_object_get(f, "codeVulnerabilityDetails");
        copy_member(d, "referenceUrls", pvd, "referenceUrls");
        copy_member(d, "cwes", cvd, "cwes");
        if (json_is_number(json_object_get(json_object_get(f, "epss"), "score")))
            json_object_set(d, "epssScore", json_object_get(json_object_get(f, "epss"), "score"));
        score = json_object_get(f, "inspectorScore");
        if (json_is_number(score))
            json_object_set_new(d, "riskScore",
                                json_integer((json_int_t)lround(json_number_value(score) * 10)));
        if (json_is_object(json_object_get(f, "exploitabilityDetails")) &&
            json_object_get(json_object_get(f, "exploitabilityDetails"), "lastKnownExploitAt"))
            json_object_set_new(d, "exploitObserved",
                                json_pack("{s:O}", "lastSeen",
                                          json_object_get(json_object_get(f, "exploitabilityDetails"),
                                                          "lastKnownExploitAt")));
        json_array_append_new(details, d);
        json_decref(f);
    }
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* Aggregations                                                             */

static const char *const agg_members[KS_AGG_COUNT] = {
    [KS_AGG_ACCOUNT] = "accountAggregation",
    [KS_AGG_AMI] = "amiAggregation",
    [KS_AGG_AWS_EC2_INSTANCE] = "ec2InstanceAggregation",
    [KS_AGG_AWS_ECR_CONTAINER] = "awsEcrContainerAggregation",
    [KS_AGG_IMAGE_LAYER] = "imageLayerAggregation",
    [KS_AGG_PACKAGE] = "packageAggregation",
    [KS_AGG_REPOSITORY] = "repositoryAggregation",
    [KS_AGG_TITLE] = "titleAggregation",
    [KS_AGG_FINDING_TYPE] = "findingTypeAggregation",
    [KS_AGG_AWS_LAMBDA_FUNCTION] = "lambdaFunctionAggregation",
    [KS_AGG_LAMBDA_LAYER] = "lambdaLayerAggregation",
    [KS_AGG_CODE_REPOSITORY] = "codeRepositoryAggregation",
};

enum ks_code
srv_op_list_finding_aggregations(struct srv_call *c)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_arena *a = ks_arena_new(16384);
    struct ks_agg_request req;
    struct srv_paging p;
    struct ks_store_page page;
    const json_t *ar = json_object_get(c->in, "aggregationRequest"), *sub = NULL, *ids;
    json_t *list = NULL;
    bool more = false;
    enum ks_code rc;

    memset(&req, 0, sizeof(req));
    req.descending = true;
    if (a == NULL)
        return srv_fail(c, 500, "InternalServerException", "internal error");
    if ((rc = srv_paging_begin(c, 50, 100, &p)) != KS_OK)
        goto out;
    if (!ks_store_agg_parse(ks_json_strv(c->in, "aggregationType"), &req.type)) {
        rc = srv_fail(c, 400, "ValidationException", "aggregationType is not known");
        goto out;
    }
    if (ar != NULL) {
        sub = json_object_get(ar, agg_members[req.type]);
        if (sub == NULL) {
            rc = srv_fail(c, 400, "ValidationException",
                          "aggregationRequest must hold %s for aggregationType %s",
                          agg_members[req.type], ks_store_agg_name(req.type));
            goto out;
        }
    }
    if ((ids = json_object_get(c->in, "accountIds")) != NULL) {
        struct ks_fc_list *l = ks_arena_calloc(a, 1, sizeof(*l));

        if (l == NULL) {
            rc = srv_fail(c, 500, "InternalServerException", "internal error");
            goto out;
        }
        if ((rc = ks_findings_string_filters_parse(ids, "accountIds", true, a, l, &err)) != KS_OK) {
            rc = srv_fail_store(c, rc, &err);
            goto out;
        }
        req.account_ids = l;
    }
    if (sub != NULL) {
        const char *key;
        json_t *v;

        json_object_foreach((json_t *)sub, key, v) {
            struct ks_fc_list *l;
            char where[128];

            if (strcmp(key, "sortOrder") == 0) {
                req.descending = strcmp(json_string_value(v), "DESC") == 0;
                continue;
            }
            if (strcmp(key, "sortBy") == 0) {
                req.sort_by = json_string_value(v);
                continue;
            }
            if (strcmp(key, "findingType") == 0) {
                req.finding_type = json_string_value(v);
                continue;
            }
            if (strcmp(key, "resourceType") == 0) {
                req.resource_type = json_string_value(v);
                continue;
            }
            if (!json_is_array(v) || req.n_filters >= KS_ARRAY_LEN(req.filters) ||
                (l = ks_arena_calloc(a, 1, sizeof(*l))) == NULL) {
                rc = srv_fail(c, 400, "ValidationException", "aggregationRequest.%s.%s: too many "
                              "filters", agg_members[req.type], key);
                goto out;
            }
            snprintf(where, sizeof(where), "aggregationRequest.%s.%s", agg_members[req.type], key);
            if (strcmp(key, "instanceTags") == 0 || strcmp(key, "functionTags") == 0)
                rc = ks_findings_map_filters_parse(v, where, a, l, &err);
            else if (strcmp(key, "lastInUseAt") == 0)
                rc = ks_findings_range_filters_parse(v, where, true, a, l, &err);
            else if (strcmp(key, "inUseCount") == 0)
                rc = ks_findings_range_filters_parse(v, where, false, a, l, &err);
            else
                rc = ks_findings_string_filters_parse(v, where, true, a, l, &err);
            if (rc != KS_OK) {
                rc = srv_fail_store(c, rc, &err);
                goto out;
            }
            req.filters[req.n_filters].name = key;
            req.filters[req.n_filters].list = l;
            req.n_filters++;
        }
    }
    page = (struct ks_store_page){p.offset, p.limit};
    if ((rc = ks_store_findings_aggregate(c->store, c->account_id, &req, &page, &list, &more,
                                          &err)) != KS_OK) {
        rc = srv_fail_store(c, rc, &err);
        goto out;
    }
    c->out = json_pack("{s:s, s:o}", "aggregationType", ks_store_agg_name(req.type), "responses",
                       list);
    if (c->out == NULL) {
        rc = srv_fail(c, 500, "InternalServerException", "internal error");
        goto out;
    }
    rc = srv_paging_end(c, &p, more);
out:
    ks_arena_free(a);
    return rc;
}
