/*
 * test_score.c: vector choice (distro first for OS packages, NVD Primary
 * before Secondary, v3.1 before v4.0 before v2), severities from scores and
 * vendor words, and every adjustment with its reason and effect.
 */
#include "test.h"

#include <string.h>

#include "score/score.h"

static void
test_severity_table(void)
{
    CHECK_INT(ks_rsev_from_score(0.0), KS_RSEV_INFORMATIONAL);
    CHECK_INT(ks_rsev_from_score(0.1), KS_RSEV_LOW);
    CHECK_INT(ks_rsev_from_score(3.9), KS_RSEV_LOW);
    CHECK_INT(ks_rsev_from_score(4.0), KS_RSEV_MEDIUM);
    CHECK_INT(ks_rsev_from_score(6.9), KS_RSEV_MEDIUM);
    CHECK_INT(ks_rsev_from_score(7.0), KS_RSEV_HIGH);
    CHECK_INT(ks_rsev_from_score(8.9), KS_RSEV_HIGH);
    CHECK_INT(ks_rsev_from_score(9.0), KS_RSEV_CRITICAL);
    CHECK_INT(ks_rsev_from_score(10.0), KS_RSEV_CRITICAL);
    CHECK_INT(ks_rsev_from_word("important"), KS_RSEV_HIGH);
    CHECK_INT(ks_rsev_from_word("MODERATE"), KS_RSEV_MEDIUM);
    CHECK_INT(ks_rsev_from_word("low**"), KS_RSEV_LOW);
    CHECK_INT(ks_rsev_from_word("unimportant"), KS_RSEV_INFORMATIONAL);
    CHECK_INT(ks_rsev_from_word("whatever"), KS_RSEV_UNTRIAGED);
    CHECK_INT(ks_rsev_from_word(NULL), KS_RSEV_UNTRIAGED);
    {
        enum ks_rsev s;

        CHECK_OK(ks_rsev_parse(KS_STR("high"), &s));
        CHECK_INT(s, KS_RSEV_HIGH);
        CHECK_INT(ks_rsev_parse(KS_STR("severe"), &s), KS_EINVAL);
    }
}

static const char v31_crit[] = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"; /* 9.8 */
static const char v31_med[] = "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:L";  /* 5.3 */
static const char v40[] = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
static const char v2[] = "AV:N/AC:L/Au:N/C:P/I:P/A:P"; /* 7.5 */

static void
test_choice(void)
{
    struct ks_score_cvss c[4];
    struct ks_score_input in;
    struct ks_score_result r;

    /* OS package: the distribution's vector wins over NVD's. */
    memset(c, 0, sizeof(c));
    memset(&in, 0, sizeof(in));
    c[0] = (struct ks_score_cvss){.origin = KS_ORIGIN_NVD, .source = "NVD", .vector = v31_crit,
                                  .primary = true};
    c[1] = (struct ks_score_cvss){.origin = KS_ORIGIN_VENDOR, .source = "REDHAT", .vector = v31_med};
    in.cvss = c;
    in.n_cvss = 2;
    in.is_os = true;
    ks_score_compute(&in, NULL, &r);
    CHECK(r.chosen == &c[1]);
    CHECK_INT(r.severity, KS_RSEV_MEDIUM);
    /* The same for a language package: the vendor's vector does not apply. */
    in.is_os = false;
    ks_score_compute(&in, NULL, &r);
    CHECK(r.chosen == &c[0]);
    CHECK_INT(r.severity, KS_RSEV_CRITICAL);

    /* NVD Primary before Secondary; v3.1 before v4.0 before v2. */
    memset(c, 0, sizeof(c));
    c[0] = (struct ks_score_cvss){.origin = KS_ORIGIN_NVD, .source = "NVD", .vector = v40};
    c[1] = (struct ks_score_cvss){.origin = KS_ORIGIN_NVD, .source = "NVD", .vector = v2,
                                  .primary = true};
    c[2] = (struct ks_score_cvss){.origin = KS_ORIGIN_NVD, .source = "NVD", .vector = v31_med};
    in.n_cvss = 3;
    ks_score_compute(&in, NULL, &r);
    CHECK(r.chosen == &c[1]); /* the Primary one, even though v2 */
    c[1].primary = false;
    ks_score_compute(&in, NULL, &r);
    CHECK(r.chosen == &c[2]); /* v3.1 */
    c[2].vector = "not a vector";
    ks_score_compute(&in, NULL, &r);
    CHECK(r.chosen == &c[0]); /* v4.0 before v2.0 */
    CHECK(!c[2].valid);

    /* Nothing valid: the vendor's word, else UNTRIAGED. */
    in.n_cvss = 0;
    in.vendor_severity = "important";
    ks_score_compute(&in, NULL, &r);
    CHECK(r.chosen == NULL && r.severity == KS_RSEV_HIGH && r.severity_from_vendor);
    in.vendor_severity = NULL;
    ks_score_compute(&in, NULL, &r);
    CHECK(r.chosen == NULL && r.severity == KS_RSEV_UNTRIAGED && !r.severity_from_vendor);
}

