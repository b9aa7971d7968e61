/*
 * dotnet.c: NuGet packages from packages.lock.json (per target framework:
 * Direct, Transitive and CentralTransitive entries; Project references are
 * the solution's own code), *.deps.json (the runtime's dependency manifest:
 * "libraries" of type package; the project itself is an application) and
 * packages.config (XML, read by libxml2 without network or entities;
 * developmentDependency="true" is dev). NuGet names are case-insensitive
 * and stored lower-cased.
 */
#include "inventory/lang_int.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "base/banned.h"

LANG_EXTRACTOR(nuget_lock)
{
    json_t *doc = NULL, *fw, *e;
    const char *fk, *name;
    enum ks_code rc;

    if ((rc = lang_json(ctx, in, &doc, err)) != KS_OK || doc == NULL)
        return rc;
    json_object_foreach(ks_json_obj(doc, "dependencies"), fk, fw)
    {
        json_object_foreach(fw, name, e)
        {
            struct ks_str type = lang_jstr(e, "type");
            unsigned flags = 0;

            if (ks_str_eq_c(type, "Project"))
                continue;
            if (ks_str_eq_c(type, "Direct"))
                flags = KS_PKG_DIRECT;
            else if (type.len > 0)
                flags = KS_PKG_INDIRECT;
            if ((rc = lang_add(ctx, KS_ECO_NUGET, ks_str_c(name), lang_jstr(e, "resolved"), flags,
                               fk, NULL, err)) != KS_OK)
                goto out;
        }
    }
    rc = KS_OK;
out:
    json_decref(doc);
    return rc;
}

LANG_EXTRACTOR(dotnet_deps)
{
    json_t *doc = NULL, *e;
    const char *key;
    enum ks_code rc;

    if ((rc = lang_json(ctx, in, &doc, err)) != KS_OK || doc == NULL)
        return rc;
    json_object_foreach(ks_json_obj(doc, "libraries"), key, e)
    {
        struct ks_str k = ks_str_c(key), name, version;
        struct ks_str type = lang_jstr(e, "type");

        if (!ks_str_split2(k, '/', &name, &version)) {
            ks_extract_warn(ctx, "%s: libraries.%s: not NAME/VERSION, skipped", in->path, key);
            continue;
        }
        if (ks_str_eq_c(type, "project")) {
            if ((rc = lang_app(ctx, KS_ECO_NUGET, "dotnet-project", name, version, err)) != KS_OK)
                goto out;
            continue;
        }
        if (!ks_str_eq_c(type, "package"))
            continue; /* framework references, runtime packs */
        if ((rc = lang_add(ctx, KS_ECO_NUGET, name, version, 0, key, NULL, err)) != KS_OK)
            goto out;
    }
    rc = KS_OK;
out:
    json_decref(doc);
    return rc;
}

LANG_EXTRACTOR(nuget_config)
{
    xmlDocPtr doc;
    xmlNodePtr root;
    enum ks_code rc = KS_OK;

    if (in->data.len > INT32_MAX)
        return KS_OK;
    doc = xmlReadMemory(in->data.ptr ? in->data.ptr : "", (int)in->data.len, NULL, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc == NULL) {
        const xmlError *e = xmlGetLastError();
        struct ks_str m = ks_str_trim(ks_str_c(e && e->message ? e->message : "unreadable"));

        ks_extract_warn(ctx, "%s:%d: invalid XML: %.*s", in->path, e ? e->line : 0,
                        (int)KS_MIN(m.len, 300), m.ptr);
        return KS_OK;
    }
    if (doc->intSubset != NULL || doc->extSubset != NULL) {
        ks_extract_warn(ctx, "%s: XML with a DOCTYPE is not read (entities are refused)", in->path);
        goto out;
    }
    root = xmlDocGetRootElement(doc);
    if (root == NULL || strcmp((const char *)root->name, "packages") != 0) {
        ks_extract_warn(ctx, "%s: not a packages.config (no <packages>), skipped", in->path);
        goto out;
    }
    for (xmlNodePtr n = root->children; n != NULL && rc == KS_OK; n = n->next) {
        xmlChar *id, *ver, *dev;
        char where[32];

        if (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "package") != 0)
            continue;
        id = xmlGetProp(n, (const xmlChar *)"id");
        ver = xmlGetProp(n, (const xmlChar *)"version");
        dev = xmlGetProp(n, (const xmlChar *)"developmentDependency");
        snprintf(where, sizeof(where), "line %ld", (long)xmlGetLineNo(n));
        if (id == NULL || ver == NULL)
            ks_extract_warn(ctx, "%s:%ld: package without id or version, skipped", in->path,
                            (long)xmlGetLineNo(n));
        else
            rc = lang_add(ctx, KS_ECO_NUGET, ks_str_c((const char *)id),
                          ks_str_c((const char *)ver),
                          dev && strcmp((const char *)dev, "true") == 0 ? KS_PKG_DEV : 0, where,
                          NULL, err);
        xmlFree(id);
        xmlFree(ver);
        xmlFree(dev);
    }
out:
    xmlFreeDoc(doc);
    return rc;
}
