/* Summary statistics and tests for comparing learning rules across runs (pure functions, libm only). */
#ifndef PRIMOD_STATS_H
#define PRIMOD_STATS_H

#include "primod/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Common contract for every function taking (const double *x, int n):
 *   PM_ERR_ARG if x or an out-pointer is NULL or n is too small (n < 1; n < 2 where a spread is needed),
 *   PM_ERR_NONFINITE if any x[i] is NaN or infinite; out-params are written only on PM_OK.
 *   x is never modified (functions that sort work on their own copy: PM_ERR_NOMEM if that copy fails). */

/* Arithmetic mean. n >= 1. */
pm_status pm_stats_mean(const double *x, int n, double *mean);
/* Sample standard deviation (divisor n - 1). n >= 2. */
pm_status pm_stats_sd(const double *x, int n, double *sd);
/* Quantile of type 7 (R default, numpy "linear"): sort x, h = (n - 1) p, q = x[floor h] + (h - floor h)
 * (x[floor h + 1] - x[floor h]) with 0-based order statistics. 0 <= p <= 1 (else PM_ERR_ARG). n >= 1. */
pm_status pm_stats_quantile(const double *x, int n, double p, double *q);
/* Median = type-7 quantile 0.5 (the mean of the two middle values for even n). n >= 1. */
pm_status pm_stats_median(const double *x, int n, double *median);
/* Inter-quartile range = type-7 quantile 0.75 minus quantile 0.25. n >= 1. */
pm_status pm_stats_iqr(const double *x, int n, double *iqr);
/* Confidence interval of the mean, Student t: mean -/+ t_{(1+level)/2, n-1} sd / sqrt(n).
 * 0 < level < 1 (0.95 for a 95% interval). n >= 2. */
pm_status pm_stats_mean_ci(const double *x, int n, double level, double *lo, double *hi);

/* Distribution-free confidence interval of the median from order statistics: (x_(l), x_(n+1-l)) in 1-based
 * sorted order, with l the largest rank such that P(B <= l - 1) <= (1 - level)/2 for B ~ Binomial(n, 1/2);
 * its coverage is at least level (n = 10 at 0.95: l = 2, coverage 0.979). PM_ERR_ARG when n is too small for
 * any such interval (n < 6 at 0.95). 0 < level < 1. */
pm_status pm_stats_median_ci(const double *x, int n, double level, double *lo, double *hi);

/* Quantile of Student's t distribution with df degrees of freedom: P(T <= t) = p. df >= 1, 0 < p < 1.
 * Computed by bisection on the regularised incomplete beta function (accurate to ~1e-10). */
pm_status pm_stats_t_quantile(double df, double p, double *t);
/* Standard normal quantile: P(Z <= z) = p, 0 < p < 1 (bisection on erfc, ~1e-12). */
pm_status pm_stats_normal_quantile(double p, double *z);

/* Wilson score interval for a success rate of k successes in n trials at confidence level (0.95 -> z = 1.96):
 * centre (k + z^2/2)/(n + z^2), half-width z sqrt(k(n-k)/n + z^2/4)/(n + z^2). 0 <= k <= n, n >= 1. */
pm_status pm_stats_wilson(int k, int n, double level, double *lo, double *hi);

/* Two-sided Mann-Whitney U test of x (nx) against y (ny), e.g. two rules' success steps.
 * u = U of x = (sum of the mid-ranks of x in the pooled sample) - nx (nx + 1) / 2  (u / (nx ny) is the
 * probability that an x exceeds a y, ties counting 1/2). p: normal approximation with tie correction,
 * sigma^2 = nx ny / 12 * ((N + 1) - sum(t^3 - t) / (N (N - 1))), and continuity correction 0.5
 * (as scipy.stats.mannwhitneyu's default "asymptotic" method): z = (|u - nx ny / 2| - 0.5) / sigma,
 * p = erfc(z / sqrt 2), clipped to [0, 1]; p = 1 when every value is tied. nx, ny >= 1. Either out may be NULL. */
pm_status pm_stats_mann_whitney(const double *x, int nx, const double *y, int ny, double *u, double *p);

/* Everything a comparison table needs about one group of runs. */
typedef struct {
    int n;
    double mean, sd;          /* sd = 0 when n == 1 */
    double ci_lo, ci_hi;      /* 95% Student-t interval of the mean; = mean when n == 1 */
    double median, q1, q3;    /* type-7 quantiles 0.5, 0.25, 0.75 */
    double min, max;
} pm_stats_summary;

/* Fills s for x (n >= 1). Same errors as above; s untouched on failure. */
pm_status pm_stats_summarize(const double *x, int n, pm_stats_summary *s);

#ifdef __cplusplus
}
#endif
#endif
