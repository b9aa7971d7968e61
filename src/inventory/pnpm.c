/*
 * pnpm.c: npm packages from pnpm-lock.yaml, lockfile versions 5.x to 9.
 * Package keys differ per version: v5 "/name/1.0.0_peer+x", v6
 * "/name@1.0.0(peer@x)", v9 "name@1.0.0" in `packages` with the peer
 * variants in `snapshots`; tarball and git packages carry `name` and
 * `version` fields instead. Importers (or the top-level dependency maps
 * of single-project v5/v6 files) name the direct dependencies; v5/v6 say
 * dev per package, v9 does not, so dev comes from the snapshot graph.
 * pnpm v11 writes its own tool lock as an extra YAML document first: the
 * document with importers/packages is read.
 */
#include "inventory/lang_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

static const char *const dep_secs[] = {"dependencies", "optionalDependencies", "devDependencies"};

/* Drop peer suffixes: "1.0.0(react@18)(x@1)" -> "1.0.0"; v5 "1.0.0_react@18" -> "1.0.0". */
static struct ks_str
strip_peers(struct ks_str v, bool v5)
{
    ptrdiff_t i = ks_str_find_char(v, '(');

    if (i >= 0)
        v = ks_str_sub(v, 0, (size_t)i);
    if (v5 && (i = ks_str_find_char(v, '_')) >= 0)
        v = ks_str_sub(v, 0, (size_t)i);
    return v;
}

/* A package key to name and version. */
static bool
parse_key(struct ks_str key, bool v5, struct ks_str *name, struct ks_str *version)
{
    struct ks_str k = key;

    if (k.len > 0 && k.ptr[0] == '/')
        k = ks_str_sub(k, 1, k.len - 1);
    k = strip_peers(k, false);
    if (v5) {
        /* "name/1.0.0_peer" or "@scope/name/1.0.0" */
        size_t i = k.len;

        while (i > 0 && k.ptr[i - 1] != '/')
            i--;
        if (i == 0)
            return false;
        *name = ks_str_sub(k, 0, i - 1);
        *version = strip_peers(ks_str_sub(k, i, k.len - i), true);
    } else if (!npm_split_ident(k, name, version)) {
        return false;
    }
    return name->len > 0 && lang_version_ok(*version);
}

/* Version of an importer's dependency: "1.0.0", "1.0.0(peer)", {version: ...}, "link:..." */
static struct ks_str
importer_version(const json_t *v)
{
    if (json_is_string(v))
        return ks_str_c(json_string_value(v));
    return lang_jstr(v, "version");
}

static double
lock_version(const json_t *doc)
{
    json_t *v = json_object_get(doc, "lockfileVersion");

    if (json_is_string(v))
        return strtod(json_string_value(v), NULL);
    return json_is_number(v) ? json_number_value(v) : 0;
}

/* The importers map: "importers", or the single project at the top level. */
static enum ks_code
each_importer(struct ks_extract_ctx *ctx, const json_t *doc, struct lang_graph *g,
              struct ks_map *direct, bool v5, struct ks_err *err)
{
    json_t *imps = ks_json_obj(doc, "importers"), *imp;
    const char *ik;
    struct ks_buf key = KS_BUF_INIT(8192);
    enum ks_code rc = KS_OK;
    json_t *single = NULL;

