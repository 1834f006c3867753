/*
 * test_alloc.c: unit tests for core/alloc.c, the per-heap allocator.
 *
 * Each test builds its own instances and frees them, so LeakSanitizer
 * checks every test on its own (Check forks one process per test).
 */
#include <check.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "alloc.h"

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#ifdef TEST_ASAN
#include <sanitizer/asan_interface.h>
#endif

/* In alloc.c but not (yet) declared in alloc.h. */
int hp__alloc_check(const hp_alloc *a);
int hp__alloc_set_region_slots(hp_alloc *a, unsigned shift);

#define POOL_OVERHEAD 48 /* docs/allocator.md#pools */
#define MiB           ((uint64_t)1 << 20)

static uint64_t rng(uint64_t *s)
{
    /* xorshift64*: deterministic, good enough for workloads */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545F4914F6CDD1DULL;
}

static uint64_t round16(uint64_t n)
{
    return (n + 15) & ~(uint64_t)15;
}

static hp_alloc *new_alloc(void)
{
    hp_alloc *a = hp__alloc_new();
    ck_assert_ptr_nonnull(a);
    return a;
}

static hp_malloc_stats stats_of(const hp_alloc *a)
{
    hp_malloc_stats st;
    hp__alloc_stats(a, &st);
    return st;
}

static void assert_consistent(const hp_alloc *a)
{
    ck_assert_int_eq(hp__alloc_check(a), 0);
}

/* ---- size classes, alignment, reuse ---------------------------------- */

START_TEST(test_size_classes)
{
    hp_alloc *a = new_alloc();
    for (size_t n = 1; n <= HP_SMALL_LIMIT; n++) {
        void *p = hp__alloc_obj(a, n);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq(hp__alloc_block_size(a, p), round16(n));
        hp_malloc_stats st = stats_of(a);
        for (unsigned c = 0; c < HP_NUM_CLASSES; c++) {
            ck_assert_uint_eq(st.classes[c].size, 16 * (c + 1));
            ck_assert_uint_eq(st.classes[c].blocks_in_use,
                              c == (n - 1) / 16 ? 1 : 0);
        }
        ck_assert_uint_eq(st.raw_blocks, 0);
        ck_assert_uint_eq(hp__alloc_bytes_in_use(a), round16(n));
        hp__free_obj(a, p);
    }
    static const size_t raw[] = {513, 520, 1000, 4096, 100001};
    for (size_t i = 0; i < sizeof raw / sizeof raw[0]; i++) {
        void *p = hp__alloc_data(a, raw[i]);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq(hp__alloc_block_size(a, p), round16(raw[i]));
        hp_malloc_stats st = stats_of(a);
        ck_assert_uint_eq(st.raw_blocks, 1);
        ck_assert_uint_eq(st.raw_bytes, round16(raw[i]));
        ck_assert_uint_eq(st.bytes_in_use, round16(raw[i]));
        hp__free_data(a, p);
    }
    /* n == 0 still gives a distinct smallest block, like malloc(0) */
    void *z = hp__alloc_obj(a, 0);
    ck_assert_ptr_nonnull(z);
    ck_assert_uint_eq(hp__alloc_block_size(a, z), 16);
    hp__free_obj(a, z);
    ck_assert_uint_eq(hp__alloc_bytes_in_use(a), 0);
    hp__alloc_free_all(a);
}
END_TEST

START_TEST(test_alignment)
{
    hp_alloc *a = new_alloc();
    void *keep[600];
    size_t k = 0;
    for (size_t n = 1; n < 3000; n += 5) {
        void *p = (n & 1) ? hp__alloc_obj(a, n) : hp__alloc_data(a, n);
        ck_assert_ptr_nonnull(p);
        uint64_t v = hp__alloc_vaddr(a, p);
        ck_assert_uint_eq((uintptr_t)p % HP_ALIGNMENT, 0);
        ck_assert_uint_eq(v % HP_ALIGNMENT, 0);
        if (n <= HP_SMALL_LIMIT)
            ck_assert(v >= HP_VBASE_ARENAS && v < HP_VBASE_ARENAS + MiB);
        else
            ck_assert(v >= HP_VBASE_RAW && v < HP_VBASE_ARENAS);
        memset(p, 0xab, n); /* the whole request is usable */
        keep[k++] = p;
    }
    for (size_t i = 0; i < k; i++) {
        if (i & 1) /* n = 1 + 5i is odd, an object, for even i */
            hp__free_data(a, keep[i]);
        else
            hp__free_obj(a, keep[i]);
    }
    ck_assert_uint_eq(hp__alloc_bytes_in_use(a), 0);
    assert_consistent(a);
    hp__alloc_free_all(a);
}
END_TEST

START_TEST(test_reuse)
{
    hp_alloc *a = new_alloc();
    void *p = hp__alloc_obj(a, 48);
    uint64_t v = hp__alloc_vaddr(a, p);
    hp__free_obj(a, p);
    void *q = hp__alloc_obj(a, 40); /* same class */
    ck_assert_ptr_eq(q, p);
    ck_assert_uint_eq(hp__alloc_vaddr(a, q), v);

    /* freed blocks come back last-freed first */
    void *x = hp__alloc_obj(a, 48), *y = hp__alloc_obj(a, 48);
    uint64_t vx = hp__alloc_vaddr(a, x), vy = hp__alloc_vaddr(a, y);
    ck_assert_uint_eq(vy - vx, 48);
    hp__free_obj(a, x);
    hp__free_obj(a, y);
    ck_assert_uint_eq(hp__alloc_vaddr(a, hp__alloc_obj(a, 48)), vy);
    ck_assert_uint_eq(hp__alloc_vaddr(a, hp__alloc_obj(a, 48)), vx);

    /* raw vaddrs are reused too, within a virtual class */
    void *r = hp__alloc_obj(a, 1000);
    uint64_t vr = hp__alloc_vaddr(a, r);
    hp__free_obj(a, r);
    r = hp__alloc_obj(a, 1020);
    ck_assert_uint_eq(hp__alloc_vaddr(a, r), vr);
    hp__free_obj(a, r);
    hp__alloc_free_all(a); /* releases what is still allocated */
}
END_TEST

/* ---- determinism --------------------------------------------------------- */

#define WL_LIVE 2048

