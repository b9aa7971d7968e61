/*
 * layercache.c: the per-layer inventory cache on disk (format and rules in
 * layercache_int.h, behaviour in docs/targets.md). Parsers for the entry
 * format over (ptr, len) with named limits; loading an entry (metadata
 * checksummed as a whole, each content record on its own); writing one
 * from what a scan learnt, merged with what is on disk under an flock,
 * through a temporary file renamed into place; LRU eviction by mtime.
 * Nothing here can make a scan fail except running out of memory: every
 * other problem is logged and the scan reads the layer instead.
 */
#include "fs/layercache_int.h"
#include "fs/registry_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base/banned.h"

#define LOG_MOD      "fs.layercache"
#define WRITE_CHUNK  ((size_t)256 << 10)
#define STALE_TMP_S  (24 * 3600) /* temporary files older than this are debris of a crash */
#define SUM_OFF      96u

/* ------------------------------------------------------------------------ */
/* Little-endian fields.                                                    */

static uint32_t
get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t
get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void
put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void
put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static bool
all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0)
            return false;
    return true;
}

/* "sha256:<64 hex>" -> 32 bytes. */
static bool
digest_raw(const char *digest, uint8_t out[32])
{
    if (digest == NULL || !img_digest_valid(ks_str_c(digest)))
        return false;
    for (size_t i = 0; i < 32; i++) {
        unsigned v = 0;

        for (size_t j = 0; j < 2; j++) {
            char ch = digest[7 + 2 * i + j];

            v = v * 16 + (unsigned)(ch <= '9' ? ch - '0' : ch - 'a' + 10);
        }
        out[i] = (uint8_t)v;
    }
    return true;
}

static bool
sha256_eq(const void *data, size_t len, const uint8_t want[32])
{
    unsigned char md[32];

    ks_sha256(data, len, md);
    return memcmp(md, want, 32) == 0;
}

/* ------------------------------------------------------------------------ */
/* Parsing.                                                                 */

enum ks_code
lc_parse_head(const void *data, size_t len, struct lc_head *out, uint64_t *meta_len,
              struct ks_err *err)
{
    const uint8_t *p = data;
    struct lc_head h;
    uint64_t table, meta;

    memset(&h, 0, sizeof(h));
    if (len < LC_INDEX_OFF)
        return ks_err_set(err, KS_EPARSE, "layer cache: %zu bytes, shorter than a header", len);
    if (memcmp(p, LC_MAGIC, 8) != 0)
        return ks_err_set(err, KS_EPARSE, "layer cache: not a layer cache entry (magic)");
    h.version = get32(p + 8);
    if (h.version != LC_VERSION)
        return ks_err_set(err, KS_EUNSUPPORTED, "layer cache: format version %u, not %u",
                          h.version, LC_VERSION);
    h.n_digests = get32(p + 12);
    memcpy(h.diff_id, p + 16, 32);
    h.tar_bytes = get64(p + 48);
    h.n_entries = get64(p + 56);
    h.index_len = get64(p + 64);
    h.n_records = get64(p + 72);
    h.data_len = get64(p + 80);
    if (get32(p + 88) != 0 || get32(p + 92) != 0)
        return ks_err_set(err, KS_EPARSE, "layer cache: header offset 88: unknown flags");
    if (h.n_digests > LC_MAX_DIGESTS)
        return ks_err_set(err, KS_EPARSE, "layer cache: header offset 12: %u digests (limit %u)",
                          h.n_digests, LC_MAX_DIGESTS);
    if (!all_zero(p + LC_HEAD + (size_t)h.n_digests * 32,
                  (size_t)(LC_MAX_DIGESTS - h.n_digests) * 32))
        return ks_err_set(err, KS_EPARSE, "layer cache: unused digest slots are not zero");
    for (uint32_t i = 0; i < h.n_digests; i++)
        memcpy(h.digests[i], p + LC_HEAD + i * 32, 32);
    if (h.n_entries > LC_MAX_ENTRIES)
        return ks_err_set(err, KS_EPARSE, "layer cache: %llu entries (limit %llu)",
                          (unsigned long long)h.n_entries, (unsigned long long)LC_MAX_ENTRIES);
    if (h.n_records > h.n_entries)
        return ks_err_set(err, KS_EPARSE, "layer cache: %llu records for %llu entries",
                          (unsigned long long)h.n_records, (unsigned long long)h.n_entries);
    if (h.index_len > LC_MAX_META || h.index_len < h.n_entries * LC_ENT_FIXED)
        return ks_err_set(err, KS_EPARSE, "layer cache: index of %llu bytes for %llu entries",
                          (unsigned long long)h.index_len, (unsigned long long)h.n_entries);
    table = h.n_records * LC_REC_SIZE; /* no overflow: n_records <= 20 million */
    meta = LC_INDEX_OFF + h.index_len + table;
    if (meta > LC_MAX_META)
        return ks_err_set(err, KS_EPARSE, "layer cache: %llu bytes of metadata (limit %llu)",
                          (unsigned long long)meta, (unsigned long long)LC_MAX_META);
    *out = h;
    *meta_len = meta;
    return KS_OK;
}

enum ks_code
lc_index_next(struct ks_cur *c, struct img_entry *out, struct ks_err *err)
{
    const uint8_t *p = (const uint8_t *)c->p;
    size_t left = ks_cur_left(c);
    uint32_t path_len, link_len;

    if (left < LC_ENT_FIXED)
        return ks_err_set(err, KS_EPARSE, "layer cache: index entry cut short (%zu bytes)", left);
    if (p[0] < IMG_E_FILE || p[0] > IMG_E_DEVICE || p[1] != 0 || p[2] != 0 || p[3] != 0)
        return ks_err_set(err, KS_EPARSE, "layer cache: index entry of unknown type %u", p[0]);
    path_len = get32(p + 8);
    link_len = get32(p + 12);
    if (path_len > LC_MAX_STR || link_len > LC_MAX_STR)
        return ks_err_set(err, KS_EPARSE, "layer cache: index entry string over %u bytes",
                          LC_MAX_STR);
    if (left - LC_ENT_FIXED < (size_t)path_len + link_len)
        return ks_err_set(err, KS_EPARSE, "layer cache: index entry strings cut short");
    memset(out, 0, sizeof(*out));
    out->type = (enum img_etype)p[0];
    out->mode = get32(p + 4);
    out->size = get64(p + 16);
    out->mtime = (int64_t)get64(p + 24);
    out->path = ks_str_make((const char *)p + LC_ENT_FIXED, path_len);
    out->link = ks_str_make((const char *)p + LC_ENT_FIXED + path_len, link_len);
    /* A tar path is a C string: a NUL inside would read differently from the stream. */
    if (memchr(out->path.ptr, '\0', path_len) != NULL ||
        memchr(out->link.ptr, '\0', link_len) != NULL)
        return ks_err_set(err, KS_EPARSE, "layer cache: NUL inside an index entry's path");
    c->p += LC_ENT_FIXED + (size_t)path_len + link_len;
    return KS_OK;
}

void
lc_view_rec(const struct lc_view *v, size_t i, struct lc_rec *out)
{
    const uint8_t *p = v->table + i * LC_REC_SIZE;

    out->ordinal = get32(p);
    out->n_ranges = get32(p + 4);
    out->size = get64(p + 8);
    out->blob_off = get64(p + 16);
    out->blob_len = get64(p + 24);
    memcpy(out->sum, p + 32, 32);
}

