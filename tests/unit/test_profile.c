/*
 * test_profile.c: unit tests for core/profile.c, the CPython profiles and
 * sys.getsizeof.
 *
 * Expected numbers are what CPython 3.11.7, 3.12.1 and 3.13.0 print on
 * 64-bit Linux (docs/cpython-reference.md, measured with
 * tests/conformance/reference/measure.py and by hand).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const char *const versions[3] = {"3.11", "3.12", "3.13"};

static hp_heap *new_heap(const char *profile)
{
    hp_config cfg = {.profile = profile};
    const char *err = NULL;
    hp_heap *h = hp_heap_new(&cfg, &err);
    ck_assert_msg(h != NULL, "hp_heap_new(%s): %s", profile, err ? err : "?");
    return h;
}

static hp_obj *top(hp_heap *h)
{
    hp_obj *o = hp_peek(h, 0);
    ck_assert_ptr_nonnull(o);
    return o;
}

/* sys.getsizeof of the object on top of the stack. */
static uint64_t size_top(hp_heap *h)
{
    uint64_t n = hp__sizeof(h, top(h));
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), n);
    return n;
}

static void push_cstr(hp_heap *h, const char *s)
{
    ck_assert_int_eq(hp_push_str(h, s, strlen(s)), 0);
}

/* ---- the profiles -------------------------------------------------------- */

START_TEST(test_find)
{
    for (int i = 0; i < 3; i++) {
        const hp_profile *p = hp__profile_find(versions[i]);
        ck_assert_ptr_nonnull(p);
        ck_assert_str_eq(p->name, versions[i]);
        ck_assert_int_eq(p->minor, 11 + i);
    }
    ck_assert_ptr_eq(hp__profile_find(NULL), hp__profile_find("3.12"));
    ck_assert_ptr_null(hp__profile_find("3.10"));
    ck_assert_ptr_null(hp__profile_find("3.1"));
    ck_assert_ptr_null(hp__profile_find(""));
    ck_assert_ptr_null(hp__profile_find("3.12.1"));
}
END_TEST

START_TEST(test_thresholds)
{
    /* gc.get_threshold(): (700, 10, 10) in 3.11 and 3.12, (2000, 10, 10)
     * in 3.13.0 */
    static const int64_t want[3][3] = {
        {700, 10, 10}, {700, 10, 10}, {2000, 10, 10}};
    for (int i = 0; i < 3; i++) {
        const hp_profile *p = hp__profile_find(versions[i]);
        for (int g = 0; g < 3; g++)
            ck_assert_int_eq(p->threshold[g], want[i][g]);
        hp_heap *h = new_heap(versions[i]);
        int64_t t[3];
        hp_gc_get_threshold(h, t);
        for (int g = 0; g < 3; g++)
            ck_assert_int_eq(t[g], want[i][g]);
        ck_assert_str_eq(hp_heap_profile(h), versions[i]);
        hp_heap_free(h);
    }
}
END_TEST

START_TEST(test_immortality)
{
    const hp_profile *p11 = hp__profile_find("3.11");
    const hp_profile *p12 = hp__profile_find("3.12");
    const hp_profile *p13 = hp__profile_find("3.13");
    /* sys.getrefcount(None): 4294967295 in 3.12 and 3.13; a real count
     * (about 5500 at the start of a script) in 3.11. */
    ck_assert(!p11->immortal);
    ck_assert(p12->immortal);
    ck_assert(p13->immortal);
    ck_assert_uint_eq(p12->immortal_refcnt, 4294967295u);
    ck_assert_uint_eq(p13->immortal_refcnt, 4294967295u);
    /* getrefcount(sys.intern('hello world!')) bound to a name: 4 in
     * 3.11, 4294967295 in 3.12, 4 in 3.13 */
    ck_assert(!p11->intern_immortal);
    ck_assert(p12->intern_immortal);
    ck_assert(!p13->intern_immortal);
    ck_assert(p11->lazy_dict_tracking && p12->lazy_dict_tracking &&
              p13->lazy_dict_tracking);
    /* 3.11: getrefcount(-5) = 1000000002, getrefcount(None) = 5512,
     * getrefcount(True) = 409, getrefcount(False) = 386 right after
     * `import sys` in a script (each including the argument) */
    ck_assert_uint_eq(p11->static_base_refcnt, 999999999u);
    ck_assert_uint_eq(p11->singleton_base_refcnt[0], 5511u);
    ck_assert_uint_eq(p11->singleton_base_refcnt[1], 408u);
    ck_assert_uint_eq(p11->singleton_base_refcnt[2], 385u);
    ck_assert_uint_eq(p12->static_base_refcnt, 0);
    ck_assert_uint_eq(p13->singleton_base_refcnt[0], 0);
}
END_TEST

