/* The robot twin (SPEC §10): the real firmware in an emulated ATmega328P, a simulated world and a rendered camera. */
#ifndef PRIMOD_TWIN_H
#define PRIMOD_TWIN_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "primod/json.h"
#include "primod/sim.h"
#include "primod/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Everything the twin models; pm_twin_config_default gives the values in the comments. Lengths are world units
 * (SPEC §6: a 250 x 250 track, line 2.75 wide, wheel distance 5.2), angles degrees, times seconds. */
typedef struct {
    /* servos (SPEC §10): wheel speed = sign * (pulse - stop_us) / us_per_unit, through the dead band and lag */
    double stop_us;          /* 1500: pulse at which a continuous-rotation servo stands */
    double dead_band_us;     /* 4: |pulse - stop| up to this turns nothing; beyond it the speed starts from 0 */
    double lag_s;            /* 0.05: first-order time constant of the wheel speed */
    double us_per_unit;      /* 2 ([serial] us_per_unit of configs/robot.ini) */
    int left_sign, right_sign; /* +1, -1 ([serial] left_sign/right_sign: the right servo is mounted mirrored) */
    double max_wheel_speed;  /* 100 units/s */
    double wheel_distance;   /* 5.2 */
    /* the 8-sensor bar under the chassis, sensor 0 leftmost (firmware ADC0..ADC7) */
    double bar_x;            /* 10: ahead of the wheel axle, as the reflex pair of SPEC §6 */
    double bar_spacing;      /* 1.5: sensors at y = +5.25 .. -5.25 */
    double bar_sigma;        /* 0.4: Gaussian footprint, as SPEC §6's reflex sensors */
    double raw_black;        /* 30: ADC byte over the middle of the line ([reflex] black of configs/robot.ini) */
    double raw_white;        /* 220: ADC byte over the floor ([reflex] white) */
    double raw_noise;        /* 1: sd of the ADC noise, bytes (seeded) */
    /* pinhole camera looking ahead and down (SPEC §7: 640 x 480 grey; the grid band rows 340..460 on the floor
     * about 16..23 units ahead of the axle, just beyond the sensor bar) */
    int width, height;       /* 640, 480 px */
    double fps;              /* 30 frames per emulated second */
    double cam_x;            /* 4: camera position ahead of the axle */
    double cam_height;       /* 20 */
    double cam_tilt_deg;     /* 35: optical axis below the horizontal */
    double cam_vfov_deg;     /* 50: vertical field of view (square pixels) */
    /* world and run */
    double speedup;          /* 1: emulated seconds per wall second (SPEC §10: pace to 1.0x) */
    uint64_t seed;           /* 1: ADC noise */
    /* faults at these emulated times, seconds; < 0 = off */
    double kill_host_at;     /* SIGKILL the host process (pm_twin_set_host) */
    double hang_firmware_at; /* the firmware hangs: interrupts off, an endless loop (the watchdog must reset it) */
    double unplug_at;        /* the serial link vanishes (pty closed) ... */
    double unplug_for;       /* 1.5: ... and comes back under the same path after this long */
    int calibrate_sweep;     /* 1: a hand slides the robot across the line (for `primod robot --calibrate`) */
} pm_twin_config;

/* What happened, for the summary (pm_twin_get_stats). Times are emulated seconds from the start. */
typedef struct {
    double seconds;          /* emulated time run */
    double realtime_factor;  /* emulated seconds per wall second actually reached */
    long frames;             /* camera frames written to the host */
    double on_line_fraction; /* fraction of 1 ms ticks in which some bar sensor saw the line (darkness > 0.5) */
    long lost_episodes;      /* stretches of >= 1 s with no bar sensor on the line */
    double distance;         /* units driven */
    double x, y, heading;    /* final pose */
    /* the wire, as the twin saw it */
    long sensor_frames;      /* 'S' frames the firmware sent */
    long motor_frames;       /* valid 'M' frames the host sent */
    long halt_frames;        /* valid 'H' frames */
    long bad_crc;            /* host -> firmware frames with a bad CRC */
    long bytes_dropped;      /* firmware -> host bytes the pty could not take (nobody reading) */
    long watchdog_resets;    /* MCU resets after the start (watchdog) */
    long reconnects;         /* pty re-created after an unplug */
    double left_pulse_us, right_pulse_us; /* last measured servo pulses */
    /* the fault, if one was scheduled */
    int fault;               /* 1 once it was injected */
    double fault_at;         /* when */
    double fault_stop_ms;    /* fault -> both servos at the stop pulse (or silent); -1 if never */
    double stop_after_last_motor_ms; /* the last 'M' before that stop -> the stop; -1 if none */
    int resumed;             /* 1 once a servo drove again after that stop */
    double resume_ms;        /* fault -> driving again; -1 if never */
} pm_twin_stats;

typedef struct pm_twin pm_twin;

