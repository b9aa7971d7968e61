/*
 * score.h: a finding's severity and risk score (ARCHITECTURE.md §5). Picks
 * the best CVSS vector (the distribution's own for OS packages, then NVD,
 * then the advisory's), recomputes it with threat and environmental metrics
 * taken from the finding's context (exploitation evidence, fix availability,
 * network exposure) and records every adjustment with its reason, as
 * Inspector's inspectorScoreDetails.adjustedCvss does. Pure: no I/O, no
 * allocation; thread-safe.
 */
#ifndef KS_SCORE_H
#define KS_SCORE_H

#include "base/base.h"
#include "cvss/cvss.h"

/* Where a candidate vector comes from, in the order they are preferred. */
enum ks_cvss_origin {
    KS_ORIGIN_VENDOR,   /* the distribution's own record (OS packages only) */
    KS_ORIGIN_NVD,      /* NVD's CVE record (Primary before Secondary) */
    KS_ORIGIN_ADVISORY, /* the advisory's severity[] (GHSA, OSV, RustSec) */
};

/* One candidate CVSS vector of a finding. */
struct ks_score_cvss {
    enum ks_cvss_origin origin;
    const char *source;      /* label shown as cvss[].source: "NVD", "GHSA-…", "DEBIAN" */
    const char *cvss_source; /* who scored it: "nvd@nist.gov", a CNA; may be NULL */
    const char *vector;      /* as published */
    bool primary;            /* NVD Primary score */
    /* Filled by ks_score_compute: */
    bool valid;              /* the vector parsed */
    struct ks_cvss cvss;
    double base_score;
    const char *version;     /* "2.0", "3.0", "3.1", "4.0" */
};

/* Inspector's severities (the finding's `severity`). */
enum ks_rsev {
    KS_RSEV_UNTRIAGED = 0, /* no score and no vendor word at all */
    KS_RSEV_INFORMATIONAL,
    KS_RSEV_LOW,
    KS_RSEV_MEDIUM,
    KS_RSEV_HIGH,
    KS_RSEV_CRITICAL,
    KS_RSEV_COUNT
};

/* "UNTRIAGED", "INFORMATIONAL", ... "CRITICAL". */
const char *ks_rsev_name(enum ks_rsev s);
/* Inverse of ks_rsev_name (case-insensitive); KS_EINVAL otherwise. */
enum ks_code ks_rsev_parse(struct ks_str s, enum ks_rsev *out);
/* The table of ARCHITECTURE.md §1: 0 → INFORMATIONAL, 0.1–3.9 LOW, ... */
enum ks_rsev ks_rsev_from_score(double score);
/*
 * A vendor's severity word ("important", "MODERATE", "negligible", Debian
 * urgencies, Ubuntu priorities) → severity; KS_RSEV_UNTRIAGED when unknown.
 */
enum ks_rsev ks_rsev_from_word(const char *word);

enum ks_fix { KS_FIX_NO = 0, KS_FIX_YES, KS_FIX_PARTIAL };
/* "NO", "YES", "PARTIAL" (Inspector's fixAvailable). */
const char *ks_fix_name(enum ks_fix f);

enum ks_exposure {
    KS_EXPOSURE_UNKNOWN = 0, /* no network model: no adjustment */
    KS_EXPOSURE_INTERNET,    /* an open path from the internet reaches the workload */
    KS_EXPOSURE_NONE,        /* no open path from the internet */
};

/* What is known about the workload; filled by the scan (network: later issues). */
struct ks_score_context {
    enum ks_exposure exposure;
    const char *exposure_reason; /* "no open path from the internet to port 443" */
};

struct ks_score_input {
    struct ks_score_cvss *cvss; /* candidates, any order; ks_score_compute fills them in */
    size_t n_cvss;
    bool is_os;                  /* vendor vectors are preferred only for OS packages */
    const char *vendor_severity; /* the distribution's or GHSA's severity word; may be NULL */
    bool in_kev;
    const char *kev_date_added; /* may be NULL */
    bool has_epss;
    double epss_score, epss_percentile;
    enum ks_fix fix;
    const char *fixed_version; /* nearest fix, for the explanation; may be NULL */
};

#define KS_SCORE_MAX_ADJ 8

struct ks_score_adjustment {
    char metric[8];   /* "E", "RL", "MAV" */
    char reason[200]; /* "CVE is in CISA KEV (added 2021-12-10)" */
};

/* EPSS percentile at or above which exploitation counts as likely. */
#define KS_EPSS_LIKELY_PERCENTILE 0.90

struct ks_score_result {
    enum ks_rsev severity;
    bool severity_from_vendor;          /* no vector: severity is the vendor's word */
    const struct ks_score_cvss *chosen; /* NULL when no candidate parsed */
    double base_score;                  /* the chosen vector's base score */
    double score;                       /* risk score: the adjusted vector's score */
    char vector[KS_CVSS_MAX_LEN];       /* the adjusted scoring vector */
    struct ks_score_adjustment adj[KS_SCORE_MAX_ADJ];
    size_t n_adj;
};

/*
 * Score one finding. Parses every candidate (invalid ones are marked and
 * skipped), chooses one (origin order; NVD Primary first; v3.1, v3.0, v4.0,
 * v2.0), sets severity from its base score, then adjusts: exploit maturity
 * from CISA KEV or the EPSS percentile, remediation level from fix
 * availability (v2/v3), and the modified attack vector from network exposure.
 * ctx may be NULL.
 */
void ks_score_compute(struct ks_score_input *in, const struct ks_score_context *ctx,
                      struct ks_score_result *out);

#endif
