/*
 * test_base.c: unit tests for src/base: errors, strings, arena, buffer,
 * vector, map, cursor, files, time, hashing and the strict JSON layer,
 * including allocation-failure runs (every Nth allocation fails cleanly).
 */
#include "test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
test_err(void)
{
    struct ks_err err = KS_ERR_INIT;

    CHECK_INT(ks_err_set(&err, KS_EPARSE, "dpkg: %s:%d: bad", "status", 12), KS_EPARSE);
    CHECK_STR(err.msg, "dpkg: status:12: bad");
    CHECK_INT(ks_err_prefix(&err, "reading '%s': ", "/x"), KS_EPARSE);
    CHECK_STR(err.msg, "reading '/x': dpkg: status:12: bad");
    CHECK_STR(ks_code_name(KS_ETOOBIG), "ETOOBIG");
    CHECK_STR(ks_code_name((enum ks_code)999), "EUNKNOWN");
    CHECK_INT(ks_err_set(NULL, KS_EIO, "x"), KS_EIO);
}

static void
test_size_math(void)
{
    size_t out = 7;

    CHECK(ks_size_add(1, 2, &out) && out == 3);
    CHECK(!ks_size_add(SIZE_MAX, 1, &out) && out == 3);
    CHECK(ks_size_mul(0, SIZE_MAX, &out) && out == 0);
    CHECK(!ks_size_mul(SIZE_MAX / 2 + 1, 2, &out));
}

static void
test_str(void)
{
    struct ks_str h, t;
    uint64_t v = 0;

    CHECK(ks_str_eq_c(ks_str_trim(KS_STR("  a b\r\n")), "a b"));
    CHECK(ks_str_ieq_c(KS_STR("PyYAML"), "pyyaml"));
    CHECK(ks_str_has_prefix(KS_STR("pkg:deb/x"), "pkg:"));
    CHECK(ks_str_has_suffix(KS_STR("a.tar.gz"), ".gz"));
    CHECK(!ks_str_has_suffix(KS_STR("gz"), ".gz"));
    CHECK(ks_str_split2(KS_STR("Debian:12"), ':', &h, &t));
    CHECK(ks_str_eq_c(h, "Debian") && ks_str_eq_c(t, "12"));
    CHECK(!ks_str_split2(KS_STR("npm"), ':', &h, &t));
    CHECK(ks_str_cmp(KS_STR("a"), KS_STR("ab")) < 0);
    CHECK(ks_str_cmp(KS_STR("b"), KS_STR("ab")) > 0);
    CHECK(ks_str_cmp(KS_STR(""), KS_STR_NULL) == 0);
    CHECK_INT(ks_parse_u64(KS_STR("18446744073709551615"), UINT64_MAX, &v), KS_OK);
    CHECK(v == UINT64_MAX);
    CHECK_INT(ks_parse_u64(KS_STR("18446744073709551616"), UINT64_MAX, &v), KS_ETOOBIG);
    CHECK_INT(ks_parse_u64(KS_STR("12"), 11, &v), KS_ETOOBIG);
    CHECK_INT(ks_parse_u64(KS_STR("5"), 3, &v), KS_ETOOBIG);
    CHECK_INT(ks_parse_u64(KS_STR("-1"), 100, &v), KS_EPARSE);
    CHECK_INT(ks_parse_u64(KS_STR(""), 100, &v), KS_EPARSE);
    CHECK_INT(ks_str_find_char(KS_STR("abc"), 'c'), 2);
    CHECK_INT(ks_str_find_char(KS_STR_NULL, 'c'), -1);
}

static void
test_arena(void)
{
    struct ks_arena *a = ks_arena_new(0);
    char *s, *big;
    int flag = 0;

    CHECK(a != NULL);
    s = ks_arena_strndup(a, "hello world", 5);
    CHECK_STR(s, "hello");
    CHECK(((uintptr_t)ks_arena_alloc(a, 3) & 15) == 0);
    CHECK(((uintptr_t)ks_arena_alloc(a, 1) & 15) == 0);
    big = ks_arena_alloc(a, 1 << 20);
    CHECK(big != NULL);
    memset(big, 1, 1 << 20);
    CHECK_STR(ks_arena_sprintf(a, "%s-%d", "x", 42), "x-42");
    CHECK(ks_arena_calloc(a, SIZE_MAX, 2) == NULL);
    CHECK(ks_arena_strdup(a, NULL) == NULL);
    for (int i = 0; i < 10000; i++)
        CHECK(ks_arena_alloc(a, 100) != NULL);
    CHECK(ks_arena_on_free(a, (void (*)(void *))(void *)free, NULL));
    (void)flag;
    ks_arena_free(a);
    ks_arena_free(NULL);
}

