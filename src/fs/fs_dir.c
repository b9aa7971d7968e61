/*
 * fs_dir.c: the directory backend of the fs view: a live root `/` or a
 * mounted disk/snapshot (the agentless path). Everything is done relative to
 * directory file descriptors with O_NOFOLLOW, so neither a hostile symlink
 * nor a concurrent rename can lead a walk or a read outside the root.
 */
#include "fs/fs_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/banned.h"

struct dir_impl {
    int rootfd;
    dev_t root_dev;
    struct ks_buf link; /* lstat's symlink target */
};

static enum ks_fs_type
mode_type(mode_t m)
{
    if (S_ISREG(m))
        return KS_FS_FILE;
    if (S_ISDIR(m))
        return KS_FS_DIR;
    if (S_ISLNK(m))
        return KS_FS_SYMLINK;
    return KS_FS_OTHER;
}

static void
fill_entry(struct ks_fs_entry *e, const struct stat *st)
{
    e->type = mode_type(st->st_mode);
    e->size = e->type == KS_FS_FILE && st->st_size > 0 ? (uint64_t)st->st_size : 0;
    e->mode = (uint32_t)(st->st_mode & 07777);
    e->mtime = (int64_t)st->st_mtime;
    e->link = NULL;
    e->layer = NULL;
}

/* readlinkat into b (reset first); false on error or a target over the limit. */
static bool
read_link(int dirfd, const char *name, struct ks_buf *b)
{
    char *p;
    ssize_t n;

    ks_buf_reset(b);
    p = ks_buf_reserve(b, KS_FS_MAX_PATH + 1);
    if (p == NULL)
        return false;
    n = readlinkat(dirfd, name, p, KS_FS_MAX_PATH + 1);
    if (n < 0 || n > KS_FS_MAX_PATH)
        return false;
    b->len = (size_t)n;
    b->data[b->len] = '\0';
    return true;
}

/* ------------------------------------------------------------------------ */
/* Walk: depth-first, one open directory fd per level, names read up front. */

struct frame {
    int fd;
    struct ks_buf names; /* NUL-separated entry names */
    size_t pos;
    size_t path_len; /* length of this directory's path in the shared buffer */
};

static enum ks_code
frame_open(struct ks_fs *fs, int parentfd, const char *name, const char *relpath,
           struct frame *f, bool *skipped)
{
    int fd, dupfd;
    DIR *d;
    struct dirent *de;

    *skipped = false;
    fd = openat(parentfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno != ENOENT)
            fs_warn(fs, "cannot open directory '%s': %s", relpath, strerror(errno));
        *skipped = true;
        return KS_OK;
    }
    dupfd = dup(fd);
    d = dupfd >= 0 ? fdopendir(dupfd) : NULL;
    if (d == NULL) {
        fs_warn(fs, "cannot read directory '%s': %s", relpath, strerror(errno));
        if (dupfd >= 0)
            close(dupfd);
        close(fd);
        *skipped = true;
        return KS_OK;
    }
    f->fd = fd;
    ks_buf_init(&f->names, SIZE_MAX);
    f->pos = 0;
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        ks_buf_append(&f->names, de->d_name, strlen(de->d_name) + 1);
    }
    closedir(d);
    if (ks_buf_err(&f->names) != KS_OK) {
        ks_buf_release(&f->names);
        close(fd);
        return KS_ENOMEM;
    }
    return KS_OK;
}

