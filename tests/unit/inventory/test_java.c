/*
 * test_java.c: the Java archive extractor on archives built here with
 * libarchive's writer: nested jars in a war to depth 3, shaded jars with
 * several pom.properties, identification from the real MANIFEST.MF
 * fixtures and file names, a deflate bomb and a "jar" that is not a zip
 * inside a war (warnings, the rest survives), and a pom.xml that declares
 * entities (refused: no XXE, no expansion).
 */
#include "test.h"

#include "inventory/inventory.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>

struct entry {
    const char *path;
    const void *data;
    size_t len;
};

static void *
zip_of(const struct entry *e, size_t n, size_t *len)
{
    size_t cap = 64 << 20, used = 0;
    void *buf = malloc(cap);
    struct archive *a = archive_write_new();

    archive_write_set_format_zip(a);
    archive_write_open_memory(a, buf, cap, &used);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *ae = archive_entry_new();

        archive_entry_set_pathname(ae, e[i].path);
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_perm(ae, 0644);
        archive_entry_set_size(ae, (la_int64_t)e[i].len);
        archive_write_header(a, ae);
        archive_write_data(a, e[i].data, e[i].len);
        archive_entry_free(ae);
    }
    archive_write_close(a);
    archive_write_free(a);
    *len = used;
    return buf;
}

static struct ks_arena *arena;

static struct ks_inventory *
run(const char *ext, const char *path, const void *data, size_t len)
{
    struct ks_inventory *inv;
    struct ks_err err = KS_ERR_INIT;

    ks_arena_free(arena);
    arena = ks_arena_new(1 << 16);
    inv = ks_inventory_new(arena);
    CHECK_OK(ks_extract_run(ext, path, data, len, inv, &err));
    CHECK_OK(ks_inventory_finish(inv, &err));
    return inv;
}

static const struct ks_pkg *
find(const struct ks_inventory *inv, const char *name, const char *version)
{
    for (size_t i = 0; i < inv->n_pkgs; i++)
        if (strcmp(inv->pkgs[i]->name, name) == 0 && strcmp(inv->pkgs[i]->version, version) == 0)
            return inv->pkgs[i];
    return NULL;
}

static bool
warned(const struct ks_inventory *inv, const char *needle)
{
    for (size_t i = 0; i < inv->n_warnings; i++)
        if (strstr(inv->warnings[i].message, needle) != NULL)
            return true;
    return false;
}

#define PROPS(g, a, v) "groupId=" g "\nartifactId=" a "\nversion=" v "\n"

static void
test_nested_and_shaded(void)
{
    static const char b_props[] = PROPS("org.inner", "b", "2.0");
    static const char a_props[] = PROPS("org.outer", "a", "1.0");
    static const char s_props[] = PROPS("com.shaded", "dep", "3.1");
    size_t b_len, a_len, w_len;
    struct entry be[] = {{"META-INF/maven/org.inner/b/pom.properties", b_props, sizeof(b_props) - 1}};
    void *b = zip_of(be, 1, &b_len);
    struct entry ae[] = {{"META-INF/maven/org.outer/a/pom.properties", a_props, sizeof(a_props) - 1},
                         {"META-INF/maven/com.shaded/dep/pom.properties", s_props,
                          sizeof(s_props) - 1},
                         {"BOOT-INF/lib/b-2.0.jar", b, b_len}};
    void *a = zip_of(ae, 3, &a_len);
    struct entry we[] = {{"WEB-INF/lib/a-1.0.jar", a, a_len}};
    void *w = zip_of(we, 1, &w_len);
    struct ks_inventory *inv = run("java-archive", "srv/app.war", w, w_len);
    const struct ks_pkg *p;

    CHECK_INT(inv->n_pkgs, 3);
    p = find(inv, "org.outer:a", "1.0");
    CHECK(p != NULL);
    if (p) {
        CHECK_STR(p->path, "srv/app.war!WEB-INF/lib/a-1.0.jar");
        CHECK_STR(p->purl, "pkg:maven/org.outer/a@1.0");
    }
    p = find(inv, "com.shaded:dep", "3.1");
    CHECK(p != NULL && strcmp(p->path, "srv/app.war!WEB-INF/lib/a-1.0.jar") == 0);
    p = find(inv, "org.inner:b", "2.0");
    CHECK(p != NULL);
    if (p)
        CHECK_STR(p->path, "srv/app.war!WEB-INF/lib/a-1.0.jar!BOOT-INF/lib/b-2.0.jar");
    free(a);
    free(b);
    free(w);
}

