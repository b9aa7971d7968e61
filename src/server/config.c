/*
 * config.c: the server's settings: defaults, the JSON config file
 * (--config, docs/server.md), the listen address, and the data dir's
 * webhook secret.
 */
#include "server/server.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <string.h>
#include <unistd.h>

#include "base/banned.h"

#define CONFIG_MAX_BYTES (1 << 20)

void
ks_server_config_defaults(struct ks_server_config *c)
{
    memset(c, 0, sizeof(*c));
    snprintf(c->listen_host, sizeof(c->listen_host), "127.0.0.1");
    c->port = 8080;
    snprintf(c->region, sizeof(c->region), "us-east-1");
    c->threads = 4;
    c->max_body_bytes = (size_t)1 << 20;
    c->rate_per_sec = 50;
    c->rate_burst = 100;
    c->clock_skew_ms = 300000;
    c->shutdown_grace_ms = 10000;
    snprintf(c->s3_region, sizeof(c->s3_region), "us-east-1");
    ks_events_options_defaults(&c->events);
    c->max_inventory_bytes = (size_t)16 << 20;
    c->vulndb_check_ms = 2000;
    c->stale_inventory_ms = 7LL * 86400 * 1000;
}

enum ks_code
ks_server_parse_listen(const char *s, struct ks_server_config *c, struct ks_err *err)
{
    const char *colon;
    size_t hostlen;
    uint64_t port;

    if (s[0] == '[') {
        const char *close = strchr(s, ']');

        if (close == NULL || close[1] != ':')
            return ks_err_set(err, KS_EINVAL, "listen: '%s' is not [IPV6]:PORT", s);
        hostlen = (size_t)(close - s - 1);
        s++;
        colon = close + 1;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return ks_err_set(err, KS_EINVAL, "listen: '%s' is not HOST:PORT", s);
        hostlen = (size_t)(colon - s);
    }
    if (hostlen == 0 || hostlen >= sizeof(c->listen_host))
        return ks_err_set(err, KS_EINVAL, "listen: bad host in '%s'", s);
    if (ks_parse_u64(ks_str_c(colon + 1), 65535, &port) != KS_OK)
        return ks_err_set(err, KS_EINVAL, "listen: bad port in '%s'", s);
    memcpy(c->listen_host, s, hostlen);
    c->listen_host[hostlen] = '\0';
    c->port = (unsigned)port;
    return KS_OK;
}

static enum ks_code
copy_str(const json_t *obj, const char *key, char *dst, size_t cap, const char *path,
         struct ks_err *err)
{
    const json_t *v = json_object_get(obj, key);

    if (v == NULL)
        return KS_OK;
    if (!json_is_string(v) || json_string_length(v) >= cap)
        return ks_err_set(err, KS_EINVAL, "%s: '%s' must be a string of under %zu bytes", path,
                          key, cap);
    memcpy(dst, json_string_value(v), json_string_length(v) + 1);
    return KS_OK;
}

static enum ks_code
get_num(const json_t *obj, const char *key, double min, double max, double *out,
        const char *path, struct ks_err *err)
{
    const json_t *v = json_object_get(obj, key);

    if (v == NULL)
        return KS_OK;
    if (!json_is_number(v) || json_number_value(v) < min || json_number_value(v) > max)
        return ks_err_set(err, KS_EINVAL, "%s: '%s' must be a number from %g to %g", path, key,
                          min, max);
    *out = json_number_value(v);
    return KS_OK;
}

/* A list of non-empty strings into rows of `width` bytes (up to max rows). */
static enum ks_code
str_list(const json_t *obj, const char *key, char *rows, size_t width, size_t max, size_t *n,
         const char *path, struct ks_err *err)
{
    const json_t *v = json_object_get(obj, key), *e;
    size_t i;

    if (v == NULL)
        return KS_OK;
    if (!json_is_array(v) || json_array_size(v) > max)
        return ks_err_set(err, KS_EINVAL, "%s: '%s' must list up to %zu strings", path, key, max);
    *n = 0;
    json_array_foreach(v, i, e) {
        if (!json_is_string(e) || json_string_length(e) == 0 || json_string_length(e) >= width)
            return ks_err_set(err, KS_EINVAL, "%s: '%s[%zu]' must be a string of 1 to %zu bytes",
                              path, key, i, width - 1);
        memcpy(rows + *n * width, json_string_value(e), json_string_length(e) + 1);
        (*n)++;
    }
    return KS_OK;
}

