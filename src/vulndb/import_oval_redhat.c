/*
 * import_oval_redhat.c: Red Hat's OVAL v2 (security.access.redhat.com/data/
 * oval/v2/RHEL<N>/<product>[-including-unpatched].oval.xml.bz2):
 *  - patch definitions (RHSA/RHBA/RHEA): "<pkg> is earlier than E:V-R"
 *    tests under an AND naming the release ("Red Hat Enterprise Linux 8 is
 *    installed") and, for module streams, "Module nodejs:18 is enabled":
 *    one advisory with the erratum's id, an entry per binary package;
 *  - the "-including-unpatched" files' CVE definitions (oval:com.redhat.cve):
 *    "<pkg> is installed" with the resolution Red Hat states (Affected,
 *    Will not fix, Fix deferred, Out of support scope) -> the vendor status;
 *  - unaffected definitions (oval:com.redhat.unaffected): "<pkg> is not
 *    installed" -> not_affected.
 * A CVE is repeated in every product file that ships the package, so its
 * records are REDHAT-CVE-…/<release>/<product> (product from the file name).
 */
#include "vulndb/distro_int.h"

#include <string.h>

#include "base/banned.h"

int
ks_vdb_redhat_oval_sniff(struct ks_str head, const char *name)
{
    (void)name;
    if (!ks_df_has(head, "oval_definitions"))
        return 0;
    return ks_df_has(head, "oval:com.redhat.") || ks_df_has(head, "Red Hat OVAL Patch Definition")
               ? 90
               : 0;
}

/* "Red Hat Enterprise Linux 8 is installed" -> "8" */
static struct ks_str
release_in(const char *comment)
{
    struct ks_str s = ks_str_c(comment);
    static const char prefix[] = "Red Hat Enterprise Linux ";
    size_t i = sizeof(prefix) - 1, k;

    if (!ks_str_has_prefix(s, prefix) || !ks_str_has_suffix(s, " is installed"))
        return KS_STR_NULL;
    k = i;
    while (k < s.len && s.ptr[k] >= '0' && s.ptr[k] <= '9')
        k++;
    return ks_str_sub(s, i, k - i);
}

static struct ks_str
module_in(const char *comment)
{
    struct ks_str s = ks_str_c(comment);
    const char *end;

    if (!ks_str_has_prefix(s, "Module ") ||
        (end = ks_vdb_memmem(s.ptr, s.len, " is enabled", 11)) == NULL || end <= s.ptr + 7)
        return KS_STR_NULL;
    return ks_str_make(s.ptr + 7, (size_t)(end - s.ptr - 7));
}

/* "…/RHEL8/ansible-2-including-unpatched.oval.xml.bz2" -> "ansible-2" */
static struct ks_str
product_of(const char *path)
{
    struct ks_str p = ks_str_c(path), base = p;
    static const char *const tails[] = {".bz2", ".gz", ".xz", ".xml", ".oval",
                                        "-including-unpatched"};
    bool again = true;

    for (size_t i = p.len; i > 0; i--)
        if (p.ptr[i - 1] == '/' || p.ptr[i - 1] == ':') {
            base = ks_str_sub(p, i, p.len - i);
            break;
        }
    while (again) {
        again = false;
        for (size_t i = 0; i < KS_ARRAY_LEN(tails); i++)
            if (ks_str_has_suffix(base, tails[i]) && base.len > strlen(tails[i])) {
                base.len -= strlen(tails[i]);
                again = true;
            }
    }
    return base;
}

static bool
resolution_status(const char *state, enum ks_vuln_status *st)
{
    static const struct {
        const char *state;
        enum ks_vuln_status status;
    } map[] = {
        {"Affected", KS_VSTATUS_AFFECTED},
        {"Will not fix", KS_VSTATUS_WILL_NOT_FIX},
        {"Fix deferred", KS_VSTATUS_FIX_DEFERRED},
        {"Out of support scope", KS_VSTATUS_END_OF_LIFE},
        {"Under investigation", KS_VSTATUS_AFFECTED},
        {"New", KS_VSTATUS_AFFECTED},
        {"Not affected", KS_VSTATUS_NOT_AFFECTED},
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(map); i++)
        if (strcmp(state, map[i].state) == 0) {
            *st = map[i].status;
            return true;
        }
    return false;
}

enum rh_kind { RH_ERRATUM, RH_CVE, RH_UNAFFECTED };

struct rh_walk {
    const struct ks_oval *o;
    struct ks_dfeed *f;
    struct ks_vdb_sink *sink;
    struct ks_arena *a;
    json_t *rec;
    enum rh_kind kind;
    const char *id, *severity;
    size_t found;
};

