/*
 * render_sse.c: server-sent event framing (see render_sse.h).
 */
#include "web/render_sse.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "web/jsonutil.h"
#include "web/render_api.h"
#include "web/wbuf.h"

char *render_sse_frame(const char *event, uint64_t id, const char *data, size_t *len)
{
    struct wbuf b;
    wbuf_init(&b, RENDER_SSE_MAX);
    if (event != NULL && event[0] != '\0') {
        wbuf_puts(&b, "event: ");
        for (const char *p = event; *p && p - event < 64; p++) {
            unsigned char c = (unsigned char)*p;
            int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                     (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
            wbuf_add(&b, ok ? p : "_", 1);
        }
        wbuf_puts(&b, "\n");
    }
    if (id != 0)
        wbuf_printf(&b, "id: %" PRIu64 "\n", id);
    const char *p = data != NULL ? data : "";
    for (;;) {
        size_t n = strcspn(p, "\r\n");
        wbuf_puts(&b, "data: ");
        wbuf_add(&b, p, n);
        wbuf_puts(&b, "\n");
        p += n;
        if (*p == '\0')
            break;
        p += (p[0] == '\r' && p[1] == '\n') ? 2 : 1;
    }
    wbuf_puts(&b, "\n");
    return wbuf_finish(&b, len);
}

/* Frame a JSON value (consumed). */
static char *frame_json(const char *event, uint64_t id, json_t *v, size_t *len)
{
    char *data = ju_dump(v, NULL);
    if (data == NULL)
        return NULL;
    char *s = render_sse_frame(event, id, data, len);
    free(data);
    return s;
}

char *render_sse_result(const struct view_target *t, uint64_t id, size_t *len)
{
    if (t == NULL)
        return NULL;
    return frame_json("result", id, render_api_target_summary(t), len);
}

char *render_sse_state(const struct view_target *t, enum oa_state from, int64_t at_ms,
                       uint64_t id, size_t *len)
{
    if (t == NULL)
        return NULL;
    json_t *sum = render_api_target_summary(t);
    json_t *o = json_object();
    int bad = sum == NULL || o == NULL;
    if (!bad) {
        bad |= ju_set(o, "target", ju_str(t->name));
        bad |= ju_set(o, "from", json_string((unsigned)from < OA_STATE__COUNT
                                                 ? oa_state_name(from) : "pending"));
        bad |= ju_set(o, "to", json_incref(json_object_get(sum, "status")));
        bad |= ju_set(o, "at", ju_time_ms(at_ms));
        bad |= ju_set(o, "codes", json_incref(json_object_get(sum, "codes")));
        bad |= ju_set(o, "reason", json_incref(json_object_get(sum, "reason")));
        bad |= ju_set(o, "maintenance", json_boolean(t->maintenance));
    }
    json_decref(sum);
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return frame_json("state", id, o, len);
}
