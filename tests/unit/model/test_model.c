/*
 * test_model.c: purls (canonical encoding per the purl spec, parsing of
 * untrusted ones), the distribution table (os-release -> OSV ecosystem and
 * purl distro), and the inventory container (merging duplicates, ordering,
 * dependency resolution, ownership).
 */
#include "test.h"

#include "model/model.h"

static void
test_purl_build(void)
{
    static struct ks_kv q1[] = {{"distro", "debian-12"}, {"arch", "amd64"}};
    static struct ks_kv q2[] = {{"epoch", "1"}, {"arch", "x86_64"}, {"distro", "rhel-8.6"}};
    static struct ks_kv q3[] = {{"repository_url", "repo.spring.io/release"}, {"empty", ""}};
    const struct {
        struct ks_purl p;
        const char *want;
    } cases[] = {
        {{"deb", "debian", "curl", "7.88.1-10+deb12u5", q1, 2, NULL},
         "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12"},
        {{"rpm", "redhat", "openssl", "1.1.1k-7.el8_6", q2, 3, NULL},
         "pkg:rpm/redhat/openssl@1.1.1k-7.el8_6?arch=x86_64&distro=rhel-8.6&epoch=1"},
        {{"npm", "@angular", "core", "16.0.0", NULL, 0, NULL}, "pkg:npm/%40angular/core@16.0.0"},
        {{"maven", "org.apache.xmlgraphics", "batik-anim", "1.9.1", q3, 2, NULL},
         "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?repository_url=repo.spring.io%2Frelease"},
        {{"golang", "github.com/gorilla", "context", NULL, NULL, 0, "api"},
         "pkg:golang/github.com/gorilla/context#api"},
        {{"deb", "debian", "libgcc1", "1:8.3.0-6", NULL, 0, NULL}, "pkg:deb/debian/libgcc1@1:8.3.0-6"},
        {{"PyPI", NULL, "Django Rest", "1.0 beta", NULL, 0, NULL}, "pkg:pypi/Django%20Rest@1.0%20beta"},
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct ks_buf b = KS_BUF_INIT(4096);

        ks_purl_build(&cases[i].p, &b);
        CHECK_STR(b.data, cases[i].want);
        ks_buf_release(&b);
    }
}

static void
test_purl_parse(void)
{
    struct ks_arena *a = ks_arena_new(4096);
    struct ks_purl p;
    struct ks_err err = KS_ERR_INIT;
    static const char *const round[] = {
        "pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=debian-12",
        "pkg:npm/%40angular/core@16.0.0",
        "pkg:maven/org.apache.xmlgraphics/batik-anim@1.9.1?repository_url=repo.spring.io%2Frelease",
        "pkg:golang/github.com/gorilla/context#api",
        "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19",
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(round); i++) {
        struct ks_buf b = KS_BUF_INIT(4096);

        CHECK_OK(ks_purl_parse(ks_str_c(round[i]), a, &p, &err));
        ks_purl_build(&p, &b);
        CHECK_STR(b.data, round[i]);
        ks_buf_release(&b);
    }
    CHECK_OK(ks_purl_parse(KS_STR("pkg:deb/debian/curl@7.88.1-10+deb12u5?Arch=amd64"), a, &p, &err));
    CHECK_STR(p.version, "7.88.1-10+deb12u5"); /* '+' unencoded is read as '+' */
    CHECK_STR(ks_purl_qualifier(&p, "arch"), "amd64");
    CHECK_OK(ks_purl_parse(KS_STR("pkg:pypi/Django_Rest@1.0"), a, &p, &err));
    CHECK_STR(p.name, "django-rest");
    CHECK_OK(ks_purl_parse(KS_STR("pkg:npm/@angular/core@1.0"), a, &p, &err));
    CHECK_STR(p.namespace, "@angular");
    CHECK_STR(p.name, "core");
    CHECK_INT(ks_purl_parse(KS_STR("deb/debian/curl@1"), a, &p, &err), KS_EPARSE);
    CHECK(strstr(err.msg, "pkg:") != NULL);
    CHECK_INT(ks_purl_parse(KS_STR("pkg:deb"), a, &p, &err), KS_EPARSE);
    CHECK_INT(ks_purl_parse(KS_STR("pkg:deb/"), a, &p, &err), KS_EPARSE);
    CHECK_INT(ks_purl_parse(KS_STR("pkg:deb/debian/x@1%2"), a, &p, &err), KS_EPARSE);
    CHECK_INT(ks_purl_parse(KS_STR("pkg:deb/debian/x@1%00"), a, &p, &err), KS_EPARSE);
    CHECK_INT(ks_purl_parse(KS_STR("pkg:1deb/x@1"), a, &p, &err), KS_EPARSE);
    CHECK_INT(ks_purl_parse(KS_STR("pkg:deb/x@1?a=1&a=2"), a, &p, &err), KS_EPARSE);
    /* found by the fuzzer: an encoded '/' in a namespace segment cannot round-trip */
    CHECK_INT(ks_purl_parse(KS_STR("pkg:gurcche/%2F/c16.h"), a, &p, &err), KS_EPARSE);
    ks_arena_free(a);
}

