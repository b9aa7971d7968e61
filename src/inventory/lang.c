/*
 * lang.c: what the language-package extractors share: packages of an
 * ecosystem with their normalised name (ks_eco_normalize_name) and purl,
 * unresolved requirements, the project's own root as an application, and
 * documents (JSON, JSONC, TOML, YAML) whose parse errors become warnings
 * naming the file, line and column.
 */
#include "inventory/lang_int.h"

#include <string.h>

#include "base/banned.h"

static bool
printable(struct ks_str s, bool allow_space)
{
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];

        if (c < 0x20 || c == 0x7f || (!allow_space && c == ' '))
            return false;
    }
    return true;
}

enum ks_code
lang_oom(struct ks_extract_ctx *ctx, struct ks_err *err)
{
    return ks_err_set(err, KS_ENOMEM, "%s: out of memory reading '%s'", ctx->ext->name,
                      ctx->in ? ctx->in->path : "?");
}

struct ks_pkg *
lang_pkg(struct ks_extract_ctx *ctx, enum ks_eco eco, struct ks_str name, struct ks_str version,
         bool *bad)
{
    struct ks_arena *a = ks_extract_arena(ctx);
    struct ks_buf norm = KS_BUF_INIT(LANG_MAX_NAME * 2);
    struct ks_pkg *p;

    *bad = false;
    name = ks_str_trim(name);
    version = ks_str_trim(version);
    if (name.len == 0 || name.len > LANG_MAX_NAME || !printable(name, false) ||
        version.len > LANG_MAX_VERSION || !printable(version, true)) {
        *bad = true;
        return NULL;
    }
    ks_eco_normalize_name(eco, name, &norm);
    if (ks_buf_err(&norm) != KS_OK) {
        ks_buf_release(&norm);
        *bad = true;
        return NULL;
    }
    p = ks_extract_pkg(ctx);
    if (p != NULL) {
        p->eco = eco;
        p->ecosystem = ks_eco_info(eco)->name;
        p->name = ks_arena_strndup(a, norm.data, norm.len);
        p->version = ks_arena_strdup_str(a, version);
        if (p->name == NULL || p->version == NULL)
            p = NULL;
    }
    ks_buf_release(&norm);
    return p;
}

const char *
lang_purl(struct ks_inventory *inv, enum ks_eco eco, const char *name, const char *version)
{
    const struct ks_eco_info *e = ks_eco_info(eco);
    struct ks_purl u;
    struct ks_buf b = KS_BUF_INIT(16384);
    const char *sep = NULL, *res = NULL;

    if (eco == KS_ECO_UNKNOWN || e->purl_type == NULL || name == NULL)
        return NULL;
    memset(&u, 0, sizeof(u));
    u.type = e->purl_type;
    u.name = name;
    u.version = version && version[0] ? version : NULL;
    switch (eco) {
    case KS_ECO_MAVEN:
        sep = strchr(name, ':');
        break;
    case KS_ECO_NPM:
        sep = name[0] == '@' ? strchr(name, '/') : NULL;
        break;
    case KS_ECO_GO:
    case KS_ECO_SWIFTURL:
    case KS_ECO_PACKAGIST:
        sep = strrchr(name, '/');
        break;
    default:
        break;
    }
    if (sep != NULL && sep > name && sep[1] != '\0') {
        u.namespace = ks_arena_strndup(inv->arena, name, (size_t)(sep - name));
        if (u.namespace == NULL)
            return NULL;
        u.name = sep + 1;
    }
    ks_purl_build(&u, &b);
    if (ks_buf_err(&b) == KS_OK)
        res = ks_arena_strndup(inv->arena, b.data, b.len);
    ks_buf_release(&b);
    return res;
}

enum ks_code
lang_emit(struct ks_extract_ctx *ctx, struct ks_pkg *p, struct ks_pkg **added, struct ks_err *err)
{
    if (p->purl == NULL) {
        p->purl = lang_purl(ks_extract_inventory(ctx), p->eco, p->name, p->version);
        if (p->purl == NULL)
            return lang_oom(ctx, err);
    }
    return ks_extract_emit(ctx, p, added, err);
}

