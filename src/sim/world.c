/* The ground texture of the line-follower world: allocation, copying from pixels, accessors. */
#include <math.h>
#include <stdlib.h>

#include "sim/world_internal.h"

int pm_world_ppu_ok_(double ppu)
{
    return isfinite(ppu) && ppu > 0.0 && ppu <= 64.0;
}

pm_status pm_world_alloc_(int w, int h, double ppu, const char *name, pm_world **out)
{
    if (!out || w < 1 || h < 1 || w > PM_WORLD_MAX_SIDE || h > PM_WORLD_MAX_SIDE || !pm_world_ppu_ok_(ppu))
        return PM_ERR_ARG;
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
    pm_status st = pm_world_alloc_(w, h, ppu, "pixels", &wd);
    if (st)
        return st;
    for (size_t i = 0; i < n; i++)
        wd->px[i] = grey[i];
    *out = wd;
    return PM_OK;
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
