/* The plan of compare/sweep: their command line, the jobs (rules x grid x tracks x seeds, duplicates once),
 * content-keyed result names, write-target checks, and the commands for other executors (SPEC §11). */
#define _POSIX_C_SOURCE 200809L /* strdup, readlink, sysconf, mkdir, open_memstream */
#include "primod/batch.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "primod/render.h"
#include "primod/version.h"

/* ---- the command line ---- */

static int takes_value(const char *name)
{
    return pm_config_is_option(name) || !strcmp(name, "--rules") || !strcmp(name, "--seeds") ||
           !strcmp(name, "--tracks") || !strcmp(name, "--jobs") || !strcmp(name, "--out") ||
           !strcmp(name, "--plots") || !strcmp(name, "--grid") || !strcmp(name, "--load-model") ||
           !strcmp(name, "--slurm") || !strcmp(name, "--tasks") || !strncmp(name, "--rate-", 7);
}

/* Splits a list separated by sep in place into items (max cap); the count, or -1 if too many / empty items. */
static int split_sep(char *s, char sep, char **items, int cap)
{
    int n = 0;
    for (char *tok = s;; n++) {
        char *comma = strchr(tok, sep);
        if (comma)
            *comma = '\0';
        if (n >= cap || !*tok)
            return -1;
        items[n] = tok;
        if (!comma)
            return n + 1;
        tok = comma + 1;
    }
}

static int parse_rules(const char *value, pm_batch_request *a, char *err)
{
    char copy[512], *items[PM_BATCH_MAX_VALUES];
    snprintf(copy, sizeof copy, "%s", value);
    int n = split_sep(copy, ',', items, PM_BATCH_MAX_VALUES);
    if (n < 0) {
        snprintf(err, PM_CFG_ERR_MAX, "--rules: bad list '%.200s'", value);
        return PM_EXIT_USAGE;
    }
    for (int i = 0; i < n; i++) {
        int r = pm_config_rule_parse(items[i]);
        if (r < 0) {
            snprintf(err, PM_CFG_ERR_MAX, "--rules: unknown rule '%.100s' (reflex, bp, pm, sr, sign, chained)",
                     items[i]);
            return PM_EXIT_USAGE;
        }
        a->rules[i] = r;
    }
    a->n_rules = n;
    return 0;
}

/* "1-10", "3", "1,4,7-9": every seed of the list in order. */
static int parse_seeds(const char *value, pm_batch_request *a, char *err)
{
    char *copy = strdup(value), *items[PM_BATCH_MAX_VALUES];
    int n = copy ? split_sep(copy, ',', items, PM_BATCH_MAX_VALUES) : -1, bad = n < 0;
    a->n_seeds = 0;
    for (int i = 0; i < n && !bad; i++) {
        char *end;
        errno = 0;
        unsigned long long lo = strtoull(items[i], &end, 10), hi = lo;
        if (*end == '-')
            hi = strtoull(end + 1, &end, 10);
        bad = *end || errno || items[i][0] == '-' || hi < lo || hi - lo >= (unsigned long long)PM_BATCH_MAX_SEEDS ||
              a->n_seeds + (int)(hi - lo + 1) > PM_BATCH_MAX_SEEDS;
        for (unsigned long long s = lo; !bad; s++) {
            a->seeds[a->n_seeds++] = s;
            if (s == hi)
                break;
        }
    }
    free(copy);
    if (bad)
        snprintf(err, PM_CFG_ERR_MAX, "--seeds: bad seed list '%.200s' (e.g. 1-10 or 1,3,5-7)", value);
    return bad ? PM_EXIT_USAGE : 0;
}

