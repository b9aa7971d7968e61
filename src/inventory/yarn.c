/*
 * yarn.c: npm packages from yarn.lock. Yarn v1 writes its own format
 * (entries headed by comma-separated specifiers at column 0, indented
 * `key "value"` fields and a `dependencies:` block); yarn berry (v2+)
 * writes YAML with a __metadata entry, read through libyaml. Aliases
 * ("alias@npm:real@^1") name the real package. Berry's workspace entries
 * (`name@workspace:.`) are the project itself; git, file, link, portal and
 * exec resolutions are local code and are left out (git and tarball
 * URLs are kept: the version is their package.json's). Direct and
 * dev come from the package.json beside the lockfile, through the lock's
 * dependency graph.
 */
#include "inventory/lang_int.h"

#include <string.h>

#include "base/banned.h"

#define YARN_MAX_LINE (1u << 20)

/* "name@range" -> name (first '@' after 0), range. */
static bool
split_spec(struct ks_str spec, struct ks_str *name, struct ks_str *range)
{
    for (size_t i = 1; i < spec.len; i++) {
        if (spec.ptr[i] == '@') {
            *name = ks_str_sub(spec, 0, i);
            *range = ks_str_sub(spec, i + 1, spec.len - i - 1);
            return true;
        }
    }
    return false;
}

/* The real package name of a specifier (aliases "a@npm:real@^1" give "real"). */
static struct ks_str
spec_real_name(struct ks_str spec)
{
    struct ks_str name, range, inner_name, inner_range;

    if (!split_spec(spec, &name, &range))
        return KS_STR_NULL;
    if (ks_str_has_prefix(range, "npm:")) {
        struct ks_str inner = ks_str_sub(range, 4, range.len - 4);

        if (split_spec(inner, &inner_name, &inner_range))
            return inner_name;
    }
    return name;
}

static bool
unquote(struct ks_str *s)
{
    *s = ks_str_trim(*s);
    if (s->len >= 2 && s->ptr[0] == '"' && s->ptr[s->len - 1] == '"') {
        *s = ks_str_sub(*s, 1, s->len - 2);
        return true;
    }
    return s->len > 0;
}

/* Roots from the sibling package.json: keys "name@range" and berry's "name@npm:range". */
static enum ks_code
manifest_roots(struct lang_graph *g, const json_t *m)
{
    static const char *const secs[] = {"dependencies", "optionalDependencies", "peerDependencies",
                                       "devDependencies"};
    struct ks_buf k = KS_BUF_INIT(4096);
    enum ks_code rc = KS_OK;

    for (size_t s = 0; s < KS_ARRAY_LEN(secs) && rc == KS_OK; s++) {
        const char *dn;
        json_t *dv;

        json_object_foreach(ks_json_obj(m, secs[s]), dn, dv)
        {
            if (!json_is_string(dv))
                continue;
            for (int form = 0; form < 2 && rc == KS_OK; form++) {
                ks_buf_reset(&k);
                ks_buf_appendf(&k, "%s@%s%s", dn, form ? "npm:" : "", json_string_value(dv));
                if (ks_buf_err(&k) == KS_OK)
                    rc = lang_graph_root(g, ks_buf_str(&k), s == 3);
            }
        }
    }
    ks_buf_release(&k);
    return rc;
}

/* One lock entry: its specifiers, version, resolution, dependencies. */
struct entry {
    struct ks_str specs; /* header line without the ':' */
    struct ks_str version;
    struct ks_str resolution; /* berry */
    struct ks_str range0;     /* the first specifier's range (for protocols) */
    size_t line;
};

static bool
skip_protocol(struct ks_str range)
{
    /* local code; git and tarball URLs are kept (their package.json gave the version) */
    static const char *const skip[] = {"file:", "link:", "portal:", "exec:", "workspace:"};

    for (size_t i = 0; i < KS_ARRAY_LEN(skip); i++)
        if (ks_str_has_prefix(range, skip[i]))
            return true;
    return false;
}

