/* Predictor front ends (SPEC §4): a bank of gain-normalised damped resonators per signal, or a tapped delay line. */
#include "primod/filter.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "filter_internal.h"
#include "finite.h"

#define PM_PI 3.14159265358979323846   /* M_PI is POSIX, not C11 */

#define PM_FILTER_MAX_OUTPUTS 100000000L   /* n_signals * n_filters: refuse absurd sizes before allocating */
#define PM_FILTER_GAIN_MAX_STEPS 1000000L  /* step-response simulation cap for the gain: slower filters refused */

struct pm_filter {
    pm_filter_config cfg;   /* effective config, defaults filled in */
    int n_out;              /* n_signals * n_filters */
    double *freq;           /* (n_filters) normalised frequency f_k, cycles/step (resonator only) */
    double *a1, *a2;        /* (n_filters) recursion coefficients (resonator only) */
    double *gain;           /* (n_filters) g_k, peak of the unnormalised step response (resonator only) */
    double *b0;             /* (n_filters) 1/g_k (resonator only) */
    double *rep;            /* (3, 4 * n_filters) b0, a1, a2 repeated for 4 signals: rep[c][p*N + k] = coef_c[k], the
                             * coefficients of one block of 4 signals in output order (resonator only) */
    double *y1, *y2;        /* (n_signals * n_filters) y(n-1), y(n-2) of each resonator, predictor-major; two
                             * adjacent spans of the allocation, swapped by each commit */
    double *hist;           /* (n_signals * n_filters) delay line: hist[p*N + k] = x_p(n-k) (delay only) */
};

pm_status pm_resonator_design(double f, double q, double *a1, double *a2, double *gain)
{
    if (!isfinite(f) || !isfinite(q) || !(f > 0.0) || !(f <= 0.5) || !(q > 0.5))
        return PM_ERR_ARG;
    /* SPEC §4: w0 = 2 pi f, s = w0/(2q), wd = sqrt(w0^2 - s^2); q > 0.5 keeps wd real (under-damped). */
    const double w0 = 2.0 * PM_PI * f;
    const double s = w0 / (2.0 * q);
    const double wd = sqrt(w0 * w0 - s * s);
    const double c1 = -2.0 * exp(-s) * cos(wd);
    const double c2 = exp(-2.0 * s);
    /* g = peak of the unnormalised response to a unit step, u(n) = 1 - a1 u(n-1) - a2 u(n-2) from rest.
     * The deviation from the DC value decays like r^n with pole radius r = exp(-s): once r^n < 1e-16 the
     * response can no longer exceed the running maximum by a representable amount. */
    const double steps_needed = ceil(16.0 * log(10.0) / s) + 10.0;
    if (steps_needed > (double)PM_FILTER_GAIN_MAX_STEPS)
        return PM_ERR_ARG;   /* too slow to settle: a truncated simulation would give a wrong gain */
    const long n_steps = (long)steps_needed;
    double u1 = 0.0, u2 = 0.0, peak = 0.0;
    for (long n = 0; n < n_steps; n++) {
        const double u = 1.0 - c1 * u1 - c2 * u2;
        if (u > peak)
            peak = u;
        u2 = u1;
        u1 = u;
    }
    if (a1)
        *a1 = c1;
    if (a2)
        *a2 = c2;
    if (gain)
        *gain = peak;
    return PM_OK;
}

/* Fills defaults (SPEC §4 paper preset) and validates; PM_ERR_ARG for a bad config. */
static pm_status effective_config(const pm_filter_config *in, pm_filter_config *c)
{
    *c = *in;
    if (c->n_filters == 0)
        c->n_filters = 5;
    if (c->n_signals < 1 || c->n_filters < 1)
        return PM_ERR_ARG;
    if ((long)c->n_signals * (long)c->n_filters > PM_FILTER_MAX_OUTPUTS)
        return PM_ERR_ARG;
    if (c->kind == PM_FILTER_DELAY)
        return PM_OK;   /* t_min, t_max, q unused */
    if (c->kind != PM_FILTER_RESONATOR)
        return PM_ERR_ARG;
    if (c->t_min == 0.0)
        c->t_min = 3.0;
    if (c->t_max == 0.0)
        c->t_max = 10.0;
    if (c->q == 0.0)
        c->q = 0.51;
    /* t_min >= 2 keeps f_max <= 0.5 (Nyquist); q > 0.5 keeps the resonator under-damped. */
    if (!isfinite(c->t_min) || !isfinite(c->t_max) || !isfinite(c->q))
        return PM_ERR_ARG;
    if (!(c->t_min >= 2.0) || !(c->t_max >= c->t_min) || !(c->q > 0.5))
        return PM_ERR_ARG;
    return PM_OK;
}

