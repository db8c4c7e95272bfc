/*
 * check_bg.h: the engine's signal for background work. Worker threads
 * (Kerberos acquisitions in check_gss.c, trust-store loads in check_tls.c)
 * put their finished job on their module's done list and call
 * check_bg_notify(); the eventfd (check_engine_fd in check.h) becomes
 * readable; check_engine_poll() calls check_bg_drain() and then each
 * module's poll on the engine's thread.
 */
#ifndef OAPROBE_CHECK_BG_H
#define OAPROBE_CHECK_BG_H

/* check_bg_fd: the eventfd (created on first use), or -1. */
int check_bg_fd(void);

/* check_bg_notify: make the eventfd readable (any thread). */
void check_bg_notify(void);

/* check_bg_drain: reset the eventfd (engine thread, before polling). */
void check_bg_drain(void);

#endif /* OAPROBE_CHECK_BG_H */
