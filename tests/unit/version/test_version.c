/*
 * test_version.c: per-scheme tables (each case checked against the
 * ecosystem's tool where the machine has it), the shared limits, the
 * ecosystem table and name normalisation.
 */
#include "test.h"
#include "version/version.h"

#include <string.h>

struct vcase {
    const char *a, *b;
    int want; /* -1, 0, 1; 9 = a or b must be rejected */
};

static void
run_table(enum ks_scheme scheme, const struct vcase *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct ks_err err = KS_ERR_INIT;
        int cmp = 42, back = 42;
        enum ks_code rc = ks_ver_compare(scheme, ks_str_c(c[i].a), ks_str_c(c[i].b), &cmp, &err);

        if (c[i].want == 9) {
            CHECK_MSG(rc == KS_EPARSE, "%s: '%s' vs '%s' should be rejected (got %s)",
                      ks_scheme_name(scheme), c[i].a, c[i].b, ks_code_name(rc));
            CHECK_MSG(cmp == 42, "cmp written on failure");
            continue;
        }
        CHECK_MSG(rc == KS_OK, "%s: '%s' vs '%s': %s", ks_scheme_name(scheme), c[i].a, c[i].b,
                  err.msg);
        CHECK_MSG(cmp == c[i].want, "%s: '%s' vs '%s': got %d want %d", ks_scheme_name(scheme),
                  c[i].a, c[i].b, cmp, c[i].want);
        /* antisymmetry */
        ks_ver_compare(scheme, ks_str_c(c[i].b), ks_str_c(c[i].a), &back, NULL);
        CHECK_MSG(back == -c[i].want, "%s: '%s' vs '%s' reversed: got %d",
                  ks_scheme_name(scheme), c[i].b, c[i].a, back);
    }
}

#define TABLE(scheme, t) run_table(scheme, t, KS_ARRAY_LEN(t))

static void
test_dpkg(void)
{
    static const struct vcase t[] = {
        {"1.0~rc1", "1.0", -1},          /* tilde sorts before the release */
        {"1:0.9", "2.0", 1},             /* epoch beats everything after it */
        {"1.0-1", "1.0-1ubuntu1", -1},   /* end of string sorts before letters */
        {"1.0", "1.0-0", 0},             /* empty revision == "0" */
        {"2.30-1+deb12u1", "2.30-1", 1}, {"1.2.3-1~deb7u1", "1.2.3-1", -1},
        {"1.0a", "1.0+", -1},            /* letters before punctuation */
        {"1.0~~", "1.0~", -1},           {"10.0001", "10.1", 0},
        {"+1:2", "1:2", 0},              /* dpkg's strtol takes a '+' sign */
        {" 1.0 ", "1.0", 0},             /* surrounding blanks are trimmed */
        {"a", "b", -1},                  /* dpkg only warns: no leading digit */
        {"1:", "1", 9},                  {"a:1", "1", 9},
        {"1.0-", "1", 9},                {"1.0 x", "1", 9},
        {"2147483648:1", "1", 9},        {"2147483647:1", "1", 1},
        {"1:-1", "1", 9},
    };
    TABLE(KS_SCHEME_DPKG, t);
}

static void
test_rpm(void)
{
    static const struct vcase t[] = {
        {"1.0~rc1", "1.0", -1},   {"1.0^git1", "1.0", 1},      {"1.0^git1", "1.01", -1},
        {"1.0~rc1^git1", "1.0~rc1", 1},                        {"1:1.0", "2.0", 1},
        {"1.0", "1.0-1", -1},     /* rpmverCmp: no release < a release */
        {"1-1.el7", "1-1.el7_9", -1}, {"2.0a", "2.0", 1},      {"2.0", "2.0.a", -1},
        {"1.1.α", "1.1.β", 0},    /* non-ASCII bytes are separators */
        {"0:3.10.0-229.el7", "0:3.10.0-229.1.2.ael7b", -1},    {":1", "0:1", 0},
        {"a:1", "1", -1},         /* no epoch: "a:1" is the version, letters < digits */
    };
    TABLE(KS_SCHEME_RPM, t);
}

