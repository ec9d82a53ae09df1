/* Tests of the predictor front ends (SPEC §4): resonator design vs the SPEC table, bank layout, delay line, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/filter_internal.h"
#include "primod/filter.h"

#define N_PAPER 5

/* SPEC §4 test vectors (q = 0.51). */
static const double spec_f[N_PAPER] = {0.1000, 0.1583, 0.2167, 0.2750, 0.3333};
static const double spec_a1[N_PAPER] = {-1.0719, -0.7397, -0.5077, -0.3465, -0.2351};
static const double spec_a2[N_PAPER] = {0.2917, 0.1422, 0.0693, 0.0338, 0.0165};
static const double spec_g[N_PAPER] = {4.550, 2.485, 1.781, 1.455, 1.280};

static pm_filter *make(int n_signals, int n_filters, pm_filter_kind kind)
{
    pm_filter_config c = {0};
    c.n_signals = n_signals;
    c.n_filters = n_filters;
    c.kind = kind;
    pm_filter *f = NULL;
    assert_int_equal(pm_filter_create(&c, &f), PM_OK);
    assert_non_null(f);
    return f;
}

static void design_matches_spec_table(void **state)
{
    (void)state;
    for (int k = 0; k < N_PAPER; k++) {
        double a1, a2, g;
        /* the table's f is rounded to 4 digits; a1, a2 are given to 4 digits, so 1e-3 leaves room for both */
        assert_int_equal(pm_resonator_design(spec_f[k], 0.51, &a1, &a2, &g), PM_OK);
        assert_true(fabs(a1 - spec_a1[k]) < 1e-3);
        assert_true(fabs(a2 - spec_a2[k]) < 1e-3);
        assert_true(fabs(g - spec_g[k]) < 1e-3 * spec_g[k]);
    }
}

static void paper_bank_frequencies_and_coefficients(void **state)
{
    (void)state;
    pm_filter *f = make(1, 0, PM_FILTER_RESONATOR);   /* zero fields: paper preset N=5, T 3..10, q 0.51 */
    pm_filter_config c = pm_filter_get_config(f);
    assert_int_equal(c.n_filters, 5);
    assert_true(c.t_min == 3.0 && c.t_max == 10.0 && c.q == 0.51);
    assert_int_equal(pm_filter_n_outputs(f), 5);
    for (int k = 0; k < N_PAPER; k++) {
        double fr, a1, a2, g;
        assert_int_equal(pm_filter_coeffs(f, k, &fr, &a1, &a2, &g), PM_OK);
        /* f_k = 1/10 + k (1/3 - 1/10)/4 = 0.1, 0.158333, 0.216667, 0.275, 0.333333 */
        double expect = 0.1 + k * (1.0 / 3.0 - 1.0 / 10.0) / 4.0;
        assert_true(fabs(fr - expect) < 1e-12);
        assert_true(fabs(a1 - spec_a1[k]) < 1e-3);
        assert_true(fabs(a2 - spec_a2[k]) < 1e-3);
        assert_true(fabs(g - spec_g[k]) < 1e-3 * spec_g[k]);
    }
    assert_int_equal(pm_filter_coeffs(f, 5, NULL, NULL, NULL, NULL), PM_ERR_ARG);
    assert_int_equal(pm_filter_coeffs(f, -1, NULL, NULL, NULL, NULL), PM_ERR_ARG);
    pm_filter_destroy(f);
}

static void step_response_peaks_at_one(void **state)
{
    (void)state;
    pm_filter *f = make(1, 0, PM_FILTER_RESONATOR);
    double out[N_PAPER], peak[N_PAPER] = {0}, last[N_PAPER] = {0};
    const double one = 1.0;
    for (int n = 0; n < 2000; n++) {
        assert_int_equal(pm_filter_step(f, &one, out), PM_OK);
        for (int k = 0; k < N_PAPER; k++) {
            if (out[k] > peak[k])
                peak[k] = out[k];
            last[k] = out[k];
        }
    }
    for (int k = 0; k < N_PAPER; k++) {
        assert_true(fabs(peak[k] - 1.0) < 1e-9);
        /* settled value is the DC gain over g: 1/((1 + a1 + a2) g) <= 1 */
        double a1, a2, g;
        assert_int_equal(pm_filter_coeffs(f, k, NULL, &a1, &a2, &g), PM_OK);
        assert_true(fabs(last[k] - 1.0 / ((1.0 + a1 + a2) * g)) < 1e-9);
    }
    pm_filter_destroy(f);
}

