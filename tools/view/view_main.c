/* primod view's window: steps the same runner as `primod run` and draws world, robot, sensors, plots, weights. */
#include "view.h"

#ifdef PRIMOD_HAVE_SDL2
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "primod/run.h"

/* Window layout, pixels: the track panel on the left, a zoom on the sensors and the plots on the right. */
enum { WIN_W = 1100, WIN_H = 720, TRACK = 700, MARGIN = 10, COL_X = 2 * MARGIN + TRACK, COL_W = WIN_W - COL_X - MARGIN };
enum { HIST = 1000, TRAIL = 20000 };   /* plotted steps; trail points kept */
#define ZOOM_PX_PER_UNIT 9.0
#define ZOOM_AHEAD 7.0                 /* units ahead of the robot at the zoom's centre (the sensor rows) */

typedef struct {
    pm_view_options opt;
    pm_runner *run;
    SDL_Window *win;                 /* NULL when drawing off-screen */
    SDL_Surface *offscreen;          /* off-screen target when no video driver works */
    SDL_Renderer *ren;
    SDL_Texture *track;              /* the world texture, (height_px, width_px) */
    SDL_Texture *weights;            /* first-layer weight image, (rows, cols) of layer 0 */
    int wrows, wcols;
    Uint32 *wpix;                    /* (wrows * wcols) staging pixels of the weight image */
    double world_w, world_h, ppu;    /* units, px per unit */
    double *pred, *pred_xy;          /* (n_pred) sensor values now; (n_pred, 2) robot-frame positions */
    int n_pred;
    double *trail;                   /* (TRAIL, 2) world positions, ring */
    int trail_n, trail_head;
    double *hist;                    /* (HIST, 2 + n_layers) ring: E, R, distance of each layer */
    int hist_n, hist_head, n_layers;
    pm_runner_step_info last;        /* the last step taken */
    long steps;
    int paused, speed, learning;
    char status[160];                /* last message of a key action (save, learning) */
} view;

/* ---- state ---- */

static void clear_history(view *v)
{
    v->trail_n = v->trail_head = v->hist_n = v->hist_head = 0;
    v->steps = 0;
    memset(&v->last, 0, sizeof v->last);
    v->learning = 1;
}

/* Records one step: trail point (pose after the motion), E, R and the layer distances. */
static void record(view *v, const pm_runner_step_info *info)
{
    const pm_sim *sim = pm_runner_sim(v->run);
    double x, y;
    pm_sim_pose(sim, &x, &y, NULL);
    int t = (v->trail_head + v->trail_n) % TRAIL;
    v->trail[2 * t] = x;
    v->trail[2 * t + 1] = y;
    if (v->trail_n < TRAIL)
        v->trail_n++;
    else
        v->trail_head = (v->trail_head + 1) % TRAIL;
    int stride = 2 + v->n_layers;
    int h = (v->hist_head + v->hist_n) % HIST;
    double *row = v->hist + (size_t)h * (size_t)stride;
    row[0] = info->error;
    row[1] = info->relevance;
    pm_runner_weight_distances(v->run, row + 2);
    if (v->hist_n < HIST)
        v->hist_n++;
    else
        v->hist_head = (v->hist_head + 1) % HIST;
    v->last = *info;
    v->last.outputs = NULL;   /* only valid until the next step */
    v->steps++;
}

/* Takes up to n steps; returns the number taken (fewer once the run has ended). */
static long advance(view *v, long n)
{
    pm_runner_step_info info;
    long k = 0;
    while (k < n && !pm_runner_step(v->run, &info)) {
        record(v, &info);
        k++;
    }
    return k;
}

/* ---- drawing ---- */

static void to_screen(const view *v, double x, double y, int *sx, int *sy)
{
    double s = TRACK / fmax(v->world_w, v->world_h);
    *sx = MARGIN + (int)lround(x * s);
    *sy = MARGIN + (int)lround((v->world_h - y) * s);
}

/* Maps world coordinates into the zoom box centred ZOOM_AHEAD units in front of the robot. */
static void to_zoom(const view *v, pm_view_box box, double x, double y, int *sx, int *sy)
{
    double cx, cy;
    pm_sim_to_world(pm_runner_sim(v->run), ZOOM_AHEAD, 0, &cx, &cy);
    *sx = box.x + box.w / 2 + (int)lround((x - cx) * ZOOM_PX_PER_UNIT);
    *sy = box.y + box.h / 2 - (int)lround((y - cy) * ZOOM_PX_PER_UNIT);
}

