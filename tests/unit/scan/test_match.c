/*
 * test_match.c: the matcher against a small DB built from advisories written
 * by the test (each case says what it proves), and the scan driver's
 * document on top of it: source-version matching with epochs, release
 * isolation, alias merging (GHSA+CVE, DLA upstream), OS-owned language
 * packages, OS/language separation, unknown versions, ecosystems without
 * data, withdrawn advisories, vendor not_affected, running kernels,
 * suppression rules and VEX.
 */
#include "test.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "match/match.h"
#include "scan/scan.h"

static char db_path[4096];

static void
write_file(const char *dir, const char *name, const char *text)
{
    char path[4600];
    struct ks_err err = KS_ERR_INIT;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    CHECK_OK(ks_file_write_atomic(path, text, strlen(text), 0644, &err));
}

/* The advisories every case below reads. */
static const struct {
    const char *name, *json;
} advisories[] = {
    /* gcc-12 source at 12.2.0-14; the binary cpp is 4:12.2.0-3 (epoch 4):    */
    /* only the source version says "affected".                              */
    {"DEBIAN-CVE-2099-0001.json",
     "{\"id\":\"DEBIAN-CVE-2099-0001\",\"modified\":\"2024-01-01T00:00:00Z\","
     "\"upstream\":[\"CVE-2099-0001\"],\"details\":\"gcc bug\",\"affected\":[{\"package\":{"
     "\"ecosystem\":\"Debian:12\",\"name\":\"gcc-12\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","
     "\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"12.2.0-15\"}]}]}]}"},
    /* Only Debian 11: must not touch a Debian 12 package. */
    {"DEBIAN-CVE-2099-0002.json",
     "{\"id\":\"DEBIAN-CVE-2099-0002\",\"modified\":\"2024-01-01T00:00:00Z\","
     "\"upstream\":[\"CVE-2099-0002\"],\"affected\":[{\"package\":{\"ecosystem\":\"Debian:11\","
     "\"name\":\"gcc-12\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":"
     "\"0\"},{\"fixed\":\"12.2.0-99\"}]}]}]}"},
    /* A DLA fixing two CVEs: one finding per CVE, the DLA related to both. */
    {"DLA-9999-1.json",
     "{\"id\":\"DLA-9999-1\",\"modified\":\"2024-01-01T00:00:00Z\",\"upstream\":"
     "[\"CVE-2099-0003\",\"CVE-2099-0004\",\"DEBIAN-CVE-2099-0003\"],\"summary\":\"zlib - "
     "security update\",\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":"
     "\"zlib\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},"
     "{\"fixed\":\"1:1.2.13.dfsg-2\"}]}]}]}"},
    /* GHSA and PYSEC of the same CVE for one PyPI package: one finding. */
    {"GHSA-aaaa-bbbb-cccc.json",
     "{\"id\":\"GHSA-aaaa-bbbb-cccc\",\"modified\":\"2024-01-01T00:00:00Z\",\"aliases\":"
     "[\"CVE-2099-0005\"],\"severity\":[{\"type\":\"CVSS_V3\",\"score\":"
     "\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}],\"database_specific\":{\"severity\":"
     "\"CRITICAL\"},\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"PyYAML\"},"
     "\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":"
     "\"5.4\"}]}]}]}"},
    {"PYSEC-2099-5.json",
     "{\"id\":\"PYSEC-2099-5\",\"modified\":\"2024-01-01T00:00:00Z\",\"aliases\":"
     "[\"CVE-2099-0005\",\"GHSA-aaaa-bbbb-cccc\"],\"affected\":[{\"package\":{\"ecosystem\":"
     "\"PyPI\",\"name\":\"pyyaml\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":"
     "[{\"introduced\":\"0\"},{\"fixed\":\"5.3.1\"}]}]}]}"},
    /* A PyPI advisory named like a Debian source package: never for OS packages. */
    {"PYSEC-2099-6.json",
     "{\"id\":\"PYSEC-2099-6\",\"modified\":\"2024-01-01T00:00:00Z\",\"aliases\":"
     "[\"CVE-2099-0006\"],\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\",\"name\":"
     "\"zlib\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}"},
    /* npm: an installed version npm could never parse gives UNKNOWN, not silence. */
    {"GHSA-npm0-0000-0001.json",
     "{\"id\":\"GHSA-npm0-0000-0001\",\"modified\":\"2024-01-01T00:00:00Z\",\"affected\":"
     "[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"left-pad\"},\"ranges\":[{\"type\":"
     "\"SEMVER\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.3.0\"}]}]}]}"},
    /* Withdrawn: stored, never matched. */
    {"GHSA-wwww-0000-0001.json",
     "{\"id\":\"GHSA-wwww-0000-0001\",\"modified\":\"2024-01-01T00:00:00Z\",\"withdrawn\":"
     "\"2024-02-01T00:00:00Z\",\"aliases\":[\"CVE-2099-0007\"],\"affected\":[{\"package\":"
     "{\"ecosystem\":\"PyPI\",\"name\":\"pyyaml\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","
     "\"events\":[{\"introduced\":\"0\"}]}]}]}"},
    /* The distribution says not_affected for openssl: its word beats NVD-based OSV. */
    {"DEBIAN-CVE-2099-0008.json",
     "{\"id\":\"DEBIAN-CVE-2099-0008\",\"modified\":\"2024-01-01T00:00:00Z\",\"upstream\":"
     "[\"CVE-2099-0008\"],\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":"
     "\"openssl\"},\"status\":\"not_affected\"}]}"},
    {"OSV-2099-0008.json",
     "{\"id\":\"OSV-2099-0008\",\"modified\":\"2024-01-01T00:00:00Z\",\"aliases\":"
     "[\"CVE-2099-0008\"],\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":"
     "\"openssl\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"}]}]}]}"},
    /* Red Hat's fix: CentOS Linux 7 rebuilds RHEL 7, so it applies there too. */
    {"RHSA-2099:0010.json",
     "{\"id\":\"RHSA-2099:0010\",\"modified\":\"2024-01-01T00:00:00Z\",\"upstream\":"
     "[\"CVE-2099-0010\"],\"affected\":[{\"package\":{\"ecosystem\":\"Red Hat:7\",\"name\":"
     "\"openssl-libs\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":"
     "\"0\"},{\"fixed\":\"1:1.0.2k-26.el7_9\"}]}]}]}"},
    /* Kernel: only the running one is matched on a live host. */
    {"DEBIAN-CVE-2099-0009.json",
     "{\"id\":\"DEBIAN-CVE-2099-0009\",\"modified\":\"2024-01-01T00:00:00Z\",\"upstream\":"
     "[\"CVE-2099-0009\"],\"affected\":[{\"package\":{\"ecosystem\":\"Debian:12\",\"name\":"
     "\"linux\"},\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\"},"
     "{\"fixed\":\"6.1.99-1\"}]}]}]}"},
};

