/* Timing helpers shared by the benchmark programs (header only: each bench program is its own executable). */
#ifndef PRIMOD_BENCH_UTIL_H
#define PRIMOD_BENCH_UTIL_H

/* The including file defines _POSIX_C_SOURCE 200809L before any include (clock_gettime). */
#include <stdlib.h>
#include <time.h>

/* Wall-clock time in microseconds from an arbitrary origin (monotonic: differences only). */
static inline double pm_bench_now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec * 1e-3;
}

/* This process's CPU time in seconds: on a shared, loaded machine it is steadier than wall time. */
static inline double pm_bench_cpu_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static inline int pm_bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Sorts t (n >= 1 repetition times) in place and returns the median (the upper one of the middle pair when
 * n is even): robust to the odd slow repetition when other processes share the cores. */
static inline double pm_bench_median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof t[0], pm_bench_cmp_double);
    return t[n / 2];
}

#endif
