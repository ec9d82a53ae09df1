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

/* Bit patterns of 2^(j/32), j = 0..31, correctly rounded (computed to 60 digits with Python's decimal module), minus
 * j << 47: pm_exp_scaled_ adds k << 47 = (k div 32) << 52 + j << 47, which puts k div 32 into the exponent field
 * and cancels the j. */
static const uint64_t pm_exp_table_[32] = {
    0x3ff0000000000000, 0x3fefd9b0d3158574, 0x3fefb5586cf9890f, 0x3fef9301d0125b51,
    0x3fef72b83c7d517b, 0x3fef54873168b9aa, 0x3fef387a6e756238, 0x3fef1e9df51fdee1,
    0x3fef06fe0a31b715, 0x3feef1a7373aa9cb, 0x3feedea64c123422, 0x3feece086061892d,
    0x3feebfdad5362a27, 0x3feeb42b569d4f82, 0x3feeab07dd485429, 0x3feea47eb03a5585,
    0x3feea09e667f3bcd, 0x3fee9f75e8ec5f74, 0x3feea11473eb0187, 0x3feea589994cce13,
    0x3feeace5422aa0db, 0x3feeb737b0cdc5e5, 0x3feec49182a3f090, 0x3feed503b23e255d,
    0x3feee89f995ad3ad, 0x3feeff76f2fb5e47, 0x3fef199bdd85529c, 0x3fef3720dcef9069,
    0x3fef5818dcfba487, 0x3fef7c97337b9b5f, 0x3fefa4afa2a490da, 0x3fefd0765b6e4540,
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
    const double z = x * inv_ln2_32 + shift;      /* shift + k, |k| <= 34500 */
    const uint64_t zb = pm_bits_(z);              /* shift's bits are all >= bit 51: the low bits are k mod 2^51 */
    const double kd = z - shift;                  /* k, exactly */
    const double r = (x - kd * ln2_32_hi) - kd * ln2_32_lo;
    const double scale = pm_from_bits_(pm_exp_table_[zb & 31u] + (zb << 47) - ((uint64_t)(int64_t)bias << 52));
    const double p = r + (r * r) * (0x1p-1 + r * (0x1.5555555555555p-3 + r * (0x1.5555555555555p-5 +
                                     r * (0x1.1111111111111p-7 + r * 0x1.6c16c16c16c17p-10))));
    return scale + scale * p; /* 2^(k div 32) 2^((k mod 32)/32) (1 + (e^r - 1)) */
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
