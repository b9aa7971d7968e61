/*
 * file.c: whole-file reads with a size cap, atomic replacement (temp file,
 * fsync, rename, fsync dir) and mkdir -p.
 */
#include "base/base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/banned.h"

bool
ks_path_exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

static enum ks_code
read_fd(int fd, const char *name, size_t max, struct ks_buf *buf, struct ks_err *err)
{
    size_t got = 0;

    for (;;) {
        size_t room = KS_MIN((size_t)65536, max - got);
        ssize_t n;
        char *p;

        if (room == 0) {
            char probe;

            do
                n = read(fd, &probe, 1);
            while (n < 0 && errno == EINTR);
            if (n == 0)
                return KS_OK;
            return ks_err_set(err, KS_ETOOBIG, "'%s': larger than the limit of %zu bytes", name,
                              max);
        }
        p = ks_buf_reserve(buf, room);
        if (p == NULL)
            return ks_err_set(err, buf->err, "'%s': %s while reading", name,
                              ks_code_text(buf->err));
        n = read(fd, p, room);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return ks_err_set(err, KS_EIO, "'%s': read failed: %s", name, strerror(errno));
        }
        if (n == 0)
            return KS_OK;
        got += (size_t)n;
        buf->len += (size_t)n;
        buf->data[buf->len] = '\0';
    }
}

enum ks_code
ks_file_read(const char *path, size_t max, struct ks_buf *buf, struct ks_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    enum ks_code rc;
    struct stat st;

    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return ks_err_set(err, KS_ENOTFOUND, "'%s': no such file", path);
        return ks_err_set(err, KS_EIO, "cannot open '%s': %s", path, strerror(errno));
    }
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return ks_err_set(err, KS_EIO, "'%s': is a directory", path);
    }
    rc = read_fd(fd, path, max, buf, err);
    close(fd);
    return rc;
}

enum ks_code
ks_stream_read(FILE *f, const char *name, size_t max, struct ks_buf *buf, struct ks_err *err)
{
    fflush(f);
    return read_fd(fileno(f), name, max, buf, err);
}

static enum ks_code
write_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return KS_EIO;
        }
        p += n;
        len -= (size_t)n;
    }
    return KS_OK;
}

enum ks_code
ks_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                     struct ks_err *err)
{
    struct ks_buf tmp = KS_BUF_INIT(4096);
    struct ks_buf dir = KS_BUF_INIT(4096);
    enum ks_code rc = KS_EINTERNAL;
    const char *slash;
    int fd = -1;

    ks_buf_appendf(&tmp, "%s.tmp.XXXXXX", path);
    if ((rc = ks_buf_err(&tmp)) != KS_OK) {
        rc = ks_err_set(err, rc, "'%s': path too long", path);
        goto out;
    }
    fd = mkstemp(tmp.data);
    if (fd < 0) {
        rc = ks_err_set(err, KS_EIO, "cannot create a temporary file beside '%s': %s", path,
                        strerror(errno));
        goto out;
    }
    if (write_all(fd, data, len) != KS_OK || fchmod(fd, (mode_t)mode) != 0 || fsync(fd) != 0) {
        rc = ks_err_set(err, KS_EIO, "cannot write '%s': %s", tmp.data, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        rc = ks_err_set(err, KS_EIO, "cannot write '%s': %s", tmp.data, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp.data, path) != 0) {
        rc = ks_err_set(err, KS_EIO, "cannot rename '%s' to '%s': %s", tmp.data, path,
                        strerror(errno));
        goto out;
    }
    tmp.len = 0; /* renamed: nothing to unlink */
    slash = strrchr(path, '/');
    if (slash != NULL)
        ks_buf_append(&dir, path, slash == path ? 1 : (size_t)(slash - path));
    else
        ks_buf_appends(&dir, ".");
    if (ks_buf_err(&dir) == KS_OK) {
        int dfd = open(dir.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (dfd >= 0) {
            (void)fsync(dfd);
            close(dfd);
        }
    }
    rc = KS_OK;
out:
    if (fd >= 0)
        close(fd);
    if (rc != KS_OK && tmp.len > 0)
        unlink(tmp.data);
    ks_buf_release(&tmp);
    ks_buf_release(&dir);
    return rc;
}

enum ks_code
ks_mkdir_p(const char *path, unsigned mode, struct ks_err *err)
{
    struct ks_buf b = KS_BUF_INIT(4096);
    enum ks_code rc = KS_OK;

    ks_buf_appends(&b, path);
    if (ks_buf_err(&b) != KS_OK) {
        ks_buf_release(&b);
        return ks_err_set(err, KS_ETOOBIG, "path too long: '%s'", path);
    }
    for (size_t i = 1; i <= b.len; i++) {
        if (b.data[i] != '/' && b.data[i] != '\0')
            continue;
        char saved = b.data[i];

        b.data[i] = '\0';
        if (mkdir(b.data, (mode_t)mode) != 0 && errno != EEXIST) {
            rc = ks_err_set(err, KS_EIO, "cannot create directory '%s': %s", b.data,
                            strerror(errno));
            break;
        }
        b.data[i] = saved;
    }
    ks_buf_release(&b);
    return rc;
}
