/*
 * test_oom.c: running out of memory on purpose (STYLE.md, "SQLite — tests
 * that break things on purpose").  Each scenario is run on a fresh heap
 * with allocation N told to fail, for N = 1, 2, 3, ... until the scenario
 * runs to its end without the failure firing (an engine may absorb a
 * failure it can do without: the run then goes on to N + 1).  After every
 * MemoryError: the error says so, the failed call left the value stack,
 * its operands (their counts and lengths) and the live objects as they
 * were (heap.h: "a failed call changes nothing that the caller can
 * observe"; every such call is listed before the test fails), hp_check
 * passes, and the heap still works.  A full run gives the complete
 * result.  The byte and object budgets of hp_config fail the same way and
 * give the room back when objects are freed.  OOM_VERBOSE=1 prints each
 * failed step.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hptest.h"

/* ---- a scenario run ------------------------------------------------------ */

/* What a caller can see of the heap around one call. */
typedef struct view {
    uint32_t depth;
    hp_obj *top[4];
    uint64_t rc[4];
    int64_t len[4]; /* the operands' len(), -1 when they have none */
    uint64_t objects, strs;
} view;

typedef struct run {
    hp_heap *h;
    /* the failed step */
    int rc;
    const char *what;
    int line;
    view before, after;
    /* counts kept by the call handler */
    int finalizers, callbacks, gc_callbacks;
    int64_t collected;
    /* __del__ bodies run saved.append(self) when set */
    int resurrect;
    int body_failures; /* bodies that met the MemoryError */
} run;

static void view_take(const hp_heap *h, view *v)
{
    hp_type_stats s;
    memset(v, 0, sizeof *v);
    v->depth = hp_stack_size(h);
    for (uint32_t i = 0; i < 4 && i < v->depth; i++) {
        v->top[i] = hp_peek(h, i);
        v->rc[i] = hp_refcount(h, v->top[i]);
        v->len[i] = hp_len(v->top[i]);
    }
    hp_type_stats_get(h, &s);
    v->objects = s.objects;
    v->strs = s.count[HP_T_STR];
}

/* NULL when a and b show the same heap, else what differs.  A name the
 * failed call interned may stay (interned strs are immortal in 3.12, as
 * in CPython); anything else left over would also fail hp_check. */
static const char *view_diff(const view *a, const view *b)
{
    static char buf[128];
    if (a->depth != b->depth) {
        snprintf(buf, sizeof buf, "stack depth %u, was %u", b->depth, a->depth);
        return buf;
    }
    for (uint32_t i = 0; i < 4 && i < a->depth; i++) {
        if (a->top[i] != b->top[i] || a->rc[i] != b->rc[i] ||
            a->len[i] != b->len[i]) {
            snprintf(buf, sizeof buf,
                     "stack item %u (count %llu, was %llu; len %lld, was %lld)",
                     i, (unsigned long long)b->rc[i],
                     (unsigned long long)a->rc[i], (long long)b->len[i],
                     (long long)a->len[i]);
            return buf;
        }
    }
    if (b->objects - a->objects != b->strs - a->strs || b->strs < a->strs) {
        snprintf(buf, sizeof buf, "%llu live objects, was %llu",
                 (unsigned long long)b->objects,
                 (unsigned long long)a->objects);
        return buf;
    }
    return NULL;
}

/* The body of __del__ when resurrecting: saved.append(self).  The append
 * may meet the armed failure: the body then ends with its MemoryError (as
 * an exception in __del__ is only reported), and the object dies. */
static void resurrect_body(run *x, hp_obj *self)
{
    hp_heap *h = x->h;
    T_OK(h, hp_load_global(h, "saved"));
    T_OK(h, hp_push_obj(h, self));
    int rc = hp_list_append(h);
    if (rc == 0)
        return;
    ck_assert_int_eq(rc, HP_E_NOMEM);
    x->body_failures++;
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
}

/* Runs every due call: each kind counts itself; only __del__ bodies do
 * something, when x->resurrect is set. */
static void drain(run *x)
{
    while (hp_call_due(x->h)) {
        hp_call c;
        T_OK(x->h, hp_call_begin(x->h, &c));
        if (c.kind == HP_CALL_FINALIZER) {
            x->finalizers++;
            if (x->resurrect)
                resurrect_body(x, c.arg0);
        } else if (c.kind == HP_CALL_WEAKREF) {
            x->callbacks++;
        } else {
            x->gc_callbacks++;
        }
        T_OK(x->h, hp_call_end(x->h));
    }
}

/* One step of a scenario: on failure the scenario stops there and the
 * walk inspects what the failed call left. */
