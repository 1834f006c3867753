/*
 * test_ops.c: core/ops.c, the operations on a heap's value stack, against
 * CPython 3.12.  The Python line above an assertion is what it checks; each
 * was run with CPython 3.12.1 (PYENV_VERSION=3.12.1 python3 -c ...) and its
 * output is the expected value.  Where the expectation comes from heap.h
 * instead, the comment says so.
 *
 * CPython's getrefcount(x) counts its own argument; the engine's
 * hp_refcount does not, so the tests push the object once more
 * (t_getrefcount) and compare with CPython's number.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hptest.h"

/* ---- helpers ------------------------------------------------------------- */

static hp_obj *top(hp_heap *h)
{
    hp_obj *o = hp_peek(h, 0);
    ck_assert_ptr_nonnull(o);
    return o;
}

static int64_t int_of(const hp_obj *o)
{
    int64_t v = 0;
    ck_assert_int_eq(hp_int_value(o, &v), 0);
    return v;
}

static const char *str_of(const hp_obj *o)
{
    const char *s = hp_str_utf8(o, NULL);
    ck_assert_ptr_nonnull(s);
    return s;
}

/* A list display of int constants as CPython 3.12 compiles it:
 * BUILD_LIST 0; LOAD_CONST (v0, v1, ...); LIST_EXTEND 1. */
static void list_display(hp_heap *h, const int64_t *v, uint32_t n)
{
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_dup(h));
    for (uint32_t i = 0; i < n; i++)
        T_OK(h, hp_push_int(h, v[i]));
    T_OK(h, hp_build_tuple(h, n));
    T_OK(h, hp_list_extend(h));
}

/* [0, 1, ..., n-1] as a display of constants. */
static void list_range(hp_heap *h, uint32_t n)
{
    int64_t v[64];
    ck_assert_uint_le(n, 64);
    for (uint32_t i = 0; i < n; i++)
        v[i] = i;
    list_display(h, v, n);
}

/* VAR = [] */
static void new_list_global(hp_heap *h, const char *var)
{
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_store_global(h, var));
}

/* Pushes c[i] for the container c at the given depth, which stays. */
static void item_of(hp_heap *h, uint32_t depth, int64_t i)
{
    T_OK(h, hp_push_obj(h, hp_peek(h, depth)));
    T_OK(h, hp_push_int(h, i));
    T_OK(h, hp_getitem(h));
}

/* Pushes c[i] for the container c on top, which stays. */
static void item_at(hp_heap *h, int64_t i)
{
    item_of(h, 0, i);
}

static uint64_t global_size(hp_heap *h, const char *var)
{
    return hp_getsizeof(h, t_global(h, var));
}

/* class NAME: pass, bound to a global, and an instance bound to VAR. */
static void class_and_instance(hp_heap *h, const char *cls, const char *var)
{
    t_class(h, cls, 0);
    T_OK(h, hp_load_global(h, cls));
    T_OK(h, hp_new_instance(h));
    T_OK(h, hp_store_global(h, var));
}

/* def NAME(): pass -- code with co_consts (None,), no defaults. */
static void def_function(hp_heap *h, const char *name)
{
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_build_code(h, name, 1));
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_build_function(h, name));
}

/* ---- builders ------------------------------------------------------------ */

START_TEST(build_tuple)
{
    hp_heap *h = t_heap(NULL);
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_push_int(h, 2));
    T_OK(h, hp_push_int(h, 3));
    T_OK(h, hp_build_tuple(h, 3));
    ck_assert_uint_eq(hp_stack_size(h), 1);
    hp_obj *t = top(h);
    ck_assert_int_eq(hp_typeof(t), HP_T_TUPLE);
    ck_assert_str_eq(hp_type_name(t), "tuple");
    /* len((1, 2, 3)) == 3; (1, 2, 3)[0] == 1, [2] == 3 */
    ck_assert_int_eq(hp_len(t), 3);
    ck_assert_int_eq(int_of(hp_seq_item(t, 0)), 1);
    ck_assert_int_eq(int_of(hp_seq_item(t, 2)), 3);
    /* sys.getsizeof((1, 2, 3)) == 64 */
    ck_assert_uint_eq(hp_getsizeof(h, t), 64);
    /* repr((1, 2, 3)) == '(1, 2, 3)' */
    ck_assert_str_eq(t_repr(h, t), "(1, 2, 3)");
    /* gc.is_tracked(tuple([1, 2])) == True (untracked only by a collection) */
    ck_assert(hp_gc_is_tracked(t));
    T_OK(h, hp_pop(h));

    /* repr((1,)) == '(1,)'; sys.getsizeof((1,)) == 48 */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_build_tuple(h, 1));
    ck_assert_str_eq(t_repr_top(h), "(1,)");
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 48);
    T_OK(h, hp_pop(h));

    /* () is ()  -> True: the empty tuple is shared */
    T_OK(h, hp_build_tuple(h, 0));
    T_OK(h, hp_build_tuple(h, 0));
    ck_assert_ptr_eq(hp_peek(h, 0), hp_peek(h, 1));
    /* repr(()) == '()'; sys.getsizeof(()) == 40; gc.is_tracked(()) == False */
    ck_assert_str_eq(t_repr_top(h), "()");
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 40);
    ck_assert(!hp_gc_is_tracked(top(h)));
    /* sys.getrefcount(()) == 4294967295 (immortal in 3.12) */
    ck_assert_uint_eq(hp_refcount(h, top(h)), 4294967295u);
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(build_tuple_moves_references)
{
    hp_heap *h = t_heap(NULL);
    new_list_global(h, "x");
    /* x = []; sys.getrefcount(x) == 2 */
    ck_assert_uint_eq(t_getrefcount(h, "x"), 2);
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_build_tuple(h, 2));
    T_OK(h, hp_store_global(h, "t"));
    /* x = []; t = (x, x); sys.getrefcount(x) == 4 */
    ck_assert_uint_eq(t_getrefcount(h, "x"), 4);
    T_OK(h, hp_delete_global(h, "t"));
    /* ...; del t; sys.getrefcount(x) == 2 */
    ck_assert_uint_eq(t_getrefcount(h, "x"), 2);
    ck_assert_uint_eq(hp_stack_size(h), 0);
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(build_list)
{
    hp_heap *h = t_heap(NULL);
    T_OK(h, hp_build_list(h, 0));
    hp_obj *l = top(h);
    ck_assert_int_eq(hp_typeof(l), HP_T_LIST);
    /* len([]) == 0; sys.getsizeof([]) == 56; gc.is_tracked([]) == True */
    ck_assert_int_eq(hp_len(l), 0);
    ck_assert_uint_eq(hp_getsizeof(h, l), 56);
    ck_assert(hp_gc_is_tracked(l));
    /* repr([]) == '[]' */
    ck_assert_str_eq(t_repr(h, l), "[]");
    T_OK(h, hp_pop(h));

    /* x = 1; y = 'a'; [x, y] is BUILD_LIST 2: sys.getsizeof([x, y]) == 72 */
    T_OK(h, hp_push_int(h, 1));
    t_push_cstr(h, "a");
    T_OK(h, hp_build_list(h, 2));
    ck_assert_uint_eq(hp_stack_size(h), 1);
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 72);
    /* repr([1, 'a']) == "[1, 'a']" */
    ck_assert_str_eq(t_repr_top(h), "[1, 'a']");
    ck_assert_int_eq(int_of(hp_seq_item(top(h), 0)), 1);
    ck_assert_str_eq(str_of(hp_seq_item(top(h), 1)), "a");
    T_OK(h, hp_pop(h));

    /* [x] is BUILD_LIST 1: sys.getsizeof([x]) == 64 */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_build_list(h, 1));
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 64);
    T_OK(h, hp_pop(h));

    /* [1, 2, 3] is BUILD_LIST 0 + LIST_EXTEND (1, 2, 3):
     * sys.getsizeof([1, 2, 3]) == 88 */
    int64_t v[] = {1, 2, 3};
    list_display(h, v, 3);
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 88);
    /* repr([1, 2, 3]) == '[1, 2, 3]' */
    ck_assert_str_eq(t_repr_top(h), "[1, 2, 3]");
    T_OK(h, hp_pop(h));
    /* sys.getsizeof([1, 2, 3, 4, 5, 6]) == 104 */
    list_range(h, 6);
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 104);
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(build_set_and_frozenset)
{
    hp_heap *h = t_heap(NULL);
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_push_int(h, 2));
    T_OK(h, hp_push_int(h, 2));
    T_OK(h, hp_push_int(h, 3));
    T_OK(h, hp_build_set(h, 4));
    hp_obj *s = top(h);
    ck_assert_int_eq(hp_typeof(s), HP_T_SET);
    /* len({1, 2, 2, 3}) == 3; repr({1, 2, 2, 3}) == '{1, 2, 3}' */
    ck_assert_int_eq(hp_len(s), 3);
    ck_assert_str_eq(t_repr(h, s), "{1, 2, 3}");
    /* sys.getsizeof({1, 2, 3}) == 216; gc.is_tracked(set()) == True */
    ck_assert_uint_eq(hp_getsizeof(h, s), 216);
    ck_assert(hp_gc_is_tracked(s));
    T_OK(h, hp_pop(h));

    /* repr(set()) == 'set()' */
    T_OK(h, hp_build_set(h, 0));
    ck_assert_str_eq(t_repr_top(h), "set()");
    T_OK(h, hp_pop(h));

    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_build_frozenset(h, 1));
    hp_obj *f = top(h);
    ck_assert_int_eq(hp_typeof(f), HP_T_FROZENSET);
    ck_assert_str_eq(hp_type_name(f), "frozenset");
    /* repr(frozenset({1})) == 'frozenset({1})';
     * sys.getsizeof(frozenset({1})) == 216;
     * gc.is_tracked(frozenset({1})) == True */
    ck_assert_str_eq(t_repr(h, f), "frozenset({1})");
    ck_assert_uint_eq(hp_getsizeof(h, f), 216);
    ck_assert(hp_gc_is_tracked(f));
    T_OK(h, hp_pop(h));
    /* repr(frozenset()) == 'frozenset()' */
    T_OK(h, hp_build_frozenset(h, 0));
    ck_assert_str_eq(t_repr_top(h), "frozenset()");
    T_OK(h, hp_pop(h));

    /* x = tuple([1]); s = {x, x}; sys.getrefcount(x) == 3 */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_build_tuple(h, 1));
    T_OK(h, hp_store_global(h, "x"));
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_build_set(h, 2));
    T_OK(h, hp_store_global(h, "s"));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 3);

    /* {1, []}  -> TypeError: unhashable type: 'list' */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_build_list(h, 0));
    T_ERR_SAME(h, hp_build_set(h, 2), HP_E_TYPE, "unhashable type: 'list'");
    T_ERR_SAME(h, hp_build_frozenset(h, 2), HP_E_TYPE,
               "unhashable type: 'list'");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(build_dict)
{
    hp_heap *h = t_heap(NULL);
    T_OK(h, hp_build_dict(h, 0));
    /* sys.getsizeof({}) == 64; gc.is_tracked({}) == False; repr({}) == '{}' */
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 64);
    ck_assert(!hp_gc_is_tracked(top(h)));
    ck_assert_str_eq(t_repr_top(h), "{}");
    T_OK(h, hp_pop(h));

    t_push_cstr(h, "a");
    T_OK(h, hp_push_int(h, 1));
    t_push_cstr(h, "b");
    T_OK(h, hp_push_int(h, 2));
    T_OK(h, hp_build_dict(h, 2));
    ck_assert_uint_eq(hp_stack_size(h), 1);
    hp_obj *d = top(h);
    /* len({'a': 1, 'b': 2}) == 2; sys.getsizeof({'a': 1, 'b': 2}) == 184 */
    ck_assert_int_eq(hp_len(d), 2);
    ck_assert_uint_eq(hp_getsizeof(h, d), 184);
    /* repr({'a': 1, 'b': 2}) == "{'a': 1, 'b': 2}";
     * gc.is_tracked({'a': 1}) == False */
    ck_assert_str_eq(t_repr(h, d), "{'a': 1, 'b': 2}");
    ck_assert(!hp_gc_is_tracked(d));
    T_OK(h, hp_pop(h));

    /* sys.getsizeof({1: 1}) == 224 */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_build_dict(h, 1));
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 224);
    T_OK(h, hp_pop(h));

    /* {'a': []}: gc.is_tracked({'a': []}) == True */
    t_push_cstr(h, "a");
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_build_dict(h, 1));
    ck_assert(hp_gc_is_tracked(top(h)));
    T_OK(h, hp_pop(h));

    /* repr({1: 'a', 1.0: 'b', True: 'c'}) == "{1: 'c'}": the first key
     * stays, the last value wins */
    T_OK(h, hp_push_int(h, 1));
    t_push_cstr(h, "a");
    T_OK(h, hp_push_float(h, 1.0));
    t_push_cstr(h, "b");
    T_OK(h, hp_push_bool(h, 1));
    t_push_cstr(h, "c");
    T_OK(h, hp_build_dict(h, 3));
    ck_assert_int_eq(hp_len(top(h)), 1);
    ck_assert_str_eq(t_repr_top(h), "{1: 'c'}");
    T_OK(h, hp_pop(h));

    /* {[1]: 2}  -> TypeError: unhashable type: 'list' */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_build_list(h, 1));
    T_OK(h, hp_push_int(h, 2));
    T_ERR_SAME(h, hp_build_dict(h, 1), HP_E_TYPE, "unhashable type: 'list'");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(dict_iteration_order)
{
    hp_heap *h = t_heap(NULL);
    const char *keys[] = {"b", "a", "c"};
    for (int i = 0; i < 3; i++) {
        t_push_cstr(h, keys[i]);
        T_OK(h, hp_push_int(h, i + 1));
    }
    T_OK(h, hp_build_dict(h, 3));
    T_OK(h, hp_store_global(h, "d"));
    /* d = {'b': 1, 'a': 2, 'c': 3}; del d['a']; d['a'] = 4 */
    T_OK(h, hp_load_global(h, "d"));
    t_push_cstr(h, "a");
    T_OK(h, hp_delitem(h));
    T_OK(h, hp_load_global(h, "d"));
    t_push_cstr(h, "a");
    T_OK(h, hp_push_int(h, 4));
    T_OK(h, hp_setitem(h));
    /* list(d.items()) == [('b', 1), ('c', 3), ('a', 4)] */
    const char *want_k[] = {"b", "c", "a"};
    const int64_t want_v[] = {1, 3, 4};
    hp_obj *d = t_global(h, "d");
    uint64_t pos = 0;
    hp_obj *k, *v;
    int n = 0;
    while (hp_iter_items(d, &pos, &k, &v)) {
        ck_assert_int_lt(n, 3);
        ck_assert_str_eq(str_of(k), want_k[n]);
        ck_assert_int_eq(int_of(v), want_v[n]);
        n++;
    }
    ck_assert_int_eq(n, 3);
    /* repr(d) == "{'b': 1, 'c': 3, 'a': 4}" */
    ck_assert_str_eq(t_repr(h, d), "{'b': 1, 'c': 3, 'a': 4}");
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(build_code_and_function)
{
    hp_heap *h = t_heap(NULL);
    /* def f(): pass -- f.__code__.co_consts == (None,) */
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_build_code(h, "f", 1));
    hp_obj *code = top(h);
    ck_assert_int_eq(hp_typeof(code), HP_T_CODE);
    ck_assert_str_eq(hp_name_of(code), "f");
    ck_assert_int_eq(hp_typeof(hp_seq_item(code, 0)), HP_T_NONE);
    ck_assert_ptr_null(hp_seq_item(code, 1));
    /* sys.getsizeof(f.__code__) == 200; gc.is_tracked(f.__code__) == False */
    ck_assert_uint_eq(hp_getsizeof(h, code), 200);
    ck_assert(!hp_gc_is_tracked(code));

    /* g0 = sys.getrefcount(globals()); def g(): pass;
     * sys.getrefcount(globals()) - g0 == 1 */
    uint64_t g0 = hp_refcount(h, hp_globals(h));
    uint64_t c0 = hp_refcount(h, code);
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_build_function(h, "f"));
    ck_assert_uint_eq(hp_stack_size(h), 1);
    hp_obj *fn = top(h);
    ck_assert_uint_eq(hp_refcount(h, hp_globals(h)) - g0, 1);
    /* heap.h: the function holds the code it popped: the count moved */
    ck_assert_ptr_eq(hp_function_code(fn), code);
    ck_assert_uint_eq(hp_refcount(h, code), c0);
    ck_assert_int_eq(hp_typeof(fn), HP_T_FUNCTION);
    ck_assert_str_eq(hp_name_of(fn), "f");
    ck_assert_str_eq(hp_type_name(fn), "function");
    /* sys.getsizeof(f) == 160; gc.is_tracked(f) == True */
    ck_assert_uint_eq(hp_getsizeof(h, fn), 160);
    ck_assert(hp_gc_is_tracked(fn));
    /* repr(f)[:16] == '<function f at 0' */
    ck_assert_int_eq(strncmp(t_repr(h, fn), "<function f at 0", 16), 0);
    T_OK(h, hp_store_global(h, "f"));

    /* def h(a, b=2): pass -- h.__defaults__ == (2,) */
    T_OK(h, hp_build_code(h, "h", 0));
    T_OK(h, hp_push_int(h, 2));
    T_OK(h, hp_build_tuple(h, 1));
    hp_obj *defaults = top(h);
    T_OK(h, hp_build_function(h, "h"));
    ck_assert_uint_eq(hp_refcount(h, defaults), 1); /* held by h only */
    T_OK(h, hp_pop(h));

    /* types.FunctionType(1, {})
     *   -> TypeError: function() argument 'code' must be code, not int */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_push_none(h));
    T_ERR_SAME(h, hp_build_function(h, "x"), HP_E_TYPE,
               "function() argument 'code' must be code, not int");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(build_function_bad_defaults)
{
    hp_heap *h = t_heap(NULL);
    T_OK(h, hp_build_code(h, "f", 0));
    T_OK(h, hp_push_int(h, 1));
    /* types.FunctionType(f.__code__, {}, None, 1)
     *   -> TypeError: arg 4 (defaults) must be None or tuple */
    T_ERR_SAME(h, hp_build_function(h, "f"), HP_E_TYPE,
               "arg 4 (defaults) must be None or tuple");
    hp_heap_free(h);
}
END_TEST

