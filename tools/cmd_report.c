/* primod report: runs the standard study (SPEC §9 noisy preset) and writes DIR/report.md with tables and pictures. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_common.h"
#include "commands.h"
#include "primod/render.h"
#include "primod/study.h"

static void report_help(FILE *f)
{
    fprintf(f,
            "usage: primod report --out DIR [OPTIONS]\n"
            "Runs the standard study on the noisy preset (SPEC §9) and writes DIR/report.md with its tables and PNG\n"
            "pictures: a rate sweep of every rule on seeds 1001.. (disjoint from the evaluation seeds); each rule\n"
            "at its best rate and BP / P&M at the authors' rates on seeds 1..N and every track; the depth grid,\n"
            "generalisation across tracks (frozen models), learning curves and example runs. Each claim of the\n"
            "paper gets a verdict computed from the numbers (Wilson intervals, Mann-Whitney tests).\n\n"
            "options:\n"
            "  --out DIR              report directory (created if missing; its parent must exist)\n"
            "  --seeds N              evaluation seeds per rule and track (default 20, SPEC §9)\n"
            "  --sweep-seeds N        seeds per rate and track in the sweep (default 2)\n"
            "  --tracks A,B,...       tracks (default paper,s-curves; the first is drawn, the last is the one of\n"
            "                         the depth grid and the learning curves)\n"
            "  --quick                tiny study for CI: 2 seeds, 1 sweep seed, first track, 2 rates per rule,\n"
            "                         small depth grid, max 3000 steps (explicit options still win)\n"
            "  --jobs N               worker processes (default 2)\n"
            "  --runs DIR             keep each run's result in DIR and reuse it when the report is made again\n"
            "  --quiet                no progress (otherwise a live line on a terminal, a line every 10 s else)\n"
            "  --help                 this text\n"
            "The base configuration is the noisy preset (--preset noisy; step cap 30000); the config options\n"
            "below change it (rule, rate, seed and track are set by the study).\n\n"
            "exit status: 0 report written, 1 a run or a file failed, 2 usage error, 130 / 143 stopped by\n"
            "SIGINT / SIGTERM (workers stopped; finished runs are kept in --runs DIR).\n\n");
    pm_config_print_options_help(f);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int pm_cmd_report(int argc, char **argv)
{
    const char *cmd = "report";
    if (pm_cli_wants_help(argc, argv)) {
        report_help(stdout);
        return 0;
    }
    pm_study_options o;
    char err[PM_CFG_ERR_MAX];
    const volatile sig_atomic_t *stop = pm_cli_catch_stop_signals();   /* first: the whole report is covered */
    int rc = pm_study_parse_args(argc, argv, &o, err);
    o.stop = stop;
    if (rc) {
        pm_cli_error(cmd, "%s", err);
        return rc;
    }
    if (pm_render_prepare_dir(o.out, err) || (o.runs_dir && pm_render_prepare_dir(o.runs_dir, err)) ||
        pm_study_check_setup(&o, err)) {
        pm_cli_error(cmd, "%s", err);
        return 2;
    }
    double t0 = now_seconds();
    pm_study_result res;
    pm_report_examples ex;
    rc = pm_study_run(&o, &res, err);
    if (!rc)
        rc = pm_report_summary_figures(&o, &res, err);
    if (!rc)
        rc = pm_report_examples_run(&o, &res, &ex, err);
    double wall = now_seconds() - t0;
    if (!rc)
        rc = pm_report_write_md(&o, &res, &ex, wall, err);
    int n_runs = res.n_sweep_runs + res.n_eval_runs;
    pm_study_result_free(&res);
    if (rc) {
        pm_cli_error(cmd, "%s", err);
        return rc;
    }
    printf("%s/report.md written: %d runs in %.1f s wall time with %d jobs\n", o.out, n_runs, wall, o.jobs);
    return fflush(stdout) ? 1 : *o.stop ? 128 + *o.stop : 0;   /* a signal during the last pictures: still 128+sig */
}
