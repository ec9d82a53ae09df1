/* Many independent runs in forked worker processes (fork + pipes), resumable result files and group summaries. */
#define _POSIX_C_SOURCE 200809L /* fork, pipe, poll, waitpid, dirent, isatty */
#include "primod/batch.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "primod/notify.h"
#include "primod/stats.h"
#include "primod/version.h"

/* ---- job names ---- */

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 14695981039346656037ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* Copies s into buf keeping [A-Za-z0-9._-] and replacing anything else by '_' (file-name safe). */
static void sanitize(const char *s, char *buf, size_t n)
{
    size_t i = 0;
    for (; s[i] && i + 1 < n; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                 c == '-' || c == '_';
        buf[i] = ok ? c : '_';
    }
    buf[i] = '\0';
}

void pm_batch_job_name(pm_batch_job *job)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    uint64_t h = 0;
    if (f) {
        fprintf(f, "primod %s results %d\n", PM_VERSION_STRING, PM_RUN_RESULT_FORMAT);
        pm_config_write_ini(&job->cfg, f);
        fclose(f);
        h = fnv1a(text, len);
    }
    free(text);
    const char *track = strrchr(job->cfg.track, '/');
    char t[64];
    sanitize(track ? track + 1 : job->cfg.track, t, sizeof t);
    snprintf(job->file, sizeof job->file, "%s_s%llu_%s_%016llx.json", pm_config_rule_name(job->cfg.rule),
             job->cfg.seed, t, (unsigned long long)h);
}

/* ---- files ---- */

/* Reads a whole file into a NUL-terminated buffer (owned), or NULL. */
static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (n + 1 < cap)
            break;
        char *b = realloc(buf, cap * 2);
        if (!b) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = b;
        cap *= 2;
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf)
        buf[n] = '\0';
    return buf;
}

/* Writes text + newline to dir/name through a temporary file and rename (a stopped batch leaves no half file). */
static int write_atomic(const char *dir, const char *name, const char *text)
{
    char path[PM_CFG_PATH_MAX + PM_BATCH_FILE_MAX + 2], tmp[sizeof path + 32];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    int bad = fputs(text, f) < 0 || fputc('\n', f) == EOF;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path)) {
        remove(tmp);
        return -1;
    }
    return 0;
}

/* Parses run JSON text into slot (taking ownership of text on success). */
static int slot_from_text(pm_batch_slot *slot, char *text)
{
    pm_jv *v = pm_jv_parse(text);
    int bad = !v || pm_run_result_from_json(v, &slot->res);
    pm_jv_free(v);
    if (bad)
        return -1;
    /* keep one line: files end with a newline, runs are embedded verbatim in the batch JSON */
    size_t n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
        text[--n] = '\0';
    slot->json = text;
    return 0;
}

/* 1 if the run JSON text was written by this primod release and result format (the file name's hash says so
 * too; this catches files written by another binary under the name this batch computed, e.g. emitted
 * commands run elsewhere). */
static int same_version(const char *text)
{
    pm_jv *v = pm_jv_parse(text);
    const pm_jv *ver = v ? pm_jv_get(v, "primod_version") : NULL, *fmt = v ? pm_jv_get(v, "result_format") : NULL;
    int ok = ver && ver->type == PM_JV_STRING && !strcmp(ver->string, PM_VERSION_STRING) && fmt &&
             fmt->type == PM_JV_NUMBER && fmt->number == PM_RUN_RESULT_FORMAT;
    pm_jv_free(v);
    return ok;
}

static void try_resume(const char *dir, const pm_batch_job *job, pm_batch_slot *slot)
{
    char path[PM_CFG_PATH_MAX + PM_BATCH_FILE_MAX + 2];
    snprintf(path, sizeof path, "%s/%s", dir, job->file);
    char *text = read_file(path);
    if (!text)
        return;
    if (!same_version(text) || slot_from_text(slot, text))
        free(text);   /* damaged or from another release: run again and overwrite */
    else
        slot->resumed = 1;
}

/* ---- worker processes ---- */

typedef struct {
    pid_t pid;
    int fd;          /* read end of the child's pipe */
    int job;
    char *buf;       /* what the child wrote so far */
    size_t len, cap;
} worker;

