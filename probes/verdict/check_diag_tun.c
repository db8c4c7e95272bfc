/*
 * check_diag_tun.c: the tunnel and bind steps of the result and their
 * diagnoses (see check_diag.h). The ValidPorts-versus-backend reasoning is
 * probes/result's oa_tunnel_verdict; this file translates the engine's
 * tunnel observations into its outcomes, and adds beforehand the messages
 * only the engine can word (where a timeout fired, an Expect stall), since
 * the first diagnosis of a code for a name and port wins.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probes/dcerpc/dcerpc_ack.h"
#include "probes/dcerpc/dcerpc_pdu.h"
#include "probes/dcerpc/iface.h"
#include "probes/result/tunnel.h"
#include "probes/verdict/check_diag_int.h"
#include "probes/verdict/check_tunjudge.h"

static int64_t tunnel_start_ms(const struct check_tunnel_obs *t)
{
    if (t->out.ran && (!t->in.ran || t->out.t_start_ms <= t->in.t_start_ms))
        return t->out.t_start_ms;
    return t->in.t_start_ms;
}

static bool tunnel_up(const struct check_tunnel_obs *t);

/* A working tunnel is timed to CONN/C2; a failed one to its last channel's end
 * (a bind that got no answer fails after C2). */
static int64_t tunnel_end_ms(const struct check_tunnel_obs *t)
{
    if (t->t_c2_ms > 0 && tunnel_up(t))
        return t->t_c2_ms;
    return t->out.t_end_ms > t->in.t_end_ms ? t->out.t_end_ms : t->in.t_end_ms;
}

static bool tunnel_up(const struct check_tunnel_obs *t)
{
    return t->end == CHECK_TUN_END_BOUND || t->end == CHECK_TUN_END_BIND_REJECTED;
}

static const struct check_xfer_obs *deciding(const struct check_tunnel_obs *t)
{
    return t->on_out ? &t->out : &t->in;
}

static void tunnel_steps(struct oa_result *r, const struct check_tunnel_obs *t)
{
    struct oa_step *st = oa_result_add_step(r, OA_STEP_TUNNEL, t->server, t->port);
    if (st == NULL)
        return;
    if (t->end == CHECK_TUN_END_NONE) {
        oa_step_finish(st, OA_STATE_SKIPPED, 0);
        return;
    }
    const struct check_xfer_obs *x = t->out.status != 0 || t->on_out ? &t->out : &t->in;
    if (x->status != 0) {
        oa_step_add_int(r, st, OA_DETAIL_HTTP_STATUS, x->status);
        oa_step_add_str(r, st, OA_DETAIL_HTTP_STATUS_LINE, x->status_line);
    }
    if (t->end == CHECK_TUN_END_RPC_ERROR) {
        oa_step_add_int(r, st, OA_DETAIL_RPC_ERROR, t->rpc_error);
        if (t->rpc_error_name[0])
            oa_step_add_str(r, st, OA_DETAIL_RPC_ERROR_NAME, t->rpc_error_name);
    }
    if (t->in.ran)
        oa_step_add_bool(r, st, OA_DETAIL_EXPECT_100_CONTINUE, t->in.saw_continue);
    if (!tunnel_up(t) && t->detail[0])
        oa_step_add_str(r, st, OA_DETAIL_ERROR, t->detail);
    int64_t from = tunnel_start_ms(t), to = tunnel_end_ms(t);
    oa_step_finish(st, OA_STATE_OK, (to > from ? to - from : 0) * 1000);

    if (t->reached < CHECK_TUN_BIND_SENT && !tunnel_up(t))
        return;
    struct oa_step *b = oa_result_add_step(r, OA_STEP_BIND, t->server, t->port);
    if (b == NULL)
        return;
    const struct iface_info *info = iface_by_port(t->port);
    if (info != NULL)
        oa_step_add_str(r, b, OA_DETAIL_INTERFACE, info->name);
    if (t->end == CHECK_TUN_END_BOUND && t->bind_ptype == 0 && info == NULL) {
        oa_step_add_str(r, b, OA_DETAIL_BIND_RESULT, "not attempted");
        oa_step_finish(b, OA_STATE_SKIPPED, 0);
        return;
    }
    if (t->end == CHECK_TUN_END_BOUND) {
        oa_step_add_str(r, b, OA_DETAIL_BIND_RESULT, "accepted");
    } else if (t->end == CHECK_TUN_END_BIND_REJECTED) {
        if (t->bind_ptype == DCERPC_PT_BIND_NAK) {
            oa_step_add_str(r, b, OA_DETAIL_BIND_RESULT, "bind_nak");
            oa_step_add_int(r, b, OA_DETAIL_BIND_REASON, t->bind_reason);
        } else if (t->bind_ptype == DCERPC_PT_FAULT) {
            oa_step_add_str(r, b, OA_DETAIL_BIND_RESULT, "fault");
            oa_step_add_int(r, b, OA_DETAIL_RPC_ERROR, t->fault_status);
        } else {
            oa_step_add_str(r, b, OA_DETAIL_BIND_RESULT, dcerpc_ack_result_name(t->bind_result));
            oa_step_add_int(r, b, OA_DETAIL_BIND_REASON, t->bind_reason);
        }
    } else if (t->detail[0]) {
        oa_step_add_str(r, b, OA_DETAIL_ERROR, t->detail);
    }
    int64_t bind_us = t->t_bind_ms > t->t_c2_ms ? (t->t_bind_ms - t->t_c2_ms) * 1000 : 0;
    if (!tunnel_up(t) && t->t_c2_ms > 0 && tunnel_end_ms(t) > t->t_c2_ms)
        bind_us = (tunnel_end_ms(t) - t->t_c2_ms) * 1000;
    oa_step_finish(b, OA_STATE_OK, bind_us);
    /* the bind was sent and no valid answer came: the tunnel's diagnosis
     * names the fault; the bind step failed with it */
    if (!tunnel_up(t))
        oa_step_raise(b, OA_STATE_CRITICAL);
}

