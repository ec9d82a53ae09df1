/* Tests of the Gaussian-footprint sensors (SPEC §6) over synthetic textures with known answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/sim_test_util.h"

#define PPU 4.0
#define SIDE 400  /* pixels: a 100 x 100 unit world */

/* reading = 1/(1+exp(-b)), b = 1 - darkness (SPEC §6) */
static double white_reading(void)
{
    return 1.0 / (1.0 + exp(-1.0));
}

/* Weighted darkness recovered from a reading: b = -log(1/reading - 1), darkness = 1 - b. */
static double darkness_of(double reading)
{
    return 1.0 + log(1.0 / reading - 1.0);
}

static pm_sim *paper_sim(const pm_world *w)
{
    pm_sim_config c;
    pm_sim_config_paper(&c);
    pm_sim *s = NULL;
    assert_int_equal(pm_sim_create(&c, w, &s), PM_OK);
    return s;
}

static void sense(const pm_sim *s, pm_sim_reading *r, double p[144])
{
    assert_int_equal(pm_sim_n_predictors(s), 144);
    assert_int_equal(pm_sim_sense(s, r, p), PM_OK);
}

/* Pure white: every reading exactly 1/(1+e^-1), E exactly 0, every predictor exactly 0, no line. */
static void white_is_exact(void **state)
{
    (void)state;
    pm_world *w = make_world(SIDE, SIDE, PPU, grey_white, NULL);
    pm_sim *s = paper_sim(w);
    assert_int_equal(pm_sim_set_pose(s, 40.0, 50.0, 0.3), PM_OK);
    pm_sim_reading r;
    double p[144];
    sense(s, &r, p);
    assert_true(r.reflex_left == white_reading());
    assert_true(r.reflex_right == white_reading());
    assert_true(r.error == 0.0);
    for (int i = 0; i < 144; i++)
        assert_true(p[i] == 0.0);
    assert_int_equal(r.line_seen, 0);
    assert_float_equal(PM_SIM_WHITE_READING, white_reading(), 1e-15);
    pm_sim_destroy(s);
    pm_world_destroy(w);
}

/* Pure black: readings 1/(1+e^0) = 0.5, predictors 0.7310585786 - 0.5, the line is seen. */
static void black_reads_half(void **state)
{
    (void)state;
    pm_world *w = make_world(SIDE, SIDE, PPU, grey_black, NULL);
    pm_sim *s = paper_sim(w);
    assert_int_equal(pm_sim_set_pose(s, 40.0, 50.0, -2.0), PM_OK);
    pm_sim_reading r;
    double p[144];
    sense(s, &r, p);
    assert_float_equal(r.reflex_left, 0.5, 1e-9);
    assert_float_equal(r.reflex_right, 0.5, 1e-9);
    assert_float_equal(r.error, 0.0, 1e-7);
    for (int i = 0; i < 144; i++)
        assert_float_equal(p[i], white_reading() - 0.5, 1e-9);
    assert_int_equal(r.line_seen, 1);
    pm_sim_destroy(s);
    pm_world_destroy(w);
}

/* Outside the texture counts as white: on an all-black world, a robot at the right border facing out has its
 * sensors (10+ units ahead) off the texture, so they read exactly white. */
static void outside_reads_white(void **state)
{
    (void)state;
    pm_world *w = make_world(SIDE, SIDE, PPU, grey_black, NULL);
    pm_sim *s = paper_sim(w);
    assert_int_equal(pm_sim_set_pose(s, 99.0, 50.0, 0.0), PM_OK);
    pm_sim_reading r;
    double p[144];
    sense(s, &r, p);
    assert_true(r.reflex_left == white_reading() && r.reflex_right == white_reading());
    for (int i = 0; i < 144; i++)
        assert_true(p[i] == 0.0);
    pm_sim_destroy(s);
    pm_world_destroy(w);
}

/* Black for world y below arg[0], white above: pixel samples at y_p = (h - py)/ppu; the continuous edge lies
 * halfway between the last black and the first white sample row, i.e. at arg[0] - 0.5/ppu when arg[0] is on a
 * sample row and we blacken y_p < arg[0]. */
static double grey_halfplane(double x, double y, const double *arg)
{
    (void)x;
    return y < arg[0] ? 0.0 : 1.0;
}

/* Standard normal CDF. */
static double phi(double z)
{
    return 0.5 * erfc(-z / sqrt(2.0));
}

