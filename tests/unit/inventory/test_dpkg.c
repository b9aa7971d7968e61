/*
 * test_dpkg.c: the dpkg extractor on the shared fixtures (osv-scalibr,
 * syft and trivy status files, distroless status.d layouts) and on broken
 * input (a truncated file, binary junk, an over-long line, missing fields,
 * allocation failures): warnings name the file and line, the other packages
 * survive.
 */
#include "test.h"
#include "tree.h"

#include "inventory/inventory.h"

static struct ks_arena *arena;

static struct ks_inventory *
scan(const char *root)
{
    struct ks_inventory *inv = NULL;
    struct ks_err err = KS_ERR_INIT;
    char target[4200];

    ks_arena_free(arena);
    arena = ks_arena_new(1 << 16);
    snprintf(target, sizeof(target), "dir:%s", root);
    CHECK_OK(ks_inventory_from_target(target, NULL, arena, &inv, &err));
    if (inv == NULL)
        fprintf(stderr, "scan %s: %s\n", root, err.msg);
    return inv;
}

/* Run the extractor directly on one fixture file, as if it were at path. */
static struct ks_inventory *
run_file(const char *fixture, const char *path)
{
    struct ks_buf b = KS_BUF_INIT((size_t)64 << 20);
    struct ks_err err = KS_ERR_INIT;
    struct ks_inventory *inv;

    ks_arena_free(arena);
    arena = ks_arena_new(1 << 16);
    inv = ks_inventory_new(arena);
    CHECK_OK(ks_file_read(ks_test_data(fixture), (size_t)64 << 20, &b, &err));
    CHECK_OK(ks_extract_run("dpkg", path, b.data, b.len, inv, &err));
    CHECK_OK(ks_inventory_finish(inv, &err));
    ks_buf_release(&b);
    return inv;
}

static const struct ks_pkg *
find(const struct ks_inventory *inv, const char *name)
{
    for (size_t i = 0; inv && i < inv->n_pkgs; i++)
        if (strcmp(inv->pkgs[i]->name, name) == 0)
            return inv->pkgs[i];
    return NULL;
}

static bool
warned(const struct ks_inventory *inv, const char *needle)
{
    for (size_t i = 0; i < inv->n_warnings; i++)
        if (strstr(inv->warnings[i].message, needle) != NULL)
            return true;
    return false;
}

static void
test_valid(void)
{
    struct ks_inventory *inv = run_file("fixtures/dpkg/osv-scalibr/dpkg/valid", "var/lib/dpkg/status");
    const struct ks_pkg *p;

    CHECK_INT(inv->n_pkgs, 7);
    CHECK_INT(inv->n_warnings, 0);
    p = find(inv, "acl");
    CHECK(p != NULL);
    if (p != NULL) {
        CHECK(ks_pkg_is_os(p));
        CHECK_STR(p->version, "2.3.1-3");
        CHECK_STR(p->ecosystem, "Debian"); /* no os-release here: no release */
        CHECK_STR(p->path, "var/lib/dpkg/status");
        CHECK_STR(p->extractor, "dpkg");
    }
}

static void
test_status_field(void)
{
    struct ks_inventory *inv =
        run_file("fixtures/dpkg/osv-scalibr/dpkg/statusfield", "var/lib/dpkg/status");

    /* installed whatever the want; never config-files, unpacked, half-installed, none */
    CHECK_INT(inv->n_pkgs, 3);
    CHECK(find(inv, "wantinstall_installed") != NULL);
    CHECK(find(inv, "wantdeinstall_installed") != NULL);
    CHECK(find(inv, "wantpurge_installed") != NULL);
    CHECK(find(inv, "wantinstall_unpacked") == NULL);
    CHECK(find(inv, "wantnostatus") == NULL);
    if (find(inv, "wantdeinstall_installed"))
        CHECK_STR(ks_kvs_get(&find(inv, "wantdeinstall_installed")->meta, "status"),
                  "deinstall reinstreq installed");
}

static void
test_no_version(void)
{
    struct ks_inventory *inv =
        run_file("fixtures/dpkg/osv-scalibr/dpkg/noversion", "var/lib/dpkg/status");

    CHECK_INT(inv->n_pkgs, 2);
    CHECK(find(inv, "foo") != NULL && find(inv, "bar") != NULL);
    CHECK(warned(inv, "var/lib/dpkg/status:5: package 'acl' has no Version"));
}

