/*
 * heap.c: a heap's life (creation with its shared objects, destruction),
 * errors, the value stacks and frames that are its roots, names, and the
 * hand-off of finalizers and callbacks to the caller (docs/handoff.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dictset.h"
#include "internal.h"

#define WORK_CAP (2 * HP_MAX_LEVELS + 8)

/* ---- errors ------------------------------------------------------------------ */

int hp__error(hp_heap *h, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(h->errmsg, sizeof h->errmsg, fmt, ap);
    va_end(ap);
    h->errcode = code;
    return code;
}

const char *hp_errmsg(const hp_heap *h)
{
    return h->errmsg;
}

const char *hp_err_pytype(int err)
{
    switch (err) {
    case HP_E_NOMEM:
        return "MemoryError";
    case HP_E_TYPE:
        return "TypeError";
    case HP_E_VALUE:
        return "ValueError";
    case HP_E_INDEX:
        return "IndexError";
    case HP_E_KEY:
        return "KeyError";
    case HP_E_NAME:
        return "NameError";
    case HP_E_ATTRIBUTE:
        return "AttributeError";
    case HP_E_ZERODIV:
        return "ZeroDivisionError";
    case HP_E_OVERFLOW:
        return "OverflowError";
    case HP_E_RUNTIME:
        return "RuntimeError";
    case HP_E_STOP:
        return "StopIteration";
    default:
        return NULL;
    }
}

/* ---- creation and destruction ----------------------------------------------- */

/* In profiles without immortal objects (3.11) shared objects start with
 * the count CPython 3.11 shows for them (about 10**9 for its statically
 * allocated objects, a few thousand for None, True, False): the heap holds
 * that base, so they never reach zero. */
uint64_t hp__base_refcnt(const hp_heap *h, const hp_obj *o)
{
    if (h->prof->immortal)
        return 0;
    if (o == h->none)
        return h->prof->singleton_base_refcnt[0];
    if (o == h->true_)
        return h->prof->singleton_base_refcnt[1];
    if (o == h->false_)
        return h->prof->singleton_base_refcnt[2];
    return h->prof->static_base_refcnt;
}

/* The heap's own reference to a shared object becomes the base count. */
static void hold_base(hp_heap *h, hp_obj *o)
{
    if (!h->prof->immortal)
        o->refcnt = (uint32_t)hp__base_refcnt(h, o);
}

static hp_obj *make_singleton(hp_heap *h, hp_type t, int64_t v)
{
    hp_obj *o = hp__new_obj(h, t, t == HP_T_NONE ? sizeof(hp_obj) : sizeof(hp_int));
    if (!o)
        return NULL;
    if (t != HP_T_NONE)
        ((hp_int *)o)->v = v;
    if (h->prof->immortal)
        o->flags |= HP_OF_IMMORTAL;
    return o;
}

static int make_shared(hp_heap *h)
{
    if (!(h->none = make_singleton(h, HP_T_NONE, 0)) ||
        !(h->true_ = make_singleton(h, HP_T_BOOL, 1)) ||
        !(h->false_ = make_singleton(h, HP_T_BOOL, 0)))
        return -1;
    hold_base(h, h->none);
    hold_base(h, h->true_);
    hold_base(h, h->false_);
    for (int i = 0; i < 262; i++) {
        hp_obj *o = make_singleton(h, HP_T_INT, i - 5);
        if (!o)
            return -1;
        hold_base(h, o);
        h->small_ints[i] = (hp_int *)o;
    }
    hp_obj *t = hp__new_tuple(h, 0);
    hp_obj *s = hp__new_str(h, "", 0);
    if (!t || !s)
        return -1;
    h->empty_tuple = (hp_tuple *)t;
    h->empty_str = (hp_str *)s;
    s->aux = 1;
    hp_str *b = (hp_str *)hp__new_obj(h, HP_T_BYTES, sizeof(hp_str) + 1);
    if (!b)
        return -1;
    b->len = b->nbytes = 0;
    b->hash = 0;
    b->data[0] = 0;
    h->empty_bytes = b;
    hp_obj *shared[] = {t, s, &b->ob};
    for (int i = 0; i < 3; i++) {
        if (h->prof->immortal)
            shared[i]->flags |= HP_OF_IMMORTAL;
        else
            hold_base(h, shared[i]);
    }
    return 0;
}

