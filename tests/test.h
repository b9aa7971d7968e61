/*
 * test.h: the tiny test harness every unit test uses. CHECK* record a
 * failure with file:line and go on; ks_test_main() runs a table of cases and
 * prints "N passed, N failed" (the line CI reads).
 */
#ifndef KS_TEST_H
#define KS_TEST_H

#include "base/base.h"

#include <string.h>

struct ks_test_case {
    const char *name;
    void (*fn)(void);
};

extern int ks_test_failures; /* checks failed in the current case */

void ks_test_fail(const char *file, int line, const char *fmt, ...) KS_PRINTF(3, 4);
/* Run every case; returns the process exit code (0 when all passed). */
int ks_test_run(const struct ks_test_case *cases, size_t n, int argc, char **argv);
/* $KS_DATA_DIR/rel (the shared real data); NULL if the variable is unset. */
const char *ks_test_data(const char *rel);
/* Path of a fresh temporary directory (removed by the harness at exit). */
const char *ks_test_tmpdir(void);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ks_test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                                  \
    } while (0)

#define CHECK_MSG(cond, ...)                                                                       \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ks_test_fail(__FILE__, __LINE__, __VA_ARGS__);                                         \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long ka_ = (long long)(a), kb_ = (long long)(b);                                      \
        if (ka_ != kb_)                                                                            \
            ks_test_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, ka_, kb_);          \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *sa_ = (a), *sb_ = (b);                                                         \
        if (sa_ == NULL || sb_ == NULL || strcmp(sa_, sb_) != 0)                                   \
            ks_test_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,                 \
                         sa_ ? sa_ : "(null)", sb_ ? sb_ : "(null)");                              \
    } while (0)

#define CHECK_OK(expr)                                                                             \
    do {                                                                                           \
        enum ks_code kc_ = (expr);                                                                 \
        if (kc_ != KS_OK)                                                                          \
            ks_test_fail(__FILE__, __LINE__, "%s: %s", #expr, ks_code_name(kc_));                  \
    } while (0)

#define KS_TEST(fn) {#fn, fn}
#define KS_TEST_MAIN(...)                                                                          \
    int main(int argc, char **argv)                                                                \
    {                                                                                              \
        static const struct ks_test_case cases_[] = {__VA_ARGS__};                                 \
        return ks_test_run(cases_, KS_ARRAY_LEN(cases_), argc, argv);                              \
    }

#endif
