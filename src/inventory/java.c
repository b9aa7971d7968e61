/*
 * java.c: Maven packages. Archives (*.jar, *.war, *.ear, *.jpi, *.hpi) are
 * opened through the fs view as in-memory archives, nested ones to any
 * depth the fs limits allow (Spring Boot BOOT-INF/lib, WEB-INF/lib, ears'
 * lib/), each identified by, in order: every META-INF/maven/G/A/
 * pom.properties (shaded jars carry several), else MANIFEST.MF's
 * Implementation-/Bundle- fields, else the file name; a package without a
 * known groupId is named by its artifactId alone (meta group=unknown).
 * A bomb or a file that is not a zip is a warning naming the archive path
 * ("outer.war!WEB-INF/lib/x.jar"); the rest of the tree goes on.
 *
 * Manifests: pom.xml (dependencies, versions from ${properties} and
 * dependencyManagement in the same file; the project's own coordinates are
 * an application), read with libxml2 with network access off and entity
 * declarations refused (no XXE, no entity expansion); gradle.lockfile;
 * gradle/verification-metadata.xml.
 */
#include "inventory/lang_int.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "base/banned.h"

#define JAVA_MAX_META   (1 << 20) /* a pom.properties or MANIFEST.MF */
#define JAVA_MAX_POMPROPS 4096    /* pom.properties files in one archive */
#define JAVA_MAX_NESTED 10000     /* nested archives in one archive */

static bool
archive_name(struct ks_str s)
{
    static const char *const exts[] = {".jar", ".war", ".ear", ".jpi", ".hpi"};

    for (size_t i = 0; i < KS_ARRAY_LEN(exts); i++)
        if (s.len > 4 && ks_str_ieq_c(ks_str_sub(s, s.len - 4, 4), exts[i]))
            return true;
    return false;
}

/* ------------------------------------------------------------------------ */
/* Key/value files: pom.properties ("k=v") and MANIFEST.MF ("K: v" + folds). */

static struct ks_str
props_get(struct ks_str data, const char *key)
{
    struct ks_cur c = ks_cur_make(data.ptr, data.len);
    struct ks_str line;
    size_t klen = strlen(key);

    while (ks_cur_line(&c, JAVA_MAX_META, &line) != KS_ENOTFOUND) {
        line = ks_str_trim(line);
        if (line.len == 0 || line.ptr[0] == '#' || line.ptr[0] == '!')
            continue;
        if (line.len > klen && ks_str_eq_c(ks_str_sub(line, 0, klen), key) &&
            (line.ptr[klen] == '=' || line.ptr[klen] == ':' || line.ptr[klen] == ' '))
            return ks_str_trim(ks_str_sub(line, klen + 1, line.len - klen - 1));
    }
    return KS_STR_NULL;
}

/* Manifest main-section attribute, continuation lines joined into buf. */
static struct ks_str
manifest_get(struct ks_str data, const char *key, struct ks_buf *buf)
{
    struct ks_cur c = ks_cur_make(data.ptr, data.len);
    struct ks_str line;
    size_t klen = strlen(key);
    bool in = false;

    ks_buf_reset(buf);
    while (ks_cur_line(&c, JAVA_MAX_META, &line) != KS_ENOTFOUND) {
        if (line.len == 0)
            break; /* end of the main section */
        if (in) {
            if (line.ptr[0] == ' ') {
                ks_buf_append(buf, line.ptr + 1, line.len - 1);
                continue;
            }
            break;
        }
        if (line.len > klen && line.ptr[klen] == ':' &&
            ks_str_ieq_c(ks_str_sub(line, 0, klen), key)) {
            ks_buf_append_str(buf, ks_str_trim(ks_str_sub(line, klen + 1, line.len - klen - 1)));
            in = true;
        }
    }
    if (ks_buf_err(buf) != KS_OK)
        return KS_STR_NULL;
    return ks_str_trim(ks_buf_str(buf));
}

static bool
ident_ok(struct ks_str s)
{
    if (s.len == 0 || s.len > LANG_MAX_NAME)
        return false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_'))
            return false;
    }
    return true;
}

