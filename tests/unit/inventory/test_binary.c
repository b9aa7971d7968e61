/*
 * test_binary.c: the binary extractor on ELF files built here byte by byte:
 * Go build info in the pre-1.18 pointer format (pointers to string headers,
 * resolved through a PT_LOAD segment, module info wrapped in 16-byte
 * sentinels) and in the inline format, a replaced module, a (devel) main
 * module, and truncated or lying headers (no crash, nothing invented).
 * Real Go binaries are compared with `go version -m` in
 * tests/integration/inventory_lang.sh.
 */
#include "test.h"

#include "inventory/inventory.h"

#define VBASE 0x400000u

static void
put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void
put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void
put16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

/*
 * An ELF64 LE file: header, one PT_LOAD mapping the whole file at VBASE,
 * .shstrtab, .go.buildinfo (blob at 0xa0), extra data after the blob, then
 * section headers. Returns the length written into out.
 */
static size_t
make_elf(unsigned char *out, const unsigned char *blob, size_t blob_len,
         const unsigned char *extra, size_t extra_len)
{
    static const char shstr[] = "\0.shstrtab\0.go.buildinfo";
    size_t data_end = 0xa0 + blob_len + extra_len, shoff = (data_end + 7) & ~(size_t)7;

    memset(out, 0, shoff + 3 * 64);
    memcpy(out, "\x7f" "ELF\x02\x01\x01", 7);
    put16(out + 16, 2);
    put16(out + 18, 62);
    put32(out + 20, 1);
    put64(out + 32, 64);    /* e_phoff */
    put64(out + 40, shoff); /* e_shoff */
    put16(out + 52, 64);
    put16(out + 54, 56);
    put16(out + 56, 1);
    put16(out + 58, 64);
    put16(out + 60, 3);
    put16(out + 62, 1);
    /* PT_LOAD: the whole file at VBASE */
    put32(out + 64, 1);
    put32(out + 68, 5);
    put64(out + 72, 0);
    put64(out + 80, VBASE);
    put64(out + 88, VBASE);
    put64(out + 96, shoff + 3 * 64);
    put64(out + 104, shoff + 3 * 64);
    put64(out + 112, 0x1000);
    memcpy(out + 120, shstr, sizeof(shstr));
    memcpy(out + 0xa0, blob, blob_len);
    if (extra_len)
        memcpy(out + 0xa0 + blob_len, extra, extra_len);
    /* section 1: .shstrtab; section 2: .go.buildinfo */
    put32(out + shoff + 64, 1);
    put32(out + shoff + 64 + 4, 3);
    put64(out + shoff + 64 + 24, 120);
    put64(out + shoff + 64 + 32, sizeof(shstr));
    put32(out + shoff + 128, 11);
    put32(out + shoff + 128 + 4, 1);
    put64(out + shoff + 128 + 16, VBASE + 0xa0);
    put64(out + shoff + 128 + 24, 0xa0);
    put64(out + shoff + 128 + 32, blob_len);
    return shoff + 3 * 64;
}

static struct ks_arena *arena;

static struct ks_inventory *
run(const unsigned char *data, size_t len)
{
    struct ks_inventory *inv;
    struct ks_err err = KS_ERR_INIT;

    ks_arena_free(arena);
    arena = ks_arena_new(1 << 16);
    inv = ks_inventory_new(arena);
    CHECK_OK(ks_extract_run("binary", "app/server", data, len, inv, &err));
    CHECK_OK(ks_inventory_finish(inv, &err));
    return inv;
}

static const char *
summary(const struct ks_inventory *inv, char *buf, size_t n)
{
    size_t k = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < inv->n_pkgs && k < n; i++) {
        const char *rep = ks_kvs_get(&inv->pkgs[i]->meta, "replaces");

        k += (size_t)snprintf(buf + k, n - k, "%s@%s%s%s ", inv->pkgs[i]->name,
                              inv->pkgs[i]->version, rep ? "<" : "", rep ? rep : "");
    }
    return buf;
}

static const char modinfo[] = "path\texample.com/cmd/srv\n"
                              "mod\texample.com/srv\tv1.4.0\th1:abc=\n"
                              "dep\tgolang.org/x/net\tv0.0.1\th1:x=\n"
                              "=>\tgithub.com/fork/net\tv0.0.2\th1:y=\n"
                              "dep\tgolang.org/x/text\tv0.3.7\th1:z=\n";

