/* Tests of the SPEC §6 success detector on synthetic error streams (the arithmetic is in the comments). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "primod/loop.h"

static pm_success *paper(void)
{
    pm_success_config c = pm_success_config_paper();
    assert_int_equal(c.warmup, 200);
    assert_int_equal(c.window, 200);
    assert_int_equal(c.hold, 200);
    assert_true(c.threshold == 0.1);
    pm_success *s = NULL;
    assert_int_equal(pm_success_create(&c, &s), PM_OK);
    return s;
}

static void push_n(pm_success *s, int n, double e)
{
    for (int i = 0; i < n; i++)
        assert_int_equal(pm_success_push(s, e), PM_OK);
}

static void never_below_threshold(void **state)
{
    (void)state;
    pm_success *s = paper();
    /* |E| = 1 every step: S(n) = 200 * 1 = 200 >= 0.1 whenever counted */
    push_n(s, 399, -1.0);
    assert_true(pm_success_window_sum(s) == -1.0);   /* step 398: not yet counted (398 < 200 + 200 - 1) */
    push_n(s, 2000, 1.0);
    assert_true(pm_success_window_sum(s) == 200.0);
    assert_int_equal(pm_success_reached(s), 0);
    assert_int_equal(pm_success_step(s), -1);
    assert_int_equal(pm_success_declared_step(s), -1);
    assert_int_equal(pm_success_steps(s), 2399);
    pm_success_destroy(s);
}

static void zero_error_reaches_earliest_step(void **state)
{
    (void)state;
    pm_success *s = paper();
    /* S counted from n = 399; the run 399..n has n - 398 steps; it reaches 200 at n = 598.
     * So after steps 0..597 (598 pushes) nothing is declared; the push of step 598 declares success,
     * success step = 598 - 200 + 1 = 399 (the earliest possible, SPEC §6). */
    push_n(s, 399, 0.0);
    assert_true(pm_success_window_sum(s) == -1.0);   /* step 398: not counted */
    push_n(s, 1, 0.0);
    assert_true(pm_success_window_sum(s) == 0.0);    /* step 399: counted, S = 0 */
    push_n(s, 598 - 400, 0.0);                       /* steps 400..597 */
    assert_int_equal(pm_success_steps(s), 598);
    assert_int_equal(pm_success_reached(s), 0);
    push_n(s, 1, 0.0);
    assert_int_equal(pm_success_reached(s), 1);
    assert_int_equal(pm_success_step(s), 399);
    assert_int_equal(pm_success_declared_step(s), 598);
    /* sticky: later errors do not undo it */
    push_n(s, 500, 10.0);
    assert_int_equal(pm_success_step(s), 399);
    assert_int_equal(pm_success_declared_step(s), 598);
    pm_success_destroy(s);
}

static void warmup_errors_do_not_count(void **state)
{
    (void)state;
    pm_success *s = paper();
    /* |E| = 5 on steps 0..199 (the warm-up), then 0: the first counted window 200..399 is clean -> success 399 */
    push_n(s, 200, 5.0);
    push_n(s, 399, 0.0);
    assert_int_equal(pm_success_step(s), 399);
    assert_int_equal(pm_success_declared_step(s), 598);
    pm_success_destroy(s);

    /* |E| = 5 on step 200 only: S(399) = 5 (window 200..399), S(400) = 0 (window 201..400) ->
     * run starts at 400, declared at 400 + 199 = 599 */
    s = paper();
    push_n(s, 200, 0.0);
    push_n(s, 1, 5.0);
    push_n(s, 398, 0.0);   /* steps 201..598 */
    assert_int_equal(pm_success_reached(s), 0);
    push_n(s, 1, 0.0);     /* step 599 */
    assert_int_equal(pm_success_step(s), 400);
    assert_int_equal(pm_success_declared_step(s), 599);
    pm_success_destroy(s);
}

static void spike_breaks_the_hold(void **state)
{
    (void)state;
    pm_success *s = paper();
    /* zeros, then |E| = 1 at step 500: S(n) >= 1 for n = 500..699 (windows containing step 500).
     * The run 399..499 has 100 < 200 steps: broken. Next run starts at 700, declared at 899. */
    push_n(s, 500, 0.0);
    push_n(s, 1, 1.0);
    assert_true(pm_success_window_sum(s) == 1.0);
    push_n(s, 898 - 500, 0.0);   /* steps 501..898 */
    assert_int_equal(pm_success_reached(s), 0);
    push_n(s, 1, 0.0);           /* step 899 */
    assert_int_equal(pm_success_step(s), 700);
    assert_int_equal(pm_success_declared_step(s), 899);
    pm_success_destroy(s);
}

