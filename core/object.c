/*
 * object.c: creating objects, the shared singletons, interning, and
 * freeing: reference counting's dealloc cascade.
 *
 * Freeing is iterative: the objects being freed form a depth-first stack
 * threaded through their own (now unused) generation links, so freeing a
 * chain of ten million lists uses no C stack (docs/handoff.md#cascade).
 * The cascade visits children in the order CPython's tp_dealloc functions
 * release them, and pauses when a __del__ or a weakref callback is due.
 */
#include <stdlib.h>
#include <string.h>

#include "dictset.h"
#include "internal.h"

hp_obj hp__dummy_key = {.refcnt = 1, .type = 0, .flags = HP_OF_IMMORTAL};

/* Dealloc phases, kept in hp_obj.gen while an object is dying. */
enum { PH_START = 0, PH_WEAKREFS, PH_CALLBACKS, PH_CHILDREN };

bool hp__type_is_gc(hp_type t)
{
    switch (t) {
    case HP_T_TUPLE:
    case HP_T_LIST:
    case HP_T_DICT:
    case HP_T_SET:
    case HP_T_FROZENSET:
    case HP_T_CLASS:
    case HP_T_INSTANCE:
    case HP_T_FUNCTION:
    case HP_T_WEAKREF:
    case HP_T_CODE:
        return true;
    default:
        return false;
    }
}

/* CPython counts GC allocations in gen0 (code objects are not GC types). */
static bool counts_in_gen0(hp_type t)
{
    return hp__type_is_gc(t) && t != HP_T_CODE;
}

hp_obj *hp__new_obj(hp_heap *h, hp_type t, size_t size)
{
    if (h->max_objects && h->nobjects >= h->max_objects) {
        hp__error(h, HP_E_NOMEM, "object budget of %llu objects exhausted",
                  (unsigned long long)h->max_objects);
        return NULL;
    }
    hp_obj *o = hp__alloc_obj(h->alloc, size);
    if (!o) {
        hp__error(h, HP_E_NOMEM, "out of memory");
        return NULL;
    }
    o->refcnt = 1;
    o->type = (uint8_t)t;
    o->flags = 0;
    o->gen = 0;
    o->aux = 0;
    if (hp__type_is_gc(t)) {
        hp_gc *g = (hp_gc *)o;
        o->flags = HP_OF_GC;
        g->gc_refs = 0;
        g->n = 0;
        g->next = g->prev = NULL;
        if (counts_in_gen0(t))
            h->count[0]++;
    }
    h->nobjects++;
    h->type_count[t]++;
    h->type_bytes[t] += hp__alloc_block_size(h->alloc, o);
    return o;
}

static void free_block(hp_heap *h, hp_obj *o)
{
    hp_type t = o->type;
    if (hp__wants(h, HP_EV_FREED))
        hp__emit(h, HP_EV_FREED, o, 0, 0, 0);
    if (counts_in_gen0(t) && h->count[0] > 0)
        h->count[0]--;
    h->nobjects--;
    h->type_count[t]--;
    h->type_bytes[t] -= hp__alloc_block_size(h->alloc, o);
    o->type = 0;
    hp__free_obj(h->alloc, o);
}

/* ---- constructors --------------------------------------------------------- */

hp_obj *hp__none(hp_heap *h)
{
    return hp__incref(h->none);
}

hp_obj *hp__bool(hp_heap *h, int b)
{
    return hp__incref(b ? h->true_ : h->false_);
}

hp_obj *hp__new_int(hp_heap *h, int64_t v)
{
    if (v >= -5 && v <= 256)
        return hp__incref(&h->small_ints[v + 5]->ob);
    hp_int *i = (hp_int *)hp__new_obj(h, HP_T_INT, sizeof(hp_int));
    if (!i)
        return NULL;
    i->v = v;
    return &i->ob;
}

hp_obj *hp__new_float(hp_heap *h, double v)
{
    hp_float *f = (hp_float *)hp__new_obj(h, HP_T_FLOAT, sizeof(hp_float));
    if (!f)
        return NULL;
    f->v = v;
    return &f->ob;
}

