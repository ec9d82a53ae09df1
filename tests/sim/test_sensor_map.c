/* Tests of the compact sensor maps (SPEC §6, issue 14): the 16-bit tiled map against an independent double blur, the
 * polynomial predictor value against libm, and exact white. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/sim_test_util.h"

#define PPU 4.0

/* reading = 1/(1+exp(-b)), b = 1 - darkness (SPEC §6); predictor value = white - reading */
static double reading(double d)
{
    return 1.0 / (1.0 + exp(-(1.0 - d)));
}

static double white_reading(void)
{
    return reading(0.0);
}

/* Darkness recovered from a reading: b = -log(1/reading - 1), d = 1 - b. */
static double darkness_of(double r)
{
    return 1.0 + log(1.0 / r - 1.0);
}

/* Deterministic pseudo-random numbers in [0, 1) (64-bit LCG, top 53 bits). */
static double uniform(uint64_t *st)
{
    *st = *st * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(*st >> 11) * 0x1p-53;
}

/* Independent reference of the blurred map: darkness 1 - grey of the world's pixels blurred by a separable Gaussian
 * of sigma units with the taps |j| <= ceil(3 sigma ppu) (the documented 3-sigma cut: sim.c's kernel_radius),
 * normalised over all taps, pixels outside the texture white; rows first, then columns. Returns (h, w) doubles. */
static double *reference_map(const pm_world *wd, double sigma)
{
    int w = pm_world_width_px(wd), h = pm_world_height_px(wd);
    double sp = sigma * pm_world_ppu(wd);
    int r = (int)ceil(3.0 * sp);
    double *k = malloc((size_t)(2 * r + 1) * sizeof *k), sum = 0.0;
    double *tmp = malloc((size_t)w * (size_t)h * sizeof *tmp), *out = malloc((size_t)w * (size_t)h * sizeof *out);
    assert_non_null(k);
    assert_non_null(tmp);
    assert_non_null(out);
    for (int j = -r; j <= r; j++)
        sum += k[j + r] = exp(-0.5 * (j / sp) * (j / sp));
    for (int j = 0; j <= 2 * r; j++)
        k[j] /= sum;
    const float *g = pm_world_pixels(wd);
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double s = 0.0;
            for (int j = -r; j <= r; j++)
                if (x + j >= 0 && x + j < w)
                    s += k[j + r] * (1.0 - (double)g[(size_t)y * (size_t)w + (size_t)(x + j)]);
            tmp[(size_t)y * (size_t)w + (size_t)x] = s;
        }
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            double s = 0.0;
            for (int j = -r; j <= r; j++)
                if (y + j >= 0 && y + j < h)
                    s += k[j + r] * tmp[(size_t)(y + j) * (size_t)w + (size_t)x];
            out[(size_t)y * (size_t)w + (size_t)x] = s;
        }
    free(k);
    free(tmp);
    return out;
}

/* Bilinear sample of the (h, w) map at pixel coordinates (fx, fy), pixel centres at integers, outside white. */
static double bilinear(const double *m, int w, int h, double fx, double fy)
{
    double x0 = floor(fx), y0 = floor(fy), ax = fx - x0, ay = fy - y0, v[4];
    for (int q = 0; q < 4; q++) {
        double x = x0 + (q & 1), y = y0 + (q >> 1);
        v[q] = x >= 0 && y >= 0 && x < w && y < h ? m[(size_t)y * (size_t)w + (size_t)x] : 0.0;
    }
    return (1 - ay) * ((1 - ax) * v[0] + ax * v[1]) + ay * ((1 - ax) * v[2] + ax * v[3]);
}

/* Grey from a hash of the pixel: every tile has dark values, neighbours differ by up to 1 (the hardest case for the
 * bilinear sample's rounding). arg[0] = ppu. */
static double grey_noise(double x, double y, const double *arg)
{
    uint64_t st = (uint64_t)lround(x * arg[0]) * 0x9E3779B97F4A7C15ull ^ (uint64_t)lround(y * arg[0]) * 0xC2B2AE3D27D4EB4Full;
    return uniform(&st) < 0.3 ? 1.0 : uniform(&st);
}

