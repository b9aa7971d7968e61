/*
 * cmd_version.c: `kensa version`: compare versions as an ecosystem orders
 * them (one pair from the arguments, or a batch of "A<TAB>B" lines from
 * stdin), evaluate an OSV record's affected[] entries for one version, and
 * list the ecosystems Kensa knows.
 */
#include "cli/cli.h"
#include "version/version.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/banned.h"

#define BATCH_MAX_LINE  ((size_t)64 << 10) /* longer lines are reported, not cut */
#define BATCH_CHUNK     ((size_t)1 << 20)
#define OSV_MAX_BYTES   ((size_t)64 << 20)
#define OUT_FLUSH_BYTES ((size_t)64 << 10)

static void
usage_main(FILE *out)
{
    fprintf(out, "usage: kensa version compare ECOSYSTEM [A B]\n"
                 "       kensa version affected ECOSYSTEM VERSION [--file OSV.json] [--format "
                 "text|json]\n"
                 "       kensa version ecosystems\n\n"
                 "Version ordering exactly as each ecosystem's own tool orders versions, and the\n"
                 "OSV affected[] evaluator. ECOSYSTEM is an OSV ecosystem name (Debian, Ubuntu,\n"
                 "Alpine, Red Hat, PyPI, npm, crates.io, Go, Maven, NuGet, RubyGems, Packagist,\n"
                 "Hex, Pub, CRAN, Hackage, ...), optionally with :RELEASE (Debian:12), or a\n"
                 "scheme name (dpkg, rpm, apk, pep440, semver, go, maven, nuget, rubygems,\n"
                 "composer, pub, cran, hackage). See docs/versions.md.\n\n"
                 "commands:\n"
                 "  compare     print <, = or > for A B; without A B, read A<TAB>B lines from stdin\n"
                 "  affected    is VERSION affected by the OSV record on stdin (or --file)?\n"
                 "  ecosystems  list ecosystems with their version scheme and purl type\n\n"
                 "exit codes: 0 ok, 2 usage or unknown ecosystem, 3 unparsable version or input.\n");
}

static void
usage_compare(FILE *out)
{
    fprintf(out,
            "usage: kensa version compare ECOSYSTEM A B\n"
            "       kensa version compare ECOSYSTEM < pairs.tsv\n\n"
            "Prints '<', '=' or '>': how ECOSYSTEM's own tool orders A and B.\n\n"
            "Batch form: without A B, reads lines 'A<TAB>B' from standard input and prints one\n"
            "answer per input line, in order. A line that cannot be answered (no tab, or a\n"
            "version the ecosystem rejects) prints '?' on standard output, so output line N\n"
            "always answers input line N, and an error naming the line number on standard\n"
            "error; the other lines are still answered and the command exits 3 at the end.\n"
            "A trailing carriage return is ignored; an empty last line is not a pair.\n\n"
            "exit codes: 0 ok, 2 unknown ecosystem or bad arguments, 3 an unparsable version\n"
            "(or bad input line).\n");
}

static void
usage_affected(FILE *out)
{
    fprintf(out,
            "usage: kensa version affected ECOSYSTEM VERSION [--file OSV.json] [--format text|json]\n\n"
            "Reads one OSV record (JSON) from standard input, or from --file, and evaluates\n"
            "each affected[] entry whose package.ecosystem is ECOSYSTEM (with :RELEASE, only\n"
            "entries of that release) for VERSION, per the OSV schema's evaluation rules.\n\n"
            "Text output, one line per entry, tab-separated:\n"
            "  ID  PACKAGE  ECOSYSTEM  yes|no|unknown  FIXED|-  [REASON]\n"
            "FIXED is the nearest fixed version above VERSION in a range that affects it.\n"
            "'unknown' means a version could not be ordered (unparsable VERSION or event\n"
            "version, or an ecosystem without a known ordering): never read it as 'no'.\n\n"
            "options:\n"
            "  --file F          read the record from F instead of standard input\n"
            "  --format FORMAT   text (default) or json\n\n"
            "exit codes: 0 evaluated, 2 usage or unknown ecosystem, 3 unreadable or malformed record.\n");
}

/* ECOSYSTEM argument: an OSV ecosystem (with release) or a scheme name. */
static int
resolve(const char *cmd, const char *arg, enum ks_scheme *scheme, enum ks_eco *eco,
        struct ks_str *release)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_str s = ks_str_c(arg);
    enum ks_eco e = KS_ECO_UNKNOWN;
    struct ks_str rel = KS_STR_NULL;

    if (ks_eco_parse(s, &e, &rel, &err) == KS_OK) {
        *scheme = ks_eco_info(e)->scheme;
        if (eco != NULL)
            *eco = e;
        if (release != NULL)
            *release = rel;
        return KS_EXIT_OK;
    }
    if ((*scheme = ks_scheme_parse(s)) != KS_SCHEME_NONE && eco == NULL)
        return KS_EXIT_OK;
    cli_error("version %s: %s", cmd, err.msg);
    return KS_EXIT_USAGE;
}

