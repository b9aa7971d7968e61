/*
 * findings_cyclonedx.c: `--format cyclonedx-json`, CycloneDX 1.6 with the
 * vulnerable packages as components and every finding as a VEX entry in
 * `vulnerabilities`: ratings from each CVSS vector plus Kensa's risk score,
 * advisories, the recommendation, what it affects (bom-refs with version
 * status) and the analysis: exploitable, not_affected or resolved for
 * suppressed findings (with the VEX justification), in_triage when a version
 * could not be compared. The output reads back as `kensa scan --vex`.
 */
#include "report/findings_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/banned.h"

#define TARGET_REF "kensa:target"

static void
prop(json_t *props, const char *name, const char *value, bool *ok)
{
    json_t *o;

    if (value == NULL || value[0] == '\0')
        return;
    o = json_object();
    rj_set(o, "name", json_string(name), ok);
    rj_set(o, "value", json_string(value), ok);
    rj_push(props, o, ok);
}

static void
prop_num(json_t *props, const char *name, const json_t *v, bool *ok)
{
    char num[64];

    if (!json_is_number(v))
        return;
    rf_num(json_number_value(v), num);
    prop(props, name, num, ok);
}

/* CycloneDX rating method for a CVSS version ("3.1" -> CVSSv31). */
static const char *
cvss_method(const char *version)
{
    if (version == NULL)
        return "other";
    if (strncmp(version, "2", 1) == 0)
        return "CVSSv2";
    if (strcmp(version, "3.0") == 0 || strcmp(version, "3") == 0)
        return "CVSSv3";
    if (strncmp(version, "3.1", 3) == 0)
        return "CVSSv31";
    if (strncmp(version, "4", 1) == 0)
        return "CVSSv4";
    return "other";
}

/* Qualitative severity of a CVSS score (FIRST's table). */
static const char *
score_severity(double s)
{
    if (s <= 0)
        return "none";
    if (s < 4)
        return "low";
    if (s < 7)
        return "medium";
    if (s < 9)
        return "high";
    return "critical";
}

/* A vendor's word (Debian's "unimportant", GHSA's "MODERATE") in CycloneDX terms. */
static const char *
word_severity(const char *w)
{
    static const struct {
        const char *word, *sev;
    } map[] = {
        {"critical", "critical"}, {"high", "high"},       {"important", "high"},
        {"medium", "medium"},     {"moderate", "medium"}, {"low", "low"},
        {"minor", "low"},         {"unimportant", "low"}, {"negligible", "info"},
        {"informational", "info"}, {"none", "none"},
    };

    for (size_t i = 0; w != NULL && i < KS_ARRAY_LEN(map); i++)
        if (strcasecmp(w, map[i].word) == 0)
            return map[i].sev;
    return "unknown";
}

static const char *
target_component_type(const char *type)
{
    if (type != NULL && strcmp(type, "CONTAINER_IMAGE") == 0)
        return "container";
    if (type != NULL && (strcmp(type, "FUNCTION") == 0 || strcmp(type, "CODE_REPOSITORY") == 0))
        return "application";
    return "file";
}

/* "[epoch:]version[-release]": rpm findings keep the parts apart. */
static json_t *
full_version(const json_t *p)
{
    const json_t *epoch = json_object_get(p, "epoch");
    const char *v = rf_str(p, "version"), *rel = rf_str(p, "release");
    struct ks_buf b = KS_BUF_INIT(SIZE_MAX);
    json_t *out = NULL;

    if (json_is_integer(epoch) && json_integer_value(epoch) != 0)
        ks_buf_appendf(&b, "%lld:", (long long)json_integer_value(epoch));
    ks_buf_appends(&b, v ? v : "unknown");
    if (rel != NULL)
        ks_buf_appendf(&b, "-%s", rel);
    if (ks_buf_err(&b) == KS_OK)
        out = json_stringn(b.data, b.len);
    ks_buf_release(&b);
    return out;
}

/* ------------------------------------------------------------------------ */
/* Components: the vulnerable packages, once each.                          */

struct comps {
    struct ks_map *by_key; /* purl-or-name@version + path -> index + 1 */
    struct ks_map *refs;   /* bom-refs handed out (to number duplicates) */
    json_t *arr;
};

