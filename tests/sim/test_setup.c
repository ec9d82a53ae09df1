/* Tests of bounded, interruptible world set-up (issue 13): memory budget, cancel flag, sigma-independent blur. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "sim/sim_test_util.h"

/* A built-in track at ppu 64 (inside (0, 64]) is 16000 x 16000 px: 1 GB of texture plus 2 GB per blurred map. It
 * is refused at once with PM_ERR_LIMIT and a message naming ppu, the size and the budget, before any allocation
 * (it used to take minutes and 5 GB). Up to the budget the track is drawn as before. */
static void builtin_over_budget_is_refused_at_once(void **state)
{
    (void)state;
    pm_world *w = NULL;
    clock_t t0 = clock();
    assert_int_equal(pm_world_create_builtin("paper", 64.0, &w), PM_ERR_LIMIT);
    char msg[256] = "";
    pm_setup opt = {.detail = msg, .detail_size = sizeof msg};
    assert_int_equal(pm_world_create_builtin_ex("oval", 64.0, &opt, &w), PM_ERR_LIMIT);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 1.0);
    assert_null(w);
    assert_non_null(strstr(msg, "track 'oval' at ppu 64 is 16000 x 16000 px"));
    assert_non_null(strstr(msg, "over the 1024 MiB budget"));
    /* 16000^2 px * (4 + 8) bytes = 2929.69 MiB (texture, blur scratch), plus 18 scratch lines of 16000 doubles
     * (2.20 MiB) and the sim's tile tables of 16001 + 16001 uint32 (0.12 MiB): 2932.01, 2933 rounded up */
    assert_non_null(strstr(msg, "2933 MiB"));
    int wp, hp;
    assert_int_equal(pm_track_size_px(64.0, &wp, &hp), PM_OK);
    assert_true(wp == 16000 && hp == 16000);
    assert_int_equal(pm_track_size_px(0.0, &wp, &hp), PM_ERR_ARG);
}

/* pm_world_estimate_bytes counts 4 bytes of texture and 8 per blurred map per pixel (two maps when the sigmas
 * differ), plus small per-sim arrays; the sim refuses a world whose estimate exceeds the budget, naming both maps. */
static void sim_budget_counts_one_map_per_sigma(void **state)
{
    (void)state;
    pm_sim_config c;
    pm_sim_config_paper(&c);  /* sigmas 0.4 and 0.5: two maps */
    size_t two = pm_world_estimate_bytes(400, 300, &c), one_min = pm_world_estimate_bytes(400, 300, NULL);
    assert_true(two >= 120000u * 20u && two < 120000u * 20u + 65536u);
    assert_true(one_min >= 120000u * 12u && one_min < 120000u * 12u + 65536u);
    c.predictor_sigma = c.reflex_sigma;
    assert_true(pm_world_estimate_bytes(400, 300, &c) >= 120000u * 12u &&
                pm_world_estimate_bytes(400, 300, &c) < 120000u * 12u + 65536u);
    assert_true(pm_world_estimate_bytes(0, 300, &c) == SIZE_MAX && pm_world_estimate_bytes(16385, 1, NULL) == SIZE_MAX);

    pm_world *w = make_world(400, 300, 4.0, grey_white, NULL);
    assert_non_null(w);
    char msg[256] = "";
    pm_setup opt = {.max_bytes = 120000u * 16u, .detail = msg, .detail_size = sizeof msg};  /* room for one map */
    pm_sim *s = NULL;
    pm_sim_config_paper(&c);
    assert_int_equal(pm_sim_create_ex(&c, w, &opt, &s), PM_ERR_LIMIT);
    assert_null(s);
    assert_non_null(strstr(msg, "400 x 300 px world (ppu 4) with two sensor maps"));
    assert_non_null(strstr(msg, "over the 2 MiB budget"));
    c.predictor_sigma = c.reflex_sigma;  /* one shared map fits */
    assert_int_equal(pm_sim_create_ex(&c, w, &opt, &s), PM_OK);
    pm_sim_destroy(s);
    pm_world_destroy(w);
}

