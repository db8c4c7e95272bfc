/*
 * tunnel.c: per (server, port) tunnel outcomes -> diagnoses (see tunnel.h).
 */
#include "probes/result/tunnel.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define NAMES_MAX 512
#define EVIDENCE_MAX 160

/* One merged (server, port) cell. */
struct cell {
    const struct oa_tunnel_outcome *o;
    int prio; /* 3 ok, 2 refused with 6ba, 1 other */
};

static int outcome_prio(const struct oa_tunnel_outcome *o)
{
    if (o->kind == OA_TUNNEL_OK || o->kind == OA_TUNNEL_BIND_REJECTED)
        return 3;
    if (o->kind == OA_TUNNEL_RPC_ERROR &&
        o->rpc_error == OA_RPC_S_SERVER_UNAVAILABLE)
        return 2;
    return 1;
}

static int outcome_usable(const struct oa_tunnel_outcome *o)
{
    return o->server != NULL && o->server[0] != '\0' && o->port != 0 &&
           o->kind != OA_TUNNEL_NOT_RUN && o->kind != OA_TUNNEL_CONN_FAILED &&
           (int)o->kind >= 0 && (int)o->kind <= OA_TUNNEL_INTERNAL;
}

/* The status line, or one rebuilt from the fields. */
static void evidence(const struct oa_tunnel_outcome *o, char *buf, size_t cap)
{
    if (o->status_line != NULL && o->status_line[0] != '\0') {
        oa_text_format(buf, cap, "\"%s\"", o->status_line);
    } else if (o->kind == OA_TUNNEL_RPC_ERROR) {
        oa_text_format(buf, cap, "503 RPC Error: %" PRIx32, o->rpc_error);
    } else if (o->http_status > 0) {
        oa_text_format(buf, cap, "HTTP status %d", o->http_status);
    } else {
        oa_text_copy(buf, cap, "no status line");
    }
}

/* "a, b, c" of the names in cells[] on port with priority prio. */
static size_t join_names(const struct cell *c, size_t n, uint16_t port,
                         int prio, char *buf, size_t cap)
{
    size_t count = 0, used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (c[i].o->port != port || c[i].prio != prio)
            continue;
        int k = oa_text_format(buf + used, cap - used, "%s%s",
                               count ? ", " : "", c[i].o->server);
        count++;
        if (k < 0)
            break;
        used += (size_t)k;
        if (used + 1 >= cap)
            break;
    }
    return count;
}

static const struct oa_tunnel_outcome *first_with(const struct cell *c,
                                                  size_t n, uint16_t port,
                                                  int prio)
{
    for (size_t i = 0; i < n; i++)
        if (c[i].o->port == port && c[i].prio == prio)
            return c[i].o;
    return NULL;
}

static const struct oa_direct_outcome *
best_direct(const struct oa_direct_outcome *d, size_t nd, uint16_t port)
{
    /* Most telling first: a banner, then another listener, refused, timeout. */
    static const int rank[] = {
        [OA_DIRECT_NOT_RUN] = 0, [OA_DIRECT_NCACN_HTTP] = 4,
        [OA_DIRECT_OPEN_OTHER] = 3, [OA_DIRECT_REFUSED] = 2,
        [OA_DIRECT_TIMEOUT] = 1,
    };
    const struct oa_direct_outcome *best = NULL;
    for (size_t i = 0; i < nd && i < OA_TUNNEL_MAX_DIRECT; i++) {
        if (d[i].port != port || (int)d[i].kind <= OA_DIRECT_NOT_RUN ||
            (int)d[i].kind > OA_DIRECT_TIMEOUT)
            continue;
        if (best == NULL || rank[d[i].kind] > rank[best->kind])
            best = &d[i];
    }
    return best;
}

static void set_validports_remedy(struct oa_diag *dg, const char *name,
                                  uint16_t port)
{
    if (dg == NULL)
        return;
    oa_diag_set_remedy(dg,
                       "add %s:%u to ValidPorts (HKLM\\SOFTWARE\\Microsoft\\Rpc\\"
                       "RpcProxy; the Exchange form is %s:6001-6002;%s:6004); "
                       "on Exchange 2003 restart the System Attendant, which "
                       "also restarts the Information Store",
                       name, (unsigned)port, name, name);
}

