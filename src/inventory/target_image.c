/*
 * target_image.c: the openers behind target.c's rows for issue 7:
 * container images (image:PATH, registry:REF), function packages
 * (function:ZIP with --layer and --runtime) and code repositories
 * (repo:PATH). Each opens the right fs view, runs the one collection every
 * target shares, then records what the workload is as resource details
 * (image digest, tags, platform, labels, layers; runtime; git commit,
 * branch and origin) and, for images, which build step made each package's
 * layer.
 */
#include "inventory/inventory_int.h"

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

#include <git2.h>

#include "base/banned.h"

static enum ks_code
detail(struct ks_inventory *inv, const char *key, const char *value, struct ks_err *err)
{
    if (value == NULL || value[0] == '\0')
        return KS_OK;
    if (ks_kvs_add(&inv->target.details, inv->arena, key, value) != KS_OK)
        return ks_err_set(err, KS_ENOMEM, "inventory: out of memory");
    return KS_OK;
}

bool
inv_is_oci_layout(const char *dir)
{
    struct ks_buf p = KS_BUF_INIT(8192);
    bool yes;

    ks_buf_appendf(&p, "%s/oci-layout", dir);
    yes = ks_path_exists(p.data);
    ks_buf_reset(&p);
    ks_buf_appendf(&p, "%s/index.json", dir);
    yes = yes && ks_path_exists(p.data);
    ks_buf_release(&p);
    return yes;
}

/* ------------------------------------------------------------------------ */
/* Images.                                                                  */

static enum ks_code
image_details(struct ks_fs *fs, struct ks_inventory *inv, struct ks_err *err)
{
    const struct ks_image_info *in = ks_fs_image_info(fs);
    struct ks_buf b = KS_BUF_INIT(64 * 1024);
    enum ks_code rc;
    char key[160];
    const char *base = NULL, *base_digest = NULL;

    if (in == NULL)
        return KS_OK;
    if ((rc = detail(inv, "imageSource", in->source, err)) != KS_OK ||
        (rc = detail(inv, "imageDigest", in->digest, err)) != KS_OK ||
        (rc = detail(inv, "manifestDigest", in->manifest_digest, err)) != KS_OK ||
        (rc = detail(inv, "imageId", in->config_digest, err)) != KS_OK ||
        (rc = detail(inv, "repository", in->repository, err)) != KS_OK ||
        (rc = detail(inv, "tag", in->tag, err)) != KS_OK)
        goto out;
    for (size_t i = 0; i < in->n_repo_tags; i++)
        ks_buf_appendf(&b, "%s%s", i ? "," : "", in->repo_tags[i]);
    if ((rc = detail(inv, "repoTags", b.data, err)) != KS_OK)
        goto out;
    ks_buf_reset(&b);
    if (in->os != NULL) {
        ks_buf_appendf(&b, "%s/%s", in->os, in->arch ? in->arch : "?");
        if (in->variant != NULL)
            ks_buf_appendf(&b, "/%s", in->variant);
    }
    if ((rc = detail(inv, "platform", b.data, err)) != KS_OK ||
        (rc = detail(inv, "created", in->created, err)) != KS_OK ||
        (rc = detail(inv, "author", in->author, err)) != KS_OK)
        goto out;
    for (size_t i = 0; i < in->n_labels; i++) {
        const struct ks_image_kv *l = &in->labels[i];

        snprintf(key, sizeof(key), "label:%.150s", l->key);
        if ((rc = detail(inv, key, l->value, err)) != KS_OK)
            goto out;
        if (strcmp(l->key, "org.opencontainers.image.base.name") == 0)
            base = l->value;
        else if (strcmp(l->key, "org.opencontainers.image.base.digest") == 0)
            base_digest = l->value;
    }
    /* The base image, when the build recorded it (image-spec annotations.md). */
    if ((rc = detail(inv, "baseImage", base, err)) != KS_OK ||
        (rc = detail(inv, "baseImageDigest", base_digest, err)) != KS_OK)
        goto out;
    ks_buf_reset(&b);
    ks_buf_appendf(&b, "%zu", in->n_layers);
    if ((rc = detail(inv, "layers", b.data, err)) != KS_OK)
        goto out;
    for (size_t i = 0; i < in->n_layers; i++) {
        const struct ks_image_layer *l = &in->layers[i];

        snprintf(key, sizeof(key), "layer.%zu.diffId", i);
        if ((rc = detail(inv, key, l->diff_id, err)) != KS_OK)
            goto out;
        snprintf(key, sizeof(key), "layer.%zu.digest", i);
        if ((rc = detail(inv, key, l->digest, err)) != KS_OK)
            goto out;
        snprintf(key, sizeof(key), "layer.%zu.createdBy", i);
        if ((rc = detail(inv, key, l->created_by, err)) != KS_OK)
            goto out;
    }
    rc = KS_OK;
out:
    ks_buf_release(&b);
    return rc;
}

