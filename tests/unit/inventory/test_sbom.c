/*
 * test_sbom.c: SBOMs as input: other tools' CycloneDX (syft's `upstream`
 * qualifier, trivy's SrcName, rpm purls with an epoch, nested components,
 * the OS component's release) and SPDX, round trips of Kensa's own three
 * formats, and the readers under allocation failure.
 */
#include "test.h"

#include "inventory/inventory.h"
#include "report/report.h"

#include <stdlib.h>

static const char foreign_cdx[] =
    "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"components\":["
    "{\"type\":\"operating-system\",\"name\":\"Debian\",\"version\":\"12\"},"
    "{\"type\":\"library\",\"bom-ref\":\"a\",\"name\":\"libc6\",\"version\":\"2.36-9\","
    "\"purl\":\"pkg:deb/debian/libc6@2.36-9?arch=amd64&upstream=glibc&distro=debian-12\"},"
    "{\"type\":\"library\",\"bom-ref\":\"b\",\"name\":\"libssl3\",\"version\":\"3.0.11-1\","
    "\"purl\":\"pkg:deb/debian/libssl3@3.0.11-1?arch=amd64\",\"properties\":["
    "{\"name\":\"aquasecurity:trivy:SrcName\",\"value\":\"openssl\"},"
    "{\"name\":\"aquasecurity:trivy:SrcVersion\",\"value\":\"3.0.11-1~deb12u2\"}],"
    "\"components\":[{\"type\":\"library\",\"name\":\"core\",\"version\":\"16.0.0\","
    "\"purl\":\"pkg:npm/%40angular/core@16.0.0\"}]},"
    "{\"type\":\"library\",\"name\":\"openssl\",\"version\":\"1.1.1k-7.el8_6\","
    "\"purl\":\"pkg:rpm/redhat/openssl@1.1.1k-7.el8_6?arch=x86_64&epoch=1&distro=rhel-8.6\"},"
    "{\"type\":\"library\",\"name\":\"no-purl\",\"version\":\"1\"}],"
    "\"dependencies\":[{\"ref\":\"b\",\"dependsOn\":[\"a\",\"nowhere\"]}]}";

static const struct ks_pkg *
find(const struct ks_inventory *inv, const char *name)
{
    for (size_t i = 0; inv && i < inv->n_pkgs; i++)
        if (strcmp(inv->pkgs[i]->name, name) == 0)
            return inv->pkgs[i];
    return NULL;
}

static void
test_foreign_cyclonedx(void)
{
    struct ks_arena *a = ks_arena_new(1 << 14);
    struct ks_inventory *inv = ks_inventory_new(a);
    struct ks_err err = KS_ERR_INIT;
    const struct ks_pkg *p;

    ks_log_set_level(KS_LOG_ERROR);
    CHECK_OK(ks_sbom_read(ks_str_make(foreign_cdx, sizeof(foreign_cdx) - 1), "bom.json", inv, &err));
    CHECK_OK(ks_inventory_finish(inv, &err));
    CHECK(inv->has_os);
    CHECK_STR(inv->os.id, "debian");
    CHECK_STR(inv->os.ecosystem, "Debian:12");
    CHECK_INT(inv->n_pkgs, 4);
    if ((p = find(inv, "libc6")) != NULL) {
        CHECK(ks_pkg_is_os(p));
        CHECK_STR(p->ecosystem, "Debian:12");
        CHECK_STR(p->source_name, "glibc"); /* syft's upstream qualifier */
        CHECK_STR(p->source_version, "2.36-9");
        CHECK_STR(p->arch, "amd64");
    }
    if ((p = find(inv, "libssl3")) != NULL) {
        CHECK_STR(p->source_name, "openssl"); /* trivy's properties */
        CHECK_STR(p->source_version, "3.0.11-1~deb12u2");
        CHECK_INT(p->n_deps, 1);
        CHECK(p->n_deps == 1 && strcmp(p->deps[0]->name, "libc6") == 0);
    }
    if ((p = find(inv, "@angular/core")) != NULL) /* nested component, name from the purl */
        CHECK_STR(p->ecosystem, "npm");
    else
        CHECK_MSG(0, "nested npm component missing");
    if ((p = find(inv, "openssl")) != NULL) {
        CHECK_STR(p->ecosystem, "Red Hat:8"); /* from the purl's distro: not the OS's family */
        CHECK_STR(p->version, "1:1.1.1k-7.el8_6");
        CHECK_STR(p->epoch, "1");
        CHECK_STR(p->base_version, "1.1.1k");
        CHECK_STR(p->release, "7.el8_6");
    }
    CHECK(find(inv, "no-purl") == NULL);
    CHECK(inv->n_warnings == 1 && strstr(inv->warnings[0].message, "1 component(s) without a purl"));
    ks_arena_free(a);
}

