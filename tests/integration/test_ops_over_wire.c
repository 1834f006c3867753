/*
 * test_ops_over_wire.c: every request and every OpCode of heapd.proto,
 * driven through libheapclient against a real heapd, with the results
 * checked: ids agree between OpResult.top and Inspect, refcounts are
 * CPython's, the talk's ref_cycle collects 8, a __del__ goes through the
 * hand-off (OpResult.due, CALL_BEGIN, CALL_END), errors carry their codes
 * and Python exception names, and subscribers see collections and frees.
 *
 * One daemon per test (a checked fixture), so tests do not share heaps.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "itest.h"

static it_daemon D;
static hc_client *C;

static void setup(void)
{
    it_daemon_start(&D, NULL);
    C = it_connect(&D);
}

static void teardown(void)
{
    hc_close(C);
    C = NULL;
    it_daemon_stop(&D);
}

/* A heap of our own, current on C. */
static hc_heap_created fresh_heap(const char *name)
{
    hc_heap_created hc;
    int rc = hc_heap_create(C, name, NULL, 0, 0, &hc);
    ck_assert_msg(rc == 0, "heap create: %s", hc_last_error(C)->message);
    return hc;
}

static Heapd__ObjectInfo *inspect_top(unsigned what)
{
    Heapd__ObjectInfo *oi;
    int rc = hc_inspect_depth(C, 0, what, &oi);
    ck_assert_msg(rc == 0, "inspect top: %s", hc_last_error(C)->message);
    return oi;
}

static Heapd__ObjectInfo *inspect_id(uint64_t id, unsigned what)
{
    Heapd__ObjectInfo *oi;
    int rc = hc_inspect_id(C, id, what, &oi);
    ck_assert_msg(rc == 0, "inspect %llu: %s", (unsigned long long)id,
                  hc_last_error(C)->message);
    return oi;
}

static int64_t top_int(void)
{
    Heapd__ObjectInfo *oi = inspect_top(0);
    ck_assert_msg(strcmp(oi->type, "int") == 0 || strcmp(oi->type, "bool") == 0,
                  "top is a %s, not an int", oi->type);
    int64_t v = oi->int_value;
    hc_free(oi);
    return v;
}

static int64_t top_len(void)
{
    Heapd__ObjectInfo *oi = inspect_top(0);
    int64_t v = oi->len;
    hc_free(oi);
    return v;
}

static hc_op_result op_full(const Heapd__Op *op)
{
    hc_op_result r;
    int rc = hc_op_full(C, op, &r);
    ck_assert_msg(rc == 0, "op %d failed: %s", op->code,
                  hc_last_error(C)->message);
    return r;
}

/* Pushes a function named name with no defaults: [] -> [function]. */
static uint64_t push_function(const char *name)
{
    it_op(C, HEAPD__OP_CODE__BUILD_CODE, 0, name);
    it_op(C, HEAPD__OP_CODE__PUSH_NONE, 0, NULL);
    hc_op_result r = it_op(C, HEAPD__OP_CODE__BUILD_FUNCTION, 0, name);
    ck_assert_str_eq(r.top_type, "function");
    return r.top;
}

/* class NAME: with a __del__ when with_del; bound to the global NAME. */
static void define_class(const char *name, bool with_del, uint64_t *del_id)
{
    uint32_t pairs = 0;
    if (with_del) {
        it_op(C, HEAPD__OP_CODE__PUSH_STR, 0, "__del__");
        uint64_t f = push_function("__del__");
        if (del_id)
            *del_id = f;
        pairs = 1;
    }
    it_op(C, HEAPD__OP_CODE__BUILD_DICT, pairs, NULL);
    hc_op_result r = it_op(C, HEAPD__OP_CODE__BUILD_CLASS, 0, name);
    ck_assert_str_eq(r.top_type, "type");
    it_op(C, HEAPD__OP_CODE__STORE_GLOBAL, 0, name);
}

/* ---- session requests -------------------------------------------------------
 */

START_TEST(hello_result)
{
    hc_hello_result h;
    ck_assert_int_eq(hc_hello(C, "again", NULL, &h), 0);
    ck_assert_int_eq(h.protocol, 1);
    ck_assert_str_eq(h.server, "heapd 0.1.0");
    ck_assert_int_eq(h.admin, 0);
    ck_assert_int_eq(hc_ping(C), 0);
}
END_TEST

START_TEST(heap_lifecycle)
{
    hc_heap_created a = fresh_heap("alpha");
    ck_assert_str_eq(a.name, "alpha");
    ck_assert_str_eq(a.profile, "3.12");
    ck_assert_int_eq(strlen(a.token), 32);
    ck_assert_int_eq(strspn(a.token, "0123456789abcdef"), 32);

    hc_heap_created b;
    ck_assert_int_eq(hc_heap_create(C, NULL, "3.11", 0, 0, &b), 0);
    ck_assert_msg(strncmp(b.name, "heap-", 5) == 0, "auto name %s", b.name);
    ck_assert_str_eq(b.profile, "3.11");
    ck_assert_str_ne(a.token, b.token);

    int rc = hc_heap_create(C, "alpha", NULL, 0, 0, NULL);
    it_assert_server_error(C, rc, HEAPD__ERROR_CODE__ALREADY_EXISTS, NULL);
    rc = hc_heap_create(C, "bad name!", NULL, 0, 0, NULL);
    it_assert_server_error(C, rc, HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL);
    rc = hc_heap_create(C, "p", "2.7", 0, 0, NULL);
    it_assert_server_error(C, rc, HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL);

    /* The current heap is the last one created: b. */
    hc_heap_stat st;
    ck_assert_int_eq(hc_heap_info(C, NULL, NULL, &st), 0);
    ck_assert_str_eq(st.name, b.name);
    ck_assert_str_eq(st.profile, "3.11");
    ck_assert_int_eq(st.connections, 1);
    ck_assert_int_eq(st.frame_depth, 0);
    ck_assert_int_eq(st.stack_size, 0);
    ck_assert_int_eq(st.busy, 0);

    Heapd__HeapListResult *hl;
    ck_assert_int_eq(hc_heap_list(C, &hl), 0);
    ck_assert_int_eq(hl->n_heaps, 2);
    int seen = 0;
    for (size_t i = 0; i < hl->n_heaps; i++)
        seen += strcmp(hl->heaps[i]->name, "alpha") == 0 ||
                strcmp(hl->heaps[i]->name, b.name) == 0;
    ck_assert_int_eq(seen, 2);
    hc_free(hl);

    /* Another client opens alpha with its token and sees the same heap. */
    hc_client *c2 = it_connect(&D);
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 0, NULL); /* on b: no effect on alpha */
    ck_assert_int_eq(hc_heap_open(C, "alpha", a.token, &st), 0);
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 12345, NULL);
    it_op(C, HEAPD__OP_CODE__STORE_GLOBAL, 0, "shared");
    ck_assert_int_eq(hc_heap_open(c2, "alpha", a.token, &st), 0);
    ck_assert_str_eq(st.name, "alpha");
    ck_assert_str_eq(st.profile, "3.12");
    ck_assert_int_eq(st.connections, 2);
    Heapd__ObjectInfo *oi;
    ck_assert_int_eq(hc_inspect_name(c2, "shared", 0, &oi), 0);
    ck_assert_int_eq(oi->int_value, 12345);
    hc_free(oi);

    /* Destroy alpha: both connections lose it. */
    ck_assert_int_eq(hc_heap_destroy(c2, "alpha", a.token), 0);
    rc = hc_op(C, HEAPD__OP_CODE__PUSH_NONE, 0, NULL, 0, NULL);
    it_assert_server_error(C, rc, HEAPD__ERROR_CODE__FAILED_PRECONDITION, NULL);
    ck_assert_msg(strstr(hc_last_error(C)->message, "no heap open"), "%s",
                  hc_last_error(C)->message);
    rc = hc_heap_open(C, "alpha", a.token, NULL);
    it_assert_server_error(C, rc, HEAPD__ERROR_CODE__PERMISSION_DENIED, NULL);
    ck_assert_int_eq(hc_heap_list(C, &hl), 0);
    ck_assert_int_eq(hl->n_heaps, 1);
    ck_assert_str_eq(hl->heaps[0]->name, b.name);
    hc_free(hl);
    hc_close(c2);
}
END_TEST