static void
test_manifest_fixtures(void)
{
    static const struct {
        const char *fixture, *jar, *name, *version;
    } cases[] = {
        /* Bundle-SymbolicName ends with the file's artifact: its prefix is the group */
        {"manifest-symbolicname", "failureaccess.jar", "com.google.guava:failureaccess", "1.0.1"},
        /* no group anywhere: the artifact alone, flagged group=unknown */
        {"manifest-no-group-id", "no-group-1.2.3.jar", "no-group", "1.2.3"},
    };

    for (size_t i = 0; i < KS_ARRAY_LEN(cases); i++) {
        char rel[512];
        struct ks_buf mf = KS_BUF_INIT(1 << 20);
        struct ks_err err = KS_ERR_INIT;
        struct entry e[1];
        size_t len;
        void *jar;
        struct ks_inventory *inv;
        const struct ks_pkg *p;

        snprintf(rel, sizeof(rel), "fixtures/maven/osv-scalibr/archive/%s/MANIFEST.MF",
                 cases[i].fixture);
        CHECK_MSG(ks_file_read(ks_test_data(rel), 1 << 20, &mf, &err) == KS_OK, "%s", err.msg);
        e[0] = (struct entry){"META-INF/MANIFEST.MF", mf.data, mf.len};
        jar = zip_of(e, 1, &len);
        inv = run("java-archive", cases[i].jar, jar, len);
        p = inv->n_pkgs == 1 ? inv->pkgs[0] : NULL;
        CHECK_MSG(p != NULL && strcmp(p->name, cases[i].name) == 0 &&
                      strcmp(p->version, cases[i].version) == 0,
                  "%s: got %s@%s", cases[i].fixture, p ? p->name : "-", p ? p->version : "-");
        free(jar);
        ks_buf_release(&mf);
    }
    {
        /* no manifest, no pom.properties: the file name */
        struct entry e[] = {{"x/Y.class", "\xca\xfe\xba\xbe", 4}};
        size_t len;
        void *jar = zip_of(e, 1, &len);
        struct ks_inventory *inv = run("java-archive", "lib/commons-io-2.11.0.jar", jar, len);

        CHECK(find(inv, "commons-io", "2.11.0") != NULL);
        free(jar);
    }
}

static void
test_bomb_and_junk(void)
{
    static const char ok_props[] = PROPS("org.ok", "ok", "1.0");
    size_t zlen = (size_t)64 << 20, bomb_len, good_len, war_len;
    char *zeros = calloc(1, zlen);
    struct entry bomb_e[] = {{"zeros.bin", zeros, zlen}};
    void *bomb = zip_of(bomb_e, 1, &bomb_len);
    struct entry good_e[] = {{"META-INF/maven/org.ok/ok/pom.properties", ok_props,
                              sizeof(ok_props) - 1}};
    void *good = zip_of(good_e, 1, &good_len);
    static const char junk[] = "#!/bin/sh\necho this is not a jar\n";
    struct entry war_e[] = {{"WEB-INF/lib/bomb.jar", bomb, bomb_len},
                            {"WEB-INF/lib/junk.jar", junk, sizeof(junk) - 1},
                            {"WEB-INF/lib/ok-1.0.jar", good, good_len}};
    void *war = zip_of(war_e, 3, &war_len);
    struct ks_inventory *inv = run("java-archive", "app.war", war, war_len);

    CHECK(find(inv, "org.ok:ok", "1.0") != NULL);
    CHECK(warned(inv, "app.war!WEB-INF/lib/bomb.jar"));
    CHECK(warned(inv, "decompression bomb"));
    CHECK(warned(inv, "app.war!WEB-INF/lib/junk.jar"));
    /* a top-level file that is not a zip */
    inv = run("java-archive", "broken.jar", junk, sizeof(junk) - 1);
    CHECK_INT(inv->n_pkgs, 0);
    CHECK(warned(inv, "broken.jar"));
    free(zeros);
    free(bomb);
    free(good);
    free(war);
}

static void
test_pom_entities_refused(void)
{
    static const char xxe[] =
        "<?xml version=\"1.0\"?>\n"
        "<!DOCTYPE project [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">"
        "<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">]>\n"
        "<project><dependencies><dependency><groupId>&xxe;</groupId><artifactId>&b;</artifactId>"
        "<version>1</version></dependency></dependencies></project>\n";
    struct ks_inventory *inv = run("maven-pom", "pom.xml", xxe, sizeof(xxe) - 1);

    CHECK_INT(inv->n_pkgs, 0);
    CHECK(warned(inv, "entities are refused"));
}

KS_TEST_MAIN(KS_TEST(test_nested_and_shaded), KS_TEST(test_manifest_fixtures),
             KS_TEST(test_bomb_and_junk), KS_TEST(test_pom_entities_refused))