/* Impulse response of filter k computed here from SPEC §4's formulas: u(n) = x(n) - a1 u(n-1) - a2 u(n-2). */
static void impulse_reference(double fr, double q, double g, int n, double *y)
{
    const double w0 = 2.0 * 3.14159265358979323846 * fr, s = w0 / (2.0 * q), wd = sqrt(w0 * w0 - s * s);
    const double a1 = -2.0 * exp(-s) * cos(wd), a2 = exp(-2.0 * s);
    double u1 = 0, u2 = 0;
    for (int i = 0; i < n; i++) {
        double u = (i == 0 ? 1.0 : 0.0) - a1 * u1 - a2 * u2;
        y[i] = u / g;
        u2 = u1;
        u1 = u;
    }
}

static void check_impulse(pm_filter *f, int n)
{
    double ref[N_PAPER][64], out[N_PAPER];
    for (int k = 0; k < N_PAPER; k++) {
        double fr, g;
        assert_int_equal(pm_filter_coeffs(f, k, &fr, NULL, NULL, &g), PM_OK);
        impulse_reference(fr, 0.51, g, n, ref[k]);
    }
    for (int i = 0; i < n; i++) {
        double x = i == 0 ? 1.0 : 0.0;
        assert_int_equal(pm_filter_step(f, &x, out), PM_OK);
        for (int k = 0; k < N_PAPER; k++)
            assert_true(fabs(out[k] - ref[k][i]) < 1e-12);
    }
}

static void impulse_response_matches_recursion(void **state)
{
    (void)state;
    pm_filter *f = make(1, 0, PM_FILTER_RESONATOR);
    check_impulse(f, 64);
    pm_filter_destroy(f);
}

static void reset_clears_state(void **state)
{
    (void)state;
    pm_filter *f = make(1, 0, PM_FILTER_RESONATOR);
    double out[N_PAPER];
    for (int i = 0; i < 17; i++) {
        double x = 0.3 * i - 1.0;
        assert_int_equal(pm_filter_step(f, &x, out), PM_OK);
    }
    pm_filter_reset(f);
    check_impulse(f, 64);   /* as fresh: the impulse response from rest */
    pm_filter_reset(NULL);  /* does nothing */
    pm_filter_destroy(f);
}

static void predictor_major_layout(void **state)
{
    (void)state;
    pm_filter *bank = make(3, 0, PM_FILTER_RESONATOR);
    pm_filter *single = make(1, 0, PM_FILTER_RESONATOR);
    assert_int_equal(pm_filter_n_outputs(bank), 15);
    assert_int_equal(pm_filter_n_signals(bank), 3);
    double out[15], ref[N_PAPER];
    for (int i = 0; i < 30; i++) {
        double x = (i % 7) * 0.25;
        double xs[3] = {0.0, x, 0.0};   /* only signal 1 is fed */
        assert_int_equal(pm_filter_step(bank, xs, out), PM_OK);
        assert_int_equal(pm_filter_step(single, &x, ref), PM_OK);
        for (int k = 0; k < N_PAPER; k++) {
            assert_true(out[0 * N_PAPER + k] == 0.0);
            assert_true(out[1 * N_PAPER + k] == ref[k]);
            assert_true(out[2 * N_PAPER + k] == 0.0);
        }
    }
    pm_filter_destroy(bank);
    pm_filter_destroy(single);
}

static void delay_line_taps(void **state)
{
    (void)state;
    pm_filter *f = make(2, 4, PM_FILTER_DELAY);
    assert_int_equal(pm_filter_n_outputs(f), 8);
    assert_int_equal(pm_filter_coeffs(f, 0, NULL, NULL, NULL, NULL), PM_ERR_ARG);   /* not a resonator bank */
    double out[8];
    /* signal 0: x(n) = n + 1; signal 1: x(n) = -(n + 1); out[p*4 + k] = x_p(n - k), 0 before the start */
    for (int n = 0; n < 7; n++) {
        double xs[2] = {n + 1.0, -(n + 1.0)};
        assert_int_equal(pm_filter_step(f, xs, out), PM_OK);
        for (int k = 0; k < 4; k++) {
            double expect = n - k >= 0 ? n - k + 1.0 : 0.0;
            assert_true(out[k] == expect);
            assert_true(out[4 + k] == -expect);
        }
    }
    pm_filter_reset(f);
    double xs[2] = {9.0, 8.0};
    assert_int_equal(pm_filter_step(f, xs, out), PM_OK);
    assert_true(out[0] == 9.0 && out[1] == 0.0 && out[2] == 0.0 && out[3] == 0.0);
    assert_true(out[4] == 8.0 && out[5] == 0.0);
    pm_filter_destroy(f);
}

