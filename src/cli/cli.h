/*
 * cli.h: private to src/cli/. The subcommand table lives in main.c; each
 * subcommand is one file cmd_<name>.c with one entry point. Exit codes are
 * documented in docs/cli.md.
 */
#ifndef KS_CLI_H
#define KS_CLI_H

#include "base/base.h"

enum ks_exit {
    KS_EXIT_OK = 0,       /* success */
    KS_EXIT_FINDINGS = 1, /* findings at or above --fail-on */
    KS_EXIT_USAGE = 2,    /* bad command line, unknown ecosystem, invalid vector */
    KS_EXIT_RUNTIME = 3,  /* bad input file, I/O, database, network */
};

/* A subcommand: argv[0] is the subcommand's own name. Returns an exit code. */
typedef int (*ks_cmd_fn)(int argc, char **argv);

struct ks_cmd {
    const char *name;
    ks_cmd_fn fn;
    const char *summary;
};

/* Print "kensa: <msg>" to stderr (the top-level report of an error). */
void cli_error(const char *fmt, ...) KS_PRINTF(1, 2);
/* Report err and map its code to an exit code (EINVAL/EPARSE of args -> usage). */
int cli_fail(const struct ks_err *err);
int cli_usage_error(const char *cmd, const char *fmt, ...) KS_PRINTF(2, 3);
/* Write all of s to stdout; false on a write error (reported). */
bool cli_write_stdout(const char *s, size_t n);
/* Is file descriptor 1 / 2 a terminal? */
bool cli_stdout_tty(void);
bool cli_stderr_tty(void);

/*
 * Target options every command that takes a target accepts (cli_target.c):
 * --platform, --insecure, --layer (repeatable), --runtime, --auth-config,
 * --no-layer-cache.
 * Splice CLI_TARGET_LONGOPTS into a getopt_long table; cli_target_option()
 * handles a returned code: 1 handled, 0 not ours, -1 usage error (reported).
 */
struct ks_inventory_opts;

enum {
    CLI_OPT_PLATFORM = 2000,
    CLI_OPT_INSECURE,
    CLI_OPT_LAYER,
    CLI_OPT_RUNTIME,
    CLI_OPT_AUTH_CONFIG,
    CLI_OPT_NO_LAYER_CACHE,
};
#define CLI_TARGET_LONGOPTS                                                                        \
    {"platform", required_argument, NULL, CLI_OPT_PLATFORM},                                       \
        {"insecure", no_argument, NULL, CLI_OPT_INSECURE},                                         \
        {"layer", required_argument, NULL, CLI_OPT_LAYER},                                         \
        {"runtime", required_argument, NULL, CLI_OPT_RUNTIME},                                     \
        {"auth-config", required_argument, NULL, CLI_OPT_AUTH_CONFIG},                           \
        {"no-layer-cache", no_argument, NULL, CLI_OPT_NO_LAYER_CACHE}
#define CLI_TARGET_HELP                                                                            \
    "      --platform OS/ARCH[/VARIANT]  image platform to read from a multi-platform\n"           \
    "                        image (default: this machine's)\n"                                   \
    "      --insecure        registry over plain HTTP or with an unverified certificate\n"        \
    "      --auth-config FILE  docker config.json with registry credentials\n"                    \
    "                        (default: $DOCKER_CONFIG/config.json, ~/.docker/config.json)\n"      \
    "      --layer ZIP       function: a layer zip, in order (repeatable)\n"                      \
    "      --runtime NAME    function: python3.12, nodejs20.x, java21, ... (default: inferred)\n" \
    "      --no-layer-cache  read every image layer; neither use nor fill the per-layer\n"     \
    "                        cache ($KENSA_LAYER_CACHE_MAX bounds it, 0 or off disables)\n"
int cli_target_option(const char *cmd, int c, const char *arg, struct ks_inventory_opts *opts);

/* Subcommands (one file each, cmd_<name>.c). */
int ks_cmd_cvss(int argc, char **argv);
int ks_cmd_version(int argc, char **argv);
int ks_cmd_db(int argc, char **argv);
int ks_cmd_sbom(int argc, char **argv);
int ks_cmd_scan(int argc, char **argv);
int ks_cmd_server(int argc, char **argv);
int ks_cmd_admin(int argc, char **argv);
int ks_cmd_push(int argc, char **argv);

#endif
