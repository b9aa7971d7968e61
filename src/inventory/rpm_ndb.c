/*
 * rpm_ndb.c: rpm's own "ndb" database (rpm >= 4.16 on SUSE and openSUSE):
 * `Packages.db`. Layout (rpm's lib/backend/ndb/rpmpkg.c): a 32-byte header
 * ("RpmP", version 0, generation, number of 4 KiB slot pages), then the slot
 * pages: 16-byte slots ("Slot", package index, block offset, block count;
 * index 0 = free), the first two slots being the header itself. A package's
 * blob starts at block offset * 16 with a 16-byte blob header ("BlbS",
 * package index, adler32 checksum, length) followed by the header blob.
 * Debian's librpm cannot read this format at all (it silently returns
 * nothing), which is one reason Kensa reads rpmdbs itself.
 */
#include "inventory/inventory_int.h"

#include <string.h>

#include "base/banned.h"

#define NDB_HEADER_MAGIC  0x506d7052u /* "RpmP" little-endian */
#define NDB_SLOT_MAGIC    0x746f6c53u /* "Slot" */
#define NDB_BLOB_MAGIC    0x53626c42u /* "BlbS" */
#define NDB_SLOT_PAGE     4096u
#define NDB_SLOT_SIZE     16u
#define NDB_BLK_SIZE      16u
#define NDB_MAX_SLOTPAGES 2048u /* 512 K packages: far beyond any real system */

static uint32_t
le32(const unsigned char *q)
{
    return (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 | (uint32_t)q[1] << 8 | q[0];
}

static void
ndb_warn(ks_rpm_warn_fn warn, void *ctx, const char *fmt, ...) KS_PRINTF(3, 4);

static void
ndb_warn(ks_rpm_warn_fn warn, void *ctx, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    if (warn == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    warn(ctx, msg);
}

enum ks_code
ks_rpm_ndb_each(const void *db, size_t len, ks_rpm_blob_fn fn, ks_rpm_warn_fn warn, void *ctx,
                struct ks_err *err)
{
    const unsigned char *p = db;
    uint32_t npages;
    size_t slots_end;

    if (len < 32 || le32(p) != NDB_HEADER_MAGIC)
        return ks_err_set(err, KS_EPARSE, "not an rpm ndb database (no 'RpmP' header)");
    if (le32(p + 4) != 0)
        return ks_err_set(err, KS_EUNSUPPORTED, "rpm ndb database version %u is not supported",
                          le32(p + 4));
    npages = le32(p + 12);
    if (npages == 0 || npages > NDB_MAX_SLOTPAGES)
        return ks_err_set(err, KS_EPARSE, "rpm ndb: %u slot pages (1..%u allowed)", npages,
                          NDB_MAX_SLOTPAGES);
    slots_end = (size_t)npages * NDB_SLOT_PAGE;
    if (slots_end > len) {
        ndb_warn(warn, ctx, "slot pages end at byte %zu, past the end of the file (%zu bytes); "
                            "reading what is there",
                 slots_end, len);
        slots_end = len - len % NDB_SLOT_SIZE;
    }
    /* The first two 16-byte slots are the database header. */
    for (size_t off = 2 * NDB_SLOT_SIZE; off + NDB_SLOT_SIZE <= slots_end; off += NDB_SLOT_SIZE) {
        const unsigned char *s = p + off;
        uint32_t pkgidx, blkoff, blkcnt, bloblen;
        size_t start;
        char where[64];
        enum ks_code rc;

        if (le32(s) != NDB_SLOT_MAGIC) {
            ndb_warn(warn, ctx, "slot at byte %zu has a bad magic, skipped", off);
            continue;
        }
        pkgidx = le32(s + 4);
        if (pkgidx == 0)
            continue; /* free slot */
        blkoff = le32(s + 8);
        blkcnt = le32(s + 12);
        start = (size_t)blkoff * NDB_BLK_SIZE;
        if (start < slots_end || start > len || len - start < NDB_BLK_SIZE ||
            (size_t)blkcnt * NDB_BLK_SIZE > len - start) {
            ndb_warn(warn, ctx, "package %u: blob at block %u (byte %zu) is outside the file, "
                                "skipped",
                     pkgidx, blkoff, start);
            continue;
        }
        if (le32(p + start) != NDB_BLOB_MAGIC || le32(p + start + 4) != pkgidx) {
            ndb_warn(warn, ctx, "package %u: no blob header at byte %zu, skipped", pkgidx, start);
            continue;
        }
        bloblen = le32(p + start + 12);
        if ((size_t)bloblen + NDB_BLK_SIZE > (size_t)blkcnt * NDB_BLK_SIZE) {
            ndb_warn(warn, ctx, "package %u: blob of %u bytes at byte %zu overruns its %u blocks, "
                                "skipped",
                     pkgidx, bloblen, start, blkcnt);
            continue;
        }
        snprintf(where, sizeof(where), "package %u (byte %zu)", pkgidx, start);
        rc = fn(ctx, p + start + NDB_BLK_SIZE, bloblen, where);
        if (rc == KS_ENOMEM)
            return ks_err_set(err, rc, "rpm ndb: out of memory");
    }
    return KS_OK;
}
