/* Private plotting core of the report layer: atomic PNG/SVG output through a draw callback, axes, text, colours. */
#ifndef PRIMOD_REPORT_CANVAS_H
#define PRIMOD_REPORT_CANVAS_H

#include <cairo.h>

#include "primod/status.h"

#define PM_MAX_TICKS 24   /* capacity of an axis' tick array (nice ticks never ask for more than 12) */
#define PM_MIN_PX 64      /* smallest accepted picture side, px */
#define PM_PI 3.14159265358979323846
#define PM_MAX_PX 8192    /* largest accepted picture side, px (cairo images stop at 32767) */

/* Checks that path ends in .png or .svg; *is_svg set on PM_OK. PM_ERR_ARG otherwise (NULL included). */
pm_status pm_canvas_check_path(const char *path, int *is_svg);

/* Draws a whole figure on cr (w x h px, white background, "sans-serif" selected); ctx is the figure's
 * precomputed, already validated layout. Must not fail: everything fallible happens before. */
typedef void (*pm_draw_fn)(cairo_t *cr, const void *ctx);

/* Creates the PNG or SVG surface for path (format by extension), calls draw once, and writes the result to a
 * temp file in the same directory that is renamed onto path. PM_ERR_ARG for a bad path or a size outside
 * [PM_MIN_PX, PM_MAX_PX]; PM_ERR_IO when the file cannot be written; PM_ERR_NOMEM when cairo runs out of memory.
 * On any error no file is left behind. (Drawing straight onto the target, rather than replaying a recording
 * surface, is deliberate: cairo 1.16 leaks a recording surface replayed into an SVG surface.) */
pm_status pm_canvas_write(const char *path, int w, int h, pm_draw_fn draw, const void *ctx);

/* Text in the cairo toy API ("sans-serif"). (ax, ay) is the anchor within the text box: 0 = left/top,
 * 0.5 = centre, 1 = right/bottom; angle in radians (-pi/2 for a y-axis label reading bottom to top). */
void pm_draw_text(cairo_t *cr, double x, double y, const char *s, double size, double ax, double ay, double angle);
/* Width of s in px at the given size. */
double pm_text_width(cairo_t *cr, const char *s, double size);

/* A rectangular plot area in px mapped to a data range (log10 of the data on a log axis). */
typedef struct {
    double left, top, width, height;   /* px */
    double x0, x1, y0, y1;             /* data range; log10 values on log axes */
    int log_x, log_y;
    double xt[PM_MAX_TICKS], yt[PM_MAX_TICKS];  /* tick positions, data units (powers of ten on log axes) */
    int nxt, nyt;
} pm_axes;

/* Sets the area and the range [xlo, xhi] x [ylo, yhi] (data units), widening equal bounds, and computes nice or
 * log ticks; the range is extended to the outer ticks. PM_ERR_ARG for non-positive bounds on a log axis. */
pm_status pm_axes_setup(pm_axes *a, double left, double top, double width, double height, double xlo, double xhi,
                        double ylo, double yhi, int log_x, int log_y);
double pm_axes_px(const pm_axes *a, double x);   /* data x -> px */
double pm_axes_py(const pm_axes *a, double y);   /* data y -> px */
/* Frame, grid, ticks, tick labels (x labels only if show_x_labels) and axis labels. */
void pm_axes_draw(cairo_t *cr, const pm_axes *a, const char *xlabel, const char *ylabel, int show_x_labels);
/* Clips subsequent drawing to the plot area (undo with cairo_reset_clip). */
void pm_axes_clip(cairo_t *cr, const pm_axes *a);
/* Polyline of n points: x[i] (or x0 + i dx when x is NULL), y[i * ystride], in colour rgb, width lw px. */
void pm_axes_line(cairo_t *cr, const pm_axes *a, const double *x, double x0, double dx, const double *y,
                  int ystride, int n, const double rgb[3], double lw);

/* Smallest and largest of n values (with stride); n >= 1. */
void pm_range(const double *v, int n, int stride, double *lo, double *hi);
/* PM_ERR_NONFINITE if any of n values (with stride) is NaN/inf; PM_ERR_ARG if v is NULL or n < 1. */
pm_status pm_check_finite(const double *v, int n, int stride);

/* Viridis-like colour map, t in [0, 1] (clamped). */
void pm_colormap(double t, double rgb[3]);
/* i-th colour of a 10-colour qualitative palette (cycles). */
void pm_palette(int i, double rgb[3]);
/* Vertical colour bar in the box (x, y, w, h): top = vmax. grey != 0: white (vmin) to black (vmax), else the
 * colour map. Ticks and label on the right. */
void pm_colorbar(cairo_t *cr, double x, double y, double w, double h, double vmin, double vmax, const char *label,
                 int grey);
/* Legend box anchored at the top-right corner (right, top): n entries of a colour swatch and a label (NULL
 * labels are skipped). */
void pm_legend(cairo_t *cr, double right, double top, const char *const *labels, const double (*rgb)[3], int n);
/* Centred title at the top of the picture. NULL does nothing. */
void pm_title(cairo_t *cr, int w, const char *title);

#endif
