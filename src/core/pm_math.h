/* Deterministic, portable e^x for the hot path (the sigmoid of SPEC §2): the same bits on every CPU and libm. */
#ifndef PRIMOD_PM_MATH_H
#define PRIMOD_PM_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Why not libm's exp: glibc picks an FMA or a non-FMA variant by CPU, so a net could learn different bits on two
 * machines, and the call (~50 instructions plus the wrapper) was a tenth of a learn + forward step. pm_exp uses
 * only IEEE double multiplies and adds, each separately rounded (no FMA: C11 mode means -ffp-contract=off), in
 * round-to-nearest with FLT_EVAL_METHOD 0 (SSE2 / NEON, not x87), so its result is a pure function of x.
 *
 * Method: x = k ln2/32 + r with k = round(32 x / ln2) and |r| <= ln2/64 (Cody-Waite: ln2/32 in two parts, the
 * high part with 21 trailing zero bits so k * hi is exact for |k| < 2^21, and x - k * hi is exact); then
 * e^x = 2^(k div 32) * 2^((k mod 32)/32) * e^r, the middle factor from a table of correctly rounded values, e^r - 1
 * by its Taylor polynomial to degree 6 (truncation r^7/7! < 4e-18 relative), and 2^(k div 32) added to the table
 * value's exponent bits. Error < 1.1 ulp (table 0.5 ulp + final add 0.5 ulp + small terms), measured in
 * tests/core/test_math.c against libm over 10^6 points. */

/* 2^(j/32), j = 0..31, correctly rounded (computed to 60 digits with Python's decimal module, then rounded). */
static const double pm_exp_table_[32] = {
    0x1.0000000000000p+0, 0x1.059b0d3158574p+0, 0x1.0b5586cf9890fp+0, 0x1.11301d0125b51p+0,
    0x1.172b83c7d517bp+0, 0x1.1d4873168b9aap+0, 0x1.2387a6e756238p+0, 0x1.29e9df51fdee1p+0,
    0x1.306fe0a31b715p+0, 0x1.371a7373aa9cbp+0, 0x1.3dea64c123422p+0, 0x1.44e086061892dp+0,
    0x1.4bfdad5362a27p+0, 0x1.5342b569d4f82p+0, 0x1.5ab07dd485429p+0, 0x1.6247eb03a5585p+0,
    0x1.6a09e667f3bcdp+0, 0x1.71f75e8ec5f74p+0, 0x1.7a11473eb0187p+0, 0x1.82589994cce13p+0,
    0x1.8ace5422aa0dbp+0, 0x1.93737b0cdc5e5p+0, 0x1.9c49182a3f090p+0, 0x1.a5503b23e255dp+0,
    0x1.ae89f995ad3adp+0, 0x1.b7f76f2fb5e47p+0, 0x1.c199bdd85529cp+0, 0x1.cb720dcef9069p+0,
    0x1.d5818dcfba487p+0, 0x1.dfc97337b9b5fp+0, 0x1.ea4afa2a490dap+0, 0x1.f50765b6e4540p+0,
};

static inline uint64_t pm_bits_(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static inline double pm_from_bits_(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* e^x * 2^-bias for |x| <= 746 and a bias that keeps 2^(k div 32 - bias) normal (pm_exp picks it). */
static inline double pm_exp_scaled_(double x, int bias)
{
    const double shift = 0x1.8p52;                /* adding it rounds to an integer (round to nearest even) */
    const double inv_ln2_32 = 0x1.71547652b82fep+5; /* 32 / ln2 */
    const double ln2_32_hi = 0x1.62e42feep-6;     /* ln2/32, high part: 33 significant bits */
    const double ln2_32_lo = 0x1.a39ef35793c76p-38; /* ln2/32 - ln2_32_hi */
    const double kd = (x * inv_ln2_32 + shift) - shift; /* k, |k| <= 34500 */
    const double r = (x - kd * ln2_32_hi) - kd * ln2_32_lo;
    const int k = (int)kd;
    const int j = (int)((unsigned)k & 31u);
    const int m = (k - j) / 32 - bias; /* exact division */
    const double scale = pm_from_bits_(pm_bits_(pm_exp_table_[j]) + ((uint64_t)(int64_t)m << 52));
    const double p = r + (r * r) * (0x1p-1 + r * (0x1.5555555555555p-3 + r * (0x1.5555555555555p-5 +
                                     r * (0x1.1111111111111p-7 + r * 0x1.6c16c16c16c17p-10))));
    return scale + scale * p; /* 2^m 2^(j/32) (1 + (e^r - 1)) */
}

/* The rare arguments, kept out of line so the common path stays small: NaN, overflow, subnormal results. */
#if defined(__GNUC__)
__attribute__((noinline, cold, unused)) static double pm_exp_rare_(double x)
#else
static inline double pm_exp_rare_(double x)
#endif
{
    if (x != x)
        return x + x; /* NaN stays NaN */
    if (x >= 710.0)
        return HUGE_VAL; /* e^709.79 > DBL_MAX */
    if (x <= -746.0)
        return 0.0; /* e^-745.14 < half the smallest subnormal */
    if (x > 0)
        return pm_exp_scaled_(x, 1) * 2.0; /* the exponent 1024 would not fit; the doubling overflows correctly */
    return pm_exp_scaled_(x, -1000) * 0x1p-1000; /* subnormal results: one rounding to the subnormal grid */
}

/* e^x (within 1.1 ulp of the exact value), the same bits everywhere; NaN -> NaN, +inf -> inf, -inf -> 0. */
static inline double pm_exp(double x)
{
    if (x > -708.0 && x < 708.0) /* false for NaN too */
        return pm_exp_scaled_(x, 0);
    return pm_exp_rare_(x);
}

#endif
