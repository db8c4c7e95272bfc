/*
 * api_h_service.c: the service-wide routes: GET /api/v1/status (200 when
 * every target is ok, else 503, so `curl -f` is a health check),
 * GET /api/v1/events (api_sse.c), GET /healthz, POST /-/reload and
 * POST /api/v1/validports (the `oaprobe validports` library, JSON in and
 * out: {"value": "...", "names": ["..."], "ports": "6001-6002,6004"}).
 */
#include "service/api_h.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "probes/validports/vp_lint.h"
#include "service/api_cache.h"
#include "probes/validports/vp_parse.h"
#include "probes/validports/vp_reg.h"
#include "web/render_api.h"
#include "web/validports_json.h"

static char *build_status(struct api_req *r, void *arg, size_t *len, unsigned *status)
{
    const struct view_service *s = arg;
    char *body = render_api_status(s, api_req_now_ms(r), len);
    *status = s && render_api_status_ok(s) ? 200 : 503;
    if (body == NULL)
        api_error(r, 500, "internal", "out of memory");
    return body;
}

/* The body shows the service's age in seconds: a new one every second at
 * most, or after a change (at most API_CACHE_STALE_MAX_MS late). */
void api_h_status(struct api_req *r)
{
    const struct view_service *s = api_req_ops(r)->view(api_req_ctx(r));
    struct api_cache_spec sp = {
        .key = "status",
        .gen = s ? s->generation : 0,
        .epoch = (uint64_t)(api_req_now_ms(r) / 1000),
        .stale_ms = API_CACHE_STALE_MAX_MS,
        .pinned = true,
        .ctype = "application/json",
        .build = build_status,
        .arg = (void *)s,
    };
    api_cache_reply(r, &sp);
}

void api_h_events(struct api_req *r)
{
    api_sse_start(r);
}

void api_h_healthz(struct api_req *r)
{
    static const char ok[] = "ok\n";
    api_reply_static(r, 200, "text/plain; charset=utf-8", ok, sizeof ok - 1);
}

void api_h_reload(struct api_req *r)
{
    if (api_req_ops(r)->reload == NULL) {
        api_error(r, 503, "unavailable", "this server cannot reload");
        return;
    }
    char err[512] = "";
    if (api_req_ops(r)->reload(api_req_ctx(r), err, sizeof err) != 0) {
        api_error(r, 400, "bad_request", "the configuration was not reloaded, the old one runs: %s",
                  err[0] ? err : "invalid");
        return;
    }
    const struct view_service *s = api_req_ops(r)->view(api_req_ctx(r));
    size_t len = 0;
    char *out = render_api_status(s, api_req_now_ms(r), &len);
    api_reply_json(r, 200, out, len);
}

/* ---- validports -------------------------------------------------------- */

struct vp_req {
    const char *value;
    const char *names[VP_LINT_MAX_NAMES];
    size_t n_names;
    uint16_t ports[VP_LINT_MAX_PORTS];
    size_t n_ports;
};

/* Reads the body into q (strings owned by doc). Answers and returns -1 on
 * a problem. */
