/* The line-follower world of SPEC §6: ground textures (built-in or PNG tracks), robot kinematics and sensors. */
#ifndef PRIMOD_SIM_H
#define PRIMOD_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "primod/setup.h"
#include "primod/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------------------------
 * World: a grey texture, 0 = black (line) .. 1 = white (ground), ppu pixels per world unit.
 * Coordinates: pixel (px, py) with (0, 0) top left sits at world x = px/ppu, y = (height_px - py)/ppu, so world
 * y grows upward and the world covers x in [0, width_px/ppu], y in [0, height_px/ppu].
 * ------------------------------------------------------------------------------------------------------------ */
typedef struct pm_world pm_world;

/* Names of the built-in tracks ("paper" first, the default), static storage; *n (if not NULL) gets the count. */
const char *const *pm_track_names(int *n);

/* Draws a built-in track at ppu pixels per unit (4 in the paper preset); each is 250 x 250 units with a line
 * 2.75 units wide. "paper": a rounded square whose top side is pushed 120 units inward by a U-shaped bay (the
 * reflex alone follows it at speed 30 and 60); "oval"; "figure8" (crosses itself); "zigzag" (unrounded 90- and
 * 45-degree corners); "s-curves". PM_ERR_ARG for NULL, an unknown name or ppu not in (0, 64]; PM_ERR_LIMIT if the
 * texture and one sensor map would exceed the memory budget (pm_world_estimate_bytes; about ppu 37 with the
 * default 1 GiB); PM_ERR_NOMEM; PM_ERR_CANCELLED. Free with pm_world_destroy. */
pm_status pm_world_create_builtin_ex(const char *name, double ppu, const pm_setup *opt, pm_world **out);
pm_status pm_world_create_builtin(const char *name, double ppu, pm_world **out);  /* _ex with opt NULL */

/* Texture size in pixels of every built-in track at ppu: ceil(250 ppu) a side. PM_ERR_ARG for NULL or a bad ppu. */
pm_status pm_track_size_px(double ppu, int *w_px, int *h_px);

/* Loads a track from a PNG file (any bit depth / colour type, converted to grey 0..1; transparency, from an alpha
 * channel or a tRNS chunk, is composited over white): a dark line on light ground. The file must be a regular file
 * of at most PM_WORLD_MAX_PNG_FILE bytes, at most PM_WORLD_MAX_SIDE px a side (checked from its header before any
 * pixel is allocated) and within the memory budget (pm_world_estimate_bytes with one sensor map).
 * Statuses (opt->detail gets the specific message): PM_ERR_IO if the file cannot be opened or read, or is not a
 * regular file; PM_ERR_LIMIT if the file or the image is too large; PM_ERR_FORMAT if it is not a PNG, is damaged or
 * truncated, or has no line (no pixel darker than PM_WORLD_LINE_GREY, or no light pixel at all); PM_ERR_ARG for NULL
 * or a bad ppu; PM_ERR_NOMEM; PM_ERR_CANCELLED. The start pose is guessed: on the middle of the line nearest the
 * image's bottom centre, heading along it, counter-clockwise about the image centre. */
pm_status pm_world_load_png_ex(const char *path, double ppu, const pm_setup *opt, pm_world **out);
pm_status pm_world_load_png(const char *path, double ppu, pm_world **out);  /* _ex with opt NULL */

/* Same as pm_world_load_png from n bytes in memory (the bytes are not kept). */
pm_status pm_world_load_png_mem_ex(const void *data, size_t n, double ppu, const pm_setup *opt, pm_world **out);
pm_status pm_world_load_png_mem(const void *data, size_t n, double ppu, pm_world **out);

/* Largest PNG file (bytes) and texture side (px) accepted: a track is a line drawing, which compresses to a few MB
 * even at the largest side; the side bounds every texture (PNG, pixels, built-in). */
#define PM_WORLD_MAX_PNG_FILE (256L << 20)
#define PM_WORLD_MAX_SIDE 16384

/* A PNG track must have at least one pixel with grey below this, or it is refused ("track has no line"). */
#define PM_WORLD_LINE_GREY 0.5

/* Copies a w x h grey texture (row-major, row 0 = top, values in [0, 1]); any content is accepted (all white
 * too: tests use it). PM_ERR_ARG for NULL, w or h < 1 or > 16384, a value outside [0, 1], bad ppu;
 * PM_ERR_NONFINITE for NaN/inf pixels; PM_ERR_LIMIT over the default memory budget; PM_ERR_NOMEM. The world has
 * no start pose. */
pm_status pm_world_from_pixels(const float *grey, int w, int h, double ppu, pm_world **out);

/* Frees the world; NULL does nothing. Every pm_sim using it must be destroyed first. */
void pm_world_destroy(pm_world *w);

/* Accessors; a NULL world gives 0 (NULL for pm_world_pixels, "" for pm_world_name). */
int pm_world_width_px(const pm_world *w);
int pm_world_height_px(const pm_world *w);
double pm_world_ppu(const pm_world *w);
/* World size in units: width_px/ppu and height_px/ppu (either pointer may be NULL). */
void pm_world_size(const pm_world *w, double *width, double *height);
/* The grey texture, (height_px, width_px) row-major, row 0 = top; valid until pm_world_destroy. */
const float *pm_world_pixels(const pm_world *w);
/* Name of a built-in track, "png" or "pixels"; static storage. */
const char *pm_world_name(const pm_world *w);

