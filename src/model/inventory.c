/*
 * inventory.c: the inventory container: packages added with de-duplication
 * (the same package found twice is one package with two paths), warnings
 * with a cap, file ownership of OS packages, and finalisation (dependency
 * names resolved, owners assigned, deterministic order).
 */
#include "model/model.h"

#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

/* Grow an arena-backed array to hold one more element of size elem. */
static bool
arena_grow(struct ks_arena *a, void **items, size_t len, size_t *cap, size_t elem)
{
    size_t ncap, bytes;
    void *p;

    if (len < *cap)
        return true;
    ncap = *cap ? *cap * 2 : 4;
    if (!ks_size_mul(ncap, elem, &bytes))
        return false;
    p = ks_arena_alloc(a, bytes);
    if (p == NULL)
        return false;
    if (len > 0)
        memcpy(p, *items, len * elem);
    *items = p;
    *cap = ncap;
    return true;
}

enum ks_code
ks_kvs_add(struct ks_kvs *kvs, struct ks_arena *a, const char *key, const char *value)
{
    struct ks_kv *kv;

    if (!arena_grow(a, (void **)&kvs->items, kvs->len, &kvs->cap, sizeof(*kvs->items)))
        return KS_ENOMEM;
    kv = &kvs->items[kvs->len];
    kv->key = ks_arena_strdup(a, key);
    kv->value = ks_arena_strdup(a, value ? value : "");
    if (kv->key == NULL || kv->value == NULL)
        return KS_ENOMEM;
    kvs->len++;
    return KS_OK;
}

const char *
ks_kvs_get(const struct ks_kvs *kvs, const char *key)
{
    for (size_t i = 0; i < kvs->len; i++)
        if (strcmp(kvs->items[i].key, key) == 0)
            return kvs->items[i].value;
    return NULL;
}

static const char *const resource_names[KS_RES_COUNT] = {
    [KS_RES_HOST] = "HOST",
    [KS_RES_CONTAINER_IMAGE] = "CONTAINER_IMAGE",
    [KS_RES_FUNCTION] = "FUNCTION",
    [KS_RES_CODE_REPOSITORY] = "CODE_REPOSITORY",
    [KS_RES_SBOM] = "SBOM",
};

const char *
ks_resource_type_name(enum ks_resource_type t)
{
    if ((unsigned)t >= KS_RES_COUNT)
        return "HOST";
    return resource_names[t];
}

enum ks_code
ks_resource_type_parse(struct ks_str s, enum ks_resource_type *out)
{
    for (int i = 0; i < KS_RES_COUNT; i++) {
        if (ks_str_eq_c(s, resource_names[i])) {
            *out = (enum ks_resource_type)i;
            return KS_OK;
        }
    }
    return KS_EINVAL;
}

/* ------------------------------------------------------------------------ */

static void
free_maps(void *arg)
{
    struct ks_inventory *inv = arg;

    ks_map_free(inv->by_key);
    ks_map_free(inv->owners);
    inv->by_key = NULL;
    inv->owners = NULL;
}

struct ks_inventory *
ks_inventory_new(struct ks_arena *a)
{
    struct ks_inventory *inv = ks_arena_calloc(a, 1, sizeof(*inv));

    if (inv == NULL)
        return NULL;
    inv->arena = a;
    inv->by_key = ks_map_new();
    inv->owners = ks_map_new();
    if (!ks_arena_on_free(a, free_maps, inv)) {
        free_maps(inv);
        return NULL;
    }
    if (inv->by_key == NULL || inv->owners == NULL)
        return NULL; /* maps freed with the arena */
    return inv;
}

struct ks_pkg *
ks_pkg_new(struct ks_inventory *inv)
{
    return ks_arena_calloc(inv->arena, 1, sizeof(struct ks_pkg));
}

