/*
 * misc.c: the smaller ecosystems. Dart pubspec.lock (YAML; hosted and git
 * packages, "direct main" / "direct dev" / "transitive"; sdk and path ones
 * are not Pub releases), Elixir mix.lock (an Elixir map literal: only
 * {:hex, :name, "version", ...} entries are Hex packages), Swift
 * Package.resolved (v1 "object.pins" and v2/v3 "pins"; a pin without a
 * version is a branch or revision, left out), Conan conan.lock (0.4's
 * graph_lock nodes and 0.5+'s requires lists: "name/version[@user/channel]
 * [#rrev]"), and CocoaPods Podfile.lock (YAML "PODS" entries "Name (1.2.3)").
 */
#include "inventory/lang_int.h"

#include <string.h>

#include "base/banned.h"

LANG_EXTRACTOR(pub_lock)
{
    json_t *docs = NULL, *pkgs, *e;
    const char *name;
    enum ks_code rc;

    if ((rc = lang_yaml(ctx, in, &docs, err)) != KS_OK || docs == NULL)
        return rc;
    pkgs = ks_json_obj(json_array_get(docs, 0), "packages");
    json_object_foreach(pkgs, name, e)
    {
        struct ks_str src = lang_jstr(e, "source"), dep = lang_jstr(e, "dependency");
        unsigned flags = 0;

        if (ks_str_eq_c(src, "sdk") || ks_str_eq_c(src, "path"))
            continue;
        if (ks_str_has_prefix(dep, "direct"))
            flags |= KS_PKG_DIRECT;
        else if (ks_str_eq_c(dep, "transitive"))
            flags |= KS_PKG_INDIRECT;
        if (ks_str_eq_c(dep, "direct dev"))
            flags |= KS_PKG_DEV;
        if ((rc = lang_add(ctx, KS_ECO_PUB, ks_str_c(name), lang_jstr(e, "version"), flags, name,
                           NULL, err)) != KS_OK)
            break;
    }
    json_decref(docs);
    return rc;
}

/* mix.lock: tokens of an Elixir map literal, enough for {:hex, :name, "ver", ...}. */
LANG_EXTRACTOR(mix_lock)
{
    const char *p = in->data.ptr ? in->data.ptr : "", *end = p + in->data.len;
    size_t line = 1;
    enum ks_code rc;

    while (p < end) {
        const char *q;
        struct ks_str name, ver;
        size_t at_line;

        /* find the next tuple that starts with :hex */
        if (*p == '\n')
            line++;
        if (*p != '{' || end - p < 6 || memcmp(p, "{:hex,", 6) != 0) {
            p++;
            continue;
        }
        at_line = line;
        p += 6;
        while (p < end && (*p == ' ' || *p == '\n'))
            p++;
        if (p >= end || *p != ':') {
            ks_extract_warn(ctx, "%s:%zu: {:hex, ...} without a package atom", in->path, at_line);
            continue;
        }
        q = ++p;
        while (p < end && *p != ',' && *p != ' ' && *p != '}')
            p++;
        name = ks_str_make(q, (size_t)(p - q));
        while (p < end && (*p == ',' || *p == ' ' || *p == '\n'))
            p++;
        if (p >= end || *p != '"') {
            ks_extract_warn(ctx, "%s:%zu: {:hex, :%.*s, ...} without a version", in->path,
                            at_line, (int)KS_MIN(name.len, 100), name.ptr);
            continue;
        }
        q = ++p;
        while (p < end && *p != '"' && *p != '\n')
            p++;
        ver = ks_str_make(q, (size_t)(p - q));
        if ((rc = lang_add(ctx, KS_ECO_HEX, name, ver, 0, "mix.lock", NULL, err)) != KS_OK)
            return rc;
    }
    return KS_OK;
}

/* "https://github.com/apple/swift-nio.git" -> "github.com/apple/swift-nio" */
static struct ks_str
swift_name(struct ks_str url)
{
    ptrdiff_t scheme;

    for (size_t i = 0; i + 2 < url.len; i++)
        if (url.ptr[i] == ':' && url.ptr[i + 1] == '/' && url.ptr[i + 2] == '/') {
            url = ks_str_sub(url, i + 3, url.len - i - 3);
            break;
        }
    scheme = ks_str_find_char(url, '@'); /* git@github.com:org/repo */
    if (scheme >= 0)
        url = ks_str_sub(url, (size_t)scheme + 1, url.len - (size_t)scheme - 1);
    if (ks_str_has_suffix(url, ".git"))
        url.len -= 4;
    while (url.len > 0 && url.ptr[url.len - 1] == '/')
        url.len--;
    return url;
}