enum ks_code
lang_add(struct ks_extract_ctx *ctx, enum ks_eco eco, struct ks_str name, struct ks_str version,
         unsigned flags, const char *where, struct ks_pkg **added, struct ks_err *err)
{
    bool bad = false;
    struct ks_pkg *p;

    if (added != NULL)
        *added = NULL;
    if (ks_str_trim(version).len == 0) {
        ks_extract_warn(ctx, "%s: %s: package '%.*s' has no version, skipped", ctx->in->path,
                        where ? where : "entry", (int)KS_MIN(name.len, 200), name.ptr);
        return KS_OK;
    }
    p = lang_pkg(ctx, eco, name, version, &bad);
    if (p == NULL && bad) {
        ks_extract_warn(ctx, "%s: %s: invalid package name or version '%.*s@%.*s', skipped",
                        ctx->in->path, where ? where : "entry", (int)KS_MIN(name.len, 200),
                        name.ptr ? name.ptr : "", (int)KS_MIN(version.len, 100),
                        version.ptr ? version.ptr : "");
        return KS_OK;
    }
    if (p == NULL)
        return lang_oom(ctx, err);
    p->flags |= flags;
    return lang_emit(ctx, p, added, err);
}

enum ks_code
lang_add_unresolved(struct ks_extract_ctx *ctx, enum ks_eco eco, struct ks_str name,
                    struct ks_str constraint, unsigned flags, struct ks_pkg **added,
                    struct ks_err *err)
{
    bool bad = false;
    struct ks_pkg *p = lang_pkg(ctx, eco, name, KS_STR(""), &bad);
    char *c;

    if (added != NULL)
        *added = NULL;
    if (p == NULL && bad) {
        ks_extract_warn(ctx, "%s: invalid requirement name '%.*s', skipped", ctx->in->path,
                        (int)KS_MIN(name.len, 200), name.ptr ? name.ptr : "");
        return KS_OK;
    }
    if (p == NULL)
        return lang_oom(ctx, err);
    p->flags |= flags | KS_PKG_UNRESOLVED;
    c = ks_arena_strdup_str(ks_extract_arena(ctx), ks_str_trim(constraint));
    if (c == NULL || ks_pkg_set_meta(ks_extract_inventory(ctx), p, "constraint", c) != KS_OK)
        return lang_oom(ctx, err);
    return lang_emit(ctx, p, added, err);
}

enum ks_code
lang_app(struct ks_extract_ctx *ctx, enum ks_eco eco, const char *kind, struct ks_str name,
         struct ks_str version, struct ks_err *err)
{
    struct ks_arena *a = ks_extract_arena(ctx);
    struct ks_app app;

    name = ks_str_trim(name);
    version = ks_str_trim(version);
    if (name.len == 0)
        return KS_OK; /* an unnamed project root says nothing useful */
    if (name.len > LANG_MAX_NAME || version.len > LANG_MAX_VERSION || !printable(name, true) ||
        !printable(version, true))
        return KS_OK;
    memset(&app, 0, sizeof(app));
    app.ecosystem = ks_eco_info(eco)->name;
    app.name = ks_arena_strdup_str(a, name);
    app.version = version.len ? ks_arena_strdup_str(a, version) : NULL;
    app.path = ctx->in ? ctx->in->path : NULL;
    app.kind = kind;
    if (app.name == NULL || (version.len && app.version == NULL))
        return lang_oom(ctx, err);
    /* the same root seen through two files (package.json and its lockfile) is one */
    {
        struct ks_inventory *inv = ks_extract_inventory(ctx);

        for (size_t i = 0; i < inv->n_apps; i++) {
            const struct ks_app *o = &inv->apps[i];
            struct ks_str od = lang_dirname(o->path ? o->path : "");
            struct ks_str nd = lang_dirname(app.path ? app.path : "");

            if (strcmp(o->ecosystem, app.ecosystem) == 0 && strcmp(o->name, app.name) == 0 &&
                ks_str_eq(od, nd))
                return KS_OK;
        }
    }
    if (ks_inventory_add_app(ks_extract_inventory(ctx), &app) != KS_OK)
        return lang_oom(ctx, err);
    return KS_OK;
}

