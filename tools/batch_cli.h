/* Shared main of primod compare and primod sweep (tools/batch_cli.c). */
#ifndef PRIMOD_TOOLS_BATCH_CLI_H
#define PRIMOD_TOOLS_BATCH_CLI_H

/* Parses argv (argv[0] = the command name), runs or emits the batch, prints the summary; returns the exit code.
 * sweep: nonzero enables --grid and --emit-commands and names the summaries "groups" instead of "rules". */
int pm_batch_main(const char *cmd, int sweep, int argc, char **argv);

#endif
