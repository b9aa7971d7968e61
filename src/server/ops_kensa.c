/*
 * ops_kensa.c: Kensa's own endpoints under /kensa/v1/ (docs/api.md): push
 * an inventory or SBOM for a resource (what `kensa push`, the agent and CI
 * pipelines call), ask the server to scan an image in a registry or a path
 * it may read (a job run by the scanner thread), trigger a DB update (a job
 * too) and watch jobs, read the DB state and change log, ask for a DB check
 * now, and download SBOM exports. Every one is SigV4-authenticated by the
 * caller (dispatch.c) and scoped to the caller's account.
 */
#include "server/server_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "inventory/inventory.h"
#include "vulndb/vulndb.h"

#include "base/banned.h"

#define LOG "server.kensa"
#define MAX_RESOURCE_ID 1024
/* A target string of a scan request. */
#define MAX_TARGET 4096
/* How long POST /kensa/v1/db/check waits for the check (and its re-evaluation). */
#define CHECK_WAIT_MS 30000
/* A DB update job waits this long for the pick-up and re-evaluation it caused. */
#define UPDATE_WAIT_MS (10 * 60000)

static const char *
query(const struct srv_request *rq, const char *key)
{
    for (size_t i = 0; i < rq->n_query; i++)
        if (ks_str_eq_c(rq->query[i].key, key))
            return rq->query[i].value.ptr; /* NUL-terminated: libmicrohttpd's strings */
    return NULL;
}

static void
fail(struct srv_response *rs, unsigned status, const char *type, const char *reason,
     const char *fmt, ...) KS_PRINTF(5, 6);
static void
fail(struct srv_response *rs, unsigned status, const char *type, const char *reason,
     const char *fmt, ...)
{
    char msg[600];
    json_t *extra = reason ? json_pack("{s:s}", "reason", reason) : NULL;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    srv_error_response(rs, status, type, msg, extra);
    json_decref(extra);
}

static void
internal(struct srv_response *rs, const char *what, const struct ks_err *err)
{
    ks_log(KS_LOG_ERROR, LOG, "%s: %s", what, err->msg);
    srv_error_response(rs, 500, "InternalServerException", "internal error", NULL);
}

/* Answer with a JSON document (takes o). */
static void
reply(struct srv_response *rs, unsigned status, json_t *o)
{
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;

    json_decref(o);
    if (text == NULL) {
        srv_error_response(rs, 500, "InternalServerException", "internal error", NULL);
        return;
    }
    ks_buf_reset(&rs->body);
    ks_buf_appends(&rs->body, text);
    ks_free(text);
    rs->status = status;
    rs->content_type = "application/json";
    rs->error_type = NULL;
}

/* A resource id: 1 to 1024 bytes of valid UTF-8 without control characters. */
static bool
resource_id_ok(const char *id)
{
    size_t n = id ? strlen(id) : 0;
    json_t *probe;

    if (n == 0 || n > MAX_RESOURCE_ID)
        return false;
    /* jansson refuses invalid UTF-8: ids end up in JSON documents. */
    if ((probe = json_stringn(id, n)) == NULL)
        return false;
    json_decref(probe);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)id[i] < 0x20 || id[i] == 0x7f)
            return false;
    return true;
}

/* ------------------------------------------------------------------------ */
/* POST /kensa/v1/inventory                                                 */

void
srv_kensa_inventory(struct srv *s, const struct srv_request *rq, const char *account_id,
                    struct srv_response *rs)
{
    const char *rid = query(rq, "resourceId"), *rtype_s = query(rq, "resourceType");
    enum ks_findings_rtype rtype = KS_RT_COUNT;
    struct ks_err err = KS_ERR_INIT;
    struct ks_arena *a = NULL;
    struct ks_inventory *inv = NULL;
    struct ks_store *store = NULL;
    struct srv_eval_out out;
    const char *format = NULL;
    enum ks_code rc;

