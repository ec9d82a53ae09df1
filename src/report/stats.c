/* Summary statistics, t and normal quantiles, Wilson intervals and the Mann-Whitney U test (see stats.h). */
#include "primod/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Shared validation: non-NULL data, enough samples, every value finite. */
static pm_status check_data(const double *x, int n, int n_min)
{
    if (!x || n < n_min)
        return PM_ERR_ARG;
    for (int i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return PM_ERR_NONFINITE;
    return PM_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double u = *(const double *)a, v = *(const double *)b;
    return (u > v) - (u < v);
}

/* Sorted copy of x (caller frees). NULL when the allocation fails. */
static double *sorted_copy(const double *x, int n)
{
    double *s = malloc((size_t)n * sizeof *s);
    if (!s)
        return NULL;
    memcpy(s, x, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    return s;
}

/* Type-7 quantile of already sorted data: h = (n-1) p, linear interpolation between order statistics. */
static double quantile_sorted(const double *s, int n, double p)
{
    double h = (n - 1) * p;
    int i = (int)floor(h);
    if (i >= n - 1)
        return s[n - 1];
    return s[i] + (h - i) * (s[i + 1] - s[i]);
}

static double mean_of(const double *x, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += x[i];
    return sum / n;
}

/* Two-pass sample standard deviation (divisor n - 1): the second pass avoids the cancellation of sum x^2. */
static double sd_of(const double *x, int n, double mean)
{
    double ss = 0;
    for (int i = 0; i < n; i++)
        ss += (x[i] - mean) * (x[i] - mean);
    return sqrt(ss / (n - 1));
}

pm_status pm_stats_mean(const double *x, int n, double *mean)
{
    pm_status st = check_data(x, n, 1);
    if (st)
        return st;
    if (!mean)
        return PM_ERR_ARG;
    *mean = mean_of(x, n);
    return PM_OK;
}

pm_status pm_stats_sd(const double *x, int n, double *sd)
{
    pm_status st = check_data(x, n, 2);
    if (st)
        return st;
    if (!sd)
        return PM_ERR_ARG;
    *sd = sd_of(x, n, mean_of(x, n));
    return PM_OK;
}

/* Several type-7 quantiles from one sorted copy: out[i] = quantile(ps[i]). */
static pm_status quantiles(const double *x, int n, const double *ps, int np, double *out)
{
    pm_status st = check_data(x, n, 1);
    if (st)
        return st;
    for (int i = 0; i < np; i++)
        if (!(ps[i] >= 0.0 && ps[i] <= 1.0))
            return PM_ERR_ARG;
    double *s = sorted_copy(x, n);
    if (!s)
        return PM_ERR_NOMEM;
    for (int i = 0; i < np; i++)
        out[i] = quantile_sorted(s, n, ps[i]);
    free(s);
    return PM_OK;
}

pm_status pm_stats_quantile(const double *x, int n, double p, double *q)
{
    if (!q)
        return PM_ERR_ARG;
    return quantiles(x, n, &p, 1, q);
}

pm_status pm_stats_median(const double *x, int n, double *median)
{
    return pm_stats_quantile(x, n, 0.5, median);
}

pm_status pm_stats_iqr(const double *x, int n, double *iqr)
{
    static const double ps[2] = {0.25, 0.75};
    double q[2];
    if (!iqr)
        return PM_ERR_ARG;
    pm_status st = quantiles(x, n, ps, 2, q);
    if (st)
        return st;
    *iqr = q[1] - q[0];
    return PM_OK;
}

/* Continued fraction of the regularised incomplete beta function (modified Lentz; Numerical Recipes betacf). */
static double beta_cf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    if (fabs(d) < tiny)
        d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 300; m++) {
        double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        for (int half = 0; half < 2; half++) {
            d = 1.0 + aa * d;
            if (fabs(d) < tiny)
                d = tiny;
            c = 1.0 + aa / c;
            if (fabs(c) < tiny)
                c = tiny;
            d = 1.0 / d;
            h *= d * c;
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        }
        if (fabs(d * c - 1.0) < 1e-15)
            break;
    }
    return h;
}

