/*
 * import_oval_debian.c: Debian's OVAL (www.debian.org/security/oval/
 * oval-definitions-<codename>.xml.bz2), the fallback for the security
 * tracker's own data: one definition per (CVE, source package) and release,
 * the package's dpkginfo state "less than" the fixed version ("less than
 * 0:0" means not affected). OVAL is published per release and lists only
 * what is fixed or not affected, so each file gives advisories
 * DEBIAN-CVE-…/<release> (one per CVE, every package of that release).
 */
#include "vulndb/distro_int.h"

#include <string.h>

#include "base/banned.h"

int
ks_vdb_debian_oval_sniff(struct ks_str head, const char *name)
{
    (void)name;
    if (!ks_df_has(head, "<oval_definitions") && !ks_df_has(head, ":oval_definitions"))
        return 0;
    return ks_df_has(head, "oval:org.debian") ||
                   (ks_df_has(head, "<oval:product_name>Debian</oval:product_name>"))
               ? 90
               : 0;
}

/* "Debian GNU/Linux 12" -> "12" */
static struct ks_str
release_in(const char *platform)
{
    struct ks_str s = ks_str_c(platform);
    size_t i = 0, k;

    if (!ks_str_has_prefix(s, "Debian"))
        return KS_STR_NULL;
    while (i < s.len && (s.ptr[i] < '0' || s.ptr[i] > '9'))
        i++;
    k = i;
    while (k < s.len && ((s.ptr[k] >= '0' && s.ptr[k] <= '9') || s.ptr[k] == '.'))
        k++;
    return ks_str_sub(s, i, k - i);
}

/* OVAL writes Debian versions with an explicit epoch: drop "0:" as OSV does. */
static const char *
strip_zero_epoch(const char *evr)
{
    return strncmp(evr, "0:", 2) == 0 ? evr + 2 : evr;
}

/* Does the record already hold an entry for package name? */
static bool
covers(const json_t *rec, const char *name)
{
    const json_t *aff = json_object_get(rec, "affected"), *e;
    size_t i;

    if (name == NULL)
        return false;
    json_array_foreach(aff, i, e)
    {
        const char *n = ks_json_str(json_object_get(e, "package"), "name");

        if (n != NULL && strcmp(n, name) == 0)
            return true;
    }
    return false;
}

struct deb_walk {
    const struct ks_oval *o;
    struct ks_dfeed *f;
    struct ks_vdb_sink *sink;
    struct ks_arena *a;
    json_t *rec;
    const char *eco, *cve, *def_pkg;
    size_t found;
};

static void
deb_criterion(void *arg, const struct ks_oval_def *d, const struct ks_oval_node *n,
              const char **ctx, size_t n_ctx)
{
    struct deb_walk *w = arg;
    const struct ks_oval_test *t = ks_oval_test(w->o, n->test_ref);
    const struct ks_oval_state *s = ks_oval_state_of(w->o, t);
    const char *const *names;
    size_t nn;
    struct ks_dpkg p = {0};

    (void)d;
    (void)ctx;
    (void)n_ctx;
    if (t == NULL || strcmp(t->kind, "dpkginfo_test") != 0 || s == NULL || s->evr == NULL)
        return;
    if (s->evr_op == NULL || strcmp(s->evr_op, "less than") != 0) {
        ks_vdb_malformed(w->sink, w->cve, "test '%s': unsupported operation '%s'",
                         t->id ? t->id : "?", s->evr_op ? s->evr_op : "(none)");
        return;
    }
    nn = ks_oval_names(w->o, t, &names);
    for (size_t i = 0; i < nn; i++) {
        const char *fixed = strip_zero_epoch(s->evr);
        /* A few objects have an empty <name> ("None DPKG is earlier than"): */
        /* the definition's <product> and title name the package then.    */
        const char *name = names[i] != NULL && names[i][0] != '\0' ? names[i] : w->def_pkg;

        if (name == NULL || name[0] == '\0')
            continue;
        p.ecosystem = w->eco;
        p.name = name;
        p.purl = ks_arena_sprintf(w->a, "pkg:deb/debian/%s?arch=source", name);
        if (strcmp(fixed, "0") == 0) {
            p.status = KS_VSTATUS_NOT_AFFECTED;
            p.fixed = NULL;
        } else {
            p.status = KS_VSTATUS_FIXED;
            p.fixed = fixed;
        }
        ks_dfeed_affected(w->f, w->rec, &p);
        w->found++;
    }
}

enum ks_code
ks_vdb_debian_oval_add(struct ks_dfeed *f, struct ks_vdb_stream *in, struct ks_vdb_sink *sink,
                       struct ks_err *err)
{
    struct ks_oval *o = NULL;
    struct ks_arena *a = NULL;
    enum ks_code rc;

