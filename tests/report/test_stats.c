/* Tests of the statistics helpers against values computed by hand (arithmetic in the comments). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "primod/stats.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))

static void mean_and_sd(void **state)
{
    (void)state;
    const double x[8] = {2, 4, 4, 4, 5, 5, 7, 9};
    double m = 0, sd = 0;
    assert_int_equal(pm_stats_mean(x, 8, &m), PM_OK);
    NEAR(m, 5.0, 1e-15); /* 40 / 8 */
    assert_int_equal(pm_stats_sd(x, 8, &sd), PM_OK);
    /* squared deviations 9+1+1+1+0+0+4+16 = 32; 32/7 = 4.571428..; sqrt = 2.138090 */
    NEAR(sd, 2.1380899, 1e-6);
}

static void median_and_quantiles_type7(void **state)
{
    (void)state;
    const double even[4] = {7, 1, 5, 3}, odd[3] = {3, 1, 2}, q4[4] = {4, 1, 3, 2};
    double v = 0;
    assert_int_equal(pm_stats_median(even, 4, &v), PM_OK);
    NEAR(v, 4.0, 1e-15); /* sorted 1 3 5 7: (3 + 5) / 2 */
    assert_int_equal(pm_stats_median(odd, 3, &v), PM_OK);
    NEAR(v, 2.0, 1e-15);
    assert_int_equal(pm_stats_quantile(q4, 4, 0.25, &v), PM_OK);
    NEAR(v, 1.75, 1e-15); /* h = 3 * 0.25 = 0.75: 1 + 0.75 (2 - 1) */
    assert_int_equal(pm_stats_quantile(q4, 4, 0.0, &v), PM_OK);
    NEAR(v, 1.0, 1e-15);
    assert_int_equal(pm_stats_quantile(q4, 4, 1.0, &v), PM_OK);
    NEAR(v, 4.0, 1e-15);
    assert_int_equal(pm_stats_quantile(q4, 4, 0.9, &v), PM_OK);
    NEAR(v, 3.7, 1e-12); /* h = 2.7: 3 + 0.7 (4 - 3) */
    assert_int_equal(pm_stats_iqr(q4, 4, &v), PM_OK);
    NEAR(v, 1.5, 1e-15); /* q.75: h = 2.25 -> 3.25; 3.25 - 1.75 */
    const double one = 42;
    assert_int_equal(pm_stats_median(&one, 1, &v), PM_OK);
    NEAR(v, 42.0, 0);
    /* the input is not reordered */
    assert_true(q4[0] == 4 && q4[1] == 1 && q4[2] == 3 && q4[3] == 2);
}

static void t_and_normal_quantiles_match_tables(void **state)
{
    (void)state;
    /* two-sided 95% critical values from any t table */
    const double df[5] = {1, 2, 4, 10, 30}, t975[5] = {12.7062, 4.3027, 2.7764, 2.2281, 2.0423};
    for (int i = 0; i < 5; i++) {
        double t = 0;
        assert_int_equal(pm_stats_t_quantile(df[i], 0.975, &t), PM_OK);
        NEAR(t, t975[i], 1e-4);
        assert_int_equal(pm_stats_t_quantile(df[i], 0.025, &t), PM_OK);
        NEAR(t, -t975[i], 1e-4);
    }
    double t = 1;
    assert_int_equal(pm_stats_t_quantile(3, 0.5, &t), PM_OK);
    NEAR(t, 0.0, 1e-9);
    assert_int_equal(pm_stats_t_quantile(5, 0.95, &t), PM_OK);
    NEAR(t, 2.0150, 1e-4); /* one-sided 95%, df 5 */
    double z = 0;
    assert_int_equal(pm_stats_normal_quantile(0.975, &z), PM_OK);
    NEAR(z, 1.959964, 1e-6);
    assert_int_equal(pm_stats_normal_quantile(0.1, &z), PM_OK);
    NEAR(z, -1.281552, 1e-6);
}

static void mean_ci_student(void **state)
{
    (void)state;
    const double x[5] = {1, 2, 3, 4, 5};
    double lo = 0, hi = 0;
    assert_int_equal(pm_stats_mean_ci(x, 5, 0.95, &lo, &hi), PM_OK);
    /* mean 3, sd sqrt(10/4) = 1.581139, se = sd/sqrt5 = 0.707107, t(4) = 2.776445: 3 -/+ 1.963243 */
    NEAR(lo, 1.036757, 1e-5);
    NEAR(hi, 4.963243, 1e-5);
}