/* Decodes UTF-8: number of code points and the largest one, or -1. */
static int utf8_scan(const unsigned char *s, size_t n, uint32_t *len,
                     uint32_t *maxcp)
{
    uint32_t count = 0, max = 0;
    for (size_t i = 0; i < n;) {
        uint32_t c = s[i], need;
        if (c < 0x80)
            need = 0;
        else if ((c & 0xe0) == 0xc0 && c >= 0xc2)
            need = 1, c &= 0x1f;
        else if ((c & 0xf0) == 0xe0)
            need = 2, c &= 0x0f;
        else if ((c & 0xf8) == 0xf0 && c <= 0xf4)
            need = 3, c &= 0x07;
        else
            return -1;
        if (i + need >= n + (need == 0))
            if (need && i + need >= n)
                return -1;
        for (uint32_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return -1;
            c = (c << 6) | (s[i + k] & 0x3f);
        }
        if ((need == 2 && c < 0x800) || (need == 3 && (c < 0x10000 || c > 0x10ffff)) ||
            (c >= 0xd800 && c <= 0xdfff))
            return -1;
        i += need + 1;
        count++;
        if (c > max)
            max = c;
    }
    *len = count;
    *maxcp = max;
    return 0;
}

static uint8_t kind_of(uint32_t maxcp)
{
    return maxcp < 0x80 ? 1 : maxcp < 0x100 ? 2 : maxcp < 0x10000 ? 3 : 4;
}

static hp_str *alloc_str(hp_heap *h, hp_type t, const void *p, size_t n)
{
    if (n > UINT32_MAX - 64) {
        hp__error(h, HP_E_OVERFLOW, "string too large");
        return NULL;
    }
    hp_str *s = (hp_str *)hp__new_obj(h, t, offsetof(hp_str, data) + n + 1);
    if (!s)
        return NULL;
    s->len = (uint32_t)n;
    s->nbytes = (uint32_t)n;
    s->hash = 0;
    if (n)
        memcpy(s->data, p, n);
    s->data[n] = 0;
    return s;
}

hp_obj *hp__new_str(hp_heap *h, const char *utf8, size_t n)
{
    uint32_t len, maxcp;
    if (utf8_scan((const unsigned char *)utf8, n, &len, &maxcp) < 0) {
        hp__error(h, HP_E_VALUE, "invalid UTF-8 in string");
        return NULL;
    }
    if (len == 0 && h->empty_str)
        return hp__incref(&h->empty_str->ob);
    if (len == 1 && maxcp < 256) {
        /* CPython shares one-character latin-1 strings. */
        hp_str *c = h->latin1[maxcp];
        if (!c) {
            c = alloc_str(h, HP_T_STR, utf8, n);
            if (!c)
                return NULL;
            c->len = 1;
            c->ob.aux = kind_of(maxcp);
            if (h->prof->immortal)
                c->ob.flags |= HP_OF_IMMORTAL;
            c->ob.refcnt += (uint32_t)hp__base_refcnt(h, &c->ob);
            h->latin1[maxcp] = c; /* the cache holds the first reference */
        }
        return hp__incref(&c->ob);
    }
    hp_str *s = alloc_str(h, HP_T_STR, utf8, n);
    if (!s)
        return NULL;
    s->len = len;
    s->ob.aux = kind_of(maxcp);
    return &s->ob;
}

hp_obj *hp__new_bytes(hp_heap *h, const void *p, size_t n)
{
    if (n == 0)
        return hp__incref(&h->empty_bytes->ob);
    hp_str *s = alloc_str(h, HP_T_BYTES, p, n);
    return s ? &s->ob : NULL;
}

hp_obj *hp__new_tuple(hp_heap *h, uint32_t n)
{
    if (n == 0 && h->empty_tuple)
        return hp__incref(&h->empty_tuple->gc.ob);
    hp_tuple *t = (hp_tuple *)hp__new_obj(
        h, HP_T_TUPLE, sizeof(hp_tuple) + (size_t)n * sizeof(hp_obj *));
    if (!t)
        return NULL;
    t->gc.n = n;
    memset(t->items, 0, (size_t)n * sizeof(hp_obj *));
    return &t->gc.ob;
}

