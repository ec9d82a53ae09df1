/* The pictures and the report.md of `primod report`, written from a finished pm_study_result. */
#ifndef PRIMOD_TOOLS_REPORT_WRITE_H
#define PRIMOD_TOOLS_REPORT_WRITE_H

#include "report_study.h"

/* Numbers of the example runs and the impulse response quoted in the text. */
typedef struct {
    long impulse_peak_step;      /* step of the largest |E| after the kick */
    double impulse_peak;         /* that |E| */
    long impulse_settle_step;    /* first step after the peak with |E| below 1% of the peak; -1 none */
    long impulse_again_step;     /* first later step with |E| back above 1% of the peak (line met again); -1 none */
    int impulse_steps;
    double impulse_kick;
    long example_steps[PM_STUDY_N_RULES];    /* steps of each example run (-1: not run) */
    long example_success[PM_STUDY_N_RULES];  /* its success step, -1 if none */
} pm_report_examples;

/* Summary figures of the study into o->out: boxes_success_step.png, boxes_error_integral.png, rate_sweep.png,
 * depth.png. Returns 0 or an exit code with a message in err (PM_CLI_ERR_MAX bytes). */
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

#endif
