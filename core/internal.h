/*
 * internal.h: object layouts and the helpers the modules of core/ share.
 * Nothing outside core/ includes this; the public surface is heap.h.
 *
 * Every object starts with hp_obj (8 bytes).  Objects that can refer to
 * other objects start with hp_gc (32 bytes): the header, the collector's
 * scratch word, a small per-type count and the links of the generation
 * list the object is in while tracked (see docs/gc.md#layout).
 */
#ifndef HP_INTERNAL_H
#define HP_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "heap.h"

/* hp_obj.flags */
#define HP_OF_GC        0x01 /* layout starts with hp_gc */
#define HP_OF_TRACKED   0x02 /* in a generation list (or a gc private list) */
#define HP_OF_FINALIZED 0x04 /* __del__ has run (PEP 442) */
#define HP_OF_IMMORTAL  0x08 /* refcount never changes (3.12+ singletons) */
#define HP_OF_INTERNED  0x10 /* str in the intern table */
#define HP_OF_DYING     0x20 /* being deallocated: invisible to hp_find */
#define HP_OF_COLLECT   0x40 /* in the set being collected (gc.c) */
#define HP_OF_UNREACH   0x80 /* tentatively unreachable (gc.c) */

struct hp_obj {
    uint32_t refcnt;
    uint8_t type;  /* hp_type */
    uint8_t flags; /* HP_OF_* */
    uint8_t gen;   /* generation while tracked; dealloc phase while dying */
    uint8_t aux;   /* per type: str kind, dict all-str-keys, ... */
};

typedef struct hp_gc {
    hp_obj ob;
    uint32_t gc_refs; /* collector scratch; dealloc cursor while dying */
    uint32_t n;       /* per type: tuple/list size, dict/set used */
    struct hp_gc *next, *prev;
} hp_gc;

typedef struct hp_int {
    hp_obj ob;
    int64_t v; /* also bool (0/1) */
} hp_int;

typedef struct hp_float {
    hp_obj ob;
    double v;
} hp_float;

/* str and bytes.  str data is UTF-8; len counts code points; aux is the
 * CPython kind for getsizeof: 1 ascii, 2 latin-1, 3 UCS-2, 4 UCS-4. */
typedef struct hp_str {
    hp_obj ob;
    uint32_t len;
    uint32_t nbytes;
    uint64_t hash; /* 0 = not computed yet */
    char data[];   /* nbytes + NUL */
} hp_str;

typedef struct hp_tuple {
    hp_gc gc; /* gc.n = size */
    hp_obj *items[];
} hp_tuple;

/* alloc is CPython's ob_allocated (getsizeof uses it).  When alloc <= 1
 * the single item lives in the items field itself: hp__list_items(). */
typedef struct hp_list {
    hp_gc gc; /* gc.n = size */
    uint32_t alloc;
    uint32_t pad_;
    hp_obj **items;
} hp_list;

static inline hp_obj **hp__list_items(hp_list *l)
{
    return l->alloc <= 1 ? (hp_obj **)&l->items : l->items;
}

/* dict: CPython's compact layout (see core/dict.c). */
typedef struct hp_dentry {
    uint64_t hash;
    hp_obj *key; /* NULL: deleted entry */
    hp_obj *value;
} hp_dentry;

typedef struct hp_dict {
    hp_gc gc;          /* gc.n = len */
    uint32_t nentries; /* entries used, deleted ones included */
    uint8_t log2size;  /* index table size is 1 << log2size (0: no table) */
    uint8_t pad_[3];
    void *table; /* data block: index table, then the entries */
} hp_dict;

/* set / frozenset: CPython's open addressing (see core/set.c). */
typedef struct hp_sentry {
    uint64_t hash;
    hp_obj *key; /* NULL: never used; HP_DUMMY: deleted */
} hp_sentry;

typedef struct hp_weakref hp_weakref;

typedef struct hp_set {
    hp_gc gc;       /* gc.n = used */
    uint32_t fill;  /* used + dummies */
    uint32_t mask;  /* table size - 1; table NULL when empty */
    hp_sentry *table;
    hp_weakref *weaklist;
} hp_set;

