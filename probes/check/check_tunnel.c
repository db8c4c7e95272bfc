/*
 * check_tunnel.c: tunnels and binds (see check_tunnel.h).
 *
 * Callbacks (read, write, header) only record and decide; they never touch
 * the multi handle. A verdict reached inside the OUT write callback stops the
 * OUT transfer by failing the callback; check_tunnel_xfer_done(), called from
 * check_dispatch() outside any callback, then stops the IN transfer.
 */
#include "probes/check/check_tunnel.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "probes/check/check_http.h"
#include "probes/check/check_int.h"
#include "probes/check/check_xfer.h"
#include "probes/dcerpc/dcerpc_ack.h"
#include "probes/dcerpc/dcerpc_bind.h"
#include "probes/dcerpc/dcerpc_verdict.h"
#include "probes/dcerpc/iface.h"
#include "probes/rpcerr/rpcerr.h"
#include "probes/rpch/pdu_stream.h"
#include "probes/rpch/rts.h"
#include "probes/rpch/rts_classify.h"
#include "probes/rpch/rts_encode.h"
#include "probes/verdict/check_tunjudge.h"

#define TUN_CHANNEL_LIFETIME 0x40000000u /* 1 GB, as Outlook */
#define TUN_CLIENT_KEEPALIVE 300000u     /* ms, as Outlook */
#define TUN_RECEIVE_WINDOW 0x10000u      /* 64 KB, as Outlook */
#define TUN_IN_LENGTH 1073741824         /* RPC_IN_DATA Content-Length */
#define TUN_EXPECT_WAIT_MS 5000          /* the cloud migration client's patience */
#define TUN_BIND_CALL_ID 1u
/* Largest PDU accepted on the OUT channel: the largest bind response the
 * dcerpc decoder accepts (8192), above the max_recv_frag the bind offers
 * (DCERPC_FRAG_DEFAULT, 4280, set by dcerpc_bind_req_init). */
#define TUN_STREAM_MAX_FRAG DCERPC_RESPONSE_FRAG_MAX

/* The only way to change a tunnel's state. */
static void tun_set_state(struct check_tunnel *t, enum check_tun_state to)
{
    if (t->state == to)
        return;
    check_tracef(t->chk, "tunnel %s:%u: %s -> %s", t->obs->server, t->obs->port,
                 check_tun_state_name(t->state), check_tun_state_name(to));
    t->state = to;
    if (to != CHECK_TUN_DONE && to > t->obs->reached)
        t->obs->reached = to;
}

static int64_t tun_now(const struct check_tunnel *t)
{
    return check_now_ms() - t->chk->t0_ms;
}

