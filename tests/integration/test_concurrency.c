/*
 * test_concurrency.c: many clients at once.  200 threads, each with its own
 * connection and heap, run random operations and collections whose results
 * they check; a heap above --offload-objects runs long requests on the
 * thread pool while small heaps keep being answered; a client waiting for
 * a busy heap is answered when the heap is destroyed under it.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

/* Threads must not call ck_assert: they record the first failure here and
 * the main thread asserts. */
typedef struct worker {
    const it_daemon *d;
    int index;
    unsigned seed;
    int rounds;
    char failure[1024];
    int64_t max_latency_ms;
    int64_t first_ms, last_ms; /* when its first and last request ended */
    int requests;
} worker;

#define FAIL(w, ...)                                                           \
    do {                                                                       \
        if (!(w)->failure[0])                                                  \
            snprintf((w)->failure, sizeof(w)->failure, __VA_ARGS__);           \
        goto out;                                                              \
    } while (0)

static int timed_op(worker *w, hc_client *c, int code, int64_t i, const char *s,
                    hc_op_result *r)
{
    int64_t t0 = it_now_ms();
    int rc = hc_op(c, code, i, s, 0, r);
    int64_t t1 = it_now_ms();
    if (t1 - t0 > w->max_latency_ms)
        w->max_latency_ms = t1 - t0;
    if (!w->first_ms)
        w->first_ms = t1;
    w->last_ms = t1;
    w->requests++;
    return rc;
}

/* One client: its own heap, then rounds of a random mix of self-cycles
 * (counted by the next collection), plain garbage (freed by refcount,
 * not counted), aliases (refcounts) and values read back. */
