/*
 * vulndb_sink.h: a sink for the vulndb fuzz targets. It exercises what the
 * builder does with each record (canonical JSON, range blob round trip)
 * without a database, and consumes results so nothing is optimised away.
 */
#ifndef KS_FUZZ_VULNDB_SINK_H
#define KS_FUZZ_VULNDB_SINK_H

#include "vulndb/vulndb_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static volatile size_t fuzz_sink_bytes;

static enum ks_code
fz_adv(struct ks_vdb_sink *s, const struct ks_advisory *adv, struct ks_err *err)
{
    json_t *j = NULL;
    struct ks_buf b = KS_BUF_INIT(1 << 24);
    struct ks_arena *a = ks_arena_new(4096);

    (void)s;
    if (ks_advisory_to_json(adv, &j, err) == KS_OK && ks_json_dump(j, false, &b, err) == KS_OK)
        fuzz_sink_bytes += b.len;
    json_decref(j);
    for (size_t i = 0; a != NULL && i < adv->n_affected; i++) {
        struct ks_osv_affected o;

        ks_buf_reset(&b);
        if (ks_vdb_ranges_encode(&adv->affected[i], &b) == KS_OK &&
            ks_vdb_ranges_decode(b.data, b.len, KS_SCHEME_SEMVER, a, &o, err) != KS_OK)
            __builtin_trap(); /* what we encode must decode */
    }
    ks_arena_free(a);
    ks_buf_release(&b);
    return KS_OK;
}

static enum ks_code
fz_nvd(struct ks_vdb_sink *s, const struct ks_nvd_record *r, struct ks_err *err)
{
    (void)s;
    (void)err;
    fuzz_sink_bytes += r->n_metrics + r->n_cwes + (r->description ? strlen(r->description) : 0);
    return KS_OK;
}

static enum ks_code
fz_epss(struct ks_vdb_sink *s, struct ks_str cve, double score, double pct, struct ks_err *err)
{
    (void)s;
    (void)err;
    fuzz_sink_bytes += cve.len + (score > pct);
    return KS_OK;
}

static enum ks_code
fz_kev(struct ks_vdb_sink *s, const struct ks_kev *k, struct ks_err *err)
{
    (void)s;
    (void)err;
    fuzz_sink_bytes += strlen(k->cve);
    return KS_OK;
}

static void
fz_meta(struct ks_vdb_sink *s, const char *key, const char *value)
{
    (void)s;
    fuzz_sink_bytes += strlen(key) + strlen(value);
}

static const struct ks_vdb_sink_ops fuzz_sink_ops = {fz_adv, fz_nvd, fz_epss, fz_kev, fz_meta};

/* Run one importer over data with the fuzz sink. */
static void
fuzz_import(enum ks_code (*imp)(struct ks_vdb_stream *, struct ks_vdb_sink *, struct ks_err *),
            const uint8_t *data, size_t size)
{
    struct ks_vdb_stream s;
    struct ks_vdb_sink sink = {.ops = &fuzz_sink_ops, .file = "fuzz"};
    struct ks_err err = KS_ERR_INIT;

    ks_log_set_level(KS_LOG_ERROR);
    /* Parse inline: a thread pool per input would be most of a run's cost. */
    setenv("KENSA_IMPORT_THREADS", "0", 0);
    ks_vdb_stream_mem(&s, "fuzz", data, size);
    (void)imp(&s, &sink, &err);
    ks_vdb_stream_release(&s);
}

#endif
