/* Tests of the closed-loop runner (SPEC §5-6): reflex, steering vs hand computation, learning order vs a manually
 * driven net (bit-identical), dead band, determinism, refused input, lost/success statistics, config errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "primod/loop.h"
#include "primod/relevance.h"
#include "primod/rng.h"

#define NP 6        /* predictors: 2 rows of 3 */
#define NF 2        /* filters per predictor */
#define NI (NP * NF)

static const int small_sizes[2] = {3, 2};
static const double small_mix[2] = {1.0, 2.0};

/* A small loop config: 6 predictors in 2 rows of 3, 2 resonators each (T 3..10), net 12 -> 3 -> 2 (sigmoid - 0.5). */
static pm_loop_config small_config(pm_loop_rule rule)
{
    pm_loop_config c;
    pm_loop_config_paper(&c);
    c.n_predictors = NP;
    c.n_rows = 2;
    c.row_len = 3;
    c.filter.n_filters = NF;
    c.net.n_layers = 2;
    c.net.layer_sizes = small_sizes;
    c.net.seed = 7;
    c.rule = rule;
    c.rate = 0.1;
    c.output_mix = small_mix;
    c.lost_steps = 3;
    return c;
}

static pm_loop *make(const pm_loop_config *c)
{
    pm_loop *l = NULL;
    assert_int_equal(pm_loop_create(c, &l), PM_OK);
    assert_non_null(l);
    return l;
}

/* Deterministic pseudo-sensor values: E in [-0.5, 0.5), predictors in [0, 0.25) (like SPEC §6 predictors). */
static void sensors(pm_rng *rng, double *e, double *p)
{
    *e = pm_rng_uniform(rng) - 0.5;
    for (int i = 0; i < NP; i++)
        p[i] = 0.25 * pm_rng_uniform(rng);
}

static int nets_equal(const pm_net *a, const pm_net *b)
{
    if (pm_net_n_layers(a) != pm_net_n_layers(b))
        return 0;
    for (int l = 0; l < pm_net_n_layers(a); l++) {
        int ra, ca, rb, cb;
        const double *wa = pm_net_layer_weights(a, l, &ra, &ca), *wb = pm_net_layer_weights(b, l, &rb, &cb);
        if (ra != rb || ca != cb || memcmp(wa, wb, (size_t)ra * ca * sizeof(double)) != 0)
            return 0;
    }
    return 1;
}

static void rule_names_round_trip(void **state)
{
    (void)state;
    const char *names[] = {"reflex", "bp", "pm", "sr", "sign", "chained", "sat", "satsign", "motion"};
    for (int r = 0; r < PM_LOOP_N_RULES; r++) {
        assert_string_equal(pm_loop_rule_name((pm_loop_rule)r), names[r]);
        pm_loop_rule back = PM_LOOP_N_RULES;
        assert_int_equal(pm_loop_rule_parse(names[r], &back), PM_OK);
        assert_int_equal(back, r);
    }
    pm_loop_rule keep = PM_LOOP_SR;
    assert_int_equal(pm_loop_rule_parse("PM", &keep), PM_ERR_ARG);
    assert_int_equal(pm_loop_rule_parse("p&m", &keep), PM_ERR_ARG);
    assert_int_equal(pm_loop_rule_parse("", &keep), PM_ERR_ARG);
    assert_int_equal(pm_loop_rule_parse("bpx", &keep), PM_ERR_ARG);
    assert_int_equal(pm_loop_rule_parse(NULL, &keep), PM_ERR_ARG);
    assert_int_equal(pm_loop_rule_parse("bp", NULL), PM_ERR_ARG);
    assert_int_equal(keep, PM_LOOP_SR);
    assert_string_equal(pm_loop_rule_name((pm_loop_rule)99), "unknown");
}

static void paper_config_values(void **state)
{
    (void)state;
    pm_loop_config c;
    pm_loop_config_paper(&c);
    /* SPEC §6 paper preset */
    assert_int_equal(c.n_predictors, 144);
    assert_int_equal(c.n_rows, 3);
    assert_int_equal(c.row_len, 48);
    assert_int_equal(c.rule, PM_LOOP_PM);
    assert_true(c.rate == 1e-5 && c.dead_band == 1e-9 && c.speed == 30.0 && c.net_gain == 5.0);
    assert_true(c.output_mix[0] == 1.0 && c.output_mix[1] == 2.0);
    assert_int_equal(c.success.window, 200);
    pm_loop *l = make(&c);
    /* 144 predictors x 5 filters = 720 inputs; 10 x 10 hidden + 2 outputs = 11 layers */
    assert_int_equal(pm_loop_n_predictors(l), 144);
    assert_int_equal(pm_loop_n_inputs(l), 720);
    assert_int_equal(pm_loop_n_outputs(l), 2);
    assert_int_equal(pm_net_n_layers(pm_loop_net(l)), 11);
    assert_int_equal(pm_net_n_inputs(pm_loop_net(l)), 720);
    /* 720*10 + 9*10*10 + 10*2 = 7200 + 900 + 20 = 8120 weights (SPEC §8) */
    assert_int_equal(pm_net_n_weights(pm_loop_net(l)), 8120);
    pm_loop_config g = pm_loop_get_config(l);
    assert_int_equal(g.filter.n_signals, 144);
    assert_int_equal(g.filter.n_filters, 5);
    assert_int_equal(g.net.n_inputs, 720);
    assert_true(g.output_mix != c.output_mix && g.output_mix[1] == 2.0);   /* copied */
    pm_loop_destroy(l);
}

