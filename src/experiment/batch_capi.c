/* `primod compare|sweep --json` as a library call (pm_batch_main_json): options -> jobs -> worker runs -> the
 * batch JSON, printing nothing. The option grammar is the CLI's (tools/batch_cli.c), over the same library calls. */
#define _POSIX_C_SOURCE 200809L /* strdup, sysconf, mkdir */
#include "primod/batch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "primod/notify.h"

#define BJ_MAX_GRID 8           /* --grid options */
#define BJ_MAX_VALUES 64        /* values per grid key, rules, tracks */
#define BJ_MAX_SEEDS 100000
#define BJ_MAX_RUNS 1000000
#define BJ_MAX_OWNED (BJ_MAX_GRID + 2)

typedef struct {
    char section[32], key[64];
    char *values[BJ_MAX_VALUES];
    int n;
} bj_axis;

typedef struct {
    int sweep;
    int rules[BJ_MAX_VALUES], n_rules;
    unsigned long long *seeds;
    int n_seeds;
    char *tracks[BJ_MAX_VALUES];
    int n_tracks;
    bj_axis grid[BJ_MAX_GRID];
    int n_grid;
    int workers;
    const char *out_dir;
    char *owned[BJ_MAX_OWNED];   /* copies of option texts the lists point into */
    int n_owned;
    char *err;                   /* PM_CFG_ERR_MAX bytes */
} bj_args;

static int bj_fail(bj_args *a, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->err, PM_CFG_ERR_MAX, fmt, ap);
    va_end(ap);
    return rc;
}

static int bj_takes_value(const char *name)
{
    return pm_config_is_option(name) || !strcmp(name, "--rules") || !strcmp(name, "--seeds") ||
           !strcmp(name, "--tracks") || !strcmp(name, "--jobs") || !strcmp(name, "--out") ||
           !strcmp(name, "--plots") || !strcmp(name, "--grid") || !strncmp(name, "--rate-", 7);
}

/* Splits s in place at sep into items (at most BJ_MAX_VALUES, none empty); the count or -1. */
static int bj_split_in_place(char *s, char sep, char **items)
{
    int n = 0;
    for (char *tok = s;; n++) {
        char *end = strchr(tok, sep);
        if (end)
            *end = '\0';
        if (n >= BJ_MAX_VALUES || !*tok)
            return -1;
        items[n] = tok;
        if (!end)
            return n + 1;
        tok = end + 1;
    }
}

/* The same on a copy of s that the args own (the items point into it); -1 also when out of memory. */
static int bj_split(bj_args *a, const char *s, char sep, char **items)
{
    char *copy = a->n_owned < BJ_MAX_OWNED ? strdup(s) : NULL;
    if (!copy)
        return -1;
    a->owned[a->n_owned++] = copy;
    return bj_split_in_place(copy, sep, items);
}

static int bj_rules(bj_args *a, const char *value)
{
    char copy[512], *items[BJ_MAX_VALUES];
    snprintf(copy, sizeof copy, "%s", value);
    int n = bj_split_in_place(copy, ',', items);
    if (n < 0)
        return bj_fail(a, PM_EXIT_USAGE, "--rules: bad list '%.200s'", value);
    for (int i = 0; i < n; i++)
        if ((a->rules[i] = pm_config_rule_parse(items[i])) < 0)
            return bj_fail(a, PM_EXIT_USAGE, "--rules: unknown rule '%.100s' (reflex, bp, pm, sr, sign, chained)",
                           items[i]);
    a->n_rules = n;
    return 0;
}

