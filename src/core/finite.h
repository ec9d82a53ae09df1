/* Private helper shared by the core and the loop: the "never a silent NaN" check of an input array. */
#ifndef PRIMOD_CORE_FINITE_H
#define PRIMOD_CORE_FINITE_H

#include <math.h>

/* 1 if every one of the n values of v (n >= 0) is finite (no NaN, no infinity), else 0. Callers refuse a
 * non-finite input with PM_ERR_NONFINITE before changing any state. */
static inline int pm_all_finite(const double *v, int n)
{
    /* v * 0 is +-0 for finite v and NaN for NaN and +-inf (IEEE, no -ffast-math), and a sum of zeros stays zero
     * while a NaN stays NaN: one multiply and one add per value, branch-free (a bad value is rare, so an early exit
     * saves nothing), in four running sums the compiler can pair into vector lanes. This check runs on every loop
     * step, twice over the 144 predictors. */
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        s0 += v[i] * 0.0;
        s1 += v[i + 1] * 0.0;
        s2 += v[i + 2] * 0.0;
        s3 += v[i + 3] * 0.0;
    }
    for (; i < n; i++)
        s0 += v[i] * 0.0;
    return (s0 + s1) + (s2 + s3) == 0.0;
}

#endif
