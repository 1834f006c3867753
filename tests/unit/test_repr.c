/*
 * test_repr.c: unit tests for core/repr.c, repr() and str().
 *
 * Every expected string is what CPython prints (3.12.1 unless a test
 * says otherwise; the three versions agree except for which non-ASCII
 * characters are printable).
 */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static hp_heap *new_heap(const char *profile)
{
    hp_config cfg = {.profile = profile};
    hp_heap *h = hp_heap_new(&cfg, NULL);
    ck_assert_ptr_nonnull(h);
    return h;
}

static hp_obj *top(hp_heap *h)
{
    hp_obj *o = hp_peek(h, 0);
    ck_assert_ptr_nonnull(o);
    return o;
}

/* repr() of the object on top of the stack, checked against the
 * length hp_repr reports. */
static char out[1 << 16];
static const char *repr_top(hp_heap *h)
{
    size_t n = hp_repr(h, top(h), out, sizeof out);
    ck_assert_uint_lt(n, sizeof out);
    ck_assert_uint_eq(strlen(out), n);
    return out;
}

static void push_cstr(hp_heap *h, const char *s)
{
    ck_assert_int_eq(hp_push_str(h, s, strlen(s)), 0);
}

#define ASSERT_REPR(h, want) ck_assert_str_eq(repr_top(h), want)

/* ---- the buffer ---------------------------------------------------------- */

