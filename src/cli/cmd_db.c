/*
 * cmd_db.c: `kensa db import|update|status|query`: build the vulnerability
 * DB from feed files or mirrors, update it over HTTP, show what it holds,
 * and look up the advisories for one package (the tool for doubting a
 * finding). The library (src/vulndb/) does the work; this file parses
 * options and prints.
 */
#include "cli/cli.h"
#include "version/version.h"
#include "vulndb/vulndb.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

#define MAX_SOURCES_ARG 64

enum fmt { FMT_TABLE, FMT_JSON };

static void
usage_db(FILE *out)
{
    fprintf(out,
            "usage: kensa db [--db PATH] COMMAND [ARGS]\n\n"
            "The vulnerability database: one SQLite file built from OSV, NVD CVE 2.0, EPSS\n"
            "and CISA KEV feeds, read-only while scans run, replaced atomically by updates.\n\n"
            "commands:\n"
            "  import PATH...  import feed files, archives or directories (detected by content)\n"
            "  update          fetch the feeds (or a mirror) and build a new DB\n"
            "  status          where the DB is, what it holds, how old each source is\n"
            "  query ECOSYSTEM NAME [VERSION]\n"
            "                  the advisories for a package (that affect VERSION)\n\n"
            "The DB is --db PATH, else $KENSA_DB, else $XDG_CACHE_HOME/kensa/vuln.db\n"
            "(~/.cache/kensa/vuln.db). `kensa db COMMAND --help` for each command;\n"
            "docs/vulndb.md describes the file and the mirror layout.\n\n"
            "exit codes: 0 ok, 2 usage or unknown ecosystem, 3 bad input, I/O, network or DB.\n");
}

static void
usage_import(FILE *out)
{
    fprintf(out,
            "usage: kensa db import [--db PATH] [--force] [--format table|json] PATH...\n\n"
            "Import files or directories into the DB, each detected by content: an OSV\n"
            "all.zip, a directory of OSV JSON/YAML records, one OSV record, NVD CVE API 2.0\n"
            "data (yearly feed, API response page or single record; .gz/.xz/.bz2/.zst or\n"
            "plain), the EPSS CSV, the CISA KEV catalog, or a mirror root (osv/, nvd/,\n"
            "epss/, kev/). Each file is a source that a re-import replaces as a whole;\n"
            "importing unchanged data changes nothing. Prints what changed, by ecosystem.\n"
            "A malformed record is skipped with a warning naming the file and record and\n"
            "counted; an unreadable, truncated or unrecognised input fails the import and\n"
            "leaves the DB as it was.\n\n"
            "options:\n"
            "  --db PATH         the DB file (default: see kensa db --help)\n"
            "  --force           re-read inputs even when their digest is unchanged\n"
            "  --format FORMAT   table (default) or json\n");
}

static void
usage_update(FILE *out)
{
    fprintf(out,
            "usage: kensa db update [--db PATH] [--mirror URL|DIR] [--source NAME]...\n"
            "                       [--config FILE] [--force] [--no-progress]\n"
            "                       [--format table|json]\n\n"
            "Fetch the feeds and build a new DB beside the old one; it replaces the old one\n"
            "only when complete. Default sources are the public ones (OSV bucket, NVD CVE 2.0\n"
            "yearly feeds plus NVD API increments, FIRST EPSS, CISA KEV), or the mirror named\n"
            "by --mirror, $KENSA_MIRROR or the config file: a directory or HTTP server laid out\n"
            "as osv/ecosystems.txt, osv/<Ecosystem>/all.zip, nvd/nvdcve-2.0-<year>.json.gz,\n"
            "epss/epss_scores-current.csv.gz, kev/known_exploited_vulnerabilities.json.\n"
            "Conditional requests (ETag/Last-Modified), retries with backoff; a failed\n"
            "download or a corrupt file fails the update and keeps the old DB.\n\n"
            "options:\n"
            "  --db PATH         the DB file\n"
            "  --mirror URL|DIR  fetch from this mirror instead of the public sources\n"
            "  --source NAME     only this source (osv, osv:Go, nvd, nvd:2024, nvd:api, epss,\n"
            "                    kev); repeatable\n"
            "  --config FILE     source URLs and timeouts\n"
            "                    (default $XDG_CONFIG_HOME/kensa/vulndb.conf)\n"
            "  --force           download and re-import even unchanged sources\n"
            "  --no-progress     no progress bar (it is drawn only when stderr is a terminal)\n"
            "  --format FORMAT   table (default) or json\n");
}

static void
usage_status(FILE *out)
{
    fprintf(out, "usage: kensa db status [--db PATH] [--format table|json]\n\n"
                 "Path, schema version, build time, content hash, record counts, and each\n"
                 "source's location, record count, last check and age.\n");
}

