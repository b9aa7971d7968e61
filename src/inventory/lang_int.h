/*
 * lang_int.h: private to src/inventory/: what the language-package
 * extractors (issue 6) share: making a package of an ecosystem with its
 * normalised name and purl, project roots as applications, unresolved
 * requirements, JSON/TOML/YAML documents with errors as warnings, and one
 * declaration per extractor function (each has one row in registry.c).
 */
#ifndef KS_LANG_INT_H
#define KS_LANG_INT_H

#include "inventory/inventory_int.h"

#include <jansson.h>

/* Longest name and version taken from a lockfile; longer ones are skipped. */
#define LANG_MAX_NAME    1024
#define LANG_MAX_VERSION 256
/* Largest lockfile read (the registry row's max_file_bytes). */
#define LANG_MAX_LOCKFILE ((size_t)256 << 20)

/*
 * A package of eco named `name` (normalised with ks_eco_normalize_name) at
 * `version`, preset with the current file's path. Invalid names or
 * versions (empty, too long, control characters) give NULL with *bad set
 * (the caller warns); OOM gives NULL with *bad false.
 */
struct ks_pkg *lang_pkg(struct ks_extract_ctx *ctx, enum ks_eco eco, struct ks_str name,
                        struct ks_str version, bool *bad);
/* The purl of a language package (type from version.h, namespace split per type). */
const char *lang_purl(struct ks_inventory *inv, enum ks_eco eco, const char *name,
                      const char *version);
/* Fill the purl and add (duplicates merge); *added may be NULL. */
enum ks_code lang_emit(struct ks_extract_ctx *ctx, struct ks_pkg *p, struct ks_pkg **added,
                       struct ks_err *err);
/*
 * One call for the common case: make, flag and emit; bad names/versions
 * are warned about as "PATH: where: ..." and skipped (KS_OK). *added may be NULL.
 */
enum ks_code lang_add(struct ks_extract_ctx *ctx, enum ks_eco eco, struct ks_str name,
                      struct ks_str version, unsigned flags, const char *where,
                      struct ks_pkg **added, struct ks_err *err);
/*
 * A requirement without an exact version: version "", flag unresolved,
 * meta "constraint" = what the file says (may be empty).
 */
enum ks_code lang_add_unresolved(struct ks_extract_ctx *ctx, enum ks_eco eco, struct ks_str name,
                                 struct ks_str constraint, unsigned flags, struct ks_pkg **added,
                                 struct ks_err *err);
/* Record the project's own root (name/version of its manifest) as an application. */
enum ks_code lang_app(struct ks_extract_ctx *ctx, enum ks_eco eco, const char *kind,
                      struct ks_str name, struct ks_str version, struct ks_err *err);
/* KS_ENOMEM naming the current file. */
enum ks_code lang_oom(struct ks_extract_ctx *ctx, struct ks_err *err);

/*
 * Parse the input as JSON / TOML / YAML (YAML: *out is the array of
 * documents). A parse error is a warning naming file, line and column, and
 * *out stays NULL with KS_OK returned; KS_ENOMEM is returned as is.
 */
enum ks_code lang_json(struct ks_extract_ctx *ctx, const struct ks_extract_input *in,
                       json_t **out, struct ks_err *err);
enum ks_code lang_toml(struct ks_extract_ctx *ctx, const struct ks_extract_input *in,
                       json_t **out, struct ks_err *err);
enum ks_code lang_yaml(struct ks_extract_ctx *ctx, const struct ks_extract_input *in,
                       json_t **out, struct ks_err *err);
/*
 * JSON with trailing commas (bun.lock's JSONC dialect, tsconfig-style
 * comments): commas before ']' / '}' and // and block comments are removed
 * outside strings, then strict JSON parsing as lang_json.
 */
enum ks_code lang_jsonc(struct ks_extract_ctx *ctx, const struct ks_extract_input *in,
                        json_t **out, struct ks_err *err);

/* A string member as a view (KS_STR_NULL when absent or not a string). */
struct ks_str lang_jstr(const json_t *obj, const char *key);
/* The directory part of path ("" for a top-level file), as a view. */
struct ks_str lang_dirname(const char *path);
/* The last component of path. */
struct ks_str lang_basename(const char *path);
/*
 * True for a lockfile inside an installed node_modules tree: a package's
 * own lockfile is not what was installed (the tree itself is read).
 */
