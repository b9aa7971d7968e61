/*
 * events.c: webhook delivery of the outbox. Each event is POSTed on its own
 * with libcurl (one reusable handle per target, so connections are kept
 * alive), HMAC-SHA256 signed, marked delivered in the store only after a
 * 2xx, retried with capped exponential backoff otherwise. A background
 * thread polls the outbox, wakes on notify, and flushes before stopping.
 */
#include "events/events.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "base/banned.h"

#define LOG "events"

void
ks_events_options_defaults(struct ks_events_options *o)
{
    if (o->retry_base_ms <= 0)
        o->retry_base_ms = 1000;
    if (o->retry_max_ms <= 0)
        o->retry_max_ms = 300000;
    if (o->max_attempts <= 0)
        o->max_attempts = 30;
    if (o->timeout_ms <= 0)
        o->timeout_ms = 10000;
    if (o->retain_ms <= 0)
        o->retain_ms = 86400000;
    if (o->poll_ms <= 0)
        o->poll_ms = 1000;
}

enum ks_code
ks_events_envelope(const struct ks_outbox_event *e, struct ks_buf *out, struct ks_err *err)
{
    char when[32];
    enum ks_code rc;

    ks_findings_time_rfc3339(e->time_ms - e->time_ms % 1000, when);
    /* The stored parts are already JSON; the envelope around them is fixed. */
    ks_buf_appendf(out,
                   "{\"version\":\"0\",\"id\":\"%s\",\"detail-type\":\"%s\","
                   "\"source\":\"aws.inspector2\",\"account\":\"%s\",\"time\":\"%s\","
                   "\"region\":\"%s\",\"resources\":%s,\"detail\":%s}",
                   e->event_id, e->detail_type, e->account_id, when, e->region, e->resources,
                   e->detail);
    if ((rc = ks_buf_err(out)) != KS_OK)
        return ks_err_set(err, rc, "events: event %s too large", e->event_id);
    return KS_OK;
}

void
ks_events_sign(const unsigned char *secret, size_t secret_len, int64_t t, const void *body,
               size_t len, char out[KS_EVENTS_SIG_MAX])
{
    crypto_auth_hmacsha256_state st;
    unsigned char mac[32];
    char ts[24], hex[65];
    int n = snprintf(ts, sizeof(ts), "%lld.", (long long)t);

    crypto_auth_hmacsha256_init(&st, secret, secret_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)ts, (unsigned long long)n);
    crypto_auth_hmacsha256_update(&st, body, len);
    crypto_auth_hmacsha256_final(&st, mac);
    ks_hex_encode(mac, 32, hex);
    snprintf(out, KS_EVENTS_SIG_MAX, "t=%lld,v1=%s", (long long)t, hex);
}

int64_t
ks_events_backoff_ms(const struct ks_events_options *o, int attempts)
{
    int64_t d = o->retry_base_ms;
    uint32_t jitter;

    for (int i = 1; i < attempts && d < o->retry_max_ms; i++)
        d *= 2;
    if (d > o->retry_max_ms)
        d = o->retry_max_ms;
    /* Jitter spreads retries of a burst so a recovering receiver is not stampeded. */
    jitter = randombytes_uniform(1000);
    return d + d * (int64_t)jitter / 10000;
}

/* ------------------------------------------------------------------------ */
/* One POST                                                                 */

static size_t
discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    (void)ctx;
    return size * n;
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* POST body to target; KS_OK on 2xx, else err says what happened. */
static enum ks_code
post(CURL *h, const struct ks_events_target *t, const struct ks_events_options *o,
     const struct ks_outbox_event *e, int attempt, const struct ks_buf *body, struct ks_err *err)
{
    struct curl_slist *hdrs = NULL;
    char sig[KS_EVENTS_SIG_MAX], line[256];
    long status = 0;
    CURLcode cc;
    enum ks_code rc = KS_ENET;

    ks_events_sign(t->secret, t->secret_len, ks_time_now_ms() / 1000, body->data, body->len, sig);
    hdrs = curl_slist_append(hdrs, "Content-Type: application/json");
    snprintf(line, sizeof(line), "X-Kensa-Event-Id: %s", e->event_id);
    hdrs = curl_slist_append(hdrs, line);
    snprintf(line, sizeof(line), "X-Kensa-Event-Kind: %s", e->kind);
    hdrs = curl_slist_append(hdrs, line);
    snprintf(line, sizeof(line), "X-Kensa-Delivery-Attempt: %d", attempt);
    hdrs = curl_slist_append(hdrs, line);
    snprintf(line, sizeof(line), "X-Kensa-Signature: %s", sig);
    hdrs = curl_slist_append(hdrs, line);
    hdrs = curl_slist_append(hdrs, "Expect:");
    if (hdrs == NULL)
        return ks_err_set(err, KS_ENOMEM, "events: out of memory");
    curl_easy_setopt(h, CURLOPT_URL, t->url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body->data);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body->len);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_USERAGENT, "kensa/" KS_VERSION_STRING);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        rc = ks_err_set(err, KS_ENET, "%s", curl_easy_strerror(cc));
    } else {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 200 && status < 300)
            rc = KS_OK;
        else
            rc = ks_err_set(err, KS_ENET, "HTTP %ld", status);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
    return rc;
}

