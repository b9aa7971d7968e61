/*
 * import_updateinfo.c: yum repositories' updateinfo.xml (gzip or plain) as
 * Amazon Linux (ALAS) and Rocky Linux (RLSA) publish them. Each security
 * <update> becomes one advisory with the publisher's id, its CVEs in
 * `upstream`, the severity word as vendor_severity, and one affected entry
 * per binary package name: fixed in epoch:version-release (RPM distros match
 * by binary name). Packages of a <module> collection carry the module
 * stream (purl qualifier rpmmod=name:stream, ecosystem_specific.module) so
 * the matcher applies them only to packages built for that stream.
 * The Amazon Linux release comes from the advisory id (ALAS2023-, ALAS2022-,
 * ALAS2-, plain ALAS- is Amazon Linux 1); Rocky's from <release>.
 */
#include "vulndb/distro_int.h"

#include <string.h>

#include "base/banned.h"

enum ui_distro { UI_ALAS, UI_ROCKY };

/* ------------------------------------------------------------------------ */
/* Sniffing                                                                 */

static bool
is_updateinfo(struct ks_str head)
{
    struct ks_str s = ks_df_skip_ws(head);

    return s.len > 0 && s.ptr[0] == '<' && ks_df_has(s, "<updates") && ks_df_has(s, "<update ");
}

int
ks_vdb_alas_sniff(struct ks_str head, const char *name)
{
    (void)name;
    return is_updateinfo(head) && ks_df_has(head, "<id>ALAS") ? 95 : 0;
}

int
ks_vdb_rocky_sniff(struct ks_str head, const char *name)
{
    (void)name;
    if (!is_updateinfo(head))
        return 0;
    return ks_df_has(head, "<id>RL") &&
                   (ks_df_has(head, "rockylinux.org") || ks_df_has(head, "Rocky Linux"))
               ? 95
               : 0;
}

/* ------------------------------------------------------------------------ */
/* Releases                                                                 */

/*
 * The Amazon Linux release an ALAS id names: ALAS2023-2023-001 -> "2023",
 * ALAS2022-... -> "2022", ALAS2-2018-942 -> "2", ALAS-2019-1234 -> "1". An
 * AL2 Extras advisory (ALAS2KERNEL-5.10-2022-001, ALAS2DOCKER-2023-1) is
 * for Amazon Linux 2 too; *extra names the extra ("KERNEL-5.10").
 */
static const char *
alas_release(const char *id, struct ks_str *extra)
{
    struct ks_str s = ks_str_c(id), rest;

    *extra = KS_STR_NULL;
    if (!ks_str_has_prefix(s, "ALAS"))
        return NULL;
    rest = ks_str_sub(s, 4, s.len - 4);
    if (ks_str_has_prefix(rest, "2023-"))
        return "2023";
    if (ks_str_has_prefix(rest, "2022-"))
        return "2022";
    if (ks_str_has_prefix(rest, "-"))
        return "1";
    if (ks_str_has_prefix(rest, "2-"))
        return "2";
    if (ks_str_has_prefix(rest, "2") && rest.len > 1) {
        /* ALAS2<EXTRA>-YYYY-NNN: the extra is everything up to "-YYYY-". */
        struct ks_str e = ks_str_sub(rest, 1, rest.len - 1);

        for (size_t i = 0; i + 6 <= e.len; i++) {
            if (e.ptr[i] == '-' && e.ptr[i + 1] >= '1' && e.ptr[i + 1] <= '2' &&
                e.ptr[i + 2] >= '0' && e.ptr[i + 2] <= '9' && e.ptr[i + 3] >= '0' &&
                e.ptr[i + 3] <= '9' && e.ptr[i + 4] >= '0' && e.ptr[i + 4] <= '9' &&
                e.ptr[i + 5] == '-' && i > 0) {
                *extra = ks_str_sub(e, 0, i);
                return "2";
            }
        }
    }
    return NULL;
}

