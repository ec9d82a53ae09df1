/* Tests of the network: shapes, initialisation, forward pass, BP / P&M / chained-sign updates (SPEC §2-3). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "primod/net.h"
#include "primod/rng.h"

/* ---- helpers ---------------------------------------------------------------------------------------------------- */

static pm_net *make_net(int n_inputs, int n_layers, const int *sizes, pm_activation act, int bias, pm_init init,
                        unsigned long long seed)
{
    pm_net_config cfg = {.n_inputs = n_inputs, .n_layers = n_layers, .layer_sizes = sizes, .activation = act,
                         .seed = seed, .use_bias = bias, .init = init};
    pm_net *net = NULL;
    assert_int_equal(pm_net_create(&cfg, &net), PM_OK);
    assert_non_null(net);
    return net;
}

/* Copies every weight (layer by layer, row-major) into a new buffer; *n = count. Caller frees. */
static double *snapshot(const pm_net *net, long *n)
{
    *n = pm_net_n_weights(net);
    double *s = malloc(sizeof(double) * (size_t)*n);
    assert_non_null(s);
    long k = 0;
    for (int l = 0; l < pm_net_n_layers(net); l++) {
        int rows, cols;
        const double *w = pm_net_layer_weights(net, l, &rows, &cols);
        memcpy(s + k, w, sizeof(double) * (size_t)rows * (size_t)cols);
        k += (long)rows * cols;
    }
    assert_int_equal(k, *n);
    return s;
}

static void assert_unchanged(const pm_net *net, const double *before)
{
    long n;
    double *now = snapshot(net, &n);
    assert_memory_equal(now, before, sizeof(double) * (size_t)n);
    free(now);
}

static void assert_close(double got, double want, double tol)
{
    if (!(fabs(got - want) <= tol)) {
        print_message("got %.17g want %.17g (tol %g)\n", got, want, tol);
        fail();
    }
}

/* ---- shape and initialisation ----------------------------------------------------------------------------------- */

static void paper_preset_from_zero_config(void **state)
{
    (void)state;
    pm_net_config cfg;
    memset(&cfg, 0, sizeof cfg);
    pm_net *net = NULL;
    assert_int_equal(pm_net_create(&cfg, &net), PM_OK);
    assert_int_equal(pm_net_n_inputs(net), 720);
    assert_int_equal(pm_net_n_layers(net), 11); /* 10 hidden + output */
    for (int l = 0; l < 10; l++)
        assert_int_equal(pm_net_layer_size(net, l), 10);
    assert_int_equal(pm_net_n_outputs(net), 2);
    assert_int_equal(pm_net_has_bias(net), 0);
    assert_int_equal(pm_net_n_weights(net), 720 * 10 + 9 * 10 * 10 + 10 * 2); /* 8,120 (SPEC §8) */
    assert_int_equal(pm_net_layer_inputs(net, 0), 720);
    assert_int_equal(pm_net_layer_inputs(net, 10), 10);
    pm_net_config got = pm_net_get_config(net);
    assert_int_equal(got.n_layers, 11);
    assert_int_equal(got.layer_sizes[10], 2);
    assert_true(got.init_scale == 1.0 && got.first_layer_scale == 0.001);
    /* paper init: first layer U[0, 0.001), the others U[0, 1) (SPEC §2) */
    int rows, cols;
    const double *w0 = pm_net_layer_weights(net, 0, &rows, &cols);
    assert_int_equal(rows, 10);
    assert_int_equal(cols, 720);
    double mx = 0;
    for (int i = 0; i < rows * cols; i++) {
        assert_true(w0[i] >= 0 && w0[i] < 0.001);
        mx = w0[i] > mx ? w0[i] : mx;
    }
    assert_true(mx > 0.0009); /* 7200 draws: the top of the range is reached */
    for (int l = 1; l < 11; l++) {
        const double *w = pm_net_layer_weights(net, l, &rows, &cols);
        for (int i = 0; i < rows * cols; i++)
            assert_true(w[i] >= 0 && w[i] < 1);
    }
    /* before any forward pass, outputs are zero */
    assert_true(pm_net_outputs(net)[0] == 0 && pm_net_outputs(net)[1] == 0);
    pm_net_destroy(net);
}

/* The documented draw order: layer 0 row-major, then layer 1, ...; one uniform per weight, none for biases. */
static void init_order_follows_the_documented_rng_sequence(void **state)
{
    (void)state;
    static const int sizes[] = {3, 2};
    pm_net *net = make_net(4, 2, sizes, PM_ACT_SIGMOID, 1, PM_INIT_PAPER, 99);
    pm_rng r;
    pm_rng_seed(&r, 99);
    for (int j = 0; j < 3; j++) {
        for (int i = 0; i < 4; i++)
            assert_true(pm_net_weight(net, 0, j, i) == 0.001 * pm_rng_uniform(&r));
        assert_true(pm_net_weight(net, 0, j, 4) == 0.0); /* bias */
    }
    for (int j = 0; j < 2; j++) {
        for (int i = 0; i < 3; i++)
            assert_true(pm_net_weight(net, 1, j, i) == 1.0 * pm_rng_uniform(&r));
        assert_true(pm_net_weight(net, 1, j, 3) == 0.0);
    }
    pm_net_destroy(net);
}

