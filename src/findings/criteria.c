/*
 * criteria.c: FilterCriteria and CoverageFilterCriteria, parsed strictly
 * from request JSON (every error names the member) into arena structures,
 * and evaluated in memory for coverage and aggregation groups. The SQL form
 * for findings is built from the same structures in src/store/query.c.
 */
#include "findings/findings.h"

#include <math.h>
#include <string.h>

#include "base/banned.h"

#define S KS_FC_STRING
#define D KS_FC_DATE
#define N KS_FC_NUMBER
#define M KS_FC_MAP

static const struct ks_fc_field finding_fields[KS_FF_COUNT] = {
    [KS_FF_FINDING_ARN] = {.name = "findingArn", .kind = S, .multi = false},
    [KS_FF_AWS_ACCOUNT_ID] = {.name = "awsAccountId", .kind = S, .multi = false},
    [KS_FF_FINDING_TYPE] = {.name = "findingType", .kind = S, .multi = false},
    [KS_FF_SEVERITY] = {.name = "severity", .kind = S, .multi = false},
    [KS_FF_FIRST_OBSERVED_AT] = {.name = "firstObservedAt", .kind = D, .multi = false},
    [KS_FF_LAST_OBSERVED_AT] = {.name = "lastObservedAt", .kind = D, .multi = false},
    [KS_FF_UPDATED_AT] = {.name = "updatedAt", .kind = D, .multi = false},
    [KS_FF_FINDING_STATUS] = {.name = "findingStatus", .kind = S, .multi = false},
    [KS_FF_TITLE] = {.name = "title", .kind = S, .multi = false},
    [KS_FF_INSPECTOR_SCORE] = {.name = "inspectorScore", .kind = N, .multi = false, .min = 0, .max = 10},
    [KS_FF_RESOURCE_TYPE] = {.name = "resourceType", .kind = S, .multi = false},
    [KS_FF_RESOURCE_ID] = {.name = "resourceId", .kind = S, .multi = false},
    [KS_FF_RESOURCE_TAGS] = {.name = "resourceTags", .kind = M, .multi = true},
    [KS_FF_EC2_IMAGE_ID] = {.name = "ec2InstanceImageId", .kind = S, .multi = false},
    [KS_FF_EC2_VPC_ID] = {.name = "ec2InstanceVpcId", .kind = S, .multi = false},
    [KS_FF_EC2_SUBNET_ID] = {.name = "ec2InstanceSubnetId", .kind = S, .multi = false},
    [KS_FF_ECR_PUSHED_AT] = {.name = "ecrImagePushedAt", .kind = D, .multi = false},
    [KS_FF_ECR_ARCHITECTURE] = {.name = "ecrImageArchitecture", .kind = S, .multi = false},
    [KS_FF_ECR_REGISTRY] = {.name = "ecrImageRegistry", .kind = S, .multi = false},
    [KS_FF_ECR_REPOSITORY_NAME] = {.name = "ecrImageRepositoryName", .kind = S, .multi = false},
    [KS_FF_ECR_TAGS] = {.name = "ecrImageTags", .kind = S, .multi = true},
    [KS_FF_ECR_HASH] = {.name = "ecrImageHash", .kind = S, .multi = false},
    [KS_FF_ECR_LAST_IN_USE_AT] = {.name = "ecrImageLastInUseAt", .kind = D, .multi = false},
    [KS_FF_ECR_IN_USE_COUNT] = {.name = "ecrImageInUseCount", .kind = N, .multi = false, .min = 0, .max = KS_FC_MAX_NUMBER},
    [KS_FF_PORT_RANGE] = {.name = "portRange", .kind = KS_FC_PORT, .multi = false},
    [KS_FF_NETWORK_PROTOCOL] = {.name = "networkProtocol", .kind = S, .multi = false},
    [KS_FF_COMPONENT_ID] = {.name = "componentId", .kind = S, .multi = true},
    [KS_FF_COMPONENT_TYPE] = {.name = "componentType", .kind = S, .multi = true},
    [KS_FF_VULNERABILITY_ID] = {.name = "vulnerabilityId", .kind = S, .multi = false},
    [KS_FF_VULNERABILITY_SOURCE] = {.name = "vulnerabilitySource", .kind = S, .multi = false},
    [KS_FF_VENDOR_SEVERITY] = {.name = "vendorSeverity", .kind = S, .multi = false},
    [KS_FF_VULNERABLE_PACKAGES] = {.name = "vulnerablePackages", .kind = KS_FC_PACKAGE, .multi = true},
    [KS_FF_RELATED_VULNERABILITIES] = {.name = "relatedVulnerabilities", .kind = S, .multi = true},
    [KS_FF_FIX_AVAILABLE] = {.name = "fixAvailable", .kind = S, .multi = false},
    [KS_FF_LAMBDA_NAME] = {.name = "lambdaFunctionName", .kind = S, .multi = false},
    [KS_FF_LAMBDA_LAYERS] = {.name = "lambdaFunctionLayers", .kind = S, .multi = true},
    [KS_FF_LAMBDA_RUNTIME] = {.name = "lambdaFunctionRuntime", .kind = S, .multi = false},
    [KS_FF_LAMBDA_LAST_MODIFIED_AT] = {.name = "lambdaFunctionLastModifiedAt", .kind = D, .multi = false},
    [KS_FF_LAMBDA_ROLE_ARN] = {.name = "lambdaFunctionExecutionRoleArn", .kind = S, .multi = false},
    [KS_FF_EXPLOIT_AVAILABLE] = {.name = "exploitAvailable", .kind = S, .multi = false},
    [KS_FF_CODE_DETECTOR_NAME] = {.name = "codeVulnerabilityDetectorName", .kind = S, .multi = false},
    [KS_FF_CODE_DETECTOR_TAGS] = {.name = "codeVulnerabilityDetectorTags", .kind = S, .multi = true},
    [KS_FF_CODE_FILE_PATH] = {.name = "codeVulnerabilityFilePath", .kind = S, .multi = false},
    [KS_FF_EPSS_SCORE] = {.name = "epssScore", .kind = N, .multi = false, .min = 0, .max = 1},
    [KS_FF_CODE_PROJECT_NAME] = {.name = "codeRepositoryProjectName", .kind = S, .multi = false},
    [KS_FF_CODE_PROVIDER_TYPE] = {.name = "codeRepositoryProviderType", .kind = S, .multi = false},
};