/* ---- ops: values and the stack
 * --------------------------------------------------- */

START_TEST(ops_push_and_stack)
{
    fresh_heap("h");
    hc_op_result r = it_op(C, HEAPD__OP_CODE__PUSH_NONE, 0, NULL);
    ck_assert_str_eq(r.top_type, "NoneType");
    ck_assert_int_eq(r.stack, 1);
    ck_assert_int_eq(r.depth, 0);
    ck_assert_uint_ne(r.top, 0);
    r = it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    ck_assert_int_eq(r.stack, 0);
    ck_assert_uint_eq(r.top, 0);

    r = it_op(C, HEAPD__OP_CODE__PUSH_BOOL, 7, NULL);
    ck_assert_str_eq(r.top_type, "bool");
    Heapd__ObjectInfo *oi = inspect_top(HC_INSPECT_REPR);
    ck_assert_str_eq(oi->repr, "True");
    ck_assert_uint_eq(oi->id, r.top);
    hc_free(oi);

    r = it_op(C, HEAPD__OP_CODE__PUSH_INT, -123456789012LL, NULL);
    ck_assert_str_eq(r.top_type, "int");
    ck_assert_int_eq(top_int(), -123456789012LL);

    Heapd__Op op = HEAPD__OP__INIT;
    op.code = HEAPD__OP_CODE__PUSH_FLOAT;
    op.f = 2.5;
    r = op_full(&op);
    ck_assert_str_eq(r.top_type, "float");
    oi = inspect_top(HC_INSPECT_REPR);
    ck_assert(oi->float_value == 2.5);
    ck_assert_str_eq(oi->repr, "2.5");
    hc_free(oi);

    r = it_op(C, HEAPD__OP_CODE__PUSH_STR, 0, "h\xc3\xa9llo");
    ck_assert_str_eq(r.top_type, "str");
    uint64_t str_id = r.top;
    oi = inspect_top(HC_INSPECT_REPR | HC_INSPECT_STR);
    ck_assert_int_eq(oi->len, 5);
    ck_assert_str_eq(oi->repr, "'h\xc3\xa9llo'");
    ck_assert_str_eq(oi->str, "h\xc3\xa9llo");
    hc_free(oi);

    heapd__op__init(&op);
    op.code = HEAPD__OP_CODE__PUSH_BYTES;
    op.b.data = (uint8_t *)"ab\0c";
    op.b.len = 4;
    r = op_full(&op);
    ck_assert_str_eq(r.top_type, "bytes");
    oi = inspect_top(HC_INSPECT_REPR);
    ck_assert_int_eq(oi->len, 4);
    ck_assert_str_eq(oi->repr, "b'ab\\x00c'");
    hc_free(oi);

    /* PUSH_ID pushes the very object; DUP too. */
    r = it_op_id(C, HEAPD__OP_CODE__PUSH_ID, str_id);
    ck_assert_uint_eq(r.top, str_id);
    ck_assert_str_eq(r.top_type, "str");
    uint32_t before = r.stack;
    r = it_op(C, HEAPD__OP_CODE__DUP, 0, NULL);
    ck_assert_uint_eq(r.top, str_id);
    ck_assert_int_eq(r.stack, before + 1);
    /* The stack holds the str three times, nothing else does. */
    oi = inspect_id(str_id, 0);
    ck_assert_int_eq(oi->refcount, 3);
    hc_free(oi);

    /* ROLL: [.., 1001, 1002, 1003] roll 2 -> 1001 on top. */
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 1001, NULL);
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 1002, NULL);
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 1003, NULL);
    it_op(C, HEAPD__OP_CODE__ROLL, 2, NULL);
    ck_assert_int_eq(top_int(), 1001);
    it_op(C, HEAPD__OP_CODE__ROLL, 1, NULL);
    ck_assert_int_eq(top_int(), 1003);

    hc_heap_stat st;
    ck_assert_int_eq(hc_heap_info(C, NULL, NULL, &st), 0);
    ck_assert_int_eq(st.stack_size, r.stack + 3);
}
END_TEST

