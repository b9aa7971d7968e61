/*
 * version.h: ecosystems, version ordering exactly as each ecosystem's own tool
 * orders versions, and the OSV `affected` evaluator. Pure functions over
 * borrowed strings; depends on base only. Every function here is thread-safe.
 */
#ifndef KS_VERSION_H
#define KS_VERSION_H

#include "base/base.h"

/* ------------------------------------------------------------------------ */
/* Version schemes: one comparator each.                                    */

enum ks_scheme {
    KS_SCHEME_NONE = 0, /* no known ordering: comparisons are KS_EUNSUPPORTED */
    KS_SCHEME_DPKG,     /* Debian, Ubuntu: dpkg --compare-versions */
    KS_SCHEME_RPM,      /* Red Hat family, SUSE, Amazon, Photon, Azure Linux: rpmvercmp on E:V-R */
    KS_SCHEME_APK,      /* Alpine, Wolfi, Chainguard: apk-tools */
    KS_SCHEME_PEP440,   /* PyPI: packaging.version */
    KS_SCHEME_SEMVER,   /* SemVer 2.0: npm, crates.io, Hex, SwiftURL; OSV SEMVER ranges */
    KS_SCHEME_GO,       /* Go modules: semver with optional leading v, +incompatible, pseudo-versions */
    KS_SCHEME_MAVEN,    /* Maven ComparableVersion */
    KS_SCHEME_NUGET,    /* NuGet (four parts, case-insensitive prerelease) */
    KS_SCHEME_RUBYGEMS, /* Gem::Version */
    KS_SCHEME_COMPOSER, /* composer/semver normalisation and ordering */
    KS_SCHEME_PUB,      /* Dart pub: semver where build metadata also orders */
    KS_SCHEME_CRAN,     /* R package_version */
    KS_SCHEME_HACKAGE,  /* Haskell Data.Version (dot-separated integers) */
    KS_SCHEME_COUNT
};

/* "dpkg", "rpm", ...; never NULL. */
const char *ks_scheme_name(enum ks_scheme scheme);
/* "dpkg" -> KS_SCHEME_DPKG (ASCII case-insensitive); KS_SCHEME_NONE if unknown. */
enum ks_scheme ks_scheme_parse(struct ks_str name);

/*
 * Longest version any scheme accepts (node-semver's limit too). Longer
 * strings are KS_EPARSE: no real version comes close, and comparators keep
 * their per-version state on the stack, bounded by this.
 */
#define KS_VER_MAX_LEN     256
#define KS_VER_MAX_LEN_STR "256"

/*
 * Order two versions of the same scheme. On KS_OK, *cmp is -1, 0 or 1.
 * Returns KS_EPARSE (details in err naming the version) if either is not a
 * valid version for the scheme, KS_EUNSUPPORTED for KS_SCHEME_NONE; *cmp is
 * then untouched. Does not allocate.
 */
enum ks_code ks_ver_compare(enum ks_scheme scheme, struct ks_str a, struct ks_str b, int *cmp,
                            struct ks_err *err);
/* KS_OK if v is a valid version of the scheme, else as ks_ver_compare. */
enum ks_code ks_ver_check(enum ks_scheme scheme, struct ks_str v, struct ks_err *err);

/* ------------------------------------------------------------------------ */
/* Ecosystems: OSV's names, each with its scheme, purl type and name rules. */

enum ks_eco {
    KS_ECO_UNKNOWN = 0,
    /* distributions (OS packages) */
    KS_ECO_DEBIAN,
    KS_ECO_UBUNTU,
    KS_ECO_ALPINE,
    KS_ECO_WOLFI,
    KS_ECO_CHAINGUARD,
    KS_ECO_REDHAT,
    KS_ECO_ROCKY,
    KS_ECO_ALMA,
    KS_ECO_AMAZON,
    KS_ECO_ORACLE,
    KS_ECO_CENTOS,
    KS_ECO_FEDORA,
    KS_ECO_SUSE,
    KS_ECO_OPENSUSE,
    KS_ECO_PHOTON,
    KS_ECO_AZURE, /* Azure Linux / CBL-Mariner */
    /* language ecosystems */
    KS_ECO_PYPI,
    KS_ECO_NPM,
    KS_ECO_CRATES,
    KS_ECO_GO,
    KS_ECO_MAVEN,
    KS_ECO_NUGET,
    KS_ECO_RUBYGEMS,
    KS_ECO_PACKAGIST,
    KS_ECO_HEX,
    KS_ECO_PUB,
    KS_ECO_SWIFTURL,
    KS_ECO_CRAN,
    KS_ECO_HACKAGE,
    KS_ECO_CONAN,
    KS_ECO_COCOAPODS,
    KS_ECO_COUNT
};

