/*
 * isolation.c: `heapbench isolation`, the latency of single operations on
 * one heap while another heap of the same daemon runs full collections
 * (DESIGN.md section 7; docs/bench.md#isolation).
 *
 * Heap A gets --objects containers, built over the wire with pipelined
 * requests: a global list `root` of chunks, each chunk a list of 999 empty
 * lists (1000 objects, 1002 requests).  Automatic collection is off on A,
 * so only the collections we ask for run.  A thread times requests on its
 * own connection and heap B, one at a time (a reply awaited before the
 * next request goes), in three phases: A idle (the baseline), A running
 * GC_COLLECT 2 in a loop on the main thread (the measurement), and A being
 * destroyed.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"
#include "wire.h"

#define CHUNK           1000 /* objects per chunk: the chunk list and 999 empty lists */
#define CHUNK_REQUESTS  (CHUNK + 2)
#define PREFIX_REQUESTS 3
#define MAX_COLLECTIONS 100000

typedef struct options {
    const char *server;
    const char *heapd;
    uint64_t objects;
    uint32_t collections; /* at least this many big collections */
    uint32_t samples;     /* at least this many timed operations on B */
    uint32_t window;      /* requests in flight while building A */
} options;

/* ---- building heap A
 * ----------------------------------------------------------- */

/* Request i of the build: BUILD_LIST 0, DUP, STORE_GLOBAL root; then per
 * chunk DUP, 999 x BUILD_LIST 0, BUILD_LIST 999, LIST_APPEND; then POP. */
static size_t build_request(uint64_t i, uint64_t nchunks, uint64_t id,
                            uint8_t *p)
{
    if (i == 0)
        return wire_put_op(p, id, HEAPD__OP_CODE__BUILD_LIST, 0, NULL);
    if (i == 1)
        return wire_put_op(p, id, HEAPD__OP_CODE__DUP, 0, NULL);
    if (i == 2)
        return wire_put_op(p, id, HEAPD__OP_CODE__STORE_GLOBAL, 0, "root");
    i -= PREFIX_REQUESTS;
    if (i >= nchunks * CHUNK_REQUESTS)
        return wire_put_op(p, id, HEAPD__OP_CODE__POP, 0, NULL);
    uint64_t j = i % CHUNK_REQUESTS;
    if (j == 0)
        return wire_put_op(p, id, HEAPD__OP_CODE__DUP, 0, NULL);
    if (j < CHUNK)
        return wire_put_op(p, id, HEAPD__OP_CODE__BUILD_LIST, 0, NULL);
    if (j == CHUNK)
        return wire_put_op(p, id, HEAPD__OP_CODE__BUILD_LIST, CHUNK - 1, NULL);
    return wire_put_op(p, id, HEAPD__OP_CODE__LIST_APPEND, 0, NULL);
}

/* Sends the build's count requests with up to window in flight, checking
 * each reply.  0, or -1 (said why). */
