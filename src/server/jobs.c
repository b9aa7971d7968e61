/*
 * jobs.c: the server's background threads besides event delivery and the
 * DB watcher. The worker produces queued findings reports (kept in
 * DATA/reports/ for download and put to the S3-compatible endpoint when one
 * is configured) and SBOM exports, and once a minute takes images past
 * their ECR rescan duration, and hosts whose inventory went stale, out of
 * continuous monitoring. The scanner runs scan requests and DB updates
 * (which may take minutes), and the scheduled DB update when one is due,
 * so that they never hold up reports.
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
/* A scan job RUNNING this long belongs to a server that died: run it again. */
#define JOB_STALE_MS (10LL * 60 * 1000)
/* How often the scanner asks whether a scheduled DB update is due. */
#define DUE_CHECK_MS 60000LL

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

/*
 * When the last round found nothing to do, sleep on cv for up to a second
 * (a wake-up comes sooner); true when the server is stopping.
 */
static bool
idle_wait(struct srv *s, pthread_cond_t *cv, bool found)
{
    bool stopping;

    pthread_mutex_lock(&s->worker_mu);
    if (!s->stopping && !found) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(cv, &s->worker_mu, &ts);
    }
    stopping = s->stopping;
    pthread_mutex_unlock(&s->worker_mu);
    return stopping;
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
        bool found = false;

        if (store == NULL && (store = srv_pool_get(s, &err)) == NULL)
            ks_log(KS_LOG_ERROR, LOG, "no store handle: %s", err.msg);
        if (store != NULL) {
            int64_t now = ks_time_now_ms();

            if (ks_store_report_claim(store, now, CLAIM_STALE_MS, &r, &found, &err) != KS_OK)
                ks_log(KS_LOG_ERROR, LOG, "claiming a report failed: %s", err.msg);
            if (found) {
                if (r.kind == KS_REPORT_SBOM)
                    srv_sbom_export_process(s, store, &r);
                else
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
                n = 0;
                if (s->cfg.stale_inventory_ms > 0 &&
                    ks_store_mark_stale(store, now, s->cfg.stale_inventory_ms, &n, &err) != KS_OK)
                    ks_log(KS_LOG_ERROR, LOG, "marking stale inventories failed: %s", err.msg);
                else if (n > 0) {
                    ks_log(KS_LOG_INFO, LOG, "hosts_stale=%zu", n);
                    ks_events_notify(s->events);
                }
                last_expire = now;
            }
        }
        if (idle_wait(s, &s->worker_cv, found))
            break;
    }
    if (store != NULL)
        srv_pool_put(s, store);
    return NULL;
}

static void *
scanner_main(void *arg)
{
    struct srv *s = arg;
    struct ks_err err = KS_ERR_INIT;
    struct ks_store *store = NULL;
    int64_t last_update = 0, next_due_check = 0;

    for (;;) {
        struct ks_store_job job;
        bool found = false;

        if (store == NULL && (store = srv_pool_get(s, &err)) == NULL)
            ks_log(KS_LOG_ERROR, LOG, "no store handle: %s", err.msg);
        if (store != NULL) {
            if (ks_store_job_claim(store, ks_time_now_ms(), JOB_STALE_MS, &job, &found, &err) !=
                KS_OK)
                ks_log(KS_LOG_ERROR, LOG, "claiming a job failed: %s", err.msg);
            if (found) {
                srv_job_run(s, store, &job);
                ks_store_job_release(&job);
            }
        }
        if (!found && s->cfg.vulndb_update_ms > 0 && ks_time_now_ms() >= next_due_check) {
            /* Asked at most once a minute (or once a period, when shorter). */
            srv_vdb_update_if_due(s, &last_update);
            next_due_check = ks_time_now_ms() + KS_MIN(s->cfg.vulndb_update_ms, DUE_CHECK_MS);
        }
        if (idle_wait(s, &s->scanner_cv, found))
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
    if (pthread_create(&s->scanner, NULL, scanner_main, s) != 0)
        return ks_err_set(err, KS_EINTERNAL, "server: cannot start the scanner thread");
    s->scanner_started = true;
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
    pthread_mutex_lock(&s->worker_mu);
    s->stopping = true;
    pthread_cond_broadcast(&s->worker_cv);
    pthread_cond_broadcast(&s->scanner_cv);
    pthread_mutex_unlock(&s->worker_mu);
    if (s->worker_started)
        pthread_join(s->worker, NULL);
    s->worker_started = false;
    /* A scan job in progress finishes first (a registry pull or DB update may take a while). */
    if (s->scanner_started)
        pthread_join(s->scanner, NULL);
    s->scanner_started = false;
}
