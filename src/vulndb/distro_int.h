/*
 * distro_int.h: private to src/vulndb/: what the distro feed importers of
 * issue 4 share (docs/feeds.md). Each feed format is one import_<name>.c
 * with a sniffer, an `add` function that reads one document into a feed
 * accumulator, and a one-row entry in importers.c. The accumulator
 * (struct ks_dfeed) collects OSV-shaped advisories by id, merges records
 * that a feed splits over several documents (Rocky's per-repository
 * updateinfo files), and hands them to the sink through the same OSV model
 * as every other feed, so the store and the matcher see no special cases.
 */
#ifndef KS_VULNDB_DISTRO_INT_H
#define KS_VULNDB_DISTRO_INT_H

#include "vulndb/vulndb_int.h"

#include <jansson.h>

/* ------------------------------------------------------------------------ */
/* Limits (STYLE.md §5).                                                    */

#define KS_DF_MAX_RECORDS  1000000            /* advisories held by one accumulator */
#define KS_DF_MAX_AFFECTED 100000             /* affected entries of one advisory */
#define KS_DF_MAX_TEXT     ((size_t)1 << 20)  /* one text field (description) */
#define KS_DF_MAX_LINE     ((size_t)1 << 16)  /* one line of a line-based feed */
#define KS_DF_MAX_DOC      ((size_t)256 << 20) /* one whole-document JSON feed read at once */

/* ------------------------------------------------------------------------ */
/* The accumulator.                                                          */

struct ks_dfeed;

/*
 * One affected package as a distro states it. The range is {introduced 0,
 * fixed V} when `fixed` is set, {introduced 0} when not, none for
 * not_affected. A status other than "fixed" with a fixed version means the
 * release has no fix of its own but versions from V up are not affected
 * (Debian: a release without its own line inherits the fix in unstable).
 */
struct ks_dpkg {
    const char *ecosystem;       /* with release: "Amazon Linux:2023", "Alpine:v3.19" */
    const char *name;            /* package name as the distro keys it */
    const char *purl;            /* NULL: none */
    enum ks_vuln_status status;  /* KS_VSTATUS_FIXED needs `fixed` (else: affected) */
    const char *fixed;           /* NULL: no version fixes it */
    const char *last_affected;   /* instead of fixed: this version and below are affected */
    const char *vendor_severity; /* NULL: none */
    json_t *database_specific;   /* stolen (may be NULL) */
    json_t *ecosystem_specific;  /* stolen (may be NULL) */
};

/*
 * A new accumulator. sink (may be NULL) receives the warnings of records
 * that are dropped at flush time. NULL on OOM.
 */
struct ks_dfeed *ks_dfeed_new(struct ks_vdb_sink *sink);
void ks_dfeed_free(struct ks_dfeed *f); /* NULL is a no-op */

/*
 * The record with this id, created (as {"id": id}) when new. Returns NULL
 * when out of memory or over KS_DF_MAX_RECORDS (the feed remembers the
 * failure and ks_dfeed_flush reports it).
 */
json_t *ks_dfeed_rec(struct ks_dfeed *f, const char *id);
/* Is there a record with this id? */
bool ks_dfeed_has(const struct ks_dfeed *f, const char *id);
/* Set rec[key] = value unless already set or value is NULL/empty. */
void ks_dfeed_set(struct ks_dfeed *f, json_t *rec, const char *key, const char *value);
/* Set rec[key] = value (RFC 3339) when it is later than what is there. */
void ks_dfeed_set_time(struct ks_dfeed *f, json_t *rec, const char *key, const char *value);
/* Append id to the string list rec[key] ("upstream", "aliases", "related") once. */
void ks_dfeed_add_id(struct ks_dfeed *f, json_t *rec, const char *key, const char *id);
/* Append a reference {type, url} once. */
void ks_dfeed_add_ref(struct ks_dfeed *f, json_t *rec, const char *type, const char *url);
/* Set rec[key] = v (stolen) unless already set. */
void ks_dfeed_set_json(struct ks_dfeed *f, json_t *rec, const char *key, json_t *v);
/* Add a severity {type, score} to the record (once). */
void ks_dfeed_add_severity(struct ks_dfeed *f, json_t *rec, const char *type, const char *score);
/*
 * Append an affected entry: package {ecosystem, name, purl}, the ECOSYSTEM
 * range (see struct ks_dpkg), status, vendor_severity, database/
 * ecosystem_specific. An entry
 * equal to one already there is not added twice. Returns the entry (owned
 * by rec) or NULL on OOM.
 */
