/*
 * check.c: the engine object's life and the pipeline: the state machine and
 * the dispatch of finished transfers to their stage (see check.h,
 * check_int.h). The only file that calls the stages (check_connect.c,
 * check_echo.c, check_tunnel.c); the stages use the transfer layer
 * (check_xfer.c, check_http.c) and never call back in here.
 *
 * Pipeline (docs/internals/check-engine.md):
 *
 *   CONNECT   connect step || unauthenticated echo || direct ports
 *      |        (both of the first two must end before deciding)
 *   AUTH_ECHO authenticated echo || NTLM name discovery
 *      |
 *   TUNNELS   one IN+OUT tunnel and bind per server x port, all at once
 *      |
 *   DRAIN     the pipeline is decided, direct-port checks still run
 *   DONE      diagnoses computed
 *
 * Only check_set_state() changes c->state; it traces every transition.
 */
#include "probes/check/check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "probes/check/check_bg.h"
#include "probes/check/check_connect.h"
#include "probes/check/check_echo.h"
#include "probes/check/check_gss.h"
#include "probes/check/check_int.h"
#include "probes/check/check_opts.h"
#include "probes/check/check_tls.h"
#include "probes/check/check_tlscache.h"
#include "probes/check/check_tunnel.h"
#include "probes/check/check_xfer.h"
#include "probes/result/result.h"
#include "probes/verdict/check_diag.h"

#define CHECK_GRACE_MS 500

static const char *const state_names[] = {
#define CHECK_STATE_NAME(id, name) name,
    CHECK_STATES(CHECK_STATE_NAME)
#undef CHECK_STATE_NAME
};

const char *check_state_name(enum check_state s)
{
    return (unsigned)s < CHECK_ST_COUNT ? state_names[s] : "unknown";
}

void check_set_state(struct check *c, enum check_state to)
{
    if (c->state == to)
        return;
    check_tracef(c, "check %s: %s -> %s", c->host, check_state_name(c->state),
                 check_state_name(to));
    c->state = to;
}

/* ---------------------------------------------------------------------- */
/* Pipeline                                                                 */

static void finish(struct check *c)
{
    c->obs.elapsed_ms = check_now_ms() - c->t0_ms;
    struct check_diag_cfg cfg = {
        .auth = c->auth,
        .depth = c->depth,
        .user = c->user,
        .insecure = c->insecure,
        .tls = check_tls_verdict(c),
        .tls_why = c->tls_verdict_why,
        .started_at_ms = c->started_wall_ms,
        .expect_wait_ms = check_expect_wait_ms(c),
    };
    struct oa_result *built = check_diag(&c->obs, &cfg);
    /* keep the compact form (a few KiB instead of the builder's 129 KiB);
     * the built one if there is no memory for the copy */
    c->result = oa_result_dup(built);
    if (c->result != NULL)
        check_diag_free(built);
    else
        c->result = built;
    if (c->result == NULL)
        check_tracef(c, "out of memory building the result");
    check_set_state(c, CHECK_ST_DONE);
    /* no transfer is left (running == 0): the check is detached from its
     * multi, and needs its Kerberos identity no more */
    c->multi = NULL;
    check_gss_free(c);
}

/* The pipeline has decided; wait for side transfers (direct ports). */
static void end_pipeline(struct check *c)
{
    if (c->state == CHECK_ST_DONE)
        return;
    check_set_state(c, CHECK_ST_DRAIN);
    if (c->running == 0)
        finish(c);
}

static void advance(struct check *c)
{
    switch (c->state) {
    case CHECK_ST_CONNECT:
        if (c->connect != NULL || c->echo_unauth != NULL || check_gss_pending(c) ||
            check_trust_pending(c))
            return; /* (Kerberos tickets and trust stores come from background threads) */
        if (!check_depth_runs(c->depth, CHECK_DEPTH_AUTH) || !check_echo_decide_auth(c)) {
            end_pipeline(c);
            return;
        }
        check_set_state(c, CHECK_ST_AUTH_ECHO);
        if (check_echo_start_auth(c) < 0)
            end_pipeline(c);
        return;
    case CHECK_ST_AUTH_ECHO:
        if (c->echo_auth != NULL || c->ntlm_info != NULL)
            return;
        if (!check_depth_runs(c->depth, CHECK_DEPTH_TUNNEL) || !check_echo_decide_tunnels(c)) {
            end_pipeline(c);
            return;
        }
        check_set_state(c, CHECK_ST_TUNNELS);
        if (check_tunnels_start(c) < 0 || check_tunnels_done(c))
            end_pipeline(c);
        return;
    case CHECK_ST_TUNNELS:
        if (check_tunnels_done(c))
            end_pipeline(c);
        return;
    case CHECK_ST_DRAIN:
        if (c->running == 0)
            finish(c);
        return;
    default:
        return;
    }
}