START_TEST(ops_builders)
{
    fresh_heap("h");
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 1000, NULL);
    it_op(C, HEAPD__OP_CODE__PUSH_STR, 0, "x");
    hc_op_result r = it_op(C, HEAPD__OP_CODE__BUILD_TUPLE, 2, NULL);
    ck_assert_str_eq(r.top_type, "tuple");
    ck_assert_int_eq(r.stack, 1);
    Heapd__ObjectInfo *oi = inspect_top(HC_INSPECT_REPR | HC_INSPECT_ITEMS);
    ck_assert_str_eq(oi->repr, "(1000, 'x')");
    ck_assert_int_eq(oi->n_items, 2);
    uint64_t thousand = oi->items[0];
    hc_free(oi);
    oi = inspect_id(thousand, 0);
    ck_assert_int_eq(oi->int_value, 1000);
    ck_assert_int_eq(oi->refcount, 1); /* the tuple's slot */
    hc_free(oi);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    /* The tuple is gone and took the int with it. */
    it_assert_server_error(C, hc_inspect_id(C, thousand, 0, &oi),
                           HEAPD__ERROR_CODE__NOT_FOUND, NULL);

    for (int i = 0; i < 3; i++)
        it_op(C, HEAPD__OP_CODE__PUSH_INT, i, NULL);
    r = it_op(C, HEAPD__OP_CODE__BUILD_LIST, 3, NULL);
    ck_assert_str_eq(r.top_type, "list");
    oi = inspect_top(HC_INSPECT_REPR);
    ck_assert_str_eq(oi->repr, "[0, 1, 2]");
    ck_assert_int_eq(oi->generation, 0);
    ck_assert(oi->tracked);
    hc_free(oi);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);

    it_op(C, HEAPD__OP_CODE__PUSH_INT, 5, NULL);
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 5, NULL);
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 6, NULL);
    r = it_op(C, HEAPD__OP_CODE__BUILD_SET, 3, NULL);
    ck_assert_str_eq(r.top_type, "set");
    ck_assert_int_eq(top_len(), 2);
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 7, NULL);
    r = it_op(C, HEAPD__OP_CODE__BUILD_FROZENSET, 1, NULL);
    ck_assert_str_eq(r.top_type, "frozenset");
    oi = inspect_top(HC_INSPECT_REPR);
    ck_assert_str_eq(oi->repr, "frozenset({7})");
    hc_free(oi);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    /* A list is unhashable. */
    it_op(C, HEAPD__OP_CODE__BUILD_LIST, 0, NULL);
    it_op_fails(C, HEAPD__OP_CODE__BUILD_SET, 1, NULL,
                HEAPD__ERROR_CODE__PYTHON_ERROR, "TypeError");
    /* A failed op changed nothing: the list is still there, alone. */
    oi = inspect_top(0);
    ck_assert_str_eq(oi->type, "list");
    hc_free(oi);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL); /* the set */

    it_op(C, HEAPD__OP_CODE__PUSH_STR, 0, "k");
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 1, NULL);
    it_op(C, HEAPD__OP_CODE__PUSH_STR, 0, "j");
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 2, NULL);
    r = it_op(C, HEAPD__OP_CODE__BUILD_DICT, 2, NULL);
    ck_assert_str_eq(r.top_type, "dict");
    oi = inspect_top(HC_INSPECT_REPR | HC_INSPECT_ITEMS);
    ck_assert_str_eq(oi->repr, "{'k': 1, 'j': 2}");
    ck_assert_int_eq(oi->n_items, 4);
    hc_free(oi);
    ck_assert_int_eq(r.stack, 1);

    /* Functions, classes, instances. */
    uint64_t f = push_function("f");
    oi = inspect_id(f, 0);
    ck_assert_str_eq(oi->name, "f");
    hc_free(oi);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    define_class("Node", false, NULL);
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "Node");
    r = it_op(C, HEAPD__OP_CODE__NEW_INSTANCE, 0, NULL);
    ck_assert_str_eq(r.top_type, "Node");
    oi = inspect_top(0);
    ck_assert_str_eq(oi->type, "Node");
    ck_assert(!oi->has_finalizer);
    hc_free(oi);
    uint64_t inst = r.top;

    /* weakref.ref(inst): deref gives inst back; getweakrefcount is 1. */
    it_op(C, HEAPD__OP_CODE__DUP, 0, NULL);
    it_op(C, HEAPD__OP_CODE__PUSH_NONE, 0, NULL);
    r = it_op(C, HEAPD__OP_CODE__NEW_WEAKREF, 0, NULL);
    ck_assert_str_eq(r.top_type, "weakref");
    oi = inspect_id(inst, 0);
    ck_assert_int_eq(oi->weakrefs, 1);
    hc_free(oi);
    it_op(C, HEAPD__OP_CODE__DUP, 0, NULL);
    r = it_op(C, HEAPD__OP_CODE__WEAKREF_DEREF, 0, NULL);
    ck_assert_uint_eq(r.top, inst);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    /* Drop the instance (it sits under the weakref): the ref goes dead. */
    it_op(C, HEAPD__OP_CODE__ROLL, 1, NULL);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    r = it_op(C, HEAPD__OP_CODE__WEAKREF_DEREF, 0, NULL);
    ck_assert_str_eq(r.top_type, "NoneType");
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);

    /* sys.intern: two equal strs become one. */
    uint64_t s1 =
        it_op(C, HEAPD__OP_CODE__PUSH_STR, 0, "not an identifier!").top;
    uint64_t s2 =
        it_op(C, HEAPD__OP_CODE__PUSH_STR, 0, "not an identifier!").top;
    ck_assert_uint_ne(s1, s2);
    it_op(C, HEAPD__OP_CODE__INTERN, 0, NULL);
    uint64_t i2 = it_op(C, HEAPD__OP_CODE__ROLL, 1, NULL).top;
    ck_assert_uint_eq(i2, s1);
    uint64_t i1 = it_op(C, HEAPD__OP_CODE__INTERN, 0, NULL).top;
    it_op(C, HEAPD__OP_CODE__ROLL, 1, NULL);
    ck_assert_uint_eq(i1, it_op(C, HEAPD__OP_CODE__ROLL, 1, NULL).top);
    ck_assert_msg(i1 == s1 || i1 == s2, "intern gave a third object");
}
END_TEST

START_TEST(ops_names_and_frames)
{
    fresh_heap("h");
    /* a = []; b = a: the heap holds the list twice. */
    uint64_t list = it_op(C, HEAPD__OP_CODE__BUILD_LIST, 0, NULL).top;
    it_op(C, HEAPD__OP_CODE__STORE_GLOBAL, 0, "a");
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "a");
    it_op(C, HEAPD__OP_CODE__STORE_GLOBAL, 0, "b");
    ck_assert_uint_eq(it_id_of(C, "a"), list);
    ck_assert_uint_eq(it_id_of(C, "b"), list);
    ck_assert_int_eq(it_refcount_of(C, "a"), 2);
    /* On the stack too: 3. */
    hc_op_result r = it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "a");
    ck_assert_uint_eq(r.top, list);
    ck_assert_int_eq(it_refcount_of(C, "a"), 3);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    it_op(C, HEAPD__OP_CODE__DELETE_GLOBAL, 0, "b");
    ck_assert_int_eq(it_refcount_of(C, "a"), 1);
    it_op_fails(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "b",
                HEAPD__ERROR_CODE__PYTHON_ERROR, "NameError");
    ck_assert_str_eq(hc_last_error(C)->message, "name 'b' is not defined");
    it_op_fails(C, HEAPD__OP_CODE__DELETE_GLOBAL, 0, "b",
                HEAPD__ERROR_CODE__PYTHON_ERROR, "NameError");
    Heapd__ObjectInfo *oi;
    it_assert_server_error(C, hc_inspect_name(C, "b", 0, &oi),
                           HEAPD__ERROR_CODE__PYTHON_ERROR, "NameError");

    /* globals() is a dict holding a. */
    r = it_op(C, HEAPD__OP_CODE__PUSH_GLOBALS, 0, NULL);
    ck_assert_str_eq(r.top_type, "dict");
    it_op(C, HEAPD__OP_CODE__PUSH_STR, 0, "a");
    r = it_op(C, HEAPD__OP_CODE__GETITEM, 0, NULL);
    ck_assert_uint_eq(r.top, list);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);

    /* f(7) with two locals. */
    push_function("f");
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 7, NULL);
    /* nlocals (j) below nargs is refused. */
    it_op_fails(C, HEAPD__OP_CODE__FRAME_PUSH, 1, NULL,
                HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL);
    Heapd__Op op = HEAPD__OP__INIT;
    op.code = HEAPD__OP_CODE__FRAME_PUSH;
    op.i = 1;
    op.j = 1;
    r = op_full(&op);
    ck_assert_int_eq(r.depth, 1);
    ck_assert_int_eq(r.stack, 0);
    heapd__op__init(&op);
    op.code = HEAPD__OP_CODE__FRAME_POP;
    op.i = 0;
    r = op_full(&op);
    ck_assert_int_eq(r.depth, 0);
    ck_assert_int_eq(r.stack, 0);

    push_function("g");
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 7, NULL);
    heapd__op__init(&op);
    op.code = HEAPD__OP_CODE__FRAME_PUSH;
    op.i = 1;
    op.j = 2;
    r = op_full(&op);
    ck_assert_int_eq(r.depth, 1);
    it_op(C, HEAPD__OP_CODE__LOAD_LOCAL, 0, NULL);
    ck_assert_int_eq(top_int(), 7);
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 2000, NULL);
    it_op(C, HEAPD__OP_CODE__STORE_LOCAL, 1, NULL);
    it_op(C, HEAPD__OP_CODE__LOAD_LOCAL, 1, NULL);
    ck_assert_int_eq(top_int(), 2000);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    it_op(C, HEAPD__OP_CODE__DELETE_LOCAL, 1, NULL);
    it_op_fails(C, HEAPD__OP_CODE__LOAD_LOCAL, 1, NULL,
                HEAPD__ERROR_CODE__PYTHON_ERROR, "NameError");
    /* Module globals are visible from the frame. */
    r = it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "a");
    ck_assert_uint_eq(r.top, list);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    /* return the arg: [7] -> caller gets 7. */
    it_op(C, HEAPD__OP_CODE__LOAD_LOCAL, 0, NULL);
    r = it_op(C, HEAPD__OP_CODE__FRAME_POP, 1, NULL);
    ck_assert_int_eq(r.depth, 0);
    ck_assert_int_eq(top_int(), 7);
    /* No frame left to pop. */
    it_op_fails(C, HEAPD__OP_CODE__FRAME_POP, 0, NULL,
                HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL);
    /* STORE_LOCAL needs a frame. */
    int rc = hc_op(C, HEAPD__OP_CODE__STORE_LOCAL, 0, NULL, 0, NULL);
    ck_assert_int_eq(rc, HC_E_SERVER);
}
END_TEST

