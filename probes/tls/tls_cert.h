/*
 * tls_cert.h: facts about certificates already fetched (no sockets, no
 * clock): subject, issuer, common name, SAN list, validity dates, host
 * name match; and reading a presented chain from PEM or DER bytes (for
 * example libcurl's CURLINFO_CERTINFO "Cert:" fields).
 *
 * Only this module and tls_verdict include OpenSSL headers; the facts they
 * produce are plain data (tls_facts.h).
 *
 * Chain input formats (the presented chain, leaf first):
 *
 *   PEM (RFC 7468), any text between blocks is skipped:
 *     [text]
 *     -----BEGIN CERTIFICATE-----
 *     base64 of the DER certificate, 64 columns
 *     -----END CERTIFICATE-----
 *     [text]  ... repeated, at most TLS_CHAIN_MAX blocks
 *
 *   DER, certificates back to back, nothing else:
 *     +------+---------+---------------------+------+--------- ...
 *     | 0x30 | length  | TBSCertificate, alg, | 0x30 | length
 *     | SEQ  | (BER)   | signature           | SEQ  | (next)
 *     +------+---------+---------------------+------+--------- ...
 */
#ifndef OAPROBE_TLS_CERT_H
#define OAPROBE_TLS_CERT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/x509.h>

#include "probes/tls/tls_facts.h"

#define TLS_CHAIN_MAX  16           /* certificates read from PEM/DER */
#define TLS_INPUT_MAX  (256 * 1024) /* bytes of PEM/DER input */

/*
 * tls_cert_summarize: fill *out from cert.
 *   cert [in]  the certificate (borrowed)
 *   out  [out] zeroed first, then filled
 * Returns 0, or -1 (NULL arguments). Unparseable parts are left empty
 * (dates_ok 0 when a date does not parse).
 */
int tls_cert_summarize(X509 *cert, struct tls_cert_summary *out);

/*
 * tls_cert_name_text: an X509_NAME as one RFC 2253 line with UTF-8 kept
 * ("CN=mail.contoso.com,O=Contoso"), bounded and valid UTF-8; "" for NULL.
 */
void tls_cert_name_text(const X509_NAME *name, char *buf, size_t cap);

/*
 * tls_cert_time: an ASN1_TIME (UTCTime or GeneralizedTime) as Unix seconds.
 * Returns 0, or -1 (NULL, unparseable, or outside years 0000..9999).
 */
int tls_cert_time(const ASN1_TIME *t, int64_t *out);

/*
 * tls_cert_match_host: does cert name host? Uses X509_check_host (no
 * partial wildcards; the subject CN is considered only when the certificate
 * has no DNS SAN, as RFC 6125 clients do) or, for an IPv4/IPv6 literal,
 * the IP SAN entries. One trailing dot of host is ignored.
 *   matched [out] the certificate name that matched ("*.contoso.com"), ""
 *                 otherwise; may be NULL
 * Returns the match kind; TLS_NAME_NOT_CHECKED for a NULL/empty host or
 * NULL cert.
 */
enum tls_name_match tls_cert_match_host(X509 *cert, const char *host,
                                        char *matched, size_t cap);

/*
 * tls_chain_from_pem: read every "-----BEGIN CERTIFICATE-----" block of
 * pem[0..len) (text between blocks is skipped), in order.
 *   out [out] a new stack the caller frees with tls_chain_free()
 *   why [out] on failure, a static reason naming the problem
 * Returns the number of certificates (>= 1), WIRE_INVALID (no certificate,
 * or a block that is not a valid certificate), WIRE_TOOBIG (len above
 * TLS_INPUT_MAX, or more than TLS_CHAIN_MAX certificates), or WIRE_INVALID
 * for NULL arguments.
 */
int tls_chain_from_pem(const char *pem, size_t len, STACK_OF(X509) **out,
                       const char **why);

/*
 * tls_chain_from_der: the same for concatenated DER certificates; every
 * byte must belong to a certificate.
 */
int tls_chain_from_der(const uint8_t *der, size_t len, STACK_OF(X509) **out,
                       const char **why);

/* tls_chain_free: free a stack from tls_chain_from_* and its
 * certificates. NULL is a no-op. */
void tls_chain_free(STACK_OF(X509) *chain);

#endif /* OAPROBE_TLS_CERT_H */
