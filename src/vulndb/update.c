/*
 * update.c: `kensa db update`. Where the feeds live (public URLs, a config
 * file, or a mirror: a directory or HTTP server with the layout osv/
 * ecosystems.txt, osv/<Ecosystem>/all.zip, nvd/nvdcve-2.0-<year>.json.gz,
 * epss/epss_scores-current.csv.gz, kev/known_exploited_vulnerabilities.json),
 * fetching them with libcurl (conditional requests, timeouts, retries with
 * backoff, length checks), NVD API 2.0 increments, and handing the files to
 * the import driver. Any failed fetch fails the whole update; the builder
 * then deletes the new file and the old DB stays as it was.
 */
#include "vulndb/vulndb_int.h"
#include "vulndb/distro_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "base/banned.h"

#define DEFAULT_OSV  "https://osv-vulnerabilities.storage.googleapis.com"
#define DEFAULT_NVD  "https://nvd.nist.gov/feeds/json/cve/2.0"
#define DEFAULT_API  "https://services.nvd.nist.gov/rest/json/cves/2.0"
#define DEFAULT_EPSS "https://epss.empiricalsecurity.com/epss_scores-current.csv.gz"
#define DEFAULT_KEV                                                                                \
    "https://www.cisa.gov/sites/default/files/feeds/known_exploited_vulnerabilities.json"
#define NVD_FIRST_YEAR 2002
#define API_MAX_DAYS   120 /* the NVD API refuses wider lastMod ranges */
#define API_PAGE       2000
#define MAX_ECOSYSTEMS 512

struct cfg {
    char *mirror;
    char *osv, *nvd, *api, *epss, *kev;
    char *ecosystems; /* space-separated override of ecosystems.txt */
    char *distro;     /* "distro.<kind>:<label> = URL|off" lines, as "name=value\n" */
    bool distro_on;   /* "distro = off" turns the distro feeds off */
    int first_year, last_year;
    long connect_timeout_s, low_speed_time_s;
    int retries;
    long retry_delay_ms;
    long api_delay_ms;
};

static void
cfg_release(struct cfg *c)
{
    ks_free(c->mirror);
    ks_free(c->osv);
    ks_free(c->nvd);
    ks_free(c->api);
    ks_free(c->epss);
    ks_free(c->kev);
    ks_free(c->ecosystems);
    ks_free(c->distro);
}

static bool
set_str(char **slot, struct ks_str v)
{
    char *s = ks_strndup(v.ptr, v.len);

    if (s == NULL)
        return false;
    ks_free(*slot);
    *slot = s;
    return true;
}

static enum ks_code
parse_long(struct ks_str v, const char *path, uint64_t line, uint64_t max, long *out,
           struct ks_err *err)
{
    uint64_t n;

    if (ks_parse_u64(v, max, &n) != KS_OK)
        return ks_err_set(err, KS_EINVAL, "%s:%llu: '" KS_STR_FMT "' is not a number up to %llu",
                          path, (unsigned long long)line, KS_STR_ARG(v),
                          (unsigned long long)max);
    *out = (long)n;
    return KS_OK;
}

/*
 * The config file: `key = value` lines, `#` comments. Keys: mirror, osv,
 * osv.ecosystems, nvd, nvd.api, nvd.years (FIRST-LAST), epss, kev,
 * timeout, low_speed_time, retries, retry_delay_ms, nvd.api_delay_ms.
 */
static enum ks_code
cfg_read(struct cfg *c, const char *path, bool required, struct ks_err *err)
{
    struct ks_buf buf = KS_BUF_INIT(1 << 20);
    struct ks_cur cur;
    struct ks_str line;
    uint64_t lineno = 0;
    enum ks_code rc;

    rc = ks_file_read(path, 1 << 20, &buf, err);
    if (rc == KS_ENOTFOUND && !required) {
        ks_buf_release(&buf);
        return KS_OK;
    }
    if (rc != KS_OK)
        goto out;
    cur = ks_cur_make(buf.data, buf.len);
    while ((rc = ks_cur_line(&cur, 4096, &line)) == KS_OK) {
        struct ks_str k, v;
        bool ok = true;
        long n = 0;

        lineno++;
        line = ks_str_trim(line);
        if (line.len == 0 || line.ptr[0] == '#')
            continue;
        if (!ks_str_split2(line, '=', &k, &v)) {
            rc = ks_err_set(err, KS_EINVAL, "%s:%llu: expected 'key = value'", path,
                            (unsigned long long)lineno);
            goto out;
        }
        k = ks_str_trim(k);
        v = ks_str_trim(v);
        if (ks_str_eq_c(k, "mirror"))
            ok = set_str(&c->mirror, v);
        else if (ks_str_eq_c(k, "osv"))
            ok = set_str(&c->osv, v);
        else if (ks_str_eq_c(k, "osv.ecosystems"))
            ok = set_str(&c->ecosystems, v);
        else if (ks_str_eq_c(k, "nvd"))
            ok = set_str(&c->nvd, v);
        else if (ks_str_eq_c(k, "nvd.api"))
            ok = set_str(&c->api, v);
        else if (ks_str_eq_c(k, "epss"))
            ok = set_str(&c->epss, v);
        else if (ks_str_eq_c(k, "kev"))
            ok = set_str(&c->kev, v);
        else if (ks_str_eq_c(k, "distro")) {
            if (!ks_str_eq_c(v, "on") && !ks_str_eq_c(v, "off")) {
                rc = ks_err_set(err, KS_EINVAL, "%s:%llu: distro must be on or off", path,
                                (unsigned long long)lineno);
                goto out;
            }
            c->distro_on = ks_str_eq_c(v, "on");
        } else if (ks_str_has_prefix(k, "distro.") && k.len > 7) {
            /* distro.alas:2023 = URL (or off): where a distro source lives */
            struct ks_buf d = KS_BUF_INIT(1 << 20);

            ks_buf_appends(&d, c->distro ? c->distro : "");
            ks_buf_appendf(&d, KS_STR_FMT "=" KS_STR_FMT "\n", (int)k.len - 7, k.ptr + 7,
                           KS_STR_ARG(v));
            ok = ks_buf_err(&d) == KS_OK;
            if (ok) {
                ks_free(c->distro);
                c->distro = ks_buf_detach(&d, NULL);
                ok = c->distro != NULL;
            }
            ks_buf_release(&d);
        }
        else if (ks_str_eq_c(k, "nvd.years")) {
            struct ks_str a, b;
            long first = 0, last = 0;

            if (!ks_str_split2(v, '-', &a, &b) ||
                parse_long(ks_str_trim(a), path, lineno, 9999, &first, err) != KS_OK ||
                parse_long(ks_str_trim(b), path, lineno, 9999, &last, err) != KS_OK ||
                first > last) {
                rc = ks_err_set(err, KS_EINVAL, "%s:%llu: nvd.years must be FIRST-LAST", path,
                                (unsigned long long)lineno);
                goto out;
            }
            c->first_year = (int)first;
            c->last_year = (int)last;
        } else if (ks_str_eq_c(k, "timeout")) {
            if ((rc = parse_long(v, path, lineno, 86400, &c->connect_timeout_s, err)) != KS_OK)
                goto out;
        } else if (ks_str_eq_c(k, "low_speed_time")) {
            if ((rc = parse_long(v, path, lineno, 86400, &c->low_speed_time_s, err)) != KS_OK)
                goto out;
        } else if (ks_str_eq_c(k, "retries")) {
            if ((rc = parse_long(v, path, lineno, 20, &n, err)) != KS_OK)
                goto out;
            c->retries = (int)n;
        } else if (ks_str_eq_c(k, "retry_delay_ms")) {
            if ((rc = parse_long(v, path, lineno, 600000, &c->retry_delay_ms, err)) != KS_OK)
                goto out;
        } else if (ks_str_eq_c(k, "nvd.api_delay_ms")) {
            if ((rc = parse_long(v, path, lineno, 600000, &c->api_delay_ms, err)) != KS_OK)
                goto out;
        } else {
            rc = ks_err_set(err, KS_EINVAL, "%s:%llu: unknown key '" KS_STR_FMT "'", path,
                            (unsigned long long)lineno, KS_STR_ARG(k));
            goto out;
        }
        if (!ok) {
            rc = ks_err_set(err, KS_ENOMEM, "out of memory");
            goto out;
        }
    }
    rc = rc == KS_ENOTFOUND ? KS_OK
                            : ks_err_set(err, rc, "%s:%llu: line too long", path,
                                         (unsigned long long)lineno + 1);
out:
    ks_buf_release(&buf);
    return rc;
}

