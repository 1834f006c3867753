/*
 * check.c: hp_check, every invariant the engine keeps, verified from
 * scratch (tests and debug builds): generation lists well formed and
 * flagged, and, when nothing is paused, every live object reachable from a
 * root or a generation list, each reference count equal to the references
 * that actually point at the object, and the live count equal to the
 * objects found.
 */
#include <stdlib.h>
#include <string.h>

#include "dictset.h"
#include "internal.h"

/* Calls fn for every strong reference o holds (not only those the
 * collector traverses). */
static void each_ref(hp_obj *o, void (*fn)(hp_obj *, void *), void *arg)
{
    hp_gc *g = (hp_gc *)o;
    switch (o->type) {
    case HP_T_TUPLE:
        for (uint32_t i = 0; i < g->n; i++)
            if (((hp_tuple *)o)->items[i])
                fn(((hp_tuple *)o)->items[i], arg);
        break;
    case HP_T_LIST:
        for (uint32_t i = 0; i < g->n; i++)
            if (hp__list_items((hp_list *)o)[i])
                fn(hp__list_items((hp_list *)o)[i], arg);
        break;
    case HP_T_DICT: {
        uint64_t pos = 0;
        hp_obj *k, *v;
        while (hp__dict_next((hp_dict *)o, &pos, &k, &v)) {
            fn(k, arg);
            fn(v, arg);
        }
        break;
    }
    case HP_T_SET:
    case HP_T_FROZENSET: {
        uint64_t pos = 0;
        hp_obj *k;
        while (hp__set_next((hp_set *)o, &pos, &k))
            fn(k, arg);
        break;
    }
    case HP_T_CLASS: {
        hp_class *c = (hp_class *)o;
        fn(&c->name->ob, arg);
        fn(&c->dict->gc.ob, arg);
        for (uint32_t i = 0; i < c->nkeys; i++)
            fn(&c->keys[i]->ob, arg);
        break;
    }
    case HP_T_INSTANCE: {
        hp_inst *in = (hp_inst *)o;
        fn(&in->cls->gc.ob, arg);
        for (uint32_t i = 0; i < g->n; i++)
            if (in->values[i])
                fn(in->values[i], arg);
        break;
    }
    case HP_T_FUNCTION: {
        hp_func *f = (hp_func *)o;
        fn(&f->name->ob, arg);
        fn(f->code, arg);
        fn(f->globals, arg);
        if (f->defaults)
            fn(f->defaults, arg);
        break;
    }
    case HP_T_WEAKREF:
        if (((hp_weakref *)o)->callback)
            fn(((hp_weakref *)o)->callback, arg);
        break;
    case HP_T_CODE: {
        hp_code *c = (hp_code *)o;
        fn(&c->name->ob, arg);
        for (uint32_t i = 0; i < g->n; i++)
            fn(c->consts[i], arg);
        break;
    }
    default:
        break;
    }
}

typedef struct slot {
    hp_obj *o;
    uint64_t in; /* references found */
} slot;

typedef struct census {
    slot *t;
    uint64_t mask, n;
    hp_obj **queue;
    uint64_t qlen, qcap;
    bool oom;
} census;

static slot *find_slot(census *c, hp_obj *o)
{
    uint64_t i = ((uintptr_t)o >> 4) * 0x9e3779b97f4a7c15ULL & c->mask;
    while (c->t[i].o && c->t[i].o != o)
        i = (i + 1) & c->mask;
    return &c->t[i];
}

static void grow(census *c)
{
    uint64_t cap = (c->mask + 1) * 2;
    slot *old = c->t;
    uint64_t oldcap = c->mask + 1;
    c->t = calloc(cap, sizeof(slot));
    if (!c->t) {
        c->t = old;
        c->oom = true;
        return;
    }
    c->mask = cap - 1;
    for (uint64_t i = 0; i < oldcap; i++)
        if (old[i].o)
            *find_slot(c, old[i].o) = old[i];
    free(old);
}

/* Records one reference to o, queueing o the first time. */
static void add_ref(hp_obj *o, void *arg)
{
    census *c = arg;
    if (c->oom)
        return;
    if ((c->n + 1) * 2 > c->mask + 1)
        grow(c);
    slot *s = find_slot(c, o);
    if (!s->o) {
        s->o = o;
        c->n++;
        if (c->qlen == c->qcap) {
            uint64_t cap = c->qcap ? c->qcap * 2 : 1024;
            hp_obj **q = realloc(c->queue, cap * sizeof(*q));
            if (!q) {
                c->oom = true;
                return;
            }
            c->queue = q;
            c->qcap = cap;
        }
        c->queue[c->qlen++] = o;
    }
    s->in++;
}