/* The component's bom-ref for package p, adding the component on first sight. */
static const char *
component_ref(struct comps *c, const json_t *p, bool *ok)
{
    const char *purl = rf_str(p, "purl"), *name = rf_str(p, "name");
    struct ks_buf key = KS_BUF_INIT(SIZE_MAX), ref = KS_BUF_INIT(SIZE_MAX);
    json_t *comp, *props, *ver;
    void *slot;
    const char *out = NULL;

    if (purl != NULL)
        ks_buf_appends(&key, purl);
    else
        ks_buf_appendf(&key, "%s@%s", name ? name : "?",
                       rf_str(p, "version") ? rf_str(p, "version") : "?");
    ks_buf_append_str(&ref, ks_buf_str(&key));
    ks_buf_appendf(&key, "\x1f%s", rf_str(p, "filePath") ? rf_str(p, "filePath") : "");
    if (ks_buf_err(&key) != KS_OK || ks_buf_err(&ref) != KS_OK) {
        *ok = false;
        goto out;
    }
    if ((slot = ks_map_get(c->by_key, ks_buf_str(&key))) != NULL) {
        out = ks_json_str(json_array_get(c->arr, (uintptr_t)slot - 1), "bom-ref");
        goto out;
    }
    /* The same purl at two paths (two copies of a library) gets "#2", "#3", ... */
    if (ks_map_has(c->refs, ks_buf_str(&ref))) {
        size_t base = ref.len;

        for (unsigned n = 2;; n++) {
            ref.len = base;
            ref.data[base] = '\0';
            ks_buf_appendf(&ref, "#%u", n);
            if (ks_buf_err(&ref) != KS_OK || !ks_map_has(c->refs, ks_buf_str(&ref)))
                break;
        }
    }
    comp = json_object();
    props = json_array();
    ver = full_version(p);
    rj_set(comp, "type", json_string("library"), ok);
    rj_set(comp, "bom-ref", json_stringn(ref.data, ref.len), ok);
    rj_set(comp, "name", json_string(name ? name : "unknown"), ok);
    rj_set(comp, "version", ver, ok);
    if (purl != NULL)
        rj_set(comp, "purl", json_string(purl), ok);
    prop(props, "kensa:ecosystem", rf_str(p, "ecosystem"), ok);
    prop(props, "kensa:filePath", rf_str(p, "filePath"), ok);
    prop(props, "kensa:arch", rf_str(p, "arch"), ok);
    prop(props, "kensa:packageManager", rf_str(p, "packageManager"), ok);
    prop(props, "kensa:sourceName", rf_str(p, "sourceName"), ok);
    prop(props, "kensa:sourceVersion", rf_str(p, "sourceVersion"), ok);
    prop(props, "kensa:sourceLayerHash", rf_str(p, "sourceLayerHash"), ok);
    if (json_array_size(props) > 0)
        rj_set(comp, "properties", props, ok);
    else
        json_decref(props);
    rj_push(c->arr, comp, ok);
    if (!*ok || ks_map_put(c->by_key, ks_buf_str(&key), (void *)(uintptr_t)json_array_size(c->arr),
                           NULL) != KS_OK ||
        ks_map_put(c->refs, ks_buf_str(&ref), (void *)1, NULL) != KS_OK) {
        *ok = false;
        goto out;
    }
    out = ks_json_str(comp, "bom-ref");
out:
    ks_buf_release(&key);
    ks_buf_release(&ref);
    return out;
}

/* ------------------------------------------------------------------------ */
/* One vulnerability (VEX statement) per finding.                            */

/* prefix + id, the id escaped for a URL. NULL on OOM. */
static json_t *
prefixed_url(const char *prefix, const char *id)
{
    struct ks_buf u = KS_BUF_INIT(SIZE_MAX);
    json_t *v = NULL;

    ks_buf_appends(&u, prefix);
    rf_append_url(&u, id);
    if (ks_buf_err(&u) == KS_OK)
        v = json_stringn(u.data, u.len);
    ks_buf_release(&u);
    return v;
}

