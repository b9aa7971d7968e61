/*
 * eco.c: the ecosystem table (OSV names, version scheme, purl type and
 * default namespace), parsing of OSV ecosystem strings with their release
 * suffix and aliases, and package-name normalisation as the vulnerability
 * DB stores names.
 */
#include "version/version.h"

#include <string.h>

#include "base/banned.h"

static const struct ks_eco_info ecos[KS_ECO_COUNT] = {
    [KS_ECO_UNKNOWN] = {KS_ECO_UNKNOWN, "unknown", KS_SCHEME_NONE, false, "generic", NULL},
    [KS_ECO_DEBIAN] = {KS_ECO_DEBIAN, "Debian", KS_SCHEME_DPKG, true, "deb", "debian"},
    [KS_ECO_UBUNTU] = {KS_ECO_UBUNTU, "Ubuntu", KS_SCHEME_DPKG, true, "deb", "ubuntu"},
    [KS_ECO_ALPINE] = {KS_ECO_ALPINE, "Alpine", KS_SCHEME_APK, true, "apk", "alpine"},
    [KS_ECO_WOLFI] = {KS_ECO_WOLFI, "Wolfi", KS_SCHEME_APK, true, "apk", "wolfi"},
    [KS_ECO_CHAINGUARD] = {KS_ECO_CHAINGUARD, "Chainguard", KS_SCHEME_APK, true, "apk",
                           "chainguard"},
    [KS_ECO_REDHAT] = {KS_ECO_REDHAT, "Red Hat", KS_SCHEME_RPM, true, "rpm", "redhat"},
    [KS_ECO_ROCKY] = {KS_ECO_ROCKY, "Rocky Linux", KS_SCHEME_RPM, true, "rpm", "rocky-linux"},
    [KS_ECO_ALMA] = {KS_ECO_ALMA, "AlmaLinux", KS_SCHEME_RPM, true, "rpm", "almalinux"},
    [KS_ECO_AMAZON] = {KS_ECO_AMAZON, "Amazon Linux", KS_SCHEME_RPM, true, "rpm", "amazonlinux"},
    [KS_ECO_ORACLE] = {KS_ECO_ORACLE, "Oracle Linux", KS_SCHEME_RPM, true, "rpm", "oraclelinux"},
    [KS_ECO_CENTOS] = {KS_ECO_CENTOS, "CentOS", KS_SCHEME_RPM, true, "rpm", "centos"},
    [KS_ECO_FEDORA] = {KS_ECO_FEDORA, "Fedora", KS_SCHEME_RPM, true, "rpm", "fedora"},
    [KS_ECO_SUSE] = {KS_ECO_SUSE, "SUSE", KS_SCHEME_RPM, true, "rpm", "suse"},
    [KS_ECO_OPENSUSE] = {KS_ECO_OPENSUSE, "openSUSE", KS_SCHEME_RPM, true, "rpm", "opensuse"},
    [KS_ECO_PHOTON] = {KS_ECO_PHOTON, "Photon OS", KS_SCHEME_RPM, true, "rpm", "photon"},
    [KS_ECO_AZURE] = {KS_ECO_AZURE, "Azure Linux", KS_SCHEME_RPM, true, "rpm", "azurelinux"},
    [KS_ECO_PYPI] = {KS_ECO_PYPI, "PyPI", KS_SCHEME_PEP440, false, "pypi", NULL},
    [KS_ECO_NPM] = {KS_ECO_NPM, "npm", KS_SCHEME_SEMVER, false, "npm", NULL},
    [KS_ECO_CRATES] = {KS_ECO_CRATES, "crates.io", KS_SCHEME_SEMVER, false, "cargo", NULL},
    [KS_ECO_GO] = {KS_ECO_GO, "Go", KS_SCHEME_GO, false, "golang", NULL},
    [KS_ECO_MAVEN] = {KS_ECO_MAVEN, "Maven", KS_SCHEME_MAVEN, false, "maven", NULL},
    [KS_ECO_NUGET] = {KS_ECO_NUGET, "NuGet", KS_SCHEME_NUGET, false, "nuget", NULL},
    [KS_ECO_RUBYGEMS] = {KS_ECO_RUBYGEMS, "RubyGems", KS_SCHEME_RUBYGEMS, false, "gem", NULL},
    [KS_ECO_PACKAGIST] = {KS_ECO_PACKAGIST, "Packagist", KS_SCHEME_COMPOSER, false, "composer",
                          NULL},
    [KS_ECO_HEX] = {KS_ECO_HEX, "Hex", KS_SCHEME_SEMVER, false, "hex", NULL},
    [KS_ECO_PUB] = {KS_ECO_PUB, "Pub", KS_SCHEME_PUB, false, "pub", NULL},
    [KS_ECO_SWIFTURL] = {KS_ECO_SWIFTURL, "SwiftURL", KS_SCHEME_SEMVER, false, "swift", NULL},
    [KS_ECO_CRAN] = {KS_ECO_CRAN, "CRAN", KS_SCHEME_CRAN, false, "cran", NULL},
    [KS_ECO_HACKAGE] = {KS_ECO_HACKAGE, "Hackage", KS_SCHEME_HACKAGE, false, "hackage", NULL},
    /* Conan and CocoaPods have orderings of their own that Kensa does not implement yet: */
    /* their ECOSYSTEM ranges evaluate to "unknown", never to "not affected".            */
    [KS_ECO_CONAN] = {KS_ECO_CONAN, "ConanCenter", KS_SCHEME_NONE, false, "conan", NULL},
    [KS_ECO_COCOAPODS] = {KS_ECO_COCOAPODS, "CocoaPods", KS_SCHEME_NONE, false, "cocoapods", NULL},
};

