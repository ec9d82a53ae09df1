/* The standard study behind `primod report` (SPEC §9 noisy preset): rate sweep, best-rate comparison, the authors'
 * rates, controller quality, depth, generalisation, learning curves, analysis. */
#ifndef PRIMOD_STUDY_H
#define PRIMOD_STUDY_H

#include <signal.h>
#include <stdio.h>

#include "primod/batch.h"
#include "primod/config.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PM_STUDY_MAX_TRACKS 8
#define PM_STUDY_MAX_RATES 8
#define PM_STUDY_N_RULES 8          /* reflex, bp, pm, sr, sign, sat, satsign, motion */
#define PM_STUDY_N_AUTHORS 2        /* BP at 0.1 and P&M at 1e-5, the authors' rates (SPEC §6) */
#define PM_STUDY_SWEEP_SEED0 1001   /* sweep seeds 1001.. are disjoint from the evaluation seeds 1.. */

typedef struct {
    pm_config base;             /* study preset + the user's config options (rule/rate/seed/track overridden) */
    int seeds;                      /* evaluation seeds 1..seeds per rule and track (>= 1) */
    int sweep_seeds;                /* seeds per rate and track in the sweep (>= 1) */
    char tracks[PM_STUDY_MAX_TRACKS][64];
    int n_tracks;                   /* >= 1; tracks[0] is the one of the example pictures */
    int quick;                      /* 2 rates per rule instead of the decade grids; smaller depth/curve grids */
    int jobs;                       /* worker processes (>= 1) */
    const char *out;                /* report directory (exists) */
    const char *runs_dir;           /* NULL, or a directory where run results are kept and resumed */
    int quiet;                      /* no progress messages (pm_notify) */
    const volatile sig_atomic_t *stop; /* may be NULL: a signal number stops the study (pm_batch_execute) */
} pm_study_options;

/* What the study found for one rule (evaluation pooled over tracks and seeds). NaN where undefined. */
typedef struct {
    const char *rule;                        /* "reflex", "bp", ... (static storage) */
    char group[32];                          /* batch group of its evaluation runs: the rule, or "bp@authors" */
    int n_rates;
    double rates[PM_STUDY_MAX_RATES];        /* swept rates, ascending (none for the reflex) */
    int sweep_runs[PM_STUDY_MAX_RATES], sweep_ok[PM_STUDY_MAX_RATES];
    double sweep_ei[PM_STUDY_MAX_RATES];     /* median error integral per swept rate */
    double best_rate;                        /* most successes, then lowest median error integral */
    int runs, ok;                            /* evaluation runs and successes */
    double ok_lo, ok_hi;                     /* Wilson 95% interval of the success rate */
    double step_median, step_q1, step_q3;    /* success step of the successful runs */
    double ei_median, ei_q1, ei_q3;          /* error integral of the runs neither lost nor diverged */
    double ei_ci_lo, ei_ci_hi;               /* distribution-free ~95% interval of that median (order statistics) */
    double final_err;                        /* mean over runs of the last-window mean |E| */
    double *censored;                        /* (runs) success step, or max_steps for a failed run */
    double *ei;                              /* (n_ei) error integrals of the runs neither lost nor diverged */
    int n_ei;
    int lost, diverged;                      /* runs that lost the line / diverged (left out of ei) */
    int floor_ok;                            /* successes at the earliest possible step (warmup + window - 1) */
    /* controller quality (SPEC §9) */
    int smooth;                              /* smooth successes (chatter <= run.max_chatter) */
    double smooth_lo, smooth_hi;             /* Wilson 95% interval of the smooth-success rate */
    double smooth_step_median;               /* median success step of the smooth successes */
    double chatter_median, saturation_median, maxw_median; /* over runs with the value defined */
    int n_layers;
    double layer_rms[PM_RUN_MAX_LAYERS];     /* median over runs of ||W^l - W^l_0|| / sqrt(weights of l) */
    int track_runs[PM_STUDY_MAX_TRACKS], track_ok[PM_STUDY_MAX_TRACKS];
    double track_step[PM_STUDY_MAX_TRACKS];  /* median success step per track (successful runs) */
} pm_study_rule;

