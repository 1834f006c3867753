/*
 * bench.h: what the parts of heapbench share.  main.c reads the
 * subcommand, gc_bench.c compares full collections with CPython's,
 * demo.c narrates the talk's code on a heap, cpython.c finds and runs the
 * CPython that the numbers are compared with, rpc.c compares a heapd's
 * requests per second with redis's, isolation.c times one heap while
 * another collects, procs.c starts the daemons, wire.c speaks heapd's
 * protocol.  See docs/bench.md.
 */
#ifndef HEAPBENCH_H
#define HEAPBENCH_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "heap.h"

/* The CPython every comparison runs against, found through pyenv. */
#define BENCH_CPYTHON_VERSION "3.11.7"
/* The heap profile matching it. */
#define BENCH_HEAP_PROFILE "3.11"

int bench_gc_main(int argc, char **argv);
int bench_demo_main(int argc, char **argv);
int bench_rpc_main(int argc, char **argv);
int bench_isolation_main(int argc, char **argv);

/* Seconds on CLOCK_MONOTONIC, the clock CPython's time.perf_counter reads
 * on Linux. */
static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Writes the path of VERSION's python3 into path: `pyenv prefix VERSION`,
 * else $PYENV_ROOT/versions/VERSION, else ~/.pyenv/versions/VERSION; the
 * interpreter must report that exact version.  0, or -1 with a reason in
 * why (a sentence for the user). */
int cpython_find(const char *version, char *path, size_t cap, char *why,
                 size_t whycap);

/* Runs `python -I -c script args...` (args NULL-terminated) in a fresh
 * process with its stdout captured into out (NUL-terminated, truncated to
 * cap).  Returns the exit status, or -1 if it could not run or was
 * killed. */
int cpython_run(const char *python, const char *script, const char *const *args,
                char *out, size_t cap);

/* ---- processes (procs.c) ----------------------------------------------------
 */

/* Runs argv (argv[0] a path, NULL-terminated) with its stdout captured
 * into out (NUL-terminated, cut to cap).  Its exit status, or -1 if it
 * could not run or was killed. */
int bench_run_capture(const char *const *argv, char *out, size_t cap);

/* prog's path through $PATH (prog itself if it has a slash): 0, or -1. */
int bench_which(const char *prog, char *path, size_t cap);

/* A daemon heapbench started; bench_proc_stop ends it (SIGTERM, then
 * SIGKILL after 10 s) and reaps it. */
typedef struct bench_proc {
    pid_t pid;
    int log_fd; /* heapd's stderr, read by the drain thread */
    pthread_t drain;
    bool draining;
} bench_proc;

/* The heapd to start: given (a path or a name in $PATH), else the heapd
 * next to heapbench's own executable.  0, or -1. */
int bench_heapd_path(const char *given, char *path, size_t cap);

/* Starts `heapd --listen tcp:127.0.0.1:0 EXTRA...` and writes the address
 * it logs ("listening on tcp:127.0.0.1:PORT") into addr.  Its later
 * warnings and errors are copied to our stderr.  0, or -1 (said why). */
int bench_heapd_start(const char *heapd, const char *const *extra,
                      bench_proc *p, char *addr, size_t cap);

/* A loopback port nobody listens on right now, or -1. */
int bench_free_port(void);

/* Starts redis-server (a path) on a free loopback port with persistence
 * off, and waits until it answers PING.  0 and *port, or -1. */
int bench_redis_start(const char *server, bench_proc *p, int *port);

void bench_proc_stop(bench_proc *p);

/* ---- statistics (stats.c)
 * ---------------------------------------------------- */

void bench_sort(double *v, size_t n); /* ascending */
/* The median of n doubles (sorts v). */
double bench_median(double *v, int n);
/* The nearest-rank p-th percentile (0 < p <= 100) of n sorted values. */
double bench_percentile(const double *sorted, size_t n, double p);
/* "machine: N CPUs, load average L", and a warning from cmd if the
 * machine was busy before the run. */
void bench_print_machine(const char *cmd);

#endif
