/*
 * test_archive.c: the archive backend with archives the test writes itself
 * (libarchive's writer): tar and zip, compressed or not, duplicates
 * (the later entry wins), hardlinks, and hostile entries: '../' names,
 * absolute names, symlinks and hardlinks aiming outside, entries under a
 * symlinked directory, zip bombs by ratio and by declared size, archives
 * nested too deep. Nothing may resolve or be read outside the root.
 */
#include "test.h"

#include "fs/fs.h"

#include <stdio.h>
#include <stdlib.h>

#include <archive.h>
#include <archive_entry.h>

struct ent {
    const char *path;
    char type; /* 'f' file, 'd' dir, 'l' symlink, 'h' hardlink */
    const char *data; /* file content, or link target */
    size_t size;      /* 0: strlen(data) for files */
};

/* Write entries as an archive in memory; format "tar", "tgz" or "zip". */
static void *
make_archive(const char *format, const struct ent *ents, size_t n, size_t *len)
{
    struct archive *a = archive_write_new();
    size_t cap = 64 << 20, used = 0;
    void *buf = malloc(cap);

    if (strcmp(format, "zip") == 0) {
        archive_write_set_format_zip(a);
    } else {
        archive_write_set_format_pax_restricted(a);
        if (strcmp(format, "tgz") == 0)
            archive_write_add_filter_gzip(a);
    }
    archive_write_open_memory(a, buf, cap, &used);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        size_t size = ents[i].type == 'f' ? (ents[i].size ? ents[i].size : strlen(ents[i].data))
                                          : 0;

        archive_entry_set_pathname(e, ents[i].path);
        archive_entry_set_perm(e, 0644);
        switch (ents[i].type) {
        case 'd':
            archive_entry_set_filetype(e, AE_IFDIR);
            break;
        case 'l':
            archive_entry_set_filetype(e, AE_IFLNK);
            archive_entry_set_symlink(e, ents[i].data);
            break;
        case 'h':
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_hardlink(e, ents[i].data);
            break;
        default:
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_size(e, (la_int64_t)size);
            break;
        }
        archive_write_header(a, e);
        if (ents[i].type == 'f') {
            if (ents[i].size) {
                char zeros[65536] = {0};

                for (size_t w = 0; w < size; w += sizeof(zeros))
                    archive_write_data(a, zeros, KS_MIN(sizeof(zeros), size - w));
            } else {
                archive_write_data(a, ents[i].data, size);
            }
        }
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
    *len = used;
    return buf;
}

static int warnings;

static void
count_warn(void *ctx, const char *msg)
{
    (void)ctx;
    (void)msg;
    warnings++;
}

static struct ks_fs *
open_mem(const void *data, size_t len)
{
    struct ks_fs *fs = NULL;
    struct ks_err err = KS_ERR_INIT;
    enum ks_code rc;

    rc = ks_fs_open_archive_mem(NULL, "test.tar", data, len, &fs, &err);
    CHECK_MSG(rc == KS_OK, "open: %s", err.msg);
    return fs;
}

static char *
read_str(struct ks_fs *fs, const char *path, enum ks_code *rc)
{
    struct ks_buf b = KS_BUF_INIT(1 << 20);
    struct ks_err err = KS_ERR_INIT;

    *rc = ks_fs_read(fs, path, 1 << 20, &b, &err);
    if (*rc != KS_OK) {
        ks_buf_release(&b);
        return NULL;
    }
    return ks_buf_detach(&b, NULL);
}

static void
test_basic_formats(void)
{
    static const struct ent ents[] = {
        {"./etc/", 'd', NULL, 0},
        {"./etc/os-release", 'f', "ID=debian\n", 0},
        {"usr/lib/x", 'f', "old\n", 0},
        {"usr/lib/x", 'f', "new\n", 0}, /* a later entry replaces an earlier one */
        {"usr/bin/hard", 'h', "usr/lib/x", 0},
        {"lib", 'l', "usr/lib", 0},
    };
    static const char *const formats[] = {"tar", "tgz", "zip"};

    for (size_t f = 0; f < KS_ARRAY_LEN(formats); f++) {
        size_t len;
        void *data = make_archive(formats[f], ents, KS_ARRAY_LEN(ents), &len);
        struct ks_fs *fs = open_mem(data, len);
        enum ks_code rc;
        char *s;

        if (fs == NULL) {
            free(data);
            continue;
        }
        CHECK_STR(ks_fs_kind(fs), "archive");
        s = read_str(fs, "etc/os-release", &rc);
        CHECK_STR(s, "ID=debian\n");
        ks_free(s);
        s = read_str(fs, "lib/x", &rc); /* through the symlink */
        CHECK_STR(s, "new\n");
        ks_free(s);
        if (strcmp(formats[f], "zip") != 0) { /* zip has no hardlinks */
            s = read_str(fs, "usr/bin/hard", &rc);
            CHECK_STR(s, "new\n");
            ks_free(s);
        }
        ks_fs_free(fs);
        free(data);
    }
}

