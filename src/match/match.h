/*
 * match.h: inventory × vulnerability DB → matches, grouped into findings
 * (ARCHITECTURE.md §2). Distro-aware: Debian/Ubuntu advisories are keyed by
 * source package within the release and compared with the source version;
 * Alpine by origin within the branch; RPM distros by name with
 * epoch:version-release. Language packages by normalised name. OS packages
 * never meet language advisories or the other way round, and a language
 * package whose files an OS package owns is the distro's to fix: it is
 * matched through the OS package only. No fuzzy or CPE matching.
 *
 * One finding per (vulnerability, package): the vulnerability is the CVE an
 * advisory names (its id, aliases or upstream), so a GHSA and its CVE, or a
 * DSA/DLA and each CVE it fixes, meet in the CVE's finding; the package is
 * the source package for distro packages (all binaries built from it are the
 * finding's vulnerable packages) and the normalised name otherwise.
 *
 * A version Kensa cannot order is never "not affected": it gives a match
 * with KS_AFFECT_UNKNOWN, reported as such.
 */
#ifndef KS_MATCH_H
#define KS_MATCH_H

#include "base/base.h"
#include "model/model.h"
#include "version/version.h"
#include "vulndb/vulndb.h"

struct ks_match_opts {
    /* Match every installed kernel, not only the running one (live hosts). */
    bool all_kernels;
};

/* Why a package was not matched at all (counted in the scan summary). */
enum ks_skip_reason {
    KS_SKIP_OWNED_BY_OS,    /* language package shipped inside an OS package */
    KS_SKIP_NOT_RUNNING,    /* kernel image other than the running one */
    KS_SKIP_NO_VERSION,     /* unpinned / unresolved version (e.g. requirements.txt `>=`) */
    KS_SKIP_UNKNOWN_ECO,    /* no ecosystem Kensa can match (unknown distro, generic) */
    KS_SKIP_NO_DATA,        /* the DB holds no advisories for the ecosystem/release */
    KS_SKIP_COUNT
};
/* "owned_by_os_package", "not_running_kernel", ... */
const char *ks_skip_reason_name(enum ks_skip_reason r);

/* One advisory's verdict on one installed package. */
struct ks_match {
    const struct ks_pkg *pkg;
    const char *advisory_id;
    const char *query_name;    /* the name the DB was asked for (source package for deb) */
    const char *query_version; /* the version compared (source version for deb) */
    const char *ecosystem;     /* the advisory's ecosystem with release */
    enum ks_affect affected;   /* KS_AFFECT_YES or KS_AFFECT_UNKNOWN */
    const char *fixed;         /* nearest fixed version, NULL when none */
    enum ks_vuln_status status; /* vendor status (KS_VSTATUS_NONE for OSV) */
    const char *vendor_severity;
    const char *unknown_reason; /* for KS_AFFECT_UNKNOWN */
    bool is_os;                 /* matched as a distribution package */
};

/* One vulnerable package of a finding (a package can be in several findings). */
struct ks_finding_pkg_ref {
    const struct ks_pkg *pkg;
    const char *fixed;         /* highest fix the contributing advisories name, NULL if none */
    enum ks_affect affected;   /* YES unless every verdict for it was UNKNOWN */
    const char *unknown_reason;
};

/* A finding before scoring: one vulnerability in one (source) package. */
struct ks_match_group {
    const char *vuln_id;        /* the CVE when any advisory names one, else a stable id */
    const char *group_key;      /* "Debian:12/openssl", "npm/lodash" */
    const char *group_name;     /* source package or package name */
    bool is_os;
    const char **advisories;    /* contributing advisory ids, sorted, unique */
    const struct ks_advisory *const *adv_docs; /* parallel to advisories; a doc with only */
    size_t n_advisories;                       /* an id when the DB could not give it   */
    const char **related;       /* every other id (advisories, aliases, upstream), sorted */
    size_t n_related;
    struct ks_finding_pkg_ref *pkgs; /* sorted by name, version, arch, path */
    size_t n_pkgs;
    enum ks_vuln_status status;   /* the vendor's word when one was given (most severe) */
    const char *vendor_severity;  /* NULL when none */
    bool unknown;                 /* every package's verdict is UNKNOWN */
};

struct ks_match_result {
    struct ks_match *matches; /* every affecting/unknown verdict, in package order */
    size_t n_matches;
    struct ks_match_group *groups; /* sorted by vuln_id, then group_key */
    size_t n_groups;
    size_t pkgs_matched;             /* packages the DB was asked about */
    size_t skipped[KS_SKIP_COUNT];   /* packages not matched, by reason */
    const char **no_data_ecosystems; /* "Debian:13": ecosystems without advisories, sorted */
    size_t n_no_data_ecosystems;
    uint64_t queries; /* DB lookups made */
};

/*
 * Match every package of inv against db. Advisories are read once each
 * (cached for the call). Everything in *out lives in arena. Deterministic:
 * the same inventory and DB give the same result in the same order.
 * KS_ENOMEM / KS_EDB only; bad data in one advisory is logged and skipped.
 */
enum ks_code ks_match_inventory(struct ks_vulndb *db, const struct ks_inventory *inv,
                                const struct ks_match_opts *opts, struct ks_arena *arena,
                                struct ks_match_result *out, struct ks_err *err);

/*
 * The DB lookups the matcher makes for the packages of inv, as the
 * vulnerability DB's change sets name packages: the ecosystem family
 * without release ("Debian", "npm"), the release for distribution packages
 * ("12", "v3.19"; "" for language packages, whose lookups span every
 * release) and the normalised name it queries: the source package for
 * Debian/Ubuntu and Alpine-family packages, and for Debian-family ones
 * also the binary name (feeds that name binaries); on a rebuild (CentOS
 * Linux) also the same names in the data of what it rebuilds (Red Hat).
 * Packages the matcher never looks up (no version, unknown ecosystem, a
 * language package an OS package owns) have none. The server indexes
 * stored inventories by them, so that a DB update re-evaluates only the
 * resources holding a package it names. *keys (in arena, strings too)
 * gets *n keys, duplicates possible. KS_ENOMEM only. Thread-safe.
 */
struct ks_match_key {
    const char *ecosystem; /* family without release */
    const char *release;
    const char *name;      /* normalised */
};
enum ks_code ks_match_inventory_keys(const struct ks_inventory *inv, struct ks_arena *arena,
                                     struct ks_match_key **keys, size_t *n, struct ks_err *err);

/*
 * The vulnerability ids an advisory stands for: its id when it is a CVE,
 * else the CVEs among its aliases and upstream, else the preferred id of the
 * advisory and its aliases (GHSA before others, then by name). Appends to
 * ids (arena strings) and returns the count. Exposed for tests.
 */
size_t ks_match_vuln_ids(const struct ks_advisory *adv, struct ks_arena *arena,
                         const char ***ids);

#endif
