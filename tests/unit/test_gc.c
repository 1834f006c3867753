/*
 * test_gc.c: core/gc.c against CPython 3.12's observable behaviour.  Every
 * expected number below was printed by CPython 3.12.1 running the same
 * program (tests/conformance/reference/measure.py, docs/cpython-reference.md).
 */
#include <stdlib.h>
#include <string.h>

#include "hptest.h"

/* def ref_cycle(): list = [1, 2, 3, 4]; list.append(list); return list */
static void ref_cycle(hp_heap *h)
{
    for (int i = 1; i <= 4; i++)
        T_OK(h, hp_push_int(h, i));
    T_OK(h, hp_build_list(h, 4));
    T_OK(h, hp_dup(h));
    T_OK(h, hp_dup(h));
    T_OK(h, hp_list_append(h));
    T_OK(h, hp_pop(h));
}

START_TEST(talk_ref_cycle_eight_times)
{
    hp_heap *h = t_heap(NULL);
    hp_gc_disable(h);
    for (int i = 0; i < 8; i++)
        ref_cycle(h);
    ck_assert_int_eq(t_collect(h, 2, NULL), 8);
    ck_assert_int_eq(t_collect(h, 2, NULL), 0);
    hp_gc_gen_stats s[3];
    hp_gc_get_stats(h, s);
    ck_assert_uint_eq(s[2].collections, 2);
    ck_assert_uint_eq(s[2].collected, 8);
    ck_assert_uint_eq(s[2].uncollectable, 0);
    ck_assert_int_eq(hp_len(hp_gc_garbage(h)), 0);
    hp_heap_free(h);
}
END_TEST

START_TEST(two_lists_across_generations)
{
    hp_heap *h = t_heap(NULL);
    hp_gc_disable(h);
    t_list(h, "a");
    t_list(h, "b");
    t_append(h, "a", "b");
    t_append(h, "b", "a");
    int64_t c[3];
    hp_gc_get_count(h, c);
    ck_assert_int_eq(c[0], 2);
    /* Still referenced: survives collect(0) and moves to generation 1. */
    ck_assert_int_eq(t_collect(h, 0, NULL), 0);
    hp_gc_get_count(h, c);
    ck_assert_int_eq(c[0], 0);
    ck_assert_int_eq(c[1], 1);
    ck_assert_int_eq(hp_gc_generation(t_global(h, "a")), 1);
    T_OK(h, hp_delete_global(h, "a"));
    T_OK(h, hp_delete_global(h, "b"));
    /* A cycle in generation 1 is not collected by collect(0)... */
    ck_assert_int_eq(t_collect(h, 0, NULL), 0);
    hp_gc_get_count(h, c);
    ck_assert_int_eq(c[1], 2);
    /* ...but by collect(1). */
    ck_assert_int_eq(t_collect(h, 1, NULL), 2);
    hp_gc_get_count(h, c);
    ck_assert_int_eq(c[0], 0);
    ck_assert_int_eq(c[1], 0);
    ck_assert_int_eq(c[2], 1);
    hp_heap_free(h);
}
END_TEST

START_TEST(promoted_to_gen2_needs_full_collection)
{
    hp_heap *h = t_heap(NULL);
    hp_gc_disable(h);
    t_list(h, "a");
    t_list(h, "b");
    t_append(h, "a", "b");
    t_append(h, "b", "a");
    ck_assert_int_eq(t_collect(h, 1, NULL), 0);
    ck_assert_int_eq(hp_gc_generation(t_global(h, "b")), 2);
    T_OK(h, hp_delete_global(h, "a"));
    T_OK(h, hp_delete_global(h, "b"));
    ck_assert_int_eq(t_collect(h, 0, NULL), 0);
    ck_assert_int_eq(t_collect(h, 1, NULL), 0);
    ck_assert_int_eq(t_collect(h, 2, NULL), 2);
    hp_heap_free(h);
}
END_TEST

