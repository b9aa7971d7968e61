/*
 * registry_auth.c: what registry auth needs besides HTTP: the
 * WWW-Authenticate challenge (RFC 7235 auth-params, as the distribution
 * token spec uses them: Bearer realm/service/scope, or Basic), image
 * references (HOST/REPO:TAG|@sha256:...), and credentials from docker's
 * config.json `auths` ($DOCKER_CONFIG, ~/.docker, $REGISTRY_AUTH_FILE).
 * All parsers take (ptr, len), write into fixed buffers and never log
 * secrets; callers wipe credentials with img_creds_wipe().
 */
#include "fs/registry_int.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <sodium.h>

#include "base/banned.h"

/* ------------------------------------------------------------------------ */
/* WWW-Authenticate.                                                         */

static bool
is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static void
skip_ows(struct ks_cur *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
}

static bool
take_token(struct ks_cur *c, struct ks_str *out)
{
    const char *s = c->p;

    while (c->p < c->end && *c->p != '\0' && is_tchar(*c->p))
        c->p++;
    *out = ks_str_make(s, (size_t)(c->p - s));
    return out->len > 0;
}

/* A token or quoted-string value into out[cap]; false if malformed or too long. */
static bool
take_value(struct ks_cur *c, char *out, size_t cap)
{
    size_t n = 0;

    if (c->p < c->end && *c->p == '"') {
        c->p++;
        while (c->p < c->end && *c->p != '"') {
            char ch = *c->p++;

            if (ch == '\\') {
                if (c->p >= c->end)
                    return false;
                ch = *c->p++;
            }
            if (ch == '\0' || ch == '\r' || ch == '\n' || n + 1 >= cap)
                return false;
            out[n++] = ch;
        }
        if (c->p >= c->end)
            return false;
        c->p++;
    } else {
        struct ks_str t;

        /* Unquoted values may hold '/' and ':' in practice (realm URLs). */
        const char *s = c->p;

        while (c->p < c->end && *c->p != ',' && *c->p != ' ' && *c->p != '\t' &&
               (unsigned char)*c->p > 0x20 && *c->p != '"')
            c->p++;
        t = ks_str_make(s, (size_t)(c->p - s));
        if (t.len == 0 || t.len + 1 > cap)
            return false;
        memcpy(out, t.ptr, t.len);
        n = t.len;
    }
    out[n] = '\0';
    return true;
}

enum ks_code
img_challenge_parse(const char *hdr, size_t len, struct img_challenge *out, struct ks_err *err)
{
    struct ks_cur c = ks_cur_make(hdr, len);
    struct ks_str scheme;

    memset(out, 0, sizeof(*out));
    if (len > IMG_MAX_CHALLENGE)
        return ks_err_set(err, KS_ETOOBIG, "registry: WWW-Authenticate header over %d bytes",
                          IMG_MAX_CHALLENGE);
    skip_ows(&c);
    if (!take_token(&c, &scheme))
        return ks_err_set(err, KS_EPARSE, "registry: WWW-Authenticate: no auth scheme");
    if (ks_str_ieq_c(scheme, "bearer"))
        out->scheme = IMG_AUTH_BEARER;
    else if (ks_str_ieq_c(scheme, "basic"))
        out->scheme = IMG_AUTH_BASIC;
    else
        return ks_err_set(err, KS_EUNSUPPORTED,
                          "registry: WWW-Authenticate scheme '%.*s' is not supported",
                          (int)KS_MIN(scheme.len, (size_t)40), scheme.ptr);
    for (int n = 0; n < 64; n++) {
        struct ks_str key;
        char value[IMG_MAX_REALM];

        skip_ows(&c);
        while (c.p < c.end && *c.p == ',') {
            c.p++;
            skip_ows(&c);
        }
        if (c.p >= c.end)
            break;
        if (!take_token(&c, &key))
            return ks_err_set(err, KS_EPARSE,
                              "registry: WWW-Authenticate: bad parameter at "
                              "offset %zu",
                              (size_t)(c.p - hdr));
        skip_ows(&c);
        if (c.p >= c.end || *c.p != '=') {
            /* A second challenge ("Bearer ..., Basic realm=...") starts here: stop. */
            break;
        }
        c.p++;
        skip_ows(&c);
        if (!take_value(&c, value, sizeof(value)))
            return ks_err_set(err, KS_EPARSE,
                              "registry: WWW-Authenticate: bad or over-long value of '%.*s'",
                              (int)KS_MIN(key.len, (size_t)40), key.ptr);
        if (ks_str_ieq_c(key, "realm"))
            memcpy(out->realm, value, strlen(value) + 1);
        else if (ks_str_ieq_c(key, "service")) {
            if (strlen(value) >= sizeof(out->service))
                return ks_err_set(err, KS_ETOOBIG, "registry: WWW-Authenticate: service too long");
            memcpy(out->service, value, strlen(value) + 1);
        } else if (ks_str_ieq_c(key, "scope")) {
            if (strlen(value) >= sizeof(out->scope))
                return ks_err_set(err, KS_ETOOBIG, "registry: WWW-Authenticate: scope too long");
            memcpy(out->scope, value, strlen(value) + 1);
        }
    }
    if (out->scheme == IMG_AUTH_BEARER && out->realm[0] == '\0')
        return ks_err_set(err, KS_EPARSE, "registry: WWW-Authenticate: Bearer without a realm");
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* References.                                                              */

static bool
repo_component_ok(struct ks_str c)
{
    /* [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)* */
    size_t i = 0;

    if (c.len == 0)
        return false;
    while (i < c.len) {
        size_t start = i;

        while (i < c.len &&
               ((c.ptr[i] >= 'a' && c.ptr[i] <= 'z') || (c.ptr[i] >= '0' && c.ptr[i] <= '9')))
            i++;
        if (i == start)
            return false;
        if (i == c.len)
            return true;
        if (c.ptr[i] == '.')
            i++;
        else if (c.ptr[i] == '_')
            i += (i + 1 < c.len && c.ptr[i + 1] == '_') ? 2 : 1;
        else if (c.ptr[i] == '-')
            while (i < c.len && c.ptr[i] == '-')
                i++;
        else
            return false;
        if (i == c.len)
            return false;
    }
    return true;
}

static bool
host_ok(struct ks_str h)
{
    if (h.len == 0 || h.len >= IMG_MAX_HOST)
        return false;
    for (size_t i = 0; i < h.len; i++) {
        char c = h.ptr[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == ':' || c == '[' || c == ']'))
            return false;
    }
    return true;
}

