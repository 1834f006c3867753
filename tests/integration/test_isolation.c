/*
 * test_isolation.c: heaps belong to whoever holds their token.  A second
 * client without it is refused on every heap request; the refusal does
 * not tell a wrong token from a missing heap; one heap's ids and names
 * mean nothing in another; budgets (--heap-max-objects, HeapCreate
 * limits) end in MemoryError with the heap still usable; and heapd will
 * not listen beyond loopback without an admin token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

static it_daemon D;

static void setup(void)
{
    it_daemon_start(&D, NULL);
}

static void teardown(void)
{
    it_daemon_stop(&D);
}

/* The error a call left, copied. */
static hc_error last_error(hc_client *c, int rc)
{
    ck_assert_int_eq(rc, HC_E_SERVER);
    return *hc_last_error(c);
}

START_TEST(no_token_no_access)
{
    hc_client *owner = it_connect(&D);
    hc_heap_created hc;
    ck_assert_int_eq(hc_heap_create(owner, "mine", NULL, 0, 0, &hc), 0);
    it_op(owner, HEAPD__OP_CODE__PUSH_INT, 4242, NULL);
    it_op(owner, HEAPD__OP_CODE__STORE_GLOBAL, 0, "secret");

    hc_client *intruder = it_connect(&D);
    int rc = hc_heap_open(intruder, "mine", NULL, NULL);
    it_assert_server_error(intruder, rc, HEAPD__ERROR_CODE__PERMISSION_DENIED,
                           NULL);
    rc = hc_heap_open(intruder, "mine", "", NULL);
    it_assert_server_error(intruder, rc, HEAPD__ERROR_CODE__PERMISSION_DENIED,
                           NULL);
    hc_heap_stat st;
    rc = hc_heap_info(intruder, "mine", NULL, &st);
    it_assert_server_error(intruder, rc, HEAPD__ERROR_CODE__PERMISSION_DENIED,
                           NULL);
    rc = hc_heap_destroy(intruder, "mine", NULL);
    it_assert_server_error(intruder, rc, HEAPD__ERROR_CODE__PERMISSION_DENIED,
                           NULL);
    /* After the failed open there is no current heap: every heap request
     * says so. */
    rc = hc_op(intruder, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "secret", 0, NULL);
    it_assert_server_error(intruder, rc, HEAPD__ERROR_CODE__FAILED_PRECONDITION,
                           NULL);
    ck_assert_msg(strstr(hc_last_error(intruder)->message, "no heap open"),
                  "%s", hc_last_error(intruder)->message);
    Heapd__ObjectInfo *oi;
    rc = hc_inspect_name(intruder, "secret", 0, &oi);
    it_assert_server_error(intruder, rc, HEAPD__ERROR_CODE__FAILED_PRECONDITION,
                           NULL);
    hc_gc_state g;
    rc = hc_gc_query(intruder, &g);
    it_assert_server_error(intruder, rc, HEAPD__ERROR_CODE__FAILED_PRECONDITION,
                           NULL);
    Heapd__MallocStatsResult *ms;
    rc = hc_malloc_stats(intruder, &ms);
    it_assert_server_error(intruder, rc, HEAPD__ERROR_CODE__FAILED_PRECONDITION,
                           NULL);
    Heapd__TypeStatsResult *ts;
    rc = hc_type_stats(intruder, &ts);
    it_assert_server_error(intruder, rc, HEAPD__ERROR_CODE__FAILED_PRECONDITION,
                           NULL);
    uint64_t root = 16;
    Heapd__Graph *gr;
    rc = hc_walk(intruder, &root, 1, 0, 0, 0, 0, &gr);
    it_assert_server_error(intruder, rc, HEAPD__ERROR_CODE__FAILED_PRECONDITION,
                           NULL);
    rc = hc_subscribe(intruder, HC_EV_ALL, 0);
    it_assert_server_error(intruder, rc, HEAPD__ERROR_CODE__FAILED_PRECONDITION,
                           NULL);
    rc = hc_subscribe(intruder, HC_EV_ALL, 1);
    it_assert_server_error(intruder, rc, HEAPD__ERROR_CODE__PERMISSION_DENIED,
                           NULL);
    Heapd__HeapListResult *hl;
    ck_assert_int_eq(hc_heap_list(intruder, &hl), 0);
    ck_assert_int_eq(hl->n_heaps, 0);
    hc_free(hl);

    /* The heap is untouched and still the owner's. */
    ck_assert_int_eq(it_refcount_of(owner, "secret"), 1);
    ck_assert_int_eq(hc_heap_info(owner, "mine", NULL, &st), 0);
    ck_assert_int_eq(st.connections, 1);
    hc_close(intruder);
    hc_close(owner);
}
END_TEST