/* f_k = f_min + k (f_max - f_min)/(N-1), f_min = 1/T_max, f_max = 1/T_min (SPEC §4); one filter: f = 1/T_max. */
static double bank_frequency(const pm_filter_config *c, int k)
{
    const double f_min = 1.0 / c->t_max, f_max = 1.0 / c->t_min;
    if (c->n_filters == 1)
        return f_min;
    return f_min + k * (f_max - f_min) / (c->n_filters - 1);
}

pm_status pm_filter_create(const pm_filter_config *cfg, pm_filter **out)
{
    if (!cfg || !out)
        return PM_ERR_ARG;
    pm_filter_config c;
    pm_status st = effective_config(cfg, &c);
    if (st)
        return st;
    const size_t nf = (size_t)c.n_filters;
    const size_t no = (size_t)c.n_signals * nf;
    /* One allocation carved into the arrays: 5 coefficient arrays, the repeated table (12 N) and 2 state arrays
     * (resonator), or 1 (delay). */
    const size_t n_doubles = c.kind == PM_FILTER_RESONATOR ? 17 * nf + 2 * no : no;
    pm_filter *f = calloc(1, sizeof *f + n_doubles * sizeof(double));
    if (!f)
        return PM_ERR_NOMEM;
    f->cfg = c;
    f->n_out = (int)no;
    double *p = (double *)(f + 1);
    if (c.kind == PM_FILTER_RESONATOR) {
        f->freq = p;
        f->a1 = p + nf;
        f->a2 = p + 2 * nf;
        f->gain = p + 3 * nf;
        f->b0 = p + 4 * nf;
        f->rep = p + 5 * nf;
        f->y1 = p + 17 * nf;
        f->y2 = p + 17 * nf + no;
        for (int k = 0; k < c.n_filters; k++) {
            f->freq[k] = bank_frequency(&c, k);
            st = pm_resonator_design(f->freq[k], c.q, &f->a1[k], &f->a2[k], &f->gain[k]);
            if (st || !(f->gain[k] > 0.0) || !isfinite(f->gain[k])) {
                free(f);
                return st ? st : PM_ERR_ARG;
            }
            f->b0[k] = 1.0 / f->gain[k];
        }
        for (size_t j = 0; j < 4 * nf; j++) {
            f->rep[j] = f->b0[j % nf];
            f->rep[4 * nf + j] = f->a1[j % nf];
            f->rep[8 * nf + j] = f->a2[j % nf];
        }
    } else {
        f->hist = p;
    }
    *out = f;
    return PM_OK;
}

void pm_filter_destroy(pm_filter *f)
{
    free(f);
}

/* A resonator whose input is exactly 0 and whose two state values are both below this (in units of the unit-step
 * peak, which the gain normalises to 1) is "decayed": its output is set to exactly 0 instead of ringing down
 * geometrically forever (pole radius exp(-s) < 1, SPEC §4), through ever smaller values into the denormal range,
 * where arithmetic is slow on x86 (the line follower's filtered inputs were 2.6 % denormal and 35 % below 1e-12,
 * and the zeros also let the network skip those inputs). The true output there is -a1 y1 - a2 y2, so the value
 * dropped is below (|a1| + a2) * 1e-13 < 3e-13 (|a1| <= 2r, a2 = r^2, r < 1): twelve orders below a predictor
 * on the line (~0.23, SPEC §6); its product with any weight is far below the other terms of a sum (and would have
 * changed a weight by at most rate * R * 3e-13 per step). Once decayed the state is (0, 0) and the recursion keeps
 * it at exactly 0 until the next nonzero input. The test is a function of (x, y1, y2) only, so preview and step
 * agree and a run stays bit-reproducible. */
#define PM_RESONATOR_DECAYED 1e-13

/* One resonator output (SPEC §4) from its input x and state y1 = y(n-1), y2 = y(n-2); *bad |= 1 if it is not
 * finite (y * 0 is 0 for finite y, NaN for inf / NaN: IEEE, no -ffast-math). The recursion is linear, so
 * y = u/g obeys the same recursion with the input scaled: y(n) = x(n)/g - a1 y(n-1) - a2 y(n-2); running it on y
 * directly avoids a division per output and lets a step commit its outputs as the new state. */
static inline double resonator_one(double b0, double a1, double a2, double x, double y1, double y2, int *bad)
{
    const double v = b0 * x - a1 * y1 - a2 * y2;
    *bad |= !(v * 0.0 == 0.0);
    const int decayed = (x == 0.0) & (fabs(y1) < PM_RESONATOR_DECAYED) & (fabs(y2) < PM_RESONATOR_DECAYED);
    return decayed ? 0.0 : v;
}

