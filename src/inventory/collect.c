/*
 * collect.c: the extractor framework. One walk of the fs view matches every
 * entry against every extractor's patterns (exact paths through a hash map,
 * globs pre-filtered by their last component), then the matched files are
 * prefetched in one go, the distribution is detected, and each extractor
 * gets its files in table order with paths sorted, so results never depend
 * on the order a directory or an archive lists its entries.
 */
#include "inventory/inventory_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

#define OS_EXT SIZE_MAX /* pseudo extractor index of the os-release candidates */

const char *const ks_os_release_paths[] = {
    "etc/os-release",     "usr/lib/os-release", "etc/alpine-release",    "etc/debian_version",
    "etc/redhat-release", "etc/centos-release", "etc/rocky-release",     "etc/almalinux-release",
    "etc/oracle-release", "etc/fedora-release", "etc/system-release",    "etc/lsb-release",
    "etc/SuSE-release",   "etc/photon-release", "etc/mariner-release",   NULL,
};

struct pat {
    char *glob;
    size_t ext;
    bool companion;
    bool literal;
    struct pat *next; /* chain of patterns sharing a map key */
};

struct matcher {
    struct ks_map *exact; /* full path -> struct pat chain */
    struct ks_map *base;  /* literal last component -> chain */
    struct pat **suffix;  /* last component "*LITERAL" */
    const char **suffix_lit;
    size_t n_suffix, cap_suffix;
    struct pat **general;
    size_t n_general, cap_general;
};

struct match {
    size_t ext;
    bool companion;
    const char *path;
    uint64_t size;
    const char *layer;
};

struct collect {
    struct ks_fs *fs;
    struct ks_inventory *inv;
    const struct ks_extractor *exts;
    size_t n_exts;
    struct matcher m;
    struct ks_vec matches; /* struct match */
    uint64_t n_entries, n_files;
    enum ks_code rc; /* first fatal error seen in the walk callback */
};

static bool
push_ptr(struct ks_arena *a, void ***items, size_t *n, size_t *cap, void *v)
{
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        void **p = ks_arena_alloc(a, ncap * sizeof(void *));

        if (p == NULL)
            return false;
        if (*n > 0)
            memcpy(p, *items, *n * sizeof(void *));
        *items = p;
        *cap = ncap;
    }
    (*items)[(*n)++] = v;
    return true;
}

static struct ks_str
last_component(struct ks_str s)
{
    size_t i = s.len;

    while (i > 0 && s.ptr[i - 1] != '/')
        i--;
    return ks_str_make(s.ptr + i, s.len - i);
}

static enum ks_code
chain_add(struct ks_map *m, struct ks_str key, struct pat *p)
{
    struct pat *head = ks_map_get(m, key);

    p->next = head;
    return ks_map_put(m, key, p, NULL);
}

static enum ks_code
add_pattern(struct collect *c, struct ks_str glob, size_t ext, bool companion)
{
    struct ks_arena *a = c->inv->arena;
    struct pat *p = ks_arena_calloc(a, 1, sizeof(*p));
    struct ks_str last;

    if (p == NULL || (p->glob = ks_arena_strdup_str(a, glob)) == NULL)
        return KS_ENOMEM;
    p->ext = ext;
    p->companion = companion;
    p->literal = ks_fs_glob_is_literal(glob);
    if (p->literal)
        return chain_add(c->m.exact, glob, p);
    last = last_component(glob);
    if (ks_fs_glob_is_literal(last) && !ks_str_eq_c(last, "**"))
        return chain_add(c->m.base, last, p);
    if (last.len > 1 && last.ptr[0] == '*' &&
        ks_fs_glob_is_literal(ks_str_sub(last, 1, last.len - 1))) {
        const char *lit = ks_arena_strdup_str(a, ks_str_sub(last, 1, last.len - 1));
        size_t n = c->m.n_suffix, cap = c->m.cap_suffix;

        if (lit == NULL ||
            !push_ptr(a, (void ***)&c->m.suffix, &c->m.n_suffix, &c->m.cap_suffix, p) ||
            !push_ptr(a, (void ***)&c->m.suffix_lit, &n, &cap, (void *)lit))
            return KS_ENOMEM;
        return KS_OK;
    }
    return push_ptr(a, (void ***)&c->m.general, &c->m.n_general, &c->m.cap_general, p)
               ? KS_OK
               : KS_ENOMEM;
}

