/* Many independent runs (compare, sweep, merge): the plan (rules x grid x tracks x seeds), worker processes,
 * content-keyed resumable result files, exact grouping, summaries, and the executors' scripts (SPEC §11). */
#ifndef PRIMOD_BATCH_H
#define PRIMOD_BATCH_H

#include <signal.h>
#include <stdio.h>

#include "primod/config.h"
#include "primod/json.h"
#include "primod/run.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PM_BATCH_GROUP_MAX 256
#define PM_BATCH_FILE_MAX 256
#define PM_BATCH_MAX_GRID 8        /* --grid options */
#define PM_BATCH_MAX_VALUES 64     /* values per grid key, rules, tracks */
#define PM_BATCH_MAX_SEEDS 100000
#define PM_BATCH_MAX_RUNS 1000000
#define PM_BATCH_RECORD_MAX (1 << 20) /* merge refuses result files larger than this (1 MiB) */

/* One --grid axis: section.key and its values (pointing into copy). */
typedef struct {
    char section[32], key[64];
    char *values[PM_BATCH_MAX_VALUES];
    int n;
    char *copy;
} pm_batch_axis;

/* The parsed command line of compare / sweep (pm_batch_parse_args). */
typedef struct {
    const char *cmd;                   /* "compare" or "sweep": names the messages */
    int sweep;                         /* --grid and the "best for" lines */
    pm_config base;                    /* preset, --config files and config options in order */
    int rules[PM_BATCH_MAX_VALUES], n_rules;
    unsigned long long *seeds;         /* (n_seeds), owned */
    int n_seeds;
    char *tracks[PM_BATCH_MAX_VALUES]; /* (n_tracks) into tracks_copy; 0 tracks: base.track */
    char *tracks_copy;
    int n_tracks;
    pm_batch_axis grid[PM_BATCH_MAX_GRID];
    int n_grid;
    const char *load_model;            /* --load-model FILE or NULL (hashed by content) */
    const char *configs[16];           /* the --config files (hashed by content) */
    int n_configs;
    int workers, json, quiet, emit, tasks; /* tasks: --tasks N of --slurm, 0 = default */
    const char *out_dir, *plots_dir, *slurm_file;
    int argc;                          /* the command line, repeated by the emitted commands */
    char **argv;
} pm_batch_request;

/* One run of a batch: its full config, the group it is summarised in, its result file name in --out DIR. */
typedef struct {
    pm_config cfg;
    const char *load_model;            /* may be NULL */
    char group[PM_BATCH_GROUP_MAX];    /* label; compare/sweep/merge set it from the varied keys */
    char file[PM_BATCH_FILE_MAX];      /* "<rule>_s<seed>_<track>_<hash>.json" */
} pm_batch_job;

/* The outcome of one run (or one record read back by merge). */
typedef struct {
    char group[PM_BATCH_GROUP_MAX];
    pm_run_result res;
    char *json;                        /* the run's JSON object text (owned; NULL: no result) */
    char *flat;                        /* its config as "section.key=value\n" lines, seed excluded (owned) */
    int resumed;                       /* read back from --out DIR instead of run */
    int interrupted;                   /* stopped by a signal: not a result (not cached, not counted) */
    int failed;                        /* the run failed (message sent through pm_notify) */
} pm_batch_slot;

/* Parses compare/sweep's argv (argv[0] = the command name): config layering, then --rules --seeds --tracks
 * --grid (sweep) --rate-RULE --load-model --jobs --out --plots --json --quiet --emit-commands --slurm --tasks
 * and the config options. Returns 0, or PM_EXIT_USAGE / PM_EXIT_FAILURE with one line in err (PM_CFG_ERR_MAX);
 * prints nothing. Free with pm_batch_request_free (also after an error). */
int pm_batch_parse_args(const char *cmd, int sweep, int argc, char **argv, pm_batch_request *req, char *err);
void pm_batch_request_free(pm_batch_request *req);

/* The jobs of a request: rule, then grid point, then track, then seed (seeds fastest), each named by
 * pm_batch_job_name; a job whose config and inputs equal an earlier one's (--rules pm,pm, a grid value given
 * twice) is left out, so it runs and counts once. *jobs allocated (free()). 0, or an exit code with err. */
int pm_batch_plan(const pm_batch_request *req, pm_batch_job **jobs, int *n, char *err);

