/*
 * test_lang_fixtures.c: every language extractor on the real fixtures in
 * the shared data (osv-scalibr's and trivy's test inputs), each compared
 * with a reviewed golden summary in golden/lang/ (one line per package:
 * name, version, flags, purl and metadata; then applications and
 * warnings). Goldens change only through `KS_REGEN=1` and a reviewed diff.
 * Broken fixtures (not-json.txt, malformed files) must give warnings and no
 * crash; their goldens show the warning text.
 */
#include "test.h"

#include "inventory/inventory.h"

#include <stdlib.h>
#include <sys/stat.h>

struct lcase {
    const char *ext;     /* extractor name */
    const char *fixture; /* under $KS_DATA_DIR/fixtures/ */
    const char *as;      /* the path it claims to be (matters for -r includes, names) */
};

static const struct lcase cases[] = {
    /* Python */
    {"python-requirements", "python/osv-scalibr/requirements/example.txt", "requirements.txt"},
    {"python-requirements", "python/osv-scalibr/requirements/with_versions.txt",
     "requirements.txt"},
    {"python-requirements", "python/osv-scalibr/requirements/extras.txt", "requirements.txt"},
    {"python-requirements", "python/osv-scalibr/requirements/per_req_options.txt",
     "requirements.txt"},
    {"python-requirements", "python/osv-scalibr/requirements/multiline_and_comments.txt",
     "requirements.txt"},
    {"python-requirements", "python/osv-scalibr/requirements/env_var.txt", "requirements.txt"},
    {"python-requirements", "python/osv-scalibr/requirements/invalid.txt", "requirements.txt"},
    {"python-requirements", "python/osv-scalibr/requirements/trailing_backslash.txt",
     "requirements.txt"},
    {"python-requirements", "python/trivy/pip/requirements_hash.txt", "requirements.txt"},
    {"python-requirements", "python/trivy/pip/requirements_operator.txt", "requirements.txt"},
    {"python-requirements", "python/trivy/pip/requirement_exstras.txt", "requirements.txt"},
    {"python-requirements", "python/trivy/pip/requirements_with_templating_engine.txt",
     "requirements.txt"},
    {"pipenv", "python/osv-scalibr/pipfilelock/multiple-packages.json", "Pipfile.lock"},
    {"pipenv", "python/osv-scalibr/pipfilelock/one-package-dev.json", "Pipfile.lock"},
    {"pipenv", "python/osv-scalibr/pipfilelock/no-version.json", "Pipfile.lock"},
    {"pipenv", "python/osv-scalibr/pipfilelock/not-json.txt", "Pipfile.lock"},
    {"pipenv", "python/trivy/pipenv/Pipfile_many.lock", "Pipfile.lock"},
    {"poetry", "python/osv-scalibr/poetrylock/multiple-packages.v2.lock", "poetry.lock"},
    {"poetry", "python/osv-scalibr/poetrylock/source-git.lock", "poetry.lock"},
    {"poetry", "python/osv-scalibr/poetrylock/optional-package.lock", "poetry.lock"},
    {"poetry", "python/osv-scalibr/poetrylock/not-toml.txt", "poetry.lock"},
    {"poetry", "python/trivy/poetry/poetry_v2_flask.lock", "poetry.lock"},
    {"pdm", "python/osv-scalibr/pdmlock/dev-dependency.toml", "pdm.lock"},
    {"pdm", "python/osv-scalibr/pdmlock/git-dependency.toml", "pdm.lock"},
    {"uv", "python/osv-scalibr/uvlock/grouped-packages.lock", "uv.lock"},
    {"uv", "python/osv-scalibr/uvlock/source-git.lock", "uv.lock"},
    {"uv", "python/trivy/uv/uv_multiple_roots.lock", "uv.lock"},
    {"pylock", "python/osv-scalibr/pylock/example.toml", "pylock.toml"},
    {"pylock", "python/osv-scalibr/pylock/commits.toml", "pylock.toml"},
    {"pylock", "python/trivy/pylock/sad.toml", "pylock.toml"},
    {"pyproject", "python/trivy/pyproject/happy.toml", "pyproject.toml"},
    {"python-installed", "python/trivy/packaging/networkx-3.0.METADATA",
     "site-packages/networkx-3.0.dist-info/METADATA"},
    {"python-installed", "python/trivy/packaging/setuptools-51.3.3-py3.8.egg-info.PKG-INFO",
     "site-packages/setuptools.egg-info/PKG-INFO"},
    {"python-installed", "python/trivy/packaging/distlib-0.3.1-py3.9.egg-info",
     "site-packages/distlib-0.3.1-py3.9.egg-info"},
    {"python-installed", "python/osv-scalibr/wheelegg/malformed_pkginfo",
     "site-packages/x.egg-info/PKG-INFO"},
    /* JavaScript */
    {"npm-lock", "npm/osv-scalibr/packagelockjson/alias.v1.json", "package-lock.json"},
    {"npm-lock", "npm/osv-scalibr/packagelockjson/alias.v2.json", "package-lock.json"},
    {"npm-lock", "npm/osv-scalibr/packagelockjson/nested-dependencies.v1.json", "package-lock.json"},
    {"npm-lock", "npm/osv-scalibr/packagelockjson/nested-dependencies.v2.json", "package-lock.json"},
    {"npm-lock", "npm/osv-scalibr/packagelockjson/one-package-dev.v1.json", "package-lock.json"},
    {"npm-lock", "npm/osv-scalibr/packagelockjson/one-package-dev.v2.json", "package-lock.json"},
    {"npm-lock", "npm/osv-scalibr/packagelockjson/bundled-dependencies.v3.json", "package-lock.json"},
    {"npm-lock", "npm/osv-scalibr/packagelockjson/commits.v2.json", "package-lock.json"},
    {"npm-lock", "npm/osv-scalibr/packagelockjson/files.v2.json", "package-lock.json"},
    {"npm-lock", "npm/osv-scalibr/packagelockjson/optional-package.v2.json", "package-lock.json"},
    {"npm-lock", "npm/osv-scalibr/packagelockjson/scoped-packages.v2.json", "package-lock.json"},
    {"npm-lock", "npm/osv-scalibr/packagelockjson/same-package-different-groups.v2.json", "package-lock.json"},
    {"npm-lock", "npm/osv-scalibr/packagelockjson/not-json.txt", "package-lock.json"},
    {"npm-lock", "npm/trivy/npm/package-lock_v3.json", "package-lock.json"},
    {"npm-lock", "npm/trivy/npm/package-lock_v3_with_peer.json", "package-lock.json"},
    {"npm-lock", "npm/trivy/npm/package-lock_v3_with-same-dev-and-non-dev.json", "package-lock.json"},
    {"yarn", "npm/osv-scalibr/yarnlock/one-package.v1.lock", "yarn.lock"},
    {"yarn", "npm/osv-scalibr/yarnlock/with-aliases.v1.lock", "yarn.lock"},
    {"yarn", "npm/osv-scalibr/yarnlock/with-aliases.v2.lock", "yarn.lock"},
    {"yarn", "npm/osv-scalibr/yarnlock/multiple-versions.v2.lock", "yarn.lock"},
    {"yarn", "npm/osv-scalibr/yarnlock/commits.v1.lock", "yarn.lock"},
    {"yarn", "npm/osv-scalibr/yarnlock/commits.v2.lock", "yarn.lock"},
    {"yarn", "npm/osv-scalibr/yarnlock/files.v2.lock", "yarn.lock"},
    {"yarn", "npm/osv-scalibr/yarnlock/scoped-packages.v1.lock", "yarn.lock"},
    {"yarn", "npm/osv-scalibr/yarnlock/with-quotes.v1.lock", "yarn.lock"},
    {"yarn", "npm/osv-scalibr/yarnlock/no-version.v1.lock", "yarn.lock"},
    {"yarn", "npm/osv-scalibr/yarnlock/exclude-root.v2.lock", "yarn.lock"},
    {"yarn", "npm/osv-scalibr/yarnlock/multiple-constraints.v1.lock", "yarn.lock"},
    {"yarn", "npm/osv-scalibr/yarnlock/with-build-string.v1.lock", "yarn.lock"},
    {"yarn", "npm/osv-scalibr/yarnlock/with-prerelease.v2.lock", "yarn.lock"},
    {"pnpm", "npm/osv-scalibr/pnpmlock/one-package.yaml", "pnpm-lock.yaml"},
    {"pnpm", "npm/osv-scalibr/pnpmlock/one-package-v6-lockfile.yaml", "pnpm-lock.yaml"},
    {"pnpm", "npm/osv-scalibr/pnpmlock/one-package.v9.yaml", "pnpm-lock.yaml"},
    {"pnpm", "npm/osv-scalibr/pnpmlock/mixed-groups.v53.yaml", "pnpm-lock.yaml"},
    {"pnpm", "npm/osv-scalibr/pnpmlock/mixed-groups.v6.yaml", "pnpm-lock.yaml"},
    {"pnpm", "npm/osv-scalibr/pnpmlock/mixed-groups.v9.yaml", "pnpm-lock.yaml"},
    {"pnpm", "npm/osv-scalibr/pnpmlock/peer-dependencies-advanced.yaml", "pnpm-lock.yaml"},
    {"pnpm", "npm/osv-scalibr/pnpmlock/peer-dependencies-advanced.v9.yaml", "pnpm-lock.yaml"},
    {"pnpm", "npm/osv-scalibr/pnpmlock/scoped-packages.yaml", "pnpm-lock.yaml"},
    {"pnpm", "npm/osv-scalibr/pnpmlock/scoped-packages-v6-lockfile.yaml", "pnpm-lock.yaml"},
    {"pnpm", "npm/osv-scalibr/pnpmlock/tarball.yaml", "pnpm-lock.yaml"},
    {"pnpm", "npm/osv-scalibr/pnpmlock/exotic.yaml", "pnpm-lock.yaml"},
    {"pnpm", "npm/osv-scalibr/pnpmlock/commits.yaml", "pnpm-lock.yaml"},
    {"pnpm", "npm/osv-scalibr/pnpmlock/commits.v9.yaml", "pnpm-lock.yaml"},
    {"pnpm", "npm/osv-scalibr/pnpmlock/invalid-path.yaml", "pnpm-lock.yaml"},
    {"pnpm", "npm/osv-scalibr/pnpmlock/not-yaml.txt", "pnpm-lock.yaml"},
    {"pnpm", "npm/osv-scalibr/pnpmlock/multiple-versions.v9.yaml", "pnpm-lock.yaml"},
    {"pnpm", "npm/osv-scalibr/pnpmlock/no-packages.yaml", "pnpm-lock.yaml"},
    {"pnpm", "npm/trivy/pnpm/pnpm-lock_v9_multiple_documents.yaml", "pnpm-lock.yaml"},
    {"pnpm", "npm/trivy/pnpm/pnpm-lock_v9_cyclic_import.yaml", "pnpm-lock.yaml"},
    {"pnpm", "npm/trivy/pnpm/pnpm-lock_v6_with_dev.yaml", "pnpm-lock.yaml"},
    {"pnpm", "npm/trivy/pnpm/pnpm-lock_archives.yaml", "pnpm-lock.yaml"},
    {"bun", "npm/osv-scalibr/bunlock/nested-dependencies.json5", "bun.lock"},
    {"bun", "npm/osv-scalibr/bunlock/alias.json5", "bun.lock"},
    {"bun", "npm/osv-scalibr/bunlock/one-package-dev.json5", "bun.lock"},
    {"bun", "npm/osv-scalibr/bunlock/scoped-packages-mixed.json5", "bun.lock"},
    {"bun", "npm/osv-scalibr/bunlock/peer-dependencies-explicit.json5", "bun.lock"},
    {"bun", "npm/osv-scalibr/bunlock/commits.json5", "bun.lock"},
    {"bun", "npm/osv-scalibr/bunlock/files.json5", "bun.lock"},
    {"bun", "npm/osv-scalibr/bunlock/bad-tuple.json5", "bun.lock"},
    {"bun", "npm/osv-scalibr/bunlock/not-json.txt", "bun.lock"},
    {"bun", "npm/osv-scalibr/bunlock/optional-package.json5", "bun.lock"},
    {"bun", "npm/osv-scalibr/bunlock/same-package-different-groups.json5", "bun.lock"},
    {"npm-installed", "npm/osv-scalibr/packagejson/package.json", "package.json"},
    {"npm-installed", "npm/osv-scalibr/packagejson/deps/acorn/package.json", "node_modules/acorn/package.json"},
    {"npm-installed", "npm/osv-scalibr/packagejson/duplicate-keys.json", "node_modules/dup/package.json"},
    
    /* Java */
    {"maven-pom", "maven/osv-scalibr/pomxml/interpolation.xml", "pom.xml"},
    {"maven-pom", "maven/osv-scalibr/pomxml/with-dependency-management.xml", "pom.xml"},
    {"maven-pom", "maven/osv-scalibr/pomxml/two-packages.xml", "pom.xml"},
    {"maven-pom", "maven/osv-scalibr/pomxml/multi-version.xml", "pom.xml"},
    {"maven-pom", "maven/osv-scalibr/pomxml/ambiguous-interpolation.xml", "pom.xml"},
    {"maven-pom", "maven/osv-scalibr/pomxml/interpolate-drop.xml", "pom.xml"},
    {"maven-pom", "maven/osv-scalibr/pomxml/invalid-syntax.xml", "pom.xml"},
    {"maven-pom", "maven/osv-scalibr/pomxml/not-pom.txt", "pom.xml"},
    {"maven-pom", "maven/osv-scalibr/pomxml/empty.xml", "pom.xml"},
    {"maven-pom", "maven/osv-scalibr/pomxml/encoding.xml", "pom.xml"},
    {"maven-pom", "maven/osv-scalibr/pomxml/profiles.xml", "pom.xml"},
    {"maven-pom", "maven/osv-scalibr/pomxml/plugin-dependency.xml", "pom.xml"},
    {"maven-pom", "maven/osv-scalibr/pomxml/transitive.xml", "pom.xml"},
    {"gradle-lock", "maven/osv-scalibr/gradlelockfile/5-pkg", "gradle.lockfile"},
    {"gradle-lock", "maven/osv-scalibr/gradlelockfile/one-pkg", "gradle.lockfile"},
    {"gradle-lock", "maven/osv-scalibr/gradlelockfile/only-comments", "gradle.lockfile"},
    {"gradle-lock", "maven/osv-scalibr/gradlelockfile/only-empty", "gradle.lockfile"},
    {"gradle-lock", "maven/osv-scalibr/gradlelockfile/with-bad-pkg", "gradle.lockfile"},
    {"gradle-lock", "maven/trivy/gradle-lockfile/happy.lockfile", "gradle.lockfile"},
    {"gradle-verification", "maven/osv-scalibr/gradleverificationmetadataxml/two-packages.xml", "gradle/verification-metadata.xml"},
    {"gradle-verification", "maven/osv-scalibr/gradleverificationmetadataxml/duplicates.xml", "gradle/verification-metadata.xml"},
    {"gradle-verification", "maven/osv-scalibr/gradleverificationmetadataxml/missing-attribute.xml", "gradle/verification-metadata.xml"},
    {"gradle-verification", "maven/osv-scalibr/gradleverificationmetadataxml/multi-line.xml", "gradle/verification-metadata.xml"},
    {"gradle-verification", "maven/osv-scalibr/gradleverificationmetadataxml/odd-versions.xml", "gradle/verification-metadata.xml"},
    {"gradle-verification", "maven/osv-scalibr/gradleverificationmetadataxml/single-quotes.xml", "gradle/verification-metadata.xml"},
    {"gradle-verification", "maven/osv-scalibr/gradleverificationmetadataxml/not-xml.txt", "gradle/verification-metadata.xml"},
    {"gradle-verification", "maven/osv-scalibr/gradleverificationmetadataxml/empty.xml", "gradle/verification-metadata.xml"},
    /* Go, Rust, Ruby, PHP, .NET and the smaller ecosystems */
    {"go-mod", "go/osv-scalibr/gomod/indirect-1.16.mod", "go.mod"},
    {"go-mod", "go/osv-scalibr/gomod/indirect-1.23.mod", "go.mod"},
    {"go-mod", "go/osv-scalibr/gomod/indirect-packages.mod", "go.mod"},
    {"go-mod", "go/osv-scalibr/gomod/not-go-mod.mod", "go.mod"},
    {"go-mod", "go/osv-scalibr/gomod/one-package.mod", "go.mod"},
    {"go-mod", "go/osv-scalibr/gomod/replace-different.mod", "go.mod"},
    {"go-mod", "go/osv-scalibr/gomod/replace-local.mod", "go.mod"},
    {"go-mod", "go/osv-scalibr/gomod/replace-mixed.mod", "go.mod"},
    {"go-mod", "go/osv-scalibr/gomod/replace-no-version.mod", "go.mod"},
    {"go-mod", "go/osv-scalibr/gomod/replace-not-required.mod", "go.mod"},
    {"go-mod", "go/osv-scalibr/gomod/replace-one.mod", "go.mod"},
    {"go-mod", "go/osv-scalibr/gomod/toolchain-with-suffix.mod", "go.mod"},
    {"go-mod", "go/osv-scalibr/gomod/empty.mod", "go.mod"},
    {"go-mod", "go/trivy/mod/normal/go.mod", "go.mod"},
    {"go-mod", "go/trivy/mod/replaced/go.mod", "go.mod"},
    {"go-mod", "go/trivy/mod/replaced-with-local-path/go.mod", "go.mod"},
    {"go-mod", "go/trivy/mod/replaced-with-local-path-and-version/go.mod", "go.mod"},
    {"go-mod", "go/trivy/mod/replaced-with-local-path-and-version-mismatch/go.mod", "go.mod"},
    {"go-mod", "go/trivy/mod/replaced-with-version/go.mod", "go.mod"},
    {"go-mod", "go/trivy/mod/replaced-with-version-mismatch/go.mod", "go.mod"},
    {"go-mod", "go/trivy/mod/go116/go.mod", "go.mod"},
    {"cargo-lock", "cargo/osv-scalibr/cargolock/duplicate.lock", "Cargo.lock"},
    {"cargo-lock", "cargo/osv-scalibr/cargolock/many-packages.lock", "Cargo.lock"},
    {"cargo-lock", "cargo/osv-scalibr/cargolock/not-toml.txt", "Cargo.lock"},
    {"cargo-lock", "cargo/osv-scalibr/cargolock/one-package.lock", "Cargo.lock"},
    {"cargo-lock", "cargo/osv-scalibr/cargolock/package-with-build-string.lock", "Cargo.lock"},
    {"cargo-lock", "cargo/osv-scalibr/cargolock/two-packages-with-local.lock", "Cargo.lock"},
    {"cargo-lock", "cargo/osv-scalibr/cargolock/empty.lock", "Cargo.lock"},
    {"cargo-lock", "cargo/trivy/cargo/cargo_mixed.lock", "Cargo.lock"},
    {"cargo-lock", "cargo/trivy/cargo/cargo_normal.lock", "Cargo.lock"},
    {"cargo-lock", "cargo/trivy/cargo/cargo_v3.lock", "Cargo.lock"},
    {"cargo-lock", "cargo/trivy/cargo/cargo_invalid.lock", "Cargo.lock"},
    {"gemfile-lock", "ruby/osv-scalibr/gemfilelock/has-git-gem.lock", "Gemfile.lock"},
    {"gemfile-lock", "ruby/osv-scalibr/gemfilelock/has-local-gem.lock", "Gemfile.lock"},
    {"gemfile-lock", "ruby/osv-scalibr/gemfilelock/invalid.lock", "Gemfile.lock"},
    {"gemfile-lock", "ruby/osv-scalibr/gemfilelock/one-gem.lock", "Gemfile.lock"},
    {"gemfile-lock", "ruby/osv-scalibr/gemfilelock/rails.lock", "Gemfile.lock"},
    {"gemfile-lock", "ruby/osv-scalibr/gemfilelock/source-section-at-end.lock", "Gemfile.lock"},
    {"gemfile-lock", "ruby/osv-scalibr/gemfilelock/no-spec-section.lock", "Gemfile.lock"},
    {"gemfile-lock", "ruby/trivy/bundler/Gemfile_bundler2.lock", "Gemfile.lock"},
    {"gemfile-lock", "ruby/trivy/bundler/Gemfile_malformed.lock", "Gemfile.lock"},
    {"composer-lock", "php/osv-scalibr/composerlock/one-package-dev.json", "composer.lock"},
    {"composer-lock", "php/osv-scalibr/composerlock/two-packages.json", "composer.lock"},
    {"composer-lock", "php/osv-scalibr/composerlock/not-json.txt", "composer.lock"},
    {"composer-lock", "php/osv-scalibr/composerlock/duplicate-packages.json", "composer.lock"},
    {"composer-installed", "end-to-end/trivy/repo/composer-vendor/installed.json", "vendor/composer/installed.json"},
    {"nuget-lock", "dotnet/osv-scalibr/packageslockjson/valid/packages.lock.json", "packages.lock.json"},
    {"nuget-lock", "dotnet/trivy/nuget-lock/packages_lock_multi.json", "packages.lock.json"},
    {"nuget-lock", "dotnet/trivy/nuget-lock/packages_lock_subdependencies.json", "packages.lock.json"},
    {"nuget-lock", "dotnet/trivy/nuget-lock/packages_lock_legacy.json", "packages.lock.json"},
    {"dotnet-deps", "dotnet/osv-scalibr/depsjson/valid", "app.deps.json"},
    {"dotnet-deps", "dotnet/trivy/core_deps/happy.deps.json", "app.deps.json"},
    {"dotnet-deps", "dotnet/trivy/core_deps/multi-project.deps.json", "app.deps.json"},
    {"dotnet-deps", "dotnet/trivy/core_deps/invalid.deps.json", "app.deps.json"},
    {"dotnet-deps", "dotnet/trivy/core_deps/self-contained.deps.json", "app.deps.json"},
    {"nuget-config", "dotnet/osv-scalibr/packagesconfig/valid", "packages.config"},
    {"nuget-config", "dotnet/trivy/nuget-config/dev_dependency.config", "packages.config"},
    {"nuget-config", "dotnet/trivy/nuget-config/malformed_xml.config", "packages.config"},
    {"nuget-config", "dotnet/trivy/nuget-config/packages.config", "packages.config"},
    {"pub-lock", "end-to-end/trivy/repo/pubspec/pubspec.lock", "pubspec.lock"},
    {"mix-lock", "end-to-end/trivy/repo/mixlock/mix.lock", "mix.lock"},
    {"swift-resolved", "end-to-end/trivy/repo/swift/Package.resolved", "Package.resolved"},
    {"conan-lock", "end-to-end/trivy/repo/conan/conan.lock", "conan.lock"},
    {"podfile-lock", "end-to-end/trivy/repo/cocoapods/Podfile.lock", "Podfile.lock"},
};

