/*
 * fuzz_finding_doc.c: a Finding document as the scan (or anyone with
 * `kensa admin evaluate`) hands it to the store: validation and column
 * extraction, normalisation, content hash and rendering.
 */
#include "findings/findings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_arena *a;
    struct ks_finding_info info;
    struct ks_finding_state st = {"ACTIVE", 1, 2000, 3500};
    char id[KS_FINDING_MAX_ID + 1], hash[65];
    json_t *doc = NULL, *r;

    if (ks_json_parse(data, size, "fuzz", &doc, &err) != KS_OK)
        return 0;
    if ((a = ks_arena_new(8192)) != NULL) {
        if (ks_findings_extract(doc, a, &info, &err) == KS_OK)
            sink += info.n_pkgs + info.n_values + (size_t)info.severity_rank;
        ks_arena_free(a);
    }
    if (ks_findings_normalize(doc, "123456789012", "us-east-1", id, &err) == KS_OK &&
        ks_findings_content_hash(doc, hash, &err) == KS_OK)
        sink += hash[0];
    for (int style = 0; style < 2; style++) {
        r = ks_findings_render(doc, &st, style ? KS_TS_RFC3339 : KS_TS_EPOCH);
        sink += r != NULL;
        json_decref(r);
    }
    json_decref(doc);
    return 0;
}