START_TEST(test_immortal_refcount)
{
    /* sys.getrefcount(None) and getrefcount(0): 4294967295 in 3.12/3.13 */
    for (int i = 1; i < 3; i++) {
        hp_heap *h = new_heap(versions[i]);
        ck_assert_int_eq(hp_push_none(h), 0);
        ck_assert_uint_eq(hp_refcount(h, top(h)), 4294967295u);
        ck_assert_int_eq(hp_push_int(h, 0), 0);
        ck_assert_uint_eq(hp_refcount(h, top(h)), 4294967295u);
        hp_heap_free(h);
    }
}
END_TEST

/* ---- sys.getsizeof ------------------------------------------------------- */

START_TEST(test_size_scalars)
{
    /* identical in 3.11, 3.12, 3.13 */
    static const struct {
        int64_t v;
        uint64_t size;
    } ints[] = {
        {0, 28},
        {1, 28},
        {-1, 28},
        {255, 28},
        {(1 << 30) - 1, 28},
        {1 << 30, 32},
        {-((int64_t)1 << 40), 32},
        {((int64_t)1 << 60) - 1, 32},
        {(int64_t)1 << 60, 36},
        {(int64_t)1 << 62, 36},
        {INT64_MAX, 36},
        {INT64_MIN, 36},
    };
    for (int i = 0; i < 3; i++) {
        hp_heap *h = new_heap(versions[i]);
        ck_assert_int_eq(hp_push_none(h), 0);
        ck_assert_uint_eq(size_top(h), 16);
        ck_assert_int_eq(hp_push_bool(h, 1), 0);
        ck_assert_uint_eq(size_top(h), 28);
        ck_assert_int_eq(hp_push_bool(h, 0), 0);
        ck_assert_uint_eq(size_top(h), 28);
        ck_assert_int_eq(hp_push_float(h, 1.5), 0);
        ck_assert_uint_eq(size_top(h), 24);
        for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++) {
            ck_assert_int_eq(hp_push_int(h, ints[k].v), 0);
            ck_assert_msg(size_top(h) == ints[k].size,
                          "getsizeof(%lld) = %llu, want %llu",
                          (long long)ints[k].v, (unsigned long long)size_top(h),
                          (unsigned long long)ints[k].size);
        }
        ck_assert_int_eq(hp_push_bytes(h, "", 0), 0);
        ck_assert_uint_eq(size_top(h), 33);
        ck_assert_int_eq(hp_push_bytes(h, "abc", 3), 0);
        ck_assert_uint_eq(size_top(h), 36);
        hp_heap_free(h);
    }
}
END_TEST

