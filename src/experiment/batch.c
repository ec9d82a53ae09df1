/* Many independent runs in forked worker processes (fork + pipes, signals forwarded), resumable result files, and
 * the reading of a directory of run records (merge: other releases, interrupted runs and duplicates skipped). */
#define _POSIX_C_SOURCE 200809L /* fork, pipe, poll, waitpid, kill, dirent, open_memstream, clock_gettime */
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
#include <time.h>
#include <signal.h>
#include <unistd.h>

#include "primod/notify.h"
#include "primod/stats.h"
#include "primod/version.h"

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

/* Appends the config object of a run record as "section.key=value\n" lines (numbers %.17g, lists joined by ',',
 * run.seed left out: seeds are what a group is summarised over). */
static void flatten_config(const pm_jv *cfg, FILE *f)
{
    for (int s = 0; cfg && cfg->type == PM_JV_OBJECT && s < cfg->n; s++) {
        const pm_jv *sec = cfg->items[s];
        for (int k = 0; sec->type == PM_JV_OBJECT && k < sec->n; k++) {
            const pm_jv *v = sec->items[k];
            if (!strcmp(cfg->keys[s], "run") && !strcmp(sec->keys[k], "seed"))
                continue;
            fprintf(f, "%s.%s=", cfg->keys[s], sec->keys[k]);
            if (v->type == PM_JV_NUMBER)
                fprintf(f, "%.17g", v->number);
            else if (v->type == PM_JV_BOOL)
                fputs(v->number ? "true" : "false", f);
            else if (v->type == PM_JV_STRING)
                fputs(v->string, f);
            else if (v->type == PM_JV_ARRAY)
                for (int i = 0; i < v->n; i++)
                    fprintf(f, "%s%.17g", i ? "," : "", v->items[i]->number);
            fputc('\n', f);
        }
    }
}

/* 1 if the parsed record was written by this primod release and result format. */
static int same_version(const pm_jv *v)
{
    const pm_jv *ver = pm_jv_get(v, "primod_version"), *fmt = pm_jv_get(v, "result_format");
    return ver && ver->type == PM_JV_STRING && !strcmp(ver->string, PM_VERSION_STRING) && fmt &&
           fmt->type == PM_JV_NUMBER && fmt->number == PM_RUN_RESULT_FORMAT;
}

/* Frees what a slot owns and empties it. */
static void slot_clear(pm_batch_slot *slot)
{
    free(slot->json);
    free(slot->flat);
    slot->json = slot->flat = NULL;
}

/* Parses run JSON text into slot (taking ownership of text on success). Returns 0, 1 for a record of another
 * release or format (need_version), or -1 if the text is not a run record with its config. */
static int slot_from_text(pm_batch_slot *slot, char *text, int need_version)
{
    pm_jv *v = pm_jv_parse(text);
    if (v && need_version && !same_version(v)) {   /* a record names its release; other JSON is no record */
        int other = pm_jv_get(v, "primod_version") != NULL;
        pm_jv_free(v);
        return other ? 1 : -1;
    }
    const pm_jv *cfg = v ? pm_jv_get(v, "config") : NULL;
    char *flat = NULL;
    size_t len = 0;
    FILE *f = cfg && cfg->type == PM_JV_OBJECT ? open_memstream(&flat, &len) : NULL;
    if (f) {
        flatten_config(cfg, f);
        fclose(f);
    }
    int bad = !flat || pm_run_result_from_json(v, &slot->res);
    pm_jv_free(v);
    if (bad) {
        free(flat);
        return -1;
    }
    /* keep one line: files end with a newline, runs are embedded verbatim in the batch JSON */
    size_t n = strlen(text);
    while (n && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' '))
        text[--n] = '\0';
    slot->json = text;
    slot->flat = flat;
    slot->interrupted = slot->res.interrupted;
    return 0;
}

