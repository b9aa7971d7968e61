/*
 * cyclonedx.c: CycloneDX 1.6 JSON (https://cyclonedx.org/docs/1.6/json/),
 * and 1.4 for consumers that want it (Inspector's CYCLONEDX_1_4 SBOM
 * exports): the same content, with 1.4's `tools` array.
 * The target is metadata.component; the distribution is an
 * operating-system component; every package is a library component with
 * its purl and Kensa's extra facts as `kensa:*` properties (what
 * `sbom:` reads back). Dependencies: target -> OS and language packages,
 * OS -> its packages, package -> its resolved dependencies. The serial
 * number is derived from the content, so equal inventories give equal BOMs.
 */
#include "report/report_int.h"

#include <string.h>

#include "base/banned.h"

#define TARGET_REF "kensa:target"
#define OS_REF     "kensa:os"

static void
prop(json_t *props, const char *name, const char *value, bool *ok)
{
    json_t *o;

    if (value == NULL)
        return;
    o = json_object();
    if (o == NULL) {
        *ok = false;
        return;
    }
    rj_set(o, "name", json_string(name), ok);
    rj_set(o, "value", json_string(value), ok);
    rj_push(props, o, ok);
}

/* "urn:uuid:..." from a hash of what the BOM says (not when it was made). */
static void
content_uuid(const struct ks_inventory *inv, const struct report_refs *refs, const char *salt,
             char out[37])
{
    struct ks_buf b = KS_BUF_INIT(SIZE_MAX);
    unsigned char h[32];
    char hex[65];

    ks_buf_appends(&b, salt);
    ks_buf_putc(&b, '\n');
    ks_buf_appends(&b, inv->target.name ? inv->target.name : "");
    ks_buf_putc(&b, '\n');
    if (inv->has_os && inv->os.ecosystem)
        ks_buf_appends(&b, inv->os.ecosystem);
    for (size_t i = 0; i < refs->n; i++) {
        ks_buf_putc(&b, '\n');
        ks_buf_appends(&b, refs->refs[i]);
        ks_buf_putc(&b, ' ');
        ks_buf_appends(&b, inv->pkgs[i]->path ? inv->pkgs[i]->path : "");
    }
    ks_sha256(b.data, b.len, h);
    ks_buf_release(&b);
    h[6] = (unsigned char)((h[6] & 0x0f) | 0x50); /* version 5 layout (name-based) */
    h[8] = (unsigned char)((h[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    ks_hex_encode(h, 16, hex);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

static const char *
target_component_type(enum ks_resource_type t)
{
    switch (t) {
    case KS_RES_CONTAINER_IMAGE:
        return "container";
    case KS_RES_FUNCTION:
    case KS_RES_CODE_REPOSITORY:
        return "application";
    case KS_RES_HOST:
    case KS_RES_SBOM:
    case KS_RES_COUNT:
        break;
    }
    return "file";
}

static json_t *
pkg_component(const struct ks_inventory *inv, const struct report_refs *refs, size_t i, bool *ok)
{
    const struct ks_pkg *p = inv->pkgs[i];
    json_t *c = json_object(), *props = json_array();
    char num[32];

    if (c == NULL || props == NULL) {
        json_decref(c);
        json_decref(props);
        *ok = false;
        return NULL;
    }
    rj_set(c, "type", json_string("library"), ok);
    rj_set(c, "bom-ref", json_string(refs->refs[i]), ok);
    if (p->vendor || p->maintainer) {
        json_t *sup = json_object();

        if (sup)
            rj_set(sup, "name", json_string(p->vendor ? p->vendor : p->maintainer), ok);
        rj_set(c, "supplier", sup, ok);
    }
    rj_set(c, "name", json_string(p->name), ok);
    rj_set(c, "version", json_string(p->version), ok);
    if (p->license) {
        json_t *lics = json_array(), *l = json_object(), *lic = json_object();

        if (lic)
            rj_set(lic, "name", json_string(p->license), ok);
        if (l)
            rj_set(l, "license", lic, ok);
        else
            json_decref(lic);
        if (lics)
            rj_push(lics, l, ok);
        else
            json_decref(l);
        rj_set(c, "licenses", lics, ok);
    }
    if (p->purl)
        rj_set(c, "purl", json_string(p->purl), ok);
    prop(props, "kensa:ecosystem", p->ecosystem, ok);
    prop(props, "kensa:sourceName", p->source_name, ok);
    prop(props, "kensa:sourceVersion", p->source_version, ok);
    prop(props, "kensa:arch", p->arch, ok);
    prop(props, "kensa:epoch", p->epoch, ok);
    prop(props, "kensa:baseVersion", p->base_version, ok);
    prop(props, "kensa:release", p->release, ok);
    for (size_t k = 0; k < p->n_paths; k++)
        prop(props, "kensa:path", p->paths[k], ok);
    prop(props, "kensa:layerDigest", p->layer, ok);
    prop(props, "kensa:vendor", p->vendor, ok);
    prop(props, "kensa:maintainer", p->maintainer, ok);
    prop(props, "kensa:extractor", p->extractor, ok);
    {
        json_t *flags = report_flags_json(p->flags);

        for (size_t k = 0; flags && k < json_array_size(flags); k++)
            prop(props, "kensa:flag", json_string_value(json_array_get(flags, k)), ok);
        json_decref(flags);
    }
    if (p->owner)
        prop(props, "kensa:ownedBy", refs->refs[p->owner->index], ok);
    if (p->n_files) {
        snprintf(num, sizeof(num), "%zu", p->n_files);
        prop(props, "kensa:files", num, ok);
    }
    for (size_t k = 0; k < p->meta.len; k++) {
        char key[128];

        snprintf(key, sizeof(key), "kensa:meta:%s", p->meta.items[k].key);
        prop(props, key, p->meta.items[k].value, ok);
    }
    rj_set(c, "properties", props, ok);
    return c;
}

static json_t *
dep_entry(const char *ref, bool *ok)
{
    json_t *d = json_object();

    if (d == NULL) {
        *ok = false;
        return NULL;
    }
    rj_set(d, "ref", json_string(ref), ok);
    rj_set(d, "dependsOn", json_array(), ok);
    return d;
}

enum ks_code
ks_report_cyclonedx(const struct ks_inventory *inv, struct ks_buf *out, struct ks_err *err)
{
    return ks_report_cyclonedx_spec(inv, 6, out, err);
}

enum ks_code
ks_report_cyclonedx_spec(const struct ks_inventory *inv, int minor, struct ks_buf *out,
                         struct ks_err *err)
{
    struct report_refs refs = {NULL, 0};
    json_t *root = json_object(), *meta = NULL, *comps = NULL, *deps = NULL;
    json_t *target_dep = NULL, *os_dep = NULL;
    char ts[21], uuid[37], urn[64];
    bool ok = root != NULL;

    if (report_refs_init(inv, &refs) != KS_OK) {
        json_decref(root);
        return ks_err_set(err, KS_ENOMEM, "report: out of memory");
    }
    ks_time_rfc3339(ks_time_now(), ts);
    content_uuid(inv, &refs, "cyclonedx", uuid);
    snprintf(urn, sizeof(urn), "urn:uuid:%s", uuid);
    if (minor != 4 && minor != 6) {
        report_refs_release(&refs);
        json_decref(root);
        return ks_err_set(err, KS_EINVAL, "report: CycloneDX 1.%d is not written (1.4, 1.6 are)",
                          minor);
    }
    if (!ok)
        goto done;
    rj_set(root, "$schema",
           json_string(minor == 4 ? "http://cyclonedx.org/schema/bom-1.4.schema.json"
                                  : "http://cyclonedx.org/schema/bom-1.6.schema.json"),
           &ok);
    rj_set(root, "bomFormat", json_string("CycloneDX"), &ok);
    rj_set(root, "specVersion", json_string(minor == 4 ? "1.4" : "1.6"), &ok);
    rj_set(root, "serialNumber", json_string(urn), &ok);
    rj_set(root, "version", json_integer(1), &ok);

    meta = json_object();
    if (meta != NULL) {
        json_t *tools = json_object(), *tcomps = json_array(), *tool = json_object();
        json_t *tc = json_object(), *tprops = json_array();

        rj_set(meta, "timestamp", json_string(ts), &ok);
        if (tool) {
            /* 1.4 lists tools as {vendor, name, version}; 1.5+ as components. */
            if (minor == 4)
                rj_set(tool, "vendor", json_string("Kensa"), &ok);
            else
                rj_set(tool, "type", json_string("application"), &ok);
            rj_set(tool, "name", json_string(KS_TOOL_NAME), &ok);
            rj_set(tool, "version", json_string(KS_VERSION_STRING), &ok);
        }
        if (tcomps)
            rj_push(tcomps, tool, &ok);
        else
            json_decref(tool);
        if (minor == 4) {
            json_decref(tools);
            rj_set(meta, "tools", tcomps, &ok);
        } else {
            if (tools)
                rj_set(tools, "components", tcomps, &ok);
            else
                json_decref(tcomps);
            rj_set(meta, "tools", tools, &ok);
        }
        if (tc != NULL && tprops != NULL) {
            rj_set(tc, "type", json_string(target_component_type(inv->target.type)), &ok);
            rj_set(tc, "bom-ref", json_string(TARGET_REF), &ok);
            rj_set(tc, "name", json_string(inv->target.name ? inv->target.name : ""), &ok);
            prop(tprops, "kensa:target:type", ks_resource_type_name(inv->target.type), &ok);
            prop(tprops, "kensa:target:source", inv->target.source, &ok);
            for (size_t i = 0; i < inv->target.details.len; i++) {
                char key[128];

                snprintf(key, sizeof(key), "kensa:target:%s", inv->target.details.items[i].key);
                prop(tprops, key, inv->target.details.items[i].value, &ok);
            }
            rj_set(tc, "properties", tprops, &ok);
            rj_set(meta, "component", tc, &ok);
        } else {
            json_decref(tc);
            json_decref(tprops);
            ok = false;
        }
    }
    rj_set(root, "metadata", meta, &ok);

    comps = json_array();
    deps = json_array();
    if (comps == NULL || deps == NULL) {
        json_decref(comps);
        json_decref(deps);
        ok = false;
        goto done;
    }
    target_dep = dep_entry(TARGET_REF, &ok);
    rj_push(deps, target_dep, &ok);
    if (inv->has_os) {
        json_t *os = json_object(), *oprops = json_array();

        if (os != NULL && oprops != NULL) {
            rj_set(os, "type", json_string("operating-system"), &ok);
            rj_set(os, "bom-ref", json_string(OS_REF), &ok);
            rj_set(os, "name", json_string(inv->os.id ? inv->os.id : "unknown"), &ok);
            if (inv->os.version_id)
                rj_set(os, "version", json_string(inv->os.version_id), &ok);
            if (inv->os.name)
                rj_set(os, "description", json_string(inv->os.name), &ok);
            prop(oprops, "kensa:os:codename", inv->os.codename, &ok);
            prop(oprops, "kensa:os:idLike", inv->os.id_like, &ok);
            prop(oprops, "kensa:os:kernel", inv->os.kernel, &ok);
            prop(oprops, "kensa:os:ecosystem", inv->os.ecosystem, &ok);
            prop(oprops, "kensa:os:source", inv->os.source, &ok);
            rj_set(os, "properties", oprops, &ok);
            rj_push(comps, os, &ok);
        } else {
            json_decref(os);
            json_decref(oprops);
            ok = false;
        }
        os_dep = dep_entry(OS_REF, &ok);
        rj_push(deps, os_dep, &ok);
        if (target_dep)
            rj_push(json_object_get(target_dep, "dependsOn"), json_string(OS_REF), &ok);
    }
    for (size_t i = 0; ok && i < inv->n_pkgs; i++) {
        const struct ks_pkg *p = inv->pkgs[i];
        json_t *d;

        rj_push(comps, pkg_component(inv, &refs, i, &ok), &ok);
        if (ks_pkg_is_os(p) && os_dep != NULL)
            rj_push(json_object_get(os_dep, "dependsOn"), json_string(refs.refs[i]), &ok);
        else if (target_dep != NULL)
            rj_push(json_object_get(target_dep, "dependsOn"), json_string(refs.refs[i]), &ok);
        d = dep_entry(refs.refs[i], &ok);
        for (size_t k = 0; d && k < p->n_deps; k++)
            rj_push(json_object_get(d, "dependsOn"), json_string(refs.refs[p->deps[k]->index]),
                    &ok);
        rj_push(deps, d, &ok);
    }
    rj_set(root, "components", comps, &ok);
    rj_set(root, "dependencies", deps, &ok);
done:
    report_refs_release(&refs);
    return rj_finish(root, ok, out, err);
}
