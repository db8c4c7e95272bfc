/*
 * tls_report.c: a tls_verdict written into the result record (details,
 * cert_days perfdata, diagnoses). See tls_report.h.
 */
#include "probes/tls/tls_report.h"

#include <inttypes.h>
#include <string.h>

#include "probes/result/text.h"
#include "probes/result/timefmt.h"

#define LIST_MAX 384
#define TLS_REPORT_SAN_MAX 16 /* SAN entries recorded as step details */

static const char *plural(int64_t n)
{
    return n == 1 || n == -1 ? "" : "s";
}

static void date_text(int64_t t, char *buf, size_t cap)
{
    if (oa_time_format_rfc3339(t, -1, buf, cap) < 0)
        oa_text_copy(buf, cap, "(date out of range)");
}

/* "a, b, c" of the leaf's SAN entries, cut safely. */
static void san_text(const struct tls_cert_summary *l, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < l->san_count && used + 1 < cap; i++) {
        int k = oa_text_format(buf + used, cap - used, "%s%s", i ? ", " : "", l->san[i]);
        if (k < 0)
            break;
        used += (size_t)k;
    }
    if (l->san_total > l->san_count && used + 1 < cap)
        oa_text_format(buf + used, cap - used, " (+%zu more)", l->san_total - l->san_count);
}

static void add_details(const struct tls_verdict *v, struct oa_result *r,
                        struct oa_step *st)
{
    const struct tls_cert_summary *l = &v->leaf;
    oa_step_add_str(r, st, OA_DETAIL_CERT_SUBJECT, l->subject);
    oa_step_add_str(r, st, OA_DETAIL_CERT_ISSUER, l->issuer);
    /* Each SAN takes a detail slot: keep the first TLS_REPORT_SAN_MAX and
     * say how many the certificate has, so a certificate with dozens of
     * names cannot crowd out the details after it. */
    for (size_t i = 0; i < l->san_count && i < TLS_REPORT_SAN_MAX; i++)
        oa_step_add_str(r, st, OA_DETAIL_CERT_SAN, l->san[i]);
    oa_step_add_int(r, st, OA_DETAIL_CERT_SAN_COUNT, (int64_t)l->san_total);
    if (l->dates_ok) {
        oa_step_add_time(r, st, OA_DETAIL_CERT_NOT_BEFORE, l->not_before);
        oa_step_add_time(r, st, OA_DETAIL_CERT_NOT_AFTER, l->not_after);
        oa_step_add_int(r, st, OA_DETAIL_CERT_DAYS_LEFT, v->leaf_days_left);
    }
    if (v->earliest_depth >= 0)
        oa_step_add_time(r, st, OA_DETAIL_CHAIN_NOT_AFTER, v->earliest_not_after);
    oa_step_add_int(r, st, OA_DETAIL_CHAIN_LENGTH, (int64_t)v->chain_len);
    oa_step_add_str(r, st, OA_DETAIL_HOST_MATCH, tls_name_match_name(v->name_match));
    if (v->matched_name[0] != '\0')
        oa_step_add_str(r, st, OA_DETAIL_MATCHED_NAME, v->matched_name);
    oa_step_add_str(r, st, OA_DETAIL_TRUST, tls_trust_name(v->trust));
    if (v->verify_code != 0) {
        oa_step_add_int(r, st, OA_DETAIL_VERIFY_CODE, v->verify_code);
        oa_step_add_str(r, st, OA_DETAIL_VERIFY_RESULT, v->verify_text);
    }
    if (v->missing_issuer[0] != '\0')
        oa_step_add_str(r, st, OA_DETAIL_MISSING_ISSUER, v->missing_issuer);
}