static void symmetric_init_range(void **state)
{
    (void)state;
    static const int sizes[] = {50, 3};
    pm_net *net = make_net(16, 2, sizes, PM_ACT_TANH, 0, PM_INIT_SYMMETRIC, 3);
    /* s = 1/sqrt(fan_in): 1/4 for layer 0, 1/sqrt(50) for layer 1 */
    int neg = 0;
    for (int j = 0; j < 50; j++)
        for (int i = 0; i < 16; i++) {
            double w = pm_net_weight(net, 0, j, i);
            assert_true(w >= -0.25 && w < 0.25);
            neg += w < 0;
        }
    assert_true(neg > 300 && neg < 500); /* 800 draws, half negative expected; +-7 sigma */
    for (int j = 0; j < 3; j++)
        for (int i = 0; i < 50; i++)
            assert_true(fabs(pm_net_weight(net, 1, j, i)) <= 1 / sqrt(50.0));
    pm_net_destroy(net);
}

static void determinism_and_clone(void **state)
{
    (void)state;
    static const int sizes[] = {5, 4, 2};
    pm_net *a = make_net(7, 3, sizes, PM_ACT_SIGMOID, 1, PM_INIT_SYMMETRIC, 1234);
    pm_net *b = make_net(7, 3, sizes, PM_ACT_SIGMOID, 1, PM_INIT_SYMMETRIC, 1234);
    pm_net *c = make_net(7, 3, sizes, PM_ACT_SIGMOID, 1, PM_INIT_SYMMETRIC, 1235);
    long n;
    double *wa = snapshot(a, &n), *wb = snapshot(b, &n), *wc = snapshot(c, &n);
    assert_memory_equal(wa, wb, sizeof(double) * (size_t)n);
    int same = 0;
    for (long i = 0; i < n; i++)
        same += wa[i] == wc[i] && wa[i] != 0.0;
    assert_int_equal(same, 0);
    /* train a a little, then clone: the clone behaves identically from there on */
    const double x[7] = {0.1, 0, 0.2, 0, 0, 0.05, 0.25};
    assert_int_equal(pm_net_forward(a, x), PM_OK);
    assert_int_equal(pm_net_learn(a, PM_RULE_BACKPROP, 0.3, 0.5, 1), PM_OK);
    assert_int_equal(pm_net_forward(a, x), PM_OK);
    pm_net *k = NULL;
    assert_int_equal(pm_net_clone(a, &k), PM_OK);
    double *wa2 = snapshot(a, &n), *wk = snapshot(k, &n);
    assert_memory_equal(wa2, wk, sizeof(double) * (size_t)n);
    assert_true(pm_net_weight_distance(k, -1) == pm_net_weight_distance(a, -1));
    assert_memory_equal(pm_net_outputs(a), pm_net_outputs(k), 2 * sizeof(double));
    assert_int_equal(pm_net_learn(a, PM_RULE_PRIME_MODULATE, -0.2, 0.01, 2), PM_OK);
    assert_int_equal(pm_net_learn(k, PM_RULE_PRIME_MODULATE, -0.2, 0.01, 2), PM_OK);
    free(wa2);
    free(wk);
    wa2 = snapshot(a, &n);
    wk = snapshot(k, &n);
    assert_memory_equal(wa2, wk, sizeof(double) * (size_t)n);
    pm_net_destroy(k); /* the clone is independent: destroying it leaves a intact */
    assert_int_equal(pm_net_forward(a, x), PM_OK);
    free(wa);
    free(wb);
    free(wc);
    free(wa2);
    free(wk);
    pm_net_destroy(a);
    pm_net_destroy(b);
    pm_net_destroy(c);
}

/* ---- forward ---------------------------------------------------------------------------------------------------- */

/* 2-2-1 sigmoid net with bias, forward values computed here from SPEC §2 (f = 1/(1+exp(-v)) - 0.5). */
static void forward_matches_the_spec_formula(void **state)
{
    (void)state;
    static const int sizes[] = {2, 1};
    pm_net *net = make_net(2, 2, sizes, PM_ACT_SIGMOID, 1, PM_INIT_ZERO, 0);
    const double W0[2][3] = {{0.5, -0.25, 0.1}, {-1, 0.5, 0.3}}, W1[3] = {2, -3, 0.5};
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 3; i++)
            assert_int_equal(pm_net_set_weight(net, 0, j, i, W0[j][i]), PM_OK);
    for (int i = 0; i < 3; i++)
        assert_int_equal(pm_net_set_weight(net, 1, 0, i, W1[i]), PM_OK);
    const double x[2] = {1, 2};
    assert_int_equal(pm_net_forward(net, x), PM_OK);
    /* v0 = 0.5 - 0.5 + 0.1 = 0.1, v1 = -1 + 1 + 0.3 = 0.3 */
    double y0 = 1 / (1 + exp(-0.1)) - 0.5, y1 = 1 / (1 + exp(-0.3)) - 0.5;
    double o = 1 / (1 + exp(-(2 * y0 - 3 * y1 + 0.5))) - 0.5;
    assert_close(pm_net_layer_activations(net, 0)[0], y0, 1e-15);
    assert_close(pm_net_layer_activations(net, 0)[1], y1, 1e-15);
    assert_close(pm_net_outputs(net)[0], o, 1e-15);
    pm_net_destroy(net);
}

