/* Tests of the image files and the directory frame source (the V4L2 path needs hardware: only its errors here). */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "primod/camera.h"

static char dir[64];

static int make_dir(const char *p) { return mkdir(p, 0700); }

static void path_of(char *out, size_t n, const char *name) { snprintf(out, n, "%s/%s", dir, name); }

static void write_raw(const char *name, const void *bytes, size_t n)
{
    char p[128];
    path_of(p, sizeof p, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, n, f), n);
    fclose(f);
}

/* A PGM with maxval 15, written by hand: 3 x 2 pixels 0 8 15 / 15 8 0. */
static void write_pgm15(const char *name)
{
    const char hdr[] = "P5\n# comment line\n3 2\n15\n";
    uint8_t buf[sizeof hdr - 1 + 6];
    memcpy(buf, hdr, sizeof hdr - 1);
    const uint8_t px[6] = {0, 8, 15, 15, 8, 0};
    memcpy(buf + sizeof hdr - 1, px, 6);
    write_raw(name, buf, sizeof buf);
}

/* An RGB PNG through libpng's simplified writer (independent of the reader under test). */
static void write_png_rgb(const char *name, int w, int h, uint8_t r, uint8_t g, uint8_t b)
{
    char p[128];
    path_of(p, sizeof p, name);
    png_image img;
    memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = (png_uint_32)w;
    img.height = (png_uint_32)h;
    img.format = PNG_FORMAT_RGB;
    uint8_t *px = malloc((size_t)w * h * 3);
    for (int i = 0; i < w * h; i++) {
        px[3 * i] = r;
        px[3 * i + 1] = g;
        px[3 * i + 2] = b;
    }
    assert_true(png_image_write_to_file(&img, p, 0, px, 0, NULL));
    free(px);
}

