/* Plotting core shared by every figure: atomic PNG/SVG writing through a draw callback, axes, text and colours. */
#define _POSIX_C_SOURCE 200809L

#include "report/canvas.h"

#include <cairo-svg.h>
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/atomic_file.h"
#include "primod/plot.h"

/* ---- output --------------------------------------------------------------------------------------------- */

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lf = strlen(suffix);
    if (ls <= lf)
        return 0;
    for (size_t i = 0; i < lf; i++)
        if (tolower((unsigned char)s[ls - lf + i]) != suffix[i])
            return 0;
    return 1;
}

pm_status pm_canvas_check_path(const char *path, int *is_svg)
{
    if (!path || !is_svg)
        return PM_ERR_ARG;
    if (ends_with_ci(path, ".png"))
        *is_svg = 0;
    else if (ends_with_ci(path, ".svg"))
        *is_svg = 1;
    else
        return PM_ERR_ARG;
    return PM_OK;
}

static cairo_status_t write_stream(void *closure, const unsigned char *data, unsigned int length)
{
    return fwrite(data, 1, length, (FILE *)closure) == length ? CAIRO_STATUS_SUCCESS : CAIRO_STATUS_WRITE_ERROR;
}

/* Draws the figure onto a PNG or SVG stream. */
static cairo_status_t render_to(FILE *fp, int is_svg, int w, int h, pm_draw_fn draw, const void *ctx)
{
    cairo_surface_t *out = is_svg ? cairo_svg_surface_create_for_stream(write_stream, fp, w, h)
                                  : cairo_image_surface_create(CAIRO_FORMAT_ARGB32, w, h);
    cairo_t *cr = cairo_create(out);
    cairo_status_t st = cairo_status(cr);
    if (st == CAIRO_STATUS_SUCCESS) {
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_paint(cr);
        cairo_select_font_face(cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
        draw(cr, ctx);
        st = cairo_status(cr);
    }
    cairo_destroy(cr);
    if (st == CAIRO_STATUS_SUCCESS && !is_svg)
        st = cairo_surface_write_to_png_stream(out, write_stream, fp);
    cairo_surface_finish(out);
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(out);
    cairo_surface_destroy(out);
    return st;
}

/* One picture for pm_atomic_write: the arguments of render_to. */
typedef struct {
    int is_svg, w, h;
    pm_draw_fn draw;
    const void *ctx;
} render_job;

static pm_status render_job_write(FILE *fp, void *arg)
{
    const render_job *j = arg;
    cairo_status_t cs = render_to(fp, j->is_svg, j->w, j->h, j->draw, j->ctx);
    return cs == CAIRO_STATUS_SUCCESS ? PM_OK : cs == CAIRO_STATUS_NO_MEMORY ? PM_ERR_NOMEM : PM_ERR_IO;
}

pm_status pm_canvas_write(const char *path, int w, int h, pm_draw_fn draw, const void *ctx)
{
    int is_svg;
    pm_status st = pm_canvas_check_path(path, &is_svg);
    if (st)
        return st;
    if (w < PM_MIN_PX || h < PM_MIN_PX || w > PM_MAX_PX || h > PM_MAX_PX)
        return PM_ERR_ARG;
    render_job job = {is_svg, w, h, draw, ctx};
    return pm_atomic_write(path, render_job_write, &job);
}

/* ---- text ------------------------------------------------------------------------------------------------ */

void pm_draw_text(cairo_t *cr, double x, double y, const char *s, double size, double ax, double ay, double angle)
{
    if (!s || !*s)
        return;
    cairo_text_extents_t te;
    cairo_font_extents_t fe;
    cairo_save(cr);
    cairo_set_font_size(cr, size);
    cairo_text_extents(cr, s, &te);
    cairo_font_extents(cr, &fe);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, angle);
    /* anchor on the advance width and the font's ascent + descent, so labels line up whatever their glyphs */
    double box_h = fe.ascent + fe.descent;
    cairo_move_to(cr, -ax * te.x_advance, -ay * box_h + fe.ascent);
    cairo_show_text(cr, s);
    cairo_restore(cr);
}

double pm_text_width(cairo_t *cr, const char *s, double size)
{
    cairo_text_extents_t te;
    cairo_save(cr);
    cairo_set_font_size(cr, size);
    cairo_text_extents(cr, s, &te);
    cairo_restore(cr);
    return te.x_advance;
}