/* Objects reached without a counted reference (a list is a root, the
 * collector's lists hold no reference), plus a base count held by the heap
 * itself for shared objects of mortal profiles. */
static void add_seen_base(census *c, hp_obj *o, uint64_t base)
{
    add_ref(o, c);
    if (!c->oom)
        find_slot(c, o)->in += base - 1;
}

static void add_seen(census *c, hp_obj *o)
{
    add_seen_base(c, o, 0);
}

static int check_lists(hp_heap *h)
{
    for (int gen = 0; gen < 4; gen++) {
        hp_gc *head = &h->gens[gen];
        for (hp_gc *g = head->next; g != head; g = g->next) {
            if (g->next->prev != g || g->prev->next != g)
                return hp__error(h, -1, "generation %d: broken links", gen);
            uint8_t f = g->ob.flags;
            if (!(f & HP_OF_GC) || !(f & HP_OF_TRACKED) || (f & HP_OF_DYING))
                return hp__error(h, -1, "generation %d: bad flags %#x", gen, f);
            if (!h->collecting && (f & (HP_OF_COLLECT | HP_OF_UNREACH)))
                return hp__error(h, -1, "collector flags outside a collection");
            if (g->ob.gen != gen)
                return hp__error(h, -1, "object in list %d says generation %d",
                                 gen, g->ob.gen);
            if (g->ob.refcnt == 0)
                return hp__error(h, -1, "tracked object with refcount 0");
        }
    }
    return 0;
}

static void root_ref(hp_obj *o, void *arg)
{
    add_ref(o, arg);
}

int hp_check(hp_heap *h)
{
    if (hp__alloc_check(h->alloc) != 0)
        return hp__error(h, -1, "allocator structures are inconsistent");
    HP_TRY(check_lists(h));
    /* The exact census needs a quiet heap: no collection, call or
     * cascade holds references of its own. */
    if (h->collecting || h->nlevels > 1 || h->due_set || h->nwork)
        return 0;
    census c = {0};
    c.t = calloc(1024, sizeof(slot));
    if (!c.t)
        return hp__error(h, HP_E_NOMEM, "out of memory for the check");
    c.mask = 1023;
    hp__roots_each(h, root_ref, &c);
    for (int gen = 0; gen < 4; gen++)
        for (hp_gc *g = h->gens[gen].next; g != &h->gens[gen]; g = g->next)
            add_seen(&c, &g->ob);
    /* Shared objects hold themselves (immortal or a large base count). */
    hp_obj *shared[] = {h->none, h->true_, h->false_, &h->empty_tuple->gc.ob,
                        &h->empty_str->ob, &h->empty_bytes->ob};
    for (size_t i = 0; i < sizeof shared / sizeof *shared; i++)
        add_seen_base(&c, shared[i], hp__base_refcnt(h, shared[i]));
    for (int i = 0; i < 262; i++)
        add_seen_base(&c, &h->small_ints[i]->ob,
                      hp__base_refcnt(h, &h->small_ints[i]->ob));
    for (int i = 0; i < 256; i++) /* the cache's reference, and the base */
        if (h->latin1[i])
            add_seen_base(&c, &h->latin1[i]->ob,
                          1 + hp__base_refcnt(h, &h->latin1[i]->ob));
    /* Immortal interned strings live forever, referenced or not (3.12). */
    for (uint32_t i = 0; h->interned && i <= h->internmask; i++) {
        hp_str *s = h->interned[i];
        if (s && (uintptr_t)s != 1 && (s->ob.flags & HP_OF_IMMORTAL))
            add_seen(&c, &s->ob);
    }
    for (uint64_t qi = 0; qi < c.qlen && !c.oom; qi++)
        each_ref(c.queue[qi], add_ref, &c);
    int rc = 0;
    if (c.oom) {
        rc = hp__error(h, HP_E_NOMEM, "out of memory for the check");
        goto out;
    }
    for (uint64_t i = 0; i <= c.mask && rc == 0; i++) {
        slot *s = &c.t[i];
        if (!s->o || (s->o->flags & HP_OF_IMMORTAL))
            continue;
        uint64_t expect = s->in;
        if (s->o->refcnt != expect)
            rc = hp__error(h, -1, "%s at %#llx: refcount %u, %llu references",
                           hp_type_name(s->o),
                           (unsigned long long)hp_id(h, s->o), s->o->refcnt,
                           (unsigned long long)expect);
        else if (s->o->flags & HP_OF_DYING)
            rc = hp__error(h, -1, "a dying object is still referenced");
    }
    if (rc == 0 && c.n != h->nobjects)
        rc = hp__error(h, -1, "%llu live objects, %llu reachable: a leak",
                       (unsigned long long)h->nobjects,
                       (unsigned long long)c.n);
out:
    free(c.t);
    free(c.queue);
    return rc;
}