    if (!resource_id_ok(rid)) {
        fail(rs, 400, "ValidationException", "FIELD_VALIDATION_FAILED",
             "resourceId: a query parameter of 1 to %d characters (no control characters) "
             "naming the resource is required", MAX_RESOURCE_ID);
        return;
    }
    if (rtype_s != NULL && !ks_findings_rtype_parse(ks_str_c(rtype_s), &rtype)) {
        fail(rs, 400, "ValidationException", "FIELD_VALIDATION_FAILED",
             "resourceType: '%.64s' is not HOST, CONTAINER_IMAGE, FUNCTION or CODE_REPOSITORY",
             rtype_s);
        return;
    }
    if (rq->body_len == 0) {
        fail(rs, 400, "ValidationException", "CANNOT_PARSE",
             "the request body must be an inventory: Kensa inventory JSON (kensa sbom --format "
             "json), CycloneDX JSON or SPDX 2.x JSON");
        return;
    }
    if ((a = ks_arena_new(1 << 20)) == NULL) {
        srv_error_response(rs, 500, "InternalServerException", "internal error", NULL);
        return;
    }
    rc = srv_inventory_parse(ks_str_make(rq->body, rq->body_len), "request body", &rtype, rid, a,
                             &inv, &format, &err);
    if (rc != KS_OK) {
        ks_arena_free(a);
        if (rc == KS_ENOMEM)
            internal(rs, "push", &err);
        else
            fail(rs, 400, "ValidationException", "CANNOT_PARSE", "%s", err.msg);
        return;
    }
    if ((store = srv_pool_get(s, &err)) == NULL) {
        ks_arena_free(a);
        internal(rs, "push: no store handle", &err);
        return;
    }
    rc = srv_eval_inventory(s, store, account_id, rtype, rid, inv, a, &out, &err);
    srv_pool_put(s, store);
    ks_events_notify(s->events);
    switch (rc) {
    case KS_OK:
        reply(rs, out.evaluated ? 200 : 202, srv_eval_json(account_id, rtype, rid, format, &out));
        break;
    case KS_ECONFLICT:
        fail(rs, 409, "ConflictException", NULL, "%s",
             strncmp(err.msg, "store: ", 7) == 0 ? err.msg + 7 : err.msg);
        break;
    case KS_EINVAL:
    case KS_EPARSE:
    case KS_ETOOBIG:
        fail(rs, 400, "ValidationException", "FIELD_VALIDATION_FAILED", "%s",
             strncmp(err.msg, "store: ", 7) == 0 ? err.msg + 7 : err.msg);
        break;
    default:
        internal(rs, "push", &err);
        break;
    }
}

/* ------------------------------------------------------------------------ */
/* Scan requests and jobs                                                   */

/* Is path (resolved) inside one of the configured scan paths? */
static bool
path_allowed(const struct srv *s, const char *path, char resolved[PATH_MAX])
{
    for (size_t i = 0; i < s->cfg.n_scan_paths; i++) {
        char root[PATH_MAX];
        size_t n;

        if (realpath(s->cfg.scan_paths[i], root) == NULL)
            continue;
        n = strlen(root);
        if (strncmp(resolved, root, n) == 0 &&
            (resolved[n] == '\0' || resolved[n] == '/' || (n == 1 && root[0] == '/')))
            return true;
    }
    (void)path;
    return false;
}

/* The registry host[:port] of "HOST/REPO:TAG". */
static bool
registry_insecure(const struct srv *s, const char *ref)
{
    size_t n = strcspn(ref, "/");

    for (size_t i = 0; i < s->cfg.n_insecure_registries; i++)
        if (strlen(s->cfg.insecure_registries[i]) == n &&
            strncmp(s->cfg.insecure_registries[i], ref, n) == 0)
            return true;
    return false;
}