static enum ks_code
cfg_load(struct cfg *c, const struct ks_vulndb_update_opts *opts, struct ks_err *err)
{
    const char *env;
    enum ks_code rc;
    time_t now = ks_time_now();
    struct tm tm;

    memset(c, 0, sizeof(*c));
    c->connect_timeout_s = 30;
    c->low_speed_time_s = 60;
    c->retries = 3;
    c->retry_delay_ms = 1000;
    c->api_delay_ms = 6000; /* NVD allows 5 requests per 30 s without an API key */
    c->distro_on = true;
    gmtime_r(&now, &tm);
    c->first_year = NVD_FIRST_YEAR;
    c->last_year = tm.tm_year + 1900;
    if (opts->config_path != NULL) {
        if ((rc = cfg_read(c, opts->config_path, true, err)) != KS_OK)
            return rc;
    } else {
        struct ks_buf p = KS_BUF_INIT(4096);
        const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");

        if (xdg != NULL && xdg[0] == '/')
            ks_buf_appendf(&p, "%s/kensa/vulndb.conf", xdg);
        else if (home != NULL)
            ks_buf_appendf(&p, "%s/.config/kensa/vulndb.conf", home);
        rc = p.len > 0 && ks_buf_err(&p) == KS_OK ? cfg_read(c, p.data, false, err) : KS_OK;
        ks_buf_release(&p);
        if (rc != KS_OK)
            return rc;
    }
    /* --mirror beats KENSA_MIRROR beats the config file. */
    env = getenv("KENSA_MIRROR");
    if (opts->mirror != NULL && !set_str(&c->mirror, ks_str_c(opts->mirror)))
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    if (opts->mirror == NULL && env != NULL && env[0] != '\0' &&
        !set_str(&c->mirror, ks_str_c(env)))
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    if (c->mirror != NULL && c->mirror[0] == '\0') {
        ks_free(c->mirror);
        c->mirror = NULL;
    }
    if (c->mirror != NULL && strstr(c->mirror, "://") != NULL &&
        strncmp(c->mirror, "file://", 7) != 0) {
        /* An HTTP mirror: the same layout under one base URL; no NVD API. */
        struct ks_str m = ks_str_c(c->mirror);

        while (m.len > 0 && m.ptr[m.len - 1] == '/')
            m.len--;
        ks_free(c->osv);
        ks_free(c->nvd);
        ks_free(c->epss);
        ks_free(c->kev);
        ks_free(c->api);
        c->api = NULL;
        {
            struct ks_buf b = KS_BUF_INIT(8192);

            ks_buf_appendf(&b, KS_STR_FMT "/osv", KS_STR_ARG(m));
            c->osv = ks_buf_detach(&b, NULL);
            ks_buf_appendf(&b, KS_STR_FMT "/nvd", KS_STR_ARG(m));
            c->nvd = ks_buf_detach(&b, NULL);
            ks_buf_appendf(&b, KS_STR_FMT "/epss/epss_scores-current.csv.gz", KS_STR_ARG(m));
            c->epss = ks_buf_detach(&b, NULL);
            ks_buf_appendf(&b, KS_STR_FMT "/kev/known_exploited_vulnerabilities.json",
                           KS_STR_ARG(m));
            c->kev = ks_buf_detach(&b, NULL);
            ks_buf_release(&b);
        }
        c->api = ks_strdup("");
        if (c->osv == NULL || c->nvd == NULL || c->epss == NULL || c->kev == NULL ||
            c->api == NULL)
            return ks_err_set(err, KS_ENOMEM, "out of memory");
    }
    if ((c->osv == NULL && (c->osv = ks_strdup(DEFAULT_OSV)) == NULL) ||
        (c->nvd == NULL && (c->nvd = ks_strdup(DEFAULT_NVD)) == NULL) ||
        (c->api == NULL && (c->api = ks_strdup(DEFAULT_API)) == NULL) ||
        (c->epss == NULL && (c->epss = ks_strdup(DEFAULT_EPSS)) == NULL) ||
        (c->kev == NULL && (c->kev = ks_strdup(DEFAULT_KEV)) == NULL))
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    return KS_OK;
}