/* Names the job's result file from its rule, seed, track and a 64-bit FNV-1a hash of "primod <version> results
 * <PM_RUN_RESULT_FORMAT>", its whole config as INI text and the *contents* of its input files (PNG track,
 * model; extra: further files such as the --config INIs, may be NULL), so a changed file is never mistaken for
 * the old one's result. 0, or -1 with err naming an input file that cannot be read. */
int pm_batch_job_name(pm_batch_job *job, const char *const *extra, int n_extra, char *err);

/* Checks every write target of the request before any run: --out (created if missing, must take a file),
 * --plots (created), --slurm (its directory writable, not a directory). 0 or PM_EXIT_USAGE with err. */
int pm_batch_check_targets(const pm_batch_request *req, char *err);

/* Writes the `primod run ... --json` shell command of every job whose result file is still missing, one a line
 * (each writes DIR/<file> through a temporary file when --out is given). *n_written: commands written. */
int pm_batch_write_commands(const pm_batch_request *req, const pm_batch_job *jobs, int n, FILE *f, int *n_written);
/* Writes an sbatch script for a job array of req->tasks tasks (0: commands / 8, at least 1, at most the number
 * of commands); task k runs every tasks-th command from k and fails if one of them fails. *n_tasks, *n_cmds set. */
int pm_batch_write_slurm(const pm_batch_request *req, const pm_batch_job *jobs, int n, int *n_tasks, int *n_cmds,
                         char *err);

/* Runs every job whose result is not already in out_dir (NULL: no files) in up to `workers` forked processes,
 * writing each new result to out_dir atomically as it arrives. slots: (n), in job order whatever the number of
 * workers. stop (may be NULL): once it holds a signal number, no new run starts, the signal is forwarded to the
 * running workers (whose runs end after their current step, marked interrupted and not cached) and they are
 * waited for. progress: pm_notify(PM_NOTE_BATCH_PROGRESS) "done/total runs, failures, ETA" as runs finish and
 * about every second. Returns PM_EXIT_OK, PM_EXIT_FAILURE (a run or a result write failed: the other results
 * are kept), or 128 + the signal. Free the slots with pm_batch_slots_free. */
int pm_batch_execute(const char *cmd, const pm_batch_job *jobs, int n, int workers, const char *out_dir,
                     int progress, const volatile sig_atomic_t *stop, pm_batch_slot *slots);
void pm_batch_slots_free(pm_batch_slot *slots, int n);

/* What merge left out. */
typedef struct {
    int other_version;   /* written by another primod release or result format */
    int duplicates;      /* the same config and seed as a record already read */
    int interrupted;     /* "interrupted": true */
} pm_batch_skipped;

/* Reads every *.json run record of dir into *slots (allocated, *n entries), file-name order. Records of another
 * release or format, interrupted runs and duplicates are skipped and counted in *skipped. Returns 0, or
 * PM_EXIT_USAGE with a message (pm_notify) for an unreadable dir or a file that is not a regular file of at most
 * PM_BATCH_RECORD_MAX bytes holding a run record with its config. */
int pm_batch_read_dir(const char *cmd, const char *dir, pm_batch_slot **slots, int *n, pm_batch_skipped *skipped);

/* Summary of one group (SPEC §6 measures over seeds). */
typedef struct {
    char group[PM_BATCH_GROUP_MAX];     /* label: rule, then " key=value" (%g) for each varied key */
    char rule[16];
    double rate;                        /* rate of the group's first run */
    int first;                          /* index of the group's first slot (its params are that run's values) */
    int runs, successes, lost, diverged;
    double success_rate, success_lo, success_hi; /* Wilson 95% interval of the success rate */
    double median_success_step;         /* over successful runs; NaN if none */
    double iqr_lo, iqr_hi;              /* type-7 quartiles of the success step; NaN if none */
    double median_error_integral;
    double mean_final_abs_error;        /* mean over runs of the last-window mean |E| ("after learning") */
    double wall_seconds;                /* sum of the runs' own run times (steps / steps_per_second) */
    /* controller quality (SPEC §9) */
    int smooth_successes;               /* successes with chatter <= run.max_chatter */
    double smooth_rate, smooth_lo, smooth_hi; /* their fraction of the runs and its Wilson 95% interval */
    double median_chatter;              /* over the runs with a measured chatter; NaN if none */
} pm_batch_summary;

/* Groups the slots that hold a result by their group label, in order of first appearance; *out allocated
 * (free()), *n_groups set. 0 or -1 (no memory). */
int pm_batch_summarize(const pm_batch_slot *slots, int n, pm_batch_summary **out, int *n_groups);

