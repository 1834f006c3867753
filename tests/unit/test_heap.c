/*
 * test_heap.c: core/heap.c -- creating heaps with a profile, errors, the
 * value stacks and frames that are a heap's roots, names, and the hand-off
 * of finalizers to the caller (docs/handoff.md).
 *
 * The Python line above an assertion is what it checks; each was run with
 * CPython 3.12.1 (PYENV_VERSION=3.12.1 python3 -c ...).  Where the expected
 * value comes from heap.h instead, the comment says so.  Every error is
 * checked to leave the heap consistent (T_ERR runs hp_check).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hptest.h"

static hp_obj *top(hp_heap *h)
{
    hp_obj *o = hp_peek(h, 0);
    ck_assert_ptr_nonnull(o);
    return o;
}

/* def NAME(...): ... bound to a global (code with no constants). */
static void def_global(hp_heap *h, const char *name)
{
    T_OK(h, hp_build_code(h, name, 0));
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_build_function(h, name));
    T_OK(h, hp_store_global(h, name));
}

/* Local-variable errors carry CPython's wording around the variable name,
 * which the engine does not know: "cannot access local variable 'x' where
 * it is not associated with a value". */
static void assert_unbound_message(hp_heap *h)
{
    const char *m = hp_errmsg(h);
    const char *head = "cannot access local variable";
    const char *tail = "where it is not associated with a value";
    ck_assert_msg(strncmp(m, head, strlen(head)) == 0, "message: %s", m);
    ck_assert_msg(strlen(m) >= strlen(tail) &&
                      strcmp(m + strlen(m) - strlen(tail), tail) == 0,
                  "message: %s", m);
}

/* ---- creation ------------------------------------------------------------ */

START_TEST(profiles)
{
    const char *names[] = {"3.11", "3.12", "3.13"};
    /* gc.get_threshold() == (700, 10, 10) in 3.11.7 and 3.12.1, (2000, 10,
     * 10) in 3.13.0 */
    const int64_t threshold0[] = {700, 700, 2000};
    /* class C: pass;
     * sys.getsizeof(C()) == 56 in 3.11.7, 48 in 3.12.1 and 3.13.0 */
    const uint64_t instance_size[] = {56, 48, 48};
    for (int i = 0; i < 3; i++) {
        hp_config cfg = {.profile = names[i]};
        const char *err = NULL;
        hp_heap *h = hp_heap_new(&cfg, &err);
        ck_assert_ptr_nonnull(h);
        ck_assert_str_eq(hp_heap_profile(h), names[i]);
        /* heap.h: a new heap runs module code (frame 0), nothing on its stack,
         * no call due */
        ck_assert_uint_eq(hp_frame_depth(h), 0);
        ck_assert_uint_eq(hp_stack_size(h), 0);
        ck_assert_uint_eq(hp_call_depth(h), 0);
        ck_assert(!hp_call_due(h));
        int64_t t[3];
        hp_gc_get_threshold(h, t);
        ck_assert_int_eq(t[0], threshold0[i]);
        t_class(h, "C", 0);
        T_OK(h, hp_load_global(h, "C"));
        T_OK(h, hp_new_instance(h));
        ck_assert_uint_eq(hp_getsizeof(h, top(h)), instance_size[i]);
        T_OK(h, hp_pop(h));
        T_CHECK(h);
        hp_heap_free(h);
    }
}
END_TEST

START_TEST(default_profile)
{
    /* heap.h: "3.12" is the default, with a NULL config or a NULL profile */
    hp_heap *h = hp_heap_new(NULL, NULL);
    ck_assert_ptr_nonnull(h);
    ck_assert_str_eq(hp_heap_profile(h), "3.12");
    T_CHECK(h);
    hp_heap_free(h);
    hp_config cfg = {0};
    h = hp_heap_new(&cfg, NULL);
    ck_assert_ptr_nonnull(h);
    ck_assert_str_eq(hp_heap_profile(h), "3.12");
    hp_heap_free(h);
}
END_TEST

START_TEST(unknown_profile)
{
    const char *bad[] = {"3.10", "", "3.12.1", "python"};
    for (int i = 0; i < 4; i++) {
        hp_config cfg = {.profile = bad[i]};
        const char *err = NULL;
        /* heap.h: NULL if the profile is unknown, and *err says which */
        ck_assert_ptr_null(hp_heap_new(&cfg, &err));
        ck_assert_ptr_nonnull(err);
        ck_assert_msg(strstr(err, "profile") != NULL, "message: %s", err);
        /* the err argument is optional */
        ck_assert_ptr_null(hp_heap_new(&cfg, NULL));
    }
}
END_TEST

START_TEST(profile_singletons)
{
    const char *names[] = {"3.12", "3.13", "3.11"};
    for (int i = 0; i < 3; i++) {
        hp_heap *h = t_heap(names[i]);
        T_OK(h, hp_push_none(h));
        uint64_t one = hp_refcount(h, top(h));
        T_OK(h, hp_push_none(h));
        uint64_t two = hp_refcount(h, top(h));
        if (i < 2) {
            /* sys.getrefcount(None) == 4294967295 in 3.12.1 and 3.13.0 */
            ck_assert_uint_eq(one, 4294967295u);
            ck_assert_uint_eq(two, 4294967295u);
        } else {
            /* 3.11.7: None is mortal; one more reference is one more count */
            ck_assert_uint_lt(one, 4294967295u);
            ck_assert_uint_eq(two, one + 1);
        }
        T_OK(h, hp_pop(h));
        T_OK(h, hp_pop(h));
        T_CHECK(h);
        hp_heap_free(h);
    }
}
END_TEST

