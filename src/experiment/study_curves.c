/* Learning curves of the study (SPEC §9): median |E| per 200-step bin over seeds with the interquartile band, per
 * rule at its best rate, from runs recorded in process; and the figures of the study's later parts. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "primod/notify.h"
#include "primod/plot.h"
#include "primod/run.h"
#include "primod/study.h"
#include "study_parts.h"

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Runs of the curves per rule: the evaluation seeds, at most 6 (the curves cost one core, in process). */
static int curve_runs(const pm_study_options *o)
{
    return o->quick ? 2 : o->seeds < 6 ? o->seeds : 6;
}

int pm_study_curves(const pm_study_options *o, pm_study_result *res, char *err)
{
    pm_curve_result *C = &res->curves;
    double t0 = seconds_now();
    long steps = o->quick ? 1000 : 6000;
    if (steps > o->base.max_steps)
        steps = o->base.max_steps;
    int bins = (int)(steps / PM_CURVE_BIN), runs = curve_runs(o);
    if (bins > PM_CURVE_MAX_BINS)
        bins = PM_CURVE_MAX_BINS;
    /* (rule, run, bin) mean |E|; NaN once a run has ended (lost or diverged) */
    double *bin = malloc((size_t)PM_STUDY_N_RULES * runs * (bins > 0 ? bins : 1) * sizeof *bin);
    double *col = malloc((size_t)(runs > 0 ? runs : 1) * sizeof *col);
    if (!bin || !col) {
        free(bin);
        free(col);
        snprintf(err, PM_CFG_ERR_MAX, "out of memory");
        return PM_EXIT_FAILURE;
    }
    pm_notify(PM_NOTE_INFO, "report", "learning curves: %d runs of %ld steps per rule", runs, steps);
    int rc = 0;
    pm_run_cache *cache = NULL;   /* one world and one set of sensor maps for all these runs (run.h) */
    if (pm_run_cache_create(&cache))
        cache = NULL;
    for (int k = 0; !rc && k < PM_STUDY_N_RULES; k++)
        for (int s = 0; !rc && s < runs; s++) {
            pm_config c = o->base;
            c.rule = pm_config_rule_parse(res->rule[k].rule);
            c.rate = res->rule[k].best_rate;
            c.seed = (unsigned long long)s + 1;
            c.max_steps = steps;
            c.stop_on_success = 0;
            snprintf(c.track, sizeof c.track, "%s", o->tracks[o->n_tracks - 1]);
            pm_runner *r;
            (void)pm_run_cache_add(cache, &c, NULL, NULL);   /* refused: the runner builds its own, says why */
            if ((rc = pm_runner_create_cached(&c, NULL, NULL, cache, &r, err)))
                break;
            double *row = bin + ((size_t)k * runs + s) * bins;
            for (int b = 0; b < bins; b++)
                row[b] = NAN;
            pm_runner_step_info info;
            double sum = 0;
            while (!pm_runner_step(r, &info) && !info.diverged) {
                sum += fabs(info.error);
                if ((info.step + 1) % PM_CURVE_BIN == 0 && info.step / PM_CURVE_BIN < bins) {
                    row[info.step / PM_CURVE_BIN] = sum / PM_CURVE_BIN;
                    sum = 0;
                }
            }
            pm_runner_destroy(r);
        }
    C->n_bins = rc ? 0 : bins;
    C->runs = runs;
    for (int k = 0; !rc && k < PM_STUDY_N_RULES; k++)
        for (int b = 0; b < bins; b++) {
            int m = 0;
            for (int s = 0; s < runs; s++) {
                double x = bin[((size_t)k * runs + s) * bins + b];
                if (!isnan(x))
                    col[m++] = x;
            }
            pm_study_quartiles(col, m, &C->median[k][b], &C->q1[k][b], &C->q3[k][b]);
        }
    pm_run_cache_destroy(cache);
    free(bin);
    free(col);
    C->seconds = seconds_now() - t0;
    return rc;
}