/* "1-10", "3", "1,4,7-9": every seed of the list in order. */
static int bj_seeds(bj_args *a, const char *value)
{
    char *copy = strdup(value), *items[BJ_MAX_VALUES];
    int n = copy ? bj_split_in_place(copy, ',', items) : -1;
    a->n_seeds = 0;
    for (int i = 0; i < n; i++) {
        char *end;
        errno = 0;
        unsigned long long lo = strtoull(items[i], &end, 10), hi = lo;
        if (*end == '-')
            hi = strtoull(end + 1, &end, 10);
        if (*end || errno || items[i][0] == '-' || hi < lo || hi - lo >= (unsigned long long)BJ_MAX_SEEDS ||
            a->n_seeds + (int)(hi - lo + 1) > BJ_MAX_SEEDS) {
            n = -1;
            break;
        }
        for (unsigned long long s = lo;; s++) {
            a->seeds[a->n_seeds++] = s;
            if (s == hi)
                break;
        }
    }
    free(copy);
    return n < 0 ? bj_fail(a, PM_EXIT_USAGE, "--seeds: bad seed list '%.200s' (e.g. 1-10 or 1,3,5-7)", value) : 0;
}

/* --grid section.key=v1,v2 (or v1;v2 when the values are lists): each value checked against the key table. */
static int bj_grid(bj_args *a, const char *value, const pm_config *base)
{
    if (a->n_grid >= BJ_MAX_GRID)
        return bj_fail(a, PM_EXIT_USAGE, "--grid: at most %d keys", BJ_MAX_GRID);
    bj_axis *g = &a->grid[a->n_grid];
    const char *dot = strchr(value, '.'), *eq = strchr(value, '=');
    if (!dot || !eq || dot > eq || (size_t)(dot - value) >= sizeof g->section ||
        (size_t)(eq - dot - 1) >= sizeof g->key)
        return bj_fail(a, PM_EXIT_USAGE, "--grid '%.200s': expected section.key=v1,v2,...", value);
    snprintf(g->section, sizeof g->section, "%.*s", (int)(dot - value), value);
    snprintf(g->key, sizeof g->key, "%.*s", (int)(eq - dot - 1), dot + 1);
    g->n = bj_split(a, eq + 1, strchr(eq + 1, ';') ? ';' : ',', g->values);
    if (g->n < 0)
        return bj_fail(a, PM_EXIT_USAGE, "--grid '%.200s': empty value or more than %d values", value,
                       BJ_MAX_VALUES);
    a->n_grid++;
    for (int i = 0; i < g->n; i++) {
        pm_config tmp = *base;
        char msg[PM_CFG_ERR_MAX];
        if (pm_config_set(&tmp, g->section, g->key, g->values[i], msg))
            return bj_fail(a, PM_EXIT_USAGE, "--grid %.560s", msg);
    }
    return 0;
}

static int bj_option(bj_args *a, pm_config *base, const char *name, const char *value)
{
    char msg[PM_CFG_ERR_MAX];
    long v;
    if (!strcmp(name, "--json") || !strcmp(name, "--quiet"))
        return 0;   /* always JSON, never progress */
    if (!strcmp(name, "--rules"))
        return bj_rules(a, value);
    if (!strcmp(name, "--seeds"))
        return bj_seeds(a, value);
    if (!strcmp(name, "--out")) {
        a->out_dir = value;
        return 0;
    }
    if (!strcmp(name, "--jobs")) {
        if (pm_parse_long(value, &v) || v < 1 || v > 1024)
            return bj_fail(a, PM_EXIT_USAGE, "--jobs: not an integer in [1, 1024]: '%.200s'", value);
        a->workers = (int)v;
        return 0;
    }
    if (!strcmp(name, "--tracks")) {
        if ((a->n_tracks = bj_split(a, value, ',', a->tracks)) < 0)
            return bj_fail(a, PM_EXIT_USAGE, "--tracks: bad list '%.200s'", value);
        return 0;
    }
    if (a->sweep && !strcmp(name, "--grid"))
        return bj_grid(a, value, base);
    if (!strcmp(name, "--plots") || !strcmp(name, "--emit-commands") || !strcmp(name, "--help"))
        return bj_fail(a, PM_EXIT_USAGE, "%s: only on the command line (primod %s)", name,
                       a->sweep ? "sweep" : "compare");
    if (!strncmp(name, "--rate-", 7)) {   /* --rate-RULE X is learning.rate_RULE */
        char key[64];
        if (pm_config_rule_parse(name + 7) <= 0)
            return bj_fail(a, PM_EXIT_USAGE,
                           "unknown option '%.100s' (--rate-bp, --rate-pm, --rate-sr, --rate-sign, --rate-chained)",
                           name);
        snprintf(key, sizeof key, "rate_%s", name + 7);
        if (pm_config_parse_value(base, "learning", key, value, msg))
            return bj_fail(a, PM_EXIT_USAGE, "%.60s: %.300s: '%.200s'", name, msg, value);
        return 0;
    }
    return pm_config_apply_option(base, name, value, a->err);
}