START_TEST(test_size_str)
{
    static const struct {
        const char *s;
        uint64_t size[3]; /* 3.11, 3.12, 3.13 */
    } strs[] = {
        {"", {49, 41, 41}},
        {"a", {50, 42, 42}},
        {"abc", {52, 44, 44}},
        {"hello world", {60, 52, 52}},
        {"\xc3\xa9", {74, 61, 61}},          /* 'é': cached UTF-8 */
        {"a\xc3\xa9", {75, 59, 59}},         /* 'aé' */
        {"\xc3\xa9\xc3\xa9", {75, 59, 59}},  /* chr(0xe9)*2 */
        {"ab\xe2\x82\xac", {80, 64, 64}},    /* 'ab€' */
        {"a\xe2\x82\xac", {78, 62, 62}},     /* 'a'+chr(0x20ac) */
        {"a\xf0\x9f\x98\x80", {84, 68, 68}}, /* 'a😀' */
        {"\xf0\x9f\x98\x80", {80, 64, 64}},  /* '😀' */
    };
    for (int i = 0; i < 3; i++) {
        hp_heap *h = new_heap(versions[i]);
        for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++) {
            push_cstr(h, strs[k].s);
            ck_assert_msg(size_top(h) == strs[k].size[i],
                          "%s: getsizeof(#%zu) = %llu, want %llu", versions[i],
                          k, (unsigned long long)size_top(h),
                          (unsigned long long)strs[k].size[i]);
        }
        /* 'x' * 100: 149 in 3.11, 141 after */
        char hundred[101];
        memset(hundred, 'x', 100);
        ck_assert_int_eq(hp_push_str(h, hundred, 100), 0);
        ck_assert_uint_eq(size_top(h), i == 0 ? 149 : 141);
        hp_heap_free(h);
    }
}
END_TEST

/* A str whose kind (aux) was never set is sized from its UTF-8. */
START_TEST(test_size_str_without_kind)
{
    hp_heap *h = new_heap("3.12");
    const char text[] = "\xc3\xa9\xe2\x82\xac"; /* 'é€': UCS-2 */
    hp_str *s = calloc(1, sizeof(hp_str) + sizeof text);
    ck_assert_ptr_nonnull(s);
    s->ob.type = HP_T_STR;
    s->len = 2;
    s->nbytes = sizeof text - 1;
    memcpy(s->data, text, sizeof text);
    /* getsizeof('é€') in 3.12.1: 56 + 3 * 2 */
    ck_assert_uint_eq(hp__sizeof(h, &s->ob), 62);
    memcpy(s->data, "ab", 3);
    s->nbytes = 2;
    ck_assert_uint_eq(hp__sizeof(h, &s->ob), 43); /* getsizeof('ab') */
    free(s);
    hp_heap_free(h);
}
END_TEST

START_TEST(test_size_containers)
{
    for (int i = 0; i < 3; i++) {
        hp_heap *h = new_heap(versions[i]);
        /* () 40, (1,) 48, (1,2,3) 64 */
        ck_assert_int_eq(hp_build_tuple(h, 0), 0);
        ck_assert_uint_eq(size_top(h), 40);
        ck_assert_int_eq(hp_push_int(h, 1), 0);
        ck_assert_int_eq(hp_build_tuple(h, 1), 0);
        ck_assert_uint_eq(size_top(h), 48);
        for (int k = 1; k <= 3; k++)
            ck_assert_int_eq(hp_push_int(h, k), 0);
        ck_assert_int_eq(hp_build_tuple(h, 3), 0);
        ck_assert_uint_eq(size_top(h), 64);
        /* [a, b] built from two names (BUILD_LIST 2): 72 */
        ck_assert_int_eq(hp_push_int(h, 1000), 0);
        ck_assert_int_eq(hp_push_int(h, 1001), 0);
        ck_assert_int_eq(hp_build_list(h, 2), 0);
        ck_assert_uint_eq(size_top(h), 72);
        ck_assert_int_eq(hp_pop(h), 0);
        /* [] 56; append growth: len 1 -> 88, len 5 -> 120, len 9 -> 184 */
        ck_assert_int_eq(hp_build_list(h, 0), 0);
        ck_assert_uint_eq(size_top(h), 56);
        static const uint64_t after_append[10] = {0,   88,  88,  88,  88,
                                                  120, 120, 120, 120, 184};
        for (int k = 1; k <= 9; k++) {
            ck_assert_int_eq(hp_dup(h), 0);
            ck_assert_int_eq(hp_push_int(h, k), 0);
            ck_assert_int_eq(hp_list_append(h), 0);
            ck_assert_uint_eq(size_top(h), after_append[k]);
        }
        /* {} 64, {'a': 1} 184, {1: 1} 224 */
        ck_assert_int_eq(hp_build_dict(h, 0), 0);
        ck_assert_uint_eq(size_top(h), 64);
        push_cstr(h, "a");
        ck_assert_int_eq(hp_push_int(h, 1), 0);
        ck_assert_int_eq(hp_build_dict(h, 1), 0);
        ck_assert_uint_eq(size_top(h), 184);
        ck_assert_int_eq(hp_push_int(h, 1), 0);
        ck_assert_int_eq(hp_push_int(h, 1), 0);
        ck_assert_int_eq(hp_build_dict(h, 1), 0);
        ck_assert_uint_eq(size_top(h), 224);
        /* set() 216, {1} 216, frozenset() 216 */
        ck_assert_int_eq(hp_build_set(h, 0), 0);
        ck_assert_uint_eq(size_top(h), 216);
        ck_assert_int_eq(hp_push_int(h, 1), 0);
        ck_assert_int_eq(hp_build_set(h, 1), 0);
        ck_assert_uint_eq(size_top(h), 216);
        ck_assert_int_eq(hp_build_frozenset(h, 0), 0);
        ck_assert_uint_eq(size_top(h), 216);
        hp_heap_free(h);
    }
}
END_TEST

