/*
 * server_int.h: private to src/server/. The Inspector2 model tables
 * (generated into model_gen.c), the request validator and router, and the
 * pieces the HTTP layer, the handlers and the background threads share.
 */
#ifndef KS_SERVER_INT_H
#define KS_SERVER_INT_H

#include "base/base.h"
#include "server/server.h"
#include "sigv4/sigv4.h"
#include "model/model.h"
#include "store/store.h"

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>

/* ------------------------------------------------------------------------ */
/* The service model (model_gen.c, from the AWS model's JSON)               */

enum ks_model_type {
    KS_MT_STRUCT, KS_MT_LIST, KS_MT_MAP, KS_MT_STRING, KS_MT_INTEGER, KS_MT_LONG,
    KS_MT_DOUBLE, KS_MT_BOOLEAN, KS_MT_TIMESTAMP, KS_MT_BLOB
};

enum ks_model_loc { KS_ML_BODY, KS_ML_HEADER, KS_ML_URI, KS_ML_QUERY };

struct ks_model_member {
    const char *name;
    int shape;         /* index into ks_model_shapes */
    bool required;
    enum ks_model_loc loc;
    const char *loc_name;
};

struct ks_model_shape {
    const char *name;
    enum ks_model_type type;
    bool has_min, has_max;
    double min, max;       /* length for strings/lists/maps, value for numbers */
    const char *pattern;   /* unanchored (Smithy) regular expression, or NULL */
    const char *const *enums;
    size_t n_enums;
    const struct ks_model_member *members;
    size_t n_members;
    int elem;              /* list member / map value shape, or -1 */
    int key;               /* map key shape, or -1 */
    bool is_union;
};

struct ks_model_op {
    const char *name;
    const char *method;
    const char *uri;
    int input;             /* input shape, or -1 */
};

extern const struct ks_model_shape ks_model_shapes[];
extern const size_t ks_model_n_shapes;
extern const struct ks_model_op ks_model_ops[];
extern const size_t ks_model_n_ops;

/* ------------------------------------------------------------------------ */
/* Request validation against the model (validate.c)                        */

/* The first violation found: where and what, for a ValidationException. */
struct srv_vfail {
    char field[256];   /* "filterCriteria.severity[0].comparison" */
    char message[512]; /* the whole human sentence */
    const char *reason; /* CANNOT_PARSE, FIELD_VALIDATION_FAILED or OTHER */
};

/* Validate v against shape (the operation's input); false fills fail. */
bool srv_validate(int shape, const json_t *v, struct srv_vfail *fail);
/* Index of the shape called name, or -1. */
int srv_model_shape(const char *name);
/* Free the compiled patterns (at exit, for leak checkers). */
void srv_validate_cleanup(void);

/* ------------------------------------------------------------------------ */
/* Routing (router.c)                                                       */

struct srv_call;
typedef enum ks_code (*srv_op_fn)(struct srv_call *c);

enum srv_route_kind {
    SRV_ROUTE_NONE,      /* no such path */
    SRV_ROUTE_METHOD,    /* the path exists with another method */
    SRV_ROUTE_INSPECTOR, /* an Inspector2 operation */
    SRV_ROUTE_KENSA,     /* one of Kensa's own endpoints */
};

enum srv_kensa_route {
    SRV_K_HEALTHZ, SRV_K_METRICS, SRV_K_REPORT_DOWNLOAD,
    SRV_K_INVENTORY,     /* POST /kensa/v1/inventory?resourceId=&resourceType= */
    SRV_K_SCAN,          /* POST /kensa/v1/scans */
    SRV_K_JOB,           /* GET /kensa/v1/jobs/{jobId} */
    SRV_K_DB,            /* GET /kensa/v1/db */
    SRV_K_DB_CHECK,      /* POST /kensa/v1/db/check */
    SRV_K_DB_UPDATE,     /* POST /kensa/v1/db/update */
    SRV_K_SBOM_DOWNLOAD, /* GET /kensa/v1/sbom-exports/{reportId} */
};

struct srv_route {
    enum srv_route_kind kind;
    const struct ks_model_op *op; /* INSPECTOR */
    srv_op_fn fn;                 /* INSPECTOR: NULL when Kensa does not implement it */
    bool read_only;               /* INSPECTOR: replays of it are harmless */
    enum srv_kensa_route kensa;   /* KENSA */
    struct ks_str tail;           /* KENSA: the path after the route's prefix */
};

/* Route method + decoded path (any bytes: fuzzed). */
void srv_route(struct ks_str method, struct ks_str path, struct srv_route *out);

/* ------------------------------------------------------------------------ */
/* One operation call                                                       */

struct srv;
struct ks_store;