static int vp_body(struct api_req *r, json_t *doc, struct vp_req *q)
{
    if (!json_is_object(doc)) {
        api_error(r, 400, "bad_request",
                  "the body must be a JSON object {\"value\": \"...\", \"names\": [...]}");
        return -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v) {
        if (strcmp(key, "value") == 0) {
            if (!json_is_string(v)) {
                api_error(r, 400, "bad_request", "value: must be a string");
                return -1;
            }
            q->value = json_string_value(v);
        } else if (strcmp(key, "names") == 0) {
            if (!json_is_array(v)) {
                api_error(r, 400, "bad_request", "names: must be an array of strings");
                return -1;
            }
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) {
                const char *n = json_string_value(e), *why = NULL;
                if (n == NULL) {
                    api_error(r, 400, "bad_request", "names[%zu]: must be a string", i);
                    return -1;
                }
                if (vp_name_check(n, strlen(n), NULL, &why) != 0) {
                    api_error(r, 400, "bad_request", "names[%zu]: '%s': %s", i, n, why);
                    return -1;
                }
                if (q->n_names == VP_LINT_MAX_NAMES) {
                    api_error(r, 400, "bad_request", "names: more than %u names",
                              VP_LINT_MAX_NAMES);
                    return -1;
                }
                q->names[q->n_names++] = n;
            }
        } else if (strcmp(key, "ports") == 0) {
            const char *p = json_string_value(v), *why = NULL;
            size_t off = 0;
            if (p == NULL) {
                api_error(r, 400, "bad_request", "ports: must be a string such as \"6001-6002,6004\"");
                return -1;
            }
            if (vp_ports_parse(p, q->ports, VP_LINT_MAX_PORTS, &q->n_ports, &off, &why) != 0) {
                api_error(r, 400, "bad_request", "ports: %s", why ? why : "invalid");
                return -1;
            }
        } else {
            api_error(r, 400, "bad_request",
                      "unknown field '%s' (the fields are value, names, ports)", key);
            return -1;
        }
    }
    if (q->value == NULL) {
        api_error(r, 400, "bad_request", "value: missing (the ValidPorts value to check)");
        return -1;
    }
    return 0;
}

void api_h_validports(struct api_req *r)
{
    size_t blen = 0;
    const char *body = api_req_body(r, &blen);
    json_error_t jerr;
    json_t *doc = json_loadb(body, blen, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        api_error(r, 400, "bad_request", "the body is not JSON: line %d column %d: %s",
                  jerr.line, jerr.column, jerr.text);
        return;
    }
    struct vp_req q;
    memset(&q, 0, sizeof q);
    if (vp_body(r, doc, &q) != 0) {
        json_decref(doc);
        return;
    }
    struct vpr_report rep;
    struct vp_input in;
    struct vp_list *list = NULL;
    struct vp_lint *lint = NULL;
    memset(&rep, 0, sizeof rep);
    memset(&in, 0, sizeof in);
    rep.source = "argument";
    const char *why = NULL;
    char *out = NULL;
    int irc = vp_input_read(&in, (const uint8_t *)q.value, strlen(q.value), &why);
    if (irc == VP_NOMEM) {
        api_error(r, 500, "internal", "out of memory");
        goto done;
    }
    if (irc != 0) {
        out = vpj_render_input_error(&rep, &in, why);
        goto send;
    }
    rep.in = &in;
    rep.found = vp_input_pick(&in, NULL);
    if (rep.found == NULL) {
        api_error(r, 400, "bad_request", "value: no ValidPorts value found in it");
        goto done;
    }
    int prc = vp_parse(rep.found->value, rep.found->value_len, &list, &why);
    if (list == NULL) {
        api_error(r, prc == VP_NOMEM ? 500 : 400, prc == VP_NOMEM ? "internal" : "bad_request",
                  "value: %s", prc == VP_NOMEM ? "out of memory" : why);
        goto done;
    }
    struct vp_lint_opts lo = {q.names, q.n_names, q.n_ports ? q.ports : NULL, q.n_ports};
    if (vp_lint_run(list, &lo, &lint, &why) != 0) {
        api_error(r, 400, "bad_request", "%s", why);
        goto done;
    }
    rep.list = list;
    rep.lint = lint;
    if (list->n_errors > 0)
        rep.exit_code = VPR_EXIT_SYNTAX;
    else if (q.n_names > 0 && !lint->complete)
        rep.exit_code = VPR_EXIT_MISSING;
    else
        rep.exit_code = VPR_EXIT_COMPLETE;
    out = vpj_render(&rep);
send:
    api_reply_json(r, 200, out, out ? strlen(out) : 0);
done:
    vp_lint_free(lint);
    vp_list_free(list);
    vp_input_clear(&in);
    json_decref(doc);
}
