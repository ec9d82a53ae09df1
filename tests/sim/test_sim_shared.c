/* Tests of pm_sim_create_shared: a sim that borrows another's blurred sensor maps reads exactly what a sim that
 * blurred its own would (the maps depend only on the world and the two sigmas, SPEC §6). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "primod/rng.h"
#include "primod/sim.h"

/* Same readings, bit for bit, at many poses along a driven path: predictors, reflexes, E, line_seen. */
static void same_readings(pm_sim *a, pm_sim *b, int steps)
{
    for (int n = 0; n < steps; n++) {
        pm_sim_reading ra, rb;
        double pa[144], pb[144];
        assert_int_equal(pm_sim_sense(a, &ra, pa), PM_OK);
        assert_int_equal(pm_sim_sense(b, &rb, pb), PM_OK);
        assert_memory_equal(pa, pb, sizeof pa);
        assert_memory_equal(&ra.error, &rb.error, sizeof ra.error);
        assert_memory_equal(&ra.reflex_left, &rb.reflex_left, sizeof ra.reflex_left);
        assert_int_equal(ra.line_seen, rb.line_seen);
        /* a plain reflex driver keeps the robot over the line, where the readings vary */
        const double s = 0.5 * ra.error;
        assert_int_equal(pm_sim_step(a, 40 + s, 40 - s), PM_OK);
        assert_int_equal(pm_sim_step(b, 40 + s, 40 - s), PM_OK);
    }
}

static void test_shared_reads_the_same(void **state)
{
    (void)state;
    pm_world *w = NULL;
    assert_int_equal(pm_world_create_builtin("paper", 4.0, &w), PM_OK);
    pm_sim_config c;
    pm_sim_config_paper(&c);
    pm_sim *own = NULL, *donor = NULL, *shared = NULL;
    assert_int_equal(pm_sim_create(&c, w, &own), PM_OK);
    pm_sim_config d = c;
    d.seed = 99;            /* the donor's other fields do not matter */
    d.max_wheel_speed = 7;
    assert_int_equal(pm_sim_create(&d, w, &donor), PM_OK);
    assert_int_equal(pm_sim_create_shared(&c, donor, &shared), PM_OK);
    assert_ptr_equal(pm_sim_world(shared), w);
    assert_int_equal(pm_sim_n_predictors(shared), 144);
    same_readings(own, shared, 3000);
    double xa, ya, ha, xb, yb, hb;   /* and the same path: the robot moved by the same readings */
    pm_sim_pose(own, &xa, &ya, &ha);
    pm_sim_pose(shared, &xb, &yb, &hb);
    assert_memory_equal(&xa, &xb, sizeof xa);
    assert_memory_equal(&hb, &ha, sizeof ha);
    pm_sim_destroy(shared);
    pm_sim_destroy(own);
    pm_sim_destroy(donor);
    pm_world_destroy(w);
}

/* Wheel noise comes from the new sim's own seed, not the donor's. */
static void test_shared_has_its_own_noise(void **state)
{
    (void)state;
    pm_world *w = NULL;
    assert_int_equal(pm_world_create_builtin("paper", 4.0, &w), PM_OK);
    pm_sim_config c;
    pm_sim_config_paper(&c);
    c.wheel_noise = 0.05;
    c.seed = 5;
    pm_sim_config d = c;
    d.seed = 6;
    pm_sim *own = NULL, *donor = NULL, *shared = NULL;
    assert_int_equal(pm_sim_create(&c, w, &own), PM_OK);
    assert_int_equal(pm_sim_create(&d, w, &donor), PM_OK);
    assert_int_equal(pm_sim_create_shared(&c, donor, &shared), PM_OK);
    same_readings(own, shared, 500);
    pm_sim_destroy(shared);
    pm_sim_destroy(own);
    pm_sim_destroy(donor);
    pm_world_destroy(w);
}

/* Other sigmas would need other maps: refused, nothing created; bad configs and NULLs as pm_sim_create. */
static void test_shared_refusals(void **state)
{
    (void)state;
    pm_world *w = NULL;
    assert_int_equal(pm_world_create_builtin("paper", 2.0, &w), PM_OK);
    pm_sim_config c;
    pm_sim_config_paper(&c);
    pm_sim *donor = NULL, *s = (pm_sim *)&c;   /* a non-NULL sentinel: must stay untouched on refusal */
    assert_int_equal(pm_sim_create(&c, w, &donor), PM_OK);
    pm_sim_config d = c;
    d.predictor_sigma = 0.6;
    assert_int_equal(pm_sim_create_shared(&d, donor, &s), PM_ERR_ARG);
    d = c;
    d.reflex_sigma = 0.5;
    assert_int_equal(pm_sim_create_shared(&d, donor, &s), PM_ERR_ARG);
    d = c;
    d.dt = 0;
    assert_int_equal(pm_sim_create_shared(&d, donor, &s), PM_ERR_ARG);
    d = c;
    d.row_x0 = NAN;
    assert_int_equal(pm_sim_create_shared(&d, donor, &s), PM_ERR_NONFINITE);
    assert_ptr_equal(s, (pm_sim *)&c);
    assert_int_equal(pm_sim_create_shared(NULL, donor, &s), PM_ERR_ARG);
    assert_int_equal(pm_sim_create_shared(&c, NULL, &s), PM_ERR_ARG);
    assert_int_equal(pm_sim_create_shared(&c, donor, NULL), PM_ERR_ARG);
    pm_sim_destroy(donor);
    pm_world_destroy(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shared_reads_the_same),
        cmocka_unit_test(test_shared_has_its_own_noise),
        cmocka_unit_test(test_shared_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
