/* primod run: one closed-loop run of the simulated line follower, summary or one JSON object on stdout. */
#include <stdio.h>
#include <string.h>

#include "cli_common.h"
#include "commands.h"
#include "primod/run.h"

static void run_help(FILE *f)
{
    fprintf(f,
            "usage: primod run [OPTIONS]\n"
            "Runs the closed loop (SPEC §5) on the simulated track until success (run.stop_on_success), the line\n"
            "is lost (run.lost_steps) or run.max_steps; a learner whose weights become non-finite ends the run\n"
            "(\"diverged\": true).\n\n"
            "output:\n"
            "  --json                 one JSON object on stdout: rule, seed, rate, track, steps, success,\n"
            "                         success_step, lost, diverged, mean_abs_error, error_integral,\n"
            "                         final_mean_abs_error, weight_distance, steps_per_second, learning_enabled,\n"
            "                         saturation, chatter, max_abs_weight, smooth_success (SPEC §9), config\n"
            "  --quiet                no summary (with --json: nothing but the JSON)\n"
            "  --log FILE.tsv         per step: step x y heading(deg) E R steering left right sat o1..oM d1..dL\n"
            "  --save-model FILE      save the network at the end\n"
            "  --load-model FILE      start from a saved network (refused, naming keys, unless it fits the config)\n"
            "  --help                 this text\n"
            "A run stopped by a signal prints \"interrupted\": true (merge leaves it out); progress shows on a\n"
            "terminal once a run has taken 3 s.\n\n"
            "exit status: 0 run completed (successful or not), 1 runtime failure (cannot write the log or model:\n"
            "the result is still printed; no memory), 2 usage or config error (bad option or value, unknown track, missing file, bad model),\n"
            "130 / 143 stopped by SIGINT / SIGTERM (the steps so far are summarised, logged and saved).\n\n");
    pm_config_print_options_help(f);
}

int pm_cmd_run(int argc, char **argv)
{
    const char *cmd = "run";
    if (pm_cli_wants_help(argc, argv)) {
        run_help(stdout);
        return 0;
    }
    pm_run_options opt;
    int json;
    char err[PM_CFG_ERR_MAX];
    pm_run_result res;
    memset(&res, 0, sizeof res);
    const volatile sig_atomic_t *stop = NULL;
    int rc = pm_run_parse_args(argc, argv, &opt, &json, err);
    if (!rc) {
        opt.stop = stop = pm_cli_catch_stop_signals();
        rc = pm_run(&opt, &res, err);
    }
    if (rc && !res.rule[0]) {   /* nothing ran */
        pm_cli_error(cmd, "%s", err);   /* a signal during set-up ends it too: the shell sees 128 + signal */
        return stop && *stop ? 128 + *stop : rc;
    }
    /* the result is printed even when the log or model could not be written afterwards (then exit 1) */
    pm_json j;
    pm_json_init(&j);
    if (json)
        pm_run_result_json(&res, &opt.cfg, &j);
    if (json && !j.failed)
        printf("%s\n", pm_json_text(&j));
    else if (!json && opt.progress)   /* progress is on unless --quiet */
        pm_run_result_print(&res, stdout);
    int no_memory = json && j.failed;   /* a failed write of stdout: main's check says so, with the reason */
    pm_json_free(&j);
    if (rc || no_memory) {
        pm_cli_error(cmd, "%s", rc ? err : "out of memory");
        return rc ? rc : 1;
    }
    if (opt.stop && *opt.stop) {   /* the summary above covers the steps taken; the shell sees 128 + signal */
        pm_cli_error(cmd, "stopped by signal %d after %ld steps (log and model written)", (int)*opt.stop, res.steps);
        return 128 + *opt.stop;
    }
    return 0;
}
