/* Controller quality tracker (SPEC §9): saturation and chatter over the tail of a run, max |w| of a net. */
#include "primod/quality.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct pm_quality {
    pm_quality_config cfg;
    double bound;            /* |o| >= bound counts as saturated (0.9 x the activation's bound); 0: not defined */
    long steps;              /* steps pushed */
    double last_steering;    /* s(n-1) */
    long filled;             /* entries written into the ring (capped at hold) */
    int head;                /* next ring slot */
    double *change;          /* (hold) |s(n) - s(n-1)| of the measured steps, ring */
    unsigned char *sat;      /* (hold) 1 if some output was saturated at that step, ring */
};

pm_quality_config pm_quality_config_default(void)
{
    pm_quality_config c;
    memset(&c, 0, sizeof c);
    c.hold = 200;
    c.warmup = 200;
    c.activation = PM_ACT_SIGMOID;
    c.max_chatter = PM_QUALITY_MAX_CHATTER;
    return c;
}

/* Within 10 % of the activation's bound (SPEC §9): sigmoid - 0.5 saturates at +-0.5, tanh at +-1; linear and relu
 * are unbounded above, so saturation is not defined for them (0 here). */
static double saturation_bound(pm_activation f)
{
    switch (f) {
    case PM_ACT_SIGMOID: return 0.45;
    case PM_ACT_TANH: return 0.9;
    default: return 0.0;
    }
}

pm_status pm_quality_create(const pm_quality_config *cfg, pm_quality **out)
{
    if (!cfg || !out || cfg->hold < 1 || cfg->hold > PM_QUALITY_MAX_HOLD || cfg->warmup < 0 ||
        (unsigned)cfg->activation > PM_ACT_RELU || !isfinite(cfg->max_chatter) || cfg->max_chatter < 0)
        return PM_ERR_ARG;
    /* One block: the struct, then the doubles of the ring, then the flags (doubles first keeps them aligned). */
    const size_t n = (size_t)cfg->hold;
    pm_quality *q = calloc(1, sizeof *q + n * sizeof(double) + n);
    if (!q)
        return PM_ERR_NOMEM;
    q->cfg = *cfg;
    q->bound = saturation_bound(cfg->activation);
    q->change = (double *)(q + 1);
    q->sat = (unsigned char *)(q->change + n);
    *out = q;
    return PM_OK;
}

void pm_quality_destroy(pm_quality *q)
{
    free(q);
}

void pm_quality_reset(pm_quality *q)
{
    if (!q)
        return;
    q->steps = 0;
    q->last_steering = 0.0;
    q->filled = 0;
    q->head = 0;
}

pm_status pm_quality_push(pm_quality *q, double steering, const double *outputs, int n_outputs)
{
    if (!q || n_outputs < 0 || (n_outputs > 0 && !outputs))
        return PM_ERR_ARG;
    if (!isfinite(steering))
        return PM_ERR_NONFINITE;
    int saturated = 0;
    for (int m = 0; m < n_outputs; m++) {
        if (!isfinite(outputs[m]))
            return PM_ERR_NONFINITE;
        saturated |= q->bound > 0 && fabs(outputs[m]) >= q->bound;
    }
    /* Step 0 has no predecessor: its change counts as 0 (only measured when warmup = 0). */
    const double change = q->steps > 0 ? fabs(steering - q->last_steering) : 0.0;
    if (q->steps >= q->cfg.warmup) {
        q->change[q->head] = change;
        q->sat[q->head] = (unsigned char)saturated;
        q->head = q->head + 1 == q->cfg.hold ? 0 : q->head + 1;
        if (q->filled < q->cfg.hold)
            q->filled++;
    }
    q->last_steering = steering;
    q->steps++;
    return PM_OK;
}

pm_status pm_quality_get(const pm_quality *q, pm_quality_result *out)
{
    if (!q || !out)
        return PM_ERR_ARG;
    memset(out, 0, sizeof *out);
    out->steps = q->steps;
    out->measured = q->filled;
    out->saturation_defined = q->bound > 0;
    out->saturation = NAN;
    out->chatter = NAN;
    if (q->filled == 0)
        return PM_OK;
    /* Sum in step order, oldest first: the ring starts at head once it is full, at 0 before. */
    const int hold = q->cfg.hold;
    int i = q->filled == hold ? q->head : 0;
    double sum = 0.0;
    long nsat = 0;
    for (long k = 0; k < q->filled; k++) {
        sum += q->change[i];
        nsat += q->sat[i];
        i = i + 1 == hold ? 0 : i + 1;
    }
    out->chatter = sum / (double)q->filled;
    if (out->saturation_defined)
        out->saturation = (double)nsat / (double)q->filled;
    return PM_OK;
}

int pm_quality_smooth_success(const pm_quality *q, int success)
{
    pm_quality_result r;
    if (!success || pm_quality_get(q, &r) != PM_OK)
        return 0;
    return r.chatter <= q->cfg.max_chatter;   /* NaN compares false: no measured steps, not smooth */
}

double pm_net_max_abs_weight(const pm_net *net)
{
    if (!net)
        return NAN;
    double m = 0.0;
    for (int l = 0; l < pm_net_n_layers(net); l++) {
        int rows = 0, cols = 0;
        const double *w = pm_net_layer_weights(net, l, &rows, &cols);
        const long n = (long)rows * cols;
        for (long k = 0; k < n; k++) {
            const double a = fabs(w[k]);
            m = a > m ? a : m;
        }
    }
    return m;
}
