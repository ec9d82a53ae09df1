/* Tests of PNG tracks: round trips through libpng in every colour type, pixel/world mapping, bad files. */
#define _POSIX_C_SOURCE 200809L
#include <png.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
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
    const char *names[] = {"a.png",   "trunc.png", "text.png", "white.png", "black.png", "empty.png",
                           "paper.png", "alpha.png", "huge.png", "fifo.png", "sparse.png"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        unlink(tmp_path(names[i]));
    rmdir(tmp_path("dir.png"));
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


/* ---- hostile input, round two (issue 13) ------------------------------------------------------------------------ */

/* Writes a W x H 8-bit image of colour type color from raw samples: sample(px, py, c) for each channel; palette
 * (n_pal entries) and tRNS (n_trns alphas, palette or grey) when given. */
typedef unsigned (*sample_fn)(int px, int py, int c);

static int write_raw_png(const char *path, int color, int channels, sample_fn sample, const png_color *pal, int n_pal,
                         const unsigned char *trns, int n_trns, const png_color_16 *trns_grey)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    unsigned char row[W * 4];
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        fclose(f);
        return -1;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, W, H, 8, color, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (pal)
        png_set_PLTE(png, info, pal, n_pal);
    if (trns || trns_grey)
        png_set_tRNS(png, info, trns, n_trns, trns_grey);
    png_write_info(png, info);
    for (int py = 0; py < H; py++) {
        for (int px = 0; px < W; px++)
            for (int c = 0; c < channels; c++)
                row[px * channels + c] = (unsigned char)sample(px, py, c);
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return fclose(f);
}

/* The image of the transparency tests: fully transparent black ground (colour 0, alpha 0: what drawing programs
 * store), the opaque black marks of dark_marks, and at (20, 10) black at alpha 128. */
static unsigned alpha_of(int px, int py)
{
    return dark_marks(px, py) ? 255u : (px == 20 && py == 10) ? 128u : 0u;
}

static unsigned rgba_sample(int px, int py, int c)
{
    return c == 3 ? alpha_of(px, py) : 0u;
}

static unsigned ga_sample(int px, int py, int c)
{
    return c == 1 ? alpha_of(px, py) : 0u;
}

/* palette: index 0 opaque black (line), 1 transparent black (ground), 2 black at alpha 128 */
static unsigned pal_sample(int px, int py, int c)
{
    (void)c;
    return dark_marks(px, py) ? 0u : (px == 20 && py == 10) ? 2u : 1u;
}

/* grey + tRNS: grey 200 is the transparent colour; the marks are 0 (opaque black) */
static unsigned grey_trns_sample(int px, int py, int c)
{
    (void)c;
    return dark_marks(px, py) ? 0u : 200u;
}

/* A dark line on a transparent background is a track (issue 13): transparency, from an alpha channel or a tRNS
 * chunk, is composited over white. Expected greys follow from "over white" alone: g a / 255 + (1 - a / 255), so
 * opaque black 0, transparent 1, black at alpha 128: 127/255. */
static void transparent_ground_is_white(void **state)
{
    (void)state;
    const png_color pal[3] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
    const unsigned char pal_alpha[3] = {255, 0, 128};
    const png_color_16 grey_key = {0, 0, 0, 0, 200};
    for (int k = 0; k < 4; k++) {
        int ok = k == 0   ? write_raw_png(tmp_path("alpha.png"), PNG_COLOR_TYPE_RGB_ALPHA, 4, rgba_sample, NULL, 0,
                                          NULL, 0, NULL)
                 : k == 1 ? write_raw_png(tmp_path("alpha.png"), PNG_COLOR_TYPE_GRAY_ALPHA, 2, ga_sample, NULL, 0,
                                          NULL, 0, NULL)
                 : k == 2 ? write_raw_png(tmp_path("alpha.png"), PNG_COLOR_TYPE_PALETTE, 1, pal_sample, pal, 3,
                                          pal_alpha, 3, NULL)
                          : write_raw_png(tmp_path("alpha.png"), PNG_COLOR_TYPE_GRAY, 1, grey_trns_sample, NULL, 0,
                                          NULL, 0, &grey_key);
        assert_int_equal(ok, 0);
        pm_world *w = NULL;
        assert_int_equal(pm_world_load_png(tmp_path("alpha.png"), 4.0, &w), PM_OK);
        const float *g = pm_world_pixels(w);
        for (int py = 0; py < H; py++)
            for (int px = 0; px < W; px++) {
                float want = dark_marks(px, py) ? 0.0f : 1.0f;
                if (px == 20 && py == 10 && k < 3)
                    want = 127.0f / 255.0f;
                else if (px == 20 && py == 10)
                    want = 1.0f;  /* grey + tRNS has no partial transparency: the grey-200 key is transparent */
                assert_float_equal(g[py * W + px], want, 1e-6);
            }
        pm_world_destroy(w);
    }
}

/* Bit-by-bit CRC-32 (PNG's polynomial 0xEDB88320), independent of the library's and zlib's. */
static uint32_t crc32_bits(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int b = 0; b < 8; b++)
            c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
    }
    return c ^ 0xffffffffu;
}