/* "Rocky Linux 8" -> "8"; "Rocky Linux 9.2" -> "9". */
static struct ks_str
major_in(struct ks_str s)
{
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] >= '0' && s.ptr[i] <= '9') {
            size_t k = i;

            while (k < s.len && s.ptr[k] >= '0' && s.ptr[k] <= '9')
                k++;
            return ks_str_sub(s, i, k - i);
        }
    }
    return KS_STR_NULL;
}

/* ".el8_4" / ".module+el8.5.0+..." -> "8". */
static struct ks_str
el_major(const char *release)
{
    struct ks_str s = ks_str_c(release);

    for (size_t i = 0; i + 3 < s.len; i++) {
        if (s.ptr[i] == 'e' && s.ptr[i + 1] == 'l' && s.ptr[i + 2] >= '0' && s.ptr[i + 2] <= '9' &&
            (i == 0 || s.ptr[i - 1] == '.' || s.ptr[i - 1] == '+'))
            return major_in(ks_str_sub(s, i + 2, s.len - i - 2));
    }
    return KS_STR_NULL;
}

/* ------------------------------------------------------------------------ */
/* Parsing                                                                  */

struct ui_pkg {
    const char *name, *evr, *module; /* module: "ruby:2.6" or NULL */
    const char *release;             /* rpm release, for el<N> */
};

struct ui_update {
    const char *id, *type, *title, *issued, *updated, *severity, *description, *release;
    struct ks_vec pkgs; /* struct ui_pkg */
    struct ks_vec refs; /* struct { type, id, href } */
    const char *problem; /* why the record is unusable (first problem) */
};

struct ui_ref {
    const char *type, *id, *href;
};

struct ui_ctx {
    enum ui_distro distro;
    struct ks_dfeed *f;
    struct ks_vdb_sink *sink;
    struct ks_xml *x;
    struct ks_arena *a; /* per update */
    uint64_t n;         /* <update> elements seen */
};

static void
problem(struct ui_update *u, const char *what)
{
    if (u->problem == NULL)
        u->problem = what;
}

static enum ks_code
text_of(struct ui_ctx *c, struct ui_update *u, const char **out, struct ks_err *err)
{
    enum ks_code rc = ks_xml_text(c->x, c->a, out, err);

    if (rc == KS_ETOOBIG) {
        problem(u, "a field is too long");
        *out = NULL;
        return KS_OK;
    }
    return rc;
}

static enum ks_code
read_pkglist(struct ui_ctx *c, struct ui_update *u, struct ks_err *err)
{
    int depth = ks_xml_depth(c->x);
    const char *module = NULL;
    enum ks_code rc;

    if (ks_xml_empty(c->x))
        return KS_OK;
    for (;;) {
        enum ks_xml_node t;
        const char *n;

        if ((rc = ks_xml_next(c->x, &t, err)) != KS_OK)
            return rc == KS_ENOTFOUND ? ks_err_set(err, KS_EPARSE, "truncated XML") : rc;
        if (t == KS_XML_END && ks_xml_depth(c->x) == depth)
            return KS_OK;
        if (t == KS_XML_END && strcmp(ks_xml_name(c->x), "collection") == 0)
            module = NULL;
        if (t != KS_XML_START)
            continue;
        n = ks_xml_name(c->x);
        if (strcmp(n, "module") == 0) {
            const char *mn = ks_xml_attr(c->x, "name");
            char *m = mn ? ks_arena_strdup(c->a, mn) : NULL;
            const char *ms = ks_xml_attr(c->x, "stream");

            if (m != NULL && ms != NULL && m[0] != '\0' && ms[0] != '\0')
                module = ks_arena_sprintf(c->a, "%s:%s", m, ms);
            else
                problem(u, "<module> without name or stream");
        } else if (strcmp(n, "package") == 0) {
            struct ui_pkg *p = ks_vec_push(&u->pkgs);
            const char *v;
            char *name, *epoch, *ver, *rel;

            if (p == NULL)
                return ks_err_set(err, KS_ENOMEM, "out of memory");
            if (u->pkgs.len > KS_DF_MAX_AFFECTED)
                return ks_err_set(err, KS_ETOOBIG, "%s: update '%s' lists more than %d packages",
                                  c->sink->file ? c->sink->file : "updateinfo",
                                  u->id ? u->id : "?", KS_DF_MAX_AFFECTED);
            name = (v = ks_xml_attr(c->x, "name")) ? ks_arena_strdup(c->a, v) : NULL;
            epoch = (v = ks_xml_attr(c->x, "epoch")) ? ks_arena_strdup(c->a, v) : NULL;
            ver = (v = ks_xml_attr(c->x, "version")) ? ks_arena_strdup(c->a, v) : NULL;
            rel = (v = ks_xml_attr(c->x, "release")) ? ks_arena_strdup(c->a, v) : NULL;
            if (name == NULL || name[0] == '\0' || ver == NULL || ver[0] == '\0' ||
                rel == NULL || rel[0] == '\0') {
                problem(u, "a <package> lacks name, version or release");
                u->pkgs.len--;
            } else {
                p->name = name;
                p->evr = ks_df_rpm_evr(c->a, epoch, ver, rel);
                p->release = rel;
                p->module = module;
                if (p->evr == NULL)
                    return ks_err_set(err, KS_ENOMEM, "out of memory");
            }
            if ((rc = ks_xml_skip(c->x, err)) != KS_OK)
                return rc;
        }
    }
}

