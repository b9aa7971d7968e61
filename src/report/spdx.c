/*
 * spdx.c: SPDX 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/). The
 * document DESCRIBES the target package, which CONTAINS the operating
 * system (primaryPackagePurpose OPERATING_SYSTEM, as the 2.3 JSON schema
 * spells it) and the language packages; the OS CONTAINS its packages;
 * DEPENDS_ON links resolved dependencies. Each package carries its purl as a PACKAGE-MANAGER external
 * reference and Kensa's extra facts as "kensa:KEY=VALUE" annotations, which
 * `sbom:` reads back. The document namespace is derived from the content.
 */
#include "report/report_int.h"

#include <string.h>

#include "base/banned.h"

#define TOOL_CREATOR "Tool: " KS_TOOL_NAME "-" KS_VERSION_STRING

static void
annotate(json_t *anns, const char *ts, const char *key, const char *value, bool *ok)
{
    json_t *a;
    char *comment;
    size_t n;

    if (value == NULL)
        return;
    a = json_object();
    n = strlen(key) + strlen(value) + 8;
    comment = ks_malloc(n);
    if (a == NULL || comment == NULL) {
        json_decref(a);
        ks_free(comment);
        *ok = false;
        return;
    }
    snprintf(comment, n, "kensa:%s=%s", key, value);
    rj_set(a, "annotationDate", json_string(ts), ok);
    rj_set(a, "annotationType", json_string("OTHER"), ok);
    rj_set(a, "annotator", json_string(TOOL_CREATOR), ok);
    rj_set(a, "comment", json_string(comment), ok);
    ks_free(comment);
    rj_push(anns, a, ok);
}

static void
relationship(json_t *rels, const char *from, const char *type, const char *to, bool *ok)
{
    json_t *r = json_object();

    if (r == NULL) {
        *ok = false;
        return;
    }
    rj_set(r, "spdxElementId", json_string(from), ok);
    rj_set(r, "relationshipType", json_string(type), ok);
    rj_set(r, "relatedSpdxElement", json_string(to), ok);
    rj_push(rels, r, ok);
}

/* SPDX text fields must be one line; supplier values are "Organization: NAME". */
static json_t *
supplier(const struct ks_pkg *p)
{
    const char *who = p->vendor ? p->vendor : p->maintainer;
    struct ks_buf b = KS_BUF_INIT(4096);
    json_t *v;

    if (who == NULL)
        return json_string("NOASSERTION");
    ks_buf_appends(&b, "Organization: ");
    for (const char *c = who; *c; c++)
        ks_buf_putc(&b, (*c == '\n' || *c == '\r') ? ' ' : *c);
    v = ks_buf_err(&b) == KS_OK ? json_string(b.data) : json_string("NOASSERTION");
    ks_buf_release(&b);
    return v;
}

static const char *
target_purpose(enum ks_resource_type t)
{
    switch (t) {
    case KS_RES_CONTAINER_IMAGE:
        return "CONTAINER";
    case KS_RES_FUNCTION:
    case KS_RES_CODE_REPOSITORY:
        return "APPLICATION";
    case KS_RES_HOST:
    case KS_RES_SBOM:
    case KS_RES_COUNT:
        break;
    }
    return "FILE";
}

