/*
 * ops_reports.c: CreateFindingsReport, GetFindingsReportStatus and
 * CancelFindingsReport. Reports are queued in the store and produced by the
 * server's worker thread (jobs.c): written to the S3-compatible endpoint of
 * the configuration when there is one, and always kept in the data dir for
 * download at /kensa/v1/reports/{reportId}.
 */
#include "server/server_int.h"

#include <string.h>

#include "base/banned.h"

/*
 * Queue a findings report or SBOM export: its criteria (member
 * `criteria_member`, checked against `schema`) are validated now so a bad
 * filter is a 400 here, not a failed report later; the worker produces it.
 */
enum ks_code
srv_report_create(struct srv_call *c, enum ks_report_kind kind, const struct ks_fc_schema *schema,
                  const char *criteria_member)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_arena *a = ks_arena_new(8192);
    struct ks_criteria *crit = NULL;
    const json_t *criteria = json_object_get(c->in, criteria_member);
    char id[37];
    enum ks_code rc;

    if (a == NULL)
        return srv_fail(c, 500, "InternalServerException", "internal error");
    rc = ks_findings_criteria_parse(schema, criteria, criteria_member, a, &crit, &err);
    ks_arena_free(a);
    if (rc != KS_OK)
        return srv_fail_store(c, rc, &err);
    if ((rc = ks_store_report_create(c->store, c->account_id, kind,
                                     ks_json_str(c->in, "reportFormat"), criteria,
                                     json_object_get(c->in, "s3Destination"), c->now_ms, id,
                                     &err)) != KS_OK)
        return srv_fail_store(c, rc, &err);
    srv_worker_wake(c->srv);
    c->out = json_pack("{s:s}", "reportId", id);
    return c->out ? KS_OK : srv_fail(c, 500, "InternalServerException", "internal error");
}

enum ks_code
srv_op_create_findings_report(struct srv_call *c)
{
    return srv_report_create(c, KS_REPORT_FINDINGS, &ks_fc_findings, "filterCriteria");
}

/*
 * The status document of a findings report or SBOM export, as Inspector
 * shapes it: `dest_member` names where the destination goes
 * ("destination" for reports, "s3Destination" for exports), and exports
 * also carry their format. Takes r (released here).
 */
enum ks_code
srv_report_status_reply(struct srv_call *c, struct ks_store_report *r, const char *dest_member,
                        bool with_format)
{
    c->out = json_pack("{s:s, s:s}", "reportId", r->report_id, "status", r->status);
    if (c->out == NULL || (with_format && json_object_set_new(c->out, "format",
                                                              json_string(r->format)) != 0)) {
        ks_store_report_release(r);
        return srv_fail(c, 500, "InternalServerException", "internal error");
    }
    if (r->error_code[0])
        json_object_set_new(c->out, "errorCode", json_string(r->error_code));
    if (r->error_message[0])
        json_object_set_new(c->out, "errorMessage", json_string(r->error_message));
    if (r->destination != NULL)
        json_object_set(c->out, dest_member, r->destination);
    if (r->criteria != NULL)
        json_object_set(c->out, "filterCriteria", r->criteria);
    ks_store_report_release(r);
    return KS_OK;
}

/* Cancel a report or export of this account; one already finished is a 400. */
enum ks_code
srv_report_cancel(struct srv_call *c, enum ks_report_kind kind)
{
    struct ks_err err = KS_ERR_INIT;
    const char *id = ks_json_str(c->in, "reportId");
    enum ks_code rc;

    if ((rc = ks_store_report_cancel(c->store, c->account_id, kind, id, c->now_ms, &err)) !=
        KS_OK) {
        if (rc == KS_ECONFLICT)
            return srv_fail(c, 400, "ValidationException", "%s", err.msg);
        return srv_fail_store(c, rc, &err);
    }
    c->out = json_pack("{s:s}", "reportId", id);
    return c->out ? KS_OK : srv_fail(c, 500, "InternalServerException", "internal error");
}

enum ks_code
srv_op_get_findings_report_status(struct srv_call *c)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_store_report r;
    const char *id = ks_json_str(c->in, "reportId");
    enum ks_code rc;

    rc = id != NULL ? ks_store_report_get(c->store, c->account_id, KS_REPORT_FINDINGS, id, &r, &err)
                    : ks_store_report_latest(c->store, c->account_id, KS_REPORT_FINDINGS, &r, &err);
    if (rc != KS_OK)
        return srv_fail_store(c, rc, &err);
    return srv_report_status_reply(c, &r, "destination", false);
}

enum ks_code
srv_op_cancel_findings_report(struct srv_call *c)
{
    return srv_report_cancel(c, KS_REPORT_FINDINGS);
}
