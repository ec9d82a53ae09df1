/* Tests of the twin: its world models against independent formulas, and the emulated firmware over its pty. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "primod/frame.h"
#include "primod/twin.h"

static const double PI = 3.14159265358979323846;

static void servo_dead_band_sign_and_clamp(void **state)
{
    (void)state;
    pm_twin_config c;
    pm_twin_config_default(&c);
    assert_true(pm_twin_servo_target(&c, 1500, 1) == 0);
    assert_true(pm_twin_servo_target(&c, 1504, 1) == 0);  /* inside the 4 us dead band */
    assert_true(pm_twin_servo_target(&c, 1496, -1) == 0);
    /* 60 us over: (60 - 4) / 2 us per unit = 28 units/s, the mirrored servo the other way */
    assert_true(fabs(pm_twin_servo_target(&c, 1560, 1) - 28.0) < 1e-12);
    assert_true(fabs(pm_twin_servo_target(&c, 1560, -1) + 28.0) < 1e-12);
    assert_true(fabs(pm_twin_servo_target(&c, 1440, 1) + 28.0) < 1e-12);
    assert_true(pm_twin_servo_target(&c, 0, 1) == 0);      /* no pulses: no motion */
    c.us_per_unit = 0.5;
    assert_true(pm_twin_servo_target(&c, 1700, 1) == c.max_wheel_speed); /* 392 units/s clamped to 100 */
}

static void servo_lag_is_first_order(void **state)
{
    (void)state;
    pm_twin_config c;
    pm_twin_config_default(&c);
    /* after one time constant of 1 ms steps the gap has shrunk to exp(-1) of what it was */
    double v = 0;
    int n = (int)lround(c.lag_s / 1e-3);
    for (int i = 0; i < n; i++)
        v = pm_twin_servo_step(&c, v, 30, 1e-3);
    assert_true(fabs(v - 30 * (1 - exp(-1))) < 1e-9);
}

static void bar_and_adc(void **state)
{
    (void)state;
    pm_twin_config c;
    pm_twin_config_default(&c);
    assert_true(pm_twin_bar_raw(&c, 0) == 220);
    assert_true(pm_twin_bar_raw(&c, 1) == 30);
    assert_true(pm_twin_bar_raw(&c, 0.5) == 125);
    assert_true(pm_twin_bar_raw(&c, 2) == 30); /* clipped */
    /* simavr: 10-bit code = mV * 1023 / AVcc (truncated), the firmware reads the top 8 bits (ADLAR) */
    for (int v = 0; v < 256; v++) {
        uint32_t mv = pm_twin_adc_millivolts((uint8_t)v);
        uint32_t code = mv * 0x3FFu / 5000u;
        assert_int_equal(code >> 2, v);
    }
}

static void pinhole_geometry(void **state)
{
    (void)state;
    pm_twin_config c;
    pm_twin_config_default(&c);
    double f = 240.0 / tan(25.0 * PI / 180.0);
    for (int v = 300; v < 480; v += 37) {
        double fx, fy, fx2, fy2;
        assert_int_equal(pm_twin_pixel_to_floor(&c, 100, v, &fx, &fy), 1);
        /* a row of an unrolled pinhole is a line across the floor at distance h / tan(tilt + atan(dv)) */
        double dv = (v + 0.5 - 240) / f;
        double expect = c.cam_x + c.cam_height / tan(c.cam_tilt_deg * PI / 180 + atan(dv));
        assert_true(fabs(fx - expect) < 1e-9);
        assert_true(fy > 0); /* left half of the image = left of the robot */
        assert_int_equal(pm_twin_pixel_to_floor(&c, 639 - 100, v, &fx2, &fy2), 1);
        assert_true(fabs(fx2 - fx) < 1e-9 && fabs(fy2 + fy) < 1e-9);
    }
    /* the defaults put the SPEC §7 grid band (rows 340..459) on the floor ahead of the sensor bar */
    double near_x, far_x, y;
    assert_int_equal(pm_twin_pixel_to_floor(&c, 320, 459, &near_x, &y), 1);
    assert_int_equal(pm_twin_pixel_to_floor(&c, 320, 340, &far_x, &y), 1);
    assert_true(near_x > c.bar_x + 2 && far_x > near_x && far_x < 30);
    /* a shallow camera sees the horizon: rows above it hit no floor */
    c.cam_tilt_deg = 10;
    int horizon = (int)(240 - f * tan(10 * PI / 180)); /* about row 149 */
    assert_int_equal(pm_twin_pixel_to_floor(&c, 320, horizon - 5, &near_x, &y), 0);
    assert_int_equal(pm_twin_pixel_to_floor(&c, 320, horizon + 5, &near_x, &y), 1);
}

