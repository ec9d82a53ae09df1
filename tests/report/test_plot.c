/* Tests of the report figures: ticks, PNG/SVG files that open with the right size and content, bad input. */
#define _POSIX_C_SOURCE 200809L

#include <cairo.h>
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "primod/plot.h"

#define NEAR(a, b, tol) assert_true(fabs((a) - (b)) <= (tol))
#define PI 3.14159265358979323846

/* ---- fixture: a fresh temporary directory per test (kept when PRIMOD_KEEP_PLOTS is set, to look at) ---- */

typedef struct {
    char dir[64];
    char path[128];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/pm_plot_test_XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int count_files(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (!getenv("PRIMOD_KEEP_PLOTS")) {
        DIR *d = opendir(f->dir);
        struct dirent *e;
        char p[400];
        while (d && (e = readdir(d)))
            if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
                snprintf(p, sizeof p, "%s/%s", f->dir, e->d_name);
                unlink(p);
            }
        if (d)
            closedir(d);
        rmdir(f->dir);
    }
    free(f);
    return 0;
}

static const char *file_in(fixture *f, const char *name)
{
    snprintf(f->path, sizeof f->path, "%s/%s", f->dir, name);
    return f->path;
}

/* ---- PNG inspection ---------------------------------------------------------------------------------------- */

typedef struct {
    int w, h;
    long non_white;    /* pixels that are not pure white */
    int distinct;      /* distinct RGB values */
} png_info;

static int cmp_u32(const void *a, const void *b)
{
    uint32_t u = *(const uint32_t *)a, v = *(const uint32_t *)b;
    return (u > v) - (u < v);
}

/* Opens a PNG with cairo; returns the surface (caller destroys) and fills info. Fails the test if unreadable. */
static cairo_surface_t *open_png(const char *path, png_info *info)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    cairo_surface_flush(s);
    info->w = cairo_image_surface_get_width(s);
    info->h = cairo_image_surface_get_height(s);
    int stride = cairo_image_surface_get_stride(s);
    const unsigned char *data = cairo_image_surface_get_data(s);
    uint32_t *px = malloc((size_t)info->w * info->h * sizeof *px);
    assert_non_null(px);
    info->non_white = 0;
    for (int y = 0; y < info->h; y++)
        for (int x = 0; x < info->w; x++) {
            uint32_t v = ((const uint32_t *)(const void *)(data + (size_t)y * stride))[x] & 0xffffffu;
            px[(size_t)y * info->w + x] = v;
            info->non_white += v != 0xffffffu;
        }
    size_t n = (size_t)info->w * info->h;
    qsort(px, n, sizeof *px, cmp_u32);
    info->distinct = n > 0;
    for (size_t i = 1; i < n; i++)
        info->distinct += px[i] != px[i - 1];
    free(px);
    return s;
}

static void rgb_at(cairo_surface_t *s, int x, int y, int rgb[3])
{
    const unsigned char *data = cairo_image_surface_get_data(s);
    uint32_t v = ((const uint32_t *)(const void *)(data + (size_t)y * cairo_image_surface_get_stride(s)))[x];
    rgb[0] = (v >> 16) & 255;
    rgb[1] = (v >> 8) & 255;
    rgb[2] = v & 255;
}

/* Opens the PNG, checks its size and that it is a real picture (not blank), then closes it. */
static void assert_png(const char *path, int w, int h)
{
    png_info info;
    cairo_surface_t *s = open_png(path, &info);
    assert_int_equal(info.w, w);
    assert_int_equal(info.h, h);
    assert_true(info.non_white > (long)w * h / 50); /* axes, text and data cover well over 2% */
    assert_true(info.distinct >= 20);                /* antialiased text and colours, not a flat fill */
    cairo_surface_destroy(s);
}

static void assert_svg(const char *path)
{
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    char head[6] = {0};
    size_t got = fread(head, 1, 5, fp);
    fseek(fp, 0, SEEK_END);
    long size = ftell(fp);
    fclose(fp);
    assert_int_equal(got, 5);
    assert_true(strncmp(head, "<?xml", 5) == 0 || strncmp(head, "<svg", 4) == 0);
    assert_true(size > 1000);
}

