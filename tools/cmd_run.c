/* primod run: one closed-loop run of the simulated line follower, summary or one JSON object on stdout. */
#define _POSIX_C_SOURCE 200809L /* sigaction */
#include <signal.h>
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
            "  --load-model FILE      start from a saved network (shape must match the config)\n"
            "  --help                 this text\n\n"
            "exit status: 0 run completed (successful or not), 1 runtime failure (cannot write the log or model,\n"
            "no memory), 2 usage or config error (bad option or value, unknown track, missing file, bad model),\n"
            "130 / 143 stopped by SIGINT / SIGTERM (the steps so far are summarised, logged and saved).\n\n");
    pm_config_print_options_help(f);
}

/* The signal that asked the run to stop (SIGINT or SIGTERM), 0 while running: a signal handler can only set a
 * flag of this type, so the run loop polls it between steps and ends cleanly (log and model written, no
 * temporary file left behind). */
static volatile sig_atomic_t stop_signal;

static void on_stop_signal(int sig)
{
    stop_signal = sig;
}

static void catch_stop_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
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
    int rc = pm_run_parse_args(argc, argv, &opt, &json, err);
    if (!rc) {
        opt.stop = &stop_signal;
        catch_stop_signals();
        rc = pm_run(&opt, &res, err);
    }
    if (rc) {
        pm_cli_error(cmd, "%s", err);
        return rc;
    }
    if (json) {
        pm_json j;
        pm_json_init(&j);
        pm_run_result_json(&res, &opt.cfg, &j);
        if (j.failed) {
            pm_json_free(&j);
            pm_cli_error(cmd, "out of memory");
            return 1;
        }
        printf("%s\n", pm_json_text(&j));
        pm_json_free(&j);
    } else if (opt.progress) {   /* progress is on unless --quiet */
        pm_run_result_print(&res, stdout);
    }
    if (fflush(stdout))
        return 1;
    if (stop_signal) {   /* the summary above covers the steps taken; the shell sees the usual 128 + signal */
        pm_cli_error(cmd, "stopped by signal %d after %ld steps (log and model written)", (int)stop_signal, res.steps);
        return 128 + stop_signal;
    }
    return 0;
}
