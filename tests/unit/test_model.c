/*
 * test_model.c: the model-based test (DESIGN.md section 6).  A seeded,
 * deterministic run of MODEL_OPS random operations on one heap (then
 * shorter runs on a 3.11 and a 3.13 heap), each mirrored on a simple
 * reference model kept here: a graph of model nodes (one per object the
 * test made: ints, strs, lists, tuples, dicts, instances of a plain class
 * C, of D with __del__ and of L with a legacy finalizer, weakrefs with and
 * without callbacks, the classes) with their outgoing references, and the
 * roots (globals, frames' locals and value stacks, gc.garbage, calls
 * under way).
 *
 * The model predicts, for every operation:
 *  - reference counts: each node's count is its incoming references;
 *  - reference counting's frees, in CPython's order (docs/handoff.md
 *    #cascade): which objects die and in which order (the engine's
 *    HP_EV_FREED events must come in that order), which __del__ and
 *    weakref callbacks become due and in which order (each call the engine
 *    makes must be the one the model expects);
 *  - each collection (explicit or automatic, any generation, nested in a
 *    __del__ body or not): from the generations the engine reports and the
 *    model's counts, the unreachable set; what legacy finalizers make
 *    uncollectable; the finalizers and callbacks it must run (in any
 *    order); what the finalizers resurrect (their bodies may append self to
 *    the global list `saved`); what it frees, directly or by reference
 *    counting afterwards, or saves in gc.garbage (DEBUG_SAVEALL); the
 *    numbers it reports;
 *  - what gc.get_objects, get_referents and get_referrers list.
 * The bodies of __del__ and callbacks run operations of their own (nested
 * calls, collections, even random operations), as caller code may.
 *
 * After every operation the engine must agree: live objects by type,
 * counts of the objects touched, ids of freed objects (hp_find must refuse
 * them unless a new object has the id since); after every collection and
 * every CHECK_EVERY operations, everything, hp_check included (it verifies
 * each refcount against the references that exist).  Everything reachable
 * is alive, always; after a full collection with nothing frozen the live
 * objects are exactly those reachable from the roots (or from what the
 * collection left uncollectable).
 *
 * On failure the seed, the operation number and the last operations are
 * printed; HEAPD_MODEL_SEED and HEAPD_MODEL_OPS override the defaults to
 * explore other runs (the test itself always runs the constants), and
 * HEAPD_MODEL_TRACE prints every operation.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hptest.h"

#define MODEL_OPS       1000000 /* random operations on the 3.12 heap (>= 1e6) */
#define MODEL_OPS_OTHER 150000  /* ... and on a 3.11 and a 3.13 heap */
#define MODEL_SEED      0x6865617064ULL
#define CHECK_EVERY     10000

#define NG         24 /* global names g0..g23 */
#define NATTR      4  /* instance attributes a0..a3 */
#define NLOC       4  /* locals per frame */
#define NFRAME     4  /* frames, module frame included */
#define NVAL       16 /* distinct int values and str contents, so keys collide */
#define MAXLEN     16 /* lists and dicts grow no further */
#define SOFT_STACK 6

#define NONMODEL (-1) /* a reference to an object the model does not track */
#define UNSET    (-2) /* an unset attribute or unbound local */

/* ---- the model's nodes --------------------------------------------------- */

enum { M_INT, M_STR, M_LIST, M_TUPLE, M_DICT, M_INST, M_WREF, M_CLASS, M__N };
static const hp_type m_hptype[M__N] = {HP_T_INT,     HP_T_STR,  HP_T_LIST,
                                       HP_T_TUPLE,   HP_T_DICT, HP_T_INSTANCE,
                                       HP_T_WEAKREF, HP_T_CLASS};
static const char *const m_name[M__N] = {
    "int", "str", "list", "tuple", "dict", "instance", "weakref", "class"};

enum { S_FREE, S_ALIVE, S_DYING };
/* dealloc phases, docs/handoff.md#cascade */
enum { PH_START, PH_WEAKREFS, PH_CALLBACKS, PH_CHILDREN };

typedef struct vec {
    int *a;
    uint32_t n, cap;
} vec;

typedef struct mnode {
    uint8_t type, state, phase;
    uint8_t finalized; /* instance: __del__ has run */
    uint8_t has_del;   /* instance of the class with __del__ */
    uint8_t has_cb;    /* weakref: holds a callback not yet called */
    /* collection scratch */
    uint8_t in_y, in_u, mark, fin_expected, fin_called, cb_expected, cb_called;
    uint8_t cb_missing, in_legacy;
    uint8_t legacy; /* instance of the class with a legacy finalizer */
    uint8_t uncoll; /* left uncollectable by the last full collection */
    int cls;        /* instance: its class */
    int referent;   /* weakref: its referent, or -1 */
    int basic;      /* instance: its weakref without callback, or -1 */
    int prev_dying;
    uint32_t cursor, cbpos;
    int64_t rc;   /* references the model knows of */
    int64_t gcr;  /* collection scratch */
    int64_t need; /* introspection scratch */
    int val;      /* int value / str content index */
    uint64_t id;
    hp_obj *obj;
    /* list/tuple items; dict key, value pairs in insertion order; instance
     * attribute slots a0..a3 (UNSET if unset) */
    vec items;
    vec cbrefs; /* instance: weakrefs with callbacks, newest first */
    vec pairs;  /* dying: weakrefs whose callbacks are pending */
    int live_ix;
    uint64_t stamp;
} mnode;

typedef struct mframe {
    int locals[NLOC];
    vec stack;
} mframe;

/* docs/handoff.md#work: the model keeps its cascades exactly as the engine
 * does (collections are not simulated step by step, see gc_begin). */
typedef struct mrec {
    int top;
} mrec;

typedef struct mlevel {
    uint32_t work_base;
    int kind, arg, counted;
} mlevel;

enum { DUE_NONE = 0, DUE_GC_START = 100 };

typedef struct stats {
    uint64_t collections[3], auto_collections, nested_collections;
    uint64_t exact_checks, full_checks, fin_refcount, fin_gc, fin_tail;
    uint64_t cb_refcount, cb_gc, cb_tail, resurrections, collected, freed;
    uint64_t uncollectable, saveall_collections;
    uint64_t errors, max_live, max_levels, freezes;
} stats;

static struct model {
    hp_heap *h;
    uint64_t seed, rng, op, nops;
    mnode *n;
    int nn, cap;
    vec freelist;
    vec live;
    int count[M__N];
    uint64_t base[M__N]; /* objects of each type the model does not track */
    int glob[NG];
    int cls_c, cls_d, cls_l, saved, garbage;
    int saveall; /* gc.set_debug(gc.DEBUG_SAVEALL) */
    mframe frames[NFRAME];
    int nframes;
    mrec work[1024];
    uint32_t nwork;
    mlevel levels[300];
    uint32_t nlevels;
    int running;
    struct {
        int kind, obj, gen;
    } due;
    /* the collection under way */
    int gc_mode, gc_gen, gc_explicit;
    uint32_t gc_level;
    vec gc_u, gc_legacy;
    int had_collection, full_collection;
    int full_unfrozen; /* nothing was frozen when that collection began */
    /* id -> node, for the calls' arguments */
    uint64_t *map_k;
    int *map_v;
    uint64_t map_cap, map_n;
    /* ids freed and not reused since */
    uint64_t *grave;
    uint64_t grave_cap, grave_n;
    uint64_t *freed_ids;
    uint32_t nfreed, capfreed;
    vec touched;
    /* the engine's HP_EV_FREED events not yet matched with the model's
     * frees: in order outside collections, as a set inside one */
    uint64_t *evq;
    uint32_t evq_n, evq_head, evq_cap;
    /* inside a call body: the frames and stack items below these belong
     * to the interrupted code and are left alone */
    int min_frames, floor_frame;
    uint32_t floor_depth;
    int ending; /* the final clean-up: bodies only resurrect */
    char ring[64][120];
    unsigned ringpos;
    int trace;
    stats st;
} M;

/* ---- failing with the seed ----------------------------------------------- */

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
    va_list ap;
    char *s = M.ring[M.ringpos++ % 64];
    int k = snprintf(s, 120, "%llu: ", (unsigned long long)M.op);
    va_start(ap, fmt);
    vsnprintf(s + k, (size_t)(120 - k), fmt, ap);
    va_end(ap);
    if (M.trace)
        fprintf(stderr, "%s\n", s);
}

static void mfail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void mfail(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(
        stderr,
        "model test failed (%s): seed %llu (0x%llx), operation %llu of %llu: "
        "%s\nlast operations:\n",
        hp_heap_profile(M.h), (unsigned long long)M.seed,
        (unsigned long long)M.seed, (unsigned long long)M.op,
        (unsigned long long)M.nops, msg);
    for (unsigned i = 0; i < 64; i++) {
        const char *s = M.ring[(M.ringpos + i) % 64];
        if (*s)
            fprintf(stderr, "  %s\n", s);
    }
    ck_abort_msg("%s heap, seed %llu, operation %llu: %s", hp_heap_profile(M.h),
                 (unsigned long long)M.seed, (unsigned long long)M.op, msg);
}

#define MCHECK(cond, ...)                                                      \
    do {                                                                       \
        if (!(cond))                                                           \
            mfail(__VA_ARGS__);                                                \
    } while (0)