START_TEST(test_buf_truncates_and_counts)
{
    char b[8];
    hp_buf buf = {.p = b, .len = 0, .cap = sizeof b};
    hp__buf_puts(&buf, "abc", 3);
    ck_assert_str_eq(b, "abc");
    hp__buf_printf(&buf, "%d-%s", 42, "xyz");
    ck_assert_uint_eq(buf.len, 9);
    ck_assert_str_eq(b, "abc42-x"); /* 7 characters and the NUL */
    hp__buf_puts(&buf, "more", 4);
    ck_assert_uint_eq(buf.len, 13);
    ck_assert_str_eq(b, "abc42-x");
    /* a long printf that does not fit the scratch either */
    char big[300];
    memset(big, 'q', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    char b2[200];
    hp_buf buf2 = {.p = b2, .len = 0, .cap = sizeof b2};
    hp__buf_printf(&buf2, "<%s>", big);
    ck_assert_uint_eq(buf2.len, 301);
    ck_assert_uint_eq(strlen(b2), 199);
    ck_assert_int_eq(b2[0], '<');
    ck_assert_int_eq(b2[198], 'q');
    /* no buffer at all: only counting */
    hp_buf none = {.p = NULL, .len = 0, .cap = 0};
    hp__buf_printf(&none, "%s", "hello");
    hp__buf_puts(&none, "!", 1);
    ck_assert_uint_eq(none.len, 6);
}
END_TEST

START_TEST(test_repr_truncated)
{
    hp_heap *h = new_heap(NULL);
    for (int k = 1; k <= 3; k++)
        ck_assert_int_eq(hp_push_int(h, k), 0);
    ck_assert_int_eq(hp_build_list(h, 3), 0);
    char b[5];
    memset(b, 'z', sizeof b);
    /* Truncated: the walk stops once the buffer is full and says so by
     * returning at least its size (heap.h). */
    size_t n = hp_repr(h, top(h), b, sizeof b); /* [1, 2, 3] */
    ck_assert_uint_ge(n, sizeof b);
    ck_assert_uint_le(n, 9);
    ck_assert_str_eq(b, "[1, ");
    ck_assert_uint_eq(hp_repr(h, top(h), NULL, 0), 9);
    char one[1] = {'z'};
    ck_assert_uint_ge(hp_repr(h, top(h), one, 1), 1);
    ck_assert_int_eq(one[0], '\0');
    hp_heap_free(h);
}
END_TEST

/* x = [0]; 60 times: x = [x, x].  The full repr has 2**60 zeros; a
 * bounded repr stops at its buffer. */
START_TEST(test_repr_shared_dag_is_bounded)
{
    hp_heap *h = new_heap(NULL);
    ck_assert_int_eq(hp_push_int(h, 0), 0);
    ck_assert_int_eq(hp_build_list(h, 1), 0);
    for (int k = 0; k < 60; k++) {
        ck_assert_int_eq(hp_dup(h), 0);
        ck_assert_int_eq(hp_build_list(h, 2), 0);
    }
    char b[64];
    ck_assert_uint_ge(hp_repr(h, top(h), b, sizeof b), sizeof b);
    ck_assert_int_eq(strncmp(b, "[[[[[[[[", 8), 0);
    hp_heap_free(h);
}
END_TEST

/* ---- scalars ------------------------------------------------------------- */

START_TEST(test_repr_constants_and_ints)
{
    hp_heap *h = new_heap(NULL);
    ck_assert_int_eq(hp_push_none(h), 0);
    ASSERT_REPR(h, "None");
    ck_assert_int_eq(hp_push_bool(h, 1), 0);
    ASSERT_REPR(h, "True");
    ck_assert_int_eq(hp_push_bool(h, 0), 0);
    ASSERT_REPR(h, "False");
    ck_assert_int_eq(hp_push_int(h, 0), 0);
    ASSERT_REPR(h, "0");
    ck_assert_int_eq(hp_push_int(h, -5), 0);
    ASSERT_REPR(h, "-5");
    ck_assert_int_eq(hp_push_int(h, INT64_MAX), 0);
    ASSERT_REPR(h, "9223372036854775807");
    ck_assert_int_eq(hp_push_int(h, INT64_MIN), 0);
    ASSERT_REPR(h, "-9223372036854775808"); /* repr(-2**63) */
    hp_heap_free(h);
}
END_TEST

START_TEST(test_repr_floats)
{
    static const struct {
        double v;
        const char *want;
    } cases[] = {
        {0.1, "0.1"},
        {1e16, "1e+16"},
        {1e-05, "1e-05"},
        {1.0, "1.0"},
        {INFINITY, "inf"},
        {-INFINITY, "-inf"},
        {-0.0, "-0.0"},
        {0.0, "0.0"},
        {1e15, "1000000000000000.0"},
        {123456789012345678.0, "1.2345678901234568e+17"},
        {0.0001, "0.0001"},
        {2.5e-05, "2.5e-05"},
        {1.0 / 3, "0.3333333333333333"},
        {1e22, "1e+22"},
        {5e-324, "5e-324"},
        {1.7976931348623157e308, "1.7976931348623157e+308"},
        {2.2250738585072014e-308, "2.2250738585072014e-308"},
        {100.0, "100.0"},
        {-1.5e-07, "-1.5e-07"},
        {9007199254740993.0, "9007199254740992.0"},
        {1e23, "1e+23"},
        {123.456, "123.456"},
        {0.5, "0.5"},
        {1e16 + 2, "1.0000000000000002e+16"},
    };
    hp_heap *h = new_heap(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert_int_eq(hp_push_float(h, cases[i].v), 0);
        ASSERT_REPR(h, cases[i].want);
        ck_assert_int_eq(hp_pop(h), 0);
    }
    ck_assert_int_eq(hp_push_float(h, NAN), 0);
    ASSERT_REPR(h, "nan");
    ck_assert_int_eq(hp_push_float(h, -NAN), 0);
    ASSERT_REPR(h, "nan");
    hp_heap_free(h);
}
END_TEST

/* Every power of two round-trips through the shortest repr: the values
 * where the interval of doubles is lopsided.  Checked by reading back,
 * which fails for a repr that is too short, and by length against
 * %.17g, which catches one that is too long only loosely; the exact
 * strings for a few are CPython's. */
START_TEST(test_repr_floats_round_trip)
{
    hp_heap *h = new_heap(NULL);
    for (int e = -1074; e < 1024; e++) {
        double v = ldexp(1.0, e);
        ck_assert_int_eq(hp_push_float(h, v), 0);
        const char *s = repr_top(h);
        ck_assert_msg(strtod(s, NULL) == v, "2**%d: %s", e, s);
        ck_assert_uint_le(strlen(s), 24);
        ck_assert_int_eq(hp_pop(h), 0);
    }
    ck_assert_int_eq(hp_push_float(h, ldexp(1.0, 53)), 0);
    ASSERT_REPR(h, "9007199254740992.0");
    ck_assert_int_eq(hp_push_float(h, ldexp(1.0, 60)), 0);
    ASSERT_REPR(h, "1.152921504606847e+18");
    ck_assert_int_eq(hp_push_float(h, ldexp(1.0, -20)), 0);
    ASSERT_REPR(h, "9.5367431640625e-07");
    hp_heap_free(h);
}
END_TEST

START_TEST(test_repr_str)
{
    static const struct {
        const char *s, *want;
    } cases[] = {
        {"it's", "\"it's\""},
        {"say \"hi\"", "'say \"hi\"'"},
        {"both ' and \"", "'both \\' and \"'"},
        {"", "''"},
        {"tab\there\nnl\r\\ \x1f\x7f", "'tab\\there\\nnl\\r\\\\ \\x1f\\x7f'"},
        /* '\x80\x9f\xa0\xad\xe9' */
        {"\xc2\x80\xc2\x9f\xc2\xa0\xc2\xad\xc3\xa9",
         "'\\x80\\x9f\\xa0\\xad\xc3\xa9'"},
        /* '€\u2028\u200b\ufeff😀\U000e0001' */
        {"\xe2\x82\xac\xe2\x80\xa8\xe2\x80\x8b\xef\xbb\xbf\xf0\x9f\x98\x80"
         "\xf3\xa0\x80\x81",
         "'\xe2\x82\xac\\u2028\\u200b\\ufeff\xf0\x9f\x98\x80\\U000e0001'"},
    };
    hp_heap *h = new_heap(NULL);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        push_cstr(h, cases[i].s);
        ASSERT_REPR(h, cases[i].want);
    }
    /* NUL inside a str */
    ck_assert_int_eq(hp_push_str(h, "a\0b", 3), 0);
    ASSERT_REPR(h, "'a\\x00b'");
    hp_heap_free(h);
}
END_TEST

