/*
 * fuzz_server_router.c: the request router and the model-driven request
 * validator. Input: "METHOD PATH" on the first line, the body after it; a
 * routed Inspector2 operation gets its body checked against the model.
 */
#include "server/server_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile size_t sink;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_cur c = ks_cur_make(data, size);
    struct ks_str line, method, path;
    struct srv_route rt;
    struct srv_vfail vf;
    struct ks_err err = KS_ERR_INIT;
    json_t *body = NULL;

    if (ks_cur_line(&c, 9000, &line) != KS_OK)
        return 0;
    if (!ks_str_split2(line, ' ', &method, &path))
        return 0;
    srv_route(method, path, &rt);
    sink += (size_t)rt.kind + rt.tail.len;
    if (rt.kind != SRV_ROUTE_INSPECTOR)
        return 0;
    if (ks_json_parse(c.p, ks_cur_left(&c), "fuzz", &body, &err) != KS_OK)
        return 0;
    sink += srv_validate(rt.op->input, body, &vf) ? 1 : vf.field[0];
    json_decref(body);
    return 0;
}