/* ------------------------------------------------------------------------ */
/* Source filter (--source)                                                 */

static bool
wanted(const char *const *only, size_t n_only, const char *name)
{
    if (n_only == 0)
        return true;
    for (size_t i = 0; i < n_only; i++) {
        size_t k = strlen(only[i]);

        if (strcmp(only[i], name) == 0)
            return true;
        /* "osv" selects every "osv:..." */
        if (strchr(only[i], ':') == NULL && strncmp(name, only[i], k) == 0 && name[k] == ':')
            return true;
    }
    return false;
}

static bool
kind_wanted(const char *const *only, size_t n_only, const char *kind)
{
    size_t k = strlen(kind);

    if (n_only == 0)
        return true;
    for (size_t i = 0; i < n_only; i++)
        if (strncmp(only[i], kind, k) == 0 && (only[i][k] == '\0' || only[i][k] == ':'))
            return true;
    return false;
}

/* ------------------------------------------------------------------------ */
/* Directory mirrors                                                        */

static bool
exists_fmt(const char *fmt, ...) KS_PRINTF(1, 2);

static bool
exists_fmt(const char *fmt, ...)
{
    struct ks_buf b = KS_BUF_INIT(8192);
    va_list ap;
    bool ok;

    va_start(ap, fmt);
    ks_buf_appendv(&b, fmt, ap);
    va_end(ap);
    ok = ks_buf_err(&b) == KS_OK && ks_path_exists(b.data);
    ks_buf_release(&b);
    return ok;
}

static bool
nvd_feed_name(const char *n, struct ks_str *label)
{
    struct ks_str s = ks_str_c(n);

    if (!ks_str_has_prefix(s, "nvdcve-2.0-"))
        return false;
    s = ks_str_sub(s, 11, s.len - 11);
    if (ks_str_has_suffix(s, ".json.gz"))
        s.len -= 8;
    else if (ks_str_has_suffix(s, ".json"))
        s.len -= 5;
    else
        return false;
    if (s.len == 0)
        return false;
    *label = s;
    return true;
}

bool ks_vdb_is_mirror_root(const char *dir);

