/*
 * model.h: what an inventory is (ARCHITECTURE.md §2): the scanned target,
 * its distribution, and every package found, with its ecosystem (the OSV
 * name with the release: "Debian:12"), purl, source package, the file(s) it
 * was read from and the image layer that introduced it. Everything in a
 * struct ks_inventory lives in one arena and dies with it.
 *
 * Also here: package URLs (purl spec, build and parse) and the distribution
 * table that turns os-release into OSV ecosystems and purl namespaces.
 *
 * Not thread-safe per inventory; the pure functions (purl, distro table) are.
 */
#ifndef KS_MODEL_H
#define KS_MODEL_H

#include "base/base.h"
#include "version/version.h"

/* ------------------------------------------------------------------------ */
/* Small shared shapes.                                                     */

struct ks_kv {
    const char *key;
    const char *value;
};

/* A growable list of key/values in an arena (insertion order kept). */
struct ks_kvs {
    struct ks_kv *items;
    size_t len, cap;
};

/* Append (strings are copied into a). KS_ENOMEM on failure. */
enum ks_code ks_kvs_add(struct ks_kvs *kvs, struct ks_arena *a, const char *key,
                        const char *value);
/* The value of the first key, or NULL. */
const char *ks_kvs_get(const struct ks_kvs *kvs, const char *key);

/* ------------------------------------------------------------------------ */
/* Targets (Inspector's resource types).                                    */

enum ks_resource_type {
    KS_RES_HOST = 0,         /* a host root, a mounted snapshot, a rootfs archive */
    KS_RES_CONTAINER_IMAGE,  /* issue 7 */
    KS_RES_FUNCTION,         /* issue 7 */
    KS_RES_CODE_REPOSITORY,  /* issue 7 */
    KS_RES_SBOM,             /* an SBOM document read instead of a filesystem */
    KS_RES_COUNT
};

/* "HOST", "CONTAINER_IMAGE", "FUNCTION", "CODE_REPOSITORY", "SBOM". */
const char *ks_resource_type_name(enum ks_resource_type t);
/* Inverse of ks_resource_type_name; KS_EINVAL if unknown. */
enum ks_code ks_resource_type_parse(struct ks_str s, enum ks_resource_type *out);

struct ks_target_info {
    enum ks_resource_type type;
    const char *name;   /* what the user named: "/", "rootfs.tar.gz", "alpine:3.19" */
    const char *source; /* how it was read: "dir", "archive", "sbom", "image", ... */
    struct ks_kvs details; /* resource details (image digest, repo, git commit, ...) */
};

/* ------------------------------------------------------------------------ */
/* Distribution.                                                            */

struct ks_os {
    const char *id;         /* os-release ID: "debian", "alpine", "rhel" (NULL if unknown) */
    const char *version_id; /* VERSION_ID: "12", "3.19.1", "8.6" */
    const char *codename;   /* VERSION_CODENAME: "bookworm" */
    const char *name;       /* PRETTY_NAME (or NAME): "Debian GNU/Linux 12 (bookworm)" */
    const char *id_like;    /* ID_LIKE: "rhel fedora" */
    const char *kernel;     /* running kernel release (uname -r) on a live host, else NULL */
    const char *source;     /* the file it came from: "etc/os-release" */
    /* Derived by ks_os_finish(): */
    enum ks_eco eco;        /* KS_ECO_DEBIAN, ... ; KS_ECO_UNKNOWN when not a known distro */
    const char *ecosystem;  /* OSV ecosystem with release: "Debian:12", "Alpine:v3.19" */
    const char *purl_namespace; /* "debian", "alpine", "redhat" */
    const char *purl_distro;    /* distro qualifier: "debian-12", "alpine-3.19", "rhel-8.6" */
};

/*
 * One row per distribution: how its os-release ID maps to an OSV ecosystem
 * and a purl. Sorted by id. `release` says how the OSV release is formed
 * from VERSION_ID.
 */
enum ks_release_form {
    KS_REL_NONE,        /* rolling: no release in the ecosystem ("Wolfi") */
    KS_REL_MAJOR,       /* "12.5" -> "12" */
    KS_REL_FULL,        /* "22.04" -> "22.04" */
    KS_REL_ALPINE,      /* "3.19.1" -> "v3.19" */
    KS_REL_SUSE,        /* "15.5" -> PREFIX "15 SP5" ("Linux Enterprise Server 15 SP5") */
    KS_REL_PREFIXED,    /* "15.5" -> PREFIX "15.5" ("Leap 15.5", "Linux Enterprise Micro 5.3") */
};

struct ks_distro {
    const char *id;             /* os-release ID */
    enum ks_eco eco;
    const char *osv_name;       /* "Debian", "Red Hat", "Amazon Linux" */
    enum ks_release_form release;
    const char *purl_type;      /* "deb", "rpm", "apk" */
    const char *purl_namespace; /* "debian", "redhat", "amazon" */
    const char *release_prefix; /* product words before the number (SUSE), or NULL */
};