static void reflex_steers_with_error_only(void **state)
{
    (void)state;
    pm_loop_config c = small_config(PM_LOOP_REFLEX);
    c.output_mix = NULL;   /* allowed for reflex */
    pm_loop *l = make(&c);
    assert_null(pm_loop_net(l));
    assert_null(pm_loop_net_mut(l));
    assert_int_equal(pm_loop_n_outputs(l), 0);
    assert_int_equal(pm_loop_replace_net(l, (pm_net *)&c), PM_ERR_ARG);   /* no net to replace */
    pm_rng rng;
    pm_rng_seed(&rng, 3);
    double p[NP], e;
    for (int n = 0; n < 50; n++) {
        sensors(&rng, &e, p);
        e *= 200.0;   /* wheel speeds are not clamped: |E| up to 100 gives wheels outside +-100 */
        pm_loop_input in = {.error = e, .predictors = p, .line_seen = 1};
        pm_loop_output out;
        assert_int_equal(pm_loop_step(l, &in, &out), PM_OK);
        assert_true(out.steering == e);
        assert_true(out.left == 30.0 + e);
        assert_true(out.right == 30.0 - e);
        assert_null(out.outputs);
        assert_true(out.relevance == 1.0);
    }
    assert_int_equal(pm_loop_steps(l), 50);
    pm_loop_destroy(l);
}

/* Independent forward pass of the small net from its weights: y = f(W y_prev), f(v) = 1/(1+exp(-v)) - 0.5. */
static void forward_by_hand(const pm_net *net, const double *x, double *o)
{
    double a[NI], b[NI];
    memcpy(a, x, sizeof a);
    int n_in = NI;
    for (int l = 0; l < 2; l++) {
        for (int j = 0; j < small_sizes[l]; j++) {
            double v = 0;
            for (int i = 0; i < n_in; i++)
                v += pm_net_weight(net, l, j, i) * a[i];
            b[j] = 1.0 / (1.0 + exp(-v)) - 0.5;
        }
        n_in = small_sizes[l];
        memcpy(a, b, (size_t)n_in * sizeof(double));
    }
    o[0] = a[0];
    o[1] = a[1];
}

static void steering_matches_independent_computation(void **state)
{
    (void)state;
    pm_loop_config c = small_config(PM_LOOP_BP);
    c.learn = 0;
    c.net.init_scale = 3.0;   /* large enough weights that the outputs are far from 0 */
    c.net.first_layer_scale = 3.0;
    pm_loop *l = make(&c);
    pm_filter_config fc = c.filter;
    fc.n_signals = NP;
    pm_filter *f = NULL;
    assert_int_equal(pm_filter_create(&fc, &f), PM_OK);
    pm_rng rng;
    pm_rng_seed(&rng, 11);
    double p[NP], e, x[NI], o[2];
    double max_net = 0;
    const double *x_ptr = pm_loop_inputs(l);   /* stable address, contents updated by each step */
    for (int n = 0; n < 40; n++) {
        sensors(&rng, &e, p);
        pm_loop_input in = {.error = e, .predictors = p, .line_seen = 1};
        pm_loop_output out;
        assert_int_equal(pm_loop_step(l, &in, &out), PM_OK);
        assert_int_equal(pm_filter_step(f, p, x), PM_OK);
        assert_ptr_equal(pm_loop_inputs(l), x_ptr);
        assert_memory_equal(x_ptr, x, sizeof x);
        forward_by_hand(pm_loop_net(l), x, o);
        /* s = E + g_N (c_1 o_1 + c_2 o_2) = E + 5 (o_1 + 2 o_2) */
        const double s = e + 5.0 * (1.0 * o[0] + 2.0 * o[1]);
        assert_true(fabs(out.outputs[0] - o[0]) < 1e-12 && fabs(out.outputs[1] - o[1]) < 1e-12);
        assert_true(fabs(out.steering - s) < 1e-12);
        assert_true(out.left == 30.0 + out.steering && out.right == 30.0 - out.steering);
        if (fabs(out.steering - e) > max_net)
            max_net = fabs(out.steering - e);
    }
    assert_true(max_net > 1e-3);   /* the network term really contributed */
    pm_filter_destroy(f);
    pm_loop_destroy(l);
}