/* The sigmoid saturates to exactly -0.5 / +0.5 (SPEC §2: f in (-0.5, 0.5)): v = +-1000 gives e^-v = 0 or inf. */
static void sigmoid_saturates_exactly(void **state)
{
    (void)state;
    static const int sizes[] = {1};
    pm_net *net = make_net(1, 1, sizes, PM_ACT_SIGMOID, 0, PM_INIT_ZERO, 0);
    assert_int_equal(pm_net_set_weight(net, 0, 0, 0, 1000.0), PM_OK);
    const double up = 1.0, down = -1.0, zero = 0.0;
    assert_int_equal(pm_net_forward(net, &up), PM_OK);
    assert_true(pm_net_outputs(net)[0] == 0.5); /* 1/(1+0) - 0.5 */
    assert_int_equal(pm_net_forward(net, &down), PM_OK);
    assert_true(pm_net_outputs(net)[0] == -0.5); /* 1/(1+inf) - 0.5 */
    assert_int_equal(pm_net_forward(net, &zero), PM_OK);
    assert_true(pm_net_outputs(net)[0] == 0.0); /* 1/(1+1) - 0.5 */
    pm_net_destroy(net);
}

/* Layer 0 visits only the nonzero inputs, listed four at a time: +-0 are skipped, a subnormal, NaN or inf is not
 * (NaN / inf are then refused), whatever its place in a group of four or in the tail (11 = 4 + 4 + 3 inputs). */
static void forward_lists_nonzero_inputs_at_every_position(void **state)
{
    (void)state;
    enum { N = 11 };
    static const int sizes[] = {1};
    pm_net *net = make_net(N, 1, sizes, PM_ACT_LINEAR, 0, PM_INIT_ZERO, 0);
    for (int i = 0; i < N; i++)
        assert_int_equal(pm_net_set_weight(net, 0, 0, i, i + 1.0), PM_OK); /* w_i = i + 1 */
    const double x[N] = {0.0, -0.0, 0x1p-1074, 0.25, 0.0, -0.0, 0.5, 0.0, 0.0, -0.0, 0.125};
    assert_int_equal(pm_net_forward(net, x), PM_OK);
    /* v = sum_i w_i x_i, added in i order (one neuron: one running sum); zero terms add +-0, which changes nothing:
     * 3 * 2^-1074 + 4 * 0.25 + 7 * 0.5 + 11 * 0.125 = 5.875 + 3 * 2^-1074, which rounds to 5.875 */
    double want = 0;
    for (int i = 0; i < N; i++)
        want += (i + 1.0) * x[i];
    assert_true(pm_net_outputs(net)[0] == want);
    assert_true(want == 5.875);
    const double only_sub[N] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0x1p-1074, 0}; /* listed: 10 * 2^-1074 */
    assert_int_equal(pm_net_forward(net, only_sub), PM_OK);
    assert_true(pm_net_outputs(net)[0] == 10 * 0x1p-1074);
    for (int pos = 0; pos < N; pos++) { /* a NaN or inf anywhere is refused and the last output kept */
        double bad[N] = {0};
        bad[pos] = pos % 2 ? NAN : -INFINITY;
        assert_int_equal(pm_net_forward(net, bad), PM_ERR_NONFINITE);
        assert_true(pm_net_outputs(net)[0] == 10 * 0x1p-1074);
    }
    pm_net_destroy(net);
}

/* ---- gradient check --------------------------------------------------------------------------------------------- */

/* Why the BP update is a gradient step (SPEC §3). Let O = sum_m o_m (sum of the outputs) and treat E as a constant.
 * Chain rule: dO/dv_j^L = f'(v_j^L); dO/dv_j^l = f'(v_j^l) * sum_k w_kj^(l+1) dO/dv_k^(l+1); dO/dw_ji^l =
 * dO/dv_j^l * y_i^(l-1). The deltas obey the same recursion with the top seeded by E * f'(v_j^L), so by induction
 * delta_j^l = E * dO/dv_j^l, and dw_ji = eta R delta_j y_i = eta R E dO/dw_ji: gradient ASCENT of J = E * O.
 * We compute dO/dw by central differences (h = 1e-6, error O(h^2) + O(eps/h) ~ 1e-10) and compare every weight. */
static void bp_update_is_rate_times_error_times_gradient(pm_activation act)
{
    static const int sizes[] = {4, 3, 2};
    pm_net *net = make_net(3, 3, sizes, act, 1, PM_INIT_SYMMETRIC, 17);
    /* nonzero biases too, so their gradient is exercised */
    for (int l = 0; l < 3; l++)
        for (int j = 0; j < sizes[l]; j++)
            pm_net_set_weight(net, l, j, pm_net_layer_inputs(net, l), 0.1 * (j + 1) - 0.15 * l);
    const double x[3] = {0.7, -0.4, 0.25};
    const double rate = 0.5, E = 0.8, h = 1e-6;
    long n;
    double *w_before = snapshot(net, &n);
    double *grad = malloc(sizeof(double) * (size_t)n);
    long k = 0;
    for (int l = 0; l < 3; l++)
        for (int j = 0; j < sizes[l]; j++)
            for (int i = 0; i <= pm_net_layer_inputs(net, l); i++, k++) {
                double w = pm_net_weight(net, l, j, i), o[2];
                for (int s = 0; s < 2; s++) {
                    pm_net_set_weight(net, l, j, i, w + (s ? -h : h));
                    assert_int_equal(pm_net_forward(net, x), PM_OK);
                    o[s] = pm_net_outputs(net)[0] + pm_net_outputs(net)[1];
                }
                pm_net_set_weight(net, l, j, i, w);
                grad[k] = (o[0] - o[1]) / (2 * h);
            }
    assert_int_equal(k, n);
    assert_unchanged(net, w_before);
    assert_int_equal(pm_net_forward(net, x), PM_OK);
    assert_int_equal(pm_net_learn(net, PM_RULE_BACKPROP, E, rate, 1.0), PM_OK);
    double *w_after = snapshot(net, &n);
    for (k = 0; k < n; k++) {
        double dw = w_after[k] - w_before[k], want = rate * E * grad[k];
        assert_close(dw, want, 1e-6 * fabs(want) + 1e-9);
    }
    free(w_before);
    free(w_after);
    free(grad);
    pm_net_destroy(net);
}

