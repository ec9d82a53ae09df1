/* Reflex of the real robot (SPEC §7): running-extreme calibration and E = sum_k w_k (s_k - s_(7-k)) / divisor. */
#include "primod/reflex.h"

#include <math.h>
#include <stddef.h>

void pm_reflex_config_paper(pm_reflex_config *cfg)
{
    *cfg = (pm_reflex_config){.weights = {7, 5, 0, 0}, .divisor = 200, .full_scale = 255, .min_span = 20,
                              .line_level = 0.5};
}

static int config_ok(const pm_reflex_config *c)
{
    for (int k = 0; k < PM_REFLEX_PAIRS; k++)
        if (!isfinite(c->weights[k]))
            return 0;
    return isfinite(c->divisor) && c->divisor != 0 && isfinite(c->full_scale) && c->full_scale > 0 &&
           isfinite(c->min_span) && c->min_span > 0 && c->min_span <= 255 && isfinite(c->line_level);
}

pm_status pm_reflex_init(pm_reflex *r, const pm_reflex_config *cfg)
{
    if (!r || !cfg || !config_ok(cfg))
        return PM_ERR_ARG;
    r->cfg = *cfg;
    for (int i = 0; i < PM_REFLEX_N; i++) {
        r->black[i] = 255; /* inverted extremes: the first observation sets both */
        r->white[i] = 0;
    }
    return PM_OK;
}

void pm_reflex_observe(pm_reflex *r, const uint8_t raw[PM_REFLEX_N])
{
    if (!r || !raw)
        return;
    for (int i = 0; i < PM_REFLEX_N; i++) {
        if (raw[i] < r->black[i])
            r->black[i] = raw[i];
        if (raw[i] > r->white[i])
            r->white[i] = raw[i];
    }
}

pm_status pm_reflex_set_calibration(pm_reflex *r, const double black[PM_REFLEX_N], const double white[PM_REFLEX_N])
{
    if (!r || !black || !white)
        return PM_ERR_ARG;
    for (int i = 0; i < PM_REFLEX_N; i++)
        if (!(black[i] >= 0 && black[i] <= 255 && white[i] >= 0 && white[i] <= 255))
            return PM_ERR_ARG; /* also refuses NaN */
    for (int i = 0; i < PM_REFLEX_N; i++) {
        r->black[i] = black[i];
        r->white[i] = white[i];
    }
    return PM_OK;
}

/* Sensor i matters if either pair it belongs to has a nonzero weight. */
static int weighted(const pm_reflex *r, int i)
{
    int k = i < PM_REFLEX_PAIRS ? i : PM_REFLEX_N - 1 - i;
    return r->cfg.weights[k] != 0;
}

int pm_reflex_calibrated(const pm_reflex *r)
{
    if (!r)
        return 0;
    for (int i = 0; i < PM_REFLEX_N; i++)
        if (weighted(r, i) && r->white[i] - r->black[i] < r->cfg.min_span)
            return 0;
    return 1;
}

pm_status pm_reflex_normalise(const pm_reflex *r, const uint8_t raw[PM_REFLEX_N], double s[PM_REFLEX_N])
{
    if (!r || !raw || !s || !pm_reflex_calibrated(r))
        return PM_ERR_ARG;
    for (int i = 0; i < PM_REFLEX_N; i++) {
        double span = r->white[i] - r->black[i];
        /* an unweighted, uncalibrated sensor reads mid-scale: it cannot move E and says nothing of the line */
        double v = span > 0 ? r->cfg.full_scale * (raw[i] - r->black[i]) / span : 0.5 * r->cfg.full_scale;
        s[i] = v < 0 ? 0 : (v > r->cfg.full_scale ? r->cfg.full_scale : v);
    }
    return PM_OK;
}

pm_status pm_reflex_error(const pm_reflex *r, const uint8_t raw[PM_REFLEX_N], double *error, int *line_seen)
{
    double s[PM_REFLEX_N];
    if (!error)
        return PM_ERR_ARG;
    pm_status st = pm_reflex_normalise(r, raw, s);
    if (st)
        return st;
    double e = 0;
    int seen = 0;
    for (int k = 0; k < PM_REFLEX_PAIRS; k++)
        e += r->cfg.weights[k] * (s[k] - s[PM_REFLEX_N - 1 - k]);
    for (int i = 0; i < PM_REFLEX_N; i++)
        seen |= s[i] < r->cfg.line_level * r->cfg.full_scale;
    *error = e / r->cfg.divisor;
    if (line_seen)
        *line_seen = seen;
    return PM_OK;
}
