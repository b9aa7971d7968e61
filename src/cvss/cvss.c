/*
 * cvss.c: the metric tables of CVSS v2.0, v3.0/v3.1 and v4.0, the vector
 * parser (strict: the specifications' rules on prefixes, mandatory metrics,
 * duplicates and, for v2/v4, order), the canonical formatter, metric
 * get/set for environmental adjustments, severity, and ks_cvss_score, which
 * hands each version to its scoring file (score_v2.c, score_v3.c, score_v4.c).
 */
#include "cvss/cvss_int.h"

#include <math.h>
#include <string.h>

#include "base/banned.h"

/* ------------------------------------------------------------------------ */
/* Tables. Values in the specifications' order; Not Defined first for       */
/* optional metrics (the scoring files index their weights the same way).   */

#define V(...) (const char *const[]){__VA_ARGS__}, (uint8_t)(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

/* CVSS v2 guide, section 2.4, tables 11-13. */
static const struct cvss_metric v2_metrics[V2_COUNT] = {
    {"AV", V("L", "A", "N"), GRP_BASE},
    {"AC", V("H", "M", "L"), GRP_BASE},
    {"Au", V("M", "S", "N"), GRP_BASE},
    {"C", V("N", "P", "C"), GRP_BASE},
    {"I", V("N", "P", "C"), GRP_BASE},
    {"A", V("N", "P", "C"), GRP_BASE},
    {"E", V("ND", "U", "POC", "F", "H"), GRP_TEMPORAL},
    {"RL", V("ND", "OF", "TF", "W", "U"), GRP_TEMPORAL},
    {"RC", V("ND", "UC", "UR", "C"), GRP_TEMPORAL},
    {"CDP", V("ND", "N", "L", "LM", "MH", "H"), GRP_ENV},
    {"TD", V("ND", "N", "L", "M", "H"), GRP_ENV},
    {"CR", V("ND", "L", "M", "H"), GRP_ENV},
    {"IR", V("ND", "L", "M", "H"), GRP_ENV},
    {"AR", V("ND", "L", "M", "H"), GRP_ENV},
};

/* CVSS v3.0 section 6 / v3.1 section 6, table 15. */
static const struct cvss_metric v3_metrics[V3_COUNT] = {
    {"AV", V("N", "A", "L", "P"), GRP_BASE},
    {"AC", V("L", "H"), GRP_BASE},
    {"PR", V("N", "L", "H"), GRP_BASE},
    {"UI", V("N", "R"), GRP_BASE},
    {"S", V("U", "C"), GRP_BASE},
    {"C", V("H", "L", "N"), GRP_BASE},
    {"I", V("H", "L", "N"), GRP_BASE},
    {"A", V("H", "L", "N"), GRP_BASE},
    {"E", V("X", "H", "F", "P", "U"), GRP_TEMPORAL},
    {"RL", V("X", "U", "W", "T", "O"), GRP_TEMPORAL},
    {"RC", V("X", "C", "R", "U"), GRP_TEMPORAL},
    {"CR", V("X", "H", "M", "L"), GRP_ENV},
    {"IR", V("X", "H", "M", "L"), GRP_ENV},
    {"AR", V("X", "H", "M", "L"), GRP_ENV},
    {"MAV", V("X", "N", "A", "L", "P"), GRP_ENV},
    {"MAC", V("X", "L", "H"), GRP_ENV},
    {"MPR", V("X", "N", "L", "H"), GRP_ENV},
    {"MUI", V("X", "N", "R"), GRP_ENV},
    {"MS", V("X", "U", "C"), GRP_ENV},
    {"MC", V("X", "H", "L", "N"), GRP_ENV},
    {"MI", V("X", "H", "L", "N"), GRP_ENV},
    {"MA", V("X", "H", "L", "N"), GRP_ENV},
};

