/*
 * page_assets.h: the status page (web/page/: HTML, CSS, JavaScript, icon)
 * compiled into the binary, so one file deploys. The bytes are generated at
 * build time by cmake/EmbedPage.cmake; service/api_page.c serves them.
 *
 * Paths: "/index.html" (the one HTML document, served for "/", "/t/NAME"
 * and "/validports": the script routes by location) and "/assets/<file>"
 * for the others. Pure: no I/O.
 */
#ifndef OAPROBE_WEB_PAGE_ASSETS_H
#define OAPROBE_WEB_PAGE_ASSETS_H

#include <stddef.h>

struct page_asset {
    const char *path;         /* "/index.html", "/assets/app.js" */
    const unsigned char *data;/* the file's bytes (a NUL follows them) */
    size_t len;               /* bytes, NUL excluded */
    const char *ctype;        /* "text/javascript; charset=utf-8" */
    const char *etag;         /* strong ETag with its quotes: "\"3fa1...\"" */
};

/* The generated table (page_assets_data.c). */
extern const struct page_asset page_assets[];
extern const size_t page_nassets;

/* page_asset_find: the asset at path (exact match, no query string), or
 * NULL (unknown path, NULL). */
const struct page_asset *page_asset_find(const char *path);

#endif /* OAPROBE_WEB_PAGE_ASSETS_H */