START_TEST(build_class_and_instance)
{
    hp_heap *h = t_heap(NULL);
    t_push_cstr(h, "k");
    T_OK(h, hp_push_int(h, 5));
    T_OK(h, hp_build_dict(h, 1));
    T_OK(h, hp_build_class(h, "C"));
    hp_obj *cls = top(h);
    ck_assert_int_eq(hp_typeof(cls), HP_T_CLASS);
    ck_assert_str_eq(hp_name_of(cls), "C");
    /* type(C).__name__ == 'type'; repr(C) == "<class '__main__.C'>" */
    ck_assert_str_eq(hp_type_name(cls), "type");
    ck_assert_str_eq(t_repr(h, cls), "<class '__main__.C'>");
    /* sys.getsizeof(C) == 1704; gc.is_tracked(C) == True */
    ck_assert_uint_eq(hp_getsizeof(h, cls), 1704);
    ck_assert(hp_gc_is_tracked(cls));
    /* class C: k = 5 -- C.k == 5; C.__dict__.get('z') is None */
    ck_assert_int_eq(int_of(hp_class_lookup(cls, "k")), 5);
    ck_assert_ptr_null(hp_class_lookup(cls, "z"));
    T_OK(h, hp_store_global(h, "C"));

    /* c0 = sys.getrefcount(C); c = C(); sys.getrefcount(C) - c0 == 1 */
    uint64_t c0 = t_getrefcount(h, "C");
    T_OK(h, hp_load_global(h, "C"));
    T_OK(h, hp_new_instance(h));
    T_OK(h, hp_store_global(h, "c"));
    ck_assert_uint_eq(t_getrefcount(h, "C") - c0, 1);
    hp_obj *c = t_global(h, "c");
    ck_assert_int_eq(hp_typeof(c), HP_T_INSTANCE);
    ck_assert_ptr_eq(hp_instance_class(c), cls);
    /* type(c).__name__ == 'C'; sys.getsizeof(c) == 48;
     * gc.is_tracked(c) == True */
    ck_assert_str_eq(hp_type_name(c), "C");
    ck_assert_uint_eq(hp_getsizeof(h, c), 48);
    ck_assert(hp_gc_is_tracked(c));
    /* repr(c)[:20] == '<__main__.C object a' */
    ck_assert_int_eq(strncmp(t_repr(h, c), "<__main__.C object a", 20), 0);
    /* c = C(); sys.getrefcount(c) == 2 */
    ck_assert_uint_eq(t_getrefcount(h, "c"), 2);

    /* 1()  -> TypeError: 'int' object is not callable */
    T_OK(h, hp_push_int(h, 1));
    T_ERR_SAME(h, hp_new_instance(h), HP_E_TYPE,
               "'int' object is not callable");
    T_OK(h, hp_pop(h));
    /* C()()  -> TypeError: 'C' object is not callable */
    T_OK(h, hp_load_global(h, "c"));
    T_ERR_SAME(h, hp_new_instance(h), HP_E_TYPE, "'C' object is not callable");
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(build_class_needs_a_dict)
{
    hp_heap *h = t_heap(NULL);
    T_OK(h, hp_push_int(h, 1));
    /* type('C', (), 1)
     *   -> TypeError: type.__new__() argument 3 must be dict, not int */
    T_ERR_SAME(h, hp_build_class(h, "C"), HP_E_TYPE,
               "type.__new__() argument 3 must be dict, not int");
    hp_heap_free(h);
}
END_TEST

START_TEST(class_with_del_is_a_finalizer)
{
    hp_heap *h = t_heap(NULL);
    t_class(h, "D", 1);
    /* heap.h: a function stored under "__del__" gives the class a finalizer */
    ck_assert_int_eq(hp_typeof(hp_class_lookup(t_global(h, "D"), "__del__")),
                     HP_T_FUNCTION);
    t_instance(h, "D", "d", "d");
    t_log log = {0};
    t_del(h, "d", &log);
    ck_assert_str_eq(log.text, "del d;");
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

/* ---- subscripts ---------------------------------------------------------- */

START_TEST(getitem_list_and_tuple)
{
    hp_heap *h = t_heap(NULL);
    int64_t v[] = {10, 20, 30};
    list_display(h, v, 3);
    /* l = [10, 20, 30]; l[0] == 10; l[-1] == 30; l[-3] == 10; l[True] == 20 */
    item_at(h, 0);
    ck_assert_int_eq(int_of(top(h)), 10);
    T_OK(h, hp_pop(h));
    item_at(h, -1);
    ck_assert_int_eq(int_of(top(h)), 30);
    T_OK(h, hp_pop(h));
    item_at(h, -3);
    ck_assert_int_eq(int_of(top(h)), 10);
    T_OK(h, hp_pop(h));
    T_OK(h, hp_dup(h));
    T_OK(h, hp_push_bool(h, 1));
    T_OK(h, hp_getitem(h));
    ck_assert_int_eq(int_of(top(h)), 20);
    T_OK(h, hp_pop(h));
    /* l[3] and l[-4]  -> IndexError: list index out of range */
    T_OK(h, hp_dup(h));
    T_OK(h, hp_push_int(h, 3));
    T_ERR_SAME(h, hp_getitem(h), HP_E_INDEX, "list index out of range");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_push_int(h, -4));
    T_ERR_SAME(h, hp_getitem(h), HP_E_INDEX, "list index out of range");
    T_OK(h, hp_pop(h));
    /* l['x']  -> TypeError: list indices must be integers or slices, not str */
    t_push_cstr(h, "x");
    T_ERR_SAME(h, hp_getitem(h), HP_E_TYPE,
               "list indices must be integers or slices, not str");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));

    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_push_int(h, 2));
    T_OK(h, hp_build_tuple(h, 2));
    /* t = (1, 2); t[1] == 2; t[-2] == 1 */
    item_at(h, 1);
    ck_assert_int_eq(int_of(top(h)), 2);
    T_OK(h, hp_pop(h));
    item_at(h, -2);
    ck_assert_int_eq(int_of(top(h)), 1);
    T_OK(h, hp_pop(h));
    /* (1, 2)[2]  -> IndexError: tuple index out of range */
    T_OK(h, hp_dup(h));
    T_OK(h, hp_push_int(h, 2));
    T_ERR_SAME(h, hp_getitem(h), HP_E_INDEX, "tuple index out of range");
    T_OK(h, hp_pop(h));
    /* (1,)['x']  -> TypeError: tuple indices must be integers or slices,
     * not str */
    t_push_cstr(h, "x");
    T_ERR_SAME(h, hp_getitem(h), HP_E_TYPE,
               "tuple indices must be integers or slices, not str");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    ck_assert_uint_eq(hp_stack_size(h), 0);
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(getitem_adds_a_reference)
{
    hp_heap *h = t_heap(NULL);
    new_list_global(h, "x");
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_build_list(h, 1));
    T_OK(h, hp_store_global(h, "l"));
    /* x = []; l = [x]; sys.getrefcount(x) == 3 */
    ck_assert_uint_eq(t_getrefcount(h, "x"), 3);
    T_OK(h, hp_load_global(h, "l"));
    T_OK(h, hp_push_int(h, 0));
    T_OK(h, hp_getitem(h));
    ck_assert_ptr_eq(top(h), t_global(h, "x"));
    T_OK(h, hp_store_global(h, "y"));
    /* x = []; l = [x]; y = l[0]; sys.getrefcount(x) == 4 */
    ck_assert_uint_eq(t_getrefcount(h, "x"), 4);
    /* the list is no longer on the stack: sys.getrefcount(l) == 2 */
    ck_assert_uint_eq(t_getrefcount(h, "l"), 2);
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(getitem_str)
{
    hp_heap *h = t_heap(NULL);
    t_push_cstr(h, "abc");
    /* 'abc'[0] == 'a'; 'abc'[-1] == 'c' */
    item_at(h, 0);
    ck_assert_str_eq(str_of(top(h)), "a");
    ck_assert_int_eq(hp_typeof(top(h)), HP_T_STR);
    T_OK(h, hp_pop(h));
    item_at(h, -1);
    ck_assert_str_eq(str_of(top(h)), "c");
    T_OK(h, hp_pop(h));
    /* s = 'abc'; s[1] is s[1]  -> True (one-character strs are shared) */
    item_at(h, 1);
    item_of(h, 1, 1);
    ck_assert_ptr_eq(hp_peek(h, 0), hp_peek(h, 1));
    /* sys.getrefcount('hello'[1]) == 4294967295 */
    ck_assert_uint_eq(hp_refcount(h, top(h)), 4294967295u);
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    /* 'abc'[3]  -> IndexError: string index out of range */
    T_OK(h, hp_dup(h));
    T_OK(h, hp_push_int(h, 3));
    T_ERR_SAME(h, hp_getitem(h), HP_E_INDEX, "string index out of range");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_push_int(h, -4));
    T_ERR_SAME(h, hp_getitem(h), HP_E_INDEX, "string index out of range");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));

    /* u = 'aé€😀'; u[1] == 'é'; u[-1] == '😀'; u[2] == '€' */
    t_push_cstr(h, "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    item_at(h, 1);
    ck_assert_str_eq(str_of(top(h)), "\xc3\xa9");
    T_OK(h, hp_pop(h));
    item_at(h, -1);
    ck_assert_str_eq(str_of(top(h)), "\xf0\x9f\x98\x80");
    T_OK(h, hp_pop(h));
    item_at(h, 2);
    ck_assert_str_eq(str_of(top(h)), "\xe2\x82\xac");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(getitem_str_type_error)
{
    hp_heap *h = t_heap(NULL);
    t_push_cstr(h, "abc");
    t_push_cstr(h, "x");
    /* 'abc'['x']  -> TypeError: string indices must be integers, not 'str' */
    T_ERR_SAME(h, hp_getitem(h), HP_E_TYPE,
               "string indices must be integers, not 'str'");
    hp_heap_free(h);
}
END_TEST

START_TEST(getitem_bytes)
{
    hp_heap *h = t_heap(NULL);
    T_OK(h, hp_push_bytes(h, "abc", 3));
    /* b'abc'[0] == 97; b'abc'[-3] == 97; b'abc'[-1] == 99 */
    item_at(h, 0);
    ck_assert_int_eq(hp_typeof(top(h)), HP_T_INT);
    ck_assert_int_eq(int_of(top(h)), 97);
    T_OK(h, hp_pop(h));
    item_at(h, -3);
    ck_assert_int_eq(int_of(top(h)), 97);
    T_OK(h, hp_pop(h));
    item_at(h, -1);
    ck_assert_int_eq(int_of(top(h)), 99);
    T_OK(h, hp_pop(h));
    /* b'abc'['x']
     * -> TypeError: byte indices must be integers or slices, not str */
    t_push_cstr(h, "x");
    T_ERR_SAME(h, hp_getitem(h), HP_E_TYPE,
               "byte indices must be integers or slices, not str");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(getitem_bytes_index_error)
{
    hp_heap *h = t_heap(NULL);
    T_OK(h, hp_push_bytes(h, "abc", 3));
    T_OK(h, hp_push_int(h, 3));
    /* b'abc'[3]  -> IndexError: index out of range */
    T_ERR_SAME(h, hp_getitem(h), HP_E_INDEX, "index out of range");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_push_int(h, -4));
    T_ERR_SAME(h, hp_getitem(h), HP_E_INDEX, "index out of range");
    hp_heap_free(h);
}
END_TEST

START_TEST(getitem_dict)
{
    hp_heap *h = t_heap(NULL);
    t_push_cstr(h, "k");
    T_OK(h, hp_push_int(h, 7));
    T_OK(h, hp_push_int(h, 1));
    t_push_cstr(h, "one");
    T_OK(h, hp_build_dict(h, 2));
    /* d = {'k': 7, 1: 'one'}; d['k'] == 7; d[1.0] == 'one'; d[True] == 'one' */
    T_OK(h, hp_dup(h));
    t_push_cstr(h, "k");
    T_OK(h, hp_getitem(h));
    ck_assert_int_eq(int_of(top(h)), 7);
    T_OK(h, hp_pop(h));
    T_OK(h, hp_dup(h));
    T_OK(h, hp_push_float(h, 1.0));
    T_OK(h, hp_getitem(h));
    ck_assert_str_eq(str_of(top(h)), "one");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_dup(h));
    T_OK(h, hp_push_bool(h, 1));
    T_OK(h, hp_getitem(h));
    ck_assert_str_eq(str_of(top(h)), "one");
    T_OK(h, hp_pop(h));
    /* {}['z']  -> KeyError: 'z' */
    T_OK(h, hp_dup(h));
    t_push_cstr(h, "z");
    T_ERR_SAME(h, hp_getitem(h), HP_E_KEY, "'z'");
    T_OK(h, hp_pop(h));
    /* {}[2]  -> KeyError: 2 */
    T_OK(h, hp_push_int(h, 2));
    T_ERR_SAME(h, hp_getitem(h), HP_E_KEY, "2");
    T_OK(h, hp_pop(h));
    /* {}[(1, 'a')]  -> KeyError: (1, 'a') */
    T_OK(h, hp_push_int(h, 1));
    t_push_cstr(h, "a");
    T_OK(h, hp_build_tuple(h, 2));
    T_ERR_SAME(h, hp_getitem(h), HP_E_KEY, "(1, 'a')");
    T_OK(h, hp_pop(h));
    /* {}[[1]]  -> TypeError: unhashable type: 'list' */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_build_list(h, 1));
    T_ERR_SAME(h, hp_getitem(h), HP_E_TYPE, "unhashable type: 'list'");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(getitem_not_subscriptable)
{
    hp_heap *h = t_heap(NULL);
    /* (5)[0]  -> TypeError: 'int' object is not subscriptable */
    T_OK(h, hp_push_int(h, 5));
    T_OK(h, hp_push_int(h, 0));
    T_ERR_SAME(h, hp_getitem(h), HP_E_TYPE,
               "'int' object is not subscriptable");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    /* None[0]  -> TypeError: 'NoneType' object is not subscriptable */
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_push_int(h, 0));
    T_ERR_SAME(h, hp_getitem(h), HP_E_TYPE,
               "'NoneType' object is not subscriptable");
    hp_heap_free(h);
}
END_TEST

