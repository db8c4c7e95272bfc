/*
 * check_krb_driver.c: Negotiate checks of several Kerberos identities at
 * once on ONE multi, as the service runs them: every check of a round starts
 * at once, the loop waits on the multi and on check_engine_fd() (tickets
 * come from background threads), calls check_engine_poll() and
 * check_expire().
 *
 *   check_krb_driver --cacert FILE HOST=ADDR [--depth D]
 *                    [--rounds N --interval-ms MS [--wait-stdin]]
 *                    --check USER PASSWORD_VAR TIMEOUT_S [--only-rounds R,R...]
 *                    [--check ...]
 *
 * Each --check names a user ("DOMAIN\user" or "user@REALM"), the name of the
 * environment variable holding its password, and its deadline; --only-rounds
 * limits the check before it to the rounds listed (0-based). Round k starts
 * k x MS after the first (with --wait-stdin, also not before a line was read
 * from stdin after round k-1 ended); the engine keeps its identities from
 * one round to the next, as the service does from one run to the next.
 * One line per check, in the order given, flushed when its round ends:
 *   <index> <status> <code,code,...|-> <elapsed ms>
 * (index: round x checks + position), then
 *   round <k> tgts <n> workers <now> peak <n> queued <n> threads-peak <n>
 * (the engine's Kerberos counters, check_engine_stats, and the most threads
 * /proc/self/task listed while the round ran). Exit 0 when every check
 * finished, 1 otherwise, 2 for bad usage.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "probes/check/check.h"
#include "driver_loop.h"
#include "probes/result/result.h"

#define MAX_CHECKS 128

struct job {
    const char *user, *pwvar;
    unsigned timeout_s;
    unsigned rounds;               /* bit k: runs in round k */
    struct check *c;
    long long elapsed_ms;
    bool reported;
};

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long t0;
static struct job jobs[MAX_CHECKS];
static size_t njobs, nreported, nrunning;

static void report(struct job *j)
{
    if (j->reported)
        return;
    j->reported = true;
    j->elapsed_ms = now_ms() - t0;
    nreported++;
}

static void on_finished(void *arg, struct check *c)
{
    (void)arg;
    for (size_t i = 0; i < njobs; i++)
        if (jobs[i].c == c)
            report(&jobs[i]);
}

/* Threads of this process now. */
static unsigned thread_count(void)
{
    DIR *d = opendir("/proc/self/task");
    unsigned n = 0;
    for (struct dirent *e; d != NULL && (e = readdir(d)) != NULL;)
        if (e->d_name[0] != '.')
            n++;
    if (d != NULL)
        closedir(d);
    return n;
}

static unsigned parse_rounds(const char *s)
{
    unsigned mask = 0;
    for (char *end; *s != '\0'; s = *end == ',' ? end + 1 : end) {
        unsigned long k = strtoul(s, &end, 10);
        if (end == s || k >= 32)
            return 0;
        mask |= 1u << k;
    }
    return mask;
}

static void print_round(size_t round)
{
    for (size_t i = 0; i < njobs; i++) {
        if (jobs[i].c == NULL)
            continue;
        const struct oa_result *r = check_result(jobs[i].c);
        char codes[512] = "";
        size_t used = 0;
        for (size_t k = 0; r != NULL && k < r->ndiags; k++) {
            const char *code = oa_diag_code_name(r->diags[k].code);
            int n = strstr(codes, code) != NULL
                        ? 0
                        : snprintf(codes + used, sizeof codes - used, "%s%s", used ? "," : "", code);
            if (n > 0 && (size_t)n < sizeof codes - used)
                used += (size_t)n;
        }
        printf("%zu %s %s %lld\n", round * njobs + i, oa_state_name(oa_result_status(r)),
               used ? codes : "-", jobs[i].elapsed_ms);
        for (size_t k = 0; r != NULL && k < r->ndiags; k++)
            fprintf(stderr, "check %zu: %s: %s\n", round * njobs + i,
                    oa_diag_code_name(r->diags[k].code), r->diags[k].message);
    }
}

