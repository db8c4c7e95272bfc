/*
 * diag.h: the diagnosis vocabulary of `oaprobe check`.
 *
 * Every failure the probe can name is one row of OA_DIAG_CODES: a stable
 * machine code (documented in docs/diagnoses.md, never renamed, safe for
 * alert routing), its default severity, what was observed, and a one-line
 * remedy. The first 22 rows are the codes of field-notes.md; the rows marked
 * "added" below are needed because an observation would otherwise have no
 * honest code:
 *
 *   cert_not_yet_valid      notBefore in the future (a renewal issued with a
 *                           wrong clock) is neither expired nor untrusted.
 *   rpc_server_refused      404 on the tunnel after the echo worked: Exchange
 *                           2013+ (RpcProxyShim) refuses to route that RPC
 *                           server name; not rpcproxy_missing, not ValidPorts.
 *   tunnel_rpc_error        "503 RPC Error: X" with X other than 6ba (for
 *                           example 5, access denied): not the ACL/backend
 *                           pair that 6ba means.
 *   http_status_unexpected  a well-formed status the RPC proxy never sends at
 *                           that step (ISA 403 "denied the URL", 500, 502...);
 *                           protocol_error is for malformed bytes.
 *   internal_error          the probe itself failed (out of memory, setup):
 *                           severity unknown, it says nothing about the server.
 */
#ifndef OAPROBE_RESULT_DIAG_H
#define OAPROBE_RESULT_DIAG_H

#include "probes/result/state.h"

