/* Success detector of SPEC §6: windowed sum of |E| after a warm-up, held below a threshold for `hold` steps. */
#include "primod/loop.h"

#include <math.h>
#include <stdlib.h>

struct pm_success {
    pm_success_config cfg;
    long n;              /* values pushed so far; the next push is step n */
    double *ring;        /* (window) |E| of the last `window` steps, ring[m % window] = |E(m)| */
    double sum;          /* sum of ring = S(n-1) once counted */
    double last_s;       /* S of the last pushed step, -1 if it was not counted */
    long run;            /* length of the current run of counted steps with S < threshold */
    long declared;       /* step at which success was declared, -1 */
};

pm_success_config pm_success_config_paper(void)
{
    pm_success_config c = {.warmup = 200, .window = 200, .hold = 200, .threshold = 0.1};
    return c;
}

pm_status pm_success_create(const pm_success_config *cfg, pm_success **out)
{
    if (!cfg || !out)
        return PM_ERR_ARG;
    if (cfg->warmup < 0 || cfg->window < 1 || cfg->hold < 1 || !isfinite(cfg->threshold) || !(cfg->threshold > 0))
        return PM_ERR_ARG;
    pm_success *s = malloc(sizeof *s + (size_t)cfg->window * sizeof(double));
    if (!s)
        return PM_ERR_NOMEM;
    s->cfg = *cfg;
    s->ring = (double *)(s + 1);
    pm_success_reset(s);
    *out = s;
    return PM_OK;
}

void pm_success_destroy(pm_success *s)
{
    free(s);
}

void pm_success_reset(pm_success *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->cfg.window; i++)
        s->ring[i] = 0.0;
    s->n = 0;
    s->sum = 0.0;
    s->last_s = -1.0;
    s->run = 0;
    s->declared = -1;
}

pm_status pm_success_push(pm_success *s, double error)
{
    if (!s)
        return PM_ERR_ARG;
    if (!isfinite(error))
        return PM_ERR_NONFINITE;
    const double a = fabs(error);
    const int w = s->cfg.window;
    const int slot = (int)(s->n % w);
    /* Running window sum, O(1) per step; re-summed exactly once per revolution of the ring so rounding error
     * stays at the level of one window's additions instead of growing with the run length. */
    s->sum += a - s->ring[slot];
    s->ring[slot] = a;
    if (slot == w - 1) {
        double exact = 0.0;
        for (int i = 0; i < w; i++)
            exact += s->ring[i];
        s->sum = exact;
    }
    const long n = s->n++;
    /* SPEC §6: S(n) counts only once the whole window n-window+1..n lies after the warm-up. */
    if (n < (long)s->cfg.warmup + w - 1) {
        s->last_s = -1.0;
        return PM_OK;
    }
    s->last_s = s->sum;
    s->run = s->sum < s->cfg.threshold ? s->run + 1 : 0;
    if (s->declared < 0 && s->run >= s->cfg.hold)
        s->declared = n;
    return PM_OK;
}

long pm_success_steps(const pm_success *s)
{
    return s ? s->n : 0;
}

int pm_success_reached(const pm_success *s)
{
    return s && s->declared >= 0;
}

long pm_success_step(const pm_success *s)
{
    /* the run that reached `hold` started hold - 1 steps before the declaration */
    return pm_success_reached(s) ? s->declared - s->cfg.hold + 1 : -1;
}

long pm_success_declared_step(const pm_success *s)
{
    return pm_success_reached(s) ? s->declared : -1;
}

double pm_success_window_sum(const pm_success *s)
{
    return s ? s->last_s : -1.0;
}