START_TEST(instances_in_a_cycle)
{
    hp_heap *h = t_heap(NULL);
    hp_gc_disable(h);
    t_class(h, "C", 0);
    t_instance(h, "C", "a", "a");
    t_instance(h, "C", "b", "b");
    t_setattr(h, "a", "other", "b");
    t_setattr(h, "b", "other", "a");
    t_del(h, "a", NULL);
    t_del(h, "b", NULL);
    /* 3.12: instance attributes are inline, no dict objects to collect. */
    ck_assert_int_eq(t_collect(h, 2, NULL), 2);
    t_instance(h, "C", "s", "s");
    t_setattr(h, "s", "me", "s");
    t_del(h, "s", NULL);
    ck_assert_int_eq(t_collect(h, 2, NULL), 1);
    hp_heap_free(h);
}
END_TEST

START_TEST(dict_self_cycle)
{
    hp_heap *h = t_heap(NULL);
    hp_gc_disable(h);
    T_OK(h, hp_build_dict(h, 0));
    T_OK(h, hp_store_global(h, "d"));
    ck_assert(!hp_gc_is_tracked(t_global(h, "d")));
    T_OK(h, hp_load_global(h, "d"));
    T_OK(h, hp_push_str(h, "self", 4));
    T_OK(h, hp_load_global(h, "d"));
    T_OK(h, hp_setitem(h));
    ck_assert(hp_gc_is_tracked(t_global(h, "d")));
    T_OK(h, hp_delete_global(h, "d"));
    ck_assert_int_eq(t_collect(h, 2, NULL), 1);
    hp_gc_gen_stats s[3];
    hp_gc_get_stats(h, s);
    ck_assert_uint_eq(s[2].collected, 1);
    hp_heap_free(h);
}
END_TEST

START_TEST(finalizers_in_a_cycle)
{
    hp_heap *h = t_heap(NULL);
    hp_gc_disable(h);
    t_class(h, "D", 1);
    t_instance(h, "D", "a", "a");
    t_instance(h, "D", "b", "b");
    t_setattr(h, "a", "other", "b");
    t_setattr(h, "b", "other", "a");
    t_log log = {0};
    t_del(h, "a", &log);
    t_del(h, "b", &log);
    ck_assert_str_eq(log.text, "");
    ck_assert_int_eq(t_collect(h, 2, &log), 2);
    ck_assert_str_eq(log.text, "del a;del b;");
    ck_assert_int_eq(hp_len(hp_gc_garbage(h)), 0);
    ck_assert_int_eq(t_collect(h, 2, &log), 0);

    memset(&log, 0, sizeof log);
    t_instance(h, "D", "x", "x");
    t_instance(h, "D", "y", "y");
    t_instance(h, "D", "z", "z");
    t_setattr(h, "x", "n", "y");
    t_setattr(h, "y", "n", "z");
    t_setattr(h, "z", "n", "x");
    t_del(h, "x", &log);
    t_del(h, "y", &log);
    t_del(h, "z", &log);
    ck_assert_int_eq(t_collect(h, 2, &log), 3);
    ck_assert_str_eq(log.text, "del x;del y;del z;");
    hp_heap_free(h);
}
END_TEST

/* __del__: saved.append(self) */
static void save_self(hp_heap *h, const hp_call *c, void *ctx)
{
    (void)ctx;
    if (c->kind != HP_CALL_FINALIZER)
        return;
    T_OK(h, hp_load_global(h, "saved"));
    T_OK(h, hp_push_obj(h, c->arg0));
    T_OK(h, hp_list_append(h));
}

