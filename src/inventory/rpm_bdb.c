/*
 * rpm_bdb.c: the Berkeley DB hash database rpm used up to 4.15 (RHEL 5-8,
 * CentOS, Amazon Linux 2): `Packages`. Layout (libdb's db_page.h): page 0
 * is the hash meta page (magic 0x061561, page size, last page number);
 * hash pages hold an index of item offsets, items alternating key/value;
 * a value is inline (H_KEYDATA) or, for anything as big as a header, an
 * H_OFFPAGE reference to a chain of overflow pages. The file may have been
 * written on a big-endian machine, so the meta page's magic decides the byte
 * order of every page field (header blobs themselves are always big-endian).
 * A corrupt page loses its own records, with a warning naming it.
 */
#include "inventory/inventory_int.h"

#include <string.h>

#include "base/banned.h"

#define BDB_HASH_MAGIC  0x061561u
#define BDB_PAGE_HDR    26
#define P_HASH_UNSORTED 2
#define P_OVERFLOW      7
#define P_HASHMETA      8
#define P_HASH          13
#define H_KEYDATA       1
#define H_OFFPAGE       3
#define H_OFFPAGE_SIZE  12

struct bdb {
    const unsigned char *p;
    size_t len;
    bool swapped; /* big-endian file */
    uint32_t pagesize;
    uint32_t last;
    ks_rpm_warn_fn warn;
    void *ctx;
};