static size_t pick_size(uint64_t r)
{
    unsigned d = (unsigned)(r % 100);
    if (d < 85)
        return 1 + (r >> 8) % HP_SMALL_LIMIT;
    if (d < 98)
        return HP_SMALL_LIMIT + 1 + (r >> 8) % 4000;
    return 1 + (r >> 8) % 200000;
}

/* A mixed workload; writes the vaddr of every block it gets to out[] and
 * returns how many.  Everything is freed at the end. */
static size_t workload(hp_alloc *a, uint64_t seed, size_t nops, uint64_t *out)
{
    void **live = calloc(WL_LIVE, sizeof *live);
    char *isobj = calloc(WL_LIVE, 1);
    ck_assert(live && isobj);
    size_t k = 0;
    for (size_t i = 0; i < nops; i++) {
        uint64_t r = rng(&seed);
        size_t s = (size_t)(r % WL_LIVE);
        if (i % 40000 == 39999) { /* empty out: arenas are released */
            for (size_t j = 0; j < WL_LIVE; j++) {
                if (live[j] && isobj[j])
                    hp__free_obj(a, live[j]);
                else if (live[j])
                    hp__free_data(a, live[j]);
                live[j] = NULL;
            }
        }
        if (live[s] == NULL) {
            size_t n = pick_size(r >> 16);
            isobj[s] = (r >> 12) & 1;
            live[s] = isobj[s] ? hp__alloc_obj(a, n) : hp__alloc_data(a, n);
            ck_assert_ptr_nonnull(live[s]);
            out[k++] = hp__alloc_vaddr(a, live[s]);
        } else if (!isobj[s] && (r >> 12) % 3 == 0) {
            live[s] = hp__realloc_data(a, live[s], pick_size(r >> 16));
            ck_assert_ptr_nonnull(live[s]);
            out[k++] = hp__alloc_vaddr(a, live[s]);
        } else {
            if (isobj[s])
                hp__free_obj(a, live[s]);
            else
                hp__free_data(a, live[s]);
            live[s] = NULL;
        }
    }
    for (size_t j = 0; j < WL_LIVE; j++) {
        if (live[j] && isobj[j])
            hp__free_obj(a, live[j]);
        else if (live[j])
            hp__free_data(a, live[j]);
    }
    free(live);
    free(isobj);
    return k;
}

#define WL_OPS 120000

START_TEST(test_determinism)
{
    hp_alloc *a = new_alloc(), *b = new_alloc();
    uint64_t *va = malloc(WL_OPS * sizeof *va);
    uint64_t *vb = malloc(WL_OPS * sizeof *vb);
    ck_assert(va && vb);
    /* a is used first, so its process-level state (malloc) differs */
    void *noise = malloc(12345);
    size_t na = workload(a, 42, WL_OPS, va);
    size_t nb = workload(b, 42, WL_OPS, vb);
    ck_assert_uint_eq(na, nb);
    ck_assert(memcmp(va, vb, na * sizeof *va) == 0);
    hp_malloc_stats sa = stats_of(a), sb = stats_of(b);
    ck_assert(memcmp(&sa, &sb, sizeof sa) == 0);
    ck_assert_uint_gt(sa.arenas_reclaimed, 0); /* the workload churned */
    ck_assert_uint_eq(sa.bytes_in_use, 0);
    assert_consistent(a);
    free(noise);
    free(va);
    free(vb);
    hp__alloc_free_all(a);
    hp__alloc_free_all(b);
}
END_TEST

typedef struct run {
    uint64_t *v;
    size_t n;
} run;

static void *thread_run(void *arg)
{
    run *r = arg;
    hp_alloc *a = hp__alloc_new();
    if (a == NULL)
        return NULL;
    r->n = workload(a, 7, WL_OPS, r->v);
    if (hp__alloc_check(a) != 0)
        r->n = 0;
    hp__alloc_free_all(a);
    return NULL;
}

START_TEST(test_threads_independent)
{
    run r[2];
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        r[i].v = malloc(WL_OPS * sizeof(uint64_t));
        r[i].n = 0;
        ck_assert_ptr_nonnull(r[i].v);
        ck_assert_int_eq(pthread_create(&t[i], NULL, thread_run, &r[i]), 0);
    }
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_join(t[i], NULL), 0);
    ck_assert_uint_gt(r[0].n, 0);
    ck_assert_uint_eq(r[0].n, r[1].n);
    ck_assert(memcmp(r[0].v, r[1].v, r[0].n * sizeof(uint64_t)) == 0);
    free(r[0].v);
    free(r[1].v);
}
END_TEST

START_TEST(test_isolation)
{
    hp_alloc *a = new_alloc(), *b = new_alloc();
    void *pa = hp__alloc_obj(a, 64);
    uint64_t v = hp__alloc_vaddr(a, pa);
    ck_assert_ptr_null(hp__alloc_find(b, v)); /* b has no such object */
    void *pb = hp__alloc_obj(b, 64);
    ck_assert_uint_eq(hp__alloc_vaddr(b, pb), v); /* same id space... */
    ck_assert_ptr_ne(pa, pb);                     /* ...own memory */
    ck_assert_ptr_eq(hp__alloc_find(a, v), pa);
    ck_assert_ptr_eq(hp__alloc_find(b, v), pb);
    hp__free_obj(a, pa);
    ck_assert_ptr_null(hp__alloc_find(a, v));
    ck_assert_ptr_eq(hp__alloc_find(b, v), pb);
    ck_assert_uint_eq(hp__alloc_bytes_in_use(a), 0);
    ck_assert_uint_eq(hp__alloc_bytes_in_use(b), 64);
    hp__alloc_free_all(a);
    hp__alloc_free_all(b);
}
END_TEST

/* ---- hp__alloc_find --------------------------------------------------------
 */

