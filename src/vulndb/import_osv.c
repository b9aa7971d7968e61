/*
 * import_osv.c: OSV records (https://ossf.github.io/osv-schema/) as JSON —
 * one record per document as in the OSV bucket's all.zip and in advisory
 * repositories, or a JSON array of records — and as YAML (pypa's
 * advisory-database). A record that does not parse or breaks the schema is
 * skipped with a warning naming the file and the record id.
 */
#include "vulndb/vulndb_int.h"

#include <string.h>

#include <jansson.h>

#include "base/banned.h"

static struct ks_str
skip_ws(struct ks_str s)
{
    while (s.len > 0 && (s.ptr[0] == ' ' || s.ptr[0] == '\t' || s.ptr[0] == '\r' ||
                         s.ptr[0] == '\n')) {
        s.ptr++;
        s.len--;
    }
    if (s.len >= 3 && memcmp(s.ptr, "\xEF\xBB\xBF", 3) == 0)
        return skip_ws(ks_str_sub(s, 3, s.len - 3));
    return s;
}

static bool
has(struct ks_str s, const char *needle)
{
    return s.len > 0 && ks_vdb_memmem(s.ptr, s.len, needle, strlen(needle)) != NULL;
}
struct sniff {
    int score;
    bool veto;
};

static bool
osv_key(void *ctx, struct ks_str k, struct ks_str v)
{
    static const char *const veto[] = {"sourceIdentifier", "vulnerabilities", "catalogVersion",
                                       "resultsPerPage",   "totalResults",    "cveID",
                                       "descriptions",     "metrics",         "lastModified",
                                       "cve",              "format"};
    static const char *const minor[] = {"aliases",  "upstream",   "related",
                                        "summary",  "details",    "severity",
                                        "references", "credits",  "withdrawn",
                                        "database_specific"};
    struct sniff *s = ctx;

    (void)v;
    for (size_t i = 0; i < KS_ARRAY_LEN(veto); i++)
        if (ks_str_eq_c(k, veto[i]))
            s->veto = true;
    /* Only OSV has a top-level "affected"; records sort keys differently, */
    /* and a long affected[] can hide everything else past the head.       */
    if (ks_str_eq_c(k, "affected"))
        s->score += 60;
    else if (ks_str_eq_c(k, "id"))
        s->score += 40;
    else if (ks_str_eq_c(k, "modified") || ks_str_eq_c(k, "schema_version"))
        s->score += 20;
    else if (ks_str_eq_c(k, "published"))
        s->score += 10;
    for (size_t i = 0; i < KS_ARRAY_LEN(minor); i++)
        if (ks_str_eq_c(k, minor[i]))
            s->score += 5;
    /* decided: stop scanning */
    return !s->veto && s->score < 90;
}

int
ks_vdb_osv_sniff(struct ks_str head, const char *name)
{
    struct ks_str s = skip_ws(head);
    struct sniff sn = {0};

    (void)name;
    if (s.len == 0 || (s.ptr[0] != '{' && s.ptr[0] != '['))
        return 0;
    ks_vdb_json_keys(s, osv_key, &sn);
    if (sn.veto || sn.score < 60)
        return 0;
    sn.score = KS_MIN(sn.score, 90);
    return s.ptr[0] == '[' ? sn.score - 10 : sn.score;
}

static const char *
record_name(const json_t *rec, const char *fallback, char *buf, size_t n)
{
    const char *id = ks_json_str(rec, "id");

    if (id != NULL && id[0] != '\0') {
        snprintf(buf, n, "%.*s", (int)KS_MIN(strlen(id), (size_t)KS_VDB_MAX_ID), id);
        return buf;
    }
    return fallback;
}

/*
 * A parsed document: its records as advisories (in the prepared arena), and
 * the records that could not be used with why, warned about at put time.
 */
struct osv_prep {
    char *data; /* the document text (owned): raw_json of a single record points into it */
    json_t *doc;
    struct ks_advisory *advs;
    size_t n_advs;
    struct osv_bad {
        const char *record;
        const char *msg;
    } *bad;
    size_t n_bad;
    const char *name;
};

