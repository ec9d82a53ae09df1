/* Closed-loop learner (SPEC §5-6): reflex error + predictors in, steering and wheel speeds out; no simulator inside. */
#ifndef PRIMOD_LOOP_H
#define PRIMOD_LOOP_H

#include "primod/filter.h"
#include "primod/net.h"
#include "primod/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------------------------
 * Success detector (SPEC §6), usable on any stream of errors.
 *
 * Steps are numbered n = 0, 1, 2, ... in the order pm_success_push is called. With |E(n)| pushed at step n:
 *   S(n) = sum of |E(m)| for m = n-window+1 .. n, defined ("counted") only once n >= warmup + window - 1
 *          (the whole window lies after the warm-up; paper: n >= 200 + 200 - 1 = 399).
 *   A "run" is a maximal stretch of consecutive counted steps with S(n) < threshold.
 *   Success is DECLARED at the first step n at which the current run has length `hold`; the SUCCESS STEP is the
 *   first step of that run, i.e. n - hold + 1. Earliest possible (paper): success step 399, declared at 598
 *   (run 399..598 is 200 steps). Once declared, success stays declared until pm_success_reset.
 * ---------------------------------------------------------------------------------------------------------- */
typedef struct pm_success pm_success;

typedef struct {
    int warmup;        /* steps ignored before the first window starts, >= 0 (paper 200) */
    int window;        /* steps summed in S(n), >= 1 (paper 200) */
    int hold;          /* consecutive counted steps with S < threshold needed, >= 1 (paper 200) */
    double threshold;  /* S(n) must be strictly below this, finite and > 0 (paper 0.1) */
} pm_success_config;

/* The paper values: warmup 200, window 200, hold 200, threshold 0.1. */
pm_success_config pm_success_config_paper(void);
/* Creates a detector (one allocation). PM_ERR_ARG for NULL or out-of-range fields. Free with pm_success_destroy. */
pm_status pm_success_create(const pm_success_config *cfg, pm_success **out);
void pm_success_destroy(pm_success *s);   /* NULL does nothing */
/* Feeds the error of the next step (its absolute value is used). PM_ERR_NONFINITE for NaN/inf (state unchanged).
 * PM_ERR_ARG for NULL. No allocation. */
pm_status pm_success_push(pm_success *s, double error);
/* Forgets every pushed value (back to step 0, not declared). */
void pm_success_reset(pm_success *s);
long pm_success_steps(const pm_success *s);          /* values pushed so far */
int pm_success_reached(const pm_success *s);         /* 1 once success has been declared */
long pm_success_step(const pm_success *s);           /* first step of the successful run, -1 if not reached */
long pm_success_declared_step(const pm_success *s);  /* step at which success was declared, -1 if not reached */
/* S(n) of the last pushed step; -1 if that step is not yet counted (n < warmup + window - 1). */
double pm_success_window_sum(const pm_success *s);

/* ------------------------------------------------------------------------------------------------------------
 * Learning rules of the loop: which pm_rule the network uses and where the relevance R(n) comes from (SPEC §3).
 * ---------------------------------------------------------------------------------------------------------- */
typedef enum {
    PM_LOOP_REFLEX = 0,  /* "reflex":  no network at all; steering = E */
    PM_LOOP_BP,          /* "bp":      PM_RULE_BACKPROP, R = 1 */
    PM_LOOP_PM,          /* "pm":      PM_RULE_PRIME_MODULATE, R = road curvature 1 + |k2 - k1| (paper) */
    PM_LOOP_SR,          /* "sr":      PM_RULE_PRIME_MODULATE, R = |E(n)| (sign and relevance) */
    PM_LOOP_SIGN,        /* "sign":    PM_RULE_PRIME_MODULATE, R = 1 (sign only, ablation) */
    PM_LOOP_CHAINED,     /* "chained": PM_RULE_CHAINED_SIGN, R = road curvature (experimental variant) */
    /* SPEC §9 "beyond the paper" variants: */
    PM_LOOP_SAT,         /* "sat":     PM_RULE_SATURATION_PRIME, R = road curvature */
    PM_LOOP_SATSIGN,     /* "satsign": PM_RULE_SATURATION_PRIME, R = 1 */
    PM_LOOP_MOTION       /* "motion":  PM_RULE_PRIME_MODULATE, R = line motion 1 + |k(n) - k(n-1)| of the nearest
                          * row (pm_relevance_motion); needs n_rows >= 1 */
} pm_loop_rule;
#define PM_LOOP_N_RULES 9

