/*
 * distro.c: the distribution table: os-release ID -> OSV ecosystem (with
 * its release, formed the way OSV names it: "Debian:12", "Alpine:v3.19",
 * "SUSE:Linux Enterprise Server 15 SP5") and purl namespace/distro
 * qualifier. Derivatives fall back to their ID_LIKE parent without a release,
 * because their version numbers are not the parent's.
 */
#include "model/model.h"

#include <string.h>

#include "base/banned.h"

/*
 * Sorted by id (checked by a unit test); one row per os-release ID. The OSV
 * names, purl types and namespaces agree with version.h's ecosystem table
 * (also checked), which follows the purls OSV's own distro records use.
 */
static const struct ks_distro distros[] = {
    {"almalinux", KS_ECO_ALMA, "AlmaLinux", KS_REL_MAJOR, "rpm", "almalinux", NULL},
    {"alpine", KS_ECO_ALPINE, "Alpine", KS_REL_ALPINE, "apk", "alpine", NULL},
    {"amzn", KS_ECO_AMAZON, "Amazon Linux", KS_REL_FULL, "rpm", "amazonlinux", NULL},
    {"azurelinux", KS_ECO_AZURE, "Azure Linux", KS_REL_FULL, "rpm", "azurelinux", NULL},
    {"centos", KS_ECO_CENTOS, "CentOS", KS_REL_MAJOR, "rpm", "centos", NULL},
    {"chainguard", KS_ECO_CHAINGUARD, "Chainguard", KS_REL_NONE, "apk", "chainguard", NULL},
    {"debian", KS_ECO_DEBIAN, "Debian", KS_REL_MAJOR, "deb", "debian", NULL},
    {"fedora", KS_ECO_FEDORA, "Fedora", KS_REL_MAJOR, "rpm", "fedora", NULL},
    {"mariner", KS_ECO_AZURE, "Azure Linux", KS_REL_FULL, "rpm", "azurelinux", NULL},
    {"ol", KS_ECO_ORACLE, "Oracle Linux", KS_REL_MAJOR, "rpm", "oraclelinux", NULL},
    {"opensuse", KS_ECO_OPENSUSE, "openSUSE", KS_REL_PREFIXED, "rpm", "opensuse", "Leap"},
    {"opensuse-leap", KS_ECO_OPENSUSE, "openSUSE", KS_REL_PREFIXED, "rpm", "opensuse", "Leap"},
    {"opensuse-tumbleweed", KS_ECO_OPENSUSE, "openSUSE", KS_REL_NONE, "rpm", "opensuse", NULL},
    {"photon", KS_ECO_PHOTON, "Photon OS", KS_REL_FULL, "rpm", "photon", NULL},
    {"rhel", KS_ECO_REDHAT, "Red Hat", KS_REL_MAJOR, "rpm", "redhat", NULL},
    {"rocky", KS_ECO_ROCKY, "Rocky Linux", KS_REL_MAJOR, "rpm", "rocky-linux", NULL},
    {"sle-micro", KS_ECO_SUSE, "SUSE", KS_REL_PREFIXED, "rpm", "suse", "Linux Enterprise Micro"},
    {"sled", KS_ECO_SUSE, "SUSE", KS_REL_SUSE, "rpm", "suse", "Linux Enterprise Desktop"},
    {"sles", KS_ECO_SUSE, "SUSE", KS_REL_SUSE, "rpm", "suse", "Linux Enterprise Server"},
    {"sles_sap", KS_ECO_SUSE, "SUSE", KS_REL_SUSE, "rpm", "suse",
     "Linux Enterprise Server for SAP Applications"},
    {"suse", KS_ECO_SUSE, "SUSE", KS_REL_NONE, "rpm", "suse", NULL}, /* only as ID_LIKE */
    {"ubuntu", KS_ECO_UBUNTU, "Ubuntu", KS_REL_FULL, "deb", "ubuntu", NULL},
    {"wolfi", KS_ECO_WOLFI, "Wolfi", KS_REL_NONE, "apk", "wolfi", NULL},
};

const struct ks_distro *
ks_distro_table(size_t *n)
{
    *n = KS_ARRAY_LEN(distros);
    return distros;
}

