/* Tests of the CLI configuration table (tools/config.c) and the JSON writer/reader (tools/json.c). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, isatty, strcasecmp, open_memstream */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "primod/config.h"
#include "primod/json.h"
#include "primod/loop.h"
#include "primod/sim.h"

static void path_in_source(char *buf, size_t n, const char *rel)
{
    const char *src = getenv("PRIMOD_SOURCE_DIR");
    snprintf(buf, n, "%s/%s", src ? src : "..", rel);
}

/* The defaults are the paper preset of SPEC §6 (numbers typed from the SPEC, not from the code). */
static void test_defaults_are_spec_paper(void **state)
{
    (void)state;
    pm_config c;
    char err[PM_CFG_ERR_MAX];
    pm_config_defaults(&c);
    assert_int_equal(pm_config_check(&c, err), 0);
    assert_string_equal(c.track, "paper");
    assert_true(c.ppu == 4 && c.speed == 30 && c.wheel_distance == 5.2 && c.max_wheel_speed == 100);
    assert_true(c.dt == 0.03 && c.reflex_x == 10 && c.reflex_y == 5 && c.reflex_sigma == 0.4);
    assert_true(c.reflex_gain == 50 && c.predictor_rows == 3 && c.predictor_count == 48);
    assert_true(c.predictor_x0 == 11 && c.predictor_dx == 1 && c.predictor_spacing == 0.25);
    assert_true(c.filter_n == 5 && c.t_min == 3 && c.t_max == 10 && c.q == 0.51);
    assert_true(c.hidden_layers == 10 && c.hidden_width == 10 && c.n_hidden == 0 && c.outputs == 2);
    assert_true(c.n_output_mix == 2 && c.output_mix[0] == 1 && c.output_mix[1] == 2 && c.net_gain == 5);
    assert_int_equal(c.rule, PM_CFG_RULE_PM);
    /* Default rates: each rule's best rate on the study preset from the decade sweep recorded in tools/config.c
     * (BP 10, P&M 1e-2, S&R 1e-1, sign 1e-1, chained 1e-2), not the authors' 0.1 / 1e-5. */
    assert_true(c.rate_bp == 10 && c.rate_pm == 1e-2 && c.rate_sr == 1e-1 && c.rate_sign == 1e-1);
    assert_true(c.rate_chained == 1e-2);
    assert_true(c.warmup == 200 && c.window == 200 && c.hold == 200 && c.success_threshold == 0.1);
    assert_int_equal(c.n_start, 0);
    assert_int_equal(c.stop_on_success, 1);
}

/* The table's defaults agree with the library's own paper presets (the run maps keys onto them). */
static void test_defaults_match_library_presets(void **state)
{
    (void)state;
    pm_config c;
    pm_sim_config s;
    pm_loop_config l;
    pm_config_defaults(&c);
    pm_sim_config_paper(&s);
    pm_loop_config_paper(&l);
    assert_true(s.dt == c.dt && s.wheel_distance == c.wheel_distance && s.max_wheel_speed == c.max_wheel_speed);
    assert_true(s.wheel_noise == c.wheel_noise);
    assert_true(s.reflex_x == c.reflex_x && s.reflex_y == c.reflex_y && s.reflex_sigma == c.reflex_sigma);
    assert_true(s.reflex_gain == c.reflex_gain && s.n_rows == c.predictor_rows && s.row_len == c.predictor_count);
    assert_true(s.row_x0 == c.predictor_x0 && s.row_dx == c.predictor_dx && s.row_spacing == c.predictor_spacing);
    assert_true(s.predictor_sigma == c.predictor_sigma && s.line_threshold == c.line_threshold);
    assert_true(l.speed == c.speed && l.net_gain == c.net_gain && l.dead_band == c.dead_band);
    /* the library keeps the authors' P&M rate (SPEC §6); the CLI defaults to the swept best rate instead */
    assert_true(l.relevance_threshold == c.relevance_threshold && l.rate == 1e-5 && c.rate_pm == 1e-2);
    assert_true(l.success.warmup == c.warmup && l.success.window == c.window && l.success.hold == c.hold);
    assert_true(l.success.threshold == c.success_threshold);
    assert_true(l.output_mix[0] == c.output_mix[0] && l.output_mix[1] == c.output_mix[1]);
    assert_int_equal((int)l.rule, c.rule);
    /* the CLI's rule order is pm_loop_rule's */
    for (int r = 0; r < PM_CFG_N_RULES; r++)
        assert_string_equal(pm_config_rule_name(r), pm_loop_rule_name((pm_loop_rule)r));
}