extern hp_obj hp__dummy_key;
#define HP_DUMMY (&hp__dummy_key)

#define HP_CLS_HAS_DEL    0x1 /* defines __del__ (PEP 442 finalizer) */
#define HP_CLS_LEGACY_DEL 0x2 /* tp_del style: instances go to gc.garbage */

/* A class holds the names of its instances' attributes (CPython's shared
 * keys): an instance stores only values, indexed like keys. */
typedef struct hp_class {
    hp_gc gc;
    hp_str *name;        /* strong */
    hp_dict *dict;       /* strong: class attributes */
    hp_weakref *weaklist;
    hp_str **keys;       /* data block, strong refs */
    uint32_t nkeys, keycap;
    uint32_t flags;      /* HP_CLS_* */
    uint32_t pad_;
} hp_class;

/* values is one data block: gc.n value slots indexed like the class's
 * keys (NULL where unset), then gc.n uint32 slot numbers, the first nset
 * of which give the order attributes were set in (vars() order, as
 * CPython 3.12's inline values keep it). */
typedef struct hp_inst {
    hp_gc gc;           /* gc.n = slots in values */
    hp_class *cls;      /* strong */
    hp_weakref *weaklist;
    hp_obj **values;
    uint32_t nset;
    uint32_t pad_;
} hp_inst;

static inline uint32_t *hp__inst_order(const hp_inst *in)
{
    return (uint32_t *)(void *)(in->values + in->gc.n);
}

typedef struct hp_code {
    hp_gc gc; /* never tracked; gc.n = number of constants */
    hp_str *name;
    hp_obj *consts[];
} hp_code;

typedef struct hp_func {
    hp_gc gc;
    hp_str *name;      /* strong */
    hp_obj *code;      /* strong */
    hp_obj *globals;   /* strong */
    hp_obj *defaults;  /* strong or NULL */
    hp_weakref *weaklist;
} hp_func;

struct hp_weakref {
    hp_gc gc;
    hp_obj *referent;  /* not counted; NULL once dead */
    hp_obj *callback;  /* strong or NULL */
    hp_weakref *wnext, *wprev; /* the referent's list of weakrefs */
};

/* ---- profiles (core/profile.c) -------------------------------------------- */
typedef struct hp_profile {
    const char *name;          /* "3.12" */
    int minor;                 /* 11, 12, 13 */
    int64_t threshold[3];
    bool immortal;             /* singletons and small ints immortal */
    uint64_t immortal_refcnt;  /* what getrefcount reports for them */
    bool intern_immortal;      /* sys.intern makes strings immortal */
    bool lazy_dict_tracking;   /* dicts tracked once they hold a container */
    /* 3.11 (immortal false): where counts of shared objects start, so that
     * hp_refcount = start + references the heap holds.  Statically
     * allocated objects (small ints, (), '', b'', 1-char strs) start at
     * 999999999; None/True/False at what CPython itself holds at the start
     * of a script (approximate: interpreter dependent).  0 when immortal. */
    uint64_t static_base_refcnt;
    uint64_t singleton_base_refcnt[3]; /* None, True, False */
    /* sys.getsizeof constants that differ between versions (the others
     * are the same in 3.11-3.13 and live in profile.c). */
    uint32_t str_ascii_size;   /* sizeof(PyASCIIObject): 48, 40 from 3.12 */
    uint32_t str_compact_size; /* sizeof(PyCompactUnicodeObject): 72, 56 */
    bool latin1_utf8_cached;   /* 1-char latin-1 singletons carry UTF-8 */
    uint32_t class_size;       /* a plain class */
    uint32_t instance_size;    /* any user-class instance */
    uint32_t function_size;
    uint32_t code_size;        /* code of `def f(): pass` */
} hp_profile;

const hp_profile *hp__profile_find(const char *name);
/* The count a shared object starts with beyond real references (3.11). */
uint64_t hp__base_refcnt(const hp_heap *h, const hp_obj *o);
/* sys.getsizeof of o under h's profile. */
uint64_t hp__sizeof(const hp_heap *h, const hp_obj *o);

