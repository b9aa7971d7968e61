/*
 * findings.c: findings output. The scan document is already JSON with the
 * Inspector2 Finding field names, so every format is a rendering of it:
 * `json` prints it, `table` groups it by severity for a terminal.
 */
#include "report/findings_int.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/banned.h"

static const char *const format_names[KS_FINDINGS_FORMAT_COUNT] = {
    [KS_FINDINGS_TABLE] = "table",
    [KS_FINDINGS_JSON] = "json",
    [KS_FINDINGS_SARIF] = "sarif",
    [KS_FINDINGS_CYCLONEDX_JSON] = "cyclonedx-json",
    [KS_FINDINGS_CSV] = "csv",
    [KS_FINDINGS_ASFF] = "asff",
};

const char *
ks_findings_format_name(enum ks_findings_format f)
{
    return (unsigned)f < KS_FINDINGS_FORMAT_COUNT ? format_names[f] : "?";
}

enum ks_code
ks_findings_format_parse(const char *s, enum ks_findings_format *out, struct ks_err *err)
{
    struct ks_buf names = KS_BUF_INIT(1024);

    for (int i = 0; i < KS_FINDINGS_FORMAT_COUNT; i++) {
        if (strcmp(s, format_names[i]) == 0) {
            *out = (enum ks_findings_format)i;
            ks_buf_release(&names);
            return KS_OK;
        }
        ks_buf_appendf(&names, "%s%s", i ? ", " : "", format_names[i]);
    }
    ks_err_set(err, KS_EINVAL, "unknown format '%s' (%s)", s, names.data);
    ks_buf_release(&names);
    return KS_EINVAL;
}

/* ------------------------------------------------------------------------ */
/* Table.                                                                   */

static const char *const severities[] = {"CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL",
                                         "UNTRIAGED"};

static const char *
sev_color(const char *sev)
{
    if (strcmp(sev, "CRITICAL") == 0)
        return "\033[1;31m";
    if (strcmp(sev, "HIGH") == 0)
        return "\033[31m";
    if (strcmp(sev, "MEDIUM") == 0)
        return "\033[33m";
    if (strcmp(sev, "LOW") == 0)
        return "\033[36m";
    return "\033[2m";
}

static const char *
str_or(const json_t *o, const char *key, const char *fallback)
{
    const char *s = ks_json_str(o, key);

    return s && s[0] ? s : fallback;
}

/* One row per (finding, vulnerable package). */
static void
table_rows(const json_t *f, const struct ks_report_opts *o, struct ks_buf *out)
{
    const json_t *pvd = ks_json_obj(f, "packageVulnerabilityDetails");
    const json_t *pkgs = ks_json_arr(pvd, "vulnerablePackages");
    const char *sev = str_or(f, "severity", "UNTRIAGED");
    const char *status = str_or(f, "status", "ACTIVE");
    const char *match = str_or(f, "matchStatus", "AFFECTED");
    char score[16] = "-";
    size_t i;
    json_t *p;

    if (json_is_number(json_object_get(f, "inspectorScore")))
        snprintf(score, sizeof(score), "%.1f", ks_json_num(f, "inspectorScore", 0));
    json_array_foreach(pkgs, i, p) {
        const char *fixed = str_or(p, "fixedInVersion", "-");
        const char *note = strcmp(status, "SUPPRESSED") == 0 ? "suppressed"
                           : strcmp(match, "UNKNOWN") == 0   ? "unknown version"
                           : ks_json_str(f, "vendorStatus") ? ks_json_str(f, "vendorStatus")
                           : strcmp(str_or(f, "exploitAvailable", "NO"), "YES") == 0
                               ? "exploited (KEV)"
                               : "";
        const char *version = str_or(p, "version", "?");
        const char *rel = ks_json_str(p, "release");

        if (strcmp(fixed, "NotAvailable") == 0)
            fixed = "(no fix)";
        if (o->color)
            ks_buf_appendf(out, "%s%-9s\033[0m ", sev_color(sev), sev);
        else
            ks_buf_appendf(out, "%-9s ", sev);
        ks_buf_appendf(out, "%-5s %-20s %-28s %-24s%s%s %-24s %s\n", score,
                       str_or(pvd, "vulnerabilityId", "?"), str_or(p, "name", "?"), version,
                       rel ? "-" : "", rel ? rel : "", fixed, note);
    }
}

