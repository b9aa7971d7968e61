/*
 * purl.c: package URLs per https://github.com/package-url/purl-spec: the
 * canonical string (type lower case, qualifiers sorted, everything outside
 * the unreserved set and ':' percent-encoded, so "10+deb12u5" becomes
 * "10%2Bdeb12u5"), a strict parser for purls found in SBOMs, and the purl of
 * an inventory package.
 */
#include "model/model.h"

#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

/* Limits for untrusted purls. */
#define PURL_MAX_LEN        65536
#define PURL_MAX_QUALIFIERS 64

static bool
is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~' || c == ':';
}

static void
encode(struct ks_buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (is_unreserved(*p)) {
            ks_buf_putc(out, (char)*p);
        } else {
            ks_buf_putc(out, '%');
            ks_buf_putc(out, hex[*p >> 4]);
            ks_buf_putc(out, hex[*p & 15]);
        }
    }
}

/* Encode each '/'-separated segment, dropping empty ones. */
static void
encode_segments(struct ks_buf *out, const char *s)
{
    bool first = true;
    const char *p = s;

    while (*p != '\0') {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);

        if (n > 0) {
            char seg[1024];
            const char *segp = seg;
            char *heap = NULL;

            if (n < sizeof(seg)) {
                memcpy(seg, p, n);
                seg[n] = '\0';
            } else {
                heap = ks_strndup(p, n);
                if (heap == NULL) {
                    ks_buf_append(out, NULL, SIZE_MAX); /* records the failure */
                    return;
                }
                segp = heap;
            }
            if (!first)
                ks_buf_putc(out, '/');
            encode(out, segp);
            ks_free(heap);
            first = false;
        }
        p += n;
        if (*p == '/')
            p++;
    }
}

static int
cmp_kv(const void *a, const void *b)
{
    return strcmp(((const struct ks_kv *)a)->key, ((const struct ks_kv *)b)->key);
}

void
ks_purl_build(const struct ks_purl *p, struct ks_buf *out)
{
    struct ks_kv sorted[PURL_MAX_QUALIFIERS];
    size_t n = 0;

    ks_buf_appends(out, "pkg:");
    for (const char *t = p->type; t && *t; t++)
        ks_buf_putc(out, (*t >= 'A' && *t <= 'Z') ? (char)(*t - 'A' + 'a') : *t);
    ks_buf_putc(out, '/');
    if (p->namespace != NULL && p->namespace[0] != '\0') {
        encode_segments(out, p->namespace);
        ks_buf_putc(out, '/');
    }
    encode(out, p->name ? p->name : "");
    if (p->version != NULL && p->version[0] != '\0') {
        ks_buf_putc(out, '@');
        encode(out, p->version);
    }
    for (size_t i = 0; i < p->n_qualifiers && n < PURL_MAX_QUALIFIERS; i++)
        if (p->qualifiers[i].value != NULL && p->qualifiers[i].value[0] != '\0')
            sorted[n++] = p->qualifiers[i];
    if (n > 1)
        qsort(sorted, n, sizeof(sorted[0]), cmp_kv);
    for (size_t i = 0; i < n; i++) {
        ks_buf_putc(out, i == 0 ? '?' : '&');
        for (const char *k = sorted[i].key; *k; k++)
            ks_buf_putc(out, (*k >= 'A' && *k <= 'Z') ? (char)(*k - 'A' + 'a') : *k);
        ks_buf_putc(out, '=');
        encode(out, sorted[i].value);
    }
    if (p->subpath != NULL && p->subpath[0] != '\0') {
        ks_buf_putc(out, '#');
        encode_segments(out, p->subpath);
    }
}

