/* primod compare and primod sweep: rules x grid points x tracks x seeds, run in worker processes. */
#define _POSIX_C_SOURCE 200809L /* readlink, sysconf, mkdir */
#include "batch_cli.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "primod/batch.h"
#include "cli_common.h"
#include "primod/render.h"
#include "primod/study.h"

#define MAX_GRID 8           /* --grid options */
#define MAX_VALUES 64        /* values per grid key, rules, tracks */
#define MAX_SEEDS 100000
#define MAX_RUNS 1000000

typedef struct {
    char section[32], key[64];
    char *values[MAX_VALUES];  /* point into the argv string copy */
    int n;
    char *copy;                /* owned copy of the option text */
} grid_axis;

typedef struct {
    int sweep;
    int rules[MAX_VALUES], n_rules;
    unsigned long long *seeds;
    int n_seeds;
    char *tracks_copy;
    char *tracks[MAX_VALUES];
    int n_tracks;
    grid_axis grid[MAX_GRID];
    int n_grid;
    int workers, json, quiet, emit;
    const char *out_dir;
    const char *plots_dir;     /* --plots DIR: summary pictures, NULL for none */
} batch_args;

static int batch_takes_value(const char *name)
{
    return pm_config_is_option(name) || !strcmp(name, "--rules") || !strcmp(name, "--seeds") ||
           !strcmp(name, "--tracks") || !strcmp(name, "--jobs") || !strcmp(name, "--out") ||
           !strcmp(name, "--plots") || !strcmp(name, "--grid") || !strncmp(name, "--rate-", 7);
}

static void batch_help(const char *cmd, FILE *f)
{
    int sweep = !strcmp(cmd, "sweep");
    fprintf(f, "usage: primod %s [OPTIONS]\n", cmd);
    if (sweep)
        fprintf(f, "Runs every combination of rules x grid values x tracks x seeds (cartesian product), e.g. to find\n"
                   "each rule's best rate, and summarises each (rule, grid point).\n\n");
    else
        fprintf(f, "Runs several rules x seeds (x tracks) and prints per rule: success rate, median and quartiles\n"
                   "of the success step (SPEC §6, over successful runs), error integral, mean |E| over the last\n"
                   "run.window steps, wall time.\n\n");
    fprintf(f,
            "  --rules LIST           rules to run (default bp,pm,sr,sign; also reflex, chained)\n"
            "  --seeds LIST           seeds, e.g. 1-10 or 1,3,5-7 (default 1-10)\n"
            "  --tracks LIST          several tracks (default: world.track, i.e. --track)\n"
            "  --rate-RULE X          learning.rate_RULE, e.g. --rate-bp 0.01\n");
    if (sweep)
        fprintf(f, "  --grid SEC.KEY=V1,V2   values of one key (repeatable; the grid is their product),\n"
                   "                         e.g. --grid learning.rate=1e-6,1e-5,1e-4; separate with ';' when\n"
                   "                         the values are lists: --grid 'network.hidden=10;20,10'\n"
                   "  --emit-commands        print one `primod run ... --json` command per run still missing\n"
                   "                         (for GNU parallel or a job array) instead of running; with --out\n"
                   "                         each writes DIR/<name>.json, which `primod merge DIR` summarises\n");
    fprintf(f,
            "  --jobs N               worker processes (default: number of cores); results do not depend on N\n"
            "  --out DIR              keep each run's JSON in DIR (created if missing), one file per run named\n"
            "                         after rule, seed, track and a hash of its config and the primod release;\n"
            "                         existing files are reused, so a stopped batch resumes where it was\n"
            "  --plots DIR            summary pictures into DIR (created if missing): success_steps.png and\n"
            "                         error_integrals.png, box plots per %s%s\n"
            "  --json                 one JSON object: {\"runs\": [...], \"%s\": {...}}\n"
            "  --quiet                no progress\n"
            "  --help                 this text\n\n"
            "exit status: 0 all runs completed, 1 a run or file write failed, 2 usage or config error.\n\n",
            sweep ? "group" : "rule",
            sweep ? ";\n                         success_rate.png over the rate when the grid varies learning.rate*" : "",
            sweep ? "groups" : "rules");
    pm_config_print_options_help(f);
}

/* Splits a list separated by sep in place into items (max cap); returns the count or -1 if too many / empty
 * items. */
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

static int split_list(char *s, char **items, int cap)
{
    return split_sep(s, ',', items, cap);
}

