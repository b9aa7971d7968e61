/*
 * dpkg.c: Debian and Ubuntu packages from var/lib/dpkg/status and the
 * per-package files of distroless images (var/lib/dpkg/status.d/NAME, with
 * NAME.md5sums beside it). Streams the file line by line, so a huge status
 * file or a 1 GB line costs time, never memory. A package counts when its
 * Status says it is installed (`want ok installed`; status.d stanzas carry
 * no Status and are installed by construction). Source defaults to the
 * binary package and its version, as dpkg-query's ${source:Package} and
 * ${source:Version} do. File ownership comes from info/NAME[:ARCH].list.
 */
#include "inventory/inventory_int.h"

#include <string.h>

#include "base/banned.h"

#define DPKG_MAX_LINE  (1u << 20) /* longer lines are skipped with a warning */
#define DPKG_MAX_LIST  ((size_t)64 << 20)
#define DPKG_MAX_NAME  512

enum field {
    F_PACKAGE,
    F_STATUS,
    F_VERSION,
    F_ARCH,
    F_SOURCE,
    F_MAINTAINER,
    F_DEPENDS,
    F_PREDEPENDS,
    F_PROVIDES,
    F_COUNT
};

static const char *const field_names[F_COUNT] = {
    "Package", "Status", "Version", "Architecture", "Source", "Maintainer",
    "Depends", "Pre-Depends", "Provides",
};

struct stanza {
    struct ks_buf f[F_COUNT];
    bool seen[F_COUNT];
    uint64_t first_line; /* line number where the stanza starts */
    size_t n_fields;
};

static void
stanza_reset(struct stanza *s)
{
    for (int i = 0; i < F_COUNT; i++) {
        ks_buf_reset(&s->f[i]);
        s->seen[i] = false;
    }
    s->first_line = 0;
    s->n_fields = 0;
}

static bool
valid_name(struct ks_str s)
{
    if (s.len == 0 || s.len > DPKG_MAX_NAME)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];

        if (c <= ' ' || c == '/' || c >= 0x7f)
            return false;
    }
    return true;
}

/* "name:any (>= 1.0) [amd64] <!nocheck>" -> "name" */
static struct ks_str
relation_name(struct ks_str alt)
{
    size_t i = 0;

    alt = ks_str_trim(alt);
    while (i < alt.len && alt.ptr[i] != ' ' && alt.ptr[i] != '(' && alt.ptr[i] != '[' &&
           alt.ptr[i] != '<' && alt.ptr[i] != ':')
        i++;
    return ks_str_sub(alt, 0, i);
}

/* Depends-style field -> one dependency per group, "a|b" for alternatives. */
static enum ks_code
add_relations(struct ks_inventory *inv, struct ks_pkg *p, struct ks_str field, bool provides)
{
    struct ks_str rest = field, group;
    struct ks_buf alts = KS_BUF_INIT(1 << 16);
    enum ks_code rc = KS_OK;

    while (rest.len > 0 && rc == KS_OK) {
        struct ks_str grest, alt;

        if (!ks_str_split2(rest, ',', &group, &rest)) {
            group = rest;
            rest = KS_STR_NULL;
        }
        ks_buf_reset(&alts);
        grest = group;
        while (grest.len > 0) {
            struct ks_str name;

            if (!ks_str_split2(grest, '|', &alt, &grest)) {
                alt = grest;
                grest = KS_STR_NULL;
            }
            name = relation_name(alt);
            if (!valid_name(name))
                continue;
            if (alts.len > 0)
                ks_buf_putc(&alts, '|');
            ks_buf_append_str(&alts, name);
        }
        if (alts.len == 0)
            continue;
        if ((rc = ks_buf_err(&alts)) != KS_OK)
            break;
        rc = provides ? ks_pkg_add_provide(inv, p, ks_buf_str(&alts))
                      : ks_pkg_add_dep_name(inv, p, ks_buf_str(&alts));
    }
    ks_buf_release(&alts);
    return rc;
}

/*
 * Register the files a package owns: info/NAME:ARCH.list or info/NAME.list
 * (absolute paths) for the main database, NAME.md5sums ("md5  path") beside
 * a status.d file.
 */
