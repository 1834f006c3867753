/*
 * ops.c: libheapclient wrappers that assert: connect and say hello, run an
 * op that must succeed or must fail a given way, pipeline a burst of ops,
 * and the few heap shapes several tests build (the talk's ref_cycle).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

#define BATCH 2000

static hc_client *connect_to(const char *addr)
{
    hc_error err;
    hc_client *c = hc_connect(addr, 10000, &err);
    ck_assert_msg(c != NULL, "connect %s: %s", addr, err.message);
    hc_set_timeout(c, 60000);
    int rc = hc_hello(c, "itest", NULL, NULL);
    ck_assert_msg(rc == 0, "hello: %s", hc_last_error(c)->message);
    return c;
}

hc_client *it_connect(const it_daemon *d)
{
    return connect_to(d->addr);
}

hc_client *it_connect_tcp(const it_daemon *d)
{
    ck_assert_msg(d->tcp[0], "the daemon has no TCP listener");
    return connect_to(d->tcp);
}

void it_assert_alive(const it_daemon *d)
{
    hc_error err;
    hc_client *c = hc_connect(d->addr, 5000, &err);
    ck_assert_msg(c != NULL, "the daemon no longer accepts: %s", err.message);
    hc_set_timeout(c, 10000);
    int rc = hc_hello(c, "alive?", NULL, NULL);
    ck_assert_msg(rc == 0, "the daemon no longer answers hello: %s",
                  hc_last_error(c)->message);
    rc = hc_ping(c);
    ck_assert_msg(rc == 0, "the daemon no longer answers ping: %s",
                  hc_last_error(c)->message);
    hc_close(c);
}

void it_assert_server_error(hc_client *c, int rc, int want_code,
                            const char *want_py_type)
{
    const hc_error *e = hc_last_error(c);
    ck_assert_msg(rc == HC_E_SERVER, "expected a server error %s, got %d (%s)",
                  hc_code_name(want_code), rc, e->message);
    ck_assert_msg(e->code == want_code, "expected %s, got %s: %s",
                  hc_code_name(want_code), hc_code_name(e->code), e->message);
    if (want_py_type)
        ck_assert_str_eq(e->py_type, want_py_type);
}

hc_op_result it_op(hc_client *c, int code, int64_t i, const char *s)
{
    hc_op_result r;
    int rc = hc_op(c, code, i, s, 0, &r);
    ck_assert_msg(rc == 0, "op %d (i=%lld s=%s) failed: %s %s: %s", code,
                  (long long)i, s ? s : "",
                  hc_code_name(hc_last_error(c)->code),
                  hc_last_error(c)->py_type, hc_last_error(c)->message);
    return r;
}

hc_op_result it_op_id(hc_client *c, int code, uint64_t obj)
{
    hc_op_result r;
    int rc = hc_op(c, code, 0, NULL, obj, &r);
    ck_assert_msg(rc == 0, "op %d (obj=%llu) failed: %s", code,
                  (unsigned long long)obj, hc_last_error(c)->message);
    return r;
}

const char *it_op_fails(hc_client *c, int code, int64_t i, const char *s,
                        int want_code, const char *want_py_type)
{
    hc_op_result r;
    int rc = hc_op(c, code, i, s, 0, &r);
    it_assert_server_error(c, rc, want_code, want_py_type);
    return hc_last_error(c)->message;
}

void it_pipeline(hc_client *c, const Heapd__Op *ops, size_t n)
{
    for (size_t done = 0; done < n;) {
        size_t k = n - done < BATCH ? n - done : BATCH;
        for (size_t j = 0; j < k; j++) {
            Heapd__Request req = HEAPD__REQUEST__INIT;
            req.body_case = HEAPD__REQUEST__BODY_OP;
            req.op = (Heapd__Op *)&ops[done + j];
            ck_assert_int_eq(hc_send(c, &req), 0);
        }
        for (size_t j = 0; j < k; j++) {
            Heapd__Response *r = NULL;
            int rc = hc_recv(c, &r, 60000);
            ck_assert_msg(rc == 0, "pipelined op %zu failed: %s", done + j,
                          hc_last_error(c)->message);
            hc_free(r);
        }
        done += k;
    }
}

void it_push_ints(hc_client *c, int64_t base, size_t n)
{
    Heapd__Op *ops = calloc(n, sizeof *ops);
    ck_assert_ptr_nonnull(ops);
    for (size_t k = 0; k < n; k++) {
        heapd__op__init(&ops[k]);
        ops[k].code = HEAPD__OP_CODE__PUSH_INT;
        ops[k].i = base + (int64_t)k;
    }
    it_pipeline(c, ops, n);
    free(ops);
}

uint64_t it_refcount_of(hc_client *c, const char *global)
{
    Heapd__ObjectInfo *oi;
    int rc = hc_inspect_name(c, global, 0, &oi);
    ck_assert_msg(rc == 0, "inspect %s: %s", global, hc_last_error(c)->message);
    uint64_t n = oi->refcount;
    hc_free(oi);
    return n;
}

uint64_t it_id_of(hc_client *c, const char *global)
{
    Heapd__ObjectInfo *oi;
    int rc = hc_inspect_name(c, global, 0, &oi);
    ck_assert_msg(rc == 0, "inspect %s: %s", global, hc_last_error(c)->message);
    uint64_t id = oi->id;
    hc_free(oi);
    return id;
}

void it_make_ref_cycles(hc_client *c, int k)
{
    for (int n = 0; n < k; n++) {
        for (int v = 1; v <= 4; v++)
            it_op(c, HEAPD__OP_CODE__PUSH_INT, v, NULL);
        it_op(c, HEAPD__OP_CODE__BUILD_LIST, 4, NULL);  /* [l] */
        it_op(c, HEAPD__OP_CODE__DUP, 0, NULL);         /* [l, l] */
        it_op(c, HEAPD__OP_CODE__DUP, 0, NULL);         /* [l, l, l] */
        it_op(c, HEAPD__OP_CODE__LIST_APPEND, 0, NULL); /* l.append(l): [l] */
        hc_op_result r = it_op(c, HEAPD__OP_CODE__POP, 0, NULL);
        ck_assert_int_eq(r.due.kind, HEAPD__CALL_KIND__CALL_NONE);
    }
}

