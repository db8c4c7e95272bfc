/*
 * text.h: bounded, UTF-8-safe string helpers for the result record.
 *
 * Every string stored in a struct oa_result goes through oa_text_copyn()
 * or oa_text_vformat(): the stored text is always NUL-terminated, always
 * valid UTF-8 (a byte that does not start a valid sequence, and a NUL byte
 * inside a counted string, become '?'), and when it does not fit it is cut
 * on a character boundary and ends in "..." (if the buffer holds at least
 * 4 bytes). Control characters are kept: the renderers escape them for
 * their format (JSON escapes, Nagios replaces them with spaces).
 */
#ifndef OAPROBE_RESULT_TEXT_H
#define OAPROBE_RESULT_TEXT_H

#include <stdarg.h>
#include <stddef.h>

#if defined(__GNUC__) || defined(__clang__)
#define OA_PRINTF(fmt_idx, first_arg) \
    __attribute__((format(printf, fmt_idx, first_arg)))
#else
#define OA_PRINTF(fmt_idx, first_arg)
#endif

/* Longest formatted text before truncation (oa_text_vformat). */
#define OA_TEXT_FORMAT_MAX 4096

/*
 * oa_text_copyn: copy srclen bytes of src into dst (capacity cap bytes,
 * NUL included) as described above. src may be NULL (copies ""). dst may
 * be NULL only when cap is 0.
 * Returns the number of bytes written before the NUL; sets *truncated (if
 * not NULL) to 1 when the text was cut, 0 otherwise.
 */
size_t oa_text_copyn(char *dst, size_t cap, const char *src, size_t srclen,
                     int *truncated);

/* oa_text_copy: oa_text_copyn() of a NUL-terminated src (NULL -> ""). */
size_t oa_text_copy(char *dst, size_t cap, const char *src);

/*
 * oa_text_vformat / oa_text_format: vsnprintf into dst with the guarantees
 * above (at most OA_TEXT_FORMAT_MAX bytes are formatted; more is cut and
 * marked). Returns the bytes written, or -1 (NULL dst/fmt, cap 0, or a
 * formatting error, in which case dst holds "" when cap > 0).
 */
int oa_text_vformat(char *dst, size_t cap, const char *fmt, va_list ap)
    OA_PRINTF(3, 0);
int oa_text_format(char *dst, size_t cap, const char *fmt, ...) OA_PRINTF(3, 4);

/*
 * oa_text_utf8_len: length in bytes (1..4) of the valid UTF-8 sequence that
 * starts at s (n bytes available), or 0 if s does not start one (overlong
 * forms, surrogates and code points above U+10FFFF are invalid). NUL is a
 * valid 1-byte sequence here.
 */
size_t oa_text_utf8_len(const unsigned char *s, size_t n);

/*
 * oa_text_casecmp: ASCII case-insensitive comparison, independent of the
 * locale (RpcProxy compares names this way). NULL sorts before any string.
 * Returns <0, 0 or >0 like strcmp.
 */
int oa_text_casecmp(const char *a, const char *b);

#endif /* OAPROBE_RESULT_TEXT_H */
