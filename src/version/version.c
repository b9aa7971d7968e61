/*
 * version.c: scheme names and the dispatch behind ks_ver_compare(). The
 * limits every scheme shares (not empty, no NUL, at most KS_VER_MAX_LEN
 * bytes) are checked here once; each scheme file then parses in place.
 */
#include "version/version_int.h"

#include <string.h>

#include "base/banned.h"

static const struct {
    const char *name;
    ver_cmp_fn cmp;
} schemes[KS_SCHEME_COUNT] = {
    [KS_SCHEME_NONE] = {"none", NULL},
    [KS_SCHEME_DPKG] = {"dpkg", ks_ver_cmp_dpkg},
    [KS_SCHEME_RPM] = {"rpm", ks_ver_cmp_rpm},
    [KS_SCHEME_APK] = {"apk", ks_ver_cmp_apk},
    [KS_SCHEME_PEP440] = {"pep440", ks_ver_cmp_pep440},
    [KS_SCHEME_SEMVER] = {"semver", ks_ver_cmp_semver},
    [KS_SCHEME_GO] = {"go", ks_ver_cmp_go},
    [KS_SCHEME_MAVEN] = {"maven", ks_ver_cmp_maven},
    [KS_SCHEME_NUGET] = {"nuget", ks_ver_cmp_nuget},
    [KS_SCHEME_RUBYGEMS] = {"rubygems", ks_ver_cmp_rubygems},
    [KS_SCHEME_COMPOSER] = {"composer", ks_ver_cmp_composer},
    [KS_SCHEME_PUB] = {"pub", ks_ver_cmp_pub},
    [KS_SCHEME_CRAN] = {"cran", ks_ver_cmp_cran},
    [KS_SCHEME_HACKAGE] = {"hackage", ks_ver_cmp_hackage},
};

const char *
ks_scheme_name(enum ks_scheme scheme)
{
    if ((unsigned)scheme >= KS_SCHEME_COUNT)
        return "none";
    return schemes[scheme].name;
}

enum ks_scheme
ks_scheme_parse(struct ks_str name)
{
    for (int i = 1; i < KS_SCHEME_COUNT; i++)
        if (ks_str_ieq_c(name, schemes[i].name))
            return (enum ks_scheme)i;
    return KS_SCHEME_NONE;
}

/* The checks every scheme shares; NULL when v passes them. */
static const char *
common_check(struct ks_str v)
{
    if (v.len == 0 || v.ptr == NULL)
        return "version is empty";
    if (v.len > KS_VER_MAX_LEN)
        return "version is longer than " KS_VER_MAX_LEN_STR " bytes";
    if (memchr(v.ptr, '\0', v.len) != NULL)
        return "version contains a NUL byte";
    return NULL;
}

/* Quote v in an error message, cut at 64 bytes so the message stays readable. */
static enum ks_code
bad_version(struct ks_err *err, enum ks_scheme scheme, struct ks_str v, const char *why)
{
    int n = v.len > 64 ? 64 : (int)v.len;

    return ks_err_set(err, KS_EPARSE, "cannot parse '%.*s%s' as a %s version: %s", n,
                      v.ptr ? v.ptr : "", v.len > 64 ? "..." : "", ks_scheme_name(scheme), why);
}

enum ks_code
ks_ver_compare(enum ks_scheme scheme, struct ks_str a, struct ks_str b, int *cmp,
               struct ks_err *err)
{
    const char *why;
    int c = 0;
    enum ver_bad bad;

    if ((unsigned)scheme >= KS_SCHEME_COUNT || schemes[scheme].cmp == NULL)
        return ks_err_set(err, KS_EUNSUPPORTED, "no version ordering for scheme '%s'",
                          ks_scheme_name(scheme));
    if (cmp == NULL)
        return ks_err_set(err, KS_EINVAL, "ks_ver_compare: cmp is NULL");
    if ((why = common_check(a)) != NULL)
        return bad_version(err, scheme, a, why);
    if ((why = common_check(b)) != NULL)
        return bad_version(err, scheme, b, why);
    why = "invalid";
    bad = schemes[scheme].cmp(a, b, &c, &why);
    if (bad == VER_BAD_A)
        return bad_version(err, scheme, a, why);
    if (bad == VER_BAD_B)
        return bad_version(err, scheme, b, why);
    *cmp = c < 0 ? -1 : c > 0 ? 1 : 0;
    return KS_OK;
}

enum ks_code
ks_ver_check(enum ks_scheme scheme, struct ks_str v, struct ks_err *err)
{
    int cmp;

    return ks_ver_compare(scheme, v, v, &cmp, err);
}

int
ks_ver_digits_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    int c;

    while (an > 0 && *a == '0')
        a++, an--;
    while (bn > 0 && *b == '0')
        b++, bn--;
    if (an != bn)
        return an < bn ? -1 : 1;
    c = an ? memcmp(a, b, an) : 0;
    return (c > 0) - (c < 0);
}

int
ks_ver_bytes_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    size_t n = an < bn ? an : bn;
    int c = n ? memcmp(a, b, n) : 0;

    if (c != 0)
        return (c > 0) - (c < 0);
    return (an > bn) - (an < bn);
}

size_t
ks_ver_span_digits(const char *p, const char *end)
{
    const char *s = p;

    while (p < end && ver_isdigit(*p))
        p++;
    return (size_t)(p - s);
}

bool
ks_ver_ieq(const char *p, size_t n, const char *lit)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (lit[i] == '\0' || ver_lower(p[i]) != lit[i])
            return false;
    return lit[i] == '\0';
}