static const char nvd_json[] =
    "{\"resultsPerPage\":1,\"startIndex\":0,\"totalResults\":1,\"format\":\"NVD_CVE\","
    "\"version\":\"2.0\",\"timestamp\":\"2024-01-01T00:00:00.000\",\"vulnerabilities\":[{"
    "\"cve\":{\"id\":\"CVE-2099-0001\",\"published\":\"2024-01-01T00:00:00.000\","
    "\"lastModified\":\"2024-01-01T00:00:00.000\",\"descriptions\":[{\"lang\":\"en\","
    "\"value\":\"NVD text\"}],\"metrics\":{\"cvssMetricV31\":[{\"source\":\"nvd@nist.gov\","
    "\"type\":\"Primary\",\"cvssData\":{\"version\":\"3.1\",\"vectorString\":"
    "\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\",\"baseScore\":9.8,"
    "\"baseSeverity\":\"CRITICAL\"}}]}}}]}";

static const char kev_json[] =
    "{\"title\":\"CISA Catalog of Known Exploited Vulnerabilities\",\"catalogVersion\":"
    "\"2024.01.01\",\"dateReleased\":\"2024-01-01T00:00:00.000Z\",\"count\":1,"
    "\"vulnerabilities\":[{\"cveID\":\"CVE-2099-0001\",\"vendorProject\":\"GNU\",\"product\":"
    "\"gcc\",\"vulnerabilityName\":\"x\",\"dateAdded\":\"2024-01-02\",\"shortDescription\":"
    "\"x\",\"requiredAction\":\"patch\",\"dueDate\":\"2024-01-23\","
    "\"knownRansomwareCampaignUse\":\"Unknown\",\"notes\":\"\"}]}";