static void bad_configs_refused(void **state)
{
    (void)state;
    pm_filter *f = (pm_filter *)&f;   /* sentinel: must stay untouched on failure */
    pm_filter *const sentinel = f;
    pm_filter_config good = {.n_signals = 2};
    struct {
        double q, t_min, t_max;
        int n_signals, n_filters, kind;
    } bad[] = {
        {0.5, 0, 0, 1, 0, 0},     /* q must be > 0.5 */
        {0.4, 0, 0, 1, 0, 0},
        {-1, 0, 0, 1, 0, 0},
        {NAN, 0, 0, 1, 0, 0},
        {0, 1.9, 0, 1, 0, 0},     /* t_min < 2: above Nyquist */
        {0, 1, 0, 1, 0, 0},
        {0, 5, 4, 1, 0, 0},       /* t_max < t_min */
        {0, INFINITY, 0, 1, 0, 0},
        {0, 0, 0, 0, 0, 0},       /* no signals */
        {0, 0, 0, -3, 0, 0},
        {0, 0, 0, 1, -1, 0},      /* negative filter count */
        {0, 0, 0, 1, 0, 7},       /* unknown kind */
        {0, 3, 1e6, 1, 0, 0},     /* f_min = 1e-6: too slow to design (see pm_resonator_design) */
        {0, 0, 0, 1000000, 1000, 0},  /* absurd size */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pm_filter_config c = {0};
        c.q = bad[i].q;
        c.t_min = bad[i].t_min;
        c.t_max = bad[i].t_max;
        c.n_signals = bad[i].n_signals;
        c.n_filters = bad[i].n_filters;
        c.kind = (pm_filter_kind)bad[i].kind;
        assert_int_equal(pm_filter_create(&c, &f), PM_ERR_ARG);
        assert_ptr_equal(f, sentinel);
    }
    assert_int_equal(pm_filter_create(NULL, &f), PM_ERR_ARG);
    assert_int_equal(pm_filter_create(&good, NULL), PM_ERR_ARG);
    /* design: 0 < f <= 0.5, q > 0.5 */
    double a1 = 7, a2 = 7, g = 7;
    assert_int_equal(pm_resonator_design(0.0, 0.51, &a1, &a2, &g), PM_ERR_ARG);
    assert_int_equal(pm_resonator_design(0.51, 0.51, &a1, &a2, &g), PM_ERR_ARG);
    assert_int_equal(pm_resonator_design(0.2, 0.5, &a1, &a2, &g), PM_ERR_ARG);
    assert_int_equal(pm_resonator_design(NAN, 0.6, &a1, &a2, &g), PM_ERR_ARG);
    /* f = 1e-6: s = 2 pi 1e-6 / 1.02 = 6.2e-6, settling needs 36.8 / s = 6e6 steps > 10^6: refused */
    assert_int_equal(pm_resonator_design(1e-6, 0.51, &a1, &a2, &g), PM_ERR_ARG);
    assert_true(a1 == 7 && a2 == 7 && g == 7);
    assert_int_equal(pm_resonator_design(0.5, 0.51, NULL, NULL, NULL), PM_OK);
    /* the limits themselves are accepted: t_min = 2 (f = 0.5), t_max = t_min, one filter */
    pm_filter_config edge = {.n_signals = 1, .n_filters = 1, .t_min = 2, .t_max = 2};
    assert_int_equal(pm_filter_create(&edge, &f), PM_OK);
    double fr;
    assert_int_equal(pm_filter_coeffs(f, 0, &fr, NULL, NULL, NULL), PM_OK);
    assert_true(fr == 0.5);   /* one filter: f = 1/t_max */
    pm_filter_destroy(f);
    /* a slow but designable bank: t_max = 1e4 (f = 1e-4, 36.8 / 6.2e-4 = 6e4 steps): its step response still
     * peaks at 1 (checked over 2e5 steps; the slowest filter peaks near pi/wd = pi/(0.197 w0) ~ 2.5e4 steps) */
    pm_filter_config slow = {.n_signals = 1, .n_filters = 2, .t_min = 3, .t_max = 1e4};
    assert_int_equal(pm_filter_create(&slow, &f), PM_OK);
    double out2[2], peak = 0;
    const double one = 1.0;
    for (int n = 0; n < 200000; n++) {
        assert_int_equal(pm_filter_step(f, &one, out2), PM_OK);
        if (out2[0] > peak)
            peak = out2[0];
    }
    assert_true(fabs(peak - 1.0) < 1e-9);
    pm_filter_destroy(f);
    pm_filter_destroy(NULL);
}

