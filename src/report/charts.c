/* Chart figures from plain arrays: stacked time series, weight distance per layer, box plots, xy lines. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "primod/plot.h"
#include "primod/stats.h"
#include "report/canvas.h"

#define MARGIN_L 84.0
#define MARGIN_R 24.0
#define MARGIN_T 46.0
#define MARGIN_B 62.0

/* Data bounds of a set of series, checking every value: x of sample i is s->x[i] or x0 + i dx.
 * PM_ERR_ARG for empty/NULL series or non-positive values on a log axis; PM_ERR_NONFINITE for NaN/inf.
 * b = {xlo, xhi, ylo, yhi}. */
static pm_status series_bounds(const pm_plot_series *s, int ns, double x0, double dx, int log_x, int log_y,
                               double b[4])
{
    if (!s || ns < 1)
        return PM_ERR_ARG;
    for (int k = 0; k < ns; k++) {
        pm_status st = pm_check_finite(s[k].y, s[k].n, 1);
        if (!st && s[k].x)
            st = pm_check_finite(s[k].x, s[k].n, 1);
        if (st)
            return st;
        double xlo = s[k].x ? 0 : x0, xhi = s[k].x ? 0 : x0 + (s[k].n - 1) * dx, ylo, yhi;
        if (!isfinite(xhi))
            return PM_ERR_NONFINITE;
        if (s[k].x)
            pm_range(s[k].x, s[k].n, 1, &xlo, &xhi);
        pm_range(s[k].y, s[k].n, 1, &ylo, &yhi);
        if ((log_x && !(xlo > 0)) || (log_y && !(ylo > 0)))
            return PM_ERR_ARG;
        if (k == 0 || xlo < b[0])
            b[0] = xlo;
        if (k == 0 || xhi > b[1])
            b[1] = xhi;
        if (k == 0 || ylo < b[2])
            b[2] = ylo;
        if (k == 0 || yhi > b[3])
            b[3] = yhi;
    }
    return PM_OK;
}

/* Lines of every series in palette colours, then the legend at the top right of the plot area. */
static void draw_series(cairo_t *cr, const pm_axes *a, const pm_plot_series *s, int ns, double x0, double dx,
                        int markers)
{
    const char *labels[32];
    double rgb[32][3];
    for (int k = 0; k < ns; k++) {
        double c[3];
        pm_palette(k, c);
        pm_axes_line(cr, a, s[k].x, x0, dx, s[k].y, 1, s[k].n, c, 1.6);
        if (markers) {
            cairo_save(cr);
            pm_axes_clip(cr, a);
            cairo_set_source_rgb(cr, c[0], c[1], c[2]);
            for (int i = 0; i < s[k].n; i++) {
                double xv = s[k].x ? s[k].x[i] : x0 + i * dx;
                cairo_new_sub_path(cr);
                cairo_arc(cr, pm_axes_px(a, xv), pm_axes_py(a, s[k].y[i]), 3.5, 0, 2 * PM_PI);
            }
            cairo_fill(cr);
            cairo_restore(cr);
        }
        if (k < 32) {
            labels[k] = s[k].label;
            rgb[k][0] = c[0];
            rgb[k][1] = c[1];
            rgb[k][2] = c[2];
        }
    }
    pm_legend(cr, a->left + a->width, a->top, labels, (const double(*)[3])rgb, ns < 32 ? ns : 32);
}

static int or_default(int v, int def)
{
    return v ? v : def;
}

/* Chart pictures must leave room for margins, axes and labels. */
static pm_status chart_size(int w, int h)
{
    return w < 200 || h < 160 || w > PM_MAX_PX || h > PM_MAX_PX ? PM_ERR_ARG : PM_OK;
}

/* ---- timeseries ---------------------------------------------------------------------------------------- */

typedef struct {
    const pm_plot_timeseries_spec *spec;
    pm_axes axes[16];     /* one per panel, top to bottom */
    double dx;
    int w;
} timeseries_ctx;