static int parse_rules(const char *cmd, const char *value, batch_args *a)
{
    char copy[512], *items[MAX_VALUES];
    snprintf(copy, sizeof copy, "%s", value);
    int n = split_list(copy, items, MAX_VALUES);
    if (n < 0) {
        pm_cli_error(cmd, "--rules: bad list '%s'", value);
        return 2;
    }
    for (int i = 0; i < n; i++) {
        int r = pm_config_rule_parse(items[i]);
        if (r < 0) {
            pm_cli_error(cmd, "--rules: unknown rule '%s' (reflex, bp, pm, sr, sign, chained)", items[i]);
            return 2;
        }
        a->rules[i] = r;
    }
    a->n_rules = n;
    return 0;
}

/* "1-10", "3", "1,4,7-9": every seed of the list in order. */
static int parse_seeds(const char *cmd, const char *value, batch_args *a)
{
    char *copy = strdup(value), *items[MAX_VALUES];
    int n = copy ? split_list(copy, items, MAX_VALUES) : -1;
    a->n_seeds = 0;
    for (int i = 0; i < n; i++) {
        unsigned long long lo, hi;
        char *end;
        errno = 0;
        lo = strtoull(items[i], &end, 10);
        hi = lo;
        if (*end == '-')
            hi = strtoull(end + 1, &end, 10);
        if (*end || errno || items[i][0] == '-' || hi < lo || hi - lo >= (unsigned long long)MAX_SEEDS ||
            a->n_seeds + (int)(hi - lo + 1) > MAX_SEEDS) {
            pm_cli_error(cmd, "--seeds: bad seed list '%s' (e.g. 1-10 or 1,3,5-7)", value);
            free(copy);
            return 2;
        }
        for (unsigned long long s = lo;; s++) {
            a->seeds[a->n_seeds++] = s;
            if (s == hi)
                break;
        }
    }
    free(copy);
    if (n < 0) {
        pm_cli_error(cmd, "--seeds: bad seed list '%s' (e.g. 1-10 or 1,3,5-7)", value);
        return 2;
    }
    return 0;
}

/* --grid section.key=v1,v2: each value is checked against the key table now, so errors name it. */
static int parse_grid(const char *cmd, const char *value, const pm_config *base, batch_args *a)
{
    if (a->n_grid >= MAX_GRID) {
        pm_cli_error(cmd, "--grid: at most %d keys", MAX_GRID);
        return 2;
    }
    grid_axis *g = &a->grid[a->n_grid];
    const char *dot = strchr(value, '.'), *eq = strchr(value, '=');
    if (!dot || !eq || dot > eq || (size_t)(dot - value) >= sizeof g->section ||
        (size_t)(eq - dot - 1) >= sizeof g->key) {
        pm_cli_error(cmd, "--grid '%s': expected section.key=v1,v2,...", value);
        return 2;
    }
    snprintf(g->section, sizeof g->section, "%.*s", (int)(dot - value), value);
    snprintf(g->key, sizeof g->key, "%.*s", (int)(eq - dot - 1), dot + 1);
    g->copy = strdup(eq + 1);
    /* values are comma-separated, or ';'-separated when they are lists themselves (network.hidden=10;20,10) */
    g->n = g->copy ? split_sep(g->copy, strchr(g->copy, ';') ? ';' : ',', g->values, MAX_VALUES) : -1;
    a->n_grid++;   /* owned now: freed with the args */
    if (g->n < 0) {
        pm_cli_error(cmd, "--grid '%s': empty value or more than %d values", value, MAX_VALUES);
        return 2;
    }
    for (int i = 0; i < g->n; i++) {
        pm_config tmp = *base;
        char err[PM_CFG_ERR_MAX];
        if (pm_config_set(&tmp, g->section, g->key, g->values[i], err)) {
            pm_cli_error(cmd, "--grid %s", err);
            return 2;
        }
    }
    return 0;
}

static int parse_int_option(const char *cmd, const char *name, const char *value, long lo, long hi, long *out)
{
    if (pm_parse_long(value, out) || *out < lo || *out > hi) {
        pm_cli_error(cmd, "%s: not an integer in [%ld, %ld]: '%s'", name, lo, hi, value);
        return 2;
    }
    return 0;
}

