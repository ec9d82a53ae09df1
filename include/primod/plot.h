/* Report figures drawn with cairo from plain arrays (so they work from a TSV log as well as a live run). */
#ifndef PRIMOD_PLOT_H
#define PRIMOD_PLOT_H

#include "primod/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Common contract of every pm_plot_* figure function:
 *  - path ends in ".png" or ".svg" (case-insensitive) and picks the format; anything else is PM_ERR_ARG.
 *  - All input is validated before anything is drawn: PM_ERR_ARG for NULL/empty/inconsistent arrays,
 *    PM_ERR_NONFINITE for NaN or infinity in any data value. On any error no file is left at path.
 *  - The picture is written to a temporary file in the same directory and renamed onto path: PM_ERR_IO if
 *    that fails (unwritable directory), PM_ERR_NOMEM if cairo cannot allocate.
 *  - width/height 0 take the figure's default size (px; for SVG, points). Charts need 200..8192 x 160..8192,
 *    image figures a width of 300..8192 (PM_ERR_ARG otherwise). Titles and labels may be NULL.
 *  - The library keeps no pointer to the caller's arrays after the call returns. */

/* ---- 1. track: world texture + trajectory -------------------------------------------------------------- */

typedef struct {
    const float *pixels;      /* (tex_h, tex_w) grey 0 (black) .. 1 (white); row 0 = top (largest world y) */
    int tex_w, tex_h;         /* px */
    double ppu;               /* texture px per world unit (> 0); world = tex_w/ppu x tex_h/ppu units */
    const double *x, *y;      /* (n) trajectory, world units, world y up */
    int n;                    /* >= 1 */
    const double *value;      /* (n) colours the path (e.g. |E|); NULL -> coloured by time */
    const char *value_label;  /* colour-bar label, e.g. "|E|"; NULL -> "step" or "time (s)" */
    double dt;                /* s per step for the time colouring; 0 -> colour by step index */
    const double *heading;    /* (n) rad, world frame, 0 = +x; NULL -> estimated from the path */
    int show_robot;           /* draw the robot and its sensors at the last pose */
    const double *sensor_x, *sensor_y; /* (n_sensors) robot frame (x forward, y left), world units */
    int n_sensors;            /* 0 -> no sensors */
    double robot_width;       /* wheel distance for the robot outline; 0 -> 5.2 (SPEC §6) */
    const char *title;
    int width;                /* picture width px; 0 -> 900. The world is drawn width - 200 px wide (margins and
                                 colour bar take 200) and the picture is ceil(world height in px + 102) px high. */
} pm_plot_track_spec;

/* Grey world, trajectory coloured through a viridis-like map with colour bar, start pose (green circle and
 * heading tick), optional robot at the end pose with its sensors (red dots). */
pm_status pm_plot_track(const char *path, const pm_plot_track_spec *spec);

/* ---- shared series types ---------------------------------------------------------------------------------- */

typedef struct {
    const char *label;        /* legend entry; NULL -> not in the legend */
    const double *x;          /* (n) or NULL -> x = x0 + i dx of the enclosing figure (x0 = 0, dx = 1 in xy) */
    const double *y;          /* (n) */
    int n;                    /* >= 1 */
} pm_plot_series;

/* ---- 2. timeseries: stacked panels sharing the x axis ----------------------------------------------------- */

typedef struct {
    const char *ylabel;             /* with unit, e.g. "E(n)" or "steering (units/s)" */
    const pm_plot_series *series;   /* (n_series); several series overlay with a legend (reflex-only vs learning) */
    int n_series;                   /* >= 1 */
} pm_plot_panel;

typedef struct {
    const pm_plot_panel *panels;    /* (n_panels) top to bottom */
    int n_panels;                   /* 1..16 */
    double x0, dx;                  /* x of sample i when a series has no x: x0 + i dx; dx 0 -> 1 */
    const char *xlabel;             /* NULL -> "step" */
    const char *title;
    int width, height;              /* 0 -> 900 x (120 + 200 per panel) */
} pm_plot_timeseries_spec;

pm_status pm_plot_timeseries(const char *path, const pm_plot_timeseries_spec *spec);

/* ---- 3. weight distance per layer over time --------------------------------------------------------------- */