static int build_heap(wire_conn *c, uint64_t nchunks, uint32_t window)
{
    uint64_t count = PREFIX_REQUESTS + nchunks * CHUNK_REQUESTS + 1;
    uint64_t first = c->next_id, sent = 0, done = 0;
    size_t outcap = (size_t)window * WIRE_FRAME_MAX, outlen = 0, outoff = 0;
    size_t incap = 1 << 20, inlen = 0;
    uint8_t *out = malloc(outcap), *in = malloc(incap);
    int rc = out && in ? 0 : -1;
    double t0 = bench_now(), shown = t0;
    wire_set_nonblocking(c->fd, true);
    while (rc == 0 && done < count) {
        if (outoff == outlen) {
            outoff = outlen = 0;
            while (sent < count && sent - done < window &&
                   outcap - outlen >= WIRE_FRAME_MAX) {
                outlen +=
                    build_request(sent, nchunks, first + sent, out + outlen);
                sent++;
            }
        }
        struct pollfd pfd = {
            .fd = c->fd, .events = POLLIN | (outoff < outlen ? POLLOUT : 0)};
        if (poll(&pfd, 1, 30000) <= 0) {
            fprintf(stderr,
                    "heapbench isolation: no reply for 30 s while building\n");
            rc = -1;
            break;
        }
        if (pfd.revents & POLLOUT) {
            ssize_t w =
                send(c->fd, out + outoff, outlen - outoff, MSG_NOSIGNAL);
            if (w < 0 && errno != EAGAIN && errno != EINTR) {
                fprintf(stderr, "heapbench isolation: send: %s\n",
                        strerror(errno));
                rc = -1;
            }
            if (w > 0)
                outoff += (size_t)w;
        }
        if (!(pfd.revents & (POLLIN | POLLERR | POLLHUP)))
            continue;
        ssize_t r = recv(c->fd, in + inlen, incap - inlen, 0);
        if (r < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (r <= 0) {
            fprintf(stderr,
                    "heapbench isolation: the daemon closed the connection\n");
            rc = -1;
            break;
        }
        inlen += (size_t)r;
        size_t off = 0;
        long n;
        while (rc == 0 &&
               (n = wire_frame_complete(in + off, inlen - off, 1 << 19)) > 0) {
            uint64_t id;
            bool error;
            if (wire_scan_reply(in + off + 4, (size_t)n - 4, &id, &error) ==
                1) {
                if (error || id != first + done) {
                    Heapd__ServerMessage *m = heapd__server_message__unpack(
                        NULL, (size_t)n - 4, in + off + 4);
                    fprintf(stderr,
                            "heapbench isolation: build request %" PRIu64
                            ": %s\n",
                            done,
                            m && m->response && m->response->error
                                ? m->response->error->message
                                : "unexpected reply");
                    if (m)
                        heapd__server_message__free_unpacked(m, NULL);
                    rc = -1;
                }
                done++;
            }
            off += (size_t)n;
        }
        memmove(in, in + off, inlen - off);
        inlen -= off;
        double now = bench_now();
        if (now - shown > 10) {
            printf("  building heap A: %" PRIu64 " of %" PRIu64
                   " requests, %.0f s\n",
                   done, count, now - t0);
            fflush(stdout);
            shown = now;
        }
    }
    wire_set_nonblocking(c->fd, false);
    c->next_id = first + sent;
    free(out);
    free(in);
    return rc;
}

/* ---- timing heap B
 * ----------------------------------------------------------------- */

typedef struct samples {
    double *v; /* seconds */
    size_t n, cap;
} samples;

static int add_sample(samples *s, double x)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 4096;
        double *p = realloc(s->v, cap * sizeof *p);
        if (!p)
            return -1;
        s->v = p;
        s->cap = cap;
    }
    s->v[s->n++] = x;
    return 0;
}

/* One request on B, x = k in two requests as `heapbench rpc --op bind`
 * does (PUSH_INT k, then STORE_GLOBAL "x"), timed from before the send to
 * after the whole reply.  0, or -1 (said why). */
static int timed_op(wire_conn *b, uint64_t k, double *secs)
{
    uint8_t frame[WIRE_FRAME_MAX];
    uint64_t id = b->next_id++;
    size_t n = k % 2 == 0 ? wire_put_op(frame, id, HEAPD__OP_CODE__PUSH_INT,
                                        (int64_t)(k + 1000), NULL)
                          : wire_put_op(frame, id, HEAPD__OP_CODE__STORE_GLOBAL,
                                        0, "x");
    double t0 = bench_now();
    if (wire_send_all(b, frame, n) < 0)
        goto fail;
    long len = wire_recv_frame(b);
    *secs = bench_now() - t0;
    if (len < 0)
        goto fail;
    uint64_t rid;
    bool error;
    if (wire_scan_reply(b->body, (size_t)len, &rid, &error) != 1 || error ||
        rid != id) {
        snprintf(b->err, sizeof b->err,
                 "an error or unexpected reply on heap B");
        goto fail;
    }
    return 0;
fail:
    fprintf(stderr, "heapbench isolation: heap B: %s\n", b->err);
    return -1;
}

/* Heap B's requests, one at a time, on a thread of their own until
 * stopped: the samples of one phase. */
typedef struct sampler {
    wire_conn *b;
    uint64_t k; /* the next request's number (PUSH_INT/STORE_GLOBAL) */
    samples s;
    atomic_bool stop;
    atomic_size_t count; /* samples so far */
    int rc;
    pthread_t th;
} sampler;

static void *sample_loop(void *arg)
{
    sampler *sp = arg;
    while (!atomic_load(&sp->stop)) {
        double secs;
        if (timed_op(sp->b, sp->k++, &secs) < 0 ||
            add_sample(&sp->s, secs) < 0) {
            sp->rc = -1;
            break;
        }
        atomic_store(&sp->count, sp->s.n);
    }
    atomic_store(&sp->count, (size_t)-1); /* nobody waits for more */
    return NULL;
}

static int sampler_start(sampler *sp)
{
    free(sp->s.v);
    sp->s = (samples){0};
    atomic_store(&sp->stop, false);
    atomic_store(&sp->count, 0);
    return pthread_create(&sp->th, NULL, sample_loop, sp) == 0 ? 0 : -1;
}

/* Stops the sampler: 0, or -1 if its requests failed. */
static int sampler_stop(sampler *sp)
{
    atomic_store(&sp->stop, true);
    pthread_join(sp->th, NULL);
    return sp->rc;
}

