/*
 * test_set.c: core/set.c, set and frozenset.
 *
 * Expected orders and sizes were measured with CPython 3.12.1 (the same in
 * 3.11 and 3.13): iteration order is what repr shows, so it must match.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dictset.h"
#include "hptest.h"
#include "internal.h"

static hp_heap *h;

static void setup(void)
{
    h = t_heap(NULL);
}

static void teardown(void)
{
    hp_heap_free(h);
}

/* ---- helpers ------------------------------------------------------------- */

static hp_obj *I(int64_t v)
{
    hp_obj *o = hp__new_int(h, v);
    ck_assert_ptr_nonnull(o);
    return o;
}

static hp_obj *S(const char *s)
{
    hp_obj *o = hp__new_str(h, s, strlen(s));
    ck_assert_ptr_nonnull(o);
    return o;
}

static hp_obj *F(double v)
{
    hp_obj *o = hp__new_float(h, v);
    ck_assert_ptr_nonnull(o);
    return o;
}

/* A tuple of n ints. */
static hp_obj *TI(uint32_t n, ...)
{
    hp_obj *t = hp__new_tuple(h, n);
    ck_assert_ptr_nonnull(t);
    va_list ap;
    va_start(ap, n);
    for (uint32_t i = 0; i < n; i++)
        ((hp_tuple *)t)->items[i] = I(va_arg(ap, int64_t));
    va_end(ap);
    return t;
}

static void rel(hp_obj *o)
{
    hp__decref(h, o);
}

static void rel_set(hp_set *s)
{
    hp__decref(h, &s->gc.ob);
}

static hp_set *new_set(bool frozen)
{
    hp_obj *o = hp__set_new(h, frozen);
    ck_assert_ptr_nonnull(o);
    return (hp_set *)o;
}

static void check_set(hp_set *s)
{
    int rc = hp__set_check(h, s);
    ck_assert_msg(rc == 0, "set invariant: %s", hp_errmsg(h));
}

/* s.add(o), releasing the caller's o. */
static void add(hp_set *s, hp_obj *o)
{
    int rc = hp__set_add(h, s, o);
    ck_assert_msg(rc == 0, "set_add: %s", hp_errmsg(h));
    rel(o);
}

static bool discard(hp_set *s, hp_obj *o)
{
    bool found = false;
    ck_assert_int_eq(hp__set_discard(h, s, o, &found), 0);
    rel(o);
    return found;
}

static bool contains(hp_set *s, hp_obj *o)
{
    bool found = false;
    ck_assert_int_eq(hp__set_contains(h, s, o, &found), 0);
    rel(o);
    return found;
}

/* A set built by adding the ints in order: BUILD_SET n, set(iterable),
 * or successive s.add() calls. */
static hp_set *by_adds(bool frozen, const int64_t *v, size_t n)
{
    hp_set *s = new_set(frozen);
    for (size_t i = 0; i < n; i++)
        add(s, I(v[i]));
    return s;
}

/* What CPython 3.11-3.13 make of a display of three or more constants,
 * {c0, c1, ...}: the compiler builds frozenset(consts), then its constant
 * merging re-creates it by adding the items in that frozenset's order,
 * and the code runs BUILD_SET 0; SET_UPDATE with it.  Takes the items. */
static hp_set *display_of(hp_obj **items, size_t n)
{
    hp_set *f1 = new_set(true), *f2 = new_set(true), *s = new_set(false);
    for (size_t i = 0; i < n; i++)
        add(f1, items[i]);
    uint64_t pos = 0;
    hp_obj *k;
    while (hp__set_next(f1, &pos, &k))
        ck_assert_int_eq(hp__set_add(h, f2, k), 0);
    ck_assert_int_eq(hp__set_update(h, s, f2), 0);
    rel_set(f1);
    rel_set(f2);
    return s;
}

static hp_set *display_ints(const int64_t *v, size_t n)
{
    hp_obj *items[64];
    ck_assert_uint_le(n, 64);
    for (size_t i = 0; i < n; i++)
        items[i] = I(v[i]);
    return display_of(items, n);
}

static int64_t int_of(const hp_obj *o)
{
    ck_assert(o->type == HP_T_INT || o->type == HP_T_BOOL);
    return ((const hp_int *)o)->v;
}