static int add_missing_entries(struct oa_result *r, const struct cell *c,
                               size_t n, uint16_t port)
{
    const struct oa_tunnel_outcome *good = first_with(c, n, port, 3);
    int added = 0;
    for (size_t i = 0; i < n; i++) {
        if (c[i].o->port != port || c[i].prio != 2)
            continue;
        char ev[EVIDENCE_MAX];
        evidence(c[i].o, ev, sizeof ev);
        size_t before = r->ndiags;
        struct oa_diag *dg = oa_result_add_diag(
            r, OA_DIAG_VALIDPORTS_MISSING_ENTRY, OA_STEP_TUNNEL,
            c[i].o->server, port,
            "the RPC proxy refuses %s:%u (%s) while %s:%u works: ValidPorts "
            "has no entry for the name %s",
            c[i].o->server, (unsigned)port, ev, good->server, (unsigned)port,
            c[i].o->server);
        if (r->ndiags > before) {
            set_validports_remedy(dg, c[i].o->server, port);
            added++;
        }
    }
    return added;
}

static int add_unreachable(struct oa_result *r, const struct cell *c, size_t n,
                           uint16_t port, const struct oa_direct_outcome *dir)
{
    char names[NAMES_MAX], ev[EVIDENCE_MAX];
    size_t count = join_names(c, n, port, 2, names, sizeof names);
    const struct oa_tunnel_outcome *first = first_with(c, n, port, 2);
    evidence(first, ev, sizeof ev);
    int added = 0;

    if (dir != NULL && dir->kind == OA_DIRECT_NCACN_HTTP) {
        /* The endpoint listens: the refusal is the ACL, for every name. */
        for (size_t i = 0; i < n; i++) {
            if (c[i].o->port != port || c[i].prio != 2)
                continue;
            size_t before = r->ndiags;
            struct oa_diag *dg = oa_result_add_diag(
                r, OA_DIAG_VALIDPORTS_MISSING_ENTRY, OA_STEP_TUNNEL,
                c[i].o->server, port,
                "the RPC proxy refuses port %u under every name tried (%s; %s), "
                "but %s:%u answers ncacn_http/1.0 directly: the endpoint "
                "listens, so ValidPorts has no entry for %s:%u",
                (unsigned)port, names, ev, dir->host ? dir->host : "?",
                (unsigned)dir->port, c[i].o->server, (unsigned)port);
            if (r->ndiags > before) {
                set_validports_remedy(dg, c[i].o->server, port);
                added++;
            }
        }
        return added;
    }

    char why[OA_MESSAGE_MAX];
    const char *host = dir != NULL && dir->host != NULL ? dir->host : "?";
    const char *remedy = NULL;
    if (dir != NULL && dir->kind == OA_DIRECT_OPEN_OTHER) {
        oa_text_format(why, sizeof why,
                       "a direct TCP connection to %s:%u connects but does "
                       "not answer ncacn_http/1.0, so what listens there is "
                       "not an RPC-over-HTTP endpoint (the proxy refuses "
                       "plain RPC ports)",
                       host, (unsigned)dir->port);
        remedy = "register the Exchange endpoint for ncacn_http on this port "
                 "(6001 store, 6002 RFR, 6004 NSPI) or stop the service that "
                 "took it";
    } else if (dir != NULL && dir->kind == OA_DIRECT_REFUSED) {
        oa_text_format(why, sizeof why,
                       "a direct TCP connection to %s:%u is refused too: "
                       "nothing listens there (service stopped) or a firewall "
                       "rejects it",
                       host, (unsigned)dir->port);
        remedy = "start the Exchange service that owns the port (6001 "
                 "Information Store, 6002/6004 System Attendant DSProxy) and "
                 "open the firewall between proxy and mailbox server";
    } else if (dir != NULL && dir->kind == OA_DIRECT_TIMEOUT) {
        oa_text_format(why, sizeof why,
                       "a direct TCP check of %s:%u timed out (filtered from "
                       "here), which does not tell ACL deny from a dead "
                       "backend; test from the proxy itself (telnet %u, "
                       "expect ncacn_http/1.0)",
                       host, (unsigned)dir->port, (unsigned)port);
    } else {
        oa_text_format(why, sizeof why,
                       "ACL deny (no ValidPorts entry) and a dead or "
                       "firewalled backend give the same 6ba and cannot be "
                       "told apart from outside: %scheck port %u directly "
                       "(the direct TCP check, or telnet from the proxy "
                       "expecting ncacn_http/1.0)",
                       count < 2 ? "try the same port under the server's "
                                   "other name (NetBIOS vs FQDN), or "
                                 : "",
                       (unsigned)port);
    }
    size_t before = r->ndiags;
    struct oa_diag *dg = oa_result_add_diag(
        r, OA_DIAG_BACKEND_UNREACHABLE, OA_STEP_TUNNEL, "", port,
        "the RPC proxy refuses port %u under every name tried (%s; %s); %s",
        (unsigned)port, names, ev, why);
    if (r->ndiags > before) {
        if (remedy != NULL)
            oa_diag_set_remedy(dg, "%s", remedy);
        added++;
    }
    return added;
}

