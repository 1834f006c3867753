/*
 * test_compare.c: core/compare.c and core/seq.c -- rich comparison,
 * membership, sequence + and *, and the for-loop step, plus the stack ops
 * hp_pick and hp_sink.  Expected results and messages are CPython 3.12.1's.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "hptest.h"

static hp_heap *h;

static void setup(void)
{
    h = t_heap(NULL);
}

static void teardown(void)
{
    hp_heap_free(h);
}

/* Pushes the objects described by a tiny language: i<n> int, f<x> float,
 * s<text> str (to the next space), N None, T/F bools, L<k> a list of the
 * k items pushed before it, U<k> a tuple, S<k> a set. */
static void push(const char *spec)
{
    char word[64];
    const char *p = spec;
    while (*p) {
        size_t n = strcspn(p, " ");
        ck_assert(n < sizeof word);
        memcpy(word, p, n);
        word[n] = '\0';
        p += n + (p[n] == ' ');
        switch (word[0]) {
        case 'i':
            T_OK(h, hp_push_int(h, strtoll(word + 1, NULL, 10)));
            break;
        case 'f':
            T_OK(h, hp_push_float(h, strtod(word + 1, NULL)));
            break;
        case 's':
            t_push_cstr(h, word + 1);
            break;
        case 'N':
            T_OK(h, hp_push_none(h));
            break;
        case 'T':
        case 'F':
            T_OK(h, hp_push_bool(h, word[0] == 'T'));
            break;
        case 'L':
            T_OK(h, hp_build_list(h, (uint32_t)atoi(word + 1)));
            break;
        case 'U':
            T_OK(h, hp_build_tuple(h, (uint32_t)atoi(word + 1)));
            break;
        case 'S':
            T_OK(h, hp_build_set(h, (uint32_t)atoi(word + 1)));
            break;
        default:
            ck_abort_msg("bad spec word %s", word);
        }
    }
}

/* Pushes a, b, compares them, returns the bool and pops it. */
static int cmp(const char *a, const char *b, hp_cmp op)
{
    uint32_t base = hp_stack_size(h);
    push(a);
    push(b);
    T_OK(h, hp_compare(h, op));
    ck_assert_uint_eq(hp_stack_size(h), base + 1);
    int r = hp_truth(hp_peek(h, 0));
    T_OK(h, hp_pop(h));
    return r;
}

START_TEST(numbers_compare_by_value)
{
    ck_assert_int_eq(cmp("i1", "f1.0", HP_CMP_EQ), 1);
    ck_assert_int_eq(cmp("T", "i1", HP_CMP_EQ), 1);
    ck_assert_int_eq(cmp("i2", "f2.5", HP_CMP_LT), 1);
    ck_assert_int_eq(cmp("f2.5", "i2", HP_CMP_LE), 0);
    ck_assert_int_eq(cmp("i9007199254740993", "f9007199254740992", HP_CMP_GT),
                     1);
    ck_assert_int_eq(cmp("fnan", "fnan", HP_CMP_EQ), 0);
    ck_assert_int_eq(cmp("fnan", "i1", HP_CMP_NE), 1);
    ck_assert_int_eq(cmp("fnan", "i1", HP_CMP_LT), 0);
    ck_assert_int_eq(cmp("fnan", "i1", HP_CMP_GE), 0);
    ck_assert_int_eq(cmp("N", "N", HP_CMP_EQ), 1);
    ck_assert_int_eq(cmp("N", "i0", HP_CMP_EQ), 0);
    ck_assert_int_eq(cmp("N", "i0", HP_CMP_NE), 1);
}
END_TEST

START_TEST(strings_and_sequences_order)
{
    ck_assert_int_eq(cmp("sabc", "sabd", HP_CMP_LT), 1);
    ck_assert_int_eq(cmp("sab", "sabc", HP_CMP_LT), 1);
    ck_assert_int_eq(cmp("sb", "sabc", HP_CMP_GT), 1);
    ck_assert_int_eq(cmp("sé", "sz", HP_CMP_GT), 1); /* code point order */
    ck_assert_int_eq(cmp("i1 i2 L2", "i1 i2 L2", HP_CMP_EQ), 1);
    ck_assert_int_eq(cmp("i1 i2 L2", "i1 i3 L2", HP_CMP_LT), 1);
    ck_assert_int_eq(cmp("i1 i2 U2", "i1 i2 i0 U3", HP_CMP_LT), 1);
    ck_assert_int_eq(cmp("i1 i2 U2", "i1 i2 L2", HP_CMP_EQ), 0);
    ck_assert_int_eq(cmp("i1 i2 U2", "i1 i2 L2", HP_CMP_NE), 1);
    ck_assert_int_eq(cmp("i1 i2 S2", "i2 i1 i3 S3", HP_CMP_LT), 1);
    ck_assert_int_eq(cmp("i1 i2 S2", "i2 i1 S2", HP_CMP_LT), 0);
    ck_assert_int_eq(cmp("i1 i2 S2", "i2 i1 S2", HP_CMP_LE), 1);
    ck_assert_int_eq(cmp("i1 i4 S2", "i2 i1 i3 S3", HP_CMP_LE), 0);
    T_CHECK(h);
}
END_TEST

