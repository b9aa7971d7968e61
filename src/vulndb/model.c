/*
 * model.c: the advisory model. Reads OSV records (JSON objects) into struct
 * ks_advisory with every field checked for type, and writes the canonical
 * OSV-shaped JSON the DB stores and hashes. Version data goes through
 * version.h (ks_osv_affected_from_json), names through ks_eco_normalize_name.
 */
#include "vulndb/vulndb_int.h"

#include <string.h>

#include <jansson.h>

#include "base/banned.h"

static const char *const status_names[KS_VSTATUS_COUNT] = {
    [KS_VSTATUS_NONE] = "",
    [KS_VSTATUS_AFFECTED] = "affected",
    [KS_VSTATUS_FIXED] = "fixed",
    [KS_VSTATUS_WILL_NOT_FIX] = "will_not_fix",
    [KS_VSTATUS_FIX_DEFERRED] = "fix_deferred",
    [KS_VSTATUS_END_OF_LIFE] = "end_of_life",
    [KS_VSTATUS_NOT_AFFECTED] = "not_affected",
};

const char *
ks_vuln_status_name(enum ks_vuln_status s)
{
    return (unsigned)s < KS_VSTATUS_COUNT ? status_names[s] : "";
}

enum ks_code
ks_vuln_status_parse(struct ks_str s, enum ks_vuln_status *out)
{
    for (int i = 0; i < KS_VSTATUS_COUNT; i++) {
        if (ks_str_eq_c(s, status_names[i])) {
            *out = (enum ks_vuln_status)i;
            return KS_OK;
        }
    }
    return KS_EINVAL;
}

static const char *const change_names[KS_CHANGE_COUNT] = {"added", "modified", "withdrawn",
                                                          "removed"};

const char *
ks_change_kind_name(enum ks_change_kind k)
{
    return (unsigned)k < KS_CHANGE_COUNT ? change_names[k] : "?";
}

/* ------------------------------------------------------------------------ */
/* OSV JSON -> model                                                        */

struct rd {
    struct ks_arena *a;
    struct ks_err *err;
    char path[160]; /* "affected[1].package" for messages */
};

static enum ks_code
bad(struct rd *r, const char *field, const char *what)
{
    if (field[0] == '\0')
        return ks_err_set(r->err, KS_EPARSE, "%s: %s", r->path, what);
    return ks_err_set(r->err, KS_EPARSE, "%s%s%s: %s", r->path, r->path[0] ? "." : "", field,
                      what);
}

/* Optional string member; KS_EPARSE if present with another type. */
static enum ks_code
opt_str(struct rd *r, const json_t *obj, const char *key, const char **out)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return KS_OK;
    if (!json_is_string(v))
        return bad(r, key, "not a string");
    *out = json_string_value(v);
    return KS_OK;
}

static enum ks_code
opt_obj(struct rd *r, const json_t *obj, const char *key, const json_t **out)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return KS_OK;
    if (!json_is_object(v))
        return bad(r, key, "not an object");
    *out = v;
    return KS_OK;
}

static enum ks_code
str_array(struct rd *r, const json_t *obj, const char *key, const char *const **out, size_t *n)
{
    json_t *v = json_object_get(obj, key);
    const char **items;
    size_t i;

    *out = NULL;
    *n = 0;
    if (v == NULL || json_is_null(v))
        return KS_OK;
    if (!json_is_array(v))
        return bad(r, key, "not an array");
    if (json_array_size(v) > KS_VDB_MAX_ARRAY)
        return ks_err_set(r->err, KS_ETOOBIG, "%s: more than %d entries", key, KS_VDB_MAX_ARRAY);
    if (json_array_size(v) == 0)
        return KS_OK;
    items = ks_arena_calloc(r->a, json_array_size(v), sizeof(*items));
    if (items == NULL)
        return ks_err_set(r->err, KS_ENOMEM, "out of memory");
    for (i = 0; i < json_array_size(v); i++) {
        json_t *e = json_array_get(v, i);

        if (!json_is_string(e))
            return bad(r, key, "has a non-string entry");
        items[i] = json_string_value(e);
    }
    *out = items;
    *n = i;
    return KS_OK;
}

/*
 * Optional array of objects: *arr is NULL when absent or empty, else the
 * array, every entry checked to be an object, with *items allocated for
 * its entries (elem bytes each, zeroed).
 */