/* The set iterates want[0..n) and has that many items. */
static void assert_order(hp_set *s, const int64_t *want, size_t n)
{
    uint64_t pos = 0;
    hp_obj *k;
    size_t i = 0;
    while (hp__set_next(s, &pos, &k)) {
        ck_assert_uint_lt(i, n);
        ck_assert_msg(int_of(k) == want[i], "item %zu: %lld, CPython %lld", i,
                      (long long)int_of(k), (long long)want[i]);
        i++;
    }
    ck_assert_uint_eq(i, n);
    ck_assert_uint_eq(s->gc.n, n);
    check_set(s);
}

#define N(a)      (sizeof(a) / sizeof((a)[0]))
#define SIGNED(x) ((uint64_t)(int64_t)(x))

/* ---- order --------------------------------------------------------------- */

START_TEST(order_by_adds)
{
    static const int64_t a1[] = {100, 5, 37}, w1[] = {37, 100, 5};
    static const int64_t a2[] = {9, 1, 17, 25, 33}, w2[] = {33, 1, 9, 17, 25};
    static const int64_t a3[] = {64, 0, 32, 16, 8, 128, 256},
                         w3[] = {64, 0, 32, 128, 256, 8, 16};
    static const int64_t a4[] = {1000, 2000, 3000, 4000, 5000, 6000},
                         w4[] = {4000, 1000, 5000, 2000, 6000, 3000};
    static const int64_t w5[] = {32, 2,  35, 5,  38, 8,  41, 11, 44,
                                 14, 47, 17, 50, 20, 23, 26, 29};
    static const struct {
        const int64_t *add, *want;
        size_t n;
        uint64_t size;
    } tab[] = {
        {a1, w1, 3, 216}, {a2, w2, 5, 728}, {a3, w3, 7, 728}, {a4, w4, 6, 728}};
    for (size_t t = 0; t < N(tab); t++) {
        hp_set *s = by_adds(false, tab[t].add, tab[t].n);
        assert_order(s, tab[t].want, tab[t].n);
        ck_assert_uint_eq(hp__set_sizeof(h, s), tab[t].size);
        rel_set(s);
    }
    int64_t a5[17];
    for (int i = 0; i < 17; i++)
        a5[i] = 50 - 3 * i; /* set(range(50, 0, -3)) */
    hp_set *s = by_adds(false, a5, 17);
    assert_order(s, w5, 17);
    ck_assert_uint_eq(hp__set_sizeof(h, s), 728);
    rel_set(s);
    /* set(range(20, 0, -1)) iterates 1..20 */
    int64_t down[20], up[20];
    for (int i = 0; i < 20; i++) {
        down[i] = 20 - i;
        up[i] = i + 1;
    }
    s = by_adds(false, down, 20);
    assert_order(s, up, 20);
    ck_assert_uint_eq(hp__set_sizeof(h, s), 2264);
    rel_set(s);
}
END_TEST

START_TEST(order_of_displays)
{
    static const int64_t d1[] = {3, 1, 2}, w1[] = {1, 2, 3};
    static const int64_t d2[] = {100, 5, 37}, w2[] = {5, 100, 37};
    static const int64_t d3[] = {-1, -2, 7, 8}, w3[] = {8, -2, -1, 7};
    static const int64_t d4[] = {8, 16, 24, 0}, w4[] = {8, 16, 24, 0};
    static const int64_t d5[] = {2305843009213693951LL, 2305843009213693952LL,
                                 1, 0};
    static const struct {
        const int64_t *items, *want;
        size_t n;
    } tab[] = {{d1, w1, 3}, {d2, w2, 3}, {d3, w3, 4}, {d4, w4, 4}, {d5, d5, 4}};
    for (size_t t = 0; t < N(tab); t++) {
        hp_set *s = display_ints(tab[t].items, tab[t].n);
        assert_order(s, tab[t].want, tab[t].n);
        rel_set(s);
    }
}
END_TEST