static enum ks_code
dir_walk(struct ks_fs *fs, ks_fs_walk_fn fn, void *ctx, struct ks_err *err)
{
    struct dir_impl *d = fs->impl;
    struct frame *stack = NULL;
    size_t depth = 0;
    struct ks_buf path = KS_BUF_INIT(KS_FS_MAX_PATH + 256);
    struct ks_buf link = KS_BUF_INIT(KS_FS_MAX_PATH + 1);
    enum ks_code rc = KS_EINTERNAL;
    bool skipped;

    stack = ks_calloc(KS_FS_MAX_DEPTH, sizeof(*stack));
    if (stack == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "fs: out of memory walking '%s'", fs->name);
        goto out;
    }
    if ((rc = frame_open(fs, d->rootfd, ".", ".", &stack[0], &skipped)) != KS_OK) {
        rc = ks_err_set(err, rc, "fs: out of memory walking '%s'", fs->name);
        goto out;
    }
    if (skipped) {
        rc = ks_err_set(err, KS_EIO, "cannot read the root directory '%s'", fs->name);
        goto out;
    }
    depth = 1;
    while (depth > 0) {
        struct frame *f = &stack[depth - 1];
        const char *name;
        struct stat st;
        struct ks_fs_entry e;
        enum ks_fs_visit v;

        if (f->pos >= f->names.len) {
            close(f->fd);
            ks_buf_release(&f->names);
            depth--;
            continue;
        }
        name = f->names.data + f->pos;
        f->pos += strlen(name) + 1;

        fs_buf_truncate(&path, f->path_len);
        if (path.len > 0)
            ks_buf_putc(&path, '/');
        ks_buf_appends(&path, name);
        if (ks_buf_err(&path) != KS_OK || path.len > KS_FS_MAX_PATH) {
            fs_warn(fs, "path too long, skipped: '%.200s/%s'", path.data, name);
            path.err = KS_OK;
            continue;
        }
        if (fstatat(f->fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno != ENOENT) /* removed since the listing: not worth a warning */
                fs_warn(fs, "cannot stat '%s': %s", path.data, strerror(errno));
            continue;
        }
        e.path = path.data;
        e.path_len = path.len;
        fill_entry(&e, &st);
        if (e.type == KS_FS_SYMLINK) {
            if (read_link(f->fd, name, &link))
                e.link = link.data;
            else
                e.link = "";
        }
        /* Pseudo and volatile filesystems of a live host hold no packages. */
        if (e.type == KS_FS_DIR && depth == 1 && fs->live_root &&
            !(fs->flags & KS_FS_NO_SKIP_PSEUDO) &&
            (strcmp(name, "proc") == 0 || strcmp(name, "sys") == 0 ||
             strcmp(name, "dev") == 0 || strcmp(name, "run") == 0))
            continue;
        v = fn(ctx, &e);
        if (v == KS_FS_STOP)
            break;
        if (e.type != KS_FS_DIR || v == KS_FS_SKIP)
            continue;
        if (st.st_dev != d->root_dev && !(fs->flags & KS_FS_CROSS_MOUNTS)) {
            ks_log(KS_LOG_DEBUG, "fs", "not crossing into the mount at '%s'", path.data);
            continue;
        }
        if (depth >= KS_FS_MAX_DEPTH) {
            fs_warn(fs, "directory nesting deeper than %d levels, skipped: '%.200s'",
                    KS_FS_MAX_DEPTH, path.data);
            continue;
        }
        rc = frame_open(fs, f->fd, name, path.data, &stack[depth], &skipped);
        if (rc != KS_OK) {
            rc = ks_err_set(err, rc, "fs: out of memory walking '%s'", fs->name);
            goto out;
        }
        if (skipped)
            continue;
        if (st.st_dev != d->root_dev && !(fs->flags & KS_FS_NO_SKIP_PSEUDO) &&
            fs_is_pseudo_fs(stack[depth].fd)) {
            close(stack[depth].fd);
            ks_buf_release(&stack[depth].names);
            continue;
        }
        stack[depth].path_len = path.len;
        depth++;
    }
    rc = KS_OK;
out:
    while (depth > 0) {
        depth--;
        close(stack[depth].fd);
        ks_buf_release(&stack[depth].names);
    }
    ks_free(stack);
    ks_buf_release(&path);
    ks_buf_release(&link);
    return rc;
}

/* ------------------------------------------------------------------------ */

