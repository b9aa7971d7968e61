/*
 * jobs.c: the server's background worker. It produces queued findings
 * reports (kept in DATA/reports/ for download and put to the S3-compatible
 * endpoint when one is configured) and, once a minute, takes images past
 * their ECR rescan duration out of continuous monitoring.
 */
#include "server/server_int.h"

#include <string.h>
#include <unistd.h>

#include "base/banned.h"

#define LOG            "server.jobs"
#define REPORT_MAX     ((size_t)512 << 20)
#define CLAIM_STALE_MS (30LL * 60 * 1000)
#define EXPIRE_EVERY_MS 60000
#define MAINTAIN_EVERY_MS (10 * 60000)

static void
process_report(struct srv *s, struct ks_store *store, struct ks_store_report *r)
{
    struct ks_buf body = KS_BUF_INIT(REPORT_MAX), path = KS_BUF_INIT(8192);
    struct ks_buf key = KS_BUF_INIT(2048);
    struct ks_err err = KS_ERR_INIT;
    const char *ext = strcmp(r->format, "CSV") == 0 ? "csv" : "json";
    size_t n = 0;
    bool cancelled = false;
    uint64_t t0 = ks_clock_ns();
    enum ks_code rc;

    snprintf(r->status, sizeof(r->status), "FAILED");
    snprintf(r->error_code, sizeof(r->error_code), "INTERNAL_ERROR");
    if ((rc = srv_report_render(store, r->account_id, r->format, r->criteria, &body, &n, &err)) !=
        KS_OK) {
        snprintf(r->error_message, sizeof(r->error_message), "%.200s", err.msg);
        goto finish;
    }
    if (n == 0) {
        snprintf(r->error_code, sizeof(r->error_code), "NO_FINDINGS_FOUND");
        snprintf(r->error_message, sizeof(r->error_message),
                 "no findings match the report's filter criteria");
        goto finish;
    }
    ks_buf_appendf(&path, "%s/reports/%s", s->cfg.data_dir, r->account_id);
    if (ks_buf_err(&path) != KS_OK || ks_mkdir_p(path.data, 0700, &err) != KS_OK) {
        snprintf(r->error_message, sizeof(r->error_message), "cannot keep the report: %.200s",
                 err.msg);
        goto finish;
    }
    ks_buf_appendf(&path, "/%s.%s", r->report_id, ext);
    if (ks_buf_err(&path) != KS_OK ||
        ks_file_write_atomic(path.data, body.data, body.len, 0600, &err) != KS_OK) {
        snprintf(r->error_message, sizeof(r->error_message), "cannot keep the report: %.200s",
                 err.msg);
        goto finish;
    }
    snprintf(r->local_path, sizeof(r->local_path), "%s", path.data);
    if (s->s3.endpoint[0] != '\0' && r->destination != NULL) {
        const char *bucket = ks_json_str(r->destination, "bucketName");
        const char *prefix = ks_json_str(r->destination, "keyPrefix");

        if (prefix != NULL && prefix[0] != '\0')
            ks_buf_appendf(&key, "%s%s", prefix, prefix[strlen(prefix) - 1] == '/' ? "" : "/");
        ks_buf_appendf(&key, "%s.%s", r->report_id, ext);
        rc = ks_buf_err(&key);
        if (rc == KS_OK)
            rc = srv_s3_put(&s->s3, bucket ? bucket : "", key.data,
                            strcmp(ext, "csv") == 0 ? "text/csv" : "application/json", body.data,
                            body.len, &err);
        if (rc != KS_OK) {
            snprintf(r->error_code, sizeof(r->error_code), "%s",
                     rc == KS_ENOTFOUND ? "BUCKET_NOT_FOUND"
                     : rc == KS_EAUTH   ? "INVALID_PERMISSIONS"
                                        : "INTERNAL_ERROR");
            snprintf(r->error_message, sizeof(r->error_message), "%.200s", err.msg);
            goto finish;
        }
        snprintf(r->object_key, sizeof(r->object_key), "%s", key.data);
    }
    snprintf(r->status, sizeof(r->status), "SUCCEEDED");
    r->error_code[0] = r->error_message[0] = '\0';
finish:
    if (ks_store_report_finish(store, r, ks_time_now_ms(), &cancelled, &err) != KS_OK)
        ks_log(KS_LOG_ERROR, LOG, "report=%s cannot record its result: %s", r->report_id,
               err.msg);
    if (cancelled && r->local_path[0] != '\0')
        unlink(r->local_path);
    ks_log(KS_LOG_INFO, LOG, "report=%s account=%s format=%s findings=%zu status=%s%s%s ms=%.1f",
           r->report_id, r->account_id, r->format, n, cancelled ? "CANCELLED" : r->status,
           r->error_code[0] ? " error=" : "", r->error_code,
           (double)(ks_clock_ns() - t0) / 1e6);
    ks_buf_release(&body);
    ks_buf_release(&path);
    ks_buf_release(&key);
}