START_TEST(ops_containers)
{
    fresh_heap("h");
    for (int i = 10; i <= 30; i += 10)
        it_op(C, HEAPD__OP_CODE__PUSH_INT, i, NULL);
    uint64_t l = it_op(C, HEAPD__OP_CODE__BUILD_LIST, 3, NULL).top;
    it_op(C, HEAPD__OP_CODE__STORE_GLOBAL, 0, "l");

    /* l[1] */
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "l");
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 1, NULL);
    it_op(C, HEAPD__OP_CODE__GETITEM, 0, NULL);
    ck_assert_int_eq(top_int(), 20);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    /* l[5]: IndexError, and the stack is as it was. */
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "l");
    hc_op_result before = it_op(C, HEAPD__OP_CODE__PUSH_INT, 5, NULL);
    it_op_fails(C, HEAPD__OP_CODE__GETITEM, 0, NULL,
                HEAPD__ERROR_CODE__PYTHON_ERROR, "IndexError");
    ck_assert_str_eq(hc_last_error(C)->message, "list index out of range");
    hc_heap_stat st;
    ck_assert_int_eq(hc_heap_info(C, NULL, NULL, &st), 0);
    ck_assert_int_eq(st.stack_size, before.stack);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    /* l[0] = 'a'; del l[2] */
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "l");
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 0, NULL);
    it_op(C, HEAPD__OP_CODE__PUSH_STR, 0, "a");
    it_op(C, HEAPD__OP_CODE__SETITEM, 0, NULL);
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "l");
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 2, NULL);
    hc_op_result r = it_op(C, HEAPD__OP_CODE__DELITEM, 0, NULL);
    ck_assert_int_eq(r.stack, 0);
    /* append, insert, extend */
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "l");
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 40, NULL);
    it_op(C, HEAPD__OP_CODE__LIST_APPEND, 0, NULL);
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "l");
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 5, NULL);
    it_op(C, HEAPD__OP_CODE__LIST_INSERT, 0, NULL);
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "l");
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 50, NULL);
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 60, NULL);
    it_op(C, HEAPD__OP_CODE__BUILD_TUPLE, 2, NULL);
    it_op(C, HEAPD__OP_CODE__LIST_EXTEND, 0, NULL);
    Heapd__ObjectInfo *oi;
    ck_assert_int_eq(hc_inspect_name(C, "l", HC_INSPECT_REPR, &oi), 0);
    ck_assert_str_eq(oi->repr, "[5, 'a', 20, 40, 50, 60]");
    ck_assert_uint_eq(oi->id, l);
    hc_free(oi);
    /* l.pop() (i = -1) and l.pop(0) */
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "l");
    it_op(C, HEAPD__OP_CODE__LIST_POP, -1, NULL);
    ck_assert_int_eq(top_int(), 60);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "l");
    it_op(C, HEAPD__OP_CODE__LIST_POP, 0, NULL);
    ck_assert_int_eq(top_int(), 5);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    /* l[1:3], l[::-1] */
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "l");
    Heapd__Op op = HEAPD__OP__INIT;
    op.code = HEAPD__OP_CODE__SLICE;
    op.i = 1;
    op.j = 3;
    op.flags = 3;
    r = op_full(&op);
    ck_assert_str_eq(r.top_type, "list");
    oi = inspect_top(HC_INSPECT_REPR);
    ck_assert_str_eq(oi->repr, "[20, 40]");
    hc_free(oi);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "l");
    heapd__op__init(&op);
    op.code = HEAPD__OP_CODE__SLICE;
    op.k = -1;
    op.flags = 4;
    op_full(&op);
    oi = inspect_top(HC_INSPECT_REPR);
    ck_assert_str_eq(oi->repr, "[50, 40, 20, 'a']");
    hc_free(oi);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    /* clear */
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "l");
    it_op(C, HEAPD__OP_CODE__CLEAR, 0, NULL);
    ck_assert_int_eq(hc_inspect_name(C, "l", 0, &oi), 0);
    ck_assert_int_eq(oi->len, 0);
    hc_free(oi);

    /* sets */
    it_op(C, HEAPD__OP_CODE__BUILD_SET, 0, NULL);
    it_op(C, HEAPD__OP_CODE__STORE_GLOBAL, 0, "s");
    for (int k = 0; k < 2; k++) {
        it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "s");
        it_op(C, HEAPD__OP_CODE__PUSH_STR, 0, "m");
        it_op(C, HEAPD__OP_CODE__SET_ADD, 0, NULL);
    }
    ck_assert_int_eq(hc_inspect_name(C, "s", 0, &oi), 0);
    ck_assert_int_eq(oi->len, 1);
    hc_free(oi);
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "s");
    it_op(C, HEAPD__OP_CODE__PUSH_STR, 0, "m");
    it_op(C, HEAPD__OP_CODE__SET_DISCARD, 0, NULL);
    ck_assert_int_eq(hc_inspect_name(C, "s", 0, &oi), 0);
    ck_assert_int_eq(oi->len, 0);
    hc_free(oi);

    /* dicts */
    it_op(C, HEAPD__OP_CODE__PUSH_STR, 0, "k");
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 99, NULL);
    it_op(C, HEAPD__OP_CODE__BUILD_DICT, 1, NULL);
    it_op(C, HEAPD__OP_CODE__STORE_GLOBAL, 0, "d");
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "d");
    it_op(C, HEAPD__OP_CODE__PUSH_STR, 0, "nope");
    it_op_fails(C, HEAPD__OP_CODE__GETITEM, 0, NULL,
                HEAPD__ERROR_CODE__PYTHON_ERROR, "KeyError");
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "d");
    it_op(C, HEAPD__OP_CODE__PUSH_STR, 0, "k");
    it_op(C, HEAPD__OP_CODE__DICT_POP, 0, NULL);
    ck_assert_int_eq(top_int(), 99);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    ck_assert_int_eq(hc_inspect_name(C, "d", 0, &oi), 0);
    ck_assert_int_eq(oi->len, 0);
    hc_free(oi);

    /* attributes */
    define_class("Obj", false, NULL);
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "Obj");
    it_op(C, HEAPD__OP_CODE__NEW_INSTANCE, 0, NULL);
    it_op(C, HEAPD__OP_CODE__STORE_GLOBAL, 0, "o");
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "o");
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 5, NULL);
    it_op(C, HEAPD__OP_CODE__SETATTR, 0, "x");
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "o");
    it_op(C, HEAPD__OP_CODE__GETATTR, 0, "x");
    ck_assert_int_eq(top_int(), 5);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "o");
    it_op(C, HEAPD__OP_CODE__DELATTR, 0, "x");
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "o");
    it_op_fails(C, HEAPD__OP_CODE__GETATTR, 0, "x",
                HEAPD__ERROR_CODE__PYTHON_ERROR, "AttributeError");
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
}
END_TEST

