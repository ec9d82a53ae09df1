/* Built-in tracks (SPEC §6): closed curves rasterised as antialiased dark lines on a white 250 x 250 world. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim/world_internal.h"

#define TRACK_WORLD 250.0   /* world side in units (paper preset) */
#define TRACK_WIDTH 2.75    /* line width in units (paper preset) */
#define TRACK_SAMPLES 4096  /* polyline vertices of a smooth curve: segments of ~0.2 units, far below a pixel's
                             * deviation from the true curve at our radii of curvature */

static const double PI = 3.14159265358979323846;

/* A smooth closed curve: point at parameter t in [0, 1), in world units. */
typedef void (*curve_fn)(double t, double *x, double *y);

/* paper: a rounded rectangle (corner radius 35) whose top side is pushed deeply inward by a U-shaped bay
 * (entry and exit bends of radius 30, a 180-degree bend of radius 30 reaching 120 units down from the top side),
 * written as pieces of constant curvature {length, curvature (1/units, > 0 turns left)}. The tightest radius,
 * 30 units, lets the reflex alone follow it at speed 60. The pieces are symmetric about x = 125, so the curve
 * closes; it starts mid-bottom at (125, 20) heading +x and runs counter-clockwise. */
#define Q (0.5 * 3.14159265358979323846) /* a quarter turn */
static const double PAPER_PIECES[][2] = {
    {75, 0},        {35 * Q, 1.0 / 35}, {140, 0}, {35 * Q, 1.0 / 35},  /* bottom right, right side, top right */
    {15, 0},        {30 * Q, 1.0 / 30}, {60, 0},                         /* into the bay, down its right wall */
    {60 * Q, -1.0 / 30},                                                 /* the 180-degree bend at its bottom */
    {60, 0},        {30 * Q, 1.0 / 30}, {15, 0},                         /* up its left wall, out of the bay */
    {35 * Q, 1.0 / 35}, {140, 0}, {35 * Q, 1.0 / 35}, {75, 0},           /* top left, left side, bottom left */
};
#undef Q
#define PAPER_N ((int)(sizeof PAPER_PIECES / sizeof PAPER_PIECES[0]))

static void curve_paper(double t, double *x, double *y)
{
    double total = 0.0;
    for (int i = 0; i < PAPER_N; i++)
        total += PAPER_PIECES[i][0];
    double s = t * total, px = 125.0, py = 20.0, h = 0.0;
    for (int i = 0; i < PAPER_N && s > 0.0; i++) {
        double l = fmin(s, PAPER_PIECES[i][0]), k = PAPER_PIECES[i][1];
        if (k == 0.0) {
            px += l * cos(h);
            py += l * sin(h);
        } else {  /* exact arc: the centre lies 1/k to the left of the heading */
            px += (sin(h + k * l) - sin(h)) / k;
            py -= (cos(h + k * l) - cos(h)) / k;
        }
        h += k * l;
        s -= l;
    }
    *x = px;
    *y = py;
}

/* oval: an ellipse 200 x 120 units; tightest radius b^2/a = 36 units. */
static void curve_oval(double t, double *x, double *y)
{
    double phi = 2.0 * PI * t - 0.5 * PI;        /* start at the bottom, heading +x */
    *x = 125.0 + 100.0 * cos(phi);
    *y = 125.0 + 60.0 * sin(phi);
}

/* figure8: a 1:2 Lissajous curve that crosses itself at the centre. */
static void curve_figure8(double t, double *x, double *y)
{
    double th = 2.0 * PI * t + 0.5 * PI;         /* start at the right end, away from the crossing */
    *x = 125.0 + 100.0 * sin(th);
    *y = 125.0 + 60.0 * sin(2.0 * th);
}

/* s-curves: a circle of radius 85 with a 5-fold radial wave, so the robot meets alternating bends. */
static void curve_s_curves(double t, double *x, double *y)
{
    double phi = 2.0 * PI * t;
    double r = 85.0 + 12.0 * sin(5.0 * phi);
    *x = 125.0 + r * cos(phi);
    *y = 125.0 + r * sin(phi);
}

/* zigzag: a closed polygon with sharp (unrounded) corners: a rectangle whose top side is a row of 45-degree
 * teeth, so the robot meets 90-degree left and right corners and 45-degree kinks. Vertex 0 lies mid-side so the
 * start is on a straight. */
static const double ZIGZAG[][2] = {
    {125, 50}, {210, 50}, {210, 150}, {170, 190}, {130, 150}, {90, 190}, {50, 150}, {50, 50},
};
#define ZIGZAG_N ((int)(sizeof ZIGZAG / sizeof ZIGZAG[0]))

/* Min-updates dist (h, w; world units) with the distance of each pixel near segment a-b to that segment. Only
 * pixels within reach (half width + one pixel) of the segment's bounding box are visited. */
static void segment_distance(float *dist, int w, int h, double ppu, double ax, double ay, double bx, double by,
                             double reach)
{
    double minx = fmin(ax, bx) - reach, maxx = fmax(ax, bx) + reach;
    double miny = fmin(ay, by) - reach, maxy = fmax(ay, by) + reach;
    /* pixel (px, py) sits at world (px/ppu, (h - py)/ppu) */
    int px0 = (int)fmax(0.0, floor(minx * ppu)), px1 = (int)fmin(w - 1.0, ceil(maxx * ppu));
    int py0 = (int)fmax(0.0, floor(h - maxy * ppu)), py1 = (int)fmin(h - 1.0, ceil(h - miny * ppu));
    double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
    for (int py = py0; py <= py1; py++) {
        double wy = (h - py) / ppu;
        for (int px = px0; px <= px1; px++) {
            double wx = px / ppu;
            double u = len2 > 0.0 ? ((wx - ax) * dx + (wy - ay) * dy) / len2 : 0.0;
            u = u < 0.0 ? 0.0 : (u > 1.0 ? 1.0 : u);
            double ex = wx - (ax + u * dx), ey = wy - (ay + u * dy);
            float d = (float)sqrt(ex * ex + ey * ey);
            float *p = &dist[(size_t)py * (size_t)w + (size_t)px];
            if (d < *p)
                *p = d;
        }
    }
}

