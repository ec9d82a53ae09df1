/* Tests of the run cache (run.h: worlds and sensor maps shared by a batch's runs): a cached run gives exactly the
 * result of an uncached one; the cache keys on track, ppu and the two sigmas; it refuses what it cannot hold and
 * builds a world it cannot build once per key. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "primod/run.h"

static pm_config noisy(const char *rule, unsigned long long seed)
{
    pm_config c;
    char err[PM_CFG_ERR_MAX];
    pm_config_defaults(&c);
    assert_int_equal(pm_config_preset(&c, "noisy", err), 0);
    c.rule = pm_config_rule_parse(rule);
    assert_true(c.rule >= 0);
    c.seed = seed;
    c.max_steps = 1500;
    return c;
}

/* A new, empty cache. */
static pm_run_cache *new_cache(void)
{
    pm_run_cache *cache = NULL;
    assert_int_equal(pm_run_cache_create(&cache), PM_EXIT_OK);
    return cache;
}

/* A bp run at ppu (small textures: quick to build). */
static pm_config small(double ppu)
{
    pm_config c = noisy("bp", 1);
    c.ppu = ppu;
    return c;
}

/* Everything but steps_per_second (the one machine-dependent field) bit for bit. */
static void same_result(pm_run_result *a, pm_run_result *b)
{
    a->steps_per_second = b->steps_per_second = 0;
    assert_memory_equal(a, b, sizeof *a);
}

static void run_with(const pm_config *c, const pm_run_cache *cache, pm_run_result *res)
{
    pm_run_options opt;
    memset(&opt, 0, sizeof opt);
    opt.cfg = *c;
    opt.cache = cache;
    char err[PM_CFG_ERR_MAX];
    memset(res, 0, sizeof *res);
    assert_int_equal(pm_run(&opt, res, err), PM_EXIT_OK);
}

static void test_cached_run_is_the_same_run(void **state)
{
    (void)state;
    char err[PM_CFG_ERR_MAX];
    pm_run_cache *cache = new_cache();
    pm_config c = noisy("pm", 3);
    assert_int_equal(pm_run_cache_add(cache, &c, NULL, err), PM_EXIT_OK);
    /* other seeds and rules share the entry: only track, ppu and the sigmas select it */
    const char *rules[] = {"pm", "bp", "reflex"};
    for (int k = 0; k < 3; k++) {
        pm_config d = noisy(rules[k], 10 + (unsigned long long)k);
        pm_run_result a, b;
        run_with(&d, NULL, &a);
        run_with(&d, cache, &b);
        assert_true(a.steps > 0);
        same_result(&a, &b);
    }
    assert_int_equal(pm_run_cache_count(cache), 1);
    pm_run_cache_destroy(cache);
}

static void test_cache_keys(void **state)
{
    (void)state;
    char err[PM_CFG_ERR_MAX];
    pm_run_cache *cache = new_cache();
    pm_config c = small(1.0);   /* small textures: the test builds several */
    assert_int_equal(pm_run_cache_add(cache, &c, NULL, err), PM_EXIT_OK);
    c.seed = 2;
    c.rule = PM_CFG_RULE_REFLEX;
    assert_int_equal(pm_run_cache_add(cache, &c, NULL, err), PM_EXIT_OK);
    assert_int_equal(pm_run_cache_count(cache), 1);   /* same world, same maps */
    c.predictor_sigma = 0.75;
    assert_int_equal(pm_run_cache_add(cache, &c, NULL, err), PM_EXIT_OK);
    assert_int_equal(pm_run_cache_count(cache), 2);
    snprintf(c.track, sizeof c.track, "s-curves");
    assert_int_equal(pm_run_cache_add(cache, &c, NULL, err), PM_EXIT_OK);
    assert_int_equal(pm_run_cache_count(cache), 3);
    /* a run whose maps differ from every entry builds its own, with the uncached result */
    pm_config d = noisy("bp", 4);
    d.ppu = 2.0;
    pm_run_result a, b;
    run_with(&d, NULL, &a);
    run_with(&d, cache, &b);
    same_result(&a, &b);
    assert_int_equal(pm_run_cache_count(cache), 3);   /* using a cache never adds to it */
    pm_run_cache_destroy(cache);
}