/* The grouping of compare, sweep and merge alike: rule + every config key whose value differs between the
 * results (seed excluded; track included). */
typedef struct {
    char **keys;                 /* (n_keys) the varied "section.key", config order */
    int n_keys;
    pm_batch_summary *groups;    /* (n_groups) sorted by rule, then by the keys' values (numbers numerically) */
    int n_groups;
    int results, interrupted, failed; /* slots with a result / interrupted / failed */
} pm_batch_report;

/* Labels every slot with a result ("pm network.hidden_width=3") and summarises the groups. 0 or -1 (memory). */
int pm_batch_group(pm_batch_slot *slots, int n, pm_batch_report *rep);
void pm_batch_report_free(pm_batch_report *rep);
/* The value text of key in a slot's config ("" if absent); numbers as the run record has them. */
const char *pm_batch_slot_value(const pm_batch_slot *slot, const char *key, char *buf, size_t n);

/* Human table, one line per group. */
void pm_batch_print_table(const pm_batch_summary *g, int n, FILE *f);
/* Sweep: "best for RULE: label" per rule (highest success rate, then lowest median step, then error integral). */
void pm_batch_print_best(const pm_batch_summary *g, int n, FILE *f);
/* Appends one summary as a JSON object (success_rate, median_success_step (null if none), iqr [q1, q3] ...). */
void pm_batch_summary_json(const pm_batch_summary *g, pm_json *j);
/* The result schema of compare, sweep and merge --json (README "Batch results"): {"runs": [...], "params": [keys],
 * "groups": [{"label", "rule", "params": {key: value}, statistics...}], "skipped": {...}}. skipped may be NULL. */
void pm_batch_result_json(const pm_batch_slot *slots, int n, const pm_batch_report *rep,
                          const pm_batch_skipped *skipped, pm_json *j);

/* A planned and executed batch: jobs, their slots (n each) and the grouped report. */
typedef struct {
    pm_batch_job *jobs;
    pm_batch_slot *slots;
    int n;
    pm_batch_report rep;
} pm_batch_outcome;

/* Plans the request, executes it (pm_batch_execute: workers, --out, stop, progress unless req->quiet) and groups
 * the results. Returns what pm_batch_execute does, or PM_EXIT_USAGE / PM_EXIT_FAILURE with err for a bad plan
 * or no memory (then out holds nothing). Whatever finished is in out, also after a failure or a signal.
 * Targets are not checked here: call pm_batch_check_targets first. Free with pm_batch_outcome_free. */
int pm_batch_run_request(const pm_batch_request *req, const volatile sig_atomic_t *stop, pm_batch_outcome *out,
                         char *err);
void pm_batch_outcome_free(pm_batch_outcome *out);

/* compare/sweep as one call for programs (Python's primod.compare/sweep): parse argv like the command, plan,
 * check the targets, execute (stop as pm_batch_execute; progress through pm_notify unless --quiet), group, and
 * return the result schema's JSON text in *json (malloc'd, also when some runs failed or a signal stopped the
 * batch: then the partial result). Prints nothing. Returns the command's exit code; err set when it is not 0
 * and nothing else reported the cause. --emit-commands and --slurm are refused here (PM_EXIT_USAGE). */
int pm_batch_json_from_args(const char *cmd, int sweep, int argc, char **argv, const volatile sig_atomic_t *stop,
                            char **json, char *err);

/* Does what `primod compare ARGS --json` (sweep 0) or `primod sweep ARGS --json` (sweep 1) does, without printing:
 * argv[0] is ignored, argv[1..] are the command's options (config options, --rules, --seeds, --tracks, --rate-RULE,
 * --jobs, --out DIR, and --grid for sweep; --json and --quiet change nothing; --plots and --emit-commands are
 * refused). cmd names the batch in messages. Returns the command's exit code (0, 1 a run failed, 2 usage or
 * config); on 0 *json gets the malloc'd JSON object of --json without the newline (free()), else *json is NULL
 * and err (errcap bytes, may be NULL) gets one line. Runs in forked worker processes like the CLI; while it runs
 * it installs its own pm_notify handler (to keep a failing run's message) and leaves none installed after. */
int pm_batch_main_json(const char *cmd, int sweep, int argc, char **argv, char **json, char *err, size_t errcap);

/* Quotes s for a POSIX shell ('...' with '\'' for quotes) into buf (n bytes); returns buf. */
const char *pm_batch_shell_quote(const char *s, char *buf, size_t n);

#ifdef __cplusplus
}
#endif

#endif
