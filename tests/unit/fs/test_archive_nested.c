/*
 * test_archive_nested.c: the archive backend as the jar extractor uses it,
 * on archives built here with libarchive's writer: a war holding a jar
 * holding a jar (nested reads to depth), a deflate bomb inside a jar
 * (refused by ratio), bytes that are not an archive, a tar with a hardlink
 * and an entry that climbs out of the root, the depth limit, prefetch, and
 * ks_fs_file_seek on memory files.
 */
#include "test.h"

#include "fs/fs.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>

struct entry {
    const char *path;
    const void *data;
    size_t len;
    const char *hardlink; /* tar only */
};

/* Build an archive in memory (zip when zip is true, else tar). Caller frees. */
static void *
build(bool zip, const struct entry *e, size_t n, size_t *len)
{
    size_t cap = 64 << 20, used = 0;
    void *buf = malloc(cap);
    struct archive *a = archive_write_new();

    if (zip)
        archive_write_set_format_zip(a);
    else
        archive_write_set_format_pax_restricted(a);
    archive_write_open_memory(a, buf, cap, &used);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *ae = archive_entry_new();

        archive_entry_set_pathname(ae, e[i].path);
        archive_entry_set_perm(ae, 0644);
        if (e[i].hardlink != NULL) {
            archive_entry_set_filetype(ae, AE_IFREG);
            archive_entry_set_hardlink(ae, e[i].hardlink);
            archive_entry_set_size(ae, 0);
        } else {
            archive_entry_set_filetype(ae, AE_IFREG);
            archive_entry_set_size(ae, (la_int64_t)e[i].len);
        }
        archive_write_header(a, ae);
        if (e[i].hardlink == NULL && e[i].len > 0)
            archive_write_data(a, e[i].data, e[i].len);
        archive_entry_free(ae);
    }
    archive_write_close(a);
    archive_write_free(a);
    *len = used;
    return buf;
}

static void
test_nested(void)
{
    struct entry inner_e[] = {{"META-INF/maven/g/a/pom.properties", "version=1.2\n", 12, NULL}};
    size_t inner_len, mid_len, war_len;
    void *inner = build(true, inner_e, 1, &inner_len);
    struct entry mid_e[] = {{"BOOT-INF/lib/inner.jar", inner, inner_len, NULL},
                            {"META-INF/MANIFEST.MF", "Manifest-Version: 1.0\n", 22, NULL}};
    void *mid = build(true, mid_e, 2, &mid_len);
    struct entry war_e[] = {{"WEB-INF/lib/mid.jar", mid, mid_len, NULL}};
    void *war = build(true, war_e, 1, &war_len);
    struct ks_fs *w = NULL, *m = NULL, *i = NULL;
    struct ks_err err = KS_ERR_INIT;
    struct ks_buf out = KS_BUF_INIT(1 << 20);
    const char *pp = "META-INF/maven/g/a/pom.properties";

    CHECK_OK(ks_fs_open_archive_mem(NULL, "app.war", war, war_len, &w, &err));
    CHECK_OK(ks_fs_open_nested(w, "WEB-INF/lib/mid.jar", &m, &err));
    CHECK_STR(ks_fs_name(m), "app.war!WEB-INF/lib/mid.jar");
    CHECK_INT(ks_fs_depth(m), 1);
    CHECK_OK(ks_fs_open_nested(m, "BOOT-INF/lib/inner.jar", &i, &err));
    CHECK_INT(ks_fs_depth(i), 2);
    CHECK_OK(ks_fs_prefetch(i, &pp, 1, &err));
    CHECK_OK(ks_fs_read(i, pp, 1 << 20, &out, &err));
    CHECK_STR(out.data, "version=1.2\n");
    ks_buf_reset(&out);
    CHECK_OK(ks_fs_read(m, "META-INF/MANIFEST.MF", 1 << 20, &out, &err));
    CHECK_STR(out.data, "Manifest-Version: 1.0\n");
    CHECK_INT(ks_fs_read(m, "nope", 100, &out, &err), KS_ENOTFOUND);
    ks_fs_free(i);
    ks_fs_free(m);
    ks_fs_free(w);
    ks_buf_release(&out);
    free(inner);
    free(mid);
    free(war);
}

static void
test_depth_limit(void)
{
    struct entry e0[] = {{"x.txt", "x", 1, NULL}};
    size_t len;
    void *cur = build(true, e0, 1, &len);
    struct ks_fs_options o = {0};
    struct ks_fs *fs[6] = {0};
    struct ks_err err = KS_ERR_INIT;
    enum ks_code rc = KS_OK;
    int depth = 0;

    for (int k = 0; k < 5; k++) {
        struct entry e[] = {{"n.jar", cur, len, NULL}};
        size_t nlen;
        void *next = build(true, e, 1, &nlen);

        free(cur);
        cur = next;
        len = nlen;
    }
    /* Default depth (8) is deeper than the 5 levels here: all open. */
    CHECK_OK(ks_fs_open_archive_mem(NULL, "top.zip", cur, len, &fs[0], &err));
    for (depth = 1; depth < 6; depth++) {
        rc = ks_fs_open_nested(fs[depth - 1], "n.jar", &fs[depth], &err);
        if (rc != KS_OK)
            break;
    }
    CHECK_INT(depth, 6);
    for (int k = 5; k >= 0; k--) {
        ks_fs_free(fs[k]);
        fs[k] = NULL;
    }
    /* A file archive opened with max_depth 3: the 4th nested level is refused. */
    {
        char path[4096];
        FILE *f;

        snprintf(path, sizeof(path), "%s/deep.zip", ks_test_tmpdir());
        f = fopen(path, "wb");
        fwrite(cur, 1, len, f);
        fclose(f);
        o.limits.max_depth = 3;
        CHECK_OK(ks_fs_open_archive(path, &o, &fs[0], &err));
        for (depth = 1; depth < 6; depth++) {
            rc = ks_fs_open_nested(fs[depth - 1], "n.jar", &fs[depth], &err);
            if (rc != KS_OK)
                break;
        }
        CHECK_INT(depth, 4);
        CHECK_INT(rc, KS_ETOOBIG);
        CHECK_MSG(strstr(err.msg, "nested") != NULL && strstr(err.msg, "3") != NULL, "message: %s", err.msg);
        for (int k = 5; k >= 0; k--)
            ks_fs_free(fs[k]);
    }
    free(cur);
}

