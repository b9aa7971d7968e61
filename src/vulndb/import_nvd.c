/*
 * import_nvd.c: NVD CVE API 2.0 data — the yearly feed files and API
 * response pages (`{"resultsPerPage":..,"vulnerabilities":[{"cve":{..}}]}`,
 * streamed record by record through jsplit.c) and single `cve` objects (or
 * `{"cve": {...}}`). Keeps what scoring needs: CVSS v2/v3.0/v3.1/v4.0 metrics
 * with source and type, CWEs, the English description, dates and status.
 */
#include "vulndb/vulndb_int.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/banned.h"

static bool
has(struct ks_str s, const char *needle)
{
    return s.len > 0 && ks_vdb_memmem(s.ptr, s.len, needle, strlen(needle)) != NULL;
}

static struct ks_str
skip_ws(struct ks_str s)
{
    while (s.len > 0 && (s.ptr[0] == ' ' || s.ptr[0] == '\t' || s.ptr[0] == '\r' ||
                         s.ptr[0] == '\n')) {
        s.ptr++;
        s.len--;
    }
    return s;
}

struct sniff {
    int feed, record;
    bool veto_feed, veto_record;
};

static bool
nvd_key(void *ctx, struct ks_str k, struct ks_str v)
{
    struct sniff *s = ctx;

    if (ks_str_eq_c(k, "format") && ks_str_eq_c(v, "\"NVD_CVE\""))
        s->feed += 95;
    else if (ks_str_eq_c(k, "resultsPerPage") || ks_str_eq_c(k, "totalResults"))
        s->feed += 40;
    else if (ks_str_eq_c(k, "vulnerabilities")) {
        /* KEV has "vulnerabilities" too, holding {"cveID": ...} entries. */
        if (has(v, "\"cveID\""))
            s->veto_feed = true;
        else if (has(v, "\"cve\""))
            s->feed += 50;
        s->veto_record = true;
    } else if (ks_str_eq_c(k, "catalogVersion") || ks_str_eq_c(k, "affected")) {
        s->veto_feed = s->veto_record = true;
    } else if (ks_str_eq_c(k, "sourceIdentifier")) {
        s->record += 50;
    } else if (ks_str_eq_c(k, "id") && ks_str_has_prefix(v, "\"CVE-")) {
        s->record += 30;
    } else if (ks_str_eq_c(k, "lastModified") || ks_str_eq_c(k, "descriptions") ||
               ks_str_eq_c(k, "metrics") || ks_str_eq_c(k, "weaknesses") ||
               ks_str_eq_c(k, "vulnStatus")) {
        s->record += 10;
    } else if (ks_str_eq_c(k, "cve") && v.len > 0 && v.ptr[0] == '{') {
        s->record += 80; /* {"cve": {...}}: one API result */
    }
    /* decided: stop scanning (an OSV record's "affected" vetoes both) */
    return !(s->veto_feed && s->veto_record) && s->feed < 95 && s->record < 85;
}

static void
sniff_keys(struct ks_str head, struct sniff *sn)
{
    struct ks_str s = skip_ws(head);

    memset(sn, 0, sizeof(*sn));
    if (s.len == 0 || s.ptr[0] != '{')
        return;
    ks_vdb_json_keys(s, nvd_key, sn);
}

int
ks_vdb_nvd_feed_sniff(struct ks_str head, const char *name)
{
    struct sniff sn;

    (void)name;
    sniff_keys(head, &sn);
    return sn.veto_feed ? 0 : KS_MIN(sn.feed, 95);
}

int
ks_vdb_nvd_record_sniff(struct ks_str head, const char *name)
{
    struct sniff sn;

    (void)name;
    sniff_keys(head, &sn);
    if (sn.veto_record || sn.record < 60)
        return 0;
    return KS_MIN(sn.record, 85);
}

bool
ks_vdb_nvd_incremental(const char *source_name)
{
    /* Only the yearly files ("nvd:2021") are complete snapshots of a part */
    /* of NVD; modified/recent feeds, API pages and loose records add.     */
    struct ks_str n = ks_str_c(source_name);

    if (n.len == 8 && ks_str_has_prefix(n, "nvd:")) {
        for (size_t i = 4; i < 8; i++)
            if (n.ptr[i] < '0' || n.ptr[i] > '9')
                return true;
        return false;
    }
    return true;
}

/* ------------------------------------------------------------------------ */
/* One cve object                                                           */

struct metric_src {
    const char *key;
    const char *version; /* when cvssData lacks one */
    int rank;            /* newest first */
};

static const struct metric_src metric_keys[] = {
    {"cvssMetricV40", "4.0", 0},
    {"cvssMetricV31", "3.1", 1},
    {"cvssMetricV30", "3.0", 2},
    {"cvssMetricV2", "2.0", 3},
};

