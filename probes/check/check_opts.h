/*
 * check_opts.h: validate a struct check_opts and copy it into the engine.
 *
 * The engine never keeps a pointer into the caller's options: every string
 * is duplicated, the password into memory that check_opts_free() wipes with
 * explicit_bzero before freeing it.
 */
#ifndef OAPROBE_CHECK_OPTS_H
#define OAPROBE_CHECK_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "probes/check/check.h"

struct check;

/*
 * check_name_ok: is name usable as a host or RPC server name in the URL and
 * query (1..255 bytes of letters, digits, '-', '.', '_', or an IP literal
 * with ':' when allow_colon)?
 */
bool check_name_ok(const char *name, bool allow_colon);

/*
 * check_resolve_ok: is entry a well-formed "HOST:PORT:ADDR[,ADDR...]" (curl's
 * --resolve syntax; ADDR may be a bracketed IPv6 literal)? On success, the
 * port is stored in *port (may be NULL).
 */
bool check_resolve_ok(const char *entry, unsigned *port);

/*
 * check_host_split: split "NAME", "NAME:PORT", "[V6]" or "[V6]:PORT" into the
 * name (without brackets) and the port (dflt when absent).
 * Returns 0, or -1 (bad syntax, bad port, name too long for cap).
 */
int check_host_split(const char *host, unsigned dflt, char *name, size_t cap, unsigned *port);

/*
 * check_opts_copy: validate opts and copy them into c (c->host, c->ports,
 * the password, the resolve lists...). Also fills the static parts of c->obs.
 * Returns 0, or -1 with a one-line reason in err.
 */
int check_opts_copy(struct check *c, const struct check_opts *opts, char *err, size_t len);

/* check_opts_free: free (and wipe the password of) what check_opts_copy stored. */
void check_opts_free(struct check *c);

#endif /* OAPROBE_CHECK_OPTS_H */
