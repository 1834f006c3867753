/*
 * gc_bench.c: `heapbench gc`, one full collection of N container objects,
 * first all live and then all garbage, on a heap and in CPython on the
 * same graph shape (DESIGN.md section 7; docs/bench.md says how to read
 * the output).
 *
 * The graph is N/100 rings of 100 one-slot lists hanging from a global
 * list `root`, built as the Python program below builds it: same objects,
 * same allocation order, same references.  Only the collections are
 * timed.  Each run uses a fresh heap, and a fresh CPython process.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define RING 100

/* The CPython side.  Prints: live garbage found_live found_garbage
 * rss_growth (seconds, seconds, counts, bytes).  The timed lines are the
 * ones DESIGN.md asks for, plus keeping gc.collect()'s result. */
static const char py_script[] =
    "import gc, os, sys, time\n"
    "N = int(sys.argv[1])\n"
    "def rss():\n"
    "    with open('/proc/self/statm') as f:\n"
    "        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')\n"
    "gc.disable()\n"
    "rss0 = rss()\n"
    "root = []\n"
    "for r in range(N // 100):\n"
    "    first = [None]; prev = first\n"
    "    for i in range(99):\n"
    "        cur = [None]; prev[0] = cur; prev = cur\n"
    "    prev[0] = first\n"
    "    root.append(first)\n"
    "rss1 = rss()\n"
    "t = time.perf_counter(); found_live = gc.collect(); "
    "live = time.perf_counter() - t\n"
    "del root, first, prev, cur\n"
    "t = time.perf_counter(); found_garbage = gc.collect(); "
    "garbage = time.perf_counter() - t\n"
    "print(repr(live), repr(garbage), found_live, found_garbage,\n"
    "      rss1 - rss0)\n";

typedef struct sample {
    double live, garbage;              /* seconds */
    int64_t found_live, found_garbage; /* what gc.collect() returned */
    double bytes_footprint;            /* growth while building */
    double bytes_in_use;               /* heap only */
} sample;

typedef struct options {
    uint64_t objects;
    int runs;
    const char *python; /* NULL: find it through pyenv */
    int heap_only;      /* no CPython: for profiling the engine */
} options;

/* ---- the heap side ------------------------------------------------------- */

#define TRY_HP(expr)                                                           \
    do {                                                                       \
        int rc_ = (expr);                                                      \
        if (rc_ < 0)                                                           \
            return rc_;                                                        \
    } while (0)

/* prev[0] = cur with [.., prev, cur] on the stack: leaves [.., cur]. */
static int link_to_new(hp_heap *h)
{
    hp_obj *cur = hp_peek(h, 0);
    TRY_HP(hp_swap(h));          /* .., cur, prev */
    TRY_HP(hp_push_int(h, 0));   /* .., cur, prev, 0 */
    TRY_HP(hp_push_obj(h, cur)); /* .., cur, prev, 0, cur */
    return hp_setitem(h);        /* .., cur */
}

/* One ring, appended to root; the stack is [root] before and after.
 * *first and *last are the ring's ends (borrowed: root holds them). */
static int build_ring(hp_heap *h, hp_obj *root, hp_obj **first, hp_obj **last)
{
    TRY_HP(hp_push_none(h));
    TRY_HP(hp_build_list(h, 1)); /* first = [None] */
    *first = hp_peek(h, 0);
    TRY_HP(hp_dup(h)); /* prev = first: root, first, prev */
    for (int i = 0; i < RING - 1; i++) {
        TRY_HP(hp_push_none(h));
        TRY_HP(hp_build_list(h, 1)); /* cur = [None] */
        TRY_HP(link_to_new(h));      /* prev[0] = cur; prev = cur */
    }
    *last = hp_peek(h, 0);
    TRY_HP(hp_push_int(h, 0));
    TRY_HP(hp_push_obj(h, *first));
    TRY_HP(hp_setitem(h)); /* prev[0] = first: root, first */
    TRY_HP(hp_push_obj(h, root));
    TRY_HP(hp_swap(h));
    return hp_list_append(h); /* root.append(first): root */
}

/* root, first, prev and cur bound as globals, as the Python program
 * leaves them. */
static int build_graph(hp_heap *h, uint64_t nrings)
{
    TRY_HP(hp_build_list(h, 0));
    hp_obj *root = hp_peek(h, 0), *first = NULL, *last = NULL;
    for (uint64_t r = 0; r < nrings; r++)
        TRY_HP(build_ring(h, root, &first, &last));
    TRY_HP(hp_store_global(h, "root"));
    const char *names[] = {"first", "prev", "cur"};
    hp_obj *objs[] = {first, last, last};
    for (int i = 0; i < 3 && nrings; i++) {
        TRY_HP(hp_push_obj(h, objs[i]));
        TRY_HP(hp_store_global(h, names[i]));
    }
    return 0;
}

static int drop_roots(hp_heap *h)
{
    const char *names[] = {"root", "first", "prev", "cur"};
    for (int i = 0; i < 4; i++)
        TRY_HP(hp_delete_global(h, names[i]));
    return 0;
}

