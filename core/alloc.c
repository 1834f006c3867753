/*
 * alloc.c: the per-heap allocator.
 *
 * pymalloc's design (CPython's Objects/obmalloc.c), one instance per heap:
 * requests of 1..512 bytes are served from 16 KiB pools of one size class,
 * carved from 1 MiB arenas; larger requests go to a raw domain (malloc)
 * that is still accounted.  On top of pymalloc every block has a
 * deterministic virtual address (what id() reports), and object blocks can
 * be found again from that address in O(1), only while allocated.  The
 * mechanisms are written down in docs/allocator.md; the code cites its
 * paragraphs as "see docs/allocator.md#name".
 *
 * There is no global state: an instance owns everything it uses.
 */
#include "alloc.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HP_LIKELY(x)   __builtin_expect(!!(x), 1)
#define HP_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define HP_NOINLINE    __attribute__((noinline))
#define HP_COLD        __attribute__((noinline, cold))

/* Under AddressSanitizer free small blocks are poisoned, so a use after
 * free in any module is reported (see docs/allocator.md#asan). */
#if defined(__SANITIZE_ADDRESS__)
#define HP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HP_ASAN 1
#endif
#endif
#ifdef HP_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n)   ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* Only the n requested bytes of a block of `size` are addressable. */
static inline void asan_fit(void *p, size_t n, size_t size)
{
    UNPOISON(p, n);
    POISON((char *)p + n, size - n);
}

/* Free and never-allocated blocks stay poisoned but their first word
 * links the free list. */
static inline void set_link(char *b, char *next)
{
    UNPOISON(b, sizeof(char *));
    *(char **)b = next;
    POISON(b, sizeof(char *));
}

#define ARENA_SHIFT     20
#define POOL_SHIFT      14
#define ARENA_MASK      ((uint64_t)HP_ARENA_SIZE - 1)
#define POOL_MASK       ((uintptr_t)HP_POOL_SIZE - 1)
#define POOLS_PER_ARENA ((uint32_t)(HP_ARENA_SIZE / HP_POOL_SIZE))
#define POOL_OVERHEAD   48 /* CPython's, so blocks per pool match it */
#define BITS_PER_POOL   (HP_POOL_SIZE / HP_ALIGNMENT)
#define WORDS_PER_POOL  (BITS_PER_POOL / 64)

/* Arena slots live in reserved regions (see docs/allocator.md#regions). */
#define REGION_SLOTS_SHIFT 12 /* 4096 slots: 4 GiB of address space */
#define REGION_SLOTS_MIN   6  /* fallback when the reservation fails */
#define MAX_SLOTS                                                              \
    ((uint32_t)((0x800000000000ULL - HP_VBASE_ARENAS) >> ARENA_SHIFT))

/* Raw domain (see docs/allocator.md#raw). */
#define RAW_MAX_SHIFT 44
#define RAW_MAX       ((uint64_t)1 << RAW_MAX_SHIFT)
#define RAW_VCLASSES  (4 * (RAW_MAX_SHIFT - 9))
#define RAW_VSPACE    (HP_VBASE_ARENAS - HP_VBASE_RAW)
#define RAW_OBJ       1u /* flag in raw_hdr.size */

#define ALLOC_SIG 0x48504131u /* "HPA1" */

#ifdef HEAPD_DEBUG
#define CHECK_SIG(a)                                                           \
    do {                                                                       \
        if ((a)->sig != ALLOC_SIG)                                             \
            alloc_panic("bad allocator signature", (a));                       \
    } while (0)
#define CHECK_KIND(have, want, p)                                              \
    do {                                                                       \
        if ((have) != (want))                                                  \
            alloc_panic("object/data free mismatch", (p));                     \
    } while (0)
#else
#define CHECK_SIG(a)              ((void)0)
#define CHECK_KIND(have, want, p) ((void)(have), (void)(want), (void)(p))
#endif

enum { POOL_FREE = 0, POOL_OBJ = 1, POOL_DATA = 2 };

typedef struct hp_pool hp_pool;

/* One per live arena, malloc'd so pointers to it stay valid while the
 * slot table grows.  bits[] is the allocated-block bitmap of its 64 pools
 * (see docs/allocator.md#find). */
typedef struct hp_arena {
    char *base;
    hp_pool *freepools; /* emptied pools, singly linked through next */
    struct hp_arena *next, *prev; /* usable_arenas, sorted by nfreepools */
    uint32_t slot;
    uint32_t nfreepools; /* freepools plus never-carved pools */
    uint32_t ncarved;    /* pools [0, ncarved) have a valid header */
    uint64_t bits[POOLS_PER_ARENA * WORDS_PER_POOL];
} hp_arena;

/* At the start of every pool, so pool_of(p) is a mask
 * (see docs/allocator.md#pools). */
struct hp_pool {
    char *freeblock;      /* first free block; NULL iff the pool is full */
    hp_pool *next, *prev; /* usedpools list, or the arena's freepools */
    uint64_t *bits;       /* this pool's 16 words of hp_arena.bits */
    hp_arena *arena;
    uint16_t count;      /* allocated blocks */
    uint16_t nextoffset; /* first never-carved block */
    uint16_t maxnextoffset;
    uint8_t szidx;
    uint8_t kind; /* POOL_FREE / POOL_OBJ / POOL_DATA */
};

/* In front of every raw block (see docs/allocator.md#raw). */
typedef struct raw_hdr {
    uint64_t vaddr;
    uint64_t size; /* rounded to 16, | RAW_OBJ for object blocks */
} raw_hdr;

typedef struct raw_entry {
    uint64_t key; /* vaddr; 0 = empty */
    raw_hdr *val;
} raw_entry;

/* Freed raw vaddrs of one virtual size class, reused LIFO. */
typedef struct raw_vclass {
    uint64_t *free;
    uint32_t nfree;
    uint32_t cap; /* >= vaddrs ever minted for the class, so a free
                     never needs memory */
    uint32_t nminted;
} raw_vclass;

