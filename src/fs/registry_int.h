/*
 * registry_int.h: private to src/fs/: the OCI distribution client
 * (registry.c), its auth pieces (registry_auth.c) and the blob cache
 * (blobcache.c). See image_int.h for the image side.
 */
#ifndef KS_FS_REGISTRY_INT_H
#define KS_FS_REGISTRY_INT_H

#include "fs/image_int.h"

#define IMG_MAX_CHALLENGE 8192 /* one WWW-Authenticate header */
#define IMG_MAX_REALM     2048
#define IMG_MAX_HOST      256
#define IMG_MAX_USER      256
#define IMG_MAX_SECRET    4096 /* password or registry token */
#define IMG_MAX_TOKEN     (64 * 1024)
#define IMG_MAX_ERRBODY   4096 /* error body kept for the message */

enum img_auth_scheme { IMG_AUTH_NONE = 0, IMG_AUTH_BASIC, IMG_AUTH_BEARER };

struct img_challenge {
    enum img_auth_scheme scheme;
    char realm[IMG_MAX_REALM];
    char service[512];
    char scope[1024];
};

/*
 * Parse one WWW-Authenticate value: the first challenge's scheme (Bearer
 * or Basic) and its realm/service/scope parameters (token or
 * quoted-string). KS_EPARSE / KS_EUNSUPPORTED / KS_ETOOBIG. No allocation.
 */
enum ks_code img_challenge_parse(const char *hdr, size_t len, struct img_challenge *out,
                                 struct ks_err *err);

/* HOST/REPO[:TAG][@sha256:...], docker.io names normalised. */
struct img_ref {
    char host[IMG_MAX_HOST]; /* "127.0.0.1:5000", "registry-1.docker.io" */
    char repo[256];          /* "library/debian" */
    char tag[129];           /* "" when only a digest was given */
    char digest[IMG_DIGEST_MAX];
};

enum ks_code img_ref_parse(const char *text, struct img_ref *out, struct ks_err *err);

/* Credentials for one registry; wipe with img_creds_wipe() when done. */
struct img_creds {
    bool have;
    char user[IMG_MAX_USER];
    char pass[IMG_MAX_SECRET];
};

void img_creds_wipe(struct img_creds *c);
/*
 * Find host's entry in a docker config.json (`auths`: "auth" base64 of
 * user:password, or "username"/"password"). KS_ENOTFOUND when there is
 * none; KS_EUNSUPPORTED for identity tokens. Error messages never carry
 * the secrets.
 */
enum ks_code img_docker_config_parse(const void *data, size_t len, const char *source,
                                     const char *host, struct img_creds *out, struct ks_err *err);
/*
 * Look host up in config_path, or else $DOCKER_CONFIG/config.json (or
 * ~/.docker/config.json), then $REGISTRY_AUTH_FILE. KS_ENOTFOUND if none.
 */
enum ks_code img_creds_lookup(const char *config_path, const char *host, struct img_creds *out,
                              const char **used, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Blob cache: dir/sha256/<hex>, bounded, least recently used evicted.      */

#define IMG_CACHE_DEFAULT_MAX ((uint64_t)5 << 30)

struct img_cache;

/*
 * Open (creating it) the cache at dir, or at $KENSA_CACHE_DIR/blobs, or
 * $XDG_CACHE_HOME/kensa/blobs, or ~/.cache/kensa/blobs. max_bytes 0 takes
 * $KENSA_BLOB_CACHE_MAX (bytes, or with K/M/G suffix) or the default;
 * UINT64_MAX... is never implied: the cache is always bounded.
 */
enum ks_code img_cache_open(const char *dir, uint64_t max_bytes, struct img_cache **out,
                            struct ks_err *err);
void img_cache_free(struct img_cache *c);
const char *img_cache_dir(const struct img_cache *c);
uint64_t img_cache_max(const struct img_cache *c);
/* A verified stream over a cached blob (its use refreshes it), or KS_ENOTFOUND. */
enum ks_code img_cache_get(struct img_cache *c, const char *digest, uint64_t size, bool has_size,
                           struct img_stream **out, struct ks_err *err);
/* A temporary file in the cache to download into: fd and its path. */
enum ks_code img_cache_begin(struct img_cache *c, int *fd, struct ks_buf *tmp_path,
                             struct ks_err *err);
/* Move a verified download into place under digest, then evict down to the bound. */
enum ks_code img_cache_commit(struct img_cache *c, const char *tmp_path, const char *digest,
                              struct ks_err *err);
/* Evict least recently used blobs until the total is at most max (keep is spared). */
enum ks_code img_cache_evict(struct img_cache *c, const char *keep, struct ks_err *err);
/* Bytes held now (sum of blob sizes). */
uint64_t img_cache_size(struct img_cache *c);
/* "512M", "5G", "1048576" -> bytes. */
enum ks_code img_parse_size(const char *s, uint64_t *out);

/* ------------------------------------------------------------------------ */
/* The registry client.                                                     */

struct img_registry;

struct img_registry_opts {
    bool insecure;           /* plain HTTP fallback, unverified TLS */
    const char *auth_config; /* docker config.json path, or NULL for the defaults */
    struct img_cache *cache; /* borrowed; NULL: blobs go to unlinked temp files */
    img_warn_fn warn;
    void *warn_ctx;
};

enum ks_code img_registry_new(const struct img_ref *ref, const struct img_registry_opts *opts,
                              struct img_registry **out, struct ks_err *err);
void img_registry_free(struct img_registry *r);
/*
 * GET a manifest or index by tag or digest (Accept: OCI and Docker types).
 * out gets the body (at most IMG_MAX_JSON), digest its sha256 (checked
 * against a digest reference and against Docker-Content-Digest).
 */
enum ks_code img_registry_manifest(struct img_registry *r, const char *reference,
                                   struct ks_buf *out, char digest[IMG_DIGEST_MAX],
                                   struct ks_err *err);
/*
 * A verified stream over a blob, from the cache or downloaded into it
 * (sha256 and size checked before it is kept).
 */
enum ks_code img_registry_blob(struct img_registry *r, const struct img_desc *d,
                               struct img_stream **out, struct ks_err *err);
/* Bytes downloaded so far (benchmarks). */
uint64_t img_registry_downloaded(const struct img_registry *r);

#endif