static void test_cache_refusals(void **state)
{
    (void)state;
    char err[PM_CFG_ERR_MAX] = "";
    pm_run_cache *cache = new_cache();
    pm_config c = small(0.5);
    snprintf(c.track, sizeof c.track, "no-such-track");
    assert_int_equal(pm_run_cache_add(cache, &c, NULL, err), PM_EXIT_USAGE);
    assert_non_null(strstr(err, "no-such-track"));
    assert_int_equal(pm_run_cache_count(cache), 0);
    c = small(0.5);
    c.reflex_sigma = -1;   /* a config the run itself refuses: refused here too, nothing kept */
    assert_int_not_equal(pm_run_cache_add(cache, &c, NULL, err), PM_EXIT_OK);
    assert_int_equal(pm_run_cache_count(cache), 0);
    c = small(0.5);
    for (int i = 0; i < PM_RUN_CACHE_MAX; i++) {   /* fill it: one entry per predictor sigma */
        c.predictor_sigma = 0.5 + 0.25 * i;
        assert_int_equal(pm_run_cache_add(cache, &c, NULL, err), PM_EXIT_OK);
    }
    assert_int_equal(pm_run_cache_count(cache), PM_RUN_CACHE_MAX);
    c.predictor_sigma = 9;
    err[0] = 0;
    assert_int_equal(pm_run_cache_add(cache, &c, NULL, err), PM_EXIT_USAGE);
    assert_non_null(strstr(err, "full"));
    assert_int_equal(pm_run_cache_add(cache, &c, NULL, NULL), PM_EXIT_USAGE);   /* the same code without err */
    c.predictor_sigma = 0.5;   /* what it holds is still found */
    assert_int_equal(pm_run_cache_add(cache, &c, NULL, err), PM_EXIT_OK);
    assert_int_equal(pm_run_cache_count(cache), PM_RUN_CACHE_MAX);
    assert_int_equal(pm_run_cache_add(NULL, &c, NULL, err), PM_EXIT_USAGE);
    assert_int_equal(pm_run_cache_add(cache, NULL, NULL, err), PM_EXIT_USAGE);
    assert_int_equal(pm_run_cache_create(NULL), PM_EXIT_USAGE);
    pm_run_cache_destroy(cache);
    pm_run_cache_destroy(NULL);
    assert_int_equal(pm_run_cache_count(NULL), 0);
}

/* err NULL (run.h): each refusal returns its code as with a buffer, writes nothing, keeps nothing (ASan / valgrind
 * see a write through NULL or a leak); a good config is still added. */
static void test_cache_add_without_err(void **state)
{
    (void)state;
    pm_run_cache *cache = new_cache();
    pm_config c = small(0.5);
    snprintf(c.track, sizeof c.track, "no-such-track");   /* the world cannot be built */
    assert_int_equal(pm_run_cache_add(cache, &c, NULL, NULL), PM_EXIT_USAGE);
    c = small(0.5);
    c.reflex_sigma = -1;   /* the config check refuses it */
    assert_int_equal(pm_run_cache_add(cache, &c, NULL, NULL), PM_EXIT_USAGE);
    assert_int_equal(pm_run_cache_add(NULL, &c, NULL, NULL), PM_EXIT_USAGE);
    assert_int_equal(pm_run_cache_count(cache), 0);
    c.reflex_sigma = 0.4;
    assert_int_equal(pm_run_cache_add(cache, &c, NULL, NULL), PM_EXIT_OK);
    assert_int_equal(pm_run_cache_count(cache), 1);
    pm_run_cache_destroy(cache);
}

/* A key whose world the cache cannot build is built once (run.h): another add of the same config, or of another
 * run with the same track, ppu and sigmas, returns the first refusal (code and message) without building again. */
