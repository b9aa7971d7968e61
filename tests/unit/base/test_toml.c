/*
 * test_toml.c: the TOML and YAML readers (base/toml.c, base/yaml.c). Tables
 * of valid documents with their JSON, invalid ones with the error they must
 * give, and an oracle: every TOML fixture in the shared data is parsed by us
 * and by Python's tomllib (/usr/bin/python3), and the two trees must agree
 * (both accept with equal content, or both reject).
 */
#include "test.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char *
dump(json_t *v)
{
    return json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY | JSON_ENSURE_ASCII);
}

static const struct {
    const char *toml, *json;
} toml_ok[] = {
    {"a = 1\nb = 'x'\n", "{\"a\":1,\"b\":\"x\"}"},
    {"# c\n[t]\nk = \"v\" # trailing\n", "{\"t\":{\"k\":\"v\"}}"},
    {"a.b.c = true\na.b.d = false\n", "{\"a\":{\"b\":{\"c\":true,\"d\":false}}}"},
    {"[[p]]\nn = 1\n[[p]]\nn = 2\n[p.sub]\nx = 3\n",
     "{\"p\":[{\"n\":1},{\"n\":2,\"sub\":{\"x\":3}}]}"},
    {"x = [1, 2,\n  3, # c\n]\n", "{\"x\":[1,2,3]}"},
    {"t = {a = 1, b.c = 'd'}\n", "{\"t\":{\"a\":1,\"b\":{\"c\":\"d\"}}}"},
    {"s = \"\\u00e9\\t\\\"\"\n", "{\"s\":\"\\u00E9\\t\\\"\"}"},
    {"s = \"\"\"\nline1\n  line2 \\\n   cont\"\"\"\n", "{\"s\":\"line1\\n  line2 cont\"}"},
    {"s = '''\nraw \\n'''\n", "{\"s\":\"raw \\\\n\"}"},
    {"n = 1_000\nh = 0xff\no = 0o17\nb = 0b101\nneg = -5\n",
     "{\"b\":5,\"h\":255,\"n\":1000,\"neg\":-5,\"o\":15}"},
    {"f = 3.5\ne = 1e3\n", "{\"e\":1000.0,\"f\":3.5}"},
    {"d = 1979-05-27T07:32:00Z\nl = 1979-05-27\nt = 07:32:00\ns = 1979-05-27 07:32:00\n",
     "{\"d\":\"1979-05-27T07:32:00Z\",\"l\":\"1979-05-27\",\"s\":\"1979-05-27 07:32:00\","
     "\"t\":\"07:32:00\"}"},
    {"\"quoted key\" = 1\n'lit' = 2\n", "{\"lit\":2,\"quoted key\":1}"},
    {"[a.b.c]\n[a]\nx = 1\n", "{\"a\":{\"b\":{\"c\":{}},\"x\":1}}"},
    {"[fruit]\napple.color = 'red'\n[fruit.apple.texture]\nsmooth = true\n",
     "{\"fruit\":{\"apple\":{\"color\":\"red\",\"texture\":{\"smooth\":true}}}}"},
    {"a = \"\"\"x\"\"\"\"\"\n", "{\"a\":\"x\\\"\\\"\"}"},
    {"k = 1\r\nj = 2\r\n", "{\"j\":2,\"k\":1}"},
};

static const struct {
    const char *toml, *msg;
} toml_bad[] = {
    {"a = 1\na = 2\n", "2:6: invalid TOML: duplicate key 'a'"},
    {"[t]\n[t]\n", "table 't' defined twice"},
    {"a = [1]\n[[a]]\n", "static array"},
    {"a = {x = 1}\na.y = 2\n", "cannot be extended"},
    {"[a]\nb.c = 1\n[a.b]\n", "defined twice"},
    {"a = 01\n", "leading zero"},
    {"a = 99999999999999999999\n", "out of range"},
    {"a = \"\\q\"\n", "unknown escape"},
    {"a = \"open\n", "unterminated string"},
    {"a = 1 2\n", "expected the end of the line"},
    {"a = {x = 1,}\n", "trailing comma"},
    {"a = \xff\n", "invalid UTF-8"},
    {"= 1\n", "expected a key"},
    {"a = [1,,2]\n", "expected a value"},
    {"a = 1__0\n", "expected a value"},
    {"a = 1x\n", "unexpected character"},
    {"a = 1979-13-01\n", "bad date"},
    {"a = \"\\u0000\"\n", "\\u0000"},
};

