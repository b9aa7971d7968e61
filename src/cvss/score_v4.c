/*
 * score_v4.c: CVSS v4.0 scores (specification section 8): the MacroVector
 * (EQ1-EQ6) of a vector, its score from FIRST's lookup table, and the
 * interpolation towards the next lower MacroVectors by severity distance,
 * transcribed from FIRST's reference calculator (cvss_lookup.js,
 * max_composed.js, max_severity.js, cvss_score.js) so that every floating-point
 * step matches it, including the final EPSILON lift before rounding half up.
 */
#include "cvss/cvss_int.h"

#include <math.h>
#include <string.h>

#include "base/banned.h"

/* cvss_lookup.js: the score of every MacroVector (digits EQ1..EQ6), sorted. */
static const struct {
    char macro[7];
    double score;
} lookup[] = {
    {"000000", 10.0}, {"000001", 9.9}, {"000010", 9.8}, {"000011", 9.5}, {"000020", 9.5}, {"000021", 9.2},
    {"000100", 10.0}, {"000101", 9.6}, {"000110", 9.3}, {"000111", 8.7}, {"000120", 9.1}, {"000121", 8.1},
    {"000200", 9.3}, {"000201", 9.0}, {"000210", 8.9}, {"000211", 8.0}, {"000220", 8.1}, {"000221", 6.8},
    {"001000", 9.8}, {"001001", 9.5}, {"001010", 9.5}, {"001011", 9.2}, {"001020", 9.0}, {"001021", 8.4},
    {"001100", 9.3}, {"001101", 9.2}, {"001110", 8.9}, {"001111", 8.1}, {"001120", 8.1}, {"001121", 6.5},
    {"001200", 8.8}, {"001201", 8.0}, {"001210", 7.8}, {"001211", 7.0}, {"001220", 6.9}, {"001221", 4.8},
    {"002001", 9.2}, {"002011", 8.2}, {"002021", 7.2}, {"002101", 7.9}, {"002111", 6.9}, {"002121", 5.0},
    {"002201", 6.9}, {"002211", 5.5}, {"002221", 2.7}, {"010000", 9.9}, {"010001", 9.7}, {"010010", 9.5},
    {"010011", 9.2}, {"010020", 9.2}, {"010021", 8.5}, {"010100", 9.5}, {"010101", 9.1}, {"010110", 9.0},
    {"010111", 8.3}, {"010120", 8.4}, {"010121", 7.1}, {"010200", 9.2}, {"010201", 8.1}, {"010210", 8.2},
    {"010211", 7.1}, {"010220", 7.2}, {"010221", 5.3}, {"011000", 9.5}, {"011001", 9.3}, {"011010", 9.2},
    {"011011", 8.5}, {"011020", 8.5}, {"011021", 7.3}, {"011100", 9.2}, {"011101", 8.2}, {"011110", 8.0},
    {"011111", 7.2}, {"011120", 7.0}, {"011121", 5.9}, {"011200", 8.4}, {"011201", 7.0}, {"011210", 7.1},
    {"011211", 5.2}, {"011220", 5.0}, {"011221", 3.0}, {"012001", 8.6}, {"012011", 7.5}, {"012021", 5.2},
    {"012101", 7.1}, {"012111", 5.2}, {"012121", 2.9}, {"012201", 6.3}, {"012211", 2.9}, {"012221", 1.7},
    {"100000", 9.8}, {"100001", 9.5}, {"100010", 9.4}, {"100011", 8.7}, {"100020", 9.1}, {"100021", 8.1},
    {"100100", 9.4}, {"100101", 8.9}, {"100110", 8.6}, {"100111", 7.4}, {"100120", 7.7}, {"100121", 6.4},
    {"100200", 8.7}, {"100201", 7.5}, {"100210", 7.4}, {"100211", 6.3}, {"100220", 6.3}, {"100221", 4.9},
    {"101000", 9.4}, {"101001", 8.9}, {"101010", 8.8}, {"101011", 7.7}, {"101020", 7.6}, {"101021", 6.7},
    {"101100", 8.6}, {"101101", 7.6}, {"101110", 7.4}, {"101111", 5.8}, {"101120", 5.9}, {"101121", 5.0},
    {"101200", 7.2}, {"101201", 5.7}, {"101210", 5.7}, {"101211", 5.2}, {"101220", 5.2}, {"101221", 2.5},
    {"102001", 8.3}, {"102011", 7.0}, {"102021", 5.4}, {"102101", 6.5}, {"102111", 5.8}, {"102121", 2.6},
    {"102201", 5.3}, {"102211", 2.1}, {"102221", 1.3}, {"110000", 9.5}, {"110001", 9.0}, {"110010", 8.8},
    {"110011", 7.6}, {"110020", 7.6}, {"110021", 7.0}, {"110100", 9.0}, {"110101", 7.7}, {"110110", 7.5},
    {"110111", 6.2}, {"110120", 6.1}, {"110121", 5.3}, {"110200", 7.7}, {"110201", 6.6}, {"110210", 6.8},
    {"110211", 5.9}, {"110220", 5.2}, {"110221", 3.0}, {"111000", 8.9}, {"111001", 7.8}, {"111010", 7.6},
    {"111011", 6.7}, {"111020", 6.2}, {"111021", 5.8}, {"111100", 7.4}, {"111101", 5.9}, {"111110", 5.7},
    {"111111", 5.7}, {"111120", 4.7}, {"111121", 2.3}, {"111200", 6.1}, {"111201", 5.2}, {"111210", 5.7},
    {"111211", 2.9}, {"111220", 2.4}, {"111221", 1.6}, {"112001", 7.1}, {"112011", 5.9}, {"112021", 3.0},
    {"112101", 5.8}, {"112111", 2.6}, {"112121", 1.5}, {"112201", 2.3}, {"112211", 1.3}, {"112221", 0.6},
    {"200000", 9.3}, {"200001", 8.7}, {"200010", 8.6}, {"200011", 7.2}, {"200020", 7.5}, {"200021", 5.8},
    {"200100", 8.6}, {"200101", 7.4}, {"200110", 7.4}, {"200111", 6.1}, {"200120", 5.6}, {"200121", 3.4},
    {"200200", 7.0}, {"200201", 5.4}, {"200210", 5.2}, {"200211", 4.0}, {"200220", 4.0}, {"200221", 2.2},
    {"201000", 8.5}, {"201001", 7.5}, {"201010", 7.4}, {"201011", 5.5}, {"201020", 6.2}, {"201021", 5.1},
    {"201100", 7.2}, {"201101", 5.7}, {"201110", 5.5}, {"201111", 4.1}, {"201120", 4.6}, {"201121", 1.9},
    {"201200", 5.3}, {"201201", 3.6}, {"201210", 3.4}, {"201211", 1.9}, {"201220", 1.9}, {"201221", 0.8},
    {"202001", 6.4}, {"202011", 5.1}, {"202021", 2.0}, {"202101", 4.7}, {"202111", 2.1}, {"202121", 1.1},
    {"202201", 2.4}, {"202211", 0.9}, {"202221", 0.4}, {"210000", 8.8}, {"210001", 7.5}, {"210010", 7.3},
    {"210011", 5.3}, {"210020", 6.0}, {"210021", 5.0}, {"210100", 7.3}, {"210101", 5.5}, {"210110", 5.9},
    {"210111", 4.0}, {"210120", 4.1}, {"210121", 2.0}, {"210200", 5.4}, {"210201", 4.3}, {"210210", 4.5},
    {"210211", 2.2}, {"210220", 2.0}, {"210221", 1.1}, {"211000", 7.5}, {"211001", 5.5}, {"211010", 5.8},
    {"211011", 4.5}, {"211020", 4.0}, {"211021", 2.1}, {"211100", 6.1}, {"211101", 5.1}, {"211110", 4.8},
    {"211111", 1.8}, {"211120", 2.0}, {"211121", 0.9}, {"211200", 4.6}, {"211201", 1.8}, {"211210", 1.7},
    {"211211", 0.7}, {"211220", 0.8}, {"211221", 0.2}, {"212001", 5.3}, {"212011", 2.4}, {"212021", 1.4},
    {"212101", 2.4}, {"212111", 1.2}, {"212121", 0.5}, {"212201", 1.0}, {"212211", 0.3}, {"212221", 0.1},
};

