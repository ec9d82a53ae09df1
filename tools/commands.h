/* Subcommands of the primod CLI: each lives in tools/cmd_<name>.c and returns the process exit code. */
#ifndef PRIMOD_TOOLS_COMMANDS_H
#define PRIMOD_TOOLS_COMMANDS_H

int pm_cmd_run(int argc, char **argv);
int pm_cmd_compare(int argc, char **argv);
int pm_cmd_sweep(int argc, char **argv);
int pm_cmd_merge(int argc, char **argv);
int pm_cmd_render(int argc, char **argv);
int pm_cmd_impulse(int argc, char **argv);
int pm_cmd_report(int argc, char **argv);
int pm_cmd_robot(int argc, char **argv);
int pm_cmd_view(int argc, char **argv);
int pm_cmd_twin(int argc, char **argv);

#endif