static void threshold_is_strict_window_sum(void **state)
{
    (void)state;
    /* |E| = 0.00049: S = 200 * 0.00049 = 0.098 < 0.1 -> success at 399; |E| = 0.00051: S = 0.102 -> never */
    pm_success *s = paper();
    push_n(s, 1000, 0.00049);
    assert_true(fabs(pm_success_window_sum(s) - 0.098) < 1e-12);
    assert_int_equal(pm_success_step(s), 399);
    pm_success_destroy(s);
    s = paper();
    push_n(s, 1000, -0.00051);   /* the absolute value is used */
    assert_true(fabs(pm_success_window_sum(s) - 0.102) < 1e-12);
    assert_int_equal(pm_success_reached(s), 0);
    pm_success_destroy(s);
}

static void small_config_by_hand(void **state)
{
    (void)state;
    pm_success_config c = {.warmup = 0, .window = 3, .hold = 2, .threshold = 1.0};
    pm_success *s = NULL;
    assert_int_equal(pm_success_create(&c, &s), PM_OK);
    /* counted from n >= 0 + 3 - 1 = 2.
     * n:   0    1    2    3    4    5    6    7
     * |E|: 0.5  0.4  0.3  0.2  0.9  0    0    0
     * S:   -    -    1.2  0.9  1.4  1.1  0.9  0      (sum of the last 3)
     * run: 0    0    0    1    0    0    1    2  -> declared at 7, success step 6 */
    const double e[8] = {0.5, 0.4, 0.3, 0.2, 0.9, 0, 0, 0};
    const double S[8] = {-1, -1, 1.2, 0.9, 1.4, 1.1, 0.9, 0.0};
    for (int n = 0; n < 8; n++) {
        assert_int_equal(pm_success_push(s, e[n]), PM_OK);
        assert_true(fabs(pm_success_window_sum(s) - S[n]) < 1e-12);
        assert_int_equal(pm_success_reached(s), n == 7);
    }
    assert_int_equal(pm_success_step(s), 6);
    assert_int_equal(pm_success_declared_step(s), 7);
    /* reset: back to step 0 */
    pm_success_reset(s);
    assert_int_equal(pm_success_steps(s), 0);
    assert_int_equal(pm_success_reached(s), 0);
    assert_true(pm_success_window_sum(s) == -1.0);
    pm_success_destroy(s);
}

static void bad_config_and_input(void **state)
{
    (void)state;
    pm_success *s = (pm_success *)&s;
    pm_success *const sentinel = s;
    pm_success_config bad[] = {
        {.warmup = -1, .window = 200, .hold = 200, .threshold = 0.1},
        {.warmup = 200, .window = 0, .hold = 200, .threshold = 0.1},
        {.warmup = 200, .window = 200, .hold = 0, .threshold = 0.1},
        {.warmup = 200, .window = 200, .hold = 200, .threshold = 0},
        {.warmup = 200, .window = 200, .hold = 200, .threshold = NAN},
        {.warmup = 200, .window = 200, .hold = 200, .threshold = INFINITY},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(pm_success_create(&bad[i], &s), PM_ERR_ARG);
        assert_ptr_equal(s, sentinel);
    }
    assert_int_equal(pm_success_create(NULL, &s), PM_ERR_ARG);
    pm_success_config good = pm_success_config_paper();
    assert_int_equal(pm_success_create(&good, NULL), PM_ERR_ARG);

    s = paper();
    push_n(s, 450, 0.0);
    assert_int_equal(pm_success_push(s, NAN), PM_ERR_NONFINITE);
    assert_int_equal(pm_success_push(s, -INFINITY), PM_ERR_NONFINITE);
    assert_int_equal(pm_success_push(NULL, 0.0), PM_ERR_ARG);
    assert_int_equal(pm_success_steps(s), 450);   /* refused pushes are not steps */
    push_n(s, 149, 0.0);                           /* steps 450..598: declared at 598 as without the bad calls */
    assert_int_equal(pm_success_declared_step(s), 598);
    pm_success_destroy(s);
    pm_success_destroy(NULL);
    assert_int_equal(pm_success_reached(NULL), 0);
    assert_int_equal(pm_success_step(NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(never_below_threshold),
        cmocka_unit_test(zero_error_reaches_earliest_step),
        cmocka_unit_test(warmup_errors_do_not_count),
        cmocka_unit_test(spike_breaks_the_hold),
        cmocka_unit_test(threshold_is_strict_window_sum),
        cmocka_unit_test(small_config_by_hand),
        cmocka_unit_test(bad_config_and_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
