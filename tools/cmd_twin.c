/* primod twin: the unchanged `primod robot` host drives the firmware in simavr on a simulated track (SPEC §10). */
#define _GNU_SOURCE /* pipe2, strcasestr */
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"

#ifndef PRIMOD_HAVE_TWIN
int pm_cmd_twin(int argc, char **argv)
{
    (void)argc, (void)argv;
    fprintf(stderr, "primod twin: this primod was built without the twin (needs simavr: apt-get install simavr "
                    "libsimavr-dev libsimavrparts1 libelf-dev, then rebuild)\n");
    return 2;
}
#else

#include "primod/sim.h"
#include "primod/twin.h"

#define CMD "twin"
#define PATH_CAP 4096

static void twin_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void twin_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "primod " CMD ": ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

typedef struct {
    const char *track, *firmware, *config, *rule, *rate, *log, *seed;
    double seconds;
    int json, quiet, calibrate;
    const char *sets[32]; /* --set twin.KEY=VALUE */
    int n_sets;
} twin_options;

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

static int takes_value(const char *name)
{
    static const char *const v[] = {"--track", "--firmware", "--seconds", "--speedup", "--rule", "--rate",
                                    "--config", "--log", "--kill-host-at", "--hang-firmware-at", "--unplug-at",
                                    "--seed", "--set"};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        if (!strcmp(name, v[i]))
            return 1;
    return 0;
}

static int parse_seconds(const char *opt, const char *v, double lo, double hi, double *out)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || !isfinite(d) || d < lo || d > hi) {
        twin_error("%s: expected a number in [%g, %g]: '%s'", opt, lo, hi, v);
        return -1;
    }
    *out = d;
    return 0;
}

/* Parses argv into options and twin fault/pace settings. 0, 1 for --help, 2 after a message. */
static int parse_args(int argc, char **argv, twin_options *o, pm_twin_config *tc)
{
    memset(o, 0, sizeof *o);
    o->track = "paper";
    o->seconds = 20;
    for (int i = 1; i < argc; i++) {
        char name[64];
        const char *value = NULL, *a = argv[i];
        if (strncmp(a, "--", 2)) {
            twin_error("unexpected argument '%s' (see --help)", a);
            return 2;
        }
        const char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        if (nl >= sizeof name) {
            twin_error("unknown option '%s' (see --help)", a);
            return 2;
        }
        memcpy(name, a, nl);
        name[nl] = '\0';
        if (takes_value(name)) {
            if (eq)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else {
                twin_error("%s: missing value", name);
                return 2;
            }
        } else if (eq) {
            twin_error("%s takes no value", name);
            return 2;
        }
        if (!strcmp(name, "--help"))
            return 1;
        else if (!strcmp(name, "--track"))
            o->track = value;
        else if (!strcmp(name, "--firmware"))
            o->firmware = value;
        else if (!strcmp(name, "--config"))
            o->config = value;
        else if (!strcmp(name, "--rule"))
            o->rule = value;
        else if (!strcmp(name, "--rate"))
            o->rate = value;
        else if (!strcmp(name, "--seed"))
            o->seed = value;
        else if (!strcmp(name, "--log"))
            o->log = value;
        else if (!strcmp(name, "--json"))
            o->json = 1;
        else if (!strcmp(name, "--quiet"))
            o->quiet = 1;
        else if (!strcmp(name, "--calibrate"))
            o->calibrate = 1;
        else if (!strcmp(name, "--seconds")) {
            if (parse_seconds(name, value, 0.1, 86400, &o->seconds))
                return 2;
        } else if (!strcmp(name, "--speedup")) {
            if (parse_seconds(name, value, 0.1, 10, &tc->speedup))
                return 2;
        } else if (!strcmp(name, "--kill-host-at")) {
            if (parse_seconds(name, value, 0, 86400, &tc->kill_host_at))
                return 2;
        } else if (!strcmp(name, "--hang-firmware-at")) {
            if (parse_seconds(name, value, 0, 86400, &tc->hang_firmware_at))
                return 2;
        } else if (!strcmp(name, "--unplug-at")) {
            if (parse_seconds(name, value, 0, 86400, &tc->unplug_at))
                return 2;
        } else if (!strcmp(name, "--set")) {
            if (o->n_sets == 32) {
                twin_error("--set: at most 32");
                return 2;
            }
            o->sets[o->n_sets++] = value;
        } else {
            twin_error("unknown option '%s' (see --help)", name);
            return 2;
        }
    }
    int faults = (tc->kill_host_at >= 0) + (tc->hang_firmware_at >= 0) + (tc->unplug_at >= 0);
    if (faults > 1) {
        twin_error("one fault per run: --kill-host-at, --hang-firmware-at and --unplug-at exclude each other");
        return 2;
    }
    if (o->calibrate && faults) {
        twin_error("--calibrate runs without faults");
        return 2;
    }
    tc->calibrate_sweep = o->calibrate;
    return 0;
}