hp_obj *hp__new_list(hp_heap *h, uint32_t n)
{
    hp_list *l = (hp_list *)hp__new_obj(h, HP_T_LIST, sizeof(hp_list));
    if (!l)
        return NULL;
    l->items = NULL;
    l->alloc = n;
    if (n > 1) {
        l->items = hp__alloc_data(h->alloc, (size_t)n * sizeof(hp_obj *));
        if (!l->items) {
            l->alloc = 0;
            hp__decref(h, &l->gc.ob);
            hp__error(h, HP_E_NOMEM, "out of memory");
            return NULL;
        }
        memset(l->items, 0, (size_t)n * sizeof(hp_obj *));
    }
    l->gc.n = n;
    return &l->gc.ob;
}

/* ---- interning ------------------------------------------------------------- */

#define TOMBSTONE ((hp_str *)(uintptr_t)1)

static uint64_t str_hash(hp_heap *h, hp_str *s)
{
    uint64_t v;
    hp__hash(h, &s->ob, &v); /* str hashing cannot fail */
    return v;
}

static int intern_grow(hp_heap *h)
{
    uint32_t oldsize = h->interned ? h->internmask + 1 : 0;
    uint32_t size = oldsize ? oldsize * 2 : 256;
    hp_str **t = calloc(size, sizeof(*t));
    if (!t)
        return hp__error(h, HP_E_NOMEM, "out of memory");
    uint32_t live = 0;
    for (uint32_t i = 0; i < oldsize; i++) {
        hp_str *s = h->interned[i];
        if (!s || s == TOMBSTONE)
            continue;
        uint32_t j = (uint32_t)str_hash(h, s) & (size - 1);
        while (t[j])
            j = (j + 1) & (size - 1);
        t[j] = s;
        live++;
    }
    free(h->interned);
    h->interned = t;
    h->internmask = size - 1;
    h->ninterned = live;
    return 0;
}

static hp_str *intern_lookup(hp_heap *h, const char *p, size_t n, uint64_t hash,
                             uint32_t *slot)
{
    uint32_t i = (uint32_t)hash & h->internmask, free_slot = UINT32_MAX;
    for (;;) {
        hp_str *s = h->interned[i];
        if (!s) {
            *slot = free_slot != UINT32_MAX ? free_slot : i;
            return NULL;
        }
        if (s == TOMBSTONE) {
            if (free_slot == UINT32_MAX)
                free_slot = i;
        } else if (s->nbytes == n && memcmp(s->data, p, n) == 0) {
            *slot = i;
            return s;
        }
        i = (i + 1) & h->internmask;
    }
}

/* The table does not own its strings: a mortal interned str leaves the
 * table when it is freed (3.13), an immortal one never is (3.12). */
static hp_obj *intern_insert(hp_heap *h, hp_str *s, uint32_t slot)
{
    h->interned[slot] = s;
    h->ninterned++;
    s->ob.flags |= HP_OF_INTERNED;
    if (h->prof->intern_immortal)
        s->ob.flags |= HP_OF_IMMORTAL;
    return &s->ob;
}

hp_obj *hp__intern_str(hp_heap *h, hp_obj *o)
{
    hp_str *s = (hp_str *)o;
    if (o->flags & HP_OF_INTERNED)
        return o;
    if ((!h->interned || (h->ninterned + 1) * 2 > h->internmask + 1) &&
        intern_grow(h) < 0) {
        hp__decref(h, o);
        return NULL;
    }
    uint32_t slot;
    hp_str *found = intern_lookup(h, s->data, s->nbytes, str_hash(h, s), &slot);
    if (found) {
        hp__incref(&found->ob);
        hp__decref(h, o);
        return &found->ob;
    }
    return intern_insert(h, s, slot);
}

