/*
 * walk.c: introspection for tools: graph walks over the object graph
 * (objgraph's show_refs / show_backrefs / find_backref_chain), live
 * objects by type, and the allocator's statistics.
 *
 * A walk's edges are the references gc.get_referents reports (hp__traverse),
 * labelled from the object layouts (dict key, attribute name, list index),
 * plus two kinds the collector does not see: a weakref's referent (flagged
 * weak) and a code object's constants (code is not a GC object, but its
 * constants are references that sys.getrefcount counts).
 *
 * Backward walks scan the heap once and build a reverse index: the objects
 * scanned are every tracked object, the roots (globals, frames, gc.garbage,
 * gc.callbacks) and everything reachable from them, so untracked tuples,
 * dicts and code objects show up as referrers too.  Frames themselves are
 * not objects and do not appear.  All scratch memory is malloc'd, freed
 * before hp_walk returns, and never counted against the heap's budget.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- statistics ---------------------------------------------------------- */

static uint64_t gc_list_length(const hp_gc *head)
{
    uint64_t n = 0;
    for (const hp_gc *g = head->next; g && g != head; g = g->next)
        n++;
    return n;
}

void hp_type_stats_get(const hp_heap *h, hp_type_stats *out)
{
    memset(out, 0, sizeof *out);
    memcpy(out->count, h->type_count, sizeof out->count);
    memcpy(out->bytes, h->type_bytes, sizeof out->bytes);
    out->objects = h->nobjects;
    for (int i = 0; i < 4; i++)
        out->tracked[i] = gc_list_length(&h->gens[i]);
}

void hp_malloc_stats_get(const hp_heap *h, hp_malloc_stats *out)
{
    hp__alloc_stats(h->alloc, out);
}

/* ---- a map from objects to 32-bit values (open addressing) --------------- */

typedef struct ptrmap {
    const hp_obj **keys;
    uint32_t *vals;
    size_t cap, n; /* cap is a power of two, 0 before the first insert */
} ptrmap;

static size_t ptr_hash(const hp_obj *p, size_t mask)
{
    uint64_t x = (uint64_t)(uintptr_t)p >> 4;
    x *= 0x9e3779b97f4a7c15ull;
    return (size_t)(x >> 32) & mask;
}

static void ptrmap_free(ptrmap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

/* The slot of k, or of the empty slot where it would go. */
static size_t ptrmap_slot(const ptrmap *m, const hp_obj *k)
{
    size_t mask = m->cap - 1, i = ptr_hash(k, mask);
    while (m->keys[i] && m->keys[i] != k)
        i = (i + 1) & mask;
    return i;
}

static int ptrmap_grow(ptrmap *m, size_t want)
{
    size_t cap = m->cap ? m->cap : 16;
    while (cap < want * 2)
        cap *= 2;
    if (cap == m->cap)
        return 0;
    ptrmap nm = {.cap = cap, .n = m->n};
    nm.keys = calloc(cap, sizeof *nm.keys);
    nm.vals = malloc(cap * sizeof *nm.vals);
    if (!nm.keys || !nm.vals) {
        free(nm.keys);
        free(nm.vals);
        return HP_E_NOMEM;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t s = ptrmap_slot(&nm, m->keys[i]);
        nm.keys[s] = m->keys[i];
        nm.vals[s] = m->vals[i];
    }
    ptrmap_free(m);
    *m = nm;
    return 0;
}

/* Pointer to k's value, or NULL if absent. */
static uint32_t *ptrmap_get(const ptrmap *m, const hp_obj *k)
{
    if (!m->cap)
        return NULL;
    size_t s = ptrmap_slot(m, k);
    return m->keys[s] ? &m->vals[s] : NULL;
}

/* Inserts k (absent) with value v. */
static int ptrmap_put(ptrmap *m, const hp_obj *k, uint32_t v)
{
    if ((m->n + 1) * 2 > m->cap)
        HP_TRY(ptrmap_grow(m, m->n + 1));
    size_t s = ptrmap_slot(m, k);
    m->keys[s] = k;
    m->vals[s] = v;
    m->n++;
    return 0;
}

/* Empties the map, keeping room for want keys (and not much more: the
 * memset must stay proportional to want). */
static int ptrmap_reset(ptrmap *m, size_t want)
{
    if (m->cap && m->cap >= want * 2 && m->cap <= 16 * (want + 16)) {
        memset(m->keys, 0, m->cap * sizeof *m->keys);
        m->n = 0;
        return 0;
    }
    ptrmap_free(m);
    return ptrmap_grow(m, want);
}

/* ---- growable arrays ----------------------------------------------------- */

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need)
        c *= 2;
    void *np = realloc(*p, c * elem);
    if (!np)
        return HP_E_NOMEM;
    *p = np;
    *cap = c;
    return 0;
}