/* A raised cancel flag stops every long set-up call with PM_ERR_CANCELLED, nothing allocated or kept (the sim
 * tests run under valgrind: a leak would show). */
/* pm_sim_config_check refuses what pm_sim_create_ex refuses for the config alone, with the same status and reason,
 * and needs no world. */
static void config_check_without_world(void **state)
{
    (void)state;
    pm_sim_config c;
    pm_sim_config_paper(&c);
    char msg[128] = "x";
    pm_setup opt = {.detail = msg, .detail_size = sizeof msg};
    assert_int_equal(pm_sim_config_check(&c, &opt), PM_OK);
    assert_string_equal(msg, "x");   /* nothing written on success */
    c.dt = -0.03;
    assert_int_equal(pm_sim_config_check(&c, &opt), PM_ERR_ARG);
    assert_string_equal(msg, "sim config: a field is out of range");
    pm_world *w = NULL;
    assert_int_equal(pm_world_create_builtin("paper", 0.5, &w), PM_OK);
    char msg2[128] = "";
    pm_setup opt2 = {.detail = msg2, .detail_size = sizeof msg2};
    pm_sim *s = NULL;
    assert_int_equal(pm_sim_create_ex(&c, w, &opt2, &s), PM_ERR_ARG);
    assert_string_equal(msg2, msg);
    pm_sim_config_paper(&c);
    c.row_spacing = NAN;
    assert_int_equal(pm_sim_config_check(&c, &opt), PM_ERR_NONFINITE);
    assert_string_equal(msg, "sim config: a field is NaN or infinite");
    c.row_spacing = 0.25;
    c.n_rows = 65;   /* above the 64 rows a sim holds */
    assert_int_equal(pm_sim_config_check(&c, NULL), PM_ERR_ARG);
    assert_int_equal(pm_sim_config_check(NULL, NULL), PM_ERR_ARG);
    pm_world_destroy(w);
}

static void raised_cancel_flag_stops_set_up(void **state)
{
    (void)state;
    volatile sig_atomic_t stop = 1;
    char msg[256] = "";
    pm_setup opt = {.cancel = &stop, .detail = msg, .detail_size = sizeof msg};
    pm_world *w = NULL;
    assert_int_equal(pm_world_create_builtin_ex("paper", 4.0, &opt, &w), PM_ERR_CANCELLED);
    assert_null(w);
    assert_non_null(strstr(msg, "cancelled"));
    stop = 0;
    assert_int_equal(pm_world_create_builtin_ex("paper", 1.0, &opt, &w), PM_OK);
    pm_sim_config c;
    pm_sim_config_paper(&c);
    pm_sim *s = NULL;
    stop = 1;
    assert_int_equal(pm_sim_create_ex(&c, w, &opt, &s), PM_ERR_CANCELLED);
    assert_null(s);
    stop = 0;
    assert_int_equal(pm_sim_create_ex(&c, w, &opt, &s), PM_OK);
    pm_sim_destroy(s);
    pm_world_destroy(w);
}

/* Standard normal CDF. */
static double phi(double z)
{
    return 0.5 * erfc(-z / sqrt(2.0));
}

/* Darkness under a predictor from its value v = WHITE - 1/(1+e^-(1-d)) (SPEC §6), inverted. */
static double darkness_of(double v)
{
    double reading = PM_SIM_WHITE_READING - v;
    return 1.0 - (-log(1.0 / reading - 1.0));
}

static double grey_left_black(double x, double y, const double *arg)
{
    (void)y;
    return x < arg[0] ? 0.0 : 1.0;
}

