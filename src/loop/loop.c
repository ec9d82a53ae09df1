/* Closed-loop runner (SPEC §5): learn on the previous forward pass, filter, forward, steer; plus run statistics. */
#include "primod/loop.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "primod/relevance.h"
#include "core/filter_internal.h"
#include "core/finite.h"

#define PAPER_HIDDEN 10   /* SPEC §6: 10 hidden layers of 10 neurons, 2 outputs */
static const int paper_layer_sizes[PAPER_HIDDEN + 1] = {10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 2};
static const double paper_output_mix[2] = {1.0, 2.0};

static const char *const rule_names[PM_LOOP_N_RULES] = {"reflex", "bp", "pm", "sr", "sign", "chained",
                                                         "sat", "satsign", "motion"};

struct pm_loop {
    pm_loop_config cfg;   /* as created; output_mix points to mix; filter and net parts are re-read on demand */
    pm_filter *filter;
    pm_net *net;          /* NULL for reflex */
    pm_success *success;
    int n_inputs;         /* filter outputs = network inputs */
    int n_outputs;        /* network outputs, 0 for reflex */
    int has_forward;      /* the loop's net has done a forward pass since creation / reset / replace */
    long steps;
    double abs_sum;       /* sum of |E| over all steps */
    double integral;      /* sum of |E| up to the success declaration */
    long unseen;          /* consecutive steps with line_seen == 0 */
    int k_prev;           /* "motion": argmax of row 0 at the previous step, -1 if none (or no previous step) */
    double *x;            /* (n_inputs) filtered inputs x(n) of the last step (fixed address) */
    double *mix;          /* (n_outputs) output mix c_m */
};

const char *pm_loop_rule_name(pm_loop_rule r)
{
    return (unsigned)r < PM_LOOP_N_RULES ? rule_names[r] : "unknown";
}

pm_status pm_loop_rule_parse(const char *name, pm_loop_rule *out)
{
    if (!name || !out)
        return PM_ERR_ARG;
    for (int i = 0; i < PM_LOOP_N_RULES; i++) {
        if (strcmp(name, rule_names[i]) == 0) {
            *out = (pm_loop_rule)i;
            return PM_OK;
        }
    }
    return PM_ERR_ARG;
}

void pm_loop_config_paper(pm_loop_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->n_predictors = 144;
    cfg->n_rows = 3;
    cfg->row_len = 48;
    cfg->filter.kind = PM_FILTER_RESONATOR;   /* zero fields: N = 5, T 3..10, q 0.51 */
    cfg->net.n_layers = PAPER_HIDDEN + 1;
    cfg->net.layer_sizes = paper_layer_sizes;  /* net zero fields: sigmoid - 0.5, no bias, paper init, seed 0 */
    cfg->rule = PM_LOOP_PM;
    cfg->rate = 1e-5;
    cfg->dead_band = 1e-9;
    cfg->speed = 30.0;
    cfg->net_gain = 5.0;
    cfg->output_mix = paper_output_mix;
    cfg->relevance_threshold = 0.05;
    cfg->success = pm_success_config_paper();
    cfg->lost_steps = 0;
    cfg->learn = 1;
}

/* The network rule behind each loop rule (SPEC §3); reflex has none. */
static pm_rule net_rule(pm_loop_rule r)
{
    switch (r) {
    case PM_LOOP_BP: return PM_RULE_BACKPROP;
    case PM_LOOP_CHAINED: return PM_RULE_CHAINED_SIGN;
    case PM_LOOP_SAT:
    case PM_LOOP_SATSIGN: return PM_RULE_SATURATION_PRIME;
    default: return PM_RULE_PRIME_MODULATE;
    }
}

static int uses_curvature(pm_loop_rule r)
{
    return r == PM_LOOP_PM || r == PM_LOOP_CHAINED || r == PM_LOOP_SAT;
}