void pm_title(cairo_t *cr, int w, const char *title)
{
    cairo_set_source_rgb(cr, 0, 0, 0);
    pm_draw_text(cr, w / 2.0, 12, title, 18, 0.5, 0, 0);
}

/* ---- ticks ----------------------------------------------------------------------------------------------- */

pm_status pm_plot_nice_ticks(double lo, double hi, int max_ticks, double *ticks, int cap, int *n_ticks,
                             double *step)
{
    if (!isfinite(lo) || !isfinite(hi))
        return PM_ERR_NONFINITE;
    if (!ticks || !n_ticks || !(lo < hi) || !isfinite(hi - lo) || max_ticks < 2 || cap < max_ticks + 1)
        return PM_ERR_ARG; /* hi - lo overflowing (e.g. -1e308..1e308) has no drawable scale */
    double raw = (hi - lo) / (max_ticks - 1);
    double mag = pow(10.0, floor(log10(raw)));
    static const double mult[4] = {1, 2, 5, 10};
    double s = 10 * mag;
    for (int i = 0; i < 4; i++)
        if (mult[i] * mag >= raw * (1 - 1e-12)) { /* tolerance: 0.2 must count as >= 1/5 */
            s = mult[i] * mag;
            break;
        }
    /* integer multiples of the step, so 0.6 prints as 0.6 and not 0.6000000000000001 after %g */
    double k0 = floor(lo / s + 1e-9), k1 = ceil(hi / s - 1e-9);
    if (k1 - k0 + 1 > cap) /* compared as doubles: no int overflow whatever the range */
        return PM_ERR_ARG;
    int n = (int)(k1 - k0) + 1;
    for (int i = 0; i < n; i++) {
        double v = (k0 + i) * s;
        ticks[i] = fabs(v) < 1e-9 * s ? 0.0 : v;
    }
    *n_ticks = n;
    if (step)
        *step = s;
    return PM_OK;
}

pm_status pm_plot_log_ticks(double lo, double hi, int max_ticks, double *ticks, int cap, int *n_ticks)
{
    if (!isfinite(lo) || !isfinite(hi))
        return PM_ERR_NONFINITE;
    if (!ticks || !n_ticks || !(lo > 0) || !(lo < hi) || max_ticks < 2 || cap < max_ticks + 1)
        return PM_ERR_ARG;
    /* the 1e-9 slack keeps an exact power such as 1e-6 (log10 = -5.999999999999999) on its own decade */
    int e0 = (int)floor(log10(lo) + 1e-9), e1 = (int)ceil(log10(hi) - 1e-9);
    if (e1 <= e0)
        e1 = e0 + 1;
    int m = 1;
    while ((e1 - e0 + m - 1) / m + 1 > max_ticks + 1)
        m++;
    int n = 0;
    for (int e = e0;; e += m) {
        ticks[n++] = pow(10.0, e);
        if (e >= e1)
            break;
    }
    *n_ticks = n;
    return PM_OK;
}

/* ---- axes ------------------------------------------------------------------------------------------------ */

/* Widens an empty range so that a constant series still gets an axis. */
static void widen(double *lo, double *hi, int is_log)
{
    if (*hi > *lo)
        return;
    if (is_log) {
        *lo /= 10;
        *hi *= 10;
    } else {
        double d = *lo == 0 ? 1.0 : 0.1 * fabs(*lo);
        *lo -= d;
        *hi += d;
    }
}

static pm_status axis_ticks(double *lo, double *hi, int is_log, double px, double *t, int *nt)
{
    if (is_log && !(*lo > 0))
        return PM_ERR_ARG;
    widen(lo, hi, is_log);
    int want = (int)(px / 90);
    want = want < 3 ? 3 : want > 10 ? 10 : want;
    pm_status st = is_log ? pm_plot_log_ticks(*lo, *hi, want, t, PM_MAX_TICKS, nt)
                          : pm_plot_nice_ticks(*lo, *hi, want, t, PM_MAX_TICKS, nt, NULL);
    if (st)
        return st;
    /* the frame sits 3% outside the outer ticks so data on a tick value does not hide under the frame */
    double a = is_log ? log10(t[0]) : t[0], b = is_log ? log10(t[*nt - 1]) : t[*nt - 1], pad = 0.03 * (b - a);
    *lo = a - pad;
    *hi = b + pad;
    return PM_OK;
}