/* Go < 1.18: pointers to string headers, module info between sentinels. */
static void
test_pointer_format(void)
{
    unsigned char elf[8192], blob[32], extra[2048];
    char buf[1024];
    const char *ver = "go1.16.3";
    size_t mlen = 16 + sizeof(modinfo) - 1 + 16, el = 0, len;
    uint64_t hdr_va = VBASE + 0xa0 + 32; /* string headers right after the blob */
    uint64_t ver_va = hdr_va + 32, mod_va = ver_va + strlen(ver);
    struct ks_inventory *inv;

    memcpy(blob, "\xff Go buildinf:", 14);
    blob[14] = 8;
    blob[15] = 0; /* pointer format, little endian */
    put64(blob + 16, hdr_va);
    put64(blob + 24, hdr_va + 16);
    put64(extra + el, ver_va);
    put64(extra + el + 8, strlen(ver));
    put64(extra + el + 16, mod_va);
    put64(extra + el + 24, mlen);
    el += 32;
    memcpy(extra + el, ver, strlen(ver));
    el += strlen(ver);
    memset(extra + el, 0x30, 16);
    memcpy(extra + el + 16, modinfo, sizeof(modinfo) - 1);
    memset(extra + el + 16 + sizeof(modinfo) - 1, 0xf9, 16);
    el += mlen;
    len = make_elf(elf, blob, 32, extra, el);
    inv = run(elf, len);
    CHECK_STR(summary(inv, buf, sizeof(buf)),
              "example.com/srv@v1.4.0 github.com/fork/net@v0.0.2<golang.org/x/net@v0.0.1 "
              "golang.org/x/text@v0.3.7 stdlib@v1.16.3 ");
    CHECK_INT(inv->n_warnings, 0);
    /* every truncation of the file: never a crash, never a made-up package */
    for (size_t cut = 0; cut < len; cut += 7) {
        struct ks_inventory *t = run(elf, cut);

        for (size_t i = 0; i < t->n_pkgs; i++)
            CHECK_MSG(strstr(buf, t->pkgs[i]->name) != NULL, "cut %zu: %s", cut,
                      t->pkgs[i]->name);
    }
}

static size_t
uvarint(unsigned char *p, size_t v)
{
    size_t n = 0;

    while (v >= 0x80) {
        p[n++] = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    p[n++] = (unsigned char)v;
    return n;
}

/* Go >= 1.18: inline varint strings; a (devel) main module is the application. */
static void
test_inline_format(void)
{
    static const char mi[] = "path\texample.com/app\n"
                             "mod\texample.com/app\t(devel)\t\n"
                             "dep\tgithub.com/a/b\tv1.2.3\th1:q=\n"
                             "dep\tgithub.com/c/d\tv0.1.0\n"
                             "=>\t../local/d\t\t\n"
                             "build\t-compiler=gc\n";
    unsigned char elf[8192], blob[1024];
    const char *ver = "go1.21rc2";
    size_t bl = 32, len;
    char buf[1024];
    struct ks_inventory *inv;

    memset(blob, 0, sizeof(blob));
    memcpy(blob, "\xff Go buildinf:", 14);
    blob[14] = 8;
    blob[15] = 2;
    bl += uvarint(blob + bl, strlen(ver));
    memcpy(blob + bl, ver, strlen(ver));
    bl += strlen(ver);
    bl += uvarint(blob + bl, sizeof(mi) - 1);
    memcpy(blob + bl, mi, sizeof(mi) - 1);
    bl += sizeof(mi) - 1;
    len = make_elf(elf, blob, bl, NULL, 0);
    inv = run(elf, len);
    /* the locally replaced module is local code; the toolchain's rc is a prerelease */
    CHECK_STR(summary(inv, buf, sizeof(buf)), "github.com/a/b@v1.2.3 stdlib@v1.21.0-rc.2 ");
    CHECK_INT(inv->n_apps, 1);
    if (inv->n_apps == 1)
        CHECK_STR(inv->apps[0].name, "example.com/app");
    /* a lying length: warned, nothing invented */
    blob[32] = 0x7f;
    len = make_elf(elf, blob, 40, NULL, 0);
    inv = run(elf, len);
    CHECK_INT(inv->n_pkgs, 0);
}

static void
test_not_binaries(void)
{
    static const char script[] = "#!/bin/sh\necho hello\n";
    struct ks_inventory *inv = run((const unsigned char *)script, sizeof(script) - 1);

    CHECK_INT(inv->n_pkgs, 0);
    CHECK_INT(inv->n_warnings, 0);
    inv = run((const unsigned char *)"\x7f" "ELF", 4);
    CHECK_INT(inv->n_pkgs, 0);
}

KS_TEST_MAIN(KS_TEST(test_pointer_format), KS_TEST(test_inline_format),
             KS_TEST(test_not_binaries))