/* ---- ticks ----------------------------------------------------------------------------------------------- */

static void nice_ticks_on_known_ranges(void **state)
{
    (void)state;
    double t[16], step = 0;
    int n = 0;
    /* 0..1 with 6 ticks: raw step 1/5 = 0.2 is itself nice -> 0, 0.2, ..., 1 */
    assert_int_equal(pm_plot_nice_ticks(0, 1, 6, t, 16, &n, &step), PM_OK);
    assert_int_equal(n, 6);
    NEAR(step, 0.2, 1e-15);
    for (int i = 0; i < 6; i++)
        NEAR(t[i], 0.2 * i, 1e-12);
    char buf[32];
    snprintf(buf, sizeof buf, "%g", t[3]);
    assert_string_equal(buf, "0.6"); /* label prints cleanly */
    /* 0..97: raw 97/5 = 19.4 -> next of {1,2,5} x 10 is 20 -> 0, 20, ..., 100 */
    assert_int_equal(pm_plot_nice_ticks(0, 97, 6, t, 16, &n, &step), PM_OK);
    assert_int_equal(n, 6);
    NEAR(step, 20, 0);
    NEAR(t[0], 0, 0);
    NEAR(t[5], 100, 1e-12);
    /* -3.7..12.2, 5: raw 15.9/4 = 3.975 -> 5; floor(-0.74) = -1 -> -5, ceil(2.44) = 3 -> 15: -5 0 5 10 15 */
    assert_int_equal(pm_plot_nice_ticks(-3.7, 12.2, 5, t, 16, &n, &step), PM_OK);
    assert_int_equal(n, 5);
    NEAR(t[0], -5, 1e-12);
    NEAR(t[1], 0, 0);
    NEAR(t[4], 15, 1e-12);
    /* 0.0013..0.0021, 5: raw 0.0002 -> 2e-4; 0.0012 .. 0.0022 (6 ticks) */
    assert_int_equal(pm_plot_nice_ticks(0.0013, 0.0021, 5, t, 16, &n, &step), PM_OK);
    NEAR(step, 2e-4, 1e-18);
    assert_int_equal(n, 6);
    NEAR(t[0], 0.0012, 1e-15);
    /* bad input */
    assert_int_equal(pm_plot_nice_ticks(1, 1, 6, t, 16, &n, NULL), PM_ERR_ARG);
    assert_int_equal(pm_plot_nice_ticks(2, 1, 6, t, 16, &n, NULL), PM_ERR_ARG);
    assert_int_equal(pm_plot_nice_ticks(0, NAN, 6, t, 16, &n, NULL), PM_ERR_NONFINITE);
    assert_int_equal(pm_plot_nice_ticks(0, 1, 6, t, 6, &n, NULL), PM_ERR_ARG); /* cap < max_ticks + 1 */
    assert_int_equal(pm_plot_nice_ticks(0, 1, 1, t, 16, &n, NULL), PM_ERR_ARG);
    assert_int_equal(pm_plot_nice_ticks(-1e308, 1e308, 6, t, 16, &n, NULL), PM_ERR_ARG); /* span overflows */
}