/* Drives the loop and a manual filter + net side by side in SPEC §5 order; everything must be bit-identical. */
static void check_learning_order(pm_loop_rule rule, pm_rule net_rule, double dead_band)
{
    pm_loop_config c = small_config(rule);
    c.dead_band = dead_band;
    c.relevance_threshold = 0.2;   /* predictors are U[0, 0.25): rows sometimes see no line */
    pm_loop *l = make(&c);
    pm_filter_config fc = c.filter;
    fc.n_signals = NP;
    pm_net_config nc = c.net;
    nc.n_inputs = NI;
    pm_filter *f = NULL;
    pm_net *net = NULL;
    assert_int_equal(pm_filter_create(&fc, &f), PM_OK);
    assert_int_equal(pm_net_create(&nc, &net), PM_OK);
    assert_true(nets_equal(net, pm_loop_net(l)));
    pm_rng rng;
    pm_rng_seed(&rng, 5);
    double p[NP], e, x[NI];
    int curv_seen = 0, k_prev = -1;
    for (int n = 0; n < 200; n++) {
        sensors(&rng, &e, p);
        if (n % 10 == 3)
            e = 0.5 * dead_band;   /* inside the dead band (when there is one) */
        double r = 1.0;
        if (rule == PM_LOOP_SR)
            r = fabs(e);
        if (rule == PM_LOOP_PM || rule == PM_LOOP_CHAINED || rule == PM_LOOP_SAT) {
            assert_int_equal(pm_relevance_curvature(p, p + 3, 3, 0.2, &r), PM_OK);
            curv_seen |= r > 1.0;
        }
        /* line motion (SPEC §9 variant), written out here: k = strongest of row 0 above 0.2 (lowest on ties),
         * R = 1 + |k(n) - k(n-1)|, 1 when either step sees no line */
        int k = -1;
        for (int i = 0; i < 3; i++)
            if (p[i] > 0.2 && (k < 0 || p[i] > p[k]))
                k = i;
        if (rule == PM_LOOP_MOTION) {
            r = (k < 0 || k_prev < 0) ? 1.0 : 1.0 + abs(k - k_prev);
            curv_seen |= r > 1.0;
        }
        k_prev = k;
        /* manual: (2) learn on the previous forward with the dead-banded E, (3) filter, (4) forward */
        if (n > 0)
            assert_int_equal(pm_net_learn(net, net_rule, fabs(e) < dead_band ? 0.0 : e, 0.1, r), PM_OK);
        assert_int_equal(pm_filter_step(f, p, x), PM_OK);
        assert_int_equal(pm_net_forward(net, x), PM_OK);
        const double *o = pm_net_outputs(net);
        const double s = e + 5.0 * (1.0 * o[0] + 2.0 * o[1]);

        pm_loop_input in = {.error = e, .predictors = p, .line_seen = 1};
        pm_loop_output out;
        assert_int_equal(pm_loop_step(l, &in, &out), PM_OK);
        assert_true(out.relevance == r);
        assert_memory_equal(out.outputs, o, 2 * sizeof(double));
        assert_true(out.steering == s);
    }
    assert_true(nets_equal(net, pm_loop_net(l)));
    assert_true(pm_net_weight_distance(pm_loop_net(l), -1) > 0.0);   /* it did learn */
    if (rule == PM_LOOP_PM || rule == PM_LOOP_SAT || rule == PM_LOOP_MOTION)
        assert_true(curv_seen);   /* the cue really varied */
    pm_net_destroy(net);
    pm_filter_destroy(f);
    pm_loop_destroy(l);
}

static void learning_uses_previous_forward_bp(void **state)
{
    (void)state;
    check_learning_order(PM_LOOP_BP, PM_RULE_BACKPROP, 1e-9);
}

static void learning_uses_previous_forward_pm(void **state)
{
    (void)state;
    check_learning_order(PM_LOOP_PM, PM_RULE_PRIME_MODULATE, 1e-9);
}

static void learning_uses_previous_forward_sign_rules(void **state)
{
    (void)state;
    check_learning_order(PM_LOOP_SR, PM_RULE_PRIME_MODULATE, 1e-9);
    check_learning_order(PM_LOOP_SIGN, PM_RULE_PRIME_MODULATE, 0.01);
    check_learning_order(PM_LOOP_CHAINED, PM_RULE_CHAINED_SIGN, 0.0);
}

/* SPEC §9 variants: saturation-aware prime with curvature R and with R = 1; P&M with the line-motion cue. */
static void learning_uses_previous_forward_variants(void **state)
{
    (void)state;
    check_learning_order(PM_LOOP_SAT, PM_RULE_SATURATION_PRIME, 1e-9);
    check_learning_order(PM_LOOP_SATSIGN, PM_RULE_SATURATION_PRIME, 0.01);
    check_learning_order(PM_LOOP_MOTION, PM_RULE_PRIME_MODULATE, 1e-9);
}