/* (b) depth (SPEC §9): depth x init x rule, each cell at its best rate from a 3-decade sweep. */
#define PM_DEPTH_N_DEPTHS 5      /* 1, 3, 10, 20, 40 hidden layers of 10 */
#define PM_DEPTH_N_INITS 3       /* paper (sigmoid), symmetric (sigmoid), symmetric + tanh */
#define PM_DEPTH_N_RULES 3       /* bp, pm, sign */
typedef struct {
    int depth, init, rule;              /* indexes into the grids */
    double best_rate;
    int runs, ok, smooth;
    double rms_first, rms_deep;         /* median RMS weight change of the first hidden layer and of the deepest
                                         * hidden layer (||W - W0|| / sqrt(weights)); NaN without runs */
    double rms_mid;                     /* median of the middle hidden layer */
    double maxw;                        /* median max |w| at the end (saturating units need large weights) */
} pm_depth_cell;

typedef struct {
    int n_depths;                       /* 0: not run */
    int depths[PM_DEPTH_N_DEPTHS];
    pm_depth_cell cell[PM_DEPTH_N_DEPTHS][PM_DEPTH_N_INITS][PM_DEPTH_N_RULES];
    int seeds;                          /* evaluation seeds per cell */
    int n_runs;
    double seconds;
} pm_depth_result;

/* Generalisation: models trained on each track, run frozen on every track; mean |E| matrix. */
#define PM_GEN_MAX_TRACKS 8
typedef struct {
    int n_tracks;                       /* 0: not run */
    char tracks[PM_GEN_MAX_TRACKS][32];
    const char *rule;                   /* the learning rule trained */
    double rate;
    int trained_ok[PM_GEN_MAX_TRACKS];  /* training run reached success */
    double mean_abs_e[PM_GEN_MAX_TRACKS][PM_GEN_MAX_TRACKS]; /* [trained on][run on], frozen; NaN: not run */
    int lost[PM_GEN_MAX_TRACKS][PM_GEN_MAX_TRACKS];
    double reflex[PM_GEN_MAX_TRACKS];   /* the reflex alone on each track */
    int reflex_lost[PM_GEN_MAX_TRACKS];
    double untrained[PM_GEN_MAX_TRACKS]; /* a fresh (untrained) network, frozen */
    int untrained_lost[PM_GEN_MAX_TRACKS];
    long steps;                         /* steps of each frozen run */
    double seconds;
} pm_gen_result;

/* Learning curves: median |E| per bin with the interquartile band, per rule at its best rate. */
#define PM_CURVE_BIN 200
#define PM_CURVE_MAX_BINS 64
typedef struct {
    int n_bins;                                       /* 0: not run */
    int runs;                                         /* runs per rule */
    double median[PM_STUDY_N_RULES][PM_CURVE_MAX_BINS], q1[PM_STUDY_N_RULES][PM_CURVE_MAX_BINS],
           q3[PM_STUDY_N_RULES][PM_CURVE_MAX_BINS];  /* over runs of the bin's mean |E|; NaN when no run */
    double seconds;
} pm_curve_result;

typedef struct {
    pm_study_rule rule[PM_STUDY_N_RULES];
    pm_study_rule authors[PM_STUDY_N_AUTHORS];  /* bp@0.1 and pm@1e-5 on the evaluation seeds */
    int n_sweep_runs, n_eval_runs;
    double sweep_seconds, eval_seconds;      /* wall time of the two batches */
    pm_batch_slot *sweep, *eval;             /* the raw results (owned) */
    pm_depth_result depth;
    pm_gen_result gen;
    pm_curve_result curves;
} pm_study_result;

/* Runs the sweep and the evaluation batches and analyses them into res (free with pm_study_result_free).
 * Returns PM_EXIT_OK, or an exit code with a message in err (PM_CFG_ERR_MAX bytes). */
