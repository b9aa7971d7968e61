/*
 * python.c: PyPI packages. Installed distributions from the core metadata
 * of *.dist-info/METADATA, *.egg-info/PKG-INFO, EGG-INFO/PKG-INFO and
 * single-file *.egg-info (anywhere: site-packages, dist-packages, vendored
 * copies such as setuptools/_vendor keep their own path); lockfiles
 * (Pipfile.lock, poetry.lock, pdm.lock, uv.lock, pylock.toml); and
 * requirements*.txt, where only `name==version` pins are versions: any
 * other specifier is kept as an unresolved requirement (version "", flag
 * unresolved, meta constraint), never a guessed version. pyproject.toml
 * names the project itself (an application) and, for poetry.lock and
 * uv.lock, which dependencies are direct. Names are PEP 503 normalised.
 */
#include "inventory/lang_int.h"

#include <string.h>

#include "base/banned.h"

#define PY_MAX_HEADER  (64 * 1024)
#define PY_MAX_LINE    (1u << 20)
#define PY_MAX_INCLUDE 16 /* -r nesting */

/* ------------------------------------------------------------------------ */
/* Core metadata (RFC 822 headers up to the first empty line).             */

static void
header_field(struct ks_str data, const char *key, struct ks_str *out)
{
    struct ks_cur c = ks_cur_make(data.ptr, data.len);
    struct ks_str line;
    size_t klen = strlen(key);

    *out = KS_STR_NULL;
    while (ks_cur_line(&c, PY_MAX_HEADER, &line) != KS_ENOTFOUND) {
        if (line.len == 0)
            break; /* the body starts */
        if (line.len > klen && line.ptr[klen] == ':' &&
            ks_str_ieq_c(ks_str_sub(line, 0, klen), key)) {
            *out = ks_str_trim(ks_str_sub(line, klen + 1, line.len - klen - 1));
            return;
        }
    }
}

LANG_EXTRACTOR(python_installed)
{
    struct ks_str name, version, lic;
    struct ks_pkg *p, *added = NULL;
    bool bad = false;
    struct ks_str base = lang_basename(in->path);
    enum ks_code rc;

    /* egg-info written as a directory is read through its PKG-INFO */
    header_field(in->data, "Name", &name);
    header_field(in->data, "Version", &version);
    if (name.len == 0 || version.len == 0) {
        /* An empty file (a namespace marker) is not a distribution. */
        if (in->data.len > 0)
            ks_extract_warn(ctx, "%s: no %s header in the package metadata, skipped", in->path,
                            name.len == 0 ? "Name" : "Version");
        return KS_OK;
    }
    (void)base;
    p = lang_pkg(ctx, KS_ECO_PYPI, name, version, &bad);
    if (p == NULL) {
        if (!bad)
            return lang_oom(ctx, err);
        ks_extract_warn(ctx, "%s: invalid Name or Version header, skipped", in->path);
        return KS_OK;
    }
    header_field(in->data, "License", &lic);
    if (lic.len > 0 && lic.len < 200 && (p->license = ks_arena_strdup_str(ks_extract_arena(ctx),
                                                                          lic)) == NULL)
        return lang_oom(ctx, err);
    if ((rc = lang_emit(ctx, p, &added, err)) != KS_OK)
        return rc;
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* requirements.txt                                                         */

struct req_state {
    struct ks_extract_ctx *ctx;
    const char *visited[PY_MAX_INCLUDE + 1];
    size_t depth;
};

static bool
name_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.';
}

/* Strip a trailing " # comment" (a '#' at the start or after whitespace). */
static struct ks_str
strip_comment(struct ks_str s)
{
    for (size_t i = 0; i < s.len; i++)
        if (s.ptr[i] == '#' && (i == 0 || s.ptr[i - 1] == ' ' || s.ptr[i - 1] == '\t'))
            return ks_str_trim(ks_str_sub(s, 0, i));
    return ks_str_trim(s);
}

