/*
 * dispatch.c: one request from route to response, independent of the HTTP
 * library: route, authenticate, parse and validate the body against the
 * model, run the operation on a pooled store handle, and write the
 * REST-JSON answer or an AWS error document ({"message": …} plus
 * x-amzn-ErrorType). Also paging tokens, Prometheus metrics and Kensa's
 * own endpoints.
 */
#include "server/server_int.h"

#include <math.h>
#include <string.h>

#include "base/banned.h"

/* ------------------------------------------------------------------------ */
/* Errors                                                                   */

void
srv_error_response(struct srv_response *rs, unsigned status, const char *type,
                   const char *message, const json_t *extra)
{
    json_t *o = json_object();
    char *text;

    rs->status = status;
    rs->error_type = type;
    rs->content_type = "application/json";
    ks_buf_reset(&rs->body);
    if (o != NULL) {
        if (extra != NULL)
            json_object_update(o, (json_t *)extra);
        json_object_set_new(o, "message", json_string(message));
    }
    text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    if (text != NULL) {
        ks_buf_appends(&rs->body, text);
        ks_free(text);
    } else {
        ks_buf_appends(&rs->body, "{\"message\":\"internal error\"}");
    }
    json_decref(o);
}

enum ks_code
srv_fail(struct srv_call *c, unsigned status, const char *type, const char *fmt, ...)
{
    va_list ap;

    c->status = status;
    c->error_type = type;
    va_start(ap, fmt);
    vsnprintf(c->message, sizeof(c->message), fmt, ap);
    va_end(ap);
    return KS_EINVAL;
}

enum ks_code
srv_fail_store(struct srv_call *c, enum ks_code rc, const struct ks_err *err)
{
    const char *msg = err->msg[0] ? err->msg : ks_code_text(rc);

    /* Store messages carry a "store: " prefix meant for logs. */
    if (strncmp(msg, "store: ", 7) == 0)
        msg += 7;
    switch (rc) {
    case KS_EINVAL:
    case KS_EPARSE: {
        json_t *extra = json_pack("{s:s}", "reason", "FIELD_VALIDATION_FAILED");

        c->error_extra = extra;
        return srv_fail(c, 400, "ValidationException", "%s", msg);
    }
    case KS_ENOTFOUND: return srv_fail(c, 404, "ResourceNotFoundException", "%s", msg);
    case KS_ECONFLICT: return srv_fail(c, 409, "ConflictException", "%s", msg);
    case KS_ETOOBIG: return srv_fail(c, 402, "ServiceQuotaExceededException", "%s", msg);
    default:
        ks_log(KS_LOG_ERROR, "server", "op=%s account=%s error=\"%s\"",
               c->op ? c->op->name : "-", c->account_id ? c->account_id : "-", msg);
        return srv_fail(c, 500, "InternalServerException", "internal error");
    }
}

/* ------------------------------------------------------------------------ */
/* Paging                                                                   */

/* Bind tokens to the request minus its paging members, so a token cannot be
 * reused with other criteria. */
static enum ks_code
request_hash(struct srv_call *c, char out[17])
{
    json_t *copy = json_deep_copy(c->in);
    char *text;
    struct ks_buf b = KS_BUF_INIT((size_t)4 << 20);
    char hex[65];

    if (copy == NULL)
        return KS_ENOMEM;
    json_object_del(copy, "nextToken");
    json_object_del(copy, "maxResults");
    text = json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(copy);
    if (text == NULL)
        return KS_ENOMEM;
    ks_buf_appendf(&b, "%s\n%s\n%s", c->op->name, c->account_id, text);
    ks_free(text);
    if (ks_buf_err(&b) != KS_OK) {
        ks_buf_release(&b);
        return KS_ENOMEM;
    }
    ks_sha256_hex(b.data, b.len, hex);
    ks_buf_release(&b);
    memcpy(out, hex, 16);
    out[16] = '\0';
    return KS_OK;
}

enum ks_code
srv_paging_begin(struct srv_call *c, size_t def, size_t max, struct srv_paging *p)
{
    const json_t *mr = json_object_get(c->in, "maxResults");
    const char *tok = ks_json_str(c->in, "nextToken");

    memset(p, 0, sizeof(*p));
    p->limit = def;
    if (json_is_integer(mr))
        p->limit = (size_t)json_integer_value(mr);
    if (p->limit < 1 || p->limit > max)
        return srv_fail(c, 400, "ValidationException", "maxResults must be from 1 to %zu", max);
    if (request_hash(c, p->hash) != KS_OK)
        return srv_fail(c, 500, "InternalServerException", "internal error");
    if (tok != NULL && tok[0] != '\0') {
        struct ks_str head, tail;
        uint64_t off;

        if (!ks_str_split2(ks_str_c(tok), '.', &head, &tail) ||
            ks_parse_u64(head, 10000000, &off) != KS_OK || !ks_str_eq_c(tail, p->hash))
            return srv_fail(c, 400, "ValidationException",
                            "nextToken is not a token of this request (same operation and "
                            "criteria)");
        p->offset = (size_t)off;
    }
    return KS_OK;
}

