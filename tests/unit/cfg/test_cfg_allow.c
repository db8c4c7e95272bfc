/*
 * test_cfg_allow.c: a module's allow_hosts (service/cfg_allow.h): the
 * patterns (names, *.zone at any depth, IPv4/IPv6 addresses and CIDRs) and
 * their errors; the match of a /probe host (case, trailing dot, ports,
 * IPv4-mapped IPv6); every other spelling of an IPv4 address refused
 * (octal, decimal, hex, short forms, a trailing dot), so no spelling
 * reaches an address no pattern covers; hostile hosts (empty, overlong,
 * percent signs, control bytes); which settings carry credentials.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "service/cfg_allow.h"

/* Parse the patterns of list (NULL-terminated) into v; fails the test on
 * a bad one. */
static size_t parse_all(const char *const *list, struct cfg_allow *v, size_t cap)
{
    size_t n = 0;
    for (; list[n] != NULL; n++) {
        char err[300] = "";
        assert_true(n < cap);
        if (cfg_allow_parse(list[n], &v[n], err, sizeof err) != 0)
            fail_msg("pattern \"%s\": %s", list[n], err);
    }
    return n;
}

static int check(const struct cfg_allow *v, size_t n, const char *host)
{
    char err[300] = "";
    int rc = cfg_allow_check(v, n, host, err, sizeof err);
    if (rc == CFG_ALLOW_BAD)
        assert_true(err[0] != '\0');
    return rc;
}

static void test_patterns(void **state)
{
    (void)state;
    struct cfg_allow p;
    char err[300];
    assert_int_equal(cfg_allow_parse("*", &p, err, sizeof err), 0);
    assert_int_equal(p.kind, CFG_ALLOW_ANY);
    assert_int_equal(cfg_allow_parse("Mail.Contoso.COM.", &p, err, sizeof err), 0);
    assert_int_equal(p.kind, CFG_ALLOW_NAME);
    assert_string_equal(p.name, "mail.contoso.com");
    assert_int_equal(cfg_allow_parse("*.Contoso.com", &p, err, sizeof err), 0);
    assert_int_equal(p.kind, CFG_ALLOW_SUFFIX);
    assert_string_equal(p.name, ".contoso.com");
    assert_int_equal(cfg_allow_parse("10.0.0.0/8", &p, err, sizeof err), 0);
    assert_int_equal(p.kind, CFG_ALLOW_NET4);
    assert_int_equal(p.prefix, 8);
    assert_int_equal(p.addr[0], 10);
    assert_int_equal(cfg_allow_parse("192.0.2.7", &p, err, sizeof err), 0);
    assert_int_equal(p.kind, CFG_ALLOW_NET4);
    assert_int_equal(p.prefix, 32);
    assert_int_equal(cfg_allow_parse("fd00::/8", &p, err, sizeof err), 0);
    assert_int_equal(p.kind, CFG_ALLOW_NET6);
    assert_int_equal(p.prefix, 8);
    assert_int_equal(p.addr[0], 0xfd);
    assert_int_equal(cfg_allow_parse("2001:db8::1", &p, err, sizeof err), 0);
    assert_int_equal(p.kind, CFG_ALLOW_NET6);
    assert_int_equal(p.prefix, 128);
    assert_int_equal(cfg_allow_parse("0.0.0.0/0", &p, err, sizeof err), 0);
    assert_int_equal(cfg_allow_parse("::/0", &p, err, sizeof err), 0);
    assert_int_equal(cfg_allow_parse("10.1.2.3/32", &p, err, sizeof err), 0);
    assert_int_equal(cfg_allow_parse("host_1.lab", &p, err, sizeof err), 0);
    /* the longest name: 253 bytes in labels of 63 */
    char longest[260];
    memset(longest, 'a', 253);
    longest[253] = '\0';
    for (size_t i = 63; i < 253; i += 64)
        longest[i] = '.'; /* labels of 63, 63, 63 and 61 bytes */
    assert_int_equal(strlen(longest), 253);
    assert_int_equal(cfg_allow_parse(longest, &p, err, sizeof err), 0);
}

