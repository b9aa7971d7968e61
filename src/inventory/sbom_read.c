/*
 * sbom_read.c: an SBOM as a target (`sbom:FILE`): CycloneDX JSON (1.2-1.6),
 * SPDX 2.x JSON and Kensa's inventory JSON become the same inventory model a
 * filesystem scan gives. A package's ecosystem comes from Kensa's own
 * properties when the document has them (a round trip is lossless), else
 * from its purl: the purl type (and for distro packages the namespace and
 * `distro` qualifier) names the ecosystem and release. Source packages are
 * read from Kensa's properties, syft's `upstream` qualifier or trivy's
 * SrcName/SrcVersion properties. A component without a purl cannot be
 * given an ecosystem: it is reported as a warning, not guessed.
 */
#include "inventory/inventory_int.h"

#include <string.h>

#include <jansson.h>

#include "base/banned.h"

#define SBOM_MAX_BYTES ((size_t)256 << 20)
#define SBOM_MAX_DEPTH 32

struct rd {
    struct ks_inventory *inv;
    struct ks_arena *a;
    const char *name;      /* file, for messages */
    struct ks_map *by_ref; /* bom-ref / SPDXID / Kensa ref -> struct ks_pkg * */
    struct ks_map *owner_of; /* pkg pointer (as hex key) -> owner ref, resolved at the end */
    size_t no_purl, odd_type;
    const char *odd_type_name;
    bool os_from_doc;
};

static const char *
dup(struct rd *r, const char *s)
{
    return s ? ks_arena_strdup(r->a, s) : NULL;
}

/* ------------------------------------------------------------------------ */
/* purl -> ecosystem, name, version                                         */

/* OS ecosystem of a distro purl namespace ("debian", "rhel", "amazonlinux", "amzn"). */
static enum ks_eco
os_eco_of(const char *type, const char *ns)
{
    const struct ks_distro *d;
    enum ks_eco eco = KS_ECO_UNKNOWN;
    struct ks_str rel;

    if (ns == NULL)
        return KS_ECO_UNKNOWN;
    if ((d = ks_distro_by_id(ns)) != NULL && strcmp(d->purl_type, type) == 0)
        return d->eco;
    for (int i = 1; i < KS_ECO_COUNT; i++) {
        const struct ks_eco_info *e = ks_eco_info((enum ks_eco)i);

        if (e->is_os && e->purl_namespace && strcmp(e->purl_namespace, ns) == 0 &&
            strcmp(e->purl_type, type) == 0)
            return (enum ks_eco)i;
    }
    if (ks_eco_parse(ks_str_c(ns), &eco, &rel, NULL) == KS_OK && ks_eco_info(eco)->is_os &&
        strcmp(ks_eco_info(eco)->purl_type, type) == 0)
        return eco;
    return KS_ECO_UNKNOWN;
}

static bool
is_os_type(const char *type)
{
    return strcmp(type, "deb") == 0 || strcmp(type, "rpm") == 0 || strcmp(type, "apk") == 0;
}

static enum ks_eco
lang_eco_of(const char *type)
{
    for (int i = 1; i < KS_ECO_COUNT; i++) {
        const struct ks_eco_info *e = ks_eco_info((enum ks_eco)i);

        if (!e->is_os && e->purl_type && strcmp(e->purl_type, type) == 0)
            return (enum ks_eco)i;
    }
    return KS_ECO_UNKNOWN;
}

/* The package name as Kensa's model spells it, from a purl. */
static const char *
name_from_purl(struct rd *r, const struct ks_purl *u)
{
    if (u->namespace == NULL)
        return u->name;
    if (strcmp(u->type, "maven") == 0)
        return ks_arena_sprintf(r->a, "%s:%s", u->namespace, u->name);
    if (strcmp(u->type, "npm") == 0 || strcmp(u->type, "golang") == 0 ||
        strcmp(u->type, "swift") == 0 || strcmp(u->type, "composer") == 0)
        return ks_arena_sprintf(r->a, "%s/%s", u->namespace, u->name);
    return u->name;
}

/* Ecosystem with release of an OS package: the document's OS when it is the */
/* same family, else the purl's distro qualifier ("debian-12"), else none.  */
static const char *
os_ecosystem(struct rd *r, enum ks_eco family, const struct ks_purl *u, enum ks_eco *eco)
{
    const char *distro = ks_purl_qualifier(u, "distro");

    if (r->inv->has_os && r->inv->os.eco != KS_ECO_UNKNOWN) {
        const struct ks_distro *od = ks_distro_by_eco(r->inv->os.eco);

        if (od && strcmp(od->purl_type, u->type) == 0 && r->inv->os.eco == family)
            return ks_os_pkg_ecosystem(&r->inv->os, family, eco);
    }
    if (distro != NULL) {
        const char *dash = strrchr(distro, '-');
        struct ks_os os;

        memset(&os, 0, sizeof(os));
        if (dash != NULL && dash > distro && dash[1] >= '0' && dash[1] <= '9') {
            os.id = ks_arena_strndup(r->a, distro, (size_t)(dash - distro));
            os.version_id = dash + 1;
        } else {
            os.id = distro;
        }
        if (os.id != NULL && ks_os_finish(&os, r->a) == KS_OK && os.eco == family &&
            os.ecosystem != NULL) {
            *eco = os.eco;
            return os.ecosystem;
        }
    }
    return ks_os_pkg_ecosystem(NULL, family, eco);
}

