/*
 * server.c: the HTTP side (libmicrohttpd) and the server's lifecycle.
 * Handlers follow the two-phase pattern (never queue a response on the
 * first call: libmicrohttpd 0.9.75 then drops keep-alive), bodies are
 * capped (an oversized request gets its 413 at once and the connection is
 * closed), each request gets an id and one key=value log line, and stopping
 * drains in-flight requests before the event outbox is flushed.
 */
#include "server/server_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/banned.h"

#define LOG "server"

/* ------------------------------------------------------------------------ */
/* Store pool                                                               */

struct ks_store *
srv_pool_get(struct srv *s, struct ks_err *err)
{
    struct ks_store *st = NULL;

    pthread_mutex_lock(&s->pool.mu);
    if (s->pool.n_free > 0)
        st = s->pool.free[--s->pool.n_free];
    pthread_mutex_unlock(&s->pool.mu);
    if (st == NULL && ks_store_open(&s->pool.opt, &st, err) != KS_OK)
        return NULL;
    return st;
}

void
srv_pool_put(struct srv *s, struct ks_store *store)
{
    pthread_mutex_lock(&s->pool.mu);
    if (s->pool.n_free == s->pool.cap) {
        size_t ncap = s->pool.cap ? s->pool.cap * 2 : 8;
        struct ks_store **nf = ks_realloc(s->pool.free, ncap * sizeof(*nf));

        if (nf == NULL) {
            pthread_mutex_unlock(&s->pool.mu);
            ks_store_free(store);
            return;
        }
        s->pool.free = nf;
        s->pool.cap = ncap;
    }
    s->pool.free[s->pool.n_free++] = store;
    pthread_mutex_unlock(&s->pool.mu);
}

/* ------------------------------------------------------------------------ */
/* libmicrohttpd glue                                                       */

/* A body over the limit is read and dropped up to this much more, so the
 * client sees the 413 instead of a reset; past it the connection is cut. */
#define DRAIN_MAX ((size_t)16 << 20)

struct conn_ctx {
    struct ks_buf body;
    bool too_big, responded;
    size_t drained;
    uint64_t t0;
    char request_id[37];
    char method[16];
    char path[208];
    const char *op;
    char account_id[16];
    char key_id[32];
    unsigned status;
    size_t bytes;
};

static void
new_request_id(char out[37])
{
    unsigned char b[16];
    char hex[33];

    if (ks_random_bytes(b, sizeof(b), NULL) != KS_OK)
        memset(b, 0, sizeof(b));
    ks_hex_encode(b, 16, hex);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

static enum MHD_Result
collect_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct srv_request *rq = cls;

    (void)kind;
    if (rq->n_headers >= SRV_MAX_HEADERS) {
        rq->too_many = true;
        return MHD_NO;
    }
    rq->headers[rq->n_headers].key = ks_str_c(key);
    rq->headers[rq->n_headers].value = ks_str_c(value ? value : "");
    rq->n_headers++;
    return MHD_YES;
}

static enum MHD_Result
collect_query(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct srv_request *rq = cls;

    (void)kind;
    if (rq->n_query >= SRV_MAX_QUERY) {
        rq->too_many = true;
        return MHD_NO;
    }
    rq->query[rq->n_query].key = ks_str_c(key);
    rq->query[rq->n_query].value = ks_str_c(value ? value : "");
    rq->n_query++;
    return MHD_YES;
}

static void
free_buffer(void *p)
{
    ks_free(p);
}

