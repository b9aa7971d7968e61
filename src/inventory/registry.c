/*
 * registry.c: the extractor table (STYLE.md §7). Adding an extractor is one
 * row here plus one file. Rows run in this order; OS package databases come
 * first so that language packages can be checked against their file lists.
 * Patterns are space-separated exact paths or globs (fs.h), relative to the
 * root; OS extractors (KS_EXT_OS) name canonical paths only.
 */
#include "inventory/inventory_int.h"
#include "inventory/lang_int.h"

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
    /* --- language ecosystems (issue 6, docs/inventory.md §9) ---------------- */
    /* Python */
    {"python-installed", KS_ECO_PYPI,
     "**/*.dist-info/METADATA **/*.egg-info/PKG-INFO **/EGG-INFO/PKG-INFO **/*.egg-info", NULL, 0,
     ks_extract_python_installed, 4 << 20},
    {"python-requirements", KS_ECO_PYPI, "**/requirements*.txt **/requirements/*.txt", NULL, 0,
     ks_extract_python_requirements, 64 << 20},
    {"pipenv", KS_ECO_PYPI, "**/Pipfile.lock", NULL, 0, ks_extract_python_pipfile, 0},
    {"poetry", KS_ECO_PYPI, "**/poetry.lock", NULL, 0, ks_extract_python_poetry, 0},
    {"pdm", KS_ECO_PYPI, "**/pdm.lock", NULL, 0, ks_extract_python_pdm, 0},
    {"uv", KS_ECO_PYPI, "**/uv.lock", NULL, 0, ks_extract_python_uv, 0},
    {"pylock", KS_ECO_PYPI, "**/pylock.toml **/pylock.*.toml", NULL, 0, ks_extract_python_pylock, 0},
    {"pyproject", KS_ECO_PYPI, "**/pyproject.toml", NULL, 0, ks_extract_python_pyproject, 4 << 20},
    /* JavaScript */
    {"npm-lock", KS_ECO_NPM, "**/package-lock.json **/npm-shrinkwrap.json", NULL, 0,
     ks_extract_npm_lock, 0},
    {"yarn", KS_ECO_NPM, "**/yarn.lock", NULL, 0, ks_extract_yarn_lock, 0},
    {"pnpm", KS_ECO_NPM, "**/pnpm-lock.yaml", NULL, 0, ks_extract_pnpm_lock, 0},
    {"bun", KS_ECO_NPM, "**/bun.lock", NULL, 0, ks_extract_bun_lock, 0},
    {"npm-installed", KS_ECO_NPM, "**/package.json", NULL, 0, ks_extract_npm_installed, 16 << 20},
    /* Java */
    {"java-archive", KS_ECO_MAVEN, "**/*.jar **/*.war **/*.ear **/*.jpi **/*.hpi", NULL, 0,
     ks_extract_java_archive, (size_t)512 << 20},
    {"maven-pom", KS_ECO_MAVEN, "**/pom.xml", NULL, 0, ks_extract_maven_pom, 64 << 20},
    {"gradle-lock", KS_ECO_MAVEN, "**/gradle.lockfile **/gradle/dependency-locks/*.lockfile", NULL,
     0, ks_extract_gradle_lock, 0},
    {"gradle-verification", KS_ECO_MAVEN, "**/gradle/verification-metadata.xml", NULL, 0,
     ks_extract_gradle_verification, 0},
    /* Go */
    {"go-mod", KS_ECO_GO, "**/go.mod", NULL, 0, ks_extract_go_mod, 0},
    /* Rust */
    {"cargo-lock", KS_ECO_CRATES, "**/Cargo.lock", NULL, 0, ks_extract_cargo_lock, 0},
    /* Ruby */
    {"gemfile-lock", KS_ECO_RUBYGEMS, "**/Gemfile.lock **/gems.locked", NULL, 0,
     ks_extract_gemfile_lock, 0},
    {"gemspec", KS_ECO_RUBYGEMS, "**/specifications/*.gemspec **/specifications/default/*.gemspec",
     NULL, 0, ks_extract_gemspec, 4 << 20},
    /* PHP */
    {"composer-lock", KS_ECO_PACKAGIST, "**/composer.lock", NULL, 0, ks_extract_composer_lock, 0},
    {"composer-installed", KS_ECO_PACKAGIST, "**/vendor/composer/installed.json", NULL, 0,
     ks_extract_composer_installed, 0},
    /* .NET */
    {"nuget-lock", KS_ECO_NUGET, "**/packages.lock.json", NULL, 0, ks_extract_nuget_lock, 0},
    {"dotnet-deps", KS_ECO_NUGET, "**/*.deps.json", NULL, 0, ks_extract_dotnet_deps, 0},
    {"nuget-config", KS_ECO_NUGET, "**/packages.config", NULL, 0, ks_extract_nuget_config, 0},
    /* smaller ecosystems */
    {"pub-lock", KS_ECO_PUB, "**/pubspec.lock", NULL, 0, ks_extract_pub_lock, 0},
    {"mix-lock", KS_ECO_HEX, "**/mix.lock", NULL, 0, ks_extract_mix_lock, 0},
    {"swift-resolved", KS_ECO_SWIFTURL, "**/Package.resolved", NULL, 0, ks_extract_swift_resolved,
     0},
    {"conan-lock", KS_ECO_CONAN, "**/conan.lock", NULL, 0, ks_extract_conan_lock, 0},
    {"podfile-lock", KS_ECO_COCOAPODS, "**/Podfile.lock", NULL, 0, ks_extract_podfile_lock, 0},
    /* compiled-in dependency lists: Go build info, cargo-auditable (every executable) */
    {"binary", KS_ECO_GO, "**", NULL, KS_EXT_NO_READ | KS_EXT_EXEC_ONLY, ks_extract_binary, 0},
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