/* Cut per-requirement options (" --hash=...", " --config-settings ...", " -C ..."). */
static struct ks_str
strip_options(struct ks_str s)
{
    for (size_t i = 1; i + 1 < s.len; i++)
        if ((s.ptr[i - 1] == ' ' || s.ptr[i - 1] == '\t') && s.ptr[i] == '-' &&
            (s.ptr[i + 1] == '-' || (s.ptr[i + 1] == 'C' && (i + 2 == s.len || s.ptr[i + 2] == ' ' ||
                                                            s.ptr[i + 2] == '='))))
            return ks_str_trim(ks_str_sub(s, 0, i));
    return s;
}

/* A PEP 440 public or local version's characters. */
static bool
pep440_chars(struct ks_str v)
{
    for (size_t i = 0; i < v.len; i++) {
        char c = v.ptr[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '.' || c == '!' || c == '+' || c == '-' || c == '_'))
            return false;
    }
    return v.len > 0;
}

static enum ks_code req_file(struct req_state *st, const char *path, struct ks_str data,
                             struct ks_err *err);

/* -r FILE: read it through the fs view, relative to the including file. */
static enum ks_code
req_include(struct req_state *st, const char *from, struct ks_str ref, size_t line_no,
            struct ks_err *err)
{
    struct ks_extract_ctx *ctx = st->ctx;
    struct ks_buf joined = KS_BUF_INIT(KS_FS_MAX_PATH * 2), clean = KS_BUF_INIT(KS_FS_MAX_PATH);
    struct ks_buf data = KS_BUF_INIT(LANG_MAX_LOCKFILE);
    struct ks_str dir = lang_dirname(from);
    struct ks_err e2 = KS_ERR_INIT;
    enum ks_code rc = KS_OK;
    char *path = NULL;

    if (ks_str_has_prefix(ref, "http://") || ks_str_has_prefix(ref, "https://")) {
        ks_extract_warn(ctx, "%s:%zu: remote include '%.*s' not followed", from, line_no,
                        (int)KS_MIN(ref.len, 200), ref.ptr);
        goto out;
    }
    if (ref.len > 0 && ref.ptr[0] == '/')
        ks_buf_append_str(&joined, ref); /* absolute: inside the root */
    else {
        ks_buf_append_str(&joined, dir);
        ks_buf_putc(&joined, '/');
        ks_buf_append_str(&joined, ref);
    }
    if (ks_buf_err(&joined) != KS_OK || !ks_fs_path_clean(ks_buf_str(&joined), &clean)) {
        ks_extract_warn(ctx, "%s:%zu: include '%.*s' leaves the root, not followed", from, line_no,
                        (int)KS_MIN(ref.len, 200), ref.ptr);
        goto out;
    }
    for (size_t i = 0; i < st->depth; i++)
        if (strcmp(st->visited[i], clean.data) == 0)
            goto out; /* a loop: already being read */
    if (st->depth >= PY_MAX_INCLUDE) {
        ks_extract_warn(ctx, "%s:%zu: includes nested deeper than %d, '%s' not read", from,
                        line_no, PY_MAX_INCLUDE, clean.data);
        goto out;
    }
    rc = ks_extract_read(ctx, clean.data, LANG_MAX_LOCKFILE, &data, &e2);
    if (rc == KS_ENOMEM) {
        rc = ks_err_set(err, rc, "%s", e2.msg);
        goto out;
    }
    if (rc != KS_OK) {
        ks_extract_warn(ctx, "%s:%zu: cannot read the included '%s': %s", from, line_no,
                        clean.data, e2.msg);
        rc = KS_OK;
        goto out;
    }
    path = ks_arena_strndup(ks_extract_arena(ctx), clean.data, clean.len);
    if (path == NULL) {
        rc = lang_oom(ctx, err);
        goto out;
    }
    rc = req_file(st, path, ks_buf_str(&data), err);
out:
    ks_buf_release(&joined);
    ks_buf_release(&clean);
    ks_buf_release(&data);
    return rc;
}

/* One requirement line (joined, comment and options cut). */
static enum ks_code
req_line(struct req_state *st, const char *path, size_t line_no, struct ks_str s,
         struct ks_err *err)
{
    struct ks_extract_ctx *ctx = st->ctx;
    struct ks_str name, spec, markers = KS_STR_NULL;
    size_t i = 0;
    ptrdiff_t semi;
    struct ks_pkg *p = NULL;
    enum ks_code rc;

