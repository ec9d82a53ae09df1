/* Benchmark of the paper filter bank alone (SPEC §4: 144 signals x 5 resonators) on recorded closed-loop inputs. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "../src/core/filter_internal.h"   /* pm_filter_commit_: the loop's preview + commit path */
#include "bench_util.h"
#include "primod/loop.h"
#include "primod/rng.h"
#include "primod/sim.h"

enum { N_SIG = 144, N_OUT = 720, N_REC = 512, SKIP = 2500, STEPS = 200000, REPS = 7 };

/* Records N_REC steps of predictor signals of the paper closed loop (P&M, rate 1e-5 as bench_count) after SKIP
 * steps from the start pose: the mix of white (exactly 0) and line-reading predictors the bank really sees. */
static int record_loop(double *rec)
{
    pm_world *w;
    pm_sim *s;
    pm_loop *l;
    if (pm_bench_paper_loop(&w, &s, &l))
        return 1;
    int failed = 0;
    double pred[N_SIG];
    for (int n = 0; n < SKIP + N_REC && !failed; n++) {
        pm_loop_output out;
        failed = pm_bench_loop_step(s, l, pred, &out);
        if (n >= SKIP)
            memcpy(rec + (size_t)(n - SKIP) * N_SIG, pred, sizeof pred);
    }
    pm_loop_destroy(l);
    pm_sim_destroy(s);
    pm_world_destroy(w);
    return failed;
}

/* One bank step as the loop does it (staged = 1: preview into the bank's own staging buffer, committed by a
 * pointer rotation) or through the public pm_filter_step (copy into out). Returns the outputs, NULL on error. */
static const double *bank_step(pm_filter *f, const double *x, double *out, int staged)
{
    if (!staged)
        return pm_filter_step(f, x, out) == PM_OK ? out : NULL;
    double *st = pm_filter_stage_(f);
    if (pm_filter_preview(f, x, st) != PM_OK)
        return NULL;
    pm_filter_commit_(f, st);
    return st;   /* still the outputs: now the bank's newest state */
}

/* Median (*us) and fastest (*best) over REPS of the ns per bank step on the recorded inputs, cycled. */
static int bench(pm_filter *f, const double *rec, int staged, double *med, double *best)
{
    static double out[N_OUT];
    double t[REPS];
    for (int rep = 0; rep < REPS; rep++) {
        pm_filter_reset(f);
        const double t0 = pm_bench_cpu_seconds();
        for (long n = 0; n < STEPS; n++)
            if (!bank_step(f, rec + (size_t)(n % N_REC) * N_SIG, out, staged))
                return 1;
        t[rep] = 1e9 * (pm_bench_cpu_seconds() - t0) / STEPS;
    }
    *med = pm_bench_median(t, REPS);
    *best = t[0];
    return 0;
}

/* Usage: bench_filter                    times the bank on three input sets;
 *        bench_filter count N [SET]      N staged steps on the recorded closed-loop inputs (SET "loop", the default),
 *                                        "dense" (no input 0) or "zero" (all 0), no timing: for callgrind, as
 *                                        bench/count.sh (the difference of two counts over the difference of N);
 *                                        prints a checksum of the outputs (one per step, all of the last step), the
 *                                        same bits on every code path. */
int main(int argc, char **argv)
{
    static double rec[N_REC * N_SIG], dense[N_REC * N_SIG], zero[N_REC * N_SIG];
    if (record_loop(rec))
        return 1;
    pm_rng rng;
    pm_rng_seed(&rng, 5);
    for (int i = 0; i < N_REC * N_SIG; i++)
        dense[i] = 0.05 + 0.2 * pm_rng_uniform(&rng);
    pm_filter_config c = {.n_signals = N_SIG};   /* paper bank: 5 resonators, T 3..10, q 0.51 */
    pm_filter *f = NULL;
    if (pm_filter_create(&c, &f) != PM_OK)
        return 1;
    if ((argc == 3 || argc == 4) && strcmp(argv[1], "count") == 0) {
        const long steps = atol(argv[2]);
        const char *set = argc == 4 ? argv[3] : "loop";
        const double *in = strcmp(set, "dense") == 0 ? dense : strcmp(set, "zero") == 0 ? zero : rec;
        double check = 0;
        const double *y = NULL;
        for (long n = 0; n < steps; n++) {
            if (!(y = bank_step(f, in + (size_t)(n % N_REC) * N_SIG, NULL, 1)))
                return 1;
            check += y[(n * 7) % N_OUT];
        }
        for (int i = 0; y && i < N_OUT; i++)
            check += y[i];
        printf("%.17g\n", check);
        pm_filter_destroy(f);
        return 0;
    }
    long zeros = 0;
    for (int i = 0; i < N_REC * N_SIG; i++)
        zeros += rec[i] == 0.0;
    printf("filter bank 144 x 5 (720 outputs), %d steps, ns per step: median of %d (fastest)\n", STEPS, REPS);
    const struct {
        const char *name;
        const double *x;
    } sets[] = {{"closed loop", rec}, {"all nonzero", dense}, {"all zero", zero}};
    for (int i = 0; i < 3; i++) {
        double m1, b1, m2, b2;
        if (bench(f, sets[i].x, 1, &m1, &b1) || bench(f, sets[i].x, 0, &m2, &b2))
            return 1;
        printf("  %-12s preview+commit %7.1f (%.1f)   pm_filter_step %7.1f (%.1f)\n", sets[i].name, m1, b1, m2, b2);
    }
    printf("  (closed-loop inputs: %.1f %% exactly 0)\n", 100.0 * (double)zeros / (N_REC * N_SIG));
    pm_filter_destroy(f);
    return 0;
}
