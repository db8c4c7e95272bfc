/*
 * timefmt.h: calendar arithmetic on Unix seconds, without the C library's
 * time zone and locale machinery (no TZ, no gmtime, no timegm): the
 * proleptic Gregorian calendar in UTC, years 0000 to 9999, leap seconds
 * ignored (as POSIX time does).
 */
#ifndef OAPROBE_RESULT_TIMEFMT_H
#define OAPROBE_RESULT_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#define OA_TIME_MIN  (-62167219200LL) /* 0000-01-01T00:00:00Z */
#define OA_TIME_MAX  253402300799LL   /* 9999-12-31T23:59:59Z */
#define OA_TIME_RFC3339_MAX 32        /* "9999-12-31T23:59:59.999Z" + NUL fits */

struct oa_civil {
    int year;  /* 0..9999 */
    int month; /* 1..12 */
    int day;   /* 1..31 */
    int hour, minute, second;
};

/*
 * oa_time_from_civil: Unix seconds of a UTC calendar time. Fields are
 * range-checked (month 1..12, day 1..days in that month, hour 0..23,
 * minute 0..59, second 0..60 where 60 counts as the next minute's 0).
 * Returns 0 and sets *out, or -1 (out of range, NULL arguments).
 */
int oa_time_from_civil(const struct oa_civil *c, int64_t *out);

/*
 * oa_time_to_civil: the UTC calendar time of Unix seconds t.
 * Returns 0, or -1 when t is outside [OA_TIME_MIN, OA_TIME_MAX] or out is
 * NULL.
 */
int oa_time_to_civil(int64_t t, struct oa_civil *out);

/*
 * oa_time_format_rfc3339: write t as RFC 3339 UTC, "2025-11-21T01:42:00Z",
 * or with milliseconds "2025-11-21T01:42:00.123Z" when 0 <= ms <= 999
 * (pass ms = -1 for none). buf needs OA_TIME_RFC3339_MAX bytes at most.
 * Returns the length written, or -1 (t out of range, ms > 999, buffer too
 * small, NULL buf; buf then holds "" when cap > 0).
 */
int oa_time_format_rfc3339(int64_t t, int ms, char *buf, size_t cap);

/*
 * oa_time_days_left: whole days from now until t, rounded toward minus
 * infinity (t one hour in the past gives -1, t 5.5 days ahead gives 5).
 * Saturates instead of overflowing.
 */
int64_t oa_time_days_left(int64_t t, int64_t now);

#endif /* OAPROBE_RESULT_TIMEFMT_H */