/* ------------------------------------------------------------------------ */

static enum ks_code
doc_result(struct ks_extract_ctx *ctx, enum ks_code rc, struct ks_err *e2, struct ks_err *err)
{
    if (rc == KS_ENOMEM)
        return ks_err_set(err, rc, "%s", e2->msg);
    if (rc != KS_OK)
        ks_extract_warn(ctx, "%s", e2->msg);
    return KS_OK;
}

enum ks_code
lang_json(struct ks_extract_ctx *ctx, const struct ks_extract_input *in, json_t **out,
          struct ks_err *err)
{
    struct ks_err e2 = KS_ERR_INIT;

    *out = NULL;
    return doc_result(ctx, ks_json_parse(in->data.ptr, in->data.len, in->path, out, &e2), &e2,
                      err);
}

enum ks_code
lang_toml(struct ks_extract_ctx *ctx, const struct ks_extract_input *in, json_t **out,
          struct ks_err *err)
{
    struct ks_err e2 = KS_ERR_INIT;

    *out = NULL;
    return doc_result(ctx, ks_toml_parse(in->data.ptr, in->data.len, in->path, out, &e2), &e2,
                      err);
}

enum ks_code
lang_yaml(struct ks_extract_ctx *ctx, const struct ks_extract_input *in, json_t **out,
          struct ks_err *err)
{
    struct ks_err e2 = KS_ERR_INIT;

    *out = NULL;
    return doc_result(ctx, ks_yaml_parse(in->data.ptr, in->data.len, in->path, out, &e2), &e2,
                      err);
}

/* Next significant byte index at or after i (skipping whitespace and comments). */
static size_t
skip_insignificant(const char *s, size_t n, size_t i)
{
    for (;;) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
            i++;
        if (i + 1 < n && s[i] == '/' && s[i + 1] == '/') {
            while (i < n && s[i] != '\n')
                i++;
            continue;
        }
        if (i + 1 < n && s[i] == '/' && s[i + 1] == '*') {
            i += 2;
            while (i + 1 < n && !(s[i] == '*' && s[i + 1] == '/'))
                i++;
            i = i + 1 < n ? i + 2 : n;
            continue;
        }
        return i;
    }
}

enum ks_code
lang_jsonc(struct ks_extract_ctx *ctx, const struct ks_extract_input *in, json_t **out,
           struct ks_err *err)
{
    const char *s = in->data.ptr ? in->data.ptr : "";
    size_t n = in->data.len, i = 0;
    struct ks_buf b = KS_BUF_INIT(SIZE_MAX);
    struct ks_err e2 = KS_ERR_INIT;
    enum ks_code rc;

    *out = NULL;
    if (ks_buf_reserve(&b, n + 1) == NULL)
        return lang_oom(ctx, err);
    while (i < n) {
        char c = s[i];

        if (c == '"') {
            /* copy the string with its escapes untouched */
            size_t j = i + 1;

            while (j < n && s[j] != '"' && s[j] != '\n') {
                if (s[j] == '\\' && j + 1 < n)
                    j++;
                j++;
            }
            j = j < n ? j + 1 : n;
            ks_buf_append(&b, s + i, j - i);
            i = j;
            continue;
        }
        if (c == '/' && i + 1 < n && (s[i + 1] == '/' || s[i + 1] == '*')) {
            size_t j = skip_insignificant(s, n, i);

            /* keep line numbers: comments become their newlines */
            for (size_t k = i; k < j; k++)
                ks_buf_putc(&b, s[k] == '\n' ? '\n' : ' ');
            i = j;
            continue;
        }
        if (c == ',') {
            size_t j = skip_insignificant(s, n, i + 1);

            if (j < n && (s[j] == ']' || s[j] == '}')) {
                ks_buf_putc(&b, ' ');
                i++;
                continue;
            }
        }
        ks_buf_putc(&b, c);
        i++;
    }
    if (ks_buf_err(&b) != KS_OK) {
        ks_buf_release(&b);
        return lang_oom(ctx, err);
    }
    rc = ks_json_parse(b.data, b.len, in->path, out, &e2);
    ks_buf_release(&b);
    return doc_result(ctx, rc, &e2, err);
}

