/* Shared main of primod compare and primod sweep, and the summary printing merge shares (tools/batch_cli.c). */
#ifndef PRIMOD_TOOLS_BATCH_CLI_H
#define PRIMOD_TOOLS_BATCH_CLI_H

#include "primod/batch.h"

/* Parses argv (argv[0] = the command name), runs or emits the batch, prints the summary; returns the exit code.
 * sweep: nonzero enables --grid and --emit-commands and the "best for" lines. */
int pm_batch_main(const char *cmd, int sweep, int argc, char **argv);

/* Prints the table (and the best group per rule when best) or the result JSON on stdout; 0 or 1 (write error). */
int pm_batch_print_outcome(const char *cmd, int json, const pm_batch_slot *slots, int n, const pm_batch_report *rep,
                           const pm_batch_skipped *skipped, int best);

#endif