static void
test_junk(void)
{
    struct ks_inventory *inv;

    inv = run_file("fixtures/dpkg/osv-scalibr/dpkg/invalid", "var/lib/dpkg/status");
    CHECK_INT(inv->n_pkgs, 0);
    CHECK(warned(inv, "var/lib/dpkg/status:1: not a 'Field: value' line"));
    inv = run_file("fixtures/dpkg/osv-scalibr/dpkg/empty", "var/lib/dpkg/status");
    CHECK_INT(inv->n_pkgs, 0);
    CHECK_INT(inv->n_warnings, 0);
    inv = run_file("fixtures/dpkg/osv-scalibr/dpkg/nopackage", "var/lib/dpkg/status");
    CHECK_INT(inv->n_pkgs, 2);
    CHECK(warned(inv, "stanza without a valid Package field"));
    inv = run_file("fixtures/dpkg/osv-scalibr/dpkg/trailingnewlines", "var/lib/dpkg/status");
    CHECK_INT(inv->n_pkgs, 1);
}

static void
test_source_field(void)
{
    static const char status[] =
        "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\n"
        "Source: glibc\nVersion: 2.36-9+deb12u4\n\n"
        "Package: libgcc-s1\nStatus: install ok installed\nArchitecture: amd64\n"
        "Source: gcc-12 (12.2.0-14)\nVersion: 12.2.0-14\n\n"
        "Package: libx\nStatus: install ok installed\nArchitecture: amd64\n"
        "Source: xsrc (1:2.0-1)\nVersion: 2.0-1+b1\n\n"
        "Package: nosrc\nStatus: hold ok installed\nVersion: 1:3.0-2\n";
    struct ks_err err = KS_ERR_INIT;
    struct ks_inventory *inv;
    const struct ks_pkg *p;

    ks_arena_free(arena);
    arena = ks_arena_new(1 << 16);
    inv = ks_inventory_new(arena);
    CHECK_OK(ks_extract_run("dpkg", "var/lib/dpkg/status", status, sizeof(status) - 1, inv, &err));
    CHECK_INT(inv->n_pkgs, 4);
    if ((p = find(inv, "libc6")) != NULL) {
        CHECK_STR(p->source_name, "glibc");
        CHECK_STR(p->source_version, "2.36-9+deb12u4");
        CHECK_STR(p->arch, "amd64");
    }
    if ((p = find(inv, "libx")) != NULL) {
        CHECK_STR(p->source_name, "xsrc");
        CHECK_STR(p->source_version, "1:2.0-1");
        CHECK_STR(p->version, "2.0-1+b1");
    }
    if ((p = find(inv, "nosrc")) != NULL) {
        CHECK_STR(p->source_name, "nosrc");
        CHECK_STR(p->source_version, "1:3.0-2");
        CHECK(p->arch == NULL);
    }
}

static void
test_truncated_and_binary(void)
{
    struct ks_buf b = KS_BUF_INIT((size_t)64 << 20);
    struct ks_err err = KS_ERR_INIT;
    struct ks_inventory *inv;
    size_t cut;

    /* The valid fixture cut in the middle of the last stanza, then binary junk. */
    CHECK_OK(ks_file_read(ks_test_data("fixtures/dpkg/osv-scalibr/dpkg/valid"), 1 << 20, &b, &err));
    cut = b.len - 40;
    b.len = cut;
    for (int i = 0; i < 4096; i++)
        ks_buf_putc(&b, (char)((i * 7919) % 251));
    ks_arena_free(arena);
    arena = ks_arena_new(1 << 16);
    inv = ks_inventory_new(arena);
    CHECK_OK(ks_extract_run("dpkg", "var/lib/dpkg/status", b.data, b.len, inv, &err));
    CHECK(inv->n_pkgs >= 6);
    CHECK(inv->n_warnings > 0);
    ks_buf_release(&b);
}

static void
test_long_line(void)
{
    /* A 3 MB line (over the 1 MiB limit) between two good stanzas. */
    struct ks_buf b = KS_BUF_INIT((size_t)16 << 20);
    struct ks_err err = KS_ERR_INIT;
    struct ks_inventory *inv;

    ks_buf_appends(&b, "Package: a\nStatus: install ok installed\nVersion: 1\n\n");
    ks_buf_appends(&b, "Package: b\nStatus: install ok installed\nDescription: ");
    for (int i = 0; i < 3 * 1024 * 1024; i++)
        ks_buf_putc(&b, 'x');
    ks_buf_appends(&b, "\nVersion: 2\n\nPackage: c\nStatus: install ok installed\nVersion: 3\n");
    ks_arena_free(arena);
    arena = ks_arena_new(1 << 16);
    inv = ks_inventory_new(arena);
    CHECK_OK(ks_extract_run("dpkg", "var/lib/dpkg/status", b.data, b.len, inv, &err));
    CHECK_INT(inv->n_pkgs, 3);
    CHECK(warned(inv, "var/lib/dpkg/status:7: line longer than"));
    CHECK(warned(inv, "(at byte 92)"));
    ks_buf_release(&b);
}

