/*
 * demo.c: `heapbench demo`, what `make run` shows until the daemon
 * exists: the talk's examples driven on a heap through core/heap.h, each
 * step printed with what CPython 3.12 prints for it (measured, see
 * docs/cpython-reference.md) next to what the heap answers.  The heap's
 * column is always what the engine returned; a step where the two differ
 * is marked and makes the command fail.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define DEMO_PROFILE "3.12"

typedef struct demo {
    hp_heap *h;
    int steps, differ;
    char out[256]; /* what the caller's code (__del__ bodies) printed */
} demo;

/* Any engine error ends the demo: it means the demo drives it wrongly. */
static void must(demo *d, int rc, const char *what)
{
    if (rc < 0) {
        fprintf(stderr, "heapbench demo: %s failed (%d): %s\n", what, rc,
                hp_errmsg(d->h));
        hp_heap_free(d->h);
        exit(1);
    }
}
#define MUST(d, expr) must((d), (expr), #expr)

static void show(demo *d, const char *code, const char *cpython,
                 const char *heap)
{
    int same = strcmp(cpython, heap) == 0;
    printf("  %-40s %-16s %s%s\n", code, cpython, heap,
           same ? "" : "  <- differs");
    d->steps++;
    d->differ += !same;
}

static void show_int(demo *d, const char *code, const char *cpython,
                     int64_t heap)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%" PRId64, heap);
    show(d, code, cpython, buf);
}

static void say(const char *python)
{
    printf("  %s\n", python);
}

static void section(const char *title)
{
    printf("\n%s\n  %-40s %-16s %s\n", title, "", "CPython " DEMO_PROFILE,
           "heap");
}

/* ---- running the caller's code the engine hands off ---------------------- */

/* __del__(self): print('del', self.name) */
static void run_del(demo *d, hp_obj *self)
{
    MUST(d, hp_push_obj(d->h, self));
    MUST(d, hp_getattr(d->h, "name"));
    const char *name = hp_str_utf8(hp_peek(d->h, 0), NULL);
    size_t n = strlen(d->out);
    snprintf(d->out + n, sizeof d->out - n, "%sdel %s", n ? ", " : "",
             name ? name : "?");
    MUST(d, hp_pop(d->h));
}

/* Runs every call that is due (only __del__ has a body in this demo). */
static void drain(demo *d)
{
    while (hp_call_due(d->h)) {
        hp_call c;
        MUST(d, hp_call_begin(d->h, &c));
        if (c.kind == HP_CALL_FINALIZER)
            run_del(d, c.arg0);
        MUST(d, hp_call_end(d->h));
    }
}

/* gc.collect(): its result once every call it made due has run. */
static int64_t collect(demo *d)
{
    int64_t r;
    MUST(d, hp_gc_collect(d->h, 2, &r));
    drain(d);
    return r < 0 ? hp_gc_result(d->h) : r;
}

/* sys.getrefcount(name): the argument on the stack counts, as in
 * CPython. */
static int64_t getrefcount(demo *d, const char *name)
{
    MUST(d, hp_load_global(d->h, name));
    int64_t n = (int64_t)hp_refcount(d->h, hp_peek(d->h, 0));
    MUST(d, hp_pop(d->h));
    return n;
}

/* def NAME(): ..., bound to the global NAME; the body is the demo's C
 * code. */
static void def(demo *d, const char *name)
{
    MUST(d, hp_build_code(d->h, name, 0));
    MUST(d, hp_push_none(d->h));
    MUST(d, hp_build_function(d->h, name));
    MUST(d, hp_store_global(d->h, name));
}

/* ---- the talk ------------------------------------------------------------ */

static void ref_cycles(demo *d)
{
    section("1. Reference cycles need the collector");
    say("def ref_cycle():");
    say("    list = [1, 2, 3, 4]");
    say("    list.append(list)");
    say("    return list");
    say("for i in range(8): ref_cycle()");
    def(d, "ref_cycle");
    for (int i = 0; i < 8; i++) {
        MUST(d, hp_load_global(d->h, "ref_cycle"));
        MUST(d, hp_frame_push(d->h, 0, 1));
        for (int k = 1; k <= 4; k++)
            MUST(d, hp_push_int(d->h, k));
        MUST(d, hp_build_list(d->h, 4));
        MUST(d, hp_store_local(d->h, 0));
        MUST(d, hp_load_local(d->h, 0));
        MUST(d, hp_load_local(d->h, 0));
        MUST(d, hp_list_append(d->h));
        MUST(d, hp_load_local(d->h, 0));
        MUST(d, hp_frame_pop(d->h, 1));
        MUST(d, hp_pop(d->h)); /* the loop drops the result */
    }
    show_int(d, "gc.collect()", "8", collect(d));
    show_int(d, "gc.collect()", "0", collect(d));
}