/* Reuses dir/<job file> if it holds a finished run of this release (not an interrupted one). */
static void try_resume(const char *dir, const pm_batch_job *job, pm_batch_slot *slot)
{
    char path[PM_CFG_PATH_MAX + PM_BATCH_FILE_MAX + 2];
    snprintf(path, sizeof path, "%s/%s", dir, job->file);
    char *text = read_file(path);
    if (!text)
        return;
    if (slot_from_text(slot, text, 1)) {
        free(text);   /* damaged or from another release: run again and overwrite */
    } else if (slot->interrupted) {
        slot_clear(slot);
    } else {
        slot->resumed = 1;
    }
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

/* In the child: one run, its JSON (or "!<code> <message>") down the pipe, then _exit. stop is the parent's flag,
 * inherited with its signal handlers: a forwarded signal ends the run after its current step (interrupted). */
static void child_run(const pm_batch_job *job, const pm_run_cache *cache, const volatile sig_atomic_t *stop, int fd)
{
    pm_run_options opt;
    memset(&opt, 0, sizeof opt);
    opt.cfg = job->cfg;
    opt.load_model = job->load_model;
    opt.stop = stop;
    opt.cache = cache;
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

/* Forks a worker for jobs[job]. The child inherits the parent's cache (copy-on-write pages, read only there), so the
 * world and sensor maps of its run are built once in the parent (when the cache can hold them) instead of once per
 * run: about 0.1 s of drawing and blurring saved per run at the paper's ppu, the same bits. A job the cache cannot
 * take (full, or a config that fails: the child then reports the error itself) builds its own as before; a track
 * or budget refusal is remembered by the cache, so the parent tries each failing world once per batch (run.h). */
static int start_worker(const pm_batch_job *jobs, int job, pm_run_cache *cache, const volatile sig_atomic_t *stop,
                        worker *w)
{
    if (cache)
        (void)pm_run_cache_add(cache, &jobs[job].cfg, stop, NULL);
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
        child_run(&jobs[job], cache, stop, p[1]);
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

/* A worker has finished: reap it and turn its output into the slot. Returns an exit code (0 also for an
 * interrupted run, which is marked in the slot and neither cached nor counted). */
static int finish_worker(const char *cmd, worker *w, const pm_batch_job *jobs, const char *out_dir,
                         int stopping, pm_batch_slot *slots)
{
    int status = 0;
    close(w->fd);
    while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
        ;
    const pm_batch_job *job = &jobs[w->job];
    pm_batch_slot *slot = &slots[w->job];
    int rc = PM_EXIT_OK;
    if (w->buf && w->buf[0] == '!') {
        char *msg = strchr(w->buf, ' ');
        pm_notify(PM_NOTE_ERROR, cmd, "run %s: %s", job->file, msg ? msg + 1 : w->buf);
        rc = atoi(w->buf + 1) ? atoi(w->buf + 1) : PM_EXIT_FAILURE;
        slot->failed = 1;
    } else if (stopping && WIFSIGNALED(status) &&
               (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM)) {
        slot->interrupted = 1;   /* no handler in the worker: the forwarded signal ended it */
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) || !w->buf || slot_from_text(slot, w->buf, 0)) {
        pm_notify(PM_NOTE_ERROR, cmd, "run %s: worker failed (%s %d)", job->file,
                  WIFSIGNALED(status) ? "signal" : "exit status",
                  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
        rc = PM_EXIT_FAILURE;
        slot->failed = 1;
    } else {
        w->buf = NULL;   /* owned by the slot now */
        if (slot->interrupted)
            ;            /* not a result: never cached, so a rerun computes it */
        else if (out_dir && write_atomic(out_dir, job->file, slot->json)) {
            pm_notify(PM_NOTE_ERROR, cmd, "--out %s/%s: cannot write: %s", out_dir, job->file, strerror(errno));
            rc = PM_EXIT_FAILURE;
        }
    }
    free(w->buf);
    w->buf = NULL;
    return rc;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* "12/40 runs done, 1 failed, ETA 1m20s": the ETA extrapolates the runs computed so far (resumed ones are free)
 * over the runs still to compute, divided among the workers already in use. */
static void notify_progress(const char *cmd, int done, int n, int failed, int computed, int to_compute,
                            double elapsed)
{
    char eta[48] = "ETA -";
    if (computed > 0) {
        double s = elapsed / computed * (to_compute - computed);
        if (s >= 3600)
            snprintf(eta, sizeof eta, "ETA %dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
        else
            snprintf(eta, sizeof eta, "ETA %dm%02ds", (int)(s / 60), (int)s % 60);
    }
    pm_notify(PM_NOTE_BATCH_PROGRESS, cmd, "%d/%d runs done, %d failed, %s", done, n, failed, eta);
}

int pm_batch_execute(const char *cmd, const pm_batch_job *jobs, int n, int workers, const char *out_dir,
                     int progress, const volatile sig_atomic_t *stop, pm_batch_slot *slots)
{
    memset(slots, 0, (size_t)n * sizeof *slots);
    int to_compute = 0;
    for (int i = 0; i < n; i++) {
        snprintf(slots[i].group, sizeof slots[i].group, "%s", jobs[i].group);
        if (out_dir)
            try_resume(out_dir, &jobs[i], &slots[i]);
        to_compute += !slots[i].resumed;
    }
    worker *pool = calloc((size_t)workers, sizeof *pool);
    struct pollfd *fds = calloc((size_t)workers, sizeof *fds);
    pm_run_cache *cache = NULL;   /* without one (no memory for it) every run builds its own world, as before */
    if (pm_run_cache_create(&cache))
        cache = NULL;
    if (!pool || !fds) {
        free(pool);
        free(fds);
        pm_run_cache_destroy(cache);
        pm_notify(PM_NOTE_ERROR, cmd, "out of memory");
        return PM_EXIT_FAILURE;
    }
    int next = 0, running = 0, rc = PM_EXIT_OK, done = 0, failed = 0, computed = 0, forwarded = 0;
    double t0 = now_seconds(), last = t0;
    for (;;) {
        int sig = stop ? (int)*stop : 0;
        if (sig && !forwarded) {   /* forward once to every running worker; start no new run */
            for (int k = 0; k < running; k++)
                kill(pool[k].pid, sig);
            forwarded = 1;
        }
        while (!sig && running < workers && next < n) {
            if (slots[next].resumed) {
                next++;
                done++;
                continue;
            }
            if (start_worker(jobs, next, cache, stop, &pool[running])) {
                pm_notify(PM_NOTE_ERROR, cmd, "cannot start a worker: %s", strerror(errno));
                rc = PM_EXIT_FAILURE;
                sig = -1;   /* start nothing more; collect the running ones */
                break;
            }
            running++;
            next++;
        }
        if (running <= 0)
            break;
        for (int k = 0; k < running; k++)
            fds[k] = (struct pollfd){.fd = pool[k].fd, .events = POLLIN};
        /* a timeout, so a signal that arrives just before poll and the progress line's clock are both seen */
        if (poll(fds, (nfds_t)running, 250) < 0 && errno != EINTR) {
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
            int r = finish_worker(cmd, &pool[k], jobs, out_dir, stop && *stop, slots);
            if (d < 0 && !r)
                r = PM_EXIT_FAILURE;
            if (r && !rc)
                rc = r;
            failed += slots[pool[k].job].failed;
            pool[k] = pool[--running];
            done++;
            computed++;
            if (progress) {
                notify_progress(cmd, done, n, failed, computed, to_compute, now_seconds() - t0);
                last = now_seconds();
            }
        }
        if (progress && now_seconds() - last >= 1) {
            notify_progress(cmd, done, n, failed, computed, to_compute, now_seconds() - t0);
            last = now_seconds();
        }
    }
    if (running > 0) {   /* poll failed: do not leave workers behind */
        for (int k = 0; k < running; k++) {
            kill(pool[k].pid, SIGTERM);
            close(pool[k].fd);
            while (waitpid(pool[k].pid, NULL, 0) < 0 && errno == EINTR)
                ;
            free(pool[k].buf);
        }
    }
    if (progress)
        pm_notify(PM_NOTE_PROGRESS_END, cmd, "%s", "");
    free(pool);
    free(fds);
    pm_run_cache_destroy(cache);
    int sig = stop ? (int)*stop : 0;
    return sig ? 128 + sig : rc;
}

void pm_batch_slots_free(pm_batch_slot *slots, int n)
{
    for (int i = 0; slots && i < n; i++)
        slot_clear(&slots[i]);
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

/* Orders slot indices by (config, seed) so that identical runs are neighbours. */
static const pm_batch_slot *sort_base;
static int cmp_runs(const void *a, const void *b)
{
    const pm_batch_slot *x = &sort_base[*(const int *)a], *y = &sort_base[*(const int *)b];
    int c = strcmp(x->flat, y->flat);
    if (!c)
        c = x->res.seed < y->res.seed ? -1 : x->res.seed > y->res.seed;
    return c ? c : *(const int *)a - *(const int *)b;
}

/* Drops the later of runs with the same config and seed (the same run counted twice would bias every
 * statistic): *n shrinks, order kept. -1: no memory. */
static int drop_duplicates(pm_batch_slot *s, int *n, int *dropped)
{
    int *order = malloc((size_t)(*n ? *n : 1) * sizeof *order);
    if (!order)
        return -1;
    for (int i = 0; i < *n; i++)
        order[i] = i;
    sort_base = s;
    qsort(order, (size_t)*n, sizeof *order, cmp_runs);
    for (int i = 1, keep = *n ? order[0] : 0; i < *n; i++) {
        if (!strcmp(s[order[i]].flat, s[keep].flat) && s[order[i]].res.seed == s[keep].res.seed) {
            slot_clear(&s[order[i]]);   /* sorted by position among equals: the first file read stays */
            (*dropped)++;
        } else {
            keep = order[i];
        }
    }
    free(order);
    int k = 0;
    for (int i = 0; i < *n; i++)
        if (s[i].json)
            s[k++] = s[i];
    *n = k;
    return 0;
}

/* Reads one record file: 0 kept, 1 skipped (counted), -1 refused (message sent). */
static int read_record(const char *cmd, const char *path, pm_batch_slot *slot, pm_batch_skipped *skipped)
{
    struct stat st;
    if (stat(path, &st) || !S_ISREG(st.st_mode) || st.st_size > PM_BATCH_RECORD_MAX) {
        pm_notify(PM_NOTE_ERROR, cmd, "%s: %s", path,
                  stat(path, &st) ? strerror(errno)
                  : !S_ISREG(st.st_mode) ? "not a regular file"
                                         : "larger than 1 MiB: not a run record");
        return -1;
    }
    char *text = read_file(path);
    int r = text ? slot_from_text(slot, text, 1) : -1;
    if (r)
        free(text);
    if (r < 0) {
        pm_notify(PM_NOTE_ERROR, cmd, "%s: not a primod run record", path);
        return -1;
    }
    if (r > 0) {
        skipped->other_version++;
        return 1;
    }
    if (slot->interrupted) {
        skipped->interrupted++;
        slot_clear(slot);
        return 1;
    }
    return 0;
}

int pm_batch_read_dir(const char *cmd, const char *dir, pm_batch_slot **slots, int *n, pm_batch_skipped *skipped)
{
    char **names;
    int count;
    *slots = NULL;
    *n = 0;
    memset(skipped, 0, sizeof *skipped);
    if (list_json(dir, &names, &count)) {
        pm_notify(PM_NOTE_ERROR, cmd, "%s: %s", dir, strerror(errno));
        return PM_EXIT_USAGE;
    }
    int rc = PM_EXIT_OK;
    pm_batch_slot *s = calloc((size_t)(count ? count : 1), sizeof *s);
    for (int i = 0; i < count; i++) {
        char path[PM_CFG_PATH_MAX * 2];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (s && !rc) {
            int r = read_record(cmd, path, &s[*n], skipped);
            if (r < 0)
                rc = PM_EXIT_USAGE;
            else if (r == 0)
                (*n)++;
        }
        free(names[i]);
    }
    free(names);
    if (!s || drop_duplicates(s, n, &skipped->duplicates)) {
        pm_batch_slots_free(s, *n);
        free(s);
        *n = 0;
        pm_notify(PM_NOTE_ERROR, cmd, "out of memory");
        return PM_EXIT_FAILURE;
    }
    *slots = s;
    return rc;
}