static void dead_band_silences_small_errors(void **state)
{
    (void)state;
    /* sign rule, R = 1: every |E| = 0.005 < dead band 0.01 counts as 0 -> no weight ever changes */
    pm_loop_config c = small_config(PM_LOOP_SIGN);
    c.dead_band = 0.01;
    pm_loop *quiet = make(&c);
    c.dead_band = 0.004;   /* now 0.005 is outside the band: the sign rule learns at full strength */
    pm_loop *loud = make(&c);
    pm_rng rng;
    pm_rng_seed(&rng, 9);
    double p[NP], e;
    for (int n = 0; n < 30; n++) {
        sensors(&rng, &e, p);
        e = n % 2 ? 0.005 : -0.005;
        pm_loop_input in = {.error = e, .predictors = p, .line_seen = 1};
        pm_loop_output out;
        assert_int_equal(pm_loop_step(quiet, &in, &out), PM_OK);
        assert_int_equal(pm_loop_step(loud, &in, &out), PM_OK);
    }
    assert_true(pm_net_weight_distance(pm_loop_net(quiet), -1) == 0.0);
    assert_true(pm_net_weight_distance(pm_loop_net(loud), -1) > 0.0);
    /* statistics use the raw |E|: 30 steps of 0.005 */
    assert_true(fabs(pm_loop_mean_abs_error(quiet) - 0.005) < 1e-15);
    pm_loop_destroy(quiet);
    pm_loop_destroy(loud);
}

static void run_pair(pm_loop *a, pm_loop *b, pm_rng *rng, int steps, int expect_same)
{
    double p[NP], e;
    int differ = 0;
    for (int n = 0; n < steps; n++) {
        sensors(rng, &e, p);
        pm_loop_input in = {.error = e, .predictors = p, .line_seen = n % 5 != 0};
        pm_loop_output oa, ob;
        assert_int_equal(pm_loop_step(a, &in, &oa), PM_OK);
        assert_int_equal(pm_loop_step(b, &in, &ob), PM_OK);
        differ |= oa.steering != ob.steering || oa.left != ob.left || oa.relevance != ob.relevance;
    }
    assert_int_equal(differ, !expect_same);
}

static void same_seed_same_run(void **state)
{
    (void)state;
    pm_loop_config c = small_config(PM_LOOP_PM);
    pm_loop *a = make(&c), *b = make(&c);
    pm_rng rng;
    pm_rng_seed(&rng, 21);
    run_pair(a, b, &rng, 300, 1);
    assert_true(nets_equal(pm_loop_net(a), pm_loop_net(b)));
    assert_true(pm_loop_error_integral(a) == pm_loop_error_integral(b));
    pm_loop_destroy(b);
    c.net.seed = 8;   /* another initialisation: different steering */
    b = make(&c);
    pm_loop_reset(a);
    run_pair(a, b, &rng, 50, 0);
    pm_loop_destroy(a);
    pm_loop_destroy(b);
}

static void reset_restarts_like_new(void **state)
{
    (void)state;
    pm_loop_config c = small_config(PM_LOOP_BP);
    pm_loop *a = make(&c), *b = make(&c);
    pm_rng rng, rng2;
    pm_rng_seed(&rng, 4);
    double p[NP], e;
    pm_loop_output out;
    for (int n = 0; n < 100; n++) {   /* a learns on its own stream */
        sensors(&rng, &e, p);
        pm_loop_input in = {.error = e, .predictors = p};
        assert_int_equal(pm_loop_step(a, &in, &out), PM_OK);
    }
    assert_true(pm_net_weight_distance(pm_loop_net(a), -1) > 0.0);
    pm_loop_reset(a);
    assert_int_equal(pm_loop_steps(a), 0);
    assert_true(pm_loop_error_integral(a) == 0.0 && pm_loop_mean_abs_error(a) == 0.0);
    assert_true(nets_equal(pm_loop_net(a), pm_loop_net(b)));
    pm_rng_seed(&rng2, 77);
    run_pair(a, b, &rng2, 100, 1);   /* then it behaves exactly like a fresh loop */
    pm_loop_destroy(a);
    pm_loop_destroy(b);
}

/* Feeds `in` to a (refused with want) and checks a still matches its twin b on a common continuation. */
static void refused_then_same(pm_loop *a, pm_loop *b, const pm_loop_input *bad, pm_status want, pm_rng *rng)
{
    pm_loop_output out;
    memset(&out, 0x5a, sizeof out);
    pm_loop_output untouched = out;
    assert_int_equal(pm_loop_step(a, bad, &out), want);
    assert_memory_equal(&out, &untouched, sizeof out);
    assert_int_equal(pm_loop_steps(a), pm_loop_steps(b));
    assert_true(pm_loop_error_integral(a) == pm_loop_error_integral(b));
    assert_memory_equal(pm_loop_inputs(a), pm_loop_inputs(b), NI * sizeof(double));
    assert_true(nets_equal(pm_loop_net(a), pm_loop_net(b)));
    run_pair(a, b, rng, 5, 1);
}

