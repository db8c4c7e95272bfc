/*
 * pdu_stream.c: the OUT-channel PDU splitter (see pdu_stream.h).
 *
 * Only the first 10 bytes of each PDU's common header are read here; the
 * rest is the business of the RTS or DCE/RPC decoders:
 *
 *  0       1       2       3       4       5       6       7
 * +-------+-------+-------+-------+-------+-------+-------+-------+
 * |rpc_vers minor | PTYPE | flags |  packed_drep (byte 0: 0x1? =  |
 * |   5   |       |       |       |  little-endian integers)      |
 * +-------+-------+-------+-------+-------+-------+-------+-------+
 * |  frag_length  |  auth_length  |            call_id            |
 * | 16..max_frag  |               |                               |
 * +-------+-------+-------+-------+-------+-------+-------+-------+
 * | body: frag_length - 16 bytes ...
 *
 * or, at a PDU boundary, an HTTP response in place of a PDU:
 *
 *   "HTTP/1.0 503 RPC Error: 6ba" CR LF  header lines ...
 *   ^^^^^ detected by this prefix; the line (<= 1024 bytes) is yielded.
 */
#include "probes/rpch/pdu_stream.h"

#include <string.h>

#include "probes/common/wire.h"

#define ST_OPEN   0
#define ST_FAILED 1
#define ST_ENDED  2

static const char http_prefix[] = "HTTP/";
#define HTTP_PREFIX_LEN (sizeof http_prefix - 1)

int pdu_stream_init(struct pdu_stream *s, uint8_t *buf, size_t cap, size_t max_frag,
                    const char **why)
{
    const char *reason = NULL;

    if (!s || !buf)
        reason = "pdu_stream_init: NULL argument";
    else if (max_frag < PDU_STREAM_HDR_LEN || max_frag > PDU_STREAM_FRAG_CAP)
        reason = "max_frag is outside 16..65535";
    else if (cap < PDU_STREAM_BUF_MIN(max_frag))
        reason = "buffer is smaller than PDU_STREAM_BUF_MIN(max_frag)";
    if (reason) {
        if (why)
            *why = reason;
        return WIRE_INVALID;
    }
    memset(s, 0, sizeof *s);
    s->buf = buf;
    s->cap = cap;
    s->max_frag = max_frag;
    return 0;
}

void pdu_stream_reset(struct pdu_stream *s)
{
    if (!s)
        return;
    s->head = s->tail = 0;
    s->base = 0;
    s->state = ST_OPEN;
    s->err = 0;
    s->why = NULL;
    s->err_offset = 0;
}

size_t pdu_stream_pending(const struct pdu_stream *s)
{
    return s ? s->tail - s->head : 0;
}

size_t pdu_stream_feed(struct pdu_stream *s, const uint8_t *data, size_t len)
{
    size_t room, n;

    if (!s || !s->buf || (!data && len > 0))
        return 0;
    if (s->state != ST_OPEN)
        return len; /* discarded: the stream failed or ended */
    if (s->head > 0) { /* compact: yielded views are no longer valid */
        memmove(s->buf, s->buf + s->head, s->tail - s->head);
        s->tail -= s->head;
        s->head = 0;
    }
    room = s->cap - s->tail;
    n = len < room ? len : room;
    if (n > 0)
        memcpy(s->buf + s->tail, data, n);
    s->tail += n;
    return n;
}

static int fail(struct pdu_stream *s, struct pdu_view *out, const char **why, int err,
                const char *reason)
{
    s->state = ST_FAILED;
    s->err = err;
    s->why = reason;
    s->err_offset = s->base;
    out->offset = s->base;
    *why = reason;
    return err;
}

/* An HTTP response where a PDU should start: yield its status line. */
static int next_http_line(struct pdu_stream *s, struct pdu_view *out, const char **why)
{
    uint8_t *p = s->buf + s->head;
    size_t avail = s->tail - s->head;
    size_t scan = avail < PDU_STREAM_LINE_MAX + 2 ? avail : PDU_STREAM_LINE_MAX + 2;
    const uint8_t *lf = memchr(p, '\n', scan);
    size_t line;

    if (!lf) {
        if (avail >= PDU_STREAM_LINE_MAX + 2)
            return fail(s, out, why, WIRE_TOOBIG,
                        "HTTP status line in the OUT stream is longer than 1024 bytes");
        return PDU_STREAM_NEED_MORE;
    }
    line = (size_t)(lf - p);
    if (line > 0 && p[line - 1] == '\r')
        line--;
    if (line > PDU_STREAM_LINE_MAX)
        return fail(s, out, why, WIRE_TOOBIG,
                    "HTTP status line in the OUT stream is longer than 1024 bytes");
    p[line] = '\0'; /* overwrites CR or LF, both consumed */
    out->data = p;
    out->len = line;
    out->offset = s->base;
    s->base += (size_t)(lf - p) + 1;
    s->head += (size_t)(lf - p) + 1;
    s->state = ST_ENDED;
    return PDU_STREAM_HTTP_LINE;
}

int pdu_stream_next(struct pdu_stream *s, struct pdu_view *out, const char **why)
{
    const char *dummy;
    const uint8_t *p;
    size_t avail;
    uint16_t frag;

    if (!why)
        why = &dummy;
    if (!s || !out || !s->buf) {
        *why = "pdu_stream_next: NULL argument";
        return WIRE_INVALID;
    }
    memset(out, 0, sizeof *out);
    if (s->state == ST_FAILED) {
        out->offset = s->err_offset;
        *why = s->why;
        return s->err;
    }
    if (s->state == ST_ENDED) {
        out->offset = s->base;
        *why = "the OUT stream already ended with an HTTP status line";
        return WIRE_INVALID;
    }

    p = s->buf + s->head;
    avail = s->tail - s->head;
    if (avail == 0)
        return PDU_STREAM_NEED_MORE;

    if (p[0] == (uint8_t)http_prefix[0]) {
        size_t cmp = avail < HTTP_PREFIX_LEN ? avail : HTTP_PREFIX_LEN;
        if (memcmp(p, http_prefix, cmp) != 0)
            return fail(s, out, why, WIRE_INVALID,
                        "PDU boundary starts with neither rpc_vers 5 nor \"HTTP/\"");
        if (avail < HTTP_PREFIX_LEN)
            return PDU_STREAM_NEED_MORE;
        return next_http_line(s, out, why);
    }

    if (p[0] != 5)
        return fail(s, out, why, WIRE_INVALID, "rpc_vers at a PDU boundary is not 5");
    if (avail > 4 && (p[4] & 0xF0) != 0x10)
        return fail(s, out, why, WIRE_INVALID,
                    "packed_drep is not little-endian (byte 0 is not 0x1?), frag_length unreadable");
    if (avail < 10)
        return PDU_STREAM_NEED_MORE;
    frag = wire_get_u16le(p + 8);
    if (frag < PDU_STREAM_HDR_LEN)
        return fail(s, out, why, WIRE_INVALID,
                    "frag_length is shorter than the 16-byte common header");
    if (frag > s->max_frag)
        return fail(s, out, why, WIRE_TOOBIG,
                    "frag_length is above the stream's maximum fragment size");
    if (avail < frag)
        return PDU_STREAM_NEED_MORE;

    out->data = p;
    out->len = frag;
    out->offset = s->base;
    out->ptype = p[2];
    out->frag_length = frag;
    s->head += frag;
    s->base += frag;
    return PDU_STREAM_PDU;
}
