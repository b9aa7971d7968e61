/*
 * findings_csv.c: `--format csv`, the columns of Inspector's CSV findings
 * report (CreateFindingsReport / the console's export), one row per finding
 * with its packages joined by ';'. Quoting follows RFC 4180 (every value in
 * double quotes, quotes doubled, CRLF line ends) and a value that a
 * spreadsheet would run as a formula gets a leading apostrophe. The header
 * and row writers are public so that the server's reports use the same code.
 */
#include "report/findings_int.h"

#include <stdio.h>
#include <string.h>

#include "base/banned.h"

/* Temporary cells (joined lists) may grow to this; a finding is far smaller. */
#define CSV_MAX_CELL ((size_t)1 << 24)

const char *const ks_report_csv_columns[KS_REPORT_CSV_NCOLUMNS] = {
    "AWS Account Id", "Severity", "Fix Available", "Finding Type", "Title", "Description",
    "Finding ARN", "First Seen", "Last Seen", "Last Updated", "Resource ID",
    "Container Image Tags", "Region", "Platform", "Resource Tags", "Affected Packages",
    "Package Installed Version", "Fixed in Version", "Package Remediation", "File Path",
    "Network Paths", "Age (Days)", "Remediation", "Inspector Score", "Inspector Score Vector",
    "Status", "Vulnerability Id", "Vendor", "Vendor Severity", "Vendor Advisory",
    "Vendor Advisory Published", "NVD CVSS3 Score", "NVD CVSS3 Vector", "NVD CVSS2 Score",
    "NVD CVSS2 Vector", "Vendor CVSS3 Score", "Vendor CVSS3 Vector", "Vendor CVSS2 Score",
    "Vendor CVSS2 Vector", "Resource Type", "Ami", "Resource Public Ipv4",
    "Resource Private Ipv4", "Resource Ipv6", "Resource Vpc", "Port Range", "Epss Score",
    "Exploit Available", "Last Exploited At", "Lambda Layers", "Lambda Package Type",
    "Lambda Last Updated At", "Reference Urls", "Detector Name", "Package Manager",
};

void
ks_report_csv_cell(struct ks_buf *out, const char *v, bool first)
{
    if (!first)
        ks_buf_putc(out, ',');
    if (v == NULL || v[0] == '\0')
        return;
    ks_buf_putc(out, '"');
    /* CSV injection (OWASP): = + - @ TAB CR start a formula in spreadsheets. */
    if (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r')
        ks_buf_putc(out, '\'');
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            ks_buf_putc(out, '"');
        ks_buf_putc(out, *p);
    }
    ks_buf_putc(out, '"');
}

enum ks_code
ks_report_findings_csv_header(struct ks_buf *out)
{
    for (size_t i = 0; i < KS_REPORT_CSV_NCOLUMNS; i++)
        ks_report_csv_cell(out, ks_report_csv_columns[i], i == 0);
    ks_buf_appends(out, "\r\n");
    return ks_buf_err(out);
}

/* The text of a string or number value (numbers without exponent). */
static const char *
value_text(const json_t *v, char num[64])
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_number(v)) {
        rf_num(json_number_value(v), num);
        return num;
    }
    return NULL;
}

/* Member `key` (or the element itself when key is NULL) of each element, joined. */
static void
join(struct ks_buf *b, const json_t *arr, const char *key, const char *sep)
{
    size_t i;
    json_t *e;

    json_array_foreach(arr, i, e) {
        char num[64];
        const char *s = value_text(key ? json_object_get(e, key) : e, num);

        if (i > 0)
            ks_buf_appends(b, sep);
        ks_buf_appends(b, s ? s : "");
    }
}

/* "[epoch:]version[-release]" of each package (rpm keeps them apart). */
static void
join_versions(struct ks_buf *b, const json_t *pkgs)
{
    size_t i;
    json_t *p;

    json_array_foreach(pkgs, i, p) {
        const json_t *epoch = json_object_get(p, "epoch");
        const char *rel = rf_str(p, "release");

        if (i > 0)
            ks_buf_putc(b, ';');
        if (json_is_integer(epoch) && json_integer_value(epoch) != 0)
            ks_buf_appendf(b, "%lld:", (long long)json_integer_value(epoch));
        ks_buf_appends(b, ks_json_str(p, "version") ? ks_json_str(p, "version") : "");
        if (rel != NULL)
            ks_buf_appendf(b, "-%s", rel);
    }
}

/* First cvss[] entry of CVSS major version `major` from NVD (nvd) or not. */
static const json_t *
cvss_of(const json_t *pvd, bool nvd, char major)
{
    size_t i;
    json_t *v;

    json_array_foreach(ks_json_arr(pvd, "cvss"), i, v) {
        const char *src = ks_json_str(v, "source"), *ver = ks_json_str(v, "version");
        bool is_nvd = src != NULL && strcmp(src, "NVD") == 0;

        if (ver != NULL && ver[0] == major && is_nvd == nvd)
            return v;
    }
    return NULL;
}