bool
ks_vdb_is_mirror_root(const char *dir)
{
    DIR *d;
    struct dirent *de;
    bool nvd = false;
    struct ks_buf p = KS_BUF_INIT(8192);

    if (exists_fmt("%s/osv/ecosystems.txt", dir) ||
        exists_fmt("%s/epss/epss_scores-current.csv.gz", dir) ||
        exists_fmt("%s/epss/epss_scores-current.csv", dir) ||
        exists_fmt("%s/kev/known_exploited_vulnerabilities.json", dir))
        return true;
    ks_buf_appendf(&p, "%s/nvd", dir);
    d = ks_buf_err(&p) == KS_OK ? opendir(p.data) : NULL;
    ks_buf_release(&p);
    if (d == NULL)
        return false;
    while (!nvd && (de = readdir(d)) != NULL) {
        struct ks_str l;

        nvd = nvd_feed_name(de->d_name, &l);
    }
    closedir(d);
    return nvd;
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Ecosystem names from ecosystems.txt text (one per line), validated. */
static enum ks_code
parse_ecosystems(const char *text, size_t len, const char *where, struct ks_vec *out,
                 struct ks_err *err)
{
    struct ks_cur cur = ks_cur_make(text, len);
    struct ks_str line;
    enum ks_code rc;

    while ((rc = ks_cur_line(&cur, 256, &line)) == KS_OK) {
        char **slot;

        line = ks_str_trim(line);
        if (line.len == 0 || line.ptr[0] == '#')
            continue;
        /* An ecosystem name becomes a path segment: no separators, no dot-dot. */
        if (ks_str_find_char(line, '/') >= 0 || ks_str_find_char(line, '\\') >= 0 ||
            ks_str_eq_c(line, ".") || ks_str_eq_c(line, "..") || memchr(line.ptr, '\0', line.len)) {
            ks_log(KS_LOG_WARN, "vulndb", "%s: ignoring ecosystem '" KS_STR_FMT "'", where,
                   KS_STR_ARG(line));
            continue;
        }
        if (out->len >= MAX_ECOSYSTEMS)
            return ks_err_set(err, KS_ETOOBIG, "%s: more than %d ecosystems", where,
                              MAX_ECOSYSTEMS);
        slot = ks_vec_push(out);
        if (slot == NULL || (*slot = ks_strndup(line.ptr, line.len)) == NULL)
            return ks_err_set(err, KS_ENOMEM, "out of memory");
    }
    if (rc != KS_ENOTFOUND)
        return ks_err_set(err, KS_EPARSE, "%s: line too long", where);
    return KS_OK;
}

static void
free_strs(struct ks_vec *v)
{
    for (size_t i = 0; i < v->len; i++)
        ks_free(*(char **)ks_vec_at(v, i));
    ks_vec_release(v);
}

enum ks_code ks_vdb_import_mirror_dir(struct ks_vdb_build *b, const char *root,
                                      const char *const *only, size_t n_only,
                                      struct ks_err *err);

enum ks_code
ks_vdb_import_mirror_dir(struct ks_vdb_build *b, const char *root, const char *const *only,
                         size_t n_only, struct ks_err *err)
{
    struct ks_vec ecos = KS_VEC_INIT(char *), nvd = KS_VEC_INIT(char *);
    struct ks_buf p = KS_BUF_INIT(8192), name = KS_BUF_INIT(1024);
    enum ks_code rc = KS_OK;
    DIR *d;
    struct dirent *de;

    if (kind_wanted(only, n_only, "osv")) {
        struct ks_buf txt = KS_BUF_INIT(1 << 20);

        ks_buf_appendf(&p, "%s/osv/ecosystems.txt", root);
        rc = ks_file_read(p.data, 1 << 20, &txt, err);
        if (rc == KS_OK)
            rc = parse_ecosystems(txt.data, txt.len, p.data, &ecos, err);
        else if (rc == KS_ENOTFOUND) {
            /* No list: take every <Ecosystem>/all.zip there is. */
            ks_buf_reset(&p);
            ks_buf_appendf(&p, "%s/osv", root);
            rc = KS_OK;
            if ((d = opendir(p.data)) != NULL) {
                while (rc == KS_OK && (de = readdir(d)) != NULL) {
                    char **slot;

                    if (de->d_name[0] == '.' || !exists_fmt("%s/%s/all.zip", p.data, de->d_name))
                        continue;
                    slot = ks_vec_push(&ecos);
                    if (slot == NULL || (*slot = ks_strdup(de->d_name)) == NULL)
                        rc = ks_err_set(err, KS_ENOMEM, "out of memory");
                }
                closedir(d);
                ks_vec_sort(&ecos, cmp_str);
            }
        }
        ks_buf_release(&txt);
        if (rc != KS_OK)
            goto out;
        for (size_t i = 0; i < ecos.len; i++) {
            const char *eco = *(char **)ks_vec_at(&ecos, i);

            ks_buf_reset(&name);
            ks_buf_appendf(&name, "osv:%s", eco);
            if (!wanted(only, n_only, name.data))
                continue;
            ks_buf_reset(&p);
            ks_buf_appendf(&p, "%s/osv/%s/all.zip", root, eco);
            if (ks_buf_err(&p) != KS_OK || ks_buf_err(&name) != KS_OK) {
                rc = ks_err_set(err, KS_ETOOBIG, "path too long under '%s'", root);
                goto out;
            }
            if (!ks_path_exists(p.data)) {
                /* Listed but absent: a partial mirror, not an error. */
                ks_log(KS_LOG_INFO, "vulndb", "mirror has no '%s'", p.data);
                ks_vdb_build_missing(b, name.data, p.data);
                continue;
            }
            if ((rc = ks_vdb_import_file(b, p.data, eco, p.data, err)) != KS_OK)
                goto out;
        }
    }
    if (kind_wanted(only, n_only, "nvd")) {
        ks_buf_reset(&p);
        ks_buf_appendf(&p, "%s/nvd", root);
        if ((d = opendir(p.data)) != NULL) {
            while ((de = readdir(d)) != NULL) {
                struct ks_str l;
                char **slot;

                if (!nvd_feed_name(de->d_name, &l))
                    continue;
                slot = ks_vec_push(&nvd);
                if (slot == NULL || (*slot = ks_strdup(de->d_name)) == NULL) {
                    rc = ks_err_set(err, KS_ENOMEM, "out of memory");
                    break;
                }
            }
            closedir(d);
        }
        if (rc != KS_OK)
            goto out;
        /* Years sort before "modified"/"recent": increments go on top. */
        ks_vec_sort(&nvd, cmp_str);
        for (size_t i = 0; i < nvd.len; i++) {
            const char *f = *(char **)ks_vec_at(&nvd, i);
            struct ks_str l;
            char label[64];

            nvd_feed_name(f, &l);
            snprintf(label, sizeof(label), KS_STR_FMT, KS_STR_ARG(l));
            ks_buf_reset(&name);
            ks_buf_appendf(&name, "nvd:%s", label);
            if (!wanted(only, n_only, name.data))
                continue;
            ks_buf_reset(&p);
            ks_buf_appendf(&p, "%s/nvd/%s", root, f);
            if ((rc = ks_vdb_import_file(b, p.data, label, p.data, err)) != KS_OK)
                goto out;
        }
    }
    if (wanted(only, n_only, "epss")) {
        ks_buf_reset(&p);
        ks_buf_appendf(&p, "%s/epss/epss_scores-current.csv.gz", root);
        if (!ks_path_exists(p.data)) {
            ks_buf_reset(&p);
            ks_buf_appendf(&p, "%s/epss/epss_scores-current.csv", root);
        }
        if (ks_path_exists(p.data)) {
            if ((rc = ks_vdb_import_file(b, p.data, "epss", p.data, err)) != KS_OK)
                goto out;
        } else {
            ks_vdb_build_missing(b, "epss", p.data);
        }
    }
    if (wanted(only, n_only, "kev")) {
        ks_buf_reset(&p);
        ks_buf_appendf(&p, "%s/kev/known_exploited_vulnerabilities.json", root);
        if (ks_path_exists(p.data)) {
            if ((rc = ks_vdb_import_file(b, p.data, "kev", p.data, err)) != KS_OK)
                goto out;
        } else {
            ks_vdb_build_missing(b, "kev", p.data);
        }
    }
    rc = KS_OK;
out:
    free_strs(&ecos);
    free_strs(&nvd);
    ks_buf_release(&p);
    ks_buf_release(&name);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* HTTP                                                                     */

struct fetch {
    const struct cfg *cfg;
    const struct ks_vulndb_update_opts *opts;
    const char *url;
    const char *dest;   /* file to write the body to */
    const char *etag;   /* validators from the last fetch (NULL: unconditional) */
    const char *last_modified;
    const char *what;   /* for progress */
    const char *header; /* one extra request header (the NVD API key), or NULL */
    /* results */
    long status;
    char *new_etag, *new_last_modified;
    uint64_t bytes;
    FILE *out;
    char curl_msg[CURL_ERROR_SIZE];
};

enum fetch_result { FR_OK, FR_NOT_MODIFIED, FR_MISSING };

static size_t
write_cb(char *p, size_t size, size_t n, void *ctx)
{
    struct fetch *f = ctx;
    size_t len = size * n;

    if (fwrite(p, 1, len, f->out) != len)
        return 0; /* curl reports CURLE_WRITE_ERROR */
    f->bytes += len;
    return len;
}

static char *
header_value(const char *line, size_t n, const char *name)
{
    size_t k = strlen(name);
    struct ks_str v;

    if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return NULL;
    v = ks_str_trim(ks_str_make(line + k + 1, n - k - 1));
    if (v.len == 0 || v.len > 512)
        return NULL;
    return ks_strndup(v.ptr, v.len);
}

static size_t
header_cb(char *p, size_t size, size_t n, void *ctx)
{
    struct fetch *f = ctx;
    size_t len = size * n;
    char *v;

    /* A new status line (after a redirect) starts a new set of headers. */
    if (len >= 5 && strncmp(p, "HTTP/", 5) == 0) {
        ks_free(f->new_etag);
        ks_free(f->new_last_modified);
        f->new_etag = f->new_last_modified = NULL;
    }
    if ((v = header_value(p, len, "ETag")) != NULL) {
        ks_free(f->new_etag);
        f->new_etag = v;
    } else if ((v = header_value(p, len, "Last-Modified")) != NULL) {
        ks_free(f->new_last_modified);
        f->new_last_modified = v;
    }
    return len;
}

static int
progress_cb(void *ctx, curl_off_t total, curl_off_t now, curl_off_t ut, curl_off_t un)
{
    struct fetch *f = ctx;

    (void)ut;
    (void)un;
    if (f->opts->progress != NULL)
        f->opts->progress(f->opts->progress_ctx, f->what, (uint64_t)now,
                          total > 0 ? (uint64_t)total : 0);
    return 0;
}

static bool
transient(CURLcode c)
{
    switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return true;
    default:
        return false;
    }
}

static void
sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* One GET with retries. KS_OK with *res; errors name the URL. */
static enum ks_code
fetch_url(struct fetch *f, enum fetch_result *res, struct ks_err *err)
{
    CURL *c = NULL;
    struct curl_slist *hdrs = NULL;
    enum ks_code rc = KS_EINTERNAL;
    int attempts = f->cfg->retries + 1;

    for (int attempt = 0; attempt < attempts; attempt++) {
        CURLcode cc;
        curl_off_t clen = -1;
        bool retry = false;

        if (attempt > 0) {
            long delay = f->cfg->retry_delay_ms << (attempt - 1);

            ks_log(KS_LOG_WARN, "vulndb", "retrying '%s' in %ld ms (attempt %d of %d): %s",
                   f->url, delay, attempt + 1, attempts, err ? err->msg : "");
            sleep_ms(delay);
        }
        curl_slist_free_all(hdrs);
        hdrs = NULL;
        if (c != NULL)
            curl_easy_cleanup(c);
        ks_free(f->new_etag);
        ks_free(f->new_last_modified);
        f->new_etag = f->new_last_modified = NULL;
        f->bytes = 0;
        f->out = fopen(f->dest, "wb");
        if (f->out == NULL) {
            rc = ks_err_set(err, KS_EIO, "cannot create '%s': %s", f->dest, strerror(errno));
            goto out;
        }
        c = curl_easy_init();
        if (c == NULL) {
            fclose(f->out);
            rc = ks_err_set(err, KS_ENOMEM, "cannot initialise libcurl");
            goto out;
        }
        if (f->etag != NULL) {
            struct ks_buf h = KS_BUF_INIT(1024);

            ks_buf_appendf(&h, "If-None-Match: %s", f->etag);
            if (ks_buf_err(&h) == KS_OK)
                hdrs = curl_slist_append(hdrs, h.data);
            ks_buf_release(&h);
        }
        if (f->last_modified != NULL) {
            struct ks_buf h = KS_BUF_INIT(1024);

            ks_buf_appendf(&h, "If-Modified-Since: %s", f->last_modified);
            if (ks_buf_err(&h) == KS_OK)
                hdrs = curl_slist_append(hdrs, h.data);
            ks_buf_release(&h);
        }
        if (f->header != NULL)
            hdrs = curl_slist_append(hdrs, f->header);
        f->curl_msg[0] = '\0';
        curl_easy_setopt(c, CURLOPT_URL, f->url);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, f->cfg->connect_timeout_s);
        /* Big feeds take long on slow links: give up only when transfers stall. */
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, f->cfg->low_speed_time_s);
        curl_easy_setopt(c, CURLOPT_USERAGENT, "kensa/" KS_VERSION_STRING);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, f);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, f->curl_msg);
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress_cb);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, f);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, f->opts->progress == NULL ? 1L : 0L);
        cc = curl_easy_perform(c);
        if (fclose(f->out) != 0 && cc == CURLE_OK) {
            rc = ks_err_set(err, KS_EIO, "cannot write '%s': %s", f->dest, strerror(errno));
            goto out;
        }
        f->out = NULL;
        if (cc != CURLE_OK) {
            rc = ks_err_set(err, KS_ENET, "fetching '%s' failed: %s", f->url,
                            f->curl_msg[0] ? f->curl_msg : curl_easy_strerror(cc));
            retry = transient(cc);
        } else {
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f->status);
            curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &clen);
            if (f->status == 304) {
                *res = FR_NOT_MODIFIED;
                rc = KS_OK;
                goto out;
            }
            if (f->status == 404 || f->status == 410) {
                *res = FR_MISSING;
                rc = KS_OK;
                goto out;
            }
            if (f->status == 200) {
                if (clen >= 0 && (uint64_t)clen != f->bytes) {
                    rc = ks_err_set(err, KS_ENET,
                                    "fetching '%s': got %llu bytes of %lld (truncated)", f->url,
                                    (unsigned long long)f->bytes, (long long)clen);
                    retry = true;
                } else {
                    *res = FR_OK;
                    rc = KS_OK;
                    goto out;
                }
            } else {
                rc = ks_err_set(err, KS_ENET, "fetching '%s': HTTP status %ld", f->url,
                                f->status);
                retry = f->status >= 500 || f->status == 429 || f->status == 408;
            }
        }
        if (!retry)
            goto out;
    }
