/* Issue 13: plots are checked by where their data pixels are, not only by size and colour count: a curve of
 * known shape must pass through the pixels its values map to (linear axes: pixel = a + b * value). */
#define _DEFAULT_SOURCE /* mkstemps */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cairo.h>
#include <cmocka.h>

#include "primod/plot.h"

/* A pixel of a series colour: clearly saturated (grid, axes, text and background are grey levels). */
static int coloured(const unsigned char *p)
{
    int b = p[0], g = p[1], r = p[2];   /* cairo ARGB32, little-endian: B G R A */
    int mx = r > g ? (r > b ? r : b) : (g > b ? g : b), mn = r < g ? (r < b ? r : b) : (g < b ? g : b);
    return mx - mn > 40;   /* the weight plot's mid-depth brown (127, 83, 76) differs by 51 */
}

/* Mean row of the coloured pixels in column x, or -1 if there is none. */
static double curve_row(cairo_surface_t *s, int x)
{
    const unsigned char *d = cairo_image_surface_get_data(s);
    int stride = cairo_image_surface_get_stride(s), h = cairo_image_surface_get_height(s);
    double sum = 0;
    int n = 0;
    for (int y = 0; y < h; y++)
        if (coloured(d + (size_t)y * stride + 4 * x))
            sum += y, n++;
    return n ? sum / n : -1;
}

/* y = x^2 on x = 0..100 (no legend: label NULL). The leftmost and rightmost coloured columns are x = 0 and 100;
 * at the column a quarter of the way (x = 25) the curve must be 1/16 of the way up from y(0) to y(100), at the
 * middle (x = 50) 1/4 of the way: the data pixels lie where the values put them. */
static void test_xy_curve_pixels(void **state)
{
    (void)state;
    enum { N = 101 };
    double x[N], y[N];
    for (int i = 0; i < N; i++)
        x[i] = i, y[i] = (double)i * i;
    pm_plot_series s = {NULL, x, y, N};
    pm_plot_xy_spec spec = {.series = &s, .n_series = 1, .xlabel = "x", .ylabel = "x^2", .width = 800,
                            .height = 600};
    char path[] = "/tmp/primod-plot-pixels-XXXXXX.png";
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(pm_plot_xy(path, &spec), PM_OK);
    cairo_surface_t *img = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    cairo_surface_flush(img);
    int w = cairo_image_surface_get_width(img), left = -1, right = -1;
    for (int c = 0; c < w; c++)
        if (curve_row(img, c) >= 0) {
            if (left < 0)
                left = c;
            right = c;
        }
    assert_true(left > 0 && right > left + 400);   /* the curve spans most of the 800 px width */
    double y0 = curve_row(img, left + 1), y1 = curve_row(img, right - 1), span = y1 - y0;
    assert_true(span < -300);                      /* rising data go up the picture */
    double q = left + 0.25 * (right - left), m = left + 0.5 * (right - left);
    assert_true(fabs(curve_row(img, (int)lround(q)) - (y0 + span / 16)) < 3);
    assert_true(fabs(curve_row(img, (int)lround(m)) - (y0 + span / 4)) < 3);
    /* three quarters: 9/16 of the way */
    assert_true(fabs(curve_row(img, (int)lround(left + 0.75 * (right - left))) - (y0 + span * 9 / 16)) < 3);
    cairo_surface_destroy(img);
    remove(path);
}

/* The per-layer weight distance plot: at the last sample layer l holds (1 + l) c, so the 11 line ends are evenly
 * spaced in height, layer 11 highest. */
static void test_weight_distance_line_ends(void **state)
{
    (void)state;
    enum { NS = 50, NL = 3 };
    static double dist[NS * NL];
    for (int i = 0; i < NS; i++)
        for (int l = 0; l < NL; l++)
            dist[i * NL + l] = (1 + l) * 0.5;   /* flat lines at 0.5, 1.0, 1.5 */
    pm_plot_weight_distance_spec s = {.dist = dist, .n_samples = NS, .n_layers = NL, .dx = 1, .title = "w"};
    char path[] = "/tmp/primod-plot-wd-XXXXXX.png";
    int fd = mkstemps(path, 4);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(pm_plot_weight_distance(path, &s), PM_OK);
    cairo_surface_t *img = cairo_image_surface_create_from_png(path);
    assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
    /* in a column at 40% of the width (inside the plot, clear of the legend at the top right) the coloured rows
     * form three runs: the three flat lines, evenly spaced */
    const unsigned char *d = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img), h = cairo_image_surface_get_height(img);
    int x = (int)(0.4 * cairo_image_surface_get_width(img));
    double rows[8];
    int n = 0, in = 0;
    double sum = 0;
    int cnt = 0;
    for (int y = 0; y < h; y++) {
        int c = coloured(d + (size_t)y * stride + 4 * x);
        if (c)
            sum += y, cnt++;
        if (in && !c && n < 8)
            rows[n++] = sum / cnt, sum = 0, cnt = 0;
        in = c;
    }
    assert_int_equal(n, 3);
    assert_true(rows[0] < rows[1] && rows[1] < rows[2]);              /* 1.5 on top, then 1.0, then 0.5 */
    assert_true(fabs((rows[1] - rows[0]) - (rows[2] - rows[1])) < 2); /* equal steps of 0.5 */
    cairo_surface_destroy(img);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xy_curve_pixels),
        cmocka_unit_test(test_weight_distance_line_ends),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    cairo_debug_reset_static_data();
    return failed;
}