struct ks_str
lang_jstr(const json_t *obj, const char *key)
{
    return ks_json_strv(obj, key);
}

struct ks_str
lang_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? ks_str_make(path, (size_t)(slash - path)) : ks_str_make(path, 0);
}

struct ks_str
lang_basename(const char *path)
{
    const char *slash = strrchr(path, '/');

    return ks_str_c(slash ? slash + 1 : path);
}

bool
lang_version_ok(struct ks_str v)
{
    v = ks_str_trim(v);
    if (v.len == 0 || v.len > LANG_MAX_VERSION)
        return false;
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.ptr[i];

        if (c <= ' ' || c == '/' || c == '\\' || c == ':' || c == '#' || c >= 0x7f)
            return false;
    }
    return true;
}

/* ------------------------------------------------------------------------ */
/* Dependency graph of one lockfile.                                        */

struct gnode {
    struct ks_pkg **pkgs;
    size_t n_pkgs, cap_pkgs;
    struct gnode **out;
    size_t n_out, cap_out;
    unsigned mark; /* 1: reached from prod, 2: from dev */
};

struct lang_graph {
    struct ks_arena *a;
    struct ks_map *nodes; /* key -> struct gnode* */
    struct gnode **prod, **dev;
    size_t n_prod, cap_prod, n_dev, cap_dev;
    struct ks_pkg **all; /* attached packages in insertion order, not yet emitted */
    size_t n_all, cap_all;
};

static bool
grow(struct ks_arena *a, void ***items, size_t *n, size_t *cap, void *v)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;
        void **p = ks_arena_alloc(a, ncap * sizeof(void *));

        if (p == NULL)
            return false;
        if (*n)
            memcpy(p, *items, *n * sizeof(void *));
        *items = p;
        *cap = ncap;
    }
    (*items)[(*n)++] = v;
    return true;
}

static void
graph_release(void *arg)
{
    struct lang_graph *g = arg;

    ks_map_free(g->nodes);
    g->nodes = NULL;
}

struct lang_graph *
lang_graph_new(struct ks_extract_ctx *ctx)
{
    struct ks_arena *a = ks_extract_arena(ctx);
    struct lang_graph *g = ks_arena_calloc(a, 1, sizeof(*g));

    if (g == NULL)
        return NULL;
    g->a = a;
    g->nodes = ks_map_new();
    /* freed early by lang_graph_free, or with the arena on any path */
    if (g->nodes == NULL || !ks_arena_on_free(a, graph_release, g)) {
        ks_map_free(g->nodes);
        return NULL;
    }
    return g;
}

void
lang_graph_free(struct lang_graph *g)
{
    if (g != NULL)
        graph_release(g);
}

static struct gnode *
gnode(struct lang_graph *g, struct ks_str key)
{
    struct gnode *n = ks_map_get(g->nodes, key);

    if (n != NULL)
        return n;
    n = ks_arena_calloc(g->a, 1, sizeof(*n));
    if (n == NULL || ks_map_put(g->nodes, key, n, NULL) != KS_OK)
        return NULL;
    return n;
}

enum ks_code
lang_graph_node(struct lang_graph *g, struct ks_str key, struct ks_pkg *p)
{
    struct gnode *n = gnode(g, key);

    if (n == NULL)
        return KS_ENOMEM;
    if (p != NULL && (!grow(g->a, (void ***)&n->pkgs, &n->n_pkgs, &n->cap_pkgs, p) ||
                      !grow(g->a, (void ***)&g->all, &g->n_all, &g->cap_all, p)))
        return KS_ENOMEM;
    return KS_OK;
}

enum ks_code
lang_graph_edge(struct lang_graph *g, struct ks_str from, struct ks_str to)
{
    struct gnode *a = gnode(g, from), *b = a ? gnode(g, to) : NULL;

    if (b == NULL || !grow(g->a, (void ***)&a->out, &a->n_out, &a->cap_out, b))
        return KS_ENOMEM;
    return KS_OK;
}

