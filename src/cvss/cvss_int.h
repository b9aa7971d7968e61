/*
 * cvss_int.h: private to src/cvss/. The metric tables of every version (in
 * the specifications' order, which is also the canonical vector order) and
 * the per-version scoring functions.
 */
#ifndef KS_CVSS_INT_H
#define KS_CVSS_INT_H

#include "cvss/cvss.h"

enum cvss_group { GRP_BASE, GRP_TEMPORAL, GRP_ENV, GRP_SUPPLEMENTAL };

struct cvss_metric {
    const char *name;
    const char *const *values; /* for optional metrics values[0] is Not Defined */
    uint8_t nvalues;
    uint8_t group; /* enum cvss_group; v4's threat group is GRP_TEMPORAL */
};

struct cvss_table {
    const struct cvss_metric *metrics;
    uint8_t nmetrics;
    bool ordered; /* v2 guide 2.4 and v4.0 section 7 fix the order; v3.x allows any */
};

const struct cvss_table *cvss_table_of(enum ks_cvss_version v);

/* Metric indexes: positions in each version's table. */
enum { V2_AV, V2_AC, V2_AU, V2_C, V2_I, V2_A, V2_E, V2_RL, V2_RC, V2_CDP, V2_TD, V2_CR, V2_IR,
       V2_AR, V2_COUNT };
enum { V3_AV, V3_AC, V3_PR, V3_UI, V3_S, V3_C, V3_I, V3_A, V3_E, V3_RL, V3_RC, V3_CR, V3_IR,
       V3_AR, V3_MAV, V3_MAC, V3_MPR, V3_MUI, V3_MS, V3_MC, V3_MI, V3_MA, V3_COUNT };
enum { V4_AV, V4_AC, V4_AT, V4_PR, V4_UI, V4_VC, V4_VI, V4_VA, V4_SC, V4_SI, V4_SA, V4_E,
       V4_CR, V4_IR, V4_AR, V4_MAV, V4_MAC, V4_MAT, V4_MPR, V4_MUI, V4_MVC, V4_MVI, V4_MVA,
       V4_MSC, V4_MSI, V4_MSA, V4_S, V4_AU, V4_R, V4_V, V4_RE, V4_U, V4_COUNT };

/* Is any metric of group g defined (not X/ND) in c? */
bool cvss_group_defined(const struct ks_cvss *c, enum cvss_group g);
/* The value string of metric i in c. */
const char *cvss_value(const struct ks_cvss *c, unsigned i);

/*
 * Round x half up to one decimal, float-safely: x is first rounded to five
 * decimals (as CVSS v3.1 Appendix A does for Roundup) so that binary noise
 * such as 9.149999999999999 for an exact 9.15 cannot flip the result.
 */
double cvss_round1(double x);
/* CVSS v3.1 Appendix A Roundup: the smallest one-decimal number >= x, float-safe. */
double cvss_roundup(double x);

void cvss_score_v2(const struct ks_cvss *c, struct ks_cvss_scores *out);
void cvss_score_v3(const struct ks_cvss *c, struct ks_cvss_scores *out);
/* v4 score of c and its MacroVector (7 bytes, NUL-terminated). */
double cvss_score_v4(const struct ks_cvss *c, char macro[7]);

#endif