static void gradient_check_tanh(void **state)
{
    (void)state;
    bp_update_is_rate_times_error_times_gradient(PM_ACT_TANH);
}
static void gradient_check_sigmoid(void **state)
{
    (void)state;
    bp_update_is_rate_times_error_times_gradient(PM_ACT_SIGMOID);
}

/* ---- hand-computed P&M ------------------------------------------------------------------------------------------ */

/* 2-2-1 relu net with biases (columns: in0, in1, bias). x = (1, 2).
 *   W0 = [[0.5, -0.25, 0.1], [-1, 0.5, 0]]  -> v0 = 0.5 - 0.5 + 0.1 = 0.1, y0 = 0.1; v1 = -1 + 1 + 0 = 0, y1 = 0
 *   W1 = [[2, -3, 0.5]]                     -> v = 0.2 - 0 + 0.5 = 0.7, o = 0.7, f'(0.7) = 1
 * E = -0.4: delta_L = -0.4 (sign -1); delta_0 = f'(0.1) * 2 * -0.4 = -0.8 (sign -1);
 *           delta_1 = f'(0) * (-3 * -0.4) = 0 (relu: f'(0) = 0, sign 0).
 * eta = 0.01, R = 2 -> eta R = 0.02:
 *   W1 += 0.02 * -1 * (0.1, 0, 1) = (-0.002, 0, -0.02)     -> [1.998, -3, 0.48]
 *   W0 row 0 += 0.02 * -1 * (1, 2, 1) = (-0.02, -0.04, -0.02) -> [0.48, -0.29, 0.08]
 *   W0 row 1: sign 0 -> unchanged [-1, 0.5, 0] */
static void prime_modulate_by_hand(void **state)
{
    (void)state;
    static const int sizes[] = {2, 1};
    pm_net *net = make_net(2, 2, sizes, PM_ACT_RELU, 1, PM_INIT_ZERO, 0);
    const double W0[2][3] = {{0.5, -0.25, 0.1}, {-1, 0.5, 0}}, W1[3] = {2, -3, 0.5};
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 3; i++)
            pm_net_set_weight(net, 0, j, i, W0[j][i]);
    for (int i = 0; i < 3; i++)
        pm_net_set_weight(net, 1, 0, i, W1[i]);
    const double x[2] = {1, 2};
    assert_int_equal(pm_net_forward(net, x), PM_OK);
    assert_close(pm_net_outputs(net)[0], 0.7, 1e-12);
    assert_int_equal(pm_net_learn(net, PM_RULE_PRIME_MODULATE, -0.4, 0.01, 2), PM_OK);
    const double N0[2][3] = {{0.48, -0.29, 0.08}, {-1, 0.5, 0}}, N1[3] = {1.998, -3, 0.48};
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 3; i++)
            assert_close(pm_net_weight(net, 0, j, i), N0[j][i], 1e-12);
    for (int i = 0; i < 3; i++)
        assert_close(pm_net_weight(net, 1, 0, i), N1[i], 1e-12);
    /* the stored deltas are the real deltas of SPEC §3 */
    assert_close(pm_net_layer_deltas(net, 1)[0], -0.4, 1e-15);
    assert_close(pm_net_layer_deltas(net, 0)[0], -0.8, 1e-15);
    assert_true(pm_net_layer_deltas(net, 0)[1] == 0.0);
    pm_net_destroy(net);
}

/* Sign rule properties (SPEC §3): only sign(E) reaches the synapses, R scales linearly, E = 0 changes nothing. */
static void sign_rule_properties(void **state)
{
    (void)state;
    static const int sizes[] = {6, 5, 2};
    pm_net *base = make_net(8, 3, sizes, PM_ACT_TANH, 1, PM_INIT_SYMMETRIC, 5);
    const double x[8] = {0.2, 0, 0.1, 0.25, 0, 0, 0.05, 0.15};
    assert_int_equal(pm_net_forward(base, x), PM_OK);
    long n;
    double *w0 = snapshot(base, &n);
    double *dw[5];
    const double errors[5] = {0.003, 3.0, -0.003, 0.003, 0.0}, rel[5] = {1.5, 1.5, 1.5, 3.0, 1.5};
    for (int t = 0; t < 5; t++) {
        pm_net *c = NULL;
        assert_int_equal(pm_net_clone(base, &c), PM_OK);
        assert_int_equal(pm_net_learn(c, PM_RULE_PRIME_MODULATE, errors[t], 0.01, rel[t]), PM_OK);
        dw[t] = snapshot(c, &n);
        for (long i = 0; i < n; i++)
            dw[t][i] -= w0[i];
        pm_net_destroy(c);
    }
    int nonzero = 0;
    for (long i = 0; i < n; i++) {
        assert_true(dw[1][i] == dw[0][i]);                   /* E x 1000: identical */
        assert_close(dw[2][i], -dw[0][i], 1e-15);            /* sign flipped */
        assert_close(dw[3][i], 2 * dw[0][i], 1e-15);         /* R doubled */
        assert_true(dw[4][i] == 0.0);                        /* E = 0: sign(0) = 0 */
        nonzero += dw[0][i] != 0;
    }
    assert_true(nonzero > n / 2); /* the premise: the update actually moved weights */
    for (int t = 0; t < 5; t++)
        free(dw[t]);
    free(w0);
    pm_net_destroy(base);
}

