/* Tests of the host serial link against a fake device on a pseudo-terminal: streaming, stalls, garbage, unplug. */
#define _XOPEN_SOURCE 700 /* posix_openpt, grantpt, unlockpt, ptsname, mkdtemp, symlink */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "primod/frame.h"
#include "primod/link.h"
#include "primod/reflex.h"

/* The fake device: the master side of a pty; the host opens a symlink that points at the slave, so that
 * "unplugging" and "plugging in again" (a new pty) can keep the same path. */
typedef struct {
    int master;
    pm_frame_parser parser;  /* decodes what the host sent */
    uint8_t seq;
} fake_dev;

static char dir[64], link_path[128];

static void fake_plug(fake_dev *d)
{
    d->master = posix_openpt(O_RDWR | O_NOCTTY);
    assert_true(d->master >= 0);
    assert_int_equal(grantpt(d->master), 0);
    assert_int_equal(unlockpt(d->master), 0);
    int fl = fcntl(d->master, F_GETFL);
    assert_int_equal(fcntl(d->master, F_SETFL, fl | O_NONBLOCK), 0);
    pm_frame_parser_init(&d->parser);
    d->seq = 0;
    /* atomic symlink swap: new link under a temp name, then rename over the old one */
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.new", link_path);
    unlink(tmp);
    assert_int_equal(symlink(ptsname(d->master), tmp), 0);
    assert_int_equal(rename(tmp, link_path), 0);
}

static void fake_unplug(fake_dev *d)
{
    close(d->master);
    d->master = -1;
    unlink(link_path);
}

static void fake_write(fake_dev *d, const void *b, size_t n)
{
    assert_int_equal(write(d->master, b, n), (ssize_t)n);
}

static void fake_send_sensors(fake_dev *d, const uint8_t s[8])
{
    uint8_t b[PM_FRAME_MAX_BYTES];
    size_t n = pm_frame_encode_sensors(d->seq++, s, b);
    fake_write(d, b, n);
}

/* Reads what the host sent; counts 'M' and 'H' frames and returns the last 'M' fields. */
typedef struct {
    int motors, halts;
    uint8_t seq;
    int16_t left, right;
} fake_rx;

static fake_rx fake_read(fake_dev *d)
{
    fake_rx rx = {0};
    uint8_t buf[512];
    ssize_t n;
    while ((n = read(d->master, buf, sizeof buf)) > 0)
        for (ssize_t i = 0; i < n; i++) {
            pm_frame f;
            if (!pm_frame_parser_feed(&d->parser, buf[i], &f))
                continue;
            if (f.type == PM_FRAME_HALT)
                rx.halts++;
            else if (f.type == PM_FRAME_MOTORS) {
                rx.motors++;
                assert_int_equal(pm_frame_decode_motors(&f, &rx.seq, &rx.left, &rx.right), PM_OK);
            }
        }
    return rx;
}

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/primod-linktest-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(link_path, sizeof link_path, "%s/ttyFAKE", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.new", link_path);
    unlink(tmp);
    unlink(link_path);
    return rmdir(dir);
}

static pm_link *open_link(long long now)
{
    pm_link_config cfg;
    pm_link_config_default(&cfg);
    pm_link *l = NULL;
    assert_int_equal(pm_link_open(link_path, &cfg, now, &l), PM_OK);
    return l;
}

static const uint8_t white8[8] = {220, 220, 220, 220, 220, 220, 220, 220};

