/*
 * import_oval_azure.c: CBL-Mariner / Azure Linux OVAL (github.com/microsoft/
 * AzureLinuxVulnerabilityData: cbl-mariner-<N>-oval.xml, azurelinux-<N>-
 * oval.xml): one definition per (CVE, package), its rpminfo test "less than"
 * the fixed version when a patch exists (patchable true), or "less than or
 * equal" the last affected version when none does yet. Each file is one
 * release, so records are AZURELINUX-CVE-…/<release>, ecosystem
 * "Azure Linux:<release>" (Mariner 2.0 is Azure Linux:2.0).
 */
#include "vulndb/distro_int.h"

#include <string.h>

#include "base/banned.h"

int
ks_vdb_azure_oval_sniff(struct ks_str head, const char *name)
{
    (void)name;
    if (!ks_df_has(head, "oval_definitions"))
        return 0;
    return ks_df_has(head, "oval:com.microsoft.cbl-mariner") ||
                   ks_df_has(head, "oval:com.microsoft.azurelinux") ||
                   ks_df_has(head, "CBL-Mariner OVAL") || ks_df_has(head, "Azure Linux OVAL")
               ? 90
               : 0;
}

/* "…/cbl-mariner-2.0-preview-oval.xml", "azurelinux-3.0-oval.xml" -> "2.0", "3.0" */
static struct ks_str
release_in_path(const char *path)
{
    static const char *const prefixes[] = {"cbl-mariner-", "azurelinux-"};
    struct ks_str p = ks_str_c(path);

    /* The last occurrence: directories may be named after the feed too. */
    for (size_t i = 0; i < KS_ARRAY_LEN(prefixes); i++) {
        size_t plen = strlen(prefixes[i]);
        const char *from = p.ptr, *hit, *best = NULL;
        size_t bestk = 0;

        while (p.len > 0 && from < p.ptr + p.len &&
               (hit = ks_vdb_memmem(from, (size_t)(p.ptr + p.len - from), prefixes[i], plen)) !=
                   NULL) {
            const char *v = hit + plen;
            size_t k = 0;

            while (v + k < p.ptr + p.len && ((v[k] >= '0' && v[k] <= '9') || v[k] == '.'))
                k++;
            if (k > 0 && v[k - 1] != '.' && v[0] != '.') {
                best = v;
                bestk = k;
            }
            from = hit + 1;
        }
        if (best != NULL)
            return ks_str_make(best, bestk);
    }
    return KS_STR_NULL;
}

/* The release from a version's dist tag: ".cm2" -> "2.0", ".azl3" -> "3.0". */
static const char *
release_in_evr(const char *evr, struct ks_arena *a)
{
    const char *p;

    if ((p = strstr(evr, ".azl")) != NULL && p[4] >= '0' && p[4] <= '9')
        return ks_arena_sprintf(a, "%c.0", p[4]);
    if ((p = strstr(evr, ".cm")) != NULL && p[3] >= '0' && p[3] <= '9')
        return ks_arena_sprintf(a, "%c.0", p[3]);
    return NULL;
}

struct az_walk {
    const struct ks_oval *o;
    struct ks_dfeed *f;
    struct ks_vdb_sink *sink;
    struct ks_arena *a;
    const char *rel, *cve, *severity, *title, *description;
    const struct ks_oval_def *d;
    size_t found;
};