static void
test_apk(void)
{
    static const struct vcase t[] = {
        {"1.2.3-r0", "1.2.3-r1", -1}, {"1.2.3_rc1", "1.2.3", -1}, {"1.2.3_p1", "1.2.3", 1},
        {"1.2_alpha", "1.2_beta", -1}, {"1.2_git1", "1.2_svn1", 1}, {"1.2a", "1.2b", -1},
        {"1.01", "1.1", -1},          /* leading zero: string order */
        {"1.0_alpha_pre2", "1.0_alpha", -1},
        {"1.9.5p2-r0", "1.9.5p1-r0", 1}, /* apk 2 takes a letter + digits (sudo's versions) */
        {"1.9.5p2-r0", "1.9.12-r0", -1}, {"1-r", "1-r0", 0}, {".1", "1", -1},
        {"1.0", "1.0.0", -1},           {"1.001", "1.01", -1}, /* more leading zeros: smaller */
        {"1.2_blah", "1", 9},           {"1.2.3~abc123-r0", "1", 9}, {"1.2.0A", "1", 9},
        {"1-r-1", "1", 9},              {"1-ruff", "1", 9},  {"1.11-20-r0", "1", 9},
    };
    TABLE(KS_SCHEME_APK, t);
}

static void
test_pep440(void)
{
    static const struct vcase t[] = {
        {"1.0-1", "1.0.post1", 0},   {"1.0alpha", "1.0a0", 0},  {"1.0RC1", "1.0rc1", 0},
        {"1.0c1", "1.0rc1", 0},      {"1.0.dev1", "1.0a1", -1}, {"1.0a1.dev1", "1.0a1", -1},
        {"1.0", "1.0.0", 0},         {"1.0+local", "1.0", 1},   {"1.0+1", "1.0+a", 1},
        {"1.0+a.1", "1.0+a", 1},     {"1!0.1", "2.0", 1},       {"v1.0", "1.0", 0},
        {" 1.0\n", "1.0", 0},        {"1.0.post1.dev1", "1.0.post1", -1},
        {"1.0.post1", "1.0.post1.dev1", 1}, {"1.0-r1", "1.0.post1", 0},
        {"1.0preview2", "1.0rc2", 0}, {"2019-09-12", "1", 9}, {"1.0-bulbasaur", "1", 9},
        {"1.0+", "1", 9},            {"1.0\xc5\xbf", "1", 9},
    };
    TABLE(KS_SCHEME_PEP440, t);
}

static void
test_semver_go_pub(void)
{
    static const struct vcase sv[] = {
        {"1.0.0-alpha", "1.0.0-alpha.1", -1}, {"1.0.0-beta.2", "1.0.0-beta.11", -1},
        {"1.0.0-rc.1", "1.0.0", -1},          {"1.0.0+build", "1.0.0", 0},
        {"v1.2.3", "1.2.3", 0},               {"1.2.3-r2", "1.2.3-r100", 1},
        {"1.0", "1", 9},                      {"01.0.0", "1", 9},
        {"1.0.0-01", "1", 9},                 {"1.0.0-", "1", 9},
    };
    static const struct vcase go[] = {
        {"v1", "v1.0.0", 0},                  {"1.2", "v1.2.0", 0},
        {"v2.0.0+incompatible", "v2.0.0", 0}, /* build metadata does not order */
        {"v0.0.0-20210101000000-abcdef123456", "v0.0.1", -1}, /* pseudo-version */
        {"v1.2.4-0.20210101000000-abcdef123456", "v1.2.3", 1},
        {"v1-pre", "v1", 9},                  {"v1.2.3.4", "v1", 9},
    };
    static const struct vcase pub[] = {
        {"1.0.0", "1.0.0+build", -1},         {"1.2.3+1", "1.2.3+a", -1},
        {"1.2.3+9d", "1.2.3+1z", 1},          {"01.2.3", "1.2.3", 0},
        {"1.0.0-pre+b", "1.0.0-pre", 1},      {"v1.0.0", "1", 9},
    };
    TABLE(KS_SCHEME_SEMVER, sv);
    TABLE(KS_SCHEME_GO, go);
    TABLE(KS_SCHEME_PUB, pub);
}

