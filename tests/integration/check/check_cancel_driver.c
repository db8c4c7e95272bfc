/*
 * check_cancel_driver.c: cancelling checks on a shared multi, as the service
 * does on a configuration reload or at shutdown. Against one healthy lab
 * host, on ONE caller-owned CURLM, at once:
 *
 *   never    built and freed without being started
 *   start    cancelled right after check_start (connect stage)
 *   echo     cancelled when first seen in the auth_echo stage
 *   tunnel   cancelled when first seen in the tunnels stage, after 3 more
 *            turns of the loop (tunnel transfers in flight)
 *   free     freed without check_cancel in the tunnels stage
 *   done     cancelled after it finished (a no-op)
 *   control  runs to the end untouched and must be OK
 *
 * A cancel case whose check went past its stage before the loop saw it is
 * retried with a new check (up to 8 times). After a cancel the check must be
 * done, detached, with a result; at the end, with every check freed, the
 * multi must hold no transfer (curl_multi_perform counts none running). Run
 * under ASan: LeakSanitizer reports anything a cancel left behind.
 *
 *   check_cancel_driver --cacert FILE --user 'DOMAIN\user' HOST=ADDR
 *
 * The password comes from OAPROBE_PASSWORD; more options: --auth negotiate.
 * Prints one line per case: "<case> <stage cancelled at> <status> <tries>".
 * Exit 0 when every case went as described, 1 otherwise, 2 for bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "probes/check/check.h"
#include "driver_loop.h"
#include "probes/result/result.h"

#define MAX_TRIES 8

enum act { ACT_NEVER, ACT_START, ACT_ECHO, ACT_TUNNEL, ACT_FREE, ACT_DONE, ACT_CONTROL };

struct job {
    const char *name;
    enum act act;
    const char *stage;  /* the stage to act in (NULL: none) */
    struct check *c;
    int tries;
    int turns;          /* loop turns seen in the stage */
    bool finished;      /* the case is over */
    bool ok;
    char at[16];
};

static struct check_opts opts;

static int stage_rank(const char *s)
{
    static const char *const order[] = {"init", "connect", "auth_echo", "tunnels", "drain",
                                        "done"};
    for (int i = 0; i < 6; i++)
        if (strcmp(s, order[i]) == 0)
            return i;
    return -1;
}

static bool start(struct job *j, CURLM *multi)
{
    char err[256];
    j->tries++;
    j->turns = 0;
    j->c = check_new(&opts, err, sizeof err);
    if (j->c == NULL) {
        fprintf(stderr, "%s: check_new: %s\n", j->name, err);
        return false;
    }
    if (j->act == ACT_NEVER)
        return true;
    (void)check_start(j->c, multi);
    return true;
}

/* After a cancel: done, a result, and the case ends. */
static void cancelled(struct job *j, const char *at)
{
    snprintf(j->at, sizeof j->at, "%s", at);
    /* a cancelled check is no verdict: UNKNOWN (internal_error "cancelled") */
    j->ok = check_done(j->c) && check_result(j->c) != NULL &&
            oa_result_status(check_result(j->c)) == OA_STATE_UNKNOWN;
    if (!j->ok)
        fprintf(stderr, "%s: not done and UNKNOWN after check_cancel (stage %s)\n", j->name,
                check_stage(j->c));
    j->finished = true;
}

static void step(struct job *j, CURLM *multi)
{
    if (j->finished)
        return;
    const char *st = check_stage(j->c);
    switch (j->act) {
    case ACT_NEVER:
    case ACT_START:
        return;
    case ACT_DONE:
    case ACT_CONTROL:
        if (check_done(j->c)) {
            snprintf(j->at, sizeof j->at, "%s", st);
            if (j->act == ACT_DONE)
                check_cancel(j->c); /* no-op on a done check */
            enum oa_state s = oa_result_status(check_result(j->c));
            j->ok = s == OA_STATE_OK;
            if (!j->ok)
                fprintf(stderr, "%s: status %s\n", j->name, oa_state_name(s));
            j->finished = true;
        }
        return;
    case ACT_ECHO:
    case ACT_TUNNEL:
    case ACT_FREE:
        break;
    }
    if (stage_rank(st) > stage_rank(j->stage)) { /* missed it: again */
        check_free(j->c);
        j->c = NULL;
        if (j->tries >= MAX_TRIES || !start(j, multi)) {
            fprintf(stderr, "%s: never seen in stage %s\n", j->name, j->stage);
            j->finished = true;
        }
        return;
    }
    if (strcmp(st, j->stage) != 0)
        return;
    if (j->act == ACT_TUNNEL && ++j->turns < 4)
        return;
    if (j->act == ACT_FREE) {
        snprintf(j->at, sizeof j->at, "%s", st);
        check_free(j->c); /* no cancel first */
        j->c = NULL;
        j->ok = j->finished = true;
        return;
    }
    check_cancel(j->c);
    cancelled(j, st);
}

