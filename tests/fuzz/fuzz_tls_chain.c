/*
 * fuzz_tls_chain.c: hostile certificate chains through the TLS module.
 *
 * The first byte picks the reader (even: PEM, odd: concatenated DER) and
 * the handshake verify code to pretend; the rest is the chain. Every chain
 * that parses is judged (summary, host match, trust from the code, dates)
 * and reported into a result, so names, SANs and dates from hostile
 * certificates go through the whole verdict path.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/x509_vfy.h>

#include "probes/result/result.h"
#include "probes/tls/tls_cert.h"
#include "probes/tls/tls_report.h"
#include "probes/tls/tls_verdict.h"

static struct oa_result *result; /* built once, reset per input */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const long codes[] = {
        -1, X509_V_OK, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
        X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
        X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE,
        X509_V_ERR_CERT_SIGNATURE_FAILURE,
    };
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    data++;
    size--;

    STACK_OF(X509) *chain = NULL;
    const char *why = NULL;
    int n = (sel & 1) ? tls_chain_from_der(data, size, &chain, &why)
                      : tls_chain_from_pem((const char *)data, size, &chain, &why);
    if (n <= 0) {
        if (chain != NULL || why == NULL)
            __builtin_trap();
        return 0;
    }
    if (chain == NULL || sk_X509_num(chain) != n)
        __builtin_trap();

    struct tls_verdict_params p = {
        .chain = chain,
        .handshake_verify = codes[(sel >> 1) % (sizeof codes / sizeof codes[0])],
        .host = (sel & 0x10) ? "mail.contoso.com" : "192.0.2.10",
        .now = 1767225600,
        .warn_days = 30,
    };
    struct tls_verdict v;
    if (tls_verdict_compute(&p, &v, &why) == 0) {
        if (result == NULL && (result = oa_result_new("fuzz", 0)) == NULL)
            __builtin_trap();
        oa_result_reset(result, "fuzz", 0);
        struct oa_step *st = oa_result_add_step(result, OA_STEP_TLS, "fuzz", 443);
        if (tls_report_verdict(&v, result, st) < 0)
            __builtin_trap();
        for (size_t i = 0; i < result->ndiags; i++)
            if (memchr(result->diags[i].message, '\0', OA_MESSAGE_MAX) == NULL)
                __builtin_trap();
    }
    tls_chain_free(chain);
    return 0;
}