enum ks_code
ks_report_findings_csv_row(const json_t *f, int64_t now_ms, struct ks_buf *out)
{
    enum { T_TAGS, T_IMAGE_TAGS, T_NAMES, T_VERSIONS, T_FIXED, T_PKG_REM, T_PATHS, T_NET,
           T_REFS, T_LAYERS, T_MANAGERS, T_IPV4, T_REGION, T_COUNT };
    const json_t *pvd = rf_pvd(f);
    const json_t *nrd = ks_json_obj(f, "networkReachabilityDetails");
    const json_t *cvd = ks_json_obj(f, "codeVulnerabilityDetails");
    const json_t *res = rf_resource(f);
    const json_t *details = ks_json_obj(res, "details");
    const json_t *ec2 = ks_json_obj(details, "awsEc2Instance");
    const json_t *ecr = ks_json_obj(details, "awsEcrContainerImage");
    const json_t *fn = ks_json_obj(details, "awsLambdaFunction");
    const json_t *pkgs = rf_pkgs(f);
    const json_t *adj = ks_json_obj(ks_json_obj(f, "inspectorScoreDetails"), "adjustedCvss");
    const json_t *c3n = cvss_of(pvd, true, '3'), *c2n = cvss_of(pvd, true, '2');
    const json_t *c3v = cvss_of(pvd, false, '3'), *c2v = cvss_of(pvd, false, '2');
    const char *cells[KS_REPORT_CSV_NCOLUMNS];
    struct ks_buf t[T_COUNT];
    char num[8][64], age[32] = "";
    time_t first;
    size_t k = 0;
    enum ks_code rc = KS_OK;

    for (size_t i = 0; i < T_COUNT; i++)
        ks_buf_init(&t[i], CSV_MAX_CELL);
    {
        const char *key;
        json_t *v;

        json_object_foreach(ks_json_obj(res, "tags"), key, v) {
            if (t[T_TAGS].len > 0)
                ks_buf_putc(&t[T_TAGS], ';');
            ks_buf_appendf(&t[T_TAGS], "%s=%s", key,
                           json_string_value(v) ? json_string_value(v) : "");
        }
    }
    join(&t[T_IMAGE_TAGS], ks_json_arr(ecr, "imageTags"), NULL, ";");
    join(&t[T_NAMES], pkgs, "name", ";");
    join_versions(&t[T_VERSIONS], pkgs);
    join(&t[T_FIXED], pkgs, "fixedInVersion", ";");
    join(&t[T_PKG_REM], pkgs, "remediation", ";");
    join(&t[T_PATHS], pkgs, "filePath", ";");
    if (rf_str(ks_json_obj(cvd, "filePath"), "filePath") != NULL)
        ks_buf_appends(&t[T_PATHS], rf_str(ks_json_obj(cvd, "filePath"), "filePath"));
    join(&t[T_NET], ks_json_arr(ks_json_obj(nrd, "networkPath"), "steps"), "componentId", " -> ");
    join(&t[T_REFS], ks_json_arr(pvd, "referenceUrls"), NULL, ";");
    join(&t[T_LAYERS], ks_json_arr(fn, "layers"), NULL, ";");
    join(&t[T_MANAGERS], pkgs, "packageManager", ";");
    join(&t[T_IPV4], ks_json_arr(ec2, "ipV4Addresses"), NULL, ";");
    /* Scan documents name the region only in the ARN; stored ones on the resource. */
    if (rf_str(res, "region") != NULL)
        ks_buf_appends(&t[T_REGION], rf_str(res, "region"));
    else
        ks_buf_append_str(&t[T_REGION], rf_arn_region(rf_str(f, "findingArn")));

    if (rf_str(f, "firstObservedAt") != NULL &&
        ks_time_parse(ks_str_c(rf_str(f, "firstObservedAt")), &first) == KS_OK) {
        int64_t days = (now_ms - (int64_t)first * 1000) / 86400000;

        snprintf(age, sizeof(age), "%lld", (long long)(days > 0 ? days : 0));
    }
    for (size_t i = 0; i < KS_ARRAY_LEN(num); i++)
        num[i][0] = '\0';
    if (json_is_number(json_object_get(f, "inspectorScore")))
        rf_num(ks_json_num(f, "inspectorScore", 0), num[0]);
    if (c3n)
        rf_num(ks_json_num(c3n, "baseScore", 0), num[1]);
    if (c2n)
        rf_num(ks_json_num(c2n, "baseScore", 0), num[2]);
    if (c3v)
        rf_num(ks_json_num(c3v, "baseScore", 0), num[3]);
    if (c2v)
        rf_num(ks_json_num(c2v, "baseScore", 0), num[4]);
    if (json_is_number(json_object_get(ks_json_obj(f, "epss"), "score")))
        rf_num(ks_json_num(ks_json_obj(f, "epss"), "score", 0), num[5]);
    if (nrd != NULL) {
        const json_t *pr = ks_json_obj(nrd, "openPortRange");

        snprintf(num[6], sizeof(num[6]), "%lld-%lld",
                 (long long)json_integer_value(json_object_get(pr, "begin")),
                 (long long)json_integer_value(json_object_get(pr, "end")));
    }

    cells[k++] = ks_json_str(f, "awsAccountId");
    cells[k++] = ks_json_str(f, "severity");
    cells[k++] = ks_json_str(f, "fixAvailable");
    cells[k++] = ks_json_str(f, "type");
    cells[k++] = ks_json_str(f, "title");
    cells[k++] = ks_json_str(f, "description");
    cells[k++] = ks_json_str(f, "findingArn");
    cells[k++] = ks_json_str(f, "firstObservedAt");
    cells[k++] = ks_json_str(f, "lastObservedAt");
    cells[k++] = ks_json_str(f, "updatedAt");
    cells[k++] = ks_json_str(res, "id");
    cells[k++] = t[T_IMAGE_TAGS].data;
    cells[k++] = t[T_REGION].data;
    cells[k++] = rf_str(ec2, "platform") ? rf_str(ec2, "platform") : ks_json_str(ecr, "platform");
    cells[k++] = t[T_TAGS].data;
    cells[k++] = t[T_NAMES].data;
    cells[k++] = t[T_VERSIONS].data;
    cells[k++] = t[T_FIXED].data;
    cells[k++] = t[T_PKG_REM].data;
    cells[k++] = t[T_PATHS].data;
    cells[k++] = t[T_NET].data;
    cells[k++] = age;
    cells[k++] = ks_json_str(ks_json_obj(ks_json_obj(f, "remediation"), "recommendation"), "text");
    cells[k++] = num[0];
    cells[k++] = ks_json_str(adj, "scoringVector");
    cells[k++] = ks_json_str(f, "status");
    cells[k++] = ks_json_str(pvd, "vulnerabilityId");
    cells[k++] = ks_json_str(pvd, "source");
    cells[k++] = ks_json_str(pvd, "vendorSeverity");
    cells[k++] = ks_json_str(pvd, "sourceUrl");
    cells[k++] = ks_json_str(pvd, "vendorCreatedAt");
    cells[k++] = num[1];
    cells[k++] = ks_json_str(c3n, "scoringVector");
    cells[k++] = num[2];
    cells[k++] = ks_json_str(c2n, "scoringVector");
    cells[k++] = num[3];
    cells[k++] = ks_json_str(c3v, "scoringVector");
    cells[k++] = num[4];
    cells[k++] = ks_json_str(c2v, "scoringVector");
    cells[k++] = ks_json_str(res, "type");
    cells[k++] = ks_json_str(ec2, "imageId");
    cells[k++] = NULL; /* public IPv4: not something a scan can know */
    cells[k++] = t[T_IPV4].data;
    cells[k++] = NULL; /* IPv6 */
    cells[k++] = ks_json_str(ec2, "vpcId");
    cells[k++] = num[6];
    cells[k++] = num[5];
    cells[k++] = ks_json_str(f, "exploitAvailable");
    cells[k++] = ks_json_str(ks_json_obj(f, "exploitabilityDetails"), "lastKnownExploitAt");
    cells[k++] = t[T_LAYERS].data;
    cells[k++] = ks_json_str(fn, "packageType");
    cells[k++] = ks_json_str(fn, "lastModifiedAt");
    cells[k++] = t[T_REFS].data;
    cells[k++] = ks_json_str(cvd, "detectorName");
    cells[k++] = t[T_MANAGERS].data;
    for (size_t i = 0; i < k; i++) {
        ks_report_csv_cell(out, cells[i], i == 0);
    }
    ks_buf_appends(out, "\r\n");
    for (size_t i = 0; i < T_COUNT; i++) {
        if (rc == KS_OK)
            rc = ks_buf_err(&t[i]);
        ks_buf_release(&t[i]);
    }
    return rc != KS_OK ? rc : ks_buf_err(out);
}

enum ks_code
ks_report_findings_csv(const json_t *doc, int64_t now_ms, struct ks_buf *out, struct ks_err *err)
{
    size_t i;
    json_t *f;
    enum ks_code rc = ks_report_findings_csv_header(out);

    json_array_foreach(ks_json_arr(doc, "findings"), i, f) {
        if (rc != KS_OK)
            break;
        if (json_is_object(f))
            rc = ks_report_findings_csv_row(f, now_ms, out);
    }
    if (rc != KS_OK)
        return ks_err_set(err, rc, "csv: %s", rc == KS_ENOMEM ? "out of memory"
                                                              : "report over the size limit");
    return KS_OK;
}
