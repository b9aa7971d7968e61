/*
 * test_targets.c: image: and function: targets end to end through
 * ks_inventory_from_target, on an OCI layout written here (tar layers by
 * libarchive, JSON blobs by hand), so the image fs, the layer attribution
 * of dpkg packages and the resource details also run under ASan and with
 * allocation failures. The tools-based cases are in
 * tests/integration/targets_*.sh.
 */
#include "test.h"

#include "inventory/inventory.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "base/banned.h"

static const char status1[] =
    "Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: "
    "12.4+deb12u5\n"
    "\nPackage: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\n"
    "Version: 1:1.2.11.dfsg-2\n"
    "\nPackage: tar\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.34+dfsg-1.2\n";
/* layer 2: tar removed, zlib1g upgraded, gzip added */
static const char status2[] =
    "Package: base-files\nStatus: install ok installed\nArchitecture: amd64\nVersion: "
    "12.4+deb12u5\n"
    "\nPackage: zlib1g\nStatus: install ok installed\nArchitecture: amd64\nSource: zlib\n"
    "Version: 1:1.2.13.dfsg-1\n"
    "\nPackage: gzip\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1.12-1\n";
static const char osrel[] = "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n";

static char layout[4096];

static void
write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    CHECK(fd >= 0);
    CHECK(write(fd, data, len) == (ssize_t)len);
    close(fd);
}

/* Store data as a blob; digest gets "sha256:<hex>". */
static void
put_blob(const void *data, size_t len, char digest[72])
{
    char hex[65], path[4200];

    ks_sha256_hex(data, len, hex);
    snprintf(digest, 72, "sha256:%s", hex);
    snprintf(path, sizeof(path), "%s/blobs/sha256/%s", layout, hex);
    write_file(path, data, len);
}

struct ent {
    const char *path, *data;
};

