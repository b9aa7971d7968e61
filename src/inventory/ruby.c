/*
 * ruby.c: RubyGems packages from Gemfile.lock (bundler's indented format:
 * GEM and GIT sections' specs at four spaces, "name (version[-platform])",
 * their dependencies at six; PATH specs are local code, applications;
 * DEPENDENCIES names the direct ones) and from installed gem
 * specifications (specifications/NAME-VERSION.gemspec, the Ruby files
 * RubyGems writes with `s.name = "x".freeze` and `s.version = "1.2"`).
 */
#include "inventory/lang_int.h"

#include <string.h>

#include "base/banned.h"

#define GEM_MAX_LINE (64 * 1024)

/* "nokogiri (1.13.1-x86_64-linux)" -> name, version (platform cut). */
static bool
spec_line(struct ks_str s, struct ks_str *name, struct ks_str *version)
{
    ptrdiff_t open = ks_str_find_char(s, '(');

    if (open <= 0 || s.ptr[s.len - 1] != ')')
        return false;
    *name = ks_str_trim(ks_str_sub(s, 0, (size_t)open));
    *version = ks_str_trim(ks_str_sub(s, (size_t)open + 1, s.len - (size_t)open - 2));
    {
        ptrdiff_t dash = ks_str_find_char(*version, '-');

        if (dash > 0)
            *version = ks_str_sub(*version, 0, (size_t)dash);
    }
    return name->len > 0 && version->len > 0;
}

LANG_EXTRACTOR(gemfile_lock)
{
    struct ks_cur c = ks_cur_make(in->data.ptr, in->data.len);
    struct ks_str line, section = KS_STR_NULL, cur = KS_STR_NULL;
    struct lang_graph *g = lang_graph_new(ctx);
    size_t line_no = 0;
    bool in_specs = false;
    enum ks_code rc = KS_OK, lr;

    if (g == NULL)
        return lang_oom(ctx, err);
    while ((lr = ks_cur_line(&c, GEM_MAX_LINE, &line)) != KS_ENOTFOUND) {
        size_t indent = 0;

        line_no++;
        if (lr == KS_ETOOBIG) {
            ks_extract_warn(ctx, "%s:%zu: line too long, skipped", in->path, line_no);
            continue;
        }
        while (indent < line.len && line.ptr[indent] == ' ')
            indent++;
        if (line.len == indent)
            continue;
        if (indent == 0) {
            section = ks_str_trim(line);
            in_specs = false;
            continue;
        }
        line = ks_str_trim(line);
        if (ks_str_eq_c(section, "DEPENDENCIES") && indent == 2) {
            size_t k = 0;

            while (k < line.len && line.ptr[k] != ' ' && line.ptr[k] != '!')
                k++;
            if (lang_graph_root(g, ks_str_sub(line, 0, k), false) != KS_OK)
                goto oom;
            continue;
        }
        if (!(ks_str_eq_c(section, "GEM") || ks_str_eq_c(section, "GIT") ||
              ks_str_eq_c(section, "PATH")))
            continue;
        if (indent == 2) {
            in_specs = ks_str_eq_c(line, "specs:");
            continue;
        }
        if (!in_specs)
            continue;
        if (indent == 4) {
            struct ks_str name, version;
            struct ks_pkg *p;
            bool bad = false;

            cur = KS_STR_NULL;
            if (!spec_line(line, &name, &version)) {
                ks_extract_warn(ctx, "%s:%zu: cannot read the spec '%.*s', skipped", in->path,
                                line_no, (int)KS_MIN(line.len, 200), line.ptr);
                continue;
            }
            if (ks_str_eq_c(section, "PATH")) {
                if ((rc = lang_app(ctx, KS_ECO_RUBYGEMS, "ruby-gem", name, version, err)) != KS_OK)
                    goto out;
                continue;
            }
            p = lang_pkg(ctx, KS_ECO_RUBYGEMS, name, version, &bad);
            if (p == NULL) {
                if (!bad)
                    goto oom;
                ks_extract_warn(ctx, "%s:%zu: invalid gem name or version, skipped", in->path,
                                line_no);
                continue;
            }
            if (ks_str_eq_c(section, "GIT") &&
                ks_pkg_set_meta(ks_extract_inventory(ctx), p, "source", "git") != KS_OK)
                goto oom;
            cur = name;
            if (lang_graph_node(g, name, p) != KS_OK)
                goto oom;
        } else if (indent == 6 && cur.len > 0) {
            size_t k = 0;

            while (k < line.len && line.ptr[k] != ' ')
                k++;
            if (lang_graph_edge(g, cur, ks_str_sub(line, 0, k)) != KS_OK)
                goto oom;
        }
    }
    rc = lang_graph_emit(g, ctx, err);
    goto out;
oom:
    rc = lang_oom(ctx, err);
out:
    lang_graph_free(g);
    return rc;
}

/* The string literal after `.KEY = ` on a line: "x", 'x', "x".freeze, Gem::Version.new("x"). */
static struct ks_str
assigned(struct ks_str line, const char *key)
{
    char pat[32];
    size_t plen;

    snprintf(pat, sizeof(pat), ".%s", key);
    plen = strlen(pat);
    for (size_t i = 0; i + plen <= line.len; i++) {
        struct ks_str rest;
        size_t j;

        if (memcmp(line.ptr + i, pat, plen) != 0)
            continue;
        rest = ks_str_trim(ks_str_sub(line, i + plen, line.len - i - plen));
        if (rest.len == 0 || rest.ptr[0] != '=' || (rest.len > 1 && rest.ptr[1] == '='))
            continue;
        rest = ks_str_trim(ks_str_sub(rest, 1, rest.len - 1));
        if (ks_str_has_prefix(rest, "Gem::Version.new("))
            rest = ks_str_sub(rest, 17, rest.len - 17);
        if (rest.len < 2 || (rest.ptr[0] != '"' && rest.ptr[0] != '\''))
            return KS_STR_NULL;
        for (j = 1; j < rest.len && rest.ptr[j] != rest.ptr[0]; j++)
            if (rest.ptr[j] == '\\' || rest.ptr[j] == '#')
                return KS_STR_NULL; /* escapes and interpolation: not a plain literal */
        if (j >= rest.len)
            return KS_STR_NULL;
        return ks_str_sub(rest, 1, j - 1);
    }
    return KS_STR_NULL;
}

LANG_EXTRACTOR(gemspec)
{
    struct ks_cur c = ks_cur_make(in->data.ptr, in->data.len);
    struct ks_str line, name = KS_STR_NULL, version = KS_STR_NULL;

    while (ks_cur_line(&c, GEM_MAX_LINE, &line) == KS_OK) {
        struct ks_str v;

        if (name.len == 0 && (v = assigned(line, "name")).len > 0)
            name = v;
        else if (version.len == 0 && (v = assigned(line, "version")).len > 0)
            version = v;
        if (name.len > 0 && version.len > 0)
            break;
    }
    if (name.len == 0 || version.len == 0) {
        ks_extract_warn(ctx, "%s: no literal name and version in the gemspec, skipped", in->path);
        return KS_OK;
    }
    return lang_add(ctx, KS_ECO_RUBYGEMS, name, version, 0, "gemspec", NULL, err);
}