static int make_roots(hp_heap *h)
{
    hp_obj *g = hp__dict_new(h);
    if (!g)
        return -1;
    h->globals = (hp_dict *)g;
    /* CPython's __main__ dict holds modules and functions from the start:
     * it is tracked, and older than anything the program makes. */
    if (!(g->flags & HP_OF_TRACKED))
        hp__track(h, g);
    hp_obj *name = hp__intern_cstr(h, "__main__");
    if (!name || hp__dict_set_cstr(h, h->globals, "__name__", name) < 0)
        return -1;
    hp__decref(h, name);
    hp_obj *garbage = hp__new_list(h, 0), *callbacks = hp__new_list(h, 0);
    if (!garbage || !callbacks)
        return -1;
    hp__track(h, garbage);
    hp__track(h, callbacks);
    h->garbage = (hp_list *)garbage;
    h->callbacks = (hp_list *)callbacks;
    return 0;
}

hp_heap *hp_heap_new(const hp_config *cfg, const char **err)
{
    const char *pname = cfg && cfg->profile ? cfg->profile : "3.12";
    const hp_profile *prof = hp__profile_find(pname);
    if (!prof) {
        if (err)
            *err = "unknown profile (known: 3.11, 3.12, 3.13)";
        return NULL;
    }
    hp_heap *h = calloc(1, sizeof *h);
    if (!h)
        goto nomem;
    h->prof = prof;
    h->alloc = hp__alloc_new();
    h->frames = calloc(HP_MAX_FRAMES + 1, sizeof(hp_frame));
    h->work = calloc(WORK_CAP, sizeof(hp_work));
    if (!h->alloc || !h->frames || !h->work)
        goto fail;
    h->workcap = WORK_CAP;
    h->nframes = 1;
    h->frames[0].stack = malloc(16 * sizeof(hp_obj *));
    if (!h->frames[0].stack)
        goto fail;
    h->frames[0].cap = 16;
    h->nlevels = 1;
    hp__gc_init(h);
    if (make_shared(h) < 0 || make_roots(h) < 0)
        goto fail;
    /* The budgets apply to what the caller does, not to the heap's own
     * start-up objects. */
    if (cfg) {
        h->max_objects = cfg->max_objects ? h->nobjects + cfg->max_objects : 0;
        if (cfg->max_bytes)
            hp__alloc_set_max_bytes(h->alloc,
                                    hp__alloc_bytes_in_use(h->alloc) + cfg->max_bytes);
    }
    h->count[0] = 0;
    return h;
fail:
    hp_heap_free(h);
nomem:
    if (err)
        *err = "out of memory";
    return NULL;
}

void hp_heap_free(hp_heap *h)
{
    if (!h)
        return;
    for (uint32_t i = 0; i < h->nframes && h->frames; i++) {
        free(h->frames[i].stack);
        free(h->frames[i].locals);
    }
    hp__free_pending(h);
    free(h->frames);
    free(h->work);
    free(h->interned);
    hp__gc_free(h);
    if (h->alloc)
        hp__alloc_free_all(h->alloc); /* every object at once */
    free(h);
}

uint64_t hp_object_count(const hp_heap *h)
{
    return h->nobjects;
}

uint64_t hp_bytes_in_use(const hp_heap *h)
{
    return hp__alloc_bytes_in_use(h->alloc);
}

const char *hp_heap_profile(const hp_heap *h)
{
    return h->prof->name;
}

void hp_heap_fail_nth(hp_heap *h, uint64_t n)
{
    hp__alloc_fail_nth(h->alloc, n);
}