#define STEP(x, expr)                                                          \
    do {                                                                       \
        view v_;                                                               \
        view_take((x)->h, &v_);                                                \
        int rc_ = (expr);                                                      \
        if (rc_ != 0) {                                                        \
            (x)->rc = rc_;                                                     \
            (x)->what = #expr;                                                 \
            (x)->line = __LINE__;                                              \
            (x)->before = v_;                                                  \
            view_take((x)->h, &(x)->after);                                    \
            return rc_;                                                        \
        }                                                                      \
        drain(x);                                                              \
    } while (0)

static int s_collect(run *x, int gen)
{
    int64_t r = -2;
    int rc = hp_gc_collect(x->h, gen, &r);
    if (rc == 0 && r == -1) {
        drain(x);
        r = hp_gc_result(x->h);
    }
    x->collected += r;
    return rc;
}

static int s_str(run *x, const char *s)
{
    return hp_push_str(x->h, s, strlen(s));
}

/* def NAME(...): pass, bound to a global */
static int s_def(run *x, const char *name)
{
    STEP(x, hp_build_code(x->h, name, 0));
    STEP(x, hp_push_none(x->h));
    STEP(x, hp_build_function(x->h, name));
    STEP(x, hp_store_global(x->h, name));
    return 0;
}

/* class NAME: (with a __del__ when with_del), bound to a global */
static int s_class(run *x, const char *name, int with_del)
{
    if (with_del) {
        STEP(x, s_str(x, "__del__"));
        STEP(x, hp_build_code(x->h, "__del__", 0));
        STEP(x, hp_push_none(x->h));
        STEP(x, hp_build_function(x->h, "__del__"));
    }
    STEP(x, hp_build_dict(x->h, with_del ? 1 : 0));
    STEP(x, hp_build_class(x->h, name));
    STEP(x, hp_store_global(x->h, name));
    return 0;
}

#define TRY(expr)                                                              \
    do {                                                                       \
        int t_ = (expr);                                                       \
        if (t_ != 0)                                                           \
            return t_;                                                         \
    } while (0)

/* ---- the scenarios ------------------------------------------------------- */

typedef struct scenario {
    const char *name;
    void (*setup)(hp_heap *h); /* before the failure is armed */
    int (*body)(run *x);       /* 0, or the failed step's code */
    /* after a run to the end; full: the armed failure never fired */
    void (*verify)(hp_heap *h, const run *x, int full);
} scenario;

static void setup_no_auto_gc(hp_heap *h)
{
    hp_gc_disable(h);
}

/* ints = [1000, ..., 1099]; d = {'key00': [1000], ..., 'key49': [1049]} */
static int body_list_and_dict(run *x)
{
    for (int i = 0; i < 100; i++)
        STEP(x, hp_push_int(x->h, 1000 + i));
    STEP(x, hp_build_list(x->h, 100));
    STEP(x, hp_store_global(x->h, "ints"));
    for (int i = 0; i < 50; i++) {
        char key[16];
        snprintf(key, sizeof key, "key%02d", i);
        STEP(x, s_str(x, key));
        STEP(x, hp_push_int(x->h, 1000 + i));
        STEP(x, hp_build_list(x->h, 1));
    }
    STEP(x, hp_build_dict(x->h, 50));
    STEP(x, hp_store_global(x->h, "d"));
    return 0;
}

static void verify_list_and_dict(hp_heap *h, const run *x, int full)
{
    hp_obj *ints = t_global(h, "ints"), *d = t_global(h, "d");
    ck_assert_int_eq(hp_len(ints), 100);
    for (int i = 0; i < 100; i++) {
        int64_t v = -1;
        hp_int_value(hp_seq_item(ints, (uint64_t)i), &v);
        ck_assert_int_eq(v, 1000 + i);
    }
    ck_assert_int_eq(hp_len(d), 50);
    uint64_t pos = 0;
    hp_obj *k, *v;
    for (int i = 0; hp_iter_items(d, &pos, &k, &v); i++) {
        char key[16];
        int64_t n = -1;
        snprintf(key, sizeof key, "key%02d", i);
        ck_assert_str_eq(hp_str_utf8(k, NULL), key);
        ck_assert_int_eq(hp_len(v), 1);
        hp_int_value(hp_seq_item(v, 0), &n);
        ck_assert_int_eq(n, 1000 + i);
    }
    (void)x;
    (void)full;
}

/* class D: __del__; class C: plain.  Ten pairs a.other = b, b.other = a of
 * D instances, ten C instances each in a self-cycle through a list, all
 * dropped, then gc.collect(). */
