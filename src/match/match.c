/*
 * match.c: the matcher. Asks the vulnerability DB about every package under
 * the name and version its ecosystem's advisories use, evaluates each
 * affected[] entry with the OSV evaluator, then groups the verdicts into
 * findings: one per (vulnerability, source package / package name), with the
 * advisories' aliases merged (see match.h).
 */
#include "match/match.h"

#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

static const char *const skip_names[KS_SKIP_COUNT] = {
    [KS_SKIP_OWNED_BY_OS] = "owned_by_os_package",
    [KS_SKIP_NOT_RUNNING] = "not_running_kernel",
    [KS_SKIP_NO_VERSION] = "no_version",
    [KS_SKIP_UNKNOWN_ECO] = "unknown_ecosystem",
    [KS_SKIP_NO_DATA] = "no_advisory_data",
};

const char *
ks_skip_reason_name(enum ks_skip_reason r)
{
    return (unsigned)r < KS_SKIP_COUNT ? skip_names[r] : "unknown";
}

/* A growable arena array of pointers (the arena owns the memory). */
struct ptrs {
    const char **items;
    size_t n, cap;
};

static bool
ptrs_push(struct ptrs *v, struct ks_arena *a, const char *s)
{
    if (v->n == v->cap) {
        size_t ncap = v->cap ? v->cap * 2 : 4;
        const char **ni = ks_arena_alloc(a, ncap * sizeof(*ni));

        if (ni == NULL)
            return false;
        if (v->n > 0)
            memcpy(ni, v->items, v->n * sizeof(*ni));
        v->items = ni;
        v->cap = ncap;
    }
    v->items[v->n++] = s;
    return true;
}

static int
cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sort and drop duplicates in place. */
static void
ptrs_sort_unique(struct ptrs *v)
{
    size_t w = 0;

    if (v->n > 1)
        qsort(v->items, v->n, sizeof(*v->items), cmp_cstr);
    for (size_t i = 0; i < v->n; i++)
        if (w == 0 || strcmp(v->items[w - 1], v->items[i]) != 0)
            v->items[w++] = v->items[i];
    v->n = w;
}

static bool
is_cve(const char *id)
{
    return id != NULL && strncmp(id, "CVE-", 4) == 0;
}

/* Preference among non-CVE ids of one vulnerability: GHSA, then the rest; then by name. */
static int
id_rank(const char *id)
{
    return strncmp(id, "GHSA-", 5) == 0 ? 0 : 1;
}

size_t
ks_match_vuln_ids(const struct ks_advisory *adv, struct ks_arena *arena, const char ***ids)
{
    struct ptrs v = {0};
    const char *best;

    *ids = NULL;
    if (is_cve(adv->id)) {
        if (!ptrs_push(&v, arena, adv->id))
            return 0;
        *ids = v.items;
        return 1;
    }
    for (size_t i = 0; i < adv->n_aliases; i++)
        if (is_cve(adv->aliases[i]) && !ptrs_push(&v, arena, adv->aliases[i]))
            return 0;
    for (size_t i = 0; i < adv->n_upstream; i++)
        if (is_cve(adv->upstream[i]) && !ptrs_push(&v, arena, adv->upstream[i]))
            return 0;
    if (v.n > 0) {
        ptrs_sort_unique(&v);
        *ids = v.items;
        return v.n;
    }
    best = adv->id;
    for (size_t i = 0; i < adv->n_aliases; i++) {
        const char *a = adv->aliases[i];

        if (id_rank(a) < id_rank(best) || (id_rank(a) == id_rank(best) && strcmp(a, best) < 0))
            best = a;
    }
    if (!ptrs_push(&v, arena, best))
        return 0;
    *ids = v.items;
    return 1;
}

/* ------------------------------------------------------------------------ */

/* An advisory read once per call, with the vulnerability ids it stands for. */
struct adv_cache {
    bool loaded; /* false: the DB could not give it (logged once) */
    struct ks_advisory adv;
    const char **vuln_ids;
    size_t n_vuln_ids;
};

