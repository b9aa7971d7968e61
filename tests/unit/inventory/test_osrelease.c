/*
 * test_osrelease.c: distribution detection over the shared os-release
 * fixtures (~40 distributions and variants from syft and trivy), the legacy
 * release files (redhat-release and siblings, debian_version, alpine-release,
 * system-release-cpe, lsb-release), and what each maps to: the OSV ecosystem
 * with its release and the purl distro qualifier.
 */
#include "test.h"
#include "tree.h"

#include "inventory/inventory.h"

static struct ks_arena *arena;

static const struct ks_os *
detect(const char *root)
{
    struct ks_fs *fs = NULL;
    struct ks_err err = KS_ERR_INIT;
    struct ks_inventory *inv;

    ks_log_set_level(KS_LOG_ERROR);
    ks_arena_free(arena);
    arena = ks_arena_new(1 << 14);
    inv = ks_inventory_new(arena);
    CHECK_OK(ks_fs_open_dir(root, NULL, &fs, &err));
    if (fs == NULL)
        return NULL;
    CHECK_OK(ks_os_detect(fs, inv, &err));
    ks_fs_free(fs);
    return inv->has_os ? &inv->os : NULL;
}

static void
test_os_release_files(void)
{
    static const struct {
        const char *fixture, *id, *version, *ecosystem, *codename;
    } cases[] = {
        {"syft/centos-8", "centos", "8", "CentOS:8", NULL},
        {"syft/debian-8", "debian", "8", "Debian:8", "jessie"},
        {"syft/rhel-8", "rhel", "8.1", "Red Hat:8", NULL},
        {"syft/ubuntu-20.04", "ubuntu", "20.04", "Ubuntu:20.04", "focal"},
        {"syft/unprintable", "debian", "8", "Debian:8", NULL}, /* CRLF line ends */
        {"trivy/os-release/alma", "almalinux", "9.4", "AlmaLinux:9", NULL},
        {"trivy/os-release/alpine", "alpine", "3.15.4", "Alpine:v3.15", NULL},
        {"trivy/os-release/azurelinux-3.0", "azurelinux", "3.0", "Azure Linux:3.0", NULL},
        {"trivy/os-release/centos", "centos", "7", "CentOS:7", NULL},
        {"trivy/os-release/fedora", "fedora", "42", "Fedora:42", NULL},
        {"trivy/os-release/mariner-2.0", "mariner", "2.0", "Azure Linux:2.0", NULL},
        {"trivy/os-release/opensuseleap-15.2.1", "opensuse-leap", "15.2.1", "openSUSE:Leap 15.2",
         NULL},
        {"trivy/os-release/opensuseleap-42.3", "opensuse", "42.3", "openSUSE:Leap 42.3", NULL},
        {"trivy/os-release/opensusetumbleweed", "opensuse-tumbleweed", "20220412",
         "openSUSE:Tumbleweed", NULL},
        {"trivy/os-release/oracle", "ol", "8.10", "Oracle Linux:8", NULL},
        {"trivy/os-release/photon", "photon", "4.0", "Photon OS:4.0", NULL},
        {"trivy/os-release/rhel", "rhel", "9.4", "Red Hat:9", NULL},
        {"trivy/os-release/rocky", "rocky", "9.3", "Rocky Linux:9", NULL},
        {"trivy/os-release/sles", "sles", "15.3", "SUSE:Linux Enterprise Server 15 SP3", NULL},
        {"trivy/os-release/slemicro", "sle-micro", "5.3", "SUSE:Linux Enterprise Micro 5.3", NULL},
        {"trivy/os-release/no-version", "alpine", NULL, "Alpine", NULL},
        {"trivy/os-release/unknown", "unknown", "4.3.2", NULL, NULL},
        {"trivy/os-release/bottlerocket", "bottlerocket", "1.34.0", NULL, NULL},
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        char name[64], rel[256];
        const char *root;
        const struct ks_os *os;

        snprintf(name, sizeof(name), "osr%zu", i);
        snprintf(rel, sizeof(rel), "fixtures/os-release/%s", cases[i].fixture);
        root = tree_new(name);
        tree_copy_fixture(root, "etc/os-release", rel);
        os = detect(root);
        CHECK_MSG(os != NULL, "%s: no os", cases[i].fixture);
        if (os == NULL)
            continue;
        CHECK_STR(os->id, cases[i].id);
        if (cases[i].version)
            CHECK_STR(os->version_id, cases[i].version);
        else
            CHECK_MSG(os->version_id == NULL, "%s: version '%s'", cases[i].fixture,
                      os->version_id);
        if (cases[i].ecosystem)
            CHECK_MSG(os->ecosystem && strcmp(os->ecosystem, cases[i].ecosystem) == 0,
                      "%s: ecosystem '%s' want '%s'", cases[i].fixture,
                      os->ecosystem ? os->ecosystem : "(null)", cases[i].ecosystem);
        else
            CHECK_MSG(os->ecosystem == NULL, "%s: ecosystem '%s'", cases[i].fixture,
                      os->ecosystem);
        if (cases[i].codename)
            CHECK_STR(os->codename, cases[i].codename);
        CHECK_STR(os->source, "etc/os-release");
    }
}