/* Start pose of a built-in or PNG track: on the line, heading (rad, CCW from +x) along it. PM_ERR_ARG for NULL
 * arguments or a world without a start (from pixels): the caller then gives one explicitly. */
pm_status pm_world_start_pose(const pm_world *w, double *x, double *y, double *heading);

/* ------------------------------------------------------------------------------------------------------------
 * Simulation: a differential-drive robot on a world, with a reflex sensor pair and rows of predictor sensors.
 * Robot frame: x forward, y to the left. All lengths in world units, times in s, speeds in units/s.
 * ------------------------------------------------------------------------------------------------------------ */
typedef struct pm_sim pm_sim;

typedef struct {
    double dt;               /* s per step (0.03) */
    double wheel_distance;   /* units (5.2); heading rate = (v_r - v_l)/wheel_distance rad/s */
    double max_wheel_speed;  /* units/s (100): each wheel command is clamped to +-this */
    double wheel_noise;      /* relative wheel noise (0 = off; 0.05 in the paper): v *= 1 + noise*N(0,1) */
    uint64_t seed;           /* seed of the sim's own pm_rng (wheel noise) */
    /* Reflex pair: left sensor at (reflex_x, +reflex_y), right at (reflex_x, -reflex_y); E = gain*(left-right). */
    double reflex_x;         /* 10 */
    double reflex_y;         /* 5 */
    double reflex_sigma;     /* Gaussian footprint sigma, 0.4 */
    double reflex_gain;      /* g_E, 50 */
    /* Predictors: n_rows rows at x = row_x0 + r*row_dx (row 0 nearest), each row_len sensors spaced
     * row_spacing, centred on y = 0; index i = 0 is the LEFTMOST sensor (largest y):
     * y_i = (row_len-1)/2*row_spacing - i*row_spacing, i.e. +5.875 .. -5.875 in the paper preset. */
    int n_rows;              /* 3 */
    int row_len;             /* 48 */
    double row_x0;           /* 11 */
    double row_dx;           /* 1 */
    double row_spacing;      /* 0.25 */
    double predictor_sigma;  /* 0.5 */
    /* line_seen is set when any reflex or predictor sensor's weighted darkness (0 white .. 1 black) exceeds this. */
    double line_threshold;   /* 0.25 */
} pm_sim_config;

/* Fills c with the paper preset of SPEC §6 (values in the comments above). */
void pm_sim_config_paper(pm_sim_config *c);

/* Reading of all sensors at the current pose (SPEC §6). reading = 1/(1+exp(-b)), b = 1 - weighted darkness:
 * exactly PM_SIM_WHITE_READING over pure white, 0.5 over pure black. */
typedef struct {
    double error;         /* E = reflex_gain*(reflex_left - reflex_right); E > 0: the line is to the RIGHT, so
                           * steering s = E (left wheel v+s, right v-s, SPEC §5) turns toward it */
    double reflex_left;   /* reading of the left reflex sensor */
    double reflex_right;  /* reading of the right reflex sensor */
    int line_seen;        /* 1 if any sensor sees the line (darkness > line_threshold), else 0 */
} pm_sim_reading;

/* Reading over pure white, 1/(1+e^-1); predictor value = this - reading, clipped at 0 (0 exactly on white). */
#define PM_SIM_WHITE_READING 0.7310585786300049

/* Memory budget (SPEC §6 pre-blurs the texture once per footprint sigma): an upper bound of the bytes that a w_px x
 * h_px world and a sim with config c on it hold at once: the float texture, the blur's double scratch (one map at a
 * time), the compact sensor maps (16-bit darkness in 64-byte tiles, white tiles shared: at most 3.3 bytes a pixel
 * each, no white tile at all being the worst case), and the sim's tables. One map per distinct sigma
 * (reflex_sigma == predictor_sigma shares one); each map is counted as at least 8 bytes a pixel, as when the maps
 * were doubles, so the limits below did not move (the true peak with two maps is about 4 + 8 + 3.3 bytes a pixel).
 * c NULL counts one map, the least any sim needs: the world loaders refuse a texture whose estimate with c NULL
 * exceeds the budget, pm_sim_create_ex one whose estimate with its config does. 4 + 8 + 8 bytes a pixel: 1 GiB
 * holds about 53.7 M pixels with two maps (a 250-unit built-in track up to ppu 29), 89 M with one (ppu 37).
 * SIZE_MAX for sizes outside [1, 16384]. A config layer calls it before creating anything to name the parameter
 * (ppu, image size, sigmas) that is too large. */
size_t pm_world_estimate_bytes(int w_px, int h_px, const pm_sim_config *c);

