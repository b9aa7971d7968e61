/*
 * findings_sarif.c: `--format sarif`, SARIF 2.1.0 for code-scanning UIs
 * (GitHub code scanning reads rules[].properties."security-severity" to rank
 * alerts). One rule per vulnerability, one result per (finding, vulnerable
 * package) located at the file the package was read from; suppressed
 * findings carry an external suppression with its justification. Paths are
 * relative to the scanned root so a repository scan lines up with the
 * repository's files.
 */
#include "report/findings_int.h"

#include <stdio.h>
#include <string.h>

#include "base/banned.h"

#define SARIF_SCHEMA "https://json.schemastore.org/sarif-2.1.0.json"
#define ROOT_BASE_ID "ROOTPATH"
#define MAX_SHORT_DESCRIPTION 200 /* code points; GitHub shows it as the alert title */

struct rule {
    const char *id;
    const json_t *first; /* the first finding of this vulnerability (doc order) */
    double max_score;
    bool has_score;
    int max_rank;
};

static int
severity_rank(const char *sev)
{
    static const char *const order[] = {"UNTRIAGED", "INFORMATIONAL", "LOW",
                                        "MEDIUM",    "HIGH",          "CRITICAL"};

    for (size_t i = 0; i < KS_ARRAY_LEN(order); i++)
        if (strcmp(sev, order[i]) == 0)
            return (int)i;
    return 0;
}

/* SARIF levels: error for HIGH and CRITICAL, note for LOW and informational; */
/* a finding nobody scored (UNTRIAGED) is a warning: unknown is not safe.      */
static const char *
level_of_rank(int rank)
{
    static const char *const levels[] = {"warning", "note", "note", "warning", "error", "error"};

    return levels[rank >= 0 && rank < 6 ? rank : 0];
}

/*
 * Percent-encode a path as a URI reference (RFC 3986): unreserved characters
 * and '/' stay; everything else, including ':' (a colon in the first segment
 * would read as a scheme), '%', '#', '?', spaces and non-ASCII bytes, is
 * %XX-encoded.
 */
static void
uri_path(struct ks_buf *b, const char *path)
{
    static const char hex[] = "0123456789ABCDEF";

    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        unsigned char c = *p;

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~' || c == '/')
            ks_buf_putc(b, (char)c);
        else
            ks_buf_appendf(b, "%%%c%c", hex[c >> 4], hex[c & 15]);
    }
}

/* The package's file relative to the scanned root ("var/lib/dpkg/status"). */
static json_t *
relative_uri(const char *path)
{
    struct ks_buf b = KS_BUF_INIT(SIZE_MAX);
    json_t *v = NULL;

    while (*path == '/')
        path++;
    uri_path(&b, path);
    if (ks_buf_err(&b) == KS_OK)
        v = json_stringn(b.data, b.len);
    ks_buf_release(&b);
    return v;
}

/* First sentence of the description, whitespace collapsed, as a title. */
static json_t *
short_description(const char *id, const char *desc)
{
    struct ks_buf flat = KS_BUF_INIT(SIZE_MAX), b = KS_BUF_INIT(SIZE_MAX);
    json_t *v = NULL;
    const char *stop;

    for (const char *p = desc ? desc : ""; *p; p++) {
        bool space = *p == ' ' || *p == '\n' || *p == '\r' || *p == '\t';

        if (space && (flat.len == 0 || flat.data[flat.len - 1] == ' '))
            continue;
        ks_buf_putc(&flat, space ? ' ' : *p);
    }
    while (flat.len > 0 && flat.data[flat.len - 1] == ' ')
        flat.data[--flat.len] = '\0';
    if ((stop = strstr(flat.data, ". ")) != NULL) {
        flat.len = (size_t)(stop - flat.data) + 1;
        flat.data[flat.len] = '\0';
    }
    ks_buf_appendf(&b, "%s: ", id);
    rf_append_trunc(&b, flat.len > 0 ? flat.data : "no description", MAX_SHORT_DESCRIPTION);
    if (ks_buf_err(&flat) == KS_OK && ks_buf_err(&b) == KS_OK)
        v = json_stringn(b.data, b.len);
    ks_buf_release(&flat);
    ks_buf_release(&b);
    return v;
}

