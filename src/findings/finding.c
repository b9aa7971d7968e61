/*
 * finding.c: one Inspector2 Finding document: validation and extraction of
 * the columns the store indexes, normalisation before storage, the content
 * hash that tells a real change from a re-observation, and rendering with
 * the lifecycle fields in the wire's or the events' timestamp style.
 */
#include "findings/findings.h"

#include <math.h>
#include <string.h>

#include "base/banned.h"

/* Members holding timestamps anywhere in a Finding (the model's timestamp members). */
static const char *const time_members[] = {
    "firstObservedAt", "lastObservedAt", "updatedAt",     "vendorCreatedAt", "vendorUpdatedAt",
    "lastKnownExploitAt", "pushedAt",    "lastInUseAt",   "launchedAt",      "lastModifiedAt",
};

static bool
is_time_member(const char *key)
{
    for (size_t i = 0; i < KS_ARRAY_LEN(time_members); i++)
        if (strcmp(key, time_members[i]) == 0)
            return true;
    return false;
}

static bool convert_times(json_t *v, enum ks_ts_style style, int depth);

static bool
in_enum(const char *s, const char *const *vals, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(s, vals[i]) == 0)
            return true;
    return false;
}

/* A non-empty string member, or NULL. */
static const char *
opt_str(const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);

    if (!json_is_string(v) || json_string_length(v) == 0)
        return NULL;
    return json_string_value(v);
}

static bool
valid_id_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.';
}

/* The id part of a findingArn: after the last '/' (the whole value without one). */
static enum ks_code
arn_id(const char *arn, const char **id, size_t *len, struct ks_err *err)
{
    const char *slash = strrchr(arn, '/');
    const char *p = slash ? slash + 1 : arn;
    size_t n = strlen(p);

    if (n == 0 || n > KS_FINDING_MAX_ID)
        return ks_err_set(err, KS_EINVAL, "finding: findingArn '%.80s' has no id of 1 to %d "
                          "characters after 'finding/'", arn, KS_FINDING_MAX_ID);
    for (size_t i = 0; i < n; i++)
        if (!valid_id_char(p[i]))
            return ks_err_set(err, KS_EINVAL, "finding: findingArn '%.80s': id may hold only "
                              "letters, digits, '-', '_' and '.'", arn);
    *id = p;
    *len = n;
    return KS_OK;
}

static enum ks_code
push_value(struct ks_arena *a, struct ks_finding_info *out, size_t *cap, int field,
           const char *key, const char *value, const char *fid, struct ks_err *err)
{
    if (value == NULL)
        return KS_OK;
    if (out->n_values >= KS_FINDING_MAX_VALUES)
        return ks_err_set(err, KS_ETOOBIG, "finding '%s': more than %d tags, layers and related "
                          "ids", fid, KS_FINDING_MAX_VALUES);
    if (out->n_values == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        struct ks_finding_value *nv = ks_arena_calloc(a, ncap, sizeof(*nv));

        if (nv == NULL)
            return ks_err_set(err, KS_ENOMEM, "finding '%s': out of memory", fid);
        if (out->n_values)
            memcpy(nv, out->values, out->n_values * sizeof(*nv));
        out->values = nv;
        *cap = ncap;
    }
    out->values[out->n_values++] = (struct ks_finding_value){field, key, value};
    return KS_OK;
}

static enum ks_code
push_strings(struct ks_arena *a, struct ks_finding_info *out, size_t *cap, int field,
             const json_t *arr, const char *fid, struct ks_err *err)
{
    size_t i;
    json_t *v;
    enum ks_code rc;

    if (!json_is_array(arr))
        return KS_OK;
    json_array_foreach((json_t *)arr, i, v) {
        if (json_is_string(v) && json_string_length(v) > 0 &&
            (rc = push_value(a, out, cap, field, NULL, json_string_value(v), fid, err)) != KS_OK)
            return rc;
    }
    return KS_OK;
}

static void
opt_time(const json_t *obj, const char *key, struct ks_finding_info *out, int field)
{
    int64_t ms;

    if (obj != NULL && ks_findings_parse_time(json_object_get(obj, key), &ms) == KS_OK) {
        out->has_num[field] = true;
        out->num[field] = (double)ms;
    }
}

