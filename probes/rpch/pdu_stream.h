/*
 * pdu_stream.h: split the RPC_OUT_DATA response body into whole DCE/RPC
 * connection-oriented PDUs (RTS, bind_ack, response, ...) by the
 * frag_length of their common header, whatever the chunking of the input
 * (rpc-over-http.md 2.6: never trust TCP or chunk boundaries).
 *
 * A Windows proxy may also write an HTTP response ("HTTP/1.0 503 RPC
 * Error: 6ba" + headers) where a PDU should start (1.5). A PDU boundary
 * starting with "HTTP/" is reported as PDU_STREAM_HTTP_LINE carrying the
 * status line, for the RPC error line parser; the stream then ends.
 *
 * Chunked transfer-encoding must be removed upstream. Pure code: no I/O,
 * no allocation; the caller provides the buffer.
 *
 * Typical loop:
 *     while (len > 0) {
 *         size_t n = pdu_stream_feed(&s, p, len);
 *         p += n; len -= n;
 *         while ((r = pdu_stream_next(&s, &v, &why)) == PDU_STREAM_PDU)
 *             handle(v.data, v.len);
 *         if (r != PDU_STREAM_NEED_MORE) break;   // HTTP line or error
 *     }
 */
#ifndef OAPROBE_RPCH_PDU_STREAM_H
#define OAPROBE_RPCH_PDU_STREAM_H

#include <stddef.h>
#include <stdint.h>

#define PDU_STREAM_HDR_LEN   16u    /* DCE/RPC CO common header */
#define PDU_STREAM_FRAG_CAP  65535u /* frag_length is a u16 */
#define PDU_STREAM_LINE_MAX  1024u  /* status line, CRLF excluded (MS-RPCH 2.1.2.1.3) */
/* Smallest buffer pdu_stream_init() accepts for a given max_frag. */
#define PDU_STREAM_BUF_MIN(max_frag) \
    ((size_t)(max_frag) > PDU_STREAM_LINE_MAX + 2u ? (size_t)(max_frag) : PDU_STREAM_LINE_MAX + 2u)

/* pdu_stream_next() results; failures are WIRE_INVALID / WIRE_TOOBIG (< 0). */
enum pdu_stream_result {
    PDU_STREAM_NEED_MORE = 0, /* feed more bytes */
    PDU_STREAM_PDU = 1,       /* out holds one whole PDU */
    PDU_STREAM_HTTP_LINE = 2  /* out holds an HTTP status line; the stream has ended */
};

/*
 * What pdu_stream_next() yields. data points into the stream's buffer and
 * stays valid until the next pdu_stream_feed/next/reset call.
 */
struct pdu_view {
    const uint8_t *data;   /* PDU: frag_length bytes. HTTP line: the text,
                            * without CR/LF, NUL-terminated. NULL otherwise. */
    size_t len;            /* bytes at data (the NUL excluded) */
    uint64_t offset;       /* stream offset of the PDU/line (or of the failure) */
    uint8_t ptype;         /* PDU: PTYPE (offset 2), e.g. 20 rts, 12 bind_ack */
    uint16_t frag_length;  /* PDU: == len */
};

/*
 * The splitter state. Fields are private; use the functions. The stream
 * borrows buf from the caller (who keeps it alive and untouched while the
 * stream is used and frees it afterwards); nothing else is owned, so there
 * is no pdu_stream_free().
 */
struct pdu_stream {
    uint8_t *buf;
    size_t cap;
    size_t max_frag;
    size_t head, tail;  /* unconsumed bytes are buf[head..tail) */
    uint64_t base;      /* stream offset of buf[head] */
    int state;          /* 0 open, 1 failed, 2 ended by an HTTP line */
    int err;            /* sticky WIRE_* after a failure */
    const char *why;    /* sticky reason */
    uint64_t err_offset;
};

/*
 * pdu_stream_init: prepare s over the caller's buffer.
 *   buf,cap   [in] borrowed storage; cap >= PDU_STREAM_BUF_MIN(max_frag)
 *   max_frag  [in] largest PDU accepted, PDU_STREAM_HDR_LEN..PDU_STREAM_FRAG_CAP
 *                  (e.g. the max_recv_frag the client offered in bind)
 *   why       [out] static reason on failure; may be NULL
 * Returns 0, or WIRE_INVALID (NULL argument, max_frag out of range, cap
 * too small).
 */
int pdu_stream_init(struct pdu_stream *s, uint8_t *buf, size_t cap, size_t max_frag,
                    const char **why);

/* pdu_stream_reset: forget all input and any error; keep buffer and max_frag. */
void pdu_stream_reset(struct pdu_stream *s);

/*
 * pdu_stream_feed: copy up to len bytes of data into the stream.
 * Returns how many were taken; fewer than len when the buffer is full
 * (call pdu_stream_next() to drain it, then feed the rest). After
 * pdu_stream_next() returned PDU_STREAM_NEED_MORE, at least one byte is
 * always taken. After a failure or an HTTP line, input is discarded and
 * counted as taken. NULL s or data (with len > 0): returns 0.
 */
size_t pdu_stream_feed(struct pdu_stream *s, const uint8_t *data, size_t len);

/*
 * pdu_stream_next: yield the next whole unit.
 *   out [out] the PDU or line (see struct pdu_view); cleared otherwise,
 *             except out->offset which says where a failure happened
 *   why [out] static reason on failure; may be NULL
 * Returns PDU_STREAM_PDU, PDU_STREAM_NEED_MORE, PDU_STREAM_HTTP_LINE, or
 * WIRE_INVALID / WIRE_TOOBIG (rpc_vers not 5 and not "HTTP/",
 * big-endian packed_drep, frag_length < 16, frag_length > max_frag,
 * status line longer than 1024 bytes). Failures are sticky: every later
 * call returns the same code and reason. After PDU_STREAM_HTTP_LINE,
 * later calls return WIRE_INVALID ("stream already ended").
 */
int pdu_stream_next(struct pdu_stream *s, struct pdu_view *out, const char **why);

/* pdu_stream_pending: bytes fed but not yet yielded (0 for NULL). */
size_t pdu_stream_pending(const struct pdu_stream *s);

#endif /* OAPROBE_RPCH_PDU_STREAM_H */