static int body_cycles(run *x)
{
    hp_heap *h = x->h;
    TRY(s_class(x, "D", 1));
    TRY(s_class(x, "C", 0));
    for (int i = 0; i < 10; i++) {
        STEP(x, hp_load_global(h, "D"));
        STEP(x, hp_new_instance(h));
        STEP(x, hp_store_global(h, "a"));
        STEP(x, hp_load_global(h, "D"));
        STEP(x, hp_new_instance(h));
        STEP(x, hp_store_global(h, "b"));
        STEP(x, hp_load_global(h, "a"));
        STEP(x, hp_load_global(h, "b"));
        STEP(x, hp_setattr(h, "other"));
        STEP(x, hp_load_global(h, "b"));
        STEP(x, hp_load_global(h, "a"));
        STEP(x, hp_setattr(h, "other"));
        STEP(x, hp_load_global(h, "a"));
        STEP(x, hp_push_int(h, 5000 + i));
        STEP(x, hp_setattr(h, "n"));
        STEP(x, hp_delete_global(h, "a"));
        STEP(x, hp_delete_global(h, "b"));
        /* c = C(); c.l = [c] */
        STEP(x, hp_load_global(h, "C"));
        STEP(x, hp_new_instance(h));
        STEP(x, hp_dup(h));
        STEP(x, hp_dup(h));
        STEP(x, hp_build_list(h, 1));
        STEP(x, hp_setattr(h, "l"));
        STEP(x, hp_pop(h));
    }
    STEP(x, s_collect(x, 2));
    return 0;
}

static void verify_cycles(hp_heap *h, const run *x, int full)
{
    /* 20 D instances, 10 C instances and their 10 lists; the ints go by
     * reference counting. */
    ck_assert_int_eq(x->finalizers, 20);
    ck_assert_int_eq(x->collected, 40);
    hp_type_stats s;
    hp_type_stats_get(h, &s);
    ck_assert_uint_eq(s.count[HP_T_INSTANCE], 0);
    (void)full;
}

/* class W; def cb(ref); ten self-referencing W instances each with a
 * weakref(o, cb) kept in the list refs; one more W dropped at once (its
 * callback runs by reference counting); then gc.collect(). */
static int body_weakrefs(run *x)
{
    hp_heap *h = x->h;
    TRY(s_class(x, "W", 0));
    TRY(s_def(x, "cb"));
    STEP(x, hp_build_list(h, 0));
    STEP(x, hp_store_global(h, "refs"));
    for (int i = 0; i < 10; i++) {
        STEP(x, hp_load_global(h, "W"));
        STEP(x, hp_new_instance(h));
        STEP(x, hp_store_global(h, "o"));
        STEP(x, hp_load_global(h, "o"));
        STEP(x, hp_load_global(h, "o"));
        STEP(x, hp_setattr(h, "me"));
        STEP(x, hp_load_global(h, "refs"));
        STEP(x, hp_load_global(h, "o"));
        STEP(x, hp_load_global(h, "cb"));
        STEP(x, hp_new_weakref(h));
        STEP(x, hp_list_append(h));
        STEP(x, hp_delete_global(h, "o"));
    }
    STEP(x, hp_load_global(h, "W"));
    STEP(x, hp_new_instance(h));
    STEP(x, hp_load_global(h, "cb"));
    STEP(x, hp_new_weakref(h)); /* the instance dies here */
    STEP(x, hp_store_global(h, "dead"));
    STEP(x, s_collect(x, 2));
    return 0;
}

static void verify_weakrefs(hp_heap *h, const run *x, int full)
{
    ck_assert_int_eq(x->callbacks, 11);
    ck_assert_int_eq(x->collected, 10);
    hp_obj *refs = t_global(h, "refs");
    ck_assert_int_eq(hp_len(refs), 10);
    for (int i = 0; i <= 10; i++) {
        if (i < 10)
            T_OK(h, hp_push_obj(h, hp_seq_item(refs, (uint64_t)i)));
        else
            T_OK(h, hp_load_global(h, "dead"));
        T_OK(h, hp_weakref_deref(h));
        ck_assert_int_eq(hp_typeof(hp_peek(h, 0)), HP_T_NONE);
        T_OK(h, hp_pop(h));
    }
    (void)full;
}

/* Automatic collection on, with a low threshold, while l1 grows by
 * append to 200 items (list_resize goes 4, 8, 16, 24, 32, 40, 52, ...) and
 * l2 to 67 (every third step appends l1 itself). */
static void setup_auto_gc(hp_heap *h)
{
    int64_t t[3] = {10, 2, 2};
    T_OK(h, hp_gc_set_threshold(h, 3, t));
}

static int body_append(run *x)
{
    hp_heap *h = x->h;
    STEP(x, hp_build_list(h, 0));
    STEP(x, hp_store_global(h, "l1"));
    STEP(x, hp_build_list(h, 0));
    STEP(x, hp_store_global(h, "l2"));
    for (int i = 0; i < 200; i++) {
        STEP(x, hp_load_global(h, "l1"));
        STEP(x, hp_push_int(h, 1000 + i));
        STEP(x, hp_list_append(h));
        if (i % 3 == 0) {
            STEP(x, hp_load_global(h, "l2"));
            STEP(x, hp_load_global(h, "l1"));
            STEP(x, hp_list_append(h));
            /* and a little garbage for the automatic collections */
            STEP(x, hp_build_list(h, 0));
            STEP(x, hp_dup(h));
            STEP(x, hp_dup(h));
            STEP(x, hp_list_append(h));
            STEP(x, hp_pop(h));
        }
    }
    return 0;
}

