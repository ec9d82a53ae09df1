/* The robot session as a library (primod/robot_session.h): argument parsing without printing, the serial-device
 * check, and a calibration that received no sensor frame (issue 13 item 5), on a pseudo-terminal. */
#define _XOPEN_SOURCE 600 /* posix_openpt, grantpt, unlockpt, ptsname */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "primod/robot_session.h"

static void test_device_must_be_a_terminal(void **state)
{
    (void)state;
    char err[PM_CFG_ERR_MAX];
    assert_int_equal(pm_robot_check_device("/dev/null", err), -1);   /* a character device, not a terminal */
    assert_non_null(strstr(err, "serial device /dev/null: a character device but not a terminal"));
    char file[] = "/tmp/primod-robot-dev-XXXXXX";
    int fd = mkstemp(file);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(pm_robot_check_device(file, err), -1);
    assert_non_null(strstr(err, "not a character device"));
    remove(file);
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0);
    assert_int_equal(grantpt(master), 0);
    assert_int_equal(unlockpt(master), 0);
    assert_int_equal(pm_robot_check_device(ptsname(master), err), 0);   /* a pty is a terminal */
    close(master);
}

static void test_parse_args_reports_without_printing(void **state)
{
    (void)state;
    static pm_robot_settings s;
    pm_robot_options o;
    char err[PM_CFG_ERR_MAX];
    char *bad[] = {"robot", "--bogus"};
    pm_robot_settings_defaults(&s);
    assert_int_equal(pm_robot_parse_args(2, bad, &s, &o, err), 2);
    assert_string_equal(err, "unknown option '--bogus' (see --help)");
    char *odd[] = {"robot", "--set", "grid.band_w=601"};
    pm_robot_settings_defaults(&s);
    assert_int_equal(pm_robot_parse_args(3, odd, &s, &o, err), 2);
    assert_non_null(strstr(err, "[grid]"));
    char *ok[] = {"robot", "--calibrate", "--device", "/dev/ttyS9", "--max-steps", "7", "--set", "reflex.min_span=40"};
    pm_robot_settings_defaults(&s);
    assert_int_equal(pm_robot_parse_args(8, ok, &s, &o, err), 0);
    assert_true(o.calibrate && o.max_steps == 7 && s.reflex.min_span == 40);
    assert_string_equal(s.device, "/dev/ttyS9");
}

static volatile sig_atomic_t stop;

/* A silent device: the calibration ends (stop flag) with no frame, says so and reports failure, and its black /
 * white are the fresh extremes (255 / 0), never the configured calibration. */
static void test_calibration_without_frames(void **state)
{
    (void)state;
    static pm_robot_settings s;
    pm_robot_options o;
    pm_robot_summary sum;
    char err[PM_CFG_ERR_MAX];
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(master >= 0 && grantpt(master) == 0 && unlockpt(master) == 0);
    char *argv[] = {"robot", "--calibrate", "--device", ptsname(master),
                    "--set", "reflex.black=30,30,30,30,30,30,30,30",
                    "--set", "reflex.white=220,220,220,220,220,220,220,220"};
    pm_robot_settings_defaults(&s);
    assert_int_equal(pm_robot_parse_args(8, argv, &s, &o, err), 0);
    stop = 1;   /* as if Ctrl-C came at once: the loop ends before any frame */
    assert_int_equal(pm_robot_session(&s, &o, &stop, &sum, err), 1);
    assert_int_equal(sum.sensor_frames, 0);
    assert_non_null(strstr(err, "no sensor frames received"));
    for (int i = 0; i < PM_REFLEX_N; i++)
        assert_true(sum.black[i] == 255 && sum.white[i] == 0);
    close(master);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_device_must_be_a_terminal),
        cmocka_unit_test(test_parse_args_reports_without_printing),
        cmocka_unit_test(test_calibration_without_frames),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
