/*
 * import.c: the import driver behind `kensa db import` and `db update`.
 * Turns paths into containers (a file, a zip, a compressed stream, a
 * directory of records, a mirror root), detects each document's format by
 * content through the importer table, and feeds the builder. Files whose
 * digest matches what the DB last read from the same source are skipped.
 */
#include "vulndb/vulndb_int.h"
#include "vulndb/distro_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include "base/banned.h"

/* Implemented in update.c: the mirror layout (osv/, nvd/, epss/, kev/). */
bool ks_vdb_is_mirror_root(const char *dir);
enum ks_code ks_vdb_import_mirror_dir(struct ks_vdb_build *b, const char *root,
                                      const char *const *only, size_t n_only,
                                      struct ks_err *err);

enum container { C_PLAIN, C_ZIP, C_COMPRESSED };

static enum container
classify(const unsigned char *m, size_t n)
{
    if (n >= 4 && m[0] == 'P' && m[1] == 'K' &&
        ((m[2] == 3 && m[3] == 4) || (m[2] == 5 && m[3] == 6) || (m[2] == 7 && m[3] == 8)))
        return C_ZIP;
    if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b)
        return C_COMPRESSED;
    if (n >= 6 && memcmp(m, "\xfd" "7zXZ\0", 6) == 0)
        return C_COMPRESSED;
    if (n >= 3 && memcmp(m, "BZh", 3) == 0)
        return C_COMPRESSED;
    if (n >= 4 && memcmp(m, "\x28\xb5\x2f\xfd", 4) == 0)
        return C_COMPRESSED;
    return C_PLAIN;
}

static enum ks_code
read_magic(const char *path, unsigned char *m, size_t *n, struct ks_err *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t got;

    if (fd < 0)
        return ks_err_set(err, errno == ENOENT ? KS_ENOTFOUND : KS_EIO, "cannot open '%s': %s",
                          path, strerror(errno));
    do
        got = read(fd, m, 8);
    while (got < 0 && errno == EINTR);
    close(fd);
    if (got < 0)
        return ks_err_set(err, KS_EIO, "cannot read '%s': %s", path, strerror(errno));
    *n = (size_t)got;
    return KS_OK;
}

static enum ks_code
file_digest(const char *path, char hex[65], struct ks_err *err)
{
    struct ks_sha256_stream h;
    char *buf;
    int fd;
    enum ks_code rc = KS_OK;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ks_err_set(err, errno == ENOENT ? KS_ENOTFOUND : KS_EIO, "cannot open '%s': %s",
                          path, strerror(errno));
    buf = ks_malloc((size_t)1 << 20);
    if (buf == NULL || ks_sha256_stream_begin(&h) != KS_OK) {
        ks_free(buf);
        close(fd);
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    }
    for (;;) {
        ssize_t got = read(fd, buf, (size_t)1 << 20);

        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = ks_err_set(err, KS_EIO, "cannot read '%s': %s", path, strerror(errno));
            break;
        }
        if (got == 0)
            break;
        ks_sha256_stream_update(&h, buf, (size_t)got);
    }
    ks_sha256_stream_end(&h, hex);
    ks_free(buf);
    close(fd);
    return rc;
}