json_t *ks_dfeed_affected(struct ks_dfeed *f, json_t *rec, const struct ks_dpkg *p);
size_t ks_dfeed_count(const struct ks_dfeed *f);
/*
 * Hand every record to the sink (in the order they were first seen) through
 * ks_advisory_from_osv; a record the model refuses is warned about and
 * counted as malformed. Empties the accumulator. KS_ENOMEM if any earlier
 * step ran out of memory.
 */
enum ks_code ks_dfeed_flush(struct ks_dfeed *f, struct ks_vdb_sink *sink, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Importer plumbing.                                                        */

/* Read one document of a feed into the accumulator (warnings go to sink). */
typedef enum ks_code (*ks_dfeed_add_fn)(struct ks_dfeed *f, struct ks_vdb_stream *in,
                                        struct ks_vdb_sink *sink, struct ks_err *err);
/* A single-document import: new accumulator, add, flush. */
enum ks_code ks_dfeed_import_one(ks_dfeed_add_fn add, struct ks_vdb_stream *in,
                                 struct ks_vdb_sink *sink, struct ks_err *err);

/*
 * The label a distro document's source gets, from its content (the head
 * the importer was sniffed on): "2023" for an ALAS updateinfo of Amazon
 * Linux 2023, "alpine-v3.19-main" for a secdb file, "12" for Debian OVAL of
 * bookworm. NULL when imp is not a distro importer or the head does not
 * tell; the caller then derives one from the path. Allocated in a.
 */
const char *ks_vdb_distro_label(const struct ks_vdb_importer *imp, struct ks_str head,
                                const char *path, struct ks_arena *a);
/* The `add` function of a distro importer (NULL for others). */
ks_dfeed_add_fn ks_vdb_distro_add_fn(const struct ks_vdb_importer *imp);

/* The distro importers (one file each; rows in importers.c). */
#define KS_DISTRO_IMPORTER(name)                                                                  \
    int ks_vdb_##name##_sniff(struct ks_str head, const char *path);                              \
    enum ks_code ks_vdb_##name##_import(struct ks_vdb_stream *in, struct ks_vdb_sink *sink,       \
                                        struct ks_err *err);                                      \
    enum ks_code ks_vdb_##name##_add(struct ks_dfeed *f, struct ks_vdb_stream *in,                \
                                     struct ks_vdb_sink *sink, struct ks_err *err);               \
    const char *ks_vdb_##name##_label(struct ks_str head, const char *path, struct ks_arena *a)
KS_DISTRO_IMPORTER(alas);
KS_DISTRO_IMPORTER(rocky);
KS_DISTRO_IMPORTER(secdb);
KS_DISTRO_IMPORTER(debian_cve);
KS_DISTRO_IMPORTER(debian_dsa);
KS_DISTRO_IMPORTER(uct);
KS_DISTRO_IMPORTER(photon);
KS_DISTRO_IMPORTER(alma);
KS_DISTRO_IMPORTER(azure_oval);
KS_DISTRO_IMPORTER(redhat_oval);
KS_DISTRO_IMPORTER(oracle_oval);
KS_DISTRO_IMPORTER(usn_oval);
KS_DISTRO_IMPORTER(debian_oval);