static bool
has_adj(const struct ks_score_result *r, const char *metric, const char *needle)
{
    for (size_t i = 0; i < r->n_adj; i++)
        if (strcmp(r->adj[i].metric, metric) == 0 && strstr(r->adj[i].reason, needle) != NULL)
            return true;
    return false;
}

static void
test_adjustments(void)
{
    struct ks_score_cvss c;
    struct ks_score_input in;
    struct ks_score_result r;
    struct ks_score_context ctx = {.exposure = KS_EXPOSURE_NONE,
                                   .exposure_reason = "no open path from the internet"};

    memset(&c, 0, sizeof(c));
    memset(&in, 0, sizeof(in));
    c = (struct ks_score_cvss){.origin = KS_ORIGIN_NVD, .source = "NVD", .vector = v31_crit};
    in.cvss = &c;
    in.n_cvss = 1;

    /* KEV: maturity High, fix available: RL:O; severity stays the base's. */
    in.in_kev = true;
    in.kev_date_added = "2021-12-10";
    in.fix = KS_FIX_YES;
    in.fixed_version = "2.15.0";
    ks_score_compute(&in, NULL, &r);
    CHECK_INT(r.severity, KS_RSEV_CRITICAL);
    CHECK(has_adj(&r, "E", "CISA KEV since 2021-12-10"));
    CHECK(has_adj(&r, "RL", "2.15.0"));
    CHECK(strstr(r.vector, "/E:H") != NULL && strstr(r.vector, "/RL:O") != NULL);
    CHECK(r.score == 9.4); /* 9.8 x 1.0 x 0.95, rounded up */

    /* Low EPSS and no fix: unproven, unavailable. */
    in.in_kev = false;
    in.has_epss = true;
    in.epss_score = 0.0004;
    in.epss_percentile = 0.10;
    in.fix = KS_FIX_NO;
    ks_score_compute(&in, NULL, &r);
    CHECK(has_adj(&r, "E", "unlikely"));
    CHECK(has_adj(&r, "RL", "no fixed version"));
    CHECK(r.score == 9.0); /* 9.8 x 0.91 */
    CHECK_INT(r.severity, KS_RSEV_CRITICAL);

    /* High EPSS never lowers a v3 score. */
    in.epss_percentile = 0.97;
    ks_score_compute(&in, NULL, &r);
    CHECK(has_adj(&r, "E", "likely"));
    CHECK(r.score == 9.8);

    /* No path from the internet: network becomes adjacent. */
    in.has_epss = false;
    ks_score_compute(&in, &ctx, &r);
    CHECK(has_adj(&r, "MAV", "no open path"));
    CHECK(strstr(r.vector, "MAV:A") != NULL);
    CHECK(r.score < 9.0);

    /* v4: KEV sets E:A, and remediation is not a v4 metric. */
    c.vector = v40;
    in.in_kev = true;
    in.fix = KS_FIX_YES;
    ks_score_compute(&in, NULL, &r);
    CHECK(strstr(r.vector, "/E:A") != NULL);
    CHECK(!has_adj(&r, "RL", ""));
    CHECK(r.score == r.base_score); /* E:X scores as A in v4 */

    /* v2: Exploitability and Remediation Level in v2's own values. */
    c.vector = v2;
    in.in_kev = false;
    in.has_epss = true;
    in.epss_percentile = 0.5;
    ks_score_compute(&in, &ctx, &r);
    CHECK(strstr(r.vector, "E:U") != NULL && strstr(r.vector, "RL:OF") != NULL);
    CHECK(!has_adj(&r, "MAV", "")); /* v2 has no modified attack vector */
}

KS_TEST_MAIN(KS_TEST(test_severity_table), KS_TEST(test_choice), KS_TEST(test_adjustments))
