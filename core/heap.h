/*
 * heap.h: the whole public surface of the heap engine (core/).
 *
 * A heap behaves like the memory of one CPython process: objects with ids
 * and reference counts, a pymalloc-style allocator, and CPython's
 * generational cycle collector.  The engine does no I/O.  Everything here
 * is prefixed hp_; internal names in core/ use hp__.
 */
#ifndef HP_HEAP_H
#define HP_HEAP_H

#include <stddef.h>
#include <stdint.h>

/* ---- allocator statistics (content of sys._debugmallocstats()) ---------- */

typedef struct hp_malloc_class_stats {
    uint32_t size;          /* block size in bytes: 16, 32, ... 512 */
    uint32_t pools;         /* pools of this class in use */
    uint64_t blocks_in_use; /* allocated blocks */
    uint64_t blocks_free;   /* blocks still available in those pools */
} hp_malloc_class_stats;

typedef struct hp_malloc_stats {
    hp_malloc_class_stats classes[32];
    uint64_t arenas_allocated_total; /* ever allocated */
    uint64_t arenas_reclaimed;       /* given back to the OS */
    uint64_t arenas_highwater;       /* most at once */
    uint64_t arenas_current;         /* allocated now */
    uint64_t pools_free;             /* empty pools inside current arenas */
    uint64_t bytes_in_blocks;        /* sum of allocated small blocks */
    uint64_t bytes_free_blocks;      /* available blocks in used pools */
    uint64_t bytes_unused_pools;     /* pools_free * pool size */
    uint64_t bytes_pool_headers;     /* pool header overhead in used pools */
    uint64_t bytes_arena_total;      /* arenas_current * arena size */
    uint64_t raw_blocks;             /* large blocks (> 512 bytes) */
    uint64_t raw_bytes;              /* their sizes, rounded to 16 */
    uint64_t bytes_in_use;           /* what the byte budget counts */
} hp_malloc_stats;


/* ---- heaps ----------------------------------------------------------------- */

typedef struct hp_heap hp_heap; /* one isolated heap */
typedef struct hp_obj hp_obj;   /* an object inside a heap */

typedef struct hp_config {
    const char *profile;  /* "3.11", "3.12" (default when NULL), "3.13" */
    uint64_t max_bytes;   /* allocator budget in bytes, 0 = none */
    uint64_t max_objects; /* live object budget, 0 = none */
} hp_config;

/* Creates a heap; NULL if out of memory or the profile is unknown (then
 * *err, if given, says which).  hp_heap_free releases every byte the heap
 * holds at once, whatever state it is in, without running finalizers. */
hp_heap *hp_heap_new(const hp_config *cfg, const char **err);
void hp_heap_free(hp_heap *h);
const char *hp_heap_profile(const hp_heap *h);

/* Fault injection (tests): the nth allocation from now fails; 0 = off. */
void hp_heap_fail_nth(hp_heap *h, uint64_t n);

/* ---- errors ----------------------------------------------------------------
 * Every call that can fail returns 0 or a negative hp_err.  A failed call
 * changes nothing that the caller can observe except the error message
 * (hp_errmsg), and leaves the heap consistent. */

typedef enum hp_err {
    HP_OK = 0,
    HP_E_NOMEM = -1,     /* MemoryError: allocator budget, object budget */
    HP_E_TYPE = -2,      /* TypeError */
    HP_E_VALUE = -3,     /* ValueError */
    HP_E_INDEX = -4,     /* IndexError */
    HP_E_KEY = -5,       /* KeyError */
    HP_E_NAME = -6,      /* NameError */
    HP_E_ATTRIBUTE = -7, /* AttributeError */
    HP_E_ZERODIV = -8,   /* ZeroDivisionError */
    HP_E_OVERFLOW = -9,  /* OverflowError */
    HP_E_RUNTIME = -10,  /* RuntimeError */
    HP_E_BADID = -11,    /* an id that is not a live object of this heap */
    HP_E_STACK = -12,    /* value stack or frame misuse (engine usage) */
    HP_E_STATE = -13,    /* a finalizer/callback is due, or no call to end */
    HP_E_ARG = -14,      /* invalid argument to the engine API */
    HP_E_STOP = -15,     /* StopIteration: a for loop's iterable is done */
} hp_err;

