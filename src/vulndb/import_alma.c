/*
 * import_alma.c: AlmaLinux's errata (errata.almalinux.org/<release>/
 * errata.full.json, or errata.json: one JSON array of updateinfo-like
 * records, streamed element by element). Each security erratum (ALSA-…)
 * becomes an advisory with its CVEs in `upstream` and an entry per binary
 * package fixed in epoch:version-release; a modular erratum's packages carry
 * the module stream (rpmmod=). The release comes from the package list's
 * repository name ("almalinux-8-for-x86_64-…") or the el<N> dist tag.
 */
#include "vulndb/distro_int.h"

#include <string.h>

#include "base/banned.h"

static bool
alma_key(void *ctx, struct ks_str k, struct ks_str v)
{
    int *score = ctx;

    (void)v;
    if (ks_str_eq_c(k, "updateinfo_id"))
        *score = 90;
    return *score == 0;
}

int
ks_vdb_alma_sniff(struct ks_str head, const char *name)
{
    struct ks_str h = ks_df_skip_ws(head);
    int score = 0;

    (void)name;
    if (h.len == 0 || h.ptr[0] != '[')
        return 0;
    ks_vdb_json_keys(h, alma_key, &score);
    if (score == 0 && ks_df_has(h, "\"updateinfo_id\"") && ks_df_has(h, "\"pkglist\""))
        score = 80;
    return score;
}

/* "almalinux-8-for-x86_64-appstream-rpms__8_0_default", "…-for-rhel-8-…" -> "8" */
static struct ks_str
release_in_repo(const char *repo)
{
    static const char *const marks[] = {"almalinux-", "rhel-"};
    struct ks_str s = ks_str_c(repo);

    for (size_t i = 0; i < KS_ARRAY_LEN(marks); i++) {
        const char *p = s.len ? ks_vdb_memmem(s.ptr, s.len, marks[i], strlen(marks[i])) : NULL;
        size_t k = 0;

        if (p == NULL)
            continue;
        p += strlen(marks[i]);
        while (p + k < s.ptr + s.len && p[k] >= '0' && p[k] <= '9')
            k++;
        if (k > 0)
            return ks_str_make(p, k);
    }
    return KS_STR_NULL;
}

static struct ks_str
release_in_dist(const char *release)
{
    struct ks_str s = ks_str_c(release);

    for (size_t i = 0; i + 3 < s.len; i++)
        if (s.ptr[i] == 'e' && s.ptr[i + 1] == 'l' && s.ptr[i + 2] >= '0' && s.ptr[i + 2] <= '9' &&
            (i == 0 || s.ptr[i - 1] == '.' || s.ptr[i - 1] == '+')) {
            size_t k = i + 2;

            while (k < s.len && s.ptr[k] >= '0' && s.ptr[k] <= '9')
                k++;
            return ks_str_sub(s, i + 2, k - i - 2);
        }
    return KS_STR_NULL;
}

/* {"$date": 1629790196000} or {"$date": "2021-08-24T07:29:56Z"} or a string */
static const char *
alma_date(const json_t *v, struct ks_arena *a)
{
    const json_t *d = json_is_object(v) ? json_object_get(v, "$date") : v;

    if (json_is_integer(d))
        return ks_df_unix_time(a, json_integer_value(d), true);
    if (json_is_string(d))
        return ks_df_time(a, ks_str_c(json_string_value(d)));
    return NULL;
}

struct alma_ctx {
    struct ks_dfeed *f;
    struct ks_vdb_sink *sink;
};