static int make_track_texture(view *v)
{
    const pm_world *w = pm_sim_world(pm_runner_sim(v->run));
    int wp = pm_world_width_px(w), hp = pm_world_height_px(w);
    const float *g = pm_world_pixels(w);
    SDL_Surface *s = SDL_CreateRGBSurfaceWithFormat(0, wp, hp, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!s)
        return -1;
    for (int r = 0; r < hp; r++) {
        Uint32 *row = (Uint32 *)((Uint8 *)s->pixels + (size_t)r * (size_t)s->pitch);
        for (int c = 0; c < wp; c++) {
            Uint32 k = (Uint32)lround(255.0 * g[(size_t)r * (size_t)wp + (size_t)c]);
            row[c] = 0xFF000000u | k << 16 | k << 8 | k;
        }
    }
    v->track = SDL_CreateTextureFromSurface(v->ren, s);
    SDL_FreeSurface(s);
    v->world_w = wp / pm_world_ppu(w);
    v->world_h = hp / pm_world_ppu(w);
    v->ppu = pm_world_ppu(w);
    return v->track ? 0 : -1;
}

static void draw_robot(const view *v, int zoom, pm_view_box box)
{
    const pm_sim *sim = pm_runner_sim(v->run);
    /* chassis: a triangle from the wheel axle (half the wheel distance to each side) to the nose */
    double half = pm_sim_get_config(sim)->wheel_distance / 2, pts[4][2] = {{0, half}, {8, 0}, {0, -half}, {0, half}};
    SDL_Point p[4];
    for (int i = 0; i < 4; i++) {
        double wx, wy;
        pm_sim_to_world(sim, pts[i][0], pts[i][1], &wx, &wy);
        if (zoom)
            to_zoom(v, box, wx, wy, &p[i].x, &p[i].y);
        else
            to_screen(v, wx, wy, &p[i].x, &p[i].y);
    }
    SDL_SetRenderDrawColor(v->ren, 0, 120, 255, 255);
    SDL_RenderDrawLines(v->ren, p, 4);
    /* predictor sensors: green where they see the line (value > 0), size grows with the value */
    double reading_max = PM_SIM_WHITE_READING - 0.5;   /* the predictor value over pure black */
    for (int i = 0; i < v->n_pred; i++) {
        double wx, wy;
        int sx, sy;
        pm_sim_to_world(sim, v->pred_xy[2 * i], v->pred_xy[2 * i + 1], &wx, &wy);
        if (zoom)
            to_zoom(v, box, wx, wy, &sx, &sy);
        else
            to_screen(v, wx, wy, &sx, &sy);
        double t = v->pred[i] / reading_max;
        int sz = zoom ? 2 + (int)lround(3 * fmin(t, 1.0)) : 1;
        SDL_SetRenderDrawColor(v->ren, t > 0.05 ? 0 : 160, t > 0.05 ? 170 : 160, 0, 255);
        SDL_Rect r = {sx - sz / 2, sy - sz / 2, sz, sz};
        SDL_RenderFillRect(v->ren, &r);
    }
    /* reflex pair: footprint circle of 3 sigma (the sensor's cut-off) */
    double rxy[4], sigma3 = 3 * pm_sim_get_config(sim)->reflex_sigma;
    pm_sim_reflex_offsets(sim, rxy);
    SDL_SetRenderDrawColor(v->ren, 220, 0, 0, 255);
    for (int k = 0; k < 2; k++) {
        SDL_Point c[17];
        for (int i = 0; i <= 16; i++) {
            double a = i * (2 * acos(-1.0) / 16), wx, wy;
            pm_sim_to_world(sim, rxy[2 * k] + sigma3 * cos(a), rxy[2 * k + 1] + sigma3 * sin(a), &wx, &wy);
            if (zoom)
                to_zoom(v, box, wx, wy, &c[i].x, &c[i].y);
            else
                to_screen(v, wx, wy, &c[i].x, &c[i].y);
        }
        SDL_RenderDrawLines(v->ren, c, 17);
    }
}