static void *
worker_main(void *arg)
{
    struct srv *s = arg;
    struct ks_err err = KS_ERR_INIT;
    struct ks_store *store = NULL;
    int64_t last_expire = 0, last_maintain = 0;

    for (;;) {
        struct ks_store_report r;
        bool found = false, stopping;

        if (store == NULL && (store = srv_pool_get(s, &err)) == NULL)
            ks_log(KS_LOG_ERROR, LOG, "no store handle: %s", err.msg);
        if (store != NULL) {
            int64_t now = ks_time_now_ms();

            if (ks_store_report_claim(store, now, CLAIM_STALE_MS, &r, &found, &err) != KS_OK)
                ks_log(KS_LOG_ERROR, LOG, "claiming a report failed: %s", err.msg);
            if (found) {
                process_report(s, store, &r);
                ks_store_report_release(&r);
            }
            if (now - last_maintain >= MAINTAIN_EVERY_MS) {
                if (ks_store_maintain(store, last_maintain == 0, &err) != KS_OK)
                    ks_log(KS_LOG_WARN, LOG, "refreshing planner statistics failed: %s", err.msg);
                last_maintain = now;
            }
            if (now - last_expire >= EXPIRE_EVERY_MS) {
                size_t n = 0;

                if (ks_store_expire_images(store, now, &n, &err) != KS_OK)
                    ks_log(KS_LOG_ERROR, LOG, "expiring images failed: %s", err.msg);
                else if (n > 0) {
                    ks_log(KS_LOG_INFO, LOG, "images_expired=%zu", n);
                    ks_events_notify(s->events);
                }
                last_expire = now;
            }
        }
        pthread_mutex_lock(&s->worker_mu);
        stopping = s->stopping;
        if (!stopping && !found) {
            struct timespec ts;

            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 1;
            pthread_cond_timedwait(&s->worker_cv, &s->worker_mu, &ts);
        }
        stopping = s->stopping;
        pthread_mutex_unlock(&s->worker_mu);
        if (stopping)
            break;
    }
    if (store != NULL)
        srv_pool_put(s, store);
    return NULL;
}

enum ks_code
srv_worker_start(struct srv *s, struct ks_err *err)
{
    if (pthread_create(&s->worker, NULL, worker_main, s) != 0)
        return ks_err_set(err, KS_EINTERNAL, "server: cannot start the worker thread");
    s->worker_started = true;
    return KS_OK;
}

void
srv_worker_wake(struct srv *s)
{
    pthread_mutex_lock(&s->worker_mu);
    pthread_cond_signal(&s->worker_cv);
    pthread_mutex_unlock(&s->worker_mu);
}

void
srv_worker_stop(struct srv *s)
{
    if (!s->worker_started)
        return;
    pthread_mutex_lock(&s->worker_mu);
    s->stopping = true;
    pthread_cond_signal(&s->worker_cv);
    pthread_mutex_unlock(&s->worker_mu);
    pthread_join(s->worker, NULL);
    s->worker_started = false;
}