static void test_presets(void **state)
{
    (void)state;
    pm_config paper, study, d;
    char err[PM_CFG_ERR_MAX], which[64];
    pm_config_defaults(&d);
    assert_int_equal(pm_config_preset(&paper, "paper", err), 0);
    assert_int_equal(pm_config_preset(&study, "study", err), 0);
    assert_true(pm_config_equal(&paper, &d, which, sizeof which));
    assert_false(pm_config_equal(&study, &d, which, sizeof which));
    assert_string_equal(which, "robot.speed");
    assert_true(study.speed == 60);
    study.speed = 30;   /* speed is the only difference (SPEC §6) */
    assert_true(pm_config_equal(&study, &d, which, sizeof which));
    pm_config before = paper;
    assert_int_equal(pm_config_preset(&paper, "fast", err), -1);
    assert_non_null(strstr(err, "fast"));
    assert_memory_equal(&paper, &before, sizeof paper);
}

/* SPEC §9 "Noisy preset": the study preset with robot.wheel_noise 0.05, run.hold 2000 and the step cap 30000
 * (typed from the SPEC), at speed 61 (the tuning recorded in docs/study-variants.md), nothing else. */
static void test_noisy_preset(void **state)
{
    (void)state;
    pm_config study, noisy;
    char err[PM_CFG_ERR_MAX], which[64];
    assert_int_equal(pm_config_preset(&study, "study", err), 0);
    assert_int_equal(pm_config_preset(&noisy, "noisy", err), 0);
    assert_true(noisy.speed == 61 && noisy.wheel_noise == 0.05 && noisy.hold == 2000 && noisy.max_steps == 30000);
    assert_false(pm_config_equal(&study, &noisy, which, sizeof which));
    noisy.wheel_noise = study.wheel_noise;
    noisy.speed = study.speed;
    noisy.hold = study.hold;
    noisy.max_steps = study.max_steps;
    assert_true(pm_config_equal(&study, &noisy, which, sizeof which));
    assert_int_equal(pm_config_check(&noisy, err), 0);
}

/* learning.rate: not given (empty, NaN) means rate_<rule>; 0 means a rate of 0; a literal that underflows to 0
 * is refused (it is not the number written); INI round trips keep "not given" and 0 apart. */
static void test_rate_zero_and_unset(void **state)
{
    (void)state;
    pm_config c, before, back;
    char err[PM_CFG_ERR_MAX], which[64];
    pm_config_defaults(&c);
    assert_true(isnan(c.rate));
    assert_true(pm_config_rate(&c) == c.rate_pm);
    assert_int_equal(pm_config_set_arg(&c, "learning.rate=0", err), 0);
    assert_true(c.rate == 0 && pm_config_rate(&c) == 0);
    char buf[64];
    assert_int_equal(pm_config_get(&c, "learning", "rate", buf, sizeof buf), 0);
    assert_string_equal(buf, "0");
    before = c;
    assert_int_equal(pm_config_set_arg(&c, "learning.rate=1e-400", err), -1);
    assert_non_null(strstr(err, "underflows to 0"));
    assert_memory_equal(&c, &before, sizeof c);
    assert_int_equal(pm_config_apply_option(&c, "--rate", "-0e-999", err), 0);   /* a written zero is a zero */
    assert_true(c.rate == 0);
    assert_int_equal(pm_config_apply_option(&c, "--rate", "1e-400", err), 2);
    assert_non_null(strstr(err, "--rate"));
    /* 0 and "not given" survive INI round trips as themselves */
    for (int k = 0; k < 2; k++) {
        assert_int_equal(pm_config_set_arg(&c, k ? "learning.rate=" : "learning.rate=0", err), 0);
        char *text = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&text, &n);
        assert_non_null(f);
        pm_config_write_ini(&c, f);
        fclose(f);
        pm_config_defaults(&back);
        back.rate = 5;
        assert_int_equal(pm_config_load_string(&back, text, "mem", err), 0);
        free(text);
        assert_true(pm_config_equal(&c, &back, which, sizeof which));
        assert_true(k ? isnan(back.rate) : back.rate == 0);
    }
}