static enum ks_code
str_field(const json_t *o, const char *key, const char **out, struct ks_err *err)
{
    json_t *v = json_object_get(o, key);

    *out = NULL;
    if (v == NULL || json_is_null(v))
        return KS_OK;
    if (!json_is_string(v))
        return ks_err_set(err, KS_EPARSE, "%s: not a string", key);
    *out = json_string_value(v);
    return KS_OK;
}

enum ks_code
ks_vdb_nvd_from_json(const json_t *cve, struct ks_arena *arena, struct ks_nvd_record *out,
                     struct ks_err *err)
{
    struct ks_nvd_record rec = {0};
    json_t *descs, *weak, *metrics;
    enum ks_code rc;
    size_t n_metrics = 0, n_cwes = 0;

    if (!json_is_object(cve))
        return ks_err_set(err, KS_EPARSE, "cve: not an object");
    if ((rc = str_field(cve, "id", &rec.id, err)) != KS_OK ||
        (rc = str_field(cve, "sourceIdentifier", &rec.source_identifier, err)) != KS_OK ||
        (rc = str_field(cve, "published", &rec.published, err)) != KS_OK ||
        (rc = str_field(cve, "lastModified", &rec.last_modified, err)) != KS_OK ||
        (rc = str_field(cve, "vulnStatus", &rec.vuln_status, err)) != KS_OK)
        return rc;
    if (rec.id == NULL || !ks_vdb_is_cve(ks_str_c(rec.id)))
        return ks_err_set(err, KS_EPARSE, "id: missing or not a CVE id");
    descs = json_object_get(cve, "descriptions");
    if (descs != NULL && !json_is_array(descs))
        return ks_err_set(err, KS_EPARSE, "descriptions: not an array");
    for (size_t i = 0; i < json_array_size(descs); i++) {
        json_t *d = json_array_get(descs, i);
        const char *lang = ks_json_str(d, "lang"), *value = ks_json_str(d, "value");

        if (lang != NULL && value != NULL && strcmp(lang, "en") == 0) {
            rec.description = value;
            break;
        }
    }
    weak = json_object_get(cve, "weaknesses");
    if (weak != NULL && !json_is_array(weak))
        return ks_err_set(err, KS_EPARSE, "weaknesses: not an array");
    if (json_array_size(weak) > KS_VDB_MAX_ARRAY)
        return ks_err_set(err, KS_ETOOBIG, "weaknesses: too many entries");
    for (size_t i = 0; i < json_array_size(weak); i++)
        n_cwes += json_array_size(ks_json_arr(json_array_get(weak, i), "description"));
    if (n_cwes > 0) {
        const char **cwes = ks_arena_calloc(arena, n_cwes, sizeof(*cwes));
        size_t k = 0;

        if (cwes == NULL)
            return ks_err_set(err, KS_ENOMEM, "out of memory");
        for (size_t i = 0; i < json_array_size(weak); i++) {
            json_t *d = ks_json_arr(json_array_get(weak, i), "description");

            for (size_t j = 0; j < json_array_size(d); j++) {
                const char *v = ks_json_str(json_array_get(d, j), "value");
                bool dup = false;

                if (v == NULL)
                    continue;
                for (size_t m = 0; m < k && !dup; m++)
                    dup = strcmp(cwes[m], v) == 0;
                if (!dup)
                    cwes[k++] = v;
            }
        }
        rec.cwes = cwes;
        rec.n_cwes = k;
    }
    metrics = json_object_get(cve, "metrics");
    if (metrics != NULL && !json_is_object(metrics))
        return ks_err_set(err, KS_EPARSE, "metrics: not an object");
    for (size_t i = 0; i < KS_ARRAY_LEN(metric_keys); i++) {
        json_t *arr = json_object_get(metrics, metric_keys[i].key);

        if (arr != NULL && !json_is_array(arr))
            return ks_err_set(err, KS_EPARSE, "metrics.%s: not an array", metric_keys[i].key);
        n_metrics += json_array_size(arr);
    }
    if (n_metrics > KS_VDB_MAX_ARRAY)
        return ks_err_set(err, KS_ETOOBIG, "metrics: too many entries");
    if (n_metrics > 0) {
        struct ks_nvd_metric *ms = ks_arena_calloc(arena, n_metrics, sizeof(*ms));
        size_t k = 0;

        if (ms == NULL)
            return ks_err_set(err, KS_ENOMEM, "out of memory");
        for (size_t i = 0; i < KS_ARRAY_LEN(metric_keys); i++) {
            json_t *arr = json_object_get(metrics, metric_keys[i].key);

            /* Primary entries first within a version, as NVD's own ordering intends. */
            for (int pass = 0; pass < 2; pass++) {
                for (size_t j = 0; j < json_array_size(arr); j++) {
                    json_t *m = json_array_get(arr, j), *data = ks_json_obj(m, "cvssData");
                    const char *type = ks_json_str(m, "type");
                    bool primary = type != NULL && strcmp(type, "Primary") == 0;
                    struct ks_nvd_metric *o;
                    json_t *score;

                    if (primary != (pass == 0))
                        continue;
                    if (data == NULL || ks_json_str(data, "vectorString") == NULL)
                        return ks_err_set(err, KS_EPARSE,
                                          "metrics.%s[%zu]: no cvssData.vectorString",
                                          metric_keys[i].key, j);
                    o = &ms[k++];
                    o->version = ks_json_str(data, "version");
                    if (o->version == NULL)
                        o->version = metric_keys[i].version;
                    o->source = ks_json_str(m, "source");
                    o->type = type;
                    o->vector = ks_json_str(data, "vectorString");
                    score = json_object_get(data, "baseScore");
                    o->base_score = json_is_number(score) ? json_number_value(score) : -1;
                    o->base_severity = ks_json_str(data, "baseSeverity");
                    if (o->base_severity == NULL)
                        o->base_severity = ks_json_str(m, "baseSeverity"); /* v2 keeps it outside */
                }
            }
        }
        rec.metrics = ms;
        rec.n_metrics = k;
    }
    *out = rec;
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* Documents                                                                */

static enum ks_code
put_cve(struct ks_vdb_sink *sink, const json_t *cve, const char *where, uint64_t index,
        struct ks_err *err)
{
    struct ks_arena *a = ks_arena_new(8 * 1024);
    struct ks_nvd_record rec;
    struct ks_err rerr = KS_ERR_INIT;
    enum ks_code rc;

