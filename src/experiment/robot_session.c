/* A session of the real line follower (SPEC §7): settings, the closed loop over serial link and camera with the
 * same pm_loop as the simulation, and the calibration of the light sensors (primod/robot_session.h). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, clock_nanosleep */
#include "primod/robot_session.h"

#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "primod/camera.h"
#include "primod/files.h"
#include "primod/loop.h"
#include "primod/notify.h"
#include "primod/run.h"

#define CMD "robot"

typedef enum { K_STR, K_INT, K_DBL, K_DLIST } key_type;

typedef struct {
    const char *section, *key;
    key_type type;
    size_t offset;
    int max_n;            /* K_DLIST: capacity; K_STR: buffer size */
    size_t count_offset;  /* K_DLIST with a count field, else (size_t)-1 */
} robot_key;

#define RS(f) offsetof(pm_robot_settings, f)
#define NOCOUNT ((size_t)-1)
static const robot_key robot_keys[] = {
    {"camera", "device", K_STR, RS(camera), PM_CFG_PATH_MAX, NOCOUNT},
    {"camera", "width", K_INT, RS(width), 0, NOCOUNT},
    {"camera", "height", K_INT, RS(height), 0, NOCOUNT},
    {"camera", "fps", K_DBL, RS(fps), 0, NOCOUNT},
    {"grid", "band_x", K_INT, RS(grid.band_x), 0, NOCOUNT},
    {"grid", "band_y", K_INT, RS(grid.band_y), 0, NOCOUNT},
    {"grid", "band_w", K_INT, RS(grid.band_w), 0, NOCOUNT},
    {"grid", "band_h", K_INT, RS(grid.band_h), 0, NOCOUNT},
    {"grid", "rows", K_INT, RS(grid.rows), 0, NOCOUNT},
    {"grid", "cells", K_INT, RS(grid.cells), 0, NOCOUNT},
    {"grid", "scale", K_DBL, RS(grid.scale), 0, NOCOUNT},
    {"grid", "clamp", K_DBL, RS(grid.clamp), 0, NOCOUNT},
    {"reflex", "weights", K_DLIST, RS(reflex.weights), PM_REFLEX_PAIRS, NOCOUNT},
    {"reflex", "divisor", K_DBL, RS(reflex.divisor), 0, NOCOUNT},
    {"reflex", "full_scale", K_DBL, RS(reflex.full_scale), 0, NOCOUNT},
    {"reflex", "min_span", K_DBL, RS(reflex.min_span), 0, NOCOUNT},
    {"reflex", "line_level", K_DBL, RS(reflex.line_level), 0, NOCOUNT},
    {"reflex", "black", K_DLIST, RS(black), PM_REFLEX_N, RS(n_black)},
    {"reflex", "white", K_DLIST, RS(white), PM_REFLEX_N, RS(n_white)},
    {"serial", "device", K_STR, RS(device), PM_CFG_PATH_MAX, NOCOUNT},
    {"serial", "baud", K_INT, RS(link.baud), 0, NOCOUNT},
    {"serial", "sensor_timeout_ms", K_INT, RS(link.sensor_timeout_ms), 0, NOCOUNT},
    {"serial", "reopen_interval_ms", K_INT, RS(link.reopen_interval_ms), 0, NOCOUNT},
    {"serial", "us_per_unit", K_DBL, RS(us_per_unit), 0, NOCOUNT},
    {"serial", "left_sign", K_INT, RS(left_sign), 0, NOCOUNT},
    {"serial", "right_sign", K_INT, RS(right_sign), 0, NOCOUNT},
};
#define N_ROBOT_KEYS (sizeof robot_keys / sizeof robot_keys[0])

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void pm_robot_settings_defaults(pm_robot_settings *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->camera, sizeof s->camera, "/dev/video0");
    s->width = 640;
    s->height = 480;
    s->fps = 30;
    pm_grid_config_paper(&s->grid);
    pm_reflex_config_paper(&s->reflex);
    snprintf(s->device, sizeof s->device, "/dev/ttyUSB0");
    pm_link_config_default(&s->link);
    s->us_per_unit = 2;
    s->left_sign = 1;
    s->right_sign = -1;
    pm_config_defaults(&s->net);
    /* SPEC §7: 48 predictors through a 5-tap delay line (240 inputs); a lower rate than the simulation's
     * curvature relevance because the grid's R reaches 1 + 11 */
    char err[PM_CFG_ERR_MAX];
    static const char *const robot_preset[] = {"filter.kind=delay", "filter.n=5", "learning.relevance_threshold=0.02"};
    for (size_t i = 0; i < sizeof robot_preset / sizeof robot_preset[0]; i++)
        pm_config_set_arg(&s->net, robot_preset[i], err);
}

