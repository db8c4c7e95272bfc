/*
 * driver_loop.h: the turn of the loop the engine drivers share (check_krb,
 * check_multi, check_cancel): what the service's loop does with its one
 * multi, in curl_multi_perform / curl_multi_poll form. Header-only: each
 * driver is one source file.
 */
#ifndef OAPROBE_TESTS_DRIVER_LOOP_H
#define OAPROBE_TESTS_DRIVER_LOOP_H

#include <stdio.h>

#include <curl/curl.h>

#include "probes/check/check.h"

/* Run the transfers, hand every finished one to check_dispatch and the
 * engine's background work (trust stores, Kerberos tickets) to
 * check_engine_poll; each check this completed goes to done(arg, c) (done
 * may be NULL). A message of no check is reported on stderr. */
static inline void driver_turn(CURLM *multi, void (*done)(void *arg, struct check *c), void *arg)
{
    int running = 0;
    curl_multi_perform(multi, &running);
    CURLMsg *msg;
    int queued;
    while ((msg = curl_multi_info_read(multi, &queued)) != NULL) {
        struct check *fin = NULL;
        if (check_dispatch(msg, &fin) == CHECK_DISPATCH_FOREIGN)
            fprintf(stderr, "foreign message\n");
        if (fin != NULL && done != NULL)
            done(arg, fin);
    }
    check_engine_poll(done, arg);
}

/* Wait at most ms for the multi's sockets or the engine's eventfd. */
static inline void driver_wait(CURLM *multi, int ms)
{
    struct curl_waitfd bg = {.fd = check_engine_fd(), .events = CURL_WAIT_POLLIN};
    curl_multi_poll(multi, &bg, bg.fd >= 0 ? 1 : 0, ms, NULL);
}

#endif /* OAPROBE_TESTS_DRIVER_LOOP_H */
