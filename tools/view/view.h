/* Internal to primod view: SDL2 drawing helpers (5x7 bitmap text, plots, colour maps) and the PNG screenshot. */
#ifndef PRIMOD_TOOLS_VIEW_H
#define PRIMOD_TOOLS_VIEW_H

#ifdef PRIMOD_HAVE_SDL2
#include <SDL.h>

#include "primod/config.h"

#define PM_VIEW_MAX_KEYS 32

/* Options of primod view beyond the run configuration (tools/cmd_view.c parses them). */
typedef struct {
    pm_config cfg;
    long frames;               /* stop after this many loop steps; 0 = until quit */
    const char *screenshot;    /* PNG path: headless, write the last frame; NULL = interactive */
    const char *load_model;    /* may be NULL */
    const char *save_model;    /* where the S key saves the network */
    int print_pose;            /* print the last step's "step x y heading(deg) E" at the end */
    /* Scripted key presses (--keys FRAME:KEY,...): key_code[i] is pressed before frame key_frame[i]. */
    int n_keys;
    long key_frame[PM_VIEW_MAX_KEYS];
    SDL_Keycode key_code[PM_VIEW_MAX_KEYS];
} pm_view_options;

/* Parses a --keys list "FRAME:KEY,..." (KEY: space + - l r s q) into o. Returns 0, or -1 with err. */
int pm_view_parse_keys(pm_view_options *o, const char *spec, char *err, size_t errcap);

/* Runs the viewer (tools/view_main.c); returns the exit code (0, 1 SDL/screenshot failure, 2 usage). */
int pm_view_run(const pm_view_options *o);

/* Glyph size of the built-in font in font pixels (each drawn as scale x scale screen pixels). */
#define PM_VIEW_GLYPH_W 5
#define PM_VIEW_GLYPH_H 7

/* Draws s (upper-cased; characters without a glyph show as a blank) at (x, y), top left, in the current draw
 * colour. Returns the x after the last character. */
int pm_view_text(SDL_Renderer *ren, int x, int y, int scale, const char *s);

/* A rectangle of the screen where a plot goes. */
typedef struct {
    int x, y, w, h;
} pm_view_box;

/* Draws the polyline of values v[(head + i) % cap], i = 0..n-1 (a ring, oldest first) across box, scaled so
 * that [lo, hi] fills the height; values outside are clamped to the box. Draw colour as set by the caller. */
void pm_view_plot_ring(SDL_Renderer *ren, pm_view_box box, const double *v, int cap, int head, int n, int stride,
                       double lo, double hi);
/* min and max of the same ring (both 0 if n == 0). stride: distance between consecutive samples in v. */
void pm_view_ring_range(const double *v, int cap, int head, int n, int stride, double *lo, double *hi);

/* Diverging colour for t in [-1, 1]: blue (negative) - white (0) - red (positive), as ARGB8888. */
Uint32 pm_view_diverging(double t);
/* Distinct line colour number k (for per-layer curves), as r, g, b. */
void pm_view_palette(int k, Uint8 *r, Uint8 *g, Uint8 *b);

/* Reads the renderer's w x h pixels and writes them as a PNG (temp file in the same directory + rename).
 * Returns 0, or -1 with one line in err (errcap bytes). */
int pm_view_save_png(SDL_Renderer *ren, int w, int h, const char *path, char *err, size_t errcap);

#endif
#endif
