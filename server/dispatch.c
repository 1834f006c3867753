/*
 * dispatch.c: one request in, one response out.  Session requests (hello,
 * heaps, subscriptions) run here on the loop thread; requests on a heap's
 * objects go through hd_dispatch_heap_request, which touches nothing but
 * that heap and so may run on a worker thread (docs/server.md).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* ---- the reply arena ---------------------------------------------------------- */

struct hd_chunk {
    hd_chunk *next;
    size_t used, cap;
    max_align_t data[];
};

void hd_reply_init(hd_reply *r, uint64_t id)
{
    heapd__response__init(&r->resp);
    r->resp.id = id;
    r->chunks = NULL;
    r->made_due = false;
}

/* One first-size chunk kept per thread: most replies need exactly one. */
#define CHUNK_SIZE 16384
static _Thread_local hd_chunk *spare_chunk;

void hd_reply_free(hd_reply *r)
{
    for (hd_chunk *c = r->chunks, *n; c; c = n) {
        n = c->next;
        if (!spare_chunk && c->cap == CHUNK_SIZE)
            spare_chunk = c;
        else
            free(c);
    }
    r->chunks = NULL;
}

void *hd_reply_alloc(hd_reply *r, size_t n)
{
    n = (n + 15) & ~(size_t)15;
    hd_chunk *c = r->chunks;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > CHUNK_SIZE ? n : CHUNK_SIZE;
        if (cap == CHUNK_SIZE && spare_chunk) {
            c = spare_chunk;
            spare_chunk = NULL;
        } else {
            c = malloc(sizeof *c + cap);
        }
        if (!c)
            return NULL;
        c->next = r->chunks;
        c->used = 0;
        c->cap = cap;
        r->chunks = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    memset(p, 0, n);
    return p;
}

static char *rdup(hd_reply *r, const char *s)
{
    size_t n = strlen(s);
    char *p = hd_reply_alloc(r, n + 1);
    if (p)
        memcpy(p, s, n + 1);
    return p ? p : (char *)"";
}

void hd_reply_error(hd_reply *r, Heapd__ErrorCode code, const char *py_type,
                    const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    Heapd__Error *e = hd_reply_alloc(r, sizeof *e);
    if (!e)
        return;
    heapd__error__init(e);
    e->code = code;
    e->py_type = rdup(r, py_type ? py_type : "");
    e->message = rdup(r, msg);
    r->resp.error = e;
    r->resp.result_case = HEAPD__RESPONSE__RESULT__NOT_SET;
}

static void engine_error(hd_reply *r, hp_heap *h, int rc)
{
    const char *py = hp_err_pytype(rc);
    Heapd__ErrorCode code = HEAPD__ERROR_CODE__PYTHON_ERROR;
    if (!py) {
        switch (rc) {
        case HP_E_BADID:
            code = HEAPD__ERROR_CODE__NOT_FOUND;
            break;
        case HP_E_STATE:
            code = HEAPD__ERROR_CODE__FAILED_PRECONDITION;
            break;
        default:
            code = HEAPD__ERROR_CODE__INVALID_ARGUMENT;
            break;
        }
    }
    hd_reply_error(r, code, py, "%s", hp_errmsg(h));
}

/* ---- engine operations --------------------------------------------------------- */

static int slice_op(hp_heap *h, const Heapd__Op *op)
{
    return hp_slice(h, op->flags & 1, op->i, (op->flags >> 1) & 1, op->j,
                    (op->flags >> 2) & 1, op->k);
}

