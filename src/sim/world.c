/* The ground texture of the line-follower world: allocation, copying from pixels, accessors. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "sim/world_internal.h"

int pm_world_ppu_ok_(double ppu)
{
    return isfinite(ppu) && ppu > 0.0 && ppu <= 64.0;
}

size_t pm_world_estimate_bytes(int w_px, int h_px, const pm_sim_config *c)
{
    if (w_px < 1 || h_px < 1 || w_px > PM_WORLD_MAX_SIDE || h_px > PM_WORLD_MAX_SIDE)
        return SIZE_MAX;
    size_t npx = (size_t)w_px * (size_t)h_px;  /* <= 2^28: no overflow below */
    return sizeof(pm_world) + npx * sizeof(float) + pm_sim_peak_bytes_(w_px, h_px, c);
}

pm_status pm_world_alloc_(int w, int h, double ppu, const char *name, const pm_setup *opt, const char *what,
                          pm_world **out)
{
    if (!out || w < 1 || h < 1 || w > PM_WORLD_MAX_SIDE || h > PM_WORLD_MAX_SIDE || !pm_world_ppu_ok_(ppu))
        return PM_ERR_ARG;
    /* Refuse before allocating what could never be used: every sim on the world needs one blurred map too. */
    size_t need = pm_world_estimate_bytes(w, h, NULL), budget = pm_setup_budget_(opt);
    if (need > budget)
        return pm_setup_fail_(opt, PM_ERR_LIMIT,
                              "%s is %d x %d px: its texture and sensor map need %llu MiB, over the %llu MiB budget",
                              what, w, h, pm_setup_mib_(need), pm_setup_mib_(budget));
    pm_world *wd = malloc(sizeof *wd + (size_t)w * (size_t)h * sizeof(float));
    if (!wd)
        return PM_ERR_NOMEM;
    wd->w = w;
    wd->h = h;
    wd->ppu = ppu;
    wd->name = name;
    wd->has_start = 0;
    wd->start_x = wd->start_y = wd->start_heading = 0.0;
    *out = wd;
    return PM_OK;
}

pm_status pm_world_from_pixels(const float *grey, int w, int h, double ppu, pm_world **out)
{
    if (!grey || !out || w < 1 || h < 1 || w > PM_WORLD_MAX_SIDE || h > PM_WORLD_MAX_SIDE)
        return PM_ERR_ARG;
    size_t n = (size_t)w * (size_t)h;
    /* Validate everything before allocating, so a refusal has nothing to undo. */
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(grey[i]))
            return PM_ERR_NONFINITE;
        if (grey[i] < 0.0f || grey[i] > 1.0f)
            return PM_ERR_ARG;
    }
    pm_world *wd;
    pm_status st = pm_world_alloc_(w, h, ppu, "pixels", NULL, "pixel texture", &wd);
    if (st)
        return st;
    for (size_t i = 0; i < n; i++)
        wd->px[i] = grey[i];
    *out = wd;
    return PM_OK;
}

/* Dark-weighted centroid and principal axis (pixel coordinates) of the pixels within r px of (cx, cy); returns
 * the total weight (0: nothing dark there). Weight = darkness 1 - grey of pixels darker than the line grey. */
static double dark_moments(const pm_world *w, double cx, double cy, double r, double *mx, double *my, double *axis)
{
    int x0 = (int)fmax(0.0, floor(cx - r)), x1 = (int)fmin(w->w - 1.0, ceil(cx + r));
    int y0 = (int)fmax(0.0, floor(cy - r)), y1 = (int)fmin(w->h - 1.0, ceil(cy + r));
    double sw = 0, sx = 0, sy = 0, sxx = 0, syy = 0, sxy = 0;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            double g = w->px[(size_t)y * (size_t)w->w + (size_t)x];
            if (g >= PM_WORLD_LINE_GREY || (x - cx) * (x - cx) + (y - cy) * (y - cy) > r * r)
                continue;
            double k = 1.0 - g;
            sw += k, sx += k * x, sy += k * y, sxx += k * x * x, syy += k * y * y, sxy += k * x * y;
        }
    if (sw <= 0.0)
        return 0.0;
    *mx = sx / sw;
    *my = sy / sw;
    double cxx = sxx / sw - *mx * *mx, cyy = syy / sw - *my * *my, cxy = sxy / sw - *mx * *my;
    *axis = 0.5 * atan2(2.0 * cxy, cxx - cyy);  /* direction of largest spread, in image axes (y down) */
    return sw;
}

void pm_world_guess_start_(pm_world *w)
{
    /* anchor: the dark pixel nearest the bottom centre of the image */
    double best = -1.0, ax = 0.0, ay = 0.0;
    for (int y = 0; y < w->h; y++)
        for (int x = 0; x < w->w; x++) {
            if (w->px[(size_t)y * (size_t)w->w + (size_t)x] >= PM_WORLD_LINE_GREY)
                continue;
            double d = (x - 0.5 * w->w) * (x - 0.5 * w->w) + (double)(w->h - 1 - y) * (w->h - 1 - y);
            if (best < 0.0 || d < best)
                best = d, ax = x, ay = y;
        }
    if (best < 0.0)
        return;
    /* two passes: the anchor lies on the line's edge; the centroid of the dark disc around it is on the
     * line's middle (the disc, 4 units across each way, spans a ~2.75-unit line), the second pass recentres */
    double r = fmax(3.0, 4.0 * w->ppu), mx = ax, my = ay, axis = 0.0;
    for (int pass = 0; pass < 2; pass++)
        if (dark_moments(w, mx, my, r, &mx, &my, &axis) <= 0.0)
            return;
    double x = mx / w->ppu, y = (w->h - my) / w->ppu;
    double dx = cos(axis), dy = -sin(axis);  /* image y down -> world y up */
    /* travel counter-clockwise about the texture centre: (p - centre) x dir > 0 */
    if ((x - 0.5 * w->w / w->ppu) * dy - (y - 0.5 * w->h / w->ppu) * dx < 0.0)
        dx = -dx, dy = -dy;
    w->has_start = 1;
    w->start_x = x;
    w->start_y = y;
    w->start_heading = atan2(dy, dx);
}

void pm_world_destroy(pm_world *w)
{
    free(w);
}

int pm_world_width_px(const pm_world *w)
{
    return w ? w->w : 0;
}

int pm_world_height_px(const pm_world *w)
{
    return w ? w->h : 0;
}

double pm_world_ppu(const pm_world *w)
{
    return w ? w->ppu : 0.0;
}

void pm_world_size(const pm_world *w, double *width, double *height)
{
    if (!w)
        return;
    if (width)
        *width = w->w / w->ppu;
    if (height)
        *height = w->h / w->ppu;
}

const float *pm_world_pixels(const pm_world *w)
{
    return w ? w->px : NULL;
}

const char *pm_world_name(const pm_world *w)
{
    return w ? w->name : "";
}

pm_status pm_world_start_pose(const pm_world *w, double *x, double *y, double *heading)
{
    if (!w || !x || !y || !heading || !w->has_start)
        return PM_ERR_ARG;
    *x = w->start_x;
    *y = w->start_y;
    *heading = w->start_heading;
    return PM_OK;
}