static json_t *
text_obj(json_t *text)
{
    json_t *o = json_object();

    if (o == NULL) {
        json_decref(text);
        return NULL;
    }
    if (text == NULL || json_object_set_new(o, "text", text) != 0) { /* which frees text */
        json_decref(o);
        return NULL;
    }
    return o;
}

static const char *
help_url(const json_t *f)
{
    const char *u = rf_str(rf_pvd(f), "sourceUrl");

    if (u == NULL)
        u = rf_str(ks_json_obj(ks_json_obj(f, "remediation"), "recommendation"), "Url");
    if (u == NULL)
        u = json_string_value(json_array_get(ks_json_arr(rf_pvd(f), "referenceUrls"), 0));
    if (u != NULL && strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0)
        u = NULL;
    return u;
}

/* help.text and help.markdown: what it is, how bad, how to fix. */
static json_t *
rule_help(const struct rule *r, bool *ok)
{
    const json_t *f = r->first;
    const json_t *adj = ks_json_obj(ks_json_obj(f, "inspectorScoreDetails"), "adjustedCvss");
    const char *vector = rf_str(adj, "scoringVector");
    const char *url = help_url(f);
    const char *desc = rf_str(f, "description");
    struct ks_buf t = KS_BUF_INIT(SIZE_MAX), m = KS_BUF_INIT(SIZE_MAX);
    char score[64] = "-";
    json_t *o = json_object();

    if (r->has_score)
        rf_num(r->max_score, score);
    ks_buf_appendf(&t, "Vulnerability %s\nSeverity: %s\nScore: %s\n", r->id,
                   rf_severity(f), score);
    if (vector != NULL)
        ks_buf_appendf(&t, "Vector: %s\n", vector);
    ks_buf_appendf(&t, "\n%s\n", desc ? desc : "");
    if (url != NULL) {
        ks_buf_putc(&t, '\n');
        rf_append_url(&t, url);
        ks_buf_putc(&t, '\n');
    }
    ks_buf_appendf(&m,
                   "**Vulnerability %s**\n\n| Severity | Score | Vector |\n| --- | --- | --- |\n"
                   "| %s | %s | %s |\n\n",
                   r->id, rf_severity(f), score, vector ? vector : "-");
    ks_buf_appendf(&m, "%s\n", desc ? desc : "");
    if (url != NULL) {
        ks_buf_appends(&m, "\n<");
        rf_append_url(&m, url);
        ks_buf_appends(&m, ">\n");
    }
    if (ks_buf_err(&t) != KS_OK || ks_buf_err(&m) != KS_OK) {
        *ok = false;
    } else {
        rj_set(o, "text", json_stringn(t.data, t.len), ok);
        rj_set(o, "markdown", json_stringn(m.data, m.len), ok);
    }
    ks_buf_release(&t);
    ks_buf_release(&m);
    return o;
}

static json_t *
rule_json(const struct rule *r, bool *ok)
{
    const json_t *f = r->first;
    const char *source = rf_str(rf_pvd(f), "source");
    const char *url = help_url(f);
    json_t *o = json_object(), *cfg = json_object(), *props = json_object(), *tags = json_array();

    rj_set(o, "id", json_string(r->id), ok);
    rj_set(o, "shortDescription", text_obj(short_description(r->id, rf_str(f, "description"))),
           ok);
    rj_set(o, "fullDescription",
           text_obj(json_string(rf_str(f, "description") ? rf_str(f, "description")
                                                         : "No description provided.")),
           ok);
    if (url != NULL)
        rj_set(o, "helpUri", rf_json_url(url), ok);
    rj_set(o, "help", rule_help(r, ok), ok);
    rj_set(cfg, "level", json_string(level_of_rank(r->max_rank)), ok);
    rj_set(o, "defaultConfiguration", cfg, ok);
    rj_push(tags, json_string("security"), ok);
    rj_push(tags, json_string("vulnerability"), ok);
    if (source != NULL)
        rj_push(tags, json_string(source), ok);
    rj_set(props, "tags", tags, ok);
    rj_set(props, "precision", json_string("very-high"), ok);
    if (r->has_score) {
        char score[64];

        /* GitHub ranks by this string: 9.0+ critical, 7.0+ high, 4.0+ medium. */
        rf_num(r->max_score, score);
        rj_set(props, "security-severity", json_string(score), ok);
    }
    rj_set(o, "properties", props, ok);
    return o;
}