/* --grid section.key=v1,v2: each value is checked against the key table now, so errors name it. */
static int parse_grid(const char *value, pm_batch_request *a, char *err)
{
    if (a->n_grid >= PM_BATCH_MAX_GRID) {
        snprintf(err, PM_CFG_ERR_MAX, "--grid: at most %d keys", PM_BATCH_MAX_GRID);
        return PM_EXIT_USAGE;
    }
    pm_batch_axis *g = &a->grid[a->n_grid];
    const char *dot = strchr(value, '.'), *eq = strchr(value, '=');
    if (!dot || !eq || dot > eq || (size_t)(dot - value) >= sizeof g->section ||
        (size_t)(eq - dot - 1) >= sizeof g->key) {
        snprintf(err, PM_CFG_ERR_MAX, "--grid '%.200s': expected section.key=v1,v2,...", value);
        return PM_EXIT_USAGE;
    }
    snprintf(g->section, sizeof g->section, "%.*s", (int)(dot - value), value);
    snprintf(g->key, sizeof g->key, "%.*s", (int)(eq - dot - 1), dot + 1);
    g->copy = strdup(eq + 1);
    /* values are comma-separated, or ';'-separated when they are lists themselves (network.hidden=10;20,10) */
    g->n = g->copy ? split_sep(g->copy, strchr(g->copy, ';') ? ';' : ',', g->values, PM_BATCH_MAX_VALUES) : -1;
    a->n_grid++;   /* owned now: freed with the request */
    if (g->n < 0) {
        snprintf(err, PM_CFG_ERR_MAX, "--grid '%.200s': empty value or more than %d values", value,
                 PM_BATCH_MAX_VALUES);
        return PM_EXIT_USAGE;
    }
    for (int i = 0; i < g->n; i++) {
        pm_config tmp = a->base;
        char e[PM_CFG_ERR_MAX];
        if (pm_config_set(&tmp, g->section, g->key, g->values[i], e)) {
            snprintf(err, PM_CFG_ERR_MAX, "--grid %.500s", e);
            return PM_EXIT_USAGE;
        }
    }
    return 0;
}

static int parse_count(const char *name, const char *value, long hi, int *out, char *err)
{
    long v;
    if (pm_parse_long(value, &v) || v < 1 || v > hi) {
        snprintf(err, PM_CFG_ERR_MAX, "%s: not an integer in [1, %ld]: '%.100s'", name, hi, value);
        return PM_EXIT_USAGE;
    }
    *out = (int)v;
    return 0;
}

/* --rate-RULE X as learning.rate_RULE. */
static int apply_rule_rate(pm_config *cfg, const char *name, const char *value, char *err)
{
    char key[64], e[PM_CFG_ERR_MAX];
    if (pm_config_rule_parse(name + 7) <= 0) {
        snprintf(err, PM_CFG_ERR_MAX,
                 "unknown option '%.60s' (--rate-bp, --rate-pm, --rate-sr, --rate-sign, --rate-chained)", name);
        return PM_EXIT_USAGE;
    }
    snprintf(key, sizeof key, "rate_%s", name + 7);
    if (pm_config_parse_value(cfg, "learning", key, value, e)) {
        snprintf(err, PM_CFG_ERR_MAX, "%s: %.400s: '%.100s'", name, e, value);
        return PM_EXIT_USAGE;
    }
    return 0;
}

static int parse_option(pm_batch_request *a, const char *name, const char *value, char *err)
{
    if (!strcmp(name, "--json"))
        a->json = 1;
    else if (!strcmp(name, "--quiet"))
        a->quiet = 1;
    else if (a->sweep && !strcmp(name, "--emit-commands"))
        a->emit = 1;
    else if (!strcmp(name, "--rules"))
        return parse_rules(value, a, err);
    else if (!strcmp(name, "--seeds"))
        return parse_seeds(value, a, err);
    else if (!strcmp(name, "--out"))
        a->out_dir = value;
    else if (!strcmp(name, "--plots"))
        a->plots_dir = value;
    else if (!strcmp(name, "--slurm"))
        a->slurm_file = value;
    else if (!strcmp(name, "--tasks"))
        return parse_count(name, value, 100000, &a->tasks, err);
    else if (!strcmp(name, "--load-model"))
        a->load_model = value;
    else if (!strcmp(name, "--jobs"))
        return parse_count(name, value, 1024, &a->workers, err);
    else if (!strcmp(name, "--tracks")) {
        free(a->tracks_copy);
        a->tracks_copy = strdup(value);
        a->n_tracks = a->tracks_copy ? split_sep(a->tracks_copy, ',', a->tracks, PM_BATCH_MAX_VALUES) : -1;
        if (a->n_tracks < 0) {
            snprintf(err, PM_CFG_ERR_MAX, "--tracks: bad list '%.200s'", value);
            return PM_EXIT_USAGE;
        }
    } else if (a->sweep && !strcmp(name, "--grid"))
        return parse_grid(value, a, err);
    else if (!strncmp(name, "--rate-", 7))
        return apply_rule_rate(&a->base, name, value, err);
    else {
        if (!strcmp(name, "--config") && a->n_configs < (int)(sizeof a->configs / sizeof *a->configs))
            a->configs[a->n_configs++] = value;
        return pm_config_apply_option(&a->base, name, value, err);
    }
    return 0;
}

