/*
 * update_distro.c: the distro feeds in `kensa db update` (docs/feeds.md):
 * where each one lives publicly, where it lives in a mirror (under
 * native/, the layout of ../shared/data/native), and how to fetch it —
 * a plain file, or a yum repository (mirror.list -> repodata/repomd.xml ->
 * the updateinfo it names). update.c lends the HTTP side (ks_vdb_fetch_ops)
 * so conditional requests, retries and verification are the same as for
 * OSV and NVD.
 */
#include "vulndb/distro_int.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/banned.h"

enum how {
    HOW_PLAIN,      /* the URL is the feed */
    HOW_MIRRORLIST, /* Amazon Linux: mirror.list names a repository */
    HOW_REPOMD,     /* a repository's repodata/repomd.xml names updateinfo */
};

struct dsrc {
    const char *kind, *label; /* the source is "<kind>:<label>" */
    const char *url;          /* public location */
    enum how how;
    const char *url2;         /* Rocky: the second repository (AppStream), merged */
    const char *mpath;        /* the file under a mirror root (HTTP mirrors) */
    const char *mpath2;
    bool fallback;            /* Debian OVAL: only when the tracker's CVE list is not there */
};

#define ALPINE(v)                                                                                  \
    {"secdb", "alpine-" v "-main", "https://secdb.alpinelinux.org/" v "/main.json", HOW_PLAIN,     \
     NULL, "native/alpine-secdb/" v "/main.json", NULL, false},                                    \
    {                                                                                              \
        "secdb", "alpine-" v "-community", "https://secdb.alpinelinux.org/" v "/community.json",   \
            HOW_PLAIN, NULL, "native/alpine-secdb/" v "/community.json", NULL, false               \
    }
#define REDHAT(n)                                                                                  \
    {                                                                                              \
        "redhat-oval", n "-rhel-" n,                                                               \
            "https://security.access.redhat.com/data/oval/v2/RHEL" n "/rhel-" n                    \
            "-including-unpatched.oval.xml.bz2",                                                   \
            HOW_PLAIN, NULL, "native/redhat-oval/RHEL" n "/rhel-" n                                \
            "-including-unpatched.oval.xml.bz2", NULL, false                                       \
    }
#define ROCKY(n)                                                                                   \
    {                                                                                              \
        "rocky", n, "https://download.rockylinux.org/pub/rocky/" n "/BaseOS/x86_64/os", HOW_REPOMD, \
            "https://download.rockylinux.org/pub/rocky/" n "/AppStream/x86_64/os",                 \
            "native/rocky/" n "/BaseOS/updateinfo.xml.gz",                                         \
            "native/rocky/" n "/AppStream/updateinfo.xml.gz", false                                \
    }
#define PLAIN(kind, label, url, mpath) {kind, label, url, HOW_PLAIN, NULL, mpath, NULL, false}

