/*
 * sbom.c: SBOM format names and dispatch, the helpers the writers share
 * (package references, JSON building that records allocation failure), and
 * Kensa's own inventory JSON (docs/formats.md), which keeps every field of
 * the model so that `sbom:` can read it back without loss.
 */
#include "report/report_int.h"

#include <string.h>

#include "base/banned.h"

static const char *const format_names[KS_SBOM_FORMAT_COUNT] = {
    [KS_SBOM_JSON] = "json",
    [KS_SBOM_CYCLONEDX_JSON] = "cyclonedx-json",
    [KS_SBOM_SPDX_JSON] = "spdx-json",
};

const char *
ks_sbom_format_name(enum ks_sbom_format f)
{
    return (unsigned)f < KS_SBOM_FORMAT_COUNT ? format_names[f] : "json";
}

enum ks_code
ks_sbom_format_parse(const char *s, enum ks_sbom_format *out, struct ks_err *err)
{
    for (int i = 0; i < KS_SBOM_FORMAT_COUNT; i++) {
        if (strcmp(s, format_names[i]) == 0) {
            *out = (enum ks_sbom_format)i;
            return KS_OK;
        }
    }
    if (strcmp(s, "cyclonedx") == 0) {
        *out = KS_SBOM_CYCLONEDX_JSON;
        return KS_OK;
    }
    if (strcmp(s, "spdx") == 0) {
        *out = KS_SBOM_SPDX_JSON;
        return KS_OK;
    }
    return ks_err_set(err, KS_EINVAL,
                      "unknown SBOM format '%s' (json, cyclonedx-json, spdx-json)", s);
}

enum ks_code
ks_report_sbom(const struct ks_inventory *inv, enum ks_sbom_format f, struct ks_buf *out,
               struct ks_err *err)
{
    switch (f) {
    case KS_SBOM_JSON:
        return ks_report_inventory_json(inv, out, err);
    case KS_SBOM_CYCLONEDX_JSON:
        return ks_report_cyclonedx(inv, out, err);
    case KS_SBOM_SPDX_JSON:
        return ks_report_spdx(inv, out, err);
    case KS_SBOM_FORMAT_COUNT:
        break;
    }
    return ks_err_set(err, KS_EINVAL, "unknown SBOM format %d", (int)f);
}

/* ------------------------------------------------------------------------ */

void
report_refs_release(struct report_refs *r)
{
    for (size_t i = 0; i < r->n; i++)
        ks_free(r->refs[i]);
    ks_free(r->refs);
    r->refs = NULL;
    r->n = 0;
}

enum ks_code
report_refs_init(const struct ks_inventory *inv, struct report_refs *r)
{
    struct ks_map *seen = ks_map_new();
    enum ks_code rc = KS_ENOMEM;

    r->n = 0;
    r->refs = ks_calloc(inv->n_pkgs + 1, sizeof(char *));
    if (seen == NULL || r->refs == NULL)
        goto out;
    for (size_t i = 0; i < inv->n_pkgs; i++) {
        const struct ks_pkg *p = inv->pkgs[i];
        struct ks_buf b = KS_BUF_INIT(1 << 16);
        uintptr_t count;

        if (p->purl != NULL)
            ks_buf_appends(&b, p->purl);
        else
            ks_buf_appendf(&b, "%s/%s@%s", p->ecosystem, p->name, p->version);
        if (ks_buf_err(&b) != KS_OK) {
            ks_buf_release(&b);
            goto out;
        }
        count = (uintptr_t)ks_map_get(seen, ks_buf_str(&b));
        if (ks_map_put(seen, ks_buf_str(&b), (void *)(count + 1), NULL) != KS_OK) {
            ks_buf_release(&b);
            goto out;
        }
        if (count > 0) /* the same purl twice (two arches, two ecosystems): number it */
            ks_buf_appendf(&b, "#%zu", (size_t)count + 1);
        r->refs[i] = ks_buf_detach(&b, NULL);
        if (r->refs[i] == NULL)
            goto out;
        r->n = i + 1;
    }
    rc = KS_OK;
out:
    ks_map_free(seen);
    if (rc != KS_OK)
        report_refs_release(r);
    return rc;
}

void
rj_set(json_t *obj, const char *key, json_t *v, bool *ok)
{
    if (v == NULL || json_object_set_new(obj, key, v) != 0)
        *ok = false;
}

json_t *
rj_str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

