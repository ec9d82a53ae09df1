/* One closed-loop run of the simulated line follower (SPEC §5-6), shared by run, compare, sweep, report, view. */
#ifndef PRIMOD_RUN_H
#define PRIMOD_RUN_H

#include <signal.h>
#include <stdio.h>

#include "primod/config.h"
#include "primod/json.h"
#include "primod/loop.h"
#include "primod/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Exit codes of the CLI (also the return values of pm_run / pm_runner_create). */
enum { PM_EXIT_OK = 0, PM_EXIT_FAILURE = 1, PM_EXIT_USAGE = 2 };

#define PM_RUN_MAX_LAYERS (PM_CFG_MAX_HIDDEN + 1)

/* A world + sim + loop built from a pm_config, stepped one closed-loop step at a time. */
typedef struct pm_runner pm_runner;

/* What one step did (for logs and viewers). */
typedef struct {
    long step;                 /* index of the step just taken, from 0 */
    double x, y, heading;      /* pose BEFORE the step's motion (where the sensors read), units, rad */
    double error, relevance;   /* E(n), R(n) */
    double steering, left, right;
    const double *outputs;     /* (n_outputs) network outputs, NULL for the reflex; valid until the next step */
    int n_outputs;
    int success, lost;         /* as pm_loop_output */
    int diverged;              /* the loop refused the step as non-finite: the run ends, not successful */
    int saturated;             /* some output within 10 % of its activation's bound (SPEC §9); 0 for the reflex */
} pm_runner_step_info;

/* pm_loop_config from the CLI config's [filter] [network] [learning] [run] keys and the predictor grid of
 * [sensors]; learning on. sizes: (PM_RUN_MAX_LAYERS) storage for the layer widths, pointed to by l->net and
 * l->output_mix points into cfg: both must outlive pm_loop_create. Cannot fail (the config's checks bound the
 * number of layers). The robot overrides the predictor layout and lost_steps afterwards. */
void pm_config_loop_config(const pm_config *cfg, int *sizes, pm_loop_config *l);

/* Compares a saved model with the network cfg describes (n_inputs: what the loop feeds it, normally
 * predictor_rows x predictor_count x filter.n): input count, hidden widths, outputs, activation, bias (the
 * initialisation and seed no longer matter once a model exists). Returns the number of differences and lists
 * each, naming the config key and both values, "; "-separated in msg (n bytes; "" when they match). */
int pm_config_model_diff(const pm_config *cfg, int n_inputs, const pm_net *net, char *msg, size_t n);

/* Loads a model file (a regular file of at most PM_FILE_MAX_MODEL bytes) and, when cfg is not NULL, refuses it
 * unless pm_config_model_diff finds no difference (against names what cfg is in the message: "config", "log's
 * configuration"). Returns PM_EXIT_OK with *out set, or PM_EXIT_USAGE / PM_EXIT_FAILURE (no memory) with one
 * line naming the file in err (PM_CFG_ERR_MAX bytes). */
int pm_model_load(const char *path, const pm_config *cfg, int n_inputs, const char *against, pm_net **out,
                  char *err);

/* Builds everything: checks cfg, resolves the track (built-in name or PNG path), places the robot, loads a
 * model (load_model may be NULL). Returns PM_EXIT_OK, or PM_EXIT_USAGE (bad config, track, start, model) /
 * PM_EXIT_FAILURE (no memory) with one line in err (PM_CFG_ERR_MAX bytes). Free with pm_runner_destroy. */
int pm_runner_create(const pm_config *cfg, const char *load_model, pm_runner **out, char *err);
/* Same, stoppable: the long parts of the set-up (drawing or loading the track, blurring the sensor maps) poll
 * *stop (may be NULL; a signal handler's flag) and give up soon after it becomes nonzero: PM_EXIT_FAILURE with
 * "...: stopped by a signal during set-up" in err. Worlds and sensor maps above PM_SETUP_MAX_BYTES (setup.h) are
 * refused with PM_EXIT_USAGE naming world.ppu, the image size and the sigmas. */
int pm_runner_create_ex(const pm_config *cfg, const char *load_model, const volatile sig_atomic_t *stop,
                        pm_runner **out, char *err);