/* ---- the edges of one object ------------------------------------------------
 * An edge as found in the layout; its label is made only when reported. */
enum label_kind {
    L_NONE,
    L_TEXT,  /* lab is a NUL-terminated name */
    L_INDEX, /* "[idx]", list or tuple slot */
    L_KEY,   /* lab is a dict key object: its repr */
    L_CONST, /* "co_consts[idx]" */
};

typedef struct wedge {
    const hp_obj *other; /* the target (forward) or the referrer (reverse) */
    const void *lab;
    uint32_t idx;
    uint8_t kind;
    uint8_t weak;
    uint8_t extra; /* not a gc referent: kept without matching */
} wedge;

typedef struct edgevec {
    wedge *v;
    size_t n, cap;
} edgevec;

static int edge_add(edgevec *e, const hp_obj *to, uint8_t kind, const void *lab,
                    uint32_t idx)
{
    if (!to)
        return 0;
    HP_TRY(grow((void **)&e->v, &e->cap, e->n + 1, sizeof *e->v));
    e->v[e->n++] = (wedge){.other = to, .lab = lab, .idx = idx, .kind = kind};
    return 0;
}

/* Every reference o holds, in layout order, labelled. */
static int layout_edges(const hp_obj *o, edgevec *e)
{
    const hp_gc *g = (const hp_gc *)o;
    switch (o->type) {
    case HP_T_TUPLE:
        for (uint32_t i = 0; i < g->n; i++)
            HP_TRY(
                edge_add(e, ((const hp_tuple *)o)->items[i], L_INDEX, NULL, i));
        return 0;
    case HP_T_LIST: {
        hp_obj **it = hp__list_items((hp_list *)o);
        for (uint32_t i = 0; i < g->n; i++)
            HP_TRY(edge_add(e, it[i], L_INDEX, NULL, i));
        return 0;
    }
    case HP_T_DICT: {
        uint64_t pos = 0;
        hp_obj *k, *v;
        while (hp_iter_items(o, &pos, &k, &v)) {
            HP_TRY(edge_add(e, k, L_NONE, NULL, 0));
            HP_TRY(edge_add(e, v, L_KEY, k, 0));
        }
        return 0;
    }
    case HP_T_SET:
    case HP_T_FROZENSET: {
        uint64_t pos = 0;
        hp_obj *k, *v;
        while (hp_iter_items(o, &pos, &k, &v))
            HP_TRY(edge_add(e, k, L_NONE, NULL, 0));
        return 0;
    }
    case HP_T_INSTANCE: {
        const hp_inst *in = (const hp_inst *)o;
        for (uint32_t i = 0; i < g->n; i++) {
            const char *name = i < in->cls->nkeys && in->cls->keys[i]
                                   ? in->cls->keys[i]->data
                                   : NULL;
            HP_TRY(edge_add(e, in->values[i], name ? L_TEXT : L_NONE, name, 0));
        }
        return edge_add(e, &in->cls->gc.ob, L_TEXT, "__class__", 0);
    }
    case HP_T_CLASS: {
        const hp_class *c = (const hp_class *)o;
        HP_TRY(edge_add(e, &c->dict->gc.ob, L_TEXT, "__dict__", 0));
        HP_TRY(edge_add(e, &c->name->ob, L_TEXT, "__name__", 0));
        return 0;
    }
    case HP_T_FUNCTION: {
        const hp_func *f = (const hp_func *)o;
        HP_TRY(edge_add(e, f->code, L_TEXT, "__code__", 0));
        HP_TRY(edge_add(e, f->globals, L_TEXT, "__globals__", 0));
        HP_TRY(edge_add(e, f->defaults, L_TEXT, "__defaults__", 0));
        HP_TRY(edge_add(e, &f->name->ob, L_TEXT, "__name__", 0));
        return 0;
    }
    case HP_T_WEAKREF: {
        const hp_weakref *w = (const hp_weakref *)o;
        HP_TRY(edge_add(e, w->referent, L_NONE, NULL, 0));
        if (w->referent) {
            e->v[e->n - 1].weak = 1;
            e->v[e->n - 1].extra = 1;
        }
        return edge_add(e, w->callback, L_TEXT, "__callback__", 0);
    }
    case HP_T_CODE: {
        const hp_code *c = (const hp_code *)o;
        for (uint32_t i = 0; i < g->n; i++) {
            HP_TRY(edge_add(e, c->consts[i], L_CONST, NULL, i));
            e->v[e->n - 1].extra = 1;
        }
        return 0;
    }
    default:
        return 0;
    }
}