/* CVSS v4.0 section 7, table 23 (the order is mandatory). */
static const struct cvss_metric v4_metrics[V4_COUNT] = {
    {"AV", V("N", "A", "L", "P"), GRP_BASE},
    {"AC", V("L", "H"), GRP_BASE},
    {"AT", V("N", "P"), GRP_BASE},
    {"PR", V("N", "L", "H"), GRP_BASE},
    {"UI", V("N", "P", "A"), GRP_BASE},
    {"VC", V("H", "L", "N"), GRP_BASE},
    {"VI", V("H", "L", "N"), GRP_BASE},
    {"VA", V("H", "L", "N"), GRP_BASE},
    {"SC", V("H", "L", "N"), GRP_BASE},
    {"SI", V("H", "L", "N"), GRP_BASE},
    {"SA", V("H", "L", "N"), GRP_BASE},
    {"E", V("X", "A", "P", "U"), GRP_TEMPORAL},
    {"CR", V("X", "H", "M", "L"), GRP_ENV},
    {"IR", V("X", "H", "M", "L"), GRP_ENV},
    {"AR", V("X", "H", "M", "L"), GRP_ENV},
    {"MAV", V("X", "N", "A", "L", "P"), GRP_ENV},
    {"MAC", V("X", "L", "H"), GRP_ENV},
    {"MAT", V("X", "N", "P"), GRP_ENV},
    {"MPR", V("X", "N", "L", "H"), GRP_ENV},
    {"MUI", V("X", "N", "P", "A"), GRP_ENV},
    {"MVC", V("X", "H", "L", "N"), GRP_ENV},
    {"MVI", V("X", "H", "L", "N"), GRP_ENV},
    {"MVA", V("X", "H", "L", "N"), GRP_ENV},
    {"MSC", V("X", "H", "L", "N"), GRP_ENV},
    {"MSI", V("X", "S", "H", "L", "N"), GRP_ENV},
    {"MSA", V("X", "S", "H", "L", "N"), GRP_ENV},
    {"S", V("X", "N", "P"), GRP_SUPPLEMENTAL},
    {"AU", V("X", "N", "Y"), GRP_SUPPLEMENTAL},
    {"R", V("X", "A", "U", "I"), GRP_SUPPLEMENTAL},
    {"V", V("X", "D", "C"), GRP_SUPPLEMENTAL},
    {"RE", V("X", "L", "M", "H"), GRP_SUPPLEMENTAL},
    {"U", V("X", "Clear", "Green", "Amber", "Red"), GRP_SUPPLEMENTAL},
};

#undef V

static const struct cvss_table tables[] = {
    [KS_CVSS_V2] = {v2_metrics, V2_COUNT, true},
    [KS_CVSS_V30] = {v3_metrics, V3_COUNT, false},
    [KS_CVSS_V31] = {v3_metrics, V3_COUNT, false},
    [KS_CVSS_V40] = {v4_metrics, V4_COUNT, true},
};

const struct cvss_table *
cvss_table_of(enum ks_cvss_version v)
{
    return &tables[(unsigned)v < KS_ARRAY_LEN(tables) ? v : KS_CVSS_V31];
}

const char *
cvss_value(const struct ks_cvss *c, unsigned i)
{
    const struct cvss_metric *m = &cvss_table_of(c->version)->metrics[i];

    return m->values[c->value[i] < m->nvalues ? c->value[i] : 0];
}

bool
cvss_group_defined(const struct ks_cvss *c, enum cvss_group g)
{
    const struct cvss_table *t = cvss_table_of(c->version);

    for (unsigned i = 0; i < t->nmetrics; i++)
        if (t->metrics[i].group == g && c->value[i] != 0)
            return true;
    return false;
}

const char *
ks_cvss_version_name(enum ks_cvss_version v)
{
    switch (v) {
    case KS_CVSS_V2:
        return "2.0";
    case KS_CVSS_V30:
        return "3.0";
    case KS_CVSS_V31:
        return "3.1";
    case KS_CVSS_V40:
        return "4.0";
    }
    return "?";
}

/* ------------------------------------------------------------------------ */
/* Parsing.                                                                  */

/* A printable, bounded copy of untrusted bytes for error messages. */
static const char *
show(struct ks_str s, char *out, size_t cap)
{
    size_t n = 0;

    for (size_t i = 0; i < s.len && n + 4 < cap; i++) {
        unsigned char ch = (unsigned char)s.ptr[i];

        out[n++] = (ch >= 0x20 && ch < 0x7f && ch != '\'') ? (char)ch : '?';
    }
    if (s.len > 0 && n + 4 >= cap) {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n] = '\0';
    return out;
}

static int
find_metric(const struct cvss_table *t, struct ks_str name)
{
    for (unsigned i = 0; i < t->nmetrics; i++)
        if (ks_str_eq_c(name, t->metrics[i].name))
            return (int)i;
    return -1;
}

static int
find_value(const struct cvss_metric *m, struct ks_str value)
{
    for (unsigned i = 0; i < m->nvalues; i++)
        if (ks_str_eq_c(value, m->values[i]))
            return (int)i;
    return -1;
}

/* "N, A, L or P" */
static void
list_values(const struct cvss_metric *m, char *out, size_t cap)
{
    size_t n = 0;

    out[0] = '\0';
    for (unsigned i = 0; i < m->nvalues; i++) {
        const char *sep = i == 0 ? "" : i + 1 == m->nvalues ? " or " : ", ";
        size_t need = strlen(sep) + strlen(m->values[i]);

        if (n + need + 1 > cap)
            break;
        memcpy(out + n, sep, strlen(sep));
        n += strlen(sep);
        memcpy(out + n, m->values[i], strlen(m->values[i]));
        n += strlen(m->values[i]);
        out[n] = '\0';
    }
}

