/* Issue 13 items 1, 6, 7: config errors name key, value and reason, the config's limits are the parts' limits,
 * integer keys take the exponent form, INI errors point at what is malformed, a model is compared key by key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "primod/config.h"
#include "primod/filter.h"
#include "primod/net.h"
#include "primod/run.h"

/* max_steps prints its range as [1, 1000000000000]: every integral spelling inside it is accepted. */
static void test_integer_keys_take_exponents(void **state)
{
    (void)state;
    pm_config c;
    char err[PM_CFG_ERR_MAX];
    pm_config_defaults(&c);
    assert_int_equal(pm_config_set(&c, "run", "max_steps", "1e12", err), 0);
    assert_true(c.max_steps == 1000000000000L);
    assert_int_equal(pm_config_set(&c, "run", "max_steps", "2.5e3", err), 0);
    assert_true(c.max_steps == 2500);
    assert_int_equal(pm_config_set(&c, "run", "max_steps", "1.5", err), -1);
    assert_non_null(strstr(err, "not an integer"));
    assert_int_equal(pm_config_set(&c, "run", "max_steps", "1e13", err), -1);
    assert_non_null(strstr(err, "out of range [1, 1000000000000]"));
    assert_true(c.max_steps == 2500);   /* unchanged by the refusals */
    assert_int_equal(pm_config_set(&c, "network", "hidden", "1e1,2e0", err), 0);
    assert_true(c.n_hidden == 2 && c.hidden[0] == 10 && c.hidden[1] == 2);
}

/* The config refuses a resonator bank exactly when the filter design would (SPEC §4: the slowest resonator,
 * f = 1/t_max, must settle within the design's step cap), so "loop: invalid argument" cannot happen. */
static void test_filter_limit_matches_design(void **state)
{
    (void)state;
    const double tmax[] = {10, 1000, 50000, 83000, 84000, 90000, 1e6};
    const double q[] = {0.51, 1, 0.6};
    for (size_t i = 0; i < sizeof tmax / sizeof tmax[0]; i++)
        for (size_t k = 0; k < sizeof q / sizeof q[0]; k++) {
            pm_config c;
            char err[PM_CFG_ERR_MAX];
            pm_config_defaults(&c);
            c.t_max = tmax[i];
            c.q = q[k];
            int config_ok = pm_config_check(&c, err) == 0;
            int design_ok = pm_resonator_design(1.0 / tmax[i], q[k], NULL, NULL, NULL) == PM_OK;
            assert_int_equal(config_ok, design_ok);
            if (!config_ok)
                assert_non_null(strstr(err, "[filter] t_max = "));
        }
}

/* A network above net.h's weight limit is refused by the config naming the key, and pm_net_create refuses the
 * same shape (the limits agree); a predictor row above the simulator's 4096 is out of the key's range. */
static void test_network_and_sensor_limits(void **state)
{
    (void)state;
    pm_config c;
    char err[PM_CFG_ERR_MAX];
    pm_config_defaults(&c);
    assert_int_equal(pm_config_set(&c, "network", "hidden_width", "100000", err), 0);   /* in range */
    assert_int_equal(pm_config_check(&c, err), -1);
    assert_non_null(strstr(err, "[network] hidden_width = 100000"));
    assert_non_null(strstr(err, "above the limit of 100000000"));
    int sizes[11];
    for (int l = 0; l < 10; l++)
        sizes[l] = 100000;
    sizes[10] = 2;
    pm_net_config nc = {.n_inputs = 720, .n_layers = 11, .layer_sizes = sizes};
    pm_net *net = NULL;
    assert_int_equal(pm_net_create(&nc, &net), PM_ERR_ARG);
    /* below the limit: 720 x 100000 + 100000 x 2 = 7.22e7 weights; above: + 100000 x 300 + 300 x 2 = 102000600 */
    pm_config_defaults(&c);
    assert_int_equal(pm_config_set(&c, "network", "hidden", "100000", err), 0);
    assert_int_equal(pm_config_check(&c, err), 0);
    assert_int_equal(pm_config_set(&c, "network", "hidden", "100000,300", err), 0);
    assert_int_equal(pm_config_check(&c, err), -1);
    assert_non_null(strstr(err, "[network] hidden = 100000,300: the network would have 102000600 weights"));
    /* the reflex builds no network: its size does not matter */
    assert_int_equal(pm_config_set(&c, "learning", "rule", "reflex", err), 0);
    assert_int_equal(pm_config_check(&c, err), 0);
    pm_config_defaults(&c);
    assert_int_equal(pm_config_set(&c, "sensors", "predictor_count", "4096", err), 0);
    assert_int_equal(pm_config_set(&c, "sensors", "predictor_count", "4097", err), -1);
    assert_non_null(strstr(err, "[sensors] predictor_count = 4097: out of range [1, 4096]"));
}

