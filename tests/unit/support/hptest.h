/*
 * hptest.h: helpers shared by the engine's unit tests (Check).  They drive
 * a heap the way compiled Python would: through the value stack, names,
 * and the hand-off of finalizers and callbacks.
 */
#ifndef HPTEST_H
#define HPTEST_H

#include <check.h>
#include <stdint.h>

#include "heap.h"

#define T_OK(h, expr)                                                          \
    do {                                                                       \
        int t_rc_ = (expr);                                                    \
        ck_assert_msg(t_rc_ == 0, "%s failed (%d): %s", #expr, t_rc_,          \
                      hp_errmsg(h));                                           \
    } while (0)

/* A log of the caller code the heap asked to run, in order. */
typedef struct t_log {
    char text[8192];
    int finalizers, callbacks, gc_callbacks;
    /* Optional: runs after the default logging, inside the call. */
    void (*hook)(hp_heap *h, const hp_call *c, void *ctx);
    void *ctx;
} t_log;

hp_heap *t_heap(const char *profile);
/* Runs every due call with the default handler (logs "del NAME;" for a
 * finalizer, NAME being the instance's attribute "name"; "cb;" for a
 * weakref callback; "start N;"/"stop N c u;" for gc callbacks). */
void t_drain(hp_heap *h, t_log *log);
/* gc.collect(gen), draining calls; returns what collect returned. */
int64_t t_collect(hp_heap *h, int gen, t_log *log);

/* class NAME: with a __del__ when with_del; bound to a global. */
void t_class(hp_heap *h, const char *name, int with_del);
/* VAR = CLS(); VAR.name = LABEL */
void t_instance(hp_heap *h, const char *cls, const char *var, const char *label);
/* A.attr = B (globals) */
void t_setattr(hp_heap *h, const char *a, const char *attr, const char *b);
/* del VAR, draining calls. */
void t_del(hp_heap *h, const char *var, t_log *log);
/* VAR = [] */
void t_list(hp_heap *h, const char *var);
/* A.append(B) */
void t_append(hp_heap *h, const char *a, const char *b);
hp_obj *t_global(hp_heap *h, const char *var);
/* sys.getrefcount(VAR): the count including the argument's reference. */
uint64_t t_getrefcount(hp_heap *h, const char *var);
/* Runs a Check suite with one test case; returns the process exit code. */
int t_run(Suite *s);

/* ---- added for test_ops.c and test_heap.c ------------------------------- */

/* hp_check(h) == 0, with the engine's message when it is not. */
#define T_CHECK(h) ck_assert_msg(hp_check(h) == 0, "hp_check: %s", hp_errmsg(h))

/* expr fails with code and, unless msg is NULL, exactly that message; the
 * heap stays consistent (heap.h: a failed call leaves it so). */
#define T_ERR(h, expr, code, msg)                                              \
    do {                                                                       \
        int t_rc_ = (expr);                                                    \
        const char *t_msg_ = (msg);                                            \
        ck_assert_msg(t_rc_ == (code), "%s returned %d, not %d (%s)", #expr,   \
                      t_rc_, (int)(code), hp_errmsg(h));                       \
        if (t_msg_)                                                            \
            ck_assert_str_eq(hp_errmsg(h), t_msg_);                            \
        T_CHECK(h);                                                            \
    } while (0)

/* Pushes a NUL-terminated UTF-8 str. */
void t_push_cstr(hp_heap *h, const char *s);
/* repr(o) in a static buffer (valid until the next call). */
const char *t_repr(const hp_heap *h, const hp_obj *o);
/* repr() of the top of the stack. */
const char *t_repr_top(const hp_heap *h);

/* The current frame's value stack (up to T_SNAP_MAX items from the top)
 * and each item's count: a failed call must leave both as they were. */
#define T_SNAP_MAX 16
typedef struct t_snap {
    uint32_t size;
    uint32_t n;
    hp_obj *items[T_SNAP_MAX];
    uint64_t refcnt[T_SNAP_MAX];
} t_snap;
void t_snap_take(const hp_heap *h, t_snap *s);
/* NULL if the stack is as in s, else what differs (static buffer). */
const char *t_snap_diff(const hp_heap *h, const t_snap *s);
#define T_SNAP_SAME(h, s)                                                      \
    do {                                                                       \
        const char *t_d_ = t_snap_diff(h, s);                                  \
        ck_assert_msg(t_d_ == NULL, "stack changed: %s", t_d_);                \
    } while (0)

/* T_ERR, and the value stack is as it was before the call. */
#define T_ERR_SAME(h, expr, code, msg)                                         \
    do {                                                                       \
        t_snap t_s_;                                                           \
        t_snap_take(h, &t_s_);                                                 \
        T_ERR(h, expr, code, msg);                                             \
        T_SNAP_SAME(h, &t_s_);                                                 \
    } while (0)

#endif
