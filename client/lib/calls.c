/*
 * calls.c: the convenience calls of heapclient.h.  Each builds one
 * Request on the stack, makes one hc_call with the client's timeout,
 * checks that the response carries the expected result, and copies that
 * into plain structs or hands the decoded message over.
 */
#include <stdlib.h>
#include <string.h>

#include "hc_internal.h"

/* protobuf-c wants char * for strings it only reads. */
#define STR(s) ((char *)((s) ? (s) : ""))

/* One call whose successful response must carry result `want`.  On 0 *out
 * is the response (the caller frees it); on failure nothing is kept. */
static int call_expect(hc_client *c, Heapd__Request *req, int want,
                       Heapd__Response **out)
{
    Heapd__Response *r = NULL;
    *out = NULL;
    int rc = hc_call(c, req, &r, c->timeout_ms);
    if (rc < 0) {
        hc_free(r);
        return rc;
    }
    if ((int)r->result_case != want) {
        int got = (int)r->result_case;
        hc_free(r);
        return hc__fail(c, HC_E_PROTO,
                        "the server answered with result %d where %d was "
                        "expected",
                        got, want);
    }
    *out = r;
    return 0;
}

/* The result message of r, detached so that r can be freed alone. */
static void *detach_result(Heapd__Response *r)
{
    void *m = r->empty; /* every member of the union is a pointer */
    r->empty = NULL;
    r->result_case = HEAPD__RESPONSE__RESULT__NOT_SET;
    hc_free(r);
    return m;
}

int hc_ping(hc_client *c)
{
    Heapd__Ping ping = HEAPD__PING__INIT;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    Heapd__Response *r;
    req.body_case = HEAPD__REQUEST__BODY_PING;
    req.ping = &ping;
    int rc = call_expect(c, &req, HEAPD__RESPONSE__RESULT_EMPTY, &r);
    hc_free(r);
    return rc;
}

int hc_hello(hc_client *c, const char *client_name, const char *admin_token,
             hc_hello_result *out)
{
    Heapd__Hello hello = HEAPD__HELLO__INIT;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    Heapd__Response *r;
    if (out)
        memset(out, 0, sizeof *out);
    hello.protocol = HC_PROTOCOL;
    hello.client = STR(client_name ? client_name : "libheapclient");
    hello.admin_token = STR(admin_token);
    req.body_case = HEAPD__REQUEST__BODY_HELLO;
    req.hello = &hello;
    int rc = call_expect(c, &req, HEAPD__RESPONSE__RESULT_HELLO, &r);
    if (rc < 0)
        return rc;
    if (out) {
        out->protocol = r->hello->protocol;
        hc__copy_str(out->server, sizeof out->server, r->hello->server);
        out->admin = r->hello->admin;
    }
    hc_free(r);
    return 0;
}

int hc_heap_create(hc_client *c, const char *name, const char *profile,
                   uint64_t max_bytes, uint64_t max_objects,
                   hc_heap_created *out)
{
    Heapd__HeapCreate hc = HEAPD__HEAP_CREATE__INIT;
    Heapd__Limits limits = HEAPD__LIMITS__INIT;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    Heapd__Response *r;
    if (out)
        memset(out, 0, sizeof *out);
    hc.name = STR(name);
    hc.profile = STR(profile);
    if (max_bytes || max_objects) {
        limits.max_bytes = max_bytes;
        limits.max_objects = max_objects;
        hc.limits = &limits;
    }
    req.body_case = HEAPD__REQUEST__BODY_HEAP_CREATE;
    req.heap_create = &hc;
    int rc = call_expect(c, &req, HEAPD__RESPONSE__RESULT_HEAP_CREATED, &r);
    if (rc < 0)
        return rc;
    if (out) {
        hc__copy_str(out->name, sizeof out->name, r->heap_created->name);
        hc__copy_str(out->token, sizeof out->token, r->heap_created->token);
        hc__copy_str(out->profile, sizeof out->profile,
                     r->heap_created->profile);
    }
    hc_free(r);
    return 0;
}

static void copy_heap_info(hc_heap_stat *out, const Heapd__HeapInfoResult *h)
{
    hc__copy_str(out->name, sizeof out->name, h->name);
    hc__copy_str(out->profile, sizeof out->profile, h->profile);
    out->objects = h->objects;
    out->bytes = h->bytes;
    out->max_objects = h->max_objects;
    out->max_bytes = h->max_bytes;
    out->connections = h->connections;
    out->busy = h->busy;
    out->frame_depth = h->frame_depth;
    out->stack_size = h->stack_size;
}

