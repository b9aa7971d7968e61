/*
 * replay_main.c: in normal and sanitizer builds a fuzz target is linked with
 * this driver, which feeds it every file of its corpus directory, so past
 * crashes stay fixed and ASan/UBSan see every corpus input.
 */
#include "base/base.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
    struct ks_buf buf = KS_BUF_INIT((size_t)64 << 20);
    struct ks_err err = KS_ERR_INIT;
    char *copy;

    if (ks_file_read(path, (size_t)64 << 20, &buf, &err) != KS_OK) {
        fprintf(stderr, "replay: %s\n", err.msg);
        return 1;
    }
    /* An exact-size heap copy, so ASan sees reads past the end. */
    copy = malloc(buf.len ? buf.len : 1);
    if (copy == NULL)
        return 1;
    memcpy(copy, buf.data, buf.len);
    LLVMFuzzerTestOneInput((const uint8_t *)copy, buf.len);
    free(copy);
    ks_buf_release(&buf);
    return 0;
}

int
main(int argc, char **argv)
{
    int files = 0, bad = 0;

    ks_log_set_level(KS_LOG_ERROR);
    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        struct dirent *de;

        if (d == NULL) {
            bad += replay_file(argv[i]);
            files++;
            continue;
        }
        while ((de = readdir(d)) != NULL) {
            char path[4096];

            if (de->d_name[0] == '.')
                continue;
            snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
            bad += replay_file(path);
            files++;
        }
        closedir(d);
    }
    printf("%d passed, %d failed\n", files - bad, bad);
    return bad ? 1 : 0;
}