/* Curl handles per target for one delivering thread (connections stay open). */
struct handles {
    CURL *h[KS_EVENTS_MAX_TARGETS];
};

static enum ks_code
deliver_with(struct ks_store *s, const struct ks_events_options *o, struct handles *hs,
             int64_t now_ms, size_t max, struct ks_events_stats *stats, struct ks_err *err)
{
    struct ks_outbox_event batch[64];
    enum ks_code rc = KS_OK;

    if (max > KS_ARRAY_LEN(batch))
        max = KS_ARRAY_LEN(batch);
    for (size_t t = 0; t < o->n_targets && rc == KS_OK; t++) {
        const struct ks_events_target *tg = &o->targets[t];
        size_t n = 0;

        if (hs->h[t] == NULL && (hs->h[t] = curl_easy_init()) == NULL)
            return ks_err_set(err, KS_ENOMEM, "events: cannot create an HTTP handle");
        if ((rc = ks_store_outbox_due(s, tg->url, now_ms, batch, max, &n, err)) != KS_OK)
            break;
        for (size_t i = 0; i < n; i++) {
            struct ks_buf body = KS_BUF_INIT((size_t)16 << 20);
            struct ks_err perr = KS_ERR_INIT;
            int attempt = batch[i].attempts + 1;
            enum ks_code prc;

            prc = ks_events_envelope(&batch[i], &body, &perr);
            if (prc == KS_OK)
                prc = post(hs->h[t], tg, o, &batch[i], attempt, &body, &perr);
            ks_buf_release(&body);
            if (prc == KS_OK) {
                rc = ks_store_outbox_delivered(s, tg->url, batch[i].seq, ks_time_now_ms(), err);
                if (stats)
                    stats->delivered++;
                ks_log(KS_LOG_DEBUG, LOG, "event=%s target=%s attempt=%d delivered",
                       batch[i].event_id, tg->url, attempt);
            } else {
                bool dead = attempt >= o->max_attempts;
                int64_t next = ks_time_now_ms() + ks_events_backoff_ms(o, attempt);

                rc = ks_store_outbox_failed(s, tg->url, batch[i].seq, next, dead, perr.msg, err);
                if (stats) {
                    stats->failed++;
                    stats->dead += dead;
                }
                ks_log(dead ? KS_LOG_ERROR : KS_LOG_WARN, LOG,
                       "event=%s target=%s attempt=%d error=\"%s\"%s", batch[i].event_id, tg->url,
                       attempt, perr.msg, dead ? " giving up" : "");
            }
            if (rc != KS_OK) {
                for (size_t j = i; j < n; j++)
                    ks_outbox_event_release(&batch[j]);
                break;
            }
            ks_outbox_event_release(&batch[i]);
        }
    }
    return rc;
}

static void
handles_free(struct handles *hs)
{
    for (size_t i = 0; i < KS_EVENTS_MAX_TARGETS; i++)
        if (hs->h[i] != NULL)
            curl_easy_cleanup(hs->h[i]);
}

enum ks_code
ks_events_deliver_due(struct ks_store *s, const struct ks_events_options *o, int64_t now_ms,
                      size_t max, struct ks_events_stats *stats, struct ks_err *err)
{
    struct handles hs;
    enum ks_code rc;

    pthread_once(&curl_once, curl_init_once);
    memset(&hs, 0, sizeof(hs));
    rc = deliver_with(s, o, &hs, now_ms, max, stats, err);
    handles_free(&hs);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* The dispatcher thread                                                    */

struct ks_events_dispatcher {
    struct ks_events_options opt;
    struct ks_store *store;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool wake, stopping;
    int64_t flush_deadline_ms;
    struct ks_events_stats stats;
    int64_t pending;
};

static int64_t
total_pending(struct ks_events_dispatcher *d)
{
    int64_t total = 0;

    for (size_t t = 0; t < d->opt.n_targets; t++) {
        struct ks_err err = KS_ERR_INIT;
        int64_t n = 0;

        if (ks_store_outbox_pending(d->store, d->opt.targets[t].url, &n, &err) == KS_OK)
            total += n;
    }
    return total;
}

static void *
dispatch_main(void *arg)
{
    struct ks_events_dispatcher *d = arg;
    struct handles hs;
    int64_t last_prune = 0;

    memset(&hs, 0, sizeof(hs));
    for (;;) {
        struct ks_err err = KS_ERR_INIT;
        struct ks_events_stats round = {0, 0, 0};
        int64_t now = ks_time_now_ms(), pend;
        bool stopping, round_after_stop;

        /* A flush needs one full round that started after the stop request. */
        pthread_mutex_lock(&d->mu);
        round_after_stop = d->stopping;
        pthread_mutex_unlock(&d->mu);
        if (deliver_with(d->store, &d->opt, &hs, now, 64, &round, &err) != KS_OK)
            ks_log(KS_LOG_ERROR, LOG, "delivery round failed: %s", err.msg);
        if (now - last_prune > 60000) {
            int64_t deleted = 0;

            if (ks_store_outbox_prune(d->store, now, d->opt.retain_ms, &deleted, &err) != KS_OK)
                ks_log(KS_LOG_WARN, LOG, "pruning the outbox failed: %s", err.msg);
            last_prune = now;
        }
        pend = total_pending(d);
        pthread_mutex_lock(&d->mu);
        d->stats.delivered += round.delivered;
        d->stats.failed += round.failed;
        d->stats.dead += round.dead;
        d->pending = pend;
        stopping = d->stopping;
        if (stopping) {
            /* Flush: go on while something was delivered and time remains. */
            if ((round_after_stop && round.delivered + round.failed == 0) ||
                ks_time_now_ms() >= d->flush_deadline_ms) {
                pthread_mutex_unlock(&d->mu);
                break;
            }
        } else if (round.delivered + round.failed < 64 && !d->wake) {
            struct timespec ts;

            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += d->opt.poll_ms / 1000;
            ts.tv_nsec += (d->opt.poll_ms % 1000) * 1000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&d->cv, &d->mu, &ts);
        }
        d->wake = false;
        pthread_mutex_unlock(&d->mu);
    }
    handles_free(&hs);
    return NULL;
}