/* --freeze is a flag for learning.enabled = false (default true); it takes no value. */
static void test_freeze_option(void **state)
{
    (void)state;
    pm_config c;
    char err[PM_CFG_ERR_MAX];
    pm_config_defaults(&c);
    assert_int_equal(c.learning_enabled, 1);
    assert_int_equal(pm_config_apply_option(&c, "--freeze", "yes", err), 2);
    assert_int_equal(c.learning_enabled, 1);
    assert_int_equal(pm_config_apply_option(&c, "--freeze", NULL, err), 0);
    assert_int_equal(c.learning_enabled, 0);
    assert_int_equal(pm_config_set_arg(&c, "learning.enabled=true", err), 0);
    assert_int_equal(c.learning_enabled, 1);
    assert_true(c.max_chatter == 1.0);   /* SPEC §9 default */
}

/* configs/paper.ini, study.ini and noisy.ini equal the built-in presets, key by key. */
static void test_ini_files_match_builtins(void **state)
{
    (void)state;
    const char *names[] = {"paper", "study", "noisy"};
    for (int i = 0; i < 3; i++) {
        char path[1024], err[PM_CFG_ERR_MAX], which[64] = "";
        snprintf(err, sizeof err, "configs/%s.ini", names[i]);
        path_in_source(path, sizeof path, err);
        pm_config fromfile, builtin;
        pm_config_defaults(&fromfile);
        fromfile.speed = 1;   /* a file must set every key it depends on: start from a different value */
        fromfile.rate_bp = 7;
        int rc = pm_config_load_file(&fromfile, path, err);
        if (rc)
            fail_msg("%s", err);
        assert_int_equal(pm_config_preset(&builtin, names[i], err), 0);
        if (!pm_config_equal(&fromfile, &builtin, which, sizeof which))
            fail_msg("%s differs from --preset %s at %s", path, names[i], which);
    }
}

static void test_set_errors_name_the_key(void **state)
{
    (void)state;
    pm_config c, before;
    char err[PM_CFG_ERR_MAX];
    pm_config_defaults(&c);
    before = c;
    assert_int_equal(pm_config_set(&c, "robot", "speed", "abc", err), -1);
    assert_string_equal(err, "[robot] speed = abc: not a number");
    assert_int_equal(pm_config_set(&c, "robot", "speed", "1e9", err), -1);
    assert_non_null(strstr(err, "out of range"));
    assert_int_equal(pm_config_set(&c, "robot", "sped", "3", err), -1);
    assert_string_equal(err, "[robot] sped: unknown key");
    assert_int_equal(pm_config_set(&c, "robots", "speed", "3", err), -1);
    assert_string_equal(err, "[robots]: unknown section");
    assert_int_equal(pm_config_set(&c, "filter", "n", "2.5", err), -1);
    assert_non_null(strstr(err, "not an integer"));
    assert_int_equal(pm_config_set(&c, "learning", "rule", "hebb", err), -1);
    assert_non_null(strstr(err, "reflex|bp|pm|sr|sign|chained"));
    assert_int_equal(pm_config_set(&c, "robot", "speed", "nan", err), -1);
    assert_int_equal(pm_config_set(&c, "robot", "speed", "", err), -1);
    assert_int_equal(pm_config_set(&c, "run", "seed", "-1", err), -1);
    assert_int_equal(pm_config_set(&c, "network", "bias", "maybe", err), -1);
    assert_int_equal(pm_config_set(&c, "network", "output_mix", "1,x", err), -1);
    assert_int_equal(pm_config_set_arg(&c, "robot.speed", err), -1);
    assert_int_equal(pm_config_set_arg(&c, "speed=3", err), -1);
    assert_memory_equal(&c, &before, sizeof c);   /* every refusal left the config as it was */

    assert_int_equal(pm_config_set_arg(&c, "robot.speed=45.5", err), 0);
    assert_true(c.speed == 45.5);
    assert_int_equal(pm_config_set_arg(&c, "world.start=10, 20,-90", err), 0);
    assert_int_equal(c.n_start, 3);
    assert_true(c.start[0] == 10 && c.start[1] == 20 && c.start[2] == -90);
    assert_int_equal(pm_config_set_arg(&c, "network.hidden=20,10,5", err), 0);
    assert_int_equal(c.n_hidden, 3);
    assert_int_equal(c.hidden[2], 5);
    assert_int_equal(pm_config_set_arg(&c, "run.seed=18446744073709551615", err), 0);
    assert_true(c.seed == 18446744073709551615ULL);
}

