/*
 * alert_json.c: the stored form of a firing alert (see alert_json.h).
 */
#include "service/alert_json.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "service/alert_outbox.h"

static bool fires(enum oa_state s)
{
    return s == OA_STATE_WARNING || s == OA_STATE_CRITICAL || s == OA_STATE_UNKNOWN;
}

static json_t *pending_json(const struct alert_pending *p)
{
    if (p == NULL || p->event == ALERT_NONE || p->n == 0)
        return NULL;
    json_t *to = json_array();
    for (size_t i = 0; to != NULL && i < p->n; i++)
        if (json_array_append_new(to, json_string(p->to[i])) != 0) {
            json_decref(to);
            to = NULL;
        }
    return to != NULL ? json_pack("{s:s, s:o}", "event", alert_event_name(p->event), "to", to)
                      : NULL;
}

char *alert_json_write(const struct alert_state *s, const struct view_target *t,
                       const struct alert_pending *p)
{
    if (s == NULL || t == NULL || t->name == NULL || !fires(s->severity) ||
        alert_record_of(s, p) != ALERT_RECORD_PUT)
        return NULL;
    /* a record that is not firing is a resolution still owed */
    if (!s->firing && (p->event != ALERT_RESOLVED || s->ends_ms <= 0))
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
    json_t *pend = pending_json(p);
    if (p != NULL && p->event != ALERT_NONE && p->n > 0 && pend == NULL) {
        json_decref(labels);
        return NULL;
    }
    const char *code = s->code < OA_DIAG__COUNT ? oa_diag_code_name(s->code) : NULL;
    json_t *o = labels == NULL ? NULL
                               : json_pack("{s:i, s:b, s:s, s:o?, s:I, s:I, s:s, s:o?, s:o}",
                                           "v", ALERT_JSON_VERSION,
                                           "firing", s->firing,
                                           "severity", oa_state_name(s->severity),
                                           "code", code ? json_string(code) : NULL,
                                           "starts", (json_int_t)s->starts_ms,
                                           "notified", (json_int_t)s->notified_ms,
                                           "host", t->host ? t->host : "",
                                           "location", t->location && t->location[0]
                                                           ? json_string(t->location)
                                                           : NULL,
                                           "labels", labels);
    if (o != NULL && !s->firing &&
        json_object_set_new(o, "ends", json_integer((json_int_t)s->ends_ms)) != 0) {
        json_decref(o);
        o = NULL;
    }
    if (o != NULL && pend != NULL) {
        if (json_object_set_new(o, "pending", pend) != 0) {
            json_decref(o);
            o = NULL;
        }
        pend = NULL;
    }
    json_decref(pend);
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

/* The "pending" member of o into *p (NULL: checked only). firing: the
 * record's. Returns 0 or -1 (err filled). */
static int read_pending(json_t *o, bool firing, struct alert_pending *p, const char *name,
                        char *err, size_t len)
{
    json_t *jp = json_object_get(o, "pending");
    if (jp == NULL || json_is_null(jp)) {
        if (!firing)
            return fail(err, len, name, "pending: missing in a resolved record");
        return 0;
    }
    const char *ev = json_string_value(json_object_get(jp, "event"));
    enum alert_event e = ev == NULL                    ? ALERT_NONE
                         : strcmp(ev, "firing") == 0   ? ALERT_FIRING
                         : strcmp(ev, "reminder") == 0 ? ALERT_REMINDER
                         : strcmp(ev, "resolved") == 0 ? ALERT_RESOLVED
                                                       : ALERT_NONE;
    if (!json_is_object(jp) || e == ALERT_NONE)
        return fail(err, len, name, "pending.event: not firing, reminder or resolved");
    if (firing == (e == ALERT_RESOLVED))
        return fail(err, len, name, firing ? "pending.event: resolved in a firing record"
                                           : "pending.event: not resolved in a resolved record");
    json_t *to = json_object_get(jp, "to");
    size_t n = json_array_size(to);
    if (!json_is_array(to) || n == 0 || n > ALERT_PENDING_MAX)
        return fail(err, len, name, "pending.to: not an array of 1 to 48 hooks");
    const char *keys[ALERT_PENDING_MAX];
    for (size_t i = 0; i < n; i++) {
        keys[i] = json_string_value(json_array_get(to, i));
        if (keys[i] == NULL || keys[i][0] == '\0' || strlen(keys[i]) >= ALERT_HOOK_KEY_MAX ||
            strchr(keys[i], ':') == NULL)
            return fail(err, len, name, "pending.to: a hook that is not \"kind:name\"");
    }
    if (p != NULL && alert_pending_set(p, e, keys, n) != 0)
        return fail(err, len, name, "out of memory");
    return 0;
}

int alert_json_read(const char *json, const char *name, struct alert_state *s,
                    struct alert_saved *saved, struct alert_pending *p, char *err, size_t len)
{
    if (s == NULL || json == NULL || name == NULL)
        return fail(err, len, name, "missing argument");
    memset(s, 0, sizeof *s);
    if (saved != NULL)
        memset(saved, 0, sizeof *saved);
    if (p != NULL)
        alert_pending_clear(p);
    json_t *o = json_loads(json, JSON_REJECT_DUPLICATES, NULL);
    int rc = -1;
    if (!json_is_object(o)) {
        fail(err, len, name, "not a JSON object");
        goto out;
    }
    json_t *v = json_object_get(o, "v");
    if (!json_is_integer(v) ||
        (json_integer_value(v) != 1 && json_integer_value(v) != ALERT_JSON_VERSION)) {
        fail(err, len, name, "v: not version 1 or 2 (written by another oaprobe)");
        goto out;
    }
    /* version 1 (schema 3) kept firing alerts only, with nothing owed */
    bool v1 = json_integer_value(v) == 1;
    json_t *jf = json_object_get(o, "firing");
    if (!v1 && !json_is_boolean(jf)) {
        fail(err, len, name, "firing: not true or false");
        goto out;
    }
    bool is_firing = v1 || json_is_true(jf);
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
    json_t *je = json_object_get(o, "ends");
    if (!is_firing && (!json_is_integer(je) || json_integer_value(je) < json_integer_value(js))) {
        fail(err, len, name, "ends: missing in a resolved record, or before starts");
        goto out;
    }
    if (v1 && json_object_get(o, "pending") != NULL) {
        fail(err, len, name, "pending: not in a version 1 record");
        goto out;
    }
    if (read_pending(o, is_firing, NULL, name, err, len) != 0)
        goto out;
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
    if (p != NULL && read_pending(o, is_firing, p, name, err, len) != 0)
        goto out;
    s->firing = is_firing;
    s->severity = st;
    s->code = code;
    s->starts_ms = json_integer_value(js);
    s->notified_ms = json_integer_value(jn);
    s->ends_ms = is_firing ? 0 : json_integer_value(je);
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
        alert_pending_clear(p);
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

int alert_saved_from_view(struct alert_saved *saved, const struct view_target *t)
{
    if (saved == NULL || t == NULL || t->name == NULL) {
        alert_saved_clear(saved);
        return -1;
    }
    /* built aside: t may be a view of saved itself */
    struct alert_saved n = {0};
    n.name = strdup(t->name);
    n.host = strdup(t->host ? t->host : "");
    n.location = t->location && t->location[0] ? strdup(t->location) : NULL;
    bool nomem = n.name == NULL || n.host == NULL ||
                 (t->location && t->location[0] && n.location == NULL);
    for (size_t i = 0; t->labels != NULL && i < t->nlabels && i < ALERT_JSON_LABELS_MAX; i++) {
        if (t->labels[i].name == NULL)
            continue;
        struct view_label *l = &n.labels[n.nlabels++];
        l->name = strdup(t->labels[i].name);
        l->value = strdup(t->labels[i].value ? t->labels[i].value : "");
        nomem |= l->name == NULL || l->value == NULL;
    }
    alert_saved_clear(saved);
    if (nomem) {
        alert_saved_clear(&n);
        return -1;
    }
    *saved = n;
    return 0;
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