static void draw_track_panel(view *v)
{
    SDL_Rect dst = {MARGIN, MARGIN, (int)lround(v->world_w * TRACK / fmax(v->world_w, v->world_h)),
                    (int)lround(v->world_h * TRACK / fmax(v->world_w, v->world_h))};
    SDL_RenderCopy(v->ren, v->track, NULL, &dst);
    SDL_SetRenderDrawColor(v->ren, 255, 140, 0, 255);
    int px = 0, py = 0;
    for (int i = 0; i < v->trail_n; i++) {
        int t = (v->trail_head + i) % TRAIL, x, y;
        to_screen(v, v->trail[2 * t], v->trail[2 * t + 1], &x, &y);
        if (i && (x != px || y != py))
            SDL_RenderDrawLine(v->ren, px, py, x, y);
        px = x;
        py = y;
    }
    draw_robot(v, 0, (pm_view_box){0, 0, 0, 0});
}

static void draw_zoom(view *v, pm_view_box box)
{
    SDL_Rect clip = {box.x, box.y, box.w, box.h};
    SDL_RenderSetClipRect(v->ren, &clip);
    SDL_SetRenderDrawColor(v->ren, 255, 255, 255, 255);
    SDL_RenderFillRect(v->ren, &clip);
    /* the texture region under the box: world units -> texture pixels (row 0 = top = largest y) */
    double cx, cy, half_w = box.w / 2.0 / ZOOM_PX_PER_UNIT, half_h = box.h / 2.0 / ZOOM_PX_PER_UNIT;
    pm_sim_to_world(pm_runner_sim(v->run), ZOOM_AHEAD, 0, &cx, &cy);
    SDL_Rect src = {(int)lround((cx - half_w) * v->ppu), (int)lround((v->world_h - cy - half_h) * v->ppu),
                    (int)lround(2 * half_w * v->ppu), (int)lround(2 * half_h * v->ppu)};
    SDL_RenderCopy(v->ren, v->track, &src, &clip);
    draw_robot(v, 1, box);
    SDL_RenderSetClipRect(v->ren, NULL);
}

/* Frame, label and (lo, hi) scale of a plot box. */
static void plot_frame(view *v, pm_view_box b, const char *label, double lo, double hi)
{
    SDL_Rect r = {b.x, b.y, b.w, b.h};
    SDL_SetRenderDrawColor(v->ren, 250, 250, 250, 255);
    SDL_RenderFillRect(v->ren, &r);
    SDL_SetRenderDrawColor(v->ren, 180, 180, 180, 255);
    SDL_RenderDrawRect(v->ren, &r);
    char text[96];
    if (hi > lo)
        snprintf(text, sizeof text, "%s  %.3g .. %.3g", label, lo, hi);
    else
        snprintf(text, sizeof text, "%s", label);
    SDL_SetRenderDrawColor(v->ren, 40, 40, 40, 255);
    pm_view_text(v->ren, b.x + 4, b.y + 4, 1, text);
}

static void draw_plots(view *v, pm_view_box be, pm_view_box br, pm_view_box bd)
{
    int stride = 2 + v->n_layers;
    double lo, hi;
    /* E: symmetric around 0 so the sign is visible */
    pm_view_ring_range(v->hist, HIST, v->hist_head, v->hist_n, stride, &lo, &hi);
    double m = fmax(fmax(fabs(lo), fabs(hi)), 1e-9);
    plot_frame(v, be, "E", -m, m);
    SDL_SetRenderDrawColor(v->ren, 210, 0, 0, 255);
    pm_view_plot_ring(v->ren, be, v->hist, HIST, v->hist_head, v->hist_n, stride, -m, m);
    pm_view_ring_range(v->hist + 1, HIST, v->hist_head, v->hist_n, stride, &lo, &hi);
    hi = fmax(hi, lo + 1e-9);
    plot_frame(v, br, "R", lo, hi);
    SDL_SetRenderDrawColor(v->ren, 0, 130, 0, 255);
    pm_view_plot_ring(v->ren, br, v->hist + 1, HIST, v->hist_head, v->hist_n, stride, lo, hi);
    /* distances: one common scale from 0 to the largest of any layer */
    double top = 1e-12;
    for (int l = 0; l < v->n_layers; l++) {
        pm_view_ring_range(v->hist + 2 + l, HIST, v->hist_head, v->hist_n, stride, &lo, &hi);
        top = fmax(top, hi);
    }
    plot_frame(v, bd, "DIST |W-W0| PER LAYER", 0, v->n_layers ? top : 0);
    for (int l = 0; l < v->n_layers; l++) {
        Uint8 r, g, b;
        pm_view_palette(l, &r, &g, &b);
        SDL_SetRenderDrawColor(v->ren, r, g, b, 255);
        pm_view_plot_ring(v->ren, bd, v->hist + 2 + l, HIST, v->hist_head, v->hist_n, stride, 0, top);
    }
}

