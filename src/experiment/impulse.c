/* Impulse response of the closed reflex loop on a straight line (the closed-loop transfer the paper analyses in
 * z-space): the robot runs centred on a straight line, its steering gets one kick, and E(n) is recorded. */
#include "primod/impulse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "primod/loop.h"
#include "primod/plot.h"
#include "primod/sim.h"
#include "primod/run.h"

#define WORLD_WIDTH 100.0   /* units; the line runs up the middle */
#define START_Y 15.0        /* units from the bottom edge, so the sensors (10 ahead) start on the texture */

/* The straight vertical line world: (h, w) grey pixels, black where |x - line| <= width/2. */
static int make_line_world(const pm_config *cfg, const pm_impulse_spec *spec, pm_world **out, char *err)
{
    double travel = spec->steps * cfg->dt * cfg->max_wheel_speed;   /* no step moves the centre farther */
    double height = START_Y + travel + 30.0;
    int w = (int)lround(WORLD_WIDTH * cfg->ppu), h = (int)ceil(height * cfg->ppu);
    if (h > 16384) {
        snprintf(err, PM_CFG_ERR_MAX, "--steps %d: the straight line would need %d px (max 16384): use fewer steps",
                 spec->steps, h);
        return 2;
    }
    float *px = malloc((size_t)w * (size_t)h * sizeof *px);
    if (!px) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        return 1;
    }
    double centre = WORLD_WIDTH / 2 * cfg->ppu, half = spec->line_width / 2 * cfg->ppu;
    for (int c = 0; c < w; c++) {
        float v = fabs(c - centre) <= half ? 0.0f : 1.0f;   /* pixel c sits at world x = c / ppu (sim.h) */
        for (int r = 0; r < h; r++)
            px[(size_t)r * (size_t)w + (size_t)c] = v;
    }
    pm_status st = pm_world_from_pixels(px, w, h, cfg->ppu, out);
    free(px);
    if (st)
        snprintf(err, PM_CFG_ERR_MAX, "straight-line world: %s", pm_status_str(st));
    return st == PM_OK ? 0 : st == PM_ERR_NOMEM ? 1 : 2;
}

static int check_spec(const pm_impulse_spec *s, char *err)
{
    if (s->steps < 1 || s->steps > 100000)
        snprintf(err, PM_CFG_ERR_MAX, "--steps %d: expected 1..100000", s->steps);
    else if (s->kick_step < 0 || s->kick_step >= s->steps)
        snprintf(err, PM_CFG_ERR_MAX, "--kick-step %d: expected 0..steps-1 (%d)", s->kick_step, s->steps - 1);
    else if (!isfinite(s->kick))
        snprintf(err, PM_CFG_ERR_MAX, "--kick: not finite");
    else if (!(s->line_width > 0 && s->line_width < WORLD_WIDTH / 2))
        snprintf(err, PM_CFG_ERR_MAX, "--line-width %g: expected (0, %g)", s->line_width, WORLD_WIDTH / 2);
    else
        return 0;
    return 2;
}

/* Steps the reflex loop on the line world, filling res (the sim and loop are built from the configs that the
 * runner derives from cfg, so the impulse uses exactly the sensors and gains of `primod run`). */
static int simulate(const pm_sim_config *sc, pm_loop_config *lc, const pm_world *world, int substeps,
                    const pm_impulse_spec *spec, pm_impulse_result *res, char *err)
{
    pm_sim *sim = NULL;
    pm_loop *loop = NULL;
    pm_status st = pm_sim_create(sc, world, &sim);
    if (!st)
        st = pm_sim_set_pose(sim, WORLD_WIDTH / 2, START_Y, acos(-1.0) / 2);
    if (!st)
        st = pm_loop_create(lc, &loop);
    double *pred = sim ? malloc((size_t)pm_sim_n_predictors(sim) * sizeof *pred) : NULL;
    if (!st && !pred)
        st = PM_ERR_NOMEM;
    for (int n = 0; !st && n < spec->steps; n++) {
        pm_sim_reading rd;
        pm_loop_output o;
        pm_sim_pose(sim, &res->x[n], &res->y[n], &res->heading[n]);
        st = pm_sim_sense(sim, &rd, pred);
        pm_loop_input in = {.error = rd.error, .predictors = pred, .line_seen = rd.line_seen};
        if (!st)
            st = pm_loop_step(loop, &in, &o);
        double kick = n == spec->kick_step ? spec->kick : 0.0;
        res->error[n] = rd.error;
        res->steering[n] = o.steering + kick;
        res->offset[n] = res->x[n] - WORLD_WIDTH / 2;
        for (int k = 0; !st && k < substeps; k++)
            st = pm_sim_step(sim, o.left + kick, o.right - kick);
    }
    if (st)
        snprintf(err, PM_CFG_ERR_MAX, "impulse: %s", pm_status_str(st));
    free(pred);
    pm_loop_destroy(loop);
    pm_sim_destroy(sim);
    return st == PM_OK ? 0 : st == PM_ERR_NOMEM ? 1 : 2;
}

int pm_impulse_run(const pm_config *cfg, const pm_impulse_spec *spec, pm_impulse_result *res, char *err)
{
    if (check_spec(spec, err))
        return 2;
    pm_config c = *cfg;
    c.rule = PM_CFG_RULE_REFLEX;   /* the reflex loop alone: no network */
    c.wheel_noise = 0;             /* a deterministic impulse response */
    pm_runner *r;
    int rc = pm_runner_create(&c, NULL, &r, err);
    if (rc)
        return rc;
    pm_world *world = NULL;
    rc = make_line_world(&c, spec, &world, err);
    if (!rc) {
        pm_sim_config sc = *pm_sim_get_config(pm_runner_sim(r));
        pm_loop_config lc = pm_loop_get_config(pm_runner_loop(r));
        lc.learn = 0;
        rc = simulate(&sc, &lc, world, c.substeps, spec, res, err);
    }
    pm_world_destroy(world);
    pm_runner_destroy(r);
    return rc;
}

int pm_impulse_draw(const pm_config *cfg, const pm_impulse_spec *spec, const pm_impulse_result *res,
                    const char *dir, const char *ext, char *err)
{
    pm_plot_series e = {NULL, NULL, res->error, spec->steps};
    pm_plot_series s = {NULL, NULL, res->steering, spec->steps};
    pm_plot_series d = {NULL, NULL, res->offset, spec->steps};
    pm_plot_panel panels[3] = {{"reflex error E(n)", &e, 1},
                               {"steering s(n) (units/s)", &s, 1},
                               {"offset from line (units)", &d, 1}};
    char title[200], path[PM_CFG_PATH_MAX + 64];
    snprintf(title, sizeof title, "Reflex loop impulse response: kick %g units/s at step %d, speed %g units/s",
             spec->kick, spec->kick_step, cfg->speed);
    pm_plot_timeseries_spec ts = {.panels = panels, .n_panels = 3, .xlabel = "step n", .title = title};
    snprintf(path, sizeof path, "%s/impulse.%s", dir, ext);
    pm_status st = pm_plot_timeseries(path, &ts);
    if (st) {
        snprintf(err, PM_CFG_ERR_MAX, "%.400s: %s", path, pm_status_str(st));
        return -1;
    }
    return 0;
}