static void verify_append(hp_heap *h, const run *x, int full)
{
    hp_obj *l1 = t_global(h, "l1"), *l2 = t_global(h, "l2");
    ck_assert_int_eq(hp_len(l1), 200);
    for (int i = 0; i < 200; i++) {
        int64_t v = -1;
        hp_int_value(hp_seq_item(l1, (uint64_t)i), &v);
        ck_assert_int_eq(v, 1000 + i);
    }
    ck_assert_int_eq(hp_len(l2), 67);
    for (int i = 0; i < 67; i++)
        ck_assert_ptr_eq(hp_seq_item(l2, (uint64_t)i), l1);
    /* l2 holds l1 67 times, plus the name */
    ck_assert_uint_eq(hp_refcount(h, l1), 68);
    (void)x;
    (void)full;
}

/* o = K(); twenty attributes set on it (the class's key table grows, each
 * name interned); d grows by setitem past several resizes; s = set() gets
 * 30 adds. */
static int body_attrs_dict_set(run *x)
{
    hp_heap *h = x->h;
    TRY(s_class(x, "K", 0));
    STEP(x, hp_load_global(h, "K"));
    STEP(x, hp_new_instance(h));
    STEP(x, hp_store_global(h, "o"));
    for (int i = 0; i < 20; i++) {
        char name[16];
        snprintf(name, sizeof name, "attr%d", i);
        STEP(x, hp_load_global(h, "o"));
        STEP(x, hp_push_int(h, 2000 + i));
        STEP(x, hp_setattr(h, name));
    }
    STEP(x, hp_build_dict(h, 0));
    STEP(x, hp_store_global(h, "d"));
    STEP(x, hp_build_set(h, 0));
    STEP(x, hp_store_global(h, "s"));
    for (int i = 0; i < 40; i++) {
        STEP(x, hp_load_global(h, "d"));
        STEP(x, hp_push_int(h, 3000 + i));
        STEP(x, hp_build_list(h, 0));
        STEP(x, hp_setitem(h));
        if (i < 30) {
            STEP(x, hp_load_global(h, "s"));
            STEP(x, hp_push_int(h, 4000 + i));
            STEP(x, hp_set_add(h));
        }
    }
    return 0;
}

static void verify_attrs_dict_set(hp_heap *h, const run *x, int full)
{
    hp_obj *o = t_global(h, "o");
    uint64_t pos = 0;
    hp_obj *k, *v;
    int n = 0;
    while (hp_iter_items(o, &pos, &k, &v)) {
        char name[16];
        int64_t iv = -1;
        snprintf(name, sizeof name, "attr%d", n);
        ck_assert_str_eq(hp_str_utf8(k, NULL), name);
        hp_int_value(v, &iv);
        ck_assert_int_eq(iv, 2000 + n);
        n++;
    }
    ck_assert_int_eq(n, 20);
    ck_assert_int_eq(hp_len(t_global(h, "d")), 40);
    ck_assert_int_eq(hp_len(t_global(h, "s")), 30);
    (void)x;
    (void)full;
}

/* class R: def __del__(self): saved.append(self).  Ten R instances in
 * self-cycles, a gc.callbacks entry, then gc.collect(): every finalizer
 * resurrects its object (collect() returns 0), unless its append meets
 * the MemoryError, and then that object is collected. */
static int body_resurrect(run *x)
{
    hp_heap *h = x->h;
    TRY(s_class(x, "R", 1));
    TRY(s_def(x, "gccb"));
    STEP(x, hp_push_obj(h, hp_gc_callbacks(h)));
    STEP(x, hp_load_global(h, "gccb"));
    STEP(x, hp_list_append(h));
    STEP(x, hp_build_list(h, 0));
    STEP(x, hp_store_global(h, "saved"));
    for (int i = 0; i < 10; i++) {
        STEP(x, hp_load_global(h, "R"));
        STEP(x, hp_new_instance(h));
        STEP(x, hp_dup(h));
        STEP(x, hp_dup(h));
        STEP(x, hp_setattr(h, "me"));
        STEP(x, hp_pop(h));
    }
    x->resurrect = 1;
    STEP(x, s_collect(x, 2));
    x->resurrect = 0;
    return 0;
}

