/*
 * score_v2.c: CVSS v2.0 scores, as "A Complete Guide to the Common
 * Vulnerability Scoring System Version 2.0" (FIRST, 2007) section 3.2
 * defines them. round_to_1_decimal is rounding half up of the exact value;
 * cvss_round1 does that float-safely (the guide's worked examples, e.g.
 * 9.15 -> 9.2 for CVE-2002-0392's environmental score, need it).
 */
#include "cvss/cvss_int.h"

#include "base/banned.h"

/* Weights indexed like the value lists in cvss.c (Not Defined first). */
static const double av_w[] = {0.395, 0.646, 1.0};         /* L A N */
static const double ac_w[] = {0.35, 0.61, 0.71};          /* H M L */
static const double au_w[] = {0.45, 0.56, 0.704};         /* M S N */
static const double cia_w[] = {0.0, 0.275, 0.660};        /* N P C */
static const double e_w[] = {1.0, 0.85, 0.90, 0.95, 1.0}; /* ND U POC F H */
static const double rl_w[] = {1.0, 0.87, 0.90, 0.95, 1.0}; /* ND OF TF W U */
static const double rc_w[] = {1.0, 0.90, 0.95, 1.0};      /* ND UC UR C */
static const double cdp_w[] = {0.0, 0.0, 0.1, 0.3, 0.4, 0.5}; /* ND N L LM MH H */
static const double td_w[] = {1.0, 0.0, 0.25, 0.75, 1.0}; /* ND N L M H */
static const double req_w[] = {1.0, 0.5, 1.0, 1.51};      /* ND L M H */

static double
base_equation(double impact, double exploitability)
{
    double f = impact == 0.0 ? 0.0 : 1.176;

    return cvss_round1(((0.6 * impact) + (0.4 * exploitability) - 1.5) * f);
}

/* round_to_1_decimal(score × E × RL × RC) */
static double
temporal_of(const struct ks_cvss *c, double score)
{
    return cvss_round1(score * e_w[c->value[V2_E]] * rl_w[c->value[V2_RL]] *
                       rc_w[c->value[V2_RC]]);
}

void
cvss_score_v2(const struct ks_cvss *c, struct ks_cvss_scores *out)
{
    const uint8_t *v = c->value;
    double C = cia_w[v[V2_C]], I = cia_w[v[V2_I]], A = cia_w[v[V2_A]];
    double impact = 10.41 * (1.0 - (1.0 - C) * (1.0 - I) * (1.0 - A));
    double exploitability = 20.0 * av_w[v[V2_AV]] * ac_w[v[V2_AC]] * au_w[v[V2_AU]];
    double adj_impact, adj_temporal;

    out->base = base_equation(impact, exploitability);
    out->temporal = temporal_of(c, out->base);
    /* AdjustedTemporal: the temporal equation over a base score whose impact */
    /* is the AdjustedImpact (security requirements applied, capped at 10).  */
    adj_impact = 10.41 * (1.0 - (1.0 - C * req_w[v[V2_CR]]) * (1.0 - I * req_w[v[V2_IR]]) *
                                    (1.0 - A * req_w[v[V2_AR]]));
    if (adj_impact > 10.0)
        adj_impact = 10.0;
    adj_temporal = temporal_of(c, base_equation(adj_impact, exploitability));
    out->environmental =
        cvss_round1((adj_temporal + (10.0 - adj_temporal) * cdp_w[v[V2_CDP]]) * td_w[v[V2_TD]]);
    out->exploitability = cvss_round1(exploitability);
    out->impact = cvss_round1(impact);
}