/* Chained sign on a 1-1-2 tanh net, no biases. x = 0.5, W0 = [[1]], W1 = [[3], [-2]].
 * h = tanh(0.5); o = (tanh(3h), tanh(-2h)); E = 0.3 > 0.
 * BP/P&M: delta_0 = f'(h) * (3 E (1 - o1^2) - 2 E (1 - o2^2)), computed below: negative -> P&M sign -1.
 * Chained: d~_L = (sign E, sign E) = (1, 1); d~_0 = sign(f'(h) * (3 * 1 - 2 * 1)) = +1.
 * eta R = 0.1 * 1: chained W1 += 0.1 * (h, h); W0 += 0.1 * 0.5. P&M: W1 += 0.1 * (h, h); W0 -= 0.1 * 0.5. */
static void chained_sign_by_hand(void **state)
{
    (void)state;
    static const int sizes[] = {1, 2};
    const double x[1] = {0.5};
    const double h = tanh(0.5), o1 = tanh(3 * h), o2 = tanh(-2 * h);
    const double bp_delta0 = (1 - h * h) * (3 * 0.3 * (1 - o1 * o1) - 2 * 0.3 * (1 - o2 * o2));
    assert_true(bp_delta0 < 0); /* the premise that makes the two rules differ */
    for (int chained = 0; chained < 2; chained++) {
        pm_net *net = make_net(1, 2, sizes, PM_ACT_TANH, 0, PM_INIT_ZERO, 0);
        pm_net_set_weight(net, 0, 0, 0, 1.0);
        pm_net_set_weight(net, 1, 0, 0, 3.0);
        pm_net_set_weight(net, 1, 1, 0, -2.0);
        assert_int_equal(pm_net_forward(net, x), PM_OK);
        pm_rule rule = chained ? PM_RULE_CHAINED_SIGN : PM_RULE_PRIME_MODULATE;
        assert_int_equal(pm_net_learn(net, rule, 0.3, 0.1, 1.0), PM_OK);
        assert_close(pm_net_weight(net, 1, 0, 0), 3.0 + 0.1 * h, 1e-15);
        assert_close(pm_net_weight(net, 1, 1, 0), -2.0 + 0.1 * h, 1e-15);
        assert_close(pm_net_weight(net, 0, 0, 0), 1.0 + (chained ? 0.05 : -0.05), 1e-15);
        if (chained) { /* stored deltas are the signs d~ */
            assert_true(pm_net_layer_deltas(net, 1)[0] == 1.0 && pm_net_layer_deltas(net, 1)[1] == 1.0);
            assert_true(pm_net_layer_deltas(net, 0)[0] == 1.0);
        } else {
            assert_close(pm_net_layer_deltas(net, 0)[0], bp_delta0, 1e-15);
        }
        pm_net_destroy(net);
    }
}

/* ---- depth (SPEC §3) -------------------------------------------------------------------------------------------- */

enum { DEPTH_LAYERS = 12 };

/* One learn step with E = 0.5 on a 10-input, 11 x 10 hidden, 1-output sigmoid net; fills mean |dw| and mean |delta|
 * per layer and mean |y| of each layer's inputs. */
static void depth_step(pm_rule rule, pm_init init, double mean_dw[], double mean_delta[], double mean_y[])
{
    static const int sizes[DEPTH_LAYERS] = {10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 1};
    pm_net *net = make_net(10, DEPTH_LAYERS, sizes, PM_ACT_SIGMOID, 0, init, 42);
    double x[10];
    for (int i = 0; i < 10; i++)
        x[i] = 0.025 * (i + 1); /* in (0, 0.25] like the predictors */
    assert_int_equal(pm_net_forward(net, x), PM_OK);
    long n;
    double *w0 = snapshot(net, &n);
    assert_int_equal(pm_net_learn(net, rule, 0.5, 0.1, 1.0), PM_OK);
    double *w1 = snapshot(net, &n);
    long k = 0;
    for (int l = 0; l < DEPTH_LAYERS; l++) {
        int rows, cols;
        pm_net_layer_weights(net, l, &rows, &cols);
        double s = 0, sd = 0, sy = 0;
        for (int i = 0; i < rows * cols; i++, k++)
            s += fabs(w1[k] - w0[k]);
        for (int j = 0; j < rows; j++)
            sd += fabs(pm_net_layer_deltas(net, l)[j]);
        const double *y = l ? pm_net_layer_activations(net, l - 1) : x;
        for (int i = 0; i < cols; i++)
            sy += fabs(y[i]);
        mean_dw[l] = s / (rows * cols);
        mean_delta[l] = sd / rows;
        mean_y[l] = sy / cols;
    }
    free(w0);
    free(w1);
    pm_net_destroy(net);
}