static void refcounts(demo *d)
{
    section("2. sys.getrefcount as a list gains references");
    MUST(d, hp_build_list(d->h, 0));
    MUST(d, hp_store_global(d->h, "a"));
    show_int(d, "a = []; sys.getrefcount(a)", "2", getrefcount(d, "a"));
    MUST(d, hp_load_global(d->h, "a"));
    MUST(d, hp_store_global(d->h, "b"));
    show_int(d, "b = a; sys.getrefcount(a)", "3", getrefcount(d, "a"));
    for (int i = 0; i < 3; i++)
        MUST(d, hp_load_global(d->h, "a"));
    MUST(d, hp_build_list(d->h, 3));
    MUST(d, hp_store_global(d->h, "c"));
    show_int(d, "c = [a, a, a]; sys.getrefcount(a)", "6", getrefcount(d, "a"));
    say("def show(obj): return sys.getrefcount(obj)");
    def(d, "show");
    MUST(d, hp_load_global(d->h, "show"));
    MUST(d, hp_load_global(d->h, "a"));
    MUST(d, hp_frame_push(d->h, 1, 1)); /* the argument moves into obj */
    MUST(d, hp_load_local(d->h, 0));    /* getrefcount's argument */
    MUST(d, hp_push_int(d->h, (int64_t)hp_refcount(d->h, hp_peek(d->h, 0))));
    MUST(d, hp_frame_pop(d->h, 1));
    int64_t n = 0;
    hp_int_value(hp_peek(d->h, 0), &n);
    MUST(d, hp_pop(d->h));
    show_int(d, "show(a)", "7", n);
}

/* NAME = value, as its own statement at the >>> prompt. */
static uint64_t bind_int(demo *d, const char *name, int64_t v)
{
    MUST(d, hp_push_int(d->h, v));
    uint64_t id = hp_id(d->h, hp_peek(d->h, 0));
    MUST(d, hp_store_global(d->h, name));
    return id;
}

static void small_ints(demo *d)
{
    section("3. Small ints are shared (statements typed at the >>> prompt)");
    uint64_t n = bind_int(d, "n", 256), m = bind_int(d, "m", 256);
    printf("  >>> n = 256\n  >>> m = 256\n");
    show(d, ">>> id(n) == id(m)", "True",
         n == m ? "True" : "False");
    printf("  %-40s %-16s %" PRIu64 ", %" PRIu64 "\n", "id(n), id(m)",
           "(addresses)", n, m);
    uint64_t x = bind_int(d, "x", 257), y = bind_int(d, "y", 257);
    printf("  >>> x = 257\n  >>> y = 257\n");
    show(d, ">>> id(x) == id(y)", "False",
         x == y ? "True" : "False");
    printf("  %-40s %-16s %" PRIu64 ", %" PRIu64 "\n", "id(x), id(y)",
           "(addresses)", x, y);
}

/* VAR = D(); VAR.name = 'VAR' */
static void new_d(demo *d, const char *var)
{
    MUST(d, hp_load_global(d->h, "D"));
    MUST(d, hp_new_instance(d->h));
    MUST(d, hp_dup(d->h));
    MUST(d, hp_push_str(d->h, var, strlen(var)));
    MUST(d, hp_setattr(d->h, "name"));
    MUST(d, hp_store_global(d->h, var));
}

/* A.other = B */
static void point(demo *d, const char *a, const char *b)
{
    MUST(d, hp_load_global(d->h, a));
    MUST(d, hp_load_global(d->h, b));
    MUST(d, hp_setattr(d->h, "other"));
}

static const char *printed(demo *d)
{
    return d->out[0] ? d->out : "(nothing)";
}

static void finalizers(demo *d)
{
    section("4. A finalizer in a cycle (PEP 442)");
    say("class D:");
    say("    def __del__(self): print('del', self.name)");
    MUST(d, hp_push_str(d->h, "__del__", 7));
    MUST(d, hp_build_code(d->h, "__del__", 0));
    MUST(d, hp_push_none(d->h));
    MUST(d, hp_build_function(d->h, "__del__"));
    MUST(d, hp_build_dict(d->h, 1));
    MUST(d, hp_build_class(d->h, "D"));
    MUST(d, hp_store_global(d->h, "D"));
    say("a = D(); a.name = 'a'; b = D(); b.name = 'b'");
    new_d(d, "a");
    new_d(d, "b");
    say("a.other = b; b.other = a");
    point(d, "a", "b");
    point(d, "b", "a");
    d->out[0] = 0;
    MUST(d, hp_delete_global(d->h, "a"));
    drain(d);
    MUST(d, hp_delete_global(d->h, "b"));
    drain(d);
    show(d, "del a, b   # prints", "(nothing)", printed(d));
    d->out[0] = 0;
    int64_t r = collect(d);
    show(d, "gc.collect()   # prints", "del a, del b", printed(d));
    show_int(d, "gc.collect()   # returns", "2", r);
    char buf[64];
    hp_repr(d->h, hp_gc_garbage(d->h), buf, sizeof buf);
    show(d, "gc.garbage", "[]", buf);
}

int bench_demo_main(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "heapbench demo: takes no arguments\n");
        return 2;
    }
    hp_config cfg = {.profile = DEMO_PROFILE};
    const char *err = NULL;
    demo d = {0};
    d.h = hp_heap_new(&cfg, &err);
    if (!d.h) {
        fprintf(stderr, "heapbench demo: hp_heap_new: %s\n", err ? err : "?");
        return 1;
    }
    printf("heapbench demo: the talk's code run on one heap (profile %s),\n"
           "driven through core/heap.h. Left: what CPython %s prints\n"
           "(docs/cpython-reference.md). Right: what the heap answers.\n",
           DEMO_PROFILE, DEMO_PROFILE);
    ref_cycles(&d);
    refcounts(&d);
    small_ints(&d);
    finalizers(&d);
    if (d.differ)
        printf("\n%d of %d steps differ from CPython.\n", d.differ, d.steps);
    else
        printf("\nAll %d steps print what CPython prints.\n", d.steps);
    hp_heap_free(d.h);
    return d.differ ? 1 : 0;
}