static void
usage_query(FILE *out)
{
    fprintf(out,
            "usage: kensa db query [--db PATH] [--format table|json] ECOSYSTEM NAME [VERSION]\n\n"
            "The advisories for package NAME in ECOSYSTEM, or only those affecting VERSION,\n"
            "with the fixed version for each. ECOSYSTEM is an OSV ecosystem, with a release\n"
            "where the ecosystem has them (Debian:12, Alpine:v3.19); NAME is the name the\n"
            "ecosystem's advisories use (for Debian/Ubuntu the source package, for Alpine\n"
            "the origin, for Maven group:artifact). Withdrawn advisories are never listed.\n"
            "--format json prints {\"advisories\": [{\"id\", \"aliases\", \"summary\",\n"
            "\"severity\", \"fixedVersion\", ...}]}, one entry per advisory.\n");
}

static bool
parse_format(const char *cmd, const char *v, enum fmt *out)
{
    if (strcmp(v, "table") == 0 || strcmp(v, "text") == 0)
        *out = FMT_TABLE;
    else if (strcmp(v, "json") == 0)
        *out = FMT_JSON;
    else {
        cli_usage_error(cmd, "--format: unknown format '%s' (table or json)", v);
        return false;
    }
    return true;
}

/* The DB path: --db, else KENSA_DB / XDG_CACHE_HOME / HOME. */
static int
db_path(const char *opt, struct ks_buf *out)
{
    struct ks_err err = KS_ERR_INIT;

    if (opt != NULL) {
        ks_buf_appends(out, opt);
        return KS_EXIT_OK;
    }
    if (ks_vulndb_default_path(out, &err) != KS_OK)
        return cli_fail(&err);
    return KS_EXIT_OK;
}

