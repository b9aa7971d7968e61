/*
 * report.c: findings reports in Inspector's two formats. JSON is
 * {"findings": [...]} with the Finding shape (timestamps RFC 3339); CSV is
 * written by the shared writer of `kensa scan --format csv`
 * (ks_report_findings_csv_header/row: Inspector's columns, RFC 4180
 * quoting, formula cells defused), so both paths give the same rows.
 */
#include "server/server_int.h"

#include "report/report.h"

#include <string.h>

#include "base/banned.h"

#define PAGE 500

enum ks_code
srv_report_render(struct ks_store *s, const char *account_id, const char *format,
                  const json_t *criteria, struct ks_buf *out, size_t *n_findings,
                  struct ks_err *err)
{
    struct ks_arena *a = ks_arena_new(8192);
    struct ks_criteria *crit = NULL;
    struct ks_store_page page = {0, PAGE};
    bool csv = strcmp(format, "CSV") == 0, more = true;
    int64_t now = ks_time_now_ms();
    enum ks_code rc;

    *n_findings = 0;
    if (a == NULL)
        return ks_err_set(err, KS_ENOMEM, "report: out of memory");
    if ((rc = ks_findings_criteria_parse(&ks_fc_findings, criteria, "filterCriteria", a, &crit,
                                         err)) != KS_OK)
        goto out;
    if (csv) {
        if ((rc = ks_report_findings_csv_header(out)) != KS_OK) {
            rc = ks_err_set(err, rc, "report: over the size limit");
            goto out;
        }
    } else {
        ks_buf_appends(out, "{\"findings\":[");
    }
    while (more) {
        json_t *list = NULL, *f;
        size_t i;

        if ((rc = ks_store_findings_list(s, account_id, crit, KS_SORT_DEFAULT, true, &page,
                                         KS_TS_RFC3339, &list, &more, err)) != KS_OK)
            goto out;
        json_array_foreach(list, i, f) {
            if (csv) {
                if ((rc = ks_report_findings_csv_row(f, now, out)) != KS_OK) {
                    json_decref(list);
                    rc = ks_err_set(err, rc, "report: %s", rc == KS_ENOMEM ? "out of memory"
                                                                          : "over the size limit");
                    goto out;
                }
            } else {
                char *text = json_dumps(f, JSON_COMPACT);

                if (text == NULL) {
                    json_decref(list);
                    rc = ks_err_set(err, KS_ENOMEM, "report: out of memory");
                    goto out;
                }
                if (*n_findings > 0)
                    ks_buf_putc(out, ',');
                ks_buf_appends(out, text);
                ks_free(text);
            }
            (*n_findings)++;
        }
        json_decref(list);
        page.offset += page.limit;
        if ((rc = ks_buf_err(out)) != KS_OK) {
            rc = ks_err_set(err, rc, "report: over the size limit");
            goto out;
        }
    }
    if (!csv)
        ks_buf_appends(out, "]}\n");
    if ((rc = ks_buf_err(out)) != KS_OK)
        rc = ks_err_set(err, rc, "report: over the size limit");
out:
    ks_arena_free(a);
    return rc;
}