static void draw_timeseries(cairo_t *cr, const void *p)
{
    const timeseries_ctx *t = p;
    const pm_plot_timeseries_spec *s = t->spec;
    pm_title(cr, t->w, s->title);
    for (int k = 0; k < s->n_panels; k++) {
        pm_axes_draw(cr, &t->axes[k], s->xlabel ? s->xlabel : "step", s->panels[k].ylabel, k == s->n_panels - 1);
        draw_series(cr, &t->axes[k], s->panels[k].series, s->panels[k].n_series, s->x0, t->dx, 0);
    }
}

pm_status pm_plot_timeseries(const char *path, const pm_plot_timeseries_spec *spec)
{
    int is_svg;
    pm_status st = pm_canvas_check_path(path, &is_svg);
    if (st)
        return st;
    if (!spec || !spec->panels || spec->n_panels < 1 || spec->n_panels > 16)
        return PM_ERR_ARG;
    if (!isfinite(spec->x0) || !isfinite(spec->dx))
        return PM_ERR_NONFINITE;
    int np = spec->n_panels;
    timeseries_ctx t = {.spec = spec, .dx = spec->dx != 0 ? spec->dx : 1.0};
    double b[4], xlo = 0, xhi = 0, ylo[16], yhi[16];
    for (int p = 0; p < np; p++) {
        if (spec->panels[p].n_series > 32)
            return PM_ERR_ARG;
        st = series_bounds(spec->panels[p].series, spec->panels[p].n_series, spec->x0, t.dx, 0, 0, b);
        if (st)
            return st;
        xlo = p == 0 || b[0] < xlo ? b[0] : xlo;
        xhi = p == 0 || b[1] > xhi ? b[1] : xhi;
        ylo[p] = b[2];
        yhi[p] = b[3];
    }
    int w = or_default(spec->width, 900), h = or_default(spec->height, 120 + 200 * np);
    if (chart_size(w, h))
        return PM_ERR_ARG;
    const double gap = 16;
    double ph = (h - MARGIN_T - MARGIN_B - gap * (np - 1)) / np;
    if (ph < 40)
        return PM_ERR_ARG;
    t.w = w;
    for (int p = 0; p < np; p++) { /* every panel shares the x range, so the steps line up */
        st = pm_axes_setup(&t.axes[p], MARGIN_L, MARGIN_T + p * (ph + gap), w - MARGIN_L - MARGIN_R, ph, xlo, xhi,
                           ylo[p], yhi[p], 0, 0);
        if (st)
            return st;
    }
    return pm_canvas_write(path, w, h, draw_timeseries, &t);
}

/* ---- weight distance per layer -------------------------------------------------------------------------- */

typedef struct {
    const pm_plot_weight_distance_spec *spec;
    pm_axes a;
    double dx;
    int w;
} wdist_ctx;

static void draw_weight_distance(cairo_t *cr, const void *p)
{
    const wdist_ctx *t = p;
    const pm_plot_weight_distance_spec *s = t->spec;
    int nl = s->n_layers;
    pm_title(cr, t->w, s->title);
    pm_axes_draw(cr, &t->a, s->xlabel ? s->xlabel : "step", "||W - W0|| (weight units)", 1);
    char names[64][24];
    const char *labels[64];
    double rgb[64][3];
    /* dark blue (first layer) -> orange (output layer): depth reads as a gradient, not as unrelated colours */
    static const double first[3] = {0.05, 0.20, 0.55}, lastc[3] = {0.95, 0.45, 0.05};
    for (int l = 0; l < nl; l++) {
        double f = nl > 1 ? (double)l / (nl - 1) : 0.0;
        for (int k = 0; k < 3; k++)
            rgb[l][k] = first[k] + f * (lastc[k] - first[k]);
        pm_axes_line(cr, &t->a, NULL, s->x0, t->dx, s->dist + l, nl, s->n_samples, rgb[l], 1.6);
        snprintf(names[l], sizeof names[l], "layer %d", l + 1);
        labels[l] = names[l];
    }
    pm_legend(cr, t->a.left + t->a.width, t->a.top, labels, (const double(*)[3])rgb, nl);
}