static enum ks_code
report_table(const json_t *doc, const struct ks_report_opts *o, struct ks_buf *out)
{
    const json_t *findings = ks_json_arr(doc, "findings");
    const json_t *summary = ks_json_obj(doc, "summary");
    const json_t *target = ks_json_obj(doc, "target");
    const json_t *os = ks_json_obj(target, "os");
    const json_t *by = ks_json_obj(summary, "bySeverity");
    const json_t *nd = ks_json_arr(summary, "noAdvisoryData");
    size_t i;
    json_t *f;

    if (!o->quiet) {
        ks_buf_appendf(out, "%s (%s)", str_or(target, "name", "?"), str_or(target, "type", "?"));
        if (ks_json_str(os, "name") != NULL)
            ks_buf_appendf(out, " — %s", ks_json_str(os, "name"));
        ks_buf_appendf(out, "\n\n");
    }
    if (json_array_size(findings) > 0)
        ks_buf_appendf(out, "%-9s %-5s %-20s %-28s %-24s %-24s %s\n", "SEVERITY", "SCORE",
                       "VULNERABILITY", "PACKAGE", "INSTALLED", "FIXED IN", "NOTE");
    /* Severity groups in order; SUPPRESSED rows last, whatever their severity. */
    for (size_t s = 0; s < KS_ARRAY_LEN(severities); s++)
        json_array_foreach(findings, i, f)
            if (strcmp(str_or(f, "severity", "UNTRIAGED"), severities[s]) == 0 &&
                strcmp(str_or(f, "status", "ACTIVE"), "SUPPRESSED") != 0)
                table_rows(f, o, out);
    json_array_foreach(findings, i, f)
        if (strcmp(str_or(f, "status", "ACTIVE"), "SUPPRESSED") == 0)
            table_rows(f, o, out);
    if (o->quiet)
        return ks_buf_err(out);
    ks_buf_appendf(out, "\nTotal: %lld active (", (long long)(ks_json_num(summary, "total", 0) -
                                                            ks_json_num(summary, "suppressed", 0)));
    for (size_t s = 0; s < KS_ARRAY_LEN(severities); s++)
        ks_buf_appendf(out, "%s%s: %lld", s ? ", " : "", severities[s],
                       (long long)ks_json_num(by, severities[s], 0));
    ks_buf_appendf(out, "), %lld suppressed, %lld unknown, %lld hidden by filters\n",
                   (long long)ks_json_num(summary, "suppressed", 0),
                   (long long)ks_json_num(summary, "unknown", 0),
                   (long long)ks_json_num(summary, "hidden", 0));
    ks_buf_appendf(out, "Packages: %lld inventoried, %lld matched\n",
                   (long long)ks_json_num(summary, "packages", 0),
                   (long long)ks_json_num(summary, "packagesMatched", 0));
    if (json_array_size(nd) > 0) {
        ks_buf_appendf(out, "No advisory data for:");
        json_array_foreach(nd, i, f) if (json_is_string(f))
            ks_buf_appendf(out, " %s", json_string_value(f));
        ks_buf_appendf(out, " (these packages were not checked)\n");
    }
    return ks_buf_err(out);
}

enum ks_code
ks_report_findings(const json_t *doc, enum ks_findings_format f,
                   const struct ks_report_opts *opts, struct ks_buf *out, struct ks_err *err)
{
    static const struct ks_report_opts defaults = {0};
    enum ks_code rc;

    if (opts == NULL)
        opts = &defaults;
    switch (f) {
    case KS_FINDINGS_TABLE:
        rc = report_table(doc, opts, out);
        break;
    case KS_FINDINGS_JSON:
        rc = ks_json_dump(doc, true, out, err);
        if (rc == KS_OK)
            ks_buf_putc(out, '\n');
        rc = rc == KS_OK ? ks_buf_err(out) : rc;
        break;
    case KS_FINDINGS_SARIF:
        rc = ks_report_findings_sarif(doc, out, err);
        break;
    case KS_FINDINGS_CYCLONEDX_JSON:
        rc = ks_report_findings_cyclonedx(doc, out, err);
        break;
    case KS_FINDINGS_CSV:
        rc = ks_report_findings_csv(doc, (int64_t)ks_time_now() * 1000, out, err);
        break;
    case KS_FINDINGS_ASFF:
        rc = ks_report_findings_asff(doc, out, err);
        break;
    default:
        return ks_err_set(err, KS_EINVAL, "unknown findings format %d", (int)f);
    }
    if (rc != KS_OK && err != NULL && err->code == KS_OK)
        ks_err_set(err, rc, "cannot write the %s report", ks_findings_format_name(f));
    return rc;
}
