/*
 * npm.c: npm packages from package-lock.json / npm-shrinkwrap.json (v1's
 * nested "dependencies", v2/v3's flat "packages" keyed by install path,
 * with aliases, workspaces, bundled and dev/optional flags), bun.lock
 * (bun's JSON with trailing commas), and installed trees: every
 * node_modules/NAME/package.json and node_modules/@scope/NAME/package.json,
 * pnpm's .pnpm store included. The walk never follows symlinks, so cyclic
 * links in node_modules cost nothing. A package.json outside node_modules
 * is a project root: an application, never a dependency.
 */
#include "inventory/lang_int.h"

#include <string.h>

#include "base/banned.h"

static const char *const prod_sections[] = {"dependencies", "optionalDependencies",
                                            "peerDependencies"};

bool
npm_split_ident(struct ks_str s, struct ks_str *name, struct ks_str *version)
{
    for (size_t i = s.len; i > 1; i--) {
        if (s.ptr[i - 1] == '@') {
            *name = ks_str_sub(s, 0, i - 1);
            *version = ks_str_sub(s, i, s.len - i);
            return name->len > 0;
        }
    }
    return false;
}

json_t *
npm_sibling_manifest(struct ks_extract_ctx *ctx, const char *lock)
{
    struct ks_buf path = KS_BUF_INIT(KS_FS_MAX_PATH * 2), data = KS_BUF_INIT(16 << 20);
    struct ks_str dir = lang_dirname(lock);
    struct ks_err e2 = KS_ERR_INIT;
    json_t *doc = NULL;

    if (ks_extract_fs(ctx) == NULL)
        return NULL;
    if (dir.len > 0) {
        ks_buf_append_str(&path, dir);
        ks_buf_putc(&path, '/');
    }
    ks_buf_appends(&path, "package.json");
    if (ks_buf_err(&path) == KS_OK && ks_extract_read(ctx, path.data, 16 << 20, &data, &e2) == KS_OK)
        (void)ks_json_parse(data.data, data.len, path.data, &doc, &e2);
    ks_buf_release(&path);
    ks_buf_release(&data);
    return json_is_object(doc) ? doc : (json_decref(doc), NULL);
}

/* Is name one of the manifest's dependencies (any section)? *dev: only in devDependencies. */
static bool
manifest_has(const json_t *m, const char *name, bool *dev)
{
    *dev = false;
    if (m == NULL)
        return false;
    for (size_t i = 0; i < KS_ARRAY_LEN(prod_sections); i++)
        if (json_object_get(ks_json_obj(m, prod_sections[i]), name) != NULL)
            return true;
    if (json_object_get(ks_json_obj(m, "devDependencies"), name) != NULL) {
        *dev = true;
        return true;
    }
    return false;
}

static enum ks_code
set_meta(struct ks_extract_ctx *ctx, struct ks_pkg *p, const char *k, const char *v,
         struct ks_err *err)
{
    if (ks_kvs_get(&p->meta, k) != NULL)
        return KS_OK;
    if (ks_pkg_set_meta(ks_extract_inventory(ctx), p, k, v) != KS_OK)
        return lang_oom(ctx, err);
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* package-lock.json v2/v3: "packages" keyed by install path.              */

static enum ks_code
lock_packages(struct ks_extract_ctx *ctx, const struct ks_extract_input *in, json_t *pkgs,
              struct ks_err *err)
{
    json_t *root = ks_json_obj(pkgs, ""), *e;
    const char *key;
    enum ks_code rc;