/* One timed gc.collect(2); no finalizer or callback can be due here. */
static int timed_collect(hp_heap *h, double *secs, int64_t *found)
{
    double t0 = bench_now();
    int rc = hp_gc_collect(h, 2, found);
    *secs = bench_now() - t0;
    if (rc == 0 && *found < 0)
        rc = -1; /* paused on caller code: impossible for these lists */
    return rc;
}

static void footprint(const hp_heap *h, double *arena_raw, double *in_use)
{
    hp_malloc_stats s;
    hp_malloc_stats_get(h, &s);
    *arena_raw = (double)(s.bytes_arena_total + s.raw_bytes);
    *in_use = (double)s.bytes_in_use;
}

static int heap_run(uint64_t n, sample *out)
{
    hp_config cfg = {.profile = BENCH_HEAP_PROFILE};
    const char *err = NULL;
    hp_heap *h = hp_heap_new(&cfg, &err);
    if (!h) {
        fprintf(stderr, "heapbench: hp_heap_new: %s\n", err ? err : "?");
        return -1;
    }
    hp_gc_disable(h);
    double fp0, use0, fp1, use1;
    footprint(h, &fp0, &use0);
    hp_type_stats ts0, ts1;
    hp_type_stats_get(h, &ts0);
    const char *step = "building the rings";
    int rc = build_graph(h, n / RING);
    if (rc == 0) {
        hp_type_stats_get(h, &ts1);
        footprint(h, &fp1, &use1);
        out->bytes_footprint = fp1 - fp0;
        out->bytes_in_use = use1 - use0;
        if (ts1.count[HP_T_LIST] - ts0.count[HP_T_LIST] != n + 1) {
            fprintf(stderr,
                    "heapbench: the heap holds %" PRIu64
                    " new lists, expected %" PRIu64 "\n",
                    ts1.count[HP_T_LIST] - ts0.count[HP_T_LIST], n + 1);
            hp_heap_free(h);
            return -1;
        }
        step = "collecting the live graph";
        rc = timed_collect(h, &out->live, &out->found_live);
    }
    if (rc == 0) {
        step = "dropping the roots";
        rc = drop_roots(h);
    }
    if (rc == 0) {
        step = "collecting the garbage";
        rc = timed_collect(h, &out->garbage, &out->found_garbage);
    }
    if (rc < 0)
        fprintf(stderr, "heapbench: heap: %s failed (%d): %s\n", step, rc,
                hp_errmsg(h));
    hp_heap_free(h);
    return rc < 0 ? -1 : 0;
}

/* ---- the CPython side ---------------------------------------------------- */

static int python_run(const char *python, uint64_t n, sample *out)
{
    char arg[32], buf[512];
    snprintf(arg, sizeof arg, "%" PRIu64, n);
    const char *args[] = {arg, NULL};
    int rc = cpython_run(python, py_script, args, buf, sizeof buf);
    long long fl, fg, rss;
    if (rc != 0 || sscanf(buf, "%lf %lf %lld %lld %lld", &out->live,
                          &out->garbage, &fl, &fg, &rss) != 5) {
        fprintf(stderr, "heapbench: %s failed (status %d), printed: %s\n",
                python, rc, buf);
        return -1;
    }
    out->found_live = fl;
    out->found_garbage = fg;
    out->bytes_footprint = (double)rss;
    out->bytes_in_use = 0;
    return 0;
}

/* ---- statistics and report ----------------------------------------------- */

/* The median of field `off` (a double) over n samples. */
static double median_of(const sample *s, int n, size_t off)
{
    double *v = malloc((size_t)n * sizeof *v);
    if (!v)
        abort();
    for (int i = 0; i < n; i++)
        memcpy(&v[i], (const char *)&s[i] + off, sizeof(double));
    double m = bench_median(v, n);
    free(v);
    return m;
}

#define MEDIAN(s, n, field) median_of((s), (n), offsetof(sample, field))

/* "heapd: live .. ms  garbage .. ms (found .., ..)" for one side. */
static void print_side(const char *side, const sample *s, int found)
{
    printf("%s: live %8.3f ms  garbage %8.3f ms", side, s->live * 1e3,
           s->garbage * 1e3);
    if (found)
        printf(" (found %" PRId64 ", %" PRId64 ")", s->found_live,
               s->found_garbage);
}

/* ps NULL: heap only. */
static void print_row(const char *label, const sample *hs, const sample *ps,
                      int found)
{
    printf("%-7s ", label);
    print_side("heapd", hs, found);
    if (ps) {
        printf(" | ");
        print_side("cpython", ps, found);
    }
    printf("\n");
    fflush(stdout);
}

static sample medians(const sample *s, int n)
{
    sample m = {.live = MEDIAN(s, n, live),
                .garbage = MEDIAN(s, n, garbage),
                .bytes_footprint = MEDIAN(s, n, bytes_footprint),
                .bytes_in_use = MEDIAN(s, n, bytes_in_use)};
    return m;
}

