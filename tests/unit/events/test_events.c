/*
 * test_events.c: webhook delivery against a receiver on 127.0.0.1 (libmicrohttpd
 * in this process): EventBridge envelopes, HMAC signatures checked
 * independently, retries with backoff after failures, and the dispatcher
 * thread flushing on stop.
 */
#include "test.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>

#include "events/events.h"
#include "store/store.h"

#define T0 1704067200000LL

static const unsigned char secret[] = "test-webhook-secret";

struct received {
    char *body;
    char sig[128], id[64], kind[32], attempt[16];
};

static struct {
    pthread_mutex_t mu;
    struct received items[256];
    size_t n;
    int fail_next; /* answer 500 to this many requests */
} rx = {PTHREAD_MUTEX_INITIALIZER, {{0}}, 0, 0};

struct conn {
    struct ks_buf body;
};

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
        const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    struct conn *cn = *con_cls;
    struct MHD_Response *resp;
    enum MHD_Result ret;
    unsigned status = 200;

    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    if (cn == NULL) {
        cn = calloc(1, sizeof(*cn));
        ks_buf_init(&cn->body, 1 << 24);
        *con_cls = cn;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        ks_buf_append(&cn->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&rx.mu);
    if (rx.fail_next > 0) {
        rx.fail_next--;
        status = 500;
    } else if (rx.n < 256) {
        struct received *r = &rx.items[rx.n++];
        const char *v;

        r->body = strdup(cn->body.data);
        v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Kensa-Signature");
        snprintf(r->sig, sizeof(r->sig), "%s", v ? v : "");
        v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Kensa-Event-Id");
        snprintf(r->id, sizeof(r->id), "%s", v ? v : "");
        v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Kensa-Event-Kind");
        snprintf(r->kind, sizeof(r->kind), "%s", v ? v : "");
        v = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Kensa-Delivery-Attempt");
        snprintf(r->attempt, sizeof(r->attempt), "%s", v ? v : "");
    }
    pthread_mutex_unlock(&rx.mu);
    resp = MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
    ret = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode t)
{
    struct conn *cn = *con_cls;

    (void)cls;
    (void)c;
    (void)t;
    if (cn != NULL) {
        ks_buf_release(&cn->body);
        free(cn);
        *con_cls = NULL;
    }
}

static struct MHD_Daemon *
start_receiver(char url[128])
{
    static struct sockaddr_in sa;
    struct MHD_Daemon *d;

    sa.sin_family = AF_INET;
    sa.sin_port = 0;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL,
                         NULL, handler, NULL, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_END);
    const union MHD_DaemonInfo *info;

    CHECK(d != NULL);
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    snprintf(url, 128, "http://127.0.0.1:%u/hook", (unsigned)info->port);
    return d;
}

static void
reset_received(void)
{
    pthread_mutex_lock(&rx.mu);
    for (size_t i = 0; i < rx.n; i++)
        free(rx.items[i].body);
    rx.n = 0;
    rx.fail_next = 0;
    pthread_mutex_unlock(&rx.mu);
}

static struct ks_store *
open_store(const char *dir)
{
    struct ks_store_options o = {dir, "eu-west-1"};
    struct ks_store *s = NULL;
    struct ks_err err = KS_ERR_INIT;

    CHECK_OK(ks_store_open(&o, &s, &err));
    return s;
}

/* Evaluate the function fixture for a new account. */
static void
seed(struct ks_store *s, char acc[13], int64_t now)
{
    struct ks_buf b = KS_BUF_INIT(1 << 20);
    struct ks_err err = KS_ERR_INIT;
    struct ks_account a;
    json_t *doc = NULL;
    struct ks_store_evaluation ev;

    CHECK_OK(ks_store_account_create(s, "", now, &a, &err));
    memcpy(acc, a.account_id, 13);
    CHECK_OK(ks_file_read("../../fixtures/findings/host.json", 1 << 20, &b, &err));
    CHECK_OK(ks_json_parse(b.data, b.len, "host.json", &doc, &err));
    ev = (struct ks_store_evaluation){acc, KS_RT_HOST, "i-0a1b2c3d4e5f60001", NULL,
                                      json_object_get(doc, "findings"), now};
    CHECK_OK(ks_store_apply_evaluation(s, &ev, NULL, &err));
    json_decref(doc);
    ks_buf_release(&b);
}