enum ks_code
ks_events_start(const struct ks_store_options *so, const struct ks_events_options *o,
                 struct ks_events_dispatcher **out, struct ks_err *err)
{
    struct ks_events_dispatcher *d;
    enum ks_code rc;

    pthread_once(&curl_once, curl_init_once);
    if (o->n_targets > KS_EVENTS_MAX_TARGETS)
        return ks_err_set(err, KS_EINVAL, "events: more than %d webhooks", KS_EVENTS_MAX_TARGETS);
    for (size_t i = 0; i < o->n_targets; i++) {
        const char *u = o->targets[i].url;

        if (u == NULL || (strncmp(u, "http://", 7) != 0 && strncmp(u, "https://", 8) != 0))
            return ks_err_set(err, KS_EINVAL, "events: webhook '%s' is not an http(s) URL",
                              u ? u : "");
        if (o->targets[i].secret_len == 0 || o->targets[i].secret_len > 256)
            return ks_err_set(err, KS_EINVAL, "events: webhook '%s' needs a secret of 1 to 256 "
                              "bytes", u);
    }
    if ((d = ks_calloc(1, sizeof(*d))) == NULL)
        return ks_err_set(err, KS_ENOMEM, "events: out of memory");
    d->opt = *o;
    ks_events_options_defaults(&d->opt);
    if ((rc = ks_store_open(so, &d->store, err)) != KS_OK) {
        ks_free(d);
        return rc;
    }
    for (size_t i = 0; i < o->n_targets; i++) {
        if ((rc = ks_store_outbox_target(d->store, o->targets[i].url, ks_time_now_ms(), err)) !=
            KS_OK) {
            ks_store_free(d->store);
            ks_free(d);
            return rc;
        }
    }
    pthread_mutex_init(&d->mu, NULL);
    pthread_cond_init(&d->cv, NULL);
    if (pthread_create(&d->thread, NULL, dispatch_main, d) != 0) {
        pthread_mutex_destroy(&d->mu);
        pthread_cond_destroy(&d->cv);
        ks_store_free(d->store);
        ks_free(d);
        return ks_err_set(err, KS_EINTERNAL, "events: cannot start the delivery thread");
    }
    *out = d;
    return KS_OK;
}

void
ks_events_notify(struct ks_events_dispatcher *d)
{
    if (d == NULL)
        return;
    pthread_mutex_lock(&d->mu);
    d->wake = true;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
}

void
ks_events_get_stats(struct ks_events_dispatcher *d, struct ks_events_stats *out,
                    int64_t *pending)
{
    memset(out, 0, sizeof(*out));
    *pending = 0;
    if (d == NULL)
        return;
    pthread_mutex_lock(&d->mu);
    *out = d->stats;
    *pending = d->pending;
    pthread_mutex_unlock(&d->mu);
}

void
ks_events_stop(struct ks_events_dispatcher *d, int64_t flush_ms)
{
    if (d == NULL)
        return;
    pthread_mutex_lock(&d->mu);
    d->stopping = true;
    d->flush_deadline_ms = ks_time_now_ms() + flush_ms;
    pthread_cond_signal(&d->cv);
    pthread_mutex_unlock(&d->mu);
    pthread_join(d->thread, NULL);
    pthread_mutex_destroy(&d->mu);
    pthread_cond_destroy(&d->cv);
    ks_store_free(d->store);
    ks_free(d);
}