static void
test_toml_tables(void)
{
    for (size_t i = 0; i < KS_ARRAY_LEN(toml_ok); i++) {
        json_t *v = NULL;
        struct ks_err err = KS_ERR_INIT;
        enum ks_code rc = ks_toml_parse(toml_ok[i].toml, strlen(toml_ok[i].toml), "t", &v, &err);
        char *s;

        CHECK_MSG(rc == KS_OK, "case %zu: %s", i, err.msg);
        if (rc != KS_OK)
            continue;
        s = dump(v);
        CHECK_MSG(strcmp(s, toml_ok[i].json) == 0, "case %zu: %s != %s", i, s, toml_ok[i].json);
        free(s);
        json_decref(v);
    }
    for (size_t i = 0; i < KS_ARRAY_LEN(toml_bad); i++) {
        json_t *v = NULL;
        struct ks_err err = KS_ERR_INIT;
        enum ks_code rc = ks_toml_parse(toml_bad[i].toml, strlen(toml_bad[i].toml), "t", &v, &err);

        CHECK_MSG(rc != KS_OK, "bad case %zu accepted", i);
        CHECK_MSG(strstr(err.msg, toml_bad[i].msg) != NULL && strncmp(err.msg, "t:", 2) == 0,
                  "bad case %zu: '%s' lacks '%s'", i, err.msg, toml_bad[i].msg);
        if (rc == KS_OK)
            json_decref(v);
    }
}

static void
test_toml_depth(void)
{
    char buf[4096];
    size_t n = 0;
    json_t *v = NULL;
    struct ks_err err = KS_ERR_INIT;

    n += (size_t)snprintf(buf, sizeof(buf), "a = ");
    for (int i = 0; i < 200; i++)
        buf[n++] = '[';
    for (int i = 0; i < 200; i++)
        buf[n++] = ']';
    buf[n++] = '\n';
    CHECK_INT(ks_toml_parse(buf, n, "deep", &v, &err), KS_ETOOBIG);
}

