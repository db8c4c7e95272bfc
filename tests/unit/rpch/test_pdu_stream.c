/*
 * test_pdu_stream.c: the OUT-channel PDU splitter (probes/rpch/pdu_stream.c):
 * every vector byte by byte, all at once and split at every offset; many
 * PDUs per chunk through a small buffer; a 503 status line mid-stream;
 * line length limits; absurd lengths; sticky errors; NULL arguments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "probes/common/wire.h"
#include "probes/rpch/pdu_stream.h"
#include "rpch_vectors.h"

#define MAX_UNITS 256

struct unit {
    int rc;
    uint64_t offset;
    size_t len;
    uint8_t ptype;
    char line[PDU_STREAM_LINE_MAX + 1];
};

struct run {
    struct unit u[MAX_UNITS];
    size_t n;
    int final;        /* NEED_MORE at the end of input, HTTP_LINE, or the error */
    const char *why;
    size_t partial_feeds; /* feeds that took fewer bytes than offered */
};

static uint8_t stream_buf[PDU_STREAM_FRAG_CAP + 8];

/*
 * Feed data in chunks of sizes[] (cycled; nsizes 0 = everything at once),
 * draining after every feed, and record what the stream yields. Each PDU
 * is checked against the input bytes at its offset.
 */
static void run_chunks(struct run *r, size_t max_frag, size_t cap, const uint8_t *data,
                       size_t len, const size_t *sizes, size_t nsizes)
{
    struct pdu_stream s;
    size_t pos = 0, k = 0;
    unsigned guard = 0;

    memset(r, 0, sizeof *r);
    assert_true(cap <= sizeof stream_buf);
    assert_int_equal(pdu_stream_init(&s, stream_buf, cap, max_frag, NULL), 0);
    r->final = PDU_STREAM_NEED_MORE;
    while (pos < len) {
        size_t want = nsizes ? sizes[k++ % nsizes] : len - pos;
        size_t done = 0;

        if (want == 0 || want > len - pos)
            want = len - pos;
        while (done < want) {
            size_t n = pdu_stream_feed(&s, data + pos + done, want - done);
            int rc;

            assert_true(++guard < 1000000);
            if (n < want - done)
                r->partial_feeds++;
            done += n;
            for (;;) {
                struct pdu_view v;
                const char *why = NULL;

                rc = pdu_stream_next(&s, &v, &why);
                if (rc == PDU_STREAM_NEED_MORE)
                    break;
                if (rc < 0) {
                    r->final = rc;
                    r->why = why;
                    assert_non_null(why);
                    return;
                }
                assert_true(r->n < MAX_UNITS);
                r->u[r->n].rc = rc;
                r->u[r->n].offset = v.offset;
                r->u[r->n].len = v.len;
                r->u[r->n].ptype = v.ptype;
                if (rc == PDU_STREAM_PDU) {
                    assert_int_equal(v.len, v.frag_length);
                    assert_int_equal(v.len, wire_get_u16le(v.data + 8));
                    assert_true(v.offset + v.len <= len);
                    assert_memory_equal(v.data, data + v.offset, v.len);
                } else {
                    assert_int_equal(rc, PDU_STREAM_HTTP_LINE);
                    assert_int_equal(v.data[v.len], '\0');
                    assert_true(v.len <= PDU_STREAM_LINE_MAX);
                    memcpy(r->u[r->n].line, v.data, v.len + 1);
                    r->n++;
                    r->final = rc;
                    /* the stream has ended: more calls fail, input is dropped */
                    assert_int_equal(pdu_stream_next(&s, &v, &why), WIRE_INVALID);
                    assert_non_null(strstr(why, "already ended"));
                    assert_int_equal(pdu_stream_feed(&s, data, len), len);
                    return;
                }
                r->n++;
            }
            assert_true(n > 0 || done == want); /* NEED_MORE always leaves room */
        }
        pos += want;
    }
    if (r->final == PDU_STREAM_NEED_MORE && r->n > 0) {
        const struct unit *last = &r->u[r->n - 1];
        assert_int_equal(pdu_stream_pending(&s), len - (size_t)(last->offset + last->len));
    }
}

static void assert_same_run(const struct run *a, const struct run *b)
{
    size_t i;

    assert_int_equal(a->n, b->n);
    assert_int_equal(a->final, b->final);
    for (i = 0; i < a->n; i++) {
        assert_int_equal(a->u[i].rc, b->u[i].rc);
        assert_int_equal(a->u[i].offset, b->u[i].offset);
        assert_int_equal(a->u[i].len, b->u[i].len);
        assert_int_equal(a->u[i].ptype, b->u[i].ptype);
        assert_string_equal(a->u[i].line, b->u[i].line);
    }
}

