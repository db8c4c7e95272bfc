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

#endif /* OAPROBE_ASCII_H */