bool lang_in_node_modules(const char *path);
/* True for a version that is a plain release, not a path, URL or git ref. */
bool lang_version_ok(struct ks_str v);

/*
 * A dependency graph inside one lockfile, for formats that say which
 * packages the project asks for (roots) and what each package needs but
 * not which are direct or dev: nodes by a caller-chosen key ("name" or
 * "name@version"), edges by key. Packages are attached before they are
 * emitted; lang_graph_emit() flags every package reachable from a
 * production root direct (a root) or indirect, and those reachable only
 * from dev roots dev, then emits them in the order attached (so merging
 * with other files sees the final flags). Lives in the inventory's arena;
 * lang_graph_free releases its map.
 */
struct lang_graph;

struct lang_graph *lang_graph_new(struct ks_extract_ctx *ctx);
/* Attach p (may be NULL: a node without package yet) to key. */
enum ks_code lang_graph_node(struct lang_graph *g, struct ks_str key, struct ks_pkg *p);
enum ks_code lang_graph_edge(struct lang_graph *g, struct ks_str from, struct ks_str to);
enum ks_code lang_graph_root(struct lang_graph *g, struct ks_str key, bool dev);
/* Set the flags (only when at least one root was declared); KS_ENOMEM only. */
enum ks_code lang_graph_mark(struct lang_graph *g);
/* lang_graph_mark, then emit every attached package. */
enum ks_code lang_graph_emit(struct lang_graph *g, struct ks_extract_ctx *ctx,
                             struct ks_err *err);
void lang_graph_free(struct lang_graph *g);

/* npm.c, for yarn.c and pnpm.c too: */
/* "name@1.2.3" / "@scope/name@1.2.3" -> name, version (split at the last '@' after 0). */
bool npm_split_ident(struct ks_str s, struct ks_str *name, struct ks_str *version);
/* The package.json beside a lockfile, parsed (an object), or NULL. */
json_t *npm_sibling_manifest(struct ks_extract_ctx *ctx, const char *lock);

/* --- extractors (one row each in registry.c) ---------------------------- */

#define LANG_EXTRACTOR(name)                                                                       \
    enum ks_code ks_extract_##name(struct ks_extract_ctx *ctx, const struct ks_extract_input *in, \
                                   struct ks_err *err)

/* python.c */
LANG_EXTRACTOR(python_installed);
LANG_EXTRACTOR(python_requirements);
LANG_EXTRACTOR(python_pipfile);
LANG_EXTRACTOR(python_poetry);
LANG_EXTRACTOR(python_pdm);
LANG_EXTRACTOR(python_uv);
LANG_EXTRACTOR(python_pylock);
LANG_EXTRACTOR(python_pyproject);
/* npm.c, yarn.c, pnpm.c */
LANG_EXTRACTOR(npm_lock);
LANG_EXTRACTOR(npm_installed);
LANG_EXTRACTOR(yarn_lock);
LANG_EXTRACTOR(pnpm_lock);
LANG_EXTRACTOR(bun_lock);
/* java.c */
LANG_EXTRACTOR(java_archive);
LANG_EXTRACTOR(maven_pom);
LANG_EXTRACTOR(gradle_lock);
LANG_EXTRACTOR(gradle_verification);
/* golang.c, gobinary.c */
LANG_EXTRACTOR(go_mod);
LANG_EXTRACTOR(binary);
/* rust.c */
LANG_EXTRACTOR(cargo_lock);
/* ruby.c */
LANG_EXTRACTOR(gemfile_lock);
LANG_EXTRACTOR(gemspec);
/* php.c */
LANG_EXTRACTOR(composer_lock);
LANG_EXTRACTOR(composer_installed);
/* dotnet.c */
LANG_EXTRACTOR(nuget_lock);
LANG_EXTRACTOR(dotnet_deps);
LANG_EXTRACTOR(nuget_config);
/* misc.c */
LANG_EXTRACTOR(pub_lock);
LANG_EXTRACTOR(mix_lock);
LANG_EXTRACTOR(swift_resolved);
LANG_EXTRACTOR(conan_lock);
LANG_EXTRACTOR(podfile_lock);

#endif