#if defined(__GNUC__)
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wunknown-warning-option" /* a Clang without -Wpsabi has no such warning */
#endif
#pragma GCC diagnostic ignored "-Wpsabi"   /* 32-byte vectors cross no real call here (resonator_quad is always inlined) */
typedef double pm_f4 __attribute__((vector_size(32)));
typedef int64_t pm_m4 __attribute__((vector_size(32)));   /* lane masks of pm_f4 comparisons (0 or -1) */
/* Four outputs q..q+3 of a block (out o, state y1 / y2, coefficients rb0 / ra1 / ra2 at the same offsets) from
 * their inputs xv: resonator_one lane-wise. */
__attribute__((always_inline)) static inline void resonator_quad(double *restrict o, const double *y1,
                                                                 const double *y2, const double *rb0,
                                                                 const double *ra1, const double *ra2, pm_f4 xv,
                                                                 pm_m4 *bad)
{
    pm_f4 c0, c1, c2, u1, u2;
    memcpy(&c0, rb0, sizeof c0);
    memcpy(&c1, ra1, sizeof c1);
    memcpy(&c2, ra2, sizeof c2);
    memcpy(&u1, y1, sizeof u1);
    memcpy(&u2, y2, sizeof u2);
    const pm_f4 v = c0 * xv - c1 * u1 - c2 * u2;
    *bad |= v * 0.0 != 0.0;   /* NaN != 0: true for inf / NaN outputs */
    const pm_m4 decayed = (xv == 0.0) & (u1 < PM_RESONATOR_DECAYED) & (u1 > -PM_RESONATOR_DECAYED) &
                          (u2 < PM_RESONATOR_DECAYED) & (u2 > -PM_RESONATOR_DECAYED);
    const pm_f4 r = (pm_f4)((pm_m4)v & ~decayed);   /* decayed lanes: +0.0 */
    memcpy(o, &r, sizeof r);
}

/* Compiled for the baseline and for AVX2 on x86-64 GCC (chosen at load time); both do the same lane-wise IEEE
 * operations as resonator_one, so the same bits. No FMA ("avx2" does not enable it; -std=c11 implies
 * -ffp-contract=off), no AVX-512 (valgrind). */
#if defined(__x86_64__) && !defined(__clang__) && !defined(PM_NO_TARGET_CLONES)
__attribute__((target_clones("avx2", "default")))
#endif
/* resonator_one for the first n_blocks * 4 signals, four outputs at a time: a block of 4 signals is 4N outputs,
 * a whole number of 4-lane vectors whose coefficients are f->rep. Each vector's inputs are the block's signals
 * x[p] repeated N times (output order p*N + k): with the paper's N = 5 they are built in registers from the four
 * signals; otherwise they are first spread over out (out[p*N + k] = x[p]) and then replaced by the outputs in place.
 * Returns 1 if any output is not finite. */
static int resonator_blocks(const pm_filter *f, const double *restrict x, double *restrict out, int n_blocks)
{
    const int nf = f->cfg.n_filters, w = 4 * nf;
    const double *rb0 = f->rep, *ra1 = f->rep + w, *ra2 = f->rep + 2 * w;
    pm_m4 bad = {0, 0, 0, 0};
    for (int b = 0; b < n_blocks; b++) {
        double *o = out + (size_t)b * w;
        const double *y1 = f->y1 + (size_t)b * w, *y2 = f->y2 + (size_t)b * w;
        if (nf == 5) {   /* outputs p0 x5, p1 x5, p2 x5, p3 x5 in five vectors */
            const double s0 = x[4 * b], s1 = x[4 * b + 1], s2 = x[4 * b + 2], s3 = x[4 * b + 3];
            const pm_f4 xv[5] = {{s0, s0, s0, s0}, {s0, s1, s1, s1}, {s1, s1, s2, s2}, {s2, s2, s2, s3},
                                 {s3, s3, s3, s3}};
            for (int q = 0; q < 5; q++)
                resonator_quad(o + 4 * q, y1 + 4 * q, y2 + 4 * q, rb0 + 4 * q, ra1 + 4 * q, ra2 + 4 * q, xv[q],
                               &bad);
            continue;
        }
        for (int p = 0; p < 4; p++)
            for (int k = 0; k < nf; k++)
                o[p * nf + k] = x[4 * b + p];
        for (int q = 0; q < w; q += 4) {
            pm_f4 xv;
            memcpy(&xv, o + q, sizeof xv);
            resonator_quad(o + q, y1 + q, y2 + q, rb0 + q, ra1 + q, ra2 + q, xv, &bad);
        }
    }
    return (bad[0] | bad[1] | bad[2] | bad[3]) != 0;
}
#define PM_FILTER_BLOCKS 1
#endif