static void wait_samples(sampler *sp, size_t n)
{
    while (atomic_load(&sp->count) < n)
        usleep(1000);
}

static void print_latency(const char *label, samples *s)
{
    bench_sort(s->v, s->n);
    printf(
        "%s: %zu ops, p50 %.3f ms, p99 %.3f ms, p99.9 %.3f ms, max %.3f ms\n",
        label, s->n, bench_percentile(s->v, s->n, 50) * 1e3,
        bench_percentile(s->v, s->n, 99) * 1e3,
        bench_percentile(s->v, s->n, 99.9) * 1e3, s->v[s->n - 1] * 1e3);
}

/* ---- the command
 * ------------------------------------------------------------------------ */

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
    *o = (options){
        .objects = 5000000, .collections = 5, .samples = 2000, .window = 4096};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t x;
        if (strcmp(a, "--server") == 0 && v)
            o->server = v;
        else if (strcmp(a, "--heapd") == 0 && v)
            o->heapd = v;
        else if (strcmp(a, "--objects") == 0 && parse_u64(v, &x) == 0 &&
                 x >= CHUNK && x <= 1000000000)
            o->objects = x;
        else if (strcmp(a, "--collections") == 0 && parse_u64(v, &x) == 0 &&
                 x >= 1 && x <= 10000)
            o->collections = (uint32_t)x;
        else if (strcmp(a, "--samples") == 0 && parse_u64(v, &x) == 0 &&
                 x >= 100 && x <= 100000000)
            o->samples = (uint32_t)x;
        else if (strcmp(a, "--window") == 0 && parse_u64(v, &x) == 0 &&
                 x >= 1 && x <= 100000)
            o->window = (uint32_t)x;
        else {
            fprintf(stderr,
                    "heapbench isolation: bad argument '%s' (see heapbench "
                    "--help)\n",
                    a);
            return -1;
        }
        i++;
    }
    return 0;
}

static int open_heap(wire_conn *c, const char *addr, const char *who,
                     char *name, char *token)
{
    if (wire_open(c, addr, who) == 0 && wire_heap_create(c, name, token) == 0)
        return 0;
    fprintf(stderr, "heapbench isolation: %s: %s\n", who, c->err);
    return -1;
}