static enum ks_vuln_status
cve_status(struct rh_walk *w, const struct ks_oval_def *d, const char *pkg)
{
    enum ks_vuln_status st = KS_VSTATUS_AFFECTED;

    for (size_t i = 0; i < d->n_resolutions; i++) {
        const struct ks_oval_resolution *r = &d->resolutions[i];
        bool mine = r->n_components == 0;

        for (size_t k = 0; k < r->n_components && !mine; k++)
            mine = r->components[k] != NULL && strcmp(r->components[k], pkg) == 0;
        if (!mine || r->state == NULL)
            continue;
        if (!resolution_status(r->state, &st)) {
            ks_vdb_malformed(w->sink, w->id, "unknown resolution '%s' for %s", r->state, pkg);
            st = KS_VSTATUS_AFFECTED; /* unknown is not safe */
        }
    }
    return st;
}

static void
rh_criterion(void *arg, const struct ks_oval_def *d, const struct ks_oval_node *n,
             const char **ctx, size_t n_ctx)
{
    struct rh_walk *w = arg;
    const struct ks_oval_test *t = ks_oval_test(w->o, n->test_ref);
    const struct ks_oval_state *s = ks_oval_state_of(w->o, t);
    struct ks_str rel = KS_STR_NULL, mod = KS_STR_NULL;
    const char *const *names;
    const char *fixed = NULL;
    size_t nn;
    enum { FIXED, INSTALLED, NOT_INSTALLED } what;

    if (t == NULL || strcmp(t->kind, "rpminfo_test") != 0)
        return;
    if (s != NULL && s->evr != NULL) {
        if (s->evr_op == NULL || strcmp(s->evr_op, "less than") != 0)
            return; /* release tests compare redhat-release's version */
        what = FIXED;
        fixed = strncmp(s->evr, "0:", 2) == 0 ? s->evr + 2 : s->evr;
    } else if (s == NULL && t->comment != NULL && ks_str_has_suffix(ks_str_c(t->comment),
                                                                      " is not installed")) {
        what = NOT_INSTALLED;
    } else if (s == NULL && t->comment != NULL &&
               ks_str_has_suffix(ks_str_c(t->comment), " is installed") && !n->negate) {
        what = INSTALLED;
    } else {
        return; /* signature keys, release checks */
    }
    for (size_t i = 0; i < n_ctx; i++) {
        struct ks_str r = release_in(ctx[i]), m = module_in(ctx[i]);

        if (r.len > 0)
            rel = r;
        if (m.len > 0)
            mod = m;
    }
    if (rel.len == 0)
        return; /* "Red Hat Enterprise Linux must be installed": a guard, no release */
    /* In an unaffected definition "pkg is installed" only pairs with "pkg is */
    /* not installed", which is the statement; a CVE definition's "is not */
    /* installed" never occurs.                                           */
    if ((w->kind == RH_UNAFFECTED) != (what == NOT_INSTALLED) && what != FIXED)
        return;
    nn = ks_oval_names(w->o, t, &names);
    for (size_t i = 0; i < nn; i++) {
        struct ks_dpkg p = {0};

        p.ecosystem = ks_arena_sprintf(w->a, "Red Hat:" KS_STR_FMT, KS_STR_ARG(rel));
        p.name = names[i];
        p.vendor_severity = w->severity;
        if (what == FIXED) {
            p.status = KS_VSTATUS_FIXED;
            p.fixed = fixed;
        } else if (what == NOT_INSTALLED) {
            p.status = KS_VSTATUS_NOT_AFFECTED;
        } else {
            p.status = cve_status(w, d, names[i]);
        }
        if (mod.len > 0) {
            p.purl = ks_arena_sprintf(w->a, "pkg:rpm/redhat/%s?rpmmod=" KS_STR_FMT, names[i],
                                      KS_STR_ARG(mod));
            p.ecosystem_specific = json_pack("{s:s%}", "module", mod.ptr, mod.len);
        }
        ks_dfeed_affected(w->f, w->rec, &p);
        w->found++;
    }
}

/* The release a definition is for: the first "…Linux N is installed". */
static struct ks_str
def_release(const struct ks_oval_def *d)
{
    for (size_t i = 0; i < d->n_nodes; i++) {
        struct ks_str r = release_in(d->nodes[i].comment);

        if (r.len > 0)
            return r;
    }
    return KS_STR_NULL;
}

enum ks_code
ks_vdb_redhat_oval_add(struct ks_dfeed *f, struct ks_vdb_stream *in, struct ks_vdb_sink *sink,
                       struct ks_err *err)
{
    struct ks_oval *o = NULL;
    struct ks_arena *a = NULL;
    struct ks_str product = product_of(in->name);
    enum ks_code rc;