/* Worlds and blurred sensor maps built once and shared by many runs (a batch builds them in the parent process
 * before forking, so each run skips drawing the track and blurring its maps: about 0.1 s a run at the paper's ppu).
 * A run reads exactly the maps it would have built itself (same bits); only the track, world.ppu and the two
 * sensor sigmas select an entry. At most PM_RUN_CACHE_MAX entries; not thread-safe (one per process). A PNG track
 * is read once when added: later changes to the file are not seen by runs that use the cache. */
typedef struct pm_run_cache pm_run_cache;
#define PM_RUN_CACHE_MAX 8
int pm_run_cache_create(pm_run_cache **out);   /* PM_EXIT_OK, or PM_EXIT_FAILURE (no memory) */
void pm_run_cache_destroy(pm_run_cache *c);     /* NULL does nothing; destroy the runners that use it first */
int pm_run_cache_count(const pm_run_cache *c);  /* entries held */
/* Worlds and map sets this cache has built or tried to build: one per entry, one per attempt that failed (so a
 * remembered refusal, below, does not count again). 0 for NULL. For tests and logs. */
int pm_run_cache_builds(const pm_run_cache *c);
/* Builds and keeps the world and maps cfg's runs need, unless an entry has them already. Checks cfg
 * (pm_config_check) and builds the world and maps as pm_runner_create_ex would; the rest of a run's set-up (rule,
 * start pose, network, model) is not tried here: a run refuses those itself. Returns PM_EXIT_OK, or what
 * pm_runner_create_ex would (bad config, track, budget, no memory, a stop during set-up) with err, or
 * PM_EXIT_USAGE with err when the cache is full; no entry is added on any error. A refusal of the world or maps
 * themselves (PM_EXIT_USAGE: unknown or unreadable track, over the memory budget) depends only on the key (track,
 * ppu, the two sigmas) and is remembered, for up to PM_RUN_CACHE_MAX keys: a later add with that key returns the
 * same code and message at once, without building again (a batch of many runs of one bad track tries it once).
 * Out of memory and a stop are not remembered. err (PM_CFG_ERR_MAX bytes) may be NULL: then no message is
 * written, only the code returned (a caller whose run builds its own world on a refusal and reports the reason
 * then, as a batch does). */
int pm_run_cache_add(pm_run_cache *c, const pm_config *cfg, const volatile sig_atomic_t *stop, char *err);
/* pm_runner_create_ex that takes the world and maps from cache when it has them (cache may be NULL: no cache;
 * without an entry the runner builds its own, as pm_runner_create_ex). The cache must outlive the runner. */
int pm_runner_create_cached(const pm_config *cfg, const char *load_model, const volatile sig_atomic_t *stop,
                            const pm_run_cache *cache, pm_runner **out, char *err);
void pm_runner_destroy(pm_runner *r);   /* NULL does nothing */
/* One closed-loop step: sense, loop step (learn, filter, forward, steer), move. Returns 0, or -1 once the run
 * has ended (success with stop_on_success, lost, diverged, max_steps): then nothing happens. */
int pm_runner_step(pm_runner *r, pm_runner_step_info *info);
int pm_runner_done(const pm_runner *r);
const pm_sim *pm_runner_sim(const pm_runner *r);
const pm_loop *pm_runner_loop(const pm_runner *r);
const pm_config *pm_runner_config(const pm_runner *r);
/* Switches the loop's learning on (nonzero) or off between steps (the viewer's L key); PM_OK, or PM_ERR_ARG
 * for NULL. The runner keeps the loop; this is the only change it lets callers make to it. */
pm_status pm_runner_set_learning(pm_runner *r, int on);
/* Controller quality so far (SPEC §9): saturation, chatter (NaN while no step is measured), max |w| (NaN for the
 * reflex) and whether a success so far is smooth. Any out-pointer may be NULL. */
void pm_runner_quality(const pm_runner *r, double *saturation, double *chatter, double *max_abs_weight,
                       int *smooth_success);
/* Network layers (0 for the reflex) and their distances ||W^l - W^l_0|| into d: (pm_runner_n_layers). */
int pm_runner_n_layers(const pm_runner *r);
void pm_runner_weight_distances(const pm_runner *r, double *d);

/* Version of the run JSON's fields and meaning: raise it whenever a result would read or mean differently, so
 * that batch result files written before are not reused (pm_batch_job_name hashes it with the primod version). */