pm_status pm_axes_setup(pm_axes *a, double left, double top, double width, double height, double xlo, double xhi,
                        double ylo, double yhi, int log_x, int log_y)
{
    pm_axes r = {.left = left, .top = top, .width = width, .height = height, .log_x = log_x, .log_y = log_y};
    pm_status st = axis_ticks(&xlo, &xhi, log_x, width, r.xt, &r.nxt);
    if (!st)
        st = axis_ticks(&ylo, &yhi, log_y, height * 2, r.yt, &r.nyt);
    if (st)
        return st;
    r.x0 = xlo;
    r.x1 = xhi;
    r.y0 = ylo;
    r.y1 = yhi;
    *a = r;
    return PM_OK;
}

double pm_axes_px(const pm_axes *a, double x)
{
    double v = a->log_x ? log10(x) : x;
    return a->left + (v - a->x0) / (a->x1 - a->x0) * a->width;
}

double pm_axes_py(const pm_axes *a, double y)
{
    double v = a->log_y ? log10(y) : y;
    return a->top + a->height - (v - a->y0) / (a->y1 - a->y0) * a->height;
}

/* %g without exponent padding: 1e-06 -> 1e-6, 1e+09 -> 1e9 (log axes are full of these). */
static void tick_label(char *buf, size_t len, double v)
{
    snprintf(buf, len, "%g", v);
    char *e = strchr(buf, 'e');
    if (!e)
        return;
    char *src = e + 1, *dst = e + 1;
    if (*src == '+')
        src++;
    else if (*src == '-')
        *dst++ = *src++;
    while (*src == '0' && src[1])
        src++;
    memmove(dst, src, strlen(src) + 1);
}