static int write_all(int fd, const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

/* In the child: one run, its JSON (or "!<code> <message>") down the pipe, then _exit. */
static void child_run(const pm_batch_job *job, int fd)
{
    pm_run_options opt;
    memset(&opt, 0, sizeof opt);
    opt.cfg = job->cfg;
    pm_run_result res;
    char err[PM_CFG_ERR_MAX];
    int rc = pm_run(&opt, &res, err);
    if (rc) {
        char msg[PM_CFG_ERR_MAX + 16];
        int n = snprintf(msg, sizeof msg, "!%d %s", rc, err);
        write_all(fd, msg, (size_t)n);
        _exit(rc);
    }
    pm_json j;
    pm_json_init(&j);
    pm_run_result_json(&res, &job->cfg, &j);
    int bad = j.failed || write_all(fd, pm_json_text(&j), strlen(pm_json_text(&j)));
    pm_json_free(&j);
    _exit(bad ? PM_EXIT_FAILURE : PM_EXIT_OK);
}

static int start_worker(const pm_batch_job *jobs, int job, worker *w)
{
    int p[2];
    if (pipe(p))
        return -1;
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0) {
        close(p[0]);
        child_run(&jobs[job], p[1]);
    }
    close(p[1]);
    memset(w, 0, sizeof *w);
    w->pid = pid;
    w->fd = p[0];
    w->job = job;
    return 0;
}

/* Reads what is available; returns 1 at end of file, 0 if more may come, -1 on error. */
static int drain(worker *w)
{
    if (w->len + 4096 + 1 > w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 16384;
        char *b = realloc(w->buf, cap);
        if (!b)
            return -1;
        w->buf = b;
        w->cap = cap;
    }
    ssize_t got = read(w->fd, w->buf + w->len, w->cap - w->len - 1);
    if (got < 0)
        return errno == EINTR ? 0 : -1;
    w->len += (size_t)got;
    w->buf[w->len] = '\0';
    return got == 0;
}

/* A worker has finished: reap it and turn its output into the slot. Returns an exit code. */
static int finish_worker(const char *cmd, worker *w, const pm_batch_job *jobs, const char *out_dir,
                         pm_batch_slot *slots)
{
    int status = 0;
    close(w->fd);
    while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
        ;
    const pm_batch_job *job = &jobs[w->job];
    int rc = PM_EXIT_OK;
    if (w->buf && w->buf[0] == '!') {
        char *msg = strchr(w->buf, ' ');
        pm_notify(PM_NOTE_ERROR, cmd, "run %s: %s", job->file, msg ? msg + 1 : w->buf);
        rc = atoi(w->buf + 1) ? atoi(w->buf + 1) : PM_EXIT_FAILURE;
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) || !w->buf ||
               slot_from_text(&slots[w->job], w->buf)) {
        pm_notify(PM_NOTE_ERROR, cmd, "run %s: worker failed (%s %d)", job->file,
                     WIFSIGNALED(status) ? "signal" : "exit status",
                     WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        rc = PM_EXIT_FAILURE;
    } else {
        w->buf = NULL;   /* owned by the slot now */
        if (out_dir && write_atomic(out_dir, job->file, slots[w->job].json)) {
            pm_notify(PM_NOTE_ERROR, cmd, "--out %s/%s: cannot write: %s", out_dir, job->file, strerror(errno));
            rc = PM_EXIT_FAILURE;
        }
    }
    free(w->buf);
    w->buf = NULL;
    return rc;
}