struct ks_eco_info {
    enum ks_eco eco;
    const char *name;      /* OSV ecosystem name without release: "Debian", "crates.io" */
    enum ks_scheme scheme; /* how its versions order */
    bool is_os;            /* a distribution's packages (never matched with language advisories) */
    const char *purl_type; /* "deb", "pypi", ... */
    const char *purl_namespace; /* default namespace for OS purls ("debian"), or NULL */
};

/* Table row for eco; KS_ECO_UNKNOWN's row for out-of-range values. Never NULL. */
const struct ks_eco_info *ks_eco_info(enum ks_eco eco);
/*
 * Parse an OSV ecosystem string, optionally with a release: "Debian:12",
 * "Alpine:v3.19", "Red Hat:8", "PyPI". Names match case-insensitively, and
 * common aliases are accepted ("go", "cargo", "composer", "Amazon Linux",
 * "CBL-Mariner"). release is a view into s (len 0 when absent).
 * KS_EINVAL with a message listing nothing secret when the name is unknown.
 */
enum ks_code ks_eco_parse(struct ks_str s, enum ks_eco *eco, struct ks_str *release,
                          struct ks_err *err);
/*
 * Append the normalised form of a package name, as stored and looked up in
 * the vulnerability DB: PyPI per PEP 503 (lower case, runs of -_. -> -),
 * NuGet and Packagist lower case, everything else as given. out is a buffer.
 */
void ks_eco_normalize_name(enum ks_eco eco, struct ks_str name, struct ks_buf *out);

/* ------------------------------------------------------------------------ */
/* OSV `affected` evaluation (https://ossf.github.io/osv-schema/).           */

enum ks_osv_range_type { KS_RANGE_ECOSYSTEM, KS_RANGE_SEMVER, KS_RANGE_GIT };
enum ks_osv_event_type { KS_EV_INTRODUCED, KS_EV_FIXED, KS_EV_LAST_AFFECTED, KS_EV_LIMIT };

struct ks_osv_event {
    enum ks_osv_event_type type;
    struct ks_str version; /* "0" for introduced means "from the beginning" */
};

struct ks_osv_range {
    enum ks_osv_range_type type;
    const struct ks_osv_event *events;
    size_t n_events;
};

/* One `affected[]` entry's version data, borrowed. */
struct ks_osv_affected {
    enum ks_scheme scheme; /* the package ecosystem's scheme: used for ECOSYSTEM ranges; */
                           /* SEMVER ranges use SemVer (Go's rules for KS_SCHEME_GO)    */
    const struct ks_osv_range *ranges;
    size_t n_ranges;
    const struct ks_str *versions; /* explicit affected versions */
    size_t n_versions;
};

enum ks_affect {
    KS_AFFECT_NO = 0,
    KS_AFFECT_YES,
    KS_AFFECT_UNKNOWN, /* a version could not be parsed or ordered: report, never drop */
};

struct ks_affect_result {
    enum ks_affect affected;
    /* The nearest `fixed` event above the version (in a range that affects */
    /* it), borrowed from the events; len 0 when there is no fix.            */
    struct ks_str fixed;
    /* For KS_AFFECT_UNKNOWN: why ("cannot parse '1.x' as a dpkg version"). */
    char reason[200];
};

/*
 * Is `version` affected? Follows the OSV evaluation rules: events are
 * ordered per range; a version is affected by a range when it is at or after
 * an introduced event and before the next fixed/limit event (or at or before
 * a last_affected event); it is affected when any range says so, or it is in
 * `versions`. GIT ranges are skipped. An unparsable installed version gives
 * KS_AFFECT_UNKNOWN (never NO). Returns KS_OK unless arguments are invalid.
 */
enum ks_code ks_osv_evaluate(const struct ks_osv_affected *a, struct ks_str version,
                             struct ks_affect_result *out, struct ks_err *err);

/*
 * Read the version data of one OSV `affected[]` JSON object (ranges with
 * their events, and versions) into *out, allocating from arena; the strings
 * point into the JSON object, which must outlive *out. The scheme comes from
 * package.ecosystem (KS_SCHEME_NONE when unknown). KS_EPARSE names the bad
 * field ("ranges[1].events[0]: unknown event type 'fixd'").
 */
enum ks_code ks_osv_affected_from_json(const json_t *affected, struct ks_arena *arena,
                                       struct ks_osv_affected *out, struct ks_err *err);

#endif
