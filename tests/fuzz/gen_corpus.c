/*
 * gen_corpus.c: writes the seed corpus of fuzz_frames (tests/fuzz/corpus/):
 * byte streams a client could send, each a sequence of frames that reaches
 * one area of the dispatcher (sessions, every OpCode, inspect, stats,
 * walks, events, the finalizer hand-off) plus a few broken framings.
 * Run as `fuzz_gen_corpus DIR` after changing the schema; the files are
 * committed so that the fuzzer and fuzz_replay need no generator.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "heapd.pb-c.h"

static uint8_t buf[1 << 16];
static size_t len;
static uint64_t next_id = 1;

static void frame(Heapd__Request *req)
{
    req->id = next_id++;
    size_t n = heapd__request__get_packed_size(req);
    if (len + n + 4 > sizeof buf)
        abort();
    buf[len++] = (uint8_t)(n >> 24);
    buf[len++] = (uint8_t)(n >> 16);
    buf[len++] = (uint8_t)(n >> 8);
    buf[len++] = (uint8_t)n;
    heapd__request__pack(req, buf + len);
    len += n;
}

static void raw(const void *p, size_t n)
{
    memcpy(buf + len, p, n);
    len += n;
}

static void hello(uint32_t protocol)
{
    Heapd__Hello h = HEAPD__HELLO__INIT;
    h.protocol = protocol;
    h.client = (char *)"fuzz";
    Heapd__Request r = HEAPD__REQUEST__INIT;
    r.body_case = HEAPD__REQUEST__BODY_HELLO;
    r.hello = &h;
    frame(&r);
}

static void ping(void)
{
    Heapd__Ping p = HEAPD__PING__INIT;
    Heapd__Request r = HEAPD__REQUEST__INIT;
    r.body_case = HEAPD__REQUEST__BODY_PING;
    r.ping = &p;
    frame(&r);
}

static void create(const char *name, const char *profile)
{
    Heapd__HeapCreate c = HEAPD__HEAP_CREATE__INIT;
    c.name = (char *)name;
    c.profile = (char *)profile;
    Heapd__Request r = HEAPD__REQUEST__INIT;
    r.body_case = HEAPD__REQUEST__BODY_HEAP_CREATE;
    r.heap_create = &c;
    frame(&r);
}

static void op_full(int code, int64_t i, int64_t j, int64_t k, uint32_t flags,
                    double f, const char *s, uint64_t obj)
{
    Heapd__Op o = HEAPD__OP__INIT;
    o.code = (Heapd__OpCode)code;
    o.i = i;
    o.j = j;
    o.k = k;
    o.flags = flags;
    o.f = f;
    o.s = (char *)(s ? s : "");
    o.obj = obj;
    Heapd__Request r = HEAPD__REQUEST__INIT;
    r.body_case = HEAPD__REQUEST__BODY_OP;
    r.op = &o;
    frame(&r);
}

static void op(int code, int64_t i, const char *s)
{
    op_full(code, i, 0, 0, 0, 0, s, 0);
}

static void inspect(int of, uint64_t id, const char *name, uint32_t depth)
{
    Heapd__Target t = HEAPD__TARGET__INIT;
    t.of_case = (Heapd__Target__OfCase)of;
    t.id = id;
    t.name = (char *)(name ? name : "");
    t.depth = depth;
    if (of == HEAPD__TARGET__OF_NAME)
        t.name = (char *)name;
    Heapd__Inspect in = HEAPD__INSPECT__INIT;
    in.target = &t;
    in.repr = in.str = in.items = 1;
    in.repr_limit = 64;
    Heapd__Request r = HEAPD__REQUEST__INIT;
    r.body_case = HEAPD__REQUEST__BODY_INSPECT;
    r.inspect = &in;
    frame(&r);
}

static void simple(int body)
{
    Heapd__GcQuery g = HEAPD__GC_QUERY__INIT;
    Heapd__MallocStats m = HEAPD__MALLOC_STATS__INIT;
    Heapd__TypeStats t = HEAPD__TYPE_STATS__INIT;
    Heapd__HeapList l = HEAPD__HEAP_LIST__INIT;
    Heapd__Request r = HEAPD__REQUEST__INIT;
    r.body_case = (Heapd__Request__BodyCase)body;
    r.gc_query = &g; /* a union: set the member that matches body */
    if (body == HEAPD__REQUEST__BODY_MALLOC_STATS)
        r.malloc_stats = &m;
    if (body == HEAPD__REQUEST__BODY_TYPE_STATS)
        r.type_stats = &t;
    if (body == HEAPD__REQUEST__BODY_HEAP_LIST)
        r.heap_list = &l;
    frame(&r);
}

