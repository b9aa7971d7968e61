/*
 * store.h: Kensa's state store (ARCHITECTURE.md §4): accounts and access
 * keys, per-account enablement and configuration, resources and their stored
 * inventories, findings with their lifecycle, suppression filters, findings
 * reports and SBOM exports, scan jobs, the event outbox and the change log
 * of vulnerability-DB updates. Every row an account owns carries its id and
 * every call here is scoped by it.
 *
 * One interface, SQL backends behind it: SQLite in WAL mode in the data dir
 * now, PostgreSQL next (store_int.h keeps the dialect apart).
 *
 * A `struct ks_store` is one connection: use it from one thread at a time
 * (the server keeps a pool). Many handles on one data dir are fine, in one
 * process or several (the server and `kensa admin` side by side). Writes are
 * transactions; events are written to the outbox in the same transaction as
 * the change they describe. Times are epoch milliseconds.
 */
#ifndef KS_STORE_H
#define KS_STORE_H

#include "base/base.h"
#include "findings/findings.h"

#include <jansson.h>

struct ks_store;

#define KS_STORE_DB_FILE    "kensa.db"
#define KS_STORE_KEY_FILE   "server.key"
#define KS_ACCOUNT_ID_LEN   12
#define KS_ACCESS_KEY_LEN   20 /* "KSIA" + 16 base32 */
#define KS_SECRET_KEY_LEN   40
#define KS_STORE_MAX_FILTERS 100 /* SUPPRESS and NONE filters per account */

/* ------------------------------------------------------------------------ */
/* Opening                                                                  */

struct ks_store_options {
    const char *data_dir; /* created (0700) if missing */
    const char *region;   /* for ARNs and events; NULL: "us-east-1" */
};

/*
 * Open (creating and migrating) the store in data_dir: kensa.db and the
 * server key (server.key, 32 random bytes, mode 0600) that encrypts access
 * key secrets at rest. *out is owned by the caller (ks_store_free).
 */
enum ks_code ks_store_open(const struct ks_store_options *opt, struct ks_store **out,
                           struct ks_err *err);
void ks_store_free(struct ks_store *s);
const char *ks_store_region(const struct ks_store *s);
const char *ks_store_data_dir(const struct ks_store *s);
/* The schema version this build writes (and migrates older stores to). */
int ks_store_schema_version(void);

/*
 * The default data dir: /var/lib/kensa for root, otherwise
 * $XDG_DATA_HOME/kensa or ~/.local/share/kensa. Writes into buf.
 */
