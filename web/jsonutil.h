/*
 * jsonutil.h: small jansson helpers shared by the API renderers: strings
 * made valid UTF-8 (jansson refuses invalid UTF-8), RFC 3339 times from
 * milliseconds, float seconds from microseconds, ratios, and a setter that
 * consumes its value and reports failure.
 */
#ifndef OAPROBE_WEB_JSONUTIL_H
#define OAPROBE_WEB_JSONUTIL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* Longest string ju_str() keeps, in bytes; longer text is cut on a
 * character boundary and ends in "...". */
#define JU_STR_MAX 4096

/*
 * ju_str: a JSON string of s (NULL -> JSON null). Bytes that do not start
 * a valid UTF-8 sequence become '?'; text beyond JU_STR_MAX bytes is cut.
 * Returns a new reference, or NULL when out of memory.
 */
json_t *ju_str(const char *s);

/* ju_str_or_null: ju_str(), but "" is JSON null too. */
json_t *ju_str_or_null(const char *s);

/*
 * ju_clean: copy s (NULL -> "") into dst (cap bytes, NUL included, cap >= 4)
 * as valid UTF-8 with every control character (C0, DEL) replaced by a space,
 * cut safely to fit. Returns the bytes written.
 */
size_t ju_clean(char *dst, size_t cap, const char *s);

/* ju_time_ms: RFC 3339 UTC with milliseconds, "2025-11-21T01:42:00.123Z";
 * JSON null for ms <= 0 or out of range. */
json_t *ju_time_ms(int64_t ms);

/* ju_time_fmt: format ms like ju_time_ms() into buf (OA_TIME_RFC3339_MAX
 * bytes). Returns the length, or -1 (then buf is ""). */
int ju_time_fmt(int64_t ms, char *buf, size_t cap);

/* ju_seconds: microseconds as float seconds (negative -> 0). */
json_t *ju_seconds(int64_t us);

/* ju_ratio: a ratio 0..1 (clamped); JSON null when r < 0 or NaN. */
json_t *ju_ratio(double r);

/* ju_set: obj[key] = value, consuming value (NULL value is a failure).
 * Returns 0 or -1. */
int ju_set(json_t *obj, const char *key, json_t *value);

/* ju_append: append value to arr, consuming it. Returns 0 or -1. */
int ju_append(json_t *arr, json_t *value);

/* ju_dump: serialise doc compactly (keys in insertion order, reals with 15
 * significant digits) and release doc. Returns the text (free() it) and
 * sets *len (may be NULL), or NULL (doc NULL, out of memory). */
char *ju_dump(json_t *doc, size_t *len);

#endif /* OAPROBE_WEB_JSONUTIL_H */
