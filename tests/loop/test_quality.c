/* Tests of the SPEC §9 controller-quality tracker on hand-made steering / output streams (arithmetic in comments). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "primod/loop.h"
#include "primod/quality.h"

static pm_quality *make(int hold, int warmup, pm_activation f, double max_chatter)
{
    pm_quality_config c = pm_quality_config_default();
    c.hold = hold;
    c.warmup = warmup;
    c.activation = f;
    c.max_chatter = max_chatter;
    pm_quality *q = NULL;
    assert_int_equal(pm_quality_create(&c, &q), PM_OK);
    return q;
}

static void defaults_are_the_spec(void **state)
{
    (void)state;
    pm_quality_config c = pm_quality_config_default();
    assert_int_equal(c.hold, 200);
    assert_int_equal(c.warmup, 200);
    assert_int_equal(c.activation, PM_ACT_SIGMOID);
    assert_true(c.max_chatter == 1.0);
}

/* hold 3, warmup 2, sigmoid - 0.5 (saturated when |o| >= 0.45), two outputs:
 *   n  s     o              |s(n)-s(n-1)|  saturated
 *   0  0     (0.1, 0)       -              (warm-up)
 *   1  5     (0.5, 0)       5              (warm-up: not measured although saturated)
 *   2  3     (0.45, 0.2)    2              1  (0.45 >= 0.45)
 *   3  3.5   (-0.449, 0.3)  0.5            0
 *   4  0.5   (0, -0.46)     3              1  (the second output)
 *   5  0.5   (0, 0)         0              0
 * After n = 3: M = min(3, 4 - 2) = 2, chatter (2 + 0.5)/2 = 1.25, saturation 1/2.
 * After n = 5: the tail is n = 3..5 (the ring has wrapped): chatter (0.5 + 3 + 0)/3 = 7/6, saturation 1/3. */
static void tail_by_hand(void **state)
{
    (void)state;
    pm_quality *q = make(3, 2, PM_ACT_SIGMOID, 1.0);
    const double s[6] = {0, 5, 3, 3.5, 0.5, 0.5};
    const double o[6][2] = {{0.1, 0}, {0.5, 0}, {0.45, 0.2}, {-0.449, 0.3}, {0, -0.46}, {0, 0}};
    pm_quality_result r;
    for (int n = 0; n < 2; n++)
        assert_int_equal(pm_quality_push(q, s[n], o[n], 2), PM_OK);
    assert_int_equal(pm_quality_get(q, &r), PM_OK);
    assert_int_equal(r.steps, 2);
    assert_int_equal(r.measured, 0);          /* only warm-up so far: nothing measured */
    assert_true(isnan(r.chatter) && isnan(r.saturation));
    assert_int_equal(r.saturation_defined, 1);
    for (int n = 2; n < 4; n++)
        assert_int_equal(pm_quality_push(q, s[n], o[n], 2), PM_OK);
    assert_int_equal(pm_quality_get(q, &r), PM_OK);
    assert_int_equal(r.measured, 2);
    assert_true(r.chatter == 1.25);
    assert_true(r.saturation == 0.5);
    for (int n = 4; n < 6; n++)
        assert_int_equal(pm_quality_push(q, s[n], o[n], 2), PM_OK);
    assert_int_equal(pm_quality_get(q, &r), PM_OK);
    assert_int_equal(r.steps, 6);
    assert_int_equal(r.measured, 3);
    assert_true(fabs(r.chatter - 7.0 / 6.0) < 1e-15);
    assert_true(fabs(r.saturation - 1.0 / 3.0) < 1e-15);
    /* 7/6 > 1.0: a success, but not a smooth one; no success is never smooth */
    assert_int_equal(pm_quality_smooth_success(q, 1), 0);
    assert_int_equal(pm_quality_smooth_success(q, 0), 0);
    pm_quality_destroy(q);

    q = make(3, 2, PM_ACT_SIGMOID, 1.2);   /* 7/6 <= 1.2: smooth */
    for (int n = 0; n < 6; n++)
        assert_int_equal(pm_quality_push(q, s[n], o[n], 2), PM_OK);
    assert_int_equal(pm_quality_smooth_success(q, 1), 1);
    assert_int_equal(pm_quality_smooth_success(q, 0), 0);
    pm_quality_destroy(q);
}

/* Bang-bang: s alternates +7.5 / -7.5 with both outputs at +-0.5 (SPEC §9's observed ending). Over a 4-step tail
 * after many wraps every change is 15 and every step saturated: chatter 15, saturation 1. */
