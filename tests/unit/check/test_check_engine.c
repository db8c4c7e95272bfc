/*
 * test_check_engine.c: the engine object without network: option
 * validation in check_new, the public API on NULL and on a check that never
 * started, foreign CURLMsg, state names and the traced state setter, name
 * and --resolve syntax, Kerberos principal names, the shared trust store,
 * the background-work and cancel API.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "probes/check/check.h"
#include "probes/check/check_gss.h"
#include "probes/check/check_int.h"
#include "probes/check/check_opts.h"
#include "probes/check/check_tls.h"
#include "probes/check/check_xfer.h"

static struct check_opts good_opts(void)
{
    struct check_opts o;
    memset(&o, 0, sizeof o);
    o.host = "mail.contoso.lab";
    o.user = "CONTOSO\\oaprobe";
    o.password = "Probe-Lab-2003!";
    return o;
}

static void test_new_validation(void **state)
{
    (void)state;
    char err[256];
    struct check_opts o = good_opts();
    struct check *c = check_new(&o, err, sizeof err);
    assert_non_null(c);
    const struct check_obs *obs = check_observations(c);
    assert_string_equal(obs->host, "mail.contoso.lab");
    assert_int_equal(obs->port, 443);
    assert_true(obs->tls);
    assert_int_equal(obs->timeout_ms, CHECK_DEFAULT_TIMEOUT_MS);
    assert_int_equal(c->n_ports, 3);
    assert_int_equal(c->ports[2], 6004);
    /* the password is a private copy */
    assert_ptr_not_equal(c->password, o.password);
    assert_string_equal(c->password, o.password);
    check_free(c);

    static const struct {
        const char *host, *server, *resolve, *user, *password;
        uint16_t port;
        enum check_auth auth;
        const char *needle;
    } bad[] = {
        {NULL, NULL, NULL, NULL, NULL, 6001, CHECK_AUTH_NTLM, "bad host"},
        {"bad host", NULL, NULL, NULL, NULL, 6001, CHECK_AUTH_NTLM, "bad host"},
        {"h", "x y", NULL, NULL, NULL, 6001, CHECK_AUTH_NTLM, "bad server name"},
        {"h", NULL, NULL, NULL, NULL, 0, CHECK_AUTH_NTLM, "port 0"},
        {"h", NULL, "h:443", NULL, NULL, 6001, CHECK_AUTH_NTLM, "bad --resolve"},
        {"h", NULL, NULL, "u", NULL, 6001, CHECK_AUTH_NTLM, "a password is needed"},
        {"h", NULL, NULL, "u", NULL, 6001, CHECK_AUTH_BASIC, "a password is needed"},
        {"h", NULL, NULL, "", "p", 6001, CHECK_AUTH_NTLM, "bad user"},
        {"h", NULL, NULL, NULL, NULL, 6001, (enum check_auth)7, "unknown authentication"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct check_opts b;
        memset(&b, 0, sizeof b);
        b.host = bad[i].host;
        if (bad[i].server != NULL) {
            b.servers[0] = bad[i].server;
            b.n_servers = 1;
        }
        if (bad[i].resolve != NULL) {
            b.resolve[0] = bad[i].resolve;
            b.n_resolve = 1;
        }
        b.ports[0] = bad[i].port;
        b.n_ports = 1;
        b.user = bad[i].user;
        b.password = bad[i].password;
        b.auth = bad[i].auth;
        err[0] = '\0';
        assert_null(check_new(&b, err, sizeof err));
        if (strstr(err, bad[i].needle) == NULL)
            fail_msg("case %zu: err '%s', want '%s'", i, err, bad[i].needle);
    }
    /* Negotiate may go without a password (ticket cache) */
    struct check_opts n = good_opts();
    n.password = NULL;
    n.auth = CHECK_AUTH_NEGOTIATE;
    c = check_new(&n, err, sizeof err);
    assert_non_null(c);
    check_free(c);
    /* below the auth depth no password is needed; an unknown depth is refused */
    struct check_opts d = good_opts();
    d.password = NULL;
    d.depth = CHECK_DEPTH_ECHO;
    c = check_new(&d, err, sizeof err);
    assert_non_null(c);
    check_free(c);
    d.depth = CHECK_DEPTH_AUTH;
    assert_null(check_new(&d, err, sizeof err));
    assert_non_null(strstr(err, "a password is needed"));
    d.depth = (enum check_depth)9;
    d.password = "p";
    assert_null(check_new(&d, err, sizeof err));
    assert_non_null(strstr(err, "unknown check depth"));
    /* counts over the caps */
    struct check_opts m = good_opts();
    m.n_servers = CHECK_MAX_SERVERS + 1;
    assert_null(check_new(&m, err, sizeof err));
    m = good_opts();
    m.n_ports = CHECK_MAX_PORTS + 1;
    assert_null(check_new(&m, err, sizeof err));
    m = good_opts();
    m.n_resolve = CHECK_MAX_RESOLVE + 1;
    assert_null(check_new(&m, err, sizeof err));
    assert_null(check_new(NULL, err, sizeof err));
    assert_null(check_new(NULL, NULL, 0));
}