    if (imps == NULL) {
        single = json_object();
        if (single == NULL || json_object_set(single, ".", (json_t *)doc) != 0) {
            json_decref(single);
            return lang_oom(ctx, err);
        }
        imps = single;
    }
    json_object_foreach(imps, ik, imp)
    {
        for (size_t s = 0; s < KS_ARRAY_LEN(dep_secs); s++) {
            const char *dn;
            json_t *dv;

            json_object_foreach(ks_json_obj(imp, dep_secs[s]), dn, dv)
            {
                struct ks_str ver = importer_version(dv), n2, v2;

                if (ver.len == 0 || ks_str_has_prefix(ver, "link:"))
                    continue;
                ks_buf_reset(&key);
                if (npm_split_ident(strip_peers(ver, v5), &n2, &v2) && n2.ptr[0] != '/')
                    ks_buf_append_str(&key, ver); /* an alias: "real@1.0.0" */
                else if (ver.ptr[0] == '/')
                    ks_buf_append_str(&key, ks_str_sub(ver, 1, ver.len - 1));
                else
                    ks_buf_appendf(&key, "%s@%.*s", dn, (int)ver.len, ver.ptr);
                if (ks_buf_err(&key) != KS_OK)
                    continue;
                if (lang_graph_root(g, ks_buf_str(&key), s == 2) != KS_OK ||
                    ks_map_put(direct, ks_str_c(dn), (void *)1, NULL) != KS_OK) {
                    rc = lang_oom(ctx, err);
                    goto out;
                }
            }
        }
    }
out:
    ks_buf_release(&key);
    json_decref(single);
    return rc;
}

/* Graph key of a package entry's key: without the leading '/', v5 written as name@version. */
static enum ks_code
graph_key(struct ks_str k, bool v5, struct ks_buf *out)
{
    ks_buf_reset(out);
    if (k.len > 0 && k.ptr[0] == '/')
        k = ks_str_sub(k, 1, k.len - 1);
    if (v5) {
        struct ks_str n, v;
        size_t i = k.len;

        while (i > 0 && k.ptr[i - 1] != '/')
            i--;
        if (i == 0)
            return KS_EPARSE;
        n = ks_str_sub(k, 0, i - 1);
        v = ks_str_sub(k, i, k.len - i);
        ks_buf_append_str(out, n);
        ks_buf_putc(out, '@');
        ks_buf_append_str(out, v);
    } else {
        ks_buf_append_str(out, k);
    }
    return ks_buf_err(out);
}

static enum ks_code
edges_of(struct lang_graph *g, struct ks_str from, const json_t *entry, bool v5, struct ks_buf *k)
{
    for (size_t s = 0; s < 2; s++) {
        const char *dn;
        json_t *dv;

        json_object_foreach(ks_json_obj(entry, dep_secs[s]), dn, dv)
        {
            struct ks_str ver = importer_version(dv), n2, v2;

            if (ver.len == 0 || ks_str_has_prefix(ver, "link:"))
                continue;
            ks_buf_reset(k);
            if (ver.ptr[0] == '/')
                ks_buf_append_str(k, ks_str_sub(ver, 1, ver.len - 1));
            else if (npm_split_ident(strip_peers(ver, v5), &n2, &v2))
                ks_buf_append_str(k, ver);
            else
                ks_buf_appendf(k, "%s@%.*s", dn, (int)ver.len, ver.ptr);
            if (ks_buf_err(k) == KS_OK && lang_graph_edge(g, from, ks_buf_str(k)) != KS_OK)
                return KS_ENOMEM;
        }
    }
    return KS_OK;
}