int pm_batch_execute(const char *cmd, const pm_batch_job *jobs, int n, int workers, const char *out_dir,
                     int progress, pm_batch_slot *slots)
{
    memset(slots, 0, (size_t)n * sizeof *slots);
    for (int i = 0; i < n; i++) {
        snprintf(slots[i].group, sizeof slots[i].group, "%s", jobs[i].group);
        if (out_dir)
            try_resume(out_dir, &jobs[i], &slots[i]);
    }
    worker *pool = calloc((size_t)workers, sizeof *pool);
    struct pollfd *fds = calloc((size_t)workers, sizeof *fds);
    if (!pool || !fds) {
        free(pool);
        free(fds);
        pm_notify(PM_NOTE_ERROR, cmd, "out of memory");
        return PM_EXIT_FAILURE;
    }
    int show = progress;
    int next = 0, running = 0, rc = PM_EXIT_OK, finished = 0;
    for (;;) {
        while (!rc && running < workers && next < n) {
            if (slots[next].resumed) {
                next++;
                finished++;
                continue;
            }
            if (start_worker(jobs, next, &pool[running])) {
                pm_notify(PM_NOTE_ERROR, cmd, "cannot start a worker: %s", strerror(errno));
                rc = PM_EXIT_FAILURE;
                break;
            }
            running++;
            next++;
        }
        if (running <= 0)
            break;
        for (int k = 0; k < running; k++)
            fds[k] = (struct pollfd){.fd = pool[k].fd, .events = POLLIN};
        if (poll(fds, (nfds_t)running, -1) < 0 && errno != EINTR) {
            pm_notify(PM_NOTE_ERROR, cmd, "poll: %s", strerror(errno));
            rc = PM_EXIT_FAILURE;
            break;
        }
        for (int k = running - 1; k >= 0; k--) {
            if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            int d = drain(&pool[k]);
            if (d == 0)
                continue;
            int r = finish_worker(cmd, &pool[k], jobs, out_dir, slots);
            if (d < 0 && !r)
                r = PM_EXIT_FAILURE;
            if (r && !rc)
                rc = r;
            pool[k] = pool[--running];
            finished++;
            if (show)
                pm_notify(PM_NOTE_PROGRESS, cmd, "%d/%d runs done", finished, n);
        }
    }
    if (show)
        pm_notify(PM_NOTE_PROGRESS_END, cmd, "%s", "");
    free(pool);
    free(fds);
    return rc;
}

void pm_batch_slots_free(pm_batch_slot *slots, int n)
{
    for (int i = 0; slots && i < n; i++)
        free(slots[i].json);
}

/* ---- reading a directory of run files (merge) ---- */

static int has_suffix(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of the *.json files of dir (allocated); -1 if dir cannot be read. */
static int list_json(const char *dir, char ***names, int *n)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int cap = 0;
    *names = NULL;
    *n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!has_suffix(e->d_name, ".json") || e->d_name[0] == '.')
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            char **t = realloc(*names, (size_t)cap * sizeof *t);
            if (!t)
                break;
            *names = t;
        }
        if (!((*names)[*n] = strdup(e->d_name)))
            break;
        (*n)++;
    }
    closedir(d);
    if (*n)
        qsort(*names, (size_t)*n, sizeof **names, cmp_names);
    return 0;
}

/* Group label of a merged run: its rule, or rule@rate when that rule was run at several rates. */
static void label_groups(pm_batch_slot *s, int n)
{
    for (int i = 0; i < n; i++) {
        int several = 0;
        for (int k = 0; k < n && !several; k++)
            several = !strcmp(s[k].res.rule, s[i].res.rule) && s[k].res.rate != s[i].res.rate;
        if (several)
            snprintf(s[i].group, sizeof s[i].group, "%s@%.17g", s[i].res.rule, s[i].res.rate);
        else
            snprintf(s[i].group, sizeof s[i].group, "%s", s[i].res.rule);
    }
}

int pm_batch_read_dir(const char *cmd, const char *dir, pm_batch_slot **slots, int *n)
{
    char **names;
    int count;
    *slots = NULL;
    *n = 0;
    if (list_json(dir, &names, &count)) {
        pm_notify(PM_NOTE_ERROR, cmd, "%s: %s", dir, strerror(errno));
        return PM_EXIT_USAGE;
    }
    int rc = PM_EXIT_OK;
    pm_batch_slot *s = calloc((size_t)(count ? count : 1), sizeof *s);
    for (int i = 0; i < count; i++) {
        char path[PM_CFG_PATH_MAX * 2];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        char *text = s && !rc ? read_file(path) : NULL;
        if (!rc && (!text || slot_from_text(&s[*n], text))) {
            free(text);
            pm_notify(PM_NOTE_ERROR, cmd, "%s: not a primod run record", path);
            rc = PM_EXIT_USAGE;
        } else if (!rc) {
            (*n)++;
        }
        free(names[i]);
    }
    free(names);
    if (!s) {
        pm_notify(PM_NOTE_ERROR, cmd, "out of memory");
        return PM_EXIT_FAILURE;
    }
    label_groups(s, *n);
    *slots = s;
    return rc;
}