const char *
ks_vdb_label_for_path(const char *path, struct ks_arena *a)
{
    static const char *const exts[] = {".gz", ".xz", ".bz2", ".zst", ".zip",
                                       ".json", ".yaml", ".yml", ".csv", ".xml"};
    struct ks_str p = ks_str_c(path), base;
    ptrdiff_t slash;
    bool again = true;

    while (p.len > 1 && p.ptr[p.len - 1] == '/')
        p.len--;
    base = p;
    for (size_t i = p.len; i > 0; i--)
        if (p.ptr[i - 1] == '/') {
            base = ks_str_sub(p, i, p.len - i);
            break;
        }
    if (ks_str_eq_c(base, "all.zip")) {
        /* The OSV bucket: <Ecosystem>/all.zip */
        struct ks_str dir = ks_str_sub(p, 0, p.len - base.len);

        while (dir.len > 0 && dir.ptr[dir.len - 1] == '/')
            dir.len--;
        slash = -1;
        for (size_t i = dir.len; i > 0; i--)
            if (dir.ptr[i - 1] == '/') {
                slash = (ptrdiff_t)i - 1;
                break;
            }
        if (dir.len > 0 && !(dir.len == 1 && dir.ptr[0] == '.'))
            return ks_arena_strdup_str(a, ks_str_sub(dir, (size_t)(slash + 1),
                                                     dir.len - (size_t)(slash + 1)));
        return "all";
    }
    while (again) {
        again = false;
        for (size_t i = 0; i < KS_ARRAY_LEN(exts); i++) {
            if (ks_str_has_suffix(base, exts[i]) && base.len > strlen(exts[i])) {
                base.len -= strlen(exts[i]);
                again = true;
            }
        }
    }
    if (ks_str_has_prefix(base, "nvdcve-2.0-") && base.len > 11)
        base = ks_str_sub(base, 11, base.len - 11);
    else if (ks_str_has_prefix(base, "epss_scores"))
        return "epss";
    else if (ks_str_has_prefix(base, "known_exploited_vulnerabilities"))
        return "kev";
    return ks_arena_strdup_str(a, base);
}

/* ------------------------------------------------------------------------ */
/* Documents                                                                */

/*
 * Sniff and import one document. A document no importer recognises is an
 * error when `required`, else a warning (*skipped set).
 */
static enum ks_code
import_doc(struct ks_vdb_build *b, struct ks_vdb_stream *s, bool required, bool *skipped,
           struct ks_err *err)
{
    const struct ks_vdb_importer *imp;
    struct ks_vdb_sink *sink = ks_vdb_build_sink(b);
    uint64_t before;
    enum ks_code rc;

    if (skipped)
        *skipped = false;
    if ((rc = ks_vdb_peek(s, err)) != KS_OK)
        return rc;
    imp = ks_vdb_sniff(ks_str_make(s->head, s->head_len), s->name);
    if (imp == NULL) {
        if (required)
            return ks_err_set(err, KS_EPARSE,
                              "'%s': not a recognised feed (OSV JSON/YAML, NVD CVE API 2.0, "
                              "EPSS CSV, CISA KEV, or a distro feed of docs/feeds.md)",
                              s->name);
        ks_log(KS_LOG_WARN, "vulndb", "skipping '%s': not a recognised feed", s->name);
        if (skipped)
            *skipped = true;
        return KS_OK;
    }
    if ((rc = ks_vdb_build_use(b, imp, s->name, err)) != KS_OK)
        return rc;
    before = sink->malformed;
    rc = imp->import(s, sink, err);
    ks_vdb_build_doc_done(b, before);
    return rc;
}

static enum ks_code
archive_open(const char *path, const char *display, bool zip, struct archive **out,
             struct ks_err *err)
{
    struct archive *ar = archive_read_new();

