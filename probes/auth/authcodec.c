/*
 * authcodec.c: strict base64 and UTF-16LE -> UTF-8 for the auth module.
 * See authcodec.h for the contract.
 */
#include "probes/auth/authcodec.h"

#include "probes/common/wire.h"

/* Value of one base64 alphabet character, or -1. */
static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/*
 * Text is decoded in quanta of four characters:
 *
 *   c0 c1 c2 c3   -> 3 bytes
 *   c0 c1 c2 =    -> 2 bytes, low 2 bits of c2 must be 0
 *   c0 c1 =  =    -> 1 byte,  low 4 bits of c1 must be 0
 *
 * and only the last quantum may carry '='.
 */
ssize_t authcodec_b64_decode(const char *in, size_t len, uint8_t *out, size_t size,
                             const char **why)
{
    size_t i, o = 0;

    if (!in || (!out && len > 0)) {
        wire_set_why(why, "base64: NULL argument");
        return WIRE_INVALID;
    }
    if (len % 4 != 0) {
        wire_set_why(why, "base64: length is not a multiple of 4");
        return WIRE_INVALID;
    }
    for (i = 0; i < len; i += 4) {
        const unsigned char *q = (const unsigned char *)in + i;
        int v[4];
        size_t pad = 0, n, k;
        int last = (i + 4 == len);

        if (q[3] == '=') {
            pad = (q[2] == '=') ? 2 : 1;
            if (!last) {
                wire_set_why(why, "base64: '=' padding before the last 4-character group");
                return WIRE_INVALID;
            }
        } else if (q[2] == '=') {
            wire_set_why(why, "base64: '=' followed by a non-padding character");
            return WIRE_INVALID;
        }
        for (k = 0; k < 4 - pad; k++) {
            v[k] = b64_value(q[k]);
            if (v[k] < 0) {
                wire_set_why(why, q[k] == '=' ? "base64: '=' in the middle of a group"
                                         : "base64: character outside the base64 alphabet");
                return WIRE_INVALID;
            }
        }
        for (; k < 4; k++)
            v[k] = 0;
        if (pad == 1 && (v[2] & 0x03)) {
            wire_set_why(why, "base64: non-zero bits before '=' (not canonical)");
            return WIRE_INVALID;
        }
        if (pad == 2 && (v[1] & 0x0f)) {
            wire_set_why(why, "base64: non-zero bits before '==' (not canonical)");
            return WIRE_INVALID;
        }
        n = 3 - pad;
        if (size - o < n) {
            wire_set_why(why, "base64: decoded data does not fit the output buffer");
            return WIRE_TOOBIG;
        }
        out[o] = (uint8_t)(v[0] << 2 | v[1] >> 4);
        if (n > 1)
            out[o + 1] = (uint8_t)((v[1] & 0x0f) << 4 | v[2] >> 2);
        if (n > 2)
            out[o + 2] = (uint8_t)((v[2] & 0x03) << 6 | v[3]);
        o += n;
    }
    return (ssize_t)o;
}

/* Append one code point as UTF-8; the caller keeps one byte for the NUL. */
static int utf8_put(char *out, size_t size, size_t *o, uint32_t cp)
{
    uint8_t b[4];
    size_t n, k;

    if (cp < 0x80) {
        b[0] = (uint8_t)cp;
        n = 1;
    } else if (cp < 0x800) {
        b[0] = (uint8_t)(0xc0 | cp >> 6);
        b[1] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        b[0] = (uint8_t)(0xe0 | cp >> 12);
        b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        b[0] = (uint8_t)(0xf0 | cp >> 18);
        b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (uint8_t)(0x80 | (cp & 0x3f));
        n = 4;
    }
    if (size - 1 - *o < n)
        return -1;
    for (k = 0; k < n; k++)
        out[*o + k] = (char)b[k];
    *o += n;
    return 0;
}

ssize_t authcodec_utf16le_to_utf8(const uint8_t *in, size_t len, char *out, size_t size,
                                  const char **why)
{
    size_t i, o = 0;

    if (!out || size == 0 || (!in && len > 0)) {
        wire_set_why(why, "UTF-16LE: NULL argument or empty output buffer");
        return WIRE_INVALID;
    }
    out[0] = '\0';
    if (len % 2 != 0) {
        wire_set_why(why, "UTF-16LE: odd byte length");
        return WIRE_INVALID;
    }
    for (i = 0; i < len; i += 2) {
        uint32_t cp = wire_get_u16le(in + i);

        if (cp >= 0xd800 && cp <= 0xdbff) {
            uint32_t lo;

            if (i + 2 >= len) {
                wire_set_why(why, "UTF-16LE: high surrogate at the end of the string");
                goto fail;
            }
            lo = wire_get_u16le(in + i + 2);
            if (lo < 0xdc00 || lo > 0xdfff) {
                wire_set_why(why, "UTF-16LE: high surrogate not followed by a low surrogate");
                goto fail;
            }
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            i += 2;
        } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            wire_set_why(why, "UTF-16LE: low surrogate without a high surrogate");
            goto fail;
        } else if (cp == 0) {
            wire_set_why(why, "UTF-16LE: U+0000 inside the string");
            goto fail;
        }
        if (utf8_put(out, size, &o, cp) != 0) {
            wire_set_why(why, "UTF-16LE: UTF-8 result does not fit the output buffer");
            out[0] = '\0';
            return WIRE_TOOBIG;
        }
    }
    out[o] = '\0';
    return (ssize_t)o;
fail:
    out[0] = '\0';
    return WIRE_INVALID;
}