static enum ks_code
add_patterns(struct collect *c, const char *list, size_t ext, bool companion)
{
    struct ks_str rest = ks_str_c(list), word;
    enum ks_code rc;

    while (rest.len > 0) {
        if (!ks_str_split2(rest, ' ', &word, &rest)) {
            word = rest;
            rest = KS_STR_NULL;
        }
        word = ks_str_trim(word);
        while (word.len > 0 && word.ptr[0] == '/')
            word = ks_str_sub(word, 1, word.len - 1);
        if (word.len == 0)
            continue;
        if ((rc = add_pattern(c, word, ext, companion)) != KS_OK)
            return rc;
    }
    return KS_OK;
}

static void
free_maps(void *arg)
{
    struct matcher *m = arg;

    ks_map_free(m->exact);
    ks_map_free(m->base);
}

static enum ks_code
matcher_init(struct collect *c, struct ks_err *err)
{
    enum ks_code rc;

    c->m.exact = ks_map_new();
    c->m.base = ks_map_new();
    if (c->m.exact == NULL || c->m.base == NULL)
        goto oom;
    for (size_t i = 0; ks_os_release_paths[i] != NULL; i++)
        if (add_pattern(c, ks_str_c(ks_os_release_paths[i]), OS_EXT, false) != KS_OK)
            goto oom;
    for (size_t i = 0; i < c->n_exts; i++) {
        if ((rc = add_patterns(c, c->exts[i].patterns, i, false)) != KS_OK ||
            (c->exts[i].companions &&
             (rc = add_patterns(c, c->exts[i].companions, i, true)) != KS_OK))
            goto oom;
    }
    return KS_OK;
oom:
    return ks_err_set(err, KS_ENOMEM, "inventory: out of memory building the matcher");
}

/* ------------------------------------------------------------------------ */
/* The walk.                                                                */

static bool
record(struct collect *c, const struct pat *p, const struct ks_fs_entry *e, const char **copy)
{
    struct match *m;
    const struct ks_extractor *x = p->ext == OS_EXT ? NULL : &c->exts[p->ext];

    if (e->type == KS_FS_SYMLINK && !p->literal && !(x && (x->flags & KS_EXT_FOLLOW_LINKS)))
        return true;
    if (x && (x->flags & KS_EXT_EXEC_ONLY) && (e->type != KS_FS_FILE || !(e->mode & 0111)))
        return true;
    /* The same path can match one extractor through two patterns. */
    for (size_t i = c->matches.len; i > 0 && i + 8 > c->matches.len; i--) {
        struct match *prev = ks_vec_at(&c->matches, i - 1);

        if (prev->ext == p->ext && prev->companion == p->companion &&
            strcmp(prev->path, e->path) == 0)
            return true;
    }
    if (*copy == NULL && (*copy = ks_arena_strndup(c->inv->arena, e->path, e->path_len)) == NULL)
        return false;
    m = ks_vec_push(&c->matches);
    if (m == NULL)
        return false;
    m->ext = p->ext;
    m->companion = p->companion;
    m->path = *copy;
    m->size = e->size;
    m->layer = e->layer ? ks_arena_strdup(c->inv->arena, e->layer) : NULL;
    return !(e->layer && m->layer == NULL);
}

static bool
match_chain(struct collect *c, const struct pat *p, const struct ks_fs_entry *e, bool exact,
            const char **copy)
{
    for (; p != NULL; p = p->next)
        if ((exact || ks_fs_glob_match(ks_str_c(p->glob), ks_str_make(e->path, e->path_len))) &&
            !record(c, p, e, copy))
            return false;
    return true;
}

