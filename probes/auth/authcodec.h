/*
 * authcodec.h: the two text codecs the auth module needs, written strictly.
 *
 *  - authcodec_b64_decode: RFC 4648 section 4 base64 (alphabet A-Z a-z 0-9 + /,
 *    '=' padding). Strict: the input length must be a multiple of 4, '=' may
 *    only close the last quantum (one or two of them), the bits a padded
 *    quantum leaves unused must be zero (canonical encoding), and whitespace
 *    or any other byte is rejected. This is why we do not use OpenSSL's
 *    EVP_DecodeBlock: it accepts '=' anywhere, never reports how many bytes
 *    the padding removed, and skips whitespace.
 *  - authcodec_utf16le_to_utf8: UTF-16LE (NTLM names) to UTF-8. Rejects odd
 *    lengths, unpaired surrogates and U+0000 (the result is a C string).
 *
 * Both are pure: no allocation, never read past len, never write past the
 * output size they are given, and set *why to a static reason on failure.
 */
#ifndef OAPROBE_AUTH_AUTHCODEC_H
#define OAPROBE_AUTH_AUTHCODEC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Bytes of decoded output for n base64 characters (an upper bound). */
#define AUTHCODEC_B64_DECODED_MAX(n) (((n) / 4u) * 3u)

/*
 * Decode strict base64.
 *   in, len   [in]  the base64 text (not NUL-terminated; len 0 decodes to 0 bytes)
 *   out, size [out] where the bytes go; size must be at least the decoded length
 *   why       [out] static reason on failure (may be NULL)
 * Returns the number of bytes written (>= 0), WIRE_INVALID for malformed text
 * (bad character, bad length, misplaced '=', non-zero pad bits) or a NULL
 * argument, WIRE_TOOBIG when the result would not fit in size.
 */
ssize_t authcodec_b64_decode(const char *in, size_t len, uint8_t *out, size_t size,
                             const char **why);

/*
 * Convert UTF-16LE to NUL-terminated UTF-8.
 *   in, len   [in]  the UTF-16LE bytes; len must be even (0 gives "")
 *   out, size [out] buffer for the UTF-8 text and its NUL; at most
 *                   3 bytes per UTF-16 code unit plus 1 are ever needed
 *   why       [out] static reason on failure (may be NULL)
 * Returns the UTF-8 length without the NUL (>= 0), WIRE_INVALID for an odd
 * length, an unpaired surrogate, U+0000 or a NULL argument, WIRE_TOOBIG when
 * the text and its NUL do not fit in size. On failure out holds "" when
 * size > 0.
 */
ssize_t authcodec_utf16le_to_utf8(const uint8_t *in, size_t len, char *out, size_t size,
                                  const char **why);

#endif /* OAPROBE_AUTH_AUTHCODEC_H */