static void
test_refuses(void)
{
    static const char *const bad[] = {
        "[]", "{\"foo\":1}", "{\"spdxVersion\":\"SPDX-3.0\"}",
        "{\"schema\":\"kensa-inventory/9\"}", "{\"bomFormat\":\"CycloneDX\",", "",
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(bad); i++) {
        struct ks_arena *a = ks_arena_new(1 << 12);
        struct ks_inventory *inv = ks_inventory_new(a);
        struct ks_err err = KS_ERR_INIT;
        enum ks_code rc = ks_sbom_read(ks_str_c(bad[i]), "x.json", inv, &err);

        CHECK_MSG(rc == KS_EPARSE || rc == KS_EUNSUPPORTED, "case %zu: %s", i, ks_code_name(rc));
        CHECK(strstr(err.msg, "x.json") != NULL);
        ks_arena_free(a);
    }
}

/* An inventory written in every format and read back is the same inventory. */
static void
test_round_trip(void)
{
    static const char status[] = "Package: a\nStatus: install ok installed\nVersion: 1:1.0-1\n"
                                 "Architecture: amd64\nSource: s (1.0-1)\nDepends: b\n\n"
                                 "Package: b\nStatus: install ok installed\nVersion: 2\n";
    struct ks_arena *a = ks_arena_new(1 << 14);
    struct ks_inventory *inv = ks_inventory_new(a);
    struct ks_err err = KS_ERR_INIT;
    struct ks_buf ref = KS_BUF_INIT(1 << 20);

    setenv("SOURCE_DATE_EPOCH", "0", 1);
    inv->target.name = "root";
    inv->target.source = "dir";
    inv->os.id = "debian";
    inv->os.version_id = "12";
    inv->has_os = true;
    CHECK_OK(ks_os_finish(&inv->os, a));
    CHECK_OK(ks_extract_run("dpkg", "var/lib/dpkg/status", status, sizeof(status) - 1, inv, &err));
    CHECK_OK(ks_inventory_finish(inv, &err));
    CHECK_OK(ks_report_inventory_json(inv, &ref, &err));
    for (int f = 0; f < KS_SBOM_FORMAT_COUNT; f++) {
        struct ks_buf doc = KS_BUF_INIT(1 << 20), again = KS_BUF_INIT(1 << 20);
        struct ks_arena *b = ks_arena_new(1 << 14);
        struct ks_inventory *back = ks_inventory_new(b);
        const char *p1, *p2;

        CHECK_OK(ks_report_sbom(inv, (enum ks_sbom_format)f, &doc, &err));
        CHECK_OK(ks_sbom_read(ks_buf_str(&doc), "doc", back, &err));
        CHECK_OK(ks_inventory_finish(back, &err));
        back->target = inv->target; /* the target is the SBOM now; compare the rest */
        CHECK_OK(ks_report_inventory_json(back, &again, &err));
        /* from "os" on, the documents must be identical */
        p1 = strstr(ref.data, "\"os\"");
        p2 = strstr(again.data, "\"os\"");
        CHECK_MSG(p1 && p2 && strcmp(p1, p2) == 0, "format %s does not round-trip",
                  ks_sbom_format_name((enum ks_sbom_format)f));
        ks_buf_release(&doc);
        ks_buf_release(&again);
        ks_arena_free(b);
    }
    ks_buf_release(&ref);
    ks_arena_free(a);
}

static void
test_alloc_failures(void)
{
    for (size_t n = 1; n < 2000; n += 3) {
        struct ks_arena *a;
        struct ks_inventory *inv;
        struct ks_err err = KS_ERR_INIT;
        enum ks_code rc = KS_ENOMEM;

        ks_alloc_fail_at(n);
        a = ks_arena_new(4096);
        inv = a ? ks_inventory_new(a) : NULL;
        if (inv != NULL) {
            rc = ks_sbom_read(ks_str_make(foreign_cdx, sizeof(foreign_cdx) - 1), "bom.json", inv,
                              &err);
            if (rc == KS_OK)
                rc = ks_inventory_finish(inv, &err);
        }
        ks_alloc_fail_at(0);
        /* jansson reports its own allocation failures as a parse error */
        CHECK_MSG(rc == KS_OK || rc == KS_ENOMEM || rc == KS_EPARSE, "n=%zu rc=%s", n,
                  ks_code_name(rc));
        if (rc == KS_OK)
            CHECK_INT(inv->n_pkgs, 4);
        ks_arena_free(a);
        if (rc == KS_OK)
            break;
    }
}

KS_TEST_MAIN(KS_TEST(test_foreign_cyclonedx), KS_TEST(test_refuses), KS_TEST(test_round_trip),
             KS_TEST(test_alloc_failures))
