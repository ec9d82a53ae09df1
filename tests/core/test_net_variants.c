/* Tests of the SPEC §9 variants in the core: the saturation-aware prime (by hand, and against the plain SPEC
 * reference at widths 10, 11, 12) and the line-motion relevance cue. */
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
#include "primod/net.h"
#include "primod/relevance.h"

/* Independent sigmoid - 0.5 and its slope written in terms of the output (SPEC §2 table). */
static double sig(double v) { return 1.0 / (1.0 + exp(-v)) - 0.5; }
static double slope(double y) { return (0.5 + y) * (0.5 - y); }

/* 1 input -> 1 hidden -> 1 output, sigmoid - 0.5, weights w0 = 1 (input), w1 = 2 (hidden -> output), x = 2, E = -1.
 *   y0 = sig(2) = 0.3807971, y1 = sig(2 y0) = sig(0.7615942) = 0.1817...
 *   delta1 = E f'(y1) < 0, delta0 = f'(y0) w1 delta1 < 0: both primes are -1.
 *   saturation-aware prime: w1 += eta R (-1) f'(y1) y0,   w0 += eta R (-1) f'(y0) x
 *   P&M (for contrast):     w1 += eta R (-1) y0,          w0 += eta R (-1) x                        (SPEC §3) */
static void saturation_prime_by_hand(void **state)
{
    (void)state;
    const int sizes[2] = {1, 1};
    const double eta = 0.1, R = 3.0, x[1] = {2.0};
    for (int k = 0; k < 2; k++) {
        pm_net_config c = {.n_inputs = 1, .n_layers = 2, .layer_sizes = sizes, .init = PM_INIT_ZERO};
        pm_net *net = NULL;
        assert_int_equal(pm_net_create(&c, &net), PM_OK);
        assert_int_equal(pm_net_set_weight(net, 0, 0, 0, 1.0), PM_OK);
        assert_int_equal(pm_net_set_weight(net, 1, 0, 0, 2.0), PM_OK);
        assert_int_equal(pm_net_forward(net, x), PM_OK);
        const double y0 = sig(2.0), y1 = sig(2.0 * y0);
        assert_true(fabs(pm_net_outputs(net)[0] - y1) < 1e-15);
        const pm_rule rule = k ? PM_RULE_SATURATION_PRIME : PM_RULE_PRIME_MODULATE;
        assert_int_equal(pm_net_learn(net, rule, -1.0, eta, R), PM_OK);
        const double g1 = k ? slope(y1) : 1.0, g0 = k ? slope(y0) : 1.0;
        assert_true(fabs(pm_net_weight(net, 1, 0, 0) - (2.0 - eta * R * g1 * y0)) < 1e-15);
        assert_true(fabs(pm_net_weight(net, 0, 0, 0) - (1.0 - eta * R * g0 * 2.0)) < 1e-15);
        /* the stored deltas are the back-propagated ones, as for P&M (not the primes) */
        assert_true(fabs(pm_net_layer_deltas(net, 1)[0] - (-slope(y1))) < 1e-15);
        assert_true(fabs(pm_net_layer_deltas(net, 0)[0] - slope(y0) * 2.0 * (-slope(y1))) < 1e-15);
        pm_net_destroy(net);
    }
}

/* A fully saturated neuron does not learn under the saturation-aware prime, where P&M still moves it at full
 * strength: hidden weight 40, x = 1: 1/(1+e^-40) rounds to 1, y0 = 0.5 exactly, f'(y0) = 0. Its input weight
 * stays; the output neuron (not saturated) learns with its own slope f'(y1), y1 = sig(0.5) (w1 = 1). */
