/*
 * report.c: findings reports in Inspector's two formats. JSON is
 * {"findings": [...]} with the Finding shape (timestamps RFC 3339); CSV has
 * the columns of Inspector's CSV findings report, RFC 4180 quoting, and
 * cells that a spreadsheet would run as a formula are prefixed with a quote.
 */
#include "server/server_int.h"

#include <string.h>

#include "base/banned.h"

#define PAGE 500

static const char *const csv_columns[] = {
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

static void
csv_cell(struct ks_buf *o, const char *v, bool first)
{
    if (!first)
        ks_buf_putc(o, ',');
    if (v == NULL)
        return;
    ks_buf_putc(o, '"');
    /* CSV injection: a leading = + - @ would be a formula in a spreadsheet. */
    if (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r')
        ks_buf_putc(o, '\'');
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            ks_buf_putc(o, '"');
        ks_buf_putc(o, *p);
    }
    ks_buf_putc(o, '"');
}

/* Values of member `key` of every element of arr, joined with sep. */
static void
join_members(struct ks_buf *b, const json_t *arr, const char *key, const char *sep)
{
    size_t i;
    json_t *v;

    json_array_foreach((json_t *)arr, i, v) {
        const json_t *x = key ? json_object_get(v, key) : v;
        char num[32];
        const char *s = json_string_value(x);

        if (json_is_number(x)) {
            snprintf(num, sizeof(num), "%g", json_number_value(x));
            s = num;
        }
        if (s == NULL)
            s = "";
        if (b->len > 0)
            ks_buf_appends(b, sep);
        ks_buf_appends(b, s);
    }
}

static const json_t *
cvss_of(const json_t *pvd, const char *source_prefix, bool nvd, const char *version_prefix)
{
    size_t i;
    json_t *v;

    json_array_foreach(json_object_get(pvd, "cvss"), i, v) {
        const char *src = ks_json_str(v, "source"), *ver = ks_json_str(v, "version");
        bool is_nvd = src != NULL && strcmp(src, "NVD") == 0;

        (void)source_prefix;
        if (ver == NULL || strncmp(ver, version_prefix, strlen(version_prefix)) != 0)
            continue;
        if (is_nvd == nvd)
            return v;
    }
    return NULL;
}

static void
csv_row(struct ks_buf *o, const json_t *f, int64_t now_ms)
{
    const json_t *pvd = json_object_get(f, "packageVulnerabilityDetails");
    const json_t *nrd = json_object_get(f, "networkReachabilityDetails");
    const json_t *cvd = json_object_get(f, "codeVulnerabilityDetails");
    const json_t *res = json_array_get(json_object_get(f, "resources"), 0);
    const json_t *details = json_object_get(res, "details");
    const json_t *ec2 = json_object_get(details, "awsEc2Instance");
    const json_t *ecr = json_object_get(details, "awsEcrContainerImage");
    const json_t *fn = json_object_get(details, "awsLambdaFunction");
    const json_t *pkgs = json_object_get(pvd, "vulnerablePackages");
    const json_t *adj = json_object_get(json_object_get(f, "inspectorScoreDetails"), "adjustedCvss");
    struct ks_buf t[12];
    char num[8][40];
    const char *cells[KS_ARRAY_LEN(csv_columns)];
    const json_t *c3n = cvss_of(pvd, NULL, true, "3"), *c2n = cvss_of(pvd, NULL, true, "2");
    const json_t *c3v = cvss_of(pvd, NULL, false, "3"), *c2v = cvss_of(pvd, NULL, false, "2");
    int64_t first_ms = 0;
    size_t k = 0;

    for (size_t i = 0; i < KS_ARRAY_LEN(t); i++)
        ks_buf_init(&t[i], (size_t)1 << 20);
    /* Tags "k=v" and lists joined with ';'. */
    {
        const char *key;
        json_t *v;

        json_object_foreach(json_object_get(res, "tags"), key, v) {
            if (t[0].len > 0)
                ks_buf_putc(&t[0], ';');
            ks_buf_appendf(&t[0], "%s=%s", key, json_string_value(v) ? json_string_value(v) : "");
        }
    }
    join_members(&t[1], json_object_get(ecr, "imageTags"), NULL, ";");
    join_members(&t[2], pkgs, "name", ";");
    join_members(&t[3], pkgs, "version", ";");
    join_members(&t[4], pkgs, "fixedInVersion", ";");
    join_members(&t[5], pkgs, "remediation", ";");
    join_members(&t[6], pkgs, "filePath", ";");
    if (cvd != NULL && ks_json_str(json_object_get(cvd, "filePath"), "filePath") != NULL)
        ks_buf_appends(&t[6], ks_json_str(json_object_get(cvd, "filePath"), "filePath"));
    join_members(&t[7], json_object_get(json_object_get(nrd, "networkPath"), "steps"),
                 "componentId", " -> ");
    join_members(&t[8], json_object_get(pvd, "referenceUrls"), NULL, ";");
    join_members(&t[9], json_object_get(fn, "layers"), NULL, ";");
    join_members(&t[10], pkgs, "packageManager", ";");
    join_members(&t[11], json_object_get(ec2, "ipV4Addresses"), NULL, ";");
    if (ks_findings_parse_time(json_object_get(f, "firstObservedAt"), &first_ms) != KS_OK)
        first_ms = now_ms;
    snprintf(num[0], sizeof(num[0]), "%lld", (long long)((now_ms - first_ms) / 86400000));
    num[1][0] = num[2][0] = num[3][0] = num[4][0] = num[5][0] = num[6][0] = num[7][0] = '\0';
    if (json_is_number(json_object_get(f, "inspectorScore")))
        snprintf(num[1], sizeof(num[1]), "%g", json_number_value(json_object_get(f, "inspectorScore")));
    if (c3n)
        snprintf(num[2], sizeof(num[2]), "%g", json_number_value(json_object_get(c3n, "baseScore")));
    if (c2n)
        snprintf(num[3], sizeof(num[3]), "%g", json_number_value(json_object_get(c2n, "baseScore")));
    if (c3v)
        snprintf(num[4], sizeof(num[4]), "%g", json_number_value(json_object_get(c3v, "baseScore")));
    if (c2v)
        snprintf(num[5], sizeof(num[5]), "%g", json_number_value(json_object_get(c2v, "baseScore")));
    if (json_is_number(json_object_get(json_object_get(f, "epss"), "score")))
        snprintf(num[6], sizeof(num[6]), "%g",
                 json_number_value(json_object_get(json_object_get(f, "epss"), "score")));
    if (nrd != NULL)
        snprintf(num[7], sizeof(num[7]), "%lld-%lld",
                 (long long)json_integer_value(json_object_get(json_object_get(nrd, "openPortRange"), "begin")),
                 (long long)json_integer_value(json_object_get(json_object_get(nrd, "openPortRange"), "end")));
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
    cells[k++] = t[1].data;
    cells[k++] = ks_json_str(res, "region");
    cells[k++] = ks_json_str(ec2, "platform") ? ks_json_str(ec2, "platform") : ks_json_str(ecr, "platform");
    cells[k++] = t[0].data;
    cells[k++] = t[2].data;
    cells[k++] = t[3].data;
    cells[k++] = t[4].data;
    cells[k++] = t[5].data;
    cells[k++] = t[6].data;
    cells[k++] = t[7].data;
    cells[k++] = num[0];
    cells[k++] = ks_json_str(json_object_get(json_object_get(f, "remediation"), "recommendation"),
                             "text");
    cells[k++] = num[1];
    cells[k++] = ks_json_str(adj, "scoringVector");
    cells[k++] = ks_json_str(f, "status");
    cells[k++] = ks_json_str(pvd, "vulnerabilityId");
    cells[k++] = ks_json_str(pvd, "source");
    cells[k++] = ks_json_str(pvd, "vendorSeverity");
    cells[k++] = ks_json_str(pvd, "sourceUrl");
    cells[k++] = ks_json_str(pvd, "vendorCreatedAt");
    cells[k++] = num[2];
    cells[k++] = c3n ? ks_json_str(c3n, "scoringVector") : NULL;
    cells[k++] = num[3];
    cells[k++] = c2n ? ks_json_str(c2n, "scoringVector") : NULL;
    cells[k++] = num[4];
    cells[k++] = c3v ? ks_json_str(c3v, "scoringVector") : NULL;
    cells[k++] = num[5];
    cells[k++] = c2v ? ks_json_str(c2v, "scoringVector") : NULL;
    cells[k++] = ks_json_str(res, "type");
    cells[k++] = ks_json_str(ec2, "imageId");
    cells[k++] = NULL; /* public IPv4: Kensa does not know it */
    cells[k++] = t[11].data;
    cells[k++] = NULL;
    cells[k++] = ks_json_str(ec2, "vpcId");
    cells[k++] = num[7];
    cells[k++] = num[6];
    cells[k++] = ks_json_str(f, "exploitAvailable");
    cells[k++] = ks_json_str(json_object_get(f, "exploitabilityDetails"), "lastKnownExploitAt");
    cells[k++] = t[9].data;
    cells[k++] = ks_json_str(fn, "packageType");
    cells[k++] = ks_json_str(fn, "lastModifiedAt");
    cells[k++] = t[8].data;
    cells[k++] = ks_json_str(cvd, "detectorName");
    cells[k++] = t[10].data;
    for (size_t i = 0; i < k; i++)
        csv_cell(o, cells[i] && cells[i][0] ? cells[i] : NULL, i == 0);
    ks_buf_appends(o, "\r\n");
    for (size_t i = 0; i < KS_ARRAY_LEN(t); i++)
        ks_buf_release(&t[i]);
}

enum ks_code
srv_report_render(struct ks_store *s, const char *account_id, const char *format,
                  const json_t *criteria, struct ks_buf *out, size_t *n_findings,
                  struct ks_err *err)
{
    struct ks_arena *a = ks_arena_new(8192);
    struct ks_criteria *crit = NULL;
    struct ks_store_page page = {0, PAGE};
    bool csv = strcmp(format, "CSV") == 0, more = true;
    int64_t now = ks_time_now_ms();
    enum ks_code rc;

    *n_findings = 0;
    if (a == NULL)
        return ks_err_set(err, KS_ENOMEM, "report: out of memory");
    if ((rc = ks_findings_criteria_parse(&ks_fc_findings, criteria, "filterCriteria", a, &crit,
                                         err)) != KS_OK)
        goto out;
    if (csv) {
        for (size_t i = 0; i < KS_ARRAY_LEN(csv_columns); i++)
            csv_cell(out, csv_columns[i], i == 0);
        ks_buf_appends(out, "\r\n");
    } else {
        ks_buf_appends(out, "{\"findings\":[");
    }
    while (more) {
        json_t *list = NULL, *f;
        size_t i;

        if ((rc = ks_store_findings_list(s, account_id, crit, KS_SORT_DEFAULT, true, &page,
                                         KS_TS_RFC3339, &list, &more, err)) != KS_OK)
            goto out;
        json_array_foreach(list, i, f) {
            if (csv) {
                csv_row(out, f, now);
            } else {
                char *text = json_dumps(f, JSON_COMPACT);

                if (text == NULL) {
                    json_decref(list);
                    rc = ks_err_set(err, KS_ENOMEM, "report: out of memory");
                    goto out;
                }
                if (*n_findings > 0)
                    ks_buf_putc(out, ',');
                ks_buf_appends(out, text);
                ks_free(text);
            }
            (*n_findings)++;
        }
        json_decref(list);
        page.offset += page.limit;
        if ((rc = ks_buf_err(out)) != KS_OK) {
            rc = ks_err_set(err, rc, "report: over the size limit");
            goto out;
        }
    }
    if (!csv)
        ks_buf_appends(out, "]}\n");
    if ((rc = ks_buf_err(out)) != KS_OK)
        rc = ks_err_set(err, rc, "report: over the size limit");
out:
    ks_arena_free(a);
    return rc;
}
