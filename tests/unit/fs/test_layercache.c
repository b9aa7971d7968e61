/*
 * test_layercache.c: the per-layer cache's own rules (layercache_int.h):
 * byte ranges, the entry format's checks, a write/load round trip, merging
 * what later scans learn into an entry, damaged records rewritten, LRU
 * eviction under the bound, KENSA_LAYER_CACHE_MAX, and every allocation
 * failing once. End to end on real images: tests/integration/
 * targets_layercache.sh.
 */
#include "test.h"

#include "fs/layercache_int.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/banned.h"

#define DIFF_HEX "1111111111111111111111111111111111111111111111111111111111111111"
#define DIFF_ID "sha256:" DIFF_HEX
#define DIGEST1 "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define DIGEST2 "sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static int dir_no;

static char tool[100000]; /* usr/bin/tool's bytes */

static struct lc_cache *
open_cache(uint64_t max)
{
    char dir[4200];
    struct lc_cache *c = NULL;
    struct ks_err err = KS_ERR_INIT;

    for (size_t i = 0; i < sizeof(tool); i++)
        tool[i] = (char)(i * 7 + i / 251);
    snprintf(dir, sizeof(dir), "%s/lc%d", ks_test_tmpdir(), dir_no++);
    CHECK_OK(lc_open(dir, max, &c, &err));
    CHECK(c != NULL);
    return c;
}

/* A layer's index as pass 1 would record it: 4 entries. */
static const struct img_entry index_entries[] = {
    {{"etc/", 4}, IMG_E_DIR, 0, 0755, 1700000000, {NULL, 0}},
    {{"etc/os-release", 14}, IMG_E_FILE, 20, 0644, 1700000000, {NULL, 0}},
    {{"usr/bin/tool", 12}, IMG_E_FILE, 100000, 0755, 1700000000, {NULL, 0}},
    {{"etc/alias", 9}, IMG_E_SYMLINK, 0, 0777, 1700000000, {"os-release", 10}},
};

static struct lc_writer *
write_index(struct lc_cache *c)
{
    struct lc_writer *w = NULL;
    struct ks_err err = KS_ERR_INIT;

    CHECK_OK(lc_writer_new(c, &w, &err));
    for (size_t i = 0; i < KS_ARRAY_LEN(index_entries); i++)
        CHECK_OK(lc_writer_entry(w, &index_entries[i], &err));
    lc_writer_finish(w, 200704);
    return w;
}

static const char os_release[] = "ID=debian\nVERSION=12";

static struct lc_entry *
load(struct lc_cache *c)
{
    struct lc_entry *e = NULL;
    struct ks_err err = KS_ERR_INIT;

    CHECK_OK(lc_load(c, DIFF_ID, &e, &err));
    return e;
}

static void
test_ranges(void)
{
    struct lc_range r[LC_MAX_RANGES];
    size_t n = 0;

    CHECK(lc_ranges_add(r, &n, 4, 100, 10));
    CHECK(lc_ranges_add(r, &n, 4, 0, 10));
    CHECK(lc_ranges_add(r, &n, 4, 110, 5)); /* adjacent: merged */
    CHECK_INT(n, 2);
    CHECK_INT(r[0].off, 0);
    CHECK_INT(r[1].off, 100);
    CHECK_INT(r[1].len, 15);
    CHECK(lc_ranges_add(r, &n, 4, 5, 100)); /* bridges both */
    CHECK_INT(n, 1);
    CHECK_INT(r[0].len, 115);
    CHECK(lc_ranges_whole(r, n, 115));
    CHECK(!lc_ranges_whole(r, n, 116));
    CHECK(lc_ranges_add(r, &n, 2, 200, 1));
    CHECK(!lc_ranges_add(r, &n, 2, 300, 1));        /* a third range past max 2 */
    CHECK(!lc_ranges_add(r, &n, 2, UINT64_MAX, 2)); /* wraps */
    {
        struct lc_range want[2] = {{10, 5}, {200, 1}}, out[1] = {{110, 10}};

        CHECK(lc_ranges_cover(r, n, want, 2));
        CHECK(!lc_ranges_cover(r, n, out, 1));
    }
}

