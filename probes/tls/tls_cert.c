/*
 * tls_cert.c: certificate facts (names, dates, host match) and reading a
 * presented chain from PEM/DER. See tls_cert.h.
 */
#include "probes/tls/tls_cert.h"

#include <arpa/inet.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "probes/common/wire.h"
#include "probes/result/text.h"
#include "probes/result/timefmt.h"

_Static_assert(TLS_CHAIN_MAX == 16, "update the \"more than 16 certificates\" reasons");

static void name_text(const X509_NAME *name, char *buf, size_t cap)
{
    if (buf == NULL || cap == 0)
        return;
    buf[0] = '\0';
    if (name == NULL)
        return;
    BIO *b = BIO_new(BIO_s_mem());
    if (b == NULL)
        return;
    unsigned long flags = XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB;
    if (X509_NAME_print_ex(b, name, 0, flags) >= 0) {
        char *data = NULL;
        long n = BIO_get_mem_data(b, &data);
        if (n > 0 && data != NULL)
            oa_text_copyn(buf, cap, data, (size_t)n, NULL);
    }
    BIO_free(b);
}

static void common_name(const X509_NAME *name, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (name == NULL)
        return;
    int idx = -1, last = -1;
    while ((idx = X509_NAME_get_index_by_NID(name, NID_commonName, idx)) >= 0)
        last = idx;
    if (last < 0)
        return;
    const ASN1_STRING *s =
        X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, last));
    unsigned char *utf8 = NULL;
    int n = ASN1_STRING_to_UTF8(&utf8, s);
    if (n > 0 && utf8 != NULL)
        oa_text_copyn(buf, cap, (const char *)utf8, (size_t)n, NULL);
    OPENSSL_free(utf8);
}

static void san_list(X509 *cert, struct tls_cert_summary *out)
{
    GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    if (gens == NULL)
        return;
    int n = sk_GENERAL_NAME_num(gens);
    for (int i = 0; i < n; i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        char text[TLS_NAME_MAX];
        text[0] = '\0';
        if (g->type == GEN_DNS) {
            const ASN1_STRING *s = g->d.dNSName;
            oa_text_copyn(text, sizeof text, (const char *)ASN1_STRING_get0_data(s),
                          (size_t)ASN1_STRING_length(s), NULL);
            out->san_dns++;
        } else if (g->type == GEN_IPADD) {
            const ASN1_OCTET_STRING *s = g->d.iPAddress;
            int len = ASN1_STRING_length(s);
            const unsigned char *p = ASN1_STRING_get0_data(s);
            char ip[INET6_ADDRSTRLEN];
            if ((len == 4 && inet_ntop(AF_INET, p, ip, sizeof ip) != NULL) ||
                (len == 16 && inet_ntop(AF_INET6, p, ip, sizeof ip) != NULL))
                oa_text_copy(text, sizeof text, ip);
            else
                oa_text_copy(text, sizeof text, "(bad IP address)");
        } else {
            continue; /* email, URI, otherName: not names a client connects to */
        }
        out->san_total++;
        if (out->san_count < TLS_SAN_MAX)
            memcpy(out->san[out->san_count++], text, sizeof text);
    }
    GENERAL_NAMES_free(gens);
}

static int cert_time(const ASN1_TIME *t, int64_t *out)
{
    if (t == NULL || out == NULL)
        return -1;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (ASN1_TIME_to_tm(t, &tm) != 1)
        return -1;
    struct oa_civil c = {tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                         tm.tm_hour, tm.tm_min, tm.tm_sec};
    return oa_time_from_civil(&c, out);
}