static enum MHD_Result
send_response(struct MHD_Connection *conn, struct conn_ctx *cx, struct srv_response *rs)
{
    struct MHD_Response *resp = NULL;
    enum MHD_Result ret;

    if (rs->file_path[0] != '\0') {
        int fd = open(rs->file_path, O_RDONLY | O_CLOEXEC);
        struct stat sb;

        if (fd >= 0 && fstat(fd, &sb) == 0) {
            resp = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
            cx->bytes = (size_t)sb.st_size;
        } else {
            if (fd >= 0)
                close(fd);
            srv_error_response(rs, 404, "ResourceNotFoundException", "the report file is gone",
                               NULL);
            rs->file_path[0] = '\0';
        }
    }
    if (resp == NULL) {
        size_t len = rs->body.len;
        char *data = ks_buf_detach(&rs->body, &len);

        if (data == NULL) {
            data = ks_strdup("{\"message\":\"internal error\"}");
            len = data ? strlen(data) : 0;
            rs->status = 500;
            rs->error_type = "InternalServerException";
        }
        resp = MHD_create_response_from_buffer_with_free_callback(len, data, free_buffer);
        if (resp == NULL) {
            ks_free(data);
            return MHD_NO;
        }
        cx->bytes = len;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                            rs->content_type ? rs->content_type : "application/json");
    MHD_add_response_header(resp, "x-amzn-RequestId", cx->request_id);
    if (rs->error_type != NULL)
        MHD_add_response_header(resp, "x-amzn-ErrorType", rs->error_type);
    if (rs->retry_after > 0) {
        char ra[16];

        snprintf(ra, sizeof(ra), "%u", rs->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
    }
    ret = MHD_queue_response(conn, rs->status, resp);
    MHD_destroy_response(resp);
    cx->status = rs->status;
    cx->op = rs->op;
    snprintf(cx->account_id, sizeof(cx->account_id), "%s", rs->account_id);
    snprintf(cx->key_id, sizeof(cx->key_id), "%s", rs->key_id);
    cx->responded = true;
    return ret;
}

static enum MHD_Result
reject_too_big(struct srv *s, struct MHD_Connection *conn, struct conn_ctx *cx)
{
    struct srv_response rs;
    char msg[128];
    enum MHD_Result ret;

    memset(&rs, 0, sizeof(rs));
    ks_buf_init(&rs.body, 4096);
    snprintf(msg, sizeof(msg), "request body over the %zu-byte limit", s->cfg.max_body_bytes);
    srv_error_response(&rs, 413, "ValidationException", msg, NULL);
    ret = send_response(conn, cx, &rs);
    ks_buf_release(&rs.body);
    return ret;
}

static enum MHD_Result
access_handler(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
               const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    struct srv *s = cls;
    struct conn_ctx *cx = *con_cls;
    struct srv_request *rq;
    struct srv_response rs;
    enum MHD_Result ret;

    (void)version;
    if (cx == NULL) {
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        uint64_t n;

        if ((cx = ks_calloc(1, sizeof(*cx))) == NULL)
            return MHD_NO;
        ks_buf_init(&cx->body, s->cfg.max_body_bytes);
        cx->t0 = ks_clock_ns();
        new_request_id(cx->request_id);
        snprintf(cx->method, sizeof(cx->method), "%s", method);
        snprintf(cx->path, sizeof(cx->path), "%s", url);
        if (cl != NULL && (ks_parse_u64(ks_str_c(cl), UINT64_MAX, &n) != KS_OK ||
                           n > s->cfg.max_body_bytes))
            cx->too_big = true;
        *con_cls = cx;
        atomic_fetch_add(&s->in_flight, 1);
        /*
         * A client waiting for "100 Continue" gets its 413 at once and sends
         * nothing. Otherwise answer on a later call (two-phase), so
         * keep-alive survives.
         */
        if (cx->too_big) {
            const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Expect");

            if (expect != NULL && ks_str_ieq_c(ks_str_c(expect), "100-continue"))
                return reject_too_big(s, conn, cx);
        }
        return MHD_YES;
    }
    if (cx->responded) {
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (!cx->too_big && cx->body.len + *upload_size > s->cfg.max_body_bytes)
            cx->too_big = true;
        if (cx->too_big) {
            /* Drop it; answer when the body ends (or cut it off past DRAIN_MAX). */
            cx->drained += *upload_size;
            *upload_size = 0;
            if (cx->drained > DRAIN_MAX)
                return reject_too_big(s, conn, cx);
            return MHD_YES;
        }
        ks_buf_append(&cx->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (cx->too_big)
        return reject_too_big(s, conn, cx);
    if ((rq = ks_calloc(1, sizeof(*rq))) == NULL)
        return MHD_NO;
    rq->method = method;
    rq->path = url;
    MHD_get_connection_values(conn, MHD_HEADER_KIND, collect_header, rq);
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_query, rq);
    rq->body = cx->body.data;
    rq->body_len = cx->body.len;
    memcpy(rq->request_id, cx->request_id, sizeof(rq->request_id));
    memset(&rs, 0, sizeof(rs));
    ks_buf_init(&rs.body, (size_t)256 << 20);
    srv_handle(s, rq, &rs);
    ret = send_response(conn, cx, &rs);
    ks_buf_release(&rs.body);
    ks_free(rq);
    return ret;
}

static void
request_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                  enum MHD_RequestTerminationCode toe)
{
    struct srv *s = cls;
    struct conn_ctx *cx = *con_cls;
    uint64_t ns;

    (void)conn;
    if (cx == NULL)
        return;
    ns = ks_clock_ns() - cx->t0;
    if (cx->responded) {
        /* One line per request; never secrets, never bodies. */
        ks_log(KS_LOG_INFO, LOG,
               "req=%s method=%s path=%s op=%s account=%s key=%s status=%u bytes=%zu ms=%.2f%s",
               cx->request_id, cx->method, cx->path, cx->op ? cx->op : "-",
               cx->account_id[0] ? cx->account_id : "-", cx->key_id[0] ? cx->key_id : "-",
               cx->status, cx->bytes, (double)ns / 1e6,
               toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " aborted=1");
        srv_metrics_record(s, cx->op, cx->status, ns);
    }
    ks_buf_release(&cx->body);
    ks_free(cx);
    *con_cls = NULL;
    atomic_fetch_sub(&s->in_flight, 1);
}

/* ------------------------------------------------------------------------ */
/* Lifecycle                                                                */

struct ks_server {
    struct srv s;
};

static void
srv_free(struct srv *s)
{
    size_t pos = 0;
    struct ks_str k;
    void *v;

    for (size_t i = 0; i < s->pool.n_free; i++)
        ks_store_free(s->pool.free[i]);
    ks_free(s->pool.free);
    srv_auth_free(s);
    while (s->counters != NULL && ks_map_next(s->counters, &pos, &k, &v))
        ks_free(v);
    ks_map_free(s->counters);
    pthread_mutex_destroy(&s->pool.mu);
    pthread_mutex_destroy(&s->auth_mu);
    pthread_mutex_destroy(&s->metrics_mu);
    pthread_mutex_destroy(&s->worker_mu);
    pthread_cond_destroy(&s->worker_cv);
    srv_validate_cleanup();
}

static enum ks_code
start_http(struct srv *s, struct ks_err *err)
{
    struct sockaddr_in sa4;
    struct sockaddr_in6 sa6;
    struct sockaddr *sa;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ITC;
    const union MHD_DaemonInfo *info;
    struct MHD_Daemon *d;

    memset(&sa4, 0, sizeof(sa4));
    memset(&sa6, 0, sizeof(sa6));
    if (inet_pton(AF_INET, s->cfg.listen_host, &sa4.sin_addr) == 1) {
        sa4.sin_family = AF_INET;
        sa4.sin_port = htons((uint16_t)s->cfg.port);
        sa = (struct sockaddr *)&sa4;
    } else if (inet_pton(AF_INET6, s->cfg.listen_host, &sa6.sin6_addr) == 1) {
        sa6.sin6_family = AF_INET6;
        sa6.sin6_port = htons((uint16_t)s->cfg.port);
        sa = (struct sockaddr *)&sa6;
        flags |= MHD_USE_IPv6;
    } else {
        return ks_err_set(err, KS_EINVAL, "server: listen address '%s' is not a numeric IPv4 or "
                          "IPv6 address", s->cfg.listen_host);
    }
    d = MHD_start_daemon(flags, (uint16_t)s->cfg.port, NULL, NULL, access_handler, s,
                         MHD_OPTION_SOCK_ADDR, sa, MHD_OPTION_THREAD_POOL_SIZE,
                         (unsigned)s->cfg.threads, MHD_OPTION_NOTIFY_COMPLETED,
                         request_completed, s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned)1024,
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)65536, MHD_OPTION_END);
    if (d == NULL)
        return ks_err_set(err, KS_EIO, "server: cannot listen on %s:%u: %s", s->cfg.listen_host,
                          s->cfg.port, strerror(errno ? errno : EADDRINUSE));
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : s->cfg.port;
    s->mhd = d;
    return KS_OK;
}