/* ---- summaries ---- */

/* Controller-quality part of a group's summary (SPEC §9): smooth-success rate with its Wilson interval and the
 * median chatter. buf: (n) scratch. Kept apart from summarize_group so the two can change independently. */
static void summarize_quality(const pm_batch_slot *slots, int n, const char *group, double *buf, pm_batch_summary *g)
{
    int m = 0;
    g->smooth_successes = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(slots[i].group, group))
            continue;
        g->smooth_successes += slots[i].res.smooth_success;
        if (!isnan(slots[i].res.chatter))
            buf[m++] = slots[i].res.chatter;
    }
    g->smooth_rate = g->runs ? (double)g->smooth_successes / g->runs : NAN;
    if (!g->runs || pm_stats_wilson(g->smooth_successes, g->runs, 0.95, &g->smooth_lo, &g->smooth_hi))
        g->smooth_lo = g->smooth_hi = NAN;
    if (!m || pm_stats_median(buf, m, &g->median_chatter))
        g->median_chatter = NAN;
}

static void summarize_group(const pm_batch_slot *slots, int n, const char *group, double *buf,
                            pm_batch_summary *g)
{
    memset(g, 0, sizeof *g);
    snprintf(g->group, sizeof g->group, "%s", group);
    int k = 0;
    double final_sum = 0, *integrals = buf + n;   /* buf: (2n) scratch: success steps, error integrals */
    for (int i = 0; i < n; i++) {
        const pm_run_result *r = &slots[i].res;
        if (strcmp(slots[i].group, group))
            continue;
        if (!g->runs++) {
            snprintf(g->rule, sizeof g->rule, "%s", r->rule);
            g->rate = r->rate;
        }
        if (r->success)
            buf[g->successes++] = (double)r->success_step;
        g->lost += r->lost;
        g->diverged += r->diverged;
        integrals[k++] = r->error_integral;
        final_sum += r->final_mean_abs_error;
        if (r->steps_per_second > 0)
            g->wall_seconds += (double)r->steps / r->steps_per_second;
    }
    g->success_rate = (double)g->successes / g->runs;
    if (pm_stats_wilson(g->successes, g->runs, 0.95, &g->success_lo, &g->success_hi))
        g->success_lo = g->success_hi = NAN;
    g->median_success_step = g->iqr_lo = g->iqr_hi = NAN;
    if (g->successes) {
        pm_stats_median(buf, g->successes, &g->median_success_step);
        pm_stats_quantile(buf, g->successes, 0.25, &g->iqr_lo);
        pm_stats_quantile(buf, g->successes, 0.75, &g->iqr_hi);
    }
    if (pm_stats_median(integrals, k, &g->median_error_integral))
        g->median_error_integral = NAN;
    g->mean_final_abs_error = final_sum / g->runs;
    summarize_quality(slots, n, group, buf, g);
}

int pm_batch_summarize(const pm_batch_slot *slots, int n, pm_batch_summary **out, int *n_groups)
{
    *out = calloc((size_t)(n ? n : 1), sizeof **out);
    double *buf = calloc((size_t)(2 * n + 1), sizeof *buf);
    if (!*out || !buf) {
        free(*out);
        free(buf);
        *out = NULL;
        return -1;
    }
    int g = 0;
    for (int i = 0; i < n; i++) {
        int seen = 0;
        for (int k = 0; k < i && !seen; k++)
            seen = !strcmp(slots[k].group, slots[i].group);
        if (!seen)
            summarize_group(slots, n, slots[i].group, buf, &(*out)[g++]);
    }
    free(buf);
    *n_groups = g;
    return 0;
}