    if (ar == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    if (zip) {
        archive_read_support_format_zip(ar);
    } else {
        /* Only the compressions feeds use, and the raw "format" (one stream). */
        archive_read_support_filter_gzip(ar);
        archive_read_support_filter_xz(ar);
        archive_read_support_filter_bzip2(ar);
        archive_read_support_filter_zstd(ar);
        archive_read_support_format_raw(ar);
    }
    if (archive_read_open_filename(ar, path, 1 << 16) != ARCHIVE_OK) {
        enum ks_code rc = ks_err_set(err, KS_EPARSE, "'%s': cannot open as %s: %s", display,
                                     zip ? "a zip archive" : "a compressed file",
                                     archive_error_string(ar));

        archive_read_free(ar);
        return rc;
    }
    *out = ar;
    return KS_OK;
}

static bool
entry_wanted(const char *name)
{
    struct ks_str n = ks_str_c(name);

    if (n.len == 0 || n.ptr[n.len - 1] == '/')
        return false;
    /* macOS zip droppings and hidden files are never records. */
    if (ks_str_has_prefix(n, "__MACOSX/") || n.ptr[0] == '.' ||
        ks_vdb_memmem(n.ptr, n.len, "/.", 2))
        return false;
    return true;
}

/* One zip entry on its way through the parse pipeline. */
struct zitem {
    char *name;
    char *data; /* the entry's bytes, until prepare takes them */
    size_t len;
    bool too_big;
    const struct ks_vdb_importer *imp;
    bool prepared;
    struct ks_vdb_prepared prep;
};

static void
zitem_free(struct zitem *z)
{
    if (z == NULL)
        return;
    if (z->prepared && z->imp->release != NULL)
        z->imp->release(&z->prep);
    ks_free(z->data);
    ks_free(z->name);
    ks_free(z);
}

/* On a worker: detect the format and, when the importer can, parse ahead. */
static void
zitem_work(void *arg)
{
    struct zitem *z = arg;

    if (z->too_big)
        return;
    z->imp = ks_vdb_sniff(ks_str_make(z->data, KS_MIN(z->len, KS_VDB_HEAD_BYTES)), z->name);
    if (z->imp != NULL && z->imp->prepare != NULL) {
        z->imp->prepare(z->data, z->len, z->name, &z->prep);
        z->data = NULL; /* handed over */
        z->prepared = true;
    }
}

/* On the importing thread, in entry order: store what the worker parsed. */
static enum ks_code
zitem_store(struct ks_vdb_build *b, struct zitem *z, uint64_t *docs, struct ks_err *err)
{
    struct ks_vdb_sink *sink = ks_vdb_build_sink(b);
    uint64_t before;
    enum ks_code rc;

    if (z->too_big) {
        sink->file = z->name;
        ks_vdb_malformed(sink, z->name, "larger than the limit of %zu bytes", KS_VDB_MAX_RECORD);
        return KS_OK;
    }
    if (z->imp == NULL) {
        ks_log(KS_LOG_WARN, "vulndb", "skipping '%s': not a recognised feed", z->name);
        return KS_OK;
    }
    (*docs)++;
    if ((rc = ks_vdb_build_use(b, z->imp, z->name, err)) != KS_OK)
        return rc;
    before = sink->malformed;
    if (z->prepared) {
        rc = z->imp->put(&z->prep, sink, err);
    } else {
        struct ks_vdb_stream s;

        ks_vdb_stream_mem(&s, z->name, z->data, z->len);
        rc = z->imp->import(&s, sink, err);
        ks_vdb_stream_release(&s);
    }
    ks_vdb_build_doc_done(b, before);
    return rc;
}

/* The entry's bytes; *too_big (and no data) past KS_VDB_MAX_RECORD. */
static enum ks_code
read_entry(struct archive *ar, const char *display, const char *name, struct zitem *z,
           struct ks_err *err)
{
    struct ks_buf buf = KS_BUF_INIT(KS_VDB_MAX_RECORD + 65536);