/* Each bad pattern and a piece of its message. */
static void test_bad_patterns(void **state)
{
    (void)state;
    static const struct {
        const char *text, *why;
    } bad[] = {
        {"", "is empty"},
        {"10.0.0.0/33", "\"10.0.0.0/33\" is not a CIDR: the prefix is not a number 0-32"},
        {"fd00::/129", "not a number 0-128"},
        {"10.0.0.0/", "prefix is not a number"},
        {"10.0.0.0/08", "prefix is not a number"},
        {"10.0.0.0/+8", "prefix is not a number"},
        {"10.0.0.0/8/8", "prefix is not a number"},
        {"/8", "is not a CIDR"},
        {"10.0.0.1/8", "bits are set past the prefix (the network is 10.0.0.0/8)"},
        {"fd00::1/8", "the network is fd00::/8"},
        {"10.0.0/8", "not an IPv4 address in its one accepted form"},
        {"mail.contoso.com/24", "is a name, not an address"},
        {"::ffff:10.0.0.0/104", "IPv4-mapped network"},
        {"::ffff:10.0.0.1", "IPv4-mapped address"},
        {"012.0.0.1", "not an IPv4 address in its one accepted form"},
        {"167772161", "not an IPv4 address in its one accepted form"},
        {"0x0a000001", "not an IPv4 address"},
        {"10.1", "not an IPv4 address"},
        {"10.0.0.1.", "not an IPv4 address"},
        {"mail.0x", "not an IPv4 address"},
        {"1.2.3.256", "not an IPv4 address"},
        {"*", NULL},
        {"*.10.0.0.1", "a wildcard goes with a domain name"},
        {"*.", "the domain is empty"},
        {"*.*.contoso.com", "whole first label"},
        {"mail*.contoso.com", "whole first label"},
        {"*contoso.com", "whole first label"},
        {"mail.contoso.com:443", "no port in a pattern"},
        {"[fd00::1]", "without brackets"},
        {"fd00::zz", "is not an IPv6 address"},
        {"a..b", "empty label"},
        {".contoso.com", "empty label"},
        {"mail%2econtoso.com", "is no host name"},
        {"mail contoso", "is no host name"},
        {"m\xc3\xa4il.contoso.com", "is no host name"},
        {"evil\r\n.contoso.com", "is no host name"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct cfg_allow p;
        char err[300] = "";
        int rc = cfg_allow_parse(bad[i].text, &p, err, sizeof err);
        if (bad[i].why == NULL) {
            assert_int_equal(rc, 0);
            continue;
        }
        if (rc != -1 || strstr(err, bad[i].why) == NULL)
            fail_msg("\"%s\": rc %d, \"%s\" (want \"%s\")", bad[i].text, rc, err, bad[i].why);
    }
    /* a label of 64 bytes, a name of 254 */
    char s[400];
    memset(s, 'a', 64);
    memcpy(s + 64, ".com", 5);
    struct cfg_allow p;
    char err[300] = "";
    assert_int_equal(cfg_allow_parse(s, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "longer than 63"));
    memset(s, 0, sizeof s);
    for (size_t i = 0; i < 254; i++)
        s[i] = i % 2 ? '.' : 'a';
    s[253] = 'a';
    assert_int_equal(cfg_allow_parse(s, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "longer than 253"));
    memset(s, 'a', sizeof s - 1);
    s[sizeof s - 1] = '\0';
    assert_int_equal(cfg_allow_parse(s, &p, err, sizeof err), -1);
    assert_non_null(strstr(err, "longer than"));
    /* NULL arguments; a NULL err is fine */
    assert_int_equal(cfg_allow_parse(NULL, &p, err, sizeof err), -1);
    assert_int_equal(cfg_allow_parse("x", NULL, err, sizeof err), -1);
    assert_int_equal(cfg_allow_parse("10.0.0.0/33", &p, NULL, 0), -1);
}

static void test_names(void **state)
{
    (void)state;
    static const char *const pats[] = {"mail.contoso.com", "*.fabrikam.com", "single", NULL};
    struct cfg_allow v[8];
    size_t n = parse_all(pats, v, 8);
    assert_int_equal(check(v, n, "mail.contoso.com"), CFG_ALLOW_YES);
    assert_int_equal(check(v, n, "MAIL.Contoso.Com"), CFG_ALLOW_YES);
    assert_int_equal(check(v, n, "mail.contoso.com."), CFG_ALLOW_YES);
    assert_int_equal(check(v, n, "mail.contoso.com:8443"), CFG_ALLOW_YES);
    assert_int_equal(check(v, n, "single"), CFG_ALLOW_YES);
    assert_int_equal(check(v, n, "a.fabrikam.com"), CFG_ALLOW_YES);
    assert_int_equal(check(v, n, "a.b.c.fabrikam.com:443"), CFG_ALLOW_YES); /* any depth */
    assert_int_equal(check(v, n, "A.FABRIKAM.COM."), CFG_ALLOW_YES);
    /* not these */
    assert_int_equal(check(v, n, "fabrikam.com"), CFG_ALLOW_NO); /* the zone itself */
    assert_int_equal(check(v, n, "evilfabrikam.com"), CFG_ALLOW_NO);
    assert_int_equal(check(v, n, "fabrikam.com.evil.example"), CFG_ALLOW_NO);
    assert_int_equal(check(v, n, "mail.contoso.com.evil.example"), CFG_ALLOW_NO);
    assert_int_equal(check(v, n, "xmail.contoso.com"), CFG_ALLOW_NO);
    assert_int_equal(check(v, n, "a.mail.contoso.com"), CFG_ALLOW_NO);
    assert_int_equal(check(v, n, "evil.example"), CFG_ALLOW_NO);
    assert_int_equal(check(v, n, "single.example"), CFG_ALLOW_NO);
    /* names never match addresses, nor addresses names */
    static const char *const nets[] = {"10.0.0.0/8", "::/0", NULL};
    n = parse_all(nets, v, 8);
    assert_int_equal(check(v, n, "mail.contoso.com"), CFG_ALLOW_NO);
    assert_int_equal(check(v, n, "localhost"), CFG_ALLOW_NO);
    /* no pattern: nothing matches */
    assert_int_equal(check(v, 0, "mail.contoso.com"), CFG_ALLOW_NO);
    assert_int_equal(check(NULL, 0, "10.0.0.1"), CFG_ALLOW_NO);
    /* "*": everything that is a host */
    static const char *const any[] = {"*", NULL};
    n = parse_all(any, v, 8);
    assert_int_equal(check(v, n, "evil.example"), CFG_ALLOW_YES);
    assert_int_equal(check(v, n, "[::1]:1"), CFG_ALLOW_YES);
    assert_int_equal(check(v, n, "012.0.0.1"), CFG_ALLOW_BAD);
}

static void test_cidr(void **state)
{
    (void)state;
    static const char *const pats[] = {"10.0.0.0/8",   "192.0.2.7",  "172.16.0.0/12",
                                       "fd00::/8",     "2001:db8::1", "2001:db8:2::/47",
                                       "100.64.0.0/10", NULL};
    struct cfg_allow v[16];
    size_t n = parse_all(pats, v, 16);
    static const struct {
        const char *host;
        int want;
    } cases[] = {
        {"10.0.0.1", CFG_ALLOW_YES},
        {"10.255.255.255:8443", CFG_ALLOW_YES},
        {"11.0.0.1", CFG_ALLOW_NO},
        {"9.255.255.255", CFG_ALLOW_NO},
        {"192.0.2.7", CFG_ALLOW_YES},
        {"192.0.2.8", CFG_ALLOW_NO},
        {"172.16.0.1", CFG_ALLOW_YES},
        {"172.31.255.255", CFG_ALLOW_YES},
        {"172.32.0.1", CFG_ALLOW_NO},
        {"100.127.255.255", CFG_ALLOW_YES},
        {"100.128.0.0", CFG_ALLOW_NO},
        {"fd12:3456::1", CFG_ALLOW_YES},
        {"[fd12:3456::1]", CFG_ALLOW_YES},
        {"[fd12:3456::1]:443", CFG_ALLOW_YES},
        {"[FD12:3456::1]", CFG_ALLOW_YES},
        {"fe80::1", CFG_ALLOW_NO},
        {"fc00::1", CFG_ALLOW_NO},
        {"2001:db8::1", CFG_ALLOW_YES},
        {"2001:0db8:0000::0001", CFG_ALLOW_YES}, /* another spelling, the same bytes */
        {"2001:db8::2", CFG_ALLOW_NO},
        {"2001:db8:2:ffff::1", CFG_ALLOW_YES},
        {"2001:db8:3::1", CFG_ALLOW_YES},
        {"2001:db8:1::1", CFG_ALLOW_NO},
        {"2001:db8:4::1", CFG_ALLOW_NO},
        /* IPv4-mapped IPv6: the IPv4 address it maps */
        {"::ffff:10.0.0.1", CFG_ALLOW_YES},
        {"[::ffff:10.0.0.1]:443", CFG_ALLOW_YES},
        {"::ffff:a00:1", CFG_ALLOW_YES},
        {"::ffff:8.8.8.8", CFG_ALLOW_NO},
        /* IPv4-compatible and NAT64 are IPv6 addresses: no IPv4 pattern */
        {"::10.0.0.1", CFG_ALLOW_NO},
        {"64:ff9b::10.0.0.1", CFG_ALLOW_NO},
        /* other spellings of 10.0.0.1 are no hosts */
        {"012.0.0.1", CFG_ALLOW_BAD},
        {"010.000.000.001", CFG_ALLOW_BAD},
        {"167772161", CFG_ALLOW_BAD},
        {"0x0a000001", CFG_ALLOW_BAD},
        {"0x0a.0.0.1", CFG_ALLOW_BAD},
        {"10.1", CFG_ALLOW_BAD},
        {"10.0.1", CFG_ALLOW_BAD},
        {"10.0.0.1.", CFG_ALLOW_BAD},
        {"10.0.0.1.:443", CFG_ALLOW_BAD},
        {"10.0.0.01", CFG_ALLOW_BAD},
        {"0", CFG_ALLOW_BAD},
        {"4294967295", CFG_ALLOW_BAD},
        {"evil.0x7f", CFG_ALLOW_BAD},
        {"evil.127", CFG_ALLOW_BAD},
        {"1.2.3.4.5", CFG_ALLOW_BAD},
        /* a name that starts with digits is a name */
        {"10.0.0.1.nip.io", CFG_ALLOW_NO},
        {"1password.com", CFG_ALLOW_NO},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = check(v, n, cases[i].host);
        if (rc != cases[i].want)
            fail_msg("host \"%s\": %d, want %d", cases[i].host, rc, cases[i].want);
    }
    /* /0 covers its family only; an IPv4-mapped host is IPv4 */
    static const char *const all6[] = {"::/0", NULL};
    n = parse_all(all6, v, 16);
    assert_int_equal(check(v, n, "2001:db8::1"), CFG_ALLOW_YES);
    assert_int_equal(check(v, n, "::ffff:8.8.8.8"), CFG_ALLOW_NO);
    assert_int_equal(check(v, n, "8.8.8.8"), CFG_ALLOW_NO);
    static const char *const all4[] = {"0.0.0.0/0", NULL};
    n = parse_all(all4, v, 16);
    assert_int_equal(check(v, n, "8.8.8.8"), CFG_ALLOW_YES);
    assert_int_equal(check(v, n, "::ffff:8.8.8.8"), CFG_ALLOW_YES);
    assert_int_equal(check(v, n, "2001:db8::1"), CFG_ALLOW_NO);
    /* prefixes that are no multiple of 8 */
    static const char *const odd[] = {"192.168.128.0/17", "2001:db8:8000::/33", NULL};
    n = parse_all(odd, v, 16);
    assert_int_equal(check(v, n, "192.168.128.1"), CFG_ALLOW_YES);
    assert_int_equal(check(v, n, "192.168.255.255"), CFG_ALLOW_YES);
    assert_int_equal(check(v, n, "192.168.127.255"), CFG_ALLOW_NO);
    assert_int_equal(check(v, n, "2001:db8:8000::1"), CFG_ALLOW_YES);
    assert_int_equal(check(v, n, "2001:db8:ffff::1"), CFG_ALLOW_YES);
    assert_int_equal(check(v, n, "2001:db8:7fff::1"), CFG_ALLOW_NO);
}

/* Hosts that are no hosts: refused with a reason, whatever the patterns. */
static void test_hostile_hosts(void **state)
{
    (void)state;
    static const char *const pats[] = {"*.contoso.com", "10.0.0.0/8", NULL};
    struct cfg_allow v[4];
    size_t n = parse_all(pats, v, 4);
    static const char *const bad[] = {
        "",
        ":443",
        "[]",
        "[fd00::1",
        "fd00::1]",
        "[fd00::1%25eth0]",
        "fe80::1%eth0",
        "mail.contoso.com:0",
        "mail.contoso.com:65536",
        "mail.contoso.com:",
        "mail.contoso.com:443:1",
        "evil%2e.contoso.com",
        "evil%00.contoso.com",
        "evil.example/.contoso.com",
        "evil.example#.contoso.com",
        "evil.example?.contoso.com",
        "user@evil.example",
        "evil.example\\.contoso.com",
        "evil .contoso.com",
        "evil\t.contoso.com",
        "evil\n.contoso.com",
        "m\xc3\xa4il.contoso.com",
        "..contoso.com",
        "a..contoso.com",
        ".",
        "[10.0.0.1]",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char err[300] = "";
        int rc = cfg_allow_check(v, n, bad[i], err, sizeof err);
        if (rc != CFG_ALLOW_BAD || err[0] == '\0')
            fail_msg("host \"%s\": %d (%s), want refused", bad[i], rc, err);
    }
    /* a C string ends at its NUL: what follows one is never seen */
    static const char embedded[] = "evil.example\0.contoso.com";
    assert_int_equal(check(v, n, embedded), CFG_ALLOW_NO);
    /* overlong: a 300-byte label, a 100,000-byte host */
    char *big = malloc(100001);
    assert_non_null(big);
    memset(big, 'a', 100000);
    big[100000] = '\0';
    char err[300] = "";
    assert_int_equal(cfg_allow_check(v, n, big, err, sizeof err), CFG_ALLOW_BAD);
    memcpy(big + 100000 - 12, ".contoso.com", 12);
    assert_int_equal(cfg_allow_check(v, n, big, err, sizeof err), CFG_ALLOW_BAD);
    big[300] = '\0';
    assert_int_equal(cfg_allow_check(v, n, big, err, sizeof err), CFG_ALLOW_BAD);
    /* 254 bytes of name under an allowed zone: longer than DNS allows */
    memset(big, 0, 400);
    for (size_t i = 0; i < 242; i++)
        big[i] = (i % 60 == 59) ? '.' : 'a';
    memcpy(big + 242, ".contoso.com", 13);
    assert_int_equal(strlen(big), 254);
    assert_int_equal(cfg_allow_check(v, n, big, err, sizeof err), CFG_ALLOW_BAD);
    assert_non_null(strstr(err, "longer than 253"));
    memmove(big, big + 1, 254); /* 253 bytes */
    assert_int_equal(cfg_allow_check(v, n, big, err, sizeof err), CFG_ALLOW_YES);
    free(big);
    /* NULL arguments */
    assert_int_equal(cfg_allow_check(v, n, NULL, err, sizeof err), CFG_ALLOW_BAD);
    assert_int_equal(cfg_allow_check(v, n, "", NULL, 0), CFG_ALLOW_BAD);
}

static void test_credentialed(void **state)
{
    (void)state;
    struct check_opts o = {0};
    assert_false(cfg_allow_credentialed(NULL, NULL, NULL));
    assert_false(cfg_allow_credentialed(&o, NULL, NULL)); /* ntlm, no user */
    o.auth = CHECK_AUTH_BASIC;
    assert_false(cfg_allow_credentialed(&o, NULL, NULL));
    o.user = "CONTOSO\\svc";
    assert_true(cfg_allow_credentialed(&o, NULL, NULL));
    o.depth = CHECK_DEPTH_AUTH;
    assert_true(cfg_allow_credentialed(&o, NULL, NULL));
    o.depth = CHECK_DEPTH_ECHO; /* nothing past the unauthenticated echo */
    assert_false(cfg_allow_credentialed(&o, "/etc/oaprobe/pw", NULL));
    o.depth = CHECK_DEPTH_TLS;
    assert_false(cfg_allow_credentialed(&o, "/etc/oaprobe/pw", NULL));
    o.depth = CHECK_DEPTH_TUNNEL;
    o.user = NULL;
    assert_true(cfg_allow_credentialed(&o, "/etc/oaprobe/pw", NULL));
    assert_true(cfg_allow_credentialed(&o, NULL, "${OA_PW}"));
    o.keytab = "/etc/oaprobe/svc.keytab";
    assert_true(cfg_allow_credentialed(&o, NULL, NULL));
    o.keytab = NULL;
    o.auth = CHECK_AUTH_NEGOTIATE; /* the service's own credentials cache */
    assert_true(cfg_allow_credentialed(&o, NULL, NULL));
    o.depth = CHECK_DEPTH_ECHO;
    assert_false(cfg_allow_credentialed(&o, NULL, NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_patterns),   cmocka_unit_test(test_bad_patterns),
        cmocka_unit_test(test_names),      cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_hostile_hosts), cmocka_unit_test(test_credentialed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