/* Record the verdict (the first one wins) and mark the tunnel done. */
static void tun_verdict(struct check_tunnel *t, enum check_tun_end end, bool on_out,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void tun_verdict(struct check_tunnel *t, enum check_tun_end end, bool on_out,
                        const char *fmt, ...)
{
    if (t->obs->end == CHECK_TUN_END_NONE) {
        t->obs->end = end;
        t->obs->on_out = on_out;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(t->obs->detail, sizeof t->obs->detail, fmt, ap);
        va_end(ap);
    }
    tun_set_state(t, CHECK_TUN_DONE);
}

/* ---- IN channel ---------------------------------------------------------- */

static size_t in_read_cb(char *buf, size_t size, size_t n, void *ud)
{
    struct check_xfer *x = ud;
    if (x == NULL || x->magic != CHECK_XFER_MAGIC || x->tun == NULL)
        return CURL_READFUNC_ABORT;
    struct check_tunnel *t = x->tun;
    if (!t->obs->in_body_started) {
        t->obs->in_body_started = true;
        if (!x->obs->saw_continue) {
            t->obs->expect_waited = true;
            check_tracef(t->chk, "tunnel %s:%u: IN body sent without 100 Continue", t->obs->server,
                         t->obs->port);
        }
    }
    if (t->state == CHECK_TUN_DONE)
        return CURL_READFUNC_ABORT;
    size_t avail = t->in_len - t->in_off, room = size * n;
    if (avail == 0) {
        t->in_paused = true;
        return CURL_READFUNC_PAUSE;
    }
    if (avail > room)
        avail = room;
    memcpy(buf, t->in_queue + t->in_off, avail);
    t->in_off += avail;
    return avail;
}

/* Any final response on IN is an error: decide now unless it is a 401 leg. */
static bool in_headers(struct check_xfer *x)
{
    struct check_tunnel *t = x->tun;
    if (x->obs->status == 401)
        return true; /* maybe an auth leg; the transfer's end decides */
    check_tracef(t->chk, "tunnel %s:%u: IN answered %s", t->obs->server, t->obs->port,
                 x->obs->status_line);
    return false; /* stop; check_tunnel_judge reads the status */
}

static size_t discard_cb(char *data, size_t size, size_t n, void *ud)
{
    (void)data;
    (void)ud;
    return size * n;
}

/* Queue the bind for the port's interface and wake the IN channel. */
static void queue_bind(struct check_tunnel *t)
{
    const struct iface_info *info = iface_by_port(t->obs->port);
    if (info == NULL) {
        tun_verdict(t, CHECK_TUN_END_BOUND, true,
                    "tunnel open; no interface is known for port %u, bind not attempted",
                    t->obs->port);
        return;
    }
    struct dcerpc_bind_req req;
    const char *why = NULL;
    ssize_t n = -1;
    if (dcerpc_bind_req_init(&req, &info->syntax, TUN_BIND_CALL_ID) == 0)
        n = dcerpc_bind_encode(&req, t->in_queue + t->in_len, sizeof t->in_queue - t->in_len, &why);
    if (n <= 0) {
        tun_verdict(t, CHECK_TUN_END_INTERNAL, false, "bind could not be encoded: %s",
                    why != NULL ? why : "?");
        return;
    }
    t->in_len += (size_t)n;
    tun_set_state(t, CHECK_TUN_BIND_SENT);
    if (t->in_paused && t->in != NULL) {
        t->in_paused = false;
        curl_easy_pause(t->in->easy, CURLPAUSE_CONT);
    }
}

/* ---- OUT channel --------------------------------------------------------- */

static bool out_headers(struct check_xfer *x)
{
    struct check_tunnel *t = x->tun;
    unsigned st = x->obs->status;
    if (st == 401)
        return true; /* maybe an auth leg */
    t->obs->t_out_status_ms = tun_now(t);
    if (st == 200) {
        t->out_200 = true;
        tun_set_state(t, CHECK_TUN_WAIT_A3);
        return true;
    }
    check_tracef(t->chk, "tunnel %s:%u: OUT answered %s", t->obs->server, t->obs->port,
                 x->obs->status_line);
    return false; /* stop; check_tunnel_judge reads the status */
}

/* One RTS PDU on OUT. Returns false when the tunnel has its verdict. */
static bool on_rts(struct check_tunnel *t, const uint8_t *p, size_t len)
{
    struct rts_pdu pdu;
    const char *why = NULL;
    if (rts_decode(&pdu, p, len, &why) < 0) {
        tun_verdict(t, CHECK_TUN_END_PROTOCOL, true, "malformed RTS PDU %s: %s",
                    check_tunnel_where(t->state), pdu.detail[0] ? pdu.detail : why);
        return false;
    }
    enum rts_kind kind = rts_classify(&pdu, &why);
    const struct rts_cmd *cmd;
    switch (kind) {
    case RTS_KIND_PING:
        t->obs->pings++;
        return true;
    case RTS_KIND_FLOW_CONTROL_ACK:
    case RTS_KIND_FLOW_CONTROL_ACK_DEST:
        t->obs->flow_acks++;
        return true;
    case RTS_KIND_CONN_A3:
        if (t->state != CHECK_TUN_WAIT_A3)
            break;
        cmd = rts_find_cmd(&pdu, RTS_CMD_CONNECTION_TIMEOUT);
        t->obs->a3_timeout_ms = cmd != NULL ? cmd->u.connection_timeout : 0;
        t->obs->t_a3_ms = tun_now(t);
        tun_set_state(t, CHECK_TUN_WAIT_C2);
        return true;
    case RTS_KIND_CONN_C2:
        if (t->state != CHECK_TUN_WAIT_C2)
            break;
        if ((cmd = rts_find_cmd(&pdu, RTS_CMD_VERSION)) != NULL)
            t->obs->c2_version = cmd->u.version;
        if ((cmd = rts_find_cmd(&pdu, RTS_CMD_RECEIVE_WINDOW_SIZE)) != NULL)
            t->obs->c2_receive_window = cmd->u.receive_window_size;
        if ((cmd = rts_find_cmd(&pdu, RTS_CMD_CONNECTION_TIMEOUT)) != NULL)
            t->obs->c2_timeout_ms = cmd->u.connection_timeout;
        t->obs->t_c2_ms = tun_now(t);
        queue_bind(t);
        return t->state != CHECK_TUN_DONE;
    default:
        tun_verdict(t, CHECK_TUN_END_PROTOCOL, true, "unexpected RTS PDU %s: %s",
                    check_tunnel_where(t->state), why != NULL ? why : rts_kind_name(kind));
        return false;
    }
    tun_verdict(t, CHECK_TUN_END_PROTOCOL, true, "%s arrived %s", rts_kind_name(kind),
                check_tunnel_where(t->state));
    return false;
}

/* The answer to the bind. Always ends the tunnel. */
static void on_bind_answer(struct check_tunnel *t, const uint8_t *p, size_t len)
{
    struct dcerpc_bind_verdict *v = malloc(sizeof *v);
    if (v == NULL) {
        tun_verdict(t, CHECK_TUN_END_INTERNAL, true, "out of memory");
        return;
    }
    const char *why = NULL;
    struct check_tunnel_obs *o = t->obs;
    o->t_bind_ms = tun_now(t);
    if (dcerpc_bind_response_decode(p, len, DCERPC_DECODE_EXACT, v, &why) < 0) {
        tun_verdict(t, CHECK_TUN_END_PROTOCOL, true, "malformed answer to the bind: %s",
                    why != NULL ? why : "invalid");
    } else if (v->hdr.call_id != TUN_BIND_CALL_ID) {
        tun_verdict(t, CHECK_TUN_END_PROTOCOL, true,
                    "bind answer for call_id %u, the bind was call_id %u", v->hdr.call_id,
                    TUN_BIND_CALL_ID);
    } else {
        o->bind_ptype = v->hdr.ptype;
        switch (v->kind) {
        case DCERPC_VERDICT_ACCEPTED:
            tun_verdict(t, CHECK_TUN_END_BOUND, true, "bind_ack accepted %s",
                        iface_by_port(o->port) ? iface_by_port(o->port)->name : "?");
            break;
        case DCERPC_VERDICT_REJECTED:
            o->bind_result = v->result;
            o->bind_reason = v->reason;
            tun_verdict(t, CHECK_TUN_END_BIND_REJECTED, true, "bind_ack %s (%u, %u): %s",
                        dcerpc_ack_result_name(v->result), v->result, v->reason,
                        dcerpc_ack_explain(v->result, v->reason));
            break;
        case DCERPC_VERDICT_NAK:
            o->bind_reason = v->u.nak.reject_reason;
            tun_verdict(t, CHECK_TUN_END_BIND_REJECTED, true, "bind_nak, reason %u %s",
                        v->u.nak.reject_reason, dcerpc_nak_reason_name(v->u.nak.reject_reason));
            break;
        case DCERPC_VERDICT_FAULT:
            o->fault_status = v->u.fault.status;
            tun_verdict(t, CHECK_TUN_END_BIND_REJECTED, true, "fault 0x%08x %s", v->u.fault.status,
                        v->u.fault.status_name != NULL ? v->u.fault.status_name : "");
            break;
        default:
            tun_verdict(t, CHECK_TUN_END_PROTOCOL, true, "a %s PDU answered the bind",
                        dcerpc_ptype_name(v->hdr.ptype));
            break;
        }
    }
    free(v);
}

/* "HTTP/1.0 503 RPC Error: 6ba" where a PDU should start. */
static void on_http_line(struct check_tunnel *t, const char *line, size_t len)
{
    struct rpcerr_line rl;
    const char *why = NULL;
    if (rpcerr_parse_line(line, len, &rl, &why) >= 0 && rl.kind == RPCERR_KIND_RPC_ERROR) {
        check_tunnel_set_rpc_error(t->obs, rl.code);
        t->obs->rpc_error_mid_stream = true;
        snprintf(t->obs->out.status_line, sizeof t->obs->out.status_line, "%.*s", (int)len, line);
        tun_verdict(t, CHECK_TUN_END_RPC_ERROR, true, "inside the OUT body %s: %.*s",
                    check_tunnel_where(t->state), (int)(len > 120 ? 120 : len), line);
        return;
    }
    tun_verdict(t, CHECK_TUN_END_PROTOCOL, true, "an HTTP line inside the OUT body %s: %.*s",
                check_tunnel_where(t->state), (int)(len > 120 ? 120 : len), line);
}

size_t check_tunnel_feed(struct check_tunnel *t, const uint8_t *p, size_t len)
{
    if (t == NULL || (p == NULL && len > 0))
        return 0;
    if (!t->out_200)
        return len; /* the body of a 401 leg or an error page */
    if (t->state == CHECK_TUN_DONE)
        return 0;
    size_t left = len;
    while (left > 0) {
        size_t took = pdu_stream_feed(&t->ps, p, left);
        p += took;
        left -= took;
        for (;;) {
            struct pdu_view v;
            const char *why = NULL;
            int r = pdu_stream_next(&t->ps, &v, &why);
            if (r == PDU_STREAM_NEED_MORE)
                break;
            if (r == PDU_STREAM_HTTP_LINE) {
                on_http_line(t, (const char *)v.data, v.len);
            } else if (r < 0) {
                tun_verdict(t, CHECK_TUN_END_PROTOCOL, true, "OUT stream %s, at byte %llu: %s",
                            check_tunnel_where(t->state), (unsigned long long)v.offset,
                            why != NULL ? why : "invalid");
            } else if (v.ptype == RTS_PTYPE) {
                if (on_rts(t, v.data, v.len))
                    continue;
            } else if (t->state == CHECK_TUN_BIND_SENT) {
                on_bind_answer(t, v.data, v.len);
            } else {
                tun_verdict(t, CHECK_TUN_END_PROTOCOL, true, "a %s PDU arrived %s",
                            dcerpc_ptype_name(v.ptype), check_tunnel_where(t->state));
            }
            if (t->state == CHECK_TUN_DONE)
                return 0; /* verdict known: stop reading */
        }
        if (took == 0 && left > 0) { /* cannot happen after NEED_MORE; be safe */
            tun_verdict(t, CHECK_TUN_END_INTERNAL, true, "OUT stream buffer stuck");
            return 0;
        }
    }
    return len;
}

static size_t out_write_cb(char *data, size_t size, size_t n, void *ud)
{
    struct check_xfer *x = ud;
    if (x == NULL || x->magic != CHECK_XFER_MAGIC || x->tun == NULL)
        return CURL_WRITEFUNC_ERROR;
    size_t len = size * n;
    return check_tunnel_feed(x->tun, (const uint8_t *)data, len) == len ? len
                                                                        : CURL_WRITEFUNC_ERROR;
}

/* ---- set-up ---------------------------------------------------------------- */

unsigned check_expect_wait_ms(const struct check *c)
{
    unsigned wait = c->timeout_ms / 3;
    return wait > TUN_EXPECT_WAIT_MS ? TUN_EXPECT_WAIT_MS : wait;
}

static struct check_xfer *channel_new(struct check_tunnel *t, enum check_xfer_kind kind,
                                      const char *url)
{
    struct check *c = t->chk;
    struct check_xfer_obs *obs = kind == CHECK_XK_TUN_IN ? &t->obs->in : &t->obs->out;
    struct check_xfer *x = check_xfer_new(c, kind, obs);
    if (x == NULL)
        return NULL;
    x->tun = t;
    x->index = t->index;
    bool ok;
    if (kind == CHECK_XK_TUN_OUT) {
        uint8_t a1[RTS_CONN_A1_LEN];
        ok = rts_encode_conn_a1(a1, sizeof a1, &t->vc, &t->out_cookie, TUN_RECEIVE_WINDOW) ==
                 sizeof a1 &&
             chttp_rpc_request(x, "RPC_OUT_DATA", url, a1, sizeof a1) == 0 &&
             curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, out_write_cb) == CURLE_OK;
        x->on_headers = out_headers;
    } else {
        long wait = (long)check_expect_wait_ms(c);
        ok = chttp_rpc_stream(x, url, (curl_off_t)TUN_IN_LENGTH, in_read_cb, x) == 0 &&
             curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, discard_cb) == CURLE_OK &&
             curl_easy_setopt(x->easy, CURLOPT_EXPECT_100_TIMEOUT_MS, wait) == CURLE_OK;
        x->on_headers = in_headers;
    }
    ok = ok && curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, (void *)x) == CURLE_OK &&
         chttp_auth(x) == 0;
    if (!ok) {
        check_xfer_free(x);
        return NULL;
    }
    return x;
}