static const struct ks_fc_field coverage_fields[KS_CF_COUNT] = {
    [KS_CF_SCAN_STATUS_CODE] = {.name = "scanStatusCode", .kind = S, .multi = false},
    [KS_CF_SCAN_STATUS_REASON] = {.name = "scanStatusReason", .kind = S, .multi = false},
    [KS_CF_ACCOUNT_ID] = {.name = "accountId", .kind = S, .multi = false},
    [KS_CF_RESOURCE_ID] = {.name = "resourceId", .kind = S, .multi = false},
    [KS_CF_RESOURCE_TYPE] = {.name = "resourceType", .kind = S, .multi = false},
    [KS_CF_SCAN_TYPE] = {.name = "scanType", .kind = S, .multi = false},
    [KS_CF_ECR_REPOSITORY_NAME] = {.name = "ecrRepositoryName", .kind = S, .multi = false},
    [KS_CF_ECR_IMAGE_TAGS] = {.name = "ecrImageTags", .kind = S, .multi = true},
    [KS_CF_EC2_INSTANCE_TAGS] = {.name = "ec2InstanceTags", .kind = M, .multi = true},
    [KS_CF_LAMBDA_NAME] = {.name = "lambdaFunctionName", .kind = S, .multi = false},
    [KS_CF_LAMBDA_TAGS] = {.name = "lambdaFunctionTags", .kind = M, .multi = true},
    [KS_CF_LAMBDA_RUNTIME] = {.name = "lambdaFunctionRuntime", .kind = S, .multi = false},
    [KS_CF_LAST_SCANNED_AT] = {.name = "lastScannedAt", .kind = D, .multi = false},
    [KS_CF_SCAN_MODE] = {.name = "scanMode", .kind = S, .multi = false},
    [KS_CF_IMAGE_PULLED_AT] = {.name = "imagePulledAt", .kind = D, .multi = false},
    [KS_CF_ECR_LAST_IN_USE_AT] = {.name = "ecrImageLastInUseAt", .kind = D, .multi = false},
    [KS_CF_ECR_IN_USE_COUNT] = {.name = "ecrImageInUseCount", .kind = N, .multi = false, .min = 0, .max = KS_FC_MAX_NUMBER},
    [KS_CF_CODE_PROJECT_NAME] = {.name = "codeRepositoryProjectName", .kind = S, .multi = false},
    [KS_CF_CODE_PROVIDER_TYPE] = {.name = "codeRepositoryProviderType", .kind = S, .multi = false},
    [KS_CF_CODE_PROVIDER_VISIBILITY] = {.name = "codeRepositoryProviderTypeVisibility", .kind = S, .multi = false},
    [KS_CF_LAST_SCANNED_COMMIT_ID] = {.name = "lastScannedCommitId", .kind = S, .multi = false},
};