static void verify_resurrect(hp_heap *h, const run *x, int full)
{
    hp_obj *saved = t_global(h, "saved");
    int64_t n = hp_len(saved);
    ck_assert_int_eq(x->finalizers, 10);
    ck_assert_int_eq(n, 10 - x->body_failures);
    ck_assert_int_eq(x->collected, 10 - n);
    for (int64_t i = 0; i < n; i++)
        ck_assert(hp_gc_is_finalized(hp_seq_item(saved, (uint64_t)i)));
    hp_type_stats s;
    hp_type_stats_get(h, &s);
    ck_assert_uint_eq(s.count[HP_T_INSTANCE], (uint64_t)n);
    if (full) {
        ck_assert_int_eq(n, 10);
        ck_assert_int_eq(x->gc_callbacks, 2); /* start and stop */
    }
}

/* l = [1000..1004]; t = (2000, 2001, 2002); d = {'x1': 1, 'x2': 2};
 * l.extend(t); l.extend(l); l.extend(d); l.extend('h€llo wörld');
 * l.insert(0, 'first'); l.insert(-1, t); a = l[1:6]; b = l[::-1];
 * c = t[0:2]; s = {3000..3004}; f = frozenset({3000, 3001, 3002});
 * gc.get_objects(0), gc.get_referrers(t), gc.get_referents(l) (dropped) */
static int body_list_ops(run *x)
{
    hp_heap *h = x->h;
    for (int i = 0; i < 5; i++)
        STEP(x, hp_push_int(h, 1000 + i));
    STEP(x, hp_build_list(h, 5));
    STEP(x, hp_store_global(h, "l"));
    for (int i = 0; i < 3; i++)
        STEP(x, hp_push_int(h, 2000 + i));
    STEP(x, hp_build_tuple(h, 3));
    STEP(x, hp_store_global(h, "t"));
    STEP(x, s_str(x, "x1"));
    STEP(x, hp_push_int(h, 1));
    STEP(x, s_str(x, "x2"));
    STEP(x, hp_push_int(h, 2));
    STEP(x, hp_build_dict(h, 2));
    STEP(x, hp_store_global(h, "d"));
    const char *srcs[] = {"t", "l", "d"};
    for (int i = 0; i < 3; i++) {
        STEP(x, hp_load_global(h, "l"));
        STEP(x, hp_load_global(h, srcs[i]));
        STEP(x, hp_list_extend(h));
    }
    STEP(x, hp_load_global(h, "l"));
    STEP(x, s_str(x, "h\xe2\x82\xacllo w\xc3\xb6rld"));
    STEP(x, hp_list_extend(h));
    STEP(x, hp_load_global(h, "l"));
    STEP(x, s_str(x, "first"));
    STEP(x, hp_list_insert(h, 0));
    STEP(x, hp_load_global(h, "l"));
    STEP(x, hp_load_global(h, "t"));
    STEP(x, hp_list_insert(h, -1));
    STEP(x, hp_load_global(h, "l"));
    STEP(x, hp_slice(h, 1, 1, 1, 6, 0, 0));
    STEP(x, hp_store_global(h, "a"));
    STEP(x, hp_load_global(h, "l"));
    STEP(x, hp_slice(h, 0, 0, 0, 0, 1, -1));
    STEP(x, hp_store_global(h, "b"));
    STEP(x, hp_load_global(h, "t"));
    STEP(x, hp_slice(h, 1, 0, 1, 2, 0, 0));
    STEP(x, hp_store_global(h, "c"));
    for (int i = 0; i < 5; i++)
        STEP(x, hp_push_int(h, 3000 + i));
    STEP(x, hp_build_set(h, 5));
    STEP(x, hp_store_global(h, "s"));
    for (int i = 0; i < 3; i++)
        STEP(x, hp_push_int(h, 3000 + i));
    STEP(x, hp_build_frozenset(h, 3));
    STEP(x, hp_store_global(h, "f"));
    STEP(x, hp_gc_get_objects(h, 0));
    STEP(x, hp_pop(h));
    STEP(x, hp_load_global(h, "t"));
    STEP(x, hp_gc_get_referrers(h, 1));
    STEP(x, hp_pop(h));
    STEP(x, hp_load_global(h, "l"));
    STEP(x, hp_gc_get_referents(h, 1));
    STEP(x, hp_pop(h));
    return 0;
}

static void verify_list_ops(hp_heap *h, const run *x, int full)
{
    /* 5 + 3 (t) + 8 (l itself) + 2 (d's keys) + 11 characters + 2 */
    hp_obj *l = t_global(h, "l");
    ck_assert_int_eq(hp_len(l), 31);
    ck_assert_str_eq(hp_str_utf8(hp_seq_item(l, 0), NULL), "first");
    ck_assert_ptr_eq(hp_seq_item(l, 29), t_global(h, "t"));
    ck_assert_str_eq(hp_str_utf8(hp_seq_item(l, 30), NULL), "d");
    ck_assert_str_eq(hp_str_utf8(hp_seq_item(l, 20), NULL), "\xe2\x82\xac");
    ck_assert_int_eq(hp_len(t_global(h, "a")), 5);
    ck_assert_int_eq(hp_len(t_global(h, "b")), 31);
    ck_assert_ptr_eq(hp_seq_item(t_global(h, "b"), 0), hp_seq_item(l, 30));
    ck_assert_int_eq(hp_len(t_global(h, "c")), 2);
    ck_assert_int_eq(hp_len(t_global(h, "s")), 5);
    ck_assert_int_eq(hp_len(t_global(h, "f")), 3);
    (void)x;
    (void)full;
}

