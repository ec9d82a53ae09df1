/* Tests of the world texture and the built-in tracks: geometry, start poses, and a pure reflex following each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sim/sim_test_util.h"

/* Grey of the pixel nearest world point (x, y): px = x*ppu, py = h - y*ppu (the documented mapping). */
static double grey_at(const pm_world *w, double x, double y)
{
    int px = (int)lround(x * pm_world_ppu(w)), py = (int)lround(pm_world_height_px(w) - y * pm_world_ppu(w));
    if (px < 0 || py < 0 || px >= pm_world_width_px(w) || py >= pm_world_height_px(w))
        return 1.0;
    return pm_world_pixels(w)[(size_t)py * pm_world_width_px(w) + px];
}

static void track_names_are_listed(void **state)
{
    (void)state;
    int n = 0;
    const char *const *names = pm_track_names(&n);
    const char *expect[] = {"paper", "oval", "figure8", "zigzag", "s-curves"};
    assert_int_equal(n, 5);
    for (int i = 0; i < n; i++)
        assert_string_equal(names[i], expect[i]);
    assert_ptr_equal(pm_track_names(NULL), names);
}

/* Every built-in: 250 x 250 units at ppu 4 = 1000 x 1000 px, grey in [0, 1], some black and mostly white, and
 * its start pose on the line, heading along it (5 units ahead is still on the line: the tightest start radius,
 * 16 units on s-curves, bends away by only 5^2/(2*16) = 0.8 < 1.375, half the width). */
static void builtins_have_a_line_under_the_start(void **state)
{
    (void)state;
    int n;
    const char *const *names = pm_track_names(&n);
    for (int t = 0; t < n; t++) {
        pm_world *w = NULL;
        assert_int_equal(pm_world_create_builtin(names[t], 4.0, &w), PM_OK);
        assert_string_equal(pm_world_name(w), names[t]);
        assert_int_equal(pm_world_width_px(w), 1000);
        assert_int_equal(pm_world_height_px(w), 1000);
        double ww, wh;
        pm_world_size(w, &ww, &wh);
        assert_true(ww == 250.0 && wh == 250.0);
        const float *px = pm_world_pixels(w);
        size_t dark = 0;
        for (size_t i = 0; i < 1000000; i++) {
            assert_true(px[i] >= 0.0f && px[i] <= 1.0f);
            dark += px[i] < 0.5f;
        }
        /* a closed track of length 400..1500 units, 2.75 wide: 4400..16500 units^2 * 16 px per unit^2 */
        assert_true(dark > 400 * 2.75 * 16 && dark < 1500 * 2.75 * 16);
        double x, y, h;
        assert_int_equal(pm_world_start_pose(w, &x, &y, &h), PM_OK);
        assert_true(grey_at(w, x, y) == 0.0);
        assert_true(grey_at(w, x + 5.0 * cos(h), y + 5.0 * sin(h)) < 0.5);
        assert_true(grey_at(w, x - 3.0 * sin(h), y + 3.0 * cos(h)) == 1.0);  /* 3 units to the side: ground */
        pm_world_destroy(w);
    }
}

/* The paper track's bottom side is the straight y = 20 through the start (125, 20): a vertical cut through it
 * shows a dark band 2.75 units = 11 pixels wide (half-grey edge pixels counted as half). */
static void paper_line_is_2_75_wide(void **state)
{
    (void)state;
    pm_world *w = NULL;
    assert_int_equal(pm_world_create_builtin("paper", 4.0, &w), PM_OK);
    double x, y, h;
    assert_int_equal(pm_world_start_pose(w, &x, &y, &h), PM_OK);
    assert_float_equal(x, 125.0, 1e-9);
    assert_float_equal(y, 20.0, 1e-9);
    assert_float_equal(h, 0.0, 1e-9);
    double width = 0.0;
    for (double yy = 10.0; yy <= 30.0; yy += 0.25)
        width += 1.0 - grey_at(w, 140.0, yy);
    assert_float_equal(width / 4.0, 2.75, 0.25);
    pm_world_destroy(w);
}

/* A pure reflex (s = E, wheels 30 +- s) follows every built-in for 20,000 steps without ever losing the line. */
static void reflex_follows_every_builtin_at_30(void **state)
{
    (void)state;
    int n;
    const char *const *names = pm_track_names(&n);
    for (int t = 0; t < n; t++) {
        pm_world *w = NULL;
        assert_int_equal(pm_world_create_builtin(names[t], 4.0, &w), PM_OK);
        pm_sim_config c;
        pm_sim_config_paper(&c);
        pm_sim *s = NULL;
        assert_int_equal(pm_sim_create(&c, w, &s), PM_OK);
        int lost = drive_reflex(s, 30.0, 20000);
        if (lost)
            print_message("track %s: line lost on %d steps\n", names[t], lost);
        assert_int_equal(lost, 0);
        pm_sim_destroy(s);
        pm_world_destroy(w);
    }
}

