/*
 * check_run.c: the blocking convenience for the CLI (see check.h).
 *
 * One private multi handle, curl_multi_perform + curl_multi_poll (which
 * also watches check_engine_fd for the background Kerberos work) in a loop
 * whose every wait is bounded by the time left to the deadline (plus the
 * grace check_expire allows), so the loop ends within deadline + 1 s even if
 * libcurl's own timeouts did not fire.
 */
#include "probes/check/check.h"

#include <stdio.h>

#include "probes/check/check_xfer.h"

#define RUN_POLL_MAX_MS 200   /* longest single wait */
#define RUN_HARD_SLACK_MS 900 /* give up on the loop this long after the deadline */

struct check *check_run(const struct check_opts *opts, char *err, size_t len)
{
    struct check *c = check_new(opts, err, len);
    if (c == NULL)
        return NULL;
    CURLM *multi = curl_multi_init();
    if (multi == NULL) {
        if (err != NULL && len > 0)
            snprintf(err, len, "libcurl: cannot create a multi handle");
        check_free(c);
        return NULL;
    }
    (void)check_start(c, multi); /* a failed start still yields a result */
    while (!check_done(c)) {
        int running = 0;
        CURLMcode mc = curl_multi_perform(multi, &running);
        CURLMsg *msg;
        int queued;
        while ((msg = curl_multi_info_read(multi, &queued)) != NULL)
            (void)check_dispatch(msg, NULL);
        if (check_done(c) || check_expire(c))
            break;
        int64_t left = check_deadline_ms(c) - check_now_ms();
        if (mc != CURLM_OK || left < -RUN_HARD_SLACK_MS) {
            check_cancel(c);
            break;
        }
        int wait = left > RUN_POLL_MAX_MS ? RUN_POLL_MAX_MS : left < 10 ? 10 : (int)left;
        struct curl_waitfd bg = {.fd = check_engine_fd(), .events = CURL_WAIT_POLLIN};
        (void)curl_multi_poll(multi, bg.fd >= 0 ? &bg : NULL, bg.fd >= 0 ? 1 : 0, wait, NULL);
        check_engine_poll(NULL, NULL); /* Kerberos tickets from the background */
    }
    check_cancel(c); /* no-op when done; a done check is detached from the multi */
    curl_multi_cleanup(multi);
    return c;
}