/* ---- walk state ---------------------------------------------------------- */

typedef struct rev_entry {
    wedge e;       /* e.other is the referrer */
    uint32_t next; /* next entry of the same target, UINT32_MAX at the end */
} rev_entry;

typedef struct rev_head {
    uint32_t first, last;
    uint64_t count; /* referrers, including those not stored */
} rev_head;

typedef struct walker {
    hp_heap *h;
    uint32_t fanout; /* 0 = no cap */
    edgevec layout;  /* scratch: layout edges of one object */
    edgevec edges;   /* scratch: the matched edges of one object */
    struct {
        hp_obj **v;
        size_t n, cap;
    } kids;        /* scratch: hp__traverse's referents of one object */
    ptrmap counts; /* scratch: referent -> times not yet matched */
    /* reverse index (backward walks) */
    ptrmap revmap; /* target -> index in heads */
    rev_head *heads;
    size_t nheads, capheads;
    rev_entry *rev;
    size_t nrev, caprev;
    /* the walk */
    ptrmap seen; /* object -> 1 */
    struct {
        const hp_obj *o;
        uint32_t depth;
    } * queue;
    size_t qhead, qn, qcap;
    char label[160];
} walker;

static void walker_free(walker *w)
{
    free(w->layout.v);
    free(w->edges.v);
    free(w->kids.v);
    ptrmap_free(&w->counts);
    ptrmap_free(&w->revmap);
    free(w->heads);
    free(w->rev);
    ptrmap_free(&w->seen);
    free(w->queue);
}

static int collect_kid(hp_obj *child, void *arg)
{
    walker *w = arg;
    if (grow((void **)&w->kids.v, &w->kids.cap, w->kids.n + 1,
             sizeof *w->kids.v) < 0)
        return HP_E_NOMEM;
    w->kids.v[w->kids.n++] = child;
    return 0;
}

/* Matching a layout edge against hp__traverse's referents: up to
 * SMALL_KIDS referents are matched by a linear scan, more through a map of
 * counts (most objects are small; a map per object would cost more than
 * the scan). */
#define SMALL_KIDS 16

typedef struct matcher {
    walker *w;
    bool small;
    uint32_t used; /* small: referents already matched */
} matcher;

static int matcher_init(matcher *m, walker *w)
{
    m->w = w;
    m->used = 0;
    m->small = w->kids.n <= SMALL_KIDS;
    if (m->small)
        return 0;
    HP_TRY(ptrmap_reset(&w->counts, w->kids.n));
    for (size_t i = 0; i < w->kids.n; i++) {
        uint32_t *c = ptrmap_get(&w->counts, w->kids.v[i]);
        if (c)
            (*c)++;
        else
            HP_TRY(ptrmap_put(&w->counts, w->kids.v[i], 1));
    }
    return 0;
}