static enum ks_code
read_update(struct ui_ctx *c, struct ui_update *u, struct ks_err *err)
{
    int depth = ks_xml_depth(c->x);
    const char *v;
    enum ks_code rc;

    u->type = (v = ks_xml_attr(c->x, "type")) ? ks_arena_strdup(c->a, v) : NULL;
    if (ks_xml_empty(c->x))
        return KS_OK;
    for (;;) {
        enum ks_xml_node t;
        const char *n;

        if ((rc = ks_xml_next(c->x, &t, err)) != KS_OK)
            return rc == KS_ENOTFOUND ? ks_err_set(err, KS_EPARSE, "truncated XML") : rc;
        if (t == KS_XML_END && ks_xml_depth(c->x) == depth)
            return KS_OK;
        if (t != KS_XML_START || ks_xml_depth(c->x) != depth + 1)
            continue;
        n = ks_xml_name(c->x);
        if (strcmp(n, "id") == 0) {
            rc = text_of(c, u, &u->id, err);
        } else if (strcmp(n, "title") == 0) {
            rc = text_of(c, u, &u->title, err);
        } else if (strcmp(n, "severity") == 0) {
            rc = text_of(c, u, &u->severity, err);
        } else if (strcmp(n, "description") == 0) {
            rc = text_of(c, u, &u->description, err);
        } else if (strcmp(n, "release") == 0) {
            rc = text_of(c, u, &u->release, err);
        } else if (strcmp(n, "issued") == 0 || strcmp(n, "updated") == 0) {
            const char *d = ks_xml_attr(c->x, "date");
            char *t3339 = d ? ks_df_time(c->a, ks_str_c(d)) : NULL;

            if (d != NULL && t3339 == NULL)
                problem(u, "a date is not a date");
            if (n[0] == 'i')
                u->issued = t3339;
            else
                u->updated = t3339;
            rc = ks_xml_skip(c->x, err);
        } else if (strcmp(n, "references") == 0) {
            int rd = ks_xml_depth(c->x);
            bool empty = ks_xml_empty(c->x);

            rc = KS_OK;
            while (!empty && rc == KS_OK) {
                enum ks_xml_node t2;

                if ((rc = ks_xml_next(c->x, &t2, err)) != KS_OK)
                    return rc == KS_ENOTFOUND ? ks_err_set(err, KS_EPARSE, "truncated XML") : rc;
                if (t2 == KS_XML_END && ks_xml_depth(c->x) == rd)
                    break;
                if (t2 == KS_XML_START && strcmp(ks_xml_name(c->x), "reference") == 0) {
                    struct ui_ref *r = ks_vec_push(&u->refs);
                    const char *a;

                    if (r == NULL)
                        return ks_err_set(err, KS_ENOMEM, "out of memory");
                    if (u->refs.len > KS_VDB_MAX_ARRAY)
                        return ks_err_set(err, KS_ETOOBIG, "update '%s': too many references",
                                          u->id ? u->id : "?");
                    r->type = (a = ks_xml_attr(c->x, "type")) ? ks_arena_strdup(c->a, a) : "";
                    r->id = (a = ks_xml_attr(c->x, "id")) ? ks_arena_strdup(c->a, a) : "";
                    r->href = (a = ks_xml_attr(c->x, "href")) ? ks_arena_strdup(c->a, a) : "";
                    if (r->type == NULL || r->id == NULL || r->href == NULL)
                        return ks_err_set(err, KS_ENOMEM, "out of memory");
                    rc = ks_xml_skip(c->x, err);
                }
            }
        } else if (strcmp(n, "pkglist") == 0) {
            rc = read_pkglist(c, u, err);
        } else {
            rc = ks_xml_skip(c->x, err);
        }
        if (rc != KS_OK)
            return rc;
    }
}

