/* primod command-line tool: dispatches to the subcommands in tools/cmd_*.c. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli_common.h"
#include "commands.h"
#include "primod/version.h"

typedef struct {
    const char *name;
    int (*fn)(int, char **);
    const char *summary;
} command;

static const command commands[] = {
    {"run", pm_cmd_run, "run the closed-loop line follower once"},
    {"compare", pm_cmd_compare, "compare learning rules over seeds and tracks"},
    {"sweep", pm_cmd_sweep, "run a grid of parameters"},
    {"merge", pm_cmd_merge, "join the results of a distributed sweep"},
    {"render", pm_cmd_render, "draw the pictures of one run from its log"},
    {"impulse", pm_cmd_impulse, "impulse response of the reflex loop"},
    {"report", pm_cmd_report, "run the standard study and write a report"},
    {"robot", pm_cmd_robot, "drive the real robot (camera + serial link)"},
    {"twin", pm_cmd_twin, "the robot without hardware: firmware in simavr, simulated track and camera"},
    {"view", pm_cmd_view, "live viewer (SDL2)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: primod COMMAND [OPTIONS]   (primod COMMAND --help for its options)\n"
               "       primod --version\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
}

/* Results go to stdout: a failed write (full disk, /dev/full, closed pipe) must not pass silently as exit 0/1. */
static int check_stdout(const char *cmd, int rc)
{
    errno = 0;
    if (!fflush(stdout) && !ferror(stdout))
        return rc;
    fprintf(stderr, "primod %s: cannot write the results to stdout: %s\n", cmd, strerror(errno ? errno : EIO));
    return rc ? rc : 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("primod %s\n", pm_version());
        return 0;
    }
    pm_cli_install_notify();
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name))
            return check_stdout(commands[i].name, commands[i].fn(argc - 1, argv + 1));
    fprintf(stderr, "primod: unknown command '%s' (primod --help lists them)\n", argv[1]);
    return 2;
}