/* Diagnosis for an outcome that is neither success nor a 6ba refusal. */
static int add_other(struct oa_result *r, const struct oa_tunnel_outcome *o)
{
    char ev[EVIDENCE_MAX];
    evidence(o, ev, sizeof ev);
    const char *s = o->server;
    unsigned p = o->port;
    const char *scheme = o->auth_scheme;
    int ntlm = scheme == NULL || oa_text_casecmp(scheme, "NTLM") == 0 ||
               oa_text_casecmp(scheme, "Negotiate") == 0;
    size_t before = r->ndiags;

    switch (o->kind) {
    case OA_TUNNEL_RPC_ERROR: {
        const char *n = o->rpc_error_name;
        if (n != NULL && n[0] == '\0')
            n = NULL;
        oa_result_add_diag(r, OA_DIAG_TUNNEL_RPC_ERROR, OA_STEP_TUNNEL, s, o->port,
                           "the RPC proxy answers %s for %s:%u (RPC error "
                           "0x%" PRIx32 "%s%s)",
                           ev, s, p, o->rpc_error, n ? " " : "", n ? n : "");
        break;
    }
    case OA_TUNNEL_AUTH_REJECTED:
    case OA_TUNNEL_HTTP_STATUS:
        if (o->kind == OA_TUNNEL_AUTH_REJECTED || o->http_status == 401) {
            oa_result_add_diag(
                r, OA_DIAG_AUTH_REJECTED, OA_STEP_TUNNEL, s, o->port,
                "the tunnel to %s:%u gets %s: the credentials are refused on "
                "the RPC channel%s",
                s, p, ev,
                ntlm && scheme != NULL
                    ? " (with NTLM a balancer moving the channel to another "
                      "server looks the same)"
                    : "");
        } else if (o->http_status == 404) {
            oa_result_add_diag(r, OA_DIAG_RPC_SERVER_REFUSED, OA_STEP_TUNNEL, s,
                               o->port,
                               "the proxy answers %s for %s:%u although the "
                               "echo worked: it does not route to this RPC "
                               "server name",
                               ev, s, p);
        } else if (o->expect_sent &&
                   (o->http_status == 417 || o->http_status == 501)) {
            oa_result_add_diag(r, OA_DIAG_EXPECT_CONTINUE_STALL, OA_STEP_TUNNEL,
                               s, o->port,
                               "the tunnel request to %s:%u with Expect: "
                               "100-continue got %s",
                               s, p, ev);
        } else {
            oa_result_add_diag(r, OA_DIAG_HTTP_STATUS_UNEXPECTED, OA_STEP_TUNNEL,
                               s, o->port,
                               "the tunnel to %s:%u got %s, a status the RPC "
                               "proxy does not send here",
                               s, p, ev);
        }
        break;
    case OA_TUNNEL_TIMEOUT: {
        int64_t us = o->elapsed_us > 0 ? o->elapsed_us : 0;
        oa_result_add_diag(r, OA_DIAG_TIMEOUT, OA_STEP_TUNNEL, s, o->port,
                           "the tunnel to %s:%u did not complete within "
                           "%" PRId64 ".%03" PRId64 " s",
                           s, p, us / 1000000, us / 1000 % 1000);
        break;
    }
    case OA_TUNNEL_CONN_LOST:
        if (ntlm)
            oa_result_add_diag(r, OA_DIAG_NTLM_CONNECTION_LOST, OA_STEP_TUNNEL,
                               s, o->port,
                               "the connection of the tunnel to %s:%u was "
                               "closed during the %s exchange",
                               s, p, scheme ? scheme : "NTLM");
        else
            oa_result_add_diag(r, OA_DIAG_PROTOCOL_ERROR, OA_STEP_TUNNEL, s,
                               o->port,
                               "the far end closed the tunnel to %s:%u in the "
                               "middle of the %s exchange",
                               s, p, scheme);
        break;
    case OA_TUNNEL_PROTOCOL_ERROR:
        oa_result_add_diag(r, OA_DIAG_PROTOCOL_ERROR, OA_STEP_TUNNEL, s, o->port,
                           "malformed reply on the tunnel to %s:%u: %s", s, p,
                           o->detail ? o->detail : ev);
        break;
    case OA_TUNNEL_INTERNAL:
        oa_result_add_diag(r, OA_DIAG_INTERNAL_ERROR, OA_STEP_TUNNEL, s, o->port,
                           "the probe could not run the tunnel to %s:%u: %s", s,
                           p, o->detail ? o->detail : "internal error");
        break;
    case OA_TUNNEL_EXPECT_STALL:
        oa_result_add_diag(r, OA_DIAG_EXPECT_CONTINUE_STALL, OA_STEP_TUNNEL, s,
                           o->port,
                           "no 100 Continue for the tunnel request to %s:%u "
                           "sent with Expect: 100-continue",
                           s, p);
        break;
    case OA_TUNNEL_NOT_RUN:
    case OA_TUNNEL_OK:
    case OA_TUNNEL_BIND_REJECTED:
    case OA_TUNNEL_CONN_FAILED:
    default:
        break;
    }
    return r->ndiags > before;
}