enum ks_code
srv_paging_end(struct srv_call *c, const struct srv_paging *p, bool more)
{
    char tok[64];

    if (!more)
        return KS_OK;
    snprintf(tok, sizeof(tok), "%zu.%s", p->offset + p->limit, p->hash);
    if (json_object_set_new(c->out, "nextToken", json_string(tok)) != 0)
        return srv_fail(c, 500, "InternalServerException", "internal error");
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* Metrics                                                                  */

static const double latency_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                        0.1,   0.25,   0.5,   1.0,  2.5};

void
srv_metrics_record(struct srv *s, const char *op, unsigned status, uint64_t ns)
{
    char key[128];
    uint64_t *n;
    double secs = (double)ns / 1e9;
    size_t b = 0;

    snprintf(key, sizeof(key), "%s %u", op ? op : "-", status);
    pthread_mutex_lock(&s->metrics_mu);
    n = ks_map_get(s->counters, ks_str_c(key));
    if (n == NULL && ks_map_len(s->counters) < 4096 && (n = ks_calloc(1, sizeof(*n))) != NULL &&
        ks_map_put(s->counters, ks_str_c(key), n, NULL) != KS_OK) {
        ks_free(n);
        n = NULL;
    }
    if (n != NULL)
        (*n)++;
    while (b < KS_ARRAY_LEN(latency_bounds) && secs > latency_bounds[b])
        b++;
    s->latency_buckets[b]++;
    s->latency_count++;
    s->latency_sum += secs;
    pthread_mutex_unlock(&s->metrics_mu);
}

static void
metrics_text(struct srv *s, struct srv_response *rs)
{
    struct ks_buf *o = &rs->body;
    struct ks_store_stats st;
    struct ks_events_stats es;
    struct ks_err err = KS_ERR_INIT;
    struct ks_store *store = srv_pool_get(s, &err);
    int64_t pending = 0;
    uint64_t cum = 0;
    size_t pos = 0;
    struct ks_str k;
    void *v;

    memset(&st, 0, sizeof(st));
    if (store != NULL) {
        ks_store_stats(store, &st, &err);
        srv_pool_put(s, store);
    }
    ks_events_get_stats(s->events, &es, &pending);
    ks_buf_appendf(o, "# HELP kensa_build_info Kensa version.\n# TYPE kensa_build_info gauge\n"
                      "kensa_build_info{version=\"%s\"} 1\n", KS_VERSION_STRING);
    ks_buf_appendf(o, "# HELP kensa_uptime_seconds Seconds since the server started.\n"
                      "# TYPE kensa_uptime_seconds gauge\nkensa_uptime_seconds %.3f\n",
                   (double)(ks_time_now_ms() - s->started_ms) / 1000.0);
    ks_buf_appends(o, "# HELP kensa_http_requests_total Requests by operation and status.\n"
                      "# TYPE kensa_http_requests_total counter\n");
    pthread_mutex_lock(&s->metrics_mu);
    while (ks_map_next(s->counters, &pos, &k, &v)) {
        struct ks_str opn, code;

        if (ks_str_split2(k, ' ', &opn, &code))
            ks_buf_appendf(o, "kensa_http_requests_total{op=\"" KS_STR_FMT "\",code=\"" KS_STR_FMT
                              "\"} %llu\n",
                           KS_STR_ARG(opn), KS_STR_ARG(code), (unsigned long long)*(uint64_t *)v);
    }
    ks_buf_appends(o, "# HELP kensa_http_request_duration_seconds Request latency.\n"
                      "# TYPE kensa_http_request_duration_seconds histogram\n");
    for (size_t b = 0; b <= KS_ARRAY_LEN(latency_bounds); b++) {
        cum += s->latency_buckets[b];
        if (b < KS_ARRAY_LEN(latency_bounds))
            ks_buf_appendf(o, "kensa_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n",
                           latency_bounds[b], (unsigned long long)cum);
        else
            ks_buf_appendf(o, "kensa_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n",
                           (unsigned long long)cum);
    }
    ks_buf_appendf(o, "kensa_http_request_duration_seconds_sum %.6f\n"
                      "kensa_http_request_duration_seconds_count %llu\n",
                   s->latency_sum, (unsigned long long)s->latency_count);
    pthread_mutex_unlock(&s->metrics_mu);
    ks_buf_appendf(o,
                   "# HELP kensa_findings Findings by status.\n# TYPE kensa_findings gauge\n"
                   "kensa_findings{status=\"ACTIVE\"} %lld\n"
                   "kensa_findings{status=\"SUPPRESSED\"} %lld\n"
                   "kensa_findings{status=\"CLOSED\"} %lld\n"
                   "# HELP kensa_accounts Accounts.\n# TYPE kensa_accounts gauge\n"
                   "kensa_accounts %lld\n"
                   "# HELP kensa_resources Resources known.\n# TYPE kensa_resources gauge\n"
                   "kensa_resources %lld\n"
                   "# HELP kensa_outbox_events Events kept in the outbox.\n"
                   "# TYPE kensa_outbox_events gauge\nkensa_outbox_events %lld\n",
                   (long long)st.findings_active, (long long)st.findings_suppressed,
                   (long long)st.findings_closed, (long long)st.accounts, (long long)st.resources,
                   (long long)st.outbox_events);
    ks_buf_appendf(o,
                   "# HELP kensa_events_delivered_total Webhook deliveries that got a 2xx.\n"
                   "# TYPE kensa_events_delivered_total counter\nkensa_events_delivered_total %llu\n"
                   "# HELP kensa_events_failed_total Failed webhook attempts (retried).\n"
                   "# TYPE kensa_events_failed_total counter\nkensa_events_failed_total %llu\n"
                   "# HELP kensa_events_dead_total Events given up after the last retry.\n"
                   "# TYPE kensa_events_dead_total counter\nkensa_events_dead_total %llu\n"
                   "# HELP kensa_events_pending Events waiting for delivery.\n"
                   "# TYPE kensa_events_pending gauge\nkensa_events_pending %lld\n",
                   (unsigned long long)es.delivered, (unsigned long long)es.failed,
                   (unsigned long long)es.dead, (long long)pending);
    rs->status = 200;
    rs->content_type = "text/plain; version=0.0.4";
}

