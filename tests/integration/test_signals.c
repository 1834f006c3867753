/*
 * test_signals.c: heapd and its signals.  SIGTERM (and SIGINT) stop it
 * gracefully: replies to requests it is working on are delivered, it exits
 * 0 and removes its socket.  SIGHUP reopens --log-file, for log rotation.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "itest.h"

static bool file_has(const char *path, const char *s)
{
    static char buf[1 << 20];
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return strstr(buf, s) != NULL;
}

static bool wait_file_has(const char *path, const char *s, int timeout_ms)
{
    int64_t deadline = it_now_ms() + timeout_ms;
    while (!file_has(path, s)) {
        if (it_now_ms() > deadline)
            return false;
        it_sleep_ms(5);
    }
    return true;
}

static void assert_exit_0_socket_gone(it_daemon *d)
{
    ck_assert_msg(it_daemon_wait(d, 30000), "heapd did not exit after SIGTERM");
    ck_assert_msg(WIFEXITED(d->status) && WEXITSTATUS(d->status) == 0,
                  "heapd ended with status 0x%x", d->status);
    struct stat st;
    ck_assert_msg(lstat(d->sock, &st) != 0 && errno == ENOENT,
                  "socket %s left behind", d->sock);
    it_daemon_kill(
        d); /* reaped already: forgets it and removes its directory */
}

/* A pipelined burst is cut by SIGTERM: whatever replies arrive are the
 * replies to the first requests, in order, whole, then the connection
 * ends; heapd exits 0 and removes its socket. */
START_TEST(sigterm_during_pipeline)
{
    enum { N = 3000 };
    it_daemon d;
    it_daemon_start(&d, NULL);
    int fd = it_raw_connect(&d);
    it_raw_hello(fd);
    size_t len = 0, cap = (size_t)N * 16;
    uint8_t *buf = malloc(cap);
    for (uint64_t i = 0; i < N; i++) {
        Heapd__Request req;
        Heapd__Ping ping;
        it_req_ping(&req, &ping, 100 + i);
        size_t n;
        uint8_t *f = it_raw_frame(&req, &n);
        memcpy(buf + len, f, n);
        len += n;
        free(f);
    }
    ck_assert(it_raw_write(fd, buf, len));
    /* The first reply shows the daemon is at work on the burst. */
    int why;
    Heapd__Response *r = it_raw_response(fd, 10000, &why);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->id, 100);
    heapd__response__free_unpacked(r, NULL);
    ck_assert_int_eq(kill(d.pid, SIGTERM), 0);
    uint64_t want = 101;
    for (;;) {
        r = it_raw_response(fd, 20000, &why);
        if (!r)
            break;
        ck_assert_msg(r->id == want || r->error,
                      "reply %llu where %llu was due",
                      (unsigned long long)r->id, (unsigned long long)want);
        if (r->error) /* shutting down: said so, not silence */
            ck_assert_int_eq(r->error->code, HEAPD__ERROR_CODE__UNAVAILABLE);
        else
            want++;
        heapd__response__free_unpacked(r, NULL);
    }
    ck_assert_msg(why == IT_RAW_EOF, "the connection did not end cleanly (%d)",
                  why);
    ck_assert_uint_le(want, 100 + N);
    free(buf);
    close(fd);
    assert_exit_0_socket_gone(&d);
}
END_TEST

/* A request running on a worker thread when SIGTERM arrives still gets
 * its reply before heapd exits. */