static void
test_maven(void)
{
    static const struct vcase t[] = {
        {"1.0-alpha-1", "1.0", -1},  {"1.0-SNAPSHOT", "1.0", -1}, {"1.0-beta-1", "1.0-SNAPSHOT", -1},
        {"1.0-rc1", "1.0-cr1", 0},   {"1", "1.0.0", 0},           {"1-ga", "1", 0},
        {"1-final", "1-release", 0}, {"1.0-sp", "1.0", 1},        {"1.0-1", "1.0", 1},
        {"1.0.0.RC1", "1.0.0-RC2", -1}, /* MNG-7644 in 3.8.7 */
        {"1a1", "1-alpha-1", 0},     {"2.9.0-1", "2.9.0.RC1", 1}, {"1.0-xyz", "1.0", 1},
        {"1-0.alpha", "1-alpha", 1}, {"20190126.230843", "1234567890.12345", -1},
        {"1.0.é", "1", 9},
    };
    TABLE(KS_SCHEME_MAVEN, t);
}

static void
test_nuget_gem_composer(void)
{
    static const struct vcase nuget[] = {
        {"1.0", "1.0.0.0", 0},          {"1.0.0-BETA", "1.0.0-beta", 0},
        {"1.0.0-beta2", "1.0.0-BETA", 1}, {"1.0.0+AA", "1.0.0-beta+aa", 1},
        {"1.0.0-beta.10", "1.0.0-beta.9", 1}, {"1.0.01", "1.0.1.0", 0},
        {"2147483648.0", "1", 9},       {"1.0.0-01", "1", 9},
    };
    static const struct vcase gem[] = {
        {"1.0.a", "1.0", -1},  {"1.0.0", "1", 0},     {"1.0-1", "1.0.pre.1", 0},
        {"1.a.0", "1.a", 0},   {"1.0.b1", "1.0.a2", 1}, {"1.10", "1.9", 1},
        {"1beta", "1", 9},     {"v1.0", "1", 9},
    };
    static const struct vcase composer[] = {
        {"1.0", "1.0.0", 0},         {"1.0.0-beta2.1", "1.0.0-b.2.1", 0},
        {"1.0-dev", "1.0-alpha", -1}, {"1.0-patch1", "1.0", 1},
        {"1.0.0-RC1", "1.0.0-rc1", 0}, {"dev-foo", "1.0", -1},
        {"v2.0", "2.0.0.0", 0},      {"1.x-dev", "1.2", 1},
        {"2010-01-02", "2010.01.02", -1}, /* date form vs classical 2010.01.02.0 */
        {"1.0 as 2.0", "1.0", 0},
        {"1.0.0.0.0", "1", 9},       {"1.2.3.#", "1", 9},
    };
    TABLE(KS_SCHEME_NUGET, nuget);
    TABLE(KS_SCHEME_RUBYGEMS, gem);
    TABLE(KS_SCHEME_COMPOSER, composer);
}

static void
test_lists(void)
{
    static const struct vcase cran[] = {
        {"1.0-1", "1.0.1", 0}, {"1.8", "1.8.0", -1}, {"0.9", "0.75", -1}, {"1", "2", 9},
    };
    static const struct vcase hackage[] = {
        {"1.0", "1.0.0", -1}, {"2", "1.9", 1}, {"01", "1", 9}, {"1234567890", "1", 9},
    };
    TABLE(KS_SCHEME_CRAN, cran);
    TABLE(KS_SCHEME_HACKAGE, hackage);
}

