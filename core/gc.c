/*
 * gc.c: CPython's generational cycle collector (Modules/gcmodule.c of
 * 3.12), with its observable behaviour: generations, thresholds and
 * counts, the long-lived rule, gc_refs (update_refs, subtract_refs,
 * move_unreachable), lazy untracking of tuples and dicts, weakref
 * clearing and callbacks, PEP 442 finalizers with resurrection, legacy
 * finalizers and DEBUG_SAVEALL feeding gc.garbage, freeze, callbacks.
 *
 * A collection is a record on the heap's work stack that runs in phases
 * and pauses whenever caller code is due (a weakref callback, a __del__,
 * a gc.callbacks entry), see docs/gc.md and docs/handoff.md.
 */
#include <stdlib.h>
#include <string.h>

#include "dictset.h"
#include "internal.h"

/* ---- gc lists ---------------------------------------------------------------- */

static void list_init(hp_gc *l)
{
    l->next = l->prev = l;
}

static bool list_empty(const hp_gc *l)
{
    return l->next == l;
}

static void list_unlink(hp_gc *g)
{
    g->prev->next = g->next;
    g->next->prev = g->prev;
}

static void list_append(hp_gc *g, hp_gc *l)
{
    g->prev = l->prev;
    g->next = l;
    l->prev->next = g;
    l->prev = g;
}

static void list_move(hp_gc *g, hp_gc *l)
{
    list_unlink(g);
    list_append(g, l);
}

static void list_merge(hp_gc *from, hp_gc *to)
{
    if (!list_empty(from)) {
        hp_gc *tail = to->prev;
        tail->next = from->next;
        from->next->prev = tail;
        to->prev = from->prev;
        to->prev->next = to;
    }
    list_init(from);
}

static uint64_t list_size(const hp_gc *l)
{
    uint64_t n = 0;
    for (const hp_gc *g = l->next; g != l; g = g->next)
        n++;
    return n;
}

static void list_set_gen(hp_gc *l, uint8_t gen)
{
    for (hp_gc *g = l->next; g != l; g = g->next)
        g->ob.gen = gen;
}

/* ---- tracking ------------------------------------------------------------------ */

void hp__track(hp_heap *h, hp_obj *o)
{
    hp_gc *g = (hp_gc *)o;
    list_append(g, &h->gens[0]);
    o->flags |= HP_OF_TRACKED;
    o->gen = 0;
}

void hp__untrack(hp_heap *h, hp_obj *o)
{
    (void)h;
    list_unlink((hp_gc *)o);
    o->flags &= (uint8_t)~(HP_OF_TRACKED | HP_OF_COLLECT | HP_OF_UNREACH);
}

bool hp__may_be_tracked(const hp_obj *o)
{
    if (!(o->flags & HP_OF_GC) || o->type == HP_T_CODE)
        return false;
    if (o->type == HP_T_TUPLE)
        return o->flags & HP_OF_TRACKED;
    return true;
}

int hp_gc_is_tracked(const hp_obj *o)
{
    return (o->flags & HP_OF_TRACKED) != 0;
}

int hp_gc_is_finalized(const hp_obj *o)
{
    return (o->flags & HP_OF_FINALIZED) != 0;
}

int hp_gc_generation(const hp_obj *o)
{
    return (o->flags & HP_OF_TRACKED) ? o->gen : -1;
}

/* ---- traversal: the references CPython's tp_traverse reports ----------------- */

/* Always inlined: each pass then calls its visitor directly, not through a
 * pointer per reference (the collector's hot loop). */