/* ------------------------------------------------------------------------ */
/* Kensa endpoints                                                          */

static bool
bearer_ok(struct srv *s, const struct srv_request *rq)
{
    char want[160];

    if (s->cfg.metrics_token[0] == '\0')
        return false;
    snprintf(want, sizeof(want), "Bearer %s", s->cfg.metrics_token);
    for (size_t i = 0; i < rq->n_headers; i++)
        if (ks_str_ieq_c(rq->headers[i].key, "authorization"))
            return ks_sigv4_equal(rq->headers[i].value, ks_str_c(want));
    return false;
}

static void
report_download(struct srv *s, const struct srv_auth *who, struct ks_str id,
                struct srv_response *rs)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_store *store = srv_pool_get(s, &err);
    struct ks_store_report r;
    char rid[64];
    enum ks_code rc;

    if (store == NULL) {
        srv_error_response(rs, 500, "InternalServerException", "internal error", NULL);
        return;
    }
    snprintf(rid, sizeof(rid), KS_STR_FMT, KS_STR_ARG(id));
    rc = ks_store_report_get(store, who->account_id, KS_REPORT_FINDINGS, rid, &r, &err);
    srv_pool_put(s, store);
    if (rc == KS_ENOTFOUND || (rc == KS_OK && r.local_path[0] == '\0')) {
        if (rc == KS_OK)
            ks_store_report_release(&r);
        srv_error_response(rs, 404, "ResourceNotFoundException",
                           "no finished report with that id to download", NULL);
        return;
    }
    if (rc != KS_OK) {
        srv_error_response(rs, 500, "InternalServerException", "internal error", NULL);
        return;
    }
    snprintf(rs->file_path, sizeof(rs->file_path), "%s", r.local_path);
    rs->content_type = strcmp(r.format, "CSV") == 0 ? "text/csv" : "application/json";
    rs->status = 200;
    ks_store_report_release(&r);
}

static void
kensa_route(struct srv *s, const struct srv_request *rq, const struct srv_route *rt,
            struct srv_response *rs)
{
    struct srv_auth who;

    switch (rt->kensa) {
    case SRV_K_HEALTHZ:
        rs->op = "healthz";
        rs->status = 200;
        rs->content_type = "application/json";
        ks_buf_appends(&rs->body, "{\"status\":\"ok\"}");
        return;
    case SRV_K_METRICS:
        rs->op = "metrics";
        if (!bearer_ok(s, rq) && !srv_authenticate(s, rq, true, &who, rs))
            return;
        metrics_text(s, rs);
        return;
    case SRV_K_REPORT_DOWNLOAD:
        rs->op = "DownloadReport";
        if (!srv_authenticate(s, rq, true, &who, rs))
            return;
        report_download(s, &who, rt->tail, rs);
        return;
    }
}

