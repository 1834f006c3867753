/*
 * test_chains.c: Request.chained (docs/protocol.md#chains) and the ops a
 * compiler of Python needs beyond the engine's basics (PICK, SINK,
 * COMPARE, CONTAINS, SEQ_BINARY, ITER_NEXT, GUARD_ID), over a real heapd.
 *
 * A chain is what lets heapctl send a loop's operations without waiting:
 * once one fails or leaves a call due, the chained requests after it must
 * not run, or they would act on a stack the client no longer predicts.
 */
#include <stdio.h>
#include <string.h>

#include "itest.h"

static it_daemon D;
static hc_client *C;

static void setup(void)
{
    it_daemon_start(&D, NULL);
    C = it_connect(&D);
    ck_assert_int_eq(hc_heap_create(C, "chains", NULL, 0, 0, NULL), 0);
}

static void teardown(void)
{
    hc_close(C);
    C = NULL;
    it_daemon_stop(&D);
}

/* Queues one op; returns nothing: the answers are read in order. */
static void send_op(int code, int64_t i, const char *s, uint64_t obj,
                    bool chained)
{
    Heapd__Request req = HEAPD__REQUEST__INIT;
    Heapd__Op op = HEAPD__OP__INIT;
    op.code = code;
    op.i = i;
    op.s = (char *)(s ? s : "");
    op.obj = obj;
    req.body_case = HEAPD__REQUEST__BODY_OP;
    req.op = &op;
    req.chained = chained;
    ck_assert_int_eq(hc_send(C, &req), 0);
}

/* The next answer: 0 for success (top/stack filled), else the error code. */
static int answer(uint64_t *top, uint32_t *stack, bool *due)
{
    Heapd__Response *r = NULL;
    int rc = hc_recv(C, &r, 5000);
    ck_assert_msg(rc == 0 || rc == HC_E_SERVER, "recv: %d", rc);
    int code = r->error ? (int)r->error->code : 0;
    if (!code) {
        ck_assert_int_eq(r->result_case, HEAPD__RESPONSE__RESULT_OP);
        if (top)
            *top = r->op->top;
        if (stack)
            *stack = r->op->stack;
        if (due)
            *due = r->op->due != NULL;
    }
    hc_free(r);
    return code;
}

static uint32_t stack_size(void)
{
    hc_heap_stat st;
    ck_assert_int_eq(hc_heap_info(C, NULL, NULL, &st), 0);
    return st.stack_size;
}

START_TEST(a_failure_aborts_the_rest_of_its_chain)
{
    send_op(HEAPD__OP_CODE__PUSH_INT, 7, NULL, 0, false);
    send_op(HEAPD__OP_CODE__LOAD_GLOBAL, 0, "missing", 0, true);
    send_op(HEAPD__OP_CODE__PUSH_INT, 8, NULL, 0, true);
    send_op(HEAPD__OP_CODE__STORE_GLOBAL, 0, "x", 0, true);
    ck_assert_int_eq(answer(NULL, NULL, NULL), 0);
    ck_assert_int_eq(answer(NULL, NULL, NULL), HEAPD__ERROR_CODE__PYTHON_ERROR);
    ck_assert_str_eq(hc_last_error(C)->py_type, "NameError");
    ck_assert_int_eq(answer(NULL, NULL, NULL), HEAPD__ERROR_CODE__ABORTED);
    ck_assert_int_eq(answer(NULL, NULL, NULL), HEAPD__ERROR_CODE__ABORTED);
    /* nothing after the failure ran: only the 7 is on the stack, x unbound */
    ck_assert_uint_eq(stack_size(), 1);
    Heapd__ObjectInfo *oi;
    ck_assert_int_eq(hc_inspect_name(C, "x", 0, &oi), HC_E_SERVER);
    /* an unchained request runs and starts a new chain */
    send_op(HEAPD__OP_CODE__PUSH_INT, 9, NULL, 0, true);
    send_op(HEAPD__OP_CODE__PUSH_INT, 9, NULL, 0, false);
    send_op(HEAPD__OP_CODE__PUSH_INT, 10, NULL, 0, true);
    uint32_t st;
    ck_assert_int_eq(answer(NULL, NULL, NULL), HEAPD__ERROR_CODE__ABORTED);
    ck_assert_int_eq(answer(NULL, &st, NULL), 0);
    ck_assert_uint_eq(st, 2);
    ck_assert_int_eq(answer(NULL, &st, NULL), 0);
    ck_assert_uint_eq(st, 3);
    it_assert_alive(&D);
}
END_TEST

START_TEST(unchained_requests_ignore_failures)
{
    send_op(HEAPD__OP_CODE__POP, 0, NULL, 0, false); /* empty stack: fails */
    send_op(HEAPD__OP_CODE__PUSH_INT, 1, NULL, 0, false);
    ck_assert_int_eq(answer(NULL, NULL, NULL),
                     HEAPD__ERROR_CODE__INVALID_ARGUMENT);
    ck_assert_int_eq(answer(NULL, NULL, NULL), 0);
    ck_assert_uint_eq(stack_size(), 1);
}
END_TEST

/* gc.callbacks.append(cb) with a function cb, so collect() makes a call
 * due; then a collection followed by chained ops. */