START_TEST(same_answer_for_missing_and_wrong)
{
    hc_client *owner = it_connect(&D);
    hc_heap_created hc;
    ck_assert_int_eq(hc_heap_create(owner, "exists", NULL, 0, 0, &hc), 0);
    hc_client *c = it_connect(&D);
    const char *tok = "0123456789abcdef0123456789abcdef";
    hc_error wrong = last_error(c, hc_heap_open(c, "exists", tok, NULL));
    hc_error missing = last_error(c, hc_heap_open(c, "absent", tok, NULL));
    ck_assert_int_eq(wrong.code, missing.code);
    ck_assert_str_eq(wrong.py_type, missing.py_type);
    ck_assert_str_eq(wrong.message, missing.message);
    /* The real token of another heap does not open a missing one either,
     * nor this one under another name. */
    missing = last_error(c, hc_heap_open(c, "absent", hc.token, NULL));
    ck_assert_str_eq(wrong.message, missing.message);
    wrong = last_error(c, hc_heap_info(c, "exists", tok, NULL));
    missing = last_error(c, hc_heap_info(c, "absent", tok, NULL));
    ck_assert_int_eq(wrong.code, missing.code);
    ck_assert_str_eq(wrong.message, missing.message);
    wrong = last_error(c, hc_heap_destroy(c, "exists", tok));
    missing = last_error(c, hc_heap_destroy(c, "absent", tok));
    ck_assert_int_eq(wrong.code, missing.code);
    ck_assert_str_eq(wrong.message, missing.message);
    /* No token at all: the same again. */
    wrong = last_error(c, hc_heap_open(c, "exists", NULL, NULL));
    missing = last_error(c, hc_heap_open(c, "absent", NULL, NULL));
    ck_assert_str_eq(wrong.message, missing.message);
    hc_close(c);
    hc_close(owner);
}
END_TEST

/* A connection that had access to a heap has none to a new heap created
 * under the same name after the old one was destroyed. */
START_TEST(access_does_not_survive_recreation)
{
    hc_client *a = it_connect(&D);
    hc_heap_created first;
    ck_assert_int_eq(hc_heap_create(a, "reused", NULL, 0, 0, &first), 0);
    ck_assert_int_eq(hc_heap_destroy(a, "reused", first.token), 0);
    hc_client *b = it_connect(&D);
    ck_assert_int_eq(hc_heap_create(b, "reused", NULL, 0, 0, NULL), 0);
    it_op(b, HEAPD__OP_CODE__PUSH_INT, 1, NULL);
    int rc = hc_heap_info(a, "reused", NULL, NULL);
    it_assert_server_error(a, rc, HEAPD__ERROR_CODE__PERMISSION_DENIED, NULL);
    rc = hc_heap_open(a, "reused", first.token, NULL);
    it_assert_server_error(a, rc, HEAPD__ERROR_CODE__PERMISSION_DENIED, NULL);
    Heapd__HeapListResult *hl;
    ck_assert_int_eq(hc_heap_list(a, &hl), 0);
    ck_assert_int_eq(hl->n_heaps, 0);
    hc_free(hl);
    hc_close(a);
    hc_close(b);
}
END_TEST

