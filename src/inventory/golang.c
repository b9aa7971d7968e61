/*
 * golang.c: Go modules from go.mod: `require` (single lines and blocks;
 * `// indirect` kept as the indirect flag, direct otherwise), `replace`
 * (a module replacement names what is really built, with meta replaces;
 * a replacement by a local directory is local code and is left out),
 * `exclude` (an excluded version is never selected, so a require of it is
 * dropped). The module's own path is an application. Go binaries' build
 * info is read in binary.c.
 */
#include "inventory/lang_int.h"

#include <string.h>

#include "base/banned.h"

#define GOMOD_MAX_LINE  (64 * 1024)
#define GOMOD_MAX_TOKENS 8

struct gomod_line {
    struct ks_str tok[GOMOD_MAX_TOKENS];
    size_t n;
    bool indirect;
    size_t line_no;
};

/* Split a line into tokens (quoted "..." / `...` kept whole), noting "// indirect". */
static bool
tokenize(struct ks_str s, struct gomod_line *out)
{
    size_t i = 0;

    out->n = 0;
    out->indirect = false;
    while (i < s.len) {
        size_t start;

        while (i < s.len && (s.ptr[i] == ' ' || s.ptr[i] == '\t'))
            i++;
        if (i >= s.len)
            break;
        if (i + 1 < s.len && s.ptr[i] == '/' && s.ptr[i + 1] == '/') {
            struct ks_str c = ks_str_trim(ks_str_sub(s, i + 2, s.len - i - 2));

            out->indirect = ks_str_eq_c(c, "indirect") || ks_str_has_prefix(c, "indirect;");
            break;
        }
        if (out->n >= GOMOD_MAX_TOKENS)
            return false;
        if (s.ptr[i] == '"' || s.ptr[i] == '`') {
            char q = s.ptr[i++];

            start = i;
            while (i < s.len && s.ptr[i] != q)
                i += (q == '"' && s.ptr[i] == '\\' && i + 1 < s.len) ? 2 : 1;
            if (i >= s.len)
                return false;
            out->tok[out->n++] = ks_str_sub(s, start, i - start);
            i++;
            continue;
        }
        start = i;
        while (i < s.len && s.ptr[i] != ' ' && s.ptr[i] != '\t' &&
               !(s.ptr[i] == '/' && i + 1 < s.len && s.ptr[i + 1] == '/'))
            i++;
        out->tok[out->n++] = ks_str_sub(s, start, i - start);
    }
    return true;
}

struct req {
    struct ks_str path, version;
    bool indirect;
    size_t line_no;
};

struct repl {
    struct ks_str from, from_ver, to, to_ver; /* from_ver empty: all versions */
};

struct excl {
    struct ks_str path, version;
};

static bool
local_path(struct ks_str p)
{
    return ks_str_has_prefix(p, "./") || ks_str_has_prefix(p, "../") ||
           (p.len > 0 && p.ptr[0] == '/') || ks_str_eq_c(p, ".") || ks_str_eq_c(p, "..");
}