START_TEST(resurrection)
{
    hp_heap *h = t_heap(NULL);
    hp_gc_disable(h);
    t_list(h, "saved");
    t_class(h, "R", 1);
    t_instance(h, "R", "r", "r");
    t_setattr(h, "r", "me", "r");
    t_log log = {.hook = save_self};
    t_del(h, "r", &log);
    ck_assert_int_eq(t_collect(h, 2, &log), 0);
    ck_assert_int_eq(log.finalizers, 1);
    hp_obj *saved = t_global(h, "saved");
    ck_assert_int_eq(hp_len(saved), 1);
    hp_obj *r = hp_seq_item(saved, 0);
    ck_assert(hp_gc_is_finalized(r));
    ck_assert_int_eq(hp_len(hp_gc_garbage(h)), 0);
    ck_assert_int_eq(t_collect(h, 2, &log), 0);
    /* obj = saved.pop(); getrefcount(obj) == 3 (obj, self.me, argument) */
    T_OK(h, hp_load_global(h, "saved"));
    T_OK(h, hp_list_pop(h, -1));
    T_OK(h, hp_store_global(h, "obj"));
    ck_assert_uint_eq(t_getrefcount(h, "obj"), 3);
    T_OK(h, hp_load_global(h, "obj"));
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_setattr(h, "me"));
    uint64_t id = hp_id(h, r);
    t_del(h, "obj", &log);
    ck_assert_int_eq(log.finalizers, 1); /* not run again */
    ck_assert_ptr_null(hp_find(h, id));
    ck_assert_int_eq(t_collect(h, 2, &log), 0);

    /* Plain refcount resurrection, no cycle. */
    t_class(h, "R2", 1);
    t_instance(h, "R2", "q", "q");
    t_del(h, "q", &log);
    ck_assert_int_eq(log.finalizers, 2);
    ck_assert_int_eq(hp_len(saved), 1);
    ck_assert(hp_gc_is_finalized(hp_seq_item(saved, 0)));
    T_OK(h, hp_load_global(h, "saved"));
    T_OK(h, hp_clear(h));
    t_drain(h, &log);
    ck_assert_int_eq(log.finalizers, 2);
    ck_assert_msg(hp_check(h) == 0, "%s", hp_errmsg(h));
    hp_heap_free(h);
}
END_TEST

/* callback(ref): logs what ref() returns */
static void deref_in_callback(hp_heap *h, const hp_call *c, void *ctx)
{
    if (c->kind != HP_CALL_WEAKREF)
        return;
    T_OK(h, hp_push_obj(h, c->arg0));
    T_OK(h, hp_weakref_deref(h));
    *(int *)ctx = hp_typeof(hp_peek(h, 0));
    T_OK(h, hp_pop(h));
}

static void weakref_to(hp_heap *h, const char *obj, int with_cb, const char *var)
{
    T_OK(h, hp_load_global(h, obj));
    if (with_cb) {
        /* def cb(ref): ... at module level, defined once */
        if (hp_load_global(h, "cb") != 0) {
            T_OK(h, hp_build_code(h, "cb", 0));
            T_OK(h, hp_push_none(h));
            T_OK(h, hp_build_function(h, "cb"));
            T_OK(h, hp_store_global(h, "cb"));
            T_OK(h, hp_load_global(h, "cb"));
        }
    } else {
        T_OK(h, hp_push_none(h));
    }
    T_OK(h, hp_new_weakref(h));
    T_OK(h, hp_store_global(h, var));
}

static int deref_type(hp_heap *h, const char *var)
{
    T_OK(h, hp_load_global(h, var));
    T_OK(h, hp_weakref_deref(h));
    int t = hp_typeof(hp_peek(h, 0));
    T_OK(h, hp_pop(h));
    return t;
}