    if (root != NULL &&
        (rc = lang_app(ctx, KS_ECO_NPM, "npm-project", lang_jstr(root, "name"),
                       lang_jstr(root, "version"), err)) != KS_OK)
        return rc;
    json_object_foreach(pkgs, key, e)
    {
        const char *nm = strstr(key, "node_modules/"), *last = NULL;
        struct ks_str name, version;
        struct ks_pkg *p = NULL;
        json_t *parent = NULL;
        unsigned flags = 0;
        bool dev = false;

        if (key[0] == '\0' || !json_is_object(e) || ks_json_bool(e, "link", false))
            continue;
        for (const char *q = nm; q != NULL; q = strstr(q + 1, "node_modules/"))
            last = q;
        if (last == NULL) {
            /* a workspace member ("packages/a"): the project's own code */
            if ((rc = lang_app(ctx, KS_ECO_NPM, "npm-workspace", lang_jstr(e, "name"),
                               lang_jstr(e, "version"), err)) != KS_OK)
                return rc;
            continue;
        }
        name = lang_jstr(e, "name"); /* an alias installs "real" under another key */
        if (name.len == 0)
            name = ks_str_c(last + 13);
        version = lang_jstr(e, "version");
        if (version.len == 0 || !lang_version_ok(version))
            continue; /* git/file/link dependencies are not registry releases */
        /* direct: installed right under the root or a workspace, and asked for there */
        if (last == key) {
            parent = root;
        } else if (last > key && last[-1] == '/' && strstr(key, "node_modules/") == last) {
            char ws[KS_FS_MAX_PATH];

            snprintf(ws, sizeof(ws), "%.*s", (int)(last - key - 1), key);
            parent = ks_json_obj(pkgs, ws);
        }
        if (parent != NULL && manifest_has(parent, last + 13, &dev))
            flags |= KS_PKG_DIRECT;
        else
            flags |= KS_PKG_INDIRECT;
        if (ks_json_bool(e, "dev", false))
            flags |= KS_PKG_DEV;
        if (ks_json_bool(e, "optional", false))
            flags |= KS_PKG_OPTIONAL;
        if ((rc = lang_add(ctx, KS_ECO_NPM, name, version, flags, key, &p, err)) != KS_OK)
            return rc;
        if (p == NULL)
            continue;
        if (ks_json_bool(e, "inBundle", false) &&
            (rc = set_meta(ctx, p, "bundled", "true", err)) != KS_OK)
            return rc;
        if (ks_json_bool(e, "peer", false) && (rc = set_meta(ctx, p, "peer", "true", err)) != KS_OK)
            return rc;
    }
    (void)in;
    return KS_OK;
}

/* v1: "dependencies" nested by install location. */
static enum ks_code
lock_v1(struct ks_extract_ctx *ctx, json_t *deps, const json_t *manifest, unsigned depth,
        struct ks_err *err)
{
    const char *key;
    json_t *e;
    enum ks_code rc;

