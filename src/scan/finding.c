/*
 * finding.c: turn each match group into an Inspector2 `Finding` document:
 * identity, title, description, CVSS candidates from the distribution, NVD
 * and the advisories, EPSS and KEV, the scored and explained risk score,
 * vulnerable packages as installed, remediation, and suppression.
 */
#include "scan/scan_int.h"

#include <stdio.h>
#include <string.h>

#include "base/banned.h"

#define MAX_REFERENCE_URLS 20
#define MAX_TITLE_NAMES    3

enum ks_code
ks_scan_json_set_str(json_t *obj, const char *key, const char *value)
{
    if (value == NULL)
        return KS_OK;
    return json_object_set_new(obj, key, json_string(value)) == 0 ? KS_OK : KS_ENOMEM;
}

/* Collects allocation failures so the builder checks once. */
struct jb {
    bool oom;
};

static void
set_new(struct jb *jb, json_t *obj, const char *key, json_t *v)
{
    if (v == NULL || json_object_set_new(obj, key, v) != 0)
        jb->oom = true;
}

static void
set_str(struct jb *jb, json_t *obj, const char *key, const char *v)
{
    if (v != NULL)
        set_new(jb, obj, key, json_string(v));
}

static void
set_real(struct jb *jb, json_t *obj, const char *key, double v)
{
    /* Scores have one decimal; EPSS up to 5: print them as the feeds do. */
    set_new(jb, obj, key, json_real(v));
}

static void
append_new(struct jb *jb, json_t *arr, json_t *v)
{
    if (v == NULL || json_array_append_new(arr, v) != 0)
        jb->oom = true;
}

static bool
is_cve(const char *id)
{
    return id != NULL && strncmp(id, "CVE-", 4) == 0;
}

/* The family of an advisory id, used as cvss[].source and Finding source. */
static const char *
advisory_family(const struct ks_advisory *adv)
{
    static const struct {
        const char *prefix, *family;
    } fams[] = {
        {"GHSA-", "GITHUB"},      {"GO-", "GO"},         {"PYSEC-", "PYSEC"},
        {"RUSTSEC-", "RUSTSEC"},  {"DEBIAN-", "DEBIAN"}, {"DSA-", "DEBIAN"},
        {"DLA-", "DEBIAN"},       {"DTSA-", "DEBIAN"},   {"ALPINE-", "ALPINE"},
        {"ALAS", "AMAZON"},       {"RHSA-", "REDHAT"},   {"RHBA-", "REDHAT"},
        {"RHEA-", "REDHAT"},      {"RLSA-", "ROCKY"},    {"ALSA-", "ALMALINUX"},
        {"ELSA-", "ORACLE"},      {"USN-", "UBUNTU"},    {"UBUNTU-", "UBUNTU"},
        {"SUSE-", "SUSE"},        {"openSUSE-", "SUSE"}, {"PHSA-", "PHOTON"},
        {"CBL-", "MARINER"},      {"MAL-", "OSSF"},      {"CGA-", "CHAINGUARD"},
        {"OSV-", "OSV"},          {"CVE-", "NVD"},
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(fams); i++)
        if (strncmp(adv->id, fams[i].prefix, strlen(fams[i].prefix)) == 0)
            return fams[i].family;
    return "OSV";
}

/* A distribution's own advisory (its vectors describe the distro's build)? */
static bool
is_vendor_advisory(const struct ks_advisory *adv)
{
    for (size_t i = 0; i < adv->n_affected; i++)
        if (ks_eco_info(adv->affected[i].eco)->is_os)
            return true;
    return false;
}