START_TEST(weakref_callbacks)
{
    hp_heap *h = t_heap(NULL);
    hp_gc_disable(h);
    t_class(h, "W", 0);
    t_instance(h, "W", "o", "o");
    t_setattr(h, "o", "me", "o");
    weakref_to(h, "o", 1, "r");
    int seen = 0;
    t_log log = {.hook = deref_in_callback, .ctx = &seen};
    t_del(h, "o", &log);
    ck_assert_int_eq(deref_type(h, "r"), HP_T_INSTANCE);
    ck_assert_int_eq(t_collect(h, 2, &log), 1);
    ck_assert_int_eq(log.callbacks, 1);
    ck_assert_int_eq(seen, HP_T_NONE); /* already cleared inside */
    ck_assert_int_eq(deref_type(h, "r"), HP_T_NONE);

    /* Freed by reference counting: the callback runs at once. */
    t_instance(h, "W", "o2", "o2");
    weakref_to(h, "o2", 1, "r2");
    seen = 0;
    t_del(h, "o2", &log);
    ck_assert_int_eq(log.callbacks, 2);
    ck_assert_int_eq(seen, HP_T_NONE);
    ck_assert_int_eq(deref_type(h, "r2"), HP_T_NONE);

    /* No callback. */
    t_instance(h, "W", "o3", "o3");
    t_setattr(h, "o3", "me", "o3");
    weakref_to(h, "o3", 0, "r3");
    t_del(h, "o3", &log);
    ck_assert_int_eq(t_collect(h, 2, &log), 1);
    ck_assert_int_eq(deref_type(h, "r3"), HP_T_NONE);

    /* The weakref is part of the garbage: its callback is not called. */
    t_instance(h, "W", "o4", "o4");
    t_setattr(h, "o4", "me", "o4");
    weakref_to(h, "o4", 1, "tmp");
    t_setattr(h, "o4", "wr", "tmp");
    T_OK(h, hp_delete_global(h, "tmp"));
    t_del(h, "o4", &log);
    ck_assert_int_eq(t_collect(h, 2, &log), 2);
    ck_assert_int_eq(log.callbacks, 2);
    ck_assert_msg(hp_check(h) == 0, "%s", hp_errmsg(h));
    hp_heap_free(h);
}
END_TEST

START_TEST(basic_weakref_is_shared)
{
    hp_heap *h = t_heap(NULL);
    t_class(h, "W", 0);
    t_instance(h, "W", "o", "o");
    weakref_to(h, "o", 0, "r1");
    weakref_to(h, "o", 0, "r2");
    ck_assert_ptr_eq(t_global(h, "r1"), t_global(h, "r2"));
    weakref_to(h, "o", 1, "r3");
    ck_assert_int_eq(hp_weakref_count(h, t_global(h, "o")), 2);
    /* weakref.ref([]) is a TypeError */
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_push_none(h));
    ck_assert_int_eq(hp_new_weakref(h), HP_E_TYPE);
    ck_assert_str_eq(hp_errmsg(h), "cannot create weak reference to 'list' object");
    hp_heap_free(h);
}
END_TEST

START_TEST(saveall)
{
    hp_heap *h = t_heap(NULL);
    hp_gc_disable(h);
    hp_gc_set_debug(h, HP_DEBUG_SAVEALL);
    ck_assert_int_eq(hp_gc_get_debug(h), 32);
    for (int i = 0; i < 3; i++) {
        T_OK(h, hp_build_list(h, 0));
        T_OK(h, hp_dup(h));
        T_OK(h, hp_dup(h));
        T_OK(h, hp_list_append(h));
        T_OK(h, hp_pop(h));
    }
    ck_assert_int_eq(t_collect(h, 2, NULL), 3);
    hp_obj *g = hp_gc_garbage(h);
    ck_assert_int_eq(hp_len(g), 3);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(hp_typeof(hp_seq_item(g, i)), HP_T_LIST);
    ck_assert_int_eq(t_collect(h, 2, NULL), 0);
    ck_assert_int_eq(hp_len(g), 3);
    hp_gc_set_debug(h, 0);
    T_OK(h, hp_push_obj(h, g));
    T_OK(h, hp_clear(h));
    ck_assert_int_eq(t_collect(h, 2, NULL), 3);
    hp_heap_free(h);
}
END_TEST

static int in_generation(hp_heap *h, int gen, hp_obj *o)
{
    T_OK(h, hp_gc_get_objects(h, gen));
    hp_obj *l = hp_peek(h, 0);
    int found = 0;
    for (int64_t i = 0; i < hp_len(l); i++)
        found |= hp_seq_item(l, i) == o;
    T_OK(h, hp_pop(h));
    return found;
}