/* Consumes one unmatched occurrence of o among the referents. */
static bool matcher_take(matcher *m, const hp_obj *o)
{
    walker *w = m->w;
    if (m->small) {
        for (uint32_t k = 0; k < w->kids.n; k++) {
            if (!(m->used >> k & 1) && w->kids.v[k] == o) {
                m->used |= 1u << k;
                return true;
            }
        }
        return false;
    }
    uint32_t *c = ptrmap_get(&w->counts, o);
    if (!c || !*c)
        return false;
    (*c)--;
    return true;
}

/* Whether the k-th referent is left over after matching (consumes it). */
static bool matcher_left(matcher *m, size_t k)
{
    if (m->small)
        return !(m->used >> k & 1);
    return matcher_take(m, m->w->kids.v[k]);
}

/* The edges of o into w->edges: the layout's edges that hp__traverse
 * also reports (as many times as it does), then any referent the layout
 * did not explain (unlabelled), and the weak / code edges. */
static int object_edges(walker *w, const hp_obj *o)
{
    w->layout.n = w->edges.n = w->kids.n = 0;
    HP_TRY(layout_edges(o, &w->layout));
    int rc = hp__traverse((hp_obj *)o, collect_kid, w);
    if (rc < 0)
        return rc;
    if (!w->layout.n && !w->kids.n)
        return 0;
    matcher m;
    HP_TRY(matcher_init(&m, w));
    HP_TRY(grow((void **)&w->edges.v, &w->edges.cap, w->layout.n + w->kids.n,
                sizeof *w->edges.v));
    for (size_t i = 0; i < w->layout.n; i++) {
        const wedge *e = &w->layout.v[i];
        if (e->extra || matcher_take(&m, e->other))
            w->edges.v[w->edges.n++] = *e;
    }
    for (size_t k = 0; k < w->kids.n; k++)
        if (matcher_left(&m, k))
            w->edges.v[w->edges.n++] =
                (wedge){.other = w->kids.v[k], .kind = L_NONE};
    return 0;
}

static const char *edge_label(walker *w, const wedge *e)
{
    switch (e->kind) {
    case L_TEXT:
        return e->lab;
    case L_INDEX:
        snprintf(w->label, sizeof w->label, "[%" PRIu32 "]", e->idx);
        return w->label;
    case L_CONST:
        snprintf(w->label, sizeof w->label, "co_consts[%" PRIu32 "]", e->idx);
        return w->label;
    case L_KEY: {
        hp_buf b = {.p = w->label, .len = 0, .cap = sizeof w->label};
        hp__repr(w->h, e->lab, &b);
        if (b.len >= b.cap) { /* mark a cut repr, on a UTF-8 boundary */
            size_t cut = b.cap - 4;
            while (cut > 0 && ((unsigned char)w->label[cut] & 0xc0) == 0x80)
                cut--;
            memcpy(w->label + cut, "...", 4);
        }
        return w->label;
    }
    default:
        return NULL;
    }
}

/* ---- the reverse index --------------------------------------------------- */

static int rev_add(walker *w, const hp_obj *target, const hp_obj *referrer,
                   const wedge *e)
{
    uint32_t *hi = ptrmap_get(&w->revmap, target);
    rev_head *head;
    if (!hi) {
        if (w->nheads >= UINT32_MAX)
            return HP_E_NOMEM;
        HP_TRY(grow((void **)&w->heads, &w->capheads, w->nheads + 1,
                    sizeof *w->heads));
        HP_TRY(ptrmap_put(&w->revmap, target, (uint32_t)w->nheads));
        head = &w->heads[w->nheads++];
        *head = (rev_head){.first = UINT32_MAX, .last = UINT32_MAX};
    } else {
        head = &w->heads[*hi];
    }
    head->count++;
    if (w->fanout && head->count > w->fanout)
        return 0; /* counted, not stored: the walk follows fanout at most */
    if (w->nrev >= UINT32_MAX)
        return HP_E_NOMEM;
    HP_TRY(grow((void **)&w->rev, &w->caprev, w->nrev + 1, sizeof *w->rev));
    uint32_t idx = (uint32_t)w->nrev++;
    w->rev[idx] = (rev_entry){.e = *e, .next = UINT32_MAX};
    w->rev[idx].e.other = referrer;
    if (head->last == UINT32_MAX)
        head->first = idx;
    else
        w->rev[head->last].next = idx;
    head->last = idx;
    return 0;
}