hp_obj *hp__intern_cstr(hp_heap *h, const char *name)
{
    hp_obj *s = hp__new_str(h, name, strlen(name));
    return s ? hp__intern_str(h, s) : NULL;
}

void hp__intern_forget(hp_heap *h, hp_str *s)
{
    uint32_t slot;
    if (intern_lookup(h, s->data, s->nbytes, str_hash(h, s), &slot) == s) {
        h->interned[slot] = TOMBSTONE;
        h->ninterned--;
    }
}

/* ---- the dealloc cascade ------------------------------------------------------ */

static hp_weakref **weaklist_of(hp_obj *o)
{
    switch (o->type) {
    case HP_T_INSTANCE:
        return &((hp_inst *)o)->weaklist;
    case HP_T_CLASS:
        return &((hp_class *)o)->weaklist;
    case HP_T_FUNCTION:
        return &((hp_func *)o)->weaklist;
    case HP_T_SET:
    case HP_T_FROZENSET:
        return &((hp_set *)o)->weaklist;
    default:
        return NULL;
    }
}

hp_weakref **hp__weaklist(hp_obj *o)
{
    return weaklist_of(o);
}

void hp__weakref_unlink(hp_weakref *w)
{
    if (!w->referent)
        return;
    hp_weakref **head = weaklist_of(w->referent);
    if (w->wprev)
        w->wprev->wnext = w->wnext;
    else
        *head = w->wnext;
    if (w->wnext)
        w->wnext->wprev = w->wprev;
    w->wnext = w->wprev = NULL;
    w->referent = NULL;
}

hp_obj *hp__finalizer_of(const hp_obj *o)
{
    if (o->type != HP_T_INSTANCE)
        return NULL;
    const hp_class *c = ((const hp_inst *)o)->cls;
    if (!(c->flags & HP_CLS_HAS_DEL))
        return NULL;
    return hp__dict_get_cstr(c->dict, "__del__");
}

/* Takes the next reference o releases when freed, in CPython's order;
 * NULL when none is left.  *cur is the position. */
static hp_obj *take_child(hp_obj *o, uint32_t *cur)
{
    hp_gc *g = (hp_gc *)o;
    hp_obj *c = NULL;
    switch (o->type) {
    case HP_T_TUPLE: /* tupledealloc and list_dealloc go backwards */
        while (!c && *cur < g->n) {
            hp_obj **slot = &((hp_tuple *)o)->items[g->n - 1 - *cur];
            (*cur)++;
            c = *slot;
            *slot = NULL;
        }
        return c;
    case HP_T_LIST: {
        hp_obj **items = hp__list_items((hp_list *)o);
        while (!c && *cur < g->n) {
            hp_obj **slot = &items[g->n - 1 - *cur];
            (*cur)++;
            c = *slot;
            *slot = NULL;
        }
        return c;
    }
    case HP_T_DICT: {
        hp_dict *d = (hp_dict *)o;
        hp_dentry *e = hp__dict_entries(d);
        while (!c && *cur < 2 * d->nentries) {
            hp_dentry *en = &e[*cur / 2];
            hp_obj **slot = (*cur & 1) ? &en->value : &en->key;
            (*cur)++;
            c = *slot;
            *slot = NULL;
        }
        return c;
    }
    case HP_T_SET:
    case HP_T_FROZENSET: {
        hp_set *s = (hp_set *)o;
        uint32_t size = s->table ? s->mask + 1 : 0;
        while (!c && *cur < size) {
            hp_sentry *en = &s->table[(*cur)++];
            if (en->key && en->key != HP_DUMMY) {
                c = en->key;
                en->key = HP_DUMMY;
            }
        }
        return c;
    }
    case HP_T_INSTANCE: {
        hp_inst *in = (hp_inst *)o;
        while (!c && *cur < g->n) {
            hp_obj **slot = &in->values[(*cur)++];
            c = *slot;
            *slot = NULL;
        }
        if (!c && *cur == g->n) { /* the class goes last, as subtype_dealloc */
            (*cur)++;
            c = &in->cls->gc.ob;
        }
        return c;
    }
    case HP_T_CLASS: {
        hp_class *k = (hp_class *)o;
        while (!c) {
            uint32_t i = (*cur)++;
            if (i == 0)
                c = &k->dict->gc.ob;
            else if (i <= k->nkeys)
                c = &k->keys[i - 1]->ob, k->keys[i - 1] = NULL;
            else if (i == k->nkeys + 1)
                c = &k->name->ob;
            else
                return NULL;
        }
        return c;
    }
    case HP_T_FUNCTION: {
        hp_func *f = (hp_func *)o;
        hp_obj **fields[] = {&f->globals, &f->defaults, &f->code,
                             (hp_obj **)&f->name};
        while (!c && *cur < 4) {
            hp_obj **slot = fields[(*cur)++];
            c = *slot;
            *slot = NULL;
        }
        return c;
    }
    case HP_T_WEAKREF: {
        hp_weakref *w = (hp_weakref *)o;
        if (*cur == 0) {
            (*cur)++;
            c = w->callback;
            w->callback = NULL;
        }
        return c;
    }
    case HP_T_CODE: {
        hp_code *k = (hp_code *)o;
        while (!c && *cur <= g->n) {
            uint32_t i = (*cur)++;
            hp_obj **slot = i < g->n ? &k->consts[i] : (hp_obj **)&k->name;
            c = *slot;
            *slot = NULL;
        }
        return c;
    }
    default:
        return NULL;
    }
}

