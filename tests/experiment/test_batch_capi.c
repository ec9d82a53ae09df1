/* Tests of compare/sweep as library calls (pm_capi_batch_json, pm_batch_main_json): results, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "primod/batch.h"
#include "primod/capi.h"

#define ARGC(a) ((int)(sizeof(a) / sizeof(a[0])))

/* One pm run of 200 steps and one bp run: two run records in the order given, two groups sorted by rule. */
static void test_compare_returns_runs_and_rules(void **state)
{
    (void)state;
    char *argv[] = {"compare", "--rules", "pm,bp", "--seeds", "4", "--max-steps", "200", "--jobs", "1"};
    char *json = NULL, err[256] = "";
    assert_int_equal(pm_capi_batch_json("compare", ARGC(argv), argv, &json, err, sizeof err), 0);
    assert_non_null(json);
    pm_jv *root = pm_jv_parse(json);
    assert_non_null(root);
    const pm_jv *runs = pm_jv_get(root, "runs"), *groups = pm_jv_get(root, "groups");
    assert_non_null(runs);
    assert_non_null(groups);
    assert_int_equal(runs->n, 2);
    assert_int_equal(groups->n, 2);
    pm_run_result r;
    assert_int_equal(pm_run_result_from_json(runs->items[0], &r), 0);
    assert_string_equal(r.rule, "pm");
    assert_int_equal(r.steps, 200);
    assert_int_equal((int)r.seed, 4);
    assert_int_equal(pm_run_result_from_json(runs->items[1], &r), 0);
    assert_string_equal(r.rule, "bp");
    assert_string_equal(pm_jv_get(groups->items[0], "rule")->string, "bp");
    assert_string_equal(pm_jv_get(groups->items[1], "rule")->string, "pm");
    assert_int_equal((int)pm_jv_get(groups->items[1], "runs")->number, 1);
    pm_jv_free(root);
    pm_capi_free(json);
}

/* A sweep groups by rule and grid value: 2 rates x 1 seed -> 2 groups, sorted numerically by the value, which
 * each group carries as a number in params and in its %g label. */
static void test_sweep_groups_by_grid_point(void **state)
{
    (void)state;
    char *argv[] = {"sweep", "--rules", "pm", "--seeds", "1", "--max-steps", "100", "--grid",
                    "learning.rate=1e-5,1e-3", "--jobs", "2"};
    char *json = NULL, err[256] = "";
    assert_int_equal(pm_capi_batch_json("sweep", ARGC(argv), argv, &json, err, sizeof err), 0);
    pm_jv *root = pm_jv_parse(json);
    assert_non_null(root);
    const pm_jv *groups = pm_jv_get(root, "groups");
    assert_non_null(groups);
    assert_int_equal(groups->n, 2);
    assert_string_equal(pm_jv_get(groups->items[0], "label")->string, "pm learning.rate=1e-05");
    assert_string_equal(pm_jv_get(groups->items[1], "label")->string, "pm learning.rate=0.001");
    const pm_jv *p0 = pm_jv_get(pm_jv_get(groups->items[0], "params"), "learning.rate");
    assert_non_null(p0);
    assert_int_equal(p0->type, PM_JV_NUMBER);
    assert_true(p0->number == 1e-5);
    pm_jv_free(root);
    pm_capi_free(json);
}

/* Bad input: a clear message naming the option, exit code 2, no JSON, and nothing run. */
static void test_bad_input(void **state)
{
    (void)state;
    char *json = (char *)1, err[256];
    char *ok[] = {"compare"};
    assert_int_equal(pm_capi_batch_json("merge", 1, ok, &json, err, sizeof err), 2);
    assert_null(json);
    assert_non_null(strstr(err, "merge"));
    assert_int_equal(pm_capi_batch_json(NULL, 1, ok, &json, err, sizeof err), 2);
    assert_int_equal(pm_capi_batch_json("compare", 1, ok, NULL, err, sizeof err), 2);
    assert_int_equal(pm_batch_main_json("compare", 0, 0, ok, &json, err, sizeof err), 2);

    char *rules[] = {"compare", "--rules", "pm,xx"};
    assert_int_equal(pm_capi_batch_json("compare", ARGC(rules), rules, &json, err, sizeof err), 2);
    assert_null(json);
    assert_non_null(strstr(err, "--rules"));
    assert_non_null(strstr(err, "'xx'"));
    char *seeds[] = {"compare", "--seeds", "9-3"};
    assert_int_equal(pm_capi_batch_json("compare", ARGC(seeds), seeds, &json, err, sizeof err), 2);
    assert_non_null(strstr(err, "--seeds"));
    char *grid[] = {"compare", "--grid", "learning.rate=1"};   /* compare has no --grid */
    assert_int_equal(pm_capi_batch_json("compare", ARGC(grid), grid, &json, err, sizeof err), 2);
    assert_non_null(strstr(err, "--grid"));
    char *badgrid[] = {"sweep", "--grid", "learning.rate=1,abc"};
    assert_int_equal(pm_capi_batch_json("sweep", ARGC(badgrid), badgrid, &json, err, sizeof err), 2);
    assert_non_null(strstr(err, "rate"));
    char *plots[] = {"compare", "--plots", "/tmp/x"};
    assert_int_equal(pm_capi_batch_json("compare", ARGC(plots), plots, &json, err, sizeof err), 2);
    assert_non_null(strstr(err, "--plots"));
    char *jobs[] = {"compare", "--jobs", "0"};
    assert_int_equal(pm_capi_batch_json("compare", ARGC(jobs), jobs, &json, err, sizeof err), 2);
    assert_non_null(strstr(err, "--jobs"));
    char *missing[] = {"compare", "--rules"};
    assert_int_equal(pm_capi_batch_json("compare", ARGC(missing), missing, &json, err, sizeof err), 2);
    assert_non_null(strstr(err, "missing value"));
    char *track[] = {"compare", "--rules", "pm", "--seeds", "1", "--track", "nowhere"};
    assert_int_equal(pm_capi_batch_json("compare", ARGC(track), track, &json, err, sizeof err), 2);
    assert_non_null(strstr(err, "nowhere"));
    assert_null(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare_returns_runs_and_rules),
        cmocka_unit_test(test_sweep_groups_by_grid_point),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
