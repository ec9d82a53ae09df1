/* A session of the real line follower (SPEC §7): its settings (robot.ini sections + the shared config keys), the
 * closed loop over the serial link and camera, and the sensor calibration; the `primod robot` command is argument
 * parsing and printing over this. Messages during a session (link lost, stall, camera) go to pm_notify. */
#ifndef PRIMOD_ROBOT_SESSION_H
#define PRIMOD_ROBOT_SESSION_H

#include <signal.h>

#include "primod/config.h"
#include "primod/grid.h"
#include "primod/link.h"
#include "primod/reflex.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Everything the robot needs: its own sections, plus the network/learning/filter/run keys of the shared key
 * table (pm_config), so that a model trained here and one trained in simulation mean the same thing. */
typedef struct {
    /* [camera] */
    char camera[PM_CFG_PATH_MAX];  /* V4L2 device */
    int width, height;             /* px */
    double fps;                    /* frames per second (replay pacing; late-frame timeout for a device) */
    /* [grid] */
    pm_grid_config grid;
    /* [reflex] */
    pm_reflex_config reflex;
    double black[PM_REFLEX_N], white[PM_REFLEX_N]; /* raw 0..255 calibration, used if n_black and n_white */
    int n_black, n_white;
    /* [serial] */
    char device[PM_CFG_PATH_MAX];
    pm_link_config link;
    double us_per_unit;            /* servo pulse offset (us) per unit of wheel command */
    int left_sign, right_sign;     /* +1/-1: a mirrored servo turns the other way for the same pulse */
    /* [network] [learning] [filter] [run] */
    pm_config net;
} pm_robot_settings;

/* The command line's choices besides the settings. Paths point into argv. */
typedef struct {
    const char *config, *frames, *load_model, *save_model, *log;
    int calibrate, have_device, have_camera;
    long max_steps;   /* 0: no cap (calibration: sensor frames to read) */
} pm_robot_options;

/* What a session did (for the summary line and the calibration output). */
typedef struct {
    long steps, learned, late_frames, stale_skips;
    int have_link;                  /* the link was opened: link holds its counters */
    pm_link_stats link;
    long sensor_frames;             /* --calibrate: valid sensor frames seen */
    double black[PM_REFLEX_N], white[PM_REFLEX_N]; /* --calibrate: the extremes seen */
    int n_layers;                   /* network layers at exit (0: the reflex, or no network was built) */
    double weight_distance[PM_CFG_MAX_HIDDEN + 1]; /* (n_layers) ||W^l - W^l_0|| at exit: what --save-model saved */
} pm_robot_summary;

/* Defaults: paper grid and reflex, /dev/video0 640x480 at 30 fps, /dev/ttyUSB0, and the shared keys with the
 * robot's preset (SPEC §7: delay-line filter of 5 taps, relevance threshold 0.02). */
void pm_robot_settings_defaults(pm_robot_settings *s);
/* Sets one key of any section ([camera] [grid] [reflex] [serial], else the shared table). 0, or -1 with
 * "[section] key = value: problem" in err (PM_CFG_ERR_MAX bytes); s untouched then. */
int pm_robot_settings_set(pm_robot_settings *s, const char *section, const char *key, const char *value, char *err);
/* Parses `primod robot`'s argv (argv[0] ignored): --config first, then every option over it, then the checks
 * of pm_robot_settings_check. Returns 0, 1 for --help, or 2 with one line in err. Prints nothing. */
int pm_robot_parse_args(int argc, char **argv, pm_robot_settings *s, pm_robot_options *o, char *err);

/* Checks that path is a serial device: a character device that is a terminal (isatty, i.e. tcgetattr works).
 * /dev/null and other non-terminal devices, regular files, FIFOs are refused. 0 or -1 with a message in err. */
int pm_robot_check_device(const char *path, char *err);

/* Runs a session: the closed loop until the replay ends, max_steps, or *stop becomes nonzero (a signal handler's
 * flag; may be NULL), then halts the robot, saves the model and closes the log; or, with o->calibrate, streams
 * the sensors with the motors off and fills sum->black/white. Returns 0; 1 (runtime failure: device, camera, log,
 * model write; a calibration with no sensor frame or too little span on a weighted sensor); 2 (bad settings or
 * model). err (PM_CFG_ERR_MAX bytes) holds one line when the result is not 0. sum is filled in every case. */
int pm_robot_session(const pm_robot_settings *s, const pm_robot_options *o, const volatile sig_atomic_t *stop,
                     pm_robot_summary *sum, char *err);

#ifdef __cplusplus
}
#endif

#endif
