/* Tests of the seeded generator: determinism, independence of objects, uniform range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "primod/rng.h"

static void same_seed_same_sequence(void **state)
{
    (void)state;
    pm_rng a, b;
    pm_rng_seed(&a, 42);
    pm_rng_seed(&b, 42);
    for (int i = 0; i < 1000; i++)
        assert_true(pm_rng_next(&a) == pm_rng_next(&b));
}

static void different_seeds_differ(void **state)
{
    (void)state;
    pm_rng a, b;
    pm_rng_seed(&a, 1);
    pm_rng_seed(&b, 2);
    int same = 0;
    for (int i = 0; i < 100; i++)
        same += pm_rng_next(&a) == pm_rng_next(&b);
    assert_int_equal(same, 0);
}

static void uniform_in_range_with_mean_half(void **state)
{
    (void)state;
    pm_rng r;
    pm_rng_seed(&r, 7);
    double sum = 0;
    const int n = 100000;
    for (int i = 0; i < n; i++) {
        double u = pm_rng_uniform(&r);
        assert_true(u >= 0.0 && u < 1.0);
        sum += u;
    }
    /* mean of U[0,1) is 1/2, standard error 1/sqrt(12 n) ~ 0.0009: 5 sigma bound */
    assert_true(sum / n > 0.5 - 0.0046 && sum / n < 0.5 + 0.0046);
}

static void gauss_has_unit_variance(void **state)
{
    (void)state;
    pm_rng r;
    pm_rng_seed(&r, 9);
    double s = 0, s2 = 0;
    const int n = 100000;
    for (int i = 0; i < n; i++) {
        double g = pm_rng_gauss(&r);
        s += g;
        s2 += g * g;
    }
    double mean = s / n, var = s2 / n - mean * mean;
    assert_true(mean > -0.016 && mean < 0.016);   /* 5 standard errors of 1/sqrt(n) */
    assert_true(var > 0.98 && var < 1.02);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_seed_same_sequence),
        cmocka_unit_test(different_seeds_differ),
        cmocka_unit_test(uniform_in_range_with_mean_half),
        cmocka_unit_test(gauss_has_unit_variance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
