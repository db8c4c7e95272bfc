/*
 * check_multi_driver.c: the event-driven engine API as the service uses it:
 * many checks on ONE caller-owned CURLM, driven by curl_multi_perform /
 * curl_multi_poll (with check_engine_fd), every CURLMSG_DONE handed to
 * check_dispatch(), check_engine_poll() for the background work, and
 * check_expire() as the deadline safety net. Half of the checks start at
 * once, the others each time one finishes (a busy multi gets new handles).
 *
 *   check_multi_driver --cacert FILE --user 'DOMAIN\user' [--timeout S] [--bytes]
 *                      HOST[:PORT]=ADDR [HOST[:PORT]=ADDR ...]
 *
 * The password comes from OAPROBE_PASSWORD. For each check, one line:
 *   <host> <status> <code,code,...|->
 * with --bytes followed by the steps, the diagnoses and the bytes of the
 * result the check keeps (oa_result_mem_bytes of its compact form).
 * --sequential runs one check at a time, in the order given (a target's
 * consecutive runs). --tls-cache gives every check the same TLS session
 * cache (check_tls_cache_new), as the service does for the runs of one
 * target; --insecure-from N makes the checks from the Nth (0-based) on
 * --insecure (other verification settings: the cache starts over).
 * --tls-count traces each check at -vv and prints, after its line's
 * codes, its TLS handshakes, how many offered a cached session (libcurl's
 * trace) and how many of them the server resumed (the engine's count since
 * the line before: with --sequential, this check's): "tls H resumed R
 * accepted A"; the last lines on stderr before the trust stores
 * are "tls caches started: N" (with --tls-cache) and the engine's own
 * count of the handshakes the server resumed (SSL_session_reused) and of
 * the full ones: "tls handshakes: resumed R full F".
 * --cacert system means the system store (no --cacert: check_trust_load(NULL)
 * with --shared-trust, else the engine's cache).
 * --shared-trust loads the --cacert store once (check_trust_load) and gives
 * it to every check, as the service does per configuration; either way the
 * last line on stderr says how many trust stores the process loaded.
 * --first-cacert FILE gives the first check another bundle (a slow one, in
 * the tests); every check's time from the start to its end goes to stderr
 * ("<host> done after N ms").
 * Exit 0 when every check finished, 1 otherwise, 2 for bad usage.
 * Test helper only (tests/integration/check/test_check_lab.py runs it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "probes/check/check.h"
#include "driver_loop.h"
#include "probes/check/check_tls.h"
#include "probes/result/result.h"

#define MAX_CHECKS 64

struct job {
    char host[256];
    char resolve[300];
    struct check *c;
    bool started, reported;
    unsigned handshakes, resumed; /* --tls-count */
};

static bool print_bytes;
static const char *first_cacert; /* --first-cacert */
static const struct job *first_job;
static long long t0_ms;

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
static struct check_trust *trust; /* --shared-trust */
static struct check_tls_cache *tls_cache; /* --tls-cache */
static bool tls_count;
static size_t insecure_from = (size_t)-1;
static struct job *jobs_base;

static void count_tls(void *arg, const char *line)
{
    struct job *j = arg;
    if (strstr(line, "SSL connection using") != NULL)
        j->handshakes++;
    if (strstr(line, "SSL re-using session ID") != NULL)
        j->resumed++;
}

static void report(struct job *j)
{
    const struct oa_result *r = check_result(j->c);
    char codes[1024] = "";
    size_t used = 0;
    for (size_t i = 0; r != NULL && i < r->ndiags; i++) {
        const char *code = oa_diag_code_name(r->diags[i].code);
        if (strstr(codes, code) != NULL)
            continue;
        int n = snprintf(codes + used, sizeof codes - used, "%s%s", used ? "," : "", code);
        if (n < 0 || (size_t)n >= sizeof codes - used)
            break;
        used += (size_t)n;
    }
    printf("%s %s %s", j->host, oa_state_name(oa_result_status(r)), used ? codes : "-");
    if (tls_count) { /* the engine's count since the last report (--sequential: this check's) */
        static unsigned long seen;
        struct check_tls_cache_stats st;
        check_tls_cache_stats(&st);
        printf(" tls %u resumed %u accepted %lu", j->handshakes, j->resumed,
               st.handshakes_resumed - seen);
        seen = st.handshakes_resumed;
    }
    if (print_bytes) {
        size_t nd = 0;
        for (size_t i = 0; r != NULL && i < r->nsteps; i++)
            nd += r->steps[i].ndetails;
        printf(" %zu %zu %zu", r != NULL ? r->nsteps : 0, r != NULL ? r->ndiags : 0,
               oa_result_mem_bytes(r));
        fprintf(stderr, "%s: %zu details, %zu perf, %zu arena bytes\n", j->host, nd,
                r != NULL ? r->nperf : 0, r != NULL ? r->arena_used : 0);
    }
    printf("\n");
    j->reported = true;
    fprintf(stderr, "%s done after %lld ms\n", j->host, mono_ms() - t0_ms);
}

