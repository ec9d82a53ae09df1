/* Tests of the CLI run core (tools/runner.c) and batch helpers (tools/batch.c): records, stops, summaries. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "batch.h"
#include "runner.h"

static void test_result_json_round_trip(void **state)
{
    (void)state;
    pm_run_result a, b;
    memset(&a, 0, sizeof a);
    snprintf(a.rule, sizeof a.rule, "sr");
    snprintf(a.track, sizeof a.track, "a \"quoted\" path.png");
    a.seed = 123456789;
    a.rate = 1.0 / 3.0;
    a.steps = 5000;
    a.success = 0;
    a.success_step = -1;
    a.lost = 1;
    a.mean_abs_error = 0.1;
    a.error_integral = 1e300;
    a.final_mean_abs_error = 2.5e-17;
    a.n_layers = 3;
    a.weight_distance[0] = 0.7;
    a.weight_distance[1] = 1e-9;
    a.weight_distance[2] = 3;
    a.steps_per_second = 12345.5;
    pm_json j;
    pm_json_init(&j);
    pm_run_result_json(&a, NULL, &j);
    assert_non_null(strstr(pm_json_text(&j), "\"success_step\":null"));
    pm_jv *v = pm_jv_parse(pm_json_text(&j));
    assert_non_null(v);
    assert_int_equal(pm_run_result_from_json(v, &b), 0);
    assert_memory_equal(&a, &b, sizeof a);   /* every field back bit-exact (memset padding on both sides) */
    pm_jv_free(v);
    pm_json_free(&j);
    v = pm_jv_parse("{\"rule\": \"pm\"}");
    assert_int_equal(pm_run_result_from_json(v, &b), -1);   /* a record without the required fields */
    pm_jv_free(v);
}

static void test_runner_refuses_bad_setups(void **state)
{
    (void)state;
    pm_cli_config c;
    pm_runner *r = NULL;
    char err[PM_CLI_ERR_MAX];
    pm_cli_config_defaults(&c);
    snprintf(c.track, sizeof c.track, "moebius");
    assert_int_equal(pm_runner_create(&c, NULL, &r, err), PM_EXIT_USAGE);
    assert_null(r);
    assert_non_null(strstr(err, "unknown track 'moebius'"));
    pm_cli_config_defaults(&c);
    c.n_start = 3;
    c.start[0] = -50;   /* the world is 250 x 250 units from (0, 0) (SPEC §6) */
    c.start[1] = 100;
    assert_int_equal(pm_runner_create(&c, NULL, &r, err), PM_EXIT_USAGE);
    assert_non_null(strstr(err, "off the track"));
    pm_cli_config_defaults(&c);
    c.predictor_rows = 1;   /* curvature relevance compares rows 1 and 2 (SPEC §3) */
    assert_int_equal(pm_runner_create(&c, NULL, &r, err), PM_EXIT_USAGE);
    assert_non_null(strstr(err, "predictor_rows"));
    c.rule = PM_CLI_RULE_REFLEX;
    assert_int_equal(pm_runner_create(&c, "/nonexistent/model", &r, err), PM_EXIT_USAGE);
    assert_null(r);
}

static void test_runner_stops_at_max_steps(void **state)
{
    (void)state;
    pm_cli_config c;
    pm_runner *r;
    char err[PM_CLI_ERR_MAX];
    pm_cli_config_defaults(&c);
    c.rule = PM_CLI_RULE_REFLEX;
    c.max_steps = 50;
    assert_int_equal(pm_runner_create(&c, NULL, &r, err), PM_EXIT_OK);
    assert_int_equal(pm_runner_n_layers(r), 0);
    pm_runner_step_info s;
    long n = 0;
    while (!pm_runner_step(r, &s)) {
        assert_int_equal(s.step, n);
        assert_null(s.outputs);
        assert_true(s.steering == s.error);   /* reflex: s(n) = E(n) (SPEC §5) */
        assert_true(s.left - s.right == 2 * s.steering);
        n++;
    }
    assert_int_equal(n, 50);
    assert_true(pm_runner_done(r));
    assert_int_equal(pm_runner_step(r, &s), -1);
    pm_runner_destroy(r);
}

/* With stop_on_success the run ends where success is declared: at success_step + hold - 1 (SPEC §6), so the
 * number of steps taken is success_step + hold. */