static void
opt_num(const json_t *obj, const char *key, struct ks_finding_info *out, int field)
{
    const json_t *v = obj ? json_object_get(obj, key) : NULL;

    if (json_is_number(v) && isfinite(json_number_value(v))) {
        out->has_num[field] = true;
        out->num[field] = json_number_value(v);
    }
}

static enum ks_code
extract_resource(const json_t *res, struct ks_arena *a, struct ks_finding_info *out, size_t *cap,
                 const char *fid, struct ks_err *err)
{
    const json_t *details = json_object_get(res, "details");
    const json_t *ec2 = json_object_get(details, "awsEc2Instance");
    const json_t *ecr = json_object_get(details, "awsEcrContainerImage");
    const json_t *fn = json_object_get(details, "awsLambdaFunction");
    const json_t *code = json_object_get(details, "codeRepository");
    const json_t *tags = json_object_get(res, "tags");
    enum ks_code rc;

    out->str[KS_FF_RESOURCE_ID] = opt_str(res, "id");
    if (json_is_object(tags)) {
        const char *k;
        json_t *v;

        json_object_foreach((json_t *)tags, k, v) {
            if (json_is_string(v) &&
                (rc = push_value(a, out, cap, KS_FF_RESOURCE_TAGS, k, json_string_value(v), fid,
                                 err)) != KS_OK)
                return rc;
        }
    }
    if (json_is_object(ec2)) {
        out->str[KS_FF_EC2_IMAGE_ID] = opt_str(ec2, "imageId");
        out->str[KS_FF_EC2_VPC_ID] = opt_str(ec2, "vpcId");
        out->str[KS_FF_EC2_SUBNET_ID] = opt_str(ec2, "subnetId");
        out->ec2_platform = opt_str(ec2, "platform");
    }
    if (json_is_object(ecr)) {
        out->str[KS_FF_ECR_ARCHITECTURE] = opt_str(ecr, "architecture");
        out->str[KS_FF_ECR_REGISTRY] = opt_str(ecr, "registry");
        out->str[KS_FF_ECR_REPOSITORY_NAME] = opt_str(ecr, "repositoryName");
        out->str[KS_FF_ECR_HASH] = opt_str(ecr, "imageHash");
        opt_time(ecr, "pushedAt", out, KS_FF_ECR_PUSHED_AT);
        opt_time(ecr, "lastInUseAt", out, KS_FF_ECR_LAST_IN_USE_AT);
        opt_num(ecr, "inUseCount", out, KS_FF_ECR_IN_USE_COUNT);
        if ((rc = push_strings(a, out, cap, KS_FF_ECR_TAGS, json_object_get(ecr, "imageTags"), fid,
                               err)) != KS_OK)
            return rc;
    }
    if (json_is_object(fn)) {
        out->str[KS_FF_LAMBDA_NAME] = opt_str(fn, "functionName");
        out->str[KS_FF_LAMBDA_RUNTIME] = opt_str(fn, "runtime");
        out->str[KS_FF_LAMBDA_ROLE_ARN] = opt_str(fn, "executionRoleArn");
        opt_time(fn, "lastModifiedAt", out, KS_FF_LAMBDA_LAST_MODIFIED_AT);
        if ((rc = push_strings(a, out, cap, KS_FF_LAMBDA_LAYERS, json_object_get(fn, "layers"),
                               fid, err)) != KS_OK)
            return rc;
    }
    if (json_is_object(code)) {
        out->str[KS_FF_CODE_PROJECT_NAME] = opt_str(code, "projectName");
        out->str[KS_FF_CODE_PROVIDER_TYPE] = opt_str(code, "providerType");
    }
    return KS_OK;
}