/* Write an entry with two records, load it back: index, digests, contents. */
static void
test_round_trip(void)
{
    struct lc_cache *c = open_cache((uint64_t)64 << 20);
    struct lc_writer *w = write_index(c);
    struct lc_range read[2] = {{0, 64}, {50000, 100}};
    struct lc_content recs[2] = {
        {1, sizeof(os_release) - 1, (const uint8_t *)os_release, true, NULL, 0},
        {2, 100000, (const uint8_t *)tool, false, read, 2},
    };
    struct ks_err err = KS_ERR_INIT;
    struct lc_entry *e;
    struct lc_blob *b = NULL;
    bool wrote = false;
    const uint8_t *p = NULL;

    CHECK_OK(lc_commit(c, DIFF_ID, DIGEST1, w, NULL, recs, 2, &wrote, &err));
    CHECK(wrote);
    lc_writer_free(w);
    if ((e = load(c)) == NULL)
        goto out;
    CHECK_INT(e->v.h.n_entries, 4);
    CHECK_INT(e->v.h.tar_bytes, 200704);
    CHECK_INT(e->v.h.n_records, 2);
    CHECK(lc_entry_has_digest(e, DIGEST1));
    CHECK(!lc_entry_has_digest(e, DIGEST2));
    {
        struct ks_cur cur = ks_cur_make(e->v.index, (size_t)e->v.h.index_len);

        for (size_t i = 0; i < KS_ARRAY_LEN(index_entries); i++) {
            struct img_entry x;

            CHECK_OK(lc_index_next(&cur, &x, &err));
            CHECK(ks_str_eq(x.path, index_entries[i].path));
            CHECK(ks_str_eq(x.link, index_entries[i].link));
            CHECK_INT(x.type, index_entries[i].type);
            CHECK_INT(x.size, index_entries[i].size);
            CHECK_INT(x.mode, index_entries[i].mode);
        }
        CHECK_INT(ks_cur_left(&cur), 0);
    }
    CHECK_INT(lc_view_find(&e->v, 1), 0);
    CHECK_INT(lc_view_find(&e->v, 3), -1);
    CHECK_OK(lc_entry_blob(e, 0, sizeof(os_release) - 1, &b, &err));
    if (b != NULL) {
        char *whole;

        CHECK(lc_blob_whole(b));
        whole = lc_blob_take_whole(b);
        CHECK(memcmp(whole, os_release, sizeof(os_release) - 1) == 0);
        ks_free(whole);
        b = NULL;
    }
    /* A size other than the tree's is refused before anything is read. */
    CHECK_INT(lc_entry_blob(e, 1, 99999, &b, &err), KS_EPARSE);
    CHECK(strstr(err.msg, "tar entry 2") != NULL);
    CHECK_OK(lc_entry_blob(e, 1, 100000, &b, &err));
    if (b != NULL) {
        CHECK(!lc_blob_whole(b));
        CHECK_INT(lc_blob_at(b, 10, &p), 54);
        CHECK(p != NULL && memcmp(p, tool + 10, 54) == 0);
        CHECK_INT(lc_blob_at(b, 50050, &p), 50);
        CHECK(memcmp(p, tool + 50050, 50) == 0);
        CHECK_INT(lc_blob_at(b, 64, &p), 0); /* not kept */
        lc_blob_free(b);
    }
    lc_entry_free(e);
out:
    lc_close(c);
}

