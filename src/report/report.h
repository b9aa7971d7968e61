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
    KS_FINDINGS_FORMAT_COUNT
};

/* "table", "json", ... */
const char *ks_findings_format_name(enum ks_findings_format f);
/* Inverse of ks_findings_format_name; KS_EINVAL listing the valid names. */
enum ks_code ks_findings_format_parse(const char *s, enum ks_findings_format *out,
                                      struct ks_err *err);

struct ks_report_opts {
    bool color;       /* ANSI colours (table) */
    bool quiet;       /* table: no summary lines, findings only */
    const char *tool; /* "kensa 0.1.0" for tool metadata */
};

/* Write the scan document doc in format f, appending to out. */
enum ks_code ks_report_findings(const json_t *doc, enum ks_findings_format f,
                                const struct ks_report_opts *opts, struct ks_buf *out,
                                struct ks_err *err);

#endif
