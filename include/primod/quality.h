/* Controller quality of a closed-loop run (SPEC §9): saturation, chatter and the largest weight at the end. */
#ifndef PRIMOD_QUALITY_H
#define PRIMOD_QUALITY_H

#include "primod/net.h"
#include "primod/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------------------------
 * Quality tracker (SPEC §9 "Controller quality"). A run can "succeed" with a bang-bang controller: outputs
 * pinned at their bounds, steering flipping sign every few steps while E stays 0. The tracker measures that over
 * the TAIL of the run: the last `hold` steps, or all steps after the warm-up if fewer have been pushed.
 *
 * Steps are numbered n = 0, 1, ... in the order pm_quality_push is called; steps n < warmup are never measured.
 * With M = min(hold, steps - warmup) (0 if steps <= warmup) the tail is the last M steps, and
 *   saturation = (1/M) * #{ n in tail : some output o_m(n) has |o_m(n)| >= 0.9 * bound(f) }
 *                bound: sigmoid - 0.5 -> 0.5 (|o| >= 0.45); tanh -> 1 (|o| >= 0.9);
 *                linear, relu: unbounded, saturation not defined (NaN, saturation_defined = 0);
 *                a step pushed without outputs (the reflex alone) never counts as saturated.
 *   chatter    = (1/M) * sum over n in tail of |s(n) - s(n-1)|, the mean steering change per step (units/s per
 *                step); for n = 0 (possible only with warmup 0) s(-1) = s(0), i.e. the change is 0.
 * Both are NaN while M = 0. A SMOOTH success is a success whose chatter <= max_chatter (SPEC §9, default 1.0;
 * bang-bang runs measure about 6).
 *
 * Memory: one allocation at creation (a ring of `hold` steering changes and saturation flags); pm_quality_push
 * allocates nothing and costs O(n_outputs). The results are summed from the ring in step order when asked, so
 * they do not depend on rounding history: same pushes, bit-identical numbers.
 * ---------------------------------------------------------------------------------------------------------- */
typedef struct pm_quality pm_quality;

typedef struct {
    int hold;                  /* steps in the measured tail, 1 .. PM_QUALITY_MAX_HOLD (SPEC §9: run.hold) */
    int warmup;                /* first steps never measured, >= 0 (SPEC §6: the success warm-up, 200) */
    pm_activation activation;  /* activation of the output layer: sets the saturation bound */
    double max_chatter;        /* smooth-success threshold, finite and >= 0 (SPEC §9: run.max_chatter, 1.0) */
} pm_quality_config;

#define PM_QUALITY_MAX_HOLD 100000000
/* Default smooth-success threshold (SPEC §9). */
#define PM_QUALITY_MAX_CHATTER 1.0

/* hold and warmup 200 (the paper's success hold and warm-up), sigmoid outputs, max_chatter 1.0. */
pm_quality_config pm_quality_config_default(void);

/* Creates a tracker. PM_ERR_ARG for NULL, hold out of range, negative warmup, an unknown activation or a negative
 * or non-finite max_chatter; PM_ERR_NOMEM. *out set only on PM_OK. Free with pm_quality_destroy. */
pm_status pm_quality_create(const pm_quality_config *cfg, pm_quality **out);
void pm_quality_destroy(pm_quality *q);   /* NULL does nothing */
/* Forgets every pushed step (back to step 0). */
void pm_quality_reset(pm_quality *q);

/* Feeds step n: the steering s(n) and the network outputs o(n) ((n_outputs) values; NULL with n_outputs 0 for
 * the reflex alone). PM_ERR_ARG for NULL q, n_outputs < 0 or outputs NULL with n_outputs > 0; PM_ERR_NONFINITE for
 * a non-finite steering or output (the tracker is then unchanged). No allocation. */
pm_status pm_quality_push(pm_quality *q, double steering, const double *outputs, int n_outputs);

typedef struct {
    long steps;               /* steps pushed */
    long measured;            /* M: steps in the tail */
    int saturation_defined;   /* 0 for linear / relu outputs: saturation is then NaN ("null") */
    double saturation;        /* fraction in [0, 1]; NaN if not defined or M = 0 */
    double chatter;           /* mean |s(n) - s(n-1)| over the tail; NaN if M = 0 */
} pm_quality_result;

/* The numbers so far. PM_ERR_ARG for NULL. */
pm_status pm_quality_get(const pm_quality *q, pm_quality_result *out);
/* 1 if success is nonzero and the chatter so far is <= max_chatter (a NaN chatter is not smooth), else 0. */
int pm_quality_smooth_success(const pm_quality *q, int success);

/* Largest |w| over every weight and bias of the net (SPEC §9 max_abs_weight); NaN for NULL. */
double pm_net_max_abs_weight(const pm_net *net);

#ifdef __cplusplus
}
#endif
#endif
