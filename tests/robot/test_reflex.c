/* Tests of the robot reflex: running-extreme calibration and the weighted mirrored-pair error of SPEC §7. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <cmocka.h>

#include "primod/reflex.h"

static void calibrate_20_220(pm_reflex *r)
{
    const uint8_t dark[8] = {20, 20, 20, 20, 20, 20, 20, 20}, light[8] = {220, 220, 220, 220, 220, 220, 220, 220};
    pm_reflex_observe(r, dark);
    pm_reflex_observe(r, light);
}

static void paper_error_after_calibration(void **state)
{
    (void)state;
    pm_reflex_config cfg;
    pm_reflex_config_paper(&cfg);
    pm_reflex r;
    assert_int_equal(pm_reflex_init(&r, &cfg), PM_OK);
    calibrate_20_220(&r);
    assert_true(pm_reflex_calibrated(&r));
    /* raw s0 20 -> 0, s1 120 -> 255 * 100/200 = 127.5, s6 220 -> 255, s7 220 -> 255:
     * E = (7 (0 - 255) + 5 (127.5 - 255)) / 200 = (-1785 - 637.5) / 200 = -12.1125 (line under the left) */
    const uint8_t raw[8] = {20, 120, 220, 220, 220, 220, 220, 220};
    double e = 0;
    int seen = 0;
    assert_int_equal(pm_reflex_error(&r, raw, &e, &seen), PM_OK);
    assert_float_equal(e, -12.1125, 1e-12);
    assert_int_equal(seen, 1);
    /* mirror reading: +12.1125 */
    const uint8_t mirror[8] = {220, 220, 220, 220, 220, 220, 120, 20};
    assert_int_equal(pm_reflex_error(&r, mirror, &e, &seen), PM_OK);
    assert_float_equal(e, 12.1125, 1e-12);
    /* all white: E = 0 exactly and no line seen */
    const uint8_t white[8] = {220, 220, 220, 220, 220, 220, 220, 220};
    assert_int_equal(pm_reflex_error(&r, white, &e, &seen), PM_OK);
    assert_true(e == 0.0);
    assert_int_equal(seen, 0);
    /* readings beyond the extremes clip: raw 255 on s0 counts as 255 (not 298.35), raw 0 on s7 as 0:
     * E = 7 (255 - 0) / 200 + 5 (255 - 255) / 200 = 8.925 */
    pm_reflex copy = r;
    const uint8_t beyond[8] = {255, 220, 220, 220, 220, 220, 220, 0};
    assert_int_equal(pm_reflex_error(&copy, beyond, &e, NULL), PM_OK);
    assert_float_equal(e, 8.925, 1e-12);
}

static void not_calibrated_is_refused(void **state)
{
    (void)state;
    pm_reflex_config cfg;
    pm_reflex_config_paper(&cfg);
    pm_reflex r;
    assert_int_equal(pm_reflex_init(&r, &cfg), PM_OK);
    const uint8_t raw[8] = {100, 100, 100, 100, 100, 100, 100, 100};
    double e = 42;
    assert_false(pm_reflex_calibrated(&r));
    assert_int_equal(pm_reflex_error(&r, raw, &e, NULL), PM_ERR_ARG);
    assert_true(e == 42);
    /* span 19 < min span 20 on sensor 0: still not calibrated; 20 is enough */
    pm_reflex_observe(&r, raw);
    const uint8_t a[8] = {119, 200, 200, 200, 200, 200, 200, 200};
    pm_reflex_observe(&r, a);
    assert_false(pm_reflex_calibrated(&r));
    const uint8_t b[8] = {120, 200, 200, 200, 200, 200, 200, 200};
    pm_reflex_observe(&r, b);
    assert_true(pm_reflex_calibrated(&r));
}

static void only_weighted_sensors_need_calibration(void **state)
{
    (void)state;
    pm_reflex_config cfg;
    pm_reflex_config_paper(&cfg);
    cfg.weights[0] = 0;
    cfg.weights[1] = 0;
    cfg.weights[3] = 2; /* pair (3, 4) only */
    cfg.divisor = 4;
    pm_reflex r;
    assert_int_equal(pm_reflex_init(&r, &cfg), PM_OK);
    double black[8] = {0, 0, 0, 10, 10, 0, 0, 0}, white[8] = {0, 0, 0, 210, 110, 0, 0, 0};
    assert_int_equal(pm_reflex_set_calibration(&r, black, white), PM_OK);
    assert_true(pm_reflex_calibrated(&r));
    /* s3 = 255 * (110 - 10) / 200 = 127.5, s4 = 255 * (60 - 10) / 100 = 127.5 -> E = 2 * 0 / 4 = 0;
     * raw s3 210 -> 255: E = 2 * (255 - 127.5) / 4 = 63.75 */
    const uint8_t raw1[8] = {0, 0, 0, 110, 60, 0, 0, 0}, raw2[8] = {0, 0, 0, 210, 60, 0, 0, 0};
    double e;
    assert_int_equal(pm_reflex_error(&r, raw1, &e, NULL), PM_OK);
    assert_float_equal(e, 0.0, 1e-12);
    assert_int_equal(pm_reflex_error(&r, raw2, &e, NULL), PM_OK);
    assert_float_equal(e, 63.75, 1e-12);
}

static void bad_input_leaves_state(void **state)
{
    (void)state;
    pm_reflex_config cfg;
    pm_reflex_config_paper(&cfg);
    pm_reflex r;
    assert_int_equal(pm_reflex_init(&r, &cfg), PM_OK);
    calibrate_20_220(&r);
    pm_reflex before = r;
    double black[8] = {0}, white[8] = {255, 255, 255, 255, 255, 255, 255, 256};
    assert_int_equal(pm_reflex_set_calibration(&r, black, white), PM_ERR_ARG);
    white[7] = NAN;
    assert_int_equal(pm_reflex_set_calibration(&r, black, white), PM_ERR_ARG);
    assert_memory_equal(&r, &before, sizeof r);
    pm_reflex_config bad = cfg;
    bad.divisor = 0;
    assert_int_equal(pm_reflex_init(&r, &bad), PM_ERR_ARG);
    bad = cfg;
    bad.weights[2] = INFINITY;
    assert_int_equal(pm_reflex_init(&r, &bad), PM_ERR_ARG);
    assert_memory_equal(&r, &before, sizeof r);
    assert_int_equal(pm_reflex_error(&r, NULL, black, NULL), PM_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(paper_error_after_calibration),
        cmocka_unit_test(not_calibrated_is_refused),
        cmocka_unit_test(only_weighted_sensors_need_calibration),
        cmocka_unit_test(bad_input_leaves_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