/* A secret from a file (trailing newline dropped). */
static enum ks_code
read_secret(const char *file, unsigned char *dst, size_t cap, size_t *len, struct ks_err *err)
{
    struct ks_buf b = KS_BUF_INIT(4096);
    enum ks_code rc;

    if ((rc = ks_file_read(file, 4096, &b, err)) != KS_OK)
        return rc;
    while (b.len > 0 && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
        b.len--;
    if (b.len == 0 || b.len > cap) {
        ks_buf_release(&b);
        return ks_err_set(err, KS_EINVAL, "'%s': a secret must be 1 to %zu bytes", file, cap);
    }
    memcpy(dst, b.data, b.len);
    *len = b.len;
    ks_buf_release(&b);
    return KS_OK;
}

enum ks_code
ks_server_config_load(const char *path, struct ks_server_config *c, struct ks_err *err)
{
    static const char *const known[] = {"listen",   "data",          "db",
                                        "region",   "threads",       "maxBodyBytes",
                                        "rateLimit", "clockSkewSeconds", "shutdownGraceSeconds",
                                        "webhooks", "webhookRetry",  "s3",
                                        "metricsToken", "maxInventoryBytes",
                                        "vulndbCheckSeconds", "staleInventoryDays",
                                        "vulndbUpdateHours",
                                        "vulndbMirror", "vulndbConfig", "scanPaths",
                                        "insecureRegistries"};
    struct ks_buf b = KS_BUF_INIT(CONFIG_MAX_BYTES);
    json_t *doc = NULL, *v;
    const char *key;
    double d;
    enum ks_code rc;

    if ((rc = ks_file_read(path, CONFIG_MAX_BYTES, &b, err)) != KS_OK ||
        (rc = ks_json_parse(b.data, b.len, path, &doc, err)) != KS_OK)
        goto out;
    if (!json_is_object(doc)) {
        rc = ks_err_set(err, KS_EINVAL, "%s: must be a JSON object", path);
        goto out;
    }
    json_object_foreach(doc, key, v) {
        bool ok = false;

        for (size_t i = 0; i < KS_ARRAY_LEN(known) && !ok; i++)
            ok = strcmp(key, known[i]) == 0;
        if (!ok) {
            rc = ks_err_set(err, KS_EINVAL, "%s: unknown setting '%s'", path, key);
            goto out;
        }
    }
    if ((v = json_object_get(doc, "listen")) != NULL) {
        if (!json_is_string(v)) {
            rc = ks_err_set(err, KS_EINVAL, "%s: 'listen' must be \"HOST:PORT\"", path);
            goto out;
        }
        if ((rc = ks_server_parse_listen(json_string_value(v), c, err)) != KS_OK)
            goto out;
    }
    if ((rc = copy_str(doc, "data", c->data_dir, sizeof(c->data_dir), path, err)) != KS_OK ||
        (rc = copy_str(doc, "db", c->vulndb_path, sizeof(c->vulndb_path), path, err)) != KS_OK ||
        (rc = copy_str(doc, "region", c->region, sizeof(c->region), path, err)) != KS_OK ||
        (rc = copy_str(doc, "metricsToken", c->metrics_token, sizeof(c->metrics_token), path,
                       err)) != KS_OK)
        goto out;
    d = c->threads;
    if ((rc = get_num(doc, "threads", 1, 64, &d, path, err)) != KS_OK)
        goto out;
    c->threads = (unsigned)d;
    d = (double)c->max_body_bytes;
    if ((rc = get_num(doc, "maxBodyBytes", 1024, 1 << 30, &d, path, err)) != KS_OK)
        goto out;
    c->max_body_bytes = (size_t)d;
    d = (double)c->clock_skew_ms / 1000;
    if ((rc = get_num(doc, "clockSkewSeconds", 1, 3600, &d, path, err)) != KS_OK)
        goto out;
    c->clock_skew_ms = (int64_t)(d * 1000);
    d = (double)c->shutdown_grace_ms / 1000;
    if ((rc = get_num(doc, "shutdownGraceSeconds", 0, 3600, &d, path, err)) != KS_OK)
        goto out;
    c->shutdown_grace_ms = (int64_t)(d * 1000);
    d = (double)c->max_inventory_bytes;
    if ((rc = get_num(doc, "maxInventoryBytes", 1024, 256.0 * 1024 * 1024, &d, path, err)) !=
        KS_OK)
        goto out;
    c->max_inventory_bytes = (size_t)d;
    d = (double)c->vulndb_check_ms / 1000;
    if ((rc = get_num(doc, "vulndbCheckSeconds", 0.1, 3600, &d, path, err)) != KS_OK)
        goto out;
    c->vulndb_check_ms = (int64_t)(d * 1000);
    d = (double)c->stale_inventory_ms / 86400000.0;
    if ((rc = get_num(doc, "staleInventoryDays", 0, 3650, &d, path, err)) != KS_OK)
        goto out;
    c->stale_inventory_ms = (int64_t)(d * 86400000.0);
    d = (double)c->vulndb_update_ms / 3600000.0;
    if ((rc = get_num(doc, "vulndbUpdateHours", 0, 8760, &d, path, err)) != KS_OK)
        goto out;
    c->vulndb_update_ms = (int64_t)(d * 3600000.0);
    if ((rc = copy_str(doc, "vulndbMirror", c->vulndb_mirror, sizeof(c->vulndb_mirror), path,
                       err)) != KS_OK ||
        (rc = copy_str(doc, "vulndbConfig", c->vulndb_config, sizeof(c->vulndb_config), path,
                       err)) != KS_OK)
        goto out;
    if ((rc = str_list(doc, "scanPaths", &c->scan_paths[0][0], sizeof(c->scan_paths[0]),
                       KS_SERVER_MAX_SCAN_PATHS, &c->n_scan_paths, path, err)) != KS_OK ||
        (rc = str_list(doc, "insecureRegistries", &c->insecure_registries[0][0],
                       sizeof(c->insecure_registries[0]), KS_SERVER_MAX_REGISTRIES,
                       &c->n_insecure_registries, path, err)) != KS_OK)
        goto out;
    if ((v = json_object_get(doc, "rateLimit")) != NULL) {
        if ((rc = get_num(v, "requestsPerSecond", 0, 1e9, &c->rate_per_sec, path, err)) != KS_OK ||
            (rc = get_num(v, "burst", 1, 1e9, &c->rate_burst, path, err)) != KS_OK)
            goto out;
    }
    if ((v = json_object_get(doc, "webhookRetry")) != NULL) {
        double base = (double)c->events.retry_base_ms, max = (double)c->events.retry_max_ms;
        double att = c->events.max_attempts;

        if ((rc = get_num(v, "baseMs", 1, 3600000, &base, path, err)) != KS_OK ||
            (rc = get_num(v, "maxMs", 1, 86400000, &max, path, err)) != KS_OK ||
            (rc = get_num(v, "maxAttempts", 1, 1000, &att, path, err)) != KS_OK)
            goto out;
        c->events.retry_base_ms = (int64_t)base;
        c->events.retry_max_ms = (int64_t)max;
        c->events.max_attempts = (int)att;
    }
    if ((v = json_object_get(doc, "webhooks")) != NULL) {
        size_t i;
        json_t *w;

        if (!json_is_array(v) || json_array_size(v) > KS_SERVER_MAX_WEBHOOKS) {
            rc = ks_err_set(err, KS_EINVAL, "%s: 'webhooks' must list up to %d webhooks", path,
                            KS_SERVER_MAX_WEBHOOKS);
            goto out;
        }
        json_array_foreach(v, i, w) {
            struct ks_server_webhook *wh;
            const char *file = ks_json_str(w, "secretFile");

            if (c->n_webhooks >= KS_SERVER_MAX_WEBHOOKS) {
                rc = ks_err_set(err, KS_EINVAL, "%s: too many webhooks", path);
                goto out;
            }
            wh = &c->webhooks[c->n_webhooks];
            memset(wh, 0, sizeof(*wh));
            if ((rc = copy_str(w, "url", wh->url, sizeof(wh->url), path, err)) != KS_OK)
                goto out;
            if (wh->url[0] == '\0') {
                rc = ks_err_set(err, KS_EINVAL, "%s: webhooks[%zu] needs a url", path, i);
                goto out;
            }
            if (file != NULL &&
                (rc = read_secret(file, wh->secret, sizeof(wh->secret), &wh->secret_len, err)) !=
                    KS_OK)
                goto out;
            c->n_webhooks++;
        }
    }
    if ((v = json_object_get(doc, "s3")) != NULL) {
        const char *file = ks_json_str(v, "secretAccessKeyFile");

        if ((rc = copy_str(v, "endpoint", c->s3_endpoint, sizeof(c->s3_endpoint), path, err)) !=
                KS_OK ||
            (rc = copy_str(v, "region", c->s3_region, sizeof(c->s3_region), path, err)) != KS_OK ||
            (rc = copy_str(v, "accessKeyId", c->s3_access_key_id, sizeof(c->s3_access_key_id),
                           path, err)) != KS_OK ||
            (rc = copy_str(v, "secretAccessKey", c->s3_secret_access_key,
                           sizeof(c->s3_secret_access_key), path, err)) != KS_OK)
            goto out;
        if (file != NULL) {
            size_t n = 0;

            if ((rc = read_secret(file, (unsigned char *)c->s3_secret_access_key,
                                  sizeof(c->s3_secret_access_key) - 1, &n, err)) != KS_OK)
                goto out;
            c->s3_secret_access_key[n] = '\0';
        }
    }
    rc = KS_OK;
out:
    json_decref(doc);
    ks_buf_release(&b);
    return rc;
}

enum ks_code
ks_server_webhook_secret(const char *data_dir, unsigned char out[64], struct ks_err *err)
{
    struct ks_buf path = KS_BUF_INIT(4200), data = KS_BUF_INIT(256);
    enum ks_code rc;

    ks_buf_appendf(&path, "%s/webhook.secret", data_dir);
    if ((rc = ks_buf_err(&path)) != KS_OK) {
        rc = ks_err_set(err, rc, "data dir path too long");
        goto out;
    }
    rc = ks_file_read(path.data, 256, &data, err);
    if (rc == KS_ENOTFOUND) {
        unsigned char raw[32];
        char hex[65];
        int fd;

        if ((rc = ks_random_bytes(raw, sizeof(raw), err)) != KS_OK)
            goto out;
        ks_hex_encode(raw, 32, hex);
        /* O_EXCL: if another process created it first, read theirs below. */
        fd = open(path.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            bool ok = write(fd, hex, 64) == 64 && fsync(fd) == 0;

            close(fd);
            if (!ok) {
                rc = ks_err_set(err, KS_EIO, "cannot write '%s': %s", path.data, strerror(errno));
                goto out;
            }
        } else if (errno != EEXIST) {
            rc = ks_err_set(err, KS_EIO, "cannot create '%s': %s", path.data, strerror(errno));
            goto out;
        }
        ks_buf_reset(&data);
        rc = ks_file_read(path.data, 256, &data, err);
    }
    if (rc != KS_OK)
        goto out;
    if (data.len < 64) {
        rc = ks_err_set(err, KS_EIO, "'%s' must hold 64 hex characters", path.data);
        goto out;
    }
    memcpy(out, data.data, 64);
out:
    ks_buf_release(&path);
    ks_buf_release(&data);
    return rc;
}
