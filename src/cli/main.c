/*
 * main.c: the `kensa` command. Takes the global options (--log-level,
 * --debug, --help, --version) from anywhere on the command line and hands
 * the rest to a subcommand from the table below. The only main() in src/.
 */
#include "cli/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/banned.h"

static const struct ks_cmd commands[] = {
    /* One row per subcommand, in the order --help lists them. */
    {"cvss", ks_cmd_cvss, "score CVSS v2.0/v3.0/v3.1/v4.0 vectors (JSON, NVD field names)"},
    {"version", ks_cmd_version, "compare versions per ecosystem; evaluate OSV affected[]"},
    {"db", ks_cmd_db, "vulnerability DB: import, update, status, query"},
    {"sbom", ks_cmd_sbom, "inventory a target and write an SBOM (JSON, CycloneDX, SPDX)"},
    {"scan", ks_cmd_scan, "scan a host, image, function, repository or SBOM for vulnerabilities"},
    {"server", ks_cmd_server, "serve the Inspector2-compatible API over the state store"},
    {"admin", ks_cmd_admin, "manage accounts, access keys and evaluations in a data dir"},
    {NULL, NULL, NULL},
};

static void
print_help(FILE *out)
{
    fprintf(out, "usage: kensa [--log-level LEVEL] [--debug MODULES] COMMAND [ARGS]\n\n"
                 "Kensa: self-hosted, continuous vulnerability management.\n\ncommands:\n");
    for (const struct ks_cmd *c = commands; c->name != NULL; c++)
        fprintf(out, "  %-10s %s\n", c->name, c->summary);
    fprintf(out, "\nglobal options:\n"
                 "  --log-level LEVEL  error, warn (default), info or debug\n"
                 "  --debug MODULES    debug logging for these modules (comma-separated, or all)\n"
                 "  --version          print Kensa's version\n"
                 "  -h, --help         this help; `kensa COMMAND --help` for a command\n\n"
                 "exit codes: 0 success, 1 findings at or above --fail-on, 2 usage error,\n"
                 "3 runtime error (bad input, I/O). See docs/cli.md.\n");
}

/* Take a global option out of argv; returns how many argv slots it used, */
/* 0 if argv[i] is not a global option, -1 on a usage error.              */
static int
take_global(int argc, char **argv, int i)
{
    const char *a = argv[i];
    const char *val = NULL;
    int used = 1;
    bool is_level = false, is_debug = false;

    if (strncmp(a, "--log-level", 11) == 0 && (a[11] == '\0' || a[11] == '=')) {
        is_level = true;
        val = a[11] == '=' ? a + 12 : NULL;
    } else if (strncmp(a, "--debug", 7) == 0 && (a[7] == '\0' || a[7] == '=')) {
        is_debug = true;
        val = a[7] == '=' ? a + 8 : NULL;
    } else {
        return 0;
    }
    if (val == NULL) {
        if (i + 1 >= argc) {
            cli_error("%s needs a value", a);
            return -1;
        }
        val = argv[i + 1];
        used = 2;
    }
    if (is_level) {
        enum ks_log_level lvl;

        if (ks_log_parse_level(val, &lvl) != KS_OK) {
            cli_error("--log-level: unknown level '%s' (error, warn, info, debug)", val);
            return -1;
        }
        ks_log_set_level(lvl);
    } else if (is_debug && ks_log_enable_debug(val) != KS_OK) {
        cli_error("--debug: too many modules in '%s'", val);
        return -1;
    }
    return used;
}

int
main(int argc, char **argv)
{
    int n = 0;

    ks_json_use_ks_alloc();
    /* Strip global options (anywhere before a "--") so subcommands never see them. */
    for (int i = 1; i < argc;) {
        int used;

        if (strcmp(argv[i], "--") == 0)
            break;
        used = take_global(argc, argv, i);
        if (used < 0)
            return KS_EXIT_USAGE;
        if (used == 0) {
            i++;
            continue;
        }
        memmove(&argv[i], &argv[i + used], (size_t)(argc - i - used + 1) * sizeof(*argv));
        argc -= used;
    }
    if (argc < 2) {
        print_help(stderr);
        return KS_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
        printf("kensa %s\n", KS_VERSION_STRING);
        return KS_EXIT_OK;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        if (argc > 2 && strcmp(argv[1], "help") == 0) {
            char help[] = "--help";
            char *sub[] = {argv[2], help, NULL};

            for (const struct ks_cmd *c = commands; c->name != NULL; c++)
                if (strcmp(c->name, argv[2]) == 0)
                    return c->fn(2, sub);
        }
        print_help(stdout);
        return KS_EXIT_OK;
    }
    for (const struct ks_cmd *c = commands; c->name != NULL; c++) {
        if (strcmp(c->name, argv[1]) == 0) {
            n = c->fn(argc - 1, argv + 1);
            if (fflush(stdout) != 0 && n == KS_EXIT_OK) {
                cli_error("cannot write to standard output");
                n = KS_EXIT_RUNTIME;
            }
            return n;
        }
    }
    cli_error("unknown command '%s' (see kensa --help)", argv[1]);
    return KS_EXIT_USAGE;
}