static void test_cache_remembers_failures(void **state)
{
    (void)state;
    char err[PM_CFG_ERR_MAX], first[PM_CFG_ERR_MAX] = "";
    pm_run_cache *cache = new_cache();
    assert_int_equal(pm_run_cache_builds(cache), 0);
    const char *bad[] = {"no-such-track", "/nonexistent/dir/track.png", "paper"};
    for (int k = 0; k < 3; k++) {
        pm_config c = small(k == 2 ? 64 : 0.5);   /* paper at ppu 64: 16000 x 16000 px, over the budget */
        snprintf(c.track, sizeof c.track, "%s", bad[k]);
        assert_int_equal(pm_run_cache_add(cache, &c, NULL, first), PM_EXIT_USAGE);
        assert_int_equal(pm_run_cache_builds(cache), k + 1);
        c.seed = 7;   /* another run of the same key */
        c.rule = PM_CFG_RULE_REFLEX;
        err[0] = 0;
        assert_int_equal(pm_run_cache_add(cache, &c, NULL, err), PM_EXIT_USAGE);
        assert_string_equal(err, first);
        assert_int_equal(pm_run_cache_add(cache, &c, NULL, NULL), PM_EXIT_USAGE);
        assert_int_equal(pm_run_cache_builds(cache), k + 1);
    }
    assert_non_null(strstr(first, "budget"));
    assert_int_equal(pm_run_cache_count(cache), 0);
    /* another key (a sigma) is another world: built, and refused, once more */
    pm_config c = small(0.5);
    snprintf(c.track, sizeof c.track, "no-such-track");
    c.predictor_sigma = 0.75;
    assert_int_equal(pm_run_cache_add(cache, &c, NULL, err), PM_EXIT_USAGE);
    assert_int_equal(pm_run_cache_builds(cache), 4);
    /* a good key is built once, then found */
    c = small(0.5);
    assert_int_equal(pm_run_cache_add(cache, &c, NULL, err), PM_EXIT_OK);
    assert_int_equal(pm_run_cache_add(cache, &c, NULL, err), PM_EXIT_OK);
    assert_int_equal(pm_run_cache_builds(cache), 5);
    assert_int_equal(pm_run_cache_count(cache), 1);
    assert_int_equal(pm_run_cache_builds(NULL), 0);
    pm_run_cache_destroy(cache);
}

/* What is not the key's fault is not remembered: a stop during set-up (it may pass) is tried again, a config's own
 * mistake builds nothing and is not held against the other runs of its key; past PM_RUN_CACHE_MAX remembered keys
 * a failing key is tried each time (as before the cache remembered any). */
static void test_cache_forgets_what_may_pass(void **state)
{
    (void)state;
    char err[PM_CFG_ERR_MAX];
    pm_run_cache *cache = new_cache();
    pm_config c = small(0.5);
    volatile sig_atomic_t stop = 1;
    assert_int_equal(pm_run_cache_add(cache, &c, &stop, err), PM_EXIT_FAILURE);
    assert_non_null(strstr(err, "stopped by a signal"));
    assert_int_equal(pm_run_cache_builds(cache), 1);
    stop = 0;
    assert_int_equal(pm_run_cache_add(cache, &c, &stop, err), PM_EXIT_OK);
    assert_int_equal(pm_run_cache_builds(cache), 2);
    assert_int_equal(pm_run_cache_count(cache), 1);
    c.predictor_sigma = 0.75;   /* a new key ... */
    c.dt = -1;                  /* ... with a bad [robot] dt (set in C: no parser's range check): nothing built */
    assert_int_equal(pm_run_cache_add(cache, &c, NULL, err), PM_EXIT_USAGE);
    assert_non_null(strstr(err, "out of range"));
    pm_runner *r = NULL;
    char plain[PM_CFG_ERR_MAX];
    assert_int_equal(pm_runner_create_cached(&c, NULL, NULL, NULL, &r, plain), PM_EXIT_USAGE);
    assert_string_equal(err, plain);   /* the refusal the run gives */
    assert_int_equal(pm_run_cache_builds(cache), 2);
    c.dt = 0.03;   /* the same key with a good dt is built */
    assert_int_equal(pm_run_cache_add(cache, &c, NULL, err), PM_EXIT_OK);
    assert_int_equal(pm_run_cache_builds(cache), 3);
    assert_int_equal(pm_run_cache_count(cache), 2);
    for (int i = 0; i <= PM_RUN_CACHE_MAX; i++) {   /* one more failing key than it remembers */
        snprintf(c.track, sizeof c.track, "no-such-track-%d", i);
        assert_int_equal(pm_run_cache_add(cache, &c, NULL, NULL), PM_EXIT_USAGE);
        assert_int_equal(pm_run_cache_builds(cache), 4 + i);
    }
    assert_int_equal(pm_run_cache_add(cache, &c, NULL, NULL), PM_EXIT_USAGE);   /* the last: tried again */
    assert_int_equal(pm_run_cache_builds(cache), 5 + PM_RUN_CACHE_MAX);
    snprintf(c.track, sizeof c.track, "no-such-track-0");                         /* the first: remembered */
    assert_int_equal(pm_run_cache_add(cache, &c, NULL, NULL), PM_EXIT_USAGE);
    assert_int_equal(pm_run_cache_builds(cache), 5 + PM_RUN_CACHE_MAX);
    pm_run_cache_destroy(cache);
}

