/*
 * fs.c: the backend-independent half of the fs view: options and limits,
 * the walk wrapper that applies --skip-dirs, and symlink resolution inside
 * the root (absolute targets re-rooted, '..' clamped, loops bounded), which
 * every read goes through before a backend sees the path.
 */
#include "fs/fs_int.h"

#include <string.h>

#include "base/banned.h"

const char *
ks_fs_type_name(enum ks_fs_type type)
{
    switch (type) {
    case KS_FS_FILE:
        return "file";
    case KS_FS_DIR:
        return "dir";
    case KS_FS_SYMLINK:
        return "symlink";
    case KS_FS_OTHER:
        return "other";
    }
    return "other";
}

void
ks_fs_limits_default(struct ks_fs_limits *l)
{
    l->max_entries = 20u * 1000 * 1000;
    l->max_total_bytes = (uint64_t)256 << 30; /* a large rootfs tarball */
    l->max_file_bytes = (uint64_t)1 << 30;
    l->max_cache_bytes = (uint64_t)1 << 30;
    l->max_ratio = 200; /* deflate tops out near 1032:1; real jars stay under ~20:1 */
    l->max_depth = 8;
}

static void
fill_limits(struct ks_fs_limits *dst, const struct ks_fs_limits *src)
{
    struct ks_fs_limits d;

    ks_fs_limits_default(&d);
    *dst = src ? *src : d;
    if (dst->max_entries == 0)
        dst->max_entries = d.max_entries;
    if (dst->max_total_bytes == 0)
        dst->max_total_bytes = d.max_total_bytes;
    if (dst->max_file_bytes == 0)
        dst->max_file_bytes = d.max_file_bytes;
    if (dst->max_cache_bytes == 0)
        dst->max_cache_bytes = d.max_cache_bytes;
    if (dst->max_ratio == 0)
        dst->max_ratio = d.max_ratio;
    if (dst->max_depth == 0)
        dst->max_depth = d.max_depth;
}

enum ks_code
fs_new(const struct ks_fs_ops *ops, const char *name, const struct ks_fs_options *opts,
       struct ks_fs **out, struct ks_err *err)
{
    struct ks_fs *fs = ks_calloc(1, sizeof(*fs));

    if (fs == NULL)
        return ks_err_set(err, KS_ENOMEM, "fs: cannot allocate a handle for '%s'", name);
    fs->ops = ops;
    ks_buf_init(&fs->scratch, KS_FS_MAX_PATH * 2);
    fs->name = ks_strdup(name);
    if (fs->name == NULL)
        goto oom;
    fill_limits(&fs->limits, opts ? &opts->limits : NULL);
    if (opts != NULL) {
        fs->flags = opts->flags;
        fs->warn = opts->warn;
        fs->warn_ctx = opts->warn_ctx;
        if (opts->n_skip_globs > 0) {
            fs->skip_globs = ks_calloc(opts->n_skip_globs, sizeof(char *));
            if (fs->skip_globs == NULL)
                goto oom;
            for (size_t i = 0; i < opts->n_skip_globs; i++) {
                const char *g = opts->skip_globs[i];

                while (*g == '/')
                    g++;
                fs->skip_globs[i] = ks_strdup(g);
                if (fs->skip_globs[i] == NULL)
                    goto oom;
                fs->n_skip_globs = i + 1;
                /* "dir/" means the directory itself */
                size_t n = strlen(fs->skip_globs[i]);
                while (n > 0 && fs->skip_globs[i][n - 1] == '/')
                    fs->skip_globs[i][--n] = '\0';
            }
        }
    }
    fs->budget = ks_calloc(1, sizeof(*fs->budget));
    if (fs->budget == NULL)
        goto oom;
    fs->budget->refs = 1;
    *out = fs;
    return KS_OK;
oom:
    ks_fs_free(fs);
    return ks_err_set(err, KS_ENOMEM, "fs: out of memory opening '%s'", name);
}

void
ks_fs_free(struct ks_fs *fs)
{
    if (fs == NULL)
        return;
    if (fs->ops != NULL && fs->ops->close != NULL && fs->impl != NULL)
        fs->ops->close(fs);
    for (size_t i = 0; i < fs->n_skip_globs; i++)
        ks_free(fs->skip_globs[i]);
    ks_free(fs->skip_globs);
    if (fs->budget != NULL && --fs->budget->refs == 0)
        ks_free(fs->budget);
    ks_free(fs->owned_data);
    ks_buf_release(&fs->scratch);
    ks_free(fs->name);
    ks_free(fs);
}

void
fs_warn(struct ks_fs *fs, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (fs->warn != NULL)
        fs->warn(fs->warn_ctx, msg);
    else
        ks_log(KS_LOG_WARN, "fs", "%s", msg);
}

const char *
ks_fs_kind(const struct ks_fs *fs)
{
    return fs->ops->kind;
}

const char *
ks_fs_name(const struct ks_fs *fs)
{
    return fs->name;
}

bool
ks_fs_is_live_root(const struct ks_fs *fs)
{
    return fs->live_root;
}