static enum ks_code
extract_packages(const json_t *arr, struct ks_arena *a, struct ks_finding_info *out,
                 const char *fid, struct ks_err *err)
{
    static const char *const keys[KS_PKG_STRING_COUNT] = {
        [KS_PKG_NAME] = "name",
        [KS_PKG_VERSION] = "version",
        [KS_PKG_RELEASE] = "release",
        [KS_PKG_ARCHITECTURE] = "arch",
        [KS_PKG_SOURCE_LAYER_HASH] = "sourceLayerHash",
        [KS_PKG_SOURCE_LAMBDA_LAYER_ARN] = "sourceLambdaLayerArn",
        [KS_PKG_FILE_PATH] = "filePath",
    };
    size_t n, i;
    json_t *p;

    if (arr == NULL)
        return KS_OK;
    if (!json_is_array(arr))
        return ks_err_set(err, KS_EINVAL, "finding '%s': vulnerablePackages must be a list", fid);
    n = json_array_size(arr);
    if (n > KS_FINDING_MAX_PKGS)
        return ks_err_set(err, KS_ETOOBIG, "finding '%s': more than %d vulnerable packages", fid,
                          KS_FINDING_MAX_PKGS);
    if (n == 0)
        return KS_OK;
    if ((out->pkgs = ks_arena_calloc(a, n, sizeof(*out->pkgs))) == NULL)
        return ks_err_set(err, KS_ENOMEM, "finding '%s': out of memory", fid);
    json_array_foreach((json_t *)arr, i, p) {
        struct ks_finding_pkg *pk = &out->pkgs[i];
        const json_t *ep;

        if (!json_is_object(p) || opt_str(p, "name") == NULL || opt_str(p, "version") == NULL)
            return ks_err_set(err, KS_EINVAL, "finding '%s': vulnerablePackages[%zu] needs name "
                              "and version", fid, i);
        for (int k = 0; k < KS_PKG_STRING_COUNT; k++)
            pk->str[k] = opt_str(p, keys[k]);
        ep = json_object_get(p, "epoch");
        if (json_is_integer(ep)) {
            pk->has_epoch = true;
            pk->epoch = json_integer_value(ep);
        }
    }
    out->n_pkgs = n;
    return KS_OK;
}

enum ks_code
ks_findings_extract(const json_t *doc, struct ks_arena *a, struct ks_finding_info *out,
                    struct ks_err *err)
{
    static const char *const types[] = {"NETWORK_REACHABILITY", "PACKAGE_VULNERABILITY",
                                        "CODE_VULNERABILITY"};
    static const char *const fix[] = {"YES", "NO", "PARTIAL"};
    static const char *const exploit[] = {"YES", "NO"};
    struct ks_finding_info info;
    const char *arn, *fid, *id;
    const json_t *resources, *pvd, *nrd, *cvd, *epss;
    size_t idlen, cap = 0, i;
    json_t *r;
    char *idcopy;
    enum ks_code rc;

    memset(&info, 0, sizeof(info));
    if (!json_is_object(doc))
        return ks_err_set(err, KS_EINVAL, "finding: not a JSON object");
    arn = opt_str(doc, "findingArn");
    if (arn == NULL)
        return ks_err_set(err, KS_EINVAL, "finding: required member 'findingArn' is missing");
    if ((rc = arn_id(arn, &id, &idlen, err)) != KS_OK)
        return rc;
    if ((idcopy = ks_arena_strndup(a, id, idlen)) == NULL)
        return ks_err_set(err, KS_ENOMEM, "finding: out of memory");
    info.id = fid = idcopy;
    info.str[KS_FF_FINDING_ARN] = arn;
    info.str[KS_FF_AWS_ACCOUNT_ID] = opt_str(doc, "awsAccountId");