/* Frees o's own data blocks and then o. */
static void free_container(hp_heap *h, hp_obj *o)
{
    switch (o->type) {
    case HP_T_LIST: {
        hp_list *l = (hp_list *)o;
        if (l->alloc > 1)
            hp__free_data(h->alloc, l->items);
        break;
    }
    case HP_T_DICT:
        if (((hp_dict *)o)->table)
            hp__free_data(h->alloc, ((hp_dict *)o)->table);
        break;
    case HP_T_SET:
    case HP_T_FROZENSET:
        if (((hp_set *)o)->table)
            hp__free_data(h->alloc, ((hp_set *)o)->table);
        break;
    case HP_T_CLASS:
        if (((hp_class *)o)->keys)
            hp__free_data(h->alloc, ((hp_class *)o)->keys);
        break;
    case HP_T_INSTANCE:
        if (((hp_inst *)o)->values)
            hp__free_data(h->alloc, ((hp_inst *)o)->values);
        break;
    default:
        break;
    }
    free_block(h, o);
}

static void free_leaf(hp_heap *h, hp_obj *o)
{
    if (o->flags & HP_OF_INTERNED)
        hp__intern_forget(h, (hp_str *)o);
    free_block(h, o);
}

static hp_work *open_cascade(hp_heap *h)
{
    hp_work *w = hp__work_top(h);
    if (w && w->kind == HP_WORK_CASCADE)
        return w;
    return hp__work_push(h, HP_WORK_CASCADE);
}

void hp__dealloc(hp_heap *h, hp_obj *o)
{
    if (!(o->flags & HP_OF_GC)) {
        free_leaf(h, o);
        return;
    }
    hp_gc *g = (hp_gc *)o;
    if (o->flags & HP_OF_TRACKED)
        hp__untrack(h, o);
    o->flags |= HP_OF_DYING;
    o->gen = PH_START;
    g->gc_refs = 0;
    if (o->type == HP_T_WEAKREF)
        hp__weakref_unlink((hp_weakref *)o);
    hp_work *w = open_cascade(h);
    g->prev = w->top;
    w->top = g;
    if (!h->running)
        hp__run_work(h);
}

/* The weakref callbacks a dying object still has to call, kept in its own
 * (now empty) weakref list slot: each dying object has its own, however
 * the cascade nests (docs/handoff.md#cascade). */
typedef struct pending_cbs {
    uint32_t n, pos;
    hp_obj *pairs[]; /* weakref, callback; both counted references */
} pending_cbs;