/* I_x(a, b) with y = 1 - x passed separately (exact for the caller, which avoids cancellation near x = 1),
 * using the symmetry I_x(a,b) = 1 - I_y(b,a) on the side where the continued fraction converges fast. */
static double inc_beta(double a, double b, double x, double y)
{
    if (x <= 0.0)
        return 0.0;
    if (y <= 0.0)
        return 1.0;
    double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(y);
    if (x < (a + 1.0) / (a + b + 2.0))
        return exp(lbt) * beta_cf(a, b, x) / a;
    return 1.0 - exp(lbt) * beta_cf(b, a, y) / b;
}

/* Student t CDF: P(T <= t) = 1 - I_{df/(df+t^2)}(df/2, 1/2) / 2 for t >= 0, symmetric for t < 0. */
static double t_cdf(double t, double df)
{
    double t2 = t * t;
    double tail = 0.5 * inc_beta(df / 2.0, 0.5, df / (df + t2), t2 / (df + t2));
    return t >= 0 ? 1.0 - tail : tail;
}

/* Bisection for an increasing cdf: finds v in [lo, hi] with cdf(v) = p (the bracket is widened if needed). */
static double invert_cdf(double (*cdf)(double, double), double param, double p, double lo, double hi)
{
    while (cdf(hi, param) < p && hi < 1e300)
        hi *= 2.0;
    while (cdf(lo, param) > p && lo > -1e300)
        lo *= 2.0;
    for (int i = 0; i < 400 && hi - lo > 1e-13 * (1.0 + fabs(lo)); i++) {
        double mid = 0.5 * (lo + hi);
        if (cdf(mid, param) < p)
            lo = mid;
        else
            hi = mid;
    }
    return 0.5 * (lo + hi);
}

pm_status pm_stats_t_quantile(double df, double p, double *t)
{
    if (!t || !(df >= 1.0) || !(p > 0.0 && p < 1.0) || !isfinite(df))
        return PM_ERR_ARG;
    *t = invert_cdf(t_cdf, df, p, -16.0, 16.0);
    return PM_OK;
}

static double normal_cdf(double z, double unused)
{
    (void)unused;
    return 0.5 * erfc(-z / sqrt(2.0));
}

pm_status pm_stats_normal_quantile(double p, double *z)
{
    if (!z || !(p > 0.0 && p < 1.0))
        return PM_ERR_ARG;
    *z = invert_cdf(normal_cdf, 0.0, p, -40.0, 40.0);
    return PM_OK;
}

/* Half-width of the Student-t interval of the mean: t_{(1+level)/2, n-1} sd / sqrt(n). */
static pm_status t_half_width(int n, double sd, double level, double *hw)
{
    double t;
    pm_status st = pm_stats_t_quantile(n - 1, 0.5 * (1.0 + level), &t);
    if (st)
        return st;
    *hw = t * sd / sqrt((double)n);
    return PM_OK;
}

pm_status pm_stats_mean_ci(const double *x, int n, double level, double *lo, double *hi)
{
    pm_status st = check_data(x, n, 2);
    if (st)
        return st;
    if (!lo || !hi || !(level > 0.0 && level < 1.0))
        return PM_ERR_ARG;
    double m = mean_of(x, n), hw;
    st = t_half_width(n, sd_of(x, n, m), level, &hw);
    if (st)
        return st;
    *lo = m - hw;
    *hi = m + hw;
    return PM_OK;
}

/* P(B = k) for B ~ Binomial(n, 1/2), in logs so that large n does not underflow 0.5^n. */
static double binom_half_pmf(int n, int k)
{
    return exp(lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0) - n * log(2.0));
}

pm_status pm_stats_median_ci(const double *x, int n, double level, double *lo, double *hi)
{
    pm_status st = check_data(x, n, 1);
    if (st)
        return st;
    if (!lo || !hi || !(level > 0.0 && level < 1.0))
        return PM_ERR_ARG;
    double alpha2 = (1.0 - level) / 2.0, cdf = 0.0;
    int l = 0; /* largest l with P(B <= l - 1) <= alpha/2; 0 means no interval exists */
    for (int k = 0; k < n; k++) {
        cdf += binom_half_pmf(n, k);
        if (cdf > alpha2 * (1 + 1e-12))
            break;
        l = k + 1;
    }
    if (l < 1 || l > n + 1 - l)
        return PM_ERR_ARG;
    double *s = sorted_copy(x, n);
    if (!s)
        return PM_ERR_NOMEM;
    *lo = s[l - 1];
    *hi = s[n - l];
    free(s);
    return PM_OK;
}