static void
build_db(void)
{
    const char *tmp = ks_test_tmpdir();
    char osv[4200], feeds[4200];
    const char *paths[3];
    struct ks_arena *a;
    struct ks_vulndb_summary sum;
    struct ks_err err = KS_ERR_INIT;

    if (db_path[0] != '\0')
        return;
    a = ks_arena_new(0);
    snprintf(osv, sizeof(osv), "%s/osv", tmp);
    snprintf(feeds, sizeof(feeds), "%s/feeds", tmp);
    CHECK_OK(ks_mkdir_p(osv, 0755, &err));
    CHECK_OK(ks_mkdir_p(feeds, 0755, &err));
    for (size_t i = 0; i < KS_ARRAY_LEN(advisories); i++)
        write_file(osv, advisories[i].name, advisories[i].json);
    write_file(feeds, "nvd.json", nvd_json);
    write_file(feeds, "known_exploited_vulnerabilities.json", kev_json);
    write_file(feeds, "epss.csv",
               "#model_version:v2023.03.01,score_date:2024-01-01T00:00:00+0000\n"
               "cve,epss,percentile\nCVE-2099-0005,0.00100,0.20000\n");
    snprintf(db_path, sizeof(db_path), "%s/vuln.db", tmp);
    paths[0] = osv;
    paths[1] = feeds;
    CHECK_OK(ks_vulndb_import(db_path, paths, 2, NULL, a, &sum, &err));
    if (err.code != KS_OK)
        fprintf(stderr, "import: %s\n", err.msg);
    ks_arena_free(a);
}

static struct ks_pkg *
add_pkg(struct ks_inventory *inv, enum ks_eco eco, const char *ecosystem, const char *name,
        const char *version, const char *src, const char *src_ver, unsigned flags,
        const char *path)
{
    struct ks_pkg *p = ks_pkg_new(inv);
    struct ks_pkg *merged = NULL;

    p->eco = eco;
    p->ecosystem = ecosystem;
    p->name = name;
    p->version = version;
    p->source_name = src;
    p->source_version = src_ver;
    p->flags = flags;
    p->path = path;
    p->arch = "amd64";
    p->purl = ks_pkg_make_purl(inv, p);
    CHECK_OK(ks_inventory_add(inv, p, &merged, NULL));
    return merged ? merged : p;
}

/* A Debian 12 host with packages exercising every rule. */
static struct ks_inventory *
make_inventory(struct ks_arena *a)
{
    struct ks_inventory *inv = ks_inventory_new(a);
    struct ks_pkg *dpkg_python;

    inv->has_os = true;
    inv->os.id = "debian";
    inv->os.version_id = "12";
    inv->os.kernel = "6.1.0-20-amd64";
    inv->target.type = KS_RES_HOST;
    inv->target.name = "testroot";
    CHECK_OK(ks_os_finish(&inv->os, a));
    add_pkg(inv, KS_ECO_DEBIAN, "Debian:12", "cpp", "4:12.2.0-3", "gcc-12", "12.2.0-14", KS_PKG_OS,
            "var/lib/dpkg/status");
    add_pkg(inv, KS_ECO_DEBIAN, "Debian:12", "zlib1g", "1:1.2.13.dfsg-1", "zlib", NULL, KS_PKG_OS,
            "var/lib/dpkg/status");
    add_pkg(inv, KS_ECO_DEBIAN, "Debian:12", "openssl", "3.0.11-1~deb12u2", NULL, NULL, KS_PKG_OS,
            "var/lib/dpkg/status");
    add_pkg(inv, KS_ECO_DEBIAN, "Debian:12", "linux-image-6.1.0-20-amd64", "6.1.85-1", "linux",
            NULL, KS_PKG_OS | KS_PKG_KERNEL | KS_PKG_RUNNING_KERNEL, "var/lib/dpkg/status");
    add_pkg(inv, KS_ECO_DEBIAN, "Debian:12", "linux-image-6.1.0-18-amd64", "6.1.76-1", "linux",
            NULL, KS_PKG_OS | KS_PKG_KERNEL, "var/lib/dpkg/status");
    dpkg_python = add_pkg(inv, KS_ECO_DEBIAN, "Debian:12", "python3-yaml", "6.0-3", "pyyaml",
                          NULL, KS_PKG_OS, "var/lib/dpkg/status");
    add_pkg(inv, KS_ECO_PYPI, "PyPI", "pyyaml", "5.3", NULL, NULL, 0,
            "usr/lib/python3/dist-packages/PyYAML-5.3.dist-info/METADATA");
    CHECK_OK(ks_inventory_own(inv, "usr/lib/python3/dist-packages/PyYAML-5.3.dist-info/METADATA",
                              dpkg_python));
    add_pkg(inv, KS_ECO_PYPI, "PyPI", "pyyaml", "5.1", NULL, NULL, 0,
            "srv/app/venv/lib/python3.11/site-packages/PyYAML-5.1.dist-info/METADATA");
    add_pkg(inv, KS_ECO_NPM, "npm", "left-pad", "banana", NULL, NULL, 0,
            "srv/web/node_modules/left-pad/package.json");
    add_pkg(inv, KS_ECO_DEBIAN, "Debian:13", "bash", "5.2.21-2", NULL, NULL, KS_PKG_OS,
            "var/lib/dpkg/status");
    add_pkg(inv, KS_ECO_NPM, "npm", "unpinned", "", NULL, NULL, 0, "package.json");
    CHECK_OK(ks_inventory_finish(inv, NULL));
    return inv;
}