static void test_check_relations(void **state)
{
    (void)state;
    pm_config c;
    char err[PM_CFG_ERR_MAX];
    pm_config_defaults(&c);
    assert_int_equal(pm_config_set_arg(&c, "world.start=1,2", err), 0);
    assert_int_equal(pm_config_check(&c, err), -1);
    assert_non_null(strstr(err, "[world] start"));
    pm_config_defaults(&c);
    assert_int_equal(pm_config_set_arg(&c, "network.outputs=3", err), 0);
    assert_int_equal(pm_config_check(&c, err), -1);
    assert_non_null(strstr(err, "output_mix"));
    pm_config_defaults(&c);
    assert_int_equal(pm_config_set_arg(&c, "filter.t_max=2.5", err), 0);
    assert_int_equal(pm_config_check(&c, err), -1);
    assert_non_null(strstr(err, "t_max"));
    pm_config_defaults(&c);
    assert_int_equal(pm_config_set_arg(&c, "filter.q=0.5", err), 0);   /* in range, but q > 0.5 needed */
    assert_int_equal(pm_config_check(&c, err), -1);
}

static void test_ini_errors_name_file_and_line(void **state)
{
    (void)state;
    pm_config c, before;
    char err[PM_CFG_ERR_MAX];
    pm_config_defaults(&c);
    before = c;
    const char *bad = "[robot]\nspeed = 40\n\n; comment\nspeed = abc\n";
    assert_int_equal(pm_config_load_string(&c, bad, "x.ini", err), -1);
    assert_string_equal(err, "x.ini:5: [robot] speed = abc: not a number");
    assert_memory_equal(&c, &before, sizeof c);   /* line 2 was valid but nothing is applied */
    assert_int_equal(pm_config_load_string(&c, "speed = 3\n", "y.ini", err), -1);
    assert_non_null(strstr(err, "y.ini:1:"));
    assert_int_equal(pm_config_load_string(&c, "[robot]\nthis is not a pair\n", "z.ini", err), -1);
    assert_non_null(strstr(err, "z.ini:2:"));
    assert_int_equal(pm_config_load_string(&c, "[robot\n", "w.ini", err), -1);
    assert_non_null(strstr(err, "w.ini:1:"));
    assert_int_equal(pm_config_load_file(&c, "/nonexistent/q.ini", err), -1);
    assert_non_null(strstr(err, "/nonexistent/q.ini"));
    assert_memory_equal(&c, &before, sizeof c);
    assert_int_equal(pm_config_load_string(&c, "[robot]\nspeed = 40 ; faster\n[run]\nseed=7\n", "ok.ini", err), 0);
    assert_true(c.speed == 40 && c.seed == 7);
}

/* Effective rate: learning.rate if set, else rate_<rule>; reflex has none. */
static void test_rate_resolution(void **state)
{
    (void)state;
    pm_config c;
    char err[PM_CFG_ERR_MAX];
    pm_config_defaults(&c);
    assert_true(pm_config_rate(&c) == 1e-2);
    c.rule = PM_CFG_RULE_BP;
    assert_true(pm_config_rate(&c) == 10);
    c.rule = PM_CFG_RULE_REFLEX;
    assert_true(pm_config_rate(&c) == 0);
    c.rule = PM_CFG_RULE_SIGN;
    assert_int_equal(pm_config_set_arg(&c, "learning.rate_sign=3e-4", err), 0);
    assert_true(pm_config_rate(&c) == 3e-4);
    assert_int_equal(pm_config_set_arg(&c, "learning.rate=0.25", err), 0);
    assert_true(pm_config_rate(&c) == 0.25);
    assert_int_equal(pm_config_rule_parse("sr"), PM_CFG_RULE_SR);
    assert_int_equal(pm_config_rule_parse("SR"), -1);
}

/* Writing a config as INI and reading it back gives the same config, for awkward values too. */
static void test_ini_round_trip(void **state)
{
    (void)state;
    pm_config a, b;
    char err[PM_CFG_ERR_MAX], which[64];
    pm_config_defaults(&a);
    assert_int_equal(pm_config_set_arg(&a, "robot.speed=0.1", err), 0);
    assert_int_equal(pm_config_set_arg(&a, "learning.rate=3.3333333333333335e-05", err), 0);
    assert_int_equal(pm_config_set_arg(&a, "network.hidden=7,3", err), 0);
    assert_int_equal(pm_config_set_arg(&a, "world.start=1.5,2.25,33", err), 0);
    assert_int_equal(pm_config_set_arg(&a, "filter.kind=delay", err), 0);
    char *text = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&text, &n);
    assert_non_null(f);
    pm_config_write_ini(&a, f);
    fclose(f);
    pm_config_defaults(&b);
    assert_int_equal(pm_config_load_string(&b, text, "mem", err), 0);
    free(text);
    assert_true(pm_config_equal(&a, &b, which, sizeof which));
    assert_true(b.rate == 3.3333333333333335e-05);
}