static struct run r1, r2;
static uint8_t big[8192];

/* A fake bind_ack-shaped PDU (ptype 12): the splitter does not care what it is. */
static size_t put_bind_ack(uint8_t *p)
{
    size_t i;

    memset(p, 0, 60);
    p[0] = 5; p[2] = 12; p[3] = 3; p[4] = 0x10;
    wire_put_u16le(p + 8, 60);
    wire_put_u32le(p + 12, 1);
    for (i = 16; i < 60; i++)
        p[i] = (uint8_t)(i * 7);
    return 60;
}

/* All the vectors and a bind_ack back to back; returns the length. */
static size_t build_stream(uint8_t *out)
{
    size_t i, n = 0;

    for (i = 0; i < rpch_vector_count; i++) {
        memcpy(out + n, rpch_vectors[i].bytes, rpch_vectors[i].len);
        n += rpch_vectors[i].len;
    }
    n += put_bind_ack(out + n);
    return n;
}

static void test_each_vector(void **state)
{
    static const size_t one[] = {1};
    size_t i;

    (void)state;
    for (i = 0; i < rpch_vector_count; i++) {
        const struct rpch_vector *v = &rpch_vectors[i];

        run_chunks(&r1, 5840, 5840, v->bytes, v->len, NULL, 0);
        assert_int_equal(r1.n, 1);
        assert_int_equal(r1.u[0].rc, PDU_STREAM_PDU);
        assert_int_equal(r1.u[0].len, v->len);
        assert_int_equal(r1.u[0].offset, 0);
        assert_int_equal(r1.u[0].ptype, 20);
        assert_int_equal(r1.final, PDU_STREAM_NEED_MORE);
        run_chunks(&r2, 5840, 5840, v->bytes, v->len, one, 1);
        assert_same_run(&r1, &r2);
    }
}

static void test_many_pdus_every_split(void **state)
{
    static const size_t one[] = {1};
    static const size_t odd[] = {3, 7, 1, 64, 2, 19};
    size_t len = build_stream(big), cut, i;

    (void)state;
    run_chunks(&r1, 5840, 5840, big, len, NULL, 0);
    assert_int_equal(r1.n, rpch_vector_count + 1);
    assert_int_equal(r1.u[rpch_vector_count].ptype, 12);
    for (i = 0; i < rpch_vector_count; i++)
        assert_int_equal(r1.u[i].len, rpch_vectors[i].len);

    run_chunks(&r2, 5840, 5840, big, len, one, 1);
    assert_same_run(&r1, &r2);
    run_chunks(&r2, 5840, 5840, big, len, odd, sizeof odd / sizeof odd[0]);
    assert_same_run(&r1, &r2);
    for (cut = 1; cut < len; cut++) {
        size_t sizes[2];
        sizes[0] = cut;
        sizes[1] = len - cut;
        run_chunks(&r2, 5840, 5840, big, len, sizes, 2);
        assert_same_run(&r1, &r2);
    }
}

/* A chunk much larger than the buffer: feed takes part, next drains, repeat. */
static void test_small_buffer_big_chunk(void **state)
{
    size_t len = 0, n;

    (void)state;
    while (len + 104 <= 4000) {
        memcpy(big + len, vec_conn_b1, 104);
        len += 104;
    }
    n = len / 104;
    run_chunks(&r1, 104, PDU_STREAM_BUF_MIN(104), big, len, NULL, 0);
    assert_int_equal(r1.n, n);
    assert_true(r1.partial_feeds > 0);
    assert_int_equal(r1.u[n - 1].offset, (n - 1) * 104);
    assert_int_equal(r1.final, PDU_STREAM_NEED_MORE);
}

static const char http_503[] =
    "HTTP/1.0 503 RPC Error: 6ba\r\nContent-Type: text/html\r\nContent-Length: 0\r\n\r\n";

