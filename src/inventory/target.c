/*
 * target.c: the one place that turns a target argument into an inventory.
 * A table row per kind (`dir:`, `archive:`, `sbom:`; issue 7 adds `image:`,
 * `registry:`, `function:` and `repo:`) names its prefix and its opener; a
 * bare path is recognised by looking at it. The CLI and the scan pipeline
 * both come through ks_inventory_from_target().
 */
#include "inventory/inventory_int.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/banned.h"

typedef enum ks_code (*target_open_fn)(const char *path, const struct ks_inventory_opts *opts,
                                       struct ks_inventory *inv, struct ks_err *err);

static enum ks_code open_dir(const char *path, const struct ks_inventory_opts *opts,
                             struct ks_inventory *inv, struct ks_err *err);
static enum ks_code open_archive(const char *path, const struct ks_inventory_opts *opts,
                                 struct ks_inventory *inv, struct ks_err *err);
static enum ks_code open_sbom(const char *path, const struct ks_inventory_opts *opts,
                              struct ks_inventory *inv, struct ks_err *err);

static const struct {
    enum ks_target_kind kind;
    const char *prefix;
    enum ks_resource_type resource;
    target_open_fn open;
} kinds[] = {
    {KS_TARGET_DIR, "dir", KS_RES_HOST, open_dir},
    {KS_TARGET_ARCHIVE, "archive", KS_RES_HOST, open_archive},
    {KS_TARGET_SBOM, "sbom", KS_RES_SBOM, open_sbom},
    {KS_TARGET_IMAGE, "image", KS_RES_CONTAINER_IMAGE, inv_open_image},
    {KS_TARGET_REGISTRY, "registry", KS_RES_CONTAINER_IMAGE, inv_open_registry},
    {KS_TARGET_FUNCTION, "function", KS_RES_FUNCTION, inv_open_function},
    {KS_TARGET_REPO, "repo", KS_RES_CODE_REPOSITORY, inv_open_repo},
};

const char *
ks_target_kind_name(enum ks_target_kind kind)
{
    if (kind == KS_TARGET_AUTO)
        return "auto";
    for (size_t i = 0; i < KS_ARRAY_LEN(kinds); i++)
        if (kinds[i].kind == kind)
            return kinds[i].prefix;
    return "auto";
}

enum ks_code
ks_target_parse(const char *arg, struct ks_target_spec *out, struct ks_err *err)
{
    const char *colon;

    if (arg == NULL || arg[0] == '\0')
        return ks_err_set(err, KS_EINVAL, "empty target");
    colon = strchr(arg, ':');
    if (colon != NULL && colon > arg) {
        for (size_t i = 0; i < KS_ARRAY_LEN(kinds); i++) {
            size_t n = strlen(kinds[i].prefix);

            if ((size_t)(colon - arg) == n && strncmp(arg, kinds[i].prefix, n) == 0) {
                if (colon[1] == '\0')
                    return ks_err_set(err, KS_EINVAL, "target '%s': nothing after '%s:'", arg,
                                      kinds[i].prefix);
                out->kind = kinds[i].kind;
                out->prefix = kinds[i].prefix;
                out->path = colon + 1;
                return KS_OK;
            }
        }
        /* "word:rest" that is not a known kind: fine if it is an existing path. */
        bool wordlike = true;

        for (const char *p = arg; p < colon; p++)
            if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
                wordlike = false;
        if (wordlike && !ks_path_exists(arg)) {
            struct ks_buf known = KS_BUF_INIT(256);

            for (size_t i = 0; i < KS_ARRAY_LEN(kinds); i++)
                ks_buf_appendf(&known, "%s%s:", i ? ", " : "", kinds[i].prefix);
            ks_err_set(err, KS_EINVAL, "target '%s': unknown kind '%.*s:' (known: %s)", arg,
                       (int)(colon - arg), arg, known.data);
            ks_buf_release(&known);
            return KS_EINVAL;
        }
    }
    out->kind = KS_TARGET_AUTO;
    out->prefix = "";
    out->path = arg;
    return KS_OK;
}

