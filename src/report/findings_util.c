/*
 * findings_util.c: lenient readers of the scan document and the text
 * helpers the findings writers share (UTF-8-safe truncation for formats with
 * length limits, exponent-free numbers, timestamps). See findings_int.h.
 */
#include "report/findings_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/banned.h"

const char *
rf_str(const json_t *obj, const char *key)
{
    const char *s = ks_json_str(obj, key);

    return s != NULL && s[0] != '\0' ? s : NULL;
}

const json_t *
rf_pvd(const json_t *f)
{
    return ks_json_obj(f, "packageVulnerabilityDetails");
}

const json_t *
rf_pkgs(const json_t *f)
{
    return ks_json_arr(rf_pvd(f), "vulnerablePackages");
}

const json_t *
rf_resource(const json_t *f)
{
    const json_t *r = json_array_get(ks_json_arr(f, "resources"), 0);

    return json_is_object(r) ? r : NULL;
}

const char *
rf_vuln_id(const json_t *f)
{
    const char *id = rf_str(rf_pvd(f), "vulnerabilityId");

    if (id == NULL)
        id = rf_str(ks_json_obj(f, "codeVulnerabilityDetails"), "detectorId");
    return id != NULL ? id : "UNKNOWN";
}

const char *
rf_severity(const json_t *f)
{
    static const char *const words[] = {"CRITICAL", "HIGH",          "MEDIUM",
                                        "LOW",      "INFORMATIONAL", "UNTRIAGED"};
    const char *s = rf_str(f, "severity");

    for (size_t i = 0; s != NULL && i < KS_ARRAY_LEN(words); i++)
        if (strcmp(s, words[i]) == 0)
            return words[i];
    return "UNTRIAGED";
}

bool
rf_score(const json_t *f, double *score)
{
    const json_t *v = json_object_get(f, "inspectorScore");
    double x;

    if (!json_is_number(v))
        return false;
    x = json_number_value(v);
    if (!(x >= 0 && x <= 10))
        return false;
    *score = x;
    return true;
}

bool
rf_suppressed(const json_t *f)
{
    const char *s = rf_str(f, "status");

    return s != NULL && strcmp(s, "SUPPRESSED") == 0;
}

bool
rf_unknown(const json_t *f, const json_t *p)
{
    const char *s = rf_str(p, "matchStatus");

    if (s != NULL)
        return strcmp(s, "UNKNOWN") == 0;
    s = rf_str(f, "matchStatus");
    return s != NULL && strcmp(s, "UNKNOWN") == 0;
}

const char *
rf_fixed(const json_t *p)
{
    const char *s = rf_str(p, "fixedInVersion");

    return s != NULL && strcmp(s, "NotAvailable") != 0 ? s : NULL;
}

/* Field n (0-based) of a colon-separated ARN, without the rest. */
static struct ks_str
arn_field(const char *arn, int n)
{
    struct ks_str rest = ks_str_c(arn), head, tail;

    if (arn == NULL || !ks_str_has_prefix(rest, "arn:"))
        return KS_STR_NULL;
    for (int i = 0; i <= n; i++) {
        if (!ks_str_split2(rest, ':', &head, &tail))
            return KS_STR_NULL;
        rest = tail;
    }
    if (!ks_str_split2(rest, ':', &head, &tail))
        return KS_STR_NULL;
    return head;
}

struct ks_str
rf_arn_region(const char *arn)
{
    return arn_field(arn, 2);
}

struct ks_str
rf_arn_account(const char *arn)
{
    return arn_field(arn, 3);
}

/* Length of the UTF-8 sequence that starts with byte c (1 for stray bytes). */
static size_t
utf8_seq_len(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0)
        return 2;
    if ((c & 0xf0) == 0xe0)
        return 3;
    if ((c & 0xf8) == 0xf0)
        return 4;
    return 1;
}

/* Byte length of the first n code points of s (or all of s). */
static size_t
utf8_prefix(const char *s, size_t n)
{
    size_t at = 0, len = strlen(s);

    while (n > 0 && at < len) {
        size_t k = utf8_seq_len((unsigned char)s[at]);

        if (at + k > len)
            break;
        at += k;
        n--;
    }
    return at;
}

size_t
rf_utf8_len(const char *s)
{
    size_t n = 0;

    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xc0) != 0x80)
            n++;
    return n;
}

void
rf_append_trunc(struct ks_buf *b, const char *s, size_t max_chars)
{
    if (s == NULL)
        return;
    if (rf_utf8_len(s) <= max_chars) {
        ks_buf_appends(b, s);
        return;
    }
    if (max_chars < 3) {
        ks_buf_append(b, s, utf8_prefix(s, max_chars));
        return;
    }
    ks_buf_append(b, s, utf8_prefix(s, max_chars - 3));
    ks_buf_appends(b, "...");
}

json_t *
rf_json_trunc(const char *s, size_t max_chars)
{
    struct ks_buf b = KS_BUF_INIT(SIZE_MAX);
    json_t *v = NULL;

    rf_append_trunc(&b, s ? s : "", max_chars);
    if (ks_buf_err(&b) == KS_OK)
        v = json_stringn(b.data, b.len);
    ks_buf_release(&b);
    return v;
}

void
rf_append_url(struct ks_buf *b, const char *url)
{
    static const char hex[] = "0123456789ABCDEF";

    for (const unsigned char *p = (const unsigned char *)url; p != NULL && *p; p++) {
        if (*p <= 0x20 || *p >= 0x7f || strchr("\"<>\\^`{|}", *p) != NULL)
            ks_buf_appendf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
        else
            ks_buf_putc(b, (char)*p);
    }
}

json_t *
rf_json_url(const char *url)
{
    struct ks_buf b = KS_BUF_INIT(SIZE_MAX);
    json_t *v = NULL;

    rf_append_url(&b, url);
    if (ks_buf_err(&b) == KS_OK)
        v = json_stringn(b.data, b.len);
    ks_buf_release(&b);
    return v;
}

void
rf_num(double v, char out[64])
{
    size_t n;

    if (!isfinite(v) || v == 0) {
        snprintf(out, 64, "0");
        return;
    }
    if (fabs(v) >= 1e15) {
        snprintf(out, 64, "%.0f", v);
        return;
    }
    snprintf(out, 64, "%.10f", v);
    n = strlen(out);
    while (n > 0 && out[n - 1] == '0')
        out[--n] = '\0';
    if (n > 0 && out[n - 1] == '.')
        out[--n] = '\0';
    if (strcmp(out, "-0") == 0)
        snprintf(out, 64, "0");
}

bool
rf_time(const char *s, char out[21])
{
    time_t t;

    if (s == NULL || ks_time_parse(ks_str_c(s), &t) != KS_OK)
        return false;
    ks_time_rfc3339(t, out);
    return true;
}