static void test_http_and_direct_resolve(void **state)
{
    (void)state;
    char err[256];
    struct check_opts o = good_opts();
    o.http = true;
    o.direct_ports = true;
    o.resolve[0] = "mail.contoso.lab:80:127.0.0.2";
    o.resolve[1] = "other.lab:80:127.0.0.3";
    o.n_resolve = 2;
    struct check *c = check_new(&o, err, sizeof err);
    assert_non_null(c);
    assert_int_equal(check_observations(c)->port, 80);
    assert_false(check_observations(c)->tls);
    /* the host's own entry is copied for each backend port */
    size_t n = 0;
    bool has6004 = false;
    for (struct curl_slist *e = c->resolve_direct; e != NULL; e = e->next, n++)
        if (strcmp(e->data, "mail.contoso.lab:6004:127.0.0.2") == 0)
            has6004 = true;
    assert_int_equal(n, 2 + 3);
    assert_true(has6004);
    check_free(c);
}

static void test_api_without_start(void **state)
{
    (void)state;
    char err[64];
    struct check_opts o = good_opts();
    struct check *c = check_new(&o, err, sizeof err);
    assert_non_null(c);
    assert_false(check_done(c));
    assert_null(check_result(c));
    assert_int_equal(check_deadline_ms(c), 0);
    assert_false(check_expire(c));
    check_cancel(c); /* not started: nothing to cancel */
    assert_false(check_done(c));
    assert_int_equal(check_start(c, NULL), -1);
    check_free(c);
}

static void test_null_api(void **state)
{
    (void)state;
    CURLM *m = curl_multi_init();
    assert_non_null(m);
    assert_int_equal(check_start(NULL, m), -1);
    struct check *fin = (struct check *)0x1;
    assert_int_equal(check_dispatch(NULL, &fin), CHECK_DISPATCH_FOREIGN);
    assert_null(fin);
    /* a handle that is not the engine's */
    CURL *h = curl_easy_init();
    CURLMsg msg = {.msg = CURLMSG_DONE, .easy_handle = h};
    assert_int_equal(check_dispatch(&msg, NULL), CHECK_DISPATCH_FOREIGN);
    char tag[] = "not a check";
    curl_easy_setopt(h, CURLOPT_PRIVATE, tag);
    (void)tag;
    curl_easy_cleanup(h);
    curl_multi_cleanup(m);
    assert_false(check_done(NULL));
    assert_null(check_result(NULL));
    assert_null(check_observations(NULL));
    assert_int_equal(check_deadline_ms(NULL), 0);
    assert_true(check_expire(NULL));
    check_cancel(NULL);
    check_free(NULL);
    assert_null(check_run(NULL, NULL, 0));
}

static char traced[8][512];
static int ntraced;

static void trace(void *arg, const char *line)
{
    (void)arg;
    if (ntraced < 8)
        snprintf(traced[ntraced++], sizeof traced[0], "%s", line);
}