struct srv_call {
    struct srv *srv;
    struct ks_store *store;
    const char *account_id;
    const struct ks_model_op *op;
    json_t *in;            /* validated input (borrowed) */
    json_t *out;           /* the handler's output (new reference) */
    struct ks_buf *out_text; /* or the response body as text, when out stays NULL */
    int64_t now_ms;
    bool wrote_events;     /* the call committed events: wake the dispatcher */
    /* Set by srv_fail: */
    unsigned status;
    const char *error_type;
    char message[512];
    json_t *error_extra;   /* extra members of the error body (reason, fields) */
};

/* Fail the call with an AWS error; returns KS_EINVAL for `return srv_fail(...)`. */
enum ks_code srv_fail(struct srv_call *c, unsigned status, const char *type, const char *fmt,
                      ...) KS_PRINTF(4, 5);
/*
 * Fail the call from a store error: EINVAL -> 400 ValidationException,
 * ENOTFOUND -> 404 ResourceNotFoundException, ECONFLICT -> 409
 * ConflictException, ETOOBIG -> 402 ServiceQuotaExceededException, the
 * rest -> 500 InternalServerException (details logged, not returned).
 */
enum ks_code srv_fail_store(struct srv_call *c, enum ks_code rc, const struct ks_err *err);

/* Paging: maxResults (default, max) and the nextToken bound to this request. */
struct srv_paging {
    size_t offset, limit;
    char hash[17];
};
enum ks_code srv_paging_begin(struct srv_call *c, size_t def, size_t max, struct srv_paging *p);
/* Set nextToken in c->out when more follow. */
enum ks_code srv_paging_end(struct srv_call *c, const struct srv_paging *p, bool more);

/* Operation handlers (ops_*.c). */
enum ks_code srv_op_enable(struct srv_call *c);
enum ks_code srv_op_disable(struct srv_call *c);
enum ks_code srv_op_batch_get_account_status(struct srv_call *c);
enum ks_code srv_op_get_configuration(struct srv_call *c);
enum ks_code srv_op_update_configuration(struct srv_call *c);
enum ks_code srv_op_list_usage_totals(struct srv_call *c);
enum ks_code srv_op_list_findings(struct srv_call *c);
enum ks_code srv_op_batch_get_finding_details(struct srv_call *c);
enum ks_code srv_op_list_finding_aggregations(struct srv_call *c);
enum ks_code srv_op_list_coverage(struct srv_call *c);
enum ks_code srv_op_list_coverage_statistics(struct srv_call *c);
enum ks_code srv_op_create_filter(struct srv_call *c);
enum ks_code srv_op_update_filter(struct srv_call *c);
enum ks_code srv_op_delete_filter(struct srv_call *c);
enum ks_code srv_op_list_filters(struct srv_call *c);
enum ks_code srv_op_create_findings_report(struct srv_call *c);
enum ks_code srv_op_get_findings_report_status(struct srv_call *c);
enum ks_code srv_op_cancel_findings_report(struct srv_call *c);
enum ks_code srv_op_create_sbom_export(struct srv_call *c);
enum ks_code srv_op_get_sbom_export(struct srv_call *c);
enum ks_code srv_op_cancel_sbom_export(struct srv_call *c);
/* shared by findings reports and SBOM exports (ops_reports.c) */
enum ks_code srv_report_create(struct srv_call *c, enum ks_report_kind kind,
                               const struct ks_fc_schema *schema, const char *criteria_member);
enum ks_code srv_report_status_reply(struct srv_call *c, struct ks_store_report *r,
                                     const char *dest_member, bool with_format);
enum ks_code srv_report_cancel(struct srv_call *c, enum ks_report_kind kind);

/* ------------------------------------------------------------------------ */
/* The server                                                               */

#define SRV_MAX_HEADERS 100
#define SRV_MAX_QUERY   KS_SIGV4_MAX_QUERY

struct srv_s3 {
    char endpoint[512];       /* "http://127.0.0.1:5000" ("" = no S3: keep reports locally) */
    char region[32];
    char access_key_id[128];
    char secret_access_key[128];
};

/* One HTTP request, independent of libmicrohttpd (the fuzzer drives this too). */
struct srv_request {
    const char *method;
    const char *path; /* decoded */
    struct ks_sigv4_kv headers[SRV_MAX_HEADERS];
    size_t n_headers;
    struct ks_sigv4_kv query[SRV_MAX_QUERY];
    size_t n_query;
    bool too_many; /* headers or query parameters over the limits */
    const char *body;
    size_t body_len;
    char request_id[37];
};

struct srv_response {
    unsigned status;
    struct ks_buf body;
    const char *content_type;
    const char *error_type; /* x-amzn-ErrorType, or NULL */
    char file_path[4200];   /* when set: send this file instead of body */
    const char *op;         /* for the log line and metrics */
    char account_id[16];
    char key_id[32];
    unsigned retry_after;   /* seconds, for 429 */
};

