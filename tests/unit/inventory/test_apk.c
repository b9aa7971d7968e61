/*
 * test_apk.c: the apk extractor on the shared fixtures (osv-scalibr, syft,
 * trivy installed databases), with the Alpine release from os-release or
 * etc/alpine-release, origins as source packages, purls, ownership from F:/R:
 * lines, and junk input.
 */
#include "test.h"
#include "tree.h"

#include "inventory/inventory.h"

static struct ks_arena *arena;

static struct ks_inventory *
scan_root(const char *root)
{
    struct ks_inventory *inv = NULL;
    struct ks_err err = KS_ERR_INIT;
    char target[4200];

    ks_log_set_level(KS_LOG_ERROR);
    ks_arena_free(arena);
    arena = ks_arena_new(1 << 16);
    snprintf(target, sizeof(target), "dir:%s", root);
    CHECK_OK(ks_inventory_from_target(target, NULL, arena, &inv, &err));
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
test_scalibr_installed(void)
{
    const char *root = tree_new("scalibr");
    struct ks_inventory *inv;
    const struct ks_pkg *p;

    tree_copy_fixture(root, "lib/apk/db/installed", "fixtures/apk/osv-scalibr/installed");
    tree_write_str(root, "etc/os-release",
                   "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.18.4\n"
                   "PRETTY_NAME=\"Alpine Linux v3.18\"\n");
    tree_write_str(root, "bin/busybox", "ELF");
    inv = scan_root(root);
    if (inv == NULL)
        return;
    CHECK_INT(inv->n_pkgs, 15);
    CHECK_STR(inv->os.ecosystem, "Alpine:v3.18");
    p = find(inv, "alpine-baselayout-data");
    CHECK(p != NULL);
    if (p != NULL) {
        CHECK_STR(p->version, "3.4.3-r1");
        CHECK_STR(p->source_name, "alpine-baselayout");
        CHECK_STR(p->source_version, "3.4.3-r1");
        CHECK_STR(p->license, "GPL-2.0-only");
        CHECK_STR(p->ecosystem, "Alpine:v3.18");
        CHECK_STR(p->purl,
                  "pkg:apk/alpine/alpine-baselayout-data@3.4.3-r1?arch=x86_64&distro=alpine-3.18");
        CHECK_STR(ks_kvs_get(&p->meta, "commit"), "65502ca9379dd29d1ac4b0bf0dcf03a3dd1b324a");
        CHECK(p->n_files > 0);
        CHECK(ks_inventory_owner(inv, "etc/fstab") == p);
    }
    p = find(inv, "busybox");
    CHECK(p != NULL && ks_inventory_owner(inv, "bin/busybox") == p);
    /* D: so:... dependencies resolve through p: provides */
    p = find(inv, "busybox-binsh");
    if (p != NULL)
        CHECK(p->n_deps > 0);
}

static void
test_alpine_release_fallback(void)
{
    const char *root = tree_new("fallback");
    struct ks_inventory *inv;

    tree_copy_fixture(root, "lib/apk/db/installed", "fixtures/apk/syft/multiple-2/lib/apk/db/installed");
    tree_write_str(root, "etc/alpine-release", "3.12.0\n");
    inv = scan_root(root);
    if (inv == NULL)
        return;
    CHECK_INT(inv->n_pkgs, 14);
    CHECK_STR(inv->os.id, "alpine");
    CHECK_STR(inv->os.ecosystem, "Alpine:v3.12");
}

static void
test_trivy_and_junk(void)
{
    const char *root = tree_new("trivy");
    struct ks_inventory *inv;

    tree_copy_fixture(root, "lib/apk/db/installed", "fixtures/apk/trivy/apk");
    inv = scan_root(root);
    if (inv == NULL)
        return;
    CHECK(find(inv, "musl") != NULL);
    CHECK(find(inv, "invalidPackageWithoutAVersion") == NULL);
    CHECK(warned(inv, "has no V: (version) line"));
    CHECK_STR(find(inv, "musl") ? find(inv, "musl")->ecosystem : "", "Alpine");

    root = tree_new("corrupt");
    tree_copy_fixture(root, "lib/apk/db/installed",
                      "fixtures/apk/syft/corrupt/lib/apk/db/installed");
    inv = scan_root(root);
    if (inv == NULL)
        return;
    CHECK_INT(inv->n_pkgs, 1);
    CHECK(warned(inv, "lib/apk/db/installed:1: not an 'X:value' line"));

    root = tree_new("invalid");
    tree_copy_fixture(root, "lib/apk/db/installed", "fixtures/apk/osv-scalibr/invalid");
    inv = scan_root(root);
    if (inv != NULL)
        CHECK_INT(inv->n_pkgs, 0);

    root = tree_new("no-origin");
    tree_copy_fixture(root, "lib/apk/db/installed", "fixtures/apk/osv-scalibr/no-origin");
    inv = scan_root(root);
    if (inv != NULL && find(inv, "pkgname") != NULL)
        CHECK_STR(find(inv, "pkgname")->source_name, "pkgname");
}

static void
test_alloc_failures(void)
{
    static const char db[] = "P:a\nV:1-r0\nA:x86_64\no:src\nD:so:libb.so !c\np:cmd:a=1\n"
                             "F:usr/bin\nR:a\n\nP:b\nV:2-r0\np:so:libb.so=2\n";

    for (size_t n = 1; n < 300; n++) {
        struct ks_arena *a;
        struct ks_inventory *inv;
        struct ks_err err = KS_ERR_INIT;
        enum ks_code rc = KS_ENOMEM;

        ks_alloc_fail_at(n);
        a = ks_arena_new(4096);
        inv = a ? ks_inventory_new(a) : NULL;
        if (inv != NULL) {
            rc = ks_extract_run("apk", "lib/apk/db/installed", db, sizeof(db) - 1, inv, &err);
            if (rc == KS_OK)
                rc = ks_inventory_finish(inv, &err);
        }
        ks_alloc_fail_at(0);
        CHECK_MSG(rc == KS_OK || rc == KS_ENOMEM, "n=%zu rc=%s", n, ks_code_name(rc));
        if (rc == KS_OK) {
            CHECK_INT(inv->n_pkgs, 2);
            CHECK_INT(inv->pkgs[0]->n_deps, 1);
        }
        ks_arena_free(a);
        if (rc == KS_OK)
            break;
    }
}

static void
test_zz_cleanup(void)
{
    ks_arena_free(arena);
    arena = NULL;
}

KS_TEST_MAIN(KS_TEST(test_scalibr_installed), KS_TEST(test_alpine_release_fallback),
             KS_TEST(test_trivy_and_junk), KS_TEST(test_alloc_failures), KS_TEST(test_zz_cleanup))