static void be32_put(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16), p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* A PNG whose IHDR declares w x h 8-bit grey, followed by one tiny IDAT (a stored zlib stream of 2 bytes: the first
 * row's filter byte and one sample) and IEND: a few dozen bytes claiming a huge image. Returns the length. */
static size_t huge_header_png(unsigned char *b, uint32_t w, uint32_t h)
{
    static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    memcpy(b, sig, 8);
    size_t n = 8;
    be32_put(b + n, 13);
    memcpy(b + n + 4, "IHDR", 4);
    be32_put(b + n + 8, w);
    be32_put(b + n + 12, h);
    const unsigned char rest[5] = {8, 0, 0, 0, 0};  /* depth 8, grey, deflate, filter 0, no interlace */
    memcpy(b + n + 16, rest, 5);
    be32_put(b + n + 21, crc32_bits(b + n + 4, 17));
    n += 25;
    const unsigned char z[] = {0x78, 0x01, 0x01, 0x02, 0x00, 0xfd, 0xff, 0x00, 0xff}; /* stored block, no adler */
    be32_put(b + n, sizeof z);
    memcpy(b + n + 4, "IDAT", 4);
    memcpy(b + n + 8, z, sizeof z);
    be32_put(b + n + 8 + sizeof z, crc32_bits(b + n + 4, 4 + sizeof z));
    n += 12 + sizeof z;
    be32_put(b + n, 0);
    memcpy(b + n + 4, "IEND", 4);
    be32_put(b + n + 8, crc32_bits(b + n + 4, 4));
    return n + 12;
}

/* Dimensions are checked from the header before anything is allocated for the image: a tiny file declaring
 * 16384 x 16384 (at the side limit, but 3 GiB of texture and map, over the 1 GiB budget) or 16385 x 1 (over the
 * side limit) is refused at once with PM_ERR_LIMIT and a message stating the size and the limit. */
static void huge_dimensions_are_refused_from_the_header(void **state)
{
    (void)state;
    unsigned char b[128];
    char msg[256] = "";
    pm_setup opt = {.detail = msg, .detail_size = sizeof msg};
    pm_world *w = NULL;
    size_t n = huge_header_png(b, 16384, 16384);
    assert_int_equal(pm_world_load_png_mem(b, n, 4.0, &w), PM_ERR_LIMIT);
    assert_int_equal(pm_world_load_png_mem_ex(b, n, 4.0, &opt, &w), PM_ERR_LIMIT);
    assert_non_null(strstr(msg, "16384 x 16384 px"));
    assert_non_null(strstr(msg, "1024 MiB budget"));
    write_bytes(tmp_path("huge.png"), b, n);
    assert_int_equal(pm_world_load_png_ex(tmp_path("huge.png"), 4.0, &opt, &w), PM_ERR_LIMIT);
    assert_non_null(strstr(msg, tmp_path("huge.png")));  /* the file is named */
    n = huge_header_png(b, 16385, 1);
    assert_int_equal(pm_world_load_png_mem_ex(b, n, 4.0, &opt, &w), PM_ERR_LIMIT);
    assert_non_null(strstr(msg, "16385 x 1 px, over the limit of 16384 px a side"));
    /* a raised budget lets the header through: the tiny IDAT then fails as truncated data, still no 1 GiB read */
    n = huge_header_png(b, 4000, 4000);
    assert_int_equal(pm_world_load_png_mem_ex(b, n, 4.0, &opt, &w), PM_ERR_FORMAT);
    assert_non_null(strstr(msg, "damaged or truncated PNG"));
    assert_null(w);
}

/* Each kind of failure has its own message (issue 13: not "damaged, too large, or no dark line" for all). */
static void failures_have_specific_messages(void **state)
{
    (void)state;
    char msg[512] = "";
    pm_setup opt = {.detail = msg, .detail_size = sizeof msg};
    pm_world *w = NULL;
    assert_int_equal(pm_world_load_png_ex(tmp_path("missing.png"), 4.0, &opt, &w), PM_ERR_IO);
    assert_non_null(strstr(msg, "missing.png: cannot open: No such file"));
    const char text[] = "this is not a PNG file at all\n";
    write_bytes(tmp_path("text.png"), text, sizeof text - 1);
    assert_int_equal(pm_world_load_png_ex(tmp_path("text.png"), 4.0, &opt, &w), PM_ERR_FORMAT);
    assert_non_null(strstr(msg, "text.png: not a PNG file"));
    assert_int_equal(write_png(tmp_path("a.png"), PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE, W, H, grey_marks), 0);
    static unsigned char buf[65536];
    FILE *f = fopen(tmp_path("a.png"), "rb");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    buf[n / 2] ^= 0x5a;
    assert_int_equal(pm_world_load_png_mem_ex(buf, n, 4.0, &opt, &w), PM_ERR_FORMAT);
    assert_non_null(strstr(msg, "damaged or truncated PNG"));
    assert_int_equal(write_png(tmp_path("white.png"), PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE, W, H, grey_none), 0);
    assert_int_equal(pm_world_load_png_ex(tmp_path("white.png"), 4.0, &opt, &w), PM_ERR_FORMAT);
    assert_non_null(strstr(msg, "no dark line"));
    assert_int_equal(write_png(tmp_path("black.png"), PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE, W, H, grey_all), 0);
    assert_int_equal(pm_world_load_png_ex(tmp_path("black.png"), 4.0, &opt, &w), PM_ERR_FORMAT);
    assert_non_null(strstr(msg, "no light ground"));
    /* success leaves the message alone */
    strcpy(msg, "untouched");
    assert_int_equal(pm_world_load_png_ex(tmp_path("a.png"), 4.0, &opt, &w), PM_OK);
    assert_string_equal(msg, "untouched");
    pm_world_destroy(w);
}

/* Only regular files of at most PM_WORLD_MAX_PNG_FILE bytes are read: a directory and a FIFO are refused at once
 * (the FIFO used to block forever waiting for a writer; alarm turns a hang into a failure), a 300 MiB sparse file
 * is refused from its size without reading it. */
static void only_bounded_regular_files_are_read(void **state)
{
    (void)state;
    char msg[512] = "";
    pm_setup opt = {.detail = msg, .detail_size = sizeof msg};
    pm_world *w = NULL;
    assert_int_equal(mkdir(tmp_path("dir.png"), 0700), 0);
    assert_int_equal(pm_world_load_png_ex(tmp_path("dir.png"), 4.0, &opt, &w), PM_ERR_IO);
    assert_non_null(strstr(msg, "not a regular file"));
    assert_int_equal(mkfifo(tmp_path("fifo.png"), 0600), 0);
    alarm(20);
    assert_int_equal(pm_world_load_png(tmp_path("fifo.png"), 4.0, &w), PM_ERR_IO);
    assert_int_equal(pm_world_load_png_ex(tmp_path("fifo.png"), 4.0, &opt, &w), PM_ERR_IO);
    alarm(0);
    assert_non_null(strstr(msg, "fifo.png: not a regular file"));
    unsigned char b[128];
    size_t n = huge_header_png(b, 100, 100);
    write_bytes(tmp_path("sparse.png"), b, n);
    assert_int_equal(truncate(tmp_path("sparse.png"), 300L << 20), 0);  /* sparse: costs no disk */
    assert_int_equal(pm_world_load_png(tmp_path("sparse.png"), 4.0, &w), PM_ERR_LIMIT);
    assert_int_equal(pm_world_load_png_ex(tmp_path("sparse.png"), 4.0, &opt, &w), PM_ERR_LIMIT);
    assert_non_null(strstr(msg, "over the 256 MiB limit for PNG tracks"));
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
        cmocka_unit_test(transparent_ground_is_white),
        cmocka_unit_test(huge_dimensions_are_refused_from_the_header),
        cmocka_unit_test(failures_have_specific_messages),
        cmocka_unit_test(only_bounded_regular_files_are_read),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