static int run_op(hp_heap *h, const Heapd__Op *op, int64_t *value, bool *has_value)
{
    const char *s = op->s ? op->s : "";
    switch (op->code) {
    case HEAPD__OP_CODE__PUSH_NONE:
        return hp_push_none(h);
    case HEAPD__OP_CODE__PUSH_BOOL:
        return hp_push_bool(h, op->i != 0);
    case HEAPD__OP_CODE__PUSH_INT:
        return hp_push_int(h, op->i);
    case HEAPD__OP_CODE__PUSH_FLOAT:
        /* flags bit 0 negates f: proto3 drops a zero double, sign and all */
        return hp_push_float(h, (op->flags & 1) ? -op->f : op->f);
    case HEAPD__OP_CODE__PUSH_STR:
        return hp_push_str(h, s, strlen(s));
    case HEAPD__OP_CODE__PUSH_BYTES:
        return hp_push_bytes(h, op->b.data, op->b.len);
    case HEAPD__OP_CODE__PUSH_ID:
        return hp_push_id(h, op->obj);
    case HEAPD__OP_CODE__POP:
        return hp_pop(h);
    case HEAPD__OP_CODE__DUP:
        return hp_dup(h);
    case HEAPD__OP_CODE__ROLL:
        return op->i < 0 || op->i > UINT32_MAX ? 2 : hp_roll(h, (uint32_t)op->i);
    case HEAPD__OP_CODE__PICK:
        return op->i < 0 || op->i > UINT32_MAX ? 2 : hp_pick(h, (uint32_t)op->i);
    case HEAPD__OP_CODE__SINK:
        return op->i < 0 || op->i > UINT32_MAX ? 2 : hp_sink(h, (uint32_t)op->i);
    case HEAPD__OP_CODE__BUILD_TUPLE:
    case HEAPD__OP_CODE__BUILD_LIST:
    case HEAPD__OP_CODE__BUILD_SET:
    case HEAPD__OP_CODE__BUILD_FROZENSET:
    case HEAPD__OP_CODE__BUILD_DICT:
    case HEAPD__OP_CODE__BUILD_CODE:
    case HEAPD__OP_CODE__GC_GET_REFERRERS:
    case HEAPD__OP_CODE__GC_GET_REFERENTS: {
        if (op->i < 0 || op->i > UINT32_MAX / 2)
            return 2;
        uint32_t n = (uint32_t)op->i;
        switch (op->code) {
        case HEAPD__OP_CODE__BUILD_TUPLE:
            return hp_build_tuple(h, n);
        case HEAPD__OP_CODE__BUILD_LIST:
            return hp_build_list(h, n);
        case HEAPD__OP_CODE__BUILD_SET:
            return hp_build_set(h, n);
        case HEAPD__OP_CODE__BUILD_FROZENSET:
            return hp_build_frozenset(h, n);
        case HEAPD__OP_CODE__BUILD_DICT:
            return hp_build_dict(h, n);
        case HEAPD__OP_CODE__BUILD_CODE:
            return hp_build_code(h, s, n);
        case HEAPD__OP_CODE__GC_GET_REFERRERS:
            return hp_gc_get_referrers(h, n);
        default:
            return hp_gc_get_referents(h, n);
        }
    }
    case HEAPD__OP_CODE__BUILD_FUNCTION:
        return hp_build_function(h, s);
    case HEAPD__OP_CODE__BUILD_CLASS:
        return hp_build_class(h, s);
    case HEAPD__OP_CODE__NEW_INSTANCE:
        return hp_new_instance(h);
    case HEAPD__OP_CODE__NEW_WEAKREF:
        return hp_new_weakref(h);
    case HEAPD__OP_CODE__WEAKREF_DEREF:
        return hp_weakref_deref(h);
    case HEAPD__OP_CODE__INTERN:
        return hp_intern(h);
    case HEAPD__OP_CODE__STORE_GLOBAL:
        return hp_store_global(h, s);
    case HEAPD__OP_CODE__LOAD_GLOBAL:
        return hp_load_global(h, s);
    case HEAPD__OP_CODE__DELETE_GLOBAL:
        return hp_delete_global(h, s);
    case HEAPD__OP_CODE__FRAME_PUSH:
        if (op->i < 0 || op->j < 0 || op->i > 65535 || op->j > 65535)
            return 2;
        return hp_frame_push(h, (uint32_t)op->i, (uint32_t)op->j);
    case HEAPD__OP_CODE__FRAME_POP:
        return hp_frame_pop(h, op->i != 0);
    case HEAPD__OP_CODE__STORE_LOCAL:
    case HEAPD__OP_CODE__LOAD_LOCAL:
    case HEAPD__OP_CODE__DELETE_LOCAL:
        if (op->i < 0 || op->i > 65535)
            return 2;
        return op->code == HEAPD__OP_CODE__STORE_LOCAL  ? hp_store_local(h, (uint32_t)op->i)
               : op->code == HEAPD__OP_CODE__LOAD_LOCAL ? hp_load_local(h, (uint32_t)op->i)
                                                        : hp_delete_local(h, (uint32_t)op->i);
    case HEAPD__OP_CODE__GETITEM:
        return hp_getitem(h);
    case HEAPD__OP_CODE__SETITEM:
        return hp_setitem(h);
    case HEAPD__OP_CODE__DELITEM:
        return hp_delitem(h);
    case HEAPD__OP_CODE__GETATTR:
        return hp_getattr(h, s);
    case HEAPD__OP_CODE__SETATTR:
        return hp_setattr(h, s);
    case HEAPD__OP_CODE__DELATTR:
        return hp_delattr(h, s);
    case HEAPD__OP_CODE__LIST_APPEND:
        return hp_list_append(h);
    case HEAPD__OP_CODE__LIST_INSERT:
        return hp_list_insert(h, op->i);
    case HEAPD__OP_CODE__LIST_POP:
        return hp_list_pop(h, op->i);
    case HEAPD__OP_CODE__LIST_EXTEND:
        return hp_list_extend(h);
    case HEAPD__OP_CODE__CLEAR:
        return hp_clear(h);
    case HEAPD__OP_CODE__SET_ADD:
        return hp_set_add(h);
    case HEAPD__OP_CODE__SET_DISCARD:
        return hp_set_discard(h);
    case HEAPD__OP_CODE__DICT_POP:
        return hp_dict_pop(h);
    case HEAPD__OP_CODE__SLICE:
        return slice_op(h, op);
    case HEAPD__OP_CODE__COMPARE:
        return op->i < HP_CMP_EQ || op->i > HP_CMP_GE ? 2 : hp_compare(h, (hp_cmp)op->i);
    case HEAPD__OP_CODE__CONTAINS:
        return hp_contains(h);
    case HEAPD__OP_CODE__SEQ_BINARY:
        return op->i != '+' && op->i != '*' ? 2 : hp_seq_binary(h, (int)op->i);
    case HEAPD__OP_CODE__ITER_NEXT:
        if (op->i < 0 || op->j < 0 || op->j > UINT32_MAX || op->flags > HP_ITER_ITEMS)
            return 2;
        return hp_iter_next(h, (uint32_t)op->j, (uint64_t)op->i, (hp_iter_mode)op->flags,
                            op->k < 0 ? -1 : op->k);
    case HEAPD__OP_CODE__GUARD_ID: {
        hp_obj *top = hp_peek(h, 0);
        return top && hp_id(h, top) == op->obj ? 0 : 3;
    }
    case HEAPD__OP_CODE__GC_COLLECT: {
        if (op->i < -100 || op->i > 100)
            return hp_gc_collect(h, 3, value); /* "invalid generation" */
        int rc = hp_gc_collect(h, (int)op->i, value);
        *has_value = rc == 0;
        return rc;
    }
    case HEAPD__OP_CODE__GC_ENABLE:
        hp_gc_enable(h);
        return 0;
    case HEAPD__OP_CODE__GC_DISABLE:
        hp_gc_disable(h);
        return 0;
    case HEAPD__OP_CODE__GC_SET_THRESHOLD: {
        int64_t t[3] = {op->i, op->j, op->k};
        return hp_gc_set_threshold(h, op->flags ? (int)op->flags : 3, t);
    }
    case HEAPD__OP_CODE__GC_SET_DEBUG:
        hp_gc_set_debug(h, (int)op->i);
        return 0;
    case HEAPD__OP_CODE__GC_FREEZE:
        hp_gc_freeze(h);
        return 0;
    case HEAPD__OP_CODE__GC_UNFREEZE:
        hp_gc_unfreeze(h);
        return 0;
    case HEAPD__OP_CODE__GC_GET_OBJECTS:
        if (op->i < -1 || op->i > 2)
            return hp_gc_get_objects(h, 3);
        return hp_gc_get_objects(h, (int)op->i);
    case HEAPD__OP_CODE__PUSH_GARBAGE:
        return hp_push_obj(h, hp_gc_garbage(h));
    case HEAPD__OP_CODE__PUSH_CALLBACKS:
        return hp_push_obj(h, hp_gc_callbacks(h));
    case HEAPD__OP_CODE__PUSH_GLOBALS:
        return hp_push_obj(h, hp_globals(h));
    case HEAPD__OP_CODE__CALL_BEGIN: {
        hp_call c;
        return hp_call_begin(h, &c);
    }
    case HEAPD__OP_CODE__CALL_END: {
        int rc = hp_call_end(h);
        if (rc == 0 && !hp_gc_collecting(h)) {
            *value = hp_gc_result(h);
            *has_value = true;
        }
        return rc;
    }
    default:
        return 1; /* unknown */
    }
}