static int summarize(X509 *cert, struct tls_cert_summary *out)
{
    if (out != NULL)
        memset(out, 0, sizeof *out);
    if (cert == NULL || out == NULL)
        return -1;
    name_text(X509_get_subject_name(cert), out->subject, sizeof out->subject);
    name_text(X509_get_issuer_name(cert), out->issuer, sizeof out->issuer);
    common_name(X509_get_subject_name(cert), out->common_name,
                sizeof out->common_name);
    san_list(cert, out);
    out->dates_ok = cert_time(X509_get0_notBefore(cert), &out->not_before) == 0 &&
                    cert_time(X509_get0_notAfter(cert), &out->not_after) == 0;
    if (!out->dates_ok)
        out->not_before = out->not_after = 0;
    out->self_issued = X509_self_signed(cert, 0) == 1;
    out->is_ca = X509_check_ca(cert) > 0;
    return 0;
}

static int is_ip_literal(const char *h)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, h, buf) == 1 || inet_pton(AF_INET6, h, buf) == 1;
}

static enum tls_name_match match_host(X509 *cert, const char *host, char *matched,
                                      size_t cap)
{
    if (matched != NULL && cap > 0)
        matched[0] = '\0';
    if (cert == NULL || host == NULL || host[0] == '\0')
        return TLS_NAME_NOT_CHECKED;
    char h[TLS_NAME_MAX];
    size_t n = strnlen(host, sizeof h);
    if (n >= sizeof h)
        return TLS_NAME_MISMATCH; /* longer than any DNS name */
    memcpy(h, host, n + 1);
    if (n > 1 && h[n - 1] == '.')
        h[--n] = '\0';

    if (is_ip_literal(h)) {
        int rc = X509_check_ip_asc(cert, h, 0);
            if (rc == 1) {
            if (matched != NULL)
                oa_text_copy(matched, cap, h);
            return TLS_NAME_SAN;
        }
        return TLS_NAME_MISMATCH;
    }

    char *peer = NULL;
    int rc = X509_check_host(cert, h, n, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, &peer);
    if (rc != 1) {
        OPENSSL_free(peer);
        return TLS_NAME_MISMATCH;
    }
    if (matched != NULL)
        oa_text_copy(matched, cap, peer != NULL ? peer : h);
    OPENSSL_free(peer);

    /* X509_check_host reads the CN only when there is no DNS SAN. */
    int has_dns_san = 0;
    GENERAL_NAMES *gens = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++)
        if (sk_GENERAL_NAME_value(gens, i)->type == GEN_DNS)
            has_dns_san = 1;
    GENERAL_NAMES_free(gens);
    return has_dns_san ? TLS_NAME_SAN : TLS_NAME_CN;
}

static int no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return 0;
}

static int chain_from_pem(const char *pem, size_t len, STACK_OF(X509) **out,
                          const char **why)
{
    const char *dummy;
    if (why == NULL)
        why = &dummy;
    if (out != NULL)
        *out = NULL;
    if (pem == NULL || out == NULL) {
        *why = "NULL argument";
        return WIRE_INVALID;
    }
    if (len > TLS_INPUT_MAX) {
        *why = "PEM input is longer than the 256 KiB cap";
        return WIRE_TOOBIG;
    }
    STACK_OF(X509) *sk = sk_X509_new_null();
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    if (sk == NULL || b == NULL) {
        sk_X509_free(sk);
        BIO_free(b);
        *why = "out of memory";
        return WIRE_INVALID;
    }
    int rc = 0;
    for (;;) {
        X509 *x = PEM_read_bio_X509(b, NULL, no_password, NULL);
        if (x == NULL) {
            unsigned long e = ERR_peek_last_error();
            if (ERR_GET_LIB(e) == ERR_LIB_PEM &&
                ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
                break; /* no further block */
            }
            *why = "a CERTIFICATE block is not valid base64 DER";
            rc = WIRE_INVALID;
            break;
        }
        if (sk_X509_num(sk) >= TLS_CHAIN_MAX) {
            X509_free(x);
            *why = "more than 16 certificates";
            rc = WIRE_TOOBIG;
            break;
        }
        if (!sk_X509_push(sk, x)) {
            X509_free(x);
            *why = "out of memory";
            rc = WIRE_INVALID;
            break;
        }
    }
    BIO_free(b);
    if (rc == 0 && sk_X509_num(sk) == 0) {
        *why = "no CERTIFICATE block in the PEM input";
        rc = WIRE_INVALID;
    }
    if (rc != 0) {
        tls_chain_free(sk);
        return rc;
    }
    *out = sk;
    return sk_X509_num(sk);
}

