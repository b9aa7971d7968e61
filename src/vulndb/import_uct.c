/*
 * import_uct.c: the Ubuntu CVE tracker's per-CVE files (git.launchpad.net/
 * ubuntu-cve-tracker: active/, retired/, ignored/ CVE-YYYY-NNNN): RFC 822-
 * like fields (Candidate, PublicDate, Description, Priority, CVSS, ...) and
 * one status line per (release, source package):
 *     jammy_openssl: released (3.0.2-0ubuntu1.10)
 *     trusty/esm_wireshark: released (2.6.3-1~ubuntu14.04.1)
 *     xenial_vnc4: needed
 * Statuses: released (fixed in the version), needed / needs-triage /
 * pending (affected), deferred (fix_deferred), ignored (will_not_fix, or
 * end_of_life when the reason is the end of the release's support),
 * not-affected, DNE (the package is not in the release: no entry). ESM
 * lines (trusty/esm, esm-infra/xenial, esm-apps/focal) are the same release
 * with a fix that needs Ubuntu Pro (database_specific.ubuntu_pro). One
 * UBUNTU-CVE-… advisory per file, keyed by source package and release.
 */
#include "vulndb/distro_int.h"

#include <string.h>

#include "base/banned.h"

int
ks_vdb_uct_sniff(struct ks_str head, const char *name)
{
    struct ks_str h = ks_df_skip_ws(head);

    (void)name;
    if (!(ks_str_has_prefix(h, "Candidate:") || ks_str_has_prefix(h, "PublicDate") ||
          ks_str_has_prefix(h, "PublicDateAtUSN:")))
        return 0;
    return ks_df_has(h, "Candidate:") && ks_df_has(h, "PublicDate") ? 90 : 0;
}

/* "jammy" -> "22.04"; "trusty/esm", "esm-infra/xenial", "esm-apps/focal" -> with pro. */
static const char *
uct_release(struct ks_str r, bool *pro, bool *skip)
{
    struct ks_str code = r;
    ptrdiff_t slash = ks_str_find_char(r, '/');

    *pro = false;
    *skip = false;
    if (slash >= 0) {
        struct ks_str a = ks_str_sub(r, 0, (size_t)slash),
                      b = ks_str_sub(r, (size_t)slash + 1, r.len - (size_t)slash - 1);

        if (ks_str_eq_c(b, "esm")) {
            code = a;
            *pro = true;
        } else if (ks_str_has_prefix(a, "esm-")) {
            code = b;
            *pro = true;
        } else {
            /* fips, ros-esm, stable-phone-overlay, ubuntu-core: other products */
            *skip = true;
            return NULL;
        }
    }
    if (ks_str_eq_c(code, "upstream") || ks_str_eq_c(code, "devel") || ks_str_eq_c(code, "snap") ||
        ks_str_eq_c(code, "product") || ks_str_eq_c(code, "sid")) {
        *skip = true;
        return NULL;
    }
    return ks_df_ubuntu_release(code);
}

struct uct_line {
    const char *rel, *pkg, *status, *note;
    bool pro;
};

static bool
eol_reason(const char *note)
{
    static const char *const words[] = {"end of life", "end-of-life", "end of standard support",
                                        "out of standard support", "end of support"};

    for (size_t i = 0; note != NULL && i < KS_ARRAY_LEN(words); i++)
        if (strstr(note, words[i]) != NULL)
            return true;
    return false;
}

enum ks_code
ks_vdb_uct_add(struct ks_dfeed *f, struct ks_vdb_stream *in, struct ks_vdb_sink *sink,
               struct ks_err *err)
{
    struct ks_df_lines l;
    struct ks_str line;
    struct ks_arena *a = ks_arena_new(16 * 1024);
    struct ks_buf desc = KS_BUF_INIT(KS_DF_MAX_TEXT);
    struct ks_vec lines = KS_VEC_INIT(struct uct_line);
    struct ks_vec prios = KS_VEC_INIT(struct uct_line); /* pkg -> priority in .status */
    const char *cve = NULL, *published = NULL, *priority = NULL, *field = NULL;
    json_t *rec = NULL;
    enum ks_code rc;