START_TEST(object_budget)
{
    hp_config cfg = {.profile = "3.12", .max_objects = 3};
    hp_heap *h = hp_heap_new(&cfg, NULL);
    ck_assert_ptr_nonnull(h);
    /* heap.h: past the budget, allocation fails as MemoryError and the heap
     * stays consistent */
    for (int i = 0; i < 3; i++)
        T_OK(h, hp_build_list(h, 0));
    T_ERR_SAME(h, hp_build_list(h, 0), HP_E_NOMEM, NULL);
    ck_assert_str_eq(hp_err_pytype(HP_E_NOMEM), "MemoryError");
    /* shared objects need no allocation: small ints, None */
    T_OK(h, hp_push_int(h, 7));
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    /* freeing makes room again */
    T_OK(h, hp_pop(h));
    T_OK(h, hp_build_list(h, 0));
    ck_assert_uint_eq(hp_stack_size(h), 3);
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(byte_budget)
{
    hp_config cfg = {.profile = "3.12", .max_bytes = 64 * 1024};
    hp_heap *h = hp_heap_new(&cfg, NULL);
    ck_assert_ptr_nonnull(h);
    char buf[1000];
    memset(buf, 'x', sizeof buf);
    int rc = 0, n = 0;
    while ((rc = hp_push_str(h, buf, sizeof buf)) == 0)
        ck_assert_int_lt(++n, 1000);
    /* heap.h: MemoryError, and the heap stays consistent */
    ck_assert_int_eq(rc, HP_E_NOMEM);
    T_CHECK(h);
    ck_assert_uint_eq(hp_stack_size(h), (uint32_t)n);
    ck_assert_int_gt(n, 10);
    while (hp_stack_size(h))
        T_OK(h, hp_pop(h));
    /* everything freed: the same work fits again */
    for (int i = 0; i < n; i++)
        T_OK(h, hp_push_str(h, buf, sizeof buf));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

/* ---- errors -------------------------------------------------------------- */

START_TEST(error_pytype_names)
{
    /* all(hasattr(builtins, n) for n in ['MemoryError', 'TypeError',
     * 'ValueError',
     * 'IndexError', 'KeyError', 'NameError', 'AttributeError',
     * 'ZeroDivisionError',
     * 'OverflowError', 'RuntimeError']) -> True */
    ck_assert_str_eq(hp_err_pytype(HP_E_NOMEM), "MemoryError");
    ck_assert_str_eq(hp_err_pytype(HP_E_TYPE), "TypeError");
    ck_assert_str_eq(hp_err_pytype(HP_E_VALUE), "ValueError");
    ck_assert_str_eq(hp_err_pytype(HP_E_INDEX), "IndexError");
    ck_assert_str_eq(hp_err_pytype(HP_E_KEY), "KeyError");
    ck_assert_str_eq(hp_err_pytype(HP_E_NAME), "NameError");
    ck_assert_str_eq(hp_err_pytype(HP_E_ATTRIBUTE), "AttributeError");
    ck_assert_str_eq(hp_err_pytype(HP_E_ZERODIV), "ZeroDivisionError");
    ck_assert_str_eq(hp_err_pytype(HP_E_OVERFLOW), "OverflowError");
    ck_assert_str_eq(hp_err_pytype(HP_E_RUNTIME), "RuntimeError");
    /* heap.h: NULL for errors that are not Python exceptions */
    ck_assert_ptr_null(hp_err_pytype(HP_E_BADID));
    ck_assert_ptr_null(hp_err_pytype(HP_E_STACK));
    ck_assert_ptr_null(hp_err_pytype(HP_E_STATE));
    ck_assert_ptr_null(hp_err_pytype(HP_E_ARG));
    ck_assert_ptr_null(hp_err_pytype(-99));
}
END_TEST

START_TEST(errmsg_is_the_last_error)
{
    hp_heap *h = t_heap(NULL);
    /* undefined  -> NameError: name 'undefined' is not defined */
    T_ERR(h, hp_load_global(h, "undefined"), HP_E_NAME,
          "name 'undefined' is not defined");
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_push_int(h, 0));
    /* (1)[0]  -> TypeError: 'int' object is not subscriptable */
    T_ERR(h, hp_getitem(h), HP_E_TYPE, "'int' object is not subscriptable");
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    hp_heap_free(h);
}
END_TEST

/* ---- the value stack ----------------------------------------------------- */

START_TEST(stack_basics)
{
    hp_heap *h = t_heap(NULL);
    for (int i = 1; i <= 4; i++)
        T_OK(h, hp_push_int(h, i * 1000));
    hp_obj *a = hp_peek(h, 3), *b = hp_peek(h, 2), *c = hp_peek(h, 1),
           *d = hp_peek(h, 0);
    ck_assert_uint_eq(hp_stack_size(h), 4);
    /* heap.h: hp_peek out of range is NULL */
    ck_assert_ptr_null(hp_peek(h, 4));
    /* heap.h: hp_roll(n) moves the item at depth n to the top: [a b c d]
     * -> [a c d b] */
    T_OK(h, hp_roll(h, 2));
    ck_assert_ptr_eq(hp_peek(h, 0), b);
    ck_assert_ptr_eq(hp_peek(h, 1), d);
    ck_assert_ptr_eq(hp_peek(h, 2), c);
    ck_assert_ptr_eq(hp_peek(h, 3), a);
    /* swap: [a c d b] -> [a c b d] */
    T_OK(h, hp_swap(h));
    ck_assert_ptr_eq(hp_peek(h, 0), d);
    ck_assert_ptr_eq(hp_peek(h, 1), b);
    /* roll(0) changes nothing */
    T_OK(h, hp_roll(h, 0));
    ck_assert_ptr_eq(hp_peek(h, 0), d);
    /* dup: one more reference (x = 4000; y = x; the two names hold one each) */
    ck_assert_uint_eq(hp_refcount(h, d), 1);
    T_OK(h, hp_dup(h));
    ck_assert_ptr_eq(hp_peek(h, 0), d);
    ck_assert_uint_eq(hp_refcount(h, d), 2);
    T_OK(h, hp_pop(h));
    ck_assert_uint_eq(hp_refcount(h, d), 1);
    ck_assert_uint_eq(hp_stack_size(h), 4);
    /* moving items does not change counts */
    ck_assert_uint_eq(hp_refcount(h, a), 1);
    ck_assert_uint_eq(hp_refcount(h, b), 1);
    ck_assert_uint_eq(hp_refcount(h, c), 1);
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(stack_underflow_changes_nothing)
{
    hp_heap *h = t_heap(NULL);
    /* heap.h: value stack misuse is HP_E_STACK, and a failed call changes
     * nothing */
    T_ERR_SAME(h, hp_pop(h), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_dup(h), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_swap(h), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_roll(h, 0), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_store_global(h, "x"), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_frame_push(h, 0, 0), HP_E_STACK, NULL);
    T_OK(h, hp_build_list(h, 0));
    T_ERR_SAME(h, hp_swap(h), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_roll(h, 1), HP_E_STACK, NULL);
    /* the callable and one argument are needed: only one item */
    T_ERR_SAME(h, hp_frame_push(h, 1, 1), HP_E_STACK, NULL);
    T_OK(h, hp_push_int(h, 5));
    T_ERR_SAME(h, hp_roll(h, 2), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_frame_push(h, 2, 2), HP_E_STACK, NULL);
    ck_assert_ptr_null(hp_err_pytype(HP_E_STACK));
    /* no frame to pop at module level */
    T_ERR_SAME(h, hp_frame_pop(h, 0), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_frame_pop(h, 1), HP_E_STACK, NULL);
    ck_assert_uint_eq(hp_frame_depth(h), 0);
    /* locals need a frame */
    T_ERR_SAME(h, hp_store_local(h, 0), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_load_local(h, 0), HP_E_STACK, NULL);
    T_ERR_SAME(h, hp_delete_local(h, 0), HP_E_STACK, NULL);
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    ck_assert_uint_eq(hp_stack_size(h), 0);
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

/* ---- names --------------------------------------------------------------- */

START_TEST(globals_store_load_delete)
{
    hp_heap *h = t_heap(NULL);
    /* globals()['__name__'] == '__main__' */
    hp_obj *g = hp_globals(h);
    ck_assert_int_eq(hp_typeof(g), HP_T_DICT);
    T_OK(h, hp_load_global(h, "__name__"));
    ck_assert_str_eq(hp_str_utf8(top(h), NULL), "__main__");
    T_OK(h, hp_pop(h));
    /* x  -> NameError: name 'x' is not defined */
    T_ERR_SAME(h, hp_load_global(h, "x"), HP_E_NAME, "name 'x' is not defined");
    /* del x  -> NameError: name 'x' is not defined */
    T_ERR_SAME(h, hp_delete_global(h, "x"), HP_E_NAME,
               "name 'x' is not defined");
    ck_assert_str_eq(hp_err_pytype(HP_E_NAME), "NameError");
    int64_t n0 = hp_len(g);
    /* y = []; x = y; sys.getrefcount(y) == 3 */
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_store_global(h, "y"));
    ck_assert_uint_eq(hp_stack_size(h), 0);
    T_OK(h, hp_load_global(h, "y"));
    T_OK(h, hp_store_global(h, "x"));
    ck_assert_int_eq(hp_len(g), n0 + 2);
    ck_assert_uint_eq(t_getrefcount(h, "y"), 3);
    ck_assert_ptr_eq(t_global(h, "x"), t_global(h, "y"));
    /* x = None; sys.getrefcount(y) == 2: rebinding released the old object */
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_store_global(h, "x"));
    ck_assert_uint_eq(t_getrefcount(h, "y"), 2);
    ck_assert_int_eq(hp_len(g), n0 + 2);
    /* del x; x  -> NameError: name 'x' is not defined */
    T_OK(h, hp_delete_global(h, "x"));
    ck_assert_int_eq(hp_len(g), n0 + 1);
    T_ERR_SAME(h, hp_load_global(h, "x"), HP_E_NAME, "name 'x' is not defined");
    /* del y frees the list: its id is stale (heap.h) */
    uint64_t id = hp_id(h, t_global(h, "y"));
    T_OK(h, hp_delete_global(h, "y"));
    ck_assert_ptr_null(hp_find(h, id));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(rebinding_runs_the_finalizer)
{
    hp_heap *h = t_heap(NULL);
    t_class(h, "D", 1);
    t_instance(h, "D", "c", "c");
    /* class D: def __del__(s): print('del', s.name)
     * c = D('c'); c = 1; print('after rebind')  -> del c, then after rebind */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_store_global(h, "c"));
    ck_assert(hp_call_due(h));
    t_log log = {0};
    t_drain(h, &log);
    ck_assert_str_eq(log.text, "del c;");
    ck_assert(!hp_call_due(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

/* ---- frames -------------------------------------------------------------- */

START_TEST(frame_push_moves_arguments)
{
    hp_heap *h = t_heap(NULL);
    def_global(h, "f");
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_store_global(h, "x"));
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_store_global(h, "y"));
    hp_obj *f = t_global(h, "f"), *x = t_global(h, "x"), *y = t_global(h, "y");
    /* f(x, y): the callable and the arguments on the caller's stack */
    T_OK(h, hp_load_global(h, "f"));
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_load_global(h, "y"));
    uint64_t rx = hp_refcount(h, x), ry = hp_refcount(h, y);
    T_OK(h, hp_frame_push(h, 2, 3));
    ck_assert_uint_eq(hp_frame_depth(h), 1);
    /* the callee starts with an empty stack */
    ck_assert_uint_eq(hp_stack_size(h), 0);
    /* heap.h: the arguments move into locals 0 and 1: counts unchanged.
     * def show(o): return sys.getrefcount(o); a = []; show(a) == 3
     * (a, the local o, getrefcount's argument) */
    ck_assert_uint_eq(hp_refcount(h, x), rx);
    ck_assert_uint_eq(hp_refcount(h, y), ry);
    T_OK(h, hp_load_local(h, 0));
    ck_assert_ptr_eq(top(h), x);
    ck_assert_uint_eq(hp_refcount(h, x), 3);
    T_OK(h, hp_pop(h));
    T_OK(h, hp_load_local(h, 1));
    ck_assert_ptr_eq(top(h), y);
    T_OK(h, hp_pop(h));
    /* def f(): return sys.getrefcount(f); f() == 3: the global, the frame,
     * the argument */
    T_OK(h, hp_load_global(h, "f"));
    ck_assert_uint_eq(hp_refcount(h, f), 3);
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    /* return: locals released; show(a) returned, sys.getrefcount(a) == 2 */
    T_OK(h, hp_frame_pop(h, 0));
    ck_assert_uint_eq(hp_frame_depth(h), 0);
    ck_assert_uint_eq(hp_stack_size(h), 0);
    ck_assert_uint_eq(t_getrefcount(h, "x"), 2);
    ck_assert_uint_eq(t_getrefcount(h, "y"), 2);
    ck_assert_uint_eq(t_getrefcount(h, "f"), 2);
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(locals_store_load_delete)
{
    hp_heap *h = t_heap(NULL);
    def_global(h, "f");
    T_OK(h, hp_load_global(h, "f"));
    T_OK(h, hp_frame_push(h, 0, 2));
    /* def g(): x; x = 1  -> UnboundLocalError: cannot access local variable 'x'
     * where it is not associated with a value (a NameError) */
    T_ERR_SAME(h, hp_load_local(h, 0), HP_E_NAME, NULL);
    assert_unbound_message(h);
    T_ERR_SAME(h, hp_delete_local(h, 1), HP_E_NAME, NULL);
    assert_unbound_message(h);
    /* heap.h: a slot past nlocals is an invalid argument */
    T_ERR_SAME(h, hp_load_local(h, 2), HP_E_ARG, NULL);
    T_ERR_SAME(h, hp_delete_local(h, 2), HP_E_ARG, NULL);
    T_OK(h, hp_push_int(h, 1));
    T_ERR_SAME(h, hp_store_local(h, 2), HP_E_ARG, NULL);
    T_OK(h, hp_pop(h));
    T_ERR_SAME(h, hp_store_local(h, 0), HP_E_STACK, NULL);
    /* x = []; y = x; sys.getrefcount(x) == 3 (x, y, the argument) */
    T_OK(h, hp_build_list(h, 0));
    hp_obj *l = top(h);
    T_OK(h, hp_store_local(h, 0));
    ck_assert_uint_eq(hp_stack_size(h), 0);
    ck_assert_uint_eq(hp_refcount(h, l), 1);
    T_OK(h, hp_load_local(h, 0));
    T_OK(h, hp_store_local(h, 1));
    T_OK(h, hp_load_local(h, 1));
    ck_assert_ptr_eq(top(h), l);
    ck_assert_uint_eq(hp_refcount(h, l), 3);
    T_OK(h, hp_pop(h));
    /* y = None; sys.getrefcount(x) == 2 */
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_store_local(h, 1));
    ck_assert_uint_eq(hp_refcount(h, l), 1);
    /* del x; x  -> UnboundLocalError (a NameError) */
    T_OK(h, hp_load_local(h, 0));
    T_OK(h, hp_delete_local(h, 0));
    ck_assert_uint_eq(hp_refcount(h, l), 1); /* only the stack now */
    T_ERR_SAME(h, hp_load_local(h, 0), HP_E_NAME, NULL);
    assert_unbound_message(h);
    T_ERR_SAME(h, hp_delete_local(h, 0), HP_E_NAME, NULL);
    /* x = the list again; rebinding x releases nothing else */
    T_OK(h, hp_store_local(h, 0));
    ck_assert_uint_eq(hp_refcount(h, l), 1);
    uint64_t id = hp_id(h, l);
    T_OK(h, hp_frame_pop(h, 0));
    /* the frame held the only reference: freed (heap.h: stale id) */
    ck_assert_ptr_null(hp_find(h, id));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(frame_pop_keeps_the_result)
{
    hp_heap *h = t_heap(NULL);
    def_global(h, "g");
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_store_global(h, "x"));
    /* something below the call on the caller's stack */
    T_OK(h, hp_push_int(h, 1000));
    hp_obj *below = top(h);
    /* def g(p): return [p]; x = []; r = g(x); sys.getrefcount(x) == 3 */
    T_OK(h, hp_load_global(h, "g"));
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_frame_push(h, 1, 1));
    /* heap.h: keep_result needs a value on the callee's stack */
    T_ERR_SAME(h, hp_frame_pop(h, 1), HP_E_STACK, NULL);
    ck_assert_uint_eq(hp_frame_depth(h), 1);
    T_OK(h, hp_load_local(h, 0));
    T_OK(h, hp_build_list(h, 1));
    hp_obj *result = top(h);
    T_OK(h, hp_frame_pop(h, 1));
    ck_assert_uint_eq(hp_frame_depth(h), 0);
    ck_assert_uint_eq(hp_stack_size(h), 2);
    ck_assert_ptr_eq(top(h), result);
    ck_assert_ptr_eq(hp_peek(h, 1), below);
    ck_assert_uint_eq(hp_refcount(h, result), 1);
    T_OK(h, hp_store_global(h, "r"));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 3);
    T_OK(h, hp_delete_global(h, "r"));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 2);
    /* def m(o): return o; z = []; w = m(z); sys.getrefcount(z) == 3 */
    T_OK(h, hp_load_global(h, "g"));
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_frame_push(h, 1, 1));
    T_OK(h, hp_load_local(h, 0));
    T_OK(h, hp_frame_pop(h, 1));
    T_OK(h, hp_store_global(h, "w"));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 3);
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(frame_pop_releases_the_callee_stack)
{
    hp_heap *h = t_heap(NULL);
    def_global(h, "f");
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_store_global(h, "x"));
    T_OK(h, hp_load_global(h, "f"));
    T_OK(h, hp_frame_push(h, 0, 0));
    /* temporaries left on the callee's stack are released with the frame */
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_load_global(h, "x"));
    ck_assert_uint_eq(hp_refcount(h, top(h)), 3);
    T_OK(h, hp_frame_pop(h, 0));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 2);
    ck_assert_uint_eq(hp_stack_size(h), 0);
    /* with keep_result, the rest of the callee's stack goes too */
    T_OK(h, hp_load_global(h, "f"));
    T_OK(h, hp_frame_push(h, 0, 0));
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_push_int(h, 3000));
    T_OK(h, hp_frame_pop(h, 1));
    ck_assert_uint_eq(hp_stack_size(h), 1);
    ck_assert_int_eq(hp_typeof(top(h)), HP_T_INT);
    ck_assert_uint_eq(t_getrefcount(h, "x"), 2);
    T_OK(h, hp_pop(h));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(frame_push_bad_arguments)
{
    hp_heap *h = t_heap(NULL);
    def_global(h, "f");
    T_OK(h, hp_load_global(h, "f"));
    T_OK(h, hp_push_int(h, 1000));
    T_OK(h, hp_push_int(h, 2000));
    /* heap.h: fewer locals than arguments is an invalid argument */
    T_ERR_SAME(h, hp_frame_push(h, 2, 1), HP_E_ARG, NULL);
    ck_assert_uint_eq(hp_frame_depth(h), 0);
    ck_assert_ptr_null(hp_err_pytype(HP_E_ARG));
    T_OK(h, hp_frame_push(h, 2, 2));
    ck_assert_uint_eq(hp_frame_depth(h), 1);
    T_OK(h, hp_frame_pop(h, 0));
    ck_assert_uint_eq(hp_stack_size(h), 0);
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(frames_release_locals_in_order)
{
    hp_heap *h = t_heap(NULL);
    t_class(h, "D", 1);
    def_global(h, "h");
    /* class D: def __del__(s): print('del', s.name)
     * def h(p, q): pass; h(D('p'), D('q'))  -> del p, del q */
    T_OK(h, hp_load_global(h, "h"));
    t_instance(h, "D", "p", "p");
    t_instance(h, "D", "q", "q");
    T_OK(h, hp_load_global(h, "p"));
    T_OK(h, hp_load_global(h, "q"));
    T_OK(h, hp_delete_global(h, "p"));
    T_OK(h, hp_delete_global(h, "q"));
    T_OK(h, hp_frame_push(h, 2, 2));
    t_log log = {0};
    T_OK(h, hp_frame_pop(h, 0));
    t_drain(h, &log);
    ck_assert_str_eq(log.text, "del p;del q;");
    ck_assert_uint_eq(hp_frame_depth(h), 0);
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(recursion_limit)
{
    hp_heap *h = t_heap(NULL);
    def_global(h, "f");
    /* depth = 0
     * def f(): global depth; depth += 1; f()
     * f()  -> RecursionError: maximum recursion depth exceeded, depth == 999
     * (sys.getrecursionlimit() == 1000 counts the module's frame) */
    uint32_t pushed = 0;
    int rc;
    for (;;) {
        T_OK(h, hp_load_global(h, "f"));
        rc = hp_frame_push(h, 0, 0);
        if (rc != 0)
            break;
        pushed++;
        ck_assert_uint_le(pushed, 100000);
    }
    ck_assert_int_eq(rc, HP_E_RUNTIME);
    ck_assert_uint_eq(pushed, 999);
    hp_heap_free(h);
}
END_TEST

START_TEST(recursion_limit_leaves_the_heap_usable)
{
    hp_heap *h = t_heap(NULL);
    def_global(h, "f");
    uint32_t pushed = 0;
    for (;;) {
        T_OK(h, hp_load_global(h, "f"));
        t_snap s;
        t_snap_take(h, &s);
        int rc = hp_frame_push(h, 0, 0);
        if (rc != 0) {
            /* RecursionError (a RuntimeError): maximum recursion depth
             * exceeded */
            ck_assert_int_eq(rc, HP_E_RUNTIME);
            ck_assert_str_eq(hp_errmsg(h), "maximum recursion depth exceeded");
            ck_assert_str_eq(hp_err_pytype(rc), "RuntimeError");
            T_SNAP_SAME(h, &s);
            T_CHECK(h);
            break;
        }
        pushed++;
        ck_assert_uint_le(pushed, 100000);
    }
    ck_assert_uint_eq(hp_frame_depth(h), pushed);
    /* the deepest frame still works: locals, names, objects */
    T_OK(h, hp_pop(h));
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_store_global(h, "deep"));
    /* each frame holds f: the global, the frames, and the argument */
    ck_assert_uint_eq(t_getrefcount(h, "f"), (uint64_t)pushed + 2);
    while (hp_frame_depth(h) > 0)
        T_OK(h, hp_frame_pop(h, 0));
    ck_assert_uint_eq(t_getrefcount(h, "f"), 2);
    ck_assert_uint_eq(hp_stack_size(h), 0);
    /* and calls work again */
    T_OK(h, hp_load_global(h, "f"));
    T_OK(h, hp_frame_push(h, 0, 0));
    T_OK(h, hp_frame_pop(h, 0));
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

/* ---- the hand-off -------------------------------------------------------- */

START_TEST(call_begin_with_nothing_due)
{
    hp_heap *h = t_heap(NULL);
    hp_call c;
    /* heap.h: HP_E_STATE when no call is due, or there is no call to end */
    T_ERR_SAME(h, hp_call_begin(h, &c), HP_E_STATE, NULL);
    T_ERR_SAME(h, hp_call_end(h), HP_E_STATE, NULL);
    ck_assert_ptr_null(hp_err_pytype(HP_E_STATE));
    ck_assert_uint_eq(hp_call_depth(h), 0);
    hp_heap_free(h);
}
END_TEST

/* __del__ of 'a': del b (a global that also has a finalizer) */
static void del_b_inside(hp_heap *h, const hp_call *c, void *ctx)
{
    int *checked = ctx;
    if (c->kind != HP_CALL_FINALIZER || *checked)
        return;
    *checked = 1;
    ck_assert_uint_eq(hp_call_depth(h), 1);
    T_OK(h, hp_delete_global(h, "b"));
    /* b's finalizer is due inside a's: a's call cannot end first */
    ck_assert(hp_call_due(h));
    ck_assert_uint_eq(hp_call_depth(h), 1);
    T_ERR(h, hp_call_end(h), HP_E_STATE, NULL);
    hp_call inner;
    T_OK(h, hp_call_begin(h, &inner));
    ck_assert_uint_eq(hp_call_depth(h), 2);
    ck_assert_int_eq(inner.kind, HP_CALL_FINALIZER);
    ck_assert_str_eq(hp_type_name(inner.arg0), "D");
    T_OK(h, hp_call_end(h));
    ck_assert_uint_eq(hp_call_depth(h), 1);
    ck_assert(!hp_call_due(h));
}

START_TEST(nested_finalizers)
{
    hp_heap *h = t_heap(NULL);
    t_class(h, "D", 1);
    t_instance(h, "D", "a", "a");
    t_instance(h, "D", "b", "b");
    hp_obj *del = hp_class_lookup(t_global(h, "D"), "__del__");
    /* class D: def __del__(s): print('del', s.name); if s.name == 'a': del b
     * a = D('a'); b = D('b'); del a  -> del a, then del b inside it */
    T_OK(h, hp_delete_global(h, "a"));
    ck_assert(hp_call_due(h));
    ck_assert_uint_eq(hp_call_depth(h), 0);
    hp_call c;
    T_OK(h, hp_call_begin(h, &c));
    ck_assert_int_eq(c.kind, HP_CALL_FINALIZER);
    ck_assert_ptr_eq(c.callable, del);
    ck_assert_int_eq(hp_typeof(c.arg0), HP_T_INSTANCE);
    ck_assert_uint_eq(hp_call_depth(h), 1);
    ck_assert(!hp_call_due(h));
    int checked = 0;
    del_b_inside(h, &c, &checked);
    ck_assert(checked);
    T_OK(h, hp_call_end(h));
    ck_assert_uint_eq(hp_call_depth(h), 0);
    ck_assert(!hp_call_due(h));
    T_ERR_SAME(h, hp_load_global(h, "b"), HP_E_NAME, "name 'b' is not defined");
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(nested_finalizers_logged)
{
    hp_heap *h = t_heap(NULL);
    t_class(h, "D", 1);
    t_instance(h, "D", "a", "a");
    t_instance(h, "D", "b", "b");
    int checked = 0;
    t_log log = {.hook = del_b_inside, .ctx = &checked};
    /* del a  -> prints del a, del b (b's __del__ runs inside a's) */
    t_del(h, "a", &log);
    ck_assert_str_eq(log.text, "del a;");
    ck_assert(checked);
    ck_assert_int_eq(log.finalizers, 1); /* b's was run by the hook itself */
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(mutations_refused_while_a_call_is_due)
{
    hp_heap *h = t_heap(NULL);
    t_class(h, "D", 1);
    t_instance(h, "D", "a", "a");
    def_global(h, "f");
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_store_global(h, "l"));
    /* operands for every operation below */
    T_OK(h, hp_load_global(h, "l"));
    T_OK(h, hp_push_int(h, 0));
    T_OK(h, hp_load_global(h, "l"));
    hp_obj *l = t_global(h, "l");
    uint64_t lid = hp_id(h, l);
    T_OK(h, hp_delete_global(h, "a"));
    ck_assert(hp_call_due(h));
    t_snap s;
    t_snap_take(h, &s);
    /* heap.h: while a call is due and not begun, mutating operations fail
     * with HP_E_STATE */
#define REFUSED(expr) T_ERR_SAME(h, expr, HP_E_STATE, NULL)
    REFUSED(hp_push_none(h));
    REFUSED(hp_push_bool(h, 1));
    REFUSED(hp_push_int(h, 5000));
    REFUSED(hp_push_float(h, 1.5));
    REFUSED(hp_push_str(h, "s", 1));
    REFUSED(hp_push_bytes(h, "b", 1));
    REFUSED(hp_push_obj(h, l));
    REFUSED(hp_push_id(h, lid));
    REFUSED(hp_build_tuple(h, 1));
    REFUSED(hp_build_list(h, 1));
    REFUSED(hp_build_set(h, 0));
    REFUSED(hp_build_frozenset(h, 0));
    REFUSED(hp_build_dict(h, 0));
    REFUSED(hp_build_code(h, "c", 0));
    REFUSED(hp_build_function(h, "f"));
    REFUSED(hp_build_class(h, "C"));
    REFUSED(hp_new_instance(h));
    REFUSED(hp_new_weakref(h));
    REFUSED(hp_weakref_deref(h));
    REFUSED(hp_intern(h));
    REFUSED(hp_pop(h));
    REFUSED(hp_dup(h));
    REFUSED(hp_swap(h));
    REFUSED(hp_roll(h, 2));
    REFUSED(hp_store_global(h, "z"));
    REFUSED(hp_load_global(h, "l"));
    REFUSED(hp_delete_global(h, "l"));
    REFUSED(hp_frame_push(h, 1, 1));
    REFUSED(hp_frame_pop(h, 0));
    REFUSED(hp_store_local(h, 0));
    REFUSED(hp_load_local(h, 0));
    REFUSED(hp_delete_local(h, 0));
    REFUSED(hp_getitem(h));
    REFUSED(hp_setitem(h));
    REFUSED(hp_delitem(h));
    REFUSED(hp_getattr(h, "x"));
    REFUSED(hp_setattr(h, "x"));
    REFUSED(hp_delattr(h, "x"));
    REFUSED(hp_list_append(h));
    REFUSED(hp_list_insert(h, 0));
    REFUSED(hp_list_pop(h, -1));
    REFUSED(hp_list_extend(h));
    REFUSED(hp_clear(h));
    REFUSED(hp_set_add(h));
    REFUSED(hp_set_discard(h));
    REFUSED(hp_dict_pop(h));
    REFUSED(hp_slice(h, 0, 0, 0, 0, 0, 0));
    int64_t r = 0;
    REFUSED(hp_gc_collect(h, 2, &r));
    REFUSED(hp_gc_get_objects(h, -1));
    REFUSED(hp_gc_get_referrers(h, 1));
    REFUSED(hp_gc_get_referents(h, 1));
#undef REFUSED
    T_SNAP_SAME(h, &s);
    ck_assert(hp_call_due(h));
    /* reading is allowed */
    ck_assert_int_eq(hp_len(l), 0);
    ck_assert_ptr_eq(hp_find(h, lid), l);
    t_log log = {0};
    t_drain(h, &log);
    ck_assert_str_eq(log.text, "del a;");
    /* and everything works again: l.append(0) */
    T_OK(h, hp_pop(h));
    T_OK(h, hp_list_append(h));
    ck_assert_int_eq(hp_len(l), 1);
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

START_TEST(call_end_resumes_the_cascade)
{
    hp_heap *h = t_heap(NULL);
    t_class(h, "D", 1);
    t_instance(h, "D", "a", "a");
    t_instance(h, "D", "b", "b");
    t_instance(h, "D", "c", "c");
    /* l = [a, b, c]; del a, b, c; del l  -> del c, del b, del a
     * (list_dealloc releases items from the end) */
    T_OK(h, hp_load_global(h, "a"));
    T_OK(h, hp_load_global(h, "b"));
    T_OK(h, hp_load_global(h, "c"));
    T_OK(h, hp_build_list(h, 3));
    T_OK(h, hp_store_global(h, "l"));
    T_OK(h, hp_delete_global(h, "a"));
    T_OK(h, hp_delete_global(h, "b"));
    T_OK(h, hp_delete_global(h, "c"));
    ck_assert(!hp_call_due(h));
    T_OK(h, hp_delete_global(h, "l"));
    const char *want[] = {"c", "b", "a"};
    for (int i = 0; i < 3; i++) {
        ck_assert(hp_call_due(h));
        hp_call c;
        T_OK(h, hp_call_begin(h, &c));
        T_OK(h, hp_push_obj(h, c.arg0));
        T_OK(h, hp_getattr(h, "name"));
        ck_assert_str_eq(hp_str_utf8(top(h), NULL), want[i]);
        T_OK(h, hp_pop(h));
        T_OK(h, hp_call_end(h));
    }
    ck_assert(!hp_call_due(h));
    ck_assert_uint_eq(hp_call_depth(h), 0);
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

/* ---- fault injection: every allocation may fail -------------------------- */

/* One step of a small program; on MemoryError the step must have changed
 * nothing, and succeed once the allocator works again. */
#define STEP(h, expr)                                                          \
    do {                                                                       \
        t_snap s_;                                                             \
        t_snap_take(h, &s_);                                                   \
        int rc_ = (expr);                                                      \
        if (rc_ != 0) {                                                        \
            ck_assert_msg(rc_ == HP_E_NOMEM, "%s: %d (%s)", #expr, rc_,        \
                          hp_errmsg(h));                                       \
            T_CHECK(h);                                                        \
            T_SNAP_SAME(h, &s_);                                               \
            failures++;                                                        \
            hp_heap_fail_nth(h, 0);                                            \
            T_OK(h, (expr));                                                   \
        }                                                                      \
    } while (0)

/* The names the program binds, bound to None beforehand so that binding
 * them allocates nothing (store_global_failure_changes_nothing covers a
 * store that must grow the globals). */
static void prebind(hp_heap *h)
{
    const char *names[] = {"d", "c", "l"};
    for (int i = 0; i < 3; i++) {
        T_OK(h, hp_push_none(h));
        T_OK(h, hp_store_global(h, names[i]));
    }
}

/* d = {'k': [1000, 2000, 3000], 'name': 'x' * 40}; d['t'] = (d['k'], 'u')
 * class C: pass; c = C(); c.d = d; l = list(d); del d */
static int sample_program(hp_heap *h)
{
    int failures = 0;
    char big[41];
    memset(big, 'x', 40);
    big[40] = 0;
    STEP(h, hp_push_str(h, "k", 1));
    STEP(h, hp_build_list(h, 0));
    STEP(h, hp_dup(h));
    STEP(h, hp_push_int(h, 1000));
    STEP(h, hp_push_int(h, 2000));
    STEP(h, hp_push_int(h, 3000));
    STEP(h, hp_build_tuple(h, 3));
    STEP(h, hp_list_extend(h));
    STEP(h, hp_push_str(h, "name", 4));
    STEP(h, hp_push_str(h, big, 40));
    STEP(h, hp_build_dict(h, 2));
    STEP(h, hp_store_global(h, "d"));
    STEP(h, hp_load_global(h, "d"));
    STEP(h, hp_push_str(h, "t", 1));
    STEP(h, hp_load_global(h, "d"));
    STEP(h, hp_push_str(h, "k", 1));
    STEP(h, hp_getitem(h));
    STEP(h, hp_push_str(h, "u", 1));
    STEP(h, hp_build_tuple(h, 2));
    STEP(h, hp_setitem(h));
    STEP(h, hp_build_dict(h, 0));
    STEP(h, hp_build_class(h, "C"));
    STEP(h, hp_new_instance(h));
    STEP(h, hp_dup(h));
    STEP(h, hp_load_global(h, "d"));
    STEP(h, hp_setattr(h, "d"));
    STEP(h, hp_store_global(h, "c"));
    STEP(h, hp_build_list(h, 0));
    STEP(h, hp_dup(h));
    STEP(h, hp_load_global(h, "d"));
    STEP(h, hp_list_extend(h));
    STEP(h, hp_store_global(h, "l"));
    STEP(h, hp_delete_global(h, "d"));
    return failures;
}

START_TEST(every_allocation_may_fail)
{
    /* The program's result, with no failure. */
    hp_heap *ref = t_heap(NULL);
    prebind(ref);
    ck_assert_int_eq(sample_program(ref), 0);
    char want_c[256], want_l[256];
    T_OK(ref, hp_load_global(ref, "c"));
    T_OK(ref, hp_getattr(ref, "d"));
    snprintf(want_c, sizeof want_c, "%s", t_repr_top(ref));
    T_OK(ref, hp_pop(ref));
    snprintf(want_l, sizeof want_l, "%s", t_repr(ref, t_global(ref, "l")));
    /* repr(c.d) == "{'k': [1000, 2000, 3000], 'name': 'xx...x', 't': ([1000,
     * 2000, 3000], 'u')}" */
    ck_assert_int_eq(
        strncmp(want_c, "{'k': [1000, 2000, 3000], 'name': 'xxxx", 39), 0);
    ck_assert_str_eq(want_l, "['k', 'name', 't']");
    hp_heap_free(ref);

    int n;
    for (n = 1; n < 1000; n++) {
        hp_heap *h = t_heap(NULL);
        prebind(h);
        hp_heap_fail_nth(h, n);
        int failures = sample_program(h);
        hp_heap_fail_nth(h, 0);
        T_CHECK(h);
        T_OK(h, hp_load_global(h, "c"));
        T_OK(h, hp_getattr(h, "d"));
        ck_assert_str_eq(t_repr_top(h), want_c);
        T_OK(h, hp_pop(h));
        ck_assert_str_eq(t_repr(h, t_global(h, "l")), want_l);
        hp_heap_free(h);
        if (failures == 0)
            break; /* the nth allocation came after the program's last */
    }
    ck_assert_int_gt(n, 10);
    ck_assert_int_lt(n, 1000);
}
END_TEST

START_TEST(store_global_failure_changes_nothing)
{
    hp_heap *h = t_heap(NULL);
    char name[16];
    int failed = 0;
    /* bind new names until the globals must grow,
     * with that allocation failing */
    for (int i = 0; i < 1000 && !failed; i++) {
        snprintf(name, sizeof name, "v%d", i);
        T_OK(h, hp_build_list(h, 0));
        t_snap s;
        t_snap_take(h, &s);
        int64_t n0 = hp_len(hp_globals(h));
        hp_heap_fail_nth(h, 1);
        int rc = hp_store_global(h, name);
        hp_heap_fail_nth(h, 0);
        if (rc == 0)
            continue;
        failed = 1;
        /* heap.h: MemoryError, and a failed call changes nothing the caller
         * can observe: the value stays on the stack, the name stays unbound */
        ck_assert_int_eq(rc, HP_E_NOMEM);
        T_CHECK(h);
        ck_assert_int_eq(hp_len(hp_globals(h)), n0);
        T_ERR(h, hp_load_global(h, name), HP_E_NAME, NULL);
        T_SNAP_SAME(h, &s);
        T_OK(h, hp_store_global(h, name));
    }
    ck_assert(failed);
    hp_heap_free(h);
}
END_TEST

START_TEST(call_peek)
{
    hp_heap *h = t_heap(NULL);
    hp_call c = {0}, p = {0};
    /* heap.h: hp_call_peek gives the due call without beginning it, or 0 */
    ck_assert_int_eq(hp_call_peek(h, &p), 0);
    t_class(h, "D", 1);
    t_instance(h, "D", "a", "a");
    T_OK(h, hp_delete_global(h, "a"));
    ck_assert_int_eq(hp_call_peek(h, &p), 1);
    ck_assert_int_eq(p.kind, HP_CALL_FINALIZER);
    ck_assert_uint_eq(hp_call_depth(h), 0);
    ck_assert(hp_call_due(h));
    T_OK(h, hp_call_begin(h, &c));
    ck_assert_int_eq(c.kind, p.kind);
    ck_assert_ptr_eq(c.callable, p.callable);
    ck_assert_ptr_eq(c.arg0, p.arg0);
    ck_assert_ptr_eq(c.arg1, p.arg1);
    ck_assert_int_eq(hp_call_peek(h, &p), 0);
    T_OK(h, hp_call_end(h));
    ck_assert_int_eq(hp_call_peek(h, &p), 0);
    T_CHECK(h);
    hp_heap_free(h);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("heap");
    TCase *tc = tcase_create("cpython");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, profiles);
    tcase_add_test(tc, default_profile);
    tcase_add_test(tc, unknown_profile);
    tcase_add_test(tc, profile_singletons);
    tcase_add_test(tc, object_budget);
    tcase_add_test(tc, byte_budget);
    tcase_add_test(tc, error_pytype_names);
    tcase_add_test(tc, errmsg_is_the_last_error);
    tcase_add_test(tc, stack_basics);
    tcase_add_test(tc, stack_underflow_changes_nothing);
    tcase_add_test(tc, globals_store_load_delete);
    tcase_add_test(tc, rebinding_runs_the_finalizer);
    tcase_add_test(tc, frame_push_moves_arguments);
    tcase_add_test(tc, locals_store_load_delete);
    tcase_add_test(tc, frame_pop_keeps_the_result);
    tcase_add_test(tc, frame_pop_releases_the_callee_stack);
    tcase_add_test(tc, frame_push_bad_arguments);
    tcase_add_test(tc, frames_release_locals_in_order);
    tcase_add_test(tc, recursion_limit);
    tcase_add_test(tc, recursion_limit_leaves_the_heap_usable);
    tcase_add_test(tc, call_begin_with_nothing_due);
    tcase_add_test(tc, call_peek);
    tcase_add_test(tc, nested_finalizers);
    tcase_add_test(tc, nested_finalizers_logged);
    tcase_add_test(tc, mutations_refused_while_a_call_is_due);
    tcase_add_test(tc, call_end_resumes_the_cascade);
    tcase_add_test(tc, every_allocation_may_fail);
    tcase_add_test(tc, store_global_failure_changes_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return t_run(suite());
}
