/* Tests of a twin session's library side: option parsing, refusals before anything runs, the summary JSON. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "primod/twin.h"

static int parse(pm_twin_options *o, int *json, int *quiet, char *err, const char *const *args, int n)
{
    char *argv[16] = {"twin"};
    for (int i = 0; i < n; i++)
        argv[i + 1] = (char *)args[i];
    return pm_twin_parse_args(n + 1, argv, o, json, quiet, err);
}

static void parse_options(void **state)
{
    (void)state;
    pm_twin_options o;
    int json, quiet;
    char err[PM_TWIN_ERR_MAX];
    const char *a[] = {"--track", "oval", "--seconds=7.5", "--unplug-at", "2", "--json", "--set", "twin.lag_s=0.1",
                       "--rule", "bp", "--speedup", "2"};
    assert_int_equal(parse(&o, &json, &quiet, err, a, 12), 0);
    assert_string_equal(o.track, "oval");
    assert_true(o.seconds == 7.5 && o.twin.unplug_at == 2 && o.twin.speedup == 2);
    assert_true(o.twin.kill_host_at < 0 && o.twin.hang_firmware_at < 0); /* the defaults: off */
    assert_true(json == 1 && quiet == 0 && o.host_keeps_stdout == 0);   /* --json keeps stdout for the JSON */
    assert_int_equal(o.n_sets, 1);
    assert_string_equal(o.sets[0], "twin.lag_s=0.1");
    assert_string_equal(o.rule, "bp");
    assert_null(o.host); /* the caller's */

    const char *none[] = {"--quiet"};
    assert_int_equal(parse(&o, &json, &quiet, err, none, 1), 0);
    assert_string_equal(o.track, "paper");
    assert_true(o.seconds == 20 && json == 0 && quiet == 1 && o.host_keeps_stdout == 1 && o.host_messages_fd == -1);
}

static void parse_refusals(void **state)
{
    (void)state;
    struct {
        const char *args[4];
        int n;
        const char *says;
    } bad[] = {
        {{"--bogus"}, 1, "unknown option"},
        {{"oval"}, 1, "unexpected argument"},
        {{"--seconds", "0"}, 2, "--seconds"},          /* below 0.1 */
        {{"--speedup", "11"}, 2, "--speedup"},         /* above 10 */
        {{"--seconds", "3x"}, 2, "'3x'"},
        {{"--track"}, 1, "missing value"},
        {{"--json=1"}, 1, "takes no value"},
        {{"--kill-host-at", "1", "--hang-firmware-at", "2"}, 4, "exclude each other"},
        {{"--calibrate", "--unplug-at", "1"}, 3, "without faults"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pm_twin_options o;
        int json, quiet;
        char err[PM_TWIN_ERR_MAX] = "";
        assert_int_equal(parse(&o, &json, &quiet, err, bad[i].args, bad[i].n), 2);
        assert_non_null(strstr(err, bad[i].says));
    }
}

/* Refused before an emulator or a host starts: nothing ran, the reason names the culprit. */
static void session_refusals(void **state)
{
    (void)state;
    static pm_twin_summary s;
    pm_twin_options o;
    char err[PM_TWIN_ERR_MAX];
    pm_twin_options_default(&o);
    assert_int_equal(pm_twin_session_run(&o, &s, err), 2); /* no host */
    assert_non_null(strstr(err, "host"));
    assert_int_equal(s.ran, 0);
    o.host = "/nonexistent/primod";
    assert_int_equal(pm_twin_session_run(&o, &s, err), 1);
    assert_non_null(strstr(err, "/nonexistent/primod"));
    o.host = "/proc/self/exe";
    o.config = "/nonexistent/robot.ini";
    o.firmware = "/nonexistent/primod.elf";
    assert_int_equal(pm_twin_session_run(&o, &s, err), 2);
    assert_non_null(strstr(err, "/nonexistent/robot.ini"));
    assert_int_equal(s.ran, 0);
}

static void summary_json(void **state)
{
    (void)state;
    static pm_twin_summary s;
    memset(&s, 0, sizeof s);
    snprintf(s.track, sizeof s.track, "oval");
    s.twin.seconds = 8.0004;
    s.twin.lost_episodes = 2;
    s.steps = 240;
    s.error_half[0] = 30;
    s.error_half[1] = 12;
    s.steps_half[0] = 120;
    s.steps_half[1] = 120;
    s.link_stalls = 3;
    s.host_exit = 0;
    for (int fault = 0; fault < 2; fault++) {
        s.fault = fault ? "unplug" : NULL;
        s.fault_resumes = fault;
        s.twin.fault_stop_ms = 262;
        s.twin.resumed = 1;
        pm_json j;
        pm_json_init(&j);
        pm_twin_summary_json(&s, &j);
        pm_jv *v = pm_jv_parse(pm_json_text(&j));
        assert_non_null(v);
        assert_string_equal(pm_jv_get(v, "track")->string, "oval");
        assert_true(pm_jv_get(v, "seconds")->number == 8.0);      /* %.3f */
        assert_true(pm_jv_get(v, "lost")->type == PM_JV_BOOL && pm_jv_get(v, "lost")->number == 1);
        assert_true(pm_jv_get(v, "error_integral")->number == 42); /* 30 + 12 */
        const pm_jv *m = pm_jv_get(v, "mean_abs_error_halves");
        assert_true(m->n == 2 && m->items[0]->number == 0.25 && m->items[1]->number == 0.1); /* 30/120, 12/120 */
        assert_true(pm_jv_get(pm_jv_get(v, "link"), "stalls")->number == 3);
        assert_true((pm_jv_get(v, "fault_stop_ms") != NULL) == fault);
        assert_true((pm_jv_get(v, "resumed") != NULL) == fault);
        if (fault)
            assert_string_equal(pm_jv_get(v, "fault")->string, "unplug");
        pm_jv_free(v);
        pm_json_free(&j);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_options),
        cmocka_unit_test(parse_refusals),
        cmocka_unit_test(session_refusals),
        cmocka_unit_test(summary_json),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