/* Fills c with the defaults above. */
void pm_twin_config_default(pm_twin_config *c);
/* Sets one key of the [twin] section ("stop_us", "dead_band_us", ..., the field names above, plus the faults and
 * calibrate_sweep) from text. PM_ERR_ARG for NULL, an unknown key or a value that is not a finite number (c is
 * then unchanged); range checks are pm_twin_config_check's. */
pm_status pm_twin_config_set(pm_twin_config *c, const char *key, const char *value);
/* PM_OK if every field is usable (positive sizes, spacings, times; signs +-1; 0 <= black < white <= 255; camera
 * tilt and field of view that see the floor), else PM_ERR_ARG with a reason in why (may be NULL, 160 bytes). */
pm_status pm_twin_config_check(const pm_twin_config *c, char *why);

/* Builds the twin: loads firmware (an AVR ELF as `make -C firmware` builds it) into an emulated atmega328p at
 * 16 MHz, creates the serial pty (reachable through pm_twin_device), the camera pipe (pm_twin_camera_fd) and the
 * robot on world w (borrowed, must outlive the twin) at its start pose. Nothing runs yet. PM_ERR_ARG for NULL, a
 * bad config, a world without a start pose, or another twin alive in this process (simavr's reset hook carries
 * no user pointer, so the twin keeps one process-wide pointer to itself); PM_ERR_FORMAT if the firmware is not an
 * AVR ELF simavr loads; PM_ERR_IO if the pty, pipe or temporary directory cannot be made; PM_ERR_NOMEM.
 * Free with pm_twin_destroy. */
pm_status pm_twin_create(const pm_twin_config *c, const pm_world *w, const char *firmware, pm_twin **out);
/* Stops the twin if it runs, closes the pty and the pipe, removes its temporary directory; NULL does nothing. */
void pm_twin_destroy(pm_twin *t);

/* Path of the serial device the host opens (a symlink to the current pty slave, stable across an unplug). */
const char *pm_twin_device(const pm_twin *t);
/* Read end of the camera pipe: binary PGM frames (pm_camera_open_pgm_stream reads them). Give it to the host
 * (e.g. as its standard input), then call pm_twin_camera_handed_over so that the twin's own copy is closed. */
int pm_twin_camera_fd(const pm_twin *t);
void pm_twin_camera_handed_over(pm_twin *t);
/* Temporary directory of this twin (for the host's config and log); removed by pm_twin_destroy if empty. */
const char *pm_twin_dir(const pm_twin *t);
/* The host process the kill_host_at fault kills (0: none). */
void pm_twin_set_host(pm_twin *t, pid_t pid);

/* Starts the emulator thread (MCU + world, paced to speedup x real time) and the camera thread.
 * PM_ERR_ARG if already started, PM_ERR_NOMEM / PM_ERR_IO if a thread cannot start. */
pm_status pm_twin_start(pm_twin *t);
/* Emulated seconds since the start (0 before); callable from any thread. */
double pm_twin_elapsed(const pm_twin *t);
/* 1 if the emulated MCU crashed or stopped (the twin then stops by itself). */
int pm_twin_failed(const pm_twin *t);
/* Stops and joins both threads; the twin keeps its state and stats. Calling it twice is harmless. */
void pm_twin_stop(pm_twin *t);
/* A consistent copy of the statistics (callable while running). */
pm_twin_stats pm_twin_get_stats(const pm_twin *t);

/* ---- the world models, exposed for tests: pure functions, no emulator ---- */

/* Target wheel speed (units/s) of one servo for a pulse of pulse_us (0 = no pulses: the servo stands), with the
 * dead band of c and the mounting sign (+1 / -1); clamped to +-max_wheel_speed. */
double pm_twin_servo_target(const pm_twin_config *c, double pulse_us, int sign);
/* One lag step of dt seconds: v moves toward target by 1 - exp(-dt / lag_s) of the gap. */
double pm_twin_servo_step(const pm_twin_config *c, double v, double target, double dt);
/* Raw ADC byte (before noise) of a sensor whose footprint has mean darkness d (0 floor .. 1 line). */
double pm_twin_bar_raw(const pm_twin_config *c, double darkness);
/* Millivolts to raise on an ADC input so that the firmware's 8-bit left-adjusted read (AVcc = 5000 mV) gives
 * exactly v (SPEC §10: (v * 4 + 2) * 5000 / 1024). */
uint32_t pm_twin_adc_millivolts(uint8_t v);
/* Where the ray through pixel (u + 0.5, v + 0.5) meets the floor, in the robot frame (x forward, y left):
 * 1, or 0 if the ray looks at or above the horizon. */
int pm_twin_pixel_to_floor(const pm_twin_config *c, int u, int v, double *fx, double *fy);

/* ---- a session: the twin driven by the unchanged `primod robot` host, as `primod twin` runs it ---- */