/* Every package names the build step of its layer (its history's created_by). */
static enum ks_code
layer_history(struct ks_fs *fs, struct ks_inventory *inv, struct ks_err *err)
{
    for (size_t i = 0; i < inv->n_pkgs; i++) {
        struct ks_pkg *p = inv->pkgs[i];
        const struct ks_image_layer *l = ks_fs_image_layer(fs, p->layer);

        if (l == NULL || l->created_by == NULL)
            continue;
        if (ks_pkg_set_meta(inv, p, "layerCreatedBy", l->created_by) != KS_OK)
            return ks_err_set(err, KS_ENOMEM, "inventory: out of memory");
    }
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* Which layer shipped each OS package.                                     */

#define MAX_HISTORY_PATHS 32

/* The exact paths of the OS package databases (their rows' literal patterns). */
static size_t
os_db_paths(struct ks_arena *a, const char **out, const char **ext_names, size_t max)
{
    size_t n_ext, n = 0;
    const struct ks_extractor *x = ks_extractors(&n_ext);

    for (size_t i = 0; i < n_ext; i++) {
        struct ks_str rest, pat;

        if (!(x[i].flags & KS_EXT_OS))
            continue;
        rest = ks_str_c(x[i].patterns);
        while (rest.len > 0 && n < max) {
            if (!ks_str_split2(rest, ' ', &pat, &rest)) {
                pat = rest;
                rest = KS_STR_NULL;
            }
            if (pat.len == 0 || !ks_fs_glob_is_literal(pat))
                continue;
            out[n] = ks_arena_strdup_str(a, pat);
            ext_names[n] = x[i].name;
            if (out[n] != NULL)
                n++;
        }
    }
    return n;
}

/* "name\0version\0arch" as a map key. */
static void
pkg_key(const struct ks_pkg *p, struct ks_buf *b)
{
    ks_buf_reset(b);
    ks_buf_appendf(b, "%s%c%s%c%s", p->name, 0, p->version ? p->version : "", 0,
                   p->arch ? p->arch : "");
}

/*
 * A package database is rewritten whole by every layer that changes it, so
 * the current file's layer is not where most of its packages came from.
 * Walk the file's earlier versions from the top down: a package's layer is
 * the oldest version in the unbroken run (up to the current one) that lists
 * the same name, version and arch. An upgrade therefore reports the layer
 * that upgraded it; a package added and later untouched, the layer that
 * added it. Files per package (dpkg status.d) need none of this.
 */
static enum ks_code
attribute_db(struct ks_fs *fs, struct ks_inventory *inv, const char *path, const char *ext,
             struct ks_err *err)
{
    const struct ks_fs_version *v;
    size_t n, n_pk = 0;
    struct ks_pkg **pk = NULL;
    size_t *first = NULL;
    bool *alive = NULL;
    struct ks_buf key = KS_BUF_INIT(4096), data = KS_BUF_INIT(KS_EXTRACT_MAX_FILE);
    enum ks_code rc;

    if ((rc = ks_fs_image_history(fs, path, &v, &n, err)) != KS_OK)
        return rc;
    if (n < 2 || v[n - 1].deleted)
        return KS_OK;
    pk = ks_arena_calloc(inv->arena, inv->n_pkgs + 1, sizeof(*pk));
    first = ks_arena_calloc(inv->arena, inv->n_pkgs + 1, sizeof(*first));
    alive = ks_arena_calloc(inv->arena, inv->n_pkgs + 1, sizeof(*alive));
    if (pk == NULL || first == NULL || alive == NULL)
        return ks_err_set(err, KS_ENOMEM, "inventory: out of memory");
    for (size_t i = 0; i < inv->n_pkgs; i++)
        if (inv->pkgs[i]->path != NULL && strcmp(inv->pkgs[i]->path, path) == 0) {
            pk[n_pk] = inv->pkgs[i];
            first[n_pk] = n - 1;
            alive[n_pk++] = true;
        }
    for (size_t j = n - 1; j-- > 0 && n_pk > 0;) {
        struct ks_arena *ta;
        struct ks_inventory *tmp;
        struct ks_map *seen;
        struct ks_err e2 = KS_ERR_INIT;
        bool any = false;

        if (v[j].deleted)
            break;
        ks_buf_reset(&data);
        rc = ks_fs_image_read_version(fs, path, j, KS_EXTRACT_MAX_FILE, &data, &e2);
        if (rc == KS_ENOMEM) {
            rc = ks_err_set(err, rc, "%s", e2.msg);
            goto out;
        }
        if (rc != KS_OK) {
            ks_inventory_warn(inv, "image", "cannot trace '%s' to its layers: %s", path, e2.msg);
            break;
        }
        ta = ks_arena_new(256 * 1024);
        tmp = ta ? ks_inventory_new(ta) : NULL;
        seen = ks_map_new();
        if (tmp == NULL || seen == NULL ||
            ks_extract_run(ext, path, data.data, data.len, tmp, &e2) == KS_ENOMEM) {
            ks_map_free(seen);
            ks_arena_free(ta);
            rc = ks_err_set(err, KS_ENOMEM, "inventory: out of memory");
            goto out;
        }
        for (size_t i = 0; i < tmp->n_pkgs; i++) {
            pkg_key(tmp->pkgs[i], &key);
            if (ks_map_put(seen, ks_buf_str(&key), tmp->pkgs[i], NULL) != KS_OK) {
                ks_map_free(seen);
                ks_arena_free(ta);
                rc = ks_err_set(err, KS_ENOMEM, "inventory: out of memory");
                goto out;
            }
        }
        for (size_t i = 0; i < n_pk; i++) {
            if (!alive[i])
                continue;
            pkg_key(pk[i], &key);
            if (ks_map_has(seen, ks_buf_str(&key))) {
                first[i] = j;
                any = true;
            } else
                alive[i] = false;
        }
        ks_map_free(seen);
        ks_arena_free(ta);
        if (!any)
            break;
    }
    for (size_t i = 0; i < n_pk; i++) {
        /* The fs (and its strings) goes before the inventory: copy. */
        if (pk[i]->layer == NULL || strcmp(pk[i]->layer, v[first[i]].layer) != 0) {
            const char *l = ks_arena_strdup(inv->arena, v[first[i]].layer);

            if (l == NULL) {
                rc = ks_err_set(err, KS_ENOMEM, "inventory: out of memory");
                goto out;
            }
            pk[i]->layer = l;
        }
    }
    rc = KS_OK;
out:
    ks_buf_release(&key);
    ks_buf_release(&data);
    return rc;
}

static enum ks_code
attribute_layers(struct ks_fs *fs, struct ks_inventory *inv, struct ks_err *err)
{
    const char *paths[MAX_HISTORY_PATHS], *exts[MAX_HISTORY_PATHS];
    size_t n = os_db_paths(inv->arena, paths, exts, MAX_HISTORY_PATHS);
    enum ks_code rc;

    for (size_t i = 0; i < n; i++)
        if ((rc = attribute_db(fs, inv, paths[i], exts[i], err)) != KS_OK)
            return rc;
    return KS_OK;
}

static void
image_opts(const struct ks_inventory_opts *opts, struct ks_inventory *inv, struct ks_image_opts *io,
           const char **paths)
{
    const char *exts[MAX_HISTORY_PATHS];

    memset(io, 0, sizeof(*io));
    io->n_history_paths = os_db_paths(inv->arena, paths, exts, MAX_HISTORY_PATHS);
    io->history_paths = paths;
    if (opts == NULL)
        return;
    io->platform = opts->platform;
    io->insecure = opts->insecure;
    io->auth_config = opts->auth_config;
    io->cache_dir = opts->cache_dir;
    io->cache_max_bytes = opts->blob_cache_max;
    io->layer_cache_max = opts->no_layer_cache ? UINT64_MAX : 0;
}

static enum ks_code
collect_image(struct ks_fs *fs, const struct ks_inventory_opts *opts, struct ks_inventory *inv,
              struct ks_err *err)
{
    enum ks_code rc;

    if ((rc = ks_inventory_collect(fs, opts, inv, err)) != KS_OK ||
        (rc = attribute_layers(fs, inv, err)) != KS_OK ||
        (rc = image_details(fs, inv, err)) != KS_OK || (rc = layer_history(fs, inv, err)) != KS_OK)
        return rc;
    return KS_OK;
}

enum ks_code
inv_open_image(const char *path, const struct ks_inventory_opts *opts, struct ks_inventory *inv,
               struct ks_err *err)
{
    struct ks_fs_options fo;
    struct ks_image_opts io;
    struct ks_fs *fs = NULL;
    const char *paths[MAX_HISTORY_PATHS];
    enum ks_code rc;

    ks_inventory_fs_options(opts, inv, &fo);
    image_opts(opts, inv, &io, paths);
    if ((rc = ks_fs_open_image(path, &io, &fo, &fs, err)) != KS_OK)
        return rc;
    rc = collect_image(fs, opts, inv, err);
    ks_fs_free(fs);
    return rc;
}

enum ks_code
inv_open_registry(const char *ref, const struct ks_inventory_opts *opts, struct ks_inventory *inv,
                  struct ks_err *err)
{
    struct ks_fs_options fo;
    struct ks_image_opts io;
    struct ks_fs *fs = NULL;
    const char *paths[MAX_HISTORY_PATHS];
    enum ks_code rc;

    ks_inventory_fs_options(opts, inv, &fo);
    image_opts(opts, inv, &io, paths);
    if ((rc = ks_fs_open_registry(ref, &io, &fo, &fs, err)) != KS_OK)
        return rc;
    rc = collect_image(fs, opts, inv, err);
    ks_fs_free(fs);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Function packages.                                                       */

/* --runtime values: a family name and a version ("python3.12", "nodejs20.x", "java21"). */
static bool
runtime_ok(const char *r)
{
    static const char *const families[] = {"python", "nodejs",   "java", "ruby",
                                           "dotnet", "provided", "go"};
    size_t n = strlen(r);

    if (n == 0 || n > 32)
        return false;
    for (const char *p = r; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.'))
            return false;
    for (size_t i = 0; i < KS_ARRAY_LEN(families); i++)
        if (strncmp(r, families[i], strlen(families[i])) == 0)
            return true;
    return false;
}

struct infer {
    char python[32]; /* "python3.12" from a layer's python/lib/python3.12 */
    bool py, node, java, ruby, dotnet, bootstrap;
};

static enum ks_fs_visit
infer_cb(void *ctx, const struct ks_fs_entry *e)
{
    struct infer *in = ctx;
    struct ks_str p = ks_str_make(e->path, e->path_len);
    const char *base = strrchr(e->path, '/');

    base = base ? base + 1 : e->path;
    if (ks_str_has_prefix(p, "opt/python/lib/python") && in->python[0] == '\0') {
        struct ks_str v = ks_str_sub(p, 15, p.len - 15);
        ptrdiff_t slash = ks_str_find_char(v, '/');

        if (slash > 0 && (size_t)slash < sizeof(in->python))
            snprintf(in->python, sizeof(in->python), "%.*s", (int)slash, v.ptr);
    }
    if (e->type == KS_FS_FILE || e->type == KS_FS_DIR) {
        size_t n = strlen(base);

        if ((n > 3 && strcmp(base + n - 3, ".py") == 0) || strcmp(base, "requirements.txt") == 0 ||
            ks_str_has_prefix(p, "opt/python"))
            in->py = true;
        if ((n > 3 && strcmp(base + n - 3, ".js") == 0) ||
            (n > 4 && strcmp(base + n - 4, ".mjs") == 0) || strcmp(base, "package.json") == 0 ||
            ks_str_has_prefix(p, "opt/nodejs"))
            in->node = true;
        if ((n > 6 && strcmp(base + n - 6, ".class") == 0) ||
            (n > 4 && strcmp(base + n - 4, ".jar") == 0) || ks_str_has_prefix(p, "opt/java"))
            in->java = true;
        if ((n > 3 && strcmp(base + n - 3, ".rb") == 0) || strcmp(base, "Gemfile") == 0 ||
            ks_str_has_prefix(p, "opt/ruby"))
            in->ruby = true;
        if (n > 10 && strcmp(base + n - 10, ".deps.json") == 0)
            in->dotnet = true;
        if (strcmp(e->path, "var/task/bootstrap") == 0)
            in->bootstrap = true;
    }
    return KS_FS_CONTINUE;
}

static enum ks_code
function_runtime(struct ks_fs *fs, const struct ks_inventory_opts *opts, struct ks_inventory *inv,
                 struct ks_err *err)
{
    struct infer in = {{0}, false, false, false, false, false, false};
    const char *rt = NULL;
    enum ks_code rc;

    if (opts != NULL && opts->runtime != NULL && opts->runtime[0] != '\0') {
        if ((rc = detail(inv, "runtime", opts->runtime, err)) != KS_OK)
            return rc;
        return detail(inv, "runtimeSource", "given", err);
    }
    if ((rc = ks_fs_walk(fs, infer_cb, &in, err)) != KS_OK)
        return rc;
    /* One family only: mixed contents (a Python layer beside a Node handler) stay unknown. */
    {
        int families = in.py + in.node + in.java + in.ruby + in.dotnet;

        if (families == 1) {
            if (in.py)
                rt = in.python[0] ? in.python : "python";
            else if (in.node)
                rt = "nodejs";
            else if (in.java)
                rt = "java";
            else if (in.ruby)
                rt = "ruby";
            else
                rt = "dotnet";
        } else if (families == 0 && in.bootstrap)
            rt = "provided";
    }
    if (rt == NULL)
        return detail(inv, "runtimeSource", "unknown", err);
    if ((rc = detail(inv, "runtime", rt, err)) != KS_OK)
        return rc;
    return detail(inv, "runtimeSource", "inferred", err);
}

enum ks_code
inv_open_function(const char *zip, const struct ks_inventory_opts *opts, struct ks_inventory *inv,
                  struct ks_err *err)
{
    struct ks_fs_options fo;
    struct ks_fs *fs = NULL;
    const struct ks_image_info *in;
    enum ks_code rc;
    char key[64];

    if (opts != NULL && opts->runtime != NULL && opts->runtime[0] != '\0' &&
        !runtime_ok(opts->runtime))
        return ks_err_set(err, KS_EINVAL,
                          "--runtime '%s': expected a runtime such as python3.12, nodejs20.x, "
                          "java21, ruby3.3, dotnet8 or provided.al2023",
                          opts->runtime);
    ks_inventory_fs_options(opts, inv, &fo);
    if ((rc = ks_fs_open_function(zip, opts ? opts->function_layers : NULL,
                                  opts ? opts->n_function_layers : 0, &fo, &fs, err)) != KS_OK)
        return rc;
    if ((rc = ks_inventory_collect(fs, opts, inv, err)) != KS_OK ||
        (rc = function_runtime(fs, opts, inv, err)) != KS_OK)
        goto out;
    in = ks_fs_image_info(fs);
    if ((rc = detail(inv, "codeSha256", in->layers[0].digest, err)) != KS_OK)
        goto out;
    for (size_t i = 1; i < in->n_layers; i++) {
        snprintf(key, sizeof(key), "layer.%zu.sha256", i);
        if ((rc = detail(inv, key, in->layers[i].digest, err)) != KS_OK)
            goto out;
        snprintf(key, sizeof(key), "layer.%zu.path", i);
        if ((rc = detail(inv, key, opts->function_layers[i - 1], err)) != KS_OK)
            goto out;
    }
    rc = layer_history(fs, inv, err);
out:
    ks_fs_free(fs);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Code repositories.                                                       */

/* "https://user:token@host/x.git" -> "https://host/x.git": never keep credentials. */
static void
redact_url(const char *url, struct ks_buf *out)
{
    const char *scheme = strstr(url, "://");
    const char *host, *at, *slash;

    if (scheme == NULL) {
        ks_buf_appends(out, url);
        return;
    }
    host = scheme + 3;
    slash = strchr(host, '/');
    at = strchr(host, '@');
    if (at != NULL && (slash == NULL || at < slash)) {
        ks_buf_append(out, url, (size_t)(host - url));
        ks_buf_appends(out, at + 1);
    } else
        ks_buf_appends(out, url);
}

static enum ks_code
git_details(const char *path, struct ks_inventory *inv, struct ks_err *err)
{
    git_repository *repo = NULL;
    git_reference *head = NULL;
    git_config *cfg = NULL;
    const char *url = NULL;
    enum ks_code rc = KS_OK;
    char oid[GIT_OID_HEXSZ + 1];

    git_libgit2_init();
    if (git_repository_open_ext(&repo, path, 0, NULL) != 0) {
        rc = detail(inv, "vcs", "none", err);
        goto out;
    }
    if ((rc = detail(inv, "vcs", "git", err)) != KS_OK)
        goto out;
    if (git_repository_head(&head, repo) == 0) {
        const git_oid *id = git_reference_target(head);

        if (id != NULL) {
            git_oid_tostr(oid, sizeof(oid), id);
            if ((rc = detail(inv, "commit", oid, err)) != KS_OK)
                goto out;
        }
        if (git_reference_is_branch(head))
            rc = detail(inv, "branch", git_reference_shorthand(head), err);
        else
            rc = detail(inv, "branch", "HEAD (detached)", err);
        if (rc != KS_OK)
            goto out;
    } else if ((rc = detail(inv, "commit", "none (no commits yet)", err)) != KS_OK)
        goto out;
    /* The config value itself: git_remote_lookup leaks in libgit2 1.5's regex code. */
    if (git_repository_config_snapshot(&cfg, repo) == 0 &&
        git_config_get_string(&url, cfg, "remote.origin.url") == 0 && url != NULL) {
        struct ks_buf u = KS_BUF_INIT(4096);

        redact_url(url, &u);
        rc = detail(inv, "originUrl", u.data, err);
        ks_buf_release(&u);
    }
out:
    git_config_free(cfg);
    git_reference_free(head);
    git_repository_free(repo);
    git_libgit2_shutdown();
    return rc;
}

enum ks_code
inv_open_repo(const char *path, const struct ks_inventory_opts *opts, struct ks_inventory *inv,
              struct ks_err *err)
{
    struct ks_inventory_opts o;
    struct ks_fs_options fo;
    struct ks_fs *fs = NULL;
    const char **skips = NULL;
    struct stat st;
    enum ks_code rc;
    size_t n = 0;

    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return ks_err_set(err, KS_ENOTFOUND, "repo '%s': not a directory", path);
    if (opts != NULL)
        o = *opts;
    else
        memset(&o, 0, sizeof(o));
    /* The repository's own database is not part of what it ships. */
    skips = ks_arena_calloc(inv->arena, o.n_skip_dirs + 2, sizeof(*skips));
    if (skips == NULL)
        return ks_err_set(err, KS_ENOMEM, "inventory: out of memory");
    for (size_t i = 0; i < o.n_skip_dirs; i++)
        skips[n++] = o.skip_dirs[i];
    skips[n++] = "**/.git";
    o.skip_dirs = skips;
    o.n_skip_dirs = n;
    o.no_kernel = true;
    ks_inventory_fs_options(&o, inv, &fo);
    if ((rc = ks_fs_open_dir(path, &fo, &fs, err)) != KS_OK)
        return rc;
    rc = ks_inventory_collect(fs, &o, inv, err);
    ks_fs_free(fs);
    if (rc != KS_OK)
        return rc;
    return git_details(path, inv, err);
}
