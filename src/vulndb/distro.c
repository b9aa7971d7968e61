/*
 * distro.c: what the distro feed importers share (distro_int.h): the
 * accumulator that builds OSV-shaped advisories from a distro's records and
 * hands them to the sink through ks_advisory_from_osv, id extraction with
 * PCRE2, version and date helpers. Every advisory a distro importer makes
 * goes through here, so they all get the same shape (docs/feeds.md).
 */
#include "vulndb/distro_int.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <pthread.h>
#include <string.h>

#include "base/banned.h"

struct ks_dfeed {
    struct ks_map *ids; /* id -> json_t* record (borrowed from recs) */
    struct ks_vec recs; /* json_t*, owned, in first-seen order */
    bool oom;           /* a jansson or map allocation failed */
    bool full;          /* over KS_DF_MAX_RECORDS */
    struct ks_vdb_sink *sink;
};

struct ks_dfeed *
ks_dfeed_new(struct ks_vdb_sink *sink)
{
    struct ks_dfeed *f = ks_calloc(1, sizeof(*f));

    if (f == NULL)
        return NULL;
    f->ids = ks_map_new();
    if (f->ids == NULL) {
        ks_free(f);
        return NULL;
    }
    ks_vec_init(&f->recs, sizeof(json_t *));
    f->sink = sink;
    return f;
}

static void
drop_records(struct ks_dfeed *f)
{
    for (size_t i = 0; i < f->recs.len; i++)
        json_decref(*(json_t **)ks_vec_at(&f->recs, i));
    f->recs.len = 0;
    ks_map_free(f->ids);
    f->ids = ks_map_new();
    if (f->ids == NULL)
        f->oom = true;
}

void
ks_dfeed_free(struct ks_dfeed *f)
{
    if (f == NULL)
        return;
    for (size_t i = 0; i < f->recs.len; i++)
        json_decref(*(json_t **)ks_vec_at(&f->recs, i));
    ks_vec_release(&f->recs);
    ks_map_free(f->ids);
    ks_free(f);
}

size_t
ks_dfeed_count(const struct ks_dfeed *f)
{
    return f->recs.len;
}

bool
ks_dfeed_has(const struct ks_dfeed *f, const char *id)
{
    return f->ids != NULL && ks_map_has(f->ids, ks_str_c(id));
}

json_t *
ks_dfeed_rec(struct ks_dfeed *f, const char *id)
{
    json_t *rec, **slot;

    if (f->oom || f->ids == NULL)
        return NULL;
    rec = ks_map_get(f->ids, ks_str_c(id));
    if (rec != NULL)
        return rec;
    if (f->recs.len >= KS_DF_MAX_RECORDS) {
        f->full = true;
        return NULL;
    }
    rec = json_object();
    if (rec == NULL || json_object_set_new(rec, "id", json_string(id)) != 0) {
        json_decref(rec);
        f->oom = true;
        return NULL;
    }
    slot = ks_vec_push(&f->recs);
    if (slot == NULL) {
        json_decref(rec);
        f->oom = true;
        return NULL;
    }
    *slot = rec;
    /* The key is the record's own "id" string, which lives as long as rec. */
    if (ks_map_put(f->ids, ks_str_c(json_string_value(json_object_get(rec, "id"))), rec, NULL) !=
        KS_OK) {
        f->oom = true;
        return NULL;
    }
    return rec;
}

static void
set_new(struct ks_dfeed *f, json_t *obj, const char *key, json_t *v)
{
    if (v == NULL || json_object_set_new(obj, key, v) != 0)
        f->oom = true;
}

void
ks_dfeed_set(struct ks_dfeed *f, json_t *rec, const char *key, const char *value)
{
    if (rec == NULL || value == NULL || value[0] == '\0' || json_object_get(rec, key) != NULL)
        return;
    set_new(f, rec, key, json_string(value));
}

void
ks_dfeed_set_time(struct ks_dfeed *f, json_t *rec, const char *key, const char *value)
{
    const char *old;
    time_t a, b;

    if (rec == NULL || value == NULL || value[0] == '\0')
        return;
    old = ks_json_str(rec, key);
    if (old != NULL && ks_time_parse(ks_str_c(old), &a) == KS_OK &&
        (ks_time_parse(ks_str_c(value), &b) != KS_OK || b <= a))
        return;
    set_new(f, rec, key, json_string(value));
}

