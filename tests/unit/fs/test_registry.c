/*
 * test_registry.c: the registry client's parsers (WWW-Authenticate,
 * references, docker config.json auths) and the blob cache's bound and
 * LRU eviction. The HTTP side runs against a real registry in
 * tests/integration/targets_registry.sh.
 */
#include "test.h"

#include "fs/registry_int.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/banned.h"

static void
test_challenge(void)
{
    struct img_challenge c;
    struct ks_err err = KS_ERR_INIT;
    const char *h;

    h = "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
        "scope=\"repository:library/debian:pull\"";
    CHECK_OK(img_challenge_parse(h, strlen(h), &c, &err));
    CHECK_INT(c.scheme, IMG_AUTH_BEARER);
    CHECK_STR(c.realm, "https://auth.docker.io/token");
    CHECK_STR(c.service, "registry.docker.io");
    CHECK_STR(c.scope, "repository:library/debian:pull");
    h = "basic realm=\"Registry Realm\"";
    CHECK_OK(img_challenge_parse(h, strlen(h), &c, &err));
    CHECK_INT(c.scheme, IMG_AUTH_BASIC);
    CHECK_STR(c.realm, "Registry Realm");
    /* Unquoted values, odd spacing, escapes, a second challenge after. */
    h = "Bearer  realm=https://r.test/t , service=\"a\\\"b\", Basic realm=x";
    CHECK_OK(img_challenge_parse(h, strlen(h), &c, &err));
    CHECK_STR(c.realm, "https://r.test/t");
    CHECK_STR(c.service, "a\"b");
    h = "Negotiate abc";
    CHECK_INT(img_challenge_parse(h, strlen(h), &c, &err), KS_EUNSUPPORTED);
    h = "Bearer service=\"x\"";
    CHECK_INT(img_challenge_parse(h, strlen(h), &c, &err), KS_EPARSE);
    h = "Bearer realm=\"unterminated";
    CHECK_INT(img_challenge_parse(h, strlen(h), &c, &err), KS_EPARSE);
    {
        char big[3000];

        memset(big, 'a', sizeof(big));
        memcpy(big, "Bearer realm=\"", 14);
        big[sizeof(big) - 1] = '"';
        CHECK_INT(img_challenge_parse(big, sizeof(big), &c, &err), KS_EPARSE);
    }
}

static void
test_refs(void)
{
    static const struct {
        const char *in, *host, *repo, *tag, *digest;
    } ok[] = {
        {"127.0.0.1:5000/test/app:1", "127.0.0.1:5000", "test/app", "1", ""},
        {"localhost/app", "localhost", "app", "latest", ""},
        {"debian:12", "registry-1.docker.io", "library/debian", "12", ""},
        {"docker.io/grafana/grafana", "registry-1.docker.io", "grafana/grafana", "latest", ""},
        {"reg.test/a/b/c@sha256:1111111111111111111111111111111111111111111111111111111111111111",
         "reg.test", "a/b/c", "",
         "sha256:1111111111111111111111111111111111111111111111111111111111111111"},
        {"reg.test:443/my-app__x.y:v1.2-rc_3", "reg.test:443", "my-app__x.y", "v1.2-rc_3", ""},
    };
    static const char *const bad[] = {
        "",
        "reg.test/UPPER:1",
        "reg.test/a:b:c",
        "reg.test/app:-x",
        "reg.test/a//b",
        "reg.test/app@sha256:xyz",
        "reg.test/a..b",
        "reg test/app",
        "reg.test/app-",
    };
    struct img_ref r;
    struct ks_err err = KS_ERR_INIT;

    for (size_t i = 0; i < KS_ARRAY_LEN(ok); i++) {
        CHECK_OK(img_ref_parse(ok[i].in, &r, &err));
        CHECK_STR(r.host, ok[i].host);
        CHECK_STR(r.repo, ok[i].repo);
        CHECK_STR(r.tag, ok[i].tag);
        CHECK_STR(r.digest, ok[i].digest);
    }
    for (size_t i = 0; i < KS_ARRAY_LEN(bad); i++)
        CHECK_MSG(img_ref_parse(bad[i], &r, &err) == KS_EINVAL, "accepted '%s'", bad[i]);
}

