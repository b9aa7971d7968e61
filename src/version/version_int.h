/*
 * version_int.h: private to src/version/. Each scheme file implements one
 * comparator with the signature below; version.c dispatches on the scheme,
 * applies the limits shared by every scheme and turns a bad side into an
 * error message. Comparators parse in place and never allocate.
 */
#ifndef KS_VERSION_INT_H
#define KS_VERSION_INT_H

#include "version/version.h"

/* Which side of a comparison failed to parse. */
enum ver_bad { VER_OK = 0, VER_BAD_A, VER_BAD_B };

/*
 * Order a and b. On VER_OK *cmp is -1, 0 or 1; otherwise *why is a static
 * reason naming the rule that the bad side breaks ("epoch is not a number").
 */
typedef enum ver_bad (*ver_cmp_fn)(struct ks_str a, struct ks_str b, int *cmp, const char **why);

enum ver_bad ks_ver_cmp_dpkg(struct ks_str a, struct ks_str b, int *cmp, const char **why);
enum ver_bad ks_ver_cmp_rpm(struct ks_str a, struct ks_str b, int *cmp, const char **why);
enum ver_bad ks_ver_cmp_apk(struct ks_str a, struct ks_str b, int *cmp, const char **why);
enum ver_bad ks_ver_cmp_pep440(struct ks_str a, struct ks_str b, int *cmp, const char **why);
enum ver_bad ks_ver_cmp_semver(struct ks_str a, struct ks_str b, int *cmp, const char **why);
enum ver_bad ks_ver_cmp_go(struct ks_str a, struct ks_str b, int *cmp, const char **why);
enum ver_bad ks_ver_cmp_pub(struct ks_str a, struct ks_str b, int *cmp, const char **why);
enum ver_bad ks_ver_cmp_maven(struct ks_str a, struct ks_str b, int *cmp, const char **why);
enum ver_bad ks_ver_cmp_nuget(struct ks_str a, struct ks_str b, int *cmp, const char **why);
enum ver_bad ks_ver_cmp_rubygems(struct ks_str a, struct ks_str b, int *cmp, const char **why);
enum ver_bad ks_ver_cmp_composer(struct ks_str a, struct ks_str b, int *cmp, const char **why);
enum ver_bad ks_ver_cmp_cran(struct ks_str a, struct ks_str b, int *cmp, const char **why);
enum ver_bad ks_ver_cmp_hackage(struct ks_str a, struct ks_str b, int *cmp, const char **why);

/* -1, 0 or 1 from any int. */
static inline int
ver_sign(long long v)
{
    return (v > 0) - (v < 0);
}

static inline bool
ver_isdigit(char c)
{
    return c >= '0' && c <= '9';
}

static inline bool
ver_isalpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool
ver_isalnum(char c)
{
    return ver_isdigit(c) || ver_isalpha(c);
}

static inline char
ver_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Order two runs of ASCII digits as unbounded integers (leading zeros ignored). */
int ks_ver_digits_cmp(const char *a, size_t an, const char *b, size_t bn);
/* memcmp order, shorter first when one is a prefix of the other. */
int ks_ver_bytes_cmp(const char *a, size_t an, const char *b, size_t bn);
/* Length of the run of ASCII digits starting at p (bounded by end). */
size_t ks_ver_span_digits(const char *p, const char *end);
/* ASCII case-insensitive equality of a run with a lower-case literal. */
bool ks_ver_ieq(const char *p, size_t n, const char *lit);

#endif