static void draw_weights(view *v, pm_view_box b)
{
    const pm_net *net = pm_loop_net(pm_runner_loop(v->run));
    plot_frame(v, b, "LAYER 1 WEIGHTS", 0, 0);
    if (!net || !v->weights)
        return;
    int rows, cols;
    const double *w = pm_net_layer_weights(net, 0, &rows, &cols);
    double m = 1e-300;
    for (int i = 0; i < rows * cols; i++)
        m = fmax(m, fabs(w[i]));
    for (int i = 0; i < rows * cols; i++)
        v->wpix[i] = pm_view_diverging(w[i] / m);
    SDL_UpdateTexture(v->weights, NULL, v->wpix, cols * (int)sizeof(Uint32));
    SDL_Rect dst = {b.x + 2, b.y + 14, b.w - 4, b.h - 16};
    SDL_RenderCopy(v->ren, v->weights, NULL, &dst);
    char text[64];
    snprintf(text, sizeof text, "MAX %.3g", m);
    SDL_SetRenderDrawColor(v->ren, 40, 40, 40, 255);
    pm_view_text(v->ren, b.x + b.w - 90, b.y + 4, 1, text);
}

/* One line: rule, step, success, learning, speed, last message. Also the window title. */
static void draw_status(view *v, int y)
{
    const pm_config *c = pm_runner_config(v->run);
    const pm_loop *loop = pm_runner_loop(v->run);
    long ss = pm_loop_success_step(loop);
    char succ[48], line[320];
    if (ss >= 0)
        snprintf(succ, sizeof succ, "success at %ld", ss);
    else
        snprintf(succ, sizeof succ, "%s", pm_runner_done(v->run) ? "ended, no success" : "no success yet");
    snprintf(line, sizeof line, "primod view - %s - step %ld - %s", pm_config_rule_name(c->rule), v->steps, succ);
    if (v->win)
        SDL_SetWindowTitle(v->win, line);
    snprintf(line, sizeof line, "%s  STEP %ld  %s  LEARN %s  X%d%s  %s", pm_config_rule_name(c->rule), v->steps, succ,
             v->learning ? "ON" : "OFF", v->speed, v->paused ? "  PAUSED" : "", v->status);
    SDL_SetRenderDrawColor(v->ren, 20, 20, 20, 255);
    pm_view_text(v->ren, COL_X, y, 1, line);
}

static void render(view *v)
{
    pm_sim_sense(pm_runner_sim(v->run), &(pm_sim_reading){0}, v->pred);
    SDL_SetRenderDrawColor(v->ren, 230, 230, 230, 255);
    SDL_RenderClear(v->ren);
    draw_track_panel(v);
    draw_zoom(v, (pm_view_box){COL_X, MARGIN, COL_W, 190});
    draw_plots(v, (pm_view_box){COL_X, 210, COL_W, 110}, (pm_view_box){COL_X, 330, COL_W, 80},
               (pm_view_box){COL_X, 420, COL_W, 140});
    draw_weights(v, (pm_view_box){COL_X, 570, COL_W, 110});
    draw_status(v, WIN_H - 25);
}

/* ---- setup ---- */

static int open_runner(view *v, char *err)
{
    int rc = pm_runner_create(&v->opt.cfg, v->opt.load_model, &v->run, err);
    if (rc)
        return rc;
    clear_history(v);
    return 0;
}

/* Video window with the software renderer; for screenshots without any usable video driver, an off-screen
 * surface (same drawing code). Returns 0 or -1 with err. */
static int open_display(view *v, char *err)
{
    int headless = v->opt.screenshot != NULL;
    if (SDL_Init(SDL_INIT_VIDEO) == 0) {
        /* Without a display SDL may still start its dummy or offscreen driver: an interactive viewer would then
         * run with no window nobody can close, so say so instead. */
        const char *drv = SDL_GetCurrentVideoDriver();
        if (!headless && drv && (!strcmp(drv, "dummy") || !strcmp(drv, "offscreen"))) {
            snprintf(err, PM_CFG_ERR_MAX, "no display (SDL video driver '%s'): set DISPLAY, or use --screenshot FILE.png",
                     drv);
            return -1;
        }
        v->win = SDL_CreateWindow("primod view", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, WIN_W, WIN_H,
                                  headless ? SDL_WINDOW_HIDDEN : SDL_WINDOW_SHOWN);
        if (v->win && (v->ren = SDL_CreateRenderer(v->win, -1, SDL_RENDERER_SOFTWARE)))
            return 0;
        if (v->win)
            SDL_DestroyWindow(v->win);
        v->win = NULL;
    }
    if (!headless) {
        snprintf(err, PM_CFG_ERR_MAX, "cannot open a window: %s (no display? try --screenshot FILE.png)",
                 SDL_GetError());
        return -1;
    }
    v->offscreen = SDL_CreateRGBSurfaceWithFormat(0, WIN_W, WIN_H, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!v->offscreen || !(v->ren = SDL_CreateSoftwareRenderer(v->offscreen))) {
        snprintf(err, PM_CFG_ERR_MAX, "cannot create an off-screen renderer: %s", SDL_GetError());
        return -1;
    }
    return 0;
}

