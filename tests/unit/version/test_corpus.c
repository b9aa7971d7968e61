/*
 * test_corpus.c: every file of every versions/<name>.txt of $KS_DATA_DIR (osv-scalibr's
 * version-ordering vectors, `<a> <op> <b>` per line) as a golden corpus.
 * A line either agrees with Kensa, or names a version its scheme rejects
 * (listed in golden/<file>.rejected), or is a line where the vector
 * disagrees with the ecosystem's real tool (listed with the tool's answer in
 * golden/<file>.differs; each was checked against the tool). Any other
 * outcome fails, and so does a listed line that no longer behaves as listed.
 */
#include "test.h"
#include "version/version.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *file;
    enum ks_scheme scheme;
    const char *golden; /* basename for the .rejected/.differs lists */
} corpora[] = {
    {"alpine-versions.txt", KS_SCHEME_APK, "alpine"},
    {"alpine-versions-generated.txt", KS_SCHEME_APK, "alpine-generated"},
    {"cran-versions.txt", KS_SCHEME_CRAN, "cran"},
    {"cran-versions-generated.txt", KS_SCHEME_CRAN, "cran-generated"},
    {"debian-versions.txt", KS_SCHEME_DPKG, "debian"},
    {"debian-versions-generated.txt", KS_SCHEME_DPKG, "debian-generated"},
    {"hackage-versions.txt", KS_SCHEME_HACKAGE, "hackage"},
    {"maven-versions.txt", KS_SCHEME_MAVEN, "maven"},
    {"maven-versions-generated.txt", KS_SCHEME_MAVEN, "maven-generated"},
    {"nuget-versions.txt", KS_SCHEME_NUGET, "nuget"},
    {"packagist-versions.txt", KS_SCHEME_COMPOSER, "packagist"},
    {"packagist-versions-generated.txt", KS_SCHEME_COMPOSER, "packagist-generated"},
    {"pub-versions.txt", KS_SCHEME_PUB, "pub"},
    {"pypi-versions.txt", KS_SCHEME_PEP440, "pypi"},
    {"pypi-versions-generated.txt", KS_SCHEME_PEP440, "pypi-generated"},
    {"redhat-versions.txt", KS_SCHEME_RPM, "redhat"},
    {"rubygems-versions.txt", KS_SCHEME_RUBYGEMS, "rubygems"},
    {"rubygems-versions-generated.txt", KS_SCHEME_RUBYGEMS, "rubygems-generated"},
    {"semver-versions.txt", KS_SCHEME_SEMVER, "semver"},
    {"semver-versions.txt", KS_SCHEME_GO, "semver-go"},
};

/* Lines of a list file, for lookups. Missing file: empty list. */
struct list {
    struct ks_buf buf;
    size_t used_lines, lines;
};

static void
list_load(struct list *l, const char *path)
{
    struct ks_err err = KS_ERR_INIT;

    ks_buf_init(&l->buf, (size_t)16 << 20);
    l->used_lines = l->lines = 0;
    if (ks_path_exists(path) && ks_file_read(path, (size_t)16 << 20, &l->buf, &err) != KS_OK)
        ks_test_fail(__FILE__, __LINE__, "%s", err.msg);
    for (size_t i = 0; i < l->buf.len; i++)
        if (l->buf.data[i] == '\n')
            l->lines++;
}

/* Find `line` (whole line) in the list; for .differs lines the list line is
 * "<line>\t<tool's op>\t<why>" and *want gets the tool's op. */
static bool
list_has(struct list *l, struct ks_str line, char *want)
{
    struct ks_cur c = ks_cur_make(l->buf.data, l->buf.len);
    struct ks_str s;

    while (ks_cur_line(&c, 1 << 16, &s) == KS_OK) {
        struct ks_str head = s, tail = KS_STR_NULL;

        if (s.len == 0 || s.ptr[0] == '#')
            continue;
        ks_str_split2(s, '\t', &head, &tail);
        if (ks_str_eq(head, line)) {
            if (want != NULL)
                *want = tail.len ? tail.ptr[0] : '?';
            l->used_lines++;
            return true;
        }
    }
    return false;
}

static size_t
list_entries(const struct list *l)
{
    struct ks_cur c = ks_cur_make(l->buf.data, l->buf.len);
    struct ks_str s;
    size_t n = 0;

    while (ks_cur_line(&c, 1 << 16, &s) == KS_OK)
        if (s.len > 0 && s.ptr[0] != '#')
            n++;
    return n;
}