/* A JSON string, or null for NULL. */
static json_t *
jstr_or_null(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static bool
print_json(json_t *doc)
{
    struct ks_buf b = KS_BUF_INIT((size_t)1 << 30);
    struct ks_err err = KS_ERR_INIT;
    bool ok;

    if (doc == NULL) {
        cli_error("out of memory");
        return false;
    }
    if (ks_json_dump(doc, true, &b, &err) != KS_OK) {
        cli_fail(&err);
        ks_buf_release(&b);
        return false;
    }
    ks_buf_putc(&b, '\n');
    ok = cli_write_stdout(b.data, b.len);
    ks_buf_release(&b);
    return ok;
}

static void
time_str(time_t t, char out[21])
{
    if (t <= 0) {
        snprintf(out, 21, "never");
        return;
    }
    ks_time_rfc3339(t, out);
}

static void
age_str(int64_t s, char *out, size_t n)
{
    if (s < 0)
        snprintf(out, n, "-");
    else if (s < 120)
        snprintf(out, n, "%llds", (long long)s);
    else if (s < 7200)
        snprintf(out, n, "%lldm", (long long)(s / 60));
    else if (s < 3 * 86400)
        snprintf(out, n, "%lldh", (long long)(s / 3600));
    else
        snprintf(out, n, "%lldd", (long long)(s / 86400));
}

/* ------------------------------------------------------------------------ */
/* Summaries of import/update                                               */

static json_t *
counts_json(const uint64_t c[KS_CHANGE_COUNT])
{
    return json_pack("{s:I, s:I, s:I, s:I}", "added", (json_int_t)c[KS_CHANGE_ADDED], "modified",
                     (json_int_t)c[KS_CHANGE_MODIFIED], "withdrawn",
                     (json_int_t)c[KS_CHANGE_WITHDRAWN], "removed",
                     (json_int_t)c[KS_CHANGE_REMOVED]);
}

static int
print_summary(const char *cmd, const char *path, const struct ks_vulndb_summary *s, enum fmt fmt)
{
    if (fmt == FMT_JSON) {
        json_t *doc = json_object(), *srcs = json_array(), *ecos = json_array();

        for (size_t i = 0; i < s->n_sources; i++) {
            const struct ks_vulndb_source_result *r = &s->sources[i];
            json_t *o = counts_json(r->counts);

            json_object_set_new(o, "source", json_string(r->name));
            json_object_set_new(o, "location", jstr_or_null(r->location));
            json_object_set_new(o, "state", json_string(r->state));
            json_object_set_new(o, "records", json_integer((json_int_t)r->records));
            json_object_set_new(o, "malformed", json_integer((json_int_t)r->malformed));
            json_array_append_new(srcs, o);
        }
        for (size_t i = 0; i < s->n_ecosystems; i++) {
            json_t *o = counts_json(s->ecosystems[i].counts);

            json_object_set_new(o, "ecosystem", json_string(s->ecosystems[i].ecosystem));
            json_array_append_new(ecos, o);
        }
        json_object_set_new(doc, "db", json_string(path));
        json_object_set_new(doc, "written", json_boolean(s->written));
        json_object_set_new(doc, "fromScratch", json_boolean(s->from_scratch));
        json_object_set_new(doc, "seq", json_integer((json_int_t)s->seq));
        json_object_set_new(doc, "contentHash",
                            jstr_or_null(s->content_hash));
        json_object_set_new(doc, "advisories", json_integer((json_int_t)s->advisories_total));
        json_object_set_new(doc, "malformed", json_integer((json_int_t)s->malformed));
        json_object_set_new(doc, "sources", srcs);
        json_object_set_new(doc, "ecosystems", ecos);
        json_object_set_new(doc, "nvd", counts_json(s->nvd_counts));
        json_object_set_new(doc, "kev", counts_json(s->kev_counts));
        bool ok = print_json(doc);

        json_decref(doc);
        return ok ? KS_EXIT_OK : KS_EXIT_RUNTIME;
    }
    printf("kensa db %s: %s\n", cmd, path);
    if (!s->written)
        printf("no changes: the DB was left as it was\n");
    else
        printf("%s, update %llu, %llu advisories\n", s->from_scratch ? "new DB" : "updated",
               (unsigned long long)s->seq, (unsigned long long)s->advisories_total);
    if (s->n_sources > 0) {
        printf("\n%-28s %-13s %9s %8s %8s %9s %8s %9s\n", "SOURCE", "STATE", "RECORDS", "ADDED",
               "MODIFIED", "WITHDRAWN", "REMOVED", "MALFORMED");
        for (size_t i = 0; i < s->n_sources; i++) {
            const struct ks_vulndb_source_result *r = &s->sources[i];

            printf("%-28s %-13s %9llu %8llu %8llu %9llu %8llu %9llu\n", r->name, r->state,
                   (unsigned long long)r->records,
                   (unsigned long long)r->counts[KS_CHANGE_ADDED],
                   (unsigned long long)r->counts[KS_CHANGE_MODIFIED],
                   (unsigned long long)r->counts[KS_CHANGE_WITHDRAWN],
                   (unsigned long long)r->counts[KS_CHANGE_REMOVED],
                   (unsigned long long)r->malformed);
        }
    }
    if (s->n_ecosystems > 0) {
        printf("\n%-28s %8s %8s %9s %8s\n", "ADVISORIES BY ECOSYSTEM", "ADDED", "MODIFIED",
               "WITHDRAWN", "REMOVED");
        for (size_t i = 0; i < s->n_ecosystems; i++) {
            const uint64_t *c = s->ecosystems[i].counts;

            printf("%-28s %8llu %8llu %9llu %8llu\n", s->ecosystems[i].ecosystem,
                   (unsigned long long)c[KS_CHANGE_ADDED],
                   (unsigned long long)c[KS_CHANGE_MODIFIED],
                   (unsigned long long)c[KS_CHANGE_WITHDRAWN],
                   (unsigned long long)c[KS_CHANGE_REMOVED]);
        }
    }
    for (int k = 0; k < 2; k++) {
        const uint64_t *c = k == 0 ? s->nvd_counts : s->kev_counts;

        if (c[0] + c[1] + c[2] + c[3] > 0)
            printf("%s: %llu added, %llu modified, %llu removed\n",
                   k == 0 ? "NVD CVEs" : "KEV entries",
                   (unsigned long long)c[KS_CHANGE_ADDED],
                   (unsigned long long)c[KS_CHANGE_MODIFIED],
                   (unsigned long long)c[KS_CHANGE_REMOVED]);
    }
    if (s->malformed > 0)
        printf("%llu malformed records skipped (see the warnings above)\n",
               (unsigned long long)s->malformed);
    if (s->content_hash != NULL)
        printf("content hash: %s\n", s->content_hash);
    return KS_EXIT_OK;
}

/* ------------------------------------------------------------------------ */
/* import                                                                   */

static int
cmd_import(int argc, char **argv, const char *db_opt)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},   {"force", no_argument, NULL, 'f'},
        {"format", required_argument, NULL, 'F'}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct ks_vulndb_import_opts io = {0};
    struct ks_buf path = KS_BUF_INIT(8192);
    struct ks_err err = KS_ERR_INIT;
    struct ks_vulndb_summary sum;
    struct ks_arena *a = NULL;
    enum fmt fmt = FMT_TABLE;
    int c, rc;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db_opt = optarg;
            break;
        case 'f':
            io.force = true;
            break;
        case 'F':
            if (!parse_format("db import", optarg, &fmt))
                return KS_EXIT_USAGE;
            break;
        case 'h':
            usage_import(stdout);
            return KS_EXIT_OK;
        default:
            return cli_usage_error("db import", "unknown option");
        }
    }
    if (optind >= argc)
        return cli_usage_error("db import", "nothing to import: give one or more paths");
    if ((rc = db_path(db_opt, &path)) != KS_EXIT_OK)
        goto out;
    a = ks_arena_new(64 * 1024);
    if (a == NULL) {
        cli_error("out of memory");
        rc = KS_EXIT_RUNTIME;
        goto out;
    }
    if (ks_vulndb_import(path.data, (const char *const *)argv + optind, (size_t)(argc - optind),
                         &io, a, &sum, &err) != KS_OK) {
        rc = cli_fail(&err);
        if (rc == KS_EXIT_USAGE)
            rc = KS_EXIT_RUNTIME;
        goto out;
    }
    rc = print_summary("import", path.data, &sum, fmt);
out:
    ks_arena_free(a);
    ks_buf_release(&path);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* update                                                                   */

struct bar {
    bool active;
    char what[64];
};

