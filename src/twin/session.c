/* A twin session (SPEC §10): the unchanged `primod robot` host, as a child process, drives the emulated firmware. */
#define _GNU_SOURCE /* pipe2, realpath */
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "primod/twin.h"

enum { EXIT_USAGE = 2, EXIT_FAIL = 1 }; /* the CLI's exit codes (primod/run.h PM_EXIT_*), without its header */

void pm_twin_options_default(pm_twin_options *o)
{
    memset(o, 0, sizeof *o);
    o->track = "paper";
    o->seconds = 20;
    o->host_keeps_stdout = 1;
    o->host_messages_fd = -1;
    pm_twin_config_default(&o->twin);
}

/* ------------------------------------------------------------------ command line */

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

static int parse_seconds(const char *opt, const char *v, double lo, double hi, double *out, char *err)
{
    char *end;
    double d = strtod(v, &end);
    if (end == v || *end || !isfinite(d) || d < lo || d > hi) {
        snprintf(err, PM_TWIN_ERR_MAX, "%s: expected a number in [%g, %g]: '%.300s'", opt, lo, hi, v);
        return EXIT_USAGE;
    }
    *out = d;
    return 0;
}

/* One option: the value-taking ones get their value from "--opt=value" or the next argument. */
static int parse_one(pm_twin_options *o, const char *name, const char *value, int *json, int *quiet, char *err)
{
    static const char *const faults[] = {"--kill-host-at", "--hang-firmware-at", "--unplug-at"};
    double *fault_at[] = {&o->twin.kill_host_at, &o->twin.hang_firmware_at, &o->twin.unplug_at};
    const char **str = !strcmp(name, "--track")      ? &o->track
                       : !strcmp(name, "--firmware") ? &o->firmware
                       : !strcmp(name, "--config")   ? &o->config
                       : !strcmp(name, "--rule")     ? &o->rule
                       : !strcmp(name, "--rate")     ? &o->rate
                       : !strcmp(name, "--seed")     ? &o->seed
                       : !strcmp(name, "--log")      ? &o->log
                                                     : NULL;
    if (str) {
        *str = value;
        return 0;
    }
    if (!strcmp(name, "--json")) {
        *json = 1;
        o->host_keeps_stdout = 0; /* stdout is for the one JSON object */
        return 0;
    }
    if (!strcmp(name, "--quiet")) {
        *quiet = 1;
        return 0;
    }
    if (!strcmp(name, "--calibrate")) {
        o->calibrate = 1;
        return 0;
    }
    if (!strcmp(name, "--seconds"))
        return parse_seconds(name, value, 0.1, 86400, &o->seconds, err);
    if (!strcmp(name, "--speedup"))
        return parse_seconds(name, value, 0.1, 10, &o->twin.speedup, err);
    for (int k = 0; k < 3; k++)
        if (!strcmp(name, faults[k]))
            return parse_seconds(name, value, 0, 86400, fault_at[k], err);
    if (!strcmp(name, "--set")) {
        if (o->n_sets == PM_TWIN_MAX_SETS) {
            snprintf(err, PM_TWIN_ERR_MAX, "--set: at most %d", PM_TWIN_MAX_SETS);
            return EXIT_USAGE;
        }
        o->sets[o->n_sets++] = value;
        return 0;
    }
    snprintf(err, PM_TWIN_ERR_MAX, "unknown option '%s' (see --help)", name);
    return EXIT_USAGE;
}