struct matcher {
    struct ks_vulndb *db;
    const struct ks_inventory *inv;
    const struct ks_match_opts *opts;
    struct ks_arena *a;
    struct ks_map *advs;    /* advisory id -> struct adv_cache */
    struct ks_map *data;    /* "eco\x1frelease" -> (void *)1 has data / (void *)2 none */
    struct ks_map *groups;  /* "vuln\x1fgroup" -> struct group_build */
    struct ks_map *no_data; /* ecosystem strings without data */
    struct ks_map *not_affected; /* "vuln\x1fgroup" the vendor says is not affected */
    struct ks_vulndb_os_eco rebuilds[4]; /* the host OS's rebuild ecosystems (CentOS -> RHEL) */
    size_t n_rebuilds;
    struct ks_match *matches;
    size_t n_matches, cap_matches;
    struct ks_match_result *out;
};

struct group_build {
    struct ks_match_group g;
    struct ptrs advisories; /* of struct adv_cache *, unique */
    struct ptrs related;
    struct ks_finding_pkg_ref *pkgs;
    size_t n_pkgs, cap_pkgs;
};

static enum ks_code
oom(struct ks_err *err)
{
    return ks_err_set(err, KS_ENOMEM, "match: out of memory");
}

/* The release part of "Debian:12" ("" when none). */
static struct ks_str
release_of(const char *ecosystem)
{
    struct ks_str head, tail;

    if (ecosystem != NULL && ks_str_split2(ks_str_c(ecosystem), ':', &head, &tail))
        return tail;
    return KS_STR("");
}

static enum ks_code
has_data(struct matcher *m, enum ks_eco eco, struct ks_str release, bool *out, struct ks_err *err)
{
    struct ks_buf key = KS_BUF_INIT(1024);
    void *v;
    enum ks_code rc = KS_OK;

    ks_buf_appendf(&key, "%d\x1f" KS_STR_FMT, (int)eco, KS_STR_ARG(release));
    if (ks_buf_err(&key) != KS_OK) {
        ks_buf_release(&key);
        return oom(err);
    }
    v = ks_map_get(m->data, ks_buf_str(&key));
    if (v == NULL) {
        bool has = false;

        rc = ks_vulndb_has_data(m->db, eco, release, &has, err);
        if (rc == KS_OK) {
            v = has ? (void *)1 : (void *)2;
            if (ks_map_put(m->data, ks_buf_str(&key), v, NULL) != KS_OK)
                rc = oom(err);
        }
    }
    ks_buf_release(&key);
    if (rc == KS_OK)
        *out = v == (void *)1;
    return rc;
}

static enum ks_code
load_advisory(struct matcher *m, const char *id, struct adv_cache **out, struct ks_err *err)
{
    struct adv_cache *c = ks_map_get(m->advs, ks_str_c(id));
    struct ks_err aerr = KS_ERR_INIT;
    enum ks_code rc;

    if (c != NULL) {
        *out = c;
        return KS_OK;
    }
    c = ks_arena_calloc(m->a, 1, sizeof(*c));
    if (c == NULL)
        return oom(err);
    c->adv.id = id;
    rc = ks_vulndb_get_advisory_head(m->db, ks_str_c(id), m->a, &c->adv, &aerr);
    if (rc == KS_ENOMEM)
        return ks_err_set(err, rc, "%s", aerr.msg);
    if (rc == KS_OK) {
        c->n_vuln_ids = ks_match_vuln_ids(&c->adv, m->a, &c->vuln_ids);
        if (c->n_vuln_ids == 0)
            return oom(err);
        c->loaded = true;
    } else {
        ks_log(KS_LOG_WARN, "match", "cannot read advisory '%s': %s", id, aerr.msg);
    }
    if (ks_map_put(m->advs, ks_str_c(id), c, NULL) != KS_OK)
        return oom(err);
    *out = c;
    return KS_OK;
}

static struct ks_match *
push_match(struct matcher *m)
{
    if (m->n_matches == m->cap_matches) {
        size_t ncap = m->cap_matches ? m->cap_matches * 2 : 64;
        struct ks_match *ni = ks_arena_alloc(m->a, ncap * sizeof(*ni));

        if (ni == NULL)
            return NULL;
        if (m->n_matches > 0)
            memcpy(ni, m->matches, m->n_matches * sizeof(*ni));
        m->matches = ni;
        m->cap_matches = ncap;
    }
    memset(&m->matches[m->n_matches], 0, sizeof(m->matches[0]));
    return &m->matches[m->n_matches++];
}

