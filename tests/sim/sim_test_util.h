/* Helpers shared by the sim tests: synthetic textures and a pure reflex driver. */
#ifndef PRIMOD_TESTS_SIM_UTIL_H
#define PRIMOD_TESTS_SIM_UTIL_H

#include <math.h>
#include <stdlib.h>

#include "primod/sim.h"

/* Grey of a world point (units): 0 black .. 1 white. */
typedef double (*grey_fn)(double x, double y, const double *arg);

/* A w x h world at ppu whose pixel (px, py) is f(px/ppu, (h - py)/ppu) — the documented pixel/world mapping,
 * written here independently of the library. Returns NULL on failure. */
static inline pm_world *make_world(int w, int h, double ppu, grey_fn f, const double *arg)
{
    float *g = malloc((size_t)w * (size_t)h * sizeof *g);
    if (!g)
        return NULL;
    for (int py = 0; py < h; py++)
        for (int px = 0; px < w; px++)
            g[(size_t)py * w + px] = (float)f(px / ppu, (h - py) / ppu, arg);
    pm_world *wd = NULL;
    if (pm_world_from_pixels(g, w, h, ppu, &wd) != PM_OK)
        wd = NULL;
    free(g);
    return wd;
}

static inline double grey_white(double x, double y, const double *arg)
{
    (void)x, (void)y, (void)arg;
    return 1.0;
}

static inline double grey_black(double x, double y, const double *arg)
{
    (void)x, (void)y, (void)arg;
    return 0.0;
}

/* A straight horizontal line y = arg[0] of width arg[1], drawn like the built-in tracks: black within half the
 * width, a linear 1-pixel antialiased edge (arg[2] = ppu). */
static inline double grey_hline(double x, double y, const double *arg)
{
    (void)x;
    double g = (fabs(y - arg[0]) - 0.5 * arg[1]) * arg[2] + 0.5;
    return g < 0 ? 0 : (g > 1 ? 1 : g);
}

/* Drives the sim with the pure reflex (SPEC §5 without a network: s = E, wheels v + s, v - s) for n steps;
 * returns the number of steps at which no sensor saw the line. */
static inline int drive_reflex(pm_sim *s, double v, int n)
{
    int lost = 0;
    for (int i = 0; i < n; i++) {
        pm_sim_reading r;
        if (pm_sim_sense(s, &r, NULL) != PM_OK)
            return n + 1;
        lost += !r.line_seen;
        if (pm_sim_step(s, v + r.error, v - r.error) != PM_OK)
            return n + 1;
    }
    return lost;
}

#endif
