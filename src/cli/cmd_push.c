/*
 * cmd_push.c: `kensa push --endpoint URL --resource-id ID TARGET`: inventory
 * TARGET here (any target kensa sbom takes) and POST it to a Kensa server's
 * /kensa/v1/inventory, signed with AWS Signature Version 4 from the usual
 * AWS environment variables, for the server to store and evaluate (and to
 * re-evaluate whenever its vulnerability DB changes). An SBOM target
 * (CycloneDX or SPDX from a CI pipeline) is checked here and sent as it is.
 * Prints the server's summary (findings created, closed, ...).
 */
#include "cli/cli.h"

#include <curl/curl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "findings/findings.h"
#include "inventory/inventory.h"
#include "report/report.h"
#include "sigv4/sigv4.h"

#include "base/banned.h"

#define PUSH_MAX_SKIP 256
#define PUSH_MAX_DOC ((size_t)256 << 20)
#define PUSH_MAX_REPLY ((size_t)1 << 20)
#define PUSH_DEFAULT_TIMEOUT 300

static void
push_help(FILE *out)
{
    fprintf(out,
            "usage: kensa push --endpoint URL --resource-id ID [--resource-type TYPE]\n"
            "                  [--skip-dirs GLOB]... [--cross-mounts] [--platform P] [--insecure]\n"
            "                  [--layer ZIP]... [--runtime NAME] [--timeout SECONDS]\n"
            "                  [--cacert FILE] TARGET\n\n"
            "Inventory TARGET and push it to a Kensa server, which stores it for your account,\n"
            "evaluates it against its vulnerability DB and keeps its findings current.\n\n"
            "targets: as for kensa sbom (dir:, archive:, image:, registry:, function:, repo:,\n"
            "  sbom: or a bare path). A CycloneDX or SPDX SBOM is checked and sent as it is.\n\n"
            "options:\n"
            "  -e, --endpoint URL      the server (http[s]://HOST[:PORT])\n"
            "  -r, --resource-id ID    the resource the inventory is of (an instance id, an\n"
            "                          image repository@digest, a function name, ...)\n"
            "  -t, --resource-type T   HOST, CONTAINER_IMAGE, FUNCTION or CODE_REPOSITORY\n"
            "                          (default: from the target: image:/registry: images,\n"
            "                          function: functions, repo: repositories, else HOST;\n"
            "                          for an SBOM, what it says it describes)\n"
            "      --skip-dirs GLOB    do not walk directories matching GLOB (repeatable)\n"
            "      --cross-mounts      descend into other mounts below a directory root\n"
            CLI_TARGET_HELP
            "      --timeout SECONDS   give up on the server after this long (default %d)\n"
            "      --cacert FILE       CA certificates to verify an https endpoint with\n"
            "  -h, --help              this help\n\n"
            "Credentials: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (a key from `kensa admin\n"
            "key create`); region AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1.\n"
            "Exit codes: 0 pushed (the summary is printed), 2 usage error, 3 the target could\n"
            "not be read or the server could not be reached or refused the push (its message\n"
            "is printed).\n",
            PUSH_DEFAULT_TIMEOUT);
}

static size_t
collect(char *p, size_t size, size_t n, void *ctx)
{
    struct ks_buf *b = ctx;

    ks_buf_append(b, p, size * n);
    return ks_buf_err(b) == KS_OK ? size * n : 0;
}

/* Keep the x-amzn-ErrorType header: refusals name their AWS error type there. */
static size_t
header_line(char *p, size_t size, size_t n, void *ctx)
{
    char *type = ctx;
    struct ks_str line = ks_str_make(p, size * n), key, value;

    if (ks_str_split2(line, ':', &key, &value) &&
        ks_str_ieq_c(ks_str_trim(key), "x-amzn-errortype")) {
        value = ks_str_trim(value);
        snprintf(type, 128, KS_STR_FMT, (int)KS_MIN(value.len, 120), value.ptr);
    }
    return size * n;
}

/* "http[s]://HOST[:PORT][/BASE]" into scheme+host (for curl) and the host header and base path. */
static bool
parse_endpoint(const char *url, struct ks_buf *host, struct ks_buf *base)
{
    const char *p, *slash;

    if (strncmp(url, "http://", 7) == 0)
        p = url + 7;
    else if (strncmp(url, "https://", 8) == 0)
        p = url + 8;
    else
        return false;
    slash = strchr(p, '/');
    if ((slash ? (size_t)(slash - p) : strlen(p)) == 0 || strchr(p, '?') || strchr(p, '#') ||
        strchr(p, '@') || strchr(p, ' '))
        return false;
    ks_buf_append(host, p, slash ? (size_t)(slash - p) : strlen(p));
    if (slash != NULL) {
        ks_buf_appends(base, slash);
        while (base->len > 0 && base->data[base->len - 1] == '/')
            base->data[--base->len] = '\0';
    }
    return ks_buf_err(host) == KS_OK && ks_buf_err(base) == KS_OK;
}