/* Parses a comma-separated list of up to max doubles. Returns the count, or -1. */
static int parse_dlist(const char *v, double *out, int max)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", v);
    int n = 0;
    for (char *save = NULL, *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ')
            tok++;
        char *end = tok + strlen(tok);
        while (end > tok && end[-1] == ' ')
            *--end = '\0';
        if (n >= max || pm_parse_double(tok, &out[n]))
            return -1;
        n++;
    }
    return n;
}

/* Sets one key of the robot's own sections; 1 if the key is not one of them, 0 on success, -1 with err. */
static int robot_key_set(pm_robot_settings *s, const char *section, const char *key, const char *value, char *err)
{
    for (size_t i = 0; i < N_ROBOT_KEYS; i++) {
        const robot_key *k = &robot_keys[i];
        if (strcmp(k->section, section) || strcmp(k->key, key))
            continue;
        char *field = (char *)s + k->offset;
        long l;
        double d, list[PM_REFLEX_N];
        int n, ok = 1;
        switch (k->type) {
        case K_STR:
            ok = strlen(value) < (size_t)k->max_n;
            if (ok)
                snprintf(field, (size_t)k->max_n, "%s", value);
            break;
        case K_INT:
            ok = !pm_parse_long(value, &l) && l >= -1000000000L && l <= 1000000000L;
            if (ok)
                *(int *)field = (int)l;
            break;
        case K_DBL:
            ok = !pm_parse_double(value, &d);
            if (ok)
                *(double *)field = d;
            break;
        case K_DLIST:
            n = parse_dlist(value, list, k->max_n);
            ok = n == k->max_n;
            if (ok)
                memcpy(field, list, sizeof(double) * (size_t)n);
            if (ok && k->count_offset != NOCOUNT)
                *(int *)((char *)s + k->count_offset) = n;
            break;
        }
        if (!ok) {
            snprintf(err, PM_CFG_ERR_MAX, "[%s] %s = %.200s: bad value%s", section, key, value,
                     k->type == K_DLIST ? " (expected a list of the right length)" : "");
            return -1;
        }
        return 0;
    }
    return 1;
}

/* Any key: the robot's own sections first, then the shared key table. */
int pm_robot_settings_set(pm_robot_settings *s, const char *section, const char *key, const char *value,
                          char *err)
{
    int r = robot_key_set(s, section, key, value, err);
    if (r <= 0)
        return r;
    return pm_config_set(&s->net, section, key, value, err);
}

typedef struct {
    pm_robot_settings *s;
    char *err;
    int failed;
} ini_ctx;

static int robot_ini_handler(void *user, const char *section, const char *name, const char *value)
{
    ini_ctx *c = user;
    if (c->failed)
        return 0;
    if (pm_robot_settings_set(c->s, section, name, value, c->err)) {
        c->failed = 1;
        return 0; /* inih reports the line number */
    }
    return 1;
}

static int settings_load(pm_robot_settings *s, const char *path, char *err)
{
    char msg[PM_CFG_ERR_MAX] = "", *text;
    if (pm_file_read(path, PM_FILE_MAX_INI, "config file (INI)", &text, NULL, err))
        return -1;
    pm_robot_settings *tmp = malloc(sizeof *tmp);
    if (!tmp) {
        free(text);
        snprintf(err, PM_CFG_ERR_MAX, "%.300s: out of memory", path);
        return -1;
    }
    *tmp = *s;
    ini_ctx c = {tmp, msg, 0};
    int rc = ini_parse_string(text, robot_ini_handler, &c);
    free(text);
    if (rc)
        snprintf(err, PM_CFG_ERR_MAX, "%.200s:%d: %.380s", path, rc,
                 c.failed ? msg : "syntax error (expected [section] or key = value)");
    else
        *s = *tmp;
    free(tmp);
    return rc ? -1 : 0;
}