    info.str[KS_FF_FINDING_TYPE] = opt_str(doc, "type");
    if (info.str[KS_FF_FINDING_TYPE] == NULL ||
        !in_enum(info.str[KS_FF_FINDING_TYPE], types, KS_ARRAY_LEN(types)))
        return ks_err_set(err, KS_EINVAL, "finding '%s': type must be NETWORK_REACHABILITY, "
                          "PACKAGE_VULNERABILITY or CODE_VULNERABILITY", fid);
    info.str[KS_FF_SEVERITY] = opt_str(doc, "severity");
    info.severity_rank = ks_findings_severity_rank(info.str[KS_FF_SEVERITY]);
    if (info.severity_rank < 0)
        return ks_err_set(err, KS_EINVAL, "finding '%s': severity must be INFORMATIONAL, LOW, "
                          "MEDIUM, HIGH, CRITICAL or UNTRIAGED", fid);
    if (opt_str(doc, "description") == NULL)
        return ks_err_set(err, KS_EINVAL, "finding '%s': required member 'description' is "
                          "missing or empty", fid);
    if (!json_is_object(json_object_get(doc, "remediation")))
        return ks_err_set(err, KS_EINVAL, "finding '%s': required member 'remediation' must be "
                          "an object", fid);
    info.str[KS_FF_TITLE] = opt_str(doc, "title");
    if (json_object_get(doc, "title") != NULL && info.str[KS_FF_TITLE] == NULL)
        return ks_err_set(err, KS_EINVAL, "finding '%s': title must be a non-empty string", fid);
    info.str[KS_FF_FIX_AVAILABLE] = opt_str(doc, "fixAvailable");
    if (info.str[KS_FF_FIX_AVAILABLE] != NULL &&
        !in_enum(info.str[KS_FF_FIX_AVAILABLE], fix, KS_ARRAY_LEN(fix)))
        return ks_err_set(err, KS_EINVAL, "finding '%s': fixAvailable must be YES, NO or PARTIAL",
                          fid);
    info.str[KS_FF_EXPLOIT_AVAILABLE] = opt_str(doc, "exploitAvailable");
    if (info.str[KS_FF_EXPLOIT_AVAILABLE] != NULL &&
        !in_enum(info.str[KS_FF_EXPLOIT_AVAILABLE], exploit, KS_ARRAY_LEN(exploit)))
        return ks_err_set(err, KS_EINVAL, "finding '%s': exploitAvailable must be YES or NO", fid);
    if (json_object_get(doc, "inspectorScore") != NULL) {
        opt_num(doc, "inspectorScore", &info, KS_FF_INSPECTOR_SCORE);
        if (!info.has_num[KS_FF_INSPECTOR_SCORE] || info.num[KS_FF_INSPECTOR_SCORE] < 0 ||
            info.num[KS_FF_INSPECTOR_SCORE] > 10)
            return ks_err_set(err, KS_EINVAL, "finding '%s': inspectorScore must be a number "
                              "from 0 to 10", fid);
    }
    epss = json_object_get(doc, "epss");
    if (epss != NULL) {
        opt_num(epss, "score", &info, KS_FF_EPSS_SCORE);
        if (!json_is_object(epss) ||
            (info.has_num[KS_FF_EPSS_SCORE] &&
             (info.num[KS_FF_EPSS_SCORE] < 0 || info.num[KS_FF_EPSS_SCORE] > 1)))
            return ks_err_set(err, KS_EINVAL, "finding '%s': epss.score must be from 0 to 1", fid);
    }

    resources = json_object_get(doc, "resources");
    if (!json_is_array(resources) || json_array_size(resources) < 1 ||
        json_array_size(resources) > KS_FINDING_MAX_RESOURCES)
        return ks_err_set(err, KS_EINVAL, "finding '%s': resources must list 1 to %d resources",
                          fid, KS_FINDING_MAX_RESOURCES);
    json_array_foreach((json_t *)resources, i, r) {
        enum ks_findings_rtype rt;

        if (!json_is_object(r) || opt_str(r, "id") == NULL)
            return ks_err_set(err, KS_EINVAL, "finding '%s': resources[%zu] needs a non-empty id",
                              fid, i);
        if (!ks_findings_rtype_parse(ks_json_strv(r, "type"), &rt))
            return ks_err_set(err, KS_EINVAL, "finding '%s': resources[%zu].type '%.40s' is not "
                              "a resource type", fid, i,
                              ks_json_str(r, "type") ? ks_json_str(r, "type") : "");
        if (i == 0)
            info.rtype = rt;
    }
    info.str[KS_FF_RESOURCE_TYPE] = ks_findings_rtype_aws(info.rtype);
    if ((rc = extract_resource(json_array_get(resources, 0), a, &info, &cap, fid, err)) != KS_OK)
        return rc;

