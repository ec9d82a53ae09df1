/* The standard study behind `primod report` (SPEC §6 study preset): rate sweep, best-rate comparison, analysis. */
#ifndef PRIMOD_TOOLS_REPORT_STUDY_H
#define PRIMOD_TOOLS_REPORT_STUDY_H

#include <stdio.h>

#include "batch.h"
#include "config.h"

#define PM_STUDY_MAX_TRACKS 8
#define PM_STUDY_MAX_RATES 8
#define PM_STUDY_N_RULES 5          /* reflex, bp, pm, sr, sign */
#define PM_STUDY_SWEEP_SEED0 1001   /* sweep seeds 1001.. are disjoint from the evaluation seeds 1.. */

typedef struct {
    pm_cli_config base;             /* study preset + the user's config options (rule/rate/seed/track overridden) */
    int seeds;                      /* evaluation seeds 1..seeds per rule and track (>= 1) */
    int sweep_seeds;                /* seeds per rate and track in the sweep (>= 1) */
    char tracks[PM_STUDY_MAX_TRACKS][64];
    int n_tracks;                   /* >= 1; tracks[0] is the one of the example pictures */
    int quick;                      /* 2 rates per rule instead of the decade grids */
    int jobs;                       /* worker processes (>= 1) */
    const char *out;                /* report directory (exists) */
    const char *runs_dir;           /* NULL, or a directory where run results are kept and resumed */
} pm_study_options;

/* What the study found for one rule (evaluation pooled over tracks and seeds). NaN where undefined. */
typedef struct {
    const char *rule;                        /* "reflex", "bp", "pm", "sr", "sign" (static storage) */
    int n_rates;
    double rates[PM_STUDY_MAX_RATES];        /* swept rates, ascending (none for the reflex) */
    int sweep_runs[PM_STUDY_MAX_RATES], sweep_ok[PM_STUDY_MAX_RATES];
    double sweep_ei[PM_STUDY_MAX_RATES];     /* median error integral per swept rate */
    double best_rate;                        /* most successes, then lowest median error integral */
    int runs, ok;                            /* evaluation runs and successes */
    double ok_lo, ok_hi;                     /* Wilson 95% interval of the success rate */
    double step_median, step_q1, step_q3;    /* success step of the successful runs */
    double ei_median, ei_q1, ei_q3;          /* error integral, all runs */
    double ei_ci_lo, ei_ci_hi;               /* distribution-free ~95% interval of that median (order statistics) */
    double final_err;                        /* mean over runs of the last-window mean |E| */
    double *censored;                        /* (runs) success step, or max_steps for a failed run */
    double *ei;                              /* (runs) error integrals */
    int n_layers;
    double layer_rms[PM_RUN_MAX_LAYERS];     /* median over runs of ||W^l - W^l_0|| / sqrt(weights of l) */
    int track_runs[PM_STUDY_MAX_TRACKS], track_ok[PM_STUDY_MAX_TRACKS];
    double track_step[PM_STUDY_MAX_TRACKS];  /* median success step per track (successful runs) */
} pm_study_rule;

typedef struct {
    pm_study_rule rule[PM_STUDY_N_RULES];
    int n_sweep_runs, n_eval_runs;
    double sweep_seconds, eval_seconds;      /* wall time of the two batches */
    pm_batch_slot *sweep, *eval;             /* the raw results (owned) */
} pm_study_result;

/* Runs the sweep and the evaluation batches and analyses them into res (free with pm_study_result_free).
 * Returns PM_EXIT_OK, or an exit code with a message in err (PM_CLI_ERR_MAX bytes). */
int pm_study_run(const pm_study_options *o, pm_study_result *res, char *err);
void pm_study_result_free(pm_study_result *res);

/* Index of a rule in res->rule by name, or -1. */
int pm_study_rule_index(const pm_study_result *res, const char *name);

#endif
