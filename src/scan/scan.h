/*
 * scan.h: the pipeline driver (ARCHITECTURE.md §2, §7): target → inventory →
 * match → score → findings. The CLI calls it for `kensa scan`; the server
 * and workers call ks_scan_inventory() on stored inventories. It never
 * prints and never exits: everything comes back in struct ks_scan.
 *
 * The result document is {"findings": [...], "summary": {...}, "target":
 * {...}, "db": {...}}; each finding has the field names of the Inspector2
 * `Finding` shape (docs/formats.md lists them and Kensa's additions).
 */
#ifndef KS_SCAN_H
#define KS_SCAN_H

#include "base/base.h"
#include "inventory/inventory.h"
#include "match/match.h"
#include "model/model.h"
#include "score/score.h"
#include "vulndb/vulndb.h"

/* Placeholders for CLI scans; the server writes the evaluating account. */
#define KS_SCAN_DEFAULT_ACCOUNT "000000000000"
#define KS_SCAN_DEFAULT_REGION  "local"

struct ks_scan_opts {
    const char *target;          /* ks_inventory_from_target's argument */
    struct ks_inventory_opts inv;
    const char *db_path;         /* NULL: ks_vulndb_default_path() */
    int64_t max_db_age;          /* seconds; 0 = KS_VULNDB_DEFAULT_MAX_AGE_DAYS */
    bool fail_on_stale;          /* a DB older than max_db_age is an error, not a warning */
    struct ks_match_opts match;
    struct ks_score_context context;
    const char *account_id;      /* NULL: KS_SCAN_DEFAULT_ACCOUNT */
    const char *region;          /* NULL: KS_SCAN_DEFAULT_REGION */
    const char *resource_id;     /* NULL: derived from the target */
    /* What to leave out of the findings (counted in summary.hidden): */
    bool ignore_unfixed;         /* --ignore-unfixed: findings with fixAvailable NO */
    unsigned ignore_status;      /* bit (1 << enum ks_vuln_status): vendor statuses to skip */
    unsigned severities;         /* bit (1 << enum ks_rsev): show only these; 0 shows all */
    /* What to mark SUPPRESSED (shown as such, never dropped): */
    const char *const *vex_files; /* --vex: OpenVEX or CycloneDX VEX documents */
    size_t n_vex_files;
    const char *ignore_file;      /* --ignore-file: YAML rules */
};

/* Progress callback for long scans (stage: "inventory", "match", "score"). */
typedef void (*ks_scan_progress_fn)(void *ctx, const char *stage, size_t done, size_t total);

struct ks_scan_stats {
    uint64_t inventory_ns, match_ns, score_ns; /* wall time per stage */
    size_t packages;                           /* in the inventory */
    size_t findings;                           /* in the document (suppressed included) */
    size_t by_severity[KS_RSEV_COUNT];         /* ACTIVE findings */
    size_t suppressed, hidden, unknown;
};

struct ks_scan {
    struct ks_arena *arena;     /* owns everything below except doc */
    struct ks_inventory *inv;
    struct ks_match_result match;
    json_t *doc;                /* the result document (owned reference) */
    struct ks_scan_stats stats;
    bool db_stale;              /* older than max_db_age (a warning unless fail_on_stale) */
    char db_stale_why[512];
};

/*
 * Inventory opts->target, open the DB, match, score and build the document.
 * *out is the caller's (ks_scan_free). Errors name what failed: the target,
 * the DB (KS_ENOTFOUND suggests `kensa db update`), a VEX or ignore file.
 */
enum ks_code ks_scan_run(const struct ks_scan_opts *opts, ks_scan_progress_fn progress,
                         void *progress_ctx, struct ks_scan **out, struct ks_err *err);

/*
 * Match, score and build the document for an inventory already in hand (the
 * server's stored inventories). inv must live in `arena`, which the scan
 * takes over (freed by ks_scan_free).
 */
enum ks_code ks_scan_inventory(struct ks_vulndb *db, struct ks_inventory *inv,
                               struct ks_arena *arena, const struct ks_scan_opts *opts,
                               struct ks_scan **out, struct ks_err *err);

void ks_scan_free(struct ks_scan *scan);

/*
 * The CI/CD gate: true when an ACTIVE (not suppressed) finding is at or above
 * `threshold`; UNTRIAGED findings count only when `untriaged` is set.
 */
bool ks_scan_gate(const struct ks_scan *scan, enum ks_rsev threshold, bool untriaged);

/*
 * Parse "--ignore-status will_not_fix,fix_deferred" into a bit set of
 * enum ks_vuln_status, and "--severity HIGH,CRITICAL" into one of enum
 * ks_rsev. KS_EINVAL names the unknown word.
 */
enum ks_code ks_scan_parse_statuses(const char *list, unsigned *out, struct ks_err *err);
enum ks_code ks_scan_parse_severities(const char *list, unsigned *out, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Suppression sources (applied by the driver; exposed for tests).          */

/* One rule of an --ignore-file, or one VEX statement. */
struct ks_suppression {
    const char *source;  /* "ignore-file" or "vex" */
    const char *file;    /* where it came from, for messages */
    const char *vuln_id; /* CVE/GHSA/... (matches the finding's id or a related id); NULL = any */
    const char *package; /* package name or purl (purl: name and version compared); NULL = any */
    const char *path;    /* glob over vulnerablePackages[].filePath; NULL = any */
    time_t until;        /* 0: no expiry; else the rule stops suppressing after this time */
    const char *status;  /* VEX: not_affected / fixed / affected / under_investigation */
    const char *reason;  /* justification or reason, shown on the finding */
};

struct ks_suppressions {
    struct ks_suppression *items;
    size_t n, cap;
};

/* Load an ignore file (YAML; docs/formats.md) into list (arena strings). */
enum ks_code ks_suppress_load_ignore(const char *path, struct ks_arena *arena,
                                     struct ks_suppressions *list, struct ks_err *err);
/* Load an OpenVEX or CycloneDX VEX JSON document (statements that suppress). */
enum ks_code ks_suppress_load_vex(const char *path, struct ks_arena *arena,
                                  struct ks_suppressions *list, struct ks_err *err);

#endif