/* The row for an os-release ID (exact match), or NULL. */
const struct ks_distro *ks_distro_by_id(const char *id);
/* The row for an ecosystem (first match), or NULL. */
const struct ks_distro *ks_distro_by_eco(enum ks_eco eco);
/* All rows (for tests and docs); *n gets the count. */
const struct ks_distro *ks_distro_table(size_t *n);

/*
 * Fill the derived fields of os (eco, ecosystem, purl_namespace,
 * purl_distro) from id/version_id, falling back to ID_LIKE for derivatives
 * (their ecosystem then has no release: their versions are not the parent's).
 * Allocates from a. KS_ENOMEM only.
 */
enum ks_code ks_os_finish(struct ks_os *os, struct ks_arena *a);

/*
 * The OSV ecosystem string for an OS package of `family` (KS_ECO_DEBIAN for
 * dpkg, KS_ECO_ALPINE for apk, ...) on os (may be NULL): os's own when os
 * uses the same package format (an Ubuntu host for dpkg), else the family's
 * name without a release. *eco gets the matching enum. Never NULL.
 */
const char *ks_os_pkg_ecosystem(const struct ks_os *os, enum ks_eco family, enum ks_eco *eco);

/* ------------------------------------------------------------------------ */
/* Packages.                                                                */

enum ks_pkg_flags {
    KS_PKG_DIRECT = 1 << 0,         /* lockfile: a direct dependency of the project */
    KS_PKG_INDIRECT = 1 << 1,       /* lockfile: a transitive dependency */
    KS_PKG_DEV = 1 << 2,            /* lockfile: only needed for development */
    KS_PKG_OPTIONAL = 1 << 3,       /* lockfile: optional / peer */
    KS_PKG_OS = 1 << 4,             /* read from a distribution's package database */
    KS_PKG_KERNEL = 1 << 5,         /* a kernel image package */
    KS_PKG_RUNNING_KERNEL = 1 << 6, /* ... the one the live host is running */
    /* A requirement with no exact version (requirements.txt `flask>=2`):  */
    /* version is "" and meta "constraint" holds what the file asked for.  */
    /* Never matched as if installed; the matcher reports it as unknown.   */
    KS_PKG_UNRESOLVED = 1 << 7,
};

struct ks_pkg {
    enum ks_eco eco;
    const char *ecosystem; /* OSV ecosystem with release: "Debian:12", "PyPI" */
    const char *name;      /* as the ecosystem writes it (normalised where it says so) */
    const char *version;   /* full version; rpm: "[epoch:]version-release" as rpm -q shows */
    const char *epoch;     /* rpm: NULL when the header carries none (not "0") */
    const char *release;   /* rpm release */
    const char *base_version; /* rpm VERSION alone (Inspector's `version`); else NULL */
    const char *source_name;    /* source package (dpkg Source, apk origin, rpm SOURCERPM name) */
    const char *source_version; /* its version when it differs or is known */
    const char *arch;
    const char *purl;
    const char *path;   /* the first file it was read from, root-relative */
    const char **paths; /* every file it was read from (path first), n_paths >= 1 */
    size_t n_paths, cap_paths;
    const char *layer;  /* digest of the layer that introduced path, or NULL */
    const char *license;
    const char *vendor;     /* rpm VENDOR */
    const char *maintainer; /* dpkg Maintainer, apk m: */
    const char *extractor;  /* "dpkg" */
    unsigned flags;         /* enum ks_pkg_flags */
    /* The OS package whose file list owns every one of `paths` (a distro-   */
    /* shipped language package: matched through the OS package only); NULL */
    /* when any copy is not owned. "outer.jar!inner.jar" paths count by the  */
    /* outer file. Set by ks_inventory_finish.                               */
    const struct ks_pkg *owner;
    size_t n_files;      /* files the package owns (OS packages with file lists) */
    struct ks_kvs meta;  /* extra facts: "modularitylabel", "status", ... */
    /* Declared dependencies by name, alternatives separated by '|' (the */
    /* first one present wins), and virtual names this package provides;   */
    /* ks_inventory_finish resolves them within the ecosystem.               */
    const char **dep_names;
    size_t n_dep_names, cap_dep_names;
    const char **provides;
    size_t n_provides, cap_provides;
    struct ks_pkg **deps; /* resolved, sorted, unique */
    size_t n_deps;
    size_t index; /* position in the inventory after ks_inventory_finish */
};

/* True for a distribution's package. */
static inline bool
ks_pkg_is_os(const struct ks_pkg *p)
{
    return (p->flags & KS_PKG_OS) != 0;
}

/* Application roots (a project's own name/version from its manifest, issue 6). */
struct ks_app {
    const char *ecosystem;
    const char *name;
    const char *version;
    const char *path;
    const char *kind; /* "npm-project", "python-project", "maven-project", ... */
};

struct ks_warning {
    const char *source;  /* "dpkg", "fs", "rpm" */
    const char *message; /* names the file and line/offset */
};

