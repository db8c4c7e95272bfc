/*
 * wire.h: little-endian field access and the return convention shared by
 * every decoder in probes/.
 *
 * Decoders are sans-I/O: bytes in, struct and verdict out. They return
 *   >= 0               bytes consumed (a whole unit was decoded),
 *   WIRE_INCOMPLETE    more bytes are needed to decide,
 *   WIRE_INVALID       the bytes can never become valid,
 *   WIRE_TOOBIG        a length field exceeds the module's cap,
 * and, when they fail, point *why at a static, human-readable reason
 * ("frag_length 12 is shorter than the 20-byte RTS header"). They never
 * allocate unless their header says so, and never read past len.
 *
 * All multi-byte integers of DCE/RPC and RTS are little-endian
 * (packed_drep 10 00 00 00).
 */
#ifndef OAPROBE_WIRE_H
#define OAPROBE_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define WIRE_INCOMPLETE (-1)
#define WIRE_INVALID    (-2)
#define WIRE_TOOBIG     (-3)

/* wire_set_why: point *why at reason (a static string) when why is not NULL. */
static inline void wire_set_why(const char **why, const char *reason)
{
    if (why != NULL)
        *why = reason;
}

static inline uint16_t wire_get_u16le(const uint8_t *p)
{
    return (uint16_t)(p[0] | (uint16_t)p[1] << 8);
}

static inline uint32_t wire_get_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static inline void wire_put_u16le(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void wire_put_u32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

#endif /* OAPROBE_WIRE_H */