int pm_batch_parse_args(const char *cmd, int sweep, int argc, char **argv, pm_batch_request *a, char *err)
{
    memset(a, 0, sizeof *a);
    a->cmd = cmd;
    a->sweep = sweep;
    a->argc = argc;
    a->argv = argv;
    a->seeds = calloc(PM_BATCH_MAX_SEEDS, sizeof *a->seeds);
    if (!a->seeds) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        return PM_EXIT_FAILURE;
    }
    int rc = pm_config_from_args(argc, argv, takes_value, &a->base, err);
    if (rc)
        return rc;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    a->workers = cores > 0 ? (int)cores : 1;
    if ((rc = parse_rules("bp,pm,sr,sign", a, err)) || (rc = parse_seeds("1-10", a, err)))
        return rc;
    for (int i = 1; i < argc; i++) {
        char name[64];
        const char *value;
        if ((rc = pm_args_next_option(argc, argv, &i, name, sizeof name, &value, takes_value, err)) ||
            (rc = parse_option(a, name, value, err)))
            return rc;
    }
    if (a->plots_dir && (a->emit || a->slurm_file)) {
        snprintf(err, PM_CFG_ERR_MAX, "--plots: not with --%s (draw them with `primod merge --plots DIR`)",
                 a->emit ? "emit-commands" : "slurm");
        return PM_EXIT_USAGE;
    }
    if (a->slurm_file && !a->out_dir) {
        snprintf(err, PM_CFG_ERR_MAX, "--slurm: needs --out DIR (where the tasks write their results)");
        return PM_EXIT_USAGE;
    }
    if (a->tasks && !a->slurm_file) {
        snprintf(err, PM_CFG_ERR_MAX, "--tasks: only with --slurm FILE");
        return PM_EXIT_USAGE;
    }
    return 0;
}

void pm_batch_request_free(pm_batch_request *a)
{
    free(a->seeds);
    free(a->tracks_copy);
    for (int i = 0; i < a->n_grid; i++)
        free(a->grid[i].copy);
    a->seeds = NULL;
    a->tracks_copy = NULL;
    a->n_grid = 0;
}

/* ---- names: a hash of everything that determines a result ---- */

static void fnv1a(uint64_t *h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        *h ^= p[i];
        *h *= 1099511628211ULL;
    }
}

/* Hashes the length and contents of a file into h; -1 (errno set) if it cannot be read. */
static int hash_file(uint64_t *h, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    char buf[65536];
    size_t got, total = 0;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        fnv1a(h, buf, got);
        total += got;
    }
    int bad = ferror(f);
    fclose(f);
    fnv1a(h, &total, sizeof total);
    if (bad)
        errno = EIO;
    return bad ? -1 : 0;
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

/* A track is a file when pm_runner_create would load it as one (run.c: a '/' or a .png suffix). */
static int track_is_file(const char *track)
{
    size_t n = strlen(track);
    return strchr(track, '/') || (n > 4 && !strcmp(track + n - 4, ".png")) ||
           (n > 4 && !strcmp(track + n - 4, ".PNG"));
}

int pm_batch_job_name(pm_batch_job *job, const char *const *extra, int n_extra, char *err)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        return -1;
    }
    fprintf(f, "primod %s results %d\n", PM_VERSION_STRING, PM_RUN_RESULT_FORMAT);
    pm_config_write_ini(&job->cfg, f);
    fprintf(f, "model %s\n", job->load_model ? "file" : "none");
    fclose(f);
    uint64_t h = 14695981039346656037ULL;
    fnv1a(&h, text, len);
    free(text);
    const char *files[2 + 16];
    int n_files = 0;
    if (track_is_file(job->cfg.track))
        files[n_files++] = job->cfg.track;
    if (job->load_model)
        files[n_files++] = job->load_model;
    for (int i = 0; i < n_extra && i < 16; i++)
        files[n_files++] = extra[i];
    for (int i = 0; i < n_files; i++)
        if (hash_file(&h, files[i])) {
            snprintf(err, PM_CFG_ERR_MAX, "%.400s: cannot read: %s", files[i], strerror(errno));
            return -1;
        }
    const char *track = strrchr(job->cfg.track, '/');
    char t[64];
    sanitize(track ? track + 1 : job->cfg.track, t, sizeof t);
    snprintf(job->file, sizeof job->file, "%s_s%llu_%s_%016llx.json", pm_config_rule_name(job->cfg.rule),
             job->cfg.seed, t, (unsigned long long)h);
    return 0;
}