enum ks_code
lang_graph_root(struct lang_graph *g, struct ks_str key, bool dev)
{
    struct gnode *n = gnode(g, key);

    if (n == NULL)
        return KS_ENOMEM;
    if (dev ? !grow(g->a, (void ***)&g->dev, &g->n_dev, &g->cap_dev, n)
            : !grow(g->a, (void ***)&g->prod, &g->n_prod, &g->cap_prod, n))
        return KS_ENOMEM;
    return KS_OK;
}

/* Iterative DFS setting bit on every node reachable from roots. */
static enum ks_code
reach(struct gnode **roots, size_t n, unsigned bit)
{
    struct ks_vec stack = KS_VEC_INIT(struct gnode *);

    for (size_t i = 0; i < n; i++) {
        struct gnode **slot = ks_vec_push(&stack);

        if (slot == NULL)
            goto oom;
        *slot = roots[i];
    }
    while (stack.len > 0) {
        struct gnode *cur = *(struct gnode **)ks_vec_at(&stack, --stack.len);

        if (cur->mark & bit)
            continue;
        cur->mark |= bit;
        for (size_t i = 0; i < cur->n_out; i++) {
            struct gnode **slot;

            if (cur->out[i]->mark & bit)
                continue;
            if ((slot = ks_vec_push(&stack)) == NULL)
                goto oom;
            *slot = cur->out[i];
        }
    }
    ks_vec_release(&stack);
    return KS_OK;
oom:
    ks_vec_release(&stack);
    return KS_ENOMEM;
}

/* Mark n direct, or (when it holds no package) what it resolves to. */
static enum ks_code
mark_direct(struct gnode *n, unsigned bit, unsigned depth)
{
    if (n->mark & bit)
        return KS_OK;
    n->mark |= bit;
    if (n->n_pkgs > 0 || depth > 8)
        return KS_OK;
    for (size_t i = 0; i < n->n_out; i++)
        if (mark_direct(n->out[i], bit, depth + 1) != KS_OK)
            return KS_ENOMEM;
    return KS_OK;
}

enum ks_code
lang_graph_emit(struct lang_graph *g, struct ks_extract_ctx *ctx, struct ks_err *err)
{
    enum ks_code rc;

    if (lang_graph_mark(g) != KS_OK)
        return lang_oom(ctx, err);
    for (size_t i = 0; i < g->n_all; i++)
        if ((rc = lang_emit(ctx, g->all[i], NULL, err)) != KS_OK)
            return rc;
    g->n_all = 0;
    return KS_OK;
}

enum ks_code
lang_graph_mark(struct lang_graph *g)
{
    size_t pos = 0;
    struct ks_str k;
    void *v;

    if (g->n_prod == 0 && g->n_dev == 0)
        return KS_OK;
    if (reach(g->prod, g->n_prod, 1) != KS_OK || reach(g->dev, g->n_dev, 2) != KS_OK)
        return KS_ENOMEM;
    /* Direct: a root, or the first packages behind package-less nodes (a */
    /* specifier such as yarn's "jquery@^3.2.1" that resolves to an entry). */
    for (int pass = 0; pass < 2; pass++) {
        struct gnode **roots = pass ? g->dev : g->prod;
        size_t n = pass ? g->n_dev : g->n_prod;

        for (size_t i = 0; i < n; i++)
            if (mark_direct(roots[i], pass ? 8 : 4, 0) != KS_OK)
                return KS_ENOMEM;
    }
    while (ks_map_next(g->nodes, &pos, &k, &v)) {
        struct gnode *n = v;

        for (size_t i = 0; i < n->n_pkgs; i++) {
            struct ks_pkg *p = n->pkgs[i];

            if (n->mark & (4 | 8))
                p->flags = (p->flags & ~(unsigned)KS_PKG_INDIRECT) | KS_PKG_DIRECT;
            else if ((n->mark & 3) && !(p->flags & KS_PKG_DIRECT))
                p->flags |= KS_PKG_INDIRECT;
            if ((n->mark & 3) == 2)
                p->flags |= KS_PKG_DEV;
        }
    }
    return KS_OK;
}

bool
lang_in_node_modules(const char *path)
{
    return strncmp(path, "node_modules/", 13) == 0 || strstr(path, "/node_modules/") != NULL;
}