    if (s.len > 0 && s.ptr[0] == '-') {
        /* options: -r/--requirement include; everything else is pip config */
        struct ks_str opt = s, arg = KS_STR_NULL;
        size_t k = 0;

        while (k < s.len && s.ptr[k] != ' ' && s.ptr[k] != '\t' && s.ptr[k] != '=')
            k++;
        opt = ks_str_sub(s, 0, k);
        arg = ks_str_trim(ks_str_sub(s, k < s.len ? k + 1 : k, k < s.len ? s.len - k - 1 : 0));
        if (opt.len > 2 && opt.ptr[1] == 'r' && (ks_str_eq_c(ks_str_sub(opt, 0, 2), "-r"))) {
            arg = ks_str_trim(ks_str_sub(s, 2, s.len - 2)); /* "-rfile" */
            opt = KS_STR("-r");
        }
        if (ks_str_eq_c(opt, "-r") || ks_str_eq_c(opt, "--requirement"))
            return req_include(st, path, arg, line_no, err);
        return KS_OK; /* -c constraints, -e editables, -i/--index-url, ... */
    }
    if (ks_str_has_prefix(s, "http://") || ks_str_has_prefix(s, "https://") ||
        ks_str_has_prefix(s, "git+") || ks_str_has_prefix(s, "./") ||
        ks_str_has_prefix(s, "../") || s.ptr[0] == '/') {
        ks_extract_warn(ctx, "%s:%zu: direct reference '%.*s' has no name, skipped", path,
                        line_no, (int)KS_MIN(s.len, 200), s.ptr);
        return KS_OK;
    }
    /* PEP 508: name [extras] (specifiers | @ url) [; markers] */
    semi = ks_str_find_char(s, ';');
    if (semi >= 0) {
        markers = ks_str_trim(ks_str_sub(s, (size_t)semi + 1, s.len - (size_t)semi - 1));
        s = ks_str_trim(ks_str_sub(s, 0, (size_t)semi));
    }
    while (i < s.len && name_char(s.ptr[i]))
        i++;
    name = ks_str_sub(s, 0, i);
    if (name.len == 0 || !((name.ptr[0] >= 'A' && name.ptr[0] <= 'Z') ||
                           (name.ptr[0] >= 'a' && name.ptr[0] <= 'z') ||
                           (name.ptr[0] >= '0' && name.ptr[0] <= '9'))) {
        ks_extract_warn(ctx, "%s:%zu: cannot read the requirement '%.*s', skipped", path, line_no,
                        (int)KS_MIN(s.len, 200), s.ptr);
        return KS_OK;
    }
    spec = ks_str_trim(ks_str_sub(s, i, s.len - i));
    if (spec.len > 0 && spec.ptr[0] == '[') {
        ptrdiff_t close = ks_str_find_char(spec, ']');

        if (close < 0) {
            ks_extract_warn(ctx, "%s:%zu: unterminated extras in '%.*s', skipped", path, line_no,
                            (int)KS_MIN(s.len, 200), s.ptr);
            return KS_OK;
        }
        spec = ks_str_trim(ks_str_sub(spec, (size_t)close + 1, spec.len - (size_t)close - 1));
    }
    if (spec.len >= 2 && spec.ptr[0] == '(' && spec.ptr[spec.len - 1] == ')')
        spec = ks_str_trim(ks_str_sub(spec, 1, spec.len - 2));
    if (spec.len > 0 && strchr("=!<>~@", spec.ptr[0]) == NULL) {
        ks_extract_warn(ctx, "%s:%zu: cannot read the requirement '%.*s', skipped", path, line_no,
                        (int)KS_MIN(s.len, 200), s.ptr);
        return KS_OK;
    }
    /* Pinned: one clause "==V" (or "===V") without a wildcard or variable. */
    if (ks_str_has_prefix(spec, "==") && ks_str_find_char(spec, ',') < 0) {
        struct ks_str v = spec;

        v = ks_str_sub(v, 2, v.len - 2);
        if (v.len > 0 && v.ptr[0] == '=')
            v = ks_str_sub(v, 1, v.len - 1);
        v = ks_str_trim(v);
        if (pep440_chars(v)) {
            char where[64];

            snprintf(where, sizeof(where), "line %zu", line_no);
            rc = lang_add(ctx, KS_ECO_PYPI, name, v, KS_PKG_DIRECT, where, &p, err);
            goto meta;
        }
    }
    rc = lang_add_unresolved(ctx, KS_ECO_PYPI, name, spec, KS_PKG_DIRECT, &p, err);
meta:
    if (rc != KS_OK || p == NULL)
        return rc;
    if (markers.len > 0 && ks_kvs_get(&p->meta, "markers") == NULL) {
        char *m = ks_arena_strdup_str(ks_extract_arena(ctx), markers);

        if (m == NULL || ks_pkg_set_meta(ks_extract_inventory(ctx), p, "markers", m) != KS_OK)
            return lang_oom(ctx, err);
    }
    if (strcmp(path, ctx->in->path) != 0 && ks_pkg_add_path(ks_extract_inventory(ctx), p, path))
        return lang_oom(ctx, err);
    return KS_OK;
}

