/*
 * render_metrics.h: Prometheus text exposition (format 0.0.4) of the
 * service's state for GET /metrics, and of one check for GET /probe.
 *
 * Names follow blackbox_exporter where they mean the same thing (gauges):
 *   probe_success                 1 when the run's status is ok or warning
 *                                 (the endpoint works; an expiring
 *                                 certificate is a warning), else 0
 *   probe_duration_seconds        the whole check
 *   probe_timeout_seconds         the effective deadline (/probe only)
 *   probe_dns_lookup_time_seconds the dns step
 *   probe_ip_protocol             4 or 6, from the address the dns step found
 *   probe_http_ssl                1 when the check spoke TLS
 *   probe_http_status_code        the last status of the echo requests
 *                                 (401 unauthenticated, 200 authenticated);
 *                                 0 when no HTTP answer came
 *   probe_ssl_earliest_cert_expiry the earliest notAfter (Unix seconds)
 *                                 among the presented non-root certificates
 *   probe_tls_version_info{version}  1; "TLS 1.2" spelled as blackbox does
 *   probe_tls_cipher_info{cipher}    1; OpenSSL's cipher name
 * and oaprobe's own under oaprobe_:
 *   oaprobe_step_duration_seconds{step[,server][,port]}  every step that ran
 *   oaprobe_tunnel_success{server,port}, oaprobe_bind_success{server,port}
 *   oaprobe_diagnosis{code}       1 per diagnosis code of the latest run (the
 *                                 label set is the vocabulary of diag.h)
 *   oaprobe_target_status         state after thresholds: 0 ok, 1 warning,
 *                                 2 critical, 3 unknown (Nagios numbering)
 *   oaprobe_consecutive_failures, oaprobe_maintenance,
 *   oaprobe_last_run_timestamp_seconds, oaprobe_uptime_ratio{window},
 *   oaprobe_runs_total{status}, oaprobe_overruns_total      (per target)
 *   oaprobe_schedule_lag_seconds  histogram of run start lateness
 *   oaprobe_config_last_reload_successful,
 *   oaprobe_config_last_reload_success_timestamp_seconds,
 *   oaprobe_hook_deliveries_total{kind,outcome},
 *   oaprobe_adhoc_probes_total{outcome} (/probe?target=HOST&module=M:
 *                                 success, failure, refused, cancelled),
 *   oaprobe_adhoc_probes_max, oaprobe_adhoc_probes_in_flight (max_probes:
 *                                 the cap, and how many run now),
 *   oaprobe_tls_handshakes_total{session} (resumed: SSL_session_reused;
 *                                 full), oaprobe_tls_session_cache_targets,
 *                                 _targets_max (tls_session_cache),
 *                                 oaprobe_tls_session_cache_refused_total,
 *   oaprobe_start_time_seconds,
 *   oaprobe_build_info{version}                             (service)
 *
 * On /metrics every per-target series carries `target` (the configured
 * name), `location` when set, then the configured labels: names made valid
 * ([a-zA-Z_][a-zA-Z0-9_]*, other bytes -> '_', a leading digit gets a '_'
 * prefix), names that start with "__" or equal a label oaprobe sets
 * (target, location, step, server, port, code, status, window, version,
 * cipher, kind, outcome, le, job, instance) get a "label_" prefix, empty
 * names and later duplicates are dropped; values are escaped (\\, \", \n)
 * and made valid UTF-8. No free text and no secret is ever a label: only
 * names, codes, step names, server names and ports from the configuration.
 * /probe answers carry no target labels (Prometheus' relabelling adds
 * them). Each family's # HELP and # TYPE appear once, before its samples,
 * families grouped; no timestamps. A target that never ran has only its
 * counters and status series. A target restored without its record
 * (latest NULL) has probe_success, probe_duration_seconds and
 * oaprobe_diagnosis from the view's fields but no per-step series.
 *
 * Facts the result record does not hold and that are therefore not
 * exported: probe_ssl_last_chain_expiry_timestamp_seconds (the expiry of
 * the verified chain, trust anchor included) and IANA cipher names.
 */
#ifndef OAPROBE_WEB_RENDER_METRICS_H
#define OAPROBE_WEB_RENDER_METRICS_H

#include <stddef.h>

#include "probes/result/result.h"
#include "web/view.h"

#define RENDER_METRICS_MAX (256u << 20) /* bytes of one exposition, at most */
#define RENDER_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/*
 * render_metrics: the /metrics exposition of s. Returns the text (free()
 * it), *len set when len is not NULL; NULL for a NULL s, out of memory, or
 * more than RENDER_METRICS_MAX bytes.
 */
char *render_metrics(const struct view_service *s, size_t *len);

/*
 * render_metrics_probe: the /probe exposition of one check's result r
 * (r NULL: the check could not run; probe_success 0 only), with
 * probe_timeout_seconds = timeout_seconds (the deadline the check was given
 * after the scrape-timeout offset). Returns like render_metrics().
 */
char *render_metrics_probe(const struct oa_result *r, double timeout_seconds, size_t *len);

/*
 * render_metrics_label_name: sanitise a configured label name into out
 * (cap bytes) by the rules above. Returns the length, or 0 when the name
 * is dropped (empty, or out too small).
 */
size_t render_metrics_label_name(const char *name, char *out, size_t cap);

#endif /* OAPROBE_WEB_RENDER_METRICS_H */
