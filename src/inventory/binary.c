/*
 * binary.c: packages compiled into executables. Go binaries carry their
 * build info (what `go version -m` prints) in the .go.buildinfo section:
 * the "\xff Go buildinf:" magic, then either (Go >= 1.18) the toolchain
 * version and module info inline as varint-prefixed strings, or (older)
 * pointers to Go string headers, resolved through the ELF program headers.
 * The main module, every dependency (with its replacement, `=>`) and the
 * toolchain as package `stdlib` are reported, so a scratch image holding one
 * static binary is still inventoried. Rust binaries built with
 * cargo-auditable carry a zlib-compressed JSON dependency list in the
 * .dep-v0 section. ELF is read through section headers with seeks, so a
 * large binary costs a few small reads; Mach-O and PE files are scanned for
 * the inline buildinfo magic (Go >= 1.18 only).
 */
#include "inventory/lang_int.h"

#include <string.h>
#include <zlib.h>

#include "base/banned.h"

#define BIN_MAX_SECTIONS   4096
#define BIN_MAX_BUILDINFO  (16u << 20) /* module info of huge binaries stays far below */
#define BIN_MAX_DEPV0      (1u << 20)  /* compressed .dep-v0 */
#define BIN_MAX_DEPV0_JSON (32u << 20) /* inflated */
#define BIN_SCAN_LIMIT     ((uint64_t)256 << 20) /* Mach-O/PE magic scan */
#define BIN_MAX_WHOLE      ((size_t)512 << 20)  /* a non-seekable binary read whole */

static const char go_magic[] = "\xff Go buildinf:"; /* 14 bytes */

struct elf {
    struct ks_fs_file *f;
    bool is64, be;
    uint64_t shoff, phoff;
    uint32_t shnum, shentsize, phnum, phentsize, shstrndx;
    uint64_t size;
};

static uint64_t
rd(const unsigned char *p, size_t n, bool be)
{
    uint64_t v = 0;

    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)p[be ? i : n - 1 - i] << (8 * (n - 1 - i));
    return v;
}

/* Read exactly n bytes at off (false on a short read or error). */
static bool
read_at(struct ks_fs_file *f, uint64_t off, void *buf, size_t n)
{
    struct ks_err e = KS_ERR_INIT;
    size_t done = 0;

    if (ks_fs_file_seek(f, off, &e) != KS_OK)
        return false;
    while (done < n) {
        size_t got = 0;

        if (ks_fs_file_read(f, (char *)buf + done, n - done, &got, &e) != KS_OK || got == 0)
            return false;
        done += got;
    }
    return true;
}

static bool
elf_open(struct elf *e, struct ks_fs_file *f, const unsigned char *h, size_t hlen)
{
    memset(e, 0, sizeof(*e));
    e->f = f;
    e->size = ks_fs_file_size(f);
    if (hlen < 64 || memcmp(h, "\x7f" "ELF", 4) != 0 || (h[4] != 1 && h[4] != 2) ||
        (h[5] != 1 && h[5] != 2))
        return false;
    e->is64 = h[4] == 2;
    e->be = h[5] == 2;
    if (e->is64) {
        e->phoff = rd(h + 32, 8, e->be);
        e->shoff = rd(h + 40, 8, e->be);
        e->phentsize = (uint32_t)rd(h + 54, 2, e->be);
        e->phnum = (uint32_t)rd(h + 56, 2, e->be);
        e->shentsize = (uint32_t)rd(h + 58, 2, e->be);
        e->shnum = (uint32_t)rd(h + 60, 2, e->be);
        e->shstrndx = (uint32_t)rd(h + 62, 2, e->be);
    } else {
        e->phoff = rd(h + 28, 4, e->be);
        e->shoff = rd(h + 32, 4, e->be);
        e->phentsize = (uint32_t)rd(h + 42, 2, e->be);
        e->phnum = (uint32_t)rd(h + 44, 2, e->be);
        e->shentsize = (uint32_t)rd(h + 46, 2, e->be);
        e->shnum = (uint32_t)rd(h + 48, 2, e->be);
        e->shstrndx = (uint32_t)rd(h + 50, 2, e->be);
    }
    return true;
}

struct shdr {
    uint32_t name;
    uint64_t addr, off, size;
};

