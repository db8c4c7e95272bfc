/*
 * vp_match.h: does a ValidPorts list let the RPC proxy forward to server:port?
 *
 * Windows' semantics (rpc-over-http.md 3.1): the server name the client asks
 * for is compared with each entry's name, exactly and case-insensitively;
 * an entry whose name ends in '*' matches every name that starts with the
 * rest (including the rest itself); the port must lie within the entry's
 * inclusive range. There is no canonicalisation: an FQDN does not match a
 * NetBIOS name, an IP address does not match a name, a trailing dot counts.
 * An IPv6 literal never matches, not even '*'. Only ASCII letters are folded.
 */
#ifndef OAPROBE_VP_MATCH_H
#define OAPROBE_VP_MATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "probes/validports/vp_parse.h"

/*
 * vp_allows: is server:port allowed by list?
 *   list    [in]  a parsed list (vp_parse)
 *   server  [in]  the RPC server name the client sends, NUL-terminated
 *   port    [in]  the port (1..65535)
 *   matched [out] optional; the first entry (in value order) that allows the
 *                 pair, or NULL. Points into list.
 * Returns true when allowed. NULL list or server, an empty server, an IPv6
 * literal or a port outside 1..65535 give false (a deny, never an error that
 * a caller could mistake for "allowed").
 */
bool vp_allows(const struct vp_list *list, const char *server, unsigned port,
               const struct vp_entry **matched);

/*
 * vp_entry_matches_name: does entry e match the server name (len bytes),
 * ignoring ports? Same rules as vp_allows. NULL arguments give false.
 */
bool vp_entry_matches_name(const struct vp_entry *e, const char *name, size_t len);

/* vp_name_ieq: a and b are equal ignoring ASCII case. NULL gives false. */
bool vp_name_ieq(const char *a, size_t alen, const char *b, size_t blen);

/* vp_name_iprefix: prefix p (plen) starts s (slen), ignoring ASCII case. */
bool vp_name_iprefix(const char *p, size_t plen, const char *s, size_t slen);

#endif /* OAPROBE_VP_MATCH_H */
