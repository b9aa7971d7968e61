/*
 * cvss.h: parse, score and format CVSS v2.0, v3.0, v3.1 and v4.0 vectors
 * exactly as FIRST's specifications define them (docs/cvss.md): base,
 * temporal (v2/v3), threat (v4) and environmental scores, v4 MacroVectors
 * with the reference calculator's interpolation, and the qualitative
 * severity scale. Depends on base only. Nothing here allocates (formatting
 * appends to the caller's ks_buf) and every function is thread-safe.
 */
#ifndef KS_CVSS_H
#define KS_CVSS_H

#include "base/base.h"

enum ks_cvss_version { KS_CVSS_V2, KS_CVSS_V30, KS_CVSS_V31, KS_CVSS_V40 };

/* Longest vector string ks_cvss_parse accepts (the longest valid v4.0 one is ~190). */
#define KS_CVSS_MAX_LEN 512
/* Metrics of the largest version (v4.0: 11 base, 1 threat, 14 environmental, 6 supplemental). */
#define KS_CVSS_MAX_METRICS 32

/*
 * A parsed vector. value[i] is the index of metric i's value in the
 * version's metric table (the specification's order, docs/cvss.md); for an
 * optional metric index 0 is Not Defined (X, or ND in v2), which is also
 * what an omitted metric holds. Mandatory metrics are always set. Plain
 * data: copy it freely.
 */
struct ks_cvss {
    enum ks_cvss_version version;
    uint8_t value[KS_CVSS_MAX_METRICS];
};

enum ks_severity { KS_SEV_NONE, KS_SEV_LOW, KS_SEV_MEDIUM, KS_SEV_HIGH, KS_SEV_CRITICAL };

/*
 * Scores, each a multiple of 0.1 in [0, 10] (impact may be negative only
 * before NVD's clamp, see below). For v2/v3 every field is filled; for v4
 * temporal, environmental, exploitability and impact are 0 (v4 defines none).
 */
struct ks_cvss_scores {
    double base;          /* v2/v3 BaseScore; v4: CVSS-B, the score of the base metrics alone */
    double temporal;      /* v2/v3 TemporalScore (= base when no temporal metric is defined) */
    double environmental; /* v2/v3 EnvironmentalScore, always computed per the spec */
    double exploitability; /* v2/v3 exploitability subscore rounded half up (NVD's exploitabilityScore) */
    double impact;        /* v2/v3 impact subscore rounded half up, negatives as 0.0 (NVD's impactScore) */
    /*
     * The score of the vector as given: v4 the CVSS-B/BT/BE/BTE score; v2/v3
     * the environmental score if any environmental metric is defined, else
     * the temporal score if any temporal metric is, else the base score.
     */
    double score;
    enum ks_severity base_severity; /* v2: NVD's v2 ranges (LOW below 4.0); v3/v4: the table */
    enum ks_severity severity;      /* of score, same rule */
    const char *nomenclature;       /* v4: "CVSS-B", "CVSS-BT", "CVSS-BE" or "CVSS-BTE"; else "" */
    char macro_vector[7];           /* v4: the six EQ digits ("002201"); else "" */
};

/*
 * Parse a vector string: "CVSS:3.0/…", "CVSS:3.1/…", "CVSS:4.0/…", or a v2
 * vector without prefix ("AV:N/AC:L/Au:N/C:P/I:P/A:P"). Metric names and
 * values are case-sensitive. v2 and v4 metrics must come in the
 * specification's order, v3.x metrics in any order. Optional metrics may be
 * omitted or given as X (ND). Rejected with KS_EPARSE and a message naming
 * the offending metric: unknown prefix or version (including a v2 vector
 * with a "CVSS:2.0/" prefix), unknown metric, unknown value, a metric given
 * twice, a missing mandatory metric, metrics out of order, an empty
 * component or trailing garbage; KS_ETOOBIG over KS_CVSS_MAX_LEN. *out is
 * written only on success.
 */
enum ks_code ks_cvss_parse(struct ks_str vector, struct ks_cvss *out, struct ks_err *err);

/* Compute every score of c into *out. */
void ks_cvss_score(const struct ks_cvss *c, struct ks_cvss_scores *out);

/*
 * Set one metric ("MAV", "A") of c's version, e.g. to apply an
 * environmental or threat adjustment before ks_cvss_score. "X" (v2 "ND")
 * clears an optional metric. KS_EINVAL (c unchanged) for an unknown metric
 * or value, or for clearing a mandatory metric.
 */
enum ks_code ks_cvss_set_metric(struct ks_cvss *c, const char *metric, const char *value,
                                struct ks_err *err);

/* The value of metric in c ("N", "X", "ND", …), or NULL if c's version has no such metric. */
const char *ks_cvss_get_metric(const struct ks_cvss *c, const char *metric);

/*
 * Append c's canonical vector string to out: the prefix, then every
 * mandatory metric and every defined optional metric in the
 * specification's order; Not Defined metrics are left out.
 */
void ks_cvss_format(const struct ks_cvss *c, struct ks_buf *out);

/* "2.0", "3.0", "3.1" or "4.0" (NVD's cvssData.version). */
const char *ks_cvss_version_name(enum ks_cvss_version v);

/* The qualitative rating (CVSS v3.x/v4.0 table): 0 NONE, 0.1-3.9 LOW, 4.0-6.9 MEDIUM,
 * 7.0-8.9 HIGH, 9.0-10.0 CRITICAL. */
enum ks_severity ks_severity_from_score(double score);
/* NVD's CVSS v2 ranges: LOW 0.0-3.9, MEDIUM 4.0-6.9, HIGH 7.0-10.0. */
enum ks_severity ks_severity_from_v2_score(double score);
/* "NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL". */
const char *ks_severity_name(enum ks_severity s);

#endif