static void
progress(void *ctx, const char *what, uint64_t done, uint64_t total)
{
    struct bar *b = ctx;
    char line[160];
    int width = 30, filled;

    if (what == NULL) {
        if (b->active)
            fputs("\r\033[K", stderr);
        b->active = false;
        return;
    }
    b->active = true;
    if (total > 0) {
        filled = (int)((double)done / (double)total * width);
        if (filled > width)
            filled = width;
        snprintf(line, sizeof(line), "\r%-24.24s [%.*s%*s] %6.1f/%.1f MB\033[K", what, filled,
                 "##############################", width - filled, "", (double)done / 1e6,
                 (double)total / 1e6);
    } else {
        snprintf(line, sizeof(line), "\r%-24.24s %6.1f MB\033[K", what, (double)done / 1e6);
    }
    fputs(line, stderr);
    fflush(stderr);
}

static int
cmd_update(int argc, char **argv, const char *db_opt)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},      {"mirror", required_argument, NULL, 'm'},
        {"source", required_argument, NULL, 's'},  {"config", required_argument, NULL, 'c'},
        {"force", no_argument, NULL, 'f'},         {"no-progress", no_argument, NULL, 'n'},
        {"format", required_argument, NULL, 'F'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *only[MAX_SOURCES_ARG];
    struct ks_vulndb_update_opts uo = {0};
    struct ks_buf path = KS_BUF_INIT(8192);
    struct ks_err err = KS_ERR_INIT;
    struct ks_vulndb_summary sum;
    struct ks_arena *a = NULL;
    struct bar bar = {0};
    enum fmt fmt = FMT_TABLE;
    bool no_progress = false;
    int c, rc;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db_opt = optarg;
            break;
        case 'm':
            uo.mirror = optarg;
            break;
        case 's': {
            const char *k = optarg;

            if (uo.n_only >= MAX_SOURCES_ARG)
                return cli_usage_error("db update", "too many --source options");
            if (strncmp(k, "osv", 3) != 0 && strncmp(k, "nvd", 3) != 0 && strcmp(k, "epss") != 0 &&
                strcmp(k, "kev") != 0 && !ks_vulndb_is_distro_source(k))
                return cli_usage_error("db update",
                                       "--source: unknown source '%s' (osv, osv:ECOSYSTEM, nvd, "
                                       "nvd:YEAR, nvd:api, epss, kev, or a distro feed: alas, "
                                       "secdb, debian, ... as in docs/feeds.md)",
                                       k);
            if ((strncmp(k, "osv", 3) == 0 || strncmp(k, "nvd", 3) == 0) && k[3] != '\0' &&
                k[3] != ':')
                return cli_usage_error("db update", "--source: unknown source '%s'", k);
            only[uo.n_only++] = k;
            break;
        }
        case 'c':
            uo.config_path = optarg;
            break;
        case 'f':
            uo.force = true;
            break;
        case 'n':
            no_progress = true;
            break;
        case 'F':
            if (!parse_format("db update", optarg, &fmt))
                return KS_EXIT_USAGE;
            break;
        case 'h':
            usage_update(stdout);
            return KS_EXIT_OK;
        default:
            return cli_usage_error("db update", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error("db update", "unexpected argument '%s'", argv[optind]);
    uo.only = only;
    if (!no_progress && cli_stderr_tty()) {
        uo.progress = progress;
        uo.progress_ctx = &bar;
    }
    if ((rc = db_path(db_opt, &path)) != KS_EXIT_OK)
        goto out;
    a = ks_arena_new(64 * 1024);
    if (a == NULL) {
        cli_error("out of memory");
        rc = KS_EXIT_RUNTIME;
        goto out;
    }
    if (ks_vulndb_update(path.data, &uo, a, &sum, &err) != KS_OK) {
        progress(&bar, NULL, 0, 0);
        rc = cli_fail(&err);
        /* A bad config file is a usage error; everything else a runtime error. */
        if (rc == KS_EXIT_USAGE && strstr(err.msg, "unknown key") == NULL &&
            strstr(err.msg, "nvd.years") == NULL && strstr(err.msg, "is not a number") == NULL)
            rc = KS_EXIT_RUNTIME;
        goto out;
    }
    rc = print_summary("update", path.data, &sum, fmt);
out:
    ks_arena_free(a);
    ks_buf_release(&path);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* status                                                                   */

static int
cmd_status(int argc, char **argv, const char *db_opt)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct ks_buf path = KS_BUF_INIT(8192);
    struct ks_err err = KS_ERR_INIT;
    struct ks_vulndb *db = NULL;
    struct ks_vulndb_status st;
    struct ks_arena *a = NULL;
    enum fmt fmt = FMT_TABLE;
    time_t now = ks_time_now();
    const char *oldest = NULL;
    int64_t age;
    int c, rc;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db_opt = optarg;
            break;
        case 'F':
            if (!parse_format("db status", optarg, &fmt))
                return KS_EXIT_USAGE;
            break;
        case 'h':
            usage_status(stdout);
            return KS_EXIT_OK;
        default:
            return cli_usage_error("db status", "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error("db status", "unexpected argument '%s'", argv[optind]);
    if ((rc = db_path(db_opt, &path)) != KS_EXIT_OK)
        goto out;
    a = ks_arena_new(64 * 1024);
    if (a == NULL || ks_vulndb_open(path.data, &db, &err) != KS_OK ||
        ks_vulndb_status(db, a, &st, &err) != KS_OK) {
        rc = a == NULL ? (cli_error("out of memory"), KS_EXIT_RUNTIME) : cli_fail(&err);
        if (rc == KS_EXIT_USAGE)
            rc = KS_EXIT_RUNTIME;
        goto out;
    }
    age = ks_vulndb_age(db, now, &oldest);
    if (fmt == FMT_JSON) {
        json_t *doc = json_object(), *srcs = json_array();
        char t[21];

        for (size_t i = 0; i < st.n_sources; i++) {
            const struct ks_vulndb_source_info *s = &st.sources[i];
            json_t *o = json_object();
            char ct[21], ch[21];

            time_str(s->checked_at, ct);
            time_str(s->changed_at, ch);
            json_object_set_new(o, "name", json_string(s->name));
            json_object_set_new(o, "kind", json_string(s->kind));
            json_object_set_new(o, "location", jstr_or_null(s->location));
            json_object_set_new(o, "records", json_integer((json_int_t)s->records));
            json_object_set_new(o, "malformed", json_integer((json_int_t)s->malformed));
            json_object_set_new(o, "checkedAt", json_string(ct));
            json_object_set_new(o, "changedAt", json_string(ch));
            json_object_set_new(o, "ageSeconds", json_integer((json_int_t)(now - s->checked_at)));
            json_object_set_new(o, "etag", jstr_or_null(s->etag));
            json_object_set_new(o, "lastModified",
                                jstr_or_null(s->last_modified));
            json_object_set_new(o, "dataTime", jstr_or_null(s->data_time));
            json_object_set_new(o, "digest", jstr_or_null(s->digest));
            json_array_append_new(srcs, o);
        }
        time_str(st.built_at, t);
        json_object_set_new(doc, "path", json_string(st.path));
        json_object_set_new(doc, "schemaVersion", json_integer(st.schema_version));
        json_object_set_new(doc, "builtAt", json_string(t));
        json_object_set_new(doc, "seq", json_integer((json_int_t)st.seq));
        json_object_set_new(doc, "lineage", json_string(st.lineage ? st.lineage : ""));
        json_object_set_new(doc, "contentHash",
                            jstr_or_null(st.content_hash));
        json_object_set_new(doc, "kensaVersion",
                            jstr_or_null(st.kensa_version));
        json_object_set_new(doc, "ageSeconds", age >= 0 ? json_integer(age) : json_null());
        json_object_set_new(doc, "oldestSource", oldest ? json_string(oldest) : json_null());
        json_object_set_new(doc, "counts",
                            json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "advisories",
                                      (json_int_t)st.advisories, "withdrawn",
                                      (json_int_t)st.withdrawn, "affected",
                                      (json_int_t)st.affected_rows, "nvd",
                                      (json_int_t)st.nvd_records, "epss",
                                      (json_int_t)st.epss_records, "kev",
                                      (json_int_t)st.kev_records));
        json_object_set_new(doc, "sources", srcs);
        rc = print_json(doc) ? KS_EXIT_OK : KS_EXIT_RUNTIME;
        json_decref(doc);
        goto out;
    }
    {
        char t[21], ag[32];

        time_str(st.built_at, t);
        age_str(age, ag, sizeof(ag));
        printf("path:           %s\n", st.path);
        printf("schema version: %d\n", st.schema_version);
        printf("built at:       %s (update %llu)\n", t, (unsigned long long)st.seq);
        printf("content hash:   %s\n", st.content_hash ? st.content_hash : "-");
        printf("advisories:     %llu (%llu withdrawn), %llu affected packages\n",
               (unsigned long long)st.advisories, (unsigned long long)st.withdrawn,
               (unsigned long long)st.affected_rows);
        printf("NVD CVEs:       %llu\n", (unsigned long long)st.nvd_records);
        printf("EPSS scores:    %llu\n", (unsigned long long)st.epss_records);
        printf("KEV entries:    %llu\n", (unsigned long long)st.kev_records);
        printf("age:            %s%s%s%s\n", ag, oldest ? " (oldest source: " : "",
               oldest ? oldest : "", oldest ? ")" : "");
        printf("\n%-24s %9s  %-20s %6s  %-24s %s\n", "SOURCE", "RECORDS", "CHECKED", "AGE",
               "DATA TIME", "LOCATION");
        for (size_t i = 0; i < st.n_sources; i++) {
            const struct ks_vulndb_source_info *s = &st.sources[i];

            time_str(s->checked_at, t);
            age_str(now - s->checked_at, ag, sizeof(ag));
            printf("%-24s %9llu  %-20s %6s  %-24s %s\n", s->name,
                   (unsigned long long)s->records, t, ag, s->data_time ? s->data_time : "-",
                   s->location ? s->location : "-");
        }
    }
out:
    ks_vulndb_free(db);
    ks_arena_free(a);
    ks_buf_release(&path);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* query                                                                    */

struct qadv {
    const char *id;
    size_t first, n; /* hits[first .. first+n) */
    enum ks_affect affect;
    char reason[200];
    const char *fixed; /* nearest fix (with VERSION) */
};

static bool
is_cve_id(const char *s)
{
    return s != NULL && strncmp(s, "CVE-", 4) == 0;
}

/* CVE ids an advisory names: its id, aliases and upstream. */
static size_t
cve_ids(const struct ks_advisory *adv, const char **out, size_t max)
{
    size_t n = 0;

    if (is_cve_id(adv->id) && n < max)
        out[n++] = adv->id;
    for (size_t i = 0; i < adv->n_aliases && n < max; i++)
        if (is_cve_id(adv->aliases[i]))
            out[n++] = adv->aliases[i];
    for (size_t i = 0; i < adv->n_upstream && n < max; i++)
        if (is_cve_id(adv->upstream[i]))
            out[n++] = adv->upstream[i];
    return n;
}

static json_t *
strs_json(const char *const *v, size_t n)
{
    json_t *a = json_array();

    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(v[i]));
    return a;
}

/* A short severity label for the table: NVD's, else the advisory's own word. */
static void
severity_label(const struct ks_advisory *adv, const struct ks_nvd_record *nvd, char *out,
               size_t n)
{
    const char *word = NULL;

    snprintf(out, n, "-");
    if (nvd != NULL) {
        for (size_t i = 0; i < nvd->n_metrics; i++) {
            if (nvd->metrics[i].base_severity != NULL && nvd->metrics[i].base_score >= 0) {
                snprintf(out, n, "%s %.1f", nvd->metrics[i].base_severity,
                         nvd->metrics[i].base_score);
                return;
            }
        }
    }
    if (adv->database_specific != NULL)
        word = ks_json_str(adv->database_specific, "severity");
    if (word != NULL)
        snprintf(out, n, "%s", word);
    else if (adv->n_severity > 0)
        snprintf(out, n, "%s", adv->severity[0].type);
}

static int
cmd_query(int argc, char **argv, const char *db_opt)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, 'F'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct ks_buf path = KS_BUF_INIT(8192);
    struct ks_err err = KS_ERR_INIT;
    struct ks_vulndb *db = NULL;
    struct ks_vulndb_hits hits;
    struct ks_arena *a = NULL;
    struct qadv *advs = NULL;
    size_t n_advs = 0;
    enum fmt fmt = FMT_TABLE;
    enum ks_eco eco;
    struct ks_str release;
    const char *version = NULL;
    json_t *out_doc = NULL, *out_list = NULL;
    int c, rc;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db_opt = optarg;
            break;
        case 'F':
            if (!parse_format("db query", optarg, &fmt))
                return KS_EXIT_USAGE;
            break;
        case 'h':
            usage_query(stdout);
            return KS_EXIT_OK;
        default:
            return cli_usage_error("db query", "unknown option");
        }
    }
    if (argc - optind < 2 || argc - optind > 3)
        return cli_usage_error("db query", "expected ECOSYSTEM NAME [VERSION]");
    if (ks_eco_parse(ks_str_c(argv[optind]), &eco, &release, &err) != KS_OK ||
        eco == KS_ECO_UNKNOWN)
        return cli_usage_error("db query", "%s", err.msg);
    if (argv[optind + 1][0] == '\0')
        return cli_usage_error("db query", "NAME is empty");
    if (argc - optind == 3)
        version = argv[optind + 2];
    if ((rc = db_path(db_opt, &path)) != KS_EXIT_OK)
        goto out;
    a = ks_arena_new(256 * 1024);
    if (a == NULL || ks_vulndb_open(path.data, &db, &err) != KS_OK ||
        ks_vulndb_find_by_package(db, eco, release, ks_str_c(argv[optind + 1]), a, &hits, &err) !=
            KS_OK) {
        rc = a == NULL ? (cli_error("out of memory"), KS_EXIT_RUNTIME) : cli_fail(&err);
        if (rc == KS_EXIT_USAGE)
            rc = KS_EXIT_RUNTIME;
        goto out;
    }
    /* Group the hits (sorted by id) into advisories and evaluate VERSION. */
    advs = ks_arena_calloc(a, hits.n + 1, sizeof(*advs));
    if (advs == NULL) {
        cli_error("out of memory");
        rc = KS_EXIT_RUNTIME;
        goto out;
    }
    for (size_t i = 0; i < hits.n; i++) {
        struct qadv *q;

        if (n_advs == 0 || strcmp(advs[n_advs - 1].id, hits.items[i].id) != 0) {
            q = &advs[n_advs++];
            q->id = hits.items[i].id;
            q->first = i;
            q->affect = KS_AFFECT_NO;
        }
        q = &advs[n_advs - 1];
        q->n++;
        if (version != NULL) {
            struct ks_affect_result r;
            const struct ks_vulndb_hit *h = &hits.items[i];

            if (h->status == KS_VSTATUS_NOT_AFFECTED)
                continue;
            if (ks_osv_evaluate(&h->affected, ks_str_c(version), &r, &err) != KS_OK) {
                rc = cli_fail(&err);
                goto out;
            }
            if (r.affected == KS_AFFECT_YES) {
                if (q->affect != KS_AFFECT_YES || q->fixed == NULL)
                    q->fixed = r.fixed.len ? ks_arena_strdup_str(a, r.fixed) : q->fixed;
                q->affect = KS_AFFECT_YES;
            } else if (r.affected == KS_AFFECT_UNKNOWN && q->affect == KS_AFFECT_NO) {
                q->affect = KS_AFFECT_UNKNOWN;
                snprintf(q->reason, sizeof(q->reason), "%s", r.reason);
            }
        }
    }
    out_list = json_array();
    if (fmt == FMT_TABLE)
        printf("%-24s %-14s %-20s %s\n", "ID", "SEVERITY", "FIXED", "SUMMARY");
    for (size_t i = 0; i < n_advs; i++) {
        struct qadv *q = &advs[i];
        struct ks_advisory adv;
        struct ks_nvd_record nvd_rec, *nvd = NULL;
        const char *cves[64];
        size_t n_cves;
        json_t *o, *sev, *fixes, *cvss, *ecos;
        const char *best_fix = NULL;
        enum ks_scheme scheme = ks_eco_info(eco)->scheme;

        if (version != NULL && q->affect == KS_AFFECT_NO)
            continue;
        if (ks_vulndb_get_advisory(db, ks_str_c(q->id), a, &adv, &err) != KS_OK) {
            rc = cli_fail(&err);
            goto out;
        }
        n_cves = cve_ids(&adv, cves, KS_ARRAY_LEN(cves));
        for (size_t k = 0; k < n_cves && nvd == NULL; k++)
            if (ks_vulndb_nvd(db, ks_str_c(cves[k]), a, &nvd_rec, NULL) == KS_OK)
                nvd = &nvd_rec;
        /* Every fixed event of the matching entries, in record order, distinct. */
        fixes = json_array();
        ecos = json_array();
        for (size_t k = q->first; k < q->first + q->n; k++) {
            const struct ks_vulndb_hit *h = &hits.items[k];
            bool dup = false;

            for (size_t e = 0; e < json_array_size(ecos) && !dup; e++)
                dup = strcmp(json_string_value(json_array_get(ecos, e)), h->ecosystem) == 0;
            if (!dup)
                json_array_append_new(ecos, json_string(h->ecosystem));
            for (size_t r = 0; r < h->affected.n_ranges; r++) {
                const struct ks_osv_range *rg = &h->affected.ranges[r];

                for (size_t e = 0; e < rg->n_events; e++) {
                    const struct ks_osv_event *ev = &rg->events[e];
                    int cmp;

                    if (ev->type != KS_EV_FIXED || rg->type == KS_RANGE_GIT)
                        continue;
                    dup = false;
                    for (size_t f = 0; f < json_array_size(fixes) && !dup; f++)
                        dup = strcmp(json_string_value(json_array_get(fixes, f)),
                                     ev->version.ptr) == 0;
                    if (dup)
                        continue;
                    json_array_append_new(fixes, json_stringn(ev->version.ptr, ev->version.len));
                    if (best_fix == NULL ||
                        (ks_ver_compare(scheme, ev->version, ks_str_c(best_fix), &cmp, NULL) ==
                             KS_OK &&
                         cmp > 0))
                        best_fix = ev->version.ptr;
                }
            }
        }
        if (version != NULL)
            best_fix = q->fixed;
        if (fmt == FMT_TABLE) {
            char sl[32];
            char summary[81];

            severity_label(&adv, nvd, sl, sizeof(sl));
            /* Distro feeds state their own word ("important"): better than nothing. */
            if (strcmp(sl, "-") == 0 && hits.items[q->first].vendor_severity != NULL)
                snprintf(sl, sizeof(sl), "%s", hits.items[q->first].vendor_severity);
            snprintf(summary, sizeof(summary), "%s",
                     adv.summary ? adv.summary
                                 : (adv.details ? adv.details : (nvd && nvd->description
                                                                     ? nvd->description
                                                                     : "")));
            for (char *p = summary; *p; p++)
                if (*p == '\n' || *p == '\t')
                    *p = ' ';
            printf("%-24s %-14s %-20s %s%s\n", q->id, sl, best_fix ? best_fix : "-", summary,
                   q->affect == KS_AFFECT_UNKNOWN ? " [unknown: version not comparable]" : "");
            json_decref(fixes);
            json_decref(ecos);
            continue;
        }
        o = json_object();
        json_object_set_new(o, "id", json_string(adv.id));
        json_object_set_new(o, "aliases", strs_json(adv.aliases, adv.n_aliases));
        if (adv.n_upstream > 0)
            json_object_set_new(o, "upstream", strs_json(adv.upstream, adv.n_upstream));
        json_object_set_new(o, "summary", jstr_or_null(adv.summary));
        if (adv.details != NULL)
            json_object_set_new(o, "details", json_string(adv.details));
        sev = json_array();
        for (size_t k = 0; k < adv.n_severity; k++)
            json_array_append_new(sev, json_pack("{s:s, s:s}", "type", adv.severity[k].type,
                                                 "score", adv.severity[k].score));
        json_object_set_new(o, "severity", sev);
        cvss = json_array();
        for (size_t k = 0; nvd != NULL && k < nvd->n_metrics; k++) {
            const struct ks_nvd_metric *m = &nvd->metrics[k];
            json_t *mo = json_pack("{s:s, s:s, s:s, s:s, s:s}", "cve", nvd->id, "version",
                                   m->version, "source", m->source ? m->source : "", "type",
                                   m->type ? m->type : "", "vector", m->vector);

            if (m->base_score >= 0)
                json_object_set_new(mo, "baseScore", json_real(m->base_score));
            if (m->base_severity != NULL)
                json_object_set_new(mo, "baseSeverity", json_string(m->base_severity));
            json_array_append_new(cvss, mo);
        }
        json_object_set_new(o, "cvss", cvss);
        if (nvd != NULL && nvd->n_cwes > 0)
            json_object_set_new(o, "cwes", strs_json(nvd->cwes, nvd->n_cwes));
        for (size_t k = 0; k < n_cves; k++) {
            struct ks_epss ep;

            if (ks_vulndb_epss(db, ks_str_c(cves[k]), &ep, NULL) == KS_OK) {
                json_object_set_new(o, "epss",
                                    json_pack("{s:s, s:f, s:f}", "cve", cves[k], "score", ep.score,
                                              "percentile", ep.percentile));
                break;
            }
        }
        for (size_t k = 0; k < n_cves; k++) {
            struct ks_kev kev;

            if (ks_vulndb_kev(db, ks_str_c(cves[k]), a, &kev, NULL) == KS_OK) {
                json_object_set_new(
                    o, "kev",
                    json_pack("{s:s, s:s, s:s?, s:s?, s:s?}", "cve", kev.cve, "dateAdded",
                              kev.date_added, "dueDate", kev.due_date,
                              "knownRansomwareCampaignUse", kev.known_ransomware_campaign_use,
                              "requiredAction", kev.required_action));
                break;
            }
        }
        json_object_set_new(o, "fixedVersion", best_fix ? json_string(best_fix) : json_null());
        json_object_set_new(o, "fixedVersions", fixes);
        json_object_set_new(o, "ecosystems", ecos);
        json_object_set_new(o, "package", json_string(hits.items[q->first].name));
        if (hits.items[q->first].status != KS_VSTATUS_NONE)
            json_object_set_new(o, "status",
                                json_string(ks_vuln_status_name(hits.items[q->first].status)));
        if (hits.items[q->first].vendor_severity != NULL)
            json_object_set_new(o, "vendorSeverity",
                                json_string(hits.items[q->first].vendor_severity));
        if (version != NULL) {
            json_object_set_new(o, "affected", json_string(q->affect == KS_AFFECT_YES ? "yes"
                                                                                      : "unknown"));
            if (q->affect == KS_AFFECT_UNKNOWN)
                json_object_set_new(o, "reason", json_string(q->reason));
        }
        json_object_set_new(o, "modified", adv.modified && adv.modified[0]
                                               ? json_string(adv.modified)
                                               : json_null());
        if (adv.published != NULL)
            json_object_set_new(o, "published", json_string(adv.published));
        json_object_set_new(o, "source", jstr_or_null(adv.source));
        json_array_append_new(out_list, o);
    }
    if (fmt == FMT_JSON) {
        out_doc = json_object();
        json_object_set_new(out_doc, "ecosystem", json_string(argv[optind]));
        json_object_set_new(out_doc, "package", json_string(argv[optind + 1]));
        json_object_set_new(out_doc, "version", version ? json_string(version) : json_null());
        json_object_set_new(out_doc, "advisories", json_incref(out_list));
        rc = print_json(out_doc) ? KS_EXIT_OK : KS_EXIT_RUNTIME;
    } else {
        rc = KS_EXIT_OK;
    }