static void
test_buf(void)
{
    struct ks_buf b = KS_BUF_INIT(16);
    char *d;
    size_t n;

    CHECK(b.data != NULL && b.data[0] == '\0');
    ks_buf_appends(&b, "abc");
    ks_buf_appendf(&b, "%d", 123);
    ks_buf_putc(&b, '!');
    CHECK_OK(ks_buf_err(&b));
    CHECK_STR(b.data, "abc123!");
    ks_buf_appends(&b, "0123456789");
    CHECK_INT(ks_buf_err(&b), KS_ETOOBIG);
    CHECK_STR(b.data, "abc123!"); /* a failed append changes nothing */
    ks_buf_reset(&b);
    CHECK_OK(ks_buf_err(&b));
    ks_buf_appends(&b, "0123456789abcdef");
    CHECK_OK(ks_buf_err(&b));
    CHECK_INT(b.len, 16);
    d = ks_buf_detach(&b, &n);
    CHECK_STR(d, "0123456789abcdef");
    CHECK_INT(n, 16);
    CHECK(b.data[0] == '\0' && b.len == 0);
    ks_free(d);
    ks_buf_release(&b);
}

static int
cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

static void
test_vec(void)
{
    struct ks_vec v = KS_VEC_INIT(int);

    for (int i = 100; i > 0; i--) {
        int *slot = ks_vec_push(&v);

        CHECK(slot != NULL && *slot == 0);
        *slot = i;
    }
    ks_vec_sort(&v, cmp_int);
    CHECK_INT(v.len, 100);
    CHECK_INT(*(int *)ks_vec_at(&v, 0), 1);
    CHECK_INT(*(int *)ks_vec_at(&v, 99), 100);
    ks_vec_release(&v);
    CHECK(v.items == NULL && v.len == 0);
}

static void
test_map(void)
{
    struct ks_map *m = ks_map_new();
    char key[32];
    void *old = (void *)1;
    size_t pos = 0, seen = 0;
    struct ks_str k;
    void *val;

    CHECK(m != NULL);
    for (intptr_t i = 0; i < 5000; i++) {
        snprintf(key, sizeof(key), "k%ld", (long)i);
        CHECK_OK(ks_map_put(m, ks_str_c(key), (void *)(i + 1), &old));
        CHECK(old == NULL);
    }
    CHECK_INT(ks_map_len(m), 5000);
    CHECK_OK(ks_map_put(m, KS_STR("k7"), (void *)777, &old));
    CHECK(old == (void *)8);
    CHECK(ks_map_get(m, KS_STR("k7")) == (void *)777);
    CHECK(ks_map_get(m, KS_STR("nope")) == NULL);
    /* Delete every other key; the rest must stay reachable (backward shift). */
    for (intptr_t i = 0; i < 5000; i += 2) {
        snprintf(key, sizeof(key), "k%ld", (long)i);
        CHECK(ks_map_del(m, ks_str_c(key)) != NULL);
    }
    for (intptr_t i = 1; i < 5000; i += 2) {
        snprintf(key, sizeof(key), "k%ld", (long)i);
        CHECK(ks_map_get(m, ks_str_c(key)) == (i == 7 ? (void *)777 : (void *)(i + 1)));
    }
    for (intptr_t i = 0; i < 5000; i += 2) {
        snprintf(key, sizeof(key), "k%ld", (long)i);
        CHECK(!ks_map_has(m, ks_str_c(key)));
    }
    while (ks_map_next(m, &pos, &k, &val))
        seen++;
    CHECK_INT(seen, 2500);
    CHECK_OK(ks_map_put(m, KS_STR(""), (void *)5, NULL));
    CHECK(ks_map_get(m, KS_STR("")) == (void *)5);
    ks_map_free(m);
    CHECK(ks_hash("abc", 3) == ks_hash("abc", 3));
    CHECK(ks_hash("abc", 3) != ks_hash("abd", 3));
}

static void
test_cur(void)
{
    const char text[] = "a\r\nbb\n\nlonglongline\nlast";
    struct ks_cur c = ks_cur_make(text, sizeof(text) - 1);
    struct ks_str line, f;

    CHECK_OK(ks_cur_line(&c, 8, &line));
    CHECK(ks_str_eq_c(line, "a"));
    CHECK_OK(ks_cur_line(&c, 8, &line));
    CHECK(ks_str_eq_c(line, "bb"));
    CHECK_OK(ks_cur_line(&c, 8, &line));
    CHECK(line.len == 0);
    CHECK_INT(ks_cur_line(&c, 8, &line), KS_ETOOBIG);
    CHECK_OK(ks_cur_line(&c, 8, &line));
    CHECK(ks_str_eq_c(line, "last"));
    CHECK_INT(ks_cur_line(&c, 8, &line), KS_ENOTFOUND);

    c = ks_cur_make("key: value", 10);
    CHECK_OK(ks_cur_take_until(&c, ':', 10, &f));
    CHECK(ks_str_eq_c(f, "key"));
    CHECK_INT(ks_cur_take_until(&c, ':', 10, &f), KS_EPARSE);
}