static bool
is_deb_family(enum ks_eco eco)
{
    return eco == KS_ECO_DEBIAN || eco == KS_ECO_UBUNTU;
}

static bool
is_apk_family(enum ks_eco eco)
{
    return eco == KS_ECO_ALPINE || eco == KS_ECO_WOLFI || eco == KS_ECO_CHAINGUARD;
}

/* The group a package's findings go in: source package for distro packages. */
static const char *
group_name(const struct ks_pkg *p)
{
    if (ks_pkg_is_os(p) && (is_deb_family(p->eco) || is_apk_family(p->eco)) &&
        p->source_name != NULL && p->source_name[0] != '\0')
        return p->source_name;
    return p->name;
}

/* Should the package be matched? Sets *reason when not. */
static bool
wanted(const struct matcher *m, const struct ks_pkg *p, enum ks_skip_reason *reason)
{
    if (!ks_pkg_is_os(p) && p->owner != NULL) {
        *reason = KS_SKIP_OWNED_BY_OS;
        return false;
    }
    if (ks_pkg_is_os(p) && (p->flags & KS_PKG_KERNEL) && !(p->flags & KS_PKG_RUNNING_KERNEL) &&
        m->inv->os.kernel != NULL && !m->opts->all_kernels) {
        *reason = KS_SKIP_NOT_RUNNING;
        return false;
    }
    if (p->version == NULL || p->version[0] == '\0') {
        *reason = KS_SKIP_NO_VERSION;
        return false;
    }
    if (p->eco == KS_ECO_UNKNOWN) {
        *reason = KS_SKIP_UNKNOWN_ECO;
        return false;
    }
    return true;
}

static enum ks_code
note_no_data(struct matcher *m, const char *ecosystem, struct ks_err *err)
{
    if (ks_map_has(m->no_data, ks_str_c(ecosystem)))
        return KS_OK;
    return ks_map_put(m->no_data, ks_str_c(ecosystem), (void *)ecosystem, NULL) == KS_OK
               ? KS_OK
               : oom(err);
}

/* Which entries of a lookup apply (distro feeds, docs/feeds.md). */
enum hits_mode {
    HITS_SOURCE, /* asked by the package's (source) name: entries naming binaries are not it */
    HITS_BINARY, /* asked by a Debian-family binary name: only entries naming binaries */
};

static bool
hit_applies(const struct ks_pkg *p, const struct ks_vulndb_hit *h, enum hits_mode mode)
{
    struct ks_str module;

    if (is_deb_family(p->eco) && ks_pkg_is_os(p) &&
        ks_vulndb_purl_is_binary(p->eco, h->purl) != (mode == HITS_BINARY))
        return false;
    /* RPM module streams: a stream's fix applies to packages built for that */
    /* stream only, a distro's non-modular fix to non-modular packages only. */
    /* OSV records (no vendor status) state no stream and are not filtered. */
    module = ks_vulndb_purl_module(h->purl);
    if (ks_eco_info(p->eco)->scheme == KS_SCHEME_RPM &&
        (module.len > 0 || h->status != KS_VSTATUS_NONE) &&
        !ks_vulndb_module_applies(module, ks_kvs_get(&p->meta, "modularitylabel")))
        return false;
    return true;
}

