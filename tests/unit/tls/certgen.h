/*
 * certgen.h: test certificates made with OpenSSL's C API, in memory (no
 * files, no network): EC P-256 keys, v3 certificates with SKID/AKID,
 * basicConstraints, keyUsage, extendedKeyUsage and SANs.
 */
#ifndef OAPROBE_TEST_CERTGEN_H
#define OAPROBE_TEST_CERTGEN_H

#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

struct cg_spec {
    const char *cn;          /* subject CN (NULL: none) */
    const char *org;         /* subject O (NULL: none) */
    EVP_PKEY *key;           /* the certificate's key */
    X509 *issuer;            /* NULL: self-signed */
    EVP_PKEY *issuer_key;    /* NULL: self-signed */
    int64_t not_before, not_after;
    int ca;                  /* CA:TRUE + keyCertSign */
    const char *san;         /* "DNS:a,IP:192.0.2.1" or NULL */
    const char *eku;         /* NULL: serverAuth for leaves, none for CAs */
    long serial;
};

/* cg_key: a new EC P-256 key (fails the test run on error). */
EVP_PKEY *cg_key(void);

/* cg_cert: a signed certificate per spec (NULL on error). */
X509 *cg_cert(const struct cg_spec *s);

/* cg_stack: a new STACK_OF(X509) of the given certs (not up-ref'd: free
 * with sk_X509_free only). n <= 8. */
STACK_OF(X509) *cg_stack(int n, X509 *a, X509 *b, X509 *c);

/* cg_store: a store trusting the given roots (up-ref'd). */
X509_STORE *cg_store(X509 *root1, X509 *root2);

/* cg_pem: PEM text of a cert into buf (returns length, 0 on error). */
size_t cg_pem(X509 *x, char *buf, size_t cap);

/* cg_der: DER of a cert into buf (returns length, 0 on error). */
size_t cg_der(X509 *x, unsigned char *buf, size_t cap);

#endif /* OAPROBE_TEST_CERTGEN_H */