/* Warnings kept per inventory; later ones are counted, not stored. */
#define KS_INVENTORY_MAX_WARNINGS 1000

struct ks_inventory {
    struct ks_arena *arena;
    struct ks_target_info target;
    struct ks_os os;
    bool has_os;
    struct ks_pkg **pkgs; /* sorted by ks_inventory_finish */
    size_t n_pkgs, cap_pkgs;
    struct ks_app *apps;
    size_t n_apps, cap_apps;
    struct ks_warning *warnings;
    size_t n_warnings, cap_warnings;
    size_t warnings_dropped;
    /* private: dedupe and ownership maps (freed with the arena) */
    struct ks_map *by_key;
    struct ks_map *owners;
};

/* A new empty inventory in arena a. NULL on OOM. */
struct ks_inventory *ks_inventory_new(struct ks_arena *a);

/* A zeroed package allocated in the inventory's arena (not yet added). */
struct ks_pkg *ks_pkg_new(struct ks_inventory *inv);
/* Record another file the package was read from (copied; duplicates ignored). */
enum ks_code ks_pkg_add_path(struct ks_inventory *inv, struct ks_pkg *p, const char *path);
/* Record a declared dependency by package name, "a|b" for alternatives (copied). */
enum ks_code ks_pkg_add_dep_name(struct ks_inventory *inv, struct ks_pkg *p, struct ks_str name);
/* Record a virtual name the package provides (dpkg Provides, apk p:) (copied). */
enum ks_code ks_pkg_add_provide(struct ks_inventory *inv, struct ks_pkg *p, struct ks_str name);
/* Set a metadata fact (copied). */
enum ks_code ks_pkg_set_meta(struct ks_inventory *inv, struct ks_pkg *p, const char *key,
                             const char *value);

/*
 * Add p. When a package with the same (ecosystem, name, version, arch) is
 * already there, p is merged into it (its paths appended, flags or-ed, empty
 * fields filled) and *merged (may be NULL) is set to the existing one.
 * name, version and ecosystem must be set (KS_EINVAL otherwise).
 */
enum ks_code ks_inventory_add(struct ks_inventory *inv, struct ks_pkg *p, struct ks_pkg **merged,
                              struct ks_err *err);
/* Record an application root (strings copied). */
enum ks_code ks_inventory_add_app(struct ks_inventory *inv, const struct ks_app *app);
/* Record a warning ("source: message"); never fails (drops on OOM / over the cap). */
void ks_inventory_warn(struct ks_inventory *inv, const char *source, const char *fmt, ...)
    KS_PRINTF(3, 4);

/*
 * File ownership: `path` (root-relative, canonical) belongs to OS package
 * owner. The first owner of a path wins (dpkg diversions aside, paths are
 * not shared).
 */
enum ks_code ks_inventory_own(struct ks_inventory *inv, const char *path,
                              const struct ks_pkg *owner);
/* The OS package that owns path, or NULL. */
const struct ks_pkg *ks_inventory_owner(const struct ks_inventory *inv, const char *path);

/*
 * Finish: resolve dependency names to packages, set owner for non-OS
 * packages whose path an OS package owns, sort packages by (ecosystem, name,
 * version, arch) and their paths, and number them. Idempotent.
 */
enum ks_code ks_inventory_finish(struct ks_inventory *inv, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Package URLs (https://github.com/package-url/purl-spec).                 */

struct ks_purl {
    const char *type;      /* lower case: "deb", "pypi", "maven" */
    const char *namespace; /* may be NULL; '/'-separated segments */
    const char *name;
    const char *version;   /* may be NULL */
    struct ks_kv *qualifiers; /* sorted by key on output; values non-empty */
    size_t n_qualifiers;
    const char *subpath;   /* may be NULL */
};

/*
 * Append the canonical purl string: type lower-cased, qualifiers sorted by
 * key, empty qualifier values dropped, every component percent-encoded as
 * the spec says (':' and '/' kept where the spec keeps them).
 */
void ks_purl_build(const struct ks_purl *p, struct ks_buf *out);
/*
 * Parse a purl string (untrusted): components percent-decoded into a.
 * KS_EPARSE names the problem ("purl: missing 'pkg:' scheme").
 */
enum ks_code ks_purl_parse(struct ks_str s, struct ks_arena *a, struct ks_purl *out,
                           struct ks_err *err);
/* The value of qualifier key, or NULL. */
const char *ks_purl_qualifier(const struct ks_purl *p, const char *key);

/*
 * The purl of a package, allocated in the inventory's arena: OS packages
 * from the distribution table and the inventory's os (namespace, distro
 * qualifier, rpm epoch); language packages from their ecosystem's purl type
 * (version.h), the name split where the type has a namespace (Maven
 * "group:artifact", npm "@scope/name", Go and SwiftURL at the last '/',
 * Composer "vendor/package"). NULL when there is no purl type, or on OOM.
 */
const char *ks_pkg_make_purl(struct ks_inventory *inv, const struct ks_pkg *p);

#endif
