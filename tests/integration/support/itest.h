/*
 * itest.h: what the integration tests share: a real heapd started on a
 * temporary Unix socket and an ephemeral TCP port (daemon.c), raw-socket
 * frame helpers for feeding the daemon bytes libheapclient would never
 * send (raw.c), short wrappers over libheapclient that assert as they
 * go (ops.c), and the heapctl binary run against the daemon (heapctl.c).
 *
 * Every helper that can fail asserts with Check, so a test reads as the
 * sequence of things it expects.  A daemon started here is killed when
 * the process that started it exits (PR_SET_PDEATHSIG and an atexit
 * handler), so a failed assertion never leaves one behind.
 */
#ifndef IT_ITEST_H
#define IT_ITEST_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "heapclient.h"
#include "heapd.pb-c.h"

/* ---- the daemon (daemon.c) ------------------------------------------------
 */

typedef struct it_daemon {
    pid_t pid;
    char dir[64];     /* temporary directory holding the socket and logs */
    char sock[100];   /* the Unix socket's path (fits sun_path) */
    char addr[110];   /* "unix:" + sock, for hc_connect */
    char tcp[64];     /* "tcp:127.0.0.1:PORT", or "" without a TCP listener */
    char errlog[128]; /* the daemon's stderr */
    int status;       /* waitpid status once it has exited */
    bool exited;
} it_daemon;

/* Starts heapd with --listen unix:DIR/heapd.sock --listen tcp:127.0.0.1:0
 * and the extra arguments (a NULL-terminated list), then waits until the
 * daemon logs its TCP port and answers on the Unix socket. */
void it_daemon_start(it_daemon *d, ...) __attribute__((sentinel));
/* The same without a TCP listener. */
void it_daemon_start_unix(it_daemon *d, ...) __attribute__((sentinel));
/* SIGTERM, then asserts that heapd exits 0 within timeout_ms and removed
 * its socket. */
void it_daemon_stop(it_daemon *d);
/* SIGKILL and reap: for daemons a test has given up on. */
void it_daemon_kill(it_daemon *d);
/* Waits for the daemon to exit (after a signal the test sent): true and
 * d->status set if it did within timeout_ms. */
bool it_daemon_wait(it_daemon *d, int timeout_ms);
/* Whether the daemon's stderr contains s (read now). */
bool it_daemon_log_has(const it_daemon *d, const char *s);
/* The daemon's resident set size in KiB (from /proc). */
long it_daemon_rss_kb(const it_daemon *d);

/* Runs heapd with exactly these arguments (NULL-terminated) and waits for
 * it to exit; returns its waitpid status and its stderr in err (cut). */
int it_run_heapd(char *err, size_t errcap, const char *const *argv,
                 int timeout_ms);

/* A fresh temporary directory (removed with everything in it after the
 * suite, see it_run_suite). */
void it_tmpdir(char *out, size_t cap);
/* A temporary path inside d->dir. */
void it_path(const it_daemon *d, const char *name, char *out, size_t cap);

/* ---- libheapclient wrappers (ops.c) ------------------------------------- */

/* Connects to the Unix socket (or tcp when use_tcp) and says hello. */
hc_client *it_connect(const it_daemon *d);
hc_client *it_connect_tcp(const it_daemon *d);
/* A fresh connection says hello and pings: the daemon still serves. */
void it_assert_alive(const it_daemon *d);

/* One op that must succeed. */
hc_op_result it_op(hc_client *c, int code, int64_t i, const char *s);
hc_op_result it_op_id(hc_client *c, int code, uint64_t obj);
/* One op that must fail with this wire error code (and py_type, if not
 * NULL); returns the message. */
const char *it_op_fails(hc_client *c, int code, int64_t i, const char *s,
                        int want_code, const char *want_py_type);
/* Asserts that the last call failed with HC_E_SERVER and these values. */
void it_assert_server_error(hc_client *c, int rc, int want_code,
                            const char *want_py_type);