/* Which characters are printable follows the profile's Unicode version:
 * repr(chr(0x2ffc)) is '\u2ffc' in 3.11 and 3.12 but '⿼' in 3.13;
 * repr(chr(0x1f6dc)) is '\U0001f6dc' in 3.11, '🛜' from 3.12. */
START_TEST(test_repr_str_unicode_version)
{
    static const char *const versions[3] = {"3.11", "3.12", "3.13"};
    static const char *const want2ffc[3] = {"'\\u2ffc'", "'\\u2ffc'",
                                            "'\xe2\xbf\xbc'"};
    static const char *const want1f6dc[3] = {
        "'\\U0001f6dc'", "'\xf0\x9f\x9b\x9c'", "'\xf0\x9f\x9b\x9c'"};
    for (int i = 0; i < 3; i++) {
        hp_heap *h = new_heap(versions[i]);
        push_cstr(h, "\xe2\xbf\xbc");
        ASSERT_REPR(h, want2ffc[i]);
        push_cstr(h, "\xf0\x9f\x9b\x9c");
        ASSERT_REPR(h, want1f6dc[i]);
        hp_heap_free(h);
    }
}
END_TEST

START_TEST(test_repr_bytes)
{
    hp_heap *h = new_heap(NULL);
    ck_assert_int_eq(hp_push_bytes(h, "it's", 4), 0);
    ASSERT_REPR(h, "b\"it's\"");
    ck_assert_int_eq(hp_push_bytes(h, "q\"", 2), 0);
    ASSERT_REPR(h, "b'q\"'");
    ck_assert_int_eq(hp_push_bytes(h, "'\"", 2), 0);
    ASSERT_REPR(h, "b'\\'\"'");
    ck_assert_int_eq(hp_push_bytes(h, "\t\n\r\\\0\x7f\x80\xff~ ", 10), 0);
    ASSERT_REPR(h, "b'\\t\\n\\r\\\\\\x00\\x7f\\x80\\xff~ '");
    ck_assert_int_eq(hp_push_bytes(h, "", 0), 0);
    ASSERT_REPR(h, "b''");
    hp_heap_free(h);
}
END_TEST

START_TEST(test_tostr)
{
    hp_heap *h = new_heap(NULL);
    char b[64];
    push_cstr(h, "a'b\n");
    ck_assert_uint_eq(hp_tostr(h, top(h), b, sizeof b), 4);
    ck_assert_str_eq(b, "a'b\n"); /* str('a\'b\n') */
    ck_assert_int_eq(hp_push_float(h, 1.5), 0);
    ck_assert_uint_eq(hp_tostr(h, top(h), b, sizeof b), 3);
    ck_assert_str_eq(b, "1.5");
    ck_assert_int_eq(hp_push_bytes(h, "x", 1), 0);
    hp_tostr(h, top(h), b, sizeof b);
    ck_assert_str_eq(b, "b'x'"); /* str(b'x') */
    ck_assert_int_eq(hp_push_none(h), 0);
    hp_tostr(h, top(h), b, sizeof b);
    ck_assert_str_eq(b, "None");
    push_cstr(h, "hello");
    ck_assert_uint_eq(hp_tostr(h, top(h), b, 3), 5);
    ck_assert_str_eq(b, "he");
    hp_heap_free(h);
}
END_TEST

