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
    double *y1, *y2;        /* (n_signals * n_filters) y(n-1), y(n-2) of each resonator, predictor-major */
    double *hist;           /* (n_signals * n_filters) delay line: hist[p*N + k] = x_p(n-k) (delay only) */
    double *stage;          /* (n_signals * n_filters) staging buffer (pm_filter_stage_): y1, y2 and stage
                             * (resonator) or hist and stage (delay) are spans of the allocation that a commit of
                             * the staged outputs rotates, so that it copies nothing */
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
    /* One allocation carved into the arrays: 5 coefficient arrays, the repeated table (12 N), 2 state arrays and
     * the staging buffer (resonator), or the delay line and the staging buffer (delay). */
    const size_t n_doubles = c.kind == PM_FILTER_RESONATOR ? 17 * nf + 3 * no : 2 * no;
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
        f->stage = p + 17 * nf + 2 * no;
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
        f->stage = p + no;
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
 * finite (y * 0 is 0 for finite y, NaN for inf / NaN: IEEE, no -ffast-math). A non-finite input gives a non-finite
 * output (b0 > 0; such an x is not 0, so not decayed), which is how the preview refuses it without a separate scan.
 * The recursion is linear, so y = u/g obeys the same recursion with the input scaled: y(n) = x(n)/g - a1 y(n-1)
 * - a2 y(n-2); running it on y directly avoids a division per output and lets a step commit its outputs as the new
 * state. */
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
#pragma GCC diagnostic ignored "-Wpsabi"   /* 32-byte vectors cross no real call here (the helpers are always inlined) */
typedef double pm_f4 __attribute__((vector_size(32)));
typedef int64_t pm_m4 __attribute__((vector_size(32)));   /* lane masks of pm_f4 comparisons (0 or -1) */
#define PM_INLINE __attribute__((always_inline)) static inline