/* The paper track is followed by the reflex alone at the study speed 60 too, with and without wheel noise, and
 * the robot really goes round: 20,000 steps x 0.03 s x 60 units/s = 36,000 units, and a lap is
 * 2*75 + 2*140 + 2*15 + 2*60 (straights) + 4 * 35 pi/2 + 2 * 30 pi/2 + 30 pi (bends) = 988 units, so about 36
 * laps: the summed turning (sampled every 10 steps, at most 18 units of path, far below half a turn) must exceed
 * 30 x 2 pi. */
static void reflex_follows_paper_at_60(void **state)
{
    (void)state;
    pm_world *w = NULL;
    assert_int_equal(pm_world_create_builtin("paper", 4.0, &w), PM_OK);
    for (int noisy = 0; noisy < 2; noisy++) {
        pm_sim_config c;
        pm_sim_config_paper(&c);
        c.wheel_noise = noisy ? 0.05 : 0.0;
        pm_sim *s = NULL;
        assert_int_equal(pm_sim_create(&c, w, &s), PM_OK);
        double turned = 0.0, h0, h;
        pm_sim_pose(s, NULL, NULL, &h0);
        int lost = 0;
        for (int k = 0; k < 2000; k++) {
            lost += drive_reflex(s, 60.0, 10);
            pm_sim_pose(s, NULL, NULL, &h);
            turned += remainder(h - h0, 2.0 * 3.14159265358979323846);
            h0 = h;
        }
        assert_int_equal(lost, 0);
        print_message("paper at 60 (noise %d): turned %.1f laps\n", noisy, turned / (2.0 * 3.14159265358979323846));
        assert_true(turned > 30.0 * 2.0 * 3.14159265358979323846);
        pm_sim_destroy(s);
    }
    pm_world_destroy(w);
}

static void bad_builtin_requests_are_refused(void **state)
{
    (void)state;
    pm_world *w = NULL;
    assert_int_equal(pm_world_create_builtin("spiral", 4.0, &w), PM_ERR_ARG);
    assert_int_equal(pm_world_create_builtin(NULL, 4.0, &w), PM_ERR_ARG);
    assert_int_equal(pm_world_create_builtin("paper", 0.0, &w), PM_ERR_ARG);
    assert_int_equal(pm_world_create_builtin("paper", NAN, &w), PM_ERR_ARG);
    assert_int_equal(pm_world_create_builtin("paper", 65.0, &w), PM_ERR_ARG);
    assert_int_equal(pm_world_create_builtin("paper", 4.0, NULL), PM_ERR_ARG);
    assert_null(w);
    /* ppu scales the texture: 250 units at ppu 2 = 500 px */
    assert_int_equal(pm_world_create_builtin("oval", 2.0, &w), PM_OK);
    assert_int_equal(pm_world_width_px(w), 500);
    pm_world_destroy(w);
    pm_world_destroy(NULL);
}

/* pm_world_from_pixels copies the texture; refuses NaN, out-of-range values and bad sizes; has no start. */
static void world_from_pixels(void **state)
{
    (void)state;
    float g[6] = {0.0f, 0.25f, 0.5f, 0.75f, 1.0f, 1.0f};
    pm_world *w = NULL;
    assert_int_equal(pm_world_from_pixels(g, 3, 2, 2.0, &w), PM_OK);
    g[0] = 0.9f;  /* the world keeps its own copy */
    assert_true(pm_world_pixels(w)[0] == 0.0f && pm_world_pixels(w)[3] == 0.75f);
    assert_int_equal(pm_world_width_px(w), 3);
    assert_int_equal(pm_world_height_px(w), 2);
    assert_true(pm_world_ppu(w) == 2.0);
    double ww, wh, x, y, h;
    pm_world_size(w, &ww, &wh);
    assert_true(ww == 1.5 && wh == 1.0);
    assert_int_equal(pm_world_start_pose(w, &x, &y, &h), PM_ERR_ARG);
    pm_world_destroy(w);
    pm_world *v = NULL;
    g[2] = NAN;
    assert_int_equal(pm_world_from_pixels(g, 3, 2, 2.0, &v), PM_ERR_NONFINITE);
    g[2] = 1.5f;
    assert_int_equal(pm_world_from_pixels(g, 3, 2, 2.0, &v), PM_ERR_ARG);
    g[2] = -0.1f;
    assert_int_equal(pm_world_from_pixels(g, 3, 2, 2.0, &v), PM_ERR_ARG);
    g[2] = 0.5f;
    assert_int_equal(pm_world_from_pixels(g, 0, 2, 2.0, &v), PM_ERR_ARG);
    assert_int_equal(pm_world_from_pixels(g, 3, 2, -1.0, &v), PM_ERR_ARG);
    assert_int_equal(pm_world_from_pixels(NULL, 3, 2, 2.0, &v), PM_ERR_ARG);
    assert_null(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(track_names_are_listed),
        cmocka_unit_test(builtins_have_a_line_under_the_start),
        cmocka_unit_test(paper_line_is_2_75_wide),
        cmocka_unit_test(reflex_follows_every_builtin_at_30),
        cmocka_unit_test(reflex_follows_paper_at_60),
        cmocka_unit_test(bad_builtin_requests_are_refused),
        cmocka_unit_test(world_from_pixels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
