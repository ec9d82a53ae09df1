/* Tests of pm_exp (src/core/pm_math.h): accuracy against libm's exp, special values, the sigmoid's extremes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <string.h>

#include "core/pm_math.h"

/* Distance in units in the last place between two non-negative finite doubles (their bit patterns are ordered
 * like the values, so the difference of the patterns counts the doubles between them). */
static uint64_t ulp_diff(double a, double b)
{
    uint64_t ua, ub;
    memcpy(&ua, &a, sizeof ua);
    memcpy(&ub, &b, sizeof ub);
    return ua > ub ? ua - ub : ub - ua;
}

/* Largest ulp distance to libm's exp (itself within 0.52 ulp in glibc) over n evenly spaced points of [lo, hi]
 * (an irrational-looking step, so the points do not line up with the table's grid of ln2/256). */
static uint64_t max_ulp_over(double lo, double hi, long n)
{
    uint64_t worst = 0;
    for (long i = 0; i < n; i++) {
        const double x = lo + (hi - lo) * ((double)i / (double)(n - 1));
        const uint64_t d = ulp_diff(pm_exp(x), exp(x));
        worst = d > worst ? d : worst;
    }
    return worst;
}

static void exp_within_two_ulp_of_libm(void **state)
{
    (void)state;
    assert_true(max_ulp_over(-745.0, 709.0, 1000000) <= 2); /* the whole finite range */
    assert_true(max_ulp_over(-20.0, 20.0, 1000000) <= 2);   /* where the sigmoid and the sensors live */
    assert_true(max_ulp_over(-746.0, -707.0, 100000) <= 2); /* subnormal results and the rare path's edge */
    assert_true(max_ulp_over(707.0, 709.78, 100000) <= 2);  /* near overflow (e^709.78 < DBL_MAX) */
    assert_true(max_ulp_over(-1e-8, 1e-8, 10001) <= 2);     /* tiny arguments: e^x = 1 + x */
}

static void exp_special_values(void **state)
{
    (void)state;
    assert_true(pm_exp(0.0) == 1.0); /* r = 0, k = 0: table[0] = 1, polynomial 0 */
    assert_true(pm_exp(-0.0) == 1.0);
    assert_true(pm_exp(INFINITY) == INFINITY);
    assert_true(pm_exp(-INFINITY) == 0.0);
    assert_true(isnan(pm_exp(NAN)));
    assert_true(pm_exp(709.79) == INFINITY); /* ln(DBL_MAX) = 709.7827... */
    assert_true(pm_exp(1000.0) == INFINITY);
    assert_true(pm_exp(DBL_MAX) == INFINITY);
    assert_true(pm_exp(-746.0) == 0.0);
    assert_true(pm_exp(-DBL_MAX) == 0.0);
    /* e^-745 / 2^-1074 = e^(1074 ln2 - 745) = e^-0.5597 = 0.571: rounds to the smallest subnormal */
    assert_true(pm_exp(-745.0) == 0x1p-1074);
    /* e^709.78 = DBL_MAX * e^(709.78 - 709.78271) = 1.7977e308 * 0.99729 = 1.7929e308 (0x1.fe9cp1023) */
    assert_true(pm_exp(709.78) <= DBL_MAX && pm_exp(709.78) > 0x1.fe9p1023);
    assert_true(ulp_diff(pm_exp(1.0), 2.718281828459045) <= 1); /* e correctly rounded (M_E) */
}

/* pm_exp_table_ holds 2^(j/256) correctly rounded (less j << 44): checked against exp2l, an independent value with
 * 11 more bits on x86-64 (and as many on aarch64): the table's double must be within half an ulp of it, plus the
 * long double's own error (2^-62 relative, far below the 2^-53 of an ulp's half at these magnitudes' resolution). */
static void exp_table_correctly_rounded(void **state)
{
    (void)state;
    /* The reference needs long double arithmetic with more bits than double. valgrind emulates long double with
     * double precision, so there this check could not tell; tests/core/check_exp_table.py (ctest core.exp_table)
     * checks the same table against Python's decimal module in every run. */
    volatile long double one = 1.0L;
    if (one + 0x1p-60L == one)
        skip();
    for (unsigned j = 0; j < 256; j++) {
        const double t = pm_from_bits_(pm_exp_table_[j] + ((uint64_t)j << 44));
        const long double ref = exp2l((long double)j / 256.0L);
        const long double half_ulp = (long double)(nextafter(t, 2.0) - t) / 2.0L;
        assert_true(t >= 1.0 && t < 2.0);
        assert_true(fabsl((long double)t - ref) <= half_ulp * (1.0L + 0x1p-8L));
    }
}

/* The sigmoid of SPEC §2 as net_kernels.c writes it: exact -0.5 / +0.5 at the extremes, NaN kept. */
static double sigmoid(double v) { return 1.0 / (1.0 + pm_exp(-v)) - 0.5; }

static void sigmoid_extremes(void **state)
{
    (void)state;
    assert_true(sigmoid(0.0) == 0.0);        /* 1/(1+1) - 0.5 */
    assert_true(sigmoid(-800.0) == -0.5);    /* e^800 = inf, 1/inf = 0 */
    assert_true(sigmoid(-INFINITY) == -0.5);
    assert_true(sigmoid(800.0) == 0.5);      /* e^-800 = 0 */
    assert_true(sigmoid(40.0) == 0.5);       /* e^-40 = 4e-18 < 2^-54: 1 + it rounds to 1 */
    assert_true(sigmoid(INFINITY) == 0.5);
    assert_true(isnan(sigmoid(NAN)));
    for (double v = -30; v <= 30; v += 0.37) /* odd symmetry f(-v) = -f(v), to rounding */
        assert_true(fabs(sigmoid(v) + sigmoid(-v)) <= 4 * DBL_EPSILON);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exp_within_two_ulp_of_libm),
        cmocka_unit_test(exp_special_values),
        cmocka_unit_test(exp_table_correctly_rounded),
        cmocka_unit_test(sigmoid_extremes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