static void
test_distro_table_sorted(void)
{
    size_t n;
    const struct ks_distro *d = ks_distro_table(&n);

    for (size_t i = 1; i < n; i++)
        CHECK_MSG(strcmp(d[i - 1].id, d[i].id) < 0, "table not sorted at '%s'", d[i].id);
    for (size_t i = 0; i < n; i++) {
        const struct ks_eco_info *e = ks_eco_info(d[i].eco);

        CHECK(ks_distro_by_id(d[i].id) == &d[i]);
        /* one truth for names and purls: the ecosystem table in version.h */
        CHECK_STR(d[i].osv_name, e->name);
        CHECK_STR(d[i].purl_type, e->purl_type);
        CHECK_STR(d[i].purl_namespace, e->purl_namespace);
        CHECK(e->is_os);
    }
    CHECK(ks_distro_by_id("nosuch") == NULL);
}

static void
test_os_finish(void)
{
    static const struct {
        const char *id, *version, *id_like, *codename;
        const char *ecosystem, *distro, *ns;
    } cases[] = {
        {"debian", "12", NULL, "bookworm", "Debian:12", "debian-12", "debian"},
        {"debian", NULL, NULL, "trixie", "Debian", "debian-trixie", "debian"},
        {"ubuntu", "22.04", "debian", NULL, "Ubuntu:22.04", "ubuntu-22.04", "ubuntu"},
        {"alpine", "3.19.1", NULL, NULL, "Alpine:v3.19", "alpine-3.19", "alpine"},
        {"rhel", "8.6", "fedora", NULL, "Red Hat:8", "rhel-8.6", "redhat"},
        {"amzn", "2023", "fedora", NULL, "Amazon Linux:2023", "amzn-2023", "amazonlinux"},
        {"amzn", "2", "centos rhel fedora", NULL, "Amazon Linux:2", "amzn-2", "amazonlinux"},
        {"sles", "15.3", "suse", NULL, "SUSE:Linux Enterprise Server 15 SP3", "sles-15.3", "suse"},
        {"sles", "15", "suse", NULL, "SUSE:Linux Enterprise Server 15", "sles-15", "suse"},
        {"opensuse-leap", "15.5", NULL, NULL, "openSUSE:Leap 15.5", "opensuse-leap-15.5",
         "opensuse"},
        {"opensuse-tumbleweed", "20240101", NULL, NULL, "openSUSE:Tumbleweed",
         "opensuse-tumbleweed-20240101", "opensuse"},
        {"sle-micro", "5.3", "suse", NULL, "SUSE:Linux Enterprise Micro 5.3", "sle-micro-5.3",
         "suse"},
        {"rocky", "9.3", NULL, NULL, "Rocky Linux:9", "rocky-9.3", "rocky-linux"},
        {"wolfi", "20230201", NULL, NULL, "Wolfi", "wolfi-20230201", "wolfi"},
        {"linuxmint", "21.2", "ubuntu debian", NULL, "Ubuntu", "linuxmint-21.2", "linuxmint"},
        {"scientific", "8", "rhel fedora", NULL, "Red Hat", "scientific-8", "scientific"},
        {"plan9", "4", NULL, NULL, NULL, "plan9-4", "plan9"},
    };
    struct ks_arena *a = ks_arena_new(4096);

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct ks_os os = {0};

        os.id = cases[i].id;
        os.version_id = cases[i].version;
        os.id_like = cases[i].id_like;
        os.codename = cases[i].codename;
        CHECK_OK(ks_os_finish(&os, a));
        if (cases[i].ecosystem)
            CHECK_STR(os.ecosystem, cases[i].ecosystem);
        else
            CHECK(os.ecosystem == NULL);
        CHECK_STR(os.purl_distro, cases[i].distro);
        CHECK_STR(os.purl_namespace, cases[i].ns);
    }
    ks_arena_free(a);
}