/* The package's identity across versions: its purl without "@version". */
static json_t *
package_identity(const json_t *p)
{
    const char *purl = rf_str(p, "purl"), *name = rf_str(p, "name"), *arch = rf_str(p, "arch");
    const char *at;

    if (purl != NULL && (at = strchr(purl, '@')) != NULL) {
        const char *rest = at + strcspn(at, "?#");

        return json_sprintf("%.*s%s", (int)(at - purl), purl, rest);
    }
    if (purl != NULL)
        return json_string(purl);
    return json_sprintf("%s%s%s", name ? name : "?", arch ? "?arch=" : "", arch ? arch : "");
}

static json_t *
result_message(const json_t *f, const json_t *p)
{
    struct ks_buf b = KS_BUF_INIT(SIZE_MAX);
    const char *name = rf_str(p, "name"), *version = rf_str(p, "version");
    const char *rel = rf_str(p, "release"), *fixed = rf_fixed(p);
    const char *sup = rf_str(ks_json_obj(f, "suppression"), "reason");
    double score;
    char num[64];
    json_t *v = NULL;

    if (p == NULL) {
        /* Not a package finding (or one without packages): its title says what. */
        const char *title = rf_str(f, "title");

        ks_buf_appendf(&b, "%s", title ? title : rf_vuln_id(f));
    } else {
        ks_buf_appendf(&b, "%s %s%s%s", name ? name : "package", version ? version : "?",
                       rel ? "-" : "", rel ? rel : "");
    }
    if (p == NULL) {
        /* nothing to add: the title names the vulnerability */
    } else if (rf_unknown(f, p)) {
        const char *why = rf_str(p, "unknownReason");

        ks_buf_appendf(&b, " may be affected by %s: its version could not be compared%s%s",
                       rf_vuln_id(f), why ? " (" : "", why ? why : "");
        ks_buf_appends(&b, why ? "); review it" : "; review it");
    } else {
        ks_buf_appendf(&b, " is affected by %s", rf_vuln_id(f));
    }
    ks_buf_appendf(&b, " (%s", rf_severity(f));
    if (rf_score(f, &score)) {
        rf_num(score, num);
        ks_buf_appendf(&b, ", score %s", num);
    }
    ks_buf_appends(&b, ")");
    if (fixed != NULL)
        ks_buf_appendf(&b, "; fixed in %s.", fixed);
    else if (p != NULL)
        ks_buf_appends(&b, "; no fixed version is available.");
    else
        ks_buf_appends(&b, ".");
    if (rf_suppressed(f))
        ks_buf_appendf(&b, " Suppressed: %s.", sup ? sup : "no reason given");
    if (ks_buf_err(&b) == KS_OK)
        v = json_stringn(b.data, b.len);
    ks_buf_release(&b);
    return text_obj(v);
}

static json_t *
result_location(const json_t *f, const json_t *p, bool rooted, bool *ok)
{
    const char *path = rf_str(p, "filePath");
    const json_t *cfp = ks_json_obj(ks_json_obj(f, "codeVulnerabilityDetails"), "filePath");
    json_t *loc = json_object(), *locs = json_array();

    if (path == NULL && cfp != NULL)
        path = rf_str(cfp, "filePath");
    if (path != NULL) {
        json_t *phys = json_object(), *art = json_object(), *reg = json_object();
        json_int_t line = 1;

        rj_set(art, "uri", relative_uri(path), ok);
        if (rooted)
            rj_set(art, "uriBaseId", json_string(ROOT_BASE_ID), ok);
        rj_set(phys, "artifactLocation", art, ok);
        /* A package database has no line for one package; code scanning wants one. */
        if (json_is_integer(json_object_get(cfp, "startLine")) &&
            json_integer_value(json_object_get(cfp, "startLine")) > 0)
            line = json_integer_value(json_object_get(cfp, "startLine"));
        rj_set(reg, "startLine", json_integer(line), ok);
        rj_set(phys, "region", reg, ok);
        rj_set(loc, "physicalLocation", phys, ok);
    }
    if (p != NULL) {
        json_t *logs = json_array(), *lg = json_object();
        const char *name = rf_str(p, "name");

        rj_set(lg, "name", json_string(name ? name : "?"), ok);
        if (rf_str(p, "purl") != NULL)
            rj_set(lg, "fullyQualifiedName", json_string(rf_str(p, "purl")), ok);
        rj_set(lg, "kind", json_string("module"), ok);
        rj_push(logs, lg, ok);
        rj_set(loc, "logicalLocations", logs, ok);
    }
    if (json_object_size(loc) > 0) {
        rj_push(locs, loc, ok);
    } else {
        json_decref(loc);
    }
    return locs;
}

