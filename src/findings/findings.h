/*
 * findings.h: what Kensa knows about an Inspector2 `Finding` independent of
 * storage: resource and scan types, severities, the FilterCriteria parser
 * (findings and coverage), field extraction from a Finding JSON document,
 * its normalisation (account, ARN, resource type) and its rendering with
 * lifecycle fields. The SQL for these lives in src/store/.
 *
 * Everything here is thread-safe; parsed structures live in the caller's
 * arena and borrow strings from the JSON they were parsed from.
 */
#ifndef KS_FINDINGS_H
#define KS_FINDINGS_H

#include "base/base.h"

#include <jansson.h>

/* ------------------------------------------------------------------------ */
/* Resource types: Kensa's workload kinds and the Inspector2 names.         */

enum ks_findings_rtype {
    KS_RT_HOST,            /* AWS_EC2_INSTANCE */
    KS_RT_CONTAINER_IMAGE, /* AWS_ECR_CONTAINER_IMAGE */
    KS_RT_FUNCTION,        /* AWS_LAMBDA_FUNCTION */
    KS_RT_CODE_REPOSITORY, /* CODE_REPOSITORY */
    KS_RT_COUNT
};

const char *ks_findings_rtype_name(enum ks_findings_rtype t); /* "HOST" */
const char *ks_findings_rtype_aws(enum ks_findings_rtype t);  /* "AWS_EC2_INSTANCE" */
/* Accepts Kensa names (HOST…) and Inspector2 names (AWS_EC2_INSTANCE…). */
bool ks_findings_rtype_parse(struct ks_str s, enum ks_findings_rtype *out);

/* Scan types as Enable/Disable name them. */
enum ks_findings_scan_type {
    KS_SCAN_EC2,
    KS_SCAN_ECR,
    KS_SCAN_LAMBDA,
    KS_SCAN_LAMBDA_CODE,
    KS_SCAN_CODE_REPOSITORY,
    KS_SCAN_TYPE_COUNT
};

const char *ks_findings_scan_type_name(enum ks_findings_scan_type t); /* "EC2" */
/* The ResourceStatus member name: "ec2", "ecr", "lambda", "lambdaCode", "codeRepository". */
const char *ks_findings_scan_type_member(enum ks_findings_scan_type t);
bool ks_findings_scan_type_parse(struct ks_str s, enum ks_findings_scan_type *out);
/* The scan type that governs a resource type's package findings. */
enum ks_findings_scan_type ks_findings_rtype_scan_type(enum ks_findings_rtype t);

/* Severity rank for sorting: UNTRIAGED 0, INFORMATIONAL 1 … CRITICAL 5; -1 if unknown. */
int ks_findings_severity_rank(const char *severity);

/* ------------------------------------------------------------------------ */
/* Filter criteria                                                          */

/* Named limits (the AWS model's, plus sanity bounds on numbers). */
#define KS_FC_MAX_PER_FIELD 10     /* filters in one field's list */
#define KS_FC_MAX_STRING    1024   /* characters of a string filter value */
#define KS_FC_MAX_NUMBER    1e15   /* |number| in a number filter */
#define KS_FC_MAX_TIME_MS   253402300799999LL /* 9999-12-31T23:59:59.999Z */

enum ks_fc_kind {
    KS_FC_STRING,  /* StringFilter list: EQUALS / PREFIX / NOT_EQUALS */
    KS_FC_DATE,    /* DateFilter list: startInclusive / endInclusive */
    KS_FC_NUMBER,  /* NumberFilter list: lowerInclusive / upperInclusive */
    KS_FC_MAP,     /* MapFilter list: key [= value] */
    KS_FC_PORT,    /* PortRangeFilter list */
    KS_FC_PACKAGE, /* PackageFilter list */
};

enum ks_fc_cmp { KS_FC_EQUALS, KS_FC_PREFIX, KS_FC_NOT_EQUALS };

/* One field a criteria object may name. */
struct ks_fc_field {
    const char *name;     /* JSON member: "severity" */
    enum ks_fc_kind kind;
    bool multi;           /* the finding carries several values (tags, layers, …) */
    double min, max;      /* NUMBER: the field's domain (both 0: ±KS_FC_MAX_NUMBER) */
};