struct hp_alloc {
    uint32_t sig;
    /* hot: the fast paths read only these */
    uintptr_t region0;      /* base of region 0 */
    uintptr_t region_bytes; /* size of every region */
    uint64_t bytes_in_use;
    uint64_t max_bytes; /* UINT64_MAX when there is no budget */
    uint64_t fail_countdown;
    hp_pool *used[2][HP_NUM_CLASSES]; /* [kind - POOL_OBJ][class] */

    /* arenas */
    hp_arena *usable_arenas;
    hp_arena *nfp2lasta[POOLS_PER_ARENA + 1];
    hp_arena **slots; /* by slot, NULL = free */
    uint32_t nslots;
    uint32_t slot_hint; /* no free slot below this */
    char **regions;     /* by region, NULL = not reserved yet */
    uint32_t nregions;
    uint32_t region_shift; /* slots per region = 1 << region_shift */
    uint64_t arenas_allocated_total;
    uint64_t arenas_reclaimed;
    uint64_t arenas_highwater;
    uint64_t arenas_current;

    /* raw domain */
    raw_entry *rtab;
    size_t rcap; /* power of two, or 0 */
    size_t rcount;
    uint64_t raw_bytes;
    uint64_t raw_vnext; /* next fresh raw vaddr, offset from HP_VBASE_RAW */
    raw_vclass rv[RAW_VCLASSES];
};

_Static_assert(sizeof(hp_pool) <= POOL_OVERHEAD, "pool header too big");
_Static_assert(HP_NUM_CLASSES == 32, "heap.h has 32 class stats");
_Static_assert(_Alignof(max_align_t) >= HP_ALIGNMENT,
               "malloc must return 16-byte aligned blocks");

/* ---- small helpers ---------------------------------------------------- */

_Noreturn HP_COLD static void alloc_panic(const char *what, const void *p)
{
    fprintf(stderr, "heapd: allocator: %s (%p)\n", what, p);
    abort();
}

static inline uint32_t class_size(unsigned cls)
{
    return (uint32_t)(cls + 1) << 4;
}

static inline uint32_t pool_capacity(unsigned cls)
{
    return (uint32_t)((HP_POOL_SIZE - POOL_OVERHEAD) / class_size(cls));
}

static inline uint64_t round16(uint64_t n)
{
    return (n + HP_ALIGNMENT - 1) & ~(uint64_t)(HP_ALIGNMENT - 1);
}

static inline hp_pool *pool_of(const void *p)
{
    return (hp_pool *)((uintptr_t)p & ~POOL_MASK);
}

static inline unsigned bit_index(const void *p)
{
    return (unsigned)(((uintptr_t)p & POOL_MASK) >> 4);
}

/* Fault injection first, so every attempt counts, then the byte budget
 * for a block of `add` bytes replacing one of `sub` bytes
 * (see docs/allocator.md#limits). */
static inline bool charge_ok(hp_alloc *a, uint64_t add, uint64_t sub)
{
    if (HP_UNLIKELY(a->fail_countdown != 0) && --a->fail_countdown == 0)
        return false;
    return a->bytes_in_use - sub + add <= a->max_bytes;
}

/* The offset of p in the arena slot space (slot << 20 | offset in the
 * arena), or UINT64_MAX if p is in no region, i.e. is a raw block. */
static uint64_t arena_offset_slow(const hp_alloc *a, const void *p)
{
    for (uint32_t r = 1; r < a->nregions; r++) {
        uintptr_t d = (uintptr_t)p - (uintptr_t)a->regions[r];
        if (a->regions[r] != NULL && d < a->region_bytes)
            return ((uint64_t)r << (a->region_shift + ARENA_SHIFT)) + d;
    }
    return UINT64_MAX;
}

static inline uint64_t arena_offset(const hp_alloc *a, const void *p)
{
    uintptr_t d = (uintptr_t)p - a->region0;
    if (HP_LIKELY(d < a->region_bytes))
        return d;
    return arena_offset_slow(a, p);
}

/* ---- regions and arenas (see docs/allocator.md#regions, #arenas) ------ */

/* Reserve `bytes` of address space, 1 MiB aligned, with no memory. */
static char *region_reserve(size_t bytes)
{
    size_t len = bytes + HP_ARENA_SIZE;
    char *m = mmap(NULL, len, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED)
        return NULL;
    uintptr_t base =
        ((uintptr_t)m + HP_ARENA_SIZE - 1) & ~(uintptr_t)ARENA_MASK;
    size_t head = base - (uintptr_t)m;
    if (head != 0)
        munmap(m, head);
    if (len - head - bytes != 0)
        munmap((char *)base + bytes, len - head - bytes);
    return (char *)base;
}

/* The address of slot s, reserving its region on first use. */
static char *slot_address(hp_alloc *a, uint32_t s)
{
    uint32_t r = s >> a->region_shift;
    if (r >= a->nregions) {
        char **g = realloc(a->regions, (size_t)(r + 1) * sizeof *g);
        if (g == NULL)
            return NULL;
        memset(g + a->nregions, 0, (size_t)(r + 1 - a->nregions) * sizeof *g);
        a->regions = g;
        a->nregions = r + 1;
    }
    if (a->regions[r] == NULL) {
        a->regions[r] = region_reserve(a->region_bytes);
        if (a->regions[r] == NULL)
            return NULL;
    }
    uint32_t in_region = s & ((1u << a->region_shift) - 1);
    return a->regions[r] + ((uintptr_t)in_region << ARENA_SHIFT);
}

static bool slots_grow(hp_alloc *a, uint32_t want)
{
    uint32_t n = a->nslots ? a->nslots : 16;
    while (n < want)
        n *= 2;
    hp_arena **g = realloc(a->slots, (size_t)n * sizeof *g);
    if (g == NULL)
        return false;
    memset(g + a->nslots, 0, (size_t)(n - a->nslots) * sizeof *g);
    a->slots = g;
    a->nslots = n;
    return true;
}

/* A new arena in the lowest free slot, or NULL with nothing changed that
 * anybody can observe. */