/* ---- the gc module
 * --------------------------------------------------------------- */

START_TEST(gc_ref_cycle_x8)
{
    fresh_heap("talk");
    it_make_ref_cycles(C, 8);
    ck_assert_int_eq(it_collect(C), 8);
    ck_assert_int_eq(it_collect(C), 0);
    hc_gc_state g;
    ck_assert_int_eq(hc_gc_query(C, &g), 0);
    ck_assert_int_eq(g.enabled, 1);
    ck_assert_int_eq(g.threshold[0], 700);
    ck_assert_int_eq(g.threshold[1], 10);
    ck_assert_int_eq(g.threshold[2], 10);
    ck_assert_int_eq(g.stats[2].collections, 2);
    ck_assert_int_eq(g.stats[2].collected, 8);
    ck_assert_int_eq(g.stats[2].uncollectable, 0);
    ck_assert_int_eq(g.garbage, 0);
    ck_assert_int_eq(g.last_result, 0);
    ck_assert_int_eq(g.collecting, 0);
}
END_TEST

START_TEST(gc_module_ops)
{
    fresh_heap("h");
    hc_gc_state g;
    it_op(C, HEAPD__OP_CODE__GC_DISABLE, 0, NULL);
    ck_assert_int_eq(hc_gc_query(C, &g), 0);
    ck_assert_int_eq(g.enabled, 0);
    it_op(C, HEAPD__OP_CODE__GC_ENABLE, 0, NULL);
    Heapd__Op op = HEAPD__OP__INIT;
    op.code = HEAPD__OP_CODE__GC_SET_THRESHOLD;
    op.i = 500;
    op.j = 5;
    op.k = 3;
    op.flags = 3;
    op_full(&op);
    op.i = 400;
    op.flags = 1;
    op_full(&op);
    it_op(C, HEAPD__OP_CODE__GC_SET_DEBUG, 32, NULL); /* DEBUG_SAVEALL */
    ck_assert_int_eq(hc_gc_query(C, &g), 0);
    ck_assert_int_eq(g.enabled, 1);
    ck_assert_int_eq(g.threshold[0], 400);
    ck_assert_int_eq(g.threshold[1], 5);
    ck_assert_int_eq(g.threshold[2], 3);
    ck_assert_int_eq(g.debug, 32);
    op.flags = 4;
    int rc = hc_op_full(C, &op, NULL);
    it_assert_server_error(C, rc, HEAPD__ERROR_CODE__PYTHON_ERROR, "TypeError");

    /* SAVEALL: collected cycles land in gc.garbage. */
    it_make_ref_cycles(C, 3);
    ck_assert_int_eq(it_collect(C), 3);
    ck_assert_int_eq(hc_gc_query(C, &g), 0);
    ck_assert_int_eq(g.garbage, 3);
    hc_op_result r = it_op(C, HEAPD__OP_CODE__PUSH_GARBAGE, 0, NULL);
    ck_assert_str_eq(r.top_type, "list");
    ck_assert_int_eq(top_len(), 3);
    it_op(C, HEAPD__OP_CODE__CLEAR, 0, NULL);
    it_op(C, HEAPD__OP_CODE__GC_SET_DEBUG, 0, NULL);
    ck_assert_int_eq(it_collect(C), 3);

    r = it_op(C, HEAPD__OP_CODE__PUSH_CALLBACKS, 0, NULL);
    ck_assert_str_eq(r.top_type, "list");
    ck_assert_int_eq(top_len(), 0);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);

    /* freeze moves everything tracked to the permanent generation. */
    it_op(C, HEAPD__OP_CODE__BUILD_LIST, 0, NULL);
    it_op(C, HEAPD__OP_CODE__STORE_GLOBAL, 0, "keep");
    it_op(C, HEAPD__OP_CODE__GC_FREEZE, 0, NULL);
    ck_assert_int_eq(hc_gc_query(C, &g), 0);
    ck_assert_uint_ge(g.freeze_count, 1);
    Heapd__ObjectInfo *oi;
    ck_assert_int_eq(hc_inspect_name(C, "keep", 0, &oi), 0);
    ck_assert_int_eq(oi->generation, 3);
    hc_free(oi);
    it_op(C, HEAPD__OP_CODE__GC_UNFREEZE, 0, NULL);
    ck_assert_int_eq(hc_gc_query(C, &g), 0);
    ck_assert_int_eq(g.freeze_count, 0);
    ck_assert_int_eq(hc_inspect_name(C, "keep", 0, &oi), 0);
    ck_assert_int_eq(oi->generation, 2);
    hc_free(oi);

    /* get_objects(-1) holds keep; get_referrers(keep) holds globals();
     * get_referents([x]) is [x]. */
    uint64_t keep = it_id_of(C, "keep");
    it_op(C, HEAPD__OP_CODE__GC_GET_OBJECTS, -1, NULL);
    oi = inspect_top(HC_INSPECT_ITEMS);
    int found = 0;
    for (size_t i = 0; i < oi->n_items; i++)
        found += oi->items[i] == keep;
    ck_assert_int_eq(found, 1);
    hc_free(oi);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    it_op_fails(C, HEAPD__OP_CODE__GC_GET_OBJECTS, 7, NULL,
                HEAPD__ERROR_CODE__PYTHON_ERROR, "ValueError");
    uint64_t globals = it_op(C, HEAPD__OP_CODE__PUSH_GLOBALS, 0, NULL).top;
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "keep");
    it_op(C, HEAPD__OP_CODE__GC_GET_REFERRERS, 1, NULL);
    oi = inspect_top(HC_INSPECT_ITEMS);
    found = 0;
    for (size_t i = 0; i < oi->n_items; i++)
        found += oi->items[i] == globals;
    ck_assert_int_eq(found, 1);
    hc_free(oi);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "keep");
    it_op(C, HEAPD__OP_CODE__BUILD_LIST, 1, NULL);
    it_op(C, HEAPD__OP_CODE__GC_GET_REFERENTS, 1, NULL);
    oi = inspect_top(HC_INSPECT_ITEMS);
    ck_assert_int_eq(oi->n_items, 1);
    ck_assert_uint_eq(oi->items[0], keep);
    hc_free(oi);

    /* A bad generation. */
    it_op_fails(C, HEAPD__OP_CODE__GC_COLLECT, 5, NULL,
                HEAPD__ERROR_CODE__PYTHON_ERROR, "ValueError");
}
END_TEST

/* __del__ runs through the hand-off: the op that drops the last reference
 * answers with due; CALL_BEGIN, CALL_END free the object. */
