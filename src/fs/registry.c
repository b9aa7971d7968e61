/*
 * registry.c: an OCI distribution (Docker Registry HTTP API v2) client over
 * libcurl, for pulling: the /v2/ ping learns the auth scheme; Bearer
 * challenges get a token from the realm (service and scope as the
 * challenge says, basic credentials from docker config.json when there are
 * some); Basic challenges get the credentials directly. Manifests are
 * size-capped and digest-checked; blobs are streamed into the blob cache
 * while their sha256 and size are checked, and kept only when both match.
 * HTTPS with verification unless --insecure (then unverified TLS, falling
 * back to plain HTTP). Tokens and passwords never reach a log or an error.
 */
#include "fs/registry_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base/banned.h"

#define ACCEPT_MANIFESTS                                                                           \
    "Accept: " IMG_MT_OCI_INDEX ", " IMG_MT_OCI_MANIFEST ", " IMG_MT_DOCKER_LIST                   \
    ", " IMG_MT_DOCKER_MANIFEST

struct img_registry {
    CURL *curl;
    struct img_ref ref;
    struct img_registry_opts opts;
    const char *scheme; /* "https" or "http" */
    bool pinged;
    enum img_auth_scheme auth;
    struct img_challenge challenge;
    struct img_creds creds;
    bool creds_looked_up;
    char *token; /* Bearer token (wiped on free) */
    uint64_t downloaded;
};

/* One response being received. */
struct resp {
    struct img_registry *r;
    long status;
    char content_type[128];
    char docker_digest[IMG_DIGEST_MAX + 8];
    char www_auth[IMG_MAX_CHALLENGE + 1];
    uint64_t content_length;
    bool has_length;
    /* body sinks: a buffer (manifests, tokens) or a file (blobs) */
    struct ks_buf *body;
    size_t body_max;
    int fd;
    EVP_MD_CTX *md;
    uint64_t limit; /* blob: bytes allowed */
    uint64_t got;
    struct ks_buf errbody;
    enum ks_code sink_rc;
    char sink_msg[256];
};

static bool curl_ready;

static enum ks_code
global_init(struct ks_err *err)
{
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            return ks_err_set(err, KS_EINTERNAL, "registry: libcurl initialisation failed");
        curl_ready = true;
    }
    return KS_OK;
}

static size_t
on_header(char *buf, size_t size, size_t n, void *ctx)
{
    struct resp *rs = ctx;
    size_t len = size * n;
    struct ks_str line = ks_str_trim(ks_str_make(buf, len)), name, value;

    /* A new status line (after a redirect or 100): forget earlier headers. */
    if (ks_str_has_prefix(line, "HTTP/")) {
        rs->content_type[0] = rs->docker_digest[0] = rs->www_auth[0] = '\0';
        rs->has_length = false;
        return len;
    }
    if (!ks_str_split2(line, ':', &name, &value))
        return len;
    value = ks_str_trim(value);
    if (ks_str_ieq_c(name, "content-type") && value.len < sizeof(rs->content_type)) {
        memcpy(rs->content_type, value.ptr, value.len);
        rs->content_type[value.len] = '\0';
    } else if (ks_str_ieq_c(name, "docker-content-digest") &&
               value.len < sizeof(rs->docker_digest)) {
        memcpy(rs->docker_digest, value.ptr, value.len);
        rs->docker_digest[value.len] = '\0';
    } else if (ks_str_ieq_c(name, "www-authenticate") && rs->www_auth[0] == '\0' &&
               value.len < sizeof(rs->www_auth)) {
        memcpy(rs->www_auth, value.ptr, value.len);
        rs->www_auth[value.len] = '\0';
    } else if (ks_str_ieq_c(name, "content-length")) {
        uint64_t v;

        if (ks_parse_u64(value, UINT64_MAX, &v) == KS_OK) {
            rs->content_length = v;
            rs->has_length = true;
        }
    }
    return len;
}

static size_t
sink_fail(struct resp *rs, enum ks_code rc, const char *msg)
{
    rs->sink_rc = rc;
    snprintf(rs->sink_msg, sizeof(rs->sink_msg), "%s", msg);
    return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
}

