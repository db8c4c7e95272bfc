/*
 * vp_match.c: Windows' ValidPorts matching (see vp_match.h).
 */
#include "probes/validports/vp_match.h"

#include <string.h>

static unsigned char fold(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

bool vp_name_iprefix(const char *p, size_t plen, const char *s, size_t slen)
{
    if (!p || !s || plen > slen)
        return false;
    for (size_t i = 0; i < plen; i++)
        if (fold((unsigned char)p[i]) != fold((unsigned char)s[i]))
            return false;
    return true;
}

bool vp_name_ieq(const char *a, size_t alen, const char *b, size_t blen)
{
    return alen == blen && vp_name_iprefix(a, alen, b, blen);
}

bool vp_entry_matches_name(const struct vp_entry *e, const char *name, size_t len)
{
    if (!e || !name || len == 0)
        return false;
    if (memchr(name, ':', len) != NULL) /* IPv6 literal (or nonsense): never */
        return false;
    if (e->wildcard)
        return vp_name_iprefix(e->name, e->name_len, name, len);
    return vp_name_ieq(e->name, e->name_len, name, len);
}

bool vp_allows(const struct vp_list *list, const char *server, unsigned port,
               const struct vp_entry **matched)
{
    if (matched)
        *matched = NULL;
    if (!list || !server || port == 0 || port > 65535u)
        return false;
    size_t len = strlen(server);
    for (size_t i = 0; i < list->n_entries; i++) {
        const struct vp_entry *e = &list->entries[i];
        if (port < e->low || port > e->high)
            continue;
        if (vp_entry_matches_name(e, server, len)) {
            if (matched)
                *matched = e;
            return true;
        }
    }
    return false;
}