const struct ks_distro *
ks_distro_by_id(const char *id)
{
    size_t lo = 0, hi = KS_ARRAY_LEN(distros);

    if (id == NULL)
        return NULL;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(id, distros[mid].id);

        if (c == 0)
            return &distros[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const struct ks_distro *
ks_distro_by_eco(enum ks_eco eco)
{
    for (size_t i = 0; i < KS_ARRAY_LEN(distros); i++)
        if (distros[i].eco == eco)
            return &distros[i];
    return NULL;
}

/* The leading run of digits and dots of v, cut after `parts` numbers. */
static struct ks_str
version_prefix(const char *v, int parts)
{
    size_t i = 0;
    int seen = 0;

    if (v == NULL)
        return KS_STR_NULL;
    while (v[i] != '\0') {
        if (v[i] >= '0' && v[i] <= '9') {
            i++;
            continue;
        }
        if (v[i] == '.' && i > 0 && v[i - 1] != '.') {
            if (++seen == parts)
                break;
            i++;
            continue;
        }
        break;
    }
    while (i > 0 && v[i - 1] == '.')
        i--;
    return ks_str_make(v, i);
}

/* The OSV release string for d from VERSION_ID, or NULL when unknown. */
static const char *
osv_release(const struct ks_distro *d, const char *version_id, struct ks_arena *a)
{
    struct ks_str major, mm;
    const char *dot;

    if (d->release == KS_REL_NONE) {
        if (d->eco == KS_ECO_OPENSUSE) /* "openSUSE:Tumbleweed" */
            return "Tumbleweed";
        return NULL;
    }
    if (version_id == NULL || version_id[0] == '\0')
        return NULL;
    major = version_prefix(version_id, 1);
    mm = version_prefix(version_id, 2);
    if (major.len == 0)
        return NULL;
    switch (d->release) {
    case KS_REL_MAJOR:
        return ks_arena_strdup_str(a, major);
    case KS_REL_FULL:
        return ks_arena_strdup(a, version_id);
    case KS_REL_ALPINE:
        return ks_arena_sprintf(a, "v" KS_STR_FMT, KS_STR_ARG(mm));
    case KS_REL_SUSE:
        dot = memchr(mm.ptr, '.', mm.len);
        if (dot == NULL || (dot + 2 == mm.ptr + mm.len && dot[1] == '0'))
            return ks_arena_sprintf(a, "%s " KS_STR_FMT, d->release_prefix, KS_STR_ARG(major));
        return ks_arena_sprintf(a, "%s " KS_STR_FMT " SP%.*s", d->release_prefix,
                                KS_STR_ARG(major), (int)(mm.ptr + mm.len - dot - 1), dot + 1);
    case KS_REL_PREFIXED:
        return ks_arena_sprintf(a, "%s " KS_STR_FMT, d->release_prefix, KS_STR_ARG(mm));
    case KS_REL_NONE:
        break;
    }
    return NULL;
}

enum ks_code
ks_os_finish(struct ks_os *os, struct ks_arena *a)
{
    const struct ks_distro *d = ks_distro_by_id(os->id);
    bool derivative = false;
    const char *rel;

    if (d == NULL && os->id_like != NULL) {
        /* ID_LIKE is a space-separated list, closest relative first. */
        struct ks_str rest = ks_str_c(os->id_like), word;

        while (d == NULL && rest.len > 0) {
            char buf[64];

            if (!ks_str_split2(rest, ' ', &word, &rest)) {
                word = rest;
                rest = KS_STR_NULL;
            }
            word = ks_str_trim(word);
            if (word.len == 0 || word.len >= sizeof(buf))
                continue;
            memcpy(buf, word.ptr, word.len);
            buf[word.len] = '\0';
            d = ks_distro_by_id(buf);
        }
        derivative = d != NULL;
    }
    os->eco = KS_ECO_UNKNOWN;
    os->ecosystem = NULL;
    os->purl_namespace = os->id;
    os->purl_distro = NULL;
    if (d == NULL)
        goto distro_qualifier;
    os->eco = d->eco;
    rel = derivative ? NULL : osv_release(d, os->version_id, a);
    os->ecosystem = rel ? ks_arena_sprintf(a, "%s:%s", d->osv_name, rel) : d->osv_name;
    if (os->ecosystem == NULL)
        return KS_ENOMEM;
    if (!derivative)
        os->purl_namespace = d->purl_namespace;
distro_qualifier:
    if (os->id != NULL && os->version_id != NULL && os->version_id[0] != '\0') {
        struct ks_str v = ks_str_c(os->version_id);

        if (d != NULL && !derivative && d->release == KS_REL_ALPINE)
            v = version_prefix(os->version_id, 2);
        os->purl_distro = ks_arena_sprintf(a, "%s-" KS_STR_FMT, os->id, KS_STR_ARG(v));
        if (os->purl_distro == NULL)
            return KS_ENOMEM;
    } else if (os->id != NULL && os->codename != NULL) {
        os->purl_distro = ks_arena_sprintf(a, "%s-%s", os->id, os->codename);
        if (os->purl_distro == NULL)
            return KS_ENOMEM;
    }
    return KS_OK;
}

const char *
ks_os_pkg_ecosystem(const struct ks_os *os, enum ks_eco family, enum ks_eco *eco)
{
    const struct ks_distro *fam = ks_distro_by_eco(family);
    const struct ks_distro *own = os ? ks_distro_by_eco(os->eco) : NULL;

    if (own != NULL && fam != NULL && os->ecosystem != NULL &&
        strcmp(own->purl_type, fam->purl_type) == 0) {
        *eco = os->eco;
        return os->ecosystem;
    }
    *eco = family;
    return fam ? fam->osv_name : "";
}
