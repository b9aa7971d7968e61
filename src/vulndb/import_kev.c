/*
 * import_kev.c: the CISA Known Exploited Vulnerabilities catalog
 * (known_exploited_vulnerabilities.json: {"title", "catalogVersion",
 * "dateReleased", "count", "vulnerabilities": [{"cveID", "dateAdded",
 * "dueDate", "knownRansomwareCampaignUse", "requiredAction", ...}]}).
 * Streamed like the NVD feeds; a catalog holding fewer entries than its
 * `count` is refused as truncated.
 */
#include "vulndb/vulndb_int.h"

#include <string.h>

#include <jansson.h>

#include "base/banned.h"

static bool
has(struct ks_str s, const char *needle)
{
    return s.len > 0 && ks_vdb_memmem(s.ptr, s.len, needle, strlen(needle)) != NULL;
}

struct sniff {
    int score;
    int keys;
};

static bool
kev_key(void *ctx, struct ks_str k, struct ks_str v)
{
    struct sniff *s = ctx;

    if (ks_str_eq_c(k, "catalogVersion"))
        s->score = 95;
    else if (ks_str_eq_c(k, "vulnerabilities") && has(v, "\"cveID\"") && s->score < 70)
        s->score = 70;
    else if (ks_str_eq_c(k, "affected") || ks_str_eq_c(k, "id"))
        return false; /* an OSV record or an NVD one */
    /* the catalog's own keys come first: stop early on anything else */
    return s->score < 95 && ++s->keys < 8;
}

int
ks_vdb_kev_sniff(struct ks_str head, const char *name)
{
    struct sniff sn = {0};

    (void)name;
    ks_vdb_json_keys(head, kev_key, &sn);
    return sn.score;
}

struct kev_ctx {
    struct ks_vdb_sink *sink;
    uint64_t count;
};

static bool
date_ok(const char *s)
{
    time_t t;

    return s == NULL || ks_time_parse(ks_str_c(s), &t) == KS_OK;
}

static enum ks_code
kev_elem(void *vctx, const char *elem, size_t len, uint64_t index, struct ks_err *err)
{
    struct kev_ctx *c = vctx;
    struct ks_err perr = KS_ERR_INIT;
    json_t *doc = NULL;
    struct ks_kev k = {0};
    enum ks_code rc;
    char pos[64];

    c->count++;
    snprintf(pos, sizeof(pos), "vulnerabilities[%llu]", (unsigned long long)index);
    rc = ks_json_parse(elem, len, pos, &doc, &perr);
    if (rc == KS_ENOMEM)
        return ks_err_set(err, rc, "%s", perr.msg);
    if (rc != KS_OK) {
        ks_vdb_malformed(c->sink, pos, "%s", perr.msg);
        return KS_OK;
    }
    k.cve = ks_json_str(doc, "cveID");
    k.date_added = ks_json_str(doc, "dateAdded");
    k.due_date = ks_json_str(doc, "dueDate");
    k.known_ransomware_campaign_use = ks_json_str(doc, "knownRansomwareCampaignUse");
    k.required_action = ks_json_str(doc, "requiredAction");
    k.vendor_project = ks_json_str(doc, "vendorProject");
    k.product = ks_json_str(doc, "product");
    k.vulnerability_name = ks_json_str(doc, "vulnerabilityName");
    if (k.cve == NULL || !ks_vdb_is_cve(ks_str_c(k.cve)))
        ks_vdb_malformed(c->sink, k.cve ? k.cve : pos, "cveID missing or not a CVE id");
    else if (k.date_added == NULL || !date_ok(k.date_added) || !date_ok(k.due_date))
        ks_vdb_malformed(c->sink, k.cve, "dateAdded missing, or a date is not YYYY-MM-DD");
    else
        rc = ks_vdb_put_kev(c->sink, &k, err);
    json_decref(doc);
    return rc;
}

enum ks_code
ks_vdb_kev_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink, struct ks_err *err)
{
    struct kev_ctx ctx = {.sink = sink};
    json_t *env = NULL, *count;
    const char *released;
    enum ks_code rc;

    if ((rc = ks_jsplit(in, "vulnerabilities", kev_elem, &ctx, &env, err)) != KS_OK)
        goto out;
    count = json_object_get(env, "count");
    if (json_is_integer(count) && (uint64_t)json_integer_value(count) != ctx.count) {
        rc = ks_err_set(err, KS_EPARSE, "%s: holds %llu entries but its count says %lld",
                        in->name, (unsigned long long)ctx.count,
                        (long long)json_integer_value(count));
        goto out;
    }
    if (json_object_get(env, "catalogVersion") == NULL && ctx.count == 0) {
        rc = ks_err_set(err, KS_EPARSE, "%s: not a KEV catalog (no catalogVersion, no entries)",
                        in->name);
        goto out;
    }
    released = ks_json_str(env, "dateReleased");
    if (released != NULL)
        ks_vdb_put_meta(sink, "data_time", released);
    if (ks_json_str(env, "catalogVersion") != NULL)
        ks_vdb_put_meta(sink, "catalog_version", ks_json_str(env, "catalogVersion"));
    rc = KS_OK;
out:
    json_decref(env);
    return rc;
}