START_TEST(order_of_tuples_and_floats)
{
    /* {(1, 2), (3, 4), (5, 6), (), (1,), ((1, 2), 3)} */
    hp_obj *nested = hp__new_tuple(h, 2);
    ck_assert_ptr_nonnull(nested);
    ((hp_tuple *)nested)->items[0] = TI(2, 1, 2);
    ((hp_tuple *)nested)->items[1] = I(3);
    hp_obj *items[] = {TI(2, 1, 2), TI(2, 3, 4), TI(2, 5, 6),
                       TI(0),       TI(1, 1),    nested};
    hp_obj *want[] = {TI(1, 1),    TI(2, 1, 2),        TI(2, 3, 4),
                      TI(2, 5, 6), hp__incref(nested), TI(0)};
    hp_set *s = display_of(items, N(items));
    uint64_t pos = 0;
    hp_obj *k;
    for (size_t i = 0; i < N(want); i++) {
        ck_assert(hp__set_next(s, &pos, &k));
        ck_assert_msg(hp__eq(k, want[i]), "item %zu", i);
        rel(want[i]);
    }
    ck_assert(!hp__set_next(s, &pos, &k));
    rel_set(s);
    /* {1.5, 2.5, -3.5} keeps that order */
    hp_obj *fl[] = {F(1.5), F(2.5), F(-3.5)};
    double fw[] = {1.5, 2.5, -3.5};
    s = display_of(fl, 3);
    pos = 0;
    for (size_t i = 0; i < 3; i++) {
        ck_assert(hp__set_next(s, &pos, &k));
        ck_assert(k->type == HP_T_FLOAT && ((hp_float *)k)->v == fw[i]);
    }
    rel_set(s);
}
END_TEST

START_TEST(order_with_dummies)
{
    /* s = set(range(10)); discard evens; add 20..26 */
    int64_t r10[10];
    for (int i = 0; i < 10; i++)
        r10[i] = i;
    hp_set *s = by_adds(false, r10, 10);
    for (int i = 0; i < 10; i += 2)
        ck_assert(discard(s, I(i)));
    check_set(s);
    ck_assert_uint_eq(s->fill, 10);
    for (int i = 20; i < 27; i++)
        add(s, I(i));
    static const int64_t w1[] = {1, 3, 5, 7, 9, 20, 21, 22, 23, 24, 25, 26};
    assert_order(s, w1, N(w1));
    ck_assert_uint_eq(hp__set_sizeof(h, s), 728);
    rel_set(s);
    /* add 0..4, discard 0..3 -> [4]; add 8, 16, 24 -> [4, 8, 16, 24] */
    s = by_adds(false, r10, 5);
    for (int i = 0; i < 4; i++)
        ck_assert(discard(s, I(i)));
    static const int64_t w2[] = {4};
    assert_order(s, w2, 1);
    ck_assert_uint_eq(hp__set_sizeof(h, s), 728);
    add(s, I(8));
    add(s, I(16));
    add(s, I(24));
    static const int64_t w3[] = {4, 8, 16, 24};
    assert_order(s, w3, 4);
    ck_assert_uint_eq(hp__set_sizeof(h, s), 728);
    ck_assert(!discard(s, I(99)));
    rel_set(s);
}
END_TEST

START_TEST(order_dummies_reused)
{
    /* rounds of 4 adds and 4 discards: 216 after the first, then 472 */
    hp_set *s = new_set(false);
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < 4; i++)
            add(s, I(round * 8 + i));
        for (int i = 0; i < 4; i++)
            ck_assert(discard(s, I(round * 8 + i)));
        check_set(s);
        ck_assert_uint_eq(hp__set_sizeof(h, s), round ? 472 : 216);
    }
    ck_assert_uint_eq(s->gc.n, 0);
    rel_set(s);
    /* add 0..3, discard them, add 4: the minimum table is rebuilt in
     * place (no allocation); then 12 and 20 -> [20, 4, 12] */
    static const int64_t r4[] = {0, 1, 2, 3};
    s = by_adds(false, r4, 4);
    for (int i = 0; i < 4; i++)
        ck_assert(discard(s, I(i)));
    hp_obj *four = I(4);
    hp_heap_fail_nth(h, 1); /* any allocation would fail */
    ck_assert_int_eq(hp__set_add(h, s, four), 0);
    hp_heap_fail_nth(h, 0);
    rel(four);
    static const int64_t w1[] = {4};
    assert_order(s, w1, 1);
    ck_assert_uint_eq(s->fill, 1);
    add(s, I(12));
    add(s, I(20));
    static const int64_t w2[] = {20, 4, 12};
    assert_order(s, w2, 3);
    ck_assert_uint_eq(hp__set_sizeof(h, s), 216);
    rel_set(s);
}
END_TEST