/* Later scans add records, ranges and digests; one that learnt nothing writes nothing. */
static void
test_merge(void)
{
    struct lc_cache *c = open_cache((uint64_t)64 << 20);
    struct lc_writer *w = write_index(c);
    struct lc_range r1[1] = {{0, 64}}, r2[1] = {{90000, 200}};
    struct lc_content first[1] = {{2, 100000, (const uint8_t *)tool, false, r1, 1}};
    struct lc_content more[2] = {
        {1, sizeof(os_release) - 1, (const uint8_t *)os_release, true, NULL, 0},
        {2, 100000, (const uint8_t *)tool, false, r2, 1},
    };
    struct lc_content nothing[1] = {{2, 100000, NULL, false, r1, 1}};
    /* A file read through another entry first (no bytes here), then one the entry lacks. */
    struct lc_content mixed[2] = {
        {0, 10, NULL, false, r1, 1},
        {1, sizeof(os_release) - 1, (const uint8_t *)os_release, true, NULL, 0},
    };
    struct ks_err err = KS_ERR_INIT;
    struct lc_entry *e, *e2;
    struct lc_blob *b = NULL;
    const uint8_t *p;
    bool wrote = false;

    CHECK_OK(lc_commit(c, DIFF_ID, DIGEST1, w, NULL, first, 1, &wrote, &err));
    lc_writer_free(w);
    if ((e = load(c)) == NULL)
        goto out;
    /* Read through the entry itself, same digest: nothing new, no write. */
    CHECK_OK(lc_commit(c, DIFF_ID, NULL, NULL, e, nothing, 1, &wrote, &err));
    CHECK(!wrote);
    CHECK_OK(lc_commit(c, DIFF_ID, NULL, NULL, e, mixed, 2, &wrote, &err));
    CHECK_MSG(wrote, "a file the entry lacks after one it need not hold was not stored");
    lc_entry_free(e);
    if ((e = load(c)) == NULL)
        goto out;
    CHECK_INT(e->v.h.n_records, 2);
    /* Another blob digest for the same diff id, a new file, another range of the binary. */
    CHECK_OK(lc_commit(c, DIFF_ID, DIGEST2, NULL, e, more, 2, &wrote, &err));
    CHECK(wrote);
    lc_entry_free(e);
    if ((e2 = load(c)) == NULL)
        goto out;
    CHECK(lc_entry_has_digest(e2, DIGEST1) && lc_entry_has_digest(e2, DIGEST2));
    CHECK_INT(e2->v.h.n_records, 2);
    CHECK_INT(e2->v.h.n_entries, 4);
    CHECK_OK(lc_entry_blob(e2, (size_t)lc_view_find(&e2->v, 2), 100000, &b, &err));
    if (b != NULL) {
        CHECK_INT(b->n_ranges, 2); /* the first scan's range and this one's */
        CHECK_INT(lc_blob_at(b, 0, &p), 64);
        CHECK(memcmp(p, tool, 64) == 0);
        CHECK_INT(lc_blob_at(b, 90000, &p), 200);
        CHECK(memcmp(p, tool + 90000, 200) == 0);
        lc_blob_free(b);
    }
    lc_entry_free(e2);
out:
    lc_close(c);
}

