/* Robot kinematics and Gaussian-footprint sensors of the line-follower world (SPEC §6). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/pm_math.h"
#include "primod/rng.h"
#include "sim/world_internal.h"

static const double PI = 3.14159265358979323846;

struct pm_sim {
    pm_sim_config cfg;
    const pm_world *world;     /* borrowed */
    pm_rng rng;                /* wheel noise only */
    double x, y, heading;      /* units, units, rad in (-pi, pi] */
    long steps;
    int n_pred;                /* n_rows * row_len */
    double white;              /* reading over pure white, computed exactly as every reading is */
    double reflex_px[4];       /* reflex offsets in pixels: left x, left y, right x, right y (robot frame) */
    double *pred_px;           /* (n_pred, 2) predictor offsets in pixels (robot frame) */
    const double *reflex_map;  /* (h, w) texture darkness blurred with the reflex footprint */
    const double *pred_map;    /* (h, w) blurred with the predictor footprint (== reflex_map if same sigma) */
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

/* Sensor offsets in pixels (robot frame, y still to the left; darkness_at turns them into image rows). */
static void init_offsets(pm_sim *s)
{
    const pm_sim_config *c = &s->cfg;
    double ppu = s->world->ppu;
    s->reflex_px[0] = c->reflex_x * ppu;
    s->reflex_px[1] = c->reflex_y * ppu;
    s->reflex_px[2] = c->reflex_x * ppu;
    s->reflex_px[3] = -c->reflex_y * ppu;
    for (int j = 0; j < s->n_pred; j++) {
        double *o = &s->pred_px[2 * j];
        predictor_offset(c, j / c->row_len, j % c->row_len, o);
        o[0] *= ppu;
        o[1] *= ppu;
    }
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

pm_status pm_sim_create_ex(const pm_sim_config *c, const pm_world *w, const pm_setup *opt, pm_sim **out)
{
    if (!c || !w || !out)
        return PM_ERR_ARG;
    pm_status st = check_config(c);
    if (st)
        return pm_setup_fail_(opt, st, "sim config: %s", st == PM_ERR_NONFINITE ? "a field is NaN or infinite"
                                                                               : "a field is out of range");
    /* One allocation: struct | predictor offsets | 1 or 2 blurred maps | blur scratch (line, tmp, cols, kernel). */
    int shared = c->reflex_sigma == c->predictor_sigma;
    size_t n_pred = (size_t)c->n_rows * (size_t)c->row_len, npx = (size_t)w->w * (size_t)w->h;
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
    int rmax = kernel_radius(smax, w->ppu);
    size_t n_line = (size_t)(w->w > w->h ? w->w : w->h);
    size_t n_k = rmax <= DIRECT_MAX_RADIUS ? 2 * (size_t)rmax + 1 : 1;
    size_t head = (sizeof(pm_sim) + sizeof(double) - 1) / sizeof(double);
    size_t n_doubles = head + 2 * n_pred + (shared ? 1 : 2) * npx + PM_SIM_SCRATCH_LINES * n_line + n_k;
    double *mem = malloc(n_doubles * sizeof(double));
    if (!mem)
        return pm_setup_fail_(opt, PM_ERR_NOMEM, "sim: out of memory for %llu MiB of sensor maps",
                              pm_setup_mib_(n_doubles * sizeof(double)));
    pm_sim *s = (pm_sim *)(void *)mem;
    double *p = mem + head;
    s->cfg = *c;
    s->world = w;
    pm_rng_seed(&s->rng, c->seed);
    s->pred_px = p;
    p += 2 * n_pred;
    double *reflex_map = p, *pred_map = p;
    p += npx;
    if (!shared) {
        pred_map = p;
        p += npx;
    }
    double *line = p, *tmp = p + n_line, *cols = p + 2 * n_line, *k = p + PM_SIM_SCRATCH_LINES * n_line;
    st = blur_darkness(reflex_map, w, c->reflex_sigma, line, tmp, cols, k, opt);
    if (!st && !shared)
        st = blur_darkness(pred_map, w, c->predictor_sigma, line, tmp, cols, k, opt);
    if (st) {
        free(mem);
        return pm_setup_fail_(opt, st, "sim: cancelled while blurring the sensor maps");
    }
    s->reflex_map = reflex_map;
    s->pred_map = pred_map;
    s->n_pred = (int)n_pred;
    s->white = reading_of(0.0);
    init_offsets(s);
    init_pose(s);
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
    size_t n_pred = (size_t)c->n_rows * (size_t)c->row_len;
    size_t head = (sizeof(pm_sim) + sizeof(double) - 1) / sizeof(double);
    double *mem = malloc((head + 2 * n_pred) * sizeof(double));  /* struct | predictor offsets: no maps */
    if (!mem)
        return PM_ERR_NOMEM;
    pm_sim *s = (pm_sim *)(void *)mem;
    s->cfg = *c;
    s->world = maps->world;
    pm_rng_seed(&s->rng, c->seed);
    s->pred_px = mem + head;
    s->reflex_map = maps->reflex_map;
    s->pred_map = maps->pred_map;
    s->n_pred = (int)n_pred;
    s->white = reading_of(0.0);
    init_offsets(s);
    init_pose(s);
    *out = s;
    return PM_OK;
}

void pm_sim_destroy(pm_sim *s)
{
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

/* Bilinear sample of map (h, w) at continuous pixel coordinates (fx, fy), pixel centres at integers; pixels
 * outside the texture count as white (darkness 0). Result clamped to [0, 1] against rounding. */
static double sample_map(const double *map, int w, int h, double fx, double fy)
{
    if (!(fx > -1.0 && fy > -1.0 && fx < (double)w && fy < (double)h))
        return 0.0;
    /* floor without a libm call: fx + 1 > 0 here, so truncation is floor */
    int x0 = (int)(fx + 1.0) - 1, y0 = (int)(fy + 1.0) - 1;
    double ax = fx - x0, ay = fy - y0;
    double v00, v10, v01, v11;
    if (x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h) {  /* the common case: all four inside */
        const double *p = &map[(size_t)y0 * (size_t)w + (size_t)x0];
        v00 = p[0], v10 = p[1], v01 = p[w], v11 = p[w + 1];
    } else {
        double v[4] = {0.0, 0.0, 0.0, 0.0};  /* (x0,y0) (x0+1,y0) (x0,y0+1) (x0+1,y0+1) */
        for (int q = 0; q < 4; q++) {
            int xx = x0 + (q & 1), yy = y0 + (q >> 1);
            if (xx >= 0 && yy >= 0 && xx < w && yy < h)
                v[q] = map[(size_t)yy * (size_t)w + (size_t)xx];
        }
        v00 = v[0], v10 = v[1], v01 = v[2], v11 = v[3];
    }
    double d = (1.0 - ay) * ((1.0 - ax) * v00 + ax * v10) + ay * ((1.0 - ax) * v01 + ax * v11);
    return d < 0.0 ? 0.0 : (d > 1.0 ? 1.0 : d);
}

/* Weighted darkness under a sensor at robot-frame pixel offset (ox, oy); c, sn = cos, sin of the heading;
 * (cx, cy) = robot centre in image pixel coordinates (y down). */
static double darkness_at(const double *map, const pm_world *wd, double cx, double cy, double c, double sn,
                          double ox, double oy)
{
    double fx = cx + ox * c - oy * sn;
    double fy = cy - (ox * sn + oy * c);  /* image rows grow downward: world y up */
    return sample_map(map, wd->w, wd->h, fx, fy);
}

pm_status pm_sim_sense(const pm_sim *s, pm_sim_reading *r, double *predictors)
{
    if (!s || !r)
        return PM_ERR_ARG;
    const pm_world *wd = s->world;
    double c = cos(s->heading), sn = sin(s->heading);
    double cx = s->x * wd->ppu, cy = wd->h - s->y * wd->ppu;
    double th = s->cfg.line_threshold;
    double dl = darkness_at(s->reflex_map, wd, cx, cy, c, sn, s->reflex_px[0], s->reflex_px[1]);
    double dr = darkness_at(s->reflex_map, wd, cx, cy, c, sn, s->reflex_px[2], s->reflex_px[3]);
    int seen = dl > th || dr > th;
    r->reflex_left = reading_of(dl);
    r->reflex_right = reading_of(dr);
    r->error = s->cfg.reflex_gain * (r->reflex_left - r->reflex_right);
    for (int i = 0; i < s->n_pred; i++) {
        double d = darkness_at(s->pred_map, wd, cx, cy, c, sn, s->pred_px[2 * i], s->pred_px[2 * i + 1]);
        seen |= d > th;
        if (predictors) {
            /* over white (d == 0, most sensors) the value is exactly 0: skip the exp */
            double v = d > 0.0 ? s->white - reading_of(d) : 0.0;
            predictors[i] = v > 0.0 ? v : 0.0;
        }
    }
    r->line_seen = seen;
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