/* ---- the hand-off ----------------------------------------------------------- */

hp_work *hp__work_push(hp_heap *h, hp_work_kind kind)
{
    /* Each level holds at most a collection and a cascade: WORK_CAP is
     * never reached (docs/handoff.md#levels). */
    hp_work *w = &h->work[h->nwork++];
    memset(w, 0, sizeof *w);
    w->kind = kind;
    return w;
}

hp_work *hp__work_top(hp_heap *h)
{
    uint32_t base = h->levels[h->nlevels - 1].work_base;
    return h->nwork > base ? &h->work[h->nwork - 1] : NULL;
}

void hp__run_work(hp_heap *h)
{
    bool was = h->running;
    h->running = true;
    uint32_t base = h->levels[h->nlevels - 1].work_base;
    while (h->nwork > base && !h->due_set) {
        hp_work *w = &h->work[h->nwork - 1];
        bool done = w->kind == HP_WORK_CASCADE ? hp__cascade_step(h, w)
                                               : hp__gc_step(h, w);
        if (done)
            h->nwork--;
    }
    h->running = was;
}

void hp__set_due(hp_heap *h, const hp_call *c)
{
    h->due = *c;
    h->due_set = true;
    if (c->kind == HP_CALL_FINALIZER && hp__wants(h, HP_EV_FINALIZER_DUE))
        hp__emit(h, HP_EV_FINALIZER_DUE, c->arg0, 0, 0, 0);
    else if (c->kind == HP_CALL_WEAKREF && hp__wants(h, HP_EV_WEAKREF_DUE))
        hp__emit(h, HP_EV_WEAKREF_DUE, c->arg0, 0, 0, 0);
}

void hp_set_event_hook(hp_heap *h, uint32_t mask, hp_event_fn fn, void *ctx)
{
    h->ev_mask = fn ? mask : 0;
    h->ev_fn = fn;
    h->ev_ctx = ctx;
}

void hp__emit(hp_heap *h, hp_event_kind k, const hp_obj *o, int gen,
              int64_t collected, int64_t uncollectable)
{
    hp_event e = {.kind = k,
                  .generation = gen,
                  .collected = collected,
                  .uncollectable = uncollectable,
                  .id = o ? hp_id(h, o) : 0,
                  .type = o ? (hp_type)o->type : 0};
    h->ev_fn(h->ev_ctx, &e);
}

int hp__op_begin(hp_heap *h)
{
    if (h->due_set)
        return hp__error(h, HP_E_STATE,
                         "a finalizer or callback is due: run it first");
    return 0;
}

int hp__op_end(hp_heap *h, int rc)
{
    if (!h->due_set)
        hp__gc_maybe_collect(h);
    return rc;
}

int hp_call_due(const hp_heap *h)
{
    return h->due_set;
}

int hp_call_peek(const hp_heap *h, hp_call *out)
{
    if (h->due_set)
        *out = h->due;
    return h->due_set;
}

uint32_t hp_call_depth(const hp_heap *h)
{
    return h->nlevels - 1;
}

static void release_call(hp_heap *h, hp_call *c)
{
    hp__xdecref(h, c->callable);
    hp__xdecref(h, c->arg1);
    hp__xdecref(h, c->arg0);
}

int hp_call_begin(hp_heap *h, hp_call *out)
{
    if (!h->due_set)
        return hp__error(h, HP_E_STATE, "no finalizer or callback is due");
    if (h->nlevels == HP_MAX_LEVELS) {
        /* Too deep: the call is dropped, like an unraisable error. */
        hp_call c = h->due;
        h->due_set = false;
        release_call(h, &c);
        hp__run_work(h);
        return hp__error(h, HP_E_RUNTIME,
                         "maximum recursion depth exceeded in finalizers");
    }
    hp_level *l = &h->levels[h->nlevels++];
    l->work_base = h->nwork;
    l->call = h->due;
    h->due_set = false;
    *out = l->call;
    return 0;
}