/* Applies --rate-RULE as learning.rate_RULE. */
static int apply_rule_rate(const char *cmd, pm_config *cfg, const char *name, const char *value)
{
    char key[64], err[PM_CFG_ERR_MAX];
    const char *rule = name + 7;
    if (pm_config_rule_parse(rule) <= 0) {
        pm_cli_error(cmd, "unknown option '%s' (--rate-bp, --rate-pm, --rate-sr, --rate-sign, --rate-chained)",
                     name);
        return 2;
    }
    snprintf(key, sizeof key, "rate_%s", rule);
    if (pm_config_parse_value(cfg, "learning", key, value, err)) {
        pm_cli_error(cmd, "%s: %s: '%s'", name, err, value);
        return 2;
    }
    return 0;
}

static void free_args(batch_args *a)
{
    free(a->seeds);
    free(a->tracks_copy);
    for (int i = 0; i < a->n_grid; i++)
        free(a->grid[i].copy);
}

/* Parses every option; base gets the config options in order (preset and --config first). */
static int parse_args(const char *cmd, int argc, char **argv, batch_args *a, pm_config *base)
{
    if (pm_cli_base_config(cmd, argc, argv, batch_takes_value, base))
        return 2;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    a->workers = cores > 0 ? (int)cores : 1;
    if (parse_rules(cmd, "bp,pm,sr,sign", a) || parse_seeds(cmd, "1-10", a))
        return 2;
    for (int i = 1; i < argc; i++) {
        char name[64];
        const char *value;
        long v;
        int rc = 0;
        if (pm_cli_next_option(cmd, argc, argv, &i, name, sizeof name, &value, batch_takes_value))
            return 2;
        if (!strcmp(name, "--json"))
            a->json = 1;
        else if (!strcmp(name, "--quiet"))
            a->quiet = 1;
        else if (a->sweep && !strcmp(name, "--emit-commands"))
            a->emit = 1;
        else if (!strcmp(name, "--rules"))
            rc = parse_rules(cmd, value, a);
        else if (!strcmp(name, "--seeds"))
            rc = parse_seeds(cmd, value, a);
        else if (!strcmp(name, "--out"))
            a->out_dir = value;
        else if (!strcmp(name, "--plots"))
            a->plots_dir = value;
        else if (!strcmp(name, "--jobs")) {
            rc = parse_int_option(cmd, name, value, 1, 1024, &v);
            a->workers = (int)v;
        } else if (!strcmp(name, "--tracks")) {
            free(a->tracks_copy);
            a->tracks_copy = strdup(value);
            a->n_tracks = a->tracks_copy ? split_list(a->tracks_copy, a->tracks, MAX_VALUES) : -1;
            if (a->n_tracks < 0) {
                pm_cli_error(cmd, "--tracks: bad list '%s'", value);
                rc = 2;
            }
        } else if (a->sweep && !strcmp(name, "--grid"))
            rc = parse_grid(cmd, value, base, a);
        else if (!strncmp(name, "--rate-", 7))
            rc = apply_rule_rate(cmd, base, name, value);
        else
            rc = pm_cli_apply_config_option(cmd, base, name, value);
        if (rc)
            return rc;
    }
    return 0;
}

/* The i-th grid point: value index of each axis (mixed radix, last axis fastest). */
static void grid_point(const batch_args *a, long point, int *idx)
{
    for (int g = a->n_grid - 1; g >= 0; g--) {
        idx[g] = (int)(point % a->grid[g].n);
        point /= a->grid[g].n;
    }
}