/* Date-time text in one form: 'T' separator, "+00:00" for Z (as Python prints). */
static void
norm_dates(json_t *v)
{
    if (json_is_object(v)) {
        const char *k;
        json_t *sub;

        json_object_foreach(v, k, sub)
        {
            if (json_is_string(sub)) {
                const char *s = json_string_value(sub);
                size_t n = strlen(s);
                char buf[64];

                if (n >= 19 && n < 40 && s[4] == '-' && s[7] == '-' && s[13] == ':') {
                    snprintf(buf, sizeof(buf), "%s", s);
                    buf[10] = 'T';
                    if (buf[n - 1] == 'Z')
                        snprintf(buf + n - 1, sizeof(buf) - (n - 1), "+00:00");
                    json_object_set_new(v, k, json_string(buf));
                }
            } else {
                norm_dates(sub);
            }
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *sub;

        json_array_foreach(v, i, sub) norm_dates(sub);
    }
}

/*
 * Every TOML fixture: our tree vs tomllib's, one Python process for all
 * (date-times are compared as text only where both print the same form).
 */
static void
test_toml_oracle(void)
{
    const char *data = ks_test_data("fixtures");
    char cmd[8192];
    FILE *py;
    int n = 0, agree = 0;
    struct ks_buf out = KS_BUF_INIT(256 << 20);
    char chunk[65536];
    size_t got;
    struct ks_str rest, line;

    if (data == NULL || access("/usr/bin/python3", X_OK) != 0) {
        printf("skip: no shared data or /usr/bin/python3\n");
        return;
    }
    snprintf(cmd, sizeof(cmd),
             "find '%s' -type f \\( -name '*.toml' -o -name 'poetry*.lock' -o -name 'uv*.lock' "
             "-o -name 'Cargo.lock' -o -name 'pdm.lock' -o -path '*cargolock/*' -o -path "
             "'*poetrylock/*' -o -path '*uvlock/*' -o -path '*pdmlock/*' \\) | sort | "
             "/usr/bin/python3 -c 'import tomllib,json,sys\n"
             "def d(o):\n return o.isoformat() if hasattr(o,\"isoformat\") else str(o)\n"
             "for p in sys.stdin.read().split(chr(10)):\n"
             " if not p: continue\n"
             " try:\n  r=json.dumps(tomllib.load(open(p,\"rb\")),sort_keys=True,"
             "separators=(\",\",\":\"),default=d)\n"
             " except Exception: r=\"REJECT\"\n"
             " print(p+chr(9)+r)'",
             data);
    py = popen(cmd, "r");
    CHECK(py != NULL);
    while (py && (got = fread(chunk, 1, sizeof(chunk), py)) > 0)
        ks_buf_append(&out, chunk, got);
    if (py)
        pclose(py);
    rest = ks_buf_str(&out);
    while (rest.len > 0) {
        struct ks_str path, want;
        struct ks_buf b = KS_BUF_INIT(64 << 20);
        struct ks_err err = KS_ERR_INIT;
        json_t *v = NULL, *pv = NULL;
        char *p;
        enum ks_code rc;

        if (!ks_str_split2(rest, '\n', &line, &rest)) {
            line = rest;
            rest = KS_STR_NULL;
        }
        if (!ks_str_split2(line, '\t', &path, &want))
            continue;
        p = ks_strndup(path.ptr, path.len);
        n++;
        if (ks_file_read(p, 64 << 20, &b, &err) == KS_OK) {
            rc = ks_toml_parse(b.data, b.len, p, &v, &err);
            if (ks_str_eq_c(want, "REJECT")) {
                CHECK_MSG(rc != KS_OK, "%s: tomllib rejects, we accept", p);
                agree += rc != KS_OK;
            } else {
                CHECK_MSG(rc == KS_OK, "%s: tomllib accepts, we reject: %s", p, err.msg);
                pv = json_loadb(want.ptr, want.len, 0, NULL);
                if (rc == KS_OK && pv != NULL) {
                    norm_dates(v);
                    norm_dates(pv);
                    bool eq = json_equal(v, pv);

                    CHECK_MSG(eq, "%s: trees differ", p);
                    agree += eq;
                }
            }
        }
        json_decref(v);
        json_decref(pv);
        ks_buf_release(&b);
        ks_free(p);
    }
    ks_buf_release(&out);
    printf("toml oracle: %d of %d fixtures agree with tomllib\n", agree, n);
    CHECK(n > 40);
}

static const struct {
    const char *yaml, *json;
} yaml_ok[] = {
    {"a: 1.10\nb: [x, 'y']\nc: ~\n", "[{\"a\":\"1.10\",\"b\":[\"x\",\"y\"],\"c\":null}]"},
    {"base: &b {k: v}\nuse: *b\n", "[{\"base\":{\"k\":\"v\"},\"use\":{\"k\":\"v\"}}]"},
    {"a: 1\n---\nb: 2\n", "[{\"a\":\"1\"},{\"b\":\"2\"}]"},
    {"'@scope/pkg@1.0.0':\n  resolution: {integrity: sha512-x}\n",
     "[{\"@scope/pkg@1.0.0\":{\"resolution\":{\"integrity\":\"sha512-x\"}}}]"},
};

static void
test_yaml(void)
{
    for (size_t i = 0; i < KS_ARRAY_LEN(yaml_ok); i++) {
        json_t *v = NULL;
        struct ks_err err = KS_ERR_INIT;
        enum ks_code rc = ks_yaml_parse(yaml_ok[i].yaml, strlen(yaml_ok[i].yaml), "y", &v, &err);
        char *s;

        CHECK_MSG(rc == KS_OK, "yaml case %zu: %s", i, err.msg);
        if (rc != KS_OK)
            continue;
        s = dump(v);
        CHECK_MSG(strcmp(s, yaml_ok[i].json) == 0, "yaml case %zu: %s", i, s);
        free(s);
        json_decref(v);
    }
    {
        static const char dup[] = "a: 1\na: 2\n";
        static const char bad[] = "a: [1, 2\n";
        static const char undef[] = "a: *nope\n";
        json_t *v = NULL;
        struct ks_err err = KS_ERR_INIT;

        CHECK_INT(ks_yaml_parse(dup, sizeof(dup) - 1, "y", &v, &err), KS_EPARSE);
        CHECK_MSG(strstr(err.msg, "duplicate key 'a'") != NULL, "%s", err.msg);
        CHECK_INT(ks_yaml_parse(bad, sizeof(bad) - 1, "y", &v, &err), KS_EPARSE);
        CHECK_MSG(strncmp(err.msg, "y:", 2) == 0, "%s", err.msg);
        CHECK_INT(ks_yaml_parse(undef, sizeof(undef) - 1, "y", &v, &err), KS_EPARSE);
    }
}

/* Billion laughs: 10 levels of 10 aliases must stop at the node limit, fast. */
static void
test_yaml_laughs(void)
{
    struct ks_buf b = KS_BUF_INIT(1 << 20);
    json_t *v = NULL;
    struct ks_err err = KS_ERR_INIT;

    ks_buf_appends(&b, "l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (int i = 1; i < 10; i++) {
        ks_buf_appendf(&b, "l%d: &l%d [", i, i);
        for (int j = 0; j < 10; j++)
            ks_buf_appendf(&b, "%s*l%d", j ? ", " : "", i - 1);
        ks_buf_appends(&b, "]\n");
    }
    CHECK_INT(ks_yaml_parse(b.data, b.len, "laughs", &v, &err), KS_ETOOBIG);
    CHECK_MSG(strstr(err.msg, "alias expansion") != NULL, "%s", err.msg);
    ks_buf_release(&b);
}

KS_TEST_MAIN(KS_TEST(test_toml_tables), KS_TEST(test_toml_depth), KS_TEST(test_toml_oracle),
             KS_TEST(test_yaml), KS_TEST(test_yaml_laughs))