#define PM_TWIN_ERR_MAX 512   /* bytes of the err argument below */
#define PM_TWIN_MAX_SETS 32
#define PM_TWIN_PATH_MAX 4096

/* What a session runs (pm_twin_options_default gives the values in the comments). Paths are borrowed. */
typedef struct {
    const char *host;        /* NULL; required: the primod executable whose `robot` command drives the twin as a
                              * child process ("/proc/self/exe" for the running primod) */
    const char *track;       /* "paper": built-in track name or a .png */
    const char *firmware;    /* NULL: primod.elf found next to host: DIR/twin/ (build tree), DIR/../share/primod/twin/ */
    const char *config;      /* NULL: robot.ini found there; the host gets a copy without the [twin] section */
    const char *rule, *rate, *seed; /* NULL: the host's defaults; passed on as --rule/--rate/--seed */
    const char *log;         /* NULL: the host's per-step TSV goes to a temporary file, removed afterwards */
    double seconds;          /* 20: emulated seconds to run */
    int calibrate;           /* 0: 1 runs `primod robot --calibrate` while a hand slides the robot across the line */
    int host_keeps_stdout;   /* 1: the host writes on the caller's stdout; 0: its stdout joins its messages */
    int host_messages_fd;    /* -1 (dropped), or a descriptor the host's messages (stderr) are copied to as they
                              * come; they are also read for the host's summary line either way */
    const char *sets[PM_TWIN_MAX_SETS]; /* "twin.KEY=VALUE" overrides of the config's [twin] section */
    int n_sets;
    /* speedup and the three fault times are taken from here (defaults of pm_twin_config_default); every other
     * field comes from the config's [twin] section (and its shared [serial]/[camera] keys) and sets */
    pm_twin_config twin;
    const volatile sig_atomic_t *stop; /* NULL; once *stop is nonzero the session ends as at its time limit */
} pm_twin_options;

/* What a session measured: the twin's statistics and what the host logged and reported. */
typedef struct {
    int ran;                 /* 1 once the emulator and the host ran (the fields below are then meaningful) */
    int calibrate;
    char track[PM_TWIN_PATH_MAX];
    pm_twin_stats twin;
    const char *fault;       /* "kill-host", "hang-firmware", "unplug" or NULL (a static string) */
    int fault_resumes;       /* the host should drive again after the fault (hang-firmware, unplug) */
    /* the host's log: steps, steps that learned, steps without a fresh camera frame, sum of |E| per half */
    long steps, learned_steps, late_camera_steps;
    double error_half[2];
    long steps_half[2];
    /* the host's own link counters (its last "primod robot: N steps ...; link: ..." line) */
    int host_summary;        /* 1 if that line was found */
    unsigned long link_frames, link_bad_crc, link_bad_length, link_missed, link_stalls, link_reconnects;
    int host_exit;           /* the host's exit status (128 + signal if killed), -1 if unknown */
} pm_twin_summary;

/* Fills o with the defaults above (no host). */
void pm_twin_options_default(pm_twin_options *o);
/* Parses `primod twin`'s argv (argv[0] ignored; "--opt=value" too) into o, starting from the defaults: --track,
 * --firmware, --seconds, --speedup, --rule, --rate, --seed, --config, --log, --kill-host-at, --hang-firmware-at,
 * --unplug-at, --set, --calibrate, --quiet (sets *quiet), --json (sets *json: also host_keeps_stdout = 0).
 * 0, or 2 (PM_EXIT_USAGE) with one line in err (PM_TWIN_ERR_MAX bytes); prints nothing, --help is the caller's.
 * o's strings point into argv; host and host_messages_fd are left for the caller. */
int pm_twin_parse_args(int argc, char **argv, pm_twin_options *o, int *json, int *quiet, char *err);
/* Runs one session: resolves firmware and config, builds the world, the twin and the host's config, starts the
 * emulator, runs the host against the twin's pty and camera pipe, injects the scheduled fault, stops the host
 * (SIGTERM, then SIGKILL) after o->seconds, collects the summary and removes every temporary file. Returns 0;
 * 2 (usage: bad option value, config, track, firmware; nothing ran) or 1 (failure: no memory, a pipe or process,
 * the emulated MCU crashed, the host failed) with one line in err. s->ran says whether s holds a run (also
 * after some failures of 1). Not thread-safe: one twin per process; the caller's SIGCHLD must not be ignored. */
int pm_twin_session_run(const pm_twin_options *o, pm_twin_summary *s, char *err);
/* Appends the summary as one JSON object (the fields of docs/robot.md: seconds, frames, learned_steps,
 * on_line_fraction, lost, error_integral_halves, link {...}, fault_stop_ms, resumed, ...). */
void pm_twin_summary_json(const pm_twin_summary *s, pm_json *j);
/* Writes the human summary (several lines) to f. */
void pm_twin_summary_print(const pm_twin_summary *s, FILE *f);

#ifdef __cplusplus
}
#endif
#endif