static enum ks_fs_visit
walk_cb(void *ctx, const struct ks_fs_entry *e)
{
    struct collect *c = ctx;
    struct ks_str path = ks_str_make(e->path, e->path_len), base;
    const char *copy = NULL;
    bool ok = true;

    c->n_entries++;
    if (e->type != KS_FS_FILE && e->type != KS_FS_SYMLINK)
        return KS_FS_CONTINUE;
    c->n_files++;
    base = last_component(path);
    ok = match_chain(c, ks_map_get(c->m.exact, path), e, true, &copy) &&
         match_chain(c, ks_map_get(c->m.base, base), e, false, &copy);
    for (size_t i = 0; ok && i < c->m.n_suffix; i++)
        if (ks_str_has_suffix(base, c->m.suffix_lit[i]))
            ok = match_chain(c, c->m.suffix[i], e, false, &copy);
    for (size_t i = 0; ok && i < c->m.n_general; i++) {
        struct pat one = *c->m.general[i];

        one.next = NULL;
        ok = match_chain(c, &one, e, false, &copy);
    }
    if (!ok) {
        c->rc = KS_ENOMEM;
        return KS_FS_STOP;
    }
    return KS_FS_CONTINUE;
}

static int
cmp_match(const void *x, const void *y)
{
    const struct match *a = x, *b = y;

    if (a->ext != b->ext)
        return a->ext < b->ext ? -1 : 1;
    if (a->companion != b->companion)
        return a->companion ? 1 : -1;
    return strcmp(a->path, b->path);
}

/* ------------------------------------------------------------------------ */
/* The context API extractors use.                                          */

struct ks_inventory *
ks_extract_inventory(struct ks_extract_ctx *ctx)
{
    return ctx->inv;
}

struct ks_arena *
ks_extract_arena(struct ks_extract_ctx *ctx)
{
    return ctx->inv->arena;
}

struct ks_fs *
ks_extract_fs(struct ks_extract_ctx *ctx)
{
    return ctx->fs;
}

const struct ks_os *
ks_extract_os(struct ks_extract_ctx *ctx)
{
    return ctx->inv->has_os ? &ctx->inv->os : NULL;
}

const struct ks_extractor *
ks_extract_self(struct ks_extract_ctx *ctx)
{
    return ctx->ext;
}

struct ks_pkg *
ks_extract_pkg(struct ks_extract_ctx *ctx)
{
    struct ks_pkg *p = ks_pkg_new(ctx->inv);

    if (p == NULL)
        return NULL;
    p->path = ctx->in ? ctx->in->path : NULL;
    p->layer = ctx->in ? ctx->in->layer : NULL;
    p->extractor = ctx->ext->name;
    return p;
}

enum ks_code
ks_extract_emit(struct ks_extract_ctx *ctx, struct ks_pkg *p, struct ks_pkg **added,
                struct ks_err *err)
{
    struct ks_pkg *merged = NULL;
    enum ks_code rc;

    if (p->purl == NULL)
        p->purl = ks_pkg_make_purl(ctx->inv, p); /* NULL is fine: no purl type */
    rc = ks_inventory_add(ctx->inv, p, &merged, err);
    if (rc == KS_OK && added != NULL)
        *added = merged ? merged : p;
    return rc;
}

void
ks_extract_warn(struct ks_extract_ctx *ctx, const char *fmt, ...)
{
    char msg[900];
    va_list ap;

    if (++ctx->n_warned > KS_EXTRACT_MAX_WARNINGS)
        return; /* counted; run_one reports how many were dropped */
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ks_inventory_warn(ctx->inv, ctx->ext->name, "%s", msg);
}

enum ks_code
ks_extract_read(struct ks_extract_ctx *ctx, const char *path, size_t max, struct ks_buf *out,
                struct ks_err *err)
{
    if (ctx->fs == NULL) {
        if (ctx->in != NULL && strcmp(path, ctx->in->path) == 0) {
            if (ctx->in->data.len > max)
                return ks_err_set(err, KS_ETOOBIG, "'%s': over the limit of %zu bytes", path,
                                  max);
            ks_buf_append(out, ctx->in->data.ptr, ctx->in->data.len);
            return ks_buf_err(out);
        }
        return ks_err_set(err, KS_ENOTFOUND, "'%s': no such file", path);
    }
    return ks_fs_read(ctx->fs, path, max, out, err);
}

