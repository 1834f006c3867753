/*
 * literal.c: what the text of a literal token means -- escape sequences in
 * string and bytes literals, and the values of int and float literals.
 */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexer.h"

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* UTF-8 for any code point below 0x110000; surrogates get the 3-byte form
 * a lone surrogate has in CESU-8. */
static size_t put_utf8(char *o, unsigned cp)
{
    unsigned char *u = (unsigned char *)o;
    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        u[0] = (unsigned char)(0xC0 | (cp >> 6));
        u[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        u[0] = (unsigned char)(0xE0 | (cp >> 12));
        u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    u[0] = (unsigned char)(0xF0 | (cp >> 18));
    u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

static int unicode_error(char *msg, size_t cap, size_t from, size_t to,
                         const char *what)
{
    snprintf(msg, cap,
             "(unicode error) 'unicodeescape' codec can't decode bytes in "
             "position %zu-%zu: %s",
             from, to, what);
    return -1;
}

/* \xhh, \uhhhh, \Uhhhhhhhh at s[i] (the backslash); ndig hex digits. */
static int hex_escape(const char *s, size_t n, size_t i, int ndig, unsigned *cp,
                      size_t *used)
{
    unsigned v = 0;
    int k;
    for (k = 0; k < ndig && i + 2 + (size_t)k < n; k++) {
        int h = hexval((unsigned char)s[i + 2 + (size_t)k]);
        if (h < 0)
            break;
        v = v * 16 + (unsigned)h;
    }
    *used = 2 + (size_t)k;
    *cp = v;
    return k == ndig ? 0 : -1;
}

int py__decode_string(py_ast *a, const char *s, const char *e, bool raw,
                      bool bytes, char **out, size_t *outlen, char *msg,
                      size_t msgcap)
{
    size_t n = (size_t)(e - s);
    /* Every escape is at least as long as what it decodes to. */
    char *o = py__alloc(a, n + 1);
    if (o == NULL)
        return -3;
    size_t len = 0;
    if (bytes)
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)s[i] >= 0x80)
                return -2;
    if (raw) {
        memcpy(o, s, n);
        o[n] = '\0';
        *out = o;
        *outlen = n;
        return 0;
    }
    for (size_t i = 0; i < n;) {
        if (s[i] != '\\' || i + 1 >= n) {
            o[len++] = s[i++];
            continue;
        }
        int c = (unsigned char)s[i + 1];
        unsigned cp;
        size_t used = 2;
        switch (c) {
        case '\n':
            i += 2;
            continue;
        case '\\':
        case '\'':
        case '"':
            o[len++] = (char)c;
            i += 2;
            continue;
        case 'a':
            o[len++] = '\a';
            i += 2;
            continue;
        case 'b':
            o[len++] = '\b';
            i += 2;
            continue;
        case 'f':
            o[len++] = '\f';
            i += 2;
            continue;
        case 'n':
            o[len++] = '\n';
            i += 2;
            continue;
        case 'r':
            o[len++] = '\r';
            i += 2;
            continue;
        case 't':
            o[len++] = '\t';
            i += 2;
            continue;
        case 'v':
            o[len++] = '\v';
            i += 2;
            continue;
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7':
            cp = 0;
            used = 1;
            while (used < 4 && i + used < n && s[i + used] >= '0' &&
                   s[i + used] <= '7')
                cp = cp * 8 + (unsigned)(s[i + used++] - '0');
            if (bytes)
                o[len++] = (char)(cp & 0xFF);
            else
                len += put_utf8(o + len, cp);
            i += used;
            continue;
        case 'x':
            if (hex_escape(s, n, i, 2, &cp, &used) < 0) {
                if (bytes) {
                    snprintf(msg, msgcap,
                             "(value error) invalid \\x escape at position %zu",
                             i);
                    return -1;
                }
                return unicode_error(msg, msgcap, i, i + used - 1,
                                     "truncated \\xXX escape");
            }
            if (bytes)
                o[len++] = (char)cp;
            else
                len += put_utf8(o + len, cp);
            i += used;
            continue;
        case 'u':
        case 'U':
            if (bytes)
                break;
            if (hex_escape(s, n, i, c == 'u' ? 4 : 8, &cp, &used) < 0)
                return unicode_error(msg, msgcap, i, i + used - 1,
                                     c == 'u' ? "truncated \\uXXXX escape"
                                              : "truncated \\UXXXXXXXX escape");
            if (cp > 0x10FFFF)
                return unicode_error(msg, msgcap, i, i + used - 1,
                                     "illegal Unicode character");
            len += put_utf8(o + len, cp);
            i += used;
            continue;
        case 'N':
            if (bytes)
                break;
            {
                size_t j = i + 2;
                while (j < n && s[j] != '}')
                    j++;
                return unicode_error(msg, msgcap, i, j < n ? j : n - 1,
                                     "\\N{...} escapes are not supported by "
                                     "heapctl");
            }
        default:
            break;
        }
        /* Not an escape: the backslash stays (CPython warns). */
        o[len++] = s[i++];
    }
    o[len] = '\0';
    *out = o;
    *outlen = len;
    return 0;
}

int py__parse_int(py_ast *a, const char *s, const char *e, const char **text,
                  uint64_t *value, bool *big, size_t *digits)
{
    size_t n = (size_t)(e - s);
    char *t = py__alloc(a, n + 1);
    if (t == NULL)
        return -1;
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] != '_')
            t[len++] = s[i];
    t[len] = '\0';
    *text = t;
    unsigned base = 10;
    size_t i = 0;
    if (len > 1 && t[0] == '0') {
        int p = t[1] | 0x20;
        if (p == 'x' || p == 'o' || p == 'b') {
            base = p == 'x' ? 16 : p == 'o' ? 8 : 2;
            i = 2;
        }
    }
    uint64_t v = 0;
    bool over = false;
    *digits = len - i;
    for (; i < len; i++) {
        unsigned d = (unsigned)hexval((unsigned char)t[i]);
        if (v > (UINT64_MAX - d) / base)
            over = true;
        v = v * base + d;
    }
    *value = over ? 0 : v;
    *big = over;
    return 0;
}

double py__parse_float(const char *s, const char *e)
{
    char buf[128];
    char *heap = NULL, *b = buf;
    size_t n = (size_t)(e - s);
    if (n + 1 > sizeof(buf)) {
        heap = malloc(n + 1);
        if (heap == NULL)
            return 0.0;
        b = heap;
    }
    const struct lconv *lc = localeconv();
    char point =
        lc && lc->decimal_point && lc->decimal_point[0] && !lc->decimal_point[1]
            ? lc->decimal_point[0]
            : '.';
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '_' || c == 'j' || c == 'J')
            continue;
        b[len++] = c == '.' ? point : c;
    }
    b[len] = '\0';
    double d = strtod(b, NULL);
    free(heap);
    return d;
}