static inline __attribute__((always_inline)) int traverse(hp_obj *o, hp_visit visit,
                                                        void *arg)
{
    hp_gc *g = (hp_gc *)o;
    int rc;
#define VISIT(x)                                                               \
    do {                                                                       \
        hp_obj *x_ = (hp_obj *)(x);                                            \
        if (x_ && (rc = visit(x_, arg)) != 0)                                  \
            return rc;                                                         \
    } while (0)
    switch (o->type) {
    case HP_T_LIST: {
        hp_obj **it = hp__list_items((hp_list *)o);
        for (uint32_t i = 0; i < g->n; i++)
            VISIT(it[i]);
        return 0;
    }
    case HP_T_TUPLE: {
        hp_tuple *t = (hp_tuple *)o;
        for (uint32_t i = 0; i < g->n; i++)
            VISIT(t->items[i]);
        return 0;
    }
    case HP_T_DICT: {
        hp_dict *d = (hp_dict *)o;
        hp_dentry *e = hp__dict_entries(d);
        bool unicode = (d->gc.ob.aux & HP_DICT_STRKEYS) != 0;
        for (uint32_t i = 0; i < d->nentries; i++) {
            if (!e[i].key)
                continue;
            if (!unicode)
                VISIT(e[i].key);
            VISIT(e[i].value);
        }
        return 0;
    }
    case HP_T_SET:
    case HP_T_FROZENSET: {
        hp_set *s = (hp_set *)o;
        if (!s->table)
            return 0;
        for (uint32_t i = 0; i <= s->mask; i++)
            if (s->table[i].key && s->table[i].key != HP_DUMMY)
                VISIT(s->table[i].key);
        return 0;
    }
    case HP_T_INSTANCE: {
        hp_inst *in = (hp_inst *)o;
        for (uint32_t i = 0; i < g->n; i++)
            VISIT(in->values[i]);
        VISIT(in->cls);
        return 0;
    }
    case HP_T_CLASS:
        VISIT(((hp_class *)o)->dict);
        return 0;
    case HP_T_FUNCTION: {
        hp_func *f = (hp_func *)o;
        VISIT(f->code);
        VISIT(f->globals);
        VISIT(f->defaults);
        VISIT(f->name);
        return 0;
    }
    case HP_T_WEAKREF:
        VISIT(((hp_weakref *)o)->callback);
        return 0;
    default: /* code objects are not GC objects in CPython */
        return 0;
    }
#undef VISIT
}

int hp__traverse(hp_obj *o, hp_visit visit, void *arg)
{
    return traverse(o, visit, arg);
}

/* ---- the state of a collection -------------------------------------------------- */

enum phase {
    P_START_CB,
    P_COLLECT,
    P_WRCB,
    P_WRCB_AFTER,
    P_FINALIZE,
    P_RESURRECT,
    P_DELETE,
    P_RELEASE,
    P_DELETE_NEXT,
    P_LEGACY,
    P_STOP_CB,
    P_DONE
};

/* References detached from an object by "tp_clear", released one by one
 * in CPython's order (they may run caller code between them). */
typedef struct release {
    void *block;     /* data block to free at the end, or NULL */
    hp_obj **words;  /* the references, stride words apart */
    uint32_t n;      /* entries */
    uint32_t stride; /* words per entry */
    uint32_t off[2]; /* which words of an entry are references */
    uint32_t noff;
    uint32_t pos;    /* next word index to release */
    bool reverse;
    hp_obj *fixed[4];
} release;

struct hp_gcrun {
    int gen;
    enum phase phase;
    hp_gc *young, *old;
    hp_gc unreachable, finalizers, wrcb, seen, final;
    int64_t m, n; /* collected, uncollectable */
    hp_gc *cur;
    uint32_t cbpos;
    hp_obj *phase_str, *info;
    release rel;
    bool special;  /* something unreachable may need finalizing */
    bool ran_code; /* a weakref callback or finalizer ran */
};

void hp__gc_init(hp_heap *h)
{
    for (int i = 0; i < 4; i++)
        list_init(&h->gens[i]);
    memcpy(h->threshold, h->prof->threshold, sizeof h->threshold);
    h->enabled = true;
}

void hp__gc_free(hp_heap *h)
{
    free(h->gcrun);
    h->gcrun = NULL;
}

/* ---- deduce_unreachable ----------------------------------------------------------- */

static void update_refs(hp_gc *young)
{
    for (hp_gc *g = young->next; g != young; g = g->next) {
        g->gc_refs = g->ob.refcnt;
        g->ob.flags |= HP_OF_COLLECT;
    }
}

static int visit_decref(hp_obj *o, void *arg)
{
    (void)arg;
    if (o->flags & HP_OF_COLLECT)
        ((hp_gc *)o)->gc_refs--;
    return 0;
}

static void subtract_refs(hp_gc *young)
{
    for (hp_gc *g = young->next; g != young; g = g->next)
        traverse(&g->ob, visit_decref, NULL);
}

static int visit_reachable(hp_obj *o, void *arg)
{
    if (!(o->flags & HP_OF_COLLECT))
        return 0;
    hp_gc *g = (hp_gc *)o;
    if (o->flags & HP_OF_UNREACH) {
        /* Reached after all: back to young, to be scanned again. */
        list_move(g, (hp_gc *)arg);
        o->flags &= (uint8_t)~HP_OF_UNREACH;
        g->gc_refs = 1;
    } else if (g->gc_refs == 0) {
        g->gc_refs = 1;
    }
    return 0;
}