/* ------------------------------------------------------------------------ */
/* Records                                                                  */

static const char *
ecosystem_of(struct ui_ctx *c, struct ui_update *u, struct ks_str *extra)
{
    struct ks_str rel;

    *extra = KS_STR_NULL;
    if (c->distro == UI_ALAS) {
        const char *r = alas_release(u->id, extra);

        return r ? ks_arena_sprintf(c->a, "Amazon Linux:%s", r) : NULL;
    }
    rel = major_in(ks_str_c(u->release));
    for (size_t i = 0; rel.len == 0 && i < u->pkgs.len; i++)
        rel = el_major(((struct ui_pkg *)ks_vec_at(&u->pkgs, i))->release);
    return rel.len ? ks_arena_sprintf(c->a, "Rocky Linux:" KS_STR_FMT, KS_STR_ARG(rel)) : NULL;
}

static enum ks_code
emit(struct ui_ctx *c, struct ui_update *u, struct ks_err *err)
{
    struct ks_str extra;
    const char *eco, *sev;
    json_t *rec;
    char where[64];

    (void)err;
    if (u->id == NULL || u->id[0] == '\0') {
        snprintf(where, sizeof(where), "update #%llu", (unsigned long long)c->n);
        ks_vdb_malformed(c->sink, where, "no <id>");
        return KS_OK;
    }
    /* Bug-fix and enhancement errata (RLBA, RLEA) fix no vulnerability. */
    if (u->type != NULL && strcmp(u->type, "security") != 0)
        return KS_OK;
    if (u->problem != NULL) {
        ks_vdb_malformed(c->sink, u->id, "%s", u->problem);
        return KS_OK;
    }
    if (u->pkgs.len == 0) {
        ks_vdb_malformed(c->sink, u->id, "no packages");
        return KS_OK;
    }
    eco = ecosystem_of(c, u, &extra);
    if (eco == NULL) {
        ks_vdb_malformed(c->sink, u->id,
                         c->distro == UI_ALAS ? "the id names no Amazon Linux release"
                                              : "no Rocky Linux release (<release>, el<N>)");
        return KS_OK;
    }
    if (ks_vdb_is_cve(ks_str_c(u->id)) || strlen(u->id) > KS_VDB_MAX_ID) {
        ks_vdb_malformed(c->sink, u->id, "not an advisory id");
        return KS_OK;
    }
    rec = ks_dfeed_rec(c->f, u->id);
    ks_dfeed_set(c->f, rec, "summary", u->title);
    ks_dfeed_set(c->f, rec, "details", u->description);
    ks_dfeed_set(c->f, rec, "published", u->issued);
    ks_dfeed_set_time(c->f, rec, "modified", u->issued);
    ks_dfeed_set_time(c->f, rec, "modified", u->updated);
    for (size_t i = 0; i < u->refs.len; i++) {
        struct ui_ref *r = ks_vec_at(&u->refs, i);

        if (strcmp(r->type, "cve") == 0 && ks_vdb_is_cve(ks_str_c(r->id)))
            ks_dfeed_add_id(c->f, rec, "upstream", r->id);
        else if (strcmp(r->type, "erratum") == 0 && r->id[0] != '\0')
            ks_dfeed_add_id(c->f, rec, "related", r->id);
        ks_dfeed_add_ref(c->f, rec, strcmp(r->type, "self") == 0 ? "ADVISORY" : "WEB", r->href);
    }
    if (c->distro == UI_ALAS) {
        /* https://alas.aws.amazon.com/AL2023/ALAS2023-2023-001.html */
        const char *dir = strncmp(u->id, "ALAS2023", 8) == 0   ? "AL2023/"
                          : strncmp(u->id, "ALAS2022", 8) == 0 ? "AL2022/"
                          : strncmp(u->id, "ALAS2", 5) == 0    ? "AL2/"
                                                               : "";

        ks_dfeed_add_ref(c->f, rec, "ADVISORY",
                         ks_arena_sprintf(c->a, "https://alas.aws.amazon.com/%s%s.html", dir,
                                          u->id));
    } else {
        ks_dfeed_add_ref(c->f, rec, "ADVISORY",
                         ks_arena_sprintf(c->a, "https://errata.rockylinux.org/%s", u->id));
    }
    sev = ks_df_lower(c->a, u->severity);
    if (sev != NULL && (strcmp(sev, "none") == 0 || sev[0] == '\0'))
        sev = NULL;
    for (size_t i = 0; i < u->pkgs.len; i++) {
        struct ui_pkg *p = ks_vec_at(&u->pkgs, i);
        struct ks_dpkg d = {.ecosystem = eco,
                            .name = p->name,
                            .status = KS_VSTATUS_FIXED,
                            .fixed = p->evr,
                            .vendor_severity = sev};

        if (p->module != NULL) {
            d.purl = ks_arena_sprintf(c->a, "pkg:rpm/%s/%s?rpmmod=%s",
                                      c->distro == UI_ALAS ? "amazonlinux" : "rocky-linux",
                                      p->name, p->module);
            d.ecosystem_specific = json_pack("{s:s}", "module", p->module);
        }
        if (extra.len > 0) {
            json_t *es = d.ecosystem_specific ? d.ecosystem_specific : json_object();

            json_object_set_new(es, "amazon_extra", json_stringn(extra.ptr, extra.len));
            d.ecosystem_specific = es;
        }
        ks_dfeed_affected(c->f, rec, &d);
    }
    return KS_OK;
}