    if (a == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    rc = ks_vdb_nvd_from_json(cve, a, &rec, &rerr);
    if (rc == KS_ENOMEM) {
        ks_arena_free(a);
        return ks_err_set(err, rc, "%s: out of memory", where);
    }
    if (rc != KS_OK) {
        const char *id = ks_json_str(cve, "id");
        char pos[64];

        snprintf(pos, sizeof(pos), "vulnerabilities[%llu]", (unsigned long long)index);
        ks_vdb_malformed(sink, id ? id : pos, "%s", rerr.msg);
        ks_arena_free(a);
        return KS_OK;
    }
    rc = ks_vdb_put_nvd(sink, &rec, err);
    ks_arena_free(a);
    return rc;
}

/*
 * Feed elements go through a pipeline: worker threads parse each element
 * ({"cve": {...}}) with jansson and build the record; this thread stores
 * them in feed order.
 */
struct elem {
    char *text;
    size_t len;
    uint64_t index;
    struct ks_arena *arena;
    json_t *doc;
    struct ks_nvd_record rec;
    enum ks_code rc;  /* KS_OK: rec is set; KS_EPARSE: msg says why; KS_ENOMEM */
    char id[KS_VDB_MAX_ID + 1];
    char msg[sizeof(((struct ks_err *)0)->msg)];
};

static void
elem_free(struct elem *e)
{
    if (e == NULL)
        return;
    json_decref(e->doc);
    ks_arena_free(e->arena);
    ks_free(e->text);
    ks_free(e);
}

static void
elem_work(void *arg)
{
    struct elem *e = arg;
    struct ks_err perr = KS_ERR_INIT;
    char pos[64];
    json_t *cve;
    const char *id;

    snprintf(pos, sizeof(pos), "vulnerabilities[%llu]", (unsigned long long)e->index);
    snprintf(e->id, sizeof(e->id), "%s", pos);
    e->rc = ks_json_parse(e->text, e->len, pos, &e->doc, &perr);
    if (e->rc != KS_OK) {
        snprintf(e->msg, sizeof(e->msg), "%s", perr.msg);
        return;
    }
    cve = json_object_get(e->doc, "cve");
    if (!json_is_object(cve)) {
        e->rc = KS_EPARSE;
        snprintf(e->msg, sizeof(e->msg), "no 'cve' object");
        return;
    }
    id = ks_json_str(cve, "id");
    if (id != NULL)
        snprintf(e->id, sizeof(e->id), "%.*s", (int)KS_MIN(strlen(id), (size_t)KS_VDB_MAX_ID), id);
    e->arena = ks_arena_new(8 * 1024);
    if (e->arena == NULL) {
        e->rc = KS_ENOMEM;
        return;
    }
    e->rc = ks_vdb_nvd_from_json(cve, e->arena, &e->rec, &perr);
    if (e->rc != KS_OK)
        snprintf(e->msg, sizeof(e->msg), "%s", perr.msg);
}

struct feed_ctx {
    struct ks_vdb_sink *sink;
    const char *name;
    uint64_t count;
    struct ks_vdb_pipe *pipe;
};

static enum ks_code
elem_store(struct feed_ctx *c, struct elem *e, struct ks_err *err)
{
    if (e->rc == KS_ENOMEM)
        return ks_err_set(err, KS_ENOMEM, "%s: out of memory", c->name);
    if (e->rc != KS_OK) {
        ks_vdb_malformed(c->sink, e->id, "%s", e->msg);
        return KS_OK;
    }
    return ks_vdb_put_nvd(c->sink, &e->rec, err);
}

static enum ks_code
feed_elem(void *vctx, const char *text, size_t len, uint64_t index, struct ks_err *err)
{
    struct feed_ctx *c = vctx;
    struct elem *e = ks_calloc(1, sizeof(*e)), *done;
    enum ks_code rc;

    c->count++;
    if (e == NULL || (e->text = ks_malloc(len ? len : 1)) == NULL) {
        ks_free(e);
        return ks_err_set(err, KS_ENOMEM, "%s: out of memory", c->name);
    }
    memcpy(e->text, text, len);
    e->len = len;
    e->index = index;
    while ((done = ks_vdb_pipe_take(c->pipe, ks_vdb_pipe_full(c->pipe))) != NULL) {
        rc = elem_store(c, done, err);
        elem_free(done);
        if (rc != KS_OK) {
            elem_free(e);
            return rc;
        }
    }
    ks_vdb_pipe_push(c->pipe, e);
    return KS_OK;
}

static json_int_t
int_field(const json_t *o, const char *key, json_int_t fallback)
{
    json_t *v = json_object_get(o, key);

    return json_is_integer(v) ? json_integer_value(v) : fallback;
}

enum ks_code
ks_vdb_nvd_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink, struct ks_err *err)
{
    struct ks_buf buf = KS_BUF_INIT(KS_VDB_MAX_RECORD + 1);
    struct ks_err perr = KS_ERR_INIT;
    struct feed_ctx ctx = {.sink = sink, .name = in->name};
    json_t *env = NULL, *doc = NULL, *cve;
    struct elem *e;
    enum ks_code rc;

    if ((rc = ks_vdb_peek(in, err)) != KS_OK)
        goto out;
    if (ks_vdb_nvd_feed_sniff(ks_str_make(in->head, in->head_len), in->name) > 0) {
        json_int_t total, start, per_page, expected;
        const char *ts;

        ctx.pipe = ks_vdb_pipe_new(elem_work);
        if (ctx.pipe == NULL) {
            rc = ks_err_set(err, KS_ENOMEM, "out of memory");
            goto out;
        }
        rc = ks_jsplit(in, "vulnerabilities", feed_elem, &ctx, &env, err);
        /* Store the rest in order (or, after an error, only free it). */
        while ((e = ks_vdb_pipe_take(ctx.pipe, true)) != NULL) {
            if (rc == KS_OK)
                rc = elem_store(&ctx, e, err);
            elem_free(e);
        }
        if (rc != KS_OK)
            goto out;
        /* A short feed means a truncated or inconsistent download: refuse it. */
        total = int_field(env, "totalResults", -1);
        start = int_field(env, "startIndex", 0);
        per_page = int_field(env, "resultsPerPage", -1);
        if (total >= 0 && per_page >= 0) {
            expected = KS_MIN(per_page, total - start);
            if (expected >= 0 && (json_int_t)ctx.count != expected) {
                rc = ks_err_set(err, KS_EPARSE,
                                "%s: holds %llu records but says %lld (resultsPerPage %lld, "
                                "totalResults %lld, startIndex %lld)",
                                in->name, (unsigned long long)ctx.count, (long long)expected,
                                (long long)per_page, (long long)total, (long long)start);
                goto out;
            }
        }
        ts = ks_json_str(env, "timestamp");
        if (ts != NULL)
            ks_vdb_put_meta(sink, "data_time", ts);
        rc = KS_OK;
        goto out;
    }
    if ((rc = ks_vdb_read_all(in, KS_VDB_MAX_RECORD, &buf, err)) != KS_OK)
        goto out;
    rc = ks_json_parse(buf.data, buf.len, in->name, &doc, &perr);
    if (rc == KS_ENOMEM) {
        rc = ks_err_set(err, rc, "%s", perr.msg);
        goto out;
    }
    if (rc != KS_OK) {
        ks_vdb_malformed(sink, in->name, "%s", perr.msg);
        rc = KS_OK;
        goto out;
    }
    cve = json_object_get(doc, "cve");
    rc = put_cve(sink, json_is_object(cve) ? cve : doc, in->name, 0, err);
out:
    ks_vdb_pipe_free(ctx.pipe);
    json_decref(env);
    json_decref(doc);
    ks_buf_release(&buf);
    return rc;
}
