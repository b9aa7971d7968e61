/*
 * apk.c: Alpine (and Wolfi/Chainguard) packages from lib/apk/db/installed.
 * Records are blocks of "X:value" lines separated by blank lines: P name,
 * V version, A arch, o origin (the source package), L license, m maintainer,
 * c aports commit, D dependencies, p provides, and F/R directory and file
 * lines for ownership. Every record in this database is installed. Streamed
 * line by line like dpkg, so size is never a memory problem.
 */
#include "inventory/inventory_int.h"

#include <string.h>

#include "base/banned.h"

#define APK_MAX_LINE (1u << 20)

enum afield { A_P, A_V, A_A, A_O, A_L, A_M, A_C, A_D, A_PROV, A_COUNT };

static const char afield_keys[A_COUNT] = {'P', 'V', 'A', 'o', 'L', 'm', 'c', 'D', 'p'};

struct record {
    struct ks_buf f[A_COUNT];
    bool seen[A_COUNT];
    struct ks_buf files; /* owned paths, NUL-separated */
    struct ks_buf dir;   /* current F: directory */
    bool files_full;
    uint64_t first_line;
    size_t n_lines;
};

static void
record_reset(struct record *r)
{
    for (int i = 0; i < A_COUNT; i++) {
        ks_buf_reset(&r->f[i]);
        r->seen[i] = false;
    }
    ks_buf_reset(&r->files);
    ks_buf_reset(&r->dir);
    r->files_full = false;
    r->first_line = 0;
    r->n_lines = 0;
}

/* "so:libc.musl-x86_64.so.1", "name>=1.2", "!conflict", "cmd:x=1" -> name part */
static struct ks_str
dep_name(struct ks_str w)
{
    size_t i = 0;

    while (i < w.len && w.ptr[i] != '<' && w.ptr[i] != '>' && w.ptr[i] != '=' &&
           w.ptr[i] != '~')
        i++;
    return ks_str_sub(w, 0, i);
}

static enum ks_code
add_words(struct ks_inventory *inv, struct ks_pkg *p, struct ks_str field, bool provides)
{
    struct ks_str rest = ks_str_trim(field), w;
    enum ks_code rc = KS_OK;

    while (rest.len > 0 && rc == KS_OK) {
        if (!ks_str_split2(rest, ' ', &w, &rest)) {
            w = rest;
            rest = KS_STR_NULL;
        }
        if (w.len == 0 || w.ptr[0] == '!')
            continue; /* a conflict, not a dependency */
        w = dep_name(w);
        if (w.len == 0)
            continue;
        rc = provides ? ks_pkg_add_provide(inv, p, w) : ks_pkg_add_dep_name(inv, p, w);
    }
    return rc;
}

static enum ks_code
emit_record(struct ks_extract_ctx *ctx, const struct ks_extract_input *in, struct record *r,
            struct ks_err *err)
{
    struct ks_inventory *inv = ks_extract_inventory(ctx);
    struct ks_arena *a = ks_extract_arena(ctx);
    struct ks_str name = ks_str_trim(ks_buf_str(&r->f[A_P]));
    struct ks_str version = ks_str_trim(ks_buf_str(&r->f[A_V]));
    struct ks_pkg *p, *added = NULL;
    enum ks_code rc;
    enum ks_eco eco;

    if (r->n_lines == 0)
        return KS_OK;
    if (name.len == 0) {
        ks_extract_warn(ctx, "%s:%llu: record without a P: (name) line, skipped", in->path,
                        (unsigned long long)r->first_line);
        return KS_OK;
    }
    if (version.len == 0) {
        ks_extract_warn(ctx, "%s:%llu: package '%.*s' has no V: (version) line, skipped",
                        in->path, (unsigned long long)r->first_line, (int)KS_MIN(name.len, 200),
                        name.ptr);
        return KS_OK;
    }
    if ((p = ks_extract_pkg(ctx)) == NULL)
        goto oom;
    p->flags |= KS_PKG_OS;
    p->ecosystem = ks_os_pkg_ecosystem(ks_extract_os(ctx), KS_ECO_ALPINE, &eco);
    p->eco = eco;
    p->name = ks_arena_strdup_str(a, name);
    p->version = ks_arena_strdup_str(a, version);
    if (p->name == NULL || p->version == NULL)
        goto oom;
#define OPT(field, idx)                                                                            \
    do {                                                                                           \
        struct ks_str v_ = ks_str_trim(ks_buf_str(&r->f[idx]));                                    \
        if (v_.len > 0 && (p->field = ks_arena_strdup_str(a, v_)) == NULL)                         \
            goto oom;                                                                              \
    } while (0)
    OPT(arch, A_A);
    OPT(license, A_L);
    OPT(maintainer, A_M);
    OPT(source_name, A_O);
#undef OPT
    /* Subpackages share their origin's version; no origin: the package is its own. */
    if (p->source_name == NULL)
        p->source_name = p->name;
    p->source_version = p->version;
    if (r->f[A_C].len > 0) {
        char *commit = ks_arena_strdup_str(a, ks_str_trim(ks_buf_str(&r->f[A_C])));

        if (commit == NULL || ks_pkg_set_meta(inv, p, "commit", commit) != KS_OK)
            goto oom;
    }
    if ((rc = add_words(inv, p, ks_buf_str(&r->f[A_D]), false)) != KS_OK ||
        (rc = add_words(inv, p, ks_buf_str(&r->f[A_PROV]), true)) != KS_OK)
        goto oom;
    if ((rc = ks_extract_emit(ctx, p, &added, err)) != KS_OK)
        return rc;
    for (size_t off = 0; off < r->files.len;) {
        const char *path = r->files.data + off;
        size_t n = strlen(path);

        if ((rc = ks_extract_own(ctx, added, ks_str_make(path, n))) != KS_OK)
            goto oom;
        added->n_files++;
        off += n + 1;
    }
    return KS_OK;
oom:
    return ks_err_set(err, KS_ENOMEM, "apk: out of memory reading '%s'", in->path);
}