/* A criteria vocabulary: FilterCriteria (findings) or CoverageFilterCriteria. */
struct ks_fc_schema {
    const char *name;
    const struct ks_fc_field *fields;
    size_t n_fields;
    bool allow_prefix; /* coverage strings allow EQUALS / NOT_EQUALS only */
};

extern const struct ks_fc_schema ks_fc_findings; /* indices: enum ks_fc_finding_field */
extern const struct ks_fc_schema ks_fc_coverage; /* indices: enum ks_fc_coverage_field */

enum ks_fc_finding_field {
    KS_FF_FINDING_ARN, KS_FF_AWS_ACCOUNT_ID, KS_FF_FINDING_TYPE, KS_FF_SEVERITY,
    KS_FF_FIRST_OBSERVED_AT, KS_FF_LAST_OBSERVED_AT, KS_FF_UPDATED_AT, KS_FF_FINDING_STATUS,
    KS_FF_TITLE, KS_FF_INSPECTOR_SCORE, KS_FF_RESOURCE_TYPE, KS_FF_RESOURCE_ID,
    KS_FF_RESOURCE_TAGS, KS_FF_EC2_IMAGE_ID, KS_FF_EC2_VPC_ID, KS_FF_EC2_SUBNET_ID,
    KS_FF_ECR_PUSHED_AT, KS_FF_ECR_ARCHITECTURE, KS_FF_ECR_REGISTRY, KS_FF_ECR_REPOSITORY_NAME,
    KS_FF_ECR_TAGS, KS_FF_ECR_HASH, KS_FF_ECR_LAST_IN_USE_AT, KS_FF_ECR_IN_USE_COUNT,
    KS_FF_PORT_RANGE, KS_FF_NETWORK_PROTOCOL, KS_FF_COMPONENT_ID, KS_FF_COMPONENT_TYPE,
    KS_FF_VULNERABILITY_ID, KS_FF_VULNERABILITY_SOURCE, KS_FF_VENDOR_SEVERITY,
    KS_FF_VULNERABLE_PACKAGES, KS_FF_RELATED_VULNERABILITIES, KS_FF_FIX_AVAILABLE,
    KS_FF_LAMBDA_NAME, KS_FF_LAMBDA_LAYERS, KS_FF_LAMBDA_RUNTIME, KS_FF_LAMBDA_LAST_MODIFIED_AT,
    KS_FF_LAMBDA_ROLE_ARN, KS_FF_EXPLOIT_AVAILABLE, KS_FF_CODE_DETECTOR_NAME,
    KS_FF_CODE_DETECTOR_TAGS, KS_FF_CODE_FILE_PATH, KS_FF_EPSS_SCORE, KS_FF_CODE_PROJECT_NAME,
    KS_FF_CODE_PROVIDER_TYPE,
    KS_FF_COUNT
};

enum ks_fc_coverage_field {
    KS_CF_SCAN_STATUS_CODE, KS_CF_SCAN_STATUS_REASON, KS_CF_ACCOUNT_ID, KS_CF_RESOURCE_ID,
    KS_CF_RESOURCE_TYPE, KS_CF_SCAN_TYPE, KS_CF_ECR_REPOSITORY_NAME, KS_CF_ECR_IMAGE_TAGS,
    KS_CF_EC2_INSTANCE_TAGS, KS_CF_LAMBDA_NAME, KS_CF_LAMBDA_TAGS, KS_CF_LAMBDA_RUNTIME,
    KS_CF_LAST_SCANNED_AT, KS_CF_SCAN_MODE, KS_CF_IMAGE_PULLED_AT, KS_CF_ECR_LAST_IN_USE_AT,
    KS_CF_ECR_IN_USE_COUNT, KS_CF_CODE_PROJECT_NAME, KS_CF_CODE_PROVIDER_TYPE,
    KS_CF_CODE_PROVIDER_VISIBILITY, KS_CF_LAST_SCANNED_COMMIT_ID,
    KS_CF_COUNT
};

struct ks_fc_string {
    enum ks_fc_cmp cmp;
    const char *value; /* NUL-terminated, borrowed from the JSON */
    size_t len;        /* bytes */
    size_t chars;      /* Unicode code points (SQL substr counts these) */
};