static void
test_files(void)
{
    char path[4200];
    struct ks_buf b = KS_BUF_INIT(1 << 20);
    struct ks_err err = KS_ERR_INIT;

    snprintf(path, sizeof(path), "%s/a/b/c", ks_test_tmpdir());
    CHECK_OK(ks_mkdir_p(path, 0755, &err));
    CHECK_OK(ks_mkdir_p(path, 0755, &err));
    snprintf(path, sizeof(path), "%s/a/b/c/file", ks_test_tmpdir());
    CHECK_OK(ks_file_write_atomic(path, "hello", 5, 0644, &err));
    CHECK_OK(ks_file_write_atomic(path, "hello!", 6, 0644, &err));
    CHECK_OK(ks_file_read(path, 100, &b, &err));
    CHECK_STR(b.data, "hello!");
    ks_buf_reset(&b);
    CHECK_INT(ks_file_read(path, 5, &b, &err), KS_ETOOBIG);
    CHECK(strstr(err.msg, path) != NULL);
    ks_buf_reset(&b);
    CHECK_OK(ks_file_read(path, 6, &b, &err));
    CHECK_INT(ks_file_read("/nonexistent/x", 5, &b, &err), KS_ENOTFOUND);
    CHECK(strstr(err.msg, "/nonexistent/x") != NULL);
    ks_buf_release(&b);
}

static void
test_time(void)
{
    time_t t = 0;
    char out[21];

    CHECK_OK(ks_time_parse(KS_STR("2024-01-02T03:04:05Z"), &t));
    CHECK(t == 1704164645);
    /* Milliseconds agree with seconds (within the second that may tick between). */
    CHECK(ks_time_now_ms() / 1000 - (int64_t)ks_time_now() <= 1);
    ks_time_rfc3339(t, out);
    CHECK_STR(out, "2024-01-02T03:04:05Z");
    CHECK_OK(ks_time_parse(KS_STR("2024-01-02T05:04:05.123+02:00"), &t));
    CHECK(t == 1704164645);
    CHECK_OK(ks_time_parse(KS_STR("2019-01-01T00:29Z"), &t));
    CHECK_OK(ks_time_parse(KS_STR("2023-07-14"), &t));
    CHECK(t == 1689292800);
    CHECK_OK(ks_time_parse(KS_STR("2023-07-14T03:39:00.000"), &t));
    CHECK_INT(ks_time_parse(KS_STR("2023-13-14"), &t), KS_EPARSE);
    CHECK_INT(ks_time_parse(KS_STR("yesterday"), &t), KS_EPARSE);
    CHECK_INT(ks_time_parse(KS_STR("2023-07-14T03"), &t), KS_EPARSE);
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    CHECK(ks_time_now() == 1700000000);
    unsetenv("SOURCE_DATE_EPOCH");
}

static void
test_hash(void)
{
    char hex[65];
    unsigned char r1[16], r2[16];

    ks_sha256_hex("abc", 3, hex);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_OK(ks_random_bytes(r1, sizeof(r1), NULL));
    CHECK_OK(ks_random_bytes(r2, sizeof(r2), NULL));
    CHECK(memcmp(r1, r2, sizeof(r1)) != 0);
}

static void
test_json(void)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_buf b = KS_BUF_INIT(1 << 20);
    json_t *j = NULL;
    const char good[] = "{\"id\":\"GO-1\",\"n\":3,\"ok\":true,\"a\":[1],\"o\":{}}";
    const char dup[] = "{\"id\":1,\n\"id\":2}";
    const char nul[] = "{\"id\":\"a\\u0000b\"}";
    const char badutf8[] = "{\"id\":\"\xff\"}";

    CHECK_OK(ks_json_parse(good, sizeof(good) - 1, "x.json", &j, &err));
    CHECK_STR(ks_json_str(j, "id"), "GO-1");
    CHECK(ks_json_str(j, "n") == NULL);
    CHECK(ks_json_num(j, "n", 0) == 3);
    CHECK(ks_json_bool(j, "ok", false));
    CHECK(ks_json_arr(j, "a") != NULL && ks_json_arr(j, "o") == NULL);
    CHECK(ks_json_obj(j, "o") != NULL);
    CHECK(ks_str_eq_c(ks_json_strv(j, "id"), "GO-1"));
    CHECK_OK(ks_json_dump(j, false, &b, &err));
    CHECK_STR(b.data, good);
    json_decref(j);
    CHECK_INT(ks_json_parse(dup, sizeof(dup) - 1, "dup.json", &j, &err), KS_EPARSE);
    CHECK(strstr(err.msg, "dup.json:2:") != NULL);
    CHECK_INT(ks_json_parse(nul, sizeof(nul) - 1, "nul.json", &j, &err), KS_EPARSE);
    CHECK_INT(ks_json_parse(badutf8, sizeof(badutf8) - 1, "u.json", &j, &err), KS_EPARSE);
    CHECK_INT(ks_json_parse("", 0, "empty.json", &j, &err), KS_EPARSE);
    ks_buf_release(&b);
}

