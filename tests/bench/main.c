/*
 * main.c: heapbench's command line: which subcommand runs, and --help.
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: heapbench gc [--objects N] [--runs R] [--python PATH] "
        "[--heap-only]\n"
        "       heapbench rpc [--server ADDR] [--clients C] [--requests N] "
        "[--pipeline P]\n"
        "                     [--runs R] [--op bind|inspect|ping] [--batch] "
        "[--heapd PATH]\n"
        "                     [--no-redis]\n"
        "       heapbench isolation [--server ADDR] [--objects N] "
        "[--collections K]\n"
        "                           [--samples S] [--heapd PATH]\n"
        "       heapbench demo\n"
        "       heapbench --help\n"
        "\n"
        "gc    One full collection (gc.collect(2)) of N one-slot lists in "
        "rings\n"
        "      of 100, timed once with everything reachable (live) and once\n"
        "      after the roots are dropped (garbage), on a heap (profile %s)\n"
        "      and in CPython %s found through pyenv, on the same graph.\n"
        "      Prints each run, the medians, the memory each side grew by\n"
        "      while building, then as the last line:\n"
        "        gc objects=N live_ratio=heapd/cpython garbage_ratio=...\n"
        "      Ratios below 1 mean the heap is faster.  Defaults: N=1000000\n"
        "      (a multiple of 100), R=5.  --python PATH uses that interpreter\n"
        "      instead of pyenv's %s; --heap-only runs no CPython (for\n"
        "      profiling the engine; no ratios).  Exit status 1 if CPython is\n"
        "      missing or a collection does not return what it must.\n"
        "rpc   Requests per second over loopback: C connections (50), each "
        "with\n"
        "      its own heap, each keeping P requests in flight (1; --batch: P\n"
        "      sent, then all P replies awaited, as redis-benchmark does), N "
        "in\n"
        "      all (1000000), against ADDR (tcp:HOST:PORT or unix:PATH) or a "
        "heapd\n"
        "      it starts on tcp:127.0.0.1:0.  One op is one request: --op "
        "bind\n"
        "      (default) alternates PUSH_INT k and STORE_GLOBAL \"x\", inspect "
        "reads\n"
        "      x (Inspect by name), ping does no heap work.  If redis-server "
        "and\n"
        "      redis-benchmark are installed, a redis on a free loopback port "
        "gets\n"
        "      `redis-benchmark -t set -c C -P P -n N`.  R runs (3) each, "
        "medians,\n"
        "      then as the last line:\n"
        "        rpc clients=C pipeline=P heapd_ops=.. redis_ops=.. "
        "ratio=heapd/redis\n"
        "      Ratios above 1 mean heapd serves more requests per second.\n"
        "isolation\n"
        "      Heap A gets N objects (5000000), then collects fully "
        "(GC_COLLECT 2)\n"
        "      in a loop, at least K times (5), while another connection "
        "times\n"
        "      single operations on heap B, at least S of them (2000).  Last "
        "line:\n"
        "        isolation p50_ms=.. p99_ms=.. max_ms=.. big_collection_ms=..\n"
        "demo  The talk's examples on a heap, each next to what CPython "
        "prints.\n"
        "\n"
        "See docs/bench.md.\n",
        BENCH_HEAP_PROFILE, BENCH_CPYTHON_VERSION, BENCH_CPYTHON_VERSION);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
        strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "gc") == 0)
        return bench_gc_main(argc - 1, argv + 1);
    if (strcmp(cmd, "rpc") == 0)
        return bench_rpc_main(argc - 1, argv + 1);
    if (strcmp(cmd, "isolation") == 0)
        return bench_isolation_main(argc - 1, argv + 1);
    if (strcmp(cmd, "demo") == 0)
        return bench_demo_main(argc - 1, argv + 1);
    fprintf(stderr, "heapbench: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return 2;
}
