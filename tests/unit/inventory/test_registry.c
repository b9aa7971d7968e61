/*
 * test_registry.c: the extractor table itself is well-formed (names
 * unique, OS database patterns canonical), and the checker refuses what
 * would let an OS database be read from a copy deeper in the tree.
 */
#include "test.h"

#include "inventory/inventory.h"

static enum ks_code
dummy(struct ks_extract_ctx *ctx, const struct ks_extract_input *in, struct ks_err *err)
{
    (void)ctx;
    (void)in;
    (void)err;
    return KS_OK;
}

static void
test_real_table(void)
{
    size_t n;
    const struct ks_extractor *rows = ks_extractors(&n);
    struct ks_err err = KS_ERR_INIT;

    CHECK(n >= 3);
    CHECK_OK(ks_extractors_check(rows, n, &err));
    CHECK_STR(rows[0].name, "dpkg"); /* OS databases run first */
}

static void
test_checker_refuses(void)
{
    const struct ks_extractor deep_os[] = {
        {"x", KS_ECO_DEBIAN, "**/var/lib/dpkg/status", NULL, KS_EXT_OS, dummy, 0},
    };
    const struct ks_extractor dup[] = {
        {"x", KS_ECO_PYPI, "**/METADATA", NULL, 0, dummy, 0},
        {"x", KS_ECO_NPM, "**/package.json", NULL, 0, dummy, 0},
    };
    const struct ks_extractor empty[] = {{"x", KS_ECO_PYPI, "  ", NULL, 0, dummy, 0}};
    const struct ks_extractor climbing[] = {{"x", KS_ECO_PYPI, "../etc/passwd", NULL, 0, dummy, 0}};
    struct ks_err err = KS_ERR_INIT;

    CHECK_INT(ks_extractors_check(deep_os, 1, &err), KS_EINVAL);
    CHECK(strstr(err.msg, "canonical") != NULL);
    CHECK_INT(ks_extractors_check(dup, 2, &err), KS_EINVAL);
    CHECK_INT(ks_extractors_check(empty, 1, &err), KS_EINVAL);
    CHECK_INT(ks_extractors_check(climbing, 1, &err), KS_EINVAL);
}

KS_TEST_MAIN(KS_TEST(test_real_table), KS_TEST(test_checker_refuses))
