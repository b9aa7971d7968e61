/*
 * fuzz_image_tree.c: libFuzzer target for path normalisation and the
 * squash model. Input lines are entries "T LAYER PATH[\tLINK]" (T one of
 * f d l h p c); they are applied in order, then the tree is walked and
 * every walked path must resolve back to its node, and nothing may sit
 * outside the root (no '..' or absolute component in any walked path).
 */
#include "fs/image_int.h"

#include <string.h>

#include "base/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct ck {
    const struct img_tree *t;
};

static enum img_visit
check(void *ctx, uint32_t id, const char *path, size_t len)
{
    struct ck *c = ctx;

    if (path[0] == '/' || strstr(path, "/../") != NULL || strncmp(path, "../", 3) == 0 ||
        strcmp(path, "..") == 0 || (len >= 3 && strcmp(path + len - 3, "/..") == 0))
        KS_BUG("walked path '%s' leaves the root", path);
    if (img_tree_lookup(c->t, ks_str_make(path, len)) != id)
        KS_BUG("walked path '%s' does not look up to its node", path);
    return IMG_CONTINUE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct img_tree *t = NULL;
    struct ks_err err = KS_ERR_INIT;
    struct ks_cur cur = ks_cur_make(data, size);
    struct ks_str line;
    uint32_t ordinal = 0;
    struct ck c;

    if (img_tree_new(100000, &t, &err) != KS_OK)
        return 0;
    while (ks_cur_line(&cur, 8192, &line) != KS_ENOTFOUND) {
        struct img_entry e = {0};
        struct ks_str rest, link;
        bool skipped;
        struct ks_buf clean = KS_BUF_INIT(IMG_MAX_PATH + 1);

        if (line.len < 4)
            continue;
        switch (line.ptr[0]) {
        case 'd':
            e.type = IMG_E_DIR;
            break;
        case 'l':
            e.type = IMG_E_SYMLINK;
            break;
        case 'h':
            e.type = IMG_E_HARDLINK;
            break;
        case 'p':
            e.type = IMG_E_FIFO;
            break;
        case 'c':
            e.type = IMG_E_DEVICE;
            break;
        default:
            e.type = IMG_E_FILE;
            break;
        }
        rest = ks_str_sub(line, 3, line.len - 3);
        if (ks_str_split2(rest, '\t', &e.path, &link))
            e.link = link;
        else
            e.path = rest;
        e.size = line.len;
        (void)img_path_clean(e.path, &clean);
        ks_buf_release(&clean);
        if (img_tree_apply(t, (uint16_t)(line.ptr[2] % 4), ordinal++, &e, &skipped, NULL, &err) !=
            KS_OK)
            break;
    }
    c.t = t;
    (void)img_tree_walk(t, check, &c, &err);
    {
        uint32_t id;

        (void)img_tree_resolve(t, KS_STR("a/b/c"), true, &id, &err);
    }
    img_tree_free(t);
    return 0;
}