void pm_axes_draw(cairo_t *cr, const pm_axes *a, const char *xlabel, const char *ylabel, int show_x_labels)
{
    char buf[32];
    double bottom = a->top + a->height;
    cairo_save(cr);
    cairo_set_line_width(cr, 1);
    for (int i = 0; i < a->nxt; i++) {
        double x = round(pm_axes_px(a, a->xt[i])) + 0.5;
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_move_to(cr, x, a->top);
        cairo_line_to(cr, x, bottom);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_move_to(cr, x, bottom);
        cairo_line_to(cr, x, bottom + 5);
        cairo_stroke(cr);
        if (show_x_labels) {
            tick_label(buf, sizeof buf, a->xt[i]);
            pm_draw_text(cr, x, bottom + 7, buf, 12, 0.5, 0, 0);
        }
    }
    double widest = 0;
    for (int i = 0; i < a->nyt; i++) {
        double y = round(pm_axes_py(a, a->yt[i])) + 0.5;
        cairo_set_source_rgb(cr, 0.88, 0.88, 0.88);
        cairo_move_to(cr, a->left, y);
        cairo_line_to(cr, a->left + a->width, y);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        cairo_move_to(cr, a->left - 5, y);
        cairo_line_to(cr, a->left, y);
        cairo_stroke(cr);
        tick_label(buf, sizeof buf, a->yt[i]);
        pm_draw_text(cr, a->left - 7, y, buf, 12, 1, 0.5, 0);
        double tw = pm_text_width(cr, buf, 12);
        widest = tw > widest ? tw : widest;
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_rectangle(cr, a->left + 0.5, a->top + 0.5, a->width, a->height);
    cairo_stroke(cr);
    if (show_x_labels)
        pm_draw_text(cr, a->left + a->width / 2, bottom + 26, xlabel, 14, 0.5, 0, 0);
    pm_draw_text(cr, a->left - widest - 14, a->top + a->height / 2, ylabel, 14, 0.5, 1, -PM_PI / 2);
    cairo_restore(cr);
}

void pm_axes_clip(cairo_t *cr, const pm_axes *a)
{
    cairo_rectangle(cr, a->left, a->top, a->width + 1, a->height + 1);
    cairo_clip(cr);
}

/* x sorted (either direction)? Then the samples of one pixel column are contiguous and can be merged. */
static int monotone(const double *x, int n)
{
    int up = 1, down = 1;
    for (int i = 1; i < n && (up || down); i++) {
        up &= x[i] >= x[i - 1];
        down &= x[i] <= x[i - 1];
    }
    return up || down;
}

/* One pixel column's samples (already in px): first, min, max, last in index order. */
typedef struct {
    int col;
    double x[4], y[4];    /* first, min, max, last */
    int imin, imax;
} column;

static void column_flush(cairo_t *cr, const column *c)
{
    int min_first = c->imin <= c->imax;
    cairo_line_to(cr, c->x[0], c->y[0]);
    cairo_line_to(cr, c->x[min_first ? 1 : 2], c->y[min_first ? 1 : 2]);
    cairo_line_to(cr, c->x[min_first ? 2 : 1], c->y[min_first ? 2 : 1]);
    cairo_line_to(cr, c->x[3], c->y[3]);
}

/* Long series (more than 4 samples per pixel column) are reduced to first/min/max/last of every column
 * ("M4" aggregation): the stroke looks the same, and a 200k-step run draws in milliseconds with a small SVG. */
static void line_path(cairo_t *cr, const pm_axes *a, const double *x, double x0, double dx, const double *y,
                      int ystride, int n)
{
    int merge = n > 4 * (int)a->width && (!x || monotone(x, n));
    column c = {.col = INT_MIN};
    for (int i = 0; i < n; i++) {
        double px = pm_axes_px(a, x ? x[i] : x0 + i * dx), py = pm_axes_py(a, y[(size_t)i * ystride]);
        if (!merge) {
            cairo_line_to(cr, px, py);
            continue;
        }
        int col = (int)floor(px);
        if (col != c.col) {
            if (c.col != INT_MIN)
                column_flush(cr, &c);
            c = (column){.col = col, .x = {px, px, px, px}, .y = {py, py, py, py}, .imin = i, .imax = i};
        }
        if (py < c.y[1]) {
            c.x[1] = px, c.y[1] = py, c.imin = i;
        }
        if (py > c.y[2]) {
            c.x[2] = px, c.y[2] = py, c.imax = i;
        }
        c.x[3] = px;
        c.y[3] = py;
    }
    if (merge && c.col != INT_MIN)
        column_flush(cr, &c);
}

void pm_axes_line(cairo_t *cr, const pm_axes *a, const double *x, double x0, double dx, const double *y,
                  int ystride, int n, const double rgb[3], double lw)
{
    cairo_save(cr);
    pm_axes_clip(cr, a);
    cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
    cairo_set_line_width(cr, lw);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    if (n == 1) { /* a single sample is a dot, not an invisible zero-length line */
        cairo_arc(cr, pm_axes_px(a, x ? x[0] : x0), pm_axes_py(a, y[0]), 2 * lw, 0, 2 * PM_PI);
        cairo_fill(cr);
    } else {
        line_path(cr, a, x, x0, dx, y, ystride, n);
        cairo_stroke(cr);
    }
    cairo_restore(cr);
}

/* ---- data helpers ---------------------------------------------------------------------------------------- */

void pm_range(const double *v, int n, int stride, double *lo, double *hi)
{
    double a = v[0], b = v[0];
    for (int i = 1; i < n; i++) {
        double t = v[(size_t)i * stride];
        a = t < a ? t : a;
        b = t > b ? t : b;
    }
    *lo = a;
    *hi = b;
}

pm_status pm_check_finite(const double *v, int n, int stride)
{
    if (!v || n < 1)
        return PM_ERR_ARG;
    for (int i = 0; i < n; i++)
        if (!isfinite(v[(size_t)i * stride]))
            return PM_ERR_NONFINITE;
    return PM_OK;
}

/* ---- colours --------------------------------------------------------------------------------------------- */

void pm_colormap(double t, double rgb[3])
{
    /* nine samples of matplotlib's viridis, interpolated linearly */
    static const double cm[9][3] = {
        {0.267, 0.005, 0.329}, {0.283, 0.141, 0.458}, {0.254, 0.265, 0.530}, {0.207, 0.372, 0.553},
        {0.164, 0.471, 0.558}, {0.128, 0.567, 0.551}, {0.135, 0.659, 0.518}, {0.478, 0.821, 0.318},
        {0.993, 0.906, 0.144}};
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double f = t * 8;
    int i = (int)f;
    if (i >= 8)
        i = 7;
    f -= i;
    for (int c = 0; c < 3; c++)
        rgb[c] = cm[i][c] + f * (cm[i + 1][c] - cm[i][c]);
}

void pm_palette(int i, double rgb[3])
{
    /* matplotlib "tab10" */
    static const double p[10][3] = {
        {0.122, 0.467, 0.706}, {1.000, 0.498, 0.055}, {0.173, 0.627, 0.173}, {0.839, 0.153, 0.157},
        {0.580, 0.404, 0.741}, {0.549, 0.337, 0.294}, {0.890, 0.467, 0.761}, {0.498, 0.498, 0.498},
        {0.737, 0.741, 0.133}, {0.090, 0.745, 0.812}};
    const double *c = p[(i % 10 + 10) % 10];
    rgb[0] = c[0];
    rgb[1] = c[1];
    rgb[2] = c[2];
}

void pm_colorbar(cairo_t *cr, double x, double y, double w, double h, double vmin, double vmax, const char *label,
                 int grey)
{
    cairo_save(cr);
    const int steps = 128;
    for (int i = 0; i < steps; i++) {
        double t = (i + 0.5) / steps, rgb[3];
        if (grey)
            rgb[0] = rgb[1] = rgb[2] = 1 - t;
        else
            pm_colormap(t, rgb);
        cairo_set_source_rgb(cr, rgb[0], rgb[1], rgb[2]);
        cairo_rectangle(cr, x, y + h - (i + 1) * h / steps, w, h / steps + 0.5);
        cairo_fill(cr);
    }
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1);
    cairo_rectangle(cr, x + 0.5, y + 0.5, w, h);
    cairo_stroke(cr);
    if (!(vmax > vmin)) {
        double d = vmin == 0 ? 1 : 0.1 * fabs(vmin);
        vmin -= d;
        vmax += d;
    }
    double t[PM_MAX_TICKS];
    int nt = 0;
    if (pm_plot_nice_ticks(vmin, vmax, 6, t, PM_MAX_TICKS, &nt, NULL) == PM_OK) {
        char buf[32];
        for (int i = 0; i < nt; i++) {
            if (t[i] < vmin - 1e-9 * (vmax - vmin) || t[i] > vmax + 1e-9 * (vmax - vmin))
                continue; /* nice ticks may overhang the data range; the bar shows exactly [vmin, vmax] */
            double yy = y + h - (t[i] - vmin) / (vmax - vmin) * h;
            cairo_move_to(cr, x + w, yy);
            cairo_line_to(cr, x + w + 4, yy);
            cairo_stroke(cr);
            tick_label(buf, sizeof buf, t[i]);
            pm_draw_text(cr, x + w + 6, yy, buf, 11, 0, 0.5, 0);
        }
    }
    pm_draw_text(cr, x + w / 2, y - 8, label, 12, 0.5, 1, 0);
    cairo_restore(cr);
}

