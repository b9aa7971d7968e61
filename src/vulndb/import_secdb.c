/*
 * import_secdb.c: Alpine's secdb (secdb.alpinelinux.org/vX.Y/{main,
 * community}.json) and the same format as Wolfi and Chainguard publish it
 * (packages.wolfi.dev/os/security.json, packages.cgr.dev/chainguard/
 * security.json): per origin package, `secfixes` maps a fixed apk version to
 * the ids it fixes; the key "0" means the package was never affected.
 * Entries are free text ("CVE-2016-10013 XSA-204", "CVE N/A ZBX-11023"):
 * ids are extracted with a regex. Each (document, CVE) becomes one advisory
 * holding every package of the document that names it (an entry without a
 * CVE: one per id it names; other ids beside CVEs are `related`). Alpine
 * splits one branch over two files (main, community), so its advisory ids
 * carry the branch and repository: ALPINE-CVE-2023-1234/v3.19-main.
 */
#include "vulndb/distro_int.h"

#include <string.h>

#include "base/banned.h"

enum sd_distro { SD_ALPINE, SD_WOLFI, SD_CHAINGUARD };

static const struct {
    const char *prefix, *eco, *purl_ns;
} sd_names[] = {
    [SD_ALPINE] = {"ALPINE", "Alpine", "alpine"},
    [SD_WOLFI] = {"WOLFI", "Wolfi", "wolfi"},
    [SD_CHAINGUARD] = {"CHAINGUARD", "Chainguard", "chainguard"},
};

struct sniff {
    bool packages, secfixes, distroversion, reponame, apkurl, veto;
};

static bool
sd_key(void *ctx, struct ks_str k, struct ks_str v)
{
    struct sniff *s = ctx;

    if (ks_str_eq_c(k, "packages")) {
        s->packages = true;
        s->secfixes = s->secfixes || (v.len > 0 && ks_vdb_memmem(v.ptr, v.len, "\"secfixes\"", 10));
        s->secfixes = s->secfixes || (v.len > 0 && ks_vdb_memmem(v.ptr, v.len, "\"pkg\"", 5));
    } else if (ks_str_eq_c(k, "distroversion")) {
        s->distroversion = true;
    } else if (ks_str_eq_c(k, "reponame")) {
        s->reponame = true;
    } else if (ks_str_eq_c(k, "apkurl") || ks_str_eq_c(k, "urlprefix")) {
        s->apkurl = true;
    } else if (ks_str_eq_c(k, "id") || ks_str_eq_c(k, "affected") ||
               ks_str_eq_c(k, "vulnerabilities")) {
        s->veto = true;
    }
    return true;
}

int
ks_vdb_secdb_sniff(struct ks_str head, const char *name)
{
    struct sniff s = {0};
    struct ks_str h = ks_df_skip_ws(head);

    (void)name;
    if (h.len == 0 || h.ptr[0] != '{')
        return 0;
    ks_vdb_json_keys(h, sd_key, &s);
    if (s.veto || !s.packages)
        return 0;
    if (s.secfixes || s.apkurl || s.distroversion || s.reponame)
        return 90;
    return 0;
}

/* ------------------------------------------------------------------------ */

struct sd_ctx {
    enum sd_distro distro;
    const char *eco;   /* "Alpine:v3.19", "Wolfi" */
    const char *scope; /* "/v3.19-main" or "" */
    struct ks_dfeed *f;
    struct ks_vdb_sink *sink;
    struct ks_arena *a;
    /* per secfixes entry */
    const char *pkg, *fixed;
    json_t *rec;
    bool first;
};

struct idlist {
    struct ks_str ids[64];
    size_t n;
};

static void
collect(void *ctx, struct ks_str id)
{
    struct idlist *l = ctx;

    if (l->n < KS_ARRAY_LEN(l->ids))
        l->ids[l->n++] = id;
}

static enum sd_distro
which(const json_t *doc, bool *known)
{
    const char *repo = ks_json_str(doc, "reponame"), *url = ks_json_str(doc, "urlprefix");

    *known = true;
    if (ks_json_str(doc, "distroversion") != NULL)
        return SD_ALPINE;
    if ((repo && strcmp(repo, "chainguard") == 0) || (url && strstr(url, "cgr.dev") != NULL))
        return SD_CHAINGUARD;
    if ((repo && strcmp(repo, "os") == 0) || (url && strstr(url, "wolfi.dev") != NULL))
        return SD_WOLFI;
    *known = false;
    return SD_ALPINE;
}

static void one_entry(struct sd_ctx *c, json_t *rec);

