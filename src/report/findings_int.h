/*
 * findings_int.h: private to src/report/: what the findings writers (SARIF,
 * CycloneDX VEX, CSV, ASFF) share when they read the scan document. Every
 * lookup is lenient: a member that is absent or of another type reads as
 * absent, so a writer never trusts the document's shape (the server hands
 * stored findings to the same writers).
 */
#ifndef KS_REPORT_FINDINGS_INT_H
#define KS_REPORT_FINDINGS_INT_H

#include "report/report_int.h"

/* The writers behind ks_report_findings(); each appends one document to out. */
enum ks_code ks_report_findings_sarif(const json_t *doc, struct ks_buf *out, struct ks_err *err);
enum ks_code ks_report_findings_cyclonedx(const json_t *doc, struct ks_buf *out,
                                          struct ks_err *err);
enum ks_code ks_report_findings_asff(const json_t *doc, struct ks_buf *out, struct ks_err *err);

/* A non-empty string member, else NULL. */
const char *rf_str(const json_t *obj, const char *key);
/* f.packageVulnerabilityDetails, its vulnerablePackages, f.resources[0]. */
const json_t *rf_pvd(const json_t *f);
const json_t *rf_pkgs(const json_t *f);
const json_t *rf_resource(const json_t *f);
/* pvd.vulnerabilityId, else codeVulnerabilityDetails.detectorId, else "UNKNOWN". */
const char *rf_vuln_id(const json_t *f);
/* f.severity if it is one of Inspector's six words, else "UNTRIAGED". */
const char *rf_severity(const json_t *f);
/* f.inspectorScore when it is a number in [0, 10]. */
bool rf_score(const json_t *f, double *score);
bool rf_suppressed(const json_t *f);
/* matchStatus UNKNOWN on the finding or on package p (p may be NULL). */
bool rf_unknown(const json_t *f, const json_t *p);
/* "NotAvailable" and empty mean no fixed version: NULL then. */
const char *rf_fixed(const json_t *p);

/* "arn:<partition>:inspector2:<region>:<account>:finding/<id>" -> region / account. */
struct ks_str rf_arn_region(const char *arn);
struct ks_str rf_arn_account(const char *arn);

/*
 * Append at most max_chars code points of the UTF-8 string s; when s is
 * longer, the kept part ends with "..." (within max_chars). Cuts only at
 * code point boundaries, so a valid UTF-8 input stays valid.
 */
void rf_append_trunc(struct ks_buf *b, const char *s, size_t max_chars);
/* json_string of rf_append_trunc(s, max_chars); NULL on OOM. */
json_t *rf_json_trunc(const char *s, size_t max_chars);
/* Number of code points in the UTF-8 string s. */
size_t rf_utf8_len(const char *s);

/*
 * A number as plain decimal text: no exponent, at most 10 decimals, no
 * trailing zeros ("7.2", "0.00043", "10"). out must hold 64 bytes.
 */
void rf_num(double v, char out[64]);

/*
 * A URL from a feed made safe for URI/IRI-typed fields: spaces, control and
 * non-ASCII bytes and " < > \ ^ ` { | } are %XX-encoded; all else (including
 * '%') is kept. rf_json_url: the same as a JSON string, NULL on OOM.
 */
void rf_append_url(struct ks_buf *b, const char *url);
json_t *rf_json_url(const char *url);

/* A timestamp re-written as RFC 3339 UTC ("...Z"), or false if it does not parse. */
bool rf_time(const char *s, char out[21]);

#endif