/* Checks everything the loop itself interprets; filter, net and success configs are checked by their creators. */
static pm_status check_config(const pm_loop_config *c)
{
    if ((unsigned)c->rule >= PM_LOOP_N_RULES || c->n_predictors < 1 || c->n_rows < 0 || c->row_len < 0)
        return PM_ERR_ARG;
    if (c->n_rows > 0 && (c->row_len < 1 || (long)c->n_rows * c->row_len > c->n_predictors))
        return PM_ERR_ARG;
    if (!isfinite(c->rate) || !isfinite(c->dead_band) || !isfinite(c->speed) || !isfinite(c->net_gain) ||
        !isfinite(c->relevance_threshold) || c->rate < 0 || c->dead_band < 0 || c->lost_steps < 0)
        return PM_ERR_ARG;
    if (c->rule == PM_LOOP_REFLEX)
        return PM_OK;
    if (c->net.n_layers < 0 || (c->net.n_layers > 0 && !c->net.layer_sizes) || !c->output_mix)
        return PM_ERR_ARG;
    return PM_OK;
}

/* Network config of the loop: the caller's with n_inputs from the filter and the paper shape if none is given. */
static pm_net_config loop_net_config(const pm_loop_config *c, int n_inputs)
{
    pm_net_config nc = c->net;
    if (nc.n_layers == 0) {
        nc.n_layers = PAPER_HIDDEN + 1;
        nc.layer_sizes = paper_layer_sizes;
    }
    nc.n_inputs = n_inputs;
    return nc;
}

pm_status pm_loop_create(const pm_loop_config *cfg, pm_loop **out)
{
    if (!cfg || !out)
        return PM_ERR_ARG;
    pm_status st = check_config(cfg);
    if (st)
        return st;
    pm_filter_config fc = cfg->filter;
    fc.n_signals = cfg->n_predictors;
    pm_filter *filter = NULL;
    pm_net *net = NULL;
    pm_success *success = NULL;
    pm_loop *l = NULL;
    if ((st = pm_filter_create(&fc, &filter)))
        goto fail;
    const int n_inputs = pm_filter_n_outputs(filter);
    int n_outputs = 0;
    if (cfg->rule != PM_LOOP_REFLEX) {
        pm_net_config nc = loop_net_config(cfg, n_inputs);
        if ((st = pm_net_create(&nc, &net)))
            goto fail;
        n_outputs = pm_net_n_outputs(net);
        for (int m = 0; m < n_outputs; m++) {
            if (!isfinite(cfg->output_mix[m])) {
                st = PM_ERR_ARG;
                goto fail;
            }
        }
    }
    if ((st = pm_success_create(&cfg->success, &success)))
        goto fail;
    /* One allocation for the loop and its arrays: x (n_inputs), mix (n_outputs). */
    l = calloc(1, sizeof *l + ((size_t)n_inputs + (size_t)n_outputs) * sizeof(double));
    if (!l) {
        st = PM_ERR_NOMEM;
        goto fail;
    }
    l->cfg = *cfg;
    l->filter = filter;
    l->net = net;
    l->success = success;
    l->n_inputs = n_inputs;
    l->n_outputs = n_outputs;
    l->x = (double *)(l + 1);
    l->mix = l->x + n_inputs;
    for (int m = 0; m < n_outputs; m++)
        l->mix[m] = cfg->output_mix[m];
    l->cfg.output_mix = n_outputs ? l->mix : NULL;
    l->cfg.learn = cfg->learn != 0;
    l->k_prev = -1;
    *out = l;
    return PM_OK;
fail:
    pm_success_destroy(success);
    pm_net_destroy(net);
    pm_filter_destroy(filter);
    return st;
}

void pm_loop_destroy(pm_loop *l)
{
    if (!l)
        return;
    pm_success_destroy(l->success);
    pm_net_destroy(l->net);
    pm_filter_destroy(l->filter);
    free(l);
}

/* R(n) for this step (SPEC §3): the caller's value if given, else the rule's own signal. *k gets the argmax of
 * row 0 for the "motion" rule (else -1), which the line-motion cue compares with the previous step's (SPEC §9). */
