/* Summary pictures of many runs (compare / sweep / report): box plots per group and success rate over the rate. */
#ifndef PRIMOD_TOOLS_REPORT_FIGS_H
#define PRIMOD_TOOLS_REPORT_FIGS_H

#include "batch.h"

/* Which per-run number a box plot shows. */
typedef enum {
    PM_FIG_SUCCESS_STEP = 0,    /* success step, successful runs only */
    PM_FIG_ERROR_INTEGRAL,      /* error integral, every run */
    PM_FIG_LOG_ERROR_INTEGRAL   /* log10 of the error integral (spans decades between rules); every run, and
                                 * PM_FIG_ERROR_INTEGRAL is used instead if any integral is <= 0 */
} pm_fig_measure;

/* Box plot of one measure per group (slots grouped by their group string, in order of first appearance):
 * success step (successful runs only; a group without any success is left out and named in the title) or
 * error integral (every run). path ends in .png or .svg. For `primod compare` / `sweep` summaries too.
 * Returns 0, or -1 with a message in err (PM_CLI_ERR_MAX bytes): nothing to draw, no memory, cannot write. */
int pm_fig_boxes(const pm_batch_slot *slots, int n, pm_fig_measure measure, const char *title, const char *path,
                 char *err);

/* Success rate (fraction of runs) over the learning rate, one line per rule (log x axis), from sweep slots:
 * runs of the same rule and rate are pooled. Rules without learning (reflex, rate 0) are skipped.
 * Returns 0 or -1 with a message in err. */
int pm_fig_rate_sweep(const pm_batch_slot *slots, int n, const char *title, const char *path, char *err);

/* The summary pictures of a batch (`compare`/`sweep`/`merge --plots DIR`), into dir (which must exist):
 * success_steps.png (box plot per group; skipped with a note on stderr when no run succeeded),
 * error_integrals.png (log10 box plot per group) and, when rate_sweep is nonzero, success_rate.png (success
 * rate over the learning rate per rule; skipped with a note when no run learns). Returns 0, or -1 with a
 * message in err (PM_CLI_ERR_MAX bytes): more than 64 groups, no memory, cannot write. */
int pm_fig_batch_plots(const char *cmd, const pm_batch_slot *slots, int n, int rate_sweep, const char *dir,
                       char *err);

#endif