/* inih reports the first bad line; a bad section header is named as such, not as the key errors after it. */
static void test_ini_malformed_header(void **state)
{
    (void)state;
    pm_config c;
    char err[PM_CFG_ERR_MAX];
    pm_config_defaults(&c);
    assert_int_equal(pm_config_load_string(&c, "[robot]\nspeed = 20\n[world\nppu = 4\n", "t.ini", err), -1);
    assert_string_equal(err, "t.ini:3: malformed section header '[world' (expected [section])");
    assert_true(c.speed == 30);   /* untouched */
    assert_int_equal(pm_config_load_string(&c, "[robot]\nspeed\n", "t.ini", err), -1);
    assert_non_null(strstr(err, "t.ini:2: syntax error 'speed'"));
    assert_int_equal(pm_config_load_string(&c, "[robot]\nspeed = fast\n", "t.ini", err), -1);
    assert_non_null(strstr(err, "t.ini:2: [robot] speed = fast: not a number"));
}

/* pm_config_model_diff names each differing key once; a model that differs only in bias says only that. */
static void test_model_diff_names_keys(void **state)
{
    (void)state;
    pm_config c;
    char err[PM_CFG_ERR_MAX], msg[PM_CFG_ERR_MAX];
    pm_config_defaults(&c);
    int sizes[11];
    for (int l = 0; l < 10; l++)
        sizes[l] = 10;
    sizes[10] = 2;
    pm_net_config nc = {.n_inputs = 720, .n_layers = 11, .layer_sizes = sizes, .use_bias = 1};
    pm_net *net = NULL;
    assert_int_equal(pm_net_create(&nc, &net), PM_OK);
    assert_int_equal(pm_config_model_diff(&c, 720, net, msg, sizeof msg), 1);
    assert_string_equal(msg, "network.bias: true in the model, false in the config");
    assert_int_equal(pm_config_set(&c, "network", "bias", "true", err), 0);
    assert_int_equal(pm_config_model_diff(&c, 720, net, msg, sizeof msg), 0);
    assert_string_equal(msg, "");
    assert_int_equal(pm_config_set(&c, "network", "activation", "tanh", err), 0);
    assert_int_equal(pm_config_set(&c, "network", "outputs", "3", err), 0);
    assert_int_equal(pm_config_set(&c, "network", "output_mix", "1,2,3", err), 0);
    assert_int_equal(pm_config_model_diff(&c, 720, net, msg, sizeof msg), 2);
    assert_non_null(strstr(msg, "network.outputs: 2 in the model, 3 in the config"));
    assert_non_null(strstr(msg, "network.activation: sigmoid in the model, tanh in the config"));
    pm_net_destroy(net);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integer_keys_take_exponents),
        cmocka_unit_test(test_filter_limit_matches_design),
        cmocka_unit_test(test_network_and_sensor_limits),
        cmocka_unit_test(test_ini_malformed_header),
        cmocka_unit_test(test_model_diff_names_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
