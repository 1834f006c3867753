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
    if (strcmp(cmd, "demo") == 0)
        return bench_demo_main(argc - 1, argv + 1);
    fprintf(stderr, "heapbench: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return 2;
}