static pm_status step_relevance(const pm_loop *l, const pm_loop_input *in, double *r, int *k)
{
    *k = -1;   /* only the motion cue reads row 0 every step; the other rules skip the scan */
    if (l->cfg.rule == PM_LOOP_MOTION && l->cfg.n_rows >= 1)
        *k = pm_relevance_argmax(in->predictors, l->cfg.row_len, l->cfg.relevance_threshold);
    if (in->relevance_given) {
        *r = in->relevance;
        return isfinite(*r) ? PM_OK : PM_ERR_NONFINITE;
    }
    if (l->cfg.rule == PM_LOOP_MOTION) {
        if (l->cfg.n_rows < 1)
            return PM_ERR_ARG;   /* no row to watch and no R given */
        *r = pm_relevance_motion(l->k_prev, *k);
        return PM_OK;
    }
    if (l->cfg.rule == PM_LOOP_SR) {
        *r = pm_relevance_rectified(in->error);
        return PM_OK;
    }
    if (!uses_curvature(l->cfg.rule)) {
        *r = pm_relevance_constant();
        return PM_OK;
    }
    if (l->cfg.n_rows < 2)
        return PM_ERR_ARG;   /* no rows to read the curvature from and none given */
    const int n = l->cfg.row_len;
    return pm_relevance_curvature(in->predictors, in->predictors + n, n, l->cfg.relevance_threshold, r);
}

pm_status pm_loop_step(pm_loop *l, const pm_loop_input *in, pm_loop_output *out)
{
    if (!l || !in || !out || !in->predictors)
        return PM_ERR_ARG;
    /* (1) Read and validate everything before any state changes, so a refused step leaves the loop as it was. */
    if (!isfinite(in->error) || !pm_all_finite(in->predictors, l->cfg.n_predictors))
        return PM_ERR_NONFINITE;
    double r;
    int k_now;
    pm_status st = step_relevance(l, in, &r, &k_now);
    if (st)
        return st;
    /* (3, staged) x(n) computed without committing the filter state: the learn or forward below may refuse. It is
     * written into the bank's staging buffer, so the commit below is a pointer rotation rather than a copy. */
    double *x_next = pm_filter_stage_(l->filter);
    if ((st = pm_filter_preview(l->filter, in->predictors, x_next)))
        return st;
    if (l->net) {
        /* (2) Learn with E(n) on the activations of the previous forward pass (SPEC §5); the dead band zeroes
         * tiny errors whose sign would otherwise act at full strength under the sign rules (SPEC §3).
         * (4) Forward pass with x(n). pm_net_learn_forward is the two calls in one (the same bits, one pass over
         * the input layer's weights); a refused learn changes nothing. The forward pass refuses only on overflow
         * (linear / relu nets with huge weights); the weight update cannot be undone then, nor after an overflowing
         * steering (documented in loop.h). */
        if (l->cfg.learn && l->has_forward) {
            const double e = fabs(in->error) < l->cfg.dead_band ? 0.0 : in->error;
            st = pm_net_learn_forward(l->net, net_rule(l->cfg.rule), e, l->cfg.rate, r, x_next);
        } else {
            st = pm_net_forward(l->net, x_next);
        }
        if (st)
            return st;
        l->has_forward = 1;
    }
    /* (5) s(n) = E(n) + g_N sum_m c_m o_m(n); wheels v + s, v - s (SPEC §5), unclamped. Computed before the
     * filter commit so that an overflow (E near DBL_MAX) is refused rather than returned as inf. */
    double net_term = 0.0;
    const double *o = l->net ? pm_net_outputs(l->net) : NULL;
    for (int m = 0; m < l->n_outputs; m++)
        net_term += l->mix[m] * o[m];
    const double s = in->error + l->cfg.net_gain * net_term;
    const double left = l->cfg.speed + s, right = l->cfg.speed - s;
    if (!isfinite(left) || !isfinite(right))
        return PM_ERR_NONFINITE;

    /* (3, commit) The previewed values are exactly what pm_filter_step would compute from the same inputs and
     * state, so they are committed as they are rather than computed a second time. x keeps its address for
     * pm_loop_inputs callers, so the staged values are copied into it (the staging buffer's address rotates). */
    pm_filter_commit_(l->filter, x_next);
    memcpy(l->x, x_next, (size_t)l->n_inputs * sizeof(double));

    /* Statistics: error integral up to and including the step at which success is declared (SPEC §6). */
    const double a = fabs(in->error);
    if (!pm_success_reached(l->success))
        l->integral += a;
    pm_success_push(l->success, a);   /* finite by the check above: cannot fail */
    l->abs_sum += a;
    l->steps++;
    l->unseen = in->line_seen ? 0 : l->unseen + 1;
    l->k_prev = k_now;

    out->steering = s;
    out->left = left;
    out->right = right;
    out->relevance = r;
    out->outputs = o;
    out->success = pm_success_reached(l->success);
    out->lost = l->cfg.lost_steps > 0 && l->unseen >= l->cfg.lost_steps;
    return PM_OK;
}