START_TEST(test_size_user_objects)
{
    /* class C: pass -> 1688 / 1704 / 1712; C() with 0 or 3 attributes
     * -> 56 / 48 / 48; def f(): pass -> 152 / 160 / 160; weakref 80;
     * f.__code__ -> 192 / 200 / 208 */
    static const uint64_t cls[3] = {1688, 1704, 1712};
    static const uint64_t inst[3] = {56, 48, 48};
    static const uint64_t func[3] = {152, 160, 160};
    static const uint64_t code[3] = {192, 200, 208};
    for (int i = 0; i < 3; i++) {
        hp_heap *h = new_heap(versions[i]);
        ck_assert_int_eq(hp_build_dict(h, 0), 0);
        ck_assert_int_eq(hp_build_class(h, "C"), 0);
        ck_assert_uint_eq(size_top(h), cls[i]);
        ck_assert_int_eq(hp_dup(h), 0);
        ck_assert_int_eq(hp_new_instance(h), 0);
        ck_assert_uint_eq(size_top(h), inst[i]);
        static const char *const names[3] = {"a", "b", "c"};
        for (int k = 0; k < 3; k++) {
            ck_assert_int_eq(hp_dup(h), 0);
            ck_assert_int_eq(hp_push_int(h, k), 0);
            ck_assert_int_eq(hp_setattr(h, names[k]), 0);
        }
        ck_assert_uint_eq(size_top(h), inst[i]);
        /* weakref.ref(instance), no callback */
        ck_assert_int_eq(hp_dup(h), 0);
        ck_assert_int_eq(hp_push_none(h), 0);
        ck_assert_int_eq(hp_new_weakref(h), 0);
        ck_assert_uint_eq(size_top(h), 80);
        ck_assert_int_eq(hp_build_code(h, "f", 0), 0);
        ck_assert_uint_eq(size_top(h), code[i]);
        ck_assert_int_eq(hp_push_none(h), 0);
        ck_assert_int_eq(hp_build_function(h, "f"), 0);
        ck_assert_uint_eq(size_top(h), func[i]);
        hp_heap_free(h);
    }
}
END_TEST

static Suite *profile_suite(void)
{
    Suite *s = suite_create("profile");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_find);
    tcase_add_test(tc, test_thresholds);
    tcase_add_test(tc, test_immortality);
    tcase_add_test(tc, test_immortal_refcount);
    tcase_add_test(tc, test_size_scalars);
    tcase_add_test(tc, test_size_str);
    tcase_add_test(tc, test_size_str_without_kind);
    tcase_add_test(tc, test_size_containers);
    tcase_add_test(tc, test_size_user_objects);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(profile_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