static const struct ks_match_group *
find_group(const struct ks_match_result *r, const char *vuln, const char *key)
{
    for (size_t i = 0; i < r->n_groups; i++)
        if (strcmp(r->groups[i].vuln_id, vuln) == 0 && strcmp(r->groups[i].group_key, key) == 0)
            return &r->groups[i];
    return NULL;
}

static bool
has_related(const struct ks_match_group *g, const char *id)
{
    for (size_t i = 0; g && i < g->n_related; i++)
        if (strcmp(g->related[i], id) == 0)
            return true;
    return false;
}

static void
test_match_rules(void)
{
    struct ks_arena *a = ks_arena_new(0);
    struct ks_inventory *inv;
    struct ks_vulndb *db = NULL;
    struct ks_match_result r;
    struct ks_err err = KS_ERR_INIT;
    const struct ks_match_group *g;

    build_db();
    inv = make_inventory(a);
    CHECK_OK(ks_vulndb_open(db_path, &db, &err));
    CHECK_OK(ks_match_inventory(db, inv, NULL, a, &r, &err));

    /* Source version, not the binary's epoch-4 version, decides. */
    g = find_group(&r, "CVE-2099-0001", "Debian:12/gcc-12");
    CHECK(g != NULL);
    CHECK(g && g->n_pkgs == 1 && strcmp(g->pkgs[0].pkg->name, "cpp") == 0);
    CHECK(g && g->pkgs[0].fixed && strcmp(g->pkgs[0].fixed, "12.2.0-15") == 0);
    /* Debian 11's advisory stays in Debian 11. */
    CHECK(find_group(&r, "CVE-2099-0002", "Debian:12/gcc-12") == NULL);
    /* One DLA, two CVEs: two findings, each relating the DLA. */
    CHECK(has_related(find_group(&r, "CVE-2099-0003", "Debian:12/zlib"), "DLA-9999-1"));
    CHECK(has_related(find_group(&r, "CVE-2099-0004", "Debian:12/zlib"), "DLA-9999-1"));
    CHECK(has_related(find_group(&r, "CVE-2099-0003", "Debian:12/zlib"), "DEBIAN-CVE-2099-0003"));
    /* ... but not each other: they are separate vulnerabilities. */
    CHECK(!has_related(find_group(&r, "CVE-2099-0004", "Debian:12/zlib"), "CVE-2099-0003"));
    /* GHSA + PYSEC of one CVE: one finding; the OS-owned copy is not in it. */
    g = find_group(&r, "CVE-2099-0005", "PyPI/pyyaml");
    CHECK(g != NULL);
    CHECK(has_related(g, "GHSA-aaaa-bbbb-cccc") && has_related(g, "PYSEC-2099-5"));
    CHECK(g && g->n_pkgs == 1 && strcmp(g->pkgs[0].pkg->version, "5.1") == 0);
    CHECK(g && g->n_advisories == 2);
    /* The highest fix the advisories name (GHSA 5.4 over PYSEC 5.3.1). */
    CHECK(g && g->pkgs[0].fixed && strcmp(g->pkgs[0].fixed, "5.4") == 0);
    CHECK_INT(r.skipped[KS_SKIP_OWNED_BY_OS], 1);
    /* A PyPI advisory named zlib never meets Debian's zlib. */
    CHECK(find_group(&r, "CVE-2099-0006", "Debian:12/zlib") == NULL);
    /* Unknown version: a finding marked unknown. */
    g = find_group(&r, "GHSA-npm0-0000-0001", "npm/left-pad");
    CHECK(g != NULL && g->unknown);
    CHECK(g && g->pkgs[0].affected == KS_AFFECT_UNKNOWN && g->pkgs[0].unknown_reason != NULL);
    /* Withdrawn advisories never match. */
    CHECK(find_group(&r, "CVE-2099-0007", "PyPI/pyyaml") == NULL);
    /* The distribution's not_affected wins over another source's range. */
    CHECK(find_group(&r, "CVE-2099-0008", "Debian:12/openssl") == NULL);
    /* Only the running kernel. */
    g = find_group(&r, "CVE-2099-0009", "Debian:12/linux");
    CHECK(g != NULL && g->n_pkgs == 1 &&
          strcmp(g->pkgs[0].pkg->name, "linux-image-6.1.0-20-amd64") == 0);
    CHECK_INT(r.skipped[KS_SKIP_NOT_RUNNING], 1);
    /* Debian 13 has no data here: reported, not silently clean. */
    CHECK_INT(r.skipped[KS_SKIP_NO_DATA], 1);
    CHECK(r.n_no_data_ecosystems == 1 && strcmp(r.no_data_ecosystems[0], "Debian:13") == 0);
    CHECK_INT(r.skipped[KS_SKIP_NO_VERSION], 1);
    ks_vulndb_free(db);
    ks_arena_free(a);
}