START_TEST(setitem_list)
{
    hp_heap *h = t_heap(NULL);
    new_list_global(h, "x");
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_push_int(h, 2));
    T_OK(h, hp_build_list(h, 2));
    T_OK(h, hp_store_global(h, "l"));
    /* x = []; l = [x, 2]; sys.getrefcount(x) == 3 */
    ck_assert_uint_eq(t_getrefcount(h, "x"), 3);
    /* l[0] = None; sys.getrefcount(x) == 2 */
    T_OK(h, hp_load_global(h, "l"));
    T_OK(h, hp_push_int(h, 0));
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_setitem(h));
    ck_assert_uint_eq(hp_stack_size(h), 0);
    ck_assert_uint_eq(t_getrefcount(h, "x"), 2);
    /* l[-1] = x; l == [None, x]; sys.getrefcount(x) == 3 */
    T_OK(h, hp_load_global(h, "l"));
    T_OK(h, hp_push_int(h, -1));
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_setitem(h));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 3);
    ck_assert_str_eq(t_repr(h, t_global(h, "l")), "[None, []]");
    /* l[2] = 0 and l[-3] = 0
     * -> IndexError: list assignment index out of range */
    T_OK(h, hp_load_global(h, "l"));
    T_OK(h, hp_push_int(h, 2));
    T_OK(h, hp_push_int(h, 0));
    T_ERR_SAME(h, hp_setitem(h), HP_E_INDEX,
               "list assignment index out of range");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    T_OK(h, hp_push_int(h, -3));
    T_OK(h, hp_push_int(h, 0));
    T_ERR_SAME(h, hp_setitem(h), HP_E_INDEX,
               "list assignment index out of range");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    /* l['a'] = 0
     * -> TypeError: list indices must be integers or slices, not str */
    t_push_cstr(h, "a");
    T_OK(h, hp_push_int(h, 0));
    T_ERR_SAME(h, hp_setitem(h), HP_E_TYPE,
               "list indices must be integers or slices, not str");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(setitem_immutable)
{
    hp_heap *h = t_heap(NULL);
    /* t = (1, 2); t[0] = 3
     * -> TypeError: 'tuple' object does not support item assignment */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_push_int(h, 2));
    T_OK(h, hp_build_tuple(h, 2));
    T_OK(h, hp_push_int(h, 0));
    T_OK(h, hp_push_int(h, 3));
    T_ERR_SAME(h, hp_setitem(h), HP_E_TYPE,
               "'tuple' object does not support item assignment");
    T_OK(h, hp_pop(h));
    /* del t[0]  -> TypeError: 'tuple' object doesn't support item deletion */
    T_ERR_SAME(h, hp_delitem(h), HP_E_TYPE,
               "'tuple' object doesn't support item deletion");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    /* 'abc'[0] = 'x'
     * -> TypeError: 'str' object does not support item assignment */
    t_push_cstr(h, "abc");
    T_OK(h, hp_push_int(h, 0));
    t_push_cstr(h, "x");
    T_ERR_SAME(h, hp_setitem(h), HP_E_TYPE,
               "'str' object does not support item assignment");
    hp_heap_free(h);
}
END_TEST

START_TEST(setitem_dict)
{
    hp_heap *h = t_heap(NULL);
    T_OK(h, hp_build_dict(h, 0));
    T_OK(h, hp_store_global(h, "d"));
    new_list_global(h, "x");
    /* d = {}; d['k'] = x; sys.getrefcount(x) == 3 */
    T_OK(h, hp_load_global(h, "d"));
    t_push_cstr(h, "k");
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_setitem(h));
    ck_assert_uint_eq(hp_stack_size(h), 0);
    ck_assert_uint_eq(t_getrefcount(h, "x"), 3);
    ck_assert_int_eq(hp_len(t_global(h, "d")), 1);
    /* d['k'] = None; sys.getrefcount(x) == 2 */
    T_OK(h, hp_load_global(h, "d"));
    t_push_cstr(h, "k");
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_setitem(h));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 2);
    ck_assert_int_eq(hp_len(t_global(h, "d")), 1);
    /* repr(d) == "{'k': None}" */
    ck_assert_str_eq(t_repr(h, t_global(h, "d")), "{'k': None}");
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(delitem_not_a_sequence)
{
    hp_heap *h = t_heap(NULL);
    T_OK(h, hp_push_int(h, 5));
    T_OK(h, hp_push_int(h, 0));
    /* x = 5; del x[0]
     * -> TypeError: 'int' object does not support item deletion
     * (CPython says "doesn't" only for types with sequence methods) */
    T_ERR_SAME(h, hp_delitem(h), HP_E_TYPE,
               "'int' object does not support item deletion");
    hp_heap_free(h);
}
END_TEST

START_TEST(setitem_dict_unhashable_changes_nothing)
{
    hp_heap *h = t_heap(NULL);
    T_OK(h, hp_build_dict(h, 0));
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_push_int(h, 3));
    /* d = {}; d[[]] = 3  -> TypeError: unhashable type: 'list';
     * heap.h: a failed
     * call changes nothing the caller can observe (the operands stay) */
    T_ERR_SAME(h, hp_setitem(h), HP_E_TYPE, "unhashable type: 'list'");
    ck_assert_int_eq(hp_len(hp_peek(h, 2)), 0);
    hp_heap_free(h);
}
END_TEST

START_TEST(delitem_list_and_dict)
{
    hp_heap *h = t_heap(NULL);
    new_list_global(h, "x");
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_push_int(h, 3));
    T_OK(h, hp_build_list(h, 3));
    T_OK(h, hp_store_global(h, "l"));
    /* x = []; l = [1, x, 3]; del l[-2]; l == [1, 3]; sys.getrefcount(x) == 2 */
    T_OK(h, hp_load_global(h, "l"));
    T_OK(h, hp_push_int(h, -2));
    T_OK(h, hp_delitem(h));
    ck_assert_uint_eq(hp_stack_size(h), 0);
    ck_assert_str_eq(t_repr(h, t_global(h, "l")), "[1, 3]");
    ck_assert_uint_eq(t_getrefcount(h, "x"), 2);
    /* del l[0]; l == [3] */
    T_OK(h, hp_load_global(h, "l"));
    T_OK(h, hp_push_int(h, 0));
    T_OK(h, hp_delitem(h));
    ck_assert_str_eq(t_repr(h, t_global(h, "l")), "[3]");
    /* del l[5]  -> IndexError: list assignment index out of range */
    T_OK(h, hp_load_global(h, "l"));
    T_OK(h, hp_push_int(h, 5));
    T_ERR_SAME(h, hp_delitem(h), HP_E_INDEX,
               "list assignment index out of range");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));

    /* k = ''.join(['k', 'e', 'y']); d = {k: x}; sys.getrefcount(k) == 3 */
    t_push_cstr(h, "key");
    T_OK(h, hp_store_global(h, "k"));
    T_OK(h, hp_load_global(h, "k"));
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_build_dict(h, 1));
    T_OK(h, hp_store_global(h, "d"));
    ck_assert_uint_eq(t_getrefcount(h, "k"), 3);
    ck_assert_uint_eq(t_getrefcount(h, "x"), 3);
    /* del d[k]; sys.getrefcount(k) == 2; sys.getrefcount(x) == 2 */
    T_OK(h, hp_load_global(h, "d"));
    T_OK(h, hp_load_global(h, "k"));
    T_OK(h, hp_delitem(h));
    ck_assert_uint_eq(t_getrefcount(h, "k"), 2);
    ck_assert_uint_eq(t_getrefcount(h, "x"), 2);
    ck_assert_int_eq(hp_len(t_global(h, "d")), 0);
    /* del d['z']  -> KeyError: 'z' */
    T_OK(h, hp_load_global(h, "d"));
    t_push_cstr(h, "z");
    T_ERR_SAME(h, hp_delitem(h), HP_E_KEY, "'z'");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    /* del 'abc'[0]  -> TypeError: 'str' object doesn't support item deletion */
    t_push_cstr(h, "abc");
    T_OK(h, hp_push_int(h, 0));
    T_ERR_SAME(h, hp_delitem(h), HP_E_TYPE,
               "'str' object doesn't support item deletion");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