pm_status pm_plot_weight_distance(const char *path, const pm_plot_weight_distance_spec *spec)
{
    int is_svg;
    pm_status st = pm_canvas_check_path(path, &is_svg);
    if (st)
        return st;
    if (!spec || spec->n_samples < 1 || spec->n_layers < 1 || spec->n_layers > 64 ||
        spec->n_samples > INT_MAX / spec->n_layers)
        return PM_ERR_ARG;
    if (!isfinite(spec->x0) || !isfinite(spec->dx))
        return PM_ERR_NONFINITE;
    int nl = spec->n_layers, ns = spec->n_samples;
    st = pm_check_finite(spec->dist, ns * nl, 1);
    if (st)
        return st;
    wdist_ctx t = {.spec = spec, .dx = spec->dx != 0 ? spec->dx : 1.0};
    double ylo, yhi;
    pm_range(spec->dist, ns * nl, 1, &ylo, &yhi);
    if (spec->log_y && !(ylo > 0))
        return PM_ERR_ARG;
    int w = or_default(spec->width, 900), h = or_default(spec->height, 600);
    if (chart_size(w, h))
        return PM_ERR_ARG;
    t.w = w;
    st = pm_axes_setup(&t.a, MARGIN_L, MARGIN_T, w - MARGIN_L - MARGIN_R, h - MARGIN_T - MARGIN_B, spec->x0,
                       spec->x0 + (ns - 1) * t.dx, ylo, yhi, 0, spec->log_y);
    if (st)
        return st;
    return pm_canvas_write(path, w, h, draw_weight_distance, &t);
}

/* ---- box plots ------------------------------------------------------------------------------------------ */

/* Deterministic jitter in [-0.5, 0.5): fractional parts of i times the golden ratio spread evenly. */
static double jitter(int i)
{
    double v = (i + 1) * 0.6180339887498949;
    return v - floor(v) - 0.5;
}

static void draw_box(cairo_t *cr, const pm_axes *a, const pm_plot_group *g, int pos, const pm_stats_summary *s,
                     const double rgb[3])
{
    double iqr = s->q3 - s->q1, wlo = s->q3, whi = s->q1;
    for (int i = 0; i < g->n; i++) { /* Tukey whiskers: furthest points within 1.5 IQR of the box */
        if (g->x[i] >= s->q1 - 1.5 * iqr && g->x[i] < wlo)
            wlo = g->x[i];
        if (g->x[i] <= s->q3 + 1.5 * iqr && g->x[i] > whi)
            whi = g->x[i];
    }
    double xc = pm_axes_px(a, pos), half = 0.3 * (pm_axes_px(a, 1) - pm_axes_px(a, 0));
    double y1 = pm_axes_py(a, s->q1), y3 = pm_axes_py(a, s->q3);
    cairo_save(cr);
    cairo_set_line_width(cr, 1.5);
    cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], 0.25);
    cairo_rectangle(cr, xc - half, y3, 2 * half, y1 - y3);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_stroke(cr);
    cairo_set_line_width(cr, 3);
    cairo_move_to(cr, xc - half, pm_axes_py(a, s->median));
    cairo_line_to(cr, xc + half, pm_axes_py(a, s->median));
    cairo_stroke(cr);
    cairo_set_line_width(cr, 1.5);
    double ends[2][2] = {{s->q1, wlo}, {s->q3, whi}};
    for (int e = 0; e < 2; e++) {
        cairo_move_to(cr, xc, pm_axes_py(a, ends[e][0]));
        cairo_line_to(cr, xc, pm_axes_py(a, ends[e][1]));
        cairo_move_to(cr, xc - half / 2, pm_axes_py(a, ends[e][1]));
        cairo_line_to(cr, xc + half / 2, pm_axes_py(a, ends[e][1]));
        cairo_stroke(cr);
    }
    cairo_set_source_rgba(cr, rgb[0], rgb[1], rgb[2], 0.8);
    for (int i = 0; i < g->n; i++) {
        cairo_new_sub_path(cr);
        cairo_arc(cr, xc + jitter(i) * 1.2 * half, pm_axes_py(a, g->x[i]), 3.5, 0, 2 * PM_PI);
    }
    cairo_fill(cr);
    cairo_restore(cr);
}

typedef struct {
    const pm_plot_boxes_spec *spec;
    pm_stats_summary sum[64];
    pm_axes a;
    int w;
} boxes_ctx;

