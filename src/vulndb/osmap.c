/*
 * osmap.c: which advisory ecosystems apply to a scanned distribution
 * (ks_vulndb_os_ecosystems), and how to read the two restrictions distro
 * importers put in an affected entry's purl: the RPM module stream
 * (rpmmod=) and Debian-family binary package names (no arch=source). The
 * matcher calls these so it never matches an Amazon Linux root against
 * RHEL data, or a modular package against a non-modular fix.
 * docs/feeds.md, "Selecting sources by distribution", is the table.
 */
#include "vulndb/vulndb.h"

#include <string.h>

#include "base/banned.h"

/* The leading run of digits and dots of v, cut after `parts` numbers. */
static struct ks_str
numeric_prefix(const char *v, int parts)
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

static bool
put(struct ks_vulndb_os_eco *out, size_t max, size_t *n, enum ks_eco eco, const char *release,
    bool rebuild, struct ks_arena *a)
{
    const char *name = ks_eco_info(eco)->name;
    struct ks_vulndb_os_eco *o;

    if (*n >= max)
        return true;
    o = &out[(*n)++];
    o->eco = eco;
    o->release = release ? release : "";
    o->ecosystem = release && release[0] ? ks_arena_sprintf(a, "%s:%s", name, release)
                                         : ks_arena_strdup(a, name);
    o->rebuild = rebuild;
    return o->ecosystem != NULL;
}

static const char *
dup_str(struct ks_arena *a, struct ks_str s)
{
    return ks_arena_strdup_str(a, s);
}

size_t
ks_vulndb_os_ecosystems(const char *id, const char *version_id, struct ks_arena *a,
                        struct ks_vulndb_os_eco *out, size_t max)
{
    struct ks_str major = numeric_prefix(version_id, 1), mm = numeric_prefix(version_id, 2);
    size_t n = 0;
    bool ok = true;

    if (id == NULL)
        return 0;
    if (strcmp(id, "amzn") == 0) {
        /* 2, 2022, 2023 (2023.x); Amazon Linux 1 says 2018.03, 2017.09, ... */
        if (ks_str_eq_c(major, "2") || ks_str_eq_c(major, "2022") || ks_str_eq_c(major, "2023"))
            ok = put(out, max, &n, KS_ECO_AMAZON, dup_str(a, major), false, a);
        else if (major.len == 4 && major.ptr[0] == '2' && major.ptr[1] == '0' && mm.len > 4)
            ok = put(out, max, &n, KS_ECO_AMAZON, "1", false, a);
    } else if (strcmp(id, "rhel") == 0) {
        if (major.len)
            ok = put(out, max, &n, KS_ECO_REDHAT, dup_str(a, major), false, a);
    } else if (strcmp(id, "centos") == 0) {
        /* CentOS Linux rebuilds RHEL's sources with the same NEVRAs: RHEL's */
        /* statements apply. CentOS Stream (9+) is upstream of RHEL: not.   */
        if (major.len) {
            ok = put(out, max, &n, KS_ECO_CENTOS, dup_str(a, major), false, a);
            if (ok && (ks_str_eq_c(major, "6") || ks_str_eq_c(major, "7") ||
                       ks_str_eq_c(major, "8")))
                ok = put(out, max, &n, KS_ECO_REDHAT, dup_str(a, major), true, a);
        }
    } else if (strcmp(id, "rocky") == 0) {
        if (major.len)
            ok = put(out, max, &n, KS_ECO_ROCKY, dup_str(a, major), false, a);
    } else if (strcmp(id, "almalinux") == 0) {
        if (major.len)
            ok = put(out, max, &n, KS_ECO_ALMA, dup_str(a, major), false, a);
    } else if (strcmp(id, "ol") == 0) {
        if (major.len)
            ok = put(out, max, &n, KS_ECO_ORACLE, dup_str(a, major), false, a);
    } else if (strcmp(id, "fedora") == 0) {
        if (major.len)
            ok = put(out, max, &n, KS_ECO_FEDORA, dup_str(a, major), false, a);
    } else if (strcmp(id, "debian") == 0) {
        if (major.len)
            ok = put(out, max, &n, KS_ECO_DEBIAN, dup_str(a, major), false, a);
    } else if (strcmp(id, "ubuntu") == 0) {
        if (mm.len)
            ok = put(out, max, &n, KS_ECO_UBUNTU, dup_str(a, mm), false, a);
    } else if (strcmp(id, "alpine") == 0) {
        if (mm.len)
            ok = put(out, max, &n, KS_ECO_ALPINE,
                     ks_arena_sprintf(a, "v" KS_STR_FMT, KS_STR_ARG(mm)), false, a);
        /* edge says 3.21_alpha20240807 (or 3.21.0_alpha...): secdb's "edge" too */
        if (ok && version_id != NULL && (strstr(version_id, "_alpha") || strstr(version_id, "_git")))
            ok = put(out, max, &n, KS_ECO_ALPINE, "edge", false, a);
    } else if (strcmp(id, "wolfi") == 0) {
        ok = put(out, max, &n, KS_ECO_WOLFI, NULL, false, a);
    } else if (strcmp(id, "chainguard") == 0) {
        ok = put(out, max, &n, KS_ECO_CHAINGUARD, NULL, false, a);
    } else if (strcmp(id, "photon") == 0) {
        if (mm.len)
            ok = put(out, max, &n, KS_ECO_PHOTON,
                     memchr(mm.ptr, '.', mm.len) ? dup_str(a, mm)
                                                 : ks_arena_sprintf(a, KS_STR_FMT ".0",
                                                                    KS_STR_ARG(mm)),
                     false, a);
    } else if (strcmp(id, "mariner") == 0 || strcmp(id, "azurelinux") == 0) {
        if (mm.len)
            ok = put(out, max, &n, KS_ECO_AZURE,
                     memchr(mm.ptr, '.', mm.len) ? dup_str(a, mm)
                                                 : ks_arena_sprintf(a, KS_STR_FMT ".0",
                                                                    KS_STR_ARG(mm)),
                     false, a);
    } else if (strcmp(id, "sles") == 0 || strcmp(id, "sled") == 0 || strcmp(id, "sles_sap") == 0) {
        static const struct {
            const char *id, *product;
        } products[] = {{"sles", "Linux Enterprise Server"},
                        {"sled", "Linux Enterprise Desktop"},
                        {"sles_sap", "Linux Enterprise Server for SAP Applications"}};
        const char *product = products[0].product;
        const char *dot = mm.len ? memchr(mm.ptr, '.', mm.len) : NULL;

        for (size_t i = 0; i < KS_ARRAY_LEN(products); i++)
            if (strcmp(id, products[i].id) == 0)
                product = products[i].product;
        if (major.len)
            ok = put(out, max, &n, KS_ECO_SUSE,
                     dot == NULL || (dot + 2 == mm.ptr + mm.len && dot[1] == '0')
                         ? ks_arena_sprintf(a, "%s " KS_STR_FMT, product, KS_STR_ARG(major))
                         : ks_arena_sprintf(a, "%s " KS_STR_FMT " SP%.*s", product,
                                            KS_STR_ARG(major),
                                            (int)(mm.ptr + mm.len - dot - 1), dot + 1),
                     false, a);
    } else if (strcmp(id, "opensuse-leap") == 0 || strcmp(id, "opensuse") == 0) {
        if (mm.len)
            ok = put(out, max, &n, KS_ECO_OPENSUSE,
                     ks_arena_sprintf(a, "Leap " KS_STR_FMT, KS_STR_ARG(mm)), false, a);
    } else if (strcmp(id, "opensuse-tumbleweed") == 0) {
        ok = put(out, max, &n, KS_ECO_OPENSUSE, "Tumbleweed", false, a);
    }
    return ok ? n : 0;
}

