/* Issue 13: the model a stopped run saves (SIGINT/SIGTERM set pm_run_options.stop) holds exactly the weights the
 * net had when the run ended: loaded back and compared weight by weight with an independent replay of the same
 * run (same config and seed: deterministic) for the number of steps the stopped run reports. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "primod/net.h"
#include "primod/notify.h"
#include "primod/run.h"

static volatile sig_atomic_t stop_flag;

/* The progress message comes every 0.5 s once the run steps (never during set-up, whose length varies with the
 * machine and the sanitizers): the first one plays the part of Ctrl-C. */
static void on_note(void *ctx, pm_note_kind kind, const char *cmd, const char *message)
{
    (void)ctx, (void)cmd, (void)message;
    if (kind == PM_NOTE_PROGRESS)
        stop_flag = SIGINT;
}

/* Counts the data rows (lines not starting with '#', minus the column header) of a run log. */
static long log_rows(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[8192];
    long n = 0;
    while (fgets(line, sizeof line, f))
        n += line[0] != '#';
    fclose(f);
    return n - 1;
}

static void test_stopped_run_saves_the_exit_weights(void **state)
{
    (void)state;
    char dir[] = "/tmp/primod-stop-XXXXXX", model[64], log[64], err[PM_CFG_ERR_MAX];
    assert_non_null(mkdtemp(dir));
    snprintf(model, sizeof model, "%s/m.pmnet", dir);
    snprintf(log, sizeof log, "%s/l.tsv", dir);
    pm_run_options opt;
    memset(&opt, 0, sizeof opt);
    pm_config_defaults(&opt.cfg);
    /* a small net that learns every step (bp, high rate) and a run that would go on for a very long time */
    assert_int_equal(pm_config_set_arg(&opt.cfg, "network.hidden=6,5", err), 0);
    assert_int_equal(pm_config_set_arg(&opt.cfg, "learning.rule=bp", err), 0);
    assert_int_equal(pm_config_set_arg(&opt.cfg, "run.max_steps=1e9", err), 0);
    assert_int_equal(pm_config_set_arg(&opt.cfg, "run.stop_on_success=false", err), 0);
    assert_int_equal(pm_config_set_arg(&opt.cfg, "run.lost_steps=0", err), 0);
    opt.save_model = model;
    opt.log_path = log;
    opt.stop = &stop_flag;
    opt.progress = 1;
    pm_notify_set_handler(on_note, NULL);
    pm_run_result res;
    assert_int_equal(pm_run(&opt, &res, err), PM_EXIT_OK);
    assert_int_equal(stop_flag, SIGINT);
    pm_notify_set_handler(NULL, NULL);
    assert_true(res.steps > 10 && res.steps < 1000000000L);
    assert_int_equal(log_rows(log), res.steps);   /* one log row per step taken */

    /* replay: the same config stepped exactly res.steps times */
    pm_runner *r;
    assert_int_equal(pm_runner_create(&opt.cfg, NULL, &r, err), PM_EXIT_OK);
    pm_runner_step_info info;
    for (long i = 0; i < res.steps; i++)
        assert_int_equal(pm_runner_step(r, &info), 0);
    const pm_net *live = pm_loop_net(pm_runner_loop(r));
    pm_net *saved = NULL;
    assert_int_equal(pm_net_load(model, &saved), PM_OK);
    assert_int_equal(pm_net_n_layers(saved), pm_net_n_layers(live));
    long compared = 0;
    for (int l = 0; l < pm_net_n_layers(live); l++) {
        int rows, cols, rows2, cols2;
        const double *a = pm_net_layer_weights(live, l, &rows, &cols);
        const double *b = pm_net_layer_weights(saved, l, &rows2, &cols2);
        assert_true(rows == rows2 && cols == cols2);
        for (int k = 0; k < rows * cols; k++, compared++)
            assert_memory_equal(&a[k], &b[k], sizeof a[k]);   /* bit-exact */
    }
    assert_int_equal(compared, pm_net_n_weights(live));
    /* the weights moved during the run: the comparison is not of two initial nets */
    assert_true(pm_net_weight_distance(saved, -1) > 0);
    assert_true(pm_net_weight_distance(live, -1) == pm_net_weight_distance(saved, -1));
    pm_net_destroy(saved);
    pm_runner_destroy(r);
    remove(model);
    remove(log);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stopped_run_saves_the_exit_weights),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
