/* Tests of the camera predictor grid and its curvature relevance on synthetic images with the line at known places. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "primod/grid.h"

#define W 640
#define H 480
static uint8_t img[H * W];

static void fill(uint8_t v) { memset(img, v, sizeof img); }

static void rect(int x0, int x1, int y0, int y1, uint8_t v)
{
    for (int y = y0; y < y1; y++)
        for (int x = x0; x < x1; x++)
            img[y * W + x] = v;
}

/* Paper band: x 20..620, y 340..460, centre x = 320, half 300 -> 6 cells of 50 px; 8 rows of 15 px, row 0 = y 445..460. */

static void paper_config_shape(void **state)
{
    (void)state;
    pm_grid_config c;
    pm_grid_config_paper(&c);
    assert_int_equal(pm_grid_check(&c), PM_OK);
    assert_int_equal(pm_grid_n_predictors(&c), 48); /* SPEC §7: 8 rows x 6 cells */
    assert_int_equal(c.band_w, 600);
    assert_int_equal(c.band_h, 120);
}

static void white_image_gives_zero(void **state)
{
    (void)state;
    pm_grid_config c;
    pm_grid_config_paper(&c);
    fill(255);
    double p[48];
    assert_int_equal(pm_grid_compute(&c, img, p), PM_OK);
    for (int i = 0; i < 48; i++)
        assert_true(p[i] == 0.0);
    /* a symmetric picture (line straight down the centre) also gives zero: left and right mirror */
    rect(310, 330, 0, H, 0);
    assert_int_equal(pm_grid_compute(&c, img, p), PM_OK);
    for (int i = 0; i < 48; i++)
        assert_true(fabs(p[i]) < 1e-15);
}

static void vertical_line_left_and_right(void **state)
{
    (void)state;
    pm_grid_config c;
    pm_grid_config_paper(&c);
    double p[48];
    /* black line x 220..240: 80..100 px left of the centre -> left cell 1 (50..100 px), darkness 20/50 = 0.4,
     * predictor 0.1 * 0.4 = 0.04 in every row; all other cells 0 */
    fill(255);
    rect(220, 240, 0, H, 0);
    assert_int_equal(pm_grid_compute(&c, img, p), PM_OK);
    for (int r = 0; r < 8; r++)
        for (int k = 0; k < 6; k++)
            assert_float_equal(p[r * 6 + k], k == 1 ? 0.04 : 0.0, 1e-12);
    /* mirror image x 400..420 (80..100 px right) -> -0.04 in cell 1 */
    fill(255);
    rect(400, 420, 0, H, 0);
    assert_int_equal(pm_grid_compute(&c, img, p), PM_OK);
    for (int r = 0; r < 8; r++)
        for (int k = 0; k < 6; k++)
            assert_float_equal(p[r * 6 + k], k == 1 ? -0.04 : 0.0, 1e-12);
    /* grey level 128 instead of black: darkness 127/255 over 20 of 50 px -> 0.1 * 0.4 * 127/255 */
    fill(255);
    rect(220, 240, 0, H, 128);
    assert_int_equal(pm_grid_compute(&c, img, p), PM_OK);
    assert_float_equal(p[1], 0.1 * 0.4 * 127.0 / 255.0, 1e-12);
    /* outside the band (the line above y 340 only) nothing is seen */
    fill(255);
    rect(220, 240, 0, 340, 0);
    assert_int_equal(pm_grid_compute(&c, img, p), PM_OK);
    for (int i = 0; i < 48; i++)
        assert_true(p[i] == 0.0);
}

static void rows_count_from_the_bottom_and_clamp(void **state)
{
    (void)state;
    pm_grid_config c;
    pm_grid_config_paper(&c);
    double p[48];
    /* a dark patch only in y 445..460 (row 0), left cell 5 (250..300 px left: x 20..70), full cell: darkness 1 */
    fill(255);
    rect(20, 70, 445, 460, 0);
    assert_int_equal(pm_grid_compute(&c, img, p), PM_OK);
    for (int i = 0; i < 48; i++)
        assert_float_equal(p[i], i == 5 ? 0.1 : 0.0, 1e-12);
    /* scale 1: the raw difference 1.0 is clipped to the clamp 0.25 */
    c.scale = 1.0;
    c.clamp = 0.25;
    assert_int_equal(pm_grid_compute(&c, img, p), PM_OK);
    assert_float_equal(p[5], 0.25, 0);
    /* half a cell dark with scale 1, clamp 1: 0.5 exactly (unclipped) */
    c.clamp = 1.0;
    fill(255);
    rect(20, 45, 445, 460, 0);
    assert_int_equal(pm_grid_compute(&c, img, p), PM_OK);
    assert_float_equal(p[5], 0.5, 1e-12);
}

