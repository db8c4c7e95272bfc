/*
 * fuzz_auth_ntlm.c: libFuzzer driver for the NTLM CHALLENGE_MESSAGE decoder.
 *
 * Input: one selector byte, then the message. Selector bit 0 clear: the rest
 * is a raw CHALLENGE_MESSAGE (ntlm_challenge_decode). Set: the rest is base64
 * text (ntlm_challenge_decode_b64), as found in `WWW-Authenticate: NTLM`.
 * Invariants (trap on violation): success reports an extent within the input
 * and at least the header; every name is NUL-terminated inside its buffer;
 * AV_PAIR records lie inside the message; a base64 success decodes the same
 * as the raw decoder on the decoded bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "probes/auth/authcodec.h"
#include "probes/auth/ntlm_challenge.h"
#include "probes/common/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_name(const char *name)
{
    if (memchr(name, '\0', NTLM_NAME_BUF) == NULL)
        __builtin_trap();
}

static void check(const struct ntlm_challenge *c, size_t msg_len)
{
    size_t i;
    char buf[96];

    check_name(c->target_name);
    check_name(c->nb_computer);
    check_name(c->nb_domain);
    check_name(c->dns_computer);
    check_name(c->dns_domain);
    check_name(c->dns_tree);
    check_name(c->av_target_name);
    if (c->av_count > NTLM_MAX_AV_PAIRS)
        __builtin_trap();
    for (i = 0; i < c->av_count; i++) {
        if ((size_t)c->av[i].offset + c->av[i].len > msg_len)
            __builtin_trap();
        (void)ntlm_av_name(c->av[i].id);
    }
    if (ntlm_flags_render(c->flags, buf, sizeof(buf)) < strlen(buf))
        __builtin_trap();
    (void)ntlm_filetime_to_unix(c->timestamp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ntlm_challenge c, raw_c;
    static uint8_t raw[NTLM_CHALLENGE_MAX];
    ssize_t rc;

    if (size < 1)
        return 0;
    if (!(data[0] & 1)) {
        rc = ntlm_challenge_decode(&c, data + 1, size - 1, NULL);
        if (rc >= 0) {
            if ((size_t)rc > size - 1 || rc < NTLM_HEADER_LEN)
                __builtin_trap();
            check(&c, size - 1);
        }
        return 0;
    }
    rc = ntlm_challenge_decode_b64(&c, (const char *)data + 1, size - 1, NULL);
    if (rc >= 0) {
        ssize_t n = authcodec_b64_decode((const char *)data + 1, size - 1, raw, sizeof(raw), NULL);

        if ((size_t)rc != size - 1 || n < 0)
            __builtin_trap();
        check(&c, (size_t)n);
        if (ntlm_challenge_decode(&raw_c, raw, (size_t)n, NULL) < 0 ||
            memcmp(&raw_c, &c, sizeof(c)) != 0)
            __builtin_trap();
    }
    return 0;
}
