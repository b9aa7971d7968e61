/*
 * import_oval_ubuntu.c: Ubuntu's USN OVAL (security-metadata.canonical.com/
 * oval/com.ubuntu.<codename>.usn.oval.xml.bz2): one definition per USN (and
 * LSN for livepatch), its dpkginfo tests naming **binary** packages through
 * constant variables, each "less than" the fixed version. Fixes only
 * available with Ubuntu Pro (ESM) say so in the test comment and carry
 * "esm" in the version; the entry records it (database_specific
 * ubuntu_pro). Binary names get a purl without arch=source, which is how
 * the matcher tells them from source names (ks_vulndb_purl_is_binary).
 * The files are per release, so ids are USN-…/<release>: USN-6200-1/22.04.
 */
#include "vulndb/distro_int.h"

#include <string.h>

#include "base/banned.h"

int
ks_vdb_usn_oval_sniff(struct ks_str head, const char *name)
{
    (void)name;
    if (!ks_df_has(head, "oval_definitions"))
        return 0;
    return ks_df_has(head, "oval:com.ubuntu.") || ks_df_has(head, "Canonical USN OVAL") ? 90 : 0;
}

/* "Ubuntu 22.04 LTS", "Ubuntu 22.04 ESM" -> "22.04" */
static struct ks_str
release_in(const char *platform)
{
    struct ks_str s = ks_str_c(platform);
    size_t i = 0, k;

    if (!ks_str_has_prefix(s, "Ubuntu"))
        return KS_STR_NULL;
    while (i < s.len && (s.ptr[i] < '0' || s.ptr[i] > '9'))
        i++;
    k = i;
    while (k < s.len && ((s.ptr[k] >= '0' && s.ptr[k] <= '9') || s.ptr[k] == '.'))
        k++;
    return ks_str_sub(s, i, k - i);
}

static bool
is_pro(const char *comment, const char *evr)
{
    return (comment != NULL && strstr(comment, "Ubuntu Pro") != NULL) ||
           strstr(evr, "+esm") != NULL || strstr(evr, "~esm") != NULL;
}

struct usn_walk {
    const struct ks_oval *o;
    struct ks_dfeed *f;
    struct ks_vdb_sink *sink;
    struct ks_arena *a;
    json_t *rec; /* made with the first package: kernel notices test uname only */
    const char *eco, *id, *rel, *severity, *usn;
    size_t found;
};

static void
start_record(struct usn_walk *w, const struct ks_oval_def *d)
{
    struct ks_dfeed *f = w->f;
    json_t *cves;

    w->rec = ks_dfeed_rec(f, w->id);
    ks_dfeed_set(f, w->rec, "summary", d->title);
    ks_dfeed_set(f, w->rec, "details", d->description);
    if (d->issued != NULL) {
        const char *t = ks_df_time(w->a, ks_str_c(d->issued));

        ks_dfeed_set(f, w->rec, "published", t);
        ks_dfeed_set_time(f, w->rec, "modified", t);
    }
    ks_dfeed_add_id(f, w->rec, "related", w->usn);
    for (size_t k = 0; k < d->n_refs; k++) {
        if (d->refs[k].source != NULL && strcmp(d->refs[k].source, "CVE") == 0)
            ks_dfeed_add_id(f, w->rec, "upstream", d->refs[k].id);
        ks_dfeed_add_ref(f, w->rec,
                         d->refs[k].source && strcmp(d->refs[k].source, "USN") == 0 ? "ADVISORY"
                                                                                   : "WEB",
                         d->refs[k].url);
    }
    /* Ubuntu's per-CVE priority and CVSS, kept for the scorer. */
    cves = ks_df_oval_cves(d);
    if (cves != NULL)
        ks_dfeed_set_json(f, w->rec, "database_specific", json_pack("{s:o}", "cves", cves));
}