static void uneven_sizes_mirror_exactly(void **state)
{
    (void)state;
    /* 7 cells over a half of 100 px: boundaries 0,14,28,42,57,71,85,100; 3 rows over 10 px: 3,3,4 px */
    pm_grid_config c = {.width = W, .height = H, .band_x = 100, .band_y = 200, .band_w = 200, .band_h = 10,
                        .rows = 3, .cells = 7, .scale = 1, .clamp = 1};
    assert_int_equal(pm_grid_check(&c), PM_OK);
    double p[21];
    /* one black column 50 px left of the centre (x = 150): cell 3 spans distances 42..57 -> the column at
     * distance 50 is x = 200 - 50 = 150 in [200 - 57, 200 - 42) = [143, 158): darkness 1/15 */
    fill(255);
    rect(150, 151, 0, H, 0);
    assert_int_equal(pm_grid_compute(&c, img, p), PM_OK);
    for (int r = 0; r < 3; r++)
        for (int k = 0; k < 7; k++)
            assert_float_equal(p[r * 7 + k], k == 3 ? 1.0 / 15.0 : 0.0, 1e-12);
    /* its mirror at x = 249 (distance 49 px to the right, [242, 257)) cancels it exactly */
    rect(249, 250, 0, H, 0);
    assert_int_equal(pm_grid_compute(&c, img, p), PM_OK);
    for (int i = 0; i < 21; i++)
        assert_true(fabs(p[i]) < 1e-15);
}

static void bad_configs_refused(void **state)
{
    (void)state;
    pm_grid_config c, good;
    pm_grid_config_paper(&good);
    double p[48] = {0};
    p[0] = 42;
    c = good; c.band_w = 601;                 assert_int_equal(pm_grid_check(&c), PM_ERR_ARG);
    c = good; c.band_x = 41;                  assert_int_equal(pm_grid_check(&c), PM_ERR_ARG); /* 41 + 600 > 640 */
    c = good; c.band_y = 361;                 assert_int_equal(pm_grid_check(&c), PM_ERR_ARG);
    c = good; c.cells = 301;                  assert_int_equal(pm_grid_check(&c), PM_ERR_ARG);
    c = good; c.rows = 0;                     assert_int_equal(pm_grid_check(&c), PM_ERR_ARG);
    c = good; c.scale = NAN;                  assert_int_equal(pm_grid_check(&c), PM_ERR_ARG);
    c = good; c.clamp = 0;                    assert_int_equal(pm_grid_check(&c), PM_ERR_ARG);
    assert_int_equal(pm_grid_n_predictors(&c), 0);
    assert_int_equal(pm_grid_compute(&c, img, p), PM_ERR_ARG);
    assert_true(p[0] == 42); /* untouched */
    assert_int_equal(pm_grid_compute(&good, NULL, p), PM_ERR_ARG);
    assert_int_equal(pm_grid_compute(NULL, img, p), PM_ERR_ARG);
}

static void curvature_from_rows_0_and_1(void **state)
{
    (void)state;
    pm_grid_config c;
    pm_grid_config_paper(&c);
    double p[48], r = -1;
    /* row 0 (y 445..460): line in left cell 0 (x 280..320) -> index 6 + 0 = 6;
     * row 1 (y 430..445): line in left cell 2 (x 170..220) -> index 6 + 2 = 8; R = 1 + |8 - 6| = 3 */
    fill(255);
    rect(280, 320, 445, 460, 0);
    rect(170, 220, 430, 445, 0);
    assert_int_equal(pm_grid_compute(&c, img, p), PM_OK);
    assert_int_equal(pm_grid_curvature(&c, p, 0.01, &r), PM_OK);
    assert_float_equal(r, 3.0, 0);
    /* row 1 on the right, cell 0 (x 320..370) instead -> index 6 - 1 - 0 = 5; R = 1 + |5 - 6| = 2 */
    fill(255);
    rect(280, 320, 445, 460, 0);
    rect(320, 370, 430, 445, 0);
    assert_int_equal(pm_grid_compute(&c, img, p), PM_OK);
    assert_int_equal(pm_grid_curvature(&c, p, 0.01, &r), PM_OK);
    assert_float_equal(r, 2.0, 0);
    /* row 1 sees nothing -> R = 1 */
    fill(255);
    rect(280, 320, 445, 460, 0);
    assert_int_equal(pm_grid_compute(&c, img, p), PM_OK);
    assert_int_equal(pm_grid_curvature(&c, p, 0.01, &r), PM_OK);
    assert_float_equal(r, 1.0, 0);
    /* a line below threshold does not count: 0.1 * (darkness 1/50) = 0.002 < 0.01 in both rows -> R = 1 */
    fill(255);
    rect(300, 301, 430, 460, 0);
    rect(100, 101, 430, 445, 0);
    assert_int_equal(pm_grid_compute(&c, img, p), PM_OK);
    assert_int_equal(pm_grid_curvature(&c, p, 0.01, &r), PM_OK);
    assert_float_equal(r, 1.0, 0);
    /* bad input leaves r alone */
    r = -1;
    p[7] = NAN;
    assert_int_equal(pm_grid_curvature(&c, p, 0.01, &r), PM_ERR_NONFINITE);
    assert_int_equal(pm_grid_curvature(&c, NULL, 0.01, &r), PM_ERR_ARG);
    assert_true(r == -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(paper_config_shape),
        cmocka_unit_test(white_image_gives_zero),
        cmocka_unit_test(vertical_line_left_and_right),
        cmocka_unit_test(rows_count_from_the_bottom_and_clamp),
        cmocka_unit_test(uneven_sizes_mirror_exactly),
        cmocka_unit_test(bad_configs_refused),
        cmocka_unit_test(curvature_from_rows_0_and_1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