static void report(const options *o, const sample *hs, const sample *ps)
{
    sample hm = medians(hs, o->runs);
    if (!ps) {
        print_row("median", &hm, NULL, 0);
        printf("heap only: no CPython run, no ratios\n");
        return;
    }
    sample pm = medians(ps, o->runs);
    print_row("median", &hm, &pm, 0);
    double N = (double)o->objects;
    double x = hm.bytes_footprint / N, y = pm.bytes_footprint / N;
    printf("growth while building: heapd arenas*1MiB+raw %.0f bytes "
           "(%.3f/obj), heapd bytes in use %.0f (%.3f/obj); cpython RSS %.0f "
           "(%.3f/obj)\n",
           hm.bytes_footprint, x, hm.bytes_in_use, hm.bytes_in_use / N,
           pm.bytes_footprint, y);
    printf("memory objects=%" PRIu64
           " heapd_bytes_per_obj=%.3f cpython_bytes_per_obj=%.3f ratio=%.3f\n",
           o->objects, x, y, y > 0 ? x / y : 0.0);
    printf("gc objects=%" PRIu64 " live_ratio=%.3f garbage_ratio=%.3f\n",
           o->objects, hm.live / pm.live, hm.garbage / pm.garbage);
}

/* ---- the command --------------------------------------------------------- */

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end)
        return -1;
    *out = v;
    return 0;
}

static int parse_options(int argc, char **argv, options *o)
{
    o->objects = 1000000;
    o->runs = 5;
    o->python = NULL;
    o->heap_only = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t x;
        if (strcmp(a, "--objects") == 0 && parse_u64(v, &x) == 0)
            o->objects = x;
        else if (strcmp(a, "--runs") == 0 && parse_u64(v, &x) == 0 && x >= 1 &&
                 x <= 1000)
            o->runs = (int)x;
        else if (strcmp(a, "--python") == 0 && v)
            o->python = v;
        else if (strcmp(a, "--heap-only") == 0) {
            o->heap_only = 1;
            continue;
        } else {
            fprintf(stderr,
                    "heapbench gc: bad argument '%s' (see heapbench "
                    "--help)\n",
                    a);
            return -1;
        }
        i++;
    }
    if (o->objects == 0 || o->objects % RING != 0 ||
        o->objects > (uint64_t)RING * 20000000) {
        fprintf(stderr,
                "heapbench gc: --objects must be a positive multiple "
                "of %d (rings of %d lists), at most 2e9\n",
                RING, RING);
        return -1;
    }
    return 0;
}

/* The python3 to compare with, into python; -1 (said why) if none. */
static int python_path(const options *o, char *python, size_t cap)
{
    char why[1024];
    if (o->python) {
        snprintf(python, cap, "%s", o->python);
        return 0;
    }
    if (cpython_find(BENCH_CPYTHON_VERSION, python, cap, why, sizeof why) == 0)
        return 0;
    fprintf(stderr, "heapbench gc: %s\n", why);
    printf("heapbench gc: no CPython %s to compare with; nothing measured\n",
           BENCH_CPYTHON_VERSION);
    return -1;
}

int bench_gc_main(int argc, char **argv)
{
    options o;
    if (parse_options(argc, argv, &o) < 0)
        return 2;
    char python[4096] = "";
    if (!o.heap_only && python_path(&o, python, sizeof python) < 0)
        return 1;
    printf("heapbench gc: %" PRIu64 " rings of %d one-slot lists (N=%" PRIu64
           "), gc disabled, one full collection live then garbage, %d runs\n"
           "heapd: heap profile %s, fresh heap per run; cpython: %s\n",
           o.objects / RING, RING, o.objects, o.runs, BENCH_HEAP_PROFILE,
           o.heap_only ? "not run (--heap-only)" : python);
    sample *hs = calloc((size_t)o.runs, sizeof *hs);
    sample *ps = calloc((size_t)o.runs, sizeof *ps);
    if (!hs || !ps)
        abort();
    int status = 0;
    for (int r = 0; r < o.runs && status == 0; r++) {
        if (heap_run(o.objects, &hs[r]) < 0 ||
            (!o.heap_only && python_run(python, o.objects, &ps[r]) < 0)) {
            status = 1;
            break;
        }
        char label[16];
        snprintf(label, sizeof label, "run %d", r + 1);
        print_row(label, &hs[r], o.heap_only ? NULL : &ps[r], 1);
        if (hs[r].found_live != 0 ||
            hs[r].found_garbage != (int64_t)o.objects) {
            fprintf(stderr,
                    "heapbench gc: the heap's collections returned %" PRId64
                    " and %" PRId64 ", expected 0 and %" PRIu64 "\n",
                    hs[r].found_live, hs[r].found_garbage, o.objects);
            status = 1;
        }
    }
    if (status == 0)
        report(&o, hs, o.heap_only ? NULL : ps);
    free(hs);
    free(ps);
    return status;
}