static void
usn_criterion(void *arg, const struct ks_oval_def *d, const struct ks_oval_node *n,
              const char **ctx, size_t n_ctx)
{
    struct usn_walk *w = arg;
    const struct ks_oval_test *t = ks_oval_test(w->o, n->test_ref);
    const struct ks_oval_state *s = ks_oval_state_of(w->o, t);
    const char *const *names;
    size_t nn;

    (void)ctx;
    (void)n_ctx;
    /* Kernel definitions add uname/variable tests: not package versions. */
    if (t == NULL || strcmp(t->kind, "dpkginfo_test") != 0 || s == NULL || s->evr == NULL)
        return;
    if (s->evr_op == NULL || strcmp(s->evr_op, "less than") != 0) {
        ks_vdb_malformed(w->sink, w->id, "test '%s': unsupported operation '%s'",
                         t->id ? t->id : "?", s->evr_op ? s->evr_op : "(none)");
        return;
    }
    nn = ks_oval_names(w->o, t, &names);
    if (nn > 0 && w->rec == NULL)
        start_record(w, d);
    for (size_t i = 0; i < nn; i++) {
        struct ks_dpkg p = {0};
        const char *fixed = strncmp(s->evr, "0:", 2) == 0 ? s->evr + 2 : s->evr;

        p.ecosystem = w->eco;
        p.name = names[i];
        p.purl = ks_arena_sprintf(w->a, "pkg:deb/ubuntu/%s?distro=ubuntu-%s", names[i], w->rel);
        p.status = KS_VSTATUS_FIXED;
        p.fixed = fixed;
        p.vendor_severity = w->severity;
        p.ecosystem_specific = json_pack("{s:b}", "binary", 1);
        if (is_pro(t->comment, s->evr))
            p.database_specific = json_pack("{s:b}", "ubuntu_pro", 1);
        ks_dfeed_affected(w->f, w->rec, &p);
        w->found++;
    }
}

enum ks_code
ks_vdb_usn_oval_add(struct ks_dfeed *f, struct ks_vdb_stream *in, struct ks_vdb_sink *sink,
                    struct ks_err *err)
{
    struct ks_oval *o = NULL;
    struct ks_arena *a = NULL;
    enum ks_code rc;

    if ((rc = ks_oval_read(in, &o, err)) != KS_OK)
        return rc;
    for (size_t i = 0; i < ks_oval_count(o); i++) {
        const struct ks_oval_def *d = ks_oval_def(o, i);
        struct usn_walk w = {.o = o, .f = f, .sink = sink};
        struct ks_str rel = KS_STR_NULL;
        const char *usn = NULL;
        char where[64];

        if (d->klass == NULL || strcmp(d->klass, "patch") != 0)
            continue; /* the inventory definition "Ubuntu 22.04 is installed" */
        ks_arena_free(a);
        a = w.a = ks_arena_new(4096);
        if (a == NULL) {
            rc = ks_err_set(err, KS_ENOMEM, "out of memory");
            break;
        }
        snprintf(where, sizeof(where), "definition at line %d", d->line);
        for (size_t k = 0; k < d->n_refs; k++)
            if (d->refs[k].source != NULL && strcmp(d->refs[k].source, "USN") == 0)
                usn = d->refs[k].id;
        if (usn == NULL || usn[0] == '\0' || strlen(usn) > 64) {
            ks_vdb_malformed(sink, where, "no USN reference");
            continue;
        }
        for (size_t k = 0; k < d->n_platforms && rel.len == 0; k++)
            rel = release_in(d->platforms[k]);
        if (rel.len == 0 && d->id != NULL && strncmp(d->id, "oval:com.ubuntu.", 16) == 0) {
            /* noble's file leaves <affected> empty: the id names the release */
            struct ks_str code = ks_str_c(d->id + 16);
            ptrdiff_t colon = ks_str_find_char(code, ':');

            if (colon > 0)
                rel = ks_str_c(ks_df_ubuntu_release(ks_str_sub(code, 0, (size_t)colon)));
        }
        if (rel.len == 0) {
            ks_vdb_malformed(sink, usn, "no Ubuntu release in <platform>");
            continue;
        }
        w.rel = ks_arena_strdup_str(a, rel);
        w.eco = ks_arena_sprintf(a, "Ubuntu:%s", w.rel);
        w.id = ks_arena_sprintf(a, "%s/%s", usn, w.rel);
        w.severity = ks_df_lower(a, d->severity);
        w.usn = usn;
        /* Kernel and livepatch notices test the running kernel (uname), */
        /* not packages: they give no advisory here (UCT's linux-* do).  */
        ks_oval_walk(d, usn_criterion, &w);
    }
    ks_arena_free(a);
    ks_oval_free(o);
    return rc;
}

enum ks_code
ks_vdb_usn_oval_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink, struct ks_err *err)
{
    return ks_dfeed_import_one(ks_vdb_usn_oval_add, in, sink, err);
}

const char *
ks_vdb_usn_oval_label(struct ks_str head, const char *path, struct ks_arena *a)
{
    /* "oval:com.ubuntu.jammy:def:100": the codename names the file's release */
    const char *p, *e;

    (void)path;
    if (head.len > KS_VDB_HEAD_BYTES)
        head.len = KS_VDB_HEAD_BYTES;
    p = ks_vdb_memmem(head.ptr, head.len, "oval:com.ubuntu.", 16);
    if (p == NULL)
        return NULL;
    p += 16;
    e = memchr(p, ':', (size_t)(head.ptr + head.len - p));
    if (e == NULL || e - p > 32)
        return NULL;
    return ks_arena_strndup(a, p, (size_t)(e - p));
}