static void bad_input_leaves_state_unchanged(void **state)
{
    (void)state;
    pm_loop_config c = small_config(PM_LOOP_PM);
    pm_loop *a = make(&c), *b = make(&c);
    pm_rng rng;
    pm_rng_seed(&rng, 13);
    run_pair(a, b, &rng, 20, 1);
    double p[NP] = {0.1, 0.2, 0.0, 0.0, 0.1, 0.2};
    pm_loop_input in = {.error = NAN, .predictors = p, .line_seen = 1};
    refused_then_same(a, b, &in, PM_ERR_NONFINITE, &rng);
    in.error = 0.1;
    p[4] = INFINITY;
    refused_then_same(a, b, &in, PM_ERR_NONFINITE, &rng);
    p[4] = 0.1;
    in.relevance_given = 1;
    in.relevance = NAN;
    refused_then_same(a, b, &in, PM_ERR_NONFINITE, &rng);
    in.predictors = NULL;
    refused_then_same(a, b, &in, PM_ERR_ARG, &rng);
    pm_loop_output out;
    assert_int_equal(pm_loop_step(NULL, &in, &out), PM_ERR_ARG);
    in.predictors = p;
    assert_int_equal(pm_loop_step(a, NULL, &out), PM_ERR_ARG);
    assert_int_equal(pm_loop_step(a, &in, NULL), PM_ERR_ARG);
    pm_loop_destroy(a);
    pm_loop_destroy(b);
}

static void refused_weight_update_leaves_filter_unchanged(void **state)
{
    (void)state;
    /* BP: output delta = E f'(v) ~ 1e300 * 0.25; dw = rate * R * delta * y = 0.1 * 1e300 * 2.5e299 * y -> inf.
     * The net refuses the update; it comes after the filter preview, so the filter must not have advanced. */
    pm_loop_config c = small_config(PM_LOOP_BP);
    pm_loop *a = make(&c), *b = make(&c);
    pm_rng rng;
    pm_rng_seed(&rng, 17);
    run_pair(a, b, &rng, 10, 1);
    double p[NP] = {0.1, 0.2, 0.0, 0.0, 0.1, 0.2};
    pm_loop_input in = {.error = 1e300, .predictors = p, .relevance = 1e300, .relevance_given = 1};
    refused_then_same(a, b, &in, PM_ERR_NONFINITE, &rng);
    pm_loop_destroy(a);
    pm_loop_destroy(b);
}

/* Sets every weight of the loop's net to w (linear nets overflow with w = 1e200: 1e200 * 1e200 = inf). */
static void set_all_weights(pm_loop *l, double w)
{
    pm_net *net = pm_loop_net_mut(l);
    for (int layer = 0; layer < pm_net_n_layers(net); layer++)
        for (int j = 0; j < pm_net_layer_size(net, layer); j++)
            for (int i = 0; i < pm_net_layer_inputs(net, layer); i++)
                assert_int_equal(pm_net_set_weight(net, layer, j, i, w), PM_OK);
}

static void overflowing_forward_refused_filter_kept(void **state)
{
    (void)state;
    /* linear net 12 -> 3 -> 2 with all weights 1e200: layer 0 gives ~1e200 * sum(x), layer 1 ~3e400 = inf, so
     * pm_net_forward refuses. Learning is off, so nothing else may have changed: filter, inputs, counters. */
    pm_loop_config c = small_config(PM_LOOP_BP);
    c.net.activation = PM_ACT_LINEAR;
    c.learn = 0;
    pm_loop *a = make(&c), *b = make(&c);
    pm_rng rng;
    pm_rng_seed(&rng, 23);
    run_pair(a, b, &rng, 10, 1);
    set_all_weights(a, 1e200);
    double p[NP] = {0.1, 0.2, 0.1, 0.1, 0.1, 0.2};
    pm_loop_input in = {.error = 0.1, .predictors = p, .line_seen = 1};
    pm_loop_output out;
    assert_int_equal(pm_loop_step(a, &in, &out), PM_ERR_NONFINITE);
    assert_int_equal(pm_loop_steps(a), pm_loop_steps(b));
    assert_memory_equal(pm_loop_inputs(a), pm_loop_inputs(b), NI * sizeof(double));
    /* steering overflow: weights 1e150 give finite outputs ~ 3 * (1e150 * sum x) * 1e150 > 1e299 (x > 0 here),
     * so s = E + 5 (o_1 + 2 o_2) with E = DBL_MAX exceeds DBL_MAX: refused, filter and counters untouched */
    set_all_weights(a, 1e150);
    in.error = DBL_MAX;
    assert_int_equal(pm_loop_step(a, &in, &out), PM_ERR_NONFINITE);
    assert_true(pm_net_outputs(pm_loop_net(a))[0] > 1e299);   /* the forward itself was finite */
    assert_int_equal(pm_loop_steps(a), pm_loop_steps(b));
    assert_memory_equal(pm_loop_inputs(a), pm_loop_inputs(b), NI * sizeof(double));
    in.error = 0.1;
    /* give a its twin's weights back: both must continue identically (the filter did not advance) */
    for (int layer = 0; layer < 2; layer++)
        for (int j = 0; j < small_sizes[layer]; j++)
            for (int i = 0; i < pm_net_layer_inputs(pm_loop_net(b), layer); i++)
                assert_int_equal(pm_net_set_weight(pm_loop_net_mut(a), layer, j, i,
                                                   pm_net_weight(pm_loop_net(b), layer, j, i)), PM_OK);
    run_pair(a, b, &rng, 5, 1);
    pm_loop_destroy(a);
    pm_loop_destroy(b);
}