void
ks_dfeed_add_id(struct ks_dfeed *f, json_t *rec, const char *key, const char *id)
{
    json_t *arr;

    if (rec == NULL || id == NULL || id[0] == '\0')
        return;
    if (strcmp(key, "aliases") != 0 && ks_json_str(rec, "id") != NULL &&
        strcmp(ks_json_str(rec, "id"), id) == 0)
        return;
    arr = json_object_get(rec, key);
    if (arr == NULL) {
        arr = json_array();
        set_new(f, rec, key, arr);
        if (f->oom)
            return;
    }
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (strcmp(json_string_value(json_array_get(arr, i)), id) == 0)
            return;
    if (json_array_size(arr) >= KS_VDB_MAX_ARRAY)
        return;
    if (json_array_append_new(arr, json_string(id)) != 0)
        f->oom = true;
}

static json_t *
list(struct ks_dfeed *f, json_t *obj, const char *key)
{
    json_t *arr = json_object_get(obj, key);

    if (arr == NULL) {
        arr = json_array();
        set_new(f, obj, key, arr);
        if (f->oom)
            return NULL;
    }
    return arr;
}

void
ks_dfeed_add_ref(struct ks_dfeed *f, json_t *rec, const char *type, const char *url)
{
    json_t *arr, *e;

    if (rec == NULL || url == NULL || url[0] == '\0' || (arr = list(f, rec, "references")) == NULL)
        return;
    for (size_t i = 0; i < json_array_size(arr); i++)
        if (strcmp(ks_json_str(json_array_get(arr, i), "url"), url) == 0)
            return;
    if (json_array_size(arr) >= KS_VDB_MAX_ARRAY)
        return;
    e = json_pack("{s:s, s:s}", "type", type, "url", url);
    if (e == NULL || json_array_append_new(arr, e) != 0)
        f->oom = true;
}

void
ks_dfeed_add_severity(struct ks_dfeed *f, json_t *rec, const char *type, const char *score)
{
    json_t *arr, *e;

    if (rec == NULL || score == NULL || score[0] == '\0' ||
        (arr = list(f, rec, "severity")) == NULL)
        return;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *o = json_array_get(arr, i);

        if (strcmp(ks_json_str(o, "type"), type) == 0 && strcmp(ks_json_str(o, "score"), score) == 0)
            return;
    }
    e = json_pack("{s:s, s:s}", "type", type, "score", score);
    if (e == NULL || json_array_append_new(arr, e) != 0)
        f->oom = true;
}

json_t *
ks_dfeed_affected(struct ks_dfeed *f, json_t *rec, const struct ks_dpkg *p)
{
    json_t *arr, *e = NULL, *pkg, *events = NULL;

    if (rec == NULL || (arr = list(f, rec, "affected")) == NULL)
        goto fail;
    if (json_array_size(arr) >= KS_DF_MAX_AFFECTED)
        goto fail;
    e = json_object();
    pkg = p->purl ? json_pack("{s:s, s:s, s:s}", "ecosystem", p->ecosystem, "name", p->name,
                              "purl", p->purl)
                  : json_pack("{s:s, s:s}", "ecosystem", p->ecosystem, "name", p->name);
    if (e == NULL || pkg == NULL) {
        json_decref(pkg);
        f->oom = true;
        goto fail;
    }
    set_new(f, e, "package", pkg);
    if (p->status != KS_VSTATUS_NOT_AFFECTED) {
        if (p->fixed != NULL && p->fixed[0] != '\0')
            events = json_pack("[{s:s}, {s:s}]", "introduced", "0", "fixed", p->fixed);
        else if (p->last_affected != NULL && p->last_affected[0] != '\0')
            events = json_pack("[{s:s}, {s:s}]", "introduced", "0", "last_affected",
                               p->last_affected);
        else
            events = json_pack("[{s:s}]", "introduced", "0");
    }
    if (events != NULL)
        set_new(f, e, "ranges", json_pack("[{s:s, s:o}]", "type", "ECOSYSTEM", "events", events));
    if (p->ecosystem_specific != NULL)
        set_new(f, e, "ecosystem_specific", json_incref(p->ecosystem_specific));
    if (p->database_specific != NULL)
        set_new(f, e, "database_specific", json_incref(p->database_specific));
    {
        enum ks_vuln_status st = p->status;

        if (st == KS_VSTATUS_FIXED && (p->fixed == NULL || p->fixed[0] == '\0'))
            st = KS_VSTATUS_AFFECTED;
        if (st != KS_VSTATUS_NONE)
            set_new(f, e, "status", json_string(ks_vuln_status_name(st)));
    }
    if (p->vendor_severity != NULL && p->vendor_severity[0] != '\0')
        set_new(f, e, "vendor_severity", json_string(p->vendor_severity));
    if (f->oom)
        goto fail;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        if (json_equal(json_array_get(arr, i), e)) {
            json_t *same = json_array_get(arr, i);

            json_decref(e);
            json_decref(p->database_specific);
            json_decref(p->ecosystem_specific);
            return same;
        }
    }
    if (json_array_append_new(arr, e) != 0) {
        f->oom = true;
        e = NULL;
        goto fail;
    }
    json_decref(p->database_specific);
    json_decref(p->ecosystem_specific);
    return e;