START_TEST(finalizer_handoff)
{
    fresh_heap("h");
    uint64_t del_fn = 0;
    define_class("D", true, &del_fn);
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "D");
    hc_op_result r = it_op(C, HEAPD__OP_CODE__NEW_INSTANCE, 0, NULL);
    uint64_t inst = r.top;
    Heapd__ObjectInfo *oi = inspect_id(inst, 0);
    ck_assert(oi->has_finalizer);
    ck_assert(!oi->finalized);
    hc_free(oi);

    r = it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    ck_assert_int_eq(r.due.kind, HEAPD__CALL_KIND__CALL_FINALIZER);
    ck_assert_uint_eq(r.due.arg0, inst);
    ck_assert_uint_eq(r.due.callable, del_fn);
    ck_assert_str_eq(r.due.name, "__del__");
    /* Mutating ops wait for the call. */
    it_op_fails(C, HEAPD__OP_CODE__PUSH_NONE, 0, NULL,
                HEAPD__ERROR_CODE__FAILED_PRECONDITION, NULL);
    /* Reading works meanwhile. */
    hc_gc_state g;
    ck_assert_int_eq(hc_gc_query(C, &g), 0);

    r = it_op(C, HEAPD__OP_CODE__CALL_BEGIN, 0, NULL);
    ck_assert_int_eq(r.due.kind, HEAPD__CALL_KIND__CALL_NONE);
    /* Inside __del__(self) the object is alive (self is held by the call). */
    oi = inspect_id(inst, 0);
    ck_assert(oi->finalized);
    hc_free(oi);
    it_op(C, HEAPD__OP_CODE__CALL_END, 0, NULL);
    /* Now it is gone, and its id is stale. */
    it_assert_server_error(C, hc_inspect_id(C, inst, 0, &oi),
                           HEAPD__ERROR_CODE__NOT_FOUND, NULL);
    it_op_fails(C, HEAPD__OP_CODE__PUSH_ID, 0, NULL,
                HEAPD__ERROR_CODE__NOT_FOUND, NULL);
    r.top = 0;
    int rc = hc_op(C, HEAPD__OP_CODE__PUSH_ID, 0, NULL, inst, &r);
    it_assert_server_error(C, rc, HEAPD__ERROR_CODE__NOT_FOUND, NULL);
    /* No call to end. */
    it_op_fails(C, HEAPD__OP_CODE__CALL_END, 0, NULL,
                HEAPD__ERROR_CODE__FAILED_PRECONDITION, NULL);
    it_op_fails(C, HEAPD__OP_CODE__CALL_BEGIN, 0, NULL,
                HEAPD__ERROR_CODE__FAILED_PRECONDITION, NULL);

    /* A finalizer in a cycle: the collection pauses (value -1), and the
     * CALL_END that finishes it carries the result. */
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "D");
    inst = it_op(C, HEAPD__OP_CODE__NEW_INSTANCE, 0, NULL).top;
    it_op(C, HEAPD__OP_CODE__DUP, 0, NULL);
    it_op(C, HEAPD__OP_CODE__DUP, 0, NULL);
    it_op(C, HEAPD__OP_CODE__SETATTR, 0, "me"); /* inst.me = inst */
    r = it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    ck_assert_int_eq(r.due.kind, HEAPD__CALL_KIND__CALL_NONE);
    ck_assert_int_eq(hc_gc_collect(C, 2, &r), 0);
    ck_assert_int_eq(r.value, -1);
    ck_assert_int_eq(r.due.kind, HEAPD__CALL_KIND__CALL_FINALIZER);
    ck_assert_uint_eq(r.due.arg0, inst);
    ck_assert_int_eq(hc_gc_query(C, &g), 0);
    ck_assert_int_eq(g.collecting, 1);
    it_op(C, HEAPD__OP_CODE__CALL_BEGIN, 0, NULL);
    r = it_op(C, HEAPD__OP_CODE__CALL_END, 0, NULL);
    ck_assert_int_eq(r.due.kind, HEAPD__CALL_KIND__CALL_NONE);
    ck_assert_int_ge(r.value, 1);
    ck_assert_int_eq(hc_gc_query(C, &g), 0);
    ck_assert_int_eq(g.collecting, 0);
    ck_assert_int_eq(g.last_result, r.value);
    it_assert_server_error(C, hc_inspect_id(C, inst, 0, &oi),
                           HEAPD__ERROR_CODE__NOT_FOUND, NULL);
}
END_TEST

/* ---- reading: inspect, stats, walk
 * ------------------------------------------------- */

START_TEST(inspect_targets)
{
    fresh_heap("h");
    uint64_t top = it_op(C, HEAPD__OP_CODE__PUSH_STR, 0, "payload").top;
    it_op(C, HEAPD__OP_CODE__DUP, 0, NULL);
    it_op(C, HEAPD__OP_CODE__STORE_GLOBAL, 0, "p");
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 4242, NULL);
    Heapd__ObjectInfo *a, *b, *c;
    ck_assert_int_eq(hc_inspect_id(C, top, HC_INSPECT_REPR, &a), 0);
    ck_assert_int_eq(hc_inspect_name(C, "p", HC_INSPECT_REPR, &b), 0);
    ck_assert_int_eq(hc_inspect_depth(C, 1, HC_INSPECT_REPR, &c), 0);
    ck_assert_uint_eq(a->id, top);
    ck_assert_uint_eq(b->id, top);
    ck_assert_uint_eq(c->id, top);
    ck_assert_str_eq(a->repr, "'payload'");
    ck_assert_str_eq(a->type, "str");
    ck_assert_int_eq(a->refcount, 2); /* the stack slot and p */
    ck_assert_int_eq(a->len, 7);
    ck_assert_int_eq(a->generation, -1);
    ck_assert(!a->tracked);
    ck_assert_uint_gt(a->size, 7);
    ck_assert(a->truth);
    hc_free(a);
    hc_free(b);
    hc_free(c);
    int rc = hc_inspect_depth(C, 2, 0, &a);
    it_assert_server_error(C, rc, HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL);
    rc = hc_inspect_name(C, "missing", 0, &a);
    it_assert_server_error(C, rc, HEAPD__ERROR_CODE__PYTHON_ERROR, "NameError");
    rc = hc_inspect_id(C, top + 8, 0, &a); /* misaligned */
    it_assert_server_error(C, rc, HEAPD__ERROR_CODE__NOT_FOUND, NULL);
    rc = hc_inspect_id(C, 0xdeadbeefcafef00dull, 0, &a);
    it_assert_server_error(C, rc, HEAPD__ERROR_CODE__NOT_FOUND, NULL);

    /* repr_limit cuts the repr. */
    Heapd__Target t = HEAPD__TARGET__INIT;
    t.of_case = HEAPD__TARGET__OF_NAME;
    t.name = (char *)"p";
    Heapd__Inspect in = HEAPD__INSPECT__INIT;
    in.target = &t;
    in.repr = 1;
    in.repr_limit = 4;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    req.body_case = HEAPD__REQUEST__BODY_INSPECT;
    req.inspect = &in;
    Heapd__Response *resp;
    ck_assert_int_eq(hc_call(C, &req, &resp, 10000), 0);
    ck_assert_int_eq(resp->result_case, HEAPD__RESPONSE__RESULT_OBJECT);
    ck_assert_str_eq(resp->object->repr, "'pay");
    hc_free(resp);
}
END_TEST

