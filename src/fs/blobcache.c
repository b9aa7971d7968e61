/*
 * blobcache.c: registry blobs kept on disk by digest (dir/sha256/<hex>),
 * bounded in size: after every insertion the least recently used blobs
 * (by mtime, refreshed on each use) are deleted until the total fits.
 * Downloads land in a temporary file in the same directory and are renamed
 * into place only after their digest was checked, so a reader never sees a
 * partial or wrong blob; a blob that no longer matches its name is deleted.
 */
#include "fs/registry_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/banned.h"

struct img_cache {
    char *dir;  /* .../blobs */
    char *sdir; /* .../blobs/sha256 */
    uint64_t max_bytes;
};

enum ks_code
img_parse_size(const char *s, uint64_t *out)
{
    struct ks_str v = ks_str_trim(ks_str_c(s));
    uint64_t mul = 1, n;

    if (v.len == 0)
        return KS_EINVAL;
    switch (v.ptr[v.len - 1]) {
    case 'k':
    case 'K':
        mul = 1ull << 10;
        break;
    case 'm':
    case 'M':
        mul = 1ull << 20;
        break;
    case 'g':
    case 'G':
        mul = 1ull << 30;
        break;
    case 't':
    case 'T':
        mul = 1ull << 40;
        break;
    default:
        break;
    }
    if (mul > 1)
        v.len--;
    if (ks_parse_u64(v, UINT64_MAX / mul, &n) != KS_OK)
        return KS_EINVAL;
    *out = n * mul;
    return KS_OK;
}

enum ks_code
img_cache_open(const char *dir, uint64_t max_bytes, struct img_cache **out, struct ks_err *err)
{
    struct ks_buf path = KS_BUF_INIT(4096);
    struct img_cache *c = NULL;
    const char *e;
    enum ks_code rc;

    if (dir != NULL && dir[0] != '\0')
        ks_buf_appends(&path, dir);
    else if ((e = getenv("KENSA_CACHE_DIR")) != NULL && e[0] != '\0')
        ks_buf_appendf(&path, "%s/blobs", e);
    else if ((e = getenv("XDG_CACHE_HOME")) != NULL && e[0] == '/')
        ks_buf_appendf(&path, "%s/kensa/blobs", e);
    else if ((e = getenv("HOME")) != NULL && e[0] != '\0')
        ks_buf_appendf(&path, "%s/.cache/kensa/blobs", e);
    else
        return ks_err_set(err, KS_EINVAL, "blob cache: no directory (set KENSA_CACHE_DIR)");
    if (max_bytes == 0 && (e = getenv("KENSA_BLOB_CACHE_MAX")) != NULL && e[0] != '\0' &&
        img_parse_size(e, &max_bytes) != KS_OK) {
        ks_buf_release(&path);
        return ks_err_set(err, KS_EINVAL, "KENSA_BLOB_CACHE_MAX '%s': not a size", e);
    }
    if (max_bytes == 0)
        max_bytes = IMG_CACHE_DEFAULT_MAX;
    c = ks_calloc(1, sizeof(*c));
    if (c == NULL || ks_buf_err(&path) != KS_OK) {
        rc = ks_err_set(err, KS_ENOMEM, "blob cache: out of memory");
        goto fail;
    }
    c->max_bytes = max_bytes;
    c->dir = ks_strdup(path.data);
    ks_buf_appends(&path, "/sha256");
    c->sdir = ks_strdup(path.data);
    if (c->dir == NULL || c->sdir == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "blob cache: out of memory");
        goto fail;
    }
    if ((rc = ks_mkdir_p(c->sdir, 0700, err)) != KS_OK)
        goto fail;
    ks_buf_release(&path);
    *out = c;
    return KS_OK;
fail:
    ks_buf_release(&path);
    img_cache_free(c);
    return rc;
}

void
img_cache_free(struct img_cache *c)
{
    if (c == NULL)
        return;
    ks_free(c->dir);
    ks_free(c->sdir);
    ks_free(c);
}