START_TEST(ordering_mixed_types_is_a_type_error)
{
    push("i1 i2 L2 i3");
    T_ERR(h, hp_compare(h, HP_CMP_LT), HP_E_TYPE,
          "'<' not supported between instances of 'list' and 'int'");
    ck_assert_uint_eq(hp_stack_size(h), 2);
    T_OK(h, hp_pop(h));
    push("N");
    T_ERR(h, hp_compare(h, HP_CMP_GE), HP_E_TYPE,
          "'>=' not supported between instances of 'list' and 'NoneType'");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    /* the failing item comparison inside a list is reported */
    push("i1 sa L2 i1 i2 L2");
    T_ERR(h, hp_compare(h, HP_CMP_LT), HP_E_TYPE,
          "'<' not supported between instances of 'str' and 'int'");
}
END_TEST

static int contains(const char *c, const char *x)
{
    push(c);
    push(x);
    T_OK(h, hp_contains(h));
    int r = hp_truth(hp_peek(h, 0));
    T_OK(h, hp_pop(h));
    return r;
}

START_TEST(membership)
{
    ck_assert_int_eq(contains("i1 i2 L2", "f2.0"), 1);
    ck_assert_int_eq(contains("i1 i2 L2", "i3"), 0);
    ck_assert_int_eq(contains("i1 sx U2", "sx"), 1);
    ck_assert_int_eq(contains("i1 i2 S2", "T"), 1);
    ck_assert_int_eq(contains("shello", "sell"), 1);
    ck_assert_int_eq(contains("shello", "sz"), 0);
    push("sabc");
    T_OK(h, hp_push_str(h, "", 0));
    T_OK(h, hp_contains(h)); /* '' in 'abc' */
    ck_assert_int_eq(hp_truth(hp_peek(h, 0)), 1);
    T_OK(h, hp_pop(h));
    push("sabc i1");
    T_ERR(h, hp_contains(h), HP_E_TYPE,
          "'in <string>' requires string as left operand, not int");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    ck_assert_uint_eq(hp_stack_size(h), 0);
}
END_TEST

START_TEST(unhashable_membership_in_a_set)
{
    push("i1 S1 i1 L1");
    T_ERR(h, hp_contains(h), HP_E_TYPE, "unhashable type: 'list'");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    push("i7 i7");
    T_ERR(h, hp_contains(h), HP_E_TYPE,
          "argument of type 'int' is not iterable");
}
END_TEST

START_TEST(sequence_concat_and_repeat)
{
    push("i1 i2 L2 i3 L1");
    T_OK(h, hp_seq_binary(h, '+'));
    ck_assert_str_eq(t_repr_top(h), "[1, 2, 3]");
    /* exactly three slots: 56 + 3 * 8, where an appended list has 88 */
    ck_assert_uint_eq(hp_getsizeof(h, hp_peek(h, 0)), 80);
    ck_assert_int_eq(hp_gc_is_tracked(hp_peek(h, 0)), 1);
    push("i2");
    T_OK(h, hp_seq_binary(h, '*'));
    ck_assert_str_eq(t_repr_top(h), "[1, 2, 3, 1, 2, 3]");
    T_OK(h, hp_pop(h));
    push("sab i3");
    T_OK(h, hp_seq_binary(h, '*'));
    ck_assert_str_eq(t_repr_top(h), "'ababab'");
    push("scd");
    T_OK(h, hp_seq_binary(h, '+'));
    ck_assert_str_eq(t_repr_top(h), "'abababcd'");
    push("i1");
    T_ERR(h, hp_seq_binary(h, '+'), HP_E_TYPE,
          "can only concatenate str (not \"int\") to str");
    T_OK(h, hp_pop(h));
    push("i1 L1");
    T_ERR(h, hp_seq_binary(h, '+'), HP_E_TYPE,
          "can only concatenate str (not \"list\") to str");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    push("i1 U1 i1 L1");
    T_ERR(h, hp_seq_binary(h, '+'), HP_E_TYPE,
          "can only concatenate tuple (not \"list\") to tuple");
    T_OK(h, hp_pop(h));
    push("f1.5");
    T_ERR(h, hp_seq_binary(h, '*'), HP_E_TYPE,
          "can't multiply sequence by non-int of type 'float'");
    T_OK(h, hp_pop(h));
    push("i-1");
    T_OK(h, hp_seq_binary(h, '*'));
    ck_assert_str_eq(t_repr_top(h), "()");
    T_CHECK(h);
}
END_TEST

