/*
 * ranges.c: the compact encoding of one affected entry's version data, as
 * stored in affected.ranges. The matcher decodes it per hit, so decoding is
 * a bounds-checked walk: one copy of the blob into the arena, strings are
 * views into that copy (NUL-terminated), plus the range and event arrays.
 * Measured against parsing the affected[] JSON with jansson in bench/.
 *
 *   blob    := 0x01 varint(n_ranges) range* varint(n_versions) string*
 *   range   := u8(type: 0 ECOSYSTEM, 1 SEMVER, 2 GIT) varint(n_events) event*
 *   event   := u8(kind: 0 introduced, 1 fixed, 2 last_affected, 3 limit) string
 *   string  := varint(len) bytes 0x00
 *   varint  := LEB128, at most 5 bytes (values < 2^32)
 *
 * The on-disk codes are fixed here, independent of version.h's enum values.
 */
#include "vulndb/vulndb_int.h"

#include <string.h>

#include "base/banned.h"

#define BLOB_FORMAT 1

static void
put_varint(struct ks_buf *b, uint64_t v)
{
    do {
        unsigned char c = (unsigned char)(v & 0x7f);

        v >>= 7;
        if (v)
            c |= 0x80;
        ks_buf_putc(b, (char)c);
    } while (v);
}

static void
put_string(struct ks_buf *b, struct ks_str s)
{
    put_varint(b, s.len);
    ks_buf_append(b, s.ptr ? s.ptr : "", s.len);
    ks_buf_putc(b, '\0');
}

static int
range_code(enum ks_osv_range_type t)
{
    switch (t) {
    case KS_RANGE_ECOSYSTEM:
        return 0;
    case KS_RANGE_SEMVER:
        return 1;
    case KS_RANGE_GIT:
        return 2;
    }
    return -1;
}

static int
event_code(enum ks_osv_event_type t)
{
    switch (t) {
    case KS_EV_INTRODUCED:
        return 0;
    case KS_EV_FIXED:
        return 1;
    case KS_EV_LAST_AFFECTED:
        return 2;
    case KS_EV_LIMIT:
        return 3;
    }
    return -1;
}

enum ks_code
ks_vdb_ranges_encode(const struct ks_adv_affected *aff, struct ks_buf *out)
{
    ks_buf_putc(out, BLOB_FORMAT);
    put_varint(out, aff->n_ranges);
    for (size_t i = 0; i < aff->n_ranges; i++) {
        const struct ks_osv_range *r = &aff->ranges[i];
        int rc = range_code(r->type);

        if (rc < 0)
            return KS_EINVAL;
        ks_buf_putc(out, (char)rc);
        put_varint(out, r->n_events);
        for (size_t k = 0; k < r->n_events; k++) {
            int ec = event_code(r->events[k].type);

            if (ec < 0)
                return KS_EINVAL;
            ks_buf_putc(out, (char)ec);
            put_string(out, r->events[k].version);
        }
    }
    put_varint(out, aff->n_versions);
    for (size_t i = 0; i < aff->n_versions; i++)
        put_string(out, aff->versions[i]);
    return ks_buf_err(out);
}

struct dec {
    const unsigned char *p, *end;
};

static bool
get_varint(struct dec *d, uint32_t *out)
{
    uint64_t v = 0;

    for (int shift = 0; shift < 35; shift += 7) {
        if (d->p >= d->end)
            return false;
        unsigned char c = *d->p++;

        v |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            if (v > UINT32_MAX)
                return false;
            *out = (uint32_t)v;
            return true;
        }
    }
    return false;
}

static bool
get_string(struct dec *d, struct ks_str *out)
{
    uint32_t n;

    if (!get_varint(d, &n) || (size_t)(d->end - d->p) < (size_t)n + 1 || d->p[n] != '\0')
        return false;
    *out = (struct ks_str){(const char *)d->p, n};
    d->p += n + 1;
    return true;
}

enum ks_code
ks_vdb_ranges_decode(const void *blob, size_t len, enum ks_scheme scheme, struct ks_arena *arena,
                     struct ks_osv_affected *out, struct ks_err *err)
{
    static const enum ks_osv_range_type rtypes[] = {KS_RANGE_ECOSYSTEM, KS_RANGE_SEMVER,
                                                    KS_RANGE_GIT};
    static const enum ks_osv_event_type etypes[] = {KS_EV_INTRODUCED, KS_EV_FIXED,
                                                    KS_EV_LAST_AFFECTED, KS_EV_LIMIT};
    unsigned char *copy;
    struct dec d;
    uint32_t n_ranges, n_versions;
    struct ks_osv_range *ranges = NULL;
    struct ks_str *versions = NULL;

    if (len == 0 || blob == NULL)
        goto corrupt;
    copy = ks_arena_memdup(arena, blob, len);
    if (copy == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    d = (struct dec){copy, copy + len};
    if (*d.p++ != BLOB_FORMAT || !get_varint(&d, &n_ranges))
        goto corrupt;
    /* Each range takes at least 2 bytes: a count over what is left is corrupt. */
    if (n_ranges > (size_t)(d.end - d.p))
        goto corrupt;
    if (n_ranges > 0) {
        ranges = ks_arena_calloc(arena, n_ranges, sizeof(*ranges));
        if (ranges == NULL)
            return ks_err_set(err, KS_ENOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < n_ranges; i++) {
        uint32_t n_events;
        struct ks_osv_event *evs = NULL;

        if (d.p >= d.end || *d.p >= KS_ARRAY_LEN(rtypes))
            goto corrupt;
        ranges[i].type = rtypes[*d.p++];
        if (!get_varint(&d, &n_events) || n_events > (size_t)(d.end - d.p))
            goto corrupt;
        if (n_events > 0) {
            evs = ks_arena_calloc(arena, n_events, sizeof(*evs));
            if (evs == NULL)
                return ks_err_set(err, KS_ENOMEM, "out of memory");
        }
        for (uint32_t k = 0; k < n_events; k++) {
            if (d.p >= d.end || *d.p >= KS_ARRAY_LEN(etypes))
                goto corrupt;
            evs[k].type = etypes[*d.p++];
            if (!get_string(&d, &evs[k].version))
                goto corrupt;
        }
        ranges[i].events = evs;
        ranges[i].n_events = n_events;
    }
    if (!get_varint(&d, &n_versions) || n_versions > (size_t)(d.end - d.p))
        goto corrupt;
    if (n_versions > 0) {
        versions = ks_arena_calloc(arena, n_versions, sizeof(*versions));
        if (versions == NULL)
            return ks_err_set(err, KS_ENOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < n_versions; i++)
        if (!get_string(&d, &versions[i]))
            goto corrupt;
    if (d.p != d.end)
        goto corrupt;
    *out = (struct ks_osv_affected){
        .scheme = scheme,
        .ranges = ranges,
        .n_ranges = n_ranges,
        .versions = versions,
        .n_versions = n_versions,
    };
    return KS_OK;
corrupt:
    return ks_err_set(err, KS_EDB, "vulndb: corrupt range data (%zu bytes)", len);
}
