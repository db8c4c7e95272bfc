/*
 * ascii.h: locale-independent character helpers for the text parts of the
 * protocols (status lines, UUID text), where <ctype.h> would follow the
 * process locale.
 */
#ifndef OAPROBE_ASCII_H
#define OAPROBE_ASCII_H

/* ascii_hex_value: the value 0..15 of the hex digit c, or -1. */
static inline int ascii_hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* ascii_isdigit: '0'..'9', whatever the locale. */
static inline int ascii_isdigit(int c)
{
    return c >= '0' && c <= '9';
}

/* ascii_isalnum: ASCII letters and digits, whatever the locale. */
static inline int ascii_isalnum(int c)
{
    return ascii_isdigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

#endif /* OAPROBE_ASCII_H */