ptrdiff_t
lc_view_find(const struct lc_view *v, uint32_t ordinal)
{
    size_t lo = 0, hi = (size_t)v->h.n_records;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t o = get32(v->table + mid * LC_REC_SIZE);

        if (o == ordinal)
            return (ptrdiff_t)mid;
        if (o < ordinal)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

enum ks_code
lc_parse(const void *data, size_t len, uint64_t file_size, bool check_sum, struct lc_view *out,
         struct ks_err *err)
{
    const uint8_t *p = data;
    struct lc_view v;
    uint64_t meta;
    enum ks_code rc;
    struct ks_cur c;
    uint64_t count = 0;
    int64_t prev = -1;

    memset(&v, 0, sizeof(v));
    if ((rc = lc_parse_head(data, len, &v.h, &meta, err)) != KS_OK)
        return rc;
    if (len < meta)
        return ks_err_set(err, KS_EPARSE, "layer cache: %zu bytes, the header says %llu", len,
                          (unsigned long long)meta);
    if (v.h.data_len > UINT64_MAX - meta || meta + v.h.data_len != file_size)
        return ks_err_set(err, KS_EPARSE,
                          "layer cache: file is %llu bytes, the header says %llu + %llu "
                          "(truncated?)",
                          (unsigned long long)file_size, (unsigned long long)meta,
                          (unsigned long long)v.h.data_len);
    if (check_sum) {
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        unsigned char sum[32];
        unsigned int n = 0;
        bool ok = md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
                  EVP_DigestUpdate(md, p, SUM_OFF) == 1 &&
                  EVP_DigestUpdate(md, p + LC_HEAD, (size_t)meta - LC_HEAD) == 1 &&
                  EVP_DigestFinal_ex(md, sum, &n) == 1 && n == 32;

        EVP_MD_CTX_free(md);
        if (!ok)
            return ks_err_set(err, KS_ENOMEM, "layer cache: sha256 failed");
        if (memcmp(sum, p + SUM_OFF, 32) != 0)
            return ks_err_set(err, KS_EPARSE, "layer cache: checksum mismatch");
    }
    v.index = p + LC_INDEX_OFF;
    v.table = v.index + v.h.index_len;
    v.data_off = meta;
    c = ks_cur_make(v.index, (size_t)v.h.index_len);
    while (ks_cur_left(&c) > 0) {
        struct img_entry e;

        if (count == v.h.n_entries)
            return ks_err_set(err, KS_EPARSE, "layer cache: index holds more than %llu entries",
                              (unsigned long long)v.h.n_entries);
        if ((rc = lc_index_next(&c, &e, err)) != KS_OK)
            return ks_err_prefix(err, "entry %llu: ", (unsigned long long)count);
        count++;
    }
    if (count != v.h.n_entries)
        return ks_err_set(err, KS_EPARSE, "layer cache: index holds %llu entries, not %llu",
                          (unsigned long long)count, (unsigned long long)v.h.n_entries);
    for (size_t i = 0; i < v.h.n_records; i++) {
        struct lc_rec r;

        lc_view_rec(&v, i, &r);
        if ((int64_t)r.ordinal <= prev || r.ordinal >= v.h.n_entries)
            return ks_err_set(err, KS_EPARSE, "layer cache: record %zu: ordinal %u out of order",
                              i, r.ordinal);
        prev = r.ordinal;
        if (r.n_ranges > LC_MAX_RANGES || r.blob_len < (uint64_t)r.n_ranges * LC_RANGE_SIZE ||
            r.blob_len - (uint64_t)r.n_ranges * LC_RANGE_SIZE > r.size ||
            r.blob_off > v.h.data_len || r.blob_len > v.h.data_len - r.blob_off)
            return ks_err_set(err, KS_EPARSE, "layer cache: record %zu (entry %u) is malformed", i,
                              r.ordinal);
    }
    *out = v;
    return KS_OK;
}

enum ks_code
lc_parse_blob(const void *blob, size_t len, const struct lc_rec *r, struct lc_range *out,
              const uint8_t **bytes, struct ks_err *err)
{
    const uint8_t *p = blob;
    uint64_t sum = 0, prev_end = 0;
    size_t head = (size_t)r->n_ranges * LC_RANGE_SIZE;

    if (r->n_ranges > LC_MAX_RANGES || len != r->blob_len || len < head)
        return ks_err_set(err, KS_EPARSE, "layer cache: entry %u: blob of %zu bytes is malformed",
                          r->ordinal, len);
    for (uint32_t i = 0; i < r->n_ranges; i++) {
        uint64_t off = get64(p + i * LC_RANGE_SIZE), n = get64(p + i * LC_RANGE_SIZE + 8);

        /* Sorted, disjoint, not even adjacent (lc_ranges_add merges those), inside the file. */
        if (n == 0 || off > r->size || n > r->size - off || (i > 0 && off <= prev_end))
            return ks_err_set(err, KS_EPARSE, "layer cache: entry %u: range %u is malformed",
                              r->ordinal, i);
        prev_end = off + n;
        sum += n;
        out[i] = (struct lc_range){off, n};
    }
    if (sum != len - head)
        return ks_err_set(err, KS_EPARSE, "layer cache: entry %u: ranges hold %llu bytes, not %zu",
                          r->ordinal, (unsigned long long)sum, len - head);
    *bytes = p + head;
    return KS_OK;
}

bool
lc_ranges_whole(const struct lc_range *r, size_t n, uint64_t size)
{
    return size == 0 || (n == 1 && r[0].off == 0 && r[0].len == size);
}

bool
lc_ranges_add(struct lc_range *r, size_t *n, size_t max, uint64_t off, uint64_t len)
{
    struct lc_range out[LC_MAX_RANGES];
    size_t k = 0, i = 0;
    bool placed = false;

    if (len == 0)
        return true;
    if (off + len < off)
        return false;
    if (max > LC_MAX_RANGES)
        max = LC_MAX_RANGES;
    for (;;) {
        struct lc_range cur;

        if (!placed && (i == *n || off <= r[i].off)) {
            cur = (struct lc_range){off, len};
            placed = true;
        } else if (i < *n) {
            cur = r[i++];
        } else {
            break;
        }
        if (k > 0 && cur.off <= out[k - 1].off + out[k - 1].len) {
            uint64_t end = KS_MAX(out[k - 1].off + out[k - 1].len, cur.off + cur.len);

            out[k - 1].len = end - out[k - 1].off;
        } else {
            if (k == max)
                return false;
            out[k++] = cur;
        }
    }
    memcpy(r, out, k * sizeof(*r));
    *n = k;
    return true;
}

bool
lc_ranges_cover(const struct lc_range *a, size_t n_a, const struct lc_range *b, size_t n_b)
{
    for (size_t i = 0; i < n_b; i++) {
        bool in = false;

        for (size_t j = 0; j < n_a && !in; j++)
            in = a[j].off <= b[i].off && b[i].off + b[i].len <= a[j].off + a[j].len;
        if (!in)
            return false;
    }
    return true;
}

/* ------------------------------------------------------------------------ */
/* The directory.                                                           */

struct lc_cache {
    char *dir;  /* .../layers: temporary files and the lock */
    char *sdir; /* .../layers/sha256: one file per diff id */
    char *lock;
    uint64_t max_bytes;
};

/*
 * An entry is believed once its checksums pass (docs/targets.md), so only
 * this user may be able to write the directory, as ssh asks of ~/.ssh.
 */
static bool
dir_private(const char *path, struct ks_err *err)
{
    struct stat st;

    if (stat(path, &st) != 0)
        ks_err_set(err, KS_EIO, "'%s': %s", path, strerror(errno));
    else if (!S_ISDIR(st.st_mode))
        ks_err_set(err, KS_EINVAL, "'%s' is not a directory", path);
    else if (st.st_uid != geteuid())
        ks_err_set(err, KS_EINVAL, "'%s' belongs to uid %u, not to this user", path,
                   (unsigned)st.st_uid);
    else if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        ks_err_set(err, KS_EINVAL, "'%s' is writable by other users (mode %03o)", path,
                   (unsigned)(st.st_mode & 0777));
    else
        return true;
    return false;
}

enum ks_code
lc_open(const char *dir, uint64_t max_bytes, struct lc_cache **out, struct ks_err *err)
{
    struct ks_buf path = KS_BUF_INIT(4096);
    struct lc_cache *c = NULL;
    struct ks_err e2 = KS_ERR_INIT;
    const char *e;
    enum ks_code rc = KS_OK;

    *out = NULL;
    if (max_bytes == UINT64_MAX)
        return KS_OK;
    if (max_bytes == 0 && (e = getenv("KENSA_LAYER_CACHE_MAX")) != NULL && e[0] != '\0') {
        struct ks_str v = ks_str_trim(ks_str_c(e));

        if (ks_str_ieq_c(v, "off") || ks_str_eq_c(v, "0"))
            return KS_OK;
        if (img_parse_size(e, &max_bytes) != KS_OK)
            return ks_err_set(err, KS_EINVAL,
                              "KENSA_LAYER_CACHE_MAX '%s': not a size (bytes, 512M, 2G) or off", e);
        if (max_bytes == 0)
            return KS_OK;
    }
    if (max_bytes == 0)
        max_bytes = LC_DEFAULT_MAX;
    if (dir != NULL && dir[0] != '\0')
        ks_buf_appends(&path, dir);
    else if ((e = getenv("KENSA_CACHE_DIR")) != NULL && e[0] != '\0')
        ks_buf_appendf(&path, "%s/layers", e);
    else if ((e = getenv("XDG_CACHE_HOME")) != NULL && e[0] == '/')
        ks_buf_appendf(&path, "%s/kensa/layers", e);
    else if ((e = getenv("HOME")) != NULL && e[0] != '\0')
        ks_buf_appendf(&path, "%s/.cache/kensa/layers", e);
    else {
        ks_log(KS_LOG_INFO, LOG_MOD, "no cache directory (set KENSA_CACHE_DIR): layers are read");
        return KS_OK;
    }
    c = ks_calloc(1, sizeof(*c));
    if (c == NULL || ks_buf_err(&path) != KS_OK)
        goto oom;
    c->max_bytes = max_bytes;
    c->dir = ks_strdup(path.data);
    ks_buf_appends(&path, "/sha256");
    c->sdir = ks_strdup(path.data);
    c->lock = c->dir ? ks_malloc(strlen(c->dir) + 8) : NULL;
    if (c->dir == NULL || c->sdir == NULL || c->lock == NULL || ks_buf_err(&path) != KS_OK)
        goto oom;
    memcpy(c->lock, c->dir, strlen(c->dir));
    memcpy(c->lock + strlen(c->dir), "/.lock", 7);
    if (ks_mkdir_p(c->sdir, 0700, &e2) != KS_OK) {
        ks_log(KS_LOG_WARN, LOG_MOD, "cannot create the layer cache (%s): layers are read",
               e2.msg);
        lc_close(c);
        c = NULL;
    } else if (!dir_private(c->dir, &e2) || !dir_private(c->sdir, &e2)) {
        ks_log(KS_LOG_WARN, LOG_MOD, "layer cache not used: %s; layers are read", e2.msg);
        lc_close(c);
        c = NULL;
    }
    *out = c;
    c = NULL;
    goto out;
oom:
    rc = ks_err_set(err, KS_ENOMEM, "layer cache: out of memory");
out:
    lc_close(c);
    ks_buf_release(&path);
    return rc;
}

void
lc_close(struct lc_cache *c)
{
    if (c == NULL)
        return;
    ks_free(c->dir);
    ks_free(c->sdir);
    ks_free(c->lock);
    ks_free(c);
}

const char *
lc_dir(const struct lc_cache *c)
{
    return c->dir;
}

uint64_t
lc_max(const struct lc_cache *c)
{
    return c->max_bytes;
}

/* An flock on layers/.lock: held while merging into an entry, evicting or deleting. */
static int
lock_take(const struct lc_cache *c)
{
    int fd = open(c->lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

    if (fd < 0)
        return -1;
    while (flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            close(fd);
            return -1;
        }
    }
    return fd;
}

static void
lock_drop(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock */
}

static bool
read_at(int fd, void *buf, size_t n, uint64_t off)
{
    size_t done = 0;

    while (done < n) {
        ssize_t r = pread(fd, (char *)buf + done, n - done, (off_t)(off + done));

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        done += (size_t)r;
    }
    return true;
}

static bool
write_at(int fd, const void *buf, size_t n, uint64_t off)
{
    size_t done = 0;

    while (done < n) {
        ssize_t r = pwrite(fd, (const char *)buf + done, n - done, (off_t)(off + done));

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        done += (size_t)r;
    }
    return true;
}

struct file_info {
    char name[65];
    uint64_t size;
    struct timespec mtime;
};

static int
file_cmp(const void *a, const void *b)
{
    const struct file_info *x = a, *y = b;

    if (x->mtime.tv_sec != y->mtime.tv_sec)
        return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
    if (x->mtime.tv_nsec != y->mtime.tv_nsec)
        return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
    return strcmp(x->name, y->name);
}

static bool
hex_name(const char *s)
{
    return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static enum ks_code
list_entries(const struct lc_cache *c, struct ks_vec *out, uint64_t *total, struct ks_err *err)
{
    DIR *d = opendir(c->sdir);
    struct dirent *de;

    *total = 0;
    if (d == NULL)
        return ks_err_set(err, KS_EIO, "layer cache: cannot list '%s': %s", c->sdir,
                          strerror(errno));
    while ((de = readdir(d)) != NULL) {
        struct stat st;
        struct file_info *f;

        if (!hex_name(de->d_name) || fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode))
            continue;
        f = ks_vec_push(out);
        if (f == NULL) {
            closedir(d);
            return ks_err_set(err, KS_ENOMEM, "layer cache: out of memory");
        }
        memcpy(f->name, de->d_name, 65);
        f->size = (uint64_t)st.st_size;
        f->mtime = st.st_mtim;
        *total += f->size;
    }
    closedir(d);
    return KS_OK;
}

uint64_t
lc_size(struct lc_cache *c)
{
    struct ks_vec v = KS_VEC_INIT(struct file_info);
    uint64_t total = 0;

    (void)list_entries(c, &v, &total, NULL);
    ks_vec_release(&v);
    return total;
}

/* Temporary files a crashed scan left behind. */
static void
sweep_tmp(const struct lc_cache *c)
{
    DIR *d = opendir(c->dir);
    struct dirent *de;
    time_t now = time(NULL);

    if (d == NULL)
        return;
    while ((de = readdir(d)) != NULL) {
        struct stat st;

        if (strncmp(de->d_name, ".tmp-", 5) != 0 ||
            fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
            now - st.st_mtim.tv_sec < STALE_TMP_S)
            continue;
        (void)unlinkat(dirfd(d), de->d_name, 0);
    }
    closedir(d);
}

static enum ks_code
evict_locked(struct lc_cache *c, const char *keep_hex, struct ks_err *err)
{
    struct ks_vec v = KS_VEC_INIT(struct file_info);
    uint64_t total;
    enum ks_code rc;

    sweep_tmp(c);
    if ((rc = list_entries(c, &v, &total, err)) != KS_OK)
        goto out;
    if (total <= c->max_bytes)
        goto out;
    ks_vec_sort(&v, file_cmp);
    for (size_t i = 0; i < v.len && total > c->max_bytes; i++) {
        struct file_info *f = ks_vec_at(&v, i);
        struct ks_buf p = KS_BUF_INIT(4096);

        if (keep_hex != NULL && strcmp(keep_hex, f->name) == 0)
            continue;
        ks_buf_appendf(&p, "%s/%s", c->sdir, f->name);
        if (ks_buf_err(&p) != KS_OK) {
            ks_buf_release(&p);
            rc = ks_err_set(err, KS_ENOMEM, "layer cache: out of memory");
            goto out;
        }
        if (unlink(p.data) == 0 || errno == ENOENT) {
            total -= f->size;
            ks_log(KS_LOG_DEBUG, LOG_MOD, "evicted sha256:%s (%llu bytes)", f->name,
                   (unsigned long long)f->size);
        }
        ks_buf_release(&p);
    }
out:
    ks_vec_release(&v);
    return rc;
}

enum ks_code
lc_evict(struct lc_cache *c, const char *keep_hex, struct ks_err *err)
{
    int lk = lock_take(c);
    enum ks_code rc = evict_locked(c, keep_hex, err);

    lock_drop(lk);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Loading.                                                                 */

void
lc_entry_free(struct lc_entry *e)
{
    if (e == NULL)
        return;
    if (e->fd >= 0)
        close(e->fd);
    ks_free(e->meta);
    ks_free(e->path);
    ks_free(e);
}

/* Remove a corrupt entry, unless it was replaced meanwhile (another scan renamed a new one in). */
static void
remove_if_same(const struct lc_cache *c, const char *path, uint64_t dev, uint64_t ino, bool locked)
{
    int lk = locked ? -1 : lock_take(c);
    struct stat st;

    if ((locked || lk >= 0) && lstat(path, &st) == 0 && (uint64_t)st.st_dev == dev &&
        (uint64_t)st.st_ino == ino)
        (void)unlink(path);
    lock_drop(lk);
}

static enum ks_code
load(struct lc_cache *c, const char *diff_id, bool locked, struct lc_entry **out,
     struct ks_err *err)
{
    struct lc_entry *e = NULL;
    struct ks_err e2 = KS_ERR_INIT;
    uint8_t head[LC_INDEX_OFF], want[32];
    struct lc_head h;
    struct stat st;
    uint64_t meta;
    enum ks_code rc;

    *out = NULL;
    if (!digest_raw(diff_id, want))
        return ks_err_set(err, KS_ENOTFOUND, "layer cache: no entry for '%s'", diff_id);
    e = ks_calloc(1, sizeof(*e));
    if (e == NULL)
        return ks_err_set(err, KS_ENOMEM, "layer cache: out of memory");
    e->fd = -1;
    e->path = ks_malloc(strlen(c->sdir) + 66);
    if (e->path == NULL) {
        lc_entry_free(e);
        return ks_err_set(err, KS_ENOMEM, "layer cache: out of memory");
    }
    memcpy(e->path, c->sdir, strlen(c->sdir));
    e->path[strlen(c->sdir)] = '/';
    memcpy(e->path + strlen(c->sdir) + 1, diff_id + 7, 65);
    e->fd = open(e->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (e->fd < 0) {
        if (errno != ENOENT)
            ks_log(KS_LOG_DEBUG, LOG_MOD, "cannot open '%s': %s", e->path, strerror(errno));
        lc_entry_free(e);
        return ks_err_set(err, KS_ENOTFOUND, "layer cache: no entry for %s", diff_id);
    }
    if (fstat(e->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ks_err_set(&e2, KS_EPARSE, "not a regular file");
        goto corrupt;
    }
    if (st.st_uid != geteuid()) {
        ks_err_set(&e2, KS_EPARSE, "owned by uid %u, not by this user", (unsigned)st.st_uid);
        goto corrupt;
    }
    e->dev = (uint64_t)st.st_dev;
    e->ino = (uint64_t)st.st_ino;
    e->file_size = (uint64_t)st.st_size;
    if (e->file_size < LC_INDEX_OFF || !read_at(e->fd, head, sizeof(head), 0)) {
        ks_err_set(&e2, KS_EPARSE, "%llu bytes, shorter than a header (truncated)",
                   (unsigned long long)e->file_size);
        goto corrupt;
    }
    rc = lc_parse_head(head, sizeof(head), &h, &meta, &e2);
    if (rc == KS_EUNSUPPORTED) {
        /* Another Kensa's format: not corrupt, only not ours to read. */
        ks_log(KS_LOG_DEBUG, LOG_MOD, "'%s': %s", e->path, e2.msg);
        lc_entry_free(e);
        return ks_err_set(err, KS_ENOTFOUND, "layer cache: no entry for %s", diff_id);
    }
    if (rc != KS_OK)
        goto corrupt;
    if (meta > e->file_size) {
        ks_err_set(&e2, KS_EPARSE, "file is %llu bytes, its metadata alone %llu (truncated)",
                   (unsigned long long)e->file_size, (unsigned long long)meta);
        goto corrupt;
    }
    e->meta_len = (size_t)meta;
    e->meta = ks_malloc(e->meta_len);
    if (e->meta == NULL) {
        lc_entry_free(e);
        return ks_err_set(err, KS_ENOMEM, "layer cache: out of memory loading %llu bytes",
                          (unsigned long long)meta);
    }
    if (!read_at(e->fd, e->meta, e->meta_len, 0)) {
        ks_err_set(&e2, KS_EPARSE, "cannot read %zu bytes (truncated)", e->meta_len);
        goto corrupt;
    }
    rc = lc_parse(e->meta, e->meta_len, e->file_size, true, &e->v, &e2);
    if (rc == KS_ENOMEM) {
        lc_entry_free(e);
        return ks_err_set(err, rc, "%s", e2.msg);
    }
    if (rc != KS_OK)
        goto corrupt;
    if (memcmp(e->v.h.diff_id, want, 32) != 0) {
        ks_err_set(&e2, KS_EPARSE, "it holds another layer's diff id");
        goto corrupt;
    }
    (void)futimens(e->fd, NULL); /* its place in the LRU order */
    *out = e;
    return KS_OK;
corrupt:
    ks_log(KS_LOG_WARN, LOG_MOD, "ignoring corrupt layer cache entry '%s': %s; reading the layer",
           e->path, strncmp(e2.msg, "layer cache: ", 13) == 0 ? e2.msg + 13 : e2.msg);
    remove_if_same(c, e->path, e->dev, e->ino, locked);
    lc_entry_free(e);
    return ks_err_set(err, KS_ENOTFOUND, "layer cache: no valid entry for %s", diff_id);
}

enum ks_code
lc_load(struct lc_cache *c, const char *diff_id, struct lc_entry **out, struct ks_err *err)
{
    return load(c, diff_id, false, out, err);
}

bool
lc_entry_has_digest(const struct lc_entry *e, const char *digest)
{
    uint8_t raw[32];

    if (!digest_raw(digest, raw))
        return false;
    for (uint32_t i = 0; i < e->v.h.n_digests; i++)
        if (memcmp(e->v.h.digests[i], raw, 32) == 0)
            return true;
    return false;
}

/* Remember that record `ordinal` of e is damaged (its blob is not to be trusted or copied). */
static void
mark_bad(struct lc_entry *e, uint32_t ordinal)
{
    for (size_t i = 0; i < e->n_bad; i++)
        if (e->bad[i] == ordinal)
            return;
    if (e->n_bad < LC_MAX_BAD)
        e->bad[e->n_bad++] = ordinal;
    else
        e->bad_overflow = true;
}

static bool
is_bad(const struct lc_entry *e, uint32_t ordinal)
{
    if (e->bad_overflow)
        return true;
    for (size_t i = 0; i < e->n_bad; i++)
        if (e->bad[i] == ordinal)
            return true;
    return false;
}

enum ks_code
lc_entry_blob(struct lc_entry *e, size_t i, uint64_t size, struct lc_blob **out,
              struct ks_err *err)
{
    struct lc_rec r;
    struct lc_blob *b;
    struct ks_err e2 = KS_ERR_INIT;
    enum ks_code rc;

    *out = NULL;
    if (i >= e->v.h.n_records)
        return ks_err_set(err, KS_EINVAL, "layer cache: no record %zu", i);
    lc_view_rec(&e->v, i, &r);
    /* lc_parse bounds blob_len by n_ranges * 16 + r.size: checking r.size bounds the buffer. */
    if (r.size != size) {
        mark_bad(e, r.ordinal);
        return ks_err_set(err, KS_EPARSE,
                          "layer cache entry '%s': tar entry %u: %llu bytes, the layer's file %llu",
                          e->path, r.ordinal, (unsigned long long)r.size,
                          (unsigned long long)size);
    }
    if (r.blob_len > SIZE_MAX - 1)
        return ks_err_set(err, KS_ETOOBIG, "layer cache: entry %u too big", r.ordinal);
    b = ks_calloc(1, sizeof(*b));
    if (b == NULL || (b->buf = ks_malloc((size_t)r.blob_len + 1)) == NULL) {
        ks_free(b);
        return ks_err_set(err, KS_ENOMEM, "layer cache: out of memory reading entry %u",
                          r.ordinal);
    }
    if (!read_at(e->fd, b->buf, (size_t)r.blob_len, e->v.data_off + r.blob_off)) {
        rc = ks_err_set(err, KS_EPARSE, "layer cache entry '%s': tar entry %u: cut short",
                        e->path, r.ordinal);
        goto fail;
    }
    if (!sha256_eq(b->buf, (size_t)r.blob_len, r.sum)) {
        rc = ks_err_set(err, KS_EPARSE, "layer cache entry '%s': tar entry %u: checksum mismatch",
                        e->path, r.ordinal);
        goto fail;
    }
    if ((rc = lc_parse_blob(b->buf, (size_t)r.blob_len, &r, b->ranges, &b->bytes, &e2)) !=
        KS_OK) {
        rc = ks_err_set(err, rc, "layer cache entry '%s': %s", e->path,
                        strncmp(e2.msg, "layer cache: ", 13) == 0 ? e2.msg + 13 : e2.msg);
        goto fail;
    }
    b->n_ranges = r.n_ranges;
    b->size = r.size;
    *out = b;
    return KS_OK;
fail:
    mark_bad(e, r.ordinal);
    lc_blob_free(b);
    return rc;
}

bool
lc_blob_whole(const struct lc_blob *b)
{
    return lc_ranges_whole(b->ranges, b->n_ranges, b->size);
}

size_t
lc_blob_at(const struct lc_blob *b, uint64_t off, const uint8_t **p)
{
    uint64_t base = 0;

    for (size_t i = 0; i < b->n_ranges; i++) {
        const struct lc_range *r = &b->ranges[i];

        if (off >= r->off && off < r->off + r->len) {
            uint64_t n = r->off + r->len - off;

            *p = b->bytes + base + (off - r->off);
            return n > SIZE_MAX ? SIZE_MAX : (size_t)n;
        }
        base += r->len;
    }
    return 0;
}

char *
lc_blob_take_whole(struct lc_blob *b)
{
    char *data = (char *)b->buf;

    if (b->size > 0)
        memmove(data, b->bytes, (size_t)b->size);
    b->buf = NULL;
    lc_blob_free(b);
    return data;
}

void
lc_blob_free(struct lc_blob *b)
{
    if (b == NULL)
        return;
    ks_free(b->buf);
    ks_free(b);
}

/* ------------------------------------------------------------------------ */
/* The index writer.                                                        */

struct lc_writer {
    struct lc_cache *c;
    char *tmp;
    int fd;
    struct ks_buf buf;
    uint64_t index_len, n_entries, tar_bytes;
    bool broken, finished;
};

static void
writer_break(struct lc_writer *w, const char *why)
{
    if (!w->broken)
        ks_log(KS_LOG_DEBUG, LOG_MOD, "this layer is not cached: %s", why);
    w->broken = true;
    if (w->fd >= 0) {
        close(w->fd);
        w->fd = -1;
    }
}

static int
temp_file(const struct lc_cache *c, char **path)
{
    size_t n = strlen(c->dir);
    char *p = ks_malloc(n + 16);
    int fd;

    *path = NULL;
    if (p == NULL)
        return -2;
    memcpy(p, c->dir, n);
    memcpy(p + n, "/.tmp-XXXXXX", 13);
    fd = mkstemp(p);
    if (fd < 0) {
        ks_log(KS_LOG_DEBUG, LOG_MOD, "cannot create a file in '%s': %s", c->dir,
               strerror(errno));
        ks_free(p);
        return -1;
    }
    (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
    *path = p;
    return fd;
}

enum ks_code
lc_writer_new(struct lc_cache *c, struct lc_writer **out, struct ks_err *err)
{
    struct lc_writer *w = ks_calloc(1, sizeof(*w));
    static const uint8_t zero[LC_INDEX_OFF];

    if (w == NULL)
        return ks_err_set(err, KS_ENOMEM, "layer cache: out of memory");
    w->c = c;
    ks_buf_init(&w->buf, SIZE_MAX);
    w->fd = temp_file(c, &w->tmp);
    if (w->fd == -2) {
        ks_free(w);
        return ks_err_set(err, KS_ENOMEM, "layer cache: out of memory");
    }
    if (w->fd < 0)
        writer_break(w, "no temporary file");
    else if (!write_at(w->fd, zero, sizeof(zero), 0))
        writer_break(w, strerror(errno));
    *out = w;
    return KS_OK;
}

static void
writer_flush(struct lc_writer *w)
{
    if (w->broken || w->buf.len == 0)
        return;
    if (!write_at(w->fd, w->buf.data, w->buf.len, LC_INDEX_OFF + w->index_len))
        writer_break(w, strerror(errno));
    else
        w->index_len += w->buf.len;
    ks_buf_reset(&w->buf);
}

enum ks_code
lc_writer_entry(void *ctx, const struct img_entry *e, struct ks_err *err)
{
    struct lc_writer *w = ctx;
    uint8_t fixed[LC_ENT_FIXED];
    size_t path_len = e->path.len, link_len = e->link.len;

    if (w->broken)
        return KS_OK;
    if (path_len > LC_MAX_STR || link_len > LC_MAX_STR ||
        (path_len > 0 && memchr(e->path.ptr, '\0', path_len) != NULL) ||
        (link_len > 0 && memchr(e->link.ptr, '\0', link_len) != NULL)) {
        writer_break(w, "an entry's path is too long for the index");
        return KS_OK;
    }
    if (w->n_entries >= LC_MAX_ENTRIES) {
        writer_break(w, "too many entries");
        return KS_OK;
    }
    memset(fixed, 0, sizeof(fixed));
    fixed[0] = (uint8_t)e->type;
    put32(fixed + 4, e->mode);
    put32(fixed + 8, (uint32_t)path_len);
    put32(fixed + 12, (uint32_t)link_len);
    put64(fixed + 16, e->size);
    put64(fixed + 24, (uint64_t)e->mtime);
    ks_buf_append(&w->buf, fixed, sizeof(fixed));
    if (path_len > 0)
        ks_buf_append(&w->buf, e->path.ptr, path_len);
    if (link_len > 0)
        ks_buf_append(&w->buf, e->link.ptr, link_len);
    if (ks_buf_err(&w->buf) != KS_OK)
        return ks_err_set(err, KS_ENOMEM, "layer cache: out of memory recording the index");
    w->n_entries++;
    if (w->buf.len >= WRITE_CHUNK)
        writer_flush(w);
    return KS_OK;
}

void
lc_writer_finish(struct lc_writer *w, uint64_t tar_bytes)
{
    writer_flush(w);
    if (w->index_len + LC_INDEX_OFF > LC_MAX_META)
        writer_break(w, "index too large");
    if (w->fd >= 0) {
        close(w->fd); /* reopened to commit: a long image keeps no descriptor per layer */
        w->fd = -1;
    }
    w->tar_bytes = tar_bytes;
    w->finished = !w->broken;
}

void
lc_writer_free(struct lc_writer *w)
{
    if (w == NULL)
        return;
    if (w->fd >= 0)
        close(w->fd);
    if (w->tmp != NULL)
        (void)unlink(w->tmp);
    ks_free(w->tmp);
    ks_buf_release(&w->buf);
    ks_free(w);
}

/* ------------------------------------------------------------------------ */
/* Committing.                                                              */

/* One record of the entry being written and where its bytes come from. */
enum src_kind {
    SRC_NEW,    /* this scan's whole contents */
    SRC_COPY,   /* a record of an existing entry, copied as is */
    SRC_UNION,  /* ranges of two existing entries put together */
};

struct plan {
    uint32_t ordinal;
    uint64_t size;
    enum src_kind kind;
    const struct lc_content *new_rec;
    struct lc_entry *src; /* SRC_COPY */
    size_t src_i;
    size_t n_ranges;
    struct lc_range ranges[LC_MAX_RANGES];
};

/* The ranges of record i of e, read from its blob's head (checked when it is copied). */
static bool
rec_ranges(struct lc_entry *e, size_t i, struct lc_rec *r, struct lc_range *out)
{
    uint8_t head[LC_MAX_RANGES * LC_RANGE_SIZE];

    lc_view_rec(&e->v, i, r);
    if (r->n_ranges == 0)
        return true;
    if (!read_at(e->fd, head, (size_t)r->n_ranges * LC_RANGE_SIZE, e->v.data_off + r->blob_off))
        return false;
    for (uint32_t k = 0; k < r->n_ranges; k++) {
        out[k].off = get64(head + k * LC_RANGE_SIZE);
        out[k].len = get64(head + k * LC_RANGE_SIZE + 8);
        if (out[k].len == 0 || out[k].off > r->size || out[k].len > r->size - out[k].off)
            return false;
    }
    return true;
}

/* What this scan would store of one file: all of it, or the ranges it read. */
static void
new_ranges(const struct lc_content *n, struct lc_range *out, size_t *k, bool *whole)
{
    *k = 0;
    *whole = n->whole != NULL && (n->keep_whole || n->size == 0);
    if (*whole) {
        if (n->size > 0)
            out[(*k)++] = (struct lc_range){0, n->size};
        return;
    }
    for (size_t i = 0; i < n->n_ranges && *k < LC_MAX_RANGES; i++)
        out[(*k)++] = n->ranges[i];
}

/* Would recs add anything to e (a record it lacks, a byte it lacks, a digest)? */
static bool
adds_to(struct lc_entry *e, const char *digest, const struct lc_content *recs, size_t n)
{
    if (digest != NULL && digest[0] != '\0' && !lc_entry_has_digest(e, digest))
        return true;
    if (e->n_bad > 0 || e->bad_overflow)
        return true; /* a damaged record to rewrite or drop */
    for (size_t i = 0; i < n; i++) {
        struct lc_range have[LC_MAX_RANGES], want[LC_MAX_RANGES];
        size_t nw;
        bool whole;
        struct lc_rec r;
        ptrdiff_t j = lc_view_find(&e->v, recs[i].ordinal);

        if (recs[i].whole == NULL && j >= 0)
            continue; /* read through the entry itself: nothing it lacks */
        if (j < 0) {
            if (recs[i].whole != NULL)
                return true;
            continue;
        }
        if (!rec_ranges(e, (size_t)j, &r, have))
            return true;
        if (lc_ranges_whole(have, r.n_ranges, r.size))
            continue;
        new_ranges(&recs[i], want, &nw, &whole);
        if (whole || !lc_ranges_cover(have, r.n_ranges, want, nw))
            return true;
    }
    return false;
}

static int
u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

/*
 * Plan one record from the existing entries (olds[0] is what is on disk
 * now) and this scan. Returns false when there is nothing to store for it.
 */
static bool
plan_one(struct plan *p, uint32_t ordinal, struct lc_entry *const *olds, size_t n_old,
         const struct lc_content *nw)
{
    struct lc_range have[2][LC_MAX_RANGES];
    struct lc_rec rr[2];
    bool has[2] = {false, false};
    size_t best;

    memset(p, 0, sizeof(*p));
    p->ordinal = ordinal;
    p->new_rec = nw;
    for (size_t k = 0; k < n_old; k++) {
        ptrdiff_t j = lc_view_find(&olds[k]->v, ordinal);

        has[k] = j >= 0 && !is_bad(olds[k], ordinal) &&
                 rec_ranges(olds[k], (size_t)j, &rr[k], have[k]);
        /* A whole record already kept wins over anything: copy it as it is. */
        if (has[k] && lc_ranges_whole(have[k], rr[k].n_ranges, rr[k].size)) {
            p->kind = SRC_COPY;
            p->src = olds[k];
            p->src_i = (size_t)j;
            p->size = rr[k].size;
            p->n_ranges = rr[k].n_ranges;
            memcpy(p->ranges, have[k], p->n_ranges * sizeof(p->ranges[0]));
            return true;
        }
    }
    if (nw != NULL && nw->whole != NULL) {
        /* This scan holds every byte: the union of all that is known, written from them. */
        bool whole, overflow = false;

        new_ranges(nw, p->ranges, &p->n_ranges, &whole);
        for (size_t k = 0; k < n_old && !whole; k++)
            for (uint32_t i = 0; has[k] && rr[k].size == nw->size && i < rr[k].n_ranges; i++)
                overflow |= !lc_ranges_add(p->ranges, &p->n_ranges, LC_MAX_RANGES,
                                           have[k][i].off, have[k][i].len);
        if (overflow) {
            p->n_ranges = nw->size > 0 ? 1 : 0;
            p->ranges[0] = (struct lc_range){0, nw->size};
        }
        p->kind = SRC_NEW;
        p->size = nw->size;
        return true;
    }
    if (!has[0] && !has[1])
        return false;
    if (has[0] && has[1] && rr[0].size == rr[1].size &&
        !lc_ranges_cover(have[0], rr[0].n_ranges, have[1], rr[1].n_ranges)) {
        bool overflow = false;

        p->n_ranges = rr[0].n_ranges;
        memcpy(p->ranges, have[0], p->n_ranges * sizeof(p->ranges[0]));
        for (uint32_t i = 0; i < rr[1].n_ranges; i++)
            overflow |= !lc_ranges_add(p->ranges, &p->n_ranges, LC_MAX_RANGES, have[1][i].off,
                                       have[1][i].len);
        if (!overflow) {
            p->kind = SRC_UNION;
            p->size = rr[0].size;
            return true;
        }
    }
    best = has[0] ? 0 : 1;
    p->kind = SRC_COPY;
    p->src = olds[best];
    p->src_i = (size_t)lc_view_find(&olds[best]->v, ordinal);
    p->size = rr[best].size;
    p->n_ranges = rr[best].n_ranges;
    memcpy(p->ranges, have[best], p->n_ranges * sizeof(p->ranges[0]));
    return true;
}

struct out {
    int fd;
    bool failed;
    EVP_MD_CTX *md;
};

static void
out_write(struct out *o, const void *p, size_t n, uint64_t off)
{
    if (o->failed)
        return;
    if (!write_at(o->fd, p, n, off) || EVP_DigestUpdate(o->md, p, n) != 1)
        o->failed = true;
}

/* Copy n bytes from (fd, off) to (out, to), hashing them into o->md. */
static bool
copy_bytes(struct out *o, int fd, uint64_t off, uint64_t n, uint64_t to)
{
    char buf[64 * 1024];

    while (n > 0 && !o->failed) {
        size_t k = (size_t)KS_MIN(n, (uint64_t)sizeof(buf));

        if (!read_at(fd, buf, k, off))
            return false;
        out_write(o, buf, k, to);
        off += k;
        to += k;
        n -= k;
    }
    return !o->failed;
}

static void
fill_slot(uint8_t *slot, uint32_t ordinal, size_t n_ranges, uint64_t size, uint64_t off,
          uint64_t len, const unsigned char sum[32])
{
    put32(slot, ordinal);
    put32(slot + 4, (uint32_t)n_ranges);
    put64(slot + 8, size);
    put64(slot + 16, off);
    put64(slot + 24, len);
    memcpy(slot + 32, sum, 32);
}

static void
range_head(const struct plan *p, uint8_t *head)
{
    for (size_t i = 0; i < p->n_ranges; i++) {
        put64(head + i * LC_RANGE_SIZE, p->ranges[i].off);
        put64(head + i * LC_RANGE_SIZE + 8, p->ranges[i].len);
    }
}

/*
 * Write a SRC_COPY or SRC_NEW record's blob at data_off + *pos: the table
 * slot is filled and *pos advances when it is kept; a source record that
 * fails its checksum (or cannot be read) is left out.
 */
static enum ks_code
write_rec(struct out *o, const struct plan *p, uint64_t data_off, uint64_t *pos, uint8_t *slot,
          bool *kept, struct ks_err *err)
{
    uint64_t at = data_off + *pos, len;
    unsigned char sum[32];
    unsigned int sl = 0;

    *kept = false;
    if (EVP_DigestInit_ex(o->md, EVP_sha256(), NULL) != 1)
        return ks_err_set(err, KS_ENOMEM, "layer cache: sha256 failed");
    if (p->kind == SRC_COPY) {
        struct lc_rec r;

        lc_view_rec(&p->src->v, p->src_i, &r);
        if (!copy_bytes(o, p->src->fd, p->src->v.data_off + r.blob_off, r.blob_len, at) ||
            EVP_DigestFinal_ex(o->md, sum, &sl) != 1)
            return KS_OK;
        if (memcmp(sum, r.sum, 32) != 0) {
            ks_log(KS_LOG_WARN, LOG_MOD,
                   "layer cache entry '%s': tar entry %u: checksum mismatch, dropped",
                   p->src->path, p->ordinal);
            return KS_OK;
        }
        fill_slot(slot, r.ordinal, r.n_ranges, r.size, *pos, r.blob_len, sum);
        *pos += r.blob_len;
        *kept = true;
        return KS_OK;
    }
    {
        uint8_t head[LC_MAX_RANGES * LC_RANGE_SIZE];

        range_head(p, head);
        out_write(o, head, p->n_ranges * LC_RANGE_SIZE, at);
        at += p->n_ranges * LC_RANGE_SIZE;
        len = p->n_ranges * LC_RANGE_SIZE;
    }
    for (size_t i = 0; i < p->n_ranges; i++) {
        out_write(o, p->new_rec->whole + p->ranges[i].off, (size_t)p->ranges[i].len, at);
        at += p->ranges[i].len;
        len += p->ranges[i].len;
    }
    if (o->failed || EVP_DigestFinal_ex(o->md, sum, &sl) != 1)
        return KS_OK;
    fill_slot(slot, p->ordinal, p->n_ranges, p->size, *pos, len, sum);
    *pos += len;
    *kept = true;
    return KS_OK;
}

/* SRC_UNION: load both old blobs (verified) and write the union of their ranges. */
static enum ks_code
write_union(struct out *o, const struct plan *p, struct lc_entry *const *olds, uint64_t data_off,
            uint64_t *pos, uint8_t *slot, bool *kept, struct ks_err *err)
{
    struct lc_blob *b[2] = {NULL, NULL};
    uint8_t head[LC_MAX_RANGES * LC_RANGE_SIZE];
    uint64_t at = data_off + *pos, len = 0;
    unsigned char sum[32];
    unsigned int sl = 0;
    enum ks_code rc = KS_OK;

    *kept = false;
    for (size_t k = 0; k < 2; k++) {
        struct ks_err e2 = KS_ERR_INIT;
        ptrdiff_t j = lc_view_find(&olds[k]->v, p->ordinal);

        rc = j < 0 ? KS_ENOTFOUND : lc_entry_blob(olds[k], (size_t)j, p->size, &b[k], &e2);
        if (rc == KS_ENOMEM) {
            rc = ks_err_set(err, rc, "%s", e2.msg);
            goto out;
        }
        if (rc != KS_OK) {
            rc = KS_OK;
            goto out; /* a damaged source: the record is left out */
        }
    }
    if (EVP_DigestInit_ex(o->md, EVP_sha256(), NULL) != 1) {
        rc = ks_err_set(err, KS_ENOMEM, "layer cache: sha256 failed");
        goto out;
    }
    for (size_t i = 0; i < p->n_ranges; i++) {
        put64(head + i * LC_RANGE_SIZE, p->ranges[i].off);
        put64(head + i * LC_RANGE_SIZE + 8, p->ranges[i].len);
    }
    out_write(o, head, p->n_ranges * LC_RANGE_SIZE, at);
    at += p->n_ranges * LC_RANGE_SIZE;
    len = p->n_ranges * LC_RANGE_SIZE;
    for (size_t i = 0; i < p->n_ranges; i++) {
        uint64_t off = p->ranges[i].off, end = off + p->ranges[i].len;

        while (off < end) {
            const uint8_t *src = NULL;
            size_t n = lc_blob_at(b[0], off, &src);

            if (n == 0)
                n = lc_blob_at(b[1], off, &src);
            if (n == 0)
                goto out; /* not in either: the plan was wrong; leave the record out */
            n = (size_t)KS_MIN((uint64_t)n, end - off);
            out_write(o, src, n, at);
            at += n;
            off += n;
            len += n;
        }
    }
    if (o->failed || EVP_DigestFinal_ex(o->md, sum, &sl) != 1)
        goto out;
    put32(slot, p->ordinal);
    put32(slot + 4, (uint32_t)p->n_ranges);
    put64(slot + 8, p->size);
    put64(slot + 16, *pos);
    put64(slot + 24, len);
    memcpy(slot + 32, sum, 32);
    *pos += len;
    *kept = true;
out:
    lc_blob_free(b[0]);
    lc_blob_free(b[1]);
    return rc;
}

/* Move [from, from+n) down to `to` inside one file (records were dropped after the table). */
static bool
move_down(int fd, uint64_t from, uint64_t to, uint64_t n)
{
    char buf[64 * 1024];

    while (n > 0) {
        size_t k = (size_t)KS_MIN(n, (uint64_t)sizeof(buf));

        if (!read_at(fd, buf, k, from) || !write_at(fd, buf, k, to))
            return false;
        from += k;
        to += k;
        n -= k;
    }
    return true;
}

enum ks_code
lc_commit(struct lc_cache *c, const char *diff_id, const char *digest, struct lc_writer *w,
          struct lc_entry *loaded, const struct lc_content *recs, size_t n, bool *wrote,
          struct ks_err *err)
{
    uint8_t did[32], head[LC_INDEX_OFF], dig[LC_MAX_DIGESTS][32];
    struct lc_entry *fresh = NULL, *olds[2] = {NULL, NULL}, *disk;
    struct plan *plans = NULL;
    uint32_t *ords = NULL;
    uint8_t *table = NULL;
    struct out o = {-1, false, NULL};
    struct ks_buf final = KS_BUF_INIT(4096);
    char *tmp = NULL;
    size_t n_old = 0, n_ords = 0, n_plans = 0, n_dig = 0, n_kept = 0;
    uint64_t index_len, n_entries, tar_bytes, data_off_plan, data_off, pos = 0;
    bool own_tmp = false;
    int lk = -1;
    enum ks_code rc = KS_OK;

    *wrote = false;
    if (!digest_raw(diff_id, did))
        return KS_OK;
    if (w != NULL && !w->finished)
        w = NULL;
    if (w == NULL && loaded == NULL)
        return KS_OK;
    /* The common case, a replayed layer that learnt nothing: no lock, no write. */
    if (w == NULL && !adds_to(loaded, digest, recs, n))
        return KS_OK;
    if ((lk = lock_take(c)) < 0) {
        ks_log(KS_LOG_DEBUG, LOG_MOD, "cannot lock '%s': %s", c->lock, strerror(errno));
        return KS_OK;
    }
    {
        struct ks_err e2 = KS_ERR_INIT;

        rc = load(c, diff_id, true, &fresh, &e2);
        if (rc == KS_ENOMEM) {
            rc = ks_err_set(err, rc, "%s", e2.msg);
            goto out;
        }
        rc = KS_OK;
    }
    if (w != NULL) {
        index_len = w->index_len;
        n_entries = w->n_entries;
        tar_bytes = w->tar_bytes;
    } else {
        index_len = loaded->v.h.index_len;
        n_entries = loaded->v.h.n_entries;
        tar_bytes = loaded->v.h.tar_bytes;
    }
    /* The same diff id gives the same index: anything else is not ours to merge. */
    if (fresh != NULL &&
        (fresh->v.h.index_len != index_len || fresh->v.h.n_entries != n_entries ||
         fresh->v.h.tar_bytes != tar_bytes)) {
        lc_entry_free(fresh);
        fresh = NULL;
    }
    if (fresh != NULL && loaded != NULL && fresh->dev == loaded->dev && fresh->ino == loaded->ino) {
        lc_entry_free(fresh);
        fresh = NULL;
        disk = loaded;
    } else {
        disk = fresh;
    }
    /* olds[0] is what is on disk now; the entry loaded at the start, if another, next. */
    if (disk != NULL)
        olds[n_old++] = disk;
    if (loaded != NULL && loaded != disk && loaded->v.h.index_len == index_len &&
        loaded->v.h.n_entries == n_entries)
        olds[n_old++] = loaded;
    if (disk != NULL && !adds_to(disk, digest, recs, n))
        goto out; /* another scan stored it meanwhile, or nothing is new */
    /* Digests: this scan's first, then those already known (at most LC_MAX_DIGESTS). */
    if (digest_raw(digest, dig[0]))
        n_dig = 1;
    for (size_t k = 0; k < n_old; k++)
        for (uint32_t i = 0; i < olds[k]->v.h.n_digests && n_dig < LC_MAX_DIGESTS; i++) {
            bool dup = false;

            for (size_t j = 0; j < n_dig && !dup; j++)
                dup = memcmp(dig[j], olds[k]->v.h.digests[i], 32) == 0;
            if (!dup)
                memcpy(dig[n_dig++], olds[k]->v.h.digests[i], 32);
        }
    /* The records: every ordinal a source knows, once. */
    {
        size_t cap = n;

        for (size_t k = 0; k < n_old; k++)
            cap += (size_t)olds[k]->v.h.n_records;
        ords = ks_calloc(cap + 1, sizeof(*ords));
        plans = ks_calloc(cap + 1, sizeof(*plans));
        if (ords == NULL || plans == NULL) {
            rc = ks_err_set(err, KS_ENOMEM, "layer cache: out of memory");
            goto out;
        }
        for (size_t i = 0; i < n; i++)
            ords[n_ords++] = recs[i].ordinal;
        for (size_t k = 0; k < n_old; k++)
            for (size_t i = 0; i < olds[k]->v.h.n_records; i++) {
                struct lc_rec r;

                lc_view_rec(&olds[k]->v, i, &r);
                ords[n_ords++] = r.ordinal;
            }
        qsort(ords, n_ords, sizeof(*ords), u32_cmp);
    }
    for (size_t i = 0, ri = 0; i < n_ords; i++) {
        const struct lc_content *nw = NULL;

        if ((i > 0 && ords[i] == ords[i - 1]) || ords[i] >= n_entries)
            continue;
        while (ri < n && recs[ri].ordinal < ords[i])
            ri++;
        if (ri < n && recs[ri].ordinal == ords[i])
            nw = &recs[ri];
        if (plan_one(&plans[n_plans], ords[i], olds, n_old, nw))
            n_plans++;
    }
    /* Bounded: an entry bigger than the whole cache is not kept. */
    {
        uint64_t est = LC_INDEX_OFF + index_len + (uint64_t)n_plans * LC_REC_SIZE;

        for (size_t i = 0; i < n_plans; i++)
            for (size_t k = 0; k < plans[i].n_ranges; k++)
                est += plans[i].ranges[k].len + LC_RANGE_SIZE;
        if (est > c->max_bytes) {
            ks_log(KS_LOG_DEBUG, LOG_MOD, "%s: %llu bytes, over the cache's %llu: not kept",
                   diff_id, (unsigned long long)est, (unsigned long long)c->max_bytes);
            goto out;
        }
    }
    /* The file: this scan's index file, or a new one with the index copied in. */
    if (w != NULL) {
        o.fd = open(w->tmp, O_RDWR | O_CLOEXEC);
        tmp = w->tmp;
    } else {
        o.fd = temp_file(c, &tmp);
        own_tmp = true;
        if (o.fd == -2) {
            o.fd = -1;
            rc = ks_err_set(err, KS_ENOMEM, "layer cache: out of memory");
            goto out;
        }
    }
    o.md = EVP_MD_CTX_new();
    table = ks_calloc(n_plans + 1, LC_REC_SIZE);
    if (o.md == NULL || table == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "layer cache: out of memory");
        goto out;
    }
    if (o.fd < 0)
        goto io;
    /* The index from memory, where the metadata checksum verified it (not the file again). */
    if (w == NULL) {
        if (EVP_DigestInit_ex(o.md, EVP_sha256(), NULL) != 1)
            goto io;
        out_write(&o, loaded->v.index, (size_t)index_len, LC_INDEX_OFF);
        if (o.failed)
            goto io;
    }
    data_off_plan = LC_INDEX_OFF + index_len + (uint64_t)n_plans * LC_REC_SIZE;
    for (size_t i = 0; i < n_plans; i++) {
        bool kept = false;
        uint8_t *slot = table + n_kept * LC_REC_SIZE;

        if (plans[i].kind == SRC_UNION)
            rc = write_union(&o, &plans[i], olds, data_off_plan, &pos, slot, &kept, err);
        else
            rc = write_rec(&o, &plans[i], data_off_plan, &pos, slot, &kept, err);
        if (rc != KS_OK)
            goto out;
        if (o.failed)
            goto io;
        if (kept)
            n_kept++;
    }
    data_off = LC_INDEX_OFF + index_len + (uint64_t)n_kept * LC_REC_SIZE;
    if (data_off != data_off_plan && !move_down(o.fd, data_off_plan, data_off, pos))
        goto io;
    if (!write_at(o.fd, table, n_kept * LC_REC_SIZE, LC_INDEX_OFF + index_len))
        goto io;
    memset(head, 0, sizeof(head));
    memcpy(head, LC_MAGIC, 8);
    put32(head + 8, LC_VERSION);
    put32(head + 12, (uint32_t)n_dig);
    memcpy(head + 16, did, 32);
    put64(head + 48, tar_bytes);
    put64(head + 56, n_entries);
    put64(head + 64, index_len);
    put64(head + 72, n_kept);
    put64(head + 80, pos);
    for (size_t i = 0; i < n_dig; i++)
        memcpy(head + LC_HEAD + i * 32, dig[i], 32);
    /* The metadata checksum: header, digests, index and table as written. */
    {
        unsigned char sum[32];
        unsigned int sl = 0;

        if (EVP_DigestInit_ex(o.md, EVP_sha256(), NULL) != 1 ||
            EVP_DigestUpdate(o.md, head, SUM_OFF) != 1 ||
            EVP_DigestUpdate(o.md, head + LC_HEAD, LC_INDEX_OFF - LC_HEAD) != 1) {
            rc = ks_err_set(err, KS_ENOMEM, "layer cache: sha256 failed");
            goto out;
        }
        {
            char buf[64 * 1024];
            uint64_t off = LC_INDEX_OFF;

            while (off < data_off) {
                size_t k = (size_t)KS_MIN(data_off - off, (uint64_t)sizeof(buf));

                if (!read_at(o.fd, buf, k, off) || EVP_DigestUpdate(o.md, buf, k) != 1)
                    goto io;
                off += k;
            }
        }
        if (EVP_DigestFinal_ex(o.md, sum, &sl) != 1)
            goto io;
        memcpy(head + SUM_OFF, sum, 32);
    }
    if (!write_at(o.fd, head, sizeof(head), 0) || ftruncate(o.fd, (off_t)(data_off + pos)) != 0)
        goto io;
    if (close(o.fd) != 0) {
        o.fd = -1;
        goto io;
    }
    o.fd = -1;
    ks_buf_appendf(&final, "%s/%s", c->sdir, diff_id + 7);
    if (ks_buf_err(&final) != KS_OK) {
        rc = ks_err_set(err, KS_ENOMEM, "layer cache: out of memory");
        goto out;
    }
    if (rename(tmp, final.data) != 0)
        goto io;
    if (w != NULL) {
        ks_free(w->tmp); /* renamed: nothing left to remove */
        w->tmp = NULL;
        tmp = NULL;
    }
    *wrote = true;
    ks_log(KS_LOG_DEBUG, LOG_MOD, "stored %s: %llu entries, %zu files, %llu bytes", diff_id,
           (unsigned long long)n_entries, n_kept, (unsigned long long)(data_off + pos));
    {
        struct ks_err e2 = KS_ERR_INIT;

        if (evict_locked(c, diff_id + 7, &e2) == KS_ENOMEM)
            rc = ks_err_set(err, KS_ENOMEM, "%s", e2.msg);
    }
    goto out;
io:
    ks_log(KS_LOG_WARN, LOG_MOD, "cannot store %s in '%s': %s", diff_id, c->dir,
           errno ? strerror(errno) : "write failed");
out:
    if (o.fd >= 0)
        close(o.fd);
    if (own_tmp && tmp != NULL) {
        (void)unlink(tmp);
        ks_free(tmp);
    }
    EVP_MD_CTX_free(o.md);
    lc_entry_free(fresh);
    ks_free(ords);
    ks_free(plans);
    ks_free(table);
    ks_buf_release(&final);
    lock_drop(lk);
    return rc;
}