static void nonfinite_input_leaves_state_unchanged(void **state)
{
    (void)state;
    pm_filter *a = make(2, 0, PM_FILTER_RESONATOR), *b = make(2, 0, PM_FILTER_RESONATOR);
    double oa[10], ob[10];
    for (int i = 0; i < 5; i++) {
        double xs[2] = {0.1 * i, -0.2 * i};
        assert_int_equal(pm_filter_step(a, xs, oa), PM_OK);
        assert_int_equal(pm_filter_step(b, xs, ob), PM_OK);
    }
    double bad1[2] = {NAN, 0.0}, bad2[2] = {0.0, -INFINITY};
    assert_int_equal(pm_filter_step(a, bad1, oa), PM_ERR_NONFINITE);
    assert_int_equal(pm_filter_step(a, bad2, oa), PM_ERR_NONFINITE);
    assert_int_equal(pm_filter_preview(a, bad1, oa), PM_ERR_NONFINITE);
    assert_int_equal(pm_filter_step(NULL, bad1, oa), PM_ERR_ARG);
    assert_int_equal(pm_filter_step(a, NULL, oa), PM_ERR_ARG);
    assert_int_equal(pm_filter_step(a, bad1, NULL), PM_ERR_ARG);
    for (int i = 0; i < 10; i++) {
        double xs[2] = {1.0, 0.5 * i};
        assert_int_equal(pm_filter_step(a, xs, oa), PM_OK);
        assert_int_equal(pm_filter_step(b, xs, ob), PM_OK);
        assert_memory_equal(oa, ob, sizeof oa);   /* a behaves as if the bad calls never happened */
    }
    pm_filter_destroy(a);
    pm_filter_destroy(b);
}

static void overflow_refused_state_unchanged(void **state)
{
    (void)state;
    /* The normalised impulse response h of filter 4 (f = 1/3) has sum |h_k| slightly above 1: the step response
     * (running sum of h) peaks at 1 by the normalisation, then a small negative tail follows. Feeding x(n - k) =
     * DBL_MAX * sign(h_k) makes y_4(n) = DBL_MAX * sum |h_k| > DBL_MAX: the step must be refused, state unchanged. */
    enum { K = 40 };
    pm_filter *a = make(1, 0, PM_FILTER_RESONATOR), *b = make(1, 0, PM_FILTER_RESONATOR);
    double fr, g, h[K], abs_sum = 0;
    assert_int_equal(pm_filter_coeffs(a, 4, &fr, NULL, NULL, &g), PM_OK);
    impulse_reference(fr, 0.51, g, K, h);
    for (int k = 0; k < K; k++)
        abs_sum += fabs(h[k]);
    assert_true(abs_sum > 1.0 + 1e-9);   /* else this test could not overflow */
    double oa[N_PAPER], ob[N_PAPER];
    int refused_at = -1;
    for (int m = 0; m < K && refused_at < 0; m++) {
        const double x = h[K - 1 - m] >= 0 ? DBL_MAX : -DBL_MAX;
        pm_status st = pm_filter_step(a, &x, oa);
        if (st == PM_ERR_NONFINITE) {
            refused_at = m;
            break;
        }
        assert_int_equal(st, PM_OK);
        assert_int_equal(pm_filter_step(b, &x, ob), PM_OK);
        for (int k = 0; k < N_PAPER; k++)
            assert_true(isfinite(oa[k]));
    }
    assert_true(refused_at >= 0);
    const double zero = 0.0;
    assert_int_equal(pm_filter_step(a, &zero, oa), PM_OK);   /* a continues as its twin that never saw the bad step */
    assert_int_equal(pm_filter_step(b, &zero, ob), PM_OK);
    assert_memory_equal(oa, ob, sizeof oa);
    pm_filter_destroy(a);
    pm_filter_destroy(b);
}