int oa_tunnel_verdict(struct oa_result *r, const struct oa_tunnel_outcome *t,
                      size_t nt, const struct oa_direct_outcome *d, size_t nd)
{
    if (r == NULL || (t == NULL && nt > 0) || (d == NULL && nd > 0))
        return -1;
    if (nt > OA_TUNNEL_MAX_OUTCOMES)
        nt = OA_TUNNEL_MAX_OUTCOMES;
    if (nd > OA_TUNNEL_MAX_DIRECT)
        nd = OA_TUNNEL_MAX_DIRECT;

    struct cell cells[OA_TUNNEL_MAX_OUTCOMES];
    size_t nc = 0;
    for (size_t i = 0; i < nt; i++) {
        const struct oa_tunnel_outcome *o = &t[i];
        if (!outcome_usable(o))
            continue;
        int prio = outcome_prio(o);
        size_t j;
        for (j = 0; j < nc; j++)
            if (cells[j].o->port == o->port &&
                oa_text_casecmp(cells[j].o->server, o->server) == 0)
                break;
        if (j == nc) {
            cells[nc].o = o;
            cells[nc].prio = prio;
            nc++;
        } else if (prio > cells[j].prio) {
            cells[j].o = o;
            cells[j].prio = prio;
        }
    }

    int added = 0;
    for (size_t i = 0; i < nc; i++) {
        uint16_t port = cells[i].o->port;
        size_t k;
        for (k = 0; k < i; k++)
            if (cells[k].o->port == port)
                break;
        if (k < i)
            continue; /* port already handled */
        if (first_with(cells, nc, port, 2) != NULL) {
            if (first_with(cells, nc, port, 3) != NULL)
                added += add_missing_entries(r, cells, nc, port);
            else
                added += add_unreachable(r, cells, nc, port,
                                         best_direct(d, nd, port));
        }
        for (size_t j = 0; j < nc; j++)
            if (cells[j].o->port == port && cells[j].prio == 1)
                added += add_other(r, cells[j].o);
    }
    /* Bind rejections are not merged away by a success on the same cell. */
    for (size_t i = 0; i < nt; i++) {
        const struct oa_tunnel_outcome *o = &t[i];
        if (!outcome_usable(o) || o->kind != OA_TUNNEL_BIND_REJECTED)
            continue;
        size_t before = r->ndiags;
        oa_result_add_diag(r, OA_DIAG_ENDPOINT_BIND_REJECTED, OA_STEP_BIND,
                           o->server, o->port,
                           "the tunnel to %s:%u is up but the endpoint rejects "
                           "the bind: %s",
                           o->server, (unsigned)o->port,
                           o->detail ? o->detail : "bind rejected");
        added += r->ndiags > before;
    }
    return added;
}