static bool
elf_shdr(struct elf *e, uint32_t i, struct shdr *s)
{
    unsigned char b[64];
    size_t n = e->is64 ? 64 : 40;

    if (i >= e->shnum || e->shentsize < n || !read_at(e->f, e->shoff + (uint64_t)i * e->shentsize,
                                                      b, n))
        return false;
    s->name = (uint32_t)rd(b, 4, e->be);
    if (e->is64) {
        s->addr = rd(b + 16, 8, e->be);
        s->off = rd(b + 24, 8, e->be);
        s->size = rd(b + 32, 8, e->be);
    } else {
        s->addr = rd(b + 12, 4, e->be);
        s->off = rd(b + 16, 4, e->be);
        s->size = rd(b + 20, 4, e->be);
    }
    return true;
}

/* Find the sections named .go.buildinfo and .dep-v0. */
static void
elf_find(struct elf *e, struct shdr *go, bool *has_go, struct shdr *dep, bool *has_dep)
{
    struct shdr strs;
    char *names = NULL;

    *has_go = *has_dep = false;
    if (e->shnum == 0 || e->shnum > BIN_MAX_SECTIONS || !elf_shdr(e, e->shstrndx, &strs) ||
        strs.size == 0 || strs.size > (1u << 20))
        return;
    names = ks_malloc((size_t)strs.size + 1);
    if (names == NULL || !read_at(e->f, strs.off, names, (size_t)strs.size)) {
        ks_free(names);
        return;
    }
    names[strs.size] = '\0';
    for (uint32_t i = 0; i < e->shnum; i++) {
        struct shdr s;

        if (!elf_shdr(e, i, &s) || s.name >= strs.size)
            continue;
        if (strcmp(names + s.name, ".go.buildinfo") == 0) {
            *go = s;
            *has_go = true;
        } else if (strcmp(names + s.name, ".dep-v0") == 0) {
            *dep = s;
            *has_dep = true;
        }
    }
    ks_free(names);
}