static void preview_equals_step_without_state_change(void **state)
{
    (void)state;
    pm_filter *a = make(3, 0, PM_FILTER_RESONATOR), *d = make(3, 3, PM_FILTER_DELAY);
    double pv[15], st[15];
    for (int i = 0; i < 12; i++) {
        double xs[3] = {sin(i), cos(i), 0.5};
        for (int rep = 0; rep < 2; rep++) {   /* previewing twice changes nothing */
            assert_int_equal(pm_filter_preview(a, xs, pv), PM_OK);
        }
        assert_int_equal(pm_filter_step(a, xs, st), PM_OK);
        assert_memory_equal(pv, st, sizeof pv);
        assert_int_equal(pm_filter_preview(d, xs, pv), PM_OK);
        assert_int_equal(pm_filter_preview(d, xs, pv), PM_OK);
        assert_int_equal(pm_filter_step(d, xs, st), PM_OK);
        assert_memory_equal(pv, st, 9 * sizeof(double));
    }
    pm_filter_destroy(a);
    pm_filter_destroy(d);
}

/* After an impulse, a resonator rings down as h(n) = b0 r^n sin((n+1) wd) / sin(wd) (two poles r e^(+-i wd),
 * r = exp(-s) = sqrt(a2), cos(wd) = -a1 / (2r), b0 = 1/g), so |y(n)| <= b0 r^n / sin(wd). filter.c declares a
 * resonator decayed (output exactly 0) when its input is 0 and both y(n-1), y(n-2) are below 1e-13: guaranteed
 * from the first n with b0 r^(n-2) / sin(wd) < 1e-13, i.e. n >= 2 + ln(b0 / (1e-13 sin(wd))) / s. For f = 0.1
 * (s = 0.616, sin(wd) = 0.123, b0 = 0.22) that is about 52 steps. No output is ever denormal, and a decayed bank
 * answers a new impulse bit for bit like a fresh one (its state is exactly zero again). */
static void impulse_decays_to_exact_zero(void **state)
{
    (void)state;
    enum { N = 2000 };
    pm_filter *f = make(1, 0, PM_FILTER_RESONATOR), *fresh = make(1, 0, PM_FILTER_RESONATOR);
    int n_pred[N_PAPER];
    for (int k = 0; k < N_PAPER; k++) {
        double a1, a2, g;
        assert_int_equal(pm_filter_coeffs(f, k, NULL, &a1, &a2, &g), PM_OK);
        const double r = sqrt(a2), s = -log(r), wd = acos(-a1 / (2.0 * r));
        n_pred[k] = 2 + (int)ceil(log((1.0 / g) / (1e-13 * sin(wd))) / s);
        assert_true(n_pred[k] > 10 && n_pred[k] < 100);   /* far from the N steps run below */
    }
    int first_zero[N_PAPER];
    double out[N_PAPER], first[N_PAPER];
    for (int k = 0; k < N_PAPER; k++)
        first_zero[k] = -1;
    for (int n = 0; n < N; n++) {
        const double x = n == 0 ? 1.0 : 0.0;
        assert_int_equal(pm_filter_step(f, &x, out), PM_OK);
        if (n == 0)
            memcpy(first, out, sizeof first);
        for (int k = 0; k < N_PAPER; k++) {
            assert_true(out[k] == 0.0 || fabs(out[k]) >= DBL_MIN);   /* never denormal */
            if (n >= n_pred[k])
                assert_true(out[k] == 0.0);                          /* decayed, and stays at exactly 0 */
            if (out[k] == 0.0 && first_zero[k] < 0)
                first_zero[k] = n;
        }
    }
    for (int k = 0; k < N_PAPER; k++)   /* it did ring first: the impulse response is not 0 for a few steps */
        assert_true(first_zero[k] > 3);
    /* a new impulse: the same bits as the first response of this bank and of a fresh bank */
    const double one = 1.0;
    double fresh_out[N_PAPER];
    assert_int_equal(pm_filter_step(f, &one, out), PM_OK);
    assert_int_equal(pm_filter_step(fresh, &one, fresh_out), PM_OK);
    assert_memory_equal(out, first, sizeof out);
    assert_memory_equal(out, fresh_out, sizeof out);
    pm_filter_destroy(f);
    pm_filter_destroy(fresh);
}