static char
op_char(int cmp)
{
    return cmp < 0 ? '<' : cmp > 0 ? '>' : '=';
}

/* Write and empty out; false on a write error (reported). */
static bool
flush_out(struct ks_buf *out)
{
    bool ok = cli_write_stdout(out->data, out->len);

    ks_buf_reset(out);
    return ok;
}

static int
compare_batch(enum ks_scheme scheme)
{
    struct ks_buf in = KS_BUF_INIT(BATCH_CHUNK + BATCH_MAX_LINE + 1);
    struct ks_buf out = KS_BUF_INIT((size_t)1 << 24);
    size_t lineno = 0, bad = 0, start = 0;
    bool eof = false, skipping = false;
    int rc = KS_EXIT_OK;

    while (!eof || start < in.len) {
        char *nl;

        if (!eof) {
            char *w;
            size_t n;

            /* keep the unfinished line, read more after it */
            if (start > 0) {
                memmove(in.data, in.data + start, in.len - start);
                in.len -= start;
                start = 0;
            }
            if ((w = ks_buf_reserve(&in, BATCH_CHUNK)) == NULL) {
                cli_error("version compare: out of memory reading standard input");
                rc = KS_EXIT_RUNTIME;
                goto out;
            }
            n = fread(w, 1, BATCH_CHUNK, stdin);
            in.len += n;
            in.data[in.len] = '\0';
            if (n < BATCH_CHUNK) {
                if (ferror(stdin)) {
                    cli_error("version compare: cannot read standard input");
                    rc = KS_EXIT_RUNTIME;
                    goto out;
                }
                if (feof(stdin))
                    eof = true;
            }
        }
        for (;;) {
            struct ks_str line, a, b;
            int cmp;
            struct ks_err err = KS_ERR_INIT;

            nl = memchr(in.data + start, '\n', in.len - start);
            if (nl == NULL) {
                if (!eof) {
                    if (in.len - start > BATCH_MAX_LINE) {
                        /* report the long line once, then drop bytes up to its end */
                        if (!skipping) {
                            lineno++;
                            bad++;
                            cli_error("version compare: <stdin>:%zu: line longer than %zu bytes",
                                      lineno, BATCH_MAX_LINE);
                            ks_buf_appends(&out, "?\n");
                        }
                        skipping = true;
                        start = in.len;
                    }
                    break;
                }
                if (start == in.len)
                    break;
                nl = in.data + in.len; /* last line without a newline */
            }
            line = ks_str_make(in.data + start, (size_t)(nl - (in.data + start)));
            start = nl < in.data + in.len ? (size_t)(nl - in.data) + 1 : in.len;
            if (skipping) {
                skipping = false;
                continue;
            }
            lineno++;
            if (line.len > 0 && line.ptr[line.len - 1] == '\r')
                line.len--;
            if (line.len > BATCH_MAX_LINE) {
                bad++;
                cli_error("version compare: <stdin>:%zu: line longer than %zu bytes", lineno,
                          BATCH_MAX_LINE);
                ks_buf_appends(&out, "?\n");
            } else if (!ks_str_split2(line, '\t', &a, &b)) {
                bad++;
                cli_error("version compare: <stdin>:%zu: expected 'A<TAB>B'", lineno);
                ks_buf_appends(&out, "?\n");
            } else if (ks_ver_compare(scheme, a, b, &cmp, &err) != KS_OK) {
                bad++;
                cli_error("version compare: <stdin>:%zu: %s", lineno, err.msg);
                ks_buf_appends(&out, "?\n");
            } else {
                char ans[2] = {op_char(cmp), '\n'};

                ks_buf_append(&out, ans, 2);
            }
            if (out.len >= OUT_FLUSH_BYTES && !flush_out(&out)) {
                rc = KS_EXIT_RUNTIME;
                goto out;
            }
            if (nl == in.data + in.len)
                break;
        }
        if (eof && start >= in.len)
            break;
    }
    if (ks_buf_err(&out) != KS_OK) {
        cli_error("version compare: out of memory");
        rc = KS_EXIT_RUNTIME;
        goto out;
    }
    if (!flush_out(&out)) {
        rc = KS_EXIT_RUNTIME;
        goto out;
    }
    if (bad > 0) {
        cli_error("version compare: %zu of %zu lines could not be compared", bad, lineno);
        rc = KS_EXIT_RUNTIME;
    }
out:
    ks_buf_release(&in);
    ks_buf_release(&out);
    return rc;
}