/* Flip a byte of a record's blob: detected, remembered, rewritten by the next commit. */
static void
test_damaged_record(void)
{
    struct lc_cache *c = open_cache((uint64_t)64 << 20);
    struct lc_writer *w = write_index(c);
    struct lc_content recs[1] = {
        {1, sizeof(os_release) - 1, (const uint8_t *)os_release, true, NULL, 0}};
    struct ks_err err = KS_ERR_INIT;
    struct lc_entry *e;
    struct lc_blob *b = NULL;
    bool wrote = false;
    char path[4300];
    struct stat st;
    int fd;

    CHECK_OK(lc_commit(c, DIFF_ID, DIGEST1, w, NULL, recs, 1, &wrote, &err));
    lc_writer_free(w);
    snprintf(path, sizeof(path), "%s/sha256/%s", lc_dir(c), DIFF_HEX);
    fd = open(path, O_RDWR);
    CHECK(fd >= 0 && fstat(fd, &st) == 0);
    if (fd >= 0) {
        char x;

        CHECK(pread(fd, &x, 1, st.st_size - 1) == 1);
        x ^= 1;
        CHECK(pwrite(fd, &x, 1, st.st_size - 1) == 1);
        close(fd);
    }
    if ((e = load(c)) == NULL) /* the metadata is intact: it loads */
        goto out;
    CHECK_INT(lc_entry_blob(e, 0, sizeof(os_release) - 1, &b, &err), KS_EPARSE);
    CHECK(strstr(err.msg, "checksum mismatch") != NULL && strstr(err.msg, path) != NULL);
    CHECK_INT(e->n_bad, 1);
    /* The scan read the file from its layer: the commit replaces the damaged record. */
    CHECK_OK(lc_commit(c, DIFF_ID, NULL, NULL, e, recs, 1, &wrote, &err));
    CHECK(wrote);
    lc_entry_free(e);
    if ((e = load(c)) == NULL)
        goto out;
    CHECK_OK(lc_entry_blob(e, 0, sizeof(os_release) - 1, &b, &err));
    lc_blob_free(b);
    lc_entry_free(e);
out:
    lc_close(c);
}

/* Hand-made entries: each broken field is refused by lc_parse (and named). */
static void
test_parse_rejects(void)
{
    struct lc_cache *c = open_cache((uint64_t)64 << 20);
    struct lc_writer *w = write_index(c);
    struct lc_content recs[1] = {
        {1, sizeof(os_release) - 1, (const uint8_t *)os_release, true, NULL, 0}};
    struct ks_err err = KS_ERR_INIT;
    struct ks_buf file = KS_BUF_INIT((size_t)1 << 20);
    struct lc_view v;
    bool wrote = false;
    char path[4300];
    static const struct {
        size_t off;
        uint8_t x;
        const char *why;
    } flips[] = {
        {0, 'X', "magic"},
        {8, 2, "version"},
        {12, 17, "digests"},
        {88, 1, "flags"},
        {128 + 32 * 5, 1, "digest slots"},
        {56, 0x7f, "entries"},
        {64, 0x01, "index"},
        {72, 0x09, "records"},
        {80, 0x01, "bytes"},
        {640, 9, "type"},         /* first index entry's type */
        {641, 1, "type"},         /* its reserved byte */
        {648, 0xff, "cut short"}, /* its path length */
    };

    CHECK_OK(lc_commit(c, DIFF_ID, DIGEST1, w, NULL, recs, 1, &wrote, &err));
    lc_writer_free(w);
    snprintf(path, sizeof(path), "%s/sha256/%s", lc_dir(c), DIFF_HEX);
    CHECK_OK(ks_file_read(path, (size_t)1 << 20, &file, &err));
    CHECK_OK(lc_parse(file.data, file.len, file.len, true, &v, &err));
    CHECK_INT(lc_parse(file.data, file.len - 1, file.len - 1, true, &v, &err), KS_EPARSE);
    CHECK_INT(lc_parse(file.data, 100, 100, false, &v, &err), KS_EPARSE);
    for (size_t i = 0; i < KS_ARRAY_LEN(flips); i++) {
        uint8_t *p = (uint8_t *)file.data + flips[i].off, old = *p;
        enum ks_code rc;

        *p = flips[i].x;
        rc = lc_parse(file.data, file.len, file.len, false, &v, &err);
        CHECK_MSG(rc == KS_EPARSE || rc == KS_EUNSUPPORTED, "flip %zu (%s): %s", i, flips[i].why,
                  ks_code_name(rc));
        CHECK_MSG(lc_parse(file.data, file.len, file.len, true, &v, &err) != KS_OK,
                  "flip %zu (%s) passes with the checksum on", i, flips[i].why);
        *p = old;
    }
    /* The record table: a blob past the data area, then an ordinal past the index. */
    {
        size_t rec = LC_INDEX_OFF + (size_t)v.h.index_len;
        uint8_t *p = (uint8_t *)file.data + rec;
        uint8_t save[64];

        memcpy(save, p, 64);
        p[16] = 0xff; /* blob_off */
        CHECK_INT(lc_parse(file.data, file.len, file.len, false, &v, &err), KS_EPARSE);
        memcpy(p, save, 64);
        p[0] = 4; /* ordinal 4 of 4 entries */
        CHECK_INT(lc_parse(file.data, file.len, file.len, false, &v, &err), KS_EPARSE);
        memcpy(p, save, 64);
    }
    ks_buf_release(&file);
    lc_close(c);
}

