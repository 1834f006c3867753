/*
 * rpc.c: `heapbench rpc`, requests per second over loopback against a
 * heapd, next to redis-benchmark's SET on a redis started for the purpose
 * (DESIGN.md section 7; docs/bench.md#rpc says what one op is on each
 * side).
 *
 * The load generator is one thread and one epoll set, as redis-benchmark
 * is: C connections, each with its own heap, each keeping P requests in
 * flight (a new request goes out as soon as a reply comes in; with
 * --batch, P go out once all P replies are in, as redis-benchmark does)
 * until it has had N/C replies.  Requests are encoded by wire.c's encoder and
 * replies checked by its scanner (the id must be the next expected one and the
 * response must not be an error), so the generator spends little per
 * request and the daemon is what is measured.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "bench.h"
#include "wire.h"

typedef enum rpc_op {
    OP_BIND,    /* PUSH_INT k, then STORE_GLOBAL "x": two requests */
    OP_INSPECT, /* Inspect{name: "x"}: reads x's refcount and more */
    OP_PING,    /* Ping: no heap work, the protocol's floor */
} rpc_op;

static const char *const op_names[] = {"bind", "inspect", "ping"};

typedef struct options {
    const char *server; /* NULL: start a heapd */
    const char *heapd;  /* NULL: the one next to heapbench */
    uint32_t clients, pipeline;
    uint64_t requests;
    int runs;
    rpc_op op;
    bool batch; /* send P, wait for all P replies, as redis-benchmark */
    bool no_redis;
} options;

typedef struct client {
    wire_conn wc; /* setup, then its fd for the load */
    char heap[WIRE_NAME_MAX + 1], token[65];
    uint64_t target; /* replies to wait for */
    uint64_t sent, done;
    uint64_t first_id; /* the id of the first load request */
    int64_t value;     /* the next int pushed (bind) */
    uint8_t *in;
    size_t inlen, incap;
    uint8_t *out;
    size_t outoff, outlen, outcap;
    bool want_out; /* EPOLLOUT requested */
} client;

typedef struct run_result {
    double secs;
    uint64_t ops;
    uint64_t bytes_out, bytes_in;
} run_result;

/* ---- one client's requests
 * ---------------------------------------------------- */

/* Request number c->sent of this client's load, appended to its output. */
static void put_next(client *c, rpc_op op)
{
    uint8_t *p = c->out + c->outlen;
    uint64_t id = c->first_id + c->sent;
    switch (op) {
    case OP_BIND:
        if (c->sent % 2 == 0)
            c->outlen +=
                wire_put_op(p, id, HEAPD__OP_CODE__PUSH_INT, c->value++, NULL);
        else
            c->outlen +=
                wire_put_op(p, id, HEAPD__OP_CODE__STORE_GLOBAL, 0, "x");
        break;
    case OP_INSPECT:
        c->outlen += wire_put_inspect_name(p, id, "x");
        break;
    case OP_PING:
        c->outlen += wire_put_ping(p, id);
        break;
    }
    c->sent++;
}