enum ks_code
ks_pkg_add_path(struct ks_inventory *inv, struct ks_pkg *p, const char *path)
{
    const char *copy;

    if (path == NULL)
        return KS_OK;
    for (size_t i = 0; i < p->n_paths; i++)
        if (strcmp(p->paths[i], path) == 0)
            return KS_OK;
    copy = ks_arena_strdup(inv->arena, path);
    if (copy == NULL || !arena_grow(inv->arena, (void **)&p->paths, p->n_paths, &p->cap_paths,
                                    sizeof(*p->paths)))
        return KS_ENOMEM;
    p->paths[p->n_paths++] = copy;
    if (p->path == NULL)
        p->path = copy;
    return KS_OK;
}

enum ks_code
ks_pkg_add_dep_name(struct ks_inventory *inv, struct ks_pkg *p, struct ks_str name)
{
    const char *copy = ks_arena_strdup_str(inv->arena, name);

    if (copy == NULL || !arena_grow(inv->arena, (void **)&p->dep_names, p->n_dep_names,
                                    &p->cap_dep_names, sizeof(*p->dep_names)))
        return KS_ENOMEM;
    p->dep_names[p->n_dep_names++] = copy;
    return KS_OK;
}

enum ks_code
ks_pkg_add_provide(struct ks_inventory *inv, struct ks_pkg *p, struct ks_str name)
{
    const char *copy = ks_arena_strdup_str(inv->arena, name);

    if (copy == NULL || !arena_grow(inv->arena, (void **)&p->provides, p->n_provides,
                                    &p->cap_provides, sizeof(*p->provides)))
        return KS_ENOMEM;
    p->provides[p->n_provides++] = copy;
    return KS_OK;
}

enum ks_code
ks_pkg_set_meta(struct ks_inventory *inv, struct ks_pkg *p, const char *key, const char *value)
{
    for (size_t i = 0; i < p->meta.len; i++) {
        if (strcmp(p->meta.items[i].key, key) == 0) {
            const char *v = ks_arena_strdup(inv->arena, value ? value : "");

            if (v == NULL)
                return KS_ENOMEM;
            p->meta.items[i].value = v;
            return KS_OK;
        }
    }
    return ks_kvs_add(&p->meta, inv->arena, key, value);
}

/* The de-duplication key: ecosystem, name, version, arch (NUL-separated). */
static enum ks_code
pkg_key(const struct ks_pkg *p, struct ks_buf *b)
{
    ks_buf_appends(b, p->ecosystem);
    ks_buf_putc(b, '\0');
    ks_buf_appends(b, p->name);
    ks_buf_putc(b, '\0');
    ks_buf_appends(b, p->version);
    ks_buf_putc(b, '\0');
    ks_buf_appends(b, p->arch ? p->arch : "");
    return ks_buf_err(b);
}

#define FILL(field)                                                                                \
    do {                                                                                           \
        if (old->field == NULL)                                                                    \
            old->field = p->field;                                                                 \
    } while (0)

static enum ks_code
merge_into(struct ks_inventory *inv, struct ks_pkg *old, const struct ks_pkg *p)
{
    enum ks_code rc;

    for (size_t i = 0; i < p->n_paths; i++)
        if ((rc = ks_pkg_add_path(inv, old, p->paths[i])) != KS_OK)
            return rc;
    /* A dependency is direct if any lockfile says so; dev only if all do. */
    if ((old->flags & KS_PKG_DEV) && !(p->flags & KS_PKG_DEV))
        old->flags &= ~(unsigned)KS_PKG_DEV;
    old->flags |= p->flags & ~(unsigned)KS_PKG_DEV;
    if ((old->flags & KS_PKG_DIRECT) && (old->flags & KS_PKG_INDIRECT))
        old->flags &= ~(unsigned)KS_PKG_INDIRECT;
    FILL(epoch);
    FILL(release);
    FILL(base_version);
    FILL(source_name);
    FILL(source_version);
    FILL(purl);
    FILL(layer);
    FILL(license);
    FILL(vendor);
    FILL(maintainer);
    for (size_t i = 0; i < p->meta.len; i++)
        if (ks_kvs_get(&old->meta, p->meta.items[i].key) == NULL &&
            (rc = ks_kvs_add(&old->meta, inv->arena, p->meta.items[i].key,
                             p->meta.items[i].value)) != KS_OK)
            return rc;
    for (size_t i = 0; i < p->n_dep_names; i++)
        if ((rc = ks_pkg_add_dep_name(inv, old, ks_str_c(p->dep_names[i]))) != KS_OK)
            return rc;
    for (size_t i = 0; i < p->n_provides; i++)
        if ((rc = ks_pkg_add_provide(inv, old, ks_str_c(p->provides[i]))) != KS_OK)
            return rc;
    if (p->n_files > old->n_files)
        old->n_files = p->n_files;
    return KS_OK;
}
#undef FILL