/* The resource type a target kind implies; KS_RT_COUNT: let the server read the SBOM. */
static enum ks_findings_rtype
default_type(enum ks_target_kind k)
{
    switch (k) {
    case KS_TARGET_IMAGE:
    case KS_TARGET_REGISTRY: return KS_RT_CONTAINER_IMAGE;
    case KS_TARGET_FUNCTION: return KS_RT_FUNCTION;
    case KS_TARGET_REPO: return KS_RT_CODE_REPOSITORY;
    case KS_TARGET_SBOM: return KS_RT_COUNT;
    default: return KS_RT_HOST;
    }
}

/* The document to send: the SBOM as it is, or the target's inventory as Kensa JSON. */
static int
build_document(const char *target, const struct ks_inventory_opts *opts, struct ks_buf *doc,
               enum ks_target_kind *kind)
{
    struct ks_err err = KS_ERR_INIT;
    struct ks_target_spec spec;
    struct ks_arena *a = ks_arena_new(1 << 20);
    struct ks_inventory *inv = NULL;
    int rc = KS_EXIT_RUNTIME;

    if (a == NULL) {
        cli_error("out of memory");
        return KS_EXIT_RUNTIME;
    }
    if (ks_target_parse(target, &spec, &err) != KS_OK) {
        rc = cli_usage_error("push", "%s", err.msg);
        goto out;
    }
    *kind = spec.kind;
    if (spec.kind == KS_TARGET_AUTO && ks_target_detect(spec.path, kind, &err) != KS_OK) {
        cli_fail(&err); /* an unreadable target: 3, whatever the code */
        goto out;
    }
    if (*kind == KS_TARGET_SBOM) {
        /* Checked here (a bad SBOM fails before anything is sent), sent unchanged. */
        if (ks_file_read(spec.path, PUSH_MAX_DOC, doc, &err) != KS_OK ||
            (inv = ks_inventory_new(a)) == NULL ||
            ks_sbom_read(ks_buf_str(doc), spec.path, inv, &err) != KS_OK) {
            if (inv == NULL && err.code == KS_OK)
                ks_err_set(&err, KS_ENOMEM, "out of memory");
            cli_fail(&err);
            goto out;
        }
        rc = KS_EXIT_OK;
        goto out;
    }
    if (ks_inventory_from_target(target, opts, a, &inv, &err) != KS_OK ||
        ks_report_inventory_json(inv, doc, &err) != KS_OK) {
        cli_fail(&err);
        goto out; /* an unreadable target is a runtime error (3), whatever its code */
    }
    if (inv->n_warnings > 0)
        ks_log(KS_LOG_INFO, "push", "%zu warning(s) while reading '%s'",
               inv->n_warnings + inv->warnings_dropped, target);
    rc = KS_EXIT_OK;
out:
    ks_arena_free(a);
    return rc;
}

struct push_req {
    const char *endpoint, *resource_id, *cacert;
    enum ks_findings_rtype rtype;
    long timeout;
};

