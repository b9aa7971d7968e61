/*
 * rust.c: crates.io packages from Cargo.lock (v1 to v4, TOML). Packages
 * without a `source` are the workspace's own crates (applications) or path
 * dependencies (local code); git sources are kept with meta source=git.
 * Dependencies of the workspace crates are direct, the rest indirect, from
 * the lock's graph ("name", "name version" or "name version (source)").
 * Binaries built with cargo-auditable are read in binary.c.
 */
#include "inventory/lang_int.h"

#include <string.h>

#include "base/banned.h"

/* "name version (source)" / "name version" / "name" -> graph key "name@version" or "name". */
static void
dep_key(struct ks_str dep, struct ks_map *by_name, struct ks_buf *key)
{
    struct ks_str name, rest, ver;

    ks_buf_reset(key);
    if (!ks_str_split2(dep, ' ', &name, &rest)) {
        const char *only = ks_map_get(by_name, dep);

        ks_buf_append_str(key, dep);
        if (only != NULL && only != (const char *)1) {
            ks_buf_reset(key);
            ks_buf_appends(key, only);
        }
        return;
    }
    if (!ks_str_split2(rest, ' ', &ver, &rest))
        ver = rest;
    ks_buf_append_str(key, name);
    ks_buf_putc(key, '@');
    ks_buf_append_str(key, ver);
}

LANG_EXTRACTOR(cargo_lock)
{
    json_t *doc = NULL, *pkgs, *v;
    struct lang_graph *g = NULL;
    struct ks_map *by_name = NULL; /* name -> "name@version" (char*, arena) or 1 when several */
    struct ks_buf key = KS_BUF_INIT(4096), key2 = KS_BUF_INIT(4096);
    enum ks_code rc;
    size_t i;

    if ((rc = lang_toml(ctx, in, &doc, err)) != KS_OK || doc == NULL)
        return rc;
    pkgs = json_object_get(doc, "package");
    if (pkgs != NULL && !json_is_array(pkgs)) {
        ks_extract_warn(ctx, "%s: 'package' is not an array of tables, skipped", in->path);
        goto done;
    }
    if ((g = lang_graph_new(ctx)) == NULL || (by_name = ks_map_new()) == NULL)
        goto oom;
    json_array_foreach(pkgs, i, v)
    {
        struct ks_str name = lang_jstr(v, "name"), ver = lang_jstr(v, "version");
        char *k;

        if (name.len == 0 || ver.len == 0)
            continue;
        k = ks_arena_sprintf(ks_extract_arena(ctx), "%.*s@%.*s", (int)name.len, name.ptr,
                             (int)ver.len, ver.ptr);
        if (k == NULL)
            goto oom;
        if (ks_map_has(by_name, name)) {
            if (ks_map_put(by_name, name, (void *)1, NULL) != KS_OK)
                goto oom;
        } else if (ks_map_put(by_name, name, k, NULL) != KS_OK) {
            goto oom;
        }
    }
    json_array_foreach(pkgs, i, v)
    {
        struct ks_str name = lang_jstr(v, "name"), ver = lang_jstr(v, "version");
        struct ks_str src = lang_jstr(v, "source");
        struct ks_pkg *p;
        bool bad = false;
        size_t k;
        json_t *d;
        char where[32];

        snprintf(where, sizeof(where), "package[%zu]", i);
        if (name.len == 0 || ver.len == 0) {
            ks_extract_warn(ctx, "%s: %s: no name or version, skipped", in->path, where);
            continue;
        }
        ks_buf_reset(&key);
        ks_buf_appendf(&key, "%.*s@%.*s", (int)name.len, name.ptr, (int)ver.len, ver.ptr);
        if (ks_buf_err(&key) != KS_OK)
            continue;
        if (src.len == 0) {
            /* a workspace member or path dependency: the project's own code */
            if ((rc = lang_app(ctx, KS_ECO_CRATES, "rust-crate", name, ver, err)) != KS_OK)
                goto out;
            json_array_foreach(ks_json_arr(v, "dependencies"), k, d)
            {
                if (!json_is_string(d))
                    continue;
                dep_key(ks_str_c(json_string_value(d)), by_name, &key2);
                if (ks_buf_err(&key2) == KS_OK && lang_graph_root(g, ks_buf_str(&key2), false))
                    goto oom;
            }
            continue;
        }
        p = lang_pkg(ctx, KS_ECO_CRATES, name, ver, &bad);
        if (p == NULL) {
            if (!bad)
                goto oom;
            ks_extract_warn(ctx, "%s: %s: invalid name or version, skipped", in->path, where);
            continue;
        }
        if (ks_str_has_prefix(src, "git+") &&
            ks_pkg_set_meta(ks_extract_inventory(ctx), p, "source", "git") != KS_OK)
            goto oom;
        if (lang_graph_node(g, ks_buf_str(&key), p) != KS_OK)
            goto oom;
        json_array_foreach(ks_json_arr(v, "dependencies"), k, d)
        {
            if (!json_is_string(d))
                continue;
            dep_key(ks_str_c(json_string_value(d)), by_name, &key2);
            if (ks_buf_err(&key2) == KS_OK &&
                lang_graph_edge(g, ks_buf_str(&key), ks_buf_str(&key2)) != KS_OK)
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
    ks_map_free(by_name);
    ks_buf_release(&key);
    ks_buf_release(&key2);
    json_decref(doc);
    return rc;
}
