/* Private layout of pm_world shared by the world, track, PNG and sim sources of the sim module. */
#ifndef PRIMOD_SIM_WORLD_INTERNAL_H
#define PRIMOD_SIM_WORLD_INTERNAL_H

#include "core/setup_internal.h"
#include "primod/sim.h"

/* Lines (of max(w, h) doubles) of blur scratch a sim allocates: line, tmp and a block of 16 columns (sim.c). */
#define PM_SIM_SCRATCH_LINES 18

struct pm_world {
    int w, h;            /* texture size in pixels */
    double ppu;          /* pixels per world unit */
    const char *name;    /* static storage: built-in name, "png" or "pixels" */
    int has_start;       /* 1 for built-in tracks */
    double start_x, start_y, start_heading;  /* units, units, rad CCW from +x */
    float px[];          /* (h, w) grey 0 black .. 1 white, row 0 = top */
};

/* Most bytes pm_sim_create holds at once for a w x h px world with config c (NULL: one map) and keeps afterwards:
 * its own block, the sensor maps at worst (no white tile), the blur scratch (sim.c). w, h in [1, 16384]. */
size_t pm_sim_peak_bytes_(int w, int h, const pm_sim_config *c);

/* 1 if ppu is a usable pixels-per-unit value: finite, in (0, 64]. */
int pm_world_ppu_ok_(double ppu);

/* Allocates an uninitialised w x h world (one allocation, pixels included). PM_ERR_ARG for sizes outside
 * [1, PM_WORLD_MAX_SIDE] or a bad ppu; PM_ERR_LIMIT (opt->detail written, beginning with what) if the texture and one
 * sensor map exceed opt's budget; PM_ERR_NOMEM. what names the texture in messages, e.g. "PNG" or "track 'oval'". */
pm_status pm_world_alloc_(int w, int h, double ppu, const char *name, const pm_setup *opt, const char *what,
                          pm_world **out);

/* Gives a world without a start pose a guessed one (used for PNG tracks): on the middle of the line nearest the
 * image's bottom centre, heading along the line's local direction, counter-clockwise about the texture centre.
 * Does nothing if no pixel is darker than PM_WORLD_LINE_GREY. */
void pm_world_guess_start_(pm_world *w);

#endif
