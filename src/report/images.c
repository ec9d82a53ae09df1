/* Image figures: the world texture with the robot's trajectory, and the first layer's weights per filter. */
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "primod/plot.h"
#include "report/canvas.h"

/* ---- track ---------------------------------------------------------------------------------------------- */

#define TRACK_L 70.0
#define TRACK_R 130.0   /* room for the colour bar */
#define TRACK_T 46.0
#define TRACK_B 56.0

static pm_status check_track(const pm_plot_track_spec *s)
{
    if (!s || !s->pixels || s->tex_w < 1 || s->tex_h < 1 || s->tex_w > 32767 || s->tex_h > 32767 || s->n < 1 ||
        !s->x || !s->y || s->n_sensors < 0 || (s->n_sensors > 0 && (!s->sensor_x || !s->sensor_y)))
        return PM_ERR_ARG;
    if (!isfinite(s->ppu) || !isfinite(s->dt) || !isfinite(s->robot_width))
        return PM_ERR_NONFINITE;
    if (!(s->ppu > 0) || s->dt < 0 || s->robot_width < 0)
        return PM_ERR_ARG;
    size_t np = (size_t)s->tex_w * (size_t)s->tex_h;
    for (size_t i = 0; i < np; i++)
        if (!isfinite(s->pixels[i]))
            return PM_ERR_NONFINITE;
    pm_status st = pm_check_finite(s->x, s->n, 1);
    if (!st)
        st = pm_check_finite(s->y, s->n, 1);
    if (!st && s->value)
        st = pm_check_finite(s->value, s->n, 1);
    if (!st && s->heading)
        st = pm_check_finite(s->heading, s->n, 1);
    if (!st && s->n_sensors > 0)
        st = pm_check_finite(s->sensor_x, s->n_sensors, 1);
    if (!st && s->n_sensors > 0)
        st = pm_check_finite(s->sensor_y, s->n_sensors, 1);
    return st;
}

/* Grey texture as a cairo image; contrast is reduced (black -> 0.5 grey) so the coloured path stays visible
 * where it runs over the black line. NULL if cairo cannot allocate. */
static cairo_surface_t *texture_surface(const float *px, int w, int h)
{
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(img);
        return NULL;
    }
    cairo_surface_flush(img);
    unsigned char *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (int r = 0; r < h; r++) {
        uint32_t *row = (uint32_t *)(void *)(data + (size_t)r * stride);
        for (int c = 0; c < w; c++) {
            double g = px[(size_t)r * w + c];
            g = g < 0 ? 0 : g > 1 ? 1 : g;
            uint32_t v = (uint32_t)lround(255 * (0.5 + 0.5 * g));
            row[c] = 0xff000000u | v << 16 | v << 8 | v;
        }
    }
    cairo_surface_mark_dirty(img);
    return img;
}

/* Heading at sample i: given, or the direction of the nearest distinct neighbour along the path, else 0. */
static double heading_at(const pm_plot_track_spec *s, int i)
{
    if (s->heading)
        return s->heading[i];
    int dir = i + 1 < s->n ? 1 : -1;
    for (int j = i + dir; j >= 0 && j < s->n; j += dir) {
        double dx = s->x[j] - s->x[i], dy = s->y[j] - s->y[i];
        if (dx != 0 || dy != 0)
            return dir > 0 ? atan2(dy, dx) : atan2(-dy, -dx);
    }
    return 0.0;
}

/* The path in runs of equal quantised colour (one stroke per run keeps SVGs small). */
static void draw_path(cairo_t *cr, const pm_axes *a, const pm_plot_track_spec *s, double vmin, double vmax)
{
    const int levels = 64;
    int prev = -1;
    cairo_set_line_width(cr, 2.2);
    cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    for (int i = 0; i + 1 < s->n; i++) {
        double v = s->value ? s->value[i] : (double)i * (s->dt > 0 ? s->dt : 1.0);
        int q = (int)((v - vmin) / (vmax - vmin) * (levels - 1) + 0.5);
        q = q < 0 ? 0 : q >= levels ? levels - 1 : q;
        if (q != prev) {
            if (prev >= 0)
                cairo_stroke(cr);
            double rgb[3];
            pm_colormap((double)q / (levels - 1), rgb);
            cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
            cairo_move_to(cr, pm_axes_px(a, s->x[i]), pm_axes_py(a, s->y[i]));
            prev = q;
        }
        cairo_line_to(cr, pm_axes_px(a, s->x[i + 1]), pm_axes_py(a, s->y[i + 1]));
    }
    cairo_stroke(cr);
}