static enum ks_code
read_owned(struct ks_extract_ctx *ctx, struct ks_pkg *p, const char *list, bool md5sums,
           struct ks_err *err)
{
    struct ks_fs_file *f = NULL;
    struct ks_line_reader r;
    struct ks_str line;
    enum ks_code rc;
    size_t n = 0;
    struct ks_err e2 = KS_ERR_INIT;

    if ((rc = ks_extract_open_or_warn(ctx, list, &f, err)) != KS_OK || f == NULL)
        return rc;
    if ((rc = ks_line_reader_init(&r, f, 1 << 16)) != KS_OK) {
        ks_fs_file_close(f);
        return ks_err_set(err, rc, "dpkg: out of memory reading '%s'", list);
    }
    for (;;) {
        rc = ks_line_reader_next(&r, &line, &e2);
        if (rc == KS_ENOTFOUND) {
            rc = KS_OK;
            break;
        }
        if (rc == KS_ETOOBIG) {
            ks_extract_warn(ctx, "%s:%llu: line too long, skipped", list,
                            (unsigned long long)r.line_no);
            continue;
        }
        if (rc != KS_OK) {
            ks_extract_warn(ctx, "%s", e2.msg);
            rc = KS_OK;
            break;
        }
        if (md5sums) {
            struct ks_str sum, path;

            /* "d41d8cd98f00b204e9800998ecf8427e  usr/share/doc/x" */
            if (!ks_str_split2(line, ' ', &sum, &path))
                continue;
            line = ks_str_trim(path);
        }
        if (line.len == 0 || ks_str_eq_c(line, "/."))
            continue;
        if ((rc = ks_extract_own(ctx, p, line)) != KS_OK) {
            rc = ks_err_set(err, rc, "dpkg: out of memory recording files of '%s'", p->name);
            break;
        }
        n++;
    }
    ks_line_reader_release(&r);
    ks_fs_file_close(f);
    if (n > p->n_files)
        p->n_files = n;
    return rc;
}

/* Is the third word of Status "installed" (or a trigger state after it)? */
static bool
status_installed(struct ks_str status)
{
    struct ks_str w[3], rest = ks_str_trim(status);

    for (int i = 0; i < 3; i++) {
        if (!ks_str_split2(rest, ' ', &w[i], &rest)) {
            w[i] = rest;
            rest = KS_STR_NULL;
            if (i < 2)
                return false;
        }
        while (rest.len > 0 && rest.ptr[0] == ' ')
            rest = ks_str_sub(rest, 1, rest.len - 1);
    }
    /* triggers-pending / -awaited packages are installed and configured; */
    /* only their triggers have yet to run.                               */
    return ks_str_eq_c(w[2], "installed") || ks_str_eq_c(w[2], "triggers-pending") ||
           ks_str_eq_c(w[2], "triggers-awaited");
}

