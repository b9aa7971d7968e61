/*
 * image_stream.c: verified blob streams. Every blob of an image (a layer
 * from a layout directory, a member of a docker-save tar, a cached registry
 * download) is read through one of these: the SHA-256 of the bytes and
 * their count are checked against the descriptor when the stream ends, and
 * a blob longer than its descriptor fails at once, so a tampered or
 * truncated blob is an error, never silently different contents.
 */
#include "fs/image_int.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base/banned.h"

enum ks_code
img_stream_new(const struct img_stream_ops *ops, const char *name, const char *digest,
               uint64_t size, bool has_size, struct img_stream **out, struct ks_err *err)
{
    struct img_stream *s = ks_calloc(1, sizeof(*s));

    if (s == NULL)
        return ks_err_set(err, KS_ENOMEM, "image: out of memory opening '%s'", name);
    s->ops = ops;
    s->fd = -1;
    s->name = ks_strdup(name);
    s->md = EVP_MD_CTX_new();
    if (s->name == NULL || s->md == NULL || EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1) {
        img_stream_close(s);
        return ks_err_set(err, KS_ENOMEM, "image: out of memory opening '%s'", name);
    }
    if (digest != NULL && digest[0] != '\0') {
        size_t n = strlen(digest);

        if (n >= sizeof(s->digest)) {
            img_stream_close(s);
            return ks_err_set(err, KS_EINVAL, "image: '%s': bad digest", name);
        }
        memcpy(s->digest, digest, n + 1);
    }
    s->size = size;
    s->has_size = has_size;
    *out = s;
    return KS_OK;
}

static enum ks_code
verify_end(struct img_stream *s, struct ks_err *err)
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    char hex[65];

    if (s->has_size && s->count != s->size)
        return ks_err_set(err, KS_EPARSE,
                          "image: blob '%s' is %llu bytes, its descriptor says %llu (truncated)",
                          s->name, (unsigned long long)s->count, (unsigned long long)s->size);
    if (EVP_DigestFinal_ex(s->md, md, &mdlen) != 1 || mdlen != 32)
        return ks_err_set(err, KS_EINTERNAL, "image: sha256 failed for '%s'", s->name);
    ks_hex_encode(md, 32, hex);
    snprintf(s->actual, sizeof(s->actual), "sha256:%s", hex);
    if (s->digest[0] == '\0')
        return KS_OK;
    if (strcmp(s->digest + 7, hex) != 0)
        return ks_err_set(err, KS_EPARSE,
                          "image: blob '%s': digest mismatch: expected %s, got sha256:%s", s->name,
                          s->digest, hex);
    return KS_OK;
}

enum ks_code
img_stream_read(struct img_stream *s, void *buf, size_t n, size_t *got, struct ks_err *err)
{
    enum ks_code rc;

    *got = 0;
    if (s->failed != KS_OK)
        return ks_err_set(err, s->failed, "%s", s->fail_msg);
    if (s->eof || n == 0)
        return KS_OK;
    if ((rc = s->ops->read(s, buf, n, got, err)) != KS_OK)
        goto fail;
    if (*got == 0) {
        s->eof = true;
        if ((rc = verify_end(s, err)) != KS_OK)
            goto fail;
        return KS_OK;
    }
    s->count += *got;
    if (s->has_size && s->count > s->size) {
        rc = ks_err_set(err, KS_EPARSE,
                        "image: blob '%s' is longer than the %llu bytes its descriptor says",
                        s->name, (unsigned long long)s->size);
        goto fail;
    }
    if (EVP_DigestUpdate(s->md, buf, *got) != 1) {
        rc = ks_err_set(err, KS_EINTERNAL, "image: sha256 failed for '%s'", s->name);
        goto fail;
    }
    return KS_OK;
fail:
    *got = 0;
    s->failed = rc;
    if (err != NULL) {
        size_t len = strlen(err->msg);

        if (len >= sizeof(s->fail_msg))
            len = sizeof(s->fail_msg) - 1;
        memcpy(s->fail_msg, err->msg, len);
        s->fail_msg[len] = '\0';
    }
    return rc;
}

enum ks_code
img_stream_drain(struct img_stream *s, struct ks_err *err)
{
    char buf[64 * 1024];
    size_t got;
    enum ks_code rc;

    do {
        if ((rc = img_stream_read(s, buf, sizeof(buf), &got, err)) != KS_OK)
            return rc;
    } while (got > 0);
    return KS_OK;
}

uint64_t
img_stream_count(const struct img_stream *s)
{
    return s->count;
}

const char *
img_stream_name(const struct img_stream *s)
{
    return s->name;
}

void
img_stream_close(struct img_stream *s)
{
    if (s == NULL)
        return;
    if (s->ops != NULL && s->ops->close != NULL)
        s->ops->close(s);
    if (s->fd >= 0)
        close(s->fd);
    EVP_MD_CTX_free(s->md);
    ks_free(s->name);
    ks_free(s);
}

/* ------------------------------------------------------------------------ */
/* A stream over a file descriptor.                                         */

static enum ks_code
fd_read(struct img_stream *s, void *buf, size_t n, size_t *got, struct ks_err *err)
{
    for (;;) {
        ssize_t r = read(s->fd, buf, n);

        if (r >= 0) {
            *got = (size_t)r;
            return KS_OK;
        }
        if (errno != EINTR)
            return ks_err_set(err, KS_EIO, "image: reading '%s': %s", s->name, strerror(errno));
    }
}

static const struct img_stream_ops fd_ops = {fd_read, NULL};

enum ks_code
img_stream_fd(int fd, const char *name, const char *digest, uint64_t size, bool has_size,
              struct img_stream **out, struct ks_err *err)
{
    enum ks_code rc = img_stream_new(&fd_ops, name, digest, size, has_size, out, err);

    if (rc != KS_OK) {
        close(fd);
        return rc;
    }
    (*out)->fd = fd;
    return KS_OK;
}
