/*
 * fuzz_findings_criteria.c: the FilterCriteria / CoverageFilterCriteria
 * parser on any JSON, then the in-memory matchers and the SQL condition the
 * store builds from what was accepted.
 */
#include "findings/findings.h"
#include "store/store_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const values[] = {"HIGH", "CRITICAL", "a", ""};
    struct ks_err err = KS_ERR_INIT;
    json_t *doc = NULL;

    if (ks_json_parse(data, size, "fuzz", &doc, &err) != KS_OK)
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        struct ks_arena *a = ks_arena_new(8192);
        struct ks_criteria *c = NULL;

        if (a == NULL)
            break;
        if (ks_findings_criteria_parse(pass ? &ks_fc_coverage : &ks_fc_findings, doc,
                                       "filterCriteria", a, &c, &err) == KS_OK) {
            for (size_t i = 0; i < c->n; i++) {
                const struct ks_fc_list *l = &c->lists[i];
                const struct ks_fc_field *f = &c->schema->fields[l->field];

                if (f->kind == KS_FC_STRING)
                    sink += ks_findings_match_strings(l, values, 4);
                else if (f->kind == KS_FC_DATE || f->kind == KS_FC_NUMBER)
                    sink += ks_findings_match_range(l, true, 5.0);
                else if (f->kind == KS_FC_MAP)
                    sink += ks_findings_match_map(l, values, values + 1, 3);
            }
            if (!pass) {
                struct st_sql q;

                st_sql_init(&q);
                if (st_where_criteria(&q, c, size % 2 == 0, &err) == KS_OK)
                    sink += q.sql.len + q.n;
                st_sql_release(&q);
            }
        }
        ks_arena_free(a);
    }
    json_decref(doc);
    return 0;
}