/* A store handle per concurrent request (ks_store is one connection). */
struct srv_pool {
    pthread_mutex_t mu;
    struct ks_store **free;
    size_t n_free, cap;
    struct ks_store_options opt;
};

struct srv_key;
struct ks_vulndb;

/* The vulnerability DB (eval.c): a pool of read handles of the current file. */
struct srv_vdb {
    pthread_mutex_t mu;
    pthread_cond_t cv;        /* the watcher's wakeups; the end of each check round */
    uint64_t gen;             /* +1 each time a new file is picked up */
    bool available;           /* a DB is open */
    uint64_t seq;             /* of the current file */
    char lineage[64];
    struct ks_vulndb **idle;  /* handles of the current generation */
    size_t n_idle, cap_idle;
    /* The watcher thread. */
    pthread_t thread;
    bool started, stopping, wake, in_round;
    struct ks_vulndb *first;  /* opened at start, handed to the watcher */
    uint64_t rounds;          /* check rounds completed */
    bool reevaluating;
    char last_error[256];     /* why the DB could not be opened ("" when fine) */
    /* Counters for /metrics. */
    uint64_t pickups, reeval_runs, reeval_resources, reeval_skipped, reeval_failed;
    double reeval_last_seconds;
    uint64_t evaluated_seq;
};

struct srv {
    struct ks_server_config cfg;
    struct srv_pool pool;
    struct srv_s3 s3;
    struct ks_events_dispatcher *events;
    int64_t started_ms;

    pthread_mutex_t auth_mu;  /* keys, replay, buckets */
    struct ks_map *keys;      /* access key id -> struct srv_key * (cached 5 s) */
    struct ks_map *replay;    /* signature -> expiry ms (heap int64) */
    struct ks_map *buckets;   /* access key id -> struct srv_bucket * */
    int64_t replay_swept_ms;

    void *mhd;                /* struct MHD_Daemon */
    unsigned port;
    atomic_int in_flight;

    struct srv_vdb vdb;

    pthread_t worker;
    bool worker_started;
    pthread_t scanner;        /* scan and DB-update jobs (jobs.c) */
    bool scanner_started;
    pthread_cond_t scanner_cv; /* with worker_mu: a job was queued, or stop */
    pthread_mutex_t worker_mu;
    pthread_cond_t worker_cv;
    bool stopping;

    pthread_mutex_t metrics_mu;
    struct ks_map *counters;  /* "op code" -> heap uint64 */
    uint64_t latency_buckets[12];
    uint64_t latency_count;
    double latency_sum;
    atomic_ullong events_written;
};

struct ks_store *srv_pool_get(struct srv *s, struct ks_err *err);
void srv_pool_put(struct srv *s, struct ks_store *store);

/* dispatch.c: answer one request (auth, routing, validation, the operation). */
void srv_handle(struct srv *s, const struct srv_request *rq, struct srv_response *rs);
/* Fill rs with an AWS error document. */
void srv_error_response(struct srv_response *rs, unsigned status, const char *type,
                        const char *message, const json_t *extra);
void srv_metrics_record(struct srv *s, const char *op, unsigned status, uint64_t ns);

/* auth.c: SigV4 verification, key cache, replay window, rate limit. */
struct srv_auth {
    char account_id[KS_ACCOUNT_ID_LEN + 1];
    char key_id[KS_ACCESS_KEY_LEN + 1];
};
/* false: rs holds the 403 (or 429) to send. */
bool srv_authenticate(struct srv *s, const struct srv_request *rq, bool read_only,
                      struct srv_auth *out, struct srv_response *rs);
void srv_auth_free(struct srv *s);

/* jobs.c: the background worker (reports, SBOM exports, image expiry, stale hosts) */
/* and the scanner thread (scan jobs, DB updates). */
enum ks_code srv_worker_start(struct srv *s, struct ks_err *err);
void srv_worker_wake(struct srv *s);
void srv_worker_stop(struct srv *s);

/* ------------------------------------------------------------------------ */
/* Evaluation and continuous evaluation (eval.c)                            */

/* Open --db (if any) and start the watcher thread. */
enum ks_code srv_vdb_start(struct srv *s, struct ks_err *err);
void srv_vdb_stop(struct srv *s);
/* Ask the watcher for a check now; wait (up to timeout_ms) until that round is over. */
bool srv_vdb_check(struct srv *s, int64_t timeout_ms);
/*
 * A read handle of the current DB and its generation; KS_ENOTFOUND when no
 * DB is open. Give it back with srv_vdb_release.
 */
enum ks_code srv_vdb_acquire(struct srv *s, struct ks_vulndb **db, uint64_t *gen,
                             struct ks_err *err);
void srv_vdb_release(struct srv *s, struct ks_vulndb *db, uint64_t gen);

