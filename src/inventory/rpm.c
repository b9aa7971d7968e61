/*
 * rpm.c: the rpm extractor: finds the rpmdb at its canonical places
 * (var/lib/rpm, usr/lib/sysimage/rpm), picks the format rpm itself would
 * use when a directory holds more than one (rpmdb.sqlite, then Packages.db,
 * then Packages: a leftover BDB beside a converted database is stale), and
 * turns each header into a package: version "[epoch:]version-release" as
 * `rpm -q` prints it, epoch only when the header has one, the source package
 * from SOURCERPM, file ownership from BASENAMES/DIRNAMES/DIRINDEXES (or
 * OLDFILENAMES), dependencies from REQUIRENAME/PROVIDENAME.
 */
#include "inventory/inventory_int.h"

#include <string.h>

#include "base/banned.h"

struct rpm_run {
    struct ks_extract_ctx *ctx;
    const struct ks_extract_input *in;
    enum ks_eco fallback; /* when the root has no rpm distribution: from the vendor */
    size_t n_ok, n_bad;
};

/* Which distribution built the package, by its VENDOR (no os-release: a bare rpmdb). */
static enum ks_eco
eco_from_vendor(const char *vendor)
{
    static const struct {
        const char *needle;
        enum ks_eco eco;
    } vendors[] = {
        {"Red Hat", KS_ECO_REDHAT},        {"CentOS", KS_ECO_CENTOS},
        {"Rocky", KS_ECO_ROCKY},           {"AlmaLinux", KS_ECO_ALMA},
        {"Amazon", KS_ECO_AMAZON},         {"Oracle", KS_ECO_ORACLE},
        {"Fedora", KS_ECO_FEDORA},         {"SUSE", KS_ECO_SUSE},
        {"openSUSE", KS_ECO_OPENSUSE},     {"Microsoft", KS_ECO_AZURE},
        {"VMware", KS_ECO_PHOTON},
    };

    for (size_t i = 0; vendor && i < KS_ARRAY_LEN(vendors); i++)
        if (strstr(vendor, vendors[i].needle) != NULL)
            return vendors[i].eco;
    return KS_ECO_UNKNOWN;
}

/* "openssl-1.1.1k-7.el8_6.src.rpm" -> name "openssl", version-release "1.1.1k-7.el8_6" */
static bool
split_sourcerpm(const char *srpm, struct ks_str *name, struct ks_str *vr)
{
    struct ks_str s = ks_str_c(srpm);
    size_t dash2 = 0, dash1 = 0;

    if (ks_str_has_suffix(s, ".src.rpm"))
        s.len -= 8;
    else if (ks_str_has_suffix(s, ".nosrc.rpm"))
        s.len -= 10;
    else
        return false;
    for (size_t i = s.len; i > 0; i--) {
        if (s.ptr[i - 1] == '-') {
            if (dash1 == 0) {
                dash1 = i - 1;
            } else {
                dash2 = i - 1;
                break;
            }
        }
    }
    if (dash1 == 0 || dash2 == 0)
        return false;
    *name = ks_str_sub(s, 0, dash2);
    *vr = ks_str_sub(s, dash2 + 1, s.len - dash2 - 1);
    return name->len > 0;
}

static void
rpm_warn_cb(void *arg, const char *msg)
{
    struct rpm_run *r = arg;

    ks_extract_warn(r->ctx, "%s: %s", r->in->path, msg);
}

static enum ks_code
own_files(struct ks_extract_ctx *ctx, struct ks_pkg *p, const struct ks_rpm_header *h)
{
    struct ks_buf path = KS_BUF_INIT(KS_FS_MAX_PATH * 2);
    enum ks_code rc = KS_OK;

    for (size_t i = 0; i < h->n_basenames && rc == KS_OK; i++) {
        ks_buf_reset(&path);
        ks_buf_appends(&path, h->dirnames[h->dirindexes[i]]);
        ks_buf_appends(&path, h->basenames[i]);
        if (ks_buf_err(&path) == KS_ENOMEM)
            rc = KS_ENOMEM;
        else if (ks_buf_err(&path) == KS_OK)
            rc = ks_extract_own(ctx, p, ks_buf_str(&path));
    }
    for (size_t i = 0; i < h->n_oldfilenames && rc == KS_OK; i++)
        rc = ks_extract_own(ctx, p, ks_str_c(h->oldfilenames[i]));
    ks_buf_release(&path);
    if (rc == KS_OK)
        p->n_files = h->n_basenames + h->n_oldfilenames;
    return rc;
}