/* What move_unreachable learns on its way, so that later passes over the
 * whole list are skipped (docs/gc.md#passes). */
typedef struct scan {
    bool untrack;         /* untrack tuples as they are scanned */
    uint64_t survivors;   /* objects left in young, still tracked */
    bool special;         /* something unreachable may have a finalizer,
                             a legacy finalizer or weakrefs */
    hp_gc **dicts;        /* surviving dicts (full collections) */
    uint64_t ndicts, capdicts;
    bool dicts_lost;      /* no memory to remember them: do a pass */
} scan;

static bool may_need_finalizing(const hp_obj *o)
{
    switch (o->type) {
    case HP_T_INSTANCE:
    case HP_T_WEAKREF:
    case HP_T_SET:
    case HP_T_FROZENSET:
    case HP_T_CLASS:
    case HP_T_FUNCTION:
        return true;
    default:
        return false;
    }
}

static bool tuple_untrackable(const hp_gc *g)
{
    const hp_tuple *t = (const hp_tuple *)g;
    for (uint32_t i = 0; i < g->n; i++)
        if (!t->items[i] || hp__may_be_tracked(t->items[i]))
            return false;
    return true;
}

static void remember_dict(scan *sc, hp_gc *g)
{
    if (sc->dicts_lost)
        return;
    if (sc->ndicts == sc->capdicts) {
        uint64_t cap = sc->capdicts ? 2 * sc->capdicts : 64;
        hp_gc **d = realloc(sc->dicts, cap * sizeof *d);
        if (!d) {
            sc->dicts_lost = true;
            return;
        }
        sc->dicts = d;
        sc->capdicts = cap;
    }
    sc->dicts[sc->ndicts++] = g;
}

/* Survivors leave the collected set as they are scanned and take the
 * generation they are promoted to.  The scan order is the final order of
 * young, so untracking tuples here sees exactly what CPython 3.12's
 * separate untrack_tuples pass over young sees. */
static void move_unreachable(hp_heap *h, hp_gc *young, hp_gc *unreachable,
                             uint8_t newgen, scan *sc)
{
    hp_gc *g = young->next;
    while (g != young) {
        hp_gc *next;
        if (g->gc_refs) {
            traverse(&g->ob, visit_reachable, young);
            g->ob.flags &= (uint8_t)~HP_OF_COLLECT;
            g->ob.gen = newgen;
            next = g->next;
            if (sc->untrack && g->ob.type == HP_T_TUPLE && tuple_untrackable(g)) {
                hp__untrack(h, &g->ob);
            } else {
                sc->survivors++;
                if (sc->untrack && g->ob.type == HP_T_DICT)
                    remember_dict(sc, g);
            }
        } else {
            next = g->next;
            list_move(g, unreachable);
            g->ob.flags |= HP_OF_UNREACH;
            sc->special |= may_need_finalizing(&g->ob);
        }
        g = next;
    }
}

static void deduce_unreachable(hp_heap *h, hp_gc *young, hp_gc *unreachable,
                               uint8_t newgen, scan *sc)
{
    update_refs(young);
    subtract_refs(young);
    move_unreachable(h, young, unreachable, newgen, sc);
}

static void untrack_dicts(hp_heap *h, hp_gc *young)
{
    hp_gc *g = young->next;
    while (g != young) {
        hp_gc *next = g->next;
        if (g->ob.type == HP_T_DICT)
            hp__dict_maybe_untrack(h, (hp_dict *)g);
        g = next;
    }
}

/* ---- legacy finalizers --------------------------------------------------------------- */

static bool has_legacy_finalizer(const hp_obj *o)
{
    return o->type == HP_T_INSTANCE &&
           (((const hp_inst *)o)->cls->flags & HP_CLS_LEGACY_DEL);
}

static int visit_move(hp_obj *o, void *arg)
{
    if ((o->flags & (HP_OF_COLLECT | HP_OF_UNREACH)) ==
        (HP_OF_COLLECT | HP_OF_UNREACH)) {
        o->flags &= (uint8_t)~HP_OF_UNREACH;
        list_move((hp_gc *)o, (hp_gc *)arg);
    }
    return 0;
}

static void move_legacy_finalizers(hp_gc *unreachable, hp_gc *finalizers)
{
    hp_gc *g = unreachable->next;
    while (g != unreachable) {
        hp_gc *next = g->next;
        if (has_legacy_finalizer(&g->ob)) {
            g->ob.flags &= (uint8_t)~HP_OF_UNREACH;
            list_move(g, finalizers);
        }
        g = next;
    }
    /* Everything they reach is kept too. */
    for (g = finalizers->next; g != finalizers; g = g->next)
        traverse(&g->ob, visit_move, finalizers);
}