/* ---- attributes ---------------------------------------------------------- */

START_TEST(instance_attributes)
{
    hp_heap *h = t_heap(NULL);
    class_and_instance(h, "C", "c");
    new_list_global(h, "x");
    /* c.a = x; sys.getrefcount(x) == 3 */
    t_setattr(h, "c", "a", "x");
    ck_assert_uint_eq(t_getrefcount(h, "x"), 3);
    /* c.a is x */
    T_OK(h, hp_load_global(h, "c"));
    T_OK(h, hp_getattr(h, "a"));
    ck_assert_ptr_eq(top(h), t_global(h, "x"));
    /* sys.getrefcount(c.a) == 3: x, c.a, and the result,
     * which is the argument */
    ck_assert_uint_eq(hp_refcount(h, top(h)), 3);
    T_OK(h, hp_pop(h));
    /* c.a = None; sys.getrefcount(x) == 2 */
    T_OK(h, hp_load_global(h, "c"));
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_setattr(h, "a"));
    ck_assert_uint_eq(hp_stack_size(h), 0);
    ck_assert_uint_eq(t_getrefcount(h, "x"), 2);
    /* c.__class__ is C */
    T_OK(h, hp_load_global(h, "c"));
    T_OK(h, hp_getattr(h, "__class__"));
    ck_assert_ptr_eq(top(h), t_global(h, "C"));
    T_OK(h, hp_pop(h));
    /* C.k = 5; c.k == 5 (found on the class) */
    T_OK(h, hp_load_global(h, "C"));
    T_OK(h, hp_push_int(h, 5));
    T_OK(h, hp_setattr(h, "k"));
    T_OK(h, hp_load_global(h, "c"));
    T_OK(h, hp_getattr(h, "k"));
    ck_assert_int_eq(int_of(top(h)), 5);
    T_OK(h, hp_pop(h));
    /* C().x  -> AttributeError: 'C' object has no attribute 'x' */
    T_OK(h, hp_load_global(h, "c"));
    T_ERR_SAME(h, hp_getattr(h, "x"), HP_E_ATTRIBUTE,
               "'C' object has no attribute 'x'");
    /* del C().x  -> AttributeError: 'C' object has no attribute 'x' */
    T_ERR_SAME(h, hp_delattr(h, "x"), HP_E_ATTRIBUTE,
               "'C' object has no attribute 'x'");
    /* del c.a; c.a  -> AttributeError: 'C' object has no attribute 'a' */
    T_OK(h, hp_dup(h));
    T_OK(h, hp_delattr(h, "a"));
    T_ERR_SAME(h, hp_getattr(h, "a"), HP_E_ATTRIBUTE,
               "'C' object has no attribute 'a'");
    T_ERR_SAME(h, hp_delattr(h, "a"), HP_E_ATTRIBUTE,
               "'C' object has no attribute 'a'");
    T_OK(h, hp_pop(h));
    /* (1).x = 2  -> AttributeError: 'int' object has no attribute 'x' */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_push_int(h, 2));
    T_ERR_SAME(h, hp_setattr(h, "x"), HP_E_ATTRIBUTE,
               "'int' object has no attribute 'x'");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

/* The attributes of VAR, in iteration order, as "k=v;" with int values. */
static const char *attrs_of(hp_heap *h, const char *var)
{
    static char buf[256];
    buf[0] = 0;
    hp_obj *o = t_global(h, var), *k, *v;
    uint64_t pos = 0;
    while (hp_iter_items(o, &pos, &k, &v)) {
        size_t n = strlen(buf);
        snprintf(buf + n, sizeof buf - n, "%s=%lld;", str_of(k),
                 (long long)int_of(v));
    }
    return buf;
}

static void setattr_int(hp_heap *h, const char *var, const char *attr,
                        int64_t v)
{
    T_OK(h, hp_load_global(h, var));
    T_OK(h, hp_push_int(h, v));
    T_OK(h, hp_setattr(h, attr));
}

START_TEST(instance_attribute_order)
{
    hp_heap *h = t_heap(NULL);
    class_and_instance(h, "D", "d");
    /* d = D(); d.a = 1; d.b = 2; d.a = 5;
     * list(vars(d).items()) == [('a', 5), ('b', 2)] */
    setattr_int(h, "d", "a", 1);
    setattr_int(h, "d", "b", 2);
    setattr_int(h, "d", "a", 5);
    ck_assert_str_eq(attrs_of(h, "d"), "a=5;b=2;");
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(instance_attribute_order_after_delete)
{
    hp_heap *h = t_heap(NULL);
    class_and_instance(h, "C", "c");
    /* c = C(); c.x = 1; c.y = 2; del c.x; c.x = 3
     * list(vars(c).items()) == [('y', 2), ('x', 3)] */
    setattr_int(h, "c", "x", 1);
    setattr_int(h, "c", "y", 2);
    T_OK(h, hp_load_global(h, "c"));
    T_OK(h, hp_delattr(h, "x"));
    setattr_int(h, "c", "x", 3);
    ck_assert_str_eq(attrs_of(h, "c"), "y=2;x=3;");
    hp_heap_free(h);
}
END_TEST

START_TEST(class_attributes)
{
    hp_heap *h = t_heap(NULL);
    t_class(h, "C", 0);
    /* C.x  -> AttributeError: type object 'C' has no attribute 'x' */
    T_OK(h, hp_load_global(h, "C"));
    T_ERR_SAME(h, hp_getattr(h, "x"), HP_E_ATTRIBUTE,
               "type object 'C' has no attribute 'x'");
    /* del C.x  -> AttributeError: type object 'C' has no attribute 'x' */
    T_ERR_SAME(h, hp_delattr(h, "x"), HP_E_ATTRIBUTE,
               "type object 'C' has no attribute 'x'");
    T_OK(h, hp_pop(h));
    new_list_global(h, "v");
    /* C.m = v; sys.getrefcount(v) == 3; C.m is v */
    t_setattr(h, "C", "m", "v");
    ck_assert_uint_eq(t_getrefcount(h, "v"), 3);
    ck_assert_ptr_eq(hp_class_lookup(t_global(h, "C"), "m"), t_global(h, "v"));
    T_OK(h, hp_load_global(h, "C"));
    T_OK(h, hp_getattr(h, "m"));
    ck_assert_ptr_eq(top(h), t_global(h, "v"));
    T_OK(h, hp_pop(h));
    /* del C.m; sys.getrefcount(v) == 2 */
    T_OK(h, hp_load_global(h, "C"));
    T_OK(h, hp_delattr(h, "m"));
    ck_assert_uint_eq(t_getrefcount(h, "v"), 2);
    ck_assert_ptr_null(hp_class_lookup(t_global(h, "C"), "m"));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

/* ---- list methods and the sizes they leave ------------------------------- */

START_TEST(append_growth)
{
    hp_heap *h = t_heap(NULL);
    /* l = []; s = []
     * for i in range(41): l.append(i); s.append(sys.getsizeof(l)) */
    static const uint64_t want[41] = {
        88,  88,  88,  88,  120, 120, 120, 120, 184, 184, 184, 184, 184, 184,
        184, 184, 248, 248, 248, 248, 248, 248, 248, 248, 312, 312, 312, 312,
        312, 312, 312, 312, 376, 376, 376, 376, 376, 376, 376, 376, 472};
    new_list_global(h, "l");
    for (int i = 0; i < 41; i++) {
        T_OK(h, hp_load_global(h, "l"));
        T_OK(h, hp_push_int(h, i));
        T_OK(h, hp_list_append(h));
        ck_assert_uint_eq(hp_stack_size(h), 0);
        ck_assert_msg(global_size(h, "l") == want[i],
                      "after %d appends: %llu, not %llu", i + 1,
                      (unsigned long long)global_size(h, "l"),
                      (unsigned long long)want[i]);
    }
    ck_assert_int_eq(hp_len(t_global(h, "l")), 41);
    ck_assert_int_eq(int_of(hp_seq_item(t_global(h, "l"), 40)), 40);
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(pop_shrinks)
{
    hp_heap *h = t_heap(NULL);
    new_list_global(h, "l");
    for (int i = 0; i < 41; i++) {
        T_OK(h, hp_load_global(h, "l"));
        T_OK(h, hp_push_int(h, i));
        T_OK(h, hp_list_append(h));
    }
    /* ...then: while l: l.pop(); s.append(sys.getsizeof(l)) */
    static const uint64_t want[41] = {
        472, 472, 472, 472, 472, 472, 472, 472, 472, 472, 472, 472, 472, 472,
        472, 312, 312, 312, 312, 312, 312, 312, 312, 312, 312, 216, 216, 216,
        216, 216, 216, 184, 184, 152, 152, 120, 120, 120, 120, 88,  56};
    for (int i = 0; i < 41; i++) {
        T_OK(h, hp_load_global(h, "l"));
        T_OK(h, hp_list_pop(h, -1));
        ck_assert_int_eq(int_of(top(h)), 40 - i);
        T_OK(h, hp_pop(h));
        ck_assert_msg(global_size(h, "l") == want[i],
                      "after %d pops (len %d): %llu, not %llu", i + 1, 40 - i,
                      (unsigned long long)global_size(h, "l"),
                      (unsigned long long)want[i]);
    }
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(pop_at_index)
{
    hp_heap *h = t_heap(NULL);
    list_range(h, 10);
    /* l = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]; sys.getsizeof(l) == 136 */
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 136);
    /* l.pop(0) == 0; l.pop(-1) == 9; l.pop(3) == 4 */
    const int64_t at[] = {0, -1, 3}, want[] = {0, 9, 4};
    for (int i = 0; i < 3; i++) {
        T_OK(h, hp_dup(h));
        T_OK(h, hp_list_pop(h, at[i]));
        ck_assert_int_eq(int_of(top(h)), want[i]);
        T_OK(h, hp_pop(h));
    }
    /* l == [1, 2, 3, 5, 6, 7, 8]; sys.getsizeof(l) == 136 */
    ck_assert_str_eq(t_repr_top(h), "[1, 2, 3, 5, 6, 7, 8]");
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 136);
    /* [1].pop(5)  -> IndexError: pop index out of range */
    T_OK(h, hp_dup(h));
    T_ERR_SAME(h, hp_list_pop(h, 7), HP_E_INDEX, "pop index out of range");
    T_ERR_SAME(h, hp_list_pop(h, -8), HP_E_INDEX, "pop index out of range");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    /* [].pop()  -> IndexError: pop from empty list */
    T_OK(h, hp_build_list(h, 0));
    T_ERR_SAME(h, hp_list_pop(h, -1), HP_E_INDEX, "pop from empty list");
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(pop_moves_the_reference)
{
    hp_heap *h = t_heap(NULL);
    new_list_global(h, "x");
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_build_list(h, 1));
    T_OK(h, hp_store_global(h, "l"));
    t_append(h, "l", "x");
    /* x = []; l = [x]; l.append(x); sys.getrefcount(x) == 4 */
    ck_assert_uint_eq(t_getrefcount(h, "x"), 4);
    /* y = l.pop(); sys.getrefcount(x) == 4 */
    T_OK(h, hp_load_global(h, "l"));
    T_OK(h, hp_list_pop(h, -1));
    T_OK(h, hp_store_global(h, "y"));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 4);
    /* del y; sys.getrefcount(x) == 3 */
    T_OK(h, hp_delete_global(h, "y"));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 3);
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(insert_positions)
{
    hp_heap *h = t_heap(NULL);
    new_list_global(h, "l");
    /* l = []; for i in range(5): l.insert(0, i)
     * l == [4, 3, 2, 1, 0]; sys.getsizeof(l) == 120 */
    for (int i = 0; i < 5; i++) {
        T_OK(h, hp_load_global(h, "l"));
        T_OK(h, hp_push_int(h, i));
        T_OK(h, hp_list_insert(h, 0));
        ck_assert_uint_eq(hp_stack_size(h), 0);
    }
    ck_assert_str_eq(t_repr(h, t_global(h, "l")), "[4, 3, 2, 1, 0]");
    ck_assert_uint_eq(global_size(h, "l"), 120);
    /* m = []; m.insert(-10, 'a'); m.insert(100, 'b'); m.insert(1, 'c')
     * m == ['a', 'c', 'b'] */
    new_list_global(h, "m");
    const char *what[] = {"a", "b", "c"};
    const int64_t where[] = {-10, 100, 1};
    for (int i = 0; i < 3; i++) {
        T_OK(h, hp_load_global(h, "m"));
        t_push_cstr(h, what[i]);
        T_OK(h, hp_list_insert(h, where[i]));
    }
    ck_assert_str_eq(t_repr(h, t_global(h, "m")), "['a', 'c', 'b']");
    /* l.insert(-1, 9): l == [4, 3, 2, 1, 9, 0] */
    T_OK(h, hp_load_global(h, "l"));
    T_OK(h, hp_push_int(h, 9));
    T_OK(h, hp_list_insert(h, -1));
    ck_assert_str_eq(t_repr(h, t_global(h, "l")), "[4, 3, 2, 1, 9, 0]");
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(append_refcounts_and_errors)
{
    hp_heap *h = t_heap(NULL);
    new_list_global(h, "x");
    new_list_global(h, "l");
    /* l = []; l.append(x); sys.getrefcount(x) == 3; l.append(x) -> 4 */
    t_append(h, "l", "x");
    ck_assert_uint_eq(t_getrefcount(h, "x"), 3);
    t_append(h, "l", "x");
    ck_assert_uint_eq(t_getrefcount(h, "x"), 4);
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(extend_from_list_and_tuple)
{
    hp_heap *h = t_heap(NULL);
    /* l = []; l.extend((1, 2, 3)); sys.getsizeof(l) == 88 */
    int64_t v[] = {1, 2, 3};
    list_display(h, v, 3);
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 88);
    /* l.extend((4,)); sys.getsizeof(l) == 88 (capacity 4) */
    T_OK(h, hp_dup(h));
    T_OK(h, hp_push_int(h, 4));
    T_OK(h, hp_build_tuple(h, 1));
    T_OK(h, hp_list_extend(h));
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 88);
    ck_assert_str_eq(t_repr_top(h), "[1, 2, 3, 4]");
    T_OK(h, hp_pop(h));

    /* l = []; l.extend([1, 2, 3, 4, 5]); sys.getsizeof(l) == 104 */
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_dup(h));
    for (int i = 1; i <= 5; i++)
        T_OK(h, hp_push_int(h, i));
    T_OK(h, hp_build_list(h, 5));
    T_OK(h, hp_list_extend(h));
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 104);
    ck_assert_str_eq(t_repr_top(h), "[1, 2, 3, 4, 5]");
    T_OK(h, hp_pop(h));

    /* [].extend(1)  -> TypeError: 'int' object is not iterable */
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_push_int(h, 1));
    T_ERR_SAME(h, hp_list_extend(h), HP_E_TYPE, "'int' object is not iterable");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