/* ------------------------------------------------------------------ config: [twin] for us, the rest for the host */

typedef struct {
    pm_twin_config *tc;
    char err[256];
} ini_ctx;

static int twin_ini_handler(void *user, const char *section, const char *name, const char *value)
{
    ini_ctx *c = user;
    /* keys the host and the twin share: the servo mounting and the camera size */
    static const char *const shared[][2] = {{"serial", "us_per_unit"}, {"serial", "left_sign"},
                                            {"serial", "right_sign"},  {"camera", "width"},
                                            {"camera", "height"},      {"camera", "fps"}};
    if (!strcmp(section, "twin")) {
        if (pm_twin_config_set(c->tc, name, value)) {
            snprintf(c->err, sizeof c->err, "[twin] %s = %s: unknown key or not a number", name, value);
            return 0;
        }
        return 1;
    }
    for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++)
        if (!strcmp(section, shared[i][0]) && !strcmp(name, shared[i][1])) {
            pm_twin_config_set(c->tc, name, value); /* the same field names; the host checks these itself */
        }
    return 1;
}

/* Copies the config without its [twin] section (the host does not know that section). */
static int write_host_config(const char *src, const char *dst)
{
    FILE *in = fopen(src, "r"), *out = in ? fopen(dst, "w") : NULL;
    if (!in || !out) {
        if (in)
            fclose(in);
        return -1;
    }
    char line[4096];
    int in_twin = 0;
    while (fgets(line, sizeof line, in)) {
        const char *p = line + strspn(line, " \t");
        if (*p == '[')
            in_twin = !strncmp(p, "[twin]", 6);
        if (!in_twin)
            fputs(line, out);
    }
    int bad = ferror(in);
    fclose(in);
    return (fclose(out) || bad) ? -1 : 0;
}

/* Directory of this executable (the build tree or bin/): where the firmware and default config are looked for. */
static int exe_dir(char *out, size_t n)
{
    ssize_t r = readlink("/proc/self/exe", out, n - 1);
    if (r <= 0)
        return -1;
    out[r] = '\0';
    char *slash = strrchr(out, '/');
    if (!slash)
        return -1;
    *slash = '\0';
    return 0;
}

/* <exe dir>/twin/NAME (build tree), else <exe dir>/../share/primod/twin/NAME (installed). */
static int find_data(const char *dir, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/twin/%s", dir, name);
    if (access(out, R_OK) == 0)
        return 0;
    snprintf(out, n, "%s/../share/primod/twin/%s", dir, name);
    return access(out, R_OK);
}

/* ------------------------------------------------------------------ the host's log and summary */

typedef struct {
    long steps, learned, late;
    double e_half[2];   /* sum of |E| over the first and the second half of the steps */
    long n_half[2];     /* steps in each half */
    int have_summary;
    unsigned long frames, bad_crc, bad_len, missed, stalls, reconnects;
    long summary_steps, summary_learned, summary_late, summary_stale;
} host_result;

