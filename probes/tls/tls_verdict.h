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

enum tls_trust {
    TLS_TRUST_NOT_CHECKED = 0, /* no store and no handshake result */
    TLS_TRUST_OK,
    TLS_TRUST_SELF_SIGNED,
    TLS_TRUST_UNKNOWN_CA,
    TLS_TRUST_CHAIN_INCOMPLETE,
    TLS_TRUST_INVALID,
};

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

struct tls_verdict {
    char host[TLS_NAME_MAX];
    int64_t now;
    int warn_days;
    size_t chain_len;                  /* certificates presented */
    struct tls_cert_summary leaf;
    int64_t leaf_days_left;            /* floor((notAfter - now) / 1 day) */
    /* the earliest notAfter among presented certs that are not roots
     * (self-issued certificates above the leaf); the leaf always counts */
    int64_t earliest_not_after;
    int64_t earliest_days_left;
    int earliest_depth;                /* 0: the leaf */
    char earliest_subject[TLS_NAME_MAX];
    /* dates */
    int leaf_expired;
    int leaf_not_yet_valid;
    int chain_expired;                 /* a non-leaf certificate expired */
    int chain_expired_presented;       /* 1: sent by the server; 0: anchor */
    char chain_expired_subject[TLS_NAME_MAX];
    int64_t chain_expired_not_after;
    int expiring;                      /* nothing expired, earliest in window */
    /* name */
    enum tls_name_match name_match;
    char matched_name[TLS_NAME_MAX];
    /* trust */
    enum tls_trust trust;
    int verify_code;                   /* X509_V_* behind the class; 0 if ok */
    int verify_depth;                  /* depth of that error, -1 unknown */
    char verify_text[128];             /* X509_verify_cert_error_string */
    char untrusted_subject[TLS_NAME_MAX]; /* the cert whose issuer is unknown,
                                           * or the untrusted root */
    char missing_issuer[TLS_NAME_MAX]; /* issuer name not found */
    int incomplete_certain;            /* proven with params.intermediates */
    int wrong_intermediate;            /* other certs sent, none issued the leaf */
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

/* tls_trust_name: "ok", "self_signed", "unknown_ca", "chain_incomplete",
 * "invalid", "not_checked". */
const char *tls_trust_name(enum tls_trust t);

/*
 * tls_store_from_file: a trust store with the certificates of a PEM CA
 * bundle, or the system default store when cafile is NULL. This reads
 * files; everything else in this module is pure.
 * Returns a store the caller frees with X509_STORE_free(), or NULL (why
 * says why).
 */
X509_STORE *tls_store_from_file(const char *cafile, const char **why);

#endif /* OAPROBE_TLS_VERDICT_H */