#define PM_RUN_RESULT_FORMAT 2   /* 2: "interrupted", config.run.seed a number (issue 10); controller quality
                                  * (SPEC §9), learning_enabled, rate 0 is a rate (issue 11) */

/* Summary of a run: the fields of the run JSON (SPEC §6 measures). */
typedef struct {
    char rule[16];
    char track[PM_CFG_PATH_MAX];
    unsigned long long seed;
    double rate;
    long steps;                 /* steps taken */
    int success;                /* success declared */
    long success_step;          /* SPEC §6 success step, -1 if none */
    int lost, diverged;
    double mean_abs_error;      /* mean |E| over all steps */
    double error_integral;      /* sum |E| up to the success declaration or the end */
    double final_mean_abs_error; /* mean |E| over the last run.window steps ("after learning") */
    int n_layers;
    double weight_distance[PM_RUN_MAX_LAYERS]; /* (n_layers) */
    double steps_per_second;    /* the only field that depends on the machine */
    int interrupted;            /* a stop request (signal) ended the run early: not a result to count or cache */
    /* Controller quality (SPEC §9) over the last run.hold steps (all steps after the warm-up if fewer): */
    int learning_enabled;       /* 0: the network was run frozen (--freeze) */
    double saturation;          /* fraction of steps with some output within 10 % of its bound; NaN: undefined
                                 * (linear/relu outputs, the reflex, or no measured step) -> JSON null */
    double chatter;             /* mean |s(n) - s(n-1)|, units/s per step; NaN if no measured step */
    double max_abs_weight;      /* largest |w| at the end; NaN for the reflex */
    int smooth_success;         /* success with chatter <= run.max_chatter */
} pm_run_result;

/* First line of a `primod run --log` TSV, then one PM_RUN_LOG_CONFIG_PREFIX "section.key=value" line per
 * config key, then the column header (see pm_trace_read_log_config). */
#define PM_RUN_LOG_MAGIC "# primod run log v1"   /* v1 readers find columns by name: "sat" was added */
#define PM_RUN_LOG_CONFIG_PREFIX "# config "

typedef struct {
    pm_config cfg;
    const char *load_model;     /* may be NULL */
    const char *save_model;     /* may be NULL; refused for the reflex */
    const char *log_path;       /* may be NULL: TSV, one row per step, after '#' lines with the config */
    int progress;               /* nonzero: PM_NOTE_PROGRESS every 0.5 s once the run has taken 3 s */
    const volatile sig_atomic_t *stop; /* may be NULL; once *stop is nonzero the run ends after the current step,
                                        * as if max_steps were reached (log and model are still written) */
    const pm_run_cache *cache;  /* may be NULL; worlds and sensor maps to borrow (pm_runner_create_cached) */
} pm_run_options;

/* Parses `primod run`'s argv (argv[0] = the command name, ignored): config layering as pm_cli_base_config,
 * then the config options, --log/--save-model/--load-model, --json (sets *json) and --quiet (clears
 * opt->progress), "--opt=value" too. Returns 0, or PM_EXIT_USAGE with one line in err (PM_CFG_ERR_MAX bytes);
 * prints nothing. --help is not an option here (the command handles it first). opt's paths point into argv. */
int pm_run_parse_args(int argc, char **argv, pm_run_options *opt, int *json, char *err);

/* Runs to the end (or a stop request: res->interrupted) and fills res. Returns PM_EXIT_OK (run completed,
 * successful or not), PM_EXIT_USAGE (before the run: bad config, track, model, unusable --log/--save-model path)
 * or PM_EXIT_FAILURE with one line in err. res->rule[0] != 0 tells that the run took place: then res is filled
 * even when writing the log or model failed afterwards (print the result anyway, then the error). */
int pm_run(const pm_run_options *opt, pm_run_result *res, char *err);

/* Appends the run JSON object (with the config echo when cfg is not NULL); it names the program that wrote it:
 * "primod_version" (PM_VERSION_STRING) and "result_format" (PM_RUN_RESULT_FORMAT). */
void pm_run_result_json(const pm_run_result *res, const pm_config *cfg, pm_json *j);
/* Reads the fields back from a parsed run JSON; -1 if a required field is missing or of the wrong type. */
int pm_run_result_from_json(const pm_jv *v, pm_run_result *res);
/* Prints the human summary (several lines). */
void pm_run_result_print(const pm_run_result *res, FILE *f);

#ifdef __cplusplus
}
#endif

#endif