START_TEST(test_find_live_and_rejects)
{
    hp_alloc *a = new_alloc();
    /* First block of a fresh pool: its neighbours are known. */
    void *p = hp__alloc_obj(a, 64);
    uint64_t v = hp__alloc_vaddr(a, p);
    uint64_t pool = v & ~(uint64_t)(HP_POOL_SIZE - 1);
    ck_assert_uint_eq(v - pool, POOL_OVERHEAD);
    ck_assert_ptr_eq(hp__alloc_find(a, v), p);

    for (uint64_t d = 1; d < 16; d++) /* misaligned */
        ck_assert_ptr_null(hp__alloc_find(a, v + d));
    for (uint64_t o = 0; o < POOL_OVERHEAD; o += 16) /* pool header */
        ck_assert_ptr_null(hp__alloc_find(a, pool + o));
    ck_assert_ptr_null(hp__alloc_find(a, v + 16));  /* inside the block */
    ck_assert_ptr_null(hp__alloc_find(a, v + 64));  /* carved, free */
    ck_assert_ptr_null(hp__alloc_find(a, v + 128)); /* never carved */
    ck_assert_ptr_null(hp__alloc_find(a, pool + HP_POOL_SIZE - 16));
    ck_assert_ptr_null(hp__alloc_find(a, pool + 5 * HP_POOL_SIZE + 48));
    ck_assert_ptr_null(hp__alloc_find(a, pool + HP_ARENA_SIZE - 16));
    ck_assert_ptr_null(hp__alloc_find(a, HP_VBASE_ARENAS + 1000 * MiB));
    ck_assert_ptr_null(hp__alloc_find(a, HP_VBASE_ARENAS - 16));
    ck_assert_ptr_null(hp__alloc_find(a, 0));
    ck_assert_ptr_null(hp__alloc_find(a, UINT64_MAX));
    ck_assert_ptr_null(hp__alloc_find(a, UINT64_MAX - 15));
    ck_assert_ptr_null(hp__alloc_find(a, HP_VBASE_RAW));

    /* data blocks, small and raw, are never found */
    void *d = hp__alloc_data(a, 64);
    void *dr = hp__alloc_data(a, 5000);
    ck_assert_ptr_null(hp__alloc_find(a, hp__alloc_vaddr(a, d)));
    ck_assert_ptr_null(hp__alloc_find(a, hp__alloc_vaddr(a, dr)));

    /* raw objects are found while allocated */
    void *r = hp__alloc_obj(a, 5000);
    uint64_t vr = hp__alloc_vaddr(a, r);
    ck_assert_ptr_eq(hp__alloc_find(a, vr), r);
    ck_assert_ptr_null(hp__alloc_find(a, vr + 16));
    ck_assert_ptr_null(hp__alloc_find(a, vr + 1));
    hp__free_obj(a, r);
    ck_assert_ptr_null(hp__alloc_find(a, vr));

    /* freed */
    hp__free_obj(a, p);
    ck_assert_ptr_null(hp__alloc_find(a, v));
    /* reused by a data block: still not found */
    void *d2 = hp__alloc_data(a, 64);
    ck_assert_uint_ne(hp__alloc_vaddr(a, d2), v); /* data pools apart */
    hp__free_data(a, d);
    hp__free_data(a, d2);
    hp__free_data(a, dr);
    assert_consistent(a);
    hp__alloc_free_all(a);
}
END_TEST

START_TEST(test_find_free_pool_and_free_arena)
{
    hp_alloc *a = new_alloc();
    /* Fill one pool of 512-byte objects exactly, plus one more. */
    unsigned cap = (HP_POOL_SIZE - POOL_OVERHEAD) / 512;
    void *blk[64];
    uint64_t vb[64];
    for (unsigned i = 0; i <= cap; i++) {
        blk[i] = hp__alloc_obj(a, 512);
        vb[i] = hp__alloc_vaddr(a, blk[i]);
    }
    ck_assert_uint_eq(vb[cap] - vb[0], HP_POOL_SIZE); /* next pool */
    for (unsigned i = 0; i < cap; i++)
        hp__free_obj(a, blk[i]);
    hp_malloc_stats st = stats_of(a);
    ck_assert_uint_eq(st.classes[31].pools, 1); /* first pool is free */
    for (unsigned i = 0; i < cap; i++)
        ck_assert_ptr_null(hp__alloc_find(a, vb[i]));
    /* the free pool is reused for data: its old vaddrs stay unfound */
    void *d = hp__alloc_data(a, 512);
    ck_assert_uint_eq(hp__alloc_vaddr(a, d), vb[0]);
    ck_assert_ptr_null(hp__alloc_find(a, vb[0]));
    hp__free_data(a, d);
    hp__free_obj(a, blk[cap]);

    /* Three arenas of 48-byte objects, then free them all. */
    size_t n = 3 * 64 * ((HP_POOL_SIZE - POOL_OVERHEAD) / 48);
    void **o = malloc(n * sizeof *o);
    ck_assert_ptr_nonnull(o);
    for (size_t i = 0; i < n; i++)
        o[i] = hp__alloc_obj(a, 48);
    ck_assert_uint_eq(stats_of(a).arenas_current, 3);
    uint64_t v_last = hp__alloc_vaddr(a, o[n - 1]);
    uint64_t v_mid = hp__alloc_vaddr(a, o[n / 2]);
    ck_assert_uint_ge(v_last, HP_VBASE_ARENAS + 2 * MiB);
    ck_assert_ptr_eq(hp__alloc_find(a, v_last), o[n - 1]);
    for (size_t i = 0; i < n; i++)
        hp__free_obj(a, o[i]);
    st = stats_of(a);
    ck_assert_uint_eq(st.arenas_current, 1);
    ck_assert_uint_eq(st.arenas_reclaimed, 2);
    ck_assert_ptr_null(hp__alloc_find(a, v_last)); /* released arena */
    ck_assert_ptr_null(hp__alloc_find(a, v_mid));
    ck_assert_ptr_null(hp__alloc_find(a, HP_VBASE_ARENAS + 2 * MiB + 48));
    free(o);
    assert_consistent(a);
    hp__alloc_free_all(a);
}
END_TEST

static bool resident(const void *addr)
{
    long page = sysconf(_SC_PAGESIZE);
    unsigned char vec = 0;
    void *start = (void *)((uintptr_t)addr & ~(uintptr_t)(page - 1));
    ck_assert_int_eq(mincore(start, (size_t)page, &vec), 0);
    return vec & 1;
}

START_TEST(test_find_touches_no_memory)
{
    /* Probing forged ids must not fault in pages of never-used pools:
     * a client could otherwise grow the heap's memory by guessing. */
    hp_alloc *a = new_alloc();
    char *p = hp__alloc_obj(a, 64);
    char *arena = p - POOL_OVERHEAD; /* first pool of the first arena */
    uint64_t v = hp__alloc_vaddr(a, p) - POOL_OVERHEAD;
    ck_assert(resident(arena));
    for (unsigned pool = 1; pool < 64; pool++) {
        for (uint64_t o = 0; o < HP_POOL_SIZE; o += 4096 + 16)
            ck_assert_ptr_null(hp__alloc_find(a, v + pool * HP_POOL_SIZE + o));
        ck_assert(!resident(arena + pool * HP_POOL_SIZE));
    }
    hp__alloc_free_all(a);
}
END_TEST