int64_t it_collect(hc_client *c)
{
    hc_op_result r;
    int rc = hc_gc_collect(c, 2, &r);
    ck_assert_msg(rc == 0, "gc.collect: %s", hc_last_error(c)->message);
    ck_assert_msg(r.due.kind == HEAPD__CALL_KIND__CALL_NONE,
                  "gc.collect made a call due");
    return r.value;
}

/* ---- a heap with slow requests
 * ------------------------------------------------- */

static Heapd__Op op_of(int code, int64_t i, const char *s)
{
    Heapd__Op op = HEAPD__OP__INIT;
    op.code = (Heapd__OpCode)code;
    op.i = i;
    op.s = (char *)(s ? s : "");
    return op;
}

void it_make_slow_heap(hc_client *c, uint32_t ndups, uint32_t nobjects)
{
    size_t cap = ndups + nobjects + 128, n = 0;
    Heapd__Op *ops = calloc(cap, sizeof *ops);
    ck_assert_ptr_nonnull(ops);
    ops[n++] = op_of(HEAPD__OP_CODE__GC_DISABLE, 0, NULL);
    /* The targets of gc.get_referrers: ndups stack slots holding t. */
    ops[n++] = op_of(HEAPD__OP_CODE__PUSH_INT, 7777777, NULL);
    for (uint32_t k = 1; k < ndups; k++)
        ops[n++] = op_of(HEAPD__OP_CODE__DUP, 0, NULL);
    /* wide = [u] doubled 20 times: 2^20 references, none to t. */
    ops[n++] = op_of(HEAPD__OP_CODE__PUSH_INT, 8888888, NULL);
    ops[n++] = op_of(HEAPD__OP_CODE__BUILD_LIST, 1, NULL);
    for (int k = 0; k < 20; k++) {
        ops[n++] = op_of(HEAPD__OP_CODE__DUP, 0, NULL);
        ops[n++] = op_of(HEAPD__OP_CODE__DUP, 0, NULL);
        ops[n++] = op_of(HEAPD__OP_CODE__LIST_EXTEND, 0, NULL);
    }
    ops[n++] = op_of(HEAPD__OP_CODE__STORE_GLOBAL, 0, "wide");
    /* Enough live objects to cross --offload-objects. */
    for (uint32_t k = 0; k < nobjects; k++)
        ops[n++] = op_of(HEAPD__OP_CODE__PUSH_INT, 100000000 + k, NULL);
    ops[n++] = op_of(HEAPD__OP_CODE__BUILD_LIST, nobjects, NULL);
    ops[n++] = op_of(HEAPD__OP_CODE__STORE_GLOBAL, 0, "mass");
    ck_assert_uint_le(n, cap);
    it_pipeline(c, ops, n);
    free(ops);
}

void it_send_slow(hc_client *c, uint32_t n)
{
    Heapd__Op op = op_of(HEAPD__OP_CODE__GC_GET_REFERRERS, n, NULL);
    Heapd__Request req = HEAPD__REQUEST__INIT;
    req.body_case = HEAPD__REQUEST__BODY_OP;
    req.op = &op;
    ck_assert_int_eq(hc_send(c, &req), 0);
    op = op_of(HEAPD__OP_CODE__POP, 0, NULL);
    Heapd__Request pop = HEAPD__REQUEST__INIT;
    pop.body_case = HEAPD__REQUEST__BODY_OP;
    pop.op = &op;
    ck_assert_int_eq(hc_send(c, &pop), 0);
    int rc = hc_flush(
        c, 200); /* waits for input after writing: see test_bad_input */
    ck_assert_msg(rc == 0 || rc == HC_E_TIMEOUT, "flush: %s", hc_code_name(rc));
}

void it_recv_slow(hc_client *c, int timeout_ms)
{
    for (int k = 0; k < 2; k++) {
        Heapd__Response *r;
        int rc = hc_recv(c, &r, timeout_ms);
        ck_assert_msg(rc == 0, "slow request %d: %s: %s", k, hc_code_name(rc),
                      hc_last_error(c)->message);
        if (k == 0) {
            ck_assert_int_eq(r->result_case, HEAPD__RESPONSE__RESULT_OP);
            ck_assert_str_eq(r->op->top_type, "list");
        }
        hc_free(r);
    }
}

uint32_t it_calibrate_slow(hc_client *c, int target_ms, uint32_t *budget)
{
    uint32_t n = 50;
    ck_assert_uint_ge(*budget, n);
    int64_t t0 = it_now_ms();
    it_send_slow(c, n);
    it_recv_slow(c, 60000);
    int64_t took = it_now_ms() - t0;
    *budget -= n;
    if (took < 1)
        took = 1;
    uint64_t want = (uint64_t)n * (uint64_t)target_ms / (uint64_t)took;
    if (want > *budget)
        want = *budget;
    if (want < 1)
        want = 1;
    return (uint32_t)want;
}