static void lost_detection_counts(void **state)
{
    (void)state;
    pm_loop_config c = small_config(PM_LOOP_REFLEX);   /* lost_steps = 3 */
    pm_loop *l = make(&c);
    double p[NP] = {0};
    /* line_seen: 1 0 0 0 0 1 0 0 0 -> consecutive unseen 0 1 2 3 4 0 1 2 3 -> lost when >= 3 */
    const int seen[9] = {1, 0, 0, 0, 0, 1, 0, 0, 0};
    const int lost[9] = {0, 0, 0, 1, 1, 0, 0, 0, 1};
    for (int n = 0; n < 9; n++) {
        pm_loop_input in = {.error = 0.0, .predictors = p, .line_seen = seen[n]};
        pm_loop_output out;
        assert_int_equal(pm_loop_step(l, &in, &out), PM_OK);
        assert_int_equal(out.lost, lost[n]);
    }
    pm_loop_destroy(l);
    c.lost_steps = 0;   /* off */
    l = make(&c);
    for (int n = 0; n < 10; n++) {
        pm_loop_input in = {.error = 0.0, .predictors = p, .line_seen = 0};
        pm_loop_output out;
        assert_int_equal(pm_loop_step(l, &in, &out), PM_OK);
        assert_int_equal(out.lost, 0);
    }
    pm_loop_destroy(l);
}

static void success_and_error_statistics(void **state)
{
    (void)state;
    pm_loop_config c = small_config(PM_LOOP_REFLEX);
    pm_loop *l = make(&c);
    double p[NP] = {0};
    pm_loop_output out;
    /* |E| = 0.01 on steps 0..199 (warm-up), 0 after: success step 399, declared at 598 (SPEC §6).
     * Error integral = sum up to 598 = 200 * 0.01 = 2; 10 more steps of |E| = 1 after it are not added.
     * Mean |E| over all 609 steps = (2 + 10) / 609. */
    for (int n = 0; n < 609; n++) {
        double e = n < 200 ? -0.01 : (n <= 598 ? 0.0 : 1.0);
        pm_loop_input in = {.error = e, .predictors = p, .line_seen = 1};
        assert_int_equal(pm_loop_step(l, &in, &out), PM_OK);
        assert_int_equal(out.success, n >= 598);
    }
    assert_int_equal(pm_loop_success_step(l), 399);
    assert_int_equal(pm_loop_success_declared_step(l), 598);
    assert_true(fabs(pm_loop_error_integral(l) - 2.0) < 1e-12);
    assert_true(fabs(pm_loop_mean_abs_error(l) - 12.0 / 609.0) < 1e-12);
    pm_loop_reset(l);
    assert_int_equal(pm_loop_success_step(l), -1);
    pm_loop_destroy(l);
}

static void relevance_given_and_rows_required(void **state)
{
    (void)state;
    pm_loop_config c = small_config(PM_LOOP_PM);
    c.n_rows = 0;   /* no rows: curvature unavailable, the caller must give R */
    pm_loop *l = make(&c);
    double p[NP] = {0};
    pm_loop_input in = {.error = 0.1, .predictors = p, .line_seen = 1};
    pm_loop_output out;
    assert_int_equal(pm_loop_step(l, &in, &out), PM_ERR_ARG);
    assert_int_equal(pm_loop_steps(l), 0);
    in.relevance_given = 1;
    in.relevance = 3.5;
    assert_int_equal(pm_loop_step(l, &in, &out), PM_OK);
    assert_true(out.relevance == 3.5);
    pm_loop_destroy(l);
    /* with rows: line at index 0 of row 0 and index 2 of row 1 -> R = 1 + |2 - 0| = 3 */
    c = small_config(PM_LOOP_PM);
    l = make(&c);
    double q[NP] = {0.2, 0, 0, 0, 0, 0.2};
    in.predictors = q;
    in.relevance_given = 0;
    assert_int_equal(pm_loop_step(l, &in, &out), PM_OK);
    assert_true(out.relevance == 3.0);
    pm_loop_destroy(l);
    /* sr: R = |E| */
    c = small_config(PM_LOOP_SR);
    l = make(&c);
    in.error = -0.25;
    assert_int_equal(pm_loop_step(l, &in, &out), PM_OK);
    assert_true(out.relevance == 0.25);
    pm_loop_destroy(l);
}