/* The list on top: pops its last item (or deletes item 0), then extends it
 * by (1, 2, 3). */
static void empty_then_extend(hp_heap *h, int use_del)
{
    T_OK(h, hp_dup(h));
    if (use_del) {
        T_OK(h, hp_push_int(h, 0));
        T_OK(h, hp_delitem(h));
    } else {
        T_OK(h, hp_list_pop(h, -1));
        T_OK(h, hp_pop(h));
    }
    /* CPython 3.12's list.pop and del of the last item clear the list */
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 56);
    T_OK(h, hp_dup(h));
    for (int i = 1; i <= 3; i++)
        T_OK(h, hp_push_int(h, i));
    T_OK(h, hp_build_tuple(h, 3));
    T_OK(h, hp_list_extend(h));
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 88);
    T_OK(h, hp_pop(h));
}

START_TEST(emptying_a_list_frees_its_items)
{
    hp_heap *h = t_heap(NULL);
    /* l = [1, 2]; l.pop(); l.pop(); sys.getsizeof(l) == 56;
     * l.extend((1, 2, 3)); sys.getsizeof(l) == 88 */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_push_int(h, 2));
    T_OK(h, hp_build_list(h, 2));
    T_OK(h, hp_dup(h));
    T_OK(h, hp_list_pop(h, -1));
    T_OK(h, hp_pop(h));
    empty_then_extend(h, 0);
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(pop_of_a_single_item_list)
{
    hp_heap *h = t_heap(NULL);
    /* l = [1]; l.pop(); sys.getsizeof(l) == 56;
     * l.extend((1, 2, 3)); sys.getsizeof(l) == 88 */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_build_list(h, 1));
    empty_then_extend(h, 0);
    hp_heap_free(h);
}
END_TEST

START_TEST(del_of_a_single_item_list)
{
    hp_heap *h = t_heap(NULL);
    /* l = [1]; del l[0]; sys.getsizeof(l) == 56;
     * l.extend((1, 2, 3)); sys.getsizeof(l) == 88 */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_build_list(h, 1));
    empty_then_extend(h, 1);
    hp_heap_free(h);
}
END_TEST

START_TEST(extend_with_itself)
{
    hp_heap *h = t_heap(NULL);
    /* l = [1]; l.extend(l); l == [1, 1]; sys.getsizeof(l) == 120 */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_build_list(h, 1));
    T_OK(h, hp_dup(h));
    T_OK(h, hp_dup(h));
    T_OK(h, hp_list_extend(h));
    ck_assert_int_eq(hp_len(top(h)), 2);
    ck_assert_str_eq(t_repr_top(h), "[1, 1]");
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 120);
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(extend_with_itself_grown)
{
    hp_heap *h = t_heap(NULL);
    /* l = [1, 2, 3]; l.extend(l); l == [1, 2, 3, 1, 2, 3];
     * sys.getsizeof(l) == 152 */
    int64_t v[] = {1, 2, 3};
    list_display(h, v, 3);
    T_OK(h, hp_dup(h));
    T_OK(h, hp_dup(h));
    T_OK(h, hp_list_extend(h));
    ck_assert_str_eq(t_repr_top(h), "[1, 2, 3, 1, 2, 3]");
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 152);
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(extend_from_str)
{
    hp_heap *h = t_heap(NULL);
    /* list('abc') is list.__init__ -> list_extend of a str:
     * l = []; l.extend('abc'); l == ['a', 'b', 'c']; sys.getsizeof(l) == 88
     * sys.getsizeof(list('abc')) == 88 */
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_dup(h));
    t_push_cstr(h, "abc");
    T_OK(h, hp_list_extend(h));
    ck_assert_str_eq(t_repr_top(h), "['a', 'b', 'c']");
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 88);
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(extend_str_onto_a_list)
{
    hp_heap *h = t_heap(NULL);
    /* l = [1, 2, 3]; l.extend('ab'); sys.getsizeof(l) == 120 */
    int64_t v[] = {1, 2, 3, 4};
    list_display(h, v, 3);
    T_OK(h, hp_dup(h));
    t_push_cstr(h, "ab");
    T_OK(h, hp_list_extend(h));
    ck_assert_str_eq(t_repr_top(h), "[1, 2, 3, 'a', 'b']");
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 120);
    T_OK(h, hp_pop(h));
    /* l = [1, 2, 3, 4]; l.extend('abcdefghij'); sys.getsizeof(l) == 184 */
    list_display(h, v, 4);
    T_OK(h, hp_dup(h));
    t_push_cstr(h, "abcdefghij");
    T_OK(h, hp_list_extend(h));
    ck_assert_int_eq(hp_len(top(h)), 14);
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 184);
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(extend_from_str_presizes_exactly)
{
    hp_heap *h = t_heap(NULL);
    /* l = []; l.extend('abcde'); sys.getsizeof(l) == 104 */
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_dup(h));
    t_push_cstr(h, "abcde");
    T_OK(h, hp_list_extend(h));
    ck_assert_str_eq(t_repr_top(h), "['a', 'b', 'c', 'd', 'e']");
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 104);
    hp_heap_free(h);
}
END_TEST

START_TEST(extend_str_fills_the_presized_block)
{
    hp_heap *h = t_heap(NULL);
    /* l = [1]; l.extend('abcdefgh'); sys.getsizeof(l) == 152 */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_build_list(h, 1));
    T_OK(h, hp_dup(h));
    t_push_cstr(h, "abcdefgh");
    T_OK(h, hp_list_extend(h));
    ck_assert_int_eq(hp_len(top(h)), 9);
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 152);
    hp_heap_free(h);
}
END_TEST

START_TEST(extend_from_bytes)
{
    hp_heap *h = t_heap(NULL);
    /* l = []; l.extend(b'abc'); l == [97, 98, 99]; sys.getsizeof(l) == 88 */
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_dup(h));
    T_OK(h, hp_push_bytes(h, "abc", 3));
    T_OK(h, hp_list_extend(h));
    ck_assert_str_eq(t_repr_top(h), "[97, 98, 99]");
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 88);
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(extend_from_dict_and_set)
{
    hp_heap *h = t_heap(NULL);
    /* l = []; l.extend({'a': 1, 'b': 2}); l == ['a', 'b'];
     * sys.getsizeof(l) == 72 */
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_dup(h));
    t_push_cstr(h, "a");
    T_OK(h, hp_push_int(h, 1));
    t_push_cstr(h, "b");
    T_OK(h, hp_push_int(h, 2));
    T_OK(h, hp_build_dict(h, 2));
    T_OK(h, hp_list_extend(h));
    ck_assert_str_eq(t_repr_top(h), "['a', 'b']");
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 72);
    T_OK(h, hp_pop(h));
    /* l = []; l.extend({5}); l == [5]; sys.getsizeof(l) == 72 */
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_dup(h));
    T_OK(h, hp_push_int(h, 5));
    T_OK(h, hp_build_set(h, 1));
    T_OK(h, hp_list_extend(h));
    ck_assert_str_eq(t_repr_top(h), "[5]");
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 72);
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(clear_list)
{
    hp_heap *h = t_heap(NULL);
    new_list_global(h, "x");
    for (int i = 0; i < 3; i++)
        T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_build_list(h, 3));
    T_OK(h, hp_store_global(h, "l"));
    /* x = []; l = [x, x, x]; sys.getrefcount(x) == 5 */
    ck_assert_uint_eq(t_getrefcount(h, "x"), 5);
    /* l.clear(); sys.getrefcount(x) == 2; sys.getsizeof(l) == 56 */
    T_OK(h, hp_load_global(h, "l"));
    T_OK(h, hp_clear(h));
    ck_assert_uint_eq(hp_stack_size(h), 0);
    ck_assert_uint_eq(t_getrefcount(h, "x"), 2);
    ck_assert_uint_eq(global_size(h, "l"), 56);
    ck_assert_int_eq(hp_len(t_global(h, "l")), 0);
    /* l.extend((1, 2, 3)); sys.getsizeof(l) == 88 */
    T_OK(h, hp_load_global(h, "l"));
    for (int i = 1; i <= 3; i++)
        T_OK(h, hp_push_int(h, i));
    T_OK(h, hp_build_tuple(h, 3));
    T_OK(h, hp_list_extend(h));
    ck_assert_uint_eq(global_size(h, "l"), 88);
    /* (1).clear()  -> AttributeError: 'int' object has no attribute 'clear' */
    T_OK(h, hp_push_int(h, 1));
    T_ERR_SAME(h, hp_clear(h), HP_E_ATTRIBUTE,
               "'int' object has no attribute 'clear'");
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

/* ---- slicing ------------------------------------------------------------- */

/* seq[start:stop:step] of the top of the stack, kept below the result. */
#define SLICE(h, ha, a, hb, b, hc, c)                                          \
    do {                                                                       \
        T_OK(h, hp_dup(h));                                                    \
        T_OK(h, hp_slice(h, ha, a, hb, b, hc, c));                             \
    } while (0)