static void
test_match_all_kernels(void)
{
    struct ks_arena *a = ks_arena_new(0);
    struct ks_inventory *inv;
    struct ks_vulndb *db = NULL;
    struct ks_match_result r;
    struct ks_match_opts o = {.all_kernels = true};
    const struct ks_match_group *g;

    build_db();
    inv = make_inventory(a);
    CHECK_OK(ks_vulndb_open(db_path, &db, NULL));
    CHECK_OK(ks_match_inventory(db, inv, &o, a, &r, NULL));
    g = find_group(&r, "CVE-2099-0009", "Debian:12/linux");
    CHECK(g != NULL && g->n_pkgs == 2);
    CHECK_INT(r.skipped[KS_SKIP_NOT_RUNNING], 0);
    ks_vulndb_free(db);
    ks_arena_free(a);
}

static void
test_match_rebuild(void)
{
    struct ks_arena *a = ks_arena_new(0);
    struct ks_inventory *inv = ks_inventory_new(a);
    struct ks_vulndb *db = NULL;
    struct ks_match_result r;
    const struct ks_match_group *g;

    build_db();
    inv->has_os = true;
    inv->os.id = "centos";
    inv->os.version_id = "7";
    inv->target.type = KS_RES_HOST;
    CHECK_OK(ks_os_finish(&inv->os, a));
    add_pkg(inv, inv->os.eco, inv->os.ecosystem, "openssl-libs", "1:1.0.2k-19.el7", NULL, NULL,
            KS_PKG_OS, "var/lib/rpm/Packages");
    CHECK_OK(ks_inventory_finish(inv, NULL));
    CHECK_OK(ks_vulndb_open(db_path, &db, NULL));
    CHECK_OK(ks_match_inventory(db, inv, NULL, a, &r, NULL));
    g = r.n_groups == 1 ? &r.groups[0] : NULL;
    CHECK(g != NULL && strcmp(g->vuln_id, "CVE-2099-0010") == 0);
    CHECK(g && g->pkgs[0].fixed && strcmp(g->pkgs[0].fixed, "1:1.0.2k-26.el7_9") == 0);
    CHECK_INT(r.skipped[KS_SKIP_NO_DATA], 0);
    ks_vulndb_free(db);
    ks_arena_free(a);
}