START_TEST(freeze_and_unfreeze)
{
    hp_heap *h = t_heap(NULL);
    hp_gc_disable(h);
    ck_assert_uint_eq(hp_gc_get_freeze_count(h), 0);
    t_list(h, "a");
    t_append(h, "a", "a");
    hp_obj *a = t_global(h, "a");
    T_OK(h, hp_gc_get_objects(h, -1));
    uint64_t tracked = (uint64_t)hp_len(hp_peek(h, 0));
    T_OK(h, hp_pop(h));
    ck_assert_uint_ge(tracked, 3);
    hp_gc_freeze(h);
    ck_assert_uint_eq(hp_gc_get_freeze_count(h), tracked);
    int64_t c[3];
    hp_gc_get_count(h, c);
    ck_assert_int_eq(c[0], 0);
    ck_assert_int_eq(hp_gc_generation(a), 3);
    T_OK(h, hp_delete_global(h, "a"));
    ck_assert_int_eq(t_collect(h, 2, NULL), 0);
    hp_gc_unfreeze(h);
    ck_assert_uint_eq(hp_gc_get_freeze_count(h), 0);
    ck_assert(in_generation(h, 2, a));
    ck_assert(!in_generation(h, 0, a));
    ck_assert_int_eq(t_collect(h, 0, NULL), 0);
    ck_assert_int_eq(t_collect(h, 1, NULL), 0);
    ck_assert_int_eq(t_collect(h, 2, NULL), 1);
    hp_heap_free(h);
}
END_TEST

START_TEST(gc_callbacks_start_and_stop)
{
    hp_heap *h = t_heap(NULL);
    hp_gc_disable(h);
    T_OK(h, hp_push_obj(h, hp_gc_callbacks(h)));
    T_OK(h, hp_build_code(h, "cb", 0));
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_build_function(h, "cb"));
    T_OK(h, hp_list_append(h));
    t_list(h, "a");
    t_list(h, "b");
    t_append(h, "a", "b");
    t_append(h, "b", "a");
    T_OK(h, hp_delete_global(h, "a"));
    T_OK(h, hp_delete_global(h, "b"));
    t_log log = {0};
    ck_assert_int_eq(t_collect(h, 2, &log), 2);
    ck_assert_int_eq(t_collect(h, 0, &log), 0);
    ck_assert_str_eq(log.text, "start 2 0 0;stop 2 2 0;start 0 0 0;stop 0 0 0;");
    hp_heap_free(h);
}
END_TEST

START_TEST(bad_generation)
{
    hp_heap *h = t_heap(NULL);
    int64_t r;
    ck_assert_int_eq(hp_gc_collect(h, 3, &r), HP_E_VALUE);
    ck_assert_str_eq(hp_errmsg(h), "invalid generation");
    ck_assert_int_eq(hp_gc_collect(h, -1, &r), HP_E_VALUE);
    ck_assert_str_eq(hp_err_pytype(HP_E_VALUE), "ValueError");
    ck_assert_int_eq(hp_gc_get_objects(h, 3), HP_E_VALUE);
    ck_assert_str_eq(hp_errmsg(h), "generation parameter must be less than the "
                                   "number of available generations (3)");
    hp_heap_free(h);
}
END_TEST