typedef struct {
    const double *dist;       /* (n_samples, n_layers) row-major: ||W^l - W^l_0|| at each sample (SPEC §6) */
    int n_samples, n_layers;  /* >= 1 each */
    double x0, dx;            /* x of sample i: x0 + i dx (dx 0 -> 1) */
    const char *xlabel;       /* NULL -> "step" */
    int log_y;                /* log y axis (values <= 0 are then PM_ERR_ARG) */
    const char *title;
    int width, height;        /* 0 -> 900 x 600 */
} pm_plot_weight_distance_spec;

/* One line per layer, colour from dark blue (first layer) to orange (output layer), legend "layer 1".."layer L". */
pm_status pm_plot_weight_distance(const char *path, const pm_plot_weight_distance_spec *spec);

/* ---- 4. first-layer weights as one grey image per filter -------------------------------------------------- */

typedef struct {
    const double *w;          /* (n_neurons, stride) row-major, the first layer's weights (bias, if any, after) */
    int n_neurons;            /* >= 1 */
    int stride;               /* doubles per row; 0 -> n_signals * n_filters */
    int n_signals, n_filters; /* inputs are predictor-major: input p * n_filters + k (SPEC §4) */
    int rows, row_len;        /* predictor p sits at row p / row_len, column p % row_len; rows * row_len == n_signals */
    const char *title;
    int width;                /* picture width px; 0 -> 900. Height follows the layout of the images. */
} pm_plot_first_layer_spec;

/* Filter k's image pixel (r, c) = sum over neurons j of |w[j][(r row_len + c) n_filters + k]|: how strongly
 * the network listens to that predictor through that filter. All images share one grey scale (white 0,
 * black the maximum) shown by a colour bar; the caption under the figure says so. */
pm_status pm_plot_first_layer(const char *path, const pm_plot_first_layer_spec *spec);

/* ---- 5. box plots of success steps per rule --------------------------------------------------------------- */

typedef struct {
    const char *label;        /* e.g. "BP 0.1"; shown with "n = N" under the box */
    const double *x;          /* (n) */
    int n;                    /* >= 1 */
} pm_plot_group;

typedef struct {
    const pm_plot_group *groups; /* (n_groups) left to right */
    int n_groups;                /* 1..64 */
    const char *ylabel;          /* NULL -> "success step" */
    const char *title;
    int width, height;           /* 0 -> max(500, 140 per group) x 600 */
} pm_plot_boxes_spec;

/* Box = type-7 quartiles, line = median, whiskers = furthest points within 1.5 IQR (Tukey); every point drawn
 * over its box, jittered horizontally by a deterministic low-discrepancy sequence (no randomness). */
pm_status pm_plot_boxes(const char *path, const pm_plot_boxes_spec *spec);

/* ---- 6. generic xy line plot ------------------------------------------------------------------------------ */

typedef struct {
    const pm_plot_series *series; /* (n_series); a series with x == NULL uses x = i */
    int n_series;                 /* 1..32 */
    const char *xlabel, *ylabel;
    int log_x, log_y;             /* log axes: non-positive values there are PM_ERR_ARG */
    int markers;                  /* draw a dot at every point as well as the line */
    const char *title;
    int width, height;            /* 0 -> 800 x 600 */
} pm_plot_xy_spec;

pm_status pm_plot_xy(const char *path, const pm_plot_xy_spec *spec);

/* ---- axis helpers (public so CLI tables and tests can share them) ----------------------------------------- */

/* "Nice" linear ticks: step = smallest of {1, 2, 5} x 10^k with step >= (hi - lo) / (max_ticks - 1); ticks run
 * from floor(lo/step) step to ceil(hi/step) step (so they cover [lo, hi]; at most max_ticks + 1 of them).
 * Examples: 0..1, 6 -> 0, 0.2, .., 1; 0..97, 6 -> 0, 20, .., 100. Needs lo < hi (finite), 2 <= max_ticks,
 * cap >= max_ticks + 1, else PM_ERR_ARG / PM_ERR_NONFINITE. Writes ticks[0..*n_ticks-1]; step may be NULL. */
pm_status pm_plot_nice_ticks(double lo, double hi, int max_ticks, double *ticks, int cap, int *n_ticks,
                             double *step);
/* Log ticks at powers of ten from 10^floor(log10 lo) to 10^ceil(log10 hi), every m-th decade where m is the
 * smallest integer keeping the count <= max_ticks + 1. Needs 0 < lo < hi, max_ticks >= 2, cap >= max_ticks + 1. */
pm_status pm_plot_log_ticks(double lo, double hi, int max_ticks, double *ticks, int cap, int *n_ticks);

#ifdef __cplusplus
}
#endif
#endif