void
srv_kensa_scan(struct srv *s, const struct srv_request *rq, const char *account_id,
               struct srv_response *rs)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_target_spec spec;
    struct ks_store *store = NULL;
    json_t *in = NULL, *payload = NULL;
    const char *target, *rid, *rtype_s, *platform, *kind;
    enum ks_findings_rtype rtype = KS_RT_HOST;
    char job[37];

    if (rq->body_len == 0 ||
        ks_json_parse(rq->body, rq->body_len, "request body", &in, &err) != KS_OK ||
        !json_is_object(in)) {
        fail(rs, 400, "ValidationException", "CANNOT_PARSE", "%s",
             err.msg[0] ? err.msg
                        : "the request body must be {\"target\": \"registry:HOST/REPO:TAG\" | "
                          "\"dir:PATH\" | ..., \"resourceId\", \"resourceType\"}");
        json_decref(in);
        return;
    }
    target = ks_json_str(in, "target");
    rid = ks_json_str(in, "resourceId");
    rtype_s = ks_json_str(in, "resourceType");
    platform = ks_json_str(in, "platform");
    {
        const char *k;
        json_t *v;

        json_object_foreach(in, k, v) {
            if (strcmp(k, "target") != 0 && strcmp(k, "resourceId") != 0 &&
                strcmp(k, "resourceType") != 0 && strcmp(k, "platform") != 0) {
                fail(rs, 400, "ValidationException", "FIELD_VALIDATION_FAILED",
                     "%.64s: unknown member (target, resourceId, resourceType, platform)", k);
                goto out;
            }
            if (!json_is_string(v)) {
                fail(rs, 400, "ValidationException", "FIELD_VALIDATION_FAILED",
                     "%.64s: must be a string", k);
                goto out;
            }
        }
    }
    if (target == NULL || target[0] == '\0' || strlen(target) > MAX_TARGET) {
        fail(rs, 400, "ValidationException", "FIELD_VALIDATION_FAILED",
             "target: 1 to %d characters naming what to scan is required", MAX_TARGET);
        goto out;
    }
    if (rid != NULL && !resource_id_ok(rid)) {
        fail(rs, 400, "ValidationException", "FIELD_VALIDATION_FAILED",
             "resourceId: 1 to %d characters, no control characters", MAX_RESOURCE_ID);
        goto out;
    }
    if (platform != NULL && (strlen(platform) > 64 || strchr(platform, '/') == NULL)) {
        fail(rs, 400, "ValidationException", "FIELD_VALIDATION_FAILED",
             "platform: expected OS/ARCH[/VARIANT] (linux/amd64)");
        goto out;
    }
    if (ks_target_parse(target, &spec, &err) != KS_OK) {
        fail(rs, 400, "ValidationException", "FIELD_VALIDATION_FAILED", "target: %s", err.msg);
        goto out;
    }
    switch (spec.kind) {
    case KS_TARGET_REGISTRY:
    case KS_TARGET_IMAGE: rtype = KS_RT_CONTAINER_IMAGE; break;
    case KS_TARGET_FUNCTION: rtype = KS_RT_FUNCTION; break;
    case KS_TARGET_REPO: rtype = KS_RT_CODE_REPOSITORY; break;
    default: rtype = KS_RT_HOST; break;
    }
    if (rtype_s != NULL && !ks_findings_rtype_parse(ks_str_c(rtype_s), &rtype)) {
        fail(rs, 400, "ValidationException", "FIELD_VALIDATION_FAILED",
             "resourceType: '%.64s' is not HOST, CONTAINER_IMAGE, FUNCTION or CODE_REPOSITORY",
             rtype_s);
        goto out;
    }
    if (spec.kind == KS_TARGET_REGISTRY) {
        kind = "scan-image";
    } else {
        char resolved[PATH_MAX];
        bool ok = realpath(spec.path, resolved) != NULL;

        /* image:PATH:NAME names one image of an archive: the path is before the last ':'. */
        if (!ok && spec.kind == KS_TARGET_IMAGE && strrchr(spec.path, ':') != NULL) {
            char p[PATH_MAX];
            size_t n = (size_t)(strrchr(spec.path, ':') - spec.path);

            if (n < sizeof(p)) {
                memcpy(p, spec.path, n);
                p[n] = '\0';
                ok = realpath(p, resolved) != NULL;
            }
        }
        if (s->cfg.n_scan_paths == 0) {
            fail(rs, 403, "AccessDeniedException", NULL,
                 "this server scans no paths: its configuration names no scanPaths");
            goto out;
        }
        if (!ok || !path_allowed(s, spec.path, resolved)) {
            /* The same answer for absent and forbidden paths: no probing of the server's disk. */
            fail(rs, 403, "AccessDeniedException", NULL,
                 "target: '%.200s' is not a readable path under the server's scanPaths",
                 spec.path);
            goto out;
        }
        kind = "scan-path";
    }
    payload = json_pack("{s:s, s:s, s:b}", "target", target, "resourceType",
                        ks_findings_rtype_name(rtype), "insecure",
                        spec.kind == KS_TARGET_REGISTRY && registry_insecure(s, spec.path));
    if (payload == NULL) {
        srv_error_response(rs, 500, "InternalServerException", "internal error", NULL);
        goto out;
    }
    if (rid != NULL)
        json_object_set_new(payload, "resourceId", json_string(rid));
    if (platform != NULL)
        json_object_set_new(payload, "platform", json_string(platform));
    if ((store = srv_pool_get(s, &err)) == NULL ||
        ks_store_job_add(store, account_id, kind, payload, ks_time_now_ms(), job, &err) != KS_OK) {
        internal(rs, "scan request", &err);
        goto out;
    }
    pthread_mutex_lock(&s->worker_mu);
    pthread_cond_broadcast(&s->scanner_cv);
    pthread_mutex_unlock(&s->worker_mu);
    reply(rs, 202, json_pack("{s:s, s:s, s:s}", "jobId", job, "kind", kind, "status", "QUEUED"));