enum ks_code
ks_extract_apk(struct ks_extract_ctx *ctx, const struct ks_extract_input *in, struct ks_err *err)
{
    struct ks_fs_file *f = NULL;
    struct ks_line_reader lr;
    struct record r;
    bool reader_ok = false;
    enum ks_code rc;
    struct ks_err e2 = KS_ERR_INIT;

    for (int i = 0; i < A_COUNT; i++)
        ks_buf_init(&r.f[i], APK_MAX_LINE);
    ks_buf_init(&r.files, (size_t)256 << 20);
    ks_buf_init(&r.dir, APK_MAX_LINE);
    record_reset(&r);
    if ((rc = ks_extract_open_or_warn(ctx, in->path, &f, err)) != KS_OK || f == NULL)
        goto out;
    if ((rc = ks_line_reader_init(&lr, f, APK_MAX_LINE)) != KS_OK) {
        rc = ks_err_set(err, rc, "apk: out of memory reading '%s'", in->path);
        goto out;
    }
    reader_ok = true;
    for (;;) {
        struct ks_str line, value;
        char key;

        rc = ks_line_reader_next(&lr, &line, &e2);
        if (rc == KS_ENOTFOUND)
            break;
        if (rc == KS_ETOOBIG) {
            ks_extract_warn(ctx, "%s:%llu: line longer than %u bytes (at byte %llu), skipped",
                            in->path, (unsigned long long)lr.line_no, APK_MAX_LINE,
                            (unsigned long long)lr.offset);
            if (r.first_line == 0)
                r.first_line = lr.line_no;
            r.n_lines++;
            continue;
        }
        if (rc != KS_OK) {
            ks_extract_warn(ctx, "%s", e2.msg);
            break;
        }
        if (ks_str_trim(line).len == 0) {
            if ((rc = emit_record(ctx, in, &r, err)) != KS_OK)
                goto out;
            record_reset(&r);
            continue;
        }
        if (r.first_line == 0)
            r.first_line = lr.line_no;
        r.n_lines++;
        if (line.len < 2 || line.ptr[1] != ':') {
            ks_extract_warn(ctx, "%s:%llu: not an 'X:value' line, ignored", in->path,
                            (unsigned long long)lr.line_no);
            continue;
        }
        key = line.ptr[0];
        value = ks_str_sub(line, 2, line.len - 2);
        if (key == 'F') {
            ks_buf_reset(&r.dir);
            ks_buf_append_str(&r.dir, value);
        } else if (key == 'R' && !r.files_full) {
            size_t before = r.files.len;

            if (r.dir.len > 0) {
                ks_buf_append_str(&r.files, ks_buf_str(&r.dir));
                ks_buf_putc(&r.files, '/');
            }
            ks_buf_append_str(&r.files, value);
            ks_buf_putc(&r.files, '\0');
            if (ks_buf_err(&r.files) == KS_ETOOBIG) {
                ks_extract_warn(ctx, "%s:%llu: file list too long, the rest is not recorded",
                                in->path, (unsigned long long)lr.line_no);
                r.files.err = KS_OK;
                r.files.len = before; /* keep the whole paths recorded so far */
                r.files.data[before] = '\0';
                r.files_full = true;
            }
        } else if (key != 'R') {
            for (int i = 0; i < A_COUNT; i++) {
                if (afield_keys[i] == key) {
                    ks_buf_reset(&r.f[i]);
                    ks_buf_append_str(&r.f[i], value);
                    r.seen[i] = true;
                    break;
                }
            }
        }
        for (int i = 0; i < A_COUNT; i++)
            if (ks_buf_err(&r.f[i]) == KS_ENOMEM)
                goto oom;
        if (ks_buf_err(&r.files) == KS_ENOMEM || ks_buf_err(&r.dir) == KS_ENOMEM)
            goto oom;
    }
    rc = emit_record(ctx, in, &r, err);
    goto out;
oom:
    rc = ks_err_set(err, KS_ENOMEM, "apk: out of memory reading '%s'", in->path);
out:
    if (reader_ok)
        ks_line_reader_release(&lr);
    ks_fs_file_close(f);
    for (int i = 0; i < A_COUNT; i++)
        ks_buf_release(&r.f[i]);
    ks_buf_release(&r.files);
    ks_buf_release(&r.dir);
    return rc;
}