static void log_ticks_on_known_ranges(void **state)
{
    (void)state;
    double t[16];
    int n = 0;
    /* sign-rule rate sweep 1e-6..1e-1: six decades, one tick each */
    assert_int_equal(pm_plot_log_ticks(1e-6, 1e-1, 6, t, 16, &n), PM_OK);
    assert_int_equal(n, 6);
    for (int i = 0; i < 6; i++)
        NEAR(t[i] / pow(10, -6 + i), 1.0, 1e-12);
    /* 0.003..20: floor(log10 0.003) = -3, ceil(log10 20) = 2 -> 1e-3 .. 1e2 */
    assert_int_equal(pm_plot_log_ticks(0.003, 20, 6, t, 16, &n), PM_OK);
    assert_int_equal(n, 6);
    NEAR(t[0], 1e-3, 1e-15);
    NEAR(t[5], 1e2, 1e-12);
    /* 1e-9..1e9 with at most 4 (+1) ticks: 18 decades; m = 5 is the first with ceil(18/m) + 1 <= 5
     * (m = 4 gives 6): 1e-9, 1e-4, 1e1, 1e6, 1e11 */
    assert_int_equal(pm_plot_log_ticks(1e-9, 1e9, 4, t, 16, &n), PM_OK);
    assert_int_equal(n, 5);
    NEAR(t[1] / 1e-4, 1.0, 1e-12);
    NEAR(t[4] / 1e11, 1.0, 1e-12);
    assert_int_equal(pm_plot_log_ticks(0, 1, 6, t, 16, &n), PM_ERR_ARG);
    assert_int_equal(pm_plot_log_ticks(-1, 1, 6, t, 16, &n), PM_ERR_ARG);
    assert_int_equal(pm_plot_log_ticks(1, INFINITY, 6, t, 16, &n), PM_ERR_NONFINITE);
}

/* ---- track ----------------------------------------------------------------------------------------------- */

enum { TEX = 500, NPATH = 1200 };
#define PPU 2.0           /* 500 px / 2 = a 250 x 250 world */
#define RING 80.0         /* radius of the black ring line around the world centre (125, 125) */

typedef struct {
    float tex[TEX * TEX];
    double x[NPATH], y[NPATH], e[NPATH];
    double sx[146], sy[146];
} track_data;

/* A ring-shaped line (2.75 units wide) and a path along 90% of it, anticlockwise, with a decaying wobble. */
static track_data *make_track(void)
{
    track_data *d = malloc(sizeof *d);
    assert_non_null(d);
    for (int r = 0; r < TEX; r++)
        for (int c = 0; c < TEX; c++) {
            double wx = (c + 0.5) / PPU - 125, wy = (TEX - r - 0.5) / PPU - 125; /* row 0 = top */
            d->tex[r * TEX + c] = fabs(hypot(wx, wy) - RING) < 1.375 ? 0.0f : 1.0f;
        }
    for (int i = 0; i < NPATH; i++) {
        double a = 1.8 * PI * i / NPATH, rad = RING + 4 * sin(7 * a) * exp(-3.0 * i / NPATH);
        d->x[i] = 125 + rad * cos(a);
        d->y[i] = 125 + rad * sin(a);
        d->e[i] = fabs(4 * sin(7 * a)) * exp(-3.0 * i / NPATH);
    }
    d->sx[0] = d->sx[1] = 10; /* reflex pair (SPEC §6) */
    d->sy[0] = 5;
    d->sy[1] = -5;
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < 48; k++) {
            d->sx[2 + r * 48 + k] = 11 + r;
            d->sy[2 + r * 48 + k] = -5.875 + 0.25 * k;
        }
    return d;
}

static pm_plot_track_spec track_spec(const track_data *d)
{
    return (pm_plot_track_spec){.pixels = d->tex, .tex_w = TEX, .tex_h = TEX, .ppu = PPU, .x = d->x, .y = d->y,
                                .n = NPATH, .title = "test track"};
}

static void track_png_has_world_start_and_path(void **state)
{
    fixture *f = *state;
    track_data *d = make_track();
    pm_plot_track_spec s = track_spec(d);
    s.value = d->e;
    s.value_label = "|E|";
    s.show_robot = 1;
    s.sensor_x = d->sx;
    s.sensor_y = d->sy;
    s.n_sensors = 146;
    const char *path = file_in(f, "track.png");
    assert_int_equal(pm_plot_track(path, &s), PM_OK);
    /* width 900: world drawn 700 px wide, 2.8 px per unit; height ceil(250 * 2.8 + 102) = 802 */
    assert_png(path, 900, 802);
    png_info info;
    cairo_surface_t *img = open_png(path, &info);
    int rgb[3];
    /* start pose (205, 125) -> px (70 + 205 * 2.8, 46 + (250 - 125) * 2.8) = (644, 396): the green marker */
    rgb_at(img, 644, 396, rgb);
    assert_true(rgb[1] > rgb[0] + 40 && rgb[1] > rgb[2] + 40);
    /* world centre (125, 125) -> (420, 396): white ground, far from line and path */
    rgb_at(img, 420, 396, rgb);
    assert_true(rgb[0] > 245 && rgb[1] > 245 && rgb[2] > 245);
    /* a point of the path, i = 300 -> px (70 + 2.8 x, 46 + 2.8 (250 - y)): path colour (not grey, not white) */
    rgb_at(img, (int)lround(70 + 2.8 * d->x[300]), (int)lround(46 + 2.8 * (250 - d->y[300])), rgb);
    assert_false(rgb[0] == rgb[1] && rgb[1] == rgb[2]);
    cairo_surface_destroy(img);
    free(d);
}