/* A line drawing: the horizontal line of sim_test_util.h at y = arg[0] and a disc of radius 6 at (arg[3], arg[4]):
 * white tiles, dark tiles, and tiles that hold both. */
static double grey_drawing(double x, double y, const double *arg)
{
    double g = grey_hline(x, y, arg);
    double r = hypot(x - arg[3], y - arg[4]) - 6.0;
    return r < 0.0 ? 0.0 : g;
}

/* World position of robot-frame offset (ox, oy) at pose (x, y, th), as pixel coordinates (documented mapping). */
static void sensor_px(const pm_world *wd, double x, double y, double th, double ox, double oy, double *fx, double *fy)
{
    double wx = x + ox * cos(th) - oy * sin(th), wy = y + ox * sin(th) + oy * cos(th);
    *fx = wx * pm_world_ppu(wd);
    *fy = pm_world_height_px(wd) - wy * pm_world_ppu(wd);
}

/* Quantisation bound of a darkness sample (derived in sim.c): each stored value is within 0.5/65535 of the double
 * blur (round to nearest); the bilinear weights are convex, so a sample of stored values is within the same of the
 * sample of the double map; the float lerps add at most 3 * 65535 * 2^-24 = 0.012 units of 1/65535. The reference
 * computes the same positions and blur with other roundings (1e-12 and less). */
#define DARK_BOUND (0.512 / 65535.0 + 1e-12)
/* The predictor value g(d) = white - reading(d) moves by at most 0.25 |dd| (the sigmoid's slope), and sim.c's
 * polynomial for g errs by at most 1.43e-10. */
#define PRED_BOUND (0.25 * DARK_BOUND + 1.5e-10)

/* Compares every sensor of a paper-preset sim on wd, at n random poses (on the texture, any heading, plus the four
 * axis headings at whole-pixel positions, whose rows run along pixel and tile edges), with the reference maps. Poses
 * near the border have rows partly or wholly off the texture. Returns the worst reflex darkness error seen. */
static double compare_with_reference(const pm_world *wd, int n, uint64_t seed, const pm_sim_config *cfg)
{
    pm_sim_config c = *cfg;
    pm_sim *s = NULL;
    assert_int_equal(pm_sim_create(&c, wd, &s), PM_OK);
    int w = pm_world_width_px(wd), h = pm_world_height_px(wd), np = pm_sim_n_predictors(s);
    assert_true(np <= 144);
    double *ref_reflex = reference_map(wd, c.reflex_sigma), *ref_pred = reference_map(wd, c.predictor_sigma);
    double W, H, xy[288], worst = 0.0;
    pm_world_size(wd, &W, &H);
    pm_sim_predictor_offsets(s, xy);
    uint64_t st = seed;
    for (int k = 0; k < n; k++) {
        double x = W * uniform(&st), y = H * uniform(&st), th = 6.283185307179586 * uniform(&st) - 3.141592653589793;
        if (k % 4 == 0) {  /* whole pixels, axis headings */
            x = floor(x * PPU) / PPU, y = floor(y * PPU) / PPU, th = (k / 4 % 4 - 1) * 1.5707963267948966;
        }
        assert_int_equal(pm_sim_set_pose(s, x, y, th), PM_OK);
        pm_sim_pose(s, NULL, NULL, &th);  /* the sim's wrapped heading */
        pm_sim_reading r;
        double p[144], fx, fy;
        assert_int_equal(pm_sim_sense(s, &r, p), PM_OK);
        for (int side = 0; side < 2; side++) {
            sensor_px(wd, x, y, th, c.reflex_x, side ? -c.reflex_y : c.reflex_y, &fx, &fy);
            double d = bilinear(ref_reflex, w, h, fx, fy), got = darkness_of(side ? r.reflex_right : r.reflex_left);
            worst = fmax(worst, fabs(got - d));
            assert_float_equal(got, d, DARK_BOUND + 1e-13);
        }
        assert_float_equal(r.error, c.reflex_gain * (r.reflex_left - r.reflex_right), 1e-12);
        for (int i = 0; i < np; i++) {
            sensor_px(wd, x, y, th, xy[2 * i], xy[2 * i + 1], &fx, &fy);
            double d = bilinear(ref_pred, w, h, fx, fy);
            assert_float_equal(p[i], white_reading() - reading(d), PRED_BOUND);
        }
    }
    free(ref_reflex);
    free(ref_pred);
    pm_sim_destroy(s);
    return worst;
}