static void
test_docker_config(void)
{
    /* "dXNlcjpwYXNzOndvcmQ=" is base64 of "user:pass:word". */
    static const char cfg[] =
        "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"aHViOmh1YnB3\"},"
        "\"127.0.0.1:5000\":{\"auth\":\"dXNlcjpwYXNzOndvcmQ=\"},"
        "\"http://reg.test\":{\"username\":\"u2\",\"password\":\"p2\"},"
        "\"tok.test\":{\"identitytoken\":\"xyz\"},"
        "\"bad.test\":{\"auth\":\"!!!notbase64\"}},\"credsStore\":\"desktop\"}";
    struct img_creds c;
    struct ks_err err = KS_ERR_INIT;

    CHECK_OK(
        img_docker_config_parse(cfg, sizeof(cfg) - 1, "config.json", "127.0.0.1:5000", &c, &err));
    CHECK(c.have);
    CHECK_STR(c.user, "user");
    CHECK_STR(c.pass, "pass:word");
    CHECK_OK(img_docker_config_parse(cfg, sizeof(cfg) - 1, "config.json", "registry-1.docker.io",
                                     &c, &err));
    CHECK_STR(c.user, "hub");
    CHECK_OK(img_docker_config_parse(cfg, sizeof(cfg) - 1, "config.json", "reg.test", &c, &err));
    CHECK_STR(c.pass, "p2");
    CHECK_INT(img_docker_config_parse(cfg, sizeof(cfg) - 1, "config.json", "other.test", &c, &err),
              KS_ENOTFOUND);
    CHECK(!c.have);
    CHECK_INT(img_docker_config_parse(cfg, sizeof(cfg) - 1, "config.json", "tok.test", &c, &err),
              KS_EUNSUPPORTED);
    CHECK_INT(img_docker_config_parse(cfg, sizeof(cfg) - 1, "config.json", "bad.test", &c, &err),
              KS_EPARSE);
    /* No secret in any message. */
    CHECK(strstr(err.msg, "notbase64") == NULL);
    img_creds_wipe(&c);
}