/* Queue for the scan: reuses the walk's queue before the walk starts. */
static int queue_push(walker *w, const hp_obj *o, uint32_t depth)
{
    HP_TRY(grow((void **)&w->queue, &w->qcap, w->qn + 1, sizeof *w->queue));
    w->queue[w->qn].o = o;
    w->queue[w->qn].depth = depth;
    w->qn++;
    return 0;
}

static int scan_seed(walker *w, const hp_obj *o)
{
    if (!o || ptrmap_get(&w->seen, o))
        return 0;
    HP_TRY(ptrmap_put(&w->seen, o, 1));
    return queue_push(w, o, 0);
}

/* Scans every object the heap can reach and every tracked object once,
 * indexing each edge under its target. */
static int build_reverse_index(walker *w)
{
    hp_heap *h = w->h;
    for (int i = 0; i < 4; i++)
        for (hp_gc *g = h->gens[i].next; g && g != &h->gens[i]; g = g->next)
            HP_TRY(scan_seed(w, &g->ob));
    HP_TRY(scan_seed(w, &h->globals->gc.ob));
    HP_TRY(scan_seed(w, &h->garbage->gc.ob));
    HP_TRY(scan_seed(w, &h->callbacks->gc.ob));
    for (uint32_t f = 0; f < h->nframes; f++) {
        const hp_frame *fr = &h->frames[f];
        HP_TRY(scan_seed(w, fr->func));
        for (uint32_t i = 0; i < fr->nlocals; i++)
            HP_TRY(scan_seed(w, fr->locals[i]));
        for (uint32_t i = 0; i < fr->sp; i++)
            HP_TRY(scan_seed(w, fr->stack[i]));
    }
    while (w->qhead < w->qn) {
        const hp_obj *r = w->queue[w->qhead++].o;
        HP_TRY(object_edges(w, r));
        for (size_t i = 0; i < w->edges.n; i++) {
            const wedge *e = &w->edges.v[i];
            HP_TRY(rev_add(w, e->other, r, e));
            HP_TRY(scan_seed(w, e->other));
        }
    }
    /* the walk starts from an empty queue and visited set */
    w->qhead = w->qn = 0;
    return ptrmap_reset(&w->seen, 16);
}

/* ---- the walk ------------------------------------------------------------ */

static int report_node(walker *w, const hp_walk_ops *ops, const hp_obj *o,
                       uint32_t depth, uint32_t truncated)
{
    if (!ops->node)
        return 0;
    hp_walk_node n = {
        .obj = o,
        .id = hp_id(w->h, o),
        .type = (hp_type)o->type,
        .refcount = hp_refcount(w->h, o),
        .generation = hp_gc_generation(o),
        .size = hp__sizeof(w->h, o),
        .has_finalizer = o->type == HP_T_INSTANCE &&
                         (((const hp_inst *)o)->cls->flags &
                          (HP_CLS_HAS_DEL | HP_CLS_LEGACY_DEL)) != 0,
        .depth = depth,
        .truncated = truncated,
    };
    return ops->node(ops->ctx, &n);
}

static int report_edge(walker *w, const hp_walk_ops *ops, const hp_obj *from,
                       const hp_obj *to, const wedge *e)
{
    if (!ops->edge)
        return 0;
    hp_walk_edge ed = {
        .from = hp_id(w->h, from),
        .to = hp_id(w->h, to),
        .weak = e->weak,
        .label = edge_label(w, e),
        .index = e->kind == L_INDEX ? (int64_t)e->idx : -1,
    };
    return ops->edge(ops->ctx, &ed);
}