static int
send_document(const struct push_req *pr, const struct ks_buf *doc)
{
    const char *akid = getenv("AWS_ACCESS_KEY_ID"), *secret = getenv("AWS_SECRET_ACCESS_KEY");
    const char *region = getenv("AWS_REGION");
    struct ks_buf host = KS_BUF_INIT(1024), base = KS_BUF_INIT(2048), path = KS_BUF_INIT(4096);
    struct ks_buf url = KS_BUF_INIT(16384), auth = KS_BUF_INIT(4096), line = KS_BUF_INIT(4096);
    struct ks_buf reply = KS_BUF_INIT(PUSH_MAX_REPLY);
    struct ks_err err = KS_ERR_INIT;
    struct ks_sigv4_kv h[4], q[2];
    struct ks_sigv4_request rq;
    struct curl_slist *hdrs = NULL;
    char payload[65], amz[17], etype[128] = "";
    CURL *c = NULL;
    CURLcode cc;
    long status = 0;
    size_t nq = 0;
    int rc = KS_EXIT_RUNTIME;

    if (region == NULL || region[0] == '\0')
        region = getenv("AWS_DEFAULT_REGION");
    if (region == NULL || region[0] == '\0')
        region = "us-east-1";
    if (akid == NULL || akid[0] == '\0' || secret == NULL || secret[0] == '\0') {
        rc = cli_usage_error("push", "no credentials: set AWS_ACCESS_KEY_ID and "
                             "AWS_SECRET_ACCESS_KEY (kensa admin key create prints a key)");
        goto out;
    }
    if (!parse_endpoint(pr->endpoint, &host, &base)) {
        rc = cli_usage_error("push", "--endpoint '%s' is not an http:// or https:// URL "
                             "(http[s]://HOST[:PORT])", pr->endpoint);
        goto out;
    }
    ks_buf_appendf(&path, "%s/kensa/v1/inventory", base.data);
    q[nq++] = (struct ks_sigv4_kv){KS_STR("resourceId"), ks_str_c(pr->resource_id)};
    if (pr->rtype != KS_RT_COUNT)
        q[nq++] = (struct ks_sigv4_kv){KS_STR("resourceType"),
                                       ks_str_c(ks_findings_rtype_name(pr->rtype))};
    /* The URL: scheme://host, the path as signed, the query encoded as SigV4 encodes it. */
    ks_buf_append(&url, pr->endpoint, (size_t)(strstr(pr->endpoint, "://") - pr->endpoint) + 3);
    ks_buf_append_str(&url, ks_buf_str(&host));
    ks_sigv4_uri_encode(ks_buf_str(&path), true, &url);
    for (size_t i = 0; i < nq; i++) {
        ks_buf_putc(&url, i == 0 ? '?' : '&');
        ks_buf_append_str(&url, q[i].key);
        ks_buf_putc(&url, '=');
        ks_sigv4_uri_encode(q[i].value, false, &url);
    }
    ks_sigv4_payload_hash(doc->data, doc->len, payload);
    ks_sigv4_amz_date(ks_time_now(), amz);
    h[0] = (struct ks_sigv4_kv){KS_STR("host"), ks_buf_str(&host)};
    h[1] = (struct ks_sigv4_kv){KS_STR("x-amz-date"), ks_str_c(amz)};
    h[2] = (struct ks_sigv4_kv){KS_STR("x-amz-content-sha256"), ks_str_c(payload)};
    h[3] = (struct ks_sigv4_kv){KS_STR("content-type"), KS_STR("application/json")};
    memset(&rq, 0, sizeof(rq));
    rq.method = KS_STR("POST");
    rq.path = ks_buf_str(&path);
    rq.query = q;
    rq.n_query = nq;
    rq.headers = h;
    rq.n_headers = 4;
    rq.payload_hash = ks_str_c(payload);
    if (ks_buf_err(&path) != KS_OK || ks_buf_err(&url) != KS_OK) {
        cli_error("push: the endpoint or resource id is too long");
        goto out;
    }
    if (ks_sigv4_sign(&rq, ks_str_c(akid), ks_str_c(secret), ks_str_c(region),
                      KS_STR("inspector2"), ks_str_c(amz), &auth, &err) != KS_OK) {
        cli_fail(&err);
        goto out;
    }
    for (size_t i = 0; i < 4; i++) {
        ks_buf_reset(&line);
        ks_buf_appendf(&line, KS_STR_FMT ": " KS_STR_FMT, KS_STR_ARG(h[i].key),
                       KS_STR_ARG(h[i].value));
        hdrs = curl_slist_append(hdrs, line.data);
    }
    ks_buf_reset(&line);
    ks_buf_appendf(&line, "Authorization: %s", auth.data);
    hdrs = curl_slist_append(hdrs, line.data);
    hdrs = curl_slist_append(hdrs, "Expect:");
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || hdrs == NULL ||
        (c = curl_easy_init()) == NULL) {
        cli_error("push: cannot set up the HTTP client");
        goto out;
    }
    curl_easy_setopt(c, CURLOPT_URL, url.data);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, doc->len ? doc->data : "");
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)doc->len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, pr->timeout);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_line);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, (void *)etype);
    if (pr->cacert != NULL)
        curl_easy_setopt(c, CURLOPT_CAINFO, pr->cacert);
    cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        cli_error("push: cannot reach %s: %s", pr->endpoint, curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    if (status == 200 || status == 202) {
        json_t *o = NULL;
        char *pretty;

        if (ks_json_parse(reply.data, reply.len, "the server's reply", &o, &err) != KS_OK) {
            cli_error("push: %s answered %ld with something that is not JSON", pr->endpoint,
                      status);
            goto out;
        }
        pretty = json_dumps(o, JSON_INDENT(2));
        json_decref(o);
        if (pretty == NULL) {
            cli_error("out of memory");
            goto out;
        }
        rc = cli_write_stdout(pretty, strlen(pretty)) && cli_write_stdout("\n", 1)
                 ? KS_EXIT_OK
                 : KS_EXIT_RUNTIME;
        ks_free(pretty);
        goto out;
    }
    {
        /* The server's own words: AWS error shape {"message"} with x-amzn-ErrorType. */
        json_t *o = NULL;
        const char *msg = NULL;
        struct ks_err perr = KS_ERR_INIT;

        if (ks_json_parse(reply.data, reply.len, "reply", &o, &perr) == KS_OK)
            msg = ks_json_str(o, "message");
        cli_error("push: %s refused the push (HTTP %ld%s%s): %s", pr->endpoint, status,
                  etype[0] ? " " : "", etype,
                  msg ? msg : (reply.len ? "(no message)" : "(empty reply)"));
        json_decref(o);
    }
out:
    if (c != NULL)
        curl_easy_cleanup(c);
    curl_slist_free_all(hdrs);
    ks_buf_release(&host);
    ks_buf_release(&base);
    ks_buf_release(&path);
    ks_buf_release(&url);
    ks_buf_release(&auth);
    ks_buf_release(&line);
    ks_buf_release(&reply);
    return rc;
}