/* Names and ids are per heap: what one heap binds, another cannot reach. */
START_TEST(heaps_do_not_share_objects)
{
    hc_client *a = it_connect(&D);
    hc_client *b = it_connect(&D);
    ck_assert_int_eq(hc_heap_create(a, "A", NULL, 0, 0, NULL), 0);
    ck_assert_int_eq(hc_heap_create(b, "B", NULL, 0, 0, NULL), 0);
    uint64_t ids[50];
    for (int i = 0; i < 50; i++)
        ids[i] = it_op(a, HEAPD__OP_CODE__PUSH_INT, 900000 + i, NULL).top;
    it_op(a, HEAPD__OP_CODE__BUILD_LIST, 50, NULL);
    it_op(a, HEAPD__OP_CODE__STORE_GLOBAL, 0, "only_in_a");
    int rc = hc_op(b, HEAPD__OP_CODE__LOAD_GLOBAL, 0, "only_in_a", 0, NULL);
    it_assert_server_error(b, rc, HEAPD__ERROR_CODE__PYTHON_ERROR, "NameError");
    for (int i = 0; i < 50; i++) {
        Heapd__ObjectInfo *oi;
        rc = hc_inspect_id(b, ids[i], 0, &oi);
        if (rc == 0) { /* an object of B's own at the same address */
            ck_assert_int_lt(oi->int_value, 900000);
            hc_free(oi);
        } else {
            it_assert_server_error(b, rc, HEAPD__ERROR_CODE__NOT_FOUND, NULL);
        }
    }
    /* Collecting in B does nothing to A. */
    it_make_ref_cycles(b, 3);
    ck_assert_int_eq(it_collect(b), 3);
    ck_assert_int_eq(it_refcount_of(a, "only_in_a"), 1);
    hc_heap_stat sa;
    ck_assert_int_eq(hc_heap_info(a, NULL, NULL, &sa), 0);
    ck_assert_uint_ge(sa.objects, 51);
    hc_close(a);
    hc_close(b);
}
END_TEST

/* ---- budgets
 * ------------------------------------------------------------------------ */

/* Pushes ints until the heap refuses: returns how many were pushed. */
static int push_until_memory_error(hc_client *c, int max)
{
    for (int i = 0; i < max; i++) {
        hc_op_result r;
        int rc = hc_op(c, HEAPD__OP_CODE__PUSH_INT, 10000000 + i, NULL, 0, &r);
        if (rc != 0) {
            it_assert_server_error(c, rc, HEAPD__ERROR_CODE__PYTHON_ERROR,
                                   "MemoryError");
            return i;
        }
    }
    ck_abort_msg("no MemoryError after %d objects", max);
    return -1;
}

START_TEST(object_budget)
{
    it_daemon L;
    it_daemon_start(&L, "--heap-max-objects", "300", NULL);
    hc_client *c = it_connect(&L);
    hc_heap_stat st;
    /* The daemon's maximum, when the client asks for nothing or more. */
    ck_assert_int_eq(hc_heap_create(c, "big-ask", NULL, 0, 1000000000, NULL),
                     0);
    ck_assert_int_eq(hc_heap_info(c, NULL, NULL, &st), 0);
    ck_assert_int_eq(st.max_objects, 300);
    /* The budget counts what the client makes, not the heap's start-up
     * objects (core/heap.c). */
    uint64_t base = st.objects;
    int n = push_until_memory_error(c, 1000);
    ck_assert_int_gt(n, 200);
    ck_assert_int_le(n, 300);
    ck_assert_int_eq(hc_heap_info(c, NULL, NULL, &st), 0);
    ck_assert_uint_le(st.objects - base, 300);
    ck_assert_int_eq(st.stack_size, n);
    /* Usable after the error: free some, allocate again; collect. */
    for (int i = 0; i < 10; i++)
        it_op(c, HEAPD__OP_CODE__POP, 0, NULL);
    for (int i = 0; i < 10; i++)
        it_op(c, HEAPD__OP_CODE__PUSH_INT, 20000000 + i, NULL);
    it_op_fails(c, HEAPD__OP_CODE__BUILD_LIST, 0, NULL,
                HEAPD__ERROR_CODE__PYTHON_ERROR, "MemoryError");
    ck_assert_int_eq(it_collect(c), 0);
    it_assert_alive(&L);

    /* A client may ask for less. */
    ck_assert_int_eq(hc_heap_create(c, "small", NULL, 0, 50, NULL), 0);
    ck_assert_int_eq(hc_heap_info(c, NULL, NULL, &st), 0);
    ck_assert_int_eq(st.max_objects, 50);
    n = push_until_memory_error(c, 1000);
    ck_assert_int_le(n, 50);
    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(hc_heap_info(c, NULL, NULL, &st), 0);
    ck_assert_int_eq(st.stack_size, n);
    hc_close(c);
    it_assert_alive(&L);
    it_daemon_stop(&L);
}
END_TEST