/* Turns distances (units) into grey in place: black inside half width hw, white outside, a linear 1-pixel
 * antialiased edge centred on the line's border. Unvisited pixels (FLT_MAX) become exactly 1. */
static void distance_to_grey(float *px, size_t n, double ppu, double hw)
{
    for (size_t i = 0; i < n; i++) {
        double g = (px[i] - hw) * ppu + 0.5;
        px[i] = g <= 0.0 ? 0.0f : (g >= 1.0 ? 1.0f : (float)g);
    }
}

typedef struct {
    const char *name;
    curve_fn curve;  /* NULL: the ZIGZAG polygon */
} track_def;

static const track_def TRACKS[] = {
    {"paper", curve_paper},     {"oval", curve_oval},           {"figure8", curve_figure8},
    {"zigzag", NULL},           {"s-curves", curve_s_curves},
};
#define N_TRACKS ((int)(sizeof TRACKS / sizeof TRACKS[0]))

static const char *const TRACK_NAMES[N_TRACKS] = {"paper", "oval", "figure8", "zigzag", "s-curves"};

const char *const *pm_track_names(int *n)
{
    if (n)
        *n = N_TRACKS;
    return TRACK_NAMES;
}

/* Vertex i of a track's closed polyline (i taken modulo the vertex count). */
static void track_vertex(const track_def *t, int i, double *x, double *y)
{
    if (t->curve) {
        t->curve((double)(i % TRACK_SAMPLES) / TRACK_SAMPLES, x, y);
    } else {
        *x = ZIGZAG[i % ZIGZAG_N][0];
        *y = ZIGZAG[i % ZIGZAG_N][1];
    }
}

pm_status pm_track_size_px(double ppu, int *w_px, int *h_px)
{
    if (!w_px || !h_px || !pm_world_ppu_ok_(ppu))
        return PM_ERR_ARG;
    *w_px = *h_px = (int)ceil(TRACK_WORLD * ppu);
    return PM_OK;
}

pm_status pm_world_create_builtin_ex(const char *name, double ppu, const pm_setup *opt, pm_world **out)
{
    if (!name || !out || !pm_world_ppu_ok_(ppu))
        return PM_ERR_ARG;
    const track_def *t = NULL;
    for (int i = 0; i < N_TRACKS; i++)
        if (strcmp(name, TRACKS[i].name) == 0)
            t = &TRACKS[i];
    if (!t)
        return PM_ERR_ARG;
    int side = (int)ceil(TRACK_WORLD * ppu);
    char what[64];
    snprintf(what, sizeof what, "track '%s' at ppu %g", t->name, ppu);
    pm_world *w;
    pm_status st = pm_world_alloc_(side, side, ppu, t->name, opt, what, &w);
    if (st)
        return st;
    /* the pixel array first holds distances to the line, then grey; filled row by row, polling the cancel flag
     * (first touching a 300 MB texture alone takes about a second) */
    for (int y = 0; y < side; y++) {
        if (pm_setup_cancelled_(opt)) {
            pm_world_destroy(w);
            return pm_setup_fail_(opt, PM_ERR_CANCELLED, "%s: cancelled while drawing", what);
        }
        float *row = &w->px[(size_t)y * (size_t)side];
        for (int x = 0; x < side; x++)
            row[x] = FLT_MAX;
    }
    int nv = t->curve ? TRACK_SAMPLES : ZIGZAG_N;
    double hw = 0.5 * TRACK_WIDTH, reach = hw + 1.0 / ppu;
    double ax, ay, bx, by;
    track_vertex(t, 0, &ax, &ay);
    for (int i = 1; i <= nv; i++) {
        /* each segment touches at most (0.2 units + 2 reach) ^ 2 pixels, ~200 x 200 at ppu 64: poll per segment */
        if (pm_setup_cancelled_(opt)) {
            pm_world_destroy(w);
            return pm_setup_fail_(opt, PM_ERR_CANCELLED, "%s: cancelled while drawing", what);
        }
        track_vertex(t, i, &bx, &by);
        segment_distance(w->px, side, side, ppu, ax, ay, bx, by, reach);
        ax = bx;
        ay = by;
    }
    for (int y = 0; y < side; y++) {
        if (pm_setup_cancelled_(opt)) {
            pm_world_destroy(w);
            return pm_setup_fail_(opt, PM_ERR_CANCELLED, "%s: cancelled while drawing", what);
        }
        distance_to_grey(&w->px[(size_t)y * (size_t)side], (size_t)side, ppu, hw);
    }
    /* Start: vertex 0, heading along the first segment (the direction of travel). */
    track_vertex(t, 0, &ax, &ay);
    track_vertex(t, 1, &bx, &by);
    w->has_start = 1;
    w->start_x = ax;
    w->start_y = ay;
    w->start_heading = atan2(by - ay, bx - ax);
    *out = w;
    return PM_OK;
}

pm_status pm_world_create_builtin(const char *name, double ppu, pm_world **out)
{
    return pm_world_create_builtin_ex(name, ppu, NULL, out);
}