static void streaming_and_motor_commands(void **state)
{
    (void)state;
    fake_dev d;
    fake_plug(&d);
    pm_link *l = open_link(0);
    assert_int_equal(fake_read(&d).halts, 1); /* a fresh link starts by halting the robot */
    assert_int_equal(pm_link_get_state(l), PM_LINK_STALLED);
    uint8_t s[8];
    assert_int_equal(pm_link_take_sensors(l, s, NULL), 0);
    assert_int_equal(pm_link_send_motors(l, 10, 10), PM_ERR_IO); /* not before frames flow */
    assert_int_equal(fake_read(&d).motors, 0);

    const uint8_t a[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    fake_send_sensors(&d, a); /* seq 0 */
    unsigned ev = 0;
    assert_int_equal(pm_link_poll(l, 10, &ev), PM_OK);
    assert_int_equal(ev, PM_LINK_EV_RESUME);
    assert_int_equal(pm_link_get_state(l), PM_LINK_STREAMING);
    uint8_t seq = 99;
    assert_int_equal(pm_link_take_sensors(l, s, &seq), 1);
    assert_memory_equal(s, a, 8);
    assert_int_equal(seq, 0);
    assert_int_equal(pm_link_take_sensors(l, s, &seq), 0); /* taken once only: no stale reuse */
    /* 'M' echoes the seq of the frame used; offsets beyond +-200 are clamped by the host as well */
    assert_int_equal(pm_link_send_motors(l, -50, 999), PM_OK);
    fake_rx rx = fake_read(&d);
    assert_int_equal(rx.motors, 1);
    assert_int_equal(rx.seq, 0);
    assert_int_equal(rx.left, -50);
    assert_int_equal(rx.right, 200);
    /* three frames before the next take: the newest wins; the gap 1 -> 5 counts 3 missed frames */
    fake_send_sensors(&d, white8); /* seq 1 */
    d.seq = 5;
    fake_send_sensors(&d, a);      /* seq 5 */
    assert_int_equal(pm_link_poll(l, 20, &ev), PM_OK);
    assert_int_equal(ev, 0);
    assert_int_equal(pm_link_take_sensors(l, s, &seq), 1);
    assert_int_equal(seq, 5);
    pm_link_stats st = pm_link_get_stats(l);
    assert_int_equal(st.frames, 3);
    assert_int_equal(st.seq_gaps, 3);
    assert_int_equal(st.motors_sent, 1);
    pm_link_close(l);
    assert_int_equal(fake_read(&d).halts, 1); /* closing halts the robot */
    fake_unplug(&d);
}

static void stall_halts_and_resumes(void **state)
{
    (void)state;
    fake_dev d;
    fake_plug(&d);
    pm_link *l = open_link(1000);
    fake_read(&d);
    unsigned ev;
    uint8_t s[8];
    fake_send_sensors(&d, white8);
    pm_link_poll(l, 1000, &ev);
    assert_int_equal(pm_link_get_state(l), PM_LINK_STREAMING);
    /* silence: 250 ms is still fine (the rule is "more than 250 ms") ... */
    pm_link_poll(l, 1250, &ev);
    assert_int_equal(ev, 0);
    assert_int_equal(pm_link_get_state(l), PM_LINK_STREAMING);
    /* ... 251 ms is a stall: 'H' goes out once, data is not offered, motors are refused */
    pm_link_poll(l, 1251, &ev);
    assert_int_equal(ev, PM_LINK_EV_STALL);
    assert_int_equal(pm_link_get_state(l), PM_LINK_STALLED);
    assert_int_equal(fake_read(&d).halts, 1);
    pm_link_poll(l, 1400, &ev);
    assert_int_equal(ev, 0);
    assert_int_equal(fake_read(&d).halts, 0); /* said once */
    assert_int_equal(pm_link_send_motors(l, 10, 10), PM_ERR_IO);
    assert_int_equal(pm_link_take_sensors(l, s, NULL), 0);
    /* bytes that are not a valid frame (bad CRC) do not count as life */
    uint8_t bad[PM_FRAME_MAX_BYTES];
    size_t n = pm_frame_encode_sensors(7, white8, bad);
    bad[n - 1] ^= 0x01;
    fake_write(&d, bad, n);
    pm_link_poll(l, 1500, &ev);
    assert_int_equal(ev, 0);
    assert_int_equal(pm_link_get_state(l), PM_LINK_STALLED);
    assert_int_equal(pm_link_get_stats(l).bad_crc, 1);
    /* frames return: learning may resume */
    fake_send_sensors(&d, white8);
    pm_link_poll(l, 1510, &ev);
    assert_int_equal(ev, PM_LINK_EV_RESUME);
    assert_int_equal(pm_link_take_sensors(l, s, NULL), 1);
    assert_int_equal(pm_link_get_stats(l).stalls, 1);
    pm_link_close(l);
    fake_unplug(&d);
}

static void garbage_between_frames(void **state)
{
    (void)state;
    fake_dev d;
    fake_plug(&d);
    pm_link *l = open_link(0);
    /* garbage with start bytes, a frame, a truncated frame, garbage, a frame */
    const uint8_t junk[] = {0x00, 0x7E, 0x7E, 0x53, 0x02, 0xFF, 0x7E, 0x48, 0x01, 0x13, 0x0D, 0x0A};
    uint8_t f1[PM_FRAME_MAX_BYTES], f2[PM_FRAME_MAX_BYTES];
    const uint8_t v1[8] = {10, 20, 30, 40, 50, 60, 70, 80}, v2[8] = {11, 21, 31, 41, 51, 61, 71, 81};
    size_t n1 = pm_frame_encode_sensors(0, v1, f1), n2 = pm_frame_encode_sensors(1, v2, f2);
    fake_write(&d, junk, sizeof junk);
    fake_write(&d, f1, n1);
    fake_write(&d, f2, 6); /* truncated */
    fake_write(&d, junk, sizeof junk);
    fake_write(&d, f2, n2);
    unsigned ev;
    pm_link_poll(l, 5, &ev);
    pm_link_stats st = pm_link_get_stats(l);
    assert_int_equal(st.frames, 2);
    assert_true(st.bad_len >= 2);   /* 7E 7E and 7E 53 02: impossible type/length */
    assert_true(st.garbage >= 2);
    uint8_t s[8], seq;
    assert_int_equal(pm_link_take_sensors(l, s, &seq), 1);
    assert_int_equal(seq, 1);
    assert_memory_equal(s, v2, 8);
    pm_link_close(l);
    fake_unplug(&d);
}

static void unplug_retries_every_second_and_reconnects(void **state)
{
    (void)state;
    fake_dev d;
    fake_plug(&d);
    pm_link *l = open_link(0);
    unsigned ev;
    fake_send_sensors(&d, white8);
    pm_link_poll(l, 10, &ev);
    assert_int_equal(pm_link_get_state(l), PM_LINK_STREAMING);
    fake_unplug(&d); /* the far end closes: the host's reads fail */
    pm_link_poll(l, 20, &ev);
    assert_int_equal(ev, PM_LINK_EV_LOST);
    assert_int_equal(pm_link_get_state(l), PM_LINK_DISCONNECTED);
    assert_int_equal(pm_link_fd(l), -1);
    assert_int_equal(pm_link_halt(l), PM_ERR_IO);          /* impossible now */
    assert_int_equal(pm_link_send_motors(l, 1, 1), PM_ERR_IO);
    /* retries at 1020, 2020, ...: not at 500 or 1019 */
    pm_link_poll(l, 500, &ev);
    pm_link_poll(l, 1019, &ev);
    assert_int_equal(pm_link_get_stats(l).reopen_attempts, 0);
    pm_link_poll(l, 1020, &ev);
    assert_int_equal(ev, 0); /* a failed attempt is silent: "lost" was said once */
    assert_int_equal(pm_link_get_stats(l).reopen_attempts, 1);
    pm_link_poll(l, 1500, &ev);
    pm_link_poll(l, 2020, &ev);
    assert_int_equal(pm_link_get_stats(l).reopen_attempts, 2);
    /* plugged in again (a new pty behind the same path): reconnect, 'H' first, then frames resume */
    fake_plug(&d);
    pm_link_poll(l, 3020, &ev);
    assert_int_equal(ev, PM_LINK_EV_RECONNECT);
    assert_int_equal(pm_link_get_state(l), PM_LINK_STALLED);
    assert_int_equal(fake_read(&d).halts, 1);
    fake_send_sensors(&d, white8);
    pm_link_poll(l, 3030, &ev);
    assert_int_equal(ev, PM_LINK_EV_RESUME);
    pm_link_stats st = pm_link_get_stats(l);
    assert_int_equal(st.disconnects, 1);
    assert_int_equal(st.reconnects, 1);
    pm_link_close(l);
    fake_unplug(&d);
}

/* A fake robot over a straight line: the line's lateral offset y (sensor spacings, left positive) under the 8
 * sensors at lateral positions 3.5 - i; the host steers with the calibrated reflex of SPEC §7 and the device turns
 * toward the line. The loop must bring the line between the inner sensors, and every 'M' echo the seq of the
 * sensor frame it answered. */
static void closed_loop_on_a_simulated_line(void **state)
{
    (void)state;
    fake_dev d;
    fake_plug(&d);
    pm_link *l = open_link(0);
    fake_read(&d);
    pm_reflex_config rc;
    pm_reflex_config_paper(&rc);
    pm_reflex reflex;
    assert_int_equal(pm_reflex_init(&reflex, &rc), PM_OK);
    double black[8], white[8];
    for (int i = 0; i < 8; i++) {
        black[i] = 30;
        white[i] = 220;
    }
    assert_int_equal(pm_reflex_set_calibration(&reflex, black, white), PM_OK);
    double y = 2.6; /* under sensor 1 (position 2.5): the reflex must act */
    int answered = 0;
    for (int step = 0; step < 200; step++) {
        uint8_t raw[8];
        for (int i = 0; i < 8; i++)
            raw[i] = fabs((3.5 - i) - y) < 0.5 ? 30 : 220;
        uint8_t sent_seq = d.seq;
        fake_send_sensors(&d, raw);
        unsigned ev;
        pm_link_poll(l, 10 * (step + 1), &ev);
        uint8_t s[8];
        assert_int_equal(pm_link_take_sensors(l, s, NULL), 1);
        double e;
        assert_int_equal(pm_reflex_error(&reflex, s, &e, NULL), PM_OK);
        assert_int_equal(pm_link_send_motors(l, (int)lround(50 + 5 * e), (int)lround(50 - 5 * e)), PM_OK);
        fake_rx rx = fake_read(&d);
        assert_int_equal(rx.motors, 1);
        assert_int_equal(rx.seq, sent_seq);
        answered++;
        /* turning left (right wheel faster) moves the line to the right in the robot's frame */
        y -= 0.002 * (rx.right - rx.left);
    }
    assert_int_equal(answered, 200);
    /* E = 0 once no outer sensor (positions +-2.5, +-3.5) sees the line, i.e. |y| < 2; it started at 2.6 */
    assert_true(fabs(y) < 2.0);
    pm_link_close(l);
    fake_unplug(&d);
}

static void bad_arguments(void **state)
{
    (void)state;
    pm_link_config cfg;
    pm_link_config_default(&cfg);
    pm_link *l = (pm_link *)0x1;
    cfg.baud = 12345;
    assert_int_equal(pm_link_open(link_path, &cfg, 0, &l), PM_ERR_ARG);
    pm_link_config_default(&cfg);
    cfg.sensor_timeout_ms = 0;
    assert_int_equal(pm_link_open(link_path, &cfg, 0, &l), PM_ERR_ARG);
    pm_link_config_default(&cfg);
    assert_int_equal(pm_link_open("/nonexistent/tty", &cfg, 0, &l), PM_ERR_IO);
    assert_true(l == (pm_link *)0x1);
    assert_int_equal(pm_link_poll(NULL, 0, NULL), PM_ERR_ARG);
    assert_int_equal(pm_link_send_motors(NULL, 0, 0), PM_ERR_ARG);
    pm_link_close(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(streaming_and_motor_commands),
        cmocka_unit_test(stall_halts_and_resumes),
        cmocka_unit_test(garbage_between_frames),
        cmocka_unit_test(unplug_retries_every_second_and_reconnects),
        cmocka_unit_test(closed_loop_on_a_simulated_line),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