START_TEST(slice_list)
{
    hp_heap *h = t_heap(NULL);
    list_range(h, 10);
    /* l = [0, ..., 9]; m = l[:]; m is l -> False; m == l;
     * sys.getsizeof(m) == 136 */
    SLICE(h, 0, 0, 0, 0, 0, 0);
    ck_assert_ptr_ne(hp_peek(h, 0), hp_peek(h, 1));
    ck_assert_str_eq(t_repr_top(h), "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]");
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 136);
    ck_assert(hp_gc_is_tracked(top(h)));
    T_OK(h, hp_pop(h));
    struct {
        int ha;
        int64_t a;
        int hb;
        int64_t b;
        int hc;
        int64_t c;
        const char *want;
    } cases[] = {
        /* l[::-1] == [9, 8, 7, 6, 5, 4, 3, 2, 1, 0] */
        {0, 0, 0, 0, 1, -1, "[9, 8, 7, 6, 5, 4, 3, 2, 1, 0]"},
        /* l[-3:] == [7, 8, 9] */
        {1, -3, 0, 0, 0, 0, "[7, 8, 9]"},
        /* l[8:2:-2] == [8, 6, 4] */
        {1, 8, 1, 2, 1, -2, "[8, 6, 4]"},
        /* l[::3] == [0, 3, 6, 9] */
        {0, 0, 0, 0, 1, 3, "[0, 3, 6, 9]"},
        /* l[2:8:2] == [2, 4, 6] */
        {1, 2, 1, 8, 1, 2, "[2, 4, 6]"},
        /* l[-100:100] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] */
        {1, -100, 1, 100, 0, 0, "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"},
        /* l[100:] == [] */
        {1, 100, 0, 0, 0, 0, "[]"},
        /* l[:-7:-3] == [9, 6] */
        {0, 0, 1, -7, 1, -3, "[9, 6]"},
        /* l[5:2] == [] */
        {1, 5, 1, 2, 0, 0, "[]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        SLICE(h, cases[i].ha, cases[i].a, cases[i].hb, cases[i].b, cases[i].hc,
              cases[i].c);
        ck_assert_msg(strcmp(t_repr_top(h), cases[i].want) == 0, "case %zu: %s",
                      i, t_repr_top(h));
        T_OK(h, hp_pop(h));
    }
    /* sys.getsizeof([1, 2, 3, 4, 5, 6, 7, 8, 9][::2]) == 96; ...[5:2] == 56 */
    SLICE(h, 0, 0, 0, 0, 1, 2);
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 96);
    T_OK(h, hp_pop(h));
    SLICE(h, 1, 5, 1, 2, 0, 0);
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 56);
    T_OK(h, hp_pop(h));
    /* l[::0]  -> ValueError: slice step cannot be zero */
    T_ERR_SAME(h, hp_slice(h, 0, 0, 0, 0, 1, 0), HP_E_VALUE,
               "slice step cannot be zero");
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(slice_adds_references)
{
    hp_heap *h = t_heap(NULL);
    new_list_global(h, "x");
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_build_list(h, 2));
    T_OK(h, hp_store_global(h, "l"));
    /* x = []; l = [x, x]; m = l[:]; sys.getrefcount(x) == 6 */
    T_OK(h, hp_load_global(h, "l"));
    T_OK(h, hp_slice(h, 0, 0, 0, 0, 0, 0));
    T_OK(h, hp_store_global(h, "m"));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 6);
    /* sys.getrefcount(l) == 2 (the slice dropped its operand) */
    ck_assert_uint_eq(t_getrefcount(h, "l"), 2);
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(slice_tuple)
{
    hp_heap *h = t_heap(NULL);
    for (int i = 1; i <= 5; i++)
        T_OK(h, hp_push_int(h, i));
    T_OK(h, hp_build_tuple(h, 5));
    hp_obj *t = top(h);
    /* t = tuple([1, 2, 3, 4, 5]);
     * t[:] is t, t[0:5] is t, t[0:] is t, t[::1] is t -> True */
    SLICE(h, 0, 0, 0, 0, 0, 0);
    ck_assert_ptr_eq(top(h), t);
    T_OK(h, hp_pop(h));
    SLICE(h, 1, 0, 1, 5, 0, 0);
    ck_assert_ptr_eq(top(h), t);
    T_OK(h, hp_pop(h));
    SLICE(h, 1, 0, 0, 0, 0, 0);
    ck_assert_ptr_eq(top(h), t);
    T_OK(h, hp_pop(h));
    SLICE(h, 0, 0, 0, 0, 1, 1);
    ck_assert_ptr_eq(top(h), t);
    T_OK(h, hp_pop(h));
    /* t[::-1] == (5, 4, 3, 2, 1); t[1:4] == (2, 3, 4); t[::2] == (1, 3, 5);
     * t[-2:] == (4, 5) */
    SLICE(h, 0, 0, 0, 0, 1, -1);
    ck_assert_str_eq(t_repr_top(h), "(5, 4, 3, 2, 1)");
    T_OK(h, hp_pop(h));
    SLICE(h, 1, 1, 1, 4, 0, 0);
    ck_assert_str_eq(t_repr_top(h), "(2, 3, 4)");
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 64);
    T_OK(h, hp_pop(h));
    SLICE(h, 0, 0, 0, 0, 1, 2);
    ck_assert_str_eq(t_repr_top(h), "(1, 3, 5)");
    T_OK(h, hp_pop(h));
    SLICE(h, 1, -2, 0, 0, 0, 0);
    ck_assert_str_eq(t_repr_top(h), "(4, 5)");
    T_OK(h, hp_pop(h));
    /* t[5:] is () and t[3:1] is () -> True */
    T_OK(h, hp_build_tuple(h, 0));
    hp_obj *empty = top(h);
    T_OK(h, hp_pop(h));
    SLICE(h, 1, 5, 0, 0, 0, 0);
    ck_assert_ptr_eq(top(h), empty);
    T_OK(h, hp_pop(h));
    SLICE(h, 1, 3, 1, 1, 0, 0);
    ck_assert_ptr_eq(top(h), empty);
    T_OK(h, hp_pop(h));
    /* t[:] is t, so dropping the slices gave their references back: only
     * the stack holds t (heap.h: each root holds one reference) */
    ck_assert_uint_eq(hp_refcount(h, t), 1);
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(slice_str)
{
    hp_heap *h = t_heap(NULL);
    t_push_cstr(h, "hello");
    hp_obj *s = top(h);
    /* s = 'hello'; s[:] is s, s[0:5] is s -> True */
    SLICE(h, 0, 0, 0, 0, 0, 0);
    ck_assert_ptr_eq(top(h), s);
    T_OK(h, hp_pop(h));
    SLICE(h, 1, 0, 1, 5, 0, 0);
    ck_assert_ptr_eq(top(h), s);
    T_OK(h, hp_pop(h));
    /* s[::-1] == 'olleh'; s[1:3] == 'el'; s[::2] == 'hlo'; s[-3:] == 'llo' */
    SLICE(h, 0, 0, 0, 0, 1, -1);
    ck_assert_str_eq(str_of(top(h)), "olleh");
    T_OK(h, hp_pop(h));
    SLICE(h, 1, 1, 1, 3, 0, 0);
    ck_assert_str_eq(str_of(top(h)), "el");
    T_OK(h, hp_pop(h));
    SLICE(h, 0, 0, 0, 0, 1, 2);
    ck_assert_str_eq(str_of(top(h)), "hlo");
    T_OK(h, hp_pop(h));
    SLICE(h, 1, -3, 0, 0, 0, 0);
    ck_assert_str_eq(str_of(top(h)), "llo");
    /* repr('llo') == "'llo'"; sys.getsizeof('llo') == 44 */
    ck_assert_str_eq(t_repr_top(h), "'llo'");
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 44);
    T_OK(h, hp_pop(h));
    /* s[10:] is '' -> True */
    t_push_cstr(h, "");
    hp_obj *empty = top(h);
    T_OK(h, hp_pop(h));
    SLICE(h, 1, 10, 0, 0, 0, 0);
    ck_assert_ptr_eq(top(h), empty);
    T_OK(h, hp_pop(h));
    /* s[1:2] is s[1] -> True */
    SLICE(h, 1, 1, 1, 2, 0, 0);
    item_of(h, 1, 1);
    ck_assert_ptr_eq(hp_peek(h, 0), hp_peek(h, 1));
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));

    /* u = 'aé€😀'; u[::-1] == '😀€éa'; u[1:3] == 'é€' */
    t_push_cstr(h, "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    SLICE(h, 0, 0, 0, 0, 1, -1);
    ck_assert_str_eq(str_of(top(h)), "\xf0\x9f\x98\x80\xe2\x82\xac\xc3\xa9"
                                     "a");
    ck_assert_int_eq(hp_len(top(h)), 4);
    T_OK(h, hp_pop(h));
    SLICE(h, 1, 1, 1, 3, 0, 0);
    ck_assert_str_eq(str_of(top(h)), "\xc3\xa9\xe2\x82\xac");
    ck_assert_int_eq(hp_len(top(h)), 2);
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(slice_bytes)
{
    hp_heap *h = t_heap(NULL);
    T_OK(h, hp_push_bytes(h, "hello", 5));
    /* b = b'hello'; b[::-1] == b'olleh'; b[1:3] == b'el' */
    SLICE(h, 0, 0, 0, 0, 1, -1);
    ck_assert_int_eq(hp_typeof(top(h)), HP_T_BYTES);
    ck_assert_str_eq(t_repr_top(h), "b'olleh'");
    T_OK(h, hp_pop(h));
    SLICE(h, 1, 1, 1, 3, 0, 0);
    ck_assert_str_eq(t_repr_top(h), "b'el'");
    /* sys.getsizeof(b'el') == 35 */
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 35);
    T_OK(h, hp_pop(h));
    /* b[10:] is b'' -> True */
    T_OK(h, hp_push_bytes(h, "", 0));
    hp_obj *empty = top(h);
    T_OK(h, hp_pop(h));
    SLICE(h, 1, 10, 0, 0, 0, 0);
    ck_assert_ptr_eq(top(h), empty);
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(slice_bytes_whole_is_itself)
{
    hp_heap *h = t_heap(NULL);
    T_OK(h, hp_push_bytes(h, "hello", 5));
    hp_obj *b = top(h);
    /* b = b'hello'; b[:] is b -> True */
    SLICE(h, 0, 0, 0, 0, 0, 0);
    ck_assert_ptr_eq(top(h), b);
    hp_heap_free(h);
}
END_TEST

START_TEST(slice_errors)
{
    hp_heap *h = t_heap(NULL);
    /* (1)[1:2]  -> TypeError: 'int' object is not subscriptable */
    T_OK(h, hp_push_int(h, 1));
    T_ERR_SAME(h, hp_slice(h, 1, 1, 1, 2, 0, 0), HP_E_TYPE,
               "'int' object is not subscriptable");
    T_OK(h, hp_pop(h));
    /* {1}[1:2]  -> TypeError: 'set' object is not subscriptable */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_build_set(h, 1));
    T_ERR_SAME(h, hp_slice(h, 1, 1, 1, 2, 0, 0), HP_E_TYPE,
               "'set' object is not subscriptable");
    T_OK(h, hp_pop(h));
    /* 'abc'[::0]  -> ValueError: slice step cannot be zero */
    t_push_cstr(h, "abc");
    T_ERR_SAME(h, hp_slice(h, 0, 0, 0, 0, 1, 0), HP_E_VALUE,
               "slice step cannot be zero");
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(slice_dict_is_a_key_error)
{
    hp_heap *h = t_heap(NULL);
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_push_int(h, 2));
    T_OK(h, hp_build_dict(h, 1));
    /* {1: 2}[1:2]
     * -> KeyError: slice(1, 2, None)  (slices are hashable in 3.12) */
    T_ERR_SAME(h, hp_slice(h, 1, 1, 1, 2, 0, 0), HP_E_KEY, "slice(1, 2, None)");
    hp_heap_free(h);
}
END_TEST

/* ---- sets and dicts ------------------------------------------------------ */

START_TEST(set_add_discard)
{
    hp_heap *h = t_heap(NULL);
    T_OK(h, hp_build_set(h, 0));
    T_OK(h, hp_store_global(h, "s"));
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_build_tuple(h, 1));
    T_OK(h, hp_store_global(h, "x"));
    /* x = tuple([1]); sys.getrefcount(x) == 2 */
    ck_assert_uint_eq(t_getrefcount(h, "x"), 2);
    /* s = set(); s.add(x); sys.getrefcount(x) == 3 */
    T_OK(h, hp_load_global(h, "s"));
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_set_add(h));
    ck_assert_uint_eq(hp_stack_size(h), 0);
    ck_assert_uint_eq(t_getrefcount(h, "x"), 3);
    /* s.add(x) again: sys.getrefcount(x) == 3; len(s) == 1 */
    T_OK(h, hp_load_global(h, "s"));
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_set_add(h));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 3);
    ck_assert_int_eq(hp_len(t_global(h, "s")), 1);
    /* s.discard(x); sys.getrefcount(x) == 2;
     * s.discard(x) again: no error, len(s) == 0 */
    for (int i = 0; i < 2; i++) {
        T_OK(h, hp_load_global(h, "s"));
        T_OK(h, hp_load_global(h, "x"));
        T_OK(h, hp_set_discard(h));
        ck_assert_uint_eq(hp_stack_size(h), 0);
        ck_assert_uint_eq(t_getrefcount(h, "x"), 2);
        ck_assert_int_eq(hp_len(t_global(h, "s")), 0);
    }
    /* s.add([])  -> TypeError: unhashable type: 'list'  (and discard too) */
    T_OK(h, hp_load_global(h, "s"));
    T_OK(h, hp_build_list(h, 0));
    T_ERR_SAME(h, hp_set_add(h), HP_E_TYPE, "unhashable type: 'list'");
    T_ERR_SAME(h, hp_set_discard(h), HP_E_TYPE, "unhashable type: 'list'");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    /* s = {x}; s.clear(); sys.getrefcount(x) == 2 */
    T_OK(h, hp_load_global(h, "s"));
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_set_add(h));
    T_OK(h, hp_load_global(h, "s"));
    T_OK(h, hp_clear(h));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 2);
    ck_assert_int_eq(hp_len(t_global(h, "s")), 0);
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(dict_pop_and_clear)
{
    hp_heap *h = t_heap(NULL);
    new_list_global(h, "x");
    t_push_cstr(h, "a");
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_build_dict(h, 1));
    T_OK(h, hp_store_global(h, "d"));
    /* x = []; d = {'a': x}; v = d.pop('a'); sys.getrefcount(x) == 3; v is x;
     * len(d) == 0 */
    T_OK(h, hp_load_global(h, "d"));
    t_push_cstr(h, "a");
    T_OK(h, hp_dict_pop(h));
    ck_assert_uint_eq(hp_stack_size(h), 1);
    ck_assert_ptr_eq(top(h), t_global(h, "x"));
    T_OK(h, hp_store_global(h, "v"));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 3);
    ck_assert_int_eq(hp_len(t_global(h, "d")), 0);
    /* d.pop('a')  -> KeyError: 'a' */
    T_OK(h, hp_load_global(h, "d"));
    t_push_cstr(h, "a");
    T_ERR_SAME(h, hp_dict_pop(h), HP_E_KEY, "'a'");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    /* d = {'k': x}; d.clear(); sys.getrefcount(x) == 3 (x and v) */
    T_OK(h, hp_load_global(h, "d"));
    t_push_cstr(h, "k");
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_setitem(h));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 4);
    T_OK(h, hp_load_global(h, "d"));
    T_OK(h, hp_clear(h));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 3);
    ck_assert_int_eq(hp_len(t_global(h, "d")), 0);
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(methods_on_the_wrong_type)
{
    hp_heap *h = t_heap(NULL);
    /* list.append((), 1)  -> TypeError: descriptor 'append' for 'list' objects
     * doesn't apply to a 'tuple' object */
    T_OK(h, hp_build_tuple(h, 0));
    T_OK(h, hp_push_int(h, 1));
    T_ERR_SAME(h, hp_list_append(h), HP_E_TYPE,
               "descriptor 'append' for 'list' objects doesn't apply to a "
               "'tuple' object");
    T_OK(h, hp_pop(h));
    /* list.pop(())  -> TypeError: descriptor 'pop' for 'list' objects doesn't
     * apply to a 'tuple' object */
    T_ERR_SAME(h, hp_list_pop(h, -1), HP_E_TYPE,
               "descriptor 'pop' for 'list' objects doesn't apply to a 'tuple' "
               "object");
    T_OK(h, hp_pop(h));
    /* set.add(frozenset(), 1)  -> TypeError: descriptor 'add' for 'set' objects
     * doesn't apply to a 'frozenset' object */
    T_OK(h, hp_build_frozenset(h, 0));
    T_OK(h, hp_push_int(h, 1));
    T_ERR_SAME(h, hp_set_add(h), HP_E_TYPE,
               "descriptor 'add' for 'set' objects doesn't apply to a "
               "'frozenset' object");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    /* dict.pop([], 1)  -> TypeError: descriptor 'pop' for 'dict' objects
     * doesn't apply to a 'list' object */
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_push_int(h, 1));
    T_ERR_SAME(
        h, hp_dict_pop(h), HP_E_TYPE,
        "descriptor 'pop' for 'dict' objects doesn't apply to a 'list' object");
    hp_heap_free(h);
}
END_TEST

