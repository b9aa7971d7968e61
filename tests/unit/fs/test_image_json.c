/*
 * test_image_json.c: OCI / Docker image documents: indexes with platforms
 * and attestations, manifests, configs with history mapping, docker-save
 * manifest.json, and the rejections (schema 1, bad digests, '../' members).
 */
#include "test.h"

#include "fs/image_int.h"

#include "base/banned.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"
#define D4 "sha256:4444444444444444444444444444444444444444444444444444444444444444"

static const char index_json[] =
    "{\"schemaVersion\":2,\"mediaType\":\"application/"
    "vnd.oci.image.index.v1+json\","
    "\"manifests\":["
    "{\"mediaType\":\"application/"
    "vnd.oci.image.manifest.v1+json\",\"digest\":\"" D1 "\","
    "\"size\":500,\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}},"
    "{\"mediaType\":\"application/"
    "vnd.oci.image.manifest.v1+json\",\"digest\":\"" D2 "\","
    "\"size\":501,\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\","
    "\"variant\":\"v7\"}},"
    "{\"mediaType\":\"application/"
    "vnd.oci.image.manifest.v1+json\",\"digest\":\"" D3 "\","
    "\"size\":502,\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\","
    "\"variant\":\"v8\"}},"
    "{\"mediaType\":\"application/"
    "vnd.oci.image.manifest.v1+json\",\"digest\":\"" D4 "\","
    "\"size\":503,\"platform\":{\"architecture\":\"unknown\",\"os\":"
    "\"unknown\"},"
    "\"annotations\":{\"vnd.docker.reference.type\":\"attestation-manifest\","
    "\"vnd.docker.reference.digest\":\"" D1 "\"}}]}";

static void
test_index_and_platforms(void)
{
    struct ks_arena *a = ks_arena_new(0);
    struct ks_err err = KS_ERR_INIT;
    struct img_index idx;
    struct img_platform p;
    struct ks_buf b = KS_BUF_INIT(64);

    CHECK_INT(img_doc_kind(index_json, sizeof(index_json) - 1), IMG_DOC_INDEX);
    CHECK_OK(img_parse_index(index_json, sizeof(index_json) - 1, "index.json", a, &idx, &err));
    CHECK_INT(idx.n, 4);
    CHECK(idx.items[3].is_attestation);
    CHECK_OK(img_platform_parse("linux/amd64", a, &p, &err));
    CHECK_INT(img_platform_select(&idx, &p), 0);
    CHECK_OK(img_platform_parse("linux/arm/v7", a, &p, &err));
    CHECK_INT(img_platform_select(&idx, &p), 1);
    CHECK_OK(img_platform_parse("linux/arm", a, &p, &err));
    CHECK_INT(img_platform_select(&idx, &p), 1);
    CHECK_OK(img_platform_parse("linux/arm64", a, &p, &err));
    CHECK_INT(img_platform_select(&idx, &p), 2);
    CHECK_OK(img_platform_parse("linux/arm/v6", a, &p, &err));
    CHECK_INT(img_platform_select(&idx, &p), -1);
    CHECK_OK(img_platform_parse("unknown/unknown", a, &p, &err));
    CHECK_INT(img_platform_select(&idx, &p), -1);
    CHECK_INT(img_platform_parse("linux", a, &p, &err), KS_EINVAL);
    CHECK_INT(img_platform_parse("linux/amd64/v1/x", a, &p, &err), KS_EINVAL);
    CHECK_INT(img_platform_parse("linux/AMD 64", a, &p, &err), KS_EINVAL);
    CHECK_OK(img_platform_parse(NULL, a, &p, &err));
    CHECK_STR(p.os, "linux");
    img_platform_format(&p, &b);
    CHECK(b.len > 6);
    ks_buf_release(&b);
    ks_arena_free(a);
}

static const char manifest_json[] =
    "{\"schemaVersion\":2,\"mediaType\":\"application/"
    "vnd.docker.distribution.manifest.v2+json\","
    "\"config\":{\"mediaType\":\"application/"
    "vnd.docker.container.image.v1+json\",\"size\":1469,"
    "\"digest\":\"" D1 "\"},"
    "\"layers\":[{\"mediaType\":\"application/"
    "vnd.docker.image.rootfs.diff.tar.gzip\","
    "\"size\":3370706,\"digest\":\"" D2 "\"},"
    "{\"mediaType\":\"application/"
    "vnd.oci.image.layer.v1.tar+zstd\",\"size\":10,\"digest\":\"" D3 "\"}]}";

static void
test_manifest(void)
{
    struct ks_arena *a = ks_arena_new(0);
    struct ks_err err = KS_ERR_INIT;
    struct img_manifest m;

    CHECK_INT(img_doc_kind(manifest_json, sizeof(manifest_json) - 1), IMG_DOC_MANIFEST);
    CHECK_OK(img_parse_manifest(manifest_json, sizeof(manifest_json) - 1, "m", a, &m, &err));
    CHECK_INT(m.n_layers, 2);
    CHECK_STR(m.config.digest, D1);
    CHECK_INT(m.layers[0].size, 3370706);
    CHECK_INT(img_layer_compression(m.layers[0].media_type), IMG_COMP_GZIP);
    CHECK_INT(img_layer_compression(m.layers[1].media_type), IMG_COMP_ZSTD);
    ks_arena_free(a);
}