START_TEST(test_asan_poisoning)
{
#ifdef TEST_ASAN
    /* Under ASan free blocks, never-allocated blocks and the slack after
     * a request are poisoned, so other modules' bugs are reported. */
    hp_alloc *a = new_alloc();
    char *p = hp__alloc_obj(a, 40), *q = hp__alloc_obj(a, 40);
    ck_assert(!__asan_address_is_poisoned(p + 39));
    ck_assert(__asan_address_is_poisoned(p + 40));     /* slack */
    ck_assert(__asan_address_is_poisoned(q + 48 + 8)); /* not allocated */
    hp__free_obj(a, p);
    ck_assert(__asan_address_is_poisoned(p));
    ck_assert(__asan_address_is_poisoned(p + 20));
    char *d = hp__alloc_data(a, 20);
    ck_assert(__asan_address_is_poisoned(d + 20));
    d = hp__realloc_data(a, d, 30); /* same block, more of it usable */
    ck_assert(!__asan_address_is_poisoned(d + 29));
    ck_assert(__asan_address_is_poisoned(d + 30));
    char *r = hp__alloc_data(a, 1000);
    ck_assert(__asan_address_is_poisoned(r + 1000));
    hp__free_obj(a, q);
    hp__free_data(a, d);
    hp__free_data(a, r);
    hp__alloc_free_all(a);
#endif
}
END_TEST

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

/* find(v) is NULL, or the live object whose vaddr is v. */
static void assert_find_exact(const hp_alloc *a, uint64_t v,
                              const uint64_t *live, size_t nlive)
{
    void *p = hp__alloc_find(a, v);
    if (p == NULL)
        return;
    ck_assert_uint_eq(hp__alloc_vaddr(a, p), v);
    ck_assert_ptr_nonnull(bsearch(&v, live, nlive, sizeof v, cmp_u64));
}

START_TEST(test_find_random)
{
    hp_alloc *a = new_alloc();
    enum { N = 30000 };
    void **p = malloc(N * sizeof *p);
    bool *isobj = malloc(N * sizeof *isobj);
    uint64_t *live = malloc(N * sizeof *live);
    ck_assert(p && isobj && live);
    uint64_t seed = 99;
    for (size_t i = 0; i < N; i++) {
        uint64_t r = rng(&seed);
        size_t n = pick_size(r);
        isobj[i] = (r >> 60) & 1;
        p[i] = isobj[i] ? hp__alloc_obj(a, n) : hp__alloc_data(a, n);
    }
    /* free every third: stale ids, free pools, maybe free arenas */
    size_t nlive = 0, found = 0;
    for (size_t i = 0; i < N; i++) {
        uint64_t v = hp__alloc_vaddr(a, p[i]);
        if (i % 3 == 0) {
            if (isobj[i])
                hp__free_obj(a, p[i]);
            else
                hp__free_data(a, p[i]);
            p[i] = NULL;
            ck_assert_ptr_null(hp__alloc_find(a, v));
        } else if (hp__alloc_find(a, v) != NULL) {
            live[nlive++] = v;
        }
    }
    qsort(live, nlive, sizeof *live, cmp_u64);
    hp_malloc_stats st = stats_of(a);
    uint64_t arena_span = (st.arenas_highwater + 2) * MiB;
    for (size_t i = 0; i < 100000; i++) {
        uint64_t r = rng(&seed);
        assert_find_exact(a, r, live, nlive);                 /* anything */
        assert_find_exact(a, r & ~(uint64_t)15, live, nlive); /* aligned */
        uint64_t va = HP_VBASE_ARENAS + (r % arena_span);
        assert_find_exact(a, va, live, nlive);
        assert_find_exact(a, va & ~(uint64_t)15, live, nlive);
        uint64_t vr = HP_VBASE_RAW + (r % (64 * MiB));
        assert_find_exact(a, vr & ~(uint64_t)15, live, nlive);
        found += hp__alloc_find(a, va & ~(uint64_t)15) != NULL;
    }
    ck_assert_uint_gt(found, 0); /* the aligned probes did hit objects */
    for (size_t i = 0; i < nlive; i++)
        ck_assert_ptr_nonnull(hp__alloc_find(a, live[i]));
    for (size_t i = 0; i < N; i++) {
        if (p[i] != NULL && isobj[i])
            hp__free_obj(a, p[i]);
        else if (p[i] != NULL)
            hp__free_data(a, p[i]);
    }
    ck_assert_uint_eq(hp__alloc_bytes_in_use(a), 0);
    free(p);
    free(isobj);
    free(live);
    hp__alloc_free_all(a);
}
END_TEST

/* ---- arenas and statistics ------------------------------------------------
 */

START_TEST(test_arenas_released)
{
    hp_alloc *a = new_alloc();
    enum { N = 200000 };
    void **o = malloc(N * sizeof *o);
    ck_assert_ptr_nonnull(o);
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < N; i++)
            o[i] = hp__alloc_obj(a, 48);
        hp_malloc_stats st = stats_of(a);
        uint64_t want = (N + 64 * 340 - 1) / (64 * 340); /* 340 per pool */
        ck_assert_uint_eq(st.arenas_current, want);
        /* round 0 frees in order, round 1 in a scrambled order */
        uint64_t seed = 5;
        for (size_t i = N - 1; round == 1 && i > 0; i--) {
            size_t j = rng(&seed) % (i + 1);
            void *t = o[i];
            o[i] = o[j];
            o[j] = t;
        }
        for (size_t i = 0; i < N; i++) {
            hp__free_obj(a, o[i]);
            if (i % 10000 == 0) /* usable_arenas stays sorted */
                assert_consistent(a);
        }
        st = stats_of(a);
        ck_assert_uint_eq(st.arenas_current, 1);
        ck_assert_uint_eq(st.arenas_reclaimed, st.arenas_allocated_total - 1);
        ck_assert_uint_eq(st.arenas_highwater, want);
        ck_assert_uint_eq(st.pools_free, 64);
        ck_assert_uint_eq(st.bytes_in_use, 0);
        assert_consistent(a);
    }
    free(o);
    hp__alloc_free_all(a);
}
END_TEST

