/*
 * report_int.h: private to src/report/: helpers the SBOM writers share.
 */
#ifndef KS_REPORT_INT_H
#define KS_REPORT_INT_H

#include "report/report.h"

#include <jansson.h>

/*
 * The identifier each package is referred to by in every format (CycloneDX
 * bom-ref, dependsOn lists): its purl when no other package has the same one,
 * else "<purl or name@version>#<n>". refs[i] belongs to inv->pkgs[i].
 */
struct report_refs {
    char **refs;
    size_t n;
};

enum ks_code report_refs_init(const struct ks_inventory *inv, struct report_refs *r);
void report_refs_release(struct report_refs *r);

/* The tool and timestamp every document names. */
#define KS_TOOL_NAME "kensa"

/* json_object_set_new that records failure in *ok (jansson returns -1 on OOM). */
void rj_set(json_t *obj, const char *key, json_t *v, bool *ok);
/* A string value, or JSON null when s is NULL. */
json_t *rj_str_or_null(const char *s);
/* Append v to arr, recording failure. */
void rj_push(json_t *arr, json_t *v, bool *ok);
/* Serialise pretty with a trailing newline; frees root. */
enum ks_code rj_finish(json_t *root, bool ok, struct ks_buf *out, struct ks_err *err);

/* Package flag names for JSON ("os", "direct", "dev", "running-kernel", ...). */
json_t *report_flags_json(unsigned flags);

#endif