static enum ks_code
one_blob(void *arg, const void *blob, size_t len, const char *where)
{
    struct rpm_run *r = arg;
    struct ks_extract_ctx *ctx = r->ctx;
    struct ks_inventory *inv = ks_extract_inventory(ctx);
    struct ks_arena *a = ks_extract_arena(ctx);
    struct ks_rpm_header h;
    struct ks_err e2 = KS_ERR_INIT;
    struct ks_pkg *p, *added = NULL;
    enum ks_code rc;
    enum ks_eco eco;
    struct ks_str sname, svr;

    rc = ks_rpm_header_parse(blob, len, a, &h, &e2);
    if (rc == KS_ENOMEM)
        return rc;
    if (rc != KS_OK) {
        r->n_bad++;
        ks_extract_warn(ctx, "%s: %s: %s, skipped", r->in->path, where, e2.msg);
        return KS_OK;
    }
    if (h.bad_file_list)
        ks_extract_warn(ctx, "%s: %s: package '%s' has an inconsistent file list, files not "
                        "recorded",
                        r->in->path, where, h.name);
    if ((p = ks_extract_pkg(ctx)) == NULL)
        return KS_ENOMEM;
    p->flags |= KS_PKG_OS;
    {
        const struct ks_os *os = ks_extract_os(ctx);
        const struct ks_distro *od = os ? ks_distro_by_eco(os->eco) : NULL;

        if (od != NULL && strcmp(od->purl_type, "rpm") == 0) {
            p->ecosystem = ks_os_pkg_ecosystem(os, os->eco, &eco);
        } else {
            enum ks_eco v = eco_from_vendor(h.vendor);

            if (v == KS_ECO_UNKNOWN)
                v = r->fallback;
            p->ecosystem = ks_os_pkg_ecosystem(NULL, v, &eco);
        }
        p->eco = eco;
        if (p->ecosystem == NULL || p->ecosystem[0] == '\0')
            p->ecosystem = "rpm"; /* no distribution known: say only what it is */
    }
    p->name = h.name;
    p->base_version = h.version;
    p->release = h.release;
    if (h.has_epoch) {
        p->epoch = ks_arena_sprintf(a, "%u", h.epoch);
        p->version = h.release ? ks_arena_sprintf(a, "%u:%s-%s", h.epoch, h.version, h.release)
                               : ks_arena_sprintf(a, "%u:%s", h.epoch, h.version);
    } else {
        p->version = h.release ? ks_arena_sprintf(a, "%s-%s", h.version, h.release) : h.version;
    }
    if (p->version == NULL || (h.has_epoch && p->epoch == NULL))
        return KS_ENOMEM;
    p->arch = h.arch;
    p->license = h.license;
    p->vendor = h.vendor;
    if (h.sourcerpm != NULL && split_sourcerpm(h.sourcerpm, &sname, &svr)) {
        p->source_name = ks_arena_strdup_str(a, sname);
        p->source_version = h.has_epoch ? ks_arena_sprintf(a, "%u:" KS_STR_FMT, h.epoch,
                                                           KS_STR_ARG(svr))
                                        : ks_arena_strdup_str(a, svr);
        if (p->source_name == NULL || p->source_version == NULL)
            return KS_ENOMEM;
        if (ks_pkg_set_meta(inv, p, "sourcerpm", h.sourcerpm) != KS_OK)
            return KS_ENOMEM;
    } else if (h.sourcerpm != NULL) {
        ks_extract_warn(ctx, "%s: %s: package '%s': cannot read SOURCERPM '%s'", r->in->path,
                        where, h.name, h.sourcerpm);
    }
    if (h.modularitylabel && ks_pkg_set_meta(inv, p, "modularitylabel", h.modularitylabel) != KS_OK)
        return KS_ENOMEM;
    for (size_t i = 0; i < h.n_requires; i++) {
        /* rpmlib(...) and file dependencies are not packages */
        if (h.requires[i][0] == '/' || strncmp(h.requires[i], "rpmlib(", 7) == 0)
            continue;
        if (ks_pkg_add_dep_name(inv, p, ks_str_c(h.requires[i])) != KS_OK)
            return KS_ENOMEM;
    }
    for (size_t i = 0; i < h.n_provides; i++)
        if (strcmp(h.provides[i], h.name) != 0 &&
            ks_pkg_add_provide(inv, p, ks_str_c(h.provides[i])) != KS_OK)
            return KS_ENOMEM;
    if (ks_distro_by_eco(p->eco) == NULL) {
        /* No distribution known: a purl without a namespace still names it. */
        struct ks_kv q[2];
        struct ks_purl u = {"rpm", NULL, p->name, NULL, q, 0, NULL};
        struct ks_buf b = KS_BUF_INIT(1 << 16);

        u.version = h.release ? ks_arena_sprintf(a, "%s-%s", h.version, h.release) : h.version;
        if (p->arch)
            q[u.n_qualifiers++] = (struct ks_kv){"arch", p->arch};
        if (p->epoch)
            q[u.n_qualifiers++] = (struct ks_kv){"epoch", p->epoch};
        ks_purl_build(&u, &b);
        p->purl = ks_buf_err(&b) == KS_OK ? ks_arena_strndup(a, b.data, b.len) : NULL;
        ks_buf_release(&b);
        if (u.version == NULL || p->purl == NULL)
            return KS_ENOMEM;
    }
    rc = ks_extract_emit(ctx, p, &added, &e2);
    if (rc != KS_OK)
        return rc == KS_ENOMEM ? rc : KS_OK;
    r->n_ok++;
    return own_files(ctx, added, &h);
}