static void
test_creds_lookup_env(void)
{
    char dir[4096], path[4200];
    static const char cfg[] = "{\"auths\":{\"reg.test:5000\":{\"auth\":\"YTpi\"}}}";
    struct img_creds c;
    struct ks_err err = KS_ERR_INIT;
    int fd;

    snprintf(dir, sizeof(dir), "%s/dockercfg", ks_test_tmpdir());
    CHECK_OK(ks_mkdir_p(dir, 0700, &err));
    snprintf(path, sizeof(path), "%s/config.json", dir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(write(fd, cfg, sizeof(cfg) - 1) == (ssize_t)(sizeof(cfg) - 1));
    close(fd);
    setenv("DOCKER_CONFIG", dir, 1);
    CHECK_OK(img_creds_lookup(NULL, "reg.test:5000", &c, NULL, &err));
    CHECK_STR(c.user, "a");
    CHECK_STR(c.pass, "b");
    CHECK_INT(img_creds_lookup(NULL, "x.test", &c, NULL, &err), KS_ENOTFOUND);
    unsetenv("DOCKER_CONFIG");
    img_creds_wipe(&c);
}

static void
put_blob(struct img_cache *c, const char *content, char digest[IMG_DIGEST_MAX])
{
    struct ks_buf tmp = KS_BUF_INIT(4096);
    struct ks_err err = KS_ERR_INIT;
    char hex[65];
    int fd;

    ks_sha256_hex(content, strlen(content), hex);
    snprintf(digest, IMG_DIGEST_MAX, "sha256:%s", hex);
    CHECK_OK(img_cache_begin(c, &fd, &tmp, &err));
    CHECK(write(fd, content, strlen(content)) == (ssize_t)strlen(content));
    close(fd);
    CHECK_OK(img_cache_commit(c, tmp.data, digest, &err));
    ks_buf_release(&tmp);
}

static bool
cached(struct img_cache *c, const char *digest)
{
    struct img_stream *s = NULL;
    struct ks_err err = KS_ERR_INIT;
    enum ks_code rc = img_cache_get(c, digest, 0, false, &s, &err);

    if (rc == KS_OK)
        rc = img_stream_drain(s, &err);
    img_stream_close(s);
    return rc == KS_OK;
}

static void
test_cache_eviction(void)
{
    struct img_cache *c = NULL;
    struct ks_err err = KS_ERR_INIT;
    char dir[4096], d1[IMG_DIGEST_MAX], d2[IMG_DIGEST_MAX], d3[IMG_DIGEST_MAX];
    char blob[101];
    struct timespec ms = {0, 20 * 1000 * 1000};

    snprintf(dir, sizeof(dir), "%s/cache", ks_test_tmpdir());
    CHECK_OK(img_cache_open(dir, 250, &c, &err));
    memset(blob, 'a', 100);
    blob[100] = '\0';
    put_blob(c, blob, d1);
    nanosleep(&ms, NULL);
    blob[0] = 'b';
    put_blob(c, blob, d2);
    nanosleep(&ms, NULL);
    /* Using d1 makes d2 the least recently used. */
    CHECK(cached(c, d1));
    nanosleep(&ms, NULL);
    blob[0] = 'c';
    put_blob(c, blob, d3);
    CHECK(cached(c, d1));
    CHECK(!cached(c, d2));
    CHECK(cached(c, d3));
    CHECK(img_cache_size(c) <= 250);
    img_cache_free(c);
}

static void
test_cache_corrupt_entry(void)
{
    struct img_cache *c = NULL;
    struct ks_err err = KS_ERR_INIT;
    struct img_stream *s = NULL;
    char dir[4096], d1[IMG_DIGEST_MAX], path[4300];
    int fd;

    snprintf(dir, sizeof(dir), "%s/cache2", ks_test_tmpdir());
    CHECK_OK(img_cache_open(dir, 1 << 20, &c, &err));
    put_blob(c, "hello", d1);
    snprintf(path, sizeof(path), "%s/sha256/%s", dir, d1 + 7);
    fd = open(path, O_WRONLY);
    CHECK(write(fd, "j", 1) == 1); /* same size, other bytes */
    close(fd);
    CHECK_OK(img_cache_get(c, d1, 5, true, &s, &err));
    CHECK_INT(img_stream_drain(s, &err), KS_EPARSE);
    CHECK(strstr(err.msg, "digest mismatch") != NULL);
    img_stream_close(s);
    /* The bad entry is gone: the next pull downloads it again. */
    CHECK(!ks_path_exists(path));
    img_cache_free(c);
}

static void
test_sizes(void)
{
    uint64_t v;

    CHECK_OK(img_parse_size("512M", &v));
    CHECK_INT(v, 512ull << 20);
    CHECK_OK(img_parse_size("5G", &v));
    CHECK_INT(v, 5ull << 30);
    CHECK_OK(img_parse_size("1000", &v));
    CHECK_INT(v, 1000);
    CHECK_INT(img_parse_size("lots", &v), KS_EINVAL);
    CHECK_INT(img_parse_size("99999999999999999999G", &v), KS_EINVAL);
}

KS_TEST_MAIN(KS_TEST(test_challenge), KS_TEST(test_refs), KS_TEST(test_docker_config),
             KS_TEST(test_creds_lookup_env), KS_TEST(test_cache_eviction),
             KS_TEST(test_cache_corrupt_entry), KS_TEST(test_sizes))
