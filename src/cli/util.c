/*
 * util.c: error reporting and output helpers shared by the subcommands.
 */
#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/banned.h"

void
cli_error(const char *fmt, ...)
{
    va_list ap;

    fputs("kensa: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int
cli_fail(const struct ks_err *err)
{
    cli_error("%s", err->msg[0] ? err->msg : ks_code_text(err->code));
    return err->code == KS_EINVAL ? KS_EXIT_USAGE : KS_EXIT_RUNTIME;
}

int
cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "kensa %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see kensa %s --help)\n", cmd);
    return KS_EXIT_USAGE;
}

bool
cli_write_stdout(const char *s, size_t n)
{
    if (n > 0 && fwrite(s, 1, n, stdout) != n) {
        cli_error("cannot write to standard output: %s", strerror(errno));
        return false;
    }
    return true;
}

bool
cli_stdout_tty(void)
{
    return isatty(1) == 1;
}

bool
cli_stderr_tty(void)
{
    return isatty(2) == 1;
}