/* The job list: rule, then grid point (last axis fastest), then track, then seed (fastest), as the CLI. */
static int bj_jobs(bj_args *a, const pm_config *base, pm_batch_job **jobs, int *n)
{
    long points = 1;
    for (int g = 0; g < a->n_grid; g++)
        points *= a->grid[g].n;
    int n_tracks = a->n_tracks > 0 ? a->n_tracks : 1;
    double total = (double)a->n_rules * (double)points * n_tracks * a->n_seeds;
    if (total > BJ_MAX_RUNS)
        return bj_fail(a, PM_EXIT_USAGE, "%.0f runs: more than %d", total, BJ_MAX_RUNS);
    if (!(*jobs = calloc((size_t)total + 1, sizeof **jobs)))
        return bj_fail(a, PM_EXIT_FAILURE, "out of memory");
    int k = 0;
    char msg[PM_CFG_ERR_MAX];
    for (int r = 0; r < a->n_rules; r++)
        for (long p = 0; p < points; p++)
            for (int t = 0; t < n_tracks; t++)
                for (int s = 0; s < a->n_seeds; s++) {
                    pm_batch_job *j = &(*jobs)[k++];
                    j->cfg = *base;
                    j->cfg.rule = a->rules[r];
                    j->cfg.seed = a->seeds[s];
                    if (a->n_tracks > 0 && pm_config_set(&j->cfg, "world", "track", a->tracks[t], msg))
                        return bj_fail(a, PM_EXIT_USAGE, "--tracks %.560s", msg);
                    size_t used = (size_t)snprintf(j->group, sizeof j->group, "%s",
                                                   pm_config_rule_name(a->rules[r]));
                    long rest = p;
                    int idx[BJ_MAX_GRID];
                    for (int g = a->n_grid - 1; g >= 0; g--) {
                        idx[g] = (int)(rest % a->grid[g].n);
                        rest /= a->grid[g].n;
                    }
                    for (int g = 0; g < a->n_grid; g++) {
                        const bj_axis *ax = &a->grid[g];
                        pm_config_set(&j->cfg, ax->section, ax->key, ax->values[idx[g]], msg); /* checked */
                        if (used < sizeof j->group)
                            used += (size_t)snprintf(j->group + used, sizeof j->group - used, " %s.%s=%s",
                                                     ax->section, ax->key, ax->values[idx[g]]);
                    }
                    if (pm_config_check(&j->cfg, msg))
                        return bj_fail(a, PM_EXIT_USAGE, "%.590s", msg);
                    pm_batch_job_name(j);
                }
    *n = k;
    return 0;
}

/* The first error a failing run reports through pm_notify becomes the call's message. */
static void bj_note(void *ctx, pm_note_kind kind, const char *cmd, const char *message)
{
    char *err = ctx;
    if (kind == PM_NOTE_ERROR && !err[0])
        snprintf(err, PM_CFG_ERR_MAX, "%s", message);
}

