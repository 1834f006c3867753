/*
 * format.c: text of values the evaluator computed itself, exactly as
 * CPython writes them: repr(float) (the shortest digits that read back,
 * float_repr_style 'short'), str and repr of ints, bools, None, strs
 * (CPython's quote choice and escapes), and format specs
 * ([[fill]align][sign][0][width][,][.precision][type]) for f-strings.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evint.h"

void fmt_float_repr(double d, char *buf, size_t cap)
{
    if (isnan(d)) {
        snprintf(buf, cap, "nan");
        return;
    }
    if (isinf(d)) {
        snprintf(buf, cap, d < 0 ? "-inf" : "inf");
        return;
    }
    char tmp[40];
    for (int p = 1; p <= 17; p++) {
        snprintf(tmp, sizeof tmp, "%.*e", p - 1, d);
        if (strtod(tmp, NULL) == d)
            break;
    }
    /* tmp is d.ddde±XX: digits and decimal exponent */
    char digits[24];
    int nd = 0;
    const char *q = tmp;
    bool neg = *q == '-';
    if (neg)
        q++;
    for (; *q && *q != 'e'; q++)
        if (*q >= '0' && *q <= '9')
            digits[nd++] = *q;
    int exp10 = atoi(q + 1);
    while (nd > 1 && digits[nd - 1] == '0')
        nd--;
    digits[nd] = '\0';
    char out[64];
    size_t o = 0;
    if (neg)
        out[o++] = '-';
    if (exp10 < -4 || exp10 >= 16) {
        out[o++] = digits[0];
        if (nd > 1) {
            out[o++] = '.';
            for (int k = 1; k < nd; k++)
                out[o++] = digits[k];
        }
        o +=
            (size_t)snprintf(out + o, sizeof out - o, "e%c%02d",
                             exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
    } else if (exp10 < 0) {
        out[o++] = '0';
        out[o++] = '.';
        for (int k = -1; k > exp10; k--)
            out[o++] = '0';
        for (int k = 0; k < nd; k++)
            out[o++] = digits[k];
    } else {
        for (int k = 0; k <= exp10; k++)
            out[o++] = k < nd ? digits[k] : '0';
        out[o++] = '.';
        if (nd > exp10 + 1)
            for (int k = exp10 + 1; k < nd; k++)
                out[o++] = digits[k];
        else
            out[o++] = '0';
    }
    out[o] = '\0';
    snprintf(buf, cap, "%s", out);
}

char *fmt_str_repr(const char *s, size_t n)
{
    bool sq = memchr(s, '\'', n) != NULL, dq = memchr(s, '"', n) != NULL;
    char quote = sq && !dq ? '"' : '\'';
    char *out = malloc(n * 4 + 3), *p = out;
    if (!out)
        return NULL;
    *p++ = quote;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == (unsigned char)quote || c == '\\') {
            *p++ = '\\';
            *p++ = (char)c;
        } else if (c == '\n') {
            *p++ = '\\';
            *p++ = 'n';
        } else if (c == '\r') {
            *p++ = '\\';
            *p++ = 'r';
        } else if (c == '\t') {
            *p++ = '\\';
            *p++ = 't';
        } else if (c < 0x20 || c == 0x7f) {
            p += sprintf(p, "\\x%02x", c);
        } else {
            *p++ = (char)c;
        }
    }
    *p++ = quote;
    *p = '\0';
    return out;
}

char *fmt_known_str(const val *v, bool repr)
{
    char buf[64];
    switch (v->known) {
    case K_INT:
        snprintf(buf, sizeof buf, "%" PRId64, v->i);
        return strdup(buf);
    case K_BOOL:
        return strdup(v->i ? "True" : "False");
    case K_NULL:
        return strdup("None");
    case K_FLOAT:
        fmt_float_repr(v->f, buf, sizeof buf);
        return strdup(buf);
    case K_STR:
        if (repr)
            return fmt_str_repr(v->s, v->slen);
        return strndup(v->s, v->slen);
    default:
        return NULL;
    }
}

/* ---- format specs
 * ------------------------------------------------------------ */

typedef struct spec {
    char fill, align, sign, type;
    bool zero, comma, alt;
    int width, prec;
} spec;

static int parse_spec(const char *s, spec *o)
{
    memset(o, 0, sizeof *o);
    o->fill = ' ';
    o->prec = -1;
    size_t n = strlen(s);
    if (n >= 2 && strchr("<>^=", s[1])) {
        o->fill = s[0];
        o->align = s[1];
        s += 2;
    } else if (n >= 1 && strchr("<>^=", s[0])) {
        o->align = *s++;
    }
    if (*s == '+' || *s == '-' || *s == ' ')
        o->sign = *s++;
    if (*s == '#') {
        o->alt = true;
        s++;
    }
    if (*s == '0') {
        o->zero = true;
        s++;
    }
    while (*s >= '0' && *s <= '9')
        o->width = o->width * 10 + (*s++ - '0');
    if (*s == ',' || *s == '_') {
        o->comma = true;
        s++;
    }
    if (*s == '.') {
        s++;
        o->prec = 0;
        while (*s >= '0' && *s <= '9')
            o->prec = o->prec * 10 + (*s++ - '0');
    }
    if (*s)
        o->type = *s++;
    return *s ? -1 : 0;
}