/* Robot outline and sensors at pose (x, y, heading), drawn in the robot frame (x forward, y left). */
static void draw_robot(cairo_t *cr, const pm_axes *a, const pm_plot_track_spec *s, double scale)
{
    double x = s->x[s->n - 1], y = s->y[s->n - 1], hd = heading_at(s, s->n - 1);
    double bw = s->robot_width > 0 ? s->robot_width : 5.2;
    cairo_save(cr);
    cairo_translate(cr, pm_axes_px(a, x), pm_axes_py(a, y));
    cairo_scale(cr, scale, -scale); /* world y up, screen y down */
    cairo_rotate(cr, hd);
    cairo_set_line_width(cr, 1.5 / scale);
    cairo_rectangle(cr, -0.6 * bw, -0.5 * bw, 1.2 * bw, bw);
    cairo_set_source_rgba(cr, 0.85, 0.2, 0.1, 0.35);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.6, 0.05, 0.0);
    cairo_stroke(cr);
    cairo_move_to(cr, 0.6 * bw, 0); /* nose: the direction of travel */
    cairo_line_to(cr, 0.9 * bw, 0);
    cairo_stroke(cr);
    cairo_set_source_rgb(cr, 0.9, 0.0, 0.0);
    for (int k = 0; k < s->n_sensors; k++) {
        cairo_new_sub_path(cr);
        cairo_arc(cr, s->sensor_x[k], s->sensor_y[k], 1.0 / scale, 0, 2 * PM_PI);
    }
    cairo_fill(cr);
    cairo_restore(cr);
}

static void draw_start(cairo_t *cr, const pm_axes *a, const pm_plot_track_spec *s)
{
    double X = pm_axes_px(a, s->x[0]), Y = pm_axes_py(a, s->y[0]), hd = heading_at(s, 0);
    cairo_save(cr);
    cairo_set_line_width(cr, 3);
    cairo_set_source_rgb(cr, 0.0, 0.55, 0.1);
    cairo_move_to(cr, X, Y);
    cairo_line_to(cr, X + 20 * cos(hd), Y - 20 * sin(hd));
    cairo_stroke(cr);
    cairo_arc(cr, X, Y, 6, 0, 2 * PM_PI);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_set_line_width(cr, 1.5);
    cairo_stroke(cr);
    cairo_restore(cr);
}

/* Keeps only the ticks inside [lo, hi] (the track's axes are exactly the world, not rounded out). */
static int trim_ticks(double *t, int n, double lo, double hi)
{
    int m = 0;
    for (int i = 0; i < n; i++)
        if (t[i] >= lo - 1e-9 && t[i] <= hi + 1e-9)
            t[m++] = t[i];
    return m;
}

typedef struct {
    const pm_plot_track_spec *s;
    cairo_surface_t *tex;     /* the grey world, tex_w x tex_h */
    pm_axes a;                /* exactly the world, equal px per unit on both axes */
    double scale;             /* px per world unit */
    double vmin, vmax;        /* colour range of the path */
    int w;
} track_ctx;

static void draw_track(cairo_t *cr, const void *p)
{
    const track_ctx *t = p;
    const pm_plot_track_spec *s = t->s;
    cairo_save(cr);
    cairo_translate(cr, TRACK_L, TRACK_T);
    cairo_scale(cr, t->scale / s->ppu, t->scale / s->ppu); /* texture row 0 is the top of the world: no flip */
    cairo_set_source_surface(cr, t->tex, 0, 0);
    cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_GOOD);
    cairo_paint(cr);
    cairo_restore(cr);
    pm_title(cr, t->w, s->title);
    pm_axes_draw(cr, &t->a, "x (world units)", "y (world units)", 1);
    cairo_save(cr);
    pm_axes_clip(cr, &t->a);
    draw_path(cr, &t->a, s, t->vmin, t->vmax);
    draw_start(cr, &t->a, s);
    if (s->show_robot)
        draw_robot(cr, &t->a, s, t->scale);
    cairo_restore(cr);
    const char *label = s->value_label ? s->value_label : s->dt > 0 ? "time (s)" : "step";
    double bar_h = t->a.height - 60 < 400 ? t->a.height - 60 : 400;
    pm_colorbar(cr, TRACK_L + t->a.width + 24, TRACK_T + 40, 18, bar_h > 40 ? bar_h : 40, t->vmin, t->vmax, label,
                0);
}