static void
test_prefetch_then_read(void)
{
    static const struct ent ents[] = {
        {"a", 'f', "A", 0}, {"b", 'f', "B", 0}, {"c/d", 'f', "D", 0},
    };
    const char *want[] = {"a", "c/d", "missing"};
    size_t len;
    void *data = make_archive("tgz", ents, KS_ARRAY_LEN(ents), &len);
    struct ks_fs *fs = open_mem(data, len);
    struct ks_err err = KS_ERR_INIT;
    enum ks_code rc;
    char *s;

    if (fs != NULL) {
        CHECK_OK(ks_fs_prefetch(fs, want, 3, &err));
        s = read_str(fs, "c/d", &rc);
        CHECK_STR(s, "D");
        ks_free(s);
        s = read_str(fs, "b", &rc); /* not prefetched: still readable */
        CHECK_STR(s, "B");
        ks_free(s);
        ks_fs_free(fs);
    }
    free(data);
}

struct seen {
    char buf[4096];
};

static enum ks_fs_visit
rec(void *ctx, const struct ks_fs_entry *e)
{
    struct seen *s = ctx;
    size_t n = strlen(s->buf);

    snprintf(s->buf + n, sizeof(s->buf) - n, "[%s]", e->path);
    return strcmp(e->path, "skip") == 0 ? KS_FS_SKIP : KS_FS_CONTINUE;
}

static void
test_walk_sorted_and_pruned(void)
{
    static const struct ent ents[] = {
        {"z", 'f', "1", 0},       {"skip/inner", 'f', "2", 0}, {"a-b", 'f', "3", 0},
        {"a/x", 'f', "4", 0},     {"a/b/c", 'f', "5", 0},
    };
    size_t len;
    void *data = make_archive("tar", ents, KS_ARRAY_LEN(ents), &len);
    struct ks_fs *fs = open_mem(data, len);
    struct ks_err err = KS_ERR_INIT;
    struct seen s = {{0}};

    if (fs != NULL) {
        CHECK_OK(ks_fs_walk(fs, rec, &s, &err));
        /* parents first, '/' before other bytes, implicit dirs listed, skip pruned */
        CHECK_STR(s.buf, "[a][a/b][a/b/c][a/x][a-b][skip][z]");
        ks_fs_free(fs);
    }
    free(data);
}

static void
test_hostile_entries(void)
{
    static const struct ent ents[] = {
        {"../../etc/passwd", 'f', "escaped\n", 0},    /* climbs out: skipped */
        {"/etc/shadow", 'f', "absolute\n", 0},        /* re-rooted as etc/shadow */
        {"ok/../../x", 'f', "escaped\n", 0},          /* climbs out: skipped */
        {"evil", 'l', "/", 0},                        /* symlink to the root */
        {"evil/etc/cron", 'f', "through-link\n", 0},  /* under a symlinked dir: refused */
        {"up", 'l', "../../../../etc", 0},            /* resolves to the root's etc */
        {"hl", 'h', "../../etc/passwd", 0},           /* hardlink out: skipped */
        {"loop1", 'l', "loop2", 0},
        {"loop2", 'l', "loop1", 0},
    };
    size_t len;
    void *data = make_archive("tar", ents, KS_ARRAY_LEN(ents), &len);
    struct ks_fs *fs = NULL;
    struct ks_err err = KS_ERR_INIT;
    enum ks_code rc;
    struct ks_fs_entry e;
    char *s;

    ks_log_set_level(KS_LOG_ERROR);
    CHECK_OK(ks_fs_open_archive_mem(NULL, "hostile.tar", data, len, &fs, &err));
    if (fs == NULL) {
        free(data);
        return;
    }
    CHECK_INT(ks_fs_stat(fs, "etc/passwd", false, &e, &err), KS_ENOTFOUND);
    CHECK_INT(ks_fs_stat(fs, "x", false, &e, &err), KS_ENOTFOUND);
    CHECK_INT(ks_fs_stat(fs, "hl", false, &e, &err), KS_ENOTFOUND);
    s = read_str(fs, "etc/shadow", &rc);
    CHECK_STR(s, "absolute\n");
    ks_free(s);
    s = read_str(fs, "up/shadow", &rc); /* '..' clamped at the root */
    CHECK_STR(s, "absolute\n");
    ks_free(s);
    s = read_str(fs, "evil/etc/shadow", &rc); /* '/' is the archive's root */
    CHECK_STR(s, "absolute\n");
    ks_free(s);
    s = read_str(fs, "evil/etc/cron", &rc);
    CHECK(s == NULL);
    s = read_str(fs, "loop1", &rc);
    CHECK(s == NULL);
    CHECK_INT(rc, KS_ETOOBIG);
    ks_fs_free(fs);
    free(data);
}