LANG_EXTRACTOR(pnpm_lock)
{
    json_t *docs = NULL, *doc = NULL, *pkgs, *snaps, *e;
    struct lang_graph *g = NULL;
    struct ks_map *direct = NULL;
    struct ks_buf key = KS_BUF_INIT(8192), key2 = KS_BUF_INIT(8192);
    const char *k;
    enum ks_code rc;
    double ver;
    bool v5, v9;
    size_t i;

    if (lang_in_node_modules(in->path))
        return KS_OK;

    if ((rc = lang_yaml(ctx, in, &docs, err)) != KS_OK || docs == NULL)
        return rc;
    json_array_foreach(docs, i, e)
    {
        if (json_object_get(e, "importers") || json_object_get(e, "packages") ||
            json_object_get(e, "dependencies"))
            doc = e; /* the last document that has them: the project's own */
    }
    if (doc == NULL) {
        if (json_array_size(docs) > 0 && !json_is_object(json_array_get(docs, 0)) &&
            !json_is_null(json_array_get(docs, 0)))
            ks_extract_warn(ctx, "%s: not a pnpm lockfile, skipped", in->path);
        goto done;
    }
    ver = lock_version(doc);
    v5 = ver > 0 && ver < 6;
    v9 = ver >= 9;
    pkgs = ks_json_obj(doc, "packages");
    snaps = ks_json_obj(doc, "snapshots");
    if ((g = lang_graph_new(ctx)) == NULL || (direct = ks_map_new()) == NULL)
        goto oom;
    if ((rc = each_importer(ctx, doc, g, direct, v5, err)) != KS_OK)
        goto out;
    json_object_foreach(pkgs, k, e)
    {
        struct ks_str name = lang_jstr(e, "name"), version = lang_jstr(e, "version");
        struct ks_pkg *p;
        bool bad = false;

        if (!json_is_object(e))
            continue;
        if (name.len == 0 && version.len > 0) {
            /* v9 tarball/git keys: "name@https://..." with the version as a field */
            struct ks_str kk = ks_str_c(k);

            if (kk.len > 0 && kk.ptr[0] == '/')
                kk = ks_str_sub(kk, 1, kk.len - 1);
            for (size_t j = 1; j < kk.len; j++)
                if (kk.ptr[j] == '@') {
                    name = ks_str_sub(kk, 0, j);
                    break;
                }
        }
        if (name.len == 0 || version.len == 0) {
            if (!parse_key(ks_str_c(k), v5, &name, &version)) {
                /* tarball or git package without name/version fields */
                if (strchr(k, '@') == NULL && strchr(k, '/') == NULL)
                    ks_extract_warn(ctx, "%s: packages.%s: cannot read the key, skipped",
                                    in->path, k);
                continue;
            }
        }
        if (!lang_version_ok(version))
            continue;
        p = lang_pkg(ctx, KS_ECO_NPM, name, version, &bad);
        if (p == NULL) {
            if (!bad)
                goto oom;
            ks_extract_warn(ctx, "%s: packages.%s: invalid name or version, skipped", in->path, k);
            continue;
        }
        if (!v9) {
            json_t *dev = json_object_get(e, "dev");

            if (json_is_true(dev))
                p->flags |= KS_PKG_DEV;
            p->flags |= ks_map_has(direct, ks_str_c(p->name)) ? 0 : KS_PKG_INDIRECT;
        }
        if (ks_json_bool(e, "optional", false))
            p->flags |= KS_PKG_OPTIONAL;
        if (graph_key(ks_str_c(k), v5, &key) != KS_OK || lang_graph_node(g, ks_buf_str(&key), p))
            goto oom;
        if (!v9 && edges_of(g, ks_buf_str(&key), e, v5, &key2) != KS_OK)
            goto oom;
    }
    if (v9) {
        /* snapshots: peer variants point at their package, and carry the edges */
        json_object_foreach(snaps, k, e)
        {
            struct ks_str base = strip_peers(ks_str_c(k), false);

            ks_buf_reset(&key);
            ks_buf_appends(&key, k);
            if (ks_buf_err(&key) != KS_OK)
                continue;
            if (!ks_str_eq(base, ks_buf_str(&key)) &&
                lang_graph_edge(g, ks_buf_str(&key), base) != KS_OK)
                goto oom;
            if (edges_of(g, ks_buf_str(&key), e, false, &key2) != KS_OK)
                goto oom;
        }
    }
    rc = lang_graph_emit(g, ctx, err);
    goto out;
done:
    rc = KS_OK;
    goto out;
oom:
    rc = lang_oom(ctx, err);
out:
    lang_graph_free(g);
    ks_map_free(direct);
    ks_buf_release(&key);
    ks_buf_release(&key2);
    json_decref(docs);
    return rc;
}