/* Marks o seen and queues it unless it was seen already. */
static int discover(walker *w, const hp_obj *o, uint32_t depth)
{
    if (ptrmap_get(&w->seen, o))
        return 0;
    HP_TRY(ptrmap_put(&w->seen, o, 1));
    return queue_push(w, o, depth);
}

/* Expands one node: returns <0 on error, >0 if a callback stopped it. */
static int expand(walker *w, const hp_walk_ops *ops, const hp_obj *o,
                  uint32_t depth, uint32_t max_depth, int direction)
{
    if (depth >= max_depth)
        return report_node(w, ops, o, depth, 0) ? 1 : 0;
    uint64_t total;
    if (direction == HP_WALK_REFS) {
        HP_TRY(object_edges(w, o));
        total = w->edges.n;
    } else {
        uint32_t *hi = ptrmap_get(&w->revmap, o);
        total = hi ? w->heads[*hi].count : 0;
        /* copy this node's referrers into edges: rev may not move, but
         * keep one code path for both directions */
        w->edges.n = 0;
        for (uint32_t i = hi ? w->heads[*hi].first : UINT32_MAX;
             i != UINT32_MAX; i = w->rev[i].next) {
            HP_TRY(grow((void **)&w->edges.v, &w->edges.cap, w->edges.n + 1,
                        sizeof *w->edges.v));
            w->edges.v[w->edges.n++] = w->rev[i].e;
        }
    }
    uint64_t follow = w->edges.n;
    if (w->fanout && follow > w->fanout)
        follow = w->fanout;
    uint64_t cut = total - follow;
    if (report_node(w, ops, o, depth,
                    cut > UINT32_MAX ? UINT32_MAX : (uint32_t)cut))
        return 1;
    for (uint64_t i = 0; i < follow; i++) {
        const wedge *e = &w->edges.v[i];
        HP_TRY(discover(w, e->other, depth + 1));
        int stop = direction == HP_WALK_REFS
                       ? report_edge(w, ops, o, e->other, e)
                       : report_edge(w, ops, e->other, o, e);
        if (stop)
            return 1;
    }
    return 0;
}

/* Nodes are reported when taken off the queue, before their edges; a node
 * at max_depth is reported but not expanded (objgraph's max_depth), so
 * max_depth 0 reports the roots alone.  fanout 0 means no cap.  The
 * callbacks must not change the heap.  A callback's nonzero return ends
 * the walk, which then returns 0. */
int hp_walk(hp_heap *h, hp_obj *const *roots, uint32_t nroots, int direction,
            uint32_t max_depth, uint32_t fanout, const hp_walk_ops *ops)
{
    if (!ops || (nroots && !roots) ||
        (direction != HP_WALK_REFS && direction != HP_WALK_BACKREFS))
        return hp__error(h, HP_E_ARG, "hp_walk: bad arguments");
    for (uint32_t i = 0; i < nroots; i++)
        if (!roots[i])
            return hp__error(h, HP_E_ARG, "hp_walk: NULL root");
    walker w = {.h = h, .fanout = fanout};
    int rc = 0;
    if (direction == HP_WALK_BACKREFS && (rc = build_reverse_index(&w)) < 0)
        goto out;
    for (uint32_t i = 0; i < nroots; i++)
        if ((rc = discover(&w, roots[i], 0)) < 0)
            goto out;
    while (w.qhead < w.qn) {
        const hp_obj *o = w.queue[w.qhead].o;
        uint32_t depth = w.queue[w.qhead].depth;
        w.qhead++;
        rc = expand(&w, ops, o, depth, max_depth, direction);
        if (rc != 0)
            break;
    }
    if (rc > 0)
        rc = 0; /* stopped by a callback */
out:
    walker_free(&w);
    if (rc < 0)
        hp__error(h, rc, "out of memory during a graph walk");
    return rc;
}