static json_t *
package_json(const struct ks_inventory *inv, const struct report_refs *refs, size_t i,
             const char *id, const char *ts, bool *ok)
{
    const struct ks_pkg *p = inv->pkgs[i];
    json_t *o = json_object(), *anns = json_array();
    char num[32];

    if (o == NULL || anns == NULL) {
        json_decref(o);
        json_decref(anns);
        *ok = false;
        return NULL;
    }
    rj_set(o, "name", json_string(p->name), ok);
    rj_set(o, "SPDXID", json_string(id), ok);
    rj_set(o, "versionInfo", json_string(p->version), ok);
    rj_set(o, "supplier", supplier(p), ok);
    rj_set(o, "downloadLocation", json_string("NOASSERTION"), ok);
    rj_set(o, "filesAnalyzed", json_false(), ok);
    rj_set(o, "licenseConcluded", json_string("NOASSERTION"), ok);
    rj_set(o, "licenseDeclared", json_string("NOASSERTION"), ok);
    if (p->license) {
        /* Package databases write free text ("GPLv2+"), not SPDX expressions. */
        struct ks_buf b = KS_BUF_INIT(1 << 16);

        ks_buf_appendf(&b, "declared by the package database: %s", p->license);
        rj_set(o, "licenseComments", json_string(ks_buf_err(&b) == KS_OK ? b.data : ""), ok);
        ks_buf_release(&b);
    }
    rj_set(o, "copyrightText", json_string("NOASSERTION"), ok);
    if (p->path) {
        struct ks_buf b = KS_BUF_INIT(1 << 16);

        ks_buf_appendf(&b, "read by %s from %s", p->extractor ? p->extractor : "kensa", p->path);
        rj_set(o, "sourceInfo", json_string(ks_buf_err(&b) == KS_OK ? b.data : ""), ok);
        ks_buf_release(&b);
    }
    if (p->purl) {
        json_t *refs_arr = json_array(), *r = json_object();

        if (r) {
            rj_set(r, "referenceCategory", json_string("PACKAGE-MANAGER"), ok);
            rj_set(r, "referenceType", json_string("purl"), ok);
            rj_set(r, "referenceLocator", json_string(p->purl), ok);
        }
        if (refs_arr)
            rj_push(refs_arr, r, ok);
        else
            json_decref(r);
        rj_set(o, "externalRefs", refs_arr, ok);
    }
    rj_set(o, "primaryPackagePurpose", json_string("LIBRARY"), ok);
    annotate(anns, ts, "ecosystem", p->ecosystem, ok);
    annotate(anns, ts, "sourceName", p->source_name, ok);
    annotate(anns, ts, "sourceVersion", p->source_version, ok);
    annotate(anns, ts, "arch", p->arch, ok);
    annotate(anns, ts, "epoch", p->epoch, ok);
    annotate(anns, ts, "baseVersion", p->base_version, ok);
    annotate(anns, ts, "release", p->release, ok);
    for (size_t k = 0; k < p->n_paths; k++)
        annotate(anns, ts, "path", p->paths[k], ok);
    annotate(anns, ts, "layerDigest", p->layer, ok);
    annotate(anns, ts, "license", p->license, ok);
    annotate(anns, ts, "vendor", p->vendor, ok);
    annotate(anns, ts, "maintainer", p->maintainer, ok);
    annotate(anns, ts, "extractor", p->extractor, ok);
    {
        json_t *flags = report_flags_json(p->flags);

        for (size_t k = 0; flags && k < json_array_size(flags); k++)
            annotate(anns, ts, "flag", json_string_value(json_array_get(flags, k)), ok);
        json_decref(flags);
    }
    if (p->owner)
        annotate(anns, ts, "ownedBy", refs->refs[p->owner->index], ok);
    if (p->n_files) {
        snprintf(num, sizeof(num), "%zu", p->n_files);
        annotate(anns, ts, "files", num, ok);
    }
    for (size_t k = 0; k < p->meta.len; k++) {
        char key[128];

        snprintf(key, sizeof(key), "meta:%s", p->meta.items[k].key);
        annotate(anns, ts, key, p->meta.items[k].value, ok);
    }
    annotate(anns, ts, "ref", refs->refs[i], ok);
    rj_set(o, "annotations", anns, ok);
    return o;
}

static json_t *
simple_package(const char *name, const char *id, const char *version, const char *purpose,
               const char *description, bool *ok)
{
    json_t *o = json_object();

    if (o == NULL) {
        *ok = false;
        return NULL;
    }
    rj_set(o, "name", json_string(name), ok);
    rj_set(o, "SPDXID", json_string(id), ok);
    if (version)
        rj_set(o, "versionInfo", json_string(version), ok);
    rj_set(o, "downloadLocation", json_string("NOASSERTION"), ok);
    rj_set(o, "filesAnalyzed", json_false(), ok);
    if (description)
        rj_set(o, "description", json_string(description), ok);
    rj_set(o, "primaryPackagePurpose", json_string(purpose), ok);
    return o;
}

/* Namespace-safe slug of the target name. */
static void
slug(const char *s, char *out, size_t n)
{
    size_t k = 0;

    for (; s && *s && k + 1 < n; s++) {
        char c = *s;

        out[k++] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-')
                       ? c
                       : '-';
    }
    out[k] = '\0';
    if (k == 0 && n > 7)
        memcpy(out, "target", 7);
}