/* ------------------------------------------------------------------------ */

/* Fill what a purl says into p (fields already set are kept). */
static enum ks_code
apply_purl(struct rd *r, struct ks_pkg *p, const char *purl_s, bool *known)
{
    struct ks_purl u;
    struct ks_err e2 = KS_ERR_INIT;
    enum ks_code rc;
    enum ks_eco eco;

    *known = false;
    rc = ks_purl_parse(ks_str_c(purl_s), r->a, &u, &e2);
    if (rc == KS_ENOMEM)
        return rc;
    if (rc != KS_OK) {
        ks_inventory_warn(r->inv, "sbom", "%s: %s", r->name, e2.msg);
        return KS_OK;
    }
    if (p->purl == NULL && (p->purl = dup(r, purl_s)) == NULL)
        return KS_ENOMEM;
    if (is_os_type(u.type)) {
        enum ks_eco fam = os_eco_of(u.type, u.namespace);

        if (fam == KS_ECO_UNKNOWN)
            fam = strcmp(u.type, "deb") == 0   ? KS_ECO_DEBIAN
                  : strcmp(u.type, "apk") == 0 ? KS_ECO_ALPINE
                                               : KS_ECO_UNKNOWN;
        p->flags |= KS_PKG_OS;
        if (p->ecosystem == NULL && fam != KS_ECO_UNKNOWN) {
            p->ecosystem = os_ecosystem(r, fam, &u, &eco);
            p->eco = eco;
        } else if (p->ecosystem == NULL) {
            p->ecosystem = "rpm"; /* an rpm of a distribution we do not know */
        }
        if (p->arch == NULL && (p->arch = dup(r, ks_purl_qualifier(&u, "arch"))) == NULL &&
            ks_purl_qualifier(&u, "arch") != NULL)
            return KS_ENOMEM;
        if (strcmp(u.type, "rpm") == 0 && u.version != NULL && p->base_version == NULL) {
            const char *dash = strrchr(u.version, '-');
            const char *ep = ks_purl_qualifier(&u, "epoch");

            if (dash != NULL) {
                p->base_version = ks_arena_strndup(r->a, u.version, (size_t)(dash - u.version));
                p->release = dup(r, dash + 1);
            } else {
                p->base_version = u.version;
            }
            if (ep != NULL && p->epoch == NULL)
                p->epoch = dup(r, ep);
            if (p->version == NULL)
                p->version = ep ? ks_arena_sprintf(r->a, "%s:%s", ep, u.version) : u.version;
        }
        {
            /* syft: upstream=src or src@version */
            const char *up = ks_purl_qualifier(&u, "upstream");

            if (up != NULL && p->source_name == NULL) {
                const char *at = strchr(up, '@');

                p->source_name = at ? ks_arena_strndup(r->a, up, (size_t)(at - up)) : dup(r, up);
                if (at && p->source_version == NULL)
                    p->source_version = dup(r, at + 1);
            }
        }
    } else {
        eco = lang_eco_of(u.type);
        p->eco = eco;
        if (p->ecosystem == NULL) {
            if (eco != KS_ECO_UNKNOWN) {
                p->ecosystem = ks_eco_info(eco)->name;
            } else {
                /* pkg:generic, pkg:docker...: no OSV ecosystem; listed, never matched */
                p->ecosystem = "";
                r->odd_type++;
                r->odd_type_name = dup(r, u.type);
            }
        }
    }
    if (p->name == NULL)
        p->name = name_from_purl(r, &u);
    if (p->version == NULL && u.version != NULL)
        p->version = u.version;
    *known = true;
    return KS_OK;
}