/* Add an entry's package and its specifier nodes to the graph. */
static enum ks_code
add_entry(struct ks_extract_ctx *ctx, struct lang_graph *g, struct entry *e, bool berry,
          struct ks_str *canon_out, struct ks_buf *canon, struct ks_err *err)
{
    struct ks_str rest = e->specs, spec, name = KS_STR_NULL, range = KS_STR_NULL;
    struct ks_pkg *p;
    bool bad = false;
    enum ks_code rc;

    *canon_out = KS_STR_NULL;
    /* the first specifier names the package */
    if (!ks_str_split2(rest, ',', &spec, &rest)) {
        spec = rest;
        rest = KS_STR_NULL;
    }
    unquote(&spec);
    name = spec_real_name(spec);
    {
        struct ks_str n0;

        if (!split_spec(spec, &n0, &range) || name.len == 0) {
            ks_extract_warn(ctx, "%s:%zu: cannot read the entry '%.*s', skipped", ctx->in->path,
                            e->line, (int)KS_MIN(e->specs.len, 200), e->specs.ptr);
            return KS_OK;
        }
    }
    if (berry && e->resolution.len > 0) {
        struct ks_str rn, rr;

        /* "name@npm:1.2.3", "name@workspace:.", "resolve@patch:resolve@npm%3A1.22#..." */
        if (split_spec(e->resolution, &rn, &rr)) {
            if (ks_str_has_prefix(rr, "workspace:"))
                return lang_app(ctx, KS_ECO_NPM,
                                ks_str_eq_c(rr, "workspace:.") ? "npm-project" : "npm-workspace",
                                rn, KS_STR_NULL, err);
            if (skip_protocol(rr))
                return KS_OK;
            name = rn;
        }
    } else if (skip_protocol(range) ||
               (ks_str_has_prefix(range, "npm:") && skip_protocol(ks_str_sub(range, 4, range.len - 4)))) {
        return KS_OK;
    }
    if (e->version.len == 0) {
        ks_extract_warn(ctx, "%s:%zu: entry '%.*s' has no version, skipped", ctx->in->path,
                        e->line, (int)KS_MIN(spec.len, 200), spec.ptr);
        return KS_OK;
    }
    if (!lang_version_ok(e->version))
        return KS_OK;
    p = lang_pkg(ctx, KS_ECO_NPM, name, e->version, &bad);
    if (p == NULL) {
        if (!bad)
            return lang_oom(ctx, err);
        ks_extract_warn(ctx, "%s:%zu: invalid name or version, skipped", ctx->in->path, e->line);
        return KS_OK;
    }
    ks_buf_reset(canon);
    ks_buf_appendf(canon, "\x01%s@%s", p->name, p->version);
    if (ks_buf_err(canon) != KS_OK)
        return lang_oom(ctx, err);
    *canon_out = ks_buf_str(canon);
    if ((rc = lang_graph_node(g, *canon_out, p)) != KS_OK)
        return lang_oom(ctx, err);
    /* every specifier of the header resolves to this entry */
    rest = e->specs;
    while (rest.len > 0) {
        if (!ks_str_split2(rest, ',', &spec, &rest)) {
            spec = rest;
            rest = KS_STR_NULL;
        }
        if (unquote(&spec) && lang_graph_edge(g, spec, *canon_out) != KS_OK)
            return lang_oom(ctx, err);
    }
    return KS_OK;
}

static enum ks_code
dep_edge(struct lang_graph *g, struct ks_str from, struct ks_str name, struct ks_str range,
         struct ks_buf *k)
{
    ks_buf_reset(k);
    ks_buf_append_str(k, name);
    ks_buf_putc(k, '@');
    ks_buf_append_str(k, range);
    if (ks_buf_err(k) != KS_OK || from.len == 0)
        return KS_OK;
    return lang_graph_edge(g, from, ks_buf_str(k));
}

