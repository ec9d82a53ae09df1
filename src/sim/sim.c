/* Robot kinematics and Gaussian-footprint sensors of the line-follower world (SPEC §6). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/pm_math.h"
#include "primod/rng.h"
#include "sim/world_internal.h"

static const double PI = 3.14159265358979323846;

/* Compact sensor maps (SPEC §6: one pre-blurred map per footprint sigma, sampled bilinearly).
 *
 * The blur is done in doubles as before; its darkness d in [0, 1] is then stored as a 16-bit unorm q =
 * round(65535 d), so 0 stays exactly 0 (pure white reads exactly white, E = 0) and every stored value is within
 * 0.5/65535 of the double one. The values live in tiles of 8 x 4 pixels (32 values, 64 bytes: one cache line)
 * that overlap by one pixel: a tile is stored for every 7 x 3 block of footprint origins, so the 2 x 2 footprint
 * of any bilinear sample lies inside one tile and one cache line, with no branch for tile edges. Tiles that hold
 * only zeros are not stored: their index entries point to one shared white tile (the 1000 x 1000 px paper track:
 * 0.53 MB a map, 190 KB of it index, instead of 8 MB of doubles; the robot's neighbourhood stays in cache).
 *
 * Coordinates are padded by one pixel: padded pixel (X, Y) is texture pixel (X - 1, Y - 1), white outside the
 * texture, so the samples that straddle the left or top border need no special case either. */
#define TILE_W 8                  /* values a tile row */
#define TILE_H 4                  /* tile rows */
#define TILE_OX (TILE_W - 1)      /* footprint origins a tile serves across ... */
#define TILE_OY (TILE_H - 1)      /* ... and down: the footprint reaches one pixel further */
#define TILE_N (TILE_W * TILE_H)  /* 32 values = 64 bytes */
#define TILE_SHIFT 5              /* log2(TILE_N): slot and in-tile offset share one word, see xtab */
#define Q_MAX 65535.0             /* darkness 1 as a 16-bit unorm */

/* Predictor value as a function of darkness d (SPEC §6): g(d) = white - 1/(1 + exp(-(1 - d))), white = g's reading
 * at d = 0. It is evaluated as d * h(d), h a degree-7 polynomial: g(0) = 0 exactly, so white predictors stay exactly
 * 0, with no exp and no table look-up. h is the Chebyshev interpolant of g(d)/d on [0, 1] with 8 coefficients
 * (mpmath.chebyfit at 40 digits, converted to monomial form and rounded to double): g is analytic (its nearest
 * singularities are at 1 - d = +-i pi), so the fit converges fast; its error is at most 1.43e-10 on [0, 1] (mpmath's
 * estimate; a 20001-point check of the double Horner evaluation against g at 40 digits gives 3.8e-11; the sensor
 * tests check 1.5e-10 against libm). The 16-bit darkness itself moves g by up to 0.25 * 0.5/65535 = 1.9e-6. */
static const double PRED_POLY[8] = {0.1966119333891384,     0.04542885480861018,   -0.005887183527362637,
                                    -0.005149633270093733,  -0.0004102273853995995, 0.0003570588785915882,
                                    0.0001629827291828886,  -5.520700074379009e-05};

typedef struct {
    uint32_t *index;   /* (th, tw) tile slots: the slot's tile as an offset in values into tiles (0: white tile) */
    uint16_t *tiles;   /* 64-byte aligned inside tiles_mem; tile 0 is all zeros */
    void *tiles_mem;
} pm_cmap_;

struct pm_sim {
    pm_sim_config cfg;
    const pm_world *world;     /* borrowed */
    pm_rng rng;                /* wheel noise only */
    double x, y, heading;      /* units, units, rad in (-pi, pi] */
    long steps;
    int n_pred;                /* n_rows * row_len */
    double white;              /* reading over pure white, computed exactly as every reading is */
    double reflex_px[4];       /* reflex offsets in pixels: left x, left y, right x, right y (robot frame) */
    int tw, th;                /* tiles across and down (padded texture) */
    const uint32_t *xtab;      /* (w + 1): padded column X -> (X / 7) << 5 | X % 7 */
    const uint32_t *ytab;      /* (h + 1): padded row Y -> (Y / 3) * tw << 5 | (Y % 3) * 8 */
    pm_cmap_ maps[2];          /* maps[1] unused when the sigmas are equal */
    const pm_cmap_ *reflex_map, *pred_map;
};

void pm_sim_config_paper(pm_sim_config *c)
{
    if (!c)
        return;
    memset(c, 0, sizeof *c);
    c->dt = 0.03;
    c->wheel_distance = 5.2;
    c->max_wheel_speed = 100.0;
    c->wheel_noise = 0.0;
    c->seed = 1;
    c->reflex_x = 10.0;
    c->reflex_y = 5.0;
    c->reflex_sigma = 0.4;
    c->reflex_gain = 50.0;
    c->n_rows = 3;
    c->row_len = 48;
    c->row_x0 = 11.0;
    c->row_dx = 1.0;
    c->row_spacing = 0.25;
    c->predictor_sigma = 0.5;
    c->line_threshold = 0.25;
}

/* PM_OK if every field of c is usable (see pm_sim_create's contract). */
static pm_status check_config(const pm_sim_config *c)
{
    const double f[] = {c->dt,       c->wheel_distance, c->max_wheel_speed, c->wheel_noise,     c->reflex_x,
                        c->reflex_y, c->reflex_sigma,   c->reflex_gain,     c->row_x0,          c->row_dx,
                        c->row_spacing, c->predictor_sigma, c->line_threshold};
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        if (!isfinite(f[i]))
            return PM_ERR_NONFINITE;
    if (c->dt <= 0 || c->wheel_distance <= 0 || c->max_wheel_speed <= 0 || c->wheel_noise < 0 ||
        c->reflex_sigma <= 0 || c->predictor_sigma <= 0 || c->row_spacing <= 0 || c->n_rows < 1 ||
        c->row_len < 1 || c->n_rows > 64 || c->row_len > 4096)
        return PM_ERR_ARG;
    return PM_OK;
}