static json_t *
result_json(const json_t *f, const json_t *p, size_t rule_index, bool rooted, bool *ok)
{
    json_t *r = json_object(), *fp = json_object(), *props = json_object();
    const char *arn = rf_str(f, "findingArn");
    double score;

    rj_set(r, "ruleId", json_string(rf_vuln_id(f)), ok);
    rj_set(r, "ruleIndex", json_integer((json_int_t)rule_index), ok);
    rj_set(r, "level", json_string(level_of_rank(severity_rank(rf_severity(f)))), ok);
    rj_set(r, "message", result_message(f, p), ok);
    {
        json_t *locs = result_location(f, p, rooted, ok);

        if (locs != NULL && json_array_size(locs) == 0)
            json_decref(locs); /* nothing to point at: SARIF allows no locations */
        else
            rj_set(r, "locations", locs, ok);
    }
    /* Stable across scans: the finding's id and the package (not its version). */
    if (arn != NULL)
        rj_set(fp, "kensaFindingArn/v1", json_string(arn), ok);
    if (p != NULL)
        rj_set(fp, "kensaPackage/v1", package_identity(p), ok);
    if (json_object_size(fp) > 0)
        rj_set(r, "partialFingerprints", fp, ok);
    else
        json_decref(fp);
    if (rf_suppressed(f)) {
        const json_t *s = ks_json_obj(f, "suppression");
        json_t *sups = json_array(), *sup = json_object();
        const char *reason = rf_str(s, "reason"), *src = rf_str(s, "source");
        const char *file = rf_str(s, "file");

        rj_set(sup, "kind", json_string("external"), ok);
        rj_set(sup, "status", json_string("accepted"), ok);
        rj_set(sup, "justification", json_string(reason ? reason : "no reason given"), ok);
        if (src != NULL || file != NULL) {
            json_t *sp = json_object();

            if (src != NULL)
                rj_set(sp, "source", json_string(src), ok);
            if (file != NULL)
                rj_set(sp, "file", json_string(file), ok);
            rj_set(sup, "properties", sp, ok);
        }
        rj_push(sups, sup, ok);
        rj_set(r, "suppressions", sups, ok);
    }
    rj_set(props, "severity", json_string(rf_severity(f)), ok);
    if (rf_score(f, &score))
        rj_set(props, "inspectorScore", json_real(score), ok);
    if (p != NULL) {
        static const char *const keys[] = {"name", "version", "release", "arch", "purl",
                                           "ecosystem", "packageManager", "fixedInVersion"};

        for (size_t i = 0; i < KS_ARRAY_LEN(keys); i++)
            if (rf_str(p, keys[i]) != NULL)
                rj_set(props, keys[i], json_string(rf_str(p, keys[i])), ok);
    }
    {
        static const char *const keys[] = {"findingArn", "status",     "fixAvailable",
                                           "exploitAvailable", "vendorStatus"};

        for (size_t i = 0; i < KS_ARRAY_LEN(keys); i++)
            if (rf_str(f, keys[i]) != NULL)
                rj_set(props, keys[i], json_string(rf_str(f, keys[i])), ok);
    }
    rj_set(props, "matchStatus", json_string(rf_unknown(f, p) ? "UNKNOWN" : "AFFECTED"), ok);
    if (json_is_number(json_object_get(ks_json_obj(f, "epss"), "score")))
        rj_set(props, "epssScore", json_real(ks_json_num(ks_json_obj(f, "epss"), "score", 0)), ok);
    rj_set(r, "properties", props, ok);
    return r;
}