/* ---- the jobs ---- */

static int cmp_files(const void *a, const void *b)
{
    const pm_batch_job *x = *(const pm_batch_job *const *)a, *y = *(const pm_batch_job *const *)b;
    int c = strcmp(x->file, y->file);
    return c ? c : (x < y ? -1 : x > y);
}

/* Keeps the first of jobs with the same name (same config and inputs: the hash covers them), in order. */
static int drop_duplicates(pm_batch_job *jobs, int *n)
{
    pm_batch_job **order = malloc((size_t)(*n ? *n : 1) * sizeof *order);
    char *drop = calloc((size_t)(*n ? *n : 1), 1);
    if (!order || !drop) {
        free(order);
        free(drop);
        return -1;
    }
    for (int i = 0; i < *n; i++)
        order[i] = &jobs[i];
    qsort(order, (size_t)*n, sizeof *order, cmp_files);
    for (int i = 1; i < *n; i++)
        if (!strcmp(order[i]->file, order[i - 1]->file) &&
            pm_config_equal(&order[i]->cfg, &order[i - 1]->cfg, NULL, 0))
            drop[order[i] - jobs] = 1;   /* sorted by name, then position: the earlier one stays */
    int k = 0;
    for (int i = 0; i < *n; i++)
        if (!drop[i])
            jobs[k++] = jobs[i];
    *n = k;
    free(order);
    free(drop);
    return 0;
}

int pm_batch_plan(const pm_batch_request *a, pm_batch_job **jobs, int *n, char *err)
{
    long points = 1;
    for (int g = 0; g < a->n_grid; g++)
        points *= a->grid[g].n;
    int n_tracks = a->n_tracks > 0 ? a->n_tracks : 1;
    double total = (double)a->n_rules * (double)points * n_tracks * a->n_seeds;
    *jobs = NULL;
    *n = 0;
    if (total > PM_BATCH_MAX_RUNS) {
        snprintf(err, PM_CFG_ERR_MAX, "%.0f runs: more than %d", total, PM_BATCH_MAX_RUNS);
        return PM_EXIT_USAGE;
    }
    pm_batch_job *js = calloc((size_t)total + 1, sizeof *js);
    if (!js) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        return PM_EXIT_FAILURE;
    }
    int k = 0, rc = 0;
    char e[PM_CFG_ERR_MAX];
    for (int r = 0; r < a->n_rules && !rc; r++)
        for (long p = 0; p < points && !rc; p++)
            for (int t = 0; t < n_tracks && !rc; t++)
                for (int s = 0; s < a->n_seeds && !rc; s++) {
                    pm_batch_job *j = &js[k++];
                    j->cfg = a->base;
                    j->cfg.rule = a->rules[r];
                    j->cfg.seed = a->seeds[s];
                    j->load_model = a->load_model;
                    if (a->n_tracks > 0 && pm_config_set(&j->cfg, "world", "track", a->tracks[t], e)) {
                        snprintf(err, PM_CFG_ERR_MAX, "--tracks %.500s", e);
                        rc = PM_EXIT_USAGE;
                        break;
                    }
                    /* the point's value index on each axis: mixed radix, last axis fastest */
                    for (long g = a->n_grid - 1, rest = p; g >= 0; g--) {
                        const pm_batch_axis *ax = &a->grid[g];
                        pm_config_set(&j->cfg, ax->section, ax->key, ax->values[rest % ax->n], e); /* checked */
                        rest /= ax->n;
                    }
                    snprintf(j->group, sizeof j->group, "%s", pm_config_rule_name(j->cfg.rule));
                    if (pm_config_check(&j->cfg, e)) {
                        snprintf(err, PM_CFG_ERR_MAX, "%s", e);
                        rc = PM_EXIT_USAGE;
                    } else if (pm_batch_job_name(j, a->configs, a->n_configs, err)) {
                        rc = PM_EXIT_USAGE;
                    }
                }
    /* every track (and the model) is loaded once now: a bad one is one usage error before any run, not one
     * failed run per job */
    int checked[PM_BATCH_MAX_VALUES * 8], n_checked = 0;   /* one job per (track, rule): at most 64 x 6 */
    for (int i = 0; i < k && !rc; i++) {
        int seen = 0;
        for (int m = 0; m < n_checked && !seen; m++)
            seen = !strcmp(js[checked[m]].cfg.track, js[i].cfg.track) && js[checked[m]].cfg.rule == js[i].cfg.rule;
        if (!seen && n_checked < (int)(sizeof checked / sizeof *checked))
            checked[n_checked++] = i;
        pm_runner *r;
        if (!seen && (rc = pm_runner_create(&js[i].cfg, js[i].load_model, &r, err)) == 0)
            pm_runner_destroy(r);
    }
    if (!rc && drop_duplicates(js, &k)) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        rc = PM_EXIT_FAILURE;
    }
    if (rc) {
        free(js);
        return rc;
    }
    *jobs = js;
    *n = k;
    return 0;
}

