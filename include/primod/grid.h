/* Camera predictor grid of the real robot (SPEC §7): mirrored cell differences in a band near the image bottom. */
#ifndef PRIMOD_GRID_H
#define PRIMOD_GRID_H

#include <stdint.h>

#include "primod/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Geometry and scaling; plain value type. The band is split at its vertical centre line into a left and a right
 * half; each half is cut into `rows` rows x `cells` cells, cell 0 next to the centre line, cell index growing
 * outward, row 0 at the bottom of the band (the nearest ground). Cell boundaries are integer pixel positions
 * c * (band_w/2) / cells and r * band_h / rows, so any size works and left/right cells mirror exactly. */
typedef struct {
    int width, height;     /* image size, px */
    int band_x, band_y;    /* top-left corner of the band, px */
    int band_w, band_h;    /* band size, px; band_w even, band inside the image */
    int rows;              /* >= 1, <= band_h */
    int cells;             /* per side, >= 1, <= band_w / 2 */
    double scale;          /* predictor = scale * (darkness(left cell) - darkness(right cell)), finite, > 0 */
    double clamp;          /* every predictor is clipped to [-clamp, clamp], finite, > 0 */
} pm_grid_config;

/* SPEC §7 as published: 640 x 480 image, band 600 x 120 with its bottom 20 px above the image bottom
 * (x 20, y 340), 8 rows x 6 cells per side -> 48 predictors, scale 0.1, clamp 0.1 (about +-0.1). */
void pm_grid_config_paper(pm_grid_config *cfg);
/* PM_OK if the config is usable, PM_ERR_ARG otherwise (band outside the image, odd band_w, too many cells...). */
pm_status pm_grid_check(const pm_grid_config *cfg);
/* rows * cells, or 0 for a bad config. */
int pm_grid_n_predictors(const pm_grid_config *cfg);

/* Computes the predictors from grey (height, width; 0 = black) into out (rows, cells), index r * cells + c:
 * out = clip(scale * (dL - dR), +-clamp), where dL, dR are the mean darkness 1 - grey/255 of the left cell c and
 * its mirror image on the right. A dark line left of centre gives positive values. Overwrites out; no allocation.
 * PM_ERR_ARG for NULL or a bad config (out untouched). */
pm_status pm_grid_compute(const pm_grid_config *cfg, const uint8_t *grey, double *out);

/* Road-curvature relevance on the grid (SPEC §3 on the robot's rows): in rows 0 and 1 the cell with the largest
 * |predictor| marks the line; as a lateral index across the row (right cells cells-1..0, left cells 0..cells-1
 * -> indices 0 .. 2 cells - 1, left to the high side), R = 1 + |k1 - k0|. A row whose largest |predictor| is not
 * above threshold sees no line: R = 1. Needs rows >= 2 (else R = 1). PM_ERR_ARG for NULL or a bad config,
 * PM_ERR_NONFINITE for a NaN/inf predictor (*r untouched). */
pm_status pm_grid_curvature(const pm_grid_config *cfg, const double *pred, double threshold, double *r);

#ifdef __cplusplus
}
#endif
#endif
