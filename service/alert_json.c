/*
 * alert_json.c: the stored form of a firing alert (see alert_json.h).
 */
#include "service/alert_json.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool fires(enum oa_state s)
{
    return s == OA_STATE_WARNING || s == OA_STATE_CRITICAL || s == OA_STATE_UNKNOWN;
}

char *alert_json_write(const struct alert_state *s, const struct view_target *t)
{
    if (s == NULL || t == NULL || t->name == NULL || !s->firing || !fires(s->severity))
        return NULL;
    json_t *labels = json_object();
    for (size_t i = 0; labels != NULL && t->labels != NULL && i < t->nlabels &&
                       i < ALERT_JSON_LABELS_MAX;
         i++)
        if (t->labels[i].name != NULL &&
            json_object_set_new(labels, t->labels[i].name,
                                json_string(t->labels[i].value ? t->labels[i].value : "")) != 0) {
            json_decref(labels);
            labels = NULL;
        }
    const char *code = s->code < OA_DIAG__COUNT ? oa_diag_code_name(s->code) : NULL;
    json_t *o = labels == NULL ? NULL
                               : json_pack("{s:i, s:s, s:o?, s:I, s:I, s:s, s:o?, s:o}",
                                           "v", ALERT_JSON_VERSION,
                                           "severity", oa_state_name(s->severity),
                                           "code", code ? json_string(code) : NULL,
                                           "starts", (json_int_t)s->starts_ms,
                                           "notified", (json_int_t)s->notified_ms,
                                           "host", t->host ? t->host : "",
                                           "location", t->location && t->location[0]
                                                           ? json_string(t->location)
                                                           : NULL,
                                           "labels", labels);
    char *out = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    return out;
}

static int fail(char *err, size_t len, const char *name, const char *what)
{
    if (err != NULL && len > 0)
        snprintf(err, len, "alert state of %s: %s", name ? name : "?", what);
    return -1;
}

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

int alert_json_read(const char *json, const char *name, struct alert_state *s,
                    struct alert_saved *saved, char *err, size_t len)
{
    if (s == NULL || json == NULL || name == NULL)
        return fail(err, len, name, "missing argument");
    memset(s, 0, sizeof *s);
    if (saved != NULL)
        memset(saved, 0, sizeof *saved);
    json_t *o = json_loads(json, JSON_REJECT_DUPLICATES, NULL);
    int rc = -1;
    if (!json_is_object(o)) {
        fail(err, len, name, "not a JSON object");
        goto out;
    }
    json_t *v = json_object_get(o, "v");
    if (!json_is_integer(v) || json_integer_value(v) != ALERT_JSON_VERSION) {
        fail(err, len, name, "v: not version 1 (written by another oaprobe)");
        goto out;
    }
    const char *sev = json_string_value(json_object_get(o, "severity"));
    enum oa_state st;
    if (sev == NULL || oa_state_from_name(sev, &st) != 0 || !fires(st)) {
        fail(err, len, name, "severity: not warning, critical or unknown");
        goto out;
    }
    json_t *js = json_object_get(o, "starts"), *jn = json_object_get(o, "notified");
    if (!json_is_integer(js) || !json_is_integer(jn) || json_integer_value(js) <= 0 ||
        json_integer_value(jn) <= 0) {
        fail(err, len, name, "starts, notified: missing or not positive times");
        goto out;
    }
    if (json_integer_value(jn) < json_integer_value(js)) {
        fail(err, len, name, "notified: before starts");
        goto out;
    }
    json_t *jc = json_object_get(o, "code");
    enum oa_diag_code code = OA_DIAG__COUNT;
    if (jc != NULL && !json_is_null(jc)) {
        if (!json_is_string(jc)) {
            fail(err, len, name, "code: not a string");
            goto out;
        }
        if (oa_diag_code_from_name(json_string_value(jc), &code) != 0)
            code = OA_DIAG__COUNT; /* a newer oaprobe's code */
    }
    json_t *labels = json_object_get(o, "labels");
    if (labels != NULL && !json_is_object(labels)) {
        fail(err, len, name, "labels: not an object");
        goto out;
    }
    if (json_object_size(labels) > ALERT_JSON_LABELS_MAX) {
        fail(err, len, name, "labels: more than 32");
        goto out;
    }
    const char *k;
    json_t *lv;
    json_object_foreach(labels, k, lv)
    {
        if (!json_is_string(lv)) {
            fail(err, len, name, "labels: a value that is not a string");
            goto out;
        }
    }
    s->firing = true;
    s->severity = st;
    s->code = code;
    s->starts_ms = json_integer_value(js);
    s->notified_ms = json_integer_value(jn);
    rc = 0;
    if (saved == NULL)
        goto out;
    const char *host = json_string_value(json_object_get(o, "host"));
    const char *loc = json_string_value(json_object_get(o, "location"));
    saved->name = strdup(name);
    saved->host = strdup(host ? host : "");
    saved->location = dup_or_null(loc);
    bool nomem = saved->name == NULL || saved->host == NULL || (loc && !saved->location);
    json_object_foreach(labels, k, lv)
    {
        struct view_label *l = &saved->labels[saved->nlabels++];
        l->name = strdup(k);
        l->value = strdup(json_string_value(lv));
        nomem |= l->name == NULL || l->value == NULL;
    }
    if (nomem) {
        alert_saved_clear(saved);
        memset(s, 0, sizeof *s);
        rc = fail(err, len, name, "out of memory");
    }
out:
    json_decref(o);
    return rc;
}

void alert_saved_clear(struct alert_saved *saved)
{
    if (saved == NULL)
        return;
    free(saved->name);
    free(saved->host);
    free(saved->location);
    for (size_t i = 0; i < saved->nlabels; i++) {
        free((char *)saved->labels[i].name);
        free((char *)saved->labels[i].value);
    }
    memset(saved, 0, sizeof *saved);
}

void alert_saved_view(const struct alert_saved *saved, int64_t at_ms, struct view_target *v)
{
    memset(v, 0, sizeof *v);
    v->name = saved->name;
    v->host = saved->host;
    v->location = saved->location;
    v->depth = "";
    v->labels = saved->labels;
    v->nlabels = saved->nlabels;
    v->status = OA_STATE_OK;
    v->last_status = OA_STATE_OK;
    v->last_run_ms = at_ms > 0 ? at_ms : 1;
    v->since_ms = v->last_run_ms;
    for (size_t w = 0; w < VIEW_WINDOW__COUNT; w++)
        v->uptime[w] = -1;
}