/* Kernel radius in pixels of a footprint: truncated at 3 sigma (SPEC §6). */
static int kernel_radius(double sigma, double ppu)
{
    return (int)ceil(3.0 * sigma * ppu);
}

/* Fills k (2r+1) with a normalised 1-D Gaussian of sigma_px pixels, cut at r = 3 sigma. */
static void gaussian_kernel(double *k, int r, double sigma_px)
{
    double sum = 0.0;
    for (int j = -r; j <= r; j++) {
        k[j + r] = exp(-0.5 * (j / sigma_px) * (j / sigma_px));
        sum += k[j + r];
    }
    for (int j = 0; j <= 2 * r; j++)
        k[j] /= sum;
}

/* out[i] = sum_j k[j+r] * in[i+j] for i < n (overwrites); samples outside [0, n) are white (darkness 0). */
static void convolve_line(double *out, ptrdiff_t out_stride, const double *in, int n, const double *k, int r)
{
    for (int i = 0; i < n; i++) {
        int j0 = i - r < 0 ? -i : -r, j1 = i + r >= n ? n - 1 - i : r;
        double s = 0.0;
        for (int j = j0; j <= j1; j++)
            s += k[j + r] * in[i + j];
        out[(ptrdiff_t)i * out_stride] = s;
    }
}

/* Footprints up to this radius (px) are blurred with the direct truncated kernel (at most 65 taps a pixel, and
 * bit-for-bit the results of earlier versions at the usual ppu); wider ones with the recursive filter below, whose
 * cost does not depend on sigma. */
#define DIRECT_MAX_RADIUS 32

/* Columns blurred together (see blur_darkness); the sim's scratch holds COL_BLOCK + 2 lines (PM_SIM_SCRATCH_LINES
 * in world_internal.h, counted by pm_world_estimate_bytes). */
#define COL_BLOCK (PM_SIM_SCRATCH_LINES - 2)

/* Recursive Gaussian of Deriche (1993, 4th order), in the parallel form of two complex first-order filters
 * (Getreuer, "A survey of Gaussian convolution algorithms", IPOL 2013): for x >= 0 (in sigmas)
 * exp(-x^2/2) ~ sum_k 2 Re[a_k exp(-l_k x)] within 5.2e-4, so a causal pass u[i] = in[i] + z u[i-1] and an
 * anticausal one v[i] = z (in[i+1] + v[i+1]) with z = exp(-l_k / sigma_px) give the sampled Gaussian; dividing by
 * the sum of all its samples, sum_k 2 Re[a_k (1+z)/(1-z)], normalises it. Against the truncated kernel the result
 * differs by under 0.25% of full scale per pass (the truncation itself moves 0.27%). */
static const double DERICHE_A[2][2] = {{0.84, 1.8675}, {-0.34015, -0.1299}};  /* a_k: re, im */
static const double DERICHE_L[2][2] = {{1.783, 0.6318}, {1.723, 1.997}};      /* l_k: re, im */

/* out[i * out_stride] = the recursive Gaussian (sigma_px) of in (n samples, darkness >= 0) with white (0) beyond both
 * ends; tmp: n scratch. Outputs farther than r from every non-zero input are set to exactly 0, as the truncated
 * kernel would give (a sliding count of non-zero inputs keeps this exact), so pure white stays exactly white and
 * the E = 0 / predictor = 0 guarantees of SPEC §6 hold; tiny negative rounding residues are clipped to 0.
 * Complex values are written out as (re, im) pairs so the arithmetic is plain, ordered double operations. */
static void recursive_line(double *out, ptrdiff_t out_stride, const double *in, int n, double sigma_px, int r,
                           double *tmp)
{
    double zr[2], zi[2], norm = 0.0;
    for (int k = 0; k < 2; k++) {
        double m = pm_exp(-DERICHE_L[k][0] / sigma_px), ph = DERICHE_L[k][1] / sigma_px;
        zr[k] = m * cos(ph);
        zi[k] = -m * sin(ph);
        /* Re[a (1 + z) / (1 - z)] */
        double nr = 1.0 + zr[k], ni = zi[k], dr = 1.0 - zr[k], di = -zi[k], dd = dr * dr + di * di;
        double qr = (nr * dr + ni * di) / dd, qi = (ni * dr - nr * di) / dd;
        norm += 2.0 * (DERICHE_A[k][0] * qr - DERICHE_A[k][1] * qi);
    }
    for (int i = 0; i < n; i++)
        tmp[i] = 0.0;
    for (int k = 0; k < 2; k++) {
        double ar = 2.0 * DERICHE_A[k][0] / norm, ai = 2.0 * DERICHE_A[k][1] / norm;
        double ur = 0.0, ui = 0.0;
        for (int i = 0; i < n; i++) {  /* causal: u = in[i] + z u */
            double t = in[i] + zr[k] * ur - zi[k] * ui;
            ui = zr[k] * ui + zi[k] * ur;
            ur = t;
            tmp[i] += ar * ur - ai * ui;
        }
        ur = ui = 0.0;
        for (int i = n - 1; i >= 0; i--) {  /* anticausal: v = z (in[i + 1] + v) */
            tmp[i] += ar * ur - ai * ui;
            double sr = in[i] + ur, si = ui;
            ur = zr[k] * sr - zi[k] * si;
            ui = zr[k] * si + zi[k] * sr;
        }
    }
    int count = 0;  /* non-zero inputs in [i - r, i + r] */
    for (int i = 0; i < r && i < n; i++)
        count += in[i] != 0.0;
    for (int i = 0; i < n; i++) {
        if (i + r < n)
            count += in[i + r] != 0.0;
        if (i - r - 1 >= 0)
            count -= in[i - r - 1] != 0.0;
        out[(ptrdiff_t)i * out_stride] = count == 0 || tmp[i] < 0.0 ? 0.0 : tmp[i];
    }
}