enum ks_code
ks_extract_open(struct ks_extract_ctx *ctx, const char *path, struct ks_fs_file **out,
                struct ks_err *err)
{
    if (ctx->fs == NULL) {
        if (ctx->in != NULL && strcmp(path, ctx->in->path) == 0) {
            *out = ks_fs_file_mem(ctx->in->data.ptr ? ctx->in->data.ptr : "", ctx->in->data.len,
                                  path);
            return *out ? KS_OK : ks_err_set(err, KS_ENOMEM, "out of memory opening '%s'", path);
        }
        return ks_err_set(err, KS_ENOTFOUND, "'%s': no such file", path);
    }
    return ks_fs_open(ctx->fs, path, out, err);
}

enum ks_code
ks_extract_open_or_warn(struct ks_extract_ctx *ctx, const char *path, struct ks_fs_file **out,
                        struct ks_err *err)
{
    struct ks_err e2 = KS_ERR_INIT;
    enum ks_code rc;

    *out = NULL;
    if ((rc = ks_extract_open(ctx, path, out, &e2)) == KS_OK)
        return KS_OK;
    *out = NULL;
    if (rc == KS_ENOMEM)
        return ks_err_set(err, rc, "%s", e2.msg);
    ks_extract_warn(ctx, "%s", e2.msg);
    return KS_OK;
}

const char *const *
ks_extract_companions(struct ks_extract_ctx *ctx, size_t *n)
{
    *n = ctx->n_companions;
    return ctx->companions;
}

static int
cmp_cstr_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

bool
ks_extract_has_companion(struct ks_extract_ctx *ctx, const char *path)
{
    return ctx->n_companions > 0 && bsearch(&path, ctx->companions, ctx->n_companions,
                                            sizeof(char *), cmp_cstr_ptr) != NULL;
}

const char *const *
ks_extract_matches(struct ks_extract_ctx *ctx, size_t *n)
{
    *n = ctx->n_matches;
    return ctx->matches;
}

static void
free_dir_cache(void *arg)
{
    ks_map_free(arg);
}

enum ks_code
ks_extract_own(struct ks_extract_ctx *ctx, const struct ks_pkg *p, struct ks_str path)
{
    struct ks_buf clean = KS_BUF_INIT(KS_FS_MAX_PATH + 1);
    struct ks_buf key = KS_BUF_INIT(KS_FS_MAX_PATH * 2);
    struct ks_str dir = KS_STR_NULL, base;
    const char *canon_dir = NULL;
    enum ks_code rc = KS_OK;
    size_t slash;

    if (!ks_fs_path_clean(path, &clean))
        goto out; /* the root itself or junk: nothing to own */
    slash = clean.len;
    while (slash > 0 && clean.data[slash - 1] != '/')
        slash--;
    base = ks_str_make(clean.data + slash, clean.len - slash);
    if (slash > 0)
        dir = ks_str_make(clean.data, slash - 1);
    if (dir.len > 0 && ctx->fs != NULL) {
        if (ctx->dir_cache == NULL) {
            ctx->dir_cache = ks_map_new();
            if (ctx->dir_cache == NULL ||
                !ks_arena_on_free(ctx->inv->arena, free_dir_cache, ctx->dir_cache)) {
                ks_map_free(ctx->dir_cache);
                ctx->dir_cache = NULL;
                rc = KS_ENOMEM;
                goto out;
            }
        }
        canon_dir = ks_map_get(ctx->dir_cache, dir);
        if (canon_dir == NULL) {
            struct ks_buf r = KS_BUF_INIT(KS_FS_MAX_PATH + 1);
            struct ks_err e2 = KS_ERR_INIT;
            char *d = ks_arena_strdup_str(ctx->inv->arena, dir);

            if (d != NULL && ks_fs_resolve(ctx->fs, d, &r, &e2) == KS_OK && r.len > 0)
                canon_dir = ks_arena_strndup(ctx->inv->arena, r.data, r.len);
            else
                canon_dir = d; /* missing on disk: keep the package's own spelling */
            ks_buf_release(&r);
            if (canon_dir == NULL ||
                ks_map_put(ctx->dir_cache, dir, (void *)canon_dir, NULL) != KS_OK) {
                rc = KS_ENOMEM;
                goto out;
            }
        }
        ks_buf_appends(&key, canon_dir);
        ks_buf_putc(&key, '/');
    } else if (dir.len > 0) {
        ks_buf_append_str(&key, dir);
        ks_buf_putc(&key, '/');
    }
    ks_buf_append_str(&key, base);
    if ((rc = ks_buf_err(&key)) != KS_OK)
        goto out;
    rc = ks_inventory_own(ctx->inv, key.data, p);
out:
    ks_buf_release(&clean);
    ks_buf_release(&key);
    return rc == KS_ETOOBIG ? KS_OK : rc;
}