static void bang_bang_after_many_wraps(void **state)
{
    (void)state;
    pm_quality *q = make(4, 0, PM_ACT_SIGMOID, 1.0);
    for (int n = 0; n < 103; n++) {
        const double sg = n % 2 ? -1.0 : 1.0;
        const double o[2] = {0.5 * sg, 0.5 * sg};
        assert_int_equal(pm_quality_push(q, 7.5 * sg, o, 2), PM_OK);
    }
    pm_quality_result r;
    assert_int_equal(pm_quality_get(q, &r), PM_OK);
    assert_int_equal(r.measured, 4);
    assert_true(r.chatter == 15.0);
    assert_true(r.saturation == 1.0);
    assert_int_equal(pm_quality_smooth_success(q, 1), 0);
    /* reset: back to nothing measured; warm-up 0 counts the first change as 0, so s = 2, 2, 3 gives (0 + 0 + 1)/3 */
    pm_quality_reset(q);
    assert_int_equal(pm_quality_get(q, &r), PM_OK);
    assert_int_equal(r.steps, 0);
    assert_true(isnan(r.chatter));
    const double o[2] = {0, 0};
    assert_int_equal(pm_quality_push(q, 2, o, 2), PM_OK);
    assert_int_equal(pm_quality_push(q, 2, o, 2), PM_OK);
    assert_int_equal(pm_quality_push(q, 3, o, 2), PM_OK);
    assert_int_equal(pm_quality_get(q, &r), PM_OK);
    assert_true(fabs(r.chatter - 1.0 / 3.0) < 1e-15);
    assert_true(r.saturation == 0.0);
    assert_int_equal(pm_quality_smooth_success(q, 1), 1);
    pm_quality_destroy(q);
}

/* tanh saturates at |o| >= 0.9; linear and relu have no bound: saturation "null" (NaN) but chatter still measured;
 * the reflex alone (no outputs) is never saturated. */
static void bounds_per_activation(void **state)
{
    (void)state;
    pm_quality_result r;
    pm_quality *q = make(10, 0, PM_ACT_TANH, 1.0);
    const double a[1] = {0.9}, b[1] = {-0.8999}, c[1] = {-0.95}, d[1] = {0.5};
    assert_int_equal(pm_quality_push(q, 0, a, 1), PM_OK);
    assert_int_equal(pm_quality_push(q, 0, b, 1), PM_OK);
    assert_int_equal(pm_quality_push(q, 0, c, 1), PM_OK);
    assert_int_equal(pm_quality_push(q, 0, d, 1), PM_OK);
    assert_int_equal(pm_quality_get(q, &r), PM_OK);
    assert_true(r.saturation == 0.5);   /* 0.9 and -0.95 of four */
    assert_true(r.chatter == 0.0);
    pm_quality_destroy(q);

    const pm_activation unbounded[2] = {PM_ACT_LINEAR, PM_ACT_RELU};
    for (int k = 0; k < 2; k++) {
        q = make(10, 0, unbounded[k], 1.0);
        const double big[1] = {1e6};
        assert_int_equal(pm_quality_push(q, 1, big, 1), PM_OK);
        assert_int_equal(pm_quality_push(q, 3, big, 1), PM_OK);   /* changes 0, 2: chatter 1 */
        assert_int_equal(pm_quality_get(q, &r), PM_OK);
        assert_int_equal(r.saturation_defined, 0);
        assert_true(isnan(r.saturation));
        assert_true(r.chatter == 1.0);
        assert_int_equal(pm_quality_smooth_success(q, 1), 1);   /* 1 <= 1 */
        pm_quality_destroy(q);
    }

    q = make(10, 0, PM_ACT_SIGMOID, 1.0);
    assert_int_equal(pm_quality_push(q, 0.0, NULL, 0), PM_OK);
    assert_int_equal(pm_quality_push(q, -4.0, NULL, 0), PM_OK);
    assert_int_equal(pm_quality_get(q, &r), PM_OK);
    assert_true(r.saturation == 0.0);
    assert_true(r.chatter == 2.0);   /* (0 + 4) / 2 */
    pm_quality_destroy(q);
}