out:
    if (store != NULL)
        srv_pool_put(s, store);
    json_decref(payload);
    json_decref(in);
}

static json_t *
job_json(const struct ks_store_job *j)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:O, s:o}", "jobId", j->job_id, "kind", j->kind,
                          "status", j->status, "request", j->payload, "createdAt",
                          ks_findings_time_json(j->created_ms, KS_TS_RFC3339));

    if (o == NULL)
        return NULL;
    if (j->started_ms > 0)
        json_object_set_new(o, "startedAt", ks_findings_time_json(j->started_ms, KS_TS_RFC3339));
    if (j->finished_ms > 0)
        json_object_set_new(o, "finishedAt",
                            ks_findings_time_json(j->finished_ms, KS_TS_RFC3339));
    if (j->error[0])
        json_object_set_new(o, "error", json_string(j->error));
    if (j->result != NULL)
        json_object_set(o, "result", j->result);
    return o;
}

void
srv_kensa_job(struct srv *s, const char *account_id, struct ks_str job_id,
              struct srv_response *rs)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_store *store = srv_pool_get(s, &err);
    struct ks_store_job j;
    char id[64];
    enum ks_code rc;

    if (store == NULL) {
        internal(rs, "job", &err);
        return;
    }
    snprintf(id, sizeof(id), KS_STR_FMT, KS_STR_ARG(job_id));
    rc = ks_store_job_get(store, account_id, id, &j, &err);
    srv_pool_put(s, store);
    if (rc == KS_ENOTFOUND) {
        fail(rs, 404, "ResourceNotFoundException", NULL, "no job '%.64s' in this account", id);
        return;
    }
    if (rc != KS_OK) {
        internal(rs, "job", &err);
        return;
    }
    reply(rs, 200, job_json(&j));
    ks_store_job_release(&j);
}

/* ------------------------------------------------------------------------ */
/* The vulnerability DB                                                     */

static void
db_state(struct srv *s, const char *account_id, struct srv_response *rs, int checked)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_store *store = srv_pool_get(s, &err);
    json_t *o;

    if (store == NULL) {
        internal(rs, "db state", &err);
        return;
    }
    o = srv_vdb_json(s, store, account_id, &err);
    srv_pool_put(s, store);
    if (o == NULL) {
        internal(rs, "db state", &err);
        return;
    }
    if (checked >= 0)
        json_object_set_new(o, "checked", json_boolean(checked));
    reply(rs, 200, o);
}

void
srv_kensa_db(struct srv *s, const char *account_id, struct srv_response *rs)
{
    db_state(s, account_id, rs, -1);
}

void
srv_kensa_db_check(struct srv *s, const char *account_id, struct srv_response *rs)
{
    if (s->cfg.vulndb_path[0] == '\0') {
        fail(rs, 409, "ConflictException", NULL, "the server was started without --db");
        return;
    }
    db_state(s, account_id, rs, srv_vdb_check(s, CHECK_WAIT_MS) ? 1 : 0);
}