static void test_run_stops_at_success(void **state)
{
    (void)state;
    pm_run_options o;
    pm_run_result res;
    char err[PM_CLI_ERR_MAX];
    memset(&o, 0, sizeof o);
    pm_cli_config_defaults(&o.cfg);
    o.cfg.rule = PM_CLI_RULE_BP;
    o.cfg.max_steps = 20000;
    assert_int_equal(pm_run(&o, &res, err), PM_EXIT_OK);
    assert_true(res.success);
    assert_true(res.success_step >= 399);   /* earliest possible with warm-up 200 and window 200 */
    assert_int_equal(res.steps, res.success_step + o.cfg.hold);
    assert_int_equal(res.n_layers, 11);     /* 10 hidden + output */
    assert_string_equal(res.rule, "bp");
    assert_true(res.rate == 0.1);
}

static pm_batch_slot slot(const char *group, int success, long step, double integral)
{
    pm_batch_slot s;
    memset(&s, 0, sizeof s);
    snprintf(s.group, sizeof s.group, "%s", group);
    snprintf(s.res.rule, sizeof s.res.rule, "%s", group);
    s.res.success = success;
    s.res.success_step = success ? step : -1;
    s.res.error_integral = integral;
    s.res.final_mean_abs_error = integral / 100;
    s.res.steps = 1000;
    s.res.steps_per_second = 500;   /* 2 s each */
    return s;
}

static void test_summary_statistics(void **state)
{
    (void)state;
    pm_batch_slot s[6] = {slot("pm", 1, 1000, 4), slot("bp", 0, 0, 9), slot("pm", 1, 400, 1),
                          slot("pm", 0, 0, 10), slot("pm", 1, 700, 2), slot("pm", 1, 500, 3)};
    pm_batch_summary *g;
    int n;
    assert_int_equal(pm_batch_summarize(s, 6, &g, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(g[0].group, "pm");   /* order of first appearance */
    assert_int_equal(g[0].runs, 5);
    assert_int_equal(g[0].successes, 4);
    assert_true(g[0].success_rate == 0.8);
    /* success steps sorted 400 500 700 1000: median (500 + 700)/2 = 600;
     * type-7 q1: h = 3 * 0.25 = 0.75 -> 400 + 0.75 * 100 = 475; q3: h = 2.25 -> 700 + 0.25 * 300 = 775 */
    assert_true(g[0].median_success_step == 600);
    assert_true(g[0].iqr_lo == 475 && g[0].iqr_hi == 775);
    assert_true(g[0].median_error_integral == 3);            /* of 4 1 10 2 3 */
    assert_true(fabs(g[0].mean_final_abs_error - 0.04) < 1e-15); /* (4+1+10+2+3)/100/5 = 20/500 */
    assert_true(g[0].wall_seconds == 10);
    assert_true(g[0].success_lo < 0.8 && g[0].success_hi > 0.8);
    assert_int_equal(g[1].successes, 0);
    assert_true(isnan(g[1].median_success_step));             /* printed as null */
    pm_json j;
    pm_json_init(&j);
    pm_batch_summary_json(&g[1], &j);
    assert_non_null(strstr(pm_json_text(&j), "\"median_success_step\":null"));
    assert_non_null(strstr(pm_json_text(&j), "\"iqr\":null"));
    pm_json_free(&j);
    free(g);
}

static void test_job_names_and_quoting(void **state)
{
    (void)state;
    pm_batch_job a, b;
    memset(&a, 0, sizeof a);
    pm_cli_config_defaults(&a.cfg);
    a.cfg.seed = 7;
    b = a;
    pm_batch_job_name(&a);
    pm_batch_job_name(&b);
    assert_string_equal(a.file, b.file);
    assert_int_equal(strncmp(a.file, "pm_s7_paper_", 12), 0);
    b.cfg.rate_pm = 2e-5;   /* any setting changes the name: a resumed batch never reuses another config's run */
    pm_batch_job_name(&b);
    assert_string_not_equal(a.file, b.file);
    snprintf(b.cfg.track, sizeof b.cfg.track, "/some dir/my track.png");
    pm_batch_job_name(&b);
    assert_non_null(strstr(b.file, "_my_track.png_"));
    assert_null(strchr(b.file, '/'));
    char q[64];
    assert_string_equal(pm_batch_shell_quote("a'b c", q, sizeof q), "'a'\\''b c'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_result_json_round_trip),
        cmocka_unit_test(test_runner_refuses_bad_setups),
        cmocka_unit_test(test_runner_stops_at_max_steps),
        cmocka_unit_test(test_run_stops_at_success),
        cmocka_unit_test(test_summary_statistics),
        cmocka_unit_test(test_job_names_and_quoting),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