static int
cmd_compare(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    enum ks_scheme scheme;
    struct ks_err err = KS_ERR_INIT;
    int c, cmp, rc;

    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        if (c == 'h') {
            usage_compare(stdout);
            return KS_EXIT_OK;
        }
        return cli_usage_error("version compare", "unknown option");
    }
    argc -= optind;
    argv += optind;
    if (argc != 1 && argc != 3)
        return cli_usage_error("version compare", "expected ECOSYSTEM and either A B or none");
    if ((rc = resolve("compare", argv[0], &scheme, NULL, NULL)) != KS_EXIT_OK)
        return rc;
    if (scheme == KS_SCHEME_NONE) {
        cli_error("version compare: ecosystem '%s' has no version ordering in Kensa yet",
                  argv[0]);
        return KS_EXIT_USAGE;
    }
    if (argc == 1)
        return compare_batch(scheme);
    if (ks_ver_compare(scheme, ks_str_c(argv[1]), ks_str_c(argv[2]), &cmp, &err) != KS_OK) {
        cli_error("version compare: %s", err.msg);
        return KS_EXIT_RUNTIME;
    }
    printf("%c\n", op_char(cmp));
    return KS_EXIT_OK;
}

static const char *
affect_name(enum ks_affect a)
{
    return a == KS_AFFECT_YES ? "yes" : a == KS_AFFECT_NO ? "no" : "unknown";
}

/* Tabs and newlines would break the text columns. */
static void
append_field(struct ks_buf *b, struct ks_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        char ch = s.ptr[i];

        ks_buf_putc(b, (ch == '\t' || ch == '\n' || ch == '\r') ? ' ' : ch);
    }
}

