/*
 * render_json.c: the JSON rendering of a result (see render_json.h).
 */
#include "web/render_json.h"

#include <string.h>

#include "probes/result/text.h"
#include "probes/result/timefmt.h"

/* A JSON string from a bounded field: at most cap bytes, made valid UTF-8
 * (jansson refuses invalid UTF-8). */
static json_t *jstr(const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    json_t *j = json_stringn(s, n);
    if (j != NULL)
        return j;
    char tmp[1024];
    size_t m = oa_text_copyn(tmp, sizeof tmp, s, n, NULL);
    return json_stringn(tmp, m);
}

static json_t *jstr_or_null(const char *s, size_t cap)
{
    return strnlen(s, cap) > 0 ? jstr(s, cap) : json_null();
}

static json_t *jtime(int64_t t, int ms)
{
    char buf[OA_TIME_RFC3339_MAX];
    if (oa_time_format_rfc3339(t, ms, buf, sizeof buf) < 0)
        return json_null();
    return json_string(buf);
}

static json_t *jseconds(int64_t us)
{
    return json_real((double)(us > 0 ? us : 0) / 1e6);
}

/* Set key to value, consuming value; 0 or -1. */
static int put(json_t *obj, const char *key, json_t *value)
{
    return value != NULL && json_object_set_new(obj, key, value) == 0 ? 0 : -1;
}

static json_t *detail_value(const struct oa_result *r, const struct oa_detail *d)
{
    switch (d->type) {
    case OA_DT_INT:
        return json_integer((json_int_t)d->i);
    case OA_DT_BOOL:
        return json_boolean(d->i != 0);
    case OA_DT_TIME:
        return jtime(d->i, -1);
    case OA_DT_STR:
    case OA_DT_STRLIST:
    default: {
        const char *s = oa_result_detail_str(r, d);
        return s != NULL ? jstr(s, OA_DETAIL_STR_MAX) : json_null();
    }
    }
}

static json_t *step_details(const struct oa_result *r, const struct oa_step *st)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int bad = 0;
    if (strnlen(st->server, OA_SERVER_MAX) > 0)
        bad |= put(o, "server", jstr(st->server, OA_SERVER_MAX));
    if (st->port != 0)
        bad |= put(o, "port", json_integer(st->port));
    size_t n = st->ndetails < OA_STEP_MAX_DETAILS ? st->ndetails : OA_STEP_MAX_DETAILS;
    for (size_t i = 0; i < n && !bad; i++) {
        const struct oa_detail *d = &st->details[i];
        const char *key = oa_detail_key_name((enum oa_detail_key)d->key);
        if (key == NULL)
            continue;
        if (oa_detail_key_type((enum oa_detail_key)d->key) == OA_DT_STRLIST) {
            json_t *arr = json_object_get(o, key);
            if (arr == NULL) {
                arr = json_array();
                bad |= put(o, key, arr);
            }
            if (!bad && json_array_append_new(arr, detail_value(r, d)) != 0)
                bad = 1;
        } else {
            bad |= put(o, key, detail_value(r, d));
        }
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *step_object(const struct oa_result *r, const struct oa_step *st)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int bad = put(o, "name", json_string(oa_step_kind_name(st->kind)));
    bad |= put(o, "status", json_string(oa_state_name(st->status)));
    bad |= put(o, "duration_seconds", jseconds(st->duration_us));
    bad |= put(o, "details", step_details(r, st));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *diag_object(const struct oa_diag *d)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    const char *code = oa_diag_code_name(d->code);
    int bad = put(o, "code", code != NULL ? json_string(code) : json_null());
    bad |= put(o, "severity", json_string(oa_state_name(d->severity)));
    bad |= put(o, "step", d->step == OA_STEP_NONE ? json_null()
                                                  : json_string(oa_step_kind_name(d->step)));
    bad |= put(o, "server", jstr_or_null(d->server, OA_SERVER_MAX));
    bad |= put(o, "port", d->port != 0 ? json_integer(d->port) : json_null());
    bad |= put(o, "message", jstr(d->message, OA_MESSAGE_MAX));
    bad |= put(o, "remedy", jstr(d->remedy, OA_REMEDY_MAX));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *truncation(const struct oa_result *r)
{
    size_t nsteps = r->nsteps < OA_RESULT_MAX_STEPS ? r->nsteps : OA_RESULT_MAX_STEPS;
    size_t details = 0;
    for (size_t i = 0; i < nsteps; i++)
        details += r->steps[i].details_dropped;
    if (!r->steps_dropped && !r->diags_dropped && !r->perf_dropped && !details)
        return NULL;
    return json_pack("{s:I, s:I, s:I, s:I}", "steps", (json_int_t)r->steps_dropped,
                     "diagnoses", (json_int_t)r->diags_dropped, "details",
                     (json_int_t)details, "perfdata", (json_int_t)r->perf_dropped);
}

json_t *render_json_object(const struct oa_result *r)
{
    if (r == NULL)
        return NULL;
    json_t *doc = json_object();
    json_t *diags = json_array();
    json_t *steps = json_array();
    if (doc == NULL || diags == NULL || steps == NULL) {
        json_decref(doc);
        json_decref(diags);
        json_decref(steps);
        return NULL;
    }
    int64_t ms = r->started_at_ms;
    int64_t sec = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int bad = put(doc, "status", json_string(oa_state_name(oa_result_status(r))));
    bad |= put(doc, "target", jstr(r->target, OA_TARGET_MAX));
    bad |= put(doc, "started_at", jtime(sec, (int)(ms - sec * 1000)));
    bad |= put(doc, "duration_seconds", jseconds(r->duration_us));

    size_t ndiags = r->ndiags < OA_RESULT_MAX_DIAGS ? r->ndiags : OA_RESULT_MAX_DIAGS;
    for (size_t i = 0; i < ndiags && !bad; i++)
        if (json_array_append_new(diags, diag_object(&r->diags[i])) != 0)
            bad = 1;
    size_t nsteps = r->nsteps < OA_RESULT_MAX_STEPS ? r->nsteps : OA_RESULT_MAX_STEPS;
    for (size_t i = 0; i < nsteps && !bad; i++)
        if (json_array_append_new(steps, step_object(r, &r->steps[i])) != 0)
            bad = 1;
    bad |= put(doc, "diagnoses", diags);
    bad |= put(doc, "steps", steps);
    json_t *t = truncation(r);
    if (t != NULL)
        bad |= put(doc, "truncated", t);
    if (bad) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

char *render_json(const struct oa_result *r, unsigned flags)
{
    json_t *doc = render_json_object(r);
    if (doc == NULL)
        return NULL;
    size_t f = RENDER_JSON_FLAGS;
    f |= (flags & RENDER_JSON_PRETTY) ? JSON_INDENT(2) : JSON_COMPACT;
    char *s = json_dumps(doc, f);
    json_decref(doc);
    return s;
}