static uint64_t fold(uint64_t f, int64_t v)
{
    return f * 1000003u ^ (uint64_t)v;
}

START_TEST(order_mixed_workload)
{
    /* s.add((i*7919) % 1000) for 400 i; discard multiples of 3; add 31*i
     * for i in 2000..2099: CPython's len, getsizeof and a fold of the
     * iteration order (which starts 63488, 2, 5, 28, 31, 63519, ...) */
    hp_set *s = new_set(false);
    for (int i = 0; i < 400; i++)
        add(s, I((i * 7919) % 1000));
    for (int i = 0; i < 1000; i += 3)
        discard(s, I(i));
    for (int i = 2000; i < 2100; i++)
        add(s, I(i * 31));
    ck_assert_uint_eq(s->gc.n, 366);
    ck_assert_uint_eq(hp__set_sizeof(h, s), 32984);
    static const int64_t head[] = {63488, 2, 5, 28, 31, 63519, 34, 37, 40, 43};
    uint64_t f = 0, pos = 0;
    hp_obj *k;
    for (size_t i = 0; hp__set_next(s, &pos, &k); i++) {
        if (i < N(head))
            ck_assert_int_eq(int_of(k), head[i]);
        f = fold(f, int_of(k));
    }
    ck_assert_uint_eq(f, 17369827081094513221ULL);
    check_set(s);
    rel_set(s);
}
END_TEST

/* ---- sizes --------------------------------------------------------------- */

START_TEST(sizes_by_adds)
{
    static const struct {
        uint32_t n;
        uint64_t size;
    } tab[] = {{0, 216},         {5, 728},         {19, 2264},
               {77, 8408},       {307, 32984},     {1229, 131288},
               {4915, 524504},   {19661, 2097368}, {78643, 4194520},
               {157286, 8388824}}; /* past 50000 the table only doubles */
    hp_set *s = new_set(false);
    size_t t = 0;
    for (uint32_t n = 0; n <= 200000; n++) {
        if (n)
            add(s, I(n));
        while (t + 1 < N(tab) && tab[t + 1].n <= n)
            t++;
        if (n < 2000 || n % 97 == 0 || n == tab[t].n)
            ck_assert_msg(hp__set_sizeof(h, s) == tab[t].size,
                          "len %u: %llu, CPython %llu", n,
                          (unsigned long long)hp__set_sizeof(h, s),
                          (unsigned long long)tab[t].size);
    }
    check_set(s);
    rel_set(s);
}
END_TEST

START_TEST(sizes_of_displays)
{
    /* getsizeof({0, 1, ..., n-1}) for n = 3..19, a display of constants */
    static const uint64_t want[20] = {0,   0,   0,    216,  216,  472, 472,
                                      472, 728, 728,  728,  728,  728, 728,
                                      728, 728, 1240, 1240, 1240, 1240};
    for (int n = 3; n < 20; n++) {
        int64_t v[20];
        for (int i = 0; i < n; i++)
            v[i] = i;
        hp_set *s = display_ints(v, (size_t)n);
        ck_assert_msg(hp__set_sizeof(h, s) == want[n], "n=%d: %llu", n,
                      (unsigned long long)hp__set_sizeof(h, s));
        rel_set(s);
    }
    hp_set *s = new_set(true);
    ck_assert_uint_eq(hp__set_sizeof(h, s), 216); /* frozenset() */
    rel_set(s);
}
END_TEST

