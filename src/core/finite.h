/* Private helper shared by the core and the loop: the "never a silent NaN" check of an input array. */
#ifndef PRIMOD_CORE_FINITE_H
#define PRIMOD_CORE_FINITE_H

#include <math.h>

/* 1 if every one of the n values of v (n >= 0) is finite (no NaN, no infinity), else 0. Callers refuse a
 * non-finite input with PM_ERR_NONFINITE before changing any state. */
static inline int pm_all_finite(const double *v, int n)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

#endif