static void
test_vuln_ids(void)
{
    struct ks_arena *a = ks_arena_new(0);
    const char *aliases[] = {"PYSEC-1", "GHSA-zzzz", "GHSA-aaaa"};
    const char *ups[] = {"CVE-2020-2", "CVE-2020-1", "DEBIAN-CVE-2020-1"};
    struct ks_advisory adv = {0};
    const char **ids;

    adv.id = "GO-2024-1";
    adv.aliases = aliases;
    adv.n_aliases = 3;
    CHECK_INT(ks_match_vuln_ids(&adv, a, &ids), 1);
    CHECK_STR(ids[0], "GHSA-aaaa"); /* no CVE: GHSA first, then by name */
    adv.upstream = ups;
    adv.n_upstream = 3;
    CHECK_INT(ks_match_vuln_ids(&adv, a, &ids), 2);
    CHECK_STR(ids[0], "CVE-2020-1");
    CHECK_STR(ids[1], "CVE-2020-2");
    adv.id = "CVE-2021-9";
    CHECK_INT(ks_match_vuln_ids(&adv, a, &ids), 1);
    CHECK_STR(ids[0], "CVE-2021-9");
    ks_arena_free(a);
}

/* The driver's document: KEV/NVD on a finding, suppression and the gate. */
static json_t *
finding_for(const json_t *doc, const char *vuln)
{
    size_t i;
    json_t *f;

    json_array_foreach(ks_json_arr(doc, "findings"), i, f) {
        const json_t *p = ks_json_obj(f, "packageVulnerabilityDetails");

        if (strcmp(ks_json_str(p, "vulnerabilityId"), vuln) == 0)
            return f;
    }
    return NULL;
}

/* The keys of an inventory, one "ecosystem|release|name" per line. */
static void
keys_text(const struct ks_inventory *inv, struct ks_arena *a, struct ks_buf *got)
{
    struct ks_match_key *k = NULL;
    size_t n = 0;

    CHECK_OK(ks_match_inventory_keys(inv, a, &k, &n, NULL));
    for (size_t i = 0; i < n; i++)
        ks_buf_appendf(got, "%s|%s|%s\n", k[i].ecosystem, k[i].release, k[i].name);
}

/* The index keys stand for exactly the lookups the matcher makes. */
static void
test_package_keys(void)
{
    struct ks_arena *a = ks_arena_new(0);
    struct ks_inventory *inv = make_inventory(a), *centos = ks_inventory_new(a);
    struct ks_buf got = KS_BUF_INIT(1 << 16);

    keys_text(inv, a, &got);
    /* Source packages for Debian, and the binary name where it differs (feeds */
    /* naming binaries); language packages without release; the dpkg-owned */
    /* pyyaml 5.3, the unpinned npm package and bash of a Debian:13 (matched: */
    /* has data is asked later) as the matcher treats them. */
    CHECK_STR(got.data, "Debian|12|gcc-12\n"
                        "Debian|12|cpp\n"
                        "Debian|12|linux\n"
                        "Debian|12|linux-image-6.1.0-18-amd64\n"
                        "Debian|12|linux\n"
                        "Debian|12|linux-image-6.1.0-20-amd64\n"
                        "Debian|12|openssl\n"
                        "Debian|12|pyyaml\n"
                        "Debian|12|python3-yaml\n"
                        "Debian|12|zlib\n"
                        "Debian|12|zlib1g\n"
                        "Debian|13|bash\n"
                        "PyPI||pyyaml\n"
                        "npm||left-pad\n");
    /* A rebuild: CentOS Linux 7 is also looked up in Red Hat 7's data. */
    centos->has_os = true;
    centos->os.id = "centos";
    centos->os.version_id = "7";
    centos->target.type = KS_RES_HOST;
    CHECK_OK(ks_os_finish(&centos->os, a));
    add_pkg(centos, centos->os.eco, centos->os.ecosystem, "openssl-libs", "1:1.0.2k-19.el7", NULL,
            NULL, KS_PKG_OS, "var/lib/rpm/Packages");
    CHECK_OK(ks_inventory_finish(centos, NULL));
    ks_buf_reset(&got);
    keys_text(centos, a, &got);
    CHECK_STR(got.data, "CentOS|7|openssl-libs\n"
                        "Red Hat|7|openssl-libs\n");
    ks_buf_release(&got);
    ks_arena_free(a);
}