int check_tunnel_stream_init(struct check_tunnel *t)
{
    if (t == NULL)
        return -1;
    if (t->ps_buf == NULL)
        t->ps_buf = malloc(PDU_STREAM_BUF_MIN(TUN_STREAM_MAX_FRAG));
    if (t->ps_buf == NULL)
        return -1;
    return pdu_stream_init(&t->ps, t->ps_buf, PDU_STREAM_BUF_MIN(TUN_STREAM_MAX_FRAG),
                           TUN_STREAM_MAX_FRAG, NULL) == 0
               ? 0
               : -1;
}

static int tunnel_start(struct check_tunnel *t)
{
    struct check *c = t->chk;
    char url[2 * CHECK_NAME_MAX + 64];
    if (RAND_bytes(t->vc.b, sizeof t->vc.b) != 1 ||
        RAND_bytes(t->in_cookie.b, sizeof t->in_cookie.b) != 1 ||
        RAND_bytes(t->out_cookie.b, sizeof t->out_cookie.b) != 1 ||
        RAND_bytes(t->assoc.b, sizeof t->assoc.b) != 1) {
        tun_verdict(t, CHECK_TUN_END_INTERNAL, true, "no random bytes for the RTS cookies");
        return -1;
    }
    t->in_len = rts_encode_conn_b1(t->in_queue, sizeof t->in_queue, &t->vc, &t->in_cookie,
                                   TUN_CHANNEL_LIFETIME, TUN_CLIENT_KEEPALIVE, &t->assoc);
    if (t->in_len != RTS_CONN_B1_LEN || check_tunnel_stream_init(t) != 0 ||
        chttp_url(c, t->obs->server, t->obs->port, url, sizeof url) < 0) {
        tun_verdict(t, CHECK_TUN_END_INTERNAL, true, "tunnel set-up failed");
        return -1;
    }
    t->out = channel_new(t, CHECK_XK_TUN_OUT, url);
    t->in = channel_new(t, CHECK_XK_TUN_IN, url);
    if (t->out == NULL || t->in == NULL) {
        check_xfer_free(t->out);
        check_xfer_free(t->in);
        t->out = t->in = NULL;
        tun_verdict(t, CHECK_TUN_END_INTERNAL, true, "libcurl refused the channel options");
        return -1;
    }
    t->t_start_ms = tun_now(t);
    tun_set_state(t, CHECK_TUN_OPENING);
    bool out_ok = check_xfer_add(t->out) == 0;
    bool in_ok = out_ok && check_xfer_add(t->in) == 0;
    if (!out_ok || !in_ok) {
        check_xfer_free(t->out);
        check_xfer_free(t->in);
        t->out = t->in = NULL;
        check_tunnel_judge(t->obs);
        tun_set_state(t, CHECK_TUN_DONE);
        return -1;
    }
    return 0;
}

