/* primod merge: joins a directory of run JSON files (a distributed sweep) into the compare-style summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch_cli.h"
#include "primod/batch.h"
#include "primod/notify.h"
#include "cli_common.h"
#include "commands.h"
#include "primod/render.h"
#include "primod/study.h"

static void merge_help(FILE *f)
{
    fprintf(f,
            "usage: primod merge [--json] [--plots PDIR] DIR\n"
            "Reads every *.json run record in DIR (written by `primod run --json`, `compare --out` or the\n"
            "commands of `sweep --emit-commands` / `--slurm`) and groups them exactly as compare and sweep do:\n"
            "by rule and every config key that differs between the runs (track included). Records of another\n"
            "primod release or result format, interrupted runs and duplicates (same config and seed) are left\n"
            "out and counted; a file that is not a regular file of at most 1 MiB is refused.\n"
            "  --json    the result JSON of compare and sweep: {\"runs\", \"params\", \"groups\", \"skipped\"}\n"
            "  --plots PDIR  summary pictures into PDIR (created if missing): success_steps.png and\n"
            "            error_integrals.png (box plots per group), success_rate.png (over the learning rate)\n"
            "            when the learning rate varies\n"
            "  --help    this text\n"
            "exit status: 0 merged, 1 no memory / write error, 2 usage error, unreadable DIR or a bad file.\n");
}

int pm_cmd_merge(int argc, char **argv)
{
    const char *cmd = "merge", *dir = NULL, *plots = NULL;
    int json = 0;
    if (pm_cli_wants_help(argc, argv)) {
        merge_help(stdout);
        return 0;
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) {
            json = 1;
        } else if (!strncmp(argv[i], "--plots=", 8)) {
            plots = argv[i] + 8;
        } else if (!strcmp(argv[i], "--plots") && i + 1 < argc) {
            plots = argv[++i];
        } else if (!strcmp(argv[i], "--plots") || argv[i][0] == '-' || dir) {
            pm_cli_error(cmd, "%s '%s' (usage: primod merge [--json] [--plots PDIR] DIR)",
                         strcmp(argv[i], "--plots") ? "unexpected argument" : "--plots: missing value for", argv[i]);
            return 2;
        } else {
            dir = argv[i];
        }
    }
    char err[PM_CFG_ERR_MAX];
    if (!dir) {
        pm_cli_error(cmd, "missing DIR (usage: primod merge [--json] [--plots PDIR] DIR)");
        return 2;
    }
    if (plots && pm_render_prepare_dir_for("--plots", plots, err)) {
        pm_cli_error(cmd, "%s", err);
        return 2;
    }
    pm_batch_slot *slots;
    pm_batch_skipped skipped;
    pm_batch_report rep;
    memset(&rep, 0, sizeof rep);
    int n, rc = pm_batch_read_dir(cmd, dir, &slots, &n, &skipped);
    if (!rc && (skipped.other_version || skipped.interrupted || skipped.duplicates))
        pm_notify(PM_NOTE_INFO, cmd, "left out %d records of another primod release or result format, %d interrupted "
                  "runs, %d duplicates", skipped.other_version, skipped.interrupted, skipped.duplicates);
    if (!rc && n == 0) {
        pm_cli_error(cmd, "%s: no *.json run records of this release", dir);
        rc = 2;
    }
    if (!rc && pm_batch_group(slots, n, &rep)) {
        pm_cli_error(cmd, "out of memory");
        rc = 1;
    }
    if (!rc)
        rc = pm_batch_print_outcome(cmd, json, slots, n, &rep, &skipped, 0);
    int rate_varies = 0;
    for (int k = 0; k < rep.n_keys; k++)
        rate_varies |= !strncmp(rep.keys[k], "learning.rate", 13);
    if (!rc && plots && pm_fig_batch_plots(cmd, slots, n, rate_varies, plots, err)) {
        pm_cli_error(cmd, "--plots: %s", err);
        rc = 1;
    }
    pm_batch_report_free(&rep);
    pm_batch_slots_free(slots, n);
    free(slots);
    return rc;
}
