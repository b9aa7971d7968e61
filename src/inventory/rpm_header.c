/*
 * rpm_header.c: the rpm header blob, as every rpmdb format stores it:
 * big-endian il (index entries) and dl (data store bytes), il entries of
 * {tag, type, offset, count}, then the data store. Only the tags Kensa uses
 * are decoded, each bounds-checked against the data store; a tag repeated
 * later in the index (rpm's "dribble" entries appended after install)
 * overrides the earlier one, as rpm's own headerImport does.
 */
#include "inventory/inventory_int.h"

#include <string.h>

#include "base/banned.h"

#define RPM_MAX_TAGS    0xffff          /* rpm's own hdrchkTags limit */
#define RPM_MAX_DATA    (256u << 20)    /* rpm's HEADER_DATA_MAX */
#define RPM_MAX_ARRAY   (4u << 20)      /* entries in one array tag (files of a package) */

enum rpm_type {
    T_NULL = 0, T_CHAR = 1, T_INT8 = 2, T_INT16 = 3, T_INT32 = 4, T_INT64 = 5,
    T_STRING = 6, T_BIN = 7, T_STRING_ARRAY = 8, T_I18NSTRING = 9,
};

enum rpm_tag {
    TAG_NAME = 1000, TAG_VERSION = 1001, TAG_RELEASE = 1002, TAG_EPOCH = 1003,
    TAG_SUMMARY = 1004, TAG_VENDOR = 1011, TAG_LICENSE = 1014, TAG_ARCH = 1022,
    TAG_OLDFILENAMES = 1027, TAG_SOURCERPM = 1044, TAG_PROVIDENAME = 1047,
    TAG_REQUIRENAME = 1049, TAG_DIRINDEXES = 1116, TAG_BASENAMES = 1117,
    TAG_DIRNAMES = 1118, TAG_MODULARITYLABEL = 5096,
};

static const int32_t wanted[] = {
    TAG_NAME,        TAG_VERSION,     TAG_RELEASE,     TAG_EPOCH,       TAG_SUMMARY,
    TAG_VENDOR,      TAG_LICENSE,     TAG_ARCH,        TAG_OLDFILENAMES, TAG_SOURCERPM,
    TAG_PROVIDENAME, TAG_REQUIRENAME, TAG_DIRINDEXES,  TAG_BASENAMES,   TAG_DIRNAMES,
    TAG_MODULARITYLABEL,
};

struct entry {
    uint32_t type, offset, count;
    bool present;
};

static uint32_t
be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

struct blob {
    const unsigned char *data; /* the data store */
    uint32_t dl;
    size_t data_off; /* offset of the data store in the blob, for messages */
    struct ks_arena *a;
    struct ks_err *err;
};

/* One NUL-terminated string at off; its length in *n. */
static enum ks_code
string_at(const struct blob *b, int32_t tag, uint32_t off, const char **out, size_t *n)
{
    const unsigned char *nul;

    if (off >= b->dl)
        return ks_err_set(b->err, KS_EPARSE, "rpm header: tag %d: offset %u past the data store "
                          "(%u bytes)", tag, off, b->dl);
    nul = memchr(b->data + off, '\0', b->dl - off);
    if (nul == NULL)
        return ks_err_set(b->err, KS_EPARSE,
                          "rpm header: tag %d: string at byte %zu is not terminated", tag,
                          b->data_off + off);
    *n = (size_t)(nul - (b->data + off));
    *out = (const char *)b->data + off;
    return KS_OK;
}

static enum ks_code
get_string(const struct blob *b, int32_t tag, const struct entry *e, const char **out)
{
    const char *s;
    size_t n;
    enum ks_code rc;

    if (!e->present)
        return KS_OK;
    if (e->type != T_STRING && e->type != T_I18NSTRING && e->type != T_STRING_ARRAY)
        return ks_err_set(b->err, KS_EPARSE, "rpm header: tag %d has type %u, not a string", tag,
                          e->type);
    if (e->count < 1)
        return ks_err_set(b->err, KS_EPARSE, "rpm header: tag %d has no value", tag);
    if ((rc = string_at(b, tag, e->offset, &s, &n)) != KS_OK)
        return rc;
    *out = ks_arena_strndup(b->a, s, n);
    return *out ? KS_OK : ks_err_set(b->err, KS_ENOMEM, "rpm header: out of memory");
}

