/*
 * scan_int.h: private to src/scan/: the state one scan's document builder
 * shares between the driver (scan.c), the finding builder (finding.c) and
 * suppression (suppress.c).
 */
#ifndef KS_SCAN_INT_H
#define KS_SCAN_INT_H

#include "scan/scan.h"

#include <jansson.h>

struct scan_build {
    struct ks_vulndb *db;
    struct ks_scan *scan;
    const struct ks_scan_opts *opts;
    struct ks_arena *a;
    time_t now;
    char now_str[21];
    const char *account;
    const char *region;
    const char *resource_id;
    json_t *resource; /* the resources[0] object every finding shares (copied in) */
    struct ks_suppressions sup;
};

/* Build one Finding per match group into `findings` (sorted afterwards). */
enum ks_code ks_scan_build_findings(struct scan_build *b, json_t *findings, struct ks_err *err);

/*
 * The first suppression rule that applies to a finding, or NULL. vuln and
 * related are the finding's ids; pkgs its vulnerable packages.
 */
const struct ks_suppression *ks_suppress_find(const struct ks_suppressions *list, time_t now,
                                              const struct ks_match_group *g);

/* Set obj[key] = string when value is non-NULL (a no-op otherwise). */
enum ks_code ks_scan_json_set_str(json_t *obj, const char *key, const char *value);

#endif
