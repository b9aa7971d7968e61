/*
 * time.c: wall clock (honouring SOURCE_DATE_EPOCH for reproducible output),
 * RFC 3339 formatting, a tolerant parser for the timestamps feeds write, and
 * a monotonic clock.
 */
#include "base/base.h"

#include <stdlib.h>
#include <string.h>

#include "base/banned.h"

time_t
ks_time_now(void)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    uint64_t v;

    if (sde != NULL && ks_parse_u64(ks_str_c(sde), (uint64_t)INT64_MAX, &v) == KS_OK)
        return (time_t)v;
    return time(NULL);
}

int64_t
ks_time_now_ms(void)
{
    struct timespec ts;

    if (getenv("SOURCE_DATE_EPOCH") != NULL)
        return (int64_t)ks_time_now() * 1000;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
ks_time_rfc3339(time_t t, char out[21])
{
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL || strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        memcpy(out, "1970-01-01T00:00:00Z", 21);
}

static bool
take_digits(struct ks_str s, size_t *i, size_t n, int *out)
{
    int v = 0;

    if (*i + n > s.len)
        return false;
    for (size_t k = 0; k < n; k++) {
        char c = s.ptr[*i + k];

        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    *i += n;
    *out = v;
    return true;
}

enum ks_code
ks_time_parse(struct ks_str s, time_t *out)
{
    struct tm tm;
    size_t i = 0;
    int y, mo, d, h = 0, mi = 0, sec = 0, off = 0;
    time_t t;

    memset(&tm, 0, sizeof(tm));
    s = ks_str_trim(s);
    if (!take_digits(s, &i, 4, &y) || i >= s.len || s.ptr[i++] != '-' ||
        !take_digits(s, &i, 2, &mo) || i >= s.len || s.ptr[i++] != '-' ||
        !take_digits(s, &i, 2, &d))
        return KS_EPARSE;
    if (i < s.len && (s.ptr[i] == 'T' || s.ptr[i] == 't' || s.ptr[i] == ' ')) {
        i++;
        if (!take_digits(s, &i, 2, &h) || i >= s.len || s.ptr[i++] != ':' ||
            !take_digits(s, &i, 2, &mi))
            return KS_EPARSE;
        if (i < s.len && s.ptr[i] == ':') {
            i++;
            if (!take_digits(s, &i, 2, &sec))
                return KS_EPARSE;
        }
        if (i < s.len && (s.ptr[i] == '.' || s.ptr[i] == ',')) {
            i++;
            while (i < s.len && s.ptr[i] >= '0' && s.ptr[i] <= '9')
                i++;
        }
        if (i < s.len && (s.ptr[i] == 'Z' || s.ptr[i] == 'z')) {
            i++;
        } else if (i < s.len && (s.ptr[i] == '+' || s.ptr[i] == '-')) {
            int sign = s.ptr[i] == '-' ? -1 : 1, oh, om = 0;

            i++;
            if (!take_digits(s, &i, 2, &oh))
                return KS_EPARSE;
            if (i < s.len && s.ptr[i] == ':')
                i++;
            if (i < s.len && !take_digits(s, &i, 2, &om))
                return KS_EPARSE;
            off = sign * (oh * 3600 + om * 60);
        }
    }
    if (i != s.len)
        return KS_EPARSE;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 24 || mi > 59 || sec > 60)
        return KS_EPARSE;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    t = timegm(&tm);
    *out = t - off;
    return KS_OK;
}

uint64_t
ks_clock_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