START_TEST(update_into_nonempty)
{
    int64_t a[] = {1, 2, 3}, b[] = {3, 4, 5, 6, 7, 8, 9, 10};
    hp_set *s = by_adds(false, a, 3), *o = by_adds(true, b, 8);
    ck_assert_int_eq(hp__set_update(h, s, o), 0);
    ck_assert_uint_eq(s->gc.n, 10);
    check_set(s);
    for (int i = 1; i <= 10; i++)
        ck_assert(contains(s, I(i)));
    /* s |= s and s |= set() change nothing */
    hp_set *e = new_set(false);
    ck_assert_int_eq(hp__set_update(h, s, s), 0);
    ck_assert_int_eq(hp__set_update(h, s, e), 0);
    ck_assert_uint_eq(s->gc.n, 10);
    ck_assert_int_eq(hp__set_update(h, e, s), 0);
    ck_assert(hp__set_eq(e, s));
    rel_set(e);
    rel_set(s);
    rel_set(o);
}
END_TEST

/* ---- hashing and equality ------------------------------------------------ */

static uint64_t fs_hash(const int64_t *v, size_t n)
{
    hp_set *s = by_adds(true, v, n);
    uint64_t x;
    ck_assert_int_eq(hp__hash(h, &s->gc.ob, &x), 0);
    ck_assert_uint_eq(x, hp__set_hash(s));
    rel_set(s);
    return x;
}

START_TEST(frozenset_hash)
{
    static const int64_t one[] = {1}, two[] = {1, 2}, three[] = {1, 2, 3},
                         neg[] = {-1, -2}, zero[] = {0};
    ck_assert_uint_eq(fs_hash(NULL, 0), SIGNED(133146708735736LL));
    ck_assert_uint_eq(fs_hash(one, 1), SIGNED(-558064481276695278LL));
    ck_assert_uint_eq(fs_hash(two, 2), SIGNED(-1826646154956904602LL));
    ck_assert_uint_eq(fs_hash(three, 3), SIGNED(-272375401224217160LL));
    ck_assert_uint_eq(fs_hash(neg, 2), SIGNED(399283329322573LL));
    ck_assert_uint_eq(fs_hash(zero, 1), SIGNED(-2704248722033767810LL));
    int64_t r100[100];
    for (int i = 0; i < 100; i++)
        r100[i] = 99 - i;
    ck_assert_uint_eq(fs_hash(r100, 100), SIGNED(4411996150312757951LL));
    /* frozenset({(1, 2), 3.5, 'a'}), str hashed as under PYTHONHASHSEED=0 */
    hp_set *s = new_set(true);
    add(s, TI(2, 1, 2));
    add(s, F(3.5));
    add(s, S("a"));
    ck_assert_uint_eq(hp__set_hash(s), SIGNED(-4998702567863426591LL));
    rel_set(s);
}
END_TEST

START_TEST(frozenset_hash_ignores_history)
{
    /* dummies and table size do not change the hash */
    static const int64_t two[] = {1, 2};
    uint64_t want = fs_hash(two, 2);
    hp_set *s = new_set(true);
    for (int i = 0; i < 40; i++)
        add(s, I(i + 1));
    for (int i = 2; i < 40; i++)
        ck_assert(discard(s, I(i + 1)));
    ck_assert_uint_eq(hp__set_hash(s), want);
    rel_set(s);
}
END_TEST

START_TEST(unhashable_items)
{
    hp_set *s = new_set(false);
    add(s, I(1));
    hp_obj *bad[] = {hp__new_list(h, 0), hp__dict_new(h),
                     hp__set_new(h, false)};
    const char *msg[] = {"unhashable type: 'list'", "unhashable type: 'dict'",
                         "unhashable type: 'set'"};
    for (size_t i = 0; i < N(bad); i++) {
        ck_assert_ptr_nonnull(bad[i]);
        ck_assert_int_eq(hp__set_add(h, s, bad[i]), HP_E_TYPE);
        ck_assert_str_eq(hp_errmsg(h), msg[i]);
        ck_assert_uint_eq(s->gc.n, 1);
    }
    bool found = true;
    ck_assert_int_eq(hp__set_contains(h, s, bad[0], &found), HP_E_TYPE);
    ck_assert_int_eq(hp__set_discard(h, s, bad[1], &found), HP_E_TYPE);
    check_set(s);
    for (size_t i = 0; i < N(bad); i++)
        rel(bad[i]);
    rel_set(s);
}
END_TEST