/* ------------------------------------------------------------------------ */
/* purl qualifiers of affected entries                                      */

/* The value of qualifier key in a purl ("...?a=1&rpmmod=nodejs:18"), or empty. */
static struct ks_str
qualifier(const char *purl, const char *key)
{
    const char *q;
    size_t k = strlen(key);

    if (purl == NULL || (q = strchr(purl, '?')) == NULL)
        return KS_STR_NULL;
    q++;
    while (*q != '\0') {
        const char *end = strchr(q, '&');
        size_t len = end ? (size_t)(end - q) : strlen(q);

        if (len > k && strncmp(q, key, k) == 0 && q[k] == '=') {
            struct ks_str v = ks_str_make(q + k + 1, len - k - 1);
            const char *hash = memchr(v.ptr, '#', v.len);

            if (hash != NULL)
                v.len = (size_t)(hash - v.ptr);
            return v;
        }
        if (end == NULL)
            break;
        q = end + 1;
    }
    return KS_STR_NULL;
}

struct ks_str
ks_vulndb_purl_module(const char *purl)
{
    struct ks_str v = qualifier(purl, "rpmmod");
    ptrdiff_t c1, c2;

    /* Red Hat writes name:stream:version:context; only name:stream selects. */
    if ((c1 = ks_str_find_char(v, ':')) >= 0) {
        struct ks_str rest = ks_str_sub(v, (size_t)c1 + 1, v.len - (size_t)c1 - 1);

        if ((c2 = ks_str_find_char(rest, ':')) >= 0)
            v.len = (size_t)c1 + 1 + (size_t)c2;
    }
    return v;
}

bool
ks_vulndb_purl_is_binary(enum ks_eco eco, const char *purl)
{
    struct ks_str arch;

    if (eco != KS_ECO_DEBIAN && eco != KS_ECO_UBUNTU)
        return false;
    if (purl == NULL)
        return false; /* OSV's rule: Debian-family names are source packages */
    arch = qualifier(purl, "arch");
    return !ks_str_eq_c(arch, "source");
}

bool
ks_vulndb_module_applies(struct ks_str entry_module, const char *modularity_label)
{
    struct ks_str label = ks_str_c(modularity_label);

    if (entry_module.len == 0)
        return label.len == 0;
    /* MODULARITYLABEL is name:stream:version:context */
    return label.len > entry_module.len &&
           memcmp(label.ptr, entry_module.ptr, entry_module.len) == 0 &&
           label.ptr[entry_module.len] == ':';
}
