/*
 * test_dict.c: core/dict.c, hashing, equality and the dict.
 *
 * Expected numbers were measured with CPython 3.12.1 (str and bytes
 * hashes under PYTHONHASHSEED=0, which the engine's string hash equals);
 * getsizeof numbers are the same in 3.11 and 3.13.
 */
#include <check.h>
#include <math.h>
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

/* ---- helpers: objects (new references) ----------------------------------- */

static hp_obj *I(int64_t v)
{
    hp_obj *o = hp__new_int(h, v);
    ck_assert_ptr_nonnull(o);
    return o;
}

static hp_obj *F(double v)
{
    hp_obj *o = hp__new_float(h, v);
    ck_assert_ptr_nonnull(o);
    return o;
}

static hp_obj *S(const char *s)
{
    hp_obj *o = hp__new_str(h, s, strlen(s));
    ck_assert_ptr_nonnull(o);
    return o;
}

static hp_obj *B(const char *p, size_t n)
{
    hp_obj *o = hp__new_bytes(h, p, n);
    ck_assert_ptr_nonnull(o);
    return o;
}

/* A tuple of n items; steals the item references. */
static hp_obj *T(uint32_t n, ...)
{
    hp_obj *t = hp__new_tuple(h, n);
    ck_assert_ptr_nonnull(t);
    va_list ap;
    va_start(ap, n);
    for (uint32_t i = 0; i < n; i++)
        ((hp_tuple *)t)->items[i] = va_arg(ap, hp_obj *);
    va_end(ap);
    return t;
}

static hp_obj *L0(void)
{
    hp_obj *o = hp__new_list(h, 0);
    ck_assert_ptr_nonnull(o);
    return o;
}

static hp_dict *D(void)
{
    hp_obj *o = hp__dict_new(h);
    ck_assert_ptr_nonnull(o);
    return (hp_dict *)o;
}

static void rel(hp_obj *o)
{
    hp__decref(h, o);
}

static void rel_dict(hp_dict *d)
{
    hp__decref(h, &d->gc.ob);
}

/* Hashes o and releases it. */
static uint64_t hash_rel(hp_obj *o)
{
    uint64_t x = 0;
    int rc = hp__hash(h, o, &x);
    ck_assert_msg(rc == 0, "hash failed: %s", hp_errmsg(h));
    rel(o);
    return x;
}

/* d[k] = v, releasing the caller's k and v. */
static void put(hp_dict *d, hp_obj *k, hp_obj *v)
{
    int rc = hp__dict_set(h, d, k, v);
    ck_assert_msg(rc == 0, "dict_set: %s", hp_errmsg(h));
    rel(k);
    rel(v);
}

static void put_int(hp_dict *d, int64_t k, int64_t v)
{
    put(d, I(k), I(v));
}

static void del_int(hp_dict *d, int64_t k)
{
    hp_obj *key = I(k);
    int rc = hp__dict_del(h, d, key, NULL);
    ck_assert_msg(rc == 0, "dict_del: %s", hp_errmsg(h));
    rel(key);
}

static int64_t int_of(const hp_obj *o)
{
    ck_assert(o->type == HP_T_INT || o->type == HP_T_BOOL);
    return ((const hp_int *)o)->v;
}

static void check_dict(hp_dict *d)
{
    int rc = hp__dict_check(h, d);
    ck_assert_msg(rc == 0, "dict invariant: %s", hp_errmsg(h));
}

/* The int keys of d in iteration order must be want[0..n). */
static void assert_int_keys(hp_dict *d, const int64_t *want, uint32_t n)
{
    uint64_t pos = 0;
    hp_obj *k;
    uint32_t i = 0;
    while (hp__dict_next(d, &pos, &k, NULL)) {
        ck_assert_uint_lt(i, n);
        ck_assert_int_eq(int_of(k), want[i]);
        i++;
    }
    ck_assert_uint_eq(i, n);
    ck_assert_uint_eq(d->gc.n, n);
}

/* The fold CPython-side numbers were reduced with (f*1000003 ^ v). */
static uint64_t fold(uint64_t f, int64_t v)
{
    return f * 1000003u ^ (uint64_t)v;
}

#define SIGNED(x) ((uint64_t)(int64_t)(x))

/* ---- hashing ------------------------------------------------------------- */