static const struct dsrc sources[] = {
    {"alas", "1", "http://repo.us-east-1.amazonaws.com/2018.03/updates/x86_64/mirror.list",
     HOW_MIRRORLIST, NULL, "native/amazon-alas/1/updateinfo.xml.gz", NULL, false},
    {"alas", "2", "https://cdn.amazonlinux.com/2/core/latest/x86_64/mirror.list", HOW_MIRRORLIST,
     NULL, "native/amazon-alas/2/updateinfo.xml.gz", NULL, false},
    {"alas", "2023", "https://cdn.amazonlinux.com/al2023/core/mirrors/latest/x86_64/mirror.list",
     HOW_MIRRORLIST, NULL, "native/amazon-alas/2023/updateinfo.xml.gz", NULL, false},
    ALPINE("v3.18"),
    ALPINE("v3.19"),
    ALPINE("v3.20"),
    ALPINE("v3.21"),
    ALPINE("v3.22"),
    ALPINE("edge"),
    PLAIN("secdb", "wolfi", "https://packages.wolfi.dev/os/security.json",
          "native/wolfi-secdb/security.json"),
    PLAIN("secdb", "chainguard", "https://packages.cgr.dev/chainguard/security.json",
          "native/chainguard-secdb/security.json"),
    PLAIN("debian", "cve",
          "https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master/data/CVE/"
          "list",
          "native/debian-security-tracker/data/CVE/list"),
    PLAIN("debian", "dsa",
          "https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master/data/DSA/"
          "list",
          "native/debian-security-tracker/data/DSA/list"),
    PLAIN("debian", "dla",
          "https://salsa.debian.org/security-tracker-team/security-tracker/-/raw/master/data/DLA/"
          "list",
          "native/debian-security-tracker/data/DLA/list"),
    {"debian-oval", "11", "https://www.debian.org/security/oval/oval-definitions-bullseye.xml.bz2",
     HOW_PLAIN, NULL, "native/debian-oval/oval-definitions-bullseye.xml.bz2", NULL, true},
    {"debian-oval", "12", "https://www.debian.org/security/oval/oval-definitions-bookworm.xml.bz2",
     HOW_PLAIN, NULL, "native/debian-oval/oval-definitions-bookworm.xml.bz2", NULL, true},
    {"debian-oval", "13", "https://www.debian.org/security/oval/oval-definitions-trixie.xml.bz2",
     HOW_PLAIN, NULL, "native/debian-oval/oval-definitions-trixie.xml.bz2", NULL, true},
    PLAIN("usn-oval", "focal",
          "https://security-metadata.canonical.com/oval/com.ubuntu.focal.usn.oval.xml.bz2",
          "native/ubuntu-oval/com.ubuntu.focal.usn.oval.xml.bz2"),
    PLAIN("usn-oval", "jammy",
          "https://security-metadata.canonical.com/oval/com.ubuntu.jammy.usn.oval.xml.bz2",
          "native/ubuntu-oval/com.ubuntu.jammy.usn.oval.xml.bz2"),
    PLAIN("usn-oval", "noble",
          "https://security-metadata.canonical.com/oval/com.ubuntu.noble.usn.oval.xml.bz2",
          "native/ubuntu-oval/com.ubuntu.noble.usn.oval.xml.bz2"),
    REDHAT("7"),
    REDHAT("8"),
    REDHAT("9"),
    PLAIN("oracle-oval", "com.oracle.elsa-all",
          "https://linux.oracle.com/security/oval/com.oracle.elsa-all.xml.bz2",
          "native/oracle-oval/com.oracle.elsa-all.xml.bz2"),
    PLAIN("alma", "8", "https://errata.almalinux.org/8/errata.full.json",
          "native/almalinux/8/errata.full.json"),
    PLAIN("alma", "9", "https://errata.almalinux.org/9/errata.full.json",
          "native/almalinux/9/errata.full.json"),
    ROCKY("8"),
    ROCKY("9"),
    PLAIN("photon", "3.0",
          "https://packages.vmware.com/photon/photon_cve_metadata/cve_data_photon3.0.json",
          "native/photon/cve_data_photon3.0.json"),
    PLAIN("photon", "4.0",
          "https://packages.vmware.com/photon/photon_cve_metadata/cve_data_photon4.0.json",
          "native/photon/cve_data_photon4.0.json"),
    PLAIN("photon", "5.0",
          "https://packages.vmware.com/photon/photon_cve_metadata/cve_data_photon5.0.json",
          "native/photon/cve_data_photon5.0.json"),
    PLAIN("azure-oval", "2.0",
          "https://raw.githubusercontent.com/microsoft/AzureLinuxVulnerabilityData/main/"
          "cbl-mariner-2.0-oval.xml",
          "native/azure-oval/cbl-mariner-2.0-oval.xml"),
    PLAIN("azure-oval", "3.0",
          "https://raw.githubusercontent.com/microsoft/AzureLinuxVulnerabilityData/main/"
          "azurelinux-3.0-oval.xml",
          "native/azure-oval/azurelinux-3.0-oval.xml"),
};

size_t
ks_vdb_distro_sources(const char **kinds, const char **labels, const char **urls, size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < KS_ARRAY_LEN(sources) && n < max; i++, n++) {
        kinds[n] = sources[i].kind;
        labels[n] = sources[i].label;
        urls[n] = sources[i].url;
    }
    return KS_ARRAY_LEN(sources);
}