/* "motion": R = 1 + |k(n) - k(n-1)| from row 0 (SPEC §9 variant); needs a row; a refused step does not move k. */
static void motion_relevance_by_hand(void **state)
{
    (void)state;
    const pm_loop_rule need_rows[2] = {PM_LOOP_MOTION, PM_LOOP_SAT};
    double p[NP] = {0};
    pm_loop_input in = {.error = 0.1, .predictors = p, .line_seen = 1};
    pm_loop_output out;
    for (int k = 0; k < 2; k++) {
        pm_loop_config c = small_config(need_rows[k]);
        c.n_rows = 0;
        pm_loop *l = make(&c);
        assert_int_equal(pm_loop_step(l, &in, &out), PM_ERR_ARG);
        assert_int_equal(pm_loop_steps(l), 0);
        pm_loop_destroy(l);
    }
    pm_loop_config c = small_config(PM_LOOP_MOTION);
    pm_loop *l = make(&c);
    double a[NP] = {0.2, 0, 0, 0, 0, 0}, b[NP] = {0, 0, 0.2, 0, 0, 0}, none[NP] = {0};
    in.predictors = a;   /* k = 0, no previous step: R = 1 */
    assert_int_equal(pm_loop_step(l, &in, &out), PM_OK);
    assert_true(out.relevance == 1.0);
    in.predictors = b;   /* k = 2 after 0: R = 3 */
    assert_int_equal(pm_loop_step(l, &in, &out), PM_OK);
    assert_true(out.relevance == 3.0);
    in.predictors = a;
    in.error = NAN;      /* refused: k(n-1) stays 2 */
    assert_int_equal(pm_loop_step(l, &in, &out), PM_ERR_NONFINITE);
    in.error = 0.1;      /* k = 0 after 2: R = 3 */
    assert_int_equal(pm_loop_step(l, &in, &out), PM_OK);
    assert_true(out.relevance == 3.0);
    in.predictors = none;   /* no line: R = 1 */
    assert_int_equal(pm_loop_step(l, &in, &out), PM_OK);
    assert_true(out.relevance == 1.0);
    in.predictors = b;      /* the previous step saw no line: R = 1 */
    assert_int_equal(pm_loop_step(l, &in, &out), PM_OK);
    assert_true(out.relevance == 1.0);
    pm_loop_reset(l);       /* forgets k(n-1) */
    in.predictors = a;
    assert_int_equal(pm_loop_step(l, &in, &out), PM_OK);
    assert_true(out.relevance == 1.0);
    pm_loop_destroy(l);
}

static void replace_net_checks_shape(void **state)
{
    (void)state;
    pm_loop_config c = small_config(PM_LOOP_BP);
    pm_loop *l = make(&c);
    pm_net_config nc = c.net;
    nc.n_inputs = NI + 1;   /* wrong input count */
    pm_net *wrong = NULL, *right = NULL;
    assert_int_equal(pm_net_create(&nc, &wrong), PM_OK);
    assert_int_equal(pm_loop_replace_net(l, wrong), PM_ERR_ARG);
    pm_net_destroy(wrong);   /* still ours after the refusal */
    const int other_sizes[3] = {4, 4, 2};   /* hidden shape may differ, inputs/outputs must match */
    nc.n_inputs = NI;
    nc.n_layers = 3;
    nc.layer_sizes = other_sizes;
    nc.seed = 99;
    assert_int_equal(pm_net_create(&nc, &right), PM_OK);
    pm_net *twin = NULL;
    assert_int_equal(pm_net_clone(right, &twin), PM_OK);
    pm_rng rng;
    pm_rng_seed(&rng, 1);
    double p[NP], e, x[NI];
    pm_loop_output out;
    for (int n = 0; n < 5; n++) {
        sensors(&rng, &e, p);
        pm_loop_input in = {.error = e, .predictors = p};
        assert_int_equal(pm_loop_step(l, &in, &out), PM_OK);
    }
    assert_int_equal(pm_loop_replace_net(l, right), PM_OK);
    assert_ptr_equal(pm_loop_net(l), right);
    assert_int_equal(pm_net_n_layers(pm_loop_net(l)), 3);
    /* the next step does not learn (no forward with the new net yet), it only forwards */
    sensors(&rng, &e, p);
    pm_loop_input in = {.error = e, .predictors = p};
    assert_int_equal(pm_loop_step(l, &in, &out), PM_OK);
    memcpy(x, pm_loop_inputs(l), sizeof x);
    assert_int_equal(pm_net_forward(twin, x), PM_OK);
    assert_true(nets_equal(pm_loop_net(l), twin));
    assert_memory_equal(out.outputs, pm_net_outputs(twin), 2 * sizeof(double));
    assert_int_equal(pm_loop_replace_net(l, NULL), PM_ERR_ARG);
    assert_int_equal(pm_loop_replace_net(l, right), PM_ERR_ARG);   /* its own net */
    pm_net_destroy(twin);
    pm_loop_destroy(l);   /* frees `right` */
}