/* Builds the job list: rule, then grid point, then track, then seed (seeds fastest). */
static int build_jobs(const char *cmd, const batch_args *a, const pm_config *base, pm_batch_job **jobs,
                      int *n)
{
    long points = 1;
    for (int g = 0; g < a->n_grid; g++)
        points *= a->grid[g].n;
    int n_tracks = a->n_tracks > 0 ? a->n_tracks : 1;
    double total = (double)a->n_rules * (double)points * n_tracks * a->n_seeds;
    if (total > MAX_RUNS) {
        pm_cli_error(cmd, "%.0f runs: more than %d", total, MAX_RUNS);
        return 2;
    }
    *jobs = calloc((size_t)total + 1, sizeof **jobs);
    if (!*jobs) {
        pm_cli_error(cmd, "out of memory");
        return 1;
    }
    int k = 0;
    char err[PM_CFG_ERR_MAX];
    for (int r = 0; r < a->n_rules; r++)
        for (long p = 0; p < points; p++) {
            int idx[MAX_GRID];
            grid_point(a, p, idx);
            for (int t = 0; t < n_tracks; t++)
                for (int s = 0; s < a->n_seeds; s++) {
                    pm_batch_job *j = &(*jobs)[k++];
                    j->cfg = *base;
                    j->cfg.rule = a->rules[r];
                    j->cfg.seed = a->seeds[s];
                    if (a->n_tracks > 0 && pm_config_set(&j->cfg, "world", "track", a->tracks[t], err)) {
                        pm_cli_error(cmd, "--tracks %s", err);
                        return 2;
                    }
                    size_t used = (size_t)snprintf(j->group, sizeof j->group, "%s", pm_config_rule_name(a->rules[r]));
                    for (int g = 0; g < a->n_grid; g++) {
                        const grid_axis *ax = &a->grid[g];
                        pm_config_set(&j->cfg, ax->section, ax->key, ax->values[idx[g]], err); /* checked */
                        if (used < sizeof j->group)
                            used += (size_t)snprintf(j->group + used, sizeof j->group - used, " %s.%s=%s",
                                                     ax->section, ax->key, ax->values[idx[g]]);
                    }
                    if (pm_config_check(&j->cfg, err)) {
                        pm_cli_error(cmd, "%s", err);
                        return 2;
                    }
                    pm_batch_job_name(j);
                }
        }
    *n = k;
    return 0;
}

/* Prints the `primod run` command of every job whose result file is still missing. The command repeats the
 * config options of this command line in order, then the job's own rule, seed, track and grid values, exactly
 * the order build_jobs applies them, so the run's config (and file name) is the job's. */
static int emit_commands(int argc, char **argv, const batch_args *a, const pm_batch_job *jobs, int n)
{
    char self[PM_CFG_PATH_MAX] = "primod", q[2 * PM_CFG_PATH_MAX + 16];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    self[len > 0 ? len : 6] = '\0';
    for (int i = 0; i < n; i++) {
        const pm_batch_job *j = &jobs[i];
        char path[PM_CFG_PATH_MAX + PM_BATCH_FILE_MAX + 2];
        if (a->out_dir) {
            snprintf(path, sizeof path, "%s/%s", a->out_dir, j->file);
            if (access(path, F_OK) == 0)
                continue;
        }
        printf("%s run", pm_batch_shell_quote(self, q, sizeof q));
        for (int k = 1; k < argc; k++) {
            char name[64];
            const char *value;
            pm_cli_next_option("sweep", argc, argv, &k, name, sizeof name, &value, batch_takes_value);
            if (!strncmp(name, "--rate-", 7)) {
                char arg[PM_CFG_PATH_MAX];
                snprintf(arg, sizeof arg, "learning.rate_%s=%s", name + 7, value);
                printf(" --set %s", pm_batch_shell_quote(arg, q, sizeof q));
            } else if (pm_config_is_option(name))
                printf(" %s %s", name, pm_batch_shell_quote(value, q, sizeof q));
        }
        printf(" --rule %s --seed %llu", pm_config_rule_name(j->cfg.rule), j->cfg.seed);
        if (a->n_tracks > 0)
            printf(" --track %s", pm_batch_shell_quote(j->cfg.track, q, sizeof q));
        for (int g = 0; g < a->n_grid; g++) {
            char v[PM_CFG_PATH_MAX], arg[PM_CFG_PATH_MAX + 128];
            pm_config_get(&j->cfg, a->grid[g].section, a->grid[g].key, v, sizeof v);
            snprintf(arg, sizeof arg, "%s.%s=%s", a->grid[g].section, a->grid[g].key, v);
            printf(" --set %s", pm_batch_shell_quote(arg, q, sizeof q));
        }
        printf(" --json --quiet");
        if (a->out_dir) {
            char tmp[sizeof path + 8];
            snprintf(tmp, sizeof tmp, "%s.tmp", path);
            printf(" > %s", pm_batch_shell_quote(tmp, q, sizeof q));
            printf(" && mv %s", pm_batch_shell_quote(tmp, q, sizeof q));
            printf(" %s", pm_batch_shell_quote(path, q, sizeof q));
        }
        putchar('\n');
    }
    return fflush(stdout) ? 1 : 0;
}

/* Sweep only: the best group of each rule (highest success rate, then lowest median success step, then lowest
 * median error integral). */
