/*
 * timefmt.c: UTC calendar conversions (Howard Hinnant's days_from_civil and
 * civil_from_days), RFC 3339 formatting and day counts.
 */
#include "probes/result/timefmt.h"

#include <stdio.h>

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

int oa_time_from_civil(const struct oa_civil *c, int64_t *out)
{
    if (c == NULL || out == NULL)
        return -1;
    if (c->year < 0 || c->year > 9999 || c->month < 1 || c->month > 12 ||
        c->day < 1 || c->day > days_in_month(c->year, c->month) ||
        c->hour < 0 || c->hour > 23 || c->minute < 0 || c->minute > 59 ||
        c->second < 0 || c->second > 60)
        return -1;
    int64_t t = days_from_civil(c->year, c->month, c->day) * 86400 +
                c->hour * 3600 + c->minute * 60 + c->second;
    if (t > OA_TIME_MAX)
        return -1; /* 9999-12-31T23:59:60 */
    *out = t;
    return 0;
}

int oa_time_to_civil(int64_t t, struct oa_civil *out)
{
    if (out == NULL || t < OA_TIME_MIN || t > OA_TIME_MAX)
        return -1;
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400;
    int64_t y;
    civil_from_days(days, &y, &out->month, &out->day);
    out->year = (int)y;
    out->hour = (int)(secs / 3600);
    out->minute = (int)(secs / 60 % 60);
    out->second = (int)(secs % 60);
    return 0;
}

int oa_time_format_rfc3339(int64_t t, int ms, char *buf, size_t cap)
{
    if (buf == NULL)
        return -1;
    if (cap > 0)
        buf[0] = '\0';
    struct oa_civil c;
    if (ms > 999 || oa_time_to_civil(t, &c) != 0)
        return -1;
    int n;
    if (ms >= 0)
        n = snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", c.year,
                     c.month, c.day, c.hour, c.minute, c.second, ms);
    else
        n = snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ", c.year,
                     c.month, c.day, c.hour, c.minute, c.second);
    if (n < 0 || (size_t)n >= cap) {
        if (cap > 0)
            buf[0] = '\0';
        return -1;
    }
    return n;
}

int64_t oa_time_days_left(int64_t t, int64_t now)
{
    /* Clamp both into a range where the difference cannot overflow. */
    const int64_t lim = INT64_C(1) << 61;
    if (t > lim)
        t = lim;
    if (t < -lim)
        t = -lim;
    if (now > lim)
        now = lim;
    if (now < -lim)
        now = -lim;
    int64_t d = t - now;
    return d >= 0 ? d / 86400 : -((-d + 86399) / 86400);
}