/* ---- reading objects ----------------------------------------------------- */

START_TEST(len_truth_equal)
{
    hp_heap *h = t_heap(NULL);
    /* len('aé€😀') == 4; len(b'ab') == 2; len(1) -> TypeError (no len: -1) */
    t_push_cstr(h, "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
    ck_assert_int_eq(hp_len(top(h)), 4);
    T_OK(h, hp_push_bytes(h, "ab", 2));
    ck_assert_int_eq(hp_len(top(h)), 2);
    T_OK(h, hp_push_int(h, 1));
    ck_assert_int_eq(hp_len(top(h)), -1);
    T_OK(h, hp_push_none(h));
    ck_assert_int_eq(hp_len(top(h)), -1);
    for (int i = 0; i < 4; i++)
        T_OK(h, hp_pop(h));

    /* bool([]), bool([0]), bool(()), bool(''), bool('a'), bool(0), bool(0.0),
     * bool(-1), bool(None), bool({}), bool(set()), bool(b'')
     *   == False True False False True False False True False False False
     * False */
    T_OK(h, hp_build_list(h, 0));
    ck_assert_int_eq(hp_truth(top(h)), 0);
    T_OK(h, hp_push_int(h, 0));
    T_OK(h, hp_build_list(h, 1));
    ck_assert_int_eq(hp_truth(top(h)), 1);
    T_OK(h, hp_build_tuple(h, 0));
    ck_assert_int_eq(hp_truth(top(h)), 0);
    t_push_cstr(h, "");
    ck_assert_int_eq(hp_truth(top(h)), 0);
    t_push_cstr(h, "a");
    ck_assert_int_eq(hp_truth(top(h)), 1);
    T_OK(h, hp_push_int(h, 0));
    ck_assert_int_eq(hp_truth(top(h)), 0);
    T_OK(h, hp_push_float(h, 0.0));
    ck_assert_int_eq(hp_truth(top(h)), 0);
    T_OK(h, hp_push_int(h, -1));
    ck_assert_int_eq(hp_truth(top(h)), 1);
    T_OK(h, hp_push_none(h));
    ck_assert_int_eq(hp_truth(top(h)), 0);
    T_OK(h, hp_build_dict(h, 0));
    ck_assert_int_eq(hp_truth(top(h)), 0);
    T_OK(h, hp_build_set(h, 0));
    ck_assert_int_eq(hp_truth(top(h)), 0);
    T_OK(h, hp_push_bytes(h, "", 0));
    ck_assert_int_eq(hp_truth(top(h)), 0);
    /* bool(C()) == True for a class without __len__/__bool__ */
    t_class(h, "C", 0);
    T_OK(h, hp_load_global(h, "C"));
    T_OK(h, hp_new_instance(h));
    ck_assert_int_eq(hp_truth(top(h)), 1);
    while (hp_stack_size(h))
        T_OK(h, hp_pop(h));

    /* 1 == 1.0 == True -> True */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_push_float(h, 1.0));
    T_OK(h, hp_push_bool(h, 1));
    ck_assert(hp_equal(hp_peek(h, 2), hp_peek(h, 1)));
    ck_assert(hp_equal(hp_peek(h, 1), hp_peek(h, 0)));
    ck_assert(hp_equal(hp_peek(h, 2), hp_peek(h, 0)));
    /* 1 == 2 -> False; 1.0 == 2 -> False */
    T_OK(h, hp_push_int(h, 2));
    ck_assert(!hp_equal(hp_peek(h, 3), hp_peek(h, 0)));
    ck_assert(!hp_equal(hp_peek(h, 2), hp_peek(h, 0)));
    /* 'ab' == 'ab' (two objects) -> True; b'a' == 'a' -> False */
    t_push_cstr(h, "ab");
    t_push_cstr(h, "ab");
    ck_assert_ptr_ne(hp_peek(h, 0), hp_peek(h, 1));
    ck_assert(hp_equal(hp_peek(h, 0), hp_peek(h, 1)));
    T_OK(h, hp_push_bytes(h, "a", 1));
    t_push_cstr(h, "a");
    ck_assert(!hp_equal(hp_peek(h, 0), hp_peek(h, 1)));
    /* (1, 2) == (1, 2) -> True */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_push_int(h, 2));
    T_OK(h, hp_build_tuple(h, 2));
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_push_int(h, 2));
    T_OK(h, hp_build_tuple(h, 2));
    ck_assert_ptr_ne(hp_peek(h, 0), hp_peek(h, 1));
    ck_assert(hp_equal(hp_peek(h, 0), hp_peek(h, 1)));
    while (hp_stack_size(h))
        T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(int_and_str_values)
{
    hp_heap *h = t_heap(NULL);
    int64_t v = 0;
    /* int(True) == 1; int(False) == 0 */
    T_OK(h, hp_push_bool(h, 1));
    ck_assert_int_eq(hp_int_value(top(h), &v), 0);
    ck_assert_int_eq(v, 1);
    T_OK(h, hp_push_bool(h, 0));
    ck_assert_int_eq(hp_int_value(top(h), &v), 0);
    ck_assert_int_eq(v, 0);
    /* heap.h: int or bool; 2**62 fits (ints are at least 64-bit) */
    T_OK(h, hp_push_int(h, INT64_C(1) << 62));
    ck_assert_int_eq(hp_int_value(top(h), &v), 0);
    ck_assert_int_eq(v, INT64_C(1) << 62);
    /* sys.getsizeof(2**62) == 36 */
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 36);
    T_OK(h, hp_push_int(h, -5));
    ck_assert_int_eq(hp_int_value(top(h), &v), 0);
    ck_assert_int_eq(v, -5);
    /* heap.h: hp_int_value of a float fails */
    T_OK(h, hp_push_float(h, 1.5));
    v = 42;
    ck_assert_int_lt(hp_int_value(top(h), &v), 0);
    ck_assert_int_eq(v, 42);
    double d = 0;
    ck_assert_int_eq(hp_float_value(top(h), &d), 0);
    ck_assert(d == 1.5);
    /* repr(1.5) == '1.5'; sys.getsizeof(1.5) == 24 */
    ck_assert_str_eq(t_repr_top(h), "1.5");
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 24);
    while (hp_stack_size(h))
        T_OK(h, hp_pop(h));

    /* 'aé'.encode() == b'a\xc3\xa9' */
    size_t n = 0;
    t_push_cstr(h, "a\xc3\xa9");
    ck_assert_str_eq(hp_str_utf8(top(h), &n), "a\xc3\xa9");
    ck_assert_uint_eq(n, 3);
    /* len('aé') == 2; sys.getsizeof('aé') == 59 */
    ck_assert_int_eq(hp_len(top(h)), 2);
    ck_assert_uint_eq(hp_getsizeof(h, top(h)), 59);
    /* b'a\x00b': len == 3 */
    T_OK(h, hp_push_bytes(h, "a\0b", 3));
    const char *p = hp_str_utf8(top(h), &n);
    ck_assert_uint_eq(n, 3);
    ck_assert_int_eq(memcmp(p, "a\0b", 3), 0);
    ck_assert_int_eq(hp_len(top(h)), 3);
    /* heap.h: str or bytes only */
    T_OK(h, hp_push_int(h, 7));
    ck_assert_ptr_null(hp_str_utf8(top(h), &n));
    while (hp_stack_size(h))
        T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(repr_of_results)
{
    hp_heap *h = t_heap(NULL);
    /* repr([1, 'a', (2,), {'k': None}, 1.5, b'x', True])
     *   == "[1, 'a', (2,), {'k': None}, 1.5, b'x', True]" */
    T_OK(h, hp_push_int(h, 1));
    t_push_cstr(h, "a");
    T_OK(h, hp_push_int(h, 2));
    T_OK(h, hp_build_tuple(h, 1));
    t_push_cstr(h, "k");
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_build_dict(h, 1));
    T_OK(h, hp_push_float(h, 1.5));
    T_OK(h, hp_push_bytes(h, "x", 1));
    T_OK(h, hp_push_bool(h, 1));
    T_OK(h, hp_build_list(h, 7));
    ck_assert_str_eq(t_repr_top(h),
                     "[1, 'a', (2,), {'k': None}, 1.5, b'x', True]");
    /* repr(l[1:3]) == "['a', (2,)]" */
    T_OK(h, hp_slice(h, 1, 1, 1, 3, 0, 0));
    ck_assert_str_eq(t_repr_top(h), "['a', (2,)]");
    /* repr(l[1:3][1]) == '(2,)' */
    item_at(h, 1);
    ck_assert_str_eq(t_repr_top(h), "(2,)");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    /* repr({'a': 1, 'b': [2]}) == "{'a': 1, 'b': [2]}" */
    t_push_cstr(h, "a");
    T_OK(h, hp_push_int(h, 1));
    t_push_cstr(h, "b");
    T_OK(h, hp_push_int(h, 2));
    T_OK(h, hp_build_list(h, 1));
    T_OK(h, hp_build_dict(h, 2));
    ck_assert_str_eq(t_repr_top(h), "{'a': 1, 'b': [2]}");
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

/* ---- reference counts across operations ---------------------------------- */

START_TEST(refcounts_walkthrough)
{
    hp_heap *h = t_heap(NULL);
    /* x = []; sys.getrefcount(x) == 2 */
    new_list_global(h, "x");
    ck_assert_uint_eq(t_getrefcount(h, "x"), 2);
    /* l = [x] -> 3 */
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_build_list(h, 1));
    T_OK(h, hp_store_global(h, "l"));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 3);
    /* l.append(x) -> 4 */
    t_append(h, "l", "x");
    ck_assert_uint_eq(t_getrefcount(h, "x"), 4);
    /* l.pop() -> 3 */
    T_OK(h, hp_load_global(h, "l"));
    T_OK(h, hp_list_pop(h, -1));
    T_OK(h, hp_pop(h));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 3);
    /* t = (x, x) -> 5 */
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_build_tuple(h, 2));
    T_OK(h, hp_store_global(h, "t"));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 5);
    /* d = {'k': x} -> 6 */
    t_push_cstr(h, "k");
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_build_dict(h, 1));
    T_OK(h, hp_store_global(h, "d"));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 6);
    /* d.pop('k') -> 5 */
    T_OK(h, hp_load_global(h, "d"));
    t_push_cstr(h, "k");
    T_OK(h, hp_dict_pop(h));
    T_OK(h, hp_pop(h));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 5);
    /* del t -> 3 */
    T_OK(h, hp_delete_global(h, "t"));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 3);
    /* l.clear() -> 2 */
    T_OK(h, hp_load_global(h, "l"));
    T_OK(h, hp_clear(h));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 2);
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

