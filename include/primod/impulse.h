/* Impulse response of the closed reflex loop on a straight line: kick the steering once, record E(n). */
#ifndef PRIMOD_IMPULSE_H
#define PRIMOD_IMPULSE_H

#include "primod/config.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    int steps;          /* steps recorded, 1..100000 */
    int kick_step;      /* step at which the kick is added to the steering, 0..steps-1 (1 by default) */
    double kick;        /* units/s added to the steering s at kick_step (left wheel +kick, right -kick) */
    double line_width;  /* units (SPEC §6: about 2.75) */
} pm_impulse_spec;

/* Result arrays, each (steps) entries, caller-owned. */
typedef struct {
    double *error;      /* E(n) */
    double *steering;   /* s(n) with the kick included, units/s */
    double *offset;     /* lateral position of the robot's centre relative to the line, units (+ = right of it
                         * when looking along the direction of travel) */
    double *x, *y, *heading; /* pose before the step's motion, world units and rad */
} pm_impulse_result;

/* Runs the reflex loop (rule reflex, no learning, no wheel noise) with the sensors, robot and filter settings of
 * cfg on a straight vertical line (pm_world_from_pixels, 100 units wide, tall enough for the whole run), the
 * robot starting centred on the line heading along it (+y). At kick_step the steering gets +kick. Fills every
 * array of res. Returns 0, 2 (bad spec or config) or 1 (no memory) with one line in err (PM_CFG_ERR_MAX). */
int pm_impulse_run(const pm_config *cfg, const pm_impulse_spec *spec, pm_impulse_result *res, char *err);

/* Draws E(n), the steering and the lateral offset over time into dir/impulse.EXT (ext "png" or "svg").
 * Returns 0 or -1 with a message in err (PM_CFG_ERR_MAX bytes). */
int pm_impulse_draw(const pm_config *cfg, const pm_impulse_spec *spec, const pm_impulse_result *res,
                    const char *dir, const char *ext, char *err);

#ifdef __cplusplus
}
#endif

#endif