/* Sends n ops pipelined (in batches) and checks each succeeded. */
void it_pipeline(hc_client *c, const Heapd__Op *ops, size_t n);
/* Pushes n distinct ints (base, base+1, ...) with one pipelined burst. */
void it_push_ints(hc_client *c, int64_t base, size_t n);

/* Heap helpers on the current heap. */
uint64_t it_refcount_of(hc_client *c, const char *global);
uint64_t it_id_of(hc_client *c, const char *global);
/* Makes k self-referencing lists ([1, 2, 3, 4] appended to itself, the
 * talk's ref_cycle) and drops them. */
void it_make_ref_cycles(hc_client *c, int k);
/* gc.collect(2) with no call due; returns its value. */
int64_t it_collect(hc_client *c);

/* A heap whose requests can be made slow on purpose, to hold a worker
 * thread: gc.get_referrers(*targets) compares every reference in the heap
 * with every target (as CPython does), so with a list of 2^20 references
 * ("wide") and n targets it costs 2^20 * n steps.  it_make_slow_heap
 * leaves ndups references to one int on the stack as targets and makes
 * nobjects more objects (to cross --offload-objects).  it_send_slow sends
 * GC_GET_REFERRERS n and a POP of its result without waiting; it_recv_slow
 * receives both.  it_calibrate_slow runs a small one and returns the n
 * that should take about target_ms, at most *budget (the targets left),
 * which it lowers by what it used. */
void it_make_slow_heap(hc_client *c, uint32_t ndups, uint32_t nobjects);
void it_send_slow(hc_client *c, uint32_t n);
void it_recv_slow(hc_client *c, int timeout_ms);
uint32_t it_calibrate_slow(hc_client *c, int target_ms, uint32_t *budget);

/* ---- the heapctl binary (heapctl.c) ------------------------------------ */

/* Runs `heapctl --server d->addr --no-spawn ARGS...` (args NULL-terminated)
 * with stdin from the file in (NULL: /dev/null) and its stderr in
 * d->dir/heapctl.err; returns its exit status (-1 if a signal ended it)
 * and its stdout in out, NUL-terminated and cut to cap. */
int it_heapctl(const it_daemon *d, const char *const *args, const char *in,
               char *out, size_t cap);

/* ---- raw sockets (raw.c) --------------------------------------------------
 */

enum { IT_RAW_OK = 0, IT_RAW_EOF = -1, IT_RAW_TIMEOUT = -2, IT_RAW_BAD = -3 };

int it_raw_connect(const it_daemon *d);
/* Writes all of p (blocking); false if the peer went away. */
bool it_raw_write(int fd, const void *p, size_t n);
/* Frames and writes one request. */
bool it_raw_send(int fd, const Heapd__Request *req);
/* Packs a request into a frame: malloc'd, *n its length. */
uint8_t *it_raw_frame(const Heapd__Request *req, size_t *n);
/* Reads one ServerMessage within timeout_ms: IT_RAW_OK and *out, or
 * EOF / TIMEOUT / BAD (a frame that does not decode). */
int it_raw_recv(int fd, int timeout_ms, Heapd__ServerMessage **out);
/* The next Response (events are skipped); NULL with *why set otherwise. */
Heapd__Response *it_raw_response(int fd, int timeout_ms, int *why);
/* Reads and discards until EOF: IT_RAW_EOF, or IT_RAW_TIMEOUT. */
int it_raw_wait_eof(int fd, int timeout_ms);
/* Sends a hello (protocol 1) and asserts it is accepted. */
void it_raw_hello(int fd);
/* Requests on the stack: fill and return req (its body points into
 * storage the caller passes). */
void it_req_ping(Heapd__Request *req, Heapd__Ping *ping, uint64_t id);
void it_req_hello(Heapd__Request *req, Heapd__Hello *h, uint64_t id,
                  uint32_t protocol, const char *admin);

/* ---- misc
 * -------------------------------------------------------------------- */

int64_t it_now_ms(void);
void it_sleep_ms(int ms);
/* Runs a suite (forking per test) and returns the process exit code. */
int it_run_suite(Suite *s);

#endif