static void config_keys_and_checks(void **state)
{
    (void)state;
    pm_twin_config c, before;
    pm_twin_config_default(&c);
    assert_int_equal(pm_twin_config_check(&c, NULL), PM_OK);
    before = c;
    assert_int_equal(pm_twin_config_set(&c, "no_such_key", "1"), PM_ERR_ARG);
    assert_int_equal(pm_twin_config_set(&c, "cam_height", "tall"), PM_ERR_ARG);
    assert_int_equal(pm_twin_config_set(&c, "cam_height", "nan"), PM_ERR_ARG);
    assert_int_equal(pm_twin_config_set(&c, "left_sign", "0.5"), PM_ERR_ARG);
    assert_memory_equal(&c, &before, sizeof c); /* refused: unchanged */
    assert_int_equal(pm_twin_config_set(&c, "cam_height", " 25 "), PM_OK); /* blanks around a number are fine */
    assert_int_equal(pm_twin_config_set(&c, "cam_height", "25"), PM_OK);
    assert_true(c.cam_height == 25);
    char why[160];
    c.raw_black = 230;
    assert_int_equal(pm_twin_config_check(&c, why), PM_ERR_ARG);
    assert_non_null(strstr(why, "raw_black"));
    pm_twin_config_default(&c);
    c.right_sign = 2;
    assert_int_equal(pm_twin_config_check(&c, why), PM_ERR_ARG);
    pm_twin_config_default(&c);
    c.speedup = 0;
    assert_int_equal(pm_twin_config_check(&c, why), PM_ERR_ARG);
}

static const char *firmware(void)
{
    const char *f = getenv("PRIMOD_TWIN_FIRMWARE"); /* absent when the build had no avr-gcc: then skipped */
    return f && *f && access(f, R_OK) == 0 ? f : NULL;
}