/* ---- weakrefs ----------------------------------------------------------------------------- */

/* Clears every weakref to an unreachable object; those with callbacks that
 * are themselves reachable are kept to be called (handle_weakrefs). */
static void clear_weakrefs(hp_heap *h, struct hp_gcrun *r)
{
    for (hp_gc *g = r->unreachable.next; g != &r->unreachable; g = g->next) {
        hp_obj *o = &g->ob;
        if (o->type == HP_T_WEAKREF)
            hp__weakref_unlink((hp_weakref *)o);
        hp_weakref **head = hp__weaklist(o);
        if (!head)
            continue;
        while (*head) {
            hp_weakref *w = *head;
            hp__weakref_unlink(w);
            if (!w->callback || (w->gc.ob.flags & HP_OF_UNREACH))
                continue;
            hp__incref(&w->gc.ob);
            /* It is reachable: it moves to the callback list; if it is
             * still alive after its callback it goes to the old gen. */
            list_move(&w->gc, &r->wrcb);
        }
    }
    (void)h;
}

/* ---- delete_garbage: tp_clear, detached -------------------------------------------- */

static void detach(hp_heap *h, hp_obj *o, release *rel)
{
    memset(rel, 0, sizeof *rel);
    rel->stride = 1;
    rel->noff = 1;
    switch (o->type) {
    case HP_T_LIST: { /* list_clear releases backwards */
        hp_list *l = (hp_list *)o;
        uint32_t n = l->gc.n;
        if (l->alloc <= 1) {
            rel->fixed[0] = n ? (hp_obj *)l->items : NULL;
        } else {
            rel->block = l->items;
            rel->words = l->items;
            rel->n = n;
            rel->reverse = true;
        }
        l->items = NULL;
        l->alloc = 0;
        l->gc.n = 0;
        break;
    }
    case HP_T_DICT: {
        hp_dentry *e;
        uint32_t n;
        hp__dict_detach(h, (hp_dict *)o, &rel->block, &e, &n);
        rel->words = (hp_obj **)(void *)e;
        rel->n = n;
        rel->stride = sizeof(hp_dentry) / sizeof(hp_obj *);
        rel->off[0] = offsetof(hp_dentry, key) / sizeof(hp_obj *);
        rel->off[1] = offsetof(hp_dentry, value) / sizeof(hp_obj *);
        rel->noff = 2;
        break;
    }
    case HP_T_SET: {
        hp_sentry *t;
        uint32_t n;
        hp__set_detach(h, (hp_set *)o, &t, &n);
        rel->block = t;
        rel->words = (hp_obj **)(void *)t;
        rel->n = n;
        rel->stride = sizeof(hp_sentry) / sizeof(hp_obj *);
        rel->off[0] = offsetof(hp_sentry, key) / sizeof(hp_obj *);
        break;
    }
    case HP_T_INSTANCE: {
        hp_inst *in = (hp_inst *)o;
        rel->block = in->values;
        rel->words = in->values;
        rel->n = in->gc.n;
        in->values = NULL;
        in->gc.n = 0;
        in->nset = 0;
        break;
    }
    case HP_T_CLASS: {
        hp_class *k = (hp_class *)o;
        /* type_clear: the dict goes; name and keys stay. */
        hp_obj *d = hp__dict_new(h);
        if (d) {
            rel->fixed[0] = &k->dict->gc.ob;
            k->dict = (hp_dict *)d;
        }
        break;
    }
    case HP_T_FUNCTION: {
        hp_func *f = (hp_func *)o;
        rel->fixed[0] = f->globals;
        rel->fixed[1] = f->defaults;
        f->globals = NULL;
        f->defaults = NULL;
        break;
    }
    case HP_T_WEAKREF: {
        hp_weakref *w = (hp_weakref *)o;
        hp__weakref_unlink(w);
        rel->fixed[0] = w->callback;
        w->callback = NULL;
        break;
    }
    default: /* tuples have no tp_clear */
        break;
    }
}