static bool
add_bad(struct ks_arena *a, struct osv_prep *st, const char *record, const char *msg)
{
    struct osv_bad *nb = ks_arena_alloc(a, (st->n_bad + 1) * sizeof(*nb));

    if (nb == NULL)
        return false;
    if (st->n_bad > 0)
        memcpy(nb, st->bad, st->n_bad * sizeof(*nb));
    nb[st->n_bad].record = ks_arena_strdup(a, record);
    nb[st->n_bad].msg = ks_arena_strdup(a, msg);
    if (nb[st->n_bad].record == NULL || nb[st->n_bad].msg == NULL)
        return false;
    st->bad = nb;
    st->n_bad++;
    return true;
}

/* Records of doc (a record or an array of them) into st; false on OOM. */
static bool
prepare_doc(struct ks_arena *a, struct osv_prep *st, json_t *doc, struct ks_str raw,
            const char *name)
{
    size_t n = json_is_array(doc) ? json_array_size(doc) : 1;

    st->advs = n > 0 ? ks_arena_calloc(a, n, sizeof(*st->advs)) : NULL;
    if (n > 0 && st->advs == NULL)
        return false;
    for (size_t i = 0; i < n; i++) {
        json_t *rec = json_is_array(doc) ? json_array_get(doc, i) : doc;
        struct ks_err rerr = KS_ERR_INIT;
        char idbuf[KS_VDB_MAX_ID + 1];
        enum ks_code rc = ks_advisory_from_osv(rec, a, &st->advs[st->n_advs], &rerr);

        if (rc == KS_ENOMEM)
            return false;
        if (rc != KS_OK) {
            if (!add_bad(a, st, record_name(rec, name, idbuf, sizeof(idbuf)), rerr.msg))
                return false;
            continue;
        }
        /* A document that is exactly one record is stored as published. */
        if (!json_is_array(doc))
            st->advs[st->n_advs].raw_json = raw;
        st->n_advs++;
    }
    return true;
}

void
ks_vdb_osv_prepare(char *data, size_t len, const char *name, struct ks_vdb_prepared *out)
{
    struct ks_arena *a = ks_arena_new(16 * 1024);
    struct osv_prep *st = a ? ks_arena_calloc(a, 1, sizeof(*st)) : NULL;
    struct ks_err perr = KS_ERR_INIT;
    enum ks_code rc;

    memset(out, 0, sizeof(*out));
    out->arena = a;
    out->state = st;
    if (st == NULL) {
        ks_free(data);
        out->rc = KS_ENOMEM;
        return;
    }
    st->data = data;
    st->name = ks_arena_strdup(a, name);
    rc = ks_json_parse(data, len, name, &st->doc, &perr);
    if (rc == KS_ENOMEM || st->name == NULL) {
        out->rc = KS_ENOMEM;
        return;
    }
    if (rc != KS_OK) {
        if (!add_bad(a, st, name, perr.msg))
            out->rc = KS_ENOMEM;
        return;
    }
    if (!prepare_doc(a, st, st->doc, ks_str_make(data, len), name))
        out->rc = KS_ENOMEM;
}

enum ks_code
ks_vdb_osv_put(struct ks_vdb_prepared *p, struct ks_vdb_sink *sink, struct ks_err *err)
{
    struct osv_prep *st = p->state;
    enum ks_code rc = KS_OK;

    if (p->rc != KS_OK)
        return ks_err_set(err, p->rc, "%s: out of memory", st && st->name ? st->name : "osv");
    for (size_t i = 0; i < st->n_bad; i++)
        ks_vdb_malformed(sink, st->bad[i].record, "%s", st->bad[i].msg);
    for (size_t i = 0; rc == KS_OK && i < st->n_advs; i++)
        rc = ks_vdb_put_advisory(sink, &st->advs[i], err);
    return rc;
}

void
ks_vdb_osv_release(struct ks_vdb_prepared *p)
{
    struct osv_prep *st = p->state;

    if (st != NULL) {
        json_decref(st->doc);
        ks_free(st->data);
    }
    ks_arena_free(p->arena);
    memset(p, 0, sizeof(*p));
}