static void learning_switch(void **state)
{
    (void)state;
    pm_loop_config c = small_config(PM_LOOP_BP);
    pm_loop *l = make(&c);
    assert_int_equal(pm_loop_set_learning(l, 0), PM_OK);
    pm_rng rng;
    pm_rng_seed(&rng, 2);
    double p[NP], e;
    pm_loop_output out;
    for (int n = 0; n < 20; n++) {
        sensors(&rng, &e, p);
        pm_loop_input in = {.error = e, .predictors = p};
        assert_int_equal(pm_loop_step(l, &in, &out), PM_OK);
    }
    assert_true(pm_net_weight_distance(pm_loop_net(l), -1) == 0.0);
    assert_int_equal(pm_loop_set_learning(l, 1), PM_OK);
    for (int n = 0; n < 2; n++) {
        sensors(&rng, &e, p);
        pm_loop_input in = {.error = e, .predictors = p};
        assert_int_equal(pm_loop_step(l, &in, &out), PM_OK);
    }
    assert_true(pm_net_weight_distance(pm_loop_net(l), -1) > 0.0);
    assert_int_equal(pm_loop_set_learning(NULL, 1), PM_ERR_ARG);
    pm_loop_destroy(l);
}

static void bad_configs_refused(void **state)
{
    (void)state;
    pm_loop *l = (pm_loop *)&l;
    pm_loop *const sentinel = l;
    pm_loop_config c;
    for (int i = 0; i < 14; i++) {
        c = small_config(PM_LOOP_PM);
        switch (i) {
        case 0: c.rule = (pm_loop_rule)99; break;
        case 1: c.n_predictors = 0; break;
        case 2: c.n_rows = 3; break;            /* 3 x 3 = 9 > 6 predictors */
        case 3: c.row_len = 0; break;
        case 4: c.rate = -1; break;
        case 5: c.dead_band = NAN; break;
        case 6: c.speed = INFINITY; break;
        case 7: c.output_mix = NULL; break;
        case 8: c.filter.q = 0.4; break;          /* passed on from the filter */
        case 9: c.net.layer_sizes = NULL; break;
        case 10: c.success.window = 0; break;
        case 11: c.lost_steps = -1; break;
        case 12: {
            static const double bad_mix[2] = {1.0, NAN};
            c.output_mix = bad_mix;
            break;
        }
        case 13: c.net.activation = (pm_activation)42; break;   /* passed on from the net */
        }
        assert_int_not_equal(pm_loop_create(&c, &l), PM_OK);
        assert_ptr_equal(l, sentinel);
    }
    c = small_config(PM_LOOP_PM);
    assert_int_equal(pm_loop_create(NULL, &l), PM_ERR_ARG);
    assert_int_equal(pm_loop_create(&c, NULL), PM_ERR_ARG);
    pm_loop_destroy(NULL);
    pm_loop_reset(NULL);
    assert_int_equal(pm_loop_steps(NULL), 0);
    assert_null(pm_loop_net(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rule_names_round_trip),
        cmocka_unit_test(paper_config_values),
        cmocka_unit_test(reflex_steers_with_error_only),
        cmocka_unit_test(steering_matches_independent_computation),
        cmocka_unit_test(learning_uses_previous_forward_bp),
        cmocka_unit_test(learning_uses_previous_forward_pm),
        cmocka_unit_test(learning_uses_previous_forward_sign_rules),
        cmocka_unit_test(learning_uses_previous_forward_variants),
        cmocka_unit_test(motion_relevance_by_hand),
        cmocka_unit_test(dead_band_silences_small_errors),
        cmocka_unit_test(same_seed_same_run),
        cmocka_unit_test(reset_restarts_like_new),
        cmocka_unit_test(bad_input_leaves_state_unchanged),
        cmocka_unit_test(refused_weight_update_leaves_filter_unchanged),
        cmocka_unit_test(overflowing_forward_refused_filter_kept),
        cmocka_unit_test(lost_detection_counts),
        cmocka_unit_test(success_and_error_statistics),
        cmocka_unit_test(relevance_given_and_rows_required),
        cmocka_unit_test(replace_net_checks_shape),
        cmocka_unit_test(learning_switch),
        cmocka_unit_test(bad_configs_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