START_TEST(set_key_means_frozenset)
{
    /* {1, 2} in {frozenset({1, 2})} is True; discard works the same way */
    static const int64_t two[] = {1, 2};
    hp_set *outer = new_set(false), *fs = by_adds(true, two, 2);
    add(outer, &fs->gc.ob);
    hp_set *probe = by_adds(false, two, 2);
    ck_assert(contains(outer, hp__incref(&probe->gc.ob)));
    ck_assert(discard(outer, hp__incref(&probe->gc.ob)));
    ck_assert_uint_eq(outer->gc.n, 0);
    rel_set(probe);
    rel_set(outer);
}
END_TEST

START_TEST(numeric_members_collapse)
{
    hp_set *s = new_set(false);
    add(s, I(1));
    add(s, F(1.0));
    add(s, hp__bool(h, 1));
    ck_assert_uint_eq(s->gc.n, 1);
    uint64_t pos = 0;
    hp_obj *k;
    ck_assert(hp__set_next(s, &pos, &k));
    ck_assert_int_eq(k->type, HP_T_INT); /* the first one stays */
    ck_assert(contains(s, F(1.0)));
    ck_assert(discard(s, hp__bool(h, 1)));
    ck_assert_uint_eq(s->gc.n, 0);
    rel_set(s);
}
END_TEST

START_TEST(set_equality)
{
    static const int64_t a[] = {1, 2, 3}, b[] = {3, 2, 1}, c[] = {1, 2, 4};
    hp_set *x = by_adds(false, a, 3), *y = by_adds(true, b, 3),
           *z = by_adds(false, c, 3), *w = by_adds(false, a, 2);
    ck_assert(hp__eq(&x->gc.ob, &y->gc.ob)); /* set == frozenset */
    ck_assert(hp__eq(&y->gc.ob, &x->gc.ob));
    ck_assert(!hp__eq(&x->gc.ob, &z->gc.ob));
    ck_assert(!hp__eq(&x->gc.ob, &w->gc.ob));
    rel_set(x);
    rel_set(y);
    rel_set(z);
    rel_set(w);
}
END_TEST

START_TEST(set_of_frozensets)
{
    /* {frozenset({1}), frozenset({2}), frozenset({1, 2}), frozenset()},
     * made by BUILD_SET 4 (the items are not constants) */
    static const int64_t one[] = {1}, two[] = {2}, both[] = {1, 2};
    hp_set *items[] = {by_adds(true, one, 1), by_adds(true, two, 1),
                       by_adds(true, both, 2), by_adds(true, NULL, 0)};
    hp_set *s = new_set(false);
    for (size_t i = 0; i < 4; i++)
        ck_assert_int_eq(hp__set_add(h, s, &items[i]->gc.ob), 0);
    static const size_t want[] = {3, 1, 0, 2};
    uint64_t pos = 0;
    hp_obj *k;
    for (size_t i = 0; i < 4; i++) {
        ck_assert(hp__set_next(s, &pos, &k));
        ck_assert_ptr_eq(k, &items[want[i]]->gc.ob);
    }
    for (size_t i = 0; i < 4; i++)
        rel_set(items[i]);
    rel_set(s);
}
END_TEST

/* ---- references, tracking, detach ---------------------------------------- */

START_TEST(set_references)
{
    hp_set *s = new_set(false);
    hp_obj *k1 = I(500001), *k2 = I(500001);
    ck_assert_int_eq(hp__set_add(h, s, k1), 0);
    ck_assert_uint_eq(k1->refcnt, 2);
    ck_assert_int_eq(hp__set_add(h, s, k2), 0); /* equal: not added */
    ck_assert_uint_eq(k2->refcnt, 1);
    ck_assert_uint_eq(s->gc.n, 1);
    bool found;
    ck_assert_int_eq(hp__set_discard(h, s, k2, &found), 0);
    ck_assert(found);
    ck_assert_uint_eq(k1->refcnt, 1);
    ck_assert_int_eq(hp__set_add(h, s, k1), 0);
    ck_assert_int_eq(hp__set_add(h, s, k1), 0);
    ck_assert_uint_eq(k1->refcnt, 2);
    hp__set_clear(h, s);
    ck_assert_uint_eq(k1->refcnt, 1);
    ck_assert_uint_eq(s->gc.n, 0);
    ck_assert_ptr_null(s->table);
    ck_assert_uint_eq(hp__set_sizeof(h, s), 216);
    rel(k1);
    rel(k2);
    rel_set(s);
}
END_TEST