/* ---- the walk ------------------------------------------------------------ */

static int says_no_memory(const char *msg)
{
    return strstr(msg, "memory") != NULL || strstr(msg, "budget") != NULL;
}

/* A few ordinary operations, a full collection and the check: the heap
 * is still usable. */
static void still_usable(hp_heap *h, const char *name, uint64_t n)
{
    run x = {.h = h};
    int64_t r = 0;
    T_OK(h, hp_push_int(h, 77777));
    T_OK(h, hp_push_str(h, "after", 5));
    T_OK(h, hp_build_list(h, 2));
    T_OK(h, hp_dup(h));
    T_OK(h, hp_dup(h));
    T_OK(h, hp_list_append(h));
    T_OK(h, hp_store_global(h, "after_failure"));
    T_OK(h, hp_load_global(h, "after_failure"));
    T_OK(h, hp_push_int(h, 0));
    T_OK(h, hp_getitem(h));
    ck_assert_int_eq(hp_typeof(hp_peek(h, 0)), HP_T_INT);
    T_OK(h, hp_pop(h));
    T_OK(h, hp_delete_global(h, "after_failure"));
    T_OK(h, hp_gc_collect(h, 2, &r));
    drain(&x);
    ck_assert(!hp_gc_collecting(h));
    ck_assert_msg(hp_check(h) == 0, "%s, N=%llu, after the failure: %s", name,
                  (unsigned long long)n, hp_errmsg(h));
}

/* True if the armed failure has not fired yet: it then fires within the
 * next n allocations. */
static int failure_pending(hp_heap *h, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++) {
        int rc = hp_push_int(h, 1000000 + (int64_t)i);
        if (rc == HP_E_NOMEM)
            return 1;
        T_OK(h, rc);
        T_OK(h, hp_pop(h));
    }
    return 0;
}

/* Calls that broke "a failed call changes nothing", one line each (the
 * walk goes on, to find them all, and fails at its end). */
typedef struct violations {
    char text[4096];
    int count;
} violations;

static void note_violation(violations *v, const char *scenario, uint64_t n,
                           const run *x, const char *what)
{
    char line[256];
    snprintf(line, sizeof line, "%s", x->what);
    if (strstr(v->text, line)) /* one report per call site */
        return;
    v->count++;
    size_t len = strlen(v->text);
    snprintf(v->text + len, sizeof v->text - len,
             "\n  %s, N=%llu: the failed %s (line %d) changed the heap: %s",
             scenario, (unsigned long long)n, x->what, x->line, what);
}

static void walk(const scenario *sc)
{
    uint64_t failures = 0, absorbed = 0, n;
    violations bad = {{0}, 0};
    for (n = 1;; n++) {
        ck_assert_msg(n < 100000, "%s: never ran to its end", sc->name);
        hp_heap *h = t_heap(NULL);
        if (sc->setup)
            sc->setup(h);
        run x = {.h = h};
        hp_heap_fail_nth(h, n);
        int rc = sc->body(&x);
        if (rc != 0) {
            hp_heap_fail_nth(h, 0);
            if (getenv("OOM_VERBOSE"))
                fprintf(stderr, "%s N=%llu: %s line %d rc %d due %d\n",
                        sc->name, (unsigned long long)n, x.what, x.line, rc,
                        hp_call_due(h));
            ck_assert_msg(rc == HP_E_NOMEM,
                          "%s, N=%llu: %s (line %d) gave %d: %s", sc->name,
                          (unsigned long long)n, x.what, x.line, rc,
                          hp_errmsg(h));
            ck_assert_str_eq(hp_err_pytype(rc), "MemoryError");
            ck_assert_msg(says_no_memory(hp_errmsg(h)),
                          "%s, N=%llu: message '%s'", sc->name,
                          (unsigned long long)n, hp_errmsg(h));
            const char *d = view_diff(&x.before, &x.after);
            if (d)
                note_violation(&bad, sc->name, n, &x, d);
            ck_assert(!hp_call_due(h));
            ck_assert_msg(hp_check(h) == 0,
                          "%s, N=%llu, failed %s (line %d): %s", sc->name,
                          (unsigned long long)n, x.what, x.line, hp_errmsg(h));
            still_usable(h, sc->name, n);
            failures++;
            hp_heap_free(h);
            continue;
        }
        /* Ran to the end: complete and right, whether or not the failure
         * fired (an engine may absorb a failure it can do without, like
         * skipping gc.callbacks). */
        int pending = failure_pending(h, n);
        hp_heap_fail_nth(h, 0);
        ck_assert_msg(hp_check(h) == 0, "%s, N=%llu, full run: %s", sc->name,
                      (unsigned long long)n, hp_errmsg(h));
        sc->verify(h, &x, pending);
        hp_heap_free(h);
        if (pending)
            break;
        absorbed++;
    }
    fprintf(stderr,
            "%s: %llu allocation failures walked, %llu absorbed, full "
            "run at N=%llu\n",
            sc->name, (unsigned long long)failures,
            (unsigned long long)absorbed, (unsigned long long)n);
    /* the walk did walk: every scenario allocates more than this */
    ck_assert_uint_gt(failures, 20);
    ck_assert_msg(bad.count == 0,
                  "%d call(s) broke heap.h's \"a failed call "
                  "changes nothing that the caller can observe\":%s",
                  bad.count, bad.text);
}