/* Overwrites map (h, w) with the darkness 1 - grey of the world blurred by a separable Gaussian of sigma units,
 * truncated at 3 sigma and normalised (SPEC §6: pre-blur once per footprint width). Being separable, the cut is
 * a square of half-side 3 sigma rather than a disc: its corners hold about 0.6% of the Gaussian's mass (0.9946
 * inside the square vs 1 - e^-4.5 = 0.9889 inside the disc), a negligible difference after normalisation.
 * Pure white regions stay exactly 0, since only zeros are summed there. Radii above DIRECT_MAX_RADIUS use the
 * recursive filter, so the cost is O(w h) for any sigma. line, tmp: max(w, h) scratch each; cols: COL_BLOCK h;
 * k: 2r+1 (direct radii only). PM_ERR_CANCELLED as soon as opt's flag is seen (checked every row and column). */
static pm_status blur_darkness(double *map, const pm_world *wd, double sigma, double *line, double *tmp, double *cols,
                               double *k, const pm_setup *opt)
{
    int w = wd->w, h = wd->h, r = kernel_radius(sigma, wd->ppu);
    int direct = r <= DIRECT_MAX_RADIUS;
    if (direct)
        gaussian_kernel(k, r, sigma * wd->ppu);
    for (int y = 0; y < h; y++) {
        if (pm_setup_cancelled_(opt))
            return PM_ERR_CANCELLED;
        const float *g = &wd->px[(size_t)y * (size_t)w];
        for (int x = 0; x < w; x++)
            line[x] = 1.0 - (double)g[x];
        if (direct)
            convolve_line(&map[(size_t)y * (size_t)w], 1, line, w, k, r);
        else
            recursive_line(&map[(size_t)y * (size_t)w], 1, line, w, sigma * wd->ppu, r, tmp);
    }
    /* Columns in blocks of COL_BLOCK: gathering one block reads whole cache lines of each row instead of one
     * double per row and line (a strided column copy cost ~10 s per map at 7000 x 7000 px). Each column is still
     * filtered on its own, with the same arithmetic as before. */
    for (int x0 = 0; x0 < w; x0 += COL_BLOCK) {
        if (pm_setup_cancelled_(opt))
            return PM_ERR_CANCELLED;
        int nb = w - x0 < COL_BLOCK ? w - x0 : COL_BLOCK;
        for (int y = 0; y < h; y++) {
            const double *row = &map[(size_t)y * (size_t)w + (size_t)x0];
            for (int b = 0; b < nb; b++)
                cols[(size_t)b * (size_t)h + (size_t)y] = row[b];
        }
        for (int b = 0; b < nb; b++) {
            double *col = &cols[(size_t)b * (size_t)h];
            if (direct)
                convolve_line(line, 1, col, h, k, r);
            else
                recursive_line(line, 1, col, h, sigma * wd->ppu, r, tmp);
            memcpy(col, line, (size_t)h * sizeof *col);
        }
        for (int y = 0; y < h; y++) {
            double *row = &map[(size_t)y * (size_t)w + (size_t)x0];
            for (int b = 0; b < nb; b++)
                row[b] = cols[(size_t)b * (size_t)h + (size_t)y];
        }
    }
    return PM_OK;
}

/* Sensor reading from weighted darkness d (SPEC §6): b = 1 - d, reading = 1/(1+exp(-b)). pm_exp (core/pm_math.h)
 * gives the same bits on every CPU; s->white comes from this same function, so white still reads exactly white. */
static double reading_of(double d)
{
    return 1.0 / (1.0 + pm_exp(-(1.0 - d)));
}

/* Wraps an angle to (-pi, pi]. */
static double wrap_angle(double a)
{
    a = remainder(a, 2.0 * PI);
    return a <= -PI ? a + 2.0 * PI : a;
}

/* Robot-frame position (units) of predictor i of row r: row 0 nearest, i = 0 leftmost (largest y). */
static void predictor_offset(const pm_sim_config *c, int r, int i, double xy[2])
{
    xy[0] = c->row_x0 + r * c->row_dx;
    xy[1] = (0.5 * (c->row_len - 1) - i) * c->row_spacing;
}

static int on_texture(const pm_world *wd, double x, double y)
{
    return x >= 0.0 && y >= 0.0 && x <= wd->w / wd->ppu && y <= wd->h / wd->ppu;
}

/* Reflex offsets in pixels (robot frame, y still to the left; pm_sim_sense turns them into image rows). */
static void init_offsets(pm_sim *s)
{
    const pm_sim_config *c = &s->cfg;
    double ppu = s->world->ppu;
    s->reflex_px[0] = c->reflex_x * ppu;
    s->reflex_px[1] = c->reflex_y * ppu;
    s->reflex_px[2] = c->reflex_x * ppu;
    s->reflex_px[3] = -c->reflex_y * ppu;
}

/* Initial pose: the world's start pose if it has one, else its centre heading +x. */
static void init_pose(pm_sim *s)
{
    double x, y, h;
    s->steps = 0;
    if (pm_world_start_pose(s->world, &x, &y, &h) != PM_OK) {
        pm_world_size(s->world, &x, &y);
        x *= 0.5, y *= 0.5, h = 0.0;
    }
    s->x = x;
    s->y = y;
    s->heading = wrap_angle(h);
}

/* 16-bit unorm of a blurred darkness (>= 0; rounding can leave it a hair above 1). */
static uint16_t quantise(double d)
{
    return d >= 1.0 ? (uint16_t)65535 : (uint16_t)(d * Q_MAX + 0.5);
}

/* Tiles across and down the padded texture of w x h px: enough for footprint origins X in [0, w], Y in [0, h]. */
static void tile_grid(int w, int h, int *tw, int *th)
{
    *tw = w / TILE_OX + 1;
    *th = h / TILE_OY + 1;
}