static void test_state_setter_traces(void **state)
{
    (void)state;
    char err[64];
    struct check_opts o = good_opts();
    o.verbose = 1;
    o.trace = trace;
    struct check *c = check_new(&o, err, sizeof err);
    assert_non_null(c);
    ntraced = 0;
    check_set_state(c, CHECK_ST_CONNECT);
    check_set_state(c, CHECK_ST_CONNECT); /* no transition, no line */
    check_set_state(c, CHECK_ST_AUTH_ECHO);
    assert_int_equal(ntraced, 2);
    assert_non_null(strstr(traced[0], "init -> connect"));
    assert_non_null(strstr(traced[1], "connect -> auth_echo"));
    /* nothing secret in a trace */
    for (int i = 0; i < ntraced; i++)
        assert_null(strstr(traced[i], "Probe-Lab"));
    c->state = CHECK_ST_INIT; /* so that check_free has nothing to stop */
    check_free(c);
    static const char *const names[] = {"init", "connect", "auth_echo", "tunnels", "drain", "done"};
    for (int s = 0; s < CHECK_ST_COUNT; s++)
        assert_string_equal(check_state_name((enum check_state)s), names[s]);
    assert_string_equal(check_state_name(CHECK_ST_COUNT), "unknown");
    assert_string_equal(check_auth_name(CHECK_AUTH_BASIC), "basic");
    assert_string_equal(check_auth_name((enum check_auth)9), "unknown");
    assert_string_equal(check_xfer_kind_name(CHECK_XK_TUN_OUT), "out");
}

static void test_names_and_resolve(void **state)
{
    (void)state;
    assert_true(check_name_ok("EXCH01", false));
    assert_true(check_name_ok("exch01.contoso.local", false));
    assert_true(check_name_ok("fe80::1", true));
    assert_false(check_name_ok("fe80::1", false));
    assert_false(check_name_ok("", true));
    assert_false(check_name_ok(NULL, true));
    assert_false(check_name_ok("a b", true));
    assert_false(check_name_ok("a?b", true));
    assert_false(check_name_ok("a%20b", true));
    char longname[300];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_false(check_name_ok(longname, true));

    unsigned port = 0;
    assert_true(check_resolve_ok("mail.contoso.lab:443:127.0.0.2", &port));
    assert_int_equal(port, 443);
    assert_true(check_resolve_ok("mail:443:127.0.0.2,127.0.0.3", NULL));
    assert_true(check_resolve_ok("mail:443:[::1]", NULL));
    assert_false(check_resolve_ok("mail:443:", NULL));
    assert_false(check_resolve_ok(":443:127.0.0.1", NULL));
    assert_false(check_resolve_ok("mail:0:127.0.0.1", NULL));
    assert_false(check_resolve_ok("mail:x:127.0.0.1", NULL));
    assert_false(check_resolve_ok("+mail:443:127.0.0.1", NULL));
    assert_false(check_resolve_ok("mail:443:evil.example", NULL));
    assert_false(check_resolve_ok(NULL, NULL));

    char name[64];
    assert_int_equal(check_host_split("mail.contoso.lab", 443, name, sizeof name, &port), 0);
    assert_string_equal(name, "mail.contoso.lab");
    assert_int_equal(port, 443);
    assert_int_equal(check_host_split("mail.contoso.lab:8443", 443, name, sizeof name, &port), 0);
    assert_int_equal(port, 8443);
    assert_int_equal(check_host_split("[::1]:8443", 443, name, sizeof name, &port), 0);
    assert_string_equal(name, "::1");
    assert_int_equal(check_host_split("::1", 80, name, sizeof name, &port), 0);
    assert_int_equal(port, 80);
    assert_int_equal(check_host_split("[::1", 443, name, sizeof name, &port), -1);
    assert_int_equal(check_host_split("[::1]x", 443, name, sizeof name, &port), -1);
    assert_int_equal(check_host_split("h:70000", 443, name, sizeof name, &port), -1);
    assert_int_equal(check_host_split(":443", 443, name, sizeof name, &port), -1);
    assert_int_equal(check_host_split("h", 443, name, 1, &port), -1);
    assert_int_equal(check_host_split(NULL, 443, name, sizeof name, &port), -1);

    assert_int_equal(check_gss_principal("CONTOSO\\oaprobe", name, sizeof name), 0);
    assert_string_equal(name, "oaprobe");
    assert_int_equal(check_gss_principal("oaprobe@CONTOSO.LAB", name, sizeof name), 0);
    assert_string_equal(name, "oaprobe@CONTOSO.LAB");
    assert_int_equal(check_gss_principal("CONTOSO\\", name, sizeof name), -1);
    assert_int_equal(check_gss_principal("", name, sizeof name), -1);
    assert_int_equal(check_gss_principal(NULL, name, sizeof name), -1);
    assert_int_equal(check_gss_principal("abc", name, 2), -1);
    check_gss_free(NULL);

    /* renewal margin: a quarter of the TGT's lifetime, at most CHECK_GSS_RENEW_S */
    assert_int_equal(check_gss_renew_margin_ms(10LL * 3600 * 1000), CHECK_GSS_RENEW_S * 1000LL);
    assert_int_equal(check_gss_renew_margin_ms(40LL * 60 * 1000), CHECK_GSS_RENEW_S * 1000LL);
    assert_int_equal(check_gss_renew_margin_ms(16000), 4000);
    assert_int_equal(check_gss_renew_margin_ms(0), 0);
    assert_int_equal(check_gss_renew_margin_ms(-5), 0);
}

