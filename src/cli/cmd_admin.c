/*
 * cmd_admin.c: `kensa admin`, operator tasks on a data dir (the server may
 * be running): accounts, access keys, and `evaluate`, which applies a set
 * of findings for one resource through the same store call the scan
 * pipeline makes (lifecycle, suppression, events).
 */
#include "cli/cli.h"

#include <getopt.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "store/store.h"

#include "base/banned.h"

#define MAX_FINDINGS_BYTES ((size_t)512 << 20)

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: kensa admin account create [--data DIR] [--name NAME]\n"
            "       kensa admin key create [--data DIR] ACCOUNT_ID\n"
            "       kensa admin key revoke [--data DIR] ACCESS_KEY_ID\n"
            "       kensa admin evaluate [--data DIR] [--region REGION] --account ACCOUNT_ID\n"
            "                            [--resource-type TYPE] [--resource-id ID] FILE|-\n\n"
            "Manage a Kensa data dir (the server may be running).\n\n"
            "  account create   a new account (12-digit id), enabled for every resource type;\n"
            "                   prints {\"accountId\": …}\n"
            "  key create       an access key for the account; prints the secret once:\n"
            "                   {\"accountId\", \"accessKeyId\", \"secretAccessKey\"}\n"
            "  key revoke       revoke an access key (requests with it are refused)\n"
            "  evaluate         apply an evaluation of one resource: FILE holds its complete\n"
            "                   findings ({\"findings\": [...]} as kensa scan --format json prints,\n"
            "                   or a JSON array). New findings become ACTIVE, missing ones CLOSED,\n"
            "                   SUPPRESS filters apply and events are written. The resource is\n"
            "                   the findings' resources[0] unless --resource-type/--resource-id\n"
            "                   name it (needed for an empty set). Prints the counts.\n\n"
            "  --data DIR       data dir (default as for kensa server)\n"
            "  --region REGION  region in finding ARNs (match the server's; default us-east-1)\n");
}

static int
open_store(const char *data, const char *region, struct ks_store **out)
{
    char dir[4096];
    struct ks_err err = KS_ERR_INIT;
    struct ks_store_options o;

    if (data == NULL) {
        if (ks_store_default_dir(dir, sizeof(dir), &err) != KS_OK)
            return cli_fail(&err);
        data = dir;
    }
    o.data_dir = data;
    o.region = region;
    if (ks_store_open(&o, out, &err) != KS_OK)
        return cli_fail(&err);
    return KS_EXIT_OK;
}

static int
print_json(json_t *o)
{
    char *text = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
    bool ok;

    json_decref(o);
    if (text == NULL) {
        cli_error("out of memory");
        return KS_EXIT_RUNTIME;
    }
    ok = cli_write_stdout(text, strlen(text)) && cli_write_stdout("\n", 1);
    sodium_memzero(text, strlen(text));
    ks_free(text);
    return ok ? KS_EXIT_OK : KS_EXIT_RUNTIME;
}

static int
cmd_evaluate(struct ks_store *s, const char *account, const char *rtype_s, const char *rid,
             const char *file)
{
    struct ks_buf b = KS_BUF_INIT(MAX_FINDINGS_BYTES);
    struct ks_err err = KS_ERR_INIT;
    struct ks_store_eval_result r;
    struct ks_store_evaluation ev;
    json_t *doc = NULL, *findings, *res0 = NULL;
    enum ks_findings_rtype rt = KS_RT_HOST;
    char ridbuf[1100];
    int rc = KS_EXIT_RUNTIME;

    if (strcmp(file, "-") == 0 ? ks_stream_read(stdin, "stdin", MAX_FINDINGS_BYTES, &b, &err) != KS_OK
                               : ks_file_read(file, MAX_FINDINGS_BYTES, &b, &err) != KS_OK) {
        rc = cli_fail(&err);
        goto out;
    }
    if (ks_json_parse(b.data, b.len, file, &doc, &err) != KS_OK) {
        rc = cli_fail(&err);
        goto out;
    }
    findings = json_is_array(doc) ? doc : json_object_get(doc, "findings");
    if (!json_is_array(findings)) {
        cli_error("%s: expected {\"findings\": [...]} or a JSON array", file);
        goto out;
    }
    res0 = json_array_get(json_object_get(json_array_get(findings, 0), "resources"), 0);
    if (rtype_s == NULL)
        rtype_s = ks_json_str(res0, "type");
    if (rid == NULL)
        rid = ks_json_str(res0, "id");
    if (rtype_s == NULL || rid == NULL) {
        rc = cli_usage_error("admin", "no findings: give --resource-type and --resource-id");
        goto out;
    }
    if (!ks_findings_rtype_parse(ks_str_c(rtype_s), &rt)) {
        rc = cli_usage_error("admin", "--resource-type '%s' is not HOST, CONTAINER_IMAGE, "
                             "FUNCTION or CODE_REPOSITORY", rtype_s);
        goto out;
    }
    snprintf(ridbuf, sizeof(ridbuf), "%s", rid);
    ev = (struct ks_store_evaluation){account, rt, ridbuf, NULL, findings, ks_time_now_ms()};
    if (ks_store_apply_evaluation(s, &ev, &r, &err) != KS_OK) {
        ks_err_prefix(&err, "%s: ", file);
        rc = cli_fail(&err);
        if (err.code == KS_EINVAL)
            rc = KS_EXIT_RUNTIME; /* bad input file, not bad arguments */
        goto out;
    }
    rc = print_json(json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
                              "accountId", account, "resourceType", ks_findings_rtype_name(rt),
                              "resourceId", ridbuf, "created", (json_int_t)r.created, "updated",
                              (json_int_t)r.updated, "reopened", (json_int_t)r.reopened, "closed",
                              (json_int_t)r.closed, "unchanged", (json_int_t)r.unchanged,
                              "suppressed", (json_int_t)r.suppressed, "unsuppressed",
                              (json_int_t)r.unsuppressed, "events", (json_int_t)r.events));