/* (a) Noise texture (every tile dark, odd sizes: the last tile column and row are partial) and a line drawing on a
 * larger texture (white, dark and mixed tiles): every reading agrees with a bilinear sample of the double map within
 * the quantisation bound. The worst error must also be a sizeable part of the bound (0.5/65535 is reached when a
 * stored value sits half a step from the double one): a map that were not quantised, or quantised coarser, fails.
 * Then a config that is not the paper's: rows of 7 (not a multiple of the 4 lanes), 1.2 px apart, one map shared by
 * equal sigmas, rows at fractional pixel distances. */
static void compact_map_matches_double_map(void **state)
{
    (void)state;
    pm_sim_config c;
    pm_sim_config_paper(&c);
    const double noise_arg[1] = {PPU};
    pm_world *w = make_world(163, 131, PPU, grey_noise, noise_arg);
    assert_non_null(w);
    double worst = compare_with_reference(w, 400, 7, &c);
    print_message("noise texture: worst darkness error %.3g (bound %.3g)\n", worst, DARK_BOUND);
    assert_true(worst > 0.3 / 65535.0);
    pm_sim_config odd = c;
    odd.n_rows = 5, odd.row_len = 7, odd.row_spacing = 0.3, odd.row_dx = 0.7, odd.row_x0 = 3.1;
    odd.predictor_sigma = odd.reflex_sigma = 0.45;
    compare_with_reference(w, 300, 5, &odd);
    pm_world_destroy(w);
    const double draw_arg[5] = {40.0, 2.75, PPU, 60.0, 55.0};
    w = make_world(403, 301, PPU, grey_drawing, draw_arg);
    assert_non_null(w);
    worst = compare_with_reference(w, 600, 11, &c);
    print_message("line drawing: worst darkness error %.3g\n", worst);
    compare_with_reference(w, 300, 13, &odd);
    pm_world_destroy(w);
}

/* A uniform grey world reads, away from the border, a darkness of exactly q/65535 with q = round(65535 (1 - grey)):
 * the blur of a constant is the constant (within 1e-15) and the bilinear sample of four equal values is that value.
 * So the predictor is sim.c's polynomial at d = q/65535 and the reflex reading pm_exp's sigmoid there: both are
 * checked against libm over the whole range of q, the polynomial within its stated 1.5e-10, its end points exactly
 * (q = 0: 0, so white stays white). */
static double grey_const(double x, double y, const double *arg)
{
    (void)x, (void)y;
    return arg[0];
}

static void predictor_value_is_within_its_bound(void **state)
{
    (void)state;
    pm_sim_config c;
    pm_sim_config_paper(&c);
    double worst = 0.0;
    for (int q = 0; q <= 65535; q += (q < 70 || q > 65470) ? 1 : 257) {
        /* a float grey whose darkness times 65535 is within 0.004 of q (float's 2^-24 relative step) */
        const double arg[1] = {(double)(float)(1.0 - q / 65535.0)};
        pm_world *w = make_world(144, 144, PPU, grey_const, arg);  /* 36 x 36 units: the sensors reach 13 ahead */
        pm_sim *s = NULL;
        assert_int_equal(pm_sim_create(&c, w, &s), PM_OK);
        assert_int_equal(pm_sim_set_pose(s, 10.0, 18.0, 0.0), PM_OK);
        pm_sim_reading r;
        double p[144], d = q / 65535.0;
        assert_int_equal(pm_sim_sense(s, &r, p), PM_OK);
        assert_float_equal(r.reflex_left, reading(d), 1e-15);
        assert_true(r.error == 0.0);  /* both sides read the same */
        for (int i = 0; i < 144; i++) {
            double e = fabs(p[i] - (white_reading() - reading(d)));
            worst = fmax(worst, e);
            assert_true(e <= 1.5e-10);
            assert_true(q > 0 ? p[i] > 0.0 : p[i] == 0.0);
        }
        assert_int_equal(r.line_seen, d > c.line_threshold);
        pm_sim_destroy(s);
        pm_world_destroy(w);
    }
    print_message("predictor polynomial: worst error %.3g\n", worst);
}