    for (;;) {
        char *p = ks_buf_reserve(&buf, 65536);
        la_ssize_t got;

        if (p == NULL) {
            ks_buf_release(&buf);
            return ks_err_set(err, KS_ENOMEM, "'%s': out of memory", name);
        }
        got = archive_read_data(ar, p, 65536);
        if (got < 0) {
            ks_buf_release(&buf);
            return ks_err_set(err, KS_EPARSE, "'%s': corrupt or truncated zip entry '%s': %s",
                              display, name, archive_error_string(ar));
        }
        if (got == 0)
            break;
        buf.len += (size_t)got;
        if (buf.len > KS_VDB_MAX_RECORD) {
            /* Skip the rest (still read: the archive's checksums are checked). */
            z->too_big = true;
            buf.len = 0;
        }
    }
    z->len = buf.len;
    z->data = ks_buf_detach(&buf, NULL);
    if (z->data == NULL)
        return ks_err_set(err, KS_ENOMEM, "'%s': out of memory", name);
    return KS_OK;
}

/*
 * A zip of records (OSV's all.zip). The archive is read here; worker
 * threads sniff and parse entries while this thread stores the previous
 * ones, in archive order. path is read; display names it in messages (the
 * URL of a download).
 */
static enum ks_code
import_zip(struct ks_vdb_build *b, const char *path, const char *display, struct ks_err *err)
{
    struct archive *ar = NULL;
    struct archive_entry *e;
    struct ks_vdb_pipe *pipe = NULL;
    struct zitem *z;
    enum ks_code rc;
    uint64_t entries = 0, docs = 0;
    int r;

    if ((rc = archive_open(path, display, true, &ar, err)) != KS_OK)
        return rc;
    pipe = ks_vdb_pipe_new(zitem_work);
    if (pipe == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "out of memory");
        goto out;
    }
    while ((r = archive_read_next_header(ar, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
        const char *en = archive_entry_pathname(e);
        struct ks_buf name = KS_BUF_INIT(8192);
        struct zitem *done;

        if (++entries > KS_VDB_MAX_ENTRIES) {
            rc = ks_err_set(err, KS_ETOOBIG, "'%s': more than %d entries", display,
                            KS_VDB_MAX_ENTRIES);
            goto drain;
        }
        if (archive_entry_filetype(e) != AE_IFREG || en == NULL || !entry_wanted(en))
            continue;
        ks_buf_appendf(&name, "%s:%s", display, en);
        z = ks_calloc(1, sizeof(*z));
        if (z == NULL || ks_buf_err(&name) != KS_OK) {
            ks_free(z);
            ks_buf_release(&name);
            rc = ks_err_set(err, KS_ENOMEM, "'%s': out of memory or entry name too long", display);
            goto drain;
        }
        z->name = ks_buf_detach(&name, NULL);
        rc = z->name == NULL ? ks_err_set(err, KS_ENOMEM, "out of memory")
                             : read_entry(ar, display, en, z, err);
        if (rc != KS_OK) {
            zitem_free(z);
            goto drain;
        }
        /* Store what is finished; block on the oldest only when the pipe is full. */
        while ((done = ks_vdb_pipe_take(pipe, ks_vdb_pipe_full(pipe))) != NULL) {
            rc = zitem_store(b, done, &docs, err);
            zitem_free(done);
            if (rc != KS_OK) {
                zitem_free(z);
                goto drain;
            }
        }
        ks_vdb_pipe_push(pipe, z);
    }
    if (r != ARCHIVE_EOF) {
        rc = ks_err_set(err, KS_EPARSE, "'%s': corrupt or truncated zip after %llu entries: %s",
                        display, (unsigned long long)entries, archive_error_string(ar));
        goto drain;
    }
    while ((z = ks_vdb_pipe_take(pipe, true)) != NULL) {
        rc = zitem_store(b, z, &docs, err);
        zitem_free(z);
        if (rc != KS_OK)
            goto drain;
    }
    rc = docs > 0 ? KS_OK
                  : ks_err_set(err, KS_EPARSE, "'%s': no recognised records in the archive",
                               display);
    goto out;
drain:
    while ((z = ks_vdb_pipe_take(pipe, true)) != NULL)
        zitem_free(z);
out:
    ks_vdb_pipe_free(pipe);
    archive_read_free(ar);
    return rc;
}

static enum ks_code
import_stream_file(struct ks_vdb_build *b, const char *path, const char *display, bool compressed,
                   struct ks_err *err)
{
    struct ks_vdb_stream s;
    struct archive *ar = NULL;
    struct archive_entry *e;
    enum ks_code rc;

    memset(&s, 0, sizeof(s));
    s.name = display;
    s.fd = -1;
    if (compressed) {
        if ((rc = archive_open(path, display, false, &ar, err)) != KS_OK)
            return rc;
        if (archive_read_next_header(ar, &e) != ARCHIVE_OK) {
            rc = ks_err_set(err, KS_EPARSE, "'%s': cannot decompress: %s", display,
                            archive_error_string(ar));
            archive_read_free(ar);
            return rc;
        }
        s.ar = ar;
    } else {
        s.fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s.fd < 0)
            return ks_err_set(err, KS_EIO, "cannot open '%s': %s", path, strerror(errno));
    }
    rc = import_doc(b, &s, true, NULL, err);
    /* Read to the end so a truncated compressed stream is noticed even when */
    /* the importer stopped early (it never should, but be sure).           */
    if (rc == KS_OK && s.ar != NULL) {
        char tail[4096];
        ssize_t got;

        while ((got = ks_vdb_read(&s, tail, sizeof(tail), err)) > 0) {
        }
        if (got < 0)
            rc = err ? err->code : KS_EPARSE;
    }
    ks_vdb_stream_release(&s);
    if (s.fd >= 0)
        close(s.fd);
    archive_read_free(ar);
    return rc;
}

static enum ks_code probe(const char *path, enum container *c,
                          const struct ks_vdb_importer **imp, const char **label,
                          struct ks_arena *a, struct ks_err *err);

enum ks_code
ks_vdb_import_file(struct ks_vdb_build *b, const char *path, const char *label,
                   const char *location, struct ks_err *err)
{
    struct ks_arena *a = ks_arena_new(4096);
    unsigned char magic[8];
    size_t n = 0;
    char digest[65];
    enum ks_code rc;
    enum container c;

    if (a == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    if ((rc = read_magic(path, magic, &n, err)) != KS_OK ||
        (rc = file_digest(path, digest, err)) != KS_OK)
        goto out;
    if (label == NULL) {
        /* Distro feeds keep generic names (updateinfo.xml.gz, main.json): */
        /* their content says which release they are for.                 */
        enum container pc;
        const struct ks_vdb_importer *pimp;

        if (classify(magic, n) != C_ZIP &&
            (rc = probe(path, &pc, &pimp, &label, a, err)) != KS_OK)
            goto out;
    }
    if (label == NULL)
        label = ks_vdb_label_for_path(path, a);
    if (label == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "out of memory");
        goto out;
    }
    if (location == NULL)
        location = path;
    if (ks_vdb_build_find_label(b, label, digest)) {
        const char *names[8];
        size_t k = ks_vdb_build_label_sources(b, label, names, KS_ARRAY_LEN(names));

        ks_log(KS_LOG_INFO, "vulndb", "'%s' is unchanged since it was last imported", path);
        for (size_t i = 0; rc == KS_OK && i < k; i++)
            rc = ks_vdb_build_unchanged(b, names[i], location, "unchanged", err);
        ks_vdb_build_set_http(b, NULL, NULL); /* used up */
        goto out;
    }
    if ((rc = ks_vdb_build_container_begin(b, label, location, digest, err)) != KS_OK)
        goto out;
    c = classify(magic, n);
    uint64_t t0 = ks_clock_ns();

    if (c == C_ZIP)
        rc = import_zip(b, path, location, err);
    else
        rc = import_stream_file(b, path, location, c == C_COMPRESSED, err);
    if (rc != KS_OK) {
        ks_vdb_build_container_fail(b);
        goto out;
    }
    rc = ks_vdb_build_container_end(b, digest, err);
    ks_log(KS_LOG_INFO, "vulndb", "imported '%s' in %.2f s", path,
           (double)(ks_clock_ns() - t0) / 1e9);
out:
    ks_arena_free(a);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Distro feeds split over several files (distro_int.h)                      */

/* Open path as a stream: decompressed when compressed. *ar to free after. */
static enum ks_code
open_stream(const char *path, const char *display, struct ks_vdb_stream *s, struct archive **ar,
            struct ks_err *err)
{
    unsigned char magic[8];
    size_t n = 0;
    struct archive_entry *e;
    enum ks_code rc;

    memset(s, 0, sizeof(*s));
    s->name = display;
    s->fd = -1;
    *ar = NULL;
    if ((rc = read_magic(path, magic, &n, err)) != KS_OK)
        return rc;
    if (classify(magic, n) == C_COMPRESSED) {
        if ((rc = archive_open(path, display, false, ar, err)) != KS_OK)
            return rc;
        if (archive_read_next_header(*ar, &e) != ARCHIVE_OK) {
            rc = ks_err_set(err, KS_EPARSE, "'%s': cannot decompress: %s", display,
                            archive_error_string(*ar));
            archive_read_free(*ar);
            *ar = NULL;
            return rc;
        }
        s->ar = *ar;
        return KS_OK;
    }
    if ((s->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
        return ks_err_set(err, KS_EIO, "cannot open '%s': %s", path, strerror(errno));
    return KS_OK;
}

enum ks_code
ks_vdb_import_merged(struct ks_vdb_build *b, const char *const *paths,
                     const char *const *displays, size_t n, const char *label,
                     const char *location, struct ks_err *err)
{
    struct ks_vdb_sink *sink = ks_vdb_build_sink(b);
    struct ks_dfeed *f = NULL;
    struct ks_sha256_stream h;
    char digest[65], one[65];
    uint64_t before = 0;
    bool begun = false;
    enum ks_code rc;

    /* The container's digest covers every file, in order. */
    if (ks_sha256_stream_begin(&h) != KS_OK)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if ((rc = file_digest(paths[i], one, err)) != KS_OK) {
            ks_sha256_stream_end(&h, digest);
            return rc;
        }
        ks_sha256_stream_update(&h, one, 64);
    }
    ks_sha256_stream_end(&h, digest);
    if (ks_vdb_build_find_label(b, label, digest)) {
        const char *names[8];
        size_t k = ks_vdb_build_label_sources(b, label, names, KS_ARRAY_LEN(names));

        rc = KS_OK;
        for (size_t i = 0; rc == KS_OK && i < k; i++)
            rc = ks_vdb_build_unchanged(b, names[i], location, "unchanged", err);
        return rc;
    }
    if ((rc = ks_vdb_build_container_begin(b, label, location, digest, err)) != KS_OK)
        return rc;
    begun = true;
    if ((f = ks_dfeed_new(sink)) == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        struct ks_vdb_stream s;
        struct archive *ar = NULL;
        const struct ks_vdb_importer *imp = NULL;
        ks_dfeed_add_fn add = NULL;

        const char *shown = displays != NULL ? displays[i] : paths[i];

        if ((rc = open_stream(paths[i], shown, &s, &ar, err)) != KS_OK)
            goto out;
        rc = ks_vdb_peek(&s, err);
        if (rc == KS_OK) {
            imp = ks_vdb_sniff(ks_str_make(s.head, s.head_len), s.name);
            add = ks_vdb_distro_add_fn(imp);
            if (add == NULL)
                rc = ks_err_set(err, KS_EPARSE, "'%s': not a distro feed of docs/feeds.md",
                                shown);
        }
        if (rc == KS_OK && (rc = ks_vdb_build_use(b, imp, shown, err)) == KS_OK) {
            if (i == 0)
                before = sink->malformed;
            rc = add(f, &s, sink, err);
        }
        ks_vdb_stream_release(&s);
        if (s.fd >= 0)
            close(s.fd);
        archive_read_free(ar);
        if (rc != KS_OK)
            goto out;
    }
    rc = ks_dfeed_flush(f, sink, err);
    if (n > 0)
        ks_vdb_build_doc_done(b, before);
out:
    ks_dfeed_free(f);
    if (begun && rc != KS_OK)
        ks_vdb_build_container_fail(b);
    else if (begun)
        rc = ks_vdb_build_container_end(b, digest, err);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Directories                                                              */

struct walk {
    struct ks_vec files; /* char * (heap), sorted at the end */
    struct ks_err *err;
};

static int
str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static enum ks_code
walk(struct walk *w, const char *dir, int depth)
{
    DIR *d;
    struct dirent *de;
    enum ks_code rc = KS_OK;

    if (depth > KS_VDB_MAX_DEPTH)
        return ks_err_set(w->err, KS_ETOOBIG, "'%s': more than %d directory levels", dir,
                          KS_VDB_MAX_DEPTH);
    d = opendir(dir);
    if (d == NULL)
        return ks_err_set(w->err, KS_EIO, "cannot read directory '%s': %s", dir, strerror(errno));
    while (rc == KS_OK && (de = readdir(d)) != NULL) {
        struct ks_buf p = KS_BUF_INIT(8192);
        struct stat st;

        if (de->d_name[0] == '.')
            continue; /* ., .., hidden files and VCS directories */
        ks_buf_appendf(&p, "%s/%s", dir, de->d_name);
        if (ks_buf_err(&p) != KS_OK) {
            ks_buf_release(&p);
            rc = ks_err_set(w->err, KS_ETOOBIG, "path too long under '%s'", dir);
            break;
        }
        /* lstat: symbolic links are not followed (no loops, nothing outside). */
        if (lstat(p.data, &st) != 0) {
            ks_buf_release(&p);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            rc = walk(w, p.data, depth + 1);
            ks_buf_release(&p);
        } else if (S_ISREG(st.st_mode)) {
            char **slot;

            if (w->files.len >= KS_VDB_MAX_ENTRIES) {
                ks_buf_release(&p);
                rc = ks_err_set(w->err, KS_ETOOBIG, "'%s': more than %d files", dir,
                                KS_VDB_MAX_ENTRIES);
                break;
            }
            slot = ks_vec_push(&w->files);
            if (slot == NULL) {
                ks_buf_release(&p);
                rc = ks_err_set(w->err, KS_ENOMEM, "out of memory");
                break;
            }
            *slot = ks_buf_detach(&p, NULL);
            if (*slot == NULL)
                rc = ks_err_set(w->err, KS_ENOMEM, "out of memory");
        } else {
            ks_buf_release(&p);
        }
    }
    closedir(d);
    return rc;
}

/* Which importer a file's (decompressed) head selects, and its container kind. */
static enum ks_code
probe(const char *path, enum container *c, const struct ks_vdb_importer **imp,
      const char **label, struct ks_arena *a, struct ks_err *err)
{
    unsigned char magic[8];
    size_t n = 0;
    struct ks_vdb_stream s;
    struct archive *ar = NULL;
    struct archive_entry *e;
    enum ks_code rc;

    *imp = NULL;
    if ((rc = read_magic(path, magic, &n, err)) != KS_OK)
        return rc;
    *c = classify(magic, n);
    if (*c == C_ZIP)
        return KS_OK;
    memset(&s, 0, sizeof(s));
    s.name = path;
    s.fd = -1;
    if (*c == C_COMPRESSED) {
        if (archive_open(path, path, false, &ar, err) != KS_OK ||
            archive_read_next_header(ar, &e) != ARCHIVE_OK) {
            archive_read_free(ar);
            return KS_OK; /* reported as unrecognised */
        }
        s.ar = ar;
    } else if ((s.fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        return ks_err_set(err, KS_EIO, "cannot open '%s': %s", path, strerror(errno));
    }
    rc = ks_vdb_peek(&s, err);
    if (rc == KS_OK)
        *imp = ks_vdb_sniff(ks_str_make(s.head, s.head_len), path);
    if (rc == KS_OK && label != NULL && *imp != NULL)
        *label = ks_vdb_distro_label(*imp, ks_str_make(s.head, s.head_len), path, a);
    ks_vdb_stream_release(&s);
    if (s.fd >= 0)
        close(s.fd);
    archive_read_free(ar);
    return rc == KS_OK || *c == C_COMPRESSED ? KS_OK : rc;
}

enum ks_code
ks_vdb_import_dir(struct ks_vdb_build *b, const char *path, struct ks_err *err)
{
    struct walk w = {.err = err};
    struct ks_vec records = KS_VEC_INIT(const char *);
    struct ks_arena *a = ks_arena_new(4096);
    enum ks_code rc;

    ks_vec_init(&w.files, sizeof(char *));
    if (a == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "out of memory");
        goto out;
    }
    if (ks_vdb_is_mirror_root(path)) {
        rc = ks_vdb_import_mirror_dir(b, path, NULL, 0, err);
        goto out;
    }
    if ((rc = walk(&w, path, 0)) != KS_OK)
        goto out;
    ks_vec_sort(&w.files, str_cmp);
    /* Feeds and archives are sources of their own; loose records form the */
    /* directory's source.                                                  */
    for (size_t i = 0; i < w.files.len; i++) {
        const char *f = *(char **)ks_vec_at(&w.files, i);
        const struct ks_vdb_importer *imp;
        enum container c;

        if ((rc = probe(f, &c, &imp, NULL, NULL, err)) != KS_OK)
            goto out;
        if (c == C_ZIP || (imp != NULL && imp->doc == KS_VDB_DOC_FEED)) {
            if ((rc = ks_vdb_import_file(b, f, NULL, NULL, err)) != KS_OK)
                goto out;
        } else if (imp != NULL) {
            const char **slot = ks_vec_push(&records);

            if (slot == NULL) {
                rc = ks_err_set(err, KS_ENOMEM, "out of memory");
                goto out;
            }
            *slot = f;
        } else if (ks_str_has_suffix(ks_str_c(f), "/ecosystems.txt")) {
            /* the OSV bucket's list, read by mirror imports; nothing to import here */
            ks_log(KS_LOG_DEBUG, "vulndb", "skipping '%s'", f);
        } else {
            ks_log(KS_LOG_WARN, "vulndb", "skipping '%s': not a recognised feed", f);
        }
    }
    if (records.len > 0) {
        struct ks_sha256_stream h;
        char digest[65];
        const char *label = ks_vdb_label_for_path(path, a);

        if (label == NULL || ks_sha256_stream_begin(&h) != KS_OK) {
            rc = ks_err_set(err, KS_ENOMEM, "out of memory");
            goto out;
        }
        if ((rc = ks_vdb_build_container_begin(b, label, path, NULL, err)) != KS_OK) {
            ks_sha256_stream_end(&h, digest);
            goto out;
        }
        for (size_t i = 0; i < records.len; i++) {
            const char *f = *(const char **)ks_vec_at(&records, i);
            struct ks_vdb_stream s;
            enum container c;
            struct archive *ar = NULL;
            struct archive_entry *e;

            memset(&s, 0, sizeof(s));
            s.name = f;
            s.fd = -1;
            s.hash = &h;
            ks_sha256_stream_update(&h, f + strlen(path), strlen(f + strlen(path)) + 1);
            {
                unsigned char magic[8];
                size_t n = 0;

                if ((rc = read_magic(f, magic, &n, err)) != KS_OK)
                    break;
                c = classify(magic, n);
            }
            if (c == C_COMPRESSED) {
                if ((rc = archive_open(f, f, false, &ar, err)) != KS_OK)
                    break;
                if (archive_read_next_header(ar, &e) != ARCHIVE_OK) {
                    rc = ks_err_set(err, KS_EPARSE, "'%s': cannot decompress", f);
                    archive_read_free(ar);
                    break;
                }
                s.ar = ar;
            } else if ((s.fd = open(f, O_RDONLY | O_CLOEXEC)) < 0) {
                rc = ks_err_set(err, KS_EIO, "cannot open '%s': %s", f, strerror(errno));
                break;
            }
            rc = import_doc(b, &s, true, NULL, err);
            ks_vdb_stream_release(&s);
            if (s.fd >= 0)
                close(s.fd);
            archive_read_free(ar);
            if (rc != KS_OK)
                break;
        }
        ks_sha256_stream_end(&h, digest);
        if (rc != KS_OK) {
            ks_vdb_build_container_fail(b);
            goto out;
        }
        rc = ks_vdb_build_container_end(b, digest, err);
    }
out:
    for (size_t i = 0; i < w.files.len; i++)
        ks_free(*(char **)ks_vec_at(&w.files, i));
    ks_vec_release(&w.files);
    ks_vec_release(&records);
    ks_arena_free(a);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* ks_vulndb_import                                                         */

enum ks_code
ks_vulndb_import(const char *db_path, const char *const *paths, size_t n_paths,
                 const struct ks_vulndb_import_opts *opts, struct ks_arena *arena,
                 struct ks_vulndb_summary *out, struct ks_err *err)
{
    struct ks_vdb_build *b = NULL;
    enum ks_code rc;

    if (n_paths == 0)
        return ks_err_set(err, KS_EINVAL, "nothing to import");
    for (size_t i = 0; i < n_paths; i++)
        if (!ks_path_exists(paths[i]))
            return ks_err_set(err, KS_ENOTFOUND, "'%s': no such file or directory", paths[i]);
    if ((rc = ks_vdb_build_begin(db_path, "import", opts && opts->force, &b, err)) != KS_OK)
        return rc;
    for (size_t i = 0; i < n_paths; i++) {
        struct stat st;

        if (stat(paths[i], &st) != 0) {
            rc = ks_err_set(err, KS_EIO, "cannot stat '%s': %s", paths[i], strerror(errno));
            goto fail;
        }
        if (S_ISDIR(st.st_mode))
            rc = ks_vdb_import_dir(b, paths[i], err);
        else
            rc = ks_vdb_import_file(b, paths[i], NULL, NULL, err);
        if (rc != KS_OK)
            goto fail;
    }
    return ks_vdb_build_commit(b, false, arena, out, err);
fail:
    ks_vdb_build_abort(b);
    return rc;
}