/* Three entries of the same size; touching the first makes the second the LRU. */
static void
test_evict_lru(void)
{
    struct lc_cache *c = open_cache((uint64_t)64 << 20);
    struct ks_err err = KS_ERR_INIT;
    const char *ids[3] = {
        "sha256:0000000000000000000000000000000000000000000000000000000000000001",
        "sha256:0000000000000000000000000000000000000000000000000000000000000002",
        "sha256:0000000000000000000000000000000000000000000000000000000000000003",
    };
    uint64_t one = 0;

    for (size_t i = 0; i < 3; i++) {
        struct lc_writer *w = write_index(c);
        struct timespec ts[2] = {{1700000000 + (time_t)i * 10, 0},
                                 {1700000000 + (time_t)i * 10, 0}};
        char path[4300];
        bool wrote = false;

        CHECK_OK(lc_commit(c, ids[i], DIGEST1, w, NULL, NULL, 0, &wrote, &err));
        CHECK(wrote);
        lc_writer_free(w);
        snprintf(path, sizeof(path), "%s/sha256/%s", lc_dir(c), ids[i] + 7);
        CHECK(utimensat(AT_FDCWD, path, ts, 0) == 0);
        if (i == 0)
            one = lc_size(c);
    }
    CHECK_INT(lc_size(c), 3 * one);
    {
        struct lc_entry *e = NULL;

        CHECK_OK(lc_load(c, ids[0], &e, &err)); /* used: now the most recent */
        lc_entry_free(e);
    }
    lc_close(c);
    /* The same directory with a bound for two entries. */
    {
        char dir[4200];
        struct lc_cache *c2 = NULL;
        char path[4300];

        snprintf(dir, sizeof(dir), "%s/lc%d", ks_test_tmpdir(), dir_no - 1);
        CHECK_OK(lc_open(dir, 2 * one + one / 2, &c2, &err));
        if (c2 == NULL)
            return;
        CHECK_OK(lc_evict(c2, NULL, &err));
        CHECK(lc_size(c2) <= lc_max(c2));
        snprintf(path, sizeof(path), "%s/sha256/%s", dir, ids[1] + 7);
        CHECK_MSG(access(path, F_OK) != 0, "the least recently used entry is still there");
        snprintf(path, sizeof(path), "%s/sha256/%s", dir, ids[0] + 7);
        CHECK(access(path, F_OK) == 0);
        snprintf(path, sizeof(path), "%s/sha256/%s", dir, ids[2] + 7);
        CHECK(access(path, F_OK) == 0);
        lc_close(c2);
    }
}

