/*
 * fuzz_report_findings.c: libFuzzer target for the findings writers. The
 * input is parsed as a scan document (strict JSON, as the server reads
 * stored findings) and rendered in every format; whatever its shape, each
 * writer must finish without a crash, and the JSON formats must produce
 * strict JSON (valid UTF-8 after every truncation).
 */
#include "report/report.h"

#include <jansson.h>

#include "base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    struct ks_err err = KS_ERR_INIT;
    json_t *doc = NULL;

    if (!init) {
        ks_json_use_ks_alloc();
        init = true;
    }
    if (ks_json_parse(data, size, "fuzz", &doc, &err) != KS_OK)
        return 0;
    for (int f = 0; f < KS_FINDINGS_FORMAT_COUNT; f++) {
        struct ks_buf out = KS_BUF_INIT((size_t)16 << 20);
        enum ks_code rc = ks_report_findings(doc, (enum ks_findings_format)f, NULL, &out, &err);

        if (rc == KS_OK && f != KS_FINDINGS_TABLE && f != KS_FINDINGS_CSV) {
            json_t *back = NULL;

            if (ks_json_parse(out.data, out.len, "output", &back, &err) != KS_OK)
                KS_BUG("report: %s output is not strict JSON: %s",
                       ks_findings_format_name((enum ks_findings_format)f), err.msg);
            json_decref(back);
        }
        if (rc != KS_OK && rc != KS_EINVAL && rc != KS_ETOOBIG)
            KS_BUG("report: %s failed with %s", ks_findings_format_name((enum ks_findings_format)f),
                   ks_code_name(rc));
        ks_buf_release(&out);
    }
    json_decref(doc);
    return 0;
}
