/* Configuration of the primod CLI: one key table drives INI files, --set, presets, range checks, help and JSON. */
#ifndef PRIMOD_CONFIG_H
#define PRIMOD_CONFIG_H

#include <stddef.h>
#include <stdio.h>

#include "primod/json.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PM_CFG_PATH_MAX 512
#define PM_CFG_MAX_ROWS 16        /* predictor rows */
#define PM_CFG_MAX_HIDDEN 64      /* hidden layers given as a list */
#define PM_CFG_MAX_OUTPUTS 16     /* network outputs (output_mix entries) */
#define PM_CFG_ERR_MAX 600        /* size of an error-message buffer */

/* Learning rules as the CLI names them (SPEC §3), in the order of pm_loop_rule (loop.h): reflex alone, BP,
 * P&M with road-curvature relevance, sign-and-relevance (R = |E|), sign only (R = 1), chained sign, and the
 * SPEC §9 "beyond the paper" variants: saturation-aware prime with curvature R ("sat") or R = 1 ("satsign"),
 * and P&M with the line-motion cue ("motion"). */
typedef enum { PM_CFG_RULE_REFLEX = 0, PM_CFG_RULE_BP, PM_CFG_RULE_PM, PM_CFG_RULE_SR, PM_CFG_RULE_SIGN,
               PM_CFG_RULE_CHAINED, PM_CFG_RULE_SAT, PM_CFG_RULE_SATSIGN, PM_CFG_RULE_MOTION,
               PM_CFG_N_RULES } pm_config_rule;
typedef enum { PM_CFG_FILTER_RESONATOR = 0, PM_CFG_FILTER_DELAY } pm_config_filter_kind;
typedef enum { PM_CFG_ACT_SIGMOID = 0, PM_CFG_ACT_TANH, PM_CFG_ACT_LINEAR, PM_CFG_ACT_RELU } pm_config_activation;
typedef enum { PM_CFG_INIT_PAPER = 0, PM_CFG_INIT_SYMMETRIC, PM_CFG_INIT_ZERO } pm_config_init_kind;

/* Every setting of a run; plain value type (copy freely). Units: world units, seconds, steps. */
typedef struct {
    /* [world] */
    char track[PM_CFG_PATH_MAX];      /* built-in track name, or a PNG file (dark line on white) */
    double ppu;                       /* texture pixels per world unit */
    double start[3];                  /* x, y (units), heading (degrees); used when n_start == 3 */
    int n_start;                      /* 0: the track's own start pose */
    /* [robot] */
    double speed;                     /* forward speed v, units/s */
    double wheel_distance;            /* units */
    double max_wheel_speed;           /* |wheel speed| limit, units/s */
    double wheel_noise;               /* relative wheel-speed noise (sd), 0 = off */
    double dt;                        /* time step, s */
    int substeps;                     /* sim steps of dt/substeps per loop step */
    /* [sensors] */
    double reflex_x, reflex_y;        /* reflex pair at (x, +y) and (x, -y), units */
    double reflex_sigma;              /* footprint sigma, units */
    double reflex_gain;               /* g_E */
    int predictor_rows;               /* look-ahead rows */
    double predictor_x0, predictor_dx; /* row r at x = x0 + r dx, units (row 0 nearest) */
    int predictor_count;              /* sensors per row */
    double predictor_spacing;         /* lateral spacing, units */
    double predictor_sigma;           /* footprint sigma, units */
    double line_threshold;            /* darkness above which a sensor sees the line */
    /* [filter] */
    int filter_kind;                  /* pm_config_filter_kind */
    int filter_n;                     /* filters (or taps) per predictor */
    double t_min, t_max;              /* periods, steps */
    double q;                         /* resonator damping (> 0.5) */
    /* [network] */
    int hidden_layers, hidden_width;  /* used when n_hidden == 0 */
    int hidden[PM_CFG_MAX_HIDDEN];    /* (n_hidden) explicit hidden-layer widths */
    int n_hidden;
    int outputs;
    int activation;                   /* pm_config_activation */
    int bias;                         /* 0/1 */
    int init;                         /* pm_config_init_kind */
    double output_mix[PM_CFG_MAX_OUTPUTS]; /* (n_output_mix) c_m of SPEC §5 */
    int n_output_mix;
    double net_gain;                  /* g_N */
    /* [learning] */
    int rule;                         /* pm_config_rule */
    double rate;                      /* eta; NaN = not given (INI/--set value empty, JSON null): use
                                       * rate_<rule>. 0 is a rate of 0 (nothing is learned). */
    double rate_bp, rate_pm, rate_sr, rate_sign, rate_chained, rate_sat, rate_satsign, rate_motion;
    int learning_enabled;             /* 0/1: 0 runs the (loaded) network frozen, no weight changes */
    double dead_band;
    double relevance_threshold;       /* a predictor row "sees the line" above this value */
    /* [run] */
    unsigned long long seed;
    long max_steps;
    int warmup, window, hold;         /* success criterion, SPEC §6 */
    double success_threshold;
    int lost_steps;                   /* line lost after this many steps with no sensor on it */
    int stop_on_success;              /* 0/1 */
    double max_chatter;               /* smooth success: chatter <= this (SPEC §9 controller quality) */
} pm_config;