/* ------------------------------------------------------------------------ */

static enum ks_code
yarn_v1(struct ks_extract_ctx *ctx, const struct ks_extract_input *in, struct lang_graph *g,
        struct ks_err *err)
{
    struct ks_cur c = ks_cur_make(in->data.ptr, in->data.len);
    struct ks_str line;
    struct entry e;
    struct ks_buf canon = KS_BUF_INIT(8192), key = KS_BUF_INIT(8192), from = KS_BUF_INIT(8192);
    struct ks_vec deps = KS_VEC_INIT(struct ks_str[2]);
    size_t line_no = 0;
    bool in_entry = false, in_deps = false;
    enum ks_code rc = KS_OK, lr;

    memset(&e, 0, sizeof(e));
    for (;;) {
        size_t indent = 0;

        lr = ks_cur_line(&c, YARN_MAX_LINE, &line);
        if (lr == KS_ETOOBIG) {
            line_no++;
            ks_extract_warn(ctx, "%s:%zu: line longer than %u bytes, skipped", in->path, line_no,
                            YARN_MAX_LINE);
            continue;
        }
        if (lr == KS_OK)
            line_no++;
        while (lr == KS_OK && indent < line.len && line.ptr[indent] == ' ')
            indent++;
        /* an entry ends at the next column-0 line or the end of the file */
        if (in_entry && (lr != KS_OK || (indent == 0 && line.len > 0 && line.ptr[0] != '#'))) {
            struct ks_str cn;

            if ((rc = add_entry(ctx, g, &e, false, &cn, &canon, err)) != KS_OK)
                goto out;
            ks_buf_reset(&from);
            ks_buf_append_str(&from, cn);
            for (size_t i = 0; i < deps.len && from.len > 0; i++) {
                struct ks_str *d = ks_vec_at(&deps, i);

                if (dep_edge(g, ks_buf_str(&from), d[0], d[1], &key) != KS_OK) {
                    rc = lang_oom(ctx, err);
                    goto out;
                }
            }
            deps.len = 0;
            in_entry = in_deps = false;
        }
        if (lr != KS_OK)
            break;
        if (line.len == indent || line.ptr[indent] == '#')
            continue; /* blank (or all spaces) and comment lines */
        if (indent == 0) {
            if (line.ptr[line.len - 1] != ':') {
                ks_extract_warn(ctx, "%s:%zu: expected an entry header, skipped", in->path,
                                line_no);
                continue;
            }
            memset(&e, 0, sizeof(e));
            e.specs = ks_str_sub(line, 0, line.len - 1);
            e.line = line_no;
            in_entry = true;
            continue;
        }
        if (!in_entry)
            continue;
        {
            struct ks_str body = ks_str_sub(line, indent, line.len - indent), k, v;
            ptrdiff_t sp;

            if (indent == 2) {
                in_deps = ks_str_eq_c(body, "dependencies:") ||
                          ks_str_eq_c(body, "optionalDependencies:");
                if (body.len > 0 && body.ptr[body.len - 1] == ':')
                    continue;
            }
            sp = ks_str_find_char(body, ' ');
            if (sp < 0)
                continue;
            k = ks_str_sub(body, 0, (size_t)sp);
            v = ks_str_sub(body, (size_t)sp + 1, body.len - (size_t)sp - 1);
            unquote(&k);
            unquote(&v);
            if (indent == 2 && ks_str_eq_c(k, "version"))
                e.version = v;
            else if (indent == 4 && in_deps) {
                struct ks_str *d = ks_vec_push(&deps);

                if (d == NULL) {
                    rc = lang_oom(ctx, err);
                    goto out;
                }
                d[0] = k;
                d[1] = v;
            }
        }
    }
out:
    ks_vec_release(&deps);
    ks_buf_release(&canon);
    ks_buf_release(&key);
    ks_buf_release(&from);
    return rc;
}

