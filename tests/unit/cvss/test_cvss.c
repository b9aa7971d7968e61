/*
 * test_cvss.c: the CVSS module against FIRST's published examples (the v2.0
 * guide's worked examples, the v3.0/v3.1 example documents' base scores, the
 * v4.0 specification's valid and invalid vectors and all 270 MacroVector
 * vectors of FIRST's calculator test data), plus parser errors, formatting,
 * metric get/set and the severity scale.
 */
#include "cvss/cvss.h"
#include "test.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

static bool
near(double a, double b)
{
    return fabs(a - b) < 1e-9;
}

static void
scores_of(const char *vector, struct ks_cvss_scores *s)
{
    struct ks_cvss c;
    struct ks_err err = KS_ERR_INIT;

    memset(s, 0, sizeof(*s));
    if (ks_cvss_parse(ks_str_c(vector), &c, &err) != KS_OK) {
        ks_test_fail(__FILE__, __LINE__, "parse '%s': %s", vector, err.msg);
        return;
    }
    ks_cvss_score(&c, s);
}

#define CHECK_SCORE(got, want, vec)                                                                \
    CHECK_MSG(near((got), (want)), "%s: %s = %.1f, want %.1f", (vec), #got, (got), (double)(want))

/* "A Complete Guide to the CVSS Version 2.0", section 3.3 worked examples. */
static void
test_v2_guide_examples(void)
{
    static const struct {
        const char *vec;
        double base, temporal, env, impact, expl;
    } cases[] = {
        /* 3.3.1 CVE-2002-0392 (Apache chunked encoding): 9.15 must round to 9.2 */
        {"AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H", 7.8, 6.4, 9.2,
         6.9, 10.0},
        /* 3.3.2 CVE-2003-0818 (Microsoft Windows ASN.1) */
        {"AV:N/AC:L/Au:N/C:C/I:C/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:L", 10.0, 8.3, 9.0,
         10.0, 10.0},
        /* 3.3.3 CVE-2003-0062 (NOD32): 7.45 must round to 7.5 */
        {"AV:L/AC:H/Au:N/C:C/I:C/A:C/E:POC/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:M", 6.2, 4.9, 7.5,
         10.0, 1.9},
        /* base only: temporal = base; environmental computed with ND everywhere */
        {"AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5, 7.5, 7.5, 6.4, 10.0},
        {"AV:N/AC:L/Au:N/C:N/I:N/A:N", 0.0, 0.0, 0.0, 0.0, 10.0},
        {"AV:N/AC:M/Au:N/C:N/I:P/A:N/E:ND/RL:ND/RC:ND/CDP:ND/TD:ND/CR:ND/IR:ND/AR:ND", 4.3, 4.3,
         4.3, 2.9, 8.6},
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct ks_cvss_scores s;

        scores_of(cases[i].vec, &s);
        CHECK_SCORE(s.base, cases[i].base, cases[i].vec);
        CHECK_SCORE(s.temporal, cases[i].temporal, cases[i].vec);
        CHECK_SCORE(s.environmental, cases[i].env, cases[i].vec);
        CHECK_SCORE(s.impact, cases[i].impact, cases[i].vec);
        CHECK_SCORE(s.exploitability, cases[i].expl, cases[i].vec);
    }
}

/* Base scores of the CVSS v3.0 and v3.1 example documents (same vectors in both). */
static void
test_v3_examples(void)
{
    static const struct {
        const char *metrics;
        double base, env31;
    } cases[] = {
        {"AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1, 6.1}, /* CVE-2013-1937 phpMyAdmin XSS */
        {"AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4, 6.4}, /* CVE-2013-0375 MySQL */
        {"AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1, 3.1}, /* CVE-2014-3566 POODLE */
        /* CVE-2012-1516 VMware. v3.1 changed the Modified Impact of a changed scope, so the
         * environmental score with nothing defined is 10.0 in v3.1 but 9.9 in v3.0. */
        {"AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9, 10.0},
        {"AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 4.2, 4.2}, /* CVE-2009-0783 Tomcat */
        {"AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8, 8.8}, /* CVE-2012-0384 Cisco IOS */
        {"AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8, 7.8}, /* CVE-2015-1098 Apple iWork */
        {"AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5, 7.5}, /* CVE-2014-0160 Heartbleed */
        {"AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8, 9.8}, /* CVE-2014-6271 Shellshock */
        {"AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N", 6.8, 6.8}, /* CVE-2008-1447 DNS */
        {"AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8, 6.8}, /* CVE-2014-2005 Sophos */
        {"AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8, 5.8}, /* CVE-2010-0467 Joomla */
        {"AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H", 9.3, 9.3}, /* CVE-2013-6014 Juniper */
        {"AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.5, 7.5}, /* CVE-2016-0128 Badlock */
    };
    char vec[128];

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        for (int minor = 0; minor <= 1; minor++) {
            struct ks_cvss_scores s;

            snprintf(vec, sizeof(vec), "CVSS:3.%d/%s", minor, cases[i].metrics);
            scores_of(vec, &s);
            CHECK_SCORE(s.base, cases[i].base, vec);
            /* No temporal or environmental metric defined. */
            CHECK_SCORE(s.temporal, cases[i].base, vec);
            CHECK_SCORE(s.environmental, minor ? cases[i].env31 : cases[i].base, vec);
            CHECK_SCORE(s.score, cases[i].base, vec);
        }
    }
}

/*
 * Temporal and environmental v3 scores (values cross-checked with
 * tests/integration/cvss_ref.py's exact-decimal calculator), including where v3.0 and v3.1
 * differ: the changed-scope Modified Impact formula.
 */
static void
test_v3_temporal_environmental(void)
{
    static const struct {
        const char *vec;
        double base, temporal, env, impact, expl;
    } cases[] = {
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:C", 9.8, 8.5, 8.5, 5.9, 3.9},
        /* a CNA published 6.8 as the base score here: that is the temporal score */
        {"CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H/E:U/RL:O/RC:C", 7.8, 6.8, 6.8, 5.9, 1.8},
        {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N/E:F/RL:O/RC:C/CR:L/IR:M/AR:H/MAV:A/MAC:H/"
         "MPR:L/MUI:R/MS:U/MC:L/MI:H/MA:N",
         8.6, 8.0, 4.5, 4.0, 3.9},
        {"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:N/E:F/RL:O/RC:C/CR:L/IR:M/AR:H/MAV:A/MAC:H/"
         "MPR:L/MUI:R/MS:U/MC:L/MI:H/MA:N",
         8.6, 8.0, 4.5, 4.0, 3.9},
        /* changed modified scope, high requirements: the MISS cap and v3.0/v3.1 formulas */
        {"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/CR:H/IR:H/AR:H/MS:C", 8.8, 8.8, 10.0, 5.9,
         2.8},
        {"CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/CR:H/IR:H/AR:H/MS:C", 8.8, 8.8, 9.9, 5.9,
         2.8},
        {"CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N/MS:C/MC:L", 1.8, 1.8, 2.3, 1.4, 0.3},
        {"CVSS:3.0/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N/MS:C/MC:L", 1.8, 1.8, 2.3, 1.4, 0.3},
        /* no impact with a changed scope: negative Impact, NVD shows 0.0 */
        {"CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:C/C:N/I:N/A:N", 0.0, 0.0, 0.0, 0.0, 1.8},
        /* any order is valid in v3.x (v3.1 section 6 example) */
        {"CVSS:3.1/S:U/AV:N/AC:L/PR:H/UI:N/C:L/I:L/A:N/E:F/RL:X", 3.8, 3.7, 3.7, 2.5, 1.2},
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct ks_cvss_scores s;

        scores_of(cases[i].vec, &s);
        CHECK_SCORE(s.base, cases[i].base, cases[i].vec);
        CHECK_SCORE(s.temporal, cases[i].temporal, cases[i].vec);
        CHECK_SCORE(s.environmental, cases[i].env, cases[i].vec);
        CHECK_SCORE(s.impact, cases[i].impact, cases[i].vec);
        CHECK_SCORE(s.exploitability, cases[i].expl, cases[i].vec);
    }
}

/* CVSS v4.0 specification section 7 and FIRST's calculator documentation. */
static void
test_v4_examples(void)
{
    static const struct {
        const char *vec;
        double base, score;
        const char *nomenclature, *macro;
    } cases[] = {
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N", 5.1, 5.1, "CVSS-B",
         "102201"},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N/E:A", 5.1, 5.1,
         "CVSS-BT", "102201"},
        {"CVSS:4.0/AV:A/AC:H/AT:P/PR:L/UI:P/VC:H/VI:H/VA:H/SC:L/SI:L/SA:L/E:P", 5.4, 4.5,
         "CVSS-BT", "210210"},
        {"CVSS:4.0/AV:L/AC:H/AT:N/PR:N/UI:A/VC:N/VI:N/VA:L/SC:H/SI:H/SA:H/CR:H/IR:H/AR:M/MAV:N/"
         "MAC:L/MAT:P/MPR:L/MUI:A/MVC:N/MVI:H/MVA:L/MSC:L/MSI:S/MSA:H",
         5.0, 8.5, "CVSS-BE", "111000"},
        {"CVSS:4.0/AV:P/AC:H/AT:P/PR:L/UI:P/VC:H/VI:H/VA:H/SC:L/SI:L/SA:L/E:A/S:P/AU:Y/R:A/V:D/"
         "RE:L/U:Red",
         5.4, 5.4, "CVSS-BT", "210200"},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N/E:U/CR:L/IR:X/AR:L/"
         "MAV:A/MAC:H/MAT:N/MPR:N/MUI:P/MVC:X/MVI:N/MVA:H/MSC:N/MSI:L/MSA:S/S:N/AU:N/R:I/V:C/RE:H/"
         "U:Green",
         5.1, 4.2, "CVSS-BTE", "111021"},
        /* cvss40.js's own example */
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:L/SC:N/SI:N/SA:N/E:A/MAV:A", 9.3, 8.7,
         "CVSS-BTE", "100200"},
        /* MANIFEST.md: interpolation lands one float step below 8.55; EPSILON rounds it up */
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H", 8.6, 8.6, "CVSS-B",
         "101100"},
        /* raw 5.65 (two CNAs published 5.6 from a calculator without the EPSILON lift) */
        {"CVSS:4.0/AV:L/AC:H/AT:N/PR:H/UI:N/VC:N/VI:H/VA:L/SC:N/SI:N/SA:N", 5.7, 5.7, "CVSS-B",
         "111200"},
        /* no impact anywhere: 0 */
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:A/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N", 0.0, 0.0, "CVSS-B",
         "102201"},
        /* explicit X is Not Defined: still CVSS-B */
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:X/CR:X/MAV:X/U:X", 9.3,
         9.3, "CVSS-B", "000200"},
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct ks_cvss_scores s;

        scores_of(cases[i].vec, &s);
        CHECK_SCORE(s.base, cases[i].base, cases[i].vec);
        CHECK_SCORE(s.score, cases[i].score, cases[i].vec);
        CHECK_STR(s.nomenclature, cases[i].nomenclature);
        CHECK_STR(s.macro_vector, cases[i].macro);
    }
}

/* FIRST's cvss-resources vectorFiles/macro-scores: the highest vector of every MacroVector. */
static void
test_v4_first_macro_scores(void)
{
    const char *path = ks_test_data("cvss/first-v4-macro-scores.txt");
    struct ks_buf buf = KS_BUF_INIT((size_t)1 << 20);
    struct ks_err err = KS_ERR_INIT;
    struct ks_cur cur;
    struct ks_str line;
    int n = 0, lineno = 0;

    CHECK(path != NULL);
    if (path == NULL)
        return;
    CHECK_OK(ks_file_read(path, (size_t)1 << 20, &buf, &err));
    cur = ks_cur_make(buf.data, buf.len);
    while (ks_cur_line(&cur, 4096, &line) == KS_OK) {
        /* {'vector': 'CVSS:4.0/...', 'score': 9.8, 'severity': 'Critical'} */
        struct ks_str vec, rest, num, sev;
        struct ks_cvss c;
        struct ks_cvss_scores s;
        char numbuf[16], want_sev[16];
        size_t k;

        lineno++;
        if (line.len == 0)
            continue;
        CHECK(ks_str_split2(line, '\'', &vec, &rest) && ks_str_split2(rest, '\'', &vec, &rest) &&
              ks_str_split2(rest, '\'', &vec, &rest) && ks_str_split2(rest, '\'', &vec, &rest));
        CHECK(ks_str_split2(rest, ':', &num, &rest) && ks_str_split2(rest, ',', &num, &rest));
        CHECK(ks_str_split2(rest, '\'', &sev, &rest) && ks_str_split2(rest, '\'', &sev, &rest) &&
              ks_str_split2(rest, '\'', &sev, &rest) && ks_str_split2(rest, '\'', &sev, &rest));
        num = ks_str_trim(num);
        CHECK(num.len > 0 && num.len < sizeof(numbuf));
        memcpy(numbuf, num.ptr, KS_MIN(num.len, sizeof(numbuf) - 1));
        numbuf[KS_MIN(num.len, sizeof(numbuf) - 1)] = '\0';
        for (k = 0; k < sev.len && k + 1 < sizeof(want_sev); k++)
            want_sev[k] = (char)(sev.ptr[k] >= 'a' && sev.ptr[k] <= 'z' ? sev.ptr[k] - 32 : sev.ptr[k]);
        want_sev[k] = '\0';
        if (ks_cvss_parse(vec, &c, &err) != KS_OK) {
            ks_test_fail(__FILE__, __LINE__, "line %d: %s", lineno, err.msg);
            continue;
        }
        ks_cvss_score(&c, &s);
        CHECK_MSG(near(s.score, strtod(numbuf, NULL)), "line %d: " KS_STR_FMT ": %.1f, want %s",
                  lineno, KS_STR_ARG(vec), s.score, numbuf);
        CHECK_STR(ks_severity_name(s.severity), want_sev);
        n++;
    }
    CHECK_INT(n, 270);
    ks_buf_release(&buf);
}

static void
expect_error(const char *vec, enum ks_code code, const char *needle)
{
    struct ks_cvss c;
    struct ks_err err = KS_ERR_INIT;
    enum ks_code rc = ks_cvss_parse(ks_str_c(vec), &c, &err);

    CHECK_MSG(rc == code, "'%s': got %s, want %s", vec, ks_code_name(rc), ks_code_name(code));
    CHECK_MSG(strstr(err.msg, needle) != NULL, "'%s': message '%s' lacks '%s'", vec, err.msg,
              needle);
}

static void
test_parse_errors(void)
{
    char big[KS_CVSS_MAX_LEN + 8];

    /* v4.0 specification section 7, "invalid" examples */
    expect_error("CVSS:4.0/AV:F/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N", KS_EPARSE,
                 "'AV' has unknown value 'F'");
    expect_error("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:A/E:X",
                 KS_EPARSE, "'E' is given more than once");
    expect_error("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/ui:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N", KS_EPARSE,
                 "unknown metric 'ui'");
    expect_error("AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/VA:N/SC:N/SI:N/SA:N", KS_EPARSE,
                 "unknown metric 'AT'");
    expect_error("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:L/SC:N/SI:N/SA:N", KS_EPARSE,
                 "mandatory metric 'VA' is missing");
    expect_error("CVSS:4.0/AC:L/AV:N/PR:H/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N/CR:L/IR:X/AR:L/RE:H/"
                 "MAV:A/MAC:H/MAT:N/MPR:N/MUI:P/AT:N/MVC:X/MVI:N/MVA:H/MSC:N/MSI:L/MSA:S/E:U/S:N/"
                 "AU:N/R:I/V:C/U:Green",
                 KS_EPARSE, "'AV' is out of order");
    /* prefixes */
    expect_error("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", KS_EPARSE, "CVSS v2 vectors have no prefix");
    expect_error("CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", KS_EPARSE, "unknown version");
    expect_error("cvss:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", KS_EPARSE, "unknown metric 'cvss'");
    expect_error("CVSS:3.1", KS_EPARSE, "not followed by '/'");
    expect_error("(AV:N/AC:L/Au:N/C:P/I:P/A:P)", KS_EPARSE, "unknown metric '(AV'");
    expect_error("", KS_EPARSE, "empty vector");
    /* structure */
    expect_error("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/", KS_EPARSE, "trailing '/'");
    expect_error("CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", KS_EPARSE, "empty metric");
    expect_error("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H ", KS_EPARSE,
                 "'A' has unknown value 'H '");
    expect_error("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Hx", KS_EPARSE, "'A' has unknown value");
    expect_error("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A", KS_EPARSE, "'A' at offset");
    expect_error("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", KS_EPARSE,
                 "mandatory metric 'A' is missing");
    expect_error("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:N", KS_EPARSE,
                 "'AV' is given more than once");
    expect_error("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/MSI:S", KS_EPARSE,
                 "unknown metric 'MSI'");
    expect_error("CVSS:3.1/AV:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", KS_EPARSE,
                 "'AV' has unknown value 'n'");
    expect_error("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N", KS_EPARSE,
                 "'SI' has unknown value 'S'");
    /* v2: the guide's predetermined order, ND not X */
    expect_error("AC:L/AV:N/Au:N/C:P/I:P/A:P", KS_EPARSE, "'AV' is out of order");
    expect_error("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:X", KS_EPARSE, "'E' has unknown value 'X'");
    expect_error("AV:N/AC:L/Au:N/C:P/I:P/A:P/AR:H/CR:M", KS_EPARSE, "'CR' is out of order");
    /* limits and bytes that must not reach the message raw */
    memset(big, 'A', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    expect_error(big, KS_ETOOBIG, "over the limit");
    expect_error("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/\x01\xff:H", KS_EPARSE,
                 "unknown metric '?" "?'");
}

static void
test_parse_accepts(void)
{
    static const char *const ok[] = {
        "AV:N/AC:L/Au:N/C:P/I:P/A:P/E:ND/RL:ND/RC:ND/CDP:ND/TD:ND/CR:ND/IR:ND/AR:ND",
        "AV:N/AC:L/Au:N/C:P/I:P/A:P/CDP:LM",
        "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X/RL:X/RC:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/"
        "MPR:X/MUI:X/MS:X/MC:X/MI:X/MA:X",
        "CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:X/CR:X/IR:X/AR:X/MAV:X/"
        "MAC:X/MAT:X/MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:X/MSA:X/S:X/AU:X/R:X/V:X/RE:X/U:X",
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/U:Amber",
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(ok); i++) {
        struct ks_cvss c;
        struct ks_err err = KS_ERR_INIT;

        CHECK_MSG(ks_cvss_parse(ks_str_c(ok[i]), &c, &err) == KS_OK, "'%s': %s", ok[i], err.msg);
    }
}

static void
test_format_round_trip(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N/E:X",
         "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
        {"CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/MAV:L/E:P",
         "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/MAV:L"},
        {"AV:N/AC:L/Au:N/C:P/I:P/A:P/E:ND/RL:OF", "AV:N/AC:L/Au:N/C:P/I:P/A:P/RL:OF"},
        {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N/E:P/CR:X/U:X",
         "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N/E:P"},
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct ks_cvss c, c2;
        struct ks_buf b = KS_BUF_INIT(1024);
        struct ks_err err = KS_ERR_INIT;

        CHECK_OK(ks_cvss_parse(ks_str_c(cases[i].in), &c, &err));
        ks_cvss_format(&c, &b);
        CHECK_STR(b.data, cases[i].out);
        CHECK_OK(ks_cvss_parse(ks_buf_str(&b), &c2, &err));
        CHECK(memcmp(&c, &c2, sizeof(c)) == 0);
        ks_buf_release(&b);
    }
}

static void
test_set_get_metric(void)
{
    struct ks_cvss c;
    struct ks_cvss_scores s;
    struct ks_err err = KS_ERR_INIT;

    CHECK_OK(ks_cvss_parse(KS_STR("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), &c, &err));
    CHECK_STR(ks_cvss_get_metric(&c, "AV"), "N");
    CHECK_STR(ks_cvss_get_metric(&c, "MAV"), "X");
    CHECK(ks_cvss_get_metric(&c, "MSI") == NULL);
    /* The risk scorer's adjustment: no path from the internet -> MAV:A. */
    CHECK_OK(ks_cvss_set_metric(&c, "MAV", "A", &err));
    ks_cvss_score(&c, &s);
    CHECK_SCORE(s.base, 9.8, "MAV:A");
    CHECK_SCORE(s.environmental, 8.8, "MAV:A");
    CHECK_SCORE(s.score, 8.8, "MAV:A");
    CHECK_OK(ks_cvss_set_metric(&c, "MAV", "X", &err));
    ks_cvss_score(&c, &s);
    CHECK_SCORE(s.score, 9.8, "MAV:X");
    CHECK_INT(ks_cvss_set_metric(&c, "MAV", "Q", &err), KS_EINVAL);
    CHECK(strstr(err.msg, "'MAV' has no value 'Q'") != NULL);
    CHECK_INT(ks_cvss_set_metric(&c, "AV", "X", &err), KS_EINVAL);
    CHECK_INT(ks_cvss_set_metric(&c, "MSI", "S", &err), KS_EINVAL);
    CHECK_STR(ks_cvss_get_metric(&c, "AV"), "N");

    CHECK_OK(ks_cvss_parse(KS_STR("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"),
                           &c, &err));
    CHECK_OK(ks_cvss_set_metric(&c, "E", "A", &err)); /* CISA KEV: attacked */
    ks_cvss_score(&c, &s);
    CHECK_STR(s.nomenclature, "CVSS-BT");
    CHECK_SCORE(s.score, 9.3, "E:A");
    CHECK_OK(ks_cvss_set_metric(&c, "E", "U", &err));
    ks_cvss_score(&c, &s);
    CHECK_SCORE(s.score, 8.1, "E:U");
    CHECK_SCORE(s.base, 9.3, "E:U base");

    CHECK_OK(ks_cvss_parse(KS_STR("AV:N/AC:L/Au:N/C:P/I:P/A:P"), &c, &err));
    CHECK_OK(ks_cvss_set_metric(&c, "E", "POC", &err));
    CHECK_STR(ks_cvss_get_metric(&c, "E"), "POC");
    CHECK_OK(ks_cvss_set_metric(&c, "E", "ND", &err));
    CHECK_STR(ks_cvss_get_metric(&c, "E"), "ND");
}

static void
test_severity(void)
{
    static const struct {
        double score;
        enum ks_severity want, want_v2;
    } cases[] = {
        {0.0, KS_SEV_NONE, KS_SEV_LOW},       {0.1, KS_SEV_LOW, KS_SEV_LOW},
        {3.9, KS_SEV_LOW, KS_SEV_LOW},        {4.0, KS_SEV_MEDIUM, KS_SEV_MEDIUM},
        {6.9, KS_SEV_MEDIUM, KS_SEV_MEDIUM},  {7.0, KS_SEV_HIGH, KS_SEV_HIGH},
        {8.9, KS_SEV_HIGH, KS_SEV_HIGH},      {9.0, KS_SEV_CRITICAL, KS_SEV_HIGH},
        {10.0, KS_SEV_CRITICAL, KS_SEV_HIGH},
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        CHECK_INT(ks_severity_from_score(cases[i].score), cases[i].want);
        CHECK_INT(ks_severity_from_v2_score(cases[i].score), cases[i].want_v2);
    }
    CHECK_STR(ks_severity_name(KS_SEV_NONE), "NONE");
    CHECK_STR(ks_severity_name(KS_SEV_CRITICAL), "CRITICAL");
    CHECK_STR(ks_cvss_version_name(KS_CVSS_V30), "3.0");
}

/* Scoring shares no state: the same answers from four threads at once. */
static void *
score_many(void *arg)
{
    static const char *const vecs[] = {
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:P/VC:H/VI:L/VA:N/SC:H/SI:H/SA:H",
        "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H",
        "AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H",
    };
    static const double want[] = {8.6, 9.9, 9.2};
    int *bad = arg;

    for (int n = 0; n < 3000; n++) {
        struct ks_cvss c;
        struct ks_cvss_scores s;

        if (ks_cvss_parse(ks_str_c(vecs[n % 3]), &c, NULL) != KS_OK)
            (*bad)++;
        ks_cvss_score(&c, &s);
        if (!near(s.score, want[n % 3]))
            (*bad)++;
    }
    return NULL;
}

static void
test_threads(void)
{
    pthread_t t[4];
    int bad[4] = {0};

    for (int i = 0; i < 4; i++)
        CHECK_INT(pthread_create(&t[i], NULL, score_many, &bad[i]), 0);
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        CHECK_INT(bad[i], 0);
    }
}

KS_TEST_MAIN(KS_TEST(test_v2_guide_examples), KS_TEST(test_v3_examples),
             KS_TEST(test_v3_temporal_environmental), KS_TEST(test_v4_examples),
             KS_TEST(test_v4_first_macro_scores), KS_TEST(test_parse_errors),
             KS_TEST(test_parse_accepts), KS_TEST(test_format_round_trip),
             KS_TEST(test_set_get_metric), KS_TEST(test_severity), KS_TEST(test_threads))
