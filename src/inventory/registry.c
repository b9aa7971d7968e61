/*
 * registry.c: the extractor table (STYLE.md §7). Adding an extractor is one
 * row here plus one file. Rows run in this order; OS package databases come
 * first so that language packages can be checked against their file lists.
 * Patterns are space-separated exact paths or globs (fs.h), relative to the
 * root; OS extractors (KS_EXT_OS) name canonical paths only.
 */
#include "inventory/inventory_int.h"

#include <string.h>

#include "base/banned.h"

static const struct ks_extractor extractors[] = {
    /* --- distribution package databases ------------------------------------ */
    {"dpkg", KS_ECO_DEBIAN, "var/lib/dpkg/status var/lib/dpkg/status.d/*",
     "var/lib/dpkg/info/*.list", KS_EXT_OS | KS_EXT_NO_READ, ks_extract_dpkg, 0},
    {"apk", KS_ECO_ALPINE, "lib/apk/db/installed", NULL, KS_EXT_OS | KS_EXT_NO_READ,
     ks_extract_apk, 0},
    {"rpm", KS_ECO_REDHAT,
     "var/lib/rpm/rpmdb.sqlite var/lib/rpm/Packages.db var/lib/rpm/Packages "
     "usr/lib/sysimage/rpm/rpmdb.sqlite usr/lib/sysimage/rpm/Packages.db "
     "usr/lib/sysimage/rpm/Packages",
     NULL, KS_EXT_OS, ks_extract_rpm, (size_t)1 << 30},
    /* --- language ecosystems (issue 6) -------------------------------------- */
};

const struct ks_extractor *
ks_extractors(size_t *n)
{
    *n = KS_ARRAY_LEN(extractors);
    return extractors;
}

enum ks_code
ks_extractors_check(const struct ks_extractor *rows, size_t n, struct ks_err *err)
{
    for (size_t i = 0; i < n; i++) {
        const struct ks_extractor *x = &rows[i];

        if (x->name == NULL || x->name[0] == '\0' || x->fn == NULL || x->patterns == NULL ||
            ks_str_trim(ks_str_c(x->patterns)).len == 0)
            return ks_err_set(err, KS_EINVAL, "extractor row %zu: name, patterns and fn are required",
                              i);
        for (size_t j = 0; j < i; j++)
            if (strcmp(rows[j].name, x->name) == 0)
                return ks_err_set(err, KS_EINVAL, "extractor '%s' is registered twice", x->name);
        if ((x->flags & KS_EXT_OS) &&
            (strstr(x->patterns, "**") != NULL || x->patterns[0] == '*'))
            return ks_err_set(err, KS_EINVAL,
                              "extractor '%s': OS database patterns must be canonical root paths "
                              "(no '**' or leading '*')",
                              x->name);
        if (strstr(x->patterns, "//") != NULL || strstr(x->patterns, "..") != NULL)
            return ks_err_set(err, KS_EINVAL, "extractor '%s': patterns must be clean paths",
                              x->name);
    }
    return KS_OK;
}