#define PER_POOL_48  340 /* (16384 - 48) / 48 */
#define PER_ARENA_48 (64 * PER_POOL_48)

static uint64_t slot_of(uint64_t v)
{
    return (v - HP_VBASE_ARENAS) / MiB;
}

/* Free every 48-byte object in pools [from, to) of the blocks o[]. */
static void free_pools(hp_alloc *a, void **o, size_t from, size_t to)
{
    for (size_t i = from * PER_POOL_48; i < to * PER_POOL_48; i++) {
        hp__free_obj(a, o[i]);
        o[i] = NULL;
    }
}

START_TEST(test_lowest_slot_reused)
{
    hp_alloc *a = new_alloc();
    size_t n = 4 * PER_ARENA_48;
    void **o = malloc(n * sizeof *o);
    ck_assert_ptr_nonnull(o);
    for (size_t i = 0; i < n; i++)
        o[i] = hp__alloc_obj(a, 48);
    ck_assert_uint_eq(slot_of(hp__alloc_vaddr(a, o[n - 1])), 3);
    free_pools(a, o, 3 * 64, 4 * 64); /* slot 3 wholly free: kept */
    free_pools(a, o, 1 * 64, 2 * 64); /* slot 1 wholly free: released */
    hp_malloc_stats st = stats_of(a);
    ck_assert_uint_eq(st.arenas_current, 3);
    ck_assert_uint_eq(st.arenas_reclaimed, 1);
    ck_assert_ptr_null(hp__alloc_find(a, HP_VBASE_ARENAS + MiB + 48));
    /* the kept arena is used first; the next new arena takes slot 1,
     * the lowest free one, not slot 4 */
    void **extra = malloc((PER_ARENA_48 + 1) * sizeof *extra);
    ck_assert_ptr_nonnull(extra);
    for (size_t i = 0; i <= PER_ARENA_48; i++)
        extra[i] = hp__alloc_obj(a, 48);
    ck_assert_uint_eq(slot_of(hp__alloc_vaddr(a, extra[0])), 3);
    ck_assert_uint_eq(slot_of(hp__alloc_vaddr(a, extra[PER_ARENA_48])), 1);
    st = stats_of(a);
    ck_assert_uint_eq(st.arenas_current, 4);
    ck_assert_uint_eq(st.arenas_allocated_total, 5);
    assert_consistent(a);
    free(extra);
    free(o);
    hp__alloc_free_all(a);
}
END_TEST

START_TEST(test_prefers_most_used_arena)
{
    hp_alloc *a = new_alloc();
    size_t n = 3 * PER_ARENA_48;
    void **o = malloc(n * sizeof *o);
    ck_assert_ptr_nonnull(o);
    for (size_t i = 0; i < n; i++)
        o[i] = hp__alloc_obj(a, 48);
    free_pools(a, o, 0, 10);       /* slot 0: 10 free pools */
    free_pools(a, o, 64, 64 + 20); /* slot 1: 20 free pools */
    assert_consistent(a);
    /* a new pool comes from the arena with the fewest free pools */
    void *p = hp__alloc_obj(a, 512);
    ck_assert_uint_eq(slot_of(hp__alloc_vaddr(a, p)), 0);
    /* slot 0 now has more free pools than slot 1: the order flips */
    free_pools(a, o, 10, 25); /* slot 0: 9 + 15 = 24 */
    assert_consistent(a);
    void *q = hp__alloc_data(a, 512);
    ck_assert_uint_eq(slot_of(hp__alloc_vaddr(a, q)), 1);
    free_pools(a, o, 64 + 20, 64 + 30); /* slot 1: 19 + 10 = 29 */
    assert_consistent(a);
    void *r = hp__alloc_data(a, 256);
    ck_assert_uint_eq(slot_of(hp__alloc_vaddr(a, r)), 0);
    free(o);
    hp__alloc_free_all(a);
}
END_TEST

START_TEST(test_keep_one_arena)
{
    /* Allocating and freeing around an arena boundary must not ask the
     * OS for an arena every time (CPython's bpo-37257). */
    hp_alloc *a = new_alloc();
    size_t n = 64 * 340; /* exactly one arena of 48-byte blocks */
    void **o = malloc(n * sizeof *o);
    ck_assert_ptr_nonnull(o);
    for (size_t i = 0; i < n; i++)
        o[i] = hp__alloc_obj(a, 48);
    for (int i = 0; i < 100; i++)
        hp__free_obj(a, hp__alloc_obj(a, 48));
    hp_malloc_stats st = stats_of(a);
    ck_assert_uint_eq(st.arenas_allocated_total, 2);
    ck_assert_uint_eq(st.arenas_current, 2);
    for (size_t i = 0; i < n; i++)
        hp__free_obj(a, o[i]);
    st = stats_of(a);
    ck_assert_uint_eq(st.arenas_current, 1);
    ck_assert_uint_eq(st.arenas_reclaimed, 1);
    free(o);
    hp__alloc_free_all(a);
}
END_TEST