static const char *call_name(hp_obj *callable)
{
    const char *n = callable ? hp_name_of(callable) : NULL;
    return n ? n : "";
}

static void op_request(hd_heap *hh, const Heapd__Op *op, hd_reply *r)
{
    hp_heap *h = hh->h;
    int64_t value = 0;
    bool has_value = false;
    bool due_before = hp_call_due(h);
    int rc = run_op(h, op, &value, &has_value);
    r->made_due = !due_before && hp_call_due(h);
    if (rc == 1) {
        hd_reply_error(r, HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL,
                       "unknown op code %d", (int)op->code);
        return;
    }
    if (rc == 2) {
        hd_reply_error(r, HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL,
                       "an argument of op %d is out of range", (int)op->code);
        return;
    }
    if (rc == 3) {
        hd_reply_error(r, HEAPD__ERROR_CODE__FAILED_PRECONDITION, NULL,
                       "guard failed: the top of the stack is not object %llu",
                       (unsigned long long)op->obj);
        return;
    }
    if (rc < 0) {
        engine_error(r, h, rc);
        return;
    }
    Heapd__OpResult *res = hd_reply_alloc(r, sizeof *res);
    if (!res) {
        hd_reply_error(r, HEAPD__ERROR_CODE__INTERNAL, NULL, "out of memory");
        return;
    }
    heapd__op_result__init(res);
    hp_obj *top = hp_peek(h, 0);
    res->top = top ? hp_id(h, top) : 0;
    res->top_type = (char *)(top ? hp_type_name(top) : "");
    res->stack = hp_stack_size(h);
    res->depth = hp_frame_depth(h);
    res->value = has_value ? value : 0;
    hp_call due;
    if (hp_call_peek(h, &due)) {
        Heapd__CallDue *d = hd_reply_alloc(r, sizeof *d);
        if (d) {
            heapd__call_due__init(d);
            d->kind = (Heapd__CallKind)due.kind;
            d->callable = due.callable ? hp_id(h, due.callable) : 0;
            d->arg0 = due.arg0 ? hp_id(h, due.arg0) : 0;
            d->arg1 = due.arg1 ? hp_id(h, due.arg1) : 0;
            d->name = rdup(r, call_name(due.callable));
            res->due = d;
        }
    }
    r->resp.result_case = HEAPD__RESPONSE__RESULT_OP;
    r->resp.op = res;
}

/* ---- reading objects ---------------------------------------------------------- */

static hp_obj *global_named(hp_heap *h, const char *name)
{
    uint64_t pos = 0;
    hp_obj *k, *v;
    while (hp_iter_items(hp_globals(h), &pos, &k, &v)) {
        const char *ks = hp_str_utf8(k, NULL);
        if (ks && strcmp(ks, name) == 0)
            return v;
    }
    return NULL;
}

static hp_obj *resolve(hd_reply *r, hp_heap *h, const Heapd__Target *t)
{
    hp_obj *o = NULL;
    if (!t) {
        hd_reply_error(r, HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL, "no target");
        return NULL;
    }
    switch (t->of_case) {
    case HEAPD__TARGET__OF_ID:
        o = hp_find(h, t->id);
        if (!o)
            hd_reply_error(r, HEAPD__ERROR_CODE__NOT_FOUND, NULL,
                           "no live object with id %llu", (unsigned long long)t->id);
        return o;
    case HEAPD__TARGET__OF_NAME:
        o = global_named(h, t->name);
        if (!o)
            hd_reply_error(r, HEAPD__ERROR_CODE__PYTHON_ERROR, "NameError",
                           "name '%.200s' is not defined", t->name);
        return o;
    case HEAPD__TARGET__OF_DEPTH:
        o = hp_peek(h, t->depth);
        if (!o)
            hd_reply_error(r, HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL,
                           "the stack holds fewer than %u items", t->depth + 1);
        return o;
    default:
        hd_reply_error(r, HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL, "empty target");
        return NULL;
    }
}