static void
test_log(void)
{
    char *mem = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&mem, &len);

    ks_log_set_stream(f);
    ks_log_set_level(KS_LOG_WARN);
    ks_log(KS_LOG_INFO, "inventory.dpkg", "hidden");
    ks_log(KS_LOG_WARN, "inventory.dpkg", "skipping stanza at %s:%d", "status", 3);
    CHECK_OK(ks_log_enable_debug("match,inventory"));
    CHECK(ks_log_enabled(KS_LOG_DEBUG, "inventory.dpkg"));
    CHECK(!ks_log_enabled(KS_LOG_DEBUG, "inventoryx"));
    CHECK(!ks_log_enabled(KS_LOG_DEBUG, "vulndb"));
    ks_log(KS_LOG_DEBUG, "match", "dbg %d", 1);
    ks_log_set_stream(NULL);
    fclose(f);
    CHECK(strstr(mem, "hidden") == NULL);
    CHECK(strstr(mem, "kensa: warn: inventory.dpkg: skipping stanza at status:3\n") != NULL);
    CHECK(strstr(mem, "kensa: debug: match: dbg 1\n") != NULL);
    free(mem);
}

/* Every allocation in a small workload fails in turn: no crash, no leak. */
static void
test_alloc_failures(void)
{
    for (size_t n = 1; n < 200; n++) {
        struct ks_arena *a;
        struct ks_map *m;
        struct ks_buf b = KS_BUF_INIT(1 << 20);
        bool completed = true;

        ks_alloc_fail_at(n);
        a = ks_arena_new(4096);
        if (a != NULL) {
            for (int i = 0; i < 50; i++)
                if (ks_arena_alloc(a, 1000) == NULL)
                    completed = false;
        } else {
            completed = false;
        }
        m = ks_map_new();
        if (m != NULL) {
            for (int i = 0; i < 40; i++) {
                char key[16];

                snprintf(key, sizeof(key), "%d", i);
                if (ks_map_put(m, ks_str_c(key), NULL, NULL) != KS_OK)
                    completed = false;
            }
        } else {
            completed = false;
        }
        for (int i = 0; i < 100; i++)
            ks_buf_appends(&b, "0123456789");
        if (ks_buf_err(&b) != KS_OK) {
            CHECK_INT(ks_buf_err(&b), KS_ENOMEM);
            completed = false;
        }
        ks_buf_release(&b);
        ks_map_free(m);
        ks_arena_free(a);
        ks_alloc_fail_at(0);
        if (completed)
            break;
    }
}

/* Parsing under allocation failure reports KS_ENOMEM, never "invalid JSON". */
static void
test_json_oom(void)
{
    static const char doc[] = "{\"a\": [1, 2, {\"b\": \"c\"}]}";

    for (size_t n = 1; n < 64; n++) {
        struct ks_err err = KS_ERR_INIT;
        json_t *v = NULL;
        enum ks_code rc;

        ks_alloc_fail_at(n);
        rc = ks_json_parse(doc, sizeof(doc) - 1, "t", &v, &err);
        ks_alloc_fail_at(0);
        if (rc == KS_OK) {
            json_decref(v);
            break;
        }
        CHECK_MSG(rc == KS_ENOMEM, "n=%zu: %s", n, err.msg);
    }
}

KS_TEST_MAIN(KS_TEST(test_err), KS_TEST(test_size_math), KS_TEST(test_str), KS_TEST(test_arena),
             KS_TEST(test_buf), KS_TEST(test_vec), KS_TEST(test_map), KS_TEST(test_cur),
             KS_TEST(test_files), KS_TEST(test_time), KS_TEST(test_hash), KS_TEST(test_json),
             KS_TEST(test_log), KS_TEST(test_alloc_failures), KS_TEST(test_json_oom))