START_TEST(sets_tracked_at_creation)
{
    hp_set *s = new_set(false), *f = new_set(true);
    ck_assert(s->gc.ob.flags & HP_OF_TRACKED);
    ck_assert(f->gc.ob.flags & HP_OF_TRACKED);
    ck_assert_int_eq(s->gc.ob.type, HP_T_SET);
    ck_assert_int_eq(f->gc.ob.type, HP_T_FROZENSET);
    rel_set(s);
    rel_set(f);
}
END_TEST

START_TEST(set_detach)
{
    int64_t v[20];
    for (int i = 0; i < 20; i++)
        v[i] = 1000 + i;
    hp_set *s = by_adds(false, v, 20);
    ck_assert(discard(s, I(1005)));
    hp_sentry *table;
    uint32_t size;
    hp__set_detach(h, s, &table, &size);
    ck_assert_uint_eq(size, 128);
    ck_assert_uint_eq(s->gc.n, 0);
    ck_assert_ptr_null(s->table);
    ck_assert_uint_eq(hp__set_sizeof(h, s), 216);
    check_set(s);
    uint32_t live = 0, dummies = 0;
    for (uint32_t i = 0; i < size; i++) {
        if (table[i].key == HP_DUMMY) {
            dummies++;
        } else if (table[i].key) {
            live++;
            rel(table[i].key);
        }
    }
    ck_assert_uint_eq(live, 19);
    ck_assert_uint_eq(dummies, 1);
    hp__free_data(h->alloc, table);
    add(s, I(7));
    ck_assert_uint_eq(s->gc.n, 1);
    check_set(s);
    rel_set(s);
}
END_TEST

/* Random adds and discards against a bitmap. */
START_TEST(set_random_against_model)
{
    enum { NKEYS = 300, OPS = 30000 };
    bool in[NKEYS] = {false};
    uint32_t n = 0;
    hp_set *s = new_set(false);
    srand(4321);
    for (int op = 0; op < OPS; op++) {
        int k = rand() % NKEYS;
        if (rand() % 2) {
            add(s, I(k * 7 - 1000));
            n += !in[k];
            in[k] = true;
        } else {
            ck_assert_int_eq(discard(s, I(k * 7 - 1000)), in[k]);
            n -= in[k];
            in[k] = false;
        }
        ck_assert_uint_eq(s->gc.n, n);
        if (op % 101 == 0) {
            check_set(s);
            for (int j = 0; j < NKEYS; j++)
                ck_assert_int_eq(contains(s, I(j * 7 - 1000)), in[j]);
        }
    }
    rel_set(s);
}
END_TEST

/* ---- failures ------------------------------------------------------------ */

typedef struct set_state {
    uint32_t used, fill, mask;
    uint64_t size;
    size_t n;
    hp_obj *keys[64];
    uint32_t refs[64];
} set_state;

static void snapshot(hp_set *s, set_state *st)
{
    memset(st, 0, sizeof *st);
    st->used = s->gc.n;
    st->fill = s->fill;
    st->mask = s->mask;
    st->size = hp__set_sizeof(h, s);
    uint64_t pos = 0;
    hp_obj *k;
    while (hp__set_next(s, &pos, &k)) {
        ck_assert_uint_lt(st->n, 64);
        st->refs[st->n] = k->refcnt;
        st->keys[st->n++] = k;
    }
}

static void assert_unchanged(hp_set *s, const set_state *before)
{
    set_state now;
    snapshot(s, &now);
    ck_assert_uint_eq(now.used, before->used);
    ck_assert_uint_eq(now.fill, before->fill);
    ck_assert_uint_eq(now.mask, before->mask);
    ck_assert_uint_eq(now.size, before->size);
    ck_assert_uint_eq(now.n, before->n);
    for (size_t i = 0; i < now.n; i++) {
        ck_assert_ptr_eq(now.keys[i], before->keys[i]);
        ck_assert_uint_eq(now.refs[i], before->refs[i]);
    }
    check_set(s);
}