static void walk(const char *root, int backrefs)
{
    Heapd__Target t = HEAPD__TARGET__INIT, *tp = &t;
    t.of_case = HEAPD__TARGET__OF_NAME;
    t.name = (char *)root;
    Heapd__Walk w = HEAPD__WALK__INIT;
    w.roots = &tp;
    w.n_roots = 1;
    w.backrefs = backrefs;
    w.max_depth = 3;
    w.fanout = 5;
    Heapd__Request r = HEAPD__REQUEST__INIT;
    r.body_case = HEAPD__REQUEST__BODY_WALK;
    r.walk = &w;
    frame(&r);
}

static void subscribe(int all, int stop)
{
    Heapd__Subscribe s = HEAPD__SUBSCRIBE__INIT;
    s.all = all;
    s.stop = stop;
    Heapd__Request r = HEAPD__REQUEST__INIT;
    r.body_case = HEAPD__REQUEST__BODY_SUBSCRIBE;
    r.subscribe = &s;
    frame(&r);
}

static void heap_named(int body, const char *name, const char *token)
{
    Heapd__HeapOpen o = HEAPD__HEAP_OPEN__INIT;
    Heapd__HeapInfo i = HEAPD__HEAP_INFO__INIT;
    Heapd__HeapDestroy d = HEAPD__HEAP_DESTROY__INIT;
    o.name = i.name = d.name = (char *)name;
    o.token = i.token = d.token = (char *)token;
    Heapd__Request r = HEAPD__REQUEST__INIT;
    r.body_case = (Heapd__Request__BodyCase)body;
    if (body == HEAPD__REQUEST__BODY_HEAP_OPEN)
        r.heap_open = &o;
    else if (body == HEAPD__REQUEST__BODY_HEAP_INFO)
        r.heap_info = &i;
    else
        r.heap_destroy = &d;
    frame(&r);
}

static const char *dir;

static void save(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(buf, 1, len, f) != len) {
        perror(path);
        exit(1);
    }
    fclose(f);
    len = 0;
    next_id = 1;
}

static void start(void)
{
    hello(1);
    create("f", "3.12");
}

/* x = [1, 2, 3, 4]; x.append(x); del x  (the talk's ref_cycle) */
static void ref_cycle(void)
{
    for (int v = 1; v <= 4; v++)
        op(HEAPD__OP_CODE__PUSH_INT, v, NULL);
    op(HEAPD__OP_CODE__BUILD_LIST, 4, NULL);
    op(HEAPD__OP_CODE__DUP, 0, NULL);
    op(HEAPD__OP_CODE__DUP, 0, NULL);
    op(HEAPD__OP_CODE__LIST_APPEND, 0, NULL);
    op(HEAPD__OP_CODE__POP, 0, NULL);
}