static size_t
on_body(char *buf, size_t size, size_t n, void *ctx)
{
    struct resp *rs = ctx;
    size_t len = size * n;
    long status = 0;

    curl_easy_getinfo(rs->r->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status < 200 || status >= 300) {
        /* Keep the start of an error body for the message; drop the rest. */
        if (rs->errbody.len < IMG_MAX_ERRBODY)
            ks_buf_append(&rs->errbody, buf, KS_MIN(len, IMG_MAX_ERRBODY - rs->errbody.len));
        return len;
    }
    if (rs->has_length && rs->limit > 0 && rs->content_length > rs->limit)
        return sink_fail(rs, KS_EPARSE, "the registry announces more bytes than the descriptor");
    if (rs->body == NULL && rs->fd < 0)
        return len; /* a ping: the body does not matter */
    if (rs->body != NULL) {
        if (rs->body->len + len > rs->body_max)
            return sink_fail(rs, KS_ETOOBIG, "response over its size limit");
        ks_buf_append(rs->body, buf, len);
        if (ks_buf_err(rs->body) != KS_OK)
            return sink_fail(rs, KS_ENOMEM, "out of memory");
        return len;
    }
    if (rs->got + len > rs->limit)
        return sink_fail(rs, KS_EPARSE, "blob longer than its descriptor says");
    if (EVP_DigestUpdate(rs->md, buf, len) != 1)
        return sink_fail(rs, KS_EINTERNAL, "sha256 failed");
    for (size_t off = 0; off < len;) {
        ssize_t w = write(rs->fd, buf + off, len - off);

        if (w < 0) {
            if (errno == EINTR)
                continue;
            return sink_fail(rs, KS_EIO, strerror(errno));
        }
        off += (size_t)w;
    }
    rs->got += len;
    rs->r->downloaded += len;
    return len;
}

/* The registry's own error ("MANIFEST_UNKNOWN: manifest unknown") from an error body. */
static void
registry_error_text(const struct ks_buf *b, char *out, size_t cap)
{
    json_t *root = json_loadb(b->data, b->len, 0, NULL);
    json_t *e = json_array_get(json_object_get(root, "errors"), 0);
    const char *code = ks_json_str(e, "code"), *msg = ks_json_str(e, "message");

    out[0] = '\0';
    if (code != NULL)
        snprintf(out, cap, ": %.60s: %.120s", code, msg ? msg : "");
    json_decref(root);
}

static void
resp_init(struct resp *rs, struct img_registry *r)
{
    memset(rs, 0, sizeof(*rs));
    rs->r = r;
    rs->fd = -1;
    ks_buf_init(&rs->errbody, IMG_MAX_ERRBODY + 1);
}

/*
 * One GET of url. auth_mode: 0 none, 1 the registry's current auth.
 * Transport errors are KS_ENET naming the URL (never its credentials).
 */