/* Virtual address to file offset through the PT_LOAD program headers. */
static bool
elf_vaddr(struct elf *e, uint64_t va, uint64_t *off)
{
    for (uint32_t i = 0; i < e->phnum && i < BIN_MAX_SECTIONS; i++) {
        unsigned char b[56];
        size_t n = e->is64 ? 56 : 32;
        uint64_t type, poff, pva, filesz;

        if (e->phentsize < n || !read_at(e->f, e->phoff + (uint64_t)i * e->phentsize, b, n))
            return false;
        type = rd(b, 4, e->be);
        if (type != 1) /* PT_LOAD */
            continue;
        if (e->is64) {
            poff = rd(b + 8, 8, e->be);
            pva = rd(b + 16, 8, e->be);
            filesz = rd(b + 32, 8, e->be);
        } else {
            poff = rd(b + 4, 4, e->be);
            pva = rd(b + 8, 4, e->be);
            filesz = rd(b + 16, 4, e->be);
        }
        if (va >= pva && va - pva < filesz) {
            *off = poff + (va - pva);
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------------------ */
/* Go build info.                                                           */

static bool
uvarint(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
    *v = 0;
    for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
        unsigned char b = *(*p)++;

        *v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            return true;
    }
    return false;
}

/* Pre-1.18 format: a pointer to a Go string header {data, len}. */
static bool
read_gostring(struct elf *e, uint64_t hdr_va, unsigned ptr, struct ks_buf *out)
{
    unsigned char h[16];
    uint64_t off, data_va, len;

    if (ptr != 4 && ptr != 8)
        return false;
    if (!elf_vaddr(e, hdr_va, &off) || !read_at(e->f, off, h, 2 * ptr))
        return false;
    data_va = rd(h, ptr, e->be);
    len = rd(h + ptr, ptr, e->be);
    if (len > BIN_MAX_BUILDINFO || !elf_vaddr(e, data_va, &off))
        return false;
    ks_buf_reset(out);
    if (len == 0)
        return true;
    if (ks_buf_reserve(out, (size_t)len) == NULL || !read_at(e->f, off, out->data, (size_t)len))
        return false;
    out->len = (size_t)len;
    out->data[len] = '\0';
    return true;
}

/* "go1.21.1" -> "v1.21.1", "go1.20" -> "v1.20.0", "go1.21rc2" -> "v1.21.0-rc.2"; false if not. */
static bool
go_semver(struct ks_str v, struct ks_buf *out)
{
    unsigned long nums[3] = {0, 0, 0};
    size_t i = 2, k = 0;
    struct ks_str pre = KS_STR_NULL;

    if (!ks_str_has_prefix(v, "go"))
        return false;
    while (k < 3 && i < v.len && v.ptr[i] >= '0' && v.ptr[i] <= '9') {
        size_t start = i;

        while (i < v.len && v.ptr[i] >= '0' && v.ptr[i] <= '9' && i - start < 9)
            nums[k] = nums[k] * 10 + (unsigned long)(v.ptr[i++] - '0');
        k++;
        if (i < v.len && v.ptr[i] == '.')
            i++;
        else
            break;
    }
    if (k < 2)
        return false;
    if (i < v.len) {
        pre = ks_str_sub(v, i, v.len - i);
        if (!(ks_str_has_prefix(pre, "rc") || ks_str_has_prefix(pre, "beta")))
            return false;
    }
    ks_buf_appendf(out, "v%lu.%lu.%lu", nums[0], nums[1], nums[2]);
    if (pre.len > 0) {
        size_t j = 0;

        while (j < pre.len && !(pre.ptr[j] >= '0' && pre.ptr[j] <= '9'))
            j++;
        ks_buf_appendf(out, "-%.*s.%.*s", (int)j, pre.ptr, (int)(pre.len - j), pre.ptr + j);
    }
    return ks_buf_err(out) == KS_OK;
}

/* A dep line waits for a possible "=>" line replacing it. */
struct pending {
    struct ks_str path, version;
    bool main, set;
};

static enum ks_code
flush_dep(struct ks_extract_ctx *ctx, struct pending *pd, struct ks_err *err)
{
    struct ks_pkg *p = NULL;
    enum ks_code rc;

    if (!pd->set)
        return KS_OK;
    pd->set = false;
    if ((rc = lang_add(ctx, KS_ECO_GO, pd->path, pd->version, 0, "modinfo", &p, err)) != KS_OK)
        return rc;
    if (p != NULL && pd->main &&
        ks_pkg_set_meta(ks_extract_inventory(ctx), p, "main-module", "true") != KS_OK)
        return lang_oom(ctx, err);
    return KS_OK;
}

static bool
module_version(struct ks_str v)
{
    return lang_version_ok(v) && v.ptr[0] != '(';
}

static enum ks_code
go_modinfo(struct ks_extract_ctx *ctx, const char *path, struct ks_str version,
           struct ks_str mod, struct ks_err *err)
{
    struct ks_cur c;
    struct ks_str line;
    struct pending pd = {KS_STR_NULL, KS_STR_NULL, false, false};
    struct ks_buf sv = KS_BUF_INIT(256);
    struct ks_arena *a = ks_extract_arena(ctx);
    enum ks_code rc;

    /* old binaries wrap modinfo in 16-byte sentinels */
    if (mod.len >= 33 && mod.ptr[mod.len - 17] == '\n')
        mod = ks_str_sub(mod, 16, mod.len - 32);
    c = ks_cur_make(mod.ptr, mod.len);
    while (ks_cur_line(&c, 1 << 20, &line) == KS_OK) {
        struct ks_str f[4];
        size_t n = 0;
        struct ks_str rest = line;

        while (n < 4 && rest.len > 0) {
            if (!ks_str_split2(rest, '\t', &f[n], &rest)) {
                f[n] = rest;
                rest = KS_STR_NULL;
            }
            n++;
        }
        if (n >= 3 && (ks_str_eq_c(f[0], "mod") || ks_str_eq_c(f[0], "dep"))) {
            bool main = ks_str_eq_c(f[0], "mod");

            if ((rc = flush_dep(ctx, &pd, err)) != KS_OK)
                goto out;
            if (main && !module_version(f[2])) {
                /* "(devel)": the main module built from a checkout is the application */
                if ((rc = lang_app(ctx, KS_ECO_GO, "go-binary", f[1], KS_STR_NULL, err)) != KS_OK)
                    goto out;
                continue;
            }
            pd = (struct pending){f[1], f[2], main, true};
        } else if (n >= 2 && ks_str_eq_c(f[0], "=>") && pd.set) {
            /* the previous module was replaced: report what was really built in */
            struct ks_pkg *q = NULL;
            char *from = ks_arena_sprintf(a, "%.*s@%.*s", (int)pd.path.len, pd.path.ptr,
                                          (int)pd.version.len, pd.version.ptr);

            pd.set = false;
            if (from == NULL)
                goto oom;
            if (n < 3 || !module_version(f[2]))
                continue; /* replaced by a local directory: local code */
            if ((rc = lang_add(ctx, KS_ECO_GO, f[1], f[2], 0, "modinfo", &q, err)) != KS_OK)
                goto out;
            if (q != NULL && ks_pkg_set_meta(ks_extract_inventory(ctx), q, "replaces", from))
                goto oom;
        }
    }
    if ((rc = flush_dep(ctx, &pd, err)) != KS_OK)
        goto out;
    /* the toolchain, as OSV's Go ecosystem names it */
    version = ks_str_trim(version);
    if (version.len > 0) {
        ptrdiff_t sp = ks_str_find_char(version, ' ');
        struct ks_str v = sp >= 0 ? ks_str_sub(version, 0, (size_t)sp) : version;

        if (go_semver(v, &sv))
            rc = lang_add(ctx, KS_ECO_GO, KS_STR("stdlib"), ks_buf_str(&sv), 0, "toolchain", NULL,
                          err);
        else
            rc = lang_add_unresolved(ctx, KS_ECO_GO, KS_STR("stdlib"), version, 0, NULL, err);
        if (rc != KS_OK)
            goto out;
    }
    (void)path;
    rc = KS_OK;
    goto out;
oom:
    rc = lang_oom(ctx, err);
out:
    ks_buf_release(&sv);
    return rc;
}

/* Parse a buildinfo blob that starts with the magic; pre-1.18 needs the ELF for pointers. */
static enum ks_code
go_buildinfo(struct ks_extract_ctx *ctx, const char *path, struct elf *e, const unsigned char *b,
             size_t n, struct ks_err *err)
{
    struct ks_buf ver = KS_BUF_INIT(BIN_MAX_BUILDINFO), mod = KS_BUF_INIT(BIN_MAX_BUILDINFO);
    enum ks_code rc = KS_OK;
    unsigned ptr;
    unsigned flags;

    if (n < 32 || memcmp(b, go_magic, 14) != 0)
        return KS_OK;
    ptr = b[14];
    flags = b[15];
    if (flags & 2) {
        const unsigned char *p = b + 32, *end = b + n;
        uint64_t l1, l2;

        if (!uvarint(&p, end, &l1) || l1 > (uint64_t)(end - p))
            goto bad;
        ks_buf_append(&ver, p, (size_t)l1);
        p += l1;
        if (!uvarint(&p, end, &l2) || l2 > (uint64_t)(end - p))
            goto bad;
        ks_buf_append(&mod, p, (size_t)l2);
    } else {
        struct elf e2;

        if (e == NULL)
            goto bad;
        e2 = *e;
        e2.be = (flags & 1) != 0;
        if (!read_gostring(&e2, rd(b + 16, ptr, e2.be), ptr, &ver) ||
            !read_gostring(&e2, rd(b + 16 + ptr, ptr, e2.be), ptr, &mod))
            goto bad;
    }
    if (ks_buf_err(&ver) != KS_OK || ks_buf_err(&mod) != KS_OK)
        goto bad;
    rc = go_modinfo(ctx, path, ks_buf_str(&ver), ks_buf_str(&mod), err);
    goto out;
bad:
    ks_extract_warn(ctx, "%s: unreadable Go build info", path);
out:
    ks_buf_release(&ver);
    ks_buf_release(&mod);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* cargo-auditable                                                          */

static enum ks_code
rust_audit(struct ks_extract_ctx *ctx, const char *path, const unsigned char *z, size_t zlen,
           struct ks_err *err)
{
    z_stream s;
    struct ks_buf json = KS_BUF_INIT(BIN_MAX_DEPV0_JSON);
    unsigned char out[65536];
    json_t *doc = NULL, *pkgs, *p;
    struct ks_err e2 = KS_ERR_INIT;
    enum ks_code rc = KS_OK;
    int zr = Z_OK;
    size_t i;

    memset(&s, 0, sizeof(s));
    if (inflateInit(&s) != Z_OK)
        return lang_oom(ctx, err);
    s.next_in = (Bytef *)z;
    s.avail_in = (uInt)zlen;
    while (zr != Z_STREAM_END) {
        s.next_out = out;
        s.avail_out = sizeof(out);
        zr = inflate(&s, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END) {
            ks_extract_warn(ctx, "%s: .dep-v0 is not valid zlib data", path);
            goto out;
        }
        ks_buf_append(&json, out, sizeof(out) - s.avail_out);
        if (ks_buf_err(&json) != KS_OK) {
            ks_extract_warn(ctx, "%s: .dep-v0 inflates past %u bytes, skipped", path,
                            BIN_MAX_DEPV0_JSON);
            goto out;
        }
        if (zr == Z_OK && s.avail_in == 0 && s.avail_out != 0)
            break; /* truncated stream: parse what we have, JSON will say */
    }
    if ((rc = ks_json_parse(json.data, json.len, path, &doc, &e2)) != KS_OK) {
        rc = rc == KS_ENOMEM ? ks_err_set(err, rc, "%s", e2.msg) : KS_OK;
        if (rc == KS_OK)
            ks_extract_warn(ctx, "%s: .dep-v0: %s", path, e2.msg);
        goto out;
    }
    pkgs = ks_json_arr(doc, "packages");
    json_array_foreach(pkgs, i, p)
    {
        struct ks_str src = lang_jstr(p, "source");
        struct ks_pkg *q = NULL;

        if (ks_json_bool(p, "root", false) || ks_str_eq_c(src, "local")) {
            if (ks_json_bool(p, "root", false) &&
                (rc = lang_app(ctx, KS_ECO_CRATES, "rust-binary", lang_jstr(p, "name"),
                               lang_jstr(p, "version"), err)) != KS_OK)
                goto out;
            continue;
        }
        if ((rc = lang_add(ctx, KS_ECO_CRATES, lang_jstr(p, "name"), lang_jstr(p, "version"), 0,
                           ".dep-v0", &q, err)) != KS_OK)
            goto out;
        if (q != NULL && ks_str_eq_c(lang_jstr(p, "kind"), "build") &&
            ks_pkg_set_meta(ks_extract_inventory(ctx), q, "kind", "build") != KS_OK) {
            rc = lang_oom(ctx, err);
            goto out;
        }
    }
    rc = KS_OK;
out:
    inflateEnd(&s);
    json_decref(doc);
    ks_buf_release(&json);
    return rc;
}

/* ------------------------------------------------------------------------ */

static enum ks_code
read_section(struct elf *e, const struct shdr *s, size_t max, struct ks_buf *out)
{
    if (s->size > max || s->off > e->size)
        return KS_ETOOBIG;
    if (ks_buf_reserve(out, (size_t)s->size) == NULL)
        return KS_ENOMEM;
    if (!read_at(e->f, s->off, out->data, (size_t)s->size))
        return KS_EIO;
    out->len = (size_t)s->size;
    return KS_OK;
}

/* Mach-O / PE: look for the inline buildinfo magic on 16-byte boundaries. */
static enum ks_code
scan_magic(struct ks_extract_ctx *ctx, const char *path, struct ks_fs_file *f, struct ks_err *err)
{
    unsigned char *buf = ks_malloc(1 << 20);
    uint64_t off = 0;
    size_t have = 0;
    enum ks_code rc = KS_OK;
    struct ks_err e2 = KS_ERR_INIT;

    if (buf == NULL)
        return lang_oom(ctx, err);
    if (ks_fs_file_seek(f, 0, &e2) != KS_OK)
        goto out;
    while (off < BIN_SCAN_LIMIT) {
        size_t got = 0;

        if (ks_fs_file_read(f, buf + have, (1 << 20) - have, &got, &e2) != KS_OK || got == 0)
            break;
        have += got;
        for (size_t i = 0; i + 32 <= have; i += 16) {
            if (memcmp(buf + i, go_magic, 14) == 0 && (buf[i + 15] & 2)) {
                /* read a generous window after the magic and parse it */
                struct ks_buf w = KS_BUF_INIT(BIN_MAX_BUILDINFO);

                ks_buf_append(&w, buf + i, have - i);
                while (w.len < (1u << 20) && ks_buf_err(&w) == KS_OK) {
                    char tmp[65536];

                    if (ks_fs_file_read(f, tmp, sizeof(tmp), &got, &e2) != KS_OK || got == 0)
                        break;
                    ks_buf_append(&w, tmp, got);
                }
                if (ks_buf_err(&w) == KS_OK)
                    rc = go_buildinfo(ctx, path, NULL, (const unsigned char *)w.data, w.len, err);
                ks_buf_release(&w);
                goto out;
            }
        }
        /* keep the tail that could hold a magic split across reads (16-aligned) */
        {
            size_t keep = have >= 32 ? 32 : have, start = have - keep;

            start &= ~(size_t)15;
            memmove(buf, buf + start, have - start);
            off += start;
            have -= start;
        }
    }
out:
    ks_free(buf);
    return rc;
}

LANG_EXTRACTOR(binary)
{
    struct ks_fs_file *f = NULL;
    struct ks_err e2 = KS_ERR_INIT;
    unsigned char h[64];
    size_t hlen = 0;
    enum ks_code rc = KS_OK;
    struct elf e;
    struct ks_buf whole = KS_BUF_INIT(BIN_MAX_WHOLE);

    if (in->size < 64 && in->data.ptr == NULL && ks_extract_fs(ctx) != NULL)
        return KS_OK;
    if ((rc = ks_extract_open(ctx, in->path, &f, &e2)) != KS_OK) {
        if (rc == KS_ENOMEM)
            return ks_err_set(err, rc, "%s", e2.msg);
        return KS_OK; /* vanished or unreadable: not worth a warning per executable */
    }
    while (hlen < sizeof(h)) {
        size_t got = 0;

        if (ks_fs_file_read(f, h + hlen, sizeof(h) - hlen, &got, &e2) != KS_OK || got == 0)
            break;
        hlen += got;
    }
    if (!(hlen >= 4 && (memcmp(h, "\x7f" "ELF", 4) == 0 || memcmp(h, "MZ", 2) == 0 ||
                        memcmp(h, "\xcf\xfa\xed\xfe", 4) == 0 ||
                        memcmp(h, "\xce\xfa\xed\xfe", 4) == 0 ||
                        memcmp(h, "\xca\xfe\xba\xbe", 4) == 0)))
        goto out; /* scripts and data: nothing compiled in */
    /* A stream that cannot seek back (an uncached archive entry): read it whole. */
    if (ks_fs_file_seek(f, 0, &e2) != KS_OK) {
        ks_fs_file_close(f);
        f = NULL;
        rc = ks_extract_read(ctx, in->path, BIN_MAX_WHOLE, &whole, &e2);
        if (rc == KS_ENOMEM) {
            rc = ks_err_set(err, rc, "%s", e2.msg);
            goto out;
        }
        if (rc != KS_OK) {
            ks_extract_warn(ctx, "%s: %s", in->path, e2.msg);
            rc = KS_OK;
            goto out;
        }
        if ((f = ks_fs_file_mem(whole.data, whole.len, in->path)) == NULL) {
            rc = lang_oom(ctx, err);
            goto out;
        }
    }
    if (elf_open(&e, f, h, hlen)) {
        struct shdr go, dep;
        bool has_go, has_dep;

        elf_find(&e, &go, &has_go, &dep, &has_dep);
        if (has_go) {
            struct ks_buf b = KS_BUF_INIT(BIN_MAX_BUILDINFO);
            /* the header and inline strings sit at the section's start */
            struct shdr head = go;

            if (head.size > BIN_MAX_BUILDINFO)
                head.size = BIN_MAX_BUILDINFO;
            rc = read_section(&e, &head, BIN_MAX_BUILDINFO, &b);
            if (rc == KS_OK)
                rc = go_buildinfo(ctx, in->path, &e, (const unsigned char *)b.data, b.len, err);
            else if (rc == KS_ENOMEM)
                rc = lang_oom(ctx, err);
            else {
                ks_extract_warn(ctx, "%s: cannot read .go.buildinfo", in->path);
                rc = KS_OK;
            }
            ks_buf_release(&b);
        }
        if (rc == KS_OK && has_dep) {
            struct ks_buf b = KS_BUF_INIT(BIN_MAX_DEPV0);

            rc = read_section(&e, &dep, BIN_MAX_DEPV0, &b);
            if (rc == KS_OK)
                rc = rust_audit(ctx, in->path, (const unsigned char *)b.data, b.len, err);
            else if (rc == KS_ENOMEM)
                rc = lang_oom(ctx, err);
            else {
                ks_extract_warn(ctx, "%s: cannot read .dep-v0", in->path);
                rc = KS_OK;
            }
            ks_buf_release(&b);
        }
    } else if (hlen >= 4 && (memcmp(h, "MZ", 2) == 0 || memcmp(h, "\xcf\xfa\xed\xfe", 4) == 0 ||
                             memcmp(h, "\xce\xfa\xed\xfe", 4) == 0 ||
                             memcmp(h, "\xca\xfe\xba\xbe", 4) == 0)) {
        rc = scan_magic(ctx, in->path, f, err);
    }
out:
    ks_fs_file_close(f);
    ks_buf_release(&whole);
    return rc;
}