static void
test_deliver_and_sign(void)
{
    char url[128], dir[4200], acc[13];
    struct MHD_Daemon *d = start_receiver(url);
    struct ks_store *s;
    struct ks_events_options o;
    struct ks_events_stats st = {0, 0, 0};
    struct ks_err err = KS_ERR_INIT;
    int64_t pend = -1;

    snprintf(dir, sizeof(dir), "%s/deliver", ks_test_tmpdir());
    s = open_store(dir);
    memset(&o, 0, sizeof(o));
    o.targets[0] = (struct ks_events_target){url, secret, sizeof(secret) - 1};
    o.n_targets = 1;
    ks_events_options_defaults(&o);
    CHECK_OK(ks_store_outbox_target(s, url, T0, &err));
    seed(s, acc, T0);
    CHECK_OK(ks_store_outbox_pending(s, url, &pend, &err));
    CHECK_INT(pend, 7);
    CHECK_OK(ks_events_deliver_due(s, &o, ks_time_now_ms(), 64, &st, &err));
    CHECK_INT(st.delivered, 7);
    CHECK_OK(ks_store_outbox_pending(s, url, &pend, &err));
    CHECK_INT(pend, 0);
    pthread_mutex_lock(&rx.mu);
    CHECK_INT(rx.n, 7);
    for (size_t i = 0; i < rx.n; i++) {
        struct received *r = &rx.items[i];
        json_t *ev = NULL;
        long long t = 0;
        char want[KS_EVENTS_SIG_MAX];

        CHECK_OK(ks_json_parse(r->body, strlen(r->body), "event", &ev, &err));
        CHECK_STR(ks_json_str(ev, "version"), "0");
        CHECK_STR(ks_json_str(ev, "source"), "aws.inspector2");
        CHECK_STR(ks_json_str(ev, "account"), acc);
        CHECK_STR(ks_json_str(ev, "region"), "eu-west-1");
        CHECK_STR(ks_json_str(ev, "id"), r->id);
        CHECK_STR(r->attempt, "1");
        CHECK(json_is_array(json_object_get(ev, "resources")));
        CHECK(json_is_object(json_object_get(ev, "detail")));
        if (strcmp(ks_json_str(ev, "detail-type"), "Inspector2 Finding") == 0) {
            CHECK_STR(r->kind, "created");
            CHECK_STR(ks_json_str(json_object_get(ev, "detail"), "status"), "ACTIVE");
        }
        /* The signature, recomputed independently with libsodium. */
        CHECK(sscanf(r->sig, "t=%lld,", &t) == 1);
        {
            unsigned char mac[32];
            char hex[65], *msg = NULL;
            size_t n;
            crypto_auth_hmacsha256_state hs;

            n = (size_t)snprintf(NULL, 0, "%lld.%s", t, r->body);
            msg = malloc(n + 1);
            snprintf(msg, n + 1, "%lld.%s", t, r->body);
            crypto_auth_hmacsha256_init(&hs, secret, sizeof(secret) - 1);
            crypto_auth_hmacsha256_update(&hs, (unsigned char *)msg, n);
            crypto_auth_hmacsha256_final(&hs, mac);
            ks_hex_encode(mac, 32, hex);
            snprintf(want, sizeof(want), "t=%lld,v1=%s", t, hex);
            CHECK_STR(r->sig, want);
            free(msg);
        }
        json_decref(ev);
    }
    pthread_mutex_unlock(&rx.mu);
    reset_received();
    ks_store_free(s);
    MHD_stop_daemon(d);
}

