/* Runs pm_loop on the paper shape (144 predictors -> 720 -> 10 x 10 -> 2) for hundreds of steps beside a plain
 * implementation of SPEC §3-§5 (filter bank, relevance, network, learning, steering) and compares every value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/net_reference.h"
#include "primod/filter.h"
#include "primod/loop.h"
#include "primod/net.h"

/* Equality is exact (==) for the network, for the reasons given in tests/core/net_reference.h. The filter bank is
 * written as filter.c runs the SPEC §4 recursion: on y = u/g directly, y(n) = (1/g) x(n) - a1 y(n-1) - a2 y(n-2)
 * (the same linear system, one division fewer), with its one documented deviation: a resonator whose input is exactly
 * 0 and whose last two outputs are below 1e-13 outputs exactly 0. Its coefficients are read from the loop's bank and
 * first checked against the SPEC §4 formulas and test vectors, so nothing below is taken from the code unchecked. */

enum { ROWS = 3, ROW_LEN = 48, NP = ROWS * ROW_LEN, NF = 5, NX = NP * NF, STEPS = 300 };
#define DEAD_BAND 1e-9
#define RATE 1e-5
#define GAIN_N 5.0
#define SPEED 30.0
#define THRESHOLD 0.05
static const double MIX[2] = {1.0, 2.0};

/* ---- synthetic sensors: seeded, sparse like the line follower's (a few predictors lit near the line) ----------- */

typedef struct {
    uint64_t s;
    double pos[ROWS]; /* where the line crosses each row */
} sensors;

static double unit_of(sensors *z) /* uniform [0, 1), splitmix64 */
{
    uint64_t v = (z->s += 0x9e3779b97f4a7c15ull);
    v = (v ^ (v >> 30)) * 0xbf58476d1ce4e5b9ull;
    v = (v ^ (v >> 27)) * 0x94d049bb133111ebull;
    v ^= v >> 31;
    return (double)(v >> 11) * 0x1.0p-53;
}

/* Step n's reflex error and predictors. The line drifts slowly around the middle of each row; a lit predictor
 * reads 0.3 - 0.12 |i - pos| (about four per row), the rest exactly 0; now and then a row sees nothing. E(n) mixes
 * a slow wave and noise, with exact zeros and errors inside the dead band mixed in. */
static double sense(sensors *z, int n, double *p)
{
    memset(p, 0, sizeof(double) * NP);
    for (int r = 0; r < ROWS; r++) {
        z->pos[r] += 0.8 * (unit_of(z) - 0.5) + 0.02 * (24.0 - z->pos[r]);
        if (unit_of(z) < 0.1)
            continue; /* this row sees no line */
        for (int i = 0; i < ROW_LEN; i++) {
            const double v = 0.3 - 0.12 * fabs(i - z->pos[r]);
            if (v > 0)
                p[r * ROW_LEN + i] = v;
        }
    }
    if (n % 13 == 5)
        return 0.0;
    if (n % 29 == 7)
        return -3e-10; /* |E| < dead band: no learning, but it still steers */
    return 0.2 * sin(n / 17.0) + 0.08 * (unit_of(z) - 0.5);
}

/* ---- the reference filter bank and relevance (SPEC §4, §3) ------------------------------------------------------- */

typedef struct {
    double b0[NF], a1[NF], a2[NF];
    double y1[NX], y2[NX];
} ref_bank;

static void ref_bank_init(ref_bank *b, const pm_filter *f)
{
    static const double table_g[NF] = {4.550, 2.485, 1.781, 1.455, 1.280}; /* SPEC §4 test vectors, q = 0.51 */
    memset(b, 0, sizeof *b);
    assert_int_equal(pm_filter_n_outputs(f), NX);
    for (int k = 0; k < NF; k++) {
        double freq, a1, a2, g;
        assert_int_equal(pm_filter_coeffs(f, k, &freq, &a1, &a2, &g), PM_OK);
        const double fk = 0.1 + k * (1.0 / 3.0 - 0.1) / (NF - 1); /* f_min = 1/10, f_max = 1/3 */
        const double w0 = 2 * 3.14159265358979323846 * fk, s = w0 / (2 * 0.51), wd = sqrt(w0 * w0 - s * s);
        assert_true(fabs(freq - fk) <= 1e-15);
        assert_true(fabs(a1 - (-2 * exp(-s) * cos(wd))) <= 1e-12);
        assert_true(fabs(a2 - exp(-2 * s)) <= 1e-12);
        assert_true(fabs(g - table_g[k]) <= 1e-3);
        b->b0[k] = 1.0 / g;
        b->a1[k] = a1;
        b->a2[k] = a2;
    }
}

static void ref_bank_step(ref_bank *b, const double *p, double *x)
{
    for (int i = 0; i < NP; i++)
        for (int k = 0; k < NF; k++) {
            const int o = i * NF + k; /* predictor-major */
            double v = b->b0[k] * p[i] - b->a1[k] * b->y1[o] - b->a2[k] * b->y2[o];
            if (p[i] == 0.0 && fabs(b->y1[o]) < 1e-13 && fabs(b->y2[o]) < 1e-13)
                v = 0.0;
            b->y2[o] = b->y1[o];
            b->y1[o] = v;
            x[o] = v;
        }
}

/* Index of the strongest predictor above the threshold in a row (lowest on ties), -1 if none. */
static int ref_argmax(const double *row)
{
    int best = -1;
    for (int i = 0; i < ROW_LEN; i++)
        if (row[i] > THRESHOLD && (best < 0 || row[i] > row[best]))
            best = i;
    return best;
}