static enum ks_code
take_hits(struct matcher *m, const struct ks_pkg *p, const struct ks_vulndb_hits *hits_in,
          const char *qname, const char *qver, enum hits_mode mode, struct ks_err *err)
{
    const struct ks_vulndb_hits hits = *hits_in;
    enum ks_code rc;

    for (size_t i = 0; i < hits.n; i++) {
        const struct ks_vulndb_hit *h = &hits.items[i];
        struct ks_affect_result res;
        struct ks_match *mt;
        struct ks_err eerr = KS_ERR_INIT;

        if (!hit_applies(p, h, mode))
            continue;
        if (h->status == KS_VSTATUS_NOT_AFFECTED) {
            struct adv_cache *c;

            if ((rc = load_advisory(m, h->id, &c, err)) != KS_OK)
                return rc;
            for (size_t k = 0; c->loaded && k < c->n_vuln_ids; k++) {
                char *key = ks_arena_sprintf(m->a, "%s\x1f%s/%s", c->vuln_ids[k],
                                             p->ecosystem, group_name(p));

                if (key == NULL ||
                    ks_map_put(m->not_affected, ks_str_c(key), (void *)1, NULL) != KS_OK)
                    return oom(err);
            }
            continue;
        }
        memset(&res, 0, sizeof(res));
        if (ks_osv_evaluate(&h->affected, ks_str_c(qver), &res, &eerr) != KS_OK) {
            size_t n = strlen(eerr.msg);

            res.affected = KS_AFFECT_UNKNOWN;
            if (n >= sizeof(res.reason))
                n = sizeof(res.reason) - 1;
            memcpy(res.reason, eerr.msg, n);
            res.reason[n] = '\0';
        }
        if (res.affected == KS_AFFECT_NO)
            continue;
        mt = push_match(m);
        if (mt == NULL)
            return oom(err);
        mt->pkg = p;
        mt->advisory_id = h->id;
        mt->query_name = qname;
        mt->query_version = qver;
        mt->ecosystem = h->ecosystem;
        mt->affected = res.affected;
        mt->status = h->status;
        mt->vendor_severity = h->vendor_severity;
        mt->is_os = ks_eco_info(p->eco)->is_os;
        if (res.fixed.len > 0 && (mt->fixed = ks_arena_strdup_str(m->a, res.fixed)) == NULL)
            return oom(err);
        if (res.affected == KS_AFFECT_UNKNOWN &&
            (mt->unknown_reason = ks_arena_strdup(m->a, res.reason)) == NULL)
            return oom(err);
    }
    return KS_OK;
}

