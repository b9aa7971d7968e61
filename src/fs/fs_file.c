/*
 * fs_file.c: streams over fs entries (the handle every backend returns,
 * plus the memory-backed one), whole-file reads on top of them with a cap,
 * and the line reader that keeps memory at one line whatever the input.
 */
#include "fs/fs_int.h"

#include <string.h>

#include "base/banned.h"

struct ks_fs_file *
fs_file_new(const struct ks_fs_file_ops *ops, const char *name, uint64_t size)
{
    struct ks_fs_file *f = ks_calloc(1, sizeof(*f));

    if (f == NULL)
        return NULL;
    f->name = ks_strdup(name ? name : "");
    if (f->name == NULL) {
        ks_free(f);
        return NULL;
    }
    f->ops = ops;
    f->size = size;
    f->fd = -1;
    return f;
}

static enum ks_code
mem_read(struct ks_fs_file *f, void *buf, size_t n, size_t *got, struct ks_err *err)
{
    size_t left = f->len - f->pos;

    (void)err;
    if (n > left)
        n = left;
    if (n > 0)
        memcpy(buf, f->data + f->pos, n);
    f->pos += n;
    *got = n;
    return KS_OK;
}

static void
mem_close(struct ks_fs_file *f)
{
    (void)f;
}

static enum ks_code
mem_seek(struct ks_fs_file *f, uint64_t off, struct ks_err *err)
{
    (void)err;
    f->pos = off > f->len ? f->len : (size_t)off;
    return KS_OK;
}

static const struct ks_fs_file_ops mem_ops = {mem_read, mem_close, mem_seek};

struct ks_fs_file *
fs_file_mem(const void *data, size_t len, const char *name)
{
    struct ks_fs_file *f = fs_file_new(&mem_ops, name, len);

    if (f == NULL)
        return NULL;
    f->data = data;
    f->len = len;
    return f;
}

struct ks_fs_file *
ks_fs_file_mem(const void *data, size_t len, const char *name)
{
    return fs_file_mem(data, len, name);
}

enum ks_code
ks_fs_file_read(struct ks_fs_file *f, void *buf, size_t n, size_t *got, struct ks_err *err)
{
    enum ks_code rc;

    *got = 0;
    if (n == 0)
        return KS_OK;
    rc = f->ops->read(f, buf, n, got, err);
    if (rc == KS_OK)
        f->read_pos += *got;
    return rc;
}

enum ks_code
ks_fs_file_seek(struct ks_fs_file *f, uint64_t off, struct ks_err *err)
{
    char skip[16384];
    enum ks_code rc;

    if (f->ops->seek != NULL) {
        if ((rc = f->ops->seek(f, off, err)) == KS_OK)
            f->read_pos = off;
        return rc;
    }
    if (off < f->read_pos)
        return ks_err_set(err, KS_EUNSUPPORTED, "'%s': cannot seek backwards in a stream",
                          f->name);
    while (f->read_pos < off) {
        size_t got = 0;

        if ((rc = ks_fs_file_read(f, skip, (size_t)KS_MIN(off - f->read_pos, sizeof(skip)),
                                  &got, err)) != KS_OK)
            return rc;
        if (got == 0)
            break; /* past the end: the next read is empty */
    }
    return KS_OK;
}

uint64_t
ks_fs_file_size(const struct ks_fs_file *f)
{
    return f->size;
}

const char *
ks_fs_file_name(const struct ks_fs_file *f)
{
    return f->name;
}

void
ks_fs_file_close(struct ks_fs_file *f)
{
    if (f == NULL)
        return;
    if (f->ops != NULL && f->ops->close != NULL)
        f->ops->close(f);
    ks_free(f->name);
    ks_free(f);
}

/* ------------------------------------------------------------------------ */