static void
erratum(struct alma_ctx *c, const json_t *e, struct ks_arena *a, const char *pos)
{
    const char *id = ks_json_str(e, "updateinfo_id"), *type = ks_json_str(e, "type");
    const json_t *pkglist = json_object_get(e, "pkglist"), *pkgs, *refs, *p, *mod;
    const char *module = NULL, *eco, *sev;
    struct ks_str rel;
    json_t *rec;
    size_t i;

    if (id == NULL || id[0] == '\0' || strlen(id) > 64) {
        ks_vdb_malformed(c->sink, pos, "no updateinfo_id");
        return;
    }
    if (type != NULL && strcmp(type, "security") != 0)
        return; /* bug fixes and enhancements fix no vulnerability */
    pkgs = json_object_get(pkglist, "packages");
    if (!json_is_array(pkgs) || json_array_size(pkgs) == 0) {
        ks_vdb_malformed(c->sink, id, "no pkglist.packages");
        return;
    }
    rel = release_in_repo(ks_json_str(pkglist, "name"));
    for (i = 0; rel.len == 0 && i < json_array_size(pkgs); i++)
        rel = release_in_dist(ks_json_str(json_array_get(pkgs, i), "release"));
    if (rel.len == 0) {
        ks_vdb_malformed(c->sink, id, "no AlmaLinux release (repository name or el<N>)");
        return;
    }
    eco = ks_arena_sprintf(a, "AlmaLinux:" KS_STR_FMT, KS_STR_ARG(rel));
    /* A modular erratum names its stream: pkglist.module {name, stream, ...} */
    mod = json_object_get(pkglist, "module");
    if (json_is_object(mod) && ks_json_str(mod, "name") && ks_json_str(mod, "stream"))
        module = ks_arena_sprintf(a, "%s:%s", ks_json_str(mod, "name"), ks_json_str(mod, "stream"));
    sev = ks_df_lower(a, ks_json_str(e, "severity"));
    rec = ks_dfeed_rec(c->f, id);
    ks_dfeed_set(c->f, rec, "summary", ks_json_str(e, "title"));
    ks_dfeed_set(c->f, rec, "details", ks_json_str(e, "description"));
    ks_dfeed_set(c->f, rec, "published", alma_date(json_object_get(e, "issued_date"), a));
    ks_dfeed_set_time(c->f, rec, "modified", alma_date(json_object_get(e, "issued_date"), a));
    ks_dfeed_set_time(c->f, rec, "modified", alma_date(json_object_get(e, "updated_date"), a));
    ks_dfeed_add_ref(c->f, rec, "ADVISORY",
                     ks_arena_sprintf(a, "https://errata.almalinux.org/%.*s/%s.html",
                                      (int)rel.len, rel.ptr, id));
    refs = json_object_get(e, "references");
    json_array_foreach(refs, i, p)
    {
        const char *rt = ks_json_str(p, "type"), *rid = ks_json_str(p, "id");

        if (rt != NULL && strcmp(rt, "cve") == 0 && rid != NULL && ks_vdb_is_cve(ks_str_c(rid)))
            ks_dfeed_add_id(c->f, rec, "upstream", rid);
        else if (rt != NULL && strcmp(rt, "rhsa") == 0 && rid != NULL)
            ks_dfeed_add_id(c->f, rec, "related", rid);
        ks_dfeed_add_ref(c->f, rec, "WEB", ks_json_str(p, "href"));
    }
    json_array_foreach(pkgs, i, p)
    {
        const char *name = ks_json_str(p, "name"), *ver = ks_json_str(p, "version"),
                   *r = ks_json_str(p, "release");
        struct ks_dpkg d = {0};

        if (name == NULL || ver == NULL || r == NULL || name[0] == '\0') {
            ks_vdb_malformed(c->sink, id, "pkglist.packages[%zu] lacks name, version or release", i);
            continue;
        }
        d.ecosystem = eco;
        d.name = name;
        d.status = KS_VSTATUS_FIXED;
        d.fixed = ks_df_rpm_evr(a, ks_json_str(p, "epoch"), ver, r);
        d.vendor_severity = sev;
        if (module != NULL) {
            d.purl = ks_arena_sprintf(a, "pkg:rpm/almalinux/%s?rpmmod=%s", name, module);
            d.ecosystem_specific = json_pack("{s:s}", "module", module);
        }
        ks_dfeed_affected(c->f, rec, &d);
    }
}

static enum ks_code
alma_elem(void *vctx, const char *elem, size_t len, uint64_t index, struct ks_err *err)
{
    struct alma_ctx *c = vctx;
    struct ks_err perr = KS_ERR_INIT;
    struct ks_arena *a;
    json_t *doc = NULL;
    char pos[48];
    enum ks_code rc;

    snprintf(pos, sizeof(pos), "errata[%llu]", (unsigned long long)index);
    rc = ks_json_parse(elem, len, pos, &doc, &perr);
    if (rc == KS_ENOMEM)
        return ks_err_set(err, rc, "%s", perr.msg);
    if (rc != KS_OK) {
        ks_vdb_malformed(c->sink, pos, "%s", perr.msg);
        return KS_OK;
    }
    a = ks_arena_new(8192);
    if (a == NULL) {
        json_decref(doc);
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    }
    erratum(c, doc, a, pos);
    ks_arena_free(a);
    json_decref(doc);
    return KS_OK;
}

enum ks_code
ks_vdb_alma_add(struct ks_dfeed *f, struct ks_vdb_stream *in, struct ks_vdb_sink *sink,
                struct ks_err *err)
{
    struct alma_ctx c = {.f = f, .sink = sink};

    return ks_jsplit_array(in, alma_elem, &c, err);
}

enum ks_code
ks_vdb_alma_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink, struct ks_err *err)
{
    return ks_dfeed_import_one(ks_vdb_alma_add, in, sink, err);
}

const char *
ks_vdb_alma_label(struct ks_str head, const char *path, struct ks_arena *a)
{
    const char *p;
    size_t k = 0;

    (void)path;
    if (head.len > KS_VDB_HEAD_BYTES)
        head.len = KS_VDB_HEAD_BYTES;
    p = ks_vdb_memmem(head.ptr, head.len, "almalinux-", 10);
    if (p == NULL)
        return NULL;
    p += 10;
    while (p + k < head.ptr + head.len && p[k] >= '0' && p[k] <= '9')
        k++;
    return k ? ks_arena_strndup(a, p, k) : NULL;
}