/* A closed range; a missing end is unbounded. Dates are epoch milliseconds. */
struct ks_fc_range {
    bool has_lo, has_hi;
    double lo, hi;
};

struct ks_fc_map {
    const char *key;
    const char *value; /* NULL: the key with any value */
};

struct ks_fc_port {
    int begin, end; /* inclusive; defaults 0 and 65535 */
};

enum ks_fc_pkg_member {
    KS_PKG_NAME, KS_PKG_VERSION, KS_PKG_RELEASE, KS_PKG_ARCHITECTURE, KS_PKG_SOURCE_LAYER_HASH,
    KS_PKG_SOURCE_LAMBDA_LAYER_ARN, KS_PKG_FILE_PATH, KS_PKG_STRING_COUNT
};

/* All set members must hold on the same vulnerable package. */
struct ks_fc_package {
    const struct ks_fc_string *str[KS_PKG_STRING_COUNT]; /* NULL when absent */
    const struct ks_fc_range *epoch;                     /* NULL when absent */
};

/* The filters given for one field. */
struct ks_fc_list {
    int field; /* index into the schema's fields */
    size_t n;  /* 1..KS_FC_MAX_PER_FIELD */
    union {
        struct ks_fc_string *str;
        struct ks_fc_range *range;
        struct ks_fc_map *map;
        struct ks_fc_port *port;
        struct ks_fc_package *pkg;
    } u;
};

struct ks_criteria {
    const struct ks_fc_schema *schema;
    size_t n;                /* lists present */
    struct ks_fc_list *lists;
};

/*
 * Parse and validate a criteria object (NULL or {} gives an empty criteria).
 * `where` names it in errors ("filterCriteria"); messages name the exact
 * member: "filterCriteria.severity[1].comparison: 'FOO' is not one of …".
 * KS_EINVAL on any invalid input (unknown member, wrong type, list of 0 or
 * over 10, bad comparison, empty or over-long value, start after end, number
 * outside ±1e15, port outside 0..65535). The result lives in `a` and borrows
 * strings from obj.
 */
enum ks_code ks_findings_criteria_parse(const struct ks_fc_schema *schema, const json_t *obj,
                                        const char *where, struct ks_arena *a,
                                        struct ks_criteria **out, struct ks_err *err);

/*
 * Parse one StringFilter list (aggregation requests use these on their own):
 * `where` names it; allow_prefix false refuses PREFIX.
 */
enum ks_code ks_findings_string_filters_parse(const json_t *arr, const char *where,
                                              bool allow_prefix, struct ks_arena *a,
                                              struct ks_fc_list *out, struct ks_err *err);
/* The same for MapFilter, DateFilter and NumberFilter lists. */
enum ks_code ks_findings_map_filters_parse(const json_t *arr, const char *where,
                                           struct ks_arena *a, struct ks_fc_list *out,
                                           struct ks_err *err);
enum ks_code ks_findings_range_filters_parse(const json_t *arr, const char *where, bool is_date,
                                             struct ks_arena *a, struct ks_fc_list *out,
                                             struct ks_err *err);

/*
 * In-memory evaluation (coverage and aggregation groups). Positive string
 * filters (EQUALS, PREFIX) are ORed, NOT_EQUALS filters are ANDed, and the
 * two parts are ANDed. A multi-valued field matches EQUALS/PREFIX when any
 * value does and NOT_EQUALS when no value equals. Ranges and map filters are
 * ORed. NULL values never match a positive filter.
 */
bool ks_findings_match_strings(const struct ks_fc_list *l, const char *const *values, size_t n);
bool ks_findings_match_range(const struct ks_fc_list *l, bool present, double v);
/* keys/values: n parallel arrays of tags. */
bool ks_findings_match_map(const struct ks_fc_list *l, const char *const *keys,
                           const char *const *values, size_t n);
/* One StringFilter against one value (NULL value: only NOT_EQUALS holds). */
bool ks_findings_match_string(const struct ks_fc_string *f, const char *value);

/* The criteria's list for field, or NULL. */
const struct ks_fc_list *ks_findings_criteria_get(const struct ks_criteria *c, int field);

/* Timestamps in requests: epoch seconds (number) or an RFC 3339 string. */
enum ks_code ks_findings_parse_time(const json_t *v, int64_t *ms_out);