static void create_refuses_bad_input(void **state)
{
    (void)state;
    pm_twin_config c;
    pm_twin_config_default(&c);
    pm_world *w = NULL;
    assert_int_equal(pm_world_create_builtin("paper", 4, &w), PM_OK);
    pm_twin *t = NULL;
    assert_int_equal(pm_twin_create(NULL, w, "x.elf", &t), PM_ERR_ARG);
    assert_int_equal(pm_twin_create(&c, w, "/nonexistent/primod.elf", &t), PM_ERR_FORMAT);
    char path[64];
    snprintf(path, sizeof path, "/tmp/pm_twin_notelf_%ld", (long)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("this is not an ELF file\n", f);
    fclose(f);
    assert_int_equal(pm_twin_create(&c, w, path, &t), PM_ERR_FORMAT);
    assert_null(t);
    unlink(path);
    c.fps = -1;
    assert_int_equal(pm_twin_create(&c, w, firmware() ? firmware() : path, &t), PM_ERR_ARG);
    pm_world_destroy(w);
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Reads the device for `seconds` of emulated time, returning the number of 'S' frames and the last sensors. */
static int read_frames(pm_twin *t, int fd, double until, uint8_t last[8])
{
    pm_frame_parser p;
    pm_frame_parser_init(&p);
    int n = 0;
    double wall_limit = mono() + 30; /* a stuck emulator fails the test instead of hanging it */
    while (pm_twin_elapsed(t) < until && mono() < wall_limit) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        poll(&pfd, 1, 20);
        uint8_t buf[256];
        ssize_t r = read(fd, buf, sizeof buf);
        for (ssize_t i = 0; i < r; i++) {
            pm_frame f;
            if (pm_frame_parser_feed(&p, buf[i], &f) && f.type == PM_FRAME_SENSORS) {
                memcpy(last, f.payload + 1, 8);
                n++;
            }
        }
    }
    return n;
}

/* The unchanged firmware in the emulator: 'S' frames at 100 Hz carrying the bar's ADC bytes, 'M' moves the
 * Timer1 pulses (the mode 14 fix), the 250 ms motor timeout stops them (firmware/README.md). */
static void firmware_in_the_emulator(void **state)
{
    (void)state;
    if (!firmware()) {
        skip();
        return;
    }
    pm_twin_config c;
    pm_twin_config_default(&c);
    c.raw_noise = 0;
    pm_world *w = NULL;
    assert_int_equal(pm_world_create_builtin("paper", 4, &w), PM_OK);
    pm_twin *t = NULL;
    assert_int_equal(pm_twin_create(&c, w, firmware(), &t), PM_OK);
    int fd = open(pm_twin_device(t), O_RDWR | O_NOCTTY | O_NONBLOCK);
    assert_true(fd >= 0);
    struct termios tio;
    assert_int_equal(tcgetattr(fd, &tio), 0);
    cfmakeraw(&tio);
    tcsetattr(fd, TCSANOW, &tio);
    assert_int_equal(pm_twin_start(t), PM_OK);
    uint8_t s[8];
    int n = read_frames(t, fd, 0.5, s);
    assert_true(n >= 40 && n <= 52); /* 100 Hz for 0.5 s (the first frame after 10 ms) */
    /* at the start pose the line is under the middle of the bar: the outer sensors see pure floor */
    assert_int_equal(s[0], 220);
    assert_int_equal(s[7], 220);
    assert_true(s[3] < 100 || s[4] < 100);
    pm_twin_stats st = pm_twin_get_stats(t);
    assert_true(fabs(st.left_pulse_us - 1500) < 1 && fabs(st.right_pulse_us - 1500) < 1);
    /* drive: +60 us left, -60 us right (the right servo is mirrored: both wheels forward) */
    uint8_t m[PM_FRAME_MAX_BYTES];
    size_t ml = pm_frame_encode_motors(1, 60, -60, m);
    assert_int_equal(write(fd, m, ml), (ssize_t)ml);
    read_frames(t, fd, 0.65, s);
    st = pm_twin_get_stats(t);
    assert_true(fabs(st.left_pulse_us - 1560) < 1);
    assert_true(fabs(st.right_pulse_us - 1440) < 1);
    assert_int_equal(st.motor_frames, 1);
    double x0 = st.x, y0 = st.y;
    /* no further 'M': the firmware stops both servos 250 ms after the last one (and the robot stops) */
    read_frames(t, fd, 1.2, s);
    st = pm_twin_get_stats(t);
    assert_true(fabs(st.left_pulse_us - 1500) < 1 && fabs(st.right_pulse_us - 1500) < 1);
    assert_true(st.distance > 3 && hypot(st.x - x0, st.y - y0) > 1); /* it drove in between */
    assert_int_equal(st.watchdog_resets, 0);
    pm_twin_stop(t);
    close(fd);
    char dir[64];
    snprintf(dir, sizeof dir, "%s", pm_twin_dir(t));
    pm_twin_destroy(t);
    assert_int_equal(access(dir, F_OK), -1); /* the temporary directory is gone */
    pm_world_destroy(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(servo_dead_band_sign_and_clamp),
        cmocka_unit_test(servo_lag_is_first_order),
        cmocka_unit_test(bar_and_adc),
        cmocka_unit_test(pinhole_geometry),
        cmocka_unit_test(config_keys_and_checks),
        cmocka_unit_test(create_refuses_bad_input),
        cmocka_unit_test(firmware_in_the_emulator),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