const char *
img_cache_dir(const struct img_cache *c)
{
    return c->dir;
}

uint64_t
img_cache_max(const struct img_cache *c)
{
    return c->max_bytes;
}

static void
blob_path(const struct img_cache *c, const char *digest, struct ks_buf *out)
{
    ks_buf_appendf(out, "%s/%s", c->sdir, digest + 7);
}

/* A cached blob that fails verification is deleted when its stream closes. */
struct cached {
    char *path;
};

static enum ks_code
cached_read(struct img_stream *s, void *buf, size_t n, size_t *got, struct ks_err *err)
{
    for (;;) {
        ssize_t r = read(s->fd, buf, n);

        if (r >= 0) {
            *got = (size_t)r;
            return KS_OK;
        }
        if (errno != EINTR)
            return ks_err_set(err, KS_EIO, "blob cache: reading '%s': %s", s->name,
                              strerror(errno));
    }
}

static void
cached_close(struct img_stream *s)
{
    struct cached *c = s->impl;

    if (c == NULL)
        return;
    if (s->failed == KS_EPARSE) {
        ks_log(KS_LOG_WARN, "fs.cache", "deleting corrupt cached blob '%s'", c->path);
        unlink(c->path);
    }
    ks_free(c->path);
    ks_free(c);
}

static const struct img_stream_ops cached_ops = {cached_read, cached_close};

enum ks_code
img_cache_get(struct img_cache *c, const char *digest, uint64_t size, bool has_size,
              struct img_stream **out, struct ks_err *err)
{
    struct ks_buf path = KS_BUF_INIT(4096);
    struct img_stream *s = NULL;
    struct cached *cd = NULL;
    struct stat st;
    enum ks_code rc;
    int fd;

    if (!img_digest_valid(ks_str_c(digest)))
        return ks_err_set(err, KS_EINVAL, "blob cache: invalid digest");
    blob_path(c, digest, &path);
    if (ks_buf_err(&path) != KS_OK) {
        ks_buf_release(&path);
        return ks_err_set(err, KS_ENOMEM, "blob cache: out of memory");
    }
    fd = open(path.data, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        rc = errno == ENOENT ? KS_ENOTFOUND : KS_EIO;
        ks_err_set(err, rc, "blob cache: '%s': %s", path.data, strerror(errno));
        ks_buf_release(&path);
        return rc;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (has_size && (uint64_t)st.st_size != size)) {
        /* Wrong size: not the blob its name says. */
        close(fd);
        unlink(path.data);
        ks_buf_release(&path);
        return ks_err_set(err, KS_ENOTFOUND, "blob cache: stale entry for %s", digest);
    }
    /* Refresh its place in the LRU order. */
    futimens(fd, NULL);
    cd = ks_calloc(1, sizeof(*cd));
    if (cd == NULL || (cd->path = ks_strdup(path.data)) == NULL) {
        close(fd);
        ks_free(cd);
        ks_buf_release(&path);
        return ks_err_set(err, KS_ENOMEM, "blob cache: out of memory");
    }
    if ((rc = img_stream_new(&cached_ops, digest, digest, (uint64_t)st.st_size, true, &s, err)) !=
        KS_OK) {
        close(fd);
        ks_free(cd->path);
        ks_free(cd);
        ks_buf_release(&path);
        return rc;
    }
    s->fd = fd;
    s->impl = cd;
    ks_buf_release(&path);
    *out = s;
    return KS_OK;
}

enum ks_code
img_cache_begin(struct img_cache *c, int *fd, struct ks_buf *tmp_path, struct ks_err *err)
{
    ks_buf_appendf(tmp_path, "%s/.tmp-XXXXXX", c->dir);
    if (ks_buf_err(tmp_path) != KS_OK)
        return ks_err_set(err, KS_ENOMEM, "blob cache: out of memory");
    *fd = mkstemp(tmp_path->data);
    if (*fd < 0)
        return ks_err_set(err, KS_EIO, "blob cache: cannot create a file in '%s': %s", c->dir,
                          strerror(errno));
    return KS_OK;
}