static json_t *
ratings(const json_t *f, bool *ok)
{
    const json_t *pvd = rf_pvd(f);
    const json_t *adj = ks_json_obj(ks_json_obj(f, "inspectorScoreDetails"), "adjustedCvss");
    json_t *arr = json_array();
    double score;
    size_t i;
    json_t *c;

    json_array_foreach(ks_json_arr(pvd, "cvss"), i, c) {
        const char *source = rf_str(c, "source");
        json_t *r, *src;

        if (!json_is_number(json_object_get(c, "baseScore")))
            continue;
        r = json_object();
        src = json_object();
        rj_set(src, "name", json_string(source ? source : "unknown"), ok);
        if (source != NULL && strcmp(source, "NVD") == 0 && rf_str(pvd, "vulnerabilityId") &&
            strncmp(rf_str(pvd, "vulnerabilityId"), "CVE-", 4) == 0)
            rj_set(src, "url", prefixed_url("https://nvd.nist.gov/vuln/detail/",
                                            rf_str(pvd, "vulnerabilityId")),
                   ok);
        rj_set(r, "source", src, ok);
        rj_set(r, "score", json_real(ks_json_num(c, "baseScore", 0)), ok);
        rj_set(r, "severity", json_string(score_severity(ks_json_num(c, "baseScore", 0))), ok);
        rj_set(r, "method", json_string(cvss_method(rf_str(c, "version"))), ok);
        if (rf_str(c, "scoringVector") != NULL)
            rj_set(r, "vector", json_string(rf_str(c, "scoringVector")), ok);
        rj_push(arr, r, ok);
    }
    if (rf_score(f, &score)) {
        /* Kensa's risk score: the chosen vector with this environment's adjustments. */
        json_t *r = json_object(), *src = json_object();
        struct ks_buf why = KS_BUF_INIT(SIZE_MAX);
        json_t *a;

        rj_set(src, "name", json_string("Kensa"), ok);
        rj_set(r, "source", src, ok);
        rj_set(r, "score", json_real(score), ok);
        rj_set(r, "severity", json_string(score_severity(score)), ok);
        rj_set(r, "method", json_string(cvss_method(rf_str(adj, "version"))), ok);
        if (rf_str(adj, "scoringVector") != NULL)
            rj_set(r, "vector", json_string(rf_str(adj, "scoringVector")), ok);
        ks_buf_appendf(&why, "risk score from the %s CVSS %s vector",
                       rf_str(adj, "scoreSource") ? rf_str(adj, "scoreSource") : "chosen",
                       rf_str(adj, "version") ? rf_str(adj, "version") : "");
        json_array_foreach(ks_json_arr(adj, "adjustments"), i, a)
            ks_buf_appendf(&why, "; %s: %s", rf_str(a, "metric") ? rf_str(a, "metric") : "?",
                           rf_str(a, "reason") ? rf_str(a, "reason") : "");
        if (ks_buf_err(&why) == KS_OK)
            rj_set(r, "justification", json_stringn(why.data, why.len), ok);
        else
            *ok = false;
        ks_buf_release(&why);
        rj_push(arr, r, ok);
    } else if (rf_str(pvd, "vendorSeverity") != NULL) {
        json_t *r = json_object(), *src = json_object();

        rj_set(src, "name", json_string(rf_str(pvd, "source") ? rf_str(pvd, "source") : "vendor"),
               ok);
        rj_set(r, "source", src, ok);
        rj_set(r, "severity", json_string(word_severity(rf_str(pvd, "vendorSeverity"))), ok);
        rj_set(r, "method", json_string("other"), ok);
        rj_push(arr, r, ok);
    }
    if (json_array_size(arr) == 0) {
        /* UNTRIAGED: nobody scored it; say so rather than leave it out. */
        json_t *r = json_object(), *src = json_object();

        rj_set(src, "name", json_string("Kensa"), ok);
        rj_set(r, "source", src, ok);
        rj_set(r, "severity", json_string("unknown"), ok);
        rj_push(arr, r, ok);
    }
    return arr;
}

