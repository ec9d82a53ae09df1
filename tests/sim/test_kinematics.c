/* Tests of the robot's differential-drive kinematics (SPEC §6): straight lines, circles, clamping, noise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sim/sim_test_util.h"

static const double PI = 3.14159265358979323846;

/* A blank 400 x 400 unit world (ppu 1): kinematics does not look at the texture. */
static pm_world *blank_world(void)
{
    return make_world(400, 400, 1.0, grey_white, NULL);
}

static pm_sim *new_sim(const pm_world *w, double noise, uint64_t seed, double dt)
{
    pm_sim_config c;
    pm_sim_config_paper(&c);
    c.wheel_noise = noise;
    c.seed = seed;
    if (dt > 0)
        c.dt = dt;
    pm_sim *s = NULL;
    assert_int_equal(pm_sim_create(&c, w, &s), PM_OK);
    return s;
}

/* Equal wheels v for n steps of dt: a straight line of length v*n*dt along the heading, heading unchanged. */
static void equal_wheels_go_straight(void **state)
{
    (void)state;
    pm_world *w = blank_world();
    pm_sim *s = new_sim(w, 0.0, 1, 0.0);
    const double h0 = 0.7, v = 20.0;
    assert_int_equal(pm_sim_set_pose(s, 50.0, 60.0, h0), PM_OK);
    for (int i = 0; i < 500; i++)
        assert_int_equal(pm_sim_step(s, v, v), PM_OK);
    double x, y, h;
    pm_sim_pose(s, &x, &y, &h);
    double len = v * 500 * 0.03;  /* 300 units */
    assert_float_equal(x, 50.0 + len * cos(h0), 1e-9);
    assert_float_equal(y, 60.0 + len * sin(h0), 1e-9);
    assert_float_equal(h, h0, 1e-12);
    assert_int_equal(pm_sim_steps(s), 500);
    pm_sim_destroy(s);
    pm_world_destroy(w);
}

/* Constant unequal wheels: a circle of radius R = (5.2/2)(v_r + v_l)/(v_r - v_l) about a fixed centre, with
 * period 2 pi/omega, omega = (v_r - v_l)/5.2. With dt = period/1000 the robot is back after 1000 steps. */
static void unequal_wheels_drive_a_circle(void **state)
{
    (void)state;
    const double vl = 10.0, vr = 20.0;
    const double R = 2.6 * (vr + vl) / (vr - vl);  /* 7.8 */
    const double omega = (vr - vl) / 5.2;          /* rad/s */
    const double period = 2.0 * PI / omega;
    pm_world *w = blank_world();
    pm_sim *s = new_sim(w, 0.0, 1, period / 1000.0);
    const double x0 = 100.0, y0 = 100.0, h0 = 0.3;
    assert_int_equal(pm_sim_set_pose(s, x0, y0, h0), PM_OK);
    /* a left turn (v_r > v_l): the centre lies R to the left of the heading */
    double cx = x0 - R * sin(h0), cy = y0 + R * cos(h0);
    for (int i = 1; i <= 1000; i++) {
        assert_int_equal(pm_sim_step(s, vl, vr), PM_OK);
        double x, y, h;
        pm_sim_pose(s, &x, &y, &h);
        assert_float_equal(hypot(x - cx, y - cy), R, 1e-9);
        if (i == 500) {  /* half a period: diametrically opposite, heading reversed */
            assert_float_equal(hypot(x - x0, y - y0), 2.0 * R, 1e-9);
            assert_float_equal(fabs(remainder(h - h0 - PI, 2.0 * PI)), 0.0, 1e-9);
        }
    }
    double x, y, h;
    pm_sim_pose(s, &x, &y, &h);
    assert_float_equal(x, x0, 1e-9);
    assert_float_equal(y, y0, 1e-9);
    assert_float_equal(fabs(remainder(h - h0, 2.0 * PI)), 0.0, 1e-9);
    pm_sim_destroy(s);
    pm_world_destroy(w);
}

/* Wheel commands beyond +-100 act as +-100: forward at 150 moves 100*dt per step; (-300, +300) spins in place
 * at 200/5.2 rad/s. */