/* One secfixes entry: the fixed version key and one id string. */
static void
entry(struct sd_ctx *c, const char *text, const char *where)
{
    struct idlist l = {.n = 0};
    struct ks_str bad;
    bool any_cve = false;

    ks_df_extract_ids(ks_str_c(text), collect, &l, &bad);
    if (bad.len > 0)
        ks_vdb_malformed(c->sink, where, "'" KS_STR_FMT "' is not a valid CVE id",
                         KS_STR_ARG(bad));
    if (l.n == 0) {
        if (bad.len == 0)
            ks_vdb_malformed(c->sink, where, "no vulnerability id in '%.80s'", text);
        return;
    }
    /* One advisory per CVE the entry names ("CVE-2017-5753 CVE-2017-5715 XSA-254": */
    /* two, each related to XSA-254); an entry without a CVE gives one per id.    */
    for (size_t k = 0; k < l.n; k++)
        any_cve = any_cve || ks_vdb_is_cve(l.ids[k]);
    for (size_t i = 0; i < l.n; i++) {
        const char *id;
        json_t *rec;

        if (any_cve && !ks_vdb_is_cve(l.ids[i]))
            continue;
        id = ks_arena_sprintf(c->a, "%s-" KS_STR_FMT "%s", sd_names[c->distro].prefix,
                              KS_STR_ARG(l.ids[i]), c->scope);
        if (id == NULL)
            return;
        rec = ks_dfeed_rec(c->f, id);
        ks_dfeed_add_id(c->f, rec, "upstream", ks_arena_strdup_str(c->a, l.ids[i]));
        for (size_t k = 0; k < l.n; k++)
            if (any_cve && !ks_vdb_is_cve(l.ids[k]))
                ks_dfeed_add_id(c->f, rec, "related", ks_arena_strdup_str(c->a, l.ids[k]));
        one_entry(c, rec);
    }
}

static void
one_entry(struct sd_ctx *c, json_t *rec)
{
    struct ks_dpkg d = {0};

    d.ecosystem = c->eco;
    d.name = c->pkg;
    d.purl = ks_arena_sprintf(c->a, "pkg:apk/%s/%s?arch=source", sd_names[c->distro].purl_ns,
                              c->pkg);
    if (strcmp(c->fixed, "0") == 0) {
        d.status = KS_VSTATUS_NOT_AFFECTED;
    } else {
        d.status = KS_VSTATUS_FIXED;
        d.fixed = c->fixed;
    }
    ks_dfeed_affected(c->f, rec, &d);
}

static void
package(struct sd_ctx *c, const json_t *item, size_t index)
{
    const json_t *pkg = json_object_get(item, "pkg");
    const json_t *fixes, *ids;
    const char *name, *ver;
    char where[160];

    if (!json_is_object(pkg))
        pkg = item; /* some mirrors flatten {"pkg": {...}} */
    name = ks_json_str(pkg, "name");
    if (name == NULL || name[0] == '\0') {
        snprintf(where, sizeof(where), "packages[%zu]", index);
        ks_vdb_malformed(c->sink, where, "no package name");
        return;
    }
    fixes = json_object_get(pkg, "secfixes");
    if (fixes == NULL || json_is_null(fixes))
        return; /* a package with nothing fixed yet */
    if (!json_is_object(fixes)) {
        ks_vdb_malformed(c->sink, name, "secfixes is not an object");
        return;
    }
    c->pkg = name;
    json_object_foreach((json_t *)fixes, ver, ids)
    {
        snprintf(where, sizeof(where), "%s %s", name, ver);
        if (ver[0] == '\0') {
            ks_vdb_malformed(c->sink, where, "empty version key");
            continue;
        }
        if (!json_is_array(ids)) {
            ks_vdb_malformed(c->sink, where, "the ids are not a list");
            continue;
        }
        c->fixed = ver;
        for (size_t i = 0; i < json_array_size(ids); i++) {
            const json_t *v = json_array_get(ids, i);

            if (!json_is_string(v)) {
                ks_vdb_malformed(c->sink, where, "item %zu is not a string", i);
                continue;
            }
            entry(c, json_string_value(v), where);
        }
    }
}

enum ks_code
ks_vdb_secdb_add(struct ks_dfeed *f, struct ks_vdb_stream *in, struct ks_vdb_sink *sink,
                 struct ks_err *err)
{
    struct ks_buf buf = KS_BUF_INIT(KS_DF_MAX_DOC + 1);
    struct ks_err perr = KS_ERR_INIT;
    json_t *doc = NULL, *pkgs;
    struct sd_ctx c = {.f = f, .sink = sink, .scope = ""};
    bool known;
    enum ks_code rc;