static void
test_legacy_files(void)
{
    static const struct {
        const char *dst, *fixture, *id, *version, *ecosystem;
    } cases[] = {
        {"etc/redhat-release", "syft/os/redhat/from-redhat-release/etc/redhat-release", "rhel",
         "8.10", "Red Hat:8"},
        {"etc/redhat-release", "syft/os/centos5/etc/redhat-release", "centos", "5.7", "CentOS:5"},
        {"etc/system-release-cpe", "syft/os/centos6/etc/system-release-cpe", "centos", "6",
         "CentOS:6"},
        {"etc/almalinux-release", "trivy/redhatbase/alma/almalinux-release", "almalinux", "8.4",
         "AlmaLinux:8"},
        {"etc/centos-release", "trivy/redhatbase/centos/centos-release", "centos", "7.6.1810",
         "CentOS:7"},
        {"etc/fedora-release", "trivy/redhatbase/fedora_29/fedora-release", "fedora", "29",
         "Fedora:29"},
        {"etc/oracle-release", "trivy/redhatbase/oracle_7/oracle-release", "ol", "7.6",
         "Oracle Linux:7"},
        {"etc/rocky-release", "trivy/redhatbase/rocky/rocky-release", "rocky", "8.4",
         "Rocky Linux:8"},
        {"etc/debian_version", "trivy/debian/debian_9/etc/debian_version", "debian", "9",
         "Debian:9"},
        {"etc/debian_version", "trivy/debian/debian_sid/etc/debian_version", "debian", NULL,
         "Debian"},
        {"etc/lsb-release", "trivy/ubuntu/lsb-release", "ubuntu", "18.04", "Ubuntu:18.04"},
        {"usr/lib/os-release", "syft/os/fedora/usr/lib/os-release", "fedora", NULL, NULL},
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        char name[64], rel[256];
        const char *root;
        const struct ks_os *os;

        snprintf(name, sizeof(name), "legacy%zu", i);
        snprintf(rel, sizeof(rel), "fixtures/os-release/%s", cases[i].fixture);
        root = tree_new(name);
        tree_copy_fixture(root, cases[i].dst, rel);
        os = detect(root);
        CHECK_MSG(os != NULL, "%s: no os", cases[i].fixture);
        if (os == NULL)
            continue;
        CHECK_STR(os->id, cases[i].id);
        if (cases[i].version)
            CHECK_STR(os->version_id, cases[i].version);
        if (cases[i].ecosystem)
            CHECK_STR(os->ecosystem, cases[i].ecosystem);
        CHECK_STR(os->source, cases[i].dst);
    }
}

static void
test_distroless_version_from_debian_version(void)
{
    /* Distroless: os-release without VERSION_ID; debian_version fills it. */
    const char *root = tree_new("distroless-osr");
    const struct ks_os *os;

    tree_copy_fixture(root, "etc/os-release",
                      "fixtures/os-release/syft/os/debian/from-debian_version/etc/os-release");
    tree_copy_fixture(root, "etc/debian_version",
                      "fixtures/os-release/syft/os/debian/from-debian_version/etc/debian_version");
    os = detect(root);
    CHECK(os != NULL);
    if (os != NULL) {
        CHECK_STR(os->version_id, "10");
        CHECK_STR(os->ecosystem, "Debian:10");
        CHECK_STR(os->name, "Distroless");
    }
}

static void
test_symlinked_os_release(void)
{
    /* Debian's etc/os-release is a symlink to ../usr/lib/os-release. */
    const char *root = tree_new("linked");
    char link[4200];
    const struct ks_os *os;

    tree_write_str(root, "usr/lib/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
    tree_mkdirs(root);
    snprintf(link, sizeof(link), "%s/etc", root);
    tree_mkdirs(link);
    snprintf(link, sizeof(link), "%s/etc/os-release", root);
    CHECK(symlink("../usr/lib/os-release", link) == 0);
    os = detect(root);
    CHECK(os != NULL && strcmp(os->ecosystem, "Debian:12") == 0);
}

static void
test_parse_quoting(void)
{
    struct ks_arena *a = ks_arena_new(4096);
    struct ks_os os = {0};
    static const char data[] = "# comment\nID = \"my\\\"distro\"\nVERSION_ID='1 2'\n"
                               "PRETTY_NAME=\"unterminated\nNAME=plain\nbad line\n1X=2\n";

    CHECK_OK(ks_os_release_parse(ks_str_make(data, sizeof(data) - 1), "etc/os-release", a, &os,
                                 NULL, NULL));
    CHECK_STR(os.id, "my\"distro");
    CHECK_STR(os.version_id, "1 2");
    CHECK_STR(os.name, "unterminated");
    ks_arena_free(a);
}

static void
test_zz_cleanup(void)
{
    ks_arena_free(arena);
    arena = NULL;
}

KS_TEST_MAIN(KS_TEST(test_os_release_files), KS_TEST(test_legacy_files),
             KS_TEST(test_distroless_version_from_debian_version),
             KS_TEST(test_symlinked_os_release), KS_TEST(test_parse_quoting),
             KS_TEST(test_zz_cleanup))