/* The mirror's native/ directories, the kind each holds, and how to read them. */
static const struct {
    const char *dir, *kind;
    enum { MD_FILES, MD_MERGE_PER_RELEASE, MD_RECORDS } mode;
} mirror_dirs[] = {
    {"amazon-alas", "alas", MD_FILES},
    {"alpine-secdb", "secdb", MD_FILES},
    {"wolfi-secdb", "secdb", MD_FILES},
    {"chainguard-secdb", "secdb", MD_FILES},
    {"debian-security-tracker", "debian", MD_FILES},
    {"debian-oval", "debian-oval", MD_FILES},
    {"ubuntu-oval", "usn-oval", MD_FILES},
    {"ubuntu-cve-tracker", "ubuntu", MD_RECORDS},
    {"redhat-oval", "redhat-oval", MD_FILES},
    {"oracle-oval", "oracle-oval", MD_FILES},
    {"almalinux", "alma", MD_FILES},
    {"rocky", "rocky", MD_MERGE_PER_RELEASE},
    {"photon", "photon", MD_FILES},
    {"azure-oval", "azure-oval", MD_FILES},
};

/* "alas" selects every "alas:…"; "alas:2023" selects one. */
static bool
wanted(const char *const *only, size_t n_only, const char *kind, const char *label)
{
    size_t k = strlen(kind);

    if (n_only == 0)
        return true;
    for (size_t i = 0; i < n_only; i++) {
        if (strcmp(only[i], kind) == 0)
            return true;
        if (label != NULL && strncmp(only[i], kind, k) == 0 && only[i][k] == ':' &&
            strcmp(only[i] + k + 1, label) == 0)
            return true;
        if (label == NULL && strncmp(only[i], kind, k) == 0 && only[i][k] == ':')
            return true; /* a mirror dir holding the named source */
    }
    return false;
}

/* ------------------------------------------------------------------------ */
/* Mirror directories                                                       */