/* CWE numbers from "CWE-79" strings or integers, without duplicates. */
static void
add_cwes(json_t *out, const json_t *arr, bool *ok)
{
    size_t i;
    json_t *v;

    json_array_foreach(arr, i, v) {
        json_int_t n = -1;
        const char *s = json_string_value(v);
        uint64_t u;
        size_t k;
        json_t *have;
        bool dup = false;

        if (json_is_integer(v))
            n = json_integer_value(v);
        else if (s != NULL && strncmp(s, "CWE-", 4) == 0 &&
                 ks_parse_u64(ks_str_c(s + 4), 1000000, &u) == KS_OK)
            n = (json_int_t)u;
        if (n < 0)
            continue;
        json_array_foreach(out, k, have) dup |= json_integer_value(have) == n;
        if (!dup)
            rj_push(out, json_integer(n), ok);
    }
}

/* OpenVEX justifications in CycloneDX terms (CISA's VEX status justification table). */
static const char *
cdx_justification(const char *reason)
{
    static const char *const cdx[] = {
        "code_not_present",       "code_not_reachable",     "requires_configuration",
        "requires_dependency",    "requires_environment",   "protected_by_compiler",
        "protected_at_runtime",   "protected_at_perimeter", "protected_by_mitigating_control",
    };
    static const struct {
        const char *openvex, *cdx;
    } map[] = {
        {"component_not_present", "code_not_present"},
        {"vulnerable_code_not_present", "code_not_present"},
        {"vulnerable_code_not_in_execute_path", "code_not_reachable"},
        {"vulnerable_code_cannot_be_controlled_by_adversary", "requires_environment"},
        {"inline_mitigations_already_exist", "protected_by_mitigating_control"},
    };

    if (reason == NULL)
        return NULL;
    for (size_t i = 0; i < KS_ARRAY_LEN(cdx); i++)
        if (strcmp(reason, cdx[i]) == 0)
            return cdx[i];
    for (size_t i = 0; i < KS_ARRAY_LEN(map); i++)
        if (strcmp(reason, map[i].openvex) == 0)
            return map[i].cdx;
    return NULL;
}

static json_t *
analysis(const json_t *f, bool *ok)
{
    const json_t *sup = ks_json_obj(f, "suppression");
    json_t *a = json_object(), *resp = json_array();
    struct ks_buf detail = KS_BUF_INIT(SIZE_MAX);
    const char *state = "exploitable", *just = NULL;
    char first[21], upd[21];

    if (rf_suppressed(f)) {
        const char *status = rf_str(sup, "status"), *reason = rf_str(sup, "reason");
        const char *src = rf_str(sup, "source"), *file = rf_str(sup, "file");

        state = "not_affected";
        if (status != NULL && (strcmp(status, "fixed") == 0 || strcmp(status, "resolved") == 0))
            state = "resolved";
        else if (status != NULL && (strcmp(status, "false_positive") == 0 ||
                                    strcmp(status, "resolved_with_pedigree") == 0))
            state = status;
        if (strcmp(state, "not_affected") == 0)
            just = cdx_justification(reason);
        ks_buf_appendf(&detail, "suppressed by %s%s%s: %s", src ? src : "a rule",
                       file ? " " : "", file ? file : "", reason ? reason : "no reason given");
    } else if (rf_unknown(f, NULL)) {
        size_t i;
        json_t *p;

        state = "in_triage";
        ks_buf_appends(&detail, "the installed version could not be compared with the advisory");
        json_array_foreach(rf_pkgs(f), i, p) if (rf_str(p, "unknownReason") != NULL)
            ks_buf_appendf(&detail, "; %s: %s", rf_str(p, "name") ? rf_str(p, "name") : "?",
                           rf_str(p, "unknownReason"));
    } else {
        const char *fix = rf_str(f, "fixAvailable"), *vs = rf_str(f, "vendorStatus");

        if (fix != NULL && (strcmp(fix, "YES") == 0 || strcmp(fix, "PARTIAL") == 0))
            rj_push(resp, json_string("update"), ok);
        if (vs != NULL && strcmp(vs, "will_not_fix") == 0)
            rj_push(resp, json_string("will_not_fix"), ok);
        if (rf_str(ks_json_obj(f, "kev"), "dateAdded") != NULL)
            ks_buf_appendf(&detail, "known exploited (CISA KEV since %s)",
                           rf_str(ks_json_obj(f, "kev"), "dateAdded"));
    }
    rj_set(a, "state", json_string(state), ok);
    if (just != NULL)
        rj_set(a, "justification", json_string(just), ok);
    if (json_array_size(resp) > 0)
        rj_set(a, "response", resp, ok);
    else
        json_decref(resp);
    if (ks_buf_err(&detail) != KS_OK)
        *ok = false;
    else if (detail.len > 0)
        rj_set(a, "detail", json_stringn(detail.data, detail.len), ok);
    ks_buf_release(&detail);
    if (rf_time(rf_str(f, "firstObservedAt"), first))
        rj_set(a, "firstIssued", json_string(first), ok);
    if (rf_time(rf_str(f, "updatedAt"), upd))
        rj_set(a, "lastUpdated", json_string(upd), ok);
    return a;
}

