/* Camera predictor grid (SPEC §7): mean darkness of mirrored cells left and right of the centre line, differenced. */
#include "primod/grid.h"

#include <math.h>
#include <stddef.h>

void pm_grid_config_paper(pm_grid_config *cfg)
{
    *cfg = (pm_grid_config){.width = 640, .height = 480, .band_x = 20, .band_y = 340, .band_w = 600,
                            .band_h = 120, .rows = 8, .cells = 6, .scale = 0.1, .clamp = 0.1};
}

pm_status pm_grid_check(const pm_grid_config *c)
{
    if (!c || c->width < 2 || c->height < 1 || c->band_x < 0 || c->band_y < 0 || c->band_w < 2 ||
        c->band_w % 2 || c->band_h < 1 || c->band_w > c->width - c->band_x || c->band_h > c->height - c->band_y ||
        c->rows < 1 || c->rows > c->band_h || c->cells < 1 || c->cells > c->band_w / 2 ||
        !isfinite(c->scale) || c->scale <= 0 || !isfinite(c->clamp) || c->clamp <= 0)
        return PM_ERR_ARG;
    return PM_OK;
}

int pm_grid_n_predictors(const pm_grid_config *cfg)
{
    return pm_grid_check(cfg) ? 0 : cfg->rows * cfg->cells;
}

/* Mean darkness (0 white .. 1 black) of the rectangle x0 <= x < x1, y0 <= y < y1 of grey (., width). */
static double mean_darkness(const uint8_t *grey, int width, int x0, int x1, int y0, int y1)
{
    long sum = 0;
    for (int y = y0; y < y1; y++) {
        const uint8_t *row = grey + (size_t)y * (size_t)width;
        for (int x = x0; x < x1; x++)
            sum += 255 - row[x];
    }
    return (double)sum / (255.0 * (double)(x1 - x0) * (double)(y1 - y0));
}

pm_status pm_grid_compute(const pm_grid_config *c, const uint8_t *grey, double *out)
{
    if (!grey || !out || pm_grid_check(c))
        return PM_ERR_ARG;
    const int half = c->band_w / 2, centre = c->band_x + half, bottom = c->band_y + c->band_h;
    for (int r = 0; r < c->rows; r++) {
        /* row 0 is the bottom (nearest) strip of the band */
        int y1 = bottom - r * c->band_h / c->rows, y0 = bottom - (r + 1) * c->band_h / c->rows;
        for (int k = 0; k < c->cells; k++) {
            int d0 = k * half / c->cells, d1 = (k + 1) * half / c->cells; /* distance from the centre line */
            double left = mean_darkness(grey, c->width, centre - d1, centre - d0, y0, y1);
            double right = mean_darkness(grey, c->width, centre + d0, centre + d1, y0, y1);
            double p = c->scale * (left - right);
            out[r * c->cells + k] = p > c->clamp ? c->clamp : (p < -c->clamp ? -c->clamp : p);
        }
    }
    return PM_OK;
}

/* Lateral index of the line in one row (0 .. 2 cells - 1, rightmost cell 0), or -1 if the row sees no line. */
static int row_line_index(const double *row, int cells, double threshold)
{
    int best = -1;
    double best_mag = threshold;
    for (int k = 0; k < cells; k++)
        if (fabs(row[k]) > best_mag) {
            best_mag = fabs(row[k]);
            best = k;
        }
    if (best < 0)
        return -1;
    return row[best] > 0 ? cells + best : cells - 1 - best;
}

pm_status pm_grid_curvature(const pm_grid_config *c, const double *pred, double threshold, double *r)
{
    if (!pred || !r || pm_grid_check(c))
        return PM_ERR_ARG;
    for (int i = 0; i < c->rows * c->cells; i++)
        if (!isfinite(pred[i]))
            return PM_ERR_NONFINITE;
    if (c->rows < 2) {
        *r = 1.0;
        return PM_OK;
    }
    int k0 = row_line_index(pred, c->cells, threshold), k1 = row_line_index(pred + c->cells, c->cells, threshold);
    *r = (k0 < 0 || k1 < 0) ? 1.0 : 1.0 + fabs((double)(k1 - k0));
    return PM_OK;
}