bool
ks_vdb_distro_mirror_has(const char *root)
{
    struct ks_buf p = KS_BUF_INIT(8192);
    bool any = false;

    for (size_t i = 0; i < KS_ARRAY_LEN(mirror_dirs) && !any; i++) {
        struct stat st;

        ks_buf_reset(&p);
        ks_buf_appendf(&p, "%s/native/%s", root, mirror_dirs[i].dir);
        any = ks_buf_err(&p) == KS_OK && stat(p.data, &st) == 0 && S_ISDIR(st.st_mode);
    }
    ks_buf_release(&p);
    return any;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Regular files under dir (recursively, sorted), not hidden, into v (heap strings). */
static enum ks_code
list_files(const char *dir, int depth, struct ks_vec *v, struct ks_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    enum ks_code rc = KS_OK;

    if (d == NULL)
        return KS_OK;
    if (depth > KS_VDB_MAX_DEPTH) {
        closedir(d);
        return ks_err_set(err, KS_ETOOBIG, "'%s': more than %d directory levels", dir,
                          KS_VDB_MAX_DEPTH);
    }
    while (rc == KS_OK && (de = readdir(d)) != NULL) {
        struct ks_buf p = KS_BUF_INIT(8192);
        struct stat st;

        if (de->d_name[0] == '.')
            continue;
        ks_buf_appendf(&p, "%s/%s", dir, de->d_name);
        if (ks_buf_err(&p) != KS_OK || lstat(p.data, &st) != 0) {
            ks_buf_release(&p);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            rc = list_files(p.data, depth + 1, v, err);
            ks_buf_release(&p);
        } else if (S_ISREG(st.st_mode)) {
            char **slot = v->len < KS_VDB_MAX_ENTRIES ? ks_vec_push(v) : NULL;

            if (slot == NULL || (*slot = ks_buf_detach(&p, NULL)) == NULL) {
                ks_buf_release(&p);
                rc = ks_err_set(err, KS_ENOMEM, "out of memory (or too many files) in '%s'", dir);
            }
        } else {
            ks_buf_release(&p);
        }
    }
    closedir(d);
    ks_vec_sort(v, cmp_str);
    return rc;
}

static void
free_files(struct ks_vec *v)
{
    for (size_t i = 0; i < v->len; i++)
        ks_free(*(char **)ks_vec_at(v, i));
    ks_vec_release(v);
}

static bool
has_suffix(const char *s, const char *suffix)
{
    return ks_str_has_suffix(ks_str_c(s), suffix);
}

/* README.md, SECURITY.md, PULP_MANIFEST, repository-to-cpe.json: not feeds. */
static bool
feed_file(const char *path)
{
    const char *base = strrchr(path, '/');

    base = base ? base + 1 : path;
    return !has_suffix(base, ".md") && !has_suffix(base, ".html") &&
           strcmp(base, "PULP_MANIFEST") != 0 && strcmp(base, "repository-to-cpe.json") != 0 &&
           strcmp(base, "repomd.xml") != 0 && strcmp(base, "distributions.json") != 0;
}

static enum ks_code
mirror_rocky(struct ks_vdb_build *b, const char *dir, struct ks_err *err)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    struct ks_vec rels = KS_VEC_INIT(char *);
    enum ks_code rc = KS_OK;

    if (d == NULL)
        return KS_OK;
    while ((de = readdir(d)) != NULL) {
        char **slot;

        if (de->d_name[0] == '.' || de->d_name[0] < '0' || de->d_name[0] > '9')
            continue;
        if ((slot = ks_vec_push(&rels)) == NULL || (*slot = ks_strdup(de->d_name)) == NULL) {
            rc = ks_err_set(err, KS_ENOMEM, "out of memory");
            break;
        }
    }
    closedir(d);
    ks_vec_sort(&rels, cmp_str);
    for (size_t i = 0; rc == KS_OK && i < rels.len; i++) {
        const char *rel = *(char **)ks_vec_at(&rels, i);
        struct ks_vec files = KS_VEC_INIT(char *), feeds = KS_VEC_INIT(const char *);
        struct ks_buf p = KS_BUF_INIT(8192);

        ks_buf_appendf(&p, "%s/%s", dir, rel);
        rc = ks_buf_err(&p) == KS_OK ? list_files(p.data, 0, &files, err)
                                     : ks_err_set(err, KS_ETOOBIG, "path too long");
        for (size_t k = 0; rc == KS_OK && k < files.len; k++) {
            const char *f = *(char **)ks_vec_at(&files, k);
            const char **slot;

            if (!feed_file(f) || !(has_suffix(f, "updateinfo.xml.gz") ||
                                   has_suffix(f, "updateinfo.xml") || has_suffix(f, ".xml.gz")))
                continue;
            if ((slot = ks_vec_push(&feeds)) == NULL)
                rc = ks_err_set(err, KS_ENOMEM, "out of memory");
            else
                *slot = f;
        }
        if (rc == KS_OK && feeds.len > 0)
            rc = ks_vdb_import_merged(b, (const char *const *)feeds.items, NULL, feeds.len, rel,
                                      p.data, err);
        ks_vec_release(&feeds);
        free_files(&files);
        ks_buf_release(&p);
    }
    free_files(&rels);
    return rc;
}

