/*
 * import_photon.c: VMware Photon OS's CVE data (packages.vmware.com/photon/
 * photon_cve_metadata/cve_data_photon<release>.json): a JSON array of
 * {cve_id, pkg, cve_score, aff_ver, res_ver} per release. res_ver is the
 * fixed version ("NA" when there is none yet). Each file is one release,
 * named by the file or by the ".phN" tag in its versions; records are
 * PHOTON-CVE-…/<release>, ecosystem "Photon OS:<release>".
 */
#include "vulndb/distro_int.h"

#include <string.h>

#include "base/banned.h"

static bool
ph_key(void *ctx, struct ks_str k, struct ks_str v)
{
    int *score = ctx;

    (void)v;
    if (ks_str_eq_c(k, "res_ver") || ks_str_eq_c(k, "aff_ver"))
        *score += 40;
    else if (ks_str_eq_c(k, "cve_id") || ks_str_eq_c(k, "pkg"))
        *score += 10;
    return true;
}

int
ks_vdb_photon_sniff(struct ks_str head, const char *name)
{
    struct ks_str h = ks_df_skip_ws(head);
    int score = 0;

    (void)name;
    if (h.len == 0 || h.ptr[0] != '[')
        return 0;
    ks_vdb_json_keys(h, ph_key, &score);
    return score >= 80 ? 90 : 0;
}

/* "…/cve_data_photon3.0.json" -> "3.0" */
static struct ks_str
release_in_path(const char *path)
{
    struct ks_str p = ks_str_c(path);
    const char *hit = p.len ? ks_vdb_memmem(p.ptr, p.len, "cve_data_photon", 15) : NULL;
    size_t k = 0;

    if (hit == NULL)
        return KS_STR_NULL;
    hit += 15;
    while (hit + k < p.ptr + p.len && ((hit[k] >= '0' && hit[k] <= '9') || hit[k] == '.'))
        k++;
    while (k > 0 && hit[k - 1] == '.')
        k--;
    return ks_str_make(hit, k);
}

/* "2.7.6-2.ph3" -> "3.0" */
static const char *
release_in_version(const char *v, struct ks_arena *a)
{
    const char *p = v ? strstr(v, ".ph") : NULL;

    if (p == NULL || p[3] < '1' || p[3] > '9')
        return NULL;
    return ks_arena_sprintf(a, "%c.0", p[3]);
}

struct ph_ctx {
    struct ks_dfeed *f;
    struct ks_vdb_sink *sink;
    const char *rel; /* from the file name; NULL: from each version */
};

static enum ks_code
ph_elem(void *vctx, const char *elem, size_t len, uint64_t index, struct ks_err *err)
{
    struct ph_ctx *c = vctx;
    struct ks_err perr = KS_ERR_INIT;
    struct ks_arena *a = NULL;
    json_t *doc = NULL, *score;
    const char *cve, *pkg, *res, *aff, *rel;
    char pos[48];
    enum ks_code rc;
    struct ks_dpkg d = {0};
    json_t *rec;

    snprintf(pos, sizeof(pos), "[%llu]", (unsigned long long)index);
    rc = ks_json_parse(elem, len, pos, &doc, &perr);
    if (rc == KS_ENOMEM)
        return ks_err_set(err, rc, "%s", perr.msg);
    if (rc != KS_OK) {
        ks_vdb_malformed(c->sink, pos, "%s", perr.msg);
        return KS_OK;
    }
    if ((a = ks_arena_new(4096)) == NULL) {
        json_decref(doc);
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    }
    cve = ks_json_str(doc, "cve_id");
    pkg = ks_json_str(doc, "pkg");
    res = ks_json_str(doc, "res_ver");
    aff = ks_json_str(doc, "aff_ver");
    if (cve == NULL || !ks_vdb_is_cve(ks_str_c(cve))) {
        ks_vdb_malformed(c->sink, cve ? cve : pos, "cve_id is not a CVE id");
        goto out;
    }
    if (pkg == NULL || pkg[0] == '\0') {
        ks_vdb_malformed(c->sink, cve, "no pkg");
        goto out;
    }
    rel = c->rel ? c->rel : release_in_version(res, a);
    if (rel == NULL)
        rel = release_in_version(aff, a);
    if (rel == NULL) {
        ks_vdb_malformed(c->sink, cve, "no Photon OS release (file name or .phN)");
        goto out;
    }
    rec = ks_dfeed_rec(c->f, ks_arena_sprintf(a, "PHOTON-%s/%s", cve, rel));
    ks_dfeed_add_id(c->f, rec, "upstream", cve);
    d.ecosystem = ks_arena_sprintf(a, "Photon OS:%s", rel);
    d.name = pkg;
    if (res != NULL && res[0] != '\0' && strcmp(res, "NA") != 0) {
        d.status = KS_VSTATUS_FIXED;
        d.fixed = res;
    } else {
        d.status = KS_VSTATUS_AFFECTED;
    }
    score = json_object_get(doc, "cve_score");
    if (json_is_number(score) || aff != NULL) {
        d.database_specific = json_object();
        if (d.database_specific != NULL && json_is_number(score))
            json_object_set(d.database_specific, "cve_score", score);
        if (d.database_specific != NULL && aff != NULL)
            json_object_set_new(d.database_specific, "aff_ver", json_string(aff));
    }
    ks_dfeed_affected(c->f, rec, &d);
out:
    ks_arena_free(a);
    json_decref(doc);
    return KS_OK;
}

enum ks_code
ks_vdb_photon_add(struct ks_dfeed *f, struct ks_vdb_stream *in, struct ks_vdb_sink *sink,
                  struct ks_err *err)
{
    struct ph_ctx c = {.f = f, .sink = sink};
    struct ks_str r = release_in_path(in->name);
    char rel[16];

    if (r.len > 0 && r.len < sizeof(rel)) {
        snprintf(rel, sizeof(rel), KS_STR_FMT, KS_STR_ARG(r));
        c.rel = rel;
    }
    return ks_jsplit_array(in, ph_elem, &c, err);
}

enum ks_code
ks_vdb_photon_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink, struct ks_err *err)
{
    return ks_dfeed_import_one(ks_vdb_photon_add, in, sink, err);
}

const char *
ks_vdb_photon_label(struct ks_str head, const char *path, struct ks_arena *a)
{
    struct ks_str r = release_in_path(path);
    const char *p;

    if (r.len > 0)
        return ks_arena_strdup_str(a, r);
    if (head.len > KS_VDB_HEAD_BYTES)
        head.len = KS_VDB_HEAD_BYTES;
    p = ks_vdb_memmem(head.ptr, head.len, ".ph", 3);
    if (p != NULL && p + 3 < head.ptr + head.len && p[3] >= '1' && p[3] <= '9')
        return ks_arena_sprintf(a, "%c.0", p[3]);
    return NULL;
}