static hp_obj *release_next(release *rel)
{
    for (int i = 0; i < 4; i++) {
        if (rel->fixed[i]) {
            hp_obj *o = rel->fixed[i];
            rel->fixed[i] = NULL;
            return o;
        }
    }
    uint64_t total = (uint64_t)rel->n * rel->noff;
    while (rel->pos < total) {
        uint32_t k = rel->pos++;
        uint32_t ent = k / rel->noff, which = k % rel->noff;
        if (rel->reverse)
            ent = rel->n - 1 - ent;
        hp_obj **slot = &rel->words[(size_t)ent * rel->stride + rel->off[which]];
        hp_obj *o = *slot;
        *slot = NULL;
        if (o && o != HP_DUMMY)
            return o;
    }
    return NULL;
}

/* ---- gc.callbacks --------------------------------------------------------------------- */

static hp_obj *make_info(hp_heap *h, int gen, int64_t collected,
                         int64_t uncollectable)
{
    hp_obj *d = hp__dict_new(h);
    if (!d)
        return NULL;
    const char *keys[] = {"generation", "collected", "uncollectable"};
    int64_t vals[] = {gen, collected, uncollectable};
    for (int i = 0; i < 3; i++) {
        hp_obj *v = hp__new_int(h, vals[i]);
        int rc = v ? hp__dict_set_cstr(h, (hp_dict *)d, keys[i], v) : -1;
        if (v)
            hp__decref(h, v);
        if (rc < 0) {
            hp__decref(h, d);
            return NULL;
        }
    }
    return d;
}

/* Returns true when every callback of this phase has been called. */
static bool run_callbacks(hp_heap *h, struct hp_gcrun *r, const char *phase)
{
    hp_list *cbs = h->callbacks;
    if (r->cbpos == 0) {
        if (cbs->gc.n == 0)
            return true;
        r->phase_str = hp__new_str(h, phase, strlen(phase));
        r->info = make_info(h, r->gen, r->m, r->n);
        if (!r->phase_str || !r->info) {
            hp__xdecref(h, r->phase_str);
            hp__xdecref(h, r->info);
            r->phase_str = r->info = NULL;
            return true; /* no memory: the callbacks are skipped */
        }
    }
    if (r->cbpos < cbs->gc.n) {
        hp_obj *cb = hp__list_items(cbs)[r->cbpos++];
        hp_call c = {HP_CALL_GC, hp__incref(cb), hp__incref(r->phase_str),
                     hp__incref(r->info)};
        hp__set_due(h, &c);
        return false;
    }
    hp__decref(h, r->phase_str);
    hp__decref(h, r->info);
    r->phase_str = r->info = NULL;
    r->cbpos = 0;
    return true;
}

/* ---- the collection, phase by phase ------------------------------------------------ */

static void collect_core(hp_heap *h, struct hp_gcrun *r)
{
    int gen = r->gen;
    if (gen + 1 < 3)
        h->count[gen + 1]++;
    for (int i = 0; i <= gen; i++)
        h->count[i] = 0;
    for (int i = 0; i < gen; i++)
        list_merge(&h->gens[i], &h->gens[gen]);
    hp_gc *young = &h->gens[gen];
    hp_gc *old = gen < 2 ? &h->gens[gen + 1] : young;
    r->young = young;
    r->old = old;
    scan sc = {.untrack = true};
    deduce_unreachable(h, young, &r->unreachable,
                       (uint8_t)(gen < 2 ? gen + 1 : 2), &sc);
    r->special = sc.special;
    if (young != old) {
        if (gen == 1)
            h->long_lived_pending += sc.survivors;
        list_merge(young, old);
    } else {
        /* untrack_dicts: a dict's answer depends only on its values and
         * the tuples' final tracking, so the survivors noted will do. */
        if (h->prof->lazy_dict_tracking && sc.dicts_lost) {
            untrack_dicts(h, young);
            sc.survivors = list_size(young);
        } else if (h->prof->lazy_dict_tracking) {
            for (uint64_t i = 0; i < sc.ndicts; i++) {
                hp__dict_maybe_untrack(h, (hp_dict *)sc.dicts[i]);
                if (!(sc.dicts[i]->ob.flags & HP_OF_TRACKED))
                    sc.survivors--;
            }
        }
        h->long_lived_pending = 0;
        h->long_lived_total = sc.survivors;
    }
    free(sc.dicts);
    if (r->special) {
        move_legacy_finalizers(&r->unreachable, &r->finalizers);
        clear_weakrefs(h, r);
    }
}

/* An object leaving the collection alive goes to the old generation. */
static void survive(struct hp_gcrun *r, hp_gc *g)
{
    g->ob.flags &= (uint8_t)~(HP_OF_COLLECT | HP_OF_UNREACH);
    g->ob.gen = (uint8_t)(r->gen < 2 ? r->gen + 1 : 2);
    list_move(g, r->old);
}

