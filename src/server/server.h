/*
 * server.h: `kensa server`, the Inspector2-compatible HTTP API over the
 * state store (docs/api.md, docs/server.md). libmicrohttpd serves the
 * Inspector2 REST-JSON protocol (routes and request shapes generated from
 * the AWS service model) with AWS Signature Version 4 on every request,
 * plus Kensa's own endpoints under /kensa/v1/. Background threads deliver
 * the event outbox to webhooks, produce findings reports and take expired
 * images out of monitoring.
 */
#ifndef KS_SERVER_H
#define KS_SERVER_H

#include "base/base.h"
#include "events/events.h"

#define KS_SERVER_MAX_WEBHOOKS KS_EVENTS_MAX_TARGETS
#define KS_SERVER_MAX_SCAN_PATHS 16   /* scanPaths entries */
#define KS_SERVER_MAX_REGISTRIES 16   /* insecureRegistries entries */

struct ks_server_webhook {
    char url[1024];
    unsigned char secret[256];
    size_t secret_len;
};

struct ks_server_config {
    char listen_host[256];     /* "127.0.0.1" (a numeric IPv4 or IPv6 address) */
    unsigned port;             /* 0: any free port (see ks_server_port) */
    char data_dir[4096];
    char region[32];           /* "us-east-1": the region clients sign for */
    char vulndb_path[4096];    /* --db (used by re-evaluation; may be empty) */
    unsigned threads;          /* HTTP worker threads (default 4) */
    size_t max_body_bytes;     /* API request bodies (default 1 MiB) */
    double rate_per_sec;       /* per access key (default 50; 0 = no limit) */
    double rate_burst;         /* bucket size (default 100) */
    int64_t clock_skew_ms;     /* accepted x-amz-date skew, also the replay window (default 5 min) */
    int64_t shutdown_grace_ms; /* in-flight requests and event flush (default 10 s) */
    struct ks_server_webhook webhooks[KS_SERVER_MAX_WEBHOOKS];
    size_t n_webhooks;
    struct ks_events_options events; /* retry settings (targets are filled from webhooks) */
    char s3_endpoint[512];     /* S3-compatible endpoint for report destinations ("" = keep local) */
    char s3_region[32];
    char s3_access_key_id[128];
    char s3_secret_access_key[128];
    char metrics_token[128];   /* optional bearer token for /metrics */
    /* Inventories, continuous evaluation and scan requests (docs/server.md). */
    size_t max_inventory_bytes; /* POST /kensa/v1/inventory bodies (default 16 MiB) */
    int64_t vulndb_check_ms;   /* how often --db is checked for a swapped file (default 2 s) */
    int64_t stale_inventory_ms; /* hosts: STALE_INVENTORY after this long without an */
                               /* inventory (default 7 days; 0: never) */
    int64_t vulndb_update_ms;  /* scheduled DB updates: when the DB is older than this */
                               /* (default 0: none; updates on request only) */
    char vulndb_mirror[1024];  /* DB update jobs: a mirror dir or URL ("" = vulndbConfig/feeds) */
    char vulndb_config[4096];  /* DB update jobs: the vulndb.conf to read ("" = default lookup) */
    char scan_paths[KS_SERVER_MAX_SCAN_PATHS][1024]; /* what path scan requests may read */
    size_t n_scan_paths;       /* (none: path scans are refused) */
    char insecure_registries[KS_SERVER_MAX_REGISTRIES][256]; /* HOST[:PORT] pulled over plain */
    size_t n_insecure_registries;                             /* HTTP by scan requests */
};

/* Defaults for everything (listen 127.0.0.1:8080, no data dir). */
void ks_server_config_defaults(struct ks_server_config *c);

/*
 * Read a JSON config file into c (members present override; see
 * docs/server.md). KS_EINVAL names the file and the bad member.
 */
enum ks_code ks_server_config_load(const char *path, struct ks_server_config *c,
                                   struct ks_err *err);

/* Parse "HOST:PORT" or "[V6]:PORT" into c->listen_host and c->port. */
enum ks_code ks_server_parse_listen(const char *s, struct ks_server_config *c,
                                    struct ks_err *err);

/*
 * The webhook secret file of the data dir (DATA/webhook.secret, 32 random
 * bytes as 64 hex characters, mode 0600), created if absent; for webhooks
 * configured without their own secret.
 */
enum ks_code ks_server_webhook_secret(const char *data_dir, unsigned char out[64],
                                      struct ks_err *err);

struct ks_server;

/* Open the store, start HTTP and the background threads. */
enum ks_code ks_server_start(const struct ks_server_config *c, struct ks_server **out,
                             struct ks_err *err);
/* The bound TCP port. */
unsigned ks_server_port(const struct ks_server *s);
/*
 * Graceful stop: stop accepting, let in-flight requests finish (up to the
 * grace period), stop the workers, flush the outbox to webhooks (up to the
 * grace period), close the store, free s.
 */
void ks_server_stop(struct ks_server *s);

#endif