/* Bytes of one compact map at worst (no white tile): index, every tile, the white tile, alignment slack. */
static size_t cmap_worst_bytes(int w, int h)
{
    int tw, th;
    tile_grid(w, h, &tw, &th);
    size_t slots = (size_t)tw * (size_t)th;
    return slots * sizeof(uint32_t) + (slots + 1) * TILE_N * sizeof(uint16_t) + 63;
}

/* Bytes of the sim's own block: struct, xtab, ytab. */
static size_t sim_block_bytes(int w, int h)
{
    size_t head = (sizeof(pm_sim) + sizeof(double) - 1) / sizeof(double) * sizeof(double);
    return head + ((size_t)w + (size_t)h + 2) * sizeof(uint32_t);
}

/* Blur scratch of one map (doubles): the map itself, PM_SIM_SCRATCH_LINES lines, the direct kernel. */
#define MAX_KERNEL (2 * DIRECT_MAX_RADIUS + 1)

size_t pm_sim_peak_bytes_(int w, int h, const pm_sim_config *c)
{
    size_t npx = (size_t)w * (size_t)h, n_line = (size_t)(w > h ? w : h);
    size_t maps = c && c->reflex_sigma != c->predictor_sigma ? 2 : 1;
    size_t cmap = cmap_worst_bytes(w, h);
    /* build_map holds, besides the maps already built: the blur scratch, then (after shrinking it to the 16-bit
     * values) those values, the new map's index and tiles */
    size_t blur = (npx + PM_SIM_SCRATCH_LINES * n_line + MAX_KERNEL) * sizeof(double);
    size_t tiling = npx * sizeof(uint16_t) + cmap;
    size_t peak = (maps - 1) * cmap + (blur > tiling ? blur : tiling);
    /* The budget's documented limits were set when every map was a double per pixel: keep counting that much
     * (with two maps it exceeds the peak above, which is 4 + 8 + 3.3 bytes a pixel; with one it does not). */
    size_t legacy = maps * npx * sizeof(double) + PM_SIM_SCRATCH_LINES * n_line * sizeof(double);
    return sim_block_bytes(w, h) + (peak > legacy ? peak : legacy);
}

/* Row Y of tile slot column tx: padded pixels X = 7 tx .. 7 tx + 7 of padded row Y, i.e. texture pixels (X - 1,
 * Y - 1) of the w x h values q, white (0) outside the texture. */
static void tile_row(uint16_t v[TILE_W], const uint16_t *q, int w, int h, int tx, int Y)
{
    int x0 = tx * TILE_OX - 1, y = Y - 1;
    if (y < 0 || y >= h) {
        memset(v, 0, TILE_W * sizeof *v);
        return;
    }
    const uint16_t *r = q + (size_t)y * (size_t)w;
    if (x0 >= 0 && x0 + TILE_W <= w) {
        memcpy(v, r + x0, TILE_W * sizeof *v);
        return;
    }
    for (int i = 0; i < TILE_W; i++)
        v[i] = x0 + i >= 0 && x0 + i < w ? r[x0 + i] : 0;
}

/* 1 if tile slot (tx, ty) holds any non-zero value. */
static int tile_dark(const uint16_t *q, int w, int h, int tx, int ty)
{
    uint16_t v[TILE_W];
    unsigned any = 0;
    for (int j = 0; j < TILE_H; j++) {
        tile_row(v, q, w, h, tx, ty * TILE_OY + j);
        for (int i = 0; i < TILE_W; i++)
            any |= v[i];
    }
    return any != 0;
}

/* The compact map of the darkness blurred with sigma (see pm_cmap_), into m. Memory: the double blur scratch,
 * then (quantised in place and shrunk to 2 bytes a pixel) the 16-bit values while the tiles are built; what it
 * holds at most is counted by pm_sim_peak_bytes_. PM_ERR_NOMEM, PM_ERR_CANCELLED: nothing kept. */
static pm_status build_map(pm_cmap_ *m, const pm_sim *s, double sigma, const pm_setup *opt)
{
    const pm_world *wd = s->world;
    int w = wd->w, h = wd->h, r = kernel_radius(sigma, wd->ppu);
    size_t npx = (size_t)w * (size_t)h, n_line = (size_t)(w > h ? w : h);
    size_t n_k = r <= DIRECT_MAX_RADIUS ? 2 * (size_t)r + 1 : 1;
    double *map = malloc((npx + PM_SIM_SCRATCH_LINES * n_line + n_k) * sizeof(double));
    if (!map)
        return PM_ERR_NOMEM;
    double *line = map + npx, *tmp = line + n_line, *cols = line + 2 * n_line, *k = line + PM_SIM_SCRATCH_LINES * n_line;
    pm_status st = blur_darkness(map, wd, sigma, line, tmp, cols, k, opt);
    if (st) {
        free(map);
        return st;
    }
    /* Quantise in place, front to back: value i goes to bytes [2i, 2i + 2), never past double i's bytes [8i, 8i
     * + 8), which are read first; byte copies keep the two views of the buffer free of aliasing assumptions. */
    unsigned char *bytes = (unsigned char *)map;
    for (size_t i = 0; i < npx; i++) {
        double d;
        memcpy(&d, bytes + i * sizeof d, sizeof d);
        uint16_t v = quantise(d);
        memcpy(bytes + i * sizeof v, &v, sizeof v);
    }
    void *shrunk = realloc(map, npx * sizeof(uint16_t));  /* gives back 6 bytes a pixel before the tiles exist */
    const uint16_t *q = shrunk ? shrunk : (void *)map;
    int tw = s->tw, th = s->th;
    size_t slots = (size_t)tw * (size_t)th, n_dark = 0;
    m->index = malloc(slots * sizeof *m->index);
    if (m->index)
        for (int ty = 0; ty < th; ty++)
            for (int tx = 0; tx < tw; tx++) {
                int dark = tile_dark(q, w, h, tx, ty);
                n_dark += (size_t)dark;
                m->index[(size_t)ty * (size_t)tw + (size_t)tx] = dark ? (uint32_t)(n_dark * TILE_N) : 0u;
            }
    m->tiles_mem = m->index ? malloc((n_dark + 1) * TILE_N * sizeof(uint16_t) + 63) : NULL;
    if (!m->tiles_mem) {
        free((void *)q);
        free(m->index);
        m->index = NULL;
        return PM_ERR_NOMEM;
    }
    m->tiles = (uint16_t *)(void *)((unsigned char *)m->tiles_mem + (-(uintptr_t)m->tiles_mem & 63u));
    memset(m->tiles, 0, TILE_N * sizeof *m->tiles);
    for (int ty = 0; ty < th; ty++)
        for (int tx = 0; tx < tw; tx++) {
            uint32_t at = m->index[(size_t)ty * (size_t)tw + (size_t)tx];
            for (int j = 0; at && j < TILE_H; j++)
                tile_row(m->tiles + at + j * TILE_W, q, w, h, tx, ty * TILE_OY + j);
        }
    free((void *)q);
    return PM_OK;
}