int check_tunnels_start(struct check *c)
{
    size_t n = c->obs.n_servers * c->n_ports;
    if (n == 0)
        return 0;
    c->obs.tunnels = calloc(n, sizeof *c->obs.tunnels);
    c->tunnels = calloc(n, sizeof *c->tunnels);
    if (c->obs.tunnels == NULL || c->tunnels == NULL) {
        free(c->obs.tunnels);
        free(c->tunnels);
        c->obs.tunnels = NULL;
        c->tunnels = NULL;
        return -1;
    }
    c->obs.n_tunnels = n;
    size_t k = 0;
    for (size_t s = 0; s < c->obs.n_servers; s++) {
        for (size_t p = 0; p < c->n_ports; p++, k++) {
            struct check_tunnel *t = &c->tunnels[k];
            t->chk = c;
            t->index = (unsigned)k;
            t->obs = &c->obs.tunnels[k];
            snprintf(t->obs->server, sizeof t->obs->server, "%s", c->obs.servers[s]);
            t->obs->port = c->ports[p];
            (void)tunnel_start(t);
        }
    }
    return 0;
}

/* Stop whatever channel of t still runs and settle the verdict. */
static void tunnel_settle(struct check_tunnel *t, enum check_fail why, const char *detail)
{
    if (t->out != NULL) {
        check_xfer_stop(t->out, why, detail);
        t->out = NULL;
    }
    if (t->in != NULL) {
        check_xfer_stop(t->in, why, detail);
        t->in = NULL;
    }
    check_tunnel_judge(t->obs);
    tun_set_state(t, CHECK_TUN_DONE);
    check_tracef(t->chk, "tunnel %s:%u: %s: %s", t->obs->server, t->obs->port,
                 check_tun_end_name(t->obs->end), t->obs->detail);
}