#undef S
#undef D
#undef N
#undef M

const struct ks_fc_schema ks_fc_findings = {"FilterCriteria", finding_fields, KS_FF_COUNT, true};
const struct ks_fc_schema ks_fc_coverage = {"CoverageFilterCriteria", coverage_fields,
                                            KS_CF_COUNT, false};

static const char *const pkg_members[KS_PKG_STRING_COUNT] = {
    [KS_PKG_NAME] = "name",
    [KS_PKG_VERSION] = "version",
    [KS_PKG_RELEASE] = "release",
    [KS_PKG_ARCHITECTURE] = "architecture",
    [KS_PKG_SOURCE_LAYER_HASH] = "sourceLayerHash",
    [KS_PKG_SOURCE_LAMBDA_LAYER_ARN] = "sourceLambdaLayerArn",
    [KS_PKG_FILE_PATH] = "filePath",
};

/* Member paths for error messages; a path cut at the buffer size is still useful. */
static void pathf(char *out, size_t n, const char *fmt, ...) KS_PRINTF(3, 4);
static void
pathf(char *out, size_t n, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(out, n, fmt, ap);
    va_end(ap);
}

static size_t
utf8_chars(const char *s, size_t len)
{
    size_t n = 0;

    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

enum ks_code
ks_findings_parse_time(const json_t *v, int64_t *ms_out)
{
    if (json_is_number(v)) {
        double secs = json_number_value(v);

        if (!isfinite(secs) || secs < 0 || secs * 1000.0 > (double)KS_FC_MAX_TIME_MS)
            return KS_EINVAL;
        *ms_out = (int64_t)llround(secs * 1000.0);
        return KS_OK;
    }
    if (json_is_string(v)) {
        time_t t;

        if (ks_time_parse(ks_str_make(json_string_value(v), json_string_length(v)), &t) != KS_OK ||
            t < 0 || (int64_t)t > KS_FC_MAX_TIME_MS / 1000)
            return KS_EINVAL;
        *ms_out = (int64_t)t * 1000;
        return KS_OK;
    }
    return KS_EINVAL;
}

/* Refuse members of obj other than the allowed ones. */
static enum ks_code
only_members(const json_t *obj, const char *const *allowed, size_t n, const char *where,
             struct ks_err *err)
{
    const char *key;
    json_t *v;

    json_object_foreach((json_t *)obj, key, v) {
        bool ok = false;

        (void)v;
        for (size_t i = 0; i < n && !ok; i++)
            ok = strcmp(key, allowed[i]) == 0;
        if (!ok)
            return ks_err_set(err, KS_EINVAL, "%s: unknown member '%.64s'", where, key);
    }
    return KS_OK;
}

static enum ks_code
parse_string_filter(const json_t *o, const char *where, bool allow_prefix,
                    struct ks_fc_string *out, struct ks_err *err)
{
    static const char *const allowed[] = {"comparison", "value"};
    const json_t *cmp, *val;
    const char *c;
    enum ks_code rc;

    if (!json_is_object(o))
        return ks_err_set(err, KS_EINVAL, "%s: must be an object with comparison and value",
                          where);
    if ((rc = only_members(o, allowed, 2, where, err)) != KS_OK)
        return rc;
    cmp = json_object_get(o, "comparison");
    val = json_object_get(o, "value");
    if (!json_is_string(cmp))
        return ks_err_set(err, KS_EINVAL, "%s.comparison: required string is missing", where);
    c = json_string_value(cmp);
    if (strcmp(c, "EQUALS") == 0)
        out->cmp = KS_FC_EQUALS;
    else if (strcmp(c, "NOT_EQUALS") == 0)
        out->cmp = KS_FC_NOT_EQUALS;
    else if (allow_prefix && strcmp(c, "PREFIX") == 0)
        out->cmp = KS_FC_PREFIX;
    else
        return ks_err_set(err, KS_EINVAL, "%s.comparison: '%.64s' is not one of %s", where, c,
                          allow_prefix ? "EQUALS, PREFIX, NOT_EQUALS" : "EQUALS, NOT_EQUALS");
    if (!json_is_string(val))
        return ks_err_set(err, KS_EINVAL, "%s.value: required string is missing", where);
    out->value = json_string_value(val);
    out->len = json_string_length(val);
    out->chars = utf8_chars(out->value, out->len);
    if (out->len == 0)
        return ks_err_set(err, KS_EINVAL, "%s.value: must not be empty", where);
    if (out->chars > KS_FC_MAX_STRING)
        return ks_err_set(err, KS_EINVAL, "%s.value: longer than %d characters", where,
                          KS_FC_MAX_STRING);
    if (memchr(out->value, '\0', out->len) != NULL)
        return ks_err_set(err, KS_EINVAL, "%s.value: contains a NUL character", where);
    return KS_OK;
}

static enum ks_code
parse_range(const json_t *o, const char *where, bool is_date, double dmin, double dmax,
            struct ks_fc_range *out, struct ks_err *err)
{
    static const char *const date_members[] = {"startInclusive", "endInclusive"};
    static const char *const num_members[] = {"lowerInclusive", "upperInclusive"};
    const char *const *names = is_date ? date_members : num_members;
    enum ks_code rc;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(o))
        return ks_err_set(err, KS_EINVAL, "%s: must be an object with %s and/or %s", where,
                          names[0], names[1]);
    if ((rc = only_members(o, names, 2, where, err)) != KS_OK)
        return rc;
    for (int i = 0; i < 2; i++) {
        const json_t *v = json_object_get(o, names[i]);
        double d;

        if (v == NULL || json_is_null(v))
            continue;
        if (is_date) {
            int64_t ms;

            if (ks_findings_parse_time(v, &ms) != KS_OK)
                return ks_err_set(err, KS_EINVAL,
                                  "%s.%s: not a timestamp between 1970 and 9999 (epoch seconds "
                                  "or RFC 3339)", where, names[i]);
            d = (double)ms;
        } else {
            if (!json_is_number(v))
                return ks_err_set(err, KS_EINVAL, "%s.%s: must be a number", where, names[i]);
            d = json_number_value(v);
            if (!isfinite(d) || fabs(d) > KS_FC_MAX_NUMBER)
                return ks_err_set(err, KS_EINVAL, "%s.%s: %g is outside ±1e15", where, names[i],
                                  d);
            if ((dmin != 0 || dmax != 0) && (d < dmin || d > dmax))
                return ks_err_set(err, KS_EINVAL, "%s.%s: %g is outside %g to %g", where,
                                  names[i], d, dmin, dmax);
        }
        if (i == 0) {
            out->has_lo = true;
            out->lo = d;
        } else {
            out->has_hi = true;
            out->hi = d;
        }
    }
    if (!out->has_lo && !out->has_hi)
        return ks_err_set(err, KS_EINVAL, "%s: needs %s or %s", where, names[0], names[1]);
    if (out->has_lo && out->has_hi && out->lo > out->hi)
        return ks_err_set(err, KS_EINVAL, "%s: %s is after %s", where, names[0], names[1]);
    return KS_OK;
}