/* A "kensa:KEY" fact (CycloneDX property or SPDX annotation) onto p. */
static enum ks_code
kensa_fact(struct rd *r, struct ks_pkg *p, const char *key, const char *value)
{
    const char *v = dup(r, value);

    if (v == NULL)
        return KS_ENOMEM;
    if (strcmp(key, "ecosystem") == 0) {
        enum ks_eco eco = KS_ECO_UNKNOWN;
        struct ks_str rel;

        p->ecosystem = v;
        if (ks_eco_parse(ks_str_c(v), &eco, &rel, NULL) == KS_OK)
            p->eco = eco;
    } else if (strcmp(key, "sourceName") == 0) {
        p->source_name = v;
    } else if (strcmp(key, "sourceVersion") == 0) {
        p->source_version = v;
    } else if (strcmp(key, "arch") == 0) {
        p->arch = v;
    } else if (strcmp(key, "epoch") == 0) {
        p->epoch = v;
    } else if (strcmp(key, "baseVersion") == 0) {
        p->base_version = v;
    } else if (strcmp(key, "release") == 0) {
        p->release = v;
    } else if (strcmp(key, "path") == 0) {
        return ks_pkg_add_path(r->inv, p, v);
    } else if (strcmp(key, "layerDigest") == 0) {
        p->layer = v;
    } else if (strcmp(key, "license") == 0) {
        p->license = v;
    } else if (strcmp(key, "vendor") == 0) {
        p->vendor = v;
    } else if (strcmp(key, "maintainer") == 0) {
        p->maintainer = v;
    } else if (strcmp(key, "extractor") == 0) {
        p->extractor = v;
    } else if (strcmp(key, "files") == 0) {
        uint64_t n;

        if (ks_parse_u64(ks_str_c(v), SIZE_MAX, &n) == KS_OK)
            p->n_files = (size_t)n;
    } else if (strcmp(key, "flag") == 0) {
        static const struct {
            const char *name;
            unsigned flag;
        } flags[] = {{"os", KS_PKG_OS},           {"direct", KS_PKG_DIRECT},
                     {"indirect", KS_PKG_INDIRECT}, {"dev", KS_PKG_DEV},
                     {"optional", KS_PKG_OPTIONAL}, {"kernel", KS_PKG_KERNEL},
                     {"running-kernel", KS_PKG_RUNNING_KERNEL},
                     {"unresolved", KS_PKG_UNRESOLVED}};

        for (size_t i = 0; i < KS_ARRAY_LEN(flags); i++)
            if (strcmp(v, flags[i].name) == 0)
                p->flags |= flags[i].flag;
    } else if (strcmp(key, "ownedBy") == 0) {
        char k[32];

        snprintf(k, sizeof(k), "%p", (void *)p);
        return ks_map_put(r->owner_of, ks_str_c(k), (void *)v, NULL);
    } else if (strncmp(key, "meta:", 5) == 0) {
        return ks_pkg_set_meta(r->inv, p, key + 5, v);
    }
    return KS_OK;
}

/* Add p (merging duplicates) and remember it under ref. kensa: the document */
/* carries Kensa's own facts, so nothing is filled in by default.          */
static enum ks_code
add_pkg(struct rd *r, struct ks_pkg *p, const char *ref, bool kensa, struct ks_err *err)
{
    struct ks_pkg *merged = NULL;
    enum ks_code rc;

    if (p->version == NULL) {
        ks_inventory_warn(r->inv, "sbom", "%s: package '%s' has no version", r->name, p->name);
        p->version = "";
    }
    if (!kensa && ks_pkg_is_os(p)) {
        /* A binary package is its own source unless told, and the source */
        /* has the binary's version unless told (dpkg's own defaults).    */
        if (p->source_name == NULL)
            p->source_name = p->name;
        if (p->source_version == NULL)
            p->source_version = p->version;
        /* rpm -q writes epoch:version-release; other tools often drop the epoch. */
        if (p->epoch != NULL && p->version != NULL && p->version[0] != '\0') {
            size_t n = strlen(p->epoch);

            if (strncmp(p->version, p->epoch, n) != 0 || p->version[n] != ':') {
                p->version = ks_arena_sprintf(r->a, "%s:%s", p->epoch, p->version);
                if (p->version == NULL)
                    return ks_err_set(err, KS_ENOMEM, "sbom: out of memory");
                if (p->source_version == NULL || strchr(p->source_version, ':') == NULL)
                    p->source_version = p->version;
            }
        }
    }
    if (p->extractor == NULL)
        p->extractor = "sbom";
    if (p->n_paths == 0 && p->path != NULL) {
        const char *path = p->path;

        p->path = NULL;
        if (ks_pkg_add_path(r->inv, p, path) != KS_OK)
            return ks_err_set(err, KS_ENOMEM, "sbom: out of memory");
    }
    rc = ks_inventory_add(r->inv, p, &merged, err);
    if (rc != KS_OK)
        return rc;
    if (ref != NULL && ks_map_put(r->by_ref, ks_str_c(ref), merged ? merged : p, NULL) != KS_OK)
        return ks_err_set(err, KS_ENOMEM, "sbom: out of memory");
    return KS_OK;
}

static enum ks_code
add_dep(struct rd *r, const char *from, const char *to)
{
    struct ks_pkg *a = ks_map_get(r->by_ref, ks_str_c(from));
    struct ks_pkg *b = ks_map_get(r->by_ref, ks_str_c(to));
    struct ks_pkg **nd;

    if (a == NULL || b == NULL || a == b)
        return KS_OK;
    for (size_t i = 0; i < a->n_deps; i++)
        if (a->deps[i] == b)
            return KS_OK;
    nd = ks_arena_alloc(r->a, (a->n_deps + 1) * sizeof(*nd));
    if (nd == NULL)
        return KS_ENOMEM;
    if (a->n_deps)
        memcpy(nd, a->deps, a->n_deps * sizeof(*nd));
    nd[a->n_deps++] = b;
    a->deps = nd;
    return KS_OK;
}