/*
 * Read an inventory document (Kensa inventory JSON, CycloneDX or SPDX) for
 * a resource: the target becomes the resource (type, name and details as
 * the document describes them) and the inventory is finished. *format gets
 * "kensa-inventory", "cyclonedx" or "spdx". Errors name the problem (the
 * SBOM reader's message) with KS_EPARSE / KS_EUNSUPPORTED / KS_ETOOBIG.
 */
enum ks_code srv_inventory_parse(struct ks_str doc, const char *name,
                                 enum ks_findings_rtype *rtype, const char *resource_id,
                                 struct ks_arena *a, struct ks_inventory **out,
                                 const char **format, struct ks_err *err);
/* *rtype KS_RT_COUNT: the type the document describes (else HOST), written back. */
/* The inventory target type of a resource type. */
enum ks_resource_type srv_resource_type(enum ks_findings_rtype rt);

/* The outcome of one evaluation, for responses and job results. */
struct srv_eval_out {
    bool evaluated;          /* false: stored only (no DB yet) */
    struct ks_store_eval_result res;
    size_t packages, findings;
    const char *status, *reason; /* coverage afterwards (static strings) */
    uint64_t db_seq;
    char db_lineage[64];
    char sha256[65];         /* of the stored document */
};

/*
 * Store a new inventory of an account's resource and evaluate it against
 * the current DB: findings, coverage, index and events in one transaction
 * (stored only, coverage PENDING_INITIAL_SCAN, when no DB is open). inv
 * (finished) lives in arena, which this takes over. KS_ECONFLICT when the
 * resource's scan type is disabled or the image is past its rescan duration.
 */
enum ks_code srv_eval_inventory(struct srv *s, struct ks_store *store, const char *account_id,
                                enum ks_findings_rtype rtype, const char *resource_id,
                                struct ks_inventory *inv, struct ks_arena *arena,
                                struct srv_eval_out *out, struct ks_err *err);
/* The JSON summary of an evaluation (push responses, scan job results). */
json_t *srv_eval_json(const char *account_id, enum ks_findings_rtype rtype,
                      const char *resource_id, const char *format, const struct srv_eval_out *o);
/*
 * The DB state for GET /kensa/v1/db (current file, last evaluated, change
 * log) as account_id sees it: the change log names its resources only.
 */
json_t *srv_vdb_json(struct srv *s, struct ks_store *store, const char *account_id,
                     struct ks_err *err);
/* Prometheus lines of the evaluation counters, appended to out. */
void srv_vdb_metrics(struct srv *s, struct ks_buf *out);

/* sbom.c: produce a queued SBOM export (called by the worker). */
void srv_sbom_export_process(struct srv *s, struct ks_store *store, struct ks_store_report *r);

/* ops_kensa.c: Kensa's own endpoints behind authentication. */
void srv_kensa_inventory(struct srv *s, const struct srv_request *rq, const char *account_id,
                         struct srv_response *rs);
void srv_kensa_scan(struct srv *s, const struct srv_request *rq, const char *account_id,
                    struct srv_response *rs);
void srv_kensa_job(struct srv *s, const char *account_id, struct ks_str job_id,
                   struct srv_response *rs);
void srv_kensa_db(struct srv *s, const char *account_id, struct srv_response *rs);
void srv_kensa_db_check(struct srv *s, const char *account_id, struct srv_response *rs);
void srv_kensa_db_update(struct srv *s, const struct srv_request *rq, const char *account_id,
                         struct srv_response *rs);
void srv_kensa_sbom_download(struct srv *s, const char *account_id, struct ks_str id,
                             struct srv_response *rs);
/* Run one claimed scan or DB-update job (the scanner thread). */
void srv_job_run(struct srv *s, struct ks_store *store, struct ks_store_job *job);
/*
 * The scheduled DB update (vulndbUpdateHours; the scanner thread): update
 * --db when the DB in use is older than the period (or absent), at most
 * once per period (*last_ms: the last attempt, 0 at start).
 */
void srv_vdb_update_if_due(struct srv *s, int64_t *last_ms);

/* ------------------------------------------------------------------------ */
/* Reports (report.c) and S3 (s3.c)                                         */

/*
 * Write a findings report (CSV or JSON) of the findings matching criteria
 * into out. *n_findings counts the rows.
 */
enum ks_code srv_report_render(struct ks_store *s, const char *account_id, const char *format,
                               const json_t *criteria, struct ks_buf *out, size_t *n_findings,
                               struct ks_err *err);
/* PUT data at s3://bucket/key. KS_ENOTFOUND when the bucket does not exist. */
enum ks_code srv_s3_put(const struct srv_s3 *cfg, const char *bucket, const char *key,
                        const char *content_type, const void *data, size_t len,
                        struct ks_err *err);

#endif