static enum ks_code
obj_array(struct rd *r, const json_t *obj, const char *key, size_t elem, const json_t **arr,
          void **items)
{
    json_t *v = json_object_get(obj, key);

    *arr = NULL;
    *items = NULL;
    if (v == NULL || json_is_null(v))
        return KS_OK;
    if (!json_is_array(v))
        return bad(r, key, "not an array");
    if (json_array_size(v) == 0)
        return KS_OK;
    if (json_array_size(v) > KS_VDB_MAX_ARRAY)
        return ks_err_set(r->err, KS_ETOOBIG, "%s: more than %d entries", key, KS_VDB_MAX_ARRAY);
    for (size_t i = 0; i < json_array_size(v); i++) {
        if (!json_is_object(json_array_get(v, i)))
            return bad(r, key, "has a non-object entry");
    }
    if ((*items = ks_arena_calloc(r->a, json_array_size(v), elem)) == NULL)
        return ks_err_set(r->err, KS_ENOMEM, "out of memory");
    *arr = v;
    return KS_OK;
}

static enum ks_code
read_severity(struct rd *r, const json_t *obj, const struct ks_adv_severity **out, size_t *n)
{
    const json_t *v;
    struct ks_adv_severity *items;
    enum ks_code rc;

    *out = NULL;
    *n = 0;
    if ((rc = obj_array(r, obj, "severity", sizeof(*items), &v, (void **)&items)) != KS_OK ||
        v == NULL)
        return rc;
    for (size_t i = 0; i < json_array_size(v); i++) {
        const json_t *e = json_array_get(v, i);

        if ((rc = opt_str(r, e, "type", &items[i].type)) != KS_OK ||
            (rc = opt_str(r, e, "score", &items[i].score)) != KS_OK ||
            (rc = opt_str(r, e, "source", &items[i].source)) != KS_OK)
            return rc;
        if (items[i].type == NULL || items[i].score == NULL)
            return bad(r, "severity", "entry without type or score");
    }
    *out = items;
    *n = json_array_size(v);
    return KS_OK;
}

static enum ks_code
read_package(struct rd *r, const json_t *aff, struct ks_adv_affected *out)
{
    const json_t *pkg;
    enum ks_code rc;
    struct ks_str eco_s, release = KS_STR_NULL;
    struct ks_buf norm = KS_BUF_INIT(4096);
    struct ks_err perr = KS_ERR_INIT;

    if ((rc = opt_obj(r, aff, "package", &pkg)) != KS_OK)
        return rc;
    if (pkg == NULL)
        return KS_OK; /* allowed: e.g. ranges over a git repository only */
    if ((rc = opt_str(r, pkg, "ecosystem", &out->ecosystem)) != KS_OK ||
        (rc = opt_str(r, pkg, "name", &out->name)) != KS_OK ||
        (rc = opt_str(r, pkg, "purl", &out->purl)) != KS_OK)
        return rc;
    if (out->ecosystem == NULL || out->ecosystem[0] == '\0')
        return bad(r, "package", "no ecosystem");
    if (out->name == NULL || out->name[0] == '\0')
        return bad(r, "package", "no name");
    eco_s = ks_str_c(out->ecosystem);
    if (ks_eco_parse(eco_s, &out->eco, &release, &perr) == KS_OK && out->eco != KS_ECO_UNKNOWN) {
        out->eco_name = ks_eco_info(out->eco)->name;
    } else {
        /* An ecosystem Kensa cannot evaluate is kept: it is listed and can be */
        /* queried by its name, and its versions are UNKNOWN to the matcher.  */
        struct ks_str fam = ks_vdb_eco_family(eco_s);

        out->eco = KS_ECO_UNKNOWN;
        out->eco_name = ks_arena_strndup(r->a, fam.ptr, fam.len);
        release = fam.len < eco_s.len ? ks_str_sub(eco_s, fam.len + 1, eco_s.len) : KS_STR_NULL;
    }
    out->release = release.len ? ks_arena_strndup(r->a, release.ptr, release.len) : "";
    ks_eco_normalize_name(out->eco, ks_str_c(out->name), &norm);
    if (ks_buf_err(&norm) != KS_OK) {
        enum ks_code e = ks_buf_err(&norm);

        ks_buf_release(&norm);
        if (e == KS_ENOMEM)
            return ks_err_set(r->err, KS_ENOMEM, "out of memory");
        return bad(r, "package.name", "too long");
    }
    out->norm_name = ks_arena_strndup(r->a, norm.data, norm.len);
    ks_buf_release(&norm);
    if (out->eco_name == NULL || out->release == NULL || out->norm_name == NULL)
        return ks_err_set(r->err, KS_ENOMEM, "out of memory");
    return KS_OK;
}