enum ks_code
ks_inventory_add(struct ks_inventory *inv, struct ks_pkg *p, struct ks_pkg **merged,
                 struct ks_err *err)
{
    struct ks_buf key = KS_BUF_INIT(1 << 16);
    struct ks_pkg *old;
    enum ks_code rc = KS_EINTERNAL;

    if (merged != NULL)
        *merged = NULL;
    if (p->name == NULL || p->name[0] == '\0' || p->version == NULL || p->ecosystem == NULL) {
        rc = ks_err_set(err, KS_EINVAL, "package without %s",
                        p->name == NULL || p->name[0] == '\0' ? "a name"
                        : p->version == NULL                 ? "a version"
                                                             : "an ecosystem");
        goto out;
    }
    if (p->path != NULL && p->n_paths == 0) {
        const char *path = p->path;

        p->path = NULL;
        if ((rc = ks_pkg_add_path(inv, p, path)) != KS_OK)
            goto oom;
    }
    if ((rc = pkg_key(p, &key)) != KS_OK)
        goto oom;
    old = ks_map_get(inv->by_key, ks_buf_str(&key));
    if (old != NULL) {
        if ((rc = merge_into(inv, old, p)) != KS_OK)
            goto oom;
        if (merged != NULL)
            *merged = old;
        rc = KS_OK;
        goto out;
    }
    if (!arena_grow(inv->arena, (void **)&inv->pkgs, inv->n_pkgs, &inv->cap_pkgs,
                    sizeof(*inv->pkgs)))
        goto oom;
    if ((rc = ks_map_put(inv->by_key, ks_buf_str(&key), p, NULL)) != KS_OK)
        goto oom;
    inv->pkgs[inv->n_pkgs++] = p;
    rc = KS_OK;
    goto out;
oom:
    rc = ks_err_set(err, KS_ENOMEM, "inventory: out of memory adding '%s'",
                    p->name ? p->name : "?");
out:
    ks_buf_release(&key);
    return rc;
}

enum ks_code
ks_inventory_add_app(struct ks_inventory *inv, const struct ks_app *app)
{
    struct ks_arena *a = inv->arena;
    struct ks_app *dst;

    if (!arena_grow(a, (void **)&inv->apps, inv->n_apps, &inv->cap_apps, sizeof(*inv->apps)))
        return KS_ENOMEM;
    dst = &inv->apps[inv->n_apps];
    dst->ecosystem = ks_arena_strdup(a, app->ecosystem ? app->ecosystem : "");
    dst->name = ks_arena_strdup(a, app->name ? app->name : "");
    dst->version = app->version ? ks_arena_strdup(a, app->version) : NULL;
    dst->path = app->path ? ks_arena_strdup(a, app->path) : NULL;
    dst->kind = app->kind ? ks_arena_strdup(a, app->kind) : NULL;
    if (dst->ecosystem == NULL || dst->name == NULL || (app->version && !dst->version) ||
        (app->path && !dst->path) || (app->kind && !dst->kind))
        return KS_ENOMEM;
    inv->n_apps++;
    return KS_OK;
}