START_TEST(test_stats)
{
    hp_alloc *a = new_alloc();
    static const struct {
        size_t size, nobj, ndata;
    } plan[] = {{16, 2000, 0}, {48, 100, 500}, {512, 100, 0}, {208, 0, 7}};
    uint64_t expect_bytes = 0, pools_used = 0;
    for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++) {
        for (size_t j = 0; j < plan[i].nobj; j++)
            ck_assert_ptr_nonnull(hp__alloc_obj(a, plan[i].size));
        for (size_t j = 0; j < plan[i].ndata; j++)
            ck_assert_ptr_nonnull(hp__alloc_data(a, plan[i].size));
        expect_bytes += plan[i].size * (plan[i].nobj + plan[i].ndata);
    }
    static const size_t raw[] = {1000, 5000, 70000};
    uint64_t raw_bytes = 0;
    for (size_t i = 0; i < 3; i++) {
        ck_assert_ptr_nonnull(hp__alloc_obj(a, raw[i]));
        raw_bytes += round16(raw[i]);
    }
    hp_malloc_stats st = stats_of(a);
    for (size_t i = 0; i < sizeof plan / sizeof plan[0]; i++) {
        const hp_malloc_class_stats *cs = &st.classes[plan[i].size / 16 - 1];
        size_t cap = (HP_POOL_SIZE - POOL_OVERHEAD) / plan[i].size;
        /* object and data blocks are kept in separate pools */
        size_t pools =
            (plan[i].nobj + cap - 1) / cap + (plan[i].ndata + cap - 1) / cap;
        ck_assert_uint_eq(cs->size, plan[i].size);
        ck_assert_uint_eq(cs->pools, pools);
        ck_assert_uint_eq(cs->blocks_in_use, plan[i].nobj + plan[i].ndata);
        ck_assert_uint_eq(cs->blocks_free,
                          pools * cap - plan[i].nobj - plan[i].ndata);
        pools_used += pools;
    }
    ck_assert_uint_eq(st.classes[5].pools, 0);
    ck_assert_uint_eq(st.arenas_current, 1);
    ck_assert_uint_eq(st.arenas_highwater, 1);
    ck_assert_uint_eq(st.arenas_allocated_total, 1);
    ck_assert_uint_eq(st.pools_free, 64 - pools_used);
    ck_assert_uint_eq(st.bytes_unused_pools, (64 - pools_used) * 16384);
    ck_assert_uint_eq(st.bytes_pool_headers, pools_used * POOL_OVERHEAD);
    ck_assert_uint_eq(st.bytes_arena_total, HP_ARENA_SIZE);
    ck_assert_uint_eq(st.bytes_in_blocks, expect_bytes);
    uint64_t free_bytes = 0;
    for (unsigned c = 0; c < HP_NUM_CLASSES; c++)
        free_bytes += st.classes[c].blocks_free * st.classes[c].size;
    ck_assert_uint_eq(st.bytes_free_blocks, free_bytes);
    /* every byte of the used pools is a header, a block, or lost to
     * quantization (less than one block per pool) */
    ck_assert_uint_le(st.bytes_in_blocks + st.bytes_free_blocks +
                          st.bytes_pool_headers,
                      pools_used * HP_POOL_SIZE);
    ck_assert_uint_eq(st.raw_blocks, 3);
    ck_assert_uint_eq(st.raw_bytes, raw_bytes);
    ck_assert_uint_eq(st.bytes_in_use, expect_bytes + raw_bytes);
    ck_assert_uint_eq(hp__alloc_bytes_in_use(a), st.bytes_in_use);
    assert_consistent(a);
    hp__alloc_free_all(a); /* frees everything still allocated */
}
END_TEST

/* ---- limits ------------------------------------------------------------- */

START_TEST(test_budget)
{
    hp_alloc *a = new_alloc(), *ref = new_alloc();
    hp__alloc_set_max_bytes(a, 1000);
    for (int i = 0; i < 20; i++) { /* 960 bytes */
        void *p = hp__alloc_obj(a, 48);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq(hp__alloc_vaddr(a, p),
                          hp__alloc_vaddr(ref, hp__alloc_obj(ref, 48)));
    }
    hp_malloc_stats before = stats_of(a), after;
    ck_assert_ptr_null(hp__alloc_obj(a, 48)); /* 1008 > 1000 */
    ck_assert_ptr_null(hp__alloc_obj(a, 33)); /* rounds to 48 */
    ck_assert_ptr_null(hp__alloc_data(a, 41));
    ck_assert_ptr_null(hp__alloc_obj(a, 600)); /* raw too */
    ck_assert_ptr_null(hp__realloc_data(a, NULL, 48));
    after = stats_of(a);
    ck_assert(memcmp(&before, &after, sizeof before) == 0);
    assert_consistent(a);
    ck_assert_ptr_nonnull(hp__alloc_obj(a, 32)); /* 992 */
    ck_assert_ptr_null(hp__alloc_obj(a, 9));     /* 16 more: 1008 */
    ck_assert_uint_eq(hp__alloc_bytes_in_use(a), 992);
    hp__alloc_set_max_bytes(a, 1008);
    ck_assert_ptr_nonnull(hp__alloc_obj(a, 9)); /* exactly the budget */
    ck_assert_uint_eq(hp__alloc_bytes_in_use(a), 1008);
    ck_assert_ptr_null(hp__alloc_obj(a, 1));
    /* the failures moved nothing: the next 48-byte block is where an
     * unlimited heap puts its 21st */
    hp__alloc_set_max_bytes(a, 2000);
    void *p = hp__alloc_obj(a, 48);
    ck_assert_uint_eq(hp__alloc_vaddr(a, p),
                      hp__alloc_vaddr(ref, hp__alloc_obj(ref, 48)));
    assert_consistent(a);
    hp__alloc_free_all(a);
    hp__alloc_free_all(ref);
}
END_TEST

START_TEST(test_budget_exact)
{
    hp_alloc *a = new_alloc();
    hp__alloc_set_max_bytes(a, 4096 + 1024 + 32);
    void *r = hp__alloc_data(a, 4090); /* 4096 */
    ck_assert_ptr_nonnull(r);
    void *o = hp__alloc_obj(a, 1024);
    ck_assert_ptr_nonnull(o);
    ck_assert_uint_eq(hp__alloc_bytes_in_use(a), 5120);
    ck_assert_ptr_null(hp__alloc_obj(a, 33)); /* 48 > 32 left */
    hp_malloc_stats before = stats_of(a), after;
    /* realloc is charged the difference; on failure p stays valid */
    memset(r, 0x5a, 4090);
    ck_assert_ptr_null(hp__realloc_data(a, r, 4096 + 33));
    after = stats_of(a);
    ck_assert(memcmp(&before, &after, sizeof before) == 0);
    for (size_t i = 0; i < 4090; i++)
        ck_assert_uint_eq(((unsigned char *)r)[i], 0x5a);
    r = hp__realloc_data(a, r, 4096 + 32); /* exactly the budget */
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(hp__alloc_bytes_in_use(a), 5152);
    ck_assert_uint_eq(((unsigned char *)r)[4089], 0x5a);
    ck_assert_ptr_null(hp__alloc_obj(a, 1));
    hp__alloc_set_max_bytes(a, 0); /* no limit */
    ck_assert_ptr_nonnull(hp__alloc_obj(a, 1 << 20));
    hp__free_obj(a, o);
    ck_assert_uint_eq(hp__alloc_bytes_in_use(a), 4128 + (1 << 20));
    assert_consistent(a);
    hp__alloc_free_all(a);
}
END_TEST