static enum ks_code
do_get(struct img_registry *r, const char *url, const char *accept, bool with_auth,
       const struct img_creds *basic, struct resp *rs, struct ks_err *err)
{
    struct curl_slist *hdrs = NULL;
    struct ks_buf authz = KS_BUF_INIT(IMG_MAX_TOKEN + 64);
    CURLcode cc;
    enum ks_code rc = KS_OK;
    bool https = strncmp(url, "https://", 8) == 0;

    curl_easy_reset(r->curl);
    curl_easy_setopt(r->curl, CURLOPT_URL, url);
    curl_easy_setopt(r->curl, CURLOPT_PROTOCOLS_STR, r->opts.insecure ? "http,https" : "https");
    curl_easy_setopt(r->curl, CURLOPT_REDIR_PROTOCOLS_STR,
                     r->opts.insecure ? "http,https" : "https");
    curl_easy_setopt(r->curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(r->curl, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(r->curl, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(r->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(r->curl, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(r->curl, CURLOPT_USERAGENT, "kensa");
    curl_easy_setopt(r->curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(r->curl, CURLOPT_HEADERDATA, rs);
    curl_easy_setopt(r->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(r->curl, CURLOPT_WRITEDATA, rs);
    if (https && r->opts.insecure) {
        curl_easy_setopt(r->curl, CURLOPT_SSL_VERIFYPEER, 0L);
        curl_easy_setopt(r->curl, CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (accept != NULL)
        hdrs = curl_slist_append(hdrs, accept);
    if (basic != NULL && basic->have) {
        /* libcurl keeps these from other hosts on redirects. */
        curl_easy_setopt(r->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(r->curl, CURLOPT_USERNAME, basic->user);
        curl_easy_setopt(r->curl, CURLOPT_PASSWORD, basic->pass);
    } else if (with_auth && r->auth == IMG_AUTH_BEARER && r->token != NULL) {
        /* A custom Authorization header is not sent to another host on redirect. */
        ks_buf_appendf(&authz, "Authorization: Bearer %s", r->token);
        if (ks_buf_err(&authz) != KS_OK) {
            rc = ks_err_set(err, KS_ENOMEM, "registry: out of memory");
            goto out;
        }
        hdrs = curl_slist_append(hdrs, authz.data);
    } else if (with_auth && r->auth == IMG_AUTH_BASIC && r->creds.have) {
        curl_easy_setopt(r->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(r->curl, CURLOPT_USERNAME, r->creds.user);
        curl_easy_setopt(r->curl, CURLOPT_PASSWORD, r->creds.pass);
    }
    curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, hdrs);
    cc = curl_easy_perform(r->curl);
    curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &rs->status);
    if (cc == CURLE_WRITE_ERROR && rs->sink_rc != KS_OK) {
        rc = ks_err_set(err, rs->sink_rc, "registry: %s: %s", url, rs->sink_msg);
        goto out;
    }
    if (cc != CURLE_OK) {
        bool tls = cc == CURLE_SSL_CONNECT_ERROR || cc == CURLE_PEER_FAILED_VERIFICATION;

        rc = ks_err_set(err, KS_ENET, "registry: GET %s: %s%s", url, curl_easy_strerror(cc),
                        tls && !r->opts.insecure
                            ? " (a plain-HTTP or self-signed test registry needs --insecure)"
                            : "");
        goto out;
    }
out:
    /* Wipe the header copy that held the token. */
    if (authz.cap > 0)
        OPENSSL_cleanse(authz.data, authz.cap);
    ks_buf_release(&authz);
    curl_slist_free_all(hdrs);
    curl_easy_setopt(r->curl, CURLOPT_USERNAME, "");
    curl_easy_setopt(r->curl, CURLOPT_PASSWORD, "");
    return rc;
}

static void
lookup_creds(struct img_registry *r)
{
    struct ks_err e = KS_ERR_INIT;
    enum ks_code rc;

    if (r->creds_looked_up)
        return;
    r->creds_looked_up = true;
    rc = img_creds_lookup(r->opts.auth_config, r->ref.host, &r->creds, NULL, &e);
    if (rc != KS_OK && rc != KS_ENOTFOUND && r->opts.warn != NULL)
        r->opts.warn(r->opts.warn_ctx, e.msg);
    if (rc == KS_OK)
        ks_log(KS_LOG_DEBUG, "fs.registry", "using stored credentials for '%s'", r->ref.host);
}

/* Fetch a Bearer token from the challenge's realm. */
static enum ks_code
get_token(struct img_registry *r, struct ks_err *err)
{
    struct ks_buf url = KS_BUF_INIT(8192), body = KS_BUF_INIT(IMG_MAX_TOKEN * 2);
    struct resp rs;
    char *svc = NULL, *scope = NULL;
    char scope_buf[600];
    json_t *root = NULL;
    const char *tok;
    enum ks_code rc;
    bool realm_https = strncmp(r->challenge.realm, "https://", 8) == 0;

    if (!realm_https && !(r->opts.insecure && strncmp(r->challenge.realm, "http://", 7) == 0)) {
        return ks_err_set(err, KS_EAUTH,
                          "registry '%s': token realm '%.200s' is not https (use --insecure for "
                          "a plain-HTTP test registry)",
                          r->ref.host, r->challenge.realm);
    }
    lookup_creds(r);
    snprintf(scope_buf, sizeof(scope_buf), "repository:%s:pull", r->ref.repo);
    svc = curl_easy_escape(r->curl, r->challenge.service, 0);
    scope = curl_easy_escape(r->curl, scope_buf, 0);
    if (svc == NULL || scope == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "registry: out of memory");
        goto out;
    }
    ks_buf_appendf(&url, "%s%s", r->challenge.realm, strchr(r->challenge.realm, '?') ? "&" : "?");
    if (r->challenge.service[0] != '\0')
        ks_buf_appendf(&url, "service=%s&", svc);
    ks_buf_appendf(&url, "scope=%s", scope);
    if (ks_buf_err(&url) != KS_OK) {
        rc = ks_err_set(err, KS_ETOOBIG, "registry: token URL too long");
        goto out;
    }
    resp_init(&rs, r);
    rs.body = &body;
    rs.body_max = IMG_MAX_TOKEN * 2;
    /* Credentials go to the realm only over https, or to a plain-HTTP realm with --insecure. */
    rc = do_get(r, url.data, NULL, false, r->creds.have ? &r->creds : NULL, &rs, err);
    ks_buf_release(&rs.errbody);
    if (rc != KS_OK)
        goto out;
    if (rs.status == 401 || rs.status == 403) {
        rc = ks_err_set(err, KS_EAUTH, "registry '%s': the token service refused %s (HTTP %ld)",
                        r->ref.host, r->creds.have ? "the stored credentials" : "anonymous access",
                        rs.status);
        goto out;
    }
    if (rs.status != 200) {
        rc = ks_err_set(err, KS_ENET, "registry '%s': token service answered HTTP %ld", r->ref.host,
                        rs.status);
        goto out;
    }
    if ((rc = ks_json_parse(body.data, body.len, "token response", &root, err)) != KS_OK)
        goto out;
    tok = ks_json_str(root, "token");
    if (tok == NULL || tok[0] == '\0')
        tok = ks_json_str(root, "access_token");
    if (tok == NULL || tok[0] == '\0' || strlen(tok) > IMG_MAX_TOKEN) {
        rc = ks_err_set(err, KS_EAUTH, "registry '%s': token response has no usable token",
                        r->ref.host);
        goto out;
    }
    for (const char *p = tok; *p; p++)
        if ((unsigned char)*p < 0x21 || (unsigned char)*p > 0x7e) {
            rc = ks_err_set(err, KS_EAUTH, "registry '%s': token has invalid characters",
                            r->ref.host);
            goto out;
        }
    if (r->token != NULL) {
        OPENSSL_cleanse(r->token, strlen(r->token));
        ks_free(r->token);
    }
    r->token = ks_strdup(tok);
    rc = r->token ? KS_OK : ks_err_set(err, KS_ENOMEM, "registry: out of memory");
out:
    if (body.cap > 0)
        OPENSSL_cleanse(body.data, body.cap);
    json_decref(root);
    curl_free(svc);
    curl_free(scope);
    ks_buf_release(&url);
    ks_buf_release(&body);
    return rc;
}

/* React to a 401: learn the scheme, get a token or credentials. */
static enum ks_code
authenticate(struct img_registry *r, const char *www_auth, struct ks_err *err)
{
    enum ks_code rc;

    if (www_auth == NULL || www_auth[0] == '\0')
        return ks_err_set(err, KS_EAUTH,
                          "registry '%s': HTTP 401 without a WWW-Authenticate challenge",
                          r->ref.host);
    if ((rc = img_challenge_parse(www_auth, strlen(www_auth), &r->challenge, err)) != KS_OK)
        return rc;
    r->auth = r->challenge.scheme;
    if (r->auth == IMG_AUTH_BEARER)
        return get_token(r, err);
    lookup_creds(r);
    if (!r->creds.have)
        return ks_err_set(err, KS_EAUTH,
                          "registry '%s' asks for a password and no credentials are stored for it "
                          "(docker config.json 'auths')",
                          r->ref.host);
    if (strncmp(r->scheme, "http", 5) == 0 && strcmp(r->scheme, "https") != 0 && !r->opts.insecure)
        return ks_err_set(err, KS_EAUTH, "registry '%s': refusing basic auth over plain HTTP",
                          r->ref.host);
    return KS_OK;
}

/* GET /v2/<repo>/<path>, authenticating once on 401. */
static enum ks_code
api_get(struct img_registry *r, const char *path, const char *accept, struct resp *rs,
        struct ks_err *err)
{
    struct ks_buf url = KS_BUF_INIT(4096);
    enum ks_code rc;

    for (int attempt = 0; attempt < 2; attempt++) {
        ks_buf_reset(&url);
        ks_buf_appendf(&url, "%s://%s/v2/%s%s", r->scheme, r->ref.host, r->ref.repo, path);
        if (ks_buf_err(&url) != KS_OK) {
            rc = ks_err_set(err, KS_ETOOBIG, "registry: URL too long");
            goto out;
        }
        if (rs->body != NULL)
            ks_buf_reset(rs->body);
        ks_buf_reset(&rs->errbody);
        if ((rc = do_get(r, url.data, accept, true, NULL, rs, err)) != KS_OK)
            goto out;
        if (rs->status != 401 || attempt == 1)
            break;
        /* A token may have expired or lack the scope: authenticate and try once more. */
        if ((rc = authenticate(r, rs->www_auth, err)) != KS_OK)
            goto out;
        if (rs->fd >= 0 && (ftruncate(rs->fd, 0) != 0 || lseek(rs->fd, 0, SEEK_SET) != 0)) {
            rc = ks_err_set(err, KS_EIO, "registry: cannot reset the download file");
            goto out;
        }
    }
    if (rs->status == 401 || rs->status == 403) {
        rc = ks_err_set(err, KS_EAUTH, "registry '%s': access to '%s' denied (HTTP %ld)",
                        r->ref.host, r->ref.repo, rs->status);
        goto out;
    }
    if (rs->status == 404) {
        char why[200];

        registry_error_text(&rs->errbody, why, sizeof(why));
        rc = ks_err_set(err, KS_ENOTFOUND, "registry: %s: not found%s", url.data, why);
        goto out;
    }
    if (rs->status != 200) {
        char why[200];

        registry_error_text(&rs->errbody, why, sizeof(why));
        rc = ks_err_set(err, KS_ENET, "registry: %s: HTTP %ld%s", url.data, rs->status, why);
        goto out;
    }
    rc = KS_OK;
out:
    ks_buf_release(&url);
    return rc;
}

/* GET /v2/: which scheme works and which auth the registry wants. */
static enum ks_code
ping(struct img_registry *r, struct ks_err *err)
{
    struct ks_buf url = KS_BUF_INIT(1024);
    struct resp rs;
    enum ks_code rc;

    if (r->pinged)
        return KS_OK;
    for (int i = 0; i < 2; i++) {
        resp_init(&rs, r);
        ks_buf_reset(&url);
        ks_buf_appendf(&url, "%s://%s/v2/", r->scheme, r->ref.host);
        rc = do_get(r, url.data, NULL, false, NULL, &rs, err);
        ks_buf_release(&rs.errbody);
        if (rc == KS_OK)
            break;
        /* --insecure: a plain-HTTP registry fails the TLS handshake; try http://. */
        if (i == 0 && r->opts.insecure && strcmp(r->scheme, "https") == 0) {
            ks_log(KS_LOG_DEBUG, "fs.registry", "'%s': https failed, trying plain http",
                   r->ref.host);
            r->scheme = "http";
            continue;
        }
        goto out;
    }
    if (rs.status == 401) {
        if ((rc = authenticate(r, rs.www_auth, err)) != KS_OK)
            goto out;
    } else if (rs.status != 200 && rs.status != 404) {
        /* Some registries answer 404 on /v2/ yet serve the API; anything else is not one. */
        rc = ks_err_set(err, KS_ENET, "registry '%s': /v2/ answered HTTP %ld: not a registry",
                        r->ref.host, rs.status);
        goto out;
    }
    r->pinged = true;
    rc = KS_OK;
out:
    ks_buf_release(&url);
    return rc;
}

enum ks_code
img_registry_new(const struct img_ref *ref, const struct img_registry_opts *opts,
                 struct img_registry **out, struct ks_err *err)
{
    struct img_registry *r;
    enum ks_code rc;

    if ((rc = global_init(err)) != KS_OK)
        return rc;
    r = ks_calloc(1, sizeof(*r));
    if (r == NULL)
        return ks_err_set(err, KS_ENOMEM, "registry: out of memory");
    r->ref = *ref;
    if (opts != NULL)
        r->opts = *opts;
    r->scheme = "https";
    r->curl = curl_easy_init();
    if (r->curl == NULL) {
        ks_free(r);
        return ks_err_set(err, KS_ENOMEM, "registry: cannot create a libcurl handle");
    }
    *out = r;
    return KS_OK;
}

void
img_registry_free(struct img_registry *r)
{
    if (r == NULL)
        return;
    if (r->curl != NULL)
        curl_easy_cleanup(r->curl);
    if (r->token != NULL) {
        OPENSSL_cleanse(r->token, strlen(r->token));
        ks_free(r->token);
    }
    img_creds_wipe(&r->creds);
    OPENSSL_cleanse(&r->challenge, sizeof(r->challenge));
    ks_free(r);
}

uint64_t
img_registry_downloaded(const struct img_registry *r)
{
    return r->downloaded;
}

static bool
manifest_type_ok(const char *ct)
{
    size_t n = strcspn(ct, "; ");
    static const char *const ok[] = {IMG_MT_OCI_INDEX, IMG_MT_OCI_MANIFEST, IMG_MT_DOCKER_LIST,
                                     IMG_MT_DOCKER_MANIFEST, "application/json"};

    for (size_t i = 0; i < KS_ARRAY_LEN(ok); i++)
        if (strlen(ok[i]) == n && strncmp(ct, ok[i], n) == 0)
            return true;
    return false;
}

enum ks_code
img_registry_manifest(struct img_registry *r, const char *reference, struct ks_buf *out,
                      char digest[IMG_DIGEST_MAX], struct ks_err *err)
{
    struct ks_buf path = KS_BUF_INIT(512);
    struct resp rs;
    enum ks_code rc;
    char hex[65];

    if ((rc = ping(r, err)) != KS_OK)
        return rc;
    resp_init(&rs, r);
    rs.body = out;
    rs.body_max = IMG_MAX_JSON;
    ks_buf_appendf(&path, "/manifests/%s", reference);
    if ((rc = api_get(r, path.data, ACCEPT_MANIFESTS, &rs, err)) != KS_OK)
        goto out;
    if (rs.content_type[0] != '\0' && !manifest_type_ok(rs.content_type)) {
        rc = ks_err_set(err, KS_EPARSE, "registry: manifest '%s' has Content-Type '%s'", reference,
                        rs.content_type);
        goto out;
    }
    ks_sha256_hex(out->data, out->len, hex);
    snprintf(digest, IMG_DIGEST_MAX, "sha256:%s", hex);
    if (strncmp(reference, "sha256:", 7) == 0 && strcmp(reference, digest) != 0) {
        rc = ks_err_set(err, KS_EPARSE, "registry: manifest %s: digest mismatch: got %s", reference,
                        digest);
        goto out;
    }
    if (rs.docker_digest[0] != '\0' && strncmp(rs.docker_digest, "sha256:", 7) == 0 &&
        strcmp(rs.docker_digest, digest) != 0) {
        rc = ks_err_set(err, KS_EPARSE,
                        "registry: manifest '%s': Docker-Content-Digest %s does not match the "
                        "body (%s)",
                        reference, rs.docker_digest, digest);
        goto out;
    }
    rc = KS_OK;
out:
    ks_buf_release(&rs.errbody);
    ks_buf_release(&path);
    return rc;
}

/* Download a blob into fd (hashing on the way) and check digest and size. */
static enum ks_code
download(struct img_registry *r, const struct img_desc *d, int fd, struct ks_err *err)
{
    struct ks_buf path = KS_BUF_INIT(512);
    struct resp rs;
    enum ks_code rc;
    unsigned char md[32];
    unsigned int mdlen = 0;
    char hex[65];

    resp_init(&rs, r);
    rs.fd = fd;
    rs.limit = d->has_size ? d->size : UINT64_MAX;
    rs.md = EVP_MD_CTX_new();
    if (rs.md == NULL || EVP_DigestInit_ex(rs.md, EVP_sha256(), NULL) != 1) {
        rc = ks_err_set(err, KS_ENOMEM, "registry: out of memory");
        goto out;
    }
    ks_buf_appendf(&path, "/blobs/%s", d->digest);
    for (int attempt = 0; attempt < 2; attempt++) {
        rs.got = 0;
        EVP_DigestInit_ex(rs.md, EVP_sha256(), NULL);
        if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0) {
            rc = ks_err_set(err, KS_EIO, "registry: cannot reset the download file");
            goto out;
        }
        rc = api_get(r, path.data, NULL, &rs, err);
        if (rc == KS_OK || rc != KS_ENET || attempt == 1)
            break;
        ks_log(KS_LOG_INFO, "fs.registry", "retrying blob %s: %s", d->digest, err->msg);
    }
    if (rc != KS_OK)
        goto out;
    if (d->has_size && rs.got != d->size) {
        rc = ks_err_set(err, KS_EPARSE, "registry: blob %s is %llu bytes, the manifest says %llu",
                        d->digest, (unsigned long long)rs.got, (unsigned long long)d->size);
        goto out;
    }
    if (EVP_DigestFinal_ex(rs.md, md, &mdlen) != 1 || mdlen != 32) {
        rc = ks_err_set(err, KS_EINTERNAL, "registry: sha256 failed");
        goto out;
    }
    ks_hex_encode(md, 32, hex);
    if (strcmp(d->digest + 7, hex) != 0) {
        rc = ks_err_set(err, KS_EPARSE, "registry: blob %s: digest mismatch: received sha256:%s",
                        d->digest, hex);
        goto out;
    }
    rc = KS_OK;
out:
    EVP_MD_CTX_free(rs.md);
    ks_buf_release(&rs.errbody);
    ks_buf_release(&path);
    return rc;
}

enum ks_code
img_registry_blob(struct img_registry *r, const struct img_desc *d, struct img_stream **out,
                  struct ks_err *err)
{
    struct ks_buf tmp = KS_BUF_INIT(4096);
    enum ks_code rc;
    int fd = -1;
    bool cacheable;

    if (!img_digest_valid(ks_str_c(d->digest)))
        return ks_err_set(err, KS_EINVAL, "registry: invalid blob digest");
    if (r->opts.cache != NULL) {
        rc = img_cache_get(r->opts.cache, d->digest, d->size, d->has_size, out, err);
        if (rc == KS_OK) {
            ks_log(KS_LOG_DEBUG, "fs.registry", "blob %s from the cache", d->digest);
            return KS_OK;
        }
        if (rc != KS_ENOTFOUND)
            return rc;
    }
    if ((rc = ping(r, err)) != KS_OK)
        return rc;
    cacheable = r->opts.cache != NULL && d->has_size && d->size <= img_cache_max(r->opts.cache);
    if (cacheable) {
        if ((rc = img_cache_begin(r->opts.cache, &fd, &tmp, err)) != KS_OK)
            goto out;
    } else {
        /* Too big for the cache (or no cache): an unlinked temp file, gone on close. */
        const char *td = getenv("TMPDIR");

        ks_buf_appendf(&tmp, "%s/kensa-blob-XXXXXX", td && td[0] == '/' ? td : "/tmp");
        fd = mkstemp(tmp.data);
        if (fd < 0) {
            rc =
                ks_err_set(err, KS_EIO, "registry: cannot create a temp file: %s", strerror(errno));
            goto out;
        }
        unlink(tmp.data);
    }
    if ((rc = download(r, d, fd, err)) != KS_OK) {
        close(fd);
        if (cacheable)
            unlink(tmp.data);
        goto out;
    }
    if (cacheable) {
        close(fd);
        fd = -1;
        if ((rc = img_cache_commit(r->opts.cache, tmp.data, d->digest, err)) != KS_OK)
            goto out;
        rc = img_cache_get(r->opts.cache, d->digest, d->size, d->has_size, out, err);
        goto out;
    }
    if (lseek(fd, 0, SEEK_SET) != 0) {
        close(fd);
        rc = ks_err_set(err, KS_EIO, "registry: cannot rewind the downloaded blob");
        goto out;
    }
    rc = img_stream_fd(fd, d->digest, d->digest, d->size, d->has_size, out, err);
out:
    ks_buf_release(&tmp);
    return rc;
}
