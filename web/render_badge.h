/*
 * render_badge.h: Shields-style flat SVG badges (label on grey, message on
 * a colour) for GET /api/v1/targets/{name}/badge.svg and
 * .../uptime/{window}/badge.svg. Pure; text is XML-escaped.
 *
 * State colours: ok #40cc11, warning #cc8111, critical #c7130a, unknown and
 * pending #9f9f9f, maintenance #1f78d1 (the target's state, "maintenance"
 * while in a window); "blocked" on #9f9f9f for an API target that is not
 * run (view_target.blocked), before maintenance: its last state is stale. Uptime colours (Gatus api/badge.go, see
 * monitoring-conventions.md b3): >= 97.5 % #40cc11, >= 95 % #94cc11,
 * >= 90 % #ccd311, >= 80 % #ccb311, >= 65 % #cc8111, else #c7130a; no data
 * "no data" on #9f9f9f. The message is the percentage with two decimals.
 */
#ifndef OAPROBE_WEB_RENDER_BADGE_H
#define OAPROBE_WEB_RENDER_BADGE_H

#include <stddef.h>

#include "web/view.h"

#define RENDER_BADGE_CONTENT_TYPE "image/svg+xml"

/* render_badge_svg: a badge with label and message text on the colour
 * "#rrggbb" (anything else: grey). Returns the SVG (free() it), NULL when
 * out of memory or a text is NULL. */
char *render_badge_svg(const char *label, const char *message, const char *color, size_t *len);

/* render_badge_state: label = the target's name, message = its state. */
char *render_badge_state(const struct view_target *t, size_t *len);

/* render_badge_uptime: label "uptime <window>", message "99.95%". */
char *render_badge_uptime(const struct view_target *t, enum view_window w, size_t *len);

/* render_badge_uptime_color: the colour of a ratio 0..1 (< 0: no data). */
const char *render_badge_uptime_color(double ratio);

#endif /* OAPROBE_WEB_RENDER_BADGE_H */