/* The message of the last error on this heap, CPython's wording where
 * CPython has one ("name 'x' is not defined"). */
const char *hp_errmsg(const hp_heap *h);
/* The Python exception name for an error code ("NameError"); NULL for
 * errors that are not Python exceptions (HP_E_BADID, HP_E_STACK, ...). */
const char *hp_err_pytype(int err);

/* ---- types ---------------------------------------------------------------- */

typedef enum hp_type {
    HP_T_NONE = 1,
    HP_T_BOOL,
    HP_T_INT,
    HP_T_FLOAT,
    HP_T_STR,
    HP_T_BYTES,
    HP_T_TUPLE,
    HP_T_LIST,
    HP_T_DICT,
    HP_T_SET,
    HP_T_FROZENSET,
    HP_T_CLASS,
    HP_T_INSTANCE,
    HP_T_FUNCTION,
    HP_T_WEAKREF,
    HP_T_CODE,
    HP_T__COUNT
} hp_type;

hp_type hp_typeof(const hp_obj *o);
/* The name of a type code ("int", "list", "instance" for instances of
 * user classes), for statistics and events where no object is at hand. */
const char *hp_type_code_name(hp_type t);
/* CPython's type name: "int", "list", ... and for instances their class's
 * name. */
const char *hp_type_name(const hp_obj *o);

/* ---- ids -------------------------------------------------------------------
 * id(obj): a deterministic 16-aligned address in the heap's own address
 * space.  hp_find validates an id from outside in O(1): a stale, forged or
 * misaligned id gives NULL, never a read of freed memory. */
uint64_t hp_id(const hp_heap *h, const hp_obj *o);
hp_obj *hp_find(const hp_heap *h, uint64_t id);

/* ---- roots: frames, value stacks, names -----------------------------------
 * Only roots keep objects alive: a binding in the global namespace (the
 * __main__ dict) or a frame's locals, a slot on a frame's value stack, a
 * slot in a container, the heap's gc.garbage and gc.callbacks lists.  Each
 * holds exactly one reference, as in CPython.  Frame 0 always exists and
 * runs module code: its names are the globals.
 *
 * Objects the engine returns (hp_obj *) are borrowed: valid while something
 * still references them; the caller keeps them alive by keeping them on the
 * stack or bound to a name.  Creating an object pushes it. */

int hp_push_none(hp_heap *h);
int hp_push_bool(hp_heap *h, int b);
int hp_push_int(hp_heap *h, int64_t v);
int hp_push_float(hp_heap *h, double v);
int hp_push_str(hp_heap *h, const char *utf8, size_t n); /* valid UTF-8 */
int hp_push_bytes(hp_heap *h, const void *p, size_t n);
int hp_push_obj(hp_heap *h, hp_obj *o); /* one more reference to o */
int hp_push_id(hp_heap *h, uint64_t id); /* hp_find then push, or BADID */

/* Builders pop their operands (first pushed = first item) and push the
 * result. */
int hp_build_tuple(hp_heap *h, uint32_t n);
int hp_build_list(hp_heap *h, uint32_t n);
int hp_build_set(hp_heap *h, uint32_t n);
int hp_build_frozenset(hp_heap *h, uint32_t n);
int hp_build_dict(hp_heap *h, uint32_t npairs); /* k0 v0 k1 v1 ... */
/* A compilation unit's constants: pops n objects, pushes a code object
 * (not tracked by gc, like CPython's) that holds them. */
int hp_build_code(hp_heap *h, const char *name, uint32_t nconsts);
/* def: pops [code, defaults-tuple-or-None], pushes a function whose
 * globals are the heap's globals. */
int hp_build_function(hp_heap *h, const char *name);
/* class: pops a dict of class attributes (a function stored under
 * "__del__" gives the class a finalizer), pushes the class. */
