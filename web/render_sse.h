/*
 * render_sse.h: the text/event-stream framing of GET /api/v1/events.
 *
 *   event: result          (or "state")
 *   id: 42
 *   data: {"target":"contoso-mail",...}
 *   <empty line>
 *
 * The data is compact JSON on one line; should a line break ever reach it,
 * every line becomes its own "data:" line (the SSE rule, which the client
 * joins with "\n"), and a CR is treated as a line break too, so no raw CR
 * or LF ever appears inside a field. Event names keep [A-Za-z0-9_.-] only.
 * Pure: no I/O, no clock.
 */
#ifndef OAPROBE_WEB_RENDER_SSE_H
#define OAPROBE_WEB_RENDER_SSE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "web/view.h"

#define RENDER_SSE_MAX (4u << 20) /* bytes of one event, at most */

/*
 * render_sse_frame: one event: "event: <event>\nid: <id>\ndata: <line>\n...
 * \n". event NULL or "": no event line (the client's default "message");
 * id 0: no id line. data is any text (NULL: one empty data line).
 * Returns the text (free() it), *len set when len is not NULL; NULL when
 * out of memory or over RENDER_SSE_MAX.
 */
char *render_sse_frame(const char *event, uint64_t id, const char *data, size_t *len);

/*
 * render_sse_result: event "result" after a run of t completed; data is
 * render_api_target_summary(t) (the state after thresholds, the codes and
 * the latency of the run), not the full result.
 */
char *render_sse_result(const struct view_target *t, uint64_t id, size_t *len);

/*
 * render_sse_state: event "state" when t's state changed from `from` to t's
 * current status at at_ms:
 *   {"target", "from", "to", "at", "codes", "reason", "maintenance"}
 * from may be OA_STATE__COUNT for "pending" (the first state of a target).
 */
char *render_sse_state(const struct view_target *t, enum oa_state from, int64_t at_ms,
                       uint64_t id, size_t *len);

#endif /* OAPROBE_WEB_RENDER_SSE_H */