/* ---- containers ---------------------------------------------------------- */

START_TEST(test_repr_tuples_lists)
{
    hp_heap *h = new_heap(NULL);
    ck_assert_int_eq(hp_push_int(h, 1), 0);
    ck_assert_int_eq(hp_build_tuple(h, 1), 0);
    ASSERT_REPR(h, "(1,)");
    ck_assert_int_eq(hp_build_tuple(h, 0), 0);
    ASSERT_REPR(h, "()");
    ck_assert_int_eq(hp_push_int(h, 1), 0);
    push_cstr(h, "a");
    ck_assert_int_eq(hp_push_none(h), 0);
    ck_assert_int_eq(hp_build_tuple(h, 3), 0);
    ASSERT_REPR(h, "(1, 'a', None)");
    /* [[], [()], {}] */
    ck_assert_int_eq(hp_build_list(h, 0), 0);
    ck_assert_int_eq(hp_build_tuple(h, 0), 0);
    ck_assert_int_eq(hp_build_list(h, 1), 0);
    ck_assert_int_eq(hp_build_dict(h, 0), 0);
    ck_assert_int_eq(hp_build_list(h, 3), 0);
    ASSERT_REPR(h, "[[], [()], {}]");
    hp_heap_free(h);
}
END_TEST

START_TEST(test_repr_dict_and_sets)
{
    hp_heap *h = new_heap(NULL);
    /* {'a': 1, 2: 'b', (1,): None, 3.5: [True, False]} */
    push_cstr(h, "a");
    ck_assert_int_eq(hp_push_int(h, 1), 0);
    ck_assert_int_eq(hp_push_int(h, 2), 0);
    push_cstr(h, "b");
    ck_assert_int_eq(hp_push_int(h, 1), 0);
    ck_assert_int_eq(hp_build_tuple(h, 1), 0);
    ck_assert_int_eq(hp_push_none(h), 0);
    ck_assert_int_eq(hp_push_float(h, 3.5), 0);
    ck_assert_int_eq(hp_push_bool(h, 1), 0);
    ck_assert_int_eq(hp_push_bool(h, 0), 0);
    ck_assert_int_eq(hp_build_list(h, 2), 0);
    ck_assert_int_eq(hp_build_dict(h, 4), 0);
    ASSERT_REPR(h, "{'a': 1, 2: 'b', (1,): None, 3.5: [True, False]}");
    /* {3, 1, 2} -> {1, 2, 3} */
    ck_assert_int_eq(hp_push_int(h, 3), 0);
    ck_assert_int_eq(hp_push_int(h, 1), 0);
    ck_assert_int_eq(hp_push_int(h, 2), 0);
    ck_assert_int_eq(hp_build_set(h, 3), 0);
    ASSERT_REPR(h, "{1, 2, 3}");
    ck_assert_int_eq(hp_build_set(h, 0), 0);
    ASSERT_REPR(h, "set()");
    ck_assert_int_eq(hp_build_frozenset(h, 0), 0);
    ASSERT_REPR(h, "frozenset()");
    ck_assert_int_eq(hp_push_int(h, 1), 0);
    ck_assert_int_eq(hp_build_frozenset(h, 1), 0);
    ASSERT_REPR(h, "frozenset({1})");
    push_cstr(h, "x");
    ck_assert_int_eq(hp_build_set(h, 1), 0);
    ASSERT_REPR(h, "{'x'}");
    hp_heap_free(h);
}
END_TEST