int hp_call_end(hp_heap *h)
{
    if (h->nlevels <= 1)
        return hp__error(h, HP_E_STATE, "no call to end");
    hp_level *l = &h->levels[h->nlevels - 1];
    if (h->due_set || h->nwork != l->work_base)
        return hp__error(h, HP_E_STATE, "a nested call is due: run it first");
    hp_call c = l->call;
    h->nlevels--;
    release_call(h, &c);
    hp__run_work(h); /* resume what the call paused */
    return hp__op_end(h, 0);
}

/* ---- value stacks ------------------------------------------------------------ */

hp_frame *hp__frame(hp_heap *h)
{
    return &h->frames[h->nframes - 1];
}

int hp__need(hp_heap *h, uint32_t n)
{
    if (hp__frame(h)->sp < n)
        return hp__error(h, HP_E_STACK, "value stack holds fewer than %u items",
                         n);
    return 0;
}

int hp__push_new(hp_heap *h, hp_obj *r)
{
    hp_frame *f = hp__frame(h);
    if (f->sp == f->cap) {
        uint32_t cap = f->cap ? f->cap * 2 : 16;
        hp_obj **s = cap <= HP_MAX_STACK ? realloc(f->stack, cap * sizeof(*s)) : NULL;
        if (!s) {
            hp__decref(h, r);
            return hp__error(h, HP_E_NOMEM, "value stack is full");
        }
        f->stack = s;
        f->cap = cap;
    }
    f->stack[f->sp++] = r;
    return 0;
}

hp_obj *hp__pop(hp_heap *h)
{
    hp_frame *f = hp__frame(h);
    return f->stack[--f->sp];
}

static int push_result(hp_heap *h, hp_obj *o)
{
    return o ? hp__push_new(h, o) : h->errcode;
}

int hp_push_none(hp_heap *h)
{
    HP_TRY(hp__op_begin(h));
    return hp__op_end(h, push_result(h, hp__none(h)));
}

int hp_push_bool(hp_heap *h, int b)
{
    HP_TRY(hp__op_begin(h));
    return hp__op_end(h, push_result(h, hp__bool(h, b)));
}

int hp_push_int(hp_heap *h, int64_t v)
{
    HP_TRY(hp__op_begin(h));
    return hp__op_end(h, push_result(h, hp__new_int(h, v)));
}

int hp_push_float(hp_heap *h, double v)
{
    HP_TRY(hp__op_begin(h));
    return hp__op_end(h, push_result(h, hp__new_float(h, v)));
}

int hp_push_str(hp_heap *h, const char *utf8, size_t n)
{
    HP_TRY(hp__op_begin(h));
    return hp__op_end(h, push_result(h, hp__new_str(h, utf8, n)));
}

int hp_push_bytes(hp_heap *h, const void *p, size_t n)
{
    HP_TRY(hp__op_begin(h));
    return hp__op_end(h, push_result(h, hp__new_bytes(h, p, n)));
}

int hp_push_obj(hp_heap *h, hp_obj *o)
{
    HP_TRY(hp__op_begin(h));
    return hp__op_end(h, hp__push_new(h, hp__incref(o)));
}

int hp_push_id(hp_heap *h, uint64_t id)
{
    hp_obj *o = hp_find(h, id);
    if (!o)
        return hp__error(h, HP_E_BADID, "no live object with id %llu",
                         (unsigned long long)id);
    return hp_push_obj(h, o);
}

int hp_pop(hp_heap *h)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 1));
    hp__decref(h, hp__pop(h));
    return hp__op_end(h, 0);
}

int hp_dup(hp_heap *h)
{
    return hp_pick(h, 0);
}

int hp_swap(hp_heap *h)
{
    return hp_roll(h, 1);
}

int hp_roll(hp_heap *h, uint32_t n)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, n + 1));
    hp_frame *f = hp__frame(h);
    hp_obj *o = f->stack[f->sp - 1 - n];
    memmove(&f->stack[f->sp - 1 - n], &f->stack[f->sp - n],
            n * sizeof(hp_obj *));
    f->stack[f->sp - 1] = o;
    return 0;
}