fail:
    json_decref(e);
    json_decref(p->database_specific);
    json_decref(p->ecosystem_specific);
    return NULL;
}

enum ks_code
ks_dfeed_flush(struct ks_dfeed *f, struct ks_vdb_sink *sink, struct ks_err *err)
{
    struct ks_buf text = KS_BUF_INIT(KS_VDB_MAX_RECORD);
    enum ks_code rc = KS_OK;

    if (f->oom) {
        rc = ks_err_set(err, KS_ENOMEM, "%s: out of memory", sink && sink->file ? sink->file : "feed");
        goto out;
    }
    if (f->full) {
        rc = ks_err_set(err, KS_ETOOBIG, "%s: more than %d advisories",
                        sink && sink->file ? sink->file : "feed", KS_DF_MAX_RECORDS);
        goto out;
    }
    for (size_t i = 0; rc == KS_OK && i < f->recs.len; i++) {
        json_t *rec = *(json_t **)ks_vec_at(&f->recs, i);
        struct ks_arena *a = ks_arena_new(16 * 1024);
        struct ks_advisory adv;
        struct ks_err rerr = KS_ERR_INIT;
        enum ks_code r;

        if (a == NULL) {
            rc = ks_err_set(err, KS_ENOMEM, "out of memory");
            break;
        }
        r = ks_advisory_from_osv(rec, a, &adv, &rerr);
        if (r == KS_ENOMEM) {
            rc = ks_err_set(err, KS_ENOMEM, "%s", rerr.msg);
        } else if (r != KS_OK) {
            ks_vdb_malformed(sink, ks_json_str(rec, "id"), "%s", rerr.msg);
        } else {
            ks_buf_reset(&text);
            if ((r = ks_json_dump(rec, false, &text, &rerr)) == KS_OK) {
                adv.raw_json = ks_buf_str(&text);
                rc = ks_vdb_put_advisory(sink, &adv, err);
            } else if (r == KS_ENOMEM) {
                rc = ks_err_set(err, KS_ENOMEM, "%s", rerr.msg);
            } else {
                ks_vdb_malformed(sink, ks_json_str(rec, "id"), "%s", rerr.msg);
            }
        }
        ks_arena_free(a);
    }
out:
    drop_records(f);
    ks_buf_release(&text);
    if (rc == KS_OK && f->oom)
        rc = ks_err_set(err, KS_ENOMEM, "out of memory");
    return rc;
}

enum ks_code
ks_dfeed_import_one(ks_dfeed_add_fn add, struct ks_vdb_stream *in, struct ks_vdb_sink *sink,
                    struct ks_err *err)
{
    struct ks_dfeed *f = ks_dfeed_new(sink);
    enum ks_code rc;

