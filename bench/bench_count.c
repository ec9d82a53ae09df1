/* Fixed-work driver for instruction counts (valgrind --tool=callgrind): runs N steps of one hot path, no timing. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "primod/loop.h"
#include "primod/net.h"
#include "primod/rng.h"
#include "primod/sim.h"

/* Usage: bench_count loop|net|netzero STEPS. Instructions per step = the difference of two counts (e.g. STEPS 2000
 * and 12000) divided by the difference of the steps, so set-up costs (the world, the net) cancel:
 *   valgrind --tool=callgrind --callgrind-out-file=/dev/null build/bench_count loop 2000   (and 12000)
 * loop: the closed loop (pm_sim_sense + pm_loop_step + pm_sim_step), paper preset, P&M, from the start pose;
 * net: learn (P&M, rate 1e-5) + forward (pm_net_learn_forward) of the paper net on bench_net's inputs (~70 %
 * zeros); netzero: the same with all-zero inputs. Prints a checksum of the final state (the same bits before and
 * after an optimisation). */
int main(int argc, char **argv)
{
    if (argc != 3)
        return 2;
    const long steps = atol(argv[2]);
    double check = 0;
    if (strcmp(argv[1], "loop") == 0) {
        pm_world *w;
        pm_sim *s;
        pm_loop *l;
        if (pm_bench_paper_loop(&w, &s, &l))
            return 1;
        double pred[144];
        for (long n = 0; n < steps; n++) {
            pm_loop_output out;
            if (pm_bench_loop_step(s, l, pred, &out))
                return 1;
            check += out.left - out.right;
        }
        pm_loop_destroy(l);
        pm_sim_destroy(s);
        pm_world_destroy(w);
    } else {
        const int zero = strcmp(argv[1], "netzero") == 0;
        pm_net_config cfg = {.n_layers = 0, .seed = 1}; /* paper shape */
        pm_net *net;
        if (pm_net_create(&cfg, &net) != PM_OK)
            return 1;
        enum { N_PATTERNS = 64, N_IN = 720 };
        static double inputs[N_PATTERNS * N_IN];
        pm_rng rng;
        pm_rng_seed(&rng, 7);
        for (int i = 0; i < N_PATTERNS * N_IN && !zero; i++)
            inputs[i] = pm_rng_uniform(&rng) < 0.7 ? 0.0 : 0.25 * (1.0 - pm_rng_uniform(&rng));
        pm_net_forward(net, inputs);
        for (long s = 0; s < steps; s++) /* learn + forward as the closed loop calls them (the same bits as the two
                                          * calls pm_net_learn, pm_net_forward) */
            pm_net_learn_forward(net, PM_RULE_PRIME_MODULATE, (s & 1) ? 0.3 : -0.25, 1e-5, 1.5,
                                 inputs + (size_t)(s % N_PATTERNS) * N_IN);
        check = pm_net_outputs(net)[0] + pm_net_weight_distance(net, -1);
        pm_net_destroy(net);
    }
    printf("%.17g\n", check);
    return 0;
}