out:
    if (f->out != NULL) {
        fclose(f->out);
        f->out = NULL;
    }
    curl_slist_free_all(hdrs);
    if (c != NULL)
        curl_easy_cleanup(c);
    if (f->opts->progress != NULL)
        f->opts->progress(f->opts->progress_ctx, NULL, 0, 0); /* end of this transfer */
    return rc;
}

static void
fetch_release(struct fetch *f)
{
    ks_free(f->new_etag);
    ks_free(f->new_last_modified);
    f->new_etag = f->new_last_modified = NULL;
}

struct upd {
    struct ks_vdb_build *b;
    const struct cfg *cfg;
    const struct ks_vulndb_update_opts *opts;
    char *dl_dir;
    unsigned n_files;
};

/*
 * Fetch url (conditionally against the old DB's validators for `name`) and
 * import it as source(s) with `label`. 404 is "missing", 304 "not-modified".
 */
static enum ks_code
fetch_and_import(struct upd *u, const char *name, const char *label, const char *url,
                 bool conditional, bool *missing, struct ks_err *err)
{
    struct fetch f = {.cfg = u->cfg, .opts = u->opts, .url = url, .what = name};
    struct ks_buf dest = KS_BUF_INIT(8192);
    const char *etag = NULL, *lm = NULL, *loc = NULL;
    enum fetch_result res = FR_MISSING;
    enum ks_code rc;

    if (missing)
        *missing = false;
    ks_buf_appendf(&dest, "%s/%u.dl", u->dl_dir, u->n_files++);
    if (ks_buf_err(&dest) != KS_OK) {
        ks_buf_release(&dest);
        return ks_err_set(err, KS_ETOOBIG, "download path too long");
    }
    f.dest = dest.data;
    if (conditional && !u->opts->force &&
        ks_vdb_build_old_source(u->b, name, NULL, &etag, &lm, &loc) && loc != NULL &&
        strcmp(loc, url) == 0) {
        f.etag = etag;
        f.last_modified = lm;
    }
    ks_log(KS_LOG_INFO, "vulndb", "fetching %s", url);
    if ((rc = fetch_url(&f, &res, err)) != KS_OK)
        goto out;
    if (res == FR_MISSING) {
        if (missing)
            *missing = true;
        ks_log(KS_LOG_INFO, "vulndb", "'%s' is not there (HTTP %ld)", url, f.status);
        ks_vdb_build_missing(u->b, name, url);
    } else if (res == FR_NOT_MODIFIED) {
        rc = ks_vdb_build_unchanged(u->b, name, url, "not-modified", err);
    } else {
        ks_vdb_build_set_http(u->b, f.new_etag, f.new_last_modified);
        rc = ks_vdb_import_file(u->b, dest.data, label, url, err);
    }
out:
    unlink(dest.data);
    fetch_release(&f);
    ks_buf_release(&dest);
    return rc;
}

