/*
 * tree.h: helpers the inventory tests share to build throwaway roots:
 * files with their parent directories, copies of shared fixtures, txtar
 * archives unpacked into a root (trivy's fixtures), and a fresh root per case.
 */
#ifndef KS_TEST_TREE_H
#define KS_TEST_TREE_H

#include "test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static inline void
tree_mkdirs(const char *path)
{
    char buf[8192];

    snprintf(buf, sizeof(buf), "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = '\0';
            mkdir(buf, 0755);
            *p = '/';
        }
    }
    mkdir(buf, 0755);
}

/* Write data (len bytes) to root/rel, creating parent directories. */
static inline void
tree_write(const char *root, const char *rel, const void *data, size_t len)
{
    char path[4096], dir[4096];
    char *slash;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", root, rel);
    snprintf(dir, sizeof(dir), "%s", path);
    slash = strrchr(dir, '/');
    if (slash != NULL) {
        *slash = '\0';
        tree_mkdirs(dir);
    }
    f = fopen(path, "wb");
    if (f == NULL || (len > 0 && fwrite(data, 1, len, f) != len)) {
        fprintf(stderr, "tree_write %s: %s\n", path, strerror(errno));
        exit(3);
    }
    fclose(f);
}

static inline void
tree_write_str(const char *root, const char *rel, const char *s)
{
    tree_write(root, rel, s, strlen(s));
}

/* Copy the shared fixture at rel (under $KS_DATA_DIR) to root/dst. */
static inline void
tree_copy_fixture(const char *root, const char *dst, const char *rel)
{
    struct ks_buf b = KS_BUF_INIT((size_t)64 << 20);
    struct ks_err err = KS_ERR_INIT;

    if (ks_file_read(ks_test_data(rel), (size_t)64 << 20, &b, &err) != KS_OK) {
        fprintf(stderr, "fixture %s: %s\n", rel, err.msg);
        exit(3);
    }
    tree_write(root, dst, b.data, b.len);
    ks_buf_release(&b);
}

/* Unpack a txtar archive ("-- path --" headers) from the shared data into root. */
static inline void
tree_txtar(const char *root, const char *rel)
{
    struct ks_buf b = KS_BUF_INIT((size_t)64 << 20);
    struct ks_err err = KS_ERR_INIT;
    const char *p, *end, *name = NULL, *body = NULL;
    size_t name_len = 0;

    if (ks_file_read(ks_test_data(rel), (size_t)64 << 20, &b, &err) != KS_OK) {
        fprintf(stderr, "fixture %s: %s\n", rel, err.msg);
        exit(3);
    }
    p = b.data;
    end = b.data + b.len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;

        if (line_end - p > 6 && strncmp(p, "-- ", 3) == 0 && strncmp(line_end - 3, " --", 3) == 0) {
            if (name != NULL) {
                char n[1024];

                snprintf(n, sizeof(n), "%.*s", (int)name_len, name);
                tree_write(root, n, body, (size_t)(p - body));
            }
            name = p + 3;
            name_len = (size_t)(line_end - 3 - name);
            body = nl ? nl + 1 : end;
        }
        p = nl ? nl + 1 : end;
    }
    if (name != NULL) {
        char n[1024];

        snprintf(n, sizeof(n), "%.*s", (int)name_len, name);
        tree_write(root, n, body, (size_t)(end - body));
    }
    ks_buf_release(&b);
}

/* A fresh empty directory under the test's tmpdir. */
static inline const char *
tree_new(const char *name)
{
    static char path[8][4096];
    static int slot;

    slot = (slot + 1) % 8;
    snprintf(path[slot], sizeof(path[slot]), "%s/%s", ks_test_tmpdir(), name);
    tree_mkdirs(path[slot]);
    return path[slot];
}

#endif
