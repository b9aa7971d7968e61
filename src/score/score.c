/*
 * score.c: choose a finding's CVSS vector and adjust it for its context,
 * explaining every adjustment (docs/scoring.md has the rules and why).
 */
#include "score/score.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/banned.h"

static const char *const rsev_names[KS_RSEV_COUNT] = {
    "UNTRIAGED", "INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL",
};

const char *
ks_rsev_name(enum ks_rsev s)
{
    return (unsigned)s < KS_RSEV_COUNT ? rsev_names[s] : "UNTRIAGED";
}

enum ks_code
ks_rsev_parse(struct ks_str s, enum ks_rsev *out)
{
    for (int i = 0; i < KS_RSEV_COUNT; i++) {
        if (ks_str_ieq_c(s, rsev_names[i])) {
            *out = (enum ks_rsev)i;
            return KS_OK;
        }
    }
    return KS_EINVAL;
}

enum ks_rsev
ks_rsev_from_score(double score)
{
    if (score <= 0.0)
        return KS_RSEV_INFORMATIONAL;
    switch (ks_severity_from_score(score)) {
    case KS_SEV_LOW:
        return KS_RSEV_LOW;
    case KS_SEV_MEDIUM:
        return KS_RSEV_MEDIUM;
    case KS_SEV_HIGH:
        return KS_RSEV_HIGH;
    case KS_SEV_CRITICAL:
        return KS_RSEV_CRITICAL;
    default:
        return KS_RSEV_INFORMATIONAL;
    }
}

/*
 * Vendor words seen in the feeds: GHSA (LOW, MODERATE, HIGH, CRITICAL), Red
 * Hat and Amazon (low, moderate, important, critical), Debian urgencies
 * (unimportant, low, medium, high), Ubuntu priorities (negligible, low,
 * medium, high, critical), SUSE (low, moderate, important, critical).
 */
static const struct {
    const char *word;
    enum ks_rsev sev;
} vendor_words[] = {
    {"critical", KS_RSEV_CRITICAL},  {"urgent", KS_RSEV_CRITICAL},
    {"high", KS_RSEV_HIGH},          {"important", KS_RSEV_HIGH},
    {"moderate", KS_RSEV_MEDIUM},    {"medium", KS_RSEV_MEDIUM},
    {"low", KS_RSEV_LOW},            {"negligible", KS_RSEV_LOW},
    {"unimportant", KS_RSEV_INFORMATIONAL}, {"informational", KS_RSEV_INFORMATIONAL},
    {"none", KS_RSEV_INFORMATIONAL},
};

enum ks_rsev
ks_rsev_from_word(const char *word)
{
    struct ks_str w;

    if (word == NULL)
        return KS_RSEV_UNTRIAGED;
    w = ks_str_trim(ks_str_c(word));
    /* Debian writes "low*" / "medium**" for urgencies not yet reviewed. */
    while (w.len > 0 && w.ptr[w.len - 1] == '*')
        w.len--;
    for (size_t i = 0; i < KS_ARRAY_LEN(vendor_words); i++)
        if (ks_str_ieq_c(w, vendor_words[i].word))
            return vendor_words[i].sev;
    return KS_RSEV_UNTRIAGED;
}

const char *
ks_fix_name(enum ks_fix f)
{
    switch (f) {
    case KS_FIX_YES:
        return "YES";
    case KS_FIX_PARTIAL:
        return "PARTIAL";
    default:
        return "NO";
    }
}

/* Preference of CVSS versions for the primary score: v3.1, v3.0, v4.0, v2.0. */
static int
version_rank(enum ks_cvss_version v)
{
    switch (v) {
    case KS_CVSS_V31:
        return 0;
    case KS_CVSS_V30:
        return 1;
    case KS_CVSS_V40:
        return 2;
    default:
        return 3;
    }
}

static int
origin_rank(enum ks_cvss_origin o, bool is_os)
{
    /* Distribution vectors describe their backported builds: first for OS */
    /* packages; for language packages they do not apply and go last.       */
    switch (o) {
    case KS_ORIGIN_VENDOR:
        return is_os ? 0 : 3;
    case KS_ORIGIN_NVD:
        return 1;
    default:
        return 2;
    }
}

/* Is a better than b? */
static bool
better(const struct ks_score_cvss *a, const struct ks_score_cvss *b, bool is_os)
{
    int oa = origin_rank(a->origin, is_os), ob = origin_rank(b->origin, is_os);

    if (oa != ob)
        return oa < ob;
    if (a->primary != b->primary)
        return a->primary;
    if (version_rank(a->cvss.version) != version_rank(b->cvss.version))
        return version_rank(a->cvss.version) < version_rank(b->cvss.version);
    return false; /* keep the earlier one: callers pass candidates in a stable order */
}

static void
add_adj(struct ks_score_result *out, const char *metric, const char *fmt, ...) KS_PRINTF(3, 4);

static void
add_adj(struct ks_score_result *out, const char *metric, const char *fmt, ...)
{
    struct ks_score_adjustment *a;
    va_list ap;

    if (out->n_adj >= KS_SCORE_MAX_ADJ)
        return;
    a = &out->adj[out->n_adj++];
    snprintf(a->metric, sizeof(a->metric), "%s", metric);
    va_start(ap, fmt);
    vsnprintf(a->reason, sizeof(a->reason), fmt, ap);
    va_end(ap);
}