static int setup(void **state)
{
    (void)state;
    strcpy(dir, "/tmp/primod-camtest-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void pgm_round_trip_and_maxval(void **state)
{
    (void)state;
    char p[128];
    path_of(p, sizeof p, "rt.pgm");
    const uint8_t img[6] = {0, 1, 127, 128, 254, 255};
    assert_int_equal(pm_image_save_pgm(p, img, 3, 2), PM_OK);
    int w = 0, h = 0;
    assert_int_equal(pm_image_size(p, &w, &h), PM_OK);
    assert_int_equal(w, 3);
    assert_int_equal(h, 2);
    uint8_t back[6];
    assert_int_equal(pm_image_load(p, back, 3, 2), PM_OK);
    assert_memory_equal(back, img, 6);
    /* wrong expected size is a format error */
    assert_int_equal(pm_image_load(p, back, 2, 3), PM_ERR_FORMAT);
    /* maxval 15: v -> v * 255 / 15 = 17 v: 8 -> 136, 15 -> 255 */
    write_pgm15("m15.pgm");
    path_of(p, sizeof p, "m15.pgm");
    assert_int_equal(pm_image_load(p, back, 3, 2), PM_OK);
    const uint8_t expect[6] = {0, 136, 255, 255, 136, 0};
    assert_memory_equal(back, expect, 6);
    /* truncated raster, bad magic, missing file */
    write_raw("trunc.pgm", "P5\n3 2\n255\n\1\2\3", 14);
    path_of(p, sizeof p, "trunc.pgm");
    assert_int_equal(pm_image_load(p, back, 3, 2), PM_ERR_FORMAT);
    write_raw("magic.pgm", "P2\n3 2\n255\n1 2 3 4 5 6\n", 23);
    path_of(p, sizeof p, "magic.pgm");
    assert_int_equal(pm_image_size(p, &w, &h), PM_ERR_FORMAT);
    path_of(p, sizeof p, "missing.pgm");
    assert_int_equal(pm_image_load(p, back, 3, 2), PM_ERR_IO);
    assert_int_equal(pm_image_load(NULL, back, 3, 2), PM_ERR_ARG);
    assert_int_equal(pm_image_save_pgm(p, img, 0, 2), PM_ERR_ARG);
}

static void png_is_converted_to_grey(void **state)
{
    (void)state;
    char p[128];
    path_of(p, sizeof p, "g.png");
    write_png_rgb("g.png", 4, 3, 200, 200, 200); /* equal channels: grey level 200 whatever the weights */
    uint8_t px[12];
    assert_int_equal(pm_image_load(p, px, 4, 3), PM_OK);
    for (int i = 0; i < 12; i++)
        assert_int_equal(px[i], 200);
    write_png_rgb("black.png", 4, 3, 0, 0, 0);
    path_of(p, sizeof p, "black.png");
    assert_int_equal(pm_image_load(p, px, 4, 3), PM_OK);
    for (int i = 0; i < 12; i++)
        assert_int_equal(px[i], 0);
    assert_int_equal(pm_image_load(p, px, 3, 4), PM_ERR_FORMAT);
}

static void directory_plays_in_name_order(void **state)
{
    (void)state;
    /* a fresh subdirectory: frame_2.pgm, frame_1.pgm, frame_3.PNG, a bad-size frame_25.pgm, notes.txt */
    char sub[128], p[192];
    snprintf(sub, sizeof sub, "%s/frames", dir);
    assert_int_equal(make_dir(sub), 0);
    uint8_t a[6] = {1, 1, 1, 1, 1, 1}, b[6] = {2, 2, 2, 2, 2, 2}, odd[4] = {9, 9, 9, 9};
    snprintf(p, sizeof p, "%s/frame_2.pgm", sub);
    assert_int_equal(pm_image_save_pgm(p, b, 3, 2), PM_OK);
    snprintf(p, sizeof p, "%s/frame_1.pgm", sub);
    assert_int_equal(pm_image_save_pgm(p, a, 3, 2), PM_OK);
    snprintf(p, sizeof p, "%s/frame_25.pgm", sub);
    assert_int_equal(pm_image_save_pgm(p, odd, 2, 2), PM_OK);
    snprintf(p, sizeof p, "%s/notes.txt", sub);
    FILE *f = fopen(p, "w");
    fputs("not an image\n", f);
    fclose(f);
    char old[64];
    strcpy(old, dir);
    strcpy(dir, sub);
    write_png_rgb("frame_3.PNG", 3, 2, 77, 77, 77);
    strcpy(dir, old);

    pm_camera *cam = NULL;
    assert_int_equal(pm_camera_open_dir(sub, &cam), PM_OK);
    assert_int_equal(pm_camera_width(cam), 3);
    assert_int_equal(pm_camera_height(cam), 2);
    assert_int_equal(pm_camera_count(cam), 4);
    uint8_t img[6];
    pm_camera_result res;
    /* strcmp order: frame_1, frame_2, frame_25, frame_3.PNG */
    assert_int_equal(pm_camera_grab(cam, 0, img, &res), PM_OK);
    assert_int_equal(res, PM_CAMERA_FRAME);
    assert_memory_equal(img, a, 6);
    assert_int_equal(pm_camera_grab(cam, 0, img, &res), PM_OK);
    assert_memory_equal(img, b, 6);
    assert_int_equal(pm_camera_grab(cam, 0, img, &res), PM_ERR_FORMAT); /* 2 x 2: refused, skipped */
    assert_int_equal(res, PM_CAMERA_LATE);
    assert_int_equal(pm_camera_grab(cam, 0, img, &res), PM_OK);
    assert_int_equal(res, PM_CAMERA_FRAME);
    assert_int_equal(img[0], 77);
    memset(img, 5, 6);
    assert_int_equal(pm_camera_grab(cam, 0, img, &res), PM_OK);
    assert_int_equal(res, PM_CAMERA_END);
    assert_int_equal(img[0], 5); /* untouched at the end */
    assert_int_equal(pm_camera_dropped(cam), 0);
    assert_int_equal(pm_camera_grab(cam, 0, NULL, &res), PM_ERR_ARG);
    pm_camera_destroy(cam);
    pm_camera_destroy(NULL);
}

static void open_errors(void **state)
{
    (void)state;
    pm_camera *cam = (pm_camera *)0x1;
    char p[128];
    path_of(p, sizeof p, "empty");
    assert_int_equal(make_dir(p), 0);
    assert_int_equal(pm_camera_open_dir(p, &cam), PM_ERR_FORMAT);
    path_of(p, sizeof p, "does-not-exist");
    assert_int_equal(pm_camera_open_dir(p, &cam), PM_ERR_IO);
    assert_int_equal(pm_camera_open_v4l2(p, 640, 480, &cam), PM_ERR_IO);
    assert_int_equal(pm_camera_open_v4l2("/dev/null", 0, 480, &cam), PM_ERR_ARG);
    assert_int_equal(pm_camera_open_dir(NULL, &cam), PM_ERR_ARG);
    assert_true(cam == (pm_camera *)0x1); /* *out untouched on failure */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pgm_round_trip_and_maxval),
        cmocka_unit_test(png_is_converted_to_grey),
        cmocka_unit_test(directory_plays_in_name_order),
        cmocka_unit_test(open_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
