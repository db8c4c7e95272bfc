/*
 * wbuf.c: growable output buffer with a hard cap (see wbuf.h).
 */
#include "web/wbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wbuf_init(struct wbuf *b, size_t max)
{
    b->p = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
    b->failed = 0;
}

static int grow(struct wbuf *b, size_t need)
{
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < need)
        cap = cap > b->max / 2 ? b->max : cap * 2;
    char *p = realloc(b->p, cap);
    if (p == NULL)
        return -1;
    b->p = p;
    b->cap = cap;
    return 0;
}

void wbuf_add(struct wbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len >= b->max || n >= b->max - b->len || grow(b, b->len + n + 1) != 0) {
        b->failed = 1;
        return;
    }
    if (n > 0)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void wbuf_puts(struct wbuf *b, const char *s)
{
    if (s != NULL)
        wbuf_add(b, s, strlen(s));
}

void wbuf_printf(struct wbuf *b, const char *fmt, ...)
{
    char tmp[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) {
        b->failed = 1;
        return;
    }
    wbuf_add(b, tmp, (size_t)n);
}

char *wbuf_finish(struct wbuf *b, size_t *len)
{
    if (!b->failed && b->p == NULL)
        wbuf_add(b, "", 0);
    if (b->failed) {
        wbuf_free(b);
        return NULL;
    }
    char *p = b->p;
    if (len != NULL)
        *len = b->len;
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

void wbuf_free(struct wbuf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}

void wbuf_reset(struct wbuf *b)
{
    b->len = 0;
    b->failed = 0;
    if (b->p != NULL)
        b->p[0] = '\0';
}