#define E_OK(expr)                                                             \
    do {                                                                       \
        int e_rc_ = (expr);                                                    \
        if (e_rc_ != 0)                                                        \
            mfail("%s failed (%d): %s", #expr, e_rc_, hp_errmsg(M.h));         \
    } while (0)

/* ---- small things -------------------------------------------------------- */

static uint64_t rnd64(void)
{
    uint64_t z = (M.rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static int rnd(int n)
{
    return (int)(rnd64() % (uint64_t)n);
}

static void vpush(vec *v, int x)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 4;
        v->a = realloc(v->a, v->cap * sizeof *v->a);
        ck_assert_ptr_nonnull(v->a);
    }
    v->a[v->n++] = x;
}

static void vremove_at(vec *v, uint32_t i)
{
    memmove(&v->a[i], &v->a[i + 1], (v->n - i - 1) * sizeof *v->a);
    v->n--;
}

static void vfree(vec *v)
{
    free(v->a);
    memset(v, 0, sizeof *v);
}

static const char *gname(int g)
{
    static char names[NG][8];
    if (!names[g][0])
        snprintf(names[g], sizeof names[g], "g%d", g);
    return names[g];
}

static const char *aname(int a)
{
    static const char *const names[NATTR] = {"a0", "a1", "a2", "a3"};
    return names[a];
}

static void content(int t, int val, char *buf, size_t cap)
{
    if (t == M_STR)
        snprintf(buf, cap, "s%02d", val);
    else
        snprintf(buf, cap, "%d", 1000 + val);
}

/* ---- id -> node map and the graveyard ------------------------------------ */

static uint64_t hash_id(uint64_t id)
{
    return (id >> 4) * 0x9e3779b97f4a7c15ULL;
}

static void map_grow(void)
{
    uint64_t oldcap = M.map_cap, *ok = M.map_k;
    int *ov = M.map_v;
    M.map_cap = oldcap ? 2 * oldcap : 4096;
    M.map_k = calloc(M.map_cap, sizeof *M.map_k);
    M.map_v = calloc(M.map_cap, sizeof *M.map_v);
    ck_assert(M.map_k && M.map_v);
    M.map_n = 0;
    for (uint64_t i = 0; i < oldcap; i++) {
        if (!ok[i])
            continue;
        uint64_t j = hash_id(ok[i]) & (M.map_cap - 1);
        while (M.map_k[j])
            j = (j + 1) & (M.map_cap - 1);
        M.map_k[j] = ok[i];
        M.map_v[j] = ov[i];
        M.map_n++;
    }
    free(ok);
    free(ov);
}

static uint64_t map_slot(uint64_t id)
{
    uint64_t j = hash_id(id) & (M.map_cap - 1);
    while (M.map_k[j] && M.map_k[j] != id)
        j = (j + 1) & (M.map_cap - 1);
    return j;
}

static int map_get(uint64_t id)
{
    uint64_t j = map_slot(id);
    return M.map_k[j] ? M.map_v[j] : -1;
}

static void map_put(uint64_t id, int x)
{
    if ((M.map_n + 1) * 2 > M.map_cap)
        map_grow();
    uint64_t j = map_slot(id);
    MCHECK(!M.map_k[j], "id %#llx given to #%d is still #%d's",
           (unsigned long long)id, x, M.map_v[j]);
    M.map_k[j] = id;
    M.map_v[j] = x;
    M.map_n++;
}

/* Linear probing deletion without tombstones (Knuth's Algorithm R). */
static void set_del(uint64_t *keys, int *vals, uint64_t cap, uint64_t j)
{
    uint64_t mask = cap - 1;
    keys[j] = 0;
    for (uint64_t i = (j + 1) & mask; keys[i]; i = (i + 1) & mask) {
        uint64_t home = hash_id(keys[i]) & mask;
        if ((i > j && (home <= j || home > i)) ||
            (i < j && home <= j && home > i)) {
            keys[j] = keys[i];
            if (vals)
                vals[j] = vals[i];
            keys[i] = 0;
            j = i;
        }
    }
}

static void map_del(uint64_t id)
{
    uint64_t j = map_slot(id);
    MCHECK(M.map_k[j] == id, "id %#llx not in the map", (unsigned long long)id);
    set_del(M.map_k, M.map_v, M.map_cap, j);
    M.map_n--;
}

static uint64_t grave_slot(uint64_t id)
{
    uint64_t j = hash_id(id) & (M.grave_cap - 1);
    while (M.grave[j] && M.grave[j] != id)
        j = (j + 1) & (M.grave_cap - 1);
    return j;
}

static int grave_has(uint64_t id)
{
    return M.grave[grave_slot(id)] == id;
}

static void grave_add(uint64_t id)
{
    if ((M.grave_n + 1) * 2 > M.grave_cap) {
        uint64_t oldcap = M.grave_cap, *old = M.grave;
        M.grave_cap = oldcap ? 2 * oldcap : 4096;
        M.grave = calloc(M.grave_cap, sizeof *M.grave);
        ck_assert_ptr_nonnull(M.grave);
        M.grave_n = 0;
        for (uint64_t i = 0; i < oldcap; i++)
            if (old[i]) {
                M.grave[grave_slot(old[i])] = old[i];
                M.grave_n++;
            }
        free(old);
    }
    uint64_t j = grave_slot(id);
    if (!M.grave[j]) {
        M.grave[j] = id;
        M.grave_n++;
    }
}

static void grave_del(uint64_t id)
{
    if (!M.grave_cap)
        return;
    uint64_t j = grave_slot(id);
    if (M.grave[j] == id) {
        set_del(M.grave, NULL, M.grave_cap, j);
        M.grave_n--;
    }
}

/* ---- nodes --------------------------------------------------------------- */

static void touch(int x)
{
    if (x >= 0 && M.n[x].stamp != M.op + 1) {
        M.n[x].stamp = M.op + 1;
        vpush(&M.touched, x);
    }
}

static int m_new(int type, int val, hp_obj *obj)
{
    MCHECK(obj != NULL, "no new %s on the stack", m_name[type]);
    MCHECK(hp_typeof(obj) == m_hptype[type], "new %s is a %s", m_name[type],
           hp_type_name(obj));
    int x;
    if (M.freelist.n) {
        x = M.freelist.a[--M.freelist.n];
    } else {
        if (M.nn == M.cap) {
            M.cap = M.cap ? 2 * M.cap : 1024;
            M.n = realloc(M.n, (size_t)M.cap * sizeof *M.n);
            ck_assert_ptr_nonnull(M.n);
        }
        x = M.nn++;
    }
    mnode *n = &M.n[x];
    memset(n, 0, sizeof *n);
    n->type = (uint8_t)type;
    n->state = S_ALIVE;
    n->val = val;
    n->rc = 1;
    n->cls = n->referent = n->basic = n->prev_dying = -1;
    n->obj = obj;
    n->id = hp_id(M.h, obj);
    map_put(n->id, x);
    grave_del(n->id);
    n->live_ix = (int)M.live.n;
    vpush(&M.live, x);
    M.count[type]++;
    if (M.live.n > M.st.max_live)
        M.st.max_live = M.live.n;
    touch(x);
    return x;
}

static void on_event(void *ctx, const hp_event *e)
{
    (void)ctx;
    if (e->kind != HP_EV_FREED)
        return;
    if (M.evq_n == M.evq_cap) {
        M.evq_cap = M.evq_cap ? 2 * M.evq_cap : 1024;
        M.evq = realloc(M.evq, M.evq_cap * sizeof *M.evq);
        ck_assert_ptr_nonnull(M.evq);
    }
    M.evq[M.evq_n++] = e->id;
}

/* The engine reported freeing node x: outside a collection it is the next
 * model object it freed (non-model ones, like a collection's info dict,
 * are skipped); inside one, any it freed. */
static void match_free_event(int x)
{
    uint64_t id = M.n[x].id;
    if (!M.gc_mode) {
        while (M.evq_head < M.evq_n) {
            uint64_t e = M.evq[M.evq_head++];
            int y = map_get(e);
            if (y < 0)
                continue;
            MCHECK(y == x,
                   "the engine freed #%d (%s) where the model frees #%d (%s)",
                   y, m_name[M.n[y].type], x, m_name[M.n[x].type]);
            return;
        }
    } else {
        for (uint32_t i = M.evq_head; i < M.evq_n; i++) {
            if (M.evq[i] == id) {
                M.evq[i] = 0;
                return;
            }
        }
    }
    mfail(
        "the model frees #%d (%s, id %#llx), the engine reported no such free",
        x, m_name[M.n[x].type], (unsigned long long)id);
}

/* Every free the engine reported of a model object was the model's. */
static void events_settled(void)
{
    if (M.gc_mode)
        return;
    for (uint32_t i = M.evq_head; i < M.evq_n; i++) {
        int y = M.evq[i] ? map_get(M.evq[i]) : -1;
        MCHECK(y < 0, "the engine freed #%d (%s), which the model keeps", y,
               m_name[M.n[y].type]);
    }
    M.evq_n = M.evq_head = 0;
}

static void m_free(int x)
{
    mnode *n = &M.n[x];
    MCHECK(n->state != S_FREE, "#%d freed twice", x);
    if (M.evq)
        match_free_event(x);
    /* weakrefs still pointing here lose their referent */
    if (n->type == M_INST) {
        if (n->basic >= 0)
            M.n[n->basic].referent = -1;
        for (uint32_t i = 0; i < n->cbrefs.n; i++)
            M.n[n->cbrefs.a[i]].referent = -1;
    }
    int last = M.live.a[--M.live.n];
    M.live.a[n->live_ix] = last;
    M.n[last].live_ix = n->live_ix;
    map_del(n->id);
    grave_add(n->id);
    if (M.nfreed == M.capfreed) {
        M.capfreed = M.capfreed ? 2 * M.capfreed : 256;
        M.freed_ids = realloc(M.freed_ids, M.capfreed * sizeof *M.freed_ids);
        ck_assert_ptr_nonnull(M.freed_ids);
    }
    M.freed_ids[M.nfreed++] = n->id;
    M.count[n->type]--;
    M.st.freed++;
    vfree(&n->items);
    vfree(&n->cbrefs);
    vfree(&n->pairs);
    n->state = S_FREE;
    n->obj = NULL;
    vpush(&M.freelist, x);
}

/* Calls fn(target) for each strong reference node x holds. */
#define FOR_EDGES(x, t, body)                                                  \
    do {                                                                       \
        mnode *fe_ = &M.n[x];                                                  \
        for (uint32_t fi_ = 0; fi_ < fe_->items.n; fi_++) {                    \
            int t = fe_->items.a[fi_];                                         \
            if (t >= 0) {                                                      \
                body;                                                          \
            }                                                                  \
        }                                                                      \
        if (fe_->type == M_INST && fe_->cls >= 0) {                            \
            int t = fe_->cls;                                                  \
            body;                                                              \
        }                                                                      \
    } while (0)

/* Keys are ints and strs (equal by value) and instances (by identity). */
static int key_eq(int a, int b)
{
    if (M.n[a].type != M.n[b].type)
        return 0;
    return M.n[a].type == M_INST ? a == b : M.n[a].val == M.n[b].val;
}

/* Index of the pair whose key equals k in dict d, or -1. */
static int dict_find(int d, int k)
{
    vec *it = &M.n[d].items;
    for (uint32_t i = 0; i < it->n; i += 2)
        if (key_eq(it->a[i], k))
            return (int)i;
    return -1;
}

static void wref_unlink(int w)
{
    mnode *n = &M.n[w];
    int r = n->referent;
    if (r < 0)
        return;
    mnode *rn = &M.n[r];
    if (rn->basic == w) {
        rn->basic = -1;
    } else {
        uint32_t i = 0;
        while (i < rn->cbrefs.n && rn->cbrefs.a[i] != w)
            i++;
        MCHECK(i < rn->cbrefs.n, "weakref #%d not in #%d's list", w, r);
        vremove_at(&rn->cbrefs, i);
    }
    n->referent = -1;
}

/* ---- reference counting, the engine's way (docs/handoff.md) -------------- */

static void m_run_work(void);

static void set_due(int kind, int x)
{
    MCHECK(M.due.kind == DUE_NONE, "model: two calls due");
    M.due.kind = kind;
    M.due.obj = x;
}

static void m_incref(int x)
{
    if (x >= 0) {
        M.n[x].rc++;
        touch(x);
    }
}

static mrec *open_cascade(void)
{
    uint32_t base = M.levels[M.nlevels - 1].work_base;
    if (M.nwork > base)
        return &M.work[M.nwork - 1];
    ck_assert_uint_lt(M.nwork, 1024);
    M.work[M.nwork].top = -1;
    return &M.work[M.nwork++];
}

static void m_dealloc(int x)
{
    mnode *n = &M.n[x];
    MCHECK(!M.gc_mode,
           "model: #%d (%s) freed by reference counting during a "
           "collection",
           x, m_name[n->type]);
    MCHECK(n->type != M_CLASS, "model: a class died");
    if (n->type == M_INT || n->type == M_STR) {
        m_free(x);
        return;
    }
    n->state = S_DYING;
    n->phase = PH_START;
    n->cursor = 0;
    if (n->type == M_WREF)
        wref_unlink(x);
    mrec *r = open_cascade();
    n->prev_dying = r->top;
    r->top = x;
    if (!M.running)
        m_run_work();
}

static void m_decref(int x)
{
    if (x < 0)
        return;
    mnode *n = &M.n[x];
    MCHECK(n->state == S_ALIVE && n->rc > 0,
           "model: decref of #%d (state %d, rc %lld)", x, n->state,
           (long long)n->rc);
    n->rc--;
    touch(x);
    if (n->rc == 0)
        m_dealloc(x);
}

/* PyObject_ClearWeakRefs: basic ref first, then newest first; those with a
 * callback keep one reference each until their call. */
static void clear_weakrefs_for_dealloc(int x)
{
    mnode *n = &M.n[x];
    if (n->type != M_INST)
        return;
    vec order = {0};
    if (n->basic >= 0)
        vpush(&order, n->basic);
    for (uint32_t i = 0; i < n->cbrefs.n; i++)
        vpush(&order, n->cbrefs.a[i]);
    n->basic = -1;
    n->cbrefs.n = 0;
    for (uint32_t i = 0; i < order.n; i++) {
        mnode *w = &M.n[order.a[i]];
        w->referent = -1;
        if (w->has_cb) {
            w->has_cb = 0;
            vpush(&n->pairs, order.a[i]);
            m_incref(order.a[i]);
        }
    }
    vfree(&order);
}

/* The next reference x releases when freed (take_child's order): 0 when
 * none is left; *c is NONMODEL for one the model does not track. */
static int take_child(int x, int *c)
{
    mnode *n = &M.n[x];
    switch (n->type) {
    case M_LIST:
    case M_TUPLE:
        if (n->cursor >= n->items.n)
            return 0;
        {
            uint32_t i = n->items.n - 1 - n->cursor++;
            *c = n->items.a[i];
            n->items.a[i] = NONMODEL;
        }
        return 1;
    case M_DICT:
        if (n->cursor >= n->items.n)
            return 0;
        *c = n->items.a[n->cursor];
        n->items.a[n->cursor++] = NONMODEL;
        return 1;
    case M_INST:
        if (n->cursor < NATTR) {
            *c = n->items.a[n->cursor];
            n->items.a[n->cursor++] = UNSET;
            if (*c == UNSET)
                *c = NONMODEL;
            return 1;
        }
        if (n->cursor == NATTR) {
            n->cursor++;
            *c = n->cls;
            n->cls = -1;
            return 1;
        }
        return 0;
    case M_WREF:
        if (n->cursor == 0) { /* its callback */
            n->cursor++;
            *c = NONMODEL;
            return 1;
        }
        return 0;
    default:
        mfail("model: take_child of a %s", m_name[n->type]);
        return 0;
    }
}

/* One cascade record, as hp__cascade_step: 1 when finished, 0 when a call
 * became due. */
static int m_cascade_step(mrec *r)
{
    while (r->top >= 0) {
        int x = r->top;
        mnode *n = &M.n[x];
        switch (n->phase) {
        case PH_START:
            if (n->type == M_INST && n->has_del && !n->finalized) {
                r->top = n->prev_dying;
                n->finalized = 1;
                n->state = S_ALIVE;
                n->rc = 1; /* the call's */
                touch(x);
                set_due(HP_CALL_FINALIZER, x);
                return 0;
            }
            n->phase = PH_WEAKREFS;
            /* fallthrough */
        case PH_WEAKREFS:
            clear_weakrefs_for_dealloc(x);
            n->phase = PH_CALLBACKS;
            n->cbpos = 0;
            /* fallthrough */
        case PH_CALLBACKS:
            if (n->cbpos < n->pairs.n) {
                set_due(HP_CALL_WEAKREF, n->pairs.a[n->cbpos++]);
                return 0;
            }
            vfree(&n->pairs);
            n->phase = PH_CHILDREN;
            n->cursor = 0;
            /* fallthrough */
        case PH_CHILDREN: {
            int c;
            if (take_child(x, &c)) {
                if (c >= 0) {
                    m_decref(c);
                    if (M.due.kind)
                        return 0;
                }
                continue;
            }
            r->top = n->prev_dying;
            m_free(x);
            break;
        }
        }
    }
    return 1;
}

static void m_run_work(void)
{
    int was = M.running;
    M.running = 1;
    uint32_t base = M.levels[M.nlevels - 1].work_base;
    while (M.nwork > base && !M.due.kind) {
        if (m_cascade_step(&M.work[M.nwork - 1]))
            M.nwork--;
    }
    M.running = was;
}

/* ---- the value stack ----------------------------------------------------- */

static mframe *cur_frame(void)
{
    return &M.frames[M.nframes - 1];
}

/* Moves a reference onto the stack. */
static void spush(int x)
{
    vpush(&cur_frame()->stack, x);
}

/* Takes the reference on top of the stack. */
static int spop(void)
{
    mframe *f = cur_frame();
    MCHECK(f->stack.n > 0, "model: pop of an empty stack");
    return f->stack.a[--f->stack.n];
}

static int speek(uint32_t i)
{
    mframe *f = cur_frame();
    MCHECK(i < f->stack.n, "model: peek below the stack");
    return f->stack.a[f->stack.n - 1 - i];
}

static void sdrop(void)
{
    m_decref(spop());
}

/* ---- collections --------------------------------------------------------- */

static int64_t info_get(hp_obj *d, const char *key)
{
    uint64_t pos = 0;
    hp_obj *k, *v;
    int64_t out = -1;
    while (hp_iter_items(d, &pos, &k, &v))
        if (strcmp(hp_str_utf8(k, NULL), key) == 0)
            hp_int_value(v, &out);
    return out;
}

/* Marks (mark = 1) everything reachable from the roots: globals, frames,
 * the arguments of calls under way except skip, weakrefs held for pending
 * callbacks, and dying objects (what they still hold is held). */
static void mark_from_roots(int skip)
{
    vec q = {0};
    for (uint32_t i = 0; i < M.live.n; i++)
        M.n[M.live.a[i]].mark = 0;
#define ROOT(x)                                                                \
    do {                                                                       \
        int r_ = (x);                                                          \
        if (r_ >= 0 && r_ != skip && !M.n[r_].mark) {                          \
            M.n[r_].mark = 1;                                                  \
            vpush(&q, r_);                                                     \
        }                                                                      \
    } while (0)
    for (int g = 0; g < NG; g++)
        ROOT(M.glob[g]);
    ROOT(M.cls_c);
    ROOT(M.cls_d);
    ROOT(M.cls_l);
    ROOT(M.saved);
    ROOT(M.garbage);
    for (int f = 0; f < M.nframes; f++) {
        for (int l = 0; l < NLOC; l++)
            ROOT(M.frames[f].locals[l]);
        for (uint32_t i = 0; i < M.frames[f].stack.n; i++)
            ROOT(M.frames[f].stack.a[i]);
    }
    for (uint32_t l = 1; l < M.nlevels; l++)
        ROOT(M.levels[l].arg);
    for (uint32_t i = 0; i < M.live.n; i++) {
        mnode *n = &M.n[M.live.a[i]];
        if (n->state == S_DYING) {
            ROOT(M.live.a[i]);
            for (uint32_t k = 0; k < n->pairs.n; k++)
                ROOT(n->pairs.a[k]);
        }
    }
    for (uint32_t qi = 0; qi < q.n; qi++)
        FOR_EDGES(q.a[qi], t, ROOT(t));
#undef ROOT
    vfree(&q);
}

/* Every live node: the engine has it under its id, with the model's count;
 * a dying one is already refused by hp_find. */
static void check_all_nodes(const char *when)
{
    for (uint32_t i = 0; i < M.live.n; i++) {
        int x = M.live.a[i];
        mnode *n = &M.n[x];
        hp_obj *o = hp_find(M.h, n->id);
        if (n->state == S_DYING) {
            MCHECK(o == NULL, "%s: dying #%d (%s) still found", when, x,
                   m_name[n->type]);
            continue;
        }
        MCHECK(o == n->obj, "%s: #%d (%s, id %#llx) is not live in the engine",
               when, x, m_name[n->type], (unsigned long long)n->id);
        MCHECK((int64_t)hp_refcount(M.h, o) == n->rc,
               "%s: #%d (%s, id %#llx) refcount %llu, the model counts %lld",
               when, x, m_name[n->type], (unsigned long long)n->id,
               (unsigned long long)hp_refcount(M.h, o), (long long)n->rc);
    }
}

/* gc.callbacks "start": the collection has done nothing yet.  From the
 * generations the engine reports and the model's counts, the unreachable
 * set U is deduced as gc.c does (gc_refs = count minus references from
 * the collected set).  Instances with a legacy finalizer and all they
 * reach in U are uncollectable (the legacy set); the weakrefs to the rest
 * of U are cleared now (the engine does it before any caller code runs);
 * the finalizers of the rest and the callbacks of weakrefs outside it are
 * expected.  A weakref in the legacy set with such a callback leaves the
 * legacy set (CPython's handle_weakrefs moves it to the callbacks list). */
static void gc_begin(int gen)
{
    MCHECK(M.nwork == M.levels[M.nlevels - 1].work_base,
           "a collection started while the model has work pending");
    check_all_nodes("collection start");
    vec *U = &M.gc_u, *L = &M.gc_legacy;
    U->n = L->n = 0;
    vec y = {0};
    for (uint32_t i = 0; i < M.live.n; i++) {
        int x = M.live.a[i];
        mnode *n = &M.n[x];
        n->in_y = n->in_u = n->in_legacy = n->fin_expected = n->fin_called = 0;
        n->cb_expected = n->cb_called = n->cb_missing = 0;
        if (gen == 2)
            n->uncoll = 0;
        if (n->state != S_ALIVE)
            continue;
        int g = hp_gc_generation(n->obj);
        if (g >= 0 && g <= gen) {
            n->in_y = 1;
            n->gcr = n->rc;
            vpush(&y, x);
        }
    }
    for (uint32_t i = 0; i < y.n; i++)
        FOR_EDGES(y.a[i], t, if (M.n[t].in_y) M.n[t].gcr--);
    /* reachable: gcr > 0, and what they reach within y */
    vec q = {0};
    for (uint32_t i = 0; i < y.n; i++) {
        mnode *n = &M.n[y.a[i]];
        MCHECK(n->gcr >= 0, "model: negative gc_refs for #%d", y.a[i]);
        n->mark = n->gcr > 0;
        if (n->mark)
            vpush(&q, y.a[i]);
    }
    for (uint32_t qi = 0; qi < q.n; qi++)
        FOR_EDGES(
            q.a[qi], t, if (M.n[t].in_y && !M.n[t].mark) {
                M.n[t].mark = 1;
                vpush(&q, t);
            });
    for (uint32_t i = 0; i < y.n; i++) {
        mnode *n = &M.n[y.a[i]];
        if (!n->mark) {
            n->in_u = 1;
            if (n->legacy) {
                n->in_legacy = 1;
                vpush(L, y.a[i]);
            }
        }
    }
    /* move_legacy_finalizers: what legacy instances reach in U */
    for (uint32_t qi = 0; qi < L->n; qi++)
        FOR_EDGES(
            L->a[qi], t, if (M.n[t].in_u && !M.n[t].in_legacy) {
                M.n[t].in_legacy = 1;
                vpush(L, t);
            });
    for (uint32_t i = 0; i < y.n; i++) {
        mnode *n = &M.n[y.a[i]];
        if (n->in_legacy)
            n->in_u = 0;
        else if (n->in_u)
            vpush(U, y.a[i]);
    }
    vfree(&q);
    vfree(&y);
    /* handle_weakrefs, over what is left of U */
    for (uint32_t i = 0; i < U->n; i++) {
        int x = U->a[i];
        mnode *n = &M.n[x];
        if (n->type == M_WREF)
            wref_unlink(x);
        if (n->type != M_INST)
            continue;
        vec ws = {0};
        if (n->basic >= 0)
            vpush(&ws, n->basic);
        for (uint32_t k = 0; k < n->cbrefs.n; k++)
            vpush(&ws, n->cbrefs.a[k]);
        for (uint32_t k = 0; k < ws.n; k++) {
            mnode *w = &M.n[ws.a[k]];
            w->referent = -1;
            if (w->has_cb && !w->in_u) {
                w->cb_expected = 1;
                w->in_legacy = 0;
            }
        }
        n->basic = -1;
        n->cbrefs.n = 0;
        vfree(&ws);
        if (n->has_del && !n->finalized)
            n->fin_expected = 1;
    }
    M.gc_mode = 1;
    M.gc_gen = gen;
    M.gc_level = M.nlevels - 1;
    if (gen == 2 && M.gc_explicit && M.gc_level == 0)
        M.full_unfrozen = hp_gc_get_freeze_count(M.h) == 0;
    note("collection of generation %d starts: %u unreachable, %u uncollectable",
         gen, U->n, L->n);
}

/* A finalizer or weakref callback during a collection, for x: either one
 * the collection owes (U), or one run by reference counting while the
 * collection deletes U (x is then garbage: unreachable from the roots). */
static int garbage_now(int x)
{
    mark_from_roots(-1);
    return !M.n[x].mark;
}

static void gc_finalizer(int x)
{
    mnode *n = &M.n[x];
    MCHECK(n->state == S_ALIVE && n->type == M_INST && n->has_del,
           "collection: finalizer for #%d (%s, state %d)", x, m_name[n->type],
           n->state);
    MCHECK(!n->finalized && !n->fin_called,
           "collection: second finalizer call for #%d", x);
    if (n->fin_expected) {
        M.st.fin_gc++;
    } else {
        MCHECK(!n->in_u && garbage_now(x),
               "collection: finalizer for #%d, which is reachable", x);
        M.st.fin_tail++;
        n->in_legacy = 0; /* freed out of the legacy set, if it was in it */
    }
    n->finalized = 1;
    n->fin_called = 1;
}

static void gc_callback(int w)
{
    mnode *n = &M.n[w];
    MCHECK(n->state == S_ALIVE && n->type == M_WREF,
           "collection: weakref callback with #%d (%s)", w, m_name[n->type]);
    MCHECK(!n->cb_called, "collection: second callback for weakref #%d", w);
    if (n->cb_expected) {
        M.st.cb_gc++;
    } else {
        int r = n->referent;
        MCHECK(r >= 0 && n->has_cb,
               "collection: callback for weakref #%d, which has "
               "no referent or no callback",
               w);
        MCHECK(!M.n[r].in_u && garbage_now(r),
               "collection: callback for weakref #%d while #%d is reachable", w,
               r);
        wref_unlink(w);
        M.st.cb_tail++;
    }
    n->has_cb = 0;
    n->cb_called = 1;
}

/* Frees a node that the collection (or reference counting during it)
 * freed: weakrefs lose it, what it held loses a reference. */
static void gc_kill(int x, vec *zero)
{
    mnode *n = &M.n[x];
    if (n->type == M_INST) {
        vec ws = {0};
        if (n->basic >= 0)
            vpush(&ws, n->basic);
        for (uint32_t k = 0; k < n->cbrefs.n; k++)
            vpush(&ws, n->cbrefs.a[k]);
        for (uint32_t k = 0; k < ws.n; k++) {
            mnode *w = &M.n[ws.a[k]];
            w->referent = -1;
            if (w->has_cb)
                w->cb_missing = 1;
        }
        n->basic = -1;
        n->cbrefs.n = 0;
        vfree(&ws);
    }
    if (n->type == M_WREF)
        wref_unlink(x);
    FOR_EDGES(x, t, {
        mnode *tn = &M.n[t];
        if (tn->state == S_FREE) /* freed before it in this collection */
            continue;
        tn->rc--;
        touch(t);
        MCHECK(tn->rc >= 0, "model: negative count for #%d", t);
        if (tn->rc == 0 && tn->state == S_ALIVE && !tn->in_u)
            vpush(zero, t);
    });
    n->items.n = 0;
    n->cls = -1;
    m_free(x);
}

/* The collection appended to gc.garbage, in an order of its own: the new
 * items must be exactly `expect` (as a multiset); the model takes them in
 * the engine's order. */
static void gc_garbage_grew(vec *expect)
{
    hp_obj *g = hp_gc_garbage(M.h);
    mnode *gn = &M.n[M.garbage];
    uint32_t old = gn->items.n;
    MCHECK(hp_len(g) == (int64_t)(old + expect->n),
           "gc.garbage holds %lld, the model expects %u + %u",
           (long long)hp_len(g), old, expect->n);
    for (uint32_t i = 0; i < expect->n; i++)
        M.n[expect->a[i]].gcr = 0;
    for (uint32_t i = 0; i < expect->n; i++)
        M.n[expect->a[i]].gcr++;
    for (uint32_t i = old; i < old + expect->n; i++) {
        hp_obj *o = hp_seq_item(g, i);
        int x = o ? map_get(hp_id(M.h, o)) : -1;
        MCHECK(x >= 0 && M.n[x].gcr > 0, "gc.garbage[%u] (%s) was not expected",
               i, o ? hp_type_name(o) : "NULL");
        M.n[x].gcr--;
        vpush(&M.n[M.garbage].items, x);
        M.n[x].rc++;
        touch(x);
    }
}

/* gc.callbacks "stop": everything the collection does is done.  The model
 * now applies it: resurrected objects (reachable from outside U after the
 * finalizers) stay, the rest of U is freed (or saved in gc.garbage with
 * DEBUG_SAVEALL), then whatever only U held, by reference counting, the
 * legacy set included ("it may also cause some objects in finalizers to be
 * freed", says CPython); what is left of the legacy set is uncollectable.
 * The engine's numbers and gc.garbage must agree. */
static void gc_end(int64_t collected, int64_t uncollectable)
{
    vec *U = &M.gc_u;
    /* resurrection: references from outside U */
    for (uint32_t i = 0; i < U->n; i++)
        M.n[U->a[i]].gcr = M.n[U->a[i]].rc;
    for (uint32_t i = 0; i < U->n; i++)
        FOR_EDGES(U->a[i], t, if (M.n[t].in_u) M.n[t].gcr--);
    vec q = {0};
    for (uint32_t i = 0; i < U->n; i++) {
        mnode *n = &M.n[U->a[i]];
        n->mark = n->gcr > 0;
        if (n->mark)
            vpush(&q, U->a[i]);
    }
    for (uint32_t qi = 0; qi < q.n; qi++)
        FOR_EDGES(
            q.a[qi], t, if (M.n[t].in_u && !M.n[t].mark) {
                M.n[t].mark = 1;
                vpush(&q, t);
            });
    vfree(&q);
    int64_t final = 0, legacy = 0;
    vec doomed = {0}, appended = {0};
    for (uint32_t i = 0; i < U->n; i++) {
        mnode *n = &M.n[U->a[i]];
        MCHECK(!n->fin_expected || n->fin_called,
               "collection: no finalizer call for unreachable #%d", U->a[i]);
        if (!n->mark) {
            final++;
            vpush(M.saveall ? &appended : &doomed, U->a[i]);
        }
    }
    MCHECK(collected == final,
           "collection of generation %d: engine says %lld "
           "collected, the model %lld",
           M.gc_gen, (long long)collected, (long long) final);
    for (uint32_t i = 0; i < M.live.n; i++) {
        mnode *n = &M.n[M.live.a[i]];
        MCHECK(!n->cb_expected || n->cb_called,
               "collection: no callback for weakref #%d", M.live.a[i]);
    }
    /* free U's garbage, then what only it held */
    vec zero = {0};
    for (uint32_t i = 0; i < doomed.n; i++)
        gc_kill(doomed.a[i], &zero);
    while (zero.n) {
        int t = zero.a[--zero.n];
        mnode *tn = &M.n[t];
        if (tn->state != S_ALIVE || tn->rc != 0)
            continue;
        MCHECK(!(tn->type == M_INST && tn->has_del && !tn->finalized),
               "collection: #%d freed without its finalizer", t);
        MCHECK(tn->type != M_CLASS, "collection freed a class");
        gc_kill(t, &zero);
    }
    vfree(&zero);
    vfree(&doomed);
    /* what is left of the legacy set: uncollectable, and into gc.garbage
     * (all of it with DEBUG_SAVEALL, else its legacy instances) */
    for (uint32_t i = 0; i < M.gc_legacy.n; i++) {
        int x = M.gc_legacy.a[i];
        mnode *n = &M.n[x];
        if (n->state != S_ALIVE || !n->in_legacy)
            continue;
        legacy++;
        n->uncoll = 1;
        if (M.saveall || n->legacy)
            vpush(&appended, x);
    }
    MCHECK(uncollectable == legacy,
           "collection of generation %d: engine says %lld "
           "uncollectable, the model %lld",
           M.gc_gen, (long long)uncollectable, (long long)legacy);
    gc_garbage_grew(&appended);
    vfree(&appended);
    for (uint32_t i = 0; i < M.live.n; i++) {
        mnode *n = &M.n[M.live.a[i]];
        MCHECK(!n->cb_missing,
               "collection: weakref #%d lost its referent, its "
               "callback was not called",
               M.live.a[i]);
        n->in_u = n->in_y = n->in_legacy = 0;
    }
    M.st.collected += (uint64_t) final;
    M.st.uncollectable += (uint64_t)legacy;
    if (M.saveall)
        M.st.saveall_collections++;
    U->n = M.gc_legacy.n = 0;
    for (uint32_t i = M.evq_head; i < M.evq_n; i++) {
        int y = M.evq[i] ? map_get(M.evq[i]) : -1;
        MCHECK(y < 0, "the collection freed #%d (%s), which the model keeps", y,
               m_name[M.n[y].type]);
    }
    M.evq_n = M.evq_head = 0;
    note("collection of generation %d: %lld collected, %lld uncollectable",
         M.gc_gen, (long long) final, (long long)legacy);
}

/* ---- calls: the hand-off ------------------------------------------------- */

static void settle(void);
static void e_load_name(const char *name, int x);
static void e_push_obj(int x);
static void e_list_append(void);
static void e_deref(void);
static void e_pop(void);
static void e_collect(int gen);
static void op_unbind(void);
static void op_gc_config(void);
static int pick(int type);
static void run_random_ops(void);

static int mid_of(hp_obj *o)
{
    MCHECK(o != NULL, "a call without argument");
    int x = map_get(hp_id(M.h, o));
    MCHECK(x >= 0, "a call's argument (%s, id %#llx) is not a model object",
           hp_type_name(o), (unsigned long long)hp_id(M.h, o));
    return x;
}

/* Calls some weakref outside a collection: its referent may be dying in
 * a paused cascade (then it gives None). */
static void deref_any(void)
{
    int w = pick(M_WREF);
    if (w >= 0) {
        e_push_obj(w);
        e_deref();
        e_pop();
    }
}

/* What the caller's code does.  __del__: maybe saved.append(self); outside
 * a collection maybe also del of a global or a gc.collect(), which nest
 * further calls, or calling some weakref.  Callbacks: maybe check that
 * ref() is None. */
static void run_body(int kind, int x)
{
    if (M.gc_mode && rnd(100) < 5) { /* gc.collect() during a collection */
        int64_t r = -5;
        int rc = hp_gc_collect(M.h, rnd(3), &r);
        MCHECK(rc == 0 && r == 0 && !hp_call_due(M.h),
               "gc.collect() during a collection gave %d, %lld", rc,
               (long long)r);
    }
    if (M.gc_mode && !M.ending && rnd(100) < 5) /* freeze, thresholds... */
        op_gc_config();
    if (!M.gc_mode && rnd(100) < 20)
        deref_any();
    if (!M.gc_mode && !M.ending && M.nlevels < 6 && rnd(100) < 15)
        run_random_ops();
    if (kind == HP_CALL_FINALIZER) {
        if (rnd(100) < 35) {
            e_load_name("saved", M.saved);
            e_push_obj(x);
            e_list_append();
            M.st.resurrections++;
        }
        if (!M.gc_mode && rnd(100) < 10)
            op_unbind();
        if (!M.gc_mode && rnd(100) < 3) {
            M.st.nested_collections++;
            e_collect(rnd(3));
        }
    } else if (kind == HP_CALL_WEAKREF) {
        if (rnd(100) < 50) {
            e_push_obj(x);
            e_deref();
            MCHECK(hp_typeof(hp_peek(M.h, 0)) == HP_T_NONE,
                   "ref() is not None in its callback");
            e_pop();
        }
        if (!M.gc_mode && rnd(100) < 10)
            op_unbind();
    }
}

static void handle_call(void)
{
    hp_call c;
    E_OK(hp_call_begin(M.h, &c));
    int x = -1, counted = 0, stop = 0;
    if (c.kind == HP_CALL_GC) {
        const char *phase = hp_str_utf8(c.arg0, NULL);
        int gen = (int)info_get(c.arg1, "generation");
        if (strcmp(phase, "start") == 0) {
            MCHECK(!M.gc_mode, "a collection started during a collection");
            if (M.due.kind == DUE_GC_START) {
                MCHECK(gen == M.due.gen, "collect(%d) started generation %d",
                       M.due.gen, gen);
                M.gc_explicit = 1;
                M.due.kind = DUE_NONE;
            } else {
                MCHECK(M.due.kind == DUE_NONE,
                       "model expects a %s call for #%d, "
                       "the engine starts a collection",
                       M.due.kind == HP_CALL_FINALIZER ? "finalizer"
                                                       : "callback",
                       M.due.obj);
                M.gc_explicit = 0;
                M.st.auto_collections++;
            }
            MCHECK(gen >= 0 && gen <= 2, "collection of generation %d", gen);
            M.st.collections[gen]++;
            gc_begin(gen);
        } else {
            MCHECK(M.gc_mode && strcmp(phase, "stop") == 0 && gen == M.gc_gen,
                   "gc callback '%s' for generation %d", phase, gen);
            MCHECK(M.nlevels - 1 == M.gc_level, "stop at the wrong level");
            gc_end(info_get(c.arg1, "collected"),
                   info_get(c.arg1, "uncollectable"));
            stop = 1;
        }
    } else if (M.gc_mode) {
        MCHECK(M.nlevels - 1 == M.gc_level,
               "a call at level %u during a collection at level %u",
               M.nlevels - 1, M.gc_level);
        x = mid_of(c.arg0);
        note("collection calls %s for #%d",
             c.kind == HP_CALL_FINALIZER ? "__del__" : "a callback", x);
        if (c.kind == HP_CALL_FINALIZER)
            gc_finalizer(x);
        else
            gc_callback(x);
    } else {
        x = mid_of(c.arg0);
        MCHECK(M.due.kind == (int)c.kind && M.due.obj == x,
               "the engine calls %s for #%d (%s); the model expects %s for #%d",
               c.kind == HP_CALL_FINALIZER ? "__del__" : "a callback", x,
               m_name[M.n[x].type],
               M.due.kind == HP_CALL_FINALIZER ? "__del__"
               : M.due.kind == HP_CALL_WEAKREF ? "a callback"
               : M.due.kind == DUE_GC_START    ? "a collection"
                                               : "nothing",
               M.due.obj);
        M.due.kind = DUE_NONE;
        counted = 1;
        if (c.kind == HP_CALL_FINALIZER)
            M.st.fin_refcount++;
        else
            M.st.cb_refcount++;
        note("calls %s for #%d",
             c.kind == HP_CALL_FINALIZER ? "__del__" : "a callback", x);
    }
    ck_assert_uint_lt(M.nlevels, 300);
    mlevel *l = &M.levels[M.nlevels++];
    l->work_base = M.nwork;
    l->kind = (int)c.kind;
    l->arg = x;
    l->counted = counted;
    if (M.nlevels > M.st.max_levels)
        M.st.max_levels = M.nlevels;
    MCHECK(hp_call_depth(M.h) == M.nlevels - 1, "call depth %u, model %u",
           hp_call_depth(M.h), M.nlevels - 1);
    if (c.kind != HP_CALL_GC)
        run_body((int)c.kind, x);
    E_OK(hp_call_end(M.h));
    /* hp_call_end: the level's references go, the paused work resumes */
    mlevel done = M.levels[--M.nlevels];
    MCHECK(M.nwork == done.work_base, "model: work left at call end");
    if (done.counted)
        m_decref(done.arg);
    m_run_work();
    if (stop)
        M.gc_mode = 0;
}

/* After every engine call: the calls the engine asks for, handled one by
 * one, must be those the model expects. */
static void settle(void)
{
    events_settled();
    while (hp_call_due(M.h)) {
        handle_call();
        events_settled();
    }
    MCHECK(M.due.kind == DUE_NONE,
           "model expects a %s call for #%d, none is due",
           M.due.kind == HP_CALL_FINALIZER ? "finalizer"
           : M.due.kind == HP_CALL_WEAKREF ? "weakref callback"
                                           : "gc start",
           M.due.obj);
}

/* ---- engine operations, each mirrored on the model ----------------------- */

static void e_push_obj(int x)
{
    MCHECK(M.n[x].state == S_ALIVE, "model: pushing #%d, not alive", x);
    if (rnd(8) == 0) /* by id, as a remote client does */
        E_OK(hp_push_id(M.h, M.n[x].id));
    else
        E_OK(hp_push_obj(M.h, M.n[x].obj));
    m_incref(x);
    spush(x);
    settle();
}

static void e_push_nonmodel_none(void)
{
    E_OK(hp_push_none(M.h));
    spush(NONMODEL);
    settle();
}

static void e_push_small_int(int v)
{
    E_OK(hp_push_int(M.h, v));
    spush(NONMODEL);
    settle();
}

static void e_push_new_atom(int type, int val)
{
    char buf[16];
    content(type, val, buf, sizeof buf);
    if (type == M_INT)
        E_OK(hp_push_int(M.h, 1000 + val));
    else
        E_OK(hp_push_str(M.h, buf, strlen(buf)));
    int x = m_new(type, val, hp_peek(M.h, 0));
    spush(x);
    note("new %s %s #%d", m_name[type], buf, x);
    settle();
}

/* A global by name: x is its model node, or NONMODEL (fn, cb). */
static void e_load_name(const char *name, int x)
{
    E_OK(hp_load_global(M.h, name));
    if (x >= 0)
        MCHECK(hp_peek(M.h, 0) == M.n[x].obj, "global %s is not #%d", name, x);
    m_incref(x);
    spush(x);
    settle();
}

static void e_store_global(int g)
{
    E_OK(hp_store_global(M.h, gname(g)));
    /* insertdict: the new value in, the old one released, then the stack's */
    int v = speek(0), old = M.glob[g];
    M.glob[g] = v;
    m_incref(v);
    if (old != UNSET)
        m_decref(old);
    sdrop();
    note("g%d = #%d (was #%d)", g, v, old);
    settle();
}

static void e_delete_global(int g)
{
    E_OK(hp_delete_global(M.h, gname(g)));
    int old = M.glob[g];
    M.glob[g] = UNSET;
    note("del g%d (#%d)", g, old);
    m_decref(old);
    settle();
}

static void e_pop(void)
{
    E_OK(hp_pop(M.h));
    sdrop();
    settle();
}

static void e_dup(void)
{
    E_OK(hp_dup(M.h));
    int x = speek(0);
    m_incref(x);
    spush(x);
    settle();
}

static void e_swap(void)
{
    E_OK(hp_swap(M.h));
    int a = spop(), b = spop();
    spush(a);
    spush(b);
    settle();
}

/* [items...] -> list or tuple: the stack's references move in. */
static void e_build_seq(int type, uint32_t k)
{
    E_OK(type == M_LIST ? hp_build_list(M.h, k) : hp_build_tuple(M.h, k));
    mframe *f = cur_frame();
    vec items = {0};
    for (uint32_t i = f->stack.n - k; i < f->stack.n; i++)
        vpush(&items, f->stack.a[i]);
    f->stack.n -= k;
    int x = m_new(type, 0, hp_peek(M.h, 0));
    M.n[x].items = items;
    spush(x);
    note("new %s #%d of %u", m_name[type], x, k);
    settle();
}

static void e_build_dict(uint32_t npairs)
{
    E_OK(hp_build_dict(M.h, npairs));
    hp_obj *o = hp_peek(M.h, 0);
    mframe *f = cur_frame();
    /* hp_build_dict pops after pushing: peek below the result */
    int x = m_new(M_DICT, 0, o);
    uint32_t base = f->stack.n - 2 * npairs;
    for (uint32_t i = 0; i < npairs; i++) {
        int k = f->stack.a[base + 2 * i], v = f->stack.a[base + 2 * i + 1];
        int j = dict_find(x, k);
        if (j >= 0) { /* same key again: the value is replaced */
            int old = M.n[x].items.a[j + 1];
            M.n[x].items.a[j + 1] = v;
            m_incref(v);
            m_decref(old);
        } else {
            vpush(&M.n[x].items, k);
            vpush(&M.n[x].items, v);
            m_incref(k);
            m_incref(v);
        }
    }
    for (uint32_t i = 0; i < 2 * npairs; i++)
        sdrop();
    spush(x);
    note("new dict #%d of %u pairs", x, npairs);
    settle();
}

static void e_new_instance(void)
{
    E_OK(hp_new_instance(M.h));
    int cls = spop();
    int x = m_new(M_INST, 0, hp_peek(M.h, 0));
    M.n[x].cls = cls;
    M.n[x].has_del = cls == M.cls_d;
    M.n[x].legacy = cls == M.cls_l;
    for (int a = 0; a < NATTR; a++)
        vpush(&M.n[x].items, UNSET);
    spush(x);
    note("new instance #%d of %s", x,
         cls == M.cls_d   ? "D"
         : cls == M.cls_l ? "L"
                          : "C");
    settle();
}

/* [o, cb or None] -> weakref.ref(o[, cb]) */
static void e_new_weakref(int with_cb)
{
    E_OK(hp_new_weakref(M.h));
    int o = speek(1);
    int w;
    if (!with_cb && M.n[o].basic >= 0) {
        w = M.n[o].basic;
        MCHECK(hp_peek(M.h, 0) == M.n[w].obj,
               "the basic weakref of #%d is not shared", o);
        m_incref(w);
    } else {
        w = m_new(M_WREF, 0, hp_peek(M.h, 0));
        mnode *on = &M.n[o]; /* after m_new, which may move the nodes */
        M.n[w].referent = o;
        M.n[w].has_cb = (uint8_t)with_cb;
        if (with_cb) {
            vpush(&on->cbrefs, -1);
            memmove(&on->cbrefs.a[1], &on->cbrefs.a[0],
                    (on->cbrefs.n - 1) * sizeof(int));
            on->cbrefs.a[0] = w;
        } else {
            on->basic = w;
        }
    }
    note("weakref #%d to #%d%s", w, o, with_cb ? " with callback" : "");
    sdrop(); /* the callback (not a model object) */
    sdrop(); /* the referent: it may die here */
    spush(w);
    settle();
}

/* [w] -> w() */
static void e_deref(void)
{
    E_OK(hp_weakref_deref(M.h));
    int w = spop();
    int r = M.n[w].referent;
    if (r >= 0 && M.n[r].state != S_ALIVE)
        r = NONMODEL;
    if (r >= 0)
        MCHECK(hp_peek(M.h, 0) == M.n[r].obj, "weakref #%d gives not #%d", w,
               r);
    else
        MCHECK(hp_typeof(hp_peek(M.h, 0)) == HP_T_NONE,
               "weakref #%d to a dead object gives a %s", w,
               hp_type_name(hp_peek(M.h, 0)));
    m_incref(r);
    m_decref(w);
    spush(r);
    settle();
}

/* [l, x] -> l.append(x) */
static void e_list_append(void)
{
    E_OK(hp_list_append(M.h));
    int x = speek(0), l = speek(1);
    vpush(&M.n[l].items, x);
    m_incref(x);
    sdrop();
    sdrop();
    settle();
}

/* [l, i, v] -> l[i] = v */
static void e_list_setitem(uint32_t i)
{
    E_OK(hp_setitem(M.h));
    int v = speek(0), l = speek(2);
    int old = M.n[l].items.a[i];
    M.n[l].items.a[i] = v;
    m_incref(v);
    m_decref(old);
    sdrop();
    sdrop();
    sdrop();
    settle();
}

/* [d, k, v] -> d[k] = v */
static void e_dict_setitem(void)
{
    E_OK(hp_setitem(M.h));
    int v = speek(0), k = speek(1), d = speek(2);
    int j = dict_find(d, k);
    if (j >= 0) {
        int old = M.n[d].items.a[j + 1];
        M.n[d].items.a[j + 1] = v;
        m_incref(v);
        m_decref(old);
    } else {
        vpush(&M.n[d].items, k);
        vpush(&M.n[d].items, v);
        m_incref(k);
        m_incref(v);
    }
    sdrop();
    sdrop();
    sdrop();
    settle();
}

/* [l] -> l.pop(i) */
static void e_list_pop(int64_t i)
{
    E_OK(hp_list_pop(M.h, i));
    int l = spop();
    vec *it = &M.n[l].items;
    uint32_t at = i < 0 ? (uint32_t)((int64_t)it->n + i) : (uint32_t)i;
    int x = it->a[at];
    vremove_at(it, at);
    touch(l);
    m_decref(l);
    spush(x);
    settle();
}

/* [d, k] -> del d[k] or d.pop(k) */
static void e_dict_remove(int pop)
{
    E_OK(pop ? hp_dict_pop(M.h) : hp_delitem(M.h));
    int k = speek(0), d = speek(1);
    int j = dict_find(d, k);
    MCHECK(j >= 0, "model: key not in #%d", d);
    int sk = M.n[d].items.a[j], v = M.n[d].items.a[j + 1];
    vremove_at(&M.n[d].items, (uint32_t)j);
    vremove_at(&M.n[d].items, (uint32_t)j);
    touch(d);
    m_decref(sk); /* delitem_common: the key, then the value */
    if (!pop)
        m_decref(v);
    sdrop();
    sdrop();
    if (pop)
        spush(v);
    settle();
}

/* [c] -> c.clear() for a list (backwards) or a dict (in order) */
static void e_clear(void)
{
    E_OK(hp_clear(M.h));
    int c = speek(0);
    vec it = M.n[c].items;
    memset(&M.n[c].items, 0, sizeof it);
    touch(c);
    if (M.n[c].type == M_LIST) {
        for (uint32_t i = it.n; i-- > 0;)
            m_decref(it.a[i]);
    } else {
        for (uint32_t i = 0; i < it.n; i++)
            m_decref(it.a[i]);
    }
    vfree(&it);
    sdrop();
    settle();
}

/* [l, src] -> l.extend(src): the items of a list or tuple, the keys of a
 * dict (src may be l itself) */
static void e_list_extend(void)
{
    E_OK(hp_list_extend(M.h));
    int src = speek(0), l = speek(1);
    vec add = {0};
    mnode *sn = &M.n[src];
    for (uint32_t i = 0; i < sn->items.n; i += sn->type == M_DICT ? 2 : 1)
        vpush(&add, sn->items.a[i]);
    for (uint32_t i = 0; i < add.n; i++) {
        vpush(&M.n[l].items, add.a[i]);
        m_incref(add.a[i]);
    }
    touch(l);
    vfree(&add);
    sdrop();
    sdrop();
    settle();
}

/* [l, x] -> l.insert(index, x) */
static void e_list_insert(int64_t index)
{
    E_OK(hp_list_insert(M.h, index));
    int x = speek(0), l = speek(1);
    vec *it = &M.n[l].items;
    int64_t n = it->n;
    if (index < 0)
        index = index + n < 0 ? 0 : index + n;
    if (index > n)
        index = n;
    vpush(it, NONMODEL);
    memmove(&it->a[index + 1], &it->a[index],
            (size_t)(n - index) * sizeof(int));
    it->a[index] = x;
    m_incref(x);
    touch(l);
    sdrop();
    sdrop();
    settle();
}

/* [seq] -> seq[a:b] or seq[::-1], for a list or tuple */
static void e_slice(int reverse, int a, int b)
{
    E_OK(reverse ? hp_slice(M.h, 0, 0, 0, 0, 1, -1)
                 : hp_slice(M.h, 1, a, 1, b, 0, 0));
    int seq = spop();
    int type = M.n[seq].type, len = (int)M.n[seq].items.n, r;
    vec items = {0};
    if (reverse)
        for (int i = len - 1; i >= 0; i--)
            vpush(&items, M.n[seq].items.a[i]);
    else
        for (int i = a; i < b; i++)
            vpush(&items, M.n[seq].items.a[i]);
    if (type == M_TUPLE && !reverse && a == 0 && b == len) {
        r = seq; /* t[:] is t */
        MCHECK(hp_peek(M.h, 0) == M.n[seq].obj, "t[:] is not t");
        m_incref(r);
        vfree(&items);
    } else if (type == M_TUPLE && items.n == 0) {
        r = NONMODEL; /* the shared () */
        MCHECK(hp_typeof(hp_peek(M.h, 0)) == HP_T_TUPLE &&
                   hp_len(hp_peek(M.h, 0)) == 0,
               "an empty slice of a tuple is not ()");
        vfree(&items);
    } else {
        r = m_new(type, 0, hp_peek(M.h, 0));
        M.n[r].items = items;
        for (uint32_t i = 0; i < items.n; i++)
            m_incref(items.a[i]);
    }
    m_decref(seq);
    spush(r);
    note("slice of #%d: #%d", seq, r);
    settle();
}

/* Takes the list on top of the stack, which the engine just made, into
 * the model with its items. */
static int adopt_list(vec *items)
{
    int x = m_new(M_LIST, 0, hp_peek(M.h, 0));
    M.n[x].items = *items;
    for (uint32_t i = 0; i < items->n; i++)
        m_incref(items->a[i]);
    memset(items, 0, sizeof *items);
    return x;
}

/* The engine's list on top, item by item: model node or NONMODEL; each
 * model node must be alive and appear once. */
static void read_list(vec *items)
{
    hp_obj *l = hp_peek(M.h, 0);
    for (uint32_t i = 0; i < M.live.n; i++)
        M.n[M.live.a[i]].mark = 0;
    for (int64_t i = 0; i < hp_len(l); i++) {
        hp_obj *o = hp_seq_item(l, (uint64_t)i);
        int x = map_get(hp_id(M.h, o));
        if (x >= 0) {
            MCHECK(M.n[x].state == S_ALIVE && M.n[x].obj == o,
                   "gc list item %lld is #%d, not alive", (long long)i, x);
            MCHECK(!M.n[x].mark, "gc list holds #%d twice", x);
            M.n[x].mark = 1;
        }
        vpush(items, x >= 0 ? x : NONMODEL);
    }
}

/* gc.get_objects(gen): every tracked object of the generation(s). */
static void e_get_objects(int gen)
{
    E_OK(hp_gc_get_objects(M.h, gen));
    vec items = {0};
    read_list(&items);
    for (uint32_t i = 0; i < M.live.n; i++) {
        mnode *n = &M.n[M.live.a[i]];
        if (n->state != S_ALIVE)
            continue;
        int g = hp_gc_generation(n->obj);
        int in = gen < 0 ? g >= 0 && g <= 2 : g == gen;
        MCHECK(in == n->mark, "gc.get_objects(%d): #%d (%s, generation %d) %s",
               gen, M.live.a[i], m_name[n->type], g, in ? "missing" : "listed");
    }
    int x = adopt_list(&items);
    note("gc.get_objects(%d): #%d of %u", gen, x, M.n[x].items.n);
    spush(x);
    settle();
}

/* Counts in need the references from x that the collector must visit
 * (all but a dict's keys, visited only when some key is not a str), in
 * gcr all it may visit. */
static void count_referents(int x)
{
    mnode *n = &M.n[x];
    FOR_EDGES(x, t, M.n[t].gcr = M.n[t].need = 0);
    for (uint32_t i = 0; i < n->items.n; i++) {
        int t = n->items.a[i];
        if (t < 0)
            continue;
        M.n[t].gcr++;
        if (!(n->type == M_DICT && i % 2 == 0))
            M.n[t].need++;
    }
    if (n->type == M_INST && n->cls >= 0) {
        M.n[n->cls].gcr++;
        M.n[n->cls].need++;
    }
}

/* [o] -> gc.get_referents(o) */
static void e_get_referents(void)
{
    E_OK(hp_gc_get_referents(M.h, 1));
    int o = spop();
    count_referents(o);
    hp_obj *l = hp_peek(M.h, 0);
    vec items = {0};
    for (int64_t i = 0; i < hp_len(l); i++) {
        hp_obj *e = hp_seq_item(l, (uint64_t)i);
        int x = map_get(hp_id(M.h, e));
        if (x >= 0) {
            MCHECK(M.n[x].gcr > 0, "gc.get_referents(#%d) lists #%d", o, x);
            M.n[x].gcr--;
            M.n[x].need--;
        }
        vpush(&items, x);
    }
    FOR_EDGES(
        o, t,
        MCHECK(M.n[t].need <= 0, "gc.get_referents(#%d) misses #%d", o, t));
    int x = adopt_list(&items);
    m_decref(o);
    spush(x);
    settle();
}

/* [o] -> gc.get_referrers(o): the tracked objects (not frozen) whose
 * references the collector visits include o, each once. */
static void e_get_referrers(void)
{
    E_OK(hp_gc_get_referrers(M.h, 1));
    int o = spop();
    vec items = {0};
    read_list(&items);
    for (uint32_t i = 0; i < M.live.n; i++) {
        int x = M.live.a[i];
        mnode *n = &M.n[x];
        if (n->state != S_ALIVE)
            continue;
        int g = hp_gc_generation(n->obj);
        count_referents(x);
        int64_t may = M.n[o].gcr, must = M.n[o].need;
        FOR_EDGES(x, t, M.n[t].gcr = M.n[t].need = 0);
        if (n->mark)
            MCHECK(may > 0 && g >= 0 && g <= 2,
                   "gc.get_referrers(#%d) lists #%d (generation %d)", o, x, g);
        else
            MCHECK(!(must > 0 && g >= 0 && g <= 2),
                   "gc.get_referrers(#%d) misses #%d (generation %d)", o, x, g);
    }
    int x = adopt_list(&items);
    m_decref(o);
    spush(x);
    settle();
}

/* [o, v] -> o.aN = v */
static void e_setattr(int a)
{
    E_OK(hp_setattr(M.h, aname(a)));
    int v = spop(), o = speek(0);
    int old = M.n[o].items.a[a];
    M.n[o].items.a[a] = v; /* the stack's reference moves in */
    touch(o);
    if (old != UNSET)
        m_decref(old);
    sdrop();
    settle();
}

static void e_delattr(int a)
{
    E_OK(hp_delattr(M.h, aname(a)));
    int o = speek(0);
    int old = M.n[o].items.a[a];
    M.n[o].items.a[a] = UNSET;
    touch(o);
    m_decref(old);
    sdrop();
    settle();
}

static void e_getattr(int a)
{
    E_OK(hp_getattr(M.h, aname(a)));
    int o = spop(), v = M.n[o].items.a[a];
    if (v >= 0)
        MCHECK(hp_peek(M.h, 0) == M.n[v].obj, "#%d.a%d is not #%d", o, a, v);
    m_incref(v);
    m_decref(o);
    spush(v);
    settle();
}

/* [c, k] -> c[k] */
static void e_getitem(int v)
{
    E_OK(hp_getitem(M.h));
    if (v >= 0)
        MCHECK(hp_peek(M.h, 0) == M.n[v].obj, "getitem is not #%d", v);
    m_incref(v);
    sdrop();
    sdrop();
    spush(v);
    settle();
}

/* [fn, args...] -> a new frame with the arguments as locals 0.. */
static void e_frame_push(uint32_t nargs)
{
    E_OK(hp_frame_push(M.h, nargs, NLOC));
    mframe *caller = cur_frame();
    mframe *f = &M.frames[M.nframes];
    memset(f->locals, 0, sizeof f->locals);
    for (int l = 0; l < NLOC; l++)
        f->locals[l] = UNSET;
    for (uint32_t i = 0; i < nargs; i++)
        f->locals[i] = caller->stack.a[caller->stack.n - nargs + i];
    caller->stack.n -= nargs;
    int fn = spop();
    MCHECK(fn == NONMODEL, "model: the callable is a model object");
    f->stack.n = 0;
    M.nframes++;
    note("frame %d pushed with %u arguments", M.nframes - 1, nargs);
    settle();
}

static void e_frame_pop(int keep)
{
    E_OK(hp_frame_pop(M.h, keep));
    mframe *f = cur_frame();
    int result = keep ? spop() : NONMODEL;
    M.nframes--;
    if (keep)
        spush(result);
    /* _PyFrame_ClearLocals: locals, then the stack, then the function */
    int locals[NLOC];
    memcpy(locals, f->locals, sizeof locals);
    vec stack = f->stack;
    memset(&f->stack, 0, sizeof stack);
    note("frame %d popped", M.nframes);
    for (int l = 0; l < NLOC; l++)
        if (locals[l] >= 0)
            m_decref(locals[l]);
    for (uint32_t i = 0; i < stack.n; i++)
        m_decref(stack.a[i]);
    vfree(&stack);
    settle();
}

static void e_store_local(int l)
{
    E_OK(hp_store_local(M.h, (uint32_t)l));
    int old = cur_frame()->locals[l];
    cur_frame()->locals[l] = spop();
    if (old != UNSET)
        m_decref(old);
    settle();
}

static void e_load_local(int l)
{
    E_OK(hp_load_local(M.h, (uint32_t)l));
    int x = cur_frame()->locals[l];
    m_incref(x);
    spush(x);
    settle();
}

static void e_delete_local(int l)
{
    E_OK(hp_delete_local(M.h, (uint32_t)l));
    int old = cur_frame()->locals[l];
    cur_frame()->locals[l] = UNSET;
    m_decref(old);
    settle();
}

static void e_collect(int gen)
{
    int64_t r = 0;
    note("gc.collect(%d)", gen);
    E_OK(hp_gc_collect(M.h, gen, &r));
    MCHECK(r == -1, "collect(%d) did not pause for gc.callbacks (%lld)", gen,
           (long long)r);
    M.due.kind = DUE_GC_START;
    M.due.gen = gen;
    M.had_collection = 1;
    if (gen == 2 && M.nlevels == 1)
        M.full_collection = 1;
    settle();
}

/* May the current frame's top item be popped (see min_frames)? */
static int can_pop(void)
{
    uint32_t floor = M.nframes - 1 == M.floor_frame ? M.floor_depth : 0;
    return cur_frame()->stack.n > floor;
}

/* ---- choosing ------------------------------------------------------------ */

/* A live node of the type asked for (-1: any), or -1. */
static int pick(int type)
{
    if (!M.live.n)
        return -1;
    for (int tries = 0; tries < 24; tries++) {
        int x = M.live.a[rnd((int)M.live.n)];
        mnode *n = &M.n[x];
        if (n->state == S_ALIVE && (type < 0 || n->type == type))
            return x;
    }
    return -1;
}

static int pick_list(int min_len, int max_len)
{
    for (int tries = 0; tries < 8; tries++) {
        int x = pick(M_LIST);
        if (x >= 0 && (int)M.n[x].items.n >= min_len &&
            (int)M.n[x].items.n <= max_len)
            return x;
    }
    return -1;
}

/* Pushes some value: an existing object, a shared one, or a new int or
 * str. */
static void push_value(void)
{
    int r = rnd(100), x;
    if (r < 45 && (x = pick(-1)) >= 0)
        e_push_obj(x);
    else if (r < 52)
        e_push_nonmodel_none();
    else if (r < 58)
        e_push_small_int(rnd(200));
    else
        e_push_new_atom(rnd(2) ? M_INT : M_STR, rnd(NVAL));
}

/* Pushes a hashable key: an existing int, str or instance, or a new int
 * or str. */
static void push_key(void)
{
    int r = rnd(100);
    int x = r < 15 ? pick(M_INST) : r < 55 ? pick(rnd(2) ? M_INT : M_STR) : -1;
    if (x >= 0)
        e_push_obj(x);
    else
        e_push_new_atom(rnd(2) ? M_INT : M_STR, rnd(NVAL));
}

/* Pushes a key equal to k: a new int or str, or the instance itself. */
static void push_equal_key(int k)
{
    if (M.n[k].type == M_INST)
        e_push_obj(k);
    else
        e_push_new_atom(M.n[k].type, M.n[k].val);
}

static int bound_global(void)
{
    int g0 = rnd(NG);
    for (int i = 0; i < NG; i++)
        if (M.glob[(g0 + i) % NG] != UNSET)
            return (g0 + i) % NG;
    return -1;
}

/* What to do with the value on top of the stack. */
static void place_top(void)
{
    int r = rnd(100), c;
    if (r < 25)
        return;
    if (r < 60) {
        e_store_global(rnd(NG));
    } else if (r < 80 && (c = pick_list(0, MAXLEN - 1)) >= 0) {
        e_push_obj(c);
        e_swap();
        e_list_append();
    } else if ((c = pick(M_INST)) >= 0) {
        e_push_obj(c);
        e_swap();
        e_setattr(rnd(NATTR));
    }
}

/* Pushes one of the classes: C (plain), D (__del__), rarely L (a legacy
 * finalizer: uncollectable in a cycle). */
static void push_class(void)
{
    int r = rnd(100);
    if (r < 45)
        e_load_name("C", M.cls_c);
    else if (r < 92)
        e_load_name("D", M.cls_d);
    else
        e_load_name("L", M.cls_l);
}

/* ---- operations ---------------------------------------------------------- */

static void op_new_atom(void)
{
    e_push_new_atom(rnd(2) ? M_INT : M_STR, rnd(NVAL));
    place_top();
}

static void op_new_seq(int type)
{
    uint32_t k = (uint32_t)(type == M_TUPLE ? 1 + rnd(3) : rnd(4));
    for (uint32_t i = 0; i < k; i++)
        push_value();
    e_build_seq(type, k);
    place_top();
}

static void op_new_dict(void)
{
    uint32_t k = (uint32_t)rnd(4);
    for (uint32_t i = 0; i < k; i++) {
        push_key();
        push_value();
    }
    e_build_dict(k);
    place_top();
}

static void op_new_instance(void)
{
    push_class();
    e_new_instance();
    for (int n = rnd(3); n > 0; n--) {
        e_dup();
        push_value();
        e_setattr(rnd(NATTR));
    }
    place_top();
}

static void op_new_weakref(void)
{
    int o = -1;
    if (rnd(100) < 80)
        o = pick(M_INST);
    if (o >= 0) {
        e_push_obj(o);
    } else { /* weakref.ref(D(), cb): the referent dies at once */
        push_class();
        e_new_instance();
    }
    int with_cb = rnd(2);
    if (with_cb)
        e_load_name("cb", NONMODEL);
    else
        e_push_nonmodel_none();
    e_new_weakref(with_cb);
    place_top();
}

/* k new instances in a ring (a.aN = b, ...), maybe with weakrefs and an
 * old object hanging from them, then mostly dropped: work for the
 * collector, with finalizers, callbacks and objects only the garbage
 * holds. */
static void op_make_cycle(void)
{
    int k = 1 + rnd(3), ring[3];
    for (int i = 0; i < k; i++) {
        push_class();
        e_new_instance();
        ring[i] = speek(0);
    }
    for (int i = 0; i < k; i++) {
        e_push_obj(ring[i]);
        e_push_obj(ring[(i + 1) % k]);
        e_setattr(rnd(NATTR));
    }
    if (rnd(2)) { /* something older, held by the ring */
        int old = pick(-1);
        if (old >= 0) {
            e_push_obj(ring[rnd(k)]);
            e_push_obj(old);
            e_setattr(rnd(NATTR));
        }
    }
    for (int n = rnd(3); n > 0; n--) {
        e_push_obj(ring[rnd(k)]);
        int with_cb = rnd(3) != 0;
        if (with_cb)
            e_load_name("cb", NONMODEL);
        else
            e_push_nonmodel_none();
        e_new_weakref(with_cb);
        place_top();
    }
    for (int i = 0; i < k; i++) {
        if (rnd(5) == 0)
            e_store_global(rnd(NG));
        else
            e_pop();
    }
}

static void op_bind(void)
{
    push_value();
    e_store_global(rnd(NG));
}

static void op_unbind(void)
{
    int g = bound_global();
    if (g >= 0)
        e_delete_global(g);
}

static void op_list_append(void)
{
    int l = pick_list(0, MAXLEN - 1);
    if (l < 0)
        return;
    e_push_obj(l);
    push_value();
    e_list_append();
}

static void op_list_setitem(void)
{
    int l = pick_list(1, 1 << 30);
    if (l < 0)
        return;
    e_push_obj(l);
    uint32_t i = (uint32_t)rnd((int)M.n[l].items.n);
    e_push_small_int((int)i);
    push_value();
    e_list_setitem(i);
}

static void op_list_pop(void)
{
    int l = pick_list(1, 1 << 30);
    if (l < 0)
        return;
    e_push_obj(l);
    int64_t n = M.n[l].items.n;
    e_list_pop(rnd(2) ? -1 - rnd((int)n) : rnd((int)n));
    place_top();
}

static void op_clear(void)
{
    int r = rnd(4);
    int c = r == 0   ? M.saved
            : r == 1 ? M.garbage
                     : pick(rnd(2) ? M_LIST : M_DICT);
    if (c < 0)
        return;
    e_push_obj(c);
    e_clear();
}

static void op_dict_set(void)
{
    int d = pick(M_DICT);
    if (d < 0 || M.n[d].items.n >= 2 * MAXLEN)
        return;
    e_push_obj(d);
    push_key();
    push_value();
    e_dict_setitem();
}

static void op_dict_remove(void)
{
    int d = pick(M_DICT);
    if (d < 0 || M.n[d].items.n == 0)
        return;
    e_push_obj(d);
    int j = 2 * rnd((int)M.n[d].items.n / 2), k = M.n[d].items.a[j];
    if (rnd(2))
        e_push_obj(k); /* the key itself */
    else
        push_equal_key(k);
    int pop = rnd(2);
    e_dict_remove(pop);
    if (pop)
        place_top();
}

static void op_setattr(void)
{
    int o = pick(M_INST);
    if (o < 0)
        return;
    e_push_obj(o);
    push_value();
    e_setattr(rnd(NATTR));
}

static int set_attr_of(int o)
{
    int a0 = rnd(NATTR);
    for (int i = 0; i < NATTR; i++)
        if (M.n[o].items.a[(a0 + i) % NATTR] != UNSET)
            return (a0 + i) % NATTR;
    return -1;
}

static void op_delattr(void)
{
    int o = pick(M_INST), a;
    if (o < 0 || (a = set_attr_of(o)) < 0)
        return;
    e_push_obj(o);
    e_delattr(a);
}

static void op_get(void)
{
    int r = rnd(3), c, a;
    if (r == 0 && (c = pick(M_INST)) >= 0 && (a = set_attr_of(c)) >= 0) {
        e_push_obj(c);
        e_getattr(a);
    } else if (r == 1 && (c = pick_list(1, 1 << 30)) >= 0) {
        e_push_obj(c);
        uint32_t i = (uint32_t)rnd((int)M.n[c].items.n);
        e_push_small_int((int)i);
        e_getitem(M.n[c].items.a[i]);
    } else if ((c = pick(M_DICT)) >= 0 && M.n[c].items.n) {
        e_push_obj(c);
        int j = 2 * rnd((int)M.n[c].items.n / 2), k = M.n[c].items.a[j];
        push_equal_key(k);
        e_getitem(M.n[c].items.a[j + 1]);
    } else {
        return;
    }
    place_top();
}

static void op_frame(void)
{
    int r = rnd(100);
    if (M.nframes < NFRAME && (M.nframes == 1 || r < 30)) {
        e_load_name("fn", NONMODEL);
        uint32_t nargs = (uint32_t)rnd(3);
        for (uint32_t i = 0; i < nargs; i++)
            push_value();
        e_frame_push(nargs);
    } else if (M.nframes > M.min_frames && r < 50) {
        e_frame_pop(cur_frame()->stack.n > 0 && rnd(2));
    } else if (M.nframes > 1) {
        int l = rnd(NLOC), bound = cur_frame()->locals[l] != UNSET;
        int what = rnd(3);
        if (what == 0) {
            push_value();
            e_store_local(l);
        } else if (what == 1 && bound) {
            e_load_local(l);
            place_top();
        } else if (bound) {
            e_delete_local(l);
        }
    }
}

static void op_collect(void)
{
    int r = rnd(10);
    e_collect(r < 4 ? 0 : r < 7 ? 1 : 2);
}

static void op_gc_config(void)
{
    int r = rnd(100);
    if (r < 40) {
        if (hp_gc_isenabled(M.h) && rnd(3) == 0)
            hp_gc_disable(M.h);
        else
            hp_gc_enable(M.h);
        note("gc %s", hp_gc_isenabled(M.h) ? "enabled" : "disabled");
    } else if (r < 80) {
        static const int64_t th[][3] = {
            {700, 10, 10}, {60, 5, 5}, {15, 3, 4}, {200, 2, 20}, {30, 10, 2}};
        int k = rnd(5);
        E_OK(hp_gc_set_threshold(M.h, 3, th[k]));
        note("thresholds %lld %lld %lld", (long long)th[k][0],
             (long long)th[k][1], (long long)th[k][2]);
    } else if (r < 85) {
        if (M.gc_mode) /* the collection under way reads it */
            return;
        M.saveall = !M.saveall && rnd(3) == 0;
        hp_gc_set_debug(M.h, M.saveall ? HP_DEBUG_SAVEALL : 0);
        note("gc.set_debug(%s)", M.saveall ? "DEBUG_SAVEALL" : "0");
    } else if (r < 92) {
        hp_gc_freeze(M.h);
        M.st.freezes++;
        note("gc.freeze()");
    } else {
        hp_gc_unfreeze(M.h);
        note("gc.unfreeze()");
    }
}

static void op_deref(void)
{
    int w = pick(M_WREF);
    if (w < 0)
        return;
    e_push_obj(w);
    e_deref();
    place_top();
}

/* l.extend(src), l.insert(i, x), a slice. */
static void op_list_more(void)
{
    int r = rnd(3), l, src;
    if (r == 0 && (l = pick_list(0, MAXLEN - 1)) >= 0) {
        int t = rnd(3);
        src = rnd(4) == 0 ? l
                          : pick(t == 0   ? M_LIST
                                 : t == 1 ? M_TUPLE
                                          : M_DICT);
        if (src < 0 || M.n[src].items.n > 2 * MAXLEN)
            return;
        e_push_obj(l);
        e_push_obj(src);
        e_list_extend();
    } else if (r == 1 && (l = pick_list(0, MAXLEN - 1)) >= 0) {
        e_push_obj(l);
        push_value();
        e_list_insert(rnd(2 * MAXLEN + 1) - MAXLEN);
    } else if ((src = pick(rnd(2) ? M_LIST : M_TUPLE)) >= 0) {
        e_push_obj(src);
        int n = (int)M.n[src].items.n, a = rnd(n + 1), b = a + rnd(n - a + 1);
        e_slice(rnd(4) == 0, a, b);
        place_top();
    }
}

/* gc.get_objects(), gc.get_referents(o), gc.get_referrers(o) */
static void op_introspect(void)
{
    int r = rnd(4), o;
    if (r == 0) {
        /* such a list keeps everything alive (gc.garbage included): it
         * is checked and dropped */
        e_get_objects(rnd(4) - 1);
        e_pop();
        return;
    } else if ((o = pick(-1)) >= 0) {
        e_push_obj(o);
        if (r == 1)
            e_get_referents();
        else
            e_get_referrers();
    } else {
        return;
    }
    place_top();
}

/* Calls that must fail and change nothing. */
static void op_error(void)
{
    uint32_t depth = hp_stack_size(M.h);
    int r = rnd(5), x, rc;
    if (r == 4) { /* ids: freed, misaligned or made up are refused */
        uint64_t id = 0;
        if (M.grave_n && rnd(2)) {
            while (!id)
                id = M.grave[rnd64() & (M.grave_cap - 1)];
        } else if ((x = pick(-1)) >= 0) {
            id = M.n[x].id + 8; /* misaligned */
        } else {
            id = rnd64();
        }
        if (map_get(id) >= 0)
            return;
        rc = hp_push_id(M.h, id);
        MCHECK(rc == HP_E_BADID, "hp_push_id(%#llx) gave %d",
               (unsigned long long)id, rc);
        M.st.errors++;
        MCHECK(hp_stack_size(M.h) == depth, "a refused id changed the stack");
        return;
    }
    if (r == 0) {
        int g = rnd(NG);
        if (M.glob[g] != UNSET)
            return;
        rc = hp_delete_global(M.h, gname(g));
        MCHECK(rc == HP_E_NAME, "del of unbound g%d gave %d", g, rc);
        M.st.errors++;
        return;
    }
    if (r == 1 && (x = pick(M_DICT)) >= 0) {
        e_push_obj(x);
        e_push_new_atom(M_STR, NVAL); /* "s16": never a key */
        rc = hp_getitem(M.h);
        MCHECK(rc == HP_E_KEY, "missing key gave %d", rc);
        M.st.errors++;
    } else if (r == 2 && (x = pick_list(0, 0)) >= 0) {
        e_push_obj(x);
        e_push_small_int(0);
        if (M.n[x].items.n) { /* a __del__ just appended to it */
            e_getitem(M.n[x].items.a[0]);
            e_pop();
            return;
        }
        rc = hp_getitem(M.h);
        MCHECK(rc == HP_E_INDEX, "index 0 of [] gave %d", rc);
        M.st.errors++;
    } else if ((x = pick(M_LIST)) >= 0) {
        e_push_obj(x);
        push_value();
        rc = hp_setattr(M.h, "a0");
        MCHECK(rc == HP_E_ATTRIBUTE, "setattr on a list gave %d", rc);
        M.st.errors++;
    } else {
        return;
    }
    MCHECK(hp_stack_size(M.h) == depth + 2, "a failed call changed the stack");
    MCHECK(!hp_call_due(M.h), "a failed call made a call due");
    e_pop();
    e_pop();
}

static void trim_stack(void)
{
    while (cur_frame()->stack.n > SOFT_STACK && can_pop()) {
        if (rnd(2))
            e_pop();
        else
            e_store_global(rnd(NG));
    }
}

/* An operation inside a __del__ or callback body: anything that cannot
 * invalidate what the interrupted operation has chosen (no removal from
 * existing containers). */
static void step_in_body(void)
{
    trim_stack();
    int r = rnd(100);
    if (r < 10)
        op_new_atom();
    else if (r < 20)
        op_new_seq(rnd(2) ? M_LIST : M_TUPLE);
    else if (r < 25)
        op_new_dict();
    else if (r < 35)
        op_new_instance();
    else if (r < 40)
        op_new_weakref();
    else if (r < 50)
        op_bind();
    else if (r < 60)
        op_unbind();
    else if (r < 65)
        op_list_append();
    else if (r < 68)
        op_list_setitem();
    else if (r < 72)
        op_dict_set();
    else if (r < 78)
        op_setattr();
    else if (r < 81)
        op_get();
    else if (r < 85)
        op_frame();
    else if (r < 88) {
        if (can_pop())
            e_pop();
    } else if (r < 91)
        op_collect();
    else if (r < 93)
        op_gc_config();
    else if (r < 96)
        op_deref();
    else if (r < 97)
        op_error();
    else if (r < 98)
        op_list_more();
    else if (r < 99)
        op_introspect();
    else
        op_make_cycle();
}

/* A few random operations in a body, then its frames and stack items
 * go, leaving the interrupted code's as they were. */
static void run_random_ops(void)
{
    int min_frames = M.min_frames, floor_frame = M.floor_frame;
    uint32_t floor_depth = M.floor_depth;
    int base_frames = M.nframes;
    uint32_t base_depth = cur_frame()->stack.n;
    M.min_frames = base_frames;
    M.floor_frame = base_frames - 1;
    M.floor_depth = base_depth;
    note("random operations inside a call at level %u", M.nlevels - 1);
    for (int i = 1 + rnd(3); i > 0; i--)
        step_in_body();
    while (M.nframes > base_frames)
        e_frame_pop(0);
    while (cur_frame()->stack.n > base_depth)
        e_pop();
    M.min_frames = min_frames;
    M.floor_frame = floor_frame;
    M.floor_depth = floor_depth;
}

static void step(void)
{
    trim_stack();
    int r = rnd(1000);
    if (r < 70)
        op_new_atom();
    else if (r < 140)
        op_new_seq(M_LIST);
    else if (r < 170)
        op_new_seq(M_TUPLE);
    else if (r < 215)
        op_new_dict();
    else if (r < 285)
        op_new_instance();
    else if (r < 320)
        op_new_weakref();
    else if (r < 390)
        op_bind();
    else if (r < 450)
        op_unbind();
    else if (r < 520)
        op_list_append();
    else if (r < 550)
        op_list_setitem();
    else if (r < 580)
        op_list_pop();
    else if (r < 590)
        op_clear();
    else if (r < 640)
        op_dict_set();
    else if (r < 670)
        op_dict_remove();
    else if (r < 740)
        op_setattr();
    else if (r < 760)
        op_delattr();
    else if (r < 790)
        op_get();
    else if (r < 830)
        op_frame();
    else if (r < 870) {
        if (cur_frame()->stack.n)
            e_pop();
    } else if (r < 878)
        op_collect();
    else if (r < 890)
        op_make_cycle();
    else if (r < 900)
        op_gc_config();
    else if (r < 930)
        op_deref();
    else if (r < 945)
        op_error();
    else if (r < 960)
        op_list_more();
    else if (r < 964)
        op_introspect();
    else
        op_make_cycle();
}

/* ---- checks -------------------------------------------------------------- */

static void check_counts(void)
{
    hp_type_stats s;
    hp_type_stats_get(M.h, &s);
    for (int t = 0; t < M__N; t++)
        MCHECK(s.count[m_hptype[t]] == M.base[t] + (uint64_t)M.count[t],
               "%llu live %s objects, the model has %d (+%llu of its own)",
               (unsigned long long)s.count[m_hptype[t]], m_name[t], M.count[t],
               (unsigned long long)M.base[t]);
}

/* The engine's value stack and frames are the model's. */
static void check_stack(void)
{
    MCHECK(hp_frame_depth(M.h) == (uint32_t)M.nframes - 1,
           "frame depth %u, model %d", hp_frame_depth(M.h), M.nframes - 1);
    mframe *f = cur_frame();
    MCHECK(hp_stack_size(M.h) == f->stack.n, "stack size %u, model %u",
           hp_stack_size(M.h), f->stack.n);
    for (uint32_t i = 0; i < f->stack.n; i++) {
        int x = f->stack.a[f->stack.n - 1 - i];
        if (x >= 0)
            MCHECK(hp_peek(M.h, i) == M.n[x].obj, "stack item %u is not #%d", i,
                   x);
    }
}

/* After every operation: quiet, and what it touched and freed agrees. */
static void check_quiet(void)
{
    MCHECK(!hp_call_due(M.h) && hp_call_depth(M.h) == 0 &&
               !hp_gc_collecting(M.h),
           "the engine is not quiet");
    MCHECK(M.nlevels == 1 && M.nwork == 0 && !M.gc_mode &&
               M.due.kind == DUE_NONE,
           "the model is not quiet");
    for (uint32_t i = 0; i < M.touched.n; i++) {
        int x = M.touched.a[i];
        mnode *n = &M.n[x];
        if (n->state != S_ALIVE || n->stamp != M.op + 1)
            continue;
        MCHECK(hp_find(M.h, n->id) == n->obj,
               "#%d (%s) is not live in the engine", x, m_name[n->type]);
        MCHECK((int64_t)hp_refcount(M.h, n->obj) == n->rc,
               "#%d (%s, id %#llx) refcount %llu, the model counts %lld", x,
               m_name[n->type], (unsigned long long)n->id,
               (unsigned long long)hp_refcount(M.h, n->obj), (long long)n->rc);
    }
    for (uint32_t i = 0; i < M.nfreed; i++)
        if (grave_has(M.freed_ids[i]))
            MCHECK(hp_find(M.h, M.freed_ids[i]) == NULL,
                   "freed id %#llx still answers",
                   (unsigned long long)M.freed_ids[i]);
    M.touched.n = 0;
    M.nfreed = 0;
}

static void check_full(const char *why)
{
    M.st.full_checks++;
    check_all_nodes(why);
    check_counts();
    check_stack();
    for (uint64_t i = 0; i < M.grave_cap; i++)
        if (M.grave[i])
            MCHECK(hp_find(M.h, M.grave[i]) == NULL,
                   "%s: freed id %#llx answers", why,
                   (unsigned long long)M.grave[i]);
    /* everything reachable is alive (the model's own invariant, then the
     * engine's through check_all_nodes above) */
    mark_from_roots(-1);
    int unreachable = 0;
    for (uint32_t i = 0; i < M.live.n; i++)
        unreachable += !M.n[M.live.a[i]].mark;
    int rc = hp_check(M.h);
    MCHECK(rc == 0, "%s: hp_check: %s", why, hp_errmsg(M.h));
    if (M.full_collection && M.full_unfrozen &&
        hp_gc_get_freeze_count(M.h) == 0) {
        /* after gc.collect(2) with nothing frozen: live == reachable, from
         * the roots or from what it left uncollectable (a legacy
         * finalizer's cycle stays whole; when its legacy instance died by
         * reference counting the rest waits for the next collection) */
        vec q = {0};
        for (uint32_t i = 0; i < M.live.n; i++) {
            mnode *n = &M.n[M.live.a[i]];
            if (n->uncoll && !n->mark) {
                n->mark = 1;
                vpush(&q, M.live.a[i]);
            }
        }
        for (uint32_t qi = 0; qi < q.n; qi++)
            FOR_EDGES(
                q.a[qi], t, if (!M.n[t].mark) {
                    M.n[t].mark = 1;
                    vpush(&q, t);
                });
        vfree(&q);
        M.st.exact_checks++;
        for (uint32_t i = 0; i < M.live.n; i++) {
            int x = M.live.a[i];
            MCHECK(M.n[x].mark,
                   "%s: #%d (%s) survived a full collection unreachable", why,
                   x, m_name[M.n[x].type]);
        }
    }
    (void)unreachable;
}

/* ---- the run ------------------------------------------------------------- */

static void def_fn(const char *name)
{
    T_OK(M.h, hp_build_code(M.h, name, 0));
    T_OK(M.h, hp_push_none(M.h));
    T_OK(M.h, hp_build_function(M.h, name));
    T_OK(M.h, hp_store_global(M.h, name));
}

static void setup(const char *profile)
{
    hp_heap *h = M.h = t_heap(profile);
    M.nlevels = 1;
    M.nframes = 1;
    M.min_frames = 1;
    M.floor_frame = -1;
    for (int g = 0; g < NG; g++)
        M.glob[g] = UNSET;
    for (int l = 0; l < NLOC; l++)
        M.frames[0].locals[l] = UNSET;
    M.due.kind = DUE_NONE;
    def_fn("fn");
    def_fn("cb");
    def_fn("gccb");
    T_OK(h, hp_push_obj(h, hp_gc_callbacks(h)));
    T_OK(h, hp_load_global(h, "gccb"));
    T_OK(h, hp_list_append(h));
    t_class(h, "C", 0);
    t_class(h, "D", 1);
    /* class L: a legacy finalizer (tp_del), as heapd spells it */
    T_OK(h, hp_push_str(h, "__heapd_legacy_del__", 20));
    T_OK(h, hp_load_global(h, "fn"));
    T_OK(h, hp_build_dict(h, 1));
    T_OK(h, hp_build_class(h, "L"));
    T_OK(h, hp_store_global(h, "L"));
    /* Names and attribute keys are interned once and stay (immortal in
     * 3.12; held by the list `names` and the class keys otherwise): made
     * now, so that the counts below cover every object the run adds (and
     * the class keys' order is a0..a3). */
    for (int g = 0; g < NG; g++) {
        T_OK(h, hp_push_str(h, gname(g), strlen(gname(g))));
        T_OK(h, hp_intern(h));
    }
    T_OK(h, hp_build_list(h, NG));
    T_OK(h, hp_store_global(h, "names"));
    for (int g = 0; g < NG; g++) {
        T_OK(h, hp_push_none(h));
        T_OK(h, hp_store_global(h, gname(g)));
        T_OK(h, hp_delete_global(h, gname(g)));
    }
    const char *classes[] = {"C", "D", "L"};
    for (int c = 0; c < 3; c++) {
        T_OK(h, hp_load_global(h, classes[c]));
        T_OK(h, hp_new_instance(h));
        for (int a = 0; a < NATTR; a++) {
            T_OK(h, hp_dup(h));
            T_OK(h, hp_push_none(h));
            T_OK(h, hp_setattr(h, aname(a)));
        }
        T_OK(h, hp_pop(h));
        t_drain(h, NULL);
    }
    t_list(h, "saved");
    /* a collection with gc.callbacks interns the info dict's keys */
    t_collect(h, 0, NULL);
    ck_assert_int_eq(hp_check(h), 0);
    /* the model's fixed nodes: the classes and saved, one name each */
    M.cls_c = m_new(M_CLASS, 0, t_global(h, "C"));
    M.cls_d = m_new(M_CLASS, 1, t_global(h, "D"));
    M.cls_l = m_new(M_CLASS, 2, t_global(h, "L"));
    M.saved = m_new(M_LIST, 0, t_global(h, "saved"));
    M.garbage = m_new(M_LIST, 0, hp_gc_garbage(h));
    hp_type_stats s;
    hp_type_stats_get(h, &s);
    for (int t = 0; t < M__N; t++)
        M.base[t] = s.count[m_hptype[t]] - (uint64_t)M.count[t];
    M.touched.n = 0;
    M.nfreed = 0;
    M.evq_cap = 1024;
    M.evq = malloc(M.evq_cap * sizeof *M.evq);
    ck_assert_ptr_nonnull(M.evq);
    hp_set_event_hook(h, 1u << HP_EV_FREED, on_event, NULL);
}

static void teardown(void)
{
    for (int i = 0; i < M.nn; i++) {
        vfree(&M.n[i].items);
        vfree(&M.n[i].cbrefs);
        vfree(&M.n[i].pairs);
    }
    for (int f = 0; f < NFRAME; f++)
        vfree(&M.frames[f].stack);
    free(M.n);
    vfree(&M.freelist);
    vfree(&M.live);
    vfree(&M.gc_u);
    vfree(&M.gc_legacy);
    vfree(&M.touched);
    free(M.map_k);
    free(M.map_v);
    free(M.grave);
    free(M.freed_ids);
    free(M.evq);
    hp_set_event_hook(M.h, 0, NULL, NULL);
    hp_heap_free(M.h);
    memset(&M, 0, sizeof M);
}

static uint64_t env_u64(const char *name, uint64_t dflt)
{
    const char *s = getenv(name);
    return s && *s ? strtoull(s, NULL, 0) : dflt;
}

/* The heaps the model runs on: CPython 3.12 for the long run, 3.11
 * (nothing immortal) and 3.13 (mortal interned strings) for shorter ones. */
static const struct {
    const char *profile;
    uint64_t ops;
} runs[] = {
    {"3.12", MODEL_OPS}, {"3.11", MODEL_OPS_OTHER}, {"3.13", MODEL_OPS_OTHER}};

START_TEST(random_operations_against_the_model)
{
    memset(&M, 0, sizeof M);
    M.seed = env_u64("HEAPD_MODEL_SEED", MODEL_SEED) + (uint64_t)_i;
    M.nops = env_u64("HEAPD_MODEL_OPS", runs[_i].ops);
    M.trace = getenv("HEAPD_MODEL_TRACE") != NULL;
    M.rng = M.seed;
    setup(runs[_i].profile);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (M.op = 0; M.op < M.nops; M.op++) {
        M.had_collection = M.full_collection = 0;
        uint64_t gc_before =
            M.st.collections[0] + M.st.collections[1] + M.st.collections[2];
        step();
        check_quiet();
        M.had_collection |= gc_before != M.st.collections[0] +
                                             M.st.collections[1] +
                                             M.st.collections[2];
        if (M.had_collection || (M.op + 1) % CHECK_EVERY == 0)
            check_full(M.had_collection ? "after a collection" : "periodic");
    }
    /* the end: everything unbound, a full collection frees it all */
    M.op = M.nops;
    M.ending = 1;
    hp_gc_unfreeze(M.h);
    M.saveall = 0;
    hp_gc_set_debug(M.h, 0);
    /* Finalizers may resurrect into saved while it is emptied, legacy
     * instances go back to gc.garbage while they are in cycles: again
     * until both stay empty (each object is finalized at most once, and
     * the legacy instances lose their attributes). */
    for (int round = 0;
         M.n[M.saved].items.n || M.n[M.garbage].items.n || round == 0;
         round++) {
        MCHECK(round < 1000, "saved or gc.garbage never stays empty");
        while (M.nframes > 1)
            e_frame_pop(0);
        while (cur_frame()->stack.n)
            e_pop();
        for (int g = 0; g < NG; g++)
            if (M.glob[g] != UNSET)
                e_delete_global(g);
        for (uint32_t i = 0; i < M.live.n; i++) {
            int x = M.live.a[i];
            int a =
                M.n[x].state == S_ALIVE && M.n[x].legacy ? set_attr_of(x) : -1;
            if (a >= 0) {
                e_push_obj(x);
                e_delattr(a);
                i = (uint32_t)-1; /* the live array may have changed */
            }
        }
        e_push_obj(M.saved);
        e_clear();
        e_push_obj(M.garbage);
        e_clear();
        M.full_collection = 0;
        e_collect(2);
    }
    M.full_collection = 1;
    check_quiet();
    check_full("the end");
    for (int t = 0; t < M__N; t++)
        MCHECK(M.count[t] == (t == M_CLASS  ? 3
                              : t == M_LIST ? 2
                                            : 0),
               "%d %s objects left", M.count[t], m_name[t]);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    stats *st = &M.st;
    fprintf(
        stderr,
        "model %s: seed %llu, %llu operations in %.1f s\n"
        "  collections of generation 0/1/2: %llu/%llu/%llu (%llu automatic, "
        "%llu inside __del__, %llu with DEBUG_SAVEALL); %llu collected, "
        "%llu uncollectable; %llu objects freed\n"
        "  __del__: %llu by reference counting, %llu by collections, %llu "
        "while a collection freed; callbacks: %llu/%llu/%llu likewise; "
        "%llu resurrections\n"
        "  %llu freezes, %llu failing calls, at most %llu live model objects "
        "and %llu nested calls; %llu full checks, %llu exact\n",
        runs[_i].profile, (unsigned long long)M.seed,
        (unsigned long long)M.nops,
        (double)(t1.tv_sec - t0.tv_sec) +
            (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9,
        (unsigned long long)st->collections[0],
        (unsigned long long)st->collections[1],
        (unsigned long long)st->collections[2],
        (unsigned long long)st->auto_collections,
        (unsigned long long)st->nested_collections,
        (unsigned long long)st->saveall_collections,
        (unsigned long long)st->collected,
        (unsigned long long)st->uncollectable, (unsigned long long)st->freed,
        (unsigned long long)st->fin_refcount, (unsigned long long)st->fin_gc,
        (unsigned long long)st->fin_tail, (unsigned long long)st->cb_refcount,
        (unsigned long long)st->cb_gc, (unsigned long long)st->cb_tail,
        (unsigned long long)st->resurrections, (unsigned long long)st->freezes,
        (unsigned long long)st->errors, (unsigned long long)st->max_live,
        (unsigned long long)st->max_levels - 1,
        (unsigned long long)st->full_checks,
        (unsigned long long)st->exact_checks);
    teardown();
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("model");
    tcase_set_timeout(tc, 900);
    tcase_add_loop_test(tc, random_operations_against_the_model, 0,
                        (int)(sizeof runs / sizeof runs[0]));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return t_run(suite());
}