static int settings_check(pm_robot_settings *s, char *err)
{
    s->grid.width = s->width;
    s->grid.height = s->height;
    pm_reflex r;
    if (pm_config_check(&s->net, err))
        return -1;
    if (pm_grid_check(&s->grid)) {
        snprintf(err, PM_CFG_ERR_MAX, "[grid]: the band (%d,%d %dx%d, %d rows x %d cells per side) does not fit a "
                 "%dx%d image (band_w must be even, cells <= band_w/2, rows <= band_h, scale and clamp > 0)",
                 s->grid.band_x, s->grid.band_y, s->grid.band_w, s->grid.band_h, s->grid.rows, s->grid.cells,
                 s->width, s->height);
        return -1;
    }
    if (pm_reflex_init(&r, &s->reflex)) {
        snprintf(err, PM_CFG_ERR_MAX, "[reflex]: divisor must be nonzero, full_scale > 0, min_span in (0, 255]");
        return -1;
    }
    if (!(s->fps > 0 && s->fps <= 1000) || !isfinite(s->us_per_unit) || abs(s->left_sign) != 1 ||
        abs(s->right_sign) != 1) {
        snprintf(err, PM_CFG_ERR_MAX, "[camera] fps must be in (0, 1000], [serial] us_per_unit finite, "
                 "left/right_sign +-1");
        return -1;
    }
    return 0;
}

static int takes_value(const char *name)
{
    static const char *const v[] = {"--device", "--camera", "--frames", "--fps", "--rule", "--rate", "--config",
                                    "--load-model", "--save-model", "--log", "--set", "--max-steps", "--seed"};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (!strcmp(name, v[i]))
            return 1;
    return 0;
}

/* Options that are one key of the settings. */
static const struct {
    const char *option, *section, *key;
} option_keys[] = {
    {"--device", "serial", "device"}, {"--camera", "camera", "device"}, {"--fps", "camera", "fps"},
    {"--rule", "learning", "rule"},   {"--rate", "learning", "rate"},   {"--seed", "run", "seed"},
};

/* One option (name, value) into s / o. Returns 0, 1 for --help, 2 with the message in err. */
static int apply_option(const char *name, const char *value, pm_robot_settings *s, pm_robot_options *o, char *err)
{
    char msg[PM_CFG_ERR_MAX];
    for (size_t i = 0; i < sizeof option_keys / sizeof option_keys[0]; i++)
        if (!strcmp(name, option_keys[i].option)) {
            o->have_device |= !strcmp(name, "--device");
            o->have_camera |= !strcmp(name, "--camera");
            if (!pm_robot_settings_set(s, option_keys[i].section, option_keys[i].key, value, msg))
                return 0;
            snprintf(err, PM_CFG_ERR_MAX, "%s: %.500s", name, msg);
            return 2;
        }
    if (!strcmp(name, "--help") || !strcmp(name, "-h"))
        return 1;
    if (!strcmp(name, "--set")) {
        const char *dot = strchr(value, '.'), *eq = strchr(value, '=');
        char sec[64], key[64];
        if (!dot || !eq || dot > eq || dot - value >= 64 || eq - dot - 1 >= 64) {
            snprintf(err, PM_CFG_ERR_MAX, "--set '%.300s': expected SECTION.KEY=VALUE", value);
            return 2;
        }
        snprintf(sec, sizeof sec, "%.*s", (int)(dot - value), value);
        snprintf(key, sizeof key, "%.*s", (int)(eq - dot - 1), dot + 1);
        if (!pm_robot_settings_set(s, sec, key, eq + 1, msg))
            return 0;
        snprintf(err, PM_CFG_ERR_MAX, "--set: %.500s", msg);
        return 2;
    }
    if (!strcmp(name, "--config"))
        return 0;
    else if (!strcmp(name, "--frames"))
        o->frames = value;
    else if (!strcmp(name, "--load-model"))
        o->load_model = value;
    else if (!strcmp(name, "--save-model"))
        o->save_model = value;
    else if (!strcmp(name, "--log"))
        o->log = value;
    else if (!strcmp(name, "--calibrate"))
        o->calibrate = 1;
    else if (!strcmp(name, "--max-steps")) {
        if (pm_parse_long(value, &o->max_steps) || o->max_steps < 1) {
            snprintf(err, PM_CFG_ERR_MAX, "--max-steps: expected a positive integer: '%.300s'", value);
            return 2;
        }
    } else {
        snprintf(err, PM_CFG_ERR_MAX, "unknown option '%.300s' (see --help)", name);
        return 2;
    }
    return 0;
}