static void saturated_neuron_is_frozen(void **state)
{
    (void)state;
    const int sizes[2] = {1, 1};
    const double x[1] = {1.0};
    for (int k = 0; k < 2; k++) {
        pm_net_config c = {.n_inputs = 1, .n_layers = 2, .layer_sizes = sizes, .init = PM_INIT_ZERO};
        pm_net *net = NULL;
        assert_int_equal(pm_net_create(&c, &net), PM_OK);
        assert_int_equal(pm_net_set_weight(net, 0, 0, 0, 40.0), PM_OK);
        assert_int_equal(pm_net_set_weight(net, 1, 0, 0, 1.0), PM_OK);
        assert_int_equal(pm_net_forward(net, x), PM_OK);
        assert_true(pm_net_layer_activations(net, 0)[0] == 0.5);
        const pm_rule rule = k ? PM_RULE_SATURATION_PRIME : PM_RULE_PRIME_MODULATE;
        assert_int_equal(pm_net_learn(net, rule, 0.5, 0.01, 1.0), PM_OK);
        /* delta0 = f'(0.5) * ... = 0, so sign(delta0) = 0 for both rules: the saturated neuron is frozen by the
         * sign(0) = 0 convention already; the output weight shows the difference */
        assert_true(pm_net_weight(net, 0, 0, 0) == 40.0);
        const double y1 = sig(0.5);
        const double want = 1.0 + 0.01 * (k ? slope(y1) : 1.0) * 0.5;
        assert_true(fabs(pm_net_weight(net, 1, 0, 0) - want) < 1e-15);
        pm_net_destroy(net);
    }
}

/* With a linear activation f' = 1: the saturation-aware prime is exactly P&M (same weights, bit for bit). */
static void linear_equals_prime_modulate(void **state)
{
    (void)state;
    const int sizes[3] = {3, 2, 2};
    pm_net *a = NULL, *b = NULL;
    pm_net_config c = {.n_inputs = 4, .n_layers = 3, .layer_sizes = sizes, .activation = PM_ACT_LINEAR, .seed = 5,
                       .init = PM_INIT_SYMMETRIC, .use_bias = 1};
    assert_int_equal(pm_net_create(&c, &a), PM_OK);
    assert_int_equal(pm_net_create(&c, &b), PM_OK);
    const double x[4] = {0.3, -0.2, 0.0, 0.9};
    for (int step = 0; step < 3; step++) {
        assert_int_equal(pm_net_forward(a, x), PM_OK);
        assert_int_equal(pm_net_forward(b, x), PM_OK);
        assert_int_equal(pm_net_learn(a, PM_RULE_SATURATION_PRIME, step == 1 ? -0.4 : 0.7, 0.05, 2.0), PM_OK);
        assert_int_equal(pm_net_learn(b, PM_RULE_PRIME_MODULATE, step == 1 ? -0.4 : 0.7, 0.05, 2.0), PM_OK);
    }
    for (int l = 0; l < 3; l++) {
        int rows, cols;
        const double *wa = pm_net_layer_weights(a, l, &rows, &cols), *wb = pm_net_layer_weights(b, l, &rows, &cols);
        assert_memory_equal(wa, wb, sizeof(double) * (size_t)(rows * cols));
    }
    pm_net_destroy(a);
    pm_net_destroy(b);
}

/* ---- against the plain reference (tests/core/net_reference.h), widths 10, 11, 12 (blocks of ten + pairs/singles) */