static void
test_limits(void)
{
    char big[KS_VER_MAX_LEN + 2];
    struct ks_err err = KS_ERR_INIT;
    int cmp = 7;

    memset(big, '1', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    for (int s = 1; s < KS_SCHEME_COUNT; s++) {
        CHECK_INT(ks_ver_compare((enum ks_scheme)s, KS_STR(""), KS_STR("1"), &cmp, &err),
                  KS_EPARSE);
        CHECK_INT(ks_ver_compare((enum ks_scheme)s, ks_str_c(big), KS_STR("1"), &cmp, &err),
                  KS_EPARSE);
        CHECK_INT(ks_ver_compare((enum ks_scheme)s, KS_STR("1\0002"), KS_STR("1"), &cmp, &err),
                  KS_EPARSE);
        CHECK_INT(cmp, 7);
    }
    CHECK_INT(ks_ver_compare(KS_SCHEME_NONE, KS_STR("1"), KS_STR("1"), &cmp, &err),
              KS_EUNSUPPORTED);
    CHECK_INT(ks_ver_check(KS_SCHEME_DPKG, KS_STR("1:"), &err), KS_EPARSE);
    CHECK(strstr(err.msg, "'1:'") != NULL && strstr(err.msg, "dpkg") != NULL);
    CHECK_STR(ks_scheme_name(KS_SCHEME_PEP440), "pep440");
    CHECK_INT(ks_scheme_parse(KS_STR("RPM")), KS_SCHEME_RPM);
}

static void
test_ecosystems(void)
{
    static const struct {
        const char *s;
        enum ks_eco eco;
        const char *release;
    } t[] = {
        {"Debian:12", KS_ECO_DEBIAN, "12"},           {"debian", KS_ECO_DEBIAN, ""},
        {"Alpine:v3.19", KS_ECO_ALPINE, "v3.19"},     {"Red Hat:rhel_aus:8.4::appstream", KS_ECO_REDHAT, "rhel_aus:8.4::appstream"},
        {"Ubuntu:Pro:18.04:LTS", KS_ECO_UBUNTU, "Pro:18.04:LTS"}, {"crates.io", KS_ECO_CRATES, ""},
        {"cargo", KS_ECO_CRATES, ""},                 {"go", KS_ECO_GO, ""},
        {"composer", KS_ECO_PACKAGIST, ""},           {"Amazon Linux:2023", KS_ECO_AMAZON, "2023"},
        {"CBL-Mariner:2.0", KS_ECO_AZURE, "2.0"},     {"Photon OS:3.0", KS_ECO_PHOTON, "3.0"},
        {"Maven:https://maven.google.com", KS_ECO_MAVEN, "https://maven.google.com"},
    };
    struct ks_err err = KS_ERR_INIT;
    enum ks_eco eco;
    struct ks_str rel;

    for (size_t i = 0; i < KS_ARRAY_LEN(t); i++) {
        CHECK_OK(ks_eco_parse(ks_str_c(t[i].s), &eco, &rel, &err));
        CHECK_MSG(eco == t[i].eco, "%s", t[i].s);
        CHECK_MSG(ks_str_eq_c(rel, t[i].release), "%s: release '%.*s'", t[i].s, (int)rel.len,
                  rel.ptr);
    }
    CHECK_INT(ks_eco_parse(KS_STR("Debianx"), &eco, &rel, &err), KS_EINVAL);
    CHECK(strstr(err.msg, "Debianx") != NULL);
    for (int e = 0; e < KS_ECO_COUNT; e++) {
        const struct ks_eco_info *info = ks_eco_info((enum ks_eco)e);

        CHECK_INT(info->eco, e);
        CHECK(info->name != NULL && info->purl_type != NULL);
        if (e > 0) { /* every name parses back to itself */
            CHECK_OK(ks_eco_parse(ks_str_c(info->name), &eco, NULL, &err));
            CHECK_INT(eco, e);
        }
    }
    CHECK_INT(ks_eco_info(KS_ECO_UBUNTU)->scheme, KS_SCHEME_DPKG);
    CHECK(ks_eco_info(KS_ECO_ALPINE)->is_os && !ks_eco_info(KS_ECO_NPM)->is_os);
    CHECK_INT(ks_eco_info((enum ks_eco)999)->eco, KS_ECO_UNKNOWN);
}

static void
test_normalize(void)
{
    struct ks_buf b = KS_BUF_INIT(1024);

    ks_eco_normalize_name(KS_ECO_PYPI, KS_STR("Zope.Interface__x--Y"), &b);
    CHECK_STR(b.data, "zope-interface-x-y");
    ks_buf_reset(&b);
    ks_eco_normalize_name(KS_ECO_NUGET, KS_STR("Newtonsoft.Json"), &b);
    CHECK_STR(b.data, "newtonsoft.json");
    ks_buf_reset(&b);
    ks_eco_normalize_name(KS_ECO_PACKAGIST, KS_STR("Symfony/HTTP-Kernel"), &b);
    CHECK_STR(b.data, "symfony/http-kernel");
    ks_buf_reset(&b);
    ks_eco_normalize_name(KS_ECO_MAVEN, KS_STR("org.Apache:Foo_Bar"), &b);
    CHECK_STR(b.data, "org.Apache:Foo_Bar");
    CHECK_OK(ks_buf_err(&b));
    ks_buf_release(&b);
}

KS_TEST_MAIN(KS_TEST(test_dpkg), KS_TEST(test_rpm), KS_TEST(test_apk), KS_TEST(test_pep440),
             KS_TEST(test_semver_go_pub), KS_TEST(test_maven), KS_TEST(test_nuget_gem_composer),
             KS_TEST(test_lists), KS_TEST(test_limits), KS_TEST(test_ecosystems),
             KS_TEST(test_normalize))
