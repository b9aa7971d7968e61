/*
 * php.c: Packagist packages from composer.lock ("packages", and
 * "packages-dev" as dev) and from vendor/composer/installed.json (Composer
 * 1's array, or Composer 2's {"packages": [...], "dev-package-names": [...]}).
 * Names are lower-cased (Composer's rule); versions as written.
 */
#include "inventory/lang_int.h"

#include <string.h>

#include "base/banned.h"

static bool
in_names(const json_t *arr, const char *name)
{
    size_t i;
    json_t *v;

    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v) && strcmp(json_string_value(v), name) == 0)
            return true;
    }
    return false;
}

static enum ks_code
add_list(struct ks_extract_ctx *ctx, const json_t *arr, const char *what, bool dev,
         const json_t *dev_names, struct ks_err *err)
{
    size_t i;
    json_t *v;
    enum ks_code rc;

    json_array_foreach(arr, i, v)
    {
        const char *name = ks_json_str(v, "name");
        char where[64];
        unsigned flags = dev ? KS_PKG_DEV : 0;

        snprintf(where, sizeof(where), "%s[%zu]", what, i);
        if (name == NULL) {
            ks_extract_warn(ctx, "%s: %s: no name, skipped", ctx->in->path, where);
            continue;
        }
        if (dev_names != NULL && in_names(dev_names, name))
            flags |= KS_PKG_DEV;
        if ((rc = lang_add(ctx, KS_ECO_PACKAGIST, ks_str_c(name), lang_jstr(v, "version"), flags,
                           where, NULL, err)) != KS_OK)
            return rc;
    }
    return KS_OK;
}

LANG_EXTRACTOR(composer_lock)
{
    json_t *doc = NULL;
    enum ks_code rc;

    if ((rc = lang_json(ctx, in, &doc, err)) != KS_OK || doc == NULL)
        return rc;
    if (!json_is_object(doc))
        ks_extract_warn(ctx, "%s: not a composer.lock object, skipped", in->path);
    else if ((rc = add_list(ctx, ks_json_arr(doc, "packages"), "packages", false, NULL, err)) ==
             KS_OK)
        rc = add_list(ctx, ks_json_arr(doc, "packages-dev"), "packages-dev", true, NULL, err);
    json_decref(doc);
    return rc;
}

LANG_EXTRACTOR(composer_installed)
{
    json_t *doc = NULL;
    enum ks_code rc;

    if ((rc = lang_json(ctx, in, &doc, err)) != KS_OK || doc == NULL)
        return rc;
    if (json_is_array(doc))
        rc = add_list(ctx, doc, "packages", false, NULL, err);
    else if (json_is_object(doc))
        rc = add_list(ctx, ks_json_arr(doc, "packages"), "packages", false,
                      ks_json_arr(doc, "dev-package-names"), err);
    else
        ks_extract_warn(ctx, "%s: not an installed.json document, skipped", in->path);
    json_decref(doc);
    return rc;
}