static void test_config_json_echo(void **state)
{
    (void)state;
    pm_config c;
    pm_config_defaults(&c);
    pm_json j;
    pm_json_init(&j);
    pm_config_write_json(&c, &j);
    pm_jv *v = pm_jv_parse(pm_json_text(&j));
    assert_non_null(v);
    const pm_jv *robot = pm_jv_get(v, "robot"), *world = pm_jv_get(v, "world");
    assert_non_null(robot);
    assert_true(pm_jv_get(robot, "speed")->number == 30);
    assert_string_equal(pm_jv_get(world, "track")->string, "paper");
    assert_int_equal(pm_jv_get(pm_jv_get(v, "network"), "output_mix")->n, 2);
    assert_int_equal(pm_jv_get(pm_jv_get(v, "run"), "stop_on_success")->type, PM_JV_BOOL);
    pm_jv_free(v);
    pm_json_free(&j);
}

static void test_json_round_trip_and_errors(void **state)
{
    (void)state;
    pm_json j;
    pm_json_init(&j);
    pm_json_begin_object(&j);
    pm_json_key(&j, "x");
    pm_json_double(&j, 0.1);
    pm_json_key(&j, "third");
    pm_json_double(&j, 1.0 / 3.0);
    pm_json_key(&j, "tiny");
    pm_json_double(&j, 4.9406564584124654e-324);
    pm_json_key(&j, "s");
    pm_json_string(&j, "a\"b\\c\n");
    pm_json_key(&j, "nan");
    pm_json_double(&j, 0.0 / 0.0);
    pm_json_key(&j, "list");
    pm_json_begin_array(&j);
    pm_json_long(&j, -3);
    pm_json_bool(&j, 1);
    pm_json_end_array(&j);
    pm_json_end_object(&j);
    pm_jv *v = pm_jv_parse(pm_json_text(&j));
    assert_non_null(v);
    assert_true(pm_jv_get(v, "x")->number == 0.1);           /* %.17g reads back bit-exact */
    assert_true(pm_jv_get(v, "third")->number == 1.0 / 3.0);
    assert_true(pm_jv_get(v, "tiny")->number == 4.9406564584124654e-324);
    assert_string_equal(pm_jv_get(v, "s")->string, "a\"b\\c\n");
    assert_int_equal(pm_jv_get(v, "nan")->type, PM_JV_NULL);  /* never a bare NaN in the output */
    assert_int_equal(pm_jv_get(v, "list")->n, 2);
    assert_true(pm_jv_get(v, "list")->items[0]->number == -3);
    assert_null(pm_jv_get(v, "missing"));
    pm_jv_free(v);
    pm_json_free(&j);
    const char *bad[] = {"", "{", "{\"a\":}", "[1,]", "{\"a\":1} x", "nan", "[1 2]", "\"abc", "{1:2}", "tru"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_null(pm_jv_parse(bad[i]));
    char deep[200];
    memset(deep, '[', sizeof deep - 1);
    deep[sizeof deep - 1] = '\0';
    assert_null(pm_jv_parse(deep));   /* nesting beyond PM_JSON_MAX_DEPTH is refused, not recursed into */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_are_spec_paper),
        cmocka_unit_test(test_defaults_match_library_presets),
        cmocka_unit_test(test_presets),
        cmocka_unit_test(test_ini_files_match_builtins),
        cmocka_unit_test(test_set_errors_name_the_key),
        cmocka_unit_test(test_check_relations),
        cmocka_unit_test(test_ini_errors_name_file_and_line),
        cmocka_unit_test(test_rate_resolution),
        cmocka_unit_test(test_ini_round_trip),
        cmocka_unit_test(test_noisy_preset),
        cmocka_unit_test(test_rate_zero_and_unset),
        cmocka_unit_test(test_freeze_option),
        cmocka_unit_test(test_config_json_echo),
        cmocka_unit_test(test_json_round_trip_and_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