    if ((rc = ks_vdb_read_all(in, KS_DF_MAX_DOC, &buf, err)) != KS_OK)
        goto out;
    rc = ks_json_parse(buf.data, buf.len, in->name, &doc, &perr);
    if (rc != KS_OK) {
        rc = ks_err_set(err, rc, "%s", perr.msg);
        goto out;
    }
    pkgs = json_object_get(doc, "packages");
    if (!json_is_object(doc) || !json_is_array(pkgs)) {
        rc = ks_err_set(err, KS_EPARSE, "%s: not a secdb document (no \"packages\" list)",
                        in->name);
        goto out;
    }
    c.distro = which(doc, &known);
    if (!known) {
        rc = ks_err_set(err, KS_EPARSE,
                        "%s: secdb of an unknown distribution (no distroversion; reponame "
                        "'%s')",
                        in->name, ks_json_str(doc, "reponame") ? ks_json_str(doc, "reponame") : "");
        goto out;
    }
    c.a = ks_arena_new(64 * 1024);
    if (c.a == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "out of memory");
        goto out;
    }
    if (c.distro == SD_ALPINE) {
        const char *dv = ks_json_str(doc, "distroversion"), *repo = ks_json_str(doc, "reponame");

        if (dv[0] == '\0' || strchr(dv, '/') != NULL || strlen(dv) > 32) {
            rc = ks_err_set(err, KS_EPARSE, "%s: distroversion '%.40s' is not a branch",
                            in->name, dv);
            goto out;
        }
        c.eco = ks_arena_sprintf(c.a, "Alpine:%s", dv);
        c.scope = repo != NULL && repo[0] != '\0' && strlen(repo) <= 32 && !strchr(repo, '/')
                      ? ks_arena_sprintf(c.a, "/%s-%s", dv, repo)
                      : ks_arena_sprintf(c.a, "/%s", dv);
    } else {
        c.eco = sd_names[c.distro].eco;
    }
    if (c.eco == NULL || c.scope == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < json_array_size(pkgs); i++)
        package(&c, json_array_get(pkgs, i), i);
    rc = KS_OK;
out:
    /* The records hold copies (jansson copies strings): doc can go now. */
    ks_arena_free(c.a);
    json_decref(doc);
    ks_buf_release(&buf);
    return rc;
}

enum ks_code
ks_vdb_secdb_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink, struct ks_err *err)
{
    return ks_dfeed_import_one(ks_vdb_secdb_add, in, sink, err);
}

const char *
ks_vdb_secdb_label(struct ks_str head, const char *path, struct ks_arena *a)
{
    struct ks_str p = ks_str_c(path), base, dir = KS_STR_NULL;
    ptrdiff_t slash = -1;

    if (ks_df_has(head, "packages.cgr.dev") || ks_df_has(head, "\"reponame\": \"chainguard\"") ||
        ks_df_has(head, "\"reponame\":\"chainguard\""))
        return "chainguard";
    if (ks_df_has(head, "packages.wolfi.dev") || ks_df_has(head, "\"reponame\": \"os\"") ||
        ks_df_has(head, "\"reponame\":\"os\""))
        return "wolfi";
    /* Alpine: distroversion usually comes last, past the head: use the path */
    /* (secdb's own layout vX.Y/main.json), else the base name.              */
    for (size_t i = p.len; i > 0; i--)
        if (p.ptr[i - 1] == '/') {
            slash = (ptrdiff_t)i - 1;
            break;
        }
    base = slash >= 0 ? ks_str_sub(p, (size_t)slash + 1, p.len - (size_t)slash - 1) : p;
    if (ks_str_has_suffix(base, ".json"))
        base.len -= 5;
    if (slash > 0) {
        struct ks_str up = ks_str_sub(p, 0, (size_t)slash);

        for (size_t i = up.len; i > 0; i--)
            if (up.ptr[i - 1] == '/') {
                dir = ks_str_sub(up, i, up.len - i);
                break;
            }
        if (dir.len == 0)
            dir = up;
    }
    if (dir.len > 0 && ((dir.ptr[0] == 'v' && dir.len > 1) || ks_str_eq_c(dir, "edge")))
        return ks_arena_sprintf(a, "alpine-" KS_STR_FMT "-" KS_STR_FMT, KS_STR_ARG(dir),
                                KS_STR_ARG(base));
    return ks_arena_sprintf(a, "alpine-" KS_STR_FMT, KS_STR_ARG(base));
}