static void test_http_503_mid_stream(void **state)
{
    static const size_t one[] = {1};
    size_t len = 0, cut;

    (void)state;
    memcpy(big, vec_conn_a3, sizeof vec_conn_a3);
    len += sizeof vec_conn_a3;
    memcpy(big + len, vec_ping, sizeof vec_ping);
    len += sizeof vec_ping;
    memcpy(big + len, http_503, sizeof http_503 - 1);
    len += sizeof http_503 - 1;

    run_chunks(&r1, 5840, 5840, big, len, NULL, 0);
    assert_int_equal(r1.n, 3);
    assert_int_equal(r1.u[0].rc, PDU_STREAM_PDU);
    assert_int_equal(r1.u[1].rc, PDU_STREAM_PDU);
    assert_int_equal(r1.u[2].rc, PDU_STREAM_HTTP_LINE);
    assert_string_equal(r1.u[2].line, "HTTP/1.0 503 RPC Error: 6ba");
    assert_int_equal(r1.u[2].len, strlen("HTTP/1.0 503 RPC Error: 6ba"));
    assert_int_equal(r1.u[2].offset, 48);
    assert_int_equal(r1.final, PDU_STREAM_HTTP_LINE);

    run_chunks(&r2, 5840, 5840, big, len, one, 1);
    assert_same_run(&r1, &r2);
    for (cut = 1; cut < len; cut++) {
        size_t sizes[2];
        sizes[0] = cut;
        sizes[1] = len - cut;
        run_chunks(&r2, 5840, 5840, big, len, sizes, 2);
        assert_same_run(&r1, &r2);
    }
}

/* The line is incomplete until its LF arrives. */
static void test_http_line_needs_lf(void **state)
{
    static uint8_t buf[2048];
    struct pdu_stream s;
    struct pdu_view v;
    const char *why = NULL;
    const char *line = "HTTP/1.1 503 Service Unavailable";
    size_t i;

    (void)state;
    assert_int_equal(pdu_stream_init(&s, buf, sizeof buf, 1024, &why), 0);
    for (i = 0; line[i]; i++) {
        assert_int_equal(pdu_stream_feed(&s, (const uint8_t *)line + i, 1), 1);
        assert_int_equal(pdu_stream_next(&s, &v, &why), PDU_STREAM_NEED_MORE);
    }
    assert_int_equal(pdu_stream_feed(&s, (const uint8_t *)"\r", 1), 1);
    assert_int_equal(pdu_stream_next(&s, &v, &why), PDU_STREAM_NEED_MORE);
    assert_int_equal(pdu_stream_feed(&s, (const uint8_t *)"\n", 1), 1);
    assert_int_equal(pdu_stream_next(&s, &v, &why), PDU_STREAM_HTTP_LINE);
    assert_string_equal((const char *)v.data, line);
    assert_int_equal(v.offset, 0);
    assert_int_equal(pdu_stream_pending(&s), 0);

    /* a bare LF ends the line too */
    pdu_stream_reset(&s);
    assert_int_equal(pdu_stream_feed(&s, (const uint8_t *)"HTTP/1.0 503 x\nVia: a\r\n", 23), 23);
    assert_int_equal(pdu_stream_next(&s, &v, &why), PDU_STREAM_HTTP_LINE);
    assert_string_equal((const char *)v.data, "HTTP/1.0 503 x");
    assert_int_equal(pdu_stream_pending(&s), 8);
}

/* A status line of n bytes then the terminator term; returns the length. */
static size_t make_line(uint8_t *out, size_t n, const char *term)
{
    memcpy(out, "HTTP/1.0 503 RPC Error: 6ba ", 28);
    memset(out + 28, 'x', n - 28);
    memcpy(out + n, term, strlen(term));
    return n + strlen(term);
}

static void test_http_line_limits(void **state)
{
    static const size_t seven[] = {7};
    size_t len;

    (void)state;
    len = make_line(big, PDU_STREAM_LINE_MAX, "\r\n");
    run_chunks(&r1, 5840, 5840, big, len, seven, 1);
    assert_int_equal(r1.final, PDU_STREAM_HTTP_LINE);
    assert_int_equal(r1.u[0].len, PDU_STREAM_LINE_MAX);

    len = make_line(big, PDU_STREAM_LINE_MAX, "\n");
    run_chunks(&r1, 5840, 5840, big, len, NULL, 0);
    assert_int_equal(r1.final, PDU_STREAM_HTTP_LINE);
    assert_int_equal(r1.u[0].len, PDU_STREAM_LINE_MAX);

    len = make_line(big, PDU_STREAM_LINE_MAX + 1, "\r\n");
    run_chunks(&r1, 5840, 5840, big, len, seven, 1);
    assert_int_equal(r1.final, WIRE_TOOBIG);
    assert_non_null(strstr(r1.why, "1024"));

    len = make_line(big, PDU_STREAM_LINE_MAX + 1, "\n");
    run_chunks(&r1, 5840, 5840, big, len, NULL, 0);
    assert_int_equal(r1.final, WIRE_TOOBIG);

    /* no LF within 1026 bytes: too long, even with the smallest buffer */
    len = make_line(big, PDU_STREAM_LINE_MAX + 2, "");
    run_chunks(&r1, 16, PDU_STREAM_BUF_MIN(16), big, len, NULL, 0);
    assert_int_equal(r1.final, WIRE_TOOBIG);
    run_chunks(&r1, 16, PDU_STREAM_BUF_MIN(16), big, len - 1, NULL, 0);
    assert_int_equal(r1.final, PDU_STREAM_NEED_MORE);
}