static void track_by_time_and_svg(void **state)
{
    fixture *f = *state;
    track_data *d = make_track();
    pm_plot_track_spec s = track_spec(d);
    s.dt = 0.03;
    s.width = 600;
    const char *png = file_in(f, "track_time.png");
    assert_int_equal(pm_plot_track(png, &s), PM_OK);
    assert_png(png, 600, 502); /* world 400 px wide -> 1.6 px/unit; 400 + 102 */
    const char *svg = file_in(f, "track.SVG");
    assert_int_equal(pm_plot_track(svg, &s), PM_OK);
    assert_svg(svg);
    free(d);
}

/* ---- charts ---------------------------------------------------------------------------------------------- */

static void timeseries_two_panels(void **state)
{
    fixture *f = *state;
    enum { N = 600 };
    static double e_reflex[N], e_learn[N], steer[N];
    for (int i = 0; i < N; i++) {
        e_reflex[i] = sin(i * 0.05);
        e_learn[i] = sin(i * 0.05) * exp(-i / 150.0);
        steer[i] = 30 * cos(i * 0.05) * exp(-i / 300.0);
    }
    pm_plot_series top[2] = {{"reflex only", NULL, e_reflex, N}, {"learning", NULL, e_learn, N}};
    pm_plot_series bottom[1] = {{"steering", NULL, steer, N}};
    pm_plot_panel panels[2] = {{"E(n)", top, 2}, {"steering (units/s)", bottom, 1}};
    pm_plot_timeseries_spec s = {.panels = panels, .n_panels = 2, .dx = 0.03, .xlabel = "time (s)",
                                 .title = "E and steering"};
    const char *path = file_in(f, "timeseries.png");
    assert_int_equal(pm_plot_timeseries(path, &s), PM_OK);
    assert_png(path, 900, 520); /* defaults: 900 x (120 + 200 * 2) */
    assert_int_equal(pm_plot_timeseries(file_in(f, "timeseries.svg"), &s), PM_OK);
    assert_svg(f->path);
}

static void long_series_keep_their_spikes(void **state)
{
    fixture *f = *state;
    enum { N = 20000 }; /* > 4 samples per pixel column: merged to first/min/max/last per column */
    static double y[N];
    for (int i = 0; i < N; i++)
        y[i] = 0;
    y[12345] = 1;
    pm_plot_series s = {"spike", NULL, y, N};
    pm_plot_panel p = {"E", &s, 1};
    pm_plot_timeseries_spec ts = {.panels = &p, .n_panels = 1, .height = 320};
    const char *path = file_in(f, "spike.png");
    assert_int_equal(pm_plot_timeseries(path, &ts), PM_OK);
    png_info info;
    cairo_surface_t *img = open_png(path, &info);
    /* plot area x: 84 .. 876 (900 - 84 - 24 = 792 px); ticks 0..20000 step 5000 padded by 3% (600):
     * px(12345) = 84 + (12345 + 600) / 21200 * 792 = 567.6. y: 0..1 padded -> px(0.5) = 46 + 212 / 2 = 152 */
    int hit = 0, rgb[3];
    for (int x = 563; x <= 572; x++) {
        rgb_at(img, x, 152, rgb);
        hit |= rgb[2] > rgb[0] + 60; /* the blue line, not grey grid or white */
    }
    assert_true(hit);
    rgb_at(img, 300, 120, rgb); /* elsewhere at that height: background */
    assert_true(rgb[0] > 240 && rgb[2] > 240);
    cairo_surface_destroy(img);
}

