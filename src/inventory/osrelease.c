/*
 * osrelease.c: which distribution a root holds. etc/os-release (or
 * usr/lib/os-release) first; then the legacy files older images carry
 * (alpine-release, debian_version, redhat-release and its siblings,
 * system-release, system-release-cpe, lsb-release), which also fill a
 * missing VERSION_ID; and for distroless Debian images, which have neither,
 * the release of the base-files package (after extraction).
 */
#include "inventory/inventory_int.h"

#include <string.h>

#include "base/banned.h"

#define OS_RELEASE_MAX_FILE (1u << 20)
#define OS_RELEASE_MAX_LINE 65536

static bool
key_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* Unquote a shell-style value into b: "..." with \-escapes, '...' literal, or bare. */
static bool
unquote(struct ks_str v, struct ks_buf *b)
{
    v = ks_str_trim(v);
    if (v.len > 0 && (v.ptr[0] == '"' || v.ptr[0] == '\'')) {
        char q = v.ptr[0];
        size_t i = 1;

        for (; i < v.len && v.ptr[i] != q; i++) {
            char c = v.ptr[i];

            if (q == '"' && c == '\\' && i + 1 < v.len &&
                strchr("\"\\$`", v.ptr[i + 1]) != NULL)
                c = v.ptr[++i];
            ks_buf_putc(b, c);
        }
        return i < v.len; /* false: no closing quote */
    }
    ks_buf_append_str(b, v);
    return true;
}

static void
warn_fmt(void (*warn)(void *, const char *), void *ctx, const char *fmt, ...) KS_PRINTF(3, 4);