/* Percent-encode an ecosystem name for a URL path segment ("Rocky Linux"). */
static void
append_segment(struct ks_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;

        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            ch == '-' || ch == '.' || ch == '_' || ch == '~')
            ks_buf_putc(b, (char)ch);
        else
            ks_buf_appendf(b, "%%%02X", ch);
    }
}

static enum ks_code
update_osv(struct upd *u, struct ks_err *err)
{
    struct ks_vec ecos = KS_VEC_INIT(char *);
    struct ks_buf url = KS_BUF_INIT(8192), name = KS_BUF_INIT(1024);
    enum ks_code rc = KS_OK;

    if (u->cfg->ecosystems != NULL) {
        /* A fixed list from the config file, space- or comma-separated. */
        struct ks_buf t = KS_BUF_INIT(1 << 16);

        for (const char *p = u->cfg->ecosystems; *p; p++)
            ks_buf_putc(&t, *p == ',' ? '\n' : *p);
        rc = parse_ecosystems(t.data, t.len, "osv.ecosystems", &ecos, err);
        ks_buf_release(&t);
    } else {
        struct fetch f = {.cfg = u->cfg, .opts = u->opts, .what = "osv/ecosystems.txt"};
        struct ks_buf dest = KS_BUF_INIT(8192), txt = KS_BUF_INIT(1 << 20);
        enum fetch_result res = FR_MISSING;

        ks_buf_appendf(&url, "%s/ecosystems.txt", u->cfg->osv);
        ks_buf_appendf(&dest, "%s/ecosystems.txt", u->dl_dir);
        f.url = url.data;
        f.dest = dest.data;
        rc = fetch_url(&f, &res, err);
        if (rc == KS_OK && res == FR_OK)
            rc = ks_file_read(dest.data, 1 << 20, &txt, err);
        if (rc == KS_OK && res == FR_OK)
            rc = parse_ecosystems(txt.data, txt.len, url.data, &ecos, err);
        if (rc == KS_OK && res != FR_OK) {
            ks_log(KS_LOG_WARN, "vulndb", "'%s' is not there: no OSV ecosystems to update",
                   url.data);
            ks_vdb_build_missing(u->b, "osv", url.data);
        }
        unlink(dest.data);
        fetch_release(&f);
        ks_buf_release(&dest);
        ks_buf_release(&txt);
    }
    for (size_t i = 0; rc == KS_OK && i < ecos.len; i++) {
        const char *eco = *(char **)ks_vec_at(&ecos, i);

        ks_buf_reset(&name);
        ks_buf_appendf(&name, "osv:%s", eco);
        if (!wanted(u->opts->only, u->opts->n_only, name.data))
            continue;
        ks_buf_reset(&url);
        ks_buf_appendf(&url, "%s/", u->cfg->osv);
        append_segment(&url, eco);
        ks_buf_appends(&url, "/all.zip");
        if (ks_buf_err(&url) != KS_OK || ks_buf_err(&name) != KS_OK) {
            rc = ks_err_set(err, KS_ETOOBIG, "URL too long for ecosystem '%s'", eco);
            break;
        }
        rc = fetch_and_import(u, name.data, eco, url.data, true, NULL, err);
    }
    free_strs(&ecos);
    ks_buf_release(&url);
    ks_buf_release(&name);
    return rc;
}