enum ks_code
ks_fs_read(struct ks_fs *fs, const char *path, size_t max, struct ks_buf *out, struct ks_err *err)
{
    struct ks_fs_file *f = NULL;
    size_t start = out->len, got_total = 0;
    enum ks_code rc;

    if ((rc = ks_fs_open(fs, path, &f, err)) != KS_OK)
        return rc;
    if (f->size > max) {
        rc = ks_err_set(err, KS_ETOOBIG, "'%s': %llu bytes, over the limit of %zu", path,
                        (unsigned long long)f->size, max);
        goto out;
    }
    for (;;) {
        size_t room = KS_MIN((size_t)1 << 20, max - got_total), got = 0;
        char *p;

        if (room == 0) {
            char probe;

            if ((rc = ks_fs_file_read(f, &probe, 1, &got, err)) != KS_OK)
                goto out;
            if (got == 0)
                break;
            rc = ks_err_set(err, KS_ETOOBIG, "'%s': more than the limit of %zu bytes", path, max);
            goto out;
        }
        p = ks_buf_reserve(out, room);
        if (p == NULL) {
            rc = ks_err_set(err, out->err, "'%s': %s while reading", path, ks_code_text(out->err));
            goto out;
        }
        if ((rc = ks_fs_file_read(f, p, room, &got, err)) != KS_OK)
            goto out;
        if (got == 0)
            break;
        got_total += got;
        out->len += got;
        out->data[out->len] = '\0';
    }
    rc = KS_OK;
out:
    if (rc != KS_OK)
        fs_buf_truncate(out, start);
    ks_fs_file_close(f);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Line reader.                                                             */

#define LR_CHUNK 65536

enum ks_code
ks_line_reader_init(struct ks_line_reader *r, struct ks_fs_file *f, size_t max_line)
{
    memset(r, 0, sizeof(*r));
    r->f = f;
    r->max_line = max_line;
    r->cap = max_line + LR_CHUNK + 1;
    if (r->cap < max_line) /* overflow */
        return KS_EINVAL;
    r->buf = ks_malloc(r->cap);
    return r->buf ? KS_OK : KS_ENOMEM;
}

void
ks_line_reader_release(struct ks_line_reader *r)
{
    ks_free(r->buf);
    r->buf = NULL;
}

/* Refill after compacting; false at the end of the stream. */
static enum ks_code
lr_fill(struct ks_line_reader *r, struct ks_err *err)
{
    size_t got = 0;
    enum ks_code rc;

    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->eof || r->end >= r->cap - 1)
        return KS_OK;
    rc = ks_fs_file_read(r->f, r->buf + r->end, r->cap - 1 - r->end, &got, err);
    if (rc != KS_OK)
        return rc;
    if (got == 0)
        r->eof = true;
    r->end += got;
    return KS_OK;
}

enum ks_code
ks_line_reader_next(struct ks_line_reader *r, struct ks_str *line, struct ks_err *err)
{
    size_t scanned = 0; /* bytes of the current line already known to hold no LF */
    enum ks_code rc;

    for (;;) {
        char *nl = memchr(r->buf + r->start + scanned, '\n', r->end - r->start - scanned);
        size_t n;

        if (nl != NULL || (r->eof && r->end > r->start)) {
            n = nl ? (size_t)(nl - (r->buf + r->start)) : r->end - r->start;
            r->line_no++;
            r->offset = r->next_offset;
            r->next_offset += n + (nl ? 1 : 0);
            if (n > r->max_line) {
                r->start += n + (nl ? 1 : 0);
                return KS_ETOOBIG; /* the LF arrived within the same fill */
            }
            *line = ks_str_make(r->buf + r->start, n);
            if (n > 0 && line->ptr[n - 1] == '\r')
                line->len--;
            r->start += n + (nl ? 1 : 0);
            return KS_OK;
        }
        if (r->eof)
            return KS_ENOTFOUND;
        scanned = r->end - r->start;
        if (scanned > r->max_line) {
            /* Over the limit: drop what we hold and skip to the next LF. */
            uint64_t skipped = scanned;

            r->line_no++;
            r->offset = r->next_offset;
            r->start = r->end = 0;
            for (;;) {
                if ((rc = lr_fill(r, err)) != KS_OK)
                    return rc;
                nl = memchr(r->buf, '\n', r->end);
                if (nl != NULL) {
                    size_t k = (size_t)(nl - r->buf) + 1;

                    skipped += k;
                    r->start = k;
                    break;
                }
                skipped += r->end;
                r->start = r->end = 0;
                if (r->eof)
                    break;
            }
            r->next_offset += skipped;
            return KS_ETOOBIG;
        }
        if ((rc = lr_fill(r, err)) != KS_OK)
            return rc;
    }
}