static void survive_all(struct hp_gcrun *r, hp_gc *l)
{
    for (hp_gc *g = l->next; g != l; g = g->next) {
        g->ob.flags &= (uint8_t)~(HP_OF_COLLECT | HP_OF_UNREACH);
        g->ob.gen = (uint8_t)(r->gen < 2 ? r->gen + 1 : 2);
    }
    list_merge(l, r->old);
}

static void resurrect_check(hp_heap *h, struct hp_gcrun *r)
{
    /* handle_resurrected_objects: deduce again on what was unreachable;
     * whatever is now referenced from outside is resurrected.  When no
     * caller code ran in this collection nothing can have changed. */
    if (!r->ran_code) {
        list_merge(&r->unreachable, &r->final);
        return;
    }
    for (hp_gc *g = r->unreachable.next; g != &r->unreachable; g = g->next)
        g->ob.flags &= (uint8_t)~(HP_OF_COLLECT | HP_OF_UNREACH);
    scan sc = {0};
    deduce_unreachable(h, &r->unreachable, &r->final,
                       (uint8_t)(r->gen < 2 ? r->gen + 1 : 2), &sc);
    survive_all(r, &r->unreachable);
}

static int list_append_obj(hp_heap *h, hp_list *l, hp_obj *o);

bool hp__gc_step(hp_heap *h, hp_work *w)
{
    struct hp_gcrun *r = h->gcrun;
    uint32_t depth = h->nwork;
    (void)w;
    for (;;) {
        if (h->due_set || h->nwork != depth)
            return false;
        switch (r->phase) {
        case P_START_CB:
            if (!run_callbacks(h, r, "start"))
                return false;
            r->phase = P_COLLECT;
            break;
        case P_COLLECT:
            if (hp__wants(h, HP_EV_COLLECT_START))
                hp__emit(h, HP_EV_COLLECT_START, NULL, r->gen, 0, 0);
            collect_core(h, r);
            r->phase = P_WRCB;
            break;
        case P_WRCB:
            if (list_empty(&r->wrcb)) {
                r->phase = P_FINALIZE;
                break;
            }
            {
                hp_weakref *wr = (hp_weakref *)r->wrcb.next;
                r->cur = &wr->gc;
                r->phase = P_WRCB_AFTER;
                r->ran_code = true;
                /* The call holds the reference taken in clear_weakrefs. */
                hp_call c = {HP_CALL_WEAKREF, hp__incref(wr->callback),
                             &wr->gc.ob, NULL};
                hp__set_due(h, &c);
                return false;
            }
        case P_WRCB_AFTER:
            if (r->wrcb.next == r->cur)
                survive(r, r->cur);
            else
                r->m++; /* the weakref died with its callback */
            r->phase = P_WRCB;
            break;
        case P_FINALIZE:
            if (!r->special || list_empty(&r->unreachable)) {
                list_merge(&r->seen, &r->unreachable);
                r->phase = P_RESURRECT;
                break;
            }
            {
                hp_gc *g = r->unreachable.next;
                list_move(g, &r->seen);
                hp_obj *del = hp__finalizer_of(&g->ob);
                if (del && !(g->ob.flags & HP_OF_FINALIZED)) {
                    g->ob.flags |= HP_OF_FINALIZED;
                    r->ran_code = true;
                    hp_call c = {HP_CALL_FINALIZER, hp__incref(del),
                                 hp__incref(&g->ob), NULL};
                    hp__set_due(h, &c);
                    return false;
                }
            }
            break;
        case P_RESURRECT:
            resurrect_check(h, r);
            r->m += (int64_t)list_size(&r->final);
            r->phase = P_DELETE;
            break;
        case P_DELETE:
            if (list_empty(&r->final)) {
                r->phase = P_LEGACY;
                break;
            }
            r->cur = r->final.next;
            if (h->debug & HP_DEBUG_SAVEALL) {
                list_append_obj(h, h->garbage, &r->cur->ob);
                r->phase = P_DELETE_NEXT;
                break;
            }
            hp__incref(&r->cur->ob);
            detach(h, &r->cur->ob, &r->rel);
            r->phase = P_RELEASE;
            break;
        case P_RELEASE: {
            hp_obj *c = release_next(&r->rel);
            if (c) {
                hp__decref(h, c);
                break;
            }
            if (r->rel.block)
                hp__free_data(h->alloc, r->rel.block);
            r->rel.block = NULL;
            r->phase = P_DELETE_NEXT;
            hp__decref(h, &r->cur->ob);
            break;
        }
        case P_DELETE_NEXT:
            if (r->final.next == r->cur)
                survive(r, r->cur);
            r->phase = P_DELETE;
            break;
        case P_LEGACY:
            for (hp_gc *g = r->finalizers.next; g != &r->finalizers; g = g->next) {
                r->n++;
                if ((h->debug & HP_DEBUG_SAVEALL) || has_legacy_finalizer(&g->ob))
                    list_append_obj(h, h->garbage, &g->ob);
            }
            survive_all(r, &r->finalizers);
            h->gstats[r->gen].collections++;
            h->gstats[r->gen].collected += (uint64_t)r->m;
            h->gstats[r->gen].uncollectable += (uint64_t)r->n;
            if (hp__wants(h, HP_EV_COLLECT_STOP))
                hp__emit(h, HP_EV_COLLECT_STOP, NULL, r->gen, r->m, r->n);
            r->phase = P_STOP_CB;
            break;
        case P_STOP_CB:
            if (!run_callbacks(h, r, "stop"))
                return false;
            r->phase = P_DONE;
            break;
        case P_DONE:
            h->gc_result = r->m + r->n;
            h->collecting = false;
            h->gcrun = NULL;
            free(r);
            return true;
        }
    }
}

