/*
 * cmd_cvss.c: `kensa cvss [VECTOR...]`: score CVSS v2.0/v3.0/v3.1/v4.0
 * vectors and print one JSON object per vector with NVD's field names.
 * Without VECTOR it reads one vector per line from standard input (the batch
 * form tests and benchmarks use): a bad line is reported on stderr with its
 * line number, the other lines are still answered, and the exit code is 2.
 */
#include "cli/cli.h"
#include "cvss/cvss.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/banned.h"

/* A line longer than this cannot hold a valid vector; it is reported and skipped. */
#define CVSS_LINE_MAX (KS_CVSS_MAX_LEN + 2)

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: kensa cvss [VECTOR...]\n\n"
            "Score CVSS vectors (v2.0 without prefix, CVSS:3.0/, CVSS:3.1/, CVSS:4.0/) and\n"
            "print one JSON object per vector, with NVD's field names:\n"
            "  version, vectorString (canonical), baseScore, baseSeverity, and\n"
            "  v2/v3: exploitabilityScore, impactScore, temporalScore, environmentalScore\n"
            "         (v3 also temporalSeverity, environmentalSeverity)\n"
            "  v4:    score and severity of the vector as given, nomenclature\n"
            "         (CVSS-B/BT/BE/BTE), macroVector; baseScore is CVSS-B\n"
            "Without VECTOR, reads one vector per line from standard input (blank lines\n"
            "are skipped); a bad line is reported on stderr with its line number and the\n"
            "other lines are still answered.\n\n"
            "options:\n"
            "  -h, --help   this help\n\n"
            "exit codes: 0 all vectors valid, 2 an invalid vector (or bad usage),\n"
            "3 an I/O error. See docs/cvss.md.\n");
}

static int
set_num(json_t *o, const char *key, double v)
{
    return json_object_set_new(o, key, json_real(v));
}

static int
set_str(json_t *o, const char *key, const char *v)
{
    return json_object_set_new(o, key, json_string(v));
}

/* The JSON line for one parsed vector, appended to out. */
static enum ks_code
render(const struct ks_cvss *c, struct ks_buf *out, struct ks_err *err)
{
    struct ks_cvss_scores s;
    struct ks_buf vec = KS_BUF_INIT(KS_CVSS_MAX_LEN * 2);
    json_t *o = json_object();
    enum ks_code rc = KS_ENOMEM;
    int bad = 0;

    ks_cvss_score(c, &s);
    ks_cvss_format(c, &vec);
    if (o == NULL || ks_buf_err(&vec) != KS_OK) {
        rc = ks_err_set(err, KS_ENOMEM, "cvss: out of memory");
        goto out;
    }
    bad |= set_str(o, "version", ks_cvss_version_name(c->version));
    bad |= set_str(o, "vectorString", vec.data);
    bad |= set_num(o, "baseScore", s.base);
    bad |= set_str(o, "baseSeverity", ks_severity_name(s.base_severity));
    if (c->version == KS_CVSS_V40) {
        bad |= set_num(o, "score", s.score);
        bad |= set_str(o, "severity", ks_severity_name(s.severity));
        bad |= set_str(o, "nomenclature", s.nomenclature);
        bad |= set_str(o, "macroVector", s.macro_vector);
    } else {
        bad |= set_num(o, "exploitabilityScore", s.exploitability);
        bad |= set_num(o, "impactScore", s.impact);
        bad |= set_num(o, "temporalScore", s.temporal);
        if (c->version != KS_CVSS_V2)
            bad |= set_str(o, "temporalSeverity",
                           ks_severity_name(ks_severity_from_score(s.temporal)));
        bad |= set_num(o, "environmentalScore", s.environmental);
        if (c->version != KS_CVSS_V2)
            bad |= set_str(o, "environmentalSeverity",
                           ks_severity_name(ks_severity_from_score(s.environmental)));
    }
    if (bad) {
        rc = ks_err_set(err, KS_ENOMEM, "cvss: out of memory");
        goto out;
    }
    if ((rc = ks_json_dump(o, false, out, err)) != KS_OK)
        goto out;
    ks_buf_putc(out, '\n');
    rc = ks_buf_err(out);
out:
    json_decref(o);
    ks_buf_release(&vec);
    return rc;
}

/* Score one vector and print its line. KS_EPARSE/ETOOBIG: err says why. */
static enum ks_code
answer(struct ks_str vector, struct ks_buf *line, struct ks_err *err)
{
    struct ks_cvss c;
    enum ks_code rc;

    ks_buf_reset(line);
    if ((rc = ks_cvss_parse(vector, &c, err)) != KS_OK)
        return rc;
    if ((rc = render(&c, line, err)) != KS_OK)
        return rc;
    return cli_write_stdout(line->data, line->len) ? KS_OK : KS_EIO;
}

static int
batch(struct ks_buf *line)
{
    char buf[CVSS_LINE_MAX + 1];
    size_t lineno = 0;
    int status = KS_EXIT_OK;

    while (fgets(buf, sizeof(buf), stdin) != NULL) {
        size_t n = strlen(buf);
        struct ks_err err = KS_ERR_INIT;
        struct ks_str v;
        enum ks_code rc;

        lineno++;
        if (n > 0 && buf[n - 1] != '\n' && !feof(stdin)) {
            int ch;

            /* Over-long: skip to the end of the line, report it once. */
            while ((ch = getchar()) != EOF && ch != '\n')
                ;
            cli_error("cvss: <stdin>:%zu: line is longer than %d bytes", lineno,
                      KS_CVSS_MAX_LEN);
            status = KS_EXIT_USAGE;
            continue;
        }
        v = ks_str_trim(ks_str_make(buf, n));
        if (v.len == 0)
            continue;
        rc = answer(v, line, &err);
        if (rc == KS_EIO)
            return KS_EXIT_RUNTIME;
        if (rc == KS_ENOMEM) {
            cli_error("%s", err.msg);
            return KS_EXIT_RUNTIME;
        }
        if (rc != KS_OK) {
            cli_error("<stdin>:%zu: %s", lineno, err.msg);
            status = KS_EXIT_USAGE;
        }
    }
    if (ferror(stdin)) {
        cli_error("cvss: cannot read standard input after line %zu", lineno);
        return KS_EXIT_RUNTIME;
    }
    return status;
}

int
ks_cmd_cvss(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct ks_buf line = KS_BUF_INIT(64 * 1024);
    int status = KS_EXIT_OK, ch;

    optind = 1;
    while ((ch = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (ch) {
        case 'h':
            usage(stdout);
            return KS_EXIT_OK;
        default:
            return cli_usage_error("cvss", "unknown option");
        }
    }
    if (optind >= argc) {
        status = batch(&line);
    } else {
        for (int i = optind; i < argc; i++) {
            struct ks_err err = KS_ERR_INIT;
            enum ks_code rc = answer(ks_str_trim(ks_str_c(argv[i])), &line, &err);

            if (rc == KS_EIO || rc == KS_ENOMEM) {
                if (rc == KS_ENOMEM)
                    cli_error("%s", err.msg);
                status = KS_EXIT_RUNTIME;
                break;
            }
            if (rc != KS_OK) {
                cli_error("'%s': %s", argv[i], err.msg);
                status = KS_EXIT_USAGE;
            }
        }
    }
    ks_buf_release(&line);
    return status;
}