static void free_map(pm_cmap_ *m)
{
    free(m->index);
    free(m->tiles_mem);
    m->index = NULL;
    m->tiles_mem = NULL;
}

pm_status pm_sim_config_check(const pm_sim_config *c, const pm_setup *opt)
{
    if (!c)
        return pm_setup_fail_(opt, PM_ERR_ARG, "sim config: NULL");
    pm_status st = check_config(c);
    if (st)
        return pm_setup_fail_(opt, st, "sim config: %s", st == PM_ERR_NONFINITE ? "a field is NaN or infinite"
                                                                               : "a field is out of range");
    return PM_OK;
}

/* Every field of a new sim, the one place both constructors set them: config c, world w, the padded-texture tile
 * tables xtab (w + 1) and ytab (h + 1) of w's tile grid, the two maps the sensors read (the sim's own maps[],
 * built afterwards by pm_sim_create_ex, or a donor's), the wheel-noise seed and the start pose. Zeroes the rest,
 * maps[] included. Neither the tables' contents nor the maps are read here. */
static void init_sim(pm_sim *s, const pm_sim_config *c, const pm_world *w, const uint32_t *xtab, const uint32_t *ytab,
                     const pm_cmap_ *reflex_map, const pm_cmap_ *pred_map)
{
    memset(s, 0, sizeof *s);
    s->cfg = *c;
    s->world = w;
    pm_rng_seed(&s->rng, c->seed);
    s->white = reading_of(0.0);
    tile_grid(w->w, w->h, &s->tw, &s->th);
    s->xtab = xtab;
    s->ytab = ytab;
    s->reflex_map = reflex_map;
    s->pred_map = pred_map;
    s->n_pred = c->n_rows * c->row_len;
    init_offsets(s);
    init_pose(s);
}

pm_status pm_sim_create_ex(const pm_sim_config *c, const pm_world *w, const pm_setup *opt, pm_sim **out)
{
    if (!c || !w || !out)
        return PM_ERR_ARG;
    pm_status st = pm_sim_config_check(c, opt);
    if (st)
        return st;
    int shared = c->reflex_sigma == c->predictor_sigma;
    double smax = fmax(c->reflex_sigma, c->predictor_sigma);
    if (3.0 * smax * w->ppu > PM_WORLD_MAX_SIDE)  /* a footprint wider than any texture: refuse, not overflow */
        return pm_setup_fail_(opt, PM_ERR_ARG, "sensor sigma %g at ppu %g: the 3-sigma footprint is over %d px",
                              smax, w->ppu, PM_WORLD_MAX_SIDE);
    size_t need = pm_world_estimate_bytes(w->w, w->h, c), budget = pm_setup_budget_(opt);
    if (need > budget)
        return pm_setup_fail_(opt, PM_ERR_LIMIT,
                              "the %d x %d px world (ppu %g) with %s needs %llu MiB, over the %llu MiB budget",
                              w->w, w->h, w->ppu,
                              shared ? "one sensor map (reflex and predictor sigma equal)"
                                     : "two sensor maps (reflex and predictor sigma differ)",
                              pm_setup_mib_(need), pm_setup_mib_(budget));
    /* The sim's block: struct | xtab | ytab; each map is allocated by build_map. */
    size_t head = (sizeof(pm_sim) + sizeof(double) - 1) / sizeof(double);
    double *mem = malloc(sim_block_bytes(w->w, w->h));
    if (!mem)
        return pm_setup_fail_(opt, PM_ERR_NOMEM, "sim: out of memory");
    pm_sim *s = (pm_sim *)(void *)mem;
    uint32_t *xtab = (uint32_t *)(void *)(mem + head), *ytab = xtab + w->w + 1;
    init_sim(s, c, w, xtab, ytab, &s->maps[0], &s->maps[shared ? 0 : 1]);   /* the maps are built below */
    for (int X = 0; X <= w->w; X++)
        xtab[X] = (uint32_t)(X / TILE_OX) << TILE_SHIFT | (uint32_t)(X % TILE_OX);
    for (int Y = 0; Y <= w->h; Y++)
        ytab[Y] = (uint32_t)(Y / TILE_OY) * (uint32_t)s->tw << TILE_SHIFT | (uint32_t)(Y % TILE_OY * TILE_W);
    st = build_map(&s->maps[0], s, c->reflex_sigma, opt);
    if (!st && !shared)
        st = build_map(&s->maps[1], s, c->predictor_sigma, opt);
    if (st) {
        free_map(&s->maps[0]);
        free(mem);
        return pm_setup_fail_(opt, st, st == PM_ERR_NOMEM ? "sim: out of memory for the sensor maps"
                                                          : "sim: cancelled while blurring the sensor maps");
    }
    *out = s;
    return PM_OK;
}

