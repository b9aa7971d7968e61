/*
 * scan.c: the pipeline driver. Inventories the target, opens the DB (and
 * says when it is stale), matches, scores and builds the result document.
 * Timings per stage go into the stats for `make bench` and --log-level info.
 */
#include "scan/scan_int.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/banned.h"

void
ks_scan_free(struct ks_scan *scan)
{
    if (scan == NULL)
        return;
    json_decref(scan->doc);
    ks_arena_free(scan->arena);
    ks_free(scan);
}

static enum ks_code
parse_list(const char *list, const char *what, unsigned *out, struct ks_err *err,
           bool (*word)(struct ks_str w, unsigned *bit))
{
    struct ks_str rest = ks_str_c(list), item, tail;
    unsigned bits = 0;

    while (rest.len > 0) {
        unsigned bit;

        if (!ks_str_split2(rest, ',', &item, &tail)) {
            item = rest;
            tail = KS_STR_NULL;
        }
        rest = tail;
        item = ks_str_trim(item);
        if (item.len == 0)
            continue;
        if (!word(item, &bit))
            return ks_err_set(err, KS_EINVAL, "unknown %s '" KS_STR_FMT "'", what,
                              KS_STR_ARG(item));
        bits |= bit;
    }
    *out = bits;
    return KS_OK;
}

static bool
status_word(struct ks_str w, unsigned *bit)
{
    enum ks_vuln_status s;

    if (ks_vuln_status_parse(w, &s) != KS_OK || s == KS_VSTATUS_NONE)
        return false;
    *bit = 1u << s;
    return true;
}

static bool
severity_word(struct ks_str w, unsigned *bit)
{
    enum ks_rsev s;

    if (ks_rsev_parse(w, &s) != KS_OK)
        return false;
    *bit = 1u << s;
    return true;
}

enum ks_code
ks_scan_parse_statuses(const char *list, unsigned *out, struct ks_err *err)
{
    return parse_list(list, "vendor status (affected, fixed, will_not_fix, fix_deferred, "
                            "end_of_life, not_affected)",
                      out, err, status_word);
}

enum ks_code
ks_scan_parse_severities(const char *list, unsigned *out, struct ks_err *err)
{
    return parse_list(list, "severity (UNTRIAGED, INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL)",
                      out, err, severity_word);
}

bool
ks_scan_gate(const struct ks_scan *scan, enum ks_rsev threshold, bool untriaged)
{
    if (untriaged && scan->stats.by_severity[KS_RSEV_UNTRIAGED] > 0)
        return true;
    for (int s = threshold > KS_RSEV_UNTRIAGED ? threshold : KS_RSEV_INFORMATIONAL;
         s < KS_RSEV_COUNT; s++)
        if (scan->stats.by_severity[s] > 0)
            return true;
    return false;
}

/* ------------------------------------------------------------------------ */
/* The resource every finding names.                                        */

static const char *
detail(const struct ks_inventory *inv, const char *key)
{
    return ks_kvs_get(&inv->target.details, key);
}

static const char *
resource_id(struct scan_build *b)
{
    const struct ks_inventory *inv = b->scan->inv;
    const char *digest = detail(inv, "imageDigest");
    const char *repo = detail(inv, "repository");
    char host[256];

    if (b->opts->resource_id != NULL)
        return b->opts->resource_id;
    if (digest != NULL)
        return repo ? ks_arena_sprintf(b->a, "%s@%s", repo, digest) : digest;
    if (detail(inv, "liveRoot") != NULL && gethostname(host, sizeof(host)) == 0) {
        host[sizeof(host) - 1] = '\0';
        return ks_arena_sprintf(b->a, "host/%s", host);
    }
    return inv->target.name ? inv->target.name : "unknown";
}