static const char *
advisory_url(struct ks_arena *a, const struct ks_advisory *adv, const char *vuln)
{
    const char *fam = advisory_family(adv);

    if (strcmp(fam, "GITHUB") == 0)
        return ks_arena_sprintf(a, "https://github.com/advisories/%s", adv->id);
    if (strcmp(fam, "GO") == 0)
        return ks_arena_sprintf(a, "https://pkg.go.dev/vuln/%s", adv->id);
    if (strcmp(fam, "RUSTSEC") == 0)
        return ks_arena_sprintf(a, "https://rustsec.org/advisories/%s.html", adv->id);
    if (strcmp(fam, "DEBIAN") == 0 && is_cve(vuln))
        return ks_arena_sprintf(a, "https://security-tracker.debian.org/tracker/%s", vuln);
    if (strcmp(fam, "UBUNTU") == 0 && is_cve(vuln))
        return ks_arena_sprintf(a, "https://ubuntu.com/security/%s", vuln);
    if (strcmp(fam, "NVD") == 0)
        return ks_arena_sprintf(a, "https://nvd.nist.gov/vuln/detail/%s", adv->id);
    for (size_t i = 0; i < adv->n_references; i++)
        if (adv->references[i].type != NULL &&
            strcmp(adv->references[i].type, "ADVISORY") == 0 && adv->references[i].url)
            return adv->references[i].url;
    return ks_arena_sprintf(a, "https://osv.dev/vulnerability/%s", adv->id);
}

/* The advisory that speaks for the finding: the distro's for OS packages, */
/* then one whose id is the vulnerability, then GHSA, then the first.       */
static const struct ks_advisory *
primary_advisory(const struct ks_match_group *g)
{
    const struct ks_advisory *best = NULL;
    int best_rank = 99;

    for (size_t i = 0; i < g->n_advisories; i++) {
        const struct ks_advisory *adv = g->adv_docs[i];
        int rank;

        if (g->is_os && is_vendor_advisory(adv))
            rank = 0;
        else if (strcmp(adv->id, g->vuln_id) == 0)
            rank = 1;
        else if (strncmp(adv->id, "GHSA-", 5) == 0)
            rank = 2;
        else
            rank = 3;
        if (rank < best_rank) {
            best = adv;
            best_rank = rank;
        }
    }
    return best;
}

/* ------------------------------------------------------------------------ */
/* CVSS candidates.                                                          */

struct cands {
    struct ks_score_cvss *items;
    size_t n, cap;
};

static bool
cand_add(struct cands *c, struct ks_arena *a, enum ks_cvss_origin origin, const char *source,
         const char *cvss_source, const char *vector, bool primary)
{
    if (vector == NULL || vector[0] == '\0')
        return true;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->items[i].vector, vector) == 0 && strcmp(c->items[i].source, source) == 0)
            return true;
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 8;
        struct ks_score_cvss *ni = ks_arena_calloc(a, ncap, sizeof(*ni));

        if (ni == NULL)
            return false;
        if (c->n > 0)
            memcpy(ni, c->items, c->n * sizeof(*ni));
        c->items = ni;
        c->cap = ncap;
    }
    memset(&c->items[c->n], 0, sizeof(c->items[0]));
    c->items[c->n].origin = origin;
    c->items[c->n].source = source;
    c->items[c->n].cvss_source = cvss_source;
    c->items[c->n].vector = vector;
    c->items[c->n].primary = primary;
    c->n++;
    return true;
}

static bool
is_cvss_type(const char *type)
{
    return type != NULL && strncmp(type, "CVSS_V", 6) == 0;
}

