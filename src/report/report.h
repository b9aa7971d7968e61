/*
 * report.h: output formats. For now the SBOM writers of `kensa sbom`:
 * Kensa's own inventory JSON (docs/formats.md), CycloneDX 1.6 JSON and SPDX
 * 2.3 JSON. The scan issue adds findings formats (table, SARIF, CSV, ASFF)
 * here too.
 *
 * Every writer is deterministic: the same inventory gives byte-identical
 * output; the only clock reading is the document timestamp, ks_time_now(),
 * which honours SOURCE_DATE_EPOCH. Writers append to a ks_buf and never
 * print. Thread-safe for distinct inventories.
 */
#ifndef KS_REPORT_H
#define KS_REPORT_H

#include "base/base.h"
#include "model/model.h"

enum ks_sbom_format {
    KS_SBOM_JSON = 0,       /* Kensa inventory JSON */
    KS_SBOM_CYCLONEDX_JSON, /* CycloneDX 1.6 */
    KS_SBOM_SPDX_JSON,      /* SPDX 2.3 */
    KS_SBOM_FORMAT_COUNT
};

/* "json", "cyclonedx-json", "spdx-json". */
const char *ks_sbom_format_name(enum ks_sbom_format f);
/* Inverse of ks_sbom_format_name; KS_EINVAL listing the valid names. */
enum ks_code ks_sbom_format_parse(const char *s, enum ks_sbom_format *out, struct ks_err *err);

/* Write inv (finished: ks_inventory_finish) in format f, appending to out. */
enum ks_code ks_report_sbom(const struct ks_inventory *inv, enum ks_sbom_format f,
                            struct ks_buf *out, struct ks_err *err);

/* The individual writers (pretty-printed JSON, trailing newline). */
enum ks_code ks_report_inventory_json(const struct ks_inventory *inv, struct ks_buf *out,
                                      struct ks_err *err);
enum ks_code ks_report_cyclonedx(const struct ks_inventory *inv, struct ks_buf *out,
                                 struct ks_err *err);
enum ks_code ks_report_spdx(const struct ks_inventory *inv, struct ks_buf *out, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Findings: the scan document ({"findings", "summary", "target", "db"},     */
/* see src/scan/scan.h) written in the format a user's tools expect.         */

enum ks_findings_format {
    KS_FINDINGS_TABLE = 0, /* human: grouped by severity, colour on a TTY */
    KS_FINDINGS_JSON,      /* the scan document itself (Inspector2 Finding field names) */
    KS_FINDINGS_SARIF,     /* SARIF 2.1.0: a rule per vulnerability, a result per package */
    KS_FINDINGS_CYCLONEDX_JSON, /* CycloneDX 1.6: vulnerable components + VEX */
    KS_FINDINGS_CSV,       /* Inspector's CSV findings report columns */
    KS_FINDINGS_ASFF,      /* Security Hub BatchImportFindings {"Findings": [...]} */
    KS_FINDINGS_FORMAT_COUNT
};

/* "table", "json", "sarif", "cyclonedx-json", "csv", "asff". */
const char *ks_findings_format_name(enum ks_findings_format f);
/* Inverse of ks_findings_format_name; KS_EINVAL listing the valid names. */
enum ks_code ks_findings_format_parse(const char *s, enum ks_findings_format *out,
                                      struct ks_err *err);

struct ks_report_opts {
    bool color;       /* ANSI colours (table) */
    bool quiet;       /* table: no summary lines, findings only */
    const char *tool; /* "kensa 0.1.0" for tool metadata */
};

/*
 * Write the scan document doc in format f, appending to out. Every format
 * is deterministic: the same document (and SOURCE_DATE_EPOCH) gives the same
 * bytes. docs/formats.md maps each field. KS_ENOMEM / KS_ETOOBIG (out's cap)
 * on failure, err says which format.
 */
enum ks_code ks_report_findings(const json_t *doc, enum ks_findings_format f,
                                const struct ks_report_opts *opts, struct ks_buf *out,
                                struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* CSV findings reports (`kensa scan --format csv`, the server's              */
/* CreateFindingsReport): the columns of Inspector's CSV report, one row per  */
/* finding (its packages, versions, paths joined by ';'). RFC 4180: every     */
/* non-empty value in double quotes with quotes doubled, CRLF line ends; a    */
/* value starting with = + - @ TAB or CR gets a leading apostrophe so that a  */
/* spreadsheet shows it instead of running it (CSV injection). Thread-safe.   */

#define KS_REPORT_CSV_NCOLUMNS 55
extern const char *const ks_report_csv_columns[KS_REPORT_CSV_NCOLUMNS];

/* Append the header line. Returns ks_buf_err(out). */
enum ks_code ks_report_findings_csv_header(struct ks_buf *out);
/*
 * Append one row for finding f (an Inspector2 Finding object; absent members
 * give empty cells). now_ms (Unix ms) dates the "Age (Days)" column against
 * firstObservedAt. Returns ks_buf_err(out), or KS_ENOMEM for a temporary.
 */
enum ks_code ks_report_findings_csv_row(const json_t *f, int64_t now_ms, struct ks_buf *out);
/* One cell with the quoting and injection rules above; first: no comma before it. */
void ks_report_csv_cell(struct ks_buf *out, const char *v, bool first);
/* Header plus a row per doc.findings[] (the `--format csv` writer). */
enum ks_code ks_report_findings_csv(const json_t *doc, int64_t now_ms, struct ks_buf *out,
                                    struct ks_err *err);

#endif