pm_status pm_plot_track(const char *path, const pm_plot_track_spec *s)
{
    int is_svg;
    pm_status st = pm_canvas_check_path(path, &is_svg);
    if (!st)
        st = check_track(s);
    if (st)
        return st;
    int w = s->width ? s->width : 900;
    double ww = s->tex_w / s->ppu, wh = s->tex_h / s->ppu;   /* world units */
    double aw = w - TRACK_L - TRACK_R, scale = aw / ww, ah = wh * scale;  /* px, px per unit */
    double hh = ceil(ah + TRACK_T + TRACK_B);
    if (w < 300 || w > PM_MAX_PX || ah < 50 || hh > PM_MAX_PX)
        return PM_ERR_ARG;
    track_ctx t = {.s = s, .scale = scale, .w = w};
    st = pm_axes_setup(&t.a, TRACK_L, TRACK_T, aw, ah, 0, ww, 0, wh, 0, 0);
    if (st)
        return st;
    t.a.x0 = 0;
    t.a.x1 = ww;
    t.a.y0 = 0;
    t.a.y1 = wh;
    t.a.nxt = trim_ticks(t.a.xt, t.a.nxt, 0, ww);
    t.a.nyt = trim_ticks(t.a.yt, t.a.nyt, 0, wh);
    t.vmax = (s->n - 1) * (s->dt > 0 ? s->dt : 1.0);
    if (s->value)
        pm_range(s->value, s->n, 1, &t.vmin, &t.vmax);
    if (!(t.vmax > t.vmin))
        t.vmax = t.vmin + 1.0;
    t.tex = texture_surface(s->pixels, s->tex_w, s->tex_h);
    if (!t.tex)
        return PM_ERR_NOMEM;
    st = pm_canvas_write(path, w, (int)hh, draw_track, &t);
    cairo_surface_destroy(t.tex);
    return st;
}

/* ---- first-layer weights -------------------------------------------------------------------------------- */

#define FL_L 20.0
#define FL_R 110.0
#define FL_T 46.0
#define FL_B 64.0
#define FL_GAP 14.0
#define FL_LABEL 18.0   /* px above each image for "filter k" */

static pm_status check_first_layer(const pm_plot_first_layer_spec *s, int *stride)
{
    if (!s || !s->w || s->n_neurons < 1 || s->n_signals < 1 || s->n_filters < 1 || s->rows < 1 || s->row_len < 1 ||
        s->n_filters > 64 || s->n_signals > INT_MAX / s->n_filters ||
        (long long)s->rows * s->row_len != s->n_signals)
        return PM_ERR_ARG;
    int n_in = s->n_signals * s->n_filters;
    *stride = s->stride ? s->stride : n_in;
    if (*stride < n_in || (long long)*stride * s->n_neurons > INT_MAX)
        return PM_ERR_ARG;
    for (int j = 0; j < s->n_neurons; j++) {
        pm_status st = pm_check_finite(s->w + (size_t)j * *stride, n_in, 1);
        if (st)
            return st;
    }
    return PM_OK;
}

/* Grid of n_filters images of rows x row_len cells: picks the column count that gives the largest cells
 * inside area_w x area_h. Returns the cell size (px); writes columns and grid rows. */
static double grid_layout(int nf, int rows, int row_len, double area_w, double area_h, int *ncol, int *nrow)
{
    double best = 0;
    for (int c = 1; c <= nf; c++) {
        int r = (nf + c - 1) / c;
        double by_w = (area_w - FL_GAP * (c - 1)) / (c * (double)row_len);
        double by_h = (area_h - (FL_GAP + FL_LABEL) * r) / (r * (double)rows);
        double cell = by_w < by_h ? by_w : by_h;
        if (cell > best) {
            best = cell;
            *ncol = c;
            *nrow = r;
        }
    }
    return best;
}

typedef struct {
    const pm_plot_first_layer_spec *s;
    int stride, ncol, nrow, w, h;
    double cell, img_w, img_h;   /* px */
    double vmax;                 /* largest sum |w| over all images: black */
} first_layer_ctx;

