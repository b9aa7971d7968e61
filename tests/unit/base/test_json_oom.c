/*
 * test_json_oom.c: ks_json_parse reports an allocation failure as KS_ENOMEM
 * (jansson itself reports most of them as syntax errors), for every
 * allocation of a small document.
 */
#include "test.h"

#include <jansson.h>

static void
test_parse_oom(void)
{
    const char *s = "{\"a\":\"bbbb\",\"c\":[1,2,{\"d\":null}]}";
    bool done = false;

    for (size_t n = 1; n < 200 && !done; n++) {
        struct ks_err err = KS_ERR_INIT;
        json_t *j = NULL;
        enum ks_code rc;

        ks_alloc_fail_at(n);
        rc = ks_json_parse(s, strlen(s), "doc", &j, &err);
        ks_alloc_fail_at(0);
        CHECK_MSG(rc == KS_OK || rc == KS_ENOMEM, "fail at %zu: %s (%s)", n, ks_code_name(rc),
                  err.msg);
        done = rc == KS_OK;
        json_decref(j);
    }
    CHECK(done);
    /* a real syntax error is still one */
    {
        struct ks_err err = KS_ERR_INIT;
        json_t *j = NULL;

        CHECK_INT(ks_json_parse("{\"a\":", 5, "doc", &j, &err), KS_EPARSE);
    }
}

KS_TEST_MAIN(KS_TEST(test_parse_oom))
