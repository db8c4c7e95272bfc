/*
 * render_alert.c: Alertmanager postable alerts and webhook v4 payloads
 * (see render_alert.h).
 */
#include "web/render_alert.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/jsonutil.h"
#include "web/render_metrics.h"

#define ZERO_TIME "0001-01-01T00:00:00Z"

json_t *render_alert_labels(const struct alert_item *a)
{
    if (a == NULL || a->t == NULL)
        return NULL;
    const struct view_target *t = a->t;
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int bad = 0;
    /* configured labels first, so the fixed ones below win on a clash */
    for (size_t i = 0; i < t->nlabels && t->labels != NULL; i++) {
        char name[128];
        if (render_metrics_label_name(t->labels[i].name, name, sizeof name) == 0 ||
            json_object_get(o, name) != NULL)
            continue;
        bad |= ju_set(o, name, ju_str(t->labels[i].value != NULL ? t->labels[i].value : ""));
    }
    bad |= ju_set(o, "alertname", json_string(a->severity == OA_STATE_WARNING
                                                  ? "OutlookAnywhereDegraded"
                                                  : "OutlookAnywhereDown"));
    bad |= ju_set(o, "target", ju_str(t->name != NULL ? t->name : ""));
    bad |= ju_set(o, "severity", json_string(oa_state_name(a->severity)));
    const char *code = oa_diag_code_name(a->code);
    if (code != NULL)
        bad |= ju_set(o, "code", json_string(code));
    if (t->location != NULL && t->location[0] != '\0')
        bad |= ju_set(o, "location", ju_str(t->location));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static int key_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

int render_alert_fingerprint(json_t *labels, char out[17])
{
    size_t n = json_object_size(labels);
    const char **keys = calloc(n ? n : 1, sizeof *keys);
    if (keys == NULL || !json_is_object(labels)) {
        free(keys);
        return -1;
    }
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach(labels, k, v) keys[i++] = k;
    qsort(keys, n, sizeof *keys, key_cmp);
    uint64_t h = 14695981039346656037ULL;
    for (i = 0; i < n; i++) {
        const char *parts[2] = {keys[i], json_string_value(json_object_get(labels, keys[i]))};
        for (int p = 0; p < 2; p++) {
            for (const unsigned char *s = (const unsigned char *)(parts[p] ? parts[p] : ""); *s;
                 s++) {
                h ^= *s;
                h *= 1099511628211ULL;
            }
            h ^= 0xff;
            h *= 1099511628211ULL;
        }
    }
    free(keys);
    snprintf(out, 17, "%016" PRIx64, h);
    return 0;
}

/* The worst diagnosis of the latest record with the alert's code. */
static const struct oa_diag *diag_of(const struct alert_item *a)
{
    const struct oa_result *r = a->t->latest;
    if (r == NULL)
        return NULL;
    size_t n = r->ndiags < OA_RESULT_MAX_DIAGS ? r->ndiags : OA_RESULT_MAX_DIAGS;
    for (size_t i = 0; i < n; i++)
        if (r->diags[i].code == a->code)
            return &r->diags[i];
    return NULL;
}

static json_t *annotations(const struct alert_item *a)
{
    const struct oa_diag *d = a->resolved ? NULL : diag_of(a);
    const char *code = oa_diag_code_name(a->code);
    char summary[512], msg[OA_MESSAGE_MAX], remedy[OA_REMEDY_MAX];
    char name[128];
    ju_clean(name, sizeof name, a->t->name);
    if (a->resolved)
        snprintf(summary, sizeof summary, "%s: Outlook Anywhere is ok again%s%s%s", name,
                 code ? " (was " : "", code ? code : "", code ? ")" : "");
    else
        snprintf(summary, sizeof summary, "%s: Outlook Anywhere is %s%s%s", name,
                 oa_state_name(a->severity), code ? ": " : "", code ? code : "");
    ju_clean(msg, sizeof msg,
             d != NULL ? d->message : code ? oa_diag_observed(a->code) : "");
    ju_clean(remedy, sizeof remedy,
             d != NULL ? d->remedy : code ? oa_diag_default_remedy(a->code) : "");
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int bad = ju_set(o, "summary", json_string(summary));
    if (msg[0] != '\0')
        bad |= ju_set(o, "message", json_string(msg));
    if (remedy[0] != '\0')
        bad |= ju_set(o, "remedy", json_string(remedy));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *generator_url(const char *base, const struct view_target *t)
{
    char url[1024];
    snprintf(url, sizeof url, "%s/api/v1/targets/%s", base != NULL ? base : "",
             t->name != NULL ? t->name : "");
    return ju_str(url);
}

/* One alert; webhook adds status and fingerprint and always has endsAt. */
static json_t *alert_object(const struct alert_item *a, const char *base, int webhook)
{
    json_t *labels = render_alert_labels(a);
    json_t *o = json_object();
    if (labels == NULL || o == NULL) {
        json_decref(labels);
        json_decref(o);
        return NULL;
    }
    char fp[17];
    int bad = webhook && render_alert_fingerprint(labels, fp) != 0;
    if (webhook)
        bad |= ju_set(o, "status", json_string(a->resolved ? "resolved" : "firing"));
    bad |= ju_set(o, "labels", labels);
    bad |= ju_set(o, "annotations", annotations(a));
    bad |= ju_set(o, "startsAt", ju_time_ms(a->starts_ms));
    if (webhook)
        bad |= ju_set(o, "endsAt", a->resolved ? ju_time_ms(a->ends_ms) : json_string(ZERO_TIME));
    else if (a->ends_ms > 0)
        bad |= ju_set(o, "endsAt", ju_time_ms(a->ends_ms));
    bad |= ju_set(o, "generatorURL", generator_url(base, a->t));
    if (webhook && !bad)
        bad |= ju_set(o, "fingerprint", json_string(fp));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

char *render_alert_postable(const struct alert_item *a, size_t n, const char *external_url,
                            size_t *len)
{
    if (a == NULL && n > 0)
        return NULL;
    json_t *arr = json_array();
    int bad = arr == NULL;
    for (size_t i = 0; i < n && !bad; i++)
        bad |= a[i].t == NULL || ju_append(arr, alert_object(&a[i], external_url, 0));
    if (bad) {
        json_decref(arr);
        return NULL;
    }
    return ju_dump(arr, len);
}

/* The key/value pairs of `key` (an object) shared by every alert. */
static json_t *common(json_t *alerts, const char *key)
{
    json_t *first = json_object_get(json_array_get(alerts, 0), key);
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    const char *k;
    json_t *v;
    json_object_foreach(first, k, v) {
        int all = 1;
        size_t i;
        json_t *al;
        json_array_foreach(alerts, i, al) {
            if (!json_equal(json_object_get(json_object_get(al, key), k), v))
                all = 0;
        }
        if (all && json_object_set(o, k, v) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

char *render_alert_webhook(const struct alert_item *a, size_t n,
                           const struct alert_webhook_meta *m, size_t *len)
{
    if ((a == NULL && n > 0) || m == NULL)
        return NULL;
    size_t keep = m->max_alerts > 0 && n > m->max_alerts ? m->max_alerts : n;
    json_t *alerts = json_array();
    int bad = alerts == NULL, firing = 0;
    for (size_t i = 0; i < n && !bad; i++) {
        bad |= a[i].t == NULL;
        firing |= !a[i].resolved;
        if (i < keep && !bad)
            bad |= ju_append(alerts, alert_object(&a[i], m->external_url, 1));
    }
    json_t *cl = bad ? NULL : common(alerts, "labels");
    json_t *ca = bad ? NULL : common(alerts, "annotations");
    json_t *gl = json_object();
    bad |= cl == NULL || ca == NULL || gl == NULL;
    char key[2048] = "{}:{";
    static const char *const group[] = {"alertname", "target"};
    for (size_t g = 0; g < 2 && !bad; g++) {
        const char *v = json_string_value(json_object_get(cl, group[g]));
        if (v == NULL)
            continue;
        bad |= ju_set(gl, group[g], json_string(v));
        size_t used = strlen(key);
        /* values escaped as in a PromQL label matcher */
        json_t *q = json_string(v);
        char *qs = q != NULL ? json_dumps(q, JSON_ENCODE_ANY) : NULL;
        json_decref(q);
        if (qs == NULL) {
            bad = 1;
            break;
        }
        snprintf(key + used, sizeof key - used, "%s%s=%s", used > 4 ? "," : "", group[g], qs);
        free(qs);
    }
    size_t used = strlen(key);
    snprintf(key + used, sizeof key - used, "}");
    json_t *o = bad ? NULL : json_object();
    if (o == NULL) {
        json_decref(alerts);
        json_decref(cl);
        json_decref(ca);
        json_decref(gl);
        return NULL;
    }
    bad |= ju_set(o, "version", json_string("4"));
    bad |= ju_set(o, "groupKey", ju_str(key));
    bad |= ju_set(o, "truncatedAlerts", json_integer((json_int_t)(n - keep)));
    bad |= ju_set(o, "status", json_string(firing ? "firing" : "resolved"));
    bad |= ju_set(o, "receiver", ju_str(m->receiver != NULL ? m->receiver : ""));
    bad |= ju_set(o, "groupLabels", gl);
    bad |= ju_set(o, "commonLabels", cl);
    bad |= ju_set(o, "commonAnnotations", ca);
    bad |= ju_set(o, "externalURL", ju_str(m->external_url != NULL ? m->external_url : ""));
    bad |= ju_set(o, "notification_reason",
                  ju_str(m->notification_reason != NULL ? m->notification_reason : ""));
    bad |= ju_set(o, "alerts", alerts);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return ju_dump(o, len);
}