static bool
tag_ok(struct ks_str t)
{
    if (t.len == 0 || t.len > 128)
        return false;
    for (size_t i = 0; i < t.len; i++) {
        char c = t.ptr[i];
        bool w =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';

        if (!(w || (i > 0 && (c == '.' || c == '-'))))
            return false;
    }
    return true;
}

enum ks_code
img_ref_parse(const char *text, struct img_ref *out, struct ks_err *err)
{
    struct ks_str s = ks_str_c(text), host, rest, name;
    ptrdiff_t at, slash;

    memset(out, 0, sizeof(*out));
    if (s.len == 0 || s.len > 1024)
        return ks_err_set(err, KS_EINVAL, "image reference is empty or too long");
    at = ks_str_find_char(s, '@');
    if (at >= 0) {
        struct ks_str d = ks_str_sub(s, (size_t)at + 1, s.len - (size_t)at - 1);

        if (!img_digest_valid(d))
            return ks_err_set(err, KS_EINVAL, "image reference '%s': invalid digest", text);
        memcpy(out->digest, d.ptr, d.len);
        s.len = (size_t)at;
    }
    slash = ks_str_find_char(s, '/');
    host = slash > 0 ? ks_str_sub(s, 0, (size_t)slash) : KS_STR_NULL;
    if (slash > 0 && (ks_str_find_char(host, '.') >= 0 || ks_str_find_char(host, ':') >= 0 ||
                      ks_str_eq_c(host, "localhost"))) {
        rest = ks_str_sub(s, (size_t)slash + 1, s.len - (size_t)slash - 1);
    } else {
        host = KS_STR("docker.io");
        rest = s;
    }
    if (!host_ok(host))
        return ks_err_set(err, KS_EINVAL, "image reference '%s': invalid registry host", text);
    /* The tag is after the last ':' of the last path component. */
    name = rest;
    for (size_t i = rest.len; i > 0; i--) {
        if (rest.ptr[i - 1] == '/')
            break;
        if (rest.ptr[i - 1] == ':') {
            struct ks_str tag = ks_str_sub(rest, i, rest.len - i);

            if (!tag_ok(tag))
                return ks_err_set(err, KS_EINVAL, "image reference '%s': invalid tag", text);
            memcpy(out->tag, tag.ptr, tag.len);
            name = ks_str_sub(rest, 0, i - 1);
            break;
        }
    }
    if (name.len == 0 || name.len + 8 >= sizeof(out->repo))
        return ks_err_set(err, KS_EINVAL, "image reference '%s': invalid repository", text);
    {
        size_t i = 0;

        while (i <= name.len) {
            size_t j = i;

            while (j < name.len && name.ptr[j] != '/')
                j++;
            if (!repo_component_ok(ks_str_sub(name, i, j - i)))
                return ks_err_set(err, KS_EINVAL,
                                  "image reference '%s': invalid repository (lowercase letters, "
                                  "digits and . _ - separators)",
                                  text);
            i = j + 1;
        }
    }
    if (ks_str_eq_c(host, "docker.io") || ks_str_eq_c(host, "index.docker.io")) {
        memcpy(out->host, "registry-1.docker.io", sizeof("registry-1.docker.io"));
        if (ks_str_find_char(name, '/') < 0)
            memcpy(out->repo, "library/", 8);
    } else
        memcpy(out->host, host.ptr, host.len);
    memcpy(out->repo + strlen(out->repo), name.ptr, name.len);
    if (out->tag[0] == '\0' && out->digest[0] == '\0')
        memcpy(out->tag, "latest", sizeof("latest"));
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* Credentials.                                                             */

void
img_creds_wipe(struct img_creds *c)
{
    OPENSSL_cleanse(c, sizeof(*c));
}

/* "https://index.docker.io/v1/" and "host:5000" name the same thing as "host:5000". */
static struct ks_str
auth_key_host(struct ks_str k)
{
    ptrdiff_t slash;

    if (ks_str_has_prefix(k, "https://"))
        k = ks_str_sub(k, 8, k.len - 8);
    else if (ks_str_has_prefix(k, "http://"))
        k = ks_str_sub(k, 7, k.len - 7);
    slash = ks_str_find_char(k, '/');
    if (slash >= 0)
        k.len = (size_t)slash;
    return k;
}

static bool
is_docker_hub(struct ks_str h)
{
    return ks_str_eq_c(h, "docker.io") || ks_str_eq_c(h, "index.docker.io") ||
           ks_str_eq_c(h, "registry-1.docker.io");
}

static bool
host_matches(struct ks_str key, const char *host)
{
    struct ks_str h = ks_str_c(host);

    if (ks_str_eq(key, h))
        return true;
    return is_docker_hub(key) && is_docker_hub(h);
}

static enum ks_code
copy_secret(char *dst, size_t cap, const char *src, size_t n, const char *what, struct ks_err *err)
{
    if (n >= cap)
        return ks_err_set(err, KS_ETOOBIG, "docker config: %s too long", what);
    memcpy(dst, src, n);
    dst[n] = '\0';
    return KS_OK;
}

enum ks_code
img_docker_config_parse(const void *data, size_t len, const char *source, const char *host,
                        struct img_creds *out, struct ks_err *err)
{
    json_t *root = NULL, *auths, *entry = NULL, *v;
    const char *key;
    enum ks_code rc;

    memset(out, 0, sizeof(*out));
    if (len > IMG_MAX_JSON)
        return ks_err_set(err, KS_ETOOBIG, "%s: over %zu bytes", source, IMG_MAX_JSON);
    if ((rc = ks_json_parse(data, len, source, &root, err)) != KS_OK)
        return rc;
    rc = KS_ENOTFOUND;
    if (!json_is_object(root)) {
        rc = ks_err_set(err, KS_EPARSE, "%s: not a JSON object", source);
        goto out;
    }
    auths = json_object_get(root, "auths");
    if (auths == NULL) {
        ks_err_set(err, KS_ENOTFOUND, "%s: no 'auths'", source);
        goto out;
    }
    if (!json_is_object(auths)) {
        rc = ks_err_set(err, KS_EPARSE, "%s: 'auths' is not an object", source);
        goto out;
    }
    json_object_foreach(auths, key, v)
    {
        if (host_matches(auth_key_host(ks_str_c(key)), host)) {
            entry = v;
            break;
        }
    }
    if (entry == NULL) {
        ks_err_set(err, KS_ENOTFOUND, "%s: no credentials for '%s'", source, host);
        goto out;
    }
    if (!json_is_object(entry)) {
        rc = ks_err_set(err, KS_EPARSE, "%s: auths entry for '%s' is not an object", source, host);
        goto out;
    }
    {
        struct ks_str auth = ks_json_strv(entry, "auth");
        struct ks_str user = ks_json_strv(entry, "username");
        struct ks_str pass = ks_json_strv(entry, "password");

        if (auth.len > 0) {
            unsigned char dec[IMG_MAX_SECRET + IMG_MAX_USER + 2];
            size_t dlen = 0;
            const char *colon;

            if (auth.len > (sizeof(dec) / 3) * 4 + 4 ||
                sodium_base642bin(dec, sizeof(dec) - 1, auth.ptr, auth.len, NULL, &dlen, NULL,
                                  sodium_base64_VARIANT_ORIGINAL) != 0) {
                rc = ks_err_set(err, KS_EPARSE,
                                "%s: auths entry for '%s': 'auth' is not valid "
                                "base64 of user:password",
                                source, host);
                goto wipe;
            }
            colon = memchr(dec, ':', dlen);
            if (colon == NULL || colon == (const char *)dec) {
                rc = ks_err_set(err, KS_EPARSE,
                                "%s: auths entry for '%s': 'auth' is not user:password", source,
                                host);
                goto wipe;
            }
            if ((rc = copy_secret(out->user, sizeof(out->user), (const char *)dec,
                                  (size_t)(colon - (const char *)dec), "user name", err)) !=
                    KS_OK ||
                (rc = copy_secret(out->pass, sizeof(out->pass), colon + 1,
                                  dlen - (size_t)(colon - (const char *)dec) - 1, "password",
                                  err)) != KS_OK)
                goto wipe;
            rc = KS_OK;
        wipe:
            OPENSSL_cleanse(dec, sizeof(dec));
            if (rc != KS_OK)
                goto out;
        } else if (user.len > 0 && pass.ptr != NULL) {
            if ((rc = copy_secret(out->user, sizeof(out->user), user.ptr, user.len, "user name",
                                  err)) != KS_OK ||
                (rc = copy_secret(out->pass, sizeof(out->pass), pass.ptr, pass.len, "password",
                                  err)) != KS_OK)
                goto out;
        } else if (ks_json_str(entry, "identitytoken") != NULL) {
            rc = ks_err_set(err, KS_EUNSUPPORTED,
                            "%s: auths entry for '%s' holds an identity token (OAuth refresh "
                            "token), which is not supported; log in with a password or token",
                            source, host);
            goto out;
        } else {
            ks_err_set(err, KS_ENOTFOUND, "%s: auths entry for '%s' has no credentials", source,
                       host);
            goto out;
        }
    }
    out->have = true;
    rc = KS_OK;
out:
    if (rc != KS_OK)
        img_creds_wipe(out);
    json_decref(root);
    return rc;
}

enum ks_code
img_creds_lookup(const char *config_path, const char *host, struct img_creds *out,
                 const char **used, struct ks_err *err)
{
    char paths[3][4096];
    size_t n = 0;
    const char *e;

    memset(out, 0, sizeof(*out));
    if (used != NULL)
        *used = NULL;
    if (config_path != NULL && config_path[0] != '\0')
        snprintf(paths[n++], sizeof(paths[0]), "%s", config_path);
    else {
        if ((e = getenv("DOCKER_CONFIG")) != NULL && e[0] != '\0')
            snprintf(paths[n++], sizeof(paths[0]), "%s/config.json", e);
        else if ((e = getenv("HOME")) != NULL && e[0] != '\0')
            snprintf(paths[n++], sizeof(paths[0]), "%s/.docker/config.json", e);
        if ((e = getenv("REGISTRY_AUTH_FILE")) != NULL && e[0] != '\0')
            snprintf(paths[n++], sizeof(paths[0]), "%s", e);
    }
    for (size_t i = 0; i < n; i++) {
        struct ks_buf b = KS_BUF_INIT(IMG_MAX_JSON);
        struct ks_err e2 = KS_ERR_INIT;
        enum ks_code rc = ks_file_read(paths[i], IMG_MAX_JSON, &b, &e2);

        if (rc == KS_ENOTFOUND) {
            ks_buf_release(&b);
            continue;
        }
        if (rc == KS_OK)
            rc = img_docker_config_parse(b.data, b.len, paths[i], host, out, &e2);
        OPENSSL_cleanse(b.data, b.len);
        ks_buf_release(&b);
        if (rc == KS_OK) {
            if (used != NULL)
                *used = paths[i][0] ? "docker config" : NULL;
            return KS_OK;
        }
        if (rc != KS_ENOTFOUND)
            return ks_err_set(err, rc, "%s", e2.msg);
    }
    return ks_err_set(err, KS_ENOTFOUND, "no credentials for '%s'", host);
}
