/*
 * repr.c: repr() and str() of heap objects, with CPython's exact
 * formatting: the shortest round-tripping float, the quote choice and
 * escapes of str and bytes, 1-tuples, set() / frozenset({...}), and
 * containers that contain themselves ([...], {...}, (...)).
 *
 * Containers are printed without recursion: an explicit stack of the
 * containers being printed (CPython's Py_ReprEnter list) bounded at
 * REPR_MAX_DEPTH; a container nested deeper prints as "..." where CPython
 * would raise RecursionError.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define REPR_MAX_DEPTH 1000

/* ---- the output buffer --------------------------------------------------- */

/* b->p always holds a NUL-terminated prefix of the output; b->len counts
 * the whole output, so the caller can learn the size it needs. */
static void buf_terminate(hp_buf *b)
{
    if (b->cap)
        b->p[b->len < b->cap - 1 ? b->len : b->cap - 1] = '\0';
}

void hp__buf_puts(hp_buf *b, const char *s, size_t n)
{
    if (b->cap && b->len < b->cap - 1) {
        size_t room = b->cap - 1 - b->len;
        memcpy(b->p + b->len, s, n < room ? n : room);
    }
    b->len += n;
    buf_terminate(b);
}

void hp__buf_printf(hp_buf *b, const char *fmt, ...)
{
    char small[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        hp__buf_puts(b, small, (size_t)n);
        return;
    }
    /* Longer than the scratch: format straight into the room left, and
     * count the rest. */
    size_t room = b->cap && b->len < b->cap - 1 ? b->cap - b->len : 0;
    if (room) {
        va_start(ap, fmt);
        vsnprintf(b->p + b->len, room, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
    buf_terminate(b);
}

static void buf_cstr(hp_buf *b, const char *s)
{
    hp__buf_puts(b, s, strlen(s));
}

static void buf_putc(hp_buf *b, char c)
{
    hp__buf_puts(b, &c, 1);
}

/* ---- floats ----------------------------------------------------------------
 * CPython's repr is the shortest decimal string that reads back as the
 * same double (David Gay's dtoa, mode 0).  For a precision p we take the
 * correctly rounded p-digit decimal (glibc's %.*e is exact); it is the
 * nearest p-digit candidate, so if any p-digit decimal round-trips either
 * it does or, next to a power of two where the interval of values that
 * read back as v is lopsided, its neighbour on v's far side does. */

/* Digit string of the p-digit decimal nearest to x > 0, and its exponent. */
static void float_digits(double x, int p, char *d, int *exp10)
{
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.*e", p - 1, x);
    int n = 0;
    const char *s = tmp;
    for (; *s && *s != 'e'; s++)
        if (*s != '.')
            d[n++] = *s;
    d[n] = '\0';
    *exp10 = atoi(s + 1);
}

static double digits_value(const char *d, int exp10)
{
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%c.%se%d", d[0], d + 1, exp10);
    return strtod(tmp, NULL);
}

/* Adds +1 or -1 in the last place of the p-digit string d. */
static void digits_step(char *d, int *exp10, int dir)
{
    int n = (int)strlen(d);
    int i = n - 1;
    if (dir > 0) {
        while (i >= 0 && d[i] == '9')
            d[i--] = '0';
        if (i >= 0) {
            d[i]++;
        } else { /* 99..9 + 1 = 100..0: one more decade */
            d[0] = '1';
            (*exp10)++;
        }
    } else {
        while (i >= 0 && d[i] == '0')
            d[i--] = '9';
        d[i]--;            /* d[0] is never 0, so i >= 0 */
        if (d[0] == '0') { /* 100..0 - 1 = 099..9 */
            memmove(d, d + 1, (size_t)n);
            d[n - 1] = '9';
            (*exp10)--;
        }
    }
}

/* Whether some p-digit decimal reads back as x; if so it is left in d. */
static bool float_try(double x, int p, char *d, int *exp10)
{
    float_digits(x, p, d, exp10);
    double y = digits_value(d, *exp10);
    if (y == x)
        return true;
    digits_step(d, exp10, y < x ? 1 : -1);
    return digits_value(d, *exp10) == x;
}

/* Shortest round-tripping digits of x > 0 (finite): digits without
 * trailing zeros, and decpt such that x = 0.DIGITS * 10**decpt.  Having a
 * p-digit decimal that round-trips is monotonic in p (a p-digit decimal
 * is also a (p+1)-digit one), so the shortest p is found by bisection;
 * 17 digits always round-trip. */
static void float_shortest(double x, char *d, int *decpt)
{
    int lo = 1, hi = 17, e = 0;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (float_try(x, mid, d, &e))
            hi = mid;
        else
            lo = mid + 1;
    }
    float_try(x, lo, d, &e);
    size_t n = strlen(d);
    while (n > 1 && d[n - 1] == '0')
        d[--n] = '\0';
    *decpt = e + 1;
}

static void repr_float(hp_buf *b, double v)
{
    if (isnan(v)) {
        buf_cstr(b, "nan");
        return;
    }
    if (isinf(v)) {
        buf_cstr(b, v < 0 ? "-inf" : "inf");
        return;
    }
    if (signbit(v))
        buf_putc(b, '-');
    if (v == 0) {
        buf_cstr(b, "0.0");
        return;
    }
    char d[24];
    int decpt;
    float_shortest(fabs(v), d, &decpt);
    int n = (int)strlen(d);
    if (decpt <= -4 || decpt > 16) { /* float_repr_style 'short', repr */
        buf_putc(b, d[0]);
        if (n > 1) {
            buf_putc(b, '.');
            hp__buf_puts(b, d + 1, (size_t)n - 1);
        }
        int e = decpt - 1;
        hp__buf_printf(b, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    } else if (decpt <= 0) {
        buf_cstr(b, "0.");
        for (int i = 0; i < -decpt; i++)
            buf_putc(b, '0');
        hp__buf_puts(b, d, (size_t)n);
    } else if (decpt >= n) {
        hp__buf_puts(b, d, (size_t)n);
        for (int i = n; i < decpt; i++)
            buf_putc(b, '0');
        buf_cstr(b, ".0");
    } else {
        hp__buf_puts(b, d, (size_t)decpt);
        buf_putc(b, '.');
        hp__buf_puts(b, d + decpt, (size_t)(n - decpt));
    }
}

/* ---- str and bytes ----------------------------------------------------------
 * Which non-ASCII code points repr() escapes: those for which
 * str.isprintable() is False (Unicode categories C*, Z* but space).  The
 * tables are ranges for 3.13's Unicode 15.1, plus the ranges not yet
 * assigned in 3.12 (Unicode 15.0) and in 3.11 (Unicode 14.0).  Generated
 * with each interpreter:
 *   [c for c in range(0x80, 0x110000) if not chr(c).isprintable()]
 * folded into ranges and diffed against the next version. */
/* clang-format off */
static const uint32_t nonprint_313[][2] = {
    {0x80, 0xa0}, {0xad, 0xad}, {0x378, 0x379}, {0x380, 0x383}, {0x38b, 0x38b},
    {0x38d, 0x38d}, {0x3a2, 0x3a2}, {0x530, 0x530}, {0x557, 0x558},
    {0x58b, 0x58c}, {0x590, 0x590}, {0x5c8, 0x5cf}, {0x5eb, 0x5ee},
    {0x5f5, 0x605}, {0x61c, 0x61c}, {0x6dd, 0x6dd}, {0x70e, 0x70f},
    {0x74b, 0x74c}, {0x7b2, 0x7bf}, {0x7fb, 0x7fc}, {0x82e, 0x82f},
    {0x83f, 0x83f}, {0x85c, 0x85d}, {0x85f, 0x85f}, {0x86b, 0x86f},
    {0x88f, 0x897}, {0x8e2, 0x8e2}, {0x984, 0x984}, {0x98d, 0x98e},
    {0x991, 0x992}, {0x9a9, 0x9a9}, {0x9b1, 0x9b1}, {0x9b3, 0x9b5},
    {0x9ba, 0x9bb}, {0x9c5, 0x9c6}, {0x9c9, 0x9ca}, {0x9cf, 0x9d6},
    {0x9d8, 0x9db}, {0x9de, 0x9de}, {0x9e4, 0x9e5}, {0x9ff, 0xa00},
    {0xa04, 0xa04}, {0xa0b, 0xa0e}, {0xa11, 0xa12}, {0xa29, 0xa29},
    {0xa31, 0xa31}, {0xa34, 0xa34}, {0xa37, 0xa37}, {0xa3a, 0xa3b},
    {0xa3d, 0xa3d}, {0xa43, 0xa46}, {0xa49, 0xa4a}, {0xa4e, 0xa50},
    {0xa52, 0xa58}, {0xa5d, 0xa5d}, {0xa5f, 0xa65}, {0xa77, 0xa80},
    {0xa84, 0xa84}, {0xa8e, 0xa8e}, {0xa92, 0xa92}, {0xaa9, 0xaa9},
    {0xab1, 0xab1}, {0xab4, 0xab4}, {0xaba, 0xabb}, {0xac6, 0xac6},
    {0xaca, 0xaca}, {0xace, 0xacf}, {0xad1, 0xadf}, {0xae4, 0xae5},
    {0xaf2, 0xaf8}, {0xb00, 0xb00}, {0xb04, 0xb04}, {0xb0d, 0xb0e},
    {0xb11, 0xb12}, {0xb29, 0xb29}, {0xb31, 0xb31}, {0xb34, 0xb34},
    {0xb3a, 0xb3b}, {0xb45, 0xb46}, {0xb49, 0xb4a}, {0xb4e, 0xb54},
    {0xb58, 0xb5b}, {0xb5e, 0xb5e}, {0xb64, 0xb65}, {0xb78, 0xb81},
    {0xb84, 0xb84}, {0xb8b, 0xb8d}, {0xb91, 0xb91}, {0xb96, 0xb98},
    {0xb9b, 0xb9b}, {0xb9d, 0xb9d}, {0xba0, 0xba2}, {0xba5, 0xba7},
    {0xbab, 0xbad}, {0xbba, 0xbbd}, {0xbc3, 0xbc5}, {0xbc9, 0xbc9},
    {0xbce, 0xbcf}, {0xbd1, 0xbd6}, {0xbd8, 0xbe5}, {0xbfb, 0xbff},
    {0xc0d, 0xc0d}, {0xc11, 0xc11}, {0xc29, 0xc29}, {0xc3a, 0xc3b},
    {0xc45, 0xc45}, {0xc49, 0xc49}, {0xc4e, 0xc54}, {0xc57, 0xc57},
    {0xc5b, 0xc5c}, {0xc5e, 0xc5f}, {0xc64, 0xc65}, {0xc70, 0xc76},
    {0xc8d, 0xc8d}, {0xc91, 0xc91}, {0xca9, 0xca9}, {0xcb4, 0xcb4},
    {0xcba, 0xcbb}, {0xcc5, 0xcc5}, {0xcc9, 0xcc9}, {0xcce, 0xcd4},
    {0xcd7, 0xcdc}, {0xcdf, 0xcdf}, {0xce4, 0xce5}, {0xcf0, 0xcf0},
    {0xcf4, 0xcff}, {0xd0d, 0xd0d}, {0xd11, 0xd11}, {0xd45, 0xd45},
    {0xd49, 0xd49}, {0xd50, 0xd53}, {0xd64, 0xd65}, {0xd80, 0xd80},
    {0xd84, 0xd84}, {0xd97, 0xd99}, {0xdb2, 0xdb2}, {0xdbc, 0xdbc},
    {0xdbe, 0xdbf}, {0xdc7, 0xdc9}, {0xdcb, 0xdce}, {0xdd5, 0xdd5},
    {0xdd7, 0xdd7}, {0xde0, 0xde5}, {0xdf0, 0xdf1}, {0xdf5, 0xe00},
    {0xe3b, 0xe3e}, {0xe5c, 0xe80}, {0xe83, 0xe83}, {0xe85, 0xe85},
    {0xe8b, 0xe8b}, {0xea4, 0xea4}, {0xea6, 0xea6}, {0xebe, 0xebf},
    {0xec5, 0xec5}, {0xec7, 0xec7}, {0xecf, 0xecf}, {0xeda, 0xedb},
    {0xee0, 0xeff}, {0xf48, 0xf48}, {0xf6d, 0xf70}, {0xf98, 0xf98},
    {0xfbd, 0xfbd}, {0xfcd, 0xfcd}, {0xfdb, 0xfff}, {0x10c6, 0x10c6},
    {0x10c8, 0x10cc}, {0x10ce, 0x10cf}, {0x1249, 0x1249}, {0x124e, 0x124f},
    {0x1257, 0x1257}, {0x1259, 0x1259}, {0x125e, 0x125f}, {0x1289, 0x1289},
    {0x128e, 0x128f}, {0x12b1, 0x12b1}, {0x12b6, 0x12b7}, {0x12bf, 0x12bf},
    {0x12c1, 0x12c1}, {0x12c6, 0x12c7}, {0x12d7, 0x12d7}, {0x1311, 0x1311},
    {0x1316, 0x1317}, {0x135b, 0x135c}, {0x137d, 0x137f}, {0x139a, 0x139f},
    {0x13f6, 0x13f7}, {0x13fe, 0x13ff}, {0x1680, 0x1680}, {0x169d, 0x169f},
    {0x16f9, 0x16ff}, {0x1716, 0x171e}, {0x1737, 0x173f}, {0x1754, 0x175f},
    {0x176d, 0x176d}, {0x1771, 0x1771}, {0x1774, 0x177f}, {0x17de, 0x17df},
    {0x17ea, 0x17ef}, {0x17fa, 0x17ff}, {0x180e, 0x180e}, {0x181a, 0x181f},
    {0x1879, 0x187f}, {0x18ab, 0x18af}, {0x18f6, 0x18ff}, {0x191f, 0x191f},
    {0x192c, 0x192f}, {0x193c, 0x193f}, {0x1941, 0x1943}, {0x196e, 0x196f},
    {0x1975, 0x197f}, {0x19ac, 0x19af}, {0x19ca, 0x19cf}, {0x19db, 0x19dd},
    {0x1a1c, 0x1a1d}, {0x1a5f, 0x1a5f}, {0x1a7d, 0x1a7e}, {0x1a8a, 0x1a8f},
    {0x1a9a, 0x1a9f}, {0x1aae, 0x1aaf}, {0x1acf, 0x1aff}, {0x1b4d, 0x1b4f},
    {0x1b7f, 0x1b7f}, {0x1bf4, 0x1bfb}, {0x1c38, 0x1c3a}, {0x1c4a, 0x1c4c},
    {0x1c89, 0x1c8f}, {0x1cbb, 0x1cbc}, {0x1cc8, 0x1ccf}, {0x1cfb, 0x1cff},
    {0x1f16, 0x1f17}, {0x1f1e, 0x1f1f}, {0x1f46, 0x1f47}, {0x1f4e, 0x1f4f},
    {0x1f58, 0x1f58}, {0x1f5a, 0x1f5a}, {0x1f5c, 0x1f5c}, {0x1f5e, 0x1f5e},
    {0x1f7e, 0x1f7f}, {0x1fb5, 0x1fb5}, {0x1fc5, 0x1fc5}, {0x1fd4, 0x1fd5},
    {0x1fdc, 0x1fdc}, {0x1ff0, 0x1ff1}, {0x1ff5, 0x1ff5}, {0x1fff, 0x200f},
    {0x2028, 0x202f}, {0x205f, 0x206f}, {0x2072, 0x2073}, {0x208f, 0x208f},
    {0x209d, 0x209f}, {0x20c1, 0x20cf}, {0x20f1, 0x20ff}, {0x218c, 0x218f},
    {0x2427, 0x243f}, {0x244b, 0x245f}, {0x2b74, 0x2b75}, {0x2b96, 0x2b96},
    {0x2cf4, 0x2cf8}, {0x2d26, 0x2d26}, {0x2d28, 0x2d2c}, {0x2d2e, 0x2d2f},
    {0x2d68, 0x2d6e}, {0x2d71, 0x2d7e}, {0x2d97, 0x2d9f}, {0x2da7, 0x2da7},
    {0x2daf, 0x2daf}, {0x2db7, 0x2db7}, {0x2dbf, 0x2dbf}, {0x2dc7, 0x2dc7},
    {0x2dcf, 0x2dcf}, {0x2dd7, 0x2dd7}, {0x2ddf, 0x2ddf}, {0x2e5e, 0x2e7f},
    {0x2e9a, 0x2e9a}, {0x2ef4, 0x2eff}, {0x2fd6, 0x2fef}, {0x3000, 0x3000},
    {0x3040, 0x3040}, {0x3097, 0x3098}, {0x3100, 0x3104}, {0x3130, 0x3130},
    {0x318f, 0x318f}, {0x31e4, 0x31ee}, {0x321f, 0x321f}, {0xa48d, 0xa48f},
    {0xa4c7, 0xa4cf}, {0xa62c, 0xa63f}, {0xa6f8, 0xa6ff}, {0xa7cb, 0xa7cf},
    {0xa7d2, 0xa7d2}, {0xa7d4, 0xa7d4}, {0xa7da, 0xa7f1}, {0xa82d, 0xa82f},
    {0xa83a, 0xa83f}, {0xa878, 0xa87f}, {0xa8c6, 0xa8cd}, {0xa8da, 0xa8df},
    {0xa954, 0xa95e}, {0xa97d, 0xa97f}, {0xa9ce, 0xa9ce}, {0xa9da, 0xa9dd},
    {0xa9ff, 0xa9ff}, {0xaa37, 0xaa3f}, {0xaa4e, 0xaa4f}, {0xaa5a, 0xaa5b},
    {0xaac3, 0xaada}, {0xaaf7, 0xab00}, {0xab07, 0xab08}, {0xab0f, 0xab10},
    {0xab17, 0xab1f}, {0xab27, 0xab27}, {0xab2f, 0xab2f}, {0xab6c, 0xab6f},
    {0xabee, 0xabef}, {0xabfa, 0xabff}, {0xd7a4, 0xd7af}, {0xd7c7, 0xd7ca},
    {0xd7fc, 0xf8ff}, {0xfa6e, 0xfa6f}, {0xfada, 0xfaff}, {0xfb07, 0xfb12},
    {0xfb18, 0xfb1c}, {0xfb37, 0xfb37}, {0xfb3d, 0xfb3d}, {0xfb3f, 0xfb3f},
    {0xfb42, 0xfb42}, {0xfb45, 0xfb45}, {0xfbc3, 0xfbd2}, {0xfd90, 0xfd91},
    {0xfdc8, 0xfdce}, {0xfdd0, 0xfdef}, {0xfe1a, 0xfe1f}, {0xfe53, 0xfe53},
    {0xfe67, 0xfe67}, {0xfe6c, 0xfe6f}, {0xfe75, 0xfe75}, {0xfefd, 0xff00},
    {0xffbf, 0xffc1}, {0xffc8, 0xffc9}, {0xffd0, 0xffd1}, {0xffd8, 0xffd9},
    {0xffdd, 0xffdf}, {0xffe7, 0xffe7}, {0xffef, 0xfffb}, {0xfffe, 0xffff},
    {0x1000c, 0x1000c}, {0x10027, 0x10027}, {0x1003b, 0x1003b},
    {0x1003e, 0x1003e}, {0x1004e, 0x1004f}, {0x1005e, 0x1007f},
    {0x100fb, 0x100ff}, {0x10103, 0x10106}, {0x10134, 0x10136},
    {0x1018f, 0x1018f}, {0x1019d, 0x1019f}, {0x101a1, 0x101cf},
    {0x101fe, 0x1027f}, {0x1029d, 0x1029f}, {0x102d1, 0x102df},
    {0x102fc, 0x102ff}, {0x10324, 0x1032c}, {0x1034b, 0x1034f},
    {0x1037b, 0x1037f}, {0x1039e, 0x1039e}, {0x103c4, 0x103c7},
    {0x103d6, 0x103ff}, {0x1049e, 0x1049f}, {0x104aa, 0x104af},
    {0x104d4, 0x104d7}, {0x104fc, 0x104ff}, {0x10528, 0x1052f},
    {0x10564, 0x1056e}, {0x1057b, 0x1057b}, {0x1058b, 0x1058b},
    {0x10593, 0x10593}, {0x10596, 0x10596}, {0x105a2, 0x105a2},
    {0x105b2, 0x105b2}, {0x105ba, 0x105ba}, {0x105bd, 0x105ff},
    {0x10737, 0x1073f}, {0x10756, 0x1075f}, {0x10768, 0x1077f},
    {0x10786, 0x10786}, {0x107b1, 0x107b1}, {0x107bb, 0x107ff},
    {0x10806, 0x10807}, {0x10809, 0x10809}, {0x10836, 0x10836},
    {0x10839, 0x1083b}, {0x1083d, 0x1083e}, {0x10856, 0x10856},
    {0x1089f, 0x108a6}, {0x108b0, 0x108df}, {0x108f3, 0x108f3},
    {0x108f6, 0x108fa}, {0x1091c, 0x1091e}, {0x1093a, 0x1093e},
    {0x10940, 0x1097f}, {0x109b8, 0x109bb}, {0x109d0, 0x109d1},
    {0x10a04, 0x10a04}, {0x10a07, 0x10a0b}, {0x10a14, 0x10a14},
    {0x10a18, 0x10a18}, {0x10a36, 0x10a37}, {0x10a3b, 0x10a3e},
    {0x10a49, 0x10a4f}, {0x10a59, 0x10a5f}, {0x10aa0, 0x10abf},
    {0x10ae7, 0x10aea}, {0x10af7, 0x10aff}, {0x10b36, 0x10b38},
    {0x10b56, 0x10b57}, {0x10b73, 0x10b77}, {0x10b92, 0x10b98},
    {0x10b9d, 0x10ba8}, {0x10bb0, 0x10bff}, {0x10c49, 0x10c7f},
    {0x10cb3, 0x10cbf}, {0x10cf3, 0x10cf9}, {0x10d28, 0x10d2f},
    {0x10d3a, 0x10e5f}, {0x10e7f, 0x10e7f}, {0x10eaa, 0x10eaa},
    {0x10eae, 0x10eaf}, {0x10eb2, 0x10efc}, {0x10f28, 0x10f2f},
    {0x10f5a, 0x10f6f}, {0x10f8a, 0x10faf}, {0x10fcc, 0x10fdf},
    {0x10ff7, 0x10fff}, {0x1104e, 0x11051}, {0x11076, 0x1107e},
    {0x110bd, 0x110bd}, {0x110c3, 0x110cf}, {0x110e9, 0x110ef},
    {0x110fa, 0x110ff}, {0x11135, 0x11135}, {0x11148, 0x1114f},
    {0x11177, 0x1117f}, {0x111e0, 0x111e0}, {0x111f5, 0x111ff},
    {0x11212, 0x11212}, {0x11242, 0x1127f}, {0x11287, 0x11287},
    {0x11289, 0x11289}, {0x1128e, 0x1128e}, {0x1129e, 0x1129e},
    {0x112aa, 0x112af}, {0x112eb, 0x112ef}, {0x112fa, 0x112ff},
    {0x11304, 0x11304}, {0x1130d, 0x1130e}, {0x11311, 0x11312},
    {0x11329, 0x11329}, {0x11331, 0x11331}, {0x11334, 0x11334},
    {0x1133a, 0x1133a}, {0x11345, 0x11346}, {0x11349, 0x1134a},
    {0x1134e, 0x1134f}, {0x11351, 0x11356}, {0x11358, 0x1135c},
    {0x11364, 0x11365}, {0x1136d, 0x1136f}, {0x11375, 0x113ff},
    {0x1145c, 0x1145c}, {0x11462, 0x1147f}, {0x114c8, 0x114cf},
    {0x114da, 0x1157f}, {0x115b6, 0x115b7}, {0x115de, 0x115ff},
    {0x11645, 0x1164f}, {0x1165a, 0x1165f}, {0x1166d, 0x1167f},
    {0x116ba, 0x116bf}, {0x116ca, 0x116ff}, {0x1171b, 0x1171c},
    {0x1172c, 0x1172f}, {0x11747, 0x117ff}, {0x1183c, 0x1189f},
    {0x118f3, 0x118fe}, {0x11907, 0x11908}, {0x1190a, 0x1190b},
    {0x11914, 0x11914}, {0x11917, 0x11917}, {0x11936, 0x11936},
    {0x11939, 0x1193a}, {0x11947, 0x1194f}, {0x1195a, 0x1199f},
    {0x119a8, 0x119a9}, {0x119d8, 0x119d9}, {0x119e5, 0x119ff},
    {0x11a48, 0x11a4f}, {0x11aa3, 0x11aaf}, {0x11af9, 0x11aff},
    {0x11b0a, 0x11bff}, {0x11c09, 0x11c09}, {0x11c37, 0x11c37},
    {0x11c46, 0x11c4f}, {0x11c6d, 0x11c6f}, {0x11c90, 0x11c91},
    {0x11ca8, 0x11ca8}, {0x11cb7, 0x11cff}, {0x11d07, 0x11d07},
    {0x11d0a, 0x11d0a}, {0x11d37, 0x11d39}, {0x11d3b, 0x11d3b},
    {0x11d3e, 0x11d3e}, {0x11d48, 0x11d4f}, {0x11d5a, 0x11d5f},
    {0x11d66, 0x11d66}, {0x11d69, 0x11d69}, {0x11d8f, 0x11d8f},
    {0x11d92, 0x11d92}, {0x11d99, 0x11d9f}, {0x11daa, 0x11edf},
    {0x11ef9, 0x11eff}, {0x11f11, 0x11f11}, {0x11f3b, 0x11f3d},
    {0x11f5a, 0x11faf}, {0x11fb1, 0x11fbf}, {0x11ff2, 0x11ffe},
    {0x1239a, 0x123ff}, {0x1246f, 0x1246f}, {0x12475, 0x1247f},
    {0x12544, 0x12f8f}, {0x12ff3, 0x12fff}, {0x13430, 0x1343f},
    {0x13456, 0x143ff}, {0x14647, 0x167ff}, {0x16a39, 0x16a3f},
    {0x16a5f, 0x16a5f}, {0x16a6a, 0x16a6d}, {0x16abf, 0x16abf},
    {0x16aca, 0x16acf}, {0x16aee, 0x16aef}, {0x16af6, 0x16aff},
    {0x16b46, 0x16b4f}, {0x16b5a, 0x16b5a}, {0x16b62, 0x16b62},
    {0x16b78, 0x16b7c}, {0x16b90, 0x16e3f}, {0x16e9b, 0x16eff},
    {0x16f4b, 0x16f4e}, {0x16f88, 0x16f8e}, {0x16fa0, 0x16fdf},
    {0x16fe5, 0x16fef}, {0x16ff2, 0x16fff}, {0x187f8, 0x187ff},
    {0x18cd6, 0x18cff}, {0x18d09, 0x1afef}, {0x1aff4, 0x1aff4},
    {0x1affc, 0x1affc}, {0x1afff, 0x1afff}, {0x1b123, 0x1b131},
    {0x1b133, 0x1b14f}, {0x1b153, 0x1b154}, {0x1b156, 0x1b163},
    {0x1b168, 0x1b16f}, {0x1b2fc, 0x1bbff}, {0x1bc6b, 0x1bc6f},
    {0x1bc7d, 0x1bc7f}, {0x1bc89, 0x1bc8f}, {0x1bc9a, 0x1bc9b},
    {0x1bca0, 0x1ceff}, {0x1cf2e, 0x1cf2f}, {0x1cf47, 0x1cf4f},
    {0x1cfc4, 0x1cfff}, {0x1d0f6, 0x1d0ff}, {0x1d127, 0x1d128},
    {0x1d173, 0x1d17a}, {0x1d1eb, 0x1d1ff}, {0x1d246, 0x1d2bf},
    {0x1d2d4, 0x1d2df}, {0x1d2f4, 0x1d2ff}, {0x1d357, 0x1d35f},
    {0x1d379, 0x1d3ff}, {0x1d455, 0x1d455}, {0x1d49d, 0x1d49d},
    {0x1d4a0, 0x1d4a1}, {0x1d4a3, 0x1d4a4}, {0x1d4a7, 0x1d4a8},
    {0x1d4ad, 0x1d4ad}, {0x1d4ba, 0x1d4ba}, {0x1d4bc, 0x1d4bc},
    {0x1d4c4, 0x1d4c4}, {0x1d506, 0x1d506}, {0x1d50b, 0x1d50c},
    {0x1d515, 0x1d515}, {0x1d51d, 0x1d51d}, {0x1d53a, 0x1d53a},
    {0x1d53f, 0x1d53f}, {0x1d545, 0x1d545}, {0x1d547, 0x1d549},
    {0x1d551, 0x1d551}, {0x1d6a6, 0x1d6a7}, {0x1d7cc, 0x1d7cd},
    {0x1da8c, 0x1da9a}, {0x1daa0, 0x1daa0}, {0x1dab0, 0x1deff},
    {0x1df1f, 0x1df24}, {0x1df2b, 0x1dfff}, {0x1e007, 0x1e007},
    {0x1e019, 0x1e01a}, {0x1e022, 0x1e022}, {0x1e025, 0x1e025},
    {0x1e02b, 0x1e02f}, {0x1e06e, 0x1e08e}, {0x1e090, 0x1e0ff},
    {0x1e12d, 0x1e12f}, {0x1e13e, 0x1e13f}, {0x1e14a, 0x1e14d},
    {0x1e150, 0x1e28f}, {0x1e2af, 0x1e2bf}, {0x1e2fa, 0x1e2fe},
    {0x1e300, 0x1e4cf}, {0x1e4fa, 0x1e7df}, {0x1e7e7, 0x1e7e7},
    {0x1e7ec, 0x1e7ec}, {0x1e7ef, 0x1e7ef}, {0x1e7ff, 0x1e7ff},
    {0x1e8c5, 0x1e8c6}, {0x1e8d7, 0x1e8ff}, {0x1e94c, 0x1e94f},
    {0x1e95a, 0x1e95d}, {0x1e960, 0x1ec70}, {0x1ecb5, 0x1ed00},
    {0x1ed3e, 0x1edff}, {0x1ee04, 0x1ee04}, {0x1ee20, 0x1ee20},
    {0x1ee23, 0x1ee23}, {0x1ee25, 0x1ee26}, {0x1ee28, 0x1ee28},
    {0x1ee33, 0x1ee33}, {0x1ee38, 0x1ee38}, {0x1ee3a, 0x1ee3a},
    {0x1ee3c, 0x1ee41}, {0x1ee43, 0x1ee46}, {0x1ee48, 0x1ee48},
    {0x1ee4a, 0x1ee4a}, {0x1ee4c, 0x1ee4c}, {0x1ee50, 0x1ee50},
    {0x1ee53, 0x1ee53}, {0x1ee55, 0x1ee56}, {0x1ee58, 0x1ee58},
    {0x1ee5a, 0x1ee5a}, {0x1ee5c, 0x1ee5c}, {0x1ee5e, 0x1ee5e},
    {0x1ee60, 0x1ee60}, {0x1ee63, 0x1ee63}, {0x1ee65, 0x1ee66},
    {0x1ee6b, 0x1ee6b}, {0x1ee73, 0x1ee73}, {0x1ee78, 0x1ee78},
    {0x1ee7d, 0x1ee7d}, {0x1ee7f, 0x1ee7f}, {0x1ee8a, 0x1ee8a},
    {0x1ee9c, 0x1eea0}, {0x1eea4, 0x1eea4}, {0x1eeaa, 0x1eeaa},
    {0x1eebc, 0x1eeef}, {0x1eef2, 0x1efff}, {0x1f02c, 0x1f02f},
    {0x1f094, 0x1f09f}, {0x1f0af, 0x1f0b0}, {0x1f0c0, 0x1f0c0},
    {0x1f0d0, 0x1f0d0}, {0x1f0f6, 0x1f0ff}, {0x1f1ae, 0x1f1e5},
    {0x1f203, 0x1f20f}, {0x1f23c, 0x1f23f}, {0x1f249, 0x1f24f},
    {0x1f252, 0x1f25f}, {0x1f266, 0x1f2ff}, {0x1f6d8, 0x1f6db},
    {0x1f6ed, 0x1f6ef}, {0x1f6fd, 0x1f6ff}, {0x1f777, 0x1f77a},
    {0x1f7da, 0x1f7df}, {0x1f7ec, 0x1f7ef}, {0x1f7f1, 0x1f7ff},
    {0x1f80c, 0x1f80f}, {0x1f848, 0x1f84f}, {0x1f85a, 0x1f85f},
    {0x1f888, 0x1f88f}, {0x1f8ae, 0x1f8af}, {0x1f8b2, 0x1f8ff},
    {0x1fa54, 0x1fa5f}, {0x1fa6e, 0x1fa6f}, {0x1fa7d, 0x1fa7f},
    {0x1fa89, 0x1fa8f}, {0x1fabe, 0x1fabe}, {0x1fac6, 0x1facd},
    {0x1fadc, 0x1fadf}, {0x1fae9, 0x1faef}, {0x1faf9, 0x1faff},
    {0x1fb93, 0x1fb93}, {0x1fbcb, 0x1fbef}, {0x1fbfa, 0x1ffff},
    {0x2a6e0, 0x2a6ff}, {0x2b73a, 0x2b73f}, {0x2b81e, 0x2b81f},
    {0x2cea2, 0x2ceaf}, {0x2ebe1, 0x2ebef}, {0x2ee5e, 0x2f7ff},
    {0x2fa1e, 0x2ffff}, {0x3134b, 0x3134f}, {0x323b0, 0xe00ff},
    {0xe01f0, 0x10ffff},
};
static const uint32_t nonprint_312_extra[][2] = {
    {0x2ffc, 0x2fff}, {0x31ef, 0x31ef}, {0x2ebf0, 0x2ee5d},
};
static const uint32_t nonprint_311_extra[][2] = {
    {0xcf3, 0xcf3}, {0xece, 0xece}, {0x10efd, 0x10eff}, {0x1123f, 0x11241},
    {0x11b00, 0x11b09}, {0x11f00, 0x11f10}, {0x11f12, 0x11f3a},
    {0x11f3e, 0x11f59}, {0x1342f, 0x1342f}, {0x13440, 0x13455},
    {0x1b132, 0x1b132}, {0x1b155, 0x1b155}, {0x1d2c0, 0x1d2d3},
    {0x1df25, 0x1df2a}, {0x1e030, 0x1e06d}, {0x1e08f, 0x1e08f},
    {0x1e4d0, 0x1e4f9}, {0x1f6dc, 0x1f6dc}, {0x1f774, 0x1f776},
    {0x1f77b, 0x1f77f}, {0x1f7d9, 0x1f7d9}, {0x1fa75, 0x1fa77},
    {0x1fa87, 0x1fa88}, {0x1faad, 0x1faaf}, {0x1fabb, 0x1fabd},
    {0x1fabf, 0x1fabf}, {0x1face, 0x1facf}, {0x1fada, 0x1fadb},
    {0x1fae8, 0x1fae8}, {0x1faf7, 0x1faf8}, {0x2b739, 0x2b739},
    {0x31350, 0x323af},
};
/* clang-format on */

static bool in_ranges(const uint32_t (*r)[2], size_t n, uint32_t c)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c < r[mid][0])
            hi = mid;
        else if (c > r[mid][1])
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

#define NRANGES(t) (sizeof(t) / sizeof((t)[0]))

/* Py_UNICODE_ISPRINTABLE for c >= 0x80 under the profile's Unicode. */
static bool printable(const hp_heap *h, uint32_t c)
{
    if (in_ranges(nonprint_313, NRANGES(nonprint_313), c))
        return false;
    int minor = h ? h->prof->minor : 12;
    if (minor <= 12 &&
        in_ranges(nonprint_312_extra, NRANGES(nonprint_312_extra), c))
        return false;
    if (minor <= 11 &&
        in_ranges(nonprint_311_extra, NRANGES(nonprint_311_extra), c))
        return false;
    return true;
}

/* Decodes one code point of valid UTF-8 at p; returns its length. */
static size_t utf8_decode(const unsigned char *p, size_t n, uint32_t *cp)
{
    uint32_t c = p[0];
    size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    if (len > n) { /* cannot happen for a heap str; stay in bounds */
        *cp = 0xfffd;
        return n;
    }
    if (len == 2)
        c &= 0x1f;
    else if (len == 3)
        c &= 0x0f;
    else if (len == 4)
        c &= 0x07;
    for (size_t i = 1; i < len; i++)
        c = (c << 6) | (p[i] & 0x3f);
    *cp = c;
    return len;
}

/* CPython's quote choice: ' unless the text has ' and no ". */
static char pick_quote(const char *s, size_t n)
{
    bool squote = memchr(s, '\'', n) != NULL;
    bool dquote = memchr(s, '"', n) != NULL;
    return squote && !dquote ? '"' : '\'';
}

/* The escapes str and bytes share: the quote, backslash, \t \n \r and
 * \xhh for the other ASCII control characters.  Returns false for a
 * printable ASCII character (the caller copies it). */
static bool escape_ascii(hp_buf *b, unsigned c, char quote)
{
    switch (c) {
    case '\t':
        buf_cstr(b, "\\t");
        return true;
    case '\n':
        buf_cstr(b, "\\n");
        return true;
    case '\r':
        buf_cstr(b, "\\r");
        return true;
    case '\\':
        buf_cstr(b, "\\\\");
        return true;
    }
    if (c == (unsigned char)quote) {
        buf_putc(b, '\\');
        buf_putc(b, quote);
        return true;
    }
    if (c < 0x20 || c >= 0x7f) {
        hp__buf_printf(b, "\\x%02x", c);
        return true;
    }
    return false;
}

static void repr_str(const hp_heap *h, const hp_str *s, hp_buf *b)
{
    const unsigned char *p = (const unsigned char *)s->data;
    size_t n = s->nbytes;
    char quote = pick_quote(s->data, n);
    buf_putc(b, quote);
    size_t run = 0; /* start of the pending run of bytes copied as is */
    for (size_t i = 0; i < n;) {
        uint32_t c;
        size_t len = utf8_decode(p + i, n - i, &c);
        bool keep = c < 0x80 ? (c >= 0x20 && c < 0x7f && c != '\\' &&
                                c != (unsigned char)quote)
                             : printable(h, c);
        if (!keep) {
            hp__buf_puts(b, s->data + run, i - run);
            if (c < 0x80)
                escape_ascii(b, c, quote);
            else if (c <= 0xff)
                hp__buf_printf(b, "\\x%02x", (unsigned)c);
            else if (c <= 0xffff)
                hp__buf_printf(b, "\\u%04x", (unsigned)c);
            else
                hp__buf_printf(b, "\\U%08x", (unsigned)c);
            run = i + len;
        }
        i += len;
    }
    hp__buf_puts(b, s->data + run, n - run);
    buf_putc(b, quote);
}

static void repr_bytes(const hp_str *s, hp_buf *b)
{
    const unsigned char *p = (const unsigned char *)s->data;
    char quote = pick_quote(s->data, s->nbytes);
    buf_putc(b, 'b');
    buf_putc(b, quote);
    for (size_t i = 0; i < s->nbytes; i++)
        if (!escape_ascii(b, p[i], quote))
            buf_putc(b, (char)p[i]);
    buf_putc(b, quote);
}

/* ---- objects that do not contain others ---------------------------------- */

static const char *name_str(const hp_str *s)
{
    return s ? s->data : "?";
}

/* type(o).__name__ (tp_name: a user class's plain name). */
static const char *type_name(const hp_obj *o)
{
    static const char *const names[HP_T__COUNT] = {
        [HP_T_NONE] = "NoneType",
        [HP_T_BOOL] = "bool",
        [HP_T_INT] = "int",
        [HP_T_FLOAT] = "float",
        [HP_T_STR] = "str",
        [HP_T_BYTES] = "bytes",
        [HP_T_TUPLE] = "tuple",
        [HP_T_LIST] = "list",
        [HP_T_DICT] = "dict",
        [HP_T_SET] = "set",
        [HP_T_FROZENSET] = "frozenset",
        [HP_T_CLASS] = "type",
        [HP_T_FUNCTION] = "function",
        [HP_T_WEAKREF] = "weakref",
        [HP_T_CODE] = "code",
    };
    if (o->type == HP_T_INSTANCE)
        return name_str(((const hp_inst *)o)->cls->name);
    if (o->type < HP_T__COUNT && names[o->type])
        return names[o->type];
    return "object";
}

/* getattr(o, '__name__') when it is a str, as weakref_repr looks it up:
 * a class's or function's name, or an instance's own __name__ attribute
 * or its class's. */
static const hp_str *dunder_name(const hp_obj *o)
{
    switch (o->type) {
    case HP_T_CLASS:
        return ((const hp_class *)o)->name;
    case HP_T_FUNCTION:
        return ((const hp_func *)o)->name;
    case HP_T_INSTANCE: {
        const hp_inst *in = (const hp_inst *)o;
        const hp_class *c = in->cls;
        for (uint32_t i = 0; i < c->nkeys && i < in->gc.n; i++)
            if (in->values[i] && strcmp(c->keys[i]->data, "__name__") == 0)
                return in->values[i]->type == HP_T_STR
                           ? (const hp_str *)in->values[i]
                           : NULL;
        hp_obj *v = c->dict ? hp__dict_get_cstr(c->dict, "__name__") : NULL;
        return v && v->type == HP_T_STR ? (const hp_str *)v : NULL;
    }
    default:
        return NULL;
    }
}

static void repr_weakref(const hp_heap *h, const hp_weakref *w, hp_buf *b)
{
    uint64_t id = hp_id(h, &w->gc.ob);
    const hp_obj *r = w->referent;
    if (!r) {
        hp__buf_printf(b, "<weakref at 0x%" PRIx64 "; dead>", id);
        return;
    }
    hp__buf_printf(b, "<weakref at 0x%" PRIx64 "; to '%s' at 0x%" PRIx64, id,
                   type_name(r), hp_id(h, r));
    const hp_str *name = dunder_name(r);
    if (name)
        hp__buf_printf(b, " (%s)", name->data);
    buf_putc(b, '>');
}

static void repr_atom(const hp_heap *h, const hp_obj *o, hp_buf *b)
{
    switch (o->type) {
    case HP_T_NONE:
        buf_cstr(b, "None");
        break;
    case HP_T_BOOL:
        buf_cstr(b, ((const hp_int *)o)->v ? "True" : "False");
        break;
    case HP_T_INT:
        hp__buf_printf(b, "%" PRId64, ((const hp_int *)o)->v);
        break;
    case HP_T_FLOAT:
        repr_float(b, ((const hp_float *)o)->v);
        break;
    case HP_T_STR:
        repr_str(h, (const hp_str *)o, b);
        break;
    case HP_T_BYTES:
        repr_bytes((const hp_str *)o, b);
        break;
    case HP_T_CLASS:
        hp__buf_printf(b, "<class '__main__.%s'>",
                       name_str(((const hp_class *)o)->name));
        break;
    case HP_T_INSTANCE:
        hp__buf_printf(b, "<__main__.%s object at 0x%" PRIx64 ">", type_name(o),
                       hp_id(h, o));
        break;
    case HP_T_FUNCTION:
        hp__buf_printf(b, "<function %s at 0x%" PRIx64 ">",
                       name_str(((const hp_func *)o)->name), hp_id(h, o));
        break;
    case HP_T_WEAKREF:
        repr_weakref(h, (const hp_weakref *)o, b);
        break;
    case HP_T_CODE:
        hp__buf_printf(
            b, "<code object %s at 0x%" PRIx64 ", file \"<heap>\", line 1>",
            name_str(((const hp_code *)o)->name), hp_id(h, o));
        break;
    default:
        hp__buf_printf(b, "<object at 0x%" PRIx64 ">", hp_id(h, o));
        break;
    }
}

/* ---- containers ---------------------------------------------------------- */

static bool is_container(const hp_obj *o)
{
    switch (o->type) {
    case HP_T_TUPLE:
    case HP_T_LIST:
    case HP_T_DICT:
    case HP_T_SET:
    case HP_T_FROZENSET:
        return true;
    default:
        return false;
    }
}

static uint32_t container_len(const hp_obj *o)
{
    return ((const hp_gc *)o)->n;
}

static const char *opener(const hp_obj *o)
{
    switch (o->type) {
    case HP_T_TUPLE:
        return "(";
    case HP_T_LIST:
        return "[";
    case HP_T_FROZENSET:
        return "frozenset({";
    default:
        return "{";
    }
}

static const char *closer(const hp_obj *o)
{
    switch (o->type) {
    case HP_T_TUPLE:
        return container_len(o) == 1 ? ",)" : ")";
    case HP_T_LIST:
        return "]";
    case HP_T_FROZENSET:
        return "})";
    default:
        return "}";
    }
}

static const char *empty_repr(const hp_obj *o)
{
    switch (o->type) {
    case HP_T_TUPLE:
        return "()";
    case HP_T_LIST:
        return "[]";
    case HP_T_SET:
        return "set()";
    case HP_T_FROZENSET:
        return "frozenset()";
    default:
        return "{}";
    }
}

/* What a container already being printed shows (Py_ReprEnter > 0). */
static const char *recursive_repr(const hp_obj *o)
{
    switch (o->type) {
    case HP_T_TUPLE:
        return "(...)";
    case HP_T_LIST:
        return "[...]";
    case HP_T_SET:
        return "set(...)";
    case HP_T_FROZENSET:
        return "frozenset(...)";
    default:
        return "{...}";
    }
}

/* How far a repr is followed when only its length is asked for. */
#define REPR_COUNT_LIMIT ((size_t)1 << 26)

typedef struct repr_frame {
    const hp_obj *o;
    uint64_t pos;   /* next item (sequence index or iteration cursor) */
    uint64_t count; /* items printed */
    hp_obj *value;  /* dict: the value due after the key just printed */
} repr_frame;

/* The next object to print inside f, after writing the separator before
 * it; NULL when f is finished. */
static hp_obj *next_item(repr_frame *f, hp_buf *b)
{
    const hp_obj *o = f->o;
    hp_obj *item = NULL, *value = NULL;
    if (f->value) { /* the value of a dict item */
        item = f->value;
        f->value = NULL;
        buf_cstr(b, ": ");
        return item;
    }
    switch (o->type) {
    case HP_T_TUPLE:
        if (f->pos < container_len(o))
            item = ((const hp_tuple *)o)->items[f->pos++];
        break;
    case HP_T_LIST:
        if (f->pos < container_len(o))
            item = hp__list_items((hp_list *)o)[f->pos++];
        break;
    default: /* dict, set, frozenset */
        if (!hp_iter_items(o, &f->pos, &item, &value))
            item = NULL;
        f->value = o->type == HP_T_DICT ? value : NULL;
        break;
    }
    if (item && f->count++)
        buf_cstr(b, ", ");
    return item;
}

/* The containers being printed, innermost last.  Shallow reprs use the
 * frames inside the struct; a deeper one moves to a malloc'd array of
 * REPR_MAX_DEPTH frames. */
typedef struct repr_stack {
    repr_frame *v;
    uint32_t n, cap;
    repr_frame local[32];
} repr_stack;

static bool on_stack(const repr_stack *st, const hp_obj *o)
{
    for (uint32_t i = 0; i < st->n; i++)
        if (st->v[i].o == o)
            return true;
    return false;
}

static bool stack_push(repr_stack *st, const hp_obj *o)
{
    if (st->n == st->cap) {
        if (st->cap == REPR_MAX_DEPTH || st->v != st->local)
            return false;
        repr_frame *v = malloc(REPR_MAX_DEPTH * sizeof *v);
        if (!v)
            return false;
        memcpy(v, st->local, st->n * sizeof *v);
        st->v = v;
        st->cap = REPR_MAX_DEPTH;
    }
    st->v[st->n++] = (repr_frame){.o = o};
    return true;
}

/* Prints o, or opens it on the stack when it is a non-empty container;
 * one nested deeper than the stack allows prints as "...". */
static void repr_enter(const hp_heap *h, const hp_obj *o, repr_stack *st,
                       hp_buf *b)
{
    if (!is_container(o))
        repr_atom(h, o, b);
    else if (container_len(o) == 0)
        buf_cstr(b, empty_repr(o));
    else if (on_stack(st, o))
        buf_cstr(b, recursive_repr(o));
    else if (!stack_push(st, o))
        buf_cstr(b, "...");
    else
        buf_cstr(b, opener(o));
}

void hp__repr(const hp_heap *h, const hp_obj *o, hp_buf *b)
{
    repr_stack st;
    st.v = st.local;
    st.n = 0;
    st.cap = sizeof st.local / sizeof st.local[0];
    repr_enter(h, o, &st, b);
    /* Stop once the output is full: a graph that shares one object many
     * times over prints exponentially long, and nobody reads past cap. */
    size_t stop = b->cap ? b->cap : REPR_COUNT_LIMIT;
    while (st.n > 0 && b->len < stop) {
        repr_frame *f = &st.v[st.n - 1];
        hp_obj *item = next_item(f, b);
        if (item) {
            repr_enter(h, item, &st, b);
        } else {
            buf_cstr(b, closer(f->o));
            st.n--;
        }
    }
    if (st.v != st.local)
        free(st.v);
}

size_t hp_repr(const hp_heap *h, const hp_obj *o, char *buf, size_t cap)
{
    hp_buf b = {.p = buf, .len = 0, .cap = buf ? cap : 0};
    buf_terminate(&b);
    hp__repr(h, o, &b);
    return b.len;
}

size_t hp_tostr(const hp_heap *h, const hp_obj *o, char *buf, size_t cap)
{
    if (o->type != HP_T_STR)
        return hp_repr(h, o, buf, cap);
    hp_buf b = {.p = buf, .len = 0, .cap = buf ? cap : 0};
    const hp_str *s = (const hp_str *)o;
    hp__buf_puts(&b, s->data, s->nbytes);
    buf_terminate(&b);
    return b.len;
}