void pm_legend(cairo_t *cr, double right, double top, const char *const *labels, const double (*rgb)[3], int n)
{
    double wmax = 0;
    int shown = 0;
    for (int i = 0; i < n; i++)
        if (labels[i] && *labels[i]) {
            double tw = pm_text_width(cr, labels[i], 12);
            wmax = tw > wmax ? tw : wmax;
            shown++;
        }
    if (!shown)
        return;
    const double row = 17, pad = 6, swatch = 22;
    double bw = pad * 3 + swatch + wmax, bh = pad * 2 + row * shown, x = right - bw - 8, y = top + 8;
    cairo_save(cr);
    cairo_set_source_rgba(cr, 1, 1, 1, 0.85);
    cairo_rectangle(cr, x, y, bw, bh);
    cairo_fill_preserve(cr);
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(cr, 1);
    cairo_stroke(cr);
    int k = 0;
    for (int i = 0; i < n; i++) {
        if (!labels[i] || !*labels[i])
            continue;
        double yy = y + pad + row * (k++ + 0.5);
        cairo_set_source_rgb(cr, rgb[i][0], rgb[i][1], rgb[i][2]);
        cairo_set_line_width(cr, 3);
        cairo_move_to(cr, x + pad, yy);
        cairo_line_to(cr, x + pad + swatch, yy);
        cairo_stroke(cr);
        cairo_set_source_rgb(cr, 0, 0, 0);
        pm_draw_text(cr, x + 2 * pad + swatch, yy, labels[i], 12, 0, 0.5, 0);
    }
    cairo_restore(cr);
}