void
rj_push(json_t *arr, json_t *v, bool *ok)
{
    if (v == NULL || json_array_append_new(arr, v) != 0)
        *ok = false;
}

enum ks_code
rj_finish(json_t *root, bool ok, struct ks_buf *out, struct ks_err *err)
{
    enum ks_code rc;

    if (!ok || root == NULL) {
        json_decref(root);
        return ks_err_set(err, KS_ENOMEM, "report: out of memory building JSON");
    }
    rc = ks_json_dump(root, true, out, err);
    json_decref(root);
    if (rc == KS_OK) {
        ks_buf_putc(out, '\n');
        rc = ks_buf_err(out);
        if (rc != KS_OK)
            ks_err_set(err, rc, "report: output too large");
    }
    return rc;
}

json_t *
report_flags_json(unsigned flags)
{
    static const struct {
        unsigned flag;
        const char *name;
    } names[] = {
        {KS_PKG_OS, "os"},         {KS_PKG_DIRECT, "direct"},     {KS_PKG_INDIRECT, "indirect"},
        {KS_PKG_DEV, "dev"},       {KS_PKG_OPTIONAL, "optional"}, {KS_PKG_KERNEL, "kernel"},
        {KS_PKG_RUNNING_KERNEL, "running-kernel"}, {KS_PKG_UNRESOLVED, "unresolved"},
    };
    json_t *a = json_array();

    for (size_t i = 0; a != NULL && i < KS_ARRAY_LEN(names); i++) {
        if ((flags & names[i].flag) && json_array_append_new(a, json_string(names[i].name)) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* ------------------------------------------------------------------------ */
/* Kensa inventory JSON.                                                    */

static json_t *
kvs_json(const struct ks_kvs *kvs, bool *ok)
{
    json_t *o = json_object();

    if (o == NULL) {
        *ok = false;
        return NULL;
    }
    for (size_t i = 0; i < kvs->len; i++)
        rj_set(o, kvs->items[i].key, json_string(kvs->items[i].value), ok);
    return o;
}

static json_t *
os_json(const struct ks_inventory *inv, bool *ok)
{
    const struct ks_os *os = &inv->os;
    json_t *o;

    if (!inv->has_os)
        return json_null();
    o = json_object();
    if (o == NULL) {
        *ok = false;
        return NULL;
    }
    rj_set(o, "id", rj_str_or_null(os->id), ok);
    rj_set(o, "versionId", rj_str_or_null(os->version_id), ok);
    rj_set(o, "codename", rj_str_or_null(os->codename), ok);
    rj_set(o, "name", rj_str_or_null(os->name), ok);
    rj_set(o, "idLike", rj_str_or_null(os->id_like), ok);
    rj_set(o, "kernel", rj_str_or_null(os->kernel), ok);
    rj_set(o, "ecosystem", rj_str_or_null(os->ecosystem), ok);
    rj_set(o, "source", rj_str_or_null(os->source), ok);
    return o;
}

static json_t *
pkg_json(const struct ks_inventory *inv, const struct report_refs *refs, size_t i, bool *ok)
{
    const struct ks_pkg *p = inv->pkgs[i];
    json_t *o = json_object(), *paths, *deps;

    if (o == NULL) {
        *ok = false;
        return NULL;
    }
    rj_set(o, "ref", json_string(refs->refs[i]), ok);
    rj_set(o, "name", json_string(p->name), ok);
    rj_set(o, "version", json_string(p->version), ok);
    rj_set(o, "ecosystem", json_string(p->ecosystem), ok);
    rj_set(o, "purl", rj_str_or_null(p->purl), ok);
    rj_set(o, "sourceName", rj_str_or_null(p->source_name), ok);
    rj_set(o, "sourceVersion", rj_str_or_null(p->source_version), ok);
    rj_set(o, "arch", rj_str_or_null(p->arch), ok);
    rj_set(o, "path", rj_str_or_null(p->path), ok);
    rj_set(o, "layerDigest", rj_str_or_null(p->layer), ok);
    if (p->epoch)
        rj_set(o, "epoch", json_string(p->epoch), ok);
    if (p->base_version)
        rj_set(o, "baseVersion", json_string(p->base_version), ok);
    if (p->release)
        rj_set(o, "release", json_string(p->release), ok);
    if (p->n_paths > 1) {
        paths = json_array();
        for (size_t k = 0; paths && k < p->n_paths; k++)
            rj_push(paths, json_string(p->paths[k]), ok);
        rj_set(o, "paths", paths, ok);
    }
    if (p->license)
        rj_set(o, "license", json_string(p->license), ok);
    if (p->vendor)
        rj_set(o, "vendor", json_string(p->vendor), ok);
    if (p->maintainer)
        rj_set(o, "maintainer", json_string(p->maintainer), ok);
    if (p->extractor)
        rj_set(o, "extractor", json_string(p->extractor), ok);
    if (p->flags)
        rj_set(o, "flags", report_flags_json(p->flags), ok);
    if (p->owner != NULL)
        rj_set(o, "ownedBy", json_string(refs->refs[p->owner->index]), ok);
    if (p->n_files)
        rj_set(o, "files", json_integer((json_int_t)p->n_files), ok);
    if (p->meta.len)
        rj_set(o, "metadata", kvs_json(&p->meta, ok), ok);
    if (p->n_deps) {
        deps = json_array();
        for (size_t k = 0; deps && k < p->n_deps; k++)
            rj_push(deps, json_string(refs->refs[p->deps[k]->index]), ok);
        rj_set(o, "dependsOn", deps, ok);
    }
    return o;
}

enum ks_code
ks_report_inventory_json(const struct ks_inventory *inv, struct ks_buf *out, struct ks_err *err)
{
    struct report_refs refs = {NULL, 0};
    json_t *root = json_object(), *meta, *tool, *target, *pkgs, *apps, *warns;
    char ts[21];
    bool ok = root != NULL;

    if (report_refs_init(inv, &refs) != KS_OK) {
        json_decref(root);
        return ks_err_set(err, KS_ENOMEM, "report: out of memory");
    }
    ks_time_rfc3339(ks_time_now(), ts);
    if (ok) {
        rj_set(root, "schema", json_string("kensa-inventory/1"), &ok);
        meta = json_object();
        tool = json_object();
        if (tool) {
            rj_set(tool, "name", json_string(KS_TOOL_NAME), &ok);
            rj_set(tool, "version", json_string(KS_VERSION_STRING), &ok);
        }
        if (meta) {
            rj_set(meta, "tool", tool, &ok);
            rj_set(meta, "timestamp", json_string(ts), &ok);
        } else {
            json_decref(tool);
        }
        rj_set(root, "metadata", meta, &ok);
        target = json_object();
        if (target) {
            rj_set(target, "type", json_string(ks_resource_type_name(inv->target.type)), &ok);
            rj_set(target, "name", rj_str_or_null(inv->target.name), &ok);
            rj_set(target, "source", rj_str_or_null(inv->target.source), &ok);
            rj_set(target, "details", kvs_json(&inv->target.details, &ok), &ok);
        }
        rj_set(root, "target", target, &ok);
        rj_set(root, "os", os_json(inv, &ok), &ok);
        pkgs = json_array();
        for (size_t i = 0; pkgs && i < inv->n_pkgs; i++)
            rj_push(pkgs, pkg_json(inv, &refs, i, &ok), &ok);
        rj_set(root, "packages", pkgs, &ok);
        apps = json_array();
        for (size_t i = 0; apps && i < inv->n_apps; i++) {
            const struct ks_app *ap = &inv->apps[i];
            json_t *o = json_object();

            if (o) {
                rj_set(o, "ecosystem", json_string(ap->ecosystem), &ok);
                rj_set(o, "name", json_string(ap->name), &ok);
                rj_set(o, "version", rj_str_or_null(ap->version), &ok);
                rj_set(o, "path", rj_str_or_null(ap->path), &ok);
                rj_set(o, "kind", rj_str_or_null(ap->kind), &ok);
            }
            rj_push(apps, o, &ok);
        }
        rj_set(root, "applications", apps, &ok);
        warns = json_array();
        for (size_t i = 0; warns && i < inv->n_warnings; i++) {
            json_t *o = json_object();

            if (o) {
                rj_set(o, "source", json_string(inv->warnings[i].source), &ok);
                rj_set(o, "message", json_string(inv->warnings[i].message), &ok);
            }
            rj_push(warns, o, &ok);
        }
        rj_set(root, "warnings", warns, &ok);
        if (inv->warnings_dropped)
            rj_set(root, "warningsDropped", json_integer((json_int_t)inv->warnings_dropped), &ok);
    }
    report_refs_release(&refs);
    return rj_finish(root, ok, out, err);
}