/* The per-target TLS session cache: one share while the host and the
 * verification settings stay; a new one when they change; a check keeps
 * its share after the cache is freed. */
static void test_tls_cache(void **state)
{
    (void)state;
    char err[256];
    struct check_tls_cache *cache = check_tls_cache_new();
    assert_non_null(cache);
    struct check_opts o = good_opts();
    o.tls_cache = cache;
    struct check *a = check_new(&o, err, sizeof err);
    struct check *b = check_new(&o, err, sizeof err);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(a->tls_share);
    assert_ptr_equal(a->tls_share, b->tls_share);
    assert_int_equal(check_tls_cache_shares(cache), 1);
    o.insecure = true; /* other verification settings */
    struct check *c = check_new(&o, err, sizeof err);
    assert_ptr_not_equal(c->tls_share, a->tls_share);
    assert_int_equal(check_tls_cache_shares(cache), 2);
    o.insecure = false;
    o.host = "mail.contoso.lab:8443"; /* another port */
    struct check *d = check_new(&o, err, sizeof err);
    assert_ptr_not_equal(d->tls_share, a->tls_share);
    assert_int_equal(check_tls_cache_shares(cache), 3);
    o.http = true; /* plain HTTP: no share at all */
    o.host = "mail.contoso.lab";
    struct check *e = check_new(&o, err, sizeof err);
    assert_null(e->tls_share);
    assert_int_equal(check_tls_cache_shares(cache), 3);
    o.http = false;
    o.tls_cache = NULL; /* no cache: the check's own */
    struct check *f = check_new(&o, err, sizeof err);
    assert_non_null(f->tls_share);
    assert_ptr_not_equal(f->tls_share, a->tls_share);
    check_free(a);
    check_tls_cache_free(cache); /* the target goes away while b, c, d remain */
    assert_non_null(b->tls_share);
    check_free(b);
    check_free(c);
    check_free(d);
    check_free(e);
    check_free(f);
    check_tls_cache_free(NULL);
    assert_int_equal(check_tls_cache_shares(NULL), 0);
}

/* The process-wide budget: never more caches holding sessions than it
 * allows; the holders keep resuming (no cyclic eviction); the others' checks
 * use shares of their own; a place freed goes to the next cache; a smaller
 * budget drops the newest holders at once. */
