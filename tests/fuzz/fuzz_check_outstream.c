/*
 * fuzz_check_outstream.c: hostile bytes on the OUT channel of a tunnel, as
 * the engine's write callback receives them after "200 Success": the PDU
 * splitter, CONN/A3 and CONN/C2 handling, skipped pings and flow-control
 * acks, the bind answer, a "503 RPC Error" line inside the body. The first
 * input byte picks the port (and so the interface bound); the next ones
 * pick the chunk sizes the body arrives in.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/check/check.h"
#include "probes/check/check_int.h"
#include "probes/check/check_tunnel.h"

static struct check *chk;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint16_t ports[4] = {6001, 6002, 6004, 6003};
    if (chk == NULL) {
        struct check_opts o;
        memset(&o, 0, sizeof o);
        o.host = "mail.contoso.lab";
        chk = check_new(&o, NULL, 0);
        if (chk == NULL)
            abort();
    }
    if (size < 2)
        return 0;
    struct check_tunnel_obs obs;
    struct check_tunnel t;
    memset(&obs, 0, sizeof obs);
    memset(&t, 0, sizeof t);
    t.chk = chk;
    t.obs = &obs;
    obs.port = ports[data[0] & 3];
    memcpy(obs.server, "EXCH01", 7);
    if (check_tunnel_stream_init(&t) != 0)
        abort();
    t.out_200 = true;
    t.state = CHECK_TUN_WAIT_A3;
    size_t step = 1u + (data[1] & 0x3f);
    data += 2;
    size -= 2;
    while (size > 0) {
        size_t n = step < size ? step : size;
        if (check_tunnel_feed(&t, data, n) != n)
            break;
        data += n;
        size -= n;
        step = 1u + ((step * 7u + 3u) & 0x7f);
    }
    if (t.in_len > sizeof t.in_queue)
        abort();
    free(t.ps_buf);
    return 0;
}
