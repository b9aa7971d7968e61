/*
 * inventory_int.h: private to src/inventory/. The extractor context, and
 * one declaration per extractor function (each lives in its own file and has
 * one row in registry.c).
 */
#ifndef KS_INVENTORY_INT_H
#define KS_INVENTORY_INT_H

#include "inventory/inventory.h"

struct ks_extract_ctx {
    struct ks_inventory *inv;
    struct ks_fs *fs; /* NULL under ks_extract_run */
    const struct ks_extractor *ext;
    const struct ks_extract_input *in;
    const char *const *matches;
    size_t n_matches;
    const char *const *companions;
    size_t n_companions;
    struct ks_map *dir_cache; /* directory -> canonical directory (char *, arena) */
    size_t n_warned;          /* warnings about the current input */
};

/* Warnings kept per input file; the rest are counted in one summary line. */
#define KS_EXTRACT_MAX_WARNINGS 50

/* --- extractors (one file each) ------------------------------------------ */

enum ks_code ks_extract_dpkg(struct ks_extract_ctx *ctx, const struct ks_extract_input *in,
                             struct ks_err *err);
enum ks_code ks_extract_apk(struct ks_extract_ctx *ctx, const struct ks_extract_input *in,
                            struct ks_err *err);
enum ks_code ks_extract_rpm(struct ks_extract_ctx *ctx, const struct ks_extract_input *in,
                            struct ks_err *err);

/* --- target openers beyond dir: (target_image.c) --------------------------- */

enum ks_code inv_open_image(const char *path, const struct ks_inventory_opts *opts,
                            struct ks_inventory *inv, struct ks_err *err);
enum ks_code inv_open_registry(const char *ref, const struct ks_inventory_opts *opts,
                               struct ks_inventory *inv, struct ks_err *err);
enum ks_code inv_open_function(const char *zip, const struct ks_inventory_opts *opts,
                               struct ks_inventory *inv, struct ks_err *err);
enum ks_code inv_open_repo(const char *path, const struct ks_inventory_opts *opts,
                           struct ks_inventory *inv, struct ks_err *err);
/* Is the directory an OCI image layout (oci-layout + index.json)? */
bool inv_is_oci_layout(const char *dir);

/* --- after extraction ------------------------------------------------------ */

/* Distroless Debian: no os-release, but dpkg's base-files says the release. */
enum ks_code inv_os_from_packages(struct ks_inventory *inv, bool *changed);
/* On a live root: uname -r into os.kernel (host_linux.c). */
const char *inv_running_kernel(struct ks_arena *a);
/* Flag kernel image packages, and the one matching os.kernel as running. */
void inv_mark_kernels(struct ks_inventory *inv);
/* Re-derive ecosystem and purl of OS packages after the OS changed. */
enum ks_code inv_restamp_os_packages(struct ks_inventory *inv, struct ks_err *err);

#endif