int hp_build_class(hp_heap *h, const char *name);
/* Instance of the class on top (popped); __init__ is the caller's job. */
int hp_new_instance(hp_heap *h);
/* weakref.ref(obj[, callback]): pops [obj, callback-or-None]; pushes the
 * weakref (the shared basic ref when there is no callback, as CPython). */
int hp_new_weakref(hp_heap *h);
/* Calls a weakref (pops it): pushes its referent or None. */
int hp_weakref_deref(hp_heap *h);
int hp_weakref_count(hp_heap *h, const hp_obj *o); /* getweakrefcount */
/* sys.intern: pops a str, pushes the interned one. */
int hp_intern(hp_heap *h);

int hp_pop(hp_heap *h);
int hp_dup(hp_heap *h);
int hp_swap(hp_heap *h);
/* Moves the item at depth n (0 = top) to the top. */
int hp_roll(hp_heap *h, uint32_t n);
/* Pushes one more reference to the item at depth n (0 = top). */
int hp_pick(hp_heap *h, uint32_t n);
/* Moves the top item down to depth n: the inverse of hp_roll(h, n). */
int hp_sink(hp_heap *h, uint32_t n);
/* Item at depth i of the current frame's stack, NULL if out of range. */
hp_obj *hp_peek(const hp_heap *h, uint32_t i);
uint32_t hp_stack_size(const hp_heap *h);

/* Globals (the __main__ namespace). */
int hp_store_global(hp_heap *h, const char *name); /* pops */
int hp_load_global(hp_heap *h, const char *name);  /* NameError */
int hp_delete_global(hp_heap *h, const char *name);
hp_obj *hp_globals(const hp_heap *h); /* the __main__ dict */

/* Frames.  hp_frame_push pops nargs arguments and, below them, the
 * callable; the arguments become locals 0..nargs-1 (moved, as CPython 3.11+
 * does), the callable is held by the frame.  hp_frame_pop releases the
 * frame; with keep_result the callee's top of stack becomes the caller's. */
int hp_frame_push(hp_heap *h, uint32_t nargs, uint32_t nlocals);
int hp_frame_pop(hp_heap *h, int keep_result);
uint32_t hp_frame_depth(const hp_heap *h); /* 0 = module level only */
int hp_store_local(hp_heap *h, uint32_t slot); /* pops */
int hp_load_local(hp_heap *h, uint32_t slot);  /* UnboundLocalError->NAME */
int hp_delete_local(hp_heap *h, uint32_t slot);

/* ---- containers and attributes (operands on the stack) --------------------
 * getitem: [c, k] -> [c[k]]     setitem: [c, k, v] -> []
 * delitem: [c, k] -> []         getattr: [o] -> [o.name]
 * setattr: [o, v] -> []         delattr: [o] -> []
 * Errors are CPython's (IndexError "list index out of range", KeyError,
 * TypeError "unhashable type: 'list'", AttributeError ...). */
int hp_getitem(hp_heap *h);
int hp_setitem(hp_heap *h);
int hp_delitem(hp_heap *h);
int hp_getattr(hp_heap *h, const char *name);
int hp_setattr(hp_heap *h, const char *name);
int hp_delattr(hp_heap *h, const char *name);

/* list.append: [l, x] -> [];  list.insert: [l, x] -> [];
 * list.pop: [l] -> [item];    list.extend: [l, iterable] -> [];
 * clear (list, dict, set): [c] -> [];  set.add / set.discard: [s, x] -> [];
 * dict.pop: [d, k] -> [v]. */
int hp_list_append(hp_heap *h);
int hp_list_insert(hp_heap *h, int64_t index);
int hp_list_pop(hp_heap *h, int64_t index);
int hp_list_extend(hp_heap *h);
int hp_clear(hp_heap *h);
int hp_set_add(hp_heap *h);
int hp_set_discard(hp_heap *h);
int hp_dict_pop(hp_heap *h);
/* Slicing [seq] -> [seq[start:stop:step]] for list, tuple, str, bytes;
 * has_* = 0 means the bound is omitted. */