out:
    json_decref(doc);
    ks_buf_release(&b);
    return rc;
}

int
ks_cmd_admin(int argc, char **argv)
{
    static const struct option opts[] = {
        {"data", required_argument, NULL, 'd'},
        {"name", required_argument, NULL, 'n'},
        {"region", required_argument, NULL, 'r'},
        {"account", required_argument, NULL, 'a'},
        {"resource-type", required_argument, NULL, 't'},
        {"resource-id", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data = NULL, *name = NULL, *region = "us-east-1", *account = NULL;
    const char *rtype = NULL, *rid = NULL, *what, *verb = NULL;
    struct ks_store *s = NULL;
    struct ks_err err = KS_ERR_INIT;
    int c, rc;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'd': data = optarg; break;
        case 'n': name = optarg; break;
        case 'r': region = optarg; break;
        case 'a': account = optarg; break;
        case 't': rtype = optarg; break;
        case 'i': rid = optarg; break;
        case 'h': usage(stdout); return KS_EXIT_OK;
        default: return cli_usage_error("admin", "unknown option");
        }
    }
    if (optind >= argc)
        return cli_usage_error("admin", "missing a subcommand (account, key, evaluate)");
    what = argv[optind++];
    if (strcmp(what, "evaluate") != 0) {
        if (optind >= argc)
            return cli_usage_error("admin", "'%s' needs a verb (create, revoke)", what);
        verb = argv[optind++];
    }
    if (strcmp(what, "account") == 0 && strcmp(verb, "create") == 0) {
        struct ks_account a;

        if (optind != argc)
            return cli_usage_error("admin", "unexpected argument '%s'", argv[optind]);
        if ((rc = open_store(data, region, &s)) != KS_EXIT_OK)
            return rc;
        if (ks_store_account_create(s, name, ks_time_now_ms(), &a, &err) != KS_OK)
            rc = cli_fail(&err);
        else
            rc = print_json(json_pack("{s:s, s:s}", "accountId", a.account_id, "name", a.name));
    } else if (strcmp(what, "key") == 0 && strcmp(verb, "create") == 0) {
        struct ks_access_key k;

        if (optind + 1 != argc)
            return cli_usage_error("admin", "key create needs ACCOUNT_ID");
        if ((rc = open_store(data, region, &s)) != KS_EXIT_OK)
            return rc;
        if (ks_store_key_create(s, argv[optind], ks_time_now_ms(), &k, &err) != KS_OK) {
            rc = cli_fail(&err);
            if (err.code == KS_EINVAL || err.code == KS_ENOTFOUND)
                rc = KS_EXIT_USAGE;
        } else {
            rc = print_json(json_pack("{s:s, s:s, s:s}", "accountId", k.account_id, "accessKeyId",
                                      k.access_key_id, "secretAccessKey", k.secret_access_key));
        }
        sodium_memzero(&k, sizeof(k));
    } else if (strcmp(what, "key") == 0 && strcmp(verb, "revoke") == 0) {
        if (optind + 1 != argc)
            return cli_usage_error("admin", "key revoke needs ACCESS_KEY_ID");
        if ((rc = open_store(data, region, &s)) != KS_EXIT_OK)
            return rc;
        if (ks_store_key_revoke(s, argv[optind], ks_time_now_ms(), &err) != KS_OK) {
            rc = cli_fail(&err);
            if (err.code == KS_ENOTFOUND)
                rc = KS_EXIT_USAGE;
        } else {
            rc = print_json(json_pack("{s:s, s:b}", "accessKeyId", argv[optind], "revoked", 1));
        }
    } else if (strcmp(what, "evaluate") == 0) {
        if (account == NULL)
            return cli_usage_error("admin", "evaluate needs --account ACCOUNT_ID");
        if (optind + 1 != argc)
            return cli_usage_error("admin", "evaluate needs one findings FILE (or -)");
        if ((rc = open_store(data, region, &s)) != KS_EXIT_OK)
            return rc;
        rc = cmd_evaluate(s, account, rtype, rid, argv[optind]);
    } else {
        return cli_usage_error("admin", "unknown subcommand '%s%s%s'", what, verb ? " " : "",
                               verb ? verb : "");
    }
    ks_store_free(s);
    return rc;
}