enum ks_code ks_store_default_dir(char *buf, size_t cap, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Accounts and access keys                                                 */

struct ks_account {
    char account_id[KS_ACCOUNT_ID_LEN + 1];
    char name[129];
    int64_t created_ms;
};

/* A new account with a random 12-digit id, enabled for every scan type. */
enum ks_code ks_store_account_create(struct ks_store *s, const char *name, int64_t now_ms,
                                     struct ks_account *out, struct ks_err *err);
/* KS_ENOTFOUND when there is no such account. */
enum ks_code ks_store_account_get(struct ks_store *s, const char *account_id,
                                  struct ks_account *out, struct ks_err *err);

struct ks_access_key {
    char access_key_id[KS_ACCESS_KEY_LEN + 1];
    char secret_access_key[KS_SECRET_KEY_LEN + 1]; /* only filled by create and lookup */
    char account_id[KS_ACCOUNT_ID_LEN + 1];
    int64_t created_ms;
    bool revoked;
};

/*
 * Issue an access key for the account. The secret is returned once here and
 * stored encrypted (XChaCha20-Poly1305 under the server key, the key id as
 * associated data). Wipe out->secret_access_key when done.
 */
enum ks_code ks_store_key_create(struct ks_store *s, const char *account_id, int64_t now_ms,
                                 struct ks_access_key *out, struct ks_err *err);
/*
 * Look a key up by id and decrypt its secret (for SigV4 verification).
 * KS_ENOTFOUND when unknown; a revoked key is returned with revoked = true.
 */
enum ks_code ks_store_key_lookup(struct ks_store *s, struct ks_str access_key_id,
                                 struct ks_access_key *out, struct ks_err *err);
/* KS_ENOTFOUND when unknown. Revoking twice is fine. */
enum ks_code ks_store_key_revoke(struct ks_store *s, const char *access_key_id, int64_t now_ms,
                                 struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Enablement and configuration                                             */

enum ks_enable_status { KS_DISABLED = 0, KS_ENABLED = 1 };

/* Status of each scan type for the account. KS_ENOTFOUND for no account. */
enum ks_code ks_store_scan_types_get(struct ks_store *s, const char *account_id,
                                     enum ks_enable_status out[KS_SCAN_TYPE_COUNT],
                                     struct ks_err *err);
/*
 * Enable or disable the scan types in mask (bit 1 << enum ks_findings_scan_type).
 * Disabling closes the ACTIVE findings of the resources that type covers
 * (events written) and drops those resources from coverage.
 */
enum ks_code ks_store_scan_types_set(struct ks_store *s, const char *account_id, unsigned mask,
                                     enum ks_enable_status st, int64_t now_ms,
                                     struct ks_err *err);

struct ks_account_config {
    char ecr_rescan_duration[16];      /* LIFETIME, DAYS_14, DAYS_30, DAYS_60, DAYS_90, DAYS_180 */
    char ecr_pull_date_rescan_duration[16]; /* "" when unset */
    char ecr_pull_date_rescan_mode[24];     /* "" when unset */
    char ec2_scan_mode[24];            /* EC2_SSM_AGENT_BASED or EC2_HYBRID */
    int64_t updated_ms;
};

enum ks_code ks_store_config_get(struct ks_store *s, const char *account_id,
                                 struct ks_account_config *out, struct ks_err *err);
/* Values are checked (KS_EINVAL names the bad one); empty strings keep the current value. */
enum ks_code ks_store_config_set(struct ks_store *s, const char *account_id,
                                 const struct ks_account_config *cfg, int64_t now_ms,
                                 struct ks_err *err);
/* Days of an ECR rescan duration; 0 for LIFETIME, -1 if unknown. */
int ks_store_rescan_days(const char *duration);

/* ------------------------------------------------------------------------ */
/* Resources and inventories                                                */

/*
 * A stored inventory: the document (opaque here: Kensa's inventory JSON,
 * what `kensa sbom --format json` writes) and its index: the lookups the
 * matcher makes for its packages (ks_match_package_key), by which a DB
 * update's change set selects the resources to re-evaluate.
 */
struct ks_store_pkg_key {
    const char *ecosystem; /* family without release: "Debian", "npm" */
    const char *release;   /* "12", "v3.19"; "" for language packages (any release) */
    const char *name;      /* normalised package name */
};

struct ks_store_inventory {
    const char *format;        /* "kensa-inventory" (NULL: that) */
    const void *doc;
    size_t len;
    const struct ks_store_pkg_key *keys; /* duplicates are fine */
    size_t n_keys;
    const char *os_ecosystem;  /* the distribution's family ("Debian") or NULL */
    const char *os_release;    /* its release ("12") or NULL */
    size_t packages;           /* packages in the document */
};

/* Named limits of an inventory's index. */
#define KS_STORE_MAX_KEYS      200000
#define KS_STORE_MAX_KEY_BYTES 1024

/*
 * Store the inventory of a resource and its index, replacing the previous
 * one, creating the resource (coverage ACTIVE, PENDING_INITIAL_SCAN) if new.
 * `resource` is an Inspector2 Resource document (details, tags) or NULL.
 * KS_EINVAL for a key over the limits.
 */
enum ks_code ks_store_inventory_put(struct ks_store *s, const char *account_id,
                                    enum ks_findings_rtype rtype, const char *resource_id,
                                    const json_t *resource, const struct ks_store_inventory *inv,
                                    int64_t now_ms, struct ks_err *err);
/* The stored inventory into buf (appended). KS_ENOTFOUND when none. */
enum ks_code ks_store_inventory_get(struct ks_store *s, const char *account_id,
                                    const char *resource_id, struct ks_buf *buf,
                                    char format[32], int64_t *received_ms, struct ks_err *err);

/* What is known about a stored inventory besides its document. */
struct ks_store_inventory_meta {
    enum ks_findings_rtype rtype;
    char format[32];
    char sha256[65];         /* of the document */
    int64_t received_ms;
    char scan_status[16];    /* the resource's coverage now */
    char scan_reason[48];
    json_t *resource;        /* owned: the recorded Resource document */
};
void ks_store_inventory_meta_release(struct ks_store_inventory_meta *m);
/* The stored inventory (document appended to doc) and its meta. KS_ENOTFOUND when none. */
enum ks_code ks_store_inventory_load(struct ks_store *s, const char *account_id,
                                     const char *resource_id, struct ks_store_inventory_meta *meta,
                                     struct ks_buf *doc, struct ks_err *err);

/*
 * Selections of resources with a stored inventory, for re-evaluation. fn is
 * called once per resource while the query runs: it must not use the store
 * handle (collect, then work). A code other than KS_OK from fn stops the
 * walk and is returned.
 */
typedef enum ks_code (*ks_store_resource_fn)(void *ctx, const char *account_id,
                                             const char *resource_id, struct ks_err *err);
/* Resources whose inventory holds the package (a key with release "" matches every release). */
enum ks_code ks_store_resources_with_package(struct ks_store *s, const struct ks_store_pkg_key *key,
                                             ks_store_resource_fn fn, void *ctx,
                                             struct ks_err *err);
/* Resources with an ACTIVE (or SUPPRESSED) finding for the vulnerability (a CVE's rescoring). */
enum ks_code ks_store_resources_with_vuln(struct ks_store *s, const char *vuln_id,
                                          ks_store_resource_fn fn, void *ctx, struct ks_err *err);
/* Resources whose coverage is UNSUPPORTED_OS on that distribution (family, release). */
enum ks_code ks_store_resources_unsupported_os(struct ks_store *s, const char *os_ecosystem,
                                               const char *os_release, ks_store_resource_fn fn,
                                               void *ctx, struct ks_err *err);
/* Every resource with an inventory (open_findings: only those with open findings). */
enum ks_code ks_store_resources_all(struct ks_store *s, bool open_findings,
                                    ks_store_resource_fn fn, void *ctx, struct ks_err *err);
/* How many inventories are stored (all accounts). */
enum ks_code ks_store_inventory_count(struct ks_store *s, int64_t *n, struct ks_err *err);

/*
 * Hosts whose inventory was last received before now - stale_ms leave
 * continuous monitoring until a new one arrives: coverage INACTIVE /
 * STALE_INVENTORY (their findings stay as last evaluated), coverage events
 * written. *n counts resources.
 */
enum ks_code ks_store_mark_stale(struct ks_store *s, int64_t now_ms, int64_t stale_ms, size_t *n,
                                 struct ks_err *err);

/*
 * The vulnerability DB the stored findings were last evaluated against
 * (its lineage and update sequence number). *found false when never.
 */
enum ks_code ks_store_vulndb_state_get(struct ks_store *s, char lineage[64], uint64_t *seq,
                                       bool *found, struct ks_err *err);
enum ks_code ks_store_vulndb_state_set(struct ks_store *s, const char *lineage, uint64_t seq,
                                       struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Finding lifecycle                                                        */

/*
 * The complete result of evaluating one resource: every finding the matcher
 * produced for it, as Inspector2 Finding documents with stable ids (the
 * part of findingArn after "finding/").
 */
struct ks_store_evaluation {
    const char *account_id;
    enum ks_findings_rtype rtype;
    const char *resource_id;
    const json_t *resource; /* Resource document; NULL: the first finding's resources[0] */
    json_t *findings;       /* array; normalised in place (ARN, account, resource type) */
    int64_t now_ms;
    /* Optional: */
    const struct ks_store_inventory *inventory; /* stored with the evaluation, atomically */
    const char *inventory_sha256; /* without inventory: apply only while the stored */
                                  /* inventory has this digest (else KS_ECONFLICT) */
    const char *scan_status;      /* coverage afterwards; NULL: ACTIVE */
    const char *scan_reason;      /* NULL: SUCCESSFUL */
};

struct ks_store_eval_result {
    size_t created;      /* new findings (ACTIVE or SUPPRESSED at birth) */
    size_t updated;      /* content changed (severity, score, packages, …) */
    size_t reopened;     /* CLOSED before, produced again */
    size_t closed;       /* ACTIVE before, not produced any more */
    size_t unchanged;    /* seen again as they were: only lastObservedAt moved */
    size_t suppressed;   /* status moved to SUPPRESSED by a filter */
    size_t unsuppressed; /* status moved back to ACTIVE */
    size_t events;       /* events written to the outbox */
};

/*
 * Apply an evaluation of one resource, in one transaction:
 * - new findings become ACTIVE with firstObservedAt = lastObservedAt = now;
 * - findings seen again get lastObservedAt = now; updatedAt moves only when
 *   the document (severity, score, packages, …) or the status changed;
 * - a CLOSED finding produced again is re-opened (ACTIVE);
 * - ACTIVE/SUPPRESSED findings of the resource not produced are CLOSED;
 * - SUPPRESS filters are applied to the resource's findings;
 * - the resource is recorded (coverage ACTIVE/SUCCESSFUL or what scan_status
 *   and scan_reason say, lastScannedAt), with its inventory when given;
 * - an "Inspector2 Finding" event is written for every created, updated
 *   (severity, score or status change) and closed finding, plus an
 *   "Inspector2 Scan" event, in the same transaction.
 * KS_EINVAL (err names the finding and member) for an invalid document or
 * one of another resource; KS_ECONFLICT when the resource's scan type is
 * disabled for the account, the image past its rescan duration, or the
 * stored inventory no longer the one inventory_sha256 names; KS_ENOTFOUND
 * for an unknown account.
 */
enum ks_code ks_store_apply_evaluation(struct ks_store *s, const struct ks_store_evaluation *ev,
                                       struct ks_store_eval_result *res, struct ks_err *err);

/*
 * Take CONTAINER_IMAGE resources past their account's ECR rescan duration
 * (from pushedAt, else from when Kensa first saw them) out of continuous
 * monitoring: coverage INACTIVE/SCAN_ELIGIBILITY_EXPIRED, findings CLOSED,
 * events written. *n_expired counts resources.
 */
enum ks_code ks_store_expire_images(struct ks_store *s, int64_t now_ms, size_t *n_expired,
                                    struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Finding queries                                                          */

enum ks_sort_field {
    KS_SORT_DEFAULT, /* severity (CRITICAL first), then finding id */
    KS_SORT_AWS_ACCOUNT_ID, KS_SORT_FINDING_TYPE, KS_SORT_SEVERITY, KS_SORT_FIRST_OBSERVED_AT,
    KS_SORT_LAST_OBSERVED_AT, KS_SORT_FINDING_STATUS, KS_SORT_RESOURCE_TYPE,
    KS_SORT_ECR_IMAGE_PUSHED_AT, KS_SORT_ECR_IMAGE_REPOSITORY_NAME, KS_SORT_ECR_IMAGE_REGISTRY,
    KS_SORT_NETWORK_PROTOCOL, KS_SORT_COMPONENT_TYPE, KS_SORT_VULNERABILITY_ID,
    KS_SORT_VULNERABILITY_SOURCE, KS_SORT_INSPECTOR_SCORE, KS_SORT_VENDOR_SEVERITY,
    KS_SORT_EPSS_SCORE, KS_SORT_COUNT
};

/* "SEVERITY" -> KS_SORT_SEVERITY; false when unknown. */
bool ks_store_sort_parse(struct ks_str s, enum ks_sort_field *out);

struct ks_store_page {
    size_t offset;
    size_t limit; /* 1..1000 */
};

/*
 * Findings of the account matching criteria (NULL: all), sorted, one page.
 * *out is a new JSON array of rendered findings (style decides timestamps);
 * *more says whether rows follow the page.
 */
enum ks_code ks_store_findings_list(struct ks_store *s, const char *account_id,
                                    const struct ks_criteria *criteria, enum ks_sort_field sort,
                                    bool descending, const struct ks_store_page *page,
                                    enum ks_ts_style style, json_t **out, bool *more,
                                    struct ks_err *err);
/*
 * The same page as ks_store_findings_list in the wire's form (epoch-second
 * timestamps), appended to out as JSON array text without parsing the
 * stored documents: the lifecycle members are spliced onto each one. This
 * is ListFindings' hot path.
 */
enum ks_code ks_store_findings_list_text(struct ks_store *s, const char *account_id,
                                         const struct ks_criteria *criteria,
                                         enum ks_sort_field sort, bool descending,
                                         const struct ks_store_page *page, struct ks_buf *out,
                                         bool *more, struct ks_err *err);
/* Count the findings matching criteria. */
enum ks_code ks_store_findings_count(struct ks_store *s, const char *account_id,
                                     const struct ks_criteria *criteria, size_t *count,
                                     struct ks_err *err);
/* One finding by id; NULL *out (KS_OK) when the account has none with that id. */
enum ks_code ks_store_finding_get(struct ks_store *s, const char *account_id,
                                  const char *finding_id, enum ks_ts_style style, json_t **out,
                                  struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Aggregations (ListFindingAggregations)                                   */

enum ks_agg_type {
    KS_AGG_ACCOUNT, KS_AGG_AMI, KS_AGG_AWS_EC2_INSTANCE, KS_AGG_AWS_ECR_CONTAINER,
    KS_AGG_IMAGE_LAYER, KS_AGG_PACKAGE, KS_AGG_REPOSITORY, KS_AGG_TITLE, KS_AGG_FINDING_TYPE,
    KS_AGG_AWS_LAMBDA_FUNCTION, KS_AGG_LAMBDA_LAYER, KS_AGG_CODE_REPOSITORY, KS_AGG_COUNT
};

bool ks_store_agg_parse(struct ks_str s, enum ks_agg_type *out);
const char *ks_store_agg_name(enum ks_agg_type t);

/* The sub-request of one aggregation type, parsed (strings borrowed). */
struct ks_agg_request {
    enum ks_agg_type type;
    const struct ks_fc_list *account_ids;   /* top-level accountIds */
    /* Key filters by name as the request names them ("amis", "resourceIds", …). */
    struct {
        const char *name;
        const struct ks_fc_list *list;
    } filters[8];
    size_t n_filters;
    const char *finding_type;  /* findingType restriction, or NULL */
    const char *resource_type; /* AWS resource type restriction, or NULL */
    const char *sort_by;       /* CRITICAL, HIGH, ALL, AFFECTED_INSTANCES, … (NULL: CRITICAL) */
    bool descending;           /* sortOrder (default DESC) */
};

/*
 * Aggregate the account's ACTIVE findings (SUPPRESSED and CLOSED are not
 * counted, like Inspector) by the type's key; one page of responses as a new
 * JSON array of AggregationResponse objects; *more says whether more follow.
 */
enum ks_code ks_store_findings_aggregate(struct ks_store *s, const char *account_id,
                                         const struct ks_agg_request *req,
                                         const struct ks_store_page *page, json_t **out,
                                         bool *more, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Coverage                                                                 */

/*
 * CoveredResource objects of the account's resources matching criteria
 * (NULL: all), for enabled scan types, ordered by resource id: one page.
 */
enum ks_code ks_store_coverage_list(struct ks_store *s, const char *account_id,
                                    const struct ks_criteria *criteria,
                                    const struct ks_store_page *page, int64_t now_ms,
                                    json_t **out, bool *more, struct ks_err *err);
/*
 * Counts of matching resources grouped by group_by (SCAN_STATUS_CODE,
 * SCAN_STATUS_REASON, ACCOUNT_ID, RESOURCE_TYPE, ECR_REPOSITORY_NAME; NULL:
 * no groups). *counts is a new array of {count, groupKey}.
 */
enum ks_code ks_store_coverage_stats(struct ks_store *s, const char *account_id,
                                     const struct ks_criteria *criteria, const char *group_by,
                                     int64_t now_ms, json_t **counts, int64_t *total,
                                     struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Filters (suppression rules)                                              */

struct ks_store_filter {
    const char *arn;          /* update/delete: which one; create: ignored */
    const char *name;
    const char *description;  /* NULL: none (update: keep) */
    const char *reason;       /* NULL: none (update: keep) */
    const char *action;       /* "NONE" or "SUPPRESS" (update NULL: keep) */
    const json_t *criteria;   /* FilterCriteria (update NULL: keep); validated here */
    const json_t *tags;       /* TagMap or NULL */
};

/*
 * Create a filter; a SUPPRESS filter takes effect on existing findings at
 * once (events for each status change). arn_out gets the new ARN.
 * KS_EINVAL for bad criteria (err names the member); KS_ETOOBIG over
 * KS_STORE_MAX_FILTERS.
 */
enum ks_code ks_store_filter_create(struct ks_store *s, const char *account_id,
                                    const struct ks_store_filter *f, int64_t now_ms,
                                    char arn_out[160], struct ks_err *err);
/* Update (suppression recomputed); KS_ENOTFOUND for an unknown ARN. */
enum ks_code ks_store_filter_update(struct ks_store *s, const char *account_id,
                                    const struct ks_store_filter *f, int64_t now_ms,
                                    struct ks_err *err);
/* Delete (its suppressions lifted); KS_ENOTFOUND for an unknown ARN. */
enum ks_code ks_store_filter_delete(struct ks_store *s, const char *account_id, const char *arn,
                                    int64_t now_ms, struct ks_err *err);
/*
 * Filter objects (the ListFilters shape, timestamps in style), optionally
 * only those ARNs and/or that action, ordered by creation.
 */
enum ks_code ks_store_filter_list(struct ks_store *s, const char *account_id,
                                  const char *const *arns, size_t n_arns, const char *action,
                                  const struct ks_store_page *page, enum ks_ts_style style,
                                  json_t **out, bool *more, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Findings reports and SBOM exports (asynchronous jobs)                    */

enum ks_report_kind { KS_REPORT_FINDINGS, KS_REPORT_SBOM };

struct ks_store_report {
    char report_id[37];
    char account_id[KS_ACCOUNT_ID_LEN + 1];
    enum ks_report_kind kind;
    char status[16];       /* IN_PROGRESS, SUCCEEDED, FAILED, CANCELLED */
    char format[16];       /* CSV, JSON (findings); CYCLONEDX_1_4, SPDX_2_3 (SBOM) */
    json_t *criteria;      /* owned: FilterCriteria / ResourceFilterCriteria or NULL */
    json_t *destination;   /* owned: Destination or NULL */
    char error_code[32];
    char error_message[256];
    char object_key[512];  /* S3 key written, or "" */
    char local_path[512];  /* file kept in the data dir for download, or "" */
    int64_t created_ms, updated_ms;
};

void ks_store_report_release(struct ks_store_report *r);

/* Queue a report (status IN_PROGRESS); report_id_out gets its UUID. */
enum ks_code ks_store_report_create(struct ks_store *s, const char *account_id,
                                    enum ks_report_kind kind, const char *format,
                                    const json_t *criteria, const json_t *destination,
                                    int64_t now_ms, char report_id_out[37], struct ks_err *err);
/* KS_ENOTFOUND when the account has no such report (of that kind). */
enum ks_code ks_store_report_get(struct ks_store *s, const char *account_id,
                                 enum ks_report_kind kind, const char *report_id,
                                 struct ks_store_report *out, struct ks_err *err);
/* The account's most recent report of that kind. KS_ENOTFOUND when none. */
enum ks_code ks_store_report_latest(struct ks_store *s, const char *account_id,
                                    enum ks_report_kind kind, struct ks_store_report *out,
                                    struct ks_err *err);
/* IN_PROGRESS -> CANCELLED; KS_ECONFLICT when it already finished. */
enum ks_code ks_store_report_cancel(struct ks_store *s, const char *account_id,
                                    enum ks_report_kind kind, const char *report_id,
                                    int64_t now_ms, struct ks_err *err);
/*
 * Claim the oldest unclaimed IN_PROGRESS report for a worker. *found false
 * when none. Claims older than stale_ms are taken over (a crashed worker).
 */
enum ks_code ks_store_report_claim(struct ks_store *s, int64_t now_ms, int64_t stale_ms,
                                   struct ks_store_report *out, bool *found, struct ks_err *err);
/*
 * Finish a claimed report: status SUCCEEDED or FAILED (error_code/message).
 * Does nothing if it was cancelled meanwhile (*cancelled true).
 */
enum ks_code ks_store_report_finish(struct ks_store *s, const struct ks_store_report *r,
                                    int64_t now_ms, bool *cancelled, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Scan jobs                                                                */

struct ks_store_job {
    char job_id[37];
    char account_id[KS_ACCOUNT_ID_LEN + 1];
    char kind[32];       /* "evaluate", "scan-image", "scan-path", … */
    char status[16];     /* QUEUED, RUNNING, SUCCEEDED, FAILED */
    json_t *payload;     /* owned */
    json_t *result;      /* owned; NULL until finished with one */
    char error[256];
    int64_t created_ms, started_ms, finished_ms;
};

void ks_store_job_release(struct ks_store_job *j);
enum ks_code ks_store_job_add(struct ks_store *s, const char *account_id, const char *kind,
                              const json_t *payload, int64_t now_ms, char job_id_out[37],
                              struct ks_err *err);
/* Claim the oldest QUEUED job (RUNNING jobs older than stale_ms are retried). */
enum ks_code ks_store_job_claim(struct ks_store *s, int64_t now_ms, int64_t stale_ms,
                                struct ks_store_job *out, bool *found, struct ks_err *err);
enum ks_code ks_store_job_finish(struct ks_store *s, const char *job_id, bool ok,
                                 const char *error, int64_t now_ms, struct ks_err *err);
/* Finish with a result document (kept with the job; may be NULL). */
enum ks_code ks_store_job_finish_result(struct ks_store *s, const char *job_id, bool ok,
                                        const char *error, const json_t *result, int64_t now_ms,
                                        struct ks_err *err);
enum ks_code ks_store_job_get(struct ks_store *s, const char *account_id, const char *job_id,
                              struct ks_store_job *out, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Event outbox                                                             */

/* One event waiting for delivery to one target (owned strings). */
struct ks_outbox_event {
    int64_t seq;
    char event_id[37];
    char account_id[KS_ACCOUNT_ID_LEN + 1];
    char region[32];
    char detail_type[32];
    char kind[16];     /* created, updated, closed, coverage, scan */
    int64_t time_ms;
    char *resources;   /* JSON array text */
    char *detail;      /* JSON object text */
    int attempts;      /* failed attempts so far for this target */
};

void ks_outbox_event_release(struct ks_outbox_event *e);

/*
 * Register a delivery target (a webhook URL). A new target receives events
 * written from now on; a known one resumes where it stopped.
 */
enum ks_code ks_store_outbox_target(struct ks_store *s, const char *target, int64_t now_ms,
                                    struct ks_err *err);
/*
 * Up to max events due for target (never delivered to it, not given up, and
 * past their retry time), oldest first. *n is set to how many were filled.
 */
enum ks_code ks_store_outbox_due(struct ks_store *s, const char *target, int64_t now_ms,
                                 struct ks_outbox_event *out, size_t max, size_t *n,
                                 struct ks_err *err);
/* Record a successful delivery. */
enum ks_code ks_store_outbox_delivered(struct ks_store *s, const char *target, int64_t seq,
                                       int64_t now_ms, struct ks_err *err);
/*
 * Record a failed attempt; retry at next_attempt_ms, or give up (dead) when
 * dead is true.
 */
enum ks_code ks_store_outbox_failed(struct ks_store *s, const char *target, int64_t seq,
                                    int64_t next_attempt_ms, bool dead, const char *error,
                                    struct ks_err *err);
/* Events not yet delivered to target (nor given up). */
enum ks_code ks_store_outbox_pending(struct ks_store *s, const char *target, int64_t *n,
                                     struct ks_err *err);
/*
 * Delete events every registered target has delivered (or given up on) and
 * that are older than retain_ms; with no target, events older than retain_ms.
 */
enum ks_code ks_store_outbox_prune(struct ks_store *s, int64_t now_ms, int64_t retain_ms,
                                   int64_t *deleted, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Change log of vulnerability-DB updates                                   */

/* Record that a DB was picked up; change_set is the DB's stored change set. */
enum ks_code ks_store_changelog_add(struct ks_store *s, const char *db_id, const json_t *change_set,
                                    int64_t now_ms, int64_t *change_id, struct ks_err *err);
/*
 * Mark a change as re-evaluated (how many resources were); change_set, when
 * not NULL, replaces the one recorded (the pass adds what it did to it).
 */
enum ks_code ks_store_changelog_done(struct ks_store *s, int64_t change_id, int64_t resources,
                                     const json_t *change_set, int64_t now_ms, struct ks_err *err);
/* The db_id of the newest change recorded, into out ("" when none). */
enum ks_code ks_store_changelog_last(struct ks_store *s, char *out, size_t cap,
                                     struct ks_err *err);
/*
 * The newest `limit` changes, newest first: a new array of {changeId, dbId,
 * changeSet, recordedAt, evaluatedAt, resourcesEvaluated} (times RFC 3339).
 */
enum ks_code ks_store_changelog_list(struct ks_store *s, size_t limit, json_t **out,
                                     struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Usage (ListUsageTotals) and statistics                                   */

/*
 * Usage objects ({type, total, estimatedMonthlyCost, currency}) for the
 * account this calendar month: resource hours for hosts and functions,
 * initial scans and re-scans of images, code repository scans.
 */
enum ks_code ks_store_usage(struct ks_store *s, const char *account_id, int64_t now_ms,
                            json_t **out, struct ks_err *err);

/*
 * Refresh the query planner's statistics: all of them when full (the server
 * does at start), else only where the tables grew a lot (every few minutes;
 * cheap when fresh). Without statistics, filtered queries may pick a poor
 * index and read every finding.
 */
enum ks_code ks_store_maintain(struct ks_store *s, bool full, struct ks_err *err);

/* Server-wide counts for /metrics (no account data). */
struct ks_store_stats {
    int64_t accounts, resources, findings_active, findings_suppressed, findings_closed;
    int64_t outbox_events;
};
enum ks_code ks_store_stats(struct ks_store *s, struct ks_store_stats *out, struct ks_err *err);

#endif