static enum ks_code
req_file(struct req_state *st, const char *path, struct ks_str data, struct ks_err *err)
{
    struct ks_cur c = ks_cur_make(data.ptr, data.len);
    struct ks_buf joined = KS_BUF_INIT(PY_MAX_LINE);
    struct ks_str line;
    size_t line_no = 0, start_line = 0;
    enum ks_code rc = KS_OK, lr;

    st->visited[st->depth++] = path;
    for (;;) {
        lr = ks_cur_line(&c, PY_MAX_LINE, &line);
        if (lr == KS_ENOTFOUND)
            break;
        line_no++;
        if (lr == KS_ETOOBIG) {
            ks_extract_warn(st->ctx, "%s:%zu: line longer than %u bytes, skipped", path, line_no,
                            PY_MAX_LINE);
            ks_buf_reset(&joined);
            continue;
        }
        if (joined.len == 0)
            start_line = line_no;
        /* A trailing backslash continues the line. */
        if (line.len > 0 && line.ptr[line.len - 1] == '\\') {
            ks_buf_append(&joined, line.ptr, line.len - 1);
            ks_buf_putc(&joined, ' ');
            if (ks_buf_err(&joined) != KS_OK) {
                ks_extract_warn(st->ctx, "%s:%zu: continued line too long, skipped", path,
                                start_line);
                ks_buf_release(&joined);
                ks_buf_init(&joined, PY_MAX_LINE);
            }
            continue;
        }
        ks_buf_append_str(&joined, line);
        if (ks_buf_err(&joined) != KS_OK) {
            ks_extract_warn(st->ctx, "%s:%zu: continued line too long, skipped", path, start_line);
        } else {
            struct ks_str s = strip_options(strip_comment(ks_buf_str(&joined)));

            if (s.len > 0 && (rc = req_line(st, path, start_line, s, err)) != KS_OK)
                break;
        }
        ks_buf_release(&joined);
        ks_buf_init(&joined, PY_MAX_LINE);
    }
    if (rc == KS_OK && joined.len > 0) {
        struct ks_str s = strip_options(strip_comment(ks_buf_str(&joined)));

        if (s.len > 0)
            rc = req_line(st, path, start_line, s, err);
    }
    ks_buf_release(&joined);
    st->depth--;
    return rc;
}

LANG_EXTRACTOR(python_requirements)
{
    struct req_state st;

    memset(&st, 0, sizeof(st));
    st.ctx = ctx;
    return req_file(&st, in->path, in->data, err);
}

/* ------------------------------------------------------------------------ */
/* Pipfile.lock                                                             */