/* Writes what is pending; 0, or -1 on a broken connection. */
static int flush_out(client *c, int ep, run_result *rr)
{
    while (c->outoff < c->outlen) {
        ssize_t w = send(c->wc.fd, c->out + c->outoff, c->outlen - c->outoff,
                         MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (w < 0) {
            fprintf(stderr, "heapbench rpc: send: %s\n", strerror(errno));
            return -1;
        }
        c->outoff += (size_t)w;
        rr->bytes_out += (uint64_t)w;
    }
    bool pending = c->outoff < c->outlen;
    if (!pending)
        c->outoff = c->outlen = 0;
    if (pending != c->want_out) {
        struct epoll_event ev = {.events = EPOLLIN | (pending ? EPOLLOUT : 0),
                                 .data.ptr = c};
        epoll_ctl(ep, EPOLL_CTL_MOD, c->wc.fd, &ev);
        c->want_out = pending;
    }
    return 0;
}

/* Room in the output for one more frame. */
static int out_room(client *c)
{
    if (c->outcap - c->outlen >= WIRE_FRAME_MAX)
        return 0;
    if (c->outoff) {
        memmove(c->out, c->out + c->outoff, c->outlen - c->outoff);
        c->outlen -= c->outoff;
        c->outoff = 0;
        if (c->outcap - c->outlen >= WIRE_FRAME_MAX)
            return 0;
    }
    size_t cap = c->outcap * 2;
    uint8_t *p = realloc(c->out, cap);
    if (!p)
        return -1;
    c->out = p;
    c->outcap = cap;
    return 0;
}

/* An error reply: say what it was. */
static void report_error(const uint8_t *body, size_t n)
{
    Heapd__ServerMessage *m = heapd__server_message__unpack(NULL, n, body);
    if (m && m->msg_case == HEAPD__SERVER_MESSAGE__MSG_RESPONSE &&
        m->response->error)
        fprintf(stderr, "heapbench rpc: the daemon answered: %s (error %d)\n",
                m->response->error->message, m->response->error->code);
    else
        fprintf(stderr, "heapbench rpc: the daemon answered an error\n");
    if (m)
        heapd__server_message__free_unpacked(m, NULL);
}

/* Reads what has arrived and answers each reply with the next request.
 * 1 when the client has all its replies, 0 if not yet, -1 on failure. */
static int on_readable(client *c, const options *o, run_result *rr)
{
    for (;;) {
        if (c->incap - c->inlen < 16384) {
            uint8_t *p = realloc(c->in, c->incap * 2);
            if (!p)
                return -1;
            c->in = p;
            c->incap *= 2;
        }
        size_t room = c->incap - c->inlen;
        ssize_t r = recv(c->wc.fd, c->in + c->inlen, room, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            break;
        if (r <= 0) {
            fprintf(stderr, "heapbench rpc: %s\n",
                    r == 0 ? "the daemon closed a connection"
                           : strerror(errno));
            return -1;
        }
        c->inlen += (size_t)r;
        rr->bytes_in += (uint64_t)r;
        if ((size_t)r < room)
            break; /* drained: no second recv just to hear EAGAIN */
    }
    size_t off = 0;
    for (;;) {
        long n = wire_frame_complete(c->in + off, c->inlen - off, 64u << 20);
        if (n < 0) {
            fprintf(stderr, "heapbench rpc: a reply frame is too long\n");
            return -1;
        }
        if (n == 0)
            break;
        uint64_t id;
        bool error;
        int kind = wire_scan_reply(c->in + off + 4, (size_t)n - 4, &id, &error);
        if (kind < 0) {
            fprintf(stderr, "heapbench rpc: a malformed reply\n");
            return -1;
        }
        if (kind == 1) {
            if (error) {
                report_error(c->in + off + 4, (size_t)n - 4);
                return -1;
            }
            if (id != c->first_id + c->done) {
                fprintf(stderr,
                        "heapbench rpc: reply id %" PRIu64 ", expected %" PRIu64
                        "\n",
                        id, c->first_id + c->done);
                return -1;
            }
            c->done++;
            if (!o->batch && c->sent < c->target) {
                if (out_room(c) < 0)
                    return -1;
                put_next(c, o->op);
            }
        }
        off += (size_t)n;
    }
    if (off) {
        memmove(c->in, c->in + off, c->inlen - off);
        c->inlen -= off;
    }
    if (o->batch && c->done == c->sent)
        while (c->sent < c->target && c->sent - c->done < o->pipeline) {
            if (out_room(c) < 0)
                return -1;
            put_next(c, o->op);
        }
    return c->done == c->target;
}

/* ---- one run
 * --------------------------------------------------------------------- */

static int setup_client(client *c, const char *addr, const options *o,
                        uint64_t target, uint32_t index)
{
    memset(c, 0, sizeof *c);
    c->wc.fd = -1;
    if (wire_open(&c->wc, addr, "heapbench rpc") < 0 ||
        wire_heap_create(&c->wc, c->heap, c->token) < 0)
        return -1;
    if (o->op == OP_INSPECT &&
        (wire_op(&c->wc, HEAPD__OP_CODE__PUSH_INT, 1000 + index, NULL, NULL) <
             0 ||
         wire_op(&c->wc, HEAPD__OP_CODE__STORE_GLOBAL, 0, "x", NULL) < 0))
        return -1;
    c->target = target;
    c->first_id = c->wc.next_id;
    c->value = (int64_t)1 << 32 | (int64_t)index << 40;
    c->incap = 65536;
    c->outcap = ((size_t)o->pipeline + 16) * WIRE_FRAME_MAX;
    c->in = malloc(c->incap);
    c->out = malloc(c->outcap);
    if (!c->in || !c->out)
        return -1;
    return wire_set_nonblocking(c->wc.fd, true);
}

/* After the load: the heap holds what the requests made (bind: x is the
 * last int pushed), then it goes. */
static int finish_client(client *c, const options *o)
{
    int rc = 0;
    c->wc.next_id = c->first_id + c->sent;
    wire_set_nonblocking(c->wc.fd, false);
    if (o->op == OP_BIND && c->sent >= 2) {
        Heapd__Target t = HEAPD__TARGET__INIT;
        t.of_case = HEAPD__TARGET__OF_NAME;
        t.name = (char *)"x";
        Heapd__Inspect in = HEAPD__INSPECT__INIT;
        in.target = &t;
        Heapd__Request req = HEAPD__REQUEST__INIT;
        req.body_case = HEAPD__REQUEST__BODY_INSPECT;
        req.inspect = &in;
        Heapd__ServerMessage *m = wire_call_ok(&c->wc, &req);
        int64_t want = c->value - 1 - (int64_t)(c->sent % 2);
        if (!m || m->response->result_case != HEAPD__RESPONSE__RESULT_OBJECT ||
            m->response->object->int_value != want) {
            fprintf(stderr,
                    "heapbench rpc: after the load, x is not the last int "
                    "bound (%s)\n",
                    m ? "wrong value" : c->wc.err);
            rc = -1;
        }
        if (m)
            heapd__server_message__free_unpacked(m, NULL);
    }
    if (wire_heap_destroy(&c->wc, c->heap, c->token) < 0) {
        fprintf(stderr, "heapbench rpc: heap_destroy: %s\n", c->wc.err);
        rc = -1;
    }
    return rc;
}

static void free_client(client *c)
{
    wire_close(&c->wc);
    free(c->in);
    free(c->out);
}

static int heapd_run(const options *o, const char *addr, run_result *rr)
{
    memset(rr, 0, sizeof *rr);
    client *cl = calloc(o->clients, sizeof *cl);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int rc = cl && ep >= 0 ? 0 : -1;
    uint32_t ready = 0;
    for (uint32_t i = 0; rc == 0 && i < o->clients; i++) {
        uint64_t share =
            o->requests / o->clients + (i < o->requests % o->clients);
        if (setup_client(&cl[i], addr, o, share, i) < 0) {
            fprintf(stderr, "heapbench rpc: client %u: %s\n", i, cl[i].wc.err);
            rc = -1;
            break;
        }
        ready = i + 1;
        struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &cl[i]};
        epoll_ctl(ep, EPOLL_CTL_ADD, cl[i].wc.fd, &ev);
    }
    uint32_t finished = 0;
    double t0 = bench_now(), last = t0;
    for (uint32_t i = 0; rc == 0 && i < o->clients; i++) {
        client *c = &cl[i];
        while (c->sent < c->target && c->sent < o->pipeline)
            put_next(c, o->op);
        if (c->target == 0)
            finished++;
        if (flush_out(c, ep, rr) < 0)
            rc = -1;
    }
    struct epoll_event evs[256];
    while (rc == 0 && finished < o->clients) {
        int n = epoll_wait(ep, evs, 256, 1000);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = -1;
            break;
        }
        double now = bench_now();
        if (n == 0 && now - last > 30) {
            fprintf(stderr, "heapbench rpc: no reply for 30 s; giving up\n");
            rc = -1;
            break;
        }
        if (n > 0)
            last = now;
        for (int k = 0; k < n && rc == 0; k++) {
            client *c = evs[k].data.ptr;
            if (evs[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                int r = on_readable(c, o, rr);
                if (r < 0) {
                    rc = -1;
                    break;
                }
                if (r == 1)
                    finished++;
            }
            if (flush_out(c, ep, rr) < 0)
                rc = -1;
        }
    }
    rr->secs = bench_now() - t0;
    for (uint32_t i = 0; i < o->clients && cl; i++)
        rr->ops += cl[i].done;
    for (uint32_t i = 0; i < ready; i++) {
        if (rc == 0 && finish_client(&cl[i], o) < 0)
            rc = -1;
        free_client(&cl[i]);
    }
    if (ep >= 0)
        close(ep);
    free(cl);
    return rc;
}

/* ---- redis
 * ------------------------------------------------------------------------ */

/* redis-benchmark's SET requests per second from its --csv output
 * ("SET","71017.68",...), or -1. */
static double parse_redis_csv(const char *out)
{
    const char *p = strstr(out, "\"SET\",\"");
    if (!p)
        return -1;
    return strtod(p + 7, NULL);
}

static int redis_run(const options *o, const char *bench, int port, double *ops)
{
    char ports[16], clients[16], pipeline[16], requests[32], out[8192];
    snprintf(ports, sizeof ports, "%d", port);
    snprintf(clients, sizeof clients, "%u", o->clients);
    snprintf(pipeline, sizeof pipeline, "%u", o->pipeline);
    snprintf(requests, sizeof requests, "%" PRIu64, o->requests);
    const char *argv[] = {bench,    "-h",  "127.0.0.1", "-p",    ports,
                          "-t",     "set", "-c",        clients, "-P",
                          pipeline, "-n",  requests,    "--csv", NULL};
    int rc = bench_run_capture(argv, out, sizeof out);
    *ops = parse_redis_csv(out);
    if (rc != 0 || *ops <= 0) {
        fprintf(
            stderr,
            "heapbench rpc: redis-benchmark failed (status %d), printed:\n%s\n",
            rc, out);
        return -1;
    }
    return 0;
}

/* ---- the command
 * ------------------------------------------------------------------- */

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
    *o =
        (options){.clients = 50, .pipeline = 1, .requests = 1000000, .runs = 3};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        uint64_t x;
        if (strcmp(a, "--no-redis") == 0 || strcmp(a, "--batch") == 0) {
            *(a[2] == 'n' ? &o->no_redis : &o->batch) = true;
            continue;
        }
        if (strcmp(a, "--server") == 0 && v)
            o->server = v;
        else if (strcmp(a, "--heapd") == 0 && v)
            o->heapd = v;
        else if (strcmp(a, "--clients") == 0 && parse_u64(v, &x) == 0 &&
                 x >= 1 && x <= 1000)
            o->clients = (uint32_t)x;
        else if (strcmp(a, "--pipeline") == 0 && parse_u64(v, &x) == 0 &&
                 x >= 1 && x <= 100000)
            o->pipeline = (uint32_t)x;
        else if (strcmp(a, "--requests") == 0 && parse_u64(v, &x) == 0 &&
                 x >= 1)
            o->requests = x;
        else if (strcmp(a, "--runs") == 0 && parse_u64(v, &x) == 0 && x >= 1 &&
                 x <= 100)
            o->runs = (int)x;
        else if (strcmp(a, "--op") == 0 && v) {
            int k = -1;
            for (int j = 0; j < 3; j++)
                if (strcmp(v, op_names[j]) == 0)
                    k = j;
            if (k < 0) {
                fprintf(stderr,
                        "heapbench rpc: --op is bind, inspect or ping\n");
                return -1;
            }
            o->op = (rpc_op)k;
        } else {
            fprintf(stderr,
                    "heapbench rpc: bad argument '%s' (see heapbench --help)\n",
                    a);
            return -1;
        }
        i++;
    }
    if (o->requests < o->clients) {
        fprintf(stderr,
                "heapbench rpc: --requests must be at least --clients\n");
        return -1;
    }
    return 0;
}