pm_status pm_sim_create(const pm_sim_config *c, const pm_world *w, pm_sim **out)
{
    return pm_sim_create_ex(c, w, NULL, out);
}

pm_status pm_sim_create_shared(const pm_sim_config *c, const pm_sim *maps, pm_sim **out)
{
    if (!c || !maps || !out)
        return PM_ERR_ARG;
    pm_status st = check_config(c);
    if (st)
        return st;
    /* The maps depend only on the world and the two footprint sigmas (SPEC §6): equal sigmas, equal maps. */
    if (c->reflex_sigma != maps->cfg.reflex_sigma || c->predictor_sigma != maps->cfg.predictor_sigma)
        return PM_ERR_ARG;
    pm_sim *s = malloc(sizeof *s);   /* the struct only: the tile tables and maps stay the donor's */
    if (!s)
        return PM_ERR_NOMEM;
    /* maps[] stays empty: pm_sim_destroy frees nothing of the donor's */
    init_sim(s, c, maps->world, maps->xtab, maps->ytab, maps->reflex_map, maps->pred_map);
    *out = s;
    return PM_OK;
}

void pm_sim_destroy(pm_sim *s)
{
    if (!s)
        return;
    free_map(&s->maps[0]);
    free_map(&s->maps[1]);
    free(s);
}

pm_status pm_sim_set_pose(pm_sim *s, double x, double y, double heading)
{
    if (!s)
        return PM_ERR_ARG;
    if (!isfinite(x) || !isfinite(y) || !isfinite(heading))
        return PM_ERR_NONFINITE;
    if (!on_texture(s->world, x, y))
        return PM_ERR_ARG;
    s->x = x;
    s->y = y;
    s->heading = wrap_angle(heading);
    s->steps = 0;
    return PM_OK;
}

/* Bilinear sample of compact map m at padded pixel coordinates (X, Y), pixel centres at integers, in units of
 * 1/65535 darkness. Needs 0 <= X < w + 1 and 0 <= Y < h + 1: then (int) is floor, and the footprint's origin
 * (ix, iy) is in [0, w] x [0, h], whose tile holds all four values (pm_cmap_). The position is kept in double (a
 * float would lose 1e-3 px at 16384 px); the fractions and the lerps are in float, where the values (integers up
 * to 65535) are exact: each lerp a + t (b - a), 0 <= t <= 1, errs by at most 2^-24 of 65535 (0.004), so the
 * sample is within 0.012 of the exact bilinear value of the stored values, lies between the smallest and the
 * largest of the four (the lerp is monotone under rounding), so in [0, 65535], and is exactly 0 when all four are. */
static inline float sample_fast(const pm_sim *s, const pm_cmap_ *m, double X, double Y)
{
    int ix = (int)X, iy = (int)Y;
    float ax = (float)(X - ix), ay = (float)(Y - iy);
    uint32_t k = s->xtab[ix] + s->ytab[iy];  /* slot << 5 | in-tile offset (at most 6 + 2 * 8 < 32) */
    const uint16_t *p = m->tiles + m->index[k >> TILE_SHIFT] + (k & (TILE_N - 1));
    float v00 = p[0], v10 = p[1], v01 = p[TILE_W], v11 = p[TILE_W + 1];
    float top = v00 + ax * (v10 - v00), bot = v01 + ax * (v11 - v01);
    return top + ay * (bot - top);
}

/* The same anywhere: 0 (white) where the whole footprint is off the texture. */
static inline float sample_any(const pm_sim *s, const pm_cmap_ *m, double X, double Y)
{
    const pm_world *wd = s->world;
    if (!(X >= 0.0 && Y >= 0.0 && X < wd->w + 1.0 && Y < wd->h + 1.0))
        return 0.0f;
    return sample_fast(s, m, X, Y);
}

/* A reflex sensor's sample: as sample_any, with the fractions and lerps in double (two samples a step, so the cost
 * does not matter). E = g_E (left - right) then has the mirror symmetry of the world to double rounding: a line
 * world symmetric about the robot's path gives E(-kick) = -E(kick) within 1e-9 (the impulse test); float lerps
 * would break it by about 1e-7. */
static double sample_reflex(const pm_sim *s, double X, double Y)
{
    const pm_world *wd = s->world;
    if (!(X >= 0.0 && Y >= 0.0 && X < wd->w + 1.0 && Y < wd->h + 1.0))
        return 0.0;
    int ix = (int)X, iy = (int)Y;
    double ax = X - ix, ay = Y - iy;
    uint32_t k = s->xtab[ix] + s->ytab[iy];
    const uint16_t *p = s->reflex_map->tiles + s->reflex_map->index[k >> TILE_SHIFT] + (k & (TILE_N - 1));
    double v00 = p[0], v10 = p[1], v01 = p[TILE_W], v11 = p[TILE_W + 1];
    double top = v00 + ax * (v10 - v00), bot = v01 + ax * (v11 - v01);
    return top + ay * (bot - top);
}

/* Predictor value g(d) for a darkness of q/65535, 0 <= q <= 65535 (see PRED_POLY). */
static inline double predictor_value(float q)
{
    const double d = q * (1.0 / Q_MAX);
    double h = PRED_POLY[7];
    for (int j = 6; j >= 0; j--)
        h = h * d + PRED_POLY[j];
    return d * h;
}

/* sense_row_fast's positions i = first..n-1 one at a time (its scalar form: the portable build, and the vector
 * loop's tail): returns max(m, the largest sample); writes the predictor values to out[i] if out is not NULL. */
static float sense_row_scalar(const pm_sim *s, double X0, double Y0, double bx, double by, int first, int n,
                              float m, double *out)
{
    for (int i = first; i < n; i++) {
        float q = sample_fast(s, s->pred_map, X0 + i * bx, Y0 + i * by);
        m = q > m ? q : m;
        if (out)
            out[i] = predictor_value(q);
    }
    return m;
}