int hp_pick(hp_heap *h, uint32_t n)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, n + 1));
    return hp__op_end(h, hp__push_new(h, hp__incref(hp_peek(h, n))));
}

int hp_sink(hp_heap *h, uint32_t n)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, n + 1));
    hp_frame *f = hp__frame(h);
    hp_obj *o = f->stack[f->sp - 1];
    memmove(&f->stack[f->sp - n], &f->stack[f->sp - 1 - n], n * sizeof(hp_obj *));
    f->stack[f->sp - 1 - n] = o;
    return 0;
}

hp_obj *hp_peek(const hp_heap *h, uint32_t i)
{
    const hp_frame *f = &h->frames[h->nframes - 1];
    return i < f->sp ? f->stack[f->sp - 1 - i] : NULL;
}

uint32_t hp_stack_size(const hp_heap *h)
{
    return h->frames[h->nframes - 1].sp;
}

/* ---- names ------------------------------------------------------------------- */

hp_obj *hp_globals(const hp_heap *h)
{
    return &h->globals->gc.ob;
}

int hp_store_global(hp_heap *h, const char *name)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, 1));
    /* bind first: on failure the value stays on the stack */
    HP_TRY(hp__dict_set_cstr(h, h->globals, name, hp_peek(h, 0)));
    hp__decref(h, hp__pop(h));
    return hp__op_end(h, 0);
}

int hp_load_global(hp_heap *h, const char *name)
{
    HP_TRY(hp__op_begin(h));
    hp_obj *v = hp__dict_get_cstr(h->globals, name);
    if (!v)
        return hp__error(h, HP_E_NAME, "name '%s' is not defined", name);
    return hp__op_end(h, hp__push_new(h, hp__incref(v)));
}

int hp_delete_global(hp_heap *h, const char *name)
{
    HP_TRY(hp__op_begin(h));
    if (!hp__dict_get_cstr(h->globals, name))
        return hp__error(h, HP_E_NAME, "name '%s' is not defined", name);
    return hp__op_end(h, hp__dict_del_cstr(h, h->globals, name));
}

/* ---- frames ------------------------------------------------------------------ */

uint32_t hp_frame_depth(const hp_heap *h)
{
    return h->nframes - 1;
}

int hp_frame_push(hp_heap *h, uint32_t nargs, uint32_t nlocals)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, nargs + 1));
    if (nlocals < nargs)
        return hp__error(h, HP_E_ARG, "fewer locals than arguments");
    if (h->nframes >= HP_MAX_FRAMES)
        return hp__error(h, HP_E_RUNTIME, "maximum recursion depth exceeded");
    hp_obj **locals = calloc(nlocals ? nlocals : 1, sizeof(hp_obj *));
    hp_obj **stack = malloc(16 * sizeof(hp_obj *));
    if (!locals || !stack) {
        free(locals);
        free(stack);
        return hp__error(h, HP_E_NOMEM, "out of memory");
    }
    hp_frame *caller = hp__frame(h);
    caller->sp -= nargs;
    if (nargs)
        memcpy(locals, &caller->stack[caller->sp], nargs * sizeof(hp_obj *));
    hp_frame *f = &h->frames[h->nframes++];
    memset(f, 0, sizeof *f);
    f->func = caller->stack[--caller->sp];
    f->locals = locals;
    f->nlocals = nlocals;
    f->stack = stack; /* never NULL: &stack[sp - 0] is defined */
    f->cap = 16;
    return hp__op_end(h, 0);
}

