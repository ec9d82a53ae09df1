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

/* The argmax as SPEC §3 states it, one value at a time: the first index of the largest value strictly above the
 * threshold (a NaN is above nothing), -1 if none. */
static int argmax_reference(const double *row, int n, double threshold)
{
    int best = -1;
    for (int i = 0; i < n; i++) {
        if (!(row[i] > threshold))
            continue;
        int first = 1;   /* is row[i] strictly larger than every earlier value above the threshold? */
        for (int j = 0; j < i; j++)
            if (row[j] > threshold && !(row[i] > row[j]))
                first = 0;
        if (first)
            best = i;
    }
    return best;
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

/* Rows of every length 1..70 (whole vectors and tails), values from a small set so that ties are common, with
 * +-0, NaN and +-inf sprinkled in, against thresholds -inf, negative, 0, the paper's 0.05 and NaN. */
static void argmax_matches_reference(void **state)
{
    (void)state;
    static const double vals[] = {0.0, -0.0, 0.05, 0.1, 0.2, 0.2, 0.3, -0.4, 1e-300, 0.3};
    static const double thresholds[] = {-INFINITY, -1.0, 0.0, 0.05, 0.25, NAN};
    uint64_t rng = 7;
    double row[70];
    long found = 0;
    for (int n = 1; n <= 70; n++)
        for (int rep = 0; rep < 40; rep++) {
            for (int i = 0; i < n; i++) {
                const uint64_t u = lcg(&rng);
                row[i] = vals[u % 10];
                if (u % 53 == 0)
                    row[i] = NAN;
                else if (u % 59 == 0)
                    row[i] = (u & 1024) ? INFINITY : -INFINITY;
            }
            for (size_t t = 0; t < sizeof thresholds / sizeof thresholds[0]; t++) {
                const int k = pm_relevance_argmax(row, n, thresholds[t]);
                assert_int_equal(k, argmax_reference(row, n, thresholds[t]));
                found += k >= 0;
            }
        }
    assert_true(found > 10000);   /* most rows do see a line */
}

/* A NaN or infinity anywhere in either row (each lane of the vector part and the tail) is refused; a finite row of
 * the same shape is not. */
static void curvature_refuses_nonfinite_anywhere(void **state)
{
    (void)state;
    double r1[13], r2[13], R = 42.0;
    for (int n = 1; n <= 13; n++)
        for (int pos = 0; pos < n; pos++)
            for (int which = 0; which < 2; which++)
                for (int v = 0; v < 3; v++) {
                    for (int i = 0; i < 13; i++)
                        r1[i] = r2[i] = 0.01 * i;
                    double *r = which ? r2 : r1;
                    r[pos] = v == 0 ? NAN : v == 1 ? INFINITY : -INFINITY;
                    assert_int_equal(pm_relevance_curvature(r1, r2, n, 0.05, &R), PM_ERR_NONFINITE);
                    assert_true(R == 42.0);
                    r[pos] = 1e308;   /* huge but finite: fine */
                    assert_int_equal(pm_relevance_curvature(r1, r2, n, 0.05, &R), PM_OK);
                    R = 42.0;
                }
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
        cmocka_unit_test(argmax_matches_reference),
        cmocka_unit_test(curvature_refuses_nonfinite_anywhere),
        cmocka_unit_test(rectified_and_constant),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
