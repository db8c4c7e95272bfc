/*
 * check_echo.c: the echo stages and NTLM name discovery (see check_echo.h).
 */
#include "probes/check/check_echo.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "probes/auth/ntlm_challenge.h"
#include "probes/auth/www_auth.h"
#include "probes/check/check_http.h"
#include "probes/check/check_int.h"
#include "probes/check/check_opts.h"
#include "probes/check/check_tls.h"
#include "probes/check/check_xfer.h"
#include "probes/result/text.h"
#include "probes/rpch/rts.h"
#include "probes/rpch/rts_classify.h"

/* Echo bodies are 20 bytes; a portal page is cut off here (enough evidence). */
#define ECHO_BODY_CAP (64u * 1024u)

static size_t echo_write_cb(char *data, size_t size, size_t n, void *ud)
{
    struct check_xfer *x = ud;
    size_t len = size * n;
    if (x == NULL || x->magic != CHECK_XFER_MAGIC)
        return CURL_WRITEFUNC_ERROR;
    if (x->body != NULL && *x->body_len < x->body_cap) {
        size_t take = x->body_cap - *x->body_len;
        if (take > len)
            take = len;
        memcpy(x->body + *x->body_len, data, take);
        *x->body_len += take;
    }
    *x->body_total += len;
    if (*x->body_total > ECHO_BODY_CAP) {
        snprintf(x->obs->detail, sizeof x->obs->detail, "body longer than %u bytes, cut",
                 ECHO_BODY_CAP);
        return CURL_WRITEFUNC_ERROR;
    }
    return len;
}

/* The echo server name: the first --server, else the public host name. */
static const char *echo_server(const struct check *c)
{
    return c->n_servers_given > 0 ? c->servers_given[0] : c->host;
}

static struct check_xfer *echo_new(struct check *c, enum check_xfer_kind kind,
                                   struct check_echo_obs *e)
{
    char url[2 * CHECK_NAME_MAX + 64];
    if (chttp_url(c, echo_server(c), c->ports[0], url, sizeof url) < 0)
        return NULL;
    struct check_xfer *x = check_xfer_new(c, kind, &e->x);
    if (x == NULL)
        return NULL;
    x->body = e->body;
    x->body_cap = sizeof e->body;
    x->body_len = &e->body_len;
    x->body_total = &e->body_total;
    x->ctype = e->content_type;
    x->ctype_cap = sizeof e->content_type;
    bool ok =
        chttp_rpc_request(x, "RPC_IN_DATA", url, chttp_echo_body, sizeof chttp_echo_body) == 0 &&
        curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, echo_write_cb) == CURLE_OK &&
        curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, (void *)x) == CURLE_OK &&
        chttp_capture_init(x, kind == CHECK_XK_ECHO_UNAUTH, kind != CHECK_XK_ECHO_UNAUTH) == 0;
    if (ok && kind == CHECK_XK_ECHO_AUTH)
        ok = chttp_auth(x) == 0;
    if (ok && kind == CHECK_XK_NTLM_INFO)
        ok = chttp_ntlm_negotiate(x) == 0;
    if (!ok) {
        check_xfer_free(x);
        return NULL;
    }
    return x;
}

static int echo_add(struct check *c, enum check_xfer_kind kind, struct check_echo_obs *e,
                    struct check_xfer **slot)
{
    struct check_xfer *x = echo_new(c, kind, e);
    if (x == NULL) {
        e->x.ran = e->x.done = true;
        e->x.fail = CHECK_FAIL_INTERNAL;
        snprintf(e->x.detail, sizeof e->x.detail, "could not set up the %s request",
                 check_xfer_kind_name(kind));
        return -1;
    }
    if (check_xfer_add(x) < 0) {
        check_xfer_free(x);
        return -1;
    }
    *slot = x;
    return 0;
}

int check_echo_start_unauth(struct check *c)
{
    return echo_add(c, CHECK_XK_ECHO_UNAUTH, &c->obs.echo_unauth, &c->echo_unauth);
}

/* The offered schemes of the first 401. raw: the schemes a plain scan of
 * the same headers found (CHTTP_OFFER_*); they count when the parsed record
 * was full, so 16 other schemes before NTLM do not hide it. */