static void
add_reference(json_t *refs, const char *id, const char *self, bool *ok)
{
    size_t i;
    json_t *r, *src;

    if (id == NULL || strcmp(id, self) == 0)
        return;
    json_array_foreach(refs, i, r) {
        const char *have = ks_json_str(r, "id");

        if (have != NULL && strcmp(have, id) == 0)
            return;
    }
    r = json_object();
    src = json_object();
    /* osv.dev resolves every id family Kensa reads (CVE, GHSA, DSA, GO, ...). */
    rj_set(src, "name", json_string("OSV"), ok);
    rj_set(src, "url", prefixed_url("https://osv.dev/vulnerability/", id), ok);
    rj_set(r, "id", json_string(id), ok);
    rj_set(r, "source", src, ok);
    rj_push(refs, r, ok);
}

static bool
is_url(const char *s)
{
    return s != NULL && (strncmp(s, "https://", 8) == 0 || strncmp(s, "http://", 7) == 0);
}

static json_t *
vulnerability(const json_t *f, size_t n, struct comps *comps, bool *ok)
{
    const json_t *pvd = rf_pvd(f);
    const char *id = rf_vuln_id(f), *arn = rf_str(f, "findingArn");
    const char *source = rf_str(pvd, "source"), *url = rf_str(pvd, "sourceUrl");
    const char *rec = rf_str(ks_json_obj(ks_json_obj(f, "remediation"), "recommendation"), "text");
    bool unaffected = false;
    json_t *v = json_object(), *src = json_object(), *refs = json_array(), *cwes = json_array();
    json_t *advs = json_array(), *affects = json_array(), *props = json_array();
    char t1[21];
    size_t i;
    json_t *x;

    if (arn != NULL)
        rj_set(v, "bom-ref", json_string(arn), ok);
    else
        rj_set(v, "bom-ref", json_sprintf("kensa:finding:%zu", n + 1), ok);
    rj_set(v, "id", json_string(id), ok);
    rj_set(src, "name", json_string(source ? source : "Kensa"), ok);
    if (is_url(url))
        rj_set(src, "url", rf_json_url(url), ok);
    rj_set(v, "source", src, ok);
    json_array_foreach(ks_json_arr(pvd, "relatedVulnerabilities"), i, x)
        add_reference(refs, json_string_value(x), id, ok);
    json_array_foreach(ks_json_arr(f, "advisories"), i, x)
        add_reference(refs, json_string_value(x), id, ok);
    if (json_array_size(refs) > 0)
        rj_set(v, "references", refs, ok);
    else
        json_decref(refs);
    rj_set(v, "ratings", ratings(f, ok), ok);
    add_cwes(cwes, ks_json_arr(pvd, "cwes"), ok);
    add_cwes(cwes, ks_json_arr(ks_json_obj(f, "codeVulnerabilityDetails"), "cwes"), ok);
    if (json_array_size(cwes) > 0)
        rj_set(v, "cwes", cwes, ok);
    else
        json_decref(cwes);
    if (rf_str(f, "description") != NULL)
        rj_set(v, "description", json_string(rf_str(f, "description")), ok);
    if (rec != NULL)
        rj_set(v, "recommendation", json_string(rec), ok);
    if (is_url(url)) {
        json_t *a = json_object();

        rj_set(a, "title", json_sprintf("%s advisory for %s", source ? source : "vendor", id), ok);
        rj_set(a, "url", rf_json_url(url), ok);
        rj_push(advs, a, ok);
    }
    json_array_foreach(ks_json_arr(pvd, "referenceUrls"), i, x) {
        const char *u = json_string_value(x);
        json_t *a;

        if (!is_url(u) || (url != NULL && strcmp(u, url) == 0))
            continue;
        a = json_object();
        rj_set(a, "url", rf_json_url(u), ok);
        rj_push(advs, a, ok);
    }
    if (json_array_size(advs) > 0)
        rj_set(v, "advisories", advs, ok);
    else
        json_decref(advs);
    if (rf_time(rf_str(pvd, "vendorCreatedAt"), t1))
        rj_set(v, "published", json_string(t1), ok);
    if (rf_time(rf_str(pvd, "vendorUpdatedAt"), t1))
        rj_set(v, "updated", json_string(t1), ok);
    {
        json_t *an = analysis(f, ok);
        const char *st = ks_json_str(an, "state");

        unaffected = st != NULL && (strcmp(st, "not_affected") == 0 ||
                                    strcmp(st, "resolved") == 0 ||
                                    strcmp(st, "false_positive") == 0 ||
                                    strcmp(st, "resolved_with_pedigree") == 0);
        rj_set(v, "analysis", an, ok);
    }
    json_array_foreach(rf_pkgs(f), i, x) {
        const char *ref = json_is_object(x) ? component_ref(comps, x, ok) : NULL;
        json_t *af, *vers, *ver;
        const char *fixed = rf_fixed(x);

        if (ref == NULL)
            continue;
        af = json_object();
        vers = json_array();
        ver = json_object();
        rj_set(af, "ref", json_string(ref), ok);
        rj_set(ver, "version", full_version(x), ok);
        rj_set(ver, "status", json_string(unaffected        ? "unaffected"
                                          : rf_unknown(f, x) ? "unknown"
                                                             : "affected"),
               ok);
        rj_push(vers, ver, ok);
        if (fixed != NULL) {
            json_t *fx = json_object();

            rj_set(fx, "version", json_string(fixed), ok);
            rj_set(fx, "status", json_string("unaffected"), ok);
            rj_push(vers, fx, ok);
        }
        rj_set(af, "versions", vers, ok);
        rj_push(affects, af, ok);
    }
    if (json_array_size(affects) > 0)
        rj_set(v, "affects", affects, ok);
    else
        json_decref(affects);
    prop(props, "kensa:findingArn", arn, ok);
    prop(props, "kensa:status", rf_str(f, "status"), ok);
    prop(props, "kensa:severity", rf_severity(f), ok);
    prop_num(props, "kensa:inspectorScore", json_object_get(f, "inspectorScore"), ok);
    prop(props, "kensa:matchStatus", rf_unknown(f, NULL) ? "UNKNOWN" : "AFFECTED", ok);
    prop(props, "kensa:fixAvailable", rf_str(f, "fixAvailable"), ok);
    prop(props, "kensa:exploitAvailable", rf_str(f, "exploitAvailable"), ok);
    prop(props, "kensa:vendorStatus", rf_str(f, "vendorStatus"), ok);
    prop(props, "kensa:vendorSeverity", rf_str(pvd, "vendorSeverity"), ok);
    prop_num(props, "kensa:epss:score", json_object_get(ks_json_obj(f, "epss"), "score"), ok);
    prop_num(props, "kensa:epss:percentile", json_object_get(ks_json_obj(f, "epss"), "percentile"),
             ok);
    prop(props, "kensa:kev:dateAdded", rf_str(ks_json_obj(f, "kev"), "dateAdded"), ok);
    prop(props, "kensa:kev:dueDate", rf_str(ks_json_obj(f, "kev"), "dueDate"), ok);
    rj_set(v, "properties", props, ok);
    return v;
}