/* Runs a loop over the top of the stack with mode, collecting reprs. */
static void loop(hp_iter_mode mode, int64_t expect, char *out, size_t cap)
{
    out[0] = '\0';
    for (uint64_t i = 0;; i++) {
        int rc = hp_iter_next(h, 0, i, mode, expect);
        if (rc == HP_E_STOP)
            break;
        T_OK(h, rc);
        int n = mode == HP_ITER_ITEMS ? 2 : 1;
        for (int k = n - 1; k >= 0; k--) {
            strncat(out, t_repr(h, hp_peek(h, (uint32_t)k)),
                    cap - strlen(out) - 2);
            strcat(out, k ? ":" : " ");
        }
        while (n--)
            T_OK(h, hp_pop(h));
    }
}

START_TEST(for_loop_steps)
{
    char out[256];
    push("i1 sb N L3");
    loop(HP_ITER_KEYS, -1, out, sizeof out);
    ck_assert_str_eq(out, "1 'b' None ");
    T_OK(h, hp_pop(h));
    push("sé😀x");
    loop(HP_ITER_KEYS, -1, out, sizeof out);
    ck_assert_str_eq(out, "'é' '😀' 'x' ");
    T_OK(h, hp_pop(h));
    push("sa i1 sb i2");
    T_OK(h, hp_build_dict(h, 2));
    loop(HP_ITER_KEYS, 2, out, sizeof out);
    ck_assert_str_eq(out, "'a' 'b' ");
    loop(HP_ITER_VALUES, 2, out, sizeof out);
    ck_assert_str_eq(out, "1 2 ");
    loop(HP_ITER_ITEMS, 2, out, sizeof out);
    ck_assert_str_eq(out, "'a':1 'b':2 ");
    T_ERR(h, hp_iter_next(h, 0, 0, HP_ITER_KEYS, 3), HP_E_RUNTIME,
          "dictionary changed size during iteration");
    /* after a deletion the ordinal still counts live entries */
    T_OK(h, hp_dup(h));
    push("sa");
    T_OK(h, hp_delitem(h));
    loop(HP_ITER_KEYS, 1, out, sizeof out);
    ck_assert_str_eq(out, "'b' ");
    T_OK(h, hp_pop(h));
    push("i3 i1 i2 S3");
    loop(HP_ITER_KEYS, 3, out, sizeof out);
    ck_assert_str_eq(out, "1 2 3 ");
    T_ERR(h, hp_iter_next(h, 0, 0, HP_ITER_KEYS, 2), HP_E_RUNTIME,
          "Set changed size during iteration");
    T_OK(h, hp_pop(h));
    push("i5");
    T_ERR(h, hp_iter_next(h, 0, 0, HP_ITER_KEYS, -1), HP_E_TYPE,
          "'int' object is not iterable");
    /* the iterable may sit below other items */
    push("i1 i2 L2 i9");
    T_OK(h, hp_iter_next(h, 1, 1, HP_ITER_KEYS, -1));
    ck_assert_str_eq(t_repr_top(h), "2");
    T_CHECK(h);
}
END_TEST

START_TEST(pick_and_sink)
{
    push("i10 i11 i12");
    T_OK(h, hp_pick(h, 2));
    ck_assert_str_eq(t_repr_top(h), "10");
    ck_assert_uint_eq(hp_stack_size(h), 4);
    T_OK(h, hp_sink(h, 3)); /* [10, 10, 11, 12] */
    ck_assert_str_eq(t_repr(h, hp_peek(h, 3)), "10");
    ck_assert_str_eq(t_repr(h, hp_peek(h, 2)), "10");
    ck_assert_str_eq(t_repr(h, hp_peek(h, 0)), "12");
    T_OK(h, hp_roll(h, 3));
    T_OK(h, hp_sink(h, 3)); /* ROLL then SINK restores the order */
    ck_assert_str_eq(t_repr(h, hp_peek(h, 3)), "10");
    ck_assert_str_eq(t_repr(h, hp_peek(h, 0)), "12");
    T_ERR(h, hp_pick(h, 4), HP_E_STACK, NULL);
    T_ERR(h, hp_sink(h, 4), HP_E_STACK, NULL);
    ck_assert_uint_eq(hp_stack_size(h), 4);
    T_CHECK(h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("compare");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, numbers_compare_by_value);
    tcase_add_test(tc, strings_and_sequences_order);
    tcase_add_test(tc, ordering_mixed_types_is_a_type_error);
    tcase_add_test(tc, membership);
    tcase_add_test(tc, unhashable_membership_in_a_set);
    tcase_add_test(tc, sequence_concat_and_repeat);
    tcase_add_test(tc, for_loop_steps);
    tcase_add_test(tc, pick_and_sink);
    suite_add_tcase(s, tc);
    return t_run(s);
}
