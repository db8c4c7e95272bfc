/*
 * page_assets.c: looks up the status page's embedded files (see
 * page_assets.h; the table is generated).
 */
#include "web/page_assets.h"

#include <string.h>

const struct page_asset *page_asset_find(const char *path)
{
    if (path == NULL)
        return NULL;
    for (size_t i = 0; i < page_nassets; i++)
        if (strcmp(page_assets[i].path, path) == 0)
            return &page_assets[i];
    return NULL;
}