/* HeapOpen and HeapInfo share their shape and their answer. */
static int heap_info_call(hc_client *c, int open, const char *name,
                          const char *token, hc_heap_stat *out)
{
    Heapd__HeapOpen ho = HEAPD__HEAP_OPEN__INIT;
    Heapd__HeapInfo hi = HEAPD__HEAP_INFO__INIT;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    Heapd__Response *r;
    if (out)
        memset(out, 0, sizeof *out);
    if (open) {
        ho.name = STR(name);
        ho.token = STR(token);
        req.body_case = HEAPD__REQUEST__BODY_HEAP_OPEN;
        req.heap_open = &ho;
    } else {
        hi.name = STR(name);
        hi.token = STR(token);
        req.body_case = HEAPD__REQUEST__BODY_HEAP_INFO;
        req.heap_info = &hi;
    }
    int rc = call_expect(c, &req, HEAPD__RESPONSE__RESULT_HEAP_INFO, &r);
    if (rc < 0)
        return rc;
    if (out)
        copy_heap_info(out, r->heap_info);
    hc_free(r);
    return 0;
}

int hc_heap_open(hc_client *c, const char *name, const char *token,
                 hc_heap_stat *out)
{
    return heap_info_call(c, 1, name, token, out);
}

int hc_heap_info(hc_client *c, const char *name, const char *token,
                 hc_heap_stat *out)
{
    return heap_info_call(c, 0, name, token, out);
}

int hc_heap_destroy(hc_client *c, const char *name, const char *token)
{
    Heapd__HeapDestroy hd = HEAPD__HEAP_DESTROY__INIT;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    Heapd__Response *r;
    hd.name = STR(name);
    hd.token = STR(token);
    req.body_case = HEAPD__REQUEST__BODY_HEAP_DESTROY;
    req.heap_destroy = &hd;
    int rc = call_expect(c, &req, HEAPD__RESPONSE__RESULT_EMPTY, &r);
    hc_free(r);
    return rc;
}

int hc_heap_list(hc_client *c, Heapd__HeapListResult **out)
{
    Heapd__HeapList hl = HEAPD__HEAP_LIST__INIT;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    Heapd__Response *r;
    *out = NULL;
    req.body_case = HEAPD__REQUEST__BODY_HEAP_LIST;
    req.heap_list = &hl;
    int rc = call_expect(c, &req, HEAPD__RESPONSE__RESULT_HEAP_LIST, &r);
    if (rc < 0)
        return rc;
    *out = detach_result(r);
    return 0;
}

int hc_op_full(hc_client *c, const Heapd__Op *op, hc_op_result *out)
{
    Heapd__Request req = HEAPD__REQUEST__INIT;
    Heapd__Response *r;
    if (out)
        memset(out, 0, sizeof *out);
    req.body_case = HEAPD__REQUEST__BODY_OP;
    req.op = (Heapd__Op *)op;
    int rc = call_expect(c, &req, HEAPD__RESPONSE__RESULT_OP, &r);
    if (rc < 0)
        return rc;
    if (out) {
        const Heapd__OpResult *o = r->op;
        out->top = o->top;
        hc__copy_str(out->top_type, sizeof out->top_type, o->top_type);
        out->value = o->value;
        out->stack = o->stack;
        out->depth = o->depth;
        if (o->due) {
            out->due.kind = (int)o->due->kind;
            out->due.callable = o->due->callable;
            out->due.arg0 = o->due->arg0;
            out->due.arg1 = o->due->arg1;
            hc__copy_str(out->due.name, sizeof out->due.name, o->due->name);
        }
    }
    hc_free(r);
    return 0;
}

int hc_op(hc_client *c, int code, int64_t i, const char *s, uint64_t obj,
          hc_op_result *out)
{
    Heapd__Op op = HEAPD__OP__INIT;
    op.code = (Heapd__OpCode)code;
    op.i = i;
    op.s = STR(s);
    op.obj = obj;
    return hc_op_full(c, &op, out);
}

int hc_gc_collect(hc_client *c, int generation, hc_op_result *out)
{
    return hc_op(c, HEAPD__OP_CODE__GC_COLLECT, generation, NULL, 0, out);
}

int hc_gc_query(hc_client *c, hc_gc_state *out)
{
    Heapd__GcQuery q = HEAPD__GC_QUERY__INIT;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    Heapd__Response *r;
    memset(out, 0, sizeof *out);
    req.body_case = HEAPD__REQUEST__BODY_GC_QUERY;
    req.gc_query = &q;
    int rc = call_expect(c, &req, HEAPD__RESPONSE__RESULT_GC, &r);
    if (rc < 0)
        return rc;
    const Heapd__GcState *g = r->gc;
    out->enabled = g->enabled;
    for (size_t k = 0; k < 3; k++) {
        if (k < g->n_threshold)
            out->threshold[k] = g->threshold[k];
        if (k < g->n_count)
            out->count[k] = g->count[k];
        if (k < g->n_stats && g->stats[k]) {
            out->stats[k].collections = g->stats[k]->collections;
            out->stats[k].collected = g->stats[k]->collected;
            out->stats[k].uncollectable = g->stats[k]->uncollectable;
        }
    }
    out->debug = g->debug;
    out->freeze_count = g->freeze_count;
    out->garbage = g->garbage;
    out->collecting = g->collecting;
    out->last_result = g->last_result;
    hc_free(r);
    return 0;
}