static void
test_bomb(void)
{
    size_t zlen = (size_t)100 << 20, jar_len, war_len;
    char *zeros = calloc(1, zlen);
    struct entry be[] = {{"bomb.bin", zeros, zlen, NULL}};
    void *jar = build(true, be, 1, &jar_len);
    struct entry we[] = {{"lib/bomb.jar", jar, jar_len, NULL}};
    void *war = build(true, we, 1, &war_len);
    struct ks_fs *w = NULL, *j = NULL;
    struct ks_err err = KS_ERR_INIT;
    enum ks_code rc;

    CHECK(jar_len < zlen / 200);
    CHECK_OK(ks_fs_open_archive_mem(NULL, "bomb.war", war, war_len, &w, &err));
    rc = ks_fs_open_nested(w, "lib/bomb.jar", &j, &err);
    CHECK_INT(rc, KS_ETOOBIG);
    CHECK_MSG(strstr(err.msg, "bomb") != NULL && strstr(err.msg, "bomb.war!lib/bomb.jar"),
              "message: %s", err.msg);
    ks_fs_free(j);
    ks_fs_free(w);
    free(war);
    free(jar);
    free(zeros);
}

static void
test_not_archive(void)
{
    static const char junk[] = "this is not a zip file, just text that claims to be a jar\n";
    struct ks_fs *fs = NULL;
    struct ks_err err = KS_ERR_INIT;

    CHECK_INT(ks_fs_open_archive_mem(NULL, "bad.jar", junk, sizeof(junk) - 1, &fs, &err),
              KS_EPARSE);
    CHECK_MSG(strstr(err.msg, "bad.jar") != NULL, "message: %s", err.msg);
    CHECK(fs == NULL);
    CHECK_INT(ks_fs_open_archive_mem(NULL, "empty.jar", "", 0, &fs, &err), KS_EPARSE);
}

static enum ks_fs_visit
count_cb(void *ctx, const struct ks_fs_entry *e)
{
    struct ks_buf *b = ctx;

    ks_buf_appendf(b, "%s:%s\n", e->path, ks_fs_type_name(e->type));
    return KS_FS_CONTINUE;
}

static void
test_tar_links_and_escape(void)
{
    struct entry te[] = {{"a/b.txt", "hello", 5, NULL},
                         {"a/c.txt", NULL, 0, "a/b.txt"},
                         {"../evil.txt", "x", 1, NULL},
                         {"a-b/z", "z", 1, NULL}};
    size_t len;
    void *tar = build(false, te, 4, &len);
    char path[4096];
    struct ks_fs *fs = NULL;
    struct ks_err err = KS_ERR_INIT;
    struct ks_buf out = KS_BUF_INIT(1 << 20), listing = KS_BUF_INIT(1 << 20);
    FILE *f;

    snprintf(path, sizeof(path), "%s/t.tar", ks_test_tmpdir());
    f = fopen(path, "wb");
    fwrite(tar, 1, len, f);
    fclose(f);
    CHECK_OK(ks_fs_open_archive(path, NULL, &fs, &err));
    CHECK_OK(ks_fs_walk(fs, count_cb, &listing, &err));
    /* parents first, '../evil.txt' skipped, the "a" subtree contiguous */
    CHECK_STR(listing.data, "a:dir\na/b.txt:file\na/c.txt:file\na-b:dir\na-b/z:file\n");
    CHECK_OK(ks_fs_read(fs, "a/c.txt", 100, &out, &err));
    CHECK_STR(out.data, "hello");
    ks_fs_free(fs);
    ks_buf_release(&out);
    ks_buf_release(&listing);
    free(tar);
}

static void
test_seek(void)
{
    static const char data[] = "0123456789abcdef";
    struct ks_fs_file *f = ks_fs_file_mem(data, 16, "mem");
    struct ks_err err = KS_ERR_INIT;
    char buf[8] = {0};
    size_t got = 0;

    CHECK_OK(ks_fs_file_seek(f, 10, &err));
    CHECK_OK(ks_fs_file_read(f, buf, 3, &got, &err));
    CHECK_INT(got, 3);
    CHECK(memcmp(buf, "abc", 3) == 0);
    CHECK_OK(ks_fs_file_seek(f, 2, &err));
    CHECK_OK(ks_fs_file_read(f, buf, 2, &got, &err));
    CHECK(memcmp(buf, "23", 2) == 0);
    CHECK_OK(ks_fs_file_seek(f, 100, &err));
    CHECK_OK(ks_fs_file_read(f, buf, 2, &got, &err));
    CHECK_INT(got, 0);
    ks_fs_file_close(f);
}

KS_TEST_MAIN(KS_TEST(test_nested), KS_TEST(test_depth_limit), KS_TEST(test_bomb),
             KS_TEST(test_not_archive), KS_TEST(test_tar_links_and_escape), KS_TEST(test_seek))