/* ------------------------------------------------------------------------ */

static void
inv_warn_cb(void *ctx, const char *msg)
{
    ks_inventory_warn(ctx, "fs", "%s", msg);
}

void
ks_inventory_fs_options(const struct ks_inventory_opts *opts, struct ks_inventory *inv,
                        struct ks_fs_options *out)
{
    memset(out, 0, sizeof(*out));
    if (opts != NULL) {
        out->flags = opts->cross_mounts ? KS_FS_CROSS_MOUNTS : 0;
        out->skip_globs = opts->skip_dirs;
        out->n_skip_globs = opts->n_skip_dirs;
        out->limits = opts->limits;
    }
    out->warn = inv_warn_cb;
    out->warn_ctx = inv;
}

static enum ks_code
run_one(struct collect *c, struct ks_extract_ctx *ctx, const struct match *m, struct ks_buf *data,
        struct ks_err *err)
{
    const struct ks_extractor *x = ctx->ext;
    struct ks_extract_input in = {m->path, m->size, m->layer, KS_STR_NULL};
    struct ks_err e2 = KS_ERR_INIT;
    enum ks_code rc;

    if (!(x->flags & KS_EXT_NO_READ)) {
        ks_buf_reset(data);
        rc = ks_fs_read(c->fs, m->path, x->max_file_bytes ? x->max_file_bytes : KS_EXTRACT_MAX_FILE,
                        data, &e2);
        if (rc == KS_ENOMEM)
            return ks_err_set(err, rc, "%s", e2.msg);
        if (rc != KS_OK) {
            ks_inventory_warn(c->inv, x->name, "%s", e2.msg);
            return KS_OK;
        }
        in.data = ks_buf_str(data);
    }
    ctx->in = &in;
    ctx->n_warned = 0;
    ks_log(KS_LOG_DEBUG, "inventory", "%s: reading '%s'", x->name, m->path);
    rc = x->fn(ctx, &in, &e2);
    ctx->in = NULL;
    if (ctx->n_warned > KS_EXTRACT_MAX_WARNINGS)
        ks_inventory_warn(c->inv, x->name, "%s: %zu more problems not shown", m->path,
                          ctx->n_warned - KS_EXTRACT_MAX_WARNINGS);
    if (rc == KS_ENOMEM)
        return ks_err_set(err, rc, "%s: %s", x->name, e2.msg);
    if (rc != KS_OK)
        ks_inventory_warn(c->inv, x->name, "%s", e2.msg[0] ? e2.msg : ks_code_text(rc));
    return KS_OK;
}

static enum ks_code
dispatch(struct collect *c, struct ks_err *err)
{
    struct ks_buf data = KS_BUF_INIT(SIZE_MAX);
    struct ks_extract_ctx ctx;
    enum ks_code rc = KS_OK;
    size_t i = 0;
    const char **lists = NULL;

    memset(&ctx, 0, sizeof(ctx));
    lists = ks_calloc(c->matches.len + 1, sizeof(*lists));
    if (lists == NULL)
        return ks_err_set(err, KS_ENOMEM, "inventory: out of memory");
    while (i < c->matches.len) {
        const struct match *first = ks_vec_at(&c->matches, i);
        size_t ext = first->ext, j = i, n_prim = 0, n_comp = 0;

        while (j < c->matches.len && ((const struct match *)ks_vec_at(&c->matches, j))->ext == ext)
            j++;
        if (ext == OS_EXT) {
            i = j;
            continue;
        }
        for (size_t k = i; k < j; k++) {
            const struct match *m = ks_vec_at(&c->matches, k);

            lists[k] = m->path;
            if (m->companion)
                n_comp++;
            else
                n_prim++;
        }
        ctx.inv = c->inv;
        ctx.fs = c->fs;
        ctx.ext = &c->exts[ext];
        ctx.matches = lists + i;
        ctx.n_matches = n_prim;
        ctx.companions = lists + i + n_prim;
        ctx.n_companions = n_comp;
        for (size_t k = i; k < i + n_prim; k++) {
            if ((rc = run_one(c, &ctx, ks_vec_at(&c->matches, k), &data, err)) != KS_OK)
                goto out;
        }
        i = j;
    }
out:
    ks_buf_release(&data);
    ks_free(lists);
    return rc;
}

