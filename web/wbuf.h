/*
 * wbuf.h: a growable output buffer with a hard cap, for the text renderers
 * (metrics, SSE, badges). Once an append fails (cap reached, out of
 * memory) the buffer stays failed and every later append is a no-op, so a
 * renderer appends freely and checks once at the end.
 */
#ifndef OAPROBE_WEB_WBUF_H
#define OAPROBE_WEB_WBUF_H

#include <stddef.h>

#include "probes/result/text.h" /* OA_PRINTF */

struct wbuf {
    char *p;      /* NUL-terminated text, owned; NULL while empty */
    size_t len;   /* bytes before the NUL */
    size_t cap;   /* bytes allocated */
    size_t max;   /* hard cap on len + 1 */
    int failed;   /* 1 after a failed append */
};

/* wbuf_init: an empty buffer that will hold at most max - 1 bytes. */
void wbuf_init(struct wbuf *b, size_t max);

/* wbuf_add: append n bytes of s. */
void wbuf_add(struct wbuf *b, const char *s, size_t n);

/* wbuf_puts: append a NUL-terminated string (NULL appends nothing). */
void wbuf_puts(struct wbuf *b, const char *s);

/* wbuf_printf: append formatted text (at most 1 KiB per call; longer
 * output fails the buffer rather than being cut). */
void wbuf_printf(struct wbuf *b, const char *fmt, ...) OA_PRINTF(2, 3);

/*
 * wbuf_finish: hand the text over. Returns the NUL-terminated text (the
 * caller frees it with free(); "" is returned as an allocated empty string)
 * and sets *len (may be NULL), or NULL when the buffer failed (its memory
 * is freed then). The buffer is empty afterwards.
 */
char *wbuf_finish(struct wbuf *b, size_t *len);

/* wbuf_reset: make the buffer empty again, keeping its memory and clearing
 * a failure. */
void wbuf_reset(struct wbuf *b);

/* wbuf_free: drop the contents without returning them. */
void wbuf_free(struct wbuf *b);

#endif /* OAPROBE_WEB_WBUF_H */