static enum ks_code
resolve_owners(struct rd *r)
{
    for (size_t i = 0; i < r->inv->n_pkgs; i++) {
        struct ks_pkg *p = r->inv->pkgs[i];
        char k[32];
        const char *ref;

        snprintf(k, sizeof(k), "%p", (void *)p);
        ref = ks_map_get(r->owner_of, ks_str_c(k));
        if (ref != NULL)
            p->owner = ks_map_get(r->by_ref, ks_str_c(ref));
    }
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* CycloneDX                                                                */

static const char *
cdx_license(const json_t *c)
{
    json_t *lics = ks_json_arr(c, "licenses");
    json_t *first = lics ? json_array_get(lics, 0) : NULL;
    json_t *lic = ks_json_obj(first, "license");

    if (first == NULL)
        return NULL;
    if (ks_json_str(first, "expression"))
        return ks_json_str(first, "expression");
    if (ks_json_str(lic, "id"))
        return ks_json_str(lic, "id");
    return ks_json_str(lic, "name");
}

/*
 * The OS component's "kensa:os:KEY" facts (CycloneDX properties, SPDX
 * annotation comments "kensa:os:KEY=VALUE"), as kensa sbom writes them.
 */
static void
os_fact(struct rd *r, struct ks_str key, const char *value)
{
    struct ks_os *os = &r->inv->os;

    if (ks_str_eq_c(key, "codename"))
        os->codename = dup(r, value);
    else if (ks_str_eq_c(key, "idLike"))
        os->id_like = dup(r, value);
    else if (ks_str_eq_c(key, "kernel"))
        os->kernel = dup(r, value);
    else if (ks_str_eq_c(key, "source"))
        os->source = dup(r, value);
}

/* The document's OS is read: its id lower-cased and the ecosystem derived. */
static enum ks_code
os_done(struct rd *r)
{
    struct ks_os *os = &r->inv->os;

    if (os->id != NULL)
        for (char *p = (char *)os->id; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
    r->inv->has_os = os->id != NULL;
    r->os_from_doc = r->inv->has_os;
    return r->inv->has_os ? ks_os_finish(os, r->a) : KS_OK;
}

static enum ks_code
cdx_os(struct rd *r, const json_t *c)
{
    struct ks_os *os = &r->inv->os;
    json_t *props = ks_json_arr(c, "properties");
    size_t i;
    json_t *pr;

    if (r->inv->has_os)
        return KS_OK; /* the first one describes the target */
    memset(os, 0, sizeof(*os));
    os->id = dup(r, ks_json_str(c, "name"));
    os->version_id = dup(r, ks_json_str(c, "version"));
    os->name = dup(r, ks_json_str(c, "description"));
    json_array_foreach(props, i, pr)
    {
        const char *n = ks_json_str(pr, "name"), *v = ks_json_str(pr, "value");

        if (n == NULL || v == NULL || strncmp(n, "kensa:os:", 9) != 0)
            continue;
        os_fact(r, ks_str_c(n + 9), v);
    }
    return os_done(r);
}

static enum ks_code
cdx_component(struct rd *r, const json_t *c, int depth, struct ks_err *err)
{
    struct ks_pkg *p;
    json_t *props, *pr, *kids, *kid;
    const char *type = ks_json_str(c, "type"), *purl = ks_json_str(c, "purl");
    const char *name = ks_json_str(c, "name");
    const char *trivy_src = NULL, *trivy_srcver = NULL;
    bool known = false, kensa = false;
    enum ks_code rc;
    size_t i;

    if (depth > SBOM_MAX_DEPTH)
        return ks_err_set(err, KS_ETOOBIG, "%s: components nested deeper than %d", r->name,
                          SBOM_MAX_DEPTH);
    if (type != NULL && strcmp(type, "operating-system") == 0) {
        rc = cdx_os(r, c);
        if (rc != KS_OK)
            return ks_err_set(err, rc, "sbom: out of memory");
        goto kids;
    }
    if ((p = ks_pkg_new(r->inv)) == NULL)
        return ks_err_set(err, KS_ENOMEM, "sbom: out of memory");
    props = ks_json_arr(c, "properties");
    json_array_foreach(props, i, pr)
    {
        const char *n = ks_json_str(pr, "name"), *v = ks_json_str(pr, "value");

        if (n == NULL || v == NULL)
            continue;
        if (strncmp(n, "kensa:", 6) == 0) {
            kensa = true;
            if ((rc = kensa_fact(r, p, n + 6, v)) != KS_OK)
                return ks_err_set(err, rc, "sbom: out of memory");
        } else if (strcmp(n, "aquasecurity:trivy:SrcName") == 0) {
            trivy_src = v;
        } else if (strcmp(n, "aquasecurity:trivy:SrcVersion") == 0) {
            trivy_srcver = v;
        } else if (strncmp(n, "syft:location:", 14) == 0 && ks_str_has_suffix(ks_str_c(n), ":path")) {
            const char *path = v[0] == '/' ? v + 1 : v;

            if (ks_pkg_add_path(r->inv, p, path) != KS_OK)
                return ks_err_set(err, KS_ENOMEM, "sbom: out of memory");
        }
    }
    if (kensa && name != NULL)
        p->name = dup(r, name); /* Kensa writes the model's own name */
    if (ks_json_str(c, "version") != NULL)
        p->version = dup(r, ks_json_str(c, "version"));
    if (purl != NULL && (rc = apply_purl(r, p, purl, &known)) != KS_OK)
        return ks_err_set(err, rc, "sbom: out of memory");
    if (!known && !(kensa && p->ecosystem != NULL)) {
        if (name != NULL)
            r->no_purl++;
        goto kids;
    }
    if (p->name == NULL)
        p->name = dup(r, name);
    if (p->name == NULL || p->name[0] == '\0')
        goto kids;
    if (trivy_src && !p->source_name)
        p->source_name = dup(r, trivy_src);
    if (trivy_srcver && !p->source_version)
        p->source_version = dup(r, trivy_srcver);
    if (p->license == NULL)
        p->license = dup(r, cdx_license(c));
    if (p->vendor == NULL && p->maintainer == NULL && !kensa)
        p->vendor = dup(r, ks_json_str(ks_json_obj(c, "supplier"), "name"));
    if ((rc = add_pkg(r, p, ks_json_str(c, "bom-ref"), kensa, err)) != KS_OK)
        return rc;
kids:
    kids = ks_json_arr(c, "components");
    json_array_foreach(kids, i, kid)
    {
        if ((rc = cdx_component(r, kid, depth + 1, err)) != KS_OK)
            return rc;
    }
    return KS_OK;
}

static enum ks_code
read_cdx(struct rd *r, const json_t *root, struct ks_err *err)
{
    json_t *meta = ks_json_obj(root, "metadata"), *mc = ks_json_obj(meta, "component");
    json_t *comps = ks_json_arr(root, "components"), *c, *deps, *d;
    enum ks_code rc;
    size_t i;

    if (ks_kvs_add(&r->inv->target.details, r->a, "format", "cyclonedx") != KS_OK)
        goto oom;
    if (ks_json_str(root, "specVersion") &&
        ks_kvs_add(&r->inv->target.details, r->a, "specVersion",
                   ks_json_str(root, "specVersion")) != KS_OK)
        goto oom;
    if (mc != NULL) {
        json_t *props = ks_json_arr(mc, "properties"), *pr;
        const char *n = ks_json_str(mc, "name");

        if (n && ks_kvs_add(&r->inv->target.details, r->a, "describes", n) != KS_OK)
            goto oom;
        json_array_foreach(props, i, pr)
        {
            const char *k = ks_json_str(pr, "name"), *v = ks_json_str(pr, "value");

            if (k && v && strcmp(k, "kensa:target:type") == 0 &&
                ks_kvs_add(&r->inv->target.details, r->a, "describesType", v) != KS_OK)
                goto oom;
        }
        if (ks_json_str(mc, "type") && strcmp(ks_json_str(mc, "type"), "operating-system") == 0) {
            if (cdx_os(r, mc) != KS_OK)
                goto oom;
        } else if (ks_json_str(mc, "purl") != NULL) {
            /* The project the BOM describes: its root, not a dependency of itself. */
            struct ks_purl u;
            struct ks_app app = {0};
            struct ks_err e2 = KS_ERR_INIT;

            if (ks_purl_parse(ks_str_c(ks_json_str(mc, "purl")), r->a, &u, &e2) == KS_OK) {
                enum ks_eco eco = lang_eco_of(u.type);

                app.ecosystem = eco != KS_ECO_UNKNOWN ? ks_eco_info(eco)->name : u.type;
                app.name = name_from_purl(r, &u);
                app.version = u.version ? u.version : ks_json_str(mc, "version");
                app.kind = "sbom-component";
                if (app.name && ks_inventory_add_app(r->inv, &app) != KS_OK)
                    goto oom;
            }
        }
    }
    /* The OS component first: its release qualifies every OS package. */
    json_array_foreach(comps, i, c)
    {
        const char *t = ks_json_str(c, "type");

        if (t && strcmp(t, "operating-system") == 0 && cdx_os(r, c) != KS_OK)
            goto oom;
    }
    json_array_foreach(comps, i, c)
    {
        if ((rc = cdx_component(r, c, 0, err)) != KS_OK)
            return rc;
    }
    deps = ks_json_arr(root, "dependencies");
    json_array_foreach(deps, i, d)
    {
        const char *from = ks_json_str(d, "ref");
        json_t *on = ks_json_arr(d, "dependsOn"), *to;
        size_t k;

        if (from == NULL)
            continue;
        json_array_foreach(on, k, to)
        {
            if (json_is_string(to) && add_dep(r, from, json_string_value(to)) != KS_OK)
                goto oom;
        }
    }
    return KS_OK;
oom:
    return ks_err_set(err, KS_ENOMEM, "sbom: out of memory");
}

/* ------------------------------------------------------------------------ */
/* SPDX                                                                     */

static const char *
spdx_purl(const json_t *pkg)
{
    json_t *refs = ks_json_arr(pkg, "externalRefs"), *ref;
    size_t i;

    json_array_foreach(refs, i, ref)
    {
        const char *t = ks_json_str(ref, "referenceType");

        if (t && strcmp(t, "purl") == 0 && ks_json_str(ref, "referenceLocator"))
            return ks_json_str(ref, "referenceLocator");
    }
    return NULL;
}

static bool
spdx_is_os(const json_t *pkg)
{
    const char *purpose = ks_json_str(pkg, "primaryPackagePurpose");

    /* The 2.3 JSON schema spells it with '_', the spec text with '-'. */
    return purpose && (strcmp(purpose, "OPERATING_SYSTEM") == 0 ||
                       strcmp(purpose, "OPERATING-SYSTEM") == 0);
}

static enum ks_code
spdx_os(struct rd *r, const json_t *pkg)
{
    struct ks_os *os = &r->inv->os;
    json_t *anns = ks_json_arr(pkg, "annotations"), *an;
    size_t i;

    if (r->inv->has_os)
        return KS_OK;
    memset(os, 0, sizeof(*os));
    os->id = dup(r, ks_json_str(pkg, "name"));
    os->version_id = dup(r, ks_json_str(pkg, "versionInfo"));
    os->name = dup(r, ks_json_str(pkg, "description"));
    json_array_foreach(anns, i, an)
    {
        const char *c = ks_json_str(an, "comment"), *eq;

        if (c == NULL || strncmp(c, "kensa:os:", 9) != 0 || (eq = strchr(c, '=')) == NULL)
            continue;
        os_fact(r, ks_str_make(c + 9, (size_t)(eq - (c + 9))), eq + 1);
    }
    return os_done(r);
}

static enum ks_code
read_spdx(struct rd *r, const json_t *root, struct ks_err *err)
{
    json_t *pkgs = ks_json_arr(root, "packages"), *pkg, *rels, *rel;
    enum ks_code rc = KS_OK;
    bool by_kensa = false;
    size_t i;

    if (ks_kvs_add(&r->inv->target.details, r->a, "format", "spdx") != KS_OK)
        goto oom;
    {
        json_t *creators = ks_json_arr(ks_json_obj(root, "creationInfo"), "creators"), *cr;

        json_array_foreach(creators, i, cr)
        {
            if (json_is_string(cr) && strncmp(json_string_value(cr), "Tool: kensa-", 12) == 0)
                by_kensa = true;
        }
    }
    rels = ks_json_arr(root, "relationships");
    json_array_foreach(pkgs, i, pkg)
    {
        if (spdx_is_os(pkg) && spdx_os(r, pkg) != KS_OK)
            goto oom;
    }
    json_array_foreach(pkgs, i, pkg)
    {
        const char *id = ks_json_str(pkg, "SPDXID"), *purl = spdx_purl(pkg);
        const char *name = ks_json_str(pkg, "name");
        json_t *anns = ks_json_arr(pkg, "annotations"), *an;
        struct ks_pkg *p;
        bool known = false, kensa = false;
        size_t k;

        if (spdx_is_os(pkg))
            continue;
        if ((p = ks_pkg_new(r->inv)) == NULL)
            goto oom;
        json_array_foreach(anns, k, an)
        {
            const char *c = ks_json_str(an, "comment"), *eq;
            char key[64];

            if (c == NULL || strncmp(c, "kensa:", 6) != 0 || (eq = strchr(c, '=')) == NULL ||
                (size_t)(eq - c - 6) >= sizeof(key))
                continue;
            memcpy(key, c + 6, (size_t)(eq - c - 6));
            key[eq - c - 6] = '\0';
            kensa = true;
            if (strcmp(key, "ref") == 0)
                continue;
            if ((rc = kensa_fact(r, p, key, eq + 1)) != KS_OK)
                goto oom;
        }
        if (kensa && name)
            p->name = dup(r, name);
        if (ks_json_str(pkg, "versionInfo"))
            p->version = dup(r, ks_json_str(pkg, "versionInfo"));
        if (purl != NULL && (rc = apply_purl(r, p, purl, &known)) != KS_OK)
            goto oom;
        if (!known && !(kensa && p->ecosystem != NULL)) {
            /* Kensa's own subject (the scanned target) has no purl by nature. */
            if (!(by_kensa && id && strcmp(id, "SPDXRef-Target") == 0))
                r->no_purl++;
            continue;
        }
        if (p->name == NULL)
            p->name = dup(r, name);
        if (p->name == NULL || p->name[0] == '\0')
            continue;
        if (p->license == NULL) {
            const char *l = ks_json_str(pkg, "licenseDeclared");

            if (l == NULL || strcmp(l, "NOASSERTION") == 0 || strcmp(l, "NONE") == 0)
                l = ks_json_str(pkg, "licenseConcluded");
            if (l != NULL && strcmp(l, "NOASSERTION") != 0 && strcmp(l, "NONE") != 0)
                p->license = dup(r, l);
        }
        if (p->vendor == NULL && p->maintainer == NULL && !kensa) {
            const char *s = ks_json_str(pkg, "supplier"), *colon;

            if (s && strcmp(s, "NOASSERTION") != 0 && (colon = strchr(s, ':')) != NULL) {
                colon++;
                while (*colon == ' ')
                    colon++;
                p->vendor = dup(r, colon);
            }
        }
        if ((rc = add_pkg(r, p, id, kensa, err)) != KS_OK)
            goto out;
    }
    json_array_foreach(rels, i, rel)
    {
        const char *t = ks_json_str(rel, "relationshipType");
        const char *from = ks_json_str(rel, "spdxElementId");
        const char *to = ks_json_str(rel, "relatedSpdxElement");

        if (t == NULL || from == NULL || to == NULL)
            continue;
        if (strcmp(t, "DEPENDS_ON") == 0)
            rc = add_dep(r, from, to);
        else if (strcmp(t, "DEPENDENCY_OF") == 0)
            rc = add_dep(r, to, from);
        if (rc != KS_OK)
            goto oom;
    }
    rc = KS_OK;
    goto out;
oom:
    rc = ks_err_set(err, KS_ENOMEM, "sbom: out of memory");
out:
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Kensa inventory JSON                                                     */

static enum ks_code
read_kensa(struct rd *r, const json_t *root, struct ks_err *err)
{
    json_t *target = ks_json_obj(root, "target"), *os = ks_json_obj(root, "os");
    json_t *pkgs = ks_json_arr(root, "packages"), *pj, *apps, *aj, *warns, *wj;
    size_t i;

    if (ks_kvs_add(&r->inv->target.details, r->a, "format", "kensa") != KS_OK)
        goto oom;
    if (target != NULL) {
        const char *n = ks_json_str(target, "name"), *t = ks_json_str(target, "type");
        json_t *details = ks_json_obj(target, "details");
        const char *k;
        json_t *v;

        if ((n && ks_kvs_add(&r->inv->target.details, r->a, "describes", n) != KS_OK) ||
            (t && ks_kvs_add(&r->inv->target.details, r->a, "describesType", t) != KS_OK))
            goto oom;
        json_object_foreach(details, k, v)
        {
            char key[160];

            if (!json_is_string(v))
                continue;
            snprintf(key, sizeof(key), "describes.%s", k);
            if (ks_kvs_add(&r->inv->target.details, r->a, key, json_string_value(v)) != KS_OK)
                goto oom;
        }
    }
    if (os != NULL) {
        struct ks_os *o = &r->inv->os;

        memset(o, 0, sizeof(*o));
        o->id = dup(r, ks_json_str(os, "id"));
        o->version_id = dup(r, ks_json_str(os, "versionId"));
        o->codename = dup(r, ks_json_str(os, "codename"));
        o->name = dup(r, ks_json_str(os, "name"));
        o->id_like = dup(r, ks_json_str(os, "idLike"));
        o->kernel = dup(r, ks_json_str(os, "kernel"));
        o->source = dup(r, ks_json_str(os, "source"));
        r->inv->has_os = true;
        if (ks_os_finish(o, r->a) != KS_OK)
            goto oom;
    }
    json_array_foreach(pkgs, i, pj)
    {
        struct ks_pkg *p = ks_pkg_new(r->inv);
        json_t *flags, *fj, *paths, *meta, *v;
        const char *k;
        size_t m;
        enum ks_code rc;
        enum ks_eco eco = KS_ECO_UNKNOWN;
        struct ks_str rel;

        if (p == NULL)
            goto oom;
        p->name = dup(r, ks_json_str(pj, "name"));
        p->version = dup(r, ks_json_str(pj, "version"));
        p->ecosystem = dup(r, ks_json_str(pj, "ecosystem"));
        if (p->name == NULL || p->version == NULL || p->ecosystem == NULL) {
            ks_inventory_warn(r->inv, "sbom", "%s: packages[%zu] lacks name, version or "
                              "ecosystem, skipped",
                              r->name, i);
            continue;
        }
        if (ks_eco_parse(ks_str_c(p->ecosystem), &eco, &rel, NULL) == KS_OK)
            p->eco = eco;
        p->purl = dup(r, ks_json_str(pj, "purl"));
        p->source_name = dup(r, ks_json_str(pj, "sourceName"));
        p->source_version = dup(r, ks_json_str(pj, "sourceVersion"));
        p->arch = dup(r, ks_json_str(pj, "arch"));
        p->layer = dup(r, ks_json_str(pj, "layerDigest"));
        p->epoch = dup(r, ks_json_str(pj, "epoch"));
        p->base_version = dup(r, ks_json_str(pj, "baseVersion"));
        p->release = dup(r, ks_json_str(pj, "release"));
        p->license = dup(r, ks_json_str(pj, "license"));
        p->vendor = dup(r, ks_json_str(pj, "vendor"));
        p->maintainer = dup(r, ks_json_str(pj, "maintainer"));
        p->extractor = dup(r, ks_json_str(pj, "extractor"));
        if (ks_json_str(pj, "path") && ks_pkg_add_path(r->inv, p, ks_json_str(pj, "path")) != KS_OK)
            goto oom;
        paths = ks_json_arr(pj, "paths");
        json_array_foreach(paths, m, v)
        {
            if (json_is_string(v) && ks_pkg_add_path(r->inv, p, json_string_value(v)) != KS_OK)
                goto oom;
        }
        flags = ks_json_arr(pj, "flags");
        json_array_foreach(flags, m, fj)
        {
            if (json_is_string(fj) && kensa_fact(r, p, "flag", json_string_value(fj)) != KS_OK)
                goto oom;
        }
        if (ks_json_str(pj, "ownedBy") && kensa_fact(r, p, "ownedBy", ks_json_str(pj, "ownedBy")) != KS_OK)
            goto oom;
        if (json_is_integer(json_object_get(pj, "files")) &&
            json_integer_value(json_object_get(pj, "files")) > 0)
            p->n_files = (size_t)json_integer_value(json_object_get(pj, "files"));
        meta = ks_json_obj(pj, "metadata");
        json_object_foreach(meta, k, v)
        {
            if (json_is_string(v) && ks_pkg_set_meta(r->inv, p, k, json_string_value(v)) != KS_OK)
                goto oom;
        }
        if ((rc = add_pkg(r, p, ks_json_str(pj, "ref"), true, err)) != KS_OK)
            return rc;
    }
    json_array_foreach(pkgs, i, pj)
    {
        const char *from = ks_json_str(pj, "ref");
        json_t *on = ks_json_arr(pj, "dependsOn"), *to;
        size_t m;

        json_array_foreach(on, m, to)
        {
            if (from && json_is_string(to) && add_dep(r, from, json_string_value(to)) != KS_OK)
                goto oom;
        }
    }
    apps = ks_json_arr(root, "applications");
    json_array_foreach(apps, i, aj)
    {
        struct ks_app app = {ks_json_str(aj, "ecosystem"), ks_json_str(aj, "name"),
                             ks_json_str(aj, "version"), ks_json_str(aj, "path"),
                             ks_json_str(aj, "kind")};

        if (app.name && ks_inventory_add_app(r->inv, &app) != KS_OK)
            goto oom;
    }
    warns = ks_json_arr(root, "warnings");
    json_array_foreach(warns, i, wj)
    {
        const char *src = ks_json_str(wj, "source"), *msg = ks_json_str(wj, "message");

        if (src && msg)
            ks_inventory_warn(r->inv, src, "%s", msg);
    }
    return KS_OK;
oom:
    return ks_err_set(err, KS_ENOMEM, "sbom: out of memory");
}

/* ------------------------------------------------------------------------ */

enum ks_code
ks_sbom_read(struct ks_str data, const char *name, struct ks_inventory *inv, struct ks_err *err)
{
    struct rd r;
    json_t *root = NULL;
    enum ks_code rc;
    const char *schema, *fmt, *spdx;

    memset(&r, 0, sizeof(r));
    r.inv = inv;
    r.a = inv->arena;
    r.name = name;
    if (data.len > SBOM_MAX_BYTES)
        return ks_err_set(err, KS_ETOOBIG, "%s: %zu bytes, over the SBOM limit of %zu", name,
                          data.len, SBOM_MAX_BYTES);
    if ((rc = ks_json_parse(data.ptr, data.len, name, &root, err)) != KS_OK)
        return rc;
    r.by_ref = ks_map_new();
    r.owner_of = ks_map_new();
    if (r.by_ref == NULL || r.owner_of == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "sbom: out of memory");
        goto out;
    }
    if (!json_is_object(root)) {
        rc = ks_err_set(err, KS_EPARSE, "%s: not a JSON object", name);
        goto out;
    }
    schema = ks_json_str(root, "schema");
    fmt = ks_json_str(root, "bomFormat");
    spdx = ks_json_str(root, "spdxVersion");
    if (schema != NULL && strncmp(schema, "kensa-inventory/", 16) == 0) {
        if (strcmp(schema, "kensa-inventory/1") != 0) {
            rc = ks_err_set(err, KS_EUNSUPPORTED, "%s: unsupported schema '%s'", name, schema);
            goto out;
        }
        rc = read_kensa(&r, root, err);
    } else if (fmt != NULL && strcmp(fmt, "CycloneDX") == 0) {
        rc = read_cdx(&r, root, err);
    } else if (spdx != NULL && strncmp(spdx, "SPDX-2.", 7) == 0) {
        rc = read_spdx(&r, root, err);
    } else if (spdx != NULL) {
        rc = ks_err_set(err, KS_EUNSUPPORTED, "%s: SPDX version '%s' is not supported (2.x is)",
                        name, spdx);
    } else {
        rc = ks_err_set(err, KS_EPARSE,
                        "%s: not an SBOM: no bomFormat (CycloneDX), spdxVersion (SPDX) or "
                        "schema (Kensa) at the top level",
                        name);
    }
    if (rc != KS_OK)
        goto out;
    resolve_owners(&r);
    if (r.no_purl > 0)
        ks_inventory_warn(inv, "sbom",
                          "%s: %zu component(s) without a purl were left out: their ecosystem "
                          "cannot be known",
                          name, r.no_purl);
    if (r.odd_type > 0)
        ks_inventory_warn(inv, "sbom",
                          "%s: %zu package(s) with purl types no vulnerability feed covers (e.g. "
                          "'%s') are listed without an ecosystem",
                          name, r.odd_type, r.odd_type_name ? r.odd_type_name : "?");
    rc = KS_OK;
out:
    json_decref(root);
    ks_map_free(r.by_ref);
    ks_map_free(r.owner_of);
    return rc;
}