const char *
ks_purl_qualifier(const struct ks_purl *p, const char *key)
{
    for (size_t i = 0; i < p->n_qualifiers; i++)
        if (strcmp(p->qualifiers[i].key, key) == 0)
            return p->qualifiers[i].value;
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Parsing.                                                                 */

static int
hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decode s into a new arena string; NULL with *bad set on a bad escape. */
static char *
decode(struct ks_arena *a, struct ks_str s, bool *bad)
{
    char *out = ks_arena_alloc(a, s.len + 1);
    size_t n = 0;

    if (out == NULL)
        return NULL;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] == '%') {
            int hi, lo;

            if (i + 2 >= s.len || (hi = hexval(s.ptr[i + 1])) < 0 ||
                (lo = hexval(s.ptr[i + 2])) < 0) {
                *bad = true;
                return NULL;
            }
            if (hi == 0 && lo == 0) { /* an embedded NUL would cut the string */
                *bad = true;
                return NULL;
            }
            out[n++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[n++] = s.ptr[i];
        }
    }
    out[n] = '\0';
    return out;
}

static bool
valid_type(struct ks_str t)
{
    if (t.len == 0 || !((t.ptr[0] >= 'a' && t.ptr[0] <= 'z') || (t.ptr[0] >= 'A' && t.ptr[0] <= 'Z')))
        return false;
    for (size_t i = 0; i < t.len; i++) {
        char c = t.ptr[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '+' || c == '-'))
            return false;
    }
    return true;
}

