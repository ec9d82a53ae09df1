/* Benchmark of the simulation's hot path: microseconds per pm_sim_sense + pm_sim_step on the paper track. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>

#include "primod/sim.h"

#include "bench_util.h"

/* Times in CPU seconds (pm_bench_cpu_seconds): on a shared, loaded machine steadier than wall time. */
int main(void)
{
    double t0 = pm_bench_cpu_seconds();
    pm_world *w = NULL;
    if (pm_world_create_builtin("paper", 4.0, &w) != PM_OK)
        return 1;
    double t1 = pm_bench_cpu_seconds();
    pm_sim_config c;
    pm_sim_config_paper(&c);
    c.wheel_noise = 0.05;  /* the noisy path costs two Gaussian draws per step */
    pm_sim *s = NULL;
    if (pm_sim_create(&c, w, &s) != PM_OK)
        return 1;
    double t2 = pm_bench_cpu_seconds();
    printf("(CPU time) paper track: draw %.1f ms, sim create (two blurs of 1000 x 1000) %.1f ms\n", 1e3 * (t1 - t0),
           1e3 * (t2 - t1));
    double pred[144], sink = 0.0;
    const int n = 1000000;
    for (int rep = 0; rep < 3; rep++) {
        double a = pm_bench_cpu_seconds();
        for (int i = 0; i < n; i++) {
            pm_sim_reading r;
            pm_sim_sense(s, &r, pred);
            sink += pred[70];
            pm_sim_step(s, 30.0 + r.error, 30.0 - r.error);
        }
        double b = pm_bench_cpu_seconds();
        printf("sense+step: %.3f us/step (%.0f steps/s)\n", 1e6 * (b - a) / n, n / (b - a));
    }
    double a = pm_bench_cpu_seconds();
    for (int i = 0; i < n; i++)
        pm_sim_step(s, 30.0, 29.0);
    printf("step alone: %.3f us\n", 1e6 * (pm_bench_cpu_seconds() - a) / n);
    printf("(checksum %g)\n", sink);
    pm_sim_destroy(s);
    pm_world_destroy(w);
    return 0;
}