static enum ks_code
parse_map(const json_t *o, const char *where, struct ks_fc_map *out, struct ks_err *err)
{
    static const char *const allowed[] = {"comparison", "key", "value"};
    const json_t *cmp, *key, *val;
    enum ks_code rc;

    if (!json_is_object(o))
        return ks_err_set(err, KS_EINVAL, "%s: must be an object with comparison and key", where);
    if ((rc = only_members(o, allowed, 3, where, err)) != KS_OK)
        return rc;
    cmp = json_object_get(o, "comparison");
    key = json_object_get(o, "key");
    val = json_object_get(o, "value");
    if (!json_is_string(cmp) || strcmp(json_string_value(cmp), "EQUALS") != 0)
        return ks_err_set(err, KS_EINVAL, "%s.comparison: must be EQUALS", where);
    if (!json_is_string(key) || json_string_length(key) == 0 ||
        utf8_chars(json_string_value(key), json_string_length(key)) > 128)
        return ks_err_set(err, KS_EINVAL, "%s.key: required string of 1 to 128 characters", where);
    if (val != NULL && !json_is_null(val) &&
        (!json_is_string(val) || utf8_chars(json_string_value(val), json_string_length(val)) > 256))
        return ks_err_set(err, KS_EINVAL, "%s.value: must be a string of at most 256 characters",
                          where);
    out->key = json_string_value(key);
    out->value = json_is_string(val) ? json_string_value(val) : NULL;
    return KS_OK;
}

