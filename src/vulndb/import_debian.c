/*
 * import_debian.c: the Debian security tracker's own data
 * (salsa.debian.org/security-tracker-team/security-tracker, data/):
 *  - data/CVE/list: per CVE, one line per source package in unstable
 *    ("- pkg 1.2-3 (low; bug #1)", "- pkg <unfixed> (unimportant)") and per
 *    release that differs ("[bookworm] - pkg 1.2-2+deb12u1",
 *    "[bullseye] - pkg <no-dsa> (Minor issue)"). One DEBIAN-CVE-… advisory
 *    per CVE, an affected entry per (release, source package);
 *  - data/DSA/list, data/DLA/list: one DSA-…/DLA-… advisory per entry with
 *    its CVEs and a fixed version per release.
 * Releases are numbered as OSV does (bookworm -> Debian:12). A supported
 * release without its own line inherits unstable's statement, which is what
 * the tracker itself concludes: versions below unstable's fix are affected.
 */
#include "vulndb/distro_int.h"

#include <string.h>

#include "base/banned.h"

/* Codename -> OSV release; `inherit`: supported releases that take */
/* unstable's statement when the tracker has no line for them.      */
static const struct {
    const char *codename, *release;
    bool inherit;
} releases[] = {
    {"buzz", "1.1", false},    {"rex", "1.2", false},      {"bo", "1.3", false},
    {"hamm", "2.0", false},    {"slink", "2.1", false},    {"potato", "2.2", false},
    {"woody", "3.0", false},   {"sarge", "3.1", false},    {"etch", "4", false},
    {"lenny", "5", false},     {"squeeze", "6", false},    {"wheezy", "7", false},
    {"jessie", "8", false},    {"stretch", "9", false},    {"buster", "10", true},
    {"bullseye", "11", true},  {"bookworm", "12", true},   {"trixie", "13", true},
    {"forky", "14", false},    {"duke", "15", false},
};