static void
test_status_d_distroless(void)
{
    const char *root = tree_new("distroless");
    struct ks_inventory *inv;
    const struct ks_pkg *p;

    tree_copy_fixture(root, "var/lib/dpkg/status.d/libsqlite3-0",
                      "fixtures/dpkg/syft/image-distroless-deb/var/lib/dpkg/status.d/libsqlite3-0");
    tree_copy_fixture(
        root, "var/lib/dpkg/status.d/libsqlite3-0.md5sums",
        "fixtures/dpkg/syft/image-distroless-deb/var/lib/dpkg/status.d/libsqlite3-0.md5sums");
    tree_copy_fixture(root, "var/lib/dpkg/status.d/base",
                      "fixtures/dpkg/osv-scalibr/dpkg/status.d/foo");
    tree_write_str(root, "usr/lib/aarch64-linux-gnu/libsqlite3.so.0.8.6", "ELF");
    inv = scan(root);
    if (inv == NULL)
        return;
    CHECK(inv->has_os);
    CHECK_STR(inv->os.id, "debian"); /* no os-release: known from the dpkg layout */
    p = find(inv, "libsqlite3-0");
    CHECK(p != NULL);
    if (p != NULL) {
        CHECK_STR(p->source_name, "sqlite3");
        CHECK_STR(p->version, "3.34.1-3");
        CHECK_STR(p->arch, "arm64");
        CHECK_STR(p->path, "var/lib/dpkg/status.d/libsqlite3-0");
        CHECK(p->n_files > 0);
        CHECK(ks_inventory_owner(inv, "usr/lib/aarch64-linux-gnu/libsqlite3.so.0.8.6") == p);
    }
    CHECK(find(inv, "foo") != NULL); /* no Status in status.d: installed */
    CHECK(find(inv, "bar") == NULL); /* but an explicit config-files status is not */
}

static void
test_syft_status_d(void)
{
    static const char *const files[] = {"single",    "multiple",      "corrupt",
                                        "deinstall", "doc-examples",  "installed-size-4KB",
                                        "empty",     "libpam-runtime", "coreutils-relationships"};
    const char *root = tree_new("syft-status-d");
    struct ks_inventory *inv;
    const struct ks_pkg *p;
    char src[512], dst[512];

    tree_write_str(root, "etc/os-release", "ID=debian\nVERSION_ID=\"10\"\n");
    for (size_t i = 0; i < KS_ARRAY_LEN(files); i++) {
        snprintf(src, sizeof(src), "fixtures/dpkg/syft/var/lib/dpkg/status.d/%s", files[i]);
        snprintf(dst, sizeof(dst), "var/lib/dpkg/status.d/%s", files[i]);
        tree_copy_fixture(root, dst, src);
    }
    inv = scan(root);
    if (inv == NULL)
        return;
    p = find(inv, "apt");
    CHECK(p != NULL);
    if (p != NULL) {
        CHECK_STR(p->ecosystem, "Debian:10");
        CHECK_STR(p->source_name, "apt-dev");
        CHECK_STR(p->purl, "pkg:deb/debian/apt@1.8.2?arch=amd64&distro=debian-10");
    }
    CHECK(find(inv, "linux-image-6.14.0-1012-aws") != NULL);
    if ((p = find(inv, "linux-image-6.14.0-1012-aws")) != NULL)
        CHECK(p->flags & KS_PKG_KERNEL);
    /* corrupt: the stanza with misspelled fields has no Package, and says so */
    CHECK(warned(inv, "var/lib/dpkg/status.d/corrupt"));
}

static void
test_trivy_txtar(void)
{
    const char *root = tree_new("trivy-valid");
    struct ks_inventory *inv;
    const struct ks_pkg *p;

    tree_txtar(root, "fixtures/dpkg/trivy/valid.txtar");
    tree_write_str(root, "etc/os-release", "ID=ubuntu\nVERSION_ID=\"18.04\"\n");
    inv = scan(root);
    if (inv == NULL)
        return;
    CHECK(inv->n_pkgs > 80);
    p = find(inv, "fdisk");
    CHECK(p != NULL);
    if (p != NULL) {
        CHECK_STR(p->ecosystem, "Ubuntu:18.04");
        CHECK_STR(p->source_name, "util-linux");
        CHECK_STR(p->version, "2.31.1-0.4ubuntu3.1");
        CHECK_STR(p->purl,
                  "pkg:deb/ubuntu/fdisk@2.31.1-0.4ubuntu3.1?arch=amd64&distro=ubuntu-18.04");
        /* Depends resolve to installed packages */
        CHECK(p->n_deps > 0);
    }
}

