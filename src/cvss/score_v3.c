/*
 * score_v3.c: CVSS v3.0 and v3.1 base, temporal and environmental scores
 * (v3.1 specification section 7, v3.0 section 8). Both versions round with
 * Roundup as v3.1 Appendix A writes it: v3.0 defines Roundup in words (the
 * smallest one-decimal number not below the input) and v3.1's integer form
 * computes exactly that without floating-point surprises. The versions
 * differ only in the Modified Impact of a changed scope.
 */
#include "cvss/cvss_int.h"

#include <math.h>

#include "base/banned.h"

/* Weights indexed like the value lists in cvss.c. */
static const double av_w[] = {0.85, 0.62, 0.55, 0.2};   /* N A L P */
static const double ac_w[] = {0.77, 0.44};              /* L H */
static const double pr_u[] = {0.85, 0.62, 0.27};        /* N L H, scope unchanged */
static const double pr_c[] = {0.85, 0.68, 0.5};         /* N L H, scope changed */
static const double ui_w[] = {0.85, 0.62};              /* N R */
static const double cia_w[] = {0.56, 0.22, 0.0};        /* H L N */
static const double e_w[] = {1.0, 1.0, 0.97, 0.94, 0.91}; /* X H F P U */
static const double rl_w[] = {1.0, 1.0, 0.97, 0.96, 0.95}; /* X U W T O */
static const double rc_w[] = {1.0, 1.0, 0.96, 0.92};    /* X C R U */
static const double req_w[] = {1.0, 1.5, 1.0, 0.5};     /* X H M L */

/* Modified metric m (values X, then the base metric's) over base metric b. */
static unsigned
eff(const struct ks_cvss *c, unsigned m, unsigned b)
{
    return c->value[m] != 0 ? c->value[m] - 1u : c->value[b];
}

/* Roundup(score × E × RL × RC), multiplied in the specification's order. */
static double
temporal_of(const struct ks_cvss *c, double score)
{
    return cvss_roundup(score * e_w[c->value[V3_E]] * rl_w[c->value[V3_RL]] *
                        rc_w[c->value[V3_RC]]);
}

void
cvss_score_v3(const struct ks_cvss *c, struct ks_cvss_scores *out)
{
    const uint8_t *v = c->value;
    bool changed = v[V3_S] == 1;
    double iss, impact, expl, miss, mimpact, mexpl;
    unsigned ms = eff(c, V3_MS, V3_S);

    iss = 1.0 - ((1.0 - cia_w[v[V3_C]]) * (1.0 - cia_w[v[V3_I]]) * (1.0 - cia_w[v[V3_A]]));
    if (!changed)
        impact = 6.42 * iss;
    else
        impact = 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15);
    expl = 8.22 * av_w[v[V3_AV]] * ac_w[v[V3_AC]] * (changed ? pr_c : pr_u)[v[V3_PR]] *
           ui_w[v[V3_UI]];
    if (impact <= 0.0)
        out->base = 0.0;
    else if (!changed)
        out->base = cvss_roundup(fmin(impact + expl, 10.0));
    else
        out->base = cvss_roundup(fmin(1.08 * (impact + expl), 10.0));
    out->temporal = temporal_of(c, out->base);

    miss = fmin(1.0 - ((1.0 - cia_w[eff(c, V3_MC, V3_C)] * req_w[v[V3_CR]]) *
                       (1.0 - cia_w[eff(c, V3_MI, V3_I)] * req_w[v[V3_IR]]) *
                       (1.0 - cia_w[eff(c, V3_MA, V3_A)] * req_w[v[V3_AR]])),
                0.915);
    if (ms == 0)
        mimpact = 6.42 * miss;
    else if (c->version == KS_CVSS_V30)
        mimpact = 7.52 * (miss - 0.029) - 3.25 * pow(miss - 0.02, 15);
    else
        mimpact = 7.52 * (miss - 0.029) - 3.25 * pow(miss * 0.9731 - 0.02, 13);
    mexpl = 8.22 * av_w[eff(c, V3_MAV, V3_AV)] * ac_w[eff(c, V3_MAC, V3_AC)] *
            (ms == 1 ? pr_c : pr_u)[eff(c, V3_MPR, V3_PR)] * ui_w[eff(c, V3_MUI, V3_UI)];
    if (mimpact <= 0.0)
        out->environmental = 0.0;
    else if (ms == 0)
        out->environmental = temporal_of(c, cvss_roundup(fmin(mimpact + mexpl, 10.0)));
    else
        out->environmental = temporal_of(c, cvss_roundup(fmin(1.08 * (mimpact + mexpl), 10.0)));

    out->exploitability = cvss_round1(expl);
    /* A changed scope with no impact gives a negative Impact; NVD shows 0.0. */
    out->impact = impact > 0.0 ? cvss_round1(impact) : 0.0;
}
