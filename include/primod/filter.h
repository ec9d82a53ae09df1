/* Predictor front ends (SPEC §4): a bank of damped resonators per signal, or a tapped delay line. */
#ifndef PRIMOD_FILTER_H
#define PRIMOD_FILTER_H

#include "primod/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pm_filter pm_filter;

typedef enum { PM_FILTER_RESONATOR = 0, PM_FILTER_DELAY } pm_filter_kind;

/* n_signals predictor signals, each expanded into n_filters outputs, laid out predictor-major:
 * out[p * n_filters + k]. Zero fields take the paper preset: n_filters 5, t_min 3, t_max 10, q 0.51.
 * PM_FILTER_DELAY: output k is x(n-k) (k = 0..n_filters-1); t_min, t_max, q unused. */
typedef struct {
    int n_signals;        /* >= 1 */
    int n_filters;        /* per signal; 0 -> 5; resonator bank with 1 filter uses f = 1/t_max */
    pm_filter_kind kind;
    double t_min;         /* shortest period, steps (f_max = 1/t_min); 0 -> 3; must be >= 2 (Nyquist) */
    double t_max;         /* longest period, steps (f_min = 1/t_max); 0 -> 10; must be >= t_min (and below
                           * about 1.6e5, see pm_resonator_design) */
    double q;             /* damping; 0 -> 0.51; must be > 0.5 */
} pm_filter_config;

/* Designs one resonator (SPEC §4): w0 = 2 pi f, s = w0/(2q), wd = sqrt(w0^2 - s^2),
 * a1 = -2 exp(-s) cos(wd), a2 = exp(-2s), gain g = peak of the unnormalised unit-step response.
 * The step response is simulated until its deviation from the DC value has decayed below 1e-16 (36.8/s steps).
 * PM_ERR_ARG unless 0 < f <= 0.5 and q > 0.5 (both finite), or if that takes more than 10^6 steps
 * (f below about 6e-6 cycles/step at q = 0.51). Out pointers may be NULL; untouched on error. Pure function. */
pm_status pm_resonator_design(double f, double q, double *a1, double *a2, double *gain);

/* Creates a bank (one allocation). PM_ERR_ARG for bad config. Free with pm_filter_destroy. */
pm_status pm_filter_create(const pm_filter_config *cfg, pm_filter **out);
void pm_filter_destroy(pm_filter *f);   /* NULL does nothing */
/* Feeds one sample of every signal, signals: (n_signals); writes (overwrites) out: (n_signals * n_filters).
 * A resonator whose input is exactly 0 and whose last two outputs are both below 1e-13 in magnitude is
 * "decayed": it outputs exactly 0 (state cleared) instead of ringing down through denormals forever. The
 * dropped tail is < 3e-13, far below any predictor (~0.23), and keeps the network's inputs sparse (SPEC §4 gives
 * the exact recursion; this is its only deviation). PM_ERR_ARG for NULL; PM_ERR_NONFINITE if a signal is NaN/inf
 * or an output would overflow (state unchanged, out unspecified). No allocation. */
pm_status pm_filter_step(pm_filter *f, const double *signals, double *out);
/* The outputs pm_filter_step would write for these signals, without changing the state (lets a caller check a
 * step before committing it). Same errors as pm_filter_step; out is unspecified on error. No allocation. */
pm_status pm_filter_preview(const pm_filter *f, const double *signals, double *out);
/* Clears the state (as if every past input were 0). NULL does nothing. */
void pm_filter_reset(pm_filter *f);
int pm_filter_n_outputs(const pm_filter *f);
int pm_filter_n_signals(const pm_filter *f);
/* The effective config (defaults filled in). */
pm_filter_config pm_filter_get_config(const pm_filter *f);
/* Coefficients of filter k of a resonator bank; PM_ERR_ARG for a delay line or k out of range. Any out pointer may be NULL. */
pm_status pm_filter_coeffs(const pm_filter *f, int k, double *freq, double *a1, double *a2, double *gain);

#ifdef __cplusplus
}
#endif
#endif