static void *run_worker(void *arg)
{
    worker *w = arg;
    hc_error err;
    hc_op_result r;
    hc_client *c = hc_connect(w->d->addr, 20000, &err);
    if (!c) {
        snprintf(w->failure, sizeof w->failure, "connect: %s", err.message);
        return NULL;
    }
    hc_set_timeout(c, 60000);
    char name[32];
    snprintf(name, sizeof name, "w%d", w->index);
    if (hc_hello(c, name, NULL, NULL) < 0 ||
        hc_heap_create(c, name, NULL, 0, 0, NULL) < 0)
        FAIL(w, "%s: hello/create: %s", name, hc_last_error(c)->message);
    if (timed_op(w, c, HEAPD__OP_CODE__GC_DISABLE, 0, NULL, &r) < 0)
        FAIL(w, "gc.disable: %s", hc_last_error(c)->message);
    for (int round = 0; round < w->rounds; round++) {
        int cycles = 0;
        int steps = 3 + (int)(rand_r(&w->seed) % 6);
        for (int s = 0; s < steps; s++) {
            switch (rand_r(&w->seed) % 4) {
            case 0: /* l = [l]-style self cycle, dropped */
                if (timed_op(w, c, HEAPD__OP_CODE__BUILD_LIST, 0, NULL, &r) <
                        0 ||
                    timed_op(w, c, HEAPD__OP_CODE__DUP, 0, NULL, &r) < 0 ||
                    timed_op(w, c, HEAPD__OP_CODE__DUP, 0, NULL, &r) < 0 ||
                    timed_op(w, c, HEAPD__OP_CODE__LIST_APPEND, 0, NULL, &r) <
                        0 ||
                    timed_op(w, c, HEAPD__OP_CODE__POP, 0, NULL, &r) < 0)
                    FAIL(w, "%s: cycle: %s", name, hc_last_error(c)->message);
                if (r.stack != 0)
                    FAIL(w, "%s: stack %u after a cycle", name, r.stack);
                cycles++;
                break;
            case 1: { /* a list of a dict, dropped: refcounting frees it */
                if (timed_op(w, c, HEAPD__OP_CODE__BUILD_DICT, 0, NULL, &r) <
                        0 ||
                    timed_op(w, c, HEAPD__OP_CODE__BUILD_LIST, 1, NULL, &r) <
                        0 ||
                    timed_op(w, c, HEAPD__OP_CODE__POP, 0, NULL, &r) < 0)
                    FAIL(w, "%s: garbage: %s", name, hc_last_error(c)->message);
                break;
            }
            case 2: { /* a = [v]; b = a: refcount 2, then 1 */
                int64_t v = 1000 + (int64_t)(rand_r(&w->seed) % 100000);
                if (timed_op(w, c, HEAPD__OP_CODE__PUSH_INT, v, NULL, &r) < 0 ||
                    timed_op(w, c, HEAPD__OP_CODE__BUILD_LIST, 1, NULL, &r) <
                        0 ||
                    timed_op(w, c, HEAPD__OP_CODE__STORE_GLOBAL, 0, "a", &r) <
                        0 ||
                    timed_op(w, c, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "a", &r) <
                        0 ||
                    timed_op(w, c, HEAPD__OP_CODE__STORE_GLOBAL, 0, "b", &r) <
                        0)
                    FAIL(w, "%s: alias: %s", name, hc_last_error(c)->message);
                Heapd__ObjectInfo *oi;
                if (hc_inspect_name(c, "a", HC_INSPECT_REPR, &oi) < 0)
                    FAIL(w, "%s: inspect: %s", name, hc_last_error(c)->message);
                uint64_t rc = oi->refcount;
                char want[40];
                snprintf(want, sizeof want, "[%lld]", (long long)v);
                bool same = strcmp(oi->repr, want) == 0;
                hc_free(oi);
                if (rc != 2 || !same)
                    FAIL(w, "%s: a = %s refcount %llu, want %s refcount 2",
                         name, same ? want : "?", (unsigned long long)rc, want);
                if (timed_op(w, c, HEAPD__OP_CODE__DELETE_GLOBAL, 0, "b", &r) <
                    0)
                    FAIL(w, "%s: del b: %s", name, hc_last_error(c)->message);
                if (hc_inspect_name(c, "a", 0, &oi) < 0)
                    FAIL(w, "%s: inspect: %s", name, hc_last_error(c)->message);
                rc = oi->refcount;
                hc_free(oi);
                if (rc != 1)
                    FAIL(w, "%s: refcount %llu after del b", name,
                         (unsigned long long)rc);
                break;
            }
            default: { /* a value pushed is the value read */
                int64_t v = (int64_t)rand_r(&w->seed) * 7919 - 1000000000LL;
                if (timed_op(w, c, HEAPD__OP_CODE__PUSH_INT, v, NULL, &r) < 0)
                    FAIL(w, "%s: push: %s", name, hc_last_error(c)->message);
                Heapd__ObjectInfo *oi;
                if (hc_inspect_id(c, r.top, 0, &oi) < 0)
                    FAIL(w, "%s: inspect top: %s", name,
                         hc_last_error(c)->message);
                int64_t got = oi->int_value;
                hc_free(oi);
                if (got != v)
                    FAIL(w, "%s: pushed %lld, read %lld", name, (long long)v,
                         (long long)got);
                if (timed_op(w, c, HEAPD__OP_CODE__POP, 0, NULL, &r) < 0)
                    FAIL(w, "%s: pop: %s", name, hc_last_error(c)->message);
                break;
            }
            }
        }
        if (timed_op(w, c, HEAPD__OP_CODE__GC_COLLECT, 2, NULL, &r) < 0)
            FAIL(w, "%s: collect: %s", name, hc_last_error(c)->message);
        if (r.value != cycles)
            FAIL(w, "%s: round %d: collect() = %lld, want %d", name, round,
                 (long long)r.value, cycles);
    }
    hc_heap_stat st;
    if (hc_heap_info(c, NULL, NULL, &st) < 0 || st.stack_size != 0 ||
        strcmp(st.name, name))
        FAIL(w, "%s: heap info: %s stack %u", name, st.name, st.stack_size);
out:
    hc_close(c);
    return NULL;
}

static void run_workers(worker *ws, int n)
{
    pthread_t *t = calloc((size_t)n, sizeof *t);
    ck_assert_ptr_nonnull(t);
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, run_worker, &ws[i]), 0);
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    free(t);
    for (int i = 0; i < n; i++)
        ck_assert_msg(!ws[i].failure[0], "client %d: %s", i, ws[i].failure);
}