struct bad_case {
    const char *name;
    uint8_t bytes[24];
    size_t len;
    size_t max_frag;
    int rc;
    const char *why;
};

static void test_absurd_boundaries(void **state)
{
    static const struct bad_case cases[] = {
        {"rpc_vers 4", {4, 0, 20, 3, 0x10, 0, 0, 0, 20, 0}, 10, 5840, WIRE_INVALID, "rpc_vers"},
        {"rpc_vers 0", {0}, 1, 5840, WIRE_INVALID, "rpc_vers"},
        {"rpc_vers 6 alone", {6}, 1, 5840, WIRE_INVALID, "rpc_vers"},
        {"lowercase http", {'h', 't', 't', 'p', '/'}, 5, 5840, WIRE_INVALID, "rpc_vers"},
        {"HTTX", {'H', 'T', 'T', 'X'}, 4, 5840, WIRE_INVALID, "neither rpc_vers 5 nor"},
        {"Hello", {'H', 'e'}, 2, 5840, WIRE_INVALID, "neither rpc_vers 5 nor"},
        {"H", {'H'}, 1, 5840, PDU_STREAM_NEED_MORE, NULL},
        {"HTTP", {'H', 'T', 'T', 'P'}, 4, 5840, PDU_STREAM_NEED_MORE, NULL},
        {"HTTP/ no LF", {'H', 'T', 'T', 'P', '/', '1'}, 6, 5840, PDU_STREAM_NEED_MORE, NULL},
        {"big-endian drep", {5, 0, 20, 3, 0x00, 0, 0, 0, 0, 20}, 10, 5840, WIRE_INVALID,
         "packed_drep"},
        {"drep 0x20", {5, 0, 20, 3, 0x20}, 5, 5840, WIRE_INVALID, "packed_drep"},
        {"frag 0", {5, 0, 20, 3, 0x10, 0, 0, 0, 0, 0}, 10, 5840, WIRE_INVALID, "16-byte"},
        {"frag 15", {5, 0, 20, 3, 0x10, 0, 0, 0, 15, 0}, 10, 5840, WIRE_INVALID, "16-byte"},
        {"frag 16", {5, 0, 11, 3, 0x10, 0, 0, 0, 16, 0}, 10, 5840, PDU_STREAM_NEED_MORE, NULL},
        {"frag > max", {5, 0, 20, 3, 0x10, 0, 0, 0, 0xd1, 0x16}, 10, 5840, WIRE_TOOBIG,
         "maximum fragment"},
        {"frag 65535 > max", {5, 0, 20, 3, 0x10, 0, 0, 0, 0xff, 0xff}, 10, 65534, WIRE_TOOBIG,
         "maximum fragment"},
        {"9 header bytes", {5, 0, 20, 3, 0x10, 0, 0, 0, 0xff}, 9, 5840, PDU_STREAM_NEED_MORE, NULL},
    };
    static uint8_t buf[PDU_STREAM_FRAG_CAP];
    size_t k;

    (void)state;
    for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const struct bad_case *c = &cases[k];
        struct pdu_stream s;
        struct pdu_view v;
        const char *why = NULL, *why2 = NULL;
        int rc;

        assert_int_equal(pdu_stream_init(&s, buf, sizeof buf, c->max_frag, NULL), 0);
        /* after a good PDU, so the failure offset is not 0 */
        assert_int_equal(pdu_stream_feed(&s, vec_ping, sizeof vec_ping), sizeof vec_ping);
        assert_int_equal(pdu_stream_feed(&s, c->bytes, c->len), c->len);
        assert_int_equal(pdu_stream_next(&s, &v, &why), PDU_STREAM_PDU);
        rc = pdu_stream_next(&s, &v, &why);
        if (rc != c->rc || (c->why && !strstr(why, c->why)))
            fail_msg("%s: rc %d (%s)", c->name, rc, rc < 0 ? why : "-");
        if (rc < 0) {
            assert_int_equal(v.offset, 20);
            assert_null(v.data);
            /* sticky, and input is dropped from now on */
            assert_int_equal(pdu_stream_next(&s, &v, &why2), rc);
            assert_ptr_equal(why2, why);
            assert_int_equal(v.offset, 20);
            assert_int_equal(pdu_stream_feed(&s, vec_ping, sizeof vec_ping), sizeof vec_ping);
            assert_int_equal(pdu_stream_next(&s, &v, NULL), rc);
            /* reset recovers */
            pdu_stream_reset(&s);
            assert_int_equal(pdu_stream_pending(&s), 0);
            assert_int_equal(pdu_stream_feed(&s, vec_ping, sizeof vec_ping), sizeof vec_ping);
            assert_int_equal(pdu_stream_next(&s, &v, NULL), PDU_STREAM_PDU);
            assert_int_equal(v.offset, 0);
        }
    }
}

