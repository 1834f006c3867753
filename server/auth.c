/*
 * auth.c: heap tokens: 128 random bits from getrandom(2), shown to the
 * client once as hex, compared in constant time.
 */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "server.h"

int hd_token_new(uint8_t out[HD_TOKEN_BYTES])
{
    size_t got = 0;
    while (got < HD_TOKEN_BYTES) {
        ssize_t n = getrandom(out + got, HD_TOKEN_BYTES - got, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        got += (size_t)n;
    }
    return 0;
}

void hd_token_hex(const uint8_t t[HD_TOKEN_BYTES], char out[2 * HD_TOKEN_BYTES + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < HD_TOKEN_BYTES; i++) {
        out[2 * i] = digits[t[i] >> 4];
        out[2 * i + 1] = digits[t[i] & 15];
    }
    out[2 * HD_TOKEN_BYTES] = 0;
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Every byte is compared whatever the input, so the time taken says
 * nothing about how much of a guess was right. */
bool hd_token_equal(const uint8_t t[HD_TOKEN_BYTES], const char *hex)
{
    if (!hex || strlen(hex) != 2 * HD_TOKEN_BYTES)
        return false;
    unsigned diff = 0;
    for (int i = 0; i < HD_TOKEN_BYTES; i++) {
        int hi = hexval((unsigned char)hex[2 * i]), lo = hexval((unsigned char)hex[2 * i + 1]);
        diff |= (unsigned)(hi < 0 || lo < 0);
        unsigned byte = ((unsigned)(hi & 15) << 4) | (unsigned)(lo & 15);
        diff |= (byte ^ t[i]) & 0xff;
    }
    return diff == 0;
}

bool hd_admin_equal(const hd_config *c, const char *hex)
{
    size_t n = strlen(c->admin_token);
    if (n == 0 || !hex || strlen(hex) != n)
        return false;
    unsigned diff = 0;
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(c->admin_token[i] ^ hex[i]);
    return diff == 0;
}