/* Other spellings people and tools use; matched case-insensitively like the names. */
static const struct {
    const char *alias;
    enum ks_eco eco;
} aliases[] = {
    {"alma", KS_ECO_ALMA},
    {"almalinux", KS_ECO_ALMA},
    {"amazon", KS_ECO_AMAZON},
    {"amazonlinux", KS_ECO_AMAZON},
    {"amzn", KS_ECO_AMAZON},
    {"azurelinux", KS_ECO_AZURE},
    {"cargo", KS_ECO_CRATES},
    {"CBL-Mariner", KS_ECO_AZURE},
    {"conan", KS_ECO_CONAN},
    {"composer", KS_ECO_PACKAGIST},
    {"crates", KS_ECO_CRATES},
    {"deb", KS_ECO_DEBIAN},
    {"gem", KS_ECO_RUBYGEMS},
    {"golang", KS_ECO_GO},
    {"mariner", KS_ECO_AZURE},
    {"ol", KS_ECO_ORACLE},
    {"oracle", KS_ECO_ORACLE},
    {"photon", KS_ECO_PHOTON},
    {"pip", KS_ECO_PYPI},
    {"redhat", KS_ECO_REDHAT},
    {"rhel", KS_ECO_REDHAT},
    {"rocky", KS_ECO_ROCKY},
    {"rust", KS_ECO_CRATES},
    {"sles", KS_ECO_SUSE},
    {"swift", KS_ECO_SWIFTURL},
};

const struct ks_eco_info *
ks_eco_info(enum ks_eco eco)
{
    if ((unsigned)eco >= KS_ECO_COUNT)
        return &ecos[KS_ECO_UNKNOWN];
    return &ecos[eco];
}

enum ks_code
ks_eco_parse(struct ks_str s, enum ks_eco *eco, struct ks_str *release, struct ks_err *err)
{
    struct ks_str name = s, rel = {s.ptr ? s.ptr + s.len : NULL, 0};
    ptrdiff_t colon = ks_str_find_char(s, ':');

    if (colon >= 0) {
        name = ks_str_make(s.ptr, (size_t)colon);
        rel = ks_str_make(s.ptr + colon + 1, s.len - (size_t)colon - 1);
    }
    for (int i = 1; i < KS_ECO_COUNT; i++) {
        if (ks_str_ieq_c(name, ecos[i].name)) {
            *eco = (enum ks_eco)i;
            if (release != NULL)
                *release = rel;
            return KS_OK;
        }
    }
    for (size_t i = 0; i < KS_ARRAY_LEN(aliases); i++) {
        if (ks_str_ieq_c(name, aliases[i].alias)) {
            *eco = aliases[i].eco;
            if (release != NULL)
                *release = rel;
            return KS_OK;
        }
    }
    return ks_err_set(err, KS_EINVAL, "unknown ecosystem '%.*s' (see kensa version ecosystems)",
                      (int)(name.len > 64 ? 64 : name.len), name.ptr ? name.ptr : "");
}

void
ks_eco_normalize_name(enum ks_eco eco, struct ks_str name, struct ks_buf *out)
{
    size_t i;

    switch (eco) {
    case KS_ECO_PYPI:
        /* PEP 503: re.sub(r"[-_.]+", "-", name).lower() */
        for (i = 0; i < name.len; i++) {
            char c = name.ptr[i];

            if (c == '-' || c == '_' || c == '.') {
                while (i + 1 < name.len &&
                       (name.ptr[i + 1] == '-' || name.ptr[i + 1] == '_' || name.ptr[i + 1] == '.'))
                    i++;
                ks_buf_putc(out, '-');
            } else {
                ks_buf_putc(out, (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c);
            }
        }
        break;
    case KS_ECO_NUGET:
    case KS_ECO_PACKAGIST:
        for (i = 0; i < name.len; i++) {
            char c = name.ptr[i];

            ks_buf_putc(out, (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c);
        }
        break;
    default:
        ks_buf_append_str(out, name);
        break;
    }
}