static char *group_thousands(const char *num)
{
    const char *start = num + (*num == '-' || *num == '+' || *num == ' ');
    const char *dot = strchr(start, '.');
    size_t intlen = dot ? (size_t)(dot - start) : strlen(start);
    char *out = malloc(strlen(num) + intlen / 3 + 2), *p = out;
    if (!out)
        return NULL;
    memcpy(p, num, (size_t)(start - num));
    p += start - num;
    for (size_t i = 0; i < intlen; i++) {
        if (i && (intlen - i) % 3 == 0)
            *p++ = ',';
        *p++ = start[i];
    }
    strcpy(p, start + intlen);
    return out;
}

char *fmt_spec(const val *v, const char *specs, const char **err)
{
    spec sp;
    *err = NULL;
    if (parse_spec(specs, &sp) < 0) {
        *err = "Invalid format specifier";
        return NULL;
    }
    char num[512];
    char *body = NULL;
    bool numeric =
        v->known == K_INT || v->known == K_BOOL || v->known == K_FLOAT;
    if (v->known == K_STR) {
        if (sp.type && sp.type != 's') {
            *err = "Unknown format code for object of type 'str'";
            return NULL;
        }
        size_t n = v->slen;
        if (sp.prec >= 0 && (size_t)sp.prec < n)
            n = (size_t)sp.prec;
        body = strndup(v->s, n);
    } else if (numeric) {
        double d = v->known == K_FLOAT ? v->f : (double)v->i;
        char t = sp.type;
        if (v->known != K_FLOAT &&
            (t == 0 || t == 'd' || t == 'x' || t == 'X' || t == 'b' ||
             t == 'o' || t == 'c')) {
            int64_t i = v->i;
            if (t == 'x' || t == 'X' || t == 'o' || t == 'b') {
                char digs[80];
                uint64_t u = i < 0 ? (uint64_t)(-(i + 1)) + 1 : (uint64_t)i;
                int base = t == 'o' ? 8 : t == 'b' ? 2 : 16;
                int k = 0;
                do {
                    int dd = (int)(u % (uint64_t)base);
                    digs[k++] =
                        (char)(dd < 10 ? '0' + dd
                                       : (t == 'X' ? 'A' : 'a') + dd - 10);
                    u /= (uint64_t)base;
                } while (u);
                char *p = num;
                if (i < 0)
                    *p++ = '-';
                else if (sp.sign == '+' || sp.sign == ' ')
                    *p++ = sp.sign;
                if (sp.alt) {
                    *p++ = '0';
                    *p++ = t == 'o' ? 'o' : t == 'b' ? 'b' : t;
                }
                while (k)
                    *p++ = digs[--k];
                *p = '\0';
            } else {
                snprintf(num, sizeof num,
                         sp.sign == '+'   ? "%+" PRId64
                         : sp.sign == ' ' ? "% " PRId64
                                          : "%" PRId64,
                         i);
            }
        } else {
            int prec = sp.prec >= 0 ? sp.prec : 6;
            char fmt[16];
            if (t == 0 && v->known == K_FLOAT && sp.prec < 0) {
                fmt_float_repr(d, num, sizeof num);
                if (sp.sign == '+' && d >= 0) {
                    memmove(num + 1, num, strlen(num) + 1);
                    num[0] = '+';
                }
            } else {
                char conv = t == 0 ? 'g' : t == '%' ? 'f' : t;
                if (!strchr("eEfFgGn", conv)) {
                    *err = "Unknown format code for object of type 'float'";
                    return NULL;
                }
                if (t == '%')
                    d *= 100;
                snprintf(fmt, sizeof fmt, "%%%s.%d%c",
                         sp.sign == '+'   ? "+"
                         : sp.sign == ' ' ? " "
                                          : "",
                         prec, conv == 'n' ? 'g' : conv);
                snprintf(num, sizeof num, fmt, d);
                if (t == '%')
                    strcat(num, "%");
            }
        }
        body = sp.comma ? group_thousands(num) : strdup(num);
    } else {
        *err = "unsupported format";
        return NULL;
    }
    if (!body)
        return NULL;
    size_t len = strlen(body);
    /* width counts characters; bodies are ASCII except str values */
    size_t chars = 0;
    for (size_t i = 0; i < len; i++)
        chars += ((unsigned char)body[i] & 0xC0) != 0x80;
    if ((size_t)sp.width <= chars)
        return body;
    size_t pad = (size_t)sp.width - chars;
    char align = sp.align ? sp.align : (numeric ? '>' : '<');
    char fill = sp.fill;
    if (sp.zero && !sp.align && numeric) {
        align = '=';
        fill = '0';
    }
    char *out = malloc(len + pad + 1), *p = out;
    if (!out) {
        free(body);
        return NULL;
    }
    size_t left = align == '<' ? 0 : align == '^' ? pad / 2 : pad;
    const char *b = body;
    if (align == '=' && (*b == '-' || *b == '+' || *b == ' '))
        *p++ = *b++;
    for (size_t i = 0; i < left; i++)
        *p++ = fill;
    strcpy(p, b);
    p += strlen(b);
    for (size_t i = left; i < pad; i++)
        *p++ = fill;
    *p = '\0';
    free(body);
    return out;
}