void check_tunnel_xfer_done(struct check_xfer *x)
{
    struct check_tunnel *t = x->tun;
    if (x->kind == CHECK_XK_TUN_IN)
        t->in = NULL;
    else
        t->out = NULL;
    check_xfer_free(x);
    /* a channel that ends takes the tunnel with it: the other one is stopped */
    tunnel_settle(t, CHECK_FAIL_ABORTED, "stopped: the other channel ended");
}

bool check_tunnels_done(const struct check *c)
{
    for (size_t i = 0; i < c->obs.n_tunnels && c->tunnels != NULL; i++)
        if (c->tunnels[i].state != CHECK_TUN_DONE)
            return false;
    return true;
}

void check_tunnels_stop(struct check *c, enum check_fail why, const char *detail)
{
    for (size_t i = 0; i < c->obs.n_tunnels && c->tunnels != NULL; i++) {
        struct check_tunnel *t = &c->tunnels[i];
        if (t->in != NULL || t->out != NULL)
            tunnel_settle(t, why, detail);
    }
}

void check_tunnels_free(struct check *c)
{
    if (c->tunnels != NULL) {
        for (size_t i = 0; i < c->obs.n_tunnels; i++) {
            struct check_tunnel *t = &c->tunnels[i];
            check_xfer_free(t->in);
            check_xfer_free(t->out);
            free(t->ps_buf);
        }
    }
    free(c->tunnels);
    free(c->obs.tunnels);
    c->tunnels = NULL;
    c->obs.tunnels = NULL;
    c->obs.n_tunnels = 0;
}