/* The fast row loop four sensors at a time (GCC vector types: two SSE2 registers a quad, or one AVX2 register in
 * the avx2 clone). Each lane does the IEEE operations of sample_fast and predictor_value in the same order, so
 * every value has the bits of the scalar code, whichever clone runs and whatever the CPU (no FMA: -ffp-contract
 * =off). The table and tile look-ups are scalar loads. No AVX-512 clone: valgrind cannot run it. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(PM_NO_TARGET_CLONES)
#define PM_SIM_WIDE __attribute__((target_clones("avx2", "default")))
#else
#define PM_SIM_WIDE
#endif

#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
typedef double pm_d4_ __attribute__((vector_size(32)));
typedef float pm_f4_ __attribute__((vector_size(16)));
typedef int32_t pm_i4_ __attribute__((vector_size(16)));
typedef uint32_t pm_u4_ __attribute__((vector_size(16)));

/* Samples row positions i = 0..n-1 at (X0 + i bx, Y0 + i by), all inside the fast range of sample_fast; writes the
 * predictor values to out (if not NULL); returns the largest sample (q units, >= 0). Each footprint is read as two
 * 32-bit words, (v00, v10) and (v01, v11): little-endian, so the low half is the left pixel. */
PM_SIM_WIDE static float sense_row_fast(const pm_sim *s, double X0, double Y0, double bx, double by, int n,
                                        double *restrict out)
{
    const uint32_t *xtab = s->xtab, *ytab = s->ytab, *index = s->pred_map->index;
    const uint16_t *tiles = s->pred_map->tiles;
    pm_f4_ qmax = {0.0f, 0.0f, 0.0f, 0.0f};
    pm_d4_ di = {0.0, 1.0, 2.0, 3.0};  /* exact small integers */
    const pm_u4_ lo16 = {0xffff, 0xffff, 0xffff, 0xffff};
    int i = 0;
    for (; i + 4 <= n; i += 4, di += 4.0) {
        const pm_d4_ X = X0 + di * bx, Y = Y0 + di * by;
        const pm_i4_ ix = __builtin_convertvector(X, pm_i4_), iy = __builtin_convertvector(Y, pm_i4_);
        const pm_f4_ ax = __builtin_convertvector(X - __builtin_convertvector(ix, pm_d4_), pm_f4_);
        const pm_f4_ ay = __builtin_convertvector(Y - __builtin_convertvector(iy, pm_d4_), pm_f4_);
        uint32_t at[4];  /* each lane's value offset: tile (0 for the white tile) + offset in the tile */
        uint32_t tile_or = 0;
#pragma GCC unroll 4
        for (int l = 0; l < 4; l++) {
            uint32_t k = xtab[(uint32_t)ix[l]] + ytab[(uint32_t)iy[l]];  /* unsigned: no sign extension */
            uint32_t t = index[k >> TILE_SHIFT];
            tile_or |= t;
            at[l] = t + (k & (TILE_N - 1));
        }
        if (tile_or == 0) {  /* all four footprints in white tiles: q = 0, predictor 0 (g(0) = 0 exactly) */
            if (out)
                memset(out + i, 0, 4 * sizeof *out);
            continue;
        }
        pm_u4_ up, down;  /* v00 | v10 << 16, v01 | v11 << 16 */
#pragma GCC unroll 4
        for (int l = 0; l < 4; l++) {
            uint32_t u, d;
            memcpy(&u, tiles + at[l], sizeof u);
            memcpy(&d, tiles + at[l] + TILE_W, sizeof d);
            up[l] = u;
            down[l] = d;
        }
        const pm_f4_ v00 = __builtin_convertvector((pm_i4_)(up & lo16), pm_f4_);
        const pm_f4_ v10 = __builtin_convertvector((pm_i4_)(up >> 16), pm_f4_);
        const pm_f4_ v01 = __builtin_convertvector((pm_i4_)(down & lo16), pm_f4_);
        const pm_f4_ v11 = __builtin_convertvector((pm_i4_)(down >> 16), pm_f4_);
        const pm_f4_ top = v00 + ax * (v10 - v00), bot = v01 + ax * (v11 - v01);
        const pm_f4_ q = top + ay * (bot - top);
        const pm_i4_ more = q > qmax;
        pm_i4_ qb, mb;
        memcpy(&qb, &q, sizeof qb);
        memcpy(&mb, &qmax, sizeof mb);
        mb = (qb & more) | (mb & ~more);
        memcpy(&qmax, &mb, sizeof qmax);
        if (out) {
            const pm_d4_ d = __builtin_convertvector(q, pm_d4_) * (1.0 / Q_MAX);
            pm_d4_ h = d * PRED_POLY[7] + PRED_POLY[6];
#pragma GCC unroll 8
            for (int j = 5; j >= 0; j--)
                h = h * d + PRED_POLY[j];
            const pm_d4_ o = d * h;
            memcpy(out + i, &o, sizeof o);
        }
    }
    float m = qmax[0];
    for (int l = 1; l < 4; l++)
        m = qmax[l] > m ? qmax[l] : m;
    return sense_row_scalar(s, X0, Y0, bx, by, i, n, m, out); /* the last n mod 4 positions */
}
#else
static float sense_row_fast(const pm_sim *s, double X0, double Y0, double bx, double by, int n, double *out)
{
    return sense_row_scalar(s, X0, Y0, bx, by, 0, n, 0.0f, out);
}
#endif

