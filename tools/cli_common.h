/* Command-line helpers shared by run, compare and sweep: config layering, option aliases, errors. */
#ifndef PRIMOD_TOOLS_CLI_COMMON_H
#define PRIMOD_TOOLS_CLI_COMMON_H

#include <signal.h>
#include <stdio.h>

#include "primod/config.h"

/* 1 if any of argv[1..argc-1] is --help or -h: a command answers that before it parses anything else. */
int pm_cli_wants_help(int argc, char **argv);

/* Prints "primod CMD: message" as one line on stderr. */
void pm_cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Same, but returns -1 after printing the error as "primod CMD: ...". */
int pm_cli_next_option(const char *cmd, int argc, char **argv, int *i, char *name, size_t n, const char **value,
                       int (*takes_value)(const char *name));

/* Same, printing the error ("primod CMD: ...") instead. */
int pm_cli_base_config(const char *cmd, int argc, char **argv, int (*takes_value)(const char *), pm_config *cfg);

/* Same, printing the error ("primod CMD: ...") instead. */
int pm_cli_apply_config_option(const char *cmd, pm_config *cfg, const char *name, const char *value);

/* Installs SIGINT/SIGTERM handlers that store the signal in the returned flag (for pm_run_options.stop and
 * pm_batch_execute); the command ends cleanly and exits 128 + the signal. */
const volatile sig_atomic_t *pm_cli_catch_stop_signals(void);

/* Installs the handler that prints the library's messages (primod/notify.h) on stderr; main() calls it first. */
void pm_cli_install_notify(void);

#endif
