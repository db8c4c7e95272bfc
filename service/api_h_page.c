/*
 * api_h_page.c: the status page (web/page_assets.h, compiled into the
 * binary): GET / , /t/{name} and /validports answer the one HTML document
 * (its script routes by path), /assets/{*} the script, style sheet and icon.
 * Strong ETags with If-None-Match (304); "no-cache" so a new binary's page
 * is picked up at once; a Content-Security-Policy that allows only this
 * origin's script, style, images and API (no inline script).
 */
#include "service/api_h.h"

#include <string.h>

#include "web/page_assets.h"

#define PAGE_CSP                                                                        \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "         \
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/* If-None-Match names the asset's ETag (or is "*"). */
static bool etag_matches(const char *inm, const char *etag)
{
    if (inm == NULL)
        return false;
    if (strcmp(inm, "*") == 0)
        return true;
    return strstr(inm, etag) != NULL;
}

static void serve(struct api_req *r, const struct page_asset *a)
{
    if (a == NULL) {
        api_error(r, 404, "not_found", "no such file of the status page");
        return;
    }
    api_reply_header(r, "ETag", a->etag);
    api_reply_header(r, "Cache-Control", "no-cache");
    api_reply_header(r, "Content-Security-Policy", PAGE_CSP);
    if (etag_matches(api_req_header(r, "If-None-Match"), a->etag)) {
        api_reply_static(r, 304, a->ctype, NULL, 0);
        return;
    }
    api_reply_static(r, 200, a->ctype, a->data, a->len);
}

void api_h_page(struct api_req *r)
{
    /* /t/{name}: the name is checked by the router; the page asks the API
     * and says so when the target does not exist */
    serve(r, page_asset_find("/index.html"));
}

void api_h_asset(struct api_req *r)
{
    char path[128];
    const char *rest = api_req_cap(r, 0);
    size_t n = strlen(rest);
    if (n >= sizeof path - sizeof "/assets/") {
        api_error(r, 404, "not_found", "no such file of the status page");
        return;
    }
    memcpy(path, "/assets/", sizeof "/assets/" - 1);
    memcpy(path + sizeof "/assets/" - 1, rest, n + 1);
    serve(r, page_asset_find(path));
}
