/* primod twin: the unchanged `primod robot` host drives the firmware in simavr on a simulated track (SPEC §10). */
#include <stdio.h>
#include <unistd.h>

#include "cli_common.h"
#include "commands.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: primod twin [--track NAME|FILE.png] [--firmware FILE.elf] [--seconds S] [--speedup X]\n"
            "                   [--rule R] [--rate X] [--seed N] [--config robot.ini] [--json] [--quiet]\n"
            "                   [--log F.tsv] [--kill-host-at S] [--hang-firmware-at S] [--unplug-at S]\n"
            "                   [--set twin.KEY=VALUE] [--calibrate]\n\n"
            "The robot twin (SPEC §10): the firmware's own ELF runs in an emulated ATmega328P (simavr), a simulated\n"
            "world moves the robot from the servo pulses, feeds the 8 light sensors to the ADC and films the floor;\n"
            "the unchanged `primod robot` drives it over a pseudo-terminal. Prints a summary (--json: one object).\n"
            "  --track        built-in track (paper, oval, figure8, zigzag, s-curves) or a PNG (default paper)\n"
            "  --firmware     AVR ELF (default: the one the build made with `make -C firmware`)\n"
            "  --seconds      emulated seconds to run (default 20)\n"
            "  --speedup      emulated seconds per wall second (default 1: real time, as the hardware)\n"
            "  --rule/--rate/--seed   passed to `primod robot` (default rule: the config's, pm)\n"
            "  --config       robot.ini for the host; its [twin] section (servo, bar, camera keys of the twin,\n"
            "                 see docs/robot.md) is read by the twin and hidden from the host\n"
            "                 (default: configs/robot.ini as the build copied it)\n"
            "  --log          the host's per-step log (TSV, as `primod robot --log`)\n"
            "  faults (emulated seconds): --kill-host-at (SIGKILL the host), --hang-firmware-at (the MCU hangs\n"
            "                 with interrupts off), --unplug-at (the serial device vanishes for 1.5 s)\n"
            "  --calibrate    runs `primod robot --calibrate` while a hand slides the robot across the line\n"
            "  --quiet        do not pass the host's messages on\n");
}

#ifndef PRIMOD_HAVE_TWIN
#define NOT_BUILT "this primod was built without the twin (needs simavr: apt-get install simavr libsimavr-dev " \
                  "libsimavrparts1 libelf-dev, then rebuild)"
int pm_cmd_twin(int argc, char **argv)
{
    if (pm_cli_wants_help(argc, argv)) { /* the man page of a build without the twin says so */
        usage(stdout);
        printf("\nNot available here: %s.\n", NOT_BUILT);
        return 0;
    }
    pm_cli_error("twin", "%s", NOT_BUILT);
    return 2;
}
#else

#include "primod/twin.h"

int pm_cmd_twin(int argc, char **argv)
{
    if (pm_cli_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    pm_twin_options o;
    int json, quiet;
    char err[PM_TWIN_ERR_MAX];
    int rc = pm_twin_parse_args(argc, argv, &o, &json, &quiet, err);
    if (rc) {
        pm_cli_error("twin", "%s", err);
        return rc;
    }
    o.host = "/proc/self/exe"; /* the host is this very binary's `robot` command */
    o.host_messages_fd = quiet ? -1 : STDERR_FILENO;
    /* SIGINT/SIGTERM end the session early, as its time limit would (the host is stopped, the summary printed) */
    o.stop = pm_cli_catch_stop_signals();

    static pm_twin_summary s; /* 4 KiB of track path: not on the stack */
    rc = pm_twin_session_run(&o, &s, err);
    if (rc && err[0])
        pm_cli_error("twin", "%s", err);
    if (!s.ran || (o.calibrate && !json))
        return rc;
    if (json) {
        pm_json j;
        pm_json_init(&j);
        pm_twin_summary_json(&s, &j);
        if (j.failed) {
            pm_json_free(&j);
            pm_cli_error("twin", "out of memory");
            return 1;
        }
        printf("%s\n", pm_json_text(&j));
        pm_json_free(&j);
    } else {
        pm_twin_summary_print(&s, stdout);
    }
    return fflush(stdout) ? 1 : rc; /* before anything at exit (a sanitizer's report) can end the process */
}
#endif