int
ks_cmd_push(int argc, char **argv)
{
    enum { OPT_SKIP = 1000, OPT_CROSS, OPT_TIMEOUT, OPT_CACERT };
    static const struct option longopts[] = {
        {"endpoint", required_argument, NULL, 'e'},
        {"resource-id", required_argument, NULL, 'r'},
        {"resource-type", required_argument, NULL, 't'},
        {"skip-dirs", required_argument, NULL, OPT_SKIP},
        {"cross-mounts", no_argument, NULL, OPT_CROSS},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"cacert", required_argument, NULL, OPT_CACERT},
        CLI_TARGET_LONGOPTS,
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *skips[PUSH_MAX_SKIP];
    struct ks_inventory_opts opts;
    struct push_req pr = {NULL, NULL, NULL, KS_RT_COUNT, PUSH_DEFAULT_TIMEOUT};
    struct ks_buf doc = KS_BUF_INIT(PUSH_MAX_DOC);
    struct ks_buf host = KS_BUF_INIT(1024), base = KS_BUF_INIT(2048);
    enum ks_target_kind kind = KS_TARGET_AUTO;
    bool type_given = false, ep_ok;
    int c, rc;

    memset(&opts, 0, sizeof(opts));
    opts.skip_dirs = skips;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":e:r:t:h", longopts, NULL)) != -1) {
        switch (c) {
        case 'e': pr.endpoint = optarg; break;
        case 'r': pr.resource_id = optarg; break;
        case 't':
            if (!ks_findings_rtype_parse(ks_str_c(optarg), &pr.rtype))
                return cli_usage_error("push", "--resource-type '%s' is not HOST, "
                                       "CONTAINER_IMAGE, FUNCTION or CODE_REPOSITORY", optarg);
            type_given = true;
            break;
        case OPT_SKIP:
            if (opts.n_skip_dirs >= PUSH_MAX_SKIP)
                return cli_usage_error("push", "more than %d --skip-dirs", PUSH_MAX_SKIP);
            if (optarg[0] == '\0')
                return cli_usage_error("push", "--skip-dirs needs a non-empty glob");
            skips[opts.n_skip_dirs++] = optarg;
            break;
        case OPT_CROSS: opts.cross_mounts = true; break;
        case OPT_TIMEOUT: {
            uint64_t v;

            if (ks_parse_u64(ks_str_c(optarg), 86400, &v) != KS_OK || v == 0)
                return cli_usage_error("push", "--timeout must be 1 to 86400 seconds");
            pr.timeout = (long)v;
            break;
        }
        case OPT_CACERT: pr.cacert = optarg; break;
        case 'h': push_help(stdout); return KS_EXIT_OK;
        case ':': return cli_usage_error("push", "option '%s' needs a value", argv[optind - 1]);
        default: {
            int t = cli_target_option("push", c, optarg, &opts);

            if (t < 0)
                return KS_EXIT_USAGE;
            if (t == 0)
                return cli_usage_error("push", "unknown option '%s'", argv[optind - 1]);
            break;
        }
        }
    }
    if (optind != argc - 1)
        return cli_usage_error("push", optind >= argc ? "missing TARGET" : "one TARGET only");
    if (pr.endpoint == NULL)
        return cli_usage_error("push", "--endpoint URL is required");
    if (pr.resource_id == NULL || pr.resource_id[0] == '\0' || strlen(pr.resource_id) > 1024)
        return cli_usage_error("push", "--resource-id ID (1 to 1024 characters) is required");
    /* A malformed endpoint is a usage error before any work on the target. */
    ep_ok = parse_endpoint(pr.endpoint, &host, &base);
    ks_buf_release(&host);
    ks_buf_release(&base);
    if (!ep_ok)
        return cli_usage_error("push", "--endpoint '%s' is not an http:// or https:// URL "
                               "(http[s]://HOST[:PORT])", pr.endpoint);
    if ((rc = build_document(argv[optind], &opts, &doc, &kind)) != KS_EXIT_OK) {
        ks_buf_release(&doc);
        return rc;
    }
    if (!type_given)
        pr.rtype = default_type(kind);
    rc = send_document(&pr, &doc);
    ks_buf_release(&doc);
    return rc;
}
