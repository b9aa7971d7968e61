/*
 * test_image_tree.c: the squash model and layer streaming. Layers are real
 * tar streams written with libarchive (plain, gzip, zstd) into the scratch
 * dir, then read back through verified streams, as images are.
 */
#include "test.h"

#include "fs/image_int.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "base/banned.h"

/* --- writing layers ------------------------------------------------------ */

struct ent {
    const char *path;
    char type; /* f file, d dir, l symlink, h hardlink, c chardev, p fifo */
    const char *data_or_link;
    uint64_t big; /* file of zeros this long (when > 0) */
};

static int layer_no;

/* Write a tar (comp: 'n' none, 'g' gzip, 'z' zstd); returns its path. */
static const char *
write_layer(char comp, const struct ent *es, size_t n)
{
    static char path[4096];
    struct archive *a = archive_write_new();

    snprintf(path, sizeof(path), "%s/layer%d.tar", ks_test_tmpdir(), layer_no++);
    archive_write_set_format_pax_restricted(a);
    if (comp == 'g')
        archive_write_add_filter_gzip(a);
    else if (comp == 'z')
        archive_write_add_filter_zstd(a);
    CHECK_INT(archive_write_open_filename(a, path), ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        const char *d = es[i].data_or_link ? es[i].data_or_link : "";

        archive_entry_set_pathname(e, es[i].path);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_mtime(e, 1700000000, 0);
        switch (es[i].type) {
        case 'f':
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_size(e, es[i].big ? (la_int64_t)es[i].big : (la_int64_t)strlen(d));
            break;
        case 'd':
            archive_entry_set_filetype(e, AE_IFDIR);
            archive_entry_set_perm(e, 0755);
            break;
        case 'l':
            archive_entry_set_filetype(e, AE_IFLNK);
            archive_entry_set_symlink(e, d);
            break;
        case 'h':
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_hardlink(e, d);
            archive_entry_set_size(e, 0);
            break;
        case 'c':
            archive_entry_set_filetype(e, AE_IFCHR);
            archive_entry_set_rdevmajor(e, 1);
            archive_entry_set_rdevminor(e, 3);
            break;
        case 'p':
            archive_entry_set_filetype(e, AE_IFIFO);
            break;
        }
        CHECK_INT(archive_write_header(a, e), ARCHIVE_OK);
        if (es[i].type == 'f') {
            if (es[i].big) {
                static char zeros[65536];
                uint64_t left = es[i].big;

                while (left > 0) {
                    size_t k = left > sizeof(zeros) ? sizeof(zeros) : (size_t)left;

                    archive_write_data(a, zeros, k);
                    left -= k;
                }
            } else
                archive_write_data(a, d, strlen(d));
        }
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    return path;
}

static char *
file_digest(const char *path)
{
    struct ks_buf b = KS_BUF_INIT(1u << 30);
    struct ks_err err = KS_ERR_INIT;
    static char d[IMG_DIGEST_MAX];
    char hex[65];

    CHECK_OK(ks_file_read(path, 1u << 30, &b, &err));
    ks_sha256_hex(b.data, b.len, hex);
    snprintf(d, sizeof(d), "sha256:%s", hex);
    ks_buf_release(&b);
    return d;
}

static int warnings;
static char last_warning[1024];

static void
count_warn(void *ctx, const char *msg)
{
    (void)ctx;
    warnings++;
    snprintf(last_warning, sizeof(last_warning), "%s", msg);
}

static const char *diff_id_want;

static enum ks_code
apply_file(struct img_tree *t, uint16_t layer, const char *path, const char *digest,
           const struct img_limits *lim, struct ks_err *err)
{
    struct img_stream *s = NULL;
    struct img_limits l;
    uint64_t ne = 0, nb = 0;
    int fd = open(path, O_RDONLY);
    struct stat st;
    enum ks_code rc;

    if (lim != NULL)
        l = *lim;
    else
        memset(&l, 0, sizeof(l));
    img_limits_fill(&l);
    fstat(fd, &st);
    rc = img_stream_fd(fd, path, digest, (uint64_t)st.st_size, true, &s, err);
    if (rc != KS_OK)
        return rc;
    rc =
        img_layer_apply(t, layer, path, s, diff_id_want, &l, &ne, &nb, count_warn, NULL, NULL, err);
    img_stream_close(s);
    return rc;
}

static void
apply(struct img_tree *t, uint16_t layer, char comp, const struct ent *es, size_t n)
{
    struct ks_err err = KS_ERR_INIT;
    const char *p = write_layer(comp, es, n);

    CHECK_OK(apply_file(t, layer, p, file_digest(p), NULL, &err));
    if (err.code != KS_OK)
        fprintf(stderr, "apply: %s\n", err.msg);
}

static const struct img_node *
at(struct img_tree *t, const char *path)
{
    uint32_t id = img_tree_lookup(t, ks_str_c(path));

    return id == IMG_NO_NODE ? NULL : img_tree_node(t, id);
}

/* --- tests ---------------------------------------------------------------- */

static void
test_path_clean(void)
{
    static const struct {
        const char *in, *want; /* want NULL: refused */
    } cases[] = {
        {"etc/passwd", "etc/passwd"},
        {"./etc//passwd", "etc/passwd"},
        {"./", ""},
        {"a/./b/../c/", "a/c"},
        {"../x", NULL},
        {"a/../../x", NULL},
        {"/etc/passwd", NULL},
        {"a/b/../..", ""},
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct ks_buf b = KS_BUF_INIT(IMG_MAX_PATH + 1);
        bool ok = img_path_clean(ks_str_c(cases[i].in), &b);

        CHECK_MSG(ok == (cases[i].want != NULL), "clean(%s)", cases[i].in);
        if (ok && cases[i].want)
            CHECK_STR(b.data, cases[i].want);
        ks_buf_release(&b);
    }
}

static void
test_layers_whiteouts(void)
{
    struct img_tree *t = NULL;
    struct ks_err err = KS_ERR_INIT;
    static const struct ent l0[] = {
        {"etc/", 'd', NULL, 0},
        {"etc/os-release", 'f', "ID=debian\n", 0},
        {"etc/passwd", 'f', "root:x:0:0\n", 0},
        {"usr/bin/ls", 'f', "ELF", 0},
        {"bin", 'l', "usr/bin", 0},
        {"opt/app/a.txt", 'f', "a", 0},
        {"opt/app/sub/b.txt", 'f', "b", 0},
        {"var/keep/x", 'f', "x", 0},
    };
    static const struct ent l1[] = {
        {"etc/.wh.passwd", 'f', "", 0},
        {"opt/app/.wh..wh..opq", 'f', "", 0},
        {"opt/app/new.txt", 'f', "new", 0},
        {"usr/bin/ls", 'f', "ELF2", 0},
        {"var/.wh.keep", 'f', "", 0},
        {"var/keep/", 'd', NULL, 0}, /* same layer as its whiteout: stays */
        {"var/keep/y", 'f', "y", 0},
    };
    static const struct ent l2[] = {
        {"bin/sh", 'f', "sh", 0}, /* through the symlink bin -> usr/bin */
    };

    CHECK_OK(img_tree_new(0, &t, &err));
    apply(t, 0, 'g', l0, KS_ARRAY_LEN(l0));
    apply(t, 1, 'z', l1, KS_ARRAY_LEN(l1));
    apply(t, 2, 'n', l2, KS_ARRAY_LEN(l2));
    CHECK(at(t, "etc/os-release") != NULL && at(t, "etc/os-release")->layer == 0);
    CHECK(at(t, "etc/passwd") == NULL);
    CHECK(at(t, "opt/app") != NULL);
    CHECK(at(t, "opt/app/a.txt") == NULL);
    CHECK(at(t, "opt/app/sub") == NULL);
    CHECK(at(t, "opt/app/new.txt") != NULL && at(t, "opt/app/new.txt")->layer == 1);
    CHECK(at(t, "usr/bin/ls") != NULL && at(t, "usr/bin/ls")->layer == 1);
    CHECK(at(t, "usr/bin/ls")->size == 4);
    CHECK(at(t, "var/keep") != NULL);
    CHECK(at(t, "var/keep/x") == NULL);
    CHECK(at(t, "var/keep/y") != NULL);
    CHECK(at(t, "usr/bin/sh") != NULL && at(t, "usr/bin/sh")->layer == 2);
    CHECK(at(t, "bin") != NULL && at(t, "bin")->type == IMG_N_SYMLINK);
    {
        uint32_t id;

        CHECK_OK(img_tree_resolve(t, ks_str_c("bin/sh"), true, &id, &err));
        CHECK(id == img_tree_lookup(t, ks_str_c("usr/bin/sh")));
    }
    img_tree_free(t);
}

static void
test_same_layer_whiteout(void)
{
    struct img_tree *t = NULL;
    struct ks_err err = KS_ERR_INIT;
    static const struct ent l0[] = {{"a/x", 'f', "old", 0}};
    static const struct ent l1[] = {{"a/x", 'f', "new!", 0}, {"a/.wh.x", 'f', "", 0}};
    static const struct ent l2[] = {{"a/.wh.x", 'f', "", 0}};

    CHECK_OK(img_tree_new(0, &t, &err));
    apply(t, 0, 'n', l0, 1);
    apply(t, 1, 'n', l1, 2);
    CHECK(at(t, "a/x") != NULL && at(t, "a/x")->layer == 1 && at(t, "a/x")->size == 4);
    apply(t, 2, 'n', l2, 1);
    CHECK(at(t, "a/x") == NULL);
    CHECK(at(t, "a") != NULL);
    img_tree_free(t);
}

static void
test_hardlinks_and_replacement(void)
{
    struct img_tree *t = NULL;
    struct ks_err err = KS_ERR_INIT;
    static const struct ent l0[] = {
        {"f", 'f', "hello", 0}, {"h", 'h', "f", 0},   {"d/x", 'f', "x", 0},
        {"file", 'f', "z", 0},  {"ln", 'l', "/f", 0}, {"hl", 'h', "ln", 0},
    };
    static const struct ent l1[] = {
        {"f", 'f', "changed!", 0},
        {"d", 'f', "now a file", 0},
        {"file/", 'd', NULL, 0},
        {"file/in", 'f', "in", 0},
    };
    const struct img_node *f, *h;

    CHECK_OK(img_tree_new(0, &t, &err));
    apply(t, 0, 'g', l0, KS_ARRAY_LEN(l0));
    f = at(t, "f");
    h = at(t, "h");
    CHECK(f && h && h->type == IMG_N_FILE && h->data_entry == f->data_entry && h->size == 5);
    CHECK(at(t, "hl") && at(t, "hl")->type == IMG_N_SYMLINK);
    CHECK(ks_str_eq_c(img_tree_link(t, img_tree_lookup(t, ks_str_c("hl"))), "/f"));
    apply(t, 1, 'g', l1, KS_ARRAY_LEN(l1));
    f = at(t, "f");
    h = at(t, "h");
    /* The hardlink keeps the old inode's contents. */
    CHECK(f->data_layer == 1 && h->data_layer == 0 && h->size == 5);
    CHECK(at(t, "d") && at(t, "d")->type == IMG_N_FILE);
    CHECK(at(t, "d/x") == NULL);
    CHECK(at(t, "file") && at(t, "file")->type == IMG_N_DIR);
    CHECK(at(t, "file/in") != NULL);
    img_tree_free(t);
}

static void
test_hostile_entries(void)
{
    struct img_tree *t = NULL;
    struct ks_err err = KS_ERR_INIT;
    static const struct ent l0[] = {
        {"../escape", 'f', "x", 0},
        {"/abs", 'f', "x", 0},
        {"a/../../up", 'f', "x", 0},
        {"dev/sda", 'c', NULL, 0},
        {"stolen", 'h', "../../etc/shadow", 0},
        {"stolen2", 'h', "/etc/shadow", 0},
        {"nothing", 'h', "missing", 0},
        {"etc/.wh...", 'f', "", 0},
        {"../../.wh.x", 'f', "", 0},
        {"evil", 'l', "../../../..", 0},
        {"abs", 'l', "/", 0},
        {"fifo", 'p', NULL, 0},
        {"ok", 'f', "fine", 0},
    };
    static const struct ent l1[] = {
        {"evil/etc/planted", 'f', "p", 0}, /* lands inside the root */
        {"abs/tmp/x", 'f', "p", 0},
    };

    CHECK_OK(img_tree_new(0, &t, &err));
    warnings = 0;
    apply(t, 0, 'n', l0, KS_ARRAY_LEN(l0));
    CHECK_INT(warnings, 9);
    CHECK(strstr(last_warning, "skipping entry") != NULL);
    CHECK(at(t, "escape") == NULL && at(t, "up") == NULL && at(t, "abs/x") == NULL);
    CHECK(at(t, "dev/sda") == NULL);
    CHECK(at(t, "stolen") == NULL && at(t, "stolen2") == NULL && at(t, "nothing") == NULL);
    CHECK(at(t, "ok") != NULL);
    CHECK(at(t, "fifo") && at(t, "fifo")->type == IMG_N_OTHER);
    warnings = 0;
    apply(t, 1, 'n', l1, KS_ARRAY_LEN(l1));
    CHECK_INT(warnings, 0);
    CHECK(at(t, "etc/planted") != NULL);
    CHECK(at(t, "tmp/x") != NULL);
    img_tree_free(t);
}

static void
test_resolve_loops(void)
{
    struct img_tree *t = NULL;
    struct ks_err err = KS_ERR_INIT;
    static const struct ent l0[] = {
        {"a", 'l', "b", 0},
        {"b", 'l', "a", 0},
        {"etc/real", 'f', "r", 0},
        {"etc/rel", 'l', "../etc/./real", 0},
        {"etc/up", 'l', "../../../../etc/real", 0},
        {"etc/absl", 'l', "/etc/real", 0},
    };
    uint32_t id, real;

    CHECK_OK(img_tree_new(0, &t, &err));
    apply(t, 0, 'n', l0, KS_ARRAY_LEN(l0));
    real = img_tree_lookup(t, ks_str_c("etc/real"));
    CHECK_INT(img_tree_resolve(t, ks_str_c("a"), true, &id, &err), KS_ETOOBIG);
    CHECK_OK(img_tree_resolve(t, ks_str_c("a"), false, &id, &err));
    CHECK_OK(img_tree_resolve(t, ks_str_c("etc/rel"), true, &id, &err));
    CHECK(id == real);
    CHECK_OK(img_tree_resolve(t, ks_str_c("etc/up"), true, &id, &err));
    CHECK(id == real);
    CHECK_OK(img_tree_resolve(t, ks_str_c("/etc/absl"), true, &id, &err));
    CHECK(id == real);
    CHECK_INT(img_tree_resolve(t, ks_str_c("etc/nope"), true, &id, &err), KS_ENOTFOUND);
    img_tree_free(t);
}

struct walk_ctx {
    struct ks_buf out;
};

static enum img_visit
collect(void *ctx, uint32_t id, const char *path, size_t len)
{
    struct walk_ctx *w = ctx;

    (void)id;
    ks_buf_append(&w->out, path, len);
    ks_buf_putc(&w->out, ' ');
    return strcmp(path, "skip") == 0 ? IMG_SKIP : IMG_CONTINUE;
}

static void
test_walk_sorted(void)
{
    struct img_tree *t = NULL;
    struct ks_err err = KS_ERR_INIT;
    static const struct ent l0[] = {
        {"z", 'f', "", 0}, {"b/y", 'f', "", 0},     {"b/a", 'f', "", 0},
        {"a", 'f', "", 0}, {"skip/in", 'f', "", 0}, {"b.c", 'f', "", 0},
    };
    struct walk_ctx w = {KS_BUF_INIT(4096)};

    CHECK_OK(img_tree_new(0, &t, &err));
    apply(t, 0, 'n', l0, KS_ARRAY_LEN(l0));
    CHECK_OK(img_tree_walk(t, collect, &w, &err));
    CHECK_STR(w.out.data, "a b b/a b/y b.c skip z ");
    ks_buf_release(&w.out);
    img_tree_free(t);
}

static void
test_digest_mismatch(void)
{
    struct img_tree *t = NULL;
    struct ks_err err = KS_ERR_INIT;
    static const struct ent l0[] = {{"a", 'f', "a", 0}};
    const char *p = write_layer('g', l0, 1);

    CHECK_OK(img_tree_new(0, &t, &err));
    CHECK_INT(apply_file(t, 0, p,
                         "sha256:"
                         "0000000000000000000000000000000000000000000000000000000000000000",
                         NULL, &err),
              KS_EPARSE);
    CHECK(strstr(err.msg, "digest mismatch") != NULL);
    img_tree_free(t);
}

static void
test_diff_id(void)
{
    struct img_tree *t = NULL;
    struct ks_err err = KS_ERR_INIT;
    static const struct ent l0[] = {{"a", 'f', "a", 0}, {"b/c", 'f', "cc", 0}};
    char plain[4096], gz[4096], diff[IMG_DIGEST_MAX], gzd[IMG_DIGEST_MAX];

    snprintf(plain, sizeof(plain), "%s", write_layer('n', l0, 2));
    snprintf(gz, sizeof(gz), "%s", write_layer('g', l0, 2));
    snprintf(diff, sizeof(diff), "%s", file_digest(plain));
    snprintf(gzd, sizeof(gzd), "%s", file_digest(gz));
    CHECK_OK(img_tree_new(0, &t, &err));
    diff_id_want = diff;
    CHECK_OK(apply_file(t, 0, gz, gzd, NULL, &err));
    CHECK_OK(apply_file(t, 1, plain, diff, NULL, &err));
    diff_id_want = gzd; /* the compressed digest is not the diff id */
    CHECK_INT(apply_file(t, 2, gz, gzd, NULL, &err), KS_EPARSE);
    CHECK(strstr(err.msg, "diff id mismatch") != NULL);
    diff_id_want = NULL;
    img_tree_free(t);
}

static void
test_bombs(void)
{
    struct img_tree *t = NULL;
    struct ks_err err = KS_ERR_INIT;
    static const struct ent l0[] = {{"zeros", 'f', NULL, 8u << 20}};
    struct img_limits lim = {0};
    const char *p = write_layer('g', l0, 1);
    char path[4096];

    snprintf(path, sizeof(path), "%s", p);
    CHECK_OK(img_tree_new(0, &t, &err));
    lim.ratio_floor = 1u << 20;
    lim.max_ratio = 100;
    CHECK_INT(apply_file(t, 0, path, file_digest(path), &lim, &err), KS_ETOOBIG);
    CHECK(strstr(err.msg, "decompression bomb") != NULL);
    memset(&lim, 0, sizeof(lim));
    lim.max_layer_bytes = 1u << 20;
    CHECK_INT(apply_file(t, 0, path, file_digest(path), &lim, &err), KS_ETOOBIG);
    CHECK(strstr(err.msg, "zeros") != NULL);
    /* With the default limits the same layer is fine. */
    CHECK_OK(apply_file(t, 0, path, file_digest(path), NULL, &err));
    img_tree_free(t);
}

struct fetch_ctx {
    uint32_t want;
    struct ks_buf got;
    int ends;
};

static int
want_one(void *ctx, uint32_t ordinal, uint64_t size)
{
    (void)size;
    return ordinal == ((struct fetch_ctx *)ctx)->want ? IMG_WANT_READ : IMG_WANT_SKIP;
}

static enum ks_code
take_it(void *ctx, uint32_t ordinal, uint64_t off, const void *data, size_t len, struct ks_err *err)
{
    struct fetch_ctx *f = ctx;

    (void)ordinal;
    (void)off;
    (void)err;
    if (len == 0)
        f->ends++;
    ks_buf_append(&f->got, data, len);
    return KS_OK;
}

static void
test_fetch(void)
{
    struct img_tree *t = NULL;
    struct ks_err err = KS_ERR_INIT;
    static const struct ent l0[] = {
        {"etc/", 'd', NULL, 0},
        {"etc/os-release", 'f', "ID=debian\nVERSION_ID=\"12\"\n", 0},
        {"x", 'f', "other", 0},
    };
    const char *p = write_layer('z', l0, KS_ARRAY_LEN(l0));
    char path[4096];
    struct fetch_ctx f = {0, KS_BUF_INIT(1 << 20), 0};
    struct img_stream *s = NULL;
    struct img_limits lim = {0};
    const struct img_node *n;

    snprintf(path, sizeof(path), "%s", p);
    img_limits_fill(&lim);
    CHECK_OK(img_tree_new(0, &t, &err));
    CHECK_OK(apply_file(t, 0, path, file_digest(path), NULL, &err));
    n = at(t, "etc/os-release");
    CHECK(n != NULL);
    f.want = n->data_entry;
    CHECK_OK(img_stream_fd(open(path, O_RDONLY), path, file_digest(path), 0, false, &s, &err));
    CHECK_OK(img_layer_fetch("l0", s, NULL, &lim, want_one, take_it, &f, &err));
    CHECK_STR(f.got.data, "ID=debian\nVERSION_ID=\"12\"\n");
    CHECK_INT(f.ends, 1);
    img_stream_close(s);
    ks_buf_release(&f.got);
    img_tree_free(t);
}

static void
test_memory_per_node(void)
{
    struct img_tree *t = NULL;
    struct ks_err err = KS_ERR_INIT;
    struct img_tree_stats st;
    char name[64];
    bool skipped;

    CHECK_OK(img_tree_new(0, &t, &err));
    for (uint32_t i = 0; i < 200000; i++) {
        struct img_entry e = {0};

        snprintf(name, sizeof(name), "usr/share/d%03u/file-%06u.txt", i % 500, i);
        e.path = ks_str_c(name);
        e.type = IMG_E_FILE;
        e.size = i;
        CHECK_OK(img_tree_apply(t, 0, i, &e, &skipped, NULL, &err));
    }
    img_tree_stats(t, &st);
    CHECK_INT(st.nodes, 200000 + 500 + 2 + 1);
    /* Compact: well under 128 bytes per path, names included. */
    CHECK_MSG(st.bytes / st.nodes < 128, "%llu bytes per node",
              (unsigned long long)(st.bytes / st.nodes));
    /* Whiteout a whole directory of 400 files. */
    {
        struct img_entry e = {.path = ks_str_c("usr/share/.wh.d007"), .type = IMG_E_FILE};

        CHECK_OK(img_tree_apply(t, 1, 0, &e, &skipped, NULL, &err));
        img_tree_stats(t, &st);
        CHECK_INT(st.nodes, 200000 + 500 + 2 + 1 - 401);
        CHECK(img_tree_lookup(t, ks_str_c("usr/share/d008/file-000008.txt")) != IMG_NO_NODE);
    }
    img_tree_free(t);
}

static void
test_alloc_failures(void)
{
    static const struct ent l0[] = {
        {"etc/os-release", 'f', "ID=debian\n", 0},
        {"bin", 'l', "usr/bin", 0},
        {"usr/bin/x", 'f', "x", 0},
        {"h", 'h', "usr/bin/x", 0},
        {"etc/.wh.os-release", 'f', "", 0},
    };
    const char *p = write_layer('g', l0, KS_ARRAY_LEN(l0));
    char path[4096], digest[IMG_DIGEST_MAX];

    snprintf(path, sizeof(path), "%s", p);
    snprintf(digest, sizeof(digest), "%s", file_digest(path));
    for (size_t n = 1; n < 200; n++) {
        struct img_tree *t = NULL;
        struct ks_err err = KS_ERR_INIT;
        enum ks_code rc;

        ks_alloc_fail_at(n);
        rc = img_tree_new(0, &t, &err);
        if (rc == KS_OK)
            rc = apply_file(t, 0, path, digest, NULL, &err);
        ks_alloc_fail_at(0);
        CHECK_MSG(rc == KS_OK || rc == KS_ENOMEM, "n=%zu rc=%s %s", n, ks_code_name(rc), err.msg);
        img_tree_free(t);
        if (rc == KS_OK)
            break;
    }
}

KS_TEST_MAIN(KS_TEST(test_path_clean), KS_TEST(test_layers_whiteouts),
             KS_TEST(test_same_layer_whiteout), KS_TEST(test_hardlinks_and_replacement),
             KS_TEST(test_hostile_entries), KS_TEST(test_resolve_loops), KS_TEST(test_walk_sorted),
             KS_TEST(test_digest_mismatch), KS_TEST(test_diff_id), KS_TEST(test_bombs),
             KS_TEST(test_fetch), KS_TEST(test_memory_per_node), KS_TEST(test_alloc_failures))