int pm_twin_parse_args(int argc, char **argv, pm_twin_options *o, int *json, int *quiet, char *err)
{
    pm_twin_options_default(o);
    *json = *quiet = 0;
    for (int i = 1; i < argc; i++) {
        char name[64];
        const char *value = NULL, *a = argv[i];
        if (strncmp(a, "--", 2)) {
            snprintf(err, PM_TWIN_ERR_MAX, "unexpected argument '%.300s' (see --help)", a);
            return EXIT_USAGE;
        }
        const char *eq = strchr(a, '=');
        size_t nl = eq ? (size_t)(eq - a) : strlen(a);
        if (nl >= sizeof name) {
            snprintf(err, PM_TWIN_ERR_MAX, "unknown option '%.300s' (see --help)", a);
            return EXIT_USAGE;
        }
        memcpy(name, a, nl);
        name[nl] = '\0';
        if (takes_value(name)) {
            if (eq)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else {
                snprintf(err, PM_TWIN_ERR_MAX, "%s: missing value", name);
                return EXIT_USAGE;
            }
        } else if (eq) {
            snprintf(err, PM_TWIN_ERR_MAX, "%s takes no value", name);
            return EXIT_USAGE;
        }
        int rc = parse_one(o, name, value, json, quiet, err);
        if (rc)
            return rc;
    }
    const pm_twin_config *tc = &o->twin;
    int faults = (tc->kill_host_at >= 0) + (tc->hang_firmware_at >= 0) + (tc->unplug_at >= 0);
    if (faults > 1) {
        snprintf(err, PM_TWIN_ERR_MAX,
                 "one fault per run: --kill-host-at, --hang-firmware-at and --unplug-at exclude each other");
        return EXIT_USAGE;
    }
    if (o->calibrate && faults) {
        snprintf(err, PM_TWIN_ERR_MAX, "--calibrate runs without faults");
        return EXIT_USAGE;
    }
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
            snprintf(c->err, sizeof c->err, "[twin] %.60s = %.120s: unknown key or not a number", name, value);
            return 0;
        }
        return 1;
    }
    for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++)
        if (!strcmp(section, shared[i][0]) && !strcmp(name, shared[i][1]))
            pm_twin_config_set(c->tc, name, value); /* the same field names; the host checks these itself */
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

/* <dir>/twin/NAME (build tree), else <dir>/../share/primod/twin/NAME (installed). */
static int find_data(const char *dir, const char *name, char *out, size_t n)
{
    snprintf(out, n, "%s/twin/%s", dir, name);
    if (access(out, R_OK) == 0)
        return 0;
    snprintf(out, n, "%s/../share/primod/twin/%s", dir, name);
    return access(out, R_OK);
}

/* The twin config: defaults, the config's [twin] and shared keys, the options' pace and faults, then the sets. */
static int twin_config(const pm_twin_options *o, const char *config, pm_twin_config *tc, char *err)
{
    pm_twin_config_default(tc);
    ini_ctx ic = {tc, ""};
    int ir = ini_parse(config, twin_ini_handler, &ic);
    if (ir < 0) {
        snprintf(err, PM_TWIN_ERR_MAX, "--config %.300s: cannot read: %s", config, strerror(errno));
        return EXIT_USAGE;
    }
    if (ir > 0) {
        snprintf(err, PM_TWIN_ERR_MAX, "%.300s:%d: %s", config, ir, ic.err[0] ? ic.err : "syntax error");
        return EXIT_USAGE;
    }
    tc->speedup = o->twin.speedup;
    tc->kill_host_at = o->twin.kill_host_at;
    tc->hang_firmware_at = o->twin.hang_firmware_at;
    tc->unplug_at = o->twin.unplug_at;
    tc->calibrate_sweep = o->calibrate;
    for (int i = 0; i < o->n_sets; i++) {
        const char *v = o->sets[i], *eq = v ? strchr(v, '=') : NULL;
        char key[64];
        if (!v || strncmp(v, "twin.", 5) || !eq || eq - v - 5 <= 0 || eq - v - 5 >= (long)sizeof key) {
            snprintf(err, PM_TWIN_ERR_MAX, "--set '%.300s': expected twin.KEY=VALUE (host keys go into --config)",
                     v ? v : "(null)");
            return EXIT_USAGE;
        }
        snprintf(key, sizeof key, "%.*s", (int)(eq - v - 5), v + 5);
        if (pm_twin_config_set(tc, key, eq + 1)) {
            snprintf(err, PM_TWIN_ERR_MAX, "--set '%.300s': unknown key or not a number", v);
            return EXIT_USAGE;
        }
    }
    char why[160];
    if (pm_twin_config_check(tc, why)) {
        snprintf(err, PM_TWIN_ERR_MAX, "[twin]: %s", why);
        return EXIT_USAGE;
    }
    return 0;
}

/* ------------------------------------------------------------------ the host's log and summary */

/* Reads the host's TSV log: E and learned per step; the error integral of each half of the steps. */
static int read_host_log(const char *path, pm_twin_summary *h)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        /* a killed host never renamed its log into place: what it wrote is in the temporary file */
        char tmp[PM_TWIN_PATH_MAX + 8];
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
        h->error_half[r < rows / 2 ? 0 : 1] += fabs(e);
        h->steps_half[r < rows / 2 ? 0 : 1]++;
        h->learned_steps += learned;
        h->late_camera_steps += !camera;
        r++;
    }
    h->steps = rows;
    fclose(f);
    return 0;
}