/* Buffers sized once from the runner (the viewer allocates nothing per step). */
static int alloc_buffers(view *v, char *err)
{
    const pm_sim *sim = pm_runner_sim(v->run);
    v->n_pred = pm_sim_n_predictors(sim);
    v->n_layers = pm_runner_n_layers(v->run);
    v->pred = calloc((size_t)v->n_pred, sizeof *v->pred);
    v->pred_xy = calloc((size_t)v->n_pred * 2, sizeof *v->pred_xy);
    v->trail = calloc((size_t)TRAIL * 2, sizeof *v->trail);
    v->hist = calloc((size_t)HIST * (size_t)(2 + v->n_layers), sizeof *v->hist);
    if (!v->pred || !v->pred_xy || !v->trail || !v->hist) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        return -1;
    }
    pm_sim_predictor_offsets(sim, v->pred_xy);
    const pm_net *net = pm_loop_net(pm_runner_loop(v->run));
    if (net && pm_net_layer_weights(net, 0, &v->wrows, &v->wcols)) {
        v->wpix = calloc((size_t)v->wrows * (size_t)v->wcols, sizeof *v->wpix);
        v->weights = SDL_CreateTexture(v->ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STREAMING, v->wcols,
                                       v->wrows);
        if (!v->wpix || !v->weights) {
            snprintf(err, PM_CFG_ERR_MAX, "weight image: %s", v->wpix ? SDL_GetError() : "out of memory");
            return -1;
        }
    }
    if (make_track_texture(v)) {
        snprintf(err, PM_CFG_ERR_MAX, "track texture: %s", SDL_GetError());
        return -1;
    }
    return 0;
}

static void close_view(view *v)
{
    if (v->weights)
        SDL_DestroyTexture(v->weights);
    if (v->track)
        SDL_DestroyTexture(v->track);
    if (v->ren)
        SDL_DestroyRenderer(v->ren);
    if (v->win)
        SDL_DestroyWindow(v->win);
    if (v->offscreen)
        SDL_FreeSurface(v->offscreen);
    SDL_Quit();
    pm_runner_destroy(v->run);
    free(v->pred);
    free(v->pred_xy);
    free(v->trail);
    free(v->hist);
    free(v->wpix);
}

/* ---- interaction ---- */

static int handle_key(view *v, SDL_Keycode k, char *err)
{
    switch (k) {
    case SDLK_q:
    case SDLK_ESCAPE:
        return 1;
    case SDLK_SPACE:
        v->paused = !v->paused;
        break;
    case SDLK_PLUS:
    case SDLK_EQUALS:
    case SDLK_KP_PLUS:
        v->speed = v->speed < 1024 ? v->speed * 2 : v->speed;
        break;
    case SDLK_MINUS:
    case SDLK_KP_MINUS:
        v->speed = v->speed > 1 ? v->speed / 2 : 1;
        break;
    case SDLK_l:
        v->learning = !v->learning;
        pm_runner_set_learning(v->run, v->learning);
        snprintf(v->status, sizeof v->status, "learning %s", v->learning ? "on" : "off");
        break;
    case SDLK_r:
        pm_runner_destroy(v->run);
        v->run = NULL;
        if (open_runner(v, err))
            return -1;
        snprintf(v->status, sizeof v->status, "reset");
        break;
    case SDLK_s: {
        const pm_net *net = pm_loop_net(pm_runner_loop(v->run));
        pm_status st = net ? pm_net_save(net, v->opt.save_model) : PM_ERR_ARG;
        snprintf(v->status, sizeof v->status, "%s %.100s%s%s", st ? "cannot save" : "saved", v->opt.save_model,
                 st ? ": " : "", st ? (net ? pm_status_str(st) : "reflex has no network") : "");
        fprintf(stderr, "primod view: %s\n", v->status);
        break;
    }
    default:
        break;
    }
    return 0;
}

