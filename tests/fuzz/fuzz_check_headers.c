/*
 * fuzz_check_headers.c: hostile response header lines as libcurl's header
 * callback delivers them to the engine (status lines, 100 Continue, 401
 * blocks with WWW-Authenticate challenges and NTLM tokens, Connection:
 * close, blank lines ending blocks), through chttp_header_line() with both
 * challenge records allocated, as for the authenticated echo. Lines are the
 * input split at '\n' (kept).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "probes/check/check.h"
#include "probes/check/check_http.h"
#include "probes/check/check_int.h"

static struct check *chk;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (chk == NULL) {
        struct check_opts o;
        memset(&o, 0, sizeof o);
        o.host = "mail.contoso.lab";
        chk = check_new(&o, NULL, 0);
        if (chk == NULL)
            abort();
    }
    struct check_xfer_obs obs;
    struct check_xfer x;
    char ctype[64];
    memset(&obs, 0, sizeof obs);
    memset(&x, 0, sizeof x);
    x.magic = CHECK_XFER_MAGIC;
    x.chk = chk;
    x.kind = CHECK_XK_ECHO_AUTH;
    x.obs = &obs;
    x.ctype = ctype;
    x.ctype_cap = sizeof ctype;
    if (chttp_capture_init(&x, true, true) != 0)
        abort();
    const char *p = (const char *)data;
    size_t left = size;
    while (left > 0) {
        const char *nl = memchr(p, '\n', left);
        size_t n = nl != NULL ? (size_t)(nl - p) + 1 : left;
        if (chttp_header_line(&x, p, n) != n)
            break;
        p += n;
        left -= n;
    }
    if (memchr(obs.status_line, '\0', sizeof obs.status_line) == NULL)
        abort();
    chttp_capture_free(&x);
    return 0;
}