/* max_severity.js: the depth of each EQ level (the maximal severity distance) + 1. */
static const double max_severity_eq1[3] = {1, 4, 5};
static const double max_severity_eq2[2] = {1, 2};
static const double max_severity_eq3eq6[3][2] = {{7, 6}, {8, 8}, {0, 10}}; /* [2][0] cannot exist */
static const double max_severity_eq4[3] = {6, 5, 4};

/*
 * max_composed.js: the highest-severity vectors of each EQ level, in the
 * calculator's order (the first composed vector that dominates the scored
 * vector is used, so the order matters).
 */
static const char *const max_eq1[3][3] = {
    {"AV:N/PR:N/UI:N"},
    {"AV:A/PR:N/UI:N", "AV:N/PR:L/UI:N", "AV:N/PR:N/UI:P"},
    {"AV:P/PR:N/UI:N", "AV:A/PR:L/UI:P"},
};
static const char *const max_eq2[2][2] = {
    {"AC:L/AT:N"},
    {"AC:H/AT:N", "AC:L/AT:P"},
};
static const char *const max_eq3eq6[3][2][5] = {
    {{"VC:H/VI:H/VA:H/CR:H/IR:H/AR:H"},
     {"VC:H/VI:H/VA:L/CR:M/IR:M/AR:H", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M"}},
    {{"VC:L/VI:H/VA:H/CR:H/IR:H/AR:H", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H"},
     {"VC:L/VI:H/VA:L/CR:H/IR:M/AR:H", "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M",
      "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M", "VC:H/VI:L/VA:L/CR:M/IR:H/AR:H",
      "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M"}},
    {{NULL}, {"VC:L/VI:L/VA:L/CR:H/IR:H/AR:H"}},
};
static const char *const max_eq4[3] = {"SC:H/SI:S/SA:S", "SC:H/SI:H/SA:H", "SC:L/SI:L/SA:L"};
static const char *const max_eq5[3] = {"E:A", "E:P", "E:U"};

/* The metrics that have severity levels, in cvss_score.js's order. */
enum { L_AV, L_PR, L_UI, L_AC, L_AT, L_VC, L_VI, L_VA, L_SC, L_SI, L_SA, L_CR, L_IR, L_AR, L_E,
       L_COUNT };
static const char *const level_names[L_COUNT] = {"AV", "PR", "UI", "AC", "AT", "VC", "VI", "VA",
                                                 "SC", "SI", "SA", "CR", "IR", "AR", "E"};

/* cvss_score.js's *_levels: the severity level of a value (0.0 most severe). */
static double
level(unsigned l, char v)
{
    switch (l) {
    case L_AV:
        return v == 'N' ? 0.0 : v == 'A' ? 0.1 : v == 'L' ? 0.2 : 0.3;
    case L_PR:
        return v == 'N' ? 0.0 : v == 'L' ? 0.1 : 0.2;
    case L_UI:
        return v == 'N' ? 0.0 : v == 'P' ? 0.1 : 0.2;
    case L_AC:
        return v == 'L' ? 0.0 : 0.1;
    case L_AT:
        return v == 'N' ? 0.0 : 0.1;
    case L_VC:
    case L_VI:
    case L_VA:
        return v == 'H' ? 0.0 : v == 'L' ? 0.1 : 0.2;
    case L_SC:
        return v == 'H' ? 0.1 : v == 'L' ? 0.2 : 0.3;
    case L_SI:
    case L_SA:
        return v == 'S' ? 0.0 : v == 'H' ? 0.1 : v == 'L' ? 0.2 : 0.3;
    case L_CR:
    case L_IR:
    case L_AR:
        return v == 'H' ? 0.0 : v == 'M' ? 0.1 : 0.2;
    default: /* L_E */
        return v == 'U' ? 0.2 : v == 'P' ? 0.1 : 0.0;
    }
}

static char
raw(const struct ks_cvss *c, unsigned i)
{
    return cvss_value(c, i)[0];
}

/*
 * cvss_score.js m(): the value a metric takes in scoring. Not Defined E is
 * A and Not Defined CR/IR/AR are H (worst case); a defined modified metric
 * replaces its base metric.
 */
static char
eff(const struct ks_cvss *c, unsigned i)
{
    char v = raw(c, i);

    if (i == V4_E)
        return v == 'X' ? 'A' : v;
    if (i == V4_CR || i == V4_IR || i == V4_AR)
        return v == 'X' ? 'H' : v;
    if (i <= V4_SA && raw(c, i + (V4_MAV - V4_AV)) != 'X')
        return raw(c, i + (V4_MAV - V4_AV));
    return v;
}

static const unsigned level_metric[L_COUNT] = {V4_AV, V4_PR, V4_UI, V4_AC, V4_AT,
                                               V4_VC, V4_VI, V4_VA, V4_SC, V4_SI,
                                               V4_SA, V4_CR, V4_IR, V4_AR, V4_E};

/* The value of metric `name` in a "AV:N/PR:N/UI:N" part of a max vector. */
static char
part_value(const char *part, const char *name)
{
    size_t n = strlen(name);

    for (const char *p = part; p != NULL && *p != '\0';) {
        if (strncmp(p, name, n) == 0 && p[n] == ':')
            return p[n + 1];
        p = strchr(p, '/');
        if (p != NULL)
            p++;
    }
    return '?';
}

static double
macro_score(int eq1, int eq2, int eq3, int eq4, int eq5, int eq6)
{
    char key[7];
    size_t lo = 0, hi = KS_ARRAY_LEN(lookup);

    if (eq1 > 2 || eq2 > 1 || eq3 > 2 || eq4 > 2 || eq5 > 2 || eq6 > 1)
        return NAN;
    key[0] = (char)('0' + eq1);
    key[1] = (char)('0' + eq2);
    key[2] = (char)('0' + eq3);
    key[3] = (char)('0' + eq4);
    key[4] = (char)('0' + eq5);
    key[5] = (char)('0' + eq6);
    key[6] = '\0';
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strcmp(lookup[mid].macro, key);

        if (cmp == 0)
            return lookup[mid].score;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NAN; /* a lower MacroVector that does not exist */
}

/* JavaScript's Math.round for the non-negative values we have: ties go up. */
static double
js_round(double x)
{
    double f = floor(x);

    return x - f >= 0.5 ? f + 1.0 : f;
}

double
cvss_score_v4(const struct ks_cvss *c, char macro[7])
{
    char av = eff(c, V4_AV), pr = eff(c, V4_PR), ui = eff(c, V4_UI);
    char vc = eff(c, V4_VC), vi = eff(c, V4_VI), va = eff(c, V4_VA);
    char e = eff(c, V4_E);
    int eq1, eq2, eq3, eq4, eq5, eq6;
    double value, s_eq1, s_eq2, s_eq3eq6, s_eq4, s_eq5;
    double dist[L_COUNT] = {0};
    double d_eq1, d_eq2, d_eq3eq6, d_eq4, n_eq1 = 0, n_eq2 = 0, n_eq3eq6 = 0, n_eq4 = 0, n_eq5 = 0;
    double mean;
    int n_lower = 0;
    bool found = false;

    /* Tables 24-29 of the specification. */
    if (av == 'N' && pr == 'N' && ui == 'N')
        eq1 = 0;
    else if ((av == 'N' || pr == 'N' || ui == 'N') && av != 'P')
        eq1 = 1;
    else
        eq1 = 2;
    eq2 = eff(c, V4_AC) == 'L' && eff(c, V4_AT) == 'N' ? 0 : 1;
    if (vc == 'H' && vi == 'H')
        eq3 = 0;
    else if (vc == 'H' || vi == 'H' || va == 'H')
        eq3 = 1;
    else
        eq3 = 2;
    if (raw(c, V4_MSI) == 'S' || raw(c, V4_MSA) == 'S')
        eq4 = 0;
    else if (eff(c, V4_SC) == 'H' || eff(c, V4_SI) == 'H' || eff(c, V4_SA) == 'H')
        eq4 = 1;
    else
        eq4 = 2;
    eq5 = e == 'A' ? 0 : e == 'P' ? 1 : 2;
    eq6 = (eff(c, V4_CR) == 'H' && vc == 'H') || (eff(c, V4_IR) == 'H' && vi == 'H') ||
                  (eff(c, V4_AR) == 'H' && va == 'H')
              ? 0
              : 1;
    macro[0] = (char)('0' + eq1);
    macro[1] = (char)('0' + eq2);
    macro[2] = (char)('0' + eq3);
    macro[3] = (char)('0' + eq4);
    macro[4] = (char)('0' + eq5);
    macro[5] = (char)('0' + eq6);
    macro[6] = '\0';

    /* No impact on either system: 0 whatever the rest says. */
    if (vc == 'N' && vi == 'N' && va == 'N' && eff(c, V4_SC) == 'N' && eff(c, V4_SI) == 'N' &&
        eff(c, V4_SA) == 'N')
        return 0.0;

    value = macro_score(eq1, eq2, eq3, eq4, eq5, eq6);
    /* 1a. The score of the next lower MacroVector of each EQ (NaN if none). */
    s_eq1 = macro_score(eq1 + 1, eq2, eq3, eq4, eq5, eq6);
    s_eq2 = macro_score(eq1, eq2 + 1, eq3, eq4, eq5, eq6);
    if (eq3 == 0 && eq6 == 0) /* two ways down: 00 -> 01 and 00 -> 10; take the higher */
        s_eq3eq6 = fmax(macro_score(eq1, eq2, eq3, eq4, eq5, eq6 + 1),
                        macro_score(eq1, eq2, eq3 + 1, eq4, eq5, eq6));
    else if (eq3 == 1 && eq6 == 0) /* 10 -> 11 */
        s_eq3eq6 = macro_score(eq1, eq2, eq3, eq4, eq5, eq6 + 1);
    else if (eq3 == 2) /* 21 -> 32 does not exist */
        s_eq3eq6 = NAN;
    else /* 01 -> 11, 11 -> 21 */
        s_eq3eq6 = macro_score(eq1, eq2, eq3 + 1, eq4, eq5, eq6);
    s_eq4 = macro_score(eq1, eq2, eq3, eq4 + 1, eq5, eq6);
    s_eq5 = macro_score(eq1, eq2, eq3, eq4, eq5 + 1, eq6);

    /* 1b. Severity distance from the first highest-severity vector of the */
    /* MacroVector that is at least as severe as this one in every metric. */
    for (unsigned i1 = 0; i1 < 3 && !found && max_eq1[eq1][i1]; i1++)
        for (unsigned i2 = 0; i2 < 2 && !found && max_eq2[eq2][i2]; i2++)
            for (unsigned i3 = 0; i3 < 5 && !found && max_eq3eq6[eq3][eq6][i3]; i3++) {
                const char *parts[5] = {max_eq1[eq1][i1], max_eq2[eq2][i2],
                                        max_eq3eq6[eq3][eq6][i3], max_eq4[eq4], max_eq5[eq5]};
                bool dominates = true;

                for (unsigned l = 0; l < L_COUNT; l++) {
                    char mv = '?';

                    for (unsigned p = 0; p < 5 && mv == '?'; p++)
                        mv = part_value(parts[p], level_names[l]);
                    dist[l] = level(l, eff(c, level_metric[l])) - level(l, mv);
                    if (dist[l] < 0)
                        dominates = false;
                }
                found = dominates;
            }
    d_eq1 = dist[L_AV] + dist[L_PR] + dist[L_UI];
    d_eq2 = dist[L_AC] + dist[L_AT];
    d_eq3eq6 = dist[L_VC] + dist[L_VI] + dist[L_VA] + dist[L_CR] + dist[L_IR] + dist[L_AR];
    d_eq4 = dist[L_SC] + dist[L_SI] + dist[L_SA];

    /* 1c-d. Proportion of the depth, times the maximal scoring difference. */
    if (!isnan(value - s_eq1)) {
        n_lower++;
        n_eq1 = (value - s_eq1) * (d_eq1 / (max_severity_eq1[eq1] * 0.1));
    }
    if (!isnan(value - s_eq2)) {
        n_lower++;
        n_eq2 = (value - s_eq2) * (d_eq2 / (max_severity_eq2[eq2] * 0.1));
    }
    if (!isnan(value - s_eq3eq6)) {
        n_lower++;
        n_eq3eq6 = (value - s_eq3eq6) * (d_eq3eq6 / (max_severity_eq3eq6[eq3][eq6] * 0.1));
    }
    if (!isnan(value - s_eq4)) {
        n_lower++;
        n_eq4 = (value - s_eq4) * (d_eq4 / (max_severity_eq4[eq4] * 0.1));
    }
    if (!isnan(value - s_eq5)) { /* EQ5 has no depth: its proportion is always 0 */
        n_lower++;
        n_eq5 = (value - s_eq5) * 0.0;
    }
    /* 2. The mean of the proportional distances; 3. subtract and round. */
    mean = n_lower == 0 ? 0.0 : (n_eq1 + n_eq2 + n_eq3eq6 + n_eq4 + n_eq5) / n_lower;
    value -= mean;
    if (value < 0.0)
        value = 0.0;
    if (value > 10.0)
        value = 10.0;
    /* The calculator lifts by 10^-6 so that values one floating-point step */
    /* below an x.x5 tie still round half up (MANIFEST.md "cvss/").          */
    return js_round((value + 1e-6) * 10.0) / 10.0;
}
