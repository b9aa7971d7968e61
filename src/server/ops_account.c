/*
 * ops_account.c: Enable, Disable, BatchGetAccountStatus, GetConfiguration,
 * UpdateConfiguration, ListUsageTotals. A caller manages its own account
 * only: other account ids come back as failed (ACCESS_DENIED), never acted
 * on, so nothing about another account is revealed.
 */
#include "server/server_int.h"

#include <string.h>

#include "base/banned.h"

/* The scan types named in input member `member` as a mask; all when absent or empty. */
static enum ks_code
scan_mask(struct srv_call *c, const char *member, bool empty_means_all, unsigned *mask)
{
    const json_t *arr = json_object_get(c->in, member);
    size_t i;
    json_t *v;

    *mask = 0;
    json_array_foreach((json_t *)arr, i, v) {
        enum ks_findings_scan_type t;

        if (!ks_findings_scan_type_parse(ks_str_c(json_string_value(v)), &t))
            return srv_fail(c, 400, "ValidationException", "%s[%zu]: unknown resource type",
                            member, i);
        *mask |= 1u << t;
    }
    if (*mask == 0 && empty_means_all)
        *mask = (1u << KS_SCAN_TYPE_COUNT) - 1;
    return KS_OK;
}

/* Split accountIds into the caller's (acted on) and failedAccounts entries. */
static bool
other_accounts(struct srv_call *c, json_t *failed)
{
    const json_t *ids = json_object_get(c->in, "accountIds");
    size_t i;
    json_t *v;
    bool self = ids == NULL || json_array_size(ids) == 0;

    json_array_foreach((json_t *)ids, i, v) {
        if (strcmp(json_string_value(v), c->account_id) == 0) {
            self = true;
            continue;
        }
        json_array_append_new(failed,
                              json_pack("{s:s, s:s, s:s}", "accountId", json_string_value(v),
                                        "errorCode", "ACCESS_DENIED", "errorMessage",
                                        "a caller can only manage its own account"));
    }
    return self;
}

static json_t *
resource_status(const enum ks_enable_status st[KS_SCAN_TYPE_COUNT], bool nested, bool *any)
{
    json_t *o = json_object();

    *any = false;
    for (int t = 0; t < KS_SCAN_TYPE_COUNT; t++) {
        const char *v = st[t] == KS_ENABLED ? "ENABLED" : "DISABLED";

        *any |= st[t] == KS_ENABLED;
        json_object_set_new(o, ks_findings_scan_type_member((enum ks_findings_scan_type)t),
                            nested ? json_pack("{s:s}", "status", v) : json_string(v));
    }
    return o;
}

static enum ks_code
enable_disable(struct srv_call *c, enum ks_enable_status to)
{
    struct ks_err err = KS_ERR_INIT;
    enum ks_enable_status st[KS_SCAN_TYPE_COUNT];
    json_t *failed = json_array(), *accounts = json_array(), *rsx;
    unsigned mask;
    bool any;
    enum ks_code rc;

    c->out = json_object();
    if (failed == NULL || accounts == NULL || c->out == NULL) {
        json_decref(failed);
        json_decref(accounts);
        return srv_fail(c, 500, "InternalServerException", "internal error");
    }
    json_object_set_new(c->out, "accounts", accounts);
    json_object_set_new(c->out, "failedAccounts", failed);
    if ((rc = scan_mask(c, "resourceTypes", to == KS_DISABLED, &mask)) != KS_OK)
        return rc;
    if (!other_accounts(c, failed))
        return KS_OK;
    if ((rc = ks_store_scan_types_set(c->store, c->account_id, mask, to, c->now_ms, &err)) !=
            KS_OK ||
        (rc = ks_store_scan_types_get(c->store, c->account_id, st, &err)) != KS_OK)
        return srv_fail_store(c, rc, &err);
    rsx = resource_status(st, false, &any);
    json_array_append_new(accounts, json_pack("{s:s, s:s, s:o}", "accountId", c->account_id,
                                              "status", any ? "ENABLED" : "DISABLED",
                                              "resourceStatus", rsx));
    return KS_OK;
}

enum ks_code
srv_op_enable(struct srv_call *c)
{
    return enable_disable(c, KS_ENABLED);
}

enum ks_code
srv_op_disable(struct srv_call *c)
{
    return enable_disable(c, KS_DISABLED);
}

enum ks_code
srv_op_batch_get_account_status(struct srv_call *c)
{
    struct ks_err err = KS_ERR_INIT;
    enum ks_enable_status st[KS_SCAN_TYPE_COUNT];
    json_t *failed = json_array(), *accounts = json_array(), *rsx;
    bool any;
    enum ks_code rc;

    c->out = json_object();
    if (failed == NULL || accounts == NULL || c->out == NULL) {
        json_decref(failed);
        json_decref(accounts);
        return srv_fail(c, 500, "InternalServerException", "internal error");
    }
    json_object_set_new(c->out, "accounts", accounts);
    json_object_set_new(c->out, "failedAccounts", failed);
    if (!other_accounts(c, failed))
        return KS_OK;
    if ((rc = ks_store_scan_types_get(c->store, c->account_id, st, &err)) != KS_OK)
        return srv_fail_store(c, rc, &err);
    rsx = resource_status(st, true, &any);
    json_array_append_new(accounts, json_pack("{s:s, s:{s:s}, s:o}", "accountId", c->account_id,
                                              "state", "status", any ? "ENABLED" : "DISABLED",
                                              "resourceState", rsx));
    return KS_OK;
}