/* A straight edge under a footprint: the weighted darkness is the Gaussian mass on the black side,
 * Phi(-d/sigma) for a sensor a signed distance d above the edge (SPEC §6: Gaussian footprint). The test
 * recovers the darkness from the reading through b = -log(1/reading - 1). Tolerance 0.015: (a) cutting the
 * kernel at 3 sigma and renormalising moves up to 0.27% of the mass; (b) the kernel is sampled at pixel
 * centres (sigma = 1.6 and 2 pixels), a sub-0.5% effect for such smooth kernels; (c) bilinear interpolation
 * between pixel samples of the blurred step errs by at most (1 px)^2/8 * max|f''| = 0.242/(8 sigma_px^2)
 * = 0.0118 for sigma_px = 1.6. (a)+(c) bound the error at sample-aligned and in-between positions alike. */
static void halfplane_edge_matches_gaussian_integral(void **state)
{
    (void)state;
    const double edge_row = 50.0;  /* world y of a pixel row: h - py = 200 */
    const double arg[1] = {edge_row};
    const double edge = edge_row - 0.5 / PPU;
    pm_world *w = make_world(SIDE, SIDE, PPU, grey_halfplane, arg);
    pm_sim *s = paper_sim(w);
    double worst = 0.0;
    /* heading +x: the left reflex sensor sits 5 units above the robot centre, the right one 5 below */
    for (double d = -1.3; d <= 1.3; d += 0.1) {
        assert_int_equal(pm_sim_set_pose(s, 30.0, edge + d - 5.0, 0.0), PM_OK);
        pm_sim_reading r;
        assert_int_equal(pm_sim_sense(s, &r, NULL), PM_OK);
        double expect = phi(-d / 0.4);  /* reflex sigma 0.4 */
        double got = darkness_of(r.reflex_left);
        worst = fmax(worst, fabs(got - expect));
        assert_float_equal(got, expect, 0.015);
        assert_true(r.reflex_right == 0.5 || fabs(r.reflex_right - 0.5) < 1e-9);  /* 10 units deep in black */
    }
    /* the predictor footprint (sigma 0.5): row 0 sensor i = 0 sits at lateral +5.875 */
    for (double d = -1.5; d <= 1.5; d += 0.25) {
        assert_int_equal(pm_sim_set_pose(s, 30.0, edge + d - 5.875, 0.0), PM_OK);
        pm_sim_reading r;
        double p[144];
        assert_int_equal(pm_sim_sense(s, &r, p), PM_OK);
        double expect = phi(-d / 0.5);
        double got = darkness_of(white_reading() - p[0]);
        assert_float_equal(got, expect, 0.015);
    }
    print_message("half-plane: worst reflex darkness error %.4f\n", worst);
    pm_sim_destroy(s);
    pm_world_destroy(w);
}

/* Index of the largest of n values (lowest index on ties). */
static int argmax(const double *v, int n)
{
    int k = 0;
    for (int i = 1; i < n; i++)
        if (v[i] > v[k])
            k = i;
    return k;
}

/* A line parallel to the heading at lateral offset y_L crosses every predictor row at y_L, so each row's
 * argmax is the sensor nearest y_L: y_i = 5.875 - 0.25 i  =>  i = (5.875 - y_L)/0.25. */
static void predictor_argmax_finds_the_line(void **state)
{
    (void)state;
    const double offsets[] = {2.125, -3.125, 5.875, -5.875, 0.125};
    const int expect[] = {15, 36, 0, 47, 23};  /* (5.875 - y_L)/0.25 */
    for (size_t k = 0; k < sizeof offsets / sizeof offsets[0]; k++) {
        const double arg[3] = {50.0, 2.75, PPU};
        pm_world *w = make_world(SIDE, SIDE, PPU, grey_hline, arg);
        pm_sim *s = paper_sim(w);
        assert_int_equal(pm_sim_set_pose(s, 20.0, 50.0 - offsets[k], 0.0), PM_OK);
        pm_sim_reading r;
        double p[144];
        sense(s, &r, p);
        for (int row = 0; row < 3; row++)
            assert_int_equal(argmax(&p[row * 48], 48), expect[k]);
        assert_int_equal(r.line_seen, 1);
        pm_sim_destroy(s);
        pm_world_destroy(w);
    }
}

/* Convention: the line under the RIGHT sensor makes the right reading smaller, so E = g_E (left - right) > 0,
 * and steering s = E (left wheel v + s, right v - s, SPEC §5) turns right, toward the line. */