static struct ks_scan *
scan_with(struct ks_scan_opts *o)
{
    struct ks_arena *a = ks_arena_new(0);
    struct ks_inventory *inv;
    struct ks_vulndb *db = NULL;
    struct ks_scan *scan = NULL;
    struct ks_err err = KS_ERR_INIT;

    build_db();
    inv = make_inventory(a);
    CHECK_OK(ks_vulndb_open(db_path, &db, &err));
    CHECK_OK(ks_scan_inventory(db, inv, a, o, &scan, &err));
    if (err.code != KS_OK)
        fprintf(stderr, "scan: %s\n", err.msg);
    ks_vulndb_free(db);
    return scan;
}

static void
test_scan_document(void)
{
    struct ks_scan_opts o = {0};
    struct ks_scan *scan;
    json_t *f, *g;
    const json_t *adj;

    setenv("SOURCE_DATE_EPOCH", "1704067200", 1);
    scan = scan_with(&o);
    CHECK(scan != NULL);
    if (scan == NULL)
        return;
    f = finding_for(scan->doc, "CVE-2099-0001");
    CHECK(f != NULL);
    CHECK_STR(ks_json_str(f, "severity"), "CRITICAL");
    CHECK_STR(ks_json_str(f, "exploitAvailable"), "YES");
    CHECK_STR(ks_json_str(f, "fixAvailable"), "YES");
    CHECK_STR(ks_json_str(f, "firstObservedAt"), "2024-01-01T00:00:00Z");
    adj = ks_json_arr(ks_json_obj(ks_json_obj(f, "inspectorScoreDetails"), "adjustedCvss"),
                      "adjustments");
    CHECK(json_array_size(adj) == 2); /* E from KEV, RL from the fix */
    CHECK(strstr(ks_json_str(json_array_get(adj, 0), "reason"), "CISA KEV") != NULL);
    /* No vector anywhere but the scored CVE: NVD gives CVE-2099-0001 its 9.8. */
    CHECK(ks_json_num(f, "inspectorScore", 0) > 9.0);
    g = finding_for(scan->doc, "CVE-2099-0005");
    CHECK(g != NULL);
    CHECK_STR(ks_json_str(g, "title"), "CVE-2099-0005 - pyyaml");
    /* EPSS percentile 0.20: exploit maturity lowered, with the reason. */
    CHECK(ks_json_num(g, "inspectorScore", 10) < 9.8);
    f = finding_for(scan->doc, "GHSA-npm0-0000-0001");
    CHECK(f != NULL && strcmp(ks_json_str(f, "matchStatus"), "UNKNOWN") == 0);
    CHECK_STR(ks_json_str(f, "severity"), "UNTRIAGED");
    CHECK(ks_scan_gate(scan, KS_RSEV_CRITICAL, false));
    /* The resource every finding names is kept for the server (also with no findings). */
    CHECK_STR(ks_json_str(scan->resource, "id"), "testroot");
    CHECK(json_object_get(ks_json_obj(scan->resource, "details"), "awsEc2Instance") != NULL);
    CHECK(scan->stats.unknown == 1);
    ks_scan_free(scan);

    /* Only HIGH and up; unfixed hidden. */
    CHECK_OK(ks_scan_parse_severities("critical,HIGH", &o.severities, NULL));
    o.ignore_unfixed = true;
    scan = scan_with(&o);
    CHECK(scan != NULL && finding_for(scan->doc, "GHSA-npm0-0000-0001") == NULL);
    CHECK(scan != NULL && scan->stats.hidden > 0);
    ks_scan_free(scan);
    unsetenv("SOURCE_DATE_EPOCH");
}