LANG_EXTRACTOR(swift_resolved)
{
    json_t *doc = NULL, *pins, *pin;
    enum ks_code rc;
    size_t i;

    if ((rc = lang_json(ctx, in, &doc, err)) != KS_OK || doc == NULL)
        return rc;
    pins = ks_json_arr(doc, "pins");
    if (pins == NULL)
        pins = ks_json_arr(ks_json_obj(doc, "object"), "pins");
    json_array_foreach(pins, i, pin)
    {
        struct ks_str url = lang_jstr(pin, "location");
        struct ks_str ver = lang_jstr(ks_json_obj(pin, "state"), "version");
        char where[32];

        if (url.len == 0)
            url = lang_jstr(pin, "repositoryURL");
        if (ver.len == 0 || url.len == 0)
            continue; /* a branch or revision pin has no release version */
        snprintf(where, sizeof(where), "pins[%zu]", i);
        if ((rc = lang_add(ctx, KS_ECO_SWIFTURL, swift_name(url), ver, 0, where, NULL, err)) !=
            KS_OK)
            break;
    }
    json_decref(doc);
    return rc;
}

/* "zlib/1.2.11@user/channel#rrev%ts" -> name, version */
static bool
conan_ref(struct ks_str ref, struct ks_str *name, struct ks_str *version)
{
    ptrdiff_t cut;

    if ((cut = ks_str_find_char(ref, '#')) >= 0)
        ref = ks_str_sub(ref, 0, (size_t)cut);
    if ((cut = ks_str_find_char(ref, '@')) >= 0)
        ref = ks_str_sub(ref, 0, (size_t)cut);
    return ks_str_split2(ref, '/', name, version) && name->len > 0 && version->len > 0;
}

static enum ks_code
conan_add(struct ks_extract_ctx *ctx, struct ks_str ref, unsigned flags, struct ks_err *err)
{
    struct ks_str name, ver;

    if (ref.len == 0 || ks_str_eq_c(ref, "conanfile"))
        return KS_OK;
    if (!conan_ref(ref, &name, &ver)) {
        ks_extract_warn(ctx, "%s: cannot read the reference '%.*s', skipped", ctx->in->path,
                        (int)KS_MIN(ref.len, 200), ref.ptr);
        return KS_OK;
    }
    return lang_add(ctx, KS_ECO_CONAN, name, ver, flags, "reference", NULL, err);
}

LANG_EXTRACTOR(conan_lock)
{
    json_t *doc = NULL, *nodes, *n, *arr, *v;
    const char *k;
    enum ks_code rc = KS_OK;
    size_t i;
    static const char *const lists[] = {"requires", "build_requires", "python_requires"};

    if ((rc = lang_json(ctx, in, &doc, err)) != KS_OK || doc == NULL)
        return rc;
    nodes = ks_json_obj(ks_json_obj(doc, "graph_lock"), "nodes");
    json_object_foreach(nodes, k, n)
    {
        if ((rc = conan_add(ctx, lang_jstr(n, "ref"), 0, err)) != KS_OK)
            goto out;
    }
    for (size_t l = 0; l < KS_ARRAY_LEN(lists); l++) {
        arr = ks_json_arr(doc, lists[l]);
        json_array_foreach(arr, i, v)
        {
            if (json_is_string(v) &&
                (rc = conan_add(ctx, ks_str_c(json_string_value(v)), l == 1 ? KS_PKG_DEV : 0,
                                err)) != KS_OK)
                goto out;
        }
    }
out:
    json_decref(doc);
    return rc;
}

LANG_EXTRACTOR(podfile_lock)
{
    json_t *docs = NULL, *pods, *e;
    enum ks_code rc;
    size_t i;

    if ((rc = lang_yaml(ctx, in, &docs, err)) != KS_OK || docs == NULL)
        return rc;
    pods = ks_json_arr(json_array_get(docs, 0), "PODS");
    json_array_foreach(pods, i, e)
    {
        struct ks_str s = KS_STR_NULL;
        ptrdiff_t open;
        char where[32];

        if (json_is_string(e)) {
            s = ks_str_c(json_string_value(e));
        } else if (json_is_object(e) && json_object_size(e) == 1) {
            void *it = json_object_iter(e);

            s = ks_str_c(json_object_iter_key(it));
        }
        open = ks_str_find_char(s, '(');
        if (open <= 0 || s.len < 2 || s.ptr[s.len - 1] != ')') {
            ks_extract_warn(ctx, "%s: PODS[%zu]: not 'Name (version)', skipped", in->path, i);
            continue;
        }
        snprintf(where, sizeof(where), "PODS[%zu]", i);
        if ((rc = lang_add(ctx, KS_ECO_COCOAPODS, ks_str_trim(ks_str_sub(s, 0, (size_t)open)),
                           ks_str_sub(s, (size_t)open + 1, s.len - (size_t)open - 2), 0, where,
                           NULL, err)) != KS_OK)
            break;
    }
    json_decref(docs);
    return rc;
}