enum ks_code
ks_cvss_parse(struct ks_str vector, struct ks_cvss *out, struct ks_err *err)
{
    struct ks_cvss c;
    const struct cvss_table *t;
    struct ks_str body = vector, part;
    uint32_t seen = 0;
    int last = -1;
    size_t off;
    char a[40], b[40], list[96];

    memset(&c, 0, sizeof(c));
    if (vector.len > KS_CVSS_MAX_LEN)
        return ks_err_set(err, KS_ETOOBIG, "cvss: vector is %zu bytes, over the limit of %d",
                          vector.len, KS_CVSS_MAX_LEN);
    if (vector.len == 0 || vector.ptr == NULL)
        return ks_err_set(err, KS_EPARSE, "cvss: empty vector");
    if (ks_str_has_prefix(vector, "CVSS:")) {
        struct ks_str ver, rest;

        if (!ks_str_split2(ks_str_sub(vector, 5, vector.len - 5), '/', &ver, &rest))
            return ks_err_set(err, KS_EPARSE, "cvss: prefix '%s' is not followed by '/' and metrics",
                              show(vector, a, sizeof(a)));
        if (ks_str_eq_c(ver, "3.0"))
            c.version = KS_CVSS_V30;
        else if (ks_str_eq_c(ver, "3.1"))
            c.version = KS_CVSS_V31;
        else if (ks_str_eq_c(ver, "4.0"))
            c.version = KS_CVSS_V40;
        else if (ks_str_eq_c(ver, "2.0") || ks_str_eq_c(ver, "2"))
            return ks_err_set(err, KS_EPARSE,
                              "cvss: prefix 'CVSS:%s/': CVSS v2 vectors have no prefix "
                              "(write 'AV:N/AC:L/...')",
                              show(ver, a, sizeof(a)));
        else
            return ks_err_set(err, KS_EPARSE,
                              "cvss: unknown version in prefix 'CVSS:%s/' (2.0 has no prefix; "
                              "3.0, 3.1 and 4.0 are known)",
                              show(ver, a, sizeof(a)));
        body = rest;
    } else {
        c.version = KS_CVSS_V2;
    }
    t = cvss_table_of(c.version);
    off = (size_t)(body.ptr - vector.ptr);
    for (;;) {
        struct ks_str rest, name, value;
        bool more = ks_str_split2(body, '/', &part, &rest);
        int mi, vi;

        if (!more)
            part = body;
        if (part.len == 0)
            return ks_err_set(err, KS_EPARSE, "cvss: empty metric at offset %zu%s", off,
                              more ? "" : " (trailing '/')");
        if (!ks_str_split2(part, ':', &name, &value))
            return ks_err_set(err, KS_EPARSE,
                              "cvss: '%s' at offset %zu is not METRIC:VALUE",
                              show(part, a, sizeof(a)), off);
        mi = find_metric(t, name);
        if (mi < 0)
            return ks_err_set(err, KS_EPARSE, "cvss: unknown metric '%s' at offset %zu for CVSS %s",
                              show(name, a, sizeof(a)), off, ks_cvss_version_name(c.version));
        vi = find_value(&t->metrics[mi], value);
        if (vi < 0) {
            list_values(&t->metrics[mi], list, sizeof(list));
            return ks_err_set(err, KS_EPARSE, "cvss: metric '%s' has unknown value '%s' (%s)",
                              t->metrics[mi].name, show(value, b, sizeof(b)), list);
        }
        if (seen & (UINT32_C(1) << mi))
            return ks_err_set(err, KS_EPARSE, "cvss: metric '%s' is given more than once",
                              t->metrics[mi].name);
        if (t->ordered && mi < last)
            return ks_err_set(err, KS_EPARSE,
                              "cvss: metric '%s' is out of order (it must come before '%s'; "
                              "CVSS %s fixes the order)",
                              t->metrics[mi].name, t->metrics[last].name,
                              ks_cvss_version_name(c.version));
        seen |= UINT32_C(1) << mi;
        last = mi;
        c.value[mi] = (uint8_t)vi;
        if (!more)
            break;
        off += part.len + 1;
        body = rest;
    }
    for (unsigned i = 0; i < t->nmetrics; i++)
        if (t->metrics[i].group == GRP_BASE && !(seen & (UINT32_C(1) << i)))
            return ks_err_set(err, KS_EPARSE, "cvss: mandatory metric '%s' is missing",
                              t->metrics[i].name);
    *out = c;
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* Metric access and formatting.                                             */

enum ks_code
ks_cvss_set_metric(struct ks_cvss *c, const char *metric, const char *value, struct ks_err *err)
{
    const struct cvss_table *t = cvss_table_of(c->version);
    int mi = find_metric(t, ks_str_c(metric)), vi;
    char list[96];

    if (mi < 0)
        return ks_err_set(err, KS_EINVAL, "cvss: CVSS %s has no metric '%s'",
                          ks_cvss_version_name(c->version), metric ? metric : "(null)");
    vi = find_value(&t->metrics[mi], ks_str_c(value));
    if (vi < 0) { /* base metrics have no X, so a mandatory metric cannot be cleared */
        list_values(&t->metrics[mi], list, sizeof(list));
        return ks_err_set(err, KS_EINVAL, "cvss: metric '%s' has no value '%s' (%s)",
                          t->metrics[mi].name, value ? value : "(null)", list);
    }
    c->value[mi] = (uint8_t)vi;
    return KS_OK;
}

const char *
ks_cvss_get_metric(const struct ks_cvss *c, const char *metric)
{
    int mi = find_metric(cvss_table_of(c->version), ks_str_c(metric));

    return mi < 0 ? NULL : cvss_value(c, (unsigned)mi);
}

void
ks_cvss_format(const struct ks_cvss *c, struct ks_buf *out)
{
    const struct cvss_table *t = cvss_table_of(c->version);
    bool first = true;

    if (c->version != KS_CVSS_V2)
        ks_buf_appendf(out, "CVSS:%s/", ks_cvss_version_name(c->version));
    for (unsigned i = 0; i < t->nmetrics; i++) {
        if (t->metrics[i].group != GRP_BASE && c->value[i] == 0)
            continue;
        if (!first)
            ks_buf_putc(out, '/');
        ks_buf_appendf(out, "%s:%s", t->metrics[i].name, cvss_value(c, i));
        first = false;
    }
}

/* ------------------------------------------------------------------------ */
/* Rounding and severity.                                                    */

double
cvss_round1(double x)
{
    long long n = llround(x * 100000.0);

    /* Half up on the five-decimal integer; symmetric for the rare negative. */
    if (n >= 0)
        return (double)((n + 5000) / 10000) / 10.0;
    return -(double)((-n + 5000) / 10000) / 10.0;
}

double
cvss_roundup(double x)
{
    long long n = llround(x * 100000.0);

    if (n % 10000 == 0)
        return (double)n / 100000.0;
    return (floor((double)n / 10000.0) + 1.0) / 10.0;
}

enum ks_severity
ks_severity_from_score(double score)
{
    if (!(score > 0.0))
        return KS_SEV_NONE;
    if (score < 4.0)
        return KS_SEV_LOW;
    if (score < 7.0)
        return KS_SEV_MEDIUM;
    if (score < 9.0)
        return KS_SEV_HIGH;
    return KS_SEV_CRITICAL;
}

enum ks_severity
ks_severity_from_v2_score(double score)
{
    if (score < 4.0)
        return KS_SEV_LOW;
    if (score < 7.0)
        return KS_SEV_MEDIUM;
    return KS_SEV_HIGH;
}

const char *
ks_severity_name(enum ks_severity s)
{
    static const char *const names[] = {"NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL"};

    return (unsigned)s < KS_ARRAY_LEN(names) ? names[s] : "UNKNOWN";
}

/* ------------------------------------------------------------------------ */

void
ks_cvss_score(const struct ks_cvss *c, struct ks_cvss_scores *out)
{
    memset(out, 0, sizeof(*out));
    out->nomenclature = "";
    if (c->version == KS_CVSS_V40) {
        struct ks_cvss base = *c;
        char ignored[7];

        /* CVSS-B: the base metrics alone, every other metric Not Defined. */
        for (unsigned i = V4_E; i < V4_COUNT; i++)
            base.value[i] = 0;
        out->base = cvss_score_v4(&base, ignored);
        out->score = cvss_score_v4(c, out->macro_vector);
        out->base_severity = ks_severity_from_score(out->base);
        out->severity = ks_severity_from_score(out->score);
        if (cvss_group_defined(c, GRP_TEMPORAL))
            out->nomenclature = cvss_group_defined(c, GRP_ENV) ? "CVSS-BTE" : "CVSS-BT";
        else
            out->nomenclature = cvss_group_defined(c, GRP_ENV) ? "CVSS-BE" : "CVSS-B";
        return;
    }
    if (c->version == KS_CVSS_V2)
        cvss_score_v2(c, out);
    else
        cvss_score_v3(c, out);
    if (cvss_group_defined(c, GRP_ENV))
        out->score = out->environmental;
    else if (cvss_group_defined(c, GRP_TEMPORAL))
        out->score = out->temporal;
    else
        out->score = out->base;
    if (c->version == KS_CVSS_V2) {
        out->base_severity = ks_severity_from_v2_score(out->base);
        out->severity = ks_severity_from_v2_score(out->score);
    } else {
        out->base_severity = ks_severity_from_score(out->base);
        out->severity = ks_severity_from_score(out->score);
    }
}
