/*
 * cmd_scan.c: `kensa scan TARGET` — Kensa's main job. Runs the pipeline
 * (src/scan/), writes the report in the chosen format, and turns findings at
 * or above --fail-on into exit code 1 for CI/CD gates.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "report/report.h"
#include "scan/scan.h"

#include "base/banned.h"

#define MAX_SKIP_DIRS 256
#define MAX_VEX_FILES 64

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: kensa scan [OPTIONS] TARGET\n\n"
            "Inventory TARGET, match it against the vulnerability DB, score every finding\n"
            "and report it. TARGET: a directory (a host root such as /, or a mounted\n"
            "snapshot), an archive, an SBOM, or dir:PATH, archive:PATH, sbom:FILE, and the\n"
            "image, registry, function and repo targets (docs/targets.md).\n\n"
            "output:\n"
            "  -f, --format FORMAT     table (default on a terminal), json (default otherwise),\n"
            "                          sarif, cyclonedx-json, csv or asff (docs/formats.md)\n"
            "  -o, --output FILE       write the report to FILE (replaced atomically)\n"
            "  -q, --quiet             table: findings only; no progress\n"
            "gate and filters:\n"
            "  --fail-on SEVERITY      exit 1 if an active finding is at or above it\n"
            "                          (LOW, MEDIUM, HIGH, CRITICAL)\n"
            "  --fail-on-untriaged     UNTRIAGED findings (no score at all) also trip the gate\n"
            "  --severity LIST         show only these severities (e.g. HIGH,CRITICAL)\n"
            "  --ignore-unfixed        leave out findings without a fixed version\n"
            "  --ignore-status LIST    leave out findings whose vendor status is one of LIST\n"
            "                          (will_not_fix, fix_deferred, end_of_life, affected)\n"
            "  --ignore-file FILE      YAML rules marking findings SUPPRESSED (docs/formats.md)\n"
            "  --vex FILE              OpenVEX / CycloneDX VEX statements (repeatable)\n"
            "database:\n"
            "  --db PATH               vulnerability DB (default $KENSA_DB, else\n"
            "                          $XDG_CACHE_HOME/kensa/vuln.db)\n"
            "  --max-db-age AGE        fail if the DB is older than AGE (7d, 36h, 90m; a bare\n"
            "                          number is days); without it a DB older than 7 days warns\n"
            "inventory:\n"
            "  --skip-dirs GLOB        do not walk matching directories (repeatable)\n"
            "  --cross-mounts          descend into other mounts below the root\n"
            "  --all-kernels           match every installed kernel, not only the running one\n"
            "images, registries and functions:\n" CLI_TARGET_HELP
            "resource:\n"
            "  --resource-id ID        the finding's resource id (default: from the target)\n"
            "  --account-id ID         12-digit account id in findingArn (default 000000000000)\n"
            "  --region REGION         region in findingArn (default local)\n"
            "  -h, --help              this help\n\n"
            "exit codes: 0 no finding at or above --fail-on, 1 gate tripped, 2 usage error,\n"
            "3 runtime error (unreadable target, missing or too old DB).\n");
}

/* "7d", "36h", "90m", "45s" or a bare number of days -> seconds. */
static bool
parse_age(const char *s, int64_t *out)
{
    struct ks_str v = ks_str_c(s);
    int64_t mult = 86400;
    uint64_t n;

    if (v.len == 0)
        return false;
    switch (v.ptr[v.len - 1]) {
    case 'd':
        v.len--;
        break;
    case 'h':
        mult = 3600;
        v.len--;
        break;
    case 'm':
        mult = 60;
        v.len--;
        break;
    case 's':
        mult = 1;
        v.len--;
        break;
    default:
        break;
    }
    if (ks_parse_u64(v, (uint64_t)INT64_MAX / 86400, &n) != KS_OK || n == 0)
        return false;
    *out = (int64_t)n * mult;
    return true;
}

static void
progress(void *ctx, const char *stage, size_t done, size_t total)
{
    (void)ctx;
    (void)done;
    if (total > 0)
        fprintf(stderr, "\rkensa: %s (%zu)...            ", stage, total);
    else
        fprintf(stderr, "\rkensa: %s...                  ", stage);
    fflush(stderr);
}