enum ks_code
ks_server_start(const struct ks_server_config *c, struct ks_server **out, struct ks_err *err)
{
    struct ks_server *srv = NULL;
    struct srv *s;
    struct ks_events_options eo;
    struct ks_store *probe = NULL;
    unsigned char dir_secret[64];
    bool have_dir_secret = false;
    enum ks_code rc;

    if (c->data_dir[0] == '\0')
        return ks_err_set(err, KS_EINVAL, "server: no data dir");
    if ((srv = ks_calloc(1, sizeof(*srv))) == NULL)
        return ks_err_set(err, KS_ENOMEM, "server: out of memory");
    s = &srv->s;
    s->cfg = *c;
    if (s->cfg.threads == 0)
        s->cfg.threads = 4;
    s->started_ms = ks_time_now_ms();
    pthread_mutex_init(&s->pool.mu, NULL);
    pthread_mutex_init(&s->auth_mu, NULL);
    pthread_mutex_init(&s->metrics_mu, NULL);
    pthread_mutex_init(&s->worker_mu, NULL);
    pthread_cond_init(&s->worker_cv, NULL);
    s->pool.opt.data_dir = s->cfg.data_dir;
    s->pool.opt.region = s->cfg.region;
    snprintf(s->s3.endpoint, sizeof(s->s3.endpoint), "%s", c->s3_endpoint);
    snprintf(s->s3.region, sizeof(s->s3.region), "%s", c->s3_region[0] ? c->s3_region : c->region);
    snprintf(s->s3.access_key_id, sizeof(s->s3.access_key_id), "%s", c->s3_access_key_id);
    snprintf(s->s3.secret_access_key, sizeof(s->s3.secret_access_key), "%s",
             c->s3_secret_access_key);
    if ((s->keys = ks_map_new()) == NULL || (s->replay = ks_map_new()) == NULL ||
        (s->buckets = ks_map_new()) == NULL || (s->counters = ks_map_new()) == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "server: out of memory");
        goto fail;
    }
    /* Open (and migrate) the store once up front: errors surface here. */
    if ((probe = srv_pool_get(s, err)) == NULL) {
        rc = err->code != KS_OK ? err->code : KS_EDB;
        goto fail;
    }
    srv_pool_put(s, probe);

    eo = c->events;
    eo.n_targets = 0;
    for (size_t i = 0; i < s->cfg.n_webhooks; i++) {
        struct ks_server_webhook *w = &s->cfg.webhooks[i];

        if (w->secret_len == 0) {
            if (!have_dir_secret &&
                (rc = ks_server_webhook_secret(s->cfg.data_dir, dir_secret, err)) != KS_OK)
                goto fail;
            have_dir_secret = true;
            memcpy(w->secret, dir_secret, 64);
            w->secret_len = 64;
        }
        eo.targets[eo.n_targets++] = (struct ks_events_target){w->url, w->secret, w->secret_len};
    }
    if ((rc = ks_events_start(&s->pool.opt, &eo, &s->events, err)) != KS_OK)
        goto fail;
    if ((rc = srv_worker_start(s, err)) != KS_OK)
        goto fail;
    if ((rc = start_http(s, err)) != KS_OK)
        goto fail;
    ks_log(KS_LOG_INFO, LOG, "listening=%s:%u data=%s region=%s threads=%u webhooks=%zu s3=%s",
           s->cfg.listen_host, s->port, s->cfg.data_dir, s->cfg.region, s->cfg.threads,
           s->cfg.n_webhooks, s->s3.endpoint[0] ? s->s3.endpoint : "-");
    *out = srv;
    return KS_OK;