static int add_dates(const struct tls_verdict *v, struct oa_result *r,
                     const struct oa_step *st)
{
    const struct tls_cert_summary *l = &v->leaf;
    char d1[OA_TIME_RFC3339_MAX], d2[OA_TIME_RFC3339_MAX];
    int added = 0;
    size_t before;

    if (v->leaf_expired || v->chain_expired) {
        char leafpart[OA_MESSAGE_MAX], chainpart[OA_MESSAGE_MAX];
        leafpart[0] = chainpart[0] = '\0';
        if (v->leaf_expired) {
            date_text(l->not_after, d1, sizeof d1);
            oa_text_format(leafpart, sizeof leafpart,
                           "the certificate '%s' expired on %s (%" PRId64 " day%s ago)",
                           l->subject, d1, -v->leaf_days_left, plural(v->leaf_days_left));
        }
        if (v->chain_expired) {
            date_text(v->chain_expired_not_after, d2, sizeof d2);
            oa_text_format(chainpart, sizeof chainpart, "%s certificate '%s' %s expired on %s",
                           v->leaf_expired ? "; the chain" : "the chain",
                           v->chain_expired_subject,
                           v->chain_expired_presented ? "(sent by the server)"
                                                      : "(the trust anchor in the local store)",
                           d2);
        }
        before = r->ndiags;
        struct oa_diag *d = oa_result_add_diag(r, OA_DIAG_CERT_EXPIRED, st->kind, v->host,
                                               st->port, "%s%s", leafpart, chainpart);
        if (r->ndiags > before) {
            added++;
            if (!v->leaf_expired && v->chain_expired_presented)
                oa_diag_set_remedy(d, "install the issuing CA's current intermediate "
                                      "certificate on the server in place of '%s'",
                                   v->chain_expired_subject);
        }
    }
    if (v->leaf_not_yet_valid) {
        date_text(l->not_before, d1, sizeof d1);
        before = r->ndiags;
        /* whole days, rounded up: -floor(-x) */
        int64_t days = -oa_time_days_left(v->now, l->not_before);
        oa_result_add_diag(r, OA_DIAG_CERT_NOT_YET_VALID, st->kind, v->host, st->port,
                           "the certificate '%s' is not valid before %s (in %" PRId64
                           " day%s)",
                           l->subject, d1, days, plural(days));
        added += r->ndiags > before;
    }
    if (v->expiring) {
        date_text(v->earliest_not_after, d1, sizeof d1);
        before = r->ndiags;
        struct oa_diag *d;
        if (v->earliest_depth == 0)
            d = oa_result_add_diag(r, OA_DIAG_CERT_EXPIRING, st->kind, v->host, st->port,
                                   "the certificate '%s' expires on %s, in %" PRId64
                                   " day%s (warning at %d days)",
                                   l->subject, d1, v->earliest_days_left,
                                   plural(v->earliest_days_left), v->warn_days);
        else
            d = oa_result_add_diag(r, OA_DIAG_CERT_EXPIRING, st->kind, v->host, st->port,
                                   "the chain certificate '%s' expires on %s, in %" PRId64
                                   " day%s, before the leaf '%s' (warning at %d days)",
                                   v->earliest_subject, d1, v->earliest_days_left,
                                   plural(v->earliest_days_left), l->subject, v->warn_days);
        if (r->ndiags > before) {
            added++;
            if (v->earliest_depth == 0)
                oa_diag_set_remedy(d, "renew the certificate before %s and rebind it in IIS",
                                   d1);
            else
                oa_diag_set_remedy(d, "install the issuing CA's current intermediate "
                                      "certificate on the server before %s", d1);
        }
    }
    return added;
}

static int add_name(const struct tls_verdict *v, struct oa_result *r,
                    const struct oa_step *st)
{
    if (v->name_match != TLS_NAME_MISMATCH)
        return 0;
    const struct tls_cert_summary *l = &v->leaf;
    char sans[LIST_MAX];
    san_text(l, sans, sizeof sans);
    const char *note = "";
    if (l->san_dns > 0 && oa_text_casecmp(l->common_name, v->host) == 0)
        note = "; the CN matches, but clients ignore the CN when the certificate has "
               "DNS SANs";
    size_t before = r->ndiags;
    struct oa_diag *d = oa_result_add_diag(
        r, OA_DIAG_CERT_NAME_MISMATCH, st->kind, v->host, st->port,
        "%s is not among the certificate's names (SAN: %s; CN: %s)%s", v->host,
        sans[0] ? sans : "none", l->common_name[0] ? l->common_name : "none", note);
    if (r->ndiags == before)
        return 0;
    oa_diag_set_remedy(d, "reissue the certificate with %s in the SAN list", v->host);
    return 1;
}

