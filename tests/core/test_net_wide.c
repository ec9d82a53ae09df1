/* Checks the network's wide-layer fast paths (blocks of ten neurons, widths 10-20, 37 and 720 inputs) against a plain
 * reference written from SPEC §2-3, weight by weight, and BP against finite differences (primod issue 14). */
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

/* ---- deterministic test data (an own generator, independent of the library's pm_rng) ---------------------------- */

static uint64_t mix_state;
static double unit(void) /* uniform in [0, 1), splitmix64 */
{
    uint64_t z = (mix_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}
static double sym(void) { return 2 * unit() - 1; }

/* Fills x (n): dense = every entry nonzero in (-1, 1); sparse = about 70 % zeros, of which a third are -0.0. */
static void make_input(double *x, int n, int sparse)
{
    for (int i = 0; i < n; i++) {
        double u = unit();
        if (sparse && u < 0.7)
            x[i] = u < 0.23 ? -0.0 : 0.0;
        else {
            double v = sym();
            x[i] = v == 0 ? 0.5 : v;
        }
    }
}

/* ---- comparison --------------------------------------------------------------------------------------------------- */

static const char *case_name; /* printed with every mismatch */

static void expect_same(double got, double want, const char *what, int step, int l, int j, int i)
{
    if (!(got == want) || signbit(got) != signbit(want)) { /* the bits: a -0 where the reference has +0 counts */
        print_message("%s: %s differs at step %d layer %d neuron %d input %d: got %.17g want %.17g\n", case_name, what,
                      step, l, j, i, got, want);
        fail();
    }
}

static void compare_activations(const pm_net *net, const ref_net *r, int step)
{
    for (int l = 0; l < r->L; l++) {
        const double *a = pm_net_layer_activations(net, l);
        for (int j = 0; j < r->size[l]; j++)
            expect_same(a[j], r->y[l + 1][j], "activation", step, l, j, -1);
    }
}

static void compare_learned(const pm_net *net, const ref_net *r, int step)
{
    for (int l = 0; l < r->L; l++) {
        const double *d = pm_net_layer_deltas(net, l);
        for (int j = 0; j < r->size[l]; j++)
            expect_same(d[j], r->d[l][j], "delta", step, l, j, -1);
        for (int j = 0; j < r->size[l]; j++)
            for (int i = 0; i < ref_cols(r, l); i++)
                expect_same(pm_net_weight(net, l, j, i), r->w[l][(long)j * ref_cols(r, l) + i], "weight", step, l, j,
                            i);
    }
}

/* ---- the per-weight comparison over widths, activations, bias, input kinds and rules ----------------------------- */

static const int widths[] = {10, 11, 12, 16, 20};
static const pm_activation acts[] = {PM_ACT_SIGMOID, PM_ACT_TANH, PM_ACT_LINEAR, PM_ACT_RELU};
static const char *const act_names[] = {"sigmoid", "tanh", "linear", "relu"};
static const char *const rule_names[] = {"bp", "pm", "chained"};

/* Shape {W, 10, W, 3}: layer 0 (sparse kernel) has W neurons (a ten-block plus W - 10 in pairs / singles, or two
 * ten-blocks at 20); layer 1 has 10 neurons fed by W inputs (dense paths, width-10 backward block); layer 2 has W
 * neurons fed by 10 inputs (the n == 10 forward / update paths); layer 3, the output, is fed by W. */
static pm_net *make_wide(int n_in, int width, pm_activation act, int bias, unsigned long long seed, int *sizes)
{
    sizes[0] = width;
    sizes[1] = 10;
    sizes[2] = width;
    sizes[3] = 3;
    pm_net_config cfg = {.n_inputs = n_in, .n_layers = 4, .layer_sizes = sizes, .activation = act, .seed = seed,
                         .use_bias = bias, .init = PM_INIT_SYMMETRIC, .init_scale = 1.5};
    pm_net *net = NULL;
    assert_int_equal(pm_net_create(&cfg, &net), PM_OK);
    if (bias) /* nonzero biases so a wrong bias index shows */
        for (int l = 0; l < 4; l++)
            for (int j = 0; j < sizes[l]; j++)
                assert_int_equal(pm_net_set_weight(net, l, j, pm_net_layer_inputs(net, l), 0.3 * sym()), PM_OK);
    return net;
}

static void run_case(int n_in, int width, pm_activation act, int bias, int sparse, pm_rule rule)
{
    char name[128];
    snprintf(name, sizeof name, "%d -> {%d,10,%d,3} %s %s %s %s", n_in, width, width, act_names[act],
             bias ? "bias" : "no-bias", sparse ? "sparse" : "dense", rule_names[rule]);
    case_name = name;
    mix_state = (uint64_t)(n_in * 1000003 + width * 1009 + act * 101 + bias * 11 + sparse * 3 + rule);
    int sizes[4];
    pm_net *net = make_wide(n_in, width, act, bias, mix_state, sizes);
    ref_net r;
    ref_init(&r, net);
    double *x = malloc(sizeof(double) * (size_t)n_in);
    assert_non_null(x);
    /* P&M moves every weight by rate * R * |y| whatever the delta's size: a smaller rate keeps linear / relu nets
     * bounded over the steps; BP's steps are proportional to the (small) deltas. */
    const double rate = rule == PM_RULE_BACKPROP ? 0.05 : 0.01;
    enum { STEPS = 6 };
    for (int step = 0; step < STEPS; step++) {
        make_input(x, n_in, sparse);
        assert_int_equal(pm_net_forward(net, x), PM_OK);
        ref_forward(&r, x);
        compare_activations(net, &r, step);
        /* errors: a broadcast E of alternating sign, then a per-output vector with a zero entry (sign(0) = 0) */
        double err[3];
        const double rel = 1.0 + step;
        if (step >= 4) { /* E = 0 (the closed loop's usual step): broadcast, then as a vector; nothing may change */
            err[0] = err[1] = err[2] = 0.0;
            if (step == 4)
                assert_int_equal(pm_net_learn(net, rule, 0.0, rate, rel), PM_OK);
            else
                assert_int_equal(pm_net_learn_vec(net, rule, err, rate, rel), PM_OK);
        } else if (step % 2 == 0) {
            err[0] = err[1] = err[2] = step % 4 == 0 ? 0.7 : -0.45;
            assert_int_equal(pm_net_learn(net, rule, err[0], rate, rel), PM_OK);
        } else {
            err[0] = 0.6;
            err[1] = 0.0;
            err[2] = -0.35;
            assert_int_equal(pm_net_learn_vec(net, rule, err, rate, rel), PM_OK);
        }
        ref_learn(&r, rule, err, rate, rel);
        compare_learned(net, &r, step);
    }
    /* one more forward pass on the learned weights: the updated weights are read back by the fast paths too */
    make_input(x, n_in, sparse);
    assert_int_equal(pm_net_forward(net, x), PM_OK);
    ref_forward(&r, x);
    compare_activations(net, &r, STEPS);
    free(x);
    ref_free(&r);
    pm_net_destroy(net);
}

static void wide_nets_match_the_reference(int n_in)
{
    for (int w = 0; w < (int)(sizeof widths / sizeof widths[0]); w++)
        for (int a = 0; a < 4; a++)
            for (int bias = 0; bias < 2; bias++)
                for (int sparse = 0; sparse < 2; sparse++)
                    for (int rule = 0; rule < 3; rule++)
                        run_case(n_in, widths[w], acts[a], bias, sparse, (pm_rule)rule);
}

static void wide_nets_37_inputs_match_the_reference(void **state)
{
    (void)state;
    wide_nets_match_the_reference(37);
}

static void wide_nets_720_inputs_match_the_reference(void **state)
{
    (void)state;
    wide_nets_match_the_reference(720);
}

/* The paper's own shape, 720 -> 10 x 10 -> 2, sigmoid, all-positive paper initialisation, sparse inputs: every
 * rule, several steps (the closed-loop test in tests/loop drives the same shape through pm_loop). */
static void paper_shape_matches_the_reference(void **state)
{
    (void)state;
    for (int rule = 0; rule < 3; rule++) {
        char name[64];
        snprintf(name, sizeof name, "paper shape %s", rule_names[rule]);
        case_name = name;
        mix_state = 99 + (uint64_t)rule;
        pm_net_config cfg = {0};
        pm_net *net = NULL;
        assert_int_equal(pm_net_create(&cfg, &net), PM_OK);
        ref_net r;
        ref_init(&r, net);
        double x[720];
        for (int step = 0; step < 6; step++) {
            make_input(x, 720, 1);
            assert_int_equal(pm_net_forward(net, x), PM_OK);
            ref_forward(&r, x);
            compare_activations(net, &r, step);
            double err[2] = {step % 3 == 1 ? -0.8 : 0.5, step % 3 == 1 ? -0.8 : 0.5};
            assert_int_equal(pm_net_learn(net, (pm_rule)rule, err[0], 0.5, 1.0 + step), PM_OK);
            ref_learn(&r, (pm_rule)rule, err, 0.5, 1.0 + step);
            compare_learned(net, &r, step);
        }
        ref_free(&r);
        pm_net_destroy(net);
    }
}

/* ---- finite differences on the wide shapes (the approach of test_net.c's gradient check) ------------------------- */

/* With O = sum_m o_m and E constant, delta_j^l = E dO/dv_j^l, so BP's dw = rate * E * dO/dw (SPEC §3; derivation in
 * test_net.c). dO/dw by central differences, h = 1e-6: truncation O(h^2) plus rounding ~eps * |O| / h ~ 1e-10, so a
 * relative 1e-5 plus 1e-8 absolute separates a right update from a wrong one (a misread weight is off by O(1)).
 * ReLU is left out: a pre-activation within h of its kink would make the difference quotient meaningless. */
static void bp_matches_finite_differences(int width, pm_activation act, int bias, int sparse)
{
    char name[96];
    snprintf(name, sizeof name, "fd 37 -> {%d,10,%d,3} %s %s %s", width, width, act_names[act],
             bias ? "bias" : "no-bias", sparse ? "sparse" : "dense");
    mix_state = (uint64_t)(width * 7 + act * 3 + bias + sparse * 5 + 12345);
    int sizes[4];
    pm_net *net = make_wide(37, width, act, bias, mix_state, sizes);
    double x[37];
    make_input(x, 37, sparse);
    const double rate = 0.25, E = 0.6, h = 1e-6;
    const long nw = pm_net_n_weights(net);
    double *grad = malloc(sizeof(double) * (size_t)nw), *before = malloc(sizeof(double) * (size_t)nw);
    assert_true(grad && before);
    long k = 0;
    for (int l = 0; l < 4; l++)
        for (int j = 0; j < sizes[l]; j++)
            for (int i = 0; i < pm_net_layer_inputs(net, l) + bias; i++, k++) {
                const double w = pm_net_weight(net, l, j, i);
                double o[2];
                for (int s = 0; s < 2; s++) {
                    assert_int_equal(pm_net_set_weight(net, l, j, i, w + (s ? -h : h)), PM_OK);
                    assert_int_equal(pm_net_forward(net, x), PM_OK);
                    const double *out = pm_net_outputs(net);
                    o[s] = out[0] + out[1] + out[2];
                }
                assert_int_equal(pm_net_set_weight(net, l, j, i, w), PM_OK);
                before[k] = w;
                grad[k] = (o[0] - o[1]) / (2 * h);
            }
    assert_int_equal(k, nw);
    assert_int_equal(pm_net_forward(net, x), PM_OK);
    assert_int_equal(pm_net_learn(net, PM_RULE_BACKPROP, E, rate, 1.0), PM_OK);
    k = 0;
    for (int l = 0; l < 4; l++)
        for (int j = 0; j < sizes[l]; j++)
            for (int i = 0; i < pm_net_layer_inputs(net, l) + bias; i++, k++) {
                const double dw = pm_net_weight(net, l, j, i) - before[k], want = rate * E * grad[k];
                if (!(fabs(dw - want) <= 1e-5 * fabs(want) + 1e-8)) {
                    print_message("%s: layer %d neuron %d input %d: dw %.17g, rate * E * dO/dw %.17g\n", name, l, j,
                                  i, dw, want);
                    fail();
                }
            }
    free(grad);
    free(before);
    pm_net_destroy(net);
}

static void wide_bp_is_a_gradient_step(void **state)
{
    (void)state;
    static const pm_activation smooth[] = {PM_ACT_SIGMOID, PM_ACT_TANH, PM_ACT_LINEAR};
    for (int w = 0; w < (int)(sizeof widths / sizeof widths[0]); w++)
        for (int a = 0; a < 3; a++)
            for (int bias = 0; bias < 2; bias++)
                for (int sparse = 0; sparse < 2; sparse++)
                    bp_matches_finite_differences(widths[w], smooth[a], bias, sparse);
}

/* The reference itself must be able to fail: a weight changed behind the net's back is seen at once. */
static void the_comparison_sees_a_single_changed_weight(void **state)
{
    (void)state;
    int sizes[4];
    mix_state = 7;
    pm_net *net = make_wide(37, 12, PM_ACT_TANH, 1, 7, sizes);
    ref_net r;
    ref_init(&r, net);
    double x[37];
    make_input(x, 37, 0);
    r.w[0][5 * 38 + 3] += 0x1p-40; /* neuron 5, input 3 of layer 0, a few hundred ulps */
    assert_int_equal(pm_net_forward(net, x), PM_OK);
    ref_forward(&r, x);
    const double *a = pm_net_layer_activations(net, 0);
    assert_true(a[5] != r.y[1][5]);
    for (int j = 0; j < 12; j++)
        if (j != 5)
            assert_true(a[j] == r.y[1][j]);
    ref_free(&r);
    pm_net_destroy(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_comparison_sees_a_single_changed_weight),
        cmocka_unit_test(wide_nets_37_inputs_match_the_reference),
        cmocka_unit_test(wide_nets_720_inputs_match_the_reference),
        cmocka_unit_test(paper_shape_matches_the_reference),
        cmocka_unit_test(wide_bp_is_a_gradient_step),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