static char *repr_of(hd_reply *r, hp_heap *h, hp_obj *o, bool str, size_t limit)
{
    char *buf = hd_reply_alloc(r, limit + 1);
    if (!buf)
        return (char *)"";
    size_t n = str ? hp_tostr(h, o, buf, limit + 1) : hp_repr(h, o, buf, limit + 1);
    (void)n;
    return buf;
}

static bool has_del(const hp_obj *o)
{
    hp_obj *cls = hp_instance_class(o);
    return cls && hp_class_lookup(cls, "__del__");
}

#define MAX_ITEMS 100000

static void inspect_request(hd_heap *hh, const Heapd__Inspect *in, hd_reply *r)
{
    hp_heap *h = hh->h;
    hp_obj *o = resolve(r, h, in->target);
    if (!o)
        return;
    Heapd__ObjectInfo *oi = hd_reply_alloc(r, sizeof *oi);
    if (!oi) {
        hd_reply_error(r, HEAPD__ERROR_CODE__INTERNAL, NULL, "out of memory");
        return;
    }
    heapd__object_info__init(oi);
    oi->id = hp_id(h, o);
    oi->type = rdup(r, hp_type_name(o));
    oi->refcount = hp_refcount(h, o);
    oi->size = hp_getsizeof(h, o);
    oi->generation = hp_gc_generation(o);
    oi->tracked = hp_gc_is_tracked(o);
    oi->finalized = hp_gc_is_finalized(o);
    oi->len = hp_len(o);
    oi->has_finalizer = has_del(o);
    oi->weakrefs = (uint32_t)hp_weakref_count(h, o);
    oi->truth = hp_truth(o);
    const char *nm = hp_name_of(o);
    oi->name = rdup(r, nm ? nm : "");
    int64_t iv;
    if (hp_int_value(o, &iv) == 0)
        oi->int_value = iv;
    double fv;
    if (hp_float_value(o, &fv) == 0)
        oi->float_value = fv;
    size_t limit = in->repr_limit ? in->repr_limit : 4096;
    if (limit > 1 << 20)
        limit = 1 << 20;
    oi->repr = in->repr ? repr_of(r, h, o, false, limit) : (char *)"";
    oi->str = in->str ? repr_of(r, h, o, true, limit) : (char *)"";
    if (in->items) {
        uint64_t n = 0, cap = 64;
        uint64_t *ids = hd_reply_alloc(r, cap * sizeof *ids);
        hp_obj *k, *v;
        uint64_t pos = 0;
        for (uint64_t i = 0; ids && n < MAX_ITEMS; i++) {
            hp_obj *item[2] = {hp_seq_item(o, i), NULL};
            if (!item[0]) {
                if (hp_typeof(o) == HP_T_LIST || hp_typeof(o) == HP_T_TUPLE)
                    break;
                if (!hp_iter_items(o, &pos, &k, &v))
                    break;
                item[0] = k;
                item[1] = v;
            }
            for (int j = 0; j < 2 && item[j]; j++) {
                if (n == cap) {
                    uint64_t *more = hd_reply_alloc(r, 2 * cap * sizeof *more);
                    if (!more)
                        break;
                    memcpy(more, ids, n * sizeof *ids);
                    ids = more;
                    cap *= 2;
                }
                ids[n++] = hp_id(h, item[j]);
            }
        }
        oi->items = ids;
        oi->n_items = ids ? n : 0;
    }
    r->resp.result_case = HEAPD__RESPONSE__RESULT_OBJECT;
    r->resp.object = oi;
}

static void gc_request(hd_heap *hh, hd_reply *r)
{
    hp_heap *h = hh->h;
    Heapd__GcState *g = hd_reply_alloc(r, sizeof *g);
    int64_t *th = hd_reply_alloc(r, 3 * sizeof *th), *ct = hd_reply_alloc(r, 3 * sizeof *ct);
    Heapd__GenStats *st = hd_reply_alloc(r, 3 * sizeof *st);
    Heapd__GenStats **stp = hd_reply_alloc(r, 3 * sizeof *stp);
    if (!g || !th || !ct || !st || !stp) {
        hd_reply_error(r, HEAPD__ERROR_CODE__INTERNAL, NULL, "out of memory");
        return;
    }
    heapd__gc_state__init(g);
    g->enabled = hp_gc_isenabled(h);
    hp_gc_get_threshold(h, th);
    hp_gc_get_count(h, ct);
    hp_gc_gen_stats s[3];
    hp_gc_get_stats(h, s);
    for (int i = 0; i < 3; i++) {
        heapd__gen_stats__init(&st[i]);
        st[i].collections = s[i].collections;
        st[i].collected = s[i].collected;
        st[i].uncollectable = s[i].uncollectable;
        stp[i] = &st[i];
    }
    g->threshold = th;
    g->n_threshold = 3;
    g->count = ct;
    g->n_count = 3;
    g->stats = stp;
    g->n_stats = 3;
    g->debug = hp_gc_get_debug(h);
    g->freeze_count = hp_gc_get_freeze_count(h);
    g->garbage = (uint64_t)hp_len(hp_gc_garbage(h));
    g->collecting = hp_gc_collecting(h);
    g->last_result = hp_gc_result(h);
    r->resp.result_case = HEAPD__RESPONSE__RESULT_GC;
    r->resp.gc = g;
}

