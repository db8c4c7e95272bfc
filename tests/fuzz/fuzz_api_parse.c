/*
 * fuzz_api_parse.c: what a client sends in a request line, through
 * service/api_parse.c: "METHOD TARGET" -> api_uri_parse, api_route_find
 * against a table shaped like the real one, and every query value through
 * the typed parsers. Invariants: a refusal always says why; a match's
 * captures are non-empty and never hold '/' (except the tail) or a NUL
 * escape; a {name} capture is a valid target name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "service/api_parse.h"
#include "service/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void h(struct api_req *r) { (void)r; }

static const char *const q_res[] = {"since", "until", "limit", "cursor", "format", "wait", NULL};

static const struct api_route table[] = {
    {"GET", "/api/v1/targets", API_READ, h, q_res},
    {"GET", "/api/v1/targets/{name}", API_READ, h, q_res},
    {"PUT", "/api/v1/targets/{name}", API_WRITE, h, NULL},
    {"DELETE", "/api/v1/targets/{name}", API_WRITE, h, NULL},
    {"GET", "/api/v1/targets/{name}/results", API_READ, h, q_res},
    {"POST", "/api/v1/targets/{name}/run", API_WRITE, h, q_res},
    {"GET", "/api/v1/targets/{name}/uptime/{window}/badge.svg", API_READ, h, NULL},
    {"GET", "/assets/{*}", API_PUBLIC, h, NULL},
    {"GET", "/", API_PUBLIC, h, NULL},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 2 * API_URL_MAX)
        return 0;
    char *s = malloc(size + 1);
    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    char *sp = strchr(s, ' ');
    const char *method = "GET", *target = s;
    if (sp) {
        *sp = '\0';
        method = s;
        target = sp + 1;
    }
    static struct api_uri u;
    static struct api_match m;
    if (api_uri_parse(target, &u) != 0) {
        if (u.why[0] == '\0')
            abort();
        free(s);
        return 0;
    }
    for (size_t i = 0; i < u.nseg; i++)
        if (strchr(u.seg[i], '/') || strcmp(u.seg[i], "..") == 0 || strcmp(u.seg[i], ".") == 0)
            abort();
    enum api_match_kind k =
        api_route_find(table, sizeof table / sizeof table[0], method, &u, &m);
    if (k == API_MATCH_OK) {
        for (size_t i = 0; i < m.ncap; i++)
            if (m.cap[i][0] == '\0')
                abort();
        if (strstr(m.route->pattern, "{name}") && !cfg_name_ok(m.cap[0]))
            abort();
    } else if ((k == API_MATCH_BADNAME || k == API_MATCH_BADQUERY) && m.why[0] == '\0') {
        abort();
    } else if (k == API_MATCH_METHOD && m.allow[0] == '\0') {
        abort();
    }
    for (size_t i = 0; i < u.nq; i++) {
        const char *why = NULL;
        size_t lim;
        int64_t ms;
        bool b;
        if (api_parse_limit(u.qval[i], &lim, &why) == 0 && (lim < 1 || lim > 1000))
            abort();
        if (api_parse_time(u.qval[i], &ms, &why) == 0 && ms < 0)
            abort();
        (void)api_parse_bool(u.qval[i], &b, &why);
        (void)api_parse_cursor(u.qval[i], &why);
    }
    free(s);
    return 0;
}