START_TEST(referrers_and_referents)
{
    hp_heap *h = t_heap(NULL);
    hp_gc_disable(h);
    /* inner = [1]; outer = [inner]; d = {'k': inner} */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_build_list(h, 1));
    T_OK(h, hp_store_global(h, "inner"));
    T_OK(h, hp_load_global(h, "inner"));
    T_OK(h, hp_build_list(h, 1));
    T_OK(h, hp_store_global(h, "outer"));
    T_OK(h, hp_push_str(h, "k", 1));
    T_OK(h, hp_load_global(h, "inner"));
    T_OK(h, hp_build_dict(h, 1));
    T_OK(h, hp_store_global(h, "d"));
    hp_obj *inner = t_global(h, "inner"), *outer = t_global(h, "outer"),
           *d = t_global(h, "d");
    T_OK(h, hp_push_obj(h, inner));
    T_OK(h, hp_gc_get_referrers(h, 1));
    hp_obj *l = hp_peek(h, 0);
    ck_assert_int_eq(hp_len(l), 3);
    int seen_outer = 0, seen_d = 0, seen_globals = 0;
    for (int i = 0; i < 3; i++) {
        hp_obj *o = hp_seq_item(l, i);
        seen_outer += o == outer;
        seen_d += o == d;
        seen_globals += o == hp_globals(h);
    }
    ck_assert(seen_outer == 1 && seen_d == 1 && seen_globals == 1);
    T_OK(h, hp_pop(h));
    /* get_referents(d): str keys are not reported, values are. */
    T_OK(h, hp_push_obj(h, d));
    T_OK(h, hp_gc_get_referents(h, 1));
    ck_assert_int_eq(hp_len(hp_peek(h, 0)), 1);
    ck_assert_ptr_eq(hp_seq_item(hp_peek(h, 0), 0), inner);
    T_OK(h, hp_pop(h));
    /* get_referents(1) == [] */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_gc_get_referents(h, 1));
    ck_assert_int_eq(hp_len(hp_peek(h, 0)), 0);
    T_OK(h, hp_pop(h));
    hp_heap_free(h);
}
END_TEST

START_TEST(del_chain_order)
{
    hp_heap *h = t_heap(NULL);
    t_class(h, "N", 1);
    t_instance(h, "N", "a", "a");
    t_instance(h, "N", "b", "b");
    t_instance(h, "N", "c", "c");
    t_setattr(h, "a", "next", "b");
    t_setattr(h, "b", "next", "c");
    T_OK(h, hp_delete_global(h, "b"));
    T_OK(h, hp_delete_global(h, "c"));
    t_log log = {0};
    t_del(h, "a", &log);
    ck_assert_str_eq(log.text, "del a;del b;del c;");
    ck_assert_msg(hp_check(h) == 0, "%s", hp_errmsg(h));
    hp_heap_free(h);
}
END_TEST

START_TEST(mutation_refused_while_call_due)
{
    hp_heap *h = t_heap(NULL);
    t_class(h, "N", 1);
    t_instance(h, "N", "a", "a");
    T_OK(h, hp_delete_global(h, "a"));
    ck_assert(hp_call_due(h));
    ck_assert_int_eq(hp_push_int(h, 1), HP_E_STATE);
    ck_assert_int_eq(hp_call_end(h), HP_E_STATE);
    hp_call c;
    T_OK(h, hp_call_begin(h, &c));
    ck_assert_int_eq(c.kind, HP_CALL_FINALIZER);
    ck_assert_uint_eq(hp_call_depth(h), 1);
    T_OK(h, hp_push_int(h, 1)); /* the body may do anything */
    T_OK(h, hp_pop(h));
    T_OK(h, hp_call_end(h));
    ck_assert(!hp_call_due(h));
    hp_heap_free(h);
}
END_TEST

/* 701 tracked allocations with thresholds (700, 10, 10): CPython 3.12
 * collects generation 0 once the count passes 700. */