void
srv_kensa_db_update(struct srv *s, const struct srv_request *rq, const char *account_id,
                    struct srv_response *rs)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_store *store = NULL;
    json_t *in = NULL, *only = NULL;
    char job[37];

    if (s->cfg.vulndb_path[0] == '\0') {
        fail(rs, 409, "ConflictException", NULL, "the server was started without --db");
        return;
    }
    if (rq->body_len > 0) {
        const char *k;
        json_t *v;
        size_t i;

        if (ks_json_parse(rq->body, rq->body_len, "request body", &in, &err) != KS_OK ||
            !json_is_object(in)) {
            fail(rs, 400, "ValidationException", "CANNOT_PARSE", "%s",
                 err.msg[0] ? err.msg : "the request body must be {\"only\": [SOURCE, ...]}");
            goto out;
        }
        json_object_foreach(in, k, v) {
            if (strcmp(k, "only") != 0) {
                fail(rs, 400, "ValidationException", "FIELD_VALIDATION_FAILED",
                     "%.64s: unknown member (only)", k);
                goto out;
            }
        }
        only = json_object_get(in, "only");
        if (only != NULL && (!json_is_array(only) || json_array_size(only) > 64)) {
            fail(rs, 400, "ValidationException", "FIELD_VALIDATION_FAILED",
                 "only: a list of up to 64 sources or kinds (osv, osv:Debian, nvd, epss, kev)");
            goto out;
        }
        json_array_foreach(only, i, v) {
            if (!json_is_string(v) || json_string_length(v) == 0 || json_string_length(v) > 128) {
                fail(rs, 400, "ValidationException", "FIELD_VALIDATION_FAILED",
                     "only[%zu]: a source name or kind of 1 to 128 characters", i);
                goto out;
            }
        }
    }
    if ((store = srv_pool_get(s, &err)) == NULL ||
        ks_store_job_add(store, account_id, "db-update", only ? in : NULL, ks_time_now_ms(),
                         job, &err) != KS_OK) {
        internal(rs, "db update request", &err);
        goto out;
    }
    pthread_mutex_lock(&s->worker_mu);
    pthread_cond_broadcast(&s->scanner_cv);
    pthread_mutex_unlock(&s->worker_mu);
    reply(rs, 202, json_pack("{s:s, s:s, s:s}", "jobId", job, "kind", "db-update", "status",
                             "QUEUED"));
out:
    if (store != NULL)
        srv_pool_put(s, store);
    json_decref(in);
}

/* ------------------------------------------------------------------------ */
/* SBOM export download                                                     */

void
srv_kensa_sbom_download(struct srv *s, const char *account_id, struct ks_str id,
                        struct srv_response *rs)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_store *store = srv_pool_get(s, &err);
    struct ks_store_report r;
    char rid[64];
    enum ks_code rc;

    if (store == NULL) {
        internal(rs, "sbom download", &err);
        return;
    }
    snprintf(rid, sizeof(rid), KS_STR_FMT, KS_STR_ARG(id));
    rc = ks_store_report_get(store, account_id, KS_REPORT_SBOM, rid, &r, &err);
    srv_pool_put(s, store);
    if (rc == KS_ENOTFOUND || (rc == KS_OK && r.local_path[0] == '\0')) {
        if (rc == KS_OK)
            ks_store_report_release(&r);
        fail(rs, 404, "ResourceNotFoundException", NULL,
             "no finished SBOM export with that id to download");
        return;
    }
    if (rc != KS_OK) {
        internal(rs, "sbom download", &err);
        return;
    }
    snprintf(rs->file_path, sizeof(rs->file_path), "%s", r.local_path);
    rs->content_type = "application/zip";
    rs->status = 200;
    ks_store_report_release(&r);
}

/* ------------------------------------------------------------------------ */
/* Running jobs (the scanner thread)                                        */