static enum ks_code
yarn_berry(struct ks_extract_ctx *ctx, const struct ks_extract_input *in, struct lang_graph *g,
           bool have_manifest, struct ks_err *err)
{
    json_t *docs = NULL, *doc, *v;
    const char *k;
    struct ks_buf canon = KS_BUF_INIT(8192), key = KS_BUF_INIT(8192);
    enum ks_code rc;
    size_t n = 0;

    if ((rc = lang_yaml(ctx, in, &docs, err)) != KS_OK || docs == NULL)
        return rc;
    doc = json_array_get(docs, 0);
    json_object_foreach(doc, k, v)
    {
        struct entry e;
        struct ks_str cn;
        const char *dn;
        json_t *dv;
        struct ks_buf from = KS_BUF_INIT(8192);

        n++;
        if (strcmp(k, "__metadata") == 0 || !json_is_object(v))
            continue;
        memset(&e, 0, sizeof(e));
        e.specs = ks_str_c(k);
        e.version = lang_jstr(v, "version");
        e.resolution = lang_jstr(v, "resolution");
        e.line = n;
        if ((rc = add_entry(ctx, g, &e, true, &cn, &canon, err)) != KS_OK)
            goto out;
        if (cn.len == 0 && ks_str_has_prefix(ks_str_c(strstr(k, "@workspace:")), "@workspace:.")) {
            if (have_manifest)
                continue;
            /* the root workspace's dependencies are roots when no package.json says more */
            json_object_foreach(ks_json_obj(v, "dependencies"), dn, dv)
            {
                if (json_is_string(dv)) {
                    ks_buf_reset(&key);
                    ks_buf_appendf(&key, "%s@%s", dn, json_string_value(dv));
                    if (ks_buf_err(&key) == KS_OK &&
                        lang_graph_root(g, ks_buf_str(&key), false) != KS_OK)
                        goto oom;
                }
            }
            continue;
        }
        ks_buf_append_str(&from, cn);
        json_object_foreach(ks_json_obj(v, "dependencies"), dn, dv)
        {
            if (json_is_string(dv) && dep_edge(g, ks_buf_str(&from), ks_str_c(dn),
                                               ks_str_c(json_string_value(dv)), &key) != KS_OK) {
                ks_buf_release(&from);
                goto oom;
            }
        }
        ks_buf_release(&from);
    }
    rc = KS_OK;
    goto out;
oom:
    rc = lang_oom(ctx, err);
out:
    ks_buf_release(&canon);
    ks_buf_release(&key);
    json_decref(docs);
    return rc;
}

LANG_EXTRACTOR(yarn_lock)
{
    struct lang_graph *g;
    json_t *manifest = NULL;
    enum ks_code rc;
    bool berry;

    if (lang_in_node_modules(in->path))
        return KS_OK;
    if ((g = lang_graph_new(ctx)) == NULL)
        return lang_oom(ctx, err);
    /* berry's YAML starts with a __metadata entry; v1 never has one */
    berry = false;
    for (size_t i = 0; i + 11 <= KS_MIN(in->data.len, 4096) && !berry; i++)
        berry = memcmp(in->data.ptr + i, "__metadata:", 11) == 0;
    manifest = npm_sibling_manifest(ctx, in->path);
    if (manifest != NULL) {
        if (manifest_roots(g, manifest) != KS_OK) {
            rc = lang_oom(ctx, err);
            goto out;
        }
        if (!berry && (rc = lang_app(ctx, KS_ECO_NPM, "npm-project", lang_jstr(manifest, "name"),
                                     lang_jstr(manifest, "version"), err)) != KS_OK)
            goto out;
    }
    rc = berry ? yarn_berry(ctx, in, g, manifest != NULL, err) : yarn_v1(ctx, in, g, err);
    if (rc == KS_OK)
        rc = lang_graph_emit(g, ctx, err);
out:
    lang_graph_free(g);
    json_decref(manifest);
    return rc;
}