static void
lower_in_place(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

/* Decode '/'-separated segments, dropping empty (and for subpaths '.'/'..') ones. */
static char *
decode_segments(struct ks_arena *a, struct ks_str s, bool is_subpath, bool *bad)
{
    struct ks_buf b = KS_BUF_INIT(PURL_MAX_LEN);
    struct ks_str rest = s, seg;
    char *out = NULL;

    while (rest.len > 0) {
        char *d;

        if (!ks_str_split2(rest, '/', &seg, &rest)) {
            seg = rest;
            rest = KS_STR_NULL;
        }
        if (seg.len == 0)
            continue;
        if (is_subpath && (ks_str_eq_c(seg, ".") || ks_str_eq_c(seg, "..")))
            continue;
        d = decode(a, seg, bad);
        if (d == NULL)
            goto out;
        if (strchr(d, '/') != NULL) {
            /* The spec forbids '/' inside a segment: it could not be written back. */
            *bad = true;
            goto out;
        }
        if (b.len > 0)
            ks_buf_putc(&b, '/');
        ks_buf_appends(&b, d);
    }
    if (ks_buf_err(&b) == KS_OK)
        out = ks_arena_strndup(a, b.data, b.len);
out:
    ks_buf_release(&b);
    return out;
}

enum ks_code
ks_purl_parse(struct ks_str s, struct ks_arena *a, struct ks_purl *out, struct ks_err *err)
{
    struct ks_purl p;
    struct ks_str rest = s, sub = KS_STR_NULL, quals = KS_STR_NULL, head, tail;
    ptrdiff_t at;
    bool bad = false;

    memset(&p, 0, sizeof(p));
    if (s.len > PURL_MAX_LEN)
        return ks_err_set(err, KS_ETOOBIG, "purl: longer than %d bytes", PURL_MAX_LEN);
    if (memchr(s.ptr, '\0', s.len) != NULL)
        return ks_err_set(err, KS_EPARSE, "purl: contains a NUL byte");
    if (ks_str_split2(rest, '#', &head, &tail)) {
        rest = head;
        sub = tail;
    }
    if (ks_str_split2(rest, '?', &head, &tail)) {
        rest = head;
        quals = tail;
    }
    if (rest.len < 4 || !ks_str_ieq_c(ks_str_sub(rest, 0, 4), "pkg:"))
        return ks_err_set(err, KS_EPARSE, "purl: missing 'pkg:' scheme in '%.*s'",
                          (int)KS_MIN(s.len, 200), s.ptr);
    rest = ks_str_sub(rest, 4, rest.len - 4);
    while (rest.len > 0 && rest.ptr[0] == '/')
        rest = ks_str_sub(rest, 1, rest.len - 1);
    if (!ks_str_split2(rest, '/', &head, &tail) || !valid_type(head))
        return ks_err_set(err, KS_EPARSE, "purl: missing or invalid type in '%.*s'",
                          (int)KS_MIN(s.len, 200), s.ptr);
    p.type = ks_arena_strdup_str(a, head);
    if (p.type == NULL)
        goto oom;
    lower_in_place((char *)p.type);
    rest = tail;
    /* The version is after the last '@' (an npm scope's '@' is encoded or comes first). */
    at = -1;
    for (size_t i = rest.len; i > 0; i--) {
        if (rest.ptr[i - 1] == '@') {
            at = (ptrdiff_t)(i - 1);
            break;
        }
    }
    if (at >= 0) {
        struct ks_str v = ks_str_sub(rest, (size_t)at + 1, rest.len - (size_t)at - 1);

        rest = ks_str_sub(rest, 0, (size_t)at);
        if (v.len > 0 && (p.version = decode(a, v, &bad)) == NULL)
            goto fail;
    }
    while (rest.len > 0 && rest.ptr[rest.len - 1] == '/')
        rest.len--;
    {
        size_t i = rest.len;

        while (i > 0 && rest.ptr[i - 1] != '/')
            i--;
        if (i == rest.len)
            return ks_err_set(err, KS_EPARSE, "purl: missing name in '%.*s'",
                              (int)KS_MIN(s.len, 200), s.ptr);
        if ((p.name = decode(a, ks_str_sub(rest, i, rest.len - i), &bad)) == NULL)
            goto fail;
        if (i > 0) {
            p.namespace = decode_segments(a, ks_str_sub(rest, 0, i - 1), false, &bad);
            if (p.namespace == NULL)
                goto fail;
            if (p.namespace[0] == '\0')
                p.namespace = NULL;
        }
    }
    if (p.name[0] == '\0')
        return ks_err_set(err, KS_EPARSE, "purl: empty name in '%.*s'", (int)KS_MIN(s.len, 200),
                          s.ptr);
    if (strcmp(p.type, "pypi") == 0) {
        /* The spec: PyPI names are lower case with '_' written as '-'. */
        lower_in_place((char *)p.name);
        for (char *c = (char *)p.name; *c; c++)
            if (*c == '_')
                *c = '-';
    }
    if (quals.len > 0) {
        struct ks_str q;

        p.qualifiers = ks_arena_calloc(a, PURL_MAX_QUALIFIERS, sizeof(*p.qualifiers));
        if (p.qualifiers == NULL)
            goto oom;
        while (quals.len > 0) {
            struct ks_str k, v;
            char *kk, *vv;

            if (!ks_str_split2(quals, '&', &q, &quals)) {
                q = quals;
                quals = KS_STR_NULL;
            }
            if (q.len == 0)
                continue;
            if (!ks_str_split2(q, '=', &k, &v) || k.len == 0)
                return ks_err_set(err, KS_EPARSE, "purl: qualifier '%.*s' has no key=value",
                                  (int)KS_MIN(q.len, 100), q.ptr);
            if (v.len == 0)
                continue;
            if (p.n_qualifiers >= PURL_MAX_QUALIFIERS)
                return ks_err_set(err, KS_ETOOBIG, "purl: more than %d qualifiers",
                                  PURL_MAX_QUALIFIERS);
            kk = ks_arena_strdup_str(a, k);
            if (kk == NULL)
                goto oom;
            lower_in_place(kk);
            if ((vv = decode(a, v, &bad)) == NULL)
                goto fail;
            for (size_t i = 0; i < p.n_qualifiers; i++)
                if (strcmp(p.qualifiers[i].key, kk) == 0)
                    return ks_err_set(err, KS_EPARSE, "purl: qualifier '%s' given twice", kk);
            p.qualifiers[p.n_qualifiers].key = kk;
            p.qualifiers[p.n_qualifiers].value = vv;
            p.n_qualifiers++;
        }
    }
    if (sub.len > 0) {
        p.subpath = decode_segments(a, sub, true, &bad);
        if (p.subpath == NULL)
            goto fail;
        if (p.subpath[0] == '\0')
            p.subpath = NULL;
    }
    *out = p;
    return KS_OK;
fail:
    if (bad)
        return ks_err_set(err, KS_EPARSE,
                          "purl: bad percent-escape (or an encoded '/' in a segment) in '%.*s'",
                          (int)KS_MIN(s.len, 200), s.ptr);
oom:
    return ks_err_set(err, KS_ENOMEM, "purl: out of memory");
}

/* ------------------------------------------------------------------------ */

/*
 * A language package's purl from its ecosystem's purl type; the name is
 * split where the type has a namespace: Maven "group:artifact", npm
 * "@scope/name", Go module paths and SwiftURL at the last '/', Composer
 * "vendor/package".
 */
static const char *
lang_purl(struct ks_inventory *inv, const struct ks_pkg *p)
{
    const struct ks_eco_info *e = ks_eco_info(p->eco);
    struct ks_purl u;
    struct ks_buf b = KS_BUF_INIT(PURL_MAX_LEN);
    const char *res = NULL, *sep = NULL;
    char *ns = NULL;

    if (p->eco == KS_ECO_UNKNOWN || e->purl_type == NULL || p->name == NULL)
        return NULL;
    memset(&u, 0, sizeof(u));
    u.type = e->purl_type;
    u.name = p->name;
    u.version = p->version;
    if (p->eco == KS_ECO_MAVEN)
        sep = strchr(p->name, ':');
    else if (p->eco == KS_ECO_NPM && p->name[0] == '@')
        sep = strchr(p->name, '/');
    else if (p->eco == KS_ECO_GO || p->eco == KS_ECO_SWIFTURL || p->eco == KS_ECO_PACKAGIST)
        sep = strrchr(p->name, '/');
    if (sep != NULL && sep > p->name && sep[1] != '\0') {
        ns = ks_arena_strndup(inv->arena, p->name, (size_t)(sep - p->name));
        if (ns == NULL)
            return NULL;
        u.namespace = ns;
        u.name = sep + 1;
    }
    ks_purl_build(&u, &b);
    if (ks_buf_err(&b) == KS_OK)
        res = ks_arena_strndup(inv->arena, b.data, b.len);
    ks_buf_release(&b);
    return res;
}

const char *
ks_pkg_make_purl(struct ks_inventory *inv, const struct ks_pkg *p)
{
    const struct ks_distro *d;
    struct ks_purl u;
    struct ks_kv q[3];
    struct ks_buf b = KS_BUF_INIT(PURL_MAX_LEN);
    const char *version = p->version;
    const char *res = NULL;
    bool same_os = inv->has_os && inv->os.eco == p->eco && p->eco != KS_ECO_UNKNOWN;

    if (!ks_pkg_is_os(p))
        return lang_purl(inv, p);
    d = ks_distro_by_eco(p->eco);
    if (d == NULL)
        return NULL;
    memset(&u, 0, sizeof(u));
    u.type = d->purl_type;
    u.namespace = same_os && inv->os.purl_namespace ? inv->os.purl_namespace : d->purl_namespace;
    u.name = p->name;
    if (strcmp(d->purl_type, "rpm") == 0 && p->base_version != NULL) {
        /* rpm purls carry version-release; the epoch is a qualifier. */
        version = p->release ? ks_arena_sprintf(inv->arena, "%s-%s", p->base_version, p->release)
                             : p->base_version;
        if (version == NULL)
            return NULL;
    }
    u.version = version;
    u.qualifiers = q;
    q[u.n_qualifiers++] = (struct ks_kv){"arch", p->arch};
    if (p->epoch != NULL && strcmp(d->purl_type, "rpm") == 0)
        q[u.n_qualifiers++] = (struct ks_kv){"epoch", p->epoch};
    if (same_os && inv->os.purl_distro != NULL)
        q[u.n_qualifiers++] = (struct ks_kv){"distro", inv->os.purl_distro};
    ks_purl_build(&u, &b);
    if (ks_buf_err(&b) == KS_OK)
        res = ks_arena_strndup(inv->arena, b.data, b.len);
    ks_buf_release(&b);
    return res;
}