enum ks_code
ks_vdb_distro_mirror_dir(struct ks_vdb_build *b, const char *root, const char *const *only,
                         size_t n_only, struct ks_err *err)
{
    struct ks_buf p = KS_BUF_INIT(8192), q = KS_BUF_INIT(8192);
    enum ks_code rc = KS_OK;
    bool tracker_cve;

    /* Debian's OVAL is the fallback for the tracker's own CVE list. */
    ks_buf_appendf(&q, "%s/native/debian-security-tracker/data/CVE/list", root);
    tracker_cve = ks_buf_err(&q) == KS_OK && ks_path_exists(q.data);
    for (size_t i = 0; rc == KS_OK && i < KS_ARRAY_LEN(mirror_dirs); i++) {
        struct ks_vec files = KS_VEC_INIT(char *);
        struct stat st;

        if (!wanted(only, n_only, mirror_dirs[i].kind, NULL))
            continue;
        if (strcmp(mirror_dirs[i].kind, "debian-oval") == 0 && tracker_cve &&
            wanted(only, n_only, "debian", NULL)) {
            ks_log(KS_LOG_INFO, "vulndb", "mirror has the tracker's CVE list: Debian OVAL skipped");
            continue;
        }
        ks_buf_reset(&p);
        ks_buf_appendf(&p, "%s/native/%s", root, mirror_dirs[i].dir);
        if (ks_buf_err(&p) != KS_OK) {
            rc = ks_err_set(err, KS_ETOOBIG, "path too long under '%s'", root);
            break;
        }
        if (stat(p.data, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        switch (mirror_dirs[i].mode) {
        case MD_RECORDS:
            rc = ks_vdb_import_dir(b, p.data, err);
            break;
        case MD_MERGE_PER_RELEASE:
            rc = mirror_rocky(b, p.data, err);
            break;
        case MD_FILES:
            /* Each file a source of its own, named by content; a file that is */
            /* no feed (README.md, PULP_MANIFEST) is skipped with a warning.   */
            rc = ks_vdb_import_dir(b, p.data, err);
            break;
        }
        free_files(&files);
    }
    ks_buf_release(&p);
    ks_buf_release(&q);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* Yum repositories                                                         */

/* The first http(s) URL line of a mirror.list. */
static char *
first_url(const char *text, size_t len)
{
    struct ks_cur c = ks_cur_make(text, len);
    struct ks_str line;

    while (ks_cur_line(&c, 4096, &line) == KS_OK) {
        line = ks_str_trim(line);
        if (ks_str_has_prefix(line, "http://") || ks_str_has_prefix(line, "https://")) {
            while (line.len > 0 && line.ptr[line.len - 1] == '/')
                line.len--;
            return ks_strndup(line.ptr, line.len);
        }
    }
    return NULL;
}

enum ks_code
ks_vdb_repomd_updateinfo(const char *xml, size_t len, const char *name, char **href,
                         struct ks_err *err)
{
    struct ks_vdb_stream s;
    struct ks_xml *x = NULL;
    enum ks_code rc;
    bool in_updateinfo = false;

    *href = NULL;
    ks_vdb_stream_mem(&s, name, xml, len);
    if ((rc = ks_xml_open(&s, &x, err)) != KS_OK)
        goto out;
    for (;;) {
        enum ks_xml_node t;

        rc = ks_xml_next(x, &t, err);
        if (rc == KS_ENOTFOUND) {
            rc = ks_err_set(err, KS_ENOTFOUND, "%s: names no updateinfo", name);
            break;
        }
        if (rc != KS_OK)
            break;
        if (t == KS_XML_END && strcmp(ks_xml_name(x), "data") == 0)
            in_updateinfo = false;
        if (t != KS_XML_START)
            continue;
        if (strcmp(ks_xml_name(x), "data") == 0) {
            const char *type = ks_xml_attr(x, "type");

            in_updateinfo = type != NULL && strcmp(type, "updateinfo") == 0;
        } else if (in_updateinfo && strcmp(ks_xml_name(x), "location") == 0) {
            const char *h = ks_xml_attr(x, "href");

            /* A relative path inside the repository, nothing else. */
            if (h == NULL || h[0] == '/' || strstr(h, "..") != NULL || strstr(h, "://") != NULL) {
                rc = ks_err_set(err, KS_EPARSE, "%s: updateinfo location '%s' is not a path in "
                                "the repository", name, h ? h : "");
                break;
            }
            *href = ks_strdup(h);
            rc = *href ? KS_OK : ks_err_set(err, KS_ENOMEM, "out of memory");
            break;
        }
    }
out:
    ks_xml_free(x);
    ks_vdb_stream_release(&s);
    return rc;
}

/*
 * The URL of a repository's updateinfo: base + repodata/repomd.xml's
 * <data type="updateinfo"><location href>. *missing when the repository
 * is not there (404).
 */
static enum ks_code
updateinfo_url(const struct ks_vdb_fetch_ops *ops, const char *base, char **url, bool *missing,
               struct ks_err *err)
{
    struct ks_buf u = KS_BUF_INIT(8192), body = KS_BUF_INIT(16 << 20);
    char *path = NULL, *href = NULL;
    enum ks_code rc;

    *url = NULL;
    ks_buf_appendf(&u, "%s/repodata/repomd.xml", base);
    if ((rc = ops->fetch_file(ops->ctx, u.data, &path, missing, err)) != KS_OK || *missing)
        goto out;
    if ((rc = ks_file_read(path, 16 << 20, &body, err)) != KS_OK ||
        (rc = ks_vdb_repomd_updateinfo(body.data, body.len, u.data, &href, err)) != KS_OK)
        goto out;
    ks_buf_reset(&u);
    ks_buf_appendf(&u, "%s/%s", base, href);
    if (ks_buf_err(&u) != KS_OK) {
        rc = ks_err_set(err, KS_ETOOBIG, "URL too long");
        goto out;
    }
    *url = ks_buf_detach(&u, NULL);
    rc = *url ? KS_OK : ks_err_set(err, KS_ENOMEM, "out of memory");
out:
    if (path != NULL) {
        unlink(path);
        ks_free(path);
    }
    ks_free(href);
    ks_buf_release(&u);
    ks_buf_release(&body);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* db update                                                                */

/* "distro.<kind>:<label> = URL|off" lines of the config (newline-separated). */
static const char *
override(const char *overrides, const char *name, struct ks_arena *a)
{
    struct ks_cur c = ks_cur_make(overrides ? overrides : "", overrides ? strlen(overrides) : 0);
    struct ks_str line, k, v;

    while (ks_cur_line(&c, 8192, &line) == KS_OK) {
        if (ks_str_split2(line, '=', &k, &v) && ks_str_eq_c(ks_str_trim(k), name))
            return ks_arena_strdup_str(a, ks_str_trim(v));
    }
    return NULL;
}

static enum ks_code
fetch_merged(const struct ks_vdb_fetch_ops *ops, struct ks_vdb_build *b, const char *name,
             const char *label, const char *const *urls, size_t n, bool repomd,
             struct ks_err *err)
{
    char *files[4] = {NULL};
    const char *shown[4] = {NULL};
    size_t got = 0;
    enum ks_code rc = KS_OK;

    for (size_t i = 0; rc == KS_OK && i < n && i < KS_ARRAY_LEN(files); i++) {
        char *url = NULL;
        bool missing = false;

        if (repomd)
            rc = updateinfo_url(ops, urls[i], &url, &missing, err);
        else if ((url = ks_strdup(urls[i])) == NULL)
            rc = ks_err_set(err, KS_ENOMEM, "out of memory");
        if (rc == KS_OK && !missing)
            rc = ops->fetch_file(ops->ctx, url, &files[got], &missing, err);
        if (rc == KS_OK && !missing) {
            shown[got++] = url;
            url = NULL; /* kept for messages until the import is done */
        }
        else if (rc == KS_OK)
            ks_log(KS_LOG_INFO, "vulndb", "'%s' is not there", url ? url : urls[i]);
        ks_free(url);
    }
    if (rc == KS_OK && got == 0)
        ks_vdb_build_missing(b, name, urls[0]);
    else if (rc == KS_OK)
        rc = ks_vdb_import_merged(b, (const char *const *)files, shown, got, label, urls[0], err);
    for (size_t i = 0; i < got; i++) {
        unlink(files[i]);
        ks_free(files[i]);
        ks_free((char *)shown[i]);
    }
    return rc;
}

/* Is name listed in feeds.txt's text (one source name per line)? */
static bool
listed(const struct ks_buf *index, const char *name)
{
    struct ks_cur c = ks_cur_make(index->data, index->len);
    struct ks_str line;

    while (ks_cur_line(&c, 256, &line) == KS_OK)
        if (ks_str_eq_c(ks_str_trim(line), name))
            return true;
    return false;
}

enum ks_code
ks_vdb_distro_update(struct ks_vdb_build *b, const struct ks_vdb_fetch_ops *ops,
                     const char *http_mirror, const char *overrides, const char *const *only,
                     size_t n_only, struct ks_err *err)
{
    struct ks_arena *a = ks_arena_new(4096);
    struct ks_buf index = KS_BUF_INIT(1 << 20);
    enum ks_code rc = KS_OK;
    bool tracker_cve = false;

    if (a == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    if (http_mirror != NULL) {
        /*
         * An HTTP mirror cannot be listed: native/feeds.txt names the distro
         * sources it holds (as osv/ecosystems.txt does for OSV). No index:
         * the mirror has no distro feeds, which is not an error.
         */
        const char *url = ks_arena_sprintf(a, "%s/native/feeds.txt", http_mirror);
        char *path = NULL;
        bool missing = false;

        rc = url ? ops->fetch_file(ops->ctx, url, &path, &missing, err)
                 : ks_err_set(err, KS_ENOMEM, "out of memory");
        if (rc == KS_OK && !missing)
            rc = ks_file_read(path, 1 << 20, &index, err);
        if (path != NULL) {
            unlink(path);
            ks_free(path);
        }
        if (rc == KS_OK && missing)
            ks_log(KS_LOG_INFO, "vulndb", "mirror has no native/feeds.txt: no distro feeds");
        if (rc != KS_OK || missing) {
            ks_buf_release(&index);
            ks_arena_free(a);
            return rc;
        }
    }
    for (size_t i = 0; rc == KS_OK && i < KS_ARRAY_LEN(sources); i++) {
        const struct dsrc *s = &sources[i];
        const char *name = ks_arena_sprintf(a, "%s:%s", s->kind, s->label);
        const char *url = s->url, *url2 = s->url2, *o;
        enum how how = s->how;
        bool missing = false;

        if (name == NULL) {
            rc = ks_err_set(err, KS_ENOMEM, "out of memory");
            break;
        }
        if (!wanted(only, n_only, s->kind, s->label))
            continue;
        if (http_mirror != NULL && !listed(&index, name) && override(overrides, name, a) == NULL)
            continue;
        if (s->fallback && tracker_cve)
            continue; /* the tracker's own data is there: no need for OVAL */
        if ((o = override(overrides, name, a)) != NULL) {
            if (strcmp(o, "off") == 0)
                continue;
            url = o;
            url2 = NULL;
        } else if (http_mirror != NULL) {
            /* An HTTP mirror serves the native/ layout of a directory mirror. */
            url = ks_arena_sprintf(a, "%s/%s", http_mirror, s->mpath);
            url2 = s->mpath2 ? ks_arena_sprintf(a, "%s/%s", http_mirror, s->mpath2) : NULL;
            how = HOW_PLAIN;
            if (url == NULL || (s->mpath2 && url2 == NULL)) {
                rc = ks_err_set(err, KS_ENOMEM, "out of memory");
                break;
            }
        }
        if (how == HOW_REPOMD || url2 != NULL) {
            const char *urls[2] = {url, url2};

            rc = fetch_merged(ops, b, name, s->label, urls, url2 ? 2 : 1, how == HOW_REPOMD,
                              err);
            continue;
        }
        if (how == HOW_MIRRORLIST) {
            struct ks_buf body = KS_BUF_INIT(1 << 20);
            char *path = NULL, *base = NULL, *ui = NULL;

            rc = ops->fetch_file(ops->ctx, url, &path, &missing, err);
            if (rc == KS_OK && !missing && (rc = ks_file_read(path, 1 << 20, &body, err)) == KS_OK &&
                (base = first_url(body.data, body.len)) == NULL)
                rc = ks_err_set(err, KS_EPARSE, "'%s': no repository URL in the mirror list", url);
            if (rc == KS_OK && !missing)
                rc = updateinfo_url(ops, base, &ui, &missing, err);
            if (rc == KS_OK && !missing)
                rc = ops->fetch_import(ops->ctx, name, s->label, ui, &missing, err);
            if (rc == KS_OK && missing)
                ks_vdb_build_missing(b, name, url);
            if (path != NULL) {
                unlink(path);
                ks_free(path);
            }
            ks_free(base);
            ks_free(ui);
            ks_buf_release(&body);
            continue;
        }
        rc = ops->fetch_import(ops->ctx, name, s->label, url, &missing, err);
        if (rc == KS_OK && !missing && strcmp(name, "debian:cve") == 0)
            tracker_cve = true;
    }
    ks_buf_release(&index);
    ks_arena_free(a);
    return rc;
}