/* Fails the 1st, 2nd, ... allocation of the operation until it succeeds;
 * each failure must leave s as it was.  Returns the failures seen. */
static int walk_failures(hp_set *s, int (*op)(hp_set *, void *), void *arg)
{
    for (int nth = 1;; nth++) {
        set_state before;
        snapshot(s, &before);
        hp_heap_fail_nth(h, (uint64_t)nth);
        int rc = op(s, arg);
        hp_heap_fail_nth(h, 0);
        if (rc == 0)
            return nth - 1;
        ck_assert_int_eq(rc, HP_E_NOMEM);
        assert_unchanged(s, &before);
        ck_assert_int_lt(nth, 100);
    }
}

static int op_add(hp_set *s, void *arg)
{
    return hp__set_add(h, s, arg);
}

static int op_update(hp_set *s, void *arg)
{
    return hp__set_update(h, s, arg);
}

START_TEST(failures_leave_it_unchanged)
{
    hp_set *s = new_set(false);
    hp_obj *k = I(424242);
    ck_assert_int_eq(walk_failures(s, op_add, k), 1); /* the first table */
    ck_assert_uint_eq(k->refcnt, 2);
    rel(k);
    for (int i = 1; i < 4; i++)
        add(s, I(i));
    k = I(5);
    ck_assert_int_eq(walk_failures(s, op_add, k), 1); /* the 5th resizes */
    ck_assert_uint_eq(hp__set_sizeof(h, s), 728);
    rel(k);
    /* an update that has to grow the table first */
    int64_t many[40];
    for (int i = 0; i < 40; i++)
        many[i] = 100 + i;
    hp_set *o = by_adds(true, many, 40);
    ck_assert_int_eq(walk_failures(s, op_update, o), 1);
    ck_assert_uint_eq(s->gc.n, 45);
    check_set(s);
    /* an update into an empty set allocates its table */
    hp_set *e = new_set(false);
    ck_assert_int_eq(walk_failures(e, op_update, o), 1);
    ck_assert(hp__set_eq(e, o));
    rel_set(e);
    e = new_set(false);
    int64_t few[] = {1, 2};
    hp_set *small = by_adds(true, few, 2);
    ck_assert_int_eq(walk_failures(e, op_update, small), 1);
    rel_set(small);
    rel_set(e);
    rel_set(o);
    rel_set(s);
}
END_TEST

START_TEST(new_set_failure)
{
    hp_heap_fail_nth(h, 1);
    ck_assert_ptr_null(hp__set_new(h, false));
    hp_heap_fail_nth(h, 1);
    ck_assert_ptr_null(hp__set_new(h, true));
    hp_heap_fail_nth(h, 0);
}
END_TEST

/* ---- suite --------------------------------------------------------------- */

static Suite *set_suite(void)
{
    Suite *s = suite_create("set");
    TCase *tc = tcase_create("order");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, order_by_adds);
    tcase_add_test(tc, order_of_displays);
    tcase_add_test(tc, order_of_tuples_and_floats);
    tcase_add_test(tc, order_with_dummies);
    tcase_add_test(tc, order_dummies_reused);
    tcase_add_test(tc, order_mixed_workload);
    tcase_add_test(tc, sizes_by_adds);
    tcase_add_test(tc, sizes_of_displays);
    tcase_add_test(tc, update_into_nonempty);
    suite_add_tcase(s, tc);

    tc = tcase_create("hash");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, frozenset_hash);
    tcase_add_test(tc, frozenset_hash_ignores_history);
    tcase_add_test(tc, unhashable_items);
    tcase_add_test(tc, set_key_means_frozenset);
    tcase_add_test(tc, numeric_members_collapse);
    tcase_add_test(tc, set_equality);
    tcase_add_test(tc, set_of_frozensets);
    suite_add_tcase(s, tc);

    tc = tcase_create("lifecycle");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, set_references);
    tcase_add_test(tc, sets_tracked_at_creation);
    tcase_add_test(tc, set_detach);
    tcase_add_test(tc, set_random_against_model);
    tcase_add_test(tc, failures_leave_it_unchanged);
    tcase_add_test(tc, new_set_failure);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(set_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