static void depth_pm_is_free_from_normalisation(void **state)
{
    (void)state;
    const pm_init inits[2] = {PM_INIT_PAPER, PM_INIT_SYMMETRIC};
    for (int t = 0; t < 2; t++) {
        double bp_dw[DEPTH_LAYERS], bp_d[DEPTH_LAYERS], pm_dw[DEPTH_LAYERS], pm_d[DEPTH_LAYERS], y[DEPTH_LAYERS];
        depth_step(PM_RULE_BACKPROP, inits[t], bp_dw, bp_d, y);
        depth_step(PM_RULE_PRIME_MODULATE, inits[t], pm_dw, pm_d, y);
        /* The depth dependence of a rule is its step per unit input, mean|dw| / (eta R mean|y_in|): |phi(delta)|
         * averaged. P&M: exactly 1 at every depth (sign is +-1 for every neuron of this net). BP: ~mean|delta|,
         * which depends on depth (raw mean|dw| also carries the activations' own depth profile, so it is printed
         * but not asserted on). */
        print_message("%s init: layer  mean|y_in|   BP mean|delta|  BP mean|dw|   P&M mean|dw|  BP step  P&M step\n",
                      t ? "symmetric" : "paper");
        double bp_min = INFINITY, bp_max = 0;
        for (int l = 0; l < DEPTH_LAYERS; l++) {
            const double bp_step = bp_dw[l] / (0.1 * y[l]), pm_step = pm_dw[l] / (0.1 * y[l]);
            print_message("  %2d  %12.4e  %14.4e  %12.4e  %12.4e  %8.2e  %8.6f\n", l, y[l], bp_d[l], bp_dw[l],
                          pm_dw[l], bp_step, pm_step);
            /* P&M: every weight changes by eta R |y_i| or 0 (sign 0), so the mean is at most eta R mean|y|; all
             * deltas of this net are nonzero, so it is exactly that. Tolerance: rounding of w_new - w_old. */
            assert_true(pm_d[l] != 0);
            assert_close(pm_step, 1.0, 1e-6);
            bp_min = bp_step < bp_min ? bp_step : bp_min;
            bp_max = bp_step > bp_max ? bp_step : bp_max;
        }
        /* SPEC §3: BP deltas grow toward the input with the all-positive paper init (about x1.25 per layer of 10,
         * i.e. 1.25^10 ~ 9 from the last hidden layer to the first), and shrink toward it with the symmetric init.
         * Layer 11 is the output (delta = E f'), so the monotone run is over the hidden layers 0..10. */
        for (int l = 0; l + 1 < DEPTH_LAYERS - 1; l++)
            assert_true(t == 0 ? bp_d[l] > bp_d[l + 1] : bp_d[l] < bp_d[l + 1]);
        if (t == 0) {
            assert_true(bp_d[0] > 5 * bp_d[DEPTH_LAYERS - 2]);
            assert_true(bp_max > 5 * bp_min);
        } else {
            assert_true(bp_d[0] < bp_d[DEPTH_LAYERS - 2] / 1000);
            assert_true(bp_max > 1000 * bp_min);
        }
    }
}

/* ---- bad input -------------------------------------------------------------------------------------------------- */

static void half_free(void *p, void *ctx)
{
    (void)ctx;
    free(p);
}

static void bad_configs_are_refused(void **state)
{
    (void)state;
    pm_net *net = (pm_net *)(uintptr_t)0x1; /* sentinel: must stay untouched */
    const int ok[] = {3, 2}, zero[] = {3, 0}, neg[] = {-1, 2}, huge[] = {PM_NET_MAX_WIDTH + 1, 2};
    const int wide[] = {PM_NET_MAX_WIDTH, PM_NET_MAX_WIDTH}; /* 1e12 weights: above PM_NET_MAX_WEIGHTS */
    pm_net_config cfgs[] = {
        {.n_inputs = 4, .n_layers = 2, .layer_sizes = zero},
        {.n_inputs = 4, .n_layers = 2, .layer_sizes = neg},
        {.n_inputs = 4, .n_layers = 2, .layer_sizes = huge},
        {.n_inputs = 4, .n_layers = 2, .layer_sizes = wide},
        {.n_inputs = 0, .n_layers = 2, .layer_sizes = ok},
        {.n_inputs = -5, .n_layers = 2, .layer_sizes = ok},
        {.n_inputs = 4, .n_layers = -1, .layer_sizes = ok},
        {.n_inputs = 4, .n_layers = PM_NET_MAX_LAYERS + 1, .layer_sizes = ok},
        {.n_inputs = 4, .n_layers = 2, .layer_sizes = NULL},
        {.n_inputs = 4, .n_layers = 2, .layer_sizes = ok, .activation = (pm_activation)7},
        {.n_inputs = 4, .n_layers = 2, .layer_sizes = ok, .init = (pm_init)9},
        {.n_inputs = 4, .n_layers = 2, .layer_sizes = ok, .init_scale = -1},
        {.n_inputs = 4, .n_layers = 2, .layer_sizes = ok, .first_layer_scale = NAN},
        {.n_inputs = 4, .n_layers = 2, .layer_sizes = ok, .init_scale = INFINITY},
        {.n_inputs = 4, .n_layers = 2, .layer_sizes = ok, .free_fn = half_free}, /* allocator half given */
    };
    for (size_t i = 0; i < sizeof cfgs / sizeof cfgs[0]; i++) {
        assert_int_equal(pm_net_create(&cfgs[i], &net), PM_ERR_ARG);
        assert_true(net == (pm_net *)(uintptr_t)0x1);
    }
    assert_int_equal(pm_net_create(NULL, &net), PM_ERR_ARG);
    assert_int_equal(pm_net_create(&cfgs[0], NULL), PM_ERR_ARG);
    pm_net_destroy(NULL); /* does nothing */
}

