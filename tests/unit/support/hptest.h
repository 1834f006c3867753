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

#endif