void pm_batch_print_table(const pm_batch_summary *g, int n, FILE *f)
{
    fprintf(f, "%-28s %-9s %5s %8s %12s %21s %13s %10s %9s %7s %8s\n", "group", "rate", "runs", "success",
            "median step", "IQR of step", "err integral", "final |E|", "wall s", "smooth", "chatter");
    for (int i = 0; i < n; i++) {
        char med[32] = "-", iqr[48] = "-";
        if (g[i].successes) {
            snprintf(med, sizeof med, "%.1f", g[i].median_success_step);
            snprintf(iqr, sizeof iqr, "[%.1f, %.1f]", g[i].iqr_lo, g[i].iqr_hi);
        }
        fprintf(f, "%-28s %-9.3g %5d %7.0f%% %12s %21s %13.5g %10.3g %9.2f %6.0f%% %8.3g\n", g[i].group, g[i].rate,
                g[i].runs, 100 * g[i].success_rate, med, iqr, g[i].median_error_integral, g[i].mean_final_abs_error,
                g[i].wall_seconds, 100 * g[i].smooth_rate, g[i].median_chatter);
    }
}

void pm_batch_summary_json(const pm_batch_summary *g, pm_json *j)
{
    pm_json_begin_object(j);
    pm_json_kv_string(j, "rule", g->rule);
    pm_json_kv_double(j, "rate", g->rate);
    pm_json_kv_long(j, "runs", g->runs);
    pm_json_kv_long(j, "successes", g->successes);
    pm_json_kv_long(j, "lost", g->lost);
    pm_json_kv_long(j, "diverged", g->diverged);
    pm_json_kv_double(j, "success_rate", g->success_rate);
    pm_json_key(j, "success_rate_ci95");
    pm_json_begin_array(j);
    pm_json_double(j, g->success_lo);
    pm_json_double(j, g->success_hi);
    pm_json_end_array(j);
    pm_json_kv_double(j, "median_success_step", g->median_success_step);
    pm_json_key(j, "iqr");
    if (g->successes) {
        pm_json_begin_array(j);
        pm_json_double(j, g->iqr_lo);
        pm_json_double(j, g->iqr_hi);
        pm_json_end_array(j);
    } else {
        pm_json_null(j);
    }
    pm_json_kv_double(j, "median_error_integral", g->median_error_integral);
    pm_json_kv_double(j, "mean_final_abs_error", g->mean_final_abs_error);
    pm_json_kv_double(j, "wall_seconds", g->wall_seconds);
    /* controller quality (SPEC §9) */
    pm_json_kv_long(j, "smooth_successes", g->smooth_successes);
    pm_json_kv_double(j, "smooth_success_rate", g->smooth_rate);
    pm_json_key(j, "smooth_success_rate_ci95");
    pm_json_begin_array(j);
    pm_json_double(j, g->smooth_lo);
    pm_json_double(j, g->smooth_hi);
    pm_json_end_array(j);
    pm_json_kv_double(j, "median_chatter", g->median_chatter);
    pm_json_end_object(j);
}

int pm_batch_print_json(const pm_batch_slot *slots, int n, const pm_batch_summary *g, int n_groups,
                        const char *groups_key)
{
    pm_json j;
    pm_json_init(&j);
    pm_json_begin_object(&j);
    pm_json_key(&j, "runs");
    pm_json_begin_array(&j);
    for (int i = 0; i < n; i++)
        if (slots[i].json)
            pm_json_raw(&j, slots[i].json);
    pm_json_end_array(&j);
    pm_json_key(&j, groups_key);
    pm_json_begin_object(&j);
    for (int i = 0; i < n_groups; i++) {
        pm_json_key(&j, g[i].group);
        pm_batch_summary_json(&g[i], &j);
    }
    pm_json_end_object(&j);
    pm_json_end_object(&j);
    int rc = j.failed ? PM_EXIT_FAILURE : PM_EXIT_OK;
    if (!rc && (printf("%s\n", pm_json_text(&j)) < 0 || fflush(stdout)))
        rc = PM_EXIT_FAILURE;
    pm_json_free(&j);
    return rc;
}

const char *pm_batch_shell_quote(const char *s, char *buf, size_t n)
{
    size_t k = 0;
    if (n < 3) {
        if (n)
            buf[0] = '\0';
        return buf;
    }
    buf[k++] = '\'';
    for (; *s && k + 6 < n; s++) {
        if (*s == '\'') {
            memcpy(buf + k, "'\\''", 4);
            k += 4;
        } else {
            buf[k++] = *s;
        }
    }
    buf[k++] = '\'';
    buf[k] = '\0';
    return buf;
}