/* (b) White is exact (SPEC §6: E exactly 0 over pure white): on a pure white world at any pose, on or partly off the
 * texture, every reading is exactly 1/(1+e^-1), E == 0, every predictor == 0 and no line is seen. The same on a world
 * with a line wherever every footprint is farther from the line than its reach (3 sigma + the bilinear pixel), even
 * where it reads tiles that hold dark values elsewhere. */
static void white_is_exactly_white_everywhere(void **state)
{
    (void)state;
    pm_world *w = make_world(401, 302, PPU, grey_white, NULL);
    pm_sim_config c;
    pm_sim_config_paper(&c);
    pm_sim *s = NULL;
    assert_int_equal(pm_sim_create(&c, w, &s), PM_OK);
    uint64_t st = 3;
    for (int k = 0; k < 500; k++) {
        double th = 6.283185307179586 * uniform(&st);
        assert_int_equal(pm_sim_set_pose(s, 100.25 * uniform(&st), 75.5 * uniform(&st), th), PM_OK);
        pm_sim_reading r;
        double p[144];
        assert_int_equal(pm_sim_sense(s, &r, p), PM_OK);
        assert_true(r.reflex_left == white_reading() && r.reflex_right == white_reading());
        assert_true(r.error == 0.0);
        assert_int_equal(r.line_seen, 0);
        for (int i = 0; i < 144; i++)
            assert_true(p[i] == 0.0);
    }
    pm_sim_destroy(s);
    pm_world_destroy(w);

    /* line y = 40, 2.75 wide, antialiased over 1 px: dark up to 1.375 + 0.25 units from its centre line; the
     * predictor footprint reaches ceil(3 * 0.5 * 4) = 6 px = 1.5 units, the bilinear sample one more pixel */
    const double arg[3] = {40.0, 2.75, PPU};
    const double reach = 1.375 + 0.25 + 1.5 + 0.25;
    w = make_world(400, 320, PPU, grey_hline, arg);
    assert_int_equal(pm_sim_create(&c, w, &s), PM_OK);
    double xy[288], rf[4];
    pm_sim_predictor_offsets(s, xy);
    pm_sim_reflex_offsets(s, rf);
    int tested = 0;
    for (int k = 0; k < 1000 && tested < 300; k++) {
        /* a heading, then y such that the footprint nearest the line is reach + 0.05 .. reach + 3 from it, above
         * or below: close enough that some footprints read tiles holding dark values */
        double x = 20.0 + 60.0 * uniform(&st), th = 6.283185307179586 * uniform(&st) - 3.14159;
        double lo = 1e9, hi = -1e9;  /* lateral extent of the sensors in world y, relative to the robot */
        for (int i = 0; i < 146; i++) {
            const double *o = i < 144 ? &xy[2 * i] : &rf[2 * (i - 144)];
            double dy = o[0] * sin(th) + o[1] * cos(th);
            lo = fmin(lo, dy), hi = fmax(hi, dy);
        }
        double dist = reach + 0.05 + 2.95 * uniform(&st);
        double y = uniform(&st) < 0.5 ? 40.0 + dist - lo : 40.0 - dist - hi;
        if (y < 0.0 || y > 80.0)
            continue;
        double nearest = 1e9;
        for (int i = 0; i < 146; i++) {
            const double *o = i < 144 ? &xy[2 * i] : &rf[2 * (i - 144)];
            nearest = fmin(nearest, fabs(y + o[0] * sin(th) + o[1] * cos(th) - 40.0));
        }
        assert_true(nearest > reach);
        tested++;
        assert_int_equal(pm_sim_set_pose(s, x, y, th), PM_OK);
        pm_sim_reading r;
        double p[144];
        assert_int_equal(pm_sim_sense(s, &r, p), PM_OK);
        assert_true(r.error == 0.0 && r.reflex_left == white_reading());
        for (int i = 0; i < 144; i++)
            assert_true(p[i] == 0.0);
    }
    assert_true(tested == 300);
    pm_sim_destroy(s);
    pm_world_destroy(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compact_map_matches_double_map),
        cmocka_unit_test(predictor_value_is_within_its_bound),
        cmocka_unit_test(white_is_exactly_white_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