static void
az_criterion(void *arg, const struct ks_oval_def *d, const struct ks_oval_node *n,
             const char **ctx, size_t n_ctx)
{
    struct az_walk *w = arg;
    const struct ks_oval_test *t = ks_oval_test(w->o, n->test_ref);
    const struct ks_oval_state *s = ks_oval_state_of(w->o, t);
    const char *const *names;
    const char *evr, *rel;
    bool last;
    size_t nn;
    json_t *rec;

    (void)ctx;
    (void)n_ctx;
    if (t == NULL || strcmp(t->kind, "rpminfo_test") != 0 || s == NULL || s->evr == NULL ||
        s->evr_op == NULL)
        return;
    if (strcmp(s->evr_op, "less than") == 0)
        last = false;
    else if (strcmp(s->evr_op, "less than or equal") == 0)
        last = true;
    else
        return; /* "greater than 0:0.0.0": the lower bound every version passes */
    evr = strncmp(s->evr, "0:", 2) == 0 ? s->evr + 2 : s->evr;
    rel = w->rel ? w->rel : release_in_evr(evr, w->a);
    if (rel == NULL) {
        ks_vdb_malformed(w->sink, w->cve, "no release (file name or dist tag)");
        return;
    }
    rec = ks_dfeed_rec(w->f, ks_arena_sprintf(w->a, "AZURELINUX-%s/%s", w->cve, rel));
    ks_dfeed_add_id(w->f, rec, "upstream", w->cve);
    ks_dfeed_set(w->f, rec, "summary", w->title);
    ks_dfeed_set(w->f, rec, "details", w->description);
    for (size_t k = 0; k < d->n_refs; k++)
        ks_dfeed_add_ref(w->f, rec, "WEB", d->refs[k].url);
    nn = ks_oval_names(w->o, t, &names);
    for (size_t i = 0; i < nn; i++) {
        struct ks_dpkg p = {0};

        p.ecosystem = ks_arena_sprintf(w->a, "Azure Linux:%s", rel);
        p.name = names[i];
        p.vendor_severity = w->severity;
        if (last) {
            /* No patch yet: this version and earlier are affected. */
            p.status = KS_VSTATUS_AFFECTED;
            p.last_affected = evr;
        } else {
            p.status = KS_VSTATUS_FIXED;
            p.fixed = evr;
        }
        if (d->advisory_id != NULL)
            p.database_specific = json_pack("{s:s}", "advisory_id", d->advisory_id);
        ks_dfeed_affected(w->f, rec, &p);
        w->found++;
    }
}

enum ks_code
ks_vdb_azure_oval_add(struct ks_dfeed *f, struct ks_vdb_stream *in, struct ks_vdb_sink *sink,
                      struct ks_err *err)
{
    struct ks_oval *o = NULL;
    struct ks_arena *a = NULL;
    struct ks_str prel = release_in_path(in->name);
    enum ks_code rc;

    if ((rc = ks_oval_read(in, &o, err)) != KS_OK)
        return rc;
    for (size_t i = 0; i < ks_oval_count(o); i++) {
        const struct ks_oval_def *d = ks_oval_def(o, i);
        struct az_walk w = {.o = o, .f = f, .sink = sink, .d = d};
        char where[64];

        ks_arena_free(a);
        a = w.a = ks_arena_new(4096);
        if (a == NULL) {
            rc = ks_err_set(err, KS_ENOMEM, "out of memory");
            break;
        }
        snprintf(where, sizeof(where), "definition at line %d", d->line);
        for (size_t k = 0; k < d->n_refs && w.cve == NULL; k++)
            if (d->refs[k].source != NULL && strcmp(d->refs[k].source, "CVE") == 0 &&
                ks_vdb_is_cve(ks_str_c(d->refs[k].id)))
                w.cve = d->refs[k].id;
        if (w.cve == NULL) {
            ks_vdb_malformed(sink, where, "no CVE reference");
            continue;
        }
        w.rel = prel.len ? ks_arena_strdup_str(a, prel) : NULL;
        w.severity = ks_df_lower(a, d->severity);
        w.title = d->title;
        w.description = d->description;
        ks_oval_walk(d, az_criterion, &w);
        if (w.found == 0)
            ks_vdb_malformed(sink, w.cve, "%s: no package version test", where);
    }
    ks_arena_free(a);
    ks_oval_free(o);
    return rc;
}

enum ks_code
ks_vdb_azure_oval_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink, struct ks_err *err)
{
    return ks_dfeed_import_one(ks_vdb_azure_oval_add, in, sink, err);
}

const char *
ks_vdb_azure_oval_label(struct ks_str head, const char *path, struct ks_arena *a)
{
    struct ks_str r = release_in_path(path);

    (void)head;
    return r.len ? ks_arena_strdup_str(a, r) : NULL;
}