START_TEST(test_fail_nth)
{
    hp_alloc *a = new_alloc();
    hp__alloc_fail_nth(a, 3);
    ck_assert_ptr_nonnull(hp__alloc_obj(a, 16));
    ck_assert_ptr_nonnull(hp__alloc_data(a, 600));
    hp_malloc_stats before = stats_of(a), after;
    ck_assert_ptr_null(hp__alloc_obj(a, 16)); /* the 3rd */
    after = stats_of(a);
    ck_assert(memcmp(&before, &after, sizeof before) == 0);
    for (int i = 0; i < 1000; i++) /* and then it works */
        ck_assert_ptr_nonnull(hp__alloc_obj(a, 16 + i % 700));

    /* realloc counts when it allocates, not when it keeps the block */
    void *d = hp__alloc_data(a, 20);
    memset(d, 7, 20);
    hp__alloc_fail_nth(a, 1);
    ck_assert_ptr_eq(hp__realloc_data(a, d, 30), d); /* same class */
    ck_assert_ptr_null(hp__realloc_data(a, d, 100));
    ck_assert_uint_eq(((unsigned char *)d)[19], 7);
    d = hp__realloc_data(a, d, 100);
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(((unsigned char *)d)[19], 7);
    hp__alloc_fail_nth(a, 2);
    ck_assert_ptr_nonnull(hp__alloc_obj(a, 5000));
    ck_assert_ptr_null(hp__alloc_obj(a, 5000)); /* raw requests count */
    ck_assert_ptr_nonnull(hp__alloc_obj(a, 5000));
    hp__alloc_fail_nth(a, 0); /* off */
    for (int i = 0; i < 100; i++)
        ck_assert_ptr_nonnull(hp__alloc_obj(a, 16));
    assert_consistent(a);
    hp__alloc_free_all(a);
}
END_TEST

/* A small "program": builds objects and a growing data array, stopping
 * at the first failed allocation like a MemoryError would.  Returns the
 * number of allocation calls made, counting the failed one. */
static unsigned scenario(hp_alloc *a, void **objs, unsigned *nobj, void **arr,
                         bool *failed)
{
    unsigned calls = 0;
    *failed = false;
    *nobj = 0;
    *arr = NULL;
    size_t cap = 0;
    for (unsigned i = 0; i < 300; i++) {
        calls++;
        void *o = hp__alloc_obj(a, 16 + (i * 37) % 1200);
        if (o == NULL) {
            *failed = true;
            return calls;
        }
        objs[(*nobj)++] = o;
        if (i % 4 == 0 && i % 3 == 0) {
            hp__free_obj(a, objs[--*nobj]);
        }
        if ((size_t)*nobj > cap) {
            size_t ncap = cap * 2 + 4; /* 8 bytes per item */
            calls++;
            void *g = hp__realloc_data(a, *arr, ncap * 8);
            if (g == NULL) {
                *failed = true;
                return calls;
            }
            *arr = g;
            cap = ncap;
        }
    }
    return calls;
}

START_TEST(test_fail_nth_walk)
{
    /* SQLite style: fail the Nth allocation for every N until the
     * scenario completes; after each failure the allocator is intact. */
    void *objs[300];
    unsigned nobj, total = 0;
    bool failed;
    {
        hp_alloc *a = new_alloc();
        void *arr;
        total = scenario(a, objs, &nobj, &arr, &failed);
        ck_assert(!failed);
        hp__alloc_free_all(a);
    }
    for (unsigned n = 1;; n++) {
        hp_alloc *a = new_alloc();
        void *arr;
        hp__alloc_fail_nth(a, n);
        unsigned calls = scenario(a, objs, &nobj, &arr, &failed);
        assert_consistent(a);
        if (!failed) {
            ck_assert_uint_eq(n, total + 1);
            ck_assert_uint_eq(calls, total);
        } else {
            ck_assert_uint_eq(calls, n); /* exactly the nth failed */
        }
        for (unsigned i = 0; i < nobj; i++)
            hp__free_obj(a, objs[i]);
        hp__free_data(a, arr);
        ck_assert_uint_eq(hp__alloc_bytes_in_use(a), 0);
        assert_consistent(a);
        hp__alloc_free_all(a);
        if (!failed)
            break;
    }
}
END_TEST

/* ---- realloc ------------------------------------------------------------- */

static void fill(unsigned char *p, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        p[i] = (unsigned char)(i * 131 + 7);
}

static void expect(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(p[i], (unsigned char)(i * 131 + 7));
}

START_TEST(test_realloc)
{
    hp_alloc *a = new_alloc();
    unsigned char *d = hp__realloc_data(a, NULL, 10); /* allocates */
    ck_assert_ptr_nonnull(d);
    fill(d, 0, 10);
    ck_assert_ptr_eq(hp__realloc_data(a, d, 16), d); /* same class */
    ck_assert_ptr_eq(hp__realloc_data(a, d, 1), d);
    static const size_t steps[] = {100,  500,  600, 5000, 100000, 100004,
                                   3000, 2990, 200, 16,   513,    512};
    size_t have = 10;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        size_t n = steps[i];
        size_t old = hp__alloc_block_size(a, d);
        unsigned char *g = hp__realloc_data(a, d, n);
        ck_assert_ptr_nonnull(g);
        if (round16(n) == old)
            ck_assert_ptr_eq(g, d); /* same class: kept */
        d = g;
        expect(d, have < n ? have : n);
        fill(d, 0, n);
        have = n;
        ck_assert_uint_eq(hp__alloc_block_size(a, d), round16(n));
        ck_assert_uint_eq(hp__alloc_bytes_in_use(a), round16(n));
        ck_assert_uint_eq(hp__alloc_vaddr(a, d) % 16, 0);
        assert_consistent(a);
    }
    /* raw, same rounded size: kept */
    d = hp__realloc_data(a, d, 2000);
    ck_assert_ptr_eq(hp__realloc_data(a, d, 1990), d);
    hp__free_data(a, d);
    ck_assert_uint_eq(hp__alloc_bytes_in_use(a), 0);
    ck_assert_uint_eq(stats_of(a).raw_blocks, 0);
    assert_consistent(a);
    hp__alloc_free_all(a);
}
END_TEST

/* ---- scale ----------------------------------------------------------------
 */