void
ks_inventory_warn(struct ks_inventory *inv, const char *source, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    struct ks_warning *w;

    if (inv->n_warnings >= KS_INVENTORY_MAX_WARNINGS) {
        inv->warnings_dropped++; /* counted, and not logged either */
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ks_log(KS_LOG_WARN, source, "%s", msg);
    if (!arena_grow(inv->arena, (void **)&inv->warnings, inv->n_warnings, &inv->cap_warnings,
                    sizeof(*inv->warnings))) {
        inv->warnings_dropped++;
        return;
    }
    w = &inv->warnings[inv->n_warnings];
    w->source = ks_arena_strdup(inv->arena, source);
    w->message = ks_arena_strdup(inv->arena, msg);
    if (w->source == NULL || w->message == NULL) {
        inv->warnings_dropped++;
        return;
    }
    inv->n_warnings++;
}

enum ks_code
ks_inventory_own(struct ks_inventory *inv, const char *path, const struct ks_pkg *owner)
{
    struct ks_str key = ks_str_c(path);

    if (key.len == 0 || ks_map_has(inv->owners, key))
        return KS_OK;
    return ks_map_put(inv->owners, key, (void *)owner, NULL);
}

const struct ks_pkg *
ks_inventory_owner(const struct ks_inventory *inv, const char *path)
{
    return ks_map_get(inv->owners, ks_str_c(path));
}

/* ------------------------------------------------------------------------ */
/* Finalisation.                                                            */

static int
cmp_cstr(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

static int
cmp_pkg(const void *x, const void *y)
{
    const struct ks_pkg *a = *(const struct ks_pkg *const *)x;
    const struct ks_pkg *b = *(const struct ks_pkg *const *)y;
    int c;

    /* OS packages first, then by ecosystem, name, version, arch, path. */
    if (ks_pkg_is_os(a) != ks_pkg_is_os(b))
        return ks_pkg_is_os(a) ? -1 : 1;
    if ((c = cmp_cstr(a->ecosystem, b->ecosystem)) != 0 || (c = cmp_cstr(a->name, b->name)) != 0 ||
        (c = cmp_cstr(a->version, b->version)) != 0 || (c = cmp_cstr(a->arch, b->arch)) != 0)
        return c;
    return cmp_cstr(a->path, b->path);
}

static int
cmp_str_ptr(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int
cmp_pkg_index(const void *x, const void *y)
{
    const struct ks_pkg *a = *(const struct ks_pkg *const *)x;
    const struct ks_pkg *b = *(const struct ks_pkg *const *)y;

    return a->index < b->index ? -1 : a->index > b->index;
}

/* Key "ecosystem\0name" into b (reset first). */
static enum ks_code
name_key(struct ks_buf *b, const char *ecosystem, struct ks_str name)
{
    ks_buf_reset(b);
    ks_buf_appends(b, ecosystem);
    ks_buf_putc(b, '\0');
    ks_buf_append_str(b, name);
    return ks_buf_err(b);
}

/*
 * Map every (ecosystem, name) to its package, then (ecosystem, provided
 * name) where no real package has that name, and resolve each dependency
 * to the first alternative present.
 */
static enum ks_code
resolve_deps(struct ks_inventory *inv, struct ks_err *err)
{
    struct ks_map *names = ks_map_new();
    struct ks_buf key = KS_BUF_INIT(1 << 16);
    enum ks_code rc = KS_EINTERNAL;

    if (names == NULL)
        goto oom;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < inv->n_pkgs; i++) {
            struct ks_pkg *p = inv->pkgs[i];
            size_t n = pass == 0 ? 1 : p->n_provides;

            for (size_t j = 0; j < n; j++) {
                struct ks_str nm = ks_str_c(pass == 0 ? p->name : p->provides[j]);

                if (name_key(&key, p->ecosystem, nm) != KS_OK)
                    goto oom;
                if (!ks_map_has(names, ks_buf_str(&key)) &&
                    ks_map_put(names, ks_buf_str(&key), p, NULL) != KS_OK)
                    goto oom;
            }
        }
    }
    for (size_t i = 0; i < inv->n_pkgs; i++) {
        struct ks_pkg *p = inv->pkgs[i];
        size_t n = 0;

        if (p->n_dep_names == 0 || p->deps != NULL)
            continue;
        p->deps = ks_arena_calloc(inv->arena, p->n_dep_names, sizeof(*p->deps));
        if (p->deps == NULL)
            goto oom;
        for (size_t j = 0; j < p->n_dep_names; j++) {
            struct ks_str rest = ks_str_c(p->dep_names[j]), alt;
            struct ks_pkg *d = NULL;
            bool dup = false;

            while (d == NULL && rest.len > 0) {
                if (!ks_str_split2(rest, '|', &alt, &rest)) {
                    alt = rest;
                    rest = KS_STR_NULL;
                }
                alt = ks_str_trim(alt);
                if (name_key(&key, p->ecosystem, alt) != KS_OK)
                    goto oom;
                d = ks_map_get(names, ks_buf_str(&key));
            }
            if (d == NULL || d == p)
                continue;
            for (size_t k = 0; k < n; k++)
                dup = dup || p->deps[k] == d;
            if (!dup)
                p->deps[n++] = d;
        }
        p->n_deps = n;
    }
    rc = KS_OK;
    goto out;
oom:
    rc = ks_err_set(err, KS_ENOMEM, "inventory: out of memory resolving dependencies");
out:
    ks_map_free(names);
    ks_buf_release(&key);
    return rc;
}

/*
 * The OS package owning every file p was read from ("outer.jar!inner.jar"
 * paths count by their outermost file), or NULL when any copy is not
 * owned: such a copy is the language ecosystem's to match.
 */
static const struct ks_pkg *
path_owner(const struct ks_inventory *inv, const struct ks_pkg *p)
{
    const struct ks_pkg *owner = NULL;

    for (size_t j = 0; j < p->n_paths; j++) {
        const char *path = p->paths[j], *bang = strchr(path, '!');
        const struct ks_pkg *o;

        if (bang != NULL) {
            char outer[4096];

            if ((size_t)(bang - path) >= sizeof(outer))
                return NULL;
            memcpy(outer, path, (size_t)(bang - path));
            outer[bang - path] = '\0';
            o = ks_inventory_owner(inv, outer);
        } else {
            o = ks_inventory_owner(inv, path);
        }
        if (o == NULL)
            return NULL;
        if (owner == NULL)
            owner = o;
    }
    return owner;
}

enum ks_code
ks_inventory_finish(struct ks_inventory *inv, struct ks_err *err)
{
    enum ks_code rc;

    if ((rc = resolve_deps(inv, err)) != KS_OK)
        return rc;
    for (size_t i = 0; i < inv->n_pkgs; i++) {
        struct ks_pkg *p = inv->pkgs[i];

        if (p->n_paths > 1) {
            /* Keep the first-found path first; sort the others. */
            qsort(p->paths + 1, p->n_paths - 1, sizeof(*p->paths), cmp_str_ptr);
        }
        /* (an inventory read back from an SBOM has owners but no file lists) */
        if (!ks_pkg_is_os(p) && ks_map_len(inv->owners) > 0)
            p->owner = path_owner(inv, p);
    }
    if (inv->n_pkgs > 1)
        qsort(inv->pkgs, inv->n_pkgs, sizeof(*inv->pkgs), cmp_pkg);
    for (size_t i = 0; i < inv->n_pkgs; i++)
        inv->pkgs[i]->index = i;
    for (size_t i = 0; i < inv->n_pkgs; i++)
        if (inv->pkgs[i]->n_deps > 1)
            qsort(inv->pkgs[i]->deps, inv->pkgs[i]->n_deps, sizeof(struct ks_pkg *),
                  cmp_pkg_index);
    return KS_OK;
}
