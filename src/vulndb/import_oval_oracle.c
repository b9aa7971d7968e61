/*
 * import_oval_oracle.c: Oracle Linux's OVAL (linux.oracle.com/security/
 * oval/com.oracle.elsa-all.xml.bz2, or per-advisory files): one patch
 * definition per ELSA. Its criteria pair each package test "<pkg> is
 * earlier than E:V-R" with a signature test, under an AND that names the
 * release ("Oracle Linux 8 is installed") and, for module streams, "Module
 * nodejs:18 is enabled". One ELSA-… advisory per definition, an entry per
 * (release, binary package) fixed in E:V-R.
 */
#include "vulndb/distro_int.h"

#include <string.h>

#include "base/banned.h"

int
ks_vdb_oracle_oval_sniff(struct ks_str head, const char *name)
{
    (void)name;
    if (!ks_df_has(head, "oval_definitions"))
        return 0;
    return ks_df_has(head, "oval:com.oracle.elsa") || ks_df_has(head, "Oracle Errata System")
               ? 90
               : 0;
}

/* The number after `prefix` in s ("Oracle Linux 8 is installed" -> "8"). */
static struct ks_str
number_after(const char *s, const char *prefix)
{
    struct ks_str v = ks_str_c(s);
    size_t k = strlen(prefix), i;

    if (!ks_str_has_prefix(v, prefix))
        return KS_STR_NULL;
    i = k;
    while (i < v.len && v.ptr[i] >= '0' && v.ptr[i] <= '9')
        i++;
    return ks_str_sub(v, k, i - k);
}

/* "Module nodejs:18 is enabled" -> "nodejs:18" */
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

struct ol_walk {
    const struct ks_oval *o;
    struct ks_dfeed *f;
    struct ks_vdb_sink *sink;
    struct ks_arena *a;
    json_t *rec;
    const char *id, *severity, *platform_rel; /* the release when only one platform */
    size_t found;
};

static void
ol_criterion(void *arg, const struct ks_oval_def *d, const struct ks_oval_node *n,
             const char **ctx, size_t n_ctx)
{
    struct ol_walk *w = arg;
    const struct ks_oval_test *t = ks_oval_test(w->o, n->test_ref);
    const struct ks_oval_state *s = ks_oval_state_of(w->o, t);
    struct ks_str rel = KS_STR_NULL, mod = KS_STR_NULL;
    const char *const *names;
    size_t nn;

    const char *evr = NULL, *one_name = NULL;

    (void)d;
    if (n->negate)
        return;
    if (t == NULL && n->comment != NULL) {
        /* Some Oracle files carry definitions only (no tests section): the */
        /* comment "bind is earlier than 30:9.3.3-8.el5" is then the data.   */
        struct ks_str c = ks_str_c(n->comment);
        const char *sep = ks_vdb_memmem(c.ptr, c.len, " is earlier than ", 17);

        if (sep == NULL || sep == c.ptr || sep + 17 >= c.ptr + c.len)
            return;
        one_name = ks_arena_strndup(w->a, c.ptr, (size_t)(sep - c.ptr));
        evr = ks_arena_strdup(w->a, sep + 17);
        if (one_name == NULL || evr == NULL)
            return;
    } else if (t == NULL || strcmp(t->kind, "rpminfo_test") != 0 || s == NULL || s->evr == NULL) {
        return; /* release, signature and module tests qualify; they fix nothing */
    } else if (s->evr_op == NULL || strcmp(s->evr_op, "less than") != 0) {
        ks_vdb_malformed(w->sink, w->id, "test '%s': unsupported operation '%s'",
                         t->id ? t->id : "?", s->evr_op ? s->evr_op : "(none)");
        return;
    } else {
        evr = s->evr;
    }
    for (size_t i = 0; i < n_ctx; i++) {
        struct ks_str r = number_after(ctx[i], "Oracle Linux ");
        struct ks_str m = module_in(ctx[i]);

        if (r.len > 0)
            rel = r;
        if (m.len > 0)
            mod = m;
    }
    if (rel.len == 0)
        rel = ks_str_c(w->platform_rel);
    if (rel.len == 0) {
        ks_vdb_malformed(w->sink, w->id, "'%s': no Oracle Linux release",
                         n->comment ? n->comment : "?");
        return;
    }
    if (one_name != NULL) {
        names = &one_name;
        nn = 1;
    } else {
        nn = ks_oval_names(w->o, t, &names);
    }
    for (size_t i = 0; i < nn; i++) {
        struct ks_dpkg p = {0};

        p.ecosystem = ks_arena_sprintf(w->a, "Oracle Linux:" KS_STR_FMT, KS_STR_ARG(rel));
        p.name = names[i];
        p.status = KS_VSTATUS_FIXED;
        p.fixed = strncmp(evr, "0:", 2) == 0 ? evr + 2 : evr;
        p.vendor_severity = w->severity;
        if (mod.len > 0) {
            p.purl = ks_arena_sprintf(w->a, "pkg:rpm/oraclelinux/%s?rpmmod=" KS_STR_FMT,
                                      names[i], KS_STR_ARG(mod));
            p.ecosystem_specific = json_pack("{s:s%}", "module", mod.ptr, mod.len);
        }
        ks_dfeed_affected(w->f, w->rec, &p);
        w->found++;
    }
}