enum ks_code
ks_vdb_osv_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink, struct ks_err *err)
{
    struct ks_buf buf = KS_BUF_INIT(KS_VDB_MAX_RECORD + 1);
    struct ks_vdb_prepared p;
    enum ks_code rc;
    size_t len;
    char *data;

    if ((rc = ks_vdb_read_all(in, KS_VDB_MAX_RECORD, &buf, err)) != KS_OK) {
        ks_buf_release(&buf);
        if (rc == KS_ETOOBIG) {
            ks_vdb_malformed(sink, in->name, "%s", err ? err->msg : "too large");
            rc = KS_OK;
        }
        return rc;
    }
    len = buf.len;
    data = ks_buf_detach(&buf, NULL);
    if (data == NULL)
        return ks_err_set(err, KS_ENOMEM, "%s: out of memory", in->name);
    ks_vdb_osv_prepare(data, len, in->name, &p);
    rc = ks_vdb_osv_put(&p, sink, err);
    ks_vdb_osv_release(&p);
    return rc;
}

/* Used by the YAML reader: a parsed document through the same path. */
static enum ks_code
put_document(struct ks_vdb_sink *sink, json_t *doc, const char *where, struct ks_err *err)
{
    struct ks_arena *a = ks_arena_new(16 * 1024);
    struct osv_prep st = {0};
    enum ks_code rc = KS_OK;

    if (a == NULL || !prepare_doc(a, &st, doc, KS_STR_NULL, where)) {
        ks_arena_free(a);
        return ks_err_set(err, KS_ENOMEM, "%s: out of memory", where);
    }
    for (size_t i = 0; i < st.n_bad; i++)
        ks_vdb_malformed(sink, st.bad[i].record, "%s", st.bad[i].msg);
    for (size_t i = 0; rc == KS_OK && i < st.n_advs; i++)
        rc = ks_vdb_put_advisory(sink, &st.advs[i], err);
    ks_arena_free(a);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* YAML                                                                     */

static bool
name_is_yaml(const char *name)
{
    struct ks_str n = ks_str_c(name);

    return ks_str_has_suffix(n, ".yaml") || ks_str_has_suffix(n, ".yml");
}

int
ks_vdb_osv_yaml_sniff(struct ks_str head, const char *name)
{
    struct ks_str s = skip_ws(head);
    bool id_line, osv_keys;

    if (s.len == 0 || s.ptr[0] == '{' || s.ptr[0] == '[')
        return 0;
    id_line = ks_str_has_prefix(s, "id:") || has(s, "\nid:");
    osv_keys = has(s, "\nmodified:") || has(s, "\naffected:") || has(s, "schema_version:");
    if (id_line && osv_keys)
        return name != NULL && name_is_yaml(name) ? 85 : 65;
    if (id_line && name != NULL && name_is_yaml(name))
        return 50;
    return 0;
}

enum ks_code
ks_vdb_osv_yaml_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink, struct ks_err *err)
{
    struct ks_buf buf = KS_BUF_INIT(KS_VDB_MAX_RECORD + 1);
    struct ks_err perr = KS_ERR_INIT;
    json_t *doc = NULL;
    enum ks_code rc;

    if ((rc = ks_vdb_read_all(in, KS_VDB_MAX_RECORD, &buf, err)) != KS_OK) {
        if (rc == KS_ETOOBIG) {
            ks_vdb_malformed(sink, in->name, "%s", err ? err->msg : "too large");
            rc = KS_OK;
        }
        goto out;
    }
    rc = ks_vdb_yaml_to_json(buf.data, buf.len, in->name, &doc, &perr);
    if (rc == KS_ENOMEM) {
        rc = ks_err_set(err, rc, "%s", perr.msg);
        goto out;
    }
    if (rc != KS_OK) {
        ks_vdb_malformed(sink, in->name, "%s", perr.msg);
        rc = KS_OK;
        goto out;
    }
    rc = put_document(sink, doc, in->name, err);
out:
    json_decref(doc);
    ks_buf_release(&buf);
    return rc;
}