pm_status pm_sim_sense(const pm_sim *s, pm_sim_reading *r, double *predictors)
{
    if (!s || !r)
        return PM_ERR_ARG;
    const pm_world *wd = s->world;
    const pm_sim_config *cf = &s->cfg;
    double c = cos(s->heading), sn = sin(s->heading), ppu = wd->ppu;
    /* robot centre in padded pixel coordinates (image rows grow downward: world y up) */
    double cx = s->x * ppu + 1.0, cy = (wd->h - s->y * ppu) + 1.0;
    const double *o = s->reflex_px;
    double ql = sample_reflex(s, cx + o[0] * c - o[1] * sn, cy - (o[0] * sn + o[1] * c));
    double qr = sample_reflex(s, cx + o[2] * c - o[3] * sn, cy - (o[2] * sn + o[3] * c));
    double qmax = ql > qr ? ql : qr;
    r->reflex_left = reading_of(ql / Q_MAX);
    r->reflex_right = reading_of(qr / Q_MAX);
    r->error = cf->reflex_gain * (r->reflex_left - r->reflex_right);
    /* Predictor rows: sensor i of a row sits at robot-frame (ox, oy0 - i sp), so its pixel position is the row's
     * first one plus i times a fixed step; each is computed from the row start (no running sum that could
     * drift). The positions are monotone in i, so the row's two ends bound them all: a row inside the texture
     * takes the loop without per-sample checks. */
    const int n = cf->row_len;
    const double W1 = wd->w + 1.0, H1 = wd->h + 1.0;
    double sp = cf->row_spacing * ppu, oy0 = 0.5 * (n - 1) * sp;
    double bx = sp * sn, by = sp * c;
    for (int row = 0; row < cf->n_rows; row++) {
        double ox = (cf->row_x0 + row * cf->row_dx) * ppu;
        double X0 = cx + ox * c - oy0 * sn, Y0 = cy - (ox * sn + oy0 * c);
        double X1 = X0 + (n - 1) * bx, Y1 = Y0 + (n - 1) * by;
        double *out = predictors ? predictors + (size_t)row * (size_t)n : NULL;
        if (fmin(X0, X1) >= 0.0 && fmax(X0, X1) < W1 && fmin(Y0, Y1) >= 0.0 && fmax(Y0, Y1) < H1) {
            float q = sense_row_fast(s, X0, Y0, bx, by, n, out);
            qmax = q > qmax ? q : qmax;
        } else {
            for (int i = 0; i < n; i++) {
                float q = sample_any(s, s->pred_map, X0 + i * bx, Y0 + i * by);
                qmax = q > qmax ? q : qmax;
                if (out)
                    out[i] = predictor_value(q);
            }
        }
    }
    /* line_seen: some darkness q/65535 above the threshold; the largest decides (division is monotone) */
    r->line_seen = qmax / Q_MAX > cf->line_threshold;
    return PM_OK;
}

/* sin(a)/a, continuous at 0. */
static double sinc(double a)
{
    return fabs(a) < 1e-6 ? 1.0 - a * a / 6.0 : sin(a) / a;
}

pm_status pm_sim_step(pm_sim *s, double left, double right)
{
    if (!s)
        return PM_ERR_ARG;
    if (!isfinite(left) || !isfinite(right))
        return PM_ERR_NONFINITE;
    const pm_sim_config *c = &s->cfg;
    if (c->wheel_noise > 0.0) {
        left *= 1.0 + c->wheel_noise * pm_rng_gauss(&s->rng);
        right *= 1.0 + c->wheel_noise * pm_rng_gauss(&s->rng);
    }
    double lim = c->max_wheel_speed;
    left = left > lim ? lim : (left < -lim ? -lim : left);
    right = right > lim ? lim : (right < -lim ? -lim : right);
    /* Exact arc of a differential drive with constant wheel speeds over dt: forward speed v, turn rate w;
     * the chord has length v dt sinc(w dt/2) and points along the mean heading theta + w dt/2. */
    double v = 0.5 * (left + right), dth = (right - left) / c->wheel_distance * c->dt;
    double chord = v * c->dt * sinc(0.5 * dth), mid = s->heading + 0.5 * dth;
    s->x += chord * cos(mid);
    s->y += chord * sin(mid);
    s->heading = wrap_angle(s->heading + dth);
    s->steps++;
    return PM_OK;
}

void pm_sim_pose(const pm_sim *s, double *x, double *y, double *heading)
{
    if (!s)
        return;
    if (x)
        *x = s->x;
    if (y)
        *y = s->y;
    if (heading)
        *heading = s->heading;
}

long pm_sim_steps(const pm_sim *s)
{
    return s ? s->steps : 0;
}

int pm_sim_n_predictors(const pm_sim *s)
{
    return s ? s->n_pred : 0;
}

int pm_sim_n_rows(const pm_sim *s)
{
    return s ? s->cfg.n_rows : 0;
}

int pm_sim_row_len(const pm_sim *s)
{
    return s ? s->cfg.row_len : 0;
}

const pm_sim_config *pm_sim_get_config(const pm_sim *s)
{
    return s ? &s->cfg : NULL;
}

const pm_world *pm_sim_world(const pm_sim *s)
{
    return s ? s->world : NULL;
}

void pm_sim_reflex_offsets(const pm_sim *s, double xy[4])
{
    if (!s || !xy)
        return;
    xy[0] = s->cfg.reflex_x;
    xy[1] = s->cfg.reflex_y;
    xy[2] = s->cfg.reflex_x;
    xy[3] = -s->cfg.reflex_y;
}

void pm_sim_predictor_offsets(const pm_sim *s, double *xy)
{
    if (!s || !xy)
        return;
    for (int r = 0; r < s->cfg.n_rows; r++)
        for (int i = 0; i < s->cfg.row_len; i++)
            predictor_offset(&s->cfg, r, i, &xy[2 * (r * s->cfg.row_len + i)]);
}

void pm_sim_to_world(const pm_sim *s, double fx, double fy, double *wx, double *wy)
{
    if (!s)
        return;
    double c = cos(s->heading), sn = sin(s->heading);
    if (wx)
        *wx = s->x + fx * c - fy * sn;
    if (wy)
        *wy = s->y + fx * sn + fy * c;
}
