/*
 * check_obs.c: printable names of the observation record's enums (see
 * check_obs.h).
 */
#include "probes/verdict/check_obs.h"

const char *check_auth_name(enum check_auth a)
{
    switch (a) {
    case CHECK_AUTH_NTLM:
        return "ntlm";
    case CHECK_AUTH_BASIC:
        return "basic";
    case CHECK_AUTH_NEGOTIATE:
        return "negotiate";
    }
    return "unknown";
}

static const char *const tun_state_names[] = {
#define TUN_STATE_NAME(id, name) name,
    CHECK_TUN_STATES(TUN_STATE_NAME)
#undef TUN_STATE_NAME
};

static const char *const tun_end_names[] = {
#define TUN_END_NAME(id, name) name,
    CHECK_TUN_ENDS(TUN_END_NAME)
#undef TUN_END_NAME
};

const char *check_tun_state_name(enum check_tun_state s)
{
    return (unsigned)s < CHECK_TUN_STATE_COUNT ? tun_state_names[s] : "unknown";
}

const char *check_tun_end_name(enum check_tun_end e)
{
    return (unsigned)e < CHECK_TUN_END_COUNT ? tun_end_names[e] : "unknown";
}