static void
run_corpus(size_t idx)
{
    char path[512], gpath[512];
    struct ks_buf buf = KS_BUF_INIT((size_t)64 << 20);
    struct ks_err err = KS_ERR_INIT;
    struct list rejected, differs;
    struct ks_cur cur;
    struct ks_str line;
    size_t lineno = 0, agree = 0, nrej = 0, ndiff = 0;
    const char *data = ks_test_data("versions");

    CHECK(data != NULL);
    if (data == NULL)
        return;
    snprintf(path, sizeof(path), "%s/%s", data, corpora[idx].file);
    if (ks_file_read(path, (size_t)64 << 20, &buf, &err) != KS_OK) {
        ks_test_fail(__FILE__, __LINE__, "%s", err.msg);
        return;
    }
    snprintf(gpath, sizeof(gpath), "golden/%s.rejected", corpora[idx].golden);
    list_load(&rejected, gpath);
    snprintf(gpath, sizeof(gpath), "golden/%s.differs", corpora[idx].golden);
    list_load(&differs, gpath);
    cur = ks_cur_make(buf.data, buf.len);
    while (ks_cur_line(&cur, 1 << 16, &line) == KS_OK) {
        struct ks_str t = ks_str_trim(line), a, rest, op, b;
        int cmp = 0;
        char got, want;
        enum ks_code rc;

        lineno++;
        if (t.len == 0 || t.ptr[0] == '#' || ks_str_has_prefix(t, "//"))
            continue;
        if (!ks_str_split2(t, ' ', &a, &rest) || !ks_str_split2(rest, ' ', &op, &b) ||
            op.len != 1) {
            ks_test_fail(__FILE__, __LINE__, "%s:%zu: cannot read line", path, lineno);
            continue;
        }
        rc = ks_ver_compare(corpora[idx].scheme, a, b, &cmp, &err);
        if (rc != KS_OK) {
            nrej++;
            if (!list_has(&rejected, t, NULL))
                ks_test_fail(__FILE__, __LINE__, "%s:%zu: '%.*s': unexpected rejection: %s",
                             corpora[idx].file, lineno, (int)t.len, t.ptr, err.msg);
            continue;
        }
        got = cmp < 0 ? '<' : cmp > 0 ? '>' : '=';
        if (got == op.ptr[0]) {
            agree++;
            if (list_has(&differs, t, NULL))
                ks_test_fail(__FILE__, __LINE__, "%s:%zu: '%.*s' is listed as differing but agrees",
                             corpora[idx].file, lineno, (int)t.len, t.ptr);
            continue;
        }
        ndiff++;
        if (!list_has(&differs, t, &want))
            ks_test_fail(__FILE__, __LINE__, "%s:%zu: '%.*s': kensa says %c", corpora[idx].file,
                         lineno, (int)t.len, t.ptr, got);
        else if (want != got)
            ks_test_fail(__FILE__, __LINE__, "%s:%zu: '%.*s': kensa says %c, the tool %c",
                         corpora[idx].file, lineno, (int)t.len, t.ptr, got, want);
    }
    /* Every listed line must still be in the corpus and behave as listed. */
    if (nrej != list_entries(&rejected))
        ks_test_fail(__FILE__, __LINE__, "%s: %zu rejected lines, %zu listed", corpora[idx].file,
                     nrej, list_entries(&rejected));
    if (ndiff != list_entries(&differs))
        ks_test_fail(__FILE__, __LINE__, "%s: %zu differing lines, %zu listed", corpora[idx].file,
                     ndiff, list_entries(&differs));
    printf("  %-34s %-9s %6zu agree, %4zu rejected (listed), %3zu differ from the vector "
           "(listed, tool checked)\n",
           corpora[idx].file, ks_scheme_name(corpora[idx].scheme), agree, nrej, ndiff);
    ks_buf_release(&rejected.buf);
    ks_buf_release(&differs.buf);
    ks_buf_release(&buf);
}

static void
test_corpora(void)
{
    for (size_t i = 0; i < KS_ARRAY_LEN(corpora); i++)
        run_corpus(i);
}

KS_TEST_MAIN(KS_TEST(test_corpora))