/* ---- heap state ------------------------------------------------------------ */

typedef struct hp_frame {
    hp_obj *func;      /* strong, NULL for frame 0 */
    hp_obj **locals;   /* data block */
    uint32_t nlocals;
    uint32_t sp, cap;  /* value stack */
    hp_obj **stack;    /* data block */
} hp_frame;

/* A paused piece of work: a free cascade or a collection (docs/handoff.md) */
typedef struct hp_work hp_work;

/* One nesting level of calls: level 0 is the caller's top level; each
 * begun call opens a level whose work must finish before it ends. */
typedef struct hp_level {
    uint32_t work_base; /* index of the first work record of this level */
    hp_call call;       /* the call this level runs (level > 0) */
} hp_level;

#define HP_MAX_FRAMES 1000  /* CPython's default recursion limit */
#define HP_MAX_STACK  (1u << 24)
#define HP_MAX_LEVELS 256
#define HP_ERRMSG     256

struct hp_heap {
    hp_alloc *alloc;
    const hp_profile *prof;

    /* collector (gc.c) */
    hp_gc gens[4]; /* list heads; 3 is the permanent generation */
    int64_t threshold[3];
    int64_t count[3];
    uint64_t long_lived_total, long_lived_pending;
    bool enabled, collecting;
    int debug;
    hp_gc_gen_stats gstats[3];
    int64_t gc_result;
    struct hp_gcrun *gcrun; /* the collection under way, if any */

    /* roots */
    hp_dict *globals;
    hp_list *garbage;
    hp_list *callbacks;
    hp_frame *frames; /* malloc'd array of HP_MAX_FRAMES + 1 */
    uint32_t nframes; /* frames in use, >= 1 */

    /* shared objects */
    hp_obj *none, *true_, *false_;
    hp_int *small_ints[262]; /* -5 .. 256 */
    hp_tuple *empty_tuple;
    hp_str *empty_str, *empty_bytes;
    hp_str *latin1[256];     /* one-character strs, made on demand */
    hp_str **interned;       /* open-addressing set of interned strs */
    uint32_t ninterned, internmask;

    /* the hand-off (heap.c) */
    hp_work *work;       /* malloc'd stack of paused/running work */
    uint32_t nwork, workcap;
    hp_level levels[HP_MAX_LEVELS];
    uint32_t nlevels;    /* >= 1 */
    bool due_set;
    hp_call due;         /* the due call, refs held */
    bool running;        /* inside hp__run_work */

    /* accounting */
    uint64_t nobjects, max_objects;
    uint64_t type_count[HP_T__COUNT];
    uint64_t type_bytes[HP_T__COUNT];

    /* events (heap.c) */
    uint32_t ev_mask;
    hp_event_fn ev_fn;
    void *ev_ctx;

    int errcode; /* of the last error */
    char errmsg[HP_ERRMSG];
};