enum ks_code
srv_op_get_configuration(struct srv_call *c)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_account_config cfg;
    json_t *ecr;
    enum ks_code rc;

    if ((rc = ks_store_config_get(c->store, c->account_id, &cfg, &err)) != KS_OK)
        return srv_fail_store(c, rc, &err);
    ecr = json_pack("{s:s, s:s, s:o}", "rescanDuration", cfg.ecr_rescan_duration, "status",
                    "SUCCESS", "updatedAt", ks_findings_time_json(cfg.updated_ms, KS_TS_EPOCH));
    if (ecr == NULL)
        return srv_fail(c, 500, "InternalServerException", "internal error");
    if (cfg.ecr_pull_date_rescan_duration[0])
        json_object_set_new(ecr, "pullDateRescanDuration",
                            json_string(cfg.ecr_pull_date_rescan_duration));
    if (cfg.ecr_pull_date_rescan_mode[0])
        json_object_set_new(ecr, "pullDateRescanMode", json_string(cfg.ecr_pull_date_rescan_mode));
    c->out = json_pack("{s:{s:o}, s:{s:{s:s, s:s}}}", "ecrConfiguration", "rescanDurationState",
                       ecr, "ec2Configuration", "scanModeState", "scanMode", cfg.ec2_scan_mode,
                       "scanModeStatus", "SUCCESS");
    return c->out ? KS_OK : srv_fail(c, 500, "InternalServerException", "internal error");
}

enum ks_code
srv_op_update_configuration(struct srv_call *c)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_account_config cfg;
    const json_t *ecr = json_object_get(c->in, "ecrConfiguration");
    const json_t *ec2 = json_object_get(c->in, "ec2Configuration");
    enum ks_code rc;

    memset(&cfg, 0, sizeof(cfg));
    if (ecr == NULL && ec2 == NULL)
        return srv_fail(c, 400, "ValidationException",
                        "give ecrConfiguration and/or ec2Configuration");
    snprintf(cfg.ecr_rescan_duration, sizeof(cfg.ecr_rescan_duration), "%s",
             ks_json_str(ecr, "rescanDuration") ? ks_json_str(ecr, "rescanDuration") : "");
    snprintf(cfg.ecr_pull_date_rescan_duration, sizeof(cfg.ecr_pull_date_rescan_duration), "%s",
             ks_json_str(ecr, "pullDateRescanDuration") ? ks_json_str(ecr, "pullDateRescanDuration")
                                                        : "");
    snprintf(cfg.ecr_pull_date_rescan_mode, sizeof(cfg.ecr_pull_date_rescan_mode), "%s",
             ks_json_str(ecr, "pullDateRescanMode") ? ks_json_str(ecr, "pullDateRescanMode") : "");
    snprintf(cfg.ec2_scan_mode, sizeof(cfg.ec2_scan_mode), "%s",
             ks_json_str(ec2, "scanMode") ? ks_json_str(ec2, "scanMode") : "");
    if ((rc = ks_store_config_set(c->store, c->account_id, &cfg, c->now_ms, &err)) != KS_OK)
        return srv_fail_store(c, rc, &err);
    c->out = json_object();
    return KS_OK;
}

enum ks_code
srv_op_list_usage_totals(struct srv_call *c)
{
    struct ks_err err = KS_ERR_INIT;
    struct srv_paging p;
    const json_t *ids = json_object_get(c->in, "accountIds");
    json_t *usage = NULL, *totals;
    bool self = ids == NULL;
    size_t i;
    json_t *v;
    enum ks_code rc;

    if ((rc = srv_paging_begin(c, 100, 500, &p)) != KS_OK)
        return rc;
    json_array_foreach((json_t *)ids, i, v) {
        if (strstr(json_string_value(v), c->account_id) != NULL)
            self = true;
    }
    c->out = json_object();
    totals = json_array();
    if (c->out == NULL || totals == NULL) {
        json_decref(totals);
        return srv_fail(c, 500, "InternalServerException", "internal error");
    }
    json_object_set_new(c->out, "totals", totals);
    if (!self || p.offset > 0)
        return KS_OK;
    if ((rc = ks_store_usage(c->store, c->account_id, c->now_ms, &usage, &err)) != KS_OK)
        return srv_fail_store(c, rc, &err);
    json_array_append_new(totals, json_pack("{s:s, s:o}", "accountId", c->account_id, "usage",
                                            usage));
    return KS_OK;
}