enum ks_code
ks_inventory_collect(struct ks_fs *fs, const struct ks_inventory_opts *opts,
                     struct ks_inventory *inv, struct ks_err *err)
{
    struct collect c;
    enum ks_code rc = KS_EINTERNAL;
    const char **paths = NULL;
    uint64_t t0 = ks_clock_ns();

    memset(&c, 0, sizeof(c));
    c.fs = fs;
    c.inv = inv;
    c.exts = ks_extractors(&c.n_exts);
    ks_vec_init(&c.matches, sizeof(struct match));
    if ((rc = matcher_init(&c, err)) != KS_OK)
        goto out;
    if ((rc = ks_fs_walk(fs, walk_cb, &c, err)) != KS_OK)
        goto out;
    if (c.rc != KS_OK) {
        rc = ks_err_set(err, c.rc, "inventory: out of memory walking '%s'", ks_fs_name(fs));
        goto out;
    }
    ks_vec_sort(&c.matches, cmp_match);
    ks_log(KS_LOG_INFO, "inventory", "walked %llu entries (%llu files) of '%s', %zu matched",
           (unsigned long long)c.n_entries, (unsigned long long)c.n_files, ks_fs_name(fs),
           c.matches.len);
    paths = ks_calloc(c.matches.len + 1, sizeof(*paths));
    if (paths == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "inventory: out of memory");
        goto out;
    }
    for (size_t i = 0; i < c.matches.len; i++)
        paths[i] = ((const struct match *)ks_vec_at(&c.matches, i))->path;
    if ((rc = ks_fs_prefetch(fs, paths, c.matches.len, err)) != KS_OK)
        goto out;
    if ((rc = ks_os_detect(fs, inv, err)) != KS_OK)
        goto out;
    if ((rc = dispatch(&c, err)) != KS_OK)
        goto out;
    {
        bool changed = false;

        if (inv_os_from_packages(inv, &changed) != KS_OK) {
            rc = ks_err_set(err, KS_ENOMEM, "inventory: out of memory");
            goto out;
        }
        if (changed && (rc = inv_restamp_os_packages(inv, err)) != KS_OK)
            goto out;
    }
    if (ks_fs_is_live_root(fs) && !(opts && opts->no_kernel)) {
        if (!inv->has_os) {
            inv->has_os = true;
            if ((rc = ks_os_finish(&inv->os, inv->arena)) != KS_OK)
                goto out;
        }
        inv->os.kernel = inv_running_kernel(inv->arena);
    }
    inv_mark_kernels(inv); /* kernel images in any root; the running one on a live root */
    if ((rc = ks_inventory_finish(inv, err)) != KS_OK)
        goto out;
    ks_log(KS_LOG_INFO, "inventory", "%zu packages from '%s' in %.3f s", inv->n_pkgs,
           ks_fs_name(fs), (double)(ks_clock_ns() - t0) / 1e9);
    rc = KS_OK;
out:
    ks_free(paths);
    free_maps(&c.m);
    ks_vec_release(&c.matches);
    return rc;
}

/* ------------------------------------------------------------------------ */

enum ks_code
ks_extract_run(const char *name, const char *path, const void *data, size_t len,
               struct ks_inventory *inv, struct ks_err *err)
{
    size_t n;
    const struct ks_extractor *exts = ks_extractors(&n);
    struct ks_extract_ctx ctx;
    struct ks_extract_input in = {path, len, NULL, ks_str_make(data, len)};
    const char *matches[1] = {path};

    for (size_t i = 0; i < n; i++) {
        if (strcmp(exts[i].name, name) != 0)
            continue;
        memset(&ctx, 0, sizeof(ctx));
        ctx.inv = inv;
        ctx.ext = &exts[i];
        ctx.in = &in;
        ctx.matches = matches;
        ctx.n_matches = 1;
        return exts[i].fn(&ctx, &in, err);
    }
    return ks_err_set(err, KS_ENOTFOUND, "no extractor named '%s'", name);
}