static void malloc_request(hd_heap *hh, hd_reply *r)
{
    hp_malloc_stats ms;
    hp_malloc_stats_get(hh->h, &ms);
    Heapd__MallocStatsResult *m = hd_reply_alloc(r, sizeof *m);
    Heapd__SizeClass *cl = hd_reply_alloc(r, 32 * sizeof *cl);
    Heapd__SizeClass **clp = hd_reply_alloc(r, 32 * sizeof *clp);
    if (!m || !cl || !clp) {
        hd_reply_error(r, HEAPD__ERROR_CODE__INTERNAL, NULL, "out of memory");
        return;
    }
    heapd__malloc_stats_result__init(m);
    for (int i = 0; i < 32; i++) {
        heapd__size_class__init(&cl[i]);
        cl[i].size = ms.classes[i].size;
        cl[i].pools = ms.classes[i].pools;
        cl[i].blocks_in_use = ms.classes[i].blocks_in_use;
        cl[i].blocks_free = ms.classes[i].blocks_free;
        clp[i] = &cl[i];
    }
    m->classes = clp;
    m->n_classes = 32;
    m->arenas_allocated_total = ms.arenas_allocated_total;
    m->arenas_reclaimed = ms.arenas_reclaimed;
    m->arenas_highwater = ms.arenas_highwater;
    m->arenas_current = ms.arenas_current;
    m->pools_free = ms.pools_free;
    m->bytes_in_blocks = ms.bytes_in_blocks;
    m->bytes_free_blocks = ms.bytes_free_blocks;
    m->bytes_unused_pools = ms.bytes_unused_pools;
    m->bytes_pool_headers = ms.bytes_pool_headers;
    m->bytes_arena_total = ms.bytes_arena_total;
    m->raw_blocks = ms.raw_blocks;
    m->raw_bytes = ms.raw_bytes;
    m->bytes_in_use = ms.bytes_in_use;
    r->resp.result_case = HEAPD__RESPONSE__RESULT_MALLOC;
    r->resp.malloc = m;
}

static void types_request(hd_heap *hh, hd_reply *r)
{
    hp_type_stats ts;
    hp_type_stats_get(hh->h, &ts);
    Heapd__TypeStatsResult *t = hd_reply_alloc(r, sizeof *t);
    Heapd__TypeCount *tc = hd_reply_alloc(r, HP_T__COUNT * sizeof *tc);
    Heapd__TypeCount **tcp = hd_reply_alloc(r, HP_T__COUNT * sizeof *tcp);
    uint64_t *tracked = hd_reply_alloc(r, 4 * sizeof *tracked);
    if (!t || !tc || !tcp || !tracked) {
        hd_reply_error(r, HEAPD__ERROR_CODE__INTERNAL, NULL, "out of memory");
        return;
    }
    heapd__type_stats_result__init(t);
    size_t n = 0;
    for (int i = 1; i < HP_T__COUNT; i++) {
        if (!ts.count[i])
            continue;
        heapd__type_count__init(&tc[n]);
        tc[n].type = (char *)hp_type_code_name((hp_type)i);
        tc[n].count = ts.count[i];
        tc[n].bytes = ts.bytes[i];
        tcp[n] = &tc[n];
        n++;
    }
    memcpy(tracked, ts.tracked, 4 * sizeof *tracked);
    t->types = tcp;
    t->n_types = n;
    t->objects = ts.objects;
    t->tracked = tracked;
    t->n_tracked = 4;
    r->resp.result_case = HEAPD__RESPONSE__RESULT_TYPES;
    r->resp.types = t;
}

/* ---- graph walks ----------------------------------------------------------------- */

typedef struct walk_ctx {
    hd_reply *r;
    hp_heap *h;
    Heapd__Graph *g;
    size_t capn, cape;
    uint32_t max_nodes;
    bool oom;
} walk_ctx;

static int grow_array(hd_reply *r, void ***arr, size_t n, size_t *cap)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 64;
    void **p = hd_reply_alloc(r, nc * sizeof(void *));
    if (!p)
        return -1;
    if (n)
        memcpy(p, *arr, n * sizeof(void *));
    *arr = p;
    *cap = nc;
    return 0;
}

static int walk_node(void *ctx, const hp_walk_node *n)
{
    walk_ctx *w = ctx;
    if (w->g->n_nodes >= w->max_nodes) {
        w->g->capped = true;
        return 1;
    }
    Heapd__GraphNode *gn = hd_reply_alloc(w->r, sizeof *gn);
    if (!gn || grow_array(w->r, (void ***)&w->g->nodes, w->g->n_nodes, &w->capn) < 0) {
        w->oom = true;
        return 1;
    }
    heapd__graph_node__init(gn);
    gn->id = n->id;
    gn->type = rdup(w->r, hp_type_name(n->obj));
    char buf[44];
    size_t len = hp_repr(w->h, n->obj, buf, sizeof buf);
    if (len > 40)
        memcpy(buf + 37, "...", 4);
    gn->repr = rdup(w->r, buf);
    gn->refcount = n->refcount;
    gn->generation = n->generation;
    gn->size = n->size;
    gn->has_finalizer = n->has_finalizer;
    gn->depth = n->depth;
    gn->truncated = n->truncated;
    w->g->nodes[w->g->n_nodes++] = gn;
    return 0;
}