/* The cache builds the world and maps only: a start pose off the texture is the run's refusal, with the message an
 * uncached run gives, and the entry serves the other runs of its key. */
static void test_cache_leaves_start_to_run(void **state)
{
    (void)state;
    char err[PM_CFG_ERR_MAX], plain[PM_CFG_ERR_MAX];
    pm_run_cache *cache = new_cache();
    pm_config c = small(1.0);
    c.n_start = 3;
    c.start[0] = -50, c.start[1] = 10, c.start[2] = 0;
    assert_int_equal(pm_run_cache_add(cache, &c, NULL, err), PM_EXIT_OK);
    assert_int_equal(pm_run_cache_count(cache), 1);
    pm_runner *r = NULL;
    assert_int_equal(pm_runner_create_cached(&c, NULL, NULL, NULL, &r, plain), PM_EXIT_USAGE);
    assert_int_equal(pm_runner_create_cached(&c, NULL, NULL, cache, &r, err), PM_EXIT_USAGE);
    assert_non_null(strstr(plain, "start pose"));
    assert_string_equal(err, plain);
    c.n_start = 0;   /* the track's own start: a run on the entry */
    assert_int_equal(pm_runner_create_cached(&c, NULL, NULL, cache, &r, err), PM_EXIT_OK);
    pm_runner_destroy(r);
    assert_int_equal(pm_run_cache_builds(cache), 1);
    pm_run_cache_destroy(cache);
}

/* A runner on the cache outlives nothing it borrowed: destroyed first, then the cache (ASan / valgrind check). */
static void test_runner_borrows(void **state)
{
    (void)state;
    char err[PM_CFG_ERR_MAX];
    pm_run_cache *cache = new_cache();
    pm_config c = noisy("pm", 1);
    c.ppu = 1.0;
    assert_int_equal(pm_run_cache_add(cache, &c, NULL, err), PM_EXIT_OK);
    pm_runner *r1 = NULL, *r2 = NULL;
    assert_int_equal(pm_runner_create_cached(&c, NULL, NULL, cache, &r1, err), PM_EXIT_OK);
    assert_int_equal(pm_runner_create_cached(&c, NULL, NULL, cache, &r2, err), PM_EXIT_OK);
    assert_ptr_equal(pm_sim_world(pm_runner_sim(r1)), pm_sim_world(pm_runner_sim(r2)));
    pm_runner_step_info info;
    for (int n = 0; n < 50; n++) {
        assert_int_equal(pm_runner_step(r1, &info), 0);
        assert_int_equal(pm_runner_step(r2, &info), 0);
    }
    pm_runner_destroy(r1);
    pm_runner_destroy(r2);
    pm_run_cache_destroy(cache);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cached_run_is_the_same_run),
        cmocka_unit_test(test_cache_keys),
        cmocka_unit_test(test_cache_refusals),
        cmocka_unit_test(test_cache_add_without_err),
        cmocka_unit_test(test_cache_remembers_failures),
        cmocka_unit_test(test_cache_forgets_what_may_pass),
        cmocka_unit_test(test_cache_leaves_start_to_run),
        cmocka_unit_test(test_runner_borrows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