START_TEST(malloc_and_type_stats)
{
    fresh_heap("h");
    Heapd__MallocStatsResult *m0, *m1;
    ck_assert_int_eq(hc_malloc_stats(C, &m0), 0);
    ck_assert_int_eq(m0->n_classes, 32);
    for (size_t i = 0; i < 32; i++)
        ck_assert_int_eq(m0->classes[i]->size, 16 * (i + 1));
    it_push_ints(C, 100000, 1000);
    it_op(C, HEAPD__OP_CODE__BUILD_LIST, 1000, NULL);
    ck_assert_int_eq(hc_malloc_stats(C, &m1), 0);
    uint64_t blocks0 = 0, blocks1 = 0;
    for (size_t i = 0; i < 32; i++) {
        blocks0 += m0->classes[i]->blocks_in_use;
        blocks1 += m1->classes[i]->blocks_in_use;
    }
    ck_assert_uint_ge(blocks1, blocks0 + 1000);
    ck_assert_uint_gt(m1->bytes_in_use, m0->bytes_in_use);
    ck_assert_uint_ge(m1->arenas_current, 1);
    ck_assert_uint_eq(m1->bytes_arena_total, m1->arenas_current << 20);
    /* The list's 8000-byte item array is a raw (> 512 byte) block. */
    ck_assert_uint_ge(m1->raw_blocks, 1);
    hc_free(m0);
    hc_free(m1);

    Heapd__TypeStatsResult *ts;
    ck_assert_int_eq(hc_type_stats(C, &ts), 0);
    uint64_t ints = 0, lists = 0, sum = 0;
    for (size_t i = 0; i < ts->n_types; i++) {
        if (strcmp(ts->types[i]->type, "int") == 0)
            ints = ts->types[i]->count;
        if (strcmp(ts->types[i]->type, "list") == 0)
            lists = ts->types[i]->count;
        sum += ts->types[i]->count;
    }
    ck_assert_uint_ge(ints, 1000);
    ck_assert_uint_ge(lists, 1);
    ck_assert_uint_eq(sum, ts->objects);
    ck_assert_int_eq(ts->n_tracked, 4);
    ck_assert_uint_ge(ts->tracked[0], 1); /* the list */
    hc_heap_stat st;
    ck_assert_int_eq(hc_heap_info(C, NULL, NULL, &st), 0);
    ck_assert_uint_eq(st.objects, ts->objects);
    hc_free(ts);
}
END_TEST

static const Heapd__GraphNode *node_of(const Heapd__Graph *g, uint64_t id)
{
    for (size_t i = 0; i < g->n_nodes; i++)
        if (g->nodes[i]->id == id)
            return g->nodes[i];
    return NULL;
}

START_TEST(walk_graph)
{
    /* x = "hello"; y = [x, [x]] (a smaller version of the talk's slide) */
    fresh_heap("h");
    uint64_t x = it_op(C, HEAPD__OP_CODE__PUSH_STR, 0, "hello").top;
    it_op(C, HEAPD__OP_CODE__STORE_GLOBAL, 0, "x");
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "x");
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "x");
    uint64_t inner = it_op(C, HEAPD__OP_CODE__BUILD_LIST, 1, NULL).top;
    uint64_t y = it_op(C, HEAPD__OP_CODE__BUILD_LIST, 2, NULL).top;
    it_op(C, HEAPD__OP_CODE__STORE_GLOBAL, 0, "y");

    Heapd__Graph *g;
    ck_assert_int_eq(hc_walk(C, &y, 1, 0, 0, 0, 0, &g), 0);
    ck_assert_int_eq(g->n_nodes, 3);
    ck_assert(!g->capped);
    ck_assert_uint_eq(g->nodes[0]->id, y);
    ck_assert_int_eq(g->nodes[0]->depth, 0);
    ck_assert_str_eq(g->nodes[0]->type, "list");
    ck_assert_str_eq(g->nodes[0]->repr, "['hello', ['hello']]");
    const Heapd__GraphNode *nx = node_of(g, x), *ni = node_of(g, inner);
    ck_assert_ptr_nonnull(nx);
    ck_assert_ptr_nonnull(ni);
    ck_assert_int_eq(nx->refcount, 3);
    ck_assert_int_eq(ni->depth, 1);
    int y0 = 0, y1 = 0, i0 = 0;
    for (size_t i = 0; i < g->n_edges; i++) {
        const Heapd__GraphEdge *e = g->edges[i];
        y0 += e->from == y && e->to == x && strcmp(e->label, "[0]") == 0;
        y1 += e->from == y && e->to == inner && strcmp(e->label, "[1]") == 0;
        i0 += e->from == inner && e->to == x && strcmp(e->label, "[0]") == 0;
    }
    ck_assert_int_eq(y0 + y1 + i0, 3);
    ck_assert_int_eq(g->n_edges, 3);
    hc_free(g);

    /* Backwards from x: y and the inner list refer to it. */
    ck_assert_int_eq(hc_walk(C, &x, 1, 1, 1, 0, 0, &g), 0);
    ck_assert_ptr_nonnull(node_of(g, y));
    ck_assert_ptr_nonnull(node_of(g, inner));
    hc_free(g);

    /* max_nodes caps the graph. */
    ck_assert_int_eq(hc_walk(C, &y, 1, 0, 0, 0, 2, &g), 0);
    ck_assert_int_eq(g->n_nodes, 2);
    ck_assert(g->capped);
    hc_free(g);

    /* A bad root fails the walk. */
    uint64_t bad = 0x10;
    int rc = hc_walk(C, &bad, 1, 0, 0, 0, 0, &g);
    it_assert_server_error(C, rc, HEAPD__ERROR_CODE__NOT_FOUND, NULL);
}
END_TEST

/* A walk capped at max_nodes must not send edges to nodes it left out:
 * a list of 3000 distinct ints walked with max_nodes 50 should answer at
 * most 50 nodes and only edges between them (the reply stays the size
 * the client asked for). */
START_TEST(walk_cap_bounds_edges)
{
    fresh_heap("h");
    it_push_ints(C, 1000000, 3000);
    uint64_t l = it_op(C, HEAPD__OP_CODE__BUILD_LIST, 3000, NULL).top;
    Heapd__Graph *g;
    ck_assert_int_eq(hc_walk(C, &l, 1, 0, 0, 0, 50, &g), 0);
    ck_assert(g->capped);
    ck_assert_int_le(g->n_nodes, 50);
    size_t dangling = 0;
    for (size_t i = 0; i < g->n_edges; i++)
        dangling +=
            !node_of(g, g->edges[i]->from) || !node_of(g, g->edges[i]->to);
    ck_assert_msg(
        dangling == 0,
        "%zu of %zu edges lead to nodes outside the capped graph (%zu nodes)",
        dangling, g->n_edges, g->n_nodes);
    hc_free(g);
}
END_TEST

/* ---- events
 * ------------------------------------------------------------------------- */