static hp_arena *arena_new(hp_alloc *a)
{
    uint32_t s = a->slot_hint;
    while (s < a->nslots && a->slots[s] != NULL)
        s++;
    if (s >= MAX_SLOTS)
        return NULL;
    if (s >= a->nslots && !slots_grow(a, s + 1))
        return NULL;
    char *base = slot_address(a, s);
    if (base == NULL)
        return NULL;
    hp_arena *ao = calloc(1, sizeof *ao);
    if (ao == NULL)
        return NULL;
    /* mprotect, not mmap(MAP_FIXED): a failure must not leave a hole in
     * the reservation that somebody else's mmap could fill. */
    if (mprotect(base, HP_ARENA_SIZE, PROT_READ | PROT_WRITE) != 0) {
        free(ao);
        return NULL;
    }
    ao->base = base;
    ao->slot = s;
    ao->nfreepools = POOLS_PER_ARENA;
    a->slots[s] = ao;
    a->slot_hint = s + 1;
    a->arenas_allocated_total++;
    if (++a->arenas_current > a->arenas_highwater)
        a->arenas_highwater = a->arenas_current;
    return ao;
}

/* Give an arena's memory back to the OS; its slot becomes free. */
static void arena_release(hp_alloc *a, hp_arena *ao)
{
    UNPOISON(ao->base, HP_ARENA_SIZE);
    /* MADV_FREE: the kernel takes the pages when it needs memory, and a
     * new arena in this slot before then does not fault them in again
     * (see docs/allocator.md#arenas). */
    if (madvise(ao->base, HP_ARENA_SIZE, MADV_FREE) != 0)
        madvise(ao->base, HP_ARENA_SIZE, MADV_DONTNEED);
    /* Failure only leaves the (empty) arena accessible: harmless. */
    (void)mprotect(ao->base, HP_ARENA_SIZE, PROT_NONE);
    a->slots[ao->slot] = NULL;
    if (ao->slot < a->slot_hint)
        a->slot_hint = ao->slot;
    a->arenas_current--;
    a->arenas_reclaimed++;
    free(ao);
}

/* ---- pools (CPython's allocate_from_new_pool / insert_to_freepool) ---- */

/* Set up a pool for one kind and class and return its first block,
 * allocated; the second is carved as the free list. */
static char *pool_init(hp_alloc *a, hp_pool *pool, unsigned kind, unsigned cls)
{
    uint32_t size = class_size(cls);
    char *bp = (char *)pool + POOL_OVERHEAD;
    /* Old blocks may have had another size: poison the whole body. */
    POISON(bp, HP_POOL_SIZE - POOL_OVERHEAD);
    UNPOISON(bp, size);
    pool->kind = (uint8_t)kind;
    pool->szidx = (uint8_t)cls;
    pool->count = 1;
    pool->nextoffset = (uint16_t)(POOL_OVERHEAD + 2 * size);
    pool->maxnextoffset = (uint16_t)(HP_POOL_SIZE - size);
    pool->freeblock = bp + size;
    set_link(bp + size, NULL);
    /* The class's used list is empty, or we would not be here. */
    pool->next = pool->prev = NULL;
    a->used[kind - POOL_OBJ][cls] = pool;
    unsigned b = POOL_OVERHEAD / HP_ALIGNMENT;
    pool->bits[b >> 6] |= (uint64_t)1 << (b & 63);
    a->bytes_in_use += size;
    return bp;
}

/* Take a free pool from the most used arena that has one. */
static hp_pool *pool_take(hp_alloc *a)
{
    if (a->usable_arenas == NULL) {
        hp_arena *ao = arena_new(a);
        if (ao == NULL)
            return NULL;
        ao->next = ao->prev = NULL;
        a->usable_arenas = ao;
        a->nfp2lasta[ao->nfreepools] = ao;
    }
    hp_arena *ao = a->usable_arenas;
    /* It has the smallest nfreepools, so decrementing keeps the order. */
    if (a->nfp2lasta[ao->nfreepools] == ao)
        a->nfp2lasta[ao->nfreepools] = NULL;
    if (ao->nfreepools > 1)
        a->nfp2lasta[ao->nfreepools - 1] = ao;

    hp_pool *pool = ao->freepools;
    if (pool != NULL) {
        ao->freepools = pool->next;
    } else {
        uint32_t idx = ao->ncarved++;
        pool = (hp_pool *)(ao->base + ((uintptr_t)idx << POOL_SHIFT));
        pool->arena = ao;
        pool->bits = ao->bits + (size_t)idx * WORDS_PER_POOL;
    }
    if (--ao->nfreepools == 0) {
        a->usable_arenas = ao->next;
        if (a->usable_arenas != NULL)
            a->usable_arenas->prev = NULL;
    }
    return pool;
}

/* The pool became empty: unlink it from its used list, give it to its
 * arena, keep usable_arenas sorted, and release the arena when it is
 * wholly free unless it is the last one (see docs/allocator.md#arenas). */
HP_NOINLINE static void pool_release(hp_alloc *a, hp_pool *pool)
{
    if (pool->prev != NULL)
        pool->prev->next = pool->next;
    else
        a->used[pool->kind - POOL_OBJ][pool->szidx] = pool->next;
    if (pool->next != NULL)
        pool->next->prev = pool->prev;
    pool->kind = POOL_FREE;

    hp_arena *ao = pool->arena;
    pool->next = ao->freepools;
    ao->freepools = pool;
    uint32_t nf = ao->nfreepools;
    hp_arena *lastnf = a->nfp2lasta[nf];
    if (lastnf == ao) {
        hp_arena *p = ao->prev;
        a->nfp2lasta[nf] = (p != NULL && p->nfreepools == nf) ? p : NULL;
    }
    ao->nfreepools = ++nf;

    if (nf == POOLS_PER_ARENA && ao->next != NULL) {
        /* Wholly free and not the last usable arena: release it. */
        if (ao->prev != NULL)
            ao->prev->next = ao->next;
        else
            a->usable_arenas = ao->next;
        ao->next->prev = ao->prev;
        arena_release(a, ao);
        return;
    }
    if (nf == 1) {
        /* It was full, so not in usable_arenas: it goes first. */
        ao->next = a->usable_arenas;
        ao->prev = NULL;
        if (a->usable_arenas != NULL)
            a->usable_arenas->prev = ao;
        a->usable_arenas = ao;
        if (a->nfp2lasta[1] == NULL)
            a->nfp2lasta[1] = ao;
        return;
    }
    if (a->nfp2lasta[nf] == NULL)
        a->nfp2lasta[nf] = ao;
    if (ao == lastnf)
        return; /* still in order */
    /* Move ao right, to just after lastnf. */
    if (ao->prev != NULL)
        ao->prev->next = ao->next;
    else
        a->usable_arenas = ao->next;
    ao->next->prev = ao->prev;
    ao->prev = lastnf;
    ao->next = lastnf->next;
    if (ao->next != NULL)
        ao->next->prev = ao;
    lastnf->next = ao;
}