static int walk_edge(void *ctx, const hp_walk_edge *e)
{
    walk_ctx *w = ctx;
    Heapd__GraphEdge *ge = hd_reply_alloc(w->r, sizeof *ge);
    if (!ge || grow_array(w->r, (void ***)&w->g->edges, w->g->n_edges, &w->cape) < 0) {
        w->oom = true;
        return 1;
    }
    heapd__graph_edge__init(ge);
    ge->from = e->from;
    ge->to = e->to;
    ge->weak = e->weak;
    ge->label = rdup(w->r, e->label ? e->label : "");
    w->g->edges[w->g->n_edges++] = ge;
    return 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* A capped walk keeps only edges between nodes it returns. */
static void drop_dangling_edges(Heapd__Graph *g)
{
    uint64_t *ids = malloc((g->n_nodes + 1) * sizeof *ids);
    if (!ids) {
        g->n_edges = 0;
        return;
    }
    for (size_t i = 0; i < g->n_nodes; i++)
        ids[i] = g->nodes[i]->id;
    qsort(ids, g->n_nodes, sizeof *ids, cmp_u64);
    size_t kept = 0;
    for (size_t i = 0; i < g->n_edges; i++) {
        Heapd__GraphEdge *e = g->edges[i];
        if (bsearch(&e->from, ids, g->n_nodes, sizeof *ids, cmp_u64) &&
            bsearch(&e->to, ids, g->n_nodes, sizeof *ids, cmp_u64))
            g->edges[kept++] = e;
    }
    g->n_edges = kept;
    free(ids);
}

static void walk_request(hd_heap *hh, const Heapd__Walk *wk, hd_reply *r, uint32_t cap)
{
    hp_heap *h = hh->h;
    if (wk->n_roots == 0 || wk->n_roots > 1000) {
        hd_reply_error(r, HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL,
                       "a walk needs 1 to 1000 roots");
        return;
    }
    hp_obj **roots = hd_reply_alloc(r, wk->n_roots * sizeof *roots);
    Heapd__Graph *g = hd_reply_alloc(r, sizeof *g);
    if (!roots || !g) {
        hd_reply_error(r, HEAPD__ERROR_CODE__INTERNAL, NULL, "out of memory");
        return;
    }
    for (size_t i = 0; i < wk->n_roots; i++)
        if (!(roots[i] = resolve(r, h, wk->roots[i])))
            return;
    heapd__graph__init(g);
    walk_ctx w = {.r = r, .h = h, .g = g};
    w.max_nodes = wk->max_nodes && wk->max_nodes < cap ? wk->max_nodes : cap;
    hp_walk_ops ops = {walk_node, walk_edge, &w};
    uint32_t depth = wk->max_depth ? wk->max_depth : 3;
    if (depth > 100)
        depth = 100;
    hp_walk(h, roots, (uint32_t)wk->n_roots,
            wk->backrefs ? HP_WALK_BACKREFS : HP_WALK_REFS, depth, wk->fanout, &ops);
    if (w.oom) {
        hd_reply_error(r, HEAPD__ERROR_CODE__RESOURCE_EXHAUSTED, NULL,
                       "the graph does not fit in memory");
        return;
    }
    if (g->capped)
        drop_dangling_edges(g);
    r->resp.result_case = HEAPD__RESPONSE__RESULT_GRAPH;
    r->resp.graph = g;
}

bool hd_request_needs_heap(const Heapd__Request *req)
{
    switch (req->body_case) {
    case HEAPD__REQUEST__BODY_OP:
    case HEAPD__REQUEST__BODY_INSPECT:
    case HEAPD__REQUEST__BODY_GC_QUERY:
    case HEAPD__REQUEST__BODY_MALLOC_STATS:
    case HEAPD__REQUEST__BODY_TYPE_STATS:
    case HEAPD__REQUEST__BODY_WALK:
        return true;
    default:
        return false;
    }
}

void hd_dispatch_heap_request(hd_heap *hh, const Heapd__Request *req, hd_reply *r,
                              uint32_t max_walk_nodes)
{
    switch (req->body_case) {
    case HEAPD__REQUEST__BODY_OP:
        op_request(hh, req->op, r);
        break;
    case HEAPD__REQUEST__BODY_INSPECT:
        inspect_request(hh, req->inspect, r);
        break;
    case HEAPD__REQUEST__BODY_GC_QUERY:
        gc_request(hh, r);
        break;
    case HEAPD__REQUEST__BODY_MALLOC_STATS:
        malloc_request(hh, r);
        break;
    case HEAPD__REQUEST__BODY_TYPE_STATS:
        types_request(hh, r);
        break;
    case HEAPD__REQUEST__BODY_WALK:
        walk_request(hh, req->walk, r, max_walk_nodes);
        break;
    default:
        hd_reply_error(r, HEAPD__ERROR_CODE__INTERNAL, NULL, "not a heap request");
        break;
    }
}

void hd_after_heap_request(hd_conn *c, hd_heap *hh, const Heapd__Request *req,
                           hd_reply *r)
{
    if (req->body_case == HEAPD__REQUEST__BODY_OP && !r->resp.error) {
        uint32_t depth = hp_call_depth(hh->h);
        if (req->op->code == HEAPD__OP_CODE__CALL_BEGIN && depth < HD_MAX_CALLS)
            hh->call_owner[depth] = c;
        if (r->made_due)
            hh->due_owner = c;
    }
    hd_heap_flush_events(hh);
}

/* ---- session requests ----------------------------------------------------------------- */

/* Access is remembered per heap, not per name: a heap destroyed and
 * created again under the same name needs its new token. */
static void remember_opened(hd_conn *c, const hd_heap *hh)
{
    for (uint32_t i = 0; i < c->nopened; i++)
        if (c->opened[i] == hh->serial)
            return;
    if (c->nopened == c->capopened) {
        uint32_t cap = c->capopened ? c->capopened * 2 : 4;
        if (cap > 4096)
            return;
        uint64_t *p = realloc(c->opened, cap * sizeof *p);
        if (!p)
            return;
        c->opened = p;
        c->capopened = cap;
    }
    c->opened[c->nopened++] = hh->serial;
}

static bool opened_before(const hd_conn *c, const hd_heap *hh)
{
    for (uint32_t i = 0; hh && i < c->nopened; i++)
        if (c->opened[i] == hh->serial)
            return true;
    return false;
}

/* The same answer for a missing heap and a wrong token, and a comparison
 * made in both cases, so errors say nothing about which heaps exist. */
static hd_heap *authorize(hd_conn *c, const char *name, const char *token, hd_reply *r)
{
    static const uint8_t dummy[HD_TOKEN_BYTES];
    hd_heap *hh = name ? hd_heap_find(c->srv, name) : NULL;
    bool ok = hd_token_equal(hh ? hh->token : dummy, token);
    if (hh && (ok || c->admin))
        return hh;
    hd_reply_error(r, HEAPD__ERROR_CODE__PERMISSION_DENIED, NULL,
                   "no heap with that name and token");
    return NULL;
}

static Heapd__HeapInfoResult *heap_info(hd_reply *r, hd_heap *hh)
{
    Heapd__HeapInfoResult *hi = hd_reply_alloc(r, sizeof *hi);
    if (!hi)
        return NULL;
    heapd__heap_info_result__init(hi);
    hi->name = rdup(r, hh->name);
    hi->profile = rdup(r, hp_heap_profile(hh->h));
    hi->max_objects = hh->max_objects;
    hi->max_bytes = hh->max_bytes;
    hi->busy = hh->busy;
    uint32_t users = 0;
    for (hd_conn *c = hh->srv->conns; c; c = c->next)
        users += c->current == hh && !c->closing;
    hi->connections = users;
    if (!hh->busy) { /* reading a busy heap would race its worker */
        hi->objects = hp_object_count(hh->h);
        hi->bytes = hp_bytes_in_use(hh->h);
        hi->frame_depth = hp_frame_depth(hh->h);
        hi->stack_size = hp_stack_size(hh->h);
    }
    return hi;
}

static void set_current(hd_conn *c, hd_heap *hh)
{
    hd_heap *old = c->current;
    c->current = hh;
    if (old && old != hh)
        hd_heap_update_hook(c->srv, old);
    if (hh)
        hd_heap_update_hook(c->srv, hh);
}

static void oom(hd_reply *r)
{
    hd_reply_error(r, HEAPD__ERROR_CODE__INTERNAL, NULL, "out of memory");
}

hd_action hd_dispatch(hd_conn *c, const Heapd__Request *req, hd_reply *r)
{
    hd_server *s = c->srv;
    switch (req->body_case) {
    case HEAPD__REQUEST__BODY_PING:
        r->resp.result_case = HEAPD__RESPONSE__RESULT_EMPTY;
        r->resp.empty = hd_reply_alloc(r, sizeof(Heapd__Empty));
        if (!r->resp.empty)
            return oom(r), HD_DONE;
        heapd__empty__init(r->resp.empty);
        return HD_DONE;
    case HEAPD__REQUEST__BODY_HELLO: {
        const Heapd__Hello *hl = req->hello;
        if (hl->protocol != HD_PROTOCOL) {
            hd_reply_error(r, HEAPD__ERROR_CODE__FAILED_PRECONDITION, NULL,
                           "protocol %u is not supported (this server speaks %d)",
                           hl->protocol, HD_PROTOCOL);
            return HD_DONE;
        }
        if (hl->admin_token && *hl->admin_token) {
            if (!hd_admin_equal(&s->cfg, hl->admin_token)) {
                hd_reply_error(r, HEAPD__ERROR_CODE__UNAUTHENTICATED, NULL,
                               "wrong admin token");
                return HD_DONE;
            }
            c->admin = true;
        }
        c->hello = true;
        Heapd__HelloResult *h = hd_reply_alloc(r, sizeof *h);
        if (!h)
            return oom(r), HD_DONE;
        heapd__hello_result__init(h);
        h->protocol = HD_PROTOCOL;
        h->server = (char *)"heapd " HD_VERSION;
        h->admin = c->admin;
        r->resp.result_case = HEAPD__RESPONSE__RESULT_HELLO;
        r->resp.hello = h;
        return HD_DONE;
    }
    case HEAPD__REQUEST__BODY__NOT_SET:
        hd_reply_error(r, HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL,
                       "unknown or missing operation");
        return HD_DONE;
    default:
        break;
    }
    if (!c->hello) {
        hd_reply_error(r, HEAPD__ERROR_CODE__FAILED_PRECONDITION, NULL,
                       "send hello first");
        return HD_DONE;
    }
    if (hd_request_needs_heap(req)) {
        hd_heap *hh = c->current;
        if (!hh) {
            hd_reply_error(r, HEAPD__ERROR_CODE__FAILED_PRECONDITION, NULL,
                           "no heap open: create or open one first");
            return HD_DONE;
        }
        if (hh->busy)
            return HD_WAIT;
        if (hd_heap_offloaded(hh))
            return HD_OFFLOAD;
        hd_dispatch_heap_request(hh, req, r, s->cfg.max_walk_nodes);
        hd_after_heap_request(c, hh, req, r);
        return HD_DONE;
    }
    switch (req->body_case) {
    case HEAPD__REQUEST__BODY_HEAP_CREATE: {
        const Heapd__HeapCreate *hc = req->heap_create;
        Heapd__ErrorCode code;
        const char *msg;
        uint64_t mo = hc->limits ? hc->limits->max_objects : 0;
        uint64_t mb = hc->limits ? hc->limits->max_bytes : 0;
        hd_heap *hh = hd_heap_create(s, hc->name, hc->profile, mo, mb, &code, &msg);
        if (!hh) {
            hd_reply_error(r, code, NULL, "%s", msg);
            return HD_DONE;
        }
        Heapd__HeapCreated *hr = hd_reply_alloc(r, sizeof *hr);
        char *tok = hd_reply_alloc(r, 2 * HD_TOKEN_BYTES + 1);
        if (!hr || !tok) {
            hd_heap_destroy(s, hh);
            return oom(r), HD_DONE;
        }
        heapd__heap_created__init(hr);
        hd_token_hex(hh->token, tok);
        hr->name = rdup(r, hh->name);
        hr->token = tok;
        hr->profile = rdup(r, hp_heap_profile(hh->h));
        remember_opened(c, hh);
        set_current(c, hh);
        r->resp.result_case = HEAPD__RESPONSE__RESULT_HEAP_CREATED;
        r->resp.heap_created = hr;
        return HD_DONE;
    }
    case HEAPD__REQUEST__BODY_HEAP_OPEN: {
        hd_heap *hh = authorize(c, req->heap_open->name, req->heap_open->token, r);
        if (!hh)
            return HD_DONE;
        remember_opened(c, hh);
        set_current(c, hh);
        Heapd__HeapInfoResult *hi = heap_info(r, hh);
        if (!hi)
            return oom(r), HD_DONE;
        r->resp.result_case = HEAPD__RESPONSE__RESULT_HEAP_INFO;
        r->resp.heap_info = hi;
        return HD_DONE;
    }
    case HEAPD__REQUEST__BODY_HEAP_DESTROY: {
        hd_heap *hh = authorize(c, req->heap_destroy->name, req->heap_destroy->token, r);
        if (!hh)
            return HD_DONE;
        hd_heap_destroy(s, hh);
        r->resp.result_case = HEAPD__RESPONSE__RESULT_EMPTY;
        r->resp.empty = hd_reply_alloc(r, sizeof(Heapd__Empty));
        if (!r->resp.empty)
            return oom(r), HD_DONE;
        heapd__empty__init(r->resp.empty);
        return HD_DONE;
    }
    case HEAPD__REQUEST__BODY_HEAP_INFO: {
        const Heapd__HeapInfo *in = req->heap_info;
        hd_heap *hh;
        if (!in->name || !*in->name) {
            hh = c->current;
            if (!hh) {
                hd_reply_error(r, HEAPD__ERROR_CODE__FAILED_PRECONDITION, NULL,
                               "no heap open: create or open one first");
                return HD_DONE;
            }
        } else if (opened_before(c, hd_heap_find(s, in->name))) {
            hh = hd_heap_find(s, in->name);
            /* this connection proved the token already */
        } else if (!(hh = authorize(c, in->name, in->token, r))) {
            return HD_DONE;
        }
        Heapd__HeapInfoResult *hi = heap_info(r, hh);
        if (!hi)
            return oom(r), HD_DONE;
        r->resp.result_case = HEAPD__RESPONSE__RESULT_HEAP_INFO;
        r->resp.heap_info = hi;
        return HD_DONE;
    }
    case HEAPD__REQUEST__BODY_HEAP_LIST: {
        Heapd__HeapListResult *hl = hd_reply_alloc(r, sizeof *hl);
        Heapd__HeapInfoResult **items = hd_reply_alloc(r, (s->nheaps + 1) * sizeof *items);
        if (!hl || !items)
            return oom(r), HD_DONE;
        heapd__heap_list_result__init(hl);
        size_t n = 0;
        for (hd_heap *hh = s->heaps; hh; hh = hh->next) {
            if (!c->admin && !opened_before(c, hh))
                continue;
            if (!(items[n] = heap_info(r, hh)))
                return oom(r), HD_DONE;
            n++;
        }
        hl->heaps = items;
        hl->n_heaps = n;
        r->resp.result_case = HEAPD__RESPONSE__RESULT_HEAP_LIST;
        r->resp.heap_list = hl;
        return HD_DONE;
    }
    case HEAPD__REQUEST__BODY_SUBSCRIBE: {
        const Heapd__Subscribe *sb = req->subscribe;
        if (sb->all && !c->admin) {
            hd_reply_error(r, HEAPD__ERROR_CODE__PERMISSION_DENIED, NULL,
                           "events of all heaps need the admin token");
            return HD_DONE;
        }
        if (!sb->all && !sb->stop && !c->current) {
            hd_reply_error(r, HEAPD__ERROR_CODE__FAILED_PRECONDITION, NULL,
                           "no heap open: create or open one first");
            return HD_DONE;
        }
        uint32_t mask = 0;
        for (size_t i = 0; i < sb->n_kinds; i++)
            if (sb->kinds[i] > 0 && sb->kinds[i] < 32)
                mask |= 1u << sb->kinds[i];
        if (!mask)
            mask = (1u << HP_EV_COLLECT_START) | (1u << HP_EV_COLLECT_STOP) |
                   (1u << HP_EV_FREED) | (1u << HP_EV_FINALIZER_DUE) |
                   (1u << HP_EV_WEAKREF_DUE);
        c->subscribed = !sb->stop;
        c->sub_all = sb->all && !sb->stop;
        c->sub_mask = sb->stop ? 0 : mask;
        for (hd_heap *hh = s->heaps; hh; hh = hh->next)
            hd_heap_update_hook(s, hh);
        r->resp.result_case = HEAPD__RESPONSE__RESULT_EMPTY;
        r->resp.empty = hd_reply_alloc(r, sizeof(Heapd__Empty));
        if (!r->resp.empty)
            return oom(r), HD_DONE;
        heapd__empty__init(r->resp.empty);
        return HD_DONE;
    }
    default:
        hd_reply_error(r, HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL,
                       "unknown or missing operation");
        return HD_DONE;
    }
}
