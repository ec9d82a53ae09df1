/* Tests of the PGM stream camera source: newest frame wins, partial and truncated frames, bad headers, bounds. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "primod/camera.h"

#define W 8
#define H 4

static int fds[2]; /* pipe: [0] read end given to the source as /dev/fd/N, [1] written by the test */
static pm_camera *cam;

static void put(const void *b, size_t n)
{
    assert_int_equal(write(fds[1], b, n), (ssize_t)n);
}

static void put_str(const char *s) { put(s, strlen(s)); }

/* A W x H frame whose every pixel is v, with the plain header "P5 W H 255\n". */
static void put_frame(uint8_t v)
{
    char hdr[32];
    snprintf(hdr, sizeof hdr, "P5 %d %d 255\n", W, H);
    put_str(hdr);
    uint8_t px[W * H];
    memset(px, v, sizeof px);
    put(px, sizeof px);
}

static int setup(void **state)
{
    (void)state;
    assert_int_equal(pipe(fds), 0);
    char path[32];
    snprintf(path, sizeof path, "/dev/fd/%d", fds[0]);
    cam = NULL;
    assert_int_equal(pm_camera_open_pgm_stream(path, W, H, &cam), PM_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pm_camera_destroy(cam);
    close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    return 0;
}

static long long ms_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void newest_frame_wins(void **state)
{
    (void)state;
    uint8_t img[W * H];
    pm_camera_result res;
    put_frame(10);
    put_frame(200);
    assert_int_equal(pm_camera_grab(cam, 100, img, &res), PM_OK);
    assert_int_equal(res, PM_CAMERA_FRAME);
    assert_int_equal(img[0], 200);
    assert_int_equal(img[W * H - 1], 200);
    assert_int_equal(pm_camera_dropped(cam), 1); /* the first frame was superseded */
    assert_int_equal(pm_camera_width(cam), W);
    assert_int_equal(pm_camera_height(cam), H);
}

static void late_then_completed(void **state)
{
    (void)state;
    uint8_t img[W * H];
    memset(img, 77, sizeof img);
    pm_camera_result res;
    long long t0 = ms_now();
    assert_int_equal(pm_camera_grab(cam, 30, img, &res), PM_OK); /* nothing written */
    assert_int_equal(res, PM_CAMERA_LATE);
    assert_true(ms_now() - t0 >= 25);
    put_str("P5\n8 4\n255\n");
    uint8_t half[W * H / 2];
    memset(half, 5, sizeof half);
    put(half, sizeof half);
    assert_int_equal(pm_camera_grab(cam, 20, img, &res), PM_OK);
    assert_int_equal(res, PM_CAMERA_LATE);
    assert_int_equal(img[0], 77); /* untouched */
    put(half, sizeof half);
    assert_int_equal(pm_camera_grab(cam, 20, img, &res), PM_OK);
    assert_int_equal(res, PM_CAMERA_FRAME);
    assert_int_equal(img[W * H - 1], 5);
}

static void comments_and_maxval(void **state)
{
    (void)state;
    uint8_t img[W * H];
    pm_camera_result res;
    put_str("P5\n# made by a test\n8 # width\n4\n15\n");
    uint8_t px[W * H];
    for (int i = 0; i < W * H; i++)
        px[i] = (uint8_t)(i % 2 ? 15 : 3);
    put(px, sizeof px);
    assert_int_equal(pm_camera_grab(cam, 50, img, &res), PM_OK);
    assert_int_equal(res, PM_CAMERA_FRAME);
    assert_int_equal(img[1], 255);       /* 15 of 15 */
    assert_int_equal(img[0], 3 * 255 / 15); /* 51 */
}

static void malformed_header_resyncs(void **state)
{
    (void)state;
    uint8_t img[W * H];
    memset(img, 1, sizeof img);
    pm_camera_result res;
    put_str("P6 8 4 255\nxyz"); /* a colour PPM header and junk */
    assert_int_equal(pm_camera_grab(cam, 20, img, &res), PM_ERR_FORMAT);
    assert_int_equal(res, PM_CAMERA_LATE);
    assert_int_equal(img[0], 1);
    assert_true(pm_camera_bad_frames(cam) >= 1);
    put_frame(42);
    assert_int_equal(pm_camera_grab(cam, 50, img, &res), PM_OK);
    assert_int_equal(res, PM_CAMERA_FRAME);
    assert_int_equal(img[3], 42);
}

static void absurd_size_is_bounded(void **state)
{
    (void)state;
    uint8_t img[W * H];
    pm_camera_result res;
    /* 100000 x 100000 would be 10 GB: refused as a broken header, not waited for */
    put_str("P5 100000 100000 255\n");
    put_frame(9);
    assert_int_equal(pm_camera_grab(cam, 50, img, &res), PM_OK);
    assert_int_equal(res, PM_CAMERA_FRAME);
    assert_int_equal(img[0], 9);
    assert_int_equal(pm_camera_bad_frames(cam), 1);
    /* an endless run of digits is no header either (bounded parse) */
    char digits[600];
    memset(digits, '7', sizeof digits);
    put_str("P5 ");
    put(digits, sizeof digits);
    assert_int_equal(pm_camera_grab(cam, 20, img, &res), PM_ERR_FORMAT);
    put_frame(11);
    assert_int_equal(pm_camera_grab(cam, 50, img, &res), PM_OK);
    assert_int_equal(res, PM_CAMERA_FRAME);
    assert_int_equal(img[0], 11);
}

static void other_size_skipped(void **state)
{
    (void)state;
    uint8_t img[W * H];
    pm_camera_result res;
    put_str("P5 3 2 255\n");
    const uint8_t small[6] = {'P', '5', ' ', '8', ' ', '4'}; /* payload that looks like a header: must be skipped */
    put(small, sizeof small);
    put_frame(123);
    assert_int_equal(pm_camera_grab(cam, 50, img, &res), PM_OK);
    assert_int_equal(res, PM_CAMERA_FRAME);
    assert_int_equal(img[W * H - 1], 123);
    assert_int_equal(pm_camera_bad_frames(cam), 1);
}

static void truncated_then_end(void **state)
{
    (void)state;
    uint8_t img[W * H];
    memset(img, 66, sizeof img);
    pm_camera_result res;
    put_frame(50);
    put_str("P5 8 4 255\n");
    put("abc", 3); /* the producer dies mid-frame */
    close(fds[1]);
    fds[1] = -1;
    assert_int_equal(pm_camera_grab(cam, 50, img, &res), PM_OK);
    assert_int_equal(res, PM_CAMERA_FRAME);
    assert_int_equal(img[0], 50);
    assert_int_equal(pm_camera_grab(cam, 50, img, &res), PM_OK);
    assert_int_equal(res, PM_CAMERA_END); /* the half frame is never delivered */
    assert_int_equal(img[0], 50);
}

static void fifo_without_producer_is_late(void **state)
{
    (void)state;
    char path[64];
    snprintf(path, sizeof path, "/tmp/pm_cam_fifo_%ld", (long)getpid());
    unlink(path);
    assert_int_equal(mkfifo(path, 0600), 0);
    pm_camera *c = NULL;
    assert_int_equal(pm_camera_open(path, W, H, &c), PM_OK); /* a FIFO: the stream source, not V4L2 */
    uint8_t img[W * H];
    pm_camera_result res = PM_CAMERA_FRAME;
    long long t0 = ms_now();
    assert_int_equal(pm_camera_grab(c, 40, img, &res), PM_OK);
    assert_int_equal(res, PM_CAMERA_LATE);
    assert_true(ms_now() - t0 >= 35);
    int wfd = open(path, O_WRONLY | O_NONBLOCK);
    assert_true(wfd >= 0);
    char hdr[] = "P5 8 4 255\n";
    uint8_t px[W * H];
    memset(px, 99, sizeof px);
    assert_int_equal(write(wfd, hdr, strlen(hdr)), (ssize_t)strlen(hdr));
    assert_int_equal(write(wfd, px, sizeof px), (ssize_t)sizeof px);
    close(wfd);
    assert_int_equal(pm_camera_grab(c, 100, img, &res), PM_OK);
    assert_int_equal(res, PM_CAMERA_FRAME);
    assert_int_equal(img[5], 99);
    assert_int_equal(pm_camera_grab(c, 100, img, &res), PM_OK);
    assert_int_equal(res, PM_CAMERA_END);
    pm_camera_destroy(c);
    unlink(path);
}

static void bad_arguments(void **state)
{
    (void)state;
    pm_camera *c = (pm_camera *)0x1;
    assert_int_equal(pm_camera_open_pgm_stream(NULL, W, H, &c), PM_ERR_ARG);
    assert_int_equal(pm_camera_open_pgm_stream("-", 0, H, &c), PM_ERR_ARG);
    assert_int_equal(pm_camera_open_pgm_stream("-", W, 20000, &c), PM_ERR_ARG);
    assert_int_equal(pm_camera_open_pgm_stream("/nonexistent/dir/fifo", W, H, &c), PM_ERR_IO);
    assert_ptr_equal(c, (pm_camera *)0x1); /* untouched on failure */
    assert_int_equal(pm_camera_open(NULL, W, H, &c), PM_ERR_ARG);
    uint8_t img[W * H];
    pm_camera_result res;
    assert_int_equal(pm_camera_grab(cam, -1, img, &res), PM_ERR_ARG);
    assert_int_equal(pm_camera_bad_frames(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(newest_frame_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(late_then_completed, setup, teardown),
        cmocka_unit_test_setup_teardown(comments_and_maxval, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed_header_resyncs, setup, teardown),
        cmocka_unit_test_setup_teardown(absurd_size_is_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(other_size_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(truncated_then_end, setup, teardown),
        cmocka_unit_test(fifo_without_producer_is_late),
        cmocka_unit_test_setup_teardown(bad_arguments, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