/* Resonator outputs without committing (SPEC §4): out[p*N+k]; returns 0 if any value overflowed. Blocks of four
 * signals go through the vector kernel where there is one, the rest through resonator_one. */
static int resonator_outputs(const pm_filter *f, const double *x, double *out)
{
    const int nf = f->cfg.n_filters;
    int bad = 0, p = 0;
#ifdef PM_FILTER_BLOCKS
    const int n_blocks = f->cfg.n_signals / 4;
    bad = resonator_blocks(f, x, out, n_blocks);
    p = 4 * n_blocks;
#endif
    for (; p < f->cfg.n_signals; p++) {
        const size_t o = (size_t)p * nf;
        for (int k = 0; k < nf; k++)
            out[o + k] = resonator_one(f->b0[k], f->a1[k], f->a2[k], x[p], f->y1[o + k], f->y2[o + k], &bad);
    }
    return !bad;
}

/* Delay line outputs without committing: out[p*N+k] = x_p(n-k), i.e. x_p(n) then the stored x_p(n-1..n-N+1). */
static void delay_outputs(const pm_filter *f, const double *x, double *out)
{
    const int nf = f->cfg.n_filters;
    for (int p = 0; p < f->cfg.n_signals; p++) {
        const double *h = f->hist + (size_t)p * nf;
        double *o = out + (size_t)p * nf;
        for (int k = nf - 1; k >= 1; k--)
            o[k] = h[k - 1];
        o[0] = x[p];
    }
}

pm_status pm_filter_preview(const pm_filter *f, const double *signals, double *out)
{
    if (!f || !signals || !out)
        return PM_ERR_ARG;
    if (!pm_all_finite(signals, f->cfg.n_signals))
        return PM_ERR_NONFINITE;
    if (f->cfg.kind == PM_FILTER_DELAY) {
        delay_outputs(f, signals, out);
        return PM_OK;
    }
    return resonator_outputs(f, signals, out) ? PM_OK : PM_ERR_NONFINITE;
}

void pm_filter_commit_(pm_filter *f, const double *out)
{
    const size_t n = (size_t)f->n_out;
    if (f->cfg.kind == PM_FILTER_DELAY) {
        memcpy(f->hist, out, n * sizeof(double));   /* the new line is exactly the outputs */
        return;
    }
    /* y(n-1) becomes y(n-2) by swapping the two state arrays (no copy); the outputs are the new y(n). */
    double *t = f->y2;
    f->y2 = f->y1;
    f->y1 = t;
    memcpy(f->y1, out, n * sizeof(double));
}

pm_status pm_filter_step(pm_filter *f, const double *signals, double *out)
{
    /* The preview checks every output before the state is touched (a rejected step leaves the bank as it was). */
    pm_status st = pm_filter_preview(f, signals, out);
    if (st)
        return st;
    pm_filter_commit_(f, out);
    return PM_OK;
}

void pm_filter_reset(pm_filter *f)
{
    if (!f)
        return;
    const size_t n = (size_t)f->n_out;
    /* y1 and y2 are adjacent in the allocation (in either order: a commit swaps them), so one span clears both. */
    double *state = f->cfg.kind == PM_FILTER_DELAY ? f->hist : (f->y1 < f->y2 ? f->y1 : f->y2);
    const size_t len = f->cfg.kind == PM_FILTER_DELAY ? n : 2 * n;
    for (size_t i = 0; i < len; i++)
        state[i] = 0.0;
}

int pm_filter_n_outputs(const pm_filter *f)
{
    return f ? f->n_out : 0;
}

int pm_filter_n_signals(const pm_filter *f)
{
    return f ? f->cfg.n_signals : 0;
}

pm_filter_config pm_filter_get_config(const pm_filter *f)
{
    pm_filter_config c = {0};
    return f ? f->cfg : c;
}

pm_status pm_filter_coeffs(const pm_filter *f, int k, double *freq, double *a1, double *a2, double *gain)
{
    if (!f || f->cfg.kind != PM_FILTER_RESONATOR || k < 0 || k >= f->cfg.n_filters)
        return PM_ERR_ARG;
    if (freq)
        *freq = f->freq[k];
    if (a1)
        *a1 = f->a1[k];
    if (a2)
        *a2 = f->a2[k];
    if (gain)
        *gain = f->gain[k];
    return PM_OK;
}
