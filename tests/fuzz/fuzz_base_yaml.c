/*
 * fuzz_base_yaml.c: the YAML reader (base/yaml.c) on arbitrary bytes.
 */
#include "base/base.h"

#include <jansson.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *v = NULL;
    struct ks_err err = KS_ERR_INIT;

    if (ks_yaml_parse(data, size, "fuzz", &v, &err) == KS_OK)
        json_decref(v);
    return 0;
}