    if (a == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    ks_df_lines_init(&l, in);
    while ((rc = ks_df_lines_next(&l, &line, err)) == KS_OK) {
        struct ks_str k, v;
        ptrdiff_t colon;

        if (line.len == 0 || line.ptr[0] == '#')
            continue;
        if (line.ptr[0] == ' ' || line.ptr[0] == '\t') {
            /* a continuation of the last field */
            if (field != NULL && strcmp(field, "Description") == 0) {
                if (desc.len > 0)
                    ks_buf_putc(&desc, ' ');
                ks_buf_append_str(&desc, ks_str_trim(line));
            }
            continue;
        }
        colon = ks_str_find_char(line, ':');
        if (colon <= 0) {
            char where[64];

            snprintf(where, sizeof(where), "line %llu", (unsigned long long)l.lineno);
            ks_vdb_malformed(sink, cve ? cve : where, "line %llu: no 'field:'",
                             (unsigned long long)l.lineno);
            continue;
        }
        k = ks_str_sub(line, 0, (size_t)colon);
        v = ks_str_trim(ks_str_sub(line, (size_t)colon + 1, line.len - (size_t)colon - 1));
        field = ks_arena_strdup_str(a, k);
        if (ks_str_eq_c(k, "Candidate")) {
            cve = ks_arena_strdup_str(a, v);
        } else if (ks_str_eq_c(k, "PublicDate")) {
            /* "2017-09-26 14:29:00 UTC" */
            if (ks_str_has_suffix(v, " UTC"))
                v.len -= 4;
            published = ks_df_time(a, v);
        } else if (ks_str_eq_c(k, "Priority")) {
            priority = v.len ? ks_arena_strdup_str(a, v) : NULL;
        } else if (ks_str_eq_c(k, "Description")) {
            ks_buf_append_str(&desc, v);
        } else if (ks_str_has_prefix(k, "Priority_")) {
            struct uct_line *p = ks_vec_push(&prios);

            if (p == NULL)
                goto oom;
            p->pkg = ks_arena_strdup_str(a, ks_str_sub(k, 9, k.len - 9));
            p->status = ks_arena_strdup_str(a, v);
        } else if (ks_str_find_char(k, '_') > 0 && !ks_str_has_prefix(k, "Patches_") &&
                   !ks_str_has_prefix(k, "Tags_")) {
            /* <release>_<package>: <status> (<note>) */
            ptrdiff_t us = ks_str_find_char(k, '_');
            struct ks_str r = ks_str_sub(k, 0, (size_t)us),
                          pkg = ks_str_sub(k, (size_t)us + 1, k.len - (size_t)us - 1),
                          status = v, note = KS_STR_NULL;
            ptrdiff_t open = ks_str_find_char(v, '(');
            bool pro, skip;
            const char *rel = uct_release(r, &pro, &skip);
            struct uct_line *u;

            if (skip)
                continue;
            if (rel == NULL) {
                ks_vdb_malformed(sink, cve ? cve : in->name, "unknown release '" KS_STR_FMT "'",
                                 KS_STR_ARG(r));
                continue;
            }
            if (open >= 0) {
                status = ks_str_trim(ks_str_sub(v, 0, (size_t)open));
                note = ks_str_sub(v, (size_t)open + 1, v.len - (size_t)open - 1);
                if (note.len > 0 && note.ptr[note.len - 1] == ')')
                    note.len--;
                note = ks_str_trim(note);
            }
            if (lines.len >= KS_DF_MAX_AFFECTED)
                continue;
            if ((u = ks_vec_push(&lines)) == NULL)
                goto oom;
            u->rel = rel;
            u->pro = pro;
            u->pkg = ks_arena_strdup_str(a, pkg);
            u->status = ks_arena_strdup_str(a, status);
            u->note = note.len ? ks_arena_strdup_str(a, note) : NULL;
            if (u->pkg == NULL || u->status == NULL)
                goto oom;
        }
    }
    if (rc != KS_ENOTFOUND)
        goto out;
    rc = KS_OK;
    if (cve == NULL || !ks_vdb_is_cve(ks_str_c(cve))) {
        ks_vdb_malformed(sink, in->name, "no 'Candidate: CVE-…' field");
        goto out;
    }
    for (size_t i = 0; i < lines.len; i++) {
        struct uct_line *u = ks_vec_at(&lines, i);
        struct ks_dpkg d = {0};
        const char *sev = priority;

        for (size_t k = 0; k < prios.len; k++) {
            struct uct_line *p = ks_vec_at(&prios, k);

            if (strcmp(p->pkg, u->pkg) == 0)
                sev = p->status;
        }
        if (strcmp(u->status, "DNE") == 0)
            continue;
        if (strcmp(u->status, "released") == 0) {
            d.status = KS_VSTATUS_FIXED;
            d.fixed = u->note;
            if (d.fixed == NULL) {
                ks_vdb_malformed(sink, cve, "%s_%s: released without a version", u->rel, u->pkg);
                continue;
            }
        } else if (strcmp(u->status, "needed") == 0 || strcmp(u->status, "needs-triage") == 0 ||
                   strcmp(u->status, "pending") == 0 || strcmp(u->status, "active") == 0) {
            d.status = KS_VSTATUS_AFFECTED;
        } else if (strcmp(u->status, "deferred") == 0) {
            d.status = KS_VSTATUS_FIX_DEFERRED;
        } else if (strcmp(u->status, "ignored") == 0) {
            d.status = eol_reason(u->note) ? KS_VSTATUS_END_OF_LIFE : KS_VSTATUS_WILL_NOT_FIX;
        } else if (strcmp(u->status, "not-affected") == 0) {
            d.status = KS_VSTATUS_NOT_AFFECTED;
        } else {
            /* Unknown is not safe: an unknown status is kept as affected. */
            ks_vdb_malformed(sink, cve, "%s_%s: unknown status '%s' (kept as affected)", u->rel,
                             u->pkg, u->status);
            d.status = KS_VSTATUS_AFFECTED;
        }
        if (rec == NULL) {
            rec = ks_dfeed_rec(f, ks_arena_sprintf(a, "UBUNTU-%s", cve));
            ks_dfeed_add_id(f, rec, "upstream", cve);
            ks_dfeed_set(f, rec, "published", published);
            ks_dfeed_set_time(f, rec, "modified", published);
            if (ks_buf_err(&desc) == KS_OK && desc.len > 0)
                ks_dfeed_set(f, rec, "details", desc.data);
            ks_dfeed_add_ref(f, rec, "ADVISORY",
                             ks_arena_sprintf(a, "https://ubuntu.com/security/%s", cve));
        }
        d.ecosystem = ks_arena_sprintf(a, "Ubuntu:%s", u->rel);
        d.name = u->pkg;
        d.purl = ks_arena_sprintf(a, "pkg:deb/ubuntu/%s?arch=source", u->pkg);
        d.vendor_severity = sev;
        d.database_specific = json_object();
        if (d.database_specific != NULL) {
            json_object_set_new(d.database_specific, "ubuntu_status", json_string(u->status));
            if (u->note != NULL && d.status != KS_VSTATUS_FIXED)
                json_object_set_new(d.database_specific, "note", json_string(u->note));
            if (u->pro)
                json_object_set_new(d.database_specific, "ubuntu_pro", json_true());
        }
        ks_dfeed_affected(f, rec, &d);
    }
    goto out;
oom:
    rc = ks_err_set(err, KS_ENOMEM, "out of memory");
out:
    ks_df_lines_release(&l);
    ks_vec_release(&lines);
    ks_vec_release(&prios);
    ks_buf_release(&desc);
    ks_arena_free(a);
    return rc;
}

enum ks_code
ks_vdb_uct_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink, struct ks_err *err)
{
    return ks_dfeed_import_one(ks_vdb_uct_add, in, sink, err);
}

const char *
ks_vdb_uct_label(struct ks_str head, const char *path, struct ks_arena *a)
{
    (void)head;
    (void)path;
    (void)a;
    return NULL; /* one file per CVE: the directory or archive names the source */
}