START_TEST(byte_budget)
{
    hc_client *c = it_connect(&D);
    ck_assert_int_eq(hc_heap_create(c, "bytes", NULL, 256 * 1024, 0, NULL), 0);
    hc_heap_stat st;
    ck_assert_int_eq(hc_heap_info(c, NULL, NULL, &st), 0);
    ck_assert_int_eq(st.max_bytes, 256 * 1024);
    uint64_t base = st.bytes;
    static uint8_t blob[300 * 1024];
    Heapd__Op op = HEAPD__OP__INIT;
    op.code = HEAPD__OP_CODE__PUSH_BYTES;
    op.b.data = blob;
    op.b.len = sizeof blob;
    int rc = hc_op_full(c, &op, NULL);
    it_assert_server_error(c, rc, HEAPD__ERROR_CODE__PYTHON_ERROR,
                           "MemoryError");
    /* 20 KiB at a time until the budget is reached. */
    op.b.len = 20 * 1024;
    int pushed = 0;
    while ((rc = hc_op_full(c, &op, NULL)) == 0)
        ck_assert_int_lt(++pushed, 100);
    it_assert_server_error(c, rc, HEAPD__ERROR_CODE__PYTHON_ERROR,
                           "MemoryError");
    ck_assert_int_ge(pushed, 5);
    ck_assert_int_eq(hc_heap_info(c, NULL, NULL, &st), 0);
    ck_assert_uint_le(st.bytes - base, 256 * 1024);
    it_op(c, HEAPD__OP_CODE__POP, 0, NULL);
    ck_assert_int_eq(hc_op_full(c, &op, NULL), 0);
    it_assert_alive(&D);
    hc_close(c);
}
END_TEST

/* ---- listening
 * ------------------------------------------------------------------------ */

START_TEST(non_loopback_needs_admin_token)
{
    char err[8192];
    char sock[] = "/tmp/heapd-it-nl-XXXXXX";
    int fd = mkstemp(sock);
    ck_assert_int_ge(fd, 0);
    close(fd);
    unlink(sock);
    char unixarg[64];
    snprintf(unixarg, sizeof unixarg, "unix:%s", sock);
    const char *argv1[] = {"--listen", unixarg, "--listen", "tcp:0.0.0.0:0",
                           NULL};
    int st = it_run_heapd(err, sizeof err, argv1, 20000);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) != 0,
                  "heapd exited 0x%x: %s", st, err);
    ck_assert_msg(strstr(err, "non-loopback") &&
                      strstr(err, "--admin-token-file"),
                  "unclear message: %s", err);
    struct stat sb;
    ck_assert_msg(lstat(sock, &sb) != 0, "heapd left %s behind", sock);

    const char *argv2[] = {"--listen", "tcp:[::]:0", NULL};
    st = it_run_heapd(err, sizeof err, argv2, 20000);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) != 0,
                  "heapd exited 0x%x: %s", st, err);
    ck_assert_msg(strstr(err, "non-loopback"), "unclear message: %s", err);

    /* Loopback needs no token. */
    ck_assert_str_ne(D.tcp, "");
    hc_client *c = it_connect_tcp(&D);
    ck_assert_int_eq(hc_ping(c), 0);
    hc_close(c);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("isolation");
    TCase *tc = tcase_create("isolation");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, no_token_no_access);
    tcase_add_test(tc, same_answer_for_missing_and_wrong);
    tcase_add_test(tc, access_does_not_survive_recreation);
    tcase_add_test(tc, heaps_do_not_share_objects);
    tcase_add_test(tc, object_budget);
    tcase_add_test(tc, byte_budget);
    tcase_add_test(tc, non_loopback_needs_admin_token);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return it_run_suite(suite());
}