static void median_ci_order_statistics(void **state)
{
    (void)state;
    const double x[10] = {10, 1, 9, 2, 8, 3, 7, 4, 6, 5};
    double lo = 0, hi = 0;
    assert_int_equal(pm_stats_median_ci(x, 10, 0.95, &lo, &hi), PM_OK);
    /* n = 10: P(B <= 1) = (1 + 10)/1024 = 0.0107 <= 0.025 < P(B <= 2) = 56/1024 = 0.0547 -> l = 2:
     * (x_(2), x_(9)) = (2, 9) */
    NEAR(lo, 2, 0);
    NEAR(hi, 9, 0);
    const double six[6] = {6, 5, 4, 3, 2, 1};
    /* n = 6: P(B <= 0) = 1/64 = 0.0156 <= 0.025 -> l = 1: (min, max) */
    assert_int_equal(pm_stats_median_ci(six, 6, 0.95, &lo, &hi), PM_OK);
    NEAR(lo, 1, 0);
    NEAR(hi, 6, 0);
    /* n = 5: P(B <= 0) = 1/32 = 0.031 > 0.025: no 95% interval exists */
    lo = hi = -1;
    assert_int_equal(pm_stats_median_ci(six, 5, 0.95, &lo, &hi), PM_ERR_ARG);
    assert_true(lo == -1 && hi == -1);
    /* ... but at 90% (alpha/2 = 0.05) l = 1 works for n = 5 */
    assert_int_equal(pm_stats_median_ci(six, 5, 0.90, &lo, &hi), PM_OK);
    NEAR(lo, 2, 0); /* the first five values 6 5 4 3 2 sorted: 2 .. 6 */
    NEAR(hi, 6, 0);
    /* large n (0.5^2000 underflows a plain product): x = 1..2000, normal approximation of the rank
     * l = n/2 - 1.96 sqrt(n)/2 = 1000 - 43.8 = 956; the interval is symmetric in rank: hi = n + 1 - lo */
    static double big[2000];
    for (int i = 0; i < 2000; i++)
        big[i] = 2000 - i;
    assert_int_equal(pm_stats_median_ci(big, 2000, 0.95, &lo, &hi), PM_OK);
    assert_true(lo >= 954 && lo <= 958);
    NEAR(hi, 2001 - lo, 0);
}

static void wilson_intervals(void **state)
{
    (void)state;
    double lo = 0, hi = 0;
    assert_int_equal(pm_stats_wilson(8, 10, 0.95, &lo, &hi), PM_OK);
    /* z = 1.959964, z^2 = 3.841459: centre (8 + 1.920730)/13.841459 = 0.716740;
     * half 1.959964 sqrt(1.6 + 0.960365)/13.841459 = 1.959964 * 1.600114 / 13.841459 = 0.226578 */
    NEAR(lo, 0.490162, 1e-5);
    NEAR(hi, 0.943318, 1e-5);
    assert_int_equal(pm_stats_wilson(0, 10, 0.95, &lo, &hi), PM_OK);
    /* k = 0: centre = half = 1.920730/13.841459 = 0.138766 -> (0, 0.277533) */
    NEAR(lo, 0.0, 1e-12);
    NEAR(hi, 0.277533, 1e-5);
    assert_true(lo >= 0.0);
}

static void mann_whitney_no_ties(void **state)
{
    (void)state;
    const double x[3] = {1, 2, 3}, y[3] = {4, 5, 6};
    double u = -1, p = -1;
    assert_int_equal(pm_stats_mann_whitney(x, 3, y, 3, &u, &p), PM_OK);
    /* ranks of x 1+2+3 = 6, U = 6 - 3*4/2 = 0; sigma^2 = 9/12 * 7 = 5.25 -> 2.291288;
     * z = (4.5 - 0.5)/2.291288 = 1.745743; p = 2 (1 - Phi(1.7457)) = 2 * 0.040429 = 0.080856 */
    NEAR(u, 0.0, 0);
    NEAR(p, 0.080856, 2e-5);
    double u2 = -1, p2 = -1;
    assert_int_equal(pm_stats_mann_whitney(y, 3, x, 3, &u2, &p2), PM_OK);
    NEAR(u2, 9.0, 0); /* U_y = nx ny - U_x */
    NEAR(p2, p, 1e-15);
}

static void mann_whitney_with_ties(void **state)
{
    (void)state;
    const double x[3] = {1, 2, 2}, y[3] = {2, 3, 4};
    double u = -1, p = -1;
    assert_int_equal(pm_stats_mann_whitney(x, 3, y, 3, &u, &p), PM_OK);
    /* pooled 1 2 2 2 3 4: the three 2s share mid-rank (2+3+4)/3 = 3; R_x = 1 + 3 + 3 = 7, U = 7 - 6 = 1.
     * tie term 3^3 - 3 = 24: sigma^2 = 9/12 (7 - 24/30) = 4.65 -> 2.156386; z = (3.5 - 0.5)/2.156386 = 1.391217;
     * p = 2 (1 - Phi(1.391217)) = 2 * 0.082080 = 0.164160 */
    NEAR(u, 1.0, 1e-12);
    NEAR(p, 0.164160, 2e-5);
    const double a[3] = {5, 5, 5}, b[2] = {5, 5};
    assert_int_equal(pm_stats_mann_whitney(a, 3, b, 2, &u, &p), PM_OK);
    NEAR(u, 3.0, 1e-12); /* all tied: U = nx ny / 2 */
    NEAR(p, 1.0, 0);
}

