/* primod robot: drives the real line follower (SPEC §7); the session itself is the library's (robot_session.h). */
#define _POSIX_C_SOURCE 200809L /* sigaction */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli_common.h"
#include "commands.h"
#include "primod/robot_session.h"

#define CMD "robot"

static volatile sig_atomic_t stop_requested; /* set by SIGINT/SIGTERM: the only state a handler may touch */

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: primod robot --device /dev/ttyUSB0 [--camera /dev/video0 | --frames DIR [--fps 30]]\n"
            "                    [--config robot.ini] [--rule reflex|bp|pm|sr|sign|chained] [--rate X]\n"
            "                    [--load-model F] [--save-model F] [--log F.tsv] [--set SECTION.KEY=VALUE]\n"
            "                    [--max-steps N] [--seed N]\n"
            "       primod robot --calibrate --device /dev/ttyUSB0 [--config robot.ini]\n\n"
            "Drives the real robot (SPEC §7): one closed-loop step per camera frame, reflex error from the\n"
            "calibrated light sensors, predictors from the camera grid, the same pm_loop as `primod run`.\n"
            "--device must be a serial port or terminal (a character device for which isatty() holds).\n"
            "--frames DIR replays PGM/PNG images in name order at --fps and ends after the last one.\n"
            "--camera - (or a FIFO) reads a stream of binary PGM frames (e.g. `primod twin`'s); its end ends the run.\n"
            "--calibrate streams the sensors with the motors off; move the robot over line and floor, then\n"
            "press Ctrl-C: it prints the [reflex] black/white lines for robot.ini (exit 1 without them if no\n"
            "sensor frame came or a weighted sensor moved less than [reflex] min_span).\n"
            "Faults: no sensor frame for 250 ms -> halt and pause learning; device gone -> retry every second;\n"
            "late camera frame -> reflex only, no learning; Ctrl-C/SIGTERM -> halt, save the model, exit 0.\n"
            "A --load-model of other [network]/[filter] settings than the config's is refused, naming the keys.\n"
            "Config sections: [camera] [grid] [reflex] [serial] plus [network] [learning] [filter] [run]\n"
            "(see configs/robot.ini and docs/robot.md).\n");
}

/* The [reflex] lines to paste into robot.ini. */
static void print_calibration(const pm_robot_summary *sum)
{
    printf("[reflex]\nblack =");
    for (int i = 0; i < PM_REFLEX_N; i++)
        printf("%s %g", i ? "," : "", sum->black[i]);
    printf("\nwhite =");
    for (int i = 0; i < PM_REFLEX_N; i++)
        printf("%s %g", i ? "," : "", sum->white[i]);
    printf("\n");
}

static void print_summary(const pm_robot_summary *sum)
{
    const pm_link_stats *st = &sum->link;
    fprintf(stderr,
            "primod robot: %ld steps (%ld learned, %ld with a late camera frame), %ld frames without fresh "
            "sensors; link: %lu sensor frames, %lu bad CRC, %lu bad length, %lu missed, %lu stalls, "
            "%lu reconnects\n", sum->steps, sum->learned, sum->late_frames, sum->stale_skips, st->frames,
            st->bad_crc, st->bad_len, st->seq_gaps, st->stalls, st->reconnects);
    if (sum->n_layers) {   /* exact: a saved model can be checked against it */
        fprintf(stderr, "primod robot: weight distance per layer at exit:");
        for (int l = 0; l < sum->n_layers; l++)
            fprintf(stderr, " %.17g", sum->weight_distance[l]);
        fputc('\n', stderr);
    }
}

int pm_cmd_robot(int argc, char **argv)
{
    static pm_robot_settings s; /* large (paths, net config): static storage, not the stack */
    pm_robot_options o;
    pm_robot_summary sum;
    char err[PM_CFG_ERR_MAX];
    pm_robot_settings_defaults(&s);
    int rc = pm_robot_parse_args(argc, argv, &s, &o, err);
    if (rc == 1) {
        usage(stdout);
        return 0;
    }
    if (rc) {
        pm_cli_error(CMD, "%s", err);
        return rc;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: a blocking wait returns so the loop sees the flag */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    stop_requested = 0;
    rc = pm_robot_session(&s, &o, &stop_requested, &sum, err);
    if (o.calibrate && !rc)
        print_calibration(&sum);
    if (!o.calibrate && sum.have_link)
        print_summary(&sum);
    if (rc)
        pm_cli_error(CMD, "%s", err);
    return rc;
}