START_TEST(hash_ints)
{
    static const struct {
        int64_t v;
        int64_t hash;
    } tab[] = {
        {0, 0},
        {1, 1},
        {-1, -2},
        {-2, -2},
        {2305843009213693950LL, 2305843009213693950LL}, /* 2**61-2 */
        {2305843009213693951LL, 0},                     /* 2**61-1 */
        {2305843009213693952LL, 1},                     /* 2**61 */
        {4611686018427387904LL, 2},                     /* 2**62 */
        {INT64_MAX, 3},
        {INT64_MIN, -4},
        {12345678901234567LL, 12345678901234567LL},
        {-12345678901234567LL, -12345678901234567LL},
        {2305843009213693956LL, 5},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        ck_assert_uint_eq(hash_rel(I(tab[i].v)), SIGNED(tab[i].hash));
    ck_assert_uint_eq(hash_rel(hp__bool(h, 1)), 1);
    ck_assert_uint_eq(hash_rel(hp__bool(h, 0)), 0);
}
END_TEST

START_TEST(hash_floats)
{
    static const struct {
        double v;
        int64_t hash;
    } tab[] = {
        {0.0, 0},
        {-0.0, 0},
        {1.0, 1},
        {1.5, 1152921504606846977LL},
        {-0.5, -1152921504606846976LL},
        {1e300, 1224995262755759164LL},
        {-1e300, -1224995262755759164LL},
        {INFINITY, 314159},
        {-INFINITY, -314159},
        {0x1p62, 2},
        {0x1p63, 4},
        {-0x1p63, -4},
        {0.1, 230584300921369408LL},
        {3.141592653589793, 326490430436040707LL},
        {1e-300, 482449582752280463LL},
        {5e-324, 16777216},
        {2305843009213693951.0, 1},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
        ck_assert_msg(hash_rel(F(tab[i].v)) == SIGNED(tab[i].hash),
                      "hash(%.17g)", tab[i].v);
}
END_TEST

START_TEST(hash_nan_is_identity)
{
    /* CPython 3.10+: _Py_HashPointer(nan object) */
    hp_obj *nan = F(NAN);
    uint64_t id = hp_id(h, nan);
    uint64_t want = (id >> 4) | (id << 60);
    uint64_t x;
    ck_assert_int_eq(hp__hash(h, nan, &x), 0);
    ck_assert_uint_eq(x, want);
    rel(nan);
}
END_TEST

START_TEST(hash_tuples)
{
    ck_assert_uint_eq(hash_rel(T(0)), SIGNED(5740354900026072187LL));
    ck_assert_uint_eq(hash_rel(T(1, I(1))), SIGNED(-6644214454873602895LL));
    ck_assert_uint_eq(hash_rel(T(2, I(1), I(2))),
                      SIGNED(-3550055125485641917LL));
    ck_assert_uint_eq(hash_rel(T(2, T(2, I(1), I(2)), I(3))),
                      SIGNED(-333907151259015829LL));
    ck_assert_uint_eq(hash_rel(T(3, I(1), I(2), I(3))),
                      SIGNED(529344067295497451LL));
    ck_assert_uint_eq(hash_rel(T(1, I(-1))), SIGNED(8078679518589016365LL));
    /* 3.12: hash(None) is a constant, so (None,) is too */
    ck_assert_uint_eq(hash_rel(T(1, hp__none(h))),
                      SIGNED(9181102132670838864ULL));
    ck_assert_uint_eq(hash_rel(T(2, F(1.5), S("a"))),
                      SIGNED(-2715912632142189093LL));
    /* equal tuples of equal numbers hash alike: (1, 2.0) and (1.0, 2) */
    ck_assert_uint_eq(hash_rel(T(2, I(1), F(2.0))),
                      hash_rel(T(2, F(1.0), I(2))));
}
END_TEST

START_TEST(hash_none)
{
    ck_assert_uint_eq(hash_rel(hp__none(h)), 4238894112u);
}
END_TEST

START_TEST(hash_none_311_is_identity)
{
    hp_heap *h311 = hp_heap_new(&(hp_config){.profile = "3.11"}, NULL);
    ck_assert_ptr_nonnull(h311);
    hp_obj *none = hp__none(h311);
    uint64_t id = hp_id(h311, none), x;
    ck_assert_int_eq(hp__hash(h311, none, &x), 0);
    ck_assert_uint_eq(x, (id >> 4) | (id << 60));
    hp__decref(h311, none);
    hp_heap_free(h311);
}
END_TEST

START_TEST(hash_strings)
{
    static const struct {
        const char *s;
        int64_t hash;
    } tab[] = {
        {"", 0},
        {"a", 4644417185603328019LL},
        {"abc", -4594863902769663758LL},
        {"hello world", -5642461784034726774LL},
        {"abcdefgh", 4574395652268504554LL},
        {"abcdefghi", -532774252720507163LL},
        {"\xc3\xa9", 6047309291227476195LL},           /* latin-1 */
        {"a\xc3\xa9", -4100377394409680542LL},         /* latin-1 */
        {"ab\xe2\x82\xac", -6661611623252364461LL},    /* UCS-2 */
        {"a\xf0\x9f\x98\x80", -6970120874385731343LL}, /* UCS-4 */
        {"\xf0\x9f\x98\x80", -3536540696076613844LL},
    };
    for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++) {
        hp_obj *s = S(tab[i].s);
        uint64_t x;
        ck_assert_int_eq(hp__hash(h, s, &x), 0);
        ck_assert_msg(x == SIGNED(tab[i].hash), "hash(%s)", tab[i].s);
        /* cached, and the C-string hash agrees */
        if (tab[i].s[0])
            ck_assert_uint_eq(((hp_str *)s)->hash, x);
        ck_assert_uint_eq(hp__cstr_hash(tab[i].s), x);
        rel(s);
    }
}
END_TEST

START_TEST(hash_bytes)
{
    ck_assert_uint_eq(hash_rel(B("", 0)), 0);
    ck_assert_uint_eq(hash_rel(B("a", 1)), SIGNED(4644417185603328019LL));
    ck_assert_uint_eq(hash_rel(B("abc", 3)), SIGNED(-4594863902769663758LL));
    ck_assert_uint_eq(hash_rel(B("\xff\x00", 2)),
                      SIGNED(7217110220190950386LL));
}
END_TEST

static void assert_unhashable(hp_obj *o, const char *msg)
{
    uint64_t x;
    ck_assert_int_eq(hp__hash(h, o, &x), HP_E_TYPE);
    ck_assert_str_eq(hp_errmsg(h), msg);
    rel(o);
}

START_TEST(hash_unhashable)
{
    assert_unhashable(L0(), "unhashable type: 'list'");
    assert_unhashable(hp__dict_new(h), "unhashable type: 'dict'");
    assert_unhashable(hp__set_new(h, false), "unhashable type: 'set'");
    assert_unhashable(T(2, I(1), L0()), "unhashable type: 'list'");
    assert_unhashable(T(1, T(1, hp__set_new(h, false))),
                      "unhashable type: 'set'");
}
END_TEST

/* ---- equality ------------------------------------------------------------ */

static bool eq_rel(hp_obj *a, hp_obj *b)
{
    bool r = hp__eq(a, b);
    ck_assert_msg(hp__eq(b, a) == r, "== is not symmetric");
    rel(a);
    rel(b);
    return r;
}

START_TEST(eq_numbers_across_types)
{
    ck_assert(eq_rel(I(1), F(1.0)));
    ck_assert(eq_rel(I(1), hp__bool(h, 1)));
    ck_assert(eq_rel(F(1.0), hp__bool(h, 1)));
    ck_assert(eq_rel(I(0), hp__bool(h, 0)));
    ck_assert(eq_rel(F(-0.0), I(0)));
    ck_assert(eq_rel(F(-0.0), F(0.0)));
    ck_assert(!eq_rel(I(1), F(1.5)));
    ck_assert(!eq_rel(I(2), hp__bool(h, 1)));
    /* exact comparison, no rounding of the int */
    ck_assert(!eq_rel(I((1LL << 53) + 1), F(0x1p53)));
    ck_assert(eq_rel(I(1LL << 53), F(0x1p53)));
    ck_assert(eq_rel(I(INT64_MIN), F(-0x1p63)));
    ck_assert(!eq_rel(I(INT64_MAX), F(0x1p63)));
    ck_assert(!eq_rel(I(0), F(NAN)));
    ck_assert(!eq_rel(I(0), F(INFINITY)));
    ck_assert(!eq_rel(I(1), S("1")));
}
END_TEST

START_TEST(eq_nan_and_identity)
{
    hp_obj *nan = F(NAN);
    ck_assert(!hp__eq(nan, nan));    /* nan == nan is False */
    ck_assert(hp__eq_key(nan, nan)); /* but it is found by identity */
    hp_obj *t1 = T(1, hp__incref(nan)), *t2 = T(1, hp__incref(nan));
    ck_assert(hp__eq(t1, t2)); /* (x,) == (x,) compares items by identity */
    rel(t1);
    rel(t2);
    rel(nan);
}
END_TEST

START_TEST(eq_strings_bytes_containers)
{
    ck_assert(eq_rel(S("abc"), S("abc")));
    ck_assert(!eq_rel(S("abc"), S("abd")));
    ck_assert(!eq_rel(S("abc"), S("ab")));
    ck_assert(!eq_rel(S("abc"), B("abc", 3)));
    ck_assert(eq_rel(B("a\0b", 3), B("a\0b", 3)));
    ck_assert(eq_rel(T(2, I(1), F(2.0)), T(2, F(1.0), I(2))));
    ck_assert(!eq_rel(T(2, I(1), I(2)), T(3, I(1), I(2), I(3))));
    ck_assert(eq_rel(T(2, T(1, S("x")), I(3)), T(2, T(1, S("x")), I(3))));
    ck_assert(!eq_rel(T(0), L0()));
    ck_assert(eq_rel(L0(), L0()));
    ck_assert(!eq_rel(hp__none(h), I(0)));
    ck_assert(eq_rel(hp__none(h), hp__none(h)));
}
END_TEST

START_TEST(eq_dicts)
{
    hp_dict *a = D(), *b = D();
    put(a, I(1), S("a"));
    put(a, S("k"), T(1, I(2)));
    put(b, S("k"), T(1, F(2.0)));
    put(b, F(1.0), S("a"));
    ck_assert(hp__eq(&a->gc.ob, &b->gc.ob)); /* order does not matter */
    put(b, S("k"), I(3));
    ck_assert(!hp__eq(&a->gc.ob, &b->gc.ob));
    rel_dict(a);
    rel_dict(b);
}
END_TEST

/* ---- dict: basics -------------------------------------------------------- */

START_TEST(dict_empty)
{
    hp_dict *d = D();
    ck_assert_uint_eq(d->gc.n, 0);
    ck_assert_ptr_null(d->table); /* {} allocates no table */
    ck_assert_ptr_null(hp__dict_entries(d));
    ck_assert_uint_eq(hp__dict_sizeof(h, d), 64);
    uint64_t pos = 0;
    ck_assert_int_eq(hp__dict_next(d, &pos, NULL, NULL), 0);
    int err = 1;
    hp_obj *k = I(5);
    ck_assert_ptr_null(hp__dict_get(h, d, k, &err));
    ck_assert_int_eq(err, 0);
    rel(k);
    check_dict(d);
    rel_dict(d);
}
END_TEST

START_TEST(dict_insertion_order)
{
    hp_dict *d = D();
    hp_obj *keys[] = {I(5), S("b"), F(3.5), T(2, I(1), I(2)), S("a"), I(-7)};
    const size_t n = sizeof keys / sizeof keys[0];
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(hp__dict_set(h, d, keys[i], keys[i]), 0);
    uint64_t pos = 0;
    hp_obj *k, *v;
    for (size_t i = 0; i < n; i++) {
        ck_assert(hp__dict_next(d, &pos, &k, &v));
        ck_assert_ptr_eq(k, keys[i]);
        ck_assert_ptr_eq(v, keys[i]);
    }
    ck_assert(!hp__dict_next(d, &pos, &k, &v));
    /* lookups by equal, distinct objects */
    int err;
    hp_obj *q = T(2, F(1.0), I(2));
    ck_assert_ptr_eq(hp__dict_get(h, d, q, &err), keys[3]);
    rel(q);
    q = S("b");
    ck_assert_ptr_eq(hp__dict_get(h, d, q, &err), keys[1]);
    rel(q);
    for (size_t i = 0; i < n; i++)
        rel(keys[i]);
    check_dict(d);
    rel_dict(d);
}
END_TEST

START_TEST(dict_numeric_keys_collapse)
{
    /* {1: 'a', 1.0: 'b', True: 'c'} has one key, the first one */
    hp_dict *d = D();
    hp_obj *one = I(1);
    ck_assert_int_eq(hp__dict_set(h, d, one, one), 0);
    put(d, F(1.0), S("b"));
    put(d, hp__bool(h, 1), S("c"));
    ck_assert_uint_eq(d->gc.n, 1);
    uint64_t pos = 0;
    hp_obj *k, *v;
    ck_assert(hp__dict_next(d, &pos, &k, &v));
    ck_assert_ptr_eq(k, one);
    ck_assert_int_eq(k->type, HP_T_INT);
    ck_assert_str_eq(((hp_str *)v)->data, "c");
    rel(one);
    /* {True: 1, 1: 2, 1.0: 3, 0: 4, False: 5, 0.0: 6} -> {True: 3, 0: 6} */
    hp_dict *e = D();
    put(e, hp__bool(h, 1), I(1));
    put(e, I(1), I(2));
    put(e, F(1.0), I(3));
    put(e, I(0), I(4));
    put(e, hp__bool(h, 0), I(5));
    put(e, F(0.0), I(6));
    pos = 0;
    ck_assert(hp__dict_next(e, &pos, &k, &v));
    ck_assert_int_eq(k->type, HP_T_BOOL);
    ck_assert_int_eq(int_of(v), 3);
    ck_assert(hp__dict_next(e, &pos, &k, &v));
    ck_assert_int_eq(k->type, HP_T_INT);
    ck_assert_int_eq(int_of(v), 6);
    ck_assert(!hp__dict_next(e, &pos, &k, &v));
    rel_dict(d);
    rel_dict(e);
}
END_TEST

START_TEST(dict_unhashable_keys)
{
    hp_dict *d = D();
    hp_obj *l = L0(), *v = I(1);
    ck_assert_int_eq(hp__dict_set(h, d, l, v), HP_E_TYPE);
    ck_assert_str_eq(hp_errmsg(h), "unhashable type: 'list'");
    ck_assert_uint_eq(d->gc.n, 0);
    ck_assert_ptr_null(d->table);
    int err = 0;
    ck_assert_ptr_null(hp__dict_get(h, d, l, &err));
    ck_assert_int_eq(err, HP_E_TYPE);
    ck_assert_int_eq(hp__dict_del(h, d, l, NULL), HP_E_TYPE);
    hp_obj *dk = hp__dict_new(h);
    ck_assert_int_eq(hp__dict_set(h, d, dk, v), HP_E_TYPE);
    ck_assert_str_eq(hp_errmsg(h), "unhashable type: 'dict'");
    rel(dk);
    rel(l);
    rel(v);
    rel_dict(d);
}
END_TEST

START_TEST(dict_key_error)
{
    hp_dict *d = D();
    put_int(d, 1, 1);
    hp_obj *k = I(42);
    ck_assert_int_eq(hp__dict_del(h, d, k, NULL), HP_E_KEY);
    ck_assert_str_eq(hp_errmsg(h), "42");
    rel(k);
    k = S("x");
    ck_assert_int_eq(hp__dict_del(h, d, k, NULL), HP_E_KEY);
    ck_assert_str_eq(hp_errmsg(h), "'x'");
    rel(k);
    ck_assert_int_eq(hp__dict_del_cstr(h, d, "nope"), HP_E_KEY);
    ck_assert_str_eq(hp_errmsg(h), "'nope'");
    ck_assert_uint_eq(d->gc.n, 1);
    rel_dict(d);
}
END_TEST

START_TEST(dict_delete_and_reinsert)
{
    /* d = {i: i for i in range(10)}; del the even keys; d[20..25] = ... */
    hp_dict *d = D();
    for (int i = 0; i < 10; i++)
        put_int(d, i, i);
    for (int i = 0; i < 10; i += 2)
        del_int(d, i);
    check_dict(d);
    ck_assert_uint_eq(d->nentries, 10); /* holes stay until a resize */
    for (int i = 20; i < 26; i++)
        put_int(d, i, i);
    static const int64_t want[] = {1, 3, 5, 7, 9, 20, 21, 22, 23, 24, 25};
    assert_int_keys(d, want, 11);
    ck_assert_uint_eq(hp__dict_sizeof(h, d), 632);
    /* a deleted key comes back at the end */
    del_int(d, 3);
    put_int(d, 3, 33);
    static const int64_t want2[] = {1, 5, 7, 9, 20, 21, 22, 23, 24, 25, 3};
    assert_int_keys(d, want2, 11);
    check_dict(d);
    rel_dict(d);
}
END_TEST

START_TEST(dict_sizes_after_deletions)
{
    /* CPython: 20 inserts, 15 deletes, then 20 inserts, sizes after each */
    hp_dict *d = D();
    for (int i = 0; i < 20; i++)
        put_int(d, i, i);
    ck_assert_uint_eq(hp__dict_sizeof(h, d), 632);
    for (int i = 0; i < 15; i++)
        del_int(d, i);
    ck_assert_uint_eq(hp__dict_sizeof(h, d), 632);
    for (int i = 0; i < 20; i++) {
        put_int(d, 100 + i, i);
        ck_assert_uint_eq(hp__dict_sizeof(h, d), i < 16 ? 632 : 1168);
        check_dict(d);
    }
    rel_dict(d);
}
END_TEST

typedef struct growth_point {
    uint32_t n;
    uint64_t size;
} growth_point;

/* sys.getsizeof after each of 1000 insertions, as CPython's transitions */
static void check_growth(bool str_keys, const growth_point *tab, size_t ntab)
{
    hp_dict *d = D();
    size_t t = 0;
    for (uint32_t n = 0; n <= 1000; n++) {
        if (n) {
            char name[16];
            snprintf(name, sizeof name, "k%u", n);
            put(d, str_keys ? S(name) : I(n), I(n));
        }
        while (t + 1 < ntab && tab[t + 1].n <= n)
            t++;
        ck_assert_msg(hp__dict_sizeof(h, d) == tab[t].size,
                      "len %u: getsizeof %llu, CPython %llu", n,
                      (unsigned long long)hp__dict_sizeof(h, d),
                      (unsigned long long)tab[t].size);
    }
    check_dict(d);
    /* every key is still there, in order */
    uint64_t pos = 0;
    hp_obj *k, *v;
    for (uint32_t n = 1; n <= 1000; n++) {
        ck_assert(hp__dict_next(d, &pos, &k, &v));
        ck_assert_int_eq(int_of(v), n);
        char name[16];
        snprintf(name, sizeof name, "k%u", n);
        if (str_keys)
            ck_assert_ptr_eq(hp__dict_get_cstr(d, name), v);
    }
    rel_dict(d);
}

START_TEST(dict_growth_int_keys)
{
    static const growth_point tab[] = {
        {0, 64},    {1, 224},   {6, 352},    {11, 632},    {22, 1168},
        {43, 2264}, {86, 4688}, {171, 9304}, {342, 18512}, {683, 36952},
    };
    check_growth(false, tab, sizeof tab / sizeof tab[0]);
}
END_TEST

START_TEST(dict_growth_str_keys)
{
    static const growth_point tab[] = {
        {0, 64},    {1, 184},   {6, 272},    {11, 464},    {22, 832},
        {43, 1584}, {86, 3328}, {171, 6576}, {342, 13056}, {683, 26032},
    };
    check_growth(true, tab, sizeof tab / sizeof tab[0]);
}
END_TEST

START_TEST(dict_str_table_converts)
{
    /* n str keys, then one int key: getsizeof before and after */
    static const uint64_t before[] = {64,  184, 184, 184, 184, 184,
                                      272, 272, 272, 272, 272, 464};
    static const uint64_t after[] = {224, 352, 352, 352, 352, 352,
                                     632, 632, 632, 632, 632, 1168};
    for (int n = 0; n < 12; n++) {
        hp_dict *d = D();
        for (int i = 0; i < n; i++) {
            char name[16];
            snprintf(name, sizeof name, "k%d", i);
            put(d, S(name), I(i));
        }
        ck_assert_uint_eq(hp__dict_sizeof(h, d), before[n]);
        ck_assert_int_eq((d->gc.ob.aux & HP_DICT_STRKEYS) != 0, 1);
        put_int(d, 1000, 0);
        ck_assert_uint_eq(hp__dict_sizeof(h, d), after[n]);
        ck_assert_int_eq(d->gc.ob.aux & HP_DICT_STRKEYS, 0);
        check_dict(d);
        rel_dict(d);
    }
    /* once general, a table stays general as it grows: 5 str keys, an
     * int key, then 30 more str keys */
    static const uint64_t mixed[] = {
        352,  352,  352,  352,  352,  632,  632,  632,  632,  632,  632,
        632,  632,  632,  632,  632,  1168, 1168, 1168, 1168, 1168, 1168,
        1168, 1168, 1168, 1168, 1168, 1168, 1168, 1168, 1168};
    hp_dict *d = D();
    for (int i = 0; i < 5; i++) {
        char name[16];
        snprintf(name, sizeof name, "k%d", i);
        put(d, S(name), I(i));
    }
    put_int(d, 1000, 0);
    ck_assert_uint_eq(hp__dict_sizeof(h, d), mixed[0]);
    for (int i = 0; i < 30; i++) {
        char name[16];
        snprintf(name, sizeof name, "x%d", i);
        put(d, S(name), I(i));
        ck_assert_uint_eq(hp__dict_sizeof(h, d), mixed[i + 1]);
    }
    ck_assert_int_eq(d->gc.ob.aux & HP_DICT_STRKEYS, 0);
    check_dict(d);
    rel_dict(d);
}
END_TEST

START_TEST(dict_presized)
{
    /* literals {0:0, ...} and {'k0':0, ...}: BUILD_MAP presizes */
    static const struct {
        uint32_t n;
        uint64_t ints, strs;
    } tab[] = {{0, 64, 64},         {5, 224, 184},     {6, 352, 272},
               {11, 632, 464},      {100, 4688, 3328}, {1000, 36952, 26032},
               {100000, 5242960, 0}};
    for (size_t t = 0; t < sizeof tab / sizeof tab[0]; t++) {
        for (int strs = 0; strs < 2; strs++) {
            if (strs && !tab[t].strs)
                continue;
            hp_dict *d = (hp_dict *)hp__dict_new_presized(h, tab[t].n, strs);
            ck_assert_ptr_nonnull(d);
            for (uint32_t i = 0; i < tab[t].n; i++) {
                char name[16];
                snprintf(name, sizeof name, "k%u", i);
                put(d, strs ? S(name) : I(i), I(i));
            }
            ck_assert_uint_eq(hp__dict_sizeof(h, d),
                              strs ? tab[t].strs : tab[t].ints);
            ck_assert_uint_eq(d->gc.n, tab[t].n);
            check_dict(d);
            rel_dict(d);
        }
    }
}
END_TEST

START_TEST(dict_mixed_workload)
{
    /* d[(i*7919) % 1000] = i for 400 i; pop multiples of 3; d[31*i] = i
     * for i in 2000..2099: CPython's len, getsizeof, and folds of the
     * key and value sequences */
    hp_dict *d = D();
    for (int i = 0; i < 400; i++)
        put_int(d, (i * 7919) % 1000, i);
    for (int i = 0; i < 1000; i += 3) {
        hp_obj *k = I(i);
        int err;
        if (hp__dict_get(h, d, k, &err))
            ck_assert_int_eq(hp__dict_del(h, d, k, NULL), 0);
        rel(k);
    }
    for (int i = 2000; i < 2100; i++)
        put_int(d, i * 31, i);
    ck_assert_uint_eq(d->gc.n, 366);
    ck_assert_uint_eq(hp__dict_sizeof(h, d), 18512);
    uint64_t fk = 0, fv = 0, pos = 0;
    hp_obj *k, *v;
    while (hp__dict_next(d, &pos, &k, &v)) {
        fk = fold(fk, int_of(k));
        fv = fold(fv, int_of(v));
    }
    ck_assert_uint_eq(fk, 6269804449605213491ULL);
    ck_assert_uint_eq(fv, 14743215123724242037ULL);
    check_dict(d);
    rel_dict(d);
}
END_TEST

/* Random insertions and deletions against a model of insertion order. */
START_TEST(dict_random_against_model)
{
    enum { NKEYS = 97, OPS = 20000 };
    int64_t order[NKEYS], value[NKEYS];
    bool present[NKEYS] = {false};
    uint32_t n = 0;
    hp_dict *d = D();
    srand(12345);
    for (int op = 0; op < OPS; op++) {
        int64_t k = rand() % NKEYS;
        if (rand() % 3) {
            int64_t v = op;
            put_int(d, k * 1000003, v);
            if (!present[k])
                order[n++] = k;
            present[k] = true;
            value[k] = v;
        } else if (present[k]) {
            del_int(d, k * 1000003);
            present[k] = false;
            uint32_t i = 0;
            while (order[i] != k)
                i++;
            memmove(&order[i], &order[i + 1], (n - i - 1) * sizeof *order);
            n--;
        }
        ck_assert_uint_eq(d->gc.n, n);
        if (op % 97 == 0 || op == OPS - 1) {
            check_dict(d);
            uint64_t pos = 0;
            hp_obj *kk, *vv;
            for (uint32_t i = 0; i < n; i++) {
                ck_assert(hp__dict_next(d, &pos, &kk, &vv));
                ck_assert_int_eq(int_of(kk), order[i] * 1000003);
                ck_assert_int_eq(int_of(vv), value[order[i]]);
            }
            ck_assert(!hp__dict_next(d, &pos, &kk, &vv));
        }
    }
    rel_dict(d);
}
END_TEST

/* ---- dict: C-string keys ------------------------------------------------- */

START_TEST(dict_cstr)
{
    hp_dict *d = D();
    hp_obj *v1 = I(1001), *v2 = I(1002);
    ck_assert_int_eq(hp__dict_set_cstr(h, d, "alpha", v1), 0);
    ck_assert_ptr_eq(hp__dict_get_cstr(d, "alpha"), v1);
    ck_assert_ptr_null(hp__dict_get_cstr(d, "alph"));
    ck_assert_ptr_null(hp__dict_get_cstr(d, "alphab"));
    /* the key is a real str, found by a str lookup too */
    hp_obj *k = S("alpha");
    int err;
    ck_assert_ptr_eq(hp__dict_get(h, d, k, &err), v1);
    rel(k);
    /* a key made as a str object is found by name; set_cstr replaces */
    put(d, S("\xc3\xa9t\xc3\xa9"), I(7));
    ck_assert_int_eq(int_of(hp__dict_get_cstr(d, "\xc3\xa9t\xc3\xa9")), 7);
    ck_assert_int_eq(hp__dict_set_cstr(h, d, "\xc3\xa9t\xc3\xa9", v2), 0);
    ck_assert_ptr_eq(hp__dict_get_cstr(d, "\xc3\xa9t\xc3\xa9"), v2);
    ck_assert_uint_eq(d->gc.n, 2);
    ck_assert_int_eq(hp__dict_del_cstr(h, d, "alpha"), 0);
    ck_assert_ptr_null(hp__dict_get_cstr(d, "alpha"));
    ck_assert_uint_eq(d->gc.n, 1);
    /* only str keys match a name */
    put(d, B("beta", 4), I(3));
    ck_assert_ptr_null(hp__dict_get_cstr(d, "beta"));
    check_dict(d);
    rel(v1);
    rel(v2);
    rel_dict(d);
}
END_TEST

/* ---- dict: references ---------------------------------------------------- */

START_TEST(dict_references)
{
    hp_dict *d = D();
    hp_obj *k1 = I(100001), *k2 = I(100001), *l1 = L0(), *l2 = L0();
    uint32_t base = l1->refcnt;
    ck_assert_int_eq(hp__dict_set(h, d, k1, l1), 0);
    ck_assert_uint_eq(k1->refcnt, 2);
    ck_assert_uint_eq(l1->refcnt, base + 1);
    /* replacing by an equal key keeps the first key object */
    ck_assert_int_eq(hp__dict_set(h, d, k2, l2), 0);
    ck_assert_uint_eq(k1->refcnt, 2);
    ck_assert_uint_eq(k2->refcnt, 1);
    ck_assert_uint_eq(l1->refcnt, base);
    ck_assert_uint_eq(l2->refcnt, base + 1);
    /* setting the same value again changes nothing */
    ck_assert_int_eq(hp__dict_set(h, d, k1, l2), 0);
    ck_assert_uint_eq(l2->refcnt, base + 1);
    /* del with out: the value reference moves to the caller */
    hp_obj *out = NULL;
    ck_assert_int_eq(hp__dict_del(h, d, k2, &out), 0);
    ck_assert_ptr_eq(out, l2);
    ck_assert_uint_eq(l2->refcnt, base + 1);
    ck_assert_uint_eq(k1->refcnt, 1);
    rel(out);
    /* del without out releases both */
    ck_assert_int_eq(hp__dict_set(h, d, k1, l1), 0);
    ck_assert_int_eq(hp__dict_del(h, d, k2, NULL), 0);
    ck_assert_uint_eq(k1->refcnt, 1);
    ck_assert_uint_eq(l1->refcnt, base);
    /* clear releases everything */
    ck_assert_int_eq(hp__dict_set(h, d, k1, l1), 0);
    hp__dict_clear(h, d);
    ck_assert_uint_eq(d->gc.n, 0);
    ck_assert_uint_eq(k1->refcnt, 1);
    ck_assert_uint_eq(l1->refcnt, base);
    ck_assert_uint_eq(hp__dict_sizeof(h, d), 64);
    rel(k1);
    rel(k2);
    rel(l1);
    rel(l2);
    rel_dict(d);
}
END_TEST

START_TEST(dict_detach)
{
    hp_dict *d = D();
    hp_obj *v = L0();
    uint32_t base = v->refcnt;
    put_int(d, 1, 1);
    ck_assert_int_eq(hp__dict_set_cstr(h, d, "x", v), 0);
    put_int(d, 2, 2);
    del_int(d, 1);
    void *block;
    hp_dentry *ents;
    uint32_t n;
    hp__dict_detach(h, d, &block, &ents, &n);
    ck_assert_ptr_nonnull(block);
    ck_assert_uint_eq(n, 3);
    ck_assert_ptr_null(ents[0].key); /* the deleted one */
    ck_assert_ptr_eq(ents[1].value, v);
    ck_assert_uint_eq(d->gc.n, 0);
    ck_assert_ptr_null(d->table);
    ck_assert_uint_eq(hp__dict_sizeof(h, d), 64);
    check_dict(d);
    for (uint32_t i = 0; i < n; i++) {
        if (ents[i].key) {
            rel(ents[i].key);
            rel(ents[i].value);
        }
    }
    hp__free_data(h->alloc, block);
    ck_assert_uint_eq(v->refcnt, base);
    /* the dict is usable again */
    put_int(d, 5, 5);
    ck_assert_uint_eq(d->gc.n, 1);
    check_dict(d);
    rel(v);
    rel_dict(d);
}
END_TEST

/* ---- dict: tracking ------------------------------------------------------ */

static bool tracked(const void *o)
{
    return ((const hp_obj *)o)->flags & HP_OF_TRACKED;
}

START_TEST(dict_lazy_tracking)
{
    ck_assert(h->prof->lazy_dict_tracking);
    hp_dict *d = D();
    ck_assert(!tracked(d));
    put_int(d, 1, 2);
    put(d, S("a"), S("b"));
    put(d, F(1.5), hp__none(h));
    ck_assert(!tracked(d)); /* atoms only */
    hp_obj *l = L0();
    ck_assert(hp__may_be_tracked(l));
    ck_assert_int_eq(hp__dict_set_cstr(h, d, "l", l), 0);
    ck_assert(tracked(d));
    hp__dict_maybe_untrack(h, d);
    ck_assert(tracked(d)); /* still holds the list */
    ck_assert_int_eq(hp__dict_del_cstr(h, d, "l"), 0);
    ck_assert(tracked(d)); /* deleting does not untrack ... */
    hp__dict_maybe_untrack(h, d);
    ck_assert(!tracked(d)); /* ... the collector does */
    /* a container key tracks too */
    hp_obj *fs = hp__set_new(h, true);
    ck_assert_int_eq(hp__dict_set(h, d, fs, l), 0);
    ck_assert(tracked(d));
    rel(fs);
    rel(l);
    rel_dict(d);
}
END_TEST

START_TEST(dict_eager_tracking)
{
    hp_profile eager = *h->prof;
    const hp_profile *saved = h->prof;
    eager.lazy_dict_tracking = false;
    h->prof = &eager;
    hp_dict *d = D();
    ck_assert(tracked(d));
    put_int(d, 1, 2);
    hp__dict_maybe_untrack(h, d);
    ck_assert(tracked(d));
    rel_dict(d);
    h->prof = saved;
}
END_TEST

/* ---- dict: failures ------------------------------------------------------ */

/* Everything observable about a dict, to compare before and after a
 * failed call. */
typedef struct dict_state {
    uint32_t len, nentries;
    uint8_t log2size, aux, flags;
    uint64_t size;
    uint32_t nitems;
    hp_obj *items[64];
    uint32_t refs[64];
} dict_state;

static void snapshot(hp_dict *d, dict_state *s)
{
    memset(s, 0, sizeof *s);
    s->len = d->gc.n;
    s->nentries = d->nentries;
    s->log2size = d->log2size;
    s->aux = d->gc.ob.aux;
    s->flags = d->gc.ob.flags;
    s->size = hp__dict_sizeof(h, d);
    uint64_t pos = 0;
    hp_obj *k, *v;
    while (hp__dict_next(d, &pos, &k, &v)) {
        ck_assert_uint_lt(s->nitems + 2, 64);
        s->refs[s->nitems] = k->refcnt;
        s->items[s->nitems++] = k;
        s->refs[s->nitems] = v->refcnt;
        s->items[s->nitems++] = v;
    }
}

static void assert_unchanged(hp_dict *d, const dict_state *before)
{
    dict_state now;
    snapshot(d, &now);
    ck_assert_uint_eq(now.len, before->len);
    ck_assert_uint_eq(now.nentries, before->nentries);
    ck_assert_uint_eq(now.log2size, before->log2size);
    ck_assert_uint_eq(now.aux, before->aux);
    ck_assert_uint_eq(now.flags, before->flags);
    ck_assert_uint_eq(now.size, before->size);
    ck_assert_uint_eq(now.nitems, before->nitems);
    for (uint32_t i = 0; i < now.nitems; i++) {
        ck_assert_ptr_eq(now.items[i], before->items[i]);
        ck_assert_uint_eq(now.refs[i], before->refs[i]);
    }
    check_dict(d);
}

typedef int (*dict_op)(hp_dict *d, void *arg);

/* SQLite's way: fail the 1st, 2nd, ... allocation of op until it
 * succeeds; after each failure the dict must be as it was.  Returns how
 * many allocations failed. */
static int walk_failures(hp_dict *d, dict_op op, void *arg)
{
    for (int nth = 1;; nth++) {
        dict_state before;
        snapshot(d, &before);
        hp_heap_fail_nth(h, (uint64_t)nth);
        int rc = op(d, arg);
        hp_heap_fail_nth(h, 0);
        if (rc == 0)
            return nth - 1;
        ck_assert_int_eq(rc, HP_E_NOMEM);
        assert_unchanged(d, &before);
        ck_assert_int_lt(nth, 100);
    }
}

typedef struct pair {
    hp_obj *k, *v;
} pair;

static int op_set(hp_dict *d, void *arg)
{
    const pair *p = arg;
    return hp__dict_set(h, d, p->k, p->v);
}

static int op_set_cstr(hp_dict *d, void *arg)
{
    return hp__dict_set_cstr(h, d, arg, h->none);
}

START_TEST(dict_failures_leave_it_unchanged)
{
    hp_dict *d = D();
    /* the first insertion allocates the table */
    pair p = {I(1000), I(2000)};
    ck_assert_int_eq(walk_failures(d, op_set, &p), 1);
    rel(p.k);
    rel(p.v);
    for (int i = 1; i < 5; i++)
        put_int(d, 1000 + i, i);
    ck_assert_uint_eq(d->nentries, 5); /* full: the next one resizes */
    /* ... and, holding a list, would start tracking the dict */
    p = (pair){I(3000), L0()};
    uint32_t base = p.v->refcnt;
    ck_assert_int_eq(walk_failures(d, op_set, &p), 1);
    ck_assert_uint_eq(p.v->refcnt, base + 1);
    ck_assert_uint_eq(hp__dict_sizeof(h, d), 352);
    ck_assert(d->gc.ob.flags & HP_OF_TRACKED);
    rel(p.k);
    rel(p.v);
    /* a str table converted by a non-str key */
    hp_dict *e = D();
    put(e, S("a"), I(1));
    put(e, S("b"), I(2));
    p = (pair){I(77777), I(88888)};
    ck_assert_int_eq(walk_failures(e, op_set, &p), 1);
    ck_assert_int_eq(e->gc.ob.aux & HP_DICT_STRKEYS, 0);
    rel(p.k);
    rel(p.v);
    /* set_cstr of a new name: the key, then the table */
    hp_dict *f = D();
    ck_assert_int_ge(walk_failures(f, op_set_cstr, "name"), 1);
    ck_assert_ptr_eq(hp__dict_get_cstr(f, "name"), h->none);
    for (int i = 0; i < 4; i++) {
        char name[8];
        snprintf(name, sizeof name, "n%d", i);
        ck_assert_int_eq(hp__dict_set_cstr(h, f, name, h->none), 0);
    }
    ck_assert_int_ge(walk_failures(f, op_set_cstr, "sixth"), 1);
    ck_assert_uint_eq(f->gc.n, 6);
    check_dict(f);
    rel_dict(d);
    rel_dict(e);
    rel_dict(f);
}
END_TEST

START_TEST(dict_new_failures)
{
    for (int nth = 1; nth <= 2; nth++) {
        hp_heap_fail_nth(h, (uint64_t)nth);
        hp_obj *d = hp__dict_new_presized(h, 100, false);
        hp_heap_fail_nth(h, 0);
        ck_assert_ptr_null(d);
    }
    hp_heap_fail_nth(h, 1);
    ck_assert_ptr_null(hp__dict_new(h));
    hp_heap_fail_nth(h, 0);
    hp_obj *d = hp__dict_new_presized(h, 100, false);
    ck_assert_ptr_nonnull(d);
    rel(d);
}
END_TEST

/* ---- suite --------------------------------------------------------------- */

static Suite *dict_suite(void)
{
    Suite *s = suite_create("dict");
    TCase *tc = tcase_create("hash");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, hash_ints);
    tcase_add_test(tc, hash_floats);
    tcase_add_test(tc, hash_nan_is_identity);
    tcase_add_test(tc, hash_tuples);
    tcase_add_test(tc, hash_none);
    tcase_add_test(tc, hash_none_311_is_identity);
    tcase_add_test(tc, hash_strings);
    tcase_add_test(tc, hash_bytes);
    tcase_add_test(tc, hash_unhashable);
    suite_add_tcase(s, tc);

    tc = tcase_create("eq");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, eq_numbers_across_types);
    tcase_add_test(tc, eq_nan_and_identity);
    tcase_add_test(tc, eq_strings_bytes_containers);
    tcase_add_test(tc, eq_dicts);
    suite_add_tcase(s, tc);

    tc = tcase_create("dict");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, dict_empty);
    tcase_add_test(tc, dict_insertion_order);
    tcase_add_test(tc, dict_numeric_keys_collapse);
    tcase_add_test(tc, dict_unhashable_keys);
    tcase_add_test(tc, dict_key_error);
    tcase_add_test(tc, dict_delete_and_reinsert);
    tcase_add_test(tc, dict_sizes_after_deletions);
    tcase_add_test(tc, dict_growth_int_keys);
    tcase_add_test(tc, dict_growth_str_keys);
    tcase_add_test(tc, dict_str_table_converts);
    tcase_add_test(tc, dict_presized);
    tcase_add_test(tc, dict_mixed_workload);
    tcase_add_test(tc, dict_random_against_model);
    tcase_add_test(tc, dict_cstr);
    tcase_add_test(tc, dict_references);
    tcase_add_test(tc, dict_detach);
    tcase_add_test(tc, dict_lazy_tracking);
    tcase_add_test(tc, dict_eager_tracking);
    tcase_add_test(tc, dict_failures_leave_it_unchanged);
    tcase_add_test(tc, dict_new_failures);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(dict_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