static int add_trust(const struct tls_verdict *v, struct oa_result *r,
                     const struct oa_step *st)
{
    size_t before = r->ndiags;
    struct oa_diag *d = NULL;
    const struct tls_cert_summary *l = &v->leaf;

    switch (v->trust) {
    case TLS_TRUST_SELF_SIGNED:
        oa_result_add_diag(r, OA_DIAG_CERT_UNTRUSTED, st->kind, v->host, st->port,
                           "the certificate '%s' is self-signed", l->subject);
        break;
    case TLS_TRUST_UNKNOWN_CA:
        if (v->verify_code == TLS_VERIFY_SELF_SIGNED_IN_CHAIN)
            oa_result_add_diag(r, OA_DIAG_CERT_UNTRUSTED, st->kind, v->host, st->port,
                               "the chain ends at the root '%s', which is not a trusted "
                               "CA",
                               v->untrusted_subject);
        else
            oa_result_add_diag(r, OA_DIAG_CERT_UNTRUSTED, st->kind, v->host, st->port,
                               "the chain ends at '%s', issued by '%s', which is not a "
                               "trusted CA (if '%s' is an intermediate of a public CA, "
                               "the server must send it too)",
                               v->untrusted_subject, v->missing_issuer, v->missing_issuer);
        break;
    case TLS_TRUST_INVALID:
        oa_result_add_diag(r, OA_DIAG_CERT_UNTRUSTED, st->kind, v->host, st->port,
                           "verification of '%s' fails: %s (X509_V_ERR %d at depth %d)",
                           v->untrusted_subject[0] ? v->untrusted_subject : l->subject,
                           v->verify_text, v->verify_code, v->verify_depth);
        break;
    case TLS_TRUST_CHAIN_INCOMPLETE:
        if (v->incomplete_certain)
            d = oa_result_add_diag(r, OA_DIAG_CERT_CHAIN_INCOMPLETE, st->kind, v->host,
                                   st->port,
                                   "the server does not send the intermediate '%s' that "
                                   "issued '%s'; the chain verifies once it is added",
                                   v->missing_issuer, v->untrusted_subject);
        else if (v->wrong_intermediate)
            d = oa_result_add_diag(r, OA_DIAG_CERT_CHAIN_INCOMPLETE, st->kind, v->host,
                                   st->port,
                                   "the server sends %zu certificates, but none issued "
                                   "the leaf: its issuer '%s' is missing (a wrong or "
                                   "outdated intermediate is installed)",
                                   v->chain_len, v->missing_issuer);
        else
            d = oa_result_add_diag(r, OA_DIAG_CERT_CHAIN_INCOMPLETE, st->kind, v->host,
                                   st->port,
                                   "the server sends only the leaf; its issuer '%s' is "
                                   "neither sent nor a trusted root: a missing "
                                   "intermediate (if '%s' is a private CA instead, the "
                                   "certificate is untrusted)",
                                   v->missing_issuer, v->missing_issuer);
        if (d != NULL && r->ndiags > before)
            oa_diag_set_remedy(d, "install the intermediate certificate '%s' on the server "
                                  "(Intermediate Certification Authorities store) so that "
                                  "IIS sends it",
                               v->missing_issuer);
        break;
    case TLS_TRUST_OK:
    case TLS_TRUST_NOT_CHECKED:
    default:
        break;
    }
    return r->ndiags > before;
}

int tls_report_verdict(const struct tls_verdict *v, struct oa_result *r,
                       struct oa_step *st)
{
    if (v == NULL || r == NULL || !oa_result_owns_step(r, st))
        return -1;
    add_details(v, r, st);

    if (v->earliest_depth >= 0) {
        char warn[16] = "";
        if (v->warn_days > 0)
            oa_text_format(warn, sizeof warn, "%d:", v->warn_days);
        oa_result_add_perf(r, "cert_days", v->earliest_days_left, 0, "",
                           warn[0] ? warn : NULL, NULL, NULL, NULL);
    }

    size_t first = r->ndiags;
    int added = add_dates(v, r, st) + add_name(v, r, st) + add_trust(v, r, st);
    enum oa_state worst = OA_STATE_OK;
    for (size_t i = first; i < r->ndiags; i++)
        worst = oa_state_worst(worst, r->diags[i].severity);
    oa_step_raise(st, worst);
    return added;
}