/* PDUs of exactly max_frag, up to the u16 limit, pass; the buffer is caller-sized. */
static void test_max_frag_edges(void **state)
{
    static uint8_t data[PDU_STREAM_FRAG_CAP * 2];
    static const size_t chunk[] = {4096};
    size_t sizes[] = {16, 1026, 5840, PDU_STREAM_FRAG_CAP};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t f = sizes[i];
        memset(data, 0x5a, 2 * f);
        data[0] = 5; data[2] = 2; data[3] = 3; data[4] = 0x10;
        wire_put_u16le(data + 8, (uint16_t)f);
        memcpy(data + f, data, 16);
        run_chunks(&r1, f, PDU_STREAM_BUF_MIN(f), data, 2 * f, chunk, 1);
        assert_int_equal(r1.n, 2);
        assert_int_equal(r1.u[1].offset, f);
        assert_int_equal(r1.u[1].len, f);
        if (f > 16) {
            run_chunks(&r1, f - 1, PDU_STREAM_BUF_MIN(f - 1), data, 2 * f, chunk, 1);
            assert_int_equal(r1.final, WIRE_TOOBIG);
        }
    }
}

static void test_init_errors(void **state)
{
    static uint8_t buf[PDU_STREAM_FRAG_CAP + 1];
    struct pdu_stream s;
    const char *why = NULL;

    (void)state;
    assert_int_equal(pdu_stream_init(&s, buf, sizeof buf, 15, &why), WIRE_INVALID);
    assert_non_null(strstr(why, "max_frag"));
    assert_int_equal(pdu_stream_init(&s, buf, sizeof buf, 65536, &why), WIRE_INVALID);
    assert_int_equal(pdu_stream_init(&s, buf, 1025, 16, &why), WIRE_INVALID);
    assert_non_null(strstr(why, "PDU_STREAM_BUF_MIN"));
    assert_int_equal(pdu_stream_init(&s, buf, 5839, 5840, NULL), WIRE_INVALID);
    assert_int_equal(pdu_stream_init(&s, buf, 1026, 16, &why), 0);
    assert_int_equal(pdu_stream_init(&s, buf, 65535, 65535, &why), 0);
}

static void test_null_arguments(void **state)
{
    static uint8_t buf[2048];
    struct pdu_stream s;
    struct pdu_view v;
    const char *why = NULL;

    (void)state;
    assert_int_equal(pdu_stream_init(NULL, buf, sizeof buf, 1024, &why), WIRE_INVALID);
    assert_non_null(why);
    assert_int_equal(pdu_stream_init(&s, NULL, sizeof buf, 1024, NULL), WIRE_INVALID);
    assert_int_equal(pdu_stream_init(&s, buf, sizeof buf, 1024, NULL), 0);
    assert_int_equal(pdu_stream_feed(NULL, vec_ping, 20), 0);
    assert_int_equal(pdu_stream_feed(&s, NULL, 20), 0);
    assert_int_equal(pdu_stream_feed(&s, NULL, 0), 0);
    assert_int_equal(pdu_stream_next(NULL, &v, &why), WIRE_INVALID);
    assert_int_equal(pdu_stream_next(&s, NULL, &why), WIRE_INVALID);
    assert_int_equal(pdu_stream_next(&s, &v, NULL), PDU_STREAM_NEED_MORE);
    assert_int_equal(pdu_stream_pending(NULL), 0);
    pdu_stream_reset(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_vector),
        cmocka_unit_test(test_many_pdus_every_split),
        cmocka_unit_test(test_small_buffer_big_chunk),
        cmocka_unit_test(test_http_503_mid_stream),
        cmocka_unit_test(test_http_line_needs_lf),
        cmocka_unit_test(test_http_line_limits),
        cmocka_unit_test(test_absurd_boundaries),
        cmocka_unit_test(test_max_frag_edges),
        cmocka_unit_test(test_init_errors),
        cmocka_unit_test(test_null_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