    if (f == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    rc = add(f, in, sink, err);
    if (rc == KS_OK)
        rc = ks_dfeed_flush(f, sink, err);
    ks_dfeed_free(f);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Helpers                                                                  */

char *
ks_df_rpm_evr(struct ks_arena *a, const char *epoch, const char *version, const char *release)
{
    bool e = epoch != NULL && epoch[0] != '\0' && strcmp(epoch, "0") != 0;
    bool r = release != NULL && release[0] != '\0';

    if (version == NULL)
        return NULL;
    return ks_arena_sprintf(a, "%s%s%s%s%s", e ? epoch : "", e ? ":" : "", version, r ? "-" : "",
                            r ? release : "");
}

char *
ks_df_lower(struct ks_arena *a, const char *s)
{
    char *out;

    if (s == NULL)
        return NULL;
    out = ks_arena_strdup(a, s);
    for (char *p = out; p != NULL && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return out;
}

bool
ks_df_has(struct ks_str head, const char *needle)
{
    if (head.len > KS_VDB_SNIFF_BYTES)
        head.len = KS_VDB_SNIFF_BYTES;
    return head.len > 0 && ks_vdb_memmem(head.ptr, head.len, needle, strlen(needle)) != NULL;
}

struct ks_str
ks_df_skip_ws(struct ks_str s)
{
    if (s.len >= 3 && memcmp(s.ptr, "\xEF\xBB\xBF", 3) == 0)
        s = ks_str_sub(s, 3, s.len - 3);
    while (s.len > 0 &&
           (s.ptr[0] == ' ' || s.ptr[0] == '\t' || s.ptr[0] == '\r' || s.ptr[0] == '\n')) {
        s.ptr++;
        s.len--;
    }
    return s;
}

char *
ks_df_unix_time(struct ks_arena *a, int64_t t, bool ms)
{
    char buf[21];

    if (ms)
        t /= 1000;
    ks_time_rfc3339((time_t)t, buf);
    return ks_arena_strdup(a, buf);
}

char *
ks_df_time(struct ks_arena *a, struct ks_str s)
{
    time_t t;
    char buf[21];

    if (ks_time_parse(s, &t) != KS_OK)
        return NULL;
    ks_time_rfc3339(t, buf);
    return ks_arena_strdup(a, buf);
}

static const struct {
    const char *codename, *version;
} ubuntu_releases[] = {
    {"warty", "4.10"},    {"hoary", "5.04"},    {"breezy", "5.10"},   {"dapper", "6.06"},
    {"edgy", "6.10"},     {"feisty", "7.04"},   {"gutsy", "7.10"},    {"hardy", "8.04"},
    {"intrepid", "8.10"}, {"jaunty", "9.04"},   {"karmic", "9.10"},   {"lucid", "10.04"},
    {"maverick", "10.10"}, {"natty", "11.04"},  {"oneiric", "11.10"}, {"precise", "12.04"},
    {"quantal", "12.10"}, {"raring", "13.04"},  {"saucy", "13.10"},   {"trusty", "14.04"},
    {"utopic", "14.10"},  {"vivid", "15.04"},   {"wily", "15.10"},    {"xenial", "16.04"},
    {"yakkety", "16.10"}, {"zesty", "17.04"},   {"artful", "17.10"},  {"bionic", "18.04"},
    {"cosmic", "18.10"},  {"disco", "19.04"},   {"eoan", "19.10"},    {"focal", "20.04"},
    {"groovy", "20.10"},  {"hirsute", "21.04"}, {"impish", "21.10"},  {"jammy", "22.04"},
    {"kinetic", "22.10"}, {"lunar", "23.04"},   {"mantic", "23.10"},  {"noble", "24.04"},
    {"oracular", "24.10"}, {"plucky", "25.04"}, {"questing", "25.10"},
};

const char *
ks_df_ubuntu_release(struct ks_str codename)
{
    for (size_t i = 0; i < KS_ARRAY_LEN(ubuntu_releases); i++)
        if (ks_str_eq_c(codename, ubuntu_releases[i].codename))
            return ubuntu_releases[i].version;
    return NULL;
}

json_t *
ks_df_oval_cves(const struct ks_oval_def *d)
{
    json_t *cves = json_array();

    for (size_t k = 0; cves != NULL && k < d->n_cves; k++) {
        const struct ks_oval_cve *c = &d->cves[k];
        json_t *o;

        if (c->id == NULL || !ks_vdb_is_cve(ks_str_c(c->id)) || (o = json_object()) == NULL)
            continue;
        json_object_set_new(o, "id", json_string(c->id));
        if (c->priority != NULL)
            json_object_set_new(o, "priority", json_string(c->priority));
        if (c->cvss3 != NULL)
            json_object_set_new(o, "cvss3", json_string(c->cvss3));
        if (c->cvss_vector != NULL)
            json_object_set_new(o, "cvss_vector", json_string(c->cvss_vector));
        if (c->impact != NULL && c->impact[0] != '\0')
            json_object_set_new(o, "impact", json_string(c->impact));
        json_array_append_new(cves, o);
    }
    if (cves != NULL && json_array_size(cves) == 0) {
        json_decref(cves);
        return NULL;
    }
    return cves;
}

void
ks_dfeed_set_json(struct ks_dfeed *f, json_t *rec, const char *key, json_t *v)
{
    if (rec == NULL || v == NULL || json_object_get(rec, key) != NULL) {
        json_decref(v);
        return;
    }
    set_new(f, rec, key, v);
}

/* ------------------------------------------------------------------------ */
/* Lines                                                                    */

void
ks_df_lines_init(struct ks_df_lines *l, struct ks_vdb_stream *in)
{
    memset(l, 0, sizeof(*l));
    l->in = in;
    ks_buf_init(&l->buf, KS_DF_MAX_LINE + 65536 + 1);
}

void
ks_df_lines_release(struct ks_df_lines *l)
{
    ks_buf_release(&l->buf);
}

enum ks_code
ks_df_lines_next(struct ks_df_lines *l, struct ks_str *line, struct ks_err *err)
{
    for (;;) {
        const char *start = l->buf.data + l->pos;
        size_t avail = l->buf.len - l->pos;
        const char *nl = avail ? memchr(start, '\n', avail) : NULL;

        if (nl != NULL || (l->eof && avail > 0)) {
            size_t n = nl ? (size_t)(nl - start) : avail;

            l->lineno++;
            if (n > KS_DF_MAX_LINE)
                return ks_err_set(err, KS_ETOOBIG, "%s:%llu: line longer than %zu bytes",
                                  l->in->name, (unsigned long long)l->lineno, KS_DF_MAX_LINE);
            l->pos += n + (nl != NULL);
            if (n > 0 && start[n - 1] == '\r')
                n--;
            *line = ks_str_make(start, n);
            return KS_OK;
        }
        if (l->eof)
            return KS_ENOTFOUND;
        if (avail > KS_DF_MAX_LINE)
            return ks_err_set(err, KS_ETOOBIG, "%s:%llu: line longer than %zu bytes",
                              l->in->name, (unsigned long long)l->lineno + 1, KS_DF_MAX_LINE);
        /* Move the partial line to the front and read more. */
        memmove(l->buf.data, start, avail);
        l->buf.len = avail;
        l->pos = 0;
        {
            char *p = ks_buf_reserve(&l->buf, 65536);
            ssize_t got;

            if (p == NULL)
                return ks_err_set(err, KS_ENOMEM, "out of memory");
            got = ks_vdb_read(l->in, p, 65536, err);
            if (got < 0)
                return err ? err->code : KS_EIO;
            if (got == 0)
                l->eof = true;
            l->buf.len += (size_t)got;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Ids in free text (PCRE2)                                                 */

static pthread_once_t ids_once = PTHREAD_ONCE_INIT;
static pcre2_code *ids_re;

/*
 * A token not glued to other word characters: a CVE id, a token that starts
 * with "CVE" but is not one (reported), LETTERS-x[-y...] ids, or letters
 * followed by digits.
 */
static const char ids_pattern[] = "(?<![A-Za-z0-9_-])"
                                  "(CVE-[0-9]{4}-[0-9]{4,}"
                                  "|CVE[^\\s,;]*"
                                  "|[A-Z][A-Z0-9]*(?:-[A-Za-z0-9]+)+"
                                  "|[A-Z]{2,}[0-9]{3,})"
                                  "(?![A-Za-z0-9_-])";

static void
ids_compile(void)
{
    int errcode;
    PCRE2_SIZE off;

    ids_re = pcre2_compile((PCRE2_SPTR)ids_pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &errcode,
                           &off, NULL);
    if (ids_re != NULL)
        (void)pcre2_jit_compile(ids_re, PCRE2_JIT_COMPLETE);
}

size_t
ks_df_extract_ids(struct ks_str text, void (*fn)(void *ctx, struct ks_str id), void *ctx,
                  struct ks_str *bad)
{
    pcre2_match_data *md;
    size_t n = 0, pos = 0;

    if (bad != NULL)
        *bad = KS_STR_NULL;
    pthread_once(&ids_once, ids_compile);
    if (ids_re == NULL || text.len == 0)
        return 0;
    md = pcre2_match_data_create_from_pattern(ids_re, NULL);
    if (md == NULL)
        return 0;
    while (pos < text.len) {
        int r = pcre2_match(ids_re, (PCRE2_SPTR)text.ptr, text.len, pos, 0, md, NULL);
        PCRE2_SIZE *ov;
        struct ks_str id;

        if (r < 0)
            break; /* no match, or invalid UTF-8: either way no more ids */
        ov = pcre2_get_ovector_pointer(md);
        id = ks_str_make(text.ptr + ov[2], ov[3] - ov[2]);
        pos = ov[1] > pos ? ov[1] : pos + 1;
        /* "CVE-2017-17434-1": one part of a CVE (secdb splits some) is that CVE. */
        if (ks_str_has_prefix(id, "CVE-") && !ks_vdb_is_cve(id)) {
            size_t dashes = 0, k;

            for (k = 0; k < id.len && dashes < 3; k++)
                dashes += id.ptr[k] == '-';
            if (dashes == 3 && ks_vdb_is_cve(ks_str_sub(id, 0, k - 1))) {
                bool digits = k < id.len;

                for (size_t j = k; j < id.len; j++)
                    digits = digits && id.ptr[j] >= '0' && id.ptr[j] <= '9';
                if (digits)
                    id = ks_str_sub(id, 0, k - 1);
            }
        }
        if (ks_str_has_prefix(id, "CVE") && !ks_vdb_is_cve(id)) {
            /* "CVE N/A ZBX-11023": a bare CVE says "none"; anything else is broken. */
            if (!ks_str_eq_c(id, "CVE") && bad != NULL && bad->len == 0)
                *bad = id;
            continue;
        }
        fn(ctx, id);
        n++;
    }
    pcre2_match_data_free(md);
    return n;
}

/* ------------------------------------------------------------------------ */
/* The distro importers, found by their import function (importers.c rows). */

static const struct {
    enum ks_code (*import)(struct ks_vdb_stream *, struct ks_vdb_sink *, struct ks_err *);
    ks_dfeed_add_fn add;
    const char *(*label)(struct ks_str head, const char *path, struct ks_arena *a);
} distro_rows[] = {
    {ks_vdb_alas_import, ks_vdb_alas_add, ks_vdb_alas_label},
    {ks_vdb_rocky_import, ks_vdb_rocky_add, ks_vdb_rocky_label},
    {ks_vdb_secdb_import, ks_vdb_secdb_add, ks_vdb_secdb_label},
    {ks_vdb_debian_cve_import, ks_vdb_debian_cve_add, ks_vdb_debian_cve_label},
    {ks_vdb_debian_dsa_import, ks_vdb_debian_dsa_add, ks_vdb_debian_dsa_label},
    {ks_vdb_debian_oval_import, ks_vdb_debian_oval_add, ks_vdb_debian_oval_label},
    {ks_vdb_usn_oval_import, ks_vdb_usn_oval_add, ks_vdb_usn_oval_label},
    {ks_vdb_oracle_oval_import, ks_vdb_oracle_oval_add, ks_vdb_oracle_oval_label},
    {ks_vdb_redhat_oval_import, ks_vdb_redhat_oval_add, ks_vdb_redhat_oval_label},
    {ks_vdb_azure_oval_import, ks_vdb_azure_oval_add, ks_vdb_azure_oval_label},
    {ks_vdb_alma_import, ks_vdb_alma_add, ks_vdb_alma_label},
    {ks_vdb_photon_import, ks_vdb_photon_add, ks_vdb_photon_label},
    {ks_vdb_uct_import, ks_vdb_uct_add, ks_vdb_uct_label},
};

const char *
ks_vdb_distro_label(const struct ks_vdb_importer *imp, struct ks_str head, const char *path,
                    struct ks_arena *a)
{
    for (size_t i = 0; imp != NULL && i < KS_ARRAY_LEN(distro_rows); i++)
        if (distro_rows[i].import == imp->import)
            return distro_rows[i].label(head, path ? path : "", a);
    return NULL;
}

ks_dfeed_add_fn
ks_vdb_distro_add_fn(const struct ks_vdb_importer *imp)
{
    for (size_t i = 0; imp != NULL && i < KS_ARRAY_LEN(distro_rows); i++)
        if (distro_rows[i].import == imp->import)
            return distro_rows[i].add;
    return NULL;
}

bool
ks_vulndb_is_distro_source(const char *s)
{
    struct ks_str v = ks_str_c(s);
    ptrdiff_t colon = ks_str_find_char(v, ':');
    struct ks_str kind = colon >= 0 ? ks_str_sub(v, 0, (size_t)colon) : v;

    if (colon >= 0 && (size_t)colon + 1 >= v.len)
        return false;
    for (size_t i = 0; i < ks_vdb_n_importers; i++)
        if (ks_vdb_distro_add_fn(&ks_vdb_importers[i]) != NULL &&
            ks_str_eq_c(kind, ks_vdb_importers[i].kind))
            return true;
    return false;
}