static enum ks_code
dir_lstat(struct ks_fs *fs, const char *path, struct ks_fs_entry *out, struct ks_err *err)
{
    struct dir_impl *d = fs->impl;
    struct stat st;

    if (fstatat(d->rootfd, path, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return KS_ENOTFOUND;
        return ks_err_set(err, KS_EIO, "cannot stat '%s': %s", path, strerror(errno));
    }
    out->path = path;
    out->path_len = strlen(path);
    fill_entry(out, &st);
    if (out->type == KS_FS_SYMLINK) {
        if (!read_link(d->rootfd, path, &d->link))
            return ks_err_set(err, KS_EIO, "cannot read the symlink '%s'", path);
        out->link = d->link.data;
    }
    return KS_OK;
}

/* Open a canonical path one component at a time, never following a symlink. */
static int
open_beneath(int rootfd, const char *path, int *err_no)
{
    int fd = rootfd;
    const char *p = path;

    for (;;) {
        const char *slash = strchr(p, '/');
        char comp[256];
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        int next;

        if (n == 0 || n >= sizeof(comp)) {
            *err_no = n == 0 ? EINVAL : ENAMETOOLONG;
            goto fail;
        }
        memcpy(comp, p, n);
        comp[n] = '\0';
        if (slash != NULL)
            next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        else
            next = openat(fd, comp, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (next < 0) {
            *err_no = errno;
            goto fail;
        }
        if (fd != rootfd)
            close(fd);
        fd = next;
        if (slash == NULL)
            return fd;
        p = slash + 1;
    }
fail:
    if (fd != rootfd)
        close(fd);
    return -1;
}

static enum ks_code
fd_read(struct ks_fs_file *f, void *buf, size_t n, size_t *got, struct ks_err *err)
{
    for (;;) {
        ssize_t r = read(f->fd, buf, n);

        if (r >= 0) {
            *got = (size_t)r;
            return KS_OK;
        }
        if (errno != EINTR && errno != EAGAIN)
            return ks_err_set(err, KS_EIO, "cannot read '%s': %s", f->name, strerror(errno));
    }
}

static void
fd_close(struct ks_fs_file *f)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}

static enum ks_code
fd_seek(struct ks_fs_file *f, uint64_t off, struct ks_err *err)
{
    if (off > (uint64_t)INT64_MAX || lseek(f->fd, (off_t)off, SEEK_SET) < 0)
        return ks_err_set(err, KS_EIO, "cannot seek in '%s': %s", f->name, strerror(errno));
    return KS_OK;
}

static const struct ks_fs_file_ops fd_ops = {fd_read, fd_close, fd_seek};

static enum ks_code
dir_open(struct ks_fs *fs, const char *path, struct ks_fs_file **out, struct ks_err *err)
{
    struct dir_impl *d = fs->impl;
    struct ks_fs_file *f;
    struct stat st;
    int err_no = 0;
    int fd = open_beneath(d->rootfd, path, &err_no);

    if (fd < 0) {
        if (err_no == ENOENT || err_no == ENOTDIR)
            return ks_err_set(err, KS_ENOTFOUND, "'%s': no such file", path);
        if (err_no == ELOOP)
            return ks_err_set(err, KS_EIO, "'%s': changed into a symlink while reading", path);
        return ks_err_set(err, KS_EIO, "cannot open '%s': %s", path, strerror(err_no));
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return ks_err_set(err, KS_EINVAL, "'%s': not a regular file", path);
    }
    f = fs_file_new(&fd_ops, path, st.st_size > 0 ? (uint64_t)st.st_size : 0);
    if (f == NULL) {
        close(fd);
        return ks_err_set(err, KS_ENOMEM, "fs: out of memory opening '%s'", path);
    }
    f->fd = fd;
    *out = f;
    return KS_OK;
}

static void
dir_close(struct ks_fs *fs)
{
    struct dir_impl *d = fs->impl;

    if (d->rootfd >= 0)
        close(d->rootfd);
    ks_buf_release(&d->link);
    ks_free(d);
    fs->impl = NULL;
}

static const struct ks_fs_ops dir_ops = {
    .kind = "dir",
    .walk = dir_walk,
    .lstat = dir_lstat,
    .open = dir_open,
    .prefetch = NULL, /* reads are cheap and random-access */
    .close = dir_close,
};

enum ks_code
ks_fs_open_dir(const char *path, const struct ks_fs_options *opts, struct ks_fs **out,
               struct ks_err *err)
{
    struct ks_fs *fs = NULL;
    struct dir_impl *d = NULL;
    struct stat st, root_st;
    enum ks_code rc;
    int fd;

    fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return ks_err_set(err, KS_ENOTFOUND, "'%s': no such directory", path);
        return ks_err_set(err, KS_EIO, "cannot open directory '%s': %s", path, strerror(errno));
    }
    if (fstat(fd, &st) != 0) {
        rc = ks_err_set(err, KS_EIO, "cannot stat '%s': %s", path, strerror(errno));
        close(fd);
        return rc;
    }
    if ((rc = fs_new(&dir_ops, path, opts, &fs, err)) != KS_OK) {
        close(fd);
        return rc;
    }
    d = ks_calloc(1, sizeof(*d));
    if (d == NULL) {
        close(fd);
        ks_fs_free(fs);
        return ks_err_set(err, KS_ENOMEM, "fs: out of memory opening '%s'", path);
    }
    d->rootfd = fd;
    d->root_dev = st.st_dev;
    ks_buf_init(&d->link, KS_FS_MAX_PATH + 2);
    fs->impl = d;
    fs->live_root = stat("/", &root_st) == 0 && root_st.st_dev == st.st_dev &&
                    root_st.st_ino == st.st_ino;
    *out = fs;
    return KS_OK;
}