/* Reads the host's TSV log: E and learned per step; the error integral of each half of the steps. */
static int read_host_log(const char *path, host_result *h)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        /* a killed host never renamed its log into place: what it wrote is in the temporary file */
        char tmp[PATH_CAP + 8];
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        f = fopen(tmp, "r");
    }
    if (!f)
        return -1;
    char line[4096];
    int col_e = -1, col_learned = -1, col_camera = -1;
    if (fgets(line, sizeof line, f)) {
        int k = 0;
        for (char *save = NULL, *tok = strtok_r(line, "\t\n", &save); tok; tok = strtok_r(NULL, "\t\n", &save), k++) {
            if (!strcmp(tok, "E"))
                col_e = k;
            else if (!strcmp(tok, "learned"))
                col_learned = k;
            else if (!strcmp(tok, "camera"))
                col_camera = k;
        }
    }
    if (col_e < 0 || col_learned < 0) {
        fclose(f);
        return -1;
    }
    /* two passes: count the rows, then split them into halves */
    long rows = 0;
    while (fgets(line, sizeof line, f))
        rows++;
    rewind(f);
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return -1;
    }
    long r = 0;
    while (fgets(line, sizeof line, f)) {
        int k = 0;
        double e = 0;
        int learned = 0, camera = 1;
        for (char *save = NULL, *tok = strtok_r(line, "\t\n", &save); tok; tok = strtok_r(NULL, "\t\n", &save), k++) {
            if (k == col_e)
                e = strtod(tok, NULL);
            else if (k == col_learned)
                learned = atoi(tok);
            else if (k == col_camera)
                camera = atoi(tok);
        }
        h->e_half[r < rows / 2 ? 0 : 1] += fabs(e);
        h->n_half[r < rows / 2 ? 0 : 1]++;
        h->learned += learned;
        h->late += !camera;
        r++;
    }
    h->steps = rows;
    fclose(f);
    return 0;
}

/* The host's last stderr line "primod robot: N steps (...); link: ..." carries its own link counters. */
static void parse_host_summary(const char *text, host_result *h)
{
    const char *p = NULL;
    for (const char *q = text; (q = strstr(q, "primod robot: ")); q++)
        if (strstr(q, " steps (") && strstr(q, "; link: "))
            p = q;
    if (!p)
        return;
    if (sscanf(p, "primod robot: %ld steps (%ld learned, %ld with a late camera frame), %ld frames without fresh "
               "sensors; link: %lu sensor frames, %lu bad CRC, %lu bad length, %lu missed, %lu stalls, "
               "%lu reconnects", &h->summary_steps, &h->summary_learned, &h->summary_late, &h->summary_stale,
               &h->frames, &h->bad_crc, &h->bad_len, &h->missed, &h->stalls, &h->reconnects) == 10)
        h->have_summary = 1;
}

/* ------------------------------------------------------------------ the run */

static volatile sig_atomic_t twin_stop;

static void on_signal(int sig)
{
    (void)sig;
    twin_stop = 1;
}