/* {"runs": [...], "<groups_key>": {group: summary, ...}}: the CLI's --json object (pm_batch_print_json). */
static char *bj_json(const pm_batch_slot *slots, int n, const pm_batch_summary *g, int n_groups, const char *key)
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
    pm_json_key(&j, key);
    pm_json_begin_object(&j);
    for (int i = 0; i < n_groups; i++) {
        pm_json_key(&j, g[i].group);
        pm_batch_summary_json(&g[i], &j);
    }
    pm_json_end_object(&j);
    pm_json_end_object(&j);
    char *out = j.failed ? NULL : strdup(pm_json_text(&j));
    pm_json_free(&j);
    return out;
}

int pm_batch_main_json(const char *cmd, int sweep, int argc, char **argv, char **json, char *err, size_t errcap)
{
    char msg[PM_CFG_ERR_MAX] = "";
    bj_args a;
    memset(&a, 0, sizeof a);
    a.sweep = sweep;
    a.err = msg;
    pm_config base;
    pm_batch_job *jobs = NULL;
    pm_batch_slot *slots = NULL;
    pm_batch_summary *groups = NULL;
    int n = 0, n_groups = 0, rc = PM_EXIT_USAGE;
    if (json)
        *json = NULL;
    if (!cmd || !json || argc < 1 || !argv) {
        snprintf(msg, sizeof msg, "pm_batch_main_json: NULL argument");
        goto done;
    }
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    a.workers = cores > 0 ? (int)cores : 1;
    if (!(a.seeds = calloc(BJ_MAX_SEEDS, sizeof *a.seeds))) {
        snprintf(msg, sizeof msg, "out of memory");
        rc = PM_EXIT_FAILURE;
        goto done;
    }
    if ((rc = pm_config_from_args(argc, argv, bj_takes_value, &base, msg)) ||
        (rc = bj_rules(&a, "bp,pm,sr,sign")) || (rc = bj_seeds(&a, "1-10")))
        goto done;
    for (int i = 1; i < argc; i++) {
        char name[64];
        const char *value;
        if ((rc = pm_args_next_option(argc, argv, &i, name, sizeof name, &value, bj_takes_value, msg)) ||
            (rc = bj_option(&a, &base, name, value)))
            goto done;
    }
    if ((rc = bj_jobs(&a, &base, &jobs, &n)))
        goto done;
    if (!(slots = calloc((size_t)n + 1, sizeof *slots))) {
        snprintf(msg, sizeof msg, "out of memory");
        rc = PM_EXIT_FAILURE;
        goto done;
    }
    struct stat st;   /* --out DIR: created if missing, as the CLI does; a file is refused before any run */
    if (a.out_dir &&
        ((mkdir(a.out_dir, 0777) && errno != EEXIST) || stat(a.out_dir, &st) || !S_ISDIR(st.st_mode))) {
        snprintf(msg, sizeof msg, "--out %.500s: %s", a.out_dir,
                 errno == EEXIST ? "not a directory" : strerror(errno));
        rc = PM_EXIT_USAGE;
        goto done;
    }
    pm_notify_set_handler(bj_note, msg);
    rc = pm_batch_execute(cmd, jobs, n, a.workers, a.out_dir, 0, slots);
    pm_notify_set_handler(NULL, NULL);
    if (rc) {
        if (!msg[0])
            snprintf(msg, sizeof msg, "a run failed");
        goto done;
    }
    if (pm_batch_summarize(slots, n, &groups, &n_groups) ||
        !(*json = bj_json(slots, n, groups, n_groups, sweep ? "groups" : "rules"))) {
        snprintf(msg, sizeof msg, "out of memory");
        rc = PM_EXIT_FAILURE;
    }
done:
    if (rc && err && errcap)
        snprintf(err, errcap, "%s", msg);
    free(groups);
    if (slots)
        pm_batch_slots_free(slots, n);
    free(slots);
    free(jobs);
    free(a.seeds);
    for (int i = 0; i < a.n_owned; i++)
        free(a.owned[i]);
    return rc;
}
