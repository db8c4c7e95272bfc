/*
 * certgen.c: in-memory test certificates (see certgen.h).
 */
#include "certgen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

EVP_PKEY *cg_key(void)
{
    EVP_PKEY *k = EVP_EC_gen("P-256");
    if (k == NULL) {
        fprintf(stderr, "certgen: EVP_EC_gen failed\n");
        abort();
    }
    return k;
}

static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ex = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (ex == NULL)
        return 0;
    int ok = X509_add_ext(cert, ex, -1);
    X509_EXTENSION_free(ex);
    return ok;
}

X509 *cg_cert(const struct cg_spec *s)
{
    X509 *x = X509_new();
    if (x == NULL)
        return NULL;
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), s->serial > 0 ? s->serial : 1);
    X509_NAME *name = X509_get_subject_name(x);
    if (s->org != NULL)
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                   (const unsigned char *)s->org, -1, -1, 0);
    if (s->cn != NULL)
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   (const unsigned char *)s->cn, -1, -1, 0);
    X509 *iss = s->issuer != NULL ? s->issuer : x;
    EVP_PKEY *ikey = s->issuer_key != NULL ? s->issuer_key : s->key;
    X509_set_issuer_name(x, X509_get_subject_name(iss));
    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)s->not_before);
    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)s->not_after);
    X509_set_pubkey(x, s->key);

    int ok = add_ext(x, iss, NID_subject_key_identifier, "hash") &&
             add_ext(x, iss, NID_authority_key_identifier, "keyid:always");
    if (s->ca) {
        ok = ok && add_ext(x, iss, NID_basic_constraints, "critical,CA:TRUE") &&
             add_ext(x, iss, NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        ok = ok && add_ext(x, iss, NID_basic_constraints, "CA:FALSE") &&
             add_ext(x, iss, NID_key_usage, "critical,digitalSignature") &&
             add_ext(x, iss, NID_ext_key_usage, s->eku != NULL ? s->eku : "serverAuth");
    }
    if (s->ca && s->eku != NULL)
        ok = ok && add_ext(x, iss, NID_ext_key_usage, s->eku);
    if (s->san != NULL)
        ok = ok && add_ext(x, iss, NID_subject_alt_name, s->san);
    if (!ok || X509_sign(x, ikey, EVP_sha256()) <= 0) {
        ERR_print_errors_fp(stderr);
        X509_free(x);
        return NULL;
    }
    return x;
}

STACK_OF(X509) *cg_stack(int n, X509 *a, X509 *b, X509 *c)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    X509 *v[3] = {a, b, c};
    for (int i = 0; sk != NULL && i < n && i < 3; i++)
        sk_X509_push(sk, v[i]);
    return sk;
}

X509_STORE *cg_store(X509 *root1, X509 *root2)
{
    X509_STORE *st = X509_STORE_new();
    if (st == NULL)
        return NULL;
    if (root1 != NULL)
        X509_STORE_add_cert(st, root1);
    if (root2 != NULL)
        X509_STORE_add_cert(st, root2);
    return st;
}

size_t cg_pem(X509 *x, char *buf, size_t cap)
{
    BIO *b = BIO_new(BIO_s_mem());
    if (b == NULL || PEM_write_bio_X509(b, x) != 1) {
        BIO_free(b);
        return 0;
    }
    char *data = NULL;
    long n = BIO_get_mem_data(b, &data);
    size_t out = 0;
    if (n > 0 && (size_t)n < cap) {
        memcpy(buf, data, (size_t)n);
        buf[n] = '\0';
        out = (size_t)n;
    }
    BIO_free(b);
    return out;
}

size_t cg_der(X509 *x, unsigned char *buf, size_t cap)
{
    int n = i2d_X509(x, NULL);
    if (n <= 0 || (size_t)n > cap)
        return 0;
    unsigned char *p = buf;
    return (size_t)i2d_X509(x, &p);
}
