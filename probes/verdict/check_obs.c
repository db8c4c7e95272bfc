/*
 * check_obs.c: printable names of the observation record's enums (see
 * check_obs.h).
 */
#include <string.h>

#include "probes/verdict/check_obs.h"

static const struct {
    const char *name;   /* the CLI and config word */
    const char *scheme; /* the HTTP authentication scheme token */
} auth_names[] = {
    [CHECK_AUTH_NTLM] = {"ntlm", "NTLM"},
    [CHECK_AUTH_BASIC] = {"basic", "Basic"},
    [CHECK_AUTH_NEGOTIATE] = {"negotiate", "Negotiate"},
};

const char *check_auth_name(enum check_auth a)
{
    return (unsigned)a < sizeof auth_names / sizeof auth_names[0] ? auth_names[a].name
                                                                   : "unknown";
}

int check_auth_parse(const char *name, enum check_auth *out)
{
    if (name == NULL || out == NULL)
        return -1;
    for (unsigned i = 0; i < sizeof auth_names / sizeof auth_names[0]; i++) {
        if (strcmp(name, auth_names[i].name) == 0) {
            *out = (enum check_auth)i;
            return 0;
        }
    }
    return -1;
}

const char *check_auth_scheme(enum check_auth a)
{
    return (unsigned)a < sizeof auth_names / sizeof auth_names[0] ? auth_names[a].scheme
                                                                   : "unknown";
}

bool check_obs_offers(const struct check_echo_obs *e, enum check_auth a)
{
    switch (a) {
    case CHECK_AUTH_NTLM:
        return e->offers_ntlm;
    case CHECK_AUTH_BASIC:
        return e->offers_basic;
    case CHECK_AUTH_NEGOTIATE:
        return e->offers_negotiate;
    }
    return false;
}

bool check_obs_ntlm_lost(const struct check_xfer_obs *x)
{
    return x->ntlm_challenge && (x->close_after_challenge || x->num_connects > 1);
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