static void weight_distance_per_layer(void **state)
{
    fixture *f = *state;
    enum { NS = 200, NL = 11 };
    static double dist[NS * NL];
    for (int i = 0; i < NS; i++)
        for (int l = 0; l < NL; l++)
            dist[i * NL + l] = (1 + l) * 0.01 * sqrt((double)i);
    pm_plot_weight_distance_spec s = {.dist = dist, .n_samples = NS, .n_layers = NL, .dx = 10,
                                      .title = "weight distance"};
    const char *path = file_in(f, "wdist.png");
    assert_int_equal(pm_plot_weight_distance(path, &s), PM_OK);
    assert_png(path, 900, 600);
    dist[0] = 0; /* log axis refuses zero */
    s.log_y = 1;
    assert_int_equal(pm_plot_weight_distance(file_in(f, "wdist_log.png"), &s), PM_ERR_ARG);
    assert_int_equal(access(f->path, F_OK), -1);
}

static void first_layer_marks_the_strong_input(void **state)
{
    fixture *f = *state;
    enum { NN = 10, NSIG = 144, NF = 5, STRIDE = NSIG * NF + 1 };
    static double w[NN * STRIDE];
    for (int j = 0; j < NN; j++)
        for (int i = 0; i < STRIDE; i++)
            w[j * STRIDE + i] = 0.0;
    for (int j = 0; j < NN; j++) {
        w[j * STRIDE + 5 * NF + 2] = j % 2 ? 0.1 : -0.1; /* predictor 5 (row 0, column 5), filter 3 */
        w[j * STRIDE + STRIDE - 1] = 99.0;                /* a bias column that must be ignored */
    }
    pm_plot_first_layer_spec s = {.w = w, .n_neurons = NN, .stride = STRIDE, .n_signals = NSIG, .n_filters = NF,
                                  .rows = 3, .row_len = 48, .title = "first layer"};
    const char *path = file_in(f, "first_layer.png");
    assert_int_equal(pm_plot_first_layer(path, &s), PM_OK);
    png_info info;
    cairo_surface_t *img = open_png(path, &info);
    assert_int_equal(info.w, 900);
    /* layout: 770 px for images; one column wins (cell 770/48 = 16.04 px; two columns would give 7.9 px);
     * image height 3 * 16.04 = 48.1; each image takes 48.1 + 18 (label) + 14 (gap) = 80.1 px.
     * Cell (row 0, col 5) of filter 3 (k = 2): x = 20 + 5.5 * 16.04 = 108, y = 46 + 2 * 80.1 + 18 + 8 = 232 */
    int rgb[3];
    rgb_at(img, 108, 232, rgb);
    assert_true(rgb[0] < 30); /* the maximum: black */
    rgb_at(img, 108, 72, rgb); /* same cell of filter 1 (y = 46 + 18 + 8): zero weight, white */
    assert_true(rgb[0] > 225);
    rgb_at(img, 108 + 3 * 16, 232, rgb); /* neighbour three cells right in filter 3: white */
    assert_true(rgb[0] > 225);
    /* height: 46 + 5 * 80.1 + 64 = 510.6 -> 511 */
    assert_int_equal(info.h, 511);
    cairo_surface_destroy(img);
    /* robot layout: 48 predictors as 8 rows x 6 cells, 5 taps; several columns of images */
    static double wr[10 * 240];
    for (int i = 0; i < 10 * 240; i++)
        wr[i] = sin(i * 0.37);
    pm_plot_first_layer_spec r = {.w = wr, .n_neurons = 10, .n_signals = 48, .n_filters = 5, .rows = 8,
                                  .row_len = 6};
    assert_int_equal(pm_plot_first_layer(file_in(f, "first_layer_robot.png"), &r), PM_OK);
    assert_int_equal(access(f->path, F_OK), 0);
    r.rows = 7; /* 7 x 6 != 48 */
    assert_int_equal(pm_plot_first_layer(file_in(f, "bad.png"), &r), PM_ERR_ARG);
}

