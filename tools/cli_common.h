/* Command-line helpers shared by run, compare and sweep: config layering, option aliases, errors. */
#ifndef PRIMOD_TOOLS_CLI_COMMON_H
#define PRIMOD_TOOLS_CLI_COMMON_H

#include <stdio.h>

#include "config.h"

/* 1 if any of argv[1..argc-1] is --help or -h: a command answers that before it parses anything else. */
int pm_cli_wants_help(int argc, char **argv);

/* Prints "primod CMD: message" as one line on stderr. */
void pm_cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Splits argv[*i] into an option name and its value: "--opt=value", or "--opt value" (consuming argv[*i+1]) when
 * takes_value(name) says so. name: n bytes; *value points into argv (NULL for a flag). Returns 0, or 2 with
 * "--opt: missing value" in err (PM_CLI_ERR_MAX bytes). Prints nothing. */
int pm_cli_next_option_buf(int argc, char **argv, int *i, char *name, size_t n, const char **value,
                           int (*takes_value)(const char *name), char *err);
/* Same, but returns -1 after printing the error as "primod CMD: ...". */
int pm_cli_next_option(const char *cmd, int argc, char **argv, int *i, char *name, size_t n, const char **value,
                       int (*takes_value)(const char *name));

/* 1 if name is a config option (--config, --preset, --set, --track, --start, --ppu, --seed, --max-steps, --rule,
 * --rate), which all take a value. */
int pm_cli_is_config_option(const char *name);

/* Builds the base config: paper defaults, then --preset (last one wins), then each --config file in order.
 * Returns 0, or 2 with the error in err (PM_CLI_ERR_MAX bytes); prints nothing. */
int pm_cli_base_config_buf(int argc, char **argv, int (*takes_value)(const char *), pm_cli_config *cfg, char *err);
/* Same, printing the error ("primod CMD: ...") instead. */
int pm_cli_base_config(const char *cmd, int argc, char **argv, int (*takes_value)(const char *), pm_cli_config *cfg);

/* Applies one config option other than --preset/--config (ignored here: pm_cli_base_config did them).
 * Returns 0, or 2 with e.g. "--rate: not a number: 'abc'" or "unknown option '--x' (see --help)" in err
 * (PM_CLI_ERR_MAX bytes); prints nothing. */
int pm_cli_apply_config_option_buf(pm_cli_config *cfg, const char *name, const char *value, char *err);
/* Same, printing the error ("primod CMD: ...") instead. */
int pm_cli_apply_config_option(const char *cmd, pm_cli_config *cfg, const char *name, const char *value);

/* Help lines of the config options. */
void pm_cli_print_config_help(FILE *f);

#endif
