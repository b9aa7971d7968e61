/*
 * test_fs.c: the fs view's directory backend, path cleaning, globs, the
 * line reader, and above all containment: hostile trees whose symlinks point
 * at the host's files (absolute, ../ chains, loops) must resolve inside the
 * root or fail, never read outside it.
 */
#include "test.h"

#include "fs/fs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[4096];
static char outside[4096];

static void
write_file(const char *rel, const char *content)
{
    char path[8192];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", root, rel);
    f = fopen(path, "w");
    if (f == NULL) {
        perror(path);
        exit(3);
    }
    fputs(content, f);
    fclose(f);
}

static void
mk(const char *rel)
{
    char path[8192];

    snprintf(path, sizeof(path), "%s/%s", root, rel);
    mkdir(path, 0755);
}

static void
ln(const char *target, const char *rel)
{
    char path[8192];

    snprintf(path, sizeof(path), "%s/%s", root, rel);
    if (symlink(target, path) != 0) {
        perror(path);
        exit(3);
    }
}

/* A hostile tree next to a "host" directory holding a secret. */
static void
setup(void)
{
    char path[8192];
    FILE *f;

    if (root[0] != '\0')
        return;
    snprintf(outside, sizeof(outside), "%s/host", ks_test_tmpdir());
    mkdir(outside, 0755);
    snprintf(path, sizeof(path), "%s/secret", outside);
    f = fopen(path, "w");
    fputs("host secret\n", f);
    fclose(f);

    snprintf(root, sizeof(root), "%s/root", ks_test_tmpdir());
    mkdir(root, 0755);
    mk("etc");
    mk("usr");
    mk("usr/lib");
    mk("var");
    mk("var/lib");
    mk("var/lib/dpkg");
    mk("deep");
    mk("deep/a");
    mk("deep/a/b");
    mk("skipme");
    write_file("usr/lib/os-release", "ID=debian\n");
    write_file("var/lib/dpkg/status", "Package: x\n");
    write_file("skipme/hidden", "no\n");
    write_file("secret", "root secret\n");
    ln("../usr/lib/os-release", "etc/os-release");          /* relative, inside */
    ln("/usr/lib/os-release", "etc/abs-os-release");        /* absolute: re-rooted */
    snprintf(path, sizeof(path), "%s/secret", outside);
    ln(path, "etc/host-secret");                          /* absolute path of a host file */
    ln("../../../../../../../../secret", "deep/a/b/climb"); /* '..' clamped at the root */
    ln("../host/secret", "etc/sibling");                    /* escapes to the sibling dir */
    ln("loop2", "etc/loop1");
    ln("loop1", "etc/loop2");
    ln("/", "etc/rootlink");
    ln("/var/lib", "varlib");
    snprintf(path, sizeof(path), "%s/fifo", root);
    mkfifo(path, 0644);
}