/* "usr/lib/sysimage/rpm/Packages" -> its directory and format rank (lower is preferred). */
static int
format_rank(const char *path, size_t *dir_len)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;

    *dir_len = (size_t)(base - path);
    if (strcmp(base, "rpmdb.sqlite") == 0)
        return 0;
    if (strcmp(base, "Packages.db") == 0)
        return 1;
    return 2;
}

enum ks_code
ks_extract_rpm(struct ks_extract_ctx *ctx, const struct ks_extract_input *in, struct ks_err *err)
{
    struct rpm_run r = {ctx, in, KS_ECO_UNKNOWN, 0, 0};
    size_t n, dir_len, other_dir;
    const char *const *all = ks_extract_matches(ctx, &n);
    int rank = format_rank(in->path, &dir_len);
    enum ks_code rc;
    struct ks_err e2 = KS_ERR_INIT;

    /* A better format in the same directory is the live database. */
    for (size_t i = 0; i < n; i++) {
        int other = format_rank(all[i], &other_dir);

        if (other < rank && other_dir == dir_len && strncmp(all[i], in->path, dir_len) == 0) {
            ks_log(KS_LOG_INFO, "inventory.rpm", "'%s' ignored: '%s' is the current database",
                   in->path, all[i]);
            return KS_OK;
        }
    }
    if (in->data.len == 0) {
        if (rank != 0)
            ks_extract_warn(ctx, "%s: empty file", in->path);
        return KS_OK;
    }
    switch (rank) {
    case 0:
        rc = ks_rpm_sqlite_each(in->data.ptr, in->data.len, one_blob, rpm_warn_cb, &r, &e2);
        break;
    case 1:
        rc = ks_rpm_ndb_each(in->data.ptr, in->data.len, one_blob, rpm_warn_cb, &r, &e2);
        break;
    default:
        rc = ks_rpm_bdb_each(in->data.ptr, in->data.len, one_blob, rpm_warn_cb, &r, &e2);
        break;
    }
    if (rc == KS_ENOMEM)
        return ks_err_set(err, rc, "rpm: out of memory reading '%s'", in->path);
    if (rc != KS_OK)
        ks_extract_warn(ctx, "%s: %s", in->path, e2.msg);
    ks_log(KS_LOG_DEBUG, "inventory.rpm", "%s: %zu packages, %zu unreadable headers", in->path,
           r.n_ok, r.n_bad);
    return KS_OK;
}