static void record_offer(struct check_echo_obs *e, const struct wwwauth *wa, unsigned raw)
{
    if (wa == NULL)
        return;
    e->n_challenges = (unsigned)wwwauth_count(wa);
    wwwauth_render_schemes(wa, e->schemes, sizeof e->schemes);
    e->offers_ntlm = wwwauth_offers(wa, WWWAUTH_NTLM);
    e->offers_basic = wwwauth_offers(wa, WWWAUTH_BASIC);
    e->offers_negotiate = wwwauth_offers(wa, WWWAUTH_NEGOTIATE);
    if (e->n_challenges >= WWWAUTH_MAX_CHALLENGES) {
        e->offers_cut = true;
        e->offers_ntlm = e->offers_ntlm || (raw & CHTTP_OFFER_NTLM) != 0;
        e->offers_basic = e->offers_basic || (raw & CHTTP_OFFER_BASIC) != 0;
        e->offers_negotiate = e->offers_negotiate || (raw & CHTTP_OFFER_NEGOTIATE) != 0;
    }
    if (wa->rejected > 0) {
        e->auth_header_bad = true;
        wwwauth_render_error(wa, e->auth_header_why, sizeof e->auth_header_why);
    }
}

/* The server's names from an NTLM CHALLENGE_MESSAGE in the last 401. */
static void record_ntlm(struct check *c, const struct wwwauth *wa)
{
    struct check_ntlm_names *nm = &c->obs.ntlm;
    size_t tlen = 0;
    const char *tok = wa != NULL ? wwwauth_find_token(wa, WWWAUTH_NTLM, &tlen) : NULL;
    if (tok == NULL || nm->seen)
        return;
    struct ntlm_challenge *ch = malloc(sizeof *ch);
    if (ch == NULL)
        return;
    const char *why = NULL;
    if (ntlm_challenge_decode_b64(ch, tok, tlen, &why) < 0) {
        snprintf(nm->why, sizeof nm->why, "NTLM challenge does not decode: %s",
                 why != NULL ? why : "invalid");
    } else {
        nm->seen = true;
        oa_text_copy(nm->nb_computer, sizeof nm->nb_computer, ch->nb_computer);
        oa_text_copy(nm->nb_domain, sizeof nm->nb_domain, ch->nb_domain);
        oa_text_copy(nm->dns_computer, sizeof nm->dns_computer, ch->dns_computer);
        oa_text_copy(nm->dns_domain, sizeof nm->dns_domain, ch->dns_domain);
        check_tracef(c, "NTLM target info: NetBIOS %s\\%s, DNS %s", nm->nb_domain, nm->nb_computer,
                     nm->dns_computer);
    }
    free(ch);
}

/* Is the body the 20-byte echo RTS PDU? */
static void judge_echo(struct check_echo_obs *e)
{
    e->echo_ok = false;
    if (e->x.status != 200)
        return;
    if (e->body_total != RTS_HEADER_LEN) {
        snprintf(e->echo_why, sizeof e->echo_why,
                 "body is %llu bytes, the echo PDU is %u (Content-Type '%s')",
                 (unsigned long long)e->body_total, RTS_HEADER_LEN, e->content_type);
        return;
    }
    struct rts_pdu pdu;
    const char *why = NULL;
    if (rts_decode(&pdu, e->body, e->body_len, &why) < 0) {
        snprintf(e->echo_why, sizeof e->echo_why, "body is not an RTS PDU: %s",
                 pdu.detail[0] ? pdu.detail : (why ? why : "invalid"));
        return;
    }
    if (rts_classify(&pdu, &why) != RTS_KIND_ECHO) {
        snprintf(e->echo_why, sizeof e->echo_why, "RTS PDU is not an echo (flags 0x%04x)",
                 pdu.flags);
        return;
    }
    e->echo_ok = true;
}

void check_echo_done(struct check_xfer *x)
{
    struct check *c = x->chk;
    struct check_echo_obs *e = (struct check_echo_obs *)(void *)x->obs;
    /* our own stop on an oversized body is not the target failing */
    if (x->obs->rc == CURLE_WRITE_ERROR && x->obs->status > 0 && !x->obs->headers_too_big &&
        x->obs->fail != CHECK_FAIL_PROTOCOL)
        x->obs->fail = CHECK_FAIL_NONE;
    switch (x->kind) {
    case CHECK_XK_ECHO_UNAUTH:
        record_offer(e, x->cap.offer, x->cap.offer_raw);
        judge_echo(e);
        break;
    case CHECK_XK_ECHO_AUTH:
        record_offer(e, x->cap.last401, 0);
        record_ntlm(c, x->cap.last401);
        judge_echo(e);
        break;
    case CHECK_XK_NTLM_INFO:
        record_ntlm(c, x->cap.last401);
        break;
    default:
        break;
    }
}