/* A gzip tar layer of es; its blob digest, size and diff id. */
static void
make_layer(const struct ent *es, size_t n, char digest[72], size_t *size, char diff[72])
{
    for (int pass = 0; pass < 2; pass++) {
        struct archive *a = archive_write_new();
        size_t cap = 1 << 20, used = 0;
        char *buf = malloc(cap);

        archive_write_set_format_pax_restricted(a);
        if (pass == 1)
            archive_write_add_filter_gzip(a);
        archive_write_set_bytes_in_last_block(a, 1);
        CHECK_INT(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
        for (size_t i = 0; i < n; i++) {
            struct archive_entry *e = archive_entry_new();

            archive_entry_set_pathname(e, es[i].path);
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_perm(e, 0644);
            archive_entry_set_size(e, (la_int64_t)strlen(es[i].data));
            archive_write_header(a, e);
            archive_write_data(a, es[i].data, strlen(es[i].data));
            archive_entry_free(e);
        }
        archive_write_close(a);
        archive_write_free(a);
        if (pass == 0) {
            char hex[65];

            ks_sha256_hex(buf, used, hex);
            snprintf(diff, 72, "sha256:%s", hex);
        } else {
            put_blob(buf, used, digest);
            *size = used;
        }
        free(buf);
    }
}

static void
build_layout(void)
{
    static const struct ent l1[] = {
        {"etc/os-release", osrel},
        {"var/lib/dpkg/status", status1},
    };
    static const struct ent l2[] = {{"var/lib/dpkg/status", status2}};
    char d1[72], d2[72], f1[72], f2[72], cfgd[72], mand[72], path[4200];
    size_t s1, s2;
    struct ks_buf cfg = KS_BUF_INIT(1 << 16), man = KS_BUF_INIT(1 << 16),
                  idx = KS_BUF_INIT(1 << 16);
    struct ks_err err = KS_ERR_INIT;

    snprintf(layout, sizeof(layout), "%s/oci", ks_test_tmpdir());
    snprintf(path, sizeof(path), "%s/blobs/sha256", layout);
    CHECK_OK(ks_mkdir_p(path, 0755, &err));
    make_layer(l1, 2, d1, &s1, f1);
    make_layer(l2, 1, d2, &s2, f2);
    ks_buf_appendf(&cfg,
                   "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\","
                   "\"diff_ids\":[\"%s\",\"%s\"]},\"history\":[{\"created_by\":\"ADD rootfs\"},"
                   "{\"created_by\":\"RUN apt-get upgrade\"}],\"config\":{\"Labels\":"
                   "{\"org.opencontainers.image.base.name\":\"debian:12\"}}}",
                   f1, f2);
    put_blob(cfg.data, cfg.len, cfgd);
    ks_buf_appendf(
        &man,
        "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
        "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
        "\"digest\":\"%s\",\"size\":%zu},\"layers\":["
        "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s\","
        "\"size\":%zu},"
        "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"%s\","
        "\"size\":%zu}]}",
        cfgd, cfg.len, d1, s1, d2, s2);
    put_blob(man.data, man.len, mand);
    ks_buf_appendf(&idx,
                   "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                   "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"%s\",\"size\":%zu,"
                   "\"annotations\":{\"org.opencontainers.image.ref.name\":\"v1\"}}]}",
                   mand, man.len);
    snprintf(path, sizeof(path), "%s/index.json", layout);
    write_file(path, idx.data, idx.len);
    snprintf(path, sizeof(path), "%s/oci-layout", layout);
    write_file(path, "{\"imageLayoutVersion\":\"1.0.0\"}", 30);
    ks_buf_release(&cfg);
    ks_buf_release(&man);
    ks_buf_release(&idx);
}

static const struct ks_pkg *
find(const struct ks_inventory *inv, const char *name)
{
    for (size_t i = 0; i < inv->n_pkgs; i++)
        if (strcmp(inv->pkgs[i]->name, name) == 0)
            return inv->pkgs[i];
    return NULL;
}

static void
test_image_layers(void)
{
    char cache[4200];
    struct ks_arena *a = ks_arena_new(0);
    struct ks_inventory *inv = NULL;
    struct ks_err err = KS_ERR_INIT;
    char target[4200];
    const char *l1, *l2;

    /* Never the user's own cache (~/.cache/kensa). */
    snprintf(cache, sizeof(cache), "%s/cache", ks_test_tmpdir());
    setenv("KENSA_CACHE_DIR", cache, 1);
    build_layout();
    snprintf(target, sizeof(target), "image:%s:v1", layout);
    CHECK_OK(ks_inventory_from_target(target, NULL, a, &inv, &err));
    if (inv == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        ks_arena_free(a);
        return;
    }
    CHECK_INT(inv->target.type, KS_RES_CONTAINER_IMAGE);
    CHECK_INT(inv->n_pkgs, 3);
    CHECK(find(inv, "tar") == NULL);
    l1 = ks_kvs_get(&inv->target.details, "layer.0.diffId");
    l2 = ks_kvs_get(&inv->target.details, "layer.1.diffId");
    CHECK(l1 != NULL && l2 != NULL);
    CHECK_STR(ks_kvs_get(&inv->target.details, "baseImage"), "debian:12");
    CHECK_STR(ks_kvs_get(&inv->target.details, "tag"), "v1");
    if (find(inv, "base-files") && find(inv, "zlib1g") && find(inv, "gzip")) {
        CHECK_STR(find(inv, "base-files")->layer, l1);
        CHECK_STR(find(inv, "zlib1g")->layer, l2);
        CHECK_STR(find(inv, "zlib1g")->version, "1:1.2.13.dfsg-1");
        CHECK_STR(find(inv, "gzip")->layer, l2);
        CHECK_STR(ks_kvs_get(&find(inv, "base-files")->meta, "layerCreatedBy"), "ADD rootfs");
    }
    CHECK_STR(inv->os.id, "debian");
    ks_arena_free(a);
}

/* rm -rf dir (a scratch layer cache). */
static void
rm_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        char p[4600];
        struct stat st;

        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            rm_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* cold: every run starts from an empty layer cache (else the first runs fill it). */
static void
alloc_failures(const char *target, const char *cold)
{
    for (size_t n = 1; n < 20000; n++) {
        struct ks_arena *a = ks_arena_new(0);
        struct ks_inventory *inv = NULL;
        struct ks_err err = KS_ERR_INIT;
        enum ks_code rc;

        if (cold != NULL)
            rm_tree(cold);

        ks_alloc_fail_at(n);
        rc = ks_inventory_from_target(target, NULL, a, &inv, &err);
        ks_alloc_fail_at(0);
        ks_arena_free(a);
        /* Failing allocations may surface as a failed read, never as a crash. */
        CHECK_MSG(rc == KS_OK || rc == KS_ENOMEM || rc == KS_EIO || rc == KS_EPARSE,
                  "n=%zu rc=%s %s", n, ks_code_name(rc), err.msg);
        if (rc == KS_OK) {
            /* The first n that succeeds: every allocation of a full run was tried. */
            CHECK_MSG(n > 100, "succeeded after only %zu allocations", n);
            break;
        }
    }
}

/*
 * Every allocation fails once: with the per-layer cache off, cold (every
 * layer streamed and stored) and warm (every layer replayed from it).
 */
static void
test_image_alloc_failures(void)
{
    char target[4200], dir[4200];

    snprintf(target, sizeof(target), "image:%s:v1", layout);
    setenv("KENSA_LAYER_CACHE_MAX", "off", 1);
    alloc_failures(target, NULL);
    setenv("KENSA_LAYER_CACHE_MAX", "64M", 1);
    snprintf(dir, sizeof(dir), "%s/alloc-cache", ks_test_tmpdir());
    setenv("KENSA_CACHE_DIR", dir, 1);
    alloc_failures(target, dir);
    {
        struct ks_arena *a = ks_arena_new(0);
        struct ks_inventory *inv = NULL;
        struct ks_err err = KS_ERR_INIT;

        CHECK_OK(ks_inventory_from_target(target, NULL, a, &inv, &err));
        ks_arena_free(a);
    }
    alloc_failures(target, NULL);
    unsetenv("KENSA_LAYER_CACHE_MAX");
}

static void
test_bad_targets(void)
{
    struct ks_arena *a = ks_arena_new(0);
    struct ks_inventory *inv = NULL;
    struct ks_err err = KS_ERR_INIT;
    char target[4200];

    snprintf(target, sizeof(target), "image:%s:nosuch", layout);
    CHECK_INT(ks_inventory_from_target(target, NULL, a, &inv, &err), KS_ENOTFOUND);
    CHECK(strstr(err.msg, "nosuch") != NULL);
    CHECK_INT(ks_inventory_from_target("registry:Bad Ref", NULL, a, &inv, &err), KS_EINVAL);
    CHECK_INT(ks_inventory_from_target("function:/nonexistent.zip", NULL, a, &inv, &err),
              KS_ENOTFOUND);
    ks_arena_free(a);
}

KS_TEST_MAIN(KS_TEST(test_image_layers), KS_TEST(test_image_alloc_failures),
             KS_TEST(test_bad_targets))