static enum ks_code
collect_cvss(struct scan_build *b, const struct ks_match_group *g,
             const struct ks_nvd_record *nvd, struct cands *c, const char **ghsa_severity)
{
    for (size_t i = 0; i < g->n_advisories; i++) {
        const struct ks_advisory *adv = g->adv_docs[i];
        enum ks_cvss_origin origin = is_vendor_advisory(adv) ? KS_ORIGIN_VENDOR : KS_ORIGIN_ADVISORY;
        const char *fam = advisory_family(adv);

        for (size_t k = 0; k < adv->n_severity; k++)
            if (is_cvss_type(adv->severity[k].type) &&
                !cand_add(c, b->a, origin, fam, adv->severity[k].source, adv->severity[k].score,
                          false))
                return KS_ENOMEM;
        for (size_t j = 0; j < adv->n_affected; j++)
            for (size_t k = 0; k < adv->affected[j].n_severity; k++)
                if (is_cvss_type(adv->affected[j].severity[k].type) &&
                    !cand_add(c, b->a, origin, fam, adv->affected[j].severity[k].source,
                              adv->affected[j].severity[k].score, false))
                    return KS_ENOMEM;
        if (adv->database_specific != NULL) {
            /* RustSec keeps its vector in database_specific.cvss; GHSA its word. */
            const char *v = ks_json_str(adv->database_specific, "cvss");
            const char *sev = ks_json_str(adv->database_specific, "severity");

            if (v != NULL && strncmp(v, "CVSS:", 5) == 0 &&
                !cand_add(c, b->a, origin, fam, NULL, v, false))
                return KS_ENOMEM;
            if (sev != NULL && *ghsa_severity == NULL)
                *ghsa_severity = sev;
        }
    }
    for (size_t i = 0; nvd != NULL && i < nvd->n_metrics; i++) {
        const struct ks_nvd_metric *mt = &nvd->metrics[i];
        bool primary = mt->type != NULL && strcmp(mt->type, "Primary") == 0;

        if (!cand_add(c, b->a, KS_ORIGIN_NVD, "NVD", mt->source, mt->vector, primary))
            return KS_ENOMEM;
    }
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* Packages.                                                                 */

/* Inspector's packageManager for an extractor. */
static const char *
package_manager(const struct ks_pkg *p)
{
    static const struct {
        const char *extractor, *manager;
    } map[] = {
        {"python-installed", "PYTHONPKG"}, {"python-requirements", "PIP"},
        {"pipfile-lock", "PIPENV"},         {"poetry-lock", "POETRY"},
        {"npm-installed", "NODEPKG"},       {"yarn-lock", "YARN"},
        {"go-binary", "GOBINARY"},          {"go-mod", "GOMOD"},
        {"java-archive", "JAR"},            {"pom-xml", "POM"},
        {"gemspec", "GEMSPEC"},             {"gemfile-lock", "BUNDLER"},
        {"composer-lock", "COMPOSER"},      {"cargo-lock", "CARGO"},
        {"dotnet-deps", "DOTNET_CORE"},     {"nuget-lock", "NUGET"},
    };
    const char *ex = p->extractor ? p->extractor : "";

    if (ks_pkg_is_os(p))
        return "OS";
    for (size_t i = 0; i < KS_ARRAY_LEN(map); i++)
        if (strcmp(ex, map[i].extractor) == 0)
            return map[i].manager;
    switch (p->eco) {
    case KS_ECO_PYPI:
        return "PIP";
    case KS_ECO_NPM:
        return "NPM";
    case KS_ECO_GO:
        return "GOMOD";
    case KS_ECO_MAVEN:
        return "JAR";
    case KS_ECO_RUBYGEMS:
        return "BUNDLER";
    case KS_ECO_PACKAGIST:
        return "COMPOSER";
    case KS_ECO_CRATES:
        return "CARGO";
    case KS_ECO_NUGET:
        return "NUGET";
    default:
        return NULL; /* no Inspector name: the ecosystem field says it */
    }
}

static const char *
upgrade_command(struct ks_arena *a, const struct ks_pkg *p, const char *fixed)
{
    if (fixed == NULL)
        return NULL;
    switch (p->eco) {
    case KS_ECO_DEBIAN:
    case KS_ECO_UBUNTU:
        return ks_arena_sprintf(a, "apt-get install --only-upgrade %s", p->name);
    case KS_ECO_ALPINE:
    case KS_ECO_WOLFI:
    case KS_ECO_CHAINGUARD:
        return ks_arena_sprintf(a, "apk upgrade %s", p->name);
    case KS_ECO_AMAZON:
    case KS_ECO_REDHAT:
    case KS_ECO_ROCKY:
    case KS_ECO_ALMA:
    case KS_ECO_ORACLE:
    case KS_ECO_CENTOS:
    case KS_ECO_FEDORA:
    case KS_ECO_AZURE:
        return ks_arena_sprintf(a, "dnf upgrade %s", p->name);
    case KS_ECO_SUSE:
    case KS_ECO_OPENSUSE:
        return ks_arena_sprintf(a, "zypper update %s", p->name);
    default:
        return ks_arena_sprintf(a, "Upgrade %s to %s", p->name, fixed);
    }
}

static json_t *
vulnerable_package(struct scan_build *b, struct jb *jb, const struct ks_finding_pkg_ref *ref)
{
    const struct ks_pkg *p = ref->pkg;
    json_t *o = json_object();
    bool rpm = ks_eco_info(p->eco)->scheme == KS_SCHEME_RPM && ks_pkg_is_os(p);

    if (o == NULL) {
        jb->oom = true;
        return NULL;
    }
    set_str(jb, o, "name", p->name);
    /* Inspector splits rpm versions: version, release and epoch apart. */
    set_str(jb, o, "version", rpm && p->base_version ? p->base_version : p->version);
    if (rpm && p->epoch != NULL) {
        uint64_t e;

        if (ks_parse_u64(ks_str_c(p->epoch), INT32_MAX, &e) == KS_OK)
            set_new(jb, o, "epoch", json_integer((json_int_t)e));
    }
    if (rpm)
        set_str(jb, o, "release", p->release);
    set_str(jb, o, "arch", p->arch);
    set_str(jb, o, "packageManager", package_manager(p));
    if (p->path != NULL)
        set_new(jb, o, "filePath", json_sprintf("/%s", p->path));
    set_str(jb, o, "fixedInVersion", ref->fixed ? ref->fixed : "NotAvailable");
    set_str(jb, o, "remediation", upgrade_command(b->a, p, ref->fixed));
    set_str(jb, o, "sourceLayerHash", p->layer);
    /* Kensa's additions: where it came from and how it was compared. */
    set_str(jb, o, "ecosystem", p->ecosystem);
    set_str(jb, o, "purl", p->purl);
    if (ks_pkg_is_os(p)) {
        set_str(jb, o, "sourceName", p->source_name ? p->source_name : p->name);
        set_str(jb, o, "sourceVersion", p->source_version ? p->source_version : p->version);
    }
    if (ref->affected == KS_AFFECT_UNKNOWN) {
        set_str(jb, o, "matchStatus", "UNKNOWN");
        set_str(jb, o, "unknownReason", ref->unknown_reason);
    }
    return o;
}

/* ------------------------------------------------------------------------ */

static const char *
finding_title(struct scan_build *b, const struct ks_match_group *g)
{
    struct ks_buf t = KS_BUF_INIT(4096);
    const char *out;
    size_t shown = 0;

    ks_buf_appendf(&t, "%s - ", g->vuln_id);
    for (size_t i = 0; i < g->n_pkgs; i++) {
        bool dup = false;

        for (size_t k = 0; k < i && !dup; k++)
            dup = strcmp(g->pkgs[k].pkg->name, g->pkgs[i].pkg->name) == 0;
        if (dup)
            continue;
        if (shown == MAX_TITLE_NAMES) {
            ks_buf_appends(&t, " and more");
            break;
        }
        ks_buf_appendf(&t, "%s%s", shown ? ", " : "", g->pkgs[i].pkg->name);
        shown++;
    }
    out = ks_buf_err(&t) == KS_OK ? ks_arena_strdup(b->a, t.data) : NULL;
    ks_buf_release(&t);
    return out;
}

static const char *
finding_description(const struct ks_match_group *g, const struct ks_advisory *primary,
                    const struct ks_nvd_record *nvd)
{
    /* Distro feeds often say only "security update": NVD's text is better then. */
    if (primary != NULL && primary->details != NULL && primary->details[0] != '\0' &&
        strcmp(primary->details, "security update") != 0)
        return primary->details;
    if (nvd != NULL && nvd->description != NULL)
        return nvd->description;
    for (size_t i = 0; i < g->n_advisories; i++) {
        const struct ks_advisory *a = g->adv_docs[i];

        if (a->details != NULL && a->details[0] != '\0')
            return a->details;
        if (a->summary != NULL && a->summary[0] != '\0')
            return a->summary;
    }
    return "No description provided.";
}

/* Stable id: same resource, vulnerability and package give the same finding. */
static const char *
finding_id(struct scan_build *b, const struct ks_match_group *g)
{
    struct ks_buf in = KS_BUF_INIT(8192);
    char hex[65];

    ks_buf_appendf(&in, "%s\x1f%s\x1f%s", b->resource_id, g->vuln_id, g->group_key);
    if (ks_buf_err(&in) != KS_OK) {
        ks_buf_release(&in);
        return NULL;
    }
    ks_sha256_hex(in.data, in.len, hex);
    ks_buf_release(&in);
    hex[32] = '\0';
    return ks_arena_strdup(b->a, hex);
}

static enum ks_fix
fix_of(const struct ks_match_group *g, const char **nearest)
{
    size_t with = 0;

    *nearest = NULL;
    for (size_t i = 0; i < g->n_pkgs; i++) {
        if (g->pkgs[i].fixed != NULL) {
            with++;
            if (*nearest == NULL)
                *nearest = g->pkgs[i].fixed;
        }
    }
    if (with == 0)
        return KS_FIX_NO;
    return with == g->n_pkgs ? KS_FIX_YES : KS_FIX_PARTIAL;
}

static json_t *
cvss_list(struct jb *jb, const struct cands *c)
{
    json_t *arr = json_array();

    if (arr == NULL) {
        jb->oom = true;
        return NULL;
    }
    for (size_t i = 0; i < c->n; i++) {
        const struct ks_score_cvss *s = &c->items[i];
        json_t *o;

        if (!s->valid)
            continue;
        o = json_object();
        if (o == NULL) {
            jb->oom = true;
            break;
        }
        set_real(jb, o, "baseScore", s->base_score);
        set_str(jb, o, "scoringVector", s->vector);
        set_str(jb, o, "version", s->version);
        set_str(jb, o, "source", s->source);
        set_str(jb, o, "cvssSource", s->cvss_source);
        append_new(jb, arr, o);
    }
    return arr;
}

static json_t *
string_array(struct jb *jb, const char *const *items, size_t n)
{
    json_t *arr = json_array();

    if (arr == NULL) {
        jb->oom = true;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        append_new(jb, arr, json_string(items[i]));
    return arr;
}

static json_t *
reference_urls(struct jb *jb, const struct ks_match_group *g)
{
    json_t *arr = json_array();
    size_t n = 0;

    if (arr == NULL) {
        jb->oom = true;
        return NULL;
    }
    for (size_t i = 0; i < g->n_advisories && n < MAX_REFERENCE_URLS; i++) {
        const struct ks_advisory *a = g->adv_docs[i];

        for (size_t k = 0; k < a->n_references && n < MAX_REFERENCE_URLS; k++) {
            const char *url = a->references[k].url;
            bool dup = false;
            size_t idx;
            json_t *v;

            if (url == NULL)
                continue;
            json_array_foreach(arr, idx, v) if (strcmp(json_string_value(v), url) == 0) dup = true;
            if (!dup) {
                append_new(jb, arr, json_string(url));
                n++;
            }
        }
    }
    return arr;
}

static void
add_cwe(struct jb *jb, json_t *arr, const char *cwe)
{
    size_t idx;
    json_t *v;

    /* NVD's placeholders say nothing about the weakness. */
    if (cwe == NULL || strncmp(cwe, "CWE-", 4) != 0)
        return;
    json_array_foreach(arr, idx, v) if (strcmp(json_string_value(v), cwe) == 0) return;
    append_new(jb, arr, json_string(cwe));
}

/* The weaknesses NVD and the advisories (GHSA's cwe_ids) name, in that order. */
static json_t *
cwe_list(struct jb *jb, const struct ks_match_group *g, const struct ks_nvd_record *nvd)
{
    json_t *arr = json_array();

    if (arr == NULL) {
        jb->oom = true;
        return NULL;
    }
    for (size_t i = 0; nvd != NULL && i < nvd->n_cwes; i++)
        add_cwe(jb, arr, nvd->cwes[i]);
    for (size_t i = 0; i < g->n_advisories; i++) {
        const json_t *ids = ks_json_arr(g->adv_docs[i]->database_specific, "cwe_ids");
        size_t k;
        json_t *c;

        json_array_foreach(ids, k, c) if (json_is_string(c)) add_cwe(jb, arr, json_string_value(c));
    }
    return arr;
}

static const char *
scored_source(const struct ks_score_cvss *c)
{
    return c->source;
}

static json_t *
score_details(struct jb *jb, const struct ks_score_result *r)
{
    json_t *adj = json_array(), *cv = json_object(), *d = json_object();

    if (adj == NULL || cv == NULL || d == NULL) {
        json_decref(adj);
        json_decref(cv);
        json_decref(d);
        jb->oom = true;
        return NULL;
    }
    for (size_t i = 0; i < r->n_adj; i++) {
        json_t *o = json_object();

        if (o == NULL) {
            jb->oom = true;
            break;
        }
        set_str(jb, o, "metric", r->adj[i].metric);
        set_str(jb, o, "reason", r->adj[i].reason);
        append_new(jb, adj, o);
    }
    set_str(jb, cv, "scoreSource", scored_source(r->chosen));
    set_str(jb, cv, "cvssSource", r->chosen->cvss_source ? r->chosen->cvss_source
                                                           : r->chosen->source);
    set_str(jb, cv, "version", r->chosen->version);
    set_real(jb, cv, "score", r->score);
    set_str(jb, cv, "scoringVector", r->vector);
    set_new(jb, cv, "adjustments", adj);
    set_new(jb, d, "adjustedCvss", cv);
    return d;
}

static enum ks_code
build_one(struct scan_build *b, const struct ks_match_group *g, json_t *findings, bool *hidden,
          struct ks_err *err)
{
    struct jb jb = {false};
    const struct ks_advisory *primary = primary_advisory(g);
    struct ks_nvd_record nvd_rec, *nvd = NULL;
    struct ks_epss epss;
    struct ks_kev kev;
    bool has_epss = false, in_kev = false;
    struct cands cands = {0};
    const char *ghsa_severity = NULL, *nearest = NULL;
    struct ks_score_input in;
    struct ks_score_result sr;
    const struct ks_suppression *sup;
    enum ks_fix fix = fix_of(g, &nearest);
    json_t *f, *pvd, *pkgs, *res;
    enum ks_code rc;

    *hidden = false;
    if (is_cve(g->vuln_id)) {
        struct ks_err qerr = KS_ERR_INIT;

        rc = ks_vulndb_nvd(b->db, ks_str_c(g->vuln_id), b->a, &nvd_rec, &qerr);
        if (rc == KS_OK)
            nvd = &nvd_rec;
        else if (rc != KS_ENOTFOUND)
            return ks_err_set(err, rc, "%s", qerr.msg);
        rc = ks_vulndb_epss(b->db, ks_str_c(g->vuln_id), &epss, &qerr);
        if (rc == KS_OK)
            has_epss = true;
        else if (rc != KS_ENOTFOUND)
            return ks_err_set(err, rc, "%s", qerr.msg);
        rc = ks_vulndb_kev(b->db, ks_str_c(g->vuln_id), b->a, &kev, &qerr);
        if (rc == KS_OK)
            in_kev = true;
        else if (rc != KS_ENOTFOUND)
            return ks_err_set(err, rc, "%s", qerr.msg);
    }
    if (collect_cvss(b, g, nvd, &cands, &ghsa_severity) != KS_OK)
        return ks_err_set(err, KS_ENOMEM, "scan: out of memory");
    memset(&in, 0, sizeof(in));
    in.cvss = cands.items;
    in.n_cvss = cands.n;
    in.is_os = g->is_os;
    in.vendor_severity = g->vendor_severity ? g->vendor_severity : ghsa_severity;
    in.in_kev = in_kev;
    in.kev_date_added = in_kev ? kev.date_added : NULL;
    in.has_epss = has_epss;
    in.epss_score = has_epss ? epss.score : 0;
    in.epss_percentile = has_epss ? epss.percentile : 0;
    in.fix = fix;
    in.fixed_version = nearest;
    ks_score_compute(&in, &b->opts->context, &sr);

    /* What the user asked to leave out is counted, not shown. */
    if ((b->opts->ignore_unfixed && fix == KS_FIX_NO) ||
        (b->opts->ignore_status & (1u << g->status)) ||
        (b->opts->severities != 0 && !(b->opts->severities & (1u << sr.severity)))) {
        *hidden = true;
        return KS_OK;
    }
    sup = ks_suppress_find(&b->sup, b->now, g);

    f = json_object();
    if (f == NULL)
        return ks_err_set(err, KS_ENOMEM, "scan: out of memory");
    {
        const char *id = finding_id(b, g);

        if (id == NULL)
            jb.oom = true;
        else
            set_new(&jb, f, "findingArn",
                    json_sprintf("arn:aws:inspector2:%s:%s:finding/%s", b->region, b->account,
                                 id));
    }
    set_str(&jb, f, "awsAccountId", b->account);
    set_str(&jb, f, "type", "PACKAGE_VULNERABILITY");
    set_str(&jb, f, "title", finding_title(b, g));
    set_str(&jb, f, "description", finding_description(g, primary, nvd));
    {
        json_t *rem = json_object(), *rec = json_object();
        const char *text;

        if (fix == KS_FIX_NO)
            text = "None Provided";
        else if (g->n_pkgs == 1)
            text = ks_arena_sprintf(b->a, "Upgrade %s to %s", g->pkgs[0].pkg->name, nearest);
        else
            text = "Upgrade the affected packages to the fixed versions "
                   "(vulnerablePackages[].fixedInVersion).";
        if (rem == NULL || rec == NULL)
            jb.oom = true;
        set_str(&jb, rec, "text", text);
        if (primary != NULL)
            set_str(&jb, rec, "Url", advisory_url(b->a, primary, g->vuln_id));
        set_new(&jb, rem, "recommendation", rec);
        set_new(&jb, f, "remediation", rem);
    }
    set_str(&jb, f, "severity", ks_rsev_name(sr.severity));
    set_str(&jb, f, "status", sup ? "SUPPRESSED" : "ACTIVE");
    set_str(&jb, f, "firstObservedAt", b->now_str);
    set_str(&jb, f, "lastObservedAt", b->now_str);
    set_str(&jb, f, "updatedAt", b->now_str);
    if (sr.chosen != NULL) {
        set_real(&jb, f, "inspectorScore", sr.score);
        set_new(&jb, f, "inspectorScoreDetails", score_details(&jb, &sr));
    }
    res = json_array();
    if (res == NULL || json_array_append(res, b->resource) != 0)
        jb.oom = true;
    set_new(&jb, f, "resources", res);

    pvd = json_object();
    if (pvd == NULL)
        jb.oom = true;
    set_str(&jb, pvd, "vulnerabilityId", g->vuln_id);
    set_str(&jb, pvd, "source", primary ? advisory_family(primary) : "NVD");
    if (primary != NULL)
        set_str(&jb, pvd, "sourceUrl", advisory_url(b->a, primary, g->vuln_id));
    set_str(&jb, pvd, "vendorSeverity", g->vendor_severity ? g->vendor_severity : ghsa_severity);
    set_new(&jb, pvd, "cvss", cvss_list(&jb, &cands));
    set_new(&jb, pvd, "relatedVulnerabilities", string_array(&jb, g->related, g->n_related));
    set_new(&jb, pvd, "referenceUrls", reference_urls(&jb, g));
    set_new(&jb, pvd, "cwes", cwe_list(&jb, g, nvd));
    if (primary != NULL && primary->published != NULL && primary->published[0] != '\0' &&
        strncmp(primary->published, "0001-", 5) != 0)
        set_str(&jb, pvd, "vendorCreatedAt", primary->published);
    if (primary != NULL && primary->modified != NULL && primary->modified[0] != '\0' &&
        strncmp(primary->modified, "0001-", 5) != 0)
        set_str(&jb, pvd, "vendorUpdatedAt", primary->modified);
    pkgs = json_array();
    if (pkgs == NULL)
        jb.oom = true;
    for (size_t i = 0; pkgs != NULL && i < g->n_pkgs; i++)
        append_new(&jb, pkgs, vulnerable_package(b, &jb, &g->pkgs[i]));
    set_new(&jb, pvd, "vulnerablePackages", pkgs);
    set_new(&jb, f, "packageVulnerabilityDetails", pvd);
    set_str(&jb, f, "fixAvailable", ks_fix_name(fix));
    set_str(&jb, f, "exploitAvailable", in_kev ? "YES" : "NO");
    if (in_kev) {
        json_t *ex = json_object();

        if (ex == NULL)
            jb.oom = true;
        set_str(&jb, ex, "lastKnownExploitAt", kev.date_added);
        set_new(&jb, f, "exploitabilityDetails", ex);
    }
    if (has_epss) {
        json_t *e = json_object();

        if (e == NULL)
            jb.oom = true;
        set_real(&jb, e, "score", epss.score);
        set_real(&jb, e, "percentile", epss.percentile); /* Kensa's addition */
        set_new(&jb, f, "epss", e);
    }
    /* Kensa's additions: the match verdict, the vendor's status, the */
    /* advisories behind the finding, and why it is suppressed.        */
    set_str(&jb, f, "matchStatus", g->unknown ? "UNKNOWN" : "AFFECTED");
    if (g->status != KS_VSTATUS_NONE)
        set_str(&jb, f, "vendorStatus", ks_vuln_status_name(g->status));
    set_new(&jb, f, "advisories", string_array(&jb, g->advisories, g->n_advisories));
    if (in_kev) {
        json_t *k = json_object();

        if (k == NULL)
            jb.oom = true;
        set_str(&jb, k, "dateAdded", kev.date_added);
        set_str(&jb, k, "dueDate", kev.due_date);
        set_str(&jb, k, "knownRansomwareCampaignUse", kev.known_ransomware_campaign_use);
        set_str(&jb, k, "requiredAction", kev.required_action);
        set_new(&jb, f, "kev", k);
    }
    if (sup != NULL) {
        json_t *s = json_object();

        if (s == NULL)
            jb.oom = true;
        set_str(&jb, s, "source", sup->source);
        set_str(&jb, s, "file", sup->file);
        set_str(&jb, s, "status", sup->status);
        set_str(&jb, s, "reason", sup->reason ? sup->reason : "no reason given");
        set_new(&jb, f, "suppression", s);
    }
    if (jb.oom || json_array_append_new(findings, f) != 0)
        return ks_err_set(err, KS_ENOMEM, "scan: out of memory");
    b->scan->stats.findings++;
    if (sup != NULL)
        b->scan->stats.suppressed++;
    else
        b->scan->stats.by_severity[sr.severity]++;
    if (g->unknown)
        b->scan->stats.unknown++;
    return KS_OK;
}

enum ks_code
ks_scan_build_findings(struct scan_build *b, json_t *findings, struct ks_err *err)
{
    const struct ks_match_result *m = &b->scan->match;

    for (size_t i = 0; i < m->n_groups; i++) {
        bool hidden = false;
        enum ks_code rc = build_one(b, &m->groups[i], findings, &hidden, err);

        if (rc != KS_OK)
            return rc;
        if (hidden)
            b->scan->stats.hidden++;
    }
    return KS_OK;
}