static int measure(const options *o, const char *addr)
{
    wire_conn a = {.fd = -1}, b = {.fd = -1};
    char aname[WIRE_NAME_MAX + 1], atok[65], bname[WIRE_NAME_MAX + 1], btok[65];
    sampler sp = {.b = &b};
    double *times = NULL;
    int rc = -1;
    bool a_exists = false;
    if (open_heap(&a, addr, "heapbench isolation A", aname, atok) < 0)
        goto out;
    a_exists = true;
    if (wire_op(&a, HEAPD__OP_CODE__GC_DISABLE, 0, NULL, NULL) < 0) {
        fprintf(stderr, "heapbench isolation: GC_DISABLE: %s\n", a.err);
        goto out;
    }
    uint64_t nchunks = (o->objects - 1 + CHUNK - 1) / CHUNK, objects = 0;
    double t0 = bench_now();
    if (build_heap(&a, nchunks, o->window) < 0)
        goto out;
    double built = bench_now() - t0;
    t0 = bench_now();
    if (wire_heap_objects(&a, &objects) < 0) {
        fprintf(stderr, "heapbench isolation: heap_info: %s\n", a.err);
        goto out;
    }
    double info = bench_now() - t0;
    uint64_t requests = PREFIX_REQUESTS + nchunks * CHUNK_REQUESTS + 1;
    printf(
        "heap A (%s): %" PRIu64 " objects, built in %.1f s by %" PRIu64
        " pipelined requests (%.0f/s, %u in flight); HeapInfo on it: %.3f ms\n",
        aname, objects, built, requests, (double)requests / built, o->window,
        info * 1e3);
    if (objects < o->objects) {
        fprintf(stderr,
                "heapbench isolation: heap A holds %" PRIu64
                " objects, fewer than %" PRIu64 "\n",
                objects, o->objects);
        goto out;
    }
    if (open_heap(&b, addr, "heapbench isolation B", bname, btok) < 0)
        goto out;
    printf(
        "heap B (%s): timed ops are Op PUSH_INT k and Op STORE_GLOBAL \"x\", "
        "alternately, one at a time\n",
        bname);
    fflush(stdout);

    /* baseline: A idle */
    if (sampler_start(&sp) < 0)
        goto out;
    wait_samples(&sp, o->samples);
    if (sampler_stop(&sp) < 0)
        goto out;
    print_latency("heap B, heap A idle        ", &sp.s);
    fflush(stdout);

    /* A collects in a loop */
    times = calloc(MAX_COLLECTIONS, sizeof *times);
    if (!times || sampler_start(&sp) < 0)
        goto out;
    uint32_t n = 0;
    int64_t found = 0;
    double csum = 0;
    while (n < MAX_COLLECTIONS &&
           (n < o->collections || atomic_load(&sp.count) < o->samples)) {
        int64_t f = 0;
        double c0 = bench_now();
        if (wire_op(&a, HEAPD__OP_CODE__GC_COLLECT, 2, NULL, &f) < 0) {
            fprintf(stderr, "heapbench isolation: GC_COLLECT on heap A: %s\n",
                    a.err);
            sampler_stop(&sp);
            goto out;
        }
        times[n] = bench_now() - c0;
        csum += times[n++];
        if (f != 0)
            found = f;
    }
    if (sampler_stop(&sp) < 0)
        goto out;
    if (n <= 10)
        for (uint32_t i = 0; i < n; i++)
            printf("big collection %u: %.1f ms\n", i + 1, times[i] * 1e3);
    bench_sort(times, n);
    printf("big collections: %u, mean %.1f ms, min %.1f ms, median %.1f ms, "
           "max %.1f ms\n",
           n, csum / n * 1e3, times[0] * 1e3,
           bench_percentile(times, n, 50) * 1e3, times[n - 1] * 1e3);
    if (found)
        printf("note: a collection of heap A found %" PRId64
               " objects (all are live)\n",
               found);
    print_latency("heap B, heap A collecting  ", &sp.s);
    double p50 = bench_percentile(sp.s.v, sp.s.n, 50),
           p99 = bench_percentile(sp.s.v, sp.s.n, 99), max = sp.s.v[sp.s.n - 1];
    fflush(stdout);

    /* A is destroyed: that runs on the daemon's loop thread */
    if (sampler_start(&sp) < 0)
        goto out;
    wait_samples(&sp, 100);
    double d0 = bench_now();
    int drc = wire_heap_destroy(&a, aname, atok);
    double destroyed = bench_now() - d0;
    size_t before = atomic_load(&sp.count);
    wait_samples(&sp, before + 100);
    if (sampler_stop(&sp) < 0)
        goto out;
    if (drc < 0) {
        fprintf(stderr, "heapbench isolation: heap_destroy A: %s\n", a.err);
        goto out;
    }
    a_exists = false;
    printf("heap A destroyed in %.1f ms\n", destroyed * 1e3);
    print_latency("heap B, heap A destroyed   ", &sp.s);
    printf("isolation p50_ms=%.3f p99_ms=%.3f max_ms=%.3f "
           "big_collection_ms=%.1f\n",
           p50 * 1e3, p99 * 1e3, max * 1e3, csum / n * 1e3);
    rc = 0;
    if (wire_heap_destroy(&b, bname, btok) < 0) {
        fprintf(stderr, "heapbench isolation: heap_destroy B: %s\n", b.err);
        rc = -1;
    }
out:
    if (a_exists && a.fd >= 0)
        wire_heap_destroy(&a, aname,
                          atok); /* best effort: do not leave 5M objects */
    wire_close(&a);
    wire_close(&b);
    free(sp.s.v);
    free(times);
    return rc;
}

int bench_isolation_main(int argc, char **argv)
{
    options o;
    if (parse_options(argc, argv, &o) < 0)
        return 2;
    if (wire_selftest() < 0)
        return 1;
    char heapd[4096], addr[256];
    bench_proc hp = {0};
    if (o.server) {
        snprintf(addr, sizeof addr, "%s", o.server);
    } else {
        if (bench_heapd_path(o.heapd, heapd, sizeof heapd) < 0) {
            fprintf(
                stderr,
                "heapbench isolation: no heapd (%s); build it or pass --heapd "
                "PATH or --server ADDR\n",
                o.heapd ? o.heapd : "next to heapbench");
            return 1;
        }
        if (bench_heapd_start(heapd, NULL, &hp, addr, sizeof addr) < 0)
            return 1;
    }
    printf("heapbench isolation: heapd %s%s; heap A: %" PRIu64
           " objects (chunks of 999 empty lists in a global list), full "
           "collections "
           "in a loop; heap B: single ops, at least %u of them and %u "
           "collections\n",
           addr, o.server ? "" : " (started by heapbench)", o.objects,
           o.samples, o.collections);
    bench_print_machine("heapbench isolation");
    fflush(stdout);
    int rc = measure(&o, addr);
    if (!o.server)
        bench_proc_stop(&hp);
    return rc < 0 ? 1 : 0;
}