    if ((rc = ks_oval_read(in, &o, err)) != KS_OK)
        return rc;
    for (size_t i = 0; i < ks_oval_count(o); i++) {
        const struct ks_oval_def *d = ks_oval_def(o, i);
        struct rh_walk w = {.o = o, .f = f, .sink = sink};
        const char *erratum = NULL, *cve = NULL, *did = d->id ? d->id : "";
        char where[64];

        ks_arena_free(a);
        a = w.a = ks_arena_new(4096);
        if (a == NULL) {
            rc = ks_err_set(err, KS_ENOMEM, "out of memory");
            break;
        }
        snprintf(where, sizeof(where), "definition at line %d", d->line);
        for (size_t k = 0; k < d->n_refs; k++) {
            const char *src = d->refs[k].source ? d->refs[k].source : "";

            if (strcmp(src, "RHSA") == 0 || strcmp(src, "RHBA") == 0 || strcmp(src, "RHEA") == 0)
                erratum = erratum ? erratum : d->refs[k].id;
            else if (strcmp(src, "CVE") == 0 && cve == NULL)
                cve = d->refs[k].id;
        }
        if (strstr(did, ":com.redhat.unaffected:") != NULL)
            w.kind = RH_UNAFFECTED;
        else if (strstr(did, ":com.redhat.cve:") != NULL)
            w.kind = RH_CVE;
        else
            w.kind = RH_ERRATUM;
        if (w.kind == RH_ERRATUM) {
            if (erratum == NULL || strlen(erratum) > 64) {
                ks_vdb_malformed(sink, where, "no RHSA/RHBA/RHEA reference");
                continue;
            }
            /* A bug-fix or enhancement erratum that names no CVE fixes no */
            /* vulnerability.                                              */
            if (strncmp(erratum, "RHSA", 4) != 0 && cve == NULL)
                continue;
            w.id = erratum;
        } else {
            struct ks_str rel = def_release(d);

            if (cve == NULL || !ks_vdb_is_cve(ks_str_c(cve)) || rel.len == 0) {
                ks_vdb_malformed(sink, where, "a CVE definition without a CVE or a release");
                continue;
            }
            w.id = ks_arena_sprintf(a, "REDHAT-%s/" KS_STR_FMT "/" KS_STR_FMT, cve,
                                    KS_STR_ARG(rel), KS_STR_ARG(product));
        }
        w.severity = ks_df_lower(a, d->severity);
        w.rec = ks_dfeed_rec(f, w.id);
        ks_dfeed_set(f, w.rec, "summary", d->title);
        ks_dfeed_set(f, w.rec, "details", d->description);
        if (d->issued != NULL)
            ks_dfeed_set(f, w.rec, "published", ks_df_time(a, ks_str_c(d->issued)));
        ks_dfeed_set_time(f, w.rec, "modified", ks_df_time(a, ks_str_c(d->issued)));
        ks_dfeed_set_time(f, w.rec, "modified", ks_df_time(a, ks_str_c(d->updated)));
        for (size_t k = 0; k < d->n_refs; k++) {
            const struct ks_oval_ref *r = &d->refs[k];

            if (r->source != NULL && strcmp(r->source, "CVE") == 0)
                ks_dfeed_add_id(f, w.rec, "upstream", r->id);
            ks_dfeed_add_ref(f, w.rec,
                             r->source && strcmp(r->source, "CVE") != 0 ? "ADVISORY" : "WEB",
                             r->url);
        }
        if (w.kind != RH_ERRATUM && erratum != NULL)
            ks_dfeed_add_id(f, w.rec, "related", erratum);
        {
            json_t *cves = ks_df_oval_cves(d);

            if (cves != NULL)
                ks_dfeed_set_json(f, w.rec, "database_specific", json_pack("{s:o}", "cves", cves));
        }
        ks_oval_walk(d, rh_criterion, &w);
        if (w.found == 0)
            ks_vdb_malformed(sink, w.id, "no package test under a Red Hat release");
    }
    ks_arena_free(a);
    ks_oval_free(o);
    return rc;
}

enum ks_code
ks_vdb_redhat_oval_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink, struct ks_err *err)
{
    return ks_dfeed_import_one(ks_vdb_redhat_oval_add, in, sink, err);
}

/* "8-ansible-2": the release from the head, the product from the file name. */
const char *
ks_vdb_redhat_oval_label(struct ks_str head, const char *path, struct ks_arena *a)
{
    const char *p;
    struct ks_str product = product_of(path);
    size_t k = 0;

    if (head.len > KS_VDB_HEAD_BYTES)
        head.len = KS_VDB_HEAD_BYTES;
    p = ks_vdb_memmem(head.ptr, head.len, "Red Hat Enterprise Linux ", 25);
    while (p != NULL) {
        p += 25;
        k = 0;
        while (p + k < head.ptr + head.len && p[k] >= '0' && p[k] <= '9')
            k++;
        if (k > 0)
            break;
        p = ks_vdb_memmem(p, (size_t)(head.ptr + head.len - p), "Red Hat Enterprise Linux ", 25);
    }
    if (p == NULL || k == 0 || product.len == 0)
        return NULL;
    return ks_arena_sprintf(a, "%.*s-" KS_STR_FMT, (int)k, p, KS_STR_ARG(product));
}