/* sum over neurons j of |w[j][p n_filters + k]|: how strongly the layer listens to predictor p via filter k */
static double abs_sum(const first_layer_ctx *t, int p, int k)
{
    double v = 0;
    for (int j = 0; j < t->s->n_neurons; j++)
        v += fabs(t->s->w[(size_t)j * t->stride + (size_t)p * t->s->n_filters + k]);
    return v;
}

static void draw_first_layer(cairo_t *cr, const void *ctx)
{
    const first_layer_ctx *t = ctx;
    const pm_plot_first_layer_spec *s = t->s;
    pm_title(cr, t->w, s->title);
    char buf[160];
    for (int k = 0; k < s->n_filters; k++) {
        double x0 = FL_L + (k % t->ncol) * (t->img_w + FL_GAP);
        double y0 = FL_T + (k / t->ncol) * (t->img_h + FL_LABEL + FL_GAP);
        cairo_set_source_rgb(cr, 0, 0, 0);
        snprintf(buf, sizeof buf, "filter %d", k + 1);
        pm_draw_text(cr, x0, y0, buf, 12, 0, 0, 0);
        for (int p = 0; p < s->n_signals; p++) {
            double g = t->vmax > 0 ? 1 - abs_sum(t, p, k) / t->vmax : 1;
            cairo_set_source_rgb(cr, g, g, g);
            /* +0.5 px overlap hides the seams between neighbouring cells after antialiasing */
            cairo_rectangle(cr, x0 + (p % s->row_len) * t->cell, y0 + FL_LABEL + (p / s->row_len) * t->cell,
                            t->cell + 0.5, t->cell + 0.5);
            cairo_fill(cr);
        }
        cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
        cairo_set_line_width(cr, 1);
        cairo_rectangle(cr, x0 - 0.5, y0 + FL_LABEL - 0.5, t->img_w + 1, t->img_h + 1);
        cairo_stroke(cr);
    }
    double grid_h = t->nrow * (t->img_h + FL_LABEL + FL_GAP) - FL_GAP;
    pm_colorbar(cr, t->w - FL_R + 24, FL_T + 30, 16, grid_h - 30 > 60 ? grid_h - 30 : 60, 0,
                t->vmax > 0 ? t->vmax : 1, "sum |w|", 1);
    cairo_set_source_rgb(cr, 0.2, 0.2, 0.2);
    snprintf(buf, sizeof buf, "Each image: %d x %d predictors (rows x columns) through one filter;", s->rows,
             s->row_len);
    pm_draw_text(cr, FL_L, t->h - FL_B + 14, buf, 12, 0, 0, 0);
    snprintf(buf, sizeof buf, "grey = sum over the %d first-layer neurons of |w| (white 0, black %.3g).",
             s->n_neurons, t->vmax);
    pm_draw_text(cr, FL_L, t->h - FL_B + 32, buf, 12, 0, 0, 0);
}

pm_status pm_plot_first_layer(const char *path, const pm_plot_first_layer_spec *s)
{
    int is_svg;
    first_layer_ctx t = {.s = s, .ncol = 1, .nrow = 1};
    pm_status st = pm_canvas_check_path(path, &is_svg);
    if (!st)
        st = check_first_layer(s, &t.stride);
    if (st)
        return st;
    t.w = s->width ? s->width : 900;
    if (t.w < 300 || t.w > PM_MAX_PX)
        return PM_ERR_ARG;
    t.cell = grid_layout(s->n_filters, s->rows, s->row_len, t.w - FL_L - FL_R, 0.9 * t.w, &t.ncol, &t.nrow);
    if (!(t.cell > 0))
        return PM_ERR_ARG;
    t.cell = t.cell > 40 ? 40 : t.cell;
    t.img_w = t.cell * s->row_len;
    t.img_h = t.cell * s->rows;
    double hh = ceil(FL_T + t.nrow * (t.img_h + FL_LABEL + FL_GAP) + FL_B);
    if (hh > PM_MAX_PX)
        return PM_ERR_ARG;
    t.h = (int)hh;
    for (int k = 0; k < s->n_filters; k++) /* one grey scale for every image, so filters can be compared */
        for (int p = 0; p < s->n_signals; p++) {
            double v = abs_sum(&t, p, k);
            t.vmax = v > t.vmax ? v : t.vmax;
        }
    if (!isfinite(t.vmax))
        return PM_ERR_NONFINITE;
    return pm_canvas_write(path, t.w, t.h, draw_first_layer, &t);
}