/* "DEBIAN_12", "ALPINE_3_19": Inspector's platform spelling. */
static const char *
platform(struct scan_build *b)
{
    const struct ks_os *os = &b->scan->inv->os;
    char *p;

    if (!b->scan->inv->has_os || os->id == NULL)
        return NULL;
    p = ks_arena_sprintf(b->a, "%s%s%s", os->id, os->version_id ? "_" : "",
                         os->version_id ? os->version_id : "");
    for (char *q = p; q != NULL && *q; q++) {
        if (*q >= 'a' && *q <= 'z')
            *q = (char)(*q - 'a' + 'A');
        else if (!((*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9')))
            *q = '_';
    }
    return p;
}

static enum ks_code
build_resource(struct scan_build *b, struct ks_err *err)
{
    const struct ks_inventory *inv = b->scan->inv;
    json_t *r = json_object(), *details = json_object(), *typed = json_object();
    json_t *kensa = json_object();
    const char *plat = platform(b);
    bool oom = r == NULL || details == NULL || typed == NULL || kensa == NULL;
    const char *key = NULL;

    oom |= ks_scan_json_set_str(r, "type", ks_resource_type_name(inv->target.type)) != KS_OK;
    oom |= ks_scan_json_set_str(r, "id", b->resource_id) != KS_OK;
    switch (inv->target.type) {
    case KS_RES_CONTAINER_IMAGE: {
        const char *tags = detail(inv, "repoTags");

        key = "awsEcrContainerImage";
        oom |= ks_scan_json_set_str(typed, "repositoryName", detail(inv, "repository")) != KS_OK;
        oom |= ks_scan_json_set_str(typed, "imageHash", detail(inv, "imageDigest")) != KS_OK;
        oom |= ks_scan_json_set_str(typed, "registry", detail(inv, "registry")) != KS_OK;
        {
            /* "linux/amd64[/v8]" -> "amd64" */
            const char *pl = detail(inv, "platform"), *slash = pl ? strchr(pl, '/') : NULL;

            if (slash != NULL) {
                const char *end = strchr(slash + 1, '/');
                const char *arch = end ? ks_arena_strndup(b->a, slash + 1, (size_t)(end - slash - 1))
                                       : slash + 1;

                oom |= ks_scan_json_set_str(typed, "architecture", arch) != KS_OK;
            }
        }
        oom |= ks_scan_json_set_str(typed, "platform", plat) != KS_OK;
        oom |= ks_scan_json_set_str(typed, "pushedAt", detail(inv, "created")) != KS_OK;
        oom |= ks_scan_json_set_str(typed, "author", detail(inv, "author")) != KS_OK;
        if (tags != NULL || detail(inv, "tag") != NULL) {
            json_t *arr = json_array();
            struct ks_str rest = ks_str_c(tags ? tags : detail(inv, "tag")), item, tail;

            while (arr != NULL && rest.len > 0) {
                if (!ks_str_split2(rest, ',', &item, &tail)) {
                    item = rest;
                    tail = KS_STR_NULL;
                }
                rest = tail;
                oom |= json_array_append_new(arr, json_stringn(item.ptr, item.len)) != 0;
            }
            oom |= arr == NULL || json_object_set_new(typed, "imageTags", arr) != 0;
        }
        break;
    }
    case KS_RES_FUNCTION:
        key = "awsLambdaFunction";
        oom |= ks_scan_json_set_str(typed, "functionName", inv->target.name) != KS_OK;
        oom |= ks_scan_json_set_str(typed, "runtime", detail(inv, "runtime")) != KS_OK;
        oom |= ks_scan_json_set_str(typed, "codeSha256", detail(inv, "codeSha256")) != KS_OK;
        break;
    case KS_RES_CODE_REPOSITORY:
        key = "codeRepository";
        oom |= ks_scan_json_set_str(typed, "projectName", inv->target.name) != KS_OK;
        oom |= ks_scan_json_set_str(typed, "providerType", detail(inv, "provider")) != KS_OK;
        break;
    default:
        key = "awsEc2Instance";
        oom |= ks_scan_json_set_str(typed, "platform", plat) != KS_OK;
        break;
    }
    for (size_t i = 0; i < inv->target.details.len; i++)
        oom |= ks_scan_json_set_str(kensa, inv->target.details.items[i].key,
                                    inv->target.details.items[i].value) != KS_OK;
    if (!oom) {
        json_object_set_new(details, key, typed);
        typed = NULL;
        json_object_set_new(details, "kensa", kensa);
        kensa = NULL;
        json_object_set_new(r, "details", details);
        details = NULL;
    }
    json_decref(typed);
    json_decref(kensa);
    json_decref(details);
    if (oom) {
        json_decref(r);
        return ks_err_set(err, KS_ENOMEM, "scan: out of memory");
    }
    b->resource = r;
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* The document's other parts.                                              */

static int
severity_rank_of(const json_t *f)
{
    enum ks_rsev s = KS_RSEV_UNTRIAGED;

    ks_rsev_parse(ks_json_strv(f, "severity"), &s);
    return (int)s;
}

/* Severity first, then risk score, then id, then title: a stable order. */
static int
cmp_finding(const void *a, const void *b)
{
    const json_t *f = *(json_t *const *)a, *g = *(json_t *const *)b;
    int sf = severity_rank_of(f), sg = severity_rank_of(g);
    double xf = ks_json_num(f, "inspectorScore", -1), xg = ks_json_num(g, "inspectorScore", -1);
    const json_t *pf = ks_json_obj(f, "packageVulnerabilityDetails");
    const json_t *pg = ks_json_obj(g, "packageVulnerabilityDetails");
    int c;

    if (sf != sg)
        return sf > sg ? -1 : 1;
    if (xf != xg)
        return xf > xg ? -1 : 1;
    c = strcmp(ks_json_str(pf, "vulnerabilityId") ? ks_json_str(pf, "vulnerabilityId") : "",
               ks_json_str(pg, "vulnerabilityId") ? ks_json_str(pg, "vulnerabilityId") : "");
    if (c != 0)
        return c;
    return strcmp(ks_json_str(f, "title") ? ks_json_str(f, "title") : "",
                  ks_json_str(g, "title") ? ks_json_str(g, "title") : "");
}

static enum ks_code
sort_findings(json_t *arr, json_t **sorted)
{
    size_t n = json_array_size(arr);
    json_t **items = ks_calloc(n + 1, sizeof(*items));
    json_t *out = json_array();
    enum ks_code rc = KS_OK;

    if (items == NULL || out == NULL) {
        rc = KS_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        items[i] = json_array_get(arr, i);
    qsort(items, n, sizeof(*items), cmp_finding);
    for (size_t i = 0; i < n; i++)
        if (json_array_append(out, items[i]) != 0)
            rc = KS_ENOMEM;
out:
    ks_free(items);
    if (rc != KS_OK) {
        json_decref(out);
        return rc;
    }
    *sorted = out;
    return KS_OK;
}

static json_t *
summary_json(const struct ks_scan *s, bool *oom)
{
    json_t *o = json_object(), *by = json_object(), *skip = json_object(), *nd = json_array();

    if (o == NULL || by == NULL || skip == NULL || nd == NULL) {
        json_decref(o);
        json_decref(by);
        json_decref(skip);
        json_decref(nd);
        *oom = true;
        return NULL;
    }
    for (int i = KS_RSEV_COUNT - 1; i >= 0; i--)
        *oom |= json_object_set_new(by, ks_rsev_name((enum ks_rsev)i),
                                    json_integer((json_int_t)s->stats.by_severity[i])) != 0;
    for (int i = 0; i < KS_SKIP_COUNT; i++)
        *oom |= json_object_set_new(skip, ks_skip_reason_name((enum ks_skip_reason)i),
                                    json_integer((json_int_t)s->match.skipped[i])) != 0;
    for (size_t i = 0; i < s->match.n_no_data_ecosystems; i++)
        *oom |= json_array_append_new(nd, json_string(s->match.no_data_ecosystems[i])) != 0;
    *oom |= json_object_set_new(o, "total", json_integer((json_int_t)s->stats.findings)) != 0;
    *oom |= json_object_set_new(o, "bySeverity", by) != 0;
    *oom |= json_object_set_new(o, "suppressed", json_integer((json_int_t)s->stats.suppressed)) != 0;
    *oom |= json_object_set_new(o, "hidden", json_integer((json_int_t)s->stats.hidden)) != 0;
    *oom |= json_object_set_new(o, "unknown", json_integer((json_int_t)s->stats.unknown)) != 0;
    *oom |= json_object_set_new(o, "packages", json_integer((json_int_t)s->stats.packages)) != 0;
    *oom |= json_object_set_new(o, "packagesMatched",
                                json_integer((json_int_t)s->match.pkgs_matched)) != 0;
    *oom |= json_object_set_new(o, "packagesNotMatched", skip) != 0;
    *oom |= json_object_set_new(o, "noAdvisoryData", nd) != 0;
    return o;
}

static json_t *
target_json(const struct ks_inventory *inv, bool *oom)
{
    json_t *t = json_object(), *os = json_object(), *det = json_object();

    if (t == NULL || os == NULL || det == NULL) {
        json_decref(t);
        json_decref(os);
        json_decref(det);
        *oom = true;
        return NULL;
    }
    *oom |= ks_scan_json_set_str(t, "type", ks_resource_type_name(inv->target.type)) != KS_OK;
    *oom |= ks_scan_json_set_str(t, "name", inv->target.name) != KS_OK;
    *oom |= ks_scan_json_set_str(t, "source", inv->target.source) != KS_OK;
    if (inv->has_os) {
        *oom |= ks_scan_json_set_str(os, "id", inv->os.id) != KS_OK;
        *oom |= ks_scan_json_set_str(os, "versionId", inv->os.version_id) != KS_OK;
        *oom |= ks_scan_json_set_str(os, "codename", inv->os.codename) != KS_OK;
        *oom |= ks_scan_json_set_str(os, "name", inv->os.name) != KS_OK;
        *oom |= ks_scan_json_set_str(os, "ecosystem", inv->os.ecosystem) != KS_OK;
        *oom |= ks_scan_json_set_str(os, "kernel", inv->os.kernel) != KS_OK;
    }
    *oom |= json_object_set_new(t, "os", os) != 0;
    for (size_t i = 0; i < inv->target.details.len; i++)
        *oom |= ks_scan_json_set_str(det, inv->target.details.items[i].key,
                                     inv->target.details.items[i].value) != KS_OK;
    *oom |= json_object_set_new(t, "details", det) != 0;
    *oom |= json_object_set_new(t, "warnings", json_integer((json_int_t)(inv->n_warnings +
                                                                         inv->warnings_dropped))) !=
            0;
    return t;
}

static enum ks_code
db_json(struct scan_build *b, json_t **out, struct ks_err *err)
{
    struct ks_vulndb_status st;
    json_t *o;
    char built[21];
    const char *oldest = NULL;
    int64_t age;
    enum ks_code rc = ks_vulndb_status(b->db, b->a, &st, err);
    bool oom = false;

    if (rc != KS_OK)
        return rc;
    o = json_object();
    if (o == NULL)
        return ks_err_set(err, KS_ENOMEM, "scan: out of memory");
    ks_time_rfc3339(st.built_at, built);
    age = ks_vulndb_age(b->db, b->now, &oldest);
    oom |= ks_scan_json_set_str(o, "path", st.path) != KS_OK;
    oom |= json_object_set_new(o, "schemaVersion", json_integer(st.schema_version)) != 0;
    oom |= json_object_set_new(o, "seq", json_integer((json_int_t)st.seq)) != 0;
    oom |= ks_scan_json_set_str(o, "builtAt", built) != KS_OK;
    oom |= ks_scan_json_set_str(o, "contentHash", st.content_hash) != KS_OK;
    oom |= json_object_set_new(o, "advisories", json_integer((json_int_t)st.advisories)) != 0;
    if (age >= 0)
        oom |= json_object_set_new(o, "ageSeconds", json_integer((json_int_t)age)) != 0;
    oom |= json_object_set_new(o, "stale", json_boolean(b->scan->db_stale)) != 0;
    if (oom) {
        json_decref(o);
        return ks_err_set(err, KS_ENOMEM, "scan: out of memory");
    }
    *out = o;
    return KS_OK;
}

static enum ks_code
load_suppressions(struct scan_build *b, struct ks_err *err)
{
    enum ks_code rc;

    if (b->opts->ignore_file != NULL &&
        (rc = ks_suppress_load_ignore(b->opts->ignore_file, b->a, &b->sup, err)) != KS_OK)
        return rc;
    for (size_t i = 0; i < b->opts->n_vex_files; i++)
        if ((rc = ks_suppress_load_vex(b->opts->vex_files[i], b->a, &b->sup, err)) != KS_OK)
            return rc;
    return KS_OK;
}

static enum ks_code
build_document(struct scan_build *b, struct ks_err *err)
{
    json_t *doc = NULL, *findings = json_array(), *sorted = NULL, *dbj = NULL;
    enum ks_code rc;
    bool oom = false;
    uint64_t t0 = ks_clock_ns();

    if (findings == NULL)
        return ks_err_set(err, KS_ENOMEM, "scan: out of memory");
    if ((rc = build_resource(b, err)) != KS_OK ||
        (rc = ks_scan_build_findings(b, findings, err)) != KS_OK || (rc = db_json(b, &dbj, err)) != KS_OK)
        goto out;
    if (sort_findings(findings, &sorted) != KS_OK) {
        rc = ks_err_set(err, KS_ENOMEM, "scan: out of memory");
        goto out;
    }
    doc = json_object();
    if (doc == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "scan: out of memory");
        goto out;
    }
    oom |= json_object_set_new(doc, "findings", sorted) != 0;
    sorted = NULL;
    b->scan->stats.score_ns = ks_clock_ns() - t0;
    oom |= json_object_set_new(doc, "summary", summary_json(b->scan, &oom)) != 0;
    oom |= json_object_set_new(doc, "target", target_json(b->scan->inv, &oom)) != 0;
    oom |= json_object_set_new(doc, "db", dbj) != 0;
    dbj = NULL;
    if (oom) {
        rc = ks_err_set(err, KS_ENOMEM, "scan: out of memory");
        goto out;
    }
    b->scan->doc = doc;
    doc = NULL;
    rc = KS_OK;
out:
    json_decref(doc);
    json_decref(findings);
    json_decref(sorted);
    json_decref(dbj);
    json_decref(b->resource);
    b->resource = NULL;
    return rc;
}

static enum ks_code
scan_with(struct ks_vulndb *db, struct ks_scan *scan, const struct ks_scan_opts *opts,
          ks_scan_progress_fn progress, void *progress_ctx, struct ks_err *err)
{
    static const struct ks_scan_opts defaults = {0};
    struct scan_build b;
    uint64_t t0;
    int64_t max_age;
    enum ks_code rc;

    if (opts == NULL)
        opts = &defaults;
    memset(&b, 0, sizeof(b));
    b.db = db;
    b.scan = scan;
    b.opts = opts;
    b.a = scan->arena;
    b.now = ks_time_now();
    ks_time_rfc3339(b.now, b.now_str);
    b.account = opts->account_id ? opts->account_id : KS_SCAN_DEFAULT_ACCOUNT;
    b.region = opts->region ? opts->region : KS_SCAN_DEFAULT_REGION;
    b.resource_id = opts->resource_id;
    scan->stats.packages = scan->inv->n_pkgs;

    max_age = opts->max_db_age > 0 ? opts->max_db_age
                                   : (int64_t)KS_VULNDB_DEFAULT_MAX_AGE_DAYS * 86400;
    {
        struct ks_err why = KS_ERR_INIT;

        if (ks_vulndb_is_stale(db, b.now, max_age, &why)) {
            scan->db_stale = true;
            memcpy(scan->db_stale_why, why.msg, sizeof(scan->db_stale_why));
            scan->db_stale_why[sizeof(scan->db_stale_why) - 1] = '\0';
            if (opts->fail_on_stale)
                return ks_err_set(err, KS_EDB, "vulnerability DB is too old: %s", why.msg);
        }
    }
    if ((rc = load_suppressions(&b, err)) != KS_OK)
        return rc;
    if (progress)
        progress(progress_ctx, "match", 0, scan->inv->n_pkgs);
    t0 = ks_clock_ns();
    rc = ks_match_inventory(db, scan->inv, &opts->match, scan->arena, &scan->match, err);
    scan->stats.match_ns = ks_clock_ns() - t0;
    if (rc != KS_OK)
        return rc;
    if (progress)
        progress(progress_ctx, "score", 0, scan->match.n_groups);
    return build_document(&b, err);
}

/* Resource id must be known before findings are built; set it on the build. */
static const char *
choose_resource_id(struct ks_scan *scan, const struct ks_scan_opts *opts)
{
    struct scan_build tmp;

    memset(&tmp, 0, sizeof(tmp));
    tmp.scan = scan;
    tmp.opts = opts;
    tmp.a = scan->arena;
    return resource_id(&tmp);
}

static enum ks_code
run_on(struct ks_vulndb *db, struct ks_scan *scan, const struct ks_scan_opts *opts,
       ks_scan_progress_fn progress, void *progress_ctx, struct ks_err *err)
{
    struct ks_scan_opts o = *opts;

    if (o.resource_id == NULL && (o.resource_id = choose_resource_id(scan, opts)) == NULL)
        return ks_err_set(err, KS_ENOMEM, "scan: out of memory");
    return scan_with(db, scan, &o, progress, progress_ctx, err);
}

enum ks_code
ks_scan_inventory(struct ks_vulndb *db, struct ks_inventory *inv, struct ks_arena *arena,
                  const struct ks_scan_opts *opts, struct ks_scan **out, struct ks_err *err)
{
    static const struct ks_scan_opts defaults = {0};
    struct ks_scan *scan = ks_calloc(1, sizeof(*scan));
    enum ks_code rc;

    if (scan == NULL) {
        ks_arena_free(arena);
        return ks_err_set(err, KS_ENOMEM, "scan: out of memory");
    }
    scan->arena = arena;
    scan->inv = inv;
    rc = run_on(db, scan, opts ? opts : &defaults, NULL, NULL, err);
    if (rc != KS_OK) {
        ks_scan_free(scan);
        return rc;
    }
    *out = scan;
    return KS_OK;
}

enum ks_code
ks_scan_run(const struct ks_scan_opts *opts, ks_scan_progress_fn progress, void *progress_ctx,
            struct ks_scan **out, struct ks_err *err)
{
    struct ks_scan *scan = ks_calloc(1, sizeof(*scan));
    struct ks_vulndb *db = NULL;
    struct ks_buf dbpath = KS_BUF_INIT(4096);
    enum ks_code rc = KS_EINTERNAL;
    uint64_t t0;

    if (scan == NULL || (scan->arena = ks_arena_new(1 << 20)) == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "scan: out of memory");
        goto out;
    }
    if (opts->db_path != NULL)
        ks_buf_appends(&dbpath, opts->db_path);
    else if ((rc = ks_vulndb_default_path(&dbpath, err)) != KS_OK)
        goto out;
    if (ks_buf_err(&dbpath) != KS_OK) {
        rc = ks_err_set(err, KS_ETOOBIG, "vulnerability DB path too long");
        goto out;
    }
    /* Open the DB first: a missing DB should not cost a whole inventory. */
    rc = ks_vulndb_open(dbpath.data, &db, err);
    if (rc == KS_ENOTFOUND) {
        rc = ks_err_set(err, KS_ENOTFOUND,
                        "no vulnerability DB at '%s': run `kensa db update` (or `kensa db import "
                        "PATH`) first, or give --db",
                        dbpath.data);
        goto out;
    }
    if (rc != KS_OK)
        goto out;
    if (progress)
        progress(progress_ctx, "inventory", 0, 0);
    t0 = ks_clock_ns();
    rc = ks_inventory_from_target(opts->target, &opts->inv, scan->arena, &scan->inv, err);
    scan->stats.inventory_ns = ks_clock_ns() - t0;
    if (rc != KS_OK)
        goto out;
    if ((rc = run_on(db, scan, opts, progress, progress_ctx, err)) != KS_OK)
        goto out;
    *out = scan;
    scan = NULL;
    rc = KS_OK;
out:
    ks_vulndb_free(db);
    ks_buf_release(&dbpath);
    ks_scan_free(scan);
    return rc;
}