START_TEST(automatic_collection)
{
    hp_heap *h = t_heap(NULL);
    int64_t c[3], t[3];
    hp_gc_get_threshold(h, t);
    ck_assert_int_eq(t[0], 700);
    ck_assert_int_eq(t[1], 10);
    ck_assert_int_eq(t[2], 10);
    t_list(h, "held");
    hp_gc_get_count(h, c);
    int64_t start = c[0];
    for (int i = 0; i < 700 - start; i++) {
        T_OK(h, hp_load_global(h, "held"));
        T_OK(h, hp_build_list(h, 0));
        T_OK(h, hp_list_append(h));
    }
    hp_gc_get_count(h, c);
    ck_assert_int_eq(c[0], 700);
    ck_assert_int_eq(c[1], 0);
    T_OK(h, hp_build_list(h, 0)); /* the 701st: collected right after */
    hp_gc_get_count(h, c);
    ck_assert_int_eq(c[0], 0);
    ck_assert_int_eq(c[1], 1);
    T_OK(h, hp_pop(h));
    hp_gc_gen_stats s[3];
    hp_gc_get_stats(h, s);
    ck_assert_uint_eq(s[0].collections, 1);
    /* the eleventh collection is of generation 1 */
    for (int i = 0; i < 12 * 701; i++) {
        T_OK(h, hp_load_global(h, "held"));
        T_OK(h, hp_build_list(h, 0));
        T_OK(h, hp_list_append(h));
    }
    hp_gc_get_stats(h, s);
    ck_assert_uint_eq(s[1].collections, 1);
    ck_assert_uint_eq(s[0].collections, 12);
    hp_gc_disable(h);
    ck_assert(!hp_gc_isenabled(h));
    hp_heap_free(h);
}
END_TEST

START_TEST(threshold_profiles)
{
    hp_heap *h = t_heap("3.13");
    int64_t t[3];
    hp_gc_get_threshold(h, t);
    ck_assert_int_eq(t[0], 2000);
    int64_t nt[3] = {5, 6, 7};
    T_OK(h, hp_gc_set_threshold(h, 3, nt));
    hp_gc_get_threshold(h, t);
    ck_assert_int_eq(t[0], 5);
    ck_assert_int_eq(t[2], 7);
    hp_heap_free(h);
}
END_TEST

START_TEST(tuples_untracked_by_collection)
{
    hp_heap *h = t_heap(NULL);
    hp_gc_disable(h);
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_push_int(h, 2));
    T_OK(h, hp_build_tuple(h, 2));
    T_OK(h, hp_store_global(h, "t"));
    T_OK(h, hp_build_list(h, 0));
    T_OK(h, hp_build_tuple(h, 1));
    T_OK(h, hp_store_global(h, "u"));
    ck_assert(hp_gc_is_tracked(t_global(h, "t")));
    t_collect(h, 0, NULL);
    ck_assert(!hp_gc_is_tracked(t_global(h, "t")));
    ck_assert(hp_gc_is_tracked(t_global(h, "u")));
    /* nested = tuple([tuple([1, 2])]); d = {'k': nested}.  CPython 3.12:
     * the first gc.collect() untracks only the inner tuple (it reaches
     * the end of the list after the outer one is scanned), the second the
     * outer tuple and the dict. */
    T_OK(h, hp_push_int(h, 1));
    T_OK(h, hp_push_int(h, 2));
    T_OK(h, hp_build_tuple(h, 2));
    T_OK(h, hp_build_tuple(h, 1));
    T_OK(h, hp_store_global(h, "nested"));
    T_OK(h, hp_push_str(h, "k", 1));
    T_OK(h, hp_load_global(h, "nested"));
    T_OK(h, hp_build_dict(h, 1));
    T_OK(h, hp_store_global(h, "d"));
    ck_assert(hp_gc_is_tracked(t_global(h, "d")));
    ck_assert_int_eq(t_collect(h, 2, NULL), 0);
    hp_obj *nested = t_global(h, "nested");
    ck_assert(hp_gc_is_tracked(nested));
    ck_assert(!hp_gc_is_tracked(hp_seq_item(nested, 0)));
    ck_assert(hp_gc_is_tracked(t_global(h, "d")));
    ck_assert_int_eq(t_collect(h, 2, NULL), 0);
    ck_assert(!hp_gc_is_tracked(nested));
    ck_assert(!hp_gc_is_tracked(t_global(h, "d")));
    ck_assert_msg(hp_check(h) == 0, "%s", hp_errmsg(h));
    hp_heap_free(h);
}
END_TEST