/* Short lower-case name of a rule ("reflex", "bp", "pm", "sr", "sign", "chained", "sat", "satsign", "motion");
 * "unknown" for a bad value. */
const char *pm_loop_rule_name(pm_loop_rule r);
/* Parses a name of pm_loop_rule_name (exact, lower case). PM_ERR_ARG for NULL or an unknown name (*out untouched). */
pm_status pm_loop_rule_parse(const char *name, pm_loop_rule *out);

/* ------------------------------------------------------------------------------------------------------------
 * The loop. Start from pm_loop_config_paper() and change fields; there are no implicit zero defaults here
 * (except inside `filter` and `net`, which follow their own headers).
 * ---------------------------------------------------------------------------------------------------------- */
typedef struct pm_loop pm_loop;

typedef struct {
    int n_predictors;            /* predictor signals p(n) per step, >= 1 (paper 144 = 3 rows x 48) */
    int n_rows, row_len;         /* the first n_rows * row_len predictors form look-ahead rows, row-major, row 0
                                  * nearest (paper 3 x 48); curvature relevance uses rows 0 and 1 and needs
                                  * n_rows >= 2 ("motion" reads row 0 and needs n_rows >= 1). n_rows = 0: no
                                  * rows; then "pm"/"chained"/"sat"/"motion" need relevance_given. */
    pm_filter_config filter;     /* front end; n_signals is overwritten with n_predictors */
    pm_net_config net;           /* n_inputs is overwritten with the filter's outputs; if net.n_layers == 0 the
                                  * paper shape (10 hidden layers of 10, 2 outputs) is used. layer_sizes is
                                  * copied. Ignored for PM_LOOP_REFLEX. */
    pm_loop_rule rule;
    double rate;                 /* eta, finite, >= 0 */
    double dead_band;            /* |E| < dead_band counts as E = 0 for learning (SPEC §3), finite, >= 0 */
    double speed;                /* forward speed v, units/s (wheel command = v +- s) */
    double net_gain;             /* g_N (paper 5) */
    const double *output_mix;    /* c_m, (n_outputs) entries (paper 1, 2); copied at creation; NULL for reflex OK */
    double relevance_threshold;  /* a row "sees" the line if a predictor exceeds this (pm_relevance_argmax) */
    pm_success_config success;   /* SPEC §6 success detection (paper 200, 200, 200, 0.1) */
    int lost_steps;              /* "lost" after this many consecutive steps with line_seen == 0; 0 = never */
    int learn;                   /* nonzero: learning on at creation */
} pm_loop_config;

/* Fills the paper preset (SPEC §6): 144 predictors in 3 rows of 48, resonator bank N = 5, T 3..10, q 0.51,
 * net 720 -> 10 x 10 hidden -> 2 outputs (sigmoid - 0.5, no biases, paper init, seed 0), speed 30, g_N 5,
 * c = (1, 2), rule "pm", rate 1e-5, dead band 1e-9, relevance threshold 0.05, success 200/200/200/0.1,
 * lost_steps 0, learning on. output_mix points to static constant storage. */
void pm_loop_config_paper(pm_loop_config *cfg);

/* Creates the loop: its own filter bank and (unless reflex) its own network built from cfg->net.
 * PM_ERR_ARG for NULL or an invalid config (the filter/net creation errors are passed through),
 * PM_ERR_NOMEM. *out set only on PM_OK. Free with pm_loop_destroy. */
pm_status pm_loop_create(const pm_loop_config *cfg, pm_loop **out);
/* Frees the loop, its filter and its network; NULL does nothing. */
void pm_loop_destroy(pm_loop *l);

/* What the sensors say at step n (SPEC §5 step 1). */
typedef struct {
    double error;               /* reflex error E(n) */
    const double *predictors;   /* (n_predictors) raw predictor values p(n); only read during the call */
    double relevance;           /* R(n); used only if relevance_given, else computed as the rule says */
    int relevance_given;        /* nonzero: use `relevance` instead of the rule's own signal */
    int line_seen;              /* nonzero if any sensor sees the line (for "lost" detection) */
} pm_loop_input;