/* A full pool got a free block: it goes first in its used list. */
HP_NOINLINE static void pool_link_used(hp_alloc *a, hp_pool *pool)
{
    hp_pool **head = &a->used[pool->kind - POOL_OBJ][pool->szidx];
    pool->prev = NULL;
    pool->next = *head;
    if (*head != NULL)
        (*head)->prev = pool;
    *head = pool;
}

/* ---- small blocks: the hot path --------------------------------------- */

/* The pool's free list ran out: carve the next block, or unlink the
 * pool if it is full. */
static inline void pool_extend(hp_alloc *a, hp_pool *pool, uint32_t size)
{
    if (pool->nextoffset <= pool->maxnextoffset) {
        char *fb = (char *)pool + pool->nextoffset;
        pool->nextoffset = (uint16_t)(pool->nextoffset + size);
        set_link(fb, NULL);
        pool->freeblock = fb;
        return;
    }
    /* Full.  A pool with a free block is always at the head of its list,
     * since blocks come from the head pool. */
    a->used[pool->kind - POOL_OBJ][pool->szidx] = pool->next;
    if (pool->next != NULL)
        pool->next->prev = NULL;
}

HP_NOINLINE static void *small_alloc_new_pool(hp_alloc *a, unsigned kind,
                                              unsigned cls);

/* Caller has checked charge_ok.  NULL only when memory runs out. */
static inline void *small_alloc(hp_alloc *a, unsigned kind, size_t n)
{
    unsigned cls = (unsigned)((n - 1) >> 4);
    uint32_t size = class_size(cls);
    hp_pool *pool = a->used[kind - POOL_OBJ][cls];
    if (HP_UNLIKELY(pool == NULL))
        return small_alloc_new_pool(a, kind, cls);
    char *bp = pool->freeblock;
    UNPOISON(bp, size);
    pool->count++;
    pool->freeblock = *(char **)bp;
    if (HP_UNLIKELY(pool->freeblock == NULL))
        pool_extend(a, pool, size);
    unsigned b = bit_index(bp);
    pool->bits[b >> 6] |= (uint64_t)1 << (b & 63);
    a->bytes_in_use += size;
    return bp;
}

HP_NOINLINE static void *small_alloc_new_pool(hp_alloc *a, unsigned kind,
                                              unsigned cls)
{
    hp_pool *pool = pool_take(a);
    if (pool == NULL)
        return NULL;
    return pool_init(a, pool, kind, cls);
}

static inline void small_free(hp_alloc *a, hp_pool *pool, void *p,
                              unsigned kind)
{
    unsigned b = bit_index(p);
    uint64_t *w = &pool->bits[b >> 6];
    uint64_t m = (uint64_t)1 << (b & 63);
    /* Always on: a double free would corrupt the pool's free list. */
    if (HP_UNLIKELY(!(*w & m)))
        alloc_panic("double free or free of a non-block", p);
    CHECK_KIND(pool->kind, kind, p);
    *w &= ~m;
    uint32_t size = class_size(pool->szidx);
    a->bytes_in_use -= size;
    char *last = pool->freeblock;
    set_link(p, last);
    pool->freeblock = p;
    POISON(p, size);
    pool->count--;
    if (HP_UNLIKELY(last == NULL))
        pool_link_used(a, pool); /* was full; a pool holds > 1 block */
    else if (HP_UNLIKELY(pool->count == 0))
        pool_release(a, pool);
}

/* ---- raw domain (see docs/allocator.md#raw) --------------------------- */

static inline size_t raw_hash(uint64_t v, size_t mask)
{
    return (size_t)(((v >> 4) * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
}

static raw_entry *raw_lookup(const hp_alloc *a, uint64_t v)
{
    if (a->rcap == 0)
        return NULL;
    size_t mask = a->rcap - 1;
    for (size_t i = raw_hash(v, mask);; i = (i + 1) & mask) {
        if (a->rtab[i].key == v)
            return &a->rtab[i];
        if (a->rtab[i].key == 0)
            return NULL;
    }
}

static void raw_insert(hp_alloc *a, uint64_t v, raw_hdr *h)
{
    size_t mask = a->rcap - 1;
    size_t i = raw_hash(v, mask);
    while (a->rtab[i].key != 0)
        i = (i + 1) & mask;
    a->rtab[i].key = v;
    a->rtab[i].val = h;
    a->rcount++;
}

/* Room for one more entry at load <= 1/2, so probing always ends. */
static bool raw_table_reserve(hp_alloc *a)
{
    if ((a->rcount + 1) * 2 <= a->rcap)
        return true;
    size_t ncap = a->rcap ? a->rcap * 2 : 64;
    raw_entry *old = a->rtab;
    size_t ocap = a->rcap;
    raw_entry *t = calloc(ncap, sizeof *t);
    if (t == NULL)
        return false;
    a->rtab = t;
    a->rcap = ncap;
    a->rcount = 0;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].key != 0)
            raw_insert(a, old[i].key, old[i].val);
    free(old);
    return true;
}

/* Is k cyclically in (i, j]? */
static inline bool cyclic_between(size_t i, size_t k, size_t j)
{
    return i <= j ? (i < k && k <= j) : (i < k || k <= j);
}