int pm_study_run(const pm_study_options *o, pm_study_result *res, char *err);
/* Parses `primod report`'s argv (argv[0] = the command name): the study preset, then --config/--preset/--set and
 * the config options, --out (required) --runs --seeds --sweep-seeds --tracks --jobs --quick --quiet. Returns 0,
 * or PM_EXIT_USAGE / PM_EXIT_FAILURE with one line in err; prints nothing. o's paths point into argv. */
int pm_study_parse_args(int argc, char **argv, pm_study_options *o, char *err);
/* Checks the config and loads every track once, before hundreds of runs start: 0 or an exit code with err. */
int pm_study_check_setup(const pm_study_options *o, char *err);
/* The parts of pm_study_run after the main study (each fills its member of res; exit code + err):
 * (b) depth grid as batches (study_depth.c); generalisation matrix and learning curves in process. */
int pm_study_depth(const pm_study_options *o, pm_study_result *res, char *err);
int pm_study_generalise(const pm_study_options *o, pm_study_result *res, char *err);
int pm_study_curves(const pm_study_options *o, pm_study_result *res, char *err);
/* Figures of those parts into o->out: depth_success.png, depth_rms.png, curves.png, curves_<rule>.png. */
int pm_study_extra_figures(const pm_study_options *o, const pm_study_result *res, char *err);
/* Shared helpers of the study files: median/quartiles of x (n; NaN if n < 1), and the batch runner. */
void pm_study_quartiles(const double *x, int n, double *med, double *q1, double *q3);
int pm_study_batch(const pm_study_options *o, pm_batch_job *jobs, int n, pm_batch_slot **slots, double *secs,
                   char *err);
void pm_study_result_free(pm_study_result *res);

/* Index of a rule in res->rule by name, or -1. */
int pm_study_rule_index(const pm_study_result *res, const char *name);

/* ---- figures of a batch (box plots, rate sweep) ---- */
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
 * Returns 0, or -1 with a message in err (PM_CFG_ERR_MAX bytes): nothing to draw, no memory, cannot write. */
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
 * message in err (PM_CFG_ERR_MAX bytes): more than 64 groups, no memory, cannot write. */
int pm_fig_batch_plots(const char *cmd, const pm_batch_slot *slots, int n, int rate_sweep, const char *dir,
                       char *err);

/* ---- the report: example runs, figures, report.md ---- */
/* Numbers of the example runs and the impulse response quoted in the text. */
typedef struct {
    long impulse_peak_step;      /* step of the largest |E| after the kick */
    double impulse_peak;         /* that |E| */
    long impulse_settle_step;    /* first step after the peak with |E| below 1% of the peak; -1 none */
    long impulse_again_step;     /* first later step with |E| back above 1% of the peak (line met again); -1 none */
    int impulse_steps;
    double impulse_kick;
    long example_steps[PM_STUDY_N_RULES];    /* steps of each example run (-1: not run) */
    double example_chatter[PM_STUDY_N_RULES]; /* its controller quality (SPEC §9) */
    long example_success[PM_STUDY_N_RULES];  /* its success step, -1 if none */
} pm_report_examples;

/* Summary figures of the study into o->out: boxes_success_step.png, boxes_error_integral.png, rate_sweep.png,
 * depth.png. Returns 0 or an exit code with a message in err (PM_CFG_ERR_MAX bytes). */
int pm_report_summary_figures(const pm_study_options *o, const pm_study_result *res, char *err);

/* Example runs on o->tracks[0], seed 1, each learning rule at its best rate beside the reflex alone, recorded in
 * process and drawn (<rule>_track_error.png, <rule>_signals.png, <rule>_weights.png, ...), plus the reflex
 * impulse response (impulse.png). Fills ex. Returns 0 or an exit code with a message in err. */
int pm_report_examples_run(const pm_study_options *o, const pm_study_result *res, pm_report_examples *ex,
                           char *err);

/* Writes o->out/report.md (temp file + rename): settings, tables, figures and the prose drawn from the numbers.
 * wall: total seconds of the study. Returns 0 or an exit code with a message in err. */
int pm_report_write_md(const pm_study_options *o, const pm_study_result *res, const pm_report_examples *ex,
                       double wall, char *err);

#ifdef __cplusplus
}
#endif

#endif