static void outcome_of(const struct check_tunnel_obs *t, const struct check_diag_cfg *cfg,
                       struct oa_tunnel_outcome *out)
{
    const struct check_xfer_obs *x = deciding(t);
    memset(out, 0, sizeof *out);
    out->server = t->server;
    out->port = t->port;
    out->status_line = x->status_line[0] ? x->status_line : NULL;
    out->detail = t->detail[0] ? t->detail : NULL;
    out->auth_scheme = check_auth_scheme(cfg->auth);
    out->http_status = (int)x->status;
    out->expect_sent = !t->on_out;
    switch (t->end) {
    case CHECK_TUN_END_NONE:
        out->kind = OA_TUNNEL_NOT_RUN;
        break;
    case CHECK_TUN_END_BOUND:
        out->kind = OA_TUNNEL_OK;
        break;
    case CHECK_TUN_END_BIND_REJECTED:
        out->kind = OA_TUNNEL_BIND_REJECTED;
        break;
    case CHECK_TUN_END_RPC_ERROR:
        out->kind = OA_TUNNEL_RPC_ERROR;
        out->rpc_error = t->rpc_error;
        out->rpc_error_name = t->rpc_error_name[0] ? t->rpc_error_name : NULL;
        if (t->rpc_error_mid_stream)
            out->status_line = t->out.status_line;
        break;
    case CHECK_TUN_END_HTTP_STATUS:
        out->kind = OA_TUNNEL_HTTP_STATUS;
        break;
    case CHECK_TUN_END_AUTH_REJECTED:
        out->kind = OA_TUNNEL_AUTH_REJECTED;
        break;
    case CHECK_TUN_END_NTLM_LOST:
        out->kind = OA_TUNNEL_CONN_LOST;
        break;
    case CHECK_TUN_END_EXPECT_STALL:
        out->kind = (t->in.status == 417 || t->in.status == 501) ? OA_TUNNEL_HTTP_STATUS
                                                                 : OA_TUNNEL_EXPECT_STALL;
        out->expect_sent = 1;
        out->http_status = (int)t->in.status;
        out->status_line = t->in.status_line[0] ? t->in.status_line : NULL;
        break;
    case CHECK_TUN_END_PROTOCOL:
        out->kind = OA_TUNNEL_PROTOCOL_ERROR;
        break;
    case CHECK_TUN_END_CONN_FAILED:
        out->kind = OA_TUNNEL_CONN_FAILED;
        break;
    case CHECK_TUN_END_TIMEOUT:
        out->kind = OA_TUNNEL_TIMEOUT;
        out->elapsed_us = (tunnel_end_ms(t) - tunnel_start_ms(t)) * 1000;
        break;
    default:
        out->kind = OA_TUNNEL_INTERNAL;
        break;
    }
}