static void summary_of_five(void **state)
{
    (void)state;
    const double x[5] = {5, 3, 1, 4, 2};
    pm_stats_summary s;
    assert_int_equal(pm_stats_summarize(x, 5, &s), PM_OK);
    assert_int_equal(s.n, 5);
    NEAR(s.mean, 3.0, 1e-15);
    NEAR(s.sd, 1.581139, 1e-6);
    NEAR(s.ci_lo, 1.036757, 1e-5);
    NEAR(s.median, 3.0, 0);
    NEAR(s.q1, 2.0, 1e-15); /* h = 1 */
    NEAR(s.q3, 4.0, 1e-15); /* h = 3 */
    NEAR(s.min, 1.0, 0);
    NEAR(s.max, 5.0, 0);
    const double one = 7;
    assert_int_equal(pm_stats_summarize(&one, 1, &s), PM_OK);
    assert_true(s.sd == 0 && s.ci_lo == 7 && s.ci_hi == 7);
}

static void bad_input_is_refused_and_outputs_untouched(void **state)
{
    (void)state;
    const double x[3] = {1, NAN, 3}, ok[2] = {1, 2};
    double v = 123, lo = 123, hi = 456;
    assert_int_equal(pm_stats_mean(x, 0, &v), PM_ERR_ARG);
    assert_int_equal(pm_stats_mean(NULL, 3, &v), PM_ERR_ARG);
    assert_int_equal(pm_stats_mean(ok, 2, NULL), PM_ERR_ARG);
    assert_int_equal(pm_stats_mean(x, 3, &v), PM_ERR_NONFINITE);
    const double inf[1] = {INFINITY};
    assert_int_equal(pm_stats_median(inf, 1, &v), PM_ERR_NONFINITE);
    assert_int_equal(pm_stats_sd(ok, 1, &v), PM_ERR_ARG);
    assert_int_equal(pm_stats_quantile(ok, 2, 1.5, &v), PM_ERR_ARG);
    assert_int_equal(pm_stats_quantile(ok, 2, NAN, &v), PM_ERR_ARG);
    assert_int_equal(pm_stats_iqr(x, 3, &v), PM_ERR_NONFINITE);
    assert_int_equal(pm_stats_mean_ci(ok, 1, 0.95, &lo, &hi), PM_ERR_ARG);
    assert_int_equal(pm_stats_mean_ci(ok, 2, 1.0, &lo, &hi), PM_ERR_ARG);
    assert_int_equal(pm_stats_wilson(11, 10, 0.95, &lo, &hi), PM_ERR_ARG);
    assert_int_equal(pm_stats_wilson(0, 0, 0.95, &lo, &hi), PM_ERR_ARG);
    assert_int_equal(pm_stats_wilson(-1, 10, 0.95, &lo, &hi), PM_ERR_ARG);
    assert_int_equal(pm_stats_t_quantile(0.5, 0.9, &v), PM_ERR_ARG);
    assert_int_equal(pm_stats_t_quantile(3, 1.0, &v), PM_ERR_ARG);
    assert_int_equal(pm_stats_normal_quantile(0.0, &v), PM_ERR_ARG);
    assert_int_equal(pm_stats_mann_whitney(ok, 2, x, 3, &v, &v), PM_ERR_NONFINITE);
    assert_int_equal(pm_stats_mann_whitney(ok, 2, ok, 0, &v, &v), PM_ERR_ARG);
    pm_stats_summary s = {.n = -7};
    assert_int_equal(pm_stats_summarize(x, 3, &s), PM_ERR_NONFINITE);
    assert_int_equal(s.n, -7);
    assert_true(v == 123 && lo == 123 && hi == 456);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mean_and_sd),
        cmocka_unit_test(median_and_quantiles_type7),
        cmocka_unit_test(t_and_normal_quantiles_match_tables),
        cmocka_unit_test(mean_ci_student),
        cmocka_unit_test(median_ci_order_statistics),
        cmocka_unit_test(wilson_intervals),
        cmocka_unit_test(mann_whitney_no_ties),
        cmocka_unit_test(mann_whitney_with_ties),
        cmocka_unit_test(summary_of_five),
        cmocka_unit_test(bad_input_is_refused_and_outputs_untouched),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