static void
summary(const struct ks_inventory *inv, struct ks_buf *b)
{
    for (size_t i = 0; i < inv->n_pkgs; i++) {
        const struct ks_pkg *p = inv->pkgs[i];
        json_t *flags = NULL;

        ks_buf_appendf(b, "%s %s %s", p->name, p->version[0] ? p->version : "-",
                       p->purl ? p->purl : "(no purl)");
        for (unsigned bit = 1; bit <= KS_PKG_UNRESOLVED; bit <<= 1) {
            static const char *const names[] = {"direct", "indirect", "dev", "optional", "os",
                                                "kernel", "running-kernel", "unresolved"};
            int k = __builtin_ctz(bit);

            if (p->flags & bit)
                ks_buf_appendf(b, " +%s", names[k]);
        }
        (void)flags;
        for (size_t k = 0; k < p->meta.len; k++)
            ks_buf_appendf(b, " %s=%s", p->meta.items[k].key, p->meta.items[k].value);
        for (size_t k = 1; k < p->n_paths; k++)
            ks_buf_appendf(b, " also:%s", p->paths[k]);
        ks_buf_putc(b, '\n');
    }
    for (size_t i = 0; i < inv->n_apps; i++)
        ks_buf_appendf(b, "app %s %s %s %s\n", inv->apps[i].ecosystem, inv->apps[i].name,
                       inv->apps[i].version ? inv->apps[i].version : "-",
                       inv->apps[i].kind ? inv->apps[i].kind : "-");
    for (size_t i = 0; i < inv->n_warnings; i++)
        ks_buf_appendf(b, "warning %s: %s\n", inv->warnings[i].source, inv->warnings[i].message);
}