static enum ks_code
ui_add(enum ui_distro distro, struct ks_dfeed *f, struct ks_vdb_stream *in,
       struct ks_vdb_sink *sink, struct ks_err *err)
{
    struct ui_ctx c = {.distro = distro, .f = f, .sink = sink};
    enum ks_code rc;
    bool root = false;

    if ((rc = ks_xml_open(in, &c.x, err)) != KS_OK)
        return rc;
    for (;;) {
        enum ks_xml_node t;

        rc = ks_xml_next(c.x, &t, err);
        if (rc == KS_ENOTFOUND) {
            rc = root ? KS_OK
                      : ks_err_set(err, KS_EPARSE, "%s: not an updateinfo document (no <updates>)",
                                   in->name);
            break;
        }
        if (rc != KS_OK)
            break;
        if (t != KS_XML_START)
            continue;
        if (ks_xml_depth(c.x) == 0) {
            if (strcmp(ks_xml_name(c.x), "updates") != 0) {
                rc = ks_err_set(err, KS_EPARSE, "%s: root element is <%s>, not <updates>",
                                in->name, ks_xml_name(c.x));
                break;
            }
            root = true;
            continue;
        }
        if (ks_xml_depth(c.x) == 1 && strcmp(ks_xml_name(c.x), "update") == 0) {
            struct ui_update u;

            memset(&u, 0, sizeof(u));
            ks_vec_init(&u.pkgs, sizeof(struct ui_pkg));
            ks_vec_init(&u.refs, sizeof(struct ui_ref));
            c.a = ks_arena_new(16 * 1024);
            c.n++;
            if (c.a == NULL)
                rc = ks_err_set(err, KS_ENOMEM, "out of memory");
            else if ((rc = read_update(&c, &u, err)) == KS_OK)
                rc = emit(&c, &u, err);
            else if (rc != KS_ENOMEM)
                ks_err_prefix(err, "%s: update '%s': ", in->name, u.id ? u.id : "?");
            ks_vec_release(&u.pkgs);
            ks_vec_release(&u.refs);
            ks_arena_free(c.a);
            c.a = NULL;
            if (rc != KS_OK)
                break;
        } else if ((rc = ks_xml_skip(c.x, err)) != KS_OK) {
            break;
        }
    }
    ks_xml_free(c.x);
    return rc;
}