unsigned
ks_fs_depth(const struct ks_fs *fs)
{
    return fs->depth;
}

/* ------------------------------------------------------------------------ */
/* Walk with --skip-dirs applied.                                           */

struct skip_wrap {
    struct ks_fs *fs;
    ks_fs_walk_fn fn;
    void *ctx;
};

static enum ks_fs_visit
skip_cb(void *ctx, const struct ks_fs_entry *e)
{
    struct skip_wrap *w = ctx;

    if (e->type == KS_FS_DIR) {
        for (size_t i = 0; i < w->fs->n_skip_globs; i++)
            if (ks_fs_glob_match(ks_str_c(w->fs->skip_globs[i]),
                                 ks_str_make(e->path, e->path_len)))
                return KS_FS_SKIP;
    }
    return w->fn(w->ctx, e);
}

enum ks_code
ks_fs_walk(struct ks_fs *fs, ks_fs_walk_fn fn, void *ctx, struct ks_err *err)
{
    struct skip_wrap w = {fs, fn, ctx};

    if (fs->n_skip_globs == 0)
        return fs->ops->walk(fs, fn, ctx, err);
    return fs->ops->walk(fs, skip_cb, &w, err);
}

/* ------------------------------------------------------------------------ */
/* Resolution inside the root.                                              */

/*
 * Resolve path into out (appended, canonical). When follow_last is false a
 * final symlink is kept as is. KS_ENOTFOUND with out extended means only the
 * final component is missing (out holds its canonical path); KS_ENOTFOUND
 * with out unchanged means a directory on the way is missing.
 */
static enum ks_code
resolve(struct ks_fs *fs, const char *path, bool follow_last, struct ks_buf *out,
        struct ks_err *err)
{
    struct ks_buf todo = KS_BUF_INIT(KS_FS_MAX_PATH * 4);
    struct ks_buf link = KS_BUF_INIT(KS_FS_MAX_PATH);
    enum ks_code rc = KS_EINTERNAL;
    size_t start = out->len, pos = 0;
    unsigned hops = 0;

    ks_buf_appends(&todo, path);
    if (ks_buf_err(&todo) != KS_OK) {
        rc = ks_err_set(err, KS_ETOOBIG, "path too long: '%.200s'", path);
        goto out;
    }
    while (pos < todo.len) {
        size_t end = pos;
        struct ks_str comp;
        struct ks_fs_entry st;
        size_t before = out->len;

        while (end < todo.len && todo.data[end] != '/')
            end++;
        comp = ks_str_make(todo.data + pos, end - pos);
        pos = end + 1;
        if (comp.len == 0 || ks_str_eq_c(comp, "."))
            continue;
        if (ks_str_eq_c(comp, "..")) {
            size_t k = out->len;

            while (k > start && out->data[k - 1] != '/')
                k--;
            fs_buf_truncate(out, k > start ? k - 1 : start); /* '..' at the root stays */
            continue;
        }
        if (out->len > start)
            ks_buf_putc(out, '/');
        ks_buf_append(out, comp.ptr, comp.len);
        if (ks_buf_err(out) != KS_OK || out->len - start > KS_FS_MAX_PATH) {
            rc = ks_err_set(err, KS_ETOOBIG, "path too long: '%.200s'", path);
            goto out;
        }
        bool is_last = pos >= todo.len;
        /* lstat needs a NUL-terminated root-relative path */
        rc = fs->ops->lstat(fs, out->data + start, &st, err);
        if (rc == KS_ENOTFOUND) {
            if (is_last)
                goto out; /* out holds the canonical path of the missing file */
            fs_buf_truncate(out, start); /* a directory on the way is missing */
            rc = ks_err_set(err, KS_ENOTFOUND, "'%s': no such file or directory", path);
            goto out;
        }
        if (rc != KS_OK)
            goto out;
        if (st.type == KS_FS_SYMLINK && (!is_last || follow_last)) {
            size_t rest = pos < todo.len ? todo.len - pos : 0;

            if (++hops > KS_FS_MAX_LINKS) {
                rc = ks_err_set(err, KS_ETOOBIG,
                                "'%s': too many levels of symbolic links (a loop?)", path);
                goto out;
            }
            ks_buf_reset(&link);
            ks_buf_appends(&link, st.link ? st.link : "");
            if (rest > 0) {
                ks_buf_putc(&link, '/');
                ks_buf_append(&link, todo.data + pos, rest);
            }
            if (ks_buf_err(&link) != KS_OK) {
                rc = ks_err_set(err, KS_ETOOBIG, "'%s': symlink target too long", path);
                goto out;
            }
            /* Drop the link's own component: the target replaces it. */
            fs_buf_truncate(out, before);
            if (link.data[0] == '/') {
                fs_buf_truncate(out, start); /* absolute: restart at the root, never the host's */
            }
            ks_buf_reset(&todo);
            ks_buf_append(&todo, link.data, link.len);
            if (ks_buf_err(&todo) != KS_OK) {
                rc = ks_err_set(err, KS_ETOOBIG, "'%s': symlink target too long", path);
                goto out;
            }
            pos = 0;
            continue;
        }
        if (!is_last && st.type != KS_FS_DIR) {
            fs_buf_truncate(out, start);
            rc = ks_err_set(err, KS_ENOTFOUND, "'%s': not a directory on the way", path);
            goto out;
        }
    }
    rc = KS_OK;
out:
    if (rc != KS_OK && rc != KS_ENOTFOUND)
        fs_buf_truncate(out, start);
    ks_buf_release(&todo);
    ks_buf_release(&link);
    return rc;
}