/* X(ENUM, "code", SEVERITY, "what was observed", "remedy") */
#define OA_DIAG_CODES(X)                                                          \
    X(DNS_FAILED, "dns_failed", CRITICAL, "the name does not resolve",           \
      "fix the public DNS record; for hybrid, the autodiscover record of every " \
      "SMTP domain")                                                              \
    X(TCP_REFUSED, "tcp_refused", CRITICAL,                                       \
      "the port is closed (connection refused)",                                  \
      "open the port on the firewall/NAT for the probe's source and check that " \
      "something listens on it")                                                  \
    X(TCP_TIMEOUT, "tcp_timeout", CRITICAL,                                       \
      "the port does not answer (filtered or dropped)",                           \
      "open the port on the firewall/NAT for the probe's source")                 \
    X(TLS_HANDSHAKE_FAILED, "tls_handshake_failed", CRITICAL,                     \
      "TLS could not be negotiated",                                              \
      "check the certificate binding of the site in IIS, the enabled protocol "  \
      "versions and ciphers, and SSL offloading on the balancer")                 \
    X(CERT_EXPIRED, "cert_expired", CRITICAL,                                     \
      "the certificate (leaf or a chain certificate) is past its notAfter date", \
      "renew the certificate and rebind it to the site in IIS")                   \
    X(CERT_EXPIRING, "cert_expiring", WARNING,                                    \
      "a certificate expires within the warning window",                          \
      "renew the certificate before the date shown and rebind it in IIS")         \
    X(CERT_NOT_YET_VALID, "cert_not_yet_valid", CRITICAL, /* added */             \
      "the certificate's notBefore date is still in the future",                  \
      "check the clocks of the issuing CA and of the probe; reissue the "        \
      "certificate or keep the old one until the date shown")                    \
    X(CERT_NAME_MISMATCH, "cert_name_mismatch", CRITICAL,                         \
      "the host name is not in the certificate's SAN list (or its CN when it "   \
      "has no DNS SAN)",                                                          \
      "reissue the certificate with this name in the SAN list")                   \
    X(CERT_UNTRUSTED, "cert_untrusted", CRITICAL,                                 \
      "the certificate is self-signed or issued by an unknown CA",               \
      "install a publicly trusted certificate: cloud migration and Outlook "     \
      "Anywhere require one")                                                     \
    X(CERT_CHAIN_INCOMPLETE, "cert_chain_incomplete", CRITICAL,                   \
      "the server does not send the intermediate certificate",                    \
      "install the issuing CA's intermediate certificate on the server "         \
      "(Intermediate Certification Authorities store) so that IIS sends it")     \
    X(SSL_REQUIRED, "ssl_required", CRITICAL,                                     \
      "plain HTTP is refused (403.4, SSL required)",                              \
      "use https:// for Outlook Anywhere")                                        \
    X(RPCPROXY_MISSING, "rpcproxy_missing", CRITICAL,                             \
      "/rpc/rpcproxy.dll answers 404",                                            \
      "install the Windows component \"RPC over HTTP Proxy\" and enable "        \
      "Outlook Anywhere")                                                         \
    X(AUTH_NO_METHODS, "auth_no_methods", CRITICAL,                               \
      "401 without any WWW-Authenticate header",                                  \
      "check ISA/TMG pre-authentication and delegation on the publishing rule")  \
    X(AUTH_SCHEME_MISSING, "auth_scheme_missing", CRITICAL,                       \
      "the configured authentication method is not offered",                      \
      "enable Basic and/or NTLM on the /rpc virtual directory (Exchange 2007 "   \
      "re-stamps it every 15 minutes: use Set-OutlookAnywhere)")                  \
    X(AUTH_REJECTED, "auth_rejected", CRITICAL, "the credentials were refused",  \
      "check the account, the password, the DOMAIN\\user form and lockout")      \
    X(NTLM_CONNECTION_LOST, "ntlm_connection_lost", CRITICAL,                     \
      "the server or a balancer dropped the connection during the NTLM "         \
      "exchange",                                                                 \
      "enable connection affinity / keep-alive on the balancer, or use Basic "   \
      "over TLS")                                                                 \
    X(ECHO_INVALID, "echo_invalid", CRITICAL,                                     \
      "200 but the body is not an RPC proxy echo",                                \
      "something else answers this URL (a WAF, a portal, a reverse proxy): "     \
      "publish /rpc/rpcproxy.dll itself")                                         \
    X(EXPECT_CONTINUE_STALL, "expect_continue_stall", CRITICAL,                   \
      "Expect: 100-continue was not answered in time, or answered 417/501",      \
      "fix the layer-7 balancer's 100-continue handling")                         \
    X(VALIDPORTS_MISSING_ENTRY, "validports_missing_entry", CRITICAL,             \
      "the proxy refuses name:port while the same port works under another "     \
      "name",                                                                     \
      "add the name (NetBIOS, FQDN, public FQDN) with 6001-6002 and 6004 to "    \
      "ValidPorts; on Exchange 2003 restart the System Attendant, which also "   \
      "restarts the Information Store")                                          \
    X(BACKEND_UNREACHABLE, "backend_unreachable", CRITICAL,                       \
      "the proxy refuses name:port under every name tried",                       \
      "check that the service on the port runs, the firewall between proxy and " \
      "mailbox server, IPv6 on 6004 (Exchange 2007), and that ValidPorts has "   \
      "an entry at all")                                                          \
    X(RPC_SERVER_REFUSED, "rpc_server_refused", CRITICAL, /* added */             \
      "the proxy answers 404 to the tunnel for this RPC server name",             \
      "use the RPC server name Autodiscover returns; Exchange 2013 and later "   \
      "route only to names of their own mailbox servers")                        \
    X(TUNNEL_RPC_ERROR, "tunnel_rpc_error", CRITICAL, /* added */                 \
      "the proxy answers 503 RPC Error with a code other than 6ba",               \
      "the RPC error code names the cause (5: access denied on the back end, "   \
      "6d9: endpoint not registered)")                                           \
    X(HTTP_STATUS_UNEXPECTED, "http_status_unexpected", CRITICAL, /* added */     \
      "an HTTP status the RPC proxy does not send at this step",                  \
      "the status line names the layer that answered: ISA/TMG 403 = publishing " \
      "rule, 500 -2146893022 = published server certificate name, 502/504 = "    \
      "balancer, HTTP_1_1_REQUIRED = HTTP/2-only front end")                     \
    X(ENDPOINT_BIND_REJECTED, "endpoint_bind_rejected", CRITICAL,                 \
      "the tunnel is up but the endpoint rejects the interface",                  \
      "the wrong service listens on that port (6001 store/EMSMDB, 6002 RFR, "    \
      "6004 NSPI)")                                                               \
    X(PROTOCOL_ERROR, "protocol_error", CRITICAL,                                 \
      "malformed RTS/HTTP from the far end",                                      \
      "capture and inspect the traffic; a middlebox is mangling the stream")     \
    X(TIMEOUT, "timeout", CRITICAL,                                               \
      "a stage did not finish within its deadline",                               \
      "the stage and the elapsed time say where; check the layer it crosses")    \
    X(INTERNAL_ERROR, "internal_error", UNKNOWN, /* added */                      \
      "the probe could not complete the check itself",                            \
      "see the message; this is not a finding about the server")

enum oa_diag_code {
#define OA_DIAG_ENUM_(e, code, sev, what, remedy) OA_DIAG_##e,
    OA_DIAG_CODES(OA_DIAG_ENUM_)
#undef OA_DIAG_ENUM_
    OA_DIAG__COUNT
};

/*
 * oa_diag_code_name: the stable machine code ("dns_failed", ...). Returns
 * NULL for a value out of range. Static string.
 */
const char *oa_diag_code_name(enum oa_diag_code c);

/*
 * oa_diag_code_from_name: look a machine code up (exact, case-sensitive).
 * Returns 0 and sets *out, or -1 (unknown code, NULL arguments).
 */
int oa_diag_code_from_name(const char *name, enum oa_diag_code *out);

/*
 * oa_diag_default_severity: the severity a diagnosis gets unless the caller
 * overrides it (cert_expiring: warning; internal_error: unknown; every other
 * code: critical). Out of range: OA_STATE_UNKNOWN.
 */
enum oa_state oa_diag_default_severity(enum oa_diag_code c);

/*
 * oa_diag_observed: one line saying what this code means was observed.
 * Out of range: NULL. Static string.
 */
const char *oa_diag_observed(enum oa_diag_code c);

/*
 * oa_diag_default_remedy: the one-line remedy of the code. Out of range:
 * NULL. Static string.
 */
const char *oa_diag_default_remedy(enum oa_diag_code c);

#endif /* OAPROBE_RESULT_DIAG_H */