/* Creates a sim on world w (borrowed: it must outlive the sim) with a copy of config c, blurring the texture
 * once per distinct footprint sigma (SPEC §6). The robot starts at the world's start pose if it has one, else at
 * the world's centre heading +x. PM_ERR_ARG for NULL or a bad config (non-positive dt, wheel distance, speed
 * limit, sigmas, spacing, row sizes; negative noise; a footprint 3 sigma wider than PM_WORLD_MAX_SIDE px);
 * PM_ERR_NONFINITE for NaN/inf fields; PM_ERR_LIMIT if pm_world_estimate_bytes(w, c) exceeds the budget;
 * PM_ERR_NOMEM; PM_ERR_CANCELLED (opt->cancel raised during the blur). The blur costs O(pixels) whatever the
 * sigma: a direct truncated kernel up to 32 px radius, a recursive (IIR) Gaussian beyond. Free with pm_sim_destroy. */
pm_status pm_sim_create_ex(const pm_sim_config *c, const pm_world *w, const pm_setup *opt, pm_sim **out);
/* The config checks of pm_sim_create_ex that need no world (all but the footprint's width in pixels, which needs
 * its ppu): PM_OK, or PM_ERR_ARG (NULL, a field out of range) / PM_ERR_NONFINITE with the reason in opt->detail
 * (opt may be NULL). Lets a caller tell a refusal caused by the config from one caused by the world before
 * building either (the run cache remembers only the latter). */
pm_status pm_sim_config_check(const pm_sim_config *c, const pm_setup *opt);
pm_status pm_sim_create(const pm_sim_config *c, const pm_world *w, pm_sim **out);  /* _ex with opt NULL */
/* Creates a sim with config c on the world of `maps`, reading the blurred sensor maps of `maps` instead of blurring
 * the texture again (microseconds instead of about 0.1 s per map at the paper's ppu): the same readings, bit for
 * bit, as pm_sim_create(c, world). The maps depend only on the world and the two footprint sigmas, so c must have
 * the reflex_sigma and predictor_sigma of maps's config (PM_ERR_ARG otherwise); every other field may differ (seed,
 * sensor layout, speeds). `maps` is borrowed: destroy every sim created from it first. Errors as pm_sim_create. */
pm_status pm_sim_create_shared(const pm_sim_config *c, const pm_sim *maps, pm_sim **out);

/* Frees the sim (not its world); NULL does nothing. */
void pm_sim_destroy(pm_sim *s);

/* Places the robot; heading in rad CCW from +x (wrapped to (-pi, pi]). PM_ERR_ARG for NULL or a centre off
 * the texture; PM_ERR_NONFINITE for NaN/inf. Sensors outside the texture read white. */
pm_status pm_sim_set_pose(pm_sim *s, double x, double y, double heading);

/* Reads all sensors at the current pose; allocates nothing. predictors (may be NULL) gets pm_sim_n_predictors
 * values, predictors[r*row_len + i] (row 0 nearest, i = 0 leftmost), each PM_SIM_WHITE_READING - reading
 * clipped at 0. The weighted darkness is a bilinear sample of the pre-blurred map stored as 16-bit values, so it is
 * within 0.52/65535 of the sample of the double blur (exactly 0 where that is 0: white reads exactly white); the
 * predictor values come from a polynomial within 1.5e-10 of the formula, the reflex readings from the formula.
 * PM_ERR_ARG for NULL s or r. */
pm_status pm_sim_sense(const pm_sim *s, pm_sim_reading *r, double *predictors);

/* Advances one dt with wheel speed commands (units/s): each is perturbed by the wheel noise, then clamped to
 * +-max_wheel_speed; the motion is the exact arc of a differential drive. The robot may leave the texture (its
 * sensors then read white). PM_ERR_NONFINITE for NaN/inf speeds (pose unchanged, no noise drawn). */
pm_status pm_sim_step(pm_sim *s, double left, double right);

/* Current pose: position (units) and heading (rad, CCW from +x, in (-pi, pi]); pointers may be NULL. */
void pm_sim_pose(const pm_sim *s, double *x, double *y, double *heading);
/* Number of steps taken since creation or the last pm_sim_set_pose. */
long pm_sim_steps(const pm_sim *s);

int pm_sim_n_predictors(const pm_sim *s);  /* n_rows * row_len (144 in the paper preset) */
int pm_sim_n_rows(const pm_sim *s);
int pm_sim_row_len(const pm_sim *s);
const pm_sim_config *pm_sim_get_config(const pm_sim *s);  /* the sim's copy; valid until pm_sim_destroy */
const pm_world *pm_sim_world(const pm_sim *s);

/* Sensor positions in the robot frame, for drawing: reflex xy = {left x, left y, right x, right y};
 * predictors xy gets (n_predictors, 2) values in the predictor layout above. NULL arguments do nothing. */
void pm_sim_reflex_offsets(const pm_sim *s, double xy[4]);
void pm_sim_predictor_offsets(const pm_sim *s, double *xy);

/* Robot-frame offset (fx, fy) to world coordinates at the current pose (for drawing sensors, the chassis). */
void pm_sim_to_world(const pm_sim *s, double fx, double fy, double *wx, double *wy);

#ifdef __cplusplus
}
#endif
#endif