enum ks_code
ks_fs_resolve(struct ks_fs *fs, const char *path, struct ks_buf *out, struct ks_err *err)
{
    size_t start = out->len;
    enum ks_code rc = resolve(fs, path, true, out, err);

    if (rc == KS_ENOTFOUND && out->len > start) {
        /* Only the last component is missing: the canonical path is known. */
        return KS_OK;
    }
    if (rc == KS_ENOTFOUND)
        ks_err_set(err, KS_ENOTFOUND, "'%s': no such file or directory", path);
    return rc;
}

enum ks_code
ks_fs_open(struct ks_fs *fs, const char *path, struct ks_fs_file **out, struct ks_err *err)
{
    struct ks_buf canon = KS_BUF_INIT(KS_FS_MAX_PATH + 1);
    enum ks_code rc;

    rc = resolve(fs, path, true, &canon, err);
    if (rc == KS_ENOTFOUND) {
        rc = ks_err_set(err, KS_ENOTFOUND, "'%s': no such file", path);
        goto out;
    }
    if (rc != KS_OK)
        goto out;
    if (canon.len == 0) {
        rc = ks_err_set(err, KS_EINVAL, "'%s': is the root directory", path);
        goto out;
    }
    rc = fs->ops->open(fs, canon.data, out, err);
out:
    ks_buf_release(&canon);
    return rc;
}

enum ks_code
ks_fs_stat(struct ks_fs *fs, const char *path, bool follow, struct ks_fs_entry *out,
           struct ks_err *err)
{
    struct ks_buf canon = KS_BUF_INIT(KS_FS_MAX_PATH + 1);
    enum ks_code rc;

    rc = resolve(fs, path, follow, &canon, err);
    if (rc == KS_ENOTFOUND) {
        rc = ks_err_set(err, KS_ENOTFOUND, "'%s': no such file or directory", path);
        goto out;
    }
    if (rc != KS_OK)
        goto out;
    if (canon.len == 0) {
        memset(out, 0, sizeof(*out));
        out->path = "";
        out->type = KS_FS_DIR;
        out->mode = 0755;
        rc = KS_OK;
        goto out;
    }
    rc = fs->ops->lstat(fs, canon.data, out, err);
    if (rc == KS_OK) {
        /* The backend's strings may point into canon: keep a copy on the fs. */
        size_t link_len = out->link ? strlen(out->link) : 0;
        size_t layer_len = out->layer ? strlen(out->layer) : 0;

        ks_buf_reset(&fs->scratch);
        ks_buf_append(&fs->scratch, canon.data, canon.len + 1);
        ks_buf_append(&fs->scratch, out->link ? out->link : "", link_len + 1);
        ks_buf_append(&fs->scratch, out->layer ? out->layer : "", layer_len + 1);
        if ((rc = ks_buf_err(&fs->scratch)) != KS_OK) {
            rc = ks_err_set(err, rc, "'%s': path too long", path);
            goto out;
        }
        out->path = fs->scratch.data;
        out->path_len = canon.len;
        out->link = out->link ? fs->scratch.data + canon.len + 1 : NULL;
        out->layer = out->layer ? fs->scratch.data + canon.len + 1 + link_len + 1 : NULL;
    }
out:
    ks_buf_release(&canon);
    return rc;
}

enum ks_code
ks_fs_prefetch(struct ks_fs *fs, const char *const *paths, size_t n, struct ks_err *err)
{
    enum ks_code rc = KS_OK;
    char **canon = NULL;
    size_t m = 0;

    if (fs->ops->prefetch == NULL || n == 0)
        return KS_OK;
    canon = ks_calloc(n, sizeof(*canon));
    if (canon == NULL)
        return ks_err_set(err, KS_ENOMEM, "fs: out of memory in prefetch");
    for (size_t i = 0; i < n; i++) {
        struct ks_buf b = KS_BUF_INIT(KS_FS_MAX_PATH + 1);
        struct ks_err e2 = KS_ERR_INIT;

        if (resolve(fs, paths[i], true, &b, &e2) == KS_OK && b.len > 0) {
            canon[m] = ks_buf_detach(&b, NULL);
            if (canon[m] == NULL) {
                rc = ks_err_set(err, KS_ENOMEM, "fs: out of memory in prefetch");
                goto out;
            }
            m++;
        }
        ks_buf_release(&b);
    }
    rc = fs->ops->prefetch(fs, (const char *const *)canon, m, err);
out:
    for (size_t i = 0; i < m; i++)
        ks_free(canon[i]);
    ks_free(canon);
    return rc;
}