/* A wide footprint (sigma 20 px, radius 60 px: the recursive filter) over a vertical edge matches the Gaussian's
 * step response Phi(-d/sigma) within 0.6% (0.25% per pass for the recursive approximation, 0.27% truncation), and
 * sensors beyond 3 sigma of every dark pixel read exactly white: predictor exactly 0 (SPEC §6). */
static void wide_footprint_is_gaussian_and_exact_on_white(void **state)
{
    (void)state;
    const double edge[1] = {199.5};  /* pixels 0..199 black: the step sits between pixel centres 199 and 200 */
    pm_world *w = make_world(400, 400, 1.0, grey_left_black, edge);
    assert_non_null(w);
    pm_sim_config c;
    pm_sim_config_paper(&c);
    c.reflex_sigma = c.predictor_sigma = 20.0;
    c.n_rows = 1;
    c.row_len = 161;
    c.row_spacing = 1.0;
    c.row_x0 = 0.0;
    pm_sim *s = NULL;
    assert_int_equal(pm_sim_create(&c, w, &s), PM_OK);
    /* heading +y: sensor i (lateral +80 - i; left is -x) sits at world x = 120 + i, which is pixel column x
     * (ppu 1); the step lies halfway between the centres of columns 199 (black) and 200 (white) */
    assert_int_equal(pm_sim_set_pose(s, 200.0, 200.0, 0.5 * acos(-1.0)), PM_OK);
    pm_sim_reading r;
    double p[161];
    assert_int_equal(pm_sim_sense(s, &r, p), PM_OK);
    for (int i = 0; i < 161; i++) {
        double x = 120.0 + i, want = phi((199.5 - x) / 20.0);
        assert_float_equal(darkness_of(p[i]), want, 0.006);
        if (x >= 260.0)  /* more than 60 px (3 sigma) from pixel 199, the last dark one */
            assert_true(p[i] == 0.0);
        else
            assert_true(p[i] > 0.0);
    }
    pm_sim_destroy(s);
    pm_world_destroy(w);
}

/* CPU seconds of pm_sim_create on w with both sigmas = sigma (best of 3, to damp a loaded machine). */
static double create_seconds(const pm_world *w, double sigma)
{
    pm_sim_config c;
    pm_sim_config_paper(&c);
    c.reflex_sigma = c.predictor_sigma = sigma;
    double best = 1e30;
    for (int k = 0; k < 3; k++) {
        pm_sim *s = NULL;
        clock_t t0 = clock();
        assert_int_equal(pm_sim_create(&c, w, &s), PM_OK);
        double t = (double)(clock() - t0) / CLOCKS_PER_SEC;
        best = t < best ? t : best;
        pm_sim_destroy(s);
    }
    return best;
}

/* The blur cost does not grow with sigma: on a 1000 x 1000 px world a 400 px footprint (radius 1200, every pixel of
 * a line within reach) costs no more than 3 times the widest direct kernel (radius 32, 65 taps), where a direct
 * kernel took about 1000 taps a pixel per pass, 15 times more. A ratio, so it holds on a slow or loaded machine
 * and under valgrind alike. */
static void blur_cost_does_not_grow_with_sigma(void **state)
{
    (void)state;
    const double edge[1] = {125.0};
    pm_world *w = make_world(1000, 1000, 4.0, grey_left_black, edge);  /* left half black */
    assert_non_null(w);
    double direct = create_seconds(w, 32.0 / 12.0);  /* 3 sigma ppu = 32 px */
    double wide = create_seconds(w, 100.0);          /* 400 px, radius 1200 */
    assert_true(wide < 3.0 * direct + 0.02);
    pm_world_destroy(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builtin_over_budget_is_refused_at_once),
        cmocka_unit_test(sim_budget_counts_one_map_per_sigma),
        cmocka_unit_test(config_check_without_world),
        cmocka_unit_test(raised_cancel_flag_stops_set_up),
        cmocka_unit_test(wide_footprint_is_gaussian_and_exact_on_white),
        cmocka_unit_test(blur_cost_does_not_grow_with_sigma),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