static enum ks_code
get_strings(const struct blob *b, int32_t tag, const struct entry *e, const char ***out,
            size_t *n_out)
{
    const char **arr;
    uint32_t off;

    if (!e->present)
        return KS_OK;
    if (e->type != T_STRING_ARRAY && e->type != T_I18NSTRING)
        return ks_err_set(b->err, KS_EPARSE, "rpm header: tag %d has type %u, not a string array",
                          tag, e->type);
    if (e->count > RPM_MAX_ARRAY || e->count > b->dl)
        return ks_err_set(b->err, KS_EPARSE, "rpm header: tag %d claims %u strings", tag,
                          e->count);
    arr = ks_arena_calloc(b->a, e->count ? e->count : 1, sizeof(*arr));
    if (arr == NULL)
        return ks_err_set(b->err, KS_ENOMEM, "rpm header: out of memory");
    off = e->offset;
    for (uint32_t i = 0; i < e->count; i++) {
        const char *s;
        size_t n;
        enum ks_code rc = string_at(b, tag, off, &s, &n);

        if (rc != KS_OK)
            return rc;
        if ((arr[i] = ks_arena_strndup(b->a, s, n)) == NULL)
            return ks_err_set(b->err, KS_ENOMEM, "rpm header: out of memory");
        off += (uint32_t)n + 1;
    }
    *out = arr;
    *n_out = e->count;
    return KS_OK;
}

static enum ks_code
get_int32s(const struct blob *b, int32_t tag, const struct entry *e, const uint32_t **out,
           size_t *n_out)
{
    uint32_t *arr;

    if (!e->present)
        return KS_OK;
    if (e->type != T_INT32)
        return ks_err_set(b->err, KS_EPARSE, "rpm header: tag %d has type %u, not int32", tag,
                          e->type);
    if (e->count > RPM_MAX_ARRAY || e->offset > b->dl || (b->dl - e->offset) / 4 < e->count)
        return ks_err_set(b->err, KS_EPARSE,
                          "rpm header: tag %d: %u int32s at offset %u run past the data store",
                          tag, e->count, e->offset);
    arr = ks_arena_calloc(b->a, e->count ? e->count : 1, sizeof(*arr));
    if (arr == NULL)
        return ks_err_set(b->err, KS_ENOMEM, "rpm header: out of memory");
    for (uint32_t i = 0; i < e->count; i++)
        arr[i] = be32(b->data + e->offset + 4 * (size_t)i);
    *out = arr;
    *n_out = e->count;
    return KS_OK;
}

enum ks_code
ks_rpm_header_parse(const void *blob, size_t len, struct ks_arena *a, struct ks_rpm_header *out,
                    struct ks_err *err)
{
    const unsigned char *p = blob;
    struct entry ents[KS_ARRAY_LEN(wanted)];
    struct ks_rpm_header h;
    struct blob b;
    uint32_t il, dl;
    size_t index_end;
    enum ks_code rc;
    const uint32_t *epoch = NULL;
    size_t n_epoch = 0;