/* Reads what the host wrote on stderr so far: kept (bounded, the tail) and passed on unless quiet. */
static void drain_stderr(int fd, char *buf, size_t cap, size_t *len, int quiet)
{
    char chunk[4096];
    ssize_t r;
    while ((r = read(fd, chunk, sizeof chunk)) > 0) {
        if (!quiet)
            fwrite(chunk, 1, (size_t)r, stderr);
        size_t n = (size_t)r; /* chunk is smaller than buf */
        if (*len + n > cap - 1) { /* keep the tail: the summary line comes last */
            size_t drop = *len + n - (cap - 1);
            memmove(buf, buf + drop, *len - drop);
            *len -= drop;
        }
        memcpy(buf + *len, chunk, n);
        *len += n;
        buf[*len] = '\0';
    }
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static const char *fault_name(const pm_twin_config *c)
{
    return c->kill_host_at >= 0 ? "kill-host" : c->hang_firmware_at >= 0 ? "hang-firmware"
           : c->unplug_at >= 0 ? "unplug" : NULL;
}

static void print_result(const twin_options *o, const pm_twin_config *tc, const pm_twin_stats *s,
                         const host_result *h, int host_status)
{
    const char *fault = fault_name(tc);
    double total = h->e_half[0] + h->e_half[1];
    if (o->json) {
        printf("{\"track\": \"%s\", \"seconds\": %.3f, \"realtime_factor\": %.3f, \"frames\": %ld, \"steps\": %ld, "
               "\"learned_steps\": %ld, \"late_camera_steps\": %ld, \"on_line_fraction\": %.4f, \"lost\": %s, "
               "\"lost_episodes\": %ld, \"distance\": %.2f, \"error_integral\": %.6g, "
               "\"error_integral_halves\": [%.6g, %.6g], \"mean_abs_error_halves\": [%.6g, %.6g], ",
               o->track, s->seconds, s->realtime_factor, s->frames, h->steps, h->learned, h->late,
               s->on_line_fraction, s->lost_episodes ? "true" : "false", s->lost_episodes, s->distance, total,
               h->e_half[0], h->e_half[1], h->n_half[0] ? h->e_half[0] / h->n_half[0] : 0,
               h->n_half[1] ? h->e_half[1] / h->n_half[1] : 0);
        printf("\"link\": {\"frames\": %lu, \"bad_crc\": %lu, \"bad_length\": %lu, \"missed\": %lu, \"stalls\": %lu, "
               "\"reconnects\": %lu, \"host_summary\": %s, \"sensor_frames_sent\": %ld, \"motor_frames\": %ld, "
               "\"halt_frames\": %ld, \"bad_crc_to_mcu\": %ld, \"bytes_dropped\": %ld, \"pty_reconnects\": %ld}, ",
               h->frames, h->bad_crc, h->bad_len, h->missed, h->stalls, h->reconnects,
               h->have_summary ? "true" : "false", s->sensor_frames, s->motor_frames, s->halt_frames, s->bad_crc,
               s->bytes_dropped, s->reconnects);
        printf("\"watchdog_resets\": %ld, \"left_pulse_us\": %.1f, \"right_pulse_us\": %.1f, \"host_exit\": %d",
               s->watchdog_resets, s->left_pulse_us, s->right_pulse_us, host_status);
        if (fault) {
            printf(", \"fault\": \"%s\", \"fault_at\": %.3f, \"fault_stop_ms\": %.1f, \"stop_after_last_motor_ms\": "
                   "%.1f", fault, s->fault_at, s->fault_stop_ms, s->stop_after_last_motor_ms);
            if (tc->unplug_at >= 0 || tc->hang_firmware_at >= 0)
                printf(", \"resumed\": %s, \"resume_ms\": %.1f", s->resumed ? "true" : "false", s->resume_ms);
        }
        printf("}\n");
        fflush(stdout); /* before anything at exit (a sanitizer's report) can end the process */
        return;
    }
    printf("twin: %.1f s on track %s (%.2fx real time), %ld camera frames, %ld host steps, %ld learned\n",
           s->seconds, o->track, s->realtime_factor, s->frames, h->steps, h->learned);
    printf("line under the sensor bar %.1f %% of the time, %ld lost episode(s), %.1f units driven\n",
           100 * s->on_line_fraction, s->lost_episodes, s->distance);
    printf("reflex error integral: %.4g (first half %.4g, second half %.4g)\n", total, h->e_half[0], h->e_half[1]);
    printf("link (host): %lu sensor frames, %lu bad CRC, %lu stalls, %lu reconnects; MCU: %ld watchdog resets\n",
           h->frames, h->bad_crc, h->stalls, h->reconnects, s->watchdog_resets);
    if (fault) {
        printf("fault %s at %.3f s: servos at the stop pulse after %.1f ms", fault, s->fault_at, s->fault_stop_ms);
        if (tc->unplug_at >= 0 || tc->hang_firmware_at >= 0)
            printf("; %s", s->resumed ? "driving again" : "not driving again");
        if (s->resumed)
            printf(" after %.1f ms", s->resume_ms);
        printf("\n");
    }
}

/* Waits for the child up to ms; its wait status, or -1 if it is still running. */
static int wait_child(pid_t pid, int ms)
{
    for (int waited = 0;; waited += 10) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0)
            return 0;
        if (waited >= ms)
            return -1;
        sleep_ms(10);
    }
}

