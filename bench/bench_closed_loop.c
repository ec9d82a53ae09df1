/* Benchmark of the whole closed-loop step on the paper preset (SPEC §5, §6): sense, pm_loop_step, move; steps/s. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>

#include "bench_util.h"
#include "primod/loop.h"
#include "primod/sim.h"

enum { STEPS = 20000, REPS = 5 };

/* Median (*us) and fastest (*best) over REPS of the µs per closed-loop step of rule r from the start pose. Each
 * repetition restarts robot and loop, so all of them time the same steps: the first laps, where the robot learns. */
static int bench_rule(const pm_world *w, pm_loop_rule r, double rate, double *us, double *best)
{
    pm_sim_config sc;
    pm_sim_config_paper(&sc);
    pm_sim *s = NULL;
    pm_loop_config lc;
    pm_loop_config_paper(&lc);
    lc.rule = r;
    lc.rate = rate;
    pm_loop *l = NULL;
    if (pm_sim_create(&sc, w, &s) != PM_OK || pm_loop_create(&lc, &l) != PM_OK) {
        pm_sim_destroy(s);
        return 1;
    }
    double x, y, h, t[REPS];
    pm_world_start_pose(w, &x, &y, &h);
    int failed = 0;
    for (int rep = 0; rep < REPS && !failed; rep++) {
        pm_sim_set_pose(s, x, y, h);
        pm_loop_reset(l);
        double pred[144];
        const double t0 = pm_bench_cpu_seconds();
        for (int n = 0; n < STEPS && !failed; n++) {
            pm_sim_reading rd;
            pm_loop_output out;
            pm_sim_sense(s, &rd, pred);
            pm_loop_input in = {.error = rd.error, .predictors = pred, .line_seen = rd.line_seen};
            failed = pm_loop_step(l, &in, &out) != PM_OK || pm_sim_step(s, out.left, out.right) != PM_OK;
        }
        t[rep] = 1e6 * (pm_bench_cpu_seconds() - t0) / STEPS;
    }
    *us = pm_bench_median(t, REPS); /* sorts t: t[0] is the fastest repetition */
    *best = t[0];
    pm_loop_destroy(l);
    pm_sim_destroy(s);
    return failed;
}

int main(void)
{
    pm_world *w = NULL;
    if (pm_world_create_builtin("paper", 4.0, &w) != PM_OK)
        return 1;
    printf("closed loop (pm_sim_sense + pm_loop_step + pm_sim_step), paper preset, %d steps from the start pose\n",
           STEPS);
    const pm_loop_rule rules[] = {PM_LOOP_REFLEX, PM_LOOP_BP, PM_LOOP_PM};
    const double rates[] = {0.0, 0.1, 1e-5};   /* SPEC §6: the authors' rates */
    for (int i = 0; i < 3; i++) {
        double us, best;
        if (bench_rule(w, rules[i], rates[i], &us, &best)) {
            fprintf(stderr, "bench_closed_loop: rule %s failed\n", pm_loop_rule_name(rules[i]));
            pm_world_destroy(w);
            return 1;
        }
        printf("  %-7s %8.3f us/step  %9.0f steps/s (CPU time, median of %d; fastest %.3f us)\n",
               pm_loop_rule_name(rules[i]), us, 1e6 / us, REPS, best);
    }
    pm_world_destroy(w);
    return 0;
}