int pm_robot_parse_args(int argc, char **argv, pm_robot_settings *s, pm_robot_options *o, char *err)
{
    char name[64];
    const char *value;
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) /* --config first, so that every other option overrides the file */
        if (!strcmp(argv[i], "--config") && i + 1 < argc)
            o->config = argv[++i];
        else if (!strncmp(argv[i], "--config=", 9))
            o->config = argv[i] + 9;
    for (int i = 1; i < argc; i++)   /* --help wins over anything else */
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    if (o->config && settings_load(s, o->config, err))
        return 2;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--", 2)) {
            snprintf(err, PM_CFG_ERR_MAX, "unexpected argument '%.300s' (see --help)", argv[i]);
            return 2;
        }
        if (pm_args_next_option(argc, argv, &i, name, sizeof name, &value, takes_value, err))
            return 2;
        int rc = apply_option(name, value, s, o, err);
        if (rc)
            return rc;
    }
    if (o->frames && o->have_camera) {
        snprintf(err, PM_CFG_ERR_MAX, "--camera and --frames exclude each other");
        return 2;
    }
    if (o->save_model && s->net.rule == PM_CFG_RULE_REFLEX) {
        snprintf(err, PM_CFG_ERR_MAX, "--save-model: the reflex rule has no network");
        return 2;
    }
    return settings_check(s, err) ? 2 : 0;
}

