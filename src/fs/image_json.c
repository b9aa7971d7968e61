/*
 * image_json.c: the JSON documents of container images, parsed strictly
 * (OCI image-spec v1.1 and Docker Image Manifest V2 Schema 2): indexes and
 * manifest lists, manifests, image configs, docker-save manifest.json.
 * Digests are validated before anything uses them as file names; every
 * list has a named limit. Also platform parsing and selection.
 */
#include "fs/image_int.h"

#include <string.h>
#include <sys/utsname.h>

#include <jansson.h>

#include "base/banned.h"

bool
img_digest_valid(struct ks_str s)
{
    if (s.len != 71 || memcmp(s.ptr, "sha256:", 7) != 0)
        return false;
    for (size_t i = 7; i < s.len; i++) {
        char c = s.ptr[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

static bool
str_is(const char *s, const char *lit)
{
    return s != NULL && strcmp(s, lit) == 0;
}

enum img_compression
img_layer_compression(const char *mt)
{
    if (mt == NULL)
        return IMG_COMP_UNKNOWN;
    if (str_is(mt, "application/vnd.oci.image.layer.v1.tar") ||
        str_is(mt, "application/vnd.oci.image.layer.nondistributable.v1.tar"))
        return IMG_COMP_NONE;
    if (str_is(mt, "application/vnd.oci.image.layer.v1.tar+gzip") ||
        str_is(mt, "application/vnd.docker.image.rootfs.diff.tar.gzip") ||
        str_is(mt, "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip") ||
        str_is(mt, "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"))
        return IMG_COMP_GZIP;
    if (str_is(mt, "application/vnd.oci.image.layer.v1.tar+zstd") ||
        str_is(mt, "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"))
        return IMG_COMP_ZSTD;
    return IMG_COMP_UNKNOWN;
}

bool
img_layer_media_ok(const char *mt)
{
    /* Absent (docker-save) and the docker "tar" layer are sniffed. */
    return mt == NULL || img_layer_compression(mt) != IMG_COMP_UNKNOWN ||
           str_is(mt, "application/vnd.docker.image.rootfs.diff.tar");
}

enum img_doc
img_doc_kind(const void *data, size_t len)
{
    json_error_t je;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    enum img_doc kind = IMG_DOC_UNKNOWN;
    const char *mt;

    if (!json_is_object(root))
        goto out;
    mt = ks_json_str(root, "mediaType");
    if (str_is(mt, IMG_MT_OCI_INDEX) || str_is(mt, IMG_MT_DOCKER_LIST))
        kind = IMG_DOC_INDEX;
    else if (str_is(mt, IMG_MT_OCI_MANIFEST) || str_is(mt, IMG_MT_DOCKER_MANIFEST))
        kind = IMG_DOC_MANIFEST;
    else if (mt != NULL && strstr(mt, "manifest.v1") != NULL)
        kind = IMG_DOC_SCHEMA1;
    else if (mt == NULL) {
        /* mediaType is optional in OCI documents: tell them apart by shape. */
        if (json_integer_value(json_object_get(root, "schemaVersion")) == 1)
            kind = IMG_DOC_SCHEMA1;
        else if (json_is_array(json_object_get(root, "manifests")))
            kind = IMG_DOC_INDEX;
        else if (json_is_object(json_object_get(root, "config")) &&
                 json_is_array(json_object_get(root, "layers")))
            kind = IMG_DOC_MANIFEST;
    }
out:
    json_decref(root);
    return kind;
}

/* ------------------------------------------------------------------------ */

static enum ks_code
oom(struct ks_err *err, const char *source)
{
    return ks_err_set(err, KS_ENOMEM, "image: out of memory parsing %s", source);
}

/* An optional string member; KS_EPARSE if present and not a string. */
static enum ks_code
opt_str(const json_t *obj, const char *key, const char *source, const char *where,
        struct ks_arena *a, const char **out, struct ks_err *err)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return KS_OK;
    if (!json_is_string(v))
        return ks_err_set(err, KS_EPARSE, "%s: %s%s'%s' is not a string", source, where,
                          where[0] ? " " : "", key);
    *out = ks_arena_strndup(a, json_string_value(v), json_string_length(v));
    return *out ? KS_OK : oom(err, source);
}

static int
kv_cmp(const void *x, const void *y)
{
    return strcmp(((const struct img_kv *)x)->key, ((const struct img_kv *)y)->key);
}

/* A {string: string} object (labels, annotations) into a sorted array. */
static enum ks_code
parse_kvs(const json_t *obj, const char *source, const char *what, struct ks_arena *a,
          struct img_kv **out, size_t *n, struct ks_err *err)
{
    const char *key;
    json_t *v;
    size_t i = 0;

    *out = NULL;
    *n = 0;
    if (obj == NULL || json_is_null(obj))
        return KS_OK;
    if (!json_is_object(obj))
        return ks_err_set(err, KS_EPARSE, "%s: '%s' is not an object", source, what);
    if (json_object_size(obj) > IMG_MAX_LABELS)
        return ks_err_set(err, KS_ETOOBIG, "%s: '%s' has %zu entries (limit %d)", source, what,
                          json_object_size(obj), IMG_MAX_LABELS);
    if (json_object_size(obj) == 0)
        return KS_OK;
    *out = ks_arena_calloc(a, json_object_size(obj), sizeof(**out));
    if (*out == NULL)
        return oom(err, source);
    json_object_foreach((json_t *)obj, key, v)
    {
        if (!json_is_string(v))
            return ks_err_set(err, KS_EPARSE, "%s: %s '%s' is not a string", source, what, key);
        (*out)[i].key = ks_arena_strdup(a, key);
        (*out)[i].value = ks_arena_strndup(a, json_string_value(v), json_string_length(v));
        if ((*out)[i].key == NULL || (*out)[i].value == NULL)
            return oom(err, source);
        i++;
    }
    qsort(*out, i, sizeof(**out), kv_cmp);
    *n = i;
    return KS_OK;
}

static enum ks_code
parse_platform(const json_t *p, const char *source, const char *where, struct ks_arena *a,
               struct img_platform *out, struct ks_err *err)
{
    enum ks_code rc;

    if (!json_is_object(p))
        return ks_err_set(err, KS_EPARSE, "%s: %s 'platform' is not an object", source, where);
    if ((rc = opt_str(p, "os", source, where, a, &out->os, err)) != KS_OK ||
        (rc = opt_str(p, "architecture", source, where, a, &out->arch, err)) != KS_OK ||
        (rc = opt_str(p, "variant", source, where, a, &out->variant, err)) != KS_OK)
        return rc;
    if (out->os == NULL || out->arch == NULL)
        return ks_err_set(err, KS_EPARSE, "%s: %s platform lacks 'os' or 'architecture'", source,
                          where);
    if (out->variant != NULL && out->variant[0] == '\0')
        out->variant = NULL;
    return KS_OK;
}

/* One descriptor; `where` names it ("manifests[3]"). */
static enum ks_code
parse_desc(const json_t *d, const char *source, const char *where, struct ks_arena *a,
           struct img_desc *out, struct ks_err *err)
{
    enum ks_code rc;
    struct ks_str dg;
    json_t *size, *ann, *urls;

    if (!json_is_object(d))
        return ks_err_set(err, KS_EPARSE, "%s: %s is not an object", source, where);
    if ((rc = opt_str(d, "mediaType", source, where, a, &out->media_type, err)) != KS_OK)
        return rc;
    dg = ks_json_strv(d, "digest");
    if (dg.ptr == NULL)
        return ks_err_set(err, KS_EPARSE, "%s: %s has no 'digest'", source, where);
    if (!img_digest_valid(dg)) {
        if (ks_str_has_prefix(dg, "sha512:"))
            return ks_err_set(err, KS_EUNSUPPORTED, "%s: %s: sha512 digests are not supported",
                              source, where);
        return ks_err_set(err, KS_EPARSE, "%s: %s: invalid digest '%.80s'", source, where, dg.ptr);
    }
    memcpy(out->digest, dg.ptr, dg.len);
    out->digest[dg.len] = '\0';
    size = json_object_get(d, "size");
    if (size == NULL || !json_is_integer(size) || json_integer_value(size) < 0)
        return ks_err_set(err, KS_EPARSE, "%s: %s has no valid 'size'", source, where);
    out->size = (uint64_t)json_integer_value(size);
    out->has_size = true;
    if (json_object_get(d, "platform") != NULL) {
        if ((rc = parse_platform(json_object_get(d, "platform"), source, where, a, &out->platform,
                                 err)) != KS_OK)
            return rc;
        out->has_platform = true;
    }
    ann = json_object_get(d, "annotations");
    if (ann != NULL && !json_is_null(ann)) {
        if (!json_is_object(ann))
            return ks_err_set(err, KS_EPARSE, "%s: %s 'annotations' is not an object", source,
                              where);
        if ((rc = opt_str(ann, "org.opencontainers.image.ref.name", source, where, a,
                          &out->ref_name, err)) != KS_OK)
            return rc;
        /* buildkit's provenance/SBOM attestations sit in the index as manifests. */
        if (str_is(ks_json_str(ann, "vnd.docker.reference.type"), "attestation-manifest"))
            out->is_attestation = true;
    }
    urls = json_object_get(d, "urls");
    if (json_is_array(urls) && json_array_size(urls) > 0)
        out->is_foreign = true;
    return KS_OK;
}

static enum ks_code
parse_root(const void *data, size_t len, const char *source, json_t **root, struct ks_err *err)
{
    enum ks_code rc;

    if (len > IMG_MAX_CONFIG)
        return ks_err_set(err, KS_ETOOBIG, "%s: %zu bytes (limit %zu)", source, len,
                          IMG_MAX_CONFIG);
    if ((rc = ks_json_parse(data, len, source, root, err)) != KS_OK)
        return rc;
    if (!json_is_object(*root)) {
        json_decref(*root);
        *root = NULL;
        return ks_err_set(err, KS_EPARSE, "%s: not a JSON object", source);
    }
    return KS_OK;
}

static enum ks_code
check_schema2(const json_t *root, const char *source, struct ks_err *err)
{
    json_t *sv = json_object_get(root, "schemaVersion");

    if (sv == NULL || !json_is_integer(sv))
        return ks_err_set(err, KS_EPARSE, "%s: no integer 'schemaVersion'", source);
    if (json_integer_value(sv) == 1)
        return ks_err_set(err, KS_EUNSUPPORTED,
                          "%s: Docker image manifest schema 1 is not supported (deprecated "
                          "since 2017; re-push the image)",
                          source);
    if (json_integer_value(sv) != 2)
        return ks_err_set(err, KS_EUNSUPPORTED, "%s: schemaVersion %lld is not supported", source,
                          (long long)json_integer_value(sv));
    return KS_OK;
}

/* The descriptor array `key` of root ("manifests", "layers"), at most max. */
static enum ks_code
parse_descs(const json_t *root, const char *key, size_t max, const char *source,
            struct ks_arena *a, struct img_desc **items, size_t *n, struct ks_err *err)
{
    const json_t *arr = json_object_get(root, key);
    char where[48];
    enum ks_code rc;

    *items = NULL;
    *n = 0;
    if (!json_is_array(arr))
        return ks_err_set(err, KS_EPARSE, "%s: no '%s' array", source, key);
    if (json_array_size(arr) > max)
        return ks_err_set(err, KS_ETOOBIG, "%s: %zu %s (limit %zu)", source,
                          json_array_size(arr), key, max);
    if (json_array_size(arr) == 0)
        return KS_OK;
    if ((*items = ks_arena_calloc(a, json_array_size(arr), sizeof(**items))) == NULL)
        return oom(err, source);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        snprintf(where, sizeof(where), "%s[%zu]", key, i);
        if ((rc = parse_desc(json_array_get(arr, i), source, where, a, &(*items)[i], err)) !=
            KS_OK)
            return rc;
    }
    *n = json_array_size(arr);
    return KS_OK;
}

enum ks_code
img_parse_index(const void *data, size_t len, const char *source, struct ks_arena *a,
                struct img_index *out, struct ks_err *err)
{
    json_t *root = NULL;
    enum ks_code rc;
    struct img_index idx = {0};

    if ((rc = parse_root(data, len, source, &root, err)) != KS_OK)
        return rc;
    if ((rc = check_schema2(root, source, err)) != KS_OK ||
        (rc = opt_str(root, "mediaType", source, "", a, &idx.media_type, err)) != KS_OK)
        goto out;
    if (idx.media_type != NULL && !str_is(idx.media_type, IMG_MT_OCI_INDEX) &&
        !str_is(idx.media_type, IMG_MT_DOCKER_LIST)) {
        rc = ks_err_set(err, KS_EPARSE, "%s: mediaType '%.100s' is not an index", source,
                        idx.media_type);
        goto out;
    }
    if ((rc = parse_descs(root, "manifests", IMG_MAX_DESCS, source, a, &idx.items, &idx.n, err)) !=
        KS_OK)
        goto out;
    *out = idx;
    rc = KS_OK;
out:
    json_decref(root);
    return rc;
}

enum ks_code
img_parse_manifest(const void *data, size_t len, const char *source, struct ks_arena *a,
                   struct img_manifest *out, struct ks_err *err)
{
    json_t *root = NULL;
    enum ks_code rc;
    struct img_manifest m = {0};

    if ((rc = parse_root(data, len, source, &root, err)) != KS_OK)
        return rc;
    if ((rc = check_schema2(root, source, err)) != KS_OK ||
        (rc = opt_str(root, "mediaType", source, "", a, &m.media_type, err)) != KS_OK)
        goto out;
    if (m.media_type != NULL && !str_is(m.media_type, IMG_MT_OCI_MANIFEST) &&
        !str_is(m.media_type, IMG_MT_DOCKER_MANIFEST)) {
        rc = ks_err_set(err, KS_EPARSE, "%s: mediaType '%.100s' is not an image manifest", source,
                        m.media_type);
        goto out;
    }
    if ((rc = parse_desc(json_object_get(root, "config"), source, "config", a, &m.config, err)) !=
        KS_OK)
        goto out;
    if (m.config.media_type != NULL && !str_is(m.config.media_type, IMG_MT_OCI_CONFIG) &&
        !str_is(m.config.media_type, IMG_MT_DOCKER_CONFIG)) {
        /* An OCI artifact (helm chart, signature, SBOM) is not a container image.
         */
        rc =
            ks_err_set(err, KS_EUNSUPPORTED, "%s: config mediaType '%.100s': not a container image",
                       source, m.config.media_type);
        goto out;
    }
    if ((rc = parse_descs(root, "layers", IMG_MAX_LAYERS, source, a, &m.layers, &m.n_layers,
                          err)) != KS_OK)
        goto out;
    for (size_t i = 0; i < m.n_layers; i++) {
        if (!img_layer_media_ok(m.layers[i].media_type)) {
            rc = ks_err_set(err, KS_EUNSUPPORTED,
                            "%s: layers[%zu]: layer mediaType '%.100s' is not supported", source,
                            i, m.layers[i].media_type);
            goto out;
        }
    }
    if ((rc = parse_kvs(json_object_get(root, "annotations"), source, "annotations", a,
                        &m.annotations, &m.n_annotations, err)) != KS_OK)
        goto out;
    *out = m;
    rc = KS_OK;
out:
    json_decref(root);
    return rc;
}

enum ks_code
img_parse_config(const void *data, size_t len, const char *source, struct ks_arena *a,
                 struct img_config *out, struct ks_err *err)
{
    json_t *root = NULL, *rootfs, *ids, *hist, *cfg;
    enum ks_code rc;
    struct img_config c = {0};

    if ((rc = parse_root(data, len, source, &root, err)) != KS_OK)
        return rc;
    if ((rc = opt_str(root, "os", source, "", a, &c.os, err)) != KS_OK ||
        (rc = opt_str(root, "architecture", source, "", a, &c.arch, err)) != KS_OK ||
        (rc = opt_str(root, "variant", source, "", a, &c.variant, err)) != KS_OK ||
        (rc = opt_str(root, "created", source, "", a, &c.created, err)) != KS_OK ||
        (rc = opt_str(root, "author", source, "", a, &c.author, err)) != KS_OK)
        goto out;
    rootfs = json_object_get(root, "rootfs");
    if (!json_is_object(rootfs)) {
        rc = ks_err_set(err, KS_EPARSE, "%s: no 'rootfs' object", source);
        goto out;
    }
    if (!str_is(ks_json_str(rootfs, "type"), "layers")) {
        rc = ks_err_set(err, KS_EPARSE, "%s: rootfs.type is not 'layers'", source);
        goto out;
    }
    ids = json_object_get(rootfs, "diff_ids");
    if (!json_is_array(ids)) {
        rc = ks_err_set(err, KS_EPARSE, "%s: no 'rootfs.diff_ids' array", source);
        goto out;
    }
    if (json_array_size(ids) > IMG_MAX_LAYERS) {
        rc = ks_err_set(err, KS_ETOOBIG, "%s: %zu diff_ids (limit %d)", source,
                        json_array_size(ids), IMG_MAX_LAYERS);
        goto out;
    }
    c.n_diff_ids = json_array_size(ids);
    if (c.n_diff_ids > 0 &&
        (c.diff_ids = ks_arena_calloc(a, c.n_diff_ids, sizeof(*c.diff_ids))) == NULL) {
        rc = oom(err, source);
        goto out;
    }
    for (size_t i = 0; i < c.n_diff_ids; i++) {
        json_t *v = json_array_get(ids, i);
        struct ks_str s = json_is_string(v)
                              ? ks_str_make(json_string_value(v), json_string_length(v))
                              : KS_STR_NULL;

        if (!img_digest_valid(s)) {
            rc = ks_err_set(err, KS_EPARSE, "%s: rootfs.diff_ids[%zu] is not a sha256 digest",
                            source, i);
            goto out;
        }
        if ((c.diff_ids[i] = ks_arena_strdup_str(a, s)) == NULL) {
            rc = oom(err, source);
            goto out;
        }
    }
    hist = json_object_get(root, "history");
    if (hist != NULL && !json_is_null(hist)) {
        if (!json_is_array(hist)) {
            rc = ks_err_set(err, KS_EPARSE, "%s: 'history' is not an array", source);
            goto out;
        }
        if (json_array_size(hist) > IMG_MAX_HISTORY) {
            rc = ks_err_set(err, KS_ETOOBIG, "%s: %zu history entries (limit %d)", source,
                            json_array_size(hist), IMG_MAX_HISTORY);
            goto out;
        }
        c.n_history = json_array_size(hist);
        if (c.n_history > 0 &&
            (c.history = ks_arena_calloc(a, c.n_history, sizeof(*c.history))) == NULL) {
            rc = oom(err, source);
            goto out;
        }
        for (size_t i = 0; i < c.n_history; i++) {
            json_t *h = json_array_get(hist, i), *el;
            char where[40];

            snprintf(where, sizeof(where), "history[%zu]", i);
            if (!json_is_object(h)) {
                rc = ks_err_set(err, KS_EPARSE, "%s: %s is not an object", source, where);
                goto out;
            }
            if ((rc = opt_str(h, "created", source, where, a, &c.history[i].created, err)) !=
                    KS_OK ||
                (rc = opt_str(h, "created_by", source, where, a, &c.history[i].created_by, err)) !=
                    KS_OK ||
                (rc = opt_str(h, "comment", source, where, a, &c.history[i].comment, err)) != KS_OK)
                goto out;
            el = json_object_get(h, "empty_layer");
            if (el != NULL && !json_is_null(el) && !json_is_boolean(el)) {
                rc = ks_err_set(err, KS_EPARSE, "%s: %s 'empty_layer' is not a boolean", source,
                                where);
                goto out;
            }
            c.history[i].empty_layer = json_is_true(el);
        }
    }
    cfg = json_object_get(root, "config");
    if (cfg != NULL && !json_is_null(cfg)) {
        if (!json_is_object(cfg)) {
            rc = ks_err_set(err, KS_EPARSE, "%s: 'config' is not an object", source);
            goto out;
        }
        if ((rc = parse_kvs(json_object_get(cfg, "Labels"), source, "config.Labels", a, &c.labels,
                            &c.n_labels, err)) != KS_OK)
            goto out;
    }
    *out = c;
    rc = KS_OK;
out:
    json_decref(root);
    return rc;
}

/* A member path of a docker-save tar: relative, no '..', not empty. */
static bool
member_path_ok(struct ks_str p)
{
    struct ks_buf b = KS_BUF_INIT(IMG_MAX_LINK);
    bool ok = p.len > 0 && img_path_clean(p, &b) && b.len > 0;

    ks_buf_release(&b);
    return ok;
}

static enum ks_code
save_path(json_t *v, const char *source, const char *where, struct ks_arena *a, const char **out,
          struct ks_err *err)
{
    struct ks_str s;

    if (!json_is_string(v))
        return ks_err_set(err, KS_EPARSE, "%s: %s is not a string", source, where);
    s = ks_str_make(json_string_value(v), json_string_length(v));
    if (!member_path_ok(s))
        return ks_err_set(err, KS_EPARSE, "%s: %s: path '%.200s' leaves the archive", source, where,
                          s.ptr);
    *out = ks_arena_strdup_str(a, s);
    return *out ? KS_OK : oom(err, source);
}

enum ks_code
img_parse_save_manifest(const void *data, size_t len, const char *source, struct ks_arena *a,
                        struct img_save_entry **out, size_t *n, struct ks_err *err)
{
    json_t *root = NULL;
    enum ks_code rc;
    struct img_save_entry *es = NULL;
    size_t count;
    char where[64];

    if (len > IMG_MAX_JSON)
        return ks_err_set(err, KS_ETOOBIG, "%s: %zu bytes (limit %zu)", source, len, IMG_MAX_JSON);
    if ((rc = ks_json_parse(data, len, source, &root, err)) != KS_OK)
        return rc;
    if (!json_is_array(root) || json_array_size(root) == 0) {
        rc = ks_err_set(err, KS_EPARSE, "%s: not a non-empty JSON array", source);
        goto out;
    }
    count = json_array_size(root);
    if (count > IMG_MAX_DESCS) {
        rc = ks_err_set(err, KS_ETOOBIG, "%s: %zu images (limit %d)", source, count, IMG_MAX_DESCS);
        goto out;
    }
    if ((es = ks_arena_calloc(a, count, sizeof(*es))) == NULL) {
        rc = oom(err, source);
        goto out;
    }
    for (size_t i = 0; i < count; i++) {
        json_t *e = json_array_get(root, i), *tags, *layers;

        if (!json_is_object(e)) {
            rc = ks_err_set(err, KS_EPARSE, "%s: [%zu] is not an object", source, i);
            goto out;
        }
        snprintf(where, sizeof(where), "[%zu].Config", i);
        if ((rc = save_path(json_object_get(e, "Config"), source, where, a, &es[i].config, err)) !=
            KS_OK)
            goto out;
        tags = json_object_get(e, "RepoTags");
        if (json_is_array(tags)) {
            if (json_array_size(tags) > IMG_MAX_LABELS) {
                rc = ks_err_set(err, KS_ETOOBIG, "%s: [%zu]: too many RepoTags", source, i);
                goto out;
            }
            es[i].repo_tags = ks_arena_calloc(a, json_array_size(tags) + 1, sizeof(char *));
            if (es[i].repo_tags == NULL) {
                rc = oom(err, source);
                goto out;
            }
            for (size_t j = 0; j < json_array_size(tags); j++) {
                json_t *t = json_array_get(tags, j);

                if (!json_is_string(t)) {
                    rc = ks_err_set(err, KS_EPARSE, "%s: [%zu].RepoTags[%zu] is not a string",
                                    source, i, j);
                    goto out;
                }
                es[i].repo_tags[es[i].n_repo_tags] = ks_arena_strdup(a, json_string_value(t));
                if (es[i].repo_tags[es[i].n_repo_tags++] == NULL) {
                    rc = oom(err, source);
                    goto out;
                }
            }
        } else if (tags != NULL && !json_is_null(tags)) {
            rc = ks_err_set(err, KS_EPARSE, "%s: [%zu].RepoTags is not an array", source, i);
            goto out;
        }
        layers = json_object_get(e, "Layers");
        if (!json_is_array(layers)) {
            rc = ks_err_set(err, KS_EPARSE, "%s: [%zu] has no 'Layers' array", source, i);
            goto out;
        }
        if (json_array_size(layers) > IMG_MAX_LAYERS) {
            rc = ks_err_set(err, KS_ETOOBIG, "%s: [%zu]: %zu layers (limit %d)", source, i,
                            json_array_size(layers), IMG_MAX_LAYERS);
            goto out;
        }
        es[i].n_layers = json_array_size(layers);
        es[i].layers = ks_arena_calloc(a, es[i].n_layers + 1, sizeof(char *));
        if (es[i].layers == NULL) {
            rc = oom(err, source);
            goto out;
        }
        for (size_t j = 0; j < es[i].n_layers; j++) {
            snprintf(where, sizeof(where), "[%zu].Layers[%zu]", i, j);
            if ((rc = save_path(json_array_get(layers, j), source, where, a, &es[i].layers[j],
                                err)) != KS_OK)
                goto out;
        }
    }
    *out = es;
    *n = count;
    rc = KS_OK;
out:
    json_decref(root);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Platforms.                                                               */

static bool
platform_word_ok(struct ks_str s)
{
    if (s.len == 0 || s.len > 32)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];

        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

static void
host_platform(const char **arch, const char **variant)
{
    struct utsname u;

    *arch = "amd64";
    *variant = NULL;
    if (uname(&u) != 0)
        return;
    if (strcmp(u.machine, "aarch64") == 0 || strcmp(u.machine, "arm64") == 0)
        *arch = "arm64";
    else if (strncmp(u.machine, "armv7", 5) == 0) {
        *arch = "arm";
        *variant = "v7";
    } else if (strncmp(u.machine, "armv6", 5) == 0) {
        *arch = "arm";
        *variant = "v6";
    } else if (strcmp(u.machine, "i386") == 0 || strcmp(u.machine, "i686") == 0)
        *arch = "386";
    else if (strcmp(u.machine, "ppc64le") == 0)
        *arch = "ppc64le";
    else if (strcmp(u.machine, "s390x") == 0)
        *arch = "s390x";
    else if (strcmp(u.machine, "riscv64") == 0)
        *arch = "riscv64";
}

enum ks_code
img_platform_parse(const char *text, struct ks_arena *a, struct img_platform *out,
                   struct ks_err *err)
{
    struct ks_str s = ks_str_c(text), parts[3];
    size_t n = 0;

    if (text == NULL || text[0] == '\0') {
        out->os = "linux";
        host_platform(&out->arch, &out->variant);
        return KS_OK;
    }
    while (n < 3) {
        struct ks_str head, tail;

        if (ks_str_split2(s, '/', &head, &tail)) {
            parts[n++] = head;
            s = tail;
        } else {
            parts[n++] = s;
            s = KS_STR_NULL;
            break;
        }
    }
    if (s.len > 0 || n < 2)
        return ks_err_set(err, KS_EINVAL, "platform '%s': expected os/arch[/variant]", text);
    for (size_t i = 0; i < n; i++)
        if (!platform_word_ok(parts[i]))
            return ks_err_set(err, KS_EINVAL, "platform '%s': invalid component '%.*s'", text,
                              KS_STR_ARG(parts[i]));
    out->os = ks_arena_strdup_str(a, parts[0]);
    out->arch = ks_arena_strdup_str(a, parts[1]);
    out->variant = n == 3 ? ks_arena_strdup_str(a, parts[2]) : NULL;
    if (out->os == NULL || out->arch == NULL || (n == 3 && out->variant == NULL))
        return ks_err_set(err, KS_ENOMEM, "platform: out of memory");
    return KS_OK;
}

void
img_platform_format(const struct img_platform *p, struct ks_buf *out)
{
    ks_buf_appendf(out, "%s/%s", p->os ? p->os : "?", p->arch ? p->arch : "?");
    if (p->variant != NULL)
        ks_buf_appendf(out, "/%s", p->variant);
}

/* arm64's variant is v8 when unset, so "" and "v8" are the same platform. */
static bool
variant_eq(const char *arch, const char *a, const char *b)
{
    if (a != NULL && b != NULL)
        return strcmp(a, b) == 0;
    if (arch != NULL && strcmp(arch, "arm64") == 0)
        return (a == NULL || strcmp(a, "v8") == 0) && (b == NULL || strcmp(b, "v8") == 0);
    return a == NULL && b == NULL;
}

ptrdiff_t
img_platform_select(const struct img_index *idx, const struct img_platform *want)
{
    ptrdiff_t loose = -1;

    for (size_t i = 0; i < idx->n; i++) {
        const struct img_desc *d = &idx->items[i];

        if (d->is_attestation || !d->has_platform)
            continue;
        if (!str_is(d->platform.os, want->os) || !str_is(d->platform.arch, want->arch))
            continue;
        if (variant_eq(want->arch, d->platform.variant, want->variant))
            return (ptrdiff_t)i;
        /* No variant asked for: the first entry of that os/arch will do. */
        if (want->variant == NULL && loose < 0)
            loose = (ptrdiff_t)i;
    }
    return loose;
}

void
img_history_map(const struct img_config *cfg, size_t n_layers, ptrdiff_t *out)
{
    size_t layer = 0;

    for (size_t i = 0; i < n_layers; i++)
        out[i] = -1;
    for (size_t h = 0; h < cfg->n_history && layer < n_layers; h++) {
        if (cfg->history[h].empty_layer)
            continue;
        out[layer++] = (ptrdiff_t)h;
    }
}