int pm_study_curve_figures(const pm_study_options *o, const pm_study_result *res, char *err)
{
    const pm_curve_result *C = &res->curves;
    if (!C->n_bins)
        return 0;
    double x[PM_CURVE_MAX_BINS];
    for (int b = 0; b < C->n_bins; b++)
        x[b] = (b + 1) * PM_CURVE_BIN;
    /* the charts take finite values only: each series runs to its last bin that some run reached */
    int len[PM_STUDY_N_RULES], n = 0;
    pm_plot_series all[PM_STUDY_N_RULES];
    for (int k = 0; k < PM_STUDY_N_RULES; k++) {
        for (len[k] = 0; len[k] < C->n_bins && isfinite(C->median[k][len[k]]); len[k]++)
            ;
        if (len[k])
            all[n++] = (pm_plot_series){res->rule[k].rule, x, C->median[k], len[k]};
    }
    if (!n)
        return 0;
    char path[PM_CFG_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/curves.png", o->out);
    pm_plot_xy_spec xy = {.series = all, .n_series = n, .xlabel = "step (end of the 200-step bin)",
                          .ylabel = "median mean |E| over the bin", .markers = 0,
                          .title = "Learning curves: median |E| per 200 steps over seeds (best rates)", .width = 820,
                          .height = 520};
    pm_status st = pm_plot_xy(path, &xy);
    /* one figure per learning rule with its interquartile band drawn as the quartile lines */
    for (int k = 1; !st && k < PM_STUDY_N_RULES; k++) {
        if (!len[k])
            continue;
        pm_plot_series band[3] = {{"median", x, C->median[k], len[k]}, {"25 %", x, C->q1[k], len[k]},
                                  {"75 %", x, C->q3[k], len[k]}};
        char title[128];
        snprintf(title, sizeof title, "%s (eta %g): median |E| per 200 steps with the interquartile band",
                 res->rule[k].rule, res->rule[k].best_rate);
        snprintf(path, sizeof path, "%s/curves_%s.png", o->out, res->rule[k].rule);
        pm_plot_xy_spec one = {.series = band, .n_series = 3, .xlabel = "step", .ylabel = "mean |E| over the bin",
                               .title = title, .width = 640, .height = 400};
        st = pm_plot_xy(path, &one);
    }
    if (st) {
        snprintf(err, PM_CFG_ERR_MAX, "%.400s: %s", path, pm_status_str(st));
        return PM_EXIT_FAILURE;
    }
    return 0;
}

int pm_study_extra_figures(const pm_study_options *o, const pm_study_result *res, char *err)
{
    int rc = pm_study_depth_figures(o, res, err);
    return rc ? rc : pm_study_curve_figures(o, res, err);
}

void pm_study_md_curves(FILE *f, const pm_study_result *res)
{
    const pm_curve_result *C = &res->curves;
    fprintf(f, "### Learning curves\n\n");
    if (!C->n_bins) {
        fprintf(f, "Not measured in this report.\n\n");
        return;
    }
    fprintf(f, "Each rule at its best rate, %d seeds, %d bins of %d steps without stopping at success. Median mean "
               "|E| in the first bin, the last bin, and the first bin whose median is at most a tenth of the "
               "first:\n\n| rule | first bin | last bin | bin reaching 1/10 |\n|---|---|---|---|\n",
            C->runs, C->n_bins, PM_CURVE_BIN);
    for (int k = 0; k < PM_STUDY_N_RULES; k++) {
        char a[32], b[32];
        int tenth = -1;
        for (int i = 0; i < C->n_bins && tenth < 0; i++)
            if (C->median[k][i] <= 0.1 * C->median[k][0])
                tenth = i;
        fprintf(f, "| %s | %s | %s | ", res->rule[k].rule, pm_study_num(a, 32, C->median[k][0]),
                pm_study_num(b, 32, C->median[k][C->n_bins - 1]));
        if (tenth >= 0)
            fprintf(f, "step %d |\n", (tenth + 1) * PM_CURVE_BIN);
        else
            fprintf(f, "never |\n");
    }
    fprintf(f, "\n![learning curves](curves.png)\n\n");
    for (int k = 1; k < PM_STUDY_N_RULES; k++)
        if (isfinite(C->median[k][0]))
            fprintf(f, "![%s](curves_%s.png)\n", res->rule[k].rule, res->rule[k].rule);
    fprintf(f, "\n");
}
