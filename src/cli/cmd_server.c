/*
 * cmd_server.c: `kensa server`, the Inspector2-compatible service
 * (docs/server.md). Settings come from the defaults, then --config FILE,
 * then the command line. SIGINT/SIGTERM stop it gracefully.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "server/server.h"
#include "store/store.h"

#include "base/banned.h"

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: kensa server [--listen ADDR:PORT] [--data DIR] [--db VULNDB]\n"
            "                    [--webhook URL]... [--webhook-secret-file FILE]\n"
            "                    [--config FILE] [--region REGION] [--threads N]\n"
            "                    [--port-file FILE]\n\n"
            "Serve Amazon Inspector's API (Inspector2 REST-JSON, SigV4) over the state store in\n"
            "the data dir, deliver events to webhooks and produce findings reports.\n\n"
            "  --listen ADDR:PORT     address to listen on (default 127.0.0.1:8080; port 0: any)\n"
            "  --data DIR             data dir (default /var/lib/kensa as root, else\n"
            "                         ~/.local/share/kensa)\n"
            "  --db VULNDB            vulnerability database used for re-evaluation\n"
            "  --webhook URL          POST every event to URL (repeatable)\n"
            "  --webhook-secret-file FILE  HMAC key for the webhooks (default DATA/webhook.secret)\n"
            "  --config FILE          JSON settings (docs/server.md); flags override it\n"
            "  --region REGION        region clients sign for (default us-east-1)\n"
            "  --threads N            HTTP worker threads (default 4)\n"
            "  --port-file FILE       write the bound port to FILE once listening\n"
            "  -h, --help             this help\n\n"
            "Request logs are info-level lines on stderr (the server raises the default\n"
            "level to info; --log-level error silences them). Stop with SIGINT or SIGTERM:\n"
            "in-flight requests finish and pending events are flushed first.\n");
}

static int
write_port_file(const char *path, unsigned port)
{
    char text[16];
    struct ks_err err = KS_ERR_INIT;
    int n = snprintf(text, sizeof(text), "%u\n", port);

    if (ks_file_write_atomic(path, text, (size_t)n, 0644, &err) != KS_OK)
        return cli_fail(&err);
    return KS_EXIT_OK;
}

int
ks_cmd_server(int argc, char **argv)
{
    static const struct option opts[] = {
        {"listen", required_argument, NULL, 'l'},
        {"data", required_argument, NULL, 'd'},
        {"db", required_argument, NULL, 'b'},
        {"webhook", required_argument, NULL, 'w'},
        {"webhook-secret-file", required_argument, NULL, 's'},
        {"config", required_argument, NULL, 'c'},
        {"region", required_argument, NULL, 'r'},
        {"threads", required_argument, NULL, 't'},
        {"port-file", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct ks_server_config *cfg = ks_calloc(1, sizeof(*cfg));
    struct ks_server *srv = NULL;
    struct ks_err err = KS_ERR_INIT;
    const char *config = NULL, *listen = NULL, *data = NULL, *db = NULL, *secret_file = NULL;
    const char *region = NULL, *port_file = NULL, *webhooks[KS_SERVER_MAX_WEBHOOKS];
    size_t n_webhooks = 0;
    unsigned long threads = 0;
    sigset_t set;
    int c, sig, rc = KS_EXIT_RUNTIME;

    if (cfg == NULL) {
        cli_error("out of memory");
        return KS_EXIT_RUNTIME;
    }
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'l': listen = optarg; break;
        case 'd': data = optarg; break;
        case 'b': db = optarg; break;
        case 'w':
            if (n_webhooks >= KS_SERVER_MAX_WEBHOOKS) {
                rc = cli_usage_error("server", "at most %d --webhook", KS_SERVER_MAX_WEBHOOKS);
                goto out;
            }
            webhooks[n_webhooks++] = optarg;
            break;
        case 's': secret_file = optarg; break;
        case 'c': config = optarg; break;
        case 'r': region = optarg; break;
        case 't': {
            uint64_t v;

            if (ks_parse_u64(ks_str_c(optarg), 64, &v) != KS_OK || v == 0) {
                rc = cli_usage_error("server", "--threads must be 1 to 64");
                goto out;
            }
            threads = (unsigned long)v;
            break;
        }
        case 'p': port_file = optarg; break;
        case 'h':
            usage(stdout);
            rc = KS_EXIT_OK;
            goto out;
        default: rc = cli_usage_error("server", "unknown option"); goto out;
        }
    }
    if (optind < argc) {
        rc = cli_usage_error("server", "unexpected argument '%s'", argv[optind]);
        goto out;
    }
    ks_server_config_defaults(cfg);
    if (config != NULL && ks_server_config_load(config, cfg, &err) != KS_OK) {
        rc = cli_fail(&err);
        if (err.code == KS_EINVAL)
            rc = KS_EXIT_USAGE;
        goto out;
    }
    if (listen != NULL && ks_server_parse_listen(listen, cfg, &err) != KS_OK) {
        rc = cli_usage_error("server", "%s", err.msg);
        goto out;
    }
    if (data != NULL)
        snprintf(cfg->data_dir, sizeof(cfg->data_dir), "%s", data);
    if (cfg->data_dir[0] == '\0' &&
        ks_store_default_dir(cfg->data_dir, sizeof(cfg->data_dir), &err) != KS_OK) {
        rc = cli_fail(&err);
        goto out;
    }
    if (db != NULL)
        snprintf(cfg->vulndb_path, sizeof(cfg->vulndb_path), "%s", db);
    if (region != NULL)
        snprintf(cfg->region, sizeof(cfg->region), "%s", region);
    if (threads > 0)
        cfg->threads = (unsigned)threads;
    for (size_t i = 0; i < n_webhooks; i++) {
        struct ks_server_webhook *w;

        if (cfg->n_webhooks >= KS_SERVER_MAX_WEBHOOKS) {
            rc = cli_usage_error("server", "too many webhooks (config and flags)");
            goto out;
        }
        w = &cfg->webhooks[cfg->n_webhooks++];
        memset(w, 0, sizeof(*w));
        snprintf(w->url, sizeof(w->url), "%s", webhooks[i]);
    }
    if (secret_file != NULL) {
        struct ks_buf b = KS_BUF_INIT(4096);

        if (ks_file_read(secret_file, 4096, &b, &err) != KS_OK) {
            rc = cli_fail(&err);
            goto out;
        }
        while (b.len > 0 && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
            b.len--;
        if (b.len == 0 || b.len > sizeof(cfg->webhooks[0].secret)) {
            ks_buf_release(&b);
            rc = cli_usage_error("server", "--webhook-secret-file: 1 to 256 bytes");
            goto out;
        }
        for (size_t i = 0; i < cfg->n_webhooks; i++) {
            if (cfg->webhooks[i].secret_len == 0) {
                memcpy(cfg->webhooks[i].secret, b.data, b.len);
                cfg->webhooks[i].secret_len = b.len;
            }
        }
        ks_buf_release(&b);
    }
    /* A service logs its requests: info unless the user chose a level. */
    if (ks_log_get_level() == KS_LOG_WARN)
        ks_log_set_level(KS_LOG_INFO);
    /* Signals are taken by sigwait below; every thread started after this inherits the mask. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    if (ks_server_start(cfg, &srv, &err) != KS_OK) {
        rc = cli_fail(&err);
        goto out;
    }
    fprintf(stderr, "kensa: server listening on %s:%u (data %s)\n", cfg->listen_host,
            ks_server_port(srv), cfg->data_dir);
    if (port_file != NULL && (rc = write_port_file(port_file, ks_server_port(srv))) != KS_EXIT_OK) {
        ks_server_stop(srv);
        goto out;
    }
    sigwait(&set, &sig);
    ks_log(KS_LOG_INFO, "server", "signal=%d stopping", sig);
    ks_server_stop(srv);
    rc = KS_EXIT_OK;
out:
    ks_free(cfg);
    return rc;
}