bool check_echo_decide_auth(struct check *c)
{
    const struct check_echo_obs *e = &c->obs.echo_unauth;
    if (c->obs.connect.x.fail != CHECK_FAIL_NONE || e->x.fail != CHECK_FAIL_NONE)
        return false;
    if (e->x.status == 401) {
        if (e->n_challenges == 0 || !check_obs_offers(e, c->auth))
            return false;
    } else if (e->x.status != 200 || !e->echo_ok) {
        return false;
    }
    if (c->user == NULL && c->auth != CHECK_AUTH_NEGOTIATE) {
        c->obs.auth_skipped = true;
        snprintf(c->obs.auth_skip_why, sizeof c->obs.auth_skip_why,
                 "no --user given: authenticated steps not run");
        return false;
    }
    if (c->obs.creds_failed)
        return false;
    if (c->auth == CHECK_AUTH_BASIC && c->http && !c->insecure) {
        c->obs.auth_skipped = true;
        snprintf(c->obs.auth_skip_why, sizeof c->obs.auth_skip_why,
                 "not sending a Basic password in clear text over plain HTTP "
                 "(--insecure overrides)");
        return false;
    }
    if (c->auth == CHECK_AUTH_BASIC && !check_tls_trustworthy(c)) {
        c->obs.auth_skipped = true;
        snprintf(c->obs.auth_skip_why, sizeof c->obs.auth_skip_why,
                 "not sending a Basic password over TLS whose certificate failed "
                 "verification (--insecure overrides)");
        return false;
    }
    return true;
}

int check_echo_start_auth(struct check *c)
{
    int rc = echo_add(c, CHECK_XK_ECHO_AUTH, &c->obs.echo_auth, &c->echo_auth);
    if (rc == 0 && c->n_servers_given == 0 && c->auth != CHECK_AUTH_NTLM &&
        check_depth_runs(c->depth, CHECK_DEPTH_TUNNEL) &&
        c->obs.echo_unauth.offers_ntlm) {
        /* the NEGOTIATE_MESSAGE carries no secret; its 401 names the server */
        if (echo_add(c, CHECK_XK_NTLM_INFO, &c->ntlm_info_obs, &c->ntlm_info) < 0)
            check_tracef(c, "NTLM name discovery could not start");
    }
    return rc;
}

static void add_server(struct check *c, const char *name, enum check_server_origin origin)
{
    if (name == NULL || name[0] == '\0' || c->obs.n_servers >= CHECK_MAX_SERVERS)
        return;
    for (size_t i = 0; i < c->obs.n_servers; i++)
        if (strcasecmp(c->obs.servers[i], name) == 0)
            return;
    snprintf(c->obs.servers[c->obs.n_servers], CHECK_NAME_MAX, "%s", name);
    c->obs.server_origin[c->obs.n_servers] = origin;
    c->obs.n_servers++;
}

bool check_echo_decide_tunnels(struct check *c)
{
    const struct check_echo_obs *e = &c->obs.echo_auth;
    if (e->x.fail != CHECK_FAIL_NONE || e->x.status != 200)
        return false;
    if (c->n_servers_given > 0) {
        for (size_t i = 0; i < c->n_servers_given; i++)
            add_server(c, c->servers_given[i], CHECK_SERVER_GIVEN);
    } else {
        const struct check_ntlm_names *nm = &c->obs.ntlm;
        add_server(c, nm->nb_computer, CHECK_SERVER_NTLM_NETBIOS);
        add_server(c, nm->dns_computer, CHECK_SERVER_NTLM_DNS);
    }
    if (c->obs.n_servers == 0) {
        c->obs.no_servers = true;
        c->obs.no_servers_fault = c->obs.ntlm.why[0] != '\0';
        snprintf(c->obs.no_servers_why, sizeof c->obs.no_servers_why, "%s",
                 c->obs.ntlm.why[0]
                     ? c->obs.ntlm.why
                     : "no --server given and the server offered no NTLM challenge naming it");
        return false;
    }
    for (size_t i = 0; i < c->obs.n_servers; i++)
        if (!check_name_ok(c->obs.servers[i], true)) {
            c->obs.no_servers = true;
            c->obs.no_servers_fault = true;
            snprintf(c->obs.no_servers_why, sizeof c->obs.no_servers_why,
                     "the NTLM CHALLENGE names the RPC server '%.160s', which is not a host "
                     "name",
                     c->obs.servers[i]);
            return false;
        }
    return true;
}