START_TEST(two_hundred_clients)
{
    enum { N = 200 };
    it_daemon D;
    it_daemon_start(&D, NULL);
    worker *ws = calloc(N, sizeof *ws);
    ck_assert_ptr_nonnull(ws);
    for (int i = 0; i < N; i++) {
        ws[i].d = &D;
        ws[i].index = i;
        ws[i].seed = 1000u + (unsigned)i;
        ws[i].rounds = 3;
    }
    run_workers(ws, N);
    hc_client *admin_less = it_connect(&D);
    Heapd__HeapListResult *hl;
    ck_assert_int_eq(hc_heap_list(admin_less, &hl), 0);
    ck_assert_int_eq(hl->n_heaps, 0); /* none of them is ours */
    hc_free(hl);
    hc_close(admin_less);
    free(ws);
    it_assert_alive(&D);
    it_daemon_stop(&D);
}
END_TEST

/* A heap above --offload-objects runs a long request (about a second on
 * a worker thread) and collections, while 16 clients on small heaps keep
 * getting answers, each far faster than the long request. */
START_TEST(big_heap_does_not_stall_small_ones)
{
    it_daemon D;
    it_daemon_start(&D, "--offload-objects", "1000", NULL);
    hc_client *big = it_connect(&D);
    ck_assert_int_eq(hc_heap_create(big, "big", NULL, 0, 0, NULL), 0);
    uint32_t budget = 6000;
    it_make_slow_heap(big, budget, 1500);
    hc_heap_stat st;
    ck_assert_int_eq(hc_heap_info(big, NULL, NULL, &st), 0);
    ck_assert_uint_gt(st.objects, 1000);
    uint32_t n = it_calibrate_slow(big, 2000, &budget);

    /* The long request, then a full collection, on the big heap. */
    int64_t t0 = it_now_ms();
    it_send_slow(big, n);
    enum { SMALL = 16 };
    worker ws[SMALL];
    memset(ws, 0, sizeof ws);
    for (int i = 0; i < SMALL; i++) {
        ws[i].d = &D;
        ws[i].index = i;
        ws[i].seed = 7u + (unsigned)i;
        ws[i].rounds = 1;
    }
    run_workers(ws, SMALL);
    int64_t small_done = it_now_ms();
    it_recv_slow(big, 120000);
    int64_t big_done = it_now_ms();
    hc_op_result r;
    ck_assert_int_eq(hc_gc_collect(big, 2, &r), 0);
    ck_assert_int_eq(r.value, 0);
    int64_t big_ms = big_done - t0;
    int64_t worst = 0;
    for (int i = 0; i < SMALL; i++)
        if (ws[i].max_latency_ms > worst)
            worst = ws[i].max_latency_ms;
    fprintf(stderr,
            "big request %lld ms (n=%u); small clients: %d requests, worst "
            "%lld ms\n",
            (long long)big_ms, n, ws[0].requests * SMALL, (long long)worst);
    ck_assert_msg(big_ms >= 300,
                  "the long request took only %lld ms: not a test",
                  (long long)big_ms);
    /* The small clients finished while the big request still ran, and no
     * request of theirs waited anywhere near as long as it. */
    ck_assert_msg(
        small_done < big_done,
        "small clients finished at +%lld ms, the big request at +%lld ms",
        (long long)(small_done - t0), (long long)big_ms);
    ck_assert_msg(worst < big_ms / 3,
                  "a small request waited %lld ms (big one: %lld ms)",
                  (long long)worst, (long long)big_ms);
    hc_close(big);
    it_daemon_stop(&D);
}
END_TEST

/* Two connections share a big heap; one runs a long request, the other's
 * request waits for it.  Destroying the heap meanwhile (from a third
 * connection) must still get the waiting request an answer. */