static void
test_hostile_warns(void)
{
    static const struct ent ents[] = {
        {"../x", 'f', "escaped\n", 0},
        {"ok", 'f', "fine\n", 0},
    };
    size_t len;
    void *data = make_archive("tar", ents, KS_ARRAY_LEN(ents), &len);
    struct ks_fs *parent = NULL;
    struct ks_fs_options opts = {0};
    struct ks_err err = KS_ERR_INIT;
    char path[4200];
    FILE *f;

    warnings = 0;
    opts.warn = count_warn;
    snprintf(path, sizeof(path), "%s/hostile.tar", ks_test_tmpdir());
    f = fopen(path, "wb");
    fwrite(data, 1, len, f);
    fclose(f);
    CHECK_OK(ks_fs_open_archive(path, &opts, &parent, &err));
    CHECK_INT(warnings, 1);
    ks_fs_free(parent);
    free(data);
}

static void
test_bombs(void)
{
    /* 64 MB of zeros deflate to ~64 KB: a 1000:1 ratio. */
    static const struct ent bomb[] = {{"zeros", 'f', NULL, 64u << 20}};
    size_t len;
    void *data = make_archive("zip", bomb, 1, &len);
    struct ks_fs *fs = NULL, *outer = NULL, *inner = NULL;
    struct ks_err err = KS_ERR_INIT;
    struct ks_fs_options opts = {0};

    /* On its own (no parent) the ratio check still applies to memory archives. */
    CHECK_INT(ks_fs_open_archive_mem(NULL, "bomb.zip", data, len, &fs, &err), KS_ETOOBIG);
    CHECK(strstr(err.msg, "ratio") != NULL);
    /* Inside another archive, opened through ks_fs_open_nested. */
    {
        struct archive *a = archive_write_new();
        struct archive_entry *e = archive_entry_new();
        size_t used = 0, cap = len + 65536;
        void *buf = malloc(cap);

        archive_write_set_format_pax_restricted(a);
        archive_write_open_memory(a, buf, cap, &used);
        archive_entry_set_pathname(e, "lib/bomb.jar");
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)len);
        archive_write_header(a, e);
        archive_write_data(a, data, len);
        archive_entry_free(e);
        archive_write_close(a);
        archive_write_free(a);
        CHECK_OK(ks_fs_open_archive_mem(NULL, "outer.tar", buf, used, &outer, &err));
        if (outer != NULL) {
            CHECK_INT(ks_fs_open_nested(outer, "lib/bomb.jar", &inner, &err), KS_ETOOBIG);
            CHECK(strstr(err.msg, "outer.tar!lib/bomb.jar") != NULL);
            ks_fs_free(outer);
        }
        free(buf);
    }
    /* The total-size budget: a tight limit refuses large declared contents. */
    opts.limits.max_total_bytes = 1 << 20;
    opts.limits.max_ratio = 1000000;
    {
        char path[4200];
        FILE *f;

        snprintf(path, sizeof(path), "%s/big.zip", ks_test_tmpdir());
        f = fopen(path, "wb");
        fwrite(data, 1, len, f);
        fclose(f);
        CHECK_INT(ks_fs_open_archive(path, &opts, &fs, &err), KS_ETOOBIG);
        CHECK(strstr(err.msg, "limit") != NULL);
    }
    free(data);
}

