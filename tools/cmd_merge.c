/* primod merge: joins a directory of run JSON files (a distributed sweep) into the compare-style summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "primod/batch.h"
#include "cli_common.h"
#include "commands.h"
#include "primod/render.h"
#include "primod/study.h"

static void merge_help(FILE *f)
{
    fprintf(f,
            "usage: primod merge [--json] [--plots PDIR] DIR\n"
            "Reads every *.json run record in DIR (written by `primod run --json`, `compare --out` or the\n"
            "commands of `sweep --emit-commands`) and prints the summary per rule, or per rule@rate when a rule\n"
            "was run at several rates: success rate, median and quartiles of the success step, error integral,\n"
            "mean |E| over the last window, wall time.\n"
            "  --json    one JSON object {\"runs\": [...], \"rules\": {...}} (runs in file-name order)\n"
            "  --plots PDIR  summary pictures into PDIR (created if missing): success_steps.png and\n"
            "            error_integrals.png (box plots per group), success_rate.png (over the learning rate)\n"
            "            when a rule was run at several rates\n"
            "  --help    this text\n"
            "exit status: 0 merged, 1 no memory / write error, 2 usage error, unreadable DIR or a bad file.\n");
}

/* 1 if some rule was run at more than one learning rate (the groups are then "rule@rate"): each run is
 * compared with the first run of its rule, O(n x rules). */
static int several_rates(const pm_batch_slot *slots, int n)
{
    for (int i = 0; i < n; i++) {
        int k = 0;
        while (strcmp(slots[i].res.rule, slots[k].res.rule))
            k++;
        if (slots[i].res.rate != slots[k].res.rate)
            return 1;
    }
    return 0;
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
        } else if (!strcmp(argv[i], "--plots")) {
            if (i + 1 == argc) {
                pm_cli_error(cmd, "--plots: missing value");
                return 2;
            }
            plots = argv[++i];
        } else if (argv[i][0] == '-' || dir) {
            pm_cli_error(cmd, "unexpected argument '%s' (usage: primod merge [--json] [--plots PDIR] DIR)", argv[i]);
            return 2;
        } else {
            dir = argv[i];
        }
    }
    if (!dir) {
        pm_cli_error(cmd, "missing DIR (usage: primod merge [--json] [--plots PDIR] DIR)");
        return 2;
    }
    char err[PM_CFG_ERR_MAX];
    if (plots && pm_render_prepare_dir_for("--plots", plots, err)) {
        pm_cli_error(cmd, "%s", err);
        return 2;
    }
    pm_batch_slot *slots;
    pm_batch_summary *groups = NULL;
    int n, n_groups = 0;
    int rc = pm_batch_read_dir(cmd, dir, &slots, &n);
    if (!rc && n == 0) {
        pm_cli_error(cmd, "%s: no *.json run records", dir);
        rc = 2;
    }
    if (!rc && pm_batch_summarize(slots, n, &groups, &n_groups)) {
        pm_cli_error(cmd, "out of memory");
        rc = 1;
    }
    if (!rc && json)
        rc = pm_batch_print_json(slots, n, groups, n_groups, "rules");
    else if (!rc) {
        pm_batch_print_table(groups, n_groups, stdout);
        rc = fflush(stdout) ? 1 : 0;
    }
    if (!rc && plots && pm_fig_batch_plots(cmd, slots, n, several_rates(slots, n), plots, err)) {
        pm_cli_error(cmd, "--plots: %s", err);
        rc = 1;
    }
    free(groups);
    pm_batch_slots_free(slots, n);
    free(slots);
    return rc;
}