    pvd = json_object_get(doc, "packageVulnerabilityDetails");
    if (pvd != NULL) {
        if (!json_is_object(pvd) || opt_str(pvd, "vulnerabilityId") == NULL)
            return ks_err_set(err, KS_EINVAL, "finding '%s': packageVulnerabilityDetails needs "
                              "a vulnerabilityId", fid);
        info.str[KS_FF_VULNERABILITY_ID] = opt_str(pvd, "vulnerabilityId");
        info.str[KS_FF_VULNERABILITY_SOURCE] = opt_str(pvd, "source");
        info.str[KS_FF_VENDOR_SEVERITY] = opt_str(pvd, "vendorSeverity");
        if ((rc = push_strings(a, &info, &cap, KS_FF_RELATED_VULNERABILITIES,
                               json_object_get(pvd, "relatedVulnerabilities"), fid, err)) != KS_OK ||
            (rc = extract_packages(json_object_get(pvd, "vulnerablePackages"), a, &info, fid,
                                   err)) != KS_OK)
            return rc;
    }
    nrd = json_object_get(doc, "networkReachabilityDetails");
    if (json_is_object(nrd)) {
        const json_t *pr = json_object_get(nrd, "openPortRange");
        const json_t *steps = json_object_get(json_object_get(nrd, "networkPath"), "steps");
        json_t *st;

        info.str[KS_FF_NETWORK_PROTOCOL] = opt_str(nrd, "protocol");
        if (json_is_object(pr)) {
            json_int_t b = json_integer_value(json_object_get(pr, "begin"));
            json_int_t e = json_integer_value(json_object_get(pr, "end"));

            if (!json_is_integer(json_object_get(pr, "begin")) ||
                !json_is_integer(json_object_get(pr, "end")) || b < 0 || e > 65535 || b > e)
                return ks_err_set(err, KS_EINVAL, "finding '%s': openPortRange needs begin <= end "
                                  "within 0..65535", fid);
            info.has_port = true;
            info.port_begin = (int)b;
            info.port_end = (int)e;
        }
        if (json_is_array(steps)) {
            json_array_foreach((json_t *)steps, i, st) {
                if ((rc = push_value(a, &info, &cap, KS_FF_COMPONENT_ID, NULL,
                                     opt_str(st, "componentId"), fid, err)) != KS_OK ||
                    (rc = push_value(a, &info, &cap, KS_FF_COMPONENT_TYPE, NULL,
                                     opt_str(st, "componentType"), fid, err)) != KS_OK)
                    return rc;
            }
        }
    }
    cvd = json_object_get(doc, "codeVulnerabilityDetails");
    if (json_is_object(cvd)) {
        info.str[KS_FF_CODE_DETECTOR_NAME] = opt_str(cvd, "detectorName");
        info.str[KS_FF_CODE_FILE_PATH] = opt_str(json_object_get(cvd, "filePath"), "filePath");
        if ((rc = push_strings(a, &info, &cap, KS_FF_CODE_DETECTOR_TAGS,
                               json_object_get(cvd, "detectorTags"), fid, err)) != KS_OK)
            return rc;
    }
    *out = info;
    return KS_OK;
}