static void bad_input(void **state)
{
    (void)state;
    pm_quality_config c = pm_quality_config_default();
    pm_quality *q = NULL;
    assert_int_equal(pm_quality_create(NULL, &q), PM_ERR_ARG);
    assert_int_equal(pm_quality_create(&c, NULL), PM_ERR_ARG);
    const pm_quality_config good = c;
    c.hold = 0;
    assert_int_equal(pm_quality_create(&c, &q), PM_ERR_ARG);
    c = good;
    c.hold = PM_QUALITY_MAX_HOLD + 1;
    assert_int_equal(pm_quality_create(&c, &q), PM_ERR_ARG);
    c = good;
    c.warmup = -1;
    assert_int_equal(pm_quality_create(&c, &q), PM_ERR_ARG);
    c = good;
    c.activation = (pm_activation)7;
    assert_int_equal(pm_quality_create(&c, &q), PM_ERR_ARG);
    c = good;
    c.max_chatter = -0.5;
    assert_int_equal(pm_quality_create(&c, &q), PM_ERR_ARG);
    c.max_chatter = NAN;
    assert_int_equal(pm_quality_create(&c, &q), PM_ERR_ARG);
    c.max_chatter = INFINITY;
    assert_int_equal(pm_quality_create(&c, &q), PM_ERR_ARG);
    assert_null(q);

    q = make(2, 0, PM_ACT_SIGMOID, 1.0);
    const double o[2] = {0.1, 0.2}, onan[2] = {0.1, NAN};
    assert_int_equal(pm_quality_push(q, 1.0, o, 2), PM_OK);
    assert_int_equal(pm_quality_push(NULL, 1.0, o, 2), PM_ERR_ARG);
    assert_int_equal(pm_quality_push(q, 1.0, NULL, 2), PM_ERR_ARG);
    assert_int_equal(pm_quality_push(q, 1.0, o, -1), PM_ERR_ARG);
    assert_int_equal(pm_quality_push(q, NAN, o, 2), PM_ERR_NONFINITE);
    assert_int_equal(pm_quality_push(q, INFINITY, o, 2), PM_ERR_NONFINITE);
    assert_int_equal(pm_quality_push(q, 5.0, onan, 2), PM_ERR_NONFINITE);
    /* none of the refused pushes changed anything: one step, s(-1) = s(0), chatter 0; next change is |4 - 1| */
    pm_quality_result r;
    assert_int_equal(pm_quality_get(q, &r), PM_OK);
    assert_int_equal(r.steps, 1);
    assert_true(r.chatter == 0.0);
    assert_int_equal(pm_quality_push(q, 4.0, o, 2), PM_OK);
    assert_int_equal(pm_quality_get(q, &r), PM_OK);
    assert_true(r.chatter == 1.5);   /* (0 + 3) / 2 */
    assert_int_equal(pm_quality_get(NULL, &r), PM_ERR_ARG);
    assert_int_equal(pm_quality_get(q, NULL), PM_ERR_ARG);
    assert_int_equal(pm_quality_smooth_success(NULL, 1), 0);
    pm_quality_destroy(q);
    pm_quality_destroy(NULL);
    pm_quality_reset(NULL);
}

/* max |w| over every weight and bias: a 2 -> 2 -> 1 net with zero init and hand-set weights. */
static void max_abs_weight(void **state)
{
    (void)state;
    const int sizes[2] = {2, 1};
    pm_net_config c = {.n_inputs = 2, .n_layers = 2, .layer_sizes = sizes, .init = PM_INIT_ZERO, .use_bias = 1};
    pm_net *net = NULL;
    assert_int_equal(pm_net_create(&c, &net), PM_OK);
    assert_true(pm_net_max_abs_weight(net) == 0.0);
    assert_int_equal(pm_net_set_weight(net, 0, 1, 0, -3.0), PM_OK);
    assert_int_equal(pm_net_set_weight(net, 1, 0, 1, 2.5), PM_OK);
    assert_true(pm_net_max_abs_weight(net) == 3.0);
    assert_int_equal(pm_net_set_weight(net, 1, 0, 2, -7.25), PM_OK);   /* the output neuron's bias */
    assert_true(pm_net_max_abs_weight(net) == 7.25);
    assert_true(isnan(pm_net_max_abs_weight(NULL)));
    pm_net_destroy(net);
}

/* Fed from pm_loop: a reflex loop steers s = E, so the chatter is the mean |E(n) - E(n-1)| over the tail. */
static void fed_by_a_reflex_loop(void **state)
{
    (void)state;
    pm_loop_config lc;
    pm_loop_config_paper(&lc);
    lc.rule = PM_LOOP_REFLEX;
    pm_loop *l = NULL;
    assert_int_equal(pm_loop_create(&lc, &l), PM_OK);
    pm_quality *q = make(3, 1, PM_ACT_SIGMOID, 1.0);
    double p[144] = {0};
    const double e[5] = {9, 1, -1, 2, 2};   /* measured changes from n = 1: 8, 2, 3, 0; the tail (3) = 2, 3, 0 */
    for (int n = 0; n < 5; n++) {
        pm_loop_input in = {.error = e[n], .predictors = p, .line_seen = 1};
        pm_loop_output out;
        assert_int_equal(pm_loop_step(l, &in, &out), PM_OK);
        assert_int_equal(pm_quality_push(q, out.steering, out.outputs, pm_loop_n_outputs(l)), PM_OK);
    }
    pm_quality_result r;
    assert_int_equal(pm_quality_get(q, &r), PM_OK);
    assert_int_equal(r.measured, 3);
    assert_true(fabs(r.chatter - 5.0 / 3.0) < 1e-15);
    assert_true(r.saturation == 0.0);
    pm_quality_destroy(q);
    pm_loop_destroy(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_the_spec),   cmocka_unit_test(tail_by_hand),
        cmocka_unit_test(bang_bang_after_many_wraps), cmocka_unit_test(bounds_per_activation),
        cmocka_unit_test(bad_input),               cmocka_unit_test(max_abs_weight),
        cmocka_unit_test(fed_by_a_reflex_loop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
