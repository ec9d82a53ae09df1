/* Reflex of the real robot (SPEC §7): per-sensor black/white calibration and the weighted mirrored-pair error. */
#ifndef PRIMOD_REFLEX_H
#define PRIMOD_REFLEX_H

#include <stdint.h>

#include "primod/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PM_REFLEX_N 8      /* light sensors, 0 = leftmost .. 7 = rightmost */
#define PM_REFLEX_PAIRS 4  /* mirrored pairs (k, 7 - k) */

typedef struct {
    double weights[PM_REFLEX_PAIRS]; /* w_k of pair (k, 7-k), finite */
    double divisor;                  /* E = sum_k w_k (s_k - s_(7-k)) / divisor; finite, nonzero */
    double full_scale;               /* calibrated readings run 0 (black) .. full_scale (white); finite, > 0 */
    double min_span;                 /* a sensor counts as calibrated once white - black >= min_span (raw units) */
    double line_level;               /* a sensor "sees the line" if its calibrated reading < line_level * full_scale */
} pm_reflex_config;

/* Plain value type: the config plus the running extremes of every sensor (raw 0..255). */
typedef struct {
    pm_reflex_config cfg;
    double black[PM_REFLEX_N];       /* darkest raw reading seen (or set) */
    double white[PM_REFLEX_N];       /* brightest raw reading seen (or set) */
} pm_reflex;

/* SPEC §7: weights (7, 5, 0, 0), divisor 200, full scale 255, min span 20, line level 0.5,
 * i.e. E = (7 (s0 - s7) + 5 (s1 - s6)) / 200 with s calibrated to 0..255. */
void pm_reflex_config_paper(pm_reflex_config *cfg);
/* Starts uncalibrated (black 255, white 0: the first reading sets both). PM_ERR_ARG for NULL or a bad config
 * (r untouched). */
pm_status pm_reflex_init(pm_reflex *r, const pm_reflex_config *cfg);
/* Widens the running extremes with one raw reading of the 8 sensors (calibration, SPEC §7). NULL: no-op. */
void pm_reflex_observe(pm_reflex *r, const uint8_t raw[PM_REFLEX_N]);
/* Sets the extremes (e.g. from a config file). PM_ERR_ARG for NULL or a value outside 0..255 (r untouched). */
pm_status pm_reflex_set_calibration(pm_reflex *r, const double black[PM_REFLEX_N], const double white[PM_REFLEX_N]);
/* 1 if every sensor that has a nonzero weight has white - black >= min_span. */
int pm_reflex_calibrated(const pm_reflex *r);
/* Calibrated readings s (8): full_scale * (raw - black)/(white - black), clipped to 0..full_scale.
 * PM_ERR_ARG for NULL or if a weighted sensor is not calibrated (s untouched). */
pm_status pm_reflex_normalise(const pm_reflex *r, const uint8_t raw[PM_REFLEX_N], double s[PM_REFLEX_N]);
/* Reflex error E from one raw reading, and whether any sensor sees the line (line_seen may be NULL).
 * PM_ERR_ARG as pm_reflex_normalise (outputs untouched). */
pm_status pm_reflex_error(const pm_reflex *r, const uint8_t raw[PM_REFLEX_N], double *error, int *line_seen);

#ifdef __cplusplus
}
#endif
#endif