static void
test_scan_suppression(void)
{
    const char *tmp = ks_test_tmpdir();
    char ignore[4200], vex[4200];
    const char *vexes[1];
    struct ks_scan_opts o = {0};
    struct ks_scan *scan;
    json_t *f;

    write_file(tmp, "ignore.yaml",
               "ignore:\n"
               "  - id: CVE-2099-0001\n"
               "    reason: compiler not used at run time\n"
               "  - package: pkg:pypi/pyyaml@5.1\n"
               "    until: 2000-01-01\n" /* expired: stops suppressing */
               "    reason: old rule\n");
    write_file(tmp, "vex.json",
               "{\"@context\":\"https://openvex.dev/ns/v0.2.0\",\"statements\":[{"
               "\"vulnerability\":{\"name\":\"CVE-2099-0003\"},\"products\":[{\"@id\":"
               "\"pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12\"}],"
               "\"status\":\"not_affected\",\"justification\":\"vulnerable_code_not_in_execute_"
               "path\"}]}");
    snprintf(ignore, sizeof(ignore), "%s/ignore.yaml", tmp);
    snprintf(vex, sizeof(vex), "%s/vex.json", tmp);
    vexes[0] = vex;
    o.ignore_file = ignore;
    o.vex_files = vexes;
    o.n_vex_files = 1;
    scan = scan_with(&o);
    CHECK(scan != NULL);
    if (scan == NULL)
        return;
    f = finding_for(scan->doc, "CVE-2099-0001");
    CHECK(f && strcmp(ks_json_str(f, "status"), "SUPPRESSED") == 0);
    CHECK(f && strcmp(ks_json_str(ks_json_obj(f, "suppression"), "reason"),
                      "compiler not used at run time") == 0);
    f = finding_for(scan->doc, "CVE-2099-0005");
    CHECK(f && strcmp(ks_json_str(f, "status"), "ACTIVE") == 0);
    f = finding_for(scan->doc, "CVE-2099-0003");
    CHECK(f && strcmp(ks_json_str(f, "status"), "SUPPRESSED") == 0);
    CHECK(f && strcmp(ks_json_str(ks_json_obj(f, "suppression"), "source"), "vex") == 0);
    /* Suppressed findings are shown but not counted: one CRITICAL left (0005). */
    CHECK_INT(scan->stats.by_severity[KS_RSEV_CRITICAL], 1);
    CHECK_INT(scan->stats.suppressed, 2);
    ks_scan_free(scan);
}

static void
test_bad_rules(void)
{
    const char *tmp = ks_test_tmpdir();
    char path[4200];
    struct ks_arena *a = ks_arena_new(0);
    struct ks_suppressions list = {0};
    struct ks_err err = KS_ERR_INIT;

    write_file(tmp, "bad1.yaml", "ignore:\n  - reason: no selector\n");
    snprintf(path, sizeof(path), "%s/bad1.yaml", tmp);
    CHECK_INT(ks_suppress_load_ignore(path, a, &list, &err), KS_EPARSE);
    CHECK(strstr(err.msg, "bad1.yaml:2") != NULL);
    write_file(tmp, "bad2.yaml", "ignore:\n  - id: CVE-1\n    until: soon\n");
    snprintf(path, sizeof(path), "%s/bad2.yaml", tmp);
    CHECK_INT(ks_suppress_load_ignore(path, a, &list, &err), KS_EPARSE);
    CHECK(strstr(err.msg, "'until'") != NULL);
    write_file(tmp, "bad3.yaml", "ignore: [\n");
    snprintf(path, sizeof(path), "%s/bad3.yaml", tmp);
    CHECK_INT(ks_suppress_load_ignore(path, a, &list, &err), KS_EPARSE);
    write_file(tmp, "bad.json", "{\"hello\": 1}");
    snprintf(path, sizeof(path), "%s/bad.json", tmp);
    CHECK_INT(ks_suppress_load_vex(path, a, &list, &err), KS_EPARSE);
    CHECK(strstr(err.msg, "not a VEX document") != NULL);
    ks_arena_free(a);
}

KS_TEST_MAIN(KS_TEST(test_vuln_ids), KS_TEST(test_match_rules), KS_TEST(test_package_keys),
             KS_TEST(test_match_all_kernels), KS_TEST(test_match_rebuild),
             KS_TEST(test_scan_document), KS_TEST(test_scan_suppression), KS_TEST(test_bad_rules))
