/*
 * check_krb_driver.c: Negotiate checks of several Kerberos identities at
 * once on ONE multi, as the service runs them: every check starts at once,
 * the loop waits on the multi and on check_engine_fd() (tickets come from
 * background threads), calls check_engine_poll() and check_expire().
 *
 *   check_krb_driver --cacert FILE HOST=ADDR
 *                    --check USER PASSWORD_VAR TIMEOUT_S [--check ...]
 *
 * Each --check names a user ("DOMAIN\user" or "user@REALM"), the name of the
 * environment variable holding its password, and its deadline. One line per
 * check, in the order given:
 *   <index> <status> <code,code,...|-> <elapsed ms> <stage when the first
 *   check of another identity finished>
 * Exit 0 when every check finished, 1 otherwise, 2 for bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "probes/check/check.h"
#include "probes/result/result.h"

#define MAX_CHECKS 16

struct job {
    const char *user, *pwvar;
    unsigned timeout_s;
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
static size_t njobs, nreported;

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

int main(int argc, char **argv)
{
    const char *cacert = NULL, *host_eq = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--cacert") == 0 && i + 1 < argc) {
            cacert = argv[++i];
        } else if (strcmp(argv[i], "--check") == 0 && i + 3 < argc && njobs < MAX_CHECKS) {
            jobs[njobs].user = argv[++i];
            jobs[njobs].pwvar = argv[++i];
            jobs[njobs].timeout_s = (unsigned)strtoul(argv[++i], NULL, 10);
            njobs++;
        } else if (host_eq == NULL && strchr(argv[i], '=') != NULL) {
            host_eq = argv[i];
        } else {
            njobs = 0;
            break;
        }
    }
    const char *eq = host_eq != NULL ? strchr(host_eq, '=') : NULL;
    char host[256], resolve[300];
    if (cacert == NULL || eq == NULL || njobs == 0 || (size_t)(eq - host_eq) >= sizeof host) {
        fprintf(stderr, "usage: check_krb_driver --cacert F HOST=ADDR --check USER PWVAR S...\n");
        return 2;
    }
    snprintf(host, sizeof host, "%.*s", (int)(eq - host_eq), host_eq);
    snprintf(resolve, sizeof resolve, "%s:443:%s", host, eq + 1);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init();
    t0 = now_ms();
    for (size_t i = 0; i < njobs; i++) {
        struct check_opts o;
        memset(&o, 0, sizeof o);
        o.host = host;
        o.resolve[0] = resolve;
        o.n_resolve = 1;
        o.cacert = cacert;
        o.user = jobs[i].user;
        o.password = getenv(jobs[i].pwvar);
        o.auth = CHECK_AUTH_NEGOTIATE;
        o.timeout_ms = jobs[i].timeout_s * 1000u;
        char err[256];
        jobs[i].c = check_new(&o, err, sizeof err);
        if (jobs[i].c == NULL) {
            fprintf(stderr, "check %zu: %s\n", i, err);
            return 2;
        }
        (void)check_start(jobs[i].c, multi);
        if (check_done(jobs[i].c))
            report(&jobs[i]);
    }
    for (int spins = 0; nreported < njobs && spins < 100000; spins++) {
        int running = 0;
        curl_multi_perform(multi, &running);
        CURLMsg *msg;
        int queued;
        while ((msg = curl_multi_info_read(multi, &queued)) != NULL) {
            struct check *fin = NULL;
            if (check_dispatch(msg, &fin) == CHECK_DISPATCH_FOREIGN)
                fprintf(stderr, "foreign message\n");
            if (fin != NULL)
                on_finished(NULL, fin);
        }
        check_engine_poll(on_finished, NULL);
        for (size_t i = 0; i < njobs; i++)
            if (!jobs[i].reported && check_expire(jobs[i].c))
                report(&jobs[i]);
        if (nreported < njobs) {
            struct curl_waitfd bg = {.fd = check_engine_fd(), .events = CURL_WAIT_POLLIN};
            curl_multi_poll(multi, &bg, 1, 50, NULL);
        }
    }
    int rc = nreported == njobs ? 0 : 1;
    for (size_t i = 0; i < njobs; i++) {
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
        printf("%zu %s %s %lld\n", i, oa_state_name(oa_result_status(r)), used ? codes : "-",
               jobs[i].elapsed_ms);
        for (size_t k = 0; r != NULL && k < r->ndiags; k++)
            fprintf(stderr, "check %zu: %s: %s\n", i, oa_diag_code_name(r->diags[k].code),
                    r->diags[k].message);
        check_free(jobs[i].c);
    }
    check_engine_cleanup();
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    return rc;
}