static int start(struct job *j, CURLM *multi, const char *cacert, const char *user,
                 const char *password, unsigned timeout_ms)
{
    struct check_opts o;
    memset(&o, 0, sizeof o);
    o.host = j->host;
    o.resolve[0] = j->resolve;
    o.n_resolve = 1;
    o.cacert = j == first_job && first_cacert != NULL ? first_cacert : cacert;
    o.trust = trust;
    o.tls_cache = tls_cache;
    o.insecure = (size_t)(j - jobs_base) >= insecure_from;
    if (tls_count) {
        o.verbose = 2;
        o.trace = count_tls;
        o.trace_arg = j;
    }
    o.user = user;
    o.password = password;
    o.timeout_ms = timeout_ms;
    char err[256];
    j->c = check_new(&o, err, sizeof err);
    if (j->c == NULL) {
        fprintf(stderr, "check_new %s: %s\n", j->host, err);
        return -1;
    }
    j->started = true;
    (void)check_start(j->c, multi);
    return 0;
}

int main(int argc, char **argv)
{
    const char *cacert = NULL, *user = NULL;
    bool shared = false, sequential = false, want_cache = false;
    unsigned timeout_ms = 15000;
    struct job *jobs = calloc(MAX_CHECKS, sizeof *jobs);
    size_t n = 0;
    if (jobs == NULL)
        return 2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--cacert") == 0 && i + 1 < argc) {
            cacert = argv[++i];
        } else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc) {
            user = argv[++i];
        } else if (strcmp(argv[i], "--bytes") == 0) {
            print_bytes = true;
        } else if (strcmp(argv[i], "--first-cacert") == 0 && i + 1 < argc) {
            first_cacert = argv[++i];
        } else if (strcmp(argv[i], "--sequential") == 0) {
            sequential = true;
        } else if (strcmp(argv[i], "--tls-cache") == 0) {
            want_cache = true;
        } else if (strcmp(argv[i], "--tls-count") == 0) {
            tls_count = true;
        } else if (strcmp(argv[i], "--insecure-from") == 0 && i + 1 < argc) {
            insecure_from = (size_t)strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--shared-trust") == 0) {
            shared = true;
        } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
            timeout_ms = (unsigned)strtoul(argv[++i], NULL, 10) * 1000u;
        } else {
            const char *eq = strchr(argv[i], '=');
            if (eq == NULL || n >= MAX_CHECKS || (size_t)(eq - argv[i]) >= sizeof jobs[n].host) {
                fprintf(stderr, "usage: check_multi_driver --cacert F --user U HOST=ADDR...\n");
                free(jobs);
                return 2;
            }
            snprintf(jobs[n].host, sizeof jobs[n].host, "%.*s", (int)(eq - argv[i]), argv[i]);
            /* HOST=ADDR (port 443) or HOST:PORT=ADDR */
            snprintf(jobs[n].resolve, sizeof jobs[n].resolve, "%s%s:%s", jobs[n].host,
                     strchr(jobs[n].host, ':') != NULL ? "" : ":443", eq + 1);
            n++;
        }
    }
    const char *password = getenv("OAPROBE_PASSWORD");
    if (n == 0 || cacert == NULL || user == NULL || password == NULL) {
        fprintf(stderr, "check_multi_driver: need --cacert, --user, OAPROBE_PASSWORD, HOST=ADDR\n");
        free(jobs);
        return 2;
    }
    if (strcmp(cacert, "system") == 0)
        cacert = NULL;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    if (shared) {
        char err[256];
        trust = check_trust_load(cacert, err, sizeof err);
        if (trust == NULL) {
            fprintf(stderr, "check_multi_driver: %s\n", err);
            free(jobs);
            return 2;
        }
    }
    if (want_cache && (tls_cache = check_tls_cache_new()) == NULL) {
        check_trust_unref(trust);
        free(jobs);
        return 2;
    }
    jobs_base = jobs;
    CURLM *multi = curl_multi_init();
    size_t next = 0, first = sequential ? 1 : (n + 1) / 2, done = 0;
    first_job = &jobs[0];
    t0_ms = mono_ms();
    for (; next < first; next++)
        start(&jobs[next], multi, cacert, user, password, timeout_ms);
    for (int spins = 0; done < n && spins < 100000; spins++) {
        driver_turn(multi, NULL, NULL);
        for (size_t i = 0; i < next; i++) {
            (void)check_expire(jobs[i].c);
            if (!jobs[i].reported && check_done(jobs[i].c)) {
                report(&jobs[i]);
                done++;
                if (next < n) { /* a slot is free: start the next check now */
                    start(&jobs[next], multi, cacert, user, password, timeout_ms);
                    next++;
                }
            }
        }
        if (done < n)
            driver_wait(multi, 100);
    }
    int rc = done == n ? 0 : 1;
    for (size_t i = 0; i < n; i++)
        check_free(jobs[i].c); /* removes anything still in the multi */
    check_trust_unref(trust); /* the checks' references are gone with them */
    if (want_cache)
        fprintf(stderr, "tls caches started: %lu\n", check_tls_cache_shares(tls_cache));
    check_tls_cache_free(tls_cache);
    if (tls_count) {
        struct check_tls_cache_stats st;
        check_tls_cache_stats(&st);
        fprintf(stderr, "tls handshakes: resumed %lu full %lu\n", st.handshakes_resumed,
                st.handshakes_full);
    }
    check_engine_cleanup();
    fprintf(stderr, "trust stores loaded: %lu\n", check_trust_loads());
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    free(jobs);
    return rc;
}