static const scenario scenarios[] = {
    {"list of 100 ints, dict of 50 str->list", setup_no_auto_gc,
     body_list_and_dict, verify_list_and_dict},
    {"instances in cycles, collected", setup_no_auto_gc, body_cycles,
     verify_cycles},
    {"weakrefs with callbacks, collected", setup_no_auto_gc, body_weakrefs,
     verify_weakrefs},
    {"lists grown by append, automatic gc", setup_auto_gc, body_append,
     verify_append},
    {"attributes, dict and set growth", setup_no_auto_gc, body_attrs_dict_set,
     verify_attrs_dict_set},
    {"finalizers resurrecting during a collection", setup_no_auto_gc,
     body_resurrect, verify_resurrect},
    {"extend, insert, slices, sets, gc introspection", setup_no_auto_gc,
     body_list_ops, verify_list_ops},
};

START_TEST(walk_scenario)
{
    walk(&scenarios[_i]);
}
END_TEST

/* ---- budgets ------------------------------------------------------------- */

static hp_heap *budget_heap(uint64_t max_bytes, uint64_t max_objects)
{
    hp_config cfg = {.max_bytes = max_bytes, .max_objects = max_objects};
    const char *err = NULL;
    hp_heap *h = hp_heap_new(&cfg, &err);
    ck_assert_msg(h != NULL, "hp_heap_new: %s", err ? err : "?");
    hp_gc_disable(h);
    return h;
}

static uint64_t bytes_in_use(const hp_heap *h)
{
    hp_malloc_stats m;
    hp_malloc_stats_get(h, &m);
    return m.bytes_in_use;
}

static uint64_t objects(const hp_heap *h)
{
    hp_type_stats s;
    hp_type_stats_get(h, &s);
    return s.objects;
}

static void assert_memory_error(hp_heap *h, int rc)
{
    ck_assert_int_eq(rc, HP_E_NOMEM);
    ck_assert_str_eq(hp_err_pytype(rc), "MemoryError");
    ck_assert_msg(says_no_memory(hp_errmsg(h)), "message '%s'", hp_errmsg(h));
    ck_assert_msg(hp_check(h) == 0, "%s", hp_errmsg(h));
}

#define SMALL 100 /* a 100-character str: one small block */

static int push_small(hp_heap *h, int i)
{
    char s[SMALL + 1];
    memset(s, 'a' + i % 26, SMALL);
    s[SMALL] = 0;
    return hp_push_str(h, s, SMALL);
}

