/*
 * check_tunjudge.c: a tunnel's end from its channels (see check_tunjudge.h).
 */
#include "probes/verdict/check_tunjudge.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "probes/result/text.h"
#include "probes/rpcerr/rpcerr.h"
#include "probes/rpcerr/winerr.h"

const char *check_tunnel_where(enum check_tun_state s)
{
    switch (s) {
    case CHECK_TUN_IDLE:
        return "before the channels were opened";
    case CHECK_TUN_OPENING:
        return "waiting for the OUT channel response";
    case CHECK_TUN_WAIT_A3:
        return "waiting for CONN/A3";
    case CHECK_TUN_WAIT_C2:
        return "waiting for CONN/C2";
    case CHECK_TUN_BIND_SENT:
        return "waiting for the bind answer";
    case CHECK_TUN_DONE:
        return "after the verdict";
    default:
        return "in an unknown state";
    }
}

static void set(struct check_tunnel_obs *t, enum check_tun_end end, bool on_out, const char *fmt,
                ...) OA_PRINTF(4, 5);

static void set(struct check_tunnel_obs *t, enum check_tun_end end, bool on_out, const char *fmt,
                ...)
{
    t->end = end;
    t->on_out = on_out;
    va_list ap;
    va_start(ap, fmt);
    (void)oa_text_vformat(t->detail, sizeof t->detail, fmt, ap);
    va_end(ap);
}

void check_tunnel_set_rpc_error(struct check_tunnel_obs *t, uint32_t code)
{
    const char *nm = winerr_name(code);
    t->rpc_error = code;
    snprintf(t->rpc_error_name, sizeof t->rpc_error_name, "%s", nm != NULL ? nm : "");
}

static bool rpc_error(struct check_tunnel_obs *t, const struct check_xfer_obs *x, bool on_out)
{
    if (x->status != 503 || x->status_line[0] == '\0')
        return false;
    struct rpcerr_line rl;
    if (rpcerr_parse_line(x->status_line, strlen(x->status_line), &rl, NULL) < 0 ||
        rl.kind != RPCERR_KIND_RPC_ERROR)
        return false;
    t->end = CHECK_TUN_END_RPC_ERROR;
    t->on_out = on_out;
    check_tunnel_set_rpc_error(t, rl.code);
    oa_text_format(t->detail, sizeof t->detail, "%s channel: %s", on_out ? "OUT" : "IN",
                   x->status_line);
    return true;
}

static bool failed(const struct check_xfer_obs *x)
{
    return x->done && x->fail != CHECK_FAIL_NONE && x->fail != CHECK_FAIL_ABORTED;
}

static bool is_conn(enum check_fail f)
{
    return f == CHECK_FAIL_DNS || f == CHECK_FAIL_TCP_REFUSED || f == CHECK_FAIL_TCP_TIMEOUT ||
           f == CHECK_FAIL_TCP_UNREACHABLE || f == CHECK_FAIL_TLS;
}