    memset(&h, 0, sizeof(h));
    memset(ents, 0, sizeof(ents));
    if (len < 8)
        return ks_err_set(err, KS_EPARSE, "rpm header: %zu bytes, shorter than the 8-byte preamble",
                          len);
    il = be32(p);
    dl = be32(p + 4);
    if (il == 0 || il > RPM_MAX_TAGS)
        return ks_err_set(err, KS_EPARSE, "rpm header: %u index entries (1..%u allowed)", il,
                          RPM_MAX_TAGS);
    if (dl > RPM_MAX_DATA)
        return ks_err_set(err, KS_EPARSE, "rpm header: data store of %u bytes is over the limit",
                          dl);
    index_end = 8 + (size_t)il * 16;
    if (index_end > len || len - index_end < dl)
        return ks_err_set(err, KS_EPARSE,
                          "rpm header: claims %u entries and %u data bytes, blob has %zu bytes",
                          il, dl, len);
    for (uint32_t i = 0; i < il; i++) {
        const unsigned char *ie = p + 8 + (size_t)i * 16;
        int32_t tag = (int32_t)be32(ie);

        for (size_t k = 0; k < KS_ARRAY_LEN(wanted); k++) {
            if (wanted[k] == tag) {
                /* A later entry for the same tag wins (dribble entries). */
                ents[k].type = be32(ie + 4);
                ents[k].offset = be32(ie + 8);
                ents[k].count = be32(ie + 12);
                ents[k].present = true;
                break;
            }
        }
    }
    b = (struct blob){p + index_end, dl, index_end, a, err};
    for (size_t k = 0; k < KS_ARRAY_LEN(wanted); k++) {
        const struct entry *e = &ents[k];
        int32_t tag = wanted[k];

        switch (tag) {
        case TAG_NAME:
            rc = get_string(&b, tag, e, &h.name);
            break;
        case TAG_VERSION:
            rc = get_string(&b, tag, e, &h.version);
            break;
        case TAG_RELEASE:
            rc = get_string(&b, tag, e, &h.release);
            break;
        case TAG_ARCH:
            rc = get_string(&b, tag, e, &h.arch);
            break;
        case TAG_SUMMARY:
            rc = get_string(&b, tag, e, &h.summary);
            break;
        case TAG_VENDOR:
            rc = get_string(&b, tag, e, &h.vendor);
            break;
        case TAG_LICENSE:
            rc = get_string(&b, tag, e, &h.license);
            break;
        case TAG_SOURCERPM:
            rc = get_string(&b, tag, e, &h.sourcerpm);
            break;
        case TAG_MODULARITYLABEL:
            rc = get_string(&b, tag, e, &h.modularitylabel);
            break;
        case TAG_EPOCH:
            rc = get_int32s(&b, tag, e, &epoch, &n_epoch);
            break;
        case TAG_DIRINDEXES:
            rc = get_int32s(&b, tag, e, &h.dirindexes, &h.n_dirindexes);
            break;
        case TAG_BASENAMES:
            rc = get_strings(&b, tag, e, &h.basenames, &h.n_basenames);
            break;
        case TAG_DIRNAMES:
            rc = get_strings(&b, tag, e, &h.dirnames, &h.n_dirnames);
            break;
        case TAG_OLDFILENAMES:
            rc = get_strings(&b, tag, e, &h.oldfilenames, &h.n_oldfilenames);
            break;
        case TAG_PROVIDENAME:
            rc = get_strings(&b, tag, e, &h.provides, &h.n_provides);
            break;
        case TAG_REQUIRENAME:
            rc = get_strings(&b, tag, e, &h.requires, &h.n_requires);
            break;
        default:
            rc = KS_OK;
            break;
        }
        if (rc != KS_OK)
            return rc;
    }
    if (n_epoch > 0) {
        h.has_epoch = true;
        h.epoch = epoch[0];
    }
    /* rpm writes "(none)" for tags a package leaves empty. */
    if (h.sourcerpm != NULL && (h.sourcerpm[0] == '\0' || strcmp(h.sourcerpm, "(none)") == 0))
        h.sourcerpm = NULL;
    if (h.vendor != NULL && (h.vendor[0] == '\0' || strcmp(h.vendor, "(none)") == 0))
        h.vendor = NULL;
    if (h.license != NULL && (h.license[0] == '\0' || strcmp(h.license, "(none)") == 0))
        h.license = NULL;
    if (h.modularitylabel != NULL && h.modularitylabel[0] == '\0')
        h.modularitylabel = NULL;
    /* An inconsistent file list loses the list, never the package. */
    if (h.n_dirindexes != h.n_basenames)
        h.bad_file_list = true;
    for (size_t i = 0; i < h.n_dirindexes && !h.bad_file_list; i++)
        if (h.dirindexes[i] >= h.n_dirnames)
            h.bad_file_list = true;
    if (h.bad_file_list)
        h.n_dirindexes = h.n_basenames = 0;
    if (h.name == NULL || h.name[0] == '\0')
        return ks_err_set(err, KS_EPARSE, "rpm header: no NAME tag");
    if (h.version == NULL)
        return ks_err_set(err, KS_EPARSE, "rpm header: package '%s' has no VERSION tag", h.name);
    *out = h;
    return KS_OK;
}
