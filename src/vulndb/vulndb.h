/*
 * vulndb.h: the vulnerability database (ARCHITECTURE.md §2, §4). One
 * immutable, versioned SQLite file built from feeds (OSV, NVD CVE 2.0, EPSS,
 * CISA KEV, and the distro feeds of issue 4), read-only at scan time, replaced
 * as a whole by an atomic rename when `db import`/`db update` build a new one.
 * Holds the OSV-shaped advisory model every importer produces, the read-only
 * query API the matcher and the server use, and the import/update entry
 * points. docs/vulndb.md describes the file format and the update protocol.
 */
#ifndef KS_VULNDB_H
#define KS_VULNDB_H

#include "base/base.h"
#include "version/version.h"

/* ------------------------------------------------------------------------ */
/* The advisory model (OSV schema 1.7, plus vendor status and severity).     */

/*
 * What a vendor says about one affected package. OSV records leave it at
 * KS_VSTATUS_NONE: the ranges alone decide. Distro feeds (issue 4) fill it.
 * Stored on disk by name (ks_vuln_status_name), never by number.
 */
enum ks_vuln_status {
    KS_VSTATUS_NONE = 0,     /* not stated: evaluate the ranges */
    KS_VSTATUS_AFFECTED,     /* affected, no fix yet */
    KS_VSTATUS_FIXED,        /* fixed in the version the ranges name */
    KS_VSTATUS_WILL_NOT_FIX, /* the vendor will not fix it */
    KS_VSTATUS_FIX_DEFERRED, /* postponed / deferred */
    KS_VSTATUS_END_OF_LIFE,  /* the release is out of support */
    KS_VSTATUS_NOT_AFFECTED, /* the vendor says this package is not affected */
    KS_VSTATUS_COUNT
};

/* "affected", "fixed", "will_not_fix", ...; "" for KS_VSTATUS_NONE. Never NULL. */
const char *ks_vuln_status_name(enum ks_vuln_status s);
/* Inverse of ks_vuln_status_name; KS_EINVAL for an unknown word. */
enum ks_code ks_vuln_status_parse(struct ks_str s, enum ks_vuln_status *out);

/* One `severity[]` entry: {"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/..."}. */
struct ks_adv_severity {
    const char *type;   /* CVSS_V2, CVSS_V3, CVSS_V4, Ubuntu, ... */
    const char *score;  /* the vector (or the vendor's word for non-CVSS types) */
    const char *source; /* who scored it (e.g. "nvd@nist.gov"); NULL when unstated */
};

struct ks_adv_reference {
    const char *type; /* ADVISORY, FIX, WEB, ... */
    const char *url;
};

struct ks_adv_credit {
    const char *name;
    const char *type; /* may be NULL */
    const char *const *contact;
    size_t n_contact;
};

/* One `affected[]` entry. */
struct ks_adv_affected {
    const char *ecosystem; /* as the advisory wrote it, with release: "Debian:12" */
    enum ks_eco eco;       /* parsed; KS_ECO_UNKNOWN for ecosystems Kensa does not know */
    const char *eco_name;  /* the ecosystem without release ("Debian"; for unknown ones */
                           /* the text before the first ':') */
    const char *release;   /* "12", "v3.19"; "" when none */
    const char *name;      /* package name as written (Debian: the source package) */
    const char *norm_name; /* ks_eco_normalize_name(eco, name): what lookups use */
    const char *purl;      /* NULL when absent */
    /* Version data in version.h's shape; strings are NUL-terminated views. */
    const struct ks_osv_range *ranges;
    size_t n_ranges;
    const struct ks_str *versions;
    size_t n_versions;
    /* GIT ranges' repo per range (NULL for others); parallel to ranges. */
    const char *const *range_repos;
    const struct ks_adv_severity *severity; /* affected[].severity (OSV 1.5+) */
    size_t n_severity;
    const json_t *ecosystem_specific; /* verbatim, borrowed; NULL when absent */
    const json_t *database_specific;  /* verbatim, borrowed; NULL when absent */
    enum ks_vuln_status status;       /* vendor status; KS_VSTATUS_NONE for OSV */
    const char *vendor_severity;      /* vendor's severity word ("important"); may be NULL */
};

/*
 * An advisory. Importers fill one per record and hand it to the store; the
 * query API returns them. Every pointer is borrowed: from the arena the
 * function that filled it was given, or (json_t) from a document that arena
 * keeps alive. Unset strings are NULL, unset arrays have n == 0.
 */