START_TEST(refcounts_as_cpython)
{
    hp_heap *h = t_heap(NULL);
    t_list(h, "a");
    ck_assert_uint_eq(t_getrefcount(h, "a"), 2);
    T_OK(h, hp_load_global(h, "a"));
    T_OK(h, hp_store_global(h, "b"));
    ck_assert_uint_eq(t_getrefcount(h, "a"), 3);
    for (int i = 0; i < 3; i++)
        T_OK(h, hp_load_global(h, "a"));
    T_OK(h, hp_build_list(h, 3));
    T_OK(h, hp_store_global(h, "c"));
    ck_assert_uint_eq(t_getrefcount(h, "a"), 6);
    /* def show(obj): return sys.getrefcount(obj); show(x) for a fresh x */
    t_list(h, "x");
    T_OK(h, hp_push_str(h, "show", 4));
    T_OK(h, hp_build_code(h, "show", 0));
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_build_function(h, "show"));
    T_OK(h, hp_store_global(h, "show"));
    T_OK(h, hp_load_global(h, "show"));
    T_OK(h, hp_load_global(h, "x"));
    T_OK(h, hp_frame_push(h, 1, 1));
    T_OK(h, hp_load_local(h, 0)); /* the argument of getrefcount */
    ck_assert_uint_eq(hp_refcount(h, hp_peek(h, 0)), 3);
    T_OK(h, hp_frame_pop(h, 0));
    ck_assert_uint_eq(t_getrefcount(h, "x"), 2);
    /* Immortal in 3.12 */
    T_OK(h, hp_push_none(h));
    ck_assert_uint_eq(hp_refcount(h, hp_peek(h, 0)), 4294967295u);
    T_OK(h, hp_pop(h));
    hp_heap_free(h);
}
END_TEST

START_TEST(profile_311_mortal_singletons)
{
    hp_heap *h = t_heap("3.11");
    T_OK(h, hp_push_none(h));
    uint64_t none1 = hp_refcount(h, hp_peek(h, 0));
    T_OK(h, hp_push_none(h));
    /* Mortal: one more reference is one more count (3.11 has no
     * immortal objects). */
    ck_assert_uint_eq(hp_refcount(h, hp_peek(h, 0)), none1 + 1);
    ck_assert_uint_lt(none1, 4294967295u);
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    t_list(h, "a");
    t_append(h, "a", "a");
    T_OK(h, hp_delete_global(h, "a"));
    ck_assert_int_eq(t_collect(h, 2, NULL), 1);
    ck_assert_msg(hp_check(h) == 0, "%s", hp_errmsg(h));
    hp_heap_free(h);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("gc");
    TCase *tc = tcase_create("cpython");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, talk_ref_cycle_eight_times);
    tcase_add_test(tc, two_lists_across_generations);
    tcase_add_test(tc, promoted_to_gen2_needs_full_collection);
    tcase_add_test(tc, instances_in_a_cycle);
    tcase_add_test(tc, dict_self_cycle);
    tcase_add_test(tc, finalizers_in_a_cycle);
    tcase_add_test(tc, resurrection);
    tcase_add_test(tc, weakref_callbacks);
    tcase_add_test(tc, basic_weakref_is_shared);
    tcase_add_test(tc, saveall);
    tcase_add_test(tc, freeze_and_unfreeze);
    tcase_add_test(tc, gc_callbacks_start_and_stop);
    tcase_add_test(tc, bad_generation);
    tcase_add_test(tc, referrers_and_referents);
    tcase_add_test(tc, del_chain_order);
    tcase_add_test(tc, mutation_refused_while_call_due);
    tcase_add_test(tc, automatic_collection);
    tcase_add_test(tc, threshold_profiles);
    tcase_add_test(tc, tuples_untracked_by_collection);
    tcase_add_test(tc, refcounts_as_cpython);
    tcase_add_test(tc, profile_311_mortal_singletons);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return t_run(suite());
}
