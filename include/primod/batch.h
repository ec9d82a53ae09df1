/* Many independent runs (compare, sweep, merge): worker processes, resumable result files, group summaries. */
#ifndef PRIMOD_BATCH_H
#define PRIMOD_BATCH_H

#include <stdio.h>

#include "primod/config.h"
#include "primod/json.h"
#include "primod/run.h"

#define PM_BATCH_GROUP_MAX 256
#define PM_BATCH_FILE_MAX 256

/* One run of a batch: its full config, the group it is summarised in, its result file name in --out DIR. */
typedef struct {
    pm_config cfg;
    char group[PM_BATCH_GROUP_MAX];   /* e.g. "pm" (compare) or "pm learning.rate=1e-05" (sweep) */
    char file[PM_BATCH_FILE_MAX];     /* "<rule>_s<seed>_<track>_<hash>.json", see pm_batch_job_name */
} pm_batch_job;

/* The outcome of one run. */
typedef struct {
    char group[PM_BATCH_GROUP_MAX];
    pm_run_result res;
    char *json;                       /* the run's JSON object text (owned; NULL if the run failed) */
    int resumed;                      /* read back from --out DIR instead of run */
} pm_batch_slot;

/* Names the job's result file from its rule, seed, track and a 64-bit FNV-1a hash of
 * "primod <PM_VERSION_STRING> results <PM_RUN_RESULT_FORMAT>\n" followed by its whole config as INI text (so a
 * resumed batch only reuses files of exactly the same settings, written by the same primod release). */
void pm_batch_job_name(pm_batch_job *job);

/* Runs every job whose result is not already in out_dir (may be NULL: no files) in up to `workers` forked
 * processes (>= 1), writing each new result to out_dir atomically (temp + rename) as it arrives. slots: (n),
 * filled in job order whatever the number of workers. Returns PM_EXIT_OK, or the exit code of the first failing
 * run (its message printed as "primod CMD: ..."); remaining started runs are still collected. Free the slots
 * with pm_batch_slots_free. progress: a line on stderr every finished run when stderr is a terminal. */
int pm_batch_execute(const char *cmd, const pm_batch_job *jobs, int n, int workers, const char *out_dir,
                     int progress, pm_batch_slot *slots);
void pm_batch_slots_free(pm_batch_slot *slots, int n);

/* Reads every *.json run file of dir into *slots (allocated, *n entries; group = rule, or "rule@rate" when
 * a rule appears with several rates). Returns 0, or PM_EXIT_USAGE with a message for an unreadable dir or a
 * file that is not a run record. */
int pm_batch_read_dir(const char *cmd, const char *dir, pm_batch_slot **slots, int *n);

/* Summary of one group (SPEC §6 measures over seeds). */
typedef struct {
    char group[PM_BATCH_GROUP_MAX];
    char rule[16];
    double rate;                 /* rate of the group's first run */
    int runs, successes, lost, diverged;
    double success_rate, success_lo, success_hi; /* Wilson 95% interval of the success rate */
    double median_success_step;  /* over successful runs; NaN if none */
    double iqr_lo, iqr_hi;       /* type-7 quartiles of the success step; NaN if none */
    double median_error_integral;
    double mean_final_abs_error; /* mean over runs of the last-window mean |E| ("after learning") */
    double wall_seconds;         /* sum of the runs' own run times (steps / steps_per_second) */
    /* controller quality (SPEC §9; filled by the quality part of pm_batch_summarize) */
    int smooth_successes;        /* successes with chatter <= run.max_chatter */
    double smooth_rate, smooth_lo, smooth_hi; /* their fraction of the runs and its Wilson 95% interval */
    double median_chatter;       /* over the runs with a measured chatter; NaN if none */
} pm_batch_summary;

/* Groups the slots in order of first appearance; *out allocated (free()), *n_groups set. 0 or -1 (no memory). */
int pm_batch_summarize(const pm_batch_slot *slots, int n, pm_batch_summary **out, int *n_groups);
/* Human table, one line per group. */
void pm_batch_print_table(const pm_batch_summary *g, int n, FILE *f);
/* Appends one summary as a JSON object (success_rate, median_success_step (null if none), iqr [q1, q3] ...). */
void pm_batch_summary_json(const pm_batch_summary *g, pm_json *j);
/* Appends {"runs": [...], "<groups_key>": {group: summary, ...}} and prints it with a newline on stdout.
 * Returns 0 or PM_EXIT_FAILURE (no memory / write error). */
int pm_batch_print_json(const pm_batch_slot *slots, int n, const pm_batch_summary *g, int n_groups,
                        const char *groups_key);

/* Quotes s for a POSIX shell ('...' with '\'' for quotes) into buf (n bytes); returns buf. */
const char *pm_batch_shell_quote(const char *s, char *buf, size_t n);

#endif