enum ks_code
ks_vdb_alas_add(struct ks_dfeed *f, struct ks_vdb_stream *in, struct ks_vdb_sink *sink,
                struct ks_err *err)
{
    return ui_add(UI_ALAS, f, in, sink, err);
}

enum ks_code
ks_vdb_rocky_add(struct ks_dfeed *f, struct ks_vdb_stream *in, struct ks_vdb_sink *sink,
                 struct ks_err *err)
{
    return ui_add(UI_ROCKY, f, in, sink, err);
}

enum ks_code
ks_vdb_alas_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink, struct ks_err *err)
{
    return ks_dfeed_import_one(ks_vdb_alas_add, in, sink, err);
}

enum ks_code
ks_vdb_rocky_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink, struct ks_err *err)
{
    return ks_dfeed_import_one(ks_vdb_rocky_add, in, sink, err);
}

/* ------------------------------------------------------------------------ */
/* Labels                                                                   */

const char *
ks_vdb_alas_label(struct ks_str head, const char *path, struct ks_arena *a)
{
    const char *p;
    char id[40];
    struct ks_str extra;
    size_t n = 0;

    (void)path;
    if (head.len > KS_VDB_SNIFF_BYTES)
        head.len = KS_VDB_SNIFF_BYTES;
    p = ks_vdb_memmem(head.ptr, head.len, "<id>ALAS", 8);
    if (p == NULL)
        return NULL;
    p += 4;
    while (p + n < head.ptr + head.len && n + 1 < sizeof(id) && p[n] != '<')
        n++;
    memcpy(id, p, n);
    id[n] = '\0';
    p = alas_release(id, &extra);
    return p ? ks_arena_strdup(a, p) : NULL;
}

/* "8-BaseOS" from the release in the head and a repository directory in the path. */
const char *
ks_vdb_rocky_label(struct ks_str head, const char *path, struct ks_arena *a)
{
    static const char *const repos[] = {"BaseOS", "AppStream", "PowerTools", "CRB",
                                        "extras", "devel", "HighAvailability",
                                        "ResilientStorage", "RT", "NFV", "SAP", "SAPHANA",
                                        "plus"};
    const char *p, *e;
    struct ks_str rel = KS_STR_NULL, repo = KS_STR_NULL, pa = ks_str_c(path);

    if (head.len > KS_VDB_SNIFF_BYTES)
        head.len = KS_VDB_SNIFF_BYTES;
    p = ks_vdb_memmem(head.ptr, head.len, "<release>", 9);
    if (p != NULL) {
        e = ks_vdb_memmem(p, (size_t)(head.ptr + head.len - p), "</release>", 10);
        if (e != NULL)
            rel = major_in(ks_str_make(p + 9, (size_t)(e - p - 9)));
    }
    if (rel.len == 0)
        return NULL;
    for (size_t i = 0; i < pa.len && repo.len == 0; i++) {
        if (i > 0 && pa.ptr[i - 1] != '/')
            continue;
        for (size_t k = 0; k < KS_ARRAY_LEN(repos); k++) {
            size_t n = strlen(repos[k]);

            if (i + n < pa.len && memcmp(pa.ptr + i, repos[k], n) == 0 && pa.ptr[i + n] == '/') {
                repo = ks_str_make(pa.ptr + i, n);
                break;
            }
        }
    }
    if (repo.len == 0)
        return ks_arena_strdup_str(a, rel);
    return ks_arena_sprintf(a, KS_STR_FMT "-" KS_STR_FMT, KS_STR_ARG(rel), KS_STR_ARG(repo));
}