/* "commons-lang3-3.12.0.jar" -> artifact "commons-lang3", version "3.12.0". */
static void
split_filename(struct ks_str base, struct ks_str *artifact, struct ks_str *version)
{
    size_t dot = base.len;

    *artifact = KS_STR_NULL;
    *version = KS_STR_NULL;
    while (dot > 0 && base.ptr[dot - 1] != '.')
        dot--;
    if (dot > 0)
        base = ks_str_sub(base, 0, dot - 1);
    *artifact = base;
    for (size_t i = 0; i + 1 < base.len; i++) {
        if (base.ptr[i] == '-' && base.ptr[i + 1] >= '0' && base.ptr[i + 1] <= '9') {
            *artifact = ks_str_sub(base, 0, i);
            *version = ks_str_sub(base, i + 1, base.len - i - 1);
            return;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* Archives.                                                                */

struct jar_walk {
    struct ks_vec props;  /* char* paths of pom.properties */
    struct ks_vec nested; /* char* paths of nested archives */
    bool has_manifest;
    bool over;
};

static enum ks_fs_visit
jar_walk_cb(void *arg, const struct ks_fs_entry *e)
{
    struct jar_walk *w = arg;
    struct ks_str p = ks_str_make(e->path, e->path_len);
    struct ks_vec *dst = NULL;

    if (e->type != KS_FS_FILE)
        return KS_FS_CONTINUE;
    if (ks_str_eq_c(p, "META-INF/MANIFEST.MF"))
        w->has_manifest = true;
    else if (ks_str_has_prefix(p, "META-INF/maven/") && ks_str_has_suffix(p, "/pom.properties"))
        dst = &w->props;
    else if (archive_name(p))
        dst = &w->nested;
    if (dst != NULL) {
        char **slot;

        if (dst->len >= (dst == &w->props ? JAVA_MAX_POMPROPS : JAVA_MAX_NESTED)) {
            w->over = true;
            return KS_FS_CONTINUE;
        }
        slot = ks_vec_push(dst);
        if (slot == NULL || (*slot = ks_strndup(e->path, e->path_len)) == NULL) {
            w->over = true;
            return KS_FS_STOP;
        }
    }
    return KS_FS_CONTINUE;
}

static void
free_paths(struct ks_vec *v)
{
    for (size_t i = 0; i < v->len; i++)
        ks_free(*(char **)ks_vec_at(v, i));
    ks_vec_release(v);
}

static int
cmp_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

struct jar_ctx {
    struct ks_extract_ctx *ctx;
};

static enum ks_code
jar_emit(struct jar_ctx *jc, const char *path, struct ks_str group, struct ks_str artifact,
         struct ks_str version, const char *how, struct ks_err *err)
{
    struct ks_extract_ctx *ctx = jc->ctx;
    struct ks_arena *a = ks_extract_arena(ctx);
    struct ks_buf name = KS_BUF_INIT(LANG_MAX_NAME * 2 + 2);
    struct ks_pkg *p;
    bool bad = false;
    enum ks_code rc;

    if (group.len > 0)
        ks_buf_appendf(&name, "%.*s:", (int)group.len, group.ptr);
    ks_buf_append_str(&name, artifact);
    if (ks_buf_err(&name) != KS_OK || !lang_version_ok(version)) {
        ks_buf_release(&name);
        ks_extract_warn(ctx, "%s: cannot identify the archive (%s), skipped", path, how);
        return KS_OK;
    }
    p = lang_pkg(ctx, KS_ECO_MAVEN, ks_buf_str(&name), version, &bad);
    ks_buf_release(&name);
    if (p == NULL) {
        if (!bad)
            return lang_oom(ctx, err);
        ks_extract_warn(ctx, "%s: invalid Maven coordinates (%s), skipped", path, how);
        return KS_OK;
    }
    p->path = ks_arena_strdup(a, path);
    if (p->path == NULL || ks_pkg_set_meta(ks_extract_inventory(ctx), p, "identified-by", how))
        return lang_oom(ctx, err);
    if (group.len == 0 && ks_pkg_set_meta(ks_extract_inventory(ctx), p, "group", "unknown"))
        return lang_oom(ctx, err);
    rc = lang_emit(ctx, p, NULL, err);
    return rc;
}

/* Identify one archive from its MANIFEST.MF and file name. */
static enum ks_code
jar_manifest(struct jar_ctx *jc, struct ks_fs *fs, const char *path, bool has_manifest,
             struct ks_err *err)
{
    struct ks_buf mf = KS_BUF_INIT(JAVA_MAX_META), b1 = KS_BUF_INIT(4096),
                  b2 = KS_BUF_INIT(4096), b3 = KS_BUF_INIT(4096);
    struct ks_str base = lang_basename(path), fa, fv, group = KS_STR_NULL, artifact, version;
    struct ks_err e2 = KS_ERR_INIT;
    const char *how = "filename";
    enum ks_code rc = KS_OK;

    /* nested paths name the inner file after the last '!' */
    {
        const char *bang = strrchr(path, '!');

        if (bang != NULL)
            base = lang_basename(bang + 1);
    }
    split_filename(base, &fa, &fv);
    artifact = fa;
    version = fv;
    if (has_manifest && ks_fs_read(fs, "META-INF/MANIFEST.MF", JAVA_MAX_META, &mf, &e2) == KS_OK) {
        struct ks_str data = ks_buf_str(&mf);
        struct ks_str iv = manifest_get(data, "Implementation-Version", &b1);
        struct ks_str bv = iv.len ? KS_STR_NULL : manifest_get(data, "Bundle-Version", &b1);
        struct ks_str vendor = manifest_get(data, "Implementation-Vendor-Id", &b2);
        struct ks_str sym = manifest_get(data, "Bundle-SymbolicName", &b3);
        ptrdiff_t semi = ks_str_find_char(sym, ';');

        if (semi >= 0)
            sym = ks_str_trim(ks_str_sub(sym, 0, (size_t)semi));
        if (iv.len > 0 || bv.len > 0) {
            version = iv.len ? iv : bv;
            how = "manifest";
        }
        if (ident_ok(vendor) && ks_str_find_char(vendor, '.') >= 0) {
            group = vendor;
            how = "manifest";
        } else if (ident_ok(sym) && artifact.len > 0 && sym.len > artifact.len + 1 &&
                   sym.ptr[sym.len - artifact.len - 1] == '.' &&
                   ks_str_eq(ks_str_sub(sym, sym.len - artifact.len, artifact.len), artifact)) {
            /* "com.google.guava.failureaccess" for failureaccess-1.0.1.jar */
            group = ks_str_sub(sym, 0, sym.len - artifact.len - 1);
            how = "manifest";
        } else if (ident_ok(sym) && artifact.len == 0) {
            artifact = sym;
        }
        if (artifact.len == 0) {
            struct ks_str title = manifest_get(data, "Implementation-Title", &b2);

            if (ident_ok(title))
                artifact = title;
        }
    }
    if (artifact.len == 0 || version.len == 0) {
        ks_extract_warn(jc->ctx, "%s: no pom.properties, and the manifest and file name do not "
                                 "name a version, skipped",
                        path);
        goto out;
    }
    rc = jar_emit(jc, path, group, artifact, version, how, err);
out:
    ks_buf_release(&mf);
    ks_buf_release(&b1);
    ks_buf_release(&b2);
    ks_buf_release(&b3);
    return rc;
}

static enum ks_code jar_fs(struct jar_ctx *jc, struct ks_fs *fs, const char *path,
                           struct ks_err *err);

/* Read everything an archive holds: pom.properties, manifest, nested archives. */
static enum ks_code
jar_fs(struct jar_ctx *jc, struct ks_fs *fs, const char *path, struct ks_err *err)
{
    struct ks_extract_ctx *ctx = jc->ctx;
    struct jar_walk w;
    struct ks_err e2 = KS_ERR_INIT;
    enum ks_code rc = KS_OK;
    size_t identified = 0;
    const char **want = NULL;

    memset(&w, 0, sizeof(w));
    ks_vec_init(&w.props, sizeof(char *));
    ks_vec_init(&w.nested, sizeof(char *));
    if ((rc = ks_fs_walk(fs, jar_walk_cb, &w, &e2)) != KS_OK) {
        rc = rc == KS_ENOMEM ? ks_err_set(err, rc, "%s", e2.msg) : KS_OK;
        if (rc == KS_OK)
            ks_extract_warn(ctx, "%s: %s", path, e2.msg);
        goto out;
    }
    if (w.over)
        ks_extract_warn(ctx, "%s: too many entries of interest, some not read", path);
    ks_vec_sort(&w.props, cmp_path);
    ks_vec_sort(&w.nested, cmp_path);
    /* one pass over the archive for all the small files */
    want = ks_calloc(w.props.len + 2, sizeof(*want));
    if (want == NULL)
        goto oom;
    for (size_t i = 0; i < w.props.len; i++)
        want[i] = *(char **)ks_vec_at(&w.props, i);
    want[w.props.len] = "META-INF/MANIFEST.MF";
    if ((rc = ks_fs_prefetch(fs, want, w.props.len + 1, &e2)) != KS_OK) {
        if (rc == KS_ENOMEM)
            goto oom;
        rc = KS_OK;
    }
    for (size_t i = 0; i < w.props.len; i++) {
        const char *pp = *(char **)ks_vec_at(&w.props, i);
        struct ks_buf b = KS_BUF_INIT(JAVA_MAX_META);
        struct ks_str g, a, v;

        rc = ks_fs_read(fs, pp, JAVA_MAX_META, &b, &e2);
        if (rc == KS_ENOMEM) {
            ks_buf_release(&b);
            goto oom;
        }
        if (rc != KS_OK) {
            ks_extract_warn(ctx, "%s!%s: %s", path, pp, e2.msg);
            ks_buf_release(&b);
            rc = KS_OK;
            continue;
        }
        g = props_get(ks_buf_str(&b), "groupId");
        a = props_get(ks_buf_str(&b), "artifactId");
        v = props_get(ks_buf_str(&b), "version");
        if (g.len == 0 || a.len == 0 || v.len == 0) {
            ks_extract_warn(ctx, "%s!%s: groupId, artifactId or version missing", path, pp);
        } else if ((rc = jar_emit(jc, path, g, a, v, "pom.properties", err)) != KS_OK) {
            ks_buf_release(&b);
            goto out;
        } else {
            identified++;
        }
        ks_buf_release(&b);
    }
    if (identified == 0 && (rc = jar_manifest(jc, fs, path, w.has_manifest, err)) != KS_OK)
        goto out;
    for (size_t i = 0; i < w.nested.len; i++) {
        const char *np = *(char **)ks_vec_at(&w.nested, i);
        struct ks_buf inner = KS_BUF_INIT(KS_FS_MAX_PATH * 4);
        struct ks_fs *child = NULL;

        ks_buf_appendf(&inner, "%s!%s", path, np);
        if (ks_buf_err(&inner) != KS_OK) {
            ks_buf_release(&inner);
            continue;
        }
        rc = ks_fs_open_nested(fs, np, &child, &e2);
        if (rc == KS_ENOMEM) {
            ks_buf_release(&inner);
            goto oom;
        }
        if (rc != KS_OK) {
            ks_extract_warn(ctx, "%s: %s", inner.data, e2.msg);
            rc = KS_OK;
        } else {
            rc = jar_fs(jc, child, inner.data, err);
        }
        ks_fs_free(child);
        ks_buf_release(&inner);
        if (rc != KS_OK)
            goto out;
    }
    rc = KS_OK;
    goto out;
oom:
    rc = lang_oom(ctx, err);
out:
    ks_free(want);
    free_paths(&w.props);
    free_paths(&w.nested);
    return rc;
}

LANG_EXTRACTOR(java_archive)
{
    struct ks_fs *fs = NULL;
    struct ks_err e2 = KS_ERR_INIT;
    struct jar_ctx jc = {ctx};
    enum ks_code rc;

    rc = ks_fs_open_archive_mem(ks_extract_fs(ctx), in->path, in->data.ptr, in->data.len, &fs,
                                &e2);
    if (rc == KS_ENOMEM)
        return ks_err_set(err, rc, "%s", e2.msg);
    if (rc != KS_OK) {
        ks_extract_warn(ctx, "%s", e2.msg);
        return KS_OK;
    }
    rc = jar_fs(&jc, fs, in->path, err);
    ks_fs_free(fs);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* XML (pom.xml, verification-metadata.xml) through libxml2, safely.        */

/*
 * Parse without the network, without loading external DTDs and without
 * substituting entities; a document that declares entities is refused
 * outright (no pom needs them; they are the XXE and billion-laughs vectors).
 */
static xmlDocPtr
xml_read(struct ks_extract_ctx *ctx, const struct ks_extract_input *in)
{
    xmlDocPtr doc;

    if (in->data.len > INT32_MAX) {
        ks_extract_warn(ctx, "%s: too large for the XML parser", in->path);
        return NULL;
    }
    doc = xmlReadMemory(in->data.ptr ? in->data.ptr : "", (int)in->data.len, NULL, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                            XML_PARSE_NOCDATA);
    if (doc == NULL) {
        const xmlError *e = xmlGetLastError();
        struct ks_str m = ks_str_trim(ks_str_c(e && e->message ? e->message : "unreadable"));

        ks_extract_warn(ctx, "%s:%d: invalid XML: %.*s", in->path, e ? e->line : 0,
                        (int)KS_MIN(m.len, 300), m.ptr);
        return NULL;
    }
    if (doc->intSubset != NULL || doc->extSubset != NULL) {
        ks_extract_warn(ctx, "%s: XML with a DOCTYPE is not read (entities are refused)", in->path);
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

static xmlNodePtr
child(xmlNodePtr n, const char *name)
{
    for (xmlNodePtr c = n ? n->children : NULL; c != NULL; c = c->next)
        if (c->type == XML_ELEMENT_NODE && strcmp((const char *)c->name, name) == 0)
            return c;
    return NULL;
}

/* Text of an element (its text and CDATA children only; never entity references). */
static struct ks_str
text_of(xmlNodePtr n, struct ks_buf *b)
{
    ks_buf_reset(b);
    for (xmlNodePtr c = n ? n->children : NULL; c != NULL; c = c->next)
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
            ks_buf_appends(b, (const char *)c->content);
    return ks_buf_err(b) == KS_OK ? ks_str_trim(ks_buf_str(b)) : KS_STR_NULL;
}

/* ------------------------------------------------------------------------ */
/* pom.xml                                                                  */

#define POM_MAX_INTERP 10

struct pom {
    struct ks_map *props; /* name -> char* (heap) */
    struct ks_map *managed; /* "g:a" -> char* version (heap) */
};

static void
map_free_values(struct ks_map *m)
{
    size_t pos = 0;
    struct ks_str k;
    void *v;

    while (m && ks_map_next(m, &pos, &k, &v))
        ks_free(v);
    ks_map_free(m);
}

static enum ks_code
put_str(struct ks_map *m, struct ks_str key, struct ks_str val)
{
    char *copy = ks_strndup(val.ptr ? val.ptr : "", val.len), *old = NULL;

    if (copy == NULL)
        return KS_ENOMEM;
    if (ks_map_put(m, key, copy, (void **)&old) != KS_OK) {
        ks_free(copy);
        return KS_ENOMEM;
    }
    ks_free(old);
    return KS_OK;
}

/* Replace ${name} from the properties; false when something stays unresolved. */
static bool
interpolate(const struct pom *pom, struct ks_str in, struct ks_buf *out)
{
    struct ks_buf cur = KS_BUF_INIT(4096), next = KS_BUF_INIT(4096);
    bool ok = true;

    ks_buf_append_str(&cur, in);
    for (int round = 0; round < POM_MAX_INTERP; round++) {
        bool changed = false;
        struct ks_str s = ks_buf_str(&cur);

        ks_buf_reset(&next);
        for (size_t i = 0; i < s.len; i++) {
            if (s.ptr[i] == '$' && i + 1 < s.len && s.ptr[i + 1] == '{') {
                struct ks_str rest = ks_str_sub(s, i + 2, s.len - i - 2);
                ptrdiff_t close = ks_str_find_char(rest, '}');
                const char *v;

                if (close < 0) {
                    ok = false;
                    break;
                }
                v = ks_map_get(pom->props, ks_str_sub(rest, 0, (size_t)close));
                if (v == NULL) {
                    ok = false;
                    ks_buf_append(&next, s.ptr + i, (size_t)close + 3);
                } else {
                    ks_buf_appends(&next, v);
                    changed = true;
                }
                i += (size_t)close + 2;
                continue;
            }
            ks_buf_putc(&next, s.ptr[i]);
        }
        ks_buf_reset(&cur);
        ks_buf_append(&cur, next.data, next.len);
        if (!changed || !ok)
            break;
    }
    if (ks_str_find_char(ks_buf_str(&cur), '$') >= 0)
        ok = false;
    ks_buf_reset(out);
    ks_buf_append(out, cur.data, cur.len);
    ks_buf_release(&cur);
    ks_buf_release(&next);
    return ok && ks_buf_err(out) == KS_OK;
}

static enum ks_code
pom_props(struct pom *pom, xmlNodePtr project, struct ks_buf *t)
{
    xmlNodePtr parent = child(project, "parent"), props = child(project, "properties");
    static const char *const coords[] = {"groupId", "artifactId", "version"};

    for (size_t i = 0; i < 3; i++) {
        char k[64];
        struct ks_str v = text_of(child(project, coords[i]), t);

        if (v.len == 0 && i != 1)
            v = text_of(child(parent, coords[i]), t);
        snprintf(k, sizeof(k), "project.%s", coords[i]);
        if (v.len > 0 && put_str(pom->props, ks_str_c(k), v) != KS_OK)
            return KS_ENOMEM;
        snprintf(k, sizeof(k), "pom.%s", coords[i]);
        if (v.len > 0 && put_str(pom->props, ks_str_c(k), v) != KS_OK)
            return KS_ENOMEM;
        v = text_of(child(parent, coords[i]), t);
        snprintf(k, sizeof(k), "project.parent.%s", coords[i]);
        if (v.len > 0 && put_str(pom->props, ks_str_c(k), v) != KS_OK)
            return KS_ENOMEM;
    }
    for (xmlNodePtr c = props ? props->children : NULL; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (put_str(pom->props, ks_str_c((const char *)c->name), text_of(c, t)) != KS_OK)
            return KS_ENOMEM;
    }
    return KS_OK;
}

static enum ks_code
pom_managed(struct pom *pom, xmlNodePtr project, struct ks_buf *t)
{
    xmlNodePtr deps = child(child(project, "dependencyManagement"), "dependencies");
    struct ks_buf key = KS_BUF_INIT(4096), g = KS_BUF_INIT(4096), a = KS_BUF_INIT(4096),
                  v = KS_BUF_INIT(4096);
    enum ks_code rc = KS_OK;

    for (xmlNodePtr d = deps ? deps->children : NULL; d != NULL && rc == KS_OK; d = d->next) {
        if (d->type != XML_ELEMENT_NODE || strcmp((const char *)d->name, "dependency") != 0)
            continue;
        interpolate(pom, text_of(child(d, "groupId"), t), &g);
        interpolate(pom, text_of(child(d, "artifactId"), t), &a);
        if (!interpolate(pom, text_of(child(d, "version"), t), &v) || v.len == 0)
            continue;
        ks_buf_reset(&key);
        ks_buf_appendf(&key, "%s:%s", g.data, a.data);
        if (ks_buf_err(&key) == KS_OK)
            rc = put_str(pom->managed, ks_buf_str(&key), ks_buf_str(&v));
    }
    ks_buf_release(&key);
    ks_buf_release(&g);
    ks_buf_release(&a);
    ks_buf_release(&v);
    return rc;
}

LANG_EXTRACTOR(maven_pom)
{
    xmlDocPtr doc = xml_read(ctx, in);
    xmlNodePtr project, deps;
    struct pom pom = {NULL, NULL};
    struct ks_buf t = KS_BUF_INIT(1 << 20), g = KS_BUF_INIT(4096), a = KS_BUF_INIT(4096),
                  v = KS_BUF_INIT(4096), name = KS_BUF_INIT(8192), key = KS_BUF_INIT(8192),
                  rawb = KS_BUF_INIT(4096);
    enum ks_code rc = KS_OK;

    if (doc == NULL)
        return KS_OK;
    project = xmlDocGetRootElement(doc);
    if (project == NULL || strcmp((const char *)project->name, "project") != 0) {
        ks_extract_warn(ctx, "%s: not a Maven POM (no <project>), skipped", in->path);
        goto out;
    }
    pom.props = ks_map_new();
    pom.managed = ks_map_new();
    if (pom.props == NULL || pom.managed == NULL || pom_props(&pom, project, &t) != KS_OK ||
        pom_managed(&pom, project, &t) != KS_OK)
        goto oom;
    /* the project's own coordinates */
    {
        const char *pg = ks_map_get(pom.props, KS_STR("project.groupId"));
        const char *pa = ks_map_get(pom.props, KS_STR("project.artifactId"));
        const char *pv = ks_map_get(pom.props, KS_STR("project.version"));

        if (pa != NULL) {
            ks_buf_reset(&name);
            ks_buf_appendf(&name, "%s%s%s", pg ? pg : "", pg ? ":" : "", pa);
            interpolate(&pom, ks_str_c(pv), &v);
            if (ks_buf_err(&name) == KS_OK &&
                (rc = lang_app(ctx, KS_ECO_MAVEN, "maven-project", ks_buf_str(&name),
                               ks_buf_str(&v), err)) != KS_OK)
                goto out;
        }
    }
    deps = child(project, "dependencies");
    for (xmlNodePtr d = deps ? deps->children : NULL; d != NULL; d = d->next) {
        struct ks_str scope, raw;
        unsigned flags = KS_PKG_DIRECT;
        struct ks_pkg *p = NULL;
        bool resolved;

        if (d->type != XML_ELEMENT_NODE || strcmp((const char *)d->name, "dependency") != 0)
            continue;
        if (!interpolate(&pom, text_of(child(d, "groupId"), &t), &g) ||
            !interpolate(&pom, text_of(child(d, "artifactId"), &t), &a) || g.len == 0 ||
            a.len == 0) {
            ks_extract_warn(ctx, "%s:%ld: dependency without resolvable groupId/artifactId, "
                                 "skipped",
                            in->path, (long)xmlGetLineNo(d));
            continue;
        }
        ks_buf_reset(&name);
        ks_buf_appendf(&name, "%s:%s", g.data, a.data);
        raw = text_of(child(d, "version"), &rawb);
        if (raw.len == 0) {
            const char *mv = ks_map_get(pom.managed, ks_buf_str(&name));

            raw = ks_str_c(mv);
        }
        resolved = raw.len > 0 && interpolate(&pom, raw, &v) && v.len > 0 &&
                   v.data[0] != '[' && v.data[0] != '(' && lang_version_ok(ks_buf_str(&v));
        scope = text_of(child(d, "scope"), &key);
        if (ks_str_eq_c(scope, "test"))
            flags |= KS_PKG_DEV;
        if (ks_str_eq_c(text_of(child(d, "optional"), &t), "true"))
            flags |= KS_PKG_OPTIONAL;
        if (ks_str_eq_c(scope, "import"))
            continue; /* a BOM, not a dependency */
        if (ks_buf_err(&name) != KS_OK)
            continue;
        if (resolved)
            rc = lang_add(ctx, KS_ECO_MAVEN, ks_buf_str(&name), ks_buf_str(&v), flags,
                          "dependency", &p, err);
        else
            rc = lang_add_unresolved(ctx, KS_ECO_MAVEN, ks_buf_str(&name),
                                     raw.len ? (interpolate(&pom, raw, &v), ks_buf_str(&v))
                                             : KS_STR_NULL,
                                     flags, &p, err);
        if (rc != KS_OK)
            goto out;
        if (p != NULL && scope.len > 0 && !ks_str_eq_c(scope, "compile")) {
            char *sv = ks_arena_strdup_str(ks_extract_arena(ctx), scope);

            if (sv == NULL || ks_pkg_set_meta(ks_extract_inventory(ctx), p, "scope", sv) != KS_OK)
                goto oom;
        }
    }
    rc = KS_OK;
    goto out;
oom:
    rc = lang_oom(ctx, err);
out:
    map_free_values(pom.props);
    map_free_values(pom.managed);
    ks_buf_release(&t);
    ks_buf_release(&g);
    ks_buf_release(&a);
    ks_buf_release(&v);
    ks_buf_release(&name);
    ks_buf_release(&key);
    ks_buf_release(&rawb);
    xmlFreeDoc(doc);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* gradle.lockfile: "group:artifact:version=conf1,conf2".                   */

LANG_EXTRACTOR(gradle_lock)
{
    struct ks_cur c = ks_cur_make(in->data.ptr, in->data.len);
    struct ks_str line;
    size_t line_no = 0;
    enum ks_code rc, lr;

    while ((lr = ks_cur_line(&c, 1 << 20, &line)) != KS_ENOTFOUND) {
        struct ks_str coords, confs, g, rest, a, v;
        unsigned flags = 0;
        char where[32];

        line_no++;
        if (lr == KS_ETOOBIG) {
            ks_extract_warn(ctx, "%s:%zu: line too long, skipped", in->path, line_no);
            continue;
        }
        line = ks_str_trim(line);
        if (line.len == 0 || line.ptr[0] == '#' || ks_str_has_prefix(line, "empty="))
            continue;
        if (!ks_str_split2(line, '=', &coords, &confs))
            coords = line, confs = KS_STR_NULL;
        if (!ks_str_split2(coords, ':', &g, &rest) || !ks_str_split2(rest, ':', &a, &v) ||
            g.len == 0 || a.len == 0 || v.len == 0 || ks_str_find_char(v, ':') >= 0) {
            ks_extract_warn(ctx, "%s:%zu: not group:artifact:version, skipped", in->path,
                            line_no);
            continue;
        }
        /* dev when every configuration is a test one */
        if (confs.len > 0) {
            struct ks_str r = confs, cf;
            bool all_test = true;

            while (r.len > 0) {
                if (!ks_str_split2(r, ',', &cf, &r)) {
                    cf = r;
                    r = KS_STR_NULL;
                }
                if (!ks_str_has_prefix(ks_str_trim(cf), "test"))
                    all_test = false;
            }
            if (all_test)
                flags |= KS_PKG_DEV;
        }
        snprintf(where, sizeof(where), "line %zu", line_no);
        {
            struct ks_str name = ks_str_make(g.ptr, (size_t)(a.ptr + a.len - g.ptr));

            if ((rc = lang_add(ctx, KS_ECO_MAVEN, name, v, flags, where, NULL, err)) != KS_OK)
                return rc;
        }
    }
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* gradle/verification-metadata.xml                                         */

LANG_EXTRACTOR(gradle_verification)
{
    xmlDocPtr doc = xml_read(ctx, in);
    xmlNodePtr root, comps;
    struct ks_buf name = KS_BUF_INIT(8192);
    enum ks_code rc = KS_OK;

    if (doc == NULL)
        return KS_OK;
    root = xmlDocGetRootElement(doc);
    if (root == NULL || strcmp((const char *)root->name, "verification-metadata") != 0) {
        ks_extract_warn(ctx, "%s: not a Gradle verification-metadata file, skipped", in->path);
        goto out;
    }
    comps = child(root, "components");
    for (xmlNodePtr c = comps ? comps->children : NULL; c != NULL; c = c->next) {
        xmlChar *g, *n, *v;
        char where[48];

        if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, "component") != 0)
            continue;
        g = xmlGetProp(c, (const xmlChar *)"group");
        n = xmlGetProp(c, (const xmlChar *)"name");
        v = xmlGetProp(c, (const xmlChar *)"version");
        snprintf(where, sizeof(where), "line %ld", (long)xmlGetLineNo(c));
        if (g == NULL || n == NULL || v == NULL) {
            ks_extract_warn(ctx, "%s:%ld: component without group, name or version, skipped",
                            in->path, (long)xmlGetLineNo(c));
        } else {
            ks_buf_reset(&name);
            ks_buf_appendf(&name, "%s:%s", (const char *)g, (const char *)n);
            if (ks_buf_err(&name) == KS_OK)
                rc = lang_add(ctx, KS_ECO_MAVEN, ks_buf_str(&name), ks_str_c((const char *)v),
                              0, where, NULL, err);
        }
        xmlFree(g);
        xmlFree(n);
        xmlFree(v);
        if (rc != KS_OK)
            break;
    }
out:
    ks_buf_release(&name);
    xmlFreeDoc(doc);
    return rc;
}
