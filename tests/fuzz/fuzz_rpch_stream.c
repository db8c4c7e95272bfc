/*
 * fuzz_rpch_stream.c: the OUT-channel PDU splitter (pdu_stream.c).
 *
 * Input layout: byte 0 = number of chunk-size bytes (low 4 bits), byte 1
 * picks max_frag, then the chunk sizes (b < 0x80: b+1 bytes; else
 * (b & 0x7f) * 64 + 1), then the stream itself. The stream is split twice:
 * in those chunks and all at once; both runs must yield the same units.
 * Every PDU must have the length it claims (frag_length at offset 8),
 * stay within max_frag, start with rpc_vers 5 and equal the input bytes at
 * its offset; units must be contiguous; an HTTP line must start with
 * "HTTP/", hold no LF, be <= 1024 bytes and NUL-terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/common/wire.h"
#include "probes/rpch/pdu_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_UNITS 4096

struct unit {
    int rc;
    uint64_t offset;
    size_t len;
};

struct run {
    struct unit u[MAX_UNITS];
    size_t n;
    int final;
    const char *why;
};

static uint8_t sbuf[PDU_STREAM_FRAG_CAP];
static struct run ra, rb;

static void check_unit(const struct pdu_view *v, int rc, const uint8_t *in, size_t len,
                       size_t max_frag, uint64_t expect_off)
{
    if (v->offset != expect_off || !v->data)
        abort();
    if (rc == PDU_STREAM_PDU) {
        if (v->len < PDU_STREAM_HDR_LEN || v->len > max_frag || v->len != v->frag_length ||
            v->len != wire_get_u16le(v->data + 8) || v->data[0] != 5 || v->ptype != v->data[2])
            abort();
        if (v->offset + v->len > len || memcmp(v->data, in + v->offset, v->len) != 0)
            abort();
    } else {
        if (v->len > PDU_STREAM_LINE_MAX || v->data[v->len] != '\0' ||
            memcmp(v->data, "HTTP/", 5) != 0 || memchr(v->data, '\n', v->len) ||
            v->offset + v->len > len || memcmp(v->data, in + v->offset, v->len) != 0)
            abort();
    }
}

static void run(struct run *r, const uint8_t *in, size_t len, size_t max_frag,
                const uint8_t *sizes, size_t nsizes)
{
    struct pdu_stream s;
    size_t pos = 0, k = 0;
    uint64_t next_off = 0;

    memset(r, 0, sizeof *r);
    if (pdu_stream_init(&s, sbuf, PDU_STREAM_BUF_MIN(max_frag), max_frag, NULL) != 0)
        abort();
    while (pos < len) {
        size_t want = len - pos, done = 0;
        if (nsizes) {
            uint8_t b = sizes[k++ % nsizes];
            want = b < 0x80 ? (size_t)b + 1 : (size_t)(b & 0x7f) * 64 + 1;
            if (want > len - pos)
                want = len - pos;
        }
        while (done < want) {
            size_t n = pdu_stream_feed(&s, in + pos + done, want - done);
            if (n == 0)
                abort(); /* after NEED_MORE there is always room */
            done += n;
            for (;;) {
                struct pdu_view v;
                const char *why = NULL;
                int rc = pdu_stream_next(&s, &v, &why);
                if (rc == PDU_STREAM_NEED_MORE)
                    break;
                if (rc < 0) {
                    if (!why || (rc != WIRE_INVALID && rc != WIRE_TOOBIG) || v.offset != next_off)
                        abort();
                    r->final = rc;
                    r->why = why;
                    return;
                }
                check_unit(&v, rc, in, len, max_frag, next_off);
                if (r->n < MAX_UNITS) {
                    r->u[r->n].rc = rc;
                    r->u[r->n].offset = v.offset;
                    r->u[r->n].len = v.len;
                }
                r->n++;
                if (rc == PDU_STREAM_HTTP_LINE) {
                    r->final = rc;
                    if (pdu_stream_next(&s, &v, &why) != WIRE_INVALID)
                        abort();
                    return;
                }
                next_off += v.len;
            }
        }
        pos += want;
    }
    if (pdu_stream_pending(&s) != len - next_off)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t fracs[] = {16, 20, 64, 1024, 1026, 5840, 65535, 200};
    size_t nsizes, max_frag, i, hdr;

    if (size < 2)
        return 0;
    nsizes = data[0] & 0x0f;
    max_frag = fracs[data[1] & 7];
    hdr = 2 + nsizes;
    if (size < hdr)
        return 0;

    run(&ra, data + hdr, size - hdr, max_frag, data + 2, nsizes);
    run(&rb, data + hdr, size - hdr, max_frag, NULL, 0);
    if (ra.n != rb.n || ra.final != rb.final || ra.why != rb.why)
        abort();
    for (i = 0; i < ra.n && i < MAX_UNITS; i++)
        if (ra.u[i].rc != rb.u[i].rc || ra.u[i].offset != rb.u[i].offset ||
            ra.u[i].len != rb.u[i].len)
            abort();
    return 0;
}