pm_status pm_stats_wilson(int k, int n, double level, double *lo, double *hi)
{
    if (!lo || !hi || n < 1 || k < 0 || k > n || !(level > 0.0 && level < 1.0))
        return PM_ERR_ARG;
    double z;
    pm_status st = pm_stats_normal_quantile(0.5 * (1.0 + level), &z);
    if (st)
        return st;
    double dn = n, dk = k, z2 = z * z;
    double centre = (dk + z2 / 2.0) / (dn + z2);
    double half = z * sqrt(dk * (dn - dk) / dn + z2 / 4.0) / (dn + z2);
    *lo = fmax(0.0, centre - half);
    *hi = fmin(1.0, centre + half);
    return PM_OK;
}

typedef struct {
    double v;
    int from_x;
} pooled;

static int cmp_pooled(const void *a, const void *b)
{
    return cmp_double(&((const pooled *)a)->v, &((const pooled *)b)->v);
}

pm_status pm_stats_mann_whitney(const double *x, int nx, const double *y, int ny, double *u, double *p)
{
    pm_status st = check_data(x, nx, 1);
    if (!st)
        st = check_data(y, ny, 1);
    if (st)
        return st;
    int n = nx + ny;
    pooled *all = malloc((size_t)n * sizeof *all);
    if (!all)
        return PM_ERR_NOMEM;
    for (int i = 0; i < nx; i++)
        all[i] = (pooled){x[i], 1};
    for (int i = 0; i < ny; i++)
        all[nx + i] = (pooled){y[i], 0};
    qsort(all, (size_t)n, sizeof *all, cmp_pooled);
    /* Mid-ranks: a run of t tied values at 0-based positions i..j-1 all get rank (i + 1 + j) / 2. */
    double rank_sum_x = 0, tie_sum = 0;
    for (int i = 0; i < n;) {
        int j = i;
        while (j < n && all[j].v == all[i].v)
            j++;
        double t = j - i, mid = 0.5 * (i + 1 + j);
        for (int m = i; m < j; m++)
            if (all[m].from_x)
                rank_sum_x += mid;
        tie_sum += t * t * t - t;
        i = j;
    }
    free(all);
    double dnx = nx, dny = ny, dn = n;
    double ux = rank_sum_x - dnx * (dnx + 1.0) / 2.0;
    double var = dnx * dny / 12.0 * ((dn + 1.0) - (n > 1 ? tie_sum / (dn * (dn - 1.0)) : 0.0));
    double pv = 1.0;
    if (var > 0.0) {
        double z = (fabs(ux - dnx * dny / 2.0) - 0.5) / sqrt(var);
        pv = z <= 0.0 ? 1.0 : fmin(1.0, erfc(z / sqrt(2.0)));
    }
    if (u)
        *u = ux;
    if (p)
        *p = pv;
    return PM_OK;
}

pm_status pm_stats_summarize(const double *x, int n, pm_stats_summary *s)
{
    pm_status st = check_data(x, n, 1);
    if (st)
        return st;
    if (!s)
        return PM_ERR_ARG;
    double *sorted = sorted_copy(x, n);
    if (!sorted)
        return PM_ERR_NOMEM;
    pm_stats_summary r = {.n = n};
    r.mean = mean_of(x, n);
    r.sd = n > 1 ? sd_of(x, n, r.mean) : 0.0;
    double hw = 0.0;
    if (n > 1)
        st = t_half_width(n, r.sd, 0.95, &hw);
    r.ci_lo = r.mean - hw;
    r.ci_hi = r.mean + hw;
    r.median = quantile_sorted(sorted, n, 0.5);
    r.q1 = quantile_sorted(sorted, n, 0.25);
    r.q3 = quantile_sorted(sorted, n, 0.75);
    r.min = sorted[0];
    r.max = sorted[n - 1];
    free(sorted);
    if (st)
        return st;
    *s = r;
    return PM_OK;
}