static void
run_scan(struct srv *s, struct ks_store *store, struct ks_store_job *job, json_t **result,
         struct ks_err *err, bool *ok)
{
    const char *target = ks_json_str(job->payload, "target");
    const char *rid = ks_json_str(job->payload, "resourceId");
    struct ks_inventory_opts opts;
    struct ks_arena *a = ks_arena_new(1 << 20);
    struct ks_inventory *inv = NULL;
    enum ks_findings_rtype rtype = KS_RT_HOST;
    struct srv_eval_out out;
    char derived[2100];
    enum ks_code rc;

    *ok = false;
    memset(&opts, 0, sizeof(opts));
    opts.platform = ks_json_str(job->payload, "platform");
    opts.insecure = json_is_true(json_object_get(job->payload, "insecure"));
    opts.no_kernel = true; /* a path the server reads is not the server's running host */
    ks_findings_rtype_parse(ks_str_c(ks_json_str(job->payload, "resourceType")), &rtype);
    if (a == NULL || target == NULL) {
        ks_err_set(err, a == NULL ? KS_ENOMEM : KS_EINVAL, "%s",
                   a == NULL ? "out of memory" : "the job names no target");
        ks_arena_free(a);
        return;
    }
    if ((rc = ks_inventory_from_target(target, &opts, a, &inv, err)) != KS_OK) {
        ks_arena_free(a);
        return;
    }
    if (rid == NULL) {
        /* As kensa scan names it: an image by repository@digest, else the target. */
        const char *digest = ks_kvs_get(&inv->target.details, "imageDigest");
        const char *repo = ks_kvs_get(&inv->target.details, "repository");

        if (digest != NULL)
            snprintf(derived, sizeof(derived), "%s%s%s", repo ? repo : "", repo ? "@" : "",
                     digest);
        else
            snprintf(derived, sizeof(derived), "%s", target);
        rid = derived;
    }
    inv->target.type = srv_resource_type(rtype);
    rc = srv_eval_inventory(s, store, job->account_id, rtype, rid, inv, a, &out, err);
    ks_events_notify(s->events);
    if (rc != KS_OK)
        return;
    *result = srv_eval_json(job->account_id, rtype, rid, target, &out);
    *ok = *result != NULL;
    if (!*ok)
        ks_err_set(err, KS_ENOMEM, "out of memory");
}

/*
 * Update the DB at --db from the configured mirror or feeds (only: the
 * sources to update, or all), then let the watcher pick the new file up
 * and re-evaluate before returning: *result describes what happened.
 */
static void
db_update(struct srv *s, const json_t *only, json_t **result, struct ks_err *err, bool *ok)
{
    struct ks_vulndb_update_opts o;
    struct ks_vulndb_summary sum;
    struct ks_arena *a = ks_arena_new(1 << 16);
    const char *names[64];
    json_t *sources;
    size_t n = 0, i;
    json_t *v;
    bool picked;

    *ok = false;
    if (a == NULL) {
        ks_err_set(err, KS_ENOMEM, "out of memory");
        return;
    }
    memset(&o, 0, sizeof(o));
    memset(&sum, 0, sizeof(sum));
    o.mirror = s->cfg.vulndb_mirror[0] ? s->cfg.vulndb_mirror : NULL;
    o.config_path = s->cfg.vulndb_config[0] ? s->cfg.vulndb_config : NULL;
    json_array_foreach(only, i, v) {
        if (n < KS_ARRAY_LEN(names) && json_is_string(v))
            names[n++] = json_string_value(v);
    }
    o.only = names;
    o.n_only = n;
    if (ks_vulndb_update(s->cfg.vulndb_path, &o, a, &sum, err) != KS_OK) {
        ks_arena_free(a);
        return;
    }
    sources = json_array();
    for (i = 0; sources != NULL && i < sum.n_sources; i++)
        json_array_append_new(sources,
                              json_pack("{s:s, s:s, s:I}", "name", sum.sources[i].name, "state",
                                        sum.sources[i].state, "records",
                                        (json_int_t)sum.sources[i].records));
    /* Let the watcher pick the new file up and re-evaluate before reporting done. */
    picked = srv_vdb_check(s, UPDATE_WAIT_MS);
    *result = json_pack("{s:b, s:I, s:I, s:o, s:b}", "written", sum.written, "seq",
                        (json_int_t)sum.seq, "advisories", (json_int_t)sum.advisories_total,
                        "sources", sources ? sources : json_array(), "reevaluated", picked);
    ks_arena_free(a);
    *ok = *result != NULL;
    if (!*ok)
        ks_err_set(err, KS_ENOMEM, "out of memory");
}