static enum ks_code
parse_port(const json_t *o, const char *where, struct ks_fc_port *out, struct ks_err *err)
{
    static const char *const names[] = {"beginInclusive", "endInclusive"};
    int vals[2] = {0, 65535};
    enum ks_code rc;

    if (!json_is_object(o))
        return ks_err_set(err, KS_EINVAL, "%s: must be an object", where);
    if ((rc = only_members(o, names, 2, where, err)) != KS_OK)
        return rc;
    for (int i = 0; i < 2; i++) {
        const json_t *v = json_object_get(o, names[i]);

        if (v == NULL || json_is_null(v))
            continue;
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 65535)
            return ks_err_set(err, KS_EINVAL, "%s.%s: must be an integer from 0 to 65535", where,
                              names[i]);
        vals[i] = (int)json_integer_value(v);
    }
    if (vals[0] > vals[1])
        return ks_err_set(err, KS_EINVAL, "%s: beginInclusive is after endInclusive", where);
    out->begin = vals[0];
    out->end = vals[1];
    return KS_OK;
}

static enum ks_code
parse_package(const json_t *o, const char *where, struct ks_arena *a, struct ks_fc_package *out,
              struct ks_err *err)
{
    static const char *const allowed[] = {"name",          "version",
                                          "epoch",         "release",
                                          "architecture",  "sourceLayerHash",
                                          "sourceLambdaLayerArn", "filePath"};
    char sub[256];
    enum ks_code rc;
    bool any = false;

    memset(out, 0, sizeof(*out));
    if (!json_is_object(o))
        return ks_err_set(err, KS_EINVAL, "%s: must be an object", where);
    if ((rc = only_members(o, allowed, KS_ARRAY_LEN(allowed), where, err)) != KS_OK)
        return rc;
    for (int i = 0; i < KS_PKG_STRING_COUNT; i++) {
        const json_t *v = json_object_get(o, pkg_members[i]);
        struct ks_fc_string *f;

        if (v == NULL || json_is_null(v))
            continue;
        if ((f = ks_arena_calloc(a, 1, sizeof(*f))) == NULL)
            return ks_err_set(err, KS_ENOMEM, "%s: out of memory", where);
        pathf(sub, sizeof(sub), "%s.%s", where, pkg_members[i]);
        if ((rc = parse_string_filter(v, sub, true, f, err)) != KS_OK)
            return rc;
        out->str[i] = f;
        any = true;
    }
    {
        const json_t *v = json_object_get(o, "epoch");

        if (v != NULL && !json_is_null(v)) {
            struct ks_fc_range *r = ks_arena_calloc(a, 1, sizeof(*r));

            if (r == NULL)
                return ks_err_set(err, KS_ENOMEM, "%s: out of memory", where);
            pathf(sub, sizeof(sub), "%s.epoch", where);
            if ((rc = parse_range(v, sub, false, 0, KS_FC_MAX_NUMBER, r, err)) != KS_OK)
                return rc;
            out->epoch = r;
            any = true;
        }
    }
    if (!any)
        return ks_err_set(err, KS_EINVAL, "%s: a package filter needs at least one member", where);
    return KS_OK;
}