static void
golden_path(const struct lcase *c, char *out, size_t n)
{
    char flat[1024];

    snprintf(flat, sizeof(flat), "%s", c->fixture);
    for (char *p = flat; *p; p++)
        if (*p == '/')
            *p = '_';
    snprintf(out, n, "golden/lang/%s__%s.txt", c->ext, flat);
}

static void
test_fixtures(void)
{
    bool regen = getenv("KS_REGEN") != NULL;
    int n = 0;

    mkdir("golden", 0755);
    mkdir("golden/lang", 0755);
    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        const struct lcase *c = &cases[i];
        struct ks_arena *a = ks_arena_new(1 << 16);
        struct ks_inventory *inv = ks_inventory_new(a);
        struct ks_buf in = KS_BUF_INIT((size_t)64 << 20), got = KS_BUF_INIT((size_t)64 << 20);
        struct ks_buf want = KS_BUF_INIT((size_t)64 << 20);
        struct ks_err err = KS_ERR_INIT;
        char rel[1024], gpath[1200];
        enum ks_code rc;

        snprintf(rel, sizeof(rel), "fixtures/%s", c->fixture);
        golden_path(c, gpath, sizeof(gpath));
        CHECK_OK(ks_file_read(ks_test_data(rel), (size_t)64 << 20, &in, &err));
        rc = ks_extract_run(c->ext, c->as, in.data, in.len, inv, &err);
        CHECK_MSG(rc == KS_OK, "%s on %s: %s", c->ext, c->fixture, err.msg);
        CHECK_OK(ks_inventory_finish(inv, &err));
        summary(inv, &got);
        if (regen) {
            FILE *f = fopen(gpath, "w");

            if (f != NULL) {
                fwrite(got.data, 1, got.len, f);
                fclose(f);
            }
        } else if (ks_file_read(gpath, (size_t)64 << 20, &want, &err) != KS_OK) {
            CHECK_MSG(false, "no golden %s (run with KS_REGEN=1 and review)", gpath);
        } else {
            CHECK_MSG(strcmp(want.data, got.data) == 0, "%s on %s differs from %s:\n%s", c->ext,
                      c->fixture, gpath, got.data);
        }
        n++;
        ks_buf_release(&in);
        ks_buf_release(&got);
        ks_buf_release(&want);
        ks_arena_free(a);
    }
    printf("%d fixtures compared with their goldens\n", n);
}