static int
cmd_affected(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
                                         {"file", required_argument, NULL, 'f'},
                                         {"format", required_argument, NULL, 'F'},
                                         {NULL, 0, NULL, 0}};
    const char *file = NULL, *format = "text", *src;
    struct ks_buf in = KS_BUF_INIT(OSV_MAX_BYTES), out = KS_BUF_INIT((size_t)1 << 24);
    struct ks_err err = KS_ERR_INIT;
    struct ks_arena *arena = NULL;
    json_t *doc = NULL, *results = NULL, *affected;
    enum ks_scheme scheme;
    enum ks_eco eco;
    struct ks_str release, version, id;
    size_t matched = 0;
    int c, rc = KS_EXIT_RUNTIME;

    optind = 1;
    while ((c = getopt_long(argc, argv, "hf:F:", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            usage_affected(stdout);
            return KS_EXIT_OK;
        case 'f':
            file = optarg;
            break;
        case 'F':
            format = optarg;
            break;
        default:
            return cli_usage_error("version affected", "unknown option");
        }
    }
    argc -= optind;
    argv += optind;
    if (argc != 2)
        return cli_usage_error("version affected", "expected ECOSYSTEM and VERSION");
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0)
        return cli_usage_error("version affected", "unknown --format '%s' (text or json)", format);
    if ((rc = resolve("affected", argv[0], &scheme, &eco, &release)) != KS_EXIT_OK)
        return rc;
    rc = KS_EXIT_RUNTIME;
    version = ks_str_c(argv[1]);
    src = file ? file : "<stdin>";
    if ((file ? ks_file_read(file, OSV_MAX_BYTES, &in, &err)
              : ks_stream_read(stdin, "<stdin>", OSV_MAX_BYTES, &in, &err)) != KS_OK ||
        ks_json_parse(in.data, in.len, src, &doc, &err) != KS_OK) {
        cli_error("version affected: %s", err.msg);
        goto out;
    }
    if (!json_is_object(doc)) {
        cli_error("version affected: %s: not an OSV record (expected a JSON object)", src);
        goto out;
    }
    id = ks_json_strv(doc, "id");
    affected = json_object_get(doc, "affected");
    if (affected != NULL && !json_is_array(affected)) {
        cli_error("version affected: %s: affected: not an array", src);
        goto out;
    }
    if ((arena = ks_arena_new(64 * 1024)) == NULL || (results = json_array()) == NULL) {
        cli_error("version affected: out of memory");
        goto out;
    }
    for (size_t i = 0; i < json_array_size(affected); i++) {
        json_t *entry = json_array_get(affected, i), *pkg, *row;
        struct ks_str eco_s, name, erel;
        struct ks_osv_affected a;
        struct ks_affect_result res;
        enum ks_eco e;

        pkg = json_is_object(entry) ? json_object_get(entry, "package") : NULL;
        eco_s = ks_json_strv(pkg, "ecosystem");
        name = ks_json_strv(pkg, "name");
        if (ks_eco_parse(eco_s, &e, &erel, NULL) != KS_OK || e != eco)
            continue;
        if (release.len > 0 && !ks_str_eq(release, erel))
            continue;
        if (ks_osv_affected_from_json(entry, arena, &a, &err) != KS_OK) {
            cli_error("version affected: %s: affected[%zu]: %s", src, i, err.msg);
            goto out;
        }
        a.scheme = scheme;
        if (ks_osv_evaluate(&a, version, &res, &err) != KS_OK) {
            cli_error("version affected: %s: affected[%zu]: %s", src, i, err.msg);
            goto out;
        }
        matched++;
        if (strcmp(format, "text") == 0) {
            append_field(&out, id.len ? id : KS_STR("-"));
            ks_buf_putc(&out, '\t');
            append_field(&out, name.len ? name : KS_STR("-"));
            ks_buf_putc(&out, '\t');
            append_field(&out, eco_s);
            ks_buf_appendf(&out, "\t%s\t", affect_name(res.affected));
            append_field(&out, res.fixed.len ? res.fixed : KS_STR("-"));
            if (res.affected == KS_AFFECT_UNKNOWN) {
                ks_buf_putc(&out, '\t');
                append_field(&out, ks_str_c(res.reason));
            }
            ks_buf_putc(&out, '\n');
            continue;
        }
        row = json_pack("{s:s%, s:s%, s:s, s:o, s:o}", "package", name.ptr ? name.ptr : "",
                        name.len, "ecosystem", eco_s.ptr ? eco_s.ptr : "", eco_s.len, "affected",
                        affect_name(res.affected), "fixed",
                        res.fixed.len ? json_stringn(res.fixed.ptr, res.fixed.len) : json_null(),
                        "reason",
                        res.affected == KS_AFFECT_UNKNOWN ? json_string(res.reason) : json_null());
        if (row == NULL || json_array_append_new(results, row) != 0) {
            cli_error("version affected: out of memory");
            goto out;
        }
    }
    if (strcmp(format, "json") == 0) {
        json_t *top = json_pack("{s:s%, s:s, s:s%, s:O}", "id", id.ptr ? id.ptr : "", id.len,
                                "ecosystem", argv[0], "version", version.ptr, version.len,
                                "results", results);

        if (top == NULL || ks_json_dump(top, true, &out, &err) != KS_OK) {
            json_decref(top);
            cli_error("version affected: %s", top ? err.msg : "out of memory");
            goto out;
        }
        json_decref(top);
        ks_buf_putc(&out, '\n');
    }
    if (ks_buf_err(&out) != KS_OK) {
        cli_error("version affected: out of memory");
        goto out;
    }
    if (matched == 0)
        cli_error("version affected: %s: no affected[] entry for ecosystem '%s'", src, argv[0]);
    rc = flush_out(&out) ? KS_EXIT_OK : KS_EXIT_RUNTIME;
out:
    json_decref(results);
    json_decref(doc);
    ks_arena_free(arena);
    ks_buf_release(&in);
    ks_buf_release(&out);
    return rc;
}

static int
cmd_ecosystems(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
            printf("usage: kensa version ecosystems\n\nLists the OSV ecosystems Kensa knows, "
                   "tab-separated: name, version scheme, purl type, os|lang.\n");
            return KS_EXIT_OK;
        }
        return cli_usage_error("version ecosystems", "takes no arguments");
    }
    for (int e = 1; e < KS_ECO_COUNT; e++) {
        const struct ks_eco_info *info = ks_eco_info((enum ks_eco)e);

        printf("%s\t%s\t%s\t%s\n", info->name, ks_scheme_name(info->scheme), info->purl_type,
               info->is_os ? "os" : "lang");
    }
    return KS_EXIT_OK;
}

int
ks_cmd_version(int argc, char **argv)
{
    if (argc < 2) {
        usage_main(stderr);
        return KS_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage_main(stdout);
        return KS_EXIT_OK;
    }
    if (strcmp(argv[1], "compare") == 0)
        return cmd_compare(argc - 1, argv + 1);
    if (strcmp(argv[1], "affected") == 0)
        return cmd_affected(argc - 1, argv + 1);
    if (strcmp(argv[1], "ecosystems") == 0)
        return cmd_ecosystems(argc - 1, argv + 1);
    return cli_usage_error("version", "unknown command '%s' (compare, affected, ecosystems)",
                           argv[1]);
}
