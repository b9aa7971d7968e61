/*
 * router.c: method + path to an operation. Inspector2 routes come from the
 * model (every operation is known, so an unimplemented one gets a clear
 * answer instead of a 404); Kensa's own endpoints live under /kensa/v1/.
 */
#include "server/server_int.h"

#include <string.h>

#include "base/banned.h"

/* The operations Kensa implements, by model name. */
static const struct {
    const char *name;
    srv_op_fn fn;
} handlers[] = {
    {"BatchGetAccountStatus", srv_op_batch_get_account_status},
    {"BatchGetFindingDetails", srv_op_batch_get_finding_details},
    {"CancelFindingsReport", srv_op_cancel_findings_report},
    {"CreateFilter", srv_op_create_filter},
    {"CreateFindingsReport", srv_op_create_findings_report},
    {"DeleteFilter", srv_op_delete_filter},
    {"Disable", srv_op_disable},
    {"Enable", srv_op_enable},
    {"GetConfiguration", srv_op_get_configuration},
    {"GetFindingsReportStatus", srv_op_get_findings_report_status},
    {"ListCoverage", srv_op_list_coverage},
    {"ListCoverageStatistics", srv_op_list_coverage_statistics},
    {"ListFilters", srv_op_list_filters},
    {"ListFindingAggregations", srv_op_list_finding_aggregations},
    {"ListFindings", srv_op_list_findings},
    {"ListUsageTotals", srv_op_list_usage_totals},
    {"UpdateConfiguration", srv_op_update_configuration},
    {"UpdateFilter", srv_op_update_filter},
};

/* Reads: replaying one changes nothing, so identical signed requests may repeat. */
static bool
is_read_only(const char *name)
{
    return strncmp(name, "List", 4) == 0 || strncmp(name, "Get", 3) == 0 ||
           strncmp(name, "BatchGet", 8) == 0 || strncmp(name, "Describe", 8) == 0 ||
           strncmp(name, "Search", 6) == 0;
}

/* Does a model URI ("/tags/{resourceArn}") match path? */
static bool
uri_matches(const char *uri, struct ks_str path)
{
    const char *u = uri;
    size_t i = 0;

    while (*u) {
        if (*u == '{') {
            const char *close = strchr(u, '}');
            size_t start = i;

            if (close == NULL)
                return false;
            /*
             * A label takes one non-empty segment; a final label takes the
             * rest, since the decoded path of an ARN label holds '/'.
             */
            while (i < path.len && (path.ptr[i] != '/' || close[1] == '\0'))
                i++;
            if (i == start)
                return false;
            u = close + 1;
            continue;
        }
        if (i >= path.len || path.ptr[i] != *u)
            return false;
        u++;
        i++;
    }
    return i == path.len;
}

void
srv_route(struct ks_str method, struct ks_str path, struct srv_route *out)
{
    static const char kensa_prefix[] = "/kensa/v1/";
    bool other_method = false;

    memset(out, 0, sizeof(*out));
    out->kind = SRV_ROUTE_NONE;
    if (ks_str_has_prefix(path, kensa_prefix) || ks_str_eq_c(path, "/metrics")) {
        struct ks_str rest = ks_str_has_prefix(path, kensa_prefix)
                                 ? ks_str_sub(path, sizeof(kensa_prefix) - 1, path.len)
                                 : KS_STR("metrics");
        bool get = ks_str_eq_c(method, "GET") || ks_str_eq_c(method, "HEAD");

        if (ks_str_eq_c(rest, "healthz"))
            out->kensa = SRV_K_HEALTHZ;
        else if (ks_str_eq_c(rest, "metrics"))
            out->kensa = SRV_K_METRICS;
        else if (ks_str_has_prefix(rest, "reports/") && rest.len > 8 &&
                 ks_str_find_char(ks_str_sub(rest, 8, rest.len), '/') < 0) {
            out->kensa = SRV_K_REPORT_DOWNLOAD;
            out->tail = ks_str_sub(rest, 8, rest.len);
        } else
            return;
        out->kind = get ? SRV_ROUTE_KENSA : SRV_ROUTE_METHOD;
        return;
    }
    for (size_t i = 0; i < ks_model_n_ops; i++) {
        const struct ks_model_op *op = &ks_model_ops[i];

        if (!uri_matches(op->uri, path))
            continue;
        if (!ks_str_eq_c(method, op->method)) {
            other_method = true;
            continue;
        }
        out->kind = SRV_ROUTE_INSPECTOR;
        out->op = op;
        out->read_only = is_read_only(op->name);
        for (size_t h = 0; h < KS_ARRAY_LEN(handlers); h++) {
            if (strcmp(handlers[h].name, op->name) == 0) {
                out->fn = handlers[h].fn;
                break;
            }
        }
        return;
    }
    if (other_method)
        out->kind = SRV_ROUTE_METHOD;
}