START_TEST(byte_budget)
{
    const uint64_t budget = 64 * 1024;
    hp_heap *h = budget_heap(budget, 0);
    uint64_t start = bytes_in_use(h);
    /* the cost of one small str, as the budget counts it */
    T_OK(h, push_small(h, 0));
    uint64_t block = bytes_in_use(h) - start;
    ck_assert_uint_gt(block, SMALL);
    int n = 1, rc;
    while ((rc = push_small(h, n)) == 0)
        n++;
    assert_memory_error(h, rc);
    uint64_t used = bytes_in_use(h);
    ck_assert_uint_le(used, start + budget);
    ck_assert_uint_gt(used + block, start + budget);
    ck_assert_uint_eq((uint64_t)n, budget / block);
    ck_assert_uint_eq(hp_stack_size(h), (uint32_t)n);
    /* A shared object needs no memory: still there. */
    T_OK(h, hp_push_int(h, 7));
    T_OK(h, hp_pop(h));
    /* Freeing makes room: ten freed, ten fit, the eleventh does not. */
    for (int i = 0; i < 10; i++)
        T_OK(h, hp_pop(h));
    for (int i = 0; i < 10; i++)
        T_OK(h, push_small(h, i));
    assert_memory_error(h, push_small(h, 0));
    /* A large (raw) block counts too. */
    char big[4000];
    memset(big, 'z', sizeof big);
    assert_memory_error(h, hp_push_str(h, big, sizeof big));
    int freed = 0;
    while (hp_push_str(h, big, sizeof big) == HP_E_NOMEM) {
        T_OK(h, hp_pop(h));
        freed++;
    }
    ck_assert_uint_le(bytes_in_use(h), start + budget);
    ck_assert_int_ge(freed * (int)block, (int)sizeof big - (int)block);
    ck_assert_int_le((freed - 1) * (int)block, (int)sizeof big + 64);
    /* Garbage collected makes room as well. */
    while (hp_stack_size(h) > 0)
        T_OK(h, hp_pop(h));
    ck_assert_uint_eq(bytes_in_use(h), start);
    for (;;) { /* self-referencing lists until the budget says no */
        rc = hp_build_list(h, 0);
        if (rc == 0)
            rc = hp_dup(h);
        if (rc == 0)
            rc = hp_dup(h);
        if (rc == 0)
            rc = hp_list_append(h);
        if (rc != 0)
            break;
        T_OK(h, hp_pop(h));
    }
    assert_memory_error(h, rc);
    while (hp_stack_size(h) > 0)
        T_OK(h, hp_pop(h));
    ck_assert_uint_gt(bytes_in_use(h), start + budget / 2);
    int64_t r = 0;
    T_OK(h, hp_gc_collect(h, 2, &r));
    ck_assert_int_gt(r, 0);
    ck_assert_uint_eq(bytes_in_use(h), start);
    T_OK(h, push_small(h, 0));
    ck_assert_msg(hp_check(h) == 0, "%s", hp_errmsg(h));
    hp_heap_free(h);
}
END_TEST

START_TEST(object_budget)
{
    const uint64_t budget = 50;
    hp_heap *h = budget_heap(0, budget);
    uint64_t start = objects(h);
    int n = 0, rc;
    while ((rc = hp_push_int(h, 100000 + n)) == 0)
        n++;
    assert_memory_error(h, rc);
    ck_assert_int_eq(n, (int)budget);
    ck_assert_uint_eq(objects(h), start + budget);
    /* Shared objects are not new objects. */
    T_OK(h, hp_push_int(h, 5));
    T_OK(h, hp_push_none(h));
    T_OK(h, hp_pop(h));
    T_OK(h, hp_pop(h));
    /* Every kind of new object is refused, and the stack is untouched. */
    assert_memory_error(h, hp_build_list(h, 0));
    assert_memory_error(h, hp_build_tuple(h, 2));
    assert_memory_error(h, hp_build_dict(h, 0));
    assert_memory_error(h, hp_push_float(h, 1.5));
    assert_memory_error(h, hp_push_str(h, "abc", 3));
    ck_assert_uint_eq(hp_stack_size(h), (uint32_t)n);
    /* Five freed, five fit, the sixth does not. */
    for (int i = 0; i < 5; i++)
        T_OK(h, hp_pop(h));
    for (int i = 0; i < 5; i++)
        T_OK(h, hp_push_int(h, 200000 + i));
    assert_memory_error(h, hp_push_int(h, 300000));
    /* One freed: the 49 others go into one new list. */
    T_OK(h, hp_pop(h));
    T_OK(h, hp_build_list(h, (uint32_t)n - 1));
    ck_assert_int_eq(hp_len(hp_peek(h, 0)), n - 1);
    assert_memory_error(h, hp_push_int(h, 300001));
    /* A cycle at the budget: collecting it makes room. */
    T_OK(h, hp_pop(h));
    ck_assert_uint_eq(objects(h), start);
    int cycles = 0;
    for (;;) {
        rc = hp_build_list(h, 0);
        if (rc != 0)
            break;
        T_OK(h, hp_dup(h));
        T_OK(h, hp_dup(h));
        T_OK(h, hp_list_append(h));
        T_OK(h, hp_pop(h));
        cycles++;
    }
    assert_memory_error(h, rc);
    ck_assert_int_eq(cycles, (int)budget);
    int64_t r = 0;
    T_OK(h, hp_gc_collect(h, 2, &r));
    ck_assert_int_eq(r, cycles);
    ck_assert_uint_eq(objects(h), start);
    T_OK(h, hp_push_int(h, 300002));
    ck_assert_msg(hp_check(h) == 0, "%s", hp_errmsg(h));
    hp_heap_free(h);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("oom");
    TCase *tc = tcase_create("oom");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, walk_scenario, 0,
                        (int)(sizeof scenarios / sizeof scenarios[0]));
    tcase_add_test(tc, byte_budget);
    tcase_add_test(tc, object_budget);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return t_run(suite());
}