START_TEST(test_repr_recursive)
{
    hp_heap *h = new_heap(NULL);
    /* l = [1]; l.append(l) -> [1, [...]] */
    ck_assert_int_eq(hp_push_int(h, 1), 0);
    ck_assert_int_eq(hp_build_list(h, 1), 0);
    hp_obj *l = top(h);
    ck_assert_int_eq(hp_push_obj(h, l), 0);
    ck_assert_int_eq(hp_push_obj(h, l), 0);
    ck_assert_int_eq(hp_list_append(h), 0);
    ASSERT_REPR(h, "[1, [...]]");
    /* t = ([1],); t[0].append(t) -> ([1, (...)],) */
    ck_assert_int_eq(hp_push_int(h, 1), 0);
    ck_assert_int_eq(hp_build_list(h, 1), 0);
    hp_obj *inner = top(h);
    ck_assert_int_eq(hp_build_tuple(h, 1), 0);
    hp_obj *t = top(h);
    ck_assert_int_eq(hp_push_obj(h, inner), 0);
    ck_assert_int_eq(hp_push_obj(h, t), 0);
    ck_assert_int_eq(hp_list_append(h), 0);
    ASSERT_REPR(h, "([1, (...)],)");
    /* d = {}; d['d'] = d; d['l'] = [d] -> {'d': {...}, 'l': [{...}]} */
    ck_assert_int_eq(hp_build_dict(h, 0), 0);
    hp_obj *d = top(h);
    ck_assert_int_eq(hp_push_obj(h, d), 0);
    push_cstr(h, "d");
    ck_assert_int_eq(hp_push_obj(h, d), 0);
    ck_assert_int_eq(hp_setitem(h), 0);
    ck_assert_int_eq(hp_push_obj(h, d), 0);
    push_cstr(h, "l");
    ck_assert_int_eq(hp_push_obj(h, d), 0);
    ck_assert_int_eq(hp_build_list(h, 1), 0);
    ck_assert_int_eq(hp_setitem(h), 0);
    ASSERT_REPR(h, "{'d': {...}, 'l': [{...}]}");
    hp_heap_free(h);
}
END_TEST

/* The same object twice in a container is not recursion:
 * a = [7]; [a, a] -> [[7], [7]]; {'x': a, 'y': a} -> {'x': [7], 'y': [7]} */
START_TEST(test_repr_shared_not_recursive)
{
    hp_heap *h = new_heap(NULL);
    ck_assert_int_eq(hp_push_int(h, 7), 0);
    ck_assert_int_eq(hp_build_list(h, 1), 0);
    hp_obj *a = top(h);
    ck_assert_int_eq(hp_push_obj(h, a), 0);
    ck_assert_int_eq(hp_push_obj(h, a), 0);
    ck_assert_int_eq(hp_build_list(h, 2), 0);
    ASSERT_REPR(h, "[[7], [7]]");
    push_cstr(h, "x");
    ck_assert_int_eq(hp_push_obj(h, a), 0);
    push_cstr(h, "y");
    ck_assert_int_eq(hp_push_obj(h, a), 0);
    ck_assert_int_eq(hp_build_dict(h, 2), 0);
    ASSERT_REPR(h, "{'x': [7], 'y': [7]}");
    hp_heap_free(h);
}
END_TEST

/* 40 levels: deeper than the frames kept on the C stack, well within
 * the bound.  repr of [[[...[]...]]] nested 40 deep. */
START_TEST(test_repr_nesting_40)
{
    hp_heap *h = new_heap(NULL);
    ck_assert_int_eq(hp_build_list(h, 0), 0);
    for (int i = 1; i < 40; i++)
        ck_assert_int_eq(hp_build_list(h, 1), 0);
    ck_assert_uint_eq(hp_repr(h, top(h), out, sizeof out), 80);
    for (int i = 0; i < 40; i++) {
        ck_assert_int_eq(out[i], '[');
        ck_assert_int_eq(out[40 + i], ']');
    }
    hp_heap_free(h);
}
END_TEST

START_TEST(test_repr_deep_nesting)
{
    hp_heap *h = new_heap(NULL);
    ck_assert_int_eq(hp_build_list(h, 0), 0);
    for (int i = 0; i < 5000; i++)
        ck_assert_int_eq(hp_build_list(h, 1), 0);
    size_t n = hp_repr(h, top(h), out, sizeof out);
    /* 1000 levels open, then "..." for the rest, then 1000 closes */
    ck_assert_uint_eq(n, 2003);
    for (int i = 0; i < 1000; i++) {
        ck_assert_int_eq(out[i], '[');
        ck_assert_int_eq(out[1003 + i], ']');
    }
    ck_assert_int_eq(memcmp(out + 1000, "...", 3), 0);
    hp_heap_free(h);
}
END_TEST

/* ---- user objects -------------------------------------------------------- */

static char expect[256];