/*
 * Import several files of one distro feed as one source "<kind>:<label>",
 * their records merged (Rocky publishes one updateinfo per repository, and
 * an RLSA can fix packages in several). Skipped, like a single file, when
 * every file is unchanged. displays (may be NULL) name the files in
 * messages (the URLs they were downloaded from). In import.c.
 */
enum ks_code ks_vdb_import_merged(struct ks_vdb_build *b, const char *const *paths,
                                  const char *const *displays, size_t n, const char *label,
                                  const char *location, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* db update (update_distro.c), with the HTTP side lent by update.c.        */

struct ks_vdb_fetch_ops {
    void *ctx;
    /*
     * GET url (conditionally, against the validators the old DB keeps for
     * source `name`) and import it as "<kind>:<label>"; *missing on 404
     * (reported as missing, not an error). Any other failure is an error.
     */
    enum ks_code (*fetch_import)(void *ctx, const char *name, const char *label, const char *url,
                                 bool *missing, struct ks_err *err);
    /* GET url into a new file of the download directory (*path, heap); *missing on 404. */
    enum ks_code (*fetch_file)(void *ctx, const char *url, char **path, bool *missing,
                               struct ks_err *err);
};

/*
 * Fetch and import every distro source --source selects: from its public
 * location, or <http_mirror>/native/... when an HTTP mirror is configured
 * (only the sources its native/feeds.txt lists; no index: none).
 * overrides: the config's "distro.<kind>:<label> = URL|off" lines.
 */
enum ks_code ks_vdb_distro_update(struct ks_vdb_build *b, const struct ks_vdb_fetch_ops *ops,
                                  const char *http_mirror, const char *overrides,
                                  const char *const *only, size_t n_only, struct ks_err *err);
/* Import a directory mirror's native/ feeds (the layout of ../shared/data/native). */
enum ks_code ks_vdb_distro_mirror_dir(struct ks_vdb_build *b, const char *root,
                                      const char *const *only, size_t n_only, struct ks_err *err);
/* Does root hold any native/<feed> directory? */
bool ks_vdb_distro_mirror_has(const char *root);
/* The updateinfo location a repomd.xml names (*href, heap). KS_ENOTFOUND when none. */
enum ks_code ks_vdb_repomd_updateinfo(const char *xml, size_t len, const char *name, char **href,
                                      struct ks_err *err);
/* The built-in public sources (for docs and tests); returns how many there are. */
size_t ks_vdb_distro_sources(const char **kinds, const char **labels, const char **urls,
                             size_t max);

/* ------------------------------------------------------------------------ */
/* Small helpers.                                                            */

/* "E:V-R" as RPM feeds state it; "V-R" when the epoch is empty or "0". NULL on OOM. */
char *ks_df_rpm_evr(struct ks_arena *a, const char *epoch, const char *version,
                    const char *release);
/* A severity word in lower case ("Important" -> "important"); NULL stays NULL. */
char *ks_df_lower(struct ks_arena *a, const char *s);
/*
 * Advisory/vulnerability ids in free text ("CVE-2016-10013 XSA-204",
 * "CVE N/A ZBX-11023"): CVE ids, and other ids of the form LETTERS-x[-y...]
 * (XSA-204, GHSA-xxxx-xxxx-xxxx, ALPINE-13661, TALOS-2017-0488) or letters
 * followed by digits (VSV00010). A token that starts with "CVE" but is not
 * a valid CVE id ("CVE-????-?????", "CVE-46838") is reported in *bad (the
 * first one) and skipped. fn gets each id in order; returns how many.
 * Uses PCRE2 (compiled once, thread-safe).
 */
size_t ks_df_extract_ids(struct ks_str text, void (*fn)(void *ctx, struct ks_str id), void *ctx,
                         struct ks_str *bad);
/* Does head contain needle (in its first KS_VDB_SNIFF_BYTES)? */
bool ks_df_has(struct ks_str head, const char *needle);
/* head with leading whitespace and a UTF-8 BOM skipped. */
struct ks_str ks_df_skip_ws(struct ks_str head);
/* Ubuntu codename -> version ("jammy" -> "22.04"); NULL when unknown. */
const char *ks_df_ubuntu_release(struct ks_str codename);
/* Unix seconds (or milliseconds when ms) as RFC 3339; NULL on OOM. */
char *ks_df_unix_time(struct ks_arena *a, int64_t t, bool ms);
/*
 * A feed's date "2023-02-17 20:41", "2021-07-22 03:13:55", "2023-07-04",
 * "2024-01-03T00:00:00+00:00" or RFC 3339 as RFC 3339 UTC ("...Z"); NULL
 * when it is none of these (or on OOM).
 */
char *ks_df_time(struct ks_arena *a, struct ks_str s);

/* ------------------------------------------------------------------------ */
/* Lines of a text feed (Debian's tracker lists, Ubuntu's CVE files).       */

struct ks_df_lines {
    struct ks_vdb_stream *in;
    struct ks_buf buf; /* unread bytes start at pos */
    size_t pos;
    uint64_t lineno; /* of the line last returned */
    bool eof;
};

void ks_df_lines_init(struct ks_df_lines *l, struct ks_vdb_stream *in);
void ks_df_lines_release(struct ks_df_lines *l);
/*
 * The next line, without its "\n" or "\r\n" (borrowed until the next
 * call). KS_ENOTFOUND at the end; KS_ETOOBIG (naming the stream and line)
 * for a line over KS_DF_MAX_LINE bytes; stream errors as they come.
 */
enum ks_code ks_df_lines_next(struct ks_df_lines *l, struct ks_str *line, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* XML (libxml2's streaming xmlTextReader over a feed stream).              */
/* Safe by construction: no network, no DTD loading, no entity             */
/* substitution, no external entities (a loader that refuses them), and a   */
/* document with a DOCTYPE is refused outright — no feed has one.           */

struct ks_xml;

enum ks_xml_node { KS_XML_OTHER, KS_XML_START, KS_XML_END, KS_XML_TEXT };

enum ks_code ks_xml_open(struct ks_vdb_stream *in, struct ks_xml **out, struct ks_err *err);
void ks_xml_free(struct ks_xml *x); /* NULL is a no-op */
/*
 * Advance to the next node. KS_OK with *type set, KS_ENOTFOUND at the end
 * of the document, KS_EPARSE (err names the stream and line) on malformed
 * XML, a DOCTYPE, or I/O errors of the stream.
 */
enum ks_code ks_xml_next(struct ks_xml *x, enum ks_xml_node *type, struct ks_err *err);
const char *ks_xml_name(struct ks_xml *x); /* local name of the current element */
int ks_xml_depth(struct ks_xml *x);
bool ks_xml_empty(struct ks_xml *x); /* <x/>: no END follows */
/* Attribute value of the current element (borrowed until the next call), or NULL. */
const char *ks_xml_attr(struct ks_xml *x, const char *name);
/*
 * The text content of the current element up to its end (entering it),
 * trimmed, into a. KS_ETOOBIG past KS_DF_MAX_TEXT bytes (the element is
 * still consumed, so the caller may warn and go on). After it the reader is
 * on the element's END node (or still on an empty element).
 */
enum ks_code ks_xml_text(struct ks_xml *x, struct ks_arena *a, const char **out,
                         struct ks_err *err);
/* Skip the current element's subtree (no-op on an empty element). */
enum ks_code ks_xml_skip(struct ks_xml *x, struct ks_err *err);
int ks_xml_line(struct ks_xml *x);

/* ------------------------------------------------------------------------ */
/* OVAL definitions (oval.c): the parts the distro importers interpret.     */

struct ks_oval;

enum { KS_OVAL_AND, KS_OVAL_OR, KS_OVAL_ONE, KS_OVAL_XOR };
enum ks_oval_kind { KS_OVAL_CRITERIA, KS_OVAL_CRITERION, KS_OVAL_EXTEND };

/* A criteria tree node; node 0 is the root, children follow their parent. */
struct ks_oval_node {
    enum ks_oval_kind kind;
    int op;               /* KS_OVAL_AND, ... (criteria) */
    bool negate;
    int parent;           /* -1 for the root */
    int first_child, last_child, next_sibling; /* -1: none */
    const char *test_ref; /* criterion: test id; extend_definition: definition id */
    const char *comment;
};

struct ks_oval_ref {
    const char *source, *id, *url;
};

/* <advisory><cve priority=.. cvss3=.. cvss_vector=..>CVE-…</cve> */
struct ks_oval_cve {
    const char *id, *priority, *cvss3, *cvss_vector, *impact, *href;
};

/* Red Hat: <affected><resolution state="Will not fix"><component>… */
struct ks_oval_resolution {
    const char *state;
    const char **components;
    size_t n_components;
};

struct ks_oval_def {
    const char *id, *klass, *title, *description, *severity, *issued, *updated;
    const char *patchable, *advisory_id; /* Mariner */
    const char *product;                 /* Debian's <affected><product> */
    int line;
    const char **platforms;
    size_t n_platforms;
    struct ks_oval_ref *refs;
    size_t n_refs;
    struct ks_oval_cve *cves;
    size_t n_cves;
    struct ks_oval_resolution *resolutions;
    size_t n_resolutions;
    struct ks_oval_node *nodes;
    size_t n_nodes;
};

struct ks_oval_test {
    const char *id, *kind, *comment, *check, *object_ref, *state_ref;
};
struct ks_oval_object {
    const char *id, *name, *var_ref;
};
struct ks_oval_state {
    const char *id, *evr, *evr_op, *version, *version_op, *arch, *sigkey;
};
struct ks_oval_var {
    const char *id;
    const char **values;
    size_t n_values;
};

/*
 * Read a whole OVAL document (streamed; strings kept in one arena).
 * KS_EPARSE names the stream and line for malformed XML or a document that
 * is not OVAL definitions.
 */
enum ks_code ks_oval_read(struct ks_vdb_stream *in, struct ks_oval **out, struct ks_err *err);
void ks_oval_free(struct ks_oval *o);
size_t ks_oval_count(const struct ks_oval *o);
const struct ks_oval_def *ks_oval_def(const struct ks_oval *o, size_t i);
const char *ks_oval_product(const struct ks_oval *o);   /* generator product_name */
const char *ks_oval_timestamp(const struct ks_oval *o); /* generator timestamp */
const struct ks_oval_test *ks_oval_test(const struct ks_oval *o, const char *id);
const struct ks_oval_state *ks_oval_state_of(const struct ks_oval *o,
                                             const struct ks_oval_test *t);
/* The package names a test's object checks: its <name> or its variable's values. */
size_t ks_oval_names(const struct ks_oval *o, const struct ks_oval_test *t,
                     const char *const **names);
/*
 * Call fn for every criterion/extend_definition of d, with ctx: the
 * comments of the criteria that are direct children of the enclosing AND
 * nodes ("Red Hat Enterprise Linux 8 is installed", "Module nodejs:18 is
 * enabled") — they qualify the package tests beside them.
 */
/* The definition's <advisory><cve> list as [{id, priority, cvss3, cvss_vector, impact}] */
/* (the vendor's own scores, kept in database_specific.cves), or NULL when none.       */
json_t *ks_df_oval_cves(const struct ks_oval_def *d);
typedef void (*ks_oval_walk_fn)(void *arg, const struct ks_oval_def *d,
                                const struct ks_oval_node *n, const char **ctx, size_t n_ctx);
void ks_oval_walk(const struct ks_oval_def *d, ks_oval_walk_fn fn, void *arg);

#endif