static enum oa_direct_kind direct_kind(const struct check_direct_obs *d)
{
    if (!d->x.ran)
        return OA_DIRECT_NOT_RUN;
    if (strncmp(d->banner, "ncacn_http/1.0", 14) == 0)
        return OA_DIRECT_NCACN_HTTP;
    if (cdiag_direct_open(d))
        return OA_DIRECT_OPEN_OTHER;
    if (d->x.fail == CHECK_FAIL_TCP_REFUSED)
        return OA_DIRECT_REFUSED;
    if (d->x.fail == CHECK_FAIL_TCP_TIMEOUT || d->x.fail == CHECK_FAIL_TIMEOUT)
        return OA_DIRECT_TIMEOUT;
    return OA_DIRECT_NOT_RUN;
}

/* The messages only the engine can word; added first so that they win. */
static void specific_diags(struct oa_result *r, const struct check_tunnel_obs *t,
                           const struct check_diag_cfg *cfg, bool below_ok)
{
    char took[32];
    cdiag_secs(took, sizeof took, tunnel_end_ms(t) - tunnel_start_ms(t));
    char endpoint[CHECK_NAME_MAX + 40];
    snprintf(endpoint, sizeof endpoint, "the proxy (tunnel to %s:%u)", t->server, t->port);
    switch (t->end) {
    case CHECK_TUN_END_TIMEOUT:
        oa_result_add_diag(r, OA_DIAG_TIMEOUT, OA_STEP_TUNNEL, t->server, t->port,
                           "the tunnel to %s:%u did not complete: %s (%s)", t->server, t->port,
                           t->detail, took);
        break;
    case CHECK_TUN_END_EXPECT_STALL:
        if (t->in.status == 0)
            oa_result_add_diag(r, OA_DIAG_EXPECT_CONTINUE_STALL, OA_STEP_TUNNEL, t->server, t->port,
                               "the tunnel to %s:%u: %s (after %s)", t->server, t->port, t->detail,
                               took);
        break;
    case CHECK_TUN_END_CONN_FAILED:
        if (below_ok)
            cdiag_transport(r, OA_STEP_TUNNEL, t->server, t->port, deciding(t), "a tunnel channel",
                            endpoint);
        break;
    default:
        break;
    }
    if (t->expect_waited && t->end != CHECK_TUN_END_EXPECT_STALL) {
        struct oa_diag *d = oa_result_add_diag(
            r, OA_DIAG_EXPECT_CONTINUE_STALL, OA_STEP_TUNNEL, t->server, t->port,
            "the RPC_IN_DATA request to %s:%u got no 100 Continue within %u ms; the body was "
            "sent anyway%s (clients that wait for it, such as the migration service, stall)",
            t->server, t->port, cfg->expect_wait_ms, tunnel_up(t) ? " and the tunnel worked" : "");
        if (d != NULL && tunnel_up(t))
            oa_diag_set_severity(d, OA_STATE_WARNING);
    }
}

void cdiag_tunnels(struct oa_result *r, const struct check_obs *o, const struct check_diag_cfg *cfg,
                   bool below_ok)
{
    if (o->n_tunnels == 0 || o->tunnels == NULL)
        return;
    size_t n = o->n_tunnels;
    struct oa_tunnel_outcome *out = calloc(n, sizeof *out);
    struct oa_direct_outcome direct[CHECK_MAX_PORTS];
    size_t nd = 0;
    unsigned up = 0, bound = 0;
    for (size_t i = 0; i < n; i++) {
        const struct check_tunnel_obs *t = &o->tunnels[i];
        tunnel_steps(r, t);
        specific_diags(r, t, cfg, below_ok);
        if (out != NULL)
            outcome_of(t, cfg, &out[i]);
        up += tunnel_up(t);
        bound += t->end == CHECK_TUN_END_BOUND;
    }
    for (size_t i = 0; i < o->n_direct && nd < CHECK_MAX_PORTS; i++) {
        direct[nd].host = o->direct[i].x.ip[0] ? o->direct[i].x.ip : o->host;
        direct[nd].port = o->direct[i].port;
        direct[nd].kind = direct_kind(&o->direct[i]);
        nd++;
    }
    if (out != NULL)
        oa_tunnel_verdict(r, out, n, nd ? direct : NULL, nd);
    else
        oa_result_add_diag(r, OA_DIAG_INTERNAL_ERROR, OA_STEP_TUNNEL, NULL, 0,
                           "out of memory judging the tunnels");
    free(out);
    char max[3 * sizeof n + 1];   /* a byte is under 3 decimal digits: any size_t fits */
    snprintf(max, sizeof max, "%zu", n);
    oa_result_add_perf(r, "tunnels_ok", up, 0, "", NULL, NULL, "0", max);
    oa_result_add_perf(r, "binds_ok", bound, 0, "", NULL, NULL, "0", max);
}