/* ---- write targets, checked before any run ---- */

/* dir exists (or is created) and takes a new file: a probe is created and removed, which also answers for
 * root (who passes every permission check) on a read-only file system. */
static int check_dir(const char *what, const char *dir, char *err)
{
    struct stat st;
    if (mkdir(dir, 0777) && errno != EEXIST) {
        snprintf(err, PM_CFG_ERR_MAX, "%s %.400s: cannot create: %s", what, dir, strerror(errno));
        return PM_EXIT_USAGE;
    }
    if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
        snprintf(err, PM_CFG_ERR_MAX, "%s %.400s: not a directory", what, dir);
        return PM_EXIT_USAGE;
    }
    char probe[PM_CFG_PATH_MAX + 64];
    snprintf(probe, sizeof probe, "%s/.primod-probe.%ld", dir, (long)getpid());
    FILE *f = fopen(probe, "w");
    if (!f) {
        snprintf(err, PM_CFG_ERR_MAX, "%s %.400s: cannot write there: %s", what, dir, strerror(errno));
        return PM_EXIT_USAGE;
    }
    fclose(f);
    remove(probe);
    return 0;
}

int pm_batch_check_targets(const pm_batch_request *a, char *err)
{
    if (a->out_dir && check_dir("--out", a->out_dir, err))
        return PM_EXIT_USAGE;
    if (a->plots_dir && pm_render_prepare_dir_for("--plots", a->plots_dir, err))
        return PM_EXIT_USAGE;
    if (a->slurm_file) {
        struct stat st;
        int existed = stat(a->slurm_file, &st) == 0, is_dir = existed && S_ISDIR(st.st_mode);
        FILE *f = is_dir ? NULL : fopen(a->slurm_file, "a");
        if (!f) {
            snprintf(err, PM_CFG_ERR_MAX, "--slurm %.400s: %s", a->slurm_file, strerror(is_dir ? EISDIR : errno));
            return PM_EXIT_USAGE;
        }
        fclose(f);
        if (!existed)
            remove(a->slurm_file);   /* only a probe: the script is written after the plan */
    }
    return 0;
}

/* ---- commands for other executors ---- */

/* Writes one job's `primod run` command: the config options of this command line in order, then the job's own
 * rule, seed, track and grid values, exactly the order pm_batch_plan applies them, so the run's config (and
 * its file name) is the job's. */
static void write_command(const pm_batch_request *a, const char *self, const pm_batch_job *j, FILE *f)
{
    char q[2 * PM_CFG_PATH_MAX + 16];
    fprintf(f, "%s run", pm_batch_shell_quote(self, q, sizeof q));
    for (int k = 1; k < a->argc; k++) {
        char name[64], e[PM_CFG_ERR_MAX];
        const char *value;
        if (pm_args_next_option(a->argc, a->argv, &k, name, sizeof name, &value, takes_value, e))
            continue;   /* cannot happen: the request parsed this command line */
        if (!strncmp(name, "--rate-", 7)) {
            char arg[PM_CFG_PATH_MAX];
            snprintf(arg, sizeof arg, "learning.rate_%s=%s", name + 7, value);
            fprintf(f, " --set %s", pm_batch_shell_quote(arg, q, sizeof q));
        } else if (pm_config_is_option(name) || !strcmp(name, "--load-model")) {
            fprintf(f, " %s %s", name, pm_batch_shell_quote(value, q, sizeof q));
        }
    }
    fprintf(f, " --rule %s --seed %llu", pm_config_rule_name(j->cfg.rule), j->cfg.seed);
    if (a->n_tracks > 0)
        fprintf(f, " --track %s", pm_batch_shell_quote(j->cfg.track, q, sizeof q));
    for (int g = 0; g < a->n_grid; g++) {
        char v[PM_CFG_PATH_MAX], arg[PM_CFG_PATH_MAX + 128];
        pm_config_get(&j->cfg, a->grid[g].section, a->grid[g].key, v, sizeof v);
        snprintf(arg, sizeof arg, "%s.%s=%s", a->grid[g].section, a->grid[g].key, v);
        fprintf(f, " --set %s", pm_batch_shell_quote(arg, q, sizeof q));
    }
    fprintf(f, " --json --quiet");
    if (a->out_dir) {
        char path[PM_CFG_PATH_MAX + PM_BATCH_FILE_MAX + 2], tmp[sizeof path + 8];
        snprintf(path, sizeof path, "%s/%s", a->out_dir, j->file);
        snprintf(tmp, sizeof tmp, "%s.tmp", path);
        fprintf(f, " > %s", pm_batch_shell_quote(tmp, q, sizeof q));
        fprintf(f, " && mv %s", pm_batch_shell_quote(tmp, q, sizeof q));
        fprintf(f, " %s", pm_batch_shell_quote(path, q, sizeof q));
    }
    fputc('\n', f);
}