/* One round: start its checks at once, drive them to the end. 0: all ended. */
static int run_round(CURLM *multi, size_t round, const struct check_opts *base)
{
    unsigned threads_peak = thread_count();
    nreported = nrunning = 0;
    t0 = now_ms();
    for (size_t i = 0; i < njobs; i++) {
        jobs[i].c = NULL;
        jobs[i].reported = false;
        if (!(jobs[i].rounds & (1u << round)))
            continue;
        struct check_opts o = *base;
        o.user = jobs[i].user;
        o.password = getenv(jobs[i].pwvar);
        o.timeout_ms = jobs[i].timeout_s * 1000u;
        char err[256];
        jobs[i].c = check_new(&o, err, sizeof err);
        if (jobs[i].c == NULL) {
            fprintf(stderr, "check %zu: %s\n", i, err);
            return 2;
        }
        nrunning++;
        (void)check_start(jobs[i].c, multi);
        if (check_done(jobs[i].c))
            report(&jobs[i]);
    }
    for (int spins = 0; nreported < nrunning && spins < 100000; spins++) {
        driver_turn(multi, on_finished, NULL);
        for (size_t i = 0; i < njobs; i++)
            if (jobs[i].c != NULL && !jobs[i].reported && check_expire(jobs[i].c))
                report(&jobs[i]);
        unsigned t = thread_count();
        if (t > threads_peak)
            threads_peak = t;
        if (nreported < nrunning)
            driver_wait(multi, 50);
    }
    int rc = nreported == nrunning ? 0 : 1;
    print_round(round);
    struct check_engine_stats st;
    check_engine_stats(&st);
    printf("round %zu tgts %lu workers %u peak %u queued %u threads-peak %u acq-ok %lu "
           "acq-rejected %lu acq-error %lu\n",
           round, st.krb_tgts, st.krb_workers, st.krb_workers_peak, st.krb_queued, threads_peak,
           st.krb_acq_ok, st.krb_acq_rejected, st.krb_acq_error);
    fflush(stdout);
    for (size_t i = 0; i < njobs; i++) {
        check_free(jobs[i].c);
        jobs[i].c = NULL;
    }
    return rc;
}

int main(int argc, char **argv)
{
    const char *cacert = NULL, *host_eq = NULL;
    enum check_depth depth = CHECK_DEPTH_TUNNEL;
    unsigned long rounds = 1, interval_ms = 0;
    bool wait_stdin = false, bad = false;
    for (int i = 1; i < argc && !bad; i++) {
        if (strcmp(argv[i], "--cacert") == 0 && i + 1 < argc) {
            cacert = argv[++i];
        } else if (strcmp(argv[i], "--depth") == 0 && i + 1 < argc) {
            bad = check_depth_parse(argv[++i], &depth) != 0;
        } else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc) {
            rounds = strtoul(argv[++i], NULL, 10);
            bad = rounds == 0 || rounds > 32;
        } else if (strcmp(argv[i], "--interval-ms") == 0 && i + 1 < argc) {
            interval_ms = strtoul(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--wait-stdin") == 0) {
            wait_stdin = true;
        } else if (strcmp(argv[i], "--check") == 0 && i + 3 < argc && njobs < MAX_CHECKS) {
            jobs[njobs].user = argv[++i];
            jobs[njobs].pwvar = argv[++i];
            jobs[njobs].timeout_s = (unsigned)strtoul(argv[++i], NULL, 10);
            jobs[njobs].rounds = ~0u;
            njobs++;
        } else if (strcmp(argv[i], "--only-rounds") == 0 && i + 1 < argc && njobs > 0) {
            jobs[njobs - 1].rounds = parse_rounds(argv[++i]);
            bad = jobs[njobs - 1].rounds == 0;
        } else if (host_eq == NULL && strchr(argv[i], '=') != NULL) {
            host_eq = argv[i];
        } else {
            bad = true;
        }
    }
    const char *eq = host_eq != NULL ? strchr(host_eq, '=') : NULL;
    char host[256], resolve[300];
    if (bad || cacert == NULL || eq == NULL || njobs == 0 ||
        (size_t)(eq - host_eq) >= sizeof host) {
        fprintf(stderr, "usage: check_krb_driver --cacert F HOST=ADDR [--depth D] [--rounds N "
                        "--interval-ms MS [--wait-stdin]] --check USER PWVAR S "
                        "[--only-rounds R,R] ...\n");
        return 2;
    }
    snprintf(host, sizeof host, "%.*s", (int)(eq - host_eq), host_eq);
    snprintf(resolve, sizeof resolve, "%s:443:%s", host, eq + 1);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init();
    struct check_opts base;
    memset(&base, 0, sizeof base);
    base.host = host;
    base.resolve[0] = resolve;
    base.n_resolve = 1;
    base.cacert = cacert;
    base.auth = CHECK_AUTH_NEGOTIATE;
    base.depth = depth;
    int rc = 0;
    long long start = now_ms();
    for (size_t k = 0; k < rounds && rc != 2; k++) {
        if (k > 0 && wait_stdin) {
            char line[64];
            if (fgets(line, sizeof line, stdin) == NULL)
                break;
        }
        long long at = start + (long long)(k * interval_ms);
        while (now_ms() < at)
            curl_multi_poll(multi, NULL, 0, (int)(at - now_ms()), NULL);
        int r = run_round(multi, k, &base);
        rc = r > rc ? r : rc;
    }
    check_engine_cleanup();
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    return rc;
}