/* A nonzero input keeps the recursion exact, however small the state: only input 0 lets a resonator decay. A constant
 * input 1e-20 gives the settled value 1e-20 / ((1 + a1 + a2) g) (DC gain over g), never 0. */
static void tiny_nonzero_input_is_not_flushed(void **state)
{
    (void)state;
    pm_filter *f = make(1, 0, PM_FILTER_RESONATOR);
    double out[N_PAPER];
    const double x = 1e-20;
    for (int n = 0; n < 500; n++)
        assert_int_equal(pm_filter_step(f, &x, out), PM_OK);
    for (int k = 0; k < N_PAPER; k++) {
        double a1, a2, g;
        assert_int_equal(pm_filter_coeffs(f, k, NULL, &a1, &a2, &g), PM_OK);
        const double dc = 1e-20 / ((1.0 + a1 + a2) * g);
        assert_true(fabs(out[k] - dc) < 1e-9 * dc);
    }
    pm_filter_destroy(f);
}


/* ---- the vector kernel against a plain scalar reference ----
 * The bank documents each output as one scalar recursion (filter.h, SPEC §4): y(n) = b0 x(n) - a1 y(n-1)
 * - a2 y(n-2), b0 = 1/g, evaluated left to right, except that a resonator with x(n) == 0 and |y(n-1)|, |y(n-2)|
 * < 1e-13 outputs exactly +0.0. The kernel groups 4 signals (4N outputs) into 4-lane vectors, skips the arithmetic
 * of blocks whose inputs and state are all zero and the decay test of blocks without a zero input: none of that may
 * change a bit. The reference below is that recursion, one resonator at a time, with the coefficients read back
 * through pm_filter_coeffs. */
typedef struct {
    int n_signals, n_filters;
    double b0[8], a1[8], a2[8];
    double y1[1024], y2[1024];
} ref_bank;

static void ref_init(ref_bank *r, const pm_filter *f)
{
    memset(r, 0, sizeof *r);
    r->n_signals = pm_filter_n_signals(f);
    r->n_filters = pm_filter_get_config(f).n_filters;
    assert_true(r->n_filters <= 8 && r->n_signals * r->n_filters <= 1024);
    for (int k = 0; k < r->n_filters; k++) {
        double g;
        assert_int_equal(pm_filter_coeffs(f, k, NULL, &r->a1[k], &r->a2[k], &g), PM_OK);
        r->b0[k] = 1.0 / g;
    }
}

static void ref_step(ref_bank *r, const double *x, double *out)
{
    for (int p = 0; p < r->n_signals; p++)
        for (int k = 0; k < r->n_filters; k++) {
            const int i = p * r->n_filters + k;
            double y = r->b0[k] * x[p] - r->a1[k] * r->y1[i] - r->a2[k] * r->y2[i];
            if (x[p] == 0.0 && fabs(r->y1[i]) < 1e-13 && fabs(r->y2[i]) < 1e-13)
                y = 0.0;
            r->y2[i] = r->y1[i];
            r->y1[i] = y;
            out[i] = y;
        }
}

/* Deterministic inputs that visit every kind of block: signal p is "on" (a value, sometimes -0.0, a denormal or a
 * tiny 1e-20) during stretches and exactly 0 (or -0.0) otherwise; the stretches differ between signals, so blocks
 * are by turns all on, all off and ringing, all off and decayed to zero, and mixed. */
static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return *s >> 11;
}

static void block_inputs(uint64_t *rng, int n, int step, double *x)
{
    for (int p = 0; p < n; p++) {
        const int period = 7 + 13 * (p % 11);   /* 7 .. 137 steps */
        const int on = ((step + 5 * p) / period) % 3 == 0;
        const uint64_t u = lcg(rng);
        double v = 0.0;
        if (on) {
            v = (double)(u % 1000) / 1000.0 - 0.3;
            if (u % 97 == 0)
                v = -0.0;
            else if (u % 89 == 0)
                v = 4.9e-324;   /* the smallest denormal: not 0, so no decay */
            else if (u % 83 == 0)
                v = 1e-20;
        } else if (u % 5 == 0) {
            v = -0.0;   /* == 0: silent like +0.0 */
        }
        x[p] = v;
    }
}