int check_dispatch(const CURLMsg *msg, struct check **finished)
{
    if (finished != NULL)
        *finished = NULL;
    if (msg == NULL)
        return CHECK_DISPATCH_FOREIGN;
    struct check_xfer *x = check_xfer_of(msg->easy_handle);
    if (x == NULL)
        return CHECK_DISPATCH_FOREIGN;
    if (msg->msg != CURLMSG_DONE)
        return CHECK_DISPATCH_OK;
    struct check *c = x->chk;
    check_xfer_ended(x, msg->data.result);
    switch (x->kind) {
    case CHECK_XK_CONNECT:
        check_connect_done(x);
        c->connect = NULL;
        break;
    case CHECK_XK_DIRECT:
        check_direct_done(x);
        c->direct[x->index] = NULL;
        break;
    case CHECK_XK_ECHO_UNAUTH:
        check_echo_done(x);
        c->echo_unauth = NULL;
        break;
    case CHECK_XK_ECHO_AUTH:
        check_echo_done(x);
        c->echo_auth = NULL;
        break;
    case CHECK_XK_NTLM_INFO:
        check_echo_done(x);
        c->ntlm_info = NULL;
        break;
    case CHECK_XK_TUN_IN:
    case CHECK_XK_TUN_OUT:
        check_tunnel_xfer_done(x); /* frees x and maybe its sibling */
        x = NULL;
        break;
    }
    check_xfer_free(x);
    advance(c);
    if (c->state == CHECK_ST_DONE && finished != NULL)
        *finished = c;
    return CHECK_DISPATCH_OK;
}

/* Stop everything still running, recording why. */
static void stop_all(struct check *c, enum check_fail why, const char *detail)
{
    check_tunnels_stop(c, why, detail);
    struct check_xfer **slots[] = {&c->connect, &c->echo_unauth, &c->echo_auth, &c->ntlm_info};
    for (size_t i = 0; i < sizeof slots / sizeof slots[0]; i++) {
        check_xfer_stop(*slots[i], why, detail);
        *slots[i] = NULL;
    }
    for (size_t i = 0; i < CHECK_MAX_PORTS; i++) {
        check_xfer_stop(c->direct[i], why, detail);
        c->direct[i] = NULL;
    }
}

/* Stop a started, unfinished check as a timeout of its deadline. */
static void expire(struct check *c)
{
    char why[96];
    snprintf(why, sizeof why, "stopped at the %u ms deadline", c->timeout_ms);
    c->obs.deadline_hit = true;
    check_gss_expire(c); /* still waiting for the KDC: a timeout of its own */
    if (check_trust_pending(c)) {
        char tw[CHECK_DETAIL_MAX];
        snprintf(tw, sizeof tw, "the trust store %s did not load within the %u ms deadline",
                 c->cacert != NULL ? c->cacert : "(system)", c->timeout_ms);
        check_trust_unwait(c, tw);
    }
    stop_all(c, CHECK_FAIL_TIMEOUT, why);
    end_pipeline(c);
}

bool check_expire(struct check *c)
{
    if (c == NULL || c->magic != CHECK_MAGIC)
        return true;
    if (c->state == CHECK_ST_DONE || c->state == CHECK_ST_INIT)
        return c->state == CHECK_ST_DONE;
    if (check_now_ms() < c->deadline_ms + CHECK_GRACE_MS)
        return false;
    expire(c);
    return true;
}

bool check_expire_now(struct check *c)
{
    if (c == NULL || c->magic != CHECK_MAGIC)
        return true;
    if (c->state == CHECK_ST_DONE || c->state == CHECK_ST_INIT)
        return c->state == CHECK_ST_DONE;
    expire(c);
    return true;
}

void check_cancel(struct check *c)
{
    if (c == NULL || c->magic != CHECK_MAGIC || c->state == CHECK_ST_DONE ||
        c->state == CHECK_ST_INIT)
        return;
    c->obs.cancelled = true;
    snprintf(c->obs.cancelled_in, sizeof c->obs.cancelled_in, "%s", check_state_name(c->state));
    check_gss_free(c); /* no longer waits for a Kerberos acquisition */
    check_trust_unwait(c, NULL);
    stop_all(c, CHECK_FAIL_ABORTED, "cancelled");
    end_pipeline(c);
}

