/*
 * api_conneg.h: the request headers the API's cache of rendered bodies
 * (api_cache.h) negotiates on, parsed without I/O (fuzzed by
 * tests/fuzz/fuzz_api_conneg.c):
 *   If-None-Match    a list of entity tags, or "*" (RFC 9110 13.1.2)
 *   Accept-Encoding  codings with q-values (RFC 9110 12.5.3)
 */
#ifndef OAPROBE_SERVICE_API_CONNEG_H
#define OAPROBE_SERVICE_API_CONNEG_H

#include <stdbool.h>

/*
 * api_etag_matches: whether the If-None-Match value `inm` names `etag` (a
 * quoted strong tag, "\"...\""), by the weak comparison the header uses
 * (a W/ prefix is ignored), or is "*". NULL or a malformed list: false (a
 * tag is matched only where the list parses up to it).
 */
bool api_etag_matches(const char *inm, const char *etag);

/*
 * api_accepts_gzip: whether the Accept-Encoding value `ae` accepts gzip
 * (or x-gzip) with a q-value above 0, named or through "*" (a named gzip
 * wins over "*"). NULL, or a coding list without it: false.
 */
bool api_accepts_gzip(const char *ae);

#endif /* OAPROBE_SERVICE_API_CONNEG_H */