PM_INLINE pm_f4 load4(const double *p)
{
    pm_f4 v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* Four outputs of a block (out o, state y1 / y2, coefficients c0 / c1 / c2 at the same offsets) from their inputs
 * xv: resonator_one lane-wise, with the same IEEE operations in the same order (so the same bits). *bad (starting
 * at 0) is multiplied by v: it stays +-0 while every v is finite and becomes NaN (0 * inf, or a NaN) from the first
 * that is not, one operation per vector (resonator_one's v * 0 == 0 needs two). may_decay = 0 when no lane of xv is
 * 0: no lane can be decayed then (that needs x == 0), so the test is skipped. */
PM_INLINE void resonator_quad(double *restrict o, const double *y1, const double *y2, const double *c0,
                              const double *c1, const double *c2, pm_f4 xv, pm_f4 *bad, int may_decay)
{
    const pm_f4 u1 = load4(y1), u2 = load4(y2);
    pm_f4 v = load4(c0) * xv - load4(c1) * u1 - load4(c2) * u2;
    *bad *= v;
    if (may_decay) {
        /* |u1| < T and |u2| < T as max(|u1|, |u2|) < T: the state is always finite (a step that would make it
         * otherwise is refused), so the max of the two magnitudes (sign bits cleared) decides both at once. */
        const pm_m4 sign = (pm_m4)(pm_f4){-0.0, -0.0, -0.0, -0.0};
        const pm_f4 m1 = (pm_f4)((pm_m4)u1 & ~sign), m2 = (pm_f4)((pm_m4)u2 & ~sign);
        const pm_m4 gt = m1 > m2;
        const pm_f4 m = (pm_f4)(((pm_m4)m1 & gt) | ((pm_m4)m2 & ~gt));
        const pm_m4 decayed = (xv == 0.0) & (m < PM_RESONATOR_DECAYED);
        v = (pm_f4)((pm_m4)v & ~decayed);   /* decayed lanes: +0.0 */
    }
    memcpy(o, &v, sizeof v);
}

#if defined(__clang__)
#define PM_SHUFFLE(v, a, b, c, d) __builtin_shufflevector(v, v, a, b, c, d)
#else
#define PM_SHUFFLE(v, a, b, c, d) __builtin_shuffle(v, (pm_m4){a, b, c, d})
#endif

/* 1 if any lane of m is nonzero (halves ORed first: fewer lane extractions). */
PM_INLINE int lanes_any(pm_m4 m)
{
    const pm_m4 t = m | PM_SHUFFLE(m, 2, 3, 0, 1);
    return (t[0] | t[1]) != 0;
}

/* One block of 4 signals xb (4N outputs, N = nf; the caller passes a constant nf where it can, so that the quads
 * unroll and the inputs stay in registers). Three kinds of block (shares in the paper closed loop, where 46 % of
 * the predictor values are white, exactly 0):
 *   - no signal 0 (48 %): no resonator can be decayed (that needs x == 0): the decay test is skipped;
 *   - every signal 0 and the state exactly +-0 (35 %): every output is decayed (x == 0, |y1|, |y2| < T), i.e.
 *     exactly +0.0, as resonator_one would give: written without arithmetic (nor can such an output overflow);
 *   - the rest (17 %): resonator_one in full, lane-wise.
 * The quiet test ORs the bits of the inputs and of the state (sign bits dropped): zero only if all are +-0. */
PM_INLINE void resonator_block(const double *xb, double *restrict o, const double *y1, const double *y2,
                               const double *c0, const double *c1, const double *c2, const int nf, pm_f4 *bad)
{
    const int w = 4 * nf;
    const pm_f4 xq = load4(xb);
    const int may_decay = lanes_any(xq == 0.0);
    if (may_decay) {
        pm_m4 acc = (pm_m4)xq;
#pragma GCC unroll 8
        for (int q = 0; q < w; q += 4)
            acc |= (pm_m4)load4(y1 + q) | (pm_m4)load4(y2 + q);
        if (!lanes_any(acc << 1)) {
            const pm_f4 zero = {0.0, 0.0, 0.0, 0.0};
#pragma GCC unroll 8
            for (int q = 0; q < w; q += 4)
                memcpy(o + q, &zero, sizeof zero);
            return;
        }
    }
    if (nf == 5) {   /* outputs p0 x5, p1 x5, p2 x5, p3 x5 in five vectors, built in registers */
        const double s0 = xq[0], s1 = xq[1], s2 = xq[2], s3 = xq[3];
        const pm_f4 xv[5] = {{s0, s0, s0, s0}, {s0, s1, s1, s1}, {s1, s1, s2, s2}, {s2, s2, s2, s3},
                             {s3, s3, s3, s3}};
        if (may_decay)
#pragma GCC unroll 5
            for (int q = 0; q < 5; q++)
                resonator_quad(o + 4 * q, y1 + 4 * q, y2 + 4 * q, c0 + 4 * q, c1 + 4 * q, c2 + 4 * q, xv[q], bad, 1);
        else
#pragma GCC unroll 5
            for (int q = 0; q < 5; q++)
                resonator_quad(o + 4 * q, y1 + 4 * q, y2 + 4 * q, c0 + 4 * q, c1 + 4 * q, c2 + 4 * q, xv[q], bad, 0);
        return;
    }
    /* any other N: the inputs are spread over out first (out[p*N + k] = x[p]), then replaced in place */
    for (int p = 0; p < 4; p++)
        for (int k = 0; k < nf; k++)
            o[p * nf + k] = xb[p];
    for (int q = 0; q < w; q += 4)
        resonator_quad(o + q, y1 + q, y2 + q, c0 + q, c1 + q, c2 + q, load4(o + q), bad, may_decay);
}

/* Compiled for the baseline and for AVX2 on x86-64 GCC (chosen at load time); both do the same lane-wise IEEE
 * operations as resonator_one, so the same bits. No FMA ("avx2" does not enable it; -ffp-contract=off), no
 * AVX-512 (valgrind). */
#if defined(__x86_64__) && !defined(__clang__) && !defined(PM_NO_TARGET_CLONES)
__attribute__((target_clones("avx2", "default")))
#endif
/* resonator_one for the first n_blocks * 4 signals, four outputs at a time. The layout is the outputs' own
 * (predictor-major, out[p*N + k], which the network reads): a block of 4 signals is 4N outputs, a whole number of
 * 4-lane vectors with every lane useful, the state y1 / y2 at the same offsets (loaded and stored as they are, no
 * transposes) and the coefficients of each lane pre-repeated in f->rep; only the inputs need arranging, each
 * vector's being the block's signals x[p] repeated N times. (Filter-major lanes, one vector per k over 4 signals,
 * would need no input shuffles but a 4 x 5 transpose of every block's outputs into the network's order.)
 * Returns 1 if any output is not finite (a non-finite input makes its outputs so). */
static int resonator_blocks(const pm_filter *f, const double *restrict x, double *restrict out, int n_blocks)
{
    const int nf = f->cfg.n_filters, w = 4 * nf;
    const double *c0 = f->rep, *c1 = f->rep + w, *c2 = f->rep + 2 * w;
    const double *y1 = f->y1, *y2 = f->y2;
    /* One running product for all the vectors: its multiply chain overlaps the rest of the work, and more
     * accumulators were slower (measured: registers spilled to the stack). */
    pm_f4 bad = {0, 0, 0, 0};
    if (nf == 5)
        for (int b = 0; b < n_blocks; b++)
            resonator_block(x + 4 * b, out + 20 * b, y1 + 20 * b, y2 + 20 * b, c0, c1, c2, 5, &bad);
    else
        for (int b = 0; b < n_blocks; b++) {
            const size_t o = (size_t)b * (size_t)w;
            resonator_block(x + 4 * b, out + o, y1 + o, y2 + o, c0, c1, c2, nf, &bad);
        }
    /* a sum of +-0 is +-0; a NaN lane (some v not finite) makes it NaN */
    return !(bad[0] + bad[1] + bad[2] + bad[3] == 0.0);
}
#define PM_FILTER_BLOCKS 1
#endif

/* Resonator outputs without committing (SPEC §4): out[p*N+k]; returns 0 if any value (or input) is not finite.
 * Blocks of four signals go through the vector kernel where there is one, the rest through resonator_one. */
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
    if (f->cfg.kind == PM_FILTER_DELAY) {
        if (!pm_all_finite(signals, f->cfg.n_signals))
            return PM_ERR_NONFINITE;
        delay_outputs(f, signals, out);
        return PM_OK;
    }
    /* A non-finite signal makes its outputs non-finite, which the kernel reports: no separate scan of the signals. */
    return resonator_outputs(f, signals, out) ? PM_OK : PM_ERR_NONFINITE;
}

void pm_filter_commit_(pm_filter *f, const double *out)
{
    const size_t n = (size_t)f->n_out;
    if (f->cfg.kind == PM_FILTER_DELAY) {
        /* the new line is exactly the outputs */
        if (out == f->stage) {
            double *line = f->stage;
            f->stage = f->hist;
            f->hist = line;
        } else {
            memcpy(f->hist, out, n * sizeof(double));
        }
        return;
    }
    /* y(n-1) becomes y(n-2) and the outputs the new y(n): pointer moves, and a copy only for a foreign buffer. */
    double *old_y2 = f->y2;
    f->y2 = f->y1;
    if (out == f->stage) {
        f->y1 = f->stage;
        f->stage = old_y2;
    } else {
        f->y1 = old_y2;
        memcpy(f->y1, out, n * sizeof(double));
    }
}

double *pm_filter_stage_(pm_filter *f)
{
    return f->stage;
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
    /* the state spans (rotated by the commits: not necessarily adjacent nor in order); the stage needs nothing */
    double *a = f->cfg.kind == PM_FILTER_DELAY ? f->hist : f->y1, *b = f->cfg.kind == PM_FILTER_DELAY ? NULL : f->y2;
    for (size_t i = 0; i < n; i++)
        a[i] = 0.0;
    for (size_t i = 0; b && i < n; i++)
        b[i] = 0.0;
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
