/* pm_net_learn_forward(_vec) against pm_net_learn(_vec) followed by pm_net_forward on a clone, bit for bit (net.h:
 * "the result is that of the two calls to the last bit"), over rules, activations, bias, shapes, input kinds that
 * take layer 0's sparse and dense passes (and the switches between them), and every refusal. */
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

/* ---- deterministic test data (an own generator, splitmix64) ------------------------------------------------------ */

static uint64_t mix_state;
static double unit(void) /* uniform in [0, 1) */
{
    uint64_t z = (mix_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1.0p-53;
}

/* Input kinds: how many entries are exactly zero (+0 or -0). The net's layer 0 is visited through the list of
 * nonzero inputs when the last input had fewer than 7/8 nonzero entries, in one dense pass otherwise (net_kernels.c);
 * the kinds below take both, and the dense pass both with every old input nonzero and with a few zeros. */
enum { K_SPARSE, K_DENSE, K_FEW_ZEROS, K_ZERO, N_KINDS };

static void make_input(double *x, int n, int kind)
{
    for (int i = 0; i < n; i++) {
        const double u = unit(), v = 2 * unit() - 1;
        const double nz = v == 0 ? 0.5 : v;
        const double zero = u < 0.5 ? -0.0 : 0.0;
        switch (kind) {
        case K_SPARSE: x[i] = u < 0.7 ? zero : nz; break;
        case K_DENSE: x[i] = nz; break;
        case K_FEW_ZEROS: x[i] = u < 0.05 ? zero : nz; break;
        default: x[i] = zero; break;
        }
    }
}

/* ---- bitwise comparison of two nets ------------------------------------------------------------------------------ */

static const char *case_name;

static void same_bits(const double *a, const double *b, long n, const char *what, int layer)
{
    if (memcmp(a, b, sizeof(double) * (size_t)n) != 0) {
        for (long k = 0; k < n; k++)
            if (memcmp(a + k, b + k, sizeof(double)) != 0) {
                print_message("%s: %s of layer %d differ at %ld: %.17g vs %.17g\n", case_name, what, layer, k, a[k],
                              b[k]);
                break;
            }
        fail();
    }
}

/* Everything observable: weights (memcmp: also the sign of a zero), activations, deltas, outputs, distances. */
static void assert_same_net(const pm_net *a, const pm_net *b)
{
    const int L = pm_net_n_layers(a);
    assert_int_equal(L, pm_net_n_layers(b));
    for (int l = 0; l < L; l++) {
        int ra, ca, rb, cb;
        const double *wa = pm_net_layer_weights(a, l, &ra, &ca), *wb = pm_net_layer_weights(b, l, &rb, &cb);
        assert_true(ra == rb && ca == cb);
        same_bits(wa, wb, (long)ra * ca, "weights", l);
        same_bits(pm_net_layer_activations(a, l), pm_net_layer_activations(b, l), ra, "activations", l);
        same_bits(pm_net_layer_deltas(a, l), pm_net_layer_deltas(b, l), ra, "deltas", l);
    }
    same_bits(pm_net_outputs(a), pm_net_outputs(b), pm_net_n_outputs(a), "outputs", L - 1);
    const double da = pm_net_weight_distance(a, -1), db = pm_net_weight_distance(b, -1);
    same_bits(&da, &db, 1, "distance", -1);
}

/* ---- the equivalence over many steps ----------------------------------------------------------------------------- */

static const pm_activation acts[] = {PM_ACT_SIGMOID, PM_ACT_TANH, PM_ACT_LINEAR, PM_ACT_RELU};
static const char *const act_names[] = {"sigmoid", "tanh", "linear", "relu"};

/* One fused step on a and the two calls on b; both must return the same status and leave the same net. */
static pm_status step_both(pm_net *a, pm_net *b, pm_rule rule, const double *err, int vec, double rate, double rel,
                           const double *x)
{
    pm_status sa, sb;
    if (vec) {
        sa = pm_net_learn_forward_vec(a, rule, err, rate, rel, x);
        sb = pm_net_learn_vec(b, rule, err, rate, rel);
    } else {
        sa = pm_net_learn_forward(a, rule, err[0], rate, rel, x);
        sb = pm_net_learn(b, rule, err[0], rate, rel);
    }
    if (sb == PM_OK)
        sb = pm_net_forward(b, x);
    assert_int_equal(sa, sb);
    assert_same_net(a, b);
    return sa;
}

/* Steps through a sequence of input kinds (so the nonzero sets differ from step to step and layer 0 switches between
 * its sparse and dense passes), alternating broadcast and per-output errors of both signs, with a zero entry. */
static void run_case(int n_in, int n_layers, const int *sizes, pm_activation act, int bias, pm_rule rule,
                     const int *kinds, int n_steps)
{
    pm_net_config cfg = {.n_inputs = n_in, .n_layers = n_layers, .layer_sizes = sizes, .activation = act,
                         .seed = mix_state, .use_bias = bias, .init = PM_INIT_SYMMETRIC};
    pm_net *a = NULL, *b = NULL;
    assert_int_equal(pm_net_create(&cfg, &a), PM_OK);
    /* a few weights of -0.0 (a model file can hold them): an update must leave them as the two calls do */
    for (int l = 0; l < n_layers; l++)
        assert_int_equal(pm_net_set_weight(a, l, 0, 1, -0.0), PM_OK);
    if (bias)
        for (int l = 0; l < n_layers; l++)
            assert_int_equal(pm_net_set_weight(a, l, 1, pm_net_layer_inputs(a, l), 0.25 * (2 * unit() - 1)), PM_OK);
    assert_int_equal(pm_net_clone(a, &b), PM_OK);
    double *x = malloc(sizeof(double) * (size_t)n_in);
    assert_non_null(x);
    make_input(x, n_in, kinds[0]);
    assert_int_equal(pm_net_forward(a, x), PM_OK);
    assert_int_equal(pm_net_forward(b, x), PM_OK);
    const double rate = rule == PM_RULE_BACKPROP ? 0.05 : 0.01;
    double err[16];
    const int n_out = sizes[n_layers - 1];
    assert_true(n_out <= 16);
    for (int s = 1; s < n_steps; s++) {
        make_input(x, n_in, kinds[s]);
        for (int m = 0; m < n_out; m++)
            err[m] = m == 1 ? 0.0 : (s % 3 == 0 ? -0.4 : 0.6) * (1 + 0.1 * m);
        if (s % 5 == 4) /* E = 0: every coefficient 0, the update skipped block by block */
            err[0] = 0.0;
        assert_int_equal(step_both(a, b, rule, err, s % 2, rate, 1.0 + 0.25 * s, x), PM_OK);
    }
    free(x);
    pm_net_destroy(a);
    pm_net_destroy(b);
}

/* The kinds of successive inputs: every transition between the passes happens at least once. */
static const int kind_seq[] = {K_SPARSE, K_SPARSE, K_DENSE, K_DENSE, K_FEW_ZEROS, K_FEW_ZEROS, K_DENSE, K_SPARSE,
                               K_ZERO, K_DENSE, K_ZERO, K_FEW_ZEROS, K_SPARSE, K_DENSE, K_DENSE, K_SPARSE};
#define N_SEQ ((int)(sizeof kind_seq / sizeof kind_seq[0]))

static void shapes_rules_activations(int n_in, int width)
{
    int sizes[4] = {width, 10, width, 3};
    for (int act = 0; act < 4; act++)
        for (int bias = 0; bias < 2; bias++)
            for (int rule = 0; rule < PM_N_RULES; rule++) {
                char name[128];
                snprintf(name, sizeof name, "%d -> {%d,10,%d,3} %s %s rule %d", n_in, width, width, act_names[act],
                         bias ? "bias" : "no-bias", rule);
                case_name = name;
                mix_state = (uint64_t)(n_in * 7919 + width * 131 + act * 17 + bias * 5 + rule);
                run_case(n_in, 4, sizes, acts[act], bias, (pm_rule)rule, kind_seq, N_SEQ);
            }
}

static void fused_equals_two_calls_37_inputs(void **state)
{
    (void)state;
    static const int widths[] = {10, 12, 20}; /* 12: no dense pass (not blocks of ten), always the list */
    for (int w = 0; w < 3; w++)
        shapes_rules_activations(37, widths[w]);
}

static void fused_equals_two_calls_720_inputs(void **state)
{
    (void)state;
    shapes_rules_activations(720, 10);
    shapes_rules_activations(720, 20);
}

/* The paper's shape (720 -> 10 x 10 -> 2, sigmoid, no bias), every rule, over a longer run of each pass. */
static void fused_equals_two_calls_paper_shape(void **state)
{
    (void)state;
    static const int paper[] = {10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 2};
    int kinds[40];
    for (int s = 0; s < 40; s++)
        kinds[s] = s < 12 ? K_SPARSE : s < 26 ? K_DENSE : s < 34 ? K_FEW_ZEROS : K_SPARSE;
    for (int rule = 0; rule < PM_N_RULES; rule++) {
        char name[64];
        snprintf(name, sizeof name, "paper shape rule %d", rule);
        case_name = name;
        mix_state = 4242 + (uint64_t)rule;
        run_case(720, 11, paper, PM_ACT_SIGMOID, 0, (pm_rule)rule, kinds, 40);
    }
}

/* ---- refusals ---------------------------------------------------------------------------------------------------- */

/* Copies of everything observable, to check "nothing changed". */
static pm_net *copy_of(const pm_net *net)
{
    pm_net *c = NULL;
    assert_int_equal(pm_net_clone(net, &c), PM_OK);
    return c;
}

static void refusals_match_the_two_calls(void **state)
{
    (void)state;
    case_name = "refusals";
    mix_state = 77;
    static const int sizes[] = {10, 10, 2};
    pm_net_config cfg = {.n_inputs = 40, .n_layers = 3, .layer_sizes = sizes, .seed = 5, .init = PM_INIT_SYMMETRIC};
    pm_net *a = NULL;
    assert_int_equal(pm_net_create(&cfg, &a), PM_OK);
    double x[40], y[40];
    for (int kind = 0; kind < 2; kind++) { /* sparse, then dense: both passes of layer 0 */
        make_input(x, 40, kind == 0 ? K_SPARSE : K_DENSE);
        make_input(y, 40, kind == 0 ? K_SPARSE : K_DENSE);
        /* before any forward pass: the learn refuses (PM_ERR_ARG), no forward is done */
        pm_net_reset(a);
        pm_net *before = copy_of(a);
        assert_int_equal(pm_net_learn_forward(a, PM_RULE_BACKPROP, 0.5, 0.1, 1, x), PM_ERR_ARG);
        assert_same_net(a, before);
        pm_net_destroy(before);
        /* two forward passes with the same kind, so the next step takes this kind's pass */
        assert_int_equal(pm_net_forward(a, y), PM_OK);
        assert_int_equal(pm_net_forward(a, x), PM_OK);
        before = copy_of(a);
        /* a refused learn changes nothing and does no forward pass */
        const double bad[3] = {NAN, INFINITY, -INFINITY};
        for (int k = 0; k < 3; k++) {
            assert_int_equal(pm_net_learn_forward(a, PM_RULE_BACKPROP, bad[k], 0.1, 1, y), PM_ERR_NONFINITE);
            assert_int_equal(pm_net_learn_forward(a, PM_RULE_PRIME_MODULATE, 0.5, bad[k], 1, y), PM_ERR_NONFINITE);
            assert_int_equal(pm_net_learn_forward(a, PM_RULE_CHAINED_SIGN, 0.5, 0.1, bad[k], y), PM_ERR_NONFINITE);
            const double ev[2] = {0.1, bad[k]};
            assert_int_equal(pm_net_learn_forward_vec(a, PM_RULE_BACKPROP, ev, 0.1, 1, y), PM_ERR_NONFINITE);
        }
        assert_int_equal(pm_net_learn_forward(a, (pm_rule)PM_N_RULES, 0.5, 0.1, 1, y), PM_ERR_ARG);
        assert_int_equal(pm_net_learn_forward(a, PM_RULE_BACKPROP, 0.0, 1e300, 1e300, y), PM_ERR_NONFINITE);
        assert_int_equal(pm_net_learn_forward(a, PM_RULE_PRIME_MODULATE, 1.0, 1e308, 1e10, y), PM_ERR_NONFINITE);
        /* NULL arguments: refused up front, nothing changed (net.h: also NULL inputs) */
        assert_int_equal(pm_net_learn_forward(NULL, PM_RULE_BACKPROP, 0.5, 0.1, 1, y), PM_ERR_ARG);
        assert_int_equal(pm_net_learn_forward(a, PM_RULE_BACKPROP, 0.5, 0.1, 1, NULL), PM_ERR_ARG);
        assert_int_equal(pm_net_learn_forward_vec(a, PM_RULE_BACKPROP, NULL, 0.1, 1, y), PM_ERR_ARG);
        assert_same_net(a, before);
        pm_net_destroy(before);

        /* the forward pass refuses (a non-finite input): the update stays applied, the forward state is kept, as
         * with the two calls */
        pm_net *b = copy_of(a);
        double z[40];
        memcpy(z, y, sizeof z);
        z[kind == 0 ? 39 : 7] = NAN;
        assert_int_equal(step_both(a, b, PM_RULE_BACKPROP, (const double[]){0.5}, 0, 0.1, 1, z), PM_ERR_NONFINITE);
        assert_true(pm_net_weight_distance(a, -1) > 0); /* the update happened */
        z[kind == 0 ? 39 : 7] = -INFINITY;
        assert_int_equal(step_both(a, b, PM_RULE_PRIME_MODULATE, (const double[]){-0.5}, 0, 0.1, 1, z),
                         PM_ERR_NONFINITE);
        /* and both go on alike */
        assert_int_equal(step_both(a, b, PM_RULE_PRIME_MODULATE, (const double[]){0.3}, 0, 0.1, 1, y), PM_OK);
        pm_net_destroy(b);
    }
    pm_net_destroy(a);
}

/* Weights near overflow make learn check every new weight exactly (net_kernels.c SAFE_BOUND); the fused call takes
 * the same path, applies the same update or refuses the same way. */
static void huge_weights_take_the_exact_check(void **state)
{
    (void)state;
    case_name = "huge weights";
    mix_state = 99;
    static const int sizes[] = {10, 2};
    pm_net_config cfg = {.n_inputs = 16, .n_layers = 2, .layer_sizes = sizes, .seed = 2,
                         .activation = PM_ACT_LINEAR, .init = PM_INIT_SYMMETRIC};
    for (int kind = 0; kind < 2; kind++) {
        pm_net *a = NULL;
        assert_int_equal(pm_net_create(&cfg, &a), PM_OK);
        assert_int_equal(pm_net_set_weight(a, 0, 3, 2, 1e301), PM_OK); /* bound above 1e300 */
        double x[16];
        make_input(x, 16, kind == 0 ? K_SPARSE : K_DENSE);
        x[2] = 0.0; /* the huge weight's input is 0: the forward pass stays finite */
        assert_int_equal(pm_net_forward(a, x), PM_OK);
        pm_net *b = copy_of(a);
        make_input(x, 16, kind == 0 ? K_SPARSE : K_DENSE);
        x[2] = 0.0;
        assert_int_equal(step_both(a, b, PM_RULE_BACKPROP, (const double[]){0.5}, 0, 0.01, 1, x), PM_OK);
        assert_int_equal(step_both(a, b, PM_RULE_PRIME_MODULATE, (const double[]){-0.5}, 0, 0.01, 1, x), PM_OK);
        pm_net_destroy(a);
        pm_net_destroy(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fused_equals_two_calls_37_inputs),
        cmocka_unit_test(fused_equals_two_calls_720_inputs),
        cmocka_unit_test(fused_equals_two_calls_paper_shape),
        cmocka_unit_test(refusals_match_the_two_calls),
        cmocka_unit_test(huge_weights_take_the_exact_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
