/*
 * render_api.c: the target list, one target in full, the status document
 * and the 202 body of the API (see render_api.h).
 */
#include "web/render_api.h"

#include <stdlib.h>
#include <string.h>

#include "probes/check/check.h"
#include "web/jsonutil.h"
#include "web/render_json.h"

/* ---- pieces shared by the summary and the detail ------------------------ */

static const char *target_state(const struct view_target *t)
{
    return view_target_pending(t) ? "pending" : oa_state_name(t->status);
}

static json_t *labels_object(const struct view_target *t)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    for (size_t i = 0; i < t->nlabels && t->labels != NULL; i++) {
        const struct view_label *l = &t->labels[i];
        if (l->name == NULL || l->name[0] == '\0')
            continue;
        char name[256];
        ju_clean(name, sizeof name, l->name);
        if (ju_set(o, name, ju_str(l->value != NULL ? l->value : "")) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* The codes of the latest run: the daemon's list, or the latest record's
 * diagnoses (each code once) when the daemon gave none. */
static json_t *codes_array(const struct view_target *t)
{
    json_t *a = json_array();
    if (a == NULL)
        return NULL;
    if (t->codes != NULL && t->ncodes > 0) {
        for (size_t i = 0; i < t->ncodes; i++) {
            const char *c = oa_diag_code_name(t->codes[i]);
            if (c != NULL && ju_append(a, json_string(c)) != 0)
                goto fail;
        }
        return a;
    }
    const struct oa_result *r = t->latest;
    size_t n = r == NULL ? 0 : r->ndiags < OA_RESULT_MAX_DIAGS ? r->ndiags : OA_RESULT_MAX_DIAGS;
    for (size_t i = 0; i < n; i++) {
        size_t k;
        for (k = 0; k < i; k++)
            if (r->diags[k].code == r->diags[i].code)
                break;
        const char *c = oa_diag_code_name(r->diags[i].code);
        if (k == i && c != NULL && ju_append(a, json_string(c)) != 0)
            goto fail;
    }
    return a;
fail:
    json_decref(a);
    return NULL;
}

/* The code of the worst diagnosis of a result document (render_json's
 * shape), or NULL. */
static const char *doc_reason(json_t *doc)
{
    json_t *diags = json_object_get(doc, "diagnoses");
    const char *best = NULL;
    int rank = -1;
    size_t i;
    json_t *d;
    json_array_foreach(diags, i, d) {
        enum oa_state sev;
        const char *code = json_string_value(json_object_get(d, "code"));
        const char *s = json_string_value(json_object_get(d, "severity"));
        if (code == NULL || s == NULL || oa_state_from_name(s, &sev) != 0)
            continue;
        if (oa_state_rank(sev) > rank) {
            rank = oa_state_rank(sev);
            best = code;
        }
    }
    return best;
}

static json_t *reason_value(const struct view_target *t, json_t *doc)
{
    if (t->latest != NULL) {
        const struct oa_diag *w = oa_result_worst_diag(t->latest);
        const char *c = w != NULL ? oa_diag_code_name(w->code) : NULL;
        return c != NULL ? json_string(c) : json_null();
    }
    const char *c = doc != NULL ? doc_reason(doc) : NULL;
    if (c != NULL)
        return ju_str(c);
    if (t->codes != NULL && t->ncodes > 0 && oa_diag_code_name(t->codes[0]) != NULL)
        return json_string(oa_diag_code_name(t->codes[0]));
    return json_null();
}

/* The message of the worst diagnosis (the one-line "what is wrong"), or
 * JSON null when the latest run had none. */
static json_t *message_value(const struct view_target *t, json_t *doc)
{
    if (t->latest != NULL) {
        const struct oa_diag *w = oa_result_worst_diag(t->latest);
        return w != NULL ? ju_str(w->message) : json_null();
    }
    const char *code = doc != NULL ? doc_reason(doc) : NULL;
    size_t i;
    json_t *d;
    json_array_foreach(code != NULL ? json_object_get(doc, "diagnoses") : NULL, i, d) {
        const char *c = json_string_value(json_object_get(d, "code"));
        const char *m = json_string_value(json_object_get(d, "message"));
        if (c != NULL && m != NULL && strcmp(c, code) == 0)
            return ju_str(m);
    }
    return json_null();
}

static json_t *doc_step_details(json_t *doc, const char *name);

/* Days until the leaf certificate's notAfter, from the latest run's tls
 * step, or JSON null. */
static json_t *cert_days_value(const struct view_target *t, json_t *doc)
{
    if (t->latest != NULL) {
        const struct oa_result *r = t->latest;
        size_t n = r->nsteps < OA_RESULT_MAX_STEPS ? r->nsteps : OA_RESULT_MAX_STEPS;
        for (size_t i = 0; i < n; i++) {
            if (r->steps[i].kind != OA_STEP_TLS)
                continue;
            const struct oa_detail *d = oa_step_find_detail(&r->steps[i], OA_DETAIL_CERT_DAYS_LEFT);
            return d != NULL ? json_integer(d->i) : json_null();
        }
        return json_null();
    }
    json_t *v = doc != NULL ? json_object_get(doc_step_details(doc, "tls"), "cert_days_left") : NULL;
    return json_is_integer(v) ? json_integer(json_integer_value(v)) : json_null();
}

static json_t *uptime_object(const struct view_target *t)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    for (unsigned w = 0; w < VIEW_WINDOW__COUNT; w++) {
        if (ju_set(o, view_window_name((enum view_window)w), ju_ratio(t->uptime[w])) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* The latest result as a document: rendered from the record, or parsed
 * from the stored text. New reference or NULL. */
static json_t *result_doc(const struct view_target *t)
{
    if (t->latest != NULL)
        return render_json_object(t->latest);
    if (t->latest_json == NULL)
        return NULL;
    json_t *doc = json_loads(t->latest_json, 0, NULL);
    if (doc != NULL && !json_is_object(doc)) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

static json_t *summary_with(const struct view_target *t, json_t *doc)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int pending = view_target_pending(t);
    int bad = ju_set(o, "name", ju_str(t->name));
    bad |= ju_set(o, "host", ju_str(t->host));
    bad |= ju_set(o, "location", ju_str_or_null(t->location));
    bad |= ju_set(o, "labels", labels_object(t));
    bad |= ju_set(o, "depth", ju_str(t->depth));
    bad |= ju_set(o, "source", json_string(t->source == VIEW_SOURCE_API ? "api" : "file"));
    bad |= ju_set(o, "blocked", ju_str_or_null(t->blocked));
    bad |= ju_set(o, "status", json_string(target_state(t)));
    bad |= ju_set(o, "since", ju_time_ms(t->since_ms));
    bad |= ju_set(o, "maintenance", json_boolean(t->maintenance));
    bad |= ju_set(o, "reason", reason_value(t, doc));
    bad |= ju_set(o, "message", message_value(t, doc));
    bad |= ju_set(o, "codes", codes_array(t));
    bad |= ju_set(o, "last_run", ju_time_ms(t->last_run_ms));
    bad |= ju_set(o, "last_status", pending ? json_null() : json_string(oa_state_name(t->last_status)));
    bad |= ju_set(o, "latency_seconds", pending ? json_null() : ju_seconds(t->latency_us));
    bad |= ju_set(o, "cert_days_left", cert_days_value(t, doc));
    bad |= ju_set(o, "uptime", uptime_object(t));
    bad |= ju_set(o, "consecutive_failures", json_integer(t->consecutive_failures));
    bad |= ju_set(o, "interval_seconds", json_real((double)t->interval_ms / 1e3));
    bad |= ju_set(o, "next_run", ju_time_ms(t->next_run_ms));
    bad |= ju_set(o, "running", json_boolean(t->running));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

json_t *render_api_target_summary(const struct view_target *t)
{
    if (t == NULL)
        return NULL;
    json_t *doc = t->latest == NULL ? result_doc(t) : NULL;
    json_t *o = summary_with(t, doc);
    json_decref(doc);
    return o;
}

char *render_api_target_summary_json(const struct view_target *t, size_t *len)
{
    return ju_dump(render_api_target_summary(t), len);
}

char *render_api_targets(const struct view_service *s, size_t *len)
{
    if (s == NULL)
        return NULL;
    json_t *arr = json_array();
    json_t *doc = json_object();
    int bad = arr == NULL || doc == NULL;
    for (size_t i = 0; i < s->ntargets && !bad; i++)
        if (s->targets[i] != NULL)
            bad |= ju_append(arr, render_api_target_summary(s->targets[i]));
    if (bad) {
        json_decref(arr);
        json_decref(doc);
        return NULL;
    }
    if (ju_set(doc, "targets", arr) != 0) { /* consumes arr */
        json_decref(doc);
        return NULL;
    }
    return ju_dump(doc, len);
}

/* ---- the detail --------------------------------------------------------- */

/* The check's settings. Reads only the fields named in view.h: never
 * opts->password. */
static json_t *settings_object(const struct view_target *t)
{
    const struct check_opts *op = t->opts;
    json_t *o = json_object();
    json_t *servers = json_array();
    json_t *ports = json_array();
    int bad = o == NULL || servers == NULL || ports == NULL;
    if (op != NULL && !bad) {
        size_t ns = op->n_servers < CHECK_MAX_SERVERS ? op->n_servers : CHECK_MAX_SERVERS;
        for (size_t i = 0; i < ns; i++)
            bad |= ju_append(servers, ju_str(op->servers[i]));
        size_t np = op->n_ports < CHECK_MAX_PORTS ? op->n_ports : CHECK_MAX_PORTS;
        for (size_t i = 0; i < np; i++)
            bad |= ju_append(ports, json_integer(op->ports[i]));
    }
    if (bad) {
        json_decref(o);
        json_decref(servers);
        json_decref(ports);
        return NULL;
    }
    bad |= ju_set(o, "servers", servers);
    bad |= ju_set(o, "ports", ports);
    bad |= ju_set(o, "auth", op != NULL ? json_string(check_auth_name(op->auth)) : json_null());
    bad |= ju_set(o, "user", op != NULL ? ju_str_or_null(op->user) : json_null());
    bad |= ju_set(o, "insecure", json_boolean(op != NULL && op->insecure));
    bad |= ju_set(o, "http", json_boolean(op != NULL && op->http));
    bad |= ju_set(o, "direct_ports", json_boolean(op != NULL && op->direct_ports));
    bad |= ju_set(o, "timeout_seconds", json_real((double)t->timeout_ms / 1e3));
    bad |= ju_set(o, "cert_warn_days",
                  op != NULL && op->cert_warn_days ? json_integer(op->cert_warn_days)
                                                   : json_integer(CHECK_DEFAULT_WARN_DAYS));
    bad |= ju_set(o, "failure_threshold", json_integer(t->failure_threshold));
    bad |= ju_set(o, "success_threshold", json_integer(t->success_threshold));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *counters_object(const struct view_target *t)
{
    return json_pack("{s:{s:I, s:I, s:I, s:I}, s:I}", "runs", "ok",
                     (json_int_t)t->runs[OA_STATE_OK], "warning",
                     (json_int_t)t->runs[OA_STATE_WARNING], "critical",
                     (json_int_t)t->runs[OA_STATE_CRITICAL], "unknown",
                     (json_int_t)t->runs[OA_STATE_UNKNOWN], "overruns",
                     (json_int_t)t->overruns);
}

static json_t *incident_value(const struct view_target *t)
{
    if (t->incident_started_ms <= 0)
        return json_null();
    json_t *o = json_object();
    if (o == NULL || ju_set(o, "started_at", ju_time_ms(t->incident_started_ms)) != 0) {
        json_decref(o);
        return NULL;
    }
    return o;
}

/* The details object of the first step named `name` in a result document. */
static json_t *doc_step_details(json_t *doc, const char *name)
{
    size_t i;
    json_t *st;
    json_array_foreach(json_object_get(doc, "steps"), i, st) {
        const char *n = json_string_value(json_object_get(st, "name"));
        if (n != NULL && strcmp(n, name) == 0)
            return json_object_get(st, "details");
    }
    return NULL;
}

/* Certificate facts of the tls step, or JSON null. */
static json_t *certificate_value(json_t *doc)
{
    static const char *const map[][2] = {
        {"subject", "cert_subject"},     {"issuer", "cert_issuer"},
        {"san", "cert_san"},             {"not_before", "cert_not_before"},
        {"not_after", "cert_not_after"}, {"days_left", "cert_days_left"},
        {"chain_not_after", "chain_not_after"}, {"trust", "trust"},
        {"host_match", "host_match"},    {"tls_version", "tls_version"},
        {"tls_cipher", "tls_cipher"},
    };
    json_t *det = doc != NULL ? doc_step_details(doc, "tls") : NULL;
    if (!json_is_object(det))
        return json_null();
    int any = 0;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        any |= json_object_get(det, map[i][1]) != NULL;
    if (!any)
        return json_null();
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        json_t *v = json_object_get(det, map[i][1]);
        if (v == NULL)
            v = strcmp(map[i][0], "san") == 0 ? json_array() : json_null();
        else
            json_incref(v);
        if (ju_set(o, map[i][0], v) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

char *render_api_target(const struct view_target *t, size_t *len)
{
    if (t == NULL)
        return NULL;
    json_t *doc = result_doc(t);
    json_t *o = summary_with(t, doc);
    if (o == NULL) {
        json_decref(doc);
        return NULL;
    }
    int bad = ju_set(o, "settings", settings_object(t));
    bad |= ju_set(o, "incident", incident_value(t));
    bad |= ju_set(o, "counters", counters_object(t));
    bad |= ju_set(o, "certificate", certificate_value(doc));
    bad |= ju_set(o, "result", doc != NULL ? doc : json_null()); /* consumes doc */
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return ju_dump(o, len);
}

char *render_api_accepted(const char *target, const char *location, size_t *len)
{
    if (target == NULL)
        return NULL;
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int bad = ju_set(o, "target", ju_str(target));
    bad |= ju_set(o, "status", json_string("accepted"));
    bad |= ju_set(o, "location", ju_str(location));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return ju_dump(o, len);
}

/* ---- status -------------------------------------------------------------- */

int render_api_status_ok(const struct view_service *s)
{
    if (s == NULL)
        return 0;
    for (size_t i = 0; i < s->ntargets; i++) {
        const struct view_target *t = s->targets[i];
        if (t == NULL)
            continue;
        if (t->blocked != NULL) /* never run, maintenance or not: needs action */
            return 0;
        if (t->maintenance)
            continue;
        if (view_target_pending(t) || t->status != OA_STATE_OK)
            return 0;
    }
    return 1;
}

char *render_api_status(const struct view_service *s, int64_t now_ms, size_t *len)
{
    if (s == NULL)
        return NULL;
    json_int_t n[OA_STATE__COUNT] = {0}, pending = 0, blocked = 0, maint = 0, total = 0;
    for (size_t i = 0; i < s->ntargets; i++) {
        const struct view_target *t = s->targets[i];
        if (t == NULL)
            continue;
        total++;
        maint += t->maintenance != 0;
        if (t->blocked != NULL) /* its last state is no one's state now */
            blocked++;
        else if (view_target_pending(t))
            pending++;
        else if ((unsigned)t->status < OA_STATE__COUNT)
            n[t->status]++;
        else
            n[OA_STATE_UNKNOWN]++;
    }
    int ok = render_api_status_ok(s);
    int64_t up_ms = s->started_at_ms > 0 && now_ms > s->started_at_ms ? now_ms - s->started_at_ms : 0;
    json_t *cfg = json_object();
    json_t *o = json_pack("{s:b, s:s, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:I}", "ok", ok,
                          "status", ok ? "ok" : "degraded", "targets", total, "counts",
                          "ok", n[OA_STATE_OK], "warning", n[OA_STATE_WARNING], "critical",
                          n[OA_STATE_CRITICAL], "unknown", n[OA_STATE_UNKNOWN], "pending",
                          pending, "blocked", blocked, "maintenance", maint);
    int bad = o == NULL || cfg == NULL;
    if (!bad) {
        bad |= ju_set(o, "version", ju_str(s->version));
        bad |= ju_set(o, "started_at", ju_time_ms(s->started_at_ms));
        bad |= ju_set(o, "uptime_seconds", json_real((double)up_ms / 1e3));
        bad |= ju_set(cfg, "last_reload_successful", json_boolean(s->reload_ok));
        bad |= ju_set(cfg, "last_reload_success_at", ju_time_ms(s->reload_success_ms));
        bad |= ju_set(cfg, "error", ju_str_or_null(s->reload_error));
        bad |= ju_set(cfg, "restart_required", ju_str_or_null(s->restart_required));
        bad |= ju_set(o, "config", cfg);
        cfg = NULL;
    }
    json_decref(cfg);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return ju_dump(o, len);
}
