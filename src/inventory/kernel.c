/*
 * kernel.c: which installed packages are kernel images, and which of them
 * is the one running (os.kernel, from uname -r on a live host). Each
 * distribution spells the release differently in the package:
 *   Debian/Ubuntu  linux-image-6.1.0-18-amd64          uname 6.1.0-18-amd64
 *   RHEL/Fedora    kernel-core 5.14.0-362.8.1.el9_3    uname 5.14.0-362.8.1.el9_3.x86_64
 *   SUSE           kernel-default 5.14.21-150500.55.39.1  uname 5.14.21-150500.55.39-default
 *   Alpine         linux-lts 6.6.7-r0                  uname 6.6.7-0-lts
 * Only packages the database lists are marked; nothing is invented.
 */
#include "inventory/inventory_int.h"

#include <string.h>

#include "base/banned.h"

static const char *const rpm_kernels[] = {
    "kernel",         "kernel-core",  "kernel-default", "kernel-uek",  "kernel-uek-core",
    "kernel-rt",      "kernel-rt-core", "kernel-64k",   "kernel-lpae", "kernel-azure",
    "kernel-preempt", "kernel-64k-core",
};

static const char *const apk_flavours[] = {"lts", "virt", "edge", "rpi", "rpi2", "rpi4"};

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Is p a kernel image, and does it match the running release? */
static bool
kernel_match(struct ks_arena *a, const struct ks_pkg *p, const char *running, bool *is_kernel)
{
    const char *purl_type;
    const struct ks_distro *d = ks_distro_by_eco(p->eco);

    *is_kernel = false;
    if (d == NULL)
        return false;
    purl_type = d->purl_type;
    if (strcmp(purl_type, "deb") == 0) {
        const char *rel = NULL;

        if (strncmp(p->name, "linux-image-unsigned-", 21) == 0)
            rel = p->name + 21;
        else if (strncmp(p->name, "linux-image-", 12) == 0)
            rel = p->name + 12;
        if (rel == NULL || !is_digit(rel[0]))
            return false; /* a meta package such as linux-image-amd64 */
        *is_kernel = true;
        return running && strcmp(rel, running) == 0;
    }
    if (strcmp(purl_type, "rpm") == 0) {
        bool known = false;

        for (size_t i = 0; i < KS_ARRAY_LEN(rpm_kernels); i++)
            known = known || strcmp(p->name, rpm_kernels[i]) == 0;
        if (!known || p->base_version == NULL)
            return false;
        *is_kernel = true;
        if (running == NULL)
            return false;
        {
            const char *rel = p->release ? p->release : "";
            const char *vr = ks_arena_sprintf(a, "%s-%s", p->base_version, rel);
            const char *vra = ks_arena_sprintf(a, "%s-%s.%s", p->base_version, rel,
                                               p->arch ? p->arch : "");
            const char *dot = strrchr(rel, '.');
            const char *flavour = strchr(p->name, '-');
            const char *suse = dot && flavour
                                   ? ks_arena_sprintf(a, "%s-%.*s%s", p->base_version,
                                                      (int)(dot - rel), rel, flavour)
                                   : NULL;

            return (vr && strcmp(vr, running) == 0) || (vra && strcmp(vra, running) == 0) ||
                   (suse && strcmp(suse, running) == 0);
        }
    }
    if (strcmp(purl_type, "apk") == 0) {
        const char *flavour = NULL;

        for (size_t i = 0; i < KS_ARRAY_LEN(apk_flavours); i++)
            if (strncmp(p->name, "linux-", 6) == 0 && strcmp(p->name + 6, apk_flavours[i]) == 0)
                flavour = apk_flavours[i];
        if (flavour == NULL)
            return false;
        *is_kernel = true;
        if (running == NULL)
            return false;
        {
            const char *r = strstr(p->version, "-r");
            const char *want = r ? ks_arena_sprintf(a, "%.*s-%s-%s", (int)(r - p->version),
                                                    p->version, r + 2, flavour)
                                 : NULL;

            return want && strcmp(want, running) == 0;
        }
    }
    return false;
}

void
inv_mark_kernels(struct ks_inventory *inv)
{
    for (size_t i = 0; i < inv->n_pkgs; i++) {
        struct ks_pkg *p = inv->pkgs[i];
        bool is_kernel;

        if (!ks_pkg_is_os(p))
            continue;
        if (kernel_match(inv->arena, p, inv->has_os ? inv->os.kernel : NULL, &is_kernel))
            p->flags |= KS_PKG_RUNNING_KERNEL;
        if (is_kernel)
            p->flags |= KS_PKG_KERNEL;
    }
}