static enum ks_code
emit_stanza(struct ks_extract_ctx *ctx, const struct ks_extract_input *in, struct stanza *s,
            bool in_status_d, struct ks_err *err)
{
    struct ks_inventory *inv = ks_extract_inventory(ctx);
    struct ks_arena *a = ks_extract_arena(ctx);
    struct ks_str name = ks_str_trim(ks_buf_str(&s->f[F_PACKAGE]));
    struct ks_str version = ks_str_trim(ks_buf_str(&s->f[F_VERSION]));
    struct ks_str arch = ks_str_trim(ks_buf_str(&s->f[F_ARCH]));
    struct ks_str source = ks_str_trim(ks_buf_str(&s->f[F_SOURCE]));
    struct ks_pkg *p, *added = NULL;
    enum ks_code rc;
    enum ks_eco eco;

    if (s->n_fields == 0)
        return KS_OK;
    if (!s->seen[F_PACKAGE] || !valid_name(name)) {
        ks_extract_warn(ctx, "%s:%llu: stanza without a valid Package field, skipped", in->path,
                        (unsigned long long)s->first_line);
        return KS_OK;
    }
    if (s->seen[F_STATUS] ? !status_installed(ks_buf_str(&s->f[F_STATUS])) : !in_status_d)
        return KS_OK; /* config-files, half-installed, deinstalled ...: not on disk */
    if (version.len == 0) {
        ks_extract_warn(ctx, "%s:%llu: package '%.*s' has no Version, skipped", in->path,
                        (unsigned long long)s->first_line, (int)name.len, name.ptr);
        return KS_OK;
    }
    if ((p = ks_extract_pkg(ctx)) == NULL)
        goto oom;
    p->flags |= KS_PKG_OS;
    p->ecosystem = ks_os_pkg_ecosystem(ks_extract_os(ctx), KS_ECO_DEBIAN, &eco);
    p->eco = eco;
    p->name = ks_arena_strdup_str(a, name);
    p->version = ks_arena_strdup_str(a, version);
    p->arch = arch.len ? ks_arena_strdup_str(a, arch) : NULL;
    if (p->name == NULL || p->version == NULL || (arch.len && p->arch == NULL))
        goto oom;
    if (s->seen[F_MAINTAINER] && s->f[F_MAINTAINER].len > 0 &&
        (p->maintainer = ks_arena_strdup_str(a, ks_str_trim(ks_buf_str(&s->f[F_MAINTAINER])))) ==
            NULL)
        goto oom;
    /* "Source: glibc (2.36-9)" names the source and its own version. */
    if (source.len > 0) {
        struct ks_str sname = source, sver = KS_STR_NULL, head, tail;

        if (ks_str_split2(source, ' ', &head, &tail)) {
            sname = head;
            tail = ks_str_trim(tail);
            if (tail.len >= 2 && tail.ptr[0] == '(' && tail.ptr[tail.len - 1] == ')')
                sver = ks_str_trim(ks_str_sub(tail, 1, tail.len - 2));
            else
                ks_extract_warn(ctx, "%s:%llu: package '%s': cannot read Source '%.*s'",
                                in->path, (unsigned long long)s->first_line, p->name,
                                (int)KS_MIN(source.len, 200), source.ptr);
        }
        p->source_name = ks_arena_strdup_str(a, sname);
        p->source_version = sver.len ? ks_arena_strdup_str(a, sver) : p->version;
    } else {
        p->source_name = p->name;
        p->source_version = p->version;
    }
    if (p->source_name == NULL || p->source_version == NULL)
        goto oom;
    if (s->seen[F_STATUS]) {
        struct ks_str st = ks_str_trim(ks_buf_str(&s->f[F_STATUS]));

        if (!ks_str_eq_c(st, "install ok installed")) {
            char *v = ks_arena_strdup_str(a, st);

            if (v == NULL || ks_pkg_set_meta(inv, p, "status", v) != KS_OK)
                goto oom;
        }
    }
    if ((rc = add_relations(inv, p, ks_buf_str(&s->f[F_DEPENDS]), false)) != KS_OK ||
        (rc = add_relations(inv, p, ks_buf_str(&s->f[F_PREDEPENDS]), false)) != KS_OK ||
        (rc = add_relations(inv, p, ks_buf_str(&s->f[F_PROVIDES]), true)) != KS_OK)
        goto oom;
    if ((rc = ks_extract_emit(ctx, p, &added, err)) != KS_OK)
        return rc;
    /* Files it owns. */
    if (!in_status_d) {
        char *list = p->arch ? ks_arena_sprintf(a, "var/lib/dpkg/info/%s:%s.list", p->name,
                                                p->arch)
                             : NULL;

        if (list == NULL || !ks_extract_has_companion(ctx, list))
            list = ks_arena_sprintf(a, "var/lib/dpkg/info/%s.list", p->name);
        if (list == NULL)
            goto oom;
        if (ks_extract_has_companion(ctx, list))
            return read_owned(ctx, added, list, false, err);
    } else {
        char *sums = ks_arena_sprintf(a, "%s.md5sums", in->path);
        size_t n = 0;
        const char *const *m = ks_extract_matches(ctx, &n);

        if (sums == NULL)
            goto oom;
        for (size_t i = 0; i < n; i++)
            if (strcmp(m[i], sums) == 0)
                return read_owned(ctx, added, sums, true, err);
    }
    return KS_OK;
oom:
    return ks_err_set(err, KS_ENOMEM, "dpkg: out of memory reading '%s'", in->path);
}