struct ks_advisory {
    const char *id;             /* required: "GHSA-...", "GO-2023-1840", "DSA-5000-1" */
    const char *schema_version; /* OSV schema version of the record, if stated */
    const char *modified;       /* RFC 3339 as written; "" when absent */
    const char *published;
    const char *withdrawn;      /* set: the advisory is withdrawn (kept, never matched) */
    const char *const *aliases; /* same vulnerability elsewhere (GHSA <-> CVE) */
    size_t n_aliases;
    const char *const *upstream; /* what it derives from (DSA -> its CVEs) */
    size_t n_upstream;
    const char *const *related;
    size_t n_related;
    const char *summary;
    const char *details;
    const struct ks_adv_severity *severity;
    size_t n_severity;
    const struct ks_adv_affected *affected;
    size_t n_affected;
    const struct ks_adv_reference *references;
    size_t n_references;
    const struct ks_adv_credit *credits;
    size_t n_credits;
    const json_t *database_specific; /* verbatim; NULL when absent */
    const char *source;              /* feed it came from ("osv:Go"); set by the store */
    /*
     * The record's JSON text as the feed published it, when the importer
     * read JSON (OSV): the store keeps (and hashes) it as is instead of
     * serialising the model, which halves import time. Importers of other
     * formats leave it empty and the store writes ks_advisory_to_json().
     */
    struct ks_str raw_json;
};

/*
 * Read one OSV record (a parsed JSON object) into *out, allocating from
 * arena; strings point into `rec`, which must outlive *out. Package names
 * are normalised per ecosystem. KS_EPARSE names the bad field ("affected[1].
 * ranges[0].events[2]: ..."). Thread-safe.
 */
enum ks_code ks_advisory_from_osv(const json_t *rec, struct ks_arena *arena,
                                  struct ks_advisory *out, struct ks_err *err);
/*
 * The canonical OSV-shaped JSON of an advisory (what the DB stores and what
 * its content hash covers): OSV keys in schema order, plus the Kensa
 * extensions "status" and "vendor_severity" in affected entries that have
 * them. *out is a new reference. KS_EPARSE if a string is not valid UTF-8.
 */