int hp_frame_pop(hp_heap *h, int keep_result)
{
    HP_TRY(hp__op_begin(h));
    if (h->nframes <= 1)
        return hp__error(h, HP_E_STACK, "no frame to pop");
    if (keep_result)
        HP_TRY(hp__need(h, 1));
    hp_frame *f = hp__frame(h);
    hp_obj *result = keep_result ? hp__pop(h) : NULL;
    hp_frame *caller = &h->frames[h->nframes - 2];
    if (result && caller->sp == caller->cap) {
        /* Make room first so that returning cannot fail halfway. */
        hp_obj **s = realloc(caller->stack, (caller->cap ? caller->cap * 2 : 16) *
                                                sizeof(hp_obj *));
        if (!s) {
            f->stack[f->sp++] = result;
            return hp__error(h, HP_E_NOMEM, "value stack is full");
        }
        caller->stack = s;
        caller->cap = caller->cap ? caller->cap * 2 : 16;
    }
    hp_frame dead = *f;
    h->nframes--;
    if (result)
        caller->stack[caller->sp++] = result;
    /* _PyFrame_ClearLocals: locals, then the stack, then the function. */
    for (uint32_t i = 0; i < dead.nlocals; i++)
        hp__xdecref(h, dead.locals[i]);
    for (uint32_t i = 0; i < dead.sp; i++)
        hp__decref(h, dead.stack[i]);
    hp__xdecref(h, dead.func);
    free(dead.locals);
    free(dead.stack);
    return hp__op_end(h, 0);
}

static int local_slot(hp_heap *h, uint32_t slot)
{
    if (h->nframes <= 1)
        return hp__error(h, HP_E_STACK, "no frame: locals need one");
    if (slot >= hp__frame(h)->nlocals)
        return hp__error(h, HP_E_ARG, "local slot %u out of range", slot);
    return 0;
}

int hp_store_local(hp_heap *h, uint32_t slot)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(local_slot(h, slot));
    HP_TRY(hp__need(h, 1));
    hp_frame *f = hp__frame(h);
    hp_obj *old = f->locals[slot];
    f->locals[slot] = hp__pop(h);
    hp__xdecref(h, old);
    return hp__op_end(h, 0);
}

int hp_load_local(hp_heap *h, uint32_t slot)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(local_slot(h, slot));
    hp_obj *v = hp__frame(h)->locals[slot];
    if (!v)
        return hp__error(h, HP_E_NAME,
                         "cannot access local variable where it is not "
                         "associated with a value");
    return hp__op_end(h, hp__push_new(h, hp__incref(v)));
}

int hp_delete_local(hp_heap *h, uint32_t slot)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(local_slot(h, slot));
    hp_frame *f = hp__frame(h);
    hp_obj *old = f->locals[slot];
    if (!old)
        return hp__error(h, HP_E_NAME,
                         "cannot access local variable where it is not "
                         "associated with a value");
    f->locals[slot] = NULL;
    hp__decref(h, old);
    return hp__op_end(h, 0);
}

/* Every reference a root holds, for the collector's checks and walks. */
void hp__roots_each(hp_heap *h, void (*fn)(hp_obj *o, void *arg), void *arg)
{
    fn(&h->globals->gc.ob, arg);
    fn(&h->garbage->gc.ob, arg);
    fn(&h->callbacks->gc.ob, arg);
    for (uint32_t i = 0; i < h->nframes; i++) {
        hp_frame *f = &h->frames[i];
        if (f->func)
            fn(f->func, arg);
        for (uint32_t k = 0; k < f->nlocals; k++)
            if (f->locals[k])
                fn(f->locals[k], arg);
        for (uint32_t k = 0; k < f->sp; k++)
            fn(f->stack[k], arg);
    }
    for (uint32_t i = 1; i < h->nlevels; i++) {
        hp_call *c = &h->levels[i].call;
        hp_obj *refs[] = {c->callable, c->arg0, c->arg1};
        for (int k = 0; k < 3; k++)
            if (refs[k])
                fn(refs[k], arg);
    }
    if (h->due_set) {
        hp_obj *refs[] = {h->due.callable, h->due.arg0, h->due.arg1};
        for (int k = 0; k < 3; k++)
            if (refs[k])
                fn(refs[k], arg);
    }
}