static void
test_retry_backoff(void)
{
    char url[128], dir[4200], acc[13];
    struct MHD_Daemon *d = start_receiver(url);
    struct ks_store *s;
    struct ks_events_options o;
    struct ks_events_stats st = {0, 0, 0};
    struct ks_err err = KS_ERR_INIT;
    int64_t pend = -1, now;

    snprintf(dir, sizeof(dir), "%s/retry", ks_test_tmpdir());
    s = open_store(dir);
    memset(&o, 0, sizeof(o));
    o.targets[0] = (struct ks_events_target){url, secret, sizeof(secret) - 1};
    o.n_targets = 1;
    o.retry_base_ms = 200;
    ks_events_options_defaults(&o);
    CHECK_OK(ks_store_outbox_target(s, url, T0, &err));
    seed(s, acc, T0);
    rx.fail_next = 3;
    now = ks_time_now_ms();
    CHECK_OK(ks_events_deliver_due(s, &o, now, 64, &st, &err));
    CHECK_INT(st.failed, 3);
    CHECK_INT(st.delivered, 4);
    /* Not due again before the backoff. */
    CHECK_OK(ks_events_deliver_due(s, &o, ks_time_now_ms(), 64, &st, &err));
    CHECK_INT(st.delivered, 4);
    CHECK_OK(ks_store_outbox_pending(s, url, &pend, &err));
    CHECK_INT(pend, 3);
    CHECK_OK(ks_events_deliver_due(s, &o, ks_time_now_ms() + 1000, 64, &st, &err));
    CHECK_INT(st.delivered, 7);
    pthread_mutex_lock(&rx.mu);
    CHECK_STR(rx.items[rx.n - 1].attempt, "2");
    pthread_mutex_unlock(&rx.mu);
    /* Backoff doubles and is capped. */
    CHECK(ks_events_backoff_ms(&o, 1) >= 200 && ks_events_backoff_ms(&o, 1) <= 220);
    CHECK(ks_events_backoff_ms(&o, 3) >= 800 && ks_events_backoff_ms(&o, 3) <= 880);
    CHECK(ks_events_backoff_ms(&o, 40) <= o.retry_max_ms + o.retry_max_ms / 10);
    reset_received();
    ks_store_free(s);
    MHD_stop_daemon(d);
}

static void
test_dispatcher_flush(void)
{
    char url[128], dir[4200], acc[13];
    struct MHD_Daemon *d = start_receiver(url);
    struct ks_store *s;
    struct ks_store_options so;
    struct ks_events_options o;
    struct ks_events_dispatcher *disp = NULL;
    struct ks_err err = KS_ERR_INIT;

    snprintf(dir, sizeof(dir), "%s/dispatch", ks_test_tmpdir());
    s = open_store(dir);
    so = (struct ks_store_options){dir, "eu-west-1"};
    memset(&o, 0, sizeof(o));
    o.targets[0] = (struct ks_events_target){url, secret, sizeof(secret) - 1};
    o.n_targets = 1;
    o.poll_ms = 60000; /* only notify and the final flush move it */
    CHECK_OK(ks_events_start(&so, &o, &disp, &err));
    seed(s, acc, T0);
    ks_events_notify(disp);
    ks_events_stop(disp, 5000);
    pthread_mutex_lock(&rx.mu);
    CHECK_INT(rx.n, 7);
    pthread_mutex_unlock(&rx.mu);
    reset_received();
    /* Bad targets are refused. */
    o.targets[0].url = "ftp://example";
    CHECK_INT(ks_events_start(&so, &o, &disp, &err), KS_EINVAL);
    ks_store_free(s);
    MHD_stop_daemon(d);
}

KS_TEST_MAIN(KS_TEST(test_deliver_and_sign), KS_TEST(test_retry_backoff),
             KS_TEST(test_dispatcher_flush))