/* Linear-probing deletion without tombstones (Knuth's Algorithm R). */
static void raw_delete(hp_alloc *a, raw_entry *e)
{
    size_t mask = a->rcap - 1;
    size_t i = (size_t)(e - a->rtab);
    for (size_t j = (i + 1) & mask; a->rtab[j].key != 0; j = (j + 1) & mask) {
        size_t k = raw_hash(a->rtab[j].key, mask);
        if (!cyclic_between(i, k, j)) {
            a->rtab[i] = a->rtab[j];
            i = j;
        }
    }
    a->rtab[i].key = 0;
    a->rtab[i].val = NULL;
    a->rcount--;
}

/* Virtual size classes: 4 per power of two (see docs/allocator.md#raw). */
static inline unsigned raw_vclass_of(uint64_t size)
{
    uint64_t m = size - 1; /* size > 512, so m >= 512 */
    unsigned k = 63u - (unsigned)__builtin_clzll(m);
    unsigned sub = (unsigned)(m >> (k - 2)) & 3u;
    return (k - 9) * 4 + sub;
}

static inline uint64_t raw_vclass_size(unsigned c)
{
    unsigned k = c / 4 + 9, sub = c % 4;
    return (uint64_t)(5 + sub) << (k - 2);
}

/* Make sure class c can hand out a vaddr: capacity for one more minted
 * one, and address space left.  Changes nothing observable. */
static bool raw_vaddr_ready(hp_alloc *a, unsigned c)
{
    raw_vclass *vc = &a->rv[c];
    if (vc->nfree != 0)
        return true;
    if (a->raw_vnext + raw_vclass_size(c) > RAW_VSPACE)
        return false;
    if (vc->nminted < vc->cap)
        return true;
    uint32_t ncap = vc->cap ? vc->cap * 2 : 8;
    uint64_t *g = realloc(vc->free, (size_t)ncap * sizeof *g);
    if (g == NULL)
        return false;
    vc->free = g;
    vc->cap = ncap;
    return true;
}

/* After raw_vaddr_ready(a, c): the vaddr, reusing the last freed one. */
static uint64_t raw_vaddr_take(hp_alloc *a, unsigned c)
{
    raw_vclass *vc = &a->rv[c];
    if (vc->nfree != 0)
        return vc->free[--vc->nfree];
    uint64_t v = HP_VBASE_RAW + a->raw_vnext;
    a->raw_vnext += raw_vclass_size(c);
    vc->nminted++;
    return v;
}

static void raw_vaddr_give(hp_alloc *a, uint64_t v, uint64_t size)
{
    raw_vclass *vc = &a->rv[raw_vclass_of(size)];
    vc->free[vc->nfree++] = v; /* cap >= nminted >= nfree + 1 */
}

/* Caller has checked charge_ok; size is rounded, 512 < size <= RAW_MAX. */
static void *raw_alloc(hp_alloc *a, unsigned kind, uint64_t size)
{
    unsigned c = raw_vclass_of(size);
    if (!raw_table_reserve(a) || !raw_vaddr_ready(a, c))
        return NULL;
    raw_hdr *h = malloc(sizeof *h + size);
    if (h == NULL)
        return NULL;
    h->vaddr = raw_vaddr_take(a, c);
    h->size = size | (kind == POOL_OBJ ? RAW_OBJ : 0);
    raw_insert(a, h->vaddr, h);
    a->raw_bytes += size;
    a->bytes_in_use += size;
    return h + 1;
}

static raw_entry *raw_entry_of(hp_alloc *a, raw_hdr *h)
{
    raw_entry *e = raw_lookup(a, h->vaddr);
    if (e == NULL || e->val != h)
        alloc_panic("free of a block this heap does not own", h + 1);
    return e;
}

static void raw_free(hp_alloc *a, void *p, unsigned kind)
{
    raw_hdr *h = (raw_hdr *)p - 1;
    raw_entry *e = raw_entry_of(a, h);
    CHECK_KIND((h->size & RAW_OBJ) ? POOL_OBJ : POOL_DATA, kind, p);
    uint64_t size = h->size & ~(uint64_t)RAW_OBJ;
    raw_delete(a, e);
    raw_vaddr_give(a, h->vaddr, size);
    a->raw_bytes -= size;
    a->bytes_in_use -= size;
    free(h);
}

/* Grow or shrink a raw data block in place or by realloc; the vaddr is
 * kept while the virtual class is the same.  Caller has checked
 * charge_ok.  On failure p is untouched. */
static void *raw_resize(hp_alloc *a, void *p, uint64_t size)
{
    raw_hdr *h = (raw_hdr *)p - 1;
    uint64_t old = h->size & ~(uint64_t)RAW_OBJ;
    uint64_t flags = h->size & RAW_OBJ;
    unsigned oc = raw_vclass_of(old), nc = raw_vclass_of(size);
    raw_entry *e = raw_entry_of(a, h);
    if (nc != oc && !raw_vaddr_ready(a, nc))
        return NULL;
    raw_hdr *g = realloc(h, sizeof *g + size);
    if (g == NULL)
        return NULL;
    g->size = size | flags;
    if (nc == oc) {
        e->val = g;
    } else {
        raw_delete(a, e);
        raw_vaddr_give(a, g->vaddr, old);
        g->vaddr = raw_vaddr_take(a, nc);
        raw_insert(a, g->vaddr, g); /* the delete made room */
    }
    a->raw_bytes = a->raw_bytes - old + size;
    a->bytes_in_use = a->bytes_in_use - old + size;
    return g + 1;
}

/* ---- entry points ------------------------------------------------------ */

HP_NOINLINE static void *alloc_slow(hp_alloc *a, unsigned kind, size_t n);

static inline void *block_alloc(hp_alloc *a, unsigned kind, size_t n)
{
    if (HP_LIKELY(n - 1 < HP_SMALL_LIMIT)) {
        if (HP_UNLIKELY(!charge_ok(a, round16(n), 0)))
            return NULL;
        void *p = small_alloc(a, kind, n);
        if (p != NULL)
            asan_fit(p, n, round16(n));
        return p;
    }
    return alloc_slow(a, kind, n);
}