LANG_EXTRACTOR(python_pipfile)
{
    json_t *doc = NULL;
    enum ks_code rc;
    static const char *const sections[] = {"default", "develop"};

    if ((rc = lang_json(ctx, in, &doc, err)) != KS_OK || doc == NULL)
        return rc;
    if (!json_is_object(doc)) {
        ks_extract_warn(ctx, "%s: not a Pipfile.lock object, skipped", in->path);
        goto out;
    }
    for (size_t s = 0; s < 2; s++) {
        json_t *sec = ks_json_obj(doc, sections[s]), *v;
        const char *name;

        json_object_foreach(sec, name, v)
        {
            struct ks_str ver = lang_jstr(v, "version");

            if (ver.len == 0) {
                if (ks_json_str(v, "git") == NULL && ks_json_str(v, "path") == NULL &&
                    ks_json_str(v, "file") == NULL)
                    ks_extract_warn(ctx, "%s: %s.%s: no version, skipped", in->path,
                                    sections[s], name);
                continue; /* VCS and path dependencies are not PyPI releases */
            }
            if (ks_str_has_prefix(ver, "=="))
                ver = ks_str_sub(ver, 2, ver.len - 2);
            if ((rc = lang_add(ctx, KS_ECO_PYPI, ks_str_c(name), ver,
                               s == 1 ? KS_PKG_DEV : 0, sections[s], NULL, err)) != KS_OK)
                goto out;
        }
    }
    rc = KS_OK;
out:
    json_decref(doc);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* pyproject.toml: the project itself, and its direct dependency names.    */

/* "requests[security] >=2.8 ; python_version<'3'" -> "requests" */
static struct ks_str
pep508_name(struct ks_str s)
{
    size_t i = 0;

    s = ks_str_trim(s);
    while (i < s.len && name_char(s.ptr[i]))
        i++;
    return ks_str_sub(s, 0, i);
}

/* Add PEP 503 keys of the names in a json array of PEP 508 strings to g's roots. */
static enum ks_code
roots_from_pep508(struct lang_graph *g, const json_t *arr, bool dev)
{
    size_t i;
    json_t *v;

    json_array_foreach(arr, i, v)
    {
        struct ks_buf key = KS_BUF_INIT(LANG_MAX_NAME * 2);
        struct ks_str n;
        enum ks_code rc;

        if (!json_is_string(v))
            continue;
        n = pep508_name(ks_str_make(json_string_value(v), json_string_length(v)));
        if (n.len == 0)
            continue;
        ks_eco_normalize_name(KS_ECO_PYPI, n, &key);
        rc = ks_buf_err(&key) == KS_OK ? lang_graph_root(g, ks_buf_str(&key), dev) : KS_OK;
        ks_buf_release(&key);
        if (rc != KS_OK)
            return rc;
    }
    return KS_OK;
}

/* Roots from a parsed pyproject.toml: PEP 621 and poetry's tables. */
static enum ks_code
pyproject_roots(struct lang_graph *g, const json_t *pp)
{
    json_t *project = ks_json_obj(pp, "project");
    json_t *poetry = ks_json_obj(ks_json_obj(pp, "tool"), "poetry");
    json_t *groups = ks_json_obj(pp, "dependency-groups"), *v;
    const char *k;
    enum ks_code rc;

    if ((rc = roots_from_pep508(g, ks_json_arr(project, "dependencies"), false)) != KS_OK)
        return rc;
    json_object_foreach(ks_json_obj(project, "optional-dependencies"), k, v)
    {
        if ((rc = roots_from_pep508(g, v, false)) != KS_OK)
            return rc;
    }
    json_object_foreach(groups, k, v)
    {
        if ((rc = roots_from_pep508(g, v, true)) != KS_OK)
            return rc;
    }
    /* poetry: [tool.poetry.dependencies] and [tool.poetry.group.X.dependencies] */
    {
        json_t *deps = ks_json_obj(poetry, "dependencies"), *dv;
        const char *dn;

        json_object_foreach(deps, dn, dv)
        {
            struct ks_buf key = KS_BUF_INIT(LANG_MAX_NAME * 2);

            if (strcmp(dn, "python") == 0)
                continue;
            ks_eco_normalize_name(KS_ECO_PYPI, ks_str_c(dn), &key);
            rc = ks_buf_err(&key) == KS_OK ? lang_graph_root(g, ks_buf_str(&key), false) : KS_OK;
            ks_buf_release(&key);
            if (rc != KS_OK)
                return rc;
        }
        json_object_foreach(ks_json_obj(poetry, "group"), k, v)
        {
            bool dev = strcmp(k, "main") != 0;

            json_object_foreach(ks_json_obj(v, "dependencies"), dn, dv)
            {
                struct ks_buf key = KS_BUF_INIT(LANG_MAX_NAME * 2);

                ks_eco_normalize_name(KS_ECO_PYPI, ks_str_c(dn), &key);
                rc = ks_buf_err(&key) == KS_OK ? lang_graph_root(g, ks_buf_str(&key), dev) : KS_OK;
                ks_buf_release(&key);
                if (rc != KS_OK)
                    return rc;
            }
        }
        json_object_foreach(ks_json_obj(poetry, "dev-dependencies"), dn, dv)
        {
            struct ks_buf key = KS_BUF_INIT(LANG_MAX_NAME * 2);

            ks_eco_normalize_name(KS_ECO_PYPI, ks_str_c(dn), &key);
            rc = ks_buf_err(&key) == KS_OK ? lang_graph_root(g, ks_buf_str(&key), true) : KS_OK;
            ks_buf_release(&key);
            if (rc != KS_OK)
                return rc;
        }
    }
    return KS_OK;
}

/* The pyproject.toml beside a lockfile, parsed, or NULL. */
static json_t *
sibling_pyproject(struct ks_extract_ctx *ctx, const char *lock)
{
    struct ks_buf path = KS_BUF_INIT(KS_FS_MAX_PATH * 2), data = KS_BUF_INIT(16 << 20);
    struct ks_str dir = lang_dirname(lock);
    struct ks_err e2 = KS_ERR_INIT;
    json_t *doc = NULL;

    if (ks_extract_fs(ctx) == NULL)
        return NULL;
    if (dir.len > 0) {
        ks_buf_append_str(&path, dir);
        ks_buf_putc(&path, '/');
    }
    ks_buf_appends(&path, "pyproject.toml");
    if (ks_buf_err(&path) == KS_OK && ks_extract_read(ctx, path.data, 16 << 20, &data, &e2) == KS_OK)
        (void)ks_toml_parse(data.data, data.len, path.data, &doc, &e2);
    ks_buf_release(&path);
    ks_buf_release(&data);
    return doc;
}

LANG_EXTRACTOR(python_pyproject)
{
    json_t *doc = NULL, *project, *poetry;
    enum ks_code rc;

    if ((rc = lang_toml(ctx, in, &doc, err)) != KS_OK || doc == NULL)
        return rc;
    project = ks_json_obj(doc, "project");
    poetry = ks_json_obj(ks_json_obj(doc, "tool"), "poetry");
    if (project != NULL)
        rc = lang_app(ctx, KS_ECO_PYPI, "python-project", lang_jstr(project, "name"),
                      lang_jstr(project, "version"), err);
    else if (poetry != NULL)
        rc = lang_app(ctx, KS_ECO_PYPI, "python-project", lang_jstr(poetry, "name"),
                      lang_jstr(poetry, "version"), err);
    json_decref(doc);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* poetry.lock, pdm.lock, uv.lock, pylock.toml: [[package]] tables.        */

enum lock_kind { LK_POETRY, LK_PDM, LK_UV, LK_PYLOCK };

static bool
groups_dev(const json_t *groups, const char *prod)
{
    size_t i;
    json_t *v;
    bool any = false;

    json_array_foreach(groups, i, v)
    {
        if (!json_is_string(v))
            continue;
        any = true;
        if (strcmp(json_string_value(v), prod) == 0)
            return false;
    }
    return any;
}

/* Node key of a package in the lock's graph: the PEP 503 name. */
static enum ks_code
py_key(struct ks_str name, struct ks_buf *key)
{
    ks_buf_reset(key);
    ks_eco_normalize_name(KS_ECO_PYPI, name, key);
    return ks_buf_err(key);
}

/* Dependencies of a lock entry as edges: poetry {name = spec}, uv/pdm lists. */
static enum ks_code
add_edges(struct lang_graph *g, struct ks_str from, const json_t *pkg, enum lock_kind kind)
{
    struct ks_buf key = KS_BUF_INIT(LANG_MAX_NAME * 2);
    enum ks_code rc = KS_OK;
    json_t *deps = json_object_get(pkg, "dependencies"), *v;

    if (kind == LK_POETRY && json_is_object(deps)) {
        const char *dn;

        json_object_foreach(deps, dn, v)
        {
            if (py_key(ks_str_c(dn), &key) != KS_OK ||
                (rc = lang_graph_edge(g, from, ks_buf_str(&key))) != KS_OK)
                break;
        }
    } else if (json_is_array(deps)) {
        size_t i;

        json_array_foreach(deps, i, v)
        {
            struct ks_str n = json_is_string(v) ? pep508_name(ks_str_c(json_string_value(v)))
                                                : lang_jstr(v, "name");

            if (n.len == 0)
                continue;
            if (py_key(n, &key) != KS_OK || (rc = lang_graph_edge(g, from, ks_buf_str(&key))) !=
                                                KS_OK)
                break;
        }
    }
    if (kind == LK_UV) {
        /* optional and dev dependency tables hold lists too */
        const char *grp;
        json_t *lst;
        static const char *const tables[] = {"optional-dependencies", "dev-dependencies"};

        for (size_t t = 0; rc == KS_OK && t < 2; t++) {
            json_object_foreach(ks_json_obj(pkg, tables[t]), grp, lst)
            {
                size_t i;

                json_array_foreach(lst, i, v)
                {
                    struct ks_str n = lang_jstr(v, "name");

                    if (n.len == 0)
                        continue;
                    if (py_key(n, &key) != KS_OK ||
                        (rc = lang_graph_edge(g, from, ks_buf_str(&key))) != KS_OK)
                        break;
                }
            }
        }
    }
    ks_buf_release(&key);
    return rc;
}

/* uv: the project's own entries (editable/virtual source) are the roots. */
static bool
uv_is_root(const json_t *pkg)
{
    json_t *src = ks_json_obj(pkg, "source");

    return src != NULL && (json_object_get(src, "editable") != NULL ||
                           json_object_get(src, "virtual") != NULL);
}

static enum ks_code
uv_roots(struct lang_graph *g, const json_t *pkg)
{
    struct ks_buf key = KS_BUF_INIT(LANG_MAX_NAME * 2);
    enum ks_code rc = KS_OK;
    size_t i;
    json_t *v, *lst;
    const char *grp;

    json_array_foreach(ks_json_arr(pkg, "dependencies"), i, v)
    {
        if (py_key(lang_jstr(v, "name"), &key) == KS_OK && key.len > 0 &&
            (rc = lang_graph_root(g, ks_buf_str(&key), false)) != KS_OK)
            goto out;
    }
    json_object_foreach(ks_json_obj(pkg, "optional-dependencies"), grp, lst)
    {
        json_array_foreach(lst, i, v)
        {
            if (py_key(lang_jstr(v, "name"), &key) == KS_OK && key.len > 0 &&
                (rc = lang_graph_root(g, ks_buf_str(&key), false)) != KS_OK)
                goto out;
        }
    }
    json_object_foreach(ks_json_obj(pkg, "dev-dependencies"), grp, lst)
    {
        json_array_foreach(lst, i, v)
        {
            if (py_key(lang_jstr(v, "name"), &key) == KS_OK && key.len > 0 &&
                (rc = lang_graph_root(g, ks_buf_str(&key), true)) != KS_OK)
                goto out;
        }
    }
out:
    ks_buf_release(&key);
    return rc;
}

static enum ks_code
py_lock(struct ks_extract_ctx *ctx, const struct ks_extract_input *in, enum lock_kind kind,
        struct ks_err *err)
{
    json_t *doc = NULL, *pkgs, *pp = NULL, *v;
    struct lang_graph *g = NULL;
    struct ks_buf key = KS_BUF_INIT(LANG_MAX_NAME * 2);
    enum ks_code rc;
    size_t i;
    const char *arr_name = kind == LK_PYLOCK ? "packages" : "package";

    if ((rc = lang_toml(ctx, in, &doc, err)) != KS_OK || doc == NULL)
        return rc;
    pkgs = json_object_get(doc, arr_name);
    if (pkgs != NULL && !json_is_array(pkgs)) {
        ks_extract_warn(ctx, "%s: '%s' is not an array of tables, skipped", in->path, arr_name);
        goto done;
    }
    g = lang_graph_new(ctx);
    if (g == NULL)
        goto oom;
    if (kind == LK_POETRY && (pp = sibling_pyproject(ctx, in->path)) != NULL &&
        pyproject_roots(g, pp) != KS_OK)
        goto oom;
    if (kind == LK_PYLOCK) {
        /* pylock.toml names the project's own dependency groups' root: nothing */
        /* here says direct; packages come with optional markers only.       */
    }
    json_array_foreach(pkgs, i, v)
    {
        struct ks_str name = lang_jstr(v, "name"), version = lang_jstr(v, "version");
        struct ks_pkg *p;
        bool bad = false;
        char where[64];

        snprintf(where, sizeof(where), "%s[%zu]", arr_name, i);
        if (!json_is_object(v) || name.len == 0) {
            ks_extract_warn(ctx, "%s: %s: no name, skipped", in->path, where);
            continue;
        }
        if (py_key(name, &key) != KS_OK)
            continue;
        if (kind == LK_UV && uv_is_root(v)) {
            /* the workspace's own projects */
            if ((rc = lang_app(ctx, KS_ECO_PYPI, "python-project", name, version, err)) != KS_OK ||
                (rc = uv_roots(g, v)) != KS_OK)
                goto out;
            continue;
        }
        if (version.len == 0) {
            /* pylock.toml allows a missing version for VCS/directory packages */
            if (kind != LK_PYLOCK || json_object_get(v, "vcs") == NULL)
                ks_extract_warn(ctx, "%s: %s: package '%.*s' has no version, skipped", in->path,
                                where, (int)KS_MIN(name.len, 200), name.ptr);
            continue;
        }
        p = lang_pkg(ctx, KS_ECO_PYPI, name, version, &bad);
        if (p == NULL) {
            if (!bad)
                goto oom;
            ks_extract_warn(ctx, "%s: %s: invalid name or version, skipped", in->path, where);
            continue;
        }
        switch (kind) {
        case LK_POETRY:
            if (ks_str_eq_c(lang_jstr(v, "category"), "dev") ||
                groups_dev(ks_json_arr(v, "groups"), "main"))
                p->flags |= KS_PKG_DEV;
            if (ks_json_bool(v, "optional", false))
                p->flags |= KS_PKG_OPTIONAL;
            {
                struct ks_str st = lang_jstr(ks_json_obj(v, "source"), "type");

                if (st.len > 0 && !ks_str_eq_c(st, "legacy")) {
                    char *sv = ks_arena_strdup_str(ks_extract_arena(ctx), st);

                    if (sv == NULL || ks_pkg_set_meta(ks_extract_inventory(ctx), p, "source",
                                                      sv) != KS_OK)
                        goto oom;
                }
            }
            break;
        case LK_PDM:
            if (groups_dev(ks_json_arr(v, "groups"), "default"))
                p->flags |= KS_PKG_DEV;
            break;
        case LK_UV:
        case LK_PYLOCK:
            break;
        }
        if (lang_graph_node(g, ks_buf_str(&key), p) != KS_OK ||
            add_edges(g, ks_buf_str(&key), v, kind) != KS_OK)
            goto oom;
    }
    if ((rc = lang_graph_emit(g, ctx, err)) != KS_OK)
        goto out;
done:
    rc = KS_OK;
    goto out;
oom:
    rc = lang_oom(ctx, err);
out:
    lang_graph_free(g);
    ks_buf_release(&key);
    json_decref(pp);
    json_decref(doc);
    return rc;
}

LANG_EXTRACTOR(python_poetry)
{
    return py_lock(ctx, in, LK_POETRY, err);
}

LANG_EXTRACTOR(python_pdm)
{
    return py_lock(ctx, in, LK_PDM, err);
}

LANG_EXTRACTOR(python_uv)
{
    return py_lock(ctx, in, LK_UV, err);
}

LANG_EXTRACTOR(python_pylock)
{
    return py_lock(ctx, in, LK_PYLOCK, err);
}
