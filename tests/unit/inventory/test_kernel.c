/*
 * test_kernel.c: which packages are kernel images and which one is running,
 * as each distribution spells it (Debian/Ubuntu linux-image-RELEASE, RHEL
 * kernel-core V-R.ARCH, SUSE kernel-default V-R'-FLAVOUR, Alpine linux-lts
 * V-rN vs V-N-lts). Meta packages are not kernels; nothing is invented.
 */
#include "test.h"

#include "inventory/inventory_int.h"

static struct ks_pkg *
add(struct ks_inventory *inv, enum ks_eco eco, const char *name, const char *version,
    const char *base, const char *release, const char *arch)
{
    struct ks_pkg *p = ks_pkg_new(inv);
    struct ks_err err = KS_ERR_INIT;

    p->eco = eco;
    p->ecosystem = ks_eco_info(eco)->name;
    p->name = name;
    p->version = version;
    p->base_version = base;
    p->release = release;
    p->arch = arch;
    p->flags = KS_PKG_OS;
    CHECK_OK(ks_inventory_add(inv, p, NULL, &err));
    return p;
}

static void
run(const char *running, enum ks_eco eco, struct ks_pkg **out, size_t n,
    const char *const rows[][5], unsigned want_flags[])
{
    struct ks_arena *a = ks_arena_new(4096);
    struct ks_inventory *inv = ks_inventory_new(a);

    inv->has_os = true;
    inv->os.kernel = running;
    for (size_t i = 0; i < n; i++)
        out[i] = add(inv, eco, rows[i][0], rows[i][1], rows[i][2], rows[i][3], rows[i][4]);
    inv_mark_kernels(inv);
    for (size_t i = 0; i < n; i++)
        CHECK_MSG((out[i]->flags & (KS_PKG_KERNEL | KS_PKG_RUNNING_KERNEL)) == want_flags[i],
                  "%s: flags %#x, want %#x", rows[i][0], out[i]->flags, want_flags[i]);
    ks_arena_free(a);
}

static void
test_debian(void)
{
    static const char *const rows[][5] = {
        {"linux-image-6.1.0-18-amd64", "6.1.0-18", NULL, NULL, "amd64"},
        {"linux-image-6.1.0-17-amd64", "6.1.0-17", NULL, NULL, "amd64"},
        {"linux-image-amd64", "6.1.76-1", NULL, NULL, "amd64"}, /* meta package */
        {"linux-image-unsigned-5.15.0-91-generic", "5.15.0-91.101", NULL, NULL, "amd64"},
    };
    unsigned want[] = {KS_PKG_KERNEL | KS_PKG_RUNNING_KERNEL, KS_PKG_KERNEL, 0, KS_PKG_KERNEL};
    struct ks_pkg *p[4];

    run("6.1.0-18-amd64", KS_ECO_DEBIAN, p, 4, rows, want);
}

static void
test_rpm(void)
{
    static const char *const rhel[][5] = {
        {"kernel-core", "5.14.0-362.8.1.el9_3", "5.14.0", "362.8.1.el9_3", "x86_64"},
        {"kernel-core", "5.14.0-284.11.1.el9_2", "5.14.0", "284.11.1.el9_2", "x86_64"},
        {"kernel-headers", "5.14.0-362.8.1.el9_3", "5.14.0", "362.8.1.el9_3", "x86_64"},
    };
    unsigned want_rhel[] = {KS_PKG_KERNEL | KS_PKG_RUNNING_KERNEL, KS_PKG_KERNEL, 0};
    static const char *const suse[][5] = {
        {"kernel-default", "5.14.21-150500.55.39.1", "5.14.21", "150500.55.39.1", "x86_64"},
    };
    unsigned want_suse[] = {KS_PKG_KERNEL | KS_PKG_RUNNING_KERNEL};
    struct ks_pkg *p[3];

    run("5.14.0-362.8.1.el9_3.x86_64", KS_ECO_REDHAT, p, 3, rhel, want_rhel);
    run("5.14.21-150500.55.39-default", KS_ECO_SUSE, p, 1, suse, want_suse);
}

static void
test_alpine_and_no_kernel(void)
{
    static const char *const rows[][5] = {
        {"linux-lts", "6.6.7-r0", NULL, NULL, "x86_64"},
        {"linux-firmware", "20231111-r1", NULL, NULL, "noarch"},
    };
    unsigned want[] = {KS_PKG_KERNEL | KS_PKG_RUNNING_KERNEL, 0};
    unsigned want_none[] = {KS_PKG_KERNEL, 0};
    struct ks_pkg *p[2];

    run("6.6.7-0-lts", KS_ECO_ALPINE, p, 2, rows, want);
    /* a container has no running kernel of its own: kernels are flagged, none running */
    run(NULL, KS_ECO_ALPINE, p, 2, rows, want_none);
}

KS_TEST_MAIN(KS_TEST(test_debian), KS_TEST(test_rpm), KS_TEST(test_alpine_and_no_kernel))
