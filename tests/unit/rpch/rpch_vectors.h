/*
 * rpch_vectors.h: byte-exact RTS vectors shared by the rpch unit tests.
 * Sources: rpc-over-http.md 2.5 (Outlook's CONN/A1 and CONN/B1 as captured
 * in mod_proxy_msrpc's parser test; Windows' CONN/A3, CONN/C2 and ping from
 * impacket's tests; echo from 1.6). The B1 IN-channel cookie and association
 * group id bytes, which the doc leaves out, come from the same capture.
 */
#ifndef OAPROBE_TEST_RPCH_VECTORS_H
#define OAPROBE_TEST_RPCH_VECTORS_H

#include <stddef.h>
#include <stdint.h>

extern const uint8_t vec_conn_a1[76];
extern const uint8_t vec_conn_b1[104];
extern const uint8_t vec_conn_a3[28];
extern const uint8_t vec_conn_c2[44];
extern const uint8_t vec_ping[20];
extern const uint8_t vec_echo[20];
extern const uint8_t vec_fc_ack_dest[56]; /* hand-built from the 2.5 layout */
extern const uint8_t vec_fc_ack[48];      /* hand-built from the 2.3 layout */

extern const uint8_t vec_cookie_vc[16];
extern const uint8_t vec_cookie_out[16];
extern const uint8_t vec_cookie_in[16];
extern const uint8_t vec_cookie_agid[16];
extern const uint8_t vec_cookie_fc[16];

struct rpch_vector {
    const char *name;
    const uint8_t *bytes;
    size_t len;
};
extern const struct rpch_vector rpch_vectors[];
extern const size_t rpch_vector_count;

#endif