fail:
    srv_worker_stop(s);
    ks_events_stop(s->events, 0);
    srv_free(s);
    ks_free(srv);
    return rc;
}

unsigned
ks_server_port(const struct ks_server *srv)
{
    return srv->s.port;
}

void
ks_server_stop(struct ks_server *srv)
{
    struct srv *s;
    int64_t deadline;
    MHD_socket lfd;

    if (srv == NULL)
        return;
    s = &srv->s;
    deadline = ks_time_now_ms() + s->cfg.shutdown_grace_ms;
    /* Stop accepting, let in-flight requests finish, then close the rest. */
    lfd = MHD_quiesce_daemon(s->mhd);
    if (lfd != MHD_INVALID_SOCKET)
        close(lfd);
    while (atomic_load(&s->in_flight) > 0 && ks_time_now_ms() < deadline)
        usleep(10000);
    if (atomic_load(&s->in_flight) > 0)
        ks_log(KS_LOG_WARN, LOG, "stopping with %d requests still running",
               atomic_load(&s->in_flight));
    MHD_stop_daemon(s->mhd);
    srv_worker_stop(s);
    /* Flush the outbox to the webhooks within the same grace period. */
    ks_events_stop(s->events, KS_MAX(deadline - ks_time_now_ms(), 1000));
    ks_log(KS_LOG_INFO, LOG, "stopped");
    srv_free(s);
    ks_free(srv);
}