/* ---- errors ------------------------------------------------------------------ */
int hp__error(hp_heap *h, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define HP_TRY(expr)                                                           \
    do {                                                                       \
        int rc_ = (expr);                                                      \
        if (rc_ < 0)                                                           \
            return rc_;                                                        \
    } while (0)

/* ---- reference counting (object.c) ------------------------------------------ */
void hp__dealloc(hp_heap *h, hp_obj *o);
/* The weakref list head of a weakly referenceable object, else NULL. */
hp_weakref **hp__weaklist(hp_obj *o);
void hp__weakref_unlink(hp_weakref *w);
/* Frees what paused cascades malloc'd (hp_heap_free). */
void hp__free_pending(hp_heap *h);
/* The __del__ function of an instance's class, or NULL. */
hp_obj *hp__finalizer_of(const hp_obj *o);

static inline hp_obj *hp__incref(hp_obj *o)
{
    if (!(o->flags & HP_OF_IMMORTAL))
        o->refcnt++;
    return o;
}

static inline void hp__decref(hp_heap *h, hp_obj *o)
{
    if (!(o->flags & HP_OF_IMMORTAL) && --o->refcnt == 0)
        hp__dealloc(h, o);
}

static inline void hp__xdecref(hp_heap *h, hp_obj *o)
{
    if (o)
        hp__decref(h, o);
}

/* ---- allocation of objects (object.c) --------------------------------------
 * hp__new_obj allocates size bytes for an object of type t, sets refcnt 1,
 * counts it, and for GC types sets up hp_gc (untracked) and increments the
 * gen0 count as CPython's _PyObject_GC_Link does.  NULL + MemoryError set
 * on failure. */
hp_obj *hp__new_obj(hp_heap *h, hp_type t, size_t size);
bool hp__type_is_gc(hp_type t);

/* Constructors: new references, NULL + error on failure. */
hp_obj *hp__new_int(hp_heap *h, int64_t v);
hp_obj *hp__new_float(hp_heap *h, double v);
hp_obj *hp__new_str(hp_heap *h, const char *utf8, size_t n);
hp_obj *hp__new_bytes(hp_heap *h, const void *p, size_t n);
hp_obj *hp__new_tuple(hp_heap *h, uint32_t n); /* items NULL, caller fills */
hp_obj *hp__new_list(hp_heap *h, uint32_t n);  /* size n, items NULL */
hp_obj *hp__bool(hp_heap *h, int b);           /* new reference */
/* list.append: takes a new reference to o; grows as CPython's
 * list_resize.  MemoryError leaves the list unchanged. */
int hp__list_append(hp_heap *h, hp_list *l, hp_obj *o);
hp_obj *hp__none(hp_heap *h);                  /* new reference */
/* The interned str for name (created if needed): new reference. */
hp_obj *hp__intern_cstr(hp_heap *h, const char *name);
hp_obj *hp__intern_str(hp_heap *h, hp_obj *s); /* steals s, returns new ref */
void hp__intern_forget(hp_heap *h, hp_str *s);

/* ---- hashing and equality (dict.c) -------------------------------------------- */
/* CPython's hash for ints, floats, tuples; a fixed-key hash for str/bytes.
 * HP_E_TYPE "unhashable type: 'list'" for unhashable objects. */
int hp__hash(hp_heap *h, hp_obj *o, uint64_t *out);
bool hp__eq(const hp_obj *a, const hp_obj *b);

/* ---- dict (dict.c) ---------------------------------------------------------------
 * Items are strong references.  Insertion order is kept.  Tracking follows
 * the profile (lazy: a dict is tracked once it holds a value that may be
 * tracked, as CPython's MAINTAIN_TRACKING). */
hp_obj *hp__dict_new(hp_heap *h);
/* Takes new references to key and value (the caller keeps its own). */
int hp__dict_set(hp_heap *h, hp_dict *d, hp_obj *key, hp_obj *value);
/* Borrowed; NULL and *err = 0 if absent, *err < 0 on error (unhashable). */
hp_obj *hp__dict_get(hp_heap *h, hp_dict *d, hp_obj *key, int *err);
hp_obj *hp__dict_get_cstr(const hp_dict *d, const char *name);
int hp__dict_set_cstr(hp_heap *h, hp_dict *d, const char *name, hp_obj *v);
/* Removes key; the value reference moves to *out (if out) else is
 * released.  KeyError if absent. */
int hp__dict_del(hp_heap *h, hp_dict *d, hp_obj *key, hp_obj **out);
int hp__dict_del_cstr(hp_heap *h, hp_dict *d, const char *name);
hp_dentry *hp__dict_entries(const hp_dict *d);
/* Detaches the table (dict becomes empty); the caller releases the
 * entries' references and frees the block with hp__free_data. */
void hp__dict_detach(hp_heap *h, hp_dict *d, void **block, hp_dentry **ents,
                     uint32_t *nentries);
/* CPython's _PyDict_MaybeUntrack: untrack if no value may be tracked. */
void hp__dict_maybe_untrack(hp_heap *h, hp_dict *d);
uint64_t hp__dict_sizeof(const hp_heap *h, const hp_dict *d);

/* ---- set (set.c) -------------------------------------------------------------- */
hp_obj *hp__set_new(hp_heap *h, bool frozen);
int hp__set_add(hp_heap *h, hp_set *s, hp_obj *key); /* new ref to key */
int hp__set_discard(hp_heap *h, hp_set *s, hp_obj *key, bool *found);
int hp__set_contains(hp_heap *h, hp_set *s, hp_obj *key, bool *found);
void hp__set_detach(hp_heap *h, hp_set *s, hp_sentry **table, uint32_t *size);
uint64_t hp__set_sizeof(const hp_heap *h, const hp_set *s);

/* ---- collector (gc.c) --------------------------------------------------------- */
void hp__gc_init(hp_heap *h);
void hp__gc_free(hp_heap *h); /* the collector's malloc'd state */
void hp__track(hp_heap *h, hp_obj *o);   /* append to generation 0 */
void hp__untrack(hp_heap *h, hp_obj *o); /* unlink from its list */
bool hp__may_be_tracked(const hp_obj *o);
/* Called after every mutating operation: runs an automatic collection if
 * gen0's count passed its threshold (CPython 3.12's eval-breaker check). */
void hp__gc_maybe_collect(hp_heap *h);
/* Visit every referent of o (strong references only). */
typedef int (*hp_visit)(hp_obj *child, void *arg);
int hp__traverse(hp_obj *o, hp_visit visit, void *arg);

/* ---- the hand-off (heap.c) ------------------------------------------------------
 * Work that can pause: hp__run_work runs the current level's records until
 * they finish or a call becomes due.  hp__set_due makes a call due; it
 * takes ownership of the references in c. */
typedef enum hp_work_kind { HP_WORK_CASCADE = 1, HP_WORK_GC = 2 } hp_work_kind;
struct hp_work {
    hp_work_kind kind;
    hp_gc *top;          /* CASCADE: dying objects, linked through prev */
};
hp_work *hp__work_push(hp_heap *h, hp_work_kind kind);
hp_work *hp__work_top(hp_heap *h); /* of the current level, or NULL */
void hp__run_work(hp_heap *h);
void hp__set_due(hp_heap *h, const hp_call *c);
/* Reports an event to the hook when its kind is asked for. */
static inline bool hp__wants(const hp_heap *h, hp_event_kind k)
{
    return (h->ev_mask >> k) & 1;
}
void hp__emit(hp_heap *h, hp_event_kind k, const hp_obj *o, int gen,
              int64_t collected, int64_t uncollectable);
/* Mutating operations start with this: HP_E_STATE if a call is due. */
int hp__op_begin(hp_heap *h);
/* ... and end with this: automatic collection, then returns rc. */
int hp__op_end(hp_heap *h, int rc);

/* Cascade steps (object.c): returns true when the record is finished,
 * false when it paused on a due call. */
bool hp__cascade_step(hp_heap *h, hp_work *w);
/* Collection steps (gc.c), same contract. */
bool hp__gc_step(hp_heap *h, hp_work *w);

/* ---- stack helpers (heap.c) --------------------------------------------------- */
hp_frame *hp__frame(hp_heap *h);
/* Pushes a new reference (steals r).  On failure releases r. */
int hp__push_new(hp_heap *h, hp_obj *r);
/* Pops: the reference moves to the caller. */
hp_obj *hp__pop(hp_heap *h);
/* Requires n items on the stack: HP_E_STACK otherwise. */
int hp__need(hp_heap *h, uint32_t n);
/* Calls fn once per reference held by a root (globals, gc lists, frames'
 * functions, locals and stacks, calls under way). */
void hp__roots_each(hp_heap *h, void (*fn)(hp_obj *o, void *arg), void *arg);

/* ---- repr (repr.c) ------------------------------------------------------------ */
typedef struct hp_buf {
    char *p;
    size_t len, cap; /* len may exceed cap: output is truncated */
} hp_buf;
void hp__buf_puts(hp_buf *b, const char *s, size_t n);
void hp__buf_printf(hp_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void hp__repr(const hp_heap *h, const hp_obj *o, hp_buf *b);

#define HP_CONTAINER_OF(p, T) ((T *)(void *)(p))

#endif