static uint32_t
u32(const struct bdb *d, const unsigned char *q)
{
    if (d->swapped)
        return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
    return (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 | (uint32_t)q[1] << 8 | q[0];
}

static uint16_t
u16(const struct bdb *d, const unsigned char *q)
{
    return d->swapped ? (uint16_t)(q[0] << 8 | q[1]) : (uint16_t)(q[1] << 8 | q[0]);
}

static void
bdb_warn(const struct bdb *d, const char *fmt, ...) KS_PRINTF(2, 3);

static void
bdb_warn(const struct bdb *d, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    if (d->warn == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    d->warn(d->ctx, msg);
}

static const unsigned char *
page(const struct bdb *d, uint32_t n)
{
    size_t off = (size_t)n * d->pagesize;

    if (n > d->last || off > d->len || d->len - off < d->pagesize)
        return NULL;
    return d->p + off;
}

/* Gather an overflow chain of total length tlen starting at pgno into out. */
static enum ks_code
read_overflow(const struct bdb *d, uint32_t pgno, uint32_t tlen, struct ks_buf *out,
              uint32_t from_page)
{
    uint32_t hops = 0;

    ks_buf_reset(out);
    while (pgno != 0 && out->len < tlen) {
        const unsigned char *pg = page(d, pgno);
        uint32_t n;

        if (pg == NULL || pg[25] != P_OVERFLOW) {
            bdb_warn(d, "page %u: overflow chain reaches %s page %u (byte %zu), record skipped",
                     from_page, pg ? "a non-overflow" : "a missing", pgno,
                     (size_t)pgno * d->pagesize);
            return KS_EPARSE;
        }
        if (++hops > d->last + 1) {
            bdb_warn(d, "page %u: overflow chain loops, record skipped", from_page);
            return KS_EPARSE;
        }
        n = u16(d, pg + 22); /* OV_LEN: bytes of data on this page */
        if (n > d->pagesize - BDB_PAGE_HDR || n > tlen - out->len) {
            bdb_warn(d, "page %u: overflow page %u holds %u bytes, more than it can, record "
                        "skipped",
                     from_page, pgno, n);
            return KS_EPARSE;
        }
        ks_buf_append(out, pg + BDB_PAGE_HDR, n);
        if (ks_buf_err(out) != KS_OK)
            return ks_buf_err(out);
        pgno = u32(d, pg + 16); /* next page */
    }
    if (out->len != tlen) {
        bdb_warn(d, "page %u: overflow chain ends after %zu of %u bytes, record skipped",
                 from_page, out->len, tlen);
        return KS_EPARSE;
    }
    return KS_OK;
}

enum ks_code
ks_rpm_bdb_each(const void *db, size_t len, ks_rpm_blob_fn fn, ks_rpm_warn_fn warn, void *ctx,
                struct ks_err *err)
{
    struct bdb d = {db, len, false, 0, 0, warn, ctx};
    struct ks_buf val = KS_BUF_INIT((size_t)256 << 20);
    enum ks_code rc = KS_OK;
    uint32_t magic;

    if (len < 512)
        return ks_err_set(err, KS_EPARSE, "not a Berkeley DB file: %zu bytes", len);
    magic = u32(&d, d.p + 12);
    if (magic != BDB_HASH_MAGIC) {
        d.swapped = true;
        magic = u32(&d, d.p + 12);
        if (magic != BDB_HASH_MAGIC)
            return ks_err_set(err, KS_EPARSE, "not a Berkeley DB hash file (magic 0x%08x)",
                              u32(&(struct bdb){.swapped = false}, d.p + 12));
    }
    d.pagesize = u32(&d, d.p + 20);
    d.last = u32(&d, d.p + 32);
    if (d.p[25] != P_HASHMETA)
        return ks_err_set(err, KS_EPARSE, "Berkeley DB: page 0 is not a hash meta page (type %u)",
                          d.p[25]);
    if (d.p[24] != 0)
        return ks_err_set(err, KS_EUNSUPPORTED, "Berkeley DB: encrypted databases are not read");
    if (d.pagesize < 512 || d.pagesize > 65536 || (d.pagesize & (d.pagesize - 1)) != 0)
        return ks_err_set(err, KS_EPARSE, "Berkeley DB: page size %u is not a power of two in "
                          "512..65536", d.pagesize);
    if ((uint64_t)d.last * d.pagesize >= len) {
        bdb_warn(&d, "the meta page says %u pages of %u bytes but the file has %zu bytes; "
                     "reading what is there",
                 d.last + 1, d.pagesize, len);
        d.last = (uint32_t)(len / d.pagesize) - 1;
    }
    for (uint32_t pn = 1; pn <= d.last; pn++) {
        const unsigned char *pg = page(&d, pn);
        uint16_t entries;
        bool bad = false;

        if (pg == NULL)
            break;
        if (pg[25] != P_HASH && pg[25] != P_HASH_UNSORTED)
            continue; /* overflow, free or bitmap pages: reached through hash pages */
        entries = u16(&d, pg + 20);
        if (entries % 2 != 0 || BDB_PAGE_HDR + (size_t)entries * 2 > d.pagesize) {
            bdb_warn(&d, "page %u (byte %zu): %u index entries, page skipped", pn,
                     (size_t)pn * d.pagesize, entries);
            continue;
        }
        for (uint16_t i = 0; i + 1 < entries && !bad; i += 2) {
            uint32_t koff = u16(&d, pg + BDB_PAGE_HDR + 2 * (size_t)i);
            uint32_t voff = u16(&d, pg + BDB_PAGE_HDR + 2 * (size_t)(i + 1));
            /* Items are packed from the end of the page down: an item ends */
            /* where the previous index entry's item starts.               */
            uint32_t kend = i == 0 ? d.pagesize : u16(&d, pg + BDB_PAGE_HDR + 2 * (size_t)(i - 1));
            uint32_t vend = koff;
            char where[64];

            if (koff >= d.pagesize || voff >= d.pagesize || koff < BDB_PAGE_HDR ||
                voff < BDB_PAGE_HDR || kend > d.pagesize || vend <= voff || kend <= koff) {
                bdb_warn(&d, "page %u (byte %zu): item %u has a bad offset, rest of page skipped",
                         pn, (size_t)pn * d.pagesize, i);
                bad = true;
                break;
            }
            /* The record with key 0 holds rpm's next header number, not a header. */
            if (pg[koff] == H_KEYDATA && kend - koff == 5 && u32(&d, pg + koff + 1) == 0)
                continue;
            snprintf(where, sizeof(where), "page %u item %u", pn, i / 2);
            if (pg[voff] == H_OFFPAGE) {
                uint32_t pgno, tlen;

                if (voff + H_OFFPAGE_SIZE > d.pagesize) {
                    bdb_warn(&d, "page %u: item %u runs off the page, skipped", pn, i + 1);
                    continue;
                }
                pgno = u32(&d, pg + voff + 4);
                tlen = u32(&d, pg + voff + 8);
                rc = read_overflow(&d, pgno, tlen, &val, pn);
                if (rc == KS_ENOMEM)
                    goto oom;
                if (rc != KS_OK) {
                    rc = KS_OK;
                    continue;
                }
                rc = fn(ctx, val.data, val.len, where);
            } else if (pg[voff] == H_KEYDATA) {
                rc = fn(ctx, pg + voff + 1, (size_t)(vend - voff - 1), where);
            } else {
                bdb_warn(&d, "page %u: item %u has type %u, skipped", pn, i + 1, pg[voff]);
                continue;
            }
            if (rc == KS_ENOMEM)
                goto oom;
            rc = KS_OK;
        }
    }
    ks_buf_release(&val);
    return KS_OK;
oom:
    ks_buf_release(&val);
    return ks_err_set(err, KS_ENOMEM, "Berkeley DB: out of memory");
}
