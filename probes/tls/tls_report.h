/*
 * tls_report.h: a struct tls_verdict written into the result record: step
 * details, the cert_days perfdata and the certificate diagnoses.
 */
#ifndef OAPROBE_TLS_REPORT_H
#define OAPROBE_TLS_REPORT_H

#include "probes/result/result.h"
#include "probes/tls/tls_facts.h"

/*
 * tls_report_verdict: add to step st of r (normally an OA_STEP_TLS step)
 *  - the details cert_subject, cert_issuer, cert_san (each), cert_not_before,
 *    cert_not_after, cert_days_left, chain_not_after, chain_length,
 *    host_match, matched_name, trust, verify_code / verify_result (when an
 *    error was found) and missing_issuer;
 *  - the perfdata cert_days (whole days until the earliest notAfter of the
 *    presented chain; warn range "<warn_days>:" when warn_days > 0; refused
 *    silently if r already has a cert_days);
 *  - the diagnoses cert_expired, cert_not_yet_valid, cert_expiring,
 *    cert_name_mismatch, cert_untrusted, cert_chain_incomplete (step of st,
 *    server v->host, port st->port), with the evidence in the message;
 * and raise the step's status to the worst severity added (OK when none).
 * Returns the number of diagnoses added, or -1 (NULL arguments, or st not a
 * step of r).
 */
int tls_report_verdict(const struct tls_verdict *v, struct oa_result *r,
                       struct oa_step *st);

#endif /* OAPROBE_TLS_REPORT_H */
