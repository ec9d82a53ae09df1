/* Summary pictures of many runs (compare / sweep / report): box plots per group and success rate over the rate. */
#include "primod/study.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "primod/notify.h"
#include "primod/plot.h"

#define FIG_MAX_GROUPS 64
#define FIG_MAX_RULES 16
#define FIG_MAX_RATES 64

/* Index of the group name of slot i among the first occurrences; adds it if new (names: (FIG_MAX_GROUPS)). */
static int group_index(const char **names, int *n_names, const char *g)
{
    for (int k = 0; k < *n_names; k++)
        if (!strcmp(names[k], g))
            return k;
    if (*n_names == FIG_MAX_GROUPS)
        return -1;
    names[*n_names] = g;
    return (*n_names)++;
}

static double measure_of(const pm_batch_slot *s, pm_fig_measure m)
{
    return m == PM_FIG_SUCCESS_STEP ? (double)s->res.success_step
         : m == PM_FIG_LOG_ERROR_INTEGRAL ? log10(s->res.error_integral) : s->res.error_integral;
}

static int counts(const pm_batch_slot *s, pm_fig_measure m)
{
    return s->json && (m != PM_FIG_SUCCESS_STEP || s->res.success);   /* failed runs have no result at all */
}

int pm_fig_boxes(const pm_batch_slot *slots, int n, pm_fig_measure measure, const char *title, const char *path,
                 char *err)
{
    const char *names[FIG_MAX_GROUPS];
    int n_names = 0, member[FIG_MAX_GROUPS] = {0};
    for (int i = 0; measure == PM_FIG_LOG_ERROR_INTEGRAL && i < n; i++)
        if (slots[i].json && !(slots[i].res.error_integral > 0))
            measure = PM_FIG_ERROR_INTEGRAL;   /* log10 undefined: fall back to the linear axis */
    for (int i = 0; i < n; i++) {
        int k = group_index(names, &n_names, slots[i].group);
        if (k < 0) {
            snprintf(err, PM_CFG_ERR_MAX, "more than %d groups to draw", FIG_MAX_GROUPS);
            return -1;
        }
        member[k] += counts(&slots[i], measure);
    }
    double *vals = malloc((size_t)(n > 0 ? n : 1) * sizeof *vals);
    if (!vals) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        return -1;
    }
    /* values laid out group after group, so each pm_plot_group points at a contiguous stretch */
    pm_plot_group groups[FIG_MAX_GROUPS];
    char missing[512] = "";
    int n_groups = 0, used = 0;
    for (int k = 0; k < n_names; k++) {
        if (!member[k]) {
            snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s", *missing ? ", " : "",
                     names[k]);
            continue;
        }
        groups[n_groups] = (pm_plot_group){names[k], vals + used, member[k]};
        for (int i = 0; i < n; i++)
            if (!strcmp(slots[i].group, names[k]) && counts(&slots[i], measure))
                vals[used++] = measure_of(&slots[i], measure);
        n_groups++;
    }
    char full[768];
    snprintf(full, sizeof full, "%s%s%s%s", title ? title : "", *missing ? " (never successful: " : "", missing,
             *missing ? ")" : "");
    int rc = 0;
    if (!n_groups) {
        snprintf(err, PM_CFG_ERR_MAX, "%.300s: no run to draw (no successful run)", path);
        rc = -1;
    } else {
        /* the default width gives each box 140 px: widen for long labels ("pm learning.rate=1e-5") so they
         * do not overlap (about 8 px per character of the 10 pt label font) */
        size_t longest = 0;
        for (int k = 0; k < n_groups; k++)
            longest = strlen(groups[k].label) > longest ? strlen(groups[k].label) : longest;
        int per_box = 8 * (int)(longest < 400 ? longest : 400) + 24;
        int width = n_groups * (per_box > 140 ? per_box : 140);
        pm_plot_boxes_spec b = {.groups = groups, .n_groups = n_groups, .title = full,
                                .width = width < 500 ? 500 : width > 8192 ? 8192 : width,
                                .ylabel = measure == PM_FIG_SUCCESS_STEP    ? "success step (SPEC §6)"
                                          : measure == PM_FIG_ERROR_INTEGRAL ? "error integral sum |E(n)|"
                                                                             : "log10 of error integral sum |E(n)|"};
        pm_status st = pm_plot_boxes(path, &b);
        if (st) {
            snprintf(err, PM_CFG_ERR_MAX, "%.400s: %s", path, pm_status_str(st));
            rc = -1;
        }
    }
    free(vals);
    return rc;
}