static enum ks_code
read_affected(struct rd *r, const json_t *aff, struct ks_adv_affected *out)
{
    struct ks_osv_affected va;
    struct ks_err verr = KS_ERR_INIT;
    const char *status = NULL;
    json_t *ranges;
    enum ks_code rc;

    if (!json_is_object(aff))
        return bad(r, "", "not an object");
    if ((rc = read_package(r, aff, out)) != KS_OK)
        return rc;
    if ((rc = ks_osv_affected_from_json(aff, r->a, &va, &verr)) != KS_OK)
        return ks_err_set(r->err, rc == KS_ENOMEM ? KS_ENOMEM : KS_EPARSE, "%s: %s", r->path,
                          verr.msg);
    out->ranges = va.ranges;
    out->n_ranges = va.n_ranges;
    out->versions = va.versions;
    out->n_versions = va.n_versions;
    /* GIT ranges carry their repository; keep it for the stored record. */
    ranges = json_object_get(aff, "ranges");
    if (json_is_array(ranges) && va.n_ranges == json_array_size(ranges) && va.n_ranges > 0) {
        const char **repos = ks_arena_calloc(r->a, va.n_ranges, sizeof(*repos));

        if (repos == NULL)
            return ks_err_set(r->err, KS_ENOMEM, "out of memory");
        for (size_t i = 0; i < va.n_ranges; i++)
            repos[i] = ks_json_str(json_array_get(ranges, i), "repo");
        out->range_repos = repos;
    }
    if ((rc = read_severity(r, aff, &out->severity, &out->n_severity)) != KS_OK ||
        (rc = opt_obj(r, aff, "ecosystem_specific", &out->ecosystem_specific)) != KS_OK ||
        (rc = opt_obj(r, aff, "database_specific", &out->database_specific)) != KS_OK ||
        (rc = opt_str(r, aff, "status", &status)) != KS_OK ||
        (rc = opt_str(r, aff, "vendor_severity", &out->vendor_severity)) != KS_OK)
        return rc;
    if (status != NULL && ks_vuln_status_parse(ks_str_c(status), &out->status) != KS_OK)
        return bad(r, "status", "unknown vendor status");
    return KS_OK;
}

static enum ks_code
read_references(struct rd *r, const json_t *rec, struct ks_advisory *out)
{
    const json_t *v;
    struct ks_adv_reference *items;
    enum ks_code rc;

    if ((rc = obj_array(r, rec, "references", sizeof(*items), &v, (void **)&items)) != KS_OK ||
        v == NULL)
        return rc;
    for (size_t i = 0; i < json_array_size(v); i++) {
        const json_t *e = json_array_get(v, i);

        if ((rc = opt_str(r, e, "type", &items[i].type)) != KS_OK ||
            (rc = opt_str(r, e, "url", &items[i].url)) != KS_OK)
            return rc;
        if (items[i].url == NULL)
            return bad(r, "references", "entry without url");
    }
    out->references = items;
    out->n_references = json_array_size(v);
    return KS_OK;
}

static enum ks_code
read_credits(struct rd *r, const json_t *rec, struct ks_advisory *out)
{
    const json_t *v;
    struct ks_adv_credit *items;
    enum ks_code rc;

    if ((rc = obj_array(r, rec, "credits", sizeof(*items), &v, (void **)&items)) != KS_OK ||
        v == NULL)
        return rc;
    for (size_t i = 0; i < json_array_size(v); i++) {
        const json_t *e = json_array_get(v, i);

        if ((rc = opt_str(r, e, "name", &items[i].name)) != KS_OK ||
            (rc = opt_str(r, e, "type", &items[i].type)) != KS_OK ||
            (rc = str_array(r, e, "contact", &items[i].contact, &items[i].n_contact)) != KS_OK)
            return rc;
        if (items[i].name == NULL)
            return bad(r, "credits", "entry without name");
    }
    out->credits = items;
    out->n_credits = json_array_size(v);
    return KS_OK;
}