static void boxes_of_success_steps(void **state)
{
    fixture *f = *state;
    const double bp[8] = {1200, 1500, 1320, 2100, 980, 1410, 1700, 5000};
    const double pm[6] = {400, 420, 399, 460, 510, 430};
    const double one[1] = {900};
    pm_plot_group g[3] = {{"BP 0.1", bp, 8}, {"P&M 1e-5", pm, 6}, {"single", one, 1}};
    pm_plot_boxes_spec s = {.groups = g, .n_groups = 3, .title = "success step per rule"};
    const char *path = file_in(f, "boxes.png");
    assert_int_equal(pm_plot_boxes(path, &s), PM_OK);
    assert_png(path, 500, 600); /* max(500, 3 * 140) x 600 */
    assert_int_equal(pm_plot_boxes(file_in(f, "boxes.svg"), &s), PM_OK);
    assert_svg(f->path);
}

static void xy_with_log_x(void **state)
{
    fixture *f = *state;
    const double rate[6] = {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1};
    const double bp[6] = {3000, 2500, 1200, 800, 650, 900}, pmr[6] = {2800, 900, 450, 420, 700, 3000};
    pm_plot_series s[2] = {{"BP", rate, bp, 6}, {"P&M", rate, pmr, 6}};
    pm_plot_xy_spec spec = {.series = s, .n_series = 2, .xlabel = "learning rate", .ylabel = "success step",
                            .log_x = 1, .markers = 1, .title = "rate sweep", .width = 640, .height = 480};
    const char *path = file_in(f, "xy.png");
    assert_int_equal(pm_plot_xy(path, &spec), PM_OK);
    assert_png(path, 640, 480);
    double impulse[50];
    for (int i = 0; i < 50; i++)
        impulse[i] = exp(-i / 8.0) * sin(i / 2.0);
    pm_plot_series one = {"impulse", NULL, impulse, 50};
    pm_plot_xy_spec lin = {.series = &one, .n_series = 1, .xlabel = "step", .ylabel = "y(n)"};
    assert_int_equal(pm_plot_xy(file_in(f, "impulse.png"), &lin), PM_OK);
    assert_png(f->path, 800, 600);
}

/* ---- bad input ------------------------------------------------------------------------------------------- */

