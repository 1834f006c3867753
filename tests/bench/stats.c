/*
 * stats.c: the few statistics heapbench reports: medians of runs,
 * percentiles of latencies, and how busy the machine was.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void bench_sort(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
}

double bench_median(double *v, int n)
{
    bench_sort(v, (size_t)n);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double bench_percentile(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return 0;
    /* nearest rank: the smallest value with at least p% at or below it */
    size_t rank = (size_t)ceil(p / 100.0 * (double)n);
    return sorted[rank ? rank - 1 : 0];
}

void bench_print_machine(const char *cmd)
{
    double load = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &load) != 1)
            load = -1;
        fclose(f);
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    printf("machine: %ld CPUs, load average %.2f over the last minute\n", cpus,
           load);
    if (load > 0.5)
        printf(
            "%s: warning: the machine is busy; other work slows both sides and "
            "skews the comparison\n",
            cmd);
}
