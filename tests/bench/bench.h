/*
 * bench.h: what the parts of heapbench share.  main.c reads the
 * subcommand, gc_bench.c compares full collections with CPython's,
 * demo.c narrates the talk's code on a heap, cpython.c finds and runs the
 * CPython that the numbers are compared with.  See docs/bench.md.
 */
#ifndef HEAPBENCH_H
#define HEAPBENCH_H

#include <stddef.h>
#include <time.h>

#include "heap.h"

/* The CPython every comparison runs against, found through pyenv. */
#define BENCH_CPYTHON_VERSION "3.11.7"
/* The heap profile matching it. */
#define BENCH_HEAP_PROFILE "3.11"

int bench_gc_main(int argc, char **argv);
int bench_demo_main(int argc, char **argv);

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

#endif