int
ks_cmd_scan(int argc, char **argv)
{
    enum {
        OPT_FAIL_ON = 256, OPT_FAIL_UNTRIAGED, OPT_SEVERITY, OPT_IGNORE_UNFIXED, OPT_IGNORE_STATUS,
        OPT_IGNORE_FILE, OPT_VEX, OPT_DB, OPT_MAX_AGE, OPT_SKIP_DIRS, OPT_CROSS_MOUNTS,
        OPT_ALL_KERNELS, OPT_RESOURCE_ID, OPT_ACCOUNT_ID, OPT_REGION,
    };
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"fail-on", required_argument, NULL, OPT_FAIL_ON},
        {"fail-on-untriaged", no_argument, NULL, OPT_FAIL_UNTRIAGED},
        {"severity", required_argument, NULL, OPT_SEVERITY},
        {"ignore-unfixed", no_argument, NULL, OPT_IGNORE_UNFIXED},
        {"ignore-status", required_argument, NULL, OPT_IGNORE_STATUS},
        {"ignore-file", required_argument, NULL, OPT_IGNORE_FILE},
        {"vex", required_argument, NULL, OPT_VEX},
        {"db", required_argument, NULL, OPT_DB},
        {"max-db-age", required_argument, NULL, OPT_MAX_AGE},
        {"skip-dirs", required_argument, NULL, OPT_SKIP_DIRS},
        {"cross-mounts", no_argument, NULL, OPT_CROSS_MOUNTS},
        {"all-kernels", no_argument, NULL, OPT_ALL_KERNELS},
        {"resource-id", required_argument, NULL, OPT_RESOURCE_ID},
        {"account-id", required_argument, NULL, OPT_ACCOUNT_ID},
        {"region", required_argument, NULL, OPT_REGION},
        CLI_TARGET_LONGOPTS,
        {NULL, 0, NULL, 0},
    };
    struct ks_scan_opts opts;
    struct ks_report_opts ropts = {0};
    const char *skip[MAX_SKIP_DIRS], *vex[MAX_VEX_FILES];
    size_t n_skip = 0, n_vex = 0;
    const char *format = NULL, *output = NULL;
    enum ks_findings_format fmt;
    enum ks_rsev fail_on = KS_RSEV_COUNT;
    bool fail_untriaged = false, quiet = false;
    struct ks_err err = KS_ERR_INIT;
    struct ks_scan *scan = NULL;
    struct ks_buf out = KS_BUF_INIT((size_t)1 << 31);
    int c, rc = KS_EXIT_RUNTIME;

    memset(&opts, 0, sizeof(opts));
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 'f':
            format = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        case 'h':
            usage(stdout);
            return KS_EXIT_OK;
        case OPT_FAIL_ON:
            if (ks_rsev_parse(ks_str_c(optarg), &fail_on) != KS_OK ||
                fail_on < KS_RSEV_LOW)
                return cli_usage_error("scan", "--fail-on: '%s' is not LOW, MEDIUM, HIGH or "
                                               "CRITICAL", optarg);
            break;
        case OPT_FAIL_UNTRIAGED:
            fail_untriaged = true;
            break;
        case OPT_SEVERITY:
            if (ks_scan_parse_severities(optarg, &opts.severities, &err) != KS_OK)
                return cli_usage_error("scan", "--severity: %s", err.msg);
            break;
        case OPT_IGNORE_UNFIXED:
            opts.ignore_unfixed = true;
            break;
        case OPT_IGNORE_STATUS:
            if (ks_scan_parse_statuses(optarg, &opts.ignore_status, &err) != KS_OK)
                return cli_usage_error("scan", "--ignore-status: %s", err.msg);
            break;
        case OPT_IGNORE_FILE:
            opts.ignore_file = optarg;
            break;
        case OPT_VEX:
            if (n_vex == MAX_VEX_FILES)
                return cli_usage_error("scan", "at most %d --vex files", MAX_VEX_FILES);
            vex[n_vex++] = optarg;
            break;
        case OPT_DB:
            opts.db_path = optarg;
            break;
        case OPT_MAX_AGE:
            if (!parse_age(optarg, &opts.max_db_age))
                return cli_usage_error("scan", "--max-db-age: '%s' is not an age such as 7d, "
                                               "36h or 90m", optarg);
            opts.fail_on_stale = true;
            break;
        case OPT_SKIP_DIRS:
            if (n_skip == MAX_SKIP_DIRS)
                return cli_usage_error("scan", "at most %d --skip-dirs", MAX_SKIP_DIRS);
            skip[n_skip++] = optarg;
            break;
        case OPT_CROSS_MOUNTS:
            opts.inv.cross_mounts = true;
            break;
        case OPT_ALL_KERNELS:
            opts.match.all_kernels = true;
            break;
        case OPT_RESOURCE_ID:
            opts.resource_id = optarg;
            break;
        case OPT_ACCOUNT_ID:
            if (strlen(optarg) != 12 || strspn(optarg, "0123456789") != 12)
                return cli_usage_error("scan", "--account-id: '%s' is not 12 digits", optarg);
            opts.account_id = optarg;
            break;
        case OPT_REGION:
            opts.region = optarg;
            break;
        default: {
            int t = cli_target_option("scan", c, optarg, &opts.inv);

            if (t < 0)
                return KS_EXIT_USAGE;
            if (t == 0) {
                usage(stderr);
                return KS_EXIT_USAGE;
            }
            break;
        }
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("scan", optind >= argc ? "missing TARGET" : "one TARGET only");
    if (format == NULL)
        format = (output == NULL && cli_stdout_tty()) ? "table" : "json";
    if (ks_findings_format_parse(format, &fmt, &err) != KS_OK)
        return cli_usage_error("scan", "--format: %s", err.msg);
    opts.target = argv[optind];
    opts.inv.skip_dirs = skip;
    opts.inv.n_skip_dirs = n_skip;
    opts.vex_files = vex;
    opts.n_vex_files = n_vex;

    if (ks_scan_run(&opts, (!quiet && cli_stderr_tty()) ? progress : NULL, NULL, &scan, &err) !=
        KS_OK) {
        if (!quiet && cli_stderr_tty())
            fputc('\n', stderr);
        return cli_fail(&err);
    }
    if (!quiet && cli_stderr_tty())
        fprintf(stderr, "\r%60s\r", "");
    if (scan->db_stale)
        ks_log(KS_LOG_WARN, "scan", "the vulnerability DB is stale: %s; run `kensa db update`",
               scan->db_stale_why);
    ks_log(KS_LOG_INFO, "scan",
           "packages=%zu findings=%zu inventory_ms=%.1f match_ms=%.1f score_ms=%.1f",
           scan->stats.packages, scan->stats.findings, scan->stats.inventory_ns / 1e6,
           scan->stats.match_ns / 1e6, scan->stats.score_ns / 1e6);
    ropts.color = fmt == KS_FINDINGS_TABLE && output == NULL && cli_stdout_tty();
    ropts.quiet = quiet;
    ropts.tool = "kensa " KS_VERSION_STRING;
    if (ks_report_findings(scan->doc, fmt, &ropts, &out, &err) != KS_OK) {
        rc = cli_fail(&err);
        goto out;
    }
    if (output != NULL) {
        if (ks_file_write_atomic(output, out.data, out.len, 0644, &err) != KS_OK) {
            rc = cli_fail(&err);
            goto out;
        }
    } else if (!cli_write_stdout(out.data, out.len)) {
        rc = KS_EXIT_RUNTIME;
        goto out;
    }
    rc = KS_EXIT_OK;
    if (fail_on != KS_RSEV_COUNT && ks_scan_gate(scan, fail_on, fail_untriaged))
        rc = KS_EXIT_FINDINGS;
    else if (fail_on == KS_RSEV_COUNT && fail_untriaged &&
             ks_scan_gate(scan, KS_RSEV_COUNT, true))
        rc = KS_EXIT_FINDINGS;
out:
    ks_buf_release(&out);
    ks_scan_free(scan);
    return rc;
}