static const char *
release_of(struct ks_str codename)
{
    for (size_t i = 0; i < KS_ARRAY_LEN(releases); i++)
        if (ks_str_eq_c(codename, releases[i].codename))
            return releases[i].release;
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Sniffing                                                                 */

int
ks_vdb_debian_cve_sniff(struct ks_str head, const char *name)
{
    struct ks_str s = head;

    (void)name;
    if (!ks_str_has_prefix(s, "CVE-"))
        return 0;
    /* Package lines: "\t- pkg ..." or "\t[release] - pkg ..." (tab or spaces). */
    if (ks_df_has(s, "\n\t- ") || ks_df_has(s, "\n\t[") || ks_df_has(s, "\n        - ") ||
        ks_df_has(s, "\n\tNOT-FOR-US:") || ks_df_has(s, "\n        NOT-FOR-US:") ||
        ks_df_has(s, "\n\tRESERVED") || ks_df_has(s, "\n\tTODO:") ||
        ks_df_has(s, "\n        TODO:"))
        return 85;
    return 0;
}

int
ks_vdb_debian_dsa_sniff(struct ks_str head, const char *name)
{
    struct ks_str s = head;

    (void)name;
    /* "[11 Jul 2019] DSA-4480-1 redis - security update" */
    if (s.len < 16 || s.ptr[0] != '[' || s.ptr[3] != ' ' || s.ptr[7] != ' ' || s.ptr[12] != ']')
        return 0;
    if (ks_str_has_prefix(ks_str_sub(s, 14, s.len - 14), "DSA-") ||
        ks_str_has_prefix(ks_str_sub(s, 14, s.len - 14), "DLA-"))
        return 90;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Package lines                                                            */

enum pl_kind { PL_VERSION, PL_MARKER };

struct pline {
    const char *release;  /* OSV release, or NULL for unstable */
    const char *pkg;
    enum pl_kind kind;
    const char *value;    /* version, or marker without <> ("no-dsa") */
    const char *note;     /* text in parentheses, or NULL */
    const char *urgency;  /* from the note of an unstable line, or NULL */
};

static struct ks_str
take_word(struct ks_str *s)
{
    size_t i = 0;
    struct ks_str w;

    if (s->ptr == NULL)
        return *s;
    *s = ks_str_trim(*s);
    while (i < s->len && s->ptr[i] != ' ' && s->ptr[i] != '\t')
        i++;
    w = ks_str_sub(*s, 0, i);
    *s = ks_str_trim(ks_str_sub(*s, i, s->len - i));
    return w;
}

static bool
is_urgency(struct ks_str w)
{
    static const char *const words[] = {"unimportant", "low", "medium", "high"};

    while (w.len > 0 && w.ptr[w.len - 1] == '*')
        w.len--;
    for (size_t i = 0; i < KS_ARRAY_LEN(words); i++)
        if (ks_str_eq_c(w, words[i]))
            return true;
    return false;
}

/*
 * "[bookworm] - foot 1.13.1-2+deb12u1", "- ant <unfixed> (unimportant)".
 * Returns false (with *why) when the line is malformed; *unknown_release
 * when the codename is unknown (the line is skipped with a warning).
 */
static bool
parse_pline(struct ks_str line, struct ks_arena *a, struct pline *out, const char **why)
{
    struct ks_str s = ks_str_trim(line), w, note = KS_STR_NULL;
    ptrdiff_t open;

    memset(out, 0, sizeof(*out));
    if (s.len > 0 && s.ptr[0] == '[') {
        ptrdiff_t close = ks_str_find_char(s, ']');
        struct ks_str code;

        if (close < 0) {
            *why = "unbalanced [release]";
            return false;
        }
        code = ks_str_sub(s, 1, (size_t)close - 1);
        out->release = release_of(code);
        if (out->release == NULL) {
            *why = "unknown release";
            return false;
        }
        s = ks_str_trim(ks_str_sub(s, (size_t)close + 1, s.len - (size_t)close - 1));
    }
    if (s.len < 2 || s.ptr[0] != '-' || s.ptr[1] != ' ') {
        *why = "not a package line";
        return false;
    }
    s = ks_str_sub(s, 2, s.len - 2);
    /* The note is the text in parentheses at the end. */
    open = ks_str_find_char(s, '(');
    if (open >= 0) {
        note = ks_str_sub(s, (size_t)open, s.len - (size_t)open);
        s = ks_str_sub(s, 0, (size_t)open);
        note = ks_str_trim(note);
        if (note.len >= 2 && note.ptr[note.len - 1] == ')')
            note = ks_str_sub(note, 1, note.len - 2);
        else
            note = ks_str_sub(note, 1, note.len - 1);
        note = ks_str_trim(note);
    }
    w = take_word(&s);
    if (w.len == 0) {
        *why = "no package name";
        return false;
    }
    out->pkg = ks_arena_strdup_str(a, w);
    w = take_word(&s);
    if (w.len == 0) {
        *why = "no version or <status>";
        return false;
    }
    if (w.ptr[0] == '<') {
        if (w.len < 3 || w.ptr[w.len - 1] != '>') {
            *why = "unbalanced <status>";
            return false;
        }
        out->kind = PL_MARKER;
        out->value = ks_arena_strdup_str(a, ks_str_sub(w, 1, w.len - 2));
    } else {
        out->kind = PL_VERSION;
        out->value = ks_arena_strdup_str(a, w);
    }
    if (s.len > 0) {
        *why = "text after the version";
        return false;
    }
    if (note.len > 0) {
        struct ks_str first = note;
        ptrdiff_t semi = ks_str_find_char(note, ';');

        out->note = ks_arena_strdup_str(a, note);
        if (semi >= 0)
            first = ks_str_sub(note, 0, (size_t)semi);
        first = ks_str_trim(first);
        if (out->release == NULL && is_urgency(first)) {
            while (first.len > 0 && first.ptr[first.len - 1] == '*')
                first.len--;
            out->urgency = ks_arena_strdup_str(a, first);
        }
    }
    if (out->pkg == NULL || out->value == NULL || (note.len > 0 && out->note == NULL)) {
        *why = "out of memory";
        return false;
    }
    return true;
}

/*
 * A marker's status, or false when it states nothing about the release
 * (removed: not in the release; itp: not in Debian yet).
 */
static bool
marker_status(const char *m, enum ks_vuln_status *st, bool *known)
{
    static const struct {
        const char *marker;
        enum ks_vuln_status status;
        bool states;
    } map[] = {
        {"unfixed", KS_VSTATUS_AFFECTED, true},
        {"not-affected", KS_VSTATUS_NOT_AFFECTED, true},
        /* "no DSA will be issued": the security team will not fix it */
        /* (it may still come with a point release, see the note).   */
        {"no-dsa", KS_VSTATUS_WILL_NOT_FIX, true},
        {"ignored", KS_VSTATUS_WILL_NOT_FIX, true},
        {"postponed", KS_VSTATUS_FIX_DEFERRED, true},
        {"end-of-life", KS_VSTATUS_END_OF_LIFE, true},
        /* Unknown is not safe: undetermined counts as affected. */
        {"undetermined", KS_VSTATUS_AFFECTED, true},
        {"removed", KS_VSTATUS_NONE, false},
        {"itp", KS_VSTATUS_NONE, false},
    };

    *known = true;
    for (size_t i = 0; i < KS_ARRAY_LEN(map); i++)
        if (strcmp(m, map[i].marker) == 0) {
            *st = map[i].status;
            return map[i].states;
        }
    *known = false;
    return false;
}

/* ------------------------------------------------------------------------ */
/* data/CVE/list                                                            */

struct cve_ctx {
    struct ks_dfeed *f;
    struct ks_vdb_sink *sink;
    struct ks_arena *a; /* per CVE */
    const char *cve;    /* current CVE id, NULL when none/ignored */
    const char *summary;
    struct ks_vec lines; /* struct pline */
    uint64_t line_of_cve;
};

static json_t *
dspec(const char *marker, const char *note)
{
    json_t *o = json_object();

    if (o == NULL)
        return NULL;
    if (marker != NULL)
        json_object_set_new(o, "debian_status", json_string(marker));
    if (note != NULL)
        json_object_set_new(o, "note", json_string(note));
    if (json_object_size(o) == 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* One affected entry from a line (or from unstable's line for release rel). */
static void
entry(struct cve_ctx *c, json_t *rec, const struct pline *p, const char *rel, bool inherited,
      const char *urgency, const char *where)
{
    struct ks_dpkg d = {0};
    enum ks_vuln_status st = KS_VSTATUS_NONE;
    bool known;

    d.ecosystem = ks_arena_sprintf(c->a, "Debian:%s", rel);
    d.name = p->pkg;
    d.purl = ks_arena_sprintf(c->a, "pkg:deb/debian/%s?arch=source", p->pkg);
    d.vendor_severity = urgency;
    if (p->kind == PL_VERSION) {
        /* Inherited: the release has no fix of its own, versions from */
        /* unstable's fix up are not affected.                         */
        d.status = inherited ? KS_VSTATUS_AFFECTED : KS_VSTATUS_FIXED;
        d.fixed = p->value;
        /* "- pkg 0": the tracker's spelling of "never affected" */
        if (strcmp(p->value, "0") == 0) {
            d.status = KS_VSTATUS_NOT_AFFECTED;
            d.fixed = NULL;
        }
        d.database_specific = inherited ? json_pack("{s:s}", "inherited_from", "unstable")
                                        : dspec(NULL, p->note);
    } else {
        if (!marker_status(p->value, &st, &known)) {
            if (!known)
                ks_vdb_malformed(c->sink, where, "unknown status <%s>", p->value);
            return;
        }
        d.status = st;
        d.database_specific = dspec(p->value, inherited ? NULL : p->note);
        if (inherited && d.database_specific != NULL)
            json_object_set_new(d.database_specific, "inherited_from", json_string("unstable"));
    }
    ks_dfeed_affected(c->f, rec, &d);
}

static void
finish_cve(struct cve_ctx *c)
{
    json_t *rec = NULL;
    char where[96];

    if (c->cve == NULL || c->lines.len == 0)
        goto out;
    rec = ks_dfeed_rec(c->f, ks_arena_sprintf(c->a, "DEBIAN-%s", c->cve));
    ks_dfeed_add_id(c->f, rec, "upstream", c->cve);
    ks_dfeed_set(c->f, rec, "summary", c->summary);
    ks_dfeed_add_ref(c->f, rec, "ADVISORY",
                     ks_arena_sprintf(c->a, "https://security-tracker.debian.org/tracker/%s",
                                      c->cve));
    snprintf(where, sizeof(where), "%s", c->cve);
    for (size_t i = 0; i < c->lines.len; i++) {
        const struct pline *p = ks_vec_at(&c->lines, i);
        const char *urgency = NULL;

        /* The urgency on the unstable line is the CVE's for this package. */
        for (size_t k = 0; k < c->lines.len; k++) {
            const struct pline *q = ks_vec_at(&c->lines, k);

            if (q->release == NULL && strcmp(q->pkg, p->pkg) == 0)
                urgency = q->urgency;
        }
        if (p->release != NULL) {
            entry(c, rec, p, p->release, false, urgency, where);
            continue;
        }
        /* Unstable's line speaks for the supported releases without their own. */
        for (size_t r = 0; r < KS_ARRAY_LEN(releases); r++) {
            bool own = false;

            if (!releases[r].inherit)
                continue;
            for (size_t k = 0; k < c->lines.len && !own; k++) {
                const struct pline *q = ks_vec_at(&c->lines, k);

                own = q->release != NULL && strcmp(q->release, releases[r].release) == 0 &&
                      strcmp(q->pkg, p->pkg) == 0;
            }
            if (!own)
                entry(c, rec, p, releases[r].release, true, urgency, where);
        }
    }
out:
    c->cve = NULL;
    c->summary = NULL;
    c->lines.len = 0;
    ks_arena_free(c->a);
    c->a = NULL;
}

enum ks_code
ks_vdb_debian_cve_add(struct ks_dfeed *f, struct ks_vdb_stream *in, struct ks_vdb_sink *sink,
                      struct ks_err *err)
{
    struct cve_ctx c = {.f = f, .sink = sink};
    struct ks_df_lines l;
    struct ks_str line;
    enum ks_code rc;
    bool any = false;

    ks_vec_init(&c.lines, sizeof(struct pline));
    ks_df_lines_init(&l, in);
    while ((rc = ks_df_lines_next(&l, &line, err)) == KS_OK) {
        char where[96];

        if (line.len == 0)
            continue;
        if (line.ptr[0] != ' ' && line.ptr[0] != '\t') {
            /* "CVE-2021-36367 (PuTTY through 0.75 ...)" starts a record. */
            struct ks_str s = line, id;

            finish_cve(&c);
            id = take_word(&s);
            c.a = ks_arena_new(8192);
            if (c.a == NULL) {
                rc = ks_err_set(err, KS_ENOMEM, "out of memory");
                break;
            }
            c.line_of_cve = l.lineno;
            if (!ks_str_has_prefix(id, "CVE-")) {
                snprintf(where, sizeof(where), "line %llu", (unsigned long long)l.lineno);
                ks_vdb_malformed(sink, where, "not a CVE line");
                continue;
            }
            any = true;
            /* CVE-2023-XXXX: an issue waiting for its id; nothing to key on. */
            if (!ks_vdb_is_cve(id))
                continue;
            c.cve = ks_arena_strdup_str(c.a, id);
            if (s.len >= 2 && (s.ptr[0] == '(' || s.ptr[0] == '['))
                c.summary = ks_arena_strdup_str(
                    c.a, ks_str_trim(ks_str_sub(s, 1, s.len - 1 - (s.ptr[s.len - 1] == ')' ||
                                                                   s.ptr[s.len - 1] == ']'))));
            continue;
        }
        if (c.cve == NULL)
            continue;
        line = ks_str_trim(line);
        if (line.len > 0 && (line.ptr[0] == '-' || line.ptr[0] == '[')) {
            struct pline p;
            const char *why = NULL;

            snprintf(where, sizeof(where), "%s (line %llu)", c.cve, (unsigned long long)l.lineno);
            if (!parse_pline(line, c.a, &p, &why)) {
                if (why != NULL && strcmp(why, "out of memory") == 0) {
                    rc = ks_err_set(err, KS_ENOMEM, "out of memory");
                    break;
                }
                ks_vdb_malformed(sink, where, "%s: '" KS_STR_FMT "'", why, KS_STR_ARG(line));
                continue;
            }
            if (c.lines.len >= KS_DF_MAX_AFFECTED) {
                ks_vdb_malformed(sink, where, "too many package lines");
                continue;
            }
            {
                struct pline *slot = ks_vec_push(&c.lines);

                if (slot == NULL) {
                    rc = ks_err_set(err, KS_ENOMEM, "out of memory");
                    break;
                }
                *slot = p;
            }
        }
        /* NOTE:, TODO:, NOT-FOR-US:, RESERVED, {DSA-...}: nothing to match on */
    }
    finish_cve(&c);
    ks_arena_free(c.a);
    ks_vec_release(&c.lines);
    ks_df_lines_release(&l);
    if (rc != KS_ENOTFOUND)
        return rc;
    if (!any && l.lineno > 0)
        return ks_err_set(err, KS_EPARSE, "%s: not a tracker CVE list", in->name);
    return KS_OK;
}

enum ks_code
ks_vdb_debian_cve_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink, struct ks_err *err)
{
    return ks_dfeed_import_one(ks_vdb_debian_cve_add, in, sink, err);
}

const char *
ks_vdb_debian_cve_label(struct ks_str head, const char *path, struct ks_arena *a)
{
    (void)head;
    (void)path;
    (void)a;
    return "cve";
}

/* ------------------------------------------------------------------------ */
/* data/DSA/list, data/DLA/list                                             */

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* "[11 Jul 2019]" -> "2019-07-11T00:00:00Z" */
static char *
dsa_date(struct ks_str s, struct ks_arena *a)
{
    uint64_t d, y;
    int m = -1;

    if (s.len != 13 || s.ptr[0] != '[' || s.ptr[12] != ']' ||
        ks_parse_u64(ks_str_sub(s, 1, 2), 31, &d) != KS_OK ||
        ks_parse_u64(ks_str_sub(s, 8, 4), 9999, &y) != KS_OK || d == 0)
        return NULL;
    for (int i = 0; i < 12; i++)
        if (memcmp(s.ptr + 4, months[i], 3) == 0)
            m = i + 1;
    if (m < 0)
        return NULL;
    return ks_arena_sprintf(a, "%04d-%02d-%02dT00:00:00Z", (int)y, m, (int)d);
}

struct dsa_ctx {
    struct ks_dfeed *f;
    struct ks_vdb_sink *sink;
    struct ks_arena *a;
    json_t *rec; /* current advisory, NULL when skipping */
    const char *id;
};

static void
dsa_line(struct dsa_ctx *c, struct ks_str line, uint64_t lineno)
{
    char where[96];

    line = ks_str_trim(line);
    snprintf(where, sizeof(where), "%s (line %llu)", c->id, (unsigned long long)lineno);
    if (line.len > 0 && line.ptr[0] == '{') {
        /* {CVE-2019-10192 CVE-2019-10193} */
        struct ks_str s = ks_str_sub(line, 1, line.len - 1 - (line.ptr[line.len - 1] == '}'));

        while (s.len > 0) {
            struct ks_str w = take_word(&s);

            if (ks_vdb_is_cve(w))
                ks_dfeed_add_id(c->f, c->rec, "upstream", ks_arena_strdup_str(c->a, w));
            else if (w.len > 0)
                ks_dfeed_add_id(c->f, c->rec, "related", ks_arena_strdup_str(c->a, w));
        }
        return;
    }
    if (line.len > 0 && line.ptr[0] == '[') {
        struct pline p;
        const char *why = NULL;
        struct ks_dpkg d = {0};
        enum ks_vuln_status st;
        bool known;

        if (!parse_pline(line, c->a, &p, &why)) {
            ks_vdb_malformed(c->sink, where, "%s: '" KS_STR_FMT "'", why, KS_STR_ARG(line));
            return;
        }
        d.ecosystem = ks_arena_sprintf(c->a, "Debian:%s", p.release);
        d.name = p.pkg;
        d.purl = ks_arena_sprintf(c->a, "pkg:deb/debian/%s?arch=source", p.pkg);
        if (p.kind == PL_VERSION) {
            d.status = KS_VSTATUS_FIXED;
            d.fixed = p.value;
            d.database_specific = dspec(NULL, p.note);
        } else if (marker_status(p.value, &st, &known)) {
            d.status = st;
            d.database_specific = dspec(p.value, p.note);
        } else {
            if (!known)
                ks_vdb_malformed(c->sink, where, "unknown status <%s>", p.value);
            return;
        }
        ks_dfeed_affected(c->f, c->rec, &d);
    }
    /* NOTE: lines carry prose */
}

enum ks_code
ks_vdb_debian_dsa_add(struct ks_dfeed *f, struct ks_vdb_stream *in, struct ks_vdb_sink *sink,
                      struct ks_err *err)
{
    struct dsa_ctx c = {.f = f, .sink = sink};
    struct ks_df_lines l;
    struct ks_str line;
    enum ks_code rc;
    bool any = false;

    c.a = ks_arena_new(1 << 16);
    if (c.a == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    ks_df_lines_init(&l, in);
    while ((rc = ks_df_lines_next(&l, &line, err)) == KS_OK) {
        if (line.len == 0)
            continue;
        if (line.ptr[0] == '[') {
            /* "[11 Jul 2019] DSA-4480-1 redis - security update" */
            struct ks_str s = line, id, pkg;
            char *date;
            char where[64];

            c.rec = NULL;
            any = true;
            /* Records copy what they keep: the previous entry's strings can go. */
            ks_arena_free(c.a);
            c.a = ks_arena_new(1 << 16);
            if (c.a == NULL) {
                rc = ks_err_set(err, KS_ENOMEM, "out of memory");
                break;
            }
            snprintf(where, sizeof(where), "line %llu", (unsigned long long)l.lineno);
            date = s.len > 13 ? dsa_date(ks_str_sub(s, 0, 13), c.a) : NULL;
            s = ks_str_sub(s, KS_MIN(s.len, (size_t)13), s.len);
            id = take_word(&s);
            pkg = take_word(&s);
            if (date == NULL || id.len < 5 || id.len > KS_VDB_MAX_ID ||
                !(ks_str_has_prefix(id, "DSA-") || ks_str_has_prefix(id, "DLA-")) ||
                pkg.len == 0) {
                ks_vdb_malformed(sink, where, "malformed header '%.*s'",
                                 (int)KS_MIN(line.len, (size_t)80), line.ptr);
                continue;
            }
            c.id = ks_arena_strdup_str(c.a, id);
            c.rec = ks_dfeed_rec(f, c.id);
            ks_dfeed_set(f, c.rec, "published", date);
            ks_dfeed_set_time(f, c.rec, "modified", date);
            s = ks_str_trim(s);
            ks_dfeed_set(f, c.rec, "summary",
                         ks_arena_sprintf(c.a, KS_STR_FMT " " KS_STR_FMT, KS_STR_ARG(pkg),
                                          KS_STR_ARG(s)));
            ks_dfeed_add_ref(f, c.rec, "ADVISORY",
                             ks_arena_sprintf(c.a,
                                              "https://security-tracker.debian.org/tracker/%s",
                                              c.id));
            continue;
        }
        if (c.rec != NULL && (line.ptr[0] == ' ' || line.ptr[0] == '\t'))
            dsa_line(&c, line, l.lineno);
        /* Anything else before the first header or after a bad one is skipped. */
    }
    ks_arena_free(c.a);
    ks_df_lines_release(&l);
    if (rc != KS_ENOTFOUND)
        return rc;
    if (!any && l.lineno > 0)
        return ks_err_set(err, KS_EPARSE, "%s: not a DSA/DLA list", in->name);
    return KS_OK;
}

enum ks_code
ks_vdb_debian_dsa_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink, struct ks_err *err)
{
    return ks_dfeed_import_one(ks_vdb_debian_dsa_add, in, sink, err);
}

const char *
ks_vdb_debian_dsa_label(struct ks_str head, const char *path, struct ks_arena *a)
{
    (void)path;
    (void)a;
    return head.len > 17 && memcmp(head.ptr + 14, "DLA-", 4) == 0 ? "dla" : "dsa";
}