    if ((rc = ks_oval_read(in, &o, err)) != KS_OK)
        return rc;
    /*
     * Two passes: the per-CVE definitions are the tracker's statement for
     * each CVE; a DSA/DLA definition only adds the CVEs and packages none
     * of them covers (a DSA superseded by a -2 regression fix would
     * otherwise add a second, older fixed version).
     */
    for (size_t i = 0; i < 2 * ks_oval_count(o); i++) {
        const struct ks_oval_def *d = ks_oval_def(o, i % ks_oval_count(o));
        bool second = i >= ks_oval_count(o);
        struct deb_walk w = {.o = o, .f = f, .sink = sink};
        struct ks_str rel = KS_STR_NULL, title = ks_str_c(d->title), cve;
        char where[64];
        ptrdiff_t sp;

        ks_arena_free(a);
        a = w.a = ks_arena_new(4096);
        if (a == NULL) {
            rc = ks_err_set(err, KS_ENOMEM, "out of memory");
            break;
        }
        snprintf(where, sizeof(where), "definition at line %d", d->line);
        /* "CVE-1999-0199 glibc"; "DSA-5131-1 openjdk-11" lists its CVEs as references */
        sp = ks_str_find_char(title, ' ');
        cve = sp > 0 ? ks_str_sub(title, 0, (size_t)sp) : title;
        if (ks_vdb_is_cve(cve) == second)
            continue; /* CVE definitions in the first pass, DSA/DLA ones in the second */
        w.def_pkg = d->product;
        if ((w.def_pkg == NULL || w.def_pkg[0] == '\0') && sp > 0)
            w.def_pkg = ks_arena_strdup_str(
                a, ks_str_trim(ks_str_sub(title, (size_t)sp + 1, title.len - (size_t)sp - 1)));
        for (size_t k = 0; k < d->n_platforms && rel.len == 0; k++)
            rel = release_in(d->platforms[k]);
        if (!ks_vdb_is_cve(cve) && !ks_str_has_prefix(cve, "DSA-") &&
            !ks_str_has_prefix(cve, "DLA-")) {
            if (!ks_str_has_prefix(cve, "TEMP-"))
                ks_vdb_malformed(sink, where, "title '%.60s' names no CVE",
                                 d->title ? d->title : "");
            continue; /* TEMP-…: an issue without a CVE id yet */
        }
        if (rel.len == 0) {
            ks_vdb_malformed(sink, where, "no Debian release in <platform>");
            continue;
        }
        w.eco = ks_arena_sprintf(a, "Debian:" KS_STR_FMT, KS_STR_ARG(rel));
        for (size_t k = 0; k <= d->n_refs; k++) {
            /* a CVE definition is about its title's CVE; a DSA one about each reference */
            if (ks_vdb_is_cve(cve)) {
                if (k > 0)
                    break;
                w.cve = ks_arena_strdup_str(a, cve);
            } else {
                if (k == d->n_refs)
                    break;
                if (d->refs[k].source == NULL || strcmp(d->refs[k].source, "CVE") != 0 ||
                    !ks_vdb_is_cve(ks_str_c(d->refs[k].id)))
                    continue;
                w.cve = d->refs[k].id;
            }
            {
                const char *rid = ks_arena_sprintf(a, "DEBIAN-%s/" KS_STR_FMT, w.cve,
                                                   KS_STR_ARG(rel));

                if (second && rid != NULL && ks_dfeed_has(f, rid) &&
                    covers(ks_dfeed_rec(f, rid), w.def_pkg))
                    continue;
                w.rec = ks_dfeed_rec(f, rid);
            }
            ks_dfeed_add_id(f, w.rec, "upstream", w.cve);
            if (ks_vdb_is_cve(cve) && d->description != NULL && d->description[0] != '\0')
                ks_dfeed_set(f, w.rec, "details", d->description);
            if (!ks_vdb_is_cve(cve))
                ks_dfeed_add_id(f, w.rec, "related", ks_arena_strdup_str(a, cve));
            ks_dfeed_add_ref(f, w.rec, "ADVISORY",
                             ks_arena_sprintf(a, "https://security-tracker.debian.org/tracker/%s",
                                              w.cve));
            ks_oval_walk(d, deb_criterion, &w);
        }
        if (w.found == 0 && ks_vdb_is_cve(cve))
            ks_vdb_malformed(sink, w.cve, "%s: no package version test", where);
    }
    if (rc == KS_OK && ks_oval_timestamp(o) != NULL)
        ks_vdb_put_meta(sink, "data_time", ks_oval_timestamp(o));
    ks_arena_free(a);
    ks_oval_free(o);
    return rc;
}

enum ks_code
ks_vdb_debian_oval_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink, struct ks_err *err)
{
    return ks_dfeed_import_one(ks_vdb_debian_oval_add, in, sink, err);
}

const char *
ks_vdb_debian_oval_label(struct ks_str head, const char *path, struct ks_arena *a)
{
    const char *p;
    char plat[64];
    size_t n = 0;
    struct ks_str rel;

    (void)path;
    if (head.len > KS_VDB_HEAD_BYTES)
        head.len = KS_VDB_HEAD_BYTES;
    p = ks_vdb_memmem(head.ptr, head.len, "<platform>", 10);
    if (p == NULL)
        return NULL;
    p += 10;
    while (p + n < head.ptr + head.len && n + 1 < sizeof(plat) && p[n] != '<')
        n++;
    memcpy(plat, p, n);
    plat[n] = '\0';
    rel = release_in(plat);
    return rel.len ? ks_arena_strdup_str(a, rel) : NULL;
}
