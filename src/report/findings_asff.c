/*
 * findings_asff.c: `--format asff`, the AWS Security Finding Format as
 * Security Hub's BatchImportFindings takes it: {"Findings": [...]}, one
 * AwsSecurityFinding per finding, for a custom integration
 * (ProductArn .../product/<account>/default). Field limits from the service
 * model (Title 256, Description 1024, Recommendation text 512, ProductFields
 * 50 pairs of 128/2048, Resource Other details 50 pairs of 127/1023) are kept
 * by cutting text at a code point boundary with "...". BatchImportFindings
 * takes at most 100 findings per call: docs/formats.md shows how to split.
 */
#include "report/findings_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/banned.h"

#define ASFF_SCHEMA_VERSION  "2018-10-08"
#define ASFF_TYPE_CVE        "Software and Configuration Checks/Vulnerabilities/CVE"
#define MAX_ID               512
#define MAX_TITLE            256
#define MAX_DESCRIPTION      1024
#define MAX_RECOMMENDATION   512
#define MAX_NOTE             512
#define MAX_PRODUCT_FIELDS   50
#define MAX_PF_KEY           128
#define MAX_PF_VALUE         2048
#define MAX_OTHER_FIELDS     50
#define MAX_OTHER_KEY        127 /* "fewer than 128 characters" */
#define MAX_OTHER_VALUE      1023
#define MAX_REGION           16
#define MAX_SEVERITY_ORIGINAL 64