/* Sorted distinct rates of one rule among the slots (rates: (FIG_MAX_RATES)); returns their count. */
static int rule_rates(const pm_batch_slot *slots, int n, const char *rule, double *rates)
{
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (strcmp(slots[i].res.rule, rule) || !slots[i].json)
            continue;
        double r = slots[i].res.rate;
        int j = 0;
        while (j < m && rates[j] < r)
            j++;
        if ((j < m && rates[j] == r) || m == FIG_MAX_RATES)
            continue;
        memmove(rates + j + 1, rates + j, (size_t)(m - j) * sizeof *rates);
        rates[j] = r;
        m++;
    }
    return m;
}

int pm_fig_rate_sweep(const pm_batch_slot *slots, int n, const char *title, const char *path, char *err)
{
    const char *rules[FIG_MAX_RULES];
    int n_rules = 0;
    for (int i = 0; i < n; i++) {
        if (!slots[i].json || slots[i].res.rate <= 0)
            continue;
        int k = 0;
        while (k < n_rules && strcmp(rules[k], slots[i].res.rule))
            k++;
        if (k == n_rules && n_rules < FIG_MAX_RULES)
            rules[n_rules++] = slots[i].res.rule;
    }
    if (!n_rules) {
        snprintf(err, PM_CFG_ERR_MAX, "%.300s: no learning runs to draw", path);
        return -1;
    }
    /* x: (n_rules, FIG_MAX_RATES) rates, y: the same shape of success fractions, one block */
    double (*x)[FIG_MAX_RATES] = calloc(2 * FIG_MAX_RULES, sizeof *x);
    if (!x) {
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        return -1;
    }
    double (*y)[FIG_MAX_RATES] = x + FIG_MAX_RULES;
    pm_plot_series series[FIG_MAX_RULES];
    for (int k = 0; k < n_rules; k++) {
        int m = rule_rates(slots, n, rules[k], x[k]);
        for (int j = 0; j < m; j++) {
            int runs = 0, ok = 0;
            for (int i = 0; i < n; i++)
                if (slots[i].json && !strcmp(slots[i].res.rule, rules[k]) && slots[i].res.rate == x[k][j])
                    runs++, ok += slots[i].res.success;
            y[k][j] = (double)ok / runs;
        }
        series[k] = (pm_plot_series){rules[k], x[k], y[k], m};
    }
    pm_plot_xy_spec s = {.series = series, .n_series = n_rules, .xlabel = "learning rate eta",
                         .ylabel = "success rate (fraction of runs)", .log_x = 1, .markers = 1, .title = title};
    pm_status st = pm_plot_xy(path, &s);
    free(x);
    if (st) {
        snprintf(err, PM_CFG_ERR_MAX, "%.400s: %s", path, pm_status_str(st));
        return -1;
    }
    return 0;
}

/* Joins dir and a file name into path (PM_CFG_PATH_MAX + 32 bytes). */
static void fig_path(char *path, const char *dir, const char *name)
{
    snprintf(path, PM_CFG_PATH_MAX + 32, "%.*s/%s", PM_CFG_PATH_MAX - 1, dir, name);
}

/* 1 if some run learned (rate > 0) or succeeded, so the figure has something to show. */
static int any_run(const pm_batch_slot *slots, int n, int need_success, int need_rate)
{
    for (int i = 0; i < n; i++)
        if (slots[i].json && (!need_success || slots[i].res.success) && (!need_rate || slots[i].res.rate > 0))
            return 1;
    return 0;
}

int pm_fig_batch_plots(const char *cmd, const pm_batch_slot *slots, int n, int rate_sweep, const char *dir,
                       char *err)
{
    char path[PM_CFG_PATH_MAX + 32];
    fig_path(path, dir, "success_steps.png");
    if (!any_run(slots, n, 1, 0))
        pm_notify(PM_NOTE_INFO, cmd, "no run succeeded, %s not drawn", path);
    else if (pm_fig_boxes(slots, n, PM_FIG_SUCCESS_STEP, "Success step per group", path, err))
        return -1;
    fig_path(path, dir, "error_integrals.png");
    if (pm_fig_boxes(slots, n, PM_FIG_LOG_ERROR_INTEGRAL, "Error integral per group", path, err))
        return -1;
    if (!rate_sweep)
        return 0;
    fig_path(path, dir, "success_rate.png");
    if (!any_run(slots, n, 0, 1)) {
        pm_notify(PM_NOTE_INFO, cmd, "no run learns, %s not drawn", path);
        return 0;
    }
    return pm_fig_rate_sweep(slots, n, "Success rate over the learning rate", path, err);
}