static void
test_pkg_ecosystem(void)
{
    struct ks_arena *a = ks_arena_new(4096);
    struct ks_os os = {0};
    enum ks_eco eco;

    os.id = "ubuntu";
    os.version_id = "22.04";
    CHECK_OK(ks_os_finish(&os, a));
    CHECK_STR(ks_os_pkg_ecosystem(&os, KS_ECO_DEBIAN, &eco), "Ubuntu:22.04");
    CHECK_INT(eco, KS_ECO_UBUNTU);
    /* apk packages in a Debian root are Alpine's, without a release */
    CHECK_STR(ks_os_pkg_ecosystem(&os, KS_ECO_ALPINE, &eco), "Alpine");
    CHECK_STR(ks_os_pkg_ecosystem(NULL, KS_ECO_DEBIAN, &eco), "Debian");
    ks_arena_free(a);
}

static struct ks_pkg *
mkpkg(struct ks_inventory *inv, const char *eco, const char *name, const char *ver,
      const char *path)
{
    struct ks_pkg *p = ks_pkg_new(inv);

    p->ecosystem = eco;
    p->name = name;
    p->version = ver;
    p->path = path;
    return p;
}

static void
test_inventory_merge_and_order(void)
{
    struct ks_arena *a = ks_arena_new(4096);
    struct ks_inventory *inv = ks_inventory_new(a);
    struct ks_err err = KS_ERR_INIT;
    struct ks_pkg *p, *merged;

    p = mkpkg(inv, "PyPI", "six", "1.16.0", "venv/six-1.16.0.dist-info/METADATA");
    p->flags = KS_PKG_DEV;
    CHECK_OK(ks_inventory_add(inv, p, &merged, &err));
    CHECK(merged == NULL);
    p = mkpkg(inv, "PyPI", "six", "1.16.0", "requirements.txt");
    p->flags = KS_PKG_DIRECT;
    p->license = "MIT";
    CHECK_OK(ks_inventory_add(inv, p, &merged, &err));
    CHECK(merged != NULL);
    CHECK_INT(inv->n_pkgs, 1);
    CHECK_INT(merged->n_paths, 2);
    CHECK_STR(merged->license, "MIT");
    CHECK(merged->flags & KS_PKG_DIRECT);
    CHECK(!(merged->flags & KS_PKG_DEV)); /* dev only if every source says so */
    p = mkpkg(inv, "Debian:12", "python3-six", "1.16.0-4", "var/lib/dpkg/status");
    p->flags = KS_PKG_OS;
    CHECK_OK(ks_inventory_add(inv, p, NULL, &err));
    CHECK_OK(ks_inventory_own(inv, "venv/six-1.16.0.dist-info/METADATA", p));
    p = mkpkg(inv, "Debian:12", "aaa", "1", "var/lib/dpkg/status");
    p->flags = KS_PKG_OS;
    CHECK_OK(ks_pkg_add_dep_name(inv, p, KS_STR("nosuch|python3-six")));
    CHECK_OK(ks_pkg_add_dep_name(inv, p, KS_STR("virtual")));
    CHECK_OK(ks_inventory_add(inv, p, NULL, &err));
    p = mkpkg(inv, "Debian:12", "zzz", "1", "var/lib/dpkg/status");
    p->flags = KS_PKG_OS;
    CHECK_OK(ks_pkg_add_provide(inv, p, KS_STR("virtual")));
    CHECK_OK(ks_inventory_add(inv, p, NULL, &err));
    CHECK_INT(ks_inventory_add(inv, mkpkg(inv, "PyPI", "", "1", NULL), NULL, &err), KS_EINVAL);
    CHECK_OK(ks_inventory_finish(inv, &err));
    CHECK_INT(inv->n_pkgs, 4);
    /* OS packages first, then by ecosystem and name */
    CHECK_STR(inv->pkgs[0]->name, "aaa");
    CHECK_STR(inv->pkgs[1]->name, "python3-six");
    CHECK_STR(inv->pkgs[2]->name, "zzz");
    CHECK_STR(inv->pkgs[3]->name, "six");
    /* one copy (requirements.txt) is not the distro's file: matched as PyPI */
    CHECK(inv->pkgs[3]->owner == NULL);
    CHECK_OK(ks_inventory_own(inv, "requirements.txt", inv->pkgs[1]));
    CHECK_OK(ks_inventory_finish(inv, &err));
    CHECK(inv->pkgs[3]->owner == inv->pkgs[1]); /* every copy owned: the distro's */
    CHECK_INT(inv->pkgs[0]->n_deps, 2);
    if (inv->pkgs[0]->n_deps == 2) {
        CHECK(inv->pkgs[0]->deps[0] == inv->pkgs[1]);
        CHECK(inv->pkgs[0]->deps[1] == inv->pkgs[2]); /* through Provides */
    }
    ks_arena_free(a);
}