static void
test_env_max(void)
{
    struct lc_cache *c = NULL;
    struct ks_err err = KS_ERR_INIT;
    char dir[4200];

    snprintf(dir, sizeof(dir), "%s/lcenv", ks_test_tmpdir());
    setenv("KENSA_LAYER_CACHE_MAX", "off", 1);
    CHECK_OK(lc_open(dir, 0, &c, &err));
    CHECK(c == NULL);
    setenv("KENSA_LAYER_CACHE_MAX", "0", 1);
    CHECK_OK(lc_open(dir, 0, &c, &err));
    CHECK(c == NULL);
    setenv("KENSA_LAYER_CACHE_MAX", "64M", 1);
    CHECK_OK(lc_open(dir, 0, &c, &err));
    CHECK(c != NULL && lc_max(c) == (uint64_t)64 << 20);
    lc_close(c);
    c = NULL;
    setenv("KENSA_LAYER_CACHE_MAX", "lots", 1);
    CHECK_INT(lc_open(dir, 0, &c, &err), KS_EINVAL);
    CHECK(strstr(err.msg, "KENSA_LAYER_CACHE_MAX 'lots'") != NULL);
    unsetenv("KENSA_LAYER_CACHE_MAX");
    CHECK_OK(lc_open(dir, 0, &c, &err));
    CHECK(c != NULL && lc_max(c) == LC_DEFAULT_MAX);
    lc_close(c);
    CHECK_OK(lc_open(dir, UINT64_MAX, &c, &err)); /* --no-layer-cache */
    CHECK(c == NULL);
    /* A directory others may write is not used. */
    CHECK(chmod(dir, 0777) == 0);
    CHECK_OK(lc_open(dir, (uint64_t)1 << 20, &c, &err));
    CHECK(c == NULL);
    CHECK(chmod(dir, 0700) == 0);
}

/* Every allocation of a write, a merge and a load fails once: an error or success, no leak. */
static void
test_alloc_failures(void)
{
    bool all = false;

    for (size_t n = 1; n < 5000 && !all; n++) {
        struct lc_cache *c = NULL;
        struct lc_writer *w = NULL;
        struct lc_entry *e = NULL;
        struct ks_err err = KS_ERR_INIT;
        struct lc_range r1[1] = {{0, 64}};
        struct lc_content recs[2] = {
            {1, sizeof(os_release) - 1, (const uint8_t *)os_release, true, NULL, 0},
            {2, 100000, (const uint8_t *)tool, false, r1, 1},
        };
        char dir[4200];
        bool wrote = false;
        enum ks_code rc;

        snprintf(dir, sizeof(dir), "%s/lcalloc%zu", ks_test_tmpdir(), n);
        ks_alloc_fail_at(n);
        rc = lc_open(dir, (uint64_t)64 << 20, &c, &err);
        if (rc == KS_OK && c != NULL)
            rc = lc_writer_new(c, &w, &err);
        for (size_t i = 0; rc == KS_OK && w != NULL && i < KS_ARRAY_LEN(index_entries); i++)
            rc = lc_writer_entry(w, &index_entries[i], &err);
        if (rc == KS_OK && w != NULL) {
            lc_writer_finish(w, 4096);
            rc = lc_commit(c, DIFF_ID, DIGEST1, w, NULL, recs, 1, &wrote, &err);
        }
        if (rc == KS_OK && c != NULL && (rc = lc_load(c, DIFF_ID, &e, &err)) == KS_OK)
            rc = lc_commit(c, DIFF_ID, DIGEST2, NULL, e, recs, 2, &wrote, &err);
        all = ks_alloc_fail_at(0) < n; /* no allocation failed: every point was tried */
        CHECK_MSG(rc == KS_OK || rc == KS_ENOMEM || rc == KS_ENOTFOUND, "at %zu: %s", n,
                  ks_code_name(rc));
        if (all)
            CHECK_MSG(rc == KS_OK && wrote, "without a failure: %s", ks_code_name(rc));
        lc_entry_free(e);
        lc_writer_free(w);
        lc_close(c);
    }
    CHECK(all);
}

KS_TEST_MAIN(KS_TEST(test_ranges), KS_TEST(test_round_trip), KS_TEST(test_merge),
             KS_TEST(test_damaged_record), KS_TEST(test_parse_rejects), KS_TEST(test_evict_lru),
             KS_TEST(test_env_max), KS_TEST(test_alloc_failures))