static bool
id_ok(const char *id)
{
    size_t n = strlen(id);

    if (n == 0 || n > KS_VDB_MAX_ID)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)id[i] <= ' ' || id[i] == 0x7f)
            return false;
    return true;
}

enum ks_code
ks_advisory_from_osv(const json_t *rec, struct ks_arena *arena, struct ks_advisory *out,
                     struct ks_err *err)
{
    struct rd r = {.a = arena, .err = err};
    struct ks_advisory adv = {0};
    json_t *aff;
    enum ks_code rc;

    if (!json_is_object(rec))
        return ks_err_set(err, KS_EPARSE, "an OSV record must be a JSON object");
    if ((rc = opt_str(&r, rec, "id", &adv.id)) != KS_OK)
        return rc;
    if (adv.id == NULL)
        return ks_err_set(err, KS_EPARSE, "id: missing");
    if (!id_ok(adv.id))
        return ks_err_set(err, KS_EPARSE, "id: empty, over %d bytes or with spaces",
                          KS_VDB_MAX_ID);
    if ((rc = opt_str(&r, rec, "schema_version", &adv.schema_version)) != KS_OK ||
        (rc = opt_str(&r, rec, "modified", &adv.modified)) != KS_OK ||
        (rc = opt_str(&r, rec, "published", &adv.published)) != KS_OK ||
        (rc = opt_str(&r, rec, "withdrawn", &adv.withdrawn)) != KS_OK ||
        (rc = opt_str(&r, rec, "summary", &adv.summary)) != KS_OK ||
        (rc = opt_str(&r, rec, "details", &adv.details)) != KS_OK ||
        (rc = str_array(&r, rec, "aliases", &adv.aliases, &adv.n_aliases)) != KS_OK ||
        (rc = str_array(&r, rec, "upstream", &adv.upstream, &adv.n_upstream)) != KS_OK ||
        (rc = str_array(&r, rec, "related", &adv.related, &adv.n_related)) != KS_OK ||
        (rc = read_severity(&r, rec, &adv.severity, &adv.n_severity)) != KS_OK ||
        (rc = read_references(&r, rec, &adv)) != KS_OK ||
        (rc = read_credits(&r, rec, &adv)) != KS_OK ||
        (rc = opt_obj(&r, rec, "database_specific", &adv.database_specific)) != KS_OK)
        return rc;
    if (adv.modified == NULL)
        adv.modified = "";
    if (adv.withdrawn != NULL && adv.withdrawn[0] == '\0')
        adv.withdrawn = NULL;
    aff = json_object_get(rec, "affected");
    if (aff != NULL && !json_is_null(aff)) {
        struct ks_adv_affected *items;

        if (!json_is_array(aff))
            return ks_err_set(err, KS_EPARSE, "affected: not an array");
        if (json_array_size(aff) > KS_VDB_MAX_ARRAY)
            return ks_err_set(err, KS_ETOOBIG, "affected: more than %d entries",
                              KS_VDB_MAX_ARRAY);
        if (json_array_size(aff) > 0) {
            items = ks_arena_calloc(arena, json_array_size(aff), sizeof(*items));
            if (items == NULL)
                return ks_err_set(err, KS_ENOMEM, "out of memory");
            for (size_t i = 0; i < json_array_size(aff); i++) {
                snprintf(r.path, sizeof(r.path), "affected[%zu]", i);
                if ((rc = read_affected(&r, json_array_get(aff, i), &items[i])) != KS_OK)
                    return rc;
            }
            adv.affected = items;
            adv.n_affected = json_array_size(aff);
        }
    }
    *out = adv;
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* model -> canonical JSON                                                  */

struct wr {
    struct ks_err *err;
    enum ks_code rc;
    const char *field;
};

/* json_string() fails both on invalid UTF-8 and on OOM: tell them apart. */
static void
string_failed(struct wr *w, const char *s, size_t n)
{
    json_t *probe;

    if (w->rc != KS_OK)
        return;
    probe = json_stringn_nocheck(s, n);
    if (probe == NULL) {
        w->rc = ks_err_set(w->err, KS_ENOMEM, "out of memory");
        return;
    }
    json_decref(probe);
    w->rc = ks_err_set(w->err, KS_EPARSE, "%s: not valid UTF-8", w->field);
}

static json_t *
jstr(struct wr *w, const char *s)
{
    json_t *v = json_string(s);

    if (v == NULL)
        string_failed(w, s, strlen(s));
    return v;
}

static void
put(struct wr *w, json_t *obj, const char *key, json_t *v)
{
    if (v == NULL) {
        if (w->rc == KS_OK)
            w->rc = ks_err_set(w->err, KS_ENOMEM, "out of memory");
        return;
    }
    if (json_object_set_new(obj, key, v) != 0 && w->rc == KS_OK)
        w->rc = ks_err_set(w->err, KS_ENOMEM, "out of memory");
}

static void
put_str(struct wr *w, json_t *obj, const char *key, const char *s)
{
    if (s == NULL)
        return;
    w->field = key;
    put(w, obj, key, jstr(w, s));
}

static void
put_strs(struct wr *w, json_t *obj, const char *key, const char *const *items, size_t n)
{
    json_t *arr;

    if (n == 0)
        return;
    arr = json_array();
    w->field = key;
    for (size_t i = 0; arr != NULL && i < n; i++) {
        json_t *s = jstr(w, items[i]);

        if (s == NULL || json_array_append_new(arr, s) != 0)
            break;
    }
    put(w, obj, key, arr);
}

static void
put_json(struct wr *w, json_t *obj, const char *key, const json_t *v)
{
    if (v == NULL)
        return;
    /* Verbatim and shared: jansson objects are reference counted. */
    put(w, obj, key, json_incref((json_t *)v));
}

static void
put_severity(struct wr *w, json_t *obj, const struct ks_adv_severity *sev, size_t n)
{
    json_t *arr;

    if (n == 0)
        return;
    arr = json_array();
    for (size_t i = 0; arr != NULL && i < n; i++) {
        json_t *e = json_object();

        if (e == NULL || json_array_append_new(arr, e) != 0)
            break;
        put_str(w, e, "type", sev[i].type);
        put_str(w, e, "score", sev[i].score);
        put_str(w, e, "source", sev[i].source);
    }
    put(w, obj, "severity", arr);
}

static const char *const event_keys[] = {
    [KS_EV_INTRODUCED] = "introduced",
    [KS_EV_FIXED] = "fixed",
    [KS_EV_LAST_AFFECTED] = "last_affected",
    [KS_EV_LIMIT] = "limit",
};
static const char *const range_types[] = {
    [KS_RANGE_ECOSYSTEM] = "ECOSYSTEM",
    [KS_RANGE_SEMVER] = "SEMVER",
    [KS_RANGE_GIT] = "GIT",
};

static json_t *
jstrn(struct wr *w, struct ks_str s)
{
    json_t *v = json_stringn(s.ptr ? s.ptr : "", s.len);

    if (v == NULL)
        string_failed(w, s.ptr ? s.ptr : "", s.len);
    return v;
}

static void
put_ranges(struct wr *w, json_t *obj, const struct ks_adv_affected *aff)
{
    json_t *arr;

    if (aff->n_ranges > 0) {
        arr = json_array();
        w->field = "ranges";
        for (size_t i = 0; arr != NULL && i < aff->n_ranges; i++) {
            const struct ks_osv_range *rg = &aff->ranges[i];
            json_t *e = json_object(), *evs = json_array();

            if (e == NULL || json_array_append_new(arr, e) != 0) {
                json_decref(evs);
                break;
            }
            put(w, e, "type",
                jstr(w, (unsigned)rg->type < KS_ARRAY_LEN(range_types) ? range_types[rg->type]
                                                                       : "ECOSYSTEM"));
            if (aff->range_repos != NULL && aff->range_repos[i] != NULL)
                put_str(w, e, "repo", aff->range_repos[i]);
            for (size_t k = 0; evs != NULL && k < rg->n_events; k++) {
                const struct ks_osv_event *ev = &rg->events[k];
                json_t *o = json_object();

                if (o == NULL || json_array_append_new(evs, o) != 0)
                    break;
                w->field = "ranges.events";
                put(w, o,
                    (unsigned)ev->type < KS_ARRAY_LEN(event_keys) ? event_keys[ev->type]
                                                                  : "introduced",
                    jstrn(w, ev->version));
            }
            put(w, e, "events", evs);
        }
        put(w, obj, "ranges", arr);
    }
    if (aff->n_versions > 0) {
        arr = json_array();
        w->field = "versions";
        for (size_t i = 0; arr != NULL && i < aff->n_versions; i++) {
            json_t *s = jstrn(w, aff->versions[i]);

            if (s == NULL || json_array_append_new(arr, s) != 0)
                break;
        }
        put(w, obj, "versions", arr);
    }
}

static void
put_affected(struct wr *w, json_t *root, const struct ks_advisory *adv)
{
    json_t *arr;

    if (adv->n_affected == 0)
        return;
    arr = json_array();
    for (size_t i = 0; arr != NULL && i < adv->n_affected; i++) {
        const struct ks_adv_affected *aff = &adv->affected[i];
        json_t *e = json_object();

        if (e == NULL || json_array_append_new(arr, e) != 0)
            break;
        if (aff->name != NULL || aff->ecosystem != NULL) {
            json_t *pkg = json_object();

            put(w, e, "package", pkg);
            if (pkg != NULL) {
                put_str(w, pkg, "ecosystem", aff->ecosystem);
                put_str(w, pkg, "name", aff->name);
                put_str(w, pkg, "purl", aff->purl);
            }
        }
        put_severity(w, e, aff->severity, aff->n_severity);
        put_ranges(w, e, aff);
        put_json(w, e, "ecosystem_specific", aff->ecosystem_specific);
        put_json(w, e, "database_specific", aff->database_specific);
        if (aff->status != KS_VSTATUS_NONE)
            put_str(w, e, "status", ks_vuln_status_name(aff->status));
        put_str(w, e, "vendor_severity", aff->vendor_severity);
    }
    put(w, root, "affected", arr);
}

static void
put_refs_credits(struct wr *w, json_t *root, const struct ks_advisory *adv)
{
    json_t *arr;

    if (adv->n_references > 0) {
        arr = json_array();
        for (size_t i = 0; arr != NULL && i < adv->n_references; i++) {
            json_t *e = json_object();

            if (e == NULL || json_array_append_new(arr, e) != 0)
                break;
            put_str(w, e, "type", adv->references[i].type);
            put_str(w, e, "url", adv->references[i].url);
        }
        put(w, root, "references", arr);
    }
    if (adv->n_credits > 0) {
        arr = json_array();
        for (size_t i = 0; arr != NULL && i < adv->n_credits; i++) {
            json_t *e = json_object();

            if (e == NULL || json_array_append_new(arr, e) != 0)
                break;
            put_str(w, e, "name", adv->credits[i].name);
            put_strs(w, e, "contact", adv->credits[i].contact, adv->credits[i].n_contact);
            put_str(w, e, "type", adv->credits[i].type);
        }
        put(w, root, "credits", arr);
    }
}

enum ks_code
ks_advisory_to_json(const struct ks_advisory *adv, json_t **out, struct ks_err *err)
{
    struct wr w = {.err = err, .rc = KS_OK};
    json_t *root = json_object();

    if (root == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    put_str(&w, root, "schema_version", adv->schema_version);
    put_str(&w, root, "id", adv->id);
    if (adv->modified != NULL && adv->modified[0] != '\0')
        put_str(&w, root, "modified", adv->modified);
    put_str(&w, root, "published", adv->published);
    put_str(&w, root, "withdrawn", adv->withdrawn);
    put_strs(&w, root, "aliases", adv->aliases, adv->n_aliases);
    put_strs(&w, root, "upstream", adv->upstream, adv->n_upstream);
    put_strs(&w, root, "related", adv->related, adv->n_related);
    put_str(&w, root, "summary", adv->summary);
    put_str(&w, root, "details", adv->details);
    put_severity(&w, root, adv->severity, adv->n_severity);
    put_affected(&w, root, adv);
    put_refs_credits(&w, root, adv);
    put_json(&w, root, "database_specific", adv->database_specific);
    if (w.rc != KS_OK) {
        json_decref(root);
        if (err != NULL)
            ks_err_prefix(err, "advisory '%s': ", adv->id ? adv->id : "?");
        return w.rc;
    }
    *out = root;
    return KS_OK;
}