LANG_EXTRACTOR(go_mod)
{
    struct ks_cur c = ks_cur_make(in->data.ptr, in->data.len);
    struct ks_vec reqs = KS_VEC_INIT(struct req), repls = KS_VEC_INIT(struct repl),
                  excls = KS_VEC_INIT(struct excl);
    struct ks_str line, block = KS_STR_NULL, module = KS_STR_NULL;
    struct gomod_line t;
    size_t line_no = 0;
    enum ks_code rc = KS_OK, lr;

    while ((lr = ks_cur_line(&c, GOMOD_MAX_LINE, &line)) != KS_ENOTFOUND) {
        struct ks_str verb;
        size_t first = 0;

        line_no++;
        if (lr == KS_ETOOBIG) {
            ks_extract_warn(ctx, "%s:%zu: line too long, skipped", in->path, line_no);
            continue;
        }
        if (!tokenize(line, &t)) {
            ks_extract_warn(ctx, "%s:%zu: cannot read the line, skipped", in->path, line_no);
            continue;
        }
        if (t.n == 0)
            continue;
        if (block.len > 0) {
            if (t.n == 1 && ks_str_eq_c(t.tok[0], ")")) {
                block = KS_STR_NULL;
                continue;
            }
            verb = block;
        } else {
            verb = t.tok[0];
            first = 1;
            if (t.n == 2 && ks_str_eq_c(t.tok[1], "(")) {
                block = verb;
                continue;
            }
        }
        t.line_no = line_no;
        if (ks_str_eq_c(verb, "module") && t.n > first) {
            module = t.tok[first];
        } else if (ks_str_eq_c(verb, "require")) {
            struct req *r;

            if (t.n - first != 2) {
                ks_extract_warn(ctx, "%s:%zu: require needs a module and a version, skipped",
                                in->path, line_no);
                continue;
            }
            if ((r = ks_vec_push(&reqs)) == NULL)
                goto oom;
            *r = (struct req){t.tok[first], t.tok[first + 1], t.indirect, line_no};
        } else if (ks_str_eq_c(verb, "replace")) {
            /* from [ver] => to [ver] */
            struct repl *r;
            size_t arrow = first;

            while (arrow < t.n && !ks_str_eq_c(t.tok[arrow], "=>"))
                arrow++;
            if (arrow >= t.n || arrow == first || arrow - first > 2 || t.n - arrow - 1 < 1 ||
                t.n - arrow - 1 > 2) {
                ks_extract_warn(ctx, "%s:%zu: cannot read the replace directive, skipped",
                                in->path, line_no);
                continue;
            }
            if ((r = ks_vec_push(&repls)) == NULL)
                goto oom;
            r->from = t.tok[first];
            r->from_ver = arrow - first == 2 ? t.tok[first + 1] : KS_STR_NULL;
            r->to = t.tok[arrow + 1];
            r->to_ver = t.n - arrow - 1 == 2 ? t.tok[arrow + 2] : KS_STR_NULL;
        } else if (ks_str_eq_c(verb, "exclude")) {
            struct excl *x;

            if (t.n - first != 2)
                continue;
            if ((x = ks_vec_push(&excls)) == NULL)
                goto oom;
            *x = (struct excl){t.tok[first], t.tok[first + 1]};
        }
        /* go, toolchain, retract, godebug, tool: nothing to inventory */
    }
    if (block.len > 0)
        ks_extract_warn(ctx, "%s: unterminated '%.*s (' block", in->path, (int)block.len,
                        block.ptr);
    if (module.len > 0 &&
        (rc = lang_app(ctx, KS_ECO_GO, "go-module", module, KS_STR_NULL, err)) != KS_OK)
        goto out;
    for (size_t i = 0; i < reqs.len; i++) {
        struct req *r = ks_vec_at(&reqs, i);
        struct ks_str path = r->path, version = r->version;
        const struct repl *hit = NULL;
        bool excluded = false;
        struct ks_pkg *p = NULL;
        char where[32];

        for (size_t k = 0; k < excls.len; k++) {
            struct excl *x = ks_vec_at(&excls, k);

            excluded |= ks_str_eq(x->path, path) && ks_str_eq(x->version, version);
        }
        if (excluded)
            continue;
        /* a versioned replacement wins over a path-wide one, the last of each */
        for (size_t k = 0; k < repls.len; k++) {
            const struct repl *x = ks_vec_at(&repls, k);

            if (ks_str_eq(x->from, path) &&
                (x->from_ver.len == 0 ? (hit == NULL || hit->from_ver.len == 0)
                                      : ks_str_eq(x->from_ver, version)))
                hit = x;
        }
        if (hit != NULL) {
            if (local_path(hit->to) || hit->to_ver.len == 0)
                continue; /* local code, not a module release */
            path = hit->to;
            version = hit->to_ver;
        }
        snprintf(where, sizeof(where), "line %zu", r->line_no);
        if ((rc = lang_add(ctx, KS_ECO_GO, path, version,
                           r->indirect ? KS_PKG_INDIRECT : KS_PKG_DIRECT, where, &p, err)) != KS_OK)
            goto out;
        if (p != NULL && hit != NULL) {
            char *from = ks_arena_sprintf(ks_extract_arena(ctx), "%.*s@%.*s", (int)r->path.len,
                                          r->path.ptr, (int)r->version.len, r->version.ptr);

            if (from == NULL || ks_pkg_set_meta(ks_extract_inventory(ctx), p, "replaces", from))
                goto oom;
        }
    }
    rc = KS_OK;
    goto out;
oom:
    rc = lang_oom(ctx, err);
out:
    ks_vec_release(&reqs);
    ks_vec_release(&repls);
    ks_vec_release(&excls);
    return rc;
}