static int missing(const pm_batch_request *a, const pm_batch_job *j)
{
    char path[PM_CFG_PATH_MAX + PM_BATCH_FILE_MAX + 2];
    if (!a->out_dir)
        return 1;
    snprintf(path, sizeof path, "%s/%s", a->out_dir, j->file);
    return access(path, F_OK) != 0;
}

int pm_batch_write_commands(const pm_batch_request *a, const pm_batch_job *jobs, int n, FILE *f, int *n_written)
{
    char self[PM_CFG_PATH_MAX] = "primod";
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    self[len > 0 ? len : 6] = '\0';
    *n_written = 0;
    for (int i = 0; i < n; i++)
        if (missing(a, &jobs[i])) {
            write_command(a, self, &jobs[i], f);
            (*n_written)++;
        }
    return ferror(f) ? PM_EXIT_FAILURE : PM_EXIT_OK;
}

int pm_batch_write_slurm(const pm_batch_request *a, const pm_batch_job *jobs, int n, int *n_tasks, int *n_cmds,
                         char *err)
{
    char *cmds = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&cmds, &len);
    if (!m || pm_batch_write_commands(a, jobs, n, m, n_cmds)) {
        if (m)
            fclose(m);
        free(cmds);
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        return PM_EXIT_FAILURE;
    }
    fclose(m);
    int tasks = a->tasks ? a->tasks : *n_cmds / 8;
    if (tasks > *n_cmds)
        tasks = *n_cmds;
    if (tasks < 1)
        tasks = 1;
    *n_tasks = tasks;
    char tmp[PM_CFG_PATH_MAX + 32];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", a->slurm_file, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, PM_CFG_ERR_MAX, "--slurm %.400s: %s", a->slurm_file, strerror(errno));
        free(cmds);
        return PM_EXIT_FAILURE;
    }
    /* Slurm starts only about 2 array tasks a second (SPEC §11), so a task runs every tasks-th command rather
     * than one command each; a failed run fails its task, so `sbatch --wait` exits nonzero. */
    fprintf(f, "#!/bin/sh\n"
               "# primod %s: %d runs as a Slurm job array of %d tasks; task k runs commands k, k+%d, ...\n"
               "# submit: sbatch --wait %s   then: primod merge %s\n",
            a->cmd, *n_cmds, tasks, tasks, a->slurm_file, a->out_dir);
    fprintf(f, "#SBATCH --job-name=primod-%s\n#SBATCH --array=0-%d\n#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n",
            a->cmd, tasks - 1);
    fprintf(f, "#SBATCH --output=%s/slurm-%%A_%%a.log\n", a->out_dir);
    fprintf(f, "task=${SLURM_ARRAY_TASK_ID:-0}\ni=0\nstatus=0\n"
               "while IFS= read -r command; do\n"
               "    if [ $((i %% %d)) -eq \"$task\" ]; then\n"
               "        sh -c \"$command\" </dev/null || { echo \"failed: $command\" >&2; status=1; }\n"
               "    fi\n"
               "    i=$((i + 1))\n"
               "done <<'PRIMOD_COMMANDS'\n%sPRIMOD_COMMANDS\nexit $status\n",
            tasks, cmds ? cmds : "");
    free(cmds);
    int bad = ferror(f);
    bad |= fclose(f) != 0;
    if (bad || chmod(tmp, 0755) || rename(tmp, a->slurm_file)) {
        snprintf(err, PM_CFG_ERR_MAX, "--slurm %.400s: cannot write: %s", a->slurm_file, strerror(errno));
        remove(tmp);
        return PM_EXIT_FAILURE;
    }
    return 0;
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