static double ref_relevance(pm_loop_rule rule, const double *p, double E)
{
    if (rule == PM_LOOP_SR)
        return fabs(E);
    if (rule != PM_LOOP_PM && rule != PM_LOOP_CHAINED)
        return 1.0;
    const int k1 = ref_argmax(p), k2 = ref_argmax(p + ROW_LEN); /* rows 0 and 1, nearest first */
    return k1 < 0 || k2 < 0 ? 1.0 : 1.0 + fabs((double)(k2 - k1));
}

/* ---- the comparison ---------------------------------------------------------------------------------------------- */

static void same(double got, double want, const char *rule, const char *what, int n, int a, int b, int c)
{
    if (!(got == want)) {
        print_message("%s: %s differs at step %d [%d %d %d]: got %.17g want %.17g\n", rule, what, n, a, b, c, got,
                      want);
        fail();
    }
}

static void run_rule(pm_loop_rule rule)
{
    const char *name = pm_loop_rule_name(rule);
    pm_loop_config cfg;
    pm_loop_config_paper(&cfg);
    cfg.rule = rule;
    cfg.success.threshold = 1e-9; /* statistics are not compared here */
    pm_loop *loop = NULL;
    assert_int_equal(pm_loop_create(&cfg, &loop), PM_OK);
    const pm_net *net = pm_loop_net(loop);
    assert_int_equal(pm_net_n_inputs(net), NX);
    assert_int_equal(pm_net_n_layers(net), 11);
    static ref_bank bank;
    ref_bank_init(&bank, pm_loop_filter(loop));
    ref_net r;
    ref_init(&r, net); /* the paper initialisation's weights, read once at the start */
    assert_true(r.act == PM_ACT_SIGMOID && !r.bias);
    for (int l = 0; l < 10; l++)
        assert_int_equal(r.size[l], 10);
    assert_int_equal(r.size[10], 2);
    const pm_rule net_rule = rule == PM_LOOP_BP        ? PM_RULE_BACKPROP
                             : rule == PM_LOOP_CHAINED ? PM_RULE_CHAINED_SIGN
                                                       : PM_RULE_PRIME_MODULATE;
    sensors z = {.s = 2024u + (uint64_t)rule, .pos = {20, 22, 25}};
    double p[NP], x[NX];
    long zeros = 0, learned = 0;
    for (int n = 0; n < STEPS; n++) {
        const double E = sense(&z, n, p);
        pm_loop_input in = {.error = E, .predictors = p, .line_seen = 1};
        pm_loop_output out;
        assert_int_equal(pm_loop_step(loop, &in, &out), PM_OK);

        /* SPEC §5: (1) read; (2) learn on the previous forward pass with the dead-banded E(n); (3) filter;
         * (4) forward; (5) steer */
        const double R = ref_relevance(rule, p, E);
        if (n > 0) {
            const double e = fabs(E) < DEAD_BAND ? 0.0 : E, err[2] = {e, e};
            ref_learn(&r, net_rule, err, RATE, R);
            learned += e != 0;
        }
        ref_bank_step(&bank, p, x);
        ref_forward(&r, x);
        double net_term = 0.0;
        for (int m = 0; m < 2; m++)
            net_term += MIX[m] * r.y[11][m];
        const double s = E + GAIN_N * net_term;

        same(out.relevance, R, name, "relevance", n, 0, 0, 0);
        const double *lx = pm_loop_inputs(loop);
        for (int i = 0; i < NX; i++) {
            same(lx[i], x[i], name, "filtered input", n, i, 0, 0);
            zeros += x[i] == 0.0;
        }
        for (int l = 0; l < 11; l++) {
            const double *a = pm_net_layer_activations(net, l);
            for (int j = 0; j < r.size[l]; j++)
                same(a[j], r.y[l + 1][j], name, "activation", n, l, j, 0);
        }
        for (int m = 0; m < 2; m++)
            same(out.outputs[m], r.y[11][m], name, "output", n, m, 0, 0);
        same(out.steering, s, name, "steering", n, 0, 0, 0);
        same(out.left, SPEED + s, name, "left wheel", n, 0, 0, 0);
        same(out.right, SPEED - s, name, "right wheel", n, 0, 0, 0);
        for (int l = 0; l < 11; l++) {
            const int cols = r.fan[l];
            for (int j = 0; j < r.size[l]; j++)
                for (int i = 0; i < cols; i++)
                    same(pm_net_weight(net, l, j, i), r.w[l][(long)j * cols + i], name, "weight", n, l, j, i);
        }
    }
    /* the run exercised what it claims: learning happened, the inputs were sparse like the real ones, the weights
     * moved away from the initial ones */
    assert_true(learned > STEPS / 2);
    assert_true(zeros > (long)STEPS * NX / 2);
    assert_true(pm_net_weight_distance(net, -1) > 0);
    ref_free(&r);
    pm_loop_destroy(loop);
}

static void pm_loop_matches_the_reference(void **state)
{
    (void)state;
    run_rule(PM_LOOP_PM);
}
static void bp_loop_matches_the_reference(void **state)
{
    (void)state;
    run_rule(PM_LOOP_BP);
}
static void sr_loop_matches_the_reference(void **state)
{
    (void)state;
    run_rule(PM_LOOP_SR);
}
static void chained_loop_matches_the_reference(void **state)
{
    (void)state;
    run_rule(PM_LOOP_CHAINED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pm_loop_matches_the_reference),
        cmocka_unit_test(bp_loop_matches_the_reference),
        cmocka_unit_test(sr_loop_matches_the_reference),
        cmocka_unit_test(chained_loop_matches_the_reference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