/* ASFF strings are NonEmptyString (".*\S.*"): never write blank ones. */
static bool
nonblank(const char *s)
{
    for (; s != NULL && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return true;
    return false;
}

static void
set_s(json_t *o, const char *key, const char *v, bool *ok)
{
    if (nonblank(v))
        rj_set(o, key, json_string(v), ok);
}

static void
set_trunc(json_t *o, const char *key, const char *v, size_t max, bool *ok)
{
    if (nonblank(v))
        rj_set(o, key, rf_json_trunc(v, max), ok);
}

static void
set_url(json_t *o, const char *key, const char *v, bool *ok)
{
    if (nonblank(v))
        rj_set(o, key, rf_json_url(v), ok);
}

static void
set_time(json_t *o, const char *key, const char *v, bool *ok)
{
    char t[21];

    if (rf_time(v, t))
        rj_set(o, key, json_string(t), ok);
}

/* A list of the non-blank strings of arr (NULL when none). */
static json_t *
string_list(const json_t *arr, bool *ok)
{
    json_t *out = json_array();
    size_t i;
    json_t *v;

    json_array_foreach(arr, i, v) if (nonblank(json_string_value(v)))
        rj_push(out, json_string(json_string_value(v)), ok);
    if (json_array_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

static void
set_list(json_t *o, const char *key, const json_t *arr, bool *ok)
{
    json_t *l = string_list(arr, ok);

    if (l != NULL)
        rj_set(o, key, l, ok);
}

/* FieldMap entry within the given limits; false when the map is full. */
static bool
field(json_t *map, size_t max_n, const char *key, const char *v, size_t max_key, size_t max_v,
      bool *ok)
{
    if (!nonblank(key) || !nonblank(v) || rf_utf8_len(key) > max_key)
        return true;
    if (json_object_size(map) >= max_n)
        return false;
    rj_set(map, key, rf_json_trunc(v, max_v), ok);
    return true;
}

static void
pfield(json_t *pf, const char *key, const char *v, bool *ok)
{
    field(pf, MAX_PRODUCT_FIELDS, key, v, MAX_PF_KEY, MAX_PF_VALUE, ok);
}

static void
pfield_num(json_t *pf, const char *key, const json_t *v, bool *ok)
{
    char num[64];

    if (!json_is_number(v))
        return;
    rf_num(json_number_value(v), num);
    pfield(pf, key, num, ok);
}

/* "aws", or "aws-cn" / "aws-us-gov" for those regions. */
static const char *
partition_of(struct ks_str region)
{
    if (ks_str_has_prefix(region, "cn-"))
        return "aws-cn";
    if (ks_str_has_prefix(region, "us-gov-"))
        return "aws-us-gov";
    return "aws";
}

static bool
all_digits(struct ks_str s, size_t len)
{
    if (s.len != len)
        return false;
    for (size_t i = 0; i < s.len; i++)
        if (s.ptr[i] < '0' || s.ptr[i] > '9')
            return false;
    return true;
}

/* ------------------------------------------------------------------------ */
/* Severity.                                                                 */

static const char *
severity_label(const char *sev)
{
    /* Security Hub has no UNTRIAGED: it becomes INFORMATIONAL with Original kept. */
    return strcmp(sev, "UNTRIAGED") == 0 ? "INFORMATIONAL" : sev;
}

/* The label Security Hub derives from a Normalized value (its model's table). */
static const char *
label_of_normalized(long n)
{
    return n == 0 ? "INFORMATIONAL" : n < 40 ? "LOW" : n < 70 ? "MEDIUM" : n < 90 ? "HIGH"
                                                                                 : "CRITICAL";
}

static json_t *
severity(const json_t *f, bool with_normalized, bool *ok)
{
    static const struct {
        const char *label;
        long normalized;
    } table[] = {{"INFORMATIONAL", 0}, {"LOW", 1}, {"MEDIUM", 40}, {"HIGH", 70}, {"CRITICAL", 90}};
    const char *sev = rf_severity(f), *label = severity_label(sev);
    json_t *o = json_object();
    double score;

    rj_set(o, "Label", json_string(label), ok);
    if (with_normalized) {
        long n = -1;

        /* The score times ten when it falls in the label's band, else the table. */
        if (rf_score(f, &score)) {
            long s = lround(score * 10);

            if (strcmp(label_of_normalized(s), label) == 0)
                n = s;
        }
        for (size_t i = 0; n < 0 && i < KS_ARRAY_LEN(table); i++)
            if (strcmp(table[i].label, label) == 0)
                n = table[i].normalized;
        rj_set(o, "Normalized", json_integer(n < 0 ? 0 : n), ok);
    }
    set_trunc(o, "Original", sev, MAX_SEVERITY_ORIGINAL, ok);
    return o;
}

/* ------------------------------------------------------------------------ */
/* Resource.                                                                 */

static bool
is_instance_id(const char *s)
{
    size_t n;

    if (s == NULL || strncmp(s, "i-", 2) != 0)
        return false;
    n = strlen(s + 2);
    return n >= 8 && n <= 17 && strspn(s + 2, "0123456789abcdef") == n;
}

/* "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo" -> registry id 123456789012. */
static struct ks_str
ecr_registry(const char *repo, const char *registry)
{
    struct ks_str r = ks_str_c(registry), head, tail;

    if (all_digits(r, 12))
        return r;
    r = ks_str_c(registry ? registry : repo);
    if (r.ptr != NULL && ks_str_split2(r, '.', &head, &tail) && all_digits(head, 12) &&
        ks_str_has_prefix(tail, "dkr.ecr."))
        return head;
    return KS_STR_NULL;
}

static void
other_field(json_t *other, const char *key, const char *v, bool *ok)
{
    field(other, MAX_OTHER_FIELDS, key, v, MAX_OTHER_KEY, MAX_OTHER_VALUE, ok);
}

static json_t *
resource(const json_t *f, struct ks_str region, struct ks_str account, bool *ok)
{
    const json_t *res = rf_resource(f);
    const json_t *det = ks_json_obj(res, "details");
    const json_t *ec2 = ks_json_obj(det, "awsEc2Instance");
    const json_t *ecr = ks_json_obj(det, "awsEcrContainerImage");
    const json_t *fn = ks_json_obj(det, "awsLambdaFunction");
    const char *rtype = rf_str(res, "type"), *id = rf_str(res, "id");
    json_t *r = json_object(), *d = json_object(), *other = json_object();
    const char *type = "Other";
    struct ks_str reg_id = ecr_registry(rf_str(ecr, "repositoryName"), rf_str(ecr, "registry"));
    const char *key;
    json_t *v;

    if (id == NULL)
        id = "unknown";
    if (ec2 != NULL && (is_instance_id(id) || strstr(id, ":instance/i-") != NULL)) {
        json_t *x = json_object();

        type = "AwsEc2Instance";
        set_s(x, "Type", rf_str(ec2, "type"), ok);
        set_s(x, "ImageId", rf_str(ec2, "imageId"), ok);
        set_list(x, "IpV4Addresses", ks_json_arr(ec2, "ipV4Addresses"), ok);
        set_list(x, "IpV6Addresses", ks_json_arr(ec2, "ipV6Addresses"), ok);
        set_s(x, "KeyName", rf_str(ec2, "keyName"), ok);
        set_s(x, "IamInstanceProfileArn", rf_str(ec2, "iamInstanceProfileArn"), ok);
        set_s(x, "VpcId", rf_str(ec2, "vpcId"), ok);
        set_s(x, "SubnetId", rf_str(ec2, "subnetId"), ok);
        set_time(x, "LaunchedAt", rf_str(ec2, "launchedAt"), ok);
        rj_set(d, "AwsEc2Instance", x, ok);
        if (is_instance_id(id))
            id = NULL; /* written below as the instance ARN */
    } else if (ecr != NULL && reg_id.len > 0) {
        json_t *x = json_object();

        type = "AwsEcrContainerImage";
        rj_set(x, "RegistryId", json_stringn(reg_id.ptr, reg_id.len), ok);
        set_s(x, "RepositoryName", rf_str(ecr, "repositoryName"), ok);
        set_s(x, "Architecture", rf_str(ecr, "architecture"), ok);
        set_s(x, "ImageDigest", rf_str(ecr, "imageHash"), ok);
        set_list(x, "ImageTags", ks_json_arr(ecr, "imageTags"), ok);
        set_time(x, "ImagePublishedAt", rf_str(ecr, "pushedAt"), ok);
        rj_set(d, "AwsEcrContainerImage", x, ok);
    } else if (fn != NULL && strncmp(id, "arn:", 4) == 0 && strstr(id, ":lambda:") != NULL) {
        json_t *x = json_object(), *layers = json_array();
        size_t i;

        type = "AwsLambdaFunction";
        set_s(x, "FunctionName", rf_str(fn, "functionName"), ok);
        set_s(x, "Runtime", rf_str(fn, "runtime"), ok);
        set_s(x, "CodeSha256", rf_str(fn, "codeSha256"), ok);
        set_s(x, "Version", rf_str(fn, "version"), ok);
        set_s(x, "PackageType", rf_str(fn, "packageType"), ok);
        set_time(x, "LastModified", rf_str(fn, "lastModifiedAt"), ok);
        set_list(x, "Architectures", ks_json_arr(fn, "architectures"), ok);
        json_array_foreach(ks_json_arr(fn, "layers"), i, v) {
            if (nonblank(json_string_value(v))) {
                json_t *l = json_object();

                rj_set(l, "Arn", json_string(json_string_value(v)), ok);
                rj_push(layers, l, ok);
            }
        }
        if (json_array_size(layers) > 0)
            rj_set(x, "Layers", layers, ok);
        else
            json_decref(layers);
        rj_set(d, "AwsLambdaFunction", x, ok);
    }
    /* What no typed Details object holds goes to Details.Other. */
    other_field(other, "kensaResourceType", rtype, ok);
    json_object_foreach((json_t *)det, key, v) {
        const char *k2;
        json_t *v2;

        if (json_is_string(v)) {
            other_field(other, key, json_string_value(v), ok);
            continue;
        }
        if (strcmp(type, "Other") != 0 && strcmp(key, "kensa") != 0)
            continue; /* already in the typed details */
        json_object_foreach(v, k2, v2) {
            struct ks_buf name = KS_BUF_INIT(SIZE_MAX);

            ks_buf_appendf(&name, "%s.%s", key, k2);
            if (ks_buf_err(&name) != KS_OK)
                *ok = false;
            else if (json_is_string(v2))
                other_field(other, name.data, json_string_value(v2), ok);
            ks_buf_release(&name);
        }
    }
    if (json_object_size(other) > 0)
        rj_set(d, "Other", other, ok);
    else
        json_decref(other);
    rj_set(r, "Type", json_string(type), ok);
    if (id != NULL)
        rj_set(r, "Id", json_string(id), ok);
    else
        rj_set(r, "Id",
               json_sprintf("arn:%s:ec2:%.*s:%.*s:instance/%s", partition_of(region),
                            (int)region.len, region.ptr, (int)account.len, account.ptr,
                            rf_str(res, "id")),
               ok);
    rj_set(r, "Partition", json_string(partition_of(region)), ok);
    if (region.len > 0 && region.len <= MAX_REGION)
        rj_set(r, "Region", json_stringn(region.ptr, region.len), ok);
    if (json_object_size(d) > 0)
        rj_set(r, "Details", d, ok);
    else
        json_decref(d);
    return r;
}

/* ------------------------------------------------------------------------ */
/* Vulnerability.                                                            */

static json_t *
software_package(const json_t *p, bool *ok)
{
    const json_t *epoch = json_object_get(p, "epoch");
    json_t *o = json_object();

    set_s(o, "Name", rf_str(p, "name"), ok);
    set_s(o, "Version", rf_str(p, "version"), ok);
    if (json_is_integer(epoch))
        rj_set(o, "Epoch", json_sprintf("%lld", (long long)json_integer_value(epoch)), ok);
    else
        set_s(o, "Epoch", rf_str(p, "epoch"), ok);
    set_s(o, "Release", rf_str(p, "release"), ok);
    set_s(o, "Architecture", rf_str(p, "arch"), ok);
    set_s(o, "PackageManager", rf_str(p, "packageManager"), ok);
    set_s(o, "FilePath", rf_str(p, "filePath"), ok);
    set_s(o, "FixedInVersion", rf_str(p, "fixedInVersion"), ok);
    set_s(o, "Remediation", rf_str(p, "remediation"), ok);
    set_s(o, "SourceLayerHash", rf_str(p, "sourceLayerHash"), ok);
    return o;
}

static json_t *
cvss_list(const json_t *f, bool *ok)
{
    const json_t *adj = ks_json_obj(ks_json_obj(f, "inspectorScoreDetails"), "adjustedCvss");
    json_t *arr = json_array();
    double score;
    size_t i;
    json_t *c;

    json_array_foreach(ks_json_arr(rf_pvd(f), "cvss"), i, c) {
        json_t *o;

        if (!json_is_number(json_object_get(c, "baseScore")))
            continue;
        o = json_object();
        set_s(o, "Version", rf_str(c, "version"), ok);
        rj_set(o, "BaseScore", json_real(ks_json_num(c, "baseScore", 0)), ok);
        set_s(o, "BaseVector", rf_str(c, "scoringVector"), ok);
        set_s(o, "Source", rf_str(c, "source"), ok);
        rj_push(arr, o, ok);
    }
    /* Kensa's risk score: the chosen vector as adjusted, with every reason. */
    if (adj != NULL && rf_score(f, &score)) {
        json_t *o = json_object(), *adjs = json_array();
        json_t *a;

        set_s(o, "Version", rf_str(adj, "version"), ok);
        rj_set(o, "BaseScore", json_real(score), ok);
        set_s(o, "BaseVector", rf_str(adj, "scoringVector"), ok);
        rj_set(o, "Source", json_string("Kensa"), ok);
        json_array_foreach(ks_json_arr(adj, "adjustments"), i, a) {
            json_t *x;

            if (!nonblank(rf_str(a, "metric")) || !nonblank(rf_str(a, "reason")))
                continue;
            x = json_object();
            set_s(x, "Metric", rf_str(a, "metric"), ok);
            set_s(x, "Reason", rf_str(a, "reason"), ok);
            rj_push(adjs, x, ok);
        }
        if (json_array_size(adjs) > 0)
            rj_set(o, "Adjustments", adjs, ok);
        else
            json_decref(adjs);
        rj_push(arr, o, ok);
    }
    if (json_array_size(arr) == 0) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}

static bool
is_enum(const char *s, const char *const *values, size_t n)
{
    for (size_t i = 0; s != NULL && i < n; i++)
        if (strcmp(s, values[i]) == 0)
            return true;
    return false;
}

static json_t *
vulnerability(const json_t *f, bool *ok)
{
    static const char *const fix_values[] = {"YES", "NO", "PARTIAL"};
    static const char *const exploit_values[] = {"YES", "NO"};
    const json_t *pvd = rf_pvd(f), *cvd = ks_json_obj(f, "codeVulnerabilityDetails");
    json_t *v = json_object(), *pkgs = json_array(), *vendor = json_object(), *cvss;
    const char *src = rf_str(pvd, "source");
    size_t i;
    json_t *p;

    rj_set(v, "Id", json_string(rf_vuln_id(f)), ok);
    json_array_foreach(rf_pkgs(f), i, p) if (json_is_object(p))
        rj_push(pkgs, software_package(p, ok), ok);
    if (json_array_size(pkgs) > 0)
        rj_set(v, "VulnerablePackages", pkgs, ok);
    else
        json_decref(pkgs);
    if ((cvss = cvss_list(f, ok)) != NULL)
        rj_set(v, "Cvss", cvss, ok);
    set_list(v, "RelatedVulnerabilities", ks_json_arr(pvd, "relatedVulnerabilities"), ok);
    rj_set(vendor, "Name", json_string(nonblank(src) ? src : "Kensa"), ok);
    set_url(vendor, "Url", rf_str(pvd, "sourceUrl"), ok);
    set_s(vendor, "VendorSeverity", rf_str(pvd, "vendorSeverity"), ok);
    set_time(vendor, "VendorCreatedAt", rf_str(pvd, "vendorCreatedAt"), ok);
    set_time(vendor, "VendorUpdatedAt", rf_str(pvd, "vendorUpdatedAt"), ok);
    rj_set(v, "Vendor", vendor, ok);
    {
        json_t *urls = json_array();

        json_array_foreach(ks_json_arr(pvd, "referenceUrls"), i, p) {
            if (nonblank(json_string_value(p)))
                rj_push(urls, rf_json_url(json_string_value(p)), ok);
        }
        if (json_array_size(urls) > 0)
            rj_set(v, "ReferenceUrls", urls, ok);
        else
            json_decref(urls);
    }
    if (is_enum(rf_str(f, "fixAvailable"), fix_values, KS_ARRAY_LEN(fix_values)))
        rj_set(v, "FixAvailable", json_string(rf_str(f, "fixAvailable")), ok);
    if (is_enum(rf_str(f, "exploitAvailable"), exploit_values, KS_ARRAY_LEN(exploit_values)))
        rj_set(v, "ExploitAvailable", json_string(rf_str(f, "exploitAvailable")), ok);
    if (json_is_number(json_object_get(ks_json_obj(f, "epss"), "score")))
        rj_set(v, "EpssScore", json_real(ks_json_num(ks_json_obj(f, "epss"), "score", 0)), ok);
    set_time(v, "LastKnownExploitAt",
             rf_str(ks_json_obj(f, "exploitabilityDetails"), "lastKnownExploitAt"), ok);
    if (cvd != NULL) {
        /* Code findings (SAST): CWEs and where in the file. */
        json_t *cvs = json_array(), *cv = json_object(), *fp = json_object();
        const json_t *cfp = ks_json_obj(cvd, "filePath");
        const json_t *sl = json_object_get(cfp, "startLine"), *el = json_object_get(cfp, "endLine");

        set_list(cv, "Cwes", ks_json_arr(cvd, "cwes"), ok);
        set_s(fp, "FileName", rf_str(cfp, "fileName"), ok);
        set_s(fp, "FilePath", rf_str(cfp, "filePath"), ok);
        if (json_is_integer(sl))
            rj_set(fp, "StartLine", json_integer(json_integer_value(sl)), ok);
        if (json_is_integer(el))
            rj_set(fp, "EndLine", json_integer(json_integer_value(el)), ok);
        if (json_object_size(fp) > 0)
            rj_set(cv, "FilePath", fp, ok);
        else
            json_decref(fp);
        set_s(cv, "SourceArn", rf_str(cvd, "sourceLambdaLayerArn"), ok);
        rj_push(cvs, cv, ok);
        rj_set(v, "CodeVulnerabilities", cvs, ok);
    }
    return v;
}

/* ------------------------------------------------------------------------ */

static void
product_fields(json_t *pf, const json_t *f, bool *ok)
{
    const json_t *adj = ks_json_obj(ks_json_obj(f, "inspectorScoreDetails"), "adjustedCvss");
    const json_t *sup = ks_json_obj(f, "suppression");
    struct ks_buf advs = KS_BUF_INIT(SIZE_MAX);
    size_t i;
    json_t *v;

    pfield(pf, "kensa/FindingArn", rf_str(f, "findingArn"), ok);
    pfield(pf, "kensa/FindingType", rf_str(f, "type"), ok);
    pfield(pf, "kensa/Status", rf_str(f, "status"), ok);
    pfield(pf, "kensa/Severity", rf_severity(f), ok);
    pfield_num(pf, "kensa/InspectorScore", json_object_get(f, "inspectorScore"), ok);
    pfield(pf, "kensa/ScoringVector", rf_str(adj, "scoringVector"), ok);
    pfield(pf, "kensa/ScoreSource", rf_str(adj, "scoreSource"), ok);
    pfield(pf, "kensa/MatchStatus", rf_unknown(f, NULL) ? "UNKNOWN" : "AFFECTED", ok);
    pfield(pf, "kensa/VendorStatus", rf_str(f, "vendorStatus"), ok);
    json_array_foreach(ks_json_arr(f, "advisories"), i, v) {
        if (json_string_value(v) != NULL)
            ks_buf_appendf(&advs, "%s%s", advs.len ? ", " : "", json_string_value(v));
    }
    if (ks_buf_err(&advs) != KS_OK)
        *ok = false;
    pfield(pf, "kensa/Advisories", advs.data, ok);
    ks_buf_release(&advs);
    pfield_num(pf, "kensa/EpssPercentile", json_object_get(ks_json_obj(f, "epss"), "percentile"),
               ok);
    pfield(pf, "kensa/KevDateAdded", rf_str(ks_json_obj(f, "kev"), "dateAdded"), ok);
    pfield(pf, "kensa/KevDueDate", rf_str(ks_json_obj(f, "kev"), "dueDate"), ok);
    pfield(pf, "kensa/SuppressionSource", rf_str(sup, "source"), ok);
    pfield(pf, "kensa/SuppressionFile", rf_str(sup, "file"), ok);
    pfield(pf, "kensa/SuppressionReason", rf_str(sup, "reason"), ok);
    pfield(pf, "kensa/ResourceType", rf_str(rf_resource(f), "type"), ok);
    pfield(pf, "kensa/Version", KS_VERSION_STRING, ok);
}

static enum ks_code
asff_finding(const json_t *f, const char *now, json_t **out, struct ks_err *err)
{
    const char *arn = rf_str(f, "findingArn");
    const char *acct = rf_str(f, "awsAccountId");
    struct ks_str region = rf_arn_region(arn), account = ks_str_c(acct);
    const char *title = rf_str(f, "title"), *desc = rf_str(f, "description");
    const json_t *rec = ks_json_obj(ks_json_obj(f, "remediation"), "recommendation");
    json_t *a = json_object(), *types = json_array(), *fpf = json_object(), *pf = json_object();
    json_t *res = json_array(), *vulns = json_array(), *wf = json_object(), *rem = NULL;
    const char *gen = rf_str(f, "type");
    char created[21], updated[21];
    bool ok = true;

    if (!nonblank(gen) || rf_utf8_len(gen) > MAX_ID - 6)
        gen = "PACKAGE_VULNERABILITY";
    if (account.len == 0)
        account = rf_arn_account(arn);
    if (!all_digits(account, 12)) {
        json_decref(a);
        json_decref(types);
        json_decref(fpf);
        json_decref(pf);
        json_decref(res);
        json_decref(vulns);
        json_decref(wf);
        return ks_err_set(err, KS_EINVAL,
                          "asff: finding '%s': account id '" KS_STR_FMT "' is not 12 digits",
                          arn ? arn : rf_vuln_id(f), KS_STR_ARG(account));
    }
    if (region.len == 0)
        region = KS_STR("local");
    if (!rf_time(rf_str(f, "firstObservedAt"), created))
        memcpy(created, now, sizeof(created));
    if (!rf_time(rf_str(f, "updatedAt"), updated))
        memcpy(updated, created, sizeof(updated));

    rj_set(a, "SchemaVersion", json_string(ASFF_SCHEMA_VERSION), &ok);
    if (arn != NULL && rf_utf8_len(arn) <= MAX_ID) {
        rj_set(a, "Id", json_string(arn), &ok);
    } else {
        /* No usable finding ARN: a stable id from what identifies the finding. */
        struct ks_buf b = KS_BUF_INIT(SIZE_MAX);
        char hex[65];

        ks_buf_appendf(&b, "%s\x1f%s\x1f%s", arn ? arn : "", rf_vuln_id(f),
                       rf_str(rf_resource(f), "id") ? rf_str(rf_resource(f), "id") : "");
        ks_sha256_hex(b.data, b.len, hex);
        if (ks_buf_err(&b) != KS_OK)
            ok = false;
        ks_buf_release(&b);
        rj_set(a, "Id", json_sprintf("kensa/finding/%s", hex), &ok);
    }
    rj_set(a, "ProductArn",
           json_sprintf("arn:%s:securityhub:%.*s:%.*s:product/%.*s/default", partition_of(region),
                        (int)region.len, region.ptr, (int)account.len, account.ptr,
                        (int)account.len, account.ptr),
           &ok);
    rj_set(a, "ProductName", json_string("Kensa"), &ok);
    rj_set(a, "CompanyName", json_string("Kensa"), &ok);
    if (region.len <= MAX_REGION)
        rj_set(a, "Region", json_stringn(region.ptr, region.len), &ok);
    rj_set(a, "GeneratorId", json_sprintf("kensa/%s", gen), &ok);
    rj_set(a, "AwsAccountId", json_stringn(account.ptr, account.len), &ok);
    rj_push(types, json_string(ASFF_TYPE_CVE), &ok);
    rj_set(a, "Types", types, &ok);
    set_time(a, "FirstObservedAt", rf_str(f, "firstObservedAt"), &ok);
    set_time(a, "LastObservedAt", rf_str(f, "lastObservedAt"), &ok);
    rj_set(a, "CreatedAt", json_string(created), &ok);
    rj_set(a, "UpdatedAt", json_string(updated), &ok);
    rj_set(a, "Severity", severity(f, true, &ok), &ok);
    rj_set(a, "Title", rf_json_trunc(nonblank(title) ? title : rf_vuln_id(f), MAX_TITLE), &ok);
    rj_set(a, "Description",
           rf_json_trunc(nonblank(desc) ? desc : "No description provided.", MAX_DESCRIPTION),
           &ok);
    if (nonblank(rf_str(rec, "text")) || nonblank(rf_str(rec, "Url"))) {
        json_t *r = json_object();

        rem = json_object();
        set_trunc(r, "Text", rf_str(rec, "text"), MAX_RECOMMENDATION, &ok);
        set_url(r, "Url", rf_str(rec, "Url"), &ok);
        rj_set(rem, "Recommendation", r, &ok);
        rj_set(a, "Remediation", rem, &ok);
    }
    set_url(a, "SourceUrl", rf_str(rf_pvd(f), "sourceUrl"), &ok);
    product_fields(pf, f, &ok);
    rj_set(a, "ProductFields", pf, &ok);
    rj_push(res, resource(f, region, account, &ok), &ok);
    rj_set(a, "Resources", res, &ok);
    rj_push(vulns, vulnerability(f, &ok), &ok);
    rj_set(a, "Vulnerabilities", vulns, &ok);
    /* Providers set Severity and Types through FindingProviderFields on updates. */
    rj_set(fpf, "Severity", severity(f, false, &ok), &ok);
    rj_set(fpf, "Types", json_pack("[s]", ASFF_TYPE_CVE), &ok);
    rj_set(a, "FindingProviderFields", fpf, &ok);
    rj_set(wf, "Status", json_string(rf_suppressed(f) ? "SUPPRESSED" : "NEW"), &ok);
    rj_set(a, "Workflow", wf, &ok);
    rj_set(a, "RecordState", json_string("ACTIVE"), &ok);
    if (rf_suppressed(f)) {
        const json_t *sup = ks_json_obj(f, "suppression");
        json_t *note = json_object();
        struct ks_buf t = KS_BUF_INIT(SIZE_MAX);
        const char *src = rf_str(sup, "source"), *file = rf_str(sup, "file");
        const char *reason = rf_str(sup, "reason");

        ks_buf_appendf(&t, "Suppressed by %s%s%s: %s", src ? src : "a rule", file ? " " : "",
                       file ? file : "", reason ? reason : "no reason given");
        if (ks_buf_err(&t) != KS_OK)
            ok = false;
        set_trunc(note, "Text", t.data, MAX_NOTE, &ok);
        rj_set(note, "UpdatedBy", json_string("kensa"), &ok);
        rj_set(note, "UpdatedAt", json_string(updated), &ok);
        rj_set(a, "Note", note, &ok);
        ks_buf_release(&t);
    }
    if (!ok) {
        json_decref(a);
        return ks_err_set(err, KS_ENOMEM, "asff: out of memory");
    }
    *out = a;
    return KS_OK;
}

enum ks_code
ks_report_findings_asff(const json_t *doc, struct ks_buf *out, struct ks_err *err)
{
    json_t *root = json_object(), *list = json_array();
    char now[21];
    bool ok = true;
    size_t i;
    json_t *f;

    ks_time_rfc3339(ks_time_now(), now);
    json_array_foreach(ks_json_arr(doc, "findings"), i, f) {
        json_t *a = NULL;
        enum ks_code rc;

        if (!json_is_object(f))
            continue;
        if ((rc = asff_finding(f, now, &a, err)) != KS_OK) {
            json_decref(root);
            json_decref(list);
            return rc;
        }
        rj_push(list, a, &ok);
    }
    rj_set(root, "Findings", list, &ok);
    return rj_finish(root, ok, out, err);
}