int check_start(struct check *c, CURLM *multi)
{
    if (c == NULL || c->magic != CHECK_MAGIC || multi == NULL || c->state != CHECK_ST_INIT)
        return -1;
    c->multi = multi;
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    c->started_wall_ms = (int64_t)wall.tv_sec * 1000 + wall.tv_nsec / 1000000;
    c->t0_ms = check_now_ms();
    c->deadline_ms = c->t0_ms + c->timeout_ms;
    check_set_state(c, CHECK_ST_CONNECT);
    int rc = 0;
    (void)check_trust_request(c); /* the store for the verdict, loaded in the background */
    if (c->auth == CHECK_AUTH_NEGOTIATE && check_depth_runs(c->depth, CHECK_DEPTH_AUTH) &&
        check_gss_request(c) < 0)
        rc = -1; /* recorded in obs; the unauthenticated stages still run */
    if (check_connect_start(c) < 0)
        rc = -1;
    if (check_depth_runs(c->depth, CHECK_DEPTH_ECHO) && check_echo_start_unauth(c) < 0)
        rc = -1;
    if (c->direct_ports)
        (void)check_direct_start(c);
    advance(c);
    if (c->running == 0 && c->state != CHECK_ST_DONE)
        end_pipeline(c);
    return rc;
}

const char *check_stage(const struct check *c)
{
    if (c == NULL || c->magic != CHECK_MAGIC)
        return "invalid";
    return check_state_name(c->state);
}

/* ---------------------------------------------------------------------- */
/* Background work (Kerberos acquisitions)                                  */

struct poll_ctx {
    void (*finished)(void *arg, struct check *c);
    void *arg;
};

static void resume(struct check *c, void *arg)
{
    const struct poll_ctx *p = arg;
    if (c->magic != CHECK_MAGIC || c->state == CHECK_ST_DONE)
        return;
    advance(c);
    if (c->state == CHECK_ST_CONNECT && c->running == 0 && c->connect == NULL &&
        c->echo_unauth == NULL && !check_gss_pending(c))
        end_pipeline(c);
    if (c->state == CHECK_ST_DONE && p->finished != NULL)
        p->finished(p->arg, c);
}

int check_engine_fd(void)
{
    return check_bg_fd();
}

void check_engine_poll(void (*finished)(void *arg, struct check *c), void *arg)
{
    struct poll_ctx p = {finished, arg};
    check_bg_drain();
    check_trust_poll(resume, &p);
    check_gss_poll(resume, &p);
}

void check_engine_stats(struct check_engine_stats *out)
{
    memset(out, 0, sizeof *out);
    unsigned long acq[3];
    check_gss_stats(&out->krb_workers, &out->krb_workers_peak, &out->krb_queued,
                    &out->krb_tgts, acq);
    out->krb_workers_max = CHECK_GSS_WORKERS;
    out->krb_acq_ok = acq[0];
    out->krb_acq_rejected = acq[1];
    out->krb_acq_error = acq[2];
    out->trust_loads = check_trust_loads();
}

void check_engine_cleanup(void)
{
    check_gss_cleanup();
    check_trust_cleanup();
}

bool check_done(const struct check *c)
{
    return c != NULL && c->magic == CHECK_MAGIC && c->state == CHECK_ST_DONE;
}

int64_t check_deadline_ms(const struct check *c)
{
    return c != NULL && c->magic == CHECK_MAGIC ? c->deadline_ms : 0;
}

const struct oa_result *check_result(const struct check *c)
{
    return check_done(c) ? c->result : NULL;
}

struct oa_result *check_take_result(struct check *c)
{
    if (!check_done(c))
        return NULL;
    struct oa_result *r = c->result;
    c->result = NULL;
    return r;
}

const struct check_obs *check_observations(const struct check *c)
{
    return c != NULL && c->magic == CHECK_MAGIC ? &c->obs : NULL;
}

struct check *check_new(const struct check_opts *opts, char *err, size_t len)
{
    struct check *c = calloc(1, sizeof *c);
    if (c == NULL) {
        if (err != NULL && len > 0)
            snprintf(err, len, "out of memory");
        return NULL;
    }
    c->magic = CHECK_MAGIC;
    c->state = CHECK_ST_INIT;
    if (check_opts_copy(c, opts, err, len) < 0) {
        check_free(c);
        return NULL;
    }
    /* its transfers resume the TLS session of its first handshakes, or of
     * the target's previous checks (opts->tls_cache) */
    check_tlscache_attach(c, opts->tls_cache);
    return c;
}

void check_free(struct check *c)
{
    if (c == NULL || c->magic != CHECK_MAGIC)
        return;
    check_trust_unwait(c, NULL);
    if (c->multi != NULL) /* started and not done: still has transfers */
        stop_all(c, CHECK_FAIL_ABORTED, "freed");
    check_tunnels_free(c);
    check_connect_free(c);
    check_tlscache_detach(c); /* every easy handle using it is cleaned up */
    check_gss_free(c);
    check_diag_free(c->result);
    check_opts_free(c);
    c->magic = CHECK_DEAD_MAGIC;
    free(c);
}
