/*
 * events.h: delivery of the store's event outbox to webhooks, as
 * EventBridge-shaped JSON documents, one event per HTTP POST, signed with
 * HMAC-SHA256, at least once: an event is marked delivered only after a 2xx
 * reply, failures are retried with exponential backoff, and a process killed
 * mid-delivery resumes from the outbox on restart (docs/server.md, "Events").
 *
 * Envelope: {"version": "0", "id", "detail-type": "Inspector2 Finding" |
 * "Inspector2 Coverage" | "Inspector2 Scan", "source": "aws.inspector2",
 * "account", "time", "region", "resources": [...], "detail": {...}}.
 *
 * Headers on every delivery:
 *   Content-Type: application/json
 *   X-Kensa-Event-Id: <id>          (the envelope's id; dedupe on it)
 *   X-Kensa-Event-Kind: created | updated | closed | coverage | scan
 *   X-Kensa-Delivery-Attempt: <n>   (1 for the first)
 *   X-Kensa-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
 */
#ifndef KS_EVENTS_H
#define KS_EVENTS_H

#include "base/base.h"
#include "store/store.h"

#define KS_EVENTS_MAX_TARGETS 16
#define KS_EVENTS_SIG_MAX     96 /* "t=…,v1=<64 hex>" with NUL */

struct ks_events_target {
    const char *url;           /* http:// or https:// */
    const unsigned char *secret;
    size_t secret_len;         /* 1..256 bytes */
};

struct ks_events_options {
    struct ks_events_target targets[KS_EVENTS_MAX_TARGETS];
    size_t n_targets;
    int64_t retry_base_ms;  /* first retry delay (default 1000) */
    int64_t retry_max_ms;   /* cap of the doubling delay (default 300000) */
    int max_attempts;       /* give up (and log) after this many (default 30: over 2 hours) */
    long timeout_ms;        /* per POST (default 10000) */
    int64_t retain_ms;      /* keep finished events this long (default 1 day) */
    int64_t poll_ms;        /* look for new events at least this often (default 1000) */
};

/* Fill unset (zero) options with the defaults above. */
void ks_events_options_defaults(struct ks_events_options *o);

/* The EventBridge envelope of one outbox event, appended to out. */
enum ks_code ks_events_envelope(const struct ks_outbox_event *e, struct ks_buf *out,
                                struct ks_err *err);

/* The X-Kensa-Signature value for body sent at unix time t. */
void ks_events_sign(const unsigned char *secret, size_t secret_len, int64_t t, const void *body,
                    size_t len, char out[KS_EVENTS_SIG_MAX]);

/* Delay before retry number `attempts` (1-based), with up to 10% jitter. */
int64_t ks_events_backoff_ms(const struct ks_events_options *o, int attempts);

struct ks_events_stats {
    uint64_t delivered, failed, dead;
};

/*
 * Deliver what is due now to every target, up to max events per target, one
 * POST each, recording each outcome in the store. Thread-compatible: one
 * caller per store handle. stats (may be NULL) is incremented.
 */
enum ks_code ks_events_deliver_due(struct ks_store *s, const struct ks_events_options *o,
                                   int64_t now_ms, size_t max, struct ks_events_stats *stats,
                                   struct ks_err *err);

/* A background thread with its own store handle that keeps delivering. */
struct ks_events_dispatcher;

/*
 * Register the targets in the store (new ones start with events written
 * from now on) and start the thread. The options and the secrets must stay
 * valid until ks_events_stop.
 */
enum ks_code ks_events_start(const struct ks_store_options *so, const struct ks_events_options *o,
                             struct ks_events_dispatcher **out, struct ks_err *err);
/* Wake the thread: events were committed. Thread-safe. */
void ks_events_notify(struct ks_events_dispatcher *d);
/* Cumulative counts and events still pending across targets. Thread-safe. */
void ks_events_get_stats(struct ks_events_dispatcher *d, struct ks_events_stats *out,
                         int64_t *pending);
/*
 * Flush: keep delivering due events until none is due or flush_ms has
 * passed, then stop the thread and free d (NULL is a no-op).
 */
void ks_events_stop(struct ks_events_dispatcher *d, int64_t flush_ms);

#endif