/* gc.garbage.append: CPython ignores a failure here. */
static int list_append_obj(hp_heap *h, hp_list *l, hp_obj *o)
{
    return hp__list_append(h, l, o);
}

/* ---- starting collections ------------------------------------------------------------- */

static int start(hp_heap *h, int gen)
{
    struct hp_gcrun *r = calloc(1, sizeof *r);
    if (!r)
        return hp__error(h, HP_E_NOMEM, "out of memory");
    r->gen = gen;
    r->phase = P_START_CB;
    list_init(&r->unreachable);
    list_init(&r->finalizers);
    list_init(&r->wrcb);
    list_init(&r->seen);
    list_init(&r->final);
    h->gcrun = r;
    h->collecting = true;
    h->gc_result = -1;
    hp__work_push(h, HP_WORK_GC);
    hp__run_work(h);
    return 0;
}

void hp__gc_maybe_collect(hp_heap *h)
{
    if (!h->enabled || h->collecting || h->due_set || h->threshold[0] == 0 ||
        h->count[0] <= h->threshold[0])
        return;
    for (int i = 2; i >= 0; i--) {
        if (h->count[i] > h->threshold[i]) {
            /* The long-lived rule: a full collection only when the objects
             * awaiting one exceed 25% of those that survived the last. */
            if (i == 2 && h->long_lived_pending < h->long_lived_total / 4)
                continue;
            start(h, i);
            return;
        }
    }
}

int hp_gc_collect(hp_heap *h, int generation, int64_t *result)
{
    HP_TRY(hp__op_begin(h));
    if (generation < 0 || generation > 2)
        return hp__error(h, HP_E_VALUE, "invalid generation");
    if (h->collecting) {
        *result = 0;
        return 0;
    }
    HP_TRY(start(h, generation));
    *result = h->collecting ? -1 : h->gc_result;
    return 0;
}

int64_t hp_gc_result(const hp_heap *h)
{
    return h->collecting ? -1 : h->gc_result;
}

int hp_gc_collecting(const hp_heap *h)
{
    return h->collecting;
}

/* ---- the rest of the gc module ------------------------------------------------------ */

void hp_gc_enable(hp_heap *h)
{
    h->enabled = true;
}

void hp_gc_disable(hp_heap *h)
{
    h->enabled = false;
}

int hp_gc_isenabled(const hp_heap *h)
{
    return h->enabled;
}

void hp_gc_get_threshold(const hp_heap *h, int64_t t[3])
{
    memcpy(t, h->threshold, sizeof h->threshold);
}

int hp_gc_set_threshold(hp_heap *h, int n, const int64_t *t)
{
    if (n < 1 || n > 3)
        return hp__error(h, HP_E_TYPE,
                         "set_threshold() takes from 1 to 3 arguments");
    for (int i = 0; i < n; i++)
        h->threshold[i] = t[i];
    return 0;
}

void hp_gc_get_count(const hp_heap *h, int64_t c[3])
{
    memcpy(c, h->count, sizeof h->count);
}

void hp_gc_get_stats(const hp_heap *h, hp_gc_gen_stats s[3])
{
    memcpy(s, h->gstats, sizeof h->gstats);
}