    if (depth > 200)
        return KS_OK;
    json_object_foreach(deps, key, e)
    {
        struct ks_str name = ks_str_c(key), version = lang_jstr(e, "version");
        struct ks_pkg *p = NULL;
        unsigned flags = 0;
        bool dev = false;

        if (!json_is_object(e))
            continue;
        if (ks_str_has_prefix(version, "npm:")) {
            /* an alias: "npm:real-name@1.2.3" */
            struct ks_str ident = ks_str_sub(version, 4, version.len - 4);

            if (!npm_split_ident(ident, &name, &version))
                continue;
        }
        if (lang_version_ok(version)) {
            if (depth == 0)
                flags |= manifest_has(manifest, key, &dev) ? KS_PKG_DIRECT : KS_PKG_INDIRECT;
            else
                flags |= KS_PKG_INDIRECT;
            if (manifest == NULL && depth == 0)
                flags &= ~(unsigned)(KS_PKG_DIRECT | KS_PKG_INDIRECT);
            if (ks_json_bool(e, "dev", false))
                flags |= KS_PKG_DEV;
            if (ks_json_bool(e, "optional", false))
                flags |= KS_PKG_OPTIONAL;
            if ((rc = lang_add(ctx, KS_ECO_NPM, name, version, flags, key, &p, err)) != KS_OK)
                return rc;
            if (p != NULL && ks_json_bool(e, "bundled", false) &&
                (rc = set_meta(ctx, p, "bundled", "true", err)) != KS_OK)
                return rc;
        }
        if ((rc = lock_v1(ctx, ks_json_obj(e, "dependencies"), manifest, depth + 1, err)) !=
            KS_OK)
            return rc;
    }
    return KS_OK;
}

LANG_EXTRACTOR(npm_lock)
{
    json_t *doc = NULL, *pkgs, *manifest = NULL;
    enum ks_code rc;

    if (lang_in_node_modules(in->path))
        return KS_OK;

    /* npm ignores package-lock.json when npm-shrinkwrap.json is beside it */
    if (ks_str_eq_c(lang_basename(in->path), "package-lock.json")) {
        size_t n = 0;
        const char *const *m = ks_extract_matches(ctx, &n);
        struct ks_str dir = lang_dirname(in->path);

        for (size_t i = 0; i < n; i++)
            if (ks_str_eq_c(lang_basename(m[i]), "npm-shrinkwrap.json") &&
                ks_str_eq(lang_dirname(m[i]), dir))
                return KS_OK;
    }
    if ((rc = lang_json(ctx, in, &doc, err)) != KS_OK || doc == NULL)
        return rc;
    if (!json_is_object(doc)) {
        ks_extract_warn(ctx, "%s: not a package-lock object, skipped", in->path);
        goto done;
    }
    pkgs = ks_json_obj(doc, "packages");
    if (pkgs != NULL) {
        rc = lock_packages(ctx, in, pkgs, err);
        goto out;
    }
    if ((rc = lang_app(ctx, KS_ECO_NPM, "npm-project", lang_jstr(doc, "name"),
                       lang_jstr(doc, "version"), err)) != KS_OK)
        goto out;
    manifest = npm_sibling_manifest(ctx, in->path);
    rc = lock_v1(ctx, ks_json_obj(doc, "dependencies"), manifest, 0, err);
    goto out;
done:
    rc = KS_OK;
out:
    json_decref(manifest);
    json_decref(doc);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Installed trees: .../node_modules/[@scope/]NAME/package.json.           */

LANG_EXTRACTOR(npm_installed)
{
    const char *path = in->path, *last = NULL, *rest;
    json_t *doc = NULL;
    enum ks_code rc = KS_OK;
    bool installed;

    for (const char *q = strstr(path, "node_modules/"); q != NULL;
         q = strstr(q + 1, "node_modules/"))
        if (q == path || q[-1] == '/')
            last = q;
    if (last == NULL) {
        installed = false;
    } else {
        /* only the package's own manifest, not files deeper inside it */
        const char *slash;

        rest = last + 13;
        if (rest[0] == '@') {
            slash = strchr(rest, '/');
            rest = slash ? slash + 1 : rest;
        }
        slash = strchr(rest, '/');
        if (slash == NULL || strcmp(slash, "/package.json") != 0 || rest[0] == '.')
            return KS_OK;
        installed = true;
    }
    if ((rc = lang_json(ctx, in, &doc, err)) != KS_OK || doc == NULL)
        return rc;
    if (!json_is_object(doc)) {
        ks_extract_warn(ctx, "%s: not a package.json object, skipped", path);
        goto out;
    }
    if (!installed) {
        rc = lang_app(ctx, KS_ECO_NPM, "npm-project", lang_jstr(doc, "name"),
                      lang_jstr(doc, "version"), err);
        goto out;
    }
    {
        struct ks_str name = lang_jstr(doc, "name"), version = lang_jstr(doc, "version");

        if (name.len == 0 || version.len == 0) {
            /* packages may carry a stub package.json (a "type" marker) without a name */
            if (json_object_size(doc) > 0 && name.len == 0 && version.len > 0)
                ks_extract_warn(ctx, "%s: package.json without a name, skipped", path);
            goto out;
        }
        rc = lang_add(ctx, KS_ECO_NPM, name, version, 0, "package.json", NULL, err);
    }
out:
    json_decref(doc);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* bun.lock                                                                 */

/* Resolve dependency D of the package at bun key K the way node does: K/D, parent(K)/D, ..., D. */
static enum ks_code
bun_edge(struct lang_graph *g, const json_t *pkgs, const char *k, const char *d)
{
    char cand[KS_FS_MAX_PATH];
    size_t klen = strlen(k);

    for (;;) {
        snprintf(cand, sizeof(cand), "%.*s%s%s", (int)klen, k, klen ? "/" : "", d);
        if (json_object_get(pkgs, cand) != NULL || klen == 0)
            break;
        while (klen > 0 && k[klen - 1] != '/')
            klen--;
        if (klen > 0)
            klen--; /* drop the '/' */
        /* a scoped parent "@s/n" is one key: keep cutting until a whole key remains */
    }
    return lang_graph_edge(g, ks_str_c(k), ks_str_c(cand));
}

LANG_EXTRACTOR(bun_lock)
{
    json_t *doc = NULL, *pkgs, *ws, *w, *e;
    const char *key, *wkey;
    struct lang_graph *g = NULL;
    enum ks_code rc;

    if (lang_in_node_modules(in->path))
        return KS_OK;

    if ((rc = lang_jsonc(ctx, in, &doc, err)) != KS_OK || doc == NULL)
        return rc;
    pkgs = ks_json_obj(doc, "packages");
    ws = ks_json_obj(doc, "workspaces");
    if ((g = lang_graph_new(ctx)) == NULL)
        goto oom;
    json_object_foreach(ws, wkey, w)
    {
        const char *dn;
        json_t *dv;

        if ((rc = lang_app(ctx, KS_ECO_NPM, wkey[0] ? "npm-workspace" : "npm-project",
                           lang_jstr(w, "name"), lang_jstr(w, "version"), err)) != KS_OK)
            goto out;
        for (size_t s = 0; s < KS_ARRAY_LEN(prod_sections); s++)
            json_object_foreach(ks_json_obj(w, prod_sections[s]), dn, dv)
            {
                if (lang_graph_root(g, ks_str_c(dn), false) != KS_OK)
                    goto oom;
            }
        json_object_foreach(ks_json_obj(w, "devDependencies"), dn, dv)
        {
            if (lang_graph_root(g, ks_str_c(dn), true) != KS_OK)
                goto oom;
        }
    }
    json_object_foreach(pkgs, key, e)
    {
        struct ks_str ident, name, version;
        struct ks_pkg *p;
        bool bad = false;
        json_t *meta;
        const char *dn;
        json_t *dv;

        if (!json_is_array(e) || json_array_size(e) == 0 || !json_is_string(json_array_get(e, 0))) {
            ks_extract_warn(ctx, "%s: packages.%s: not a package tuple, skipped", in->path, key);
            continue;
        }
        ident = ks_str_c(json_string_value(json_array_get(e, 0)));
        if (!npm_split_ident(ident, &name, &version)) {
            ks_extract_warn(ctx, "%s: packages.%s: cannot read '%.*s', skipped", in->path, key,
                            (int)KS_MIN(ident.len, 200), ident.ptr);
            continue;
        }
        if (!lang_version_ok(version))
            continue; /* workspace:, github:, file: ... are not registry releases */
        p = lang_pkg(ctx, KS_ECO_NPM, name, version, &bad);
        if (p == NULL) {
            if (!bad)
                goto oom;
            ks_extract_warn(ctx, "%s: packages.%s: invalid name or version, skipped", in->path,
                            key);
            continue;
        }
        if (lang_graph_node(g, ks_str_c(key), p) != KS_OK)
            goto oom;
        meta = json_array_get(e, 2);
        for (size_t s = 0; s < KS_ARRAY_LEN(prod_sections); s++)
            json_object_foreach(ks_json_obj(meta, prod_sections[s]), dn, dv)
            {
                if (bun_edge(g, pkgs, key, dn) != KS_OK)
                    goto oom;
            }
    }
    rc = lang_graph_emit(g, ctx, err);
    goto out;
oom:
    rc = lang_oom(ctx, err);
out:
    lang_graph_free(g);
    json_decref(doc);
    return rc;
}
