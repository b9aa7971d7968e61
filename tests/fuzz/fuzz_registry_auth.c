/*
 * fuzz_registry_auth.c: libFuzzer target for what a registry or a user
 * hands the client: WWW-Authenticate headers, image references and
 * docker config.json files (first byte picks which). Results must stay
 * NUL-terminated inside their fixed buffers.
 */
#include "fs/registry_int.h"

#include <string.h>

#include "base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ks_err err = KS_ERR_INIT;

    if (size < 1)
        return 0;
    switch (data[0] % 3) {
    case 0: {
        struct img_challenge c;

        if (img_challenge_parse((const char *)data + 1, size - 1, &c, &err) == KS_OK &&
            (strlen(c.realm) >= sizeof(c.realm) || strlen(c.scope) >= sizeof(c.scope)))
            KS_BUG("challenge field not terminated");
        break;
    }
    case 1: {
        struct img_ref r;
        char text[1100];
        size_t n = size - 1 < sizeof(text) - 1 ? size - 1 : sizeof(text) - 1;

        memcpy(text, data + 1, n);
        text[n] = '\0';
        if (img_ref_parse(text, &r, &err) == KS_OK &&
            (r.repo[0] == '\0' || r.host[0] == '\0' || (r.tag[0] == '\0' && r.digest[0] == '\0')))
            KS_BUG("reference parsed to an empty field");
        break;
    }
    default: {
        struct img_creds c;

        (void)img_docker_config_parse(data + 1, size - 1, "fuzz", "reg.test:5000", &c, &err);
        img_creds_wipe(&c);
        break;
    }
    }
    return 0;
}
