/* The memory estimate (pm_world_estimate_bytes) is an upper bound of what the world and a sim on it allocate at once:
 * measured by counting every allocation of the library (the linker's --wrap, tests/sim/extra.cmake). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "sim/sim_test_util.h"

/* ---- allocation counter: live bytes and their peak, by pointer (the library holds a handful of blocks) ---------- */
void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void __real_free(void *p);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
void __wrap_free(void *p);

#define SLOTS 256
static struct {
    void *p;
    size_t n;
} live[SLOTS];
static size_t live_bytes, peak_bytes;
static int overflow;

static void track(void *p, size_t n)
{
    if (!p)
        return;
    for (int i = 0; i < SLOTS; i++)
        if (!live[i].p) {
            live[i].p = p, live[i].n = n;
            live_bytes += n;
            peak_bytes = live_bytes > peak_bytes ? live_bytes : peak_bytes;
            return;
        }
    overflow = 1;
}

static void untrack(void *p)
{
    for (int i = 0; p && i < SLOTS; i++)
        if (live[i].p == p) {
            live_bytes -= live[i].n;
            live[i].p = NULL;
            return;
        }
}

void *__wrap_malloc(size_t n)
{
    void *p = __real_malloc(n);
    track(p, n);
    return p;
}

void *__wrap_calloc(size_t n, size_t m)
{
    void *p = __real_calloc(n, m);
    track(p, n * m);
    return p;
}

void *__wrap_realloc(void *p, size_t n)
{
    void *q = __real_realloc(p, n);
    if (q || n == 0)
        untrack(p);
    track(q, n);
    return q;
}

void __wrap_free(void *p)
{
    untrack(p);
    __real_free(p);
}

/* ---- tests ------------------------------------------------------------------------------------------------------ */

static double grey_noise(double x, double y, const double *arg)
{
    (void)arg;
    double v = sin(12.9898 * x + 78.233 * y) * 43758.5453;
    return v - floor(v);
}

/* The world (made from pixels: the test's own grey buffer is freed before the sim exists) and a sim with config c:
 * the peak of the library's live bytes from before the world to after the sim is at most the estimate, and so is
 * what stays allocated. Returns the peak over the estimate. */
static double check_world(int w, int h, grey_fn f, const pm_sim_config *c)
{
    size_t before = live_bytes;
    pm_world *wd = make_world(w, h, 4.0, f, NULL);
    assert_non_null(wd);
    size_t world = live_bytes - before;
    assert_true(world <= pm_world_estimate_bytes(w, h, NULL));
    peak_bytes = live_bytes;  /* from here on only the library allocates */
    pm_sim *s = NULL;
    assert_int_equal(pm_sim_create(c, wd, &s), PM_OK);
    size_t est = pm_world_estimate_bytes(w, h, c), peak = peak_bytes - before, kept = live_bytes - before;
    assert_false(overflow);
    assert_true(peak <= est);
    assert_true(kept <= peak);
    pm_sim_destroy(s);
    pm_world_destroy(wd);
    assert_true(live_bytes == before);  /* everything given back */
    return (double)peak / (double)est;
}

/* The worst case of the compact map is a texture without a white tile (all black, or noise); white, and tiny or
 * odd-sized textures (partial tiles, the fixed parts dominate), with one map (equal sigmas) and two. With one map the
 * peak is the blur scratch, which the estimate counts exactly: it is within 1% of it for a real texture. */
static void estimate_bounds_the_allocations(void **state)
{
    (void)state;
    pm_sim_config two, one;
    pm_sim_config_paper(&two);
    one = two;
    one.predictor_sigma = one.reflex_sigma;
    const int sizes[][2] = {{1, 1}, {5, 3}, {7, 300}, {300, 2}, {19, 23}, {400, 300}, {513, 257}};
    const grey_fn fills[] = {grey_black, grey_white, grey_noise};
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++)
        for (size_t f = 0; f < sizeof fills / sizeof fills[0]; f++) {
            double r1 = check_world(sizes[k][0], sizes[k][1], fills[f], &one);
            double r2 = check_world(sizes[k][0], sizes[k][1], fills[f], &two);
            if (sizes[k][0] * sizes[k][1] >= 100000)
                assert_true(r1 > 0.99);
            print_message("%d x %d fill %zu: peak / estimate %.3f (one map), %.3f (two)\n", sizes[k][0], sizes[k][1],
                          f, r1, r2);
        }
}

/* All-white tiles share one white tile: a white world's sim keeps, per map, its index (4 bytes per tile slot: one
 * slot per 7 x 3 pixels of the texture padded by one pixel, (700 + 1)/7 + 1 = 101 across, 601/3 + 1 = 201 down)
 * and one tile, plus its own tables (a few KB); a black one keeps a 64-byte tile for every slot. */
static void white_tiles_are_shared(void **state)
{
    (void)state;
    pm_sim_config c;
    pm_sim_config_paper(&c);  /* two maps */
    const grey_fn fills[] = {grey_white, grey_black};
    const size_t slots = 101 * 201;
    size_t kept[2];
    for (int f = 0; f < 2; f++) {
        pm_world *wd = make_world(700, 600, 4.0, fills[f], NULL);
        assert_non_null(wd);
        size_t before = live_bytes;
        pm_sim *s = NULL;
        assert_int_equal(pm_sim_create(&c, wd, &s), PM_OK);
        kept[f] = live_bytes - before;
        pm_sim_destroy(s);
        pm_world_destroy(wd);
    }
    assert_true(kept[0] >= 2 * 4 * slots && kept[0] < 2 * 4 * slots + 16384);
    assert_true(kept[1] >= 2 * (4 + 64) * slots);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(estimate_bounds_the_allocations),
        cmocka_unit_test(white_tiles_are_shared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