/* ---- sys.intern ---------------------------------------------------------- */

START_TEST(intern_gives_the_same_object)
{
    const char *profiles[] = {"3.12", "3.13", "3.11"};
    for (int p = 0; p < 3; p++) {
        hp_heap *h = t_heap(profiles[p]);
        /* s = ''.join(['hello', ' world!']) is a new str */
        t_push_cstr(h, "hello world!");
        hp_obj *first = top(h);
        /* sys.intern(s) is s
         * -> True (the first one becomes the interned one) */
        T_OK(h, hp_intern(h));
        ck_assert_ptr_eq(top(h), first);
        T_OK(h, hp_store_global(h, "s"));
        /* t = ''.join(['hello', ' world!']); t is s -> False;
         * sys.intern(t) is s -> True */
        t_push_cstr(h, "hello world!");
        ck_assert_ptr_ne(top(h), first);
        T_OK(h, hp_intern(h));
        ck_assert_ptr_eq(top(h), first);
        T_OK(h, hp_pop(h));
        if (p == 0) {
            /* 3.12: sys.getrefcount(s) == 4294967295 */
            ck_assert_uint_eq(t_getrefcount(h, "s"), 4294967295u);
        } else {
            /* 3.13.0 and 3.11.7: sys.getrefcount(s) == 2 */
            ck_assert_uint_eq(t_getrefcount(h, "s"), 2);
        }
        /* sys.intern(b'a')
         * -> TypeError: intern() argument must be str, not bytes */
        T_OK(h, hp_push_bytes(h, "a", 1));
        T_ERR_SAME(h, hp_intern(h), HP_E_TYPE,
                   "intern() argument must be str, not bytes");
        T_OK(h, hp_pop(h));
        T_CHECK(h);
        hp_heap_free(h);
    }
}
END_TEST

/* ---- weak references ----------------------------------------------------- */

START_TEST(weakrefs)
{
    hp_heap *h = t_heap(NULL);
    class_and_instance(h, "C", "o");
    /* o = C(); sys.getrefcount(o) == 2 */
    ck_assert_uint_eq(t_getrefcount(h, "o"), 2);
    /* r = weakref.ref(o); sys.getrefcount(o) == 2 */
    T_OK(h, hp_load_global(h, "o"));
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_new_weakref(h));
    ck_assert_uint_eq(hp_stack_size(h), 1);
    T_OK(h, hp_store_global(h, "r"));
    ck_assert_uint_eq(t_getrefcount(h, "o"), 2);
    hp_obj *r = t_global(h, "r");
    ck_assert_int_eq(hp_typeof(r), HP_T_WEAKREF);
    /* sys.getsizeof(r) == 80; weakref.getweakrefcount(o) == 1 */
    ck_assert_uint_eq(hp_getsizeof(h, r), 80);
    ck_assert_int_eq(hp_weakref_count(h, t_global(h, "o")), 1);
    /* weakref.ref(o) is r -> True */
    T_OK(h, hp_load_global(h, "o"));
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_new_weakref(h));
    ck_assert_ptr_eq(top(h), r);
    T_OK(h, hp_pop(h));
    /* r() is o -> True */
    T_OK(h, hp_load_global(h, "r"));
    T_OK(h, hp_weakref_deref(h));
    ck_assert_ptr_eq(top(h), t_global(h, "o"));
    T_OK(h, hp_pop(h));
    /* del o; r() is None -> True */
    T_OK(h, hp_delete_global(h, "o"));
    T_OK(h, hp_load_global(h, "r"));
    T_OK(h, hp_weakref_deref(h));
    ck_assert_int_eq(hp_typeof(top(h)), HP_T_NONE);
    T_OK(h, hp_pop(h));

    /* weakref.ref([])
     * -> TypeError: cannot create weak reference to 'list' object */
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_push_none(h));
    T_ERR_SAME(h, hp_new_weakref(h), HP_E_TYPE,
               "cannot create weak reference to 'list' object");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    /* weakref.ref(1)
     * -> TypeError: cannot create weak reference to 'int' object */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_push_none(h));
    T_ERR_SAME(h, hp_new_weakref(h), HP_E_TYPE,
               "cannot create weak reference to 'int' object");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    /* weakref.ref((1,))
     * -> TypeError: cannot create weak reference to 'tuple' object */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_build_tuple(h, 1));
    T_OK(h, hp_push_none(h));
    T_ERR_SAME(h, hp_new_weakref(h), HP_E_TYPE,
               "cannot create weak reference to 'tuple' object");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    /* weakref.ref(C), weakref.ref(set()), weakref.ref(frozenset()) and
     * weakref.ref(f) for a function all work */
    T_OK(h, hp_load_global(h, "C"));
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_new_weakref(h));
    T_OK(h, hp_build_set(h, 0));
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_new_weakref(h));
    T_OK(h, hp_build_frozenset(h, 0));
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_new_weakref(h));
    def_function(h, "f");
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_new_weakref(h));
    ck_assert_uint_eq(hp_stack_size(h), 4);
    while (hp_stack_size(h))
        T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

/* ---- ids ----------------------------------------------------------------- */

START_TEST(ids)
{
    hp_heap *h = t_heap(NULL);
    /* every object CPython allocates on its heap has id(o) % 16 == 0, and
     * heap.h promises 16-aligned ids for all */
    T_OK(h, hp_push_int(h, 1000));
    T_OK(h, hp_push_float(h, 2.5));
    t_push_cstr(h, "some str");
    T_OK(h, hp_push_bytes(h, "b", 1));
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_build_dict(h, 0));
    T_OK(h, hp_build_set(h, 0));
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_push_int(h, 2));
    T_OK(h, hp_build_tuple(h, 2));
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_push_int(h, 7));
    uint32_t n = hp_stack_size(h);
    for (uint32_t i = 0; i < n; i++) {
        hp_obj *o = hp_peek(h, i);
        uint64_t id = hp_id(h, o);
        ck_assert_uint_eq(id % 16, 0);
        ck_assert_ptr_eq(hp_find(h, id), o);
        /* ids of live objects differ */
        for (uint32_t k = 0; k < i; k++)
            ck_assert_uint_ne(hp_id(h, hp_peek(h, k)), id);
        /* heap.h: a misaligned id is refused */
        ck_assert_ptr_null(hp_find(h, id + 8));
    }
    while (hp_stack_size(h))
        T_OK(h, hp_pop(h));
    ck_assert_ptr_null(hp_find(h, 0));

    /* id([]) == id([]) -> True: a freed block is reused at once */
    T_OK(h, hp_build_list(h, 0));
    uint64_t a = hp_id(h, top(h));
    T_OK(h, hp_pop(h));
    /* heap.h: a stale id gives NULL, and pushing it is HP_E_BADID */
    ck_assert_ptr_null(hp_find(h, a));
    T_ERR_SAME(h, hp_push_id(h, a), HP_E_BADID, NULL);
    T_OK(h, hp_build_list(h, 0));
    ck_assert_uint_eq(hp_id(h, top(h)), a);
    ck_assert_ptr_eq(hp_find(h, a), top(h));
    /* hp_push_id of a live id pushes one more reference to it */
    T_OK(h, hp_push_id(h, a));
    ck_assert_ptr_eq(hp_peek(h, 0), hp_peek(h, 1));
    ck_assert_uint_eq(hp_refcount(h, top(h)), 2);
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(ids_of_a_different_heap)
{
    hp_heap *h = t_heap(NULL), *g = t_heap(NULL);
    /* heap.h: an id that is not a live object of this heap is refused; the
     * same operations give the same ids in both heaps, so only a free
     * makes them differ */
    T_OK(h, hp_build_list(h, 0));
    T_OK(g, hp_build_list(g, 0));
    uint64_t id = hp_id(h, top(h));
    ck_assert_uint_eq(hp_id(g, hp_peek(g, 0)), id);
    T_OK(g, hp_pop(g));
    ck_assert_ptr_null(hp_find(g, id));
    ck_assert_ptr_nonnull(hp_find(h, id));
    T_CHECK(h);
    T_CHECK(g);
    hp_heap_free(h);
    hp_heap_free(g);
}
END_TEST

/* ---- stack effects of every builder -------------------------------------- */

START_TEST(builders_underflow)
{
    hp_heap *h = t_heap(NULL);
    T_OK(h, hp_push_int(h, 1));
    /* heap.h: too few operands is HP_E_STACK and changes nothing */
    T_ERR_SAME(h, hp_build_tuple(h, 2), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_build_list(h, 2), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_build_set(h, 2), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_build_frozenset(h, 2), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_build_dict(h, 1), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_build_code(h, "c", 2), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_build_function(h, "f"), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_getitem(h), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_setitem(h), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_delitem(h), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_setattr(h, "a"), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_list_append(h), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_list_insert(h, 0), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_list_extend(h), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_set_add(h), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_set_discard(h), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_dict_pop(h), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_new_weakref(h), HP_E_STACK, NULL);
    T_OK(h, hp_pop(h));
    T_ERR_SAME(h, hp_build_class(h, "C"), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_new_instance(h), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_getattr(h, "a"), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_delattr(h, "a"), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_list_pop(h, -1), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_clear(h), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_slice(h, 0, 0, 0, 0, 0, 0), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_intern(h), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_weakref_deref(h), HP_E_STACK, NULL);
    hp_heap_free(h);
}
END_TEST

/* ---- the suite ----------------------------------------------------------- */

static Suite *suite(void)
{
    Suite *s = suite_create("ops");
    TCase *tc = tcase_create("cpython");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, build_tuple);
    tcase_add_test(tc, build_tuple_moves_references);
    tcase_add_test(tc, build_list);
    tcase_add_test(tc, build_set_and_frozenset);
    tcase_add_test(tc, build_dict);
    tcase_add_test(tc, dict_iteration_order);
    tcase_add_test(tc, build_code_and_function);
    tcase_add_test(tc, build_function_bad_defaults);
    tcase_add_test(tc, build_class_and_instance);
    tcase_add_test(tc, build_class_needs_a_dict);
    tcase_add_test(tc, class_with_del_is_a_finalizer);
    tcase_add_test(tc, getitem_list_and_tuple);
    tcase_add_test(tc, getitem_adds_a_reference);
    tcase_add_test(tc, getitem_str);
    tcase_add_test(tc, getitem_str_type_error);
    tcase_add_test(tc, getitem_bytes);
    tcase_add_test(tc, getitem_bytes_index_error);
    tcase_add_test(tc, getitem_dict);
    tcase_add_test(tc, getitem_not_subscriptable);
    tcase_add_test(tc, setitem_list);
    tcase_add_test(tc, setitem_immutable);
    tcase_add_test(tc, setitem_dict);
    tcase_add_test(tc, delitem_not_a_sequence);
    tcase_add_test(tc, setitem_dict_unhashable_changes_nothing);
    tcase_add_test(tc, delitem_list_and_dict);
    tcase_add_test(tc, instance_attributes);
    tcase_add_test(tc, instance_attribute_order);
    tcase_add_test(tc, instance_attribute_order_after_delete);
    tcase_add_test(tc, class_attributes);
    tcase_add_test(tc, append_growth);
    tcase_add_test(tc, pop_shrinks);
    tcase_add_test(tc, pop_at_index);
    tcase_add_test(tc, pop_moves_the_reference);
    tcase_add_test(tc, insert_positions);
    tcase_add_test(tc, append_refcounts_and_errors);
    tcase_add_test(tc, extend_from_list_and_tuple);
    tcase_add_test(tc, emptying_a_list_frees_its_items);
    tcase_add_test(tc, pop_of_a_single_item_list);
    tcase_add_test(tc, del_of_a_single_item_list);
    tcase_add_test(tc, extend_with_itself);
    tcase_add_test(tc, extend_with_itself_grown);
    tcase_add_test(tc, extend_from_str);
    tcase_add_test(tc, extend_str_onto_a_list);
    tcase_add_test(tc, extend_from_str_presizes_exactly);
    tcase_add_test(tc, extend_str_fills_the_presized_block);
    tcase_add_test(tc, extend_from_bytes);
    tcase_add_test(tc, extend_from_dict_and_set);
    tcase_add_test(tc, clear_list);
    tcase_add_test(tc, slice_list);
    tcase_add_test(tc, slice_adds_references);
    tcase_add_test(tc, slice_tuple);
    tcase_add_test(tc, slice_str);
    tcase_add_test(tc, slice_bytes);
    tcase_add_test(tc, slice_bytes_whole_is_itself);
    tcase_add_test(tc, slice_errors);
    tcase_add_test(tc, slice_dict_is_a_key_error);
    tcase_add_test(tc, set_add_discard);
    tcase_add_test(tc, dict_pop_and_clear);
    tcase_add_test(tc, methods_on_the_wrong_type);
    tcase_add_test(tc, len_truth_equal);
    tcase_add_test(tc, int_and_str_values);
    tcase_add_test(tc, repr_of_results);
    tcase_add_test(tc, refcounts_walkthrough);
    tcase_add_test(tc, intern_gives_the_same_object);
    tcase_add_test(tc, weakrefs);
    tcase_add_test(tc, ids);
    tcase_add_test(tc, ids_of_a_different_heap);
    tcase_add_test(tc, builders_underflow);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return t_run(suite());
}
