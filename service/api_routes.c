/*
 * api_routes.c: THE route table of the HTTP API (api_route.h). One row per
 * method and path; docs/api/openapi.yaml lists the same ones (the openapi
 * test compares `oaprobe serve --list-routes` with it). Other modules add
 * their rows here and their handlers in their own files.
 */
#include "service/api_h.h"

static const char *const q_format[] = {"format", NULL};
static const char *const q_results[] = {"since", "until", "limit", "cursor", NULL};
static const char *const q_page[] = {"limit", "cursor", NULL};
static const char *const q_run[] = {"wait", NULL};
static const char *const q_probe[] = {"target", "module", "debug", NULL};
static const char *const q_id[] = {"id", NULL};
static const char *const q_days[] = {"days", NULL};
static const char *const q_view[] = {"kiosk", "q", "label", "state", "sort", NULL};

const struct api_route api_routes[] = {
    /* issue 8 */
    {"GET", "/api/v1/targets", API_READ, api_h_targets, q_format},
    {"GET", "/api/v1/targets/{name}", API_READ, api_h_target, q_format},
    {"PUT", "/api/v1/targets/{name}", API_WRITE, api_h_target_put, NULL},
    {"DELETE", "/api/v1/targets/{name}", API_WRITE, api_h_target_delete, NULL},
    {"GET", "/api/v1/targets/{name}/results", API_READ, api_h_results, q_results},
    {"GET", "/api/v1/targets/{name}/incidents", API_READ, api_h_incidents, q_page},
    {"POST", "/api/v1/targets/{name}/run", API_WRITE, api_h_run, q_run},
    {"GET", "/api/v1/status", API_READ, api_h_status, NULL},
    {"GET", "/api/v1/events", API_READ, api_h_events, NULL},
    {"POST", "/api/v1/validports", API_READ, api_h_validports, NULL},
    {"GET", "/healthz", API_PUBLIC, api_h_healthz, NULL},
    {"POST", "/-/reload", API_WRITE, api_h_reload, NULL},
    /* issue 10: badges */
    {"GET", "/api/v1/targets/{name}/badge.svg", API_READ, api_h_badge, NULL},
    {"GET", "/api/v1/targets/{name}/uptime/{window}/badge.svg", API_READ, api_h_badge_uptime,
     NULL},
    /* issue 10: the status page and the history it draws */
    {"GET", "/api/v1/targets/{name}/daily", API_READ, api_h_daily, q_days},
    {"GET", "/api/v1/daily", API_READ, api_h_daily_all, q_days},
    {"GET", "/", API_PUBLIC, api_h_page, q_view},
    {"GET", "/t/{name}", API_PUBLIC, api_h_page, q_view},
    {"GET", "/validports", API_PUBLIC, api_h_page, q_view},
    {"GET", "/assets/{*}", API_PUBLIC, api_h_asset, NULL},
    /* issue 9: Prometheus, deliveries, maintenance */
    {"GET", "/metrics", API_READ, api_h_metrics, NULL},
    {"GET", "/probe", API_READ, api_h_probe, q_probe},
    {"GET", "/api/v1/deliveries", API_READ, api_h_deliveries, q_page},
    {"GET", "/api/v1/maintenance", API_READ, api_h_maintenance, NULL},
    {"POST", "/api/v1/maintenance", API_WRITE, api_h_maintenance_add, NULL},
    {"DELETE", "/api/v1/maintenance", API_WRITE, api_h_maintenance_delete, q_id},
};

const size_t api_nroutes = sizeof api_routes / sizeof api_routes[0];