static uint64_t mix_state;
static double sym(void) /* uniform in [-1, 1), splitmix64, independent of pm_rng */
{
    uint64_t z = (mix_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return 2.0 * ((double)(z >> 11) * 0x1.0p-53) - 1.0;
}

static void same(double got, double want, const char *what, int l, int j, int i)
{
    if (!(got == want)) {
        print_message("%s differs at layer %d neuron %d input %d: got %.17g want %.17g\n", what, l, j, i, got, want);
        fail();
    }
}

static void reference_case(int width, pm_activation act, int bias, int sparse)
{
    const int n_in = 37, sizes[4] = {width, 10, width, 2};
    mix_state = (uint64_t)(width * 131 + act * 17 + bias * 5 + sparse);
    pm_net_config cfg = {.n_inputs = n_in, .n_layers = 4, .layer_sizes = sizes, .activation = act,
                         .seed = mix_state, .use_bias = bias, .init = PM_INIT_SYMMETRIC, .init_scale = 1.5};
    pm_net *net = NULL;
    assert_int_equal(pm_net_create(&cfg, &net), PM_OK);
    ref_net r;
    ref_init(&r, net);
    double x[37];
    for (int step = 0; step < 4; step++) {
        for (int i = 0; i < n_in; i++)
            x[i] = sparse && (i % 3) ? 0.0 : sym();
        assert_int_equal(pm_net_forward(net, x), PM_OK);
        ref_forward(&r, x);
        double err[2] = {step % 2 ? -0.45 : 0.7, step == 3 ? 0.0 : 0.3};
        if (step < 2) {
            err[1] = err[0];
            assert_int_equal(pm_net_learn(net, PM_RULE_SATURATION_PRIME, err[0], 0.02, 1.0 + step), PM_OK);
        } else {
            assert_int_equal(pm_net_learn_vec(net, PM_RULE_SATURATION_PRIME, err, 0.02, 1.0 + step), PM_OK);
        }
        ref_learn(&r, PM_RULE_SATURATION_PRIME, err, 0.02, 1.0 + step);
        for (int l = 0; l < r.L; l++) {
            for (int j = 0; j < r.size[l]; j++) {
                same(pm_net_layer_activations(net, l)[j], r.y[l + 1][j], "activation", l, j, -1);
                same(pm_net_layer_deltas(net, l)[j], r.d[l][j], "delta", l, j, -1);
                for (int i = 0; i < ref_cols(&r, l); i++)
                    same(pm_net_weight(net, l, j, i), r.w[l][(long)j * ref_cols(&r, l) + i], "weight", l, j, i);
            }
        }
    }
    ref_free(&r);
    pm_net_destroy(net);
}

static void saturation_prime_matches_the_reference(void **state)
{
    (void)state;
    const int widths[3] = {10, 11, 12};
    for (int w = 0; w < 3; w++)
        for (int a = 0; a < 4; a++)
            for (int bias = 0; bias < 2; bias++)
                for (int sparse = 0; sparse < 2; sparse++)
                    reference_case(widths[w], (pm_activation)a, bias, sparse);
}

static void unknown_rule_is_refused(void **state)
{
    (void)state;
    const int sizes[1] = {1};
    pm_net_config c = {.n_inputs = 1, .n_layers = 1, .layer_sizes = sizes};
    pm_net *net = NULL;
    assert_int_equal(pm_net_create(&c, &net), PM_OK);
    const double x[1] = {1.0};
    assert_int_equal(pm_net_forward(net, x), PM_OK);
    const double w = pm_net_weight(net, 0, 0, 0);
    assert_int_equal(pm_net_learn(net, (pm_rule)PM_N_RULES, 1.0, 0.1, 1.0), PM_ERR_ARG);
    assert_true(pm_net_weight(net, 0, 0, 0) == w);
    assert_int_equal(pm_net_learn(net, PM_RULE_SATURATION_PRIME, NAN, 0.1, 1.0), PM_ERR_NONFINITE);
    assert_true(pm_net_weight(net, 0, 0, 0) == w);
    pm_net_destroy(net);
}

/* Line motion R = 1 + |k(n) - k(n-1)| (SPEC §9 variant); no line at either step: 1. */
static void motion_cue(void **state)
{
    (void)state;
    assert_true(pm_relevance_motion(20, 20) == 1.0);
    assert_true(pm_relevance_motion(20, 23) == 4.0);
    assert_true(pm_relevance_motion(23, 20) == 4.0);
    assert_true(pm_relevance_motion(0, 47) == 48.0);
    assert_true(pm_relevance_motion(-1, 5) == 1.0);
    assert_true(pm_relevance_motion(5, -1) == 1.0);
    assert_true(pm_relevance_motion(-1, -1) == 1.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(saturation_prime_by_hand),       cmocka_unit_test(saturated_neuron_is_frozen),
        cmocka_unit_test(linear_equals_prime_modulate),   cmocka_unit_test(saturation_prime_matches_the_reference),
        cmocka_unit_test(unknown_rule_is_refused),        cmocka_unit_test(motion_cue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