static void bad_calls_leave_the_net_unchanged(void **state)
{
    (void)state;
    static const int sizes[] = {4, 2};
    pm_net *net = make_net(3, 2, sizes, PM_ACT_SIGMOID, 1, PM_INIT_SYMMETRIC, 8);
    const double x[3] = {0.1, 0.2, 0.0};
    long n;
    double *w = snapshot(net, &n);
    /* learn before any forward */
    assert_int_equal(pm_net_learn(net, PM_RULE_BACKPROP, 0.5, 0.1, 1), PM_ERR_ARG);
    assert_unchanged(net, w);
    assert_int_equal(pm_net_forward(net, x), PM_OK);
    double out[2];
    memcpy(out, pm_net_outputs(net), sizeof out);
    /* non-finite inputs to forward: refused, the stored forward pass (outputs) kept */
    const double bad_x[3][3] = {{NAN, 0, 0}, {0, INFINITY, 0}, {0, 0, -INFINITY}};
    for (int k = 0; k < 3; k++) {
        assert_int_equal(pm_net_forward(net, bad_x[k]), PM_ERR_NONFINITE);
        assert_memory_equal(pm_net_outputs(net), out, sizeof out);
    }
    assert_int_equal(pm_net_forward(NULL, x), PM_ERR_ARG);
    assert_int_equal(pm_net_forward(net, NULL), PM_ERR_ARG);
    /* non-finite error, rate, relevance; unknown rule; NULL */
    const double bad[3] = {NAN, INFINITY, -INFINITY};
    for (int k = 0; k < 3; k++) {
        assert_int_equal(pm_net_learn(net, PM_RULE_BACKPROP, bad[k], 0.1, 1), PM_ERR_NONFINITE);
        assert_int_equal(pm_net_learn(net, PM_RULE_PRIME_MODULATE, 0.5, bad[k], 1), PM_ERR_NONFINITE);
        assert_int_equal(pm_net_learn(net, PM_RULE_CHAINED_SIGN, 0.5, 0.1, bad[k]), PM_ERR_NONFINITE);
        const double ev[2] = {0.1, bad[k]};
        assert_int_equal(pm_net_learn_vec(net, PM_RULE_BACKPROP, ev, 0.1, 1), PM_ERR_NONFINITE);
    }
    assert_int_equal(pm_net_learn(net, (pm_rule)PM_N_RULES, 0.5, 0.1, 1), PM_ERR_ARG);
    assert_int_equal(pm_net_learn(NULL, PM_RULE_BACKPROP, 0.5, 0.1, 1), PM_ERR_ARG);
    assert_int_equal(pm_net_learn_vec(net, PM_RULE_BACKPROP, NULL, 0.1, 1), PM_ERR_ARG);
    /* an update that would overflow a weight: finite rate and error, infinite result */
    assert_int_equal(pm_net_learn(net, PM_RULE_PRIME_MODULATE, 1.0, 1e308, 1e10), PM_ERR_NONFINITE);
    assert_int_equal(pm_net_learn(net, PM_RULE_BACKPROP, 1e300, 1e300, 1), PM_ERR_NONFINITE);
    /* rate * relevance overflows while every delta is 0 (E = 0): the coefficient would be inf * 0 = NaN, a
     * silent NaN in every weight; it must be refused like any other non-finite rate */
    for (int r = 0; r < 3; r++)
        assert_int_equal(pm_net_learn(net, (pm_rule)r, 0.0, 1e300, 1e300), PM_ERR_NONFINITE);
    assert_unchanged(net, w);
    /* out-of-range indexes and non-finite weights */
    assert_int_equal(pm_net_set_weight(net, 2, 0, 0, 1.0), PM_ERR_ARG);
    assert_int_equal(pm_net_set_weight(net, -1, 0, 0, 1.0), PM_ERR_ARG);
    assert_int_equal(pm_net_set_weight(net, 0, 4, 0, 1.0), PM_ERR_ARG);
    assert_int_equal(pm_net_set_weight(net, 0, 0, 4, 1.0), PM_ERR_ARG); /* 3 inputs + bias = columns 0..3 */
    assert_int_equal(pm_net_set_weight(net, 0, 0, -1, 1.0), PM_ERR_ARG);
    assert_int_equal(pm_net_set_weight(net, 0, 0, 0, NAN), PM_ERR_NONFINITE);
    assert_int_equal(pm_net_set_weight(NULL, 0, 0, 0, 1.0), PM_ERR_ARG);
    assert_true(isnan(pm_net_weight(net, 0, 0, 4)));
    assert_true(isnan(pm_net_weight(net, 5, 0, 0)));
    assert_true(isnan(pm_net_weight(NULL, 0, 0, 0)));
    assert_null(pm_net_layer_weights(net, 2, NULL, NULL));
    assert_null(pm_net_layer_deltas(net, -1));
    assert_null(pm_net_layer_activations(net, 2));
    assert_true(isnan(pm_net_weight_distance(net, 2)));
    assert_int_equal(pm_net_layer_size(net, 7), 0);
    assert_unchanged(net, w);
    /* and the net still works: a good learn after all that changes weights */
    assert_int_equal(pm_net_learn(net, PM_RULE_BACKPROP, 0.5, 0.1, 1), PM_OK);
    assert_true(pm_net_weight_distance(net, -1) > 0);
    free(w);
    pm_net_destroy(net);
}

/* A linear net whose forward pass overflows is refused (no inf stored). */
static void overflowing_forward_is_refused(void **state)
{
    (void)state;
    static const int sizes[] = {1, 1};
    pm_net *net = make_net(2, 2, sizes, PM_ACT_LINEAR, 0, PM_INIT_ZERO, 0);
    pm_net_set_weight(net, 0, 0, 0, 1e300);
    pm_net_set_weight(net, 0, 0, 1, 1e300);
    pm_net_set_weight(net, 1, 0, 0, 1e10);
    const double x[2] = {1, 1};
    assert_int_equal(pm_net_forward(net, x), PM_ERR_NONFINITE); /* 2e300 * 1e10 = inf */
    assert_int_equal(pm_net_learn(net, PM_RULE_BACKPROP, 0.1, 0.1, 1), PM_ERR_ARG); /* still no forward pass */
    pm_net_destroy(net);
}

