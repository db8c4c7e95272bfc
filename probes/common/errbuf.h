/*
 * errbuf.h: the one "format a reason into the caller's buffer and fail"
 * helper, shared by the option checks of the engine (probes/check) and the
 * command line and configuration (service/).
 */
#ifndef OAPROBE_ERRBUF_H
#define OAPROBE_ERRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/*
 * errbuf_fail: format one line into err (len bytes, always terminated when
 * len > 0; err may be NULL) and return -1, so a caller can write
 * "return errbuf_fail(err, len, ...)".
 */
static inline int errbuf_fail(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline int errbuf_fail(char *err, size_t len, const char *fmt, ...)
{
    if (err != NULL && len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, len, fmt, ap);
        va_end(ap);
    }
    return -1;
}

#endif /* OAPROBE_ERRBUF_H */