/* "2026-11-21T23:54:03.000" as the NVD API wants it (UTC, milliseconds). */
static void
api_time(time_t t, char out[32])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000", &tm);
}

/* The number after "key": in a response's first bytes (the API puts it first). */
static bool
head_number(const char *head, const char *key, uint64_t *out)
{
    const char *p = strstr(head, key);
    char *end = NULL;

    if (p == NULL || (p = strchr(p + strlen(key), ':')) == NULL)
        return false;
    while (*++p == ' ') {
    }
    if (*p < '0' || *p > '9')
        return false;
    *out = strtoull(p, &end, 10);
    return end != p;
}

static enum ks_code
update_nvd_api(struct upd *u, struct ks_err *err)
{
    struct ks_arena *a = ks_arena_new(4096);
    struct ks_buf url = KS_BUF_INIT(8192);
    enum ks_code rc = KS_OK;
    time_t since, now = ks_time_now();
    char from[32], to[32];
    const char *key = getenv("NVD_API_KEY");
    struct ks_buf key_header = KS_BUF_INIT(1024);
    long delay = u->cfg->api_delay_ms;

    if (a == NULL)
        return ks_err_set(err, KS_ENOMEM, "out of memory");
    /* With a key NVD allows 50 requests per 30 s instead of 5. Never logged. */
    if (key != NULL && key[0] != '\0') {
        ks_buf_appendf(&key_header, "apiKey: %s", key);
        if (delay > 600)
            delay = 600;
    }
    /* Increments start where the last check (API or yearly feeds) left off. */
    since = ks_vdb_build_source_checked(u->b, "nvd:api");
    if (since == 0)
        since = ks_vdb_build_source_checked(u->b, "nvd:modified");
    if (since == 0) {
        for (int year = u->cfg->first_year; year <= u->cfg->last_year; year++) {
            char n[16];

            snprintf(n, sizeof(n), "nvd:%d", year);
            since = KS_MAX(since, ks_vdb_build_source_checked(u->b, n));
        }
    }
    if (since == 0 || now - since > (time_t)API_MAX_DAYS * 86400) {
        ks_log(KS_LOG_INFO, "vulndb", "no NVD API increment: the yearly feeds cover it");
        goto out;
    }
    /* Overlap a little: records modified while the last update ran. */
    api_time(since - 3600, from);
    api_time(now, to);
    for (uint64_t start = 0, total = 1; rc == KS_OK && start < total;) {
        struct fetch f = {.cfg = u->cfg, .opts = u->opts, .what = "nvd:api"};
        struct ks_buf dest = KS_BUF_INIT(8192), body = KS_BUF_INIT(1 << 12);
        enum fetch_result res = FR_MISSING;
        uint64_t got_total = 0, per_page = 0;

        if (key_header.len > 0 && ks_buf_err(&key_header) == KS_OK)
            f.header = key_header.data;
        if (start > 0 && delay > 0)
            sleep_ms(delay);
        ks_buf_reset(&url);
        ks_buf_appendf(&url, "%s?lastModStartDate=%s&lastModEndDate=%s&startIndex=%llu"
                             "&resultsPerPage=%d",
                       u->cfg->api, from, to, (unsigned long long)start, API_PAGE);
        ks_buf_appendf(&dest, "%s/%u.dl", u->dl_dir, u->n_files++);
        f.url = url.data;
        f.dest = dest.data;
        rc = fetch_url(&f, &res, err);
        if (rc == KS_OK && res != FR_OK)
            rc = ks_err_set(err, KS_ENET, "NVD API '%s': HTTP status %ld", url.data, f.status);
        /* totalResults and resultsPerPage decide how many pages follow. */
        if (rc == KS_OK) {
            int fd;
            char head[4096];
            ssize_t n;

            fd = open(dest.data, O_RDONLY | O_CLOEXEC);
            n = fd >= 0 ? read(fd, head, sizeof(head) - 1) : -1;
            if (fd >= 0)
                close(fd);
            head[n > 0 ? n : 0] = '\0';
            if (!head_number(head, "\"totalResults\"", &got_total) ||
                !head_number(head, "\"resultsPerPage\"", &per_page))
                rc = ks_err_set(err, KS_EPARSE,
                                "NVD API '%s': no totalResults/resultsPerPage in the response",
                                url.data);
            else if (per_page == 0 && start < got_total)
                rc = ks_err_set(err, KS_EPARSE, "NVD API '%s': an empty page before the end",
                                url.data);
        }
        if (rc == KS_OK) {
            ks_vdb_build_set_http(u->b, NULL, NULL);
            rc = ks_vdb_import_file(u->b, dest.data, "api", url.data, err);
        }
        unlink(dest.data);
        fetch_release(&f);
        ks_buf_release(&dest);
        ks_buf_release(&body);
        total = got_total;
        start += per_page;
    }
out:
    ks_buf_release(&key_header);
    ks_buf_release(&url);
    ks_arena_free(a);
    return rc;
}

static enum ks_code
update_nvd(struct upd *u, struct ks_err *err)
{
    struct ks_buf url = KS_BUF_INIT(8192);
    enum ks_code rc = KS_OK;

    for (int year = u->cfg->first_year; rc == KS_OK && year <= u->cfg->last_year; year++) {
        char name[16], label[8];

        snprintf(name, sizeof(name), "nvd:%d", year);
        snprintf(label, sizeof(label), "%d", year);
        if (!wanted(u->opts->only, u->opts->n_only, name))
            continue;
        ks_buf_reset(&url);
        ks_buf_appendf(&url, "%s/nvdcve-2.0-%d.json.gz", u->cfg->nvd, year);
        rc = fetch_and_import(u, name, label, url.data, true, NULL, err);
    }
    if (rc == KS_OK && u->cfg->api[0] != '\0' &&
        wanted(u->opts->only, u->opts->n_only, "nvd:api"))
        rc = update_nvd_api(u, err);
    ks_buf_release(&url);
    return rc;
}

/* What update_distro.c borrows: the same fetching as every other feed. */
static enum ks_code
distro_fetch_import(void *ctx, const char *name, const char *label, const char *url,
                    bool *missing, struct ks_err *err)
{
    return fetch_and_import(ctx, name, label, url, true, missing, err);
}