int hp_slice(hp_heap *h, int has_start, int64_t start, int has_stop,
             int64_t stop, int has_step, int64_t step);

/* Comparisons and membership with CPython's results and TypeErrors:
 * compare: [a, b] -> [a OP b] (a bool);  contains: [c, x] -> [x in c]. */
typedef enum hp_cmp {
    HP_CMP_EQ,
    HP_CMP_NE,
    HP_CMP_LT,
    HP_CMP_LE,
    HP_CMP_GT,
    HP_CMP_GE,
} hp_cmp;
int hp_compare(hp_heap *h, hp_cmp op);
int hp_contains(hp_heap *h);
/* Sequence + and * ('+' or '*'): [a, b] -> [a op b] for str, bytes,
 * tuple and list operands (and an int for '*'). */
int hp_seq_binary(hp_heap *h, int op);
/* One step of a for loop over the iterable at depth `depth`, which stays
 * where it is: pushes item `index` (list, tuple, str, bytes; the index-th
 * key, value, or key and value for a dict in insertion order; the
 * index-th element of a set in table order), or fails with HP_E_STOP
 * when there is none.  For dicts and sets, expect_len >= 0 is the length
 * when the loop began: a different length is CPython's RuntimeError. */
typedef enum hp_iter_mode {
    HP_ITER_KEYS = 0,   /* also: the items of a sequence or set */
    HP_ITER_VALUES = 1, /* dict.values() */
    HP_ITER_ITEMS = 2,  /* dict.items(): pushes the key, then the value */
} hp_iter_mode;
int hp_iter_next(hp_heap *h, uint32_t depth, uint64_t index, hp_iter_mode mode,
                 int64_t expect_len);

/* ---- reading objects (no side effects) ------------------------------------ */
int64_t hp_len(const hp_obj *o); /* -1 if o has no len() */
int hp_truth(const hp_obj *o);
int hp_int_value(const hp_obj *o, int64_t *out); /* int or bool */
int hp_float_value(const hp_obj *o, double *out);
const char *hp_str_utf8(const hp_obj *o, size_t *n); /* str or bytes */
hp_obj *hp_seq_item(const hp_obj *o, uint64_t i); /* tuple/list/code */
/* Dict, set, instance-attribute and class-attribute iteration: *pos
 * starts at 0; returns 0 at the end.  For sets *value is NULL. */
int hp_iter_items(const hp_obj *o, uint64_t *pos, hp_obj **key,
                  hp_obj **value);
hp_obj *hp_instance_class(const hp_obj *o);
hp_obj *hp_function_code(const hp_obj *o);
const char *hp_name_of(const hp_obj *o); /* class/function/code name */
int hp_equal(const hp_obj *a, const hp_obj *b); /* ==, for hashables */
/* Lookup on a class (its dict): borrowed, NULL if absent. */
hp_obj *hp_class_lookup(const hp_obj *cls, const char *name);

/* sys.getrefcount without the argument's own reference: the count of
 * references the heap holds (immortal objects report the profile's
 * constant).  Callers that emulate getrefcount push the argument first. */
uint64_t hp_refcount(const hp_heap *h, const hp_obj *o);
uint64_t hp_getsizeof(const hp_heap *h, const hp_obj *o);
/* repr() with CPython's formatting into buf (NUL-terminated, truncated to
 * cap).  Returns the length of the repr, like snprintf, except that the
 * walk stops once cap bytes are produced: a return of cap or more means
 * "truncated", not the full length (a graph sharing objects can have an
 * exponentially long repr). */
size_t hp_repr(const hp_heap *h, const hp_obj *o, char *buf, size_t cap);
size_t hp_tostr(const hp_heap *h, const hp_obj *o, char *buf, size_t cap);

/* ---- finalizers and weakref callbacks: the hand-off ----------------------
 * __del__ bodies, weakref callbacks and gc.callbacks are the caller's code.
 * When one is due, the engine pauses the work it was doing (a free cascade
 * or a collection) and hp_call_due() becomes true; the caller must then
 * hp_call_begin(), run the call (with any operations, including nested
 * calls), and hp_call_end(), which resumes the paused work.  While a call
 * is due and not begun, mutating operations fail with HP_E_STATE.
 * See docs/handoff.md. */
