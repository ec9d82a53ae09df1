/* Relevance signals R(n) that modulate P&M learning (SPEC §3): plain functions the loop and users call. */
#ifndef PRIMOD_RELEVANCE_H
#define PRIMOD_RELEVANCE_H

#include "primod/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Index of the most strongly activated predictor in a row of n values, or -1 if no value exceeds threshold
 * (the row sees no line). Ties: the lowest index. */
int pm_relevance_argmax(const double *row, int n, double threshold);

/* Road curvature (paper): R = 1 + |k2 - k1|, k_r = pm_relevance_argmax of row r (row1 nearest);
 * R = 1 if either row sees no line. PM_ERR_ARG for NULL or n < 1; PM_ERR_NONFINITE for NaN/inf values. */
pm_status pm_relevance_curvature(const double *row1, const double *row2, int n, double threshold, double *out);

/* Line motion (SPEC §9 "beyond the paper": a cue from how fast the predicted line position moves):
 *     R = 1 + |k(n) - k(n-1)|,
 * k = pm_relevance_argmax of the nearest look-ahead row at this step and at the previous one, in sensors per step;
 * R = 1 if either is -1 (no line seen). Unlike the road curvature (rows 1 unit apart: mostly the heading angle,
 * SPEC §9), it is large only while the line slides across the row, i.e. while the robot is turning away from or
 * toward it: that is when the reflex is about to act, so it weights the steps that carry the most to learn. */
double pm_relevance_motion(int k_prev, int k_now);

/* Rectified error: R = |E| (sign-and-relevance variant). */
double pm_relevance_rectified(double error);

/* Constant R = 1 (sign-only ablation). */
double pm_relevance_constant(void);

#ifdef __cplusplus
}
#endif
#endif
