/*
 * test_rpm.c: the rpmdb readers against go-rpmdb's real databases and their
 * expected package lists (packages.csv: Amazon Linux 2023 sqlite, SLE 15
 * NDB), the Mariner sqlite DB with its curl golden, the small Berkeley DB
 * fixtures (epoch edge cases), and broken input: truncated files, corrupt
 * pages and slots, hostile header blobs.
 */
#include "test.h"
#include "tree.h"

#include "inventory/inventory.h"

static struct ks_arena *arena;

static const char *last_root;

static struct ks_inventory *
scan_db(const char *fixture, const char *dst)
{
    static int n;
    char name[64];
    const char *root;

    snprintf(name, sizeof(name), "db%d", ++n);
    root = last_root = tree_new(name);
    struct ks_inventory *inv = NULL;
    struct ks_err err = KS_ERR_INIT;
    char target[4200];

    ks_log_set_level(KS_LOG_ERROR);
    tree_copy_fixture(root, dst, fixture);
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

static const char *
or_empty(const char *s)
{
    return s ? s : "";
}

/*
 * Compare with go-rpmdb's packages.csv ('¶'-separated: epoch, name, version,
 * release, arch, sourcerpm, size, license, vendor, summary, sigmd5).
 */
static void
compare_csv(const struct ks_inventory *inv, const char *csv)
{
    struct ks_buf b = KS_BUF_INIT(1 << 22);
    struct ks_err err = KS_ERR_INIT;
    struct ks_cur cur;
    struct ks_str line;
    size_t rows = 0;

    CHECK_OK(ks_file_read(ks_test_data(csv), 1 << 22, &b, &err));
    cur = ks_cur_make(b.data, b.len);
    while (ks_cur_line(&cur, 1 << 20, &line) == KS_OK) {
        struct ks_str f[11], rest = line;
        size_t n = 0;
        char name[256], want_version[512];
        const struct ks_pkg *p;

        if (line.len == 0)
            continue;
        while (n < 11) {
            const char *sep = NULL;

            for (size_t i = 0; i + 1 < rest.len; i++)
                if ((unsigned char)rest.ptr[i] == 0xc2 && (unsigned char)rest.ptr[i + 1] == 0xb6) {
                    sep = rest.ptr + i;
                    break;
                }
            if (sep == NULL) {
                f[n++] = rest;
                break;
            }
            f[n++] = ks_str_make(rest.ptr, (size_t)(sep - rest.ptr));
            rest = ks_str_make(sep + 2, rest.len - (size_t)(sep - rest.ptr) - 2);
        }
        CHECK_MSG(n >= 10, "csv row has %zu fields", n);
        if (n < 10)
            continue;
        rows++;
        snprintf(name, sizeof(name), KS_STR_FMT, KS_STR_ARG(f[1]));
        p = find(inv, name);
        CHECK_MSG(p != NULL, "package '%s' missing", name);
        if (p == NULL)
            continue;
        if (f[0].len > 0)
            snprintf(want_version, sizeof(want_version), KS_STR_FMT ":" KS_STR_FMT "-" KS_STR_FMT,
                     KS_STR_ARG(f[0]), KS_STR_ARG(f[2]), KS_STR_ARG(f[3]));
        else
            snprintf(want_version, sizeof(want_version), KS_STR_FMT "-" KS_STR_FMT,
                     KS_STR_ARG(f[2]), KS_STR_ARG(f[3]));
        CHECK_STR(p->version, want_version);
        CHECK_MSG(ks_str_eq_c(f[0], or_empty(p->epoch)), "%s: epoch '%s' vs '%.*s'", name,
                  or_empty(p->epoch), (int)f[0].len, f[0].ptr);
        CHECK_MSG(ks_str_eq_c(f[4], or_empty(p->arch)), "%s: arch", name);
        CHECK_MSG(ks_str_eq_c(f[7], or_empty(p->license)), "%s: license '%s'", name,
                  or_empty(p->license));
        CHECK_MSG(ks_str_eq_c(f[8], or_empty(p->vendor)), "%s: vendor '%s'", name,
                  or_empty(p->vendor));
        if (!ks_str_eq_c(f[5], "(none)"))
            CHECK_MSG(ks_str_eq_c(f[5], or_empty(ks_kvs_get(&p->meta, "sourcerpm"))),
                      "%s: sourcerpm", name);
    }
    CHECK_INT(rows, inv->n_pkgs);
    ks_buf_release(&b);
}

static void
test_al2023_sqlite(void)
{
    struct ks_inventory *inv = scan_db("fixtures/rpm/go-rpmdb/amazonlinux2023-plain/rpmdb.sqlite",
                                       "var/lib/rpm/rpmdb.sqlite");
    const struct ks_pkg *p;

    if (inv == NULL)
        return;
    CHECK_INT(inv->n_pkgs, 103);
    CHECK_INT(inv->n_warnings, 0);
    compare_csv(inv, "fixtures/rpm/go-rpmdb/amazonlinux2023-plain/packages.csv");
    p = find(inv, "openssl-libs");
    if (p != NULL) {
        CHECK_STR(p->epoch, "1");
        CHECK_STR(p->base_version, "3.0.8");
        CHECK_STR(p->release, "1.amzn2023.0.4");
        CHECK_STR(p->source_name, "openssl");
        CHECK_STR(p->source_version, "1:3.0.8-1.amzn2023.0.4");
        CHECK_STR(p->ecosystem, "Amazon Linux"); /* no os-release in the fixture root */
        CHECK_STR(p->purl, "pkg:rpm/amazonlinux/openssl-libs@3.0.8-1.amzn2023.0.4?arch=x86_64&epoch=1");
        CHECK(p->n_files > 0);
    }
    /* no epoch in the header means none, not 0 */
    p = find(inv, "bash");
    if (p != NULL)
        CHECK(p->epoch == NULL);
}

static void
test_al2023_with_os_release(void)
{
    const char *root = tree_new("al2023");
    struct ks_inventory *inv = NULL;
    struct ks_err err = KS_ERR_INIT;
    const struct ks_pkg *p;
    char target[4200];

    tree_copy_fixture(root, "usr/lib/sysimage/rpm/rpmdb.sqlite",
                      "fixtures/rpm/go-rpmdb/amazonlinux2023-plain/rpmdb.sqlite");
    tree_write_str(root, "etc/os-release", "NAME=\"Amazon Linux\"\nID=\"amzn\"\nVERSION_ID=\"2023\"\n");
    ks_arena_free(arena);
    arena = ks_arena_new(1 << 16);
    snprintf(target, sizeof(target), "dir:%s", root);
    CHECK_OK(ks_inventory_from_target(target, NULL, arena, &inv, &err));
    if (inv == NULL)
        return;
    p = find(inv, "openssl-libs");
    CHECK(p != NULL);
    if (p != NULL) {
        CHECK_STR(p->ecosystem, "Amazon Linux:2023");
        CHECK_STR(p->purl, "pkg:rpm/amazonlinux/openssl-libs@3.0.8-1.amzn2023.0.4"
                           "?arch=x86_64&distro=amzn-2023&epoch=1");
    }
    /* ownership from BASENAMES/DIRNAMES/DIRINDEXES */
    CHECK(ks_inventory_owner(inv, "usr/bin/bash") == find(inv, "bash"));
}

static void
test_mariner_sqlite_wal(void)
{
    /* A WAL-mode database: read from memory, nothing written beside it. */
    struct ks_inventory *inv = scan_db("fixtures/rpm/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite",
                                       "var/lib/rpm/rpmdb.sqlite");
    const struct ks_pkg *p;
    char wal[4200];

    if (inv == NULL)
        return;
    CHECK_INT(inv->n_pkgs, 129);
    p = find(inv, "curl");
    CHECK(p != NULL);
    if (p != NULL) {
        /* curl.json: Epoch null, 7.76.0-6.cm2, x86_64, MIT, Microsoft Corporation */
        CHECK_STR(p->version, "7.76.0-6.cm2");
        CHECK(p->epoch == NULL);
        CHECK_STR(p->arch, "x86_64");
        CHECK_STR(p->license, "MIT");
        CHECK_STR(p->vendor, "Microsoft Corporation");
        CHECK_STR(p->source_name, "curl");
        CHECK_STR(p->ecosystem, "Azure Linux");
    }
    snprintf(wal, sizeof(wal), "%s/var/lib/rpm/rpmdb.sqlite-wal", last_root);
    CHECK(!ks_path_exists(wal));
    snprintf(wal, sizeof(wal), "%s/var/lib/rpm/rpmdb.sqlite", last_root);
    CHECK(ks_path_exists(wal));
}

static void
test_sle15_ndb(void)
{
    struct ks_inventory *inv =
        scan_db("fixtures/rpm/go-rpmdb/sle15-bci/Packages.db", "var/lib/rpm/Packages.db");

    if (inv == NULL)
        return;
    CHECK_INT(inv->n_pkgs, 36);
    CHECK_INT(inv->n_warnings, 0);
    compare_csv(inv, "fixtures/rpm/go-rpmdb/sle15-bci/packages.csv");
    if (find(inv, "filesystem"))
        CHECK_STR(find(inv, "filesystem")->ecosystem, "SUSE");
}

static void
test_bdb(void)
{
    struct ks_inventory *inv =
        scan_db("fixtures/rpm/go-rpmdb/libuuid/Packages", "var/lib/rpm/Packages");
    const struct ks_pkg *p;

    if (inv == NULL)
        return;
    CHECK_INT(inv->n_pkgs, 1);
    p = find(inv, "libuuid");
    CHECK(p != NULL);
    inv = scan_db("fixtures/rpm/osv-scalibr/Packages_epoch", "var/lib/rpm/Packages");
    if (inv == NULL)
        return;
    p = find(inv, "hello");
    CHECK(p != NULL);
    if (p != NULL) {
        CHECK_STR(p->version, "1:0.0.1-rls");
        CHECK_STR(p->epoch, "1");
        CHECK_STR(p->purl, "pkg:rpm/hello@0.0.1-rls?arch=x86_64&epoch=1");
    }
}

static void
test_prefers_current_format(void)
{
    /* A stale BDB beside the sqlite DB is not read. */
    const char *root = tree_new("both");
    struct ks_inventory *inv = NULL;
    struct ks_err err = KS_ERR_INIT;
    char target[4200];

    tree_copy_fixture(root, "var/lib/rpm/rpmdb.sqlite",
                      "fixtures/rpm/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite");
    tree_copy_fixture(root, "var/lib/rpm/Packages", "fixtures/rpm/osv-scalibr/Packages_epoch");
    ks_arena_free(arena);
    arena = ks_arena_new(1 << 16);
    snprintf(target, sizeof(target), "dir:%s", root);
    CHECK_OK(ks_inventory_from_target(target, NULL, arena, &inv, &err));
    if (inv != NULL) {
        CHECK_INT(inv->n_pkgs, 129);
        CHECK(find(inv, "hello") == NULL);
    }
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
test_corrupt_files(void)
{
    struct ks_buf b = KS_BUF_INIT((size_t)64 << 20);
    struct ks_err err = KS_ERR_INIT;
    const char *root;
    struct ks_inventory *inv;
    char target[4200];

    /* NDB with a slot pointing outside the file and a damaged blob header. */
    CHECK_OK(ks_file_read(ks_test_data("fixtures/rpm/go-rpmdb/sle15-bci/Packages.db"), 1 << 22,
                          &b, &err));
    b.data[32 + 8] = (char)0xff; /* slot 2: block offset */
    b.data[32 + 9] = (char)0xff;
    b.data[32 + 10] = (char)0xff;
    root = tree_new("corrupt-ndb");
    tree_write(root, "var/lib/rpm/Packages.db", b.data, b.len);
    ks_arena_free(arena);
    arena = ks_arena_new(1 << 16);
    snprintf(target, sizeof(target), "dir:%s", root);
    CHECK_OK(ks_inventory_from_target(target, NULL, arena, &inv, &err));
    CHECK_INT(inv->n_pkgs, 35);
    CHECK(warned(inv, "is outside the file"));

    /* A BDB whose overflow page is overwritten: that record lost, warned. */
    ks_buf_reset(&b);
    CHECK_OK(ks_file_read(ks_test_data("fixtures/rpm/go-rpmdb/libuuid/Packages"), 1 << 22, &b,
                          &err));
    for (size_t pg = 1; pg * 4096 + 26 <= b.len; pg++)
        if ((unsigned char)b.data[pg * 4096 + 25] == 7)
            b.data[pg * 4096 + 25] = 0x55; /* no longer an overflow page */
    root = tree_new("corrupt-bdb");
    tree_write(root, "var/lib/rpm/Packages", b.data, b.len);
    ks_arena_free(arena);
    arena = ks_arena_new(1 << 16);
    snprintf(target, sizeof(target), "dir:%s", root);
    CHECK_OK(ks_inventory_from_target(target, NULL, arena, &inv, &err));
    CHECK_INT(inv->n_pkgs, 0);
    CHECK(warned(inv, "overflow chain reaches a non-overflow page"));

    /* A truncated sqlite DB: an error naming the file, no crash. */
    ks_buf_reset(&b);
    CHECK_OK(ks_file_read(ks_test_data("fixtures/rpm/go-rpmdb/cbl-mariner-2.0/rpmdb.sqlite"),
                          1 << 23, &b, &err));
    root = tree_new("corrupt-sqlite");
    tree_write(root, "var/lib/rpm/rpmdb.sqlite", b.data, b.len / 3);
    ks_arena_free(arena);
    arena = ks_arena_new(1 << 16);
    snprintf(target, sizeof(target), "dir:%s", root);
    CHECK_OK(ks_inventory_from_target(target, NULL, arena, &inv, &err));
    CHECK(inv->n_warnings > 0);
    CHECK(warned(inv, "var/lib/rpm/rpmdb.sqlite"));

    /* Junk where a database should be */
    root = tree_new("junk");
    tree_copy_fixture(root, "var/lib/rpm/Packages", "fixtures/rpm/osv-scalibr/invalid");
    ks_arena_free(arena);
    arena = ks_arena_new(1 << 16);
    snprintf(target, sizeof(target), "dir:%s", root);
    CHECK_OK(ks_inventory_from_target(target, NULL, arena, &inv, &err));
    CHECK(warned(inv, "not a Berkeley DB file"));
    ks_buf_release(&b);
}

/* A minimal header blob builder for the decoder's own tests. */
static size_t
blob_add(unsigned char *idx, size_t *nidx, unsigned char *data, size_t *dl, uint32_t tag,
         uint32_t type, const void *v, size_t vlen, uint32_t count)
{
    unsigned char *e = idx + *nidx * 16;
    uint32_t w[4] = {tag, type, (uint32_t)*dl, count};

    for (int i = 0; i < 4; i++) {
        e[i * 4] = (unsigned char)(w[i] >> 24);
        e[i * 4 + 1] = (unsigned char)(w[i] >> 16);
        e[i * 4 + 2] = (unsigned char)(w[i] >> 8);
        e[i * 4 + 3] = (unsigned char)w[i];
    }
    memcpy(data + *dl, v, vlen);
    *dl += vlen;
    (*nidx)++;
    return *nidx;
}

static size_t
blob_finish(unsigned char *out, const unsigned char *idx, size_t nidx, const unsigned char *data,
            size_t dl)
{
    uint32_t pre[2] = {(uint32_t)nidx, (uint32_t)dl};

    for (int i = 0; i < 2; i++) {
        out[i * 4] = (unsigned char)(pre[i] >> 24);
        out[i * 4 + 1] = (unsigned char)(pre[i] >> 16);
        out[i * 4 + 2] = (unsigned char)(pre[i] >> 8);
        out[i * 4 + 3] = (unsigned char)pre[i];
    }
    memcpy(out + 8, idx, nidx * 16);
    memcpy(out + 8 + nidx * 16, data, dl);
    return 8 + nidx * 16 + dl;
}

static void
test_header_blob(void)
{
    unsigned char idx[16 * 16], data[512], blob[1024];
    size_t nidx = 0, dl = 0, len;
    struct ks_rpm_header h;
    struct ks_err err = KS_ERR_INIT;
    struct ks_arena *a = ks_arena_new(4096);
    const unsigned char epoch0[4] = {0, 0, 0, 0};
    const unsigned char dirindex[8] = {0, 0, 0, 1, 0, 0, 0, 0};

    blob_add(idx, &nidx, data, &dl, 1000, 6, "pkg\0", 4, 1);
    blob_add(idx, &nidx, data, &dl, 1001, 6, "1.0\0", 4, 1);
    blob_add(idx, &nidx, data, &dl, 1002, 6, "1\0", 2, 1);
    while (dl % 4)
        data[dl++] = 0;
    blob_add(idx, &nidx, data, &dl, 1003, 4, epoch0, 4, 1);
    blob_add(idx, &nidx, data, &dl, 1116, 4, dirindex, 8, 2);
    blob_add(idx, &nidx, data, &dl, 1117, 8, "a\0b\0", 4, 2);
    blob_add(idx, &nidx, data, &dl, 1118, 8, "/usr/\0/etc/\0", 12, 2);
    blob_add(idx, &nidx, data, &dl, 1044, 6, "(none)\0", 7, 1);
    len = blob_finish(blob, idx, nidx, data, dl);
    CHECK_OK(ks_rpm_header_parse(blob, len, a, &h, &err));
    CHECK_STR(h.name, "pkg");
    CHECK(h.has_epoch);
    CHECK_INT(h.epoch, 0); /* an epoch of 0 is still an epoch */
    CHECK(h.sourcerpm == NULL);
    CHECK_INT(h.n_basenames, 2);
    CHECK_STR(h.dirnames[h.dirindexes[0]], "/etc/");
    /* every truncation fails cleanly */
    for (size_t cut = 0; cut < len; cut++) {
        enum ks_code rc = ks_rpm_header_parse(blob, cut, a, &h, &err);

        CHECK_MSG(rc == KS_EPARSE, "cut at %zu: %s", cut, ks_code_name(rc));
    }
    /* a string offset past the store, an unterminated string, a huge count */
    blob[8 + 8] = 0x7f;
    CHECK_INT(ks_rpm_header_parse(blob, len, a, &h, &err), KS_EPARSE);
    CHECK(strstr(err.msg, "tag 1000") != NULL);
    len = blob_finish(blob, idx, nidx, data, dl);
    blob[8 + 5 * 16 + 12] = 0x7f; /* BASENAMES count */
    CHECK_INT(ks_rpm_header_parse(blob, len, a, &h, &err), KS_EPARSE);
    ks_arena_free(a);
}

static void
test_zz_cleanup(void)
{
    ks_arena_free(arena);
    arena = NULL;
}

KS_TEST_MAIN(KS_TEST(test_al2023_sqlite), KS_TEST(test_al2023_with_os_release),
             KS_TEST(test_mariner_sqlite_wal), KS_TEST(test_sle15_ndb), KS_TEST(test_bdb),
             KS_TEST(test_prefers_current_format), KS_TEST(test_corrupt_files),
             KS_TEST(test_header_blob), KS_TEST(test_zz_cleanup))