enum ks_code
ks_target_detect(const char *path, enum ks_target_kind *out, struct ks_err *err)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        if (errno == ENOENT)
            return ks_err_set(err, KS_ENOTFOUND, "target '%s': no such file or directory", path);
        return ks_err_set(err, KS_EIO, "target '%s': %s", path, strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) {
        *out = inv_is_oci_layout(path) ? KS_TARGET_IMAGE : KS_TARGET_DIR;
        return KS_OK;
    }
    if (!S_ISREG(st.st_mode))
        return ks_err_set(err, KS_EINVAL, "target '%s': not a directory or a regular file", path);
    {
        unsigned char head[512];
        ssize_t n;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        size_t i = 0;

        if (fd < 0)
            return ks_err_set(err, KS_EIO, "target '%s': %s", path, strerror(errno));
        n = read(fd, head, sizeof(head));
        close(fd);
        if (n < 0)
            return ks_err_set(err, KS_EIO, "target '%s': %s", path, strerror(errno));
        /* A JSON document (after a BOM and whitespace) is an SBOM; anything */
        /* else is handed to libarchive, which knows the archive formats.    */
        if (n >= 3 && head[0] == 0xef && head[1] == 0xbb && head[2] == 0xbf)
            i = 3;
        while (i < (size_t)n && (head[i] == ' ' || head[i] == '\t' || head[i] == '\n' ||
                                 head[i] == '\r'))
            i++;
        *out = i < (size_t)n && head[i] == '{' ? KS_TARGET_SBOM : KS_TARGET_ARCHIVE;
    }
    return KS_OK;
}

static enum ks_code
open_dir(const char *path, const struct ks_inventory_opts *opts, struct ks_inventory *inv,
         struct ks_err *err)
{
    struct ks_fs_options fo;
    struct ks_fs *fs = NULL;
    enum ks_code rc;

    ks_inventory_fs_options(opts, inv, &fo);
    if ((rc = ks_fs_open_dir(path, &fo, &fs, err)) != KS_OK)
        return rc;
    rc = ks_inventory_collect(fs, opts, inv, err);
    if (rc == KS_OK && ks_fs_is_live_root(fs) &&
        ks_kvs_add(&inv->target.details, inv->arena, "liveRoot", "true") != KS_OK)
        rc = ks_err_set(err, KS_ENOMEM, "inventory: out of memory");
    ks_fs_free(fs);
    return rc;
}

static enum ks_code
open_archive(const char *path, const struct ks_inventory_opts *opts, struct ks_inventory *inv,
             struct ks_err *err)
{
    struct ks_fs_options fo;
    struct ks_fs *fs = NULL;
    enum ks_code rc;

    ks_inventory_fs_options(opts, inv, &fo);
    if ((rc = ks_fs_open_archive(path, &fo, &fs, err)) != KS_OK)
        return rc;
    rc = ks_inventory_collect(fs, opts, inv, err);
    ks_fs_free(fs);
    return rc;
}

static enum ks_code
open_sbom(const char *path, const struct ks_inventory_opts *opts, struct ks_inventory *inv,
          struct ks_err *err)
{
    struct ks_buf b = KS_BUF_INIT((size_t)256 << 20);
    enum ks_code rc;

    (void)opts;
    if ((rc = ks_file_read(path, (size_t)256 << 20, &b, err)) == KS_OK &&
        (rc = ks_sbom_read(ks_buf_str(&b), path, inv, err)) == KS_OK) {
        inv_mark_kernels(inv);
        rc = ks_inventory_finish(inv, err);
    }
    ks_buf_release(&b);
    return rc;
}

enum ks_code
ks_inventory_from_target(const char *target, const struct ks_inventory_opts *opts,
                         struct ks_arena *arena, struct ks_inventory **out, struct ks_err *err)
{
    struct ks_target_spec spec;
    struct ks_inventory *inv;
    enum ks_code rc;

    if ((rc = ks_target_parse(target, &spec, err)) != KS_OK)
        return rc;
    if (spec.kind == KS_TARGET_AUTO && (rc = ks_target_detect(spec.path, &spec.kind, err)) != KS_OK)
        return rc;
    inv = ks_inventory_new(arena);
    if (inv == NULL)
        return ks_err_set(err, KS_ENOMEM, "inventory: out of memory");
    for (size_t i = 0; i < KS_ARRAY_LEN(kinds); i++) {
        if (kinds[i].kind != spec.kind)
            continue;
        inv->target.type = kinds[i].resource;
        inv->target.name = ks_arena_strdup(arena, spec.path);
        inv->target.source = kinds[i].prefix;
        if (inv->target.name == NULL)
            return ks_err_set(err, KS_ENOMEM, "inventory: out of memory");
        if ((rc = kinds[i].open(spec.path, opts, inv, err)) != KS_OK)
            return rc;
        *out = inv;
        return KS_OK;
    }
    return ks_err_set(err, KS_EINVAL, "target '%s': kind '%s' cannot be opened", target,
                      ks_target_kind_name(spec.kind));
}
