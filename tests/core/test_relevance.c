/* Tests of the relevance signals (SPEC §3): curvature from two look-ahead rows, rectified error, constant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>

#include "primod/relevance.h"

#define ROW 10

/* A row of zeros with the value v at index k (a line seen by predictor k). */
static void line_at(double *row, int k, double v)
{
    for (int i = 0; i < ROW; i++)
        row[i] = 0.0;
    if (k >= 0)
        row[k] = v;
}

static void curvature_hand_examples(void **state)
{
    (void)state;
    double r1[ROW], r2[ROW], R = 0;
    /* k1 = 3, k2 = 7: R = 1 + |7 - 3| = 5 */
    line_at(r1, 3, 0.2);
    line_at(r2, 7, 0.2);
    assert_int_equal(pm_relevance_curvature(r1, r2, ROW, 0.05, &R), PM_OK);
    assert_true(R == 5.0);
    /* the other way round: k1 = 7, k2 = 3 -> same 5 (absolute value) */
    assert_int_equal(pm_relevance_curvature(r2, r1, ROW, 0.05, &R), PM_OK);
    assert_true(R == 5.0);
    /* straight road: both at 4 -> R = 1 */
    line_at(r1, 4, 0.2);
    line_at(r2, 4, 0.1);
    assert_int_equal(pm_relevance_curvature(r1, r2, ROW, 0.05, &R), PM_OK);
    assert_true(R == 1.0);
    /* spread-out line: row 1 = a bump peaking at 2, row 2 = a bump peaking at 8 -> R = 1 + 6 = 7 */
    for (int i = 0; i < ROW; i++) {
        r1[i] = 0.2 - 0.03 * fabs(i - 2.0);
        r2[i] = 0.2 - 0.03 * fabs(i - 8.0);
    }
    assert_int_equal(pm_relevance_curvature(r1, r2, ROW, 0.05, &R), PM_OK);
    assert_true(R == 7.0);
}

static void row_without_line_gives_one(void **state)
{
    (void)state;
    double r1[ROW], r2[ROW], R = 0;
    line_at(r1, 0, 0.2);
    line_at(r2, 9, 0.04);   /* below the threshold 0.05: row 2 sees no line */
    assert_int_equal(pm_relevance_curvature(r1, r2, ROW, 0.05, &R), PM_OK);
    assert_true(R == 1.0);
    line_at(r1, -1, 0);     /* row 1 all zero */
    line_at(r2, 9, 0.2);
    assert_int_equal(pm_relevance_curvature(r1, r2, ROW, 0.05, &R), PM_OK);
    assert_true(R == 1.0);
    /* exactly at the threshold does not count ("exceeds") */
    line_at(r1, 0, 0.05);
    assert_int_equal(pm_relevance_argmax(r1, ROW, 0.05), -1);
    assert_int_equal(pm_relevance_argmax(r1, ROW, 0.0499), 0);
}

static void ties_take_lowest_index(void **state)
{
    (void)state;
    double row[ROW];
    line_at(row, 6, 0.2);
    row[2] = 0.2;
    row[9] = 0.2;
    assert_int_equal(pm_relevance_argmax(row, ROW, 0.0), 2);
    row[9] = 0.2000001;
    assert_int_equal(pm_relevance_argmax(row, ROW, 0.0), 9);
    /* negative threshold: an all-zero row is seen everywhere, the tie goes to index 0 */
    line_at(row, -1, 0);
    assert_int_equal(pm_relevance_argmax(row, ROW, -1.0), 0);
    assert_int_equal(pm_relevance_argmax(NULL, ROW, 0.0), -1);
    assert_int_equal(pm_relevance_argmax(row, 0, -1.0), -1);
}

static void nonfinite_and_bad_args_refused(void **state)
{
    (void)state;
    double r1[ROW], r2[ROW], R = 42.0;
    line_at(r1, 3, 0.2);
    line_at(r2, 7, 0.2);
    r2[5] = NAN;
    assert_int_equal(pm_relevance_curvature(r1, r2, ROW, 0.05, &R), PM_ERR_NONFINITE);
    r2[5] = 0;
    r1[0] = -INFINITY;
    assert_int_equal(pm_relevance_curvature(r1, r2, ROW, 0.05, &R), PM_ERR_NONFINITE);
    r1[0] = 0;
    assert_int_equal(pm_relevance_curvature(r1, r2, ROW, NAN, &R), PM_ERR_NONFINITE);
    assert_int_equal(pm_relevance_curvature(NULL, r2, ROW, 0.05, &R), PM_ERR_ARG);
    assert_int_equal(pm_relevance_curvature(r1, NULL, ROW, 0.05, &R), PM_ERR_ARG);
    assert_int_equal(pm_relevance_curvature(r1, r2, ROW, 0.05, NULL), PM_ERR_ARG);
    assert_int_equal(pm_relevance_curvature(r1, r2, 0, 0.05, &R), PM_ERR_ARG);
    assert_true(R == 42.0);   /* untouched by every refused call */
}

static void rectified_and_constant(void **state)
{
    (void)state;
    assert_true(pm_relevance_rectified(-0.25) == 0.25);
    assert_true(pm_relevance_rectified(3.0) == 3.0);
    assert_true(pm_relevance_rectified(0.0) == 0.0);
    assert_true(pm_relevance_constant() == 1.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(curvature_hand_examples),
        cmocka_unit_test(row_without_line_gives_one),
        cmocka_unit_test(ties_take_lowest_index),
        cmocka_unit_test(nonfinite_and_bad_args_refused),
        cmocka_unit_test(rectified_and_constant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
