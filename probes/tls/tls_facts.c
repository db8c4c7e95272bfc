/*
 * tls_facts.c: printable names of the TLS facts (see tls_facts.h).
 */
#include "probes/tls/tls_facts.h"

const char *tls_name_match_name(enum tls_name_match m)
{
    switch (m) {
    case TLS_NAME_SAN:
        return "san";
    case TLS_NAME_CN:
        return "cn";
    case TLS_NAME_MISMATCH:
        return "mismatch";
    case TLS_NAME_NOT_CHECKED:
    default:
        return "not_checked";
    }
}

const char *tls_trust_name(enum tls_trust t)
{
    switch (t) {
    case TLS_TRUST_OK:
        return "ok";
    case TLS_TRUST_SELF_SIGNED:
        return "self_signed";
    case TLS_TRUST_UNKNOWN_CA:
        return "unknown_ca";
    case TLS_TRUST_CHAIN_INCOMPLETE:
        return "chain_incomplete";
    case TLS_TRUST_INVALID:
        return "invalid";
    case TLS_TRUST_NOT_CHECKED:
    default:
        return "not_checked";
    }
}