static void
test_rejections(void)
{
    static const struct {
        const char *doc;
        enum ks_code want;
        const char *msg;
    } cases[] = {
        {"{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[]}", KS_EUNSUPPORTED, "schema 1"},
        {"{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:abc\",\"size\":1},"
         "\"layers\":[]}",
         KS_EPARSE, "invalid digest"},
        {"{\"schemaVersion\":2,\"config\":{\"digest\":\"sha256:../../../../etc/"
         "passwd\","
         "\"size\":1},\"layers\":[]}",
         KS_EPARSE, "invalid digest"},
        {"{\"schemaVersion\":2,\"config\":{\"digest\":\"" D1 "\",\"size\":-1},\"layers\":[]}",
         KS_EPARSE, "size"},
        {"{\"schemaVersion\":2,\"config\":{\"digest\":\"" D1 "\",\"size\":1},\"layers\":["
         "{\"mediaType\":\"application/x-evil\",\"digest\":\"" D2 "\",\"size\":3}]}",
         KS_EUNSUPPORTED, "x-evil"},
        {"{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/"
         "vnd.cncf.helm.config.v1+json\","
         "\"digest\":\"" D1 "\",\"size\":1},\"layers\":[]}",
         KS_EUNSUPPORTED, "not a container image"},
        {"{\"schemaVersion\":2,\"schemaVersion\":2}", KS_EPARSE, "duplicate"},
        {"[]", KS_EPARSE, "not a JSON object"},
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        struct ks_arena *a = ks_arena_new(0);
        struct ks_err err = KS_ERR_INIT;
        struct img_manifest m;
        enum ks_code rc =
            img_parse_manifest(cases[i].doc, strlen(cases[i].doc), "m.json", a, &m, &err);

        CHECK_MSG(rc == cases[i].want, "case %zu: %s (%s)", i, ks_code_name(rc), err.msg);
        CHECK_MSG(strstr(err.msg, cases[i].msg) != NULL, "case %zu: '%s'", i, err.msg);
        ks_arena_free(a);
    }
}

static const char config_json[] =
    "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-02T03:"
    "04:05Z\","
    "\"config\":{\"Env\":[\"PATH=/"
    "bin\"],\"Labels\":{\"org.opencontainers.image.source\":"
    "\"https://example.test/"
    "app\",\"org.opencontainers.image.base.name\":\"debian:12\"}},"
    "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"" D2 "\"]},"
    "\"history\":[{\"created\":\"2024-01-01T00:00:00Z\",\"created_by\":\"/bin/"
    "sh -c #(nop) "
    "ADD file:abc in / \"},{\"created_by\":\"/bin/sh -c #(nop)  CMD "
    "[\\\"bash\\\"]\","
    "\"empty_layer\":true},{\"created_by\":\"RUN apt-get install -y curl\"}]}";

static void
test_config_history(void)
{
    struct ks_arena *a = ks_arena_new(0);
    struct ks_err err = KS_ERR_INIT;
    struct img_config c;
    ptrdiff_t map[3];

    CHECK_OK(img_parse_config(config_json, sizeof(config_json) - 1, "config", a, &c, &err));
    CHECK_STR(c.os, "linux");
    CHECK_STR(c.arch, "amd64");
    CHECK_INT(c.n_diff_ids, 2);
    CHECK_INT(c.n_history, 3);
    CHECK_INT(c.n_labels, 2);
    CHECK_STR(c.labels[0].key, "org.opencontainers.image.base.name");
    img_history_map(&c, 3, map);
    CHECK_INT(map[0], 0);
    CHECK_INT(map[1], 2);
    CHECK_INT(map[2], -1);
    CHECK_STR(c.history[map[1]].created_by, "RUN apt-get install -y curl");
    ks_arena_free(a);
}

static void
test_save_manifest(void)
{
    static const char ok[] = "[{\"Config\":\"abc.json\",\"RepoTags\":[\"app:1\"],"
                             "\"Layers\":[\"l1/layer.tar\","
                             "\"blobs/sha256/22\"]}]";
    static const char evil[] = "[{\"Config\":\"abc.json\",\"Layers\":[\"../../etc/passwd\"]}]";
    static const char abs[] = "[{\"Config\":\"/etc/passwd\",\"Layers\":[]}]";
    struct ks_arena *a = ks_arena_new(0);
    struct ks_err err = KS_ERR_INIT;
    struct img_save_entry *es;
    size_t n;

    CHECK_OK(img_parse_save_manifest(ok, sizeof(ok) - 1, "manifest.json", a, &es, &n, &err));
    CHECK_INT(n, 1);
    CHECK_STR(es[0].repo_tags[0], "app:1");
    CHECK_INT(es[0].n_layers, 2);
    CHECK_INT(img_parse_save_manifest(evil, sizeof(evil) - 1, "manifest.json", a, &es, &n, &err),
              KS_EPARSE);
    CHECK(strstr(err.msg, "leaves the archive") != NULL);
    CHECK_INT(img_parse_save_manifest(abs, sizeof(abs) - 1, "manifest.json", a, &es, &n, &err),
              KS_EPARSE);
    ks_arena_free(a);
}

static void
test_digest_valid(void)
{
    CHECK(img_digest_valid(ks_str_c(D1)));
    CHECK(!img_digest_valid(ks_str_c("sha256:ABCD")));
    CHECK(!img_digest_valid(
        ks_str_c("sha256:"
                 "111111111111111111111111111111111111111111111111111111111111111G")));
    CHECK(!img_digest_valid(ks_str_c("md5:1111")));
}

KS_TEST_MAIN(KS_TEST(test_index_and_platforms), KS_TEST(test_manifest), KS_TEST(test_rejections),
             KS_TEST(test_config_history), KS_TEST(test_save_manifest), KS_TEST(test_digest_valid))