int pm_view_parse_keys(pm_view_options *o, const char *spec, char *err, size_t errcap)
{
    static const struct {
        const char *name;
        SDL_Keycode code;
    } keys[] = {{"space", SDLK_SPACE}, {"+", SDLK_PLUS}, {"-", SDLK_MINUS}, {"l", SDLK_l},
                {"r", SDLK_r},         {"s", SDLK_s},    {"q", SDLK_q}};
    pm_view_options tmp = *o;
    tmp.n_keys = 0;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", spec);
    for (char *item = buf, *next; item; item = next) {
        if ((next = strchr(item, ',')))
            *next++ = 0;
        char *colon = strchr(item, ':');
        long frame;
        if (colon)
            *colon = 0;
        if (!colon || pm_parse_long(item, &frame) || frame < 0) {
            snprintf(err, errcap, "'%.100s': expected FRAME:KEY with FRAME >= 0", item);
            return -1;
        }
        size_t k = 0;
        while (k < sizeof keys / sizeof keys[0] && strcmp(colon + 1, keys[k].name))
            k++;
        if (k == sizeof keys / sizeof keys[0] || tmp.n_keys == PM_VIEW_MAX_KEYS) {
            snprintf(err, errcap, "'%.100s': %s", colon + 1,
                     tmp.n_keys == PM_VIEW_MAX_KEYS ? "too many keys" : "unknown key (space + - l r s q)");
            return -1;
        }
        tmp.key_frame[tmp.n_keys] = frame;
        tmp.key_code[tmp.n_keys++] = keys[k].code;
    }
    *o = tmp;
    return 0;
}

/* Presses the scripted keys of this frame. Returns as handle_key (1 quit, -1 error). */
static int scripted_keys(view *v, long frame, char *err)
{
    for (int i = 0; i < v->opt.n_keys; i++)
        if (v->opt.key_frame[i] == frame) {
            int rc = handle_key(v, v->opt.key_code[i], err);
            if (rc)
                return rc;
        }
    return 0;
}

/* The frames of the view: keys (user and scripted), `speed` steps unless paused, draw. Headless runs
 * --frames frames without delay and draws only the last one; interactive runs until Q or --frames. */
static int run_frames(view *v, char *err)
{
    int headless = v->opt.screenshot != NULL;
    for (long f = 0; !v->opt.frames || f < v->opt.frames; f++) {
        SDL_Event e;
        while (v->win && SDL_PollEvent(&e)) {
            if (e.type == SDL_QUIT && !headless)
                return 0;
            if (e.type == SDL_KEYDOWN && !headless) {
                int rc = handle_key(v, e.key.keysym.sym, err);
                if (rc)
                    return rc < 0 ? -1 : 0;
            }
        }
        int rc = scripted_keys(v, f, err);
        if (rc)
            return rc < 0 ? -1 : 0;
        if (!v->paused)
            advance(v, v->speed);
        if (!headless) {
            render(v);
            SDL_RenderPresent(v->ren);
            SDL_Delay(16);
        }
    }
    return 0;
}

static void print_pose(const view *v)
{
    /* the first five columns of run --log (runner.c log_row): same values, same format */
    const double deg = 180.0 / acos(-1.0);
    if (v->steps)
        printf("%ld\t%.9g\t%.9g\t%.9g\t%.9g\n", v->last.step, v->last.x, v->last.y, v->last.heading * deg,
               v->last.error);
}

int pm_view_run(const pm_view_options *o)
{
    view v;
    memset(&v, 0, sizeof v);
    v.opt = *o;
    v.speed = 1;
    char err[PM_CFG_ERR_MAX];
    int rc = open_runner(&v, err);
    if (rc) {
        fprintf(stderr, "primod view: %s\n", err);
        return rc;
    }
    rc = PM_EXIT_FAILURE;
    if (open_display(&v, err) || alloc_buffers(&v, err))
        goto out;
    if (run_frames(&v, err))
        goto out;
    if (o->screenshot) {
        render(&v);
        if (pm_view_save_png(v.ren, WIN_W, WIN_H, o->screenshot, err, sizeof err))
            goto out;
    }
    if (o->print_pose)
        print_pose(&v);
    rc = fflush(stdout) ? PM_EXIT_FAILURE : PM_EXIT_OK;
    snprintf(err, sizeof err, "cannot write to stdout");
out:
    if (rc)
        fprintf(stderr, "primod view: %s\n", err);
    close_view(&v);
    return rc;
}

#endif
