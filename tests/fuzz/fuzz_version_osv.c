/*
 * fuzz_version_osv.c: the OSV affected[] reader and evaluator. Input: an
 * OSV record (JSON); the version evaluated is taken from the record's first
 * event or versions[] string, bumped, so ranges get exercised around their
 * own bounds.
 */
#include "base/base.h"
#include "version/version.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *doc = NULL, *aff;
    struct ks_arena *arena = ks_arena_new(4096);

    if (arena == NULL || ks_json_parse(data, size, "fuzz", &doc, NULL) != KS_OK)
        goto out;
    aff = json_is_object(doc) ? json_object_get(doc, "affected") : NULL;
    for (size_t i = 0; i < json_array_size(aff); i++) {
        struct ks_osv_affected a;
        struct ks_affect_result res;

        if (ks_osv_affected_from_json(json_array_get(aff, i), arena, &a, NULL) != KS_OK)
            continue;
        for (size_t r = 0; r < a.n_ranges; r++) {
            for (size_t e = 0; e < a.ranges[r].n_events; e++) {
                struct ks_str v = a.ranges[r].events[e].version;

                if (ks_osv_evaluate(&a, v, &res, NULL) != KS_OK)
                    abort();
                if (res.affected > KS_AFFECT_UNKNOWN)
                    abort();
            }
        }
        for (size_t k = 0; k < a.n_versions; k++) {
            if (ks_osv_evaluate(&a, a.versions[k], &res, NULL) != KS_OK)
                abort();
            if (res.affected != KS_AFFECT_YES)
                abort(); /* a listed version is always affected */
        }
    }
out:
    json_decref(doc);
    ks_arena_free(arena);
    return 0;
}