enum ks_code
img_cache_commit(struct img_cache *c, const char *tmp_path, const char *digest, struct ks_err *err)
{
    struct ks_buf path = KS_BUF_INIT(4096);
    enum ks_code rc;

    blob_path(c, digest, &path);
    if (ks_buf_err(&path) != KS_OK) {
        unlink(tmp_path);
        ks_buf_release(&path);
        return ks_err_set(err, KS_ENOMEM, "blob cache: out of memory");
    }
    chmod(tmp_path, 0600);
    if (rename(tmp_path, path.data) != 0) {
        rc = ks_err_set(err, KS_EIO, "blob cache: cannot store '%s': %s", path.data,
                        strerror(errno));
        unlink(tmp_path);
        ks_buf_release(&path);
        return rc;
    }
    ks_buf_release(&path);
    return img_cache_evict(c, digest, err);
}

struct blob {
    char name[65];
    uint64_t size;
    struct timespec mtime;
};

static int
blob_cmp(const void *a, const void *b)
{
    const struct blob *x = a, *y = b;

    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
    if (x->mtime.tv_nsec != y->mtime.tv_nsec)
        return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
    return strcmp(x->name, y->name);
}

static enum ks_code
list_blobs(struct img_cache *c, struct ks_vec *out, uint64_t *total, struct ks_err *err)
{
    DIR *d = opendir(c->sdir);
    struct dirent *de;
    int dfd;

    *total = 0;
    if (d == NULL)
        return ks_err_set(err, KS_EIO, "blob cache: cannot list '%s': %s", c->sdir,
                          strerror(errno));
    dfd = dirfd(d);
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        struct blob *b;

        if (strlen(de->d_name) != 64 || fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode))
            continue;
        b = ks_vec_push(out);
        if (b == NULL) {
            closedir(d);
            return ks_err_set(err, KS_ENOMEM, "blob cache: out of memory");
        }
        memcpy(b->name, de->d_name, 65);
        b->size = (uint64_t)st.st_size;
        b->mtime = st.st_mtim;
        *total += b->size;
    }
    closedir(d);
    return KS_OK;
}

uint64_t
img_cache_size(struct img_cache *c)
{
    struct ks_vec v = KS_VEC_INIT(struct blob);
    uint64_t total = 0;

    list_blobs(c, &v, &total, NULL);
    ks_vec_release(&v);
    return total;
}

enum ks_code
img_cache_evict(struct img_cache *c, const char *keep, struct ks_err *err)
{
    struct ks_vec v = KS_VEC_INIT(struct blob);
    uint64_t total;
    enum ks_code rc;

    if ((rc = list_blobs(c, &v, &total, err)) != KS_OK)
        goto out;
    if (total <= c->max_bytes)
        goto out;
    ks_vec_sort(&v, blob_cmp);
    for (size_t i = 0; i < v.len && total > c->max_bytes; i++) {
        struct blob *b = ks_vec_at(&v, i);
        struct ks_buf p = KS_BUF_INIT(4096);

        if (keep != NULL && strlen(keep) == 71 && strcmp(keep + 7, b->name) == 0)
            continue;
        ks_buf_appendf(&p, "%s/%s", c->sdir, b->name);
        if (ks_buf_err(&p) != KS_OK) {
            ks_buf_release(&p);
            rc = ks_err_set(err, KS_ENOMEM, "blob cache: out of memory");
            goto out;
        }
        if (unlink(p.data) == 0 || errno == ENOENT) {
            total -= b->size;
            ks_log(KS_LOG_DEBUG, "fs.cache", "evicted sha256:%s (%llu bytes)", b->name,
                   (unsigned long long)b->size);
        }
        ks_buf_release(&p);
    }
out:
    ks_vec_release(&v);
    return rc;
}