void check_tunnel_judge(struct check_tunnel_obs *t)
{
    if (t == NULL || t->end != CHECK_TUN_END_NONE)
        return;
    const struct check_xfer_obs *chan[2] = {&t->out, &t->in};
    const char *name[2] = {"OUT", "IN"};

    for (int i = 0; i < 2; i++) /* 1 */
        if (rpc_error(t, chan[i], i == 0))
            return;
    for (int i = 0; i < 2; i++) { /* 2, 3 */
        const struct check_xfer_obs *x = chan[i];
        if (x->status != 401)
            continue;
        if (check_obs_ntlm_lost(x))
            set(t, CHECK_TUN_END_NTLM_LOST, i == 0,
                "%s channel: the connection was closed after the NTLM challenge (%s)", name[i],
                x->close_after_challenge ? "Connection: close" : "a new connection was needed");
        else
            set(t, CHECK_TUN_END_AUTH_REJECTED, i == 0, "%s channel: %s", name[i], x->status_line);
        return;
    }
    if (t->in.status == 417 || t->in.status == 501) { /* 4 */
        set(t, CHECK_TUN_END_EXPECT_STALL, false,
            "IN channel answered Expect: 100-continue with %s", t->in.status_line);
        return;
    }
    for (int i = 0; i < 2; i++) { /* 5 */
        const struct check_xfer_obs *x = chan[i];
        if (x->status == 0 || (i == 0 && x->status == 200))
            continue;
        set(t, CHECK_TUN_END_HTTP_STATUS, i == 0, "%s channel: %s", name[i], x->status_line);
        return;
    }
    for (int i = 0; i < 2; i++) { /* 6 */
        const struct check_xfer_obs *x = chan[i];
        if (failed(x) && x->fail == CHECK_FAIL_CONN_LOST && x->ntlm_challenge && x->status == 0) {
            set(t, CHECK_TUN_END_NTLM_LOST, i == 0,
                "%s channel: the connection was lost after the NTLM challenge: %s", name[i],
                x->error);
            return;
        }
    }
    for (int i = 0; i < 2; i++) { /* 7 */
        const struct check_xfer_obs *x = chan[i];
        if (failed(x) && is_conn(x->fail)) {
            t->end = CHECK_TUN_END_CONN_FAILED;
            t->on_out = i == 0;
            oa_text_format(t->detail, sizeof t->detail, "%s channel: %s: %s", name[i],
                           check_fail_name(x->fail), x->error);
            return;
        }
    }
    for (int i = 0; i < 2; i++) { /* 8 */
        const struct check_xfer_obs *x = chan[i];
        if (!failed(x) || x->fail != CHECK_FAIL_TIMEOUT)
            continue;
        /* the IN request carrying Expect was sent: after an NTLM challenge, or
         * (single-leg schemes) while the proxy answered the OUT channel */
        bool expect_sent = t->in.ntlm_challenge || t->reached >= CHECK_TUN_WAIT_A3;
        if (t->in.ran && expect_sent && !t->in.saw_continue && t->in.status == 0) {
            set(t, CHECK_TUN_END_EXPECT_STALL, false,
                "IN channel: Expect: 100-continue never answered%s; the tunnel stalled %s",
                t->in_body_started ? " (the body was sent anyway after the wait)" : "",
                check_tunnel_where(t->reached));
            return;
        }
        t->end = CHECK_TUN_END_TIMEOUT;
        t->on_out = i == 0;
        /* the diagnosis adds the tunnel's elapsed time: one figure */
        oa_text_format(t->detail, sizeof t->detail, "%s, the %s channel reached the deadline",
                       check_tunnel_where(t->reached), name[i]);
        return;
    }
    for (int i = 0; i < 2; i++) { /* 9 */
        const struct check_xfer_obs *x = chan[i];
        if (!failed(x))
            continue;
        if (x->fail == CHECK_FAIL_TOO_BIG || x->fail == CHECK_FAIL_PROTOCOL ||
            x->fail == CHECK_FAIL_CONN_LOST) {
            t->end = CHECK_TUN_END_PROTOCOL;
            t->on_out = i == 0;
            oa_text_format(t->detail, sizeof t->detail, "%s channel %s: %s", name[i],
                           check_tunnel_where(t->reached),
                           x->detail[0]  ? x->detail
                           : x->error[0] ? x->error
                                         : check_fail_name(x->fail));
            return;
        }
    }
    for (int i = 0; i < 2; i++) { /* 10 */
        const struct check_xfer_obs *x = chan[i];
        if (failed(x)) {
            t->end = CHECK_TUN_END_INTERNAL;
            t->on_out = i == 0;
            oa_text_format(t->detail, sizeof t->detail, "%s channel: %s", name[i],
                           x->detail[0] ? x->detail : x->error);
            return;
        }
    }
    set(t, CHECK_TUN_END_PROTOCOL, true, "the proxy ended the channels %s",
        check_tunnel_where(t->reached)); /* 11 */
}