int main(int argc, char **argv)
{
    const char *host_eq = NULL;
    static char host[256], resolve[300];
    memset(&opts, 0, sizeof opts);
    opts.timeout_ms = 10000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--cacert") == 0 && i + 1 < argc)
            opts.cacert = argv[++i];
        else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
            opts.user = argv[++i];
        else if (strcmp(argv[i], "--auth") == 0 && i + 1 < argc)
            opts.auth = strcmp(argv[++i], "negotiate") == 0 ? CHECK_AUTH_NEGOTIATE
                                                              : CHECK_AUTH_NTLM;
        else if (host_eq == NULL && strchr(argv[i], '=') != NULL)
            host_eq = argv[i];
        else
            host_eq = NULL, i = argc;
    }
    opts.password = getenv("OAPROBE_PASSWORD");
    const char *eq = host_eq != NULL ? strchr(host_eq, '=') : NULL;
    if (eq == NULL || opts.cacert == NULL || opts.user == NULL || opts.password == NULL ||
        (size_t)(eq - host_eq) >= sizeof host) {
        fprintf(stderr, "usage: check_cancel_driver --cacert F --user U HOST=ADDR "
                        "(OAPROBE_PASSWORD)\n");
        return 2;
    }
    snprintf(host, sizeof host, "%.*s", (int)(eq - host_eq), host_eq);
    snprintf(resolve, sizeof resolve, "%s:443:%s", host, eq + 1);
    opts.host = host;
    opts.resolve[0] = resolve;
    opts.n_resolve = 1;

    struct job jobs[] = {
        {.name = "never", .act = ACT_NEVER},
        {.name = "start", .act = ACT_START},
        {.name = "echo", .act = ACT_ECHO, .stage = "auth_echo"},
        {.name = "tunnel", .act = ACT_TUNNEL, .stage = "tunnels"},
        {.name = "free", .act = ACT_FREE, .stage = "tunnels"},
        {.name = "done", .act = ACT_DONE},
        {.name = "control", .act = ACT_CONTROL},
    };
    size_t n = sizeof jobs / sizeof jobs[0];
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *multi = curl_multi_init();
    for (size_t i = 0; i < n; i++)
        if (!start(&jobs[i], multi))
            return 1;
    /* never: freed as built; start: cancelled at once */
    snprintf(jobs[0].at, sizeof jobs[0].at, "%s", check_stage(jobs[0].c));
    check_free(jobs[0].c);
    jobs[0].c = NULL;
    jobs[0].ok = jobs[0].finished = true;
    const char *st = check_stage(jobs[1].c);
    char at[16];
    snprintf(at, sizeof at, "%s", st);
    check_cancel(jobs[1].c);
    cancelled(&jobs[1], at);

    size_t left = n;
    for (int spins = 0; left > 0 && spins < 20000; spins++) {
        driver_turn(multi, NULL, NULL);
        left = 0;
        for (size_t i = 0; i < n; i++) {
            if (jobs[i].c != NULL)
                (void)check_expire(jobs[i].c);
            step(&jobs[i], multi);
            left += !jobs[i].finished;
        }
        if (left > 0)
            driver_wait(multi, 20);
    }
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        const struct oa_result *r = jobs[i].c != NULL ? check_result(jobs[i].c) : NULL;
        printf("%s %s %s %d\n", jobs[i].name, jobs[i].at[0] ? jobs[i].at : "-",
               r != NULL ? oa_state_name(oa_result_status(r)) : "-", jobs[i].tries);
        if (!jobs[i].ok || !jobs[i].finished)
            rc = 1;
        check_free(jobs[i].c);
    }
    int running = -1;
    curl_multi_perform(multi, &running);
    if (running != 0) {
        fprintf(stderr, "%d transfers left in the multi\n", running);
        rc = 1;
    }
    check_engine_cleanup();
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    return rc;
}
