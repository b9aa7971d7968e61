/*
 * cmd_sbom.c: `kensa sbom [--format F] [--output FILE] [--skip-dirs GLOB]...
 * TARGET`: inventory a target (a directory, archive or SBOM; see
 * ks_inventory_from_target) and write it as Kensa JSON, CycloneDX 1.6 or
 * SPDX 2.3. Warnings about bad input go to stderr; the inventory of
 * everything else is still written.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "inventory/inventory.h"
#include "report/report.h"

#include "base/banned.h"

#define SBOM_MAX_SKIP 256

static void
sbom_help(FILE *out)
{
    fprintf(out,
            "usage: kensa sbom [--format FORMAT] [--output FILE] [--skip-dirs GLOB]...\n"
            "                  [--cross-mounts] [--platform P] [--insecure] [--layer ZIP]...\n"
            "                  [--runtime NAME] TARGET\n\n"
            "Inventory TARGET and write it as an SBOM.\n\n"
            "targets:\n"
            "  PATH            a directory or an archive (recognised by its contents),\n"
            "                  or an SBOM file (CycloneDX JSON, SPDX JSON, Kensa JSON)\n"
            "  dir:PATH        a directory: a host root (/) or a mounted snapshot\n"
            "  archive:PATH    a tar (.gz, .zst, .xz, .bz2) or zip archive of a filesystem\n"
            "  sbom:FILE       an SBOM to read instead of a filesystem\n"
            "  image:PATH[:NAME]  a container image: an OCI layout directory, an OCI\n"
            "                  archive or a `docker save` tar (NAME picks one of several)\n"
            "  registry:HOST/REPO:TAG|@sha256:DIGEST  an image pulled from a registry\n"
            "  function:ZIP    a function deployment package (with --layer, --runtime)\n"
            "  repo:PATH       a code repository (a directory or a git work tree)\n\n"
            "options:\n"
            "  -f, --format FORMAT   json (Kensa's own, default), cyclonedx-json, spdx-json\n"
            "  -o, --output FILE     write to FILE (atomically) instead of standard output\n"
            "      --skip-dirs GLOB  do not walk directories matching GLOB (root-relative,\n"
            "                        '**' spans directories); repeatable\n"
            "      --cross-mounts    descend into other mounts below a directory root\n"
            CLI_TARGET_HELP
            "  -h, --help            this help\n\n"
            "SOURCE_DATE_EPOCH sets the document timestamp (reproducible output).\n"
            "Exit codes: 0 written, 2 usage error, 3 the target could not be read.\n");
}

int
ks_cmd_sbom(int argc, char **argv)
{
    enum { OPT_SKIP = 1000, OPT_CROSS };
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"skip-dirs", required_argument, NULL, OPT_SKIP},
        {"cross-mounts", no_argument, NULL, OPT_CROSS},
        CLI_TARGET_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *skips[SBOM_MAX_SKIP];
    struct ks_inventory_opts opts;
    enum ks_sbom_format format = KS_SBOM_JSON;
    const char *output = NULL;
    struct ks_err err = KS_ERR_INIT;
    struct ks_arena *arena = NULL;
    struct ks_inventory *inv = NULL;
    struct ks_buf out = KS_BUF_INIT(SIZE_MAX);
    int c, rc = KS_EXIT_RUNTIME;

    memset(&opts, 0, sizeof(opts));
    opts.skip_dirs = skips;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":f:o:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (ks_sbom_format_parse(optarg, &format, &err) != KS_OK)
                return cli_usage_error("sbom", "%s", err.msg);
            break;
        case 'o':
            output = optarg;
            break;
        case OPT_SKIP:
            if (opts.n_skip_dirs >= SBOM_MAX_SKIP)
                return cli_usage_error("sbom", "more than %d --skip-dirs", SBOM_MAX_SKIP);
            if (optarg[0] == '\0')
                return cli_usage_error("sbom", "--skip-dirs needs a non-empty glob");
            skips[opts.n_skip_dirs++] = optarg;
            break;
        case OPT_CROSS:
            opts.cross_mounts = true;
            break;
        case 'h':
            sbom_help(stdout);
            return KS_EXIT_OK;
        case ':':
            return cli_usage_error("sbom", "option '%s' needs a value", argv[optind - 1]);
        default: {
            int t = cli_target_option("sbom", c, optarg, &opts);

            if (t < 0)
                return KS_EXIT_USAGE;
            if (t == 0)
                return cli_usage_error("sbom", "unknown option '%s'", argv[optind - 1]);
            break;
        }
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("sbom", optind >= argc ? "missing TARGET" : "one TARGET only");
    arena = ks_arena_new(1 << 20);
    if (arena == NULL) {
        cli_error("out of memory");
        return KS_EXIT_RUNTIME;
    }
    if (ks_inventory_from_target(argv[optind], &opts, arena, &inv, &err) != KS_OK) {
        rc = cli_fail(&err);
        goto out;
    }
    if (ks_report_sbom(inv, format, &out, &err) != KS_OK) {
        rc = cli_fail(&err);
        goto out;
    }
    if (output != NULL) {
        if (ks_file_write_atomic(output, out.data, out.len, 0644, &err) != KS_OK) {
            rc = cli_fail(&err);
            goto out;
        }
    } else if (!cli_write_stdout(out.data, out.len)) {
        goto out;
    }
    if (inv->n_warnings > 0)
        ks_log(KS_LOG_INFO, "sbom", "%zu warning(s) while reading '%s'",
               inv->n_warnings + inv->warnings_dropped, argv[optind]);
    rc = KS_EXIT_OK;
out:
    ks_buf_release(&out);
    ks_arena_free(arena);
    return rc;
}