static void blocks_match_scalar_reference(void **state)
{
    (void)state;
    static const int shapes[][2] = {{144, 5}, {4, 5}, {7, 5}, {13, 5}, {8, 3}, {9, 4}, {12, 1}, {5, 2},
                                    {16, 7}, {6, 8}};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        const int n = shapes[s][0], nf = shapes[s][1];
        pm_filter *f = make(n, nf, PM_FILTER_RESONATOR);
        ref_bank *r = malloc(sizeof *r);
        assert_non_null(r);
        ref_init(r, f);
        double x[144], out[1024], pv[1024], ref[1024];
        uint64_t rng = 12345 + s;
        long zeros = 0, outs = 0;
        for (int step = 0; step < 1500; step++) {
            block_inputs(&rng, n, step, x);
            ref_step(r, x, ref);
            memset(pv, 0xff, sizeof pv);   /* NaN: every output must be written, silent blocks too */
            memset(out, 0xff, sizeof out);
            assert_int_equal(pm_filter_preview(f, x, pv), PM_OK);
            assert_int_equal(pm_filter_step(f, x, out), PM_OK);
            assert_memory_equal(out, ref, (size_t)(n * nf) * sizeof(double));
            assert_memory_equal(pv, ref, (size_t)(n * nf) * sizeof(double));
            for (int i = 0; i < n * nf; i++)
                zeros += out[i] == 0.0;
            outs += n * nf;
        }
        /* the inputs did exercise both the silent and the ringing outputs */
        assert_true(zeros > outs / 10 && zeros < outs - outs / 10);
        free(r);
        pm_filter_destroy(f);
    }
}

/* The loop's path: preview into the bank's staging buffer, then commit it (a pointer rotation, no copy). It must
 * leave the bank exactly as pm_filter_step, the committed values must stay readable at the staging address, and
 * it mixes freely with commits of a caller's buffer, steps and resets. */
static void staged_commit_equals_step(void **state)
{
    (void)state;
    for (int kind = 0; kind < 2; kind++) {
        const pm_filter_kind fk = kind ? PM_FILTER_DELAY : PM_FILTER_RESONATOR;
        pm_filter *a = make(9, 5, fk), *b = make(9, 5, fk);
        double x[9], ob[45], own[45];
        uint64_t rng = 99;
        const double *prev = NULL;
        double prev_values[45];
        for (int step = 0; step < 600; step++) {
            block_inputs(&rng, 9, step, x);
            assert_int_equal(pm_filter_step(b, x, ob), PM_OK);
            if (step % 7 == 3) {   /* a caller's buffer: copied */
                assert_int_equal(pm_filter_preview(a, x, own), PM_OK);
                pm_filter_commit_(a, own);
                assert_memory_equal(own, ob, sizeof ob);
            } else if (step % 11 == 5) {
                assert_int_equal(pm_filter_step(a, x, own), PM_OK);
                assert_memory_equal(own, ob, sizeof ob);
            } else {
                double *st = pm_filter_stage_(a);
                assert_non_null(st);
                assert_ptr_not_equal(st, prev);   /* last step's outputs are the state now, not the stage */
                assert_int_equal(pm_filter_preview(a, x, st), PM_OK);
                assert_memory_equal(st, ob, sizeof ob);
                pm_filter_commit_(a, st);
                assert_memory_equal(st, ob, sizeof ob);   /* still the outputs after the commit */
                if (prev)   /* and the previous step's are intact too (state y(n-2)), until the next commit */
                    assert_memory_equal(prev, prev_values, sizeof prev_values);
                prev = st;
                memcpy(prev_values, st, sizeof prev_values);
                continue;
            }
            prev = NULL;
            if (step == 300) {
                pm_filter_reset(a);
                pm_filter_reset(b);
            }
        }
        /* a refused preview into the stage changes nothing either */
        double bad[9] = {0};
        bad[4] = NAN;
        assert_int_equal(pm_filter_preview(a, bad, pm_filter_stage_(a)), PM_ERR_NONFINITE);
        block_inputs(&rng, 9, 600, x);
        assert_int_equal(pm_filter_step(a, x, own), PM_OK);
        assert_int_equal(pm_filter_step(b, x, ob), PM_OK);
        assert_memory_equal(own, ob, sizeof ob);
        pm_filter_destroy(a);
        pm_filter_destroy(b);
    }
}