/* The host's last stderr line "primod robot: N steps (...); link: ..." carries its own link counters. */
static void parse_host_summary(const char *text, pm_twin_summary *h)
{
    const char *p = NULL;
    for (const char *q = text; (q = strstr(q, "primod robot: ")); q++)
        if (strstr(q, " steps (") && strstr(q, "; link: "))
            p = q;
    if (!p)
        return;
    long steps, learned, late, stale;
    if (sscanf(p, "primod robot: %ld steps (%ld learned, %ld with a late camera frame), %ld frames without fresh "
               "sensors; link: %lu sensor frames, %lu bad CRC, %lu bad length, %lu missed, %lu stalls, "
               "%lu reconnects", &steps, &learned, &late, &stale, &h->link_frames, &h->link_bad_crc,
               &h->link_bad_length, &h->link_missed, &h->link_stalls, &h->link_reconnects) == 10)
        h->host_summary = 1;
}

/* ------------------------------------------------------------------ the run */

/* Reads what the host wrote so far: kept (bounded, the tail) and copied to fd (if >= 0). */
static void drain_host(int from, int fd, char *buf, size_t cap, size_t *len)
{
    char chunk[4096];
    ssize_t r;
    while ((r = read(from, chunk, sizeof chunk)) > 0) {
        for (ssize_t done = 0, w; fd >= 0 && done < r; done += w)
            if ((w = write(fd, chunk + done, (size_t)(r - done))) <= 0)
                break;
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

/* The host's argv: this very binary's `robot` command, which does not know it drives a twin. */
static void host_argv(const pm_twin_options *o, const char *ini, const char *device, const char *log, char **a)
{
    int n = 0;
    a[n++] = "primod";
    a[n++] = "robot";
    a[n++] = "--config";
    a[n++] = (char *)ini;
    a[n++] = "--device";
    a[n++] = (char *)device;
    if (o->calibrate) {
        a[n++] = "--calibrate";
    } else {
        const char *pass[][2] = {{"--camera", "-"}, {"--log", log}, {"--rule", o->rule}, {"--rate", o->rate},
                                 {"--seed", o->seed}};
        for (size_t i = 0; i < sizeof pass / sizeof pass[0]; i++)
            if (pass[i][1]) {
                a[n++] = (char *)pass[i][0];
                a[n++] = (char *)pass[i][1];
            }
    }
    a[n] = NULL;
}

/* Starts the twin and the host, waits for the time limit (the twin's emulator thread injects the scheduled fault
 * at its emulated time), stops the host as a user would (SIGTERM: it halts and writes its log), then the
 * emulator. The host's exit status (128 + signal if killed, -1 unknown), or EXIT_FAIL with err set. */
static int drive(const pm_twin_options *o, const pm_twin_config *tc, pm_twin *twin, const char *exe, char **argv,
                 char *hostbuf, size_t cap, char *err)
{
    int errpipe[2];
    if (pipe2(errpipe, O_CLOEXEC)) {
        snprintf(err, PM_TWIN_ERR_MAX, "pipe: %s", strerror(errno));
        return EXIT_FAIL;
    }
    fflush(NULL); /* what the caller printed comes before what the host writes on a shared stdout */
    pm_status st = pm_twin_start(twin);
    if (st) {
        snprintf(err, PM_TWIN_ERR_MAX, "cannot start the emulator: %s", pm_status_str(st));
        close(errpipe[0]);
        close(errpipe[1]);
        return EXIT_FAIL;
    }
    pid_t pid = fork();
    if (pid == 0) {
        /* child: camera frames on stdin, messages to the parent's pipe (stdout too unless the caller keeps it) */
        dup2(pm_twin_camera_fd(twin), STDIN_FILENO);
        dup2(errpipe[1], STDERR_FILENO);
        if (!o->host_keeps_stdout)
            dup2(errpipe[1], STDOUT_FILENO);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        execv(exe, argv);
        dprintf(STDERR_FILENO, "primod twin: cannot run %s: %s\n", exe, strerror(errno));
        _exit(127);
    }
    close(errpipe[1]);
    pm_twin_camera_handed_over(twin);
    if (pid < 0) {
        snprintf(err, PM_TWIN_ERR_MAX, "fork: %s", strerror(errno));
        pm_twin_stop(twin);
        close(errpipe[0]);
        return EXIT_FAIL;
    }
    pm_twin_set_host(twin, pid);
    fcntl(errpipe[0], F_SETFL, fcntl(errpipe[0], F_GETFL) | O_NONBLOCK);
    size_t len = 0;
    hostbuf[0] = '\0';
    int host_gone = 0, status = -1;
    while (!(o->stop && *o->stop) && !pm_twin_failed(twin) && pm_twin_elapsed(twin) < o->seconds) {
        drain_host(errpipe[0], o->host_messages_fd, hostbuf, cap, &len);
        if (!host_gone && waitpid(pid, &status, WNOHANG) == pid) {
            host_gone = 1;
            if (tc->kill_host_at < 0)
                break; /* the host ended by itself: nothing left to drive the robot */
        }
        sleep_ms(20);
    }
    if (!host_gone) {
        kill(pid, SIGTERM);
        status = wait_child(pid, 5000);
        if (status == -1) {
            kill(pid, SIGKILL);
            status = wait_child(pid, 5000);
        }
    }
    pm_twin_stop(twin);
    drain_host(errpipe[0], o->host_messages_fd, hostbuf, cap, &len);
    close(errpipe[0]);
    return status >= 0 ? (WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status)) : -1;
}

/* The session once the twin exists: the host's config and log in the twin's directory, the run, the summary. */
static int session(const pm_twin_options *o, const pm_twin_config *tc, pm_twin *twin, const char *exe,
                   const char *config, pm_twin_summary *s, char *err)
{
    char host_ini[PM_TWIN_PATH_MAX], host_log[PM_TWIN_PATH_MAX], host_tmp[PM_TWIN_PATH_MAX + 8];
    snprintf(host_ini, sizeof host_ini, "%s/host.ini", pm_twin_dir(twin));
    snprintf(host_log, sizeof host_log, "%s/host.tsv", pm_twin_dir(twin));
    snprintf(host_tmp, sizeof host_tmp, "%s.tmp", host_log); /* a killed host leaves its unrenamed log */
    const char *log_path = o->log ? o->log : host_log;
    if (write_host_config(config, host_ini)) {
        snprintf(err, PM_TWIN_ERR_MAX, "cannot write the host's config %.300s: %s", host_ini, strerror(errno));
        unlink(host_ini);
        return EXIT_FAIL;
    }
    char *argv[32];
    host_argv(o, host_ini, pm_twin_device(twin), log_path, argv);
    static char hostbuf[16384]; /* the tail of the host's messages; > the 4096-byte chunks of drain_host */
    int rc = 0, host_exit = drive(o, tc, twin, exe, argv, hostbuf, sizeof hostbuf, err);
    if (err[0]) { /* drive could not start the run */
        unlink(host_ini);
        return EXIT_FAIL;
    }
    s->ran = 1;
    s->host_exit = host_exit;
    s->twin = pm_twin_get_stats(twin);
    if (!o->calibrate)
        read_host_log(log_path, s);
    parse_host_summary(hostbuf, s);
    if (pm_twin_failed(twin)) {
        snprintf(err, PM_TWIN_ERR_MAX, "the emulated MCU stopped (crashed) at %.3f s", s->twin.seconds);
        rc = EXIT_FAIL;
    } else if (o->calibrate) {
        rc = host_exit == 0 ? 0 : EXIT_FAIL;
    } else if (tc->kill_host_at < 0 && host_exit != 0) {
        snprintf(err, PM_TWIN_ERR_MAX, "the host `primod robot` ended with status %d%s%.300s%s", host_exit,
                 host_exit == 2 ? " (it reads a copy of " : "", host_exit == 2 ? config : "",
                 host_exit == 2 ? " without its [twin] section)" : "");
        rc = EXIT_FAIL;
    }
    unlink(host_tmp);
    if (!o->log)
        unlink(host_log);
    unlink(host_ini);
    return rc;
}

int pm_twin_session_run(const pm_twin_options *o, pm_twin_summary *s, char *err)
{
    if (!o || !s || !err)
        return EXIT_USAGE;
    memset(s, 0, sizeof *s);
    s->host_exit = -1;
    err[0] = '\0';
    char exe[PATH_MAX], dir[PATH_MAX], firmware[PM_TWIN_PATH_MAX + 64], config[PM_TWIN_PATH_MAX + 64];
    if (!o->host || !o->track || !realpath(o->host, exe)) {
        snprintf(err, PM_TWIN_ERR_MAX, "cannot find the host program %.300s: %s", o->host ? o->host : "(none given)",
                 o->host ? strerror(errno) : "set pm_twin_options.host");
        return o->host && o->track ? EXIT_FAIL : EXIT_USAGE;
    }
    snprintf(dir, sizeof dir, "%s", exe);
    *strrchr(dir, '/') = '\0'; /* realpath gives an absolute path */
    if (o->firmware)
        snprintf(firmware, sizeof firmware, "%s", o->firmware);
    else if (find_data(dir, "primod.elf", firmware, sizeof firmware)) {
        snprintf(err, PM_TWIN_ERR_MAX, "no firmware ELF next to %.300s (build it with `make -C firmware` and give "
                 "--firmware firmware/primod.elf)", dir);
        return EXIT_USAGE;
    }
    if (o->config)
        snprintf(config, sizeof config, "%s", o->config);
    else if (find_data(dir, "robot.ini", config, sizeof config)) {
        snprintf(err, PM_TWIN_ERR_MAX, "no default robot.ini next to %.300s: give --config configs/robot.ini", dir);
        return EXIT_USAGE;
    }
    pm_twin_config tc;
    int rc = twin_config(o, config, &tc, err);
    if (rc)
        return rc;

    pm_world *world = NULL;
    size_t tl = strlen(o->track);
    pm_status st = tl > 4 && !strcasecmp(o->track + tl - 4, ".png") ? pm_world_load_png(o->track, 4, &world)
                                                                      : pm_world_create_builtin(o->track, 4, &world);
    if (st) {
        snprintf(err, PM_TWIN_ERR_MAX, "--track %.300s: %s", o->track, st == PM_ERR_ARG ? "no such built-in track "
                 "(paper, oval, figure8, zigzag, s-curves) and not a .png file" : pm_status_str(st));
        return EXIT_USAGE;
    }
    pm_twin *twin = NULL;
    st = pm_twin_create(&tc, world, firmware, &twin);
    if (st) {
        snprintf(err, PM_TWIN_ERR_MAX, "cannot start the twin with firmware %.300s: %s", firmware,
                 st == PM_ERR_FORMAT ? "not an AVR ELF simavr can load" : pm_status_str(st));
        pm_world_destroy(world);
        return st == PM_ERR_FORMAT ? EXIT_USAGE : EXIT_FAIL;
    }
    snprintf(s->track, sizeof s->track, "%s", o->track);
    s->calibrate = o->calibrate;
    s->fault = tc.kill_host_at >= 0 ? "kill-host" : tc.hang_firmware_at >= 0 ? "hang-firmware"
               : tc.unplug_at >= 0 ? "unplug" : NULL;
    s->fault_resumes = tc.unplug_at >= 0 || tc.hang_firmware_at >= 0;
    rc = session(o, &tc, twin, exe, config, s, err);
    pm_twin_destroy(twin);
    pm_world_destroy(world);
    return rc;
}

/* ------------------------------------------------------------------ output */

/* "key": x with printf's fixed precision (fmt), as the summary always printed it; null if not finite. */
static void kv_fmt(pm_json *j, const char *key, const char *fmt, double x)
{
    char v[64];
    if (key)
        pm_json_key(j, key);
    if (!isfinite(x)) {
        pm_json_null(j);
        return;
    }
    snprintf(v, sizeof v, fmt, x);
    pm_json_raw(j, v);
}

static void half_pair(pm_json *j, const char *key, double a, double b)
{
    pm_json_key(j, key);
    pm_json_begin_array(j);
    kv_fmt(j, NULL, "%.6g", a); /* no key: array items */
    kv_fmt(j, NULL, "%.6g", b);
    pm_json_end_array(j);
}

void pm_twin_summary_json(const pm_twin_summary *s, pm_json *j)
{
    const pm_twin_stats *t = &s->twin;
    const long *n = s->steps_half;
    const double *e = s->error_half;
    pm_json_begin_object(j);
    pm_json_kv_string(j, "track", s->track);
    kv_fmt(j, "seconds", "%.3f", t->seconds);
    kv_fmt(j, "realtime_factor", "%.3f", t->realtime_factor);
    pm_json_kv_long(j, "frames", t->frames);
    pm_json_kv_long(j, "steps", s->steps);
    pm_json_kv_long(j, "learned_steps", s->learned_steps);
    pm_json_kv_long(j, "late_camera_steps", s->late_camera_steps);
    kv_fmt(j, "on_line_fraction", "%.4f", t->on_line_fraction);
    pm_json_kv_bool(j, "lost", t->lost_episodes > 0);
    pm_json_kv_long(j, "lost_episodes", t->lost_episodes);
    kv_fmt(j, "distance", "%.2f", t->distance);
    kv_fmt(j, "error_integral", "%.6g", e[0] + e[1]);
    half_pair(j, "error_integral_halves", e[0], e[1]);
    half_pair(j, "mean_abs_error_halves", n[0] ? e[0] / (double)n[0] : 0, n[1] ? e[1] / (double)n[1] : 0);
    pm_json_key(j, "link");
    pm_json_begin_object(j);
    const char *lk[] = {"frames", "bad_crc", "bad_length", "missed", "stalls", "reconnects"};
    const unsigned long lv[] = {s->link_frames, s->link_bad_crc, s->link_bad_length,
                                s->link_missed, s->link_stalls,  s->link_reconnects};
    for (int i = 0; i < 6; i++)
        pm_json_kv_long(j, lk[i], (long long)lv[i]);
    pm_json_kv_bool(j, "host_summary", s->host_summary);
    pm_json_kv_long(j, "sensor_frames_sent", t->sensor_frames);
    pm_json_kv_long(j, "motor_frames", t->motor_frames);
    pm_json_kv_long(j, "halt_frames", t->halt_frames);
    pm_json_kv_long(j, "bad_crc_to_mcu", t->bad_crc);
    pm_json_kv_long(j, "bytes_dropped", t->bytes_dropped);
    pm_json_kv_long(j, "pty_reconnects", t->reconnects);
    pm_json_end_object(j);
    pm_json_kv_long(j, "watchdog_resets", t->watchdog_resets);
    kv_fmt(j, "left_pulse_us", "%.1f", t->left_pulse_us);
    kv_fmt(j, "right_pulse_us", "%.1f", t->right_pulse_us);
    pm_json_kv_long(j, "host_exit", s->host_exit);
    if (s->fault) {
        pm_json_kv_string(j, "fault", s->fault);
        kv_fmt(j, "fault_at", "%.3f", t->fault_at);
        kv_fmt(j, "fault_stop_ms", "%.1f", t->fault_stop_ms);
        kv_fmt(j, "stop_after_last_motor_ms", "%.1f", t->stop_after_last_motor_ms);
        if (s->fault_resumes) {
            pm_json_kv_bool(j, "resumed", t->resumed);
            kv_fmt(j, "resume_ms", "%.1f", t->resume_ms);
        }
    }
    pm_json_end_object(j);
}

void pm_twin_summary_print(const pm_twin_summary *s, FILE *f)
{
    const pm_twin_stats *t = &s->twin;
    const double *e = s->error_half;
    fprintf(f, "twin: %.1f s on track %s (%.2fx real time), %ld camera frames, %ld host steps, %ld learned\n",
            t->seconds, s->track, t->realtime_factor, t->frames, s->steps, s->learned_steps);
    fprintf(f, "line under the sensor bar %.1f %% of the time, %ld lost episode(s), %.1f units driven\n",
            100 * t->on_line_fraction, t->lost_episodes, t->distance);
    fprintf(f, "reflex error integral: %.4g (first half %.4g, second half %.4g)\n", e[0] + e[1], e[0], e[1]);
    fprintf(f, "link (host): %lu sensor frames, %lu bad CRC, %lu stalls, %lu reconnects; MCU: %ld watchdog resets\n",
            s->link_frames, s->link_bad_crc, s->link_stalls, s->link_reconnects, t->watchdog_resets);
    if (s->fault) {
        fprintf(f, "fault %s at %.3f s: servos at the stop pulse after %.1f ms", s->fault, t->fault_at,
                t->fault_stop_ms);
        if (s->fault_resumes)
            fprintf(f, "; %s", t->resumed ? "driving again" : "not driving again");
        if (t->resumed)
            fprintf(f, " after %.1f ms", t->resume_ms);
        fprintf(f, "\n");
    }
}