/* Parse one field's list into l (kind decides the element type). */
static enum ks_code
parse_list(const json_t *arr, const char *where, enum ks_fc_kind kind, bool allow_prefix,
           double dmin, double dmax, struct ks_arena *a, struct ks_fc_list *l,
           struct ks_err *err)
{
    size_t n, elem;
    char sub[256];
    enum ks_code rc;

    if (!json_is_array(arr))
        return ks_err_set(err, KS_EINVAL, "%s: must be a list", where);
    n = json_array_size(arr);
    if (n < 1 || n > KS_FC_MAX_PER_FIELD)
        return ks_err_set(err, KS_EINVAL, "%s: must hold 1 to %d filters, not %zu", where,
                          KS_FC_MAX_PER_FIELD, n);
    switch (kind) {
    case KS_FC_STRING: elem = sizeof(struct ks_fc_string); break;
    case KS_FC_DATE:
    case KS_FC_NUMBER: elem = sizeof(struct ks_fc_range); break;
    case KS_FC_MAP: elem = sizeof(struct ks_fc_map); break;
    case KS_FC_PORT: elem = sizeof(struct ks_fc_port); break;
    case KS_FC_PACKAGE: elem = sizeof(struct ks_fc_package); break;
    default: return ks_err_set(err, KS_EINTERNAL, "%s: unknown filter kind", where);
    }
    l->n = n;
    if ((l->u.str = ks_arena_calloc(a, n, elem)) == NULL)
        return ks_err_set(err, KS_ENOMEM, "%s: out of memory", where);
    for (size_t i = 0; i < n; i++) {
        const json_t *o = json_array_get(arr, i);

        pathf(sub, sizeof(sub), "%s[%zu]", where, i);
        switch (kind) {
        case KS_FC_STRING: rc = parse_string_filter(o, sub, allow_prefix, &l->u.str[i], err); break;
        case KS_FC_DATE: rc = parse_range(o, sub, true, 0, 0, &l->u.range[i], err); break;
        case KS_FC_NUMBER: rc = parse_range(o, sub, false, dmin, dmax, &l->u.range[i], err); break;
        case KS_FC_MAP: rc = parse_map(o, sub, &l->u.map[i], err); break;
        case KS_FC_PORT: rc = parse_port(o, sub, &l->u.port[i], err); break;
        default: rc = parse_package(o, sub, a, &l->u.pkg[i], err); break;
        }
        if (rc != KS_OK)
            return rc;
    }
    return KS_OK;
}

enum ks_code
ks_findings_string_filters_parse(const json_t *arr, const char *where, bool allow_prefix,
                                 struct ks_arena *a, struct ks_fc_list *out, struct ks_err *err)
{
    out->field = -1;
    return parse_list(arr, where, KS_FC_STRING, allow_prefix, 0, 0, a, out, err);
}

enum ks_code
ks_findings_map_filters_parse(const json_t *arr, const char *where, struct ks_arena *a,
                              struct ks_fc_list *out, struct ks_err *err)
{
    out->field = -1;
    return parse_list(arr, where, KS_FC_MAP, false, 0, 0, a, out, err);
}

enum ks_code
ks_findings_range_filters_parse(const json_t *arr, const char *where, bool is_date,
                                struct ks_arena *a, struct ks_fc_list *out, struct ks_err *err)
{
    out->field = -1;
    return parse_list(arr, where, is_date ? KS_FC_DATE : KS_FC_NUMBER, false, 0, 0, a, out, err);
}

enum ks_code
ks_findings_criteria_parse(const struct ks_fc_schema *schema, const json_t *obj,
                           const char *where, struct ks_arena *a, struct ks_criteria **out,
                           struct ks_err *err)
{
    struct ks_criteria *c;
    const char *key;
    json_t *v;
    size_t n;
    enum ks_code rc;