HP_NOINLINE static void *alloc_slow(hp_alloc *a, unsigned kind, size_t n)
{
    if (n == 0)
        return block_alloc(a, kind, 1); /* like malloc(0): a unique block */
    if (!charge_ok(a, n <= RAW_MAX ? round16(n) : RAW_MAX, 0))
        return NULL;
    if (n > RAW_MAX)
        return NULL;
    void *p = raw_alloc(a, kind, round16(n));
    if (p != NULL)
        asan_fit(p, n, round16(n));
    return p;
}

HP_NOINLINE static void free_slow(hp_alloc *a, void *p, unsigned kind)
{
    if (p == NULL)
        return;
    if (arena_offset_slow(a, p) != UINT64_MAX)
        small_free(a, pool_of(p), p, kind);
    else
        raw_free(a, p, kind);
}

static inline void block_free(hp_alloc *a, void *p, unsigned kind)
{
    if (HP_LIKELY((uintptr_t)p - a->region0 < a->region_bytes)) {
        small_free(a, pool_of(p), p, kind);
        return;
    }
    free_slow(a, p, kind);
}

void *hp__alloc_obj(hp_alloc *a, size_t n)
{
    CHECK_SIG(a);
    return block_alloc(a, POOL_OBJ, n);
}

void hp__free_obj(hp_alloc *a, void *p)
{
    CHECK_SIG(a);
    block_free(a, p, POOL_OBJ);
}

void *hp__alloc_data(hp_alloc *a, size_t n)
{
    CHECK_SIG(a);
    return block_alloc(a, POOL_DATA, n);
}

void hp__free_data(hp_alloc *a, void *p)
{
    CHECK_SIG(a);
    block_free(a, p, POOL_DATA);
}

/* see docs/allocator.md#realloc */
void *hp__realloc_data(hp_alloc *a, void *p, size_t n)
{
    CHECK_SIG(a);
    if (p == NULL)
        return block_alloc(a, POOL_DATA, n);
    if (n == 0)
        n = 1;
    bool small = arena_offset(a, p) != UINT64_MAX;
    uint64_t old;
    if (small) {
        hp_pool *pool = pool_of(p);
        CHECK_KIND(pool->kind, POOL_DATA, p);
        if (n <= HP_SMALL_LIMIT && (n - 1) >> 4 == pool->szidx) {
            asan_fit(p, n, class_size(pool->szidx));
            return p;
        }
        old = class_size(pool->szidx);
    } else {
        const raw_hdr *h = (const raw_hdr *)p - 1;
        CHECK_KIND((h->size & RAW_OBJ) ? POOL_OBJ : POOL_DATA, POOL_DATA, p);
        old = h->size & ~(uint64_t)RAW_OBJ;
        if (n > HP_SMALL_LIMIT && n <= RAW_MAX && round16(n) == old) {
            asan_fit(p, n, old);
            return p;
        }
    }
    uint64_t size = n <= RAW_MAX ? round16(n) : RAW_MAX;
    if (!charge_ok(a, size, old) || n > RAW_MAX)
        return NULL;
    if (!small && n > HP_SMALL_LIMIT) {
        void *q = raw_resize(a, p, size);
        if (q != NULL)
            asan_fit(q, n, size);
        return q;
    }
    void *q = n <= HP_SMALL_LIMIT ? small_alloc(a, POOL_DATA, n)
                                  : raw_alloc(a, POOL_DATA, size);
    if (q == NULL)
        return NULL;
    /* Copy what is addressable in both: the block, up to the request. */
    UNPOISON(p, old);
    UNPOISON(q, size);
    memcpy(q, p, old < size ? old : size);
    asan_fit(q, n, size);
    block_free(a, p, POOL_DATA);
    return q;
}

/* see docs/allocator.md#vaddr */
uint64_t hp__alloc_vaddr(const hp_alloc *a, const void *p)
{
    CHECK_SIG(a);
    if (p == NULL)
        return 0;
    uint64_t off = arena_offset(a, p);
    if (HP_LIKELY(off != UINT64_MAX))
        return HP_VBASE_ARENAS + off;
    return ((const raw_hdr *)p - 1)->vaddr;
}

/* see docs/allocator.md#find */
void *hp__alloc_find(const hp_alloc *a, uint64_t v)
{
    CHECK_SIG(a);
    if (v & (HP_ALIGNMENT - 1))
        return NULL;
    uint64_t off = v - HP_VBASE_ARENAS;
    if (off < ((uint64_t)a->nslots << ARENA_SHIFT)) {
        const hp_arena *ao = a->slots[off >> ARENA_SHIFT];
        if (ao == NULL)
            return NULL; /* free or never used slot: unmapped */
        uint32_t idx = (uint32_t)(off >> POOL_SHIFT) & (POOLS_PER_ARENA - 1);
        if (idx >= ao->ncarved)
            return NULL; /* never-carved pool: no header */
        char *p = ao->base + (off & ARENA_MASK);
        if (pool_of(p)->kind != POOL_OBJ)
            return NULL; /* free or data pool */
        unsigned b = bit_index(p);
        const uint64_t *w = ao->bits + (size_t)idx * WORDS_PER_POOL;
        return (w[b >> 6] >> (b & 63)) & 1 ? p : NULL;
    }
    if (v - HP_VBASE_RAW < a->raw_vnext) {
        const raw_entry *e = raw_lookup(a, v);
        if (e != NULL && (e->val->size & RAW_OBJ))
            return e->val + 1;
    }
    return NULL;
}

size_t hp__alloc_block_size(const hp_alloc *a, const void *p)
{
    CHECK_SIG(a);
    if (p == NULL)
        return 0;
    if (arena_offset(a, p) != UINT64_MAX)
        return class_size(pool_of(p)->szidx);
    return (size_t)(((const raw_hdr *)p - 1)->size & ~(uint64_t)RAW_OBJ);
}

