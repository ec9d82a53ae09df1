/* Research harness for the noisy benchmark (SPEC §9): runs rule x rate x track x seed like `primod run` and prints
 * one line per run with success, success step, error integral and the controller quality (saturation, chatter,
 * max |w|). Library rules only (any pm_loop_rule name), so variants not yet in the CLI can be measured.
 *
 * usage: study_noisy RULE RATE TRACK SEED_FROM SEED_TO [speed=60] [noise=0.05] [hold=2000] [cap=30000]
 * output: rule rate track seed success success_step error_integral lost diverged steps chatter saturation maxw
 *         chatter_E chatter_net (the same tail measure on E(n) alone and on the network term s(n) - E(n)) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "primod/loop.h"
#include "primod/quality.h"
#include "primod/sim.h"

#define SIM_SEED_XOR 0x9E3779B97F4A7C15ULL   /* as the CLI runner: wheel noise from seed ^ this, the net from seed */

static int run_one(const pm_world *w, pm_loop_rule rule, double rate, unsigned long long seed, double speed,
                   double noise, int hold, long cap, const char *track)
{
    pm_sim_config sc;
    pm_sim_config_paper(&sc);
    sc.wheel_noise = noise;
    sc.seed = seed ^ SIM_SEED_XOR;
    pm_loop_config lc;
    pm_loop_config_paper(&lc);
    lc.rule = rule;
    lc.rate = rate;
    lc.speed = speed;
    lc.net.seed = seed;
    lc.success.hold = hold;
    lc.lost_steps = 100;
    pm_quality_config qc = pm_quality_config_default();
    qc.hold = hold;
    qc.warmup = lc.success.warmup;
    pm_sim *s = NULL;
    pm_loop *l = NULL;
    pm_quality *q = NULL, *qe = NULL, *qn = NULL;
    if (pm_sim_create(&sc, w, &s) || pm_loop_create(&lc, &l) || pm_quality_create(&qc, &q) ||
        pm_quality_create(&qc, &qe) || pm_quality_create(&qc, &qn)) {
        fprintf(stderr, "study_noisy: cannot create the run\n");
        pm_sim_destroy(s);
        pm_loop_destroy(l);
        pm_quality_destroy(q);
        pm_quality_destroy(qe);
        return 1;
    }
    double pred[144];
    int success = 0, lost = 0, diverged = 0;
    long n = 0;
    while (n < cap) {
        pm_sim_reading rd;
        pm_loop_output out;
        pm_sim_sense(s, &rd, pred);
        pm_loop_input in = {.error = rd.error, .predictors = pred, .line_seen = rd.line_seen};
        if (pm_loop_step(l, &in, &out) || pm_sim_step(s, out.left, out.right)) {
            diverged = 1;
            break;
        }
        pm_quality_push(q, out.steering, out.outputs, pm_loop_n_outputs(l));
        pm_quality_push(qe, rd.error, NULL, 0);
        pm_quality_push(qn, out.steering - rd.error, NULL, 0);
        n++;
        success = out.success;
        lost = out.lost;
        if (success || lost)
            break;
    }
    pm_quality_result qr, qer, qnr;
    pm_quality_get(q, &qr);
    pm_quality_get(qe, &qer);
    pm_quality_get(qn, &qnr);
    const pm_net *net = pm_loop_net(l);
    printf("%s %g %s %llu %d %ld %.6g %d %d %ld %.4f %.4f %.4g %.4f %.4f\n", pm_loop_rule_name(rule), rate, track,
           seed, success, pm_loop_success_step(l), pm_loop_error_integral(l), lost, diverged, n, qr.chatter,
           qr.saturation, net ? pm_net_max_abs_weight(net) : 0.0, qer.chatter, qnr.chatter);
    fflush(stdout);
    pm_quality_destroy(q);
    pm_quality_destroy(qe);
    pm_quality_destroy(qn);
    pm_loop_destroy(l);
    pm_sim_destroy(s);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 6) {
        fprintf(stderr, "usage: study_noisy RULE RATE TRACK SEED_FROM SEED_TO [speed] [noise] [hold] [cap]\n");
        return 2;
    }
    pm_loop_rule rule;
    if (pm_loop_rule_parse(argv[1], &rule)) {
        fprintf(stderr, "study_noisy: unknown rule '%s'\n", argv[1]);
        return 2;
    }
    const double rate = atof(argv[2]);
    const unsigned long long s0 = strtoull(argv[4], NULL, 10), s1 = strtoull(argv[5], NULL, 10);
    const double speed = argc > 6 ? atof(argv[6]) : 60.0;
    const double noise = argc > 7 ? atof(argv[7]) : 0.05;
    const int hold = argc > 8 ? atoi(argv[8]) : 2000;
    const long cap = argc > 9 ? atol(argv[9]) : 30000;
    pm_world *w = NULL;
    if (pm_world_create_builtin(argv[3], 4.0, &w)) {
        fprintf(stderr, "study_noisy: unknown track '%s'\n", argv[3]);
        return 2;
    }
    int bad = 0;
    for (unsigned long long seed = s0; seed <= s1 && !bad; seed++)
        bad = run_one(w, rule, rate, seed, speed, noise, hold, cap, argv[3]);
    pm_world_destroy(w);
    return bad;
}