/* Clears o's weakrefs and keeps the (weakref, callback) pairs to call, in
 * list order, as PyObject_ClearWeakRefs does.  Returns a callback it had
 * no memory to keep (the caller releases it), else NULL. */
static hp_obj *clear_weakrefs(hp_obj *o)
{
    hp_weakref **head = weaklist_of(o);
    if (!head || !*head)
        return NULL;
    uint32_t n = 0;
    for (hp_weakref *r = *head; r; r = r->wnext)
        n++;
    pending_cbs *p = malloc(sizeof *p + 2 * (size_t)n * sizeof(hp_obj *));
    hp_obj *dropped = NULL;
    if (p)
        p->n = p->pos = 0;
    while (*head) {
        hp_weakref *r = *head;
        hp_obj *cb = r->callback;
        r->callback = NULL;
        hp__weakref_unlink(r);
        if (!cb)
            continue;
        if (p) {
            p->pairs[2 * p->n] = hp__incref(&r->gc.ob);
            p->pairs[2 * p->n + 1] = cb;
            p->n++;
        } else if (!dropped) {
            dropped = cb; /* no memory to remember it */
        } else {
            r->callback = cb; /* keeps it until the weakref dies */
        }
    }
    *head = (hp_weakref *)(void *)p;
    return dropped;
}

bool hp__cascade_step(hp_heap *h, hp_work *w)
{
    while (w->top) {
        hp_gc *g = w->top;
        hp_obj *o = &g->ob;
        switch (o->gen) {
        case PH_START: {
            hp_obj *del = hp__finalizer_of(o);
            if (del && !(o->flags & HP_OF_FINALIZED)) {
                /* PEP 442: resurrect for the call; its end releases the
                 * reference and, if none is left, frees it for good. */
                w->top = g->prev;
                o->flags = (uint8_t)((o->flags & ~HP_OF_DYING) | HP_OF_FINALIZED);
                o->refcnt = 1;
                hp__track(h, o);
                hp_call c = {HP_CALL_FINALIZER, hp__incref(del), o, NULL};
                hp__set_due(h, &c);
                return false;
            }
            o->gen = PH_WEAKREFS;
        }
        /* fallthrough */
        case PH_WEAKREFS: {
            hp_obj *dropped = clear_weakrefs(o);
            o->gen = PH_CALLBACKS;
            if (dropped) {
                hp__decref(h, dropped); /* may push: look at the top again */
                continue;
            }
        }
        /* fallthrough */
        case PH_CALLBACKS: {
            hp_weakref **slot = weaklist_of(o);
            pending_cbs *p = slot ? (pending_cbs *)(void *)*slot : NULL;
            if (p && p->pos < p->n) {
                hp_call c = {HP_CALL_WEAKREF, p->pairs[2 * p->pos + 1],
                             p->pairs[2 * p->pos], NULL};
                p->pos++;
                hp__set_due(h, &c);
                return false;
            }
            if (p) {
                free(p);
                *slot = NULL;
            }
            o->gen = PH_CHILDREN;
            g->gc_refs = 0;
        }
        /* fallthrough */
        case PH_CHILDREN: {
            hp_obj *c = take_child(o, &g->gc_refs);
            if (c) {
                hp__decref(h, c); /* may push c on top */
                if (h->due_set)
                    return false;
                continue;
            }
            w->top = g->prev;
            free_container(h, o);
            break;
        }
        }
    }
    return true;
}

/* A heap destroyed while a cascade is paused: the callback lists of its
 * dying objects are malloc'd, the rest goes with the allocator. */
void hp__free_pending(hp_heap *h)
{
    for (uint32_t i = 0; i < h->nwork; i++) {
        if (h->work[i].kind != HP_WORK_CASCADE)
            continue;
        for (hp_gc *g = h->work[i].top; g; g = g->prev) {
            hp_weakref **slot = weaklist_of(&g->ob);
            if (g->ob.gen == PH_CALLBACKS && slot && *slot) {
                free(*slot);
                *slot = NULL;
            }
        }
    }
}
