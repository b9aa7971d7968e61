/*
 * s3.c: one signed PutObject to an S3-compatible endpoint (path-style URLs,
 * SigV4 with the S3 rules: the path encoded once and x-amz-content-sha256
 * signed), for findings reports sent to their s3Destination.
 */
#include "server/server_int.h"

#include <curl/curl.h>
#include <string.h>

#include "base/banned.h"

static size_t
collect(char *p, size_t size, size_t n, void *ctx)
{
    struct ks_buf *b = ctx;

    if (b->len < 4096)
        ks_buf_append(b, p, KS_MIN(size * n, 4096 - b->len));
    return size * n;
}

enum ks_code
srv_s3_put(const struct srv_s3 *cfg, const char *bucket, const char *key,
           const char *content_type, const void *data, size_t len, struct ks_err *err)
{
    struct ks_buf path = KS_BUF_INIT(8192), url = KS_BUF_INIT(16384), auth = KS_BUF_INIT(4096);
    struct ks_buf reply = KS_BUF_INIT(8192), hline = KS_BUF_INIT(4096);
    struct curl_slist *hdrs = NULL;
    struct ks_sigv4_kv h[4];
    struct ks_sigv4_request rq;
    const char *hostp;
    char payload[65], amz[17];
    CURL *c = NULL;
    CURLcode cc;
    long status = 0;
    enum ks_code rc;

    if (strncmp(cfg->endpoint, "http://", 7) != 0 && strncmp(cfg->endpoint, "https://", 8) != 0)
        return ks_err_set(err, KS_EINVAL, "s3: endpoint '%s' is not an http(s) URL",
                          cfg->endpoint);
    if (bucket[0] == '\0' || strchr(bucket, '/') != NULL)
        return ks_err_set(err, KS_EINVAL, "s3: bucket name '%.64s' is not valid", bucket);
    hostp = strstr(cfg->endpoint, "://") + 3;
    /* The decoded path, and the URL with it encoded once (S3's rule). */
    ks_buf_appendf(&path, "/%s/%s", bucket, key);
    ks_buf_appends(&url, cfg->endpoint);
    while (url.len > 0 && url.data[url.len - 1] == '/')
        url.data[--url.len] = '\0';
    ks_sigv4_uri_encode(ks_buf_str(&path), true, &url);
    ks_sigv4_payload_hash(data, len, payload);
    ks_sigv4_amz_date((time_t)(ks_time_now_ms() / 1000), amz);
    {
        size_t hl = strcspn(hostp, "/");

        h[0] = (struct ks_sigv4_kv){KS_STR("host"), ks_str_make(hostp, hl)};
    }
    h[1] = (struct ks_sigv4_kv){KS_STR("x-amz-date"), ks_str_c(amz)};
    h[2] = (struct ks_sigv4_kv){KS_STR("x-amz-content-sha256"), ks_str_c(payload)};
    h[3] = (struct ks_sigv4_kv){KS_STR("content-type"), ks_str_c(content_type)};
    memset(&rq, 0, sizeof(rq));
    rq.method = KS_STR("PUT");
    rq.path = ks_buf_str(&path);
    rq.headers = h;
    rq.n_headers = 4;
    rq.payload_hash = ks_str_c(payload);
    rq.s3 = true;
    if ((rc = ks_buf_err(&path)) != KS_OK || (rc = ks_buf_err(&url)) != KS_OK) {
        rc = ks_err_set(err, rc, "s3: key too long");
        goto out;
    }
    if ((rc = ks_sigv4_sign(&rq, ks_str_c(cfg->access_key_id), ks_str_c(cfg->secret_access_key),
                            ks_str_c(cfg->region), KS_STR("s3"), ks_str_c(amz), &auth, err)) !=
        KS_OK)
        goto out;
    for (size_t i = 0; i < 4; i++) {
        ks_buf_reset(&hline);
        ks_buf_appendf(&hline, KS_STR_FMT ": " KS_STR_FMT, KS_STR_ARG(h[i].key),
                       KS_STR_ARG(h[i].value));
        hdrs = curl_slist_append(hdrs, hline.data);
    }
    ks_buf_reset(&hline);
    ks_buf_appendf(&hline, "Authorization: %s", auth.data);
    hdrs = curl_slist_append(hdrs, hline.data);
    hdrs = curl_slist_append(hdrs, "Expect:");
    if (hdrs == NULL || (c = curl_easy_init()) == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "s3: out of memory");
        goto out;
    }
    curl_easy_setopt(c, CURLOPT_URL, url.data);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, len ? data : "");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
    cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        rc = ks_err_set(err, KS_ENET, "s3: PUT %s: %s", url.data, curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status == 404 || strstr(reply.data, "NoSuchBucket") != NULL) {
        rc = ks_err_set(err, KS_ENOTFOUND, "s3: bucket '%s' does not exist", bucket);
        goto out;
    }
    if (status == 403) {
        rc = ks_err_set(err, KS_EAUTH, "s3: access denied to bucket '%s'", bucket);
        goto out;
    }
    if (status < 200 || status >= 300) {
        rc = ks_err_set(err, KS_ENET, "s3: PUT answered HTTP %ld", status);
        goto out;
    }
    rc = KS_OK;
out:
    if (c != NULL)
        curl_easy_cleanup(c);
    curl_slist_free_all(hdrs);
    ks_buf_release(&path);
    ks_buf_release(&url);
    ks_buf_release(&auth);
    ks_buf_release(&reply);
    ks_buf_release(&hline);
    return rc;
}
