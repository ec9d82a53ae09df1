/* primod compare and primod sweep: the command line over the batch library (primod/batch.h): help, printing the
 * summary or JSON, the executors' commands, exit codes. */
#include "batch_cli.h"

#include <stdlib.h>
#include <string.h>

#include "cli_common.h"
#include "primod/batch.h"
#include "primod/study.h"

static void batch_help(const char *cmd, FILE *f)
{
    int sweep = !strcmp(cmd, "sweep");
    fprintf(f, "usage: primod %s [OPTIONS]\n", cmd);
    if (sweep)
        fprintf(f, "Runs every combination of rules x grid values x tracks x seeds (cartesian product), e.g. to find\n"
                   "each rule's best rate, and summarises each group (rule + every key that varies).\n\n");
    else
        fprintf(f, "Runs several rules x seeds (x tracks) and prints per group (rule, and track when several):\n"
                   "success rate, median and quartiles of the success step (SPEC §6, over successful runs), error\n"
                   "integral, mean |E| over the last run.window steps, wall time.\n\n");
    fprintf(f,
            "  --rules LIST           rules to run (default bp,pm,sr,sign; also reflex, chained); repeats run once\n"
            "  --seeds LIST           seeds, e.g. 1-10 or 1,3,5-7 (default 1-10)\n"
            "  --tracks LIST          several tracks (default: world.track, i.e. --track)\n"
            "  --rate-RULE X          learning.rate_RULE, e.g. --rate-bp 0.01\n"
            "  --load-model FILE      every run starts from this saved network\n");
    if (sweep)
        fprintf(f, "  --grid SEC.KEY=V1,V2   values of one key (repeatable; the grid is their product),\n"
                   "                         e.g. --grid learning.rate=1e-6,1e-5,1e-4; separate with ';' when\n"
                   "                         the values are lists: --grid 'network.hidden=10;20,10'\n"
                   "  --emit-commands        print one `primod run ... --json` command per run still missing\n"
                   "                         (for GNU parallel or ssh hosts, see docs/cluster.md) instead of running;\n"
                   "                         with --out each writes DIR/<name>.json; `primod merge DIR` summarises\n");
    fprintf(f,
            "  --slurm FILE           write an sbatch script (job array) for the runs still missing instead of\n"
            "  --tasks N              running: N tasks (default runs / 8), each runs every N-th run; needs --out\n"
            "  --jobs N               worker processes (default: number of cores); results do not depend on N\n"
            "  --out DIR              keep each run's JSON in DIR (created if missing), one file per run named\n"
            "                         after rule, seed, track and a hash of its config, the contents of its\n"
            "                         files (PNG track, --config INI, model) and the release; existing files are\n"
            "                         reused, so a stopped batch resumes where it was\n"
            "  --plots DIR            summary pictures into DIR (created if missing): success_steps.png and\n"
            "                         error_integrals.png, box plots per group%s\n"
            "  --json                 one JSON object {\"runs\", \"params\", \"groups\", \"skipped\"} (README)\n"
            "  --quiet                no progress (otherwise a live line on a terminal, a line every 10 s else)\n"
            "  --help                 this text\n\n"
            "exit status: 0 all runs completed, 1 a run or a file write failed (the summary is still printed),\n"
            "2 usage or config error or an unusable --out/--plots/--slurm (before any run), 130 / 143 stopped by\n"
            "SIGINT / SIGTERM (workers stopped and waited for; the summary of the finished runs is printed).\n\n",
            sweep ? ";\n                         success_rate.png over the rate when the grid varies learning.rate*" : "");
    pm_config_print_options_help(f);
}

/* 1 if a --grid axis sets the learning rate (learning.rate or learning.rate_RULE): the sweep then gets the
 * success-rate-over-rate picture. */
static int grid_varies_rate(const pm_batch_request *a)
{
    for (int g = 0; g < a->n_grid; g++)
        if (!strcmp(a->grid[g].section, "learning") &&
            (!strcmp(a->grid[g].key, "rate") || !strncmp(a->grid[g].key, "rate_", 5)))
            return 1;
    return 0;
}

/* --emit-commands / --slurm: nothing runs here. */
static int write_for_executor(const pm_batch_request *a, char *err)
{
    pm_batch_job *jobs;
    int n, rc = pm_batch_plan(a, &jobs, &n, err), written = 0, tasks = 0;
    if (!rc && a->slurm_file)
        rc = pm_batch_write_slurm(a, jobs, n, &tasks, &written, err);
    else if (!rc)
        rc = pm_batch_write_commands(a, jobs, n, stdout, &written) || fflush(stdout) ? PM_EXIT_FAILURE : 0;
    if (!rc && a->slurm_file)
        printf("%s: %d runs in %d array tasks; submit with `sbatch --wait %s`, then `primod merge %s`\n",
               a->slurm_file, written, tasks, a->slurm_file, a->out_dir);
    if (rc && !err[0])
        snprintf(err, PM_CFG_ERR_MAX, "cannot write the commands");
    free(jobs);
    return rc;
}

int pm_batch_print_outcome(const char *cmd, int json, const pm_batch_slot *slots, int n, const pm_batch_report *rep,
                           const pm_batch_skipped *skipped, int best)
{
    int bad = 0;
    if (json) {
        pm_json j;
        pm_json_init(&j);
        pm_batch_result_json(slots, n, rep, skipped, &j);
        bad = j.failed || printf("%s\n", pm_json_text(&j)) < 0;
        pm_json_free(&j);
    } else {
        pm_batch_print_table(rep->groups, rep->n_groups, stdout);
        if (best)
            pm_batch_print_best(rep->groups, rep->n_groups, stdout);
    }
    if (fflush(stdout) || bad) {
        pm_cli_error(cmd, "cannot write the summary");
        return PM_EXIT_FAILURE;
    }
    return 0;
}

int pm_batch_main(const char *cmd, int sweep, int argc, char **argv)
{
    if (pm_cli_wants_help(argc, argv)) {
        batch_help(cmd, stdout);
        return 0;
    }
    pm_batch_request req;
    pm_batch_outcome out;
    memset(&out, 0, sizeof out);
    char err[PM_CFG_ERR_MAX] = "";
    int rc = pm_batch_parse_args(cmd, sweep, argc, argv, &req, err);
    if (!rc)   /* every write target is checked before any run */
        rc = pm_batch_check_targets(&req, err);
    if (!rc && (req.emit || req.slurm_file)) {
        rc = write_for_executor(&req, err);
    } else if (!rc) {
        rc = pm_batch_run_request(&req, pm_cli_catch_stop_signals(), &out, err);
        /* whatever finished is summarised, also after a failed run, a failed write or a signal */
        if (out.slots && out.rep.results > 0) {
            int prc = pm_batch_print_outcome(cmd, req.json, out.slots, out.n, &out.rep, NULL, sweep);
            rc = rc ? rc : prc;
            if (req.plots_dir && pm_fig_batch_plots(cmd, out.slots, out.n, grid_varies_rate(&req), req.plots_dir, err)) {
                pm_cli_error(cmd, "--plots: %s", err);
                err[0] = '\0';
                rc = rc ? rc : PM_EXIT_FAILURE;
            }
        }
    }
    if (rc && err[0])
        pm_cli_error(cmd, "%s", err);
    pm_batch_outcome_free(&out);
    pm_batch_request_free(&req);
    return rc;
}