START_TEST(events_collection_and_free)
{
    fresh_heap("ev");
    hc_client *sub = it_connect(&D);
    hc_heap_created unused;
    (void)unused;
    /* The subscriber follows its current heap: open ev there. */
    Heapd__HeapListResult *hl;
    ck_assert_int_eq(hc_heap_list(sub, &hl), 0);
    ck_assert_int_eq(hl->n_heaps, 0); /* not opened on this connection */
    hc_free(hl);
    int rc = hc_subscribe(sub, HC_EV_ALL, 0);
    it_assert_server_error(sub, rc, HEAPD__ERROR_CODE__FAILED_PRECONDITION,
                           NULL);
    rc = hc_subscribe(sub, HC_EV_ALL, 1);
    it_assert_server_error(sub, rc, HEAPD__ERROR_CODE__PERMISSION_DENIED, NULL);
    hc_close(sub);

    /* Subscribe on the working connection itself: events come before the
     * response of the request that caused them. */
    ck_assert_int_eq(hc_subscribe(C, HC_EV_ALL, 0), 0);
    it_make_ref_cycles(C, 2);
    ck_assert_int_eq(it_collect(C), 2);
    Heapd__Event *ev;
    int starts = 0, stops = 0, freed_lists = 0;
    uint64_t last_seq = 0;
    while (hc_next_event(C, &ev, 0) == 0) {
        ck_assert_str_eq(ev->heap, "ev");
        ck_assert_uint_gt(ev->seq, last_seq);
        last_seq = ev->seq;
        if (ev->kind == HEAPD__EVENT_KIND__EV_COLLECTION_START) {
            starts++;
            ck_assert_int_eq(ev->generation, 2);
        } else if (ev->kind == HEAPD__EVENT_KIND__EV_COLLECTION_STOP) {
            stops++;
            ck_assert_int_eq(ev->generation, 2);
            ck_assert_int_eq(ev->collected, 2);
            ck_assert_int_eq(ev->uncollectable, 0);
        } else if (ev->kind == HEAPD__EVENT_KIND__EV_OBJECT_FREED) {
            freed_lists += strcmp(ev->type, "list") == 0;
        }
        hc_free(ev);
    }
    ck_assert_int_eq(starts, 1);
    ck_assert_int_eq(stops, 1);
    ck_assert_int_eq(freed_lists, 2);

    /* Only frees, now. */
    ck_assert_int_eq(
        hc_subscribe(C, HC_EV_BIT(HEAPD__EVENT_KIND__EV_OBJECT_FREED), 0), 0);
    uint64_t id = it_op(C, HEAPD__OP_CODE__PUSH_INT, 31337, NULL).top;
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    ck_assert_int_eq(it_collect(C), 0);
    ck_assert_int_eq(hc_next_event(C, &ev, 1000), 0);
    ck_assert_int_eq(ev->kind, HEAPD__EVENT_KIND__EV_OBJECT_FREED);
    ck_assert_uint_eq(ev->object, id);
    ck_assert_str_eq(ev->type, "int");
    ck_assert_uint_eq(ev->dropped, 0);
    hc_free(ev);
    ck_assert_int_eq(hc_next_event(C, &ev, 0), HC_E_TIMEOUT);

    /* A finalizer due is announced. */
    ck_assert_int_eq(hc_subscribe(C, HC_EV_ALL, 0), 0);
    define_class("D", true, NULL);
    it_op(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "D");
    uint64_t inst = it_op(C, HEAPD__OP_CODE__NEW_INSTANCE, 0, NULL).top;
    hc_op_result r = it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    ck_assert_int_eq(r.due.kind, HEAPD__CALL_KIND__CALL_FINALIZER);
    int due = 0;
    while (hc_next_event(C, &ev, 0) == 0) {
        due += ev->kind == HEAPD__EVENT_KIND__EV_FINALIZER_DUE &&
               ev->object == inst;
        hc_free(ev);
    }
    ck_assert_int_eq(due, 1);
    it_op(C, HEAPD__OP_CODE__CALL_BEGIN, 0, NULL);
    it_op(C, HEAPD__OP_CODE__CALL_END, 0, NULL);
    int freed = 0;
    while (hc_next_event(C, &ev, 0) == 0) {
        freed += ev->kind == HEAPD__EVENT_KIND__EV_OBJECT_FREED &&
                 ev->object == inst;
        hc_free(ev);
    }
    ck_assert_int_eq(freed, 1);

    ck_assert_int_eq(hc_unsubscribe(C), 0);
    it_make_ref_cycles(C, 1);
    ck_assert_int_eq(it_collect(C), 1);
    ck_assert_int_eq(hc_next_event(C, &ev, 200), HC_E_TIMEOUT);
}
END_TEST

/* Every event is either delivered or counted in a later event's dropped:
 * freeing 70000 objects in one request (more than the 65536 events a heap
 * keeps per request) must still add up. */
START_TEST(events_all_accounted)
{
    enum { N = 70000 };
    fresh_heap("many");
    it_push_ints(C, 1000000, N);
    it_op(C, HEAPD__OP_CODE__BUILD_LIST, N, NULL);
    it_op(C, HEAPD__OP_CODE__STORE_GLOBAL, 0, "big");
    ck_assert_int_eq(
        hc_subscribe(C, HC_EV_BIT(HEAPD__EVENT_KIND__EV_OBJECT_FREED), 0), 0);
    it_op(C, HEAPD__OP_CODE__DELETE_GLOBAL, 0, "big"); /* N ints + the list */
    uint64_t got = 0, dropped = 0;
    Heapd__Event *ev;
    while (hc_next_event(C, &ev, 0) == 0) {
        got++;
        dropped += ev->dropped;
        hc_free(ev);
    }
    /* One more free tells the count of what was lost before it. */
    it_op(C, HEAPD__OP_CODE__PUSH_INT, 5000000, NULL);
    it_op(C, HEAPD__OP_CODE__POP, 0, NULL);
    ck_assert_int_eq(hc_next_event(C, &ev, 5000), 0);
    dropped += ev->dropped;
    hc_free(ev);
    ck_assert_msg(got + dropped == N + 1,
                  "%llu events delivered + %llu counted as dropped != %d freed",
                  (unsigned long long)got, (unsigned long long)dropped, N + 1);
}
END_TEST

START_TEST(unknown_op_codes)
{
    fresh_heap("h");
    const char *msg = it_op_fails(C, HEAPD__OP_CODE__OP_INVALID, 0, NULL,
                                  HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL);
    ck_assert_msg(strstr(msg, "unknown op code 0"), "%s", msg);
    msg =
        it_op_fails(C, 999, 0, NULL, HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL);
    ck_assert_msg(strstr(msg, "unknown op code 999"), "%s", msg);
    it_op_fails(C, HEAPD__OP_CODE__POP, 0, NULL,
                HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL);
    it_op_fails(C, HEAPD__OP_CODE__ROLL, -1, NULL,
                HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL);
    it_op_fails(C, HEAPD__OP_CODE__BUILD_LIST, 5, NULL,
                HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL);
}
END_TEST

/* The range check of the dispatcher says what is wrong, not the heap's
 * previous error message. */
START_TEST(range_error_message_is_fresh)
{
    fresh_heap("h");
    it_op_fails(C, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "nope",
                HEAPD__ERROR_CODE__PYTHON_ERROR, "NameError");
    const char *msg = it_op_fails(C, HEAPD__OP_CODE__ROLL, -1, NULL,
                                  HEAPD__ERROR_CODE__INVALID_ARGUMENT, NULL);
    ck_assert_msg(strstr(msg, "nope") == NULL,
                  "ROLL -1 answered with the previous error: %s", msg);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ops_over_wire");
    TCase *tc = tcase_create("ops");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, hello_result);
    tcase_add_test(tc, heap_lifecycle);
    tcase_add_test(tc, ops_push_and_stack);
    tcase_add_test(tc, ops_builders);
    tcase_add_test(tc, ops_names_and_frames);
    tcase_add_test(tc, ops_containers);
    tcase_add_test(tc, gc_ref_cycle_x8);
    tcase_add_test(tc, gc_module_ops);
    tcase_add_test(tc, finalizer_handoff);
    tcase_add_test(tc, inspect_targets);
    tcase_add_test(tc, malloc_and_type_stats);
    tcase_add_test(tc, walk_graph);
    tcase_add_test(tc, walk_cap_bounds_edges);
    tcase_add_test(tc, events_collection_and_free);
    tcase_add_test(tc, events_all_accounted);
    tcase_add_test(tc, unknown_op_codes);
    tcase_add_test(tc, range_error_message_is_fresh);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return it_run_suite(suite());
}
