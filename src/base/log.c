/*
 * log.c: leveled logging to stderr, debug switched on per module
 * (--debug=match,vulndb). Messages are lowercase with no full stop.
 */
#include "base/base.h"

#include <string.h>

#include "base/banned.h"

#define MAX_DEBUG_MODULES 32

static enum ks_log_level log_level = KS_LOG_WARN;
static FILE *log_stream;
static size_t warn_count;
static char debug_modules[MAX_DEBUG_MODULES][48];
static size_t n_debug_modules;
static bool debug_all;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void
ks_log_set_level(enum ks_log_level level)
{
    log_level = level;
}

enum ks_log_level
ks_log_get_level(void)
{
    return log_level;
}

enum ks_code
ks_log_parse_level(const char *s, enum ks_log_level *out)
{
    for (size_t i = 0; i < KS_ARRAY_LEN(level_names); i++) {
        if (strcmp(s, level_names[i]) == 0) {
            *out = (enum ks_log_level)i;
            return KS_OK;
        }
    }
    if (strcmp(s, "warning") == 0) {
        *out = KS_LOG_WARN;
        return KS_OK;
    }
    return KS_EINVAL;
}

enum ks_code
ks_log_enable_debug(const char *modules)
{
    struct ks_str rest = ks_str_c(modules), item;

    while (rest.len > 0) {
        struct ks_str tail;

        if (!ks_str_split2(rest, ',', &item, &tail)) {
            item = rest;
            tail = KS_STR_NULL;
        }
        item = ks_str_trim(item);
        rest = tail;
        if (item.len == 0)
            continue;
        if (ks_str_eq_c(item, "all")) {
            debug_all = true;
            continue;
        }
        if (n_debug_modules >= MAX_DEBUG_MODULES || item.len >= sizeof(debug_modules[0]))
            return KS_ETOOBIG;
        memcpy(debug_modules[n_debug_modules], item.ptr, item.len);
        debug_modules[n_debug_modules][item.len] = '\0';
        n_debug_modules++;
    }
    return KS_OK;
}

static bool
debug_on(const char *module)
{
    if (debug_all || log_level >= KS_LOG_DEBUG)
        return true;
    for (size_t i = 0; i < n_debug_modules; i++) {
        size_t n = strlen(debug_modules[i]);

        if (strncmp(module, debug_modules[i], n) == 0 && (module[n] == '\0' || module[n] == '.'))
            return true;
    }
    return false;
}

bool
ks_log_enabled(enum ks_log_level level, const char *module)
{
    if (level == KS_LOG_DEBUG)
        return debug_on(module ? module : "");
    return level <= log_level;
}

void
ks_log_set_stream(FILE *f)
{
    log_stream = f;
}

size_t
ks_log_warn_count(void)
{
    return warn_count;
}

void
ks_log(enum ks_log_level level, const char *module, const char *fmt, ...)
{
    FILE *out = log_stream ? log_stream : stderr;
    char line[2048];
    va_list ap;
    int n;

    if (level == KS_LOG_WARN)
        warn_count++;
    if (!ks_log_enabled(level, module))
        return;
    n = snprintf(line, sizeof(line), "kensa: %s: %s: ", level_names[level],
                 module ? module : "-");
    if (n < 0 || (size_t)n >= sizeof(line))
        n = 0;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    /* One write per line keeps concurrent writers from interleaving. */
    fprintf(out, "%s\n", line);
    fflush(out);
}