static void
test_nested_depth(void)
{
    /* a.zip contains b.zip contains ... nine levels; the default limit is 8. */
    size_t len;
    void *data;
    struct ent e = {"leaf.txt", 'f', "leaf\n", 0};
    struct ks_fs *fs[12] = {0};
    struct ks_err err = KS_ERR_INIT;
    int depth = 0;
    enum ks_code rc = KS_OK;

    data = make_archive("zip", &e, 1, &len);
    for (int i = 0; i < 9; i++) {
        void *next;
        size_t nlen;
        struct archive *a = archive_write_new();
        struct archive_entry *en = archive_entry_new();
        size_t used = 0, cap = len + 65536;

        next = malloc(cap);
        archive_write_set_format_zip(a);
        archive_write_open_memory(a, next, cap, &used);
        archive_entry_set_pathname(en, "inner.zip");
        archive_entry_set_filetype(en, AE_IFREG);
        archive_entry_set_perm(en, 0644);
        archive_entry_set_size(en, (la_int64_t)len);
        archive_write_header(a, en);
        archive_write_data(a, data, len);
        archive_entry_free(en);
        archive_write_close(a);
        archive_write_free(a);
        free(data);
        data = next;
        nlen = used;
        len = nlen;
    }
    CHECK_OK(ks_fs_open_archive_mem(NULL, "top.zip", data, len, &fs[0], &err));
    for (depth = 0; depth < 10 && fs[depth] != NULL; depth++) {
        rc = ks_fs_open_nested(fs[depth], "inner.zip", &fs[depth + 1], &err);
        if (rc != KS_OK)
            break;
    }
    CHECK_INT(rc, KS_ETOOBIG);
    CHECK_INT(depth, 8);
    CHECK(strstr(err.msg, "nested deeper than 8") != NULL);
    for (int i = 11; i >= 0; i--)
        ks_fs_free(fs[i]);
    free(data);
}

static void
test_not_an_archive(void)
{
    struct ks_fs *fs = NULL;
    struct ks_err err = KS_ERR_INIT;
    static const char junk[] = "this is not an archive at all, just some text\n";

    CHECK_INT(ks_fs_open_archive_mem(NULL, "junk.bin", junk, sizeof(junk) - 1, &fs, &err),
              KS_EPARSE);
    CHECK(strstr(err.msg, "junk.bin") != NULL);
    CHECK_INT(ks_fs_open_archive("/nonexistent/x.tar", NULL, &fs, &err), KS_ENOTFOUND);
}

static void
test_truncated(void)
{
    static const struct ent ents[] = {
        {"a", 'f', "AAAA", 0}, {"b", 'f', "BBBB", 0}, {"c", 'f', "CCCC", 0},
    };
    size_t len;
    void *data = make_archive("tgz", ents, KS_ARRAY_LEN(ents), &len);
    struct ks_fs *fs = NULL;
    struct ks_err err = KS_ERR_INIT;

    /* every cut either opens (with what was listed) or fails cleanly */
    for (size_t cut = 0; cut < len; cut += 7) {
        enum ks_code rc = ks_fs_open_archive_mem(NULL, "cut.tgz", data, cut, &fs, &err);

        CHECK_MSG(rc == KS_OK || rc == KS_EPARSE, "cut %zu: %s", cut, ks_code_name(rc));
        if (rc == KS_OK) {
            struct ks_buf b = KS_BUF_INIT(1 << 16);

            (void)ks_fs_read(fs, "c", 1 << 16, &b, &err);
            ks_buf_release(&b);
            ks_fs_free(fs);
            fs = NULL;
        }
    }
    free(data);
}

KS_TEST_MAIN(KS_TEST(test_basic_formats), KS_TEST(test_prefetch_then_read),
             KS_TEST(test_walk_sorted_and_pruned), KS_TEST(test_hostile_entries),
             KS_TEST(test_hostile_warns), KS_TEST(test_bombs), KS_TEST(test_nested_depth),
             KS_TEST(test_not_an_archive), KS_TEST(test_truncated))