static int inspect(hc_client *c, Heapd__Target *t, unsigned what,
                   Heapd__ObjectInfo **out)
{
    Heapd__Inspect in = HEAPD__INSPECT__INIT;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    Heapd__Response *r;
    *out = NULL;
    in.target = t;
    in.repr = (what & HC_INSPECT_REPR) != 0;
    in.str = (what & HC_INSPECT_STR) != 0;
    in.items = (what & HC_INSPECT_ITEMS) != 0;
    req.body_case = HEAPD__REQUEST__BODY_INSPECT;
    req.inspect = &in;
    int rc = call_expect(c, &req, HEAPD__RESPONSE__RESULT_OBJECT, &r);
    if (rc < 0)
        return rc;
    *out = detach_result(r);
    return 0;
}

int hc_inspect_id(hc_client *c, uint64_t id, unsigned what,
                  Heapd__ObjectInfo **out)
{
    Heapd__Target t = HEAPD__TARGET__INIT;
    t.of_case = HEAPD__TARGET__OF_ID;
    t.id = id;
    return inspect(c, &t, what, out);
}

int hc_inspect_name(hc_client *c, const char *name, unsigned what,
                    Heapd__ObjectInfo **out)
{
    Heapd__Target t = HEAPD__TARGET__INIT;
    t.of_case = HEAPD__TARGET__OF_NAME;
    t.name = STR(name);
    return inspect(c, &t, what, out);
}

int hc_inspect_depth(hc_client *c, uint32_t depth, unsigned what,
                     Heapd__ObjectInfo **out)
{
    Heapd__Target t = HEAPD__TARGET__INIT;
    t.of_case = HEAPD__TARGET__OF_DEPTH;
    t.depth = depth;
    return inspect(c, &t, what, out);
}

int hc_malloc_stats(hc_client *c, Heapd__MallocStatsResult **out)
{
    Heapd__MallocStats m = HEAPD__MALLOC_STATS__INIT;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    Heapd__Response *r;
    *out = NULL;
    req.body_case = HEAPD__REQUEST__BODY_MALLOC_STATS;
    req.malloc_stats = &m;
    int rc = call_expect(c, &req, HEAPD__RESPONSE__RESULT_MALLOC, &r);
    if (rc < 0)
        return rc;
    *out = detach_result(r);
    return 0;
}

int hc_type_stats(hc_client *c, Heapd__TypeStatsResult **out)
{
    Heapd__TypeStats t = HEAPD__TYPE_STATS__INIT;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    Heapd__Response *r;
    *out = NULL;
    req.body_case = HEAPD__REQUEST__BODY_TYPE_STATS;
    req.type_stats = &t;
    int rc = call_expect(c, &req, HEAPD__RESPONSE__RESULT_TYPES, &r);
    if (rc < 0)
        return rc;
    *out = detach_result(r);
    return 0;
}

int hc_walk(hc_client *c, const uint64_t *roots, size_t n, int backrefs,
            uint32_t max_depth, uint32_t fanout, uint32_t max_nodes,
            Heapd__Graph **out)
{
    Heapd__Walk w = HEAPD__WALK__INIT;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    Heapd__Response *r;
    *out = NULL;
    Heapd__Target *targets = calloc(n ? n : 1, sizeof *targets);
    Heapd__Target **ptrs = calloc(n ? n : 1, sizeof *ptrs);
    if (!targets || !ptrs) {
        free(targets);
        free(ptrs);
        return hc__fail(c, HC_E_NOMEM, "out of memory");
    }
    for (size_t k = 0; k < n; k++) {
        heapd__target__init(&targets[k]);
        targets[k].of_case = HEAPD__TARGET__OF_ID;
        targets[k].id = roots[k];
        ptrs[k] = &targets[k];
    }
    w.n_roots = n;
    w.roots = ptrs;
    w.backrefs = backrefs != 0;
    w.max_depth = max_depth;
    w.fanout = fanout;
    w.max_nodes = max_nodes;
    req.body_case = HEAPD__REQUEST__BODY_WALK;
    req.walk = &w;
    int rc = call_expect(c, &req, HEAPD__RESPONSE__RESULT_GRAPH, &r);
    free(targets);
    free(ptrs);
    if (rc < 0)
        return rc;
    *out = detach_result(r);
    return 0;
}

static int subscribe(hc_client *c, uint32_t kinds, int all, int stop)
{
    Heapd__Subscribe s = HEAPD__SUBSCRIBE__INIT;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    Heapd__Response *r;
    Heapd__EventKind list[32];
    size_t n = 0;
    for (int k = 1; k < 32; k++)
        if (kinds & HC_EV_BIT(k))
            list[n++] = (Heapd__EventKind)k;
    s.n_kinds = n;
    s.kinds = n ? list : NULL;
    s.all = all != 0;
    s.stop = stop != 0;
    req.body_case = HEAPD__REQUEST__BODY_SUBSCRIBE;
    req.subscribe = &s;
    int rc = call_expect(c, &req, HEAPD__RESPONSE__RESULT_EMPTY, &r);
    hc_free(r);
    return rc;
}

int hc_subscribe(hc_client *c, uint32_t kinds, int all)
{
    return subscribe(c, kinds, all, 0);
}

int hc_unsubscribe(hc_client *c)
{
    return subscribe(c, HC_EV_ALL, 0, 1);
}
