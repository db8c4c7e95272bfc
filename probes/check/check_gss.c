/*
 * check_gss.c: Kerberos credentials for Negotiate (see check_gss.h).
 */
#include "probes/check/check_gss.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>
#include <openssl/rand.h>

#include "probes/check/check_int.h"
#include "probes/check/check_xfer.h"

struct check_gss {
    char ccname[48];  /* "MEMORY:oaprobe-<hex>", "" when the default cache is used */
    char *old_ccname; /* the previous default, restored on free */
    bool switched;
};

static gss_OID_desc krb5_oid = {9, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"};

int check_gss_principal(const char *user, char *out, size_t cap)
{
    if (user == NULL || out == NULL || cap == 0 || user[0] == '\0')
        return -1;
    const char *bs = strrchr(user, '\\');
    const char *name = bs != NULL ? bs + 1 : user;
    size_t n = strlen(name);
    if (n == 0 || n >= cap)
        return -1;
    memcpy(out, name, n + 1);
    return 0;
}

/* GSS major/minor status as one line. */
static void gss_why(OM_uint32 major, OM_uint32 minor, const char *what, char *out, size_t cap)
{
    char text[CHECK_DETAIL_MAX] = "";
    size_t used = 0;
    for (int pass = 0; pass < 2; pass++) {
        OM_uint32 code = pass == 0 ? major : minor, ctx = 0, min2;
        int type = pass == 0 ? GSS_C_GSS_CODE : GSS_C_MECH_CODE;
        if (pass == 1 && minor == 0)
            break;
        for (int i = 0; i < 4; i++) {
            gss_buffer_desc b = GSS_C_EMPTY_BUFFER;
            if (gss_display_status(&min2, code, type, &krb5_oid, &ctx, &b) != GSS_S_COMPLETE)
                break;
            int n = snprintf(text + used, sizeof text - used, "%s%.*s", used ? "; " : "",
                             (int)b.length, (const char *)b.value);
            gss_release_buffer(&min2, &b);
            if (n > 0 && (size_t)n < sizeof text - used)
                used += (size_t)n;
            if (ctx == 0)
                break;
        }
    }
    snprintf(out, cap, "%s: %s", what, text[0] ? text : "GSS-API failure");
}

/* A KDC refusal (a finding about the account or the server), not a local problem. */
static bool kdc_refused(OM_uint32 minor)
{
    switch ((krb5_error_code)minor) {
    case KRB5KDC_ERR_PREAUTH_FAILED:
    case KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN:
    case KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN:
    case KRB5KDC_ERR_CLIENT_REVOKED:
    case KRB5KDC_ERR_KEY_EXP:
    case KRB5KRB_AP_ERR_BAD_INTEGRITY:
        return true;
    default:
        return false;
    }
}

static int failed(struct check *c, OM_uint32 major, OM_uint32 minor, const char *what)
{
    c->obs.creds_failed = true;
    c->obs.creds_rejected = kdc_refused(minor);
    gss_why(major, minor, what, c->obs.creds_why, sizeof c->obs.creds_why);
    check_tracef(c, "negotiate: %s", c->obs.creds_why);
    return -1;
}

/* Initiate one context for HTTP@host: fetches and checks the tickets. */
static int prewarm(struct check *c, gss_cred_id_t cred)
{
    OM_uint32 major, minor, mn;
    char svc[CHECK_NAME_MAX + 8];
    snprintf(svc, sizeof svc, "HTTP@%s", c->host);
    gss_buffer_desc nb = {strlen(svc), svc};
    gss_name_t target = GSS_C_NO_NAME;
    major = gss_import_name(&minor, &nb, GSS_C_NT_HOSTBASED_SERVICE, &target);
    if (GSS_ERROR(major))
        return failed(c, major, minor, "bad service name");
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
    major =
        gss_init_sec_context(&minor, cred, &ctx, target, &krb5_oid, GSS_C_MUTUAL_FLAG, 0,
                             GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &out, NULL, NULL);
    gss_release_buffer(&mn, &out);
    gss_delete_sec_context(&mn, &ctx, GSS_C_NO_BUFFER);
    gss_release_name(&mn, &target);
    if (GSS_ERROR(major))
        return failed(c, major, minor, svc);
    return 0;
}

static int switch_default(struct check *c, struct check_gss *g)
{
    OM_uint32 minor;
    const char *old = NULL;
    if (GSS_ERROR(gss_krb5_ccache_name(&minor, g->ccname, &old)))
        return failed(c, GSS_S_FAILURE, minor, "cannot select the memory credential cache");
    g->old_ccname = old != NULL ? strdup(old) : NULL;
    g->switched = true;
    return 0;
}

int check_gss_prepare(struct check *c)
{
    struct check_gss *g = calloc(1, sizeof *g);
    if (g == NULL) {
        c->obs.creds_failed = true;
        snprintf(c->obs.creds_why, sizeof c->obs.creds_why, "out of memory");
        return -1;
    }
    c->gss = g;
    if (c->password == NULL && c->keytab == NULL) {
        check_tracef(c, "negotiate: using the default credential cache");
        return prewarm(c, GSS_C_NO_CREDENTIAL);
    }
    uint8_t rnd[8];
    if (RAND_bytes(rnd, sizeof rnd) != 1) {
        c->obs.creds_failed = true;
        snprintf(c->obs.creds_why, sizeof c->obs.creds_why, "no random bytes");
        return -1;
    }
    snprintf(g->ccname, sizeof g->ccname, "MEMORY:oaprobe-%02x%02x%02x%02x%02x%02x%02x%02x", rnd[0],
             rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);

    OM_uint32 major, minor, mn;
    gss_name_t name = GSS_C_NO_NAME;
    char princ[CHECK_NAME_MAX];
    if (c->user != NULL) {
        if (check_gss_principal(c->user, princ, sizeof princ) < 0)
            return failed(c, GSS_S_BAD_NAME, 0, "bad user name");
        gss_buffer_desc nb = {strlen(princ), princ};
        major = gss_import_name(&minor, &nb, GSS_C_NT_USER_NAME, &name);
        if (GSS_ERROR(major))
            return failed(c, major, minor, "bad user name");
    } else if (c->password != NULL) {
        return failed(c, GSS_S_BAD_NAME, 0, "a password needs --user");
    }
    gss_OID_set_desc mechs = {1, &krb5_oid};
    gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
    gss_key_value_element_desc el[2] = {{"ccache", g->ccname}, {"client_keytab", c->keytab}};
    gss_key_value_set_desc store = {c->keytab != NULL ? 2u : 1u, el};
    if (c->password != NULL) {
        gss_buffer_desc pw = {c->password_len, c->password};
        major = gss_acquire_cred_with_password(&minor, name, &pw, GSS_C_INDEFINITE, &mechs,
                                               GSS_C_INITIATE, &cred, NULL, NULL);
        if (!GSS_ERROR(major))
            major = gss_store_cred_into(&minor, cred, GSS_C_INITIATE, &krb5_oid, 1, 0, &store, NULL,
                                        NULL);
    } else {
        major = gss_acquire_cred_from(&minor, name, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
                                      &store, &cred, NULL, NULL);
    }
    gss_release_name(&mn, &name);
    int rc;
    if (GSS_ERROR(major)) {
        rc = failed(c, major, minor,
                    c->password != NULL ? "password refused or KDC unreachable"
                                        : "no credentials from the keytab");
    } else if (c->password != NULL) {
        /* the initial ticket is in our cache: check what libcurl will use */
        rc = switch_default(c, g);
        if (rc == 0)
            rc = prewarm(c, GSS_C_NO_CREDENTIAL);
    } else {
        /* the keytab credential fetches its tickets into our cache */
        rc = prewarm(c, cred);
        if (rc == 0)
            rc = switch_default(c, g);
    }
    gss_release_cred(&mn, &cred);
    if (rc == 0)
        check_tracef(c, "negotiate: credentials in %s", g->ccname);
    return rc;
}

void check_gss_free(struct check_gss *g)
{
    if (g == NULL)
        return;
    OM_uint32 minor;
    if (g->switched)
        (void)gss_krb5_ccache_name(&minor, g->old_ccname, NULL);
    if (g->ccname[0] != '\0') {
        krb5_context kc;
        krb5_ccache cc;
        if (krb5_init_context(&kc) == 0) {
            if (krb5_cc_resolve(kc, g->ccname, &cc) == 0)
                (void)krb5_cc_destroy(kc, cc);
            krb5_free_context(kc);
        }
    }
    free(g->old_ccname);
    free(g);
}