static void wheel_speeds_are_clamped(void **state)
{
    (void)state;
    pm_world *w = blank_world();
    pm_sim *s = new_sim(w, 0.0, 1, 0.0);
    assert_int_equal(pm_sim_set_pose(s, 100.0, 100.0, 0.0), PM_OK);
    assert_int_equal(pm_sim_step(s, 150.0, 1e6), PM_OK);  /* both clamp to 100: straight */
    double x, y, h;
    pm_sim_pose(s, &x, &y, &h);
    assert_float_equal(x, 100.0 + 100.0 * 0.03, 1e-12);
    assert_float_equal(y, 100.0, 1e-12);
    assert_float_equal(h, 0.0, 1e-12);
    assert_int_equal(pm_sim_step(s, -300.0, 300.0), PM_OK);
    pm_sim_pose(s, &x, &y, &h);
    assert_float_equal(x, 103.0, 1e-12);
    assert_float_equal(y, 100.0, 1e-12);
    assert_float_equal(h, 200.0 / 5.2 * 0.03, 1e-12);
    pm_sim_destroy(s);
    pm_world_destroy(w);
}

/* Heading is reported in (-pi, pi] however far the robot spins. */
static void heading_is_wrapped(void **state)
{
    (void)state;
    pm_world *w = blank_world();
    pm_sim *s = new_sim(w, 0.0, 1, 0.0);
    assert_int_equal(pm_sim_set_pose(s, 100.0, 100.0, 7.0), PM_OK);
    double h;
    pm_sim_pose(s, NULL, NULL, &h);
    assert_float_equal(h, 7.0 - 2.0 * PI, 1e-12);
    for (int i = 0; i < 300; i++) {
        assert_int_equal(pm_sim_step(s, -37.0, 41.0), PM_OK);
        pm_sim_pose(s, NULL, NULL, &h);
        assert_true(h > -PI && h <= PI);
    }
    pm_sim_destroy(s);
    pm_world_destroy(w);
}

/* Runs n steps of a fixed wavy command sequence; writes the final pose to p[3]. */
static void run_path(pm_sim *s, int n, double p[3])
{
    assert_int_equal(pm_sim_set_pose(s, 200.0, 200.0, 0.0), PM_OK);
    for (int i = 0; i < n; i++)
        assert_int_equal(pm_sim_step(s, 30.0 + 5.0 * sin(0.1 * i), 30.0 - 5.0 * sin(0.1 * i)), PM_OK);
    pm_sim_pose(s, &p[0], &p[1], &p[2]);
}

static void noise_is_seeded(void **state)
{
    (void)state;
    pm_world *w = blank_world();
    double a[3], b[3], c[3], d[3], e[3];
    pm_sim *s;
    /* noise off: the seed does not matter, the path is the noiseless one */
    s = new_sim(w, 0.0, 1, 0.0), run_path(s, 200, a), pm_sim_destroy(s);
    s = new_sim(w, 0.0, 2, 0.0), run_path(s, 200, b), pm_sim_destroy(s);
    for (int i = 0; i < 3; i++)
        assert_true(a[i] == b[i]);
    /* noise on: same seed, same path; another seed, another path; both differ from the noiseless one */
    s = new_sim(w, 0.05, 11, 0.0), run_path(s, 200, c), pm_sim_destroy(s);
    s = new_sim(w, 0.05, 11, 0.0), run_path(s, 200, d), pm_sim_destroy(s);
    s = new_sim(w, 0.05, 12, 0.0), run_path(s, 200, e), pm_sim_destroy(s);
    for (int i = 0; i < 3; i++)
        assert_true(c[i] == d[i]);
    assert_true(hypot(c[0] - e[0], c[1] - e[1]) > 1e-3);
    assert_true(hypot(c[0] - a[0], c[1] - a[1]) > 1e-3);
    pm_world_destroy(w);
}

