/* Timing helpers shared by the benchmark programs (header only: each bench program is its own executable). */
#ifndef PRIMOD_BENCH_UTIL_H
#define PRIMOD_BENCH_UTIL_H

/* The including file defines _POSIX_C_SOURCE 200809L before any include (clock_gettime). */
#include <stdlib.h>
#include <time.h>

#include "primod/loop.h"
#include "primod/sim.h"

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

/* The benchmarks' paper closed loop: the paper track at ppu 4, the paper sim, the paper loop with P&M at the authors'
 * rate 1e-5, the robot at the track's start pose. Returns 0, or 1 with nothing left allocated. */
static inline int pm_bench_paper_loop(pm_world **w, pm_sim **s, pm_loop **l)
{
    pm_sim_config sc;
    pm_sim_config_paper(&sc);
    pm_loop_config lc;
    pm_loop_config_paper(&lc);
    lc.rule = PM_LOOP_PM;
    lc.rate = 1e-5;
    *w = NULL, *s = NULL, *l = NULL;
    double x, y, h;
    if (pm_world_create_builtin("paper", 4.0, w) != PM_OK || pm_sim_create(&sc, *w, s) != PM_OK ||
        pm_loop_create(&lc, l) != PM_OK || pm_world_start_pose(*w, &x, &y, &h) != PM_OK ||
        pm_sim_set_pose(*s, x, y, h) != PM_OK) {
        pm_loop_destroy(*l);
        pm_sim_destroy(*s);
        pm_world_destroy(*w);
        return 1;
    }
    return 0;
}

/* One closed-loop step: sense (predictors into pred), pm_loop_step, move. Returns 0, or 1 if a step was refused. */
static inline int pm_bench_loop_step(pm_sim *s, pm_loop *l, double *pred, pm_loop_output *out)
{
    pm_sim_reading rd;
    pm_sim_sense(s, &rd, pred);
    pm_loop_input in = {.error = rd.error, .predictors = pred, .line_seen = rd.line_seen};
    return pm_loop_step(l, &in, out) != PM_OK || pm_sim_step(s, out->left, out->right) != PM_OK;
}

#endif