static void test_tls_cache_budget(void **state)
{
    (void)state;
    char err[256];
    struct check_tls_cache_stats st, st0;
    check_tls_cache_budget(2);
    check_tls_cache_stats(&st0);
    assert_int_equal(st0.budget, 2);
    assert_int_equal(st0.held, 0);
    struct check_tls_cache *t[4];
    for (size_t i = 0; i < 4; i++)
        assert_non_null(t[i] = check_tls_cache_new());
    struct check_opts o = good_opts();
    /* three rounds of the scheduler's cyclic order over four targets */
    CURLSH *first[4] = {NULL};
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < 4; i++) {
            o.tls_cache = t[i];
            struct check *c = check_new(&o, err, sizeof err);
            assert_non_null(c);
            assert_non_null(c->tls_share); /* sessions within the check in any case */
            if (round == 0)
                first[i] = c->tls_share;
            else if (i < 2)
                assert_ptr_equal(c->tls_share, first[i]); /* the holders resume */
            else /* a share of its own (its address may be a freed one's) */
                assert_int_equal(check_tls_cache_shares(t[i]), 0);
            check_free(c);
            check_tls_cache_stats(&st);
            assert_true(st.held <= st.budget);
        }
    }
    check_tls_cache_stats(&st);
    assert_int_equal(st.held, 2);
    assert_int_equal(st.reused - st0.reused, 4);  /* 2 holders x 2 later rounds */
    assert_int_equal(st.refused - st0.refused, 6); /* 2 others x 3 rounds */
    assert_int_equal(check_tls_cache_shares(t[0]), 1);
    assert_int_equal(check_tls_cache_shares(t[2]), 0);

    /* a holder goes away: the next cache that runs takes its place */
    check_tls_cache_free(t[0]);
    t[0] = NULL;
    o.tls_cache = t[3];
    struct check *a = check_new(&o, err, sizeof err);
    struct check *b = check_new(&o, err, sizeof err);
    assert_ptr_equal(a->tls_share, b->tls_share);
    assert_int_equal(check_tls_cache_shares(t[3]), 1);
    check_tls_cache_stats(&st);
    assert_int_equal(st.held, 2);

    /* a smaller budget drops the newest holder (t[3]) at once; its checks
     * in flight keep the share */
    check_tls_cache_budget(1);
    check_tls_cache_stats(&st);
    assert_int_equal(st.held, 1);
    assert_non_null(a->tls_share);
    check_free(a);
    check_free(b);
    o.tls_cache = t[1];
    a = check_new(&o, err, sizeof err);
    assert_ptr_equal(a->tls_share, first[1]); /* the oldest holder kept its sessions */
    check_free(a);

    /* 0: no cache keeps sessions, checks still have their own */
    check_tls_cache_budget(0);
    check_tls_cache_stats(&st);
    assert_int_equal(st.held, 0);
    o.tls_cache = t[1];
    a = check_new(&o, err, sizeof err);
    assert_non_null(a->tls_share);
    check_tls_cache_stats(&st);
    assert_int_equal(st.refused - st0.refused, 7);
    check_free(a);
    check_tls_cache_stats(&st);
    assert_int_equal(st.held, 0);

    for (size_t i = 0; i < 4; i++)
        check_tls_cache_free(t[i]);
    check_tls_cache_budget(CHECK_TLS_CACHE_DEFAULT);
}

/* The shared trust store: one load, references counted, a bad file named. */
static void test_trust_store(void **state)
{
    (void)state;
    char err[256] = "";
    unsigned long before = check_trust_loads();
    assert_null(check_trust_load("/nonexistent/ca.pem", err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/ca.pem"));
    struct check_trust *t = check_trust_load(NULL, err, sizeof err); /* the system store */
    assert_non_null(t);
    assert_int_equal(check_trust_loads(), before + 2);
    struct check_opts o = good_opts();
    o.trust = t;
    struct check *c1 = check_new(&o, err, sizeof err), *c2 = check_new(&o, err, sizeof err);
    assert_non_null(c1);
    assert_non_null(c2);
    assert_ptr_equal(c1->trust, t);
    check_trust_unref(t); /* the checks keep it */
    check_free(c1);
    assert_ptr_equal(c2->trust, t); /* still alive: c2 holds it */
    check_free(c2); /* the last reference: freed (LeakSanitizer would say otherwise) */
    assert_int_equal(check_trust_loads(), before + 2);
    check_trust_unref(NULL);
    assert_null(check_trust_ref(NULL));
}

/* The engine's background API and the detach/cancel API without network. */
static void test_engine_api(void **state)
{
    (void)state;
    int fd = check_engine_fd();
    assert_true(fd >= 0);
    assert_int_equal(check_engine_fd(), fd); /* one for the process */
    check_engine_poll(NULL, NULL);           /* nothing finished: a no-op */
    check_engine_cleanup();
    assert_string_equal(check_stage(NULL), "invalid");
    assert_null(check_take_result(NULL));
    char err[256];
    struct check_opts o = good_opts();
    struct check *c = check_new(&o, err, sizeof err);
    assert_string_equal(check_stage(c), "init");
    check_cancel(c); /* never started: no-op */
    assert_string_equal(check_stage(c), "init");
    assert_null(check_take_result(c));
    check_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_validation),      cmocka_unit_test(test_http_and_direct_resolve),
        cmocka_unit_test(test_api_without_start),   cmocka_unit_test(test_null_api),
        cmocka_unit_test(test_state_setter_traces), cmocka_unit_test(test_names_and_resolve),
        cmocka_unit_test(test_trust_store),         cmocka_unit_test(test_tls_cache),         cmocka_unit_test(test_tls_cache_budget),         cmocka_unit_test(test_engine_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