/* Bad input is refused and leaves the pose exactly as it was. */
static void bad_input_is_refused(void **state)
{
    (void)state;
    pm_world *w = blank_world();
    pm_sim *s = new_sim(w, 0.05, 3, 0.0);
    assert_int_equal(pm_sim_set_pose(s, 10.0, 20.0, 0.5), PM_OK);
    assert_int_equal(pm_sim_step(s, NAN, 1.0), PM_ERR_NONFINITE);
    assert_int_equal(pm_sim_step(s, 1.0, INFINITY), PM_ERR_NONFINITE);
    assert_int_equal(pm_sim_set_pose(s, -0.1, 20.0, 0.0), PM_ERR_ARG);  /* centre off the 400 x 400 texture */
    assert_int_equal(pm_sim_set_pose(s, 10.0, 400.5, 0.0), PM_ERR_ARG);
    assert_int_equal(pm_sim_set_pose(s, 10.0, 20.0, NAN), PM_ERR_NONFINITE);
    assert_int_equal(pm_sim_set_pose(NULL, 10.0, 20.0, 0.0), PM_ERR_ARG);
    assert_int_equal(pm_sim_step(NULL, 1.0, 1.0), PM_ERR_ARG);
    double x, y, h;
    pm_sim_pose(s, &x, &y, &h);
    assert_true(x == 10.0 && y == 20.0 && h == 0.5);
    assert_int_equal(pm_sim_steps(s), 0);
    /* the refused steps drew no noise: the next step matches a fresh sim's first step */
    pm_sim *t = new_sim(w, 0.05, 3, 0.0);
    assert_int_equal(pm_sim_set_pose(t, 10.0, 20.0, 0.5), PM_OK);
    assert_int_equal(pm_sim_step(s, 30.0, 25.0), PM_OK);
    assert_int_equal(pm_sim_step(t, 30.0, 25.0), PM_OK);
    double x2, y2;
    pm_sim_pose(s, &x, &y, NULL);
    pm_sim_pose(t, &x2, &y2, NULL);
    assert_true(x == x2 && y == y2);
    pm_sim_destroy(t);
    pm_sim_destroy(s);
    pm_world_destroy(w);
}

/* Each unusable config field is refused with the documented status; nothing is allocated. */
static void bad_configs_are_refused(void **state)
{
    (void)state;
    pm_world *w = blank_world();
    pm_sim *s = NULL;
    pm_sim_config c;
    double *fields[] = {&c.dt, &c.wheel_distance, &c.max_wheel_speed, &c.reflex_sigma, &c.predictor_sigma,
                        &c.row_spacing};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        pm_sim_config_paper(&c);
        *fields[i] = 0.0;
        assert_int_equal(pm_sim_create(&c, w, &s), PM_ERR_ARG);
        *fields[i] = NAN;
        assert_int_equal(pm_sim_create(&c, w, &s), PM_ERR_NONFINITE);
    }
    pm_sim_config_paper(&c);
    c.wheel_noise = -0.1;
    assert_int_equal(pm_sim_create(&c, w, &s), PM_ERR_ARG);
    pm_sim_config_paper(&c);
    c.n_rows = 0;
    assert_int_equal(pm_sim_create(&c, w, &s), PM_ERR_ARG);
    pm_sim_config_paper(&c);
    c.row_len = -3;
    assert_int_equal(pm_sim_create(&c, w, &s), PM_ERR_ARG);
    pm_sim_config_paper(&c);
    c.predictor_sigma = 1e300;  /* a footprint wider than any texture */
    assert_int_equal(pm_sim_create(&c, w, &s), PM_ERR_ARG);
    pm_sim_config_paper(&c);
    c.reflex_gain = INFINITY;
    assert_int_equal(pm_sim_create(&c, w, &s), PM_ERR_NONFINITE);
    pm_sim_config_paper(&c);
    assert_int_equal(pm_sim_create(NULL, w, &s), PM_ERR_ARG);
    assert_int_equal(pm_sim_create(&c, NULL, &s), PM_ERR_ARG);
    assert_int_equal(pm_sim_create(&c, w, NULL), PM_ERR_ARG);
    assert_null(s);
    pm_sim_destroy(NULL);
    pm_world_destroy(w);
}

/* The paper preset carries the numbers of SPEC §6. */
static void paper_preset_matches_spec(void **state)
{
    (void)state;
    pm_sim_config c;
    pm_sim_config_paper(&c);
    assert_true(c.dt == 0.03 && c.wheel_distance == 5.2 && c.max_wheel_speed == 100.0);
    assert_true(c.reflex_x == 10.0 && c.reflex_y == 5.0 && c.reflex_sigma == 0.4 && c.reflex_gain == 50.0);
    assert_true(c.n_rows == 3 && c.row_len == 48 && c.row_x0 == 11.0 && c.row_dx == 1.0);
    assert_true(c.row_spacing == 0.25 && c.predictor_sigma == 0.5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(equal_wheels_go_straight), cmocka_unit_test(unequal_wheels_drive_a_circle),
        cmocka_unit_test(wheel_speeds_are_clamped), cmocka_unit_test(heading_is_wrapped),
        cmocka_unit_test(noise_is_seeded),          cmocka_unit_test(bad_input_is_refused),
        cmocka_unit_test(bad_configs_are_refused),  cmocka_unit_test(paper_preset_matches_spec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