START_TEST(waiter_answered_when_busy_heap_destroyed)
{
    it_daemon D;
    it_daemon_start(&D, "--offload-objects", "1000", NULL);
    hc_client *a = it_connect(&D);
    hc_heap_created hc;
    ck_assert_int_eq(hc_heap_create(a, "shared", NULL, 0, 0, &hc), 0);
    uint32_t budget = 6000;
    it_make_slow_heap(a, budget, 1500);
    uint32_t n = it_calibrate_slow(a, 1500, &budget);
    hc_client *b = it_connect(&D);
    ck_assert_int_eq(hc_heap_open(b, "shared", hc.token, NULL), 0);
    hc_client *d = it_connect(&D);

    it_send_slow(a, n);
    hc_heap_stat st;
    bool busy = false;
    for (int i = 0; i < 500 && !busy; i++) {
        ck_assert_int_eq(hc_heap_info(d, "shared", hc.token, &st), 0);
        busy = st.busy;
        if (!busy)
            it_sleep_ms(2);
    }
    ck_assert_msg(busy, "the heap never showed busy");
    /* b's request waits for a's job. */
    Heapd__GcQuery q = HEAPD__GC_QUERY__INIT;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    req.body_case = HEAPD__REQUEST__BODY_GC_QUERY;
    req.gc_query = &q;
    ck_assert_int_eq(hc_send(b, &req), 0);
    int frc = hc_flush(b, 100);
    ck_assert(frc == 0 || frc == HC_E_TIMEOUT);
    it_sleep_ms(50);
    ck_assert_int_eq(hc_heap_destroy(d, "shared", hc.token), 0);
    /* a's job ends (its reply, whatever it says, arrives) ... */
    Heapd__Response *resp = NULL;
    int rc = hc_recv(a, &resp, 60000);
    ck_assert_msg(rc == 0 || rc == HC_E_SERVER, "a: %s", hc_code_name(rc));
    hc_free(resp);
    /* ... and b is answered too: the heap it waited for is gone. */
    rc = hc_recv(b, &resp, 5000);
    ck_assert_msg(
        rc == 0 || rc == HC_E_SERVER,
        "the request waiting for the destroyed heap was never answered (%s)",
        hc_code_name(rc));
    if (rc == HC_E_SERVER)
        ck_assert_int_eq(resp->error->code,
                         HEAPD__ERROR_CODE__FAILED_PRECONDITION);
    hc_free(resp);
    hc_close(a);
    hc_close(b);
    hc_close(d);
    it_daemon_stop(&D);
}
END_TEST

/* The normal case of the above: a waiting request is served after the
 * job, in order, on the same heap. */
START_TEST(waiter_served_after_job)
{
    it_daemon D;
    it_daemon_start(&D, "--offload-objects", "1000", NULL);
    hc_client *a = it_connect(&D);
    hc_heap_created hc;
    ck_assert_int_eq(hc_heap_create(a, "shared", NULL, 0, 0, &hc), 0);
    uint32_t budget = 4000;
    it_make_slow_heap(a, budget, 1500);
    uint32_t n = it_calibrate_slow(a, 800, &budget);
    hc_client *b = it_connect(&D);
    ck_assert_int_eq(hc_heap_open(b, "shared", hc.token, NULL), 0);
    it_send_slow(a, n);
    it_sleep_ms(50);
    hc_op_result r;
    int64_t t0 = it_now_ms();
    ck_assert_int_eq(hc_op(b, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "mass", 0, &r),
                     0);
    ck_assert_str_eq(r.top_type, "list");
    int64_t waited = it_now_ms() - t0;
    it_recv_slow(a, 60000);
    ck_assert_int_eq(hc_op(b, HEAPD__OP_CODE__POP, 0, NULL, 0, &r), 0);
    ck_assert_int_ge(waited, 0);
    hc_close(a);
    hc_close(b);
    it_daemon_stop(&D);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("concurrency");
    TCase *tc = tcase_create("concurrency");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, two_hundred_clients);
    tcase_add_test(tc, big_heap_does_not_stall_small_ones);
    tcase_add_test(tc, waiter_answered_when_busy_heap_destroyed);
    tcase_add_test(tc, waiter_served_after_job);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return it_run_suite(suite());
}