static struct ks_fs *
open_root(const struct ks_fs_options *opts)
{
    struct ks_fs *fs = NULL;
    struct ks_err err = KS_ERR_INIT;

    setup();
    CHECK_OK(ks_fs_open_dir(root, opts, &fs, &err));
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
test_containment(void)
{
    struct ks_fs *fs = open_root(NULL);
    enum ks_code rc;
    char *s;

    s = read_str(fs, "etc/os-release", &rc);
    CHECK_STR(s, "ID=debian\n");
    ks_free(s);
    s = read_str(fs, "etc/abs-os-release", &rc);
    CHECK_STR(s, "ID=debian\n");
    ks_free(s);
    /* The host file's absolute path, re-rooted, does not exist in the root. */
    s = read_str(fs, "etc/host-secret", &rc);
    CHECK(s == NULL);
    CHECK_INT(rc, KS_ENOTFOUND);
    /* '..' chains stop at the root: this is the root's secret, not the host's. */
    s = read_str(fs, "deep/a/b/climb", &rc);
    CHECK_STR(s, "root secret\n");
    ks_free(s);
    s = read_str(fs, "etc/sibling", &rc);
    CHECK(s == NULL); /* ../host/secret from etc/ is root/host/secret: absent */
    s = read_str(fs, "etc/loop1", &rc);
    CHECK(s == NULL);
    CHECK_INT(rc, KS_ETOOBIG);
    s = read_str(fs, "etc/rootlink/secret", &rc);
    CHECK_STR(s, "root secret\n");
    ks_free(s);
    s = read_str(fs, "varlib/dpkg/status", &rc);
    CHECK_STR(s, "Package: x\n");
    ks_free(s);
    s = read_str(fs, "/etc/rootlink/etc/rootlink/../../etc/os-release", &rc);
    CHECK_STR(s, "ID=debian\n");
    ks_free(s);
    /* A fifo is listed, never opened for reading (it would block). */
    s = read_str(fs, "fifo", &rc);
    CHECK(s == NULL);
    CHECK_INT(rc, KS_EINVAL);
    s = read_str(fs, "etc", &rc);
    CHECK(s == NULL);
    CHECK_INT(rc, KS_EINVAL);
    ks_fs_free(fs);
}

static void
test_read_outside_path_is_clamped(void)
{
    struct ks_fs *fs = open_root(NULL);
    enum ks_code rc;
    char *s = read_str(fs, "../host/secret", &rc);

    /* '..' above the root stays at the root: root/host/secret does not exist */
    CHECK(s == NULL);
    CHECK_INT(rc, KS_ENOTFOUND);
    s = read_str(fs, "../../secret", &rc);
    CHECK_STR(s, "root secret\n");
    ks_free(s);
    ks_fs_free(fs);
}

static void
test_resolve(void)
{
    struct ks_fs *fs = open_root(NULL);
    struct ks_buf b = KS_BUF_INIT(4096);
    struct ks_err err = KS_ERR_INIT;

    CHECK_OK(ks_fs_resolve(fs, "etc/os-release", &b, &err));
    CHECK_STR(b.data, "usr/lib/os-release");
    ks_buf_reset(&b);
    CHECK_OK(ks_fs_resolve(fs, "varlib/dpkg/missing", &b, &err));
    CHECK_STR(b.data, "var/lib/dpkg/missing");
    ks_buf_reset(&b);
    CHECK_INT(ks_fs_resolve(fs, "nodir/x", &b, &err), KS_ENOTFOUND);
    CHECK_INT(b.len, 0);
    CHECK_INT(ks_fs_resolve(fs, "etc/loop1", &b, &err), KS_ETOOBIG);
    ks_buf_release(&b);
    ks_fs_free(fs);
}

struct walk_rec {
    struct ks_buf seen;
    int files, dirs, links;
};

static enum ks_fs_visit
rec_cb(void *ctx, const struct ks_fs_entry *e)
{
    struct walk_rec *r = ctx;

    ks_buf_appendf(&r->seen, "[%s]", e->path);
    if (e->type == KS_FS_FILE)
        r->files++;
    else if (e->type == KS_FS_DIR)
        r->dirs++;
    else if (e->type == KS_FS_SYMLINK)
        r->links++;
    return KS_FS_CONTINUE;
}

static void
test_walk(void)
{
    const char *skips[] = {"skipme", "**/b"};
    struct ks_fs_options opts = {0};
    struct ks_fs *fs;
    struct walk_rec r = {KS_BUF_INIT(1 << 20), 0, 0, 0};
    struct ks_err err = KS_ERR_INIT;

    opts.skip_globs = skips;
    opts.n_skip_globs = 2;
    fs = open_root(&opts);
    CHECK(!ks_fs_is_live_root(fs));
    CHECK_OK(ks_fs_walk(fs, rec_cb, &r, &err));
    CHECK(strstr(r.seen.data, "[var/lib/dpkg/status]") != NULL);
    CHECK(strstr(r.seen.data, "[etc/os-release]") != NULL);
    CHECK(strstr(r.seen.data, "skipme") == NULL);
    CHECK(strstr(r.seen.data, "deep/a/b") == NULL);
    CHECK(strstr(r.seen.data, "[deep/a]") != NULL);
    /* symlinked directories are reported, not entered */
    CHECK(strstr(r.seen.data, "[etc/rootlink]") != NULL);
    CHECK(strstr(r.seen.data, "etc/rootlink/") == NULL);
    CHECK_INT(r.links, 8); /* deep/a/b/climb is under a skipped dir */
    ks_buf_release(&r.seen);
    ks_fs_free(fs);
}

static void
test_stat(void)
{
    struct ks_fs *fs = open_root(NULL);
    struct ks_fs_entry e;
    struct ks_err err = KS_ERR_INIT;

    CHECK_OK(ks_fs_stat(fs, "etc/os-release", false, &e, &err));
    CHECK_INT(e.type, KS_FS_SYMLINK);
    CHECK_STR(e.link, "../usr/lib/os-release");
    CHECK_OK(ks_fs_stat(fs, "etc/os-release", true, &e, &err));
    CHECK_INT(e.type, KS_FS_FILE);
    CHECK_INT(e.size, 10);
    CHECK_STR(e.path, "usr/lib/os-release");
    ks_fs_free(fs);
}

static void
test_read_limit(void)
{
    struct ks_fs *fs = open_root(NULL);
    struct ks_buf b = KS_BUF_INIT(1 << 20);
    struct ks_err err = KS_ERR_INIT;

    ks_buf_appends(&b, "keep");
    CHECK_INT(ks_fs_read(fs, "secret", 5, &b, &err), KS_ETOOBIG);
    CHECK_STR(b.data, "keep");
    CHECK(strstr(err.msg, "secret") != NULL);
    ks_buf_release(&b);
    ks_fs_free(fs);
}

static void
test_path_clean(void)
{
    static const struct {
        const char *in, *want; /* want NULL: refused */
    } cases[] = {
        {"/etc/passwd", "etc/passwd"},
        {"./a//b/./c/", "a/b/c"},
        {"a/../b", "b"},
        {"../etc", NULL},
        {"a/../../b", NULL},
        {"/", NULL},
        {"", NULL},
        {"a/b/..", "a"},
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct ks_buf b = KS_BUF_INIT(4096);
        bool ok = ks_fs_path_clean(ks_str_c(cases[i].in), &b);

        CHECK_MSG(ok == (cases[i].want != NULL), "case %zu '%s'", i, cases[i].in);
        if (ok)
            CHECK_STR(b.data, cases[i].want);
        ks_buf_release(&b);
    }
}

static void
test_glob(void)
{
    static const struct {
        const char *pat, *path;
        bool want;
    } cases[] = {
        {"var/lib/dpkg/status", "var/lib/dpkg/status", true},
        {"var/lib/dpkg/status", "x/var/lib/dpkg/status", false},
        {"var/lib/dpkg/status.d/*", "var/lib/dpkg/status.d/libc6", true},
        {"var/lib/dpkg/status.d/*", "var/lib/dpkg/status.d/a/b", false},
        {"var/lib/dpkg/info/*.list", "var/lib/dpkg/info/libc6:amd64.list", true},
        {"**/package.json", "package.json", true},
        {"**/package.json", "a/b/node_modules/x/package.json", true},
        {"**/package.json", "a/package.jsonx", false},
        {"**/node_modules/*/package.json", "node_modules/x/package.json", true},
        {"**/node_modules/*/package.json", "a/node_modules/x/y/package.json", false},
        {"**/*.dist-info/METADATA", "usr/lib/python3/dist-packages/a-1.dist-info/METADATA", true},
        {"**", "anything/at/all", true},
        {"a/**", "a", true},
        {"a/**/z", "a/z", true},
        {"a/**/z", "a/b/c/z", true},
        {"a/**/z", "a/b/c/y", false},
        {"*.jar", "x.jar", true},
        {"*.jar", "d/x.jar", false},
        {"lib?.so", "libc.so", true},
        {"lib[abc].so", "libb.so", true},
        {"lib[!abc].so", "libb.so", false},
        {"lib[a-c].so", "libz.so", false},
        {"/skip", "skip", true},
        {"[", "[", true},
        {"*a*b*c", "xaybzc", true},
        {"*a*b*c", "xaybz", false},
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++)
        CHECK_MSG(ks_fs_glob_match(ks_str_c(cases[i].pat), ks_str_c(cases[i].path)) ==
                      cases[i].want,
                  "glob '%s' vs '%s'", cases[i].pat, cases[i].path);
    CHECK(ks_fs_glob_is_literal(KS_STR("var/lib/dpkg/status")));
    CHECK(!ks_fs_glob_is_literal(KS_STR("var/lib/*/status")));
}

static void
test_line_reader(void)
{
    /* A line far longer than the limit is skipped and reported with its number. */
    struct ks_buf in = KS_BUF_INIT(1 << 22);
    struct ks_fs_file *f;
    struct ks_line_reader r;
    struct ks_str line;
    struct ks_err err = KS_ERR_INIT;

    ks_buf_appends(&in, "first\r\n");
    for (int i = 0; i < 300000; i++)
        ks_buf_appends(&in, "xxxxxxxxxx");
    ks_buf_appends(&in, "\nthird\nlast-no-newline");
    f = ks_fs_file_mem(in.data, in.len, "mem");
    CHECK_OK(ks_line_reader_init(&r, f, 1000));
    CHECK_OK(ks_line_reader_next(&r, &line, &err));
    CHECK(ks_str_eq_c(line, "first"));
    CHECK_INT(ks_line_reader_next(&r, &line, &err), KS_ETOOBIG);
    CHECK_INT(r.line_no, 2);
    CHECK_INT(r.offset, 7);
    CHECK_OK(ks_line_reader_next(&r, &line, &err));
    CHECK(ks_str_eq_c(line, "third"));
    CHECK_INT(r.line_no, 3);
    CHECK_INT(r.offset, 7 + 3000001);
    CHECK_OK(ks_line_reader_next(&r, &line, &err));
    CHECK(ks_str_eq_c(line, "last-no-newline"));
    CHECK_INT(ks_line_reader_next(&r, &line, &err), KS_ENOTFOUND);
    ks_line_reader_release(&r);
    ks_fs_file_close(f);
    ks_buf_release(&in);
}

static void
test_missing_root(void)
{
    struct ks_fs *fs = NULL;
    struct ks_err err = KS_ERR_INIT;

    CHECK_INT(ks_fs_open_dir("/nonexistent/kensa", NULL, &fs, &err), KS_ENOTFOUND);
    CHECK(strstr(err.msg, "/nonexistent/kensa") != NULL);
}

static void
test_live_root(void)
{
    struct ks_fs *fs = NULL;
    struct ks_err err = KS_ERR_INIT;

    CHECK_OK(ks_fs_open_dir("/", NULL, &fs, &err));
    CHECK(ks_fs_is_live_root(fs));
    ks_fs_free(fs);
}

KS_TEST_MAIN(KS_TEST(test_containment), KS_TEST(test_read_outside_path_is_clamped),
             KS_TEST(test_resolve), KS_TEST(test_walk), KS_TEST(test_stat),
             KS_TEST(test_read_limit), KS_TEST(test_path_clean), KS_TEST(test_glob),
             KS_TEST(test_line_reader), KS_TEST(test_missing_root), KS_TEST(test_live_root))