enum ks_code
ks_extract_dpkg(struct ks_extract_ctx *ctx, const struct ks_extract_input *in, struct ks_err *err)
{
    struct ks_fs_file *f = NULL;
    struct ks_line_reader r;
    struct stanza s;
    int current = -1; /* field the last line belonged to, for continuations */
    bool in_status_d = strncmp(in->path, "var/lib/dpkg/status.d/", 22) == 0;
    bool reader_ok = false;
    enum ks_code rc;
    struct ks_err e2 = KS_ERR_INIT;

    if (in_status_d && ks_str_has_suffix(ks_str_c(in->path), ".md5sums"))
        return KS_OK; /* a file list, read with its status.d file */
    for (int i = 0; i < F_COUNT; i++)
        ks_buf_init(&s.f[i], DPKG_MAX_LINE);
    stanza_reset(&s);
    if ((rc = ks_extract_open_or_warn(ctx, in->path, &f, err)) != KS_OK || f == NULL)
        goto out;
    if ((rc = ks_line_reader_init(&r, f, DPKG_MAX_LINE)) != KS_OK) {
        rc = ks_err_set(err, rc, "dpkg: out of memory reading '%s'", in->path);
        goto out;
    }
    reader_ok = true;
    for (;;) {
        struct ks_str line, key, value;

        rc = ks_line_reader_next(&r, &line, &e2);
        if (rc == KS_ENOTFOUND)
            break;
        if (rc == KS_ETOOBIG) {
            ks_extract_warn(ctx, "%s:%llu: line longer than %u bytes (at byte %llu), skipped",
                            in->path, (unsigned long long)r.line_no, DPKG_MAX_LINE,
                            (unsigned long long)r.offset);
            current = -1;
            if (s.first_line == 0)
                s.first_line = r.line_no;
            s.n_fields++;
            continue;
        }
        if (rc != KS_OK) {
            ks_extract_warn(ctx, "%s", e2.msg);
            break;
        }
        if (ks_str_trim(line).len == 0) {
            if ((rc = emit_stanza(ctx, in, &s, in_status_d, err)) != KS_OK)
                goto out;
            stanza_reset(&s);
            current = -1;
            continue;
        }
        if (s.first_line == 0)
            s.first_line = r.line_no;
        if (line.ptr[0] == ' ' || line.ptr[0] == '\t') {
            /* Continuation of a multi-line field; none of ours is folded, but */
            /* keep the text so a folded Depends still parses.                  */
            if (current >= 0 && current != F_STATUS && current != F_VERSION &&
                current != F_PACKAGE) {
                ks_buf_putc(&s.f[current], ' ');
                ks_buf_append_str(&s.f[current], ks_str_trim(line));
                if (ks_buf_err(&s.f[current]) == KS_ENOMEM)
                    goto oom;
            }
            continue;
        }
        if (!ks_str_split2(line, ':', &key, &value) || key.len == 0 ||
            memchr(key.ptr, ' ', key.len) != NULL) {
            ks_extract_warn(ctx, "%s:%llu: not a 'Field: value' line, ignored", in->path,
                            (unsigned long long)r.line_no);
            current = -1;
            s.n_fields++;
            continue;
        }
        s.n_fields++;
        current = -1;
        for (int i = 0; i < F_COUNT; i++) {
            if (ks_str_ieq_c(key, field_names[i])) {
                current = i;
                if (s.seen[i])
                    ks_extract_warn(ctx, "%s:%llu: field '%s' repeated in one stanza", in->path,
                                    (unsigned long long)r.line_no, field_names[i]);
                ks_buf_reset(&s.f[i]);
                ks_buf_append_str(&s.f[i], ks_str_trim(value));
                if (ks_buf_err(&s.f[i]) == KS_ENOMEM)
                    goto oom;
                s.seen[i] = true;
                break;
            }
        }
    }
    /* The last stanza may end without a blank line (or the file was cut). */
    rc = emit_stanza(ctx, in, &s, in_status_d, err);
    goto out;
oom:
    rc = ks_err_set(err, KS_ENOMEM, "dpkg: out of memory reading '%s'", in->path);
out:
    if (reader_ok)
        ks_line_reader_release(&r);
    ks_fs_file_close(f);
    for (int i = 0; i < F_COUNT; i++)
        ks_buf_release(&s.f[i]);
    return rc;
}
