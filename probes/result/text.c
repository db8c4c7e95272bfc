/*
 * text.c: bounded UTF-8-safe copies and formatting (see text.h).
 */
#include "probes/result/text.h"

#include <stdio.h>
#include <string.h>

#define TEXT_MARK "..."
#define TEXT_MARK_LEN 3

size_t oa_text_utf8_len(const unsigned char *s, size_t n)
{
    if (s == NULL || n == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80)
        return 1;
    if (c < 0xC2)
        return 0; /* continuation byte or overlong 2-byte lead */
    if (c < 0xE0) {
        if (n < 2 || (s[1] & 0xC0) != 0x80)
            return 0;
        return 2;
    }
    if (c < 0xF0) {
        if (n < 3)
            return 0;
        unsigned lo = 0x80, hi = 0xBF;
        if (c == 0xE0)
            lo = 0xA0; /* overlong */
        else if (c == 0xED)
            hi = 0x9F; /* surrogates */
        if (s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80)
            return 0;
        return 3;
    }
    if (c < 0xF5) {
        if (n < 4)
            return 0;
        unsigned lo = 0x80, hi = 0xBF;
        if (c == 0xF0)
            lo = 0x90; /* overlong */
        else if (c == 0xF4)
            hi = 0x8F; /* above U+10FFFF */
        if (s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80 ||
            (s[3] & 0xC0) != 0x80)
            return 0;
        return 4;
    }
    return 0;
}

/*
 * Length of the sanitized form of src[0..n): every valid sequence keeps its
 * length, every invalid byte becomes one '?'.
 */
static size_t text_sanitized_len(const unsigned char *s, size_t n)
{
    size_t i = 0, out = 0;
    while (i < n) {
        size_t k = oa_text_utf8_len(s + i, n - i);
        if (k == 0)
            k = 1;
        i += k;
        out += k;
    }
    return out;
}

static size_t text_copy(char *dst, size_t cap, const char *src, size_t srclen,
                        int force_mark, int *truncated)
{
    if (truncated != NULL)
        *truncated = 0;
    if (dst == NULL || cap == 0)
        return 0;
    if (src == NULL)
        srclen = 0;
    const unsigned char *s = (const unsigned char *)src;
    size_t room = cap - 1;
    int cut = force_mark || text_sanitized_len(s, srclen) > room;
    size_t limit = room;
    if (cut && room >= TEXT_MARK_LEN)
        limit = room - TEXT_MARK_LEN;

    size_t i = 0, o = 0;
    while (i < srclen) {
        size_t k = oa_text_utf8_len(s + i, srclen - i);
        if (k == 0 || (k == 1 && s[i] == 0)) {
            if (o + 1 > limit)
                break;
            dst[o++] = '?';
            i++;
            continue;
        }
        if (o + k > limit)
            break;
        memcpy(dst + o, s + i, k);
        o += k;
        i += k;
    }
    if (cut) {
        if (room >= TEXT_MARK_LEN) {
            memcpy(dst + o, TEXT_MARK, TEXT_MARK_LEN);
            o += TEXT_MARK_LEN;
        }
        if (truncated != NULL)
            *truncated = 1;
    }
    dst[o] = '\0';
    return o;
}

size_t oa_text_copyn(char *dst, size_t cap, const char *src, size_t srclen,
                     int *truncated)
{
    return text_copy(dst, cap, src, srclen, 0, truncated);
}

size_t oa_text_copy(char *dst, size_t cap, const char *src)
{
    return text_copy(dst, cap, src, src != NULL ? strlen(src) : 0, 0, NULL);
}

int oa_text_vformat(char *dst, size_t cap, const char *fmt, va_list ap)
{
    if (dst == NULL || cap == 0)
        return -1;
    dst[0] = '\0';
    if (fmt == NULL)
        return -1;
    char tmp[OA_TEXT_FORMAT_MAX];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    if (n < 0)
        return -1;
    size_t len = (size_t)n;
    int over = 0;
    if (len >= sizeof tmp) {
        /* Keep the marked result within OA_TEXT_FORMAT_MAX - 1 bytes. */
        len = sizeof tmp - 1 - TEXT_MARK_LEN;
        over = 1;
    }
    return (int)text_copy(dst, cap, tmp, len, over, NULL);
}

int oa_text_format(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = oa_text_vformat(dst, cap, fmt, ap);
    va_end(ap);
    return n;
}

int oa_text_casecmp(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return (a != NULL) - (b != NULL);
    for (;; a++, b++) {
        unsigned ca = (unsigned char)*a, cb = (unsigned char)*b;
        if (ca >= 'A' && ca <= 'Z')
            ca += 'a' - 'A';
        if (cb >= 'A' && cb <= 'Z')
            cb += 'a' - 'A';
        if (ca != cb || ca == 0)
            return (int)ca - (int)cb;
    }
}
