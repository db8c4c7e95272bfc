/*
 * api_h.h: the handlers of the routes of issue 8 (service/api_h_*.c), named
 * in the route table (service/api_routes.c).
 */
#ifndef OAPROBE_SERVICE_API_H_H
#define OAPROBE_SERVICE_API_H_H

#include "service/api_route.h"

/* api_h_targets.c */
void api_h_targets(struct api_req *r);        /* GET /api/v1/targets */
void api_h_target(struct api_req *r);         /* GET /api/v1/targets/{name} */
void api_h_target_put(struct api_req *r);     /* PUT /api/v1/targets/{name} */
void api_h_target_delete(struct api_req *r);  /* DELETE /api/v1/targets/{name} */
void api_h_badge(struct api_req *r);          /* GET .../{name}/badge.svg */
void api_h_badge_uptime(struct api_req *r);   /* GET .../{name}/uptime/{window}/badge.svg */

/* api_h_history.c */
void api_h_results(struct api_req *r);        /* GET .../{name}/results */
void api_h_incidents(struct api_req *r);      /* GET .../{name}/incidents */

/* api_h_run.c */
void api_h_run(struct api_req *r);            /* POST .../{name}/run */

/* api_h_service.c */
void api_h_status(struct api_req *r);         /* GET /api/v1/status */
void api_h_events(struct api_req *r);         /* GET /api/v1/events */
void api_h_healthz(struct api_req *r);        /* GET /healthz */
void api_h_reload(struct api_req *r);         /* POST /-/reload */
void api_h_validports(struct api_req *r);     /* POST /api/v1/validports */

/* api_h_daily.c */
void api_h_daily(struct api_req *r);          /* GET .../{name}/daily */
void api_h_daily_all(struct api_req *r);      /* GET /api/v1/daily */

/* api_h_page.c: the status page */
void api_h_page(struct api_req *r);           /* GET /, /t/{name}, /validports */
void api_h_asset(struct api_req *r);          /* GET /assets/{*} */

/* api_h_hooks.c: issue 9 */
void api_h_metrics(struct api_req *r);            /* GET /metrics */
void api_h_deliveries(struct api_req *r);         /* GET /api/v1/deliveries */
void api_h_maintenance(struct api_req *r);        /* GET /api/v1/maintenance */
void api_h_maintenance_add(struct api_req *r);    /* POST /api/v1/maintenance */
void api_h_maintenance_delete(struct api_req *r); /* DELETE /api/v1/maintenance */

/* api_h_probe.c: issue 9 */
void api_h_probe(struct api_req *r);              /* GET /probe */

#endif /* OAPROBE_SERVICE_API_H_H */