int hp_gc_get_debug(const hp_heap *h)
{
    return h->debug;
}

void hp_gc_set_debug(hp_heap *h, int flags)
{
    h->debug = flags;
}

void hp_gc_freeze(hp_heap *h)
{
    for (int i = 0; i < 3; i++) {
        list_set_gen(&h->gens[i], 3);
        list_merge(&h->gens[i], &h->gens[3]);
    }
    h->count[0] = 0;
}

void hp_gc_unfreeze(hp_heap *h)
{
    list_set_gen(&h->gens[3], 2);
    list_merge(&h->gens[3], &h->gens[2]);
}

uint64_t hp_gc_get_freeze_count(const hp_heap *h)
{
    return list_size(&h->gens[3]);
}

hp_obj *hp_gc_garbage(const hp_heap *h)
{
    return &h->garbage->gc.ob;
}

hp_obj *hp_gc_callbacks(const hp_heap *h)
{
    return &h->callbacks->gc.ob;
}

/* Lists built here are appended to without running caller code. */
static int push_list_of(hp_heap *h, hp_obj **list)
{
    hp_obj *l = hp__new_list(h, 0);
    if (!l)
        return h->errcode;
    hp__track(h, l);
    *list = l;
    return 0;
}

int hp_gc_get_objects(hp_heap *h, int generation)
{
    HP_TRY(hp__op_begin(h));
    if (generation < -1 || generation > 2)
        return hp__error(h, HP_E_VALUE,
                         "generation parameter must be less than the number "
                         "of available generations (3)");
    hp_obj *l = NULL;
    HP_TRY(push_list_of(h, &l));
    int lo = generation < 0 ? 0 : generation, hi = generation < 0 ? 2 : generation;
    for (int i = lo; i <= hi; i++) {
        for (hp_gc *g = h->gens[i].next; g != &h->gens[i]; g = g->next) {
            if (&g->ob == l)
                continue;
            if (hp__list_append(h, (hp_list *)l, &g->ob) < 0) {
                hp__decref(h, l);
                return h->errcode;
            }
        }
    }
    return hp__op_end(h, hp__push_new(h, l));
}

struct refs_ctx {
    hp_obj **targets;
    uint32_t n;
    bool found;
};

static int visit_find(hp_obj *o, void *arg)
{
    struct refs_ctx *c = arg;
    for (uint32_t i = 0; i < c->n; i++) {
        if (c->targets[i] == o) {
            c->found = true;
            return 1;
        }
    }
    return 0;
}

static int visit_append(hp_obj *o, void *arg)
{
    hp_heap **hh = arg;
    return hp__list_append(hh[0], (hp_list *)hh[1], o) < 0 ? -1 : 0;
}

int hp_gc_get_referrers(hp_heap *h, uint32_t n)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, n));
    hp_frame *f = hp__frame(h);
    hp_obj *l = NULL;
    HP_TRY(push_list_of(h, &l));
    struct refs_ctx c = {&f->stack[f->sp - n], n, false};
    for (int i = 0; i < 3; i++) {
        for (hp_gc *g = h->gens[i].next; g != &h->gens[i]; g = g->next) {
            if (&g->ob == l)
                continue;
            c.found = false;
            traverse(&g->ob, visit_find, &c);
            if (c.found && hp__list_append(h, (hp_list *)l, &g->ob) < 0) {
                hp__decref(h, l);
                return h->errcode;
            }
        }
    }
    for (uint32_t i = 0; i < n; i++)
        hp__decref(h, hp__pop(h));
    return hp__op_end(h, hp__push_new(h, l));
}

int hp_gc_get_referents(hp_heap *h, uint32_t n)
{
    HP_TRY(hp__op_begin(h));
    HP_TRY(hp__need(h, n));
    hp_frame *f = hp__frame(h);
    hp_obj *l = NULL;
    HP_TRY(push_list_of(h, &l));
    void *ctx[2] = {h, l};
    for (uint32_t i = 0; i < n; i++) {
        hp_obj *o = f->stack[f->sp - n + i];
        if (!(o->flags & HP_OF_GC) || o->type == HP_T_CODE)
            continue;
        if (traverse(o, visit_append, ctx) < 0) {
            hp__decref(h, l);
            return h->errcode;
        }
    }
    for (uint32_t i = 0; i < n; i++)
        hp__decref(h, hp__pop(h));
    return hp__op_end(h, hp__push_new(h, l));
}