out:
    json_decref(out_doc);
    json_decref(out_list);
    ks_vulndb_free(db);
    ks_arena_free(a);
    ks_buf_release(&path);
    return rc;
}

/* ------------------------------------------------------------------------ */

int
ks_cmd_db(int argc, char **argv)
{
    const char *db_opt = NULL;
    int i = 1;

    /* --db may also come before the command: kensa db --db X status */
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage_db(stdout);
            return KS_EXIT_OK;
        }
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            db_opt = argv[i + 1];
            i += 2;
        } else if (strncmp(argv[i], "--db=", 5) == 0) {
            db_opt = argv[i] + 5;
            i++;
        } else {
            return cli_usage_error("db", "unknown option '%s'", argv[i]);
        }
    }
    if (i >= argc) {
        usage_db(stderr);
        return KS_EXIT_USAGE;
    }
    argc -= i;
    argv += i;
    if (strcmp(argv[0], "import") == 0)
        return cmd_import(argc, argv, db_opt);
    if (strcmp(argv[0], "update") == 0)
        return cmd_update(argc, argv, db_opt);
    if (strcmp(argv[0], "status") == 0)
        return cmd_status(argc, argv, db_opt);
    if (strcmp(argv[0], "query") == 0)
        return cmd_query(argc, argv, db_opt);
    return cli_usage_error("db", "unknown command '%s' (import, update, status, query)", argv[0]);
}