/* urn:uuid from what the document says (not when it was written). */
static void
content_uuid(const json_t *doc, char out[37])
{
    struct ks_buf b = KS_BUF_INIT(SIZE_MAX);
    unsigned char h[32];
    char hex[65];
    const char *name;
    size_t i;
    json_t *f;

    ks_buf_appends(&b, "kensa-findings-cyclonedx\n");
    name = rf_str(ks_json_obj(doc, "target"), "name");
    ks_buf_appends(&b, name ? name : "");
    json_array_foreach(ks_json_arr(doc, "findings"), i, f) {
        ks_buf_appendf(&b, "\n%s %s %s", rf_str(f, "findingArn") ? rf_str(f, "findingArn") : "",
                       rf_str(f, "status") ? rf_str(f, "status") : "",
                       rf_str(f, "updatedAt") ? rf_str(f, "updatedAt") : "");
    }
    ks_sha256(b.data, b.len, h);
    ks_buf_release(&b);
    h[6] = (unsigned char)((h[6] & 0x0f) | 0x50); /* version 5 layout (name-based) */
    h[8] = (unsigned char)((h[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    ks_hex_encode(h, 16, hex);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

static json_t *
metadata(const json_t *doc, bool *ok)
{
    const json_t *t = ks_json_obj(doc, "target"), *os = ks_json_obj(t, "os");
    json_t *meta = json_object(), *tools = json_object(), *tcomps = json_array();
    json_t *tool = json_object(), *tc = json_object(), *props = json_array();
    char ts[21];
    const char *key;
    json_t *v;

    ks_time_rfc3339(ks_time_now(), ts);
    rj_set(meta, "timestamp", json_string(ts), ok);
    rj_set(tool, "type", json_string("application"), ok);
    rj_set(tool, "name", json_string(KS_TOOL_NAME), ok);
    rj_set(tool, "version", json_string(KS_VERSION_STRING), ok);
    rj_push(tcomps, tool, ok);
    rj_set(tools, "components", tcomps, ok);
    rj_set(meta, "tools", tools, ok);
    rj_set(tc, "type", json_string(target_component_type(rf_str(t, "type"))), ok);
    rj_set(tc, "bom-ref", json_string(TARGET_REF), ok);
    rj_set(tc, "name", json_string(rf_str(t, "name") ? rf_str(t, "name") : "unknown"), ok);
    prop(props, "kensa:target:type", rf_str(t, "type"), ok);
    prop(props, "kensa:target:source", rf_str(t, "source"), ok);
    prop(props, "kensa:os:ecosystem", rf_str(os, "ecosystem"), ok);
    prop(props, "kensa:os:name", rf_str(os, "name"), ok);
    json_object_foreach((json_t *)ks_json_obj(t, "details"), key, v) {
        struct ks_buf name = KS_BUF_INIT(SIZE_MAX);

        ks_buf_appendf(&name, "kensa:target:%s", key);
        if (ks_buf_err(&name) != KS_OK)
            *ok = false;
        else
            prop(props, name.data, json_string_value(v), ok);
        ks_buf_release(&name);
    }
    if (json_array_size(props) > 0)
        rj_set(tc, "properties", props, ok);
    else
        json_decref(props);
    rj_set(meta, "component", tc, ok);
    return meta;
}

enum ks_code
ks_report_findings_cyclonedx(const json_t *doc, struct ks_buf *out, struct ks_err *err)
{
    struct comps comps = {ks_map_new(), ks_map_new(), json_array()};
    json_t *root = json_object(), *vulns = json_array();
    bool ok = comps.by_key != NULL && comps.refs != NULL;
    char uuid[37];
    size_t i;
    json_t *f;

    content_uuid(doc, uuid);
    rj_set(root, "$schema", json_string("http://cyclonedx.org/schema/bom-1.6.schema.json"), &ok);
    rj_set(root, "bomFormat", json_string("CycloneDX"), &ok);
    rj_set(root, "specVersion", json_string("1.6"), &ok);
    rj_set(root, "serialNumber", json_sprintf("urn:uuid:%s", uuid), &ok);
    rj_set(root, "version", json_integer(1), &ok);
    rj_set(root, "metadata", metadata(doc, &ok), &ok);
    json_array_foreach(ks_json_arr(doc, "findings"), i, f) {
        if (!ok)
            break;
        if (json_is_object(f))
            rj_push(vulns, vulnerability(f, i, &comps, &ok), &ok);
    }
    json_incref(comps.arr);
    rj_set(root, "components", comps.arr, &ok);
    rj_set(root, "vulnerabilities", vulns, &ok);
    json_decref(comps.arr);
    ks_map_free(comps.by_key);
    ks_map_free(comps.refs);
    return rj_finish(root, ok, out, err);
}