/* file:///abs/root/ when the target is a directory named by an absolute path. */
static json_t *
original_base(const json_t *doc, bool *rooted, bool *ok)
{
    const json_t *t = ks_json_obj(doc, "target");
    const char *name = rf_str(t, "name"), *source = rf_str(t, "source");
    struct ks_buf b = KS_BUF_INIT(SIZE_MAX);
    json_t *bases, *root;

    *rooted = false;
    if (name == NULL || source == NULL || strcmp(source, "dir") != 0 || name[0] != '/')
        return NULL;
    ks_buf_appends(&b, "file://");
    uri_path(&b, name);
    if (b.len == 0 || b.data[b.len - 1] != '/')
        ks_buf_putc(&b, '/');
    bases = json_object();
    root = json_object();
    if (ks_buf_err(&b) != KS_OK)
        *ok = false;
    else
        rj_set(root, "uri", json_stringn(b.data, b.len), ok);
    ks_buf_release(&b);
    rj_set(bases, ROOT_BASE_ID, root, ok);
    *rooted = *ok;
    return bases;
}

enum ks_code
ks_report_findings_sarif(const json_t *doc, struct ks_buf *out, struct ks_err *err)
{
    const json_t *findings = ks_json_arr(doc, "findings");
    struct ks_vec rules = KS_VEC_INIT(struct rule);
    struct ks_map *index = ks_map_new();
    json_t *root = json_object(), *runs = json_array(), *run = json_object();
    json_t *tool = json_object(), *driver = json_object(), *jrules = json_array();
    json_t *results = json_array(), *bases;
    bool ok = index != NULL, rooted = false;
    size_t i;
    json_t *f;

    /* Pass 1: one rule per vulnerability, in the order findings name them. */
    json_array_foreach(findings, i, f) {
        const char *id = rf_vuln_id(f);
        void *slot = index ? ks_map_get(index, ks_str_c(id)) : NULL;
        struct rule *r;
        double score;

        if (!ok || !json_is_object(f))
            continue;
        if (slot == NULL) {
            if ((r = ks_vec_push(&rules)) == NULL ||
                ks_map_put(index, ks_str_c(id), (void *)(uintptr_t)rules.len, NULL) != KS_OK) {
                ok = false;
                break;
            }
            r->id = id;
            r->first = f;
        } else {
            r = ks_vec_at(&rules, (uintptr_t)slot - 1);
        }
        if (severity_rank(rf_severity(f)) > r->max_rank)
            r->max_rank = severity_rank(rf_severity(f));
        if (rf_score(f, &score) && (!r->has_score || score > r->max_score)) {
            r->max_score = score;
            r->has_score = true;
        }
    }
    for (i = 0; ok && i < rules.len; i++)
        rj_push(jrules, rule_json(ks_vec_at(&rules, i), &ok), &ok);

    bases = original_base(doc, &rooted, &ok);
    /* Pass 2: a result per (finding, vulnerable package). */
    json_array_foreach(findings, i, f) {
        const json_t *pkgs = rf_pkgs(f);
        size_t ridx, k;
        json_t *p;

        if (!ok || !json_is_object(f))
            continue;
        ridx = (uintptr_t)ks_map_get(index, ks_str_c(rf_vuln_id(f))) - 1;
        if (json_array_size(pkgs) == 0)
            rj_push(results, result_json(f, NULL, ridx, rooted, &ok), &ok);
        json_array_foreach(pkgs, k, p) {
            if (json_is_object(p))
                rj_push(results, result_json(f, p, ridx, rooted, &ok), &ok);
        }
    }

    rj_set(root, "$schema", json_string(SARIF_SCHEMA), &ok);
    rj_set(root, "version", json_string("2.1.0"), &ok);
    rj_set(driver, "name", json_string(KS_TOOL_NAME), &ok);
    rj_set(driver, "version", json_string(KS_VERSION_STRING), &ok);
    rj_set(driver, "semanticVersion", json_string(KS_VERSION_STRING), &ok);
    rj_set(driver, "rules", jrules, &ok);
    rj_set(tool, "driver", driver, &ok);
    rj_set(run, "tool", tool, &ok);
    if (bases != NULL)
        rj_set(run, "originalUriBaseIds", bases, &ok);
    rj_set(run, "results", results, &ok);
    rj_set(run, "columnKind", json_string("unicodeCodePoints"), &ok);
    rj_push(runs, run, &ok);
    rj_set(root, "runs", runs, &ok);
    ks_map_free(index);
    ks_vec_release(&rules);
    return rj_finish(root, ok, out, err);
}