static void bad_input_leaves_no_file(void **state)
{
    fixture *f = *state;
    double y[4] = {1, 2, NAN, 4}, x[4] = {0, 1, 2, 3};
    pm_plot_series s = {"s", x, y, 4};
    pm_plot_xy_spec spec = {.series = &s, .n_series = 1};
    assert_int_equal(pm_plot_xy(file_in(f, "nan.png"), &spec), PM_ERR_NONFINITE);
    y[2] = 3;
    s.n = 0;
    assert_int_equal(pm_plot_xy(file_in(f, "empty.png"), &spec), PM_ERR_ARG);
    s.n = 4;
    assert_int_equal(pm_plot_xy(file_in(f, "plot.pdf"), &spec), PM_ERR_ARG);
    assert_int_equal(pm_plot_xy(NULL, &spec), PM_ERR_ARG);
    assert_int_equal(pm_plot_xy(file_in(f, "null.png"), NULL), PM_ERR_ARG);
    x[0] = 0; /* log x needs x > 0 */
    spec.log_x = 1;
    assert_int_equal(pm_plot_xy(file_in(f, "logzero.png"), &spec), PM_ERR_ARG);
    spec.log_x = 0;
    x[0] = -1e308; /* x span overflows a double: no scale can be drawn */
    x[3] = 1e308;
    assert_int_equal(pm_plot_xy(file_in(f, "huge.png"), &spec), PM_ERR_ARG);
    x[0] = 0;
    x[3] = 3;
    spec.width = 50;
    assert_int_equal(pm_plot_xy(file_in(f, "tiny.png"), &spec), PM_ERR_ARG);
    spec.width = 0;
    assert_int_equal(pm_plot_xy("/nonexistent_dir_pm/x.png", &spec), PM_ERR_IO);
    assert_int_equal(pm_plot_xy("/nonexistent_dir_pm/x.svg", &spec), PM_ERR_IO);

    const double ok[3] = {1, 2, 3}, bad[3] = {1, INFINITY, 3};
    pm_plot_group g[2] = {{"a", ok, 3}, {"b", bad, 3}};
    pm_plot_boxes_spec b = {.groups = g, .n_groups = 2};
    assert_int_equal(pm_plot_boxes(file_in(f, "boxes_inf.svg"), &b), PM_ERR_NONFINITE);
    g[1] = (pm_plot_group){"b", ok, 0};
    assert_int_equal(pm_plot_boxes(file_in(f, "boxes_empty.png"), &b), PM_ERR_ARG);

    pm_plot_panel p = {"E", &s, 1};
    pm_plot_timeseries_spec ts = {.panels = &p, .n_panels = 1, .dx = NAN};
    assert_int_equal(pm_plot_timeseries(file_in(f, "ts.png"), &ts), PM_ERR_NONFINITE);

    track_data *d = make_track();
    pm_plot_track_spec t = track_spec(d);
    d->tex[1234] = NAN;
    assert_int_equal(pm_plot_track(file_in(f, "track_nan.png"), &t), PM_ERR_NONFINITE);
    d->tex[1234] = 1;
    t.n = 0;
    assert_int_equal(pm_plot_track(file_in(f, "track_empty.png"), &t), PM_ERR_ARG);
    t.n = NPATH;
    t.ppu = 0;
    assert_int_equal(pm_plot_track(file_in(f, "track_ppu.png"), &t), PM_ERR_ARG);
    t.ppu = PPU;
    d->y[10] = NAN;
    assert_int_equal(pm_plot_track(file_in(f, "track_nan_path.svg"), &t), PM_ERR_NONFINITE);
    d->y[10] = 0;
    t.n_sensors = 3; /* sensors announced but arrays missing */
    assert_int_equal(pm_plot_track(file_in(f, "track_sensors.png"), &t), PM_ERR_ARG);

    /* nothing at all (no target, no temp file) was left in the directory */
    assert_int_equal(count_files(f->dir), 0);

    /* a failing call does not clobber an existing picture */
    t.n_sensors = 0;
    const char *keep = file_in(f, "keep.png");
    assert_int_equal(pm_plot_track(keep, &t), PM_OK);
    struct stat before, after;
    assert_int_equal(stat(keep, &before), 0);
    t.n = 0;
    assert_int_equal(pm_plot_track(keep, &t), PM_ERR_ARG);
    assert_int_equal(stat(keep, &after), 0);
    assert_true(before.st_size == after.st_size && before.st_ino == after.st_ino);
    assert_int_equal(count_files(f->dir), 1);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(nice_ticks_on_known_ranges),
        cmocka_unit_test(log_ticks_on_known_ranges),
        cmocka_unit_test_setup_teardown(track_png_has_world_start_and_path, setup, teardown),
        cmocka_unit_test_setup_teardown(track_by_time_and_svg, setup, teardown),
        cmocka_unit_test_setup_teardown(timeseries_two_panels, setup, teardown),
        cmocka_unit_test_setup_teardown(long_series_keep_their_spikes, setup, teardown),
        cmocka_unit_test_setup_teardown(weight_distance_per_layer, setup, teardown),
        cmocka_unit_test_setup_teardown(first_layer_marks_the_strong_input, setup, teardown),
        cmocka_unit_test_setup_teardown(boxes_of_success_steps, setup, teardown),
        cmocka_unit_test_setup_teardown(xy_with_log_x, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_input_leaves_no_file, setup, teardown),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    cairo_debug_reset_static_data(); /* frees cairo's font caches, so leak checkers see only our memory */
    return failed;
}