START_TEST(a_due_call_aborts_the_rest_of_its_chain)
{
    send_op(HEAPD__OP_CODE__PUSH_CALLBACKS, 0, NULL, 0, false);
    send_op(HEAPD__OP_CODE__BUILD_CODE, 0, "cb", 0, true);
    send_op(HEAPD__OP_CODE__PUSH_NONE, 0, NULL, 0, true);
    send_op(HEAPD__OP_CODE__BUILD_FUNCTION, 0, "cb", 0, true);
    send_op(HEAPD__OP_CODE__LIST_APPEND, 0, NULL, 0, true);
    for (int k = 0; k < 5; k++)
        ck_assert_int_eq(answer(NULL, NULL, NULL), 0);
    uint32_t base = stack_size();
    send_op(HEAPD__OP_CODE__GC_COLLECT, 2, NULL, 0, false);
    send_op(HEAPD__OP_CODE__PUSH_INT, 5, NULL, 0, true);
    bool due = false;
    ck_assert_int_eq(answer(NULL, NULL, &due), 0);
    ck_assert(due);
    ck_assert_int_eq(answer(NULL, NULL, NULL), HEAPD__ERROR_CODE__ABORTED);
    ck_assert_uint_eq(stack_size(), base);
    /* the client deals with the call: begin (unchained), end */
    send_op(HEAPD__OP_CODE__CALL_BEGIN, 0, NULL, 0, false);
    send_op(HEAPD__OP_CODE__CALL_END, 0, NULL, 0, true);
    ck_assert_int_eq(answer(NULL, NULL, NULL), 0);
    ck_assert_int_eq(answer(NULL, NULL, &due), 0);
    ck_assert(due); /* the "stop" callback */
}
END_TEST

/* The repr of the top of the stack is want. */
static void expect_top_repr(const char *want)
{
    Heapd__ObjectInfo *oi;
    ck_assert_int_eq(hc_inspect_depth(C, 0, HC_INSPECT_REPR, &oi), 0);
    ck_assert_str_eq(oi->repr, want);
    hc_free(oi);
}

static void op_ok(int code, int64_t i, const char *s)
{
    it_op(C, code, i, s);
}

START_TEST(compiler_ops_over_the_wire)
{
    op_ok(HEAPD__OP_CODE__PUSH_INT, 1, NULL);
    op_ok(HEAPD__OP_CODE__PUSH_INT, 2, NULL);
    op_ok(HEAPD__OP_CODE__BUILD_LIST, 2, NULL);
    op_ok(HEAPD__OP_CODE__PICK, 0, NULL);
    op_ok(HEAPD__OP_CODE__SEQ_BINARY, '+', NULL);
    expect_top_repr("[1, 2, 1, 2]");
    op_ok(HEAPD__OP_CODE__PUSH_INT, 2, NULL);
    op_ok(HEAPD__OP_CODE__CONTAINS, 0, NULL);
    expect_top_repr("True");
    op_ok(HEAPD__OP_CODE__PUSH_STR, 0, "a");
    op_ok(HEAPD__OP_CODE__PUSH_STR, 0, "b");
    op_ok(HEAPD__OP_CODE__COMPARE, 2, NULL); /* < */
    expect_top_repr("True");
    op_ok(HEAPD__OP_CODE__PUSH_INT, 5, NULL);
    op_ok(HEAPD__OP_CODE__SINK, 1, NULL); /* [True, 5, True] */
    expect_top_repr("True");
    op_ok(HEAPD__OP_CODE__PICK, 1, NULL);
    expect_top_repr("5");
    op_ok(HEAPD__OP_CODE__PUSH_INT, 1, NULL);
    op_ok(HEAPD__OP_CODE__PUSH_INT, 2, NULL);
    op_ok(HEAPD__OP_CODE__BUILD_LIST, 2, NULL);
    /* a for loop: two steps, then StopIteration */
    Heapd__Op step = HEAPD__OP__INIT;
    step.code = HEAPD__OP_CODE__ITER_NEXT;
    step.j = 0;
    step.k = -1;
    step.i = 1;
    hc_op_result r;
    ck_assert_int_eq(hc_op_full(C, &step, &r), 0);
    expect_top_repr("2");
    op_ok(HEAPD__OP_CODE__POP, 0, NULL);
    step.i = 2;
    ck_assert_int_eq(hc_op_full(C, &step, &r), HC_E_SERVER);
    ck_assert_str_eq(hc_last_error(C)->py_type, "StopIteration");
    /* GUARD_ID passes on the top's id and fails on another */
    hc_op_result top = it_op(C, HEAPD__OP_CODE__DUP, 0, NULL);
    it_op_id(C, HEAPD__OP_CODE__GUARD_ID, top.top);
    ck_assert_int_eq(
        hc_op(C, HEAPD__OP_CODE__GUARD_ID, 0, NULL, top.top + 16, NULL),
        HC_E_SERVER);
    ck_assert_int_eq(hc_last_error(C)->code,
                     HEAPD__ERROR_CODE__FAILED_PRECONDITION);
    it_op_fails(C, HEAPD__OP_CODE__COMPARE, 9, NULL,
                HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL);
    it_op_fails(C, HEAPD__OP_CODE__SEQ_BINARY, '-', NULL,
                HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL);
    it_op_fails(C, HEAPD__OP_CODE__PICK, 99, NULL,
                HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL);
    it_assert_alive(&D);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("chains");
    TCase *tc = tcase_create("wire");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, a_failure_aborts_the_rest_of_its_chain);
    tcase_add_test(tc, unchained_requests_ignore_failures);
    tcase_add_test(tc, a_due_call_aborts_the_rest_of_its_chain);
    tcase_add_test(tc, compiler_ops_over_the_wire);
    suite_add_tcase(s, tc);
    return it_run_suite(s);
}