int pm_cmd_twin(int argc, char **argv)
{
    static pm_twin_config tc;
    twin_options o;
    pm_twin_config_default(&tc);
    int rc = parse_args(argc, argv, &o, &tc);
    if (rc == 1) {
        usage(stdout);
        return 0;
    }
    if (rc)
        return rc;

    char dir[PATH_CAP], firmware[PATH_CAP + 64], config[PATH_CAP + 64];
    if (exe_dir(dir, sizeof dir)) {
        twin_error("cannot find my own executable (/proc/self/exe)");
        return 1;
    }
    if (o.firmware)
        snprintf(firmware, sizeof firmware, "%s", o.firmware);
    else if (find_data(dir, "primod.elf", firmware, sizeof firmware)) {
        twin_error("no firmware ELF next to %s (build it with `make -C firmware` and give --firmware "
                   "firmware/primod.elf)", dir);
        return 2;
    }
    if (o.config)
        snprintf(config, sizeof config, "%s", o.config);
    else if (find_data(dir, "robot.ini", config, sizeof config)) {
        twin_error("no default robot.ini next to %s: give --config configs/robot.ini", dir);
        return 2;
    }
    /* the config's [twin] and shared keys first, then --set twin.KEY=VALUE, then the command line's faults */
    pm_twin_config fromfile = tc;
    pm_twin_config_default(&fromfile);
    ini_ctx ic = {&fromfile, ""};
    int ir = ini_parse(config, twin_ini_handler, &ic);
    if (ir < 0) {
        twin_error("--config %s: cannot read: %s", config, strerror(errno));
        return 2;
    }
    if (ir > 0) {
        twin_error("%s:%d: %s", config, ir, ic.err[0] ? ic.err : "syntax error");
        return 2;
    }
    fromfile.speedup = tc.speedup;
    fromfile.kill_host_at = tc.kill_host_at;
    fromfile.hang_firmware_at = tc.hang_firmware_at;
    fromfile.unplug_at = tc.unplug_at;
    fromfile.calibrate_sweep = tc.calibrate_sweep;
    tc = fromfile;
    for (int i = 0; i < o.n_sets; i++) {
        const char *v = o.sets[i], *eq = strchr(v, '=');
        char key[64];
        if (strncmp(v, "twin.", 5) || !eq || eq - v - 5 <= 0 || eq - v - 5 >= (long)sizeof key) {
            twin_error("--set '%s': expected twin.KEY=VALUE (host keys go into --config)", v);
            return 2;
        }
        snprintf(key, sizeof key, "%.*s", (int)(eq - v - 5), v + 5);
        if (pm_twin_config_set(&tc, key, eq + 1)) {
            twin_error("--set '%s': unknown key or not a number", v);
            return 2;
        }
    }
    char why[160];
    if (pm_twin_config_check(&tc, why)) {
        twin_error("[twin]: %s", why);
        return 2;
    }

    pm_world *world = NULL;
    size_t tl = strlen(o.track);
    pm_status st = tl > 4 && !strcasecmp(o.track + tl - 4, ".png") ? pm_world_load_png(o.track, 4, &world)
                                                                     : pm_world_create_builtin(o.track, 4, &world);
    if (st) {
        twin_error("--track %s: %s", o.track, st == PM_ERR_ARG ? "no such built-in track (paper, oval, figure8, "
                   "zigzag, s-curves) and not a .png file" : pm_status_str(st));
        return 2;
    }
    pm_twin *twin = NULL;
    st = pm_twin_create(&tc, world, firmware, &twin);
    if (st) {
        twin_error("cannot start the twin with firmware %s: %s", firmware,
                   st == PM_ERR_FORMAT ? "not an AVR ELF simavr can load" : pm_status_str(st));
        pm_world_destroy(world);
        return st == PM_ERR_FORMAT ? 2 : 1;
    }

    char host_ini[PATH_CAP], host_log[PATH_CAP];
    snprintf(host_ini, sizeof host_ini, "%s/host.ini", pm_twin_dir(twin));
    snprintf(host_log, sizeof host_log, "%s/host.tsv", pm_twin_dir(twin));
    const char *log_path = o.log ? o.log : host_log;
    if (write_host_config(config, host_ini)) {
        twin_error("cannot write the host's config %s: %s", host_ini, strerror(errno));
        pm_twin_destroy(twin);
        pm_world_destroy(world);
        return 1;
    }

    /* the host: this very binary's `robot` command, which does not know it drives a twin */
    char exe[PATH_CAP + 16];
    snprintf(exe, sizeof exe, "%s/primod", dir);
    char *hargv[32];
    int na = 0;
    hargv[na++] = "primod";
    hargv[na++] = "robot";
    hargv[na++] = "--config";
    hargv[na++] = host_ini;
    hargv[na++] = "--device";
    hargv[na++] = (char *)pm_twin_device(twin);
    if (o.calibrate) {
        hargv[na++] = "--calibrate";
    } else {
        hargv[na++] = "--camera";
        hargv[na++] = "-";
        hargv[na++] = "--log";
        hargv[na++] = (char *)log_path;
    }
    if (o.rule && !o.calibrate) {
        hargv[na++] = "--rule";
        hargv[na++] = (char *)o.rule;
    }
    if (o.rate && !o.calibrate) {
        hargv[na++] = "--rate";
        hargv[na++] = (char *)o.rate;
    }
    if (o.seed && !o.calibrate) {
        hargv[na++] = "--seed";
        hargv[na++] = (char *)o.seed;
    }
    hargv[na] = NULL;

    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC)) {
        twin_error("pipe: %s", strerror(errno));
        pm_twin_destroy(twin);
        pm_world_destroy(world);
        return 1;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    twin_stop = 0;
    fflush(stdout);
    fflush(stderr);
    if ((st = pm_twin_start(twin))) {
        twin_error("cannot start the emulator: %s", pm_status_str(st));
        pm_twin_destroy(twin);
        pm_world_destroy(world);
        return 1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        /* child: camera frames on stdin, messages to the parent's pipe; --json keeps our stdout for JSON */
        dup2(pm_twin_camera_fd(twin), STDIN_FILENO);
        dup2(errpipe[1], STDERR_FILENO);
        if (o.json)
            dup2(errpipe[1], STDOUT_FILENO);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execv(exe, hargv);
        fprintf(stderr, "primod twin: cannot run %s: %s\n", exe, strerror(errno));
        _exit(127);
    }
    close(errpipe[1]);
    pm_twin_camera_handed_over(twin);
    int host_status = -1, host_exit = -1;
    if (pid < 0) {
        twin_error("fork: %s", strerror(errno));
        pm_twin_stop(twin);
        close(errpipe[0]);
        pm_twin_destroy(twin);
        pm_world_destroy(world);
        return 1;
    }
    pm_twin_set_host(twin, pid);
    fcntl(errpipe[0], F_SETFL, fcntl(errpipe[0], F_GETFL) | O_NONBLOCK);
    static char errbuf[16384]; /* > the 4096-byte chunks of drain_stderr */
    size_t errlen = 0;
    errbuf[0] = '\0';
    int host_gone = 0;
    while (!twin_stop && !pm_twin_failed(twin) && pm_twin_elapsed(twin) < o.seconds) {
        drain_stderr(errpipe[0], errbuf, sizeof errbuf, &errlen, o.quiet);
        if (!host_gone) {
            int status;
            if (waitpid(pid, &status, WNOHANG) == pid) {
                host_gone = 1;
                host_status = status;
                if (tc.kill_host_at < 0)
                    break; /* the host ended by itself: nothing left to drive the robot */
            }
        }
        sleep_ms(20);
    }
    /* stop the host as a user would (SIGTERM: it halts, writes its log), then the emulator */
    if (!host_gone) {
        kill(pid, SIGTERM);
        host_status = wait_child(pid, 5000);
        if (host_status == -1) {
            kill(pid, SIGKILL);
            host_status = wait_child(pid, 5000);
        }
    }
    pm_twin_stop(twin);
    drain_stderr(errpipe[0], errbuf, sizeof errbuf, &errlen, o.quiet);
    close(errpipe[0]);
    if (host_status >= 0)
        host_exit = WIFEXITED(host_status) ? WEXITSTATUS(host_status) : 128 + WTERMSIG(host_status);

    pm_twin_stats s = pm_twin_get_stats(twin);
    host_result h;
    memset(&h, 0, sizeof h);
    if (!o.calibrate)
        read_host_log(log_path, &h);
    parse_host_summary(errbuf, &h);
    rc = 0;
    if (pm_twin_failed(twin)) {
        twin_error("the emulated MCU stopped (crashed) at %.3f s", s.seconds);
        rc = 1;
    } else if (o.calibrate) {
        rc = host_exit == 0 ? 0 : 1;
    } else if (tc.kill_host_at < 0 && host_exit != 0) {
        twin_error("the host `primod robot` ended with status %d%s%s%s", host_exit,
                   host_exit == 2 ? " (it reads a copy of " : "", host_exit == 2 ? config : "",
                   host_exit == 2 ? " without its [twin] section)" : "");
        rc = 1;
    }
    if (!o.calibrate || o.json)
        print_result(&o, &tc, &s, &h, host_exit);
    fflush(stdout);
    char host_tmp[PATH_CAP + 8];
    snprintf(host_tmp, sizeof host_tmp, "%s.tmp", host_log); /* a killed host leaves its unrenamed log */
    unlink(host_tmp);
    if (!o.log)
        unlink(host_log);
    unlink(host_ini);
    pm_twin_destroy(twin);
    pm_world_destroy(world);
    return rc;
}
#endif