static void
test_lang_purl(void)
{
    static const struct {
        enum ks_eco eco;
        const char *name, *version, *want;
    } cases[] = {
        {KS_ECO_MAVEN, "org.apache.logging.log4j:log4j-core", "2.14.1",
         "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"},
        {KS_ECO_NPM, "@babel/core", "7.0.0", "pkg:npm/%40babel/core@7.0.0"},
        {KS_ECO_NPM, "lodash", "4.17.21", "pkg:npm/lodash@4.17.21"},
        {KS_ECO_GO, "github.com/gorilla/mux", "v1.8.0", "pkg:golang/github.com/gorilla/mux@v1.8.0"},
        {KS_ECO_PYPI, "requests", "2.31.0", "pkg:pypi/requests@2.31.0"},
        {KS_ECO_PACKAGIST, "symfony/console", "6.0.0", "pkg:composer/symfony/console@6.0.0"},
        {KS_ECO_CRATES, "serde", "1.0.0", "pkg:cargo/serde@1.0.0"},
    };
    struct ks_arena *a = ks_arena_new(4096);
    struct ks_inventory *inv = ks_inventory_new(a);

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct ks_pkg *p = ks_pkg_new(inv);

        p->eco = cases[i].eco;
        p->name = cases[i].name;
        p->version = cases[i].version;
        CHECK_STR(ks_pkg_make_purl(inv, p), cases[i].want);
    }
    ks_arena_free(a);
}

static void
test_warning_cap(void)
{
    struct ks_arena *a = ks_arena_new(4096);
    struct ks_inventory *inv = ks_inventory_new(a);

    ks_log_set_level(KS_LOG_ERROR);
    for (int i = 0; i < KS_INVENTORY_MAX_WARNINGS + 5; i++)
        ks_inventory_warn(inv, "test", "warning %d", i);
    ks_log_set_level(KS_LOG_WARN);
    CHECK_INT(inv->n_warnings, KS_INVENTORY_MAX_WARNINGS);
    CHECK_INT(inv->warnings_dropped, 5);
    CHECK_STR(inv->warnings[0].message, "warning 0");
    ks_arena_free(a);
}

KS_TEST_MAIN(KS_TEST(test_purl_build), KS_TEST(test_purl_parse), KS_TEST(test_distro_table_sorted),
             KS_TEST(test_os_finish), KS_TEST(test_pkg_ecosystem),
             KS_TEST(test_inventory_merge_and_order), KS_TEST(test_lang_purl),
             KS_TEST(test_warning_cap))