static void error_sign_steers_toward_the_line(void **state)
{
    (void)state;
    const double arg[3] = {50.0, 2.75, PPU};
    pm_world *w = make_world(SIDE, SIDE, PPU, grey_hline, arg);
    pm_sim *s = paper_sim(w);
    pm_sim_reading r;
    /* heading +x, robot 5 above the line: the right sensor (lateral -5) is on it */
    assert_int_equal(pm_sim_set_pose(s, 20.0, 55.0, 0.0), PM_OK);
    assert_int_equal(pm_sim_sense(s, &r, NULL), PM_OK);
    assert_true(r.reflex_right < r.reflex_left);
    assert_true(r.error > 0.0);
    /* the left sensor on it: E < 0, same magnitude by symmetry */
    double e_right = r.error;
    assert_int_equal(pm_sim_set_pose(s, 20.0, 45.0, 0.0), PM_OK);
    assert_int_equal(pm_sim_sense(s, &r, NULL), PM_OK);
    assert_true(r.error < 0.0);
    assert_float_equal(r.error, -e_right, 1e-9);
    /* magnitude: right reading 1/(1+e^-(1-D)), D = darkness of a 2.75-wide line centred under sigma 0.4:
     * Phi(1.375/0.4) - Phi(-1.375/0.4) = 0.99941; left reads white. Tolerance as in the half-plane test. */
    double dl = 0.5 * erfc(-1.375 / 0.4 / sqrt(2.0)) - 0.5 * erfc(1.375 / 0.4 / sqrt(2.0));
    double expect = 50.0 * (1.0 / (1.0 + exp(-1.0)) - 1.0 / (1.0 + exp(-(1.0 - dl))));
    assert_float_equal(e_right, expect, 50.0 * 0.25 * 0.015);  /* d reading/d darkness <= 0.25 */
    /* closed loop: starting parallel with the line on the right, s = E turns the robot clockwise */
    assert_int_equal(pm_sim_set_pose(s, 20.0, 55.0, 0.0), PM_OK);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(pm_sim_sense(s, &r, NULL), PM_OK);
        assert_int_equal(pm_sim_step(s, 30.0 + r.error, 30.0 - r.error), PM_OK);
    }
    double h;
    pm_sim_pose(s, NULL, NULL, &h);
    assert_true(h < 0.0);
    pm_sim_destroy(s);
    pm_world_destroy(w);
}

/* Sensor geometry: reflex at (10, +-5); predictors row-major, row 0 at x = 11, i = 0 leftmost (y = +5.875). */
static void sensor_layout_is_documented_one(void **state)
{
    (void)state;
    pm_world *w = make_world(SIDE, SIDE, PPU, grey_white, NULL);
    pm_sim *s = paper_sim(w);
    double rf[4], xy[288];
    pm_sim_reflex_offsets(s, rf);
    assert_true(rf[0] == 10.0 && rf[1] == 5.0 && rf[2] == 10.0 && rf[3] == -5.0);
    pm_sim_predictor_offsets(s, xy);
    assert_int_equal(pm_sim_n_rows(s), 3);
    assert_int_equal(pm_sim_row_len(s), 48);
    for (int r = 0; r < 3; r++)
        for (int i = 0; i < 48; i++) {
            assert_float_equal(xy[2 * (r * 48 + i)], 11.0 + r, 1e-12);
            assert_float_equal(xy[2 * (r * 48 + i) + 1], 5.875 - 0.25 * i, 1e-12);
        }
    /* robot frame to world: heading pi/2, so forward is +y and left is -x */
    assert_int_equal(pm_sim_set_pose(s, 30.0, 40.0, 0.5 * 3.14159265358979323846), PM_OK);
    double wx, wy;
    pm_sim_to_world(s, 10.0, 5.0, &wx, &wy);
    assert_float_equal(wx, 25.0, 1e-9);
    assert_float_equal(wy, 50.0, 1e-9);
    pm_sim_reading r;
    assert_int_equal(pm_sim_sense(s, NULL, NULL), PM_ERR_ARG);
    assert_int_equal(pm_sim_sense(NULL, &r, NULL), PM_ERR_ARG);
    pm_sim_destroy(s);
    pm_world_destroy(w);
}

/* A sim without its own start pose starts at the world's centre heading +x. */
static void default_pose_is_world_centre(void **state)
{
    (void)state;
    pm_world *w = make_world(SIDE, 200, PPU, grey_white, NULL);
    pm_sim *s = paper_sim(w);
    double x, y, h;
    pm_sim_pose(s, &x, &y, &h);
    assert_true(x == 50.0 && y == 25.0 && h == 0.0);  /* 400/4/2, 200/4/2 */
    pm_sim_destroy(s);
    pm_world_destroy(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(white_is_exact),
        cmocka_unit_test(black_reads_half),
        cmocka_unit_test(outside_reads_white),
        cmocka_unit_test(halfplane_edge_matches_gaussian_integral),
        cmocka_unit_test(predictor_argmax_finds_the_line),
        cmocka_unit_test(error_sign_steers_toward_the_line),
        cmocka_unit_test(sensor_layout_is_documented_one),
        cmocka_unit_test(default_pose_is_world_centre),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
