/*
 * cli_target.c: the options that say how to read a target, shared by every
 * command that takes one (sbom now, scan and push later): which platform
 * of a multi-platform image, whether a registry may be plain HTTP, which
 * docker config.json holds credentials, a function's layers and
 * runtime, and whether the per-layer cache is used.
 */
#include "cli/cli.h"

#include <string.h>

#include "inventory/inventory.h"

#include "base/banned.h"

#define CLI_MAX_LAYERS 64

static const char *layers[CLI_MAX_LAYERS];

int
cli_target_option(const char *cmd, int c, const char *arg, struct ks_inventory_opts *opts)
{
    switch (c) {
    case CLI_OPT_PLATFORM:
        if (arg[0] == '\0' || strchr(arg, '/') == NULL) {
            cli_usage_error(cmd, "--platform '%s': expected OS/ARCH[/VARIANT] (linux/arm64)", arg);
            return -1;
        }
        opts->platform = arg;
        return 1;
    case CLI_OPT_INSECURE:
        opts->insecure = true;
        return 1;
    case CLI_OPT_AUTH_CONFIG:
        opts->auth_config = arg;
        return 1;
    case CLI_OPT_LAYER:
        if (opts->n_function_layers >= CLI_MAX_LAYERS) {
            cli_usage_error(cmd, "more than %d --layer", CLI_MAX_LAYERS);
            return -1;
        }
        if (arg[0] == '\0') {
            cli_usage_error(cmd, "--layer needs a zip file");
            return -1;
        }
        layers[opts->n_function_layers++] = arg;
        opts->function_layers = layers;
        return 1;
    case CLI_OPT_RUNTIME:
        opts->runtime = arg;
        return 1;
    case CLI_OPT_NO_LAYER_CACHE:
        opts->no_layer_cache = true;
        return 1;
    default:
        return 0;
    }
}