static enum ks_code
match_pkg(struct matcher *m, const struct ks_pkg *p, struct ks_err *err)
{
    const struct ks_eco_info *info = ks_eco_info(p->eco);
    struct ks_str release = release_of(p->ecosystem);
    const char *qname = p->name, *qver = p->version;
    struct ks_vulndb_hits hits;
    enum ks_skip_reason reason;
    bool has = false;
    enum ks_code rc;

    if (!wanted(m, p, &reason)) {
        m->out->skipped[reason]++;
        return KS_OK;
    }
    if (ks_pkg_is_os(p) != info->is_os) {
        m->out->skipped[KS_SKIP_UNKNOWN_ECO]++;
        return KS_OK;
    }
    if (info->is_os && release.len == 0) {
        /* A distro package without a release can only be placed on a rolling */
        /* distribution; elsewhere every release's advisories would apply.    */
        const struct ks_distro *d = ks_distro_by_eco(p->eco);

        if (d == NULL || d->release != KS_REL_NONE) {
            m->out->skipped[KS_SKIP_UNKNOWN_ECO]++;
            return KS_OK;
        }
    }
    if ((rc = has_data(m, p->eco, release, &has, err)) != KS_OK)
        return rc;
    for (size_t i = 0; i < m->n_rebuilds; i++) {
        bool rb_has = false;

        if ((rc = has_data(m, m->rebuilds[i].eco, ks_str_c(m->rebuilds[i].release), &rb_has,
                           err)) != KS_OK)
            return rc;
        has |= rb_has;
    }
    if (!has) {
        m->out->skipped[KS_SKIP_NO_DATA]++;
        return note_no_data(m, p->ecosystem ? p->ecosystem : info->name, err);
    }
    if (ks_pkg_is_os(p) && is_deb_family(p->eco)) {
        /* Debian/Ubuntu advisories name the source package and its version. */
        if (p->source_name != NULL && p->source_name[0] != '\0')
            qname = p->source_name;
        if (p->source_version != NULL && p->source_version[0] != '\0')
            qver = p->source_version;
    } else if (ks_pkg_is_os(p) && is_apk_family(p->eco)) {
        if (p->source_name != NULL && p->source_name[0] != '\0')
            qname = p->source_name; /* the origin, at the same version */
    }
    m->out->pkgs_matched++;
    m->out->queries++;
    rc = ks_vulndb_find_by_package(m->db, p->eco, info->is_os ? release : KS_STR(""),
                                   ks_str_c(qname), m->a, &hits, err);
    if (rc != KS_OK)
        return rc;
    if ((rc = take_hits(m, p, &hits, qname, qver, HITS_SOURCE, err)) != KS_OK)
        return rc;
    if (ks_pkg_is_os(p) && is_deb_family(p->eco)) {
        /* USN OVAL names binary packages (docs/feeds.md): ask again by the */
        /* binary name, keeping only the entries that name binaries.        */
        m->out->queries++;
        rc = ks_vulndb_find_by_package(m->db, p->eco, release, ks_str_c(p->name), m->a, &hits,
                                       err);
        if (rc == KS_OK)
            rc = take_hits(m, p, &hits, p->name, p->version, HITS_BINARY, err);
    }
    /* A rebuild (CentOS Linux) also gets the data of what it rebuilds (Red */
    /* Hat): the same NEVRAs, so the same fixed versions apply.            */
    for (size_t i = 0; rc == KS_OK && ks_pkg_is_os(p) && i < m->n_rebuilds; i++) {
        m->out->queries++;
        rc = ks_vulndb_find_by_package(m->db, m->rebuilds[i].eco,
                                       ks_str_c(m->rebuilds[i].release), ks_str_c(qname), m->a,
                                       &hits, err);
        if (rc == KS_OK)
            rc = take_hits(m, p, &hits, qname, qver, HITS_SOURCE, err);
    }
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Grouping.                                                                */

/* Vendor statuses by how much they keep a finding open: AFFECTED first. */
static int
status_rank(enum ks_vuln_status s)
{
    switch (s) {
    case KS_VSTATUS_AFFECTED:
        return 6;
    case KS_VSTATUS_FIX_DEFERRED:
        return 5;
    case KS_VSTATUS_WILL_NOT_FIX:
        return 4;
    case KS_VSTATUS_END_OF_LIFE:
        return 3;
    case KS_VSTATUS_FIXED:
        return 2;
    default:
        return 0;
    }
}

/* The higher of two fixed versions in the package's scheme (a if they cannot be ordered). */
static const char *
higher_fix(const struct ks_pkg *p, const char *a, const char *b)
{
    int cmp = 0;

    if (a == NULL)
        return b;
    if (b == NULL)
        return a;
    if (ks_ver_compare(ks_eco_info(p->eco)->scheme, ks_str_c(a), ks_str_c(b), &cmp, NULL) !=
        KS_OK)
        return a;
    return cmp >= 0 ? a : b;
}

static enum ks_code
add_to_group(struct matcher *m, const struct ks_match *mt, const struct adv_cache *c,
             const char *vuln, struct ks_err *err)
{
    const struct ks_pkg *p = mt->pkg;
    const char *gname = group_name(p);
    char *key = ks_arena_sprintf(m->a, "%s\x1f%s/%s", vuln, p->ecosystem, gname);
    struct group_build *g;
    struct ks_finding_pkg_ref *ref = NULL;

    if (key == NULL)
        return oom(err);
    g = ks_map_get(m->groups, ks_str_c(key));
    if (g == NULL) {
        g = ks_arena_calloc(m->a, 1, sizeof(*g));
        if (g == NULL)
            return oom(err);
        g->g.vuln_id = vuln;
        g->g.group_key = key + strlen(vuln) + 1;
        g->g.group_name = gname;
        g->g.is_os = mt->is_os;
        g->g.unknown = true;
        if (ks_map_put(m->groups, ks_str_c(key), g, NULL) != KS_OK)
            return oom(err);
    }
    {
        bool seen = false;

        for (size_t i = 0; i < g->advisories.n && !seen; i++)
            seen = g->advisories.items[i] == (const char *)c;
        if (!seen && !ptrs_push(&g->advisories, m->a, (const char *)c))
            return oom(err);
    }
    /* Related: everything the advisory is known as, except the finding's id. */
    if (strcmp(mt->advisory_id, vuln) != 0 && !ptrs_push(&g->related, m->a, mt->advisory_id))
        return oom(err);
    /* Other CVEs an advisory names are findings of their own, not aliases. */
    for (size_t i = 0; c->loaded && i < c->adv.n_aliases; i++)
        if (strcmp(c->adv.aliases[i], vuln) != 0 && !is_cve(c->adv.aliases[i]) &&
            !ptrs_push(&g->related, m->a, c->adv.aliases[i]))
            return oom(err);
    for (size_t i = 0; c->loaded && i < c->adv.n_upstream; i++)
        if (strcmp(c->adv.upstream[i], vuln) != 0 && !is_cve(c->adv.upstream[i]) &&
            !ptrs_push(&g->related, m->a, c->adv.upstream[i]))
            return oom(err);
    if (status_rank(mt->status) > status_rank(g->g.status))
        g->g.status = mt->status;
    if (mt->vendor_severity != NULL && g->g.vendor_severity == NULL)
        g->g.vendor_severity = mt->vendor_severity;
    for (size_t i = 0; i < g->n_pkgs; i++)
        if (g->pkgs[i].pkg == p)
            ref = &g->pkgs[i];
    if (ref == NULL) {
        if (g->n_pkgs == g->cap_pkgs) {
            size_t ncap = g->cap_pkgs ? g->cap_pkgs * 2 : 2;
            struct ks_finding_pkg_ref *ni = ks_arena_calloc(m->a, ncap, sizeof(*ni));

            if (ni == NULL)
                return oom(err);
            if (g->n_pkgs > 0)
                memcpy(ni, g->pkgs, g->n_pkgs * sizeof(*ni));
            g->pkgs = ni;
            g->cap_pkgs = ncap;
        }
        ref = &g->pkgs[g->n_pkgs++];
        ref->pkg = p;
        ref->affected = mt->affected;
        ref->unknown_reason = mt->unknown_reason;
    } else if (mt->affected == KS_AFFECT_YES) {
        ref->affected = KS_AFFECT_YES;
    }
    if (mt->affected == KS_AFFECT_YES) {
        ref->fixed = higher_fix(p, ref->fixed, mt->fixed);
        g->g.unknown = false;
    }
    return KS_OK;
}

static int
cmp_pkg_ref(const void *a, const void *b)
{
    const struct ks_pkg *p = ((const struct ks_finding_pkg_ref *)a)->pkg;
    const struct ks_pkg *q = ((const struct ks_finding_pkg_ref *)b)->pkg;

    return p->index < q->index ? -1 : p->index > q->index;
}

static int
cmp_adv_cache(const void *a, const void *b)
{
    const struct adv_cache *x = *(const struct adv_cache *const *)a;
    const struct adv_cache *y = *(const struct adv_cache *const *)b;

    return strcmp(x->adv.id, y->adv.id);
}

/* Turn the group's adv_cache list into sorted id and document arrays. */
static bool
finish_advisories(struct matcher *m, struct group_build *g)
{
    size_t n = g->advisories.n;
    const char **ids = ks_arena_alloc(m->a, (n + 1) * sizeof(*ids));
    const struct ks_advisory **docs = ks_arena_alloc(m->a, (n + 1) * sizeof(*docs));

    if (ids == NULL || docs == NULL)
        return false;
    if (n > 1)
        qsort(g->advisories.items, n, sizeof(*g->advisories.items), cmp_adv_cache);
    for (size_t i = 0; i < n; i++) {
        const struct adv_cache *c = (const struct adv_cache *)g->advisories.items[i];

        ids[i] = c->adv.id;
        docs[i] = &c->adv;
    }
    g->g.advisories = ids;
    g->g.adv_docs = docs;
    g->g.n_advisories = n;
    return true;
}

static int
cmp_group(const void *a, const void *b)
{
    const struct ks_match_group *g = a, *h = b;
    int c = strcmp(g->vuln_id, h->vuln_id);

    return c != 0 ? c : strcmp(g->group_key, h->group_key);
}

static enum ks_code
build_groups(struct matcher *m, struct ks_err *err)
{
    struct ks_match_result *out = m->out;
    size_t pos = 0, n = 0;
    struct ks_str key;
    void *val;
    enum ks_code rc;

    for (size_t i = 0; i < m->n_matches; i++) {
        const struct ks_match *mt = &m->matches[i];
        struct adv_cache *c;

        if ((rc = load_advisory(m, mt->advisory_id, &c, err)) != KS_OK)
            return rc;
        if (!c->loaded) {
            /* Still a finding: under the advisory's own id. */
            if ((rc = add_to_group(m, mt, c, mt->advisory_id, err)) != KS_OK)
                return rc;
            continue;
        }
        if (c->adv.withdrawn != NULL && c->adv.withdrawn[0] != '\0')
            continue; /* the query skips them; belt and braces */
        for (size_t k = 0; k < c->n_vuln_ids; k++)
            if ((rc = add_to_group(m, mt, c, c->vuln_ids[k], err)) != KS_OK)
                return rc;
    }
    out->groups = ks_arena_calloc(m->a, ks_map_len(m->groups) + 1, sizeof(*out->groups));
    if (out->groups == NULL)
        return oom(err);
    while (ks_map_next(m->groups, &pos, &key, &val)) {
        struct group_build *g = val;

        /* The distribution says this package is not affected: its word wins. */
        if (g->g.is_os && ks_map_has(m->not_affected, key))
            continue;
        if (!finish_advisories(m, g))
            return oom(err);
        ptrs_sort_unique(&g->related);
        if (g->n_pkgs > 1)
            qsort(g->pkgs, g->n_pkgs, sizeof(*g->pkgs), cmp_pkg_ref);
        g->g.related = g->related.items;
        g->g.n_related = g->related.n;
        g->g.pkgs = g->pkgs;
        g->g.n_pkgs = g->n_pkgs;
        out->groups[n++] = g->g;
    }
    out->n_groups = n;
    if (n > 1)
        qsort(out->groups, n, sizeof(*out->groups), cmp_group);
    return KS_OK;
}

static enum ks_code
collect_no_data(struct matcher *m, struct ks_err *err)
{
    struct ptrs v = {0};
    size_t pos = 0;
    void *val;

    while (ks_map_next(m->no_data, &pos, NULL, &val))
        if (!ptrs_push(&v, m->a, val))
            return oom(err);
    ptrs_sort_unique(&v);
    m->out->no_data_ecosystems = v.items;
    m->out->n_no_data_ecosystems = v.n;
    return KS_OK;
}

enum ks_code
ks_match_inventory(struct ks_vulndb *db, const struct ks_inventory *inv,
                   const struct ks_match_opts *opts, struct ks_arena *arena,
                   struct ks_match_result *out, struct ks_err *err)
{
    static const struct ks_match_opts defaults = {0};
    struct matcher m = {0};
    enum ks_code rc = KS_EINTERNAL;

    memset(out, 0, sizeof(*out));
    m.db = db;
    m.inv = inv;
    m.opts = opts ? opts : &defaults;
    m.a = arena;
    m.out = out;
    m.advs = ks_map_new();
    m.data = ks_map_new();
    m.groups = ks_map_new();
    m.no_data = ks_map_new();
    m.not_affected = ks_map_new();
    if (m.advs == NULL || m.data == NULL || m.groups == NULL || m.no_data == NULL ||
        m.not_affected == NULL) {
        rc = oom(err);
        goto out;
    }
    if (inv->has_os && inv->os.id != NULL) {
        struct ks_vulndb_os_eco all[8];
        size_t n = ks_vulndb_os_ecosystems(inv->os.id, inv->os.version_id, arena, all,
                                           KS_ARRAY_LEN(all));

        for (size_t i = 0; i < n && m.n_rebuilds < KS_ARRAY_LEN(m.rebuilds); i++)
            if (all[i].rebuild)
                m.rebuilds[m.n_rebuilds++] = all[i];
    }
    for (size_t i = 0; i < inv->n_pkgs; i++)
        if ((rc = match_pkg(&m, inv->pkgs[i], err)) != KS_OK)
            goto out;
    if ((rc = build_groups(&m, err)) != KS_OK || (rc = collect_no_data(&m, err)) != KS_OK)
        goto out;
    out->matches = m.matches;
    out->n_matches = m.n_matches;
    rc = KS_OK;
out:
    ks_map_free(m.advs);
    ks_map_free(m.data);
    ks_map_free(m.groups);
    ks_map_free(m.no_data);
    ks_map_free(m.not_affected);
    return rc;
}