START_TEST(test_repr_user_objects)
{
    hp_heap *h = new_heap(NULL);
    ck_assert_int_eq(hp_build_dict(h, 0), 0);
    ck_assert_int_eq(hp_build_class(h, "C"), 0);
    hp_obj *cls = top(h);
    ASSERT_REPR(h, "<class '__main__.C'>");
    ck_assert_int_eq(hp_dup(h), 0);
    ck_assert_int_eq(hp_new_instance(h), 0);
    hp_obj *inst = top(h);
    uint64_t id = hp_id(h, inst);
    /* <__main__.C object at 0x7f3a...>: %p style, lowercase hex */
    snprintf(expect, sizeof expect, "<__main__.C object at 0x%" PRIx64 ">", id);
    ASSERT_REPR(h, expect);
    ck_assert_ptr_null(strpbrk(out + 22, "ABCDEF"));
    /* weakref to the instance: <weakref at 0x..; to 'C' at 0x..> */
    ck_assert_int_eq(hp_dup(h), 0);
    ck_assert_int_eq(hp_push_none(h), 0);
    ck_assert_int_eq(hp_new_weakref(h), 0);
    hp_obj *wr = top(h);
    snprintf(expect, sizeof expect,
             "<weakref at 0x%" PRIx64 "; to 'C' at 0x%" PRIx64 ">",
             hp_id(h, wr), id);
    ASSERT_REPR(h, expect);
    /* drop the instance: the weakref is dead */
    ck_assert_int_eq(hp_swap(h), 0);
    ck_assert_int_eq(hp_pop(h), 0);
    snprintf(expect, sizeof expect, "<weakref at 0x%" PRIx64 "; dead>",
             hp_id(h, wr));
    ASSERT_REPR(h, expect);
    ck_assert_int_eq(hp_pop(h), 0);
    /* weakref to the class: <weakref at 0x..; to 'type' at 0x.. (C)> */
    ck_assert_int_eq(hp_dup(h), 0);
    ck_assert_int_eq(hp_push_none(h), 0);
    ck_assert_int_eq(hp_new_weakref(h), 0);
    snprintf(expect, sizeof expect,
             "<weakref at 0x%" PRIx64 "; to 'type' at 0x%" PRIx64 " (C)>",
             hp_id(h, top(h)), hp_id(h, cls));
    ASSERT_REPR(h, expect);
    /* code and function */
    ck_assert_int_eq(hp_build_code(h, "f", 0), 0);
    hp_obj *code = top(h);
    snprintf(expect, sizeof expect,
             "<code object f at 0x%" PRIx64 ", file \"<heap>\", line 1>",
             hp_id(h, code));
    ASSERT_REPR(h, expect);
    ck_assert_int_eq(hp_push_none(h), 0);
    ck_assert_int_eq(hp_build_function(h, "f"), 0);
    hp_obj *fn = top(h);
    snprintf(expect, sizeof expect, "<function f at 0x%" PRIx64 ">",
             hp_id(h, fn));
    ASSERT_REPR(h, expect);
    /* weakref to the function: ... to 'function' at 0x.. (f)> */
    ck_assert_int_eq(hp_dup(h), 0);
    ck_assert_int_eq(hp_push_none(h), 0);
    ck_assert_int_eq(hp_new_weakref(h), 0);
    snprintf(expect, sizeof expect,
             "<weakref at 0x%" PRIx64 "; to 'function' at 0x%" PRIx64 " (f)>",
             hp_id(h, top(h)), hp_id(h, fn));
    ASSERT_REPR(h, expect);
    hp_heap_free(h);
}
END_TEST

static Suite *repr_suite(void)
{
    Suite *s = suite_create("repr");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_buf_truncates_and_counts);
    tcase_add_test(tc, test_repr_truncated);
    tcase_add_test(tc, test_repr_shared_dag_is_bounded);
    tcase_add_test(tc, test_repr_constants_and_ints);
    tcase_add_test(tc, test_repr_floats);
    tcase_add_test(tc, test_repr_floats_round_trip);
    tcase_add_test(tc, test_repr_str);
    tcase_add_test(tc, test_repr_str_unicode_version);
    tcase_add_test(tc, test_repr_bytes);
    tcase_add_test(tc, test_tostr);
    tcase_add_test(tc, test_repr_tuples_lists);
    tcase_add_test(tc, test_repr_dict_and_sets);
    tcase_add_test(tc, test_repr_recursive);
    tcase_add_test(tc, test_repr_shared_not_recursive);
    tcase_add_test(tc, test_repr_nesting_40);
    tcase_add_test(tc, test_repr_deep_nesting);
    tcase_add_test(tc, test_repr_user_objects);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(repr_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