START_TEST(test_million)
{
    hp_alloc *a = new_alloc();
    enum { N = 1000000 };
    void **o = malloc(N * sizeof *o);
    ck_assert_ptr_nonnull(o);
    for (size_t i = 0; i < N; i++) {
        o[i] = hp__alloc_obj(a, 48);
        ck_assert_ptr_nonnull(o[i]);
    }
    hp_malloc_stats st = stats_of(a);
    ck_assert_uint_eq(st.bytes_in_use, (uint64_t)N * 48);
    ck_assert_uint_eq(st.classes[2].blocks_in_use, N);
    ck_assert_uint_eq(st.arenas_current, (N + 64 * 340 - 1) / (64 * 340));
    for (size_t i = 0; i < N; i += 997)
        ck_assert_ptr_eq(hp__alloc_find(a, hp__alloc_vaddr(a, o[i])), o[i]);
    for (size_t i = 0; i < N; i++)
        hp__free_obj(a, o[i]);
    st = stats_of(a);
    ck_assert_uint_eq(st.arenas_current, 1);
    ck_assert_uint_eq(st.bytes_in_use, 0);
    ck_assert_uint_eq(st.classes[2].blocks_in_use, 0);
    assert_consistent(a);
    free(o);
    hp__alloc_free_all(a);
}
END_TEST

START_TEST(test_regions)
{
    /* 2 arena slots per region: the multi-region paths, without
     * gigabytes.  vaddrs must not depend on the region size. */
    hp_alloc *a = new_alloc(), *ref = new_alloc();
    ck_assert_int_eq(hp__alloc_set_region_slots(a, 1), 0);
    size_t per_arena = 64 * 31; /* 512-byte blocks */
    size_t n = 7 * per_arena + 1;
    void **o = malloc(n * sizeof *o), **r = malloc(n * sizeof *r);
    ck_assert(o && r);
    for (size_t i = 0; i < n; i++) {
        o[i] = i % 2 ? hp__alloc_obj(a, 512) : hp__alloc_data(a, 512);
        r[i] = i % 2 ? hp__alloc_obj(ref, 512) : hp__alloc_data(ref, 512);
        ck_assert_ptr_nonnull(o[i]);
        ck_assert_uint_eq(hp__alloc_vaddr(a, o[i]), hp__alloc_vaddr(ref, r[i]));
        ck_assert_ptr_eq(hp__alloc_find(a, hp__alloc_vaddr(a, o[i])),
                         i % 2 ? o[i] : NULL);
        ck_assert_uint_eq(hp__alloc_block_size(a, o[i]), 512);
    }
    ck_assert_uint_eq(stats_of(a).arenas_current, 8);
    ck_assert_int_eq(hp__alloc_set_region_slots(a, 3), -1); /* too late */
    unsigned char *g = hp__realloc_data(a, o[n - 1], 100);  /* region 3 */
    ck_assert_ptr_nonnull(g);
    o[n - 1] = g;
    assert_consistent(a);
    size_t *order = malloc(n * sizeof *order);
    ck_assert_ptr_nonnull(order);
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    uint64_t seed = 3;
    for (size_t i = n - 1; i > 0; i--) {
        size_t j = rng(&seed) % (i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (size_t i = 0; i < n; i++) {
        size_t k = order[i];
        if (k % 2)
            hp__free_obj(a, o[k]);
        else
            hp__free_data(a, o[k]);
    }
    free(order);
    hp_malloc_stats st = stats_of(a);
    ck_assert_uint_eq(st.arenas_current, 1);
    ck_assert_uint_eq(st.bytes_in_use, 0);
    assert_consistent(a);
    free(o);
    free(r);
    hp__alloc_free_all(a);
    hp__alloc_free_all(ref);
}
END_TEST

START_TEST(test_random_invariants)
{
    hp_alloc *a = new_alloc();
    enum { LIVE = 3000 };
    void *live[LIVE] = {0};
    uint64_t seed = 11;
    hp__alloc_set_max_bytes(a, 600000); /* failures happen on the way */
    unsigned fails = 0;
    for (unsigned i = 0; i < 60000; i++) {
        uint64_t r = rng(&seed);
        size_t s = r % LIVE;
        if (i % 7 == 0)
            hp__alloc_fail_nth(a, 1 + (r >> 40) % 5);
        if (live[s] == NULL) {
            live[s] = hp__alloc_data(a, pick_size(r >> 8) % 9000 + 1);
            fails += live[s] == NULL;
        } else if ((r >> 8) % 2) {
            void *g = hp__realloc_data(a, live[s], pick_size(r >> 9) % 9000);
            fails += g == NULL;
            if (g != NULL)
                live[s] = g;
        } else {
            hp__free_data(a, live[s]);
            live[s] = NULL;
        }
        if (i % 500 == 0)
            assert_consistent(a);
    }
    ck_assert_uint_gt(fails, 100);
    assert_consistent(a);
    for (size_t s = 0; s < LIVE; s++)
        hp__free_data(a, live[s]);
    ck_assert_uint_eq(hp__alloc_bytes_in_use(a), 0);
    hp__alloc_free_all(a);
}
END_TEST

START_TEST(test_double_free_aborts)
{
    hp_alloc *a = new_alloc();
    void *p = hp__alloc_obj(a, 32);
    hp__alloc_obj(a, 32);
    hp__free_obj(a, p);
    hp__free_obj(a, p); /* must abort, not corrupt the pool */
}
END_TEST

static Suite *alloc_suite(void)
{
    Suite *s = suite_create("alloc");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_size_classes);
    tcase_add_test(tc, test_alignment);
    tcase_add_test(tc, test_reuse);
    tcase_add_test(tc, test_determinism);
    tcase_add_test(tc, test_threads_independent);
    tcase_add_test(tc, test_isolation);
    tcase_add_test(tc, test_find_live_and_rejects);
    tcase_add_test(tc, test_find_free_pool_and_free_arena);
    tcase_add_test(tc, test_find_random);
    tcase_add_test(tc, test_find_touches_no_memory);
    tcase_add_test(tc, test_asan_poisoning);
    tcase_add_test(tc, test_arenas_released);
    tcase_add_test(tc, test_keep_one_arena);
    tcase_add_test(tc, test_lowest_slot_reused);
    tcase_add_test(tc, test_prefers_most_used_arena);
    tcase_add_test(tc, test_stats);
    tcase_add_test(tc, test_budget);
    tcase_add_test(tc, test_budget_exact);
    tcase_add_test(tc, test_fail_nth);
    tcase_add_test(tc, test_fail_nth_walk);
    tcase_add_test(tc, test_realloc);
    tcase_add_test(tc, test_million);
    tcase_add_test(tc, test_regions);
    tcase_add_test(tc, test_random_invariants);
    tcase_add_test_raise_signal(tc, test_double_free_aborts, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(alloc_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
