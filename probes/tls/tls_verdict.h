/*
 * tls_verdict.h: the certificate verdict of the TLS step, from OpenSSL
 * objects already fetched (no sockets, no clock: `now` is a parameter).
 *
 * Input: the chain the server presented (leaf first), and either a trust
 * store to verify against here (recommended: this tells an untrusted root
 * from a missing intermediate precisely) or the X509_V_* result the
 * handshake computed (SSL_get_verify_result / CURLINFO_SSL_VERIFYRESULT).
 *
 * Output (struct tls_verdict): the leaf's subject, issuer, SAN list, dates
 * and days left; the earliest notAfter among the presented non-root
 * certificates; the host-name match; the trust class. tls_report.h turns it
 * into step details, cert_days perfdata and the diagnoses cert_expired,
 * cert_not_yet_valid, cert_expiring, cert_name_mismatch, cert_untrusted and
 * cert_chain_incomplete.
 *
 * Trust classes, and how they are told apart:
 *
 *   self_signed       the leaf is its own issuer (X509_V_ERR 18).
 *   unknown_ca        the chain ends at a CA that is not trusted: the
 *                     server sent an untrusted root (19), or it sent its
 *                     intermediates and the last one's issuer is unknown
 *                     (20 at depth > 0).
 *   chain_incomplete  the issuer of the LEAF is neither sent nor trusted
 *                     (20/2/21 at depth 0): the server does not send its
 *                     intermediate. Certain when `intermediates` holds the
 *                     missing issuer and the chain then verifies; without
 *                     it, a leaf issued directly by an unknown private root
 *                     looks the same from outside, and the message says so.
 *   invalid           any other verification error (bad signature, wrong
 *                     purpose, invalid CA...): reported as cert_untrusted
 *                     with OpenSSL's reason.
 *
 * Dates are judged from the certificates themselves, not from the
 * verification result, so an expired and untrusted certificate gets both
 * diagnoses.
 */
#ifndef OAPROBE_TLS_VERDICT_H
#define OAPROBE_TLS_VERDICT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "probes/tls/tls_cert.h"
#include "probes/tls/tls_facts.h"

struct tls_verdict_params {
    STACK_OF(X509) *chain;        /* presented chain, leaf first (borrowed) */
    X509 *const *certs;           /* ... or an array, used when chain is NULL */
    size_t ncerts;
    X509_STORE *store;            /* trust anchors: verify here; or NULL */
    STACK_OF(X509) *intermediates;/* optional known intermediates (borrowed) */
    long handshake_verify;        /* X509_V_* from the handshake, -1 unknown;
                                   * used only when store is NULL */
    const char *host;             /* the name the client used; NULL: none */
    int64_t now;                  /* Unix seconds */
    int warn_days;                /* cert_expiring window; 0: none */
};

/*
 * tls_verdict_compute: judge the presented chain.
 *   p   [in]  parameters (nothing is kept after the call)
 *   v   [out] zeroed first, then filled
 *   why [out] on failure, a static reason
 * Returns 0, or -1: NULL arguments, no certificate, or OpenSSL could not
 * allocate its verification context.
 */
int tls_verdict_compute(const struct tls_verdict_params *p, struct tls_verdict *v,
                        const char **why);

/*
 * tls_store_from_file: a trust store with the certificates of a PEM CA
 * bundle, or the system default store when cafile is NULL. This reads
 * files; everything else in this module is pure.
 * Returns a store the caller frees with X509_STORE_free(), or NULL (why
 * says why).
 */
X509_STORE *tls_store_from_file(const char *cafile, const char **why);

#endif /* OAPROBE_TLS_VERDICT_H */