/* Fills cfg with the paper preset (the key table's defaults). */
void pm_config_defaults(pm_config *cfg);
/* Applies a built-in preset ("paper", "study" or "noisy", SPEC §6/§9) on top of the defaults. Returns 0, or -1 with a message in err
 * (err: PM_CFG_ERR_MAX bytes) for an unknown name; cfg untouched then. */
int pm_config_preset(pm_config *cfg, const char *name, char *err);
/* Sets one key from its text value ("1e-5", "11,12,13", "pm", "true"). Returns 0, or -1 with
 * "[section] key = value: problem" in err; cfg untouched then. */
int pm_config_set(pm_config *cfg, const char *section, const char *key, const char *value, char *err);
/* Same, but writes only the problem ("not a number", "unknown key") into problem (PM_CFG_ERR_MAX bytes). */
int pm_config_parse_value(pm_config *cfg, const char *section, const char *key, const char *value,
                              char *problem);
/* Same from "section.key=value" (the --set syntax). */
int pm_config_set_arg(pm_config *cfg, const char *assignment, char *err);
/* Applies every key of an INI file / string (name is used in messages). Errors: "name:line: problem".
 * cfg is untouched unless the whole file applies cleanly. */
int pm_config_load_file(pm_config *cfg, const char *path, char *err);
int pm_config_load_string(pm_config *cfg, const char *text, const char *name, char *err);
/* Checks the relations between keys (list lengths, t_min <= t_max ...). 0 or -1 with a message. */
int pm_config_check(const pm_config *cfg, char *err);

/* The key's current value as text (round-trip exact), or -1 for an unknown key. buf: n bytes. */
int pm_config_get(const pm_config *cfg, const char *section, const char *key, char *buf, size_t n);
/* 1 if every key has the same value; otherwise 0 and the first differing "section.key" in which (n bytes). */
int pm_config_equal(const pm_config *a, const pm_config *b, char *which, size_t n);
/* Prints every key: section.key, default, range, help (for --help). */
void pm_config_print_keys(FILE *f);
/* Writes the effective config as a JSON object {"world": {...}, ...} as the value of the current key. */
void pm_config_write_json(const pm_config *cfg, pm_json *j);
/* Writes the config as an INI file text (every key, section by section). */
void pm_config_write_ini(const pm_config *cfg, FILE *f);
/* Writes every key as one line "<prefix>section.key=value" (the --set syntax, values round-trip exact), e.g.
 * the "# config " comment lines at the top of a run log. */
void pm_config_write_lines(const pm_config *cfg, const char *prefix, FILE *f);

/* Effective learning rate: learning.rate if given (not NaN; 0 is a rate), else learning.rate_<rule> (0 for the
 * reflex). */
double pm_config_rate(const pm_config *cfg);
/* Rule name ("reflex", "bp", "pm", "sr", "sign", "chained", "sat", "satsign", "motion") or NULL; and the reverse lookup (-1 if unknown). */
const char *pm_config_rule_name(int rule);
int pm_config_rule_parse(const char *name);

/* Strict number parsing (whole string, finite; a nonzero literal that underflows to 0, such as 1e-400, is
 * refused). 0 on success, -1 otherwise. */
int pm_parse_double(const char *s, double *out);
int pm_parse_long(const char *s, long *out);

/* ---- options in the command-line style, shared by every command and the Python package ---- */

/* Splits argv[*i] into an option name and its value: "--opt=value", or "--opt value" (consuming argv[*i+1]) when
 * takes_value(name) says so. name: n bytes; *value points into argv (NULL for a flag). Returns 0, or 2 with
 * "--opt: missing value" in err (PM_CFG_ERR_MAX bytes). Prints nothing. */
int pm_args_next_option(int argc, char **argv, int *i, char *name, size_t n, const char **value,
                           int (*takes_value)(const char *name), char *err);

/* 1 if name is a config option (--config, --preset, --set, --track, --start, --ppu, --seed, --max-steps, --rule,
 * --rate), which all take a value. --freeze (learning.enabled=false) is a config flag without a value:
 * pm_config_apply_option takes it with value NULL. */
int pm_config_is_option(const char *name);

/* Builds the base config: paper defaults, then --preset (last one wins), then each --config file in order.
 * Returns 0, or 2 with the error in err (PM_CFG_ERR_MAX bytes); prints nothing. */
int pm_config_from_args(int argc, char **argv, int (*takes_value)(const char *), pm_config *cfg, char *err);

/* Applies one config option other than --preset/--config (ignored here: pm_cli_base_config did them).
 * Returns 0, or 2 with e.g. "--rate: not a number: 'abc'" or "unknown option '--x' (see --help)" in err
 * (PM_CFG_ERR_MAX bytes); prints nothing. */
int pm_config_apply_option(pm_config *cfg, const char *name, const char *value, char *err);

/* Help lines of the config options. */
void pm_config_print_options_help(FILE *f);

#ifdef __cplusplus
}
#endif

#endif