typedef enum hp_call_kind {
    HP_CALL_FINALIZER = 1, /* callable(arg0): __del__(self) */
    HP_CALL_WEAKREF = 2,   /* callable(arg0): callback(weakref) */
    HP_CALL_GC = 3,        /* callable(arg0, arg1): cb(phase, info) */
} hp_call_kind;

typedef struct hp_call {
    hp_call_kind kind;
    hp_obj *callable; /* held by the engine until hp_call_end */
    hp_obj *arg0, *arg1;
} hp_call;

int hp_call_due(const hp_heap *h);
/* The due call without beginning it: 1 and *out filled, or 0. */
int hp_call_peek(const hp_heap *h, hp_call *out);
int hp_call_begin(hp_heap *h, hp_call *out);
int hp_call_end(hp_heap *h);
uint32_t hp_call_depth(const hp_heap *h); /* calls begun, not ended */

/* ---- the gc module ---------------------------------------------------------
 * CPython's values: DEBUG_STATS 1, DEBUG_COLLECTABLE 2, DEBUG_UNCOLLECTABLE
 * 4, DEBUG_SAVEALL 32, DEBUG_LEAK 38. */
#define HP_DEBUG_STATS         1
#define HP_DEBUG_COLLECTABLE   2
#define HP_DEBUG_UNCOLLECTABLE 4
#define HP_DEBUG_SAVEALL       32
#define HP_DEBUG_LEAK          38

typedef struct hp_gc_gen_stats {
    uint64_t collections, collected, uncollectable;
} hp_gc_gen_stats;

/* gc.collect(generation): *result = collected + uncollectable.  Bad
 * generation: HP_E_VALUE "invalid generation".  If a finalizer or
 * callback becomes due the collection pauses, *result is -1, and the
 * result is read with hp_gc_result once hp_call_due is false and
 * hp_gc_collecting is false.  During a collection it returns 0 at once,
 * as CPython does. */
int hp_gc_collect(hp_heap *h, int generation, int64_t *result);
int64_t hp_gc_result(const hp_heap *h);
int hp_gc_collecting(const hp_heap *h);
void hp_gc_enable(hp_heap *h);
void hp_gc_disable(hp_heap *h);
int hp_gc_isenabled(const hp_heap *h);
void hp_gc_get_threshold(const hp_heap *h, int64_t t[3]);
int hp_gc_set_threshold(hp_heap *h, int n, const int64_t *t);
void hp_gc_get_count(const hp_heap *h, int64_t c[3]);
void hp_gc_get_stats(const hp_heap *h, hp_gc_gen_stats s[3]);
int hp_gc_get_debug(const hp_heap *h);
void hp_gc_set_debug(hp_heap *h, int flags);
void hp_gc_freeze(hp_heap *h);
void hp_gc_unfreeze(hp_heap *h);
uint64_t hp_gc_get_freeze_count(const hp_heap *h);
int hp_gc_is_tracked(const hp_obj *o);
int hp_gc_is_finalized(const hp_obj *o);
/* 0, 1, 2, 3 (permanent, frozen) or -1 when untracked. */
int hp_gc_generation(const hp_obj *o);
/* gc.get_objects(generation): pushes a new list; generation -1 = all. */
int hp_gc_get_objects(hp_heap *h, int generation);
/* Pops n objects, pushes a list of their referrers / referents. */
int hp_gc_get_referrers(hp_heap *h, uint32_t n);
int hp_gc_get_referents(hp_heap *h, uint32_t n);
hp_obj *hp_gc_garbage(const hp_heap *h);   /* the gc.garbage list */
hp_obj *hp_gc_callbacks(const hp_heap *h); /* the gc.callbacks list */