static void
warn_fmt(void (*warn)(void *, const char *), void *ctx, const char *fmt, ...)
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
ks_os_release_parse(struct ks_str data, const char *path, struct ks_arena *a, struct ks_os *os,
                    void (*warn)(void *ctx, const char *msg), void *warn_ctx)
{
    struct ks_cur cur = ks_cur_make(data.ptr, data.len);
    struct ks_buf val = KS_BUF_INIT(OS_RELEASE_MAX_LINE);
    const char *name = NULL, *pretty = NULL, *ubuntu_codename = NULL, *version = NULL;
    enum ks_code rc = KS_OK;
    size_t line_no = 0;

    for (;;) {
        struct ks_str line, key, value;
        const char **slot = NULL;
        enum ks_code lr = ks_cur_line(&cur, OS_RELEASE_MAX_LINE, &line);
        char *copy;

        line_no++;
        if (lr == KS_ENOTFOUND)
            break;
        if (lr == KS_ETOOBIG) {
            warn_fmt(warn, warn_ctx, "%s:%zu: line longer than %d bytes, skipped", path, line_no,
                     OS_RELEASE_MAX_LINE);
            continue;
        }
        line = ks_str_trim(line);
        if (line.len == 0 || line.ptr[0] == '#')
            continue;
        if (!ks_str_split2(line, '=', &key, &value) || key.len == 0) {
            warn_fmt(warn, warn_ctx, "%s:%zu: not a KEY=value line, skipped", path, line_no);
            continue;
        }
        key = ks_str_trim(key);
        for (size_t i = 0; i < key.len; i++) {
            if (!key_char(key.ptr[i])) {
                warn_fmt(warn, warn_ctx, "%s:%zu: bad key '%.*s', skipped", path, line_no,
                         (int)KS_MIN(key.len, 64), key.ptr);
                key.len = 0;
                break;
            }
        }
        if (key.len == 0)
            continue;
        if (ks_str_eq_c(key, "ID"))
            slot = &os->id;
        else if (ks_str_eq_c(key, "VERSION_ID"))
            slot = &os->version_id;
        else if (ks_str_eq_c(key, "VERSION_CODENAME"))
            slot = &os->codename;
        else if (ks_str_eq_c(key, "UBUNTU_CODENAME"))
            slot = &ubuntu_codename;
        else if (ks_str_eq_c(key, "PRETTY_NAME"))
            slot = &pretty;
        else if (ks_str_eq_c(key, "NAME"))
            slot = &name;
        else if (ks_str_eq_c(key, "ID_LIKE"))
            slot = &os->id_like;
        else if (ks_str_eq_c(key, "VERSION"))
            slot = &version;
        if (slot == NULL)
            continue;
        ks_buf_reset(&val);
        if (!unquote(value, &val))
            warn_fmt(warn, warn_ctx, "%s:%zu: unterminated quote in '%.*s'", path, line_no,
                     (int)KS_MIN(key.len, 64), key.ptr);
        if ((rc = ks_buf_err(&val)) != KS_OK)
            goto out;
        copy = ks_arena_strndup(a, val.data, val.len);
        if (copy == NULL) {
            rc = KS_ENOMEM;
            goto out;
        }
        if (slot == &os->id) {
            /* IDs are lower case by the spec; normalise what the world writes. */
            for (char *c = copy; *c; c++)
                if (*c >= 'A' && *c <= 'Z')
                    *c = (char)(*c - 'A' + 'a');
        }
        *slot = copy[0] ? copy : NULL;
    }
    os->name = pretty ? pretty : name;
    if (os->codename == NULL)
        os->codename = ubuntu_codename;
    if (os->codename == NULL && version != NULL) {
        /* Older Debian: VERSION="8 (jessie)" and no VERSION_CODENAME. */
        const char *open = strchr(version, '('), *close = open ? strchr(open, ')') : NULL;
        bool word = open && close && close > open + 1;

        for (const char *c = open ? open + 1 : NULL; word && c < close; c++)
            word = *c >= 'a' && *c <= 'z';
        if (word && (os->codename = ks_arena_strndup(a, open + 1, (size_t)(close - open - 1))) ==
                        NULL)
            rc = KS_ENOMEM;
    }
    os->source = ks_arena_strdup(a, path);
    if (os->source == NULL)
        rc = KS_ENOMEM;
out:
    ks_buf_release(&val);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Legacy release files.                                                    */

static const struct {
    const char *prefix; /* of the "NAME release X (CODENAME)" line */
    const char *id;
} release_names[] = {
    {"Red Hat Enterprise Linux", "rhel"}, {"Red Hat Linux", "rhel"},
    {"CentOS Stream", "centos"},          {"CentOS", "centos"},
    {"Rocky Linux", "rocky"},             {"AlmaLinux", "almalinux"},
    {"Oracle Linux", "ol"},               {"Fedora", "fedora"},
    {"Amazon Linux", "amzn"},             {"Scientific Linux", "scientific"},
    {"CBL-Mariner", "mariner"},           {"VMware Photon", "photon"},
};

/* Parse "NAME release VERSION (CODENAME)" into os. */
static bool
parse_release_line(struct ks_str s, struct ks_arena *a, struct ks_os *os)
{
    struct ks_str line = s, rest, ver;
    const char *hit;

    {
        struct ks_cur c = ks_cur_make(s.ptr, s.len);

        if (ks_cur_line(&c, 4096, &line) != KS_OK)
            return false;
    }
    line = ks_str_trim(line);
    hit = NULL;
    for (size_t i = 0; i + 9 <= line.len; i++) {
        if (memcmp(line.ptr + i, " release ", 9) == 0) {
            hit = line.ptr + i;
            break;
        }
    }
    if (hit == NULL)
        return false;
    for (size_t i = 0; i < KS_ARRAY_LEN(release_names); i++) {
        if (!ks_str_has_prefix(line, release_names[i].prefix))
            continue;
        rest = ks_str_make(hit + 9, (size_t)(line.ptr + line.len - hit - 9));
        ver = rest;
        for (size_t k = 0; k < rest.len; k++) {
            if (rest.ptr[k] == ' ') {
                ver = ks_str_sub(rest, 0, k);
                break;
            }
        }
        os->id = release_names[i].id;
        os->version_id = ver.len ? ks_arena_strdup_str(a, ver) : NULL;
        os->name = ks_arena_strdup_str(a, line);
        {
            const char *open = memchr(rest.ptr, '(', rest.len);
            const char *close = open ? memchr(open, ')', (size_t)(rest.ptr + rest.len - open))
                                     : NULL;

            if (open && close && close > open + 1)
                os->codename = ks_arena_strndup(a, open + 1, (size_t)(close - open - 1));
        }
        return true;
    }
    return false;
}

/* cpe:/o:VENDOR:PRODUCT:VERSION */
static bool
parse_cpe(struct ks_str s, struct ks_arena *a, struct ks_os *os)
{
    static const struct {
        const char *vendor, *id;
    } vendors[] = {{"centos", "centos"},       {"redhat", "rhel"},     {"amazon", "amzn"},
                   {"fedoraproject", "fedora"}, {"oracle", "ol"},       {"rocky", "rocky"},
                   {"almalinux", "almalinux"}};
    struct ks_str line = ks_str_trim(s), parts[6];
    size_t n = 0;

    while (n < 6) {
        struct ks_str head;

        if (!ks_str_split2(line, ':', &head, &line)) {
            parts[n++] = line;
            break;
        }
        parts[n++] = head;
    }
    if (n < 5 || !ks_str_eq_c(parts[0], "cpe") || !ks_str_eq_c(parts[1], "/o"))
        return false;
    for (size_t i = 0; i < KS_ARRAY_LEN(vendors); i++) {
        if (ks_str_eq_c(parts[2], vendors[i].vendor)) {
            struct ks_str v = parts[4];

            for (size_t k = 0; k < v.len; k++)
                if (v.ptr[k] == '\n' || v.ptr[k] == '\r')
                    v.len = k;
            os->id = vendors[i].id;
            os->version_id = v.len ? ks_arena_strdup_str(a, v) : NULL;
            return true;
        }
    }
    return false;
}

/* "10.8" -> "10"; "bookworm/sid" -> codename only. */
static void
parse_debian_version(struct ks_str s, struct ks_arena *a, struct ks_os *os, bool fill_only)
{
    struct ks_str v = ks_str_trim(s);
    size_t digits = 0;

    while (digits < v.len && v.ptr[digits] >= '0' && v.ptr[digits] <= '9')
        digits++;
    if (!fill_only)
        os->id = "debian";
    if (digits > 0 && os->version_id == NULL) {
        os->version_id = ks_arena_strndup(a, v.ptr, digits);
    } else if (digits == 0 && os->codename == NULL) {
        struct ks_str head, tail;

        if (ks_str_split2(v, '/', &head, &tail) && head.len > 0 && head.len < 32)
            os->codename = ks_arena_strdup_str(a, head);
    }
}

static void
os_warn_cb(void *ctx, const char *msg)
{
    ks_inventory_warn(ctx, "os-release", "%s", msg);
}

/* Read a small release file; false when absent or unreadable (warned). */
static bool
read_small(struct ks_fs *fs, struct ks_inventory *inv, const char *path, struct ks_buf *b,
           enum ks_code *fatal)
{
    struct ks_err err = KS_ERR_INIT;
    enum ks_code rc;

    ks_buf_reset(b);
    rc = ks_fs_read(fs, path, OS_RELEASE_MAX_FILE, b, &err);
    if (rc == KS_OK)
        return true;
    if (rc == KS_ENOMEM)
        *fatal = rc;
    else if (rc != KS_ENOTFOUND)
        ks_inventory_warn(inv, "os-release", "%s", err.msg);
    return false;
}

enum ks_code
ks_os_detect(struct ks_fs *fs, struct ks_inventory *inv, struct ks_err *err)
{
    static const char *const redhat_files[] = {
        "etc/redhat-release", "etc/centos-release",  "etc/rocky-release",
        "etc/almalinux-release", "etc/oracle-release", "etc/fedora-release",
        "etc/system-release", "etc/mariner-release", "etc/photon-release",
    };
    struct ks_buf b = KS_BUF_INIT(OS_RELEASE_MAX_FILE + 1);
    struct ks_arena *a = inv->arena;
    struct ks_os os;
    const char *src = NULL;
    enum ks_code rc = KS_OK, fatal = KS_OK;

    memset(&os, 0, sizeof(os));
    if (read_small(fs, inv, "etc/os-release", &b, &fatal))
        src = "etc/os-release";
    else if (fatal == KS_OK && read_small(fs, inv, "usr/lib/os-release", &b, &fatal))
        src = "usr/lib/os-release";
    if (src != NULL &&
        (rc = ks_os_release_parse(ks_buf_str(&b), src, a, &os, os_warn_cb, inv)) != KS_OK)
        goto fatal;
    if (fatal != KS_OK)
        goto fatal;
    /* Legacy files: identify the distribution, or fill a missing VERSION_ID. */
    if (os.id == NULL || os.version_id == NULL) {
        if ((os.id == NULL || strcmp(os.id, "alpine") == 0) &&
            read_small(fs, inv, "etc/alpine-release", &b, &fatal)) {
            struct ks_str v = ks_str_trim(ks_buf_str(&b));

            if (os.id == NULL) {
                os.id = "alpine";
                os.source = "etc/alpine-release";
            }
            if (os.version_id == NULL && v.len > 0 && v.len < 64)
                os.version_id = ks_arena_strdup_str(a, v);
        }
        if ((os.id == NULL || strcmp(os.id, "debian") == 0) &&
            read_small(fs, inv, "etc/debian_version", &b, &fatal)) {
            bool had = os.id != NULL;

            parse_debian_version(ks_buf_str(&b), a, &os, had);
            if (!had)
                os.source = "etc/debian_version";
        }
        for (size_t i = 0; i < KS_ARRAY_LEN(redhat_files) && fatal == KS_OK; i++) {
            struct ks_os tmp;

            if (os.id != NULL && os.version_id != NULL)
                break;
            if (!read_small(fs, inv, redhat_files[i], &b, &fatal))
                continue;
            memset(&tmp, 0, sizeof(tmp));
            if (!parse_release_line(ks_buf_str(&b), a, &tmp))
                continue;
            if (os.id == NULL) {
                os = tmp;
                os.source = redhat_files[i];
            } else if (strcmp(os.id, tmp.id) == 0 && os.version_id == NULL) {
                os.version_id = tmp.version_id;
            }
        }
        if (os.id == NULL && fatal == KS_OK &&
            read_small(fs, inv, "etc/system-release-cpe", &b, &fatal) &&
            parse_cpe(ks_buf_str(&b), a, &os))
            os.source = "etc/system-release-cpe";
        if (os.id == NULL && fatal == KS_OK &&
            read_small(fs, inv, "etc/lsb-release", &b, &fatal)) {
            struct ks_os tmp;

            memset(&tmp, 0, sizeof(tmp));
            /* DISTRIB_* keys use the same syntax as os-release. */
            struct ks_cur c = ks_cur_make(b.data, b.len);
            struct ks_str line;
            struct ks_buf v = KS_BUF_INIT(4096);

            while (ks_cur_line(&c, 4096, &line) == KS_OK) {
                struct ks_str k, val;

                if (!ks_str_split2(line, '=', &k, &val))
                    continue;
                ks_buf_reset(&v);
                unquote(val, &v);
                if (ks_buf_err(&v) != KS_OK)
                    continue;
                if (ks_str_eq_c(k, "DISTRIB_ID") && v.len > 0) {
                    char *id = ks_arena_strndup(a, v.data, v.len);

                    for (char *p = id; p && *p; p++)
                        if (*p >= 'A' && *p <= 'Z')
                            *p = (char)(*p - 'A' + 'a');
                    tmp.id = id;
                } else if (ks_str_eq_c(k, "DISTRIB_RELEASE") && v.len > 0) {
                    tmp.version_id = ks_arena_strndup(a, v.data, v.len);
                } else if (ks_str_eq_c(k, "DISTRIB_CODENAME") && v.len > 0) {
                    tmp.codename = ks_arena_strndup(a, v.data, v.len);
                } else if (ks_str_eq_c(k, "DISTRIB_DESCRIPTION") && v.len > 0) {
                    tmp.name = ks_arena_strndup(a, v.data, v.len);
                }
            }
            ks_buf_release(&v);
            if (tmp.id != NULL) {
                os = tmp;
                os.source = "etc/lsb-release";
            }
        }
    }
    if (fatal != KS_OK)
        goto fatal;
    if (os.id == NULL) {
        ks_log(KS_LOG_INFO, "inventory", "no distribution found in '%s'", ks_fs_name(fs));
        goto out;
    }
    if ((rc = ks_os_finish(&os, a)) != KS_OK)
        goto fatal;
    inv->os = os;
    inv->has_os = true;
    goto out;
fatal:
    rc = ks_err_set(err, KS_ENOMEM, "os-release: out of memory");
out:
    ks_buf_release(&b);
    return rc;
}

/* ------------------------------------------------------------------------ */

enum ks_code
inv_os_from_packages(struct ks_inventory *inv, bool *changed)
{
    const struct ks_pkg *base = NULL;
    bool any_dpkg = false;
    struct ks_str v;
    size_t digits = 0;

    *changed = false;
    if (inv->has_os && inv->os.id != NULL &&
        (strcmp(inv->os.id, "debian") != 0 || inv->os.version_id != NULL))
        return KS_OK;
    for (size_t i = 0; i < inv->n_pkgs; i++) {
        const struct ks_pkg *p = inv->pkgs[i];

        if (p->extractor == NULL || strcmp(p->extractor, "dpkg") != 0)
            continue;
        any_dpkg = true;
        if (strcmp(p->name, "base-files") == 0)
            base = p;
    }
    if (!any_dpkg)
        return KS_OK;
    /* Debian's base-files is versioned by the release ("12.4+deb12u5"); */
    /* Ubuntu's is not ("12ubuntu4"), so only a Debian-maintained one counts. */
    if (base != NULL && base->maintainer != NULL && strstr(base->maintainer, "ubuntu") != NULL)
        base = NULL;
    inv->os.id = "debian";
    if (inv->os.source == NULL)
        inv->os.source = base ? base->path : "var/lib/dpkg";
    if (base != NULL) {
        v = ks_str_c(base->version);
        while (digits < v.len && v.ptr[digits] >= '0' && v.ptr[digits] <= '9')
            digits++;
        if (digits > 0 && digits < v.len && (v.ptr[digits] == '.' || v.ptr[digits] == '+')) {
            inv->os.version_id = ks_arena_strndup(inv->arena, v.ptr, digits);
            if (inv->os.version_id == NULL)
                return KS_ENOMEM;
        }
    }
    inv->has_os = true;
    *changed = true;
    return ks_os_finish(&inv->os, inv->arena);
}

enum ks_code
inv_restamp_os_packages(struct ks_inventory *inv, struct ks_err *err)
{
    for (size_t i = 0; i < inv->n_pkgs; i++) {
        struct ks_pkg *p = inv->pkgs[i];
        enum ks_eco eco;

        if (!ks_pkg_is_os(p))
            continue;
        p->ecosystem = ks_os_pkg_ecosystem(&inv->os, p->eco, &eco);
        p->eco = eco;
        p->purl = ks_pkg_make_purl(inv, p);
        if (p->purl == NULL && ks_distro_by_eco(p->eco) != NULL)
            return ks_err_set(err, KS_ENOMEM, "inventory: out of memory");
    }
    return KS_OK;
}