uint64_t hp__alloc_bytes_in_use(const hp_alloc *a)
{
    CHECK_SIG(a);
    return a->bytes_in_use;
}

void hp__alloc_set_max_bytes(hp_alloc *a, uint64_t max_bytes)
{
    CHECK_SIG(a);
    a->max_bytes = max_bytes ? max_bytes : UINT64_MAX;
}

void hp__alloc_fail_nth(hp_alloc *a, uint64_t n)
{
    CHECK_SIG(a);
    a->fail_countdown = n;
}

/* see docs/allocator.md#stats */
void hp__alloc_stats(const hp_alloc *a, hp_malloc_stats *out)
{
    CHECK_SIG(a);
    memset(out, 0, sizeof *out);
    for (unsigned c = 0; c < HP_NUM_CLASSES; c++)
        out->classes[c].size = class_size(c);
    uint64_t used_pools = 0;
    for (uint32_t s = 0; s < a->nslots; s++) {
        const hp_arena *ao = a->slots[s];
        if (ao == NULL)
            continue;
        out->pools_free += ao->nfreepools;
        for (uint32_t i = 0; i < ao->ncarved; i++) {
            const hp_pool *pool =
                (const hp_pool *)(ao->base + ((uintptr_t)i << POOL_SHIFT));
            if (pool->kind == POOL_FREE)
                continue;
            hp_malloc_class_stats *cs = &out->classes[pool->szidx];
            cs->pools++;
            cs->blocks_in_use += pool->count;
            cs->blocks_free += pool_capacity(pool->szidx) - pool->count;
            used_pools++;
        }
    }
    for (unsigned c = 0; c < HP_NUM_CLASSES; c++) {
        out->bytes_in_blocks += out->classes[c].blocks_in_use * class_size(c);
        out->bytes_free_blocks += out->classes[c].blocks_free * class_size(c);
    }
    out->arenas_allocated_total = a->arenas_allocated_total;
    out->arenas_reclaimed = a->arenas_reclaimed;
    out->arenas_highwater = a->arenas_highwater;
    out->arenas_current = a->arenas_current;
    out->bytes_unused_pools = out->pools_free * HP_POOL_SIZE;
    out->bytes_pool_headers = used_pools * POOL_OVERHEAD;
    out->bytes_arena_total = a->arenas_current * HP_ARENA_SIZE;
    out->raw_blocks = a->rcount;
    out->raw_bytes = a->raw_bytes;
    out->bytes_in_use = a->bytes_in_use;
}

/* ---- create / destroy --------------------------------------------------- */

static bool region0_reserve(hp_alloc *a, uint32_t shift_max, uint32_t shift_min)
{
    for (uint32_t shift = shift_max;; shift--) {
        uintptr_t bytes = (uintptr_t)HP_ARENA_SIZE << shift;
        char *r = region_reserve(bytes);
        if (r != NULL) {
            a->regions[0] = r;
            a->region0 = (uintptr_t)r;
            a->region_bytes = bytes;
            a->region_shift = shift;
            return true;
        }
        if (shift == shift_min)
            return false;
    }
}

hp_alloc *hp__alloc_new(void)
{
    hp_alloc *a = calloc(1, sizeof *a);
    if (a == NULL)
        return NULL;
    a->sig = ALLOC_SIG;
    a->max_bytes = UINT64_MAX;
    a->regions = calloc(1, sizeof *a->regions);
    if (a->regions == NULL)
        goto fail_regions;
    a->nregions = 1;
    if (!region0_reserve(a, REGION_SLOTS_SHIFT, REGION_SLOTS_MIN))
        goto fail_reserve;
    return a;

fail_reserve:
    free(a->regions);
fail_regions:
    free(a);
    return NULL;
}

void hp__alloc_free_all(hp_alloc *a)
{
    if (a == NULL)
        return;
    CHECK_SIG(a);
    for (uint32_t s = 0; s < a->nslots; s++) {
        if (a->slots[s] != NULL) {
            UNPOISON(a->slots[s]->base, HP_ARENA_SIZE);
            free(a->slots[s]);
        }
    }
    for (uint32_t r = 0; r < a->nregions; r++)
        if (a->regions[r] != NULL)
            munmap(a->regions[r], a->region_bytes);
    for (size_t i = 0; i < a->rcap; i++)
        if (a->rtab[i].key != 0)
            free(a->rtab[i].val);
    for (unsigned c = 0; c < RAW_VCLASSES; c++)
        free(a->rv[c].free);
    free(a->rtab);
    free(a->slots);
    free(a->regions);
    a->sig = 0;
    free(a);
}

/* ---- not yet declared in alloc.h: testing aids ---------------------------
 * Prototypes for the lead to add to alloc.h:
 *   int hp__alloc_check(const hp_alloc *a);
 *   int hp__alloc_set_region_slots(hp_alloc *a, unsigned shift);
 */

/* Shrink the regions to 1 << shift arena slots so tests reach the
 * multi-region code (see docs/allocator.md#regions).  Only before the
 * first allocation; returns 0, or -1 with nothing changed. */
int hp__alloc_set_region_slots(hp_alloc *a, unsigned shift)
{
    CHECK_SIG(a);
    if (shift > REGION_SLOTS_SHIFT || a->arenas_allocated_total != 0 ||
        a->nregions != 1)
        return -1;
    char *old = a->regions[0];
    uintptr_t old_bytes = a->region_bytes;
    if (!region0_reserve(a, shift, shift))
        return -1;
    munmap(old, old_bytes);
    return 0;
}

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "heapd: allocator check failed: %s (line %d)\n",   \
                    #cond, __LINE__);                                          \
            return -__LINE__;                                                  \
        }                                                                      \
    } while (0)

/* Read a free block's link; under ASan the block is poisoned. */
static char *free_link(char *b)
{
    UNPOISON(b, sizeof(char *));
    char *next = *(char **)b;
    POISON(b, sizeof(char *));
    return next;
}

