/*
 * import_epss.c: FIRST's EPSS daily CSV (gzip or plain):
 *   #model_version:v2025.03.14,score_date:2025-08-16T00:00:00+0000
 *   cve,epss,percentile
 *   CVE-1999-0001,0.03351,0.87650
 * The comment line is optional; the header line is required. A bad row is
 * skipped with a warning naming the line; scores must be within 0..1.
 */
#include "vulndb/vulndb_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

int
ks_vdb_epss_sniff(struct ks_str head, const char *name)
{
    (void)name;
    if (ks_str_has_prefix(head, "#model_version"))
        return 95;
    if (ks_str_has_prefix(head, "cve,epss,percentile"))
        return 90;
    return 0;
}

struct lines {
    struct ks_vdb_stream *in;
    char *buf;
    size_t cap, start, len;
    uint64_t lineno;
    bool eof; /* the stream returned 0 (its own eof flag is set early by peeking) */
};

/* Next line (without CR/LF) as a NUL-terminated view; KS_ENOTFOUND at the end. */
static enum ks_code
next_line(struct lines *l, struct ks_str *out, struct ks_err *err)
{
    for (;;) {
        char *nl = memchr(l->buf + l->start, '\n', l->len - l->start);

        if (nl != NULL || (l->eof && l->start < l->len)) {
            size_t end = nl ? (size_t)(nl - l->buf) : l->len;
            size_t n = end - l->start;

            if (n > 0 && l->buf[l->start + n - 1] == '\r')
                n--;
            l->buf[l->start + n] = '\0';
            *out = (struct ks_str){l->buf + l->start, n};
            l->start = nl ? end + 1 : l->len;
            l->lineno++;
            return KS_OK;
        }
        if (l->eof)
            return KS_ENOTFOUND;
        /* Keep the partial line, then read more behind it. */
        memmove(l->buf, l->buf + l->start, l->len - l->start);
        l->len -= l->start;
        l->start = 0;
        if (l->cap - l->len < 2)
            return ks_err_set(err, KS_ETOOBIG, "%s:%llu: line longer than %zu bytes", l->in->name,
                              (unsigned long long)l->lineno + 1, KS_VDB_MAX_LINE);
        ssize_t got = ks_vdb_read(l->in, l->buf + l->len, l->cap - l->len - 1, err);

        if (got < 0)
            return err ? err->code : KS_EIO;
        if (got == 0)
            l->eof = true;
        l->len += (size_t)got;
    }
}

static bool
parse_unit(const char *s, double *out)
{
    char *end = NULL;
    double v;

    if (*s == '\0' || *s == ' ')
        return false;
    v = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(v) || v < 0 || v > 1)
        return false;
    *out = v;
    return true;
}

/* "#model_version:v2023.03.01,score_date:2023-03-07T00:00:00+0000" */
static void
read_comment(struct ks_vdb_sink *sink, struct ks_str line)
{
    struct ks_str rest = ks_str_sub(line, 1, line.len - 1), item, tail;

    while (rest.len > 0) {
        if (!ks_str_split2(rest, ',', &item, &tail)) {
            item = rest;
            tail = KS_STR_NULL;
        }
        rest = tail;
        struct ks_str k, v;

        if (!ks_str_split2(item, ':', &k, &v))
            continue;
        char val[128];

        snprintf(val, sizeof(val), KS_STR_FMT, KS_STR_ARG(ks_str_trim(v)));
        if (ks_str_eq_c(ks_str_trim(k), "score_date"))
            ks_vdb_put_meta(sink, "data_time", val);
        else if (ks_str_eq_c(ks_str_trim(k), "model_version"))
            ks_vdb_put_meta(sink, "model_version", val);
    }
}

enum ks_code
ks_vdb_epss_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink, struct ks_err *err)
{
    struct lines l = {.in = in, .cap = KS_VDB_MAX_LINE + 1};
    struct ks_str line;
    bool header = false;
    enum ks_code rc;

    l.buf = ks_malloc(l.cap);
    if (l.buf == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    while ((rc = next_line(&l, &line, err)) == KS_OK) {
        char pos[64];
        struct ks_str cve, score_s, pct_s, rest;
        double score, pct;

        if (line.len == 0)
            continue;
        if (!header) {
            if (line.ptr[0] == '#') {
                read_comment(sink, line);
                continue;
            }
            if (!ks_str_eq_c(ks_str_trim(line), "cve,epss,percentile")) {
                rc = ks_err_set(err, KS_EPARSE,
                                "%s:%llu: expected the header 'cve,epss,percentile'", in->name,
                                (unsigned long long)l.lineno);
                goto out;
            }
            header = true;
            continue;
        }
        snprintf(pos, sizeof(pos), "line %llu", (unsigned long long)l.lineno);
        if (!ks_str_split2(line, ',', &cve, &rest) || !ks_str_split2(rest, ',', &score_s, &pct_s) ||
            ks_str_find_char(pct_s, ',') >= 0) {
            ks_vdb_malformed(sink, pos, "expected three comma-separated fields");
            continue;
        }
        if (!ks_vdb_is_cve(cve)) {
            ks_vdb_malformed(sink, pos, "'%.*s' is not a CVE id", (int)KS_MIN(cve.len, 40),
                             cve.ptr);
            continue;
        }
        /* Fields are NUL-terminated in place for strtod: the commas become NULs. */
        ((char *)score_s.ptr)[score_s.len] = '\0';
        if (!parse_unit(score_s.ptr, &score) || !parse_unit(pct_s.ptr, &pct)) {
            ks_vdb_malformed(sink, pos, "score or percentile is not a number in 0..1");
            continue;
        }
        if ((rc = ks_vdb_put_epss(sink, cve, score, pct, err)) != KS_OK)
            goto out;
    }
    if (rc != KS_ENOTFOUND)
        goto out;
    if (!header) {
        rc = ks_err_set(err, KS_EPARSE, "%s: no 'cve,epss,percentile' header", in->name);
        goto out;
    }
    rc = KS_OK;
out:
    ks_free(l.buf);
    return rc;
}
