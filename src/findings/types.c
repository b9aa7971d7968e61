/*
 * types.c: resource types, scan types and severities, with the mapping
 * between Kensa's workload names and Inspector2's (ARCHITECTURE.md §1).
 */
#include "findings/findings.h"

#include <string.h>

#include "base/banned.h"

static const struct {
    const char *kensa, *aws;
    enum ks_findings_scan_type scan;
} rtypes[KS_RT_COUNT] = {
    [KS_RT_HOST] = {"HOST", "AWS_EC2_INSTANCE", KS_SCAN_EC2},
    [KS_RT_CONTAINER_IMAGE] = {"CONTAINER_IMAGE", "AWS_ECR_CONTAINER_IMAGE", KS_SCAN_ECR},
    [KS_RT_FUNCTION] = {"FUNCTION", "AWS_LAMBDA_FUNCTION", KS_SCAN_LAMBDA},
    [KS_RT_CODE_REPOSITORY] = {"CODE_REPOSITORY", "CODE_REPOSITORY", KS_SCAN_CODE_REPOSITORY},
};

const char *
ks_findings_rtype_name(enum ks_findings_rtype t)
{
    return (unsigned)t < KS_RT_COUNT ? rtypes[t].kensa : "UNKNOWN";
}

const char *
ks_findings_rtype_aws(enum ks_findings_rtype t)
{
    return (unsigned)t < KS_RT_COUNT ? rtypes[t].aws : "UNKNOWN";
}

bool
ks_findings_rtype_parse(struct ks_str s, enum ks_findings_rtype *out)
{
    for (int i = 0; i < KS_RT_COUNT; i++) {
        if (ks_str_eq_c(s, rtypes[i].kensa) || ks_str_eq_c(s, rtypes[i].aws)) {
            *out = (enum ks_findings_rtype)i;
            return true;
        }
    }
    return false;
}

enum ks_findings_scan_type
ks_findings_rtype_scan_type(enum ks_findings_rtype t)
{
    return (unsigned)t < KS_RT_COUNT ? rtypes[t].scan : KS_SCAN_EC2;
}

static const struct {
    const char *name, *member;
} scan_types[KS_SCAN_TYPE_COUNT] = {
    [KS_SCAN_EC2] = {"EC2", "ec2"},
    [KS_SCAN_ECR] = {"ECR", "ecr"},
    [KS_SCAN_LAMBDA] = {"LAMBDA", "lambda"},
    [KS_SCAN_LAMBDA_CODE] = {"LAMBDA_CODE", "lambdaCode"},
    [KS_SCAN_CODE_REPOSITORY] = {"CODE_REPOSITORY", "codeRepository"},
};

const char *
ks_findings_scan_type_name(enum ks_findings_scan_type t)
{
    return (unsigned)t < KS_SCAN_TYPE_COUNT ? scan_types[t].name : "UNKNOWN";
}

const char *
ks_findings_scan_type_member(enum ks_findings_scan_type t)
{
    return (unsigned)t < KS_SCAN_TYPE_COUNT ? scan_types[t].member : "unknown";
}

bool
ks_findings_scan_type_parse(struct ks_str s, enum ks_findings_scan_type *out)
{
    for (int i = 0; i < KS_SCAN_TYPE_COUNT; i++) {
        if (ks_str_eq_c(s, scan_types[i].name)) {
            *out = (enum ks_findings_scan_type)i;
            return true;
        }
    }
    return false;
}

int
ks_findings_severity_rank(const char *severity)
{
    static const char *const order[] = {"UNTRIAGED", "INFORMATIONAL", "LOW",
                                        "MEDIUM",    "HIGH",          "CRITICAL"};

    if (severity == NULL)
        return -1;
    for (size_t i = 0; i < KS_ARRAY_LEN(order); i++)
        if (strcmp(severity, order[i]) == 0)
            return (int)i;
    return -1;
}
