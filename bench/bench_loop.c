/* Benchmark of one closed-loop step (SPEC §5) on the paper preset: microseconds per pm_loop_step for each rule. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>

#include "primod/loop.h"
#include "primod/rng.h"

#include "bench_util.h"

enum { STEPS = 20000, REPS = 5, N_PATTERNS = 64, N_PRED = 144 };

/* Median over REPS of the mean time per step, rule r, learning on; sensor patterns precomputed so only the loop is
 * timed. Predictors look like SPEC §6's: a line about 4 sensors wide (0.231) drifting across each row. */
static int bench_rule(pm_loop_rule r, const double *pred, const double *err, double *us)
{
    pm_loop_config c;
    pm_loop_config_paper(&c);
    c.rule = r;
    pm_loop *l = NULL;
    if (pm_loop_create(&c, &l) != PM_OK)
        return 1;
    double t[REPS];
    for (int rep = 0; rep < REPS; rep++) {
        pm_loop_reset(l);
        pm_loop_output out;
        double t0 = pm_bench_now_us();
        for (int n = 0; n < STEPS; n++) {
            const int k = n % N_PATTERNS;
            pm_loop_input in = {.error = err[k], .predictors = pred + (size_t)k * N_PRED, .line_seen = 1};
            if (pm_loop_step(l, &in, &out) != PM_OK) {
                pm_loop_destroy(l);
                return 1;
            }
        }
        t[rep] = (pm_bench_now_us() - t0) / STEPS;
    }
    *us = pm_bench_median(t, REPS);
    pm_loop_destroy(l);
    return 0;
}

int main(void)
{
    static double pred[N_PATTERNS * N_PRED];   /* (N_PATTERNS, 144) */
    double err[N_PATTERNS];
    pm_rng rng;
    pm_rng_seed(&rng, 1);
    for (int k = 0; k < N_PATTERNS; k++) {
        err[k] = 0.2 * (pm_rng_uniform(&rng) - 0.5);
        for (int row = 0; row < 3; row++) {
            const int centre = (k + 3 * row) % 44 + 2;
            for (int i = 0; i < 48; i++)
                pred[k * N_PRED + row * 48 + i] = (i >= centre - 2 && i <= centre + 2) ? 0.231 : 0.0;
        }
    }
    printf("pm_loop_step, paper preset (144 predictors x 5 resonators -> 720 inputs, 10x10 hidden, 2 outputs)\n");
    const pm_loop_rule rules[] = {PM_LOOP_REFLEX, PM_LOOP_BP, PM_LOOP_PM, PM_LOOP_SR, PM_LOOP_SIGN};
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++) {
        double us;
        if (bench_rule(rules[i], pred, err, &us)) {
            fprintf(stderr, "bench_loop: rule %s failed\n", pm_loop_rule_name(rules[i]));
            return 1;
        }
        printf("  %-7s %8.3f us/step (median of %d x %d steps)\n", pm_loop_rule_name(rules[i]), us, REPS, STEPS);
    }
    return 0;
}