static void class_with_del(const char *name)
{
    op(HEAPD__OP_CODE__PUSH_STR, 0, "__del__");
    op(HEAPD__OP_CODE__BUILD_CODE, 0, "__del__");
    op(HEAPD__OP_CODE__PUSH_NONE, 0, NULL);
    op(HEAPD__OP_CODE__BUILD_FUNCTION, 0, "__del__");
    op(HEAPD__OP_CODE__BUILD_DICT, 1, NULL);
    op(HEAPD__OP_CODE__BUILD_CLASS, 0, name);
    op(HEAPD__OP_CODE__STORE_GLOBAL, 0, name);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz_gen_corpus DIR\n");
        return 2;
    }
    dir = argv[1];

    hello(1);
    save("session-hello");
    ping();
    hello(2);
    hello(1);
    ping();
    save("session-ping-mismatch");
    create("x", NULL);
    simple(HEAPD__REQUEST__BODY_HEAP_LIST);
    hello(1);
    create("a", "3.11");
    create("", "3.13");
    create("a", "9.9");
    simple(HEAPD__REQUEST__BODY_HEAP_LIST);
    heap_named(HEAPD__REQUEST__BODY_HEAP_INFO, "a", "");
    heap_named(HEAPD__REQUEST__BODY_HEAP_INFO, "", "");
    heap_named(HEAPD__REQUEST__BODY_HEAP_OPEN, "a",
               "00112233445566778899aabbccddeeff");
    heap_named(HEAPD__REQUEST__BODY_HEAP_DESTROY, "a", "zz");
    heap_named(HEAPD__REQUEST__BODY_HEAP_DESTROY, "nope", "");
    op(HEAPD__OP_CODE__PUSH_NONE, 0, NULL);
    save("session-heaps");

    start();
    for (int k = 0; k < 8; k++)
        ref_cycle();
    op(HEAPD__OP_CODE__GC_COLLECT, 2, NULL);
    op(HEAPD__OP_CODE__GC_COLLECT, 2, NULL);
    simple(HEAPD__REQUEST__BODY_GC_QUERY);
    save("gc-ref-cycle-x8");

    start();
    op(HEAPD__OP_CODE__PUSH_NONE, 0, NULL);
    op(HEAPD__OP_CODE__PUSH_BOOL, 1, NULL);
    op(HEAPD__OP_CODE__PUSH_INT, -123456789, NULL);
    op_full(HEAPD__OP_CODE__PUSH_FLOAT, 0, 0, 0, 0, 2.5, NULL, 0);
    op(HEAPD__OP_CODE__PUSH_STR, 0, "h\xc3\xa9llo");
    {
        Heapd__Op o = HEAPD__OP__INIT;
        o.code = HEAPD__OP_CODE__PUSH_BYTES;
        o.b.data = (uint8_t *)"ab\0c";
        o.b.len = 4;
        Heapd__Request r = HEAPD__REQUEST__INIT;
        r.body_case = HEAPD__REQUEST__BODY_OP;
        r.op = &o;
        frame(&r);
    }
    op(HEAPD__OP_CODE__DUP, 0, NULL);
    op(HEAPD__OP_CODE__ROLL, 3, NULL);
    op(HEAPD__OP_CODE__BUILD_TUPLE, 2, NULL);
    op(HEAPD__OP_CODE__BUILD_LIST, 2, NULL);
    op(HEAPD__OP_CODE__PUSH_INT, 5, NULL);
    op(HEAPD__OP_CODE__PUSH_INT, 6, NULL);
    op(HEAPD__OP_CODE__BUILD_SET, 2, NULL);
    op(HEAPD__OP_CODE__PUSH_INT, 7, NULL);
    op(HEAPD__OP_CODE__BUILD_FROZENSET, 1, NULL);
    op(HEAPD__OP_CODE__PUSH_STR, 0, "k");
    op(HEAPD__OP_CODE__PUSH_INT, 1, NULL);
    op(HEAPD__OP_CODE__BUILD_DICT, 1, NULL);
    op(HEAPD__OP_CODE__STORE_GLOBAL, 0, "d");
    inspect(HEAPD__TARGET__OF_DEPTH, 0, NULL, 0);
    inspect(HEAPD__TARGET__OF_NAME, 0, "d", 0);
    inspect(HEAPD__TARGET__OF_ID, 0x1000, NULL, 0);
    op_full(HEAPD__OP_CODE__PUSH_ID, 0, 0, 0, 0, 0, NULL, 0xdeadbeef0);
    op(HEAPD__OP_CODE__POP, 0, NULL);
    op(HEAPD__OP_CODE__OP_INVALID, 0, NULL);
    op(999, 0, NULL);
    save("ops-values");

    start();
    for (int v = 10; v <= 30; v += 10)
        op(HEAPD__OP_CODE__PUSH_INT, v, NULL);
    op(HEAPD__OP_CODE__BUILD_LIST, 3, NULL);
    op(HEAPD__OP_CODE__STORE_GLOBAL, 0, "l");
    op(HEAPD__OP_CODE__LOAD_GLOBAL, 0, "l");
    op(HEAPD__OP_CODE__PUSH_INT, 1, NULL);
    op(HEAPD__OP_CODE__GETITEM, 0, NULL);
    op(HEAPD__OP_CODE__LOAD_GLOBAL, 0, "l");
    op(HEAPD__OP_CODE__PUSH_INT, 0, NULL);
    op(HEAPD__OP_CODE__PUSH_STR, 0, "a");
    op(HEAPD__OP_CODE__SETITEM, 0, NULL);
    op(HEAPD__OP_CODE__LOAD_GLOBAL, 0, "l");
    op(HEAPD__OP_CODE__PUSH_INT, 2, NULL);
    op(HEAPD__OP_CODE__DELITEM, 0, NULL);
    op(HEAPD__OP_CODE__LOAD_GLOBAL, 0, "l");
    op(HEAPD__OP_CODE__PUSH_INT, 40, NULL);
    op(HEAPD__OP_CODE__LIST_APPEND, 0, NULL);
    op(HEAPD__OP_CODE__LOAD_GLOBAL, 0, "l");
    op(HEAPD__OP_CODE__PUSH_INT, 5, NULL);
    op(HEAPD__OP_CODE__LIST_INSERT, 0, NULL);
    op(HEAPD__OP_CODE__LOAD_GLOBAL, 0, "l");
    op(HEAPD__OP_CODE__DUP, 0, NULL);
    op(HEAPD__OP_CODE__LIST_EXTEND, 0, NULL);
    op(HEAPD__OP_CODE__LOAD_GLOBAL, 0, "l");
    op(HEAPD__OP_CODE__LIST_POP, -1, NULL);
    op(HEAPD__OP_CODE__LOAD_GLOBAL, 0, "l");
    op_full(HEAPD__OP_CODE__SLICE, 1, 3, -1, 7, 0, NULL, 0);
    op(HEAPD__OP_CODE__LOAD_GLOBAL, 0, "l");
    op(HEAPD__OP_CODE__CLEAR, 0, NULL);
    op(HEAPD__OP_CODE__BUILD_SET, 0, NULL);
    op(HEAPD__OP_CODE__DUP, 0, NULL);
    op(HEAPD__OP_CODE__PUSH_STR, 0, "m");
    op(HEAPD__OP_CODE__SET_ADD, 0, NULL);
    op(HEAPD__OP_CODE__PUSH_STR, 0, "m");
    op(HEAPD__OP_CODE__SET_DISCARD, 0, NULL);
    op(HEAPD__OP_CODE__PUSH_STR, 0, "k");
    op(HEAPD__OP_CODE__PUSH_INT, 9, NULL);
    op(HEAPD__OP_CODE__BUILD_DICT, 1, NULL);
    op(HEAPD__OP_CODE__PUSH_STR, 0, "k");
    op(HEAPD__OP_CODE__DICT_POP, 0, NULL);
    save("ops-containers");

    start();
    class_with_del("D");
    op(HEAPD__OP_CODE__BUILD_DICT, 0, NULL);
    op(HEAPD__OP_CODE__BUILD_CLASS, 0, "Obj");
    op(HEAPD__OP_CODE__NEW_INSTANCE, 0, NULL);
    op(HEAPD__OP_CODE__DUP, 0, NULL);
    op(HEAPD__OP_CODE__PUSH_INT, 5, NULL);
    op(HEAPD__OP_CODE__SETATTR, 0, "x");
    op(HEAPD__OP_CODE__DUP, 0, NULL);
    op(HEAPD__OP_CODE__GETATTR, 0, "x");
    op(HEAPD__OP_CODE__POP, 0, NULL);
    op(HEAPD__OP_CODE__DUP, 0, NULL);
    op(HEAPD__OP_CODE__DELATTR, 0, "x");
    op(HEAPD__OP_CODE__DUP, 0, NULL);
    op(HEAPD__OP_CODE__PUSH_NONE, 0, NULL);
    op(HEAPD__OP_CODE__NEW_WEAKREF, 0, NULL);
    op(HEAPD__OP_CODE__WEAKREF_DEREF, 0, NULL);
    op(HEAPD__OP_CODE__PUSH_STR, 0, "not an identifier");
    op(HEAPD__OP_CODE__INTERN, 0, NULL);
    op(HEAPD__OP_CODE__LOAD_GLOBAL, 0, "D");
    op(HEAPD__OP_CODE__NEW_INSTANCE, 0, NULL);
    op(HEAPD__OP_CODE__POP, 0, NULL);
    op(HEAPD__OP_CODE__PUSH_NONE, 0, NULL);
    op(HEAPD__OP_CODE__CALL_BEGIN, 0, NULL);
    op(HEAPD__OP_CODE__CALL_END, 0, NULL);
    op(HEAPD__OP_CODE__CALL_END, 0, NULL);
    op(HEAPD__OP_CODE__LOAD_GLOBAL, 0, "D");
    op(HEAPD__OP_CODE__NEW_INSTANCE, 0, NULL);
    op(HEAPD__OP_CODE__DUP, 0, NULL);
    op(HEAPD__OP_CODE__DUP, 0, NULL);
    op(HEAPD__OP_CODE__SETATTR, 0, "me");
    op(HEAPD__OP_CODE__POP, 0, NULL);
    op(HEAPD__OP_CODE__GC_COLLECT, 2, NULL);
    op(HEAPD__OP_CODE__CALL_BEGIN, 0, NULL);
    op(HEAPD__OP_CODE__CALL_END, 0, NULL);
    save("handoff-del");

    start();
    op(HEAPD__OP_CODE__BUILD_CODE, 0, "f");
    op(HEAPD__OP_CODE__PUSH_NONE, 0, NULL);
    op(HEAPD__OP_CODE__BUILD_FUNCTION, 0, "f");
    op(HEAPD__OP_CODE__PUSH_INT, 7, NULL);
    op_full(HEAPD__OP_CODE__FRAME_PUSH, 1, 2, 0, 0, 0, NULL, 0);
    op(HEAPD__OP_CODE__LOAD_LOCAL, 0, NULL);
    op(HEAPD__OP_CODE__STORE_LOCAL, 1, NULL);
    op(HEAPD__OP_CODE__LOAD_LOCAL, 1, NULL);
    op(HEAPD__OP_CODE__DELETE_LOCAL, 1, NULL);
    op(HEAPD__OP_CODE__LOAD_LOCAL, 1, NULL);
    op(HEAPD__OP_CODE__LOAD_GLOBAL, 0, "nope");
    op(HEAPD__OP_CODE__FRAME_POP, 1, NULL);
    op(HEAPD__OP_CODE__FRAME_POP, 0, NULL);
    op(HEAPD__OP_CODE__STORE_GLOBAL, 0, "r");
    op(HEAPD__OP_CODE__DELETE_GLOBAL, 0, "r");
    op(HEAPD__OP_CODE__DELETE_GLOBAL, 0, "r");
    op(HEAPD__OP_CODE__PUSH_GLOBALS, 0, NULL);
    save("ops-frames");

    start();
    op(HEAPD__OP_CODE__GC_DISABLE, 0, NULL);
    op(HEAPD__OP_CODE__GC_ENABLE, 0, NULL);
    op_full(HEAPD__OP_CODE__GC_SET_THRESHOLD, 5, 2, 2, 3, 0, NULL, 0);
    op(HEAPD__OP_CODE__GC_SET_DEBUG, 32, NULL);
    ref_cycle();
    op(HEAPD__OP_CODE__GC_COLLECT, 0, NULL);
    op(HEAPD__OP_CODE__PUSH_GARBAGE, 0, NULL);
    op(HEAPD__OP_CODE__PUSH_CALLBACKS, 0, NULL);
    op(HEAPD__OP_CODE__GC_FREEZE, 0, NULL);
    op(HEAPD__OP_CODE__GC_UNFREEZE, 0, NULL);
    op(HEAPD__OP_CODE__GC_GET_OBJECTS, -1, NULL);
    op(HEAPD__OP_CODE__GC_GET_REFERENTS, 1, NULL);
    op(HEAPD__OP_CODE__PUSH_GARBAGE, 0, NULL);
    op(HEAPD__OP_CODE__GC_GET_REFERRERS, 1, NULL);
    op(HEAPD__OP_CODE__GC_COLLECT, 7, NULL);
    simple(HEAPD__REQUEST__BODY_GC_QUERY);
    save("gc-module");

    start();
    op(HEAPD__OP_CODE__PUSH_STR, 0, "hello");
    op(HEAPD__OP_CODE__STORE_GLOBAL, 0, "x");
    op(HEAPD__OP_CODE__LOAD_GLOBAL, 0, "x");
    op(HEAPD__OP_CODE__LOAD_GLOBAL, 0, "x");
    op(HEAPD__OP_CODE__BUILD_LIST, 1, NULL);
    op(HEAPD__OP_CODE__PUSH_STR, 0, "x");
    op(HEAPD__OP_CODE__LOAD_GLOBAL, 0, "x");
    op(HEAPD__OP_CODE__BUILD_DICT, 1, NULL);
    op(HEAPD__OP_CODE__BUILD_LIST, 3, NULL);
    op(HEAPD__OP_CODE__STORE_GLOBAL, 0, "y");
    walk("y", 0);
    walk("x", 1);
    simple(HEAPD__REQUEST__BODY_MALLOC_STATS);
    simple(HEAPD__REQUEST__BODY_TYPE_STATS);
    inspect(HEAPD__TARGET__OF_NAME, 0, "y", 0);
    heap_named(HEAPD__REQUEST__BODY_HEAP_INFO, "", "");
    save("read-walk-stats");

    start();
    subscribe(0, 0);
    ref_cycle();
    op(HEAPD__OP_CODE__GC_COLLECT, 2, NULL);
    op(HEAPD__OP_CODE__PUSH_INT, 5000, NULL);
    op(HEAPD__OP_CODE__POP, 0, NULL);
    subscribe(1, 0);
    subscribe(0, 1);
    save("events");

    /* Broken framings. */
    hello(1);
    raw("\0\0\0\0", 4);
    raw("\0\0\0\5\xff\xff\xff\xff\xff", 9);
    ping();
    raw("\0\x20\0\x01", 4);
    save("frame-bad");
    raw("\0\x01\x90\0", 4);
    save("frame-over-prehello");
    hello(1);
    raw("\0\0\0\x64\x08\x01", 6);
    save("frame-cut");
    start();
    raw("\0\0\0\x05\x08\x05\x98\x06\x01", 9);
    save("frame-unknown-field");
    return 0;
}