static void
test_canonical_paths_only(void)
{
    /* A status file deeper in the tree (a backup, a fixture) is not the host's OS. */
    const char *root = tree_new("canonical");
    struct ks_inventory *inv;

    tree_copy_fixture(root, "backup/var/lib/dpkg/status", "fixtures/dpkg/osv-scalibr/dpkg/valid");
    tree_copy_fixture(root, "var/lib/dpkg/status.bak", "fixtures/dpkg/osv-scalibr/dpkg/valid");
    inv = scan(root);
    if (inv != NULL)
        CHECK_INT(inv->n_pkgs, 0);
}

static void
test_ownership_lists(void)
{
    const char *root = tree_new("owners");
    struct ks_inventory *inv;
    const struct ks_pkg *p;

    tree_write_str(root, "var/lib/dpkg/status",
                   "Package: python3-six\nStatus: install ok installed\nArchitecture: all\n"
                   "Version: 1.16.0-4\n\nPackage: coreutils\nStatus: install ok installed\n"
                   "Architecture: amd64\nVersion: 9.1-1\n");
    tree_write_str(root, "var/lib/dpkg/info/python3-six.list",
                   "/.\n/usr\n/usr/lib/python3/dist-packages/six.py\n"
                   "/usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA\n");
    tree_write_str(root, "var/lib/dpkg/info/coreutils:amd64.list", "/bin/ls\n");
    tree_write_str(root, "usr/bin/ls", "ELF");
    {
        char link[4200], target[] = "usr/bin";

        snprintf(link, sizeof(link), "%s/bin", root);
        CHECK(symlink(target, link) == 0);
    }
    inv = scan(root);
    if (inv == NULL)
        return;
    p = find(inv, "python3-six");
    CHECK(p != NULL && p->n_files == 3);
    CHECK(ks_inventory_owner(inv, "usr/lib/python3/dist-packages/six-1.16.0.dist-info/METADATA") ==
          p);
    /* merged /usr: /bin/ls is found where it really lives */
    CHECK(ks_inventory_owner(inv, "usr/bin/ls") == find(inv, "coreutils"));
}

static void
test_alloc_failures(void)
{
    static const char status[] = "Package: a\nStatus: install ok installed\nVersion: 1\n"
                                 "Depends: b | c, d (>= 2)\nProvides: e\n\n"
                                 "Package: b\nStatus: install ok installed\nVersion: 2\n";

    for (size_t n = 1; n < 200; n++) {
        struct ks_arena *a;
        struct ks_inventory *inv;
        struct ks_err err = KS_ERR_INIT;
        enum ks_code rc = KS_ENOMEM;

        ks_alloc_fail_at(n);
        a = ks_arena_new(4096);
        inv = a ? ks_inventory_new(a) : NULL;
        if (inv != NULL) {
            rc = ks_extract_run("dpkg", "var/lib/dpkg/status", status, sizeof(status) - 1, inv,
                                &err);
            if (rc == KS_OK)
                rc = ks_inventory_finish(inv, &err);
        }
        ks_alloc_fail_at(0);
        CHECK_MSG(rc == KS_OK || rc == KS_ENOMEM, "n=%zu rc=%s", n, ks_code_name(rc));
        if (rc == KS_OK && inv != NULL)
            CHECK_INT(inv->n_pkgs, 2);
        ks_arena_free(a);
        if (rc == KS_OK)
            break;
    }
}

static void
cleanup(void)
{
    ks_arena_free(arena);
    arena = NULL;
}

static void
test_zz_cleanup(void)
{
    cleanup();
}

KS_TEST_MAIN(KS_TEST(test_valid), KS_TEST(test_status_field), KS_TEST(test_no_version),
             KS_TEST(test_junk), KS_TEST(test_source_field), KS_TEST(test_truncated_and_binary),
             KS_TEST(test_long_line), KS_TEST(test_status_d_distroless),
             KS_TEST(test_syft_status_d), KS_TEST(test_trivy_txtar),
             KS_TEST(test_canonical_paths_only), KS_TEST(test_ownership_lists),
             KS_TEST(test_alloc_failures), KS_TEST(test_zz_cleanup))