static const char *op_what(rpc_op op)
{
    switch (op) {
    case OP_BIND:
        return "Op PUSH_INT k and Op STORE_GLOBAL \"x\", alternately (x = k is "
               "two ops)";
    case OP_INSPECT:
        return "Inspect{name: \"x\"} (x's refcount, type, size, ...)";
    default:
        return "Ping (no heap work)";
    }
}

int bench_rpc_main(int argc, char **argv)
{
    options o;
    if (parse_options(argc, argv, &o) < 0)
        return 2;
    if (wire_selftest() < 0)
        return 1;
    char heapd[4096], addr[256], rserver[4096], rbench[4096];
    bench_proc hp = {0}, rp = {0};
    bool have_redis =
        !o.no_redis &&
        bench_which("redis-server", rserver, sizeof rserver) == 0 &&
        bench_which("redis-benchmark", rbench, sizeof rbench) == 0;
    if (o.server) {
        snprintf(addr, sizeof addr, "%s", o.server);
    } else {
        if (bench_heapd_path(o.heapd, heapd, sizeof heapd) < 0) {
            fprintf(stderr,
                    "heapbench rpc: no heapd (%s); build it or pass --heapd "
                    "PATH or --server ADDR\n",
                    o.heapd ? o.heapd : "next to heapbench");
            return 1;
        }
        const char *extra[] = {"--log-level", "info", NULL};
        if (bench_heapd_start(heapd, extra, &hp, addr, sizeof addr) < 0)
            return 1;
    }
    int port = 0;
    if (have_redis && bench_redis_start(rserver, &rp, &port) < 0) {
        fprintf(stderr, "heapbench rpc: %s did not start; no comparison\n",
                rserver);
        have_redis = false;
    }
    printf("heapbench rpc: %u clients, pipeline %u (%s), %" PRIu64
           " requests per run, "
           "%d runs\n"
           "heapd: %s%s, a heap per client; one op = one request: %s\n"
           "redis: %s\n",
           o.clients, o.pipeline,
           o.batch ? "P sent, all P replies awaited, as redis-benchmark does"
                   : "a new request per reply",
           o.requests, o.runs, addr, o.server ? "" : " (started by heapbench)",
           op_what(o.op),
           have_redis ? "redis-benchmark -t set (one op = one SET "
                        "key:__rand_int__ of 3 bytes)"
                      : "not run (redis-server or redis-benchmark missing, or "
                        "--no-redis)");
    bench_print_machine("heapbench rpc");
    fflush(stdout);
    double *hops = calloc((size_t)o.runs, sizeof *hops);
    double *rops = calloc((size_t)o.runs, sizeof *rops);
    int status = hops && rops ? 0 : 1;
    for (int r = 0; r < o.runs && status == 0; r++) {
        run_result rr;
        if (heapd_run(&o, addr, &rr) < 0) {
            status = 1;
            break;
        }
        hops[r] = (double)rr.ops / rr.secs;
        printf("run %d: heapd %9.0f ops/s (%" PRIu64
               " ops in %.3f s, %.1f B/request, "
               "%.1f B/reply)",
               r + 1, hops[r], rr.ops, rr.secs,
               (double)rr.bytes_out / (double)rr.ops,
               (double)rr.bytes_in / (double)rr.ops);
        if (have_redis) {
            fflush(stdout);
            if (redis_run(&o, rbench, port, &rops[r]) < 0) {
                printf("\n");
                status = 1;
                break;
            }
            printf(" | redis %9.0f ops/s", rops[r]);
        }
        printf("\n");
        fflush(stdout);
    }
    if (status == 0) {
        double hm = bench_median(hops, o.runs);
        if (have_redis) {
            double rm = bench_median(rops, o.runs);
            printf("median: heapd %.0f ops/s | redis %.0f ops/s\n", hm, rm);
            printf("rpc clients=%u pipeline=%u heapd_ops=%.0f redis_ops=%.0f "
                   "ratio=%.3f\n",
                   o.clients, o.pipeline, hm, rm, hm / rm);
        } else {
            printf("median: heapd %.0f ops/s; no redis, no ratio\n", hm);
            printf("rpc clients=%u pipeline=%u heapd_ops=%.0f\n", o.clients,
                   o.pipeline, hm);
        }
    }
    free(hops);
    free(rops);
    if (have_redis)
        bench_proc_stop(&rp);
    if (!o.server)
        bench_proc_stop(&hp);
    return status;
}