static void
run_db_update(struct srv *s, struct ks_store_job *job, json_t **result, struct ks_err *err,
              bool *ok)
{
    db_update(s, json_object_get(job->payload, "only"), result, err, ok);
}

void
srv_vdb_update_if_due(struct srv *s, int64_t *last_ms)
{
    struct ks_vulndb *db = NULL;
    struct ks_err err = KS_ERR_INIT;
    json_t *result = NULL;
    const char *oldest = NULL;
    int64_t now = ks_time_now_ms(), age = -1;
    uint64_t gen = 0, t0;
    bool ok = false;

    if (s->cfg.vulndb_update_ms <= 0 || s->cfg.vulndb_path[0] == '\0' ||
        (*last_ms > 0 && now - *last_ms < s->cfg.vulndb_update_ms))
        return;
    /* Due when the stalest source of the DB in use is older than the period, or */
    /* there is no DB (or its age is unknown: no sources recorded). */
    if (srv_vdb_acquire(s, &db, &gen, &err) == KS_OK) {
        age = ks_vulndb_age(db, (time_t)(now / 1000), &oldest);
        srv_vdb_release(s, db, gen);
        if (age >= 0 && age * 1000 < s->cfg.vulndb_update_ms)
            return;
    }
    *last_ms = now;
    t0 = ks_clock_ns();
    err = (struct ks_err)KS_ERR_INIT;
    if (age < 0)
        ks_log(KS_LOG_INFO, LOG, "scheduled db update: no db, or its age is unknown");
    else
        ks_log(KS_LOG_INFO, LOG, "scheduled db update: the db is %lld s old (source '%s')",
               (long long)age, oldest ? oldest : "?");
    db_update(s, NULL, &result, &err, &ok);
    if (ok)
        ks_log(KS_LOG_INFO, LOG, "scheduled db update: written=%d seq=%lld reevaluated=%d ms=%.1f",
               json_is_true(json_object_get(result, "written")),
               (long long)json_integer_value(json_object_get(result, "seq")),
               json_is_true(json_object_get(result, "reevaluated")),
               (double)(ks_clock_ns() - t0) / 1e6);
    else
        ks_log(KS_LOG_WARN, LOG, "scheduled db update failed (next try in %lld s): %s",
               (long long)(s->cfg.vulndb_update_ms / 1000), err.msg);
    json_decref(result);
}

void
srv_job_run(struct srv *s, struct ks_store *store, struct ks_store_job *job)
{
    struct ks_err err = KS_ERR_INIT, ferr = KS_ERR_INIT;
    json_t *result = NULL;
    bool ok = false;
    uint64_t t0 = ks_clock_ns();

    if (strcmp(job->kind, "scan-image") == 0 || strcmp(job->kind, "scan-path") == 0)
        run_scan(s, store, job, &result, &err, &ok);
    else if (strcmp(job->kind, "db-update") == 0)
        run_db_update(s, job, &result, &err, &ok);
    else
        ks_err_set(&err, KS_EINVAL, "unknown job kind '%s'", job->kind);
    if (ks_store_job_finish_result(store, job->job_id, ok, ok ? NULL : err.msg, result,
                                   ks_time_now_ms(), &ferr) != KS_OK)
        ks_log(KS_LOG_ERROR, LOG, "job=%s cannot record its result: %s", job->job_id, ferr.msg);
    ks_log(ok ? KS_LOG_INFO : KS_LOG_WARN, LOG, "job=%s kind=%s account=%s status=%s%s%s ms=%.1f",
           job->job_id, job->kind, job->account_id, ok ? "SUCCEEDED" : "FAILED",
           ok ? "" : " error=", ok ? "" : err.msg, (double)(ks_clock_ns() - t0) / 1e6);
    json_decref(result);
}
