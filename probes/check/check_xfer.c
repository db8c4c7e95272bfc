/*
 * check_xfer.c: the transfer layer of the engine (see check_xfer.h): the
 * clock, traces, and the life of one transfer (create, add to the multi,
 * stop, free). The stages use it; it calls no stage and never the pipeline.
 */
#include "probes/check/check_xfer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "probes/check/check_http.h"
#include "probes/check/check_socktag.h"
#include "probes/result/text.h"

const char *check_xfer_kind_name(enum check_xfer_kind k)
{
    switch (k) {
    case CHECK_XK_CONNECT:
        return "connect";
    case CHECK_XK_DIRECT:
        return "direct";
    case CHECK_XK_ECHO_UNAUTH:
        return "echo";
    case CHECK_XK_ECHO_AUTH:
        return "echo-auth";
    case CHECK_XK_NTLM_INFO:
        return "ntlm-info";
    case CHECK_XK_TUN_IN:
        return "in";
    case CHECK_XK_TUN_OUT:
        return "out";
    }
    return "unknown";
}

int64_t check_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Make a trace line safe for a terminal: valid UTF-8 (oa_text_copy), and
 * every C0 control, DEL and C1 control (U+0080-U+009F: a CSI can be one
 * character) becomes '?'. Trace lines carry what a server sent (header lines,
 * NTLM names), so ESC, BEL or CR from a hostile server never reach the
 * operator's terminal.
 */
static void trace_clean(char *dst, size_t cap, const char *src)
{
    oa_text_copy(dst, cap, src);
    for (unsigned char *p = (unsigned char *)dst; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7f)
            *p = '?';
        else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            p[0] = '?', p[1] = '?';
    }
}

void check_tracef(struct check *c, const char *fmt, ...)
{
    if (c == NULL || c->trace == NULL || c->verbose < 1)
        return;
    char line[512], clean[512];
    int64_t at = c->t0_ms > 0 ? check_now_ms() - c->t0_ms : 0;
    int n = snprintf(line, sizeof line, "[%6lld ms] ", (long long)at);
    va_list ap;
    va_start(ap, fmt);
    if (n > 0 && (size_t)n < sizeof line)
        vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    trace_clean(clean, sizeof clean, line);
    c->trace(c->trace_arg, clean);
}

int64_t check_remaining_ms(const struct check *c)
{
    int64_t r = c->deadline_ms - check_now_ms();
    return r > 0 ? r : 0;
}

struct check_xfer *check_xfer_new(struct check *c, enum check_xfer_kind kind,
                                  struct check_xfer_obs *obs)
{
    struct check_xfer *x = calloc(1, sizeof *x);
    if (x == NULL)
        return NULL;
    x->magic = CHECK_XFER_MAGIC;
    x->chk = c;
    x->kind = kind;
    x->obs = obs;
    x->easy = curl_easy_init();
    if (x->easy == NULL || chttp_common(x) < 0) {
        check_xfer_free(x);
        return NULL;
    }
    return x;
}

int check_xfer_add(struct check_xfer *x)
{
    struct check *c = x->chk;
    int64_t left = check_remaining_ms(c);
    x->obs->ran = true;
    x->obs->t_start_ms = check_now_ms() - c->t0_ms;
    if (left <= 0) {
        x->obs->fail = CHECK_FAIL_TIMEOUT;
        x->obs->done = true;
        snprintf(x->obs->detail, sizeof x->obs->detail,
                 "no time left of the %u ms deadline to start", c->timeout_ms);
        return -1;
    }
    if (x->stage_cap_ms > 0 && left > (int64_t)x->stage_cap_ms)
        left = x->stage_cap_ms;
    x->deadline_ms = check_now_ms() + left;
    if (curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, (long)left) != CURLE_OK ||
        curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)left) != CURLE_OK ||
        curl_multi_add_handle(c->multi, x->easy) != CURLM_OK) {
        x->obs->fail = CHECK_FAIL_INTERNAL;
        x->obs->done = true;
        snprintf(x->obs->detail, sizeof x->obs->detail, "libcurl refused the transfer");
        return -1;
    }
    x->in_multi = true;
    c->running++;
    check_tracef(c, "start %s (%lld ms left)", check_xfer_kind_name(x->kind), (long long)left);
    return 0;
}

void check_xfer_free(struct check_xfer *x)
{
    if (x == NULL)
        return;
    if (x->in_multi) {
        curl_multi_remove_handle(x->chk->multi, x->easy);
        x->in_multi = false;
        x->chk->running--;
    }
    if (x->easy != NULL)
        curl_easy_cleanup(x->easy);
    check_socktag_release(x->socktag);
    x->socktag = NULL;
    curl_slist_free_all(x->headers);
    chttp_capture_free(x);
    x->magic = CHECK_DEAD_MAGIC;
    free(x);
}

void check_xfer_stop(struct check_xfer *x, enum check_fail why, const char *detail)
{
    if (x == NULL)
        return;
    if (!x->obs->done) {
        if (x->obs->fail == CHECK_FAIL_NONE)
            x->obs->fail = why;
        if (detail != NULL && x->obs->detail[0] == '\0')
            snprintf(x->obs->detail, sizeof x->obs->detail, "%s", detail);
        enum check_fail keep = x->obs->fail;
        chttp_collect(x, why == CHECK_FAIL_TIMEOUT ? CURLE_OPERATION_TIMEDOUT
                                                   : CURLE_ABORTED_BY_CALLBACK);
        x->obs->fail = keep;
        x->obs->t_end_ms = check_now_ms() - x->chk->t0_ms;
    }
    check_xfer_free(x);
}

struct check_xfer *check_xfer_of(CURL *easy)
{
    char *p = NULL;
    if (easy == NULL || curl_easy_getinfo(easy, CURLINFO_PRIVATE, &p) != CURLE_OK || p == NULL)
        return NULL;
    struct check_xfer *x = (struct check_xfer *)(void *)p;
    if (x->magic != CHECK_XFER_MAGIC || x->chk == NULL || x->chk->magic != CHECK_MAGIC)
        return NULL;
    return x;
}

void check_xfer_ended(struct check_xfer *x, CURLcode rc)
{
    struct check *c = x->chk;
    if (x->in_multi) {
        curl_multi_remove_handle(c->multi, x->easy);
        x->in_multi = false;
        c->running--;
    }
    chttp_collect(x, rc);
    x->obs->t_end_ms = check_now_ms() - c->t0_ms;
    check_tracef(c, "end %s: %s%s%s (status %u)", check_xfer_kind_name(x->kind),
                 check_fail_name(x->obs->fail), x->obs->error[0] ? ", " : "", x->obs->error,
                 x->obs->status);
}