static void print_best(const pm_batch_summary *g, int n, FILE *f)
{
    for (int i = 0; i < n; i++) {
        int best = i;
        for (int k = 0; k < n; k++) {
            if (strcmp(g[k].rule, g[i].rule))
                continue;
            const pm_batch_summary *x = &g[k], *b = &g[best];
            double mx = isnan(x->median_success_step) ? INFINITY : x->median_success_step;
            double mb = isnan(b->median_success_step) ? INFINITY : b->median_success_step;
            if (x->success_rate > b->success_rate ||
                (x->success_rate == b->success_rate &&
                 (mx < mb || (mx == mb && x->median_error_integral < b->median_error_integral))))
                best = k;
        }
        int first = 1;   /* print each rule once, at its first group */
        for (int k = 0; k < i && first; k++)
            first = strcmp(g[k].rule, g[i].rule) != 0;
        if (first)
            fprintf(f, "best for %s: %s\n", g[i].rule, g[best].group);
    }
}

/* 1 if a --grid axis sets the learning rate (learning.rate or learning.rate_RULE): the sweep then gets the
 * success-rate-over-rate picture. */
static int grid_varies_rate(const batch_args *a)
{
    for (int g = 0; g < a->n_grid; g++)
        if (!strcmp(a->grid[g].section, "learning") &&
            (!strcmp(a->grid[g].key, "rate") || !strncmp(a->grid[g].key, "rate_", 5)))
            return 1;
    return 0;
}

int pm_batch_main(const char *cmd, int sweep, int argc, char **argv)
{
    if (pm_cli_wants_help(argc, argv)) {
        batch_help(cmd, stdout);
        return 0;
    }
    batch_args a;
    memset(&a, 0, sizeof a);
    a.sweep = sweep;
    a.seeds = calloc(MAX_SEEDS, sizeof *a.seeds);
    pm_config base;
    pm_batch_job *jobs = NULL;
    pm_batch_slot *slots = NULL;
    pm_batch_summary *groups = NULL;
    int n = 0, n_groups = 0, rc;
    if (!a.seeds) {
        pm_cli_error(cmd, "out of memory");
        return 1;
    }
    if ((rc = parse_args(cmd, argc, argv, &a, &base)) || (rc = build_jobs(cmd, &a, &base, &jobs, &n)))
        goto done;
    if (a.out_dir && mkdir(a.out_dir, 0777) && errno != EEXIST) {
        pm_cli_error(cmd, "--out %s: %s", a.out_dir, strerror(errno));
        rc = 2;
        goto done;
    }
    struct stat out_st;
    if (a.out_dir && (stat(a.out_dir, &out_st) || !S_ISDIR(out_st.st_mode))) {
        /* a file: every run would be computed and then fail to be written, with one error line per run */
        pm_cli_error(cmd, "--out %s: not a directory", a.out_dir);
        rc = 2;
        goto done;
    }
    char err[PM_CFG_ERR_MAX];
    if (a.plots_dir && a.emit) {
        pm_cli_error(cmd, "--plots: not with --emit-commands (draw them with `primod merge --plots DIR`)");
        rc = 2;
        goto done;
    }
    if (a.plots_dir && pm_render_prepare_dir_for("--plots", a.plots_dir, err)) {
        pm_cli_error(cmd, "%s", err);
        rc = 2;
        goto done;
    }
    if (a.emit) {
        rc = emit_commands(argc, argv, &a, jobs, n);
        goto done;
    }
    slots = calloc((size_t)n + 1, sizeof *slots);
    if (!slots) {
        pm_cli_error(cmd, "out of memory");
        rc = 1;
        goto done;
    }
    rc = pm_batch_execute(cmd, jobs, n, a.workers, a.out_dir, !a.quiet, slots);
    if (rc)
        goto done;
    if (pm_batch_summarize(slots, n, &groups, &n_groups)) {
        pm_cli_error(cmd, "out of memory");
        rc = 1;
        goto done;
    }
    if (a.json) {
        rc = pm_batch_print_json(slots, n, groups, n_groups, sweep ? "groups" : "rules");
    } else {
        pm_batch_print_table(groups, n_groups, stdout);
        if (sweep)
            print_best(groups, n_groups, stdout);
        rc = fflush(stdout) ? 1 : 0;
    }
    if (!rc && a.plots_dir && pm_fig_batch_plots(cmd, slots, n, grid_varies_rate(&a), a.plots_dir, err)) {
        pm_cli_error(cmd, "--plots: %s", err);
        rc = 1;
    }
done:
    free(groups);
    pm_batch_slots_free(slots, n);
    free(slots);
    free(jobs);
    free_args(&a);
    return rc;
}
