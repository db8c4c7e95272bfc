/*
 * render_alert.h: alert payloads (issue 9): Alertmanager v2 postable alerts
 * (POST /api/v2/alerts) and the webhook `version: "4"` payload that
 * Alertmanager itself sends, so existing receivers work unchanged. Pure: the
 * daemon decides when an alert fires, repeats or resolves, and passes the
 * times.
 *
 * One alert per target. Labels: alertname "OutlookAnywhereDown" (severity
 * critical or unknown) or "OutlookAnywhereDegraded" (warning), target,
 * severity, code (the reason when the alert fired), location when set, and
 * the configured labels with names sanitised as on /metrics. Annotations:
 * summary (the target, state and code), message (the worst diagnosis's
 * message of the latest result, else the observed text of the code) and
 * remedy (that diagnosis's remedy, else the code's default remedy). Never a
 * secret: the target's settings are not read.
 */
#ifndef OAPROBE_WEB_RENDER_ALERT_H
#define OAPROBE_WEB_RENDER_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "web/view.h"

/* One alert as the daemon's alerting state knows it. */
struct alert_item {
    const struct view_target *t;
    enum oa_state severity;       /* when it fired: warning, critical, unknown */
    enum oa_diag_code code;       /* the reason when it fired; OA_DIAG__COUNT:
                                   * none */
    int resolved;                 /* 1: resolved at ends_ms */
    int64_t starts_ms;            /* when it started firing */
    int64_t ends_ms;              /* resolved: when it ended; firing: the
                                   * expiry Alertmanager should use (the
                                   * daemon re-sends before it); 0: none */
};

/* The webhook notification's envelope. */
struct alert_webhook_meta {
    const char *receiver;           /* the webhook's configured name */
    const char *external_url;       /* oaprobe's URL (generatorURL base) */
    const char *notification_reason;/* "first notification", "new alerts
                                     * added", "some alerts resolved", "all
                                     * alerts resolved", "repeat interval
                                     * elapsed" */
    size_t max_alerts;              /* 0: no limit; else keep the first
                                     * max_alerts, count the rest in
                                     * truncatedAlerts */
};

/*
 * render_alert_labels: the label set of an alert (a JSON object, new
 * reference), or NULL.
 */
json_t *render_alert_labels(const struct alert_item *a);

/*
 * render_alert_fingerprint: Alertmanager's fingerprint of a label set
 * (FNV-1a 64 over the names in byte order, name 0xff value 0xff), written
 * as 16 lower-case hex digits into out (17 bytes). Returns 0 or -1.
 */
int render_alert_fingerprint(json_t *labels, char out[17]);

/*
 * render_alert_postable: the body of POST /api/v2/alerts: [{labels,
 * annotations, startsAt, endsAt, generatorURL}...]; endsAt is left out when
 * ends_ms is 0; generatorURL = external_url + "/api/v1/targets/" + name.
 * Returns JSON text (free() it) or NULL.
 */
char *render_alert_postable(const struct alert_item *a, size_t n, const char *external_url,
                            size_t *len);

/*
 * render_alert_webhook: the webhook payload {version "4", groupKey,
 * truncatedAlerts, status, receiver, groupLabels, commonLabels,
 * commonAnnotations, externalURL, notification_reason, alerts: [{status,
 * labels, annotations, startsAt, endsAt, generatorURL, fingerprint}]}.
 * A firing alert has endsAt "0001-01-01T00:00:00Z" (as Alertmanager
 * sends); status is "firing" when any alert fires. groupLabels are
 * alertname and target where all alerts share them; groupKey is
 * "{}:{name=\"value\",...}" of the group labels. Returns JSON text or NULL.
 */
char *render_alert_webhook(const struct alert_item *a, size_t n,
                           const struct alert_webhook_meta *m, size_t *len);

#endif /* OAPROBE_WEB_RENDER_ALERT_H */
