/*
 * test.c: the unit-test runner behind test.h. A case passes when no CHECK
 * failed in it; the summary line is "N passed, N failed".
 */
#include "test.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int ks_test_failures;
static const char *current_case;
static char tmpdir[4096];

void
ks_test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "FAIL %s: %s:%d: ", current_case ? current_case : "?", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    ks_test_failures++;
}

const char *
ks_test_data(const char *rel)
{
    static char path[8][4096];
    static int slot;
    const char *root = getenv("KS_DATA_DIR");

    if (root == NULL)
        return NULL;
    slot = (slot + 1) % 8;
    snprintf(path[slot], sizeof(path[slot]), "%s/%s", root, rel);
    return path[slot];
}

static void
remove_tmpdir(void)
{
    char cmd[4200];

    if (tmpdir[0] == '\0')
        return;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "warning: could not remove %s\n", tmpdir);
}

const char *
ks_test_tmpdir(void)
{
    if (tmpdir[0] == '\0') {
        const char *base = getenv("TMPDIR");

        snprintf(tmpdir, sizeof(tmpdir), "%s/kensa-test.XXXXXX", base ? base : "/tmp");
        if (mkdtemp(tmpdir) == NULL) {
            perror("mkdtemp");
            exit(3);
        }
        atexit(remove_tmpdir);
    }
    return tmpdir;
}

int
ks_test_run(const struct ks_test_case *cases, size_t n, int argc, char **argv)
{
    int passed = 0, failed = 0;

    ks_json_use_ks_alloc();
    for (size_t i = 0; i < n; i++) {
        if (argc > 1 && strstr(cases[i].name, argv[1]) == NULL)
            continue;
        current_case = cases[i].name;
        ks_test_failures = 0;
        cases[i].fn();
        if (ks_test_failures == 0) {
            passed++;
            fprintf(stderr, "ok   %s\n", cases[i].name);
        } else {
            failed++;
            fprintf(stderr, "FAIL %s (%d checks)\n", cases[i].name, ks_test_failures);
        }
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