static int chain_from_der(const uint8_t *der, size_t len, STACK_OF(X509) **out,
                          const char **why)
{
    const char *dummy;
    if (why == NULL)
        why = &dummy;
    if (out != NULL)
        *out = NULL;
    if (der == NULL || out == NULL) {
        *why = "NULL argument";
        return WIRE_INVALID;
    }
    if (len > TLS_INPUT_MAX) {
        *why = "DER input is longer than the 256 KiB cap";
        return WIRE_TOOBIG;
    }
    if (len == 0) {
        *why = "empty DER input";
        return WIRE_INVALID;
    }
    STACK_OF(X509) *sk = sk_X509_new_null();
    if (sk == NULL) {
        *why = "out of memory";
        return WIRE_INVALID;
    }
    const unsigned char *p = der, *end = der + len;
    int rc = 0;
    while (p < end) {
        if (sk_X509_num(sk) >= TLS_CHAIN_MAX) {
            *why = "more than 16 certificates";
            rc = WIRE_TOOBIG;
            break;
        }
        const unsigned char *start = p;
        X509 *x = d2i_X509(NULL, &p, (long)(end - p));
        if (x == NULL || p <= start || p > end) {
            X509_free(x);
            *why = "bytes that are not a DER certificate";
            rc = WIRE_INVALID;
            break;
        }
        if (!sk_X509_push(sk, x)) {
            X509_free(x);
            *why = "out of memory";
            rc = WIRE_INVALID;
            break;
        }
    }
    if (rc != 0) {
        tls_chain_free(sk);
        return rc;
    }
    *out = sk;
    return sk_X509_num(sk);
}

/*
 * The public entry points. OpenSSL reports failures on its thread-local
 * error queue; libcurl and the caller read that queue after their own
 * calls, so every entry point removes exactly the entries it caused
 * (ERR_set_mark / ERR_pop_to_mark) and leaves older ones alone.
 */
void tls_cert_name_text(const X509_NAME *name, char *buf, size_t cap)
{
    ERR_set_mark();
    name_text(name, buf, cap);
    ERR_pop_to_mark();
}

int tls_cert_time(const ASN1_TIME *t, int64_t *out)
{
    ERR_set_mark();
    int rc = cert_time(t, out);
    ERR_pop_to_mark();
    return rc;
}

int tls_cert_summarize(X509 *cert, struct tls_cert_summary *out)
{
    ERR_set_mark();
    int rc = summarize(cert, out);
    ERR_pop_to_mark();
    return rc;
}

enum tls_name_match tls_cert_match_host(X509 *cert, const char *host,
                                        char *matched, size_t cap)
{
    ERR_set_mark();
    enum tls_name_match m = match_host(cert, host, matched, cap);
    ERR_pop_to_mark();
    return m;
}

int tls_chain_from_pem(const char *pem, size_t len, STACK_OF(X509) **out,
                       const char **why)
{
    ERR_set_mark();
    int rc = chain_from_pem(pem, len, out, why);
    ERR_pop_to_mark();
    return rc;
}

int tls_chain_from_der(const uint8_t *der, size_t len, STACK_OF(X509) **out,
                       const char **why)
{
    ERR_set_mark();
    int rc = chain_from_der(der, len, out, why);
    ERR_pop_to_mark();
    return rc;
}

void tls_chain_free(STACK_OF(X509) *chain)
{
    sk_X509_pop_free(chain, X509_free);
}