/* Non-finite signals are refused by the kernel itself (no separate scan): in a block that is otherwise silent and
 * decayed (whose arithmetic is skipped), in a block that is all on, and in the scalar tail after the last block;
 * the state stays as it was. */
static void nonfinite_in_blocks_refused(void **state)
{
    (void)state;
    pm_filter *a = make(13, 5, PM_FILTER_RESONATOR), *b = make(13, 5, PM_FILTER_RESONATOR);
    double x[13] = {0}, oa[65], ob[65];
    for (int p = 4; p < 8; p++)
        x[p] = 0.1 * p;   /* block 1 on, block 0 and 2 silent (and decayed: state 0), signal 12 the tail */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(pm_filter_step(a, x, oa), PM_OK);
        assert_int_equal(pm_filter_step(b, x, ob), PM_OK);
    }
    const int where[] = {1, 6, 9, 12, 0, 11};
    const double what[] = {NAN, INFINITY, -INFINITY, NAN, -NAN, INFINITY};
    for (size_t i = 0; i < sizeof where / sizeof where[0]; i++) {
        double y[13];
        memcpy(y, x, sizeof y);
        y[where[i]] = what[i];
        assert_int_equal(pm_filter_preview(a, y, oa), PM_ERR_NONFINITE);
        assert_int_equal(pm_filter_step(a, y, oa), PM_ERR_NONFINITE);
    }
    for (int i = 0; i < 20; i++) {
        x[i % 13] = i % 3 ? 0.0 : 0.2;
        assert_int_equal(pm_filter_step(a, x, oa), PM_OK);
        assert_int_equal(pm_filter_step(b, x, ob), PM_OK);
        assert_memory_equal(oa, ob, sizeof oa);
    }
    pm_filter_destroy(a);
    pm_filter_destroy(b);
}

/* An output overflowing inside a vector block is refused like one in the scalar path: signal 6 of 8 (block 1,
 * lane 2) gets the DBL_MAX sequence of overflow_refused_state_unchanged, the others stay 0. */
static void overflow_in_block_refused(void **state)
{
    (void)state;
    enum { K = 40 };
    pm_filter *a = make(8, 0, PM_FILTER_RESONATOR), *b = make(8, 0, PM_FILTER_RESONATOR);
    double fr, g, h[K];
    assert_int_equal(pm_filter_coeffs(a, 4, &fr, NULL, NULL, &g), PM_OK);
    impulse_reference(fr, 0.51, g, K, h);
    double x[8] = {0}, oa[40], ob[40];
    int refused_at = -1;
    for (int m = 0; m < K; m++) {
        x[6] = h[K - 1 - m] >= 0 ? DBL_MAX : -DBL_MAX;
        pm_status st = pm_filter_step(a, x, oa);
        if (st == PM_ERR_NONFINITE) {
            refused_at = m;
            break;
        }
        assert_int_equal(st, PM_OK);
        assert_int_equal(pm_filter_step(b, x, ob), PM_OK);
    }
    assert_true(refused_at >= 0);
    x[6] = 0.0;
    assert_int_equal(pm_filter_step(a, x, oa), PM_OK);
    assert_int_equal(pm_filter_step(b, x, ob), PM_OK);
    assert_memory_equal(oa, ob, sizeof oa);
    pm_filter_destroy(a);
    pm_filter_destroy(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(design_matches_spec_table),
        cmocka_unit_test(paper_bank_frequencies_and_coefficients),
        cmocka_unit_test(step_response_peaks_at_one),
        cmocka_unit_test(impulse_response_matches_recursion),
        cmocka_unit_test(reset_clears_state),
        cmocka_unit_test(predictor_major_layout),
        cmocka_unit_test(delay_line_taps),
        cmocka_unit_test(bad_configs_refused),
        cmocka_unit_test(nonfinite_input_leaves_state_unchanged),
        cmocka_unit_test(overflow_refused_state_unchanged),
        cmocka_unit_test(preview_equals_step_without_state_change),
        cmocka_unit_test(impulse_decays_to_exact_zero),
        cmocka_unit_test(tiny_nonzero_input_is_not_flushed),
        cmocka_unit_test(blocks_match_scalar_reference),
        cmocka_unit_test(staged_commit_equals_step),
        cmocka_unit_test(nonfinite_in_blocks_refused),
        cmocka_unit_test(overflow_in_block_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
