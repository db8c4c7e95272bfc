/*
 * render_api_hist.c: the results page, the incidents, the error body and
 * the text/plain lines of the API (see render_api.h).
 */
#include "web/render_api.h"

#include <stdlib.h>
#include <string.h>

#include "web/jsonutil.h"
#include "web/render_nagios.h"
#include "web/wbuf.h"

#define ERROR_DETAIL_MAX 512      /* bytes of detail kept */
#define TEXT_LIST_MAX (64u << 20) /* bytes of the text list, at most */

static json_t *code_strings(const char *const *codes, size_t n)
{
    json_t *a = json_array();
    if (a == NULL)
        return NULL;
    for (size_t i = 0; i < n && codes != NULL; i++) {
        if (codes[i] != NULL && ju_append(a, ju_str(codes[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* Stored JSON text embedded as a value; null when absent or unparsable. */
static json_t *embedded(const char *text)
{
    if (text == NULL)
        return json_null();
    json_t *v = json_loads(text, JSON_DECODE_ANY, NULL);
    return v != NULL ? v : json_null();
}

static json_t *cursor_value(const char *cursor)
{
    return cursor != NULL && cursor[0] != '\0' ? ju_str(cursor) : json_null();
}

/* {"target": target, key: items, "next_cursor": cursor}; consumes items. */
static char *page(const char *target, const char *key, json_t *items, const char *cursor,
                  size_t *len)
{
    json_t *o = json_object();
    if (o == NULL || items == NULL) {
        json_decref(o);
        json_decref(items);
        return NULL;
    }
    int bad = ju_set(o, "target", ju_str(target));
    bad |= ju_set(o, key, items);
    bad |= ju_set(o, "next_cursor", cursor_value(cursor));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return ju_dump(o, len);
}

static json_t *run_object(const struct view_run *r)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int bad = ju_set(o, "started_at", ju_time_ms(r->started_at_ms));
    bad |= ju_set(o, "status", json_string(oa_state_name(r->status)));
    bad |= ju_set(o, "duration_seconds", ju_seconds(r->duration_us));
    bad |= ju_set(o, "codes", code_strings(r->codes, r->ncodes));
    bad |= ju_set(o, "maintenance", json_boolean(r->in_maintenance));
    bad |= ju_set(o, "overrun", json_boolean(r->overrun));
    bad |= ju_set(o, "lag_seconds", ju_seconds(r->lag_us));
    bad |= ju_set(o, "steps", embedded(r->steps_json));
    bad |= ju_set(o, "result", embedded(r->result_json));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

char *render_api_results(const char *target, const struct view_run *runs, size_t n,
                         const char *next_cursor, size_t *len)
{
    if (target == NULL || (runs == NULL && n > 0))
        return NULL;
    json_t *a = json_array();
    int bad = a == NULL;
    for (size_t i = 0; i < n && !bad; i++)
        bad |= ju_append(a, run_object(&runs[i]));
    if (bad) {
        json_decref(a);
        return NULL;
    }
    return page(target, "results", a, next_cursor, len);
}

static json_t *incident_object(const struct view_incident *x, int64_t now_ms)
{
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    int open = x->ended_ms <= 0;
    int64_t end = open ? now_ms : x->ended_ms;
    int64_t dur_ms = x->started_ms > 0 && end > x->started_ms ? end - x->started_ms : 0;
    int bad = ju_set(o, "started_at", ju_time_ms(x->started_ms));
    bad |= ju_set(o, "ended_at", open ? json_null() : ju_time_ms(x->ended_ms));
    bad |= ju_set(o, "from", json_string((unsigned)x->from < OA_STATE__COUNT
                                             ? oa_state_name(x->from) : "pending"));
    bad |= ju_set(o, "to", json_string(oa_state_name(x->to)));
    bad |= ju_set(o, "codes", code_strings(x->codes, x->ncodes));
    bad |= ju_set(o, "open", json_boolean(open));
    bad |= ju_set(o, "duration_seconds", json_real((double)dur_ms / 1e3));
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

char *render_api_incidents(const char *target, const struct view_incident *inc,
                           size_t n, const char *next_cursor, int64_t now_ms,
                           size_t *len)
{
    if (target == NULL || (inc == NULL && n > 0))
        return NULL;
    json_t *a = json_array();
    int bad = a == NULL;
    for (size_t i = 0; i < n && !bad; i++)
        bad |= ju_append(a, incident_object(&inc[i], now_ms));
    if (bad) {
        json_decref(a);
        return NULL;
    }
    return page(target, "incidents", a, next_cursor, len);
}

char *render_api_error(const char *error, const char *detail, size_t *len)
{
    if (error == NULL)
        return NULL;
    char e[64], d[ERROR_DETAIL_MAX + 1];
    ju_clean(e, sizeof e, error);
    ju_clean(d, sizeof d, detail);
    json_t *o = json_object();
    if (o == NULL)
        return NULL;
    if (ju_set(o, "error", json_string(e)) != 0 || ju_set(o, "detail", json_string(d)) != 0) {
        json_decref(o);
        return NULL;
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII);
    json_decref(o);
    if (s != NULL && len != NULL)
        *len = strlen(s);
    return s;
}

/* ---- text/plain ----------------------------------------------------------- */

/* "|" -> "/", control characters -> " " (the plugin text rule). */
static void text_clean(struct wbuf *b, const char *s)
{
    char tmp[OA_TARGET_MAX];
    size_t n = ju_clean(tmp, sizeof tmp, s);
    for (size_t i = 0; i < n; i++)
        if (tmp[i] == '|')
            tmp[i] = '/';
    wbuf_add(b, tmp, n);
}

static int line_to(struct wbuf *b, const struct view_target *t)
{
    if (t->blocked != NULL) { /* not run: no current state (UNKNOWN), and why */
        wbuf_puts(b, "OAPROBE UNKNOWN - ");
        text_clean(b, t->name != NULL ? t->name : "?");
        wbuf_puts(b, ": not run: ");
        for (const char *p = t->blocked; *p != '\0'; p++) {
            unsigned char c = (unsigned char)*p;
            char o = c == '|' ? '/' : c < 0x20 || c == 0x7f ? ' ' : (char)c;
            wbuf_add(b, &o, 1);
        }
        wbuf_puts(b, "\n");
        return 0;
    }
    if (t->latest != NULL) {
        char *l = render_nagios_line(t->latest, t->name);
        if (l == NULL)
            return -1;
        wbuf_puts(b, l);
        free(l);
        return 0;
    }
    int pending = view_target_pending(t);
    wbuf_printf(b, "OAPROBE %s - ", pending ? "UNKNOWN" : oa_state_label(t->status));
    text_clean(b, t->name != NULL ? t->name : "?");
    if (pending) {
        wbuf_puts(b, ": pending, no run yet\n");
        return 0;
    }
    wbuf_printf(b, ": %s", oa_state_name(t->status));
    for (size_t i = 0; i < t->ncodes && t->codes != NULL; i++) {
        const char *c = oa_diag_code_name(t->codes[i]);
        wbuf_puts(b, i == 0 ? " (" : ", ");
        wbuf_puts(b, c != NULL ? c : "?");
        if (i + 1 == t->ncodes)
            wbuf_puts(b, ")");
    }
    wbuf_puts(b, "\n");
    return 0;
}

char *render_api_text_line(const struct view_target *t, size_t *len)
{
    if (t == NULL)
        return NULL;
    struct wbuf b;
    wbuf_init(&b, RENDER_NAGIOS_MAX);
    if (line_to(&b, t) != 0) {
        wbuf_free(&b);
        return NULL;
    }
    return wbuf_finish(&b, len);
}

char *render_api_text_list(const struct view_service *s, size_t *len)
{
    if (s == NULL)
        return NULL;
    struct wbuf b;
    wbuf_init(&b, TEXT_LIST_MAX);
    for (size_t i = 0; i < s->ntargets; i++) {
        if (s->targets[i] != NULL && line_to(&b, s->targets[i]) != 0) {
            wbuf_free(&b);
            return NULL;
        }
    }
    return wbuf_finish(&b, len);
}