enum ks_code ks_advisory_to_json(const struct ks_advisory *adv, json_t **out, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Opening a DB for reading. A handle is NOT thread-safe (it caches          */
/* prepared statements): open one per thread. Opening is cheap (~100 µs).  */

struct ks_vulndb;

#define KS_VULNDB_SCHEMA_VERSION 2
#define KS_VULNDB_DEFAULT_MAX_AGE_DAYS 7

/*
 * Where the DB lives when no --db is given: $KENSA_DB, else
 * $XDG_CACHE_HOME/kensa/vuln.db, else ~/.cache/kensa/vuln.db. Appends to out.
 * KS_ENOTFOUND when neither KENSA_DB, XDG_CACHE_HOME nor HOME is set.
 */
enum ks_code ks_vulndb_default_path(struct ks_buf *out, struct ks_err *err);

/*
 * Open the DB at path read-only (SQLite immutable mode: no locks, no journal,
 * the file is never written in place). Checks the schema version; KS_ENOTFOUND
 * when there is no file, KS_EDB when it is not a Kensa DB or of another
 * schema version (err says which and suggests `kensa db update`).
 */
enum ks_code ks_vulndb_open(const char *path, struct ks_vulndb **out, struct ks_err *err);
void ks_vulndb_free(struct ks_vulndb *db); /* NULL is a no-op */
const char *ks_vulndb_path(const struct ks_vulndb *db);

/*
 * Has the file at the handle's path been replaced (another inode, size or
 * mtime) since the handle was opened? A swapped-in DB is picked up by
 * opening a new handle, reading ks_vulndb_changes_since() from it and freeing
 * the old one. A missing file counts as unchanged (an update in progress
 * never leaves the path empty, but a user might). One stat() call.
 */
bool ks_vulndb_changed(const struct ks_vulndb *db);

/* ------------------------------------------------------------------------ */
/* Status and freshness.                                                    */

struct ks_vulndb_source_info {
    const char *name;     /* "osv:Go", "nvd:2021", "epss", "kev" */
    const char *kind;     /* importer: "osv", "nvd", "epss", "kev", ... */
    const char *location; /* URL or path it was last read from */
    const char *etag;     /* NULL when none */
    const char *last_modified; /* HTTP Last-Modified, NULL when none */
    const char *digest;        /* sha256 hex of the raw feed bytes */
    const char *data_time;     /* the feed's own timestamp (EPSS score_date, ...), may be NULL */
    uint64_t records;          /* records currently held from this source */
    uint64_t malformed;        /* records skipped with a warning at the last import */
    time_t checked_at;         /* last time it was fetched or found unchanged */
    time_t changed_at;         /* last time its content changed */
};

struct ks_vulndb_status {
    const char *path;
    int schema_version;
    const char *lineage;      /* random id of this DB's history (copies keep it) */
    uint64_t seq;             /* update sequence number, +1 per import/update */
    time_t built_at;          /* when this file was written */
    const char *content_hash; /* sha256 over the sources' digests */
    const char *kensa_version;
    uint64_t advisories, withdrawn, affected_rows, nvd_records, epss_records, kev_records;
    const struct ks_vulndb_source_info *sources; /* sorted by name */
    size_t n_sources;
};

/* Fill *out from the DB's metadata; strings are allocated in arena. */
enum ks_code ks_vulndb_status(struct ks_vulndb *db, struct ks_arena *arena,
                              struct ks_vulndb_status *out, struct ks_err *err);

/*
 * The DB's age at `now`: the time since its least recently checked source
 * was last fetched (or found unchanged) — the age of the stalest data a scan
 * would use. *oldest names that source (borrowed from the handle). Returns
 * -1 for a DB with no sources.
 */
int64_t ks_vulndb_age(const struct ks_vulndb *db, time_t now, const char **oldest);
/*
 * true when the DB is older than max_age seconds at `now`; then why (may be
 * NULL) says which source and how old: scans warn with it (default max age
 * KS_VULNDB_DEFAULT_MAX_AGE_DAYS) or fail with --max-db-age.
 */
bool ks_vulndb_is_stale(const struct ks_vulndb *db, time_t now, int64_t max_age,
                        struct ks_err *why);

/* ------------------------------------------------------------------------ */
/* Queries (the matcher's hot path).                                        */

/* One affected[] entry of a (non-withdrawn) advisory that names a package. */
struct ks_vulndb_hit {
    const char *id;        /* advisory id */
    const char *modified;  /* advisory's modified time ("" when unknown) */
    const char *ecosystem; /* as written, with release ("Debian:12") */
    const char *release;   /* "" when none */
    const char *name;      /* package name as the advisory wrote it */
    const char *purl;      /* NULL when absent */
    uint32_t affected_index;          /* index in the advisory's affected[] */
    enum ks_vuln_status status;       /* vendor status (KS_VSTATUS_NONE for OSV) */
    const char *vendor_severity;      /* NULL when none */
    struct ks_osv_affected affected;  /* ranges and versions, ready for ks_osv_evaluate */
};

struct ks_vulndb_hits {
    struct ks_vulndb_hit *items; /* in arena; ordered by advisory id, then index */
    size_t n;
};

/*
 * Every affected[] entry of a non-withdrawn advisory for package `name` in
 * ecosystem `eco` and `release` (exact match; a zero-length release matches
 * every release, which is what language ecosystems and listings want). name
 * is normalised here (ks_eco_normalize_name), so raw or normalised names both
 * work. Results and their strings live in arena. An unknown package gives
 * KS_OK with n == 0. KS_EDB on a corrupt row.
 */
enum ks_code ks_vulndb_find_by_package(struct ks_vulndb *db, enum ks_eco eco,
                                       struct ks_str release, struct ks_str name,
                                       struct ks_arena *arena, struct ks_vulndb_hits *out,
                                       struct ks_err *err);

/*
 * Does the DB hold any advisory for ecosystem family `eco` (and `release`,
 * when non-empty)? The matcher uses it to report packages of an ecosystem or
 * release without data ("Debian:13") as unmatched instead of clean.
 */
enum ks_code ks_vulndb_has_data(struct ks_vulndb *db, enum ks_eco eco, struct ks_str release,
                                bool *out, struct ks_err *err);

/*
 * The advisory without its version data: every field, but affected[] entries
 * carry only package, severity, status and vendor severity (no ranges,
 * versions or ecosystem/database_specific). What the scan needs to build
 * findings, at a fraction of the decoding cost of long `versions` lists.
 * KS_ENOTFOUND if none.
 */
enum ks_code ks_vulndb_get_advisory_head(struct ks_vulndb *db, struct ks_str id,
                                         struct ks_arena *arena, struct ks_advisory *out,
                                         struct ks_err *err);

/* The advisory with this id (withdrawn ones too). KS_ENOTFOUND if none. */
enum ks_code ks_vulndb_get_advisory(struct ks_vulndb *db, struct ks_str id,
                                    struct ks_arena *arena, struct ks_advisory *out,
                                    struct ks_err *err);

/*
 * Ids of the advisories that are `id` or name it in `aliases` or `upstream`
 * ("CVE-2023-29403" -> GO-2023-1840, DEBIAN-CVE-2023-29403, ...), sorted,
 * without duplicates. *ids is an arena array of arena strings.
 */
enum ks_code ks_vulndb_find_by_alias(struct ks_vulndb *db, struct ks_str id,
                                     struct ks_arena *arena, const char ***ids, size_t *n,
                                     struct ks_err *err);

/* One CVSS metric of an NVD record. */
struct ks_nvd_metric {
    const char *version;  /* "2.0", "3.0", "3.1", "4.0" */
    const char *source;   /* "nvd@nist.gov", a CNA's e-mail or org id */
    const char *type;     /* "Primary" or "Secondary" */
    const char *vector;   /* vectorString as NVD gives it */
    double base_score;    /* -1 when absent */
    const char *base_severity; /* NULL when absent */
};

struct ks_nvd_record {
    const char *id;
    const char *source_identifier;
    const char *published;
    const char *last_modified;
    const char *vuln_status; /* NULL for records without one */
    const char *description; /* English; NULL when none */
    const char *const *cwes; /* "CWE-79", "NVD-CWE-noinfo", ... (distinct, in order) */
    size_t n_cwes;
    const struct ks_nvd_metric *metrics; /* newest CVSS version first, Primary first */
    size_t n_metrics;
};

/* NVD data for a CVE. KS_ENOTFOUND if the DB has none. */
enum ks_code ks_vulndb_nvd(struct ks_vulndb *db, struct ks_str cve, struct ks_arena *arena,
                           struct ks_nvd_record *out, struct ks_err *err);

struct ks_epss {
    double score;      /* probability of exploitation in the next 30 days */
    double percentile;
};
/* EPSS for a CVE. KS_ENOTFOUND if none. Does not allocate. */
enum ks_code ks_vulndb_epss(struct ks_vulndb *db, struct ks_str cve, struct ks_epss *out,
                            struct ks_err *err);

struct ks_kev {
    const char *cve;
    const char *date_added; /* YYYY-MM-DD */
    const char *due_date;
    const char *known_ransomware_campaign_use; /* "Known" / "Unknown" */
    const char *required_action;
    const char *vendor_project;
    const char *product;
    const char *vulnerability_name;
};
/* CISA KEV entry for a CVE. KS_ENOTFOUND if the CVE is not in the catalog. */
enum ks_code ks_vulndb_kev(struct ks_vulndb *db, struct ks_str cve, struct ks_arena *arena,
                           struct ks_kev *out, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Change sets: what each import/update changed, for re-evaluation.         */

enum ks_change_kind {
    KS_CHANGE_ADDED,     /* new advisory (everything, in a DB built from scratch) */
    KS_CHANGE_MODIFIED,  /* content changed */
    KS_CHANGE_WITHDRAWN, /* became withdrawn: its findings close */
    KS_CHANGE_REMOVED,   /* gone from every feed that held it: its findings close */
    KS_CHANGE_COUNT
};
/* "added", "modified", "withdrawn", "removed". */
const char *ks_change_kind_name(enum ks_change_kind k);

/*
 * One change row. subject says what changed: "advisory" rows name the
 * advisory and one package it affects (before or after the change; an
 * advisory with several packages has several rows, one with none has one
 * row with NULL ecosystem/name); "nvd" and "kev" rows name a CVE whose
 * scores or KEV entry changed (rescore findings with that CVE, no re-match);
 * an "nvd" row with id NULL is the first load of NVD data, and an "epss" row
 * (id NULL) means the EPSS table was replaced: rescore everything.
 */
struct ks_vulndb_change {
    uint64_t seq; /* the update that made it */
    enum ks_change_kind kind;
    const char *subject;   /* "advisory", "nvd", "kev", "epss" */
    const char *id;        /* advisory id or CVE; NULL for "epss" */
    const char *ecosystem; /* family without release ("Debian"); NULL when none */
    const char *release;   /* "" when none */
    const char *name;      /* normalised package name; NULL when none */
};

struct ks_vulndb_changes {
    struct ks_vulndb_change *items; /* in arena, ordered by seq */
    size_t n;
};

/* The handle's update sequence number and lineage id (see ks_vulndb_status). */
uint64_t ks_vulndb_seq(const struct ks_vulndb *db);
const char *ks_vulndb_lineage(const struct ks_vulndb *db);

/*
 * Every change made after update `since` up to this DB's seq. KS_ENOTFOUND
 * when the DB no longer holds all of them (it keeps the last
 * KS_VULNDB_KEEP_CHANGESETS updates) or since > seq: then re-evaluate
 * everything. A caller that saw a different lineage must also re-evaluate
 * everything.
 */
#define KS_VULNDB_KEEP_CHANGESETS 32
enum ks_code ks_vulndb_changes_since(struct ks_vulndb *db, uint64_t since, struct ks_arena *arena,
                                     struct ks_vulndb_changes *out, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Building: import and update. Both write a new file beside the old one and */
/* rename it over the old one only when complete; any failure leaves the old */
/* DB as it was. One writer at a time (a lock file beside the DB).          */

/* Per-source outcome of an import/update. */
struct ks_vulndb_source_result {
    const char *name;     /* "osv:Go" */
    const char *location; /* file, directory or URL */
    const char *state;    /* "imported", "unchanged" (same digest), "not-modified" (HTTP 304), */
                          /* "missing" (the mirror lacks it: not an error) */
    uint64_t records;     /* records read */
    uint64_t counts[KS_CHANGE_COUNT];
    uint64_t malformed; /* records skipped with a warning */
};

/* Per-ecosystem advisory counts (distinct advisories; family without release). */
struct ks_vulndb_eco_summary {
    const char *ecosystem;
    uint64_t counts[KS_CHANGE_COUNT];
};

struct ks_vulndb_summary {
    uint64_t seq;       /* the new update's sequence number (0 if nothing written) */
    bool written;       /* false when nothing changed and the old file was kept */
    bool from_scratch;  /* there was no previous DB */
    struct ks_vulndb_source_result *sources;
    size_t n_sources;
    struct ks_vulndb_eco_summary *ecosystems; /* sorted by name */
    size_t n_ecosystems;
    uint64_t nvd_counts[KS_CHANGE_COUNT];
    uint64_t kev_counts[KS_CHANGE_COUNT];
    uint64_t malformed;
    uint64_t advisories_total; /* in the new DB */
    const char *content_hash;
};

/* Progress of a download, for a progress bar (called from the update thread). */
typedef void (*ks_vulndb_progress_fn)(void *ctx, const char *what, uint64_t done, uint64_t total);

struct ks_vulndb_import_opts {
    bool force; /* re-read sources whose digest is unchanged */
};

/*
 * Import files or directories into the DB at db_path (created if absent).
 * Each path is auto-detected by content: an OSV all.zip, a directory of OSV
 * JSON/YAML records, one OSV JSON/YAML file, NVD CVE API 2.0 data (yearly
 * feed file, API response page or single record; gzip/xz/bzip2/zstd
 * compressed or not), an EPSS CSV, the CISA KEV catalog, a zip of such
 * records, or a mirror root laid out like `db update --mirror` expects. Each
 * file/archive is one source, replaced as a whole on re-import. Importing
 * unchanged data keeps the old file (summary->written is false).
 * Malformed records are warned about (file and record id) and counted;
 * unreadable, truncated or unrecognised inputs are errors.
 */
enum ks_code ks_vulndb_import(const char *db_path, const char *const *paths, size_t n_paths,
                              const struct ks_vulndb_import_opts *opts, struct ks_arena *arena,
                              struct ks_vulndb_summary *out, struct ks_err *err);

struct ks_vulndb_update_opts {
    const char *mirror;       /* URL or directory with the mirror layout; NULL: config/public */
    const char *const *only;  /* source names or kinds to update ("osv", "osv:Go", "nvd", */
    size_t n_only;            /* "epss", "kev"); none: all */
    const char *config_path;  /* NULL: $XDG_CONFIG_HOME/kensa/vulndb.conf if it exists */
    ks_vulndb_progress_fn progress; /* may be NULL */
    void *progress_ctx;
    bool force;               /* ignore ETags and digests */
};

/*
 * Fetch the configured feeds (or a mirror) and build a new DB. HTTP(S) goes
 * through libcurl with conditional requests (ETag / Last-Modified), timeouts
 * and retries with backoff; downloads are verified (length, zip/gzip
 * integrity, JSON validity) before anything is swapped in. A failed
 * download, truncated body or corrupt archive fails the whole update and
 * leaves the old DB untouched. Ecosystems or NVD years a mirror lacks are
 * reported as "missing", not errors. NVD API increments send $NVD_API_KEY
 * when set (never logged). Not thread-safe (libcurl global init).
 */
enum ks_code ks_vulndb_update(const char *db_path, const struct ks_vulndb_update_opts *opts,
                              struct ks_arena *arena, struct ks_vulndb_summary *out,
                              struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Distribution feeds (issue 4, docs/feeds.md): which advisories apply to a  */
/* scanned distribution, and the restrictions distro importers put in an     */
/* affected entry (hit->purl) that the matcher must honour.                 */

/* One ecosystem (with release) whose advisories apply to a distribution. */
struct ks_vulndb_os_eco {
    enum ks_eco eco;       /* KS_ECO_AMAZON */
    const char *release;   /* "2023"; "" for rolling distributions (Wolfi) */
    const char *ecosystem; /* "Amazon Linux:2023": what ks_vulndb_find_by_package */
                           /* is asked with (eco + release) */
    bool rebuild;          /* the data of the distribution this one rebuilds */
                           /* (CentOS Linux 6-8 -> Red Hat): same NEVRAs */
};

/*
 * The ecosystems to query for an os-release ID and VERSION_ID, in order of
 * preference, at most max; returns how many (0: no distro feed covers it,
 * or out of memory). Each distribution is matched against its own
 * vendor's data only — an Amazon Linux root never against RHEL's, Rocky
 * against Rocky's — except CentOS Linux 6-8, which also gets Red Hat's
 * (marked rebuild). Examples: amzn 2023 -> Amazon Linux:2023; amzn 2 ->
 * Amazon Linux:2; amzn 2018.03 -> Amazon Linux:1; rhel 8.6 -> Red Hat:8;
 * ubuntu 22.04 -> Ubuntu:22.04; alpine 3.19.1 -> Alpine:v3.19 (an edge
 * VERSION_ID "3.21_alpha..." adds Alpine:edge); debian 12 -> Debian:12.
 * Strings are static or in arena. Thread-safe.
 */
size_t ks_vulndb_os_ecosystems(const char *id, const char *version_id, struct ks_arena *arena,
                               struct ks_vulndb_os_eco *out, size_t max);

/*
 * The RPM module stream ("nodejs:18") an affected entry is restricted to:
 * the purl qualifier rpmmod=name:stream[:version:context]; empty when the
 * entry is for non-modular packages. A module-stream fix applies only to
 * installed packages whose MODULARITYLABEL starts with that stream, and a
 * non-modular fix only to packages without one: see ks_vulndb_module_applies.
 */
struct ks_str ks_vulndb_purl_module(const char *purl);
/* Does an entry restricted to entry_module apply to a package with this */
/* MODULARITYLABEL (NULL or "" when it has none)?                          */
bool ks_vulndb_module_applies(struct ks_str entry_module, const char *modularity_label);
/*
 * Does a Debian/Ubuntu affected entry name a binary package rather than a
 * source package? USN OVAL lists binary names (libssl3, not openssl);
 * Kensa's importers mark source names with the purl qualifier arch=source
 * and give binary names a purl without it. Entries without a purl are
 * source names (OSV's rule for Debian-family ecosystems). The matcher
 * looks a Debian-family package up twice: by source name (entries for
 * which this is false) and by binary name (entries for which it is true).
 */
bool ks_vulndb_purl_is_binary(enum ks_eco eco, const char *purl);

/*
 * Is s a distro feed's source kind ("alas", "secdb", "debian", "usn-oval",
 * ...) or one source of it ("alas:2023")? For `db update --source`.
 */
bool ks_vulndb_is_distro_source(const char *s);

#endif