/* ---- inspection ------------------------------------------------------------------------------------------------- */

static void distance_mark_initial_and_reset(void **state)
{
    (void)state;
    static const int sizes[] = {2, 1};
    pm_net *net = make_net(2, 2, sizes, PM_ACT_TANH, 1, PM_INIT_SYMMETRIC, 4);
    assert_true(pm_net_weight_distance(net, -1) == 0.0);
    double w = pm_net_weight(net, 0, 1, 0), v = pm_net_weight(net, 1, 0, 2);
    pm_net_set_weight(net, 0, 1, 0, w + 3);
    pm_net_set_weight(net, 1, 0, 2, v - 4);
    assert_close(pm_net_weight_distance(net, 0), 3, 1e-12);
    assert_close(pm_net_weight_distance(net, 1), 4, 1e-12);
    assert_close(pm_net_weight_distance(net, -1), 5, 1e-12); /* sqrt(9 + 16) */
    pm_net_mark_initial(net);
    assert_true(pm_net_weight_distance(net, -1) == 0.0);
    pm_net_set_weight(net, 0, 0, 0, 9);
    const double x[2] = {0.1, 0.2};
    assert_int_equal(pm_net_forward(net, x), PM_OK);
    pm_net_reset(net);
    assert_true(pm_net_weight(net, 0, 1, 0) == w + 3); /* back to the marked reference */
    assert_true(pm_net_weight_distance(net, -1) == 0.0);
    assert_int_equal(pm_net_learn(net, PM_RULE_BACKPROP, 0.1, 0.1, 1), PM_ERR_ARG); /* forward pass forgotten */
    assert_true(pm_net_outputs(net)[0] == 0.0);
    pm_net_destroy(net);
}

/* ---- allocation ------------------------------------------------------------------------------------------------- */

typedef struct {
    int calls, frees, fail_after; /* fail_after < 0: never fail */
} alloc_counter;

static void *counting_alloc(size_t size, void *ctx)
{
    alloc_counter *c = ctx;
    if (c->fail_after >= 0 && c->calls >= c->fail_after)
        return NULL;
    c->calls++;
    return malloc(size);
}

static void counting_free(void *p, void *ctx)
{
    ((alloc_counter *)ctx)->frees++;
    free(p);
}

static void allocation_only_at_creation(void **state)
{
    (void)state;
    alloc_counter c = {0, 0, 0};
    pm_net_config cfg = {.alloc_fn = counting_alloc, .free_fn = counting_free, .alloc_ctx = &c};
    pm_net *net = (pm_net *)(uintptr_t)0x1;
    assert_int_equal(pm_net_create(&cfg, &net), PM_ERR_NOMEM); /* failing allocator */
    assert_true(net == (pm_net *)(uintptr_t)0x1);
    c.fail_after = -1;
    assert_int_equal(pm_net_create(&cfg, &net), PM_OK); /* paper preset through the counting allocator */
    assert_int_equal(c.calls, 1);                       /* one allocation per net */
    double x[720];
    pm_rng r;
    pm_rng_seed(&r, 1);
    for (int step = 0; step < 1000; step++) {
        for (int i = 0; i < 720; i++)
            x[i] = pm_rng_uniform(&r) < 0.7 ? 0 : 0.25 * pm_rng_uniform(&r);
        assert_int_equal(pm_net_forward(net, x), PM_OK);
        assert_int_equal(pm_net_learn(net, step & 1 ? PM_RULE_BACKPROP : PM_RULE_PRIME_MODULATE, 0.1, 1e-3, 1),
                         PM_OK);
    }
    assert_int_equal(c.calls, 1); /* forward and learn allocated nothing */
    pm_net *k = NULL;
    c.fail_after = 1;
    assert_int_equal(pm_net_clone(net, &k), PM_ERR_NOMEM);
    assert_null(k);
    c.fail_after = -1;
    assert_int_equal(pm_net_clone(net, &k), PM_OK); /* the clone uses the same allocator */
    assert_int_equal(c.calls, 2);
    pm_net_config got = pm_net_get_config(net);
    assert_true(got.alloc_fn == counting_alloc && got.alloc_ctx == &c);
    pm_net_destroy(k);
    pm_net_destroy(net);
    assert_int_equal(c.frees, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(paper_preset_from_zero_config),
        cmocka_unit_test(init_order_follows_the_documented_rng_sequence),
        cmocka_unit_test(symmetric_init_range),
        cmocka_unit_test(determinism_and_clone),
        cmocka_unit_test(forward_matches_the_spec_formula),
        cmocka_unit_test(sigmoid_saturates_exactly),
        cmocka_unit_test(forward_lists_nonzero_inputs_at_every_position),
        cmocka_unit_test(gradient_check_tanh),
        cmocka_unit_test(gradient_check_sigmoid),
        cmocka_unit_test(prime_modulate_by_hand),
        cmocka_unit_test(sign_rule_properties),
        cmocka_unit_test(chained_sign_by_hand),
        cmocka_unit_test(depth_pm_is_free_from_normalisation),
        cmocka_unit_test(bad_configs_are_refused),
        cmocka_unit_test(bad_calls_leave_the_net_unchanged),
        cmocka_unit_test(overflowing_forward_is_refused),
        cmocka_unit_test(distance_mark_initial_and_reset),
        cmocka_unit_test(allocation_only_at_creation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