/* Set a metric; only record the adjustment when the metric exists in this version. */
static bool
set_metric(struct ks_cvss *c, const char *metric, const char *value)
{
    return ks_cvss_set_metric(c, metric, value, NULL) == KS_OK;
}

static void
adjust_exploit(const struct ks_score_input *in, struct ks_cvss *c, struct ks_score_result *out)
{
    const char *high, *likely, *unlikely;

    /* v4 has Exploit Maturity A/P/U; v2 and v3 have E H/F/P/U. */
    if (c->version == KS_CVSS_V40) {
        high = "A";
        likely = "P";
        unlikely = "U";
    } else {
        /* v3's F (0.97) would score "exploitation likely" below the base score. */
        high = "H";
        likely = "H";
        unlikely = "U";
    }
    if (in->in_kev) {
        if (set_metric(c, "E", high))
            add_adj(out, "E",
                    "known exploited: listed in CISA KEV%s%s; exploit maturity set to %s",
                    in->kev_date_added ? " since " : "",
                    in->kev_date_added ? in->kev_date_added : "", high);
        return;
    }
    if (!in->has_epss)
        return; /* unknown: the metric stays Not Defined */
    if (in->epss_percentile >= KS_EPSS_LIKELY_PERCENTILE) {
        if (set_metric(c, "E", likely))
            add_adj(out, "E",
                    "exploitation likely: EPSS %.4f (percentile %.2f, at or above %.2f); "
                    "exploit maturity set to %s",
                    in->epss_score, in->epss_percentile, KS_EPSS_LIKELY_PERCENTILE, likely);
    } else if (set_metric(c, "E", unlikely)) {
        add_adj(out, "E",
                "exploitation unlikely: EPSS %.4f (percentile %.2f, below %.2f), not in "
                "CISA KEV; exploit maturity set to %s",
                in->epss_score, in->epss_percentile, KS_EPSS_LIKELY_PERCENTILE, unlikely);
    }
}

static void
adjust_fix(const struct ks_score_input *in, struct ks_cvss *c, struct ks_score_result *out)
{
    const char *official = c->version == KS_CVSS_V2 ? "OF" : "O";

    if (c->version == KS_CVSS_V40)
        return; /* v4 scores no remediation level */
    if (in->fix == KS_FIX_NO) {
        if (set_metric(c, "RL", "U"))
            add_adj(out, "RL", "no fixed version is available; remediation level set to U");
    } else if (set_metric(c, "RL", official)) {
        add_adj(out, "RL", "%s fix available%s%s; remediation level set to %s",
                in->fix == KS_FIX_PARTIAL ? "a partial" : "an official",
                in->fixed_version ? " in " : "", in->fixed_version ? in->fixed_version : "",
                official);
    }
}

static void
adjust_network(const struct ks_score_context *ctx, struct ks_cvss *c, struct ks_score_result *out)
{
    const char *av;

    if (ctx == NULL || ctx->exposure != KS_EXPOSURE_NONE || c->version == KS_CVSS_V2)
        return;
    av = ks_cvss_get_metric(c, "AV");
    if (av == NULL || strcmp(av, "N") != 0)
        return;
    if (set_metric(c, "MAV", "A"))
        add_adj(out, "MAV", "%s; modified attack vector set to A (adjacent)",
                ctx->exposure_reason ? ctx->exposure_reason
                                     : "no open path from the internet to the workload");
}

void
ks_score_compute(struct ks_score_input *in, const struct ks_score_context *ctx,
                 struct ks_score_result *out)
{
    struct ks_score_cvss *best = NULL;
    struct ks_cvss adjusted;
    struct ks_cvss_scores sc;
    struct ks_buf vec = KS_BUF_INIT(KS_CVSS_MAX_LEN - 1);

    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < in->n_cvss; i++) {
        struct ks_score_cvss *c = &in->cvss[i];

        c->valid = c->vector != NULL &&
                   ks_cvss_parse(ks_str_c(c->vector), &c->cvss, NULL) == KS_OK;
        if (!c->valid)
            continue;
        ks_cvss_score(&c->cvss, &sc);
        c->base_score = sc.base;
        c->version = ks_cvss_version_name(c->cvss.version);
        if (best == NULL || better(c, best, in->is_os))
            best = c;
    }
    if (best == NULL) {
        out->severity = ks_rsev_from_word(in->vendor_severity);
        out->severity_from_vendor = out->severity != KS_RSEV_UNTRIAGED;
        return;
    }
    out->chosen = best;
    out->base_score = best->base_score;
    out->severity = ks_rsev_from_score(best->base_score);
    adjusted = best->cvss;
    adjust_exploit(in, &adjusted, out);
    adjust_fix(in, &adjusted, out);
    adjust_network(ctx, &adjusted, out);
    ks_cvss_score(&adjusted, &sc);
    out->score = sc.score;
    ks_cvss_format(&adjusted, &vec);
    snprintf(out->vector, sizeof(out->vector), "%s", vec.data);
    ks_buf_release(&vec);
}