static void draw_boxes(cairo_t *cr, const void *p)
{
    const boxes_ctx *t = p;
    const pm_plot_boxes_spec *s = t->spec;
    pm_title(cr, t->w, s->title);
    pm_axes_draw(cr, &t->a, NULL, s->ylabel ? s->ylabel : "success step", 0);
    for (int k = 0; k < s->n_groups; k++) {
        double rgb[3], xc = pm_axes_px(&t->a, k + 1), yb = t->a.top + t->a.height;
        char buf[32];
        pm_palette(k, rgb);
        draw_box(cr, &t->a, &s->groups[k], k + 1, &t->sum[k], rgb);
        cairo_set_source_rgb(cr, 0, 0, 0);
        pm_draw_text(cr, xc, yb + 8, s->groups[k].label, 13, 0.5, 0, 0);
        snprintf(buf, sizeof buf, "n = %d", s->groups[k].n);
        pm_draw_text(cr, xc, yb + 28, buf, 12, 0.5, 0, 0);
    }
}

pm_status pm_plot_boxes(const char *path, const pm_plot_boxes_spec *spec)
{
    int is_svg;
    pm_status st = pm_canvas_check_path(path, &is_svg);
    if (st)
        return st;
    if (!spec || !spec->groups || spec->n_groups < 1 || spec->n_groups > 64)
        return PM_ERR_ARG;
    int ng = spec->n_groups;
    boxes_ctx *t = malloc(sizeof *t); /* 64 summaries: too big for a comfortable stack frame */
    if (!t)
        return PM_ERR_NOMEM;
    t->spec = spec;
    double ylo = 0, yhi = 0;
    for (int k = 0; k < ng && !st; k++) {
        st = pm_stats_summarize(spec->groups[k].x, spec->groups[k].n, &t->sum[k]);
        if (st)
            break;
        ylo = k == 0 || t->sum[k].min < ylo ? t->sum[k].min : ylo;
        yhi = k == 0 || t->sum[k].max > yhi ? t->sum[k].max : yhi;
    }
    int w = or_default(spec->width, 140 * ng > 500 ? 140 * ng : 500), h = or_default(spec->height, 600);
    if (!st && chart_size(w, h))
        st = PM_ERR_ARG;
    if (!st)
        st = pm_axes_setup(&t->a, MARGIN_L, MARGIN_T, w - MARGIN_L - MARGIN_R, h - MARGIN_T - MARGIN_B - 20, 0, 1,
                           ylo, yhi, 0, 0);
    if (!st) {
        t->a.x0 = 0.5; /* categorical x: group k sits at k + 1 */
        t->a.x1 = ng + 0.5;
        t->a.nxt = 0;
        t->w = w;
        st = pm_canvas_write(path, w, h, draw_boxes, t);
    }
    free(t);
    return st;
}

/* ---- xy ------------------------------------------------------------------------------------------------- */

typedef struct {
    const pm_plot_xy_spec *spec;
    pm_axes a;
    int w;
} xy_ctx;

static void draw_xy(cairo_t *cr, const void *p)
{
    const xy_ctx *t = p;
    pm_title(cr, t->w, t->spec->title);
    pm_axes_draw(cr, &t->a, t->spec->xlabel, t->spec->ylabel, 1);
    draw_series(cr, &t->a, t->spec->series, t->spec->n_series, 0, 1, t->spec->markers);
}

pm_status pm_plot_xy(const char *path, const pm_plot_xy_spec *spec)
{
    int is_svg;
    pm_status st = pm_canvas_check_path(path, &is_svg);
    if (st)
        return st;
    if (!spec || spec->n_series > 32)
        return PM_ERR_ARG;
    double b[4];
    st = series_bounds(spec->series, spec->n_series, 0, 1, spec->log_x, spec->log_y, b);
    if (st)
        return st;
    int w = or_default(spec->width, 800), h = or_default(spec->height, 600);
    if (chart_size(w, h))
        return PM_ERR_ARG;
    xy_ctx t = {.spec = spec, .w = w};
    st = pm_axes_setup(&t.a, MARGIN_L, MARGIN_T, w - MARGIN_L - MARGIN_R, h - MARGIN_T - MARGIN_B, b[0], b[1], b[2],
                       b[3], spec->log_x, spec->log_y);
    if (st)
        return st;
    return pm_canvas_write(path, w, h, draw_xy, &t);
}