enum ks_code
ks_vdb_oracle_oval_add(struct ks_dfeed *f, struct ks_vdb_stream *in, struct ks_vdb_sink *sink,
                       struct ks_err *err)
{
    struct ks_oval *o = NULL;
    struct ks_arena *a = NULL;
    enum ks_code rc;

    if ((rc = ks_oval_read(in, &o, err)) != KS_OK)
        return rc;
    for (size_t i = 0; i < ks_oval_count(o); i++) {
        const struct ks_oval_def *d = ks_oval_def(o, i);
        struct ol_walk w = {.o = o, .f = f, .sink = sink};
        const char *elsa = NULL;
        char where[64];

        ks_arena_free(a);
        a = w.a = ks_arena_new(4096);
        if (a == NULL) {
            rc = ks_err_set(err, KS_ENOMEM, "out of memory");
            break;
        }
        snprintf(where, sizeof(where), "definition at line %d", d->line);
        for (size_t k = 0; k < d->n_refs; k++)
            if (d->refs[k].source != NULL && strcmp(d->refs[k].source, "elsa") == 0)
                elsa = d->refs[k].id;
        if (elsa == NULL && d->title != NULL && strncmp(d->title, "ELSA-", 5) == 0) {
            struct ks_str t = ks_str_c(d->title);
            ptrdiff_t colon = ks_str_find_char(t, ':');

            if (colon > 5)
                elsa = ks_arena_strdup_str(a, ks_str_sub(t, 0, (size_t)colon));
        }
        if (elsa == NULL || strncmp(elsa, "ELSA-", 5) != 0 || strlen(elsa) > 64) {
            ks_vdb_malformed(sink, where, "no ELSA id (title '%.60s')", d->title ? d->title : "");
            continue;
        }
        w.id = elsa;
        if (d->n_platforms == 1) {
            struct ks_str r = number_after(d->platforms[0], "Oracle Linux ");

            w.platform_rel = r.len ? ks_arena_strdup_str(a, r) : NULL;
        }
        w.severity = ks_df_lower(a, d->severity);
        w.rec = ks_dfeed_rec(f, elsa);
        ks_dfeed_set(f, w.rec, "summary", d->title);
        ks_dfeed_set(f, w.rec, "details", d->description);
        if (d->issued != NULL) {
            const char *t = ks_df_time(a, ks_str_c(d->issued));

            ks_dfeed_set(f, w.rec, "published", t);
            ks_dfeed_set_time(f, w.rec, "modified", t);
        }
        for (size_t k = 0; k < d->n_refs; k++) {
            const struct ks_oval_ref *r = &d->refs[k];

            if (r->source != NULL && strcmp(r->source, "CVE") == 0)
                ks_dfeed_add_id(f, w.rec, "upstream", r->id);
            ks_dfeed_add_ref(f, w.rec,
                             r->source && strcmp(r->source, "elsa") == 0 ? "ADVISORY" : "WEB",
                             r->url);
        }
        {
            json_t *cves = ks_df_oval_cves(d);

            if (cves != NULL)
                ks_dfeed_set_json(f, w.rec, "database_specific", json_pack("{s:o}", "cves", cves));
        }
        ks_oval_walk(d, ol_criterion, &w);
        if (w.found == 0)
            ks_vdb_malformed(sink, elsa, "no package version test");
    }
    ks_arena_free(a);
    ks_oval_free(o);
    return rc;
}

enum ks_code
ks_vdb_oracle_oval_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink, struct ks_err *err)
{
    return ks_dfeed_import_one(ks_vdb_oracle_oval_add, in, sink, err);
}

/* Oracle publishes one file for all releases (com.oracle.elsa-all) and one */
/* per advisory: the file name tells them apart, the content does not.     */
const char *
ks_vdb_oracle_oval_label(struct ks_str head, const char *path, struct ks_arena *a)
{
    (void)head;
    (void)path;
    (void)a;
    return NULL;
}
