/* Tests of PNG tracks: round trips through libpng in every colour type, pixel/world mapping, bad files. */
#define _POSIX_C_SOURCE 200809L
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sim/sim_test_util.h"

#define W 40
#define H 30

static char tmpdir[64];
static char path_buf[128];

static const char *tmp_path(const char *name)
{
    snprintf(path_buf, sizeof path_buf, "%s/%s", tmpdir, name);
    return path_buf;
}

static int make_tmpdir(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/pm_sim_png_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    const char *names[] = {"a.png", "trunc.png", "text.png", "white.png", "black.png", "empty.png", "paper.png"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        unlink(tmp_path(names[i]));
    return rmdir(tmpdir);
}

/* Grey (0 black .. 1 white) of image pixel (px, py) for write_png. */
typedef double (*pixel_fn)(int px, int py);

/* Writes a w x h image with libpng, each sample the grey of grey(px, py) scaled to the bit depth (palette: index
 * 0 black / 1 white by rounding). color: PNG_COLOR_TYPE_*; interlace: PNG_INTERLACE_NONE or _ADAM7. */
static int write_png(const char *path, int color, int depth, int interlace, int w, int h, pixel_fn grey)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int channels = color == PNG_COLOR_TYPE_RGB ? 3 : color == PNG_COLOR_TYPE_RGB_ALPHA ? 4
                 : color == PNG_COLOR_TYPE_GRAY_ALPHA ? 2 : 1;
    int bytes = depth == 16 ? 2 : 1;
    size_t row_bytes = (size_t)w * channels * bytes;
    unsigned char *img = malloc(row_bytes * h);
    png_bytep *rows = malloc(sizeof *rows * h);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (!img || !rows || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(img);
        free(rows);
        fclose(f);
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, w, h, depth, color, interlace, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (color == PNG_COLOR_TYPE_PALETTE) {
        png_color pal[2] = {{0, 0, 0}, {255, 255, 255}};
        png_set_PLTE(png, info, pal, 2);
    }
    png_write_info(png, info);
    if (depth < 8)
        png_set_packing(png);  /* one sample per byte in our rows */
    if (depth == 16)
        png_set_swap(png);     /* our 16-bit samples are host order; PNG wants big-endian */
    unsigned full = color == PNG_COLOR_TYPE_PALETTE ? 1u : (1u << depth) - 1u;
    for (int py = 0; py < h; py++) {
        rows[py] = img + (size_t)py * row_bytes;
        for (int px = 0; px < w; px++)
            for (int c = 0; c < channels; c++) {
                int alpha = (color & PNG_COLOR_MASK_ALPHA) && c == channels - 1;
                unsigned v = alpha ? (1u << depth) - 1u : (unsigned)lround(grey(px, py) * full);
                size_t at = ((size_t)px * channels + c) * bytes;
                if (bytes == 2) {
                    uint16_t s16 = (uint16_t)v;
                    memcpy(&rows[py][at], &s16, 2);
                } else {
                    rows[py][at] = (unsigned char)v;
                }
            }
    }
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(img);
    free(rows);
    return fclose(f);
}

/* One dark pixel at (7, 5) and a dark 3-pixel column at x = 30, y = 20..22. */
static int dark_marks(int px, int py)
{
    return (px == 7 && py == 5) || (px == 30 && py >= 20 && py <= 22);
}

static double grey_marks(int px, int py)
{
    return dark_marks(px, py) ? 0.0 : 1.0;
}

static double grey_all(int px, int py)
{
    (void)px;
    (void)py;
    return 0.0;
}

static double grey_none(int px, int py)
{
    (void)px, (void)py;
    return 1.0;
}

/* Every colour type / bit depth / interlacing decodes to grey exactly 0 on the marks and 1 elsewhere. */
static void round_trip_all_formats(void **state)
{
    (void)state;
    const int fmt[][3] = {
        {PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE},  {PNG_COLOR_TYPE_GRAY, 1, PNG_INTERLACE_NONE},
        {PNG_COLOR_TYPE_GRAY, 4, PNG_INTERLACE_NONE},  {PNG_COLOR_TYPE_GRAY, 16, PNG_INTERLACE_NONE},
        {PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_NONE},   {PNG_COLOR_TYPE_RGB, 16, PNG_INTERLACE_NONE},
        {PNG_COLOR_TYPE_RGB_ALPHA, 8, PNG_INTERLACE_NONE}, {PNG_COLOR_TYPE_GRAY_ALPHA, 8, PNG_INTERLACE_NONE},
        {PNG_COLOR_TYPE_PALETTE, 8, PNG_INTERLACE_NONE}, {PNG_COLOR_TYPE_PALETTE, 1, PNG_INTERLACE_NONE},
        {PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_ADAM7}, {PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_ADAM7},
    };
    for (size_t k = 0; k < sizeof fmt / sizeof fmt[0]; k++) {
        assert_int_equal(write_png(tmp_path("a.png"), fmt[k][0], fmt[k][1], fmt[k][2], W, H, grey_marks), 0);
        pm_world *w = NULL;
        assert_int_equal(pm_world_load_png(tmp_path("a.png"), 2.0, &w), PM_OK);
        assert_string_equal(pm_world_name(w), "png");
        assert_int_equal(pm_world_width_px(w), W);
        assert_int_equal(pm_world_height_px(w), H);
        const float *g = pm_world_pixels(w);
        for (int py = 0; py < H; py++)
            for (int px = 0; px < W; px++)
                if (g[py * W + px] != (dark_marks(px, py) ? 0.0f : 1.0f))
                    fail_msg("format %zu: pixel (%d, %d) = %g", k, px, py, g[py * W + px]);
        /* guessed start: the mark nearest the bottom centre is the column (30, 20..22); its middle pixel
         * (30, 21) is world (30/2, (30-21)/2) = (15, 4.5); the column is vertical and, right of and below the
         * texture centre (10, 7.5), counter-clockwise travel goes up: heading +pi/2 */
        double x, y, h;
        assert_int_equal(pm_world_start_pose(w, &x, &y, &h), PM_OK);
        assert_float_equal(x, 15.0, 1e-9);
        assert_float_equal(y, 4.5, 1e-9);
        assert_float_equal(h, 0.5 * 3.14159265358979323846, 1e-9);
        pm_world_destroy(w);
    }
}

/* The dark pixel (7, 5) of a 40 x 30 image at ppu 4 sits at world (7/4, (30-5)/4) = (1.75, 6.25): a reflex
 * sensor placed there reads darker than one 0.25 units away in any direction. The texture is only 10 x 7.5
 * units, so the reflex pair is moved to (0, +-1) in the robot frame to keep the robot centre on it. */
static void png_pixel_maps_to_documented_world_point(void **state)
{
    (void)state;
    assert_int_equal(write_png(tmp_path("a.png"), PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE, W, H, grey_marks), 0);
    pm_world *w = NULL;
    assert_int_equal(pm_world_load_png(tmp_path("a.png"), 4.0, &w), PM_OK);
    pm_sim_config c;
    pm_sim_config_paper(&c);
    c.reflex_x = 0.0;
    c.reflex_y = 1.0;
    pm_sim *s = NULL;
    assert_int_equal(pm_sim_create(&c, w, &s), PM_OK);
    const double X = 7.0 / 4.0, Y = (30.0 - 5.0) / 4.0;
    pm_sim_reading r;
    /* heading 0: left sensor at (cx, cy + 1) */
    assert_int_equal(pm_sim_set_pose(s, X, Y - 1.0, 0.0), PM_OK);
    assert_int_equal(pm_sim_sense(s, &r, NULL), PM_OK);
    double centre = r.reflex_left;
    assert_true(centre < PM_SIM_WHITE_READING - 0.01);
    const double step[4][2] = {{0.25, 0}, {-0.25, 0}, {0, 0.25}, {0, -0.25}};
    for (int k = 0; k < 4; k++) {
        assert_int_equal(pm_sim_set_pose(s, X + step[k][0], Y - 1.0 + step[k][1], 0.0), PM_OK);
        assert_int_equal(pm_sim_sense(s, &r, NULL), PM_OK);
        assert_true(r.reflex_left > centre);
    }
    pm_sim_destroy(s);
    pm_world_destroy(w);
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* Missing, truncated, foreign, empty and line-less files are refused with the documented status, and the
 * out pointer is left untouched. */
static void bad_files_are_refused(void **state)
{
    (void)state;
    pm_world *w = NULL;
    assert_int_equal(pm_world_load_png(tmp_path("missing.png"), 4.0, &w), PM_ERR_IO);
    /* truncated: a valid PNG cut to half its length (and to just the signature + part of IHDR) */
    assert_int_equal(write_png(tmp_path("a.png"), PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE, W, H, grey_marks), 0);
    static unsigned char buf[65536];
    FILE *f = fopen(tmp_path("a.png"), "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    assert_true(n > 60 && n < sizeof buf);  /* signature 8 + IHDR 25 + IDAT + IEND 12 */
    assert_int_equal(pm_world_load_png_mem(buf, n, 4.0, &w), PM_OK);  /* the whole file loads */
    pm_world_destroy(w);
    w = NULL;
    const size_t cuts[] = {n / 2, n - 1, 20, 8};
    for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
        write_bytes(tmp_path("trunc.png"), buf, cuts[k]);
        assert_int_equal(pm_world_load_png(tmp_path("trunc.png"), 4.0, &w), PM_ERR_FORMAT);
        assert_int_equal(pm_world_load_png_mem(buf, cuts[k], 4.0, &w), PM_ERR_FORMAT);
    }
    /* damaged: flip bytes in the image data (CRC mismatch) */
    buf[n / 2] ^= 0x5a;
    assert_int_equal(pm_world_load_png_mem(buf, n, 4.0, &w), PM_ERR_FORMAT);
    const char text[] = "this is not a PNG file at all\n";
    write_bytes(tmp_path("text.png"), text, sizeof text - 1);
    assert_int_equal(pm_world_load_png(tmp_path("text.png"), 4.0, &w), PM_ERR_FORMAT);
    write_bytes(tmp_path("empty.png"), text, 0);
    assert_int_equal(pm_world_load_png(tmp_path("empty.png"), 4.0, &w), PM_ERR_FORMAT);
    /* a valid PNG with no pixel below grey 0.5: "track has no line" */
    assert_int_equal(write_png(tmp_path("white.png"), PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE, W, H, grey_none), 0);
    assert_int_equal(pm_world_load_png(tmp_path("white.png"), 4.0, &w), PM_ERR_FORMAT);
    /* all dark: no light ground, so no line either (E would stay 0 over it) */
    assert_int_equal(write_png(tmp_path("black.png"), PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE, W, H, grey_all), 0);
    assert_int_equal(pm_world_load_png(tmp_path("black.png"), 4.0, &w), PM_ERR_FORMAT);
    /* bad arguments */
    assert_int_equal(pm_world_load_png(NULL, 4.0, &w), PM_ERR_ARG);
    assert_int_equal(pm_world_load_png(tmp_path("a.png"), 0.0, &w), PM_ERR_ARG);
    assert_int_equal(pm_world_load_png(tmp_path("a.png"), 4.0, NULL), PM_ERR_ARG);
    assert_int_equal(pm_world_load_png_mem(NULL, 10, 4.0, &w), PM_ERR_ARG);
    assert_null(w);
}

/* The paper track saved as an 8-bit PNG (1000 x 1000 at ppu 4) loads back with a guessed start on its bottom
 * straight (y = 20 through x = 125, the point nearest the image's bottom centre), heading +x (counter-clockwise),
 * and the pure reflex follows it from there for 20,000 steps at speed 30. */
static const float *paper_px;

static double grey_paper(int px, int py)
{
    return paper_px[(size_t)py * 1000 + px];
}

static void paper_png_gets_a_followable_start(void **state)
{
    (void)state;
    pm_world *ref = NULL, *w = NULL;
    assert_int_equal(pm_world_create_builtin("paper", 4.0, &ref), PM_OK);
    paper_px = pm_world_pixels(ref);
    assert_int_equal(write_png(tmp_path("paper.png"), PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE, 1000, 1000,
                               grey_paper), 0);
    assert_int_equal(pm_world_load_png(tmp_path("paper.png"), 4.0, &w), PM_OK);
    double x, y, h;
    assert_int_equal(pm_world_start_pose(w, &x, &y, &h), PM_OK);
    assert_float_equal(x, 125.0, 0.5);
    assert_float_equal(y, 20.0, 0.25);  /* a pixel is 0.25 units */
    assert_float_equal(h, 0.0, 0.02);
    pm_sim_config c;
    pm_sim_config_paper(&c);
    pm_sim *s = NULL;
    assert_int_equal(pm_sim_create(&c, w, &s), PM_OK);
    assert_int_equal(drive_reflex(s, 30.0, 20000), 0);
    pm_sim_destroy(s);
    pm_world_destroy(w);
    pm_world_destroy(ref);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_all_formats),
        cmocka_unit_test(png_pixel_maps_to_documented_world_point),
        cmocka_unit_test(bad_files_are_refused),
        cmocka_unit_test(paper_png_gets_a_followable_start),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
