/*
 * tls_facts.h: what the TLS step found, as plain data: the facts of one
 * certificate, the host-name match and the verdict on a presented chain.
 *
 * tls_cert.c and tls_verdict.c (OpenSSL) fill these structs; tls_report.c
 * and the diagnosis code read them. Nothing here includes OpenSSL, so the
 * readers link without it.
 */
#ifndef OAPROBE_TLS_FACTS_H
#define OAPROBE_TLS_FACTS_H

#include <stddef.h>
#include <stdint.h>

#define TLS_NAME_MAX   256          /* one name, NUL included */
#define TLS_SAN_MAX    32           /* SAN entries kept */

/* What a certificate says, as bounded, valid UTF-8 text. */
struct tls_cert_summary {
    char subject[TLS_NAME_MAX];     /* RFC 2253 form: "CN=mail.contoso.com,O=Contoso" */
    char issuer[TLS_NAME_MAX];
    char common_name[TLS_NAME_MAX]; /* the last (most specific) CN, "" if none */
    char san[TLS_SAN_MAX][TLS_NAME_MAX]; /* DNS names and IP addresses, in order */
    size_t san_count;               /* entries in san[] */
    size_t san_total;               /* DNS + IP entries in the certificate */
    size_t san_dns;                 /* DNS entries in the certificate */
    int dates_ok;                   /* 1 when both dates parsed */
    int64_t not_before, not_after;  /* Unix seconds (when dates_ok) */
    int self_issued;                /* subject = issuer (X509_self_signed, no sig check) */
    int is_ca;                      /* basicConstraints CA or a v1 root */
};

/* How the host name matched. */
enum tls_name_match {
    TLS_NAME_NOT_CHECKED = 0, /* no host name given */
    TLS_NAME_SAN,             /* a DNS (or IP) SAN entry matches */
    TLS_NAME_CN,              /* no DNS SAN at all, and the CN matches */
    TLS_NAME_MISMATCH,
};

/* tls_name_match_name: "san", "cn", "mismatch", "not_checked". */
const char *tls_name_match_name(enum tls_name_match m);

/* X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, as tls_verdict.verify_code holds it
 * (tls_verdict.c checks the value against OpenSSL's). */
#define TLS_VERIFY_SELF_SIGNED_IN_CHAIN 19

/* The trust class of a presented chain (tls_verdict.h tells how each is
 * told apart). */
enum tls_trust {
    TLS_TRUST_NOT_CHECKED = 0, /* no store and no handshake result */
    TLS_TRUST_OK,
    TLS_TRUST_SELF_SIGNED,
    TLS_TRUST_UNKNOWN_CA,
    TLS_TRUST_CHAIN_INCOMPLETE,
    TLS_TRUST_INVALID,
};

/* The verdict on a presented chain, filled by tls_verdict_compute(). */
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

/* tls_trust_name: "ok", "self_signed", "unknown_ca", "chain_incomplete",
 * "invalid", "not_checked". */
const char *tls_trust_name(enum tls_trust t);

#endif /* OAPROBE_TLS_FACTS_H */