    if ((c = ks_arena_calloc(a, 1, sizeof(*c))) == NULL)
        return ks_err_set(err, KS_ENOMEM, "%s: out of memory", where);
    c->schema = schema;
    if (obj == NULL || json_is_null(obj)) {
        *out = c;
        return KS_OK;
    }
    if (!json_is_object(obj))
        return ks_err_set(err, KS_EINVAL, "%s: must be an object", where);
    n = json_object_size(obj);
    if (n > schema->n_fields)
        return ks_err_set(err, KS_EINVAL, "%s: too many members", where);
    if (n > 0 && (c->lists = ks_arena_calloc(a, n, sizeof(*c->lists))) == NULL)
        return ks_err_set(err, KS_ENOMEM, "%s: out of memory", where);
    json_object_foreach((json_t *)obj, key, v) {
        int field = -1;
        char sub[256];

        for (size_t i = 0; i < schema->n_fields; i++) {
            if (strcmp(schema->fields[i].name, key) == 0) {
                field = (int)i;
                break;
            }
        }
        if (field < 0)
            return ks_err_set(err, KS_EINVAL, "%s: unknown filter field '%.64s'", where, key);
        pathf(sub, sizeof(sub), "%s.%s", where, key);
        c->lists[c->n].field = field;
        if ((rc = parse_list(v, sub, schema->fields[field].kind, schema->allow_prefix,
                             schema->fields[field].min, schema->fields[field].max, a,
                             &c->lists[c->n], err)) != KS_OK)
            return rc;
        c->lists[c->n].field = field;
        c->n++;
    }
    *out = c;
    return KS_OK;
}

const struct ks_fc_list *
ks_findings_criteria_get(const struct ks_criteria *c, int field)
{
    if (c == NULL)
        return NULL;
    for (size_t i = 0; i < c->n; i++)
        if (c->lists[i].field == field)
            return &c->lists[i];
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* In-memory evaluation                                                     */

bool
ks_findings_match_string(const struct ks_fc_string *f, const char *value)
{
    if (value == NULL)
        return f->cmp == KS_FC_NOT_EQUALS;
    switch (f->cmp) {
    case KS_FC_EQUALS: return strcmp(value, f->value) == 0;
    case KS_FC_PREFIX: return strncmp(value, f->value, f->len) == 0;
    default: return strcmp(value, f->value) != 0;
    }
}

bool
ks_findings_match_strings(const struct ks_fc_list *l, const char *const *values, size_t n)
{
    bool any_positive = false, positive_hit = false;

    for (size_t i = 0; i < l->n; i++) {
        const struct ks_fc_string *f = &l->u.str[i];

        if (f->cmp == KS_FC_NOT_EQUALS) {
            /* No value may equal it (a field without values passes). */
            for (size_t j = 0; j < n; j++)
                if (values[j] != NULL && strcmp(values[j], f->value) == 0)
                    return false;
            continue;
        }
        any_positive = true;
        for (size_t j = 0; j < n && !positive_hit; j++)
            positive_hit = values[j] != NULL && ks_findings_match_string(f, values[j]);
    }
    return !any_positive || positive_hit;
}

bool
ks_findings_match_range(const struct ks_fc_list *l, bool present, double v)
{
    if (!present)
        return false;
    for (size_t i = 0; i < l->n; i++) {
        const struct ks_fc_range *r = &l->u.range[i];

        if ((!r->has_lo || v >= r->lo) && (!r->has_hi || v <= r->hi))
            return true;
    }
    return false;
}

bool
ks_findings_match_map(const struct ks_fc_list *l, const char *const *keys,
                      const char *const *values, size_t n)
{
    for (size_t i = 0; i < l->n; i++) {
        const struct ks_fc_map *m = &l->u.map[i];

        for (size_t j = 0; j < n; j++) {
            if (keys[j] == NULL || strcmp(keys[j], m->key) != 0)
                continue;
            if (m->value == NULL || (values[j] != NULL && strcmp(values[j], m->value) == 0))
                return true;
        }
    }
    return false;
}