/* ---- introspection ---------------------------------------------------------- */
typedef struct hp_type_stats {
    uint64_t count[HP_T__COUNT]; /* live objects by type */
    uint64_t bytes[HP_T__COUNT]; /* their allocator bytes (blocks) */
    uint64_t objects;            /* all live objects */
    uint64_t tracked[4];         /* per generation, 3 = permanent */
} hp_type_stats;
/* Walks the generation lists for tracked[]: O(objects). */
void hp_type_stats_get(const hp_heap *h, hp_type_stats *out);
/* Live objects, O(1). */
uint64_t hp_object_count(const hp_heap *h);
/* Bytes the allocator counts against the budget, O(1). */
uint64_t hp_bytes_in_use(const hp_heap *h);
void hp_malloc_stats_get(const hp_heap *h, hp_malloc_stats *out);

/* Graph walk from a set of objects, breadth first, along referents
 * (HP_WALK_REFS) or referrers (HP_WALK_BACKREFS).  Each node is reported
 * once, when it is taken off the queue and before its edges; nodes at
 * max_depth are reported but not expanded; at most fanout edges are
 * followed from one node (0: no cap), the rest counted in truncated.
 * Edges are what gc.get_referents reports (so a str-keyed dict's keys are
 * not edges), plus a weakref's referent (weak = 1) and a code object's
 * constants ("co_consts[i]").  Labels: "[i]" with index i for list and
 * tuple slots, the key's repr for dict values, the attribute name for
 * instance attributes and "__class__", "__dict__" for a class's dict,
 * "__code__", "__globals__", "__defaults__", "__name__" on functions,
 * "__callback__" on weakrefs.  Backward walks see referrers among tracked
 * objects, roots and what they reach (frames are not objects, so locals and
 * stack slots are not referrers).  The callbacks must not change the heap;
 * a nonzero return stops the walk. */
typedef struct hp_walk_node {
    const hp_obj *obj;
    uint64_t id;
    hp_type type;
    uint64_t refcount;
    int generation;     /* -1 untracked, 3 frozen */
    uint64_t size;      /* sys.getsizeof */
    int has_finalizer;  /* its class defines __del__ */
    uint32_t depth;
    uint32_t truncated; /* edges not followed because of fanout */
} hp_walk_node;
typedef struct hp_walk_edge {
    uint64_t from, to; /* ids; from refers to to */
    int weak;          /* a weakref's referent */
    const char *label; /* key/attribute/index when known, else NULL */
    int64_t index;     /* list/tuple index, -1 otherwise */
} hp_walk_edge;
typedef struct hp_walk_ops {
    int (*node)(void *ctx, const hp_walk_node *n);
    int (*edge)(void *ctx, const hp_walk_edge *e);
    void *ctx;
} hp_walk_ops;
enum { HP_WALK_REFS = 0, HP_WALK_BACKREFS = 1 };
int hp_walk(hp_heap *h, hp_obj *const *roots, uint32_t nroots, int direction,
            uint32_t max_depth, uint32_t fanout, const hp_walk_ops *ops);

/* ---- events ------------------------------------------------------------------
 * A hook the engine calls synchronously as things happen (the daemon
 * forwards them to subscribers).  mask: which kinds (1 << kind).  The hook
 * must not call back into the heap. */
typedef enum hp_event_kind {
    HP_EV_COLLECT_START = 1, /* generation */
    HP_EV_COLLECT_STOP = 2,  /* generation, collected, uncollectable */
    HP_EV_FREED = 3,         /* id, type: an object's memory is released */
    HP_EV_FINALIZER_DUE = 4, /* id, type: __del__ of this object is due */
    HP_EV_WEAKREF_DUE = 5,   /* id: a callback for this weakref is due */
} hp_event_kind;

typedef struct hp_event {
    hp_event_kind kind;
    int generation;
    int64_t collected, uncollectable;
    uint64_t id;
    hp_type type;
} hp_event;

typedef void (*hp_event_fn)(void *ctx, const hp_event *e);
void hp_set_event_hook(hp_heap *h, uint32_t mask, hp_event_fn fn, void *ctx);

/* Consistency check of every invariant the engine keeps (tests, debug):
 * 0 if all hold, else a negative number and a message in hp_errmsg. */
int hp_check(hp_heap *h);

#endif