/* ------------------------------------------------------------------------ */
/* Finding documents                                                        */

/* A vulnerable package, as the package filters see it. */
struct ks_finding_pkg {
    const char *str[KS_PKG_STRING_COUNT]; /* NULL when absent */
    bool has_epoch;
    int64_t epoch;
};

/* A value of a multi-valued field (tags, layers, related ids, components). */
struct ks_finding_value {
    int field;         /* enum ks_fc_finding_field */
    const char *key;   /* tag key for KS_FF_RESOURCE_TAGS, else NULL */
    const char *value;
};

/*
 * The columns a finding is filtered, sorted and aggregated by. Strings are
 * borrowed from the document; optional numbers have has_ flags.
 */
struct ks_finding_info {
    const char *id;              /* the part of findingArn after "finding/" */
    const char *str[KS_FF_COUNT]; /* single-valued string fields, NULL when absent */
    bool has_num[KS_FF_COUNT];
    double num[KS_FF_COUNT];     /* number fields; date fields in epoch ms */
    bool has_port;
    int port_begin, port_end;
    enum ks_findings_rtype rtype;
    int severity_rank;
    struct ks_finding_pkg *pkgs;
    size_t n_pkgs;
    struct ks_finding_value *values;
    size_t n_values;
    const char *ec2_platform;    /* resources[0].details.awsEc2Instance.platform */
};

/* Named limits of one finding document. */
#define KS_FINDING_MAX_PKGS      1000
#define KS_FINDING_MAX_VALUES    1000
#define KS_FINDING_MAX_ID        128
#define KS_FINDING_MAX_RESOURCES 10

/*
 * Validate a Finding document (the Inspector2 `Finding` shape: findingArn,
 * type, description, remediation, severity and resources[] are required;
 * enums must hold) and extract its columns into out. Strings borrow from doc.
 * KS_EINVAL names the bad member ("finding 'x': severity 'BAD' is not …").
 */
enum ks_code ks_findings_extract(const json_t *doc, struct ks_arena *a,
                                 struct ks_finding_info *out, struct ks_err *err);

/*
 * Prepare a produced finding for storage, in place: set awsAccountId and
 * findingArn (arn:aws:inspector2:REGION:ACCOUNT:finding/ID), write every
 * resources[].type with its Inspector2 name, and drop the lifecycle members
 * (status, firstObservedAt, lastObservedAt, updatedAt) the store owns;
 * every other timestamp member becomes epoch seconds (the wire's form).
 * id is taken from the document's findingArn ("…finding/<id>", or the whole
 * value when it has no '/'): [A-Za-z0-9._-]{1,128}.
 */
enum ks_code ks_findings_normalize(json_t *doc, const char *account_id, const char *region,
                                   char id_out[KS_FINDING_MAX_ID + 1], struct ks_err *err);

/* SHA-256 (hex) of the document serialised with sorted keys: change detection. */
enum ks_code ks_findings_content_hash(const json_t *doc, char hex[65], struct ks_err *err);

/* Lifecycle state the store keeps beside the document. */
struct ks_finding_state {
    const char *status; /* ACTIVE, SUPPRESSED or CLOSED */
    int64_t first_observed_ms, last_observed_ms, updated_ms;
};

enum ks_ts_style {
    KS_TS_EPOCH,   /* the REST-JSON wire format: epoch seconds (number) */
    KS_TS_RFC3339, /* events and reports: "2024-01-02T03:04:05.123Z" */
};

/*
 * A new document: doc plus status/firstObservedAt/lastObservedAt/updatedAt,
 * with every timestamp member (those and vendorCreatedAt, pushedAt, …)
 * written in `style`. NULL on OOM. The caller json_decref()s it.
 */
json_t *ks_findings_render(const json_t *doc, const struct ks_finding_state *st,
                           enum ks_ts_style style);

/* A timestamp as JSON in style (integer seconds when whole). NULL on OOM. */
json_t *ks_findings_time_json(int64_t ms, enum ks_ts_style style);
/* "2024-01-02T03:04:05.123Z" (".123" only when ms is not whole) into out[32]. */
void ks_findings_time_rfc3339(int64_t ms, char out[32]);

#endif