enum ks_code
ks_findings_normalize(json_t *doc, const char *account_id, const char *region,
                      char id_out[KS_FINDING_MAX_ID + 1], struct ks_err *err)
{
    static const char *const lifecycle[] = {"status", "firstObservedAt", "lastObservedAt",
                                            "updatedAt"};
    const char *arn, *id;
    size_t idlen, i;
    char buf[256];
    json_t *r;
    enum ks_code rc;

    if (!json_is_object(doc))
        return ks_err_set(err, KS_EINVAL, "finding: not a JSON object");
    arn = opt_str(doc, "findingArn");
    if (arn == NULL)
        return ks_err_set(err, KS_EINVAL, "finding: required member 'findingArn' is missing");
    if ((rc = arn_id(arn, &id, &idlen, err)) != KS_OK)
        return rc;
    memcpy(id_out, id, idlen);
    id_out[idlen] = '\0';
    snprintf(buf, sizeof(buf), "arn:aws:inspector2:%s:%s:finding/%s", region, account_id, id_out);
    if (json_object_set_new(doc, "findingArn", json_string(buf)) != 0 ||
        json_object_set_new(doc, "awsAccountId", json_string(account_id)) != 0)
        return ks_err_set(err, KS_ENOMEM, "finding '%s': out of memory", id_out);
    json_array_foreach(json_object_get(doc, "resources"), i, r) {
        enum ks_findings_rtype rt;

        if (json_is_object(r) && ks_findings_rtype_parse(ks_json_strv(r, "type"), &rt) &&
            json_object_set_new(r, "type", json_string(ks_findings_rtype_aws(rt))) != 0)
            return ks_err_set(err, KS_ENOMEM, "finding '%s': out of memory", id_out);
    }
    for (i = 0; i < KS_ARRAY_LEN(lifecycle); i++)
        json_object_del(doc, lifecycle[i]);
    /* Stored timestamps are epoch seconds, the wire's own form. */
    if (!convert_times(doc, KS_TS_EPOCH, 0))
        return ks_err_set(err, KS_ENOMEM, "finding '%s': out of memory", id_out);
    return KS_OK;
}

enum ks_code
ks_findings_content_hash(const json_t *doc, char hex[65], struct ks_err *err)
{
    char *s = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);

    if (s == NULL)
        return ks_err_set(err, KS_ENOMEM, "finding: cannot serialise document");
    ks_sha256_hex(s, strlen(s), hex);
    ks_free(s);
    return KS_OK;
}

void
ks_findings_time_rfc3339(int64_t ms, char out[32])
{
    char base[21];
    time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int frac = (int)(ms - (int64_t)secs * 1000);

    ks_time_rfc3339(secs, base);
    if (frac == 0) {
        memcpy(out, base, 21);
        return;
    }
    base[19] = '\0'; /* drop the Z */
    snprintf(out, 32, "%s.%03dZ", base, frac);
}

json_t *
ks_findings_time_json(int64_t ms, enum ks_ts_style style)
{
    if (style == KS_TS_RFC3339) {
        char s[32];

        ks_findings_time_rfc3339(ms, s);
        return json_string(s);
    }
    if (ms % 1000 == 0)
        return json_integer(ms / 1000);
    return json_real((double)ms / 1000.0);
}

/* Rewrite timestamp members below v in style; false on OOM. */
static bool
convert_times(json_t *v, enum ks_ts_style style, int depth)
{
    if (depth > 32)
        return true;
    if (json_is_object(v)) {
        const char *k;
        json_t *x;

        json_object_foreach(v, k, x) {
            if (is_time_member(k) && (json_is_string(x) || json_is_number(x))) {
                int64_t ms;
                json_t *nv;

                if (ks_findings_parse_time(x, &ms) != KS_OK)
                    continue;
                if ((nv = ks_findings_time_json(ms, style)) == NULL ||
                    json_object_set_new(v, k, nv) != 0)
                    return false;
            } else if (!convert_times(x, style, depth + 1)) {
                return false;
            }
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *x;

        json_array_foreach(v, i, x) {
            if (!convert_times(x, style, depth + 1))
                return false;
        }
    }
    return true;
}

json_t *
ks_findings_render(const json_t *doc, const struct ks_finding_state *st, enum ks_ts_style style)
{
    json_t *out = json_deep_copy(doc);

    if (out == NULL)
        return NULL;
    if (!convert_times(out, style, 0))
        goto fail;
    if (st != NULL) {
        if (json_object_set_new(out, "status", json_string(st->status)) != 0 ||
            json_object_set_new(out, "firstObservedAt",
                                ks_findings_time_json(st->first_observed_ms, style)) != 0 ||
            json_object_set_new(out, "lastObservedAt",
                                ks_findings_time_json(st->last_observed_ms, style)) != 0 ||
            json_object_set_new(out, "updatedAt", ks_findings_time_json(st->updated_ms, style)) !=
                0)
            goto fail;
    }
    return out;
fail:
    json_decref(out);
    return NULL;
}