static enum ks_code
distro_fetch_file(void *ctx, const char *url, char **path, bool *missing, struct ks_err *err)
{
    struct upd *u = ctx;
    struct fetch f = {.cfg = u->cfg, .opts = u->opts, .url = url, .what = url};
    struct ks_buf dest = KS_BUF_INIT(8192);
    enum fetch_result res = FR_MISSING;
    enum ks_code rc;

    *missing = false;
    *path = NULL;
    ks_buf_appendf(&dest, "%s/%u.dl", u->dl_dir, u->n_files++);
    if (ks_buf_err(&dest) != KS_OK) {
        ks_buf_release(&dest);
        return ks_err_set(err, KS_ETOOBIG, "download path too long");
    }
    f.dest = dest.data;
    ks_log(KS_LOG_INFO, "vulndb", "fetching %s", url);
    rc = fetch_url(&f, &res, err);
    fetch_release(&f);
    if (rc == KS_OK && res == FR_OK) {
        *path = ks_buf_detach(&dest, NULL);
        if (*path == NULL)
            rc = ks_err_set(err, KS_ENOMEM, "out of memory");
        return rc;
    }
    if (rc == KS_OK)
        *missing = true;
    unlink(dest.data);
    ks_buf_release(&dest);
    return rc;
}

enum ks_code
ks_vulndb_update(const char *db_path, const struct ks_vulndb_update_opts *opts,
                 struct ks_arena *arena, struct ks_vulndb_summary *out, struct ks_err *err)
{
    struct cfg cfg;
    struct upd u = {.opts = opts, .cfg = &cfg};
    enum ks_code rc;
    bool dir_mirror;
    const char *mirror_dir;

    if ((rc = cfg_load(&cfg, opts, err)) != KS_OK)
        goto out_cfg;
    dir_mirror = cfg.mirror != NULL && (strstr(cfg.mirror, "://") == NULL ||
                                        strncmp(cfg.mirror, "file://", 7) == 0);
    mirror_dir = dir_mirror && strncmp(cfg.mirror, "file://", 7) == 0 ? cfg.mirror + 7
                                                                      : cfg.mirror;
    if (dir_mirror) {
        struct stat st;

        if (stat(mirror_dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            rc = ks_err_set(err, KS_ENOTFOUND, "mirror '%s' is not a directory", mirror_dir);
            goto out_cfg;
        }
    }
    if ((rc = ks_vdb_build_begin(db_path, "update", opts->force, &u.b, err)) != KS_OK)
        goto out_cfg;
    if (dir_mirror) {
        rc = ks_vdb_import_mirror_dir(u.b, mirror_dir, opts->only, opts->n_only, err);
        /* The distro feeds under native/ (update_distro.c, docs/feeds.md). */
        if (rc == KS_OK && cfg.distro_on)
            rc = ks_vdb_distro_mirror_dir(u.b, mirror_dir, opts->only, opts->n_only, err);
        if (rc != KS_OK)
            goto fail;
        cfg_release(&cfg);
        return ks_vdb_build_commit(u.b, true, arena, out, err);
    }
    {
        struct ks_buf d = KS_BUF_INIT(8192);

        ks_buf_appendf(&d, "%s/%s.dl-%ld", ks_vdb_build_dir(u.b),
                       strrchr(db_path, '/') ? strrchr(db_path, '/') + 1 : db_path,
                       (long)getpid());
        u.dl_dir = ks_buf_detach(&d, NULL);
        ks_buf_release(&d);
    }
    if (u.dl_dir == NULL) {
        rc = ks_err_set(err, KS_ENOMEM, "out of memory");
        goto fail;
    }
    if (mkdir(u.dl_dir, 0700) != 0) {
        rc = ks_err_set(err, KS_EIO, "cannot create '%s': %s", u.dl_dir, strerror(errno));
        goto fail;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        rc = ks_err_set(err, KS_ENET, "cannot initialise libcurl");
        goto fail;
    }
    if (kind_wanted(opts->only, opts->n_only, "osv") && (rc = update_osv(&u, err)) != KS_OK)
        goto fail;
    if (kind_wanted(opts->only, opts->n_only, "nvd") && (rc = update_nvd(&u, err)) != KS_OK)
        goto fail;
    if (wanted(opts->only, opts->n_only, "epss") &&
        (rc = fetch_and_import(&u, "epss", "epss", cfg.epss, true, NULL, err)) != KS_OK)
        goto fail;
    if (wanted(opts->only, opts->n_only, "kev") &&
        (rc = fetch_and_import(&u, "kev", "kev", cfg.kev, true, NULL, err)) != KS_OK)
        goto fail;
    {
        struct ks_vdb_fetch_ops ops = {.ctx = &u,
                                       .fetch_import = distro_fetch_import,
                                       .fetch_file = distro_fetch_file};
        const char *http_mirror = cfg.mirror != NULL && !dir_mirror ? cfg.mirror : NULL;
        char *base = http_mirror ? ks_strdup(http_mirror) : NULL;

        if (base != NULL) {
            size_t n = strlen(base);

            while (n > 0 && base[n - 1] == '/')
                base[--n] = '\0';
        }
        if (http_mirror != NULL && base == NULL)
            rc = ks_err_set(err, KS_ENOMEM, "out of memory");
        else if (cfg.distro_on)
            rc = ks_vdb_distro_update(u.b, &ops, base, cfg.distro, opts->only, opts->n_only, err);
        ks_free(base);
        if (rc != KS_OK)
            goto fail;
    }
    rmdir(u.dl_dir);
    ks_free(u.dl_dir);
    cfg_release(&cfg);
    /* Always written: every source's check time moves, even when nothing changed. */
    return ks_vdb_build_commit(u.b, true, arena, out, err);
fail:
    if (u.dl_dir != NULL) {
        rmdir(u.dl_dir);
        ks_free(u.dl_dir);
    }
    ks_vdb_build_abort(u.b);
out_cfg:
    cfg_release(&cfg);
    return rc;
}