/* Allocation failures anywhere in a lockfile extractor give KS_ENOMEM, never a crash. */
static void
test_alloc_failures(void)
{
    static const struct lcase oom_cases[] = {
        {"poetry", "python/trivy/poetry/poetry_v2_flask.lock", "poetry.lock"},
        {"python-requirements", "python/osv-scalibr/requirements/example.txt", "requirements.txt"},
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(oom_cases); i++) {
        struct ks_buf in = KS_BUF_INIT((size_t)64 << 20);
        struct ks_err err = KS_ERR_INIT;
        char rel[1024];
        size_t total;

        snprintf(rel, sizeof(rel), "fixtures/%s", oom_cases[i].fixture);
        CHECK_OK(ks_file_read(ks_test_data(rel), (size_t)64 << 20, &in, &err));
        /* count allocations of a clean run, then fail each in turn (sampled) */
        ks_alloc_fail_at(0);
        {
            struct ks_arena *a = ks_arena_new(1 << 16);
            struct ks_inventory *inv = ks_inventory_new(a);

            (void)ks_alloc_fail_at(0);
            CHECK_OK(ks_extract_run(oom_cases[i].ext, oom_cases[i].as, in.data, in.len, inv,
                                    &err));
            total = ks_alloc_fail_at(0);
            ks_arena_free(a);
        }
        for (size_t k = 1; k <= total; k += total > 400 ? total / 200 : 1) {
            struct ks_arena *a = ks_arena_new(1 << 16);
            struct ks_inventory *inv = a ? ks_inventory_new(a) : NULL;
            enum ks_code rc;

            if (inv == NULL) {
                ks_arena_free(a);
                continue;
            }
            ks_alloc_fail_at(k);
            rc = ks_extract_run(oom_cases[i].ext, oom_cases[i].as, in.data, in.len, inv, &err);
            ks_alloc_fail_at(0);
            CHECK_MSG(rc == KS_OK || rc == KS_ENOMEM, "%s alloc %zu: %s", oom_cases[i].ext, k,
                      ks_code_name(rc));
            ks_arena_free(a);
        }
        ks_buf_release(&in);
    }
}

KS_TEST_MAIN(KS_TEST(test_fixtures), KS_TEST(test_alloc_failures))