/* ------------------------------------------------------------------------ */
/* Inspector2 operations                                                    */

void
srv_handle(struct srv *s, const struct srv_request *rq, struct srv_response *rs)
{
    struct srv_route rt;
    struct srv_auth who;
    struct srv_call call;
    struct srv_vfail vf;
    struct ks_err err = KS_ERR_INIT;
    json_t *in = NULL;
    char msg[300];
    enum ks_code rc;

    memset(&call, 0, sizeof(call));
    rs->status = 500;
    rs->content_type = "application/json";
    if (rq->too_many) {
        srv_error_response(rs, 400, "ValidationException",
                           "too many headers or query parameters", NULL);
        return;
    }
    srv_route(ks_str_c(rq->method), ks_str_c(rq->path), &rt);
    switch (rt.kind) {
    case SRV_ROUTE_NONE:
        snprintf(msg, sizeof(msg), "no operation at %.16s %.200s", rq->method, rq->path);
        srv_error_response(rs, 404, "UnknownOperationException", msg, NULL);
        return;
    case SRV_ROUTE_METHOD:
        snprintf(msg, sizeof(msg), "method %.16s is not allowed on %.200s", rq->method, rq->path);
        srv_error_response(rs, 405, "UnknownOperationException", msg, NULL);
        return;
    case SRV_ROUTE_KENSA:
        kensa_route(s, rq, &rt, rs);
        return;
    default: break;
    }
    rs->op = rt.op->name;
    if (!srv_authenticate(s, rq, rt.read_only, &who, rs))
        return;
    if (rt.fn == NULL) {
        snprintf(msg, sizeof(msg), "Kensa does not implement %s", rt.op->name);
        srv_error_response(rs, 501, "NotImplementedException", msg, NULL);
        return;
    }
    /* An empty body is an empty input (operations without members send none). */
    if (rq->body_len == 0) {
        in = json_object();
    } else if (ks_json_parse(rq->body, rq->body_len, "request body", &in, &err) != KS_OK) {
        json_t *extra = json_pack("{s:s}", "reason", "CANNOT_PARSE");

        srv_error_response(rs, err.code == KS_ENOMEM ? 500 : 400,
                           err.code == KS_ENOMEM ? "InternalServerException"
                                                 : "ValidationException",
                           err.msg, extra);
        json_decref(extra);
        return;
    }
    if (in == NULL) {
        srv_error_response(rs, 500, "InternalServerException", "internal error", NULL);
        return;
    }
    if (!srv_validate(rt.op->input, in, &vf)) {
        json_t *extra = json_pack("{s:s, s:[{s:s, s:s}]}", "reason", vf.reason, "fields", "name",
                                  vf.field, "message", vf.message);

        srv_error_response(rs, 400, "ValidationException", vf.message, extra);
        json_decref(extra);
        json_decref(in);
        return;
    }
    call.srv = s;
    call.account_id = who.account_id;
    call.op = rt.op;
    call.in = in;
    call.now_ms = ks_time_now_ms();
    if ((call.store = srv_pool_get(s, &err)) == NULL) {
        ks_log(KS_LOG_ERROR, "server", "req=%s no store handle: %s", rq->request_id, err.msg);
        srv_error_response(rs, 500, "InternalServerException", "internal error", NULL);
        json_decref(in);
        return;
    }
    call.out_text = &rs->body;
    rc = rt.fn(&call);
    srv_pool_put(s, call.store);
    if (rc == KS_OK && call.out == NULL && rs->body.len > 0) {
        rs->status = 200;
    } else if (rc == KS_OK && call.out != NULL) {
        char *text = json_dumps(call.out, JSON_COMPACT);

        if (text != NULL) {
            rs->status = 200;
            ks_buf_appends(&rs->body, text);
            ks_free(text);
        } else {
            srv_error_response(rs, 500, "InternalServerException", "internal error", NULL);
        }
    } else if (rc == KS_OK) {
        rs->status = 200;
        ks_buf_appends(&rs->body, "{}");
    } else {
        srv_error_response(rs, call.status ? call.status : 500,
                           call.error_type ? call.error_type : "InternalServerException",
                           call.message[0] ? call.message : "internal error", call.error_extra);
    }
    /* Mutations may have written events: wake the dispatcher. */
    if (!rt.read_only || call.wrote_events)
        ks_events_notify(s->events);
    json_decref(call.out);
    json_decref(call.error_extra);
    json_decref(in);
}