int pm_robot_check_device(const char *path, char *err)
{
    struct stat st;
    if (stat(path, &st)) {
        snprintf(err, PM_CFG_ERR_MAX, "serial device %.300s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISCHR(st.st_mode)) {
        snprintf(err, PM_CFG_ERR_MAX, "serial device %.300s: not a character device (a serial port or terminal "
                 "such as /dev/ttyUSB0 is expected)", path);
        return -1;
    }
    /* /dev/null and /dev/zero are character devices too: only a terminal (isatty: tcgetattr works) is a serial
     * line. O_NONBLOCK: a modem line without carrier must not block this probe. */
    int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf(err, PM_CFG_ERR_MAX, "serial device %.300s: %s", path, strerror(errno));
        return -1;
    }
    int tty = isatty(fd);
    close(fd);
    if (!tty) {
        snprintf(err, PM_CFG_ERR_MAX, "serial device %.300s: a character device but not a terminal/serial port "
                 "(isatty fails)", path);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------ the session */

typedef struct {
    const pm_robot_settings *s;
    const pm_robot_options *o;
    const volatile sig_atomic_t *stop;
    pm_robot_summary *sum;
    char *err;
    pm_link *link;
    pm_camera *cam;
    pm_loop *loop;
    pm_reflex reflex;
    uint8_t *image;                 /* (height, width) grey */
    double *pred;                   /* (rows * cells) predictors */
    int sizes[PM_RUN_MAX_LAYERS];   /* layer widths the loop config points to */
    FILE *log;
    char log_tmp[PM_CFG_PATH_MAX + 16];
    long long t0_ms;
    int prev_ok;                    /* the previous step was a full, fresh step: learning now is allowed */
    int lost_said;
    int camera_err_said;
    long long camera_retry_ms;      /* last reopen attempt of a vanished camera */
} session;

static int stopped(const session *ss)
{
    return ss->stop && *ss->stop;
}

/* Reports link transitions, once each (SPEC §7 faults). */
static void report_events(session *ss, unsigned ev)
{
    if (ev & PM_LINK_EV_LOST) {
        if (!ss->lost_said)
            pm_notify(PM_NOTE_INFO, CMD, "serial device %s lost; retrying every %d ms", ss->s->device,
                    ss->s->link.reopen_interval_ms);
        ss->lost_said = 1;
    }
    if (ev & PM_LINK_EV_RECONNECT) {
        pm_notify(PM_NOTE_INFO, CMD, "serial device %s reopened", ss->s->device);
        ss->lost_said = 0;
    }
    if (ev & PM_LINK_EV_STALL)
        pm_notify(PM_NOTE_INFO, CMD, "no sensor frame for %d ms: robot halted, learning paused",
                ss->s->link.sensor_timeout_ms);
    if (ev & PM_LINK_EV_RESUME)
        pm_notify(PM_NOTE_INFO, CMD, "sensor frames flowing%s", ss->o->calibrate ? ""
                : ss->s->net.rule == PM_CFG_RULE_REFLEX ? ": driving" : ": driving and learning");
    if (ev & (PM_LINK_EV_LOST | PM_LINK_EV_RECONNECT | PM_LINK_EV_STALL))
        ss->prev_ok = 0;
}

/* The loop of SPEC §5 fed by the robot: predictors = camera grid, relevance from the grid for pm/chained. */
static int make_loop(session *ss, char *err)
{
    const pm_config *c = &ss->s->net;
    pm_loop_config l;
    pm_config_loop_config(c, ss->sizes, &l);   /* the same mapping as the simulation: same keys, same model */
    l.n_predictors = pm_grid_n_predictors(&ss->s->grid);
    l.n_rows = 0; /* curvature comes from the grid's mirrored rows (pm_grid_curvature), given per step */
    l.row_len = 0;
    l.lost_steps = 0;
    pm_status st = pm_loop_create(&l, &ss->loop);
    if (st) {
        snprintf(err, PM_CFG_ERR_MAX, "cannot build the loop: %s", pm_status_str(st));
        return -1;
    }
    if (!ss->o->load_model)
        return 0;
    pm_net *net = NULL;
    char msg[PM_CFG_ERR_MAX];
    /* the same check as `primod run`: a model of other settings is refused naming the keys (issue 13 item 1) */
    if (pm_model_load(ss->o->load_model, c, pm_loop_n_inputs(ss->loop), "config", &net, msg)) {
        snprintf(err, PM_CFG_ERR_MAX, "--load-model: %.560s", msg);
        return -1;
    }
    if (pm_loop_replace_net(ss->loop, net)) {
        pm_net_destroy(net);
        snprintf(err, PM_CFG_ERR_MAX, "--load-model %.300s: does not fit the loop", ss->o->load_model);
        return -1;
    }
    return 0;
}

static int open_log(session *ss)
{
    if (!ss->o->log)
        return 0;
    struct stat st;
    if (stat(ss->o->log, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        ss->log_tmp[0] = '\0'; /* a FIFO or device (/dev/stdout): written in place, never renamed over */
    else
        snprintf(ss->log_tmp, sizeof ss->log_tmp, "%s.tmp", ss->o->log);
    ss->log = fopen(ss->log_tmp[0] ? ss->log_tmp : ss->o->log, "w");
    if (!ss->log) {
        snprintf(ss->err, PM_CFG_ERR_MAX, "--log %.300s: %s", ss->o->log, strerror(errno));
        return -1;
    }
    fprintf(ss->log, "step\tt\tE\tR\tsteering\tleft\tright");
    for (int m = 0; m < pm_loop_n_outputs(ss->loop); m++)
        fprintf(ss->log, "\to%d", m + 1);
    fprintf(ss->log, "\tlearned\tcamera\tseq\n");
    return 0;
}

/* Closes the log and renames it into place (the file appears whole or not at all). */
static int close_log(session *ss)
{
    if (!ss->log)
        return 0;
    int bad = ferror(ss->log) | fclose(ss->log);
    ss->log = NULL;
    if (bad || (ss->log_tmp[0] && rename(ss->log_tmp, ss->o->log))) {
        snprintf(ss->err, PM_CFG_ERR_MAX, "--log %.300s: cannot write: %s", ss->o->log, strerror(errno));
        if (ss->log_tmp[0])
            unlink(ss->log_tmp);
        return -1;
    }
    return 0;
}

static void log_row(session *ss, double e, double r, const pm_loop_output *out, int learned, int camera,
                    uint8_t seq)
{
    if (!ss->log)
        return;
    fprintf(ss->log, "%ld\t%.3f\t%.9g\t%.9g\t%.9g\t%.9g\t%.9g", ss->sum->steps, (now_ms() - ss->t0_ms) / 1000.0, e, r,
            out->steering, out->left, out->right);
    for (int m = 0; m < pm_loop_n_outputs(ss->loop); m++)
        fprintf(ss->log, "\t%.9g", camera && out->outputs ? out->outputs[m] : 0.0);
    fprintf(ss->log, "\t%d\t%d\t%u\n", learned, camera, seq);
}

/* Wheel commands (loop units) -> servo pulse offsets (us) -> 'M'. */
static void drive(session *ss, double left, double right)
{
    const pm_robot_settings *s = ss->s;
    double l = s->left_sign * s->us_per_unit * left, r = s->right_sign * s->us_per_unit * right;
    l = fmax(-PM_FRAME_MOTOR_LIMIT, fmin(PM_FRAME_MOTOR_LIMIT, l));
    r = fmax(-PM_FRAME_MOTOR_LIMIT, fmin(PM_FRAME_MOTOR_LIMIT, r));
    pm_link_send_motors(ss->link, (int)lround(l), (int)lround(r));
}

/* One closed-loop step for a fresh sensor frame; camera says whether a fresh image came with it. */
static int robot_step(session *ss, const uint8_t raw[PM_REFLEX_N], uint8_t seq, int camera)
{
    double e;
    int seen;
    pm_reflex_observe(&ss->reflex, raw); /* running extremes keep tracking light changes */
    if (pm_reflex_error(&ss->reflex, raw, &e, &seen))
        return 0;
    pm_loop_output out = {0};
    double r = 0;
    int learned = 0;
    if (camera) {
        pm_loop_input in = {.error = e, .predictors = ss->pred, .line_seen = seen};
        const pm_config *c = &ss->s->net;
        if (c->rule == PM_CFG_RULE_PM || c->rule == PM_CFG_RULE_CHAINED) {
            pm_grid_curvature(&ss->s->grid, ss->pred, c->relevance_threshold, &in.relevance);
            in.relevance_given = 1;
        }
        /* learn only when the previous step was a fresh, full step: its stored activations belong to now - 1 */
        learned = ss->prev_ok && c->rule != PM_CFG_RULE_REFLEX;
        pm_loop_set_learning(ss->loop, learned);
        pm_status st = pm_loop_step(ss->loop, &in, &out);
        if (st) {
            snprintf(ss->err, PM_CFG_ERR_MAX, "step %ld: loop refused the step: %s; halting", ss->sum->steps,
                     pm_status_str(st));
            return -1;
        }
        r = out.relevance;
        ss->prev_ok = 1;
    } else {
        /* camera late or lost: reflex only, no learning, and the next step may not learn either */
        out.steering = e;
        out.left = ss->s->net.speed + e;
        out.right = ss->s->net.speed - e;
        ss->prev_ok = 0;
        ss->sum->late_frames++;
    }
    ss->sum->learned += learned;
    drive(ss, out.left, out.right);
    log_row(ss, e, r, &out, learned, camera, seq);
    ss->sum->steps++;
    return 0;
}

/* Waits until the absolute monotonic time t_ms (replay pacing); returns early on a signal. */
static void sleep_until(long long t_ms)
{
    struct timespec ts = {(time_t)(t_ms / 1000), (long)(t_ms % 1000) * 1000000L};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/* Gets the next camera frame; 1 fresh, 0 late/lost, -1 end of replay. Paces a replay at fps. */
/* A vanished camera device is reopened at most once a second (same rule as the serial device). 1 if open. */
static int camera_available(session *ss, double period)
{
    if (ss->cam)
        return 1;
    long long now = now_ms();
    if (now - ss->camera_retry_ms >= 1000) {
        ss->camera_retry_ms = now;
        if (!pm_camera_open(ss->s->camera, ss->s->width, ss->s->height, &ss->cam)) {
            pm_notify(PM_NOTE_INFO, CMD, "camera %s reopened", ss->s->camera);
            ss->camera_err_said = 0;
            return 1;
        }
    }
    sleep_until(now + (long long)lround(period)); /* keep the pace while steering on the reflex alone */
    return 0;
}

static int next_frame(session *ss, long long *next_tick)
{
    const double period = 1000.0 / ss->s->fps;
    pm_camera_result res = PM_CAMERA_LATE;
    if (ss->o->frames) {
        sleep_until(*next_tick);
        long long now = now_ms();
        *next_tick += (long long)lround(period);
        if (*next_tick < now)
            *next_tick = now; /* behind schedule: no burst to catch up */
    } else if (!camera_available(ss, period)) {
        return 0;
    }
    pm_status st = pm_camera_grab(ss->cam, ss->o->frames ? 0 : (int)lround(2 * period), ss->image, &res);
    if (st == PM_ERR_IO && !ss->o->frames) {
        if (!ss->camera_err_said)
            pm_notify(PM_NOTE_INFO, CMD, "camera %s lost; steering on the reflex alone, no learning, "
                    "retrying every second", ss->s->camera);
        ss->camera_err_said = 1;
        pm_camera_destroy(ss->cam);
        ss->cam = NULL;
        ss->camera_retry_ms = now_ms();
        return 0;
    }
    if (res == PM_CAMERA_END)
        return -1;
    if (res != PM_CAMERA_FRAME)
        return 0; /* late, or an unreadable replay image: this step does not learn */
    pm_grid_compute(&ss->s->grid, ss->image, ss->pred);
    return 1;
}

static int run_session(session *ss)
{
    long long next_tick = now_ms();
    ss->t0_ms = next_tick;
    while (!stopped(ss) && !(ss->o->max_steps && ss->sum->steps >= ss->o->max_steps)) {
        int camera = next_frame(ss, &next_tick);
        if (camera < 0)
            break; /* replay finished */
        unsigned ev = 0;
        pm_link_poll(ss->link, now_ms(), &ev);
        report_events(ss, ev);
        uint8_t raw[PM_REFLEX_N], seq = 0;
        if (!pm_link_take_sensors(ss->link, raw, &seq)) {
            ss->sum->stale_skips++; /* nothing fresh from the robot: no step, nothing learned */
            ss->prev_ok = 0;
            continue;
        }
        if (robot_step(ss, raw, seq, camera))
            return -1;
    }
    return 0;
}

/* Streams the sensors with the motors off, widening the running extremes from a fresh (uncalibrated) state, so
 * that what it reports was seen now, never the config's old values (issue 13 item 5). */
static int calibrate(session *ss)
{
    long long last_print = now_ms();
    pm_reflex_init(&ss->reflex, &ss->s->reflex);
    pm_notify(PM_NOTE_INFO, CMD, "calibrating; move the robot so every sensor sees line and floor, then Ctrl-C");
    while (!stopped(ss) && !(ss->o->max_steps && ss->sum->sensor_frames >= ss->o->max_steps)) {
        unsigned ev = 0;
        pm_link_poll(ss->link, now_ms(), &ev);
        report_events(ss, ev);
        uint8_t raw[PM_REFLEX_N];
        if (pm_link_take_sensors(ss->link, raw, NULL)) {
            pm_reflex_observe(&ss->reflex, raw);
            ss->sum->sensor_frames++;
        }
        if (now_ms() - last_print >= 1000 && ss->sum->sensor_frames) {
            char line[128] = "span:";
            last_print = now_ms();
            for (int i = 0; i < PM_REFLEX_N; i++)
                snprintf(line + strlen(line), sizeof line - strlen(line), " %3.0f",
                         fmax(0, ss->reflex.white[i] - ss->reflex.black[i]));
            pm_notify(PM_NOTE_INFO, CMD, "%s%s", line, pm_reflex_calibrated(&ss->reflex) ? "  (calibrated)" : "");
        }
        sleep_until(now_ms() + 5);
    }
    memcpy(ss->sum->black, ss->reflex.black, sizeof ss->sum->black);
    memcpy(ss->sum->white, ss->reflex.white, sizeof ss->sum->white);
    if (!ss->sum->sensor_frames) {
        snprintf(ss->err, PM_CFG_ERR_MAX, "calibration: no sensor frames received from %.300s", ss->s->device);
        return 1;
    }
    /* per weighted sensor (pair k = sensors k and 7 - k with weight w_k != 0, SPEC §7) */
    char bad[400] = "";
    for (int i = 0; i < PM_REFLEX_N; i++) {
        int k = i < PM_REFLEX_PAIRS ? i : PM_REFLEX_N - 1 - i;
        double span = ss->reflex.white[i] - ss->reflex.black[i];
        if (ss->s->reflex.weights[k] != 0 && !(span >= ss->s->reflex.min_span))
            snprintf(bad + strlen(bad), sizeof bad - strlen(bad), "%ssensor %d (%g)", *bad ? ", " : "", i,
                     fmax(0, span));
    }
    if (*bad) {
        snprintf(ss->err, PM_CFG_ERR_MAX, "calibration: not enough span (white - black < [reflex] min_span = %g) on "
                 "%.300s: move every weighted sensor over line and floor, then calibrate again",
                 ss->s->reflex.min_span, bad);
        return 1;
    }
    return 0;
}

static int open_devices(session *ss)
{
    const pm_robot_settings *s = ss->s;
    if (pm_robot_check_device(s->device, ss->err))
        return -1;
    pm_status st = pm_link_open(s->device, &s->link, now_ms(), &ss->link);
    if (st) {
        snprintf(ss->err, PM_CFG_ERR_MAX, "serial device %.300s: %s", s->device,
                 st == PM_ERR_IO ? strerror(errno) : pm_status_str(st));
        return -1;
    }
    if (ss->o->calibrate)
        return 0;
    st = ss->o->frames ? pm_camera_open_dir(ss->o->frames, &ss->cam)
                       : pm_camera_open(s->camera, s->width, s->height, &ss->cam);
    if (st) {
        snprintf(ss->err, PM_CFG_ERR_MAX, "camera %.300s: %s", ss->o->frames ? ss->o->frames : s->camera,
                     st == PM_ERR_FORMAT ? (ss->o->frames ? "no readable PGM/PNG image" : "no grey/YUYV mode at "
                                            "that size") : pm_status_str(st));
        return -1;
    }
    if (pm_camera_width(ss->cam) != s->width || pm_camera_height(ss->cam) != s->height) {
        snprintf(ss->err, PM_CFG_ERR_MAX, "camera images are %dx%d, [camera] says %dx%d", pm_camera_width(ss->cam),
                     pm_camera_height(ss->cam), s->width, s->height);
        return -1;
    }
    return 0;
}

/* Halts, saves, closes; keeps the first error message. */
static int finish(session *ss, int rc)
{
    /* halt first: whatever else fails, the wheels stop */
    if (ss->link)
        pm_link_halt(ss->link);
    if (ss->loop && pm_loop_net(ss->loop)) {   /* the network as it ends (and as it is saved) */
        const pm_net *net = pm_loop_net(ss->loop);
        ss->sum->n_layers = pm_net_n_layers(net);
        for (int l = 0; l < ss->sum->n_layers; l++)
            ss->sum->weight_distance[l] = pm_net_weight_distance(net, l);
    }
    if (ss->o->save_model && ss->loop && pm_loop_net(ss->loop)) {
        pm_status st = pm_net_save(pm_loop_net(ss->loop), ss->o->save_model);
        if (st && !rc)
            snprintf(ss->err, PM_CFG_ERR_MAX, "--save-model %.300s: %s", ss->o->save_model, pm_status_str(st));
        if (st)
            rc = rc ? rc : 1;
    }
    char msg[PM_CFG_ERR_MAX];
    char *keep = ss->err;
    if (rc)
        ss->err = msg;   /* a log failure after another error: the first message stays */
    if (close_log(ss))
        rc = rc ? rc : 1;
    ss->err = keep;
    if (ss->link) {
        ss->sum->have_link = 1;
        ss->sum->link = pm_link_get_stats(ss->link);
    }
    pm_link_close(ss->link);
    pm_camera_destroy(ss->cam);
    pm_loop_destroy(ss->loop);
    free(ss->image);
    free(ss->pred);
    return rc;
}

int pm_robot_session(const pm_robot_settings *s, const pm_robot_options *o, const volatile sig_atomic_t *stop,
                     pm_robot_summary *sum, char *err)
{
    memset(sum, 0, sizeof *sum);
    err[0] = '\0';
    session ss = {.s = s, .o = o, .stop = stop, .sum = sum, .err = err};
    pm_reflex_init(&ss.reflex, &s->reflex);
    if (s->n_black && s->n_white && pm_reflex_set_calibration(&ss.reflex, s->black, s->white)) {
        snprintf(err, PM_CFG_ERR_MAX, "[reflex] black/white: values must lie in 0..255");
        return 2;
    }
    if (!o->calibrate && !pm_reflex_calibrated(&ss.reflex)) {
        snprintf(err, PM_CFG_ERR_MAX, "the light sensors are not calibrated: run `primod robot --calibrate` and put "
                 "its [reflex] black/white lines into the config");
        return 2;
    }
    if (!o->calibrate && make_loop(&ss, err))
        return finish(&ss, 2);
    if (open_devices(&ss))
        return finish(&ss, 1);
    if (o->calibrate)
        return finish(&ss, calibrate(&ss));
    ss.image = malloc((size_t)s->width * (size_t)s->height);
    ss.pred = calloc((size_t)pm_grid_n_predictors(&s->grid), sizeof(double));
    if (!ss.image || !ss.pred) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        return finish(&ss, 1);
    }
    if (open_log(&ss))
        return finish(&ss, 1);
    return finish(&ss, run_session(&ss) ? 1 : 0);
}