START_TEST(sigterm_with_job_in_flight)
{
    it_daemon d;
    it_daemon_start(&d, "--offload-objects", "1000", NULL);
    hc_client *c = it_connect(&d);
    hc_heap_created hc;
    ck_assert_int_eq(hc_heap_create(c, "big", NULL, 0, 0, &hc), 0);
    uint32_t budget = 4000;
    it_make_slow_heap(c, budget, 1500);
    uint32_t n = it_calibrate_slow(c, 1000, &budget);

    Heapd__Op op = HEAPD__OP__INIT;
    op.code = HEAPD__OP_CODE__GC_GET_REFERRERS;
    op.i = n;
    Heapd__Request req = HEAPD__REQUEST__INIT;
    req.body_case = HEAPD__REQUEST__BODY_OP;
    req.op = &op;
    ck_assert_int_eq(hc_send(c, &req), 0);
    int frc = hc_flush(c, 100);
    ck_assert(frc == 0 || frc == HC_E_TIMEOUT);
    hc_client *probe = it_connect(&d);
    hc_heap_stat st;
    bool busy = false;
    for (int i = 0; i < 500 && !busy; i++) {
        ck_assert_int_eq(hc_heap_info(probe, "big", hc.token, &st), 0);
        busy = st.busy;
        if (!busy)
            it_sleep_ms(2);
    }
    ck_assert_msg(busy, "the heap never showed busy");
    hc_close(probe);
    ck_assert_int_eq(kill(d.pid, SIGTERM), 0);
    Heapd__Response *resp = NULL;
    int rc = hc_recv(c, &resp, 30000);
    ck_assert_msg(rc == 0,
                  "the request in flight at SIGTERM got no reply: %s (%s)",
                  hc_code_name(rc), hc_last_error(c)->message);
    ck_assert_int_eq(resp->result_case, HEAPD__RESPONSE__RESULT_OP);
    ck_assert_str_eq(resp->op->top_type, "list");
    hc_free(resp);
    hc_close(c);
    assert_exit_0_socket_gone(&d);
}
END_TEST

/* SIGINT is as graceful, and new connections during the stop are not
 * served. */
START_TEST(sigint_and_idle_clients)
{
    it_daemon d;
    it_daemon_start(&d, NULL);
    hc_client *idle[5];
    for (int i = 0; i < 5; i++) {
        idle[i] = it_connect(&d);
        ck_assert_int_eq(hc_heap_create(idle[i], NULL, NULL, 0, 0, NULL), 0);
    }
    ck_assert_int_eq(kill(d.pid, SIGINT), 0);
    assert_exit_0_socket_gone(&d);
    for (int i = 0; i < 5; i++) {
        int rc = hc_ping(idle[i]);
        ck_assert_msg(rc == HC_E_CLOSED || rc == HC_E_SERVER,
                      "ping after stop: %s", hc_code_name(rc));
        hc_close(idle[i]);
    }
}
END_TEST

START_TEST(sighup_reopens_log)
{
    it_daemon d;
    char log[200], rotated[200];
    /* The daemon's directory does not exist before it starts: use a
     * directory of our own for the log. */
    char dir[64];
    it_tmpdir(dir, sizeof dir);
    snprintf(log, sizeof log, "%s/heapd.log", dir);
    snprintf(rotated, sizeof rotated, "%s/heapd.log.1", dir);
    it_daemon_start_unix(&d, "--log-file", log, NULL);
    ck_assert_msg(wait_file_has(log, "ready", 10000), "no 'ready' in %s", log);
    ck_assert(file_has(log, "listening on unix:"));

    ck_assert_int_eq(rename(log, rotated), 0);
    ck_assert_int_eq(kill(d.pid, SIGHUP), 0);
    ck_assert_msg(wait_file_has(log, "log reopened", 10000),
                  "no new %s after SIGHUP", log);
    /* New lines go to the new file, none to the old one. */
    hc_client *c = it_connect(&d);
    ck_assert_int_eq(hc_heap_create(c, "rotated-heap", NULL, 0, 0, NULL), 0);
    ck_assert_msg(wait_file_has(log, "rotated-heap", 10000),
                  "heap creation not logged");
    ck_assert(!file_has(rotated, "rotated-heap"));
    ck_assert(!file_has(rotated, "log reopened"));
    hc_close(c);
    /* Twice more, without renaming: the same file goes on. */
    ck_assert_int_eq(kill(d.pid, SIGHUP), 0);
    ck_assert_int_eq(kill(d.pid, SIGHUP), 0);
    it_sleep_ms(100);
    it_assert_alive(&d);
    it_daemon_stop(&d);
    ck_assert(file_has(log, "rotated-heap"));
    ck_assert(file_has(log, "stopped"));
    unlink(log);
    unlink(rotated);
    rmdir(dir);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("signals");
    TCase *tc = tcase_create("signals");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, sigterm_during_pipeline);
    tcase_add_test(tc, sigterm_with_job_in_flight);
    tcase_add_test(tc, sigint_and_idle_clients);
    tcase_add_test(tc, sighup_reopens_log);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return it_run_suite(suite());
}
