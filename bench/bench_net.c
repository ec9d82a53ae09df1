/* Benchmark of the network hot path: microseconds per learn + forward step (pm_net_learn_forward, as the closed loop
 * calls it) and per forward pass, BP and P&M. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "primod/net.h"
#include "primod/rng.h"

enum { STEPS = 20000, REPS = 7, N_PATTERNS = 64 };

typedef struct {
    const char *name;
    int n_inputs, n_layers;
    const int *sizes;
} shape;

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec * 1e-3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Realistic inputs like the line follower's filtered predictors: ~70 % exact zeros, the rest in (0, 0.25]. */
static void make_inputs(double *x, int n, pm_rng *rng)
{
    for (int i = 0; i < n; i++)
        x[i] = pm_rng_uniform(rng) < 0.7 ? 0.0 : 0.25 * (1.0 - pm_rng_uniform(rng));
}

/* Median over REPS of the µs per step (*best: the fastest repetition, the figure least disturbed by other
 * processes on a shared machine); learn_too selects learn + forward (else forward only). */
static double time_steps(pm_net *net, const double *inputs, int n_in, int learn_too, pm_rule rule, double rate,
                         double *best)
{
    double per[REPS];
    double sink = 0;
    for (int r = 0; r < REPS; r++) {
        pm_net_reset(net);
        pm_net_forward(net, inputs);
        double t0 = now_us();
        for (int s = 0; s < STEPS; s++) {
            const double *x = inputs + (size_t)(s % N_PATTERNS) * (size_t)n_in;
            if (learn_too) /* the closed loop's call (pm_loop_step); alternate the error sign so the weights stay in
                            * a realistic range */
                pm_net_learn_forward(net, rule, (s & 1) ? 0.3 : -0.25, rate, 1.5, x);
            else
                pm_net_forward(net, x);
        }
        per[r] = (now_us() - t0) / STEPS;
        sink += pm_net_outputs(net)[0];
    }
    qsort(per, REPS, sizeof per[0], cmp_double);
    if (sink != sink)
        printf("(non-finite output)\n");
    *best = per[0];
    return per[REPS / 2];
}

int main(void)
{
    static const int small_sizes[] = {8, 1};
    static const int paper_sizes[] = {10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 2};
    static const int large_sizes[] = {64, 64, 64, 64, 64, 4};
    const shape shapes[] = {
        {"small 10-8-1", 10, 2, small_sizes},
        {"paper 720-10x10-2", 720, 11, paper_sizes},
        {"large 2000-5x64-4", 2000, 6, large_sizes},
    };
    printf("inputs: ~70%% exact zeros, the rest in (0, 0.25]; %d steps x %d repetitions; median (best) us\n", STEPS,
           REPS);
    printf("%-20s %9s %5s %20s %10s %20s\n", "network", "weights", "rule", "learn+fwd us", "steps/s", "fwd-only us");
    for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
        const shape *sh = &shapes[k];
        pm_net_config cfg = {.n_inputs = sh->n_inputs, .n_layers = sh->n_layers, .layer_sizes = sh->sizes,
                             .seed = 1};
        pm_net *net;
        if (pm_net_create(&cfg, &net) != PM_OK)
            return 1;
        double *inputs = malloc(sizeof(double) * (size_t)sh->n_inputs * N_PATTERNS);
        if (inputs == NULL)
            return 1;
        pm_rng rng;
        pm_rng_seed(&rng, 7);
        make_inputs(inputs, sh->n_inputs * N_PATTERNS, &rng);
        double fwd_best, best;
        double fwd = time_steps(net, inputs, sh->n_inputs, 0, PM_RULE_BACKPROP, 0, &fwd_best);
        const pm_rule rules[2] = {PM_RULE_BACKPROP, PM_RULE_PRIME_MODULATE};
        const double rates[2] = {0.1, 1e-5};
        for (int r = 0; r < 2; r++) {
            double us = time_steps(net, inputs, sh->n_inputs, 1, rules[r], rates[r], &best);
            printf("%-20s %9ld %5s %10.3f (%7.3f) %10.0f %10.3f (%7.3f)\n", sh->name, pm_net_n_weights(net),
                   r ? "P&M" : "BP", us, best, 1e6 / us, fwd, fwd_best);
        }
        if (sh->n_inputs == 720) { /* the paper net's fixed cost: every input exactly 0 (nothing to gather) */
            double *zeros = calloc((size_t)sh->n_inputs * N_PATTERNS, sizeof(double));
            if (zeros == NULL)
                return 1;
            double us = time_steps(net, zeros, sh->n_inputs, 1, PM_RULE_PRIME_MODULATE, 1e-5, &best);
            fwd = time_steps(net, zeros, sh->n_inputs, 0, PM_RULE_BACKPROP, 0, &fwd_best);
            printf("%-20s %9ld %5s %10.3f (%7.3f) %10.0f %10.3f (%7.3f)\n", "paper, zero inputs", pm_net_n_weights(net),
                   "P&M", us, best, 1e6 / us, fwd, fwd_best);
            free(zeros);
        }
        free(inputs);
        pm_net_destroy(net);
    }
    return 0;
}
