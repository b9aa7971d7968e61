/*
 * server_int.h: private to src/server/. The Inspector2 model tables
 * (generated into model_gen.c), the request validator and router, and the
 * pieces the HTTP layer, the handlers and the background threads share.
 */
#ifndef KS_SERVER_INT_H
#define KS_SERVER_INT_H

#include "base/base.h"

#include <jansson.h>

/* ------------------------------------------------------------------------ */
/* The service model (model_gen.c, from the AWS model's JSON)               */

enum ks_model_type {
    KS_MT_STRUCT, KS_MT_LIST, KS_MT_MAP, KS_MT_STRING, KS_MT_INTEGER, KS_MT_LONG,
    KS_MT_DOUBLE, KS_MT_BOOLEAN, KS_MT_TIMESTAMP, KS_MT_BLOB
};

enum ks_model_loc { KS_ML_BODY, KS_ML_HEADER, KS_ML_URI, KS_ML_QUERY };

struct ks_model_member {
    const char *name;
    int shape;         /* index into ks_model_shapes */
    bool required;
    enum ks_model_loc loc;
    const char *loc_name;
};

struct ks_model_shape {
    const char *name;
    enum ks_model_type type;
    bool has_min, has_max;
    double min, max;       /* length for strings/lists/maps, value for numbers */
    const char *pattern;   /* unanchored (Smithy) regular expression, or NULL */
    const char *const *enums;
    size_t n_enums;
    const struct ks_model_member *members;
    size_t n_members;
    int elem;              /* list member / map value shape, or -1 */
    int key;               /* map key shape, or -1 */
    bool is_union;
};

struct ks_model_op {
    const char *name;
    const char *method;
    const char *uri;
    int input;             /* input shape, or -1 */
};

extern const struct ks_model_shape ks_model_shapes[];
extern const size_t ks_model_n_shapes;
extern const struct ks_model_op ks_model_ops[];
extern const size_t ks_model_n_ops;

#endif