enum ks_code
ks_report_spdx(const struct ks_inventory *inv, struct ks_buf *out, struct ks_err *err)
{
    struct report_refs refs = {NULL, 0};
    json_t *root = json_object(), *pkgs = NULL, *rels = NULL, *ci;
    char ts[21], ns[512], name_slug[128], hex[65], id[64];
    struct ks_buf h = KS_BUF_INIT(SIZE_MAX);
    bool ok = root != NULL;

    if (report_refs_init(inv, &refs) != KS_OK) {
        json_decref(root);
        return ks_err_set(err, KS_ENOMEM, "report: out of memory");
    }
    ks_time_rfc3339(ks_time_now(), ts);
    /* The namespace must be unique per document: derive it from the content. */
    ks_buf_appends(&h, inv->target.name ? inv->target.name : "");
    for (size_t i = 0; i < refs.n; i++) {
        ks_buf_putc(&h, '\n');
        ks_buf_appends(&h, refs.refs[i]);
    }
    ks_sha256_hex(h.data, h.len, hex);
    ks_buf_release(&h);
    slug(inv->target.name, name_slug, sizeof(name_slug));
    snprintf(ns, sizeof(ns), "https://kensa.invalid/spdxdocs/%s-%.32s", name_slug, hex);
    if (!ok)
        goto done;
    rj_set(root, "spdxVersion", json_string("SPDX-2.3"), &ok);
    rj_set(root, "dataLicense", json_string("CC0-1.0"), &ok);
    rj_set(root, "SPDXID", json_string("SPDXRef-DOCUMENT"), &ok);
    rj_set(root, "name", json_string(inv->target.name ? inv->target.name : "target"), &ok);
    rj_set(root, "documentNamespace", json_string(ns), &ok);
    ci = json_object();
    if (ci != NULL) {
        json_t *creators = json_array();

        rj_set(ci, "created", json_string(ts), &ok);
        if (creators)
            rj_push(creators, json_string(TOOL_CREATOR), &ok);
        rj_set(ci, "creators", creators, &ok);
        {
            struct ks_buf c = KS_BUF_INIT(4096);

            ks_buf_appendf(&c, "kensa:target:type=%s; kensa:target:source=%s",
                           ks_resource_type_name(inv->target.type),
                           inv->target.source ? inv->target.source : "");
            rj_set(ci, "comment", json_string(ks_buf_err(&c) == KS_OK ? c.data : ""), &ok);
            ks_buf_release(&c);
        }
    }
    rj_set(root, "creationInfo", ci, &ok);
    pkgs = json_array();
    rels = json_array();
    if (pkgs == NULL || rels == NULL) {
        json_decref(pkgs);
        json_decref(rels);
        ok = false;
        goto done;
    }
    rj_push(pkgs,
            simple_package(inv->target.name ? inv->target.name : "target", "SPDXRef-Target", NULL,
                           target_purpose(inv->target.type), NULL, &ok),
            &ok);
    relationship(rels, "SPDXRef-DOCUMENT", "DESCRIBES", "SPDXRef-Target", &ok);
    if (inv->has_os) {
        json_t *os = simple_package(inv->os.id ? inv->os.id : "unknown", "SPDXRef-OperatingSystem",
                                    inv->os.version_id, "OPERATING_SYSTEM", inv->os.name, &ok);

        if (os != NULL) {
            json_t *anns = json_array();

            annotate(anns, ts, "os:codename", inv->os.codename, &ok);
            annotate(anns, ts, "os:idLike", inv->os.id_like, &ok);
            annotate(anns, ts, "os:kernel", inv->os.kernel, &ok);
            annotate(anns, ts, "os:ecosystem", inv->os.ecosystem, &ok);
            annotate(anns, ts, "os:source", inv->os.source, &ok);
            if (json_array_size(anns) > 0)
                rj_set(os, "annotations", anns, &ok);
            else
                json_decref(anns);
        }
        rj_push(pkgs, os, &ok);
        relationship(rels, "SPDXRef-Target", "CONTAINS", "SPDXRef-OperatingSystem", &ok);
    }
    for (size_t i = 0; ok && i < inv->n_pkgs; i++) {
        const struct ks_pkg *p = inv->pkgs[i];

        snprintf(id, sizeof(id), "SPDXRef-Package-%zu", i + 1);
        rj_push(pkgs, package_json(inv, &refs, i, id, ts, &ok), &ok);
        relationship(rels, ks_pkg_is_os(p) && inv->has_os ? "SPDXRef-OperatingSystem"
                                                         : "SPDXRef-Target",
                     "CONTAINS", id, &ok);
    }
    for (size_t i = 0; ok && i < inv->n_pkgs; i++) {
        const struct ks_pkg *p = inv->pkgs[i];

        snprintf(id, sizeof(id), "SPDXRef-Package-%zu", i + 1);
        for (size_t k = 0; k < p->n_deps; k++) {
            char to[64];

            snprintf(to, sizeof(to), "SPDXRef-Package-%zu", p->deps[k]->index + 1);
            relationship(rels, id, "DEPENDS_ON", to, &ok);
        }
    }
    rj_set(root, "packages", pkgs, &ok);
    rj_set(root, "relationships", rels, &ok);
done:
    report_refs_release(&refs);
    return rj_finish(root, ok, out, err);
}