static int check_pool(const hp_pool *pool, const hp_arena *ao, uint32_t idx,
                      uint64_t *bytes)
{
    CHECK(pool->arena == ao);
    CHECK(pool->bits == ao->bits + (size_t)idx * WORDS_PER_POOL);
    uint64_t pop = 0;
    for (unsigned w = 0; w < WORDS_PER_POOL; w++)
        pop += (uint64_t)__builtin_popcountll(pool->bits[w]);
    if (pool->kind == POOL_FREE) {
        CHECK(pop == 0);
        return 0;
    }
    CHECK(pool->kind == POOL_OBJ || pool->kind == POOL_DATA);
    CHECK(pool->szidx < HP_NUM_CLASSES);
    uint32_t size = class_size(pool->szidx);
    CHECK(pool->count == pop);
    CHECK(pool->count <= pool_capacity(pool->szidx));
    CHECK(pool->nextoffset >= POOL_OVERHEAD + size);
    CHECK(pool->nextoffset <= HP_POOL_SIZE);
    uint32_t carved = (pool->nextoffset - POOL_OVERHEAD) / size;
    /* Set bits only at carved block starts. */
    for (unsigned b = 0; b < BITS_PER_POOL; b++) {
        if (!((pool->bits[b >> 6] >> (b & 63)) & 1))
            continue;
        uint32_t off = b * HP_ALIGNMENT;
        CHECK(off >= POOL_OVERHEAD && (off - POOL_OVERHEAD) % size == 0);
        CHECK(off < pool->nextoffset);
    }
    /* The free list holds exactly the carved blocks not allocated. */
    uint32_t nfree = 0;
    for (char *f = pool->freeblock; f != NULL; f = free_link(f)) {
        uintptr_t off = (uintptr_t)f - (uintptr_t)pool;
        CHECK(pool_of(f) == pool);
        CHECK(off >= POOL_OVERHEAD && (off - POOL_OVERHEAD) % size == 0);
        CHECK(off < pool->nextoffset);
        unsigned b = bit_index(f);
        CHECK(!((pool->bits[b >> 6] >> (b & 63)) & 1));
        CHECK(++nfree <= carved);
    }
    CHECK(nfree + pool->count == carved);
    *bytes += (uint64_t)pool->count * size;
    return 0;
}

/* Walk every structure and check the invariants docs/allocator.md states.
 * Returns 0, or minus the line of the failed check (and says which on
 * stderr).  Slow: for tests. */
int hp__alloc_check(const hp_alloc *a)
{
    int rc;
    CHECK(a->sig == ALLOC_SIG);
    uint64_t small_bytes = 0, live = 0, wholly_free = 0, usable = 0;
    for (uint32_t s = 0; s < a->nslots; s++) {
        const hp_arena *ao = a->slots[s];
        if (ao == NULL)
            continue;
        live++;
        CHECK(ao->slot == s);
        CHECK(ao->ncarved <= POOLS_PER_ARENA);
        CHECK(ao->nfreepools <= POOLS_PER_ARENA);
        uint32_t nfp = 0;
        for (const hp_pool *p = ao->freepools; p != NULL; p = p->next) {
            CHECK(p->kind == POOL_FREE && p->arena == ao);
            CHECK(++nfp <= ao->ncarved);
        }
        CHECK(nfp + (POOLS_PER_ARENA - ao->ncarved) == ao->nfreepools);
        for (uint32_t i = 0; i < ao->ncarved; i++) {
            const hp_pool *pool =
                (const hp_pool *)(ao->base + ((uintptr_t)i << POOL_SHIFT));
            if ((rc = check_pool(pool, ao, i, &small_bytes)) != 0)
                return rc;
        }
        if (ao->nfreepools == POOLS_PER_ARENA)
            wholly_free++;
        if (ao->nfreepools != 0)
            usable++;
    }
    CHECK(live == a->arenas_current);
    CHECK(wholly_free <= 1);
    /* usable_arenas: exactly the arenas with a free pool, sorted, and
     * nfp2lasta[nf] its last arena with nf free pools. */
    uint64_t n = 0;
    const hp_arena *prev = NULL;
    for (const hp_arena *ao = a->usable_arenas; ao != NULL; ao = ao->next) {
        CHECK(ao->prev == prev);
        CHECK(a->slots[ao->slot] == ao);
        CHECK(ao->nfreepools > 0);
        CHECK(prev == NULL || prev->nfreepools <= ao->nfreepools);
        if (ao->next == NULL || ao->next->nfreepools != ao->nfreepools)
            CHECK(a->nfp2lasta[ao->nfreepools] == ao);
        prev = ao;
        CHECK(++n <= usable);
    }
    CHECK(n == usable);
    for (uint32_t nf = 0; nf <= POOLS_PER_ARENA; nf++) {
        const hp_arena *l = a->nfp2lasta[nf];
        CHECK(l == NULL || l->nfreepools == nf);
    }
    /* used lists: pools with a free block, of that kind and class. */
    for (unsigned k = 0; k < 2; k++) {
        for (unsigned c = 0; c < HP_NUM_CLASSES; c++) {
            const hp_pool *pp = NULL;
            for (const hp_pool *p = a->used[k][c]; p != NULL; p = p->next) {
                CHECK(p->prev == pp);
                CHECK(p->kind == POOL_OBJ + k && p->szidx == c);
                CHECK(p->freeblock != NULL && p->count > 0);
                pp = p;
            }
        }
    }
    /* raw blocks */
    uint64_t raw = 0, nraw = 0;
    for (size_t i = 0; i < a->rcap; i++) {
        const raw_entry *e = &a->rtab[i];
        if (e->key == 0)
            continue;
        CHECK(e->val->vaddr == e->key);
        CHECK(raw_lookup(a, e->key) == e);
        CHECK(e->key - HP_VBASE_RAW < a->raw_vnext);
        uint64_t size = e->val->size & ~(uint64_t)RAW_OBJ;
        CHECK(size > HP_SMALL_LIMIT && size % HP_ALIGNMENT == 0);
        raw += size;
        nraw++;
    }
    CHECK(nraw == a->rcount);
    CHECK(raw == a->raw_bytes);
    CHECK(small_bytes + raw == a->bytes_in_use);
    return 0;
}