/* What the loop commands at step n. */
typedef struct {
    double steering;            /* s(n) = E(n) + g_N * sum_m c_m o_m(n)  (= E(n) for reflex) */
    double left, right;         /* wheel speed commands v + s, v - s, units/s; NOT clamped: the robot or
                                 * simulator applies its own limits */
    double relevance;           /* R(n) used for learning at this step (or that would be used if learning) */
    const double *outputs;      /* (n_outputs) network outputs o(n); valid until the next call that changes the
                                 * loop; NULL for reflex */
    int success;                /* success declared at this or an earlier step (SPEC §6) */
    int lost;                   /* line not seen for the last lost_steps consecutive steps (not sticky) */
} pm_loop_output;

/* One closed-loop step in SPEC §5 order: (1) read in; (2) if learning and a forward pass happened before, learn
 * with the dead-banded E(n) on the previous forward's activations at rate * R(n); (3) filter p(n) -> x(n);
 * (4) forward; (5) steering and wheel speeds. PM_ERR_ARG for NULL, or a row-cue rule without rows and without
 * relevance_given; PM_ERR_NONFINITE for a non-finite E, predictor or given relevance, or if filtering, the
 * weight update, the forward pass or the steering would overflow. On any error the loop is exactly as before,
 * with one exception: an overflowing forward pass (linear/relu nets with huge weights) or steering (|E| near
 * DBL_MAX) is detected after step (2), whose weight update then stays applied. No allocation. */
pm_status pm_loop_step(pm_loop *l, const pm_loop_input *in, pm_loop_output *out);

/* Queries. Error statistics use the raw |E(n)| (no dead band). */
long pm_loop_steps(const pm_loop *l);               /* steps taken since creation or reset */
long pm_loop_success_step(const pm_loop *l);        /* SPEC §6 success step, -1 if not reached */
long pm_loop_success_declared_step(const pm_loop *l); /* step at which success was declared, -1 if not reached */
/* Sum of |E(n)| over steps 0 .. the step at which success was declared (inclusive), or over all steps so far if
 * success has not been declared; steps after the declaration are not added. */
double pm_loop_error_integral(const pm_loop *l);
double pm_loop_mean_abs_error(const pm_loop *l);    /* mean |E(n)| over all steps; 0 before the first step */
int pm_loop_n_predictors(const pm_loop *l);
int pm_loop_n_inputs(const pm_loop *l);             /* network inputs = filter outputs */
int pm_loop_n_outputs(const pm_loop *l);            /* network outputs; 0 for reflex */
/* The filtered inputs x(n) of the last step: (n_inputs); all zero before the first step. The pointer stays valid
 * while l lives; the contents are rewritten by each successful step and by reset. */
const double *pm_loop_inputs(const pm_loop *l);
/* The effective config (defaults filled in; net part = the current net's). Its pointers point into the loop and
 * its net: valid until pm_loop_destroy or pm_loop_replace_net. */
pm_loop_config pm_loop_get_config(const pm_loop *l);
/* The loop's network (owned by the loop); NULL for reflex. Changing it through _mut is allowed between steps. */
const pm_net *pm_loop_net(const pm_loop *l);
pm_net *pm_loop_net_mut(pm_loop *l);
const pm_filter *pm_loop_filter(const pm_loop *l);

/* Switches learning on (nonzero) or off. PM_ERR_ARG for NULL. Allowed for reflex (it never learns anyway). */
pm_status pm_loop_set_learning(pm_loop *l, int on);
/* Back to the start: filter state cleared, counters, statistics and success detector reset, network restored
 * to its initial (reference) weights (pm_net_reset), no previous forward pass. Learning switch unchanged. */
void pm_loop_reset(pm_loop *l);
/* Replaces the network (e.g. a loaded model). On PM_OK the loop takes ownership of net and destroys the old one;
 * on error the caller keeps net. PM_ERR_ARG for NULL, a reflex loop, or a net whose n_inputs or n_outputs differ
 * from the loop's. The next step does not learn (no forward pass with the new net yet). */
pm_status pm_loop_replace_net(pm_loop *l, pm_net *net);

#ifdef __cplusplus
}
#endif
#endif
