/*
 * render_badge.c: Shields-style SVG badges (see render_badge.h).
 */
#include "web/render_badge.h"

#include <stdio.h>
#include <string.h>

#include "probes/result/text.h"
#include "web/wbuf.h"

#define BADGE_TEXT_MAX 128 /* bytes of a label or message kept */

/* Characters of valid UTF-8 text (for the width). */
static size_t chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xc0) != 0x80;
    return n;
}

static void xml_text(struct wbuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': wbuf_puts(b, "&amp;"); break;
        case '<': wbuf_puts(b, "&lt;"); break;
        case '>': wbuf_puts(b, "&gt;"); break;
        case '"': wbuf_puts(b, "&quot;"); break;
        case '\'': wbuf_puts(b, "&apos;"); break;
        default:
            wbuf_add(b, (unsigned char)*s < 0x20 ? " " : s, 1);
        }
    }
}

static int color_ok(const char *c)
{
    if (c == NULL || strlen(c) != 7 || c[0] != '#')
        return 0;
    for (int i = 1; i < 7; i++)
        if (!strchr("0123456789abcdefABCDEF", c[i]))
            return 0;
    return 1;
}

char *render_badge_svg(const char *label, const char *message, const char *color, size_t *len)
{
    if (label == NULL || message == NULL)
        return NULL;
    char l[BADGE_TEXT_MAX], m[BADGE_TEXT_MAX];
    oa_text_copy(l, sizeof l, label);
    oa_text_copy(m, sizeof m, message);
    unsigned lw = 10 + 7 * (unsigned)chars(l), mw = 10 + 7 * (unsigned)chars(m);
    const char *c = color_ok(color) ? color : "#9f9f9f";
    struct wbuf b;
    wbuf_init(&b, 64u << 10);
    wbuf_printf(&b,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%u\" height=\"20\" "
                "role=\"img\" aria-label=\"",
                lw + mw);
    xml_text(&b, l);
    wbuf_puts(&b, ": ");
    xml_text(&b, m);
    wbuf_puts(&b, "\"><title>");
    xml_text(&b, l);
    wbuf_puts(&b, ": ");
    xml_text(&b, m);
    wbuf_printf(&b,
                "</title><linearGradient id=\"s\" x2=\"0\" y2=\"100%%\"><stop offset=\"0\" "
                "stop-color=\"#bbb\" stop-opacity=\".1\"/><stop offset=\"1\" "
                "stop-opacity=\".1\"/></linearGradient><clipPath id=\"r\"><rect width=\"%u\" "
                "height=\"20\" rx=\"3\" fill=\"#fff\"/></clipPath><g clip-path=\"url(#r)\">"
                "<rect width=\"%u\" height=\"20\" fill=\"#555\"/><rect x=\"%u\" width=\"%u\" "
                "height=\"20\" fill=\"%s\"/><rect width=\"%u\" height=\"20\" "
                "fill=\"url(#s)\"/></g><g fill=\"#fff\" text-anchor=\"middle\" "
                "font-family=\"Verdana,Geneva,DejaVu Sans,sans-serif\" font-size=\"11\">"
                "<text x=\"%u\" y=\"14\">",
                lw + mw, lw, lw, mw, c, lw + mw, lw / 2);
    xml_text(&b, l);
    wbuf_printf(&b, "</text><text x=\"%u\" y=\"14\">", lw + mw / 2);
    xml_text(&b, m);
    wbuf_puts(&b, "</text></g></svg>\n");
    return wbuf_finish(&b, len);
}

const char *render_badge_uptime_color(double r)
{
    if (!(r >= 0))
        return "#9f9f9f";
    return r >= 0.975 ? "#40cc11"
           : r >= 0.95 ? "#94cc11"
           : r >= 0.90 ? "#ccd311"
           : r >= 0.80 ? "#ccb311"
           : r >= 0.65 ? "#cc8111"
                       : "#c7130a";
}

char *render_badge_state(const struct view_target *t, size_t *len)
{
    if (t == NULL)
        return NULL;
    const char *msg, *color;
    if (t->blocked != NULL) { /* not run: its last state is stale */
        msg = "blocked";
        color = "#9f9f9f";
    } else if (t->maintenance) {
        msg = "maintenance";
        color = "#1f78d1";
    } else if (view_target_pending(t)) {
        msg = "pending";
        color = "#9f9f9f";
    } else {
        msg = oa_state_name(t->status);
        color = t->status == OA_STATE_OK         ? "#40cc11"
                : t->status == OA_STATE_WARNING  ? "#cc8111"
                : t->status == OA_STATE_CRITICAL ? "#c7130a"
                                                 : "#9f9f9f";
    }
    return render_badge_svg(t->name != NULL ? t->name : "oaprobe", msg, color, len);
}

char *render_badge_uptime(const struct view_target *t, enum view_window w, size_t *len)
{
    const char *wn = view_window_name(w);
    if (t == NULL || wn == NULL)
        return NULL;
    char label[32], msg[32];
    snprintf(label, sizeof label, "uptime %s", wn);
    double r = t->uptime[w];
    if (r >= 0)
        snprintf(msg, sizeof msg, "%.2f%%", (r > 1 ? 1 : r) * 100.0);
    else
        snprintf(msg, sizeof msg, "no data");
    return render_badge_svg(label, msg, render_badge_uptime_color(r), len);
}
