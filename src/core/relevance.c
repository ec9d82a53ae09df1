/* Relevance signals R(n) that modulate P&M learning (SPEC §3, §9): road curvature, line motion, rectified error, constant. */
#include "primod/relevance.h"

#include <math.h>
#include <stddef.h>

int pm_relevance_argmax(const double *row, int n, double threshold)
{
    if (!row || n < 1)
        return -1;
    /* Strict '>' on both tests: the line must exceed the threshold, and on ties the lowest index wins. */
    int best = -1;
    for (int i = 0; i < n; i++)
        if (row[i] > threshold && (best < 0 || row[i] > row[best]))
            best = i;
    return best;
}

static int row_finite(const double *row, int n)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(row[i]))
            return 0;
    return 1;
}

pm_status pm_relevance_curvature(const double *row1, const double *row2, int n, double threshold, double *out)
{
    if (!row1 || !row2 || !out || n < 1)
        return PM_ERR_ARG;
    if (!isfinite(threshold) || !row_finite(row1, n) || !row_finite(row2, n))
        return PM_ERR_NONFINITE;
    /* SPEC §3: R = 1 + |k2 - k1| from the strongest predictor of the two nearest rows; a row without line: R = 1. */
    const int k1 = pm_relevance_argmax(row1, n, threshold);
    const int k2 = pm_relevance_argmax(row2, n, threshold);
    *out = (k1 < 0 || k2 < 0) ? 1.0 : 1.0 + fabs((double)(k2 - k1));
    return PM_OK;
}

double pm_relevance_motion(int k_prev, int k_now)
{
    /* SPEC §9 variant: R = 1 + |k(n) - k(n-1)|; without a line at either step there is no motion to read: R = 1. */
    return (k_prev < 0 || k_now < 0) ? 1.0 : 1.0 + fabs((double)k_now - (double)k_prev);
}

double pm_relevance_rectified(double error)
{
    return fabs(error);
}

double pm_relevance_constant(void)
{
    return 1.0;
}