long pm_loop_steps(const pm_loop *l)
{
    return l ? l->steps : 0;
}

long pm_loop_success_step(const pm_loop *l)
{
    return l ? pm_success_step(l->success) : -1;
}

long pm_loop_success_declared_step(const pm_loop *l)
{
    return l ? pm_success_declared_step(l->success) : -1;
}

double pm_loop_error_integral(const pm_loop *l)
{
    return l ? l->integral : 0.0;
}

double pm_loop_mean_abs_error(const pm_loop *l)
{
    return l && l->steps > 0 ? l->abs_sum / (double)l->steps : 0.0;
}

int pm_loop_n_predictors(const pm_loop *l)
{
    return l ? l->cfg.n_predictors : 0;
}

int pm_loop_n_inputs(const pm_loop *l)
{
    return l ? l->n_inputs : 0;
}

int pm_loop_n_outputs(const pm_loop *l)
{
    return l ? l->n_outputs : 0;
}

const double *pm_loop_inputs(const pm_loop *l)
{
    return l ? l->x : NULL;
}

pm_loop_config pm_loop_get_config(const pm_loop *l)
{
    pm_loop_config c;
    memset(&c, 0, sizeof c);
    if (!l)
        return c;
    c = l->cfg;
    c.filter = pm_filter_get_config(l->filter);
    if (l->net)
        c.net = pm_net_get_config(l->net);   /* the current net's shape (it may have been replaced) */
    return c;
}

const pm_net *pm_loop_net(const pm_loop *l)
{
    return l ? l->net : NULL;
}

pm_net *pm_loop_net_mut(pm_loop *l)
{
    return l ? l->net : NULL;
}

const pm_filter *pm_loop_filter(const pm_loop *l)
{
    return l ? l->filter : NULL;
}

pm_status pm_loop_set_learning(pm_loop *l, int on)
{
    if (!l)
        return PM_ERR_ARG;
    l->cfg.learn = on != 0;
    return PM_OK;
}

void pm_loop_reset(pm_loop *l)
{
    if (!l)
        return;
    pm_filter_reset(l->filter);
    if (l->net)
        pm_net_reset(l->net);
    pm_success_reset(l->success);
    l->has_forward = 0;
    l->steps = 0;
    l->abs_sum = 0.0;
    l->integral = 0.0;
    l->unseen = 0;
    l->k_prev = -1;
    for (int i = 0; i < l->n_inputs; i++)
        l->x[i] = 0.0;
}

pm_status pm_loop_replace_net(pm_loop *l, pm_net *net)
{
    if (!l || !net || !l->net || net == l->net)
        return PM_ERR_ARG;
    if (pm_net_n_inputs(net) != l->n_inputs || pm_net_n_outputs(net) != l->n_outputs)
        return PM_ERR_ARG;
    pm_net_destroy(l->net);
    l->net = net;
    l->has_forward = 0;
    return PM_OK;
}
