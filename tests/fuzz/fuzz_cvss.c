/*
 * fuzz_cvss.c: libFuzzer target for the CVSS parser. Any input must be
 * parsed or rejected without a crash; a parsed vector must score inside
 * [0, 10], format to a string that parses back to the same metrics, and
 * survive every metric being set to every value of its table.
 */
#include "cvss/cvss.h"

#include <string.h>

#include "base/banned.h"

static void
check_scores(const struct ks_cvss *c)
{
    struct ks_cvss_scores s;

    ks_cvss_score(c, &s);
    if (!(s.base >= 0.0 && s.base <= 10.0 && s.score >= 0.0 && s.score <= 10.0 &&
          s.temporal >= 0.0 && s.temporal <= 10.0 && s.environmental >= 0.0 &&
          s.environmental <= 10.0))
        KS_BUG("cvss: score out of range");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_cvss c, again;
    struct ks_err err = KS_ERR_INIT;
    struct ks_buf b = KS_BUF_INIT(4096);

    if (ks_cvss_parse(ks_str_make((const char *)data, size), &c, &err) != KS_OK) {
        if (err.msg[0] == '\0')
            KS_BUG("cvss: rejection without a message");
        return 0;
    }
    check_scores(&c);
    ks_cvss_format(&c, &b);
    if (ks_buf_err(&b) != KS_OK || ks_cvss_parse(ks_buf_str(&b), &again, &err) != KS_OK ||
        memcmp(&c, &again, sizeof(c)) != 0)
        KS_BUG("cvss: format/parse round trip failed for '%s'", b.data);
    ks_buf_release(&b);
    /* Environmental adjustments as the risk scorer makes them. */
    if (size > 0) {
        static const char *const metrics[] = {"MAV", "E", "CR", "MSI", "RL", "CDP", "AV"};
        static const char *const values[] = {"A", "X", "ND", "H", "S", "U", "L", "Q"};

        if (ks_cvss_set_metric(&c, metrics[data[0] % 7], values[(data[0] >> 3) % 8], &err) ==
            KS_OK)
            check_scores(&c);
    }
    return 0;
}
